//! The accept loop: every connection is its own task, with a deadline for each request's
//! head, a deadline for each write, and a cap on how many are open at once. Another user of
//! the machine can reach a loopback port; without these, connections opened and left
//! silent, or left unread, would pile up until the daemon ran out of file descriptors for
//! its database and its sources, or held every slot a browser needs. Connections that have
//! not shown the token get a small share of the slots (`super::conn`).

use super::conn::{Conn, Conns};
use super::deadline::Deadlined;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How long a client may take to send a request's head, and to start the next one on a
/// kept-alive connection.
pub const HEAD_DEADLINE: Duration = Duration::from_secs(5);
/// The most connections served at once; more wait in the system's queue, unaccepted.
pub const MAX_CONNECTIONS: usize = 64;
pub use super::conn::STRANGERS;
pub use super::deadline::WRITE_DEADLINE;

/// Serves `app` on `listener` until the task running it is aborted.
pub(super) async fn accept(listener: TcpListener, app: Router) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let conns = Arc::new(Conns::default());
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors, say: wait rather than spin.
                tracing::debug!(error = %e, "web connection not accepted");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let conn = conns.admit();
        let service = Tagged {
            inner: TowerToHyperService::new(app.clone()),
            conn: conn.clone(),
        };
        let conns = conns.clone();
        tokio::spawn(async move {
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_DEADLINE)
                .serve_connection(TokioIo::new(Deadlined::new(stream)), service);
            tokio::select! {
                served = served => {
                    if let Err(e) = served {
                        tracing::debug!(error = %e, "web connection ended");
                    }
                }
                () = conn.evicted() => tracing::debug!("web connection without the token closed to make room"),
            }
            conns.leave(&conn);
            drop(slot);
        });
    }
}

/// The app, with each request told which connection it came on (so the token check can
/// mark it the user's).
#[derive(Clone)]
struct Tagged {
    inner: TowerToHyperService<Router>,
    conn: Arc<Conn>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for Tagged {
    type Response = <TowerToHyperService<Router> as hyper::service::Service<
        hyper::Request<Incoming>,
    >>::Response;
    type Error =
        <TowerToHyperService<Router> as hyper::service::Service<hyper::Request<Incoming>>>::Error;
    type Future =
        <TowerToHyperService<Router> as hyper::service::Service<hyper::Request<Incoming>>>::Future;

    fn call(&self, mut request: hyper::Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(self.conn.clone());
        self.inner.call(request)
    }
}
