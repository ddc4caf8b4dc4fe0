//! The metrics endpoint of the running daemon, following the config's `[metrics] listen`:
//! started, moved or stopped when a reload changes it.

use super::Progress;
use tokio::sync::watch as channel;

/// The metrics endpoint, following the config's `[metrics] listen`.
pub(super) struct Metrics {
    /// The page served, replaced after each cycle.
    pub page: channel::Sender<String>,
    bound: Option<(std::net::SocketAddr, tokio::task::JoinHandle<()>)>,
    wanted: Option<std::net::SocketAddr>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            page: channel::channel(String::new()).0,
            bound: None,
            wanted: None,
        }
    }
}

impl Metrics {
    /// Starts, moves or stops the endpoint when the wanted address changed.
    pub(super) async fn follow(
        &mut self,
        wanted: Option<std::net::SocketAddr>,
        progress: &channel::Sender<Progress>,
    ) {
        if wanted == self.wanted {
            return;
        }
        self.stop();
        self.wanted = wanted;
        let Some(addr) = wanted else { return };
        match crate::metrics::serve(addr, self.page.subscribe()).await {
            Ok((bound, task)) => {
                tracing::info!(%bound, "serving metrics at /metrics");
                progress.send_modify(|p| p.metrics = Some(bound));
                self.bound = Some((bound, task));
            }
            Err(e) => tracing::error!(error = %e, "running without metrics"),
        }
    }

    pub(super) fn stop(&mut self) {
        if let Some((_, task)) = self.bound.take() {
            task.abort();
        }
    }
}
