//! Claude Code API responses, one row each: writing them (the dedupe table) and repricing
//! them; reading spend back is [`super::spend`]'s.

use super::{FileState, Store, StoreError};
use crate::price::{PriceTable, Tokens};
use rusqlite::params;

/// One API response as ingested from a transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRow<'a> {
    /// The dedupe key (see `source::claude_code_logs::key`).
    pub key: i64,
    /// The key an older version stored the same response under, when such a row may
    /// exist: it is moved to `key` (see [`rank`]) before this row is written.
    pub legacy_key: Option<i64>,
    /// Whether this copy was written in a sidechain (`isSidechain`), where a parent's
    /// message can be replayed: the parent's copy wins over it.
    pub sidechain: bool,
    /// The account whose transcripts it came from.
    pub account: &'a str,
    /// When it was answered, unix seconds.
    pub t: i64,
    /// The app that made it (`claude-code`, `claude-desktop`, ...).
    pub app: &'a str,
    /// The base model id.
    pub model: &'a str,
    /// The project folder it belongs to.
    pub project: &'a str,
    /// The Claude Code session it belongs to.
    pub session: &'a str,
    /// Its token counts.
    pub tokens: Tokens,
    /// What it cost in USD; `None` when the model is not priced.
    pub cost_usd: Option<f64>,
}

/// Which copy of a response is kept: a copy outside a sidechain over a sidechain's replay,
/// then the copy with more tokens. The higher rank wins.
pub fn rank(sidechain: bool, total: u64) -> u64 {
    (u64::from(!sidechain) << 62) | total.min((1 << 62) - 1)
}

/// [`rank`] in SQL: whether `excluded` wins over the stored row.
const WINS: &str = "excluded.sidechain < requests.sidechain
      OR (excluded.sidechain = requests.sidechain AND excluded.total > requests.total)";

/// Every column of a row but its key.
const COLUMNS: &[&str] = &[
    "account",
    "t",
    "app",
    "model",
    "project",
    "input",
    "output",
    "cache_read",
    "cache_write_5m",
    "cache_write_1h",
    "total",
    "cost_usd",
    "sidechain",
    "session",
];

/// A row stored before migration 12 has no session: the next copy read gives it its
/// session and project folder, though it does not win otherwise.
const UNPLACED: &str = "requests.session = ''";

/// Sets each column from `excluded` when it wins; the session and project also when the
/// stored row has no session.
fn set_winning() -> String {
    let set: Vec<String> = COLUMNS
        .iter()
        .map(|c| {
            let when = match *c {
                "project" | "session" => format!("({WINS}) OR {UNPLACED}"),
                _ => format!("({WINS})"),
            };
            format!("{c} = CASE WHEN {when} THEN excluded.{c} ELSE requests.{c} END")
        })
        .collect();
    format!(
        "ON CONFLICT(key) DO UPDATE SET {} WHERE ({WINS}) OR {UNPLACED}",
        set.join(", ")
    )
}

/// Writes a row, unless the stored copy ranks higher.
static UPSERT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO requests (key, {}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) {}",
        COLUMNS.join(", "),
        set_winning()
    )
});

/// Moves a row from its old key to its new one (taking the sidechain mark of the copy it
/// was read from); the copy of higher [`rank`] wins.
static MOVE_LEGACY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let taken: Vec<&str> = COLUMNS
        .iter()
        .map(|&c| if c == "sidechain" { "?3" } else { c })
        .collect();
    format!(
        "INSERT INTO requests (key, {}) SELECT ?1, {} FROM requests WHERE key = ?2 {}",
        COLUMNS.join(", "),
        taken.join(", "),
        set_winning()
    )
});

