//! Copies of fixture trees for tests that need them as real files of their own.

use std::path::Path;

/// Copies the folder `from` to `to`, recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Moves every `"timestamp": "..."` in the `.jsonl` files under `dir` by `by` seconds, so a
/// fixture recorded on one day reads as if it happened on another.
pub fn shift_timestamps(dir: &Path, by: i64) {
    const KEY: &str = "\"timestamp\": \"";
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            shift_timestamps(&path, by);
            continue;
        }
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = rest.find(KEY) {
            let (before, after) = rest.split_at(at + KEY.len());
            let end = after.find('"').unwrap();
            let t: jiff::Timestamp = after[..end].parse().unwrap();
            out.push_str(before);
            out.push_str(&(t + jiff::SignedDuration::from_secs(by)).to_string());
            rest = &after[end..];
        }
        out.push_str(rest);
        std::fs::write(&path, out).unwrap();
    }
}
