//! What the channels that push to a team's servers share (Alertmanager, Prometheus remote
//! write): how they prove who they are, which CA they trust, and the labels they add. A
//! password or token is referenced (environment variable, 0600 file, macOS Keychain item),
//! never written in the config.

use super::duration::Duration;
use crate::secret::{Secret, SecretError, SecretRef};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// How a push proves who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushAuth {
    /// HTTP basic authentication.
    Basic {
        /// The user name.
        username: String,
        /// Where the password is.
        password: SecretRef,
    },
    /// `Authorization: Bearer <token>`.
    Bearer(SecretRef),
}

/// How to reach one team server.
#[derive(Debug, Clone, PartialEq)]
pub struct PushTarget {
    /// Credentials, when the server wants them.
    pub auth: Option<PushAuth>,
    /// A CA certificate (PEM) to trust besides the usual ones, for a private server.
    pub ca_file: Option<PathBuf>,
    /// Total time for one request.
    pub timeout: Duration,
}

impl PushTarget {
    /// The `Authorization` header's value, read from its source now (so a rotated secret
    /// is picked up without a restart); `None` when no credentials are configured.
    pub fn authorization(&self) -> Result<Option<Secret>, SecretError> {
        use base64::Engine as _;
        match &self.auth {
            None => Ok(None),
            Some(PushAuth::Bearer(token)) => {
                let token = token.load("bearer token")?;
                Ok(Some(Secret::new(format!("Bearer {}", token.expose()))))
            }
            Some(PushAuth::Basic { username, password }) => {
                let password = password.load("password")?;
                let pair = format!("{username}:{}", password.expose());
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                Ok(Some(Secret::new(format!("Basic {encoded}"))))
            }
        }
    }

    /// An HTTP client for this target: its timeout, and its CA when one is given.
    pub fn client(&self) -> Result<crate::http::Client, crate::http::CaError> {
        crate::http::Client::trusting(self.timeout.0, self.ca_file.as_deref())
    }
}

/// The keys every push table has, as written.
#[derive(Debug, Default)]
pub(super) struct AccessFields {
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    pub password_keychain: Option<String>,
    pub bearer_token_env: Option<String>,
    pub bearer_token_file: Option<PathBuf>,
    pub bearer_token_keychain: Option<String>,
    pub ca_file: Option<PathBuf>,
}

/// Declares a push table as written: its own keys, then the ones every push table has
/// (credentials, `ca_file`), with `access()` to take the latter out. One declaration per
/// table keeps `deny_unknown_fields` (which `serde(flatten)` would lose).
macro_rules! push_table {
    ($(#[$doc:meta])* $name:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Default, serde::Deserialize)]
        #[serde(deny_unknown_fields, default)]
        struct $name {
            $($field: $ty,)*
            username: Option<String>,
            password_env: Option<String>,
            password_file: Option<std::path::PathBuf>,
            password_keychain: Option<String>,
            bearer_token_env: Option<String>,
            bearer_token_file: Option<std::path::PathBuf>,
            bearer_token_keychain: Option<String>,
            ca_file: Option<std::path::PathBuf>,
        }

        impl $name {
            /// The credentials and CA keys, taken out of the table.
            fn access(&mut self) -> super::push::AccessFields {
                super::push::AccessFields {
                    username: self.username.take(),
                    password_env: self.password_env.take(),
                    password_file: self.password_file.take(),
                    password_keychain: self.password_keychain.take(),
                    bearer_token_env: self.bearer_token_env.take(),
                    bearer_token_file: self.bearer_token_file.take(),
                    bearer_token_keychain: self.bearer_token_keychain.take(),
                    ca_file: self.ca_file.take(),
                }
            }
        }
    };
}
pub(super) use push_table;

impl AccessFields {
    /// Checks the credentials: a user name with exactly one password source, or exactly one
    /// token source, or neither.
    pub(super) fn build(self, timeout: Duration) -> Result<PushTarget, String> {
        let password = one_of(
            "password",
            self.password_env,
            self.password_file,
            self.password_keychain,
        )?;
        let token = one_of(
            "bearer_token",
            self.bearer_token_env,
            self.bearer_token_file,
            self.bearer_token_keychain,
        )?;
        let auth = match (self.username, password, token) {
            (Some(_), _, Some(_)) | (None, Some(_), Some(_)) => {
                return Err(
                    "set either `username` with a password or a bearer token, not both".into(),
                );
            }
            (Some(username), Some(password), None) => Some(PushAuth::Basic { username, password }),
            (Some(_), None, None) => {
                return Err("`username` needs a password: set `password_env`, `password_file` or `password_keychain`".into());
            }
            (None, Some(_), None) => {
                return Err("a password is set but `username` is missing".into());
            }
            (None, None, Some(token)) => Some(PushAuth::Bearer(token)),
            (None, None, None) => None,
        };
        Ok(PushTarget {
            auth,
            ca_file: self.ca_file.map(|p| crate::paths::expand_tilde(&p)),
            timeout,
        })
    }
}

/// At most one of `<name>_env`, `<name>_file` and `<name>_keychain`.
fn one_of(
    name: &str,
    env: Option<String>,
    file: Option<PathBuf>,
    keychain: Option<String>,
) -> Result<Option<SecretRef>, String> {
    let set = [env.is_some(), file.is_some(), keychain.is_some()];
    if set.iter().filter(|s| **s).count() > 1 {
        return Err(format!(
            "set one of `{name}_env`, `{name}_file` and `{name}_keychain`, not several"
        ));
    }
    Ok(env
        .map(SecretRef::Env)
        .or(file.map(|p| SecretRef::File(crate::paths::expand_tilde(&p))))
        .or(keychain.map(SecretRef::Keychain)))
}

/// A Prometheus label name: letters, digits and `_`, not starting with a digit or `__`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct LabelName(pub String);

impl<'de> Deserialize<'de> for LabelName {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let name = String::deserialize(de)?;
        let ok = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with("__");
        match ok {
            true => Ok(LabelName(name)),
            false => Err(serde::de::Error::custom(format!(
                "{name:?} is not a label name (letters, digits and `_`, not starting with a \
                 digit or `__`)"
            ))),
        }
    }
}

/// The extra labels of a table, refusing the ones creditwatch sets itself.
pub(super) fn labels(
    given: BTreeMap<LabelName, String>,
    own: &[&str],
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (name, value) in given {
        if own.contains(&name.0.as_str()) {
            return Err(format!(
                "`labels.{}`: creditwatch sets that label itself ({})",
                name.0,
                own.join(", ")
            ));
        }
        if value.is_empty() {
            return Err(format!(
                "`labels.{}` is empty: an empty label is no label",
                name.0
            ));
        }
        out.insert(name.0, value);
    }
    Ok(out)
}
