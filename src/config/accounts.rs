//! `[[accounts]]`: one account per Claude config directory. The default account is the
//! one Claude Code uses without `CLAUDE_CONFIG_DIR` set by the user's config (or with the
//! directory the user gives an account named `default`).

use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields {
    name: String,
    claude_config_dir: Option<PathBuf>,
}

/// One `[[accounts]]` table, checked while it is read.
#[derive(Debug, Deserialize)]
#[serde(try_from = "Fields")]
pub(super) struct RawAccount(Fields);

impl TryFrom<Fields> for RawAccount {
    type Error = String;

    fn try_from(f: Fields) -> Result<RawAccount, String> {
        super::check_name(&f.name)?;
        if f.claude_config_dir.is_none() && f.name != crate::DEFAULT_ACCOUNT {
            return Err(format!(
                "account {:?} needs claude_config_dir (the folder its Claude Code uses)",
                f.name
            ));
        }
        Ok(RawAccount(f))
    }
}

/// One account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// Its name in the snapshot (`s.accounts[name]`).
    pub name: String,
    /// Its Claude config directory; `None` for the default account left to Claude
    /// Code's own default (`$CLAUDE_CONFIG_DIR`, `~/.claude`, `~/.config/claude`).
    pub claude_config_dir: Option<PathBuf>,
}

impl RawAccount {
    pub(super) fn name(&self) -> &str {
        &self.0.name
    }

    pub(super) fn dir(&self) -> Option<PathBuf> {
        self.0
            .claude_config_dir
            .as_ref()
            .map(|d| crate::paths::expand_tilde(d))
    }
}

/// The accounts, the default one first; a second table with a name or folder already
/// used is an error naming the table.
pub(super) fn build(raw: &[RawAccount]) -> Result<Vec<AccountConfig>, (usize, String)> {
    let mut accounts = vec![AccountConfig {
        name: crate::DEFAULT_ACCOUNT.to_string(),
        claude_config_dir: None,
    }];
    for (i, a) in raw.iter().enumerate() {
        let dir = a.dir();
        if a.name() == crate::DEFAULT_ACCOUNT {
            if i > 0 && raw[..i].iter().any(|b| b.name() == a.name()) {
                return Err((i, format!("account {:?} is listed twice", a.name())));
            }
            accounts[0].claude_config_dir = dir;
            continue;
        }
        if accounts.iter().any(|b| b.name == a.name()) {
            return Err((i, format!("account {:?} is listed twice", a.name())));
        }
        if dir.is_some() && accounts.iter().any(|b| b.claude_config_dir == dir) {
            return Err((
                i,
                "another account already uses this claude_config_dir".into(),
            ));
        }
        accounts.push(AccountConfig {
            name: a.name().to_string(),
            claude_config_dir: dir,
        });
    }
    Ok(accounts)
}
