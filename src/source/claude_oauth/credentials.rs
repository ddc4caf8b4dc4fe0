//! Claude Code's OAuth credentials, read-only: from the configured file, the macOS
//! Keychain, or `.credentials.json` in the Claude config directory. Read again before
//! every poll (Claude Code refreshes them), never refreshed or written by creditwatch.

pub use crate::secret::Secret;
use std::path::{Path, PathBuf};

/// The scope the usage, profile and credits endpoints require.
pub const PROFILE_SCOPE: &str = "user:profile";
/// What to tell a user whose sign-in no longer works.
pub const SIGN_IN_AGAIN: &str = "sign in again with `claude`";

/// The parts of the credentials creditwatch uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Credentials {
    /// The bearer token.
    pub access_token: Secret,
    /// When the token expires, unix milliseconds, when known.
    pub expires_at_ms: Option<i64>,
    /// The scopes it was granted.
    pub scopes: Vec<String>,
    /// `pro`, `max`, ... as Claude Code recorded it.
    pub subscription: Option<String>,
    /// The rate-limit tier (`rateLimitTier`: `default_claude_max_20x`), when named.
    pub tier: Option<String>,
    /// Where they were read from, for messages.
    pub origin: String,
}

/// Why there are no usable credentials.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialsError {
    /// Nothing at any of the places looked at.
    #[error("no Claude Code sign-in found (looked in {0}): {SIGN_IN_AGAIN}")]
    Missing(String),
    /// The file exists but cannot be read.
    #[error("cannot read {path}: {message}")]
    Unreadable {
        /// The file.
        path: String,
        /// What the OS said.
        message: String,
    },
    /// Not the expected JSON; the message never quotes the content.
    #[error("{origin}: not Claude Code credentials ({what})")]
    Malformed {
        /// Where they came from.
        origin: String,
        /// What is wrong with them.
        what: String,
    },
    /// The token lacks `user:profile`.
    #[error(
        "the Claude Code sign-in in {0} lacks the user:profile scope that usage needs: {SIGN_IN_AGAIN}"
    )]
    NoProfileScope(String),
    /// The token has expired.
    #[error("the Claude Code sign-in in {0} has expired: {SIGN_IN_AGAIN}")]
    Expired(String),
}

/// Where to look for credentials.
#[derive(Debug, Clone)]
pub struct Locator {
    /// An explicit file (`credentials_file`), which is then the only place looked at.
    pub file: Option<PathBuf>,
    /// The Claude config directory (`$CLAUDE_CONFIG_DIR` or `~/.claude`).
    pub config_dir: Option<PathBuf>,
    /// Whether `config_dir` came from `CLAUDE_CONFIG_DIR` (it changes the Keychain item).
    pub config_dir_is_custom: bool,
}

impl Locator {
    /// Claude Code's own places, or `file` when the user named one.
    pub(crate) fn from_env(file: Option<PathBuf>) -> Locator {
        let custom = std::env::var_os("CLAUDE_CONFIG_DIR")
            .filter(|v| !v.is_empty())
            .map(|v| PathBuf::from(v.to_string_lossy().split(',').next().unwrap_or("")));
        Locator {
            file,
            config_dir_is_custom: custom.is_some(),
            config_dir: custom.or_else(|| dirs::home_dir().map(|h| h.join(".claude"))),
        }
    }

    /// Reads the credentials, checking scope and expiry at `now` (unix seconds).
    pub fn load(&self, now: i64) -> Result<Credentials, CredentialsError> {
        let creds = self.read()?;
        if !creds.scopes.is_empty() && !creds.scopes.iter().any(|s| s == PROFILE_SCOPE) {
            return Err(CredentialsError::NoProfileScope(creds.origin));
        }
        if creds
            .expires_at_ms
            .is_some_and(|ms| ms <= now.saturating_mul(1000))
        {
            return Err(CredentialsError::Expired(creds.origin));
        }
        Ok(creds)
    }

    /// Reads the credentials without judging them.
    pub fn read(&self) -> Result<Credentials, CredentialsError> {
        if let Some(file) = &self.file {
            return read_file(file)?.ok_or_else(|| CredentialsError::Missing(shown(file)));
        }
        let mut looked = Vec::new();
        if cfg!(target_os = "macos") {
            let service = keychain_service(
                self.config_dir
                    .as_deref()
                    .filter(|_| self.config_dir_is_custom),
            );
            if let Some(text) = crate::secret::keychain_password(&service) {
                return parse(&text, &format!("Keychain item {service:?}"));
            }
            looked.push(format!("Keychain item {service:?}"));
        }
        if let Some(dir) = &self.config_dir {
            let file = dir.join(".credentials.json");
            if let Some(creds) = read_file(&file)? {
                return Ok(creds);
            }
            looked.push(shown(&file));
        }
        Err(CredentialsError::Missing(looked.join(", ")))
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// Reads a credentials file; `None` when it does not exist.
fn read_file(path: &Path) -> Result<Option<Credentials>, CredentialsError> {
    match crate::textfile::read_to_string(path) {
        Ok(text) => parse(&text, &shown(path)).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CredentialsError::Unreadable {
            path: shown(path),
            message: e.to_string(),
        }),
    }
}

/// Parses `{"claudeAiOauth": {...}}`; errors describe the shape, never the content.
pub fn parse(text: &str, origin: &str) -> Result<Credentials, CredentialsError> {
    let bad = |what: &str| CredentialsError::Malformed {
        origin: origin.to_string(),
        what: what.to_string(),
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| bad("not JSON"))?;
    let oauth = value
        .get("claudeAiOauth")
        .filter(|v| v.is_object())
        .ok_or_else(|| bad("no claudeAiOauth object"))?;
    let token = oauth
        .get("accessToken")
        .and_then(|v| v.as_str())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("no accessToken"))?;
    let scopes = oauth
        .get("scopes")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Ok(Credentials {
        access_token: Secret::new(token),
        expires_at_ms: oauth
            .get("expiresAt")
            .and_then(serde_json::Value::as_f64)
            .map(|v| v as i64),
        scopes,
        subscription: oauth
            .get("subscriptionType")
            .and_then(|v| v.as_str())
            .map(str::to_string),
        tier: oauth
            .get("rateLimitTier")
            .and_then(|v| v.as_str())
            .map(str::to_string),
        origin: origin.to_string(),
    })
}

/// The Keychain item Claude Code uses: a suffix of the config directory's SHA-256 when
/// `CLAUDE_CONFIG_DIR` is set.
pub(crate) fn keychain_service(custom_dir: Option<&Path>) -> String {
    use sha2::Digest;
    match custom_dir {
        None => "Claude Code-credentials".to_string(),
        Some(dir) => {
            let digest = sha2::Sha256::digest(dir.to_string_lossy().as_bytes());
            let hex = crate::format::hex(&digest[..4]);
            format!("Claude Code-credentials-{hex}")
        }
    }
}
