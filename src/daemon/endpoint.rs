//! The daemon's metrics outputs, following the config: the endpoint of `[metrics] listen`
//! (started, moved or stopped when a reload changes it) and the push task of
//! `[metrics.remote_write]` (started, pointed elsewhere keeping what waits, or stopped).

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

/// The remote-write push task, following the config's `[metrics.remote_write]`.
#[derive(Default)]
pub(super) struct Pushing {
    running: Option<(
        crate::config::RemoteWriteConfig,
        tokio::sync::mpsc::UnboundedSender<crate::remote_write::Order>,
    )>,
    health: Option<channel::Receiver<crate::remote_write::Health>>,
}

impl Pushing {
    /// Starts, points elsewhere or stops the task when the config changed.
    pub(super) fn follow(&mut self, wanted: Option<&crate::config::RemoteWriteConfig>) {
        use crate::remote_write::{Order, run};
        match (&mut self.running, wanted) {
            (Some((now, _)), Some(w)) if now == w => {}
            (Some((now, orders)), Some(w)) => {
                *now = w.clone();
                let _ = orders.send(Order::Reconfigure(w.clone()));
            }
            (None, Some(w)) => {
                let (orders, taken) = tokio::sync::mpsc::unbounded_channel();
                let (told, health) = channel::channel(crate::remote_write::Health::default());
                tokio::spawn(run(w.clone(), taken, told));
                self.health = Some(health);
                tracing::info!(url = %w.url, "pushing metrics with remote write");
                self.running = Some((w.clone(), orders));
            }
            (_, None) => {
                self.running = None;
                self.health = None;
            }
        }
    }

    /// How the push is doing, when it runs.
    pub(super) fn health(&self) -> Option<crate::remote_write::Health> {
        self.health.as_ref().map(|h| h.borrow().clone())
    }

    /// Hands a batch to the task, when it runs.
    pub(super) fn send(&self, batch: crate::remote_write::Batch) {
        if let Some((_, orders)) = &self.running {
            let _ = orders.send(crate::remote_write::Order::Send(batch));
        }
    }
}

/// The dashboard's server, following the config's `[dashboard]`: started, moved or
/// stopped when a reload changes it; what it shows is published after each cycle.
pub(super) struct Dashboard {
    /// What the server shows, replaced after each cycle.
    pub published: channel::Sender<crate::web::Published>,
    bound: Option<tokio::task::JoinHandle<()>>,
    wanted: Option<std::net::SocketAddr>,
}

impl Default for Dashboard {
    fn default() -> Dashboard {
        Dashboard {
            published: channel::channel(crate::web::Published::default()).0,
            bound: None,
            wanted: None,
        }
    }
}

impl Dashboard {
    /// Starts, moves or stops the server when the wanted address changed.
    pub(super) async fn follow(
        &mut self,
        wanted: Option<std::net::SocketAddr>,
        paths: &crate::paths::Paths,
        progress: &channel::Sender<Progress>,
    ) {
        if wanted == self.wanted {
            return;
        }
        self.stop();
        self.wanted = wanted;
        let Some(addr) = wanted else { return };
        let token = match crate::web::token::load_or_create(&paths.dashboard_token()) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, "running without the dashboard");
                return;
            }
        };
        let web = crate::web::Web::new(token, self.published.subscribe(), paths.database());
        match crate::web::serve(addr, web).await {
            Ok((bound, task)) => {
                tracing::info!(%bound, "serving the dashboard (`creditwatch dashboard` opens it)");
                progress.send_modify(|p| p.dashboard = Some(bound));
                self.bound = Some(task);
            }
            Err(e) => tracing::error!(error = %e, "running without the dashboard"),
        }
    }

    pub(super) fn stop(&mut self) {
        if let Some(task) = self.bound.take() {
            task.abort();
        }
    }
}
