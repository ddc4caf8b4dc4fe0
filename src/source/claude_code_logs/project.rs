//! A project's real folder. Claude Code names a project's transcript folder after the
//! folder it was started in, with every character but letters and digits turned into `-`
//! (`/Users/ana/src/my-api` becomes `-Users-ana-src-my-api`), which cannot be read back
//! for sure. Lines carry the folder itself (`cwd`); when one names the folder the project
//! is named after, that is the project. Otherwise (no `cwd`, or a session that moved into
//! a subfolder) the name is matched against the folders that exist, and read back naively
//! when none does. Folders under the home folder are shown as `~/...`.

use std::path::{Path, PathBuf};

/// Folders visited before matching a name against the disk gives up.
const MAX_VISITS: usize = 2_000;

/// A project folder, as read back from its transcript folder's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The folder, absolute.
    pub real: String,
    /// The folder as people read it (`~/src/api`).
    pub shown: String,
}

impl Project {
    /// The project a transcript folder named `name` belongs to.
    pub fn of(name: &str, home: Option<&Path>) -> Project {
        let real = resolve(name);
        let shown = shown(&real, home);
        Project { real, shown }
    }

    /// The project a response belongs to: the folder its line names when that is the
    /// folder the transcript folder `name` was made from (the same folder found again, or
    /// the real one of a name that reads back wrong), this project otherwise.
    pub(crate) fn of_line<'a>(
        &'a self,
        cwd: Option<&str>,
        name: &str,
        home: Option<&Path>,
    ) -> std::borrow::Cow<'a, str> {
        match cwd {
            Some(cwd) if cwd != self.real && names(cwd, name) => shown(cwd, home).into(),
            _ => self.shown.as_str().into(),
        }
    }
}

/// How Claude Code names a project's transcript folder after the folder it started in.
/// (It counts in UTF-16 units, as JavaScript does: `é` is one `-`, an emoji two.)
pub fn encode(folder: &str) -> String {
    let mut name = String::with_capacity(folder.len());
    for c in folder.chars() {
        match c.is_ascii_alphanumeric() {
            true => name.push(c),
            false => (0..c.len_utf16()).for_each(|_| name.push('-')),
        }
    }
    name
}

/// Whether `cwd` is the folder that `name` was made from, without building the name.
pub fn names(cwd: &str, name: &str) -> bool {
    let mut rest = name.bytes();
    let fits = cwd.chars().all(|c| match c.is_ascii_alphanumeric() {
        true => rest.next() == Some(c as u8),
        false => (0..c.len_utf16()).all(|_| rest.next() == Some(b'-')),
    });
    fits && rest.next().is_none()
}

/// How long `folder`'s name is once encoded.
fn encoded_len(folder: &str) -> usize {
    folder.chars().map(char::len_utf16).sum()
}

/// How a folder is shown: under `home` as `~/...`, elsewhere as it is.
pub fn shown(folder: &str, home: Option<&Path>) -> String {
    let Some(home) = home.and_then(Path::to_str).filter(|h| h.len() > 1) else {
        return folder.to_string();
    };
    let home = home.trim_end_matches('/');
    match folder.strip_prefix(home) {
        Some("") => "~".to_string(),
        Some(rest) if rest.starts_with('/') => format!("~{rest}"),
        _ => folder.to_string(),
    }
}

/// The folder a transcript folder's `name` was made from: an existing folder whose name
/// it is, or else the name read back with every `-` as `/`.
pub(crate) fn resolve(name: &str) -> String {
    let Some(rest) = name.strip_prefix('-') else {
        return name.to_string();
    };
    let mut visits = 0;
    match on_disk(Path::new("/"), rest, &mut visits) {
        Some(found) => found.to_string_lossy().into_owned(),
        None => format!("/{}", rest.replace('-', "/")),
    }
}

/// The folder below `dir` whose path, encoded, is `rest`; several names can match a
/// part (`my-api` and `my`), so each is tried in turn.
fn on_disk(dir: &Path, rest: &str, visits: &mut usize) -> Option<PathBuf> {
    *visits += 1;
    if *visits > MAX_VISITS {
        return None;
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir).ok()?.flatten().collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.file_name().len()));
    for entry in entries {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let len = encoded_len(name);
        let Some((part, after)) = rest.get(..len).zip(rest.get(len..)) else {
            continue;
        };
        if !names(name, part) || !entry.path().is_dir() {
            continue;
        }
        match after.strip_prefix('-') {
            None if after.is_empty() => return Some(entry.path()),
            Some(tail) => {
                if let Some(found) = on_disk(&entry.path(), tail, visits) {
                    return Some(found);
                }
            }
            None => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_encoded_as_claude_code_names_it() {
        assert_eq!(
            encode("/Users/ana/src/my_api.v2"),
            "-Users-ana-src-my-api-v2"
        );
        assert!(names(
            "/Users/ana/src/my_api.v2",
            "-Users-ana-src-my-api-v2"
        ));
        assert!(!names("/Users/ana/src/my_api", "-Users-ana-src-my-api-v2"));
        assert!(!names("/Users/ana/src/myXapi", "-Users-ana-src-my-api"));
        assert_eq!(encode("/Users/zoé"), "-Users-zo-");
        assert!(names("/Users/zoé", "-Users-zo-"));
    }

    #[test]
    fn folders_under_home_are_shown_with_a_tilde() {
        let home = Some(Path::new("/Users/ana"));
        assert_eq!(shown("/Users/ana/src/api", home), "~/src/api");
        assert_eq!(shown("/Users/ana", home), "~");
        assert_eq!(shown("/Users/anabel/api", home), "/Users/anabel/api");
        assert_eq!(shown("/srv/api", home), "/srv/api");
        assert_eq!(shown("/srv/api", None), "/srv/api");
    }

    #[test]
    fn a_name_is_matched_against_the_folders_that_exist() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(base.join("src/my-api.v2/web")).unwrap();
        std::fs::create_dir_all(base.join("src/my")).unwrap();
        let wanted = base.join("src/my-api.v2");
        let name = encode(wanted.to_str().unwrap());
        assert_eq!(resolve(&name), wanted.to_str().unwrap());
        let nested = base.join("src/my-api.v2/web");
        assert_eq!(
            resolve(&encode(nested.to_str().unwrap())),
            nested.to_str().unwrap()
        );
    }

    #[test]
    fn a_name_no_folder_matches_is_read_back_naively() {
        assert_eq!(
            resolve("-nonexistent-creditwatch-test-api"),
            "/nonexistent/creditwatch/test/api"
        );
        assert_eq!(resolve("relative"), "relative");
    }
}
