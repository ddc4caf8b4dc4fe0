//! Decoding of the Admin API's reports: pages of time buckets, each with result rows.
//! Unknown fields are ignored; a row without an amount is counted as unreadable, never
//! as 0. Costs arrive in cents, as a decimal string with fractional cents.

use crate::price::{MAX_ROW_TOKENS, Tokens};
use crate::source::json::{NotJson, minor, object, timestamp};
use crate::store::{ApiCost, ApiTokens};
use serde_json::{Map, Value};

/// The workspace name of rows whose `workspace_id` is null.
pub const DEFAULT_WORKSPACE: &str = "default";

/// One page of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// Whole buckets, in the order sent.
    pub buckets: Vec<Bucket<T>>,
    /// The token for the next page, when there is one.
    pub next_page: Option<String>,
    /// Rows that could not be read (no amount, another currency, wrong types).
    pub unreadable: usize,
}

/// One time bucket of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket<T> {
    /// Its start, unix seconds.
    pub start: i64,
    /// Its rows, one per (model, workspace).
    pub rows: Vec<T>,
}

/// Why a page could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// Not JSON, or HTML.
    #[error(transparent)]
    NotJson(#[from] NotJson),
    /// No `data` list.
    #[error("the answer has no `data` list")]
    NoData,
    /// `has_more` without a `next_page`.
    #[error("the answer says it has more pages but gives no `next_page`")]
    NoNextPage,
}

/// Decodes a page of `/v1/organizations/cost_report`.
pub(crate) fn cost_page(body: &[u8]) -> Result<Page<ApiCost>, PageError> {
    page(body, cost_row)
}

/// Decodes a page of `/v1/organizations/usage_report/messages`.
pub(crate) fn usage_page(body: &[u8]) -> Result<Page<ApiTokens>, PageError> {
    page(body, usage_row)
}

fn page<T: Merge>(
    body: &[u8],
    row: fn(&Map<String, Value>) -> Option<T>,
) -> Result<Page<T>, PageError> {
    let top = object(body)?;
    let data = top
        .get("data")
        .and_then(Value::as_array)
        .ok_or(PageError::NoData)?;
    let mut unreadable = 0;
    let mut buckets = Vec::with_capacity(data.len());
    for b in data {
        let Some(start) = timestamp(b.get("starting_at")) else {
            unreadable += 1;
            continue;
        };
        let mut rows: Vec<T> = Vec::new();
        let results = b.get("results").and_then(Value::as_array);
        for r in results.into_iter().flatten() {
            match r.as_object().and_then(row) {
                Some(new) => match rows.iter_mut().find(|old| old.same_key(&new)) {
                    Some(old) => old.merge(&new),
                    None => rows.push(new),
                },
                None => unreadable += 1,
            }
        }
        buckets.push(Bucket { start, rows });
    }
    let more = top.get("has_more").and_then(Value::as_bool) == Some(true);
    let next_page = top
        .get("next_page")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    if more && next_page.is_none() {
        return Err(PageError::NoNextPage);
    }
    Ok(Page {
        buckets,
        next_page: next_page.filter(|_| more),
        unreadable,
    })
}

/// Rows of the same (model, workspace) in a bucket add up.
trait Merge {
    fn same_key(&self, other: &Self) -> bool;
    fn merge(&mut self, other: &Self);
}

impl Merge for ApiCost {
    fn same_key(&self, o: &Self) -> bool {
        self.model == o.model && self.workspace == o.workspace
    }
    fn merge(&mut self, o: &Self) {
        self.usd += o.usd;
    }
}

impl Merge for ApiTokens {
    fn same_key(&self, o: &Self) -> bool {
        self.model == o.model && self.workspace == o.workspace
    }
    fn merge(&mut self, o: &Self) {
        self.tokens += o.tokens;
        self.web_searches += o.web_searches;
    }
}

fn workspace(r: &Map<String, Value>) -> String {
    r.get("workspace_id")
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_WORKSPACE)
        .to_string()
}

/// A cost row: USD only (the API reports in USD), amount in cents.
fn cost_row(r: &Map<String, Value>) -> Option<ApiCost> {
    let currency = r.get("currency").and_then(Value::as_str).unwrap_or("USD");
    if !currency.eq_ignore_ascii_case("USD") {
        return None;
    }
    let usd = minor(r.get("amount"), 100.0)?;
    let model = r
        .get("model")
        .and_then(Value::as_str)
        .or_else(|| r.get("cost_type").and_then(Value::as_str))
        .unwrap_or("other");
    Some(ApiCost {
        model: model.to_string(),
        workspace: workspace(r),
        usd,
    })
}

