//! Ingesting one transcript: new complete lines become stored responses, committed with the
//! offset they were read up to.

use super::discover::Transcript;
use super::record::{self, Parsed, Record};
use super::tail::{self, FileId, LineReader};
use crate::price::PriceTable;
use crate::store::{FileState, RequestRow, RequestWriter, StoreError};
use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Seek, SeekFrom};
use std::path::PathBuf;

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
    pub fn rolled_back(&mut self) {
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
    /// True when a copy with at least `total` tokens was already written in this poll.
    fn already_written(&mut self, key: i64, total: u64) -> bool {
        if self.0.get(&key).is_some_and(|&seen| seen >= total) {
            return true;
        }
        if self.0.len() >= RECENT_KEYS {
            self.0.clear();
        }
        self.0.insert(key, total);
        false
    }
}

/// Where the responses go.
pub struct Target<'a> {
    /// The account the transcripts belong to.
    pub account: &'a str,
    /// Prices to compute costs with.
    pub prices: &'a PriceTable,
}

/// The dedupe key of a response: its (`message.id`, `requestId`), or its position in the
/// file when it has neither.
pub fn dedupe_key(r: &Record<'_>, path: &str, offset: u64) -> i64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    match (&r.message_id, &r.request_id) {
        (None, None) => {
            h.update(b"@");
            h.update(path.as_bytes());
            h.update(format!(":{offset}").as_bytes());
        }
        (id, req) => {
            h.update(id.as_deref().unwrap_or("").as_bytes());
            h.update(b"\0");
            h.update(req.as_deref().unwrap_or("").as_bytes());
        }
    }
    h.digest() as i64
}

/// Reads what was appended to `transcript` since `known` and stores it in the writer's
/// transaction, checkpointing it every [`COMMIT_EVERY`] bytes (with the offset reached, so
/// a crash never separates responses from the offset after them). Returns `None` when the
/// file did not change.
pub fn ingest_file(
    writer: &mut RequestWriter<'_>,
    scratch: &mut Scratch,
    target: &Target<'_>,
    transcript: &Transcript,
    known: Option<&FileState>,
) -> Result<Option<FileOutcome>, IngestError> {
    let path = &transcript.path;
    let io = |source| IngestError::Io {
        path: path.clone(),
        source,
    };
    let id = FileId::of(&std::fs::metadata(path).map_err(io)?);
    if known.is_some_and(|k| id.unchanged_since(k)) {
        return Ok(None);
    }
    let mut file = File::open(path).map_err(io)?;
    let mut state = tail::resume_point(&mut file, &id, known).map_err(io)?;
    file.seek(SeekFrom::Start(state.offset)).map_err(io)?;
    state.mtime_ns = id.mtime_ns;
    let key = path.to_string_lossy();
    let outcome = read_new_lines(
        writer, scratch, target, transcript, &key, &mut file, &mut state,
    )?;
    let head_len = state.offset.min(tail::HEAD);
    if head_len > state.head_len
        && let Some(hash) = tail::head_hash(&mut file, head_len).map_err(io)?
    {
        state.head_hash = hash;
        state.head_len = head_len;
    }
    writer.save_file(&key, &state)?;
    Ok(Some(outcome))
}

fn read_new_lines(
    writer: &mut RequestWriter<'_>,
    scratch: &mut Scratch,
    target: &Target<'_>,
    transcript: &Transcript,
    key: &str,
    file: &mut File,
    state: &mut FileState,
) -> Result<FileOutcome, IngestError> {
    let mut outcome = FileOutcome::default();
    let start = state.offset;
    let mut buf = std::mem::take(&mut scratch.buf);
    let mut reader = LineReader::new(&mut buf, start);
    let mut malformed = 0;
    let mut failure = None;
    loop {
        let before = reader.consumed();
        let (needle, recent) = (&scratch.needle, &mut scratch.recent);
        let more = reader.next_block(file, |block, base| {
            tail::candidate_lines(block, base, needle, |line, offset| {
                match record::parse(line) {
                    Parsed::Malformed => malformed += 1,
                    Parsed::NoSpend => {}
                    Parsed::Billed(r) => {
                        let dedupe = dedupe_key(&r, key, offset);
                        if failure.is_some() || recent.already_written(dedupe, r.tokens.total()) {
                            return;
                        }
                        match write(writer, target, transcript, dedupe, &r) {
                            Ok(()) => outcome.responses += 1,
                            Err(e) => failure = Some(e),
                        }
                    }
                }
            })
        });
        if let Some(e) = failure.take() {
            return Err(e.into());
        }
        let more = more.map_err(|source| IngestError::Io {
            path: transcript.path.clone(),
            source,
        })?;
        scratch.uncommitted += reader.consumed() - before;
        let skipped = malformed + std::mem::take(&mut reader.oversized);
        state.malformed += skipped;
        outcome.malformed += skipped;
        malformed = 0;
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
    transcript: &Transcript,
    key: i64,
    r: &Record<'_>,
) -> Result<(), StoreError> {
    writer.upsert(&RequestRow {
        key,
        account: target.account,
        t: r.t,
        app: &r.app,
        model: &r.model,
        project: &transcript.project,
        tokens: r.tokens,
        cost_usd: target.prices.cost(&r.model, &r.tokens),
    })
}
