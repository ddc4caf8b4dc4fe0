//! Stored responses one by one, for reports that group them in ways buckets cannot
//! (sessions, 5-hour blocks), and the renaming of projects stored before migration 12.

use super::{Store, StoreError};
use crate::price::Tokens;
use rusqlite::params;

/// One stored response, as a report reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// When it was answered, unix seconds.
    pub t: i64,
    /// The app.
    pub app: String,
    /// The base model id.
    pub model: String,
    /// The project folder.
    pub project: String,
    /// The Claude Code session (empty for a response stored before sessions were kept
    /// whose transcript is gone).
    pub session: String,
    /// Its tokens.
    pub tokens: Tokens,
    /// What it cost; `None` when its model is not priced.
    pub cost_usd: Option<f64>,
}

impl Store {
    /// Calls `each` with every response of `account` in `since <= t <= until`, oldest first.
    pub(crate) fn each_response(
        &self,
        account: &str,
        since: i64,
        until: i64,
        mut each: impl FnMut(Response),
    ) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t, app, model, project, session, input, output, cache_read,
                        cache_write_5m, cache_write_1h, cost_usd
                 FROM requests WHERE account = ?1 AND t >= ?2 AND t <= ?3 ORDER BY t",
            )
            .map_err(self.err("read responses"))?;
        let mut rows = stmt
            .query(params![account, since, until])
            .map_err(self.err("read responses"))?;
        while let Some(r) = rows.next().map_err(self.err("read responses"))? {
            each(read(r).map_err(self.err("read responses"))?);
        }
        Ok(())
    }

    /// The projects of responses that have no session.
    pub(crate) fn projects_without_session(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT project FROM requests WHERE session = ''")
            .map_err(self.err("read old projects"))?;
        let rows = stmt
            .query_map([], |r| r.get(0))
            .map_err(self.err("read old projects"))?;
        rows.collect::<Result<_, _>>()
            .map_err(self.err("read old projects"))
    }

    /// Renames the projects of responses without a session, (old, new) pairs, and removes
    /// the meta key `done` in the same transaction, so the renaming happens once.
    pub(crate) fn rename_projects_without_session(
        &self,
        renamed: &[(String, String)],
        done: &str,
    ) -> Result<(), StoreError> {
        self.atomically(|store| {
            let err = store.err("rename old projects");
            for (old, new) in renamed {
                store
                    .conn
                    .execute(
                        "UPDATE requests SET project = ?2 WHERE session = '' AND project = ?1",
                        [old, new],
                    )
                    .map_err(&err)?;
            }
            store
                .conn
                .execute("DELETE FROM meta WHERE key = ?1", [done])
                .map_err(&err)?;
            Ok(())
        })
    }
}

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Response> {
    Ok(Response {
        t: r.get(0)?,
        app: r.get(1)?,
        model: r.get(2)?,
        project: r.get(3)?,
        session: r.get(4)?,
        tokens: super::spend::tokens_at(r, 5)?,
        cost_usd: r.get(10)?,
    })
}
