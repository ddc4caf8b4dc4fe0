//! Source `anthropic_admin`: an organisation's API spend from the Admin API.
//!
//! Each poll reads the key (from its variable or private file), then asks two reports
//! when they are due: `cost_report` in daily buckets from the start of the UTC month (or
//! a week back, whichever is earlier) through today, every page; and
//! `usage_report/messages` in hourly buckets over the last day. Every bucket that arrives
//! replaces what the store had for it, so today's figure grows and late corrections land.
//! [`gate`] keeps both reports polite.

pub mod decode;
pub mod key;

use super::gate::{self, Ask, Poll};
use crate::config::AdminConfig;
use crate::http::{Client, Reply};
use crate::secret::Secret;
use crate::store::{Store, StoreError};
use decode::{Page, PageError};
use jiff::tz::TimeZone;

/// The source's name in the config, the snapshot and the store.
pub const NAME: &str = "anthropic_admin";
/// The fact whose time says when the cost report was last read in full.
pub const COST_FACT: &str = "api.cost_report";
/// A report never takes more pages than this in one poll (a server that always says
/// "more" must not keep us asking).
const MAX_PAGES: usize = 20;
/// How many days back the cost report reaches at least, for the daily burn.
const DAYS_BACK: i64 = 7;

/// The source, built once from the config.
pub struct AdminSource {
    account: String,
    config: AdminConfig,
    client: Client,
}

impl AdminSource {
    /// Builds the source for `account`.
    pub fn build(config: &AdminConfig, account: &str) -> AdminSource {
        AdminSource {
            account: account.to_string(),
            config: config.clone(),
            client: Client::new(config.timeout.0),
        }
    }

    /// How long one request may take.
    pub fn timeout(&self) -> std::time::Duration {
        self.client.timeout()
    }

    /// The account its figures are recorded under.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// Asks each report that is due at `now`, noting in `poll` what it did as it goes.
    pub async fn poll(&self, store: &Store, now: i64, poll: &mut Poll) -> Result<(), StoreError> {
        let key = match key::load(&self.config.key) {
            Ok(k) => k,
            Err(e) => {
                poll.errors.push(e.to_string());
                return Ok(());
            }
        };
        let utc = TimeZone::UTC;
        let today = crate::calendar::start_of_day(now, 0, &utc);
        let since = crate::calendar::start_of_month(now, &utc)
            .min(crate::calendar::start_of_day(now, -DAYS_BACK, &utc));
        let until = crate::calendar::start_of_day(now, 1, &utc);
        let mut report = Report {
            source: self,
            store,
            key: &key,
            now,
            poll,
        };
        let days = report
            .fetch(
                "cost_report",
                &range_query(since, until, "1d", "workspace_id", "description", 31),
                decode::cost_page,
                |store, account, bucket| {
                    store.replace_api_costs(account, bucket.start, &bucket.rows)
                },
            )
            .await?;
        if let Some(days) = days {
            let spent: f64 = store
                .api_costs(&self.account, today, until)?
                .iter()
                .map(|(_, c)| c.usd)
                .sum();
            store.set_fact(&self.account, COST_FACT, "read", now, NAME)?;
            report
                .poll
                .read
                .push(format!("{days} days of cost, ${spent:.2} today (UTC)"));
        }
        let hour = now - now.rem_euclid(3600);
        let hours = report
            .fetch(
                "usage_report",
                &range_query(
                    hour - 24 * 3600,
                    hour + 3600,
                    "1h",
                    "model",
                    "workspace_id",
                    48,
                ),
                decode::usage_page,
                |store, account, bucket| {
                    store.replace_api_tokens(account, bucket.start, &bucket.rows)
                },
            )
            .await?;
        if let Some(hours) = hours {
            report.poll.read.push(format!("{hours} hours of tokens"));
        }
        Ok(())
    }
}

/// The query of a report over `[since, until)` in `width` buckets, grouped two ways.
fn range_query(since: i64, until: i64, width: &str, by1: &str, by2: &str, limit: u32) -> String {
    let t = |s: i64| jiff::Timestamp::from_second(s).map_or(String::new(), |t| t.to_string());
    format!(
        "starting_at={}&ending_at={}&bucket_width={width}&group_by%5B%5D={by1}\
         &group_by%5B%5D={by2}&limit={limit}",
        encode(&t(since)),
        encode(&t(until))
    )
}

/// Percent-encodes a query value (everything but the unreserved characters).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One report being read.
struct Report<'a> {
    source: &'a AdminSource,
    store: &'a Store,
    key: &'a Secret,
    now: i64,
    poll: &'a mut Poll,
}

impl Report<'_> {
    /// Reads every page of `/v1/organizations/<path>` when it is due, storing each bucket
    /// as it arrives; the number of buckets stored, or `None` when it was not asked or
    /// failed before storing any.
    async fn fetch<T>(
        &mut self,
        endpoint: &str,
        query: &str,
        decode: fn(&[u8]) -> Result<Page<T>, PageError>,
        save: impl Fn(&Store, &str, &decode::Bucket<T>) -> Result<(), StoreError>,
    ) -> Result<Option<usize>, StoreError> {
        let account = self.source.account.clone();
        let ask = Ask {
            store: self.store,
            account: &account,
            endpoint,
            interval_s: self.source.config.interval.as_secs() as i64,
            now: self.now,
        };
        if !gate::admit(ask, self.poll)? {
            return Ok(None);
        }
        let path = match endpoint {
            "usage_report" => "usage_report/messages",
            other => other,
        };
        let base = format!(
            "{}/v1/organizations/{path}?{query}",
            self.source.config.base_url
        );
        let (mut stored, mut unreadable, mut next) = (0, 0, None::<String>);
        for _ in 0..MAX_PAGES {
            let url = match &next {
                Some(page) => format!("{base}&page={}", encode(page)),
                None => base.clone(),
            };
            let Some(reply) = self.get(ask, &url).await? else {
                return Ok((stored > 0).then_some(stored));
            };
            let page = match decode(&reply.body) {
                Ok(page) => page,
                Err(e) => {
                    self.poll.errors.push(format!("{endpoint}: {e}"));
                    return Ok((stored > 0).then_some(stored));
                }
            };
            for bucket in &page.buckets {
                save(self.store, &account, bucket)?;
            }
            stored += page.buckets.len();
            unreadable += page.unreadable;
            next = page.next_page;
            if next.is_none() {
                break;
            }
        }
        if next.is_some() {
            self.poll
                .errors
                .push(format!("{endpoint}: stopped after {MAX_PAGES} pages"));
        }
        if unreadable > 0 {
            self.poll
                .errors
                .push(format!("{endpoint}: {unreadable} rows could not be read"));
        }
        Ok(Some(stored))
    }

    /// One GET; a 2xx reply, or `None` with the error noted and the backoff recorded.
    async fn get(&mut self, ask: Ask<'_>, url: &str) -> Result<Option<Reply>, StoreError> {
        self.poll.requests += 1;
        let headers = [
            ("x-api-key", self.key.expose()),
            ("anthropic-version", "2023-06-01"),
            ("Accept", "application/json"),
        ];
        let result = self.source.client.get(url, &headers).await;
        let hint = |r: &Reply| {
            let hint = match r.status {
                401 => "the Admin API key was refused",
                403 => "the key is not an Admin API key?",
                _ => "",
            };
            gate::refusal(r, hint)
        };
        let key = self.key.clone();
        gate::settle(ask, self.poll, result, hint, |m| key.redact(m))
    }
}
