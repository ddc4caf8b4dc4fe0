//! The signals that stop the daemon: SIGTERM (launchd, systemd, `kill`) and SIGINT
//! (Ctrl-C). The first asks for a clean stop; a second SIGINT means "now", for a person at
//! a terminal who does not want to wait.
//!
//! The handlers are installed before anything else happens, so a signal that arrives while
//! the daemon is still starting is a clean stop rather than the default (death by signal).

use tokio::signal::unix::{Signal, SignalKind, signal};

/// Installed stop handlers.
pub struct Signals {
    term: Signal,
    interrupt: Signal,
}

impl Signals {
    /// Installs the handlers; call it from inside the async runtime.
    pub fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Completes at the first SIGTERM or SIGINT.
    pub async fn stopped(&mut self) {
        tokio::select! {
            _ = self.term.recv() => tracing::info!("SIGTERM: stopping"),
            _ = self.interrupt.recv() => tracing::info!("SIGINT: stopping (interrupt again to exit at once)"),
        }
    }

    /// Completes at the next SIGINT.
    pub async fn interrupted(&mut self) {
        self.interrupt.recv().await;
    }
}
