//! `[metrics]`: the Prometheus endpoint, off unless `enabled` or `listen` is set, and
//! `[metrics.remote_write]`, the push to a team's Prometheus-compatible storage, off unless
//! `url` is set.

use super::duration::Duration;
use super::endpoint::WholeUrl;
use super::push::{LabelName, PushTarget};
use super::raw::PositiveDuration;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// `[metrics]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawMetrics {
    pub enabled: Option<bool>,
    pub listen: Option<Listen>,
    pub remote_write: RawRemoteWrite,
}

/// `[dashboard]` as written: the web page and its API, on by default on loopback.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawDashboard {
    pub enabled: Option<bool>,
    pub listen: Option<Listen>,
}

/// Where the dashboard listens unless the config says otherwise.
pub const DEFAULT_DASHBOARD: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 7879);

impl RawDashboard {
    /// The address to serve the dashboard on, or `None` when it is off.
    pub(super) fn build(&self) -> Option<SocketAddr> {
        match self.enabled {
            Some(false) => None,
            _ => Some(self.address()),
        }
    }

    /// The web server's address, whether the dashboard is on or not.
    pub(super) fn address(&self) -> SocketAddr {
        self.listen.map_or(DEFAULT_DASHBOARD, |l| l.0)
    }
}

impl RawMetrics {
    /// Where `/metrics` is served, or `None` when it is off: its own `listen`, else the
    /// web server's address when `enabled = true`.
    pub(super) fn build(&self, server: SocketAddr) -> Option<SocketAddr> {
        match (self.enabled, self.listen) {
            (Some(false), _) | (None, None) => None,
            (_, Some(l)) => Some(l.0),
            (Some(true), None) => Some(server),
        }
    }
}

/// The labels creditwatch sets on every pushed series.
pub const OWN_LABELS: &[&str] = &["account", "instance", "app", "model", "job"];
/// How often the series are pushed by default.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
/// The default time allowed for one push.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

super::push::push_table!(
    /// `[metrics.remote_write]` as written.
    RemoteWriteFields {
        enabled: Option<bool>,
        url: Option<WholeUrl>,
        interval: Option<PositiveDuration>,
        labels: BTreeMap<LabelName, String>,
        timeout: Option<PositiveDuration>,
    }
);

/// `[metrics.remote_write]` as written, checked while it is read.
#[derive(Debug, Default, Deserialize)]
#[serde(try_from = "RemoteWriteFields")]
pub(super) struct RawRemoteWrite(pub Option<RemoteWriteConfig>);

/// Settings of the remote-write push.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteWriteConfig {
    /// The receiver, e.g. `https://prometheus.example/api/v1/write`.
    pub url: String,
    /// How often the series are pushed.
    pub interval: Duration,
    /// Labels added to every series.
    pub labels: BTreeMap<String, String>,
    /// Credentials, CA and timeout.
    pub target: PushTarget,
}

impl TryFrom<RemoteWriteFields> for RawRemoteWrite {
    type Error = String;

    fn try_from(mut f: RemoteWriteFields) -> Result<RawRemoteWrite, String> {
        if !f.enabled.unwrap_or(f.url.is_some()) {
            return Ok(RawRemoteWrite(None));
        }
        let access = f.access();
        let url = f.url.ok_or(
            "`url` is missing: the remote-write receiver, e.g. url = \"https://prometheus.example/api/v1/write\"",
        )?;
        Ok(RawRemoteWrite(Some(RemoteWriteConfig {
            url: url.0,
            interval: f.interval.map_or(DEFAULT_INTERVAL, |d| d.0),
            labels: super::push::labels(f.labels, OWN_LABELS)?,
            target: access.build(f.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0))?,
        })))
    }
}

/// An address to listen on: `host:port`, or a bare `:port` (or port number) for loopback.
#[derive(Debug, Clone, Copy)]
pub(super) struct Listen(pub SocketAddr);

impl<'de> Deserialize<'de> for Listen {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let text = String::deserialize(de)?;
        parse(&text).map(Listen).map_err(serde::de::Error::custom)
    }
}

/// Reads a listen address; a bare port means loopback, so nothing is exposed by accident.
/// Port 0 is refused: the system would pick one that no bookmark or scraper knows.
fn parse(text: &str) -> Result<SocketAddr, String> {
    let port_only = text.strip_prefix(':').unwrap_or(text);
    let addr = match port_only.parse::<u16>() {
        Ok(port) => SocketAddr::from(([127, 0, 0, 1], port)),
        Err(_) => text.parse().map_err(|_| {
            format!("`{text}` is not an address to listen on; write it like \"127.0.0.1:9464\"")
        })?,
    };
    if addr.port() == 0 {
        return Err(format!(
            "`{text}` has port 0; give the port to listen on, like \"127.0.0.1:9464\""
        ));
    }
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_port_is_loopback_and_junk_is_refused() {
        assert_eq!(parse(":9464").unwrap().to_string(), "127.0.0.1:9464");
        assert_eq!(parse("9464").unwrap().to_string(), "127.0.0.1:9464");
        assert_eq!(parse("0.0.0.0:9000").unwrap().to_string(), "0.0.0.0:9000");
        assert!(parse("localhost").unwrap_err().contains("127.0.0.1:9464"));
        assert!(parse("127.0.0.1:0").unwrap_err().contains("port 0"));
        assert!(parse(":0").unwrap_err().contains("port 0"));
    }
}
