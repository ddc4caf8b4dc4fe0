//! The rules folder: which files are rules, loading them, and keeping the last good version
//! of a file whose new version is broken.

use super::error::RuleError;
use super::run::{self, Input};
use super::{Alert, Meta, Rule};
use jiff::tz::TimeZone;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Whether a file name is a rule: `*.lua` or `*.luau`, not hidden, not starting with `_`.
pub fn is_rule_file(name: &str) -> bool {
    !name.starts_with('.')
        && !name.starts_with('_')
        && rule_name(name).is_some_and(|stem| !stem.is_empty())
}

/// Watches the rules folder `dir`: `on_change` runs once per burst of changes to rule
/// files (not swap files, backups or the guide), after `debounce` of quiet.
pub fn watch(
    dir: &Path,
    debounce: std::time::Duration,
    on_change: impl Fn() + Send + 'static,
) -> Result<crate::watch::Watcher, crate::watch::WatchError> {
    crate::watch::watch_folder(dir, debounce, is_rule_file, on_change)
}

fn rule_name(file: &str) -> Option<&str> {
    file.strip_suffix(".lua")
        .or_else(|| file.strip_suffix(".luau"))
}

/// The rules in force and the files that are broken.
#[derive(Debug, Default)]
pub struct RuleSet {
    dir: PathBuf,
    entries: BTreeMap<String, Entry>,
    folder_error: Option<String>,
}

#[derive(Debug, Default)]
struct Entry {
    /// The version in force: the newest one that loaded.
    good: Option<Rule>,
    /// Why the file as it is now does not load.
    error: Option<RuleError>,
    /// The text last read, to skip files that did not change.
    seen: Option<String>,
}

/// What a reload changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reload {
    /// Files that loaded for the first time.
    pub added: Vec<String>,
    /// Files whose new version replaced the old one.
    pub changed: Vec<String>,
    /// Files that are gone.
    pub removed: Vec<String>,
    /// Files that do not load now (a good earlier version, if any, stays in force).
    pub broken: Vec<RuleError>,
}

impl Reload {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.removed.is_empty()
            && self.broken.is_empty()
    }
}

/// One rule's result in one cycle.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The rule's name.
    pub rule: String,
    /// Its file name.
    pub file: String,
    /// Its contract.
    pub meta: Meta,
    /// The alerts it raised, or why it failed.
    pub result: Result<Vec<Alert>, RuleError>,
}

impl RuleSet {
    /// Loads every rule in `dir`; a folder that does not exist holds no rules.
    pub fn load(dir: &Path, tz: &TimeZone, now: i64) -> RuleSet {
        let mut set = RuleSet {
            dir: dir.to_path_buf(),
            ..RuleSet::default()
        };
        set.reload(tz, now);
        set
    }

    /// The folder the rules come from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Reads the folder again. A file that no longer loads keeps its last good version in
    /// force; a file that is gone is dropped.
    pub fn reload(&mut self, tz: &TimeZone, now: i64) -> Reload {
        let mut report = Reload::default();
        let files = match list(&self.dir) {
            Ok(files) => {
                self.folder_error = None;
                files
            }
            Err(e) => {
                // An unreadable folder changes nothing: the rules in force stay.
                self.folder_error = Some(e);
                return report;
            }
        };
        let gone: Vec<String> = self
            .entries
            .keys()
            .filter(|f| !files.contains(f))
            .cloned()
            .collect();
        for file in gone {
            self.entries.remove(&file);
            report.removed.push(file);
        }
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for file in files {
            let name = rule_name(&file).unwrap_or(&file).to_string();
            if let Some(first) = names.get(&name) {
                let e = RuleError::new(
                    &file,
                    None,
                    format!(
                        "a rule named `{name}` is already loaded from {first}; rename one of them"
                    ),
                );
                self.entries.remove(&file);
                report.broken.push(e);
                continue;
            }
            names.insert(name.clone(), file.clone());
            self.load_file(&name, &file, tz, now, &mut report);
        }
        report
    }

    fn load_file(&mut self, name: &str, file: &str, tz: &TimeZone, now: i64, report: &mut Reload) {
        let entry = self.entries.entry(file.to_string()).or_default();
        let text = match crate::textfile::read(&self.dir.join(file)) {
            Ok(bytes) => {
                String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())
            }
            Err(e) => Err(format!("cannot read: {e}")),
        };
        let result = match text {
            Ok(text) if entry.seen.as_deref() == Some(text.as_str()) => return,
            Ok(text) => {
                entry.seen = Some(text.clone());
                run::compile(name, file, &text, tz, now)
            }
            Err(message) => {
                entry.seen = None;
                Err(RuleError::new(file, None, message))
            }
        };
        match result {
            Ok(rule) => {
                match entry.good.is_some() {
                    true => report.changed.push(file.to_string()),
                    false => report.added.push(file.to_string()),
                }
                entry.good = Some(rule);
                entry.error = None;
            }
            Err(e) => {
                report.broken.push(e.clone());
                entry.error = Some(e);
            }
        }
    }

    /// The rules in force, by file name.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.entries.values().filter_map(|e| e.good.as_ref())
    }

    /// Every rule file's name, loaded or not.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Files that do not load as they are now.
    pub fn errors(&self) -> impl Iterator<Item = &RuleError> {
        self.entries.values().filter_map(|e| e.error.as_ref())
    }

    /// Why the folder itself could not be read, if it could not.
    pub(crate) fn folder_error(&self) -> Option<&str> {
        self.folder_error.as_deref()
    }

    /// Evaluates every rule in force against the snapshot, in file name order.
    pub fn evaluate(&self, input: &Input) -> Vec<Evaluation> {
        self.rules()
            .map(|rule| {
                let _span = tracing::info_span!("rule", name = %rule.name).entered();
                let result = run::evaluate(rule, input);
                if let Err(e) = &result {
                    tracing::warn!(error = %e, "rule failed");
                }
                Evaluation {
                    rule: rule.name.clone(),
                    file: rule.file.clone(),
                    meta: rule.meta.clone(),
                    result,
                }
            })
            .collect()
    }
}

/// The rule files in `dir`, sorted; a folder that does not exist holds none.
fn list(dir: &Path) -> Result<Vec<String>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read rules folder {}: {e}", dir.display())),
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        // Follows symlinks, so a linked rule file counts and a linked folder does not.
        if is_rule_file(&name) && entry.path().is_file() {
            files.push(name);
        }
    }
    files.sort();
    Ok(files)
}
