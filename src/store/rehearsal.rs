//! A dry run's database: a private copy that a command given `--now` works in and throws
//! away, so nothing it pretends (samples at another instant, when the endpoints were last
//! asked, a transcript's last line taken as finished) reaches a later run.

use super::{Store, StoreError};
use std::path::{Path, PathBuf};

/// The copy, removed when dropped.
pub struct Rehearsal {
    store: Store,
    /// Dropped after the store (fields drop in order), so the copy is closed when removed.
    _copy: Copy,
}

/// The copy's path; its files are removed on drop.
struct Copy(PathBuf);

impl Drop for Copy {
    fn drop(&mut self) {
        remove(&self.0);
    }
}

impl Rehearsal {
    /// A copy of the database at `db` (empty when there is none yet), in the same private
    /// folder, named for this process.
    pub fn open(db: &Path) -> Result<Rehearsal, StoreError> {
        let copy = Copy(db.with_file_name(format!("{PREFIX}{}.db", std::process::id())));
        remove(&copy.0);
        if let Some(dir) = db.parent() {
            remove_abandoned(dir);
        }
        if let Some(real) = Store::open_read_only(db)? {
            real.conn
                .execute("VACUUM INTO ?1", [copy.0.to_string_lossy()])
                .map_err(real.err("copy the database for a dry run"))?;
        }
        let store = Store::open(&copy.0)?;
        Ok(Rehearsal { store, _copy: copy })
    }

    /// The copy.
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }
}

/// The start of a copy's file name; the process id follows.
const PREFIX: &str = ".rehearsal-";

/// Removes the copies of dry runs that were killed before they could remove their own
/// (their process is gone).
fn remove_abandoned(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|n| n.strip_suffix(".db"))
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if !crate::process::alive(pid) {
            remove(&entry.path());
        }
    }
}

/// Removes a database file and SQLite's files beside it.
fn remove(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}
