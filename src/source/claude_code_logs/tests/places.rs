//! Where a response belongs: its project folder and its session.

use super::*;

#[test]
fn nested_folders_and_subagents_are_found_and_attributed_to_their_project() {
    let mut f = Fixture::new();
    let sub = f.file("session-1/subagents");
    fs::create_dir_all(&sub).unwrap();
    fs::write(sub.join("agent-1.jsonl"), line("7", 10, 10)).unwrap();
    fs::write(f.file("notes.txt"), line("8", 10, 10)).unwrap();
    let p = f.poll();
    assert_eq!(
        (p.files, p.responses),
        (1, 1),
        "only .jsonl files are transcripts"
    );
    let b = f
        .store
        .spend_buckets("default", i64::MIN, i64::MAX, 86_400)
        .unwrap();
    // No line names its folder: the transcript folder's name read back.
    assert_eq!(b[0].project, "/home/ana/app");
    let mut sessions = Vec::new();
    f.store
        .each_response("default", i64::MIN, i64::MAX, |r| sessions.push(r.session))
        .unwrap();
    assert_eq!(
        sessions,
        ["session-1"],
        "a subagent's file is its session's"
    );
}

/// The (project, session) of every stored response, sorted.
fn placed(f: &Fixture) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    f.store
        .each_response("default", i64::MIN, i64::MAX, |r| {
            seen.push((r.project, r.session));
        })
        .unwrap();
    seen.sort();
    seen
}

/// A billed line as Claude Code writes it today: with the folder and the session.
fn placed_line(msg: &str, cwd: &str, session: &str) -> String {
    let plain = line(msg, 10, 10);
    plain.replacen(
        r#"{"type""#,
        &format!(r#"{{"cwd":{cwd:?},"sessionId":{session:?},"type""#),
        1,
    )
}

#[test]
fn a_response_belongs_to_the_folder_its_line_names_and_to_its_session() {
    let mut f = Fixture::new();
    f.append("file-name.jsonl", &placed_line("1", "/home/ana/app", "s-1"));
    // A session that moved into a subfolder still belongs to its project.
    f.append(
        "file-name.jsonl",
        &placed_line("2", "/home/ana/app/web", "s-1"),
    );
    // A folder whose name reads back wrong ("my-app" is not "my/app").
    let root = f.dir.path().join("projects");
    fs::create_dir_all(root.join("-home-ana-my-app")).unwrap();
    let named = placed_line("3", "/home/ana/my-app", "s-2");
    fs::write(root.join("-home-ana-my-app/s-2.jsonl"), named).unwrap();
    fs::write(root.join("-home-ana-my-app/s-3.jsonl"), line("4", 1, 1)).unwrap();
    f.poll();
    let seen = placed(&f);
    let expected = [
        ("/home/ana/app", "s-1"),
        ("/home/ana/app", "s-1"),
        ("/home/ana/my-app", "s-2"),
        ("/home/ana/my/app", "s-3"),
    ];
    let seen: Vec<(&str, &str)> = seen.iter().map(|(p, s)| (p.as_str(), s.as_str())).collect();
    assert_eq!(seen, expected);
}

#[test]
fn responses_stored_before_sessions_get_their_session_and_folder() {
    let mut f = Fixture::new();
    f.append("s-1.jsonl", &placed_line("1", "/home/ana/app", "s-1"));
    f.poll();
    // What migration 12 leaves: rows without a session under the folder's name, one of
    // them from a transcript that is gone, and every transcript to be read again.
    let conn = rusqlite::Connection::open(f.dir.path().join("db.sqlite")).unwrap();
    conn.execute_batch(
        "UPDATE requests SET session = '', project = '-home-ana-app';
         INSERT INTO requests (key, account, t, app, model, project, input, output,
            cache_read, cache_write_5m, cache_write_1h, total, cost_usd)
            SELECT key + 1, account, t, app, model, '-home-ana-gone', input, output,
            cache_read, cache_write_5m, cache_write_1h, total, cost_usd FROM requests;
         INSERT INTO meta (key, value) VALUES ('requests_without_session', '1');
         DELETE FROM log_files;",
    )
    .unwrap();
    // A new version runs the migration in a new process.
    f.restart();
    f.poll();
    let seen = placed(&f);
    let seen: Vec<(&str, &str)> = seen.iter().map(|(p, s)| (p.as_str(), s.as_str())).collect();
    assert_eq!(seen, [("/home/ana/app", "s-1"), ("/home/ana/gone", "")]);
    assert_eq!(f.store.meta("requests_without_session").unwrap(), None);
}
