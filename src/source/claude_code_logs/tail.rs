//! Reading one transcript from where the last poll stopped.
//!
//! A poll stats the file and opens it only when its size or mtime changed. A file whose
//! inode changed, that shrank below the consumed offset, or whose first bytes or the bytes
//! just before the consumed offset differ from what was read before (it was rewritten in
//! place) is read again from the start (dedupe keeps that from counting twice). Bytes after
//! the last newline are a line still being written and wait for the next poll. Reading
//! streams through a fixed buffer, so memory does not grow with the file; a single line
//! longer than [`MAX_LINE`] is skipped and counted as malformed.

use crate::store::FileState;
use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::FileExt;

/// The read buffer's starting size.
pub const CHUNK: usize = 128 << 10;
/// The longest line kept in memory.
pub const MAX_LINE: usize = 64 << 20;
/// How many leading bytes identify a file's content.
pub const HEAD: u64 = 1024;
/// How many bytes before the consumed offset must be unchanged for reading to resume there.
pub const TAIL: u64 = 1024;

/// Identity and size of a file as `stat` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
}

impl FileId {
    /// Reads the identity from metadata.
    pub fn of(meta: &Metadata) -> FileId {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            FileId {
                dev: meta.dev(),
                ino: meta.ino(),
                size: meta.len(),
                mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
            }
        }
        #[cfg(not(unix))]
        {
            let mtime_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i64);
            FileId {
                dev: 0,
                ino: 0,
                size: meta.len(),
                mtime_ns,
            }
        }
    }

    /// True when nothing about the file changed since `known` was saved.
    pub(crate) fn unchanged_since(&self, known: &FileState) -> bool {
        self.dev == known.dev
            && self.ino == known.ino
            && self.size == known.size
            && self.mtime_ns == known.mtime_ns
    }
}

/// Hash of the `len` bytes of the file from `start`, or `None` when it ends before. Reads
/// at an offset, so the file's position is left alone.
pub(crate) fn hash_range(file: &File, start: u64, len: u64) -> std::io::Result<Option<u64>> {
    let mut bytes = vec![0u8; len as usize];
    let mut filled = 0;
    while filled < bytes.len() {
        let n = file.read_at(&mut bytes[filled..], start + filled as u64)?;
        if n == 0 {
            return Ok(None);
        }
        filled += n;
    }
    Ok(Some(xxhash_rust::xxh3::xxh3_64(&bytes)))
}

/// Records in `state` what identifies the file up to `state.offset`: the hash of its first
/// bytes (once there are more of them) and of the bytes just before the offset.
pub(crate) fn fingerprint(file: &File, state: &mut FileState) -> std::io::Result<()> {
    let head_len = state.offset.min(HEAD);
    if head_len > state.head_len
        && let Some(hash) = hash_range(file, 0, head_len)?
    {
        state.head_hash = hash;
        state.head_len = head_len;
    }
    let tail_len = state.offset.min(TAIL);
    if let Some(hash) = hash_range(file, state.offset - tail_len, tail_len)? {
        state.tail_hash = hash;
        state.tail_len = tail_len;
    }
    Ok(())
}

/// Where reading should start: the saved state to resume from, or a fresh one when the
/// file was replaced, truncated or rewritten.
pub(crate) fn resume_point(
    file: &File,
    id: &FileId,
    known: Option<&FileState>,
) -> std::io::Result<FileState> {
    let fresh = FileState {
        dev: id.dev,
        ino: id.ino,
        ..FileState::default()
    };
    let Some(k) = known else {
        return Ok(fresh);
    };
    let same_file = k.dev == id.dev && k.ino == id.ino && id.size >= k.offset;
    if !same_file {
        return Ok(fresh);
    }
    let same_head = k.head_len == 0 || hash_range(file, 0, k.head_len)? == Some(k.head_hash);
    let same_tail = k.tail_len == 0
        || (k.offset >= k.tail_len
            && hash_range(file, k.offset - k.tail_len, k.tail_len)? == Some(k.tail_hash));
    Ok(if same_head && same_tail { *k } else { fresh })
}

