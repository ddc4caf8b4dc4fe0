//! One POST to a team's server (an Alertmanager, a remote-write receiver): the target's
//! client (with its CA) made once, its credentials read at send time, the answer sorted the
//! same way for every push channel, and the credentials redacted from every message.

use crate::config::PushTarget;
use crate::http::{CaError, Client};
use crate::secret::Secret;

/// Why a server did not take a POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The credentials were refused (401, 403), could not be read, or the CA file did not
    /// load: every POST would fail the same way until the config is fixed.
    Credentials(String),
    /// Worth trying again: no answer, 408, 429 or 5xx.
    Later(String),
    /// The server rejects what was sent (another 4xx): sending it again will not help.
    Content(String),
}

/// A team server's client and credentials.
pub struct Poster {
    target: PushTarget,
    /// The client, or why the config gives none (an unreadable CA file).
    client: Result<Client, CaError>,
}

impl Poster {
    /// The poster for `target`, made once at start or reload.
    pub fn build(target: &PushTarget) -> Poster {
        Poster {
            client: target.client(),
            target: target.clone(),
        }
    }

    /// The `Authorization` header's value, read now; read it once for several POSTs.
    pub fn authorization(&self) -> Result<Option<Secret>, Refusal> {
        self.target
            .authorization()
            .map_err(|e| Refusal::Credentials(e.to_string()))
    }

    /// POSTs `body` to `url` with `auth` (from [`Poster::authorization`]) and `headers`.
    pub async fn post(
        &self,
        url: &str,
        auth: Option<&Secret>,
        content_type: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<(), Refusal> {
        let client = self
            .client
            .as_ref()
            .map_err(|e| Refusal::Credentials(e.to_string()))?;
        let mut headers = headers.to_vec();
        if let Some(a) = auth {
            headers.push(("Authorization", a.expose()));
        }
        let redact = |text: String| auth.map_or(text.clone(), |a| a.redact(&text));
        let reply = client
            .post(url, &headers, content_type, body)
            .await
            .map_err(|e| Refusal::Later(redact(e.to_string())))?;
        let said = String::from_utf8_lossy(&reply.body);
        let said = redact(format!(
            "{url}: HTTP {}: {}",
            reply.status,
            crate::format::truncate(said.trim(), 200)
        ));
        match reply.status {
            200..=299 => Ok(()),
            401 | 403 => Err(Refusal::Credentials(said)),
            408 | 429 | 500..=599 => Err(Refusal::Later(said)),
            _ => Err(Refusal::Content(said)),
        }
    }
}