/// A usage row; cache writes are only in the `cache_creation` object.
fn usage_row(r: &Map<String, Value>) -> Option<ApiTokens> {
    let count = |v: Option<&Value>| v.and_then(Value::as_u64);
    let cache = r.get("cache_creation");
    let tokens = ApiTokens {
        model: r.get("model").and_then(Value::as_str)?.to_string(),
        workspace: workspace(r),
        tokens: Tokens {
            input: count(r.get("uncached_input_tokens"))?,
            output: count(r.get("output_tokens"))?,
            cache_read: count(r.get("cache_read_input_tokens")).unwrap_or(0),
            cache_write_5m: count(cache.and_then(|c| c.get("ephemeral_5m_input_tokens")))
                .unwrap_or(0),
            cache_write_1h: count(cache.and_then(|c| c.get("ephemeral_1h_input_tokens")))
                .unwrap_or(0),
        },
        web_searches: count(
            r.get("server_tool_use")
                .and_then(|s| s.get("web_search_requests")),
        )
        .unwrap_or(0),
    };
    // A count past any organisation's day is a corrupt row: refused, never summed.
    (tokens.tokens.largest() <= MAX_ROW_TOKENS).then_some(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::read(root.join("tests/fixtures/anthropic").join(name)).unwrap()
    }

    fn day_total(b: &Bucket<ApiCost>) -> f64 {
        b.rows.iter().map(|r| r.usd).sum()
    }

    #[test]
    fn the_cost_pages_give_the_known_day_totals() {
        let p1 = cost_page(&fixture("admin_cost_report.page1.json")).unwrap();
        assert_eq!(
            p1.next_page.as_deref(),
            Some("page_MjAyNi0xMS0yMFQwMDowMDowMFo=")
        );
        assert_eq!(p1.unreadable, 0);
        assert_eq!(p1.buckets.len(), 2);
        assert_eq!(p1.buckets[0].start, 1_794_960_000); // 2026-11-18T00:00:00Z
        assert!((day_total(&p1.buckets[0]) - 17.033).abs() < 1e-9);
        assert!((day_total(&p1.buckets[1]) - 20.051_234_5).abs() < 1e-9);
        assert_eq!(
            p1.buckets[0].rows.len(),
            1,
            "input and output of one model merge"
        );
        assert_eq!(p1.buckets[1].rows[0].workspace, "wrkspc_01AbCdEf");
        let p2 = cost_page(&fixture("admin_cost_report.page2.json")).unwrap();
        assert_eq!(p2.next_page, None);
        assert!((day_total(&p2.buckets[0]) - 8.833).abs() < 1e-9);
        let models: Vec<_> = p2.buckets[0]
            .rows
            .iter()
            .map(|r| r.model.as_str())
            .collect();
        assert_eq!(models, ["web_search", "claude-haiku-4-5"]);
    }

    #[test]
    fn usage_reads_cache_writes_from_cache_creation() {
        let p = usage_page(&fixture("admin_usage_messages.json")).unwrap();
        let row = &p.buckets[0].rows[0];
        assert_eq!(row.tokens.input, 18_250);
        assert_eq!(row.tokens.cache_write_5m, 40_210);
        assert_eq!(row.tokens.cache_read, 512_300);
        assert_eq!(row.tokens.output, 22_140);
        assert_eq!(row.web_searches, 3);
        assert_eq!(row.workspace, DEFAULT_WORKSPACE);
    }

    #[test]
    fn unreadable_rows_are_counted_not_zero() {
        let body = br#"{"data":[{"starting_at":"2026-11-18T00:00:00Z","results":[
            {"amount":"100","currency":"USD","model":"m"},
            {"amount":null,"model":"m"},
            {"amount":"5","currency":"EUR","model":"m"},
            {"amount":{"x":1},"model":"m"}]}],"has_more":false,"next_page":null}"#;
        let p = cost_page(body).unwrap();
        assert_eq!(p.unreadable, 3);
        assert_eq!(
            p.buckets[0].rows,
            [ApiCost {
                model: "m".into(),
                workspace: "default".into(),
                usd: 1.0
            }]
        );
    }

    #[test]
    fn broken_pages_are_errors() {
        assert_eq!(
            cost_page(b"<html>oops</html>").unwrap_err().to_string(),
            "the answer is not a JSON object (it is HTML)"
        );
        assert_eq!(
            cost_page(br#"{"data":"#).unwrap_err(),
            PageError::NotJson(NotJson(""))
        );
        assert_eq!(cost_page(br#"{"data":{}}"#).unwrap_err(), PageError::NoData);
        assert_eq!(
            cost_page(br#"{"data":[],"has_more":true}"#).unwrap_err(),
            PageError::NoNextPage
        );
    }
}
