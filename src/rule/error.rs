//! A rule's failure, located at `file:line` when Luau says where.

use std::fmt;

/// Why a rule file could not be loaded or evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The rule file's name in the rules folder.
    pub file: String,
    /// The line at fault, when known.
    pub line: Option<usize>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for RuleError {}

impl RuleError {
    /// An error about `file`, at `line` when known.
    pub fn new(file: &str, line: Option<usize>, message: impl Into<String>) -> RuleError {
        RuleError {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }

    /// Turns what mlua reported into an error located in `file`. `budget` is the
    /// sandbox's answer on whether the time budget ran out, and where.
    pub(crate) fn from_lua(
        file: &str,
        err: &mlua::Error,
        budget: super::sandbox::Budget,
    ) -> RuleError {
        if let super::sandbox::Budget::Spent { line } = budget {
            let ms = super::sandbox::TIME_BUDGET.as_millis();
            return RuleError::new(file, line, format!("time budget of {ms} ms exceeded"));
        }
        let root = root_cause(err);
        if let mlua::Error::MemoryError(_) = root {
            let mib = super::sandbox::MEMORY_LIMIT / (1024 * 1024);
            return RuleError::new(
                file,
                locate(file, &err.to_string()).0,
                format!("memory limit of {mib} MiB exceeded"),
            );
        }
        let text = match root {
            mlua::Error::SyntaxError { message, .. } | mlua::Error::RuntimeError(message) => {
                message.clone()
            }
            other => other.to_string(),
        };
        let (line, message) = locate(file, &text);
        // A Rust helper's error carries no position; its traceback does.
        let line = line.or_else(|| locate(file, &err.to_string()).0);
        RuleError::new(file, line, message)
    }
}

fn root_cause(err: &mlua::Error) -> &mlua::Error {
    match err {
        mlua::Error::CallbackError { cause, .. } | mlua::Error::WithContext { cause, .. } => {
            root_cause(cause)
        }
        other => other,
    }
}

/// Finds the first `file:N:` in `text` and returns N with the message after it (or the
/// whole first line when there is none).
fn locate(file: &str, text: &str) -> (Option<usize>, String) {
    let first = text.lines().next().unwrap_or("").trim();
    for (i, _) in text.match_indices(file) {
        let rest = &text[i + file.len()..];
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(line) = digits.parse::<usize>() {
            let after = rest[digits.len()..].trim_start_matches(':').trim();
            let message = if text[..i].trim().is_empty() || first.contains(file) {
                after.lines().next().unwrap_or("").to_string()
            } else {
                first.to_string()
            };
            return (Some(line), message);
        }
    }
    (None, first.to_string())
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn finds_the_line_after_the_file_name() {
        assert_eq!(
            locate("a.lua", "a.lua:3: attempt to index nil\nstack traceback:"),
            (Some(3), "attempt to index nil".into())
        );
        assert_eq!(locate("a.lua", "no position"), (None, "no position".into()));
        assert_eq!(
            locate(
                "a.lua",
                "bad argument #1\nstack traceback:\n\ta.lua:7 function check"
            ),
            (Some(7), "bad argument #1".into())
        );
    }
}
