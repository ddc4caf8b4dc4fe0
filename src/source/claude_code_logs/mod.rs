//! Source `claude_code_logs`: what Claude Code (and the other apps that write its
//! transcripts) spent, read from the transcripts on disk.
//!
//! Every poll walks the project folders, reads only what was appended to each transcript
//! since the last poll ([`tail`]), turns each billed API response into a stored row keyed by
//! (`message.id`, `requestId`) so copies across lines, files and restarts count once
//! ([`ingest`]), and prices it with the configured price table. Transcripts are opened
//! read-only and never written.

pub mod discover;
pub mod ingest;
pub mod key;
pub mod project;
pub mod record;
pub mod scan;
pub mod settle;
pub mod tail;

use crate::config::{AccountConfig, Config};
use crate::price::PriceTable;
use crate::store::{Store, StoreError};
use discover::Transcript;
use ingest::{Scratch, Target};
use project::Project;
use std::collections::HashMap;
use std::path::PathBuf;

/// The meta key that says rows stored under the keys of before migration 10 may exist.
const LEGACY_KEYS: &str = "legacy_request_keys";
/// The meta key that says rows stored before migration 12 may lack their session and real
/// project folder.
const STALE_CONTEXT: &str = "requests_without_session";

/// The source's name in the config, the snapshot and the store.
pub const NAME: &str = "claude_code_logs";

/// The transcript reader, built once from the config.
pub struct LogSource {
    account: String,
    roots: Vec<PathBuf>,
    prices: PriceTable,
    scratch: Scratch,
    /// `interval`, seconds; `None` reads at every poll.
    interval_s: Option<i64>,
    /// When it last read.
    last_read: Option<i64>,
    /// The home folder, to show project folders under it as `~/...`.
    home: Option<PathBuf>,
    /// Project folders read back from their transcript folders' names, by name.
    projects: HashMap<String, Project>,
}

/// What one poll did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LogPoll {
    /// Transcripts found.
    pub files: usize,
    /// Transcripts that had something new.
    pub files_read: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Responses stored (new ones, or larger copies of known ones).
    pub responses: u64,
    /// Lines skipped as malformed in this poll.
    pub malformed: u64,
    /// Lines with usage of a kind creditwatch does not know, skipped in this poll.
    pub unknown: u64,
    /// Transcripts or folders that could not be read; the others were still ingested.
    pub errors: Vec<String>,
    /// What was passed over and why: FIFOs, devices, dangling links, files that vanished.
    /// Not errors: the source is healthy, and everything else was read.
    pub skipped: Vec<String>,
    /// Where it looked, when it found no transcript at all (`~/.claude/projects`, ...).
    pub looked_in: Vec<String>,
}

impl LogSource {
    /// Builds the source for `account`: the configured `roots` or Claude Code's default
    /// folders for the default account, `<claude_config_dir>/projects` for the others.
    pub fn build(config: &Config, account: &AccountConfig) -> LogSource {
        let default = account.name == crate::DEFAULT_ACCOUNT;
        let roots = match &account.claude_config_dir {
            _ if default && !config.logs.roots.is_empty() => config.logs.roots.clone(),
            Some(dir) => vec![dir.join("projects")],
            None => discover::default_roots(),
        };
        LogSource {
            account: account.name.clone(),
            roots,
            prices: config.prices.clone(),
            scratch: Scratch::default(),
            interval_s: config.logs.interval.map(|d| d.as_secs() as i64),
            last_read: None,
            home: dirs::home_dir(),
            projects: HashMap::new(),
        }
    }

    /// Whether `interval` has passed since the last read. A read dated in the future (the
    /// clock went back) does not hold the next one off: it reads now and starts again.
    pub fn due(&self, now: i64) -> bool {
        match (self.interval_s, self.last_read) {
            (Some(interval), Some(last)) => now < last || now >= last + interval,
            _ => true,
        }
    }

    /// The account its spend is recorded under.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// Reads everything new at `now`. A transcript that cannot be read is reported and
    /// skipped; only a store failure stops the poll (and rolls back its last uncommitted
    /// batch).
    pub fn poll(&mut self, store: &mut Store, now: i64) -> Result<LogPoll, StoreError> {
        self.last_read = Some(now);
        store.reprice(&self.prices)?;
        let result = self.read_all(store, now);
        if result.is_err() {
            self.scratch.rolled_back();
        }
        result
    }

    /// A folder as a person reads it: under the home folder as `~/...`.
    fn shown(&self, path: &std::path::Path) -> String {
        match self.home.as_deref().and_then(|h| path.strip_prefix(h).ok()) {
            Some(rest) => format!("~/{}", rest.display()),
            None => path.display().to_string(),
        }
    }

