//! The accept loop: every connection is its own task, with a deadline for each request's
//! head and a cap on how many are open at once. Another user of the machine can reach a
//! loopback port; without these, connections opened and left silent would pile up until
//! the daemon ran out of file descriptors for its database and its sources.

use axum::Router;
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

/// Serves `app` on `listener` until the task running it is aborted.
pub(super) async fn accept(listener: TcpListener, app: Router) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
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
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_DEADLINE)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(e) = served {
                tracing::debug!(error = %e, "web connection ended");
            }
            drop(slot);
        });
    }
}
