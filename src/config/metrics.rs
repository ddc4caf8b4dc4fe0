//! `[metrics]`: the Prometheus endpoint, off unless `listen` is set.

use serde::{Deserialize, Deserializer};
use std::net::SocketAddr;

/// `[metrics]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawMetrics {
    pub listen: Option<Listen>,
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
fn parse(text: &str) -> Result<SocketAddr, String> {
    let port_only = text.strip_prefix(':').unwrap_or(text);
    if let Ok(port) = port_only.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse().map_err(|_| {
        format!("`{text}` is not an address to listen on; write it like \"127.0.0.1:9464\"")
    })
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
    }
}
