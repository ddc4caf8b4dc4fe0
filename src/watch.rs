//! Watching files: one signal per burst of changes to the files of a folder that matter
//! (the rules folder's rule files, the config file).
//!
//! Editors save in many ways: write in place, write in two steps, or write a temporary file
//! and rename it over the rule. Events are collected until the folder has been quiet for
//! the debounce time, then one signal is sent, so the reload reads the final content. Only
//! the files that matter count (for rules, not swap files, backups, or the guide), and
//! reading the files during a reload does not count as a change. A symlinked folder is
//! resolved and its target is watched.

use notify::event::{AccessKind, AccessMode, EventKind};
use notify::{Event, RecommendedWatcher, RecursiveMode, Watcher as _};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

/// How long the folder must be quiet before a reload.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// A running watch; dropping it stops the watch and its thread.
pub struct Watcher {
    _watcher: RecommendedWatcher,
}

/// Why the folder cannot be watched.
#[derive(Debug, thiserror::Error)]
#[error("cannot watch {}: {source}", dir.display())]
pub struct WatchError {
    /// The folder.
    pub dir: std::path::PathBuf,
    /// What the OS said.
    pub source: notify::Error,
}

/// Watches one file (the config): its folder is watched, so a save by rename counts, and
/// only events naming the file do.
pub(crate) fn watch_file(
    file: &Path,
    debounce: Duration,
    on_change: impl Fn() + Send + 'static,
) -> Result<Watcher, WatchError> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    watch_folder(
        dir,
        debounce,
        move |n: &str| Some(n) == name.as_deref(),
        on_change,
    )
}

/// Starts watching `dir` (which must exist) for changes to files whose name `matches`;
/// `on_change` runs once per burst of them, after `debounce` of quiet, on the watch's own
/// thread.
pub(crate) fn watch_folder(
    dir: &Path,
    debounce: Duration,
    matches: impl Fn(&str) -> bool + Send + 'static,
    on_change: impl Fn() + Send + 'static,
) -> Result<Watcher, WatchError> {
    let fail = |source| WatchError {
        dir: dir.to_path_buf(),
        source,
    };
    let target = dir.canonicalize().map_err(|e| fail(notify::Error::io(e)))?;
    let (raw_tx, raw_rx) = mpsc::channel::<notify::Result<Event>>();
    let mut watcher = notify::recommended_watcher(raw_tx).map_err(fail)?;
    watcher
        .watch(&target, RecursiveMode::NonRecursive)
        .map_err(fail)?;
    std::thread::Builder::new()
        .name("file-watch".into())
        .spawn(move || debounce_loop(&raw_rx, &matches, &on_change, debounce))
        .map_err(|e| fail(notify::Error::io(e)))?;
    Ok(Watcher { _watcher: watcher })
}

/// Waits for a relevant event, then for `debounce` without one, then signals; ends when
/// the watcher is gone.
fn debounce_loop(
    raw: &Receiver<notify::Result<Event>>,
    matches: &dyn Fn(&str) -> bool,
    on_change: &dyn Fn(),
    debounce: Duration,
) {
    loop {
        match raw.recv() {
            Ok(event) if relevant(&event, matches) => {}
            Ok(_) => continue,
            Err(_) => return,
        }
        loop {
            match raw.recv_timeout(debounce) {
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        on_change();
    }
}

/// Whether an event may change a watched file: a write, create, remove or rename of a file
/// whose name `matches`. An error from the watcher counts too, since a change may have
/// been missed.
fn relevant(event: &notify::Result<Event>, matches: &dyn Fn(&str) -> bool) -> bool {
    let Ok(event) = event else {
        return true;
    };
    let changes = match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    };
    changes
        && event
            .paths
            .iter()
            .any(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(matches))
}