    fn read_all(&mut self, store: &Store, now: i64) -> Result<LogPoll, StoreError> {
        let mut poll = LogPoll::default();
        let roots = discover::existing_roots(&self.roots);
        let mut found: Vec<Transcript> = Vec::new();
        for root in &roots {
            found.extend(discover::transcripts(
                root,
                &mut poll.errors,
                &mut poll.skipped,
            ));
        }
        poll.files = found.len();
        if found.is_empty() {
            poll.looked_in = self.roots.iter().map(|r| self.shown(r)).collect();
        }
        let mut known = store.file_states()?;
        for transcript in &found {
            if !self.projects.contains_key(&transcript.project) {
                let project = Project::of(&transcript.project, self.home.as_deref());
                self.projects.insert(transcript.project.clone(), project);
            }
        }
        let target = Target {
            account: &self.account,
            prices: &self.prices,
            legacy_keys: store.meta(LEGACY_KEYS)?.is_some(),
            home: self.home.as_deref(),
            now,
        };
        let mut writer = store.writer()?;
        for transcript in &found {
            let project = &self.projects[&transcript.project];
            let state = known.remove(transcript.path.to_string_lossy().as_ref());
            match ingest::ingest_file(
                &mut writer,
                &mut self.scratch,
                &target,
                (transcript, project),
                state.as_ref(),
            ) {
                Ok(ingest::Ingested::Read(outcome)) => {
                    poll.files_read += 1;
                    poll.bytes += outcome.bytes;
                    poll.responses += outcome.responses;
                    poll.malformed += outcome.malformed;
                    poll.unknown += outcome.unknown;
                }
                Ok(ingest::Ingested::Unchanged) => {}
                Ok(ingest::Ingested::Skipped(why)) => poll.skipped.push(why),
                Err(ingest::IngestError::Store(e)) => return Err(e),
                Err(e) => poll.errors.push(e.to_string()),
            }
        }
        // Offsets of transcripts deleted below a root that still exists are dropped (their
        // responses stay); a root that is missing may be an unmounted volume, so its
        // offsets are kept.
        for path in known.into_keys() {
            if roots
                .iter()
                .any(|r| std::path::Path::new(&path).starts_with(&r.0))
            {
                writer.forget_file(&path)?;
            }
        }
        writer.commit()?;
        if store.meta(STALE_CONTEXT)?.is_some() {
            self.name_old_projects(store)?;
        }
        Ok(poll)
    }

    /// Gives the responses read before migration 12 whose transcripts are gone (so were
    /// not read again) their project's folder in place of its transcript folder's name.
    fn name_old_projects(&mut self, store: &Store) -> Result<(), StoreError> {
        let names = store.projects_without_session()?;
        let home = self.home.as_deref();
        let renamed: Vec<(String, String)> = names
            .into_iter()
            .filter(|name| name.starts_with('-'))
            .map(|name| {
                let shown = Project::of(&name, home).shown;
                (name, shown)
            })
            .collect();
        store.rename_projects_without_session(&renamed, STALE_CONTEXT)
    }
}

impl LogPoll {
    /// A one-line account of the poll.
    pub fn summary(&self) -> String {
        if self.files == 0 && !self.looked_in.is_empty() && self.errors.is_empty() {
            return format!(
                "no transcripts yet in {}: Claude Code writes them there once it has answered",
                self.looked_in.join(" or ")
            );
        }
        let mut text = format!(
            "{}, {} changed, {} read, {}",
            crate::format::plural(self.files as u64, "transcript", "transcripts"),
            self.files_read,
            bytes(self.bytes),
            crate::format::plural(self.responses, "response stored", "responses stored"),
        );
        if self.malformed > 0 {
            let said = crate::format::plural(
                self.malformed,
                "malformed line skipped",
                "malformed lines skipped",
            );
            text.push_str(&format!(", {said}"));
        }
        if self.unknown > 0 {
            let said = crate::format::plural(
                self.unknown,
                "line of unknown type skipped",
                "lines of unknown type skipped",
            );
            text.push_str(&format!(", {said}"));
        }
        match self.skipped.as_slice() {
            [] => {}
            [one] => text.push_str(&format!("; skipped {one}")),
            [first, rest @ ..] => {
                text.push_str(&format!("; skipped {first} (and {} more)", rest.len()));
            }
        }
        text
    }
}

fn bytes(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KiB", n as f64 / 1024.0),
        _ => format!("{:.1} MiB", n as f64 / 1_048_576.0),
    }
}

#[cfg(test)]
mod tests;
