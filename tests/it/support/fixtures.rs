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

/// Asserts `got` (a `tokens` object of `spend --json`) has each count `expected` names,
/// and that its sums (`cache_write`, `total`) add up.
pub fn assert_tokens(got: &serde_json::Value, expected: &serde_json::Value) {
    let n = |v: &serde_json::Value, k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k}: {v}"));
    for (kind, count) in expected.as_object().unwrap() {
        assert_eq!(&got[kind], count, "{kind}: {got}");
    }
    let w = n(got, "cache_write_5m") + n(got, "cache_write_1h");
    assert_eq!(n(got, "cache_write"), w, "{got}");
    let all = ["input", "output", "cache_read"]
        .map(|k| n(got, k))
        .iter()
        .sum::<u64>()
        + w;
    assert_eq!(n(got, "total"), all, "{got}");
}