/// One ingestion transaction: responses and the file offsets they were read up to are
/// committed together or not at all. Dropping it without [`RequestWriter::commit`] rolls
/// back everything since the last checkpoint.
///
/// Responses are buffered and written in key order (only the copy of highest [`rank`])
/// when the buffer fills and before every commit, inside the same transaction: sorted
/// keys touch the dedupe index's pages in order instead of at random.
pub struct RequestWriter<'a> {
    store: &'a Store,
    open: bool,
    pending: Vec<OwnedRow>,
    names: Names,
}

/// Accounts, apps, models and projects repeat on nearly every row: buffered rows hold
/// an index into one copy of each instead of their own strings.
#[derive(Default)]
struct Names {
    index: std::collections::HashMap<Box<str>, u32>,
    all: Vec<Box<str>>,
}

impl Names {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.all.len() as u32;
        self.all.push(name.into());
        self.index.insert(name.into(), i);
        i
    }

    fn get(&self, i: u32) -> &str {
        &self.all[i as usize]
    }
}

/// The old keys of the buffered responses that may have rows under them, by new key
/// (each copy read may carry another: a sidechain replay has its own requestId).
fn legacy_keys(pending: &[OwnedRow]) -> std::collections::HashMap<i64, Vec<(i64, bool)>> {
    let mut by_key: std::collections::HashMap<i64, Vec<(i64, bool)>> =
        std::collections::HashMap::default();
    for r in pending {
        if let Some(old) = r.legacy_key {
            let olds = by_key.entry(r.key).or_default();
            if !olds.iter().any(|&(o, _)| o == old) {
                olds.push((old, r.sidechain));
            }
        }
    }
    by_key
}

/// Responses buffered before they are written.
const PENDING_ROWS: usize = 50_000;

/// A buffered response; names are indices into [`Names`].
struct OwnedRow {
    key: i64,
    legacy_key: Option<i64>,
    sidechain: bool,
    account: u32,
    t: i64,
    app: u32,
    model: u32,
    project: u32,
    session: u32,
    tokens: Tokens,
    cost_usd: Option<f64>,
}

impl RequestWriter<'_> {
    /// Records a response; a copy already stored with at least as many tokens wins.
    pub fn upsert(&mut self, row: &RequestRow<'_>) -> Result<(), StoreError> {
        let owned = OwnedRow {
            key: row.key,
            legacy_key: row.legacy_key,
            sidechain: row.sidechain,
            account: self.names.intern(row.account),
            t: row.t,
            app: self.names.intern(row.app),
            model: self.names.intern(row.model),
            project: self.names.intern(row.project),
            session: self.names.intern(row.session),
            tokens: row.tokens,
            cost_usd: row.cost_usd,
        };
        self.pending.push(owned);
        if self.pending.len() >= PENDING_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered responses in key order, only the copy of highest rank of each.
    fn flush(&mut self) -> Result<(), StoreError> {
        let mut pending = std::mem::take(&mut self.pending);
        // Sorting small (key, most tokens first, position) triples rather than the rows;
        // the position keeps the first copy read among equal ones, as the store does.
        let mut order: Vec<(i64, std::cmp::Reverse<u64>, u32)> = pending
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let rank = rank(r.sidechain, r.tokens.total());
                (r.key, std::cmp::Reverse(rank), i as u32)
            })
            .collect();
        order.sort_unstable();
        order.dedup_by_key(|o| o.0);
        let legacy = legacy_keys(&pending);
        let mut stmt = self
            .store
            .conn
            .prepare_cached(&UPSERT)
            .map_err(self.err())?;
        for &(_, _, i) in &order {
            let row = &pending[i as usize];
            for &(old, sidechain) in legacy.get(&row.key).into_iter().flatten() {
                self.move_legacy(row.key, old, sidechain)?;
            }
            let t = &row.tokens;
            let name = |i| self.names.get(i);
            stmt.execute(params![
                row.key,
                name(row.account),
                row.t,
                name(row.app),
                name(row.model),
                name(row.project),
                t.input as i64,
                t.output as i64,
                t.cache_read as i64,
                t.cache_write_5m as i64,
                t.cache_write_1h as i64,
                t.total() as i64,
                row.cost_usd,
                row.sidechain,
                name(row.session),
            ])
            .map_err(self.err())?;
        }
        pending.clear();
        self.pending = pending;
        Ok(())
    }

    /// Moves the row stored under `legacy` (if any) to `key`.
    fn move_legacy(&self, key: i64, legacy: i64, sidechain: bool) -> Result<(), StoreError> {
        let conn = &self.store.conn;
        conn.prepare_cached(&MOVE_LEGACY)
            .and_then(|mut s| s.execute(params![key, legacy, sidechain]))
            .and_then(|_| conn.prepare_cached("DELETE FROM requests WHERE key = ?1"))
            .and_then(|mut s| s.execute([legacy]))
            .map(|_| ())
            .map_err(self.err())
    }

    /// Records how far a transcript has been read.
    pub(crate) fn save_file(&self, path: &str, state: &FileState) -> Result<(), StoreError> {
        super::logfiles::save(&self.store.conn, path, state).map_err(self.err())
    }

    /// Forgets a transcript that no longer exists (its responses stay).
    pub(crate) fn forget_file(&self, path: &str) -> Result<(), StoreError> {
        super::logfiles::forget(&self.store.conn, path).map_err(self.err())
    }

    /// Makes everything written so far durable and carries on in a new transaction.
    pub(crate) fn checkpoint(&mut self) -> Result<(), StoreError> {
        self.flush()?;
        self.end("COMMIT")?;
        self.store
            .conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(self.store.err("begin ingestion"))?;
        self.open = true;
        Ok(())
    }

    /// Makes everything written so far durable.
    pub fn commit(mut self) -> Result<(), StoreError> {
        self.flush()?;
        self.end("COMMIT")
    }

    fn end(&mut self, how: &str) -> Result<(), StoreError> {
        self.open = false;
        self.store
            .conn
            .execute_batch(how)
            .map_err(self.store.err("commit ingestion"))
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        self.store.err("ingest responses")
    }
}

