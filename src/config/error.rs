//! Config errors that name the file, line, column and key at fault.

use std::path::PathBuf;

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        /// The config file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a key or value is wrong.
    #[error("{}:{line}:{column}: {}{message}", path.display(), key_prefix(key))]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the offending text.
        line: usize,
        /// 1-based column of the offending text.
        column: usize,
        /// Dotted key, e.g. `sources.claude_code_logs.interval` (empty for syntax errors).
        key: String,
        /// What is wrong with it.
        message: String,
    },
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("key `{key}`: ")
    }
}

/// A raw error before it knows which file it is about.
#[derive(Debug)]
pub(super) struct Unlocated {
    pub key: String,
    pub message: String,
    pub offset: Option<usize>,
}

impl Unlocated {
    /// Attaches the file and turns the byte offset into a line and column.
    pub fn locate(self, path: &std::path::Path, text: &str) -> ConfigError {
        let offset = self.offset.unwrap_or(0).min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            key: self.key,
            message: self.message,
        }
    }
}
