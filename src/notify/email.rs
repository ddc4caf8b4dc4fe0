//! The email notifier: one message per notification over SMTP (lettre, rustls).
//!
//! The password is read at each send. The connection is implicit TLS, required STARTTLS, or
//! plain to this machine only. Every operation has the configured timeout and so does the
//! whole send, so a server that accepts and never answers costs one timeout. Each message
//! has a `Message-ID` made from the notification's idempotency key, so a resend after a
//! crash is recognisably the same message, and a plain-text and an HTML part.

mod offer;

use super::{Failure, compose};
use crate::config::{EmailConfig, TlsMode};
use crate::secret::Secret;
use crate::store::OutboxRow;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// The SMTP client, on the tokio runtime.
type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// The Content-ID of the inline chart.
const CHART_CID: &str = "chart@creditwatch";

/// A configured email notifier.
pub struct Email {
    config: EmailConfig,
    /// The user's time zone, for the times the message shows.
    tz: jiff::tz::TimeZone,
}

impl Email {
    /// Builds the notifier once, at start or reload.
    pub fn build(config: &EmailConfig, tz: jiff::tz::TimeZone) -> Email {
        Email {
            config: config.clone(),
            tz,
        }
    }

    /// Sends one notification to every recipient, with `chart` inline when there is one.
    pub async fn deliver(&self, row: &OutboxRow, chart: Option<&[u8]>) -> Result<(), Failure> {
        let password = match &self.config.password {
            Some(p) => Some(
                p.load("SMTP password")
                    .map_err(|e| Failure::Refused(e.to_string()))?,
            ),
            None => None,
        };
        let message = self.message(row, chart)?;
        let transport = self.transport(password.as_ref())?;
        let redact = |text: String| match &password {
            Some(p) => p.redact(&text),
            None => text,
        };
        let server = format!("{}:{}", self.config.host, self.config.port);
        // The whole send under one timeout; dropping it (a stop) closes the connection.
        match tokio::time::timeout(self.config.timeout.0, transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(classify(&e, |m| redact(format!("{server}: {m}")))),
            Err(_) => Err(Failure::Transient(format!(
                "{server}: no answer within {}s",
                self.config.timeout.as_secs()
            ))),
        }
    }

    /// `notify test`: connects (with TLS and AUTH as configured), then sends `row`, and
    /// says what happened at each step.
    pub async fn probe(&self, row: &OutboxRow) -> Result<Vec<String>, (Vec<String>, Failure)> {
        let c = &self.config;
        let mut said = Vec::new();
        let password = match &c.password {
            Some(p) => Some(
                p.load("SMTP password")
                    .map_err(|e| (said.clone(), Failure::Refused(e.to_string())))?,
            ),
            None => None,
        };
        let transport = self
            .transport(password.as_ref())
            .map_err(|f| (said.clone(), f))?;
        let security = match c.tls {
            TlsMode::Implicit => "TLS established (implicit)",
            TlsMode::Starttls => "TLS established (STARTTLS)",
            TlsMode::None => "no TLS (loopback)",
        };
        let redact = |text: String| match &password {
            Some(p) => p.redact(&text),
            None => text,
        };
        let Ok(tried) = tokio::time::timeout(c.timeout.0, transport.test_connection()).await else {
            let silent = format!(
                "{}:{}: no answer within {}s",
                c.host,
                c.port,
                c.timeout.as_secs()
            );
            return Err((said, Failure::Transient(silent)));
        };
        match tried {
            Ok(_) => {
                said.push(format!("connected to {}:{}", c.host, c.port));
                said.push(security.to_string());
                if let Some(user) = &c.username {
                    said.push(format!("authenticated as {user}"));
                }
            }
            Err(e) => {
                let mut failure = classify(&e, |m| redact(format!("{}:{}: {m}", c.host, c.port)));
                if tls_mismatch(&chain(&e)) {
                    if let Some(works) =
                        offer::setting_that_works(&c.host, c.port, c.timeout.0).await
                    {
                        failure = with_hint(failure, &works);
                    }
                }
                return Err((said, failure));
            }
        }
        self.deliver(row, None)
            .await
            .map_err(|f| (said.clone(), f))?;
        said.push(format!(
            "accepted: a test message to {} (Message-ID {})",
            c.to.join(", "),
            message_id(&row.idempotency_key)
        ));
        Ok(said)
    }

