//! The HTTP client the network sources and the webhook share: requests on the tokio
//! runtime (reqwest with rustls) with a connect timeout, a total timeout and a cap on the
//! body, so a slow, silent or flooding server costs at most one timeout and one megabyte,
//! and a request in flight is cancelled by dropping it.
//!
//! Non-2xx answers are replies, not errors: the sources decide what a 429 or a 401 means.
//! Request headers (which carry tokens and keys) never appear in an error.
//!
//! Redirects are never followed: every request carries a secret (an OAuth token, the Admin
//! key, a webhook's headers, a team token) or a body meant for one server, and a redirect
//! would carry them to wherever it points. A 3xx is an error naming where it pointed (its
//! origin only), so the user can fix the URL in the config.

use std::time::Duration;

/// The largest response body read; a longer one is an error.
pub const MAX_BODY: u64 = 1 << 20;

/// A reusable client with fixed timeouts.
#[derive(Clone)]
pub struct Client {
    inner: Inner,
    timeout: Duration,
}

/// The client underneath, or why it could not be made (TLS could not be set up): every
/// request then fails saying so, never a client without the timeouts.
#[derive(Clone)]
enum Inner {
    Ready(reqwest::Client),
    Broken(std::sync::Arc<str>),
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

/// Why a team's CA file gives no client; each names the file.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CaError {
    /// The file could not be read.
    #[error("cannot read CA file {}: {reason}", path.display())]
    Unreadable {
        /// The CA file.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
    /// It holds no PEM certificate.
    #[error("CA file {} is not a PEM certificate: {reason}", path.display())]
    NotPem {
        /// The CA file.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
    /// TLS could not be set up with it.
    #[error("CA file {}: {reason}", path.display())]
    Refused {
        /// The CA file.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
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
    /// The server answered with a redirect, which is not followed.
    #[error(
        "{url}: answered {status}, a redirect to {to}, which is not followed (secrets would go with it); set the URL it points to in the config"
    )]
    Redirected {
        /// What was requested.
        url: String,
        /// The 3xx status.
        status: u16,
        /// The origin it pointed to (`https://host:port`), or `an unreadable Location`.
        to: String,
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
        let inner = reqwest::Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .user_agent(concat!("creditwatch/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build();
        let inner = match inner {
            Ok(c) => Inner::Ready(c),
            Err(e) => {
                let why = format!("the HTTP client could not be set up: {}", e.without_url());
                tracing::error!("{why}");
                Inner::Broken(why.into())
            }
        };
        Client { inner, timeout }
    }

    /// A client that also trusts the CA certificate (PEM) in `ca_file`, for a team's
    /// private server; the error names the file.
    pub(crate) fn trusting(
        timeout: Duration,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Client, CaError> {
        let Some(path) = ca_file else {
            return Ok(Client::new(timeout));
        };
        let pem = crate::textfile::read(path).map_err(|e| CaError::Unreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let ca = reqwest::Certificate::from_pem(&pem).map_err(|e| CaError::NotPem {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let inner = reqwest::Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .user_agent(concat!("creditwatch/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .add_root_certificate(ca)
            .build()
            .map_err(|e| CaError::Refused {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        Ok(Client {
            inner: Inner::Ready(inner),
            timeout,
        })
    }

    /// The total timeout of one request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The client, or the error every request gets when it could not be made.
    fn ready(&self, url: &str) -> Result<&reqwest::Client, HttpError> {
        match &self.inner {
            Inner::Ready(c) => Ok(c),
            Inner::Broken(why) => Err(HttpError::Failed {
                url: url.to_string(),
                message: why.to_string(),
            }),
        }
    }

    /// GETs `url` with `headers`.
    pub async fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Reply, HttpError> {
        let mut request = self.ready(url)?.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(url, request).await
    }

    /// POSTs `body` as JSON to `url` with `headers`.
    pub async fn post_json(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> Result<Reply, HttpError> {
        let mut request = self
            .ready(url)?
            .post(url)
            .header("Content-Type", "application/json")
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(url, request).await
    }

    /// POSTs `body` of `content_type` to `url` with `headers`.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Reply, HttpError> {
        let mut request = self
            .ready(url)?
            .post(url)
            .header("Content-Type", content_type)
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(url, request).await
    }

    /// Sends `request` and reads at most [`MAX_BODY`] of its answer.
    async fn send(&self, url: &str, request: reqwest::RequestBuilder) -> Result<Reply, HttpError> {
        let fail = |e: reqwest::Error| classify(url, self.timeout, e);
        let mut response = request.send().await.map_err(fail)?;
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let status = response.status().as_u16();
        if response.status().is_redirection() && status != 304 {
            let to = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map_or("an unreadable Location".to_string(), |l| origin(url, l));
            return Err(HttpError::Redirected {
                url: url.to_string(),
                status,
                to,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(fail)? {
            if body.len() as u64 + chunk.len() as u64 > MAX_BODY {
                return Err(HttpError::TooLarge {
                    url: url.to_string(),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    }
}

/// The origin (`scheme://host:port`) a `Location` points to, relative to `url`: never its
/// path, query or user name, which may carry what is not ours to print.
fn origin(url: &str, location: &str) -> String {
    let target = reqwest::Url::parse(url).and_then(|base| base.join(location));
    match target {
        Ok(t) => {
            let port = t.port().map_or(String::new(), |p| format!(":{p}"));
            format!("{}://{}{port}", t.scheme(), t.host_str().unwrap_or("?"))
        }
        Err(_) => "an unreadable Location".to_string(),
    }
}

/// An error in words, without the URL (the caller names it) and so without anything a
/// URL may carry.
fn classify(url: &str, timeout: Duration, e: reqwest::Error) -> HttpError {
    let url = url.to_string();
    if e.is_timeout() {
        return HttpError::Timeout { url, timeout };
    }
    let e = e.without_url();
    let mut message = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        message.push_str(&format!(": {c}"));
        cause = c.source();
    }
    HttpError::Failed { url, message }
}

/// Runs `work` to its end from blocking code: on the runtime this thread belongs to (a
/// daemon cycle runs on one of its blocking threads), or on a runtime of its own (a
/// command, a test).
///
/// # Panics
///
/// When the operating system cannot give a new runtime its event loop (out of file
/// descriptors), which leaves nothing else to do.
pub fn block_on<F: std::future::Future>(work: F) -> F::Output {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle.block_on(work),
        Err(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime starts")
            .block_on(work),
    }
}