/// Streams complete lines from the file's current position.
pub struct LineReader<'b> {
    buf: &'b mut Vec<u8>,
    filled: usize,
    /// Offset in the file of `buf[0]`.
    base: u64,
    /// Start of an oversized line being skipped, if any.
    skipping_from: Option<u64>,
    /// Oversized lines skipped so far.
    pub oversized: u64,
}

impl<'b> LineReader<'b> {
    /// A reader whose next byte is at file offset `offset`.
    pub fn new(buf: &'b mut Vec<u8>, offset: u64) -> LineReader<'b> {
        if buf.len() < CHUNK {
            buf.resize(CHUNK, 0);
        }
        LineReader {
            buf,
            filled: 0,
            base: offset,
            skipping_from: None,
            oversized: 0,
        }
    }

    /// Reads more of the file and hands `on_block` the complete lines read (a block that
    /// ends in a newline) with the file offset of its first byte. Returns `Ok(false)` at
    /// the end of the file.
    pub(crate) fn next_block(
        &mut self,
        file: &mut impl Read,
        mut on_block: impl FnMut(&[u8], u64),
    ) -> std::io::Result<bool> {
        if self.filled == self.buf.len() {
            self.make_room();
        }
        let n = file.read(&mut self.buf[self.filled..])?;
        if n == 0 {
            return Ok(false);
        }
        let start = self.filled;
        let end = start + n;
        self.filled = end;
        let Some(last) = memchr::memrchr(b'\n', &self.buf[start..end]).map(|i| start + i) else {
            return Ok(true);
        };
        let mut first = 0;
        if self.skipping_from.take().is_some() {
            // The oversized line ends at the first newline of the new bytes.
            first = start + memchr::memchr(b'\n', &self.buf[start..end]).unwrap_or(0) + 1;
            self.oversized += 1;
        }
        if first <= last {
            on_block(&self.buf[first..=last], self.base + first as u64);
        }
        let consumed = last + 1;
        self.buf.copy_within(consumed..end, 0);
        self.filled = end - consumed;
        self.base += consumed as u64;
        Ok(true)
    }

    /// The buffer holds one unfinished line: grow it, or start skipping the line.
    fn make_room(&mut self) {
        if self.skipping_from.is_none() && self.buf.len() < MAX_LINE {
            let grown = (self.buf.len() * 2).min(MAX_LINE);
            self.buf.resize(grown, 0);
            return;
        }
        self.skipping_from.get_or_insert(self.base);
        self.base += self.filled as u64;
        self.filled = 0;
    }

    /// Offset just past the last complete line handed out: where the next poll resumes.
    pub(crate) fn consumed(&self) -> u64 {
        self.skipping_from.unwrap_or(self.base)
    }

    /// Offset of the end of everything read, including an unfinished last line.
    pub fn end(&self) -> u64 {
        self.base + self.filled as u64
    }

    /// Shrinks a buffer that grew for a long line back to its usual size.
    pub fn release(self) {
        if self.buf.len() > CHUNK {
            self.buf.truncate(CHUNK);
            self.buf.shrink_to(CHUNK);
        }
    }
}

/// Calls `on_line` with every line of `block` that contains `needle`, and the file offset
/// of the line's first byte. Lines without it are passed over without being split out.
pub(crate) fn candidate_lines(
    block: &[u8],
    base: u64,
    needle: &memchr::memmem::Finder<'_>,
    mut on_line: impl FnMut(&[u8], u64),
) {
    let mut pos = 0;
    while let Some(i) = needle.find(&block[pos..]) {
        let hit = pos + i;
        let start = memchr::memrchr(b'\n', &block[pos..hit]).map_or(pos, |j| pos + j + 1);
        let end = memchr::memchr(b'\n', &block[hit..]).map_or(block.len(), |j| hit + j);
        on_line(&block[start..end], base + start as u64);
        pos = end + 1;
        if pos >= block.len() {
            break;
        }
    }
}

#[cfg(test)]
mod tests;
