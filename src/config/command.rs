//! `[[sources.command]]`: user commands that report a pool or an app as JSON.

use super::duration::Duration;
use super::raw::PositiveDuration;
use serde::Deserialize;

/// How long a command may run unless the config says otherwise.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);
/// Names the built-in sources use; a command cannot take one.
const RESERVED: [&str; 4] = [
    "claude_code_logs",
    "claude_oauth",
    "anthropic_admin",
    "statusline",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields {
    name: String,
    command: Vec<String>,
    interval: Option<PositiveDuration>,
    timeout: Option<PositiveDuration>,
    account: Option<String>,
}

/// One `[[sources.command]]` table, checked while it is read.
#[derive(Debug, Deserialize)]
#[serde(try_from = "Fields")]
pub(super) struct RawCommand(Fields);

impl TryFrom<Fields> for RawCommand {
    type Error = String;

    fn try_from(f: Fields) -> Result<RawCommand, String> {
        super::check_name(&f.name)?;
        if RESERVED.contains(&f.name.as_str()) {
            return Err(format!("name {:?} is a built-in source's name", f.name));
        }
        if f.command.first().is_none_or(|c| c.trim().is_empty()) {
            return Err(
                "command must name a program, e.g. [\"/usr/local/bin/x\", \"--json\"]".into(),
            );
        }
        Ok(RawCommand(f))
    }
}

/// Settings of one `command` source.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandConfig {
    /// Its name in the snapshot's `sources` and in messages.
    pub name: String,
    /// The program and its arguments (not run through a shell).
    pub argv: Vec<String>,
    /// How often it runs.
    pub interval: Duration,
    /// How long it may take before it is killed.
    pub timeout: Duration,
    /// The account its readings belong to.
    pub account: String,
}

impl RawCommand {
    pub(super) fn name(&self) -> &str {
        &self.0.name
    }

    pub(super) fn account(&self) -> Option<&str> {
        self.0.account.as_deref()
    }

    pub(super) fn build(self, default_interval: Duration) -> CommandConfig {
        let f = self.0;
        let mut argv = f.command;
        if let Some(program) = argv.first_mut() {
            *program = crate::paths::expand_tilde(std::path::Path::new(program))
                .display()
                .to_string();
        }
        CommandConfig {
            name: f.name,
            argv,
            interval: f.interval.map_or(default_interval, |d| d.0),
            timeout: f.timeout.map_or(COMMAND_TIMEOUT, |d| d.0),
            account: f
                .account
                .unwrap_or_else(|| crate::DEFAULT_ACCOUNT.to_string()),
        }
    }
}
