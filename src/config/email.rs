//! `[notify.email]`: the SMTP server, how to secure and authenticate the connection, and
//! who gets the mail. The password is referenced (environment variable, 0600 file or macOS
//! Keychain item), never written in the config.

use super::duration::Duration;
use super::raw::PositiveDuration;
use crate::secret::SecretRef;
use serde::Deserialize;
use std::path::PathBuf;

/// The default total time allowed for one email, connecting included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (port 465).
    Implicit,
    /// Plain, then STARTTLS, which is required (port 587).
    Starttls,
    /// No encryption: only to this machine.
    None,
}

impl TlsMode {
    /// The usual port for the mode.
    pub(crate) fn default_port(self) -> u16 {
        match self {
            TlsMode::Implicit => 465,
            TlsMode::Starttls => 587,
            TlsMode::None => 25,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Fields {
    enabled: Option<bool>,
    smtp_host: Option<String>,
    smtp_port: Option<Port>,
    tls: Option<TlsMode>,
    username: Option<String>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    password_keychain: Option<String>,
    from: Option<String>,
    to: Vec<String>,
    timeout: Option<PositiveDuration>,
    ca_file: Option<PathBuf>,
}

/// A TCP port, 1 to 65535.
#[derive(Debug, Clone, Copy)]
struct Port(u16);

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(de)?;
        match u16::try_from(n) {
            Ok(p) if p > 0 => Ok(Port(p)),
            _ => Err(serde::de::Error::custom(format!(
                "{n} is not a port: use 1 to 65535 (465 for implicit TLS, 587 for STARTTLS)"
            ))),
        }
    }
}

/// The table as written, checked while it is read (so an error has the table's line).
#[derive(Debug, Default, Deserialize)]
#[serde(try_from = "Fields")]
pub(super) struct RawEmail(pub Option<EmailConfig>);

/// Settings of the email notifier.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailConfig {
    /// The SMTP server.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// How the connection is secured.
    pub tls: TlsMode,
    /// The login, when the server wants one.
    pub username: Option<String>,
    /// Where the password is.
    pub password: Option<SecretRef>,
    /// The sender, `Name <address>` or `address`.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// Total time for one email.
    pub timeout: Duration,
    /// A CA certificate (PEM) to trust besides the usual ones, for a private server.
    pub ca_file: Option<PathBuf>,
    /// `tls` was not set and came from the port (587 speaks STARTTLS), to be said once.
    pub tls_from_port: bool,
}

impl TryFrom<Fields> for RawEmail {
    type Error = String;

    fn try_from(f: Fields) -> Result<RawEmail, String> {
        if !f.enabled.unwrap_or(f.smtp_host.is_some()) {
            return Ok(RawEmail(None));
        }
        let host = f
            .smtp_host
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .ok_or("`smtp_host` is missing")?;
        // Port 587 is the submission port, which speaks STARTTLS: a user who names it and
        // not `tls` means that, not implicit TLS.
        let tls_from_port = f.tls.is_none() && f.smtp_port.is_some_and(|p| p.0 == 587);
        let tls = match (f.tls, tls_from_port) {
            (Some(mode), _) => mode,
            (None, true) => TlsMode::Starttls,
            (None, false) => TlsMode::Implicit,
        };
        let loopback =
            super::endpoint::check_host(&host).map_err(|e| format!("`smtp_host`: {e}"))?;
        if tls == TlsMode::None && !loopback {
            return Err(format!(
                "`tls = \"none\"` sends your password and mail unencrypted; it is only allowed to this machine, not {host}"
            ));
        }
        let password = password(f.password_env, f.password_file, f.password_keychain)?;
        match (&f.username, &password) {
            (Some(_), None) => return Err("`username` needs a password: set `password_env`, `password_file` or `password_keychain`".into()),
            (None, Some(_)) => return Err("a password is set but `username` is missing".into()),
            _ => {}
        }
        let from = f
            .from
            .ok_or("`from` is missing, e.g. from = \"creditwatch <you@example.com>\"")?;
        check_mailbox("from", &from)?;
        if f.to.is_empty() {
            return Err("`to` is missing: the list of addresses to write to".into());
        }
        for to in &f.to {
            check_mailbox("to", to)?;
        }
        Ok(RawEmail(Some(EmailConfig {
            port: f.smtp_port.map_or(tls.default_port(), |p| p.0),
            host,
            tls,
            username: f.username,
            password,
            from,
            to: f.to,
            timeout: f.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0),
            ca_file: f.ca_file.map(|p| crate::paths::expand_tilde(&p)),
            tls_from_port,
        })))
    }
}

fn password(
    env: Option<String>,
    file: Option<PathBuf>,
    keychain: Option<String>,
) -> Result<Option<SecretRef>, String> {
    let set = [env.is_some(), file.is_some(), keychain.is_some()]
        .iter()
        .filter(|s| **s)
        .count();
    if set > 1 {
        return Err(
            "set one of `password_env`, `password_file` and `password_keychain`, not several"
                .into(),
        );
    }
    Ok(env
        .map(SecretRef::Env)
        .or(file.map(|p| SecretRef::File(crate::paths::expand_tilde(&p))))
        .or(keychain.map(SecretRef::Keychain)))
}

fn check_mailbox(key: &str, text: &str) -> Result<(), String> {
    text.parse::<lettre::message::Mailbox>()
        .map(|_| ())
        .map_err(|e| format!("`{key}`: {text:?} is not an email address ({e})"))
}
