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
    pub(crate) fn locate(self, path: &std::path::Path, text: &str) -> ConfigError {
        let offset = self.offset.unwrap_or(0).min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        // A syntax error comes without a key: the line it is on says which.
        let (key, message) = match self.key.is_empty() {
            true => match assignment_at(text, line) {
                Some((key, value)) => (key, explain(&value).unwrap_or(self.message)),
                None => (self.key, self.message),
            },
            false => (self.key, self.message),
        };
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            key,
            message,
        }
    }
}

/// The dotted key assigned on `line` (1-based), with the table it is in, and the raw
/// value text; `None` when the line assigns nothing.
fn assignment_at(text: &str, line: usize) -> Option<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let here = lines.get(line.checked_sub(1)?)?;
    let (key, value) = here.split_once('=')?;
    let key = key.trim();
    let bare = |c: char| c.is_ascii_alphanumeric() || "_-.\"".contains(c);
    if key.is_empty() || !key.chars().all(bare) {
        return None;
    }
    let table = lines[..line - 1].iter().rev().find_map(|l| {
        let l = l.trim();
        let name = l.strip_prefix("[[").and_then(|r| r.strip_suffix("]]"));
        name.or_else(|| l.strip_prefix('[').and_then(|r| r.strip_suffix(']')))
    });
    let key = key.replace('"', "");
    let full = table.map_or(key.clone(), |t| format!("{}.{key}", t.trim()));
    Some((full, value.trim().to_string()))
}

/// Words in the user's terms for a value TOML cannot read: a bare word is text that lacks
/// its quotes.
fn explain(value: &str) -> Option<String> {
    let word: String = value
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let is_word = word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && word != "true"
        && word != "false";
    is_word.then(|| {
        format!(
            "`{word}` is not a value TOML knows: text goes in quotes (\"{word}\"); numbers, true \
             and false do not"
        )
    })
}
