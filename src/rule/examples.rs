//! The example rules shipped with creditwatch, and the first-run install of the rules folder.

use std::io;
use std::path::Path;

/// Each example rule: its file name and text.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "credits-run-out-tomorrow.lua",
        include_str!("../../rules/credits-run-out-tomorrow.lua"),
    ),
    (
        "plan-window-nearly-full.lua",
        include_str!("../../rules/plan-window-nearly-full.lua"),
    ),
    (
        "extra-usage-cap.lua",
        include_str!("../../rules/extra-usage-cap.lua"),
    ),
    (
        "app-spend-spike.lua",
        include_str!("../../rules/app-spend-spike.lua"),
    ),
    (
        "source-unhealthy.lua",
        include_str!("../../rules/source-unhealthy.lua"),
    ),
    (
        "plan-fit-monthly.lua",
        include_str!("../../rules/plan-fit-monthly.lua"),
    ),
    (
        "daily-digest.lua",
        include_str!("../../rules/daily-digest.lua"),
    ),
];

/// Files that come with the examples: the guide and the editor type definitions.
const COMPANIONS: &[(&str, &str)] = &[
    ("README.md", include_str!("../../rules/README.md")),
    (
        "types/creditwatch.d.luau",
        include_str!("../../rules/types/creditwatch.d.luau"),
    ),
];

/// What became of the rules folder when it was opened.
#[derive(Debug)]
pub enum FirstRun {
    /// It did not exist: it was created with the example rules.
    Created,
    /// It was there already, and was left as it is.
    Existed,
    /// It did not exist and could not be created; why.
    Failed(io::Error),
}

/// Opens the rules folder `dir`, creating it with the examples on the first run, and loads
/// its rules at `now`; says what became of the folder, for the caller to tell its way.
pub(crate) fn open_folder(
    dir: &Path,
    tz: &jiff::tz::TimeZone,
    now: i64,
) -> (super::RuleSet, FirstRun) {
    let first = match install(dir) {
        Ok(true) => FirstRun::Created,
        Ok(false) => FirstRun::Existed,
        Err(e) => FirstRun::Failed(e),
    };
    (super::RuleSet::load(dir, tz, now), first)
}

/// Creates the rules folder with the example rules in it when it does not exist yet, and
/// says whether it did. An existing folder, even an empty one, is left as it is.
pub fn install(dir: &Path) -> io::Result<bool> {
    match std::fs::symlink_metadata(dir) {
        Ok(_) => return Ok(false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    // Written beside the folder and renamed into place, so a crash never leaves a half
    // folder that would then count as "made by the user".
    let parent = dir.parent().unwrap_or(Path::new("."));
    crate::private::create_dir(parent)?;
    let staging = tempdir_in(parent)?;
    for (name, text) in EXAMPLES.iter().chain(COMPANIONS) {
        let path = staging.join(name);
        if let Some(p) = path.parent() {
            crate::private::create_dir(p)?;
        }
        std::fs::write(path, text)?;
    }
    match std::fs::rename(&staging, dir) {
        Ok(()) => Ok(true),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            // Another process made it first: theirs stands.
            if dir.exists() { Ok(false) } else { Err(e) }
        }
    }
}

fn tempdir_in(parent: &Path) -> io::Result<std::path::PathBuf> {
    let path = parent.join(format!(".rules.new.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    crate::private::create_dir(&path)?;
    Ok(path)
}
