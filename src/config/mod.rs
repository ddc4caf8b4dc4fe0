//! The configuration: one TOML file, `config.toml`, parsed, then validated into [`Config`].
//!
//! Every key has a default, so a missing file is a valid configuration. The raw file is
//! deserialised with unknown keys refused, and every value is checked while it is read, so
//! each error carries the file, line, column and dotted key it is about.

mod accounts;
mod admin;
mod alertmanager;
mod command;
mod duration;
mod email;
mod endpoint;
mod error;
mod metrics;
mod network;
mod notify;
mod plan;
mod push;
mod quiet;
mod raw;

pub use accounts::AccountConfig;
pub use admin::{AdminConfig, KeyRef};
pub use alertmanager::AlertmanagerConfig;
pub use command::CommandConfig;
pub use duration::{Duration, parse as parse_duration};
pub use email::{EmailConfig, TlsMode};
pub use endpoint::is_loopback;
pub use error::ConfigError;
pub use metrics::RemoteWriteConfig;
pub use network::OauthConfig;
pub use notify::{NotifyConfig, WebhookConfig};
pub use plan::PlanConfig;
pub use push::{PushAuth, PushTarget};
pub use quiet::{QuietConfig, QuietHours};

use crate::price::PriceTable;
use std::path::{Path, PathBuf};

/// The validated configuration that the rest of creditwatch runs on.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, when one existed.
    pub file: Option<PathBuf>,
    /// Default cadence for sources that do not set their own `interval`.
    pub poll_interval: Duration,
    /// The rules folder; `None` = `<config dir>/rules`.
    pub rules_dir: Option<PathBuf>,
    /// How often the daemon wakes to see what is due.
    pub tick: Duration,
    /// Where `/metrics` is served: `[metrics] listen`, or the dashboard's address with
    /// `[metrics] enabled = true`; `None` = off.
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Where the dashboard and its API listen; `None` = off (`[dashboard] enabled = false`).
    pub dashboard: Option<std::net::SocketAddr>,
    /// `[metrics.remote_write]`: the push to a team's Prometheus, when on.
    pub remote_write: Option<RemoteWriteConfig>,
    /// Quiet hours by channel.
    pub quiet_hours: QuietConfig,
    /// The notifiers.
    pub notify: NotifyConfig,
    /// The `claude_code_logs` source.
    pub logs: LogsConfig,
    /// The `claude_oauth` source.
    pub oauth: OauthConfig,
    /// The `anthropic_admin` source; `None` when it is off.
    pub admin: Option<AdminConfig>,
    /// The `command` sources.
    pub commands: Vec<CommandConfig>,
    /// The accounts, the default one first.
    pub accounts: Vec<AccountConfig>,
    /// The price table: bundled prices with the user's `[prices]` on top.
    pub prices: PriceTable,
    /// `[plan]`: what `creditwatch plan` compares against.
    pub plan: PlanConfig,
    /// Settings that were accepted but adjusted, to show the user.
    pub warnings: Vec<String>,
}

/// Settings of the `claude_code_logs` source.
#[derive(Debug, Clone)]
pub struct LogsConfig {
    /// Whether the source runs at all.
    pub enabled: bool,
    /// Folders to read transcripts from; empty means Claude Code's default folders.
    pub roots: Vec<PathBuf>,
    /// How often the daemon reads; `None` (the default) is every tick: reading is
    /// incremental, and spend is freshest that way.
    pub interval: Option<Duration>,
}

/// Checks a name users give (an account, a command): letters, digits, `-` and `_`.
fn check_name(name: &str) -> Result<(), String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if name.is_empty() || !name.chars().all(ok) {
        return Err(format!(
            "name {name:?}: use letters, digits, `-` and `_` only"
        ));
    }
    Ok(())
}

/// The default cadence of every source.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(300);

/// How often the daemon wakes, unless `tick` says otherwise.
pub const DEFAULT_TICK: Duration = Duration::from_secs(15);

impl Default for Config {
    fn default() -> Config {
        Config::from_raw(None, raw::RawConfig::default())
    }
}

impl Config {
    /// The rules folder in force: `rules_dir`, or `rules` beside the config file.
    pub(crate) fn rules_folder(&self, paths: &crate::paths::Paths) -> PathBuf {
        self.rules_dir.clone().unwrap_or_else(|| paths.rules_dir())
    }

    /// Loads `path`; a file that does not exist gives the default configuration.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match crate::textfile::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source: e,
                });
            }
        };
        Config::parse(path, &text)
    }

    /// Parses the text of a config file; `path` is only used in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw = raw::parse(text).map_err(|e| e.locate(path, text))?;
        Ok(Config::from_raw(Some(path.to_path_buf()), raw))
    }

    fn from_raw(file: Option<PathBuf>, raw: raw::RawConfig) -> Config {
        let poll_interval = raw.poll_interval.map_or(DEFAULT_POLL_INTERVAL, |d| d.0);
        let mut warnings = Vec::new();
        if raw
            .checked_notify
            .email
            .as_ref()
            .is_some_and(|e| e.tls_from_port)
        {
            warnings.push(
                "notify.email: smtp_port = 587 without `tls`: using STARTTLS, which that port \
                 speaks (set `tls = \"starttls\"` to say so yourself)"
                    .to_string(),
            );
        }
        let oauth = raw.sources.claude_oauth.build(poll_interval, &mut warnings);
        let admin = raw.sources.anthropic_admin.build(&mut warnings);
        let commands = raw
            .sources
            .command
            .into_iter()
            .map(|c| c.build(poll_interval))
            .collect();
        let mut accounts = raw.checked_accounts;
        if accounts.is_empty() {
            accounts.push(AccountConfig {
                name: crate::DEFAULT_ACCOUNT.to_string(),
                claude_config_dir: None,
            });
        }
        let logs = raw.sources.claude_code_logs;
        let interval = logs.interval();
        let mut prices = PriceTable::bundled();
        for (model, price) in raw.prices {
            prices.set(&model, price.into_price());
        }
        Config {
            file,
            poll_interval,
            rules_dir: raw.rules_dir.as_deref().map(crate::paths::expand_tilde),
            tick: raw.tick.map_or(DEFAULT_TICK, |d| d.0),
            metrics_listen: raw.metrics.build(raw.dashboard.address()),
            remote_write: raw.metrics.remote_write.0,
            dashboard: raw.dashboard.build(),
            quiet_hours: raw.quiet_hours.build(),
            notify: raw.checked_notify,
            logs: LogsConfig {
                enabled: logs.enabled.unwrap_or(true),
                roots: logs
                    .roots
                    .unwrap_or_default()
                    .iter()
                    .map(|p| crate::paths::expand_tilde(p))
                    .collect(),
                interval,
            },
            oauth,
            admin,
            commands,
            accounts,
            prices,
            plan: raw.plan.build(),
            warnings,
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod push_tests;
