//! A minimal HTTP server for `/metrics`: one request per connection, GET only, the page the
//! daemon rendered last. It never blocks the daemon: each connection is its own task with a
//! short deadline.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How long a client may take to send its request.
const READ_DEADLINE: Duration = Duration::from_secs(5);
/// The most of a request that is read.
const REQUEST_MAX: usize = 8 * 1024;

/// Why the endpoint cannot start.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen for metrics on {addr} (`[metrics] listen`): {source}")]
pub struct MetricsError {
    /// The address from the config.
    pub addr: SocketAddr,
    /// What the OS said.
    pub source: std::io::Error,
}

/// Binds `addr` and serves `page` until the returned task is aborted; returns the address
/// actually bound (port 0 picks a free one) and the task.
pub async fn serve(
    addr: SocketAddr,
    page: watch::Receiver<String>,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), MetricsError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| MetricsError { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| MetricsError { addr, source })?;
    if !bound.ip().is_loopback() {
        tracing::warn!(%bound, "metrics are served beyond this machine; anyone who can reach it can read your spend");
    }
    let task = tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let page = page.clone();
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(READ_DEADLINE, answer(stream, page)).await;
                    });
                }
                Err(e) => tracing::debug!(error = %e, "metrics connection not accepted"),
            }
        }
    });
    Ok((bound, task))
}

async fn answer(mut stream: TcpStream, page: watch::Receiver<String>) -> std::io::Result<()> {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < REQUEST_MAX {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&request);
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, kind, body) = match (method, path) {
        ("GET", "/metrics") => (
            "200 OK",
            "text/plain; version=0.0.4; charset=utf-8",
            page.borrow().clone(),
        ),
        ("GET", _) => ("404 Not Found", "text/plain", "see /metrics\n".to_string()),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            "GET only\n".to_string(),
        ),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}
