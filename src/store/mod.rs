//! The store: one SQLite file that is creditwatch's only state.
//!
//! It holds samples per (account, metric), every Claude Code API response once (the dedupe
//! table doubles as the per-app spend history, so spend outlives the transcripts Claude Code
//! deletes after 30 days), log ingestion offsets, sessions seen by the status line, and
//! source health. The database runs in WAL mode with `synchronous=FULL`, and every write
//! that must stay consistent (a batch of responses and the offset after it) is one
//! transaction, so a crash at any point leaves it consistent. Schema changes are numbered
//! migrations tracked in `PRAGMA user_version`.

mod alerts;
mod api;
mod channels;
mod endpoints;
mod health;
mod logfiles;
mod migrate;
mod outbox;
mod rehearsal;
mod requests;
mod responses;
mod samples;
mod sessions;
mod spend;

pub use alerts::{AlertRow, SilenceRow};
pub use api::{ApiCost, ApiTokens};
pub use channels::ChannelHealth;
pub use endpoints::{EMAIL_FACT, EndpointState};
pub use health::HealthRow;
pub use logfiles::{FileState, LogTotals};
pub use outbox::{Lasting, OutboxRow, Settled};
pub use rehearsal::Rehearsal;
pub use requests::{RequestRow, RequestWriter, rank};
pub use responses::Response;
pub use samples::Sample;
pub use spend::{AppSpendRow, SpendBucket, SpendTotal};

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A failure of the store, naming the database file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or created.
    #[error("cannot open database {}: {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The data directory could not be created.
    #[error("cannot create data directory {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The database file could not be created.
    #[error("cannot create database {}: {source}", path.display())]
    CreateFile {
        /// The database file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The database was written by a newer creditwatch.
    #[error(
        "database {} has schema version {found}, newer than this creditwatch knows ({known}); upgrade creditwatch",
        path.display()
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The version found in the file.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// A read-only open found a schema this build does not read as it is.
    #[error("database {} has schema version {found}, this build reads {known}; run `creditwatch check` or start the daemon to bring it up to date", path.display())]
    Version {
        /// The database file.
        path: PathBuf,
        /// The version found in the file.
        found: i64,
        /// The version this build reads.
        known: i64,
    },
    /// A query failed.
    #[error("database {}: {what}: {source}", path.display())]
    Query {
        /// The database file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// A value could not be encoded (to be stored, or to be given to a rule).
    #[error("cannot encode {what}: {message}")]
    Encode {
        /// What was being stored.
        what: &'static str,
        /// What the encoder said.
        message: String,
    },
}

/// An open database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The device and inode of the file when it was opened, to notice it was deleted or
    /// replaced under us.
    identity: Option<(u64, u64)>,
}

/// The device and inode of the file at `path`, if there is one.
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// How long a writer waits for another process holding the write lock by default.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with_timeout(path, DEFAULT_BUSY_TIMEOUT)
    }

    /// Like [`Store::open`], waiting at most `busy` for a lock held by another process.
    pub(crate) fn open_with_timeout(path: &Path, busy: Duration) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private::create_dir(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        // Created here, 0600, rather than by SQLite with the umask's mode; SQLite gives its
        // `-wal` and `-shm` files the mode of the database.
        crate::private::options()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|source| StoreError::CreateFile {
                path: path.to_path_buf(),
                source,
            })?;
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(busy).map_err(open_err)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=FULL;
             PRAGMA foreign_keys=ON;
             PRAGMA cache_size=-16384;",
        )
        .map_err(open_err)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            identity: identity(path),
        };
        migrate::run(&mut store)?;
        Ok(store)
    }

    /// Opens the database only to read it, beside a daemon that writes: nothing is created
    /// or migrated. `None` when there is no database yet.
    pub fn open_read_only(path: &Path) -> Result<Option<Store>, StoreError> {
        if !path.exists() {
            return Ok(None);
        }
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(DEFAULT_BUSY_TIMEOUT).map_err(open_err)?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
            identity: identity(path),
        };
        let found: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(store.err("read schema version"))?;
        if found != migrate::VERSION {
            return Err(StoreError::Version {
                path: path.to_path_buf(),
                found,
                known: migrate::VERSION,
            });
        }
        Ok(Some(store))
    }

    /// True when the database was opened only to read it.
    pub(crate) fn is_read_only(&self) -> bool {
        self.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when the file at [`Store::path`] is no longer the one this store has open: it
    /// was deleted, or replaced by another file. Writes would go to a file nobody sees.
    pub(crate) fn is_detached(&self) -> bool {
        identity(&self.path) != self.identity
    }

    /// Wraps a SQLite error with the database path and what was being done.
    pub(crate) fn err(&self, what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Query {
            path: self.path.clone(),
            what,
            source,
        }
    }

    /// Reads a value from the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(self.err("read meta"))
    }

    /// Writes a value to the `meta` table.
    #[cfg(test)]
    pub(crate) fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(self.err("write meta"))
    }

    /// Runs `f` in one write transaction: everything it writes is committed together, or
    /// nothing is when it fails.
    pub fn atomically<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(self.err("begin transaction"))?;
        match f(self) {
            Ok(value) => {
                self.conn
                    .execute_batch("COMMIT")
                    .map_err(self.err("commit transaction"))?;
                Ok(value)
            }
            Err(e) => {
                // The original error matters more than a failed rollback.
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Runs SQLite's own consistency check; `Ok(true)` when it reports `ok`.
    #[cfg(test)]
    pub(crate) fn integrity_ok(&self) -> Result<bool, StoreError> {
        let answer: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(self.err("integrity check"))?;
        Ok(answer == "ok")
    }
}

#[cfg(test)]
mod tests;
