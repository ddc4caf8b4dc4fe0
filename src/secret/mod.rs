//! Secrets (tokens, API keys, passwords): a type that never prints, and redaction of
//! messages built from what a server said.

mod source;

pub use source::{SecretError, SecretRef, keychain_password};

use std::fmt;

/// A secret that never prints: its `Debug` says `<redacted>` and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Secret {
        Secret(secret.into())
    }

    /// The secret itself, for the one header that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `message` with every occurrence of the secret replaced by `<redacted>`.
    pub(crate) fn redact(&self, message: &str) -> String {
        if self.0.is_empty() {
            return message.to_string();
        }
        message.replace(&self.0, "<redacted>")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints_and_is_redacted() {
        let s = Secret::new("sk-canary-42");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(s.redact("bad key sk-canary-42!"), "bad key <redacted>!");
        assert_eq!(Secret::new("").redact("text"), "text");
    }
}
