//! The webhook notifier: one JSON POST per notification, with headers read from the
//! environment at send time. The body works for ntfy's JSON publishing (`topic`, `title`,
//! `message`, `priority`, `tags`) and carries creditwatch's own fields beside them.

use super::Failure;
use crate::config::WebhookConfig;
use crate::http::{Client, HttpError};
use crate::secret::Secret;
use crate::store::OutboxRow;
use crate::vocab::Severity;
use serde_json::{Value, json};

/// A configured webhook.
pub struct Webhook {
    config: WebhookConfig,
    client: Client,
}

impl Webhook {
    /// Builds the notifier once, at start or reload.
    pub fn build(config: &WebhookConfig) -> Webhook {
        Webhook {
            client: Client::new(config.timeout.0),
            config: config.clone(),
        }
    }

    /// POSTs one notification. 5xx, 429 and network errors are transient, 401 and 403
    /// refused credentials, other 4xx permanent.
    pub async fn deliver(&self, row: &OutboxRow) -> Result<(), Failure> {
        let headers = self.headers()?;
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.expose()))
            .collect();
        let redact = |text: &str| {
            headers
                .iter()
                .fold(text.to_string(), |t, (_, v)| v.redact(&t))
        };
        let reply = self
            .client
            .post_json(
                &self.config.url,
                &pairs,
                &payload(row, self.config.topic.as_deref()),
            )
            .await
            .map_err(|e: HttpError| Failure::Transient(redact(&e.to_string())))?;
        let status = reply.status;
        let said = String::from_utf8_lossy(&reply.body);
        let said = redact(crate::format::truncate(said.trim(), 200));
        match status {
            200..=299 => Ok(()),
            401 | 403 => Err(Failure::Refused(format!("HTTP {status}: {said}"))),
            429 | 500..=599 => Err(Failure::Transient(format!("HTTP {status}: {said}"))),
            _ => Err(Failure::Permanent(format!("HTTP {status}: {said}"))),
        }
    }

    fn headers(&self) -> Result<Vec<(String, Secret)>, Failure> {
        let from_env = self.config.headers_env.iter().map(|(name, var)| {
            match std::env::var(var) {
                // A line break would end the header and start one the variable chose.
                Ok(v) if v.contains(['\r', '\n', '\0']) => Err(Failure::Refused(format!(
                    "header {name}: environment variable {var} holds a line break; \
                     a header value is one line"
                ))),
                Ok(v) if !v.is_empty() => Ok((name.clone(), Secret::new(v))),
                _ => Err(Failure::Refused(format!(
                    "header {name}: environment variable {var} is not set"
                ))),
            }
        });
        let from_file = self.config.headers_file.iter().map(|(name, path)| {
            let value = crate::secret::SecretRef::File(path.clone())
                .load("webhook header")
                .map_err(|e| Failure::Refused(format!("header {name}: {e}")))?;
            match value.expose().contains(['\r', '\n', '\0']) {
                true => Err(Failure::Refused(format!(
                    "header {name}: {} holds a line break; a header value is one line",
                    path.display()
                ))),
                false => Ok((name.clone(), value)),
            }
        });
        from_env.chain(from_file).collect()
    }
}

/// The JSON body of one notification.
pub fn payload(row: &OutboxRow, topic: Option<&str>) -> Value {
    let priority = match row.severity {
        Severity::Critical => 5,
        Severity::Warning => 4,
        Severity::Info => 3,
    };
    let mut body = json!({
        "title": row.title,
        "message": if row.body.is_empty() { row.title.clone() } else { row.body.clone() },
        "priority": priority,
        "tags": ["creditwatch", row.severity],
        "body": row.body,
        "severity": row.severity,
        "rule": row.rule,
        "key": row.key,
        "transition": row.transition,
        "id": row.idempotency_key,
        "created_at": row.created_at,
        "figures": row.figures,
    });
    if let Some(topic) = topic {
        body["topic"] = Value::String(topic.to_string());
    }
    body
}
