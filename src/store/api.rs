//! The Admin API's reports as stored: cost per UTC day and tokens per hour, each split by
//! model and workspace. A report replaces every bucket it covers, so the day in progress
//! and late corrections always show the latest figures.

use super::{Store, StoreError};
use crate::price::Tokens;
use rusqlite::params;

/// What one model in one workspace cost in one bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCost {
    /// The model, or the kind of cost when it has none (`web_search`, ...).
    pub model: String,
    /// The workspace id; `default` for the organisation's default workspace.
    pub workspace: String,
    /// The cost in USD.
    pub usd: f64,
}

/// The tokens one model used in one workspace in one bucket.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiTokens {
    /// The model.
    pub model: String,
    /// The workspace id; `default` for the organisation's default workspace.
    pub workspace: String,
    /// Its tokens.
    pub tokens: Tokens,
    /// Server-side web searches.
    pub web_searches: u64,
}

impl Store {
    /// Replaces the costs of the UTC day starting at `day` with `rows`.
    pub(crate) fn replace_api_costs(
        &self,
        account: &str,
        day: i64,
        rows: &[ApiCost],
    ) -> Result<(), StoreError> {
        self.atomically(|store| {
            store
                .conn
                .prepare_cached("DELETE FROM api_costs WHERE account = ?1 AND day = ?2")
                .and_then(|mut s| s.execute(params![account, day]))
                .map_err(store.err("clear api costs"))?;
            let mut insert = store
                .conn
                .prepare_cached(
                    "INSERT INTO api_costs (account, day, model, workspace, cost_usd)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT DO UPDATE SET cost_usd = cost_usd + excluded.cost_usd",
                )
                .map_err(store.err("record api cost"))?;
            for r in rows {
                insert
                    .execute(params![account, day, r.model, r.workspace, r.usd])
                    .map_err(store.err("record api cost"))?;
            }
            Ok(())
        })
    }

    /// The costs of the days starting in `since..until`, with their day.
    pub(crate) fn api_costs(
        &self,
        account: &str,
        since: i64,
        until: i64,
    ) -> Result<Vec<(i64, ApiCost)>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT day, model, workspace, cost_usd FROM api_costs
                 WHERE account = ?1 AND day >= ?2 AND day < ?3 ORDER BY day",
            )
            .and_then(|mut s| {
                s.query_map(params![account, since, until], |r| {
                    Ok((
                        r.get(0)?,
                        ApiCost {
                            model: r.get(1)?,
                            workspace: r.get(2)?,
                            usd: r.get(3)?,
                        },
                    ))
                })?
                .collect()
            })
            .map_err(self.err("read api costs"))
    }

    /// Replaces the tokens of the hour starting at `hour` with `rows`.
    pub(crate) fn replace_api_tokens(
        &self,
        account: &str,
        hour: i64,
        rows: &[ApiTokens],
    ) -> Result<(), StoreError> {
        self.atomically(|store| {
            store
                .conn
                .prepare_cached("DELETE FROM api_tokens WHERE account = ?1 AND hour = ?2")
                .and_then(|mut s| s.execute(params![account, hour]))
                .map_err(store.err("clear api tokens"))?;
            let mut insert = store
                .conn
                .prepare_cached(
                    "INSERT INTO api_tokens (account, hour, model, workspace, input, output,
                       cache_read, cache_write_5m, cache_write_1h, web_searches)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                     ON CONFLICT DO UPDATE SET input = input + excluded.input,
                       output = output + excluded.output,
                       cache_read = cache_read + excluded.cache_read,
                       cache_write_5m = cache_write_5m + excluded.cache_write_5m,
                       cache_write_1h = cache_write_1h + excluded.cache_write_1h,
                       web_searches = web_searches + excluded.web_searches",
                )
                .map_err(store.err("record api tokens"))?;
            for r in rows {
                insert
                    .execute(params![
                        account,
                        hour,
                        r.model,
                        r.workspace,
                        r.tokens.input as i64,
                        r.tokens.output as i64,
                        r.tokens.cache_read as i64,
                        r.tokens.cache_write_5m as i64,
                        r.tokens.cache_write_1h as i64,
                        r.web_searches as i64
                    ])
                    .map_err(store.err("record api tokens"))?;
            }
            Ok(())
        })
    }

    /// The tokens of the hours starting in `since..until`.
    pub(crate) fn api_tokens(
        &self,
        account: &str,
        since: i64,
        until: i64,
    ) -> Result<Vec<ApiTokens>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT model, workspace, input, output, cache_read, cache_write_5m,
                   cache_write_1h, web_searches FROM api_tokens
                 WHERE account = ?1 AND hour >= ?2 AND hour < ?3",
            )
            .and_then(|mut s| {
                s.query_map(params![account, since, until], |r| {
                    Ok(ApiTokens {
                        model: r.get(0)?,
                        workspace: r.get(1)?,
                        tokens: super::spend::tokens_at(r, 2)?,
                        web_searches: r.get::<_, i64>(7)?.max(0) as u64,
                    })
                })?
                .collect()
            })
            .map_err(self.err("read api tokens"))
    }
}
