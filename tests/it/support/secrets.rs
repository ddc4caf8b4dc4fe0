//! Canary checks: a secret must appear nowhere creditwatch writes.

use creditwatch::snapshot::Snapshot;
use creditwatch::source::Outcome;
use std::path::Path;

/// Asserts that none of `secrets` is in the snapshot, the poll's outcome, or the database
/// files (`creditwatch.db*`, the WAL included) in `dir`.
pub fn assert_absent(dir: &Path, snapshot: &Snapshot, outcome: &Outcome, secrets: &[&str]) {
    let mut written = serde_json::to_string(snapshot).unwrap().into_bytes();
    written.extend(format!("{outcome:?}").bytes());
    for f in std::fs::read_dir(dir).unwrap().flatten() {
        if f.file_name()
            .to_string_lossy()
            .starts_with("creditwatch.db")
        {
            written.extend(std::fs::read(f.path()).unwrap());
        }
    }
    for secret in secrets {
        assert!(
            !written
                .windows(secret.len())
                .any(|w| w == secret.as_bytes()),
            "{secret} leaked"
        );
    }
}
