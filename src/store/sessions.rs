//! Claude Code sessions as the status line reports them (cost so far, model).

use super::{Store, StoreError};
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Records the latest cost of a session; returns false when nothing changed.
    pub(crate) fn record_session(
        &self,
        account: &str,
        session_id: &str,
        t: i64,
        cost_usd: Option<f64>,
        model: Option<&str>,
    ) -> Result<bool, StoreError> {
        let known: Option<(Option<f64>, Option<String>)> = self
            .conn
            .prepare_cached("SELECT cost_usd, model FROM sessions WHERE session_id = ?1")
            .and_then(|mut s| {
                s.query_row([session_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(self.err("read session"))?;
        if known.as_ref() == Some(&(cost_usd, model.map(str::to_string))) {
            return Ok(false);
        }
        self.conn
            .prepare_cached(
                "INSERT INTO sessions (session_id, account, t, cost_usd, model) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(session_id) DO UPDATE SET t = excluded.t, cost_usd = excluded.cost_usd,
                   model = excluded.model",
            )
            .and_then(|mut s| s.execute(params![session_id, account, t, cost_usd, model]))
            .map_err(self.err("record session"))?;
        Ok(true)
    }
}
