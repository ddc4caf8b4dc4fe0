//! Reading a small file the user points at (the config, a rule, a secret, a CA
//! certificate, Claude Code's credentials): only a regular file, and only up to a size, so
//! `--config /dev/zero` cannot fill the memory and a FIFO cannot hang the program. The
//! file is opened without blocking and checked after opening, so a name swapped for
//! something else in between is caught too.

use std::fs::File;
use std::io::{Error, ErrorKind, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The largest such file read, bytes: a config or a rule is a few KiB.
pub const MAX_BYTES: u64 = 1 << 20;

/// The bytes of `path`, when it is a regular file of at most [`MAX_BYTES`]. Anything else is
/// an error saying what it is (`NotFound` keeps its kind, for callers that allow a missing
/// file).
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    let not = |what: &str| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("{what}, not a regular file"),
        )
    };
    if kind.is_fifo() {
        return Err(not("a FIFO"));
    }
    if kind.is_char_device() || kind.is_block_device() {
        return Err(not("a device"));
    }
    if kind.is_socket() {
        return Err(not("a socket"));
    }
    if kind.is_dir() {
        return Err(not("a folder"));
    }
    if meta.len() > MAX_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    (&file as &File)
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large()); // it grew while read
    }
    Ok(bytes)
}

/// [`read`] as UTF-8 text.
pub fn read_to_string(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read(path)?).map_err(|_| Error::new(ErrorKind::InvalidData, "not UTF-8 text"))
}

fn too_large() -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!("larger than {} MiB", MAX_BYTES >> 20),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("config.toml");
        std::fs::write(&small, "tick = \"1s\"\n").unwrap();
        assert_eq!(read_to_string(&small).unwrap(), "tick = \"1s\"\n");
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'#'; MAX_BYTES as usize + 1]).unwrap();
        assert!(
            read(&big)
                .unwrap_err()
                .to_string()
                .contains("larger than 1 MiB")
        );
        let e = read(Path::new("/dev/zero")).unwrap_err().to_string();
        assert_eq!(e, "a device, not a regular file");
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(
            read(&fifo).unwrap_err().to_string(),
            "a FIFO, not a regular file"
        );
        assert_eq!(
            read(dir.path()).unwrap_err().to_string(),
            "a folder, not a regular file"
        );
        let gone = read(&dir.path().join("missing")).unwrap_err();
        assert_eq!(gone.kind(), ErrorKind::NotFound);
    }
}
