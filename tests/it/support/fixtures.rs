//! Paths to what the tests read from the repository: the snapshot fixtures and the
//! example rules.

use std::path::{Path, PathBuf};

/// A saved snapshot in `tests/fixtures/snapshots`.
pub fn snapshot(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/snapshots")
        .join(name)
}

/// An example rule in `rules/`.
pub fn example_rule(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("rules")
        .join(name)
}
