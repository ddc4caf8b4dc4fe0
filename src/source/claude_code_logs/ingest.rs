//! Ingesting one transcript: new complete lines become stored responses, committed with the
//! offset they were read up to.
//!
//! Only regular files are read. A `.jsonl` that is (or links to) a FIFO, a device or a
//! socket is skipped and reported: reading a FIFO would block the cycle with its
//! transaction open, and `/dev/zero` never ends. Files are opened non-blocking and checked
//! again once open, and one poll reads at most the size the file had when it was opened,
//! so a file that grows as fast as it is read cannot hold the cycle either.

use super::discover::Transcript;
use super::key::{dedupe_key, legacy_key};
use super::project::Project;
use super::record::{self, Parsed, Record};
use super::tail::{self, FileId, LineReader};
use crate::price::PriceTable;
use crate::store::{FileState, RequestRow, RequestWriter, StoreError, rank};
use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Input consumed between two commits, so a huge first ingestion keeps its transaction
/// (and the WAL) small and a crash loses little work.
const COMMIT_EVERY: u64 = 512 << 20;
/// Responses remembered within one poll to skip writes that cannot change anything.
const RECENT_KEYS: usize = 200_000;

/// Why a transcript could not be ingested.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The transcript.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What reading one transcript did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FileOutcome {
    /// Bytes read.
    pub bytes: u64,
    /// Billed responses written (new, or a larger copy of a known one).
    pub responses: u64,
    /// Lines skipped as malformed.
    pub malformed: u64,
    /// Lines with usage of a kind creditwatch does not know, skipped.
    pub unknown: u64,
}

impl FileOutcome {
    /// Adds what a second read of the same file found.
    fn add(&mut self, more: &FileOutcome) {
        self.bytes += more.bytes;
        self.responses += more.responses;
        self.malformed += more.malformed;
        self.unknown += more.unknown;
    }
}

/// What became of one transcript in a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// Nothing changed since the last poll.
    Unchanged,
    /// New lines were read.
    Read(FileOutcome),
    /// It is not something to read (a FIFO, a device, a vanished file); why.
    Skipped(String),
}

/// Buffers reused across files and the responses seen in this poll.
pub struct Scratch {
    buf: Vec<u8>,
    /// Bytes consumed since the writer's last checkpoint, across files.
    uncommitted: u64,
    recent: Recent,
    needle: memchr::memmem::Finder<'static>,
}

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch {
            buf: Vec::new(),
            uncommitted: 0,
            recent: Recent::default(),
            needle: memchr::memmem::Finder::new(b"\"usage\""),
        }
    }
}

impl Scratch {
    /// Forgets what was written in a transaction that rolled back.
    pub(crate) fn rolled_back(&mut self) {
        self.recent.0.clear();
        self.uncommitted = 0;
    }
}

/// Responses written in this poll, to skip writes that cannot change anything.
#[derive(Default)]
struct Recent(HashMap<i64, u64, BuildHasherDefault<KeyHasher>>);

/// The keys are already xxh3 hashes: hashing them again would only cost time.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_i64(&mut self, key: i64) {
        self.0 = key as u64;
    }
}

impl Recent {
    /// True when a copy of at least this [`rank`] was already written in this poll.
    fn already_written(&mut self, key: i64, rank: u64) -> bool {
        if self.0.get(&key).is_some_and(|&seen| seen >= rank) {
            return true;
        }
        if self.0.len() >= RECENT_KEYS {
            self.0.clear();
        }
        self.0.insert(key, rank);
        false
    }
}

/// Where the responses go.
pub struct Target<'a> {
    /// The account the transcripts belong to.
    pub account: &'a str,
    /// Prices to compute costs with.
    pub prices: &'a PriceTable,
    /// Whether rows stored under the keys of before migration 10 may exist, to be moved
    /// to their new keys when their transcript is first read again.
    pub legacy_keys: bool,
    /// The home folder, to show project folders under it as `~/...`.
    pub home: Option<&'a Path>,
    /// Now, unix seconds: a last line without a newline is counted once the file has been
    /// quiet for [`super::settle::QUIET_S`].
    pub now: i64,
}

/// The transcript being read and how.
pub(super) struct Reading<'a> {
    pub transcript: &'a Transcript,
    /// The project it belongs to.
    pub project: &'a Project,
    /// The path as the store keys it.
    pub key: &'a str,
    /// Move rows from their old keys (the file was not known when this read began).
    pub legacy: bool,
}

