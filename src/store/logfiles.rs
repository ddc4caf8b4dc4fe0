//! How far each transcript has been read, so a poll reads only what was appended.

use super::{Store, StoreError};
use rusqlite::{Connection, params};
use std::collections::HashMap;

/// What creditwatch knows of one transcript file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileState {
    /// Device of the file, to tell a replaced file from an appended one.
    pub dev: u64,
    /// Inode of the file.
    pub ino: u64,
    /// Bytes consumed: everything before this offset ends in a newline and was ingested.
    pub offset: u64,
    /// Size of the file when it was last read.
    pub size: u64,
    /// Modification time when it was last read, nanoseconds since the epoch.
    pub mtime_ns: i64,
    /// Hash of the first `head_len` bytes, to tell a rewritten file from an appended one.
    pub head_hash: u64,
    /// How many leading bytes `head_hash` covers.
    pub head_len: u64,
    /// Hash of the `tail_len` bytes just before `offset`, to tell a file rewritten in place
    /// (its head kept) from one that was only appended to.
    pub tail_hash: u64,
    /// How many bytes before `offset` `tail_hash` covers.
    pub tail_len: u64,
    /// Lines skipped as malformed since the file was last read from the start.
    pub malformed: u64,
    /// Lines with usage of a kind creditwatch does not know, skipped since the file was
    /// last read from the start.
    pub unknown: u64,
}

pub(super) fn save(conn: &Connection, path: &str, s: &FileState) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO log_files (path, dev, ino, offset, size, mtime_ns, head_hash, head_len,
           malformed, tail_hash, tail_len, unknown)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT(path) DO UPDATE SET dev = excluded.dev, ino = excluded.ino,
           offset = excluded.offset, size = excluded.size, mtime_ns = excluded.mtime_ns,
           head_hash = excluded.head_hash, head_len = excluded.head_len,
           malformed = excluded.malformed, tail_hash = excluded.tail_hash,
           tail_len = excluded.tail_len, unknown = excluded.unknown",
    )?
    .execute(params![
        path,
        s.dev as i64,
        s.ino as i64,
        s.offset as i64,
        s.size as i64,
        s.mtime_ns,
        s.head_hash as i64,
        s.head_len as i64,
        s.malformed as i64,
        s.tail_hash as i64,
        s.tail_len as i64,
        s.unknown as i64
    ])
    .map(|_| ())
}

pub(super) fn forget(conn: &Connection, path: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM log_files WHERE path = ?1")?
        .execute([path])
        .map(|_| ())
}

/// Totals over every known transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogTotals {
    /// Transcripts known.
    pub files: u64,
    /// Lines skipped as malformed.
    pub malformed_lines: u64,
    /// Lines with usage of a kind creditwatch does not know, skipped.
    pub unknown_lines: u64,
    /// Transcripts whose last line has no newline yet (it is still being written).
    pub partial_lines: u64,
}

impl Store {
    /// Every known transcript's state, by path.
    pub(crate) fn file_states(&self) -> Result<HashMap<String, FileState>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT path, dev, ino, offset, size, mtime_ns, head_hash, head_len, malformed,
                   tail_hash, tail_len, unknown FROM log_files",
            )
            .map_err(self.err("read log offsets"))?;
        let rows = stmt
            .query_map([], |r| {
                let u = |i| r.get::<_, i64>(i).map(|v| v as u64);
                Ok((
                    r.get::<_, String>(0)?,
                    FileState {
                        dev: u(1)?,
                        ino: u(2)?,
                        offset: u(3)?,
                        size: u(4)?,
                        mtime_ns: r.get(5)?,
                        head_hash: u(6)?,
                        head_len: u(7)?,
                        malformed: u(8)?,
                        tail_hash: u(9)?,
                        tail_len: u(10)?,
                        unknown: u(11)?,
                    },
                ))
            })
            .map_err(self.err("read log offsets"))?;
        rows.collect::<Result<_, _>>()
            .map_err(self.err("read log offsets"))
    }

    /// Totals over every known transcript.
    pub fn log_totals(&self) -> Result<LogTotals, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(malformed), 0),
                        COALESCE(SUM(CASE WHEN size > offset THEN 1 ELSE 0 END), 0),
                        COALESCE(SUM(unknown), 0)
                 FROM log_files",
                [],
                |r| {
                    Ok(LogTotals {
                        files: r.get::<_, i64>(0)? as u64,
                        malformed_lines: r.get::<_, i64>(1)? as u64,
                        partial_lines: r.get::<_, i64>(2)? as u64,
                        unknown_lines: r.get::<_, i64>(3)? as u64,
                    })
                },
            )
            .map_err(self.err("read log totals"))
    }
}
