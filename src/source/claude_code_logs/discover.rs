//! Finding transcripts: every `*.jsonl` below Claude Code's project folders, nested project
//! folders and `subagents/` included.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A folder of project folders (`~/.claude/projects`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root(pub PathBuf);

/// A transcript file and the project it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// The file.
    pub path: PathBuf,
    /// The project folder's name (the first folder below the root), as Claude Code named
    /// it after the project's folder (see [`super::project`]).
    pub project: String,
    /// The session it belongs to, from its name: `<session>.jsonl`, or
    /// `<session>/subagents/<agent>.jsonl` for a subagent's.
    pub session: String,
}

/// The session a transcript at `path` belongs to, by its name.
fn session_of(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let parent = path.parent();
    let in_subagents = parent.and_then(Path::file_name) == Some("subagents".as_ref());
    match parent.and_then(Path::parent).and_then(Path::file_name) {
        Some(session) if in_subagents => session.to_string_lossy().into_owned(),
        _ => stem.unwrap_or_default(),
    }
}

/// Claude Code's default folders: `~/.claude/projects`, `~/.config/claude/projects`, and
/// `projects` under every directory listed (comma-separated) in `CLAUDE_CONFIG_DIR`.
pub(crate) fn default_roots() -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if let Some(dirs) = std::env::var_os("CLAUDE_CONFIG_DIR") {
        for dir in dirs.to_string_lossy().split(',').map(str::trim) {
            if !dir.is_empty() {
                roots.push(crate::paths::expand_tilde(Path::new(dir)).join("projects"));
            }
        }
    }
    if let Some(home) = dirs::home_dir() {
        roots.push(home.join(".claude/projects"));
        roots.push(home.join(".config/claude/projects"));
    }
    roots
}

/// The roots that exist, each once even when reached through a symlink.
pub(crate) fn existing_roots(candidates: &[PathBuf]) -> Vec<Root> {
    let mut seen = Vec::new();
    let mut roots = Vec::new();
    for candidate in candidates {
        let Ok(real) = candidate.canonicalize() else {
            continue;
        };
        if real.is_dir() && !seen.contains(&real) {
            seen.push(real);
            roots.push(Root(candidate.clone()));
        }
    }
    roots
}

/// Every transcript below `root`; unreadable folders are reported in `errors`, dangling
/// links in `skipped`, and both are passed over.
///
/// Links are followed, to folders (a project folder linked in from elsewhere) and to files.
/// Each folder and each file is taken once, by its device and inode, however many ways
/// lead to it: a link loop ends, and a transcript reached through two links is not read
/// twice.
pub fn transcripts(
    root: &Root,
    errors: &mut Vec<String>,
    skipped: &mut Vec<String>,
) -> Vec<Transcript> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    if let Ok(meta) = std::fs::metadata(&root.0) {
        seen.insert(identity(&meta));
    }
    let mut stack = vec![(root.0.clone(), None::<String>)];
    while let Some((dir, project)) = stack.pop() {
        let mut entries: Vec<_> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries.flatten().collect(),
            Err(e) => {
                errors.push(format!("cannot list {}: {e}", dir.display()));
                continue;
            }
        };
        // In name order, so the path a file is known by is the same at every poll.
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            // `metadata` follows links: what matters is what the name leads to.
            let Ok(meta) = std::fs::metadata(&path) else {
                if let Ok(target) = std::fs::read_link(&path) {
                    skipped.push(format!(
                        "{}: a link to nothing ({} does not exist)",
                        path.display(),
                        target.display()
                    ));
                }
                continue;
            };
            if meta.is_dir() {
                if seen.insert(identity(&meta)) {
                    stack.push((path, Some(project.clone().unwrap_or(name))));
                }
            } else if std::path::Path::new(&name)
                .extension()
                .is_some_and(|e| e == "jsonl")
                && (!meta.is_file() || seen.insert(identity(&meta)))
            {
                // Not a regular file: ingestion says so and skips it.
                let project = project.clone().unwrap_or_default();
                let session = session_of(&path);
                found.push(Transcript {
                    path,
                    project,
                    session,
                });
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// A file's or folder's identity on disk.
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}
