//! What the daemon serves and pushes, following the config: the web server of
//! `[dashboard]` and `[metrics]` (its listeners started, moved or stopped when a reload
//! changes them) and the push task of `[metrics.remote_write]` (started, pointed
//! elsewhere keeping what waits, or stopped).

use super::Progress;
use std::net::SocketAddr;
use tokio::sync::watch as channel;

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

/// The web server, following the config's `[dashboard]` and `[metrics]`: its listeners
/// started, moved or stopped when a reload changes them. The dashboard and `/metrics`
/// share a listener when they name the same address; what they show is published after
/// each cycle.
pub(super) struct Server {
    /// What the server shows, replaced after each cycle.
    pub published: channel::Sender<crate::web::Published>,
    listeners: Vec<tokio::task::JoinHandle<()>>,
    wanted: Wanted,
    /// Where it serves now, and what it could not.
    pub serving: super::state::Serving,
}

/// Where the dashboard and `/metrics` are wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Wanted {
    /// `[dashboard]`'s address, when it is on.
    pub dashboard: Option<SocketAddr>,
    /// The address `/metrics` is served at, when it is on.
    pub metrics: Option<SocketAddr>,
}

impl Default for Server {
    fn default() -> Server {
        Server {
            published: channel::channel(crate::web::Published::default()).0,
            listeners: Vec::new(),
            wanted: Wanted::default(),
            serving: super::state::Serving::default(),
        }
    }
}

impl Server {
    /// Starts, moves or stops the listeners when the wanted addresses changed.
    pub(super) async fn follow(
        &mut self,
        wanted: Wanted,
        paths: &crate::paths::Paths,
        progress: &channel::Sender<Progress>,
    ) {
        if wanted == self.wanted {
            return;
        }
        self.stop();
        self.wanted = wanted;
        // The token is made now if there is none; the server reads the file at each
        // request, so `creditwatch dashboard --new-token` takes effect at once.
        let token = match wanted.dashboard {
            Some(_) => match crate::web::token::load_or_create(&paths.dashboard_token()) {
                Ok(_) => Some(std::sync::Arc::from(paths.dashboard_token().as_path())),
                Err(e) => {
                    tracing::error!(error = %e, "running without the dashboard");
                    self.serving.errors.push(e.to_string());
                    None
                }
            },
            None => None,
        };
        let web = crate::web::Web::new(self.published.subscribe(), paths.database());
        for (addr, routes, setting) in listeners(wanted, token) {
            let app = crate::web::router(web.clone(), &routes);
            match crate::web::serve(addr, setting, app).await {
                Ok((bound, task)) => {
                    announce(bound, &routes, progress);
                    if routes.dashboard.is_some() {
                        self.serving.dashboard = Some(bound);
                    }
                    if routes.metrics {
                        self.serving.metrics = Some(bound);
                    }
                    self.listeners.push(task);
                }
                Err(e) => {
                    tracing::error!(error = %e, "not serving what it was to serve");
                    self.serving.errors.push(e.to_string());
                }
            }
        }
    }

    pub(super) fn stop(&mut self) {
        for task in self.listeners.drain(..) {
            task.abort();
        }
        self.serving = super::state::Serving::default();
    }
}

/// One listener per address, each with the routes wanted there and the setting that named
/// it.
fn listeners(
    wanted: Wanted,
    token: Option<std::sync::Arc<std::path::Path>>,
) -> Vec<(SocketAddr, crate::web::Routes, &'static str)> {
    let mut out = Vec::new();
    if let (Some(addr), Some(token)) = (wanted.dashboard, token) {
        let routes = crate::web::Routes {
            dashboard: Some(token),
            metrics: wanted.metrics == Some(addr),
        };
        out.push((addr, routes, "[dashboard] listen"));
    }
    if let Some(addr) = wanted
        .metrics
        .filter(|m| !out.iter().any(|(a, _, _)| a == m))
    {
        let routes = crate::web::Routes {
            dashboard: None,
            metrics: true,
        };
        out.push((addr, routes, "[metrics] listen"));
    }
    out
}

fn announce(bound: SocketAddr, routes: &crate::web::Routes, progress: &channel::Sender<Progress>) {
    if routes.dashboard.is_some() {
        tracing::info!(%bound, "serving the dashboard (`creditwatch dashboard` opens it)");
        progress.send_modify(|p| p.dashboard = Some(bound));
    }
    if routes.metrics {
        tracing::info!(%bound, "serving metrics at /metrics");
        progress.send_modify(|p| p.metrics = Some(bound));
    }
}
