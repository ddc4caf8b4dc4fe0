//! The `Host` check: a page on another site whose name is made to resolve to 127.0.0.1 (DNS
//! rebinding) sends its own name as `Host`, so only requests naming this listener are
//! answered, on every route. It also tells the routes behind it which listener they are on
//! ([`Bound`]), which the dashboard's cookie name depends on.

use super::conn::Conn;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// The address a request came in on.
#[derive(Debug, Clone, Copy)]
pub struct Bound(pub SocketAddr);

/// Answers only requests whose `Host` names `bound`: `127.0.0.1:P`, `localhost:P`,
/// `[::1]:P` or the bound address itself. A listener on every interface (`0.0.0.0`) takes
/// any name with its port: it is reachable by name from the network on purpose.
pub(super) async fn check(
    State(bound): State<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    if !host.as_deref().is_some_and(|h| names(h, bound)) {
        return (
            StatusCode::MISDIRECTED_REQUEST,
            [(header::CONNECTION, "close")],
            "this server answers only to its own address (the Host header named another)\n",
        )
            .into_response();
    }
    request.extensions_mut().insert(Bound(bound));
    let conn = request.extensions().get::<Arc<Conn>>().cloned();
    let mut response = next.run(request).await;
    // A connection that has not shown the token gets one answer: it cannot pipeline
    // requests it never reads the answers to, nor keep a slot between them.
    if !conn.is_some_and(|c| c.proven()) {
        response.headers_mut().insert(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        );
    }
    response
}

/// Whether `host` (lowercase `name:port`) names `bound`.
fn names(host: &str, bound: SocketAddr) -> bool {
    let Some((name, port)) = host.rsplit_once(':') else {
        return false;
    };
    if port.parse::<u16>() != Ok(bound.port()) {
        return false;
    }
    if bound.ip().is_unspecified() {
        return true;
    }
    let ip = bound.ip().to_string();
    let bracketed = format!("[{ip}]");
    let loopback = ["127.0.0.1", "localhost", "[::1]"];
    (bound.ip().is_loopback() && loopback.contains(&name)) || name == ip || name == bracketed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_of_this_listener_pass() {
        let on: SocketAddr = "127.0.0.1:8765".parse().unwrap();
        for ok in ["127.0.0.1:8765", "localhost:8765", "[::1]:8765"] {
            assert!(names(ok, on), "{ok}");
        }
        for bad in [
            "evil.example:8765",
            "127.0.0.1:8766",
            "localhost",
            "127.0.0.1.nip.io:8765",
            "",
        ] {
            assert!(!names(bad, on), "{bad}");
        }
        let lan: SocketAddr = "192.168.1.5:9464".parse().unwrap();
        assert!(names("192.168.1.5:9464", lan) && !names("localhost:9464", lan));
        let any: SocketAddr = "0.0.0.0:9464".parse().unwrap();
        assert!(names("box.lan:9464", any) && !names("box.lan:80", any));
    }
}