    /// The message: headers, a plain-text part and an HTML part (with the chart inline).
    pub fn message(&self, row: &OutboxRow, chart: Option<&[u8]>) -> Result<Message, Failure> {
        let bad = |e: String| Failure::Permanent(e);
        let from: Mailbox = self
            .config
            .from
            .parse()
            .map_err(|e| bad(format!("from: {e}")))?;
        let mut builder = Message::builder()
            .from(from)
            .subject(row.title.clone())
            .message_id(Some(message_id(&row.idempotency_key)))
            .date(
                std::time::UNIX_EPOCH
                    + std::time::Duration::from_secs(row.created_at.max(0) as u64),
            );
        for to in &self.config.to {
            builder = builder.to(to.parse().map_err(|e| bad(format!("to {to}: {e}")))?);
        }
        let tz = &self.tz;
        let html = |cid| {
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(compose::html(row, tz, cid))
        };
        let plain = SinglePart::plain(compose::plain(row, tz));
        let body = match chart {
            None => MultiPart::alternative()
                .singlepart(plain)
                .singlepart(html(None)),
            Some(png) => {
                let image = Attachment::new_inline(CHART_CID.to_string()).body(
                    png.to_vec(),
                    ContentType::parse("image/png").map_err(|e| bad(e.to_string()))?,
                );
                MultiPart::alternative().singlepart(plain).multipart(
                    MultiPart::related()
                        .singlepart(html(Some(CHART_CID)))
                        .singlepart(image),
                )
            }
        };
        builder.multipart(body).map_err(|e| bad(e.to_string()))
    }

    fn transport(&self, password: Option<&Secret>) -> Result<Transport, Failure> {
        let c = &self.config;
        let mut builder = Transport::builder_dangerous(c.host.as_str())
            .port(c.port)
            .timeout(Some(c.timeout.0));
        builder = match c.tls {
            TlsMode::None => builder.tls(Tls::None),
            TlsMode::Implicit => builder.tls(Tls::Wrapper(self.tls()?)),
            TlsMode::Starttls => builder.tls(Tls::Required(self.tls()?)),
        };
        if let (Some(user), Some(password)) = (&c.username, password) {
            builder = builder
                .credentials(Credentials::new(
                    user.clone(),
                    password.expose().to_string(),
                ))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        Ok(builder.build())
    }

    fn tls(&self) -> Result<TlsParameters, Failure> {
        let mut params = TlsParameters::builder(self.config.host.clone());
        if let Some(path) = &self.config.ca_file {
            let pem = crate::textfile::read(path).map_err(|e| {
                Failure::Refused(format!("cannot read ca_file {}: {e}", path.display()))
            })?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| Failure::Refused(format!("ca_file {}: {e}", path.display())))?;
            params = params.add_root_certificate(cert);
        }
        params
            .build_rustls()
            .map_err(|e| Failure::Refused(format!("TLS setup: {e}")))
    }
}

/// The `Message-ID` of a notification: the same for every attempt.
pub fn message_id(idempotency_key: &str) -> String {
    format!("<{idempotency_key}@creditwatch>")
}

/// 4xx, timeouts, connection and TLS errors are transient; 535 and other 5.7.x refuse the
/// credentials; other 5xx are permanent.
fn classify(e: &lettre::transport::smtp::Error, describe: impl Fn(String) -> String) -> Failure {
    let raw = chain(e);
    // TLS from the first byte against a server that greets in plain text: rustls reads the
    // greeting as a broken TLS record. Say what that means.
    let text = match raw.contains("InvalidContentType") {
        true => describe(format!(
            "the server does not speak TLS from the first byte on this port (the TLS \
             handshake said: {raw}); `creditwatch notify test email` asks it what works"
        )),
        false => describe(raw),
    };
    match e.status().map(u16::from) {
        Some(535) => Failure::Refused(text),
        Some(code) if (500..600).contains(&code) && text.contains("5.7.") => Failure::Refused(text),
        Some(code) if (500..600).contains(&code) => Failure::Permanent(text),
        _ => Failure::Transient(text),
    }
}

/// Whether an error says the server does not speak the TLS configured: plain text where
/// TLS was expected, or no STARTTLS where it was required.
fn tls_mismatch(raw: &str) -> bool {
    raw.contains("InvalidContentType") || raw.to_ascii_lowercase().contains("starttls")
}

/// `failure` with what the server was found to accept.
fn with_hint(failure: Failure, works: &str) -> Failure {
    let add = |e: String| format!("{e}; asked in plain text, {works}");
    match failure {
        Failure::Transient(e) => Failure::Transient(add(e)),
        Failure::Permanent(e) => Failure::Permanent(add(e)),
        Failure::Refused(e) => Failure::Refused(add(e)),
    }
}

/// An error and its causes, on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}