impl Drop for RequestWriter<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the caller already has the error that stopped it.
            let _ = self.end("ROLLBACK");
        }
    }
}

impl Store {
    /// Starts an ingestion transaction.
    pub fn writer(&self) -> Result<RequestWriter<'_>, StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(self.err("begin ingestion"))?;
        Ok(RequestWriter {
            store: self,
            open: true,
            pending: Vec::new(),
            names: Names::default(),
        })
    }

    /// Recomputes every stored cost when the price table changed since the last call.
    /// Returns how many responses were repriced.
    pub(crate) fn reprice(&mut self, prices: &PriceTable) -> Result<usize, StoreError> {
        let fingerprint = prices.fingerprint();
        if self.meta("prices")?.as_deref() == Some(fingerprint.as_str()) {
            return Ok(0);
        }
        let path = self.path.clone();
        let err = |source| StoreError::Query {
            path: path.clone(),
            what: "reprice responses",
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let mut changed = 0;
        {
            let mut read = tx
                .prepare("SELECT key, model, input, output, cache_read, cache_write_5m, cache_write_1h, cost_usd FROM requests")
                .map_err(err)?;
            let mut write = tx
                .prepare("UPDATE requests SET cost_usd = ?2 WHERE key = ?1")
                .map_err(err)?;
            let mut rows = read.query([]).map_err(err)?;
            while let Some(r) = rows.next().map_err(err)? {
                let key: i64 = r.get(0).map_err(err)?;
                let model: String = r.get(1).map_err(err)?;
                let tokens = super::spend::tokens_at(r, 2).map_err(err)?;
                let old: Option<f64> = r.get(7).map_err(err)?;
                let new = prices.cost(&model, &tokens);
                if new != old {
                    write.execute(params![key, new]).map_err(err)?;
                    changed += 1;
                }
            }
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('prices', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [&fingerprint],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(changed)
    }
}
