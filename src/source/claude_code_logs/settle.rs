//! A last line without a newline.
//!
//! Claude Code writes each line with its newline, so bytes after the last newline are
//! usually a line still being written, and wait for the next poll. But a process that was
//! killed, or a tool that writes the last line without one, leaves a complete line that
//! would wait for ever. Once the file has not changed for [`QUIET_S`] and the bytes after
//! the last newline parse as a whole JSON line, they are counted as that line; if more is
//! appended later, reading resumes after them.

use super::discover::Transcript;
use super::ingest::{
    IngestError, Ingested, Reading, Scratch, Target, open_regular, read_new_lines,
};
use super::project::Project;
use super::record::{self, Parsed};
use super::tail::{self, FileId, MAX_LINE};
use crate::store::{FileState, RequestWriter};
use std::os::unix::fs::FileExt;

/// How long a file must have been quiet before its last line is taken as finished.
pub const QUIET_S: i64 = 600;

/// Counts the last line of a file that did not change since `known`, when it is finished.
pub(crate) fn last_line(
    writer: &mut RequestWriter<'_>,
    scratch: &mut Scratch,
    target: &Target<'_>,
    (transcript, project): (&Transcript, &Project),
    known: &FileState,
) -> Result<Ingested, IngestError> {
    let waiting = known.size.saturating_sub(known.offset);
    let quiet_for = target.now - known.mtime_ns.div_euclid(1_000_000_000);
    if waiting == 0 || waiting > MAX_LINE as u64 || quiet_for < QUIET_S {
        return Ok(Ingested::Unchanged);
    }
    let path = &transcript.path;
    let io = |source| IngestError::Io {
        path: path.clone(),
        source,
    };
    let Ok((file, meta)) = open_regular(path).map_err(io)? else {
        return Ok(Ingested::Unchanged);
    };
    if !FileId::of(&meta).unchanged_since(known) {
        // It moved since it was looked at: the next poll reads it as usual.
        return Ok(Ingested::Unchanged);
    }
    let mut line = vec![0u8; waiting as usize];
    file.read_exact_at(&mut line, known.offset).map_err(io)?;
    if memchr::memchr(b'\n', &line).is_some() || record::parse(&line) == Parsed::Malformed {
        return Ok(Ingested::Unchanged);
    }
    line.push(b'\n');
    let key = path.to_string_lossy();
    let reading = Reading {
        transcript,
        project,
        key: &key,
        legacy: false,
    };
    let mut state = *known;
    let outcome = read_new_lines(
        writer,
        scratch,
        target,
        &reading,
        &mut line.as_slice(),
        &mut state,
    )?;
    // The newline given to the reader is not in the file.
    state.offset = known.size;
    state.size = known.size;
    tail::fingerprint(&file, &mut state).map_err(io)?;
    writer.save_file(&key, &state)?;
    Ok(Ingested::Read(outcome))
}
