//! The Alertmanager notifier: each notification is one alert posted to `/api/v2/alerts` of
//! every configured instance (a cluster shares what any one of them is told).
//!
//! Labels say which alert it is: `alertname` (the rule), `key`, `account`, `severity`,
//! `instance` (this machine, left out for an account's alert so that several machines'
//! copies merge) and the configured ones. Annotations carry the title, the text and the
//! pool figures. `startsAt` and `endsAt` come from the row's [`Lasting`]: the alert pass
//! re-arms a firing alert's row every `resend` with its end ahead, and sends its real end
//! once it stops.

use super::Failure;
use crate::config::AlertmanagerConfig;
use crate::store::{Lasting, OutboxRow};
use crate::team_server::{Poster, Refusal};
use crate::vocab::Scope;
use serde_json::{Map, Value, json};

/// How long a notice (not an alert's, such as `notify test`) lasts in Alertmanager.
const NOTICE_LASTS_S: i64 = 3600;

/// A configured Alertmanager (or cluster).
pub struct Alertmanager {
    config: AlertmanagerConfig,
    poster: Poster,
    /// This machine's name, the `instance` label.
    instance: String,
}

impl Alertmanager {
    /// Builds the notifier once, at start or reload.
    pub fn build(config: &AlertmanagerConfig) -> Alertmanager {
        Alertmanager {
            poster: Poster::build(&config.target),
            config: config.clone(),
            instance: crate::paths::host_name(),
        }
    }

    /// Posts one alert to every instance; delivered when at least one took it (the
    /// cluster passes it on). When none did: refused credentials if any refused them,
    /// else worth retrying if any failure was, else permanent.
    pub async fn deliver(&self, row: &OutboxRow) -> Result<(), Failure> {
        let auth = self.poster.authorization().map_err(failure)?;
        let body = serde_json::to_vec(&json!([self.alert(row)]))
            .map_err(|e| Failure::Permanent(format!("cannot encode the alert: {e}")))?;
        let (auth, body) = (&auth, &body);
        let posts = self.config.urls.iter().map(|url| async move {
            let endpoint = format!("{url}/api/v2/alerts");
            let posted = self.poster.post(
                &endpoint,
                auth.as_ref(),
                "application/json",
                &[],
                body.clone(),
            );
            posted.await.map_err(failure)
        });
        let outcomes = futures_util::future::join_all(posts).await;
        if outcomes.iter().any(Result::is_ok) {
            for e in outcomes.iter().filter_map(|o| o.as_ref().err()) {
                tracing::warn!(error = %e.said(), "one Alertmanager did not take the alert");
            }
            return Ok(());
        }
        let said: Vec<String> = outcomes
            .iter()
            .filter_map(|o| o.as_ref().err().map(Failure::said))
            .collect();
        let said = said.join("; ");
        let any = |f: fn(&Failure) -> bool| outcomes.iter().any(|o| o.as_ref().is_err_and(f));
        Err(if any(|f| matches!(f, Failure::Refused(_))) {
            Failure::Refused(said)
        } else if any(|f| matches!(f, Failure::Transient(_))) {
            Failure::Transient(said)
        } else {
            Failure::Permanent(said)
        })
    }

    /// The alert as Alertmanager's API takes it.
    pub fn alert(&self, row: &OutboxRow) -> Value {
        let lasting = row.lasting.clone().unwrap_or_else(|| Lasting {
            account: String::new(),
            scope: Scope::Machine,
            starts_at: row.created_at,
            ends_at: row.created_at + NOTICE_LASTS_S,
        });
        let mut labels = Map::new();
        labels.insert("alertname".into(), row.rule.clone().into());
        for (name, value) in [("key", &row.key), ("account", &lasting.account)] {
            if !value.is_empty() {
                labels.insert(name.into(), value.clone().into());
            }
        }
        labels.insert("severity".into(), row.severity.as_str().into());
        if lasting.scope == Scope::Machine {
            labels.insert("instance".into(), self.instance.clone().into());
        }
        for (name, value) in &self.config.labels {
            labels.insert(name.clone(), value.clone().into());
        }
        json!({
            "labels": labels,
            "annotations": annotations(row),
            "startsAt": rfc3339(lasting.starts_at),
            "endsAt": rfc3339(lasting.ends_at),
        })
    }
}

/// A refused POST as a delivery failure: refused credentials turn the channel off until
/// the config is reloaded.
fn failure(refusal: Refusal) -> Failure {
    match refusal {
        Refusal::Credentials(e) => Failure::Refused(e),
        Refusal::Later(e) => Failure::Transient(e),
        Refusal::Content(e) => Failure::Permanent(e),
    }
}

/// The title, the text, and each pool figure (`credits_balance_usd`, times as RFC 3339).
fn annotations(row: &OutboxRow) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("summary".into(), row.title.clone().into());
    if !row.body.is_empty() {
        out.insert("description".into(), row.body.clone().into());
    }
    flatten("", &row.figures, &mut out);
    out.remove("now");
    out
}

/// Writes each leaf of `value` as a string under its path joined by `_`.
fn flatten(path: &str, value: &Value, out: &mut Map<String, Value>) {
    match value {
        Value::Object(fields) => {
            for (k, v) in fields {
                let name = match path {
                    "" => k.clone(),
                    _ => format!("{path}_{k}"),
                };
                flatten(&name, v, out);
            }
        }
        Value::Null => {}
        Value::String(s) => {
            out.insert(path.into(), s.clone().into());
        }
        Value::Number(n) if path.ends_with("_at") => {
            let text = n.as_i64().map_or(n.to_string(), rfc3339);
            out.insert(path.into(), text.into());
        }
        other => {
            out.insert(path.into(), other.to_string().into());
        }
    }
}

/// Unix seconds as Alertmanager reads them.
fn rfc3339(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map_or_else(|_| "1970-01-01T00:00:00Z".into(), |ts| ts.to_string())
}
