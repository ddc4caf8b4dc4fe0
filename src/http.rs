//! The HTTP client the network sources share: blocking GETs with a connect timeout, a
//! total timeout and a cap on the body, so a slow, silent or flooding server costs at most
//! one timeout and one megabyte.
//!
//! Non-2xx answers are replies, not errors: the sources decide what a 429 or a 401 means.
//! Request headers (which carry tokens and keys) never appear in an error.

use std::time::Duration;

/// The largest response body read; a longer one is an error.
pub const MAX_BODY: u64 = 1 << 20;

/// A reusable client with fixed timeouts.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    timeout: Duration,
}

/// A response, whatever its status.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// The `Retry-After` header, as sent.
    pub retry_after: Option<String>,
    /// The body, at most [`MAX_BODY`] bytes.
    pub body: Vec<u8>,
}

/// Why no response arrived.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The server did not answer in time.
    #[error("{url}: no answer within {}s", timeout.as_secs_f64())]
    Timeout {
        /// What was requested.
        url: String,
        /// The total timeout.
        timeout: Duration,
    },
    /// The body was longer than [`MAX_BODY`].
    #[error("{url}: response body over {} KiB", MAX_BODY / 1024)]
    TooLarge {
        /// What was requested.
        url: String,
    },
    /// Connecting, TLS or the protocol failed.
    #[error("{url}: {message}")]
    Failed {
        /// What was requested.
        url: String,
        /// What went wrong.
        message: String,
    },
}

impl Client {
    /// A client whose requests give up after `timeout` in total (connecting included).
    pub fn new(timeout: Duration) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(timeout.min(Duration::from_secs(10))))
            .timeout_global(Some(timeout))
            .user_agent(concat!("creditwatch/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client { agent, timeout }
    }

    /// GETs `url` with `headers`.
    pub fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Reply, HttpError> {
        let mut request = self.agent.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let fail = |e: ureq::Error| classify(url, self.timeout, e);
        let response = request.call().map_err(fail)?;
        self.read(url, response)
    }

    /// POSTs `body` as JSON to `url` with `headers`.
    pub fn post_json(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> Result<Reply, HttpError> {
        let mut request = self
            .agent
            .post(url)
            .header("Content-Type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let fail = |e: ureq::Error| classify(url, self.timeout, e);
        let response = request.send(body.to_string().as_bytes()).map_err(fail)?;
        self.read(url, response)
    }

    fn read(
        &self,
        url: &str,
        mut response: ureq::http::Response<ureq::Body>,
    ) -> Result<Reply, HttpError> {
        let fail = |e: ureq::Error| classify(url, self.timeout, e);
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(fail)?;
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    }
}

fn classify(url: &str, timeout: Duration, e: ureq::Error) -> HttpError {
    let url = url.to_string();
    match e {
        ureq::Error::Timeout(_) => HttpError::Timeout { url, timeout },
        ureq::Error::BodyExceedsLimit(_) => HttpError::TooLarge { url },
        other => HttpError::Failed {
            url,
            message: other.to_string(),
        },
    }
}