/// Reads what was appended to `transcript` since `known` and stores it in the writer's
/// transaction, checkpointing it every [`COMMIT_EVERY`] bytes (with the offset reached, so
/// a crash never separates responses from the offset after them).
pub(crate) fn ingest_file(
    writer: &mut RequestWriter<'_>,
    scratch: &mut Scratch,
    target: &Target<'_>,
    (transcript, project): (&Transcript, &Project),
    known: Option<&FileState>,
) -> Result<Ingested, IngestError> {
    let path = &transcript.path;
    let io = |source| IngestError::Io {
        path: path.clone(),
        source,
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Ingested::Skipped(format!("{}: gone", path.display())));
        }
        Err(e) => return Err(io(e)),
    };
    if let Some(why) = not_regular(&meta) {
        return Ok(Ingested::Skipped(format!("{}: {why}", path.display())));
    }
    if let Some(k) = known.filter(|k| FileId::of(&meta).unchanged_since(k)) {
        return super::settle::last_line(writer, scratch, target, (transcript, project), k);
    }
    let (mut file, meta) = match open_regular(path).map_err(io)? {
        Ok(opened) => opened,
        Err(why) => return Ok(Ingested::Skipped(format!("{}: {why}", path.display()))),
    };
    let id = FileId::of(&meta);
    let mut state = tail::resume_point(&file, &id, known).map_err(io)?;
    state.mtime_ns = id.mtime_ns;
    let key = path.to_string_lossy();
    let reading = Reading {
        transcript,
        project,
        key: &key,
        legacy: target.legacy_keys && known.is_none(),
    };
    // What was there when it was opened, and no more: the rest is the next poll's.
    file.seek(SeekFrom::Start(state.offset)).map_err(io)?;
    let mut input = (&file).take(id.size.saturating_sub(state.offset));
    let mut outcome = read_new_lines(writer, scratch, target, &reading, &mut input, &mut state)?;
    tail::fingerprint(&file, &mut state).map_err(io)?;
    writer.save_file(&key, &state)?;
    // A file already quiet for long enough has a finished last line even without its
    // newline: taken now, not one poll later.
    if state.offset < state.size {
        let settled =
            super::settle::last_line(writer, scratch, target, (transcript, project), &state)?;
        if let Ingested::Read(more) = settled {
            outcome.add(&more);
        }
    }
    Ok(Ingested::Read(outcome))
}

/// Why a file is not read, when it is not a regular file.
fn not_regular(meta: &Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    match () {
        () if kind.is_file() => None,
        () if kind.is_fifo() => Some("a FIFO, not a regular file"),
        () if kind.is_char_device() || kind.is_block_device() => {
            Some("a device, not a regular file")
        }
        () if kind.is_socket() => Some("a socket, not a regular file"),
        () if kind.is_dir() => Some("a folder named like a transcript"),
        () => Some("not a regular file"),
    }
}

/// Opens `path` to read without ever blocking on it, and checks what was opened: the name
/// may have been pointed at something else since it was looked at.
pub(super) fn open_regular(path: &Path) -> std::io::Result<Result<(File, Metadata), &'static str>> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = file.metadata()?;
    Ok(match not_regular(&meta) {
        Some(why) => Err(why),
        None => Ok((file, meta)),
    })
}

/// Reads complete lines from `file` (positioned at `state.offset`), stores what they billed
/// and advances `state`.
pub(super) fn read_new_lines(
    writer: &mut RequestWriter<'_>,
    scratch: &mut Scratch,
    target: &Target<'_>,
    reading: &Reading<'_>,
    file: &mut impl Read,
    state: &mut FileState,
) -> Result<FileOutcome, IngestError> {
    let key = reading.key;
    let mut outcome = FileOutcome::default();
    let start = state.offset;
    let mut buf = std::mem::take(&mut scratch.buf);
    let mut reader = LineReader::new(&mut buf, start);
    let mut malformed = 0;
    let mut unknown = 0;
    let mut failure = None;
    loop {
        let before = reader.consumed();
        let (needle, recent) = (&scratch.needle, &mut scratch.recent);
        let more = reader.next_block(file, |block, base| {
            tail::candidate_lines(block, base, needle, |line, offset| {
                match record::parse(line) {
                    Parsed::Malformed => malformed += 1,
                    Parsed::Unknown => unknown += 1,
                    Parsed::NoSpend => {}
                    Parsed::Billed(r) => {
                        let dedupe = dedupe_key(&r, key, offset);
                        let rank = rank(r.sidechain, r.tokens.total());
                        // Every copy of a re-read file names an old row to move.
                        let skip = !reading.legacy && recent.already_written(dedupe, rank);
                        if failure.is_some() || skip {
                            return;
                        }
                        match write(writer, target, reading, dedupe, &r) {
                            Ok(()) => outcome.responses += 1,
                            Err(e) => failure = Some(e),
                        }
                    }
                }
            });
        });
        if let Some(e) = failure.take() {
            return Err(e.into());
        }
        let more = more.map_err(|source| IngestError::Io {
            path: reading.transcript.path.clone(),
            source,
        })?;
        scratch.uncommitted += reader.consumed() - before;
        let skipped = malformed + std::mem::take(&mut reader.oversized);
        state.malformed += skipped;
        outcome.malformed += skipped;
        state.unknown += unknown;
        outcome.unknown += unknown;
        malformed = 0;
        unknown = 0;
        state.offset = reader.consumed();
        state.size = reader.end();
        if !more {
            break;
        }
        if scratch.uncommitted >= COMMIT_EVERY {
            writer.save_file(key, state)?;
            writer.checkpoint()?;
            scratch.uncommitted = 0;
        }
    }
    outcome.bytes = reader.end() - start;
    reader.release();
    scratch.buf = buf;
    Ok(outcome)
}

fn write(
    writer: &mut RequestWriter<'_>,
    target: &Target<'_>,
    reading: &Reading<'_>,
    key: i64,
    r: &Record<'_>,
) -> Result<(), StoreError> {
    let transcript = reading.transcript;
    let project = (reading.project).of_line(r.cwd.as_deref(), &transcript.project, target.home);
    writer.upsert(&RequestRow {
        key,
        legacy_key: reading.legacy.then(|| legacy_key(r)).flatten(),
        account: target.account,
        t: r.t,
        app: &r.app,
        model: &r.model,
        project: &project,
        session: r.session.as_deref().unwrap_or(&transcript.session),
        tokens: r.tokens,
        sidechain: r.sidechain,
        cost_usd: target.prices.cost(&r.model, &r.tokens),
    })
}
