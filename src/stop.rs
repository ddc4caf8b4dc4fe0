//! A stop the daemon signals to the work it has in flight on the runtime (requests to
//! servers, notifications being sent), so a shutdown cancels them instead of waiting for
//! their timeouts. Commands and tests use [`Stop::never`].

use tokio::sync::watch;

/// What work in flight waits on besides its own end.
#[derive(Clone, Default)]
pub struct Stop(Option<watch::Receiver<bool>>);

/// The side that signals a [`Stop`].
pub struct StopSignal(watch::Sender<bool>);

impl Stop {
    /// A stop that never comes.
    pub fn never() -> Stop {
        Stop(None)
    }

    /// A stop and the signal that brings it.
    pub fn new() -> (StopSignal, Stop) {
        let (tx, rx) = watch::channel(false);
        (StopSignal(tx), Stop(Some(rx)))
    }

    /// Whether the stop has come.
    #[cfg(test)]
    pub(crate) fn is_stopped(&self) -> bool {
        self.0.as_ref().is_some_and(|rx| *rx.borrow())
    }

    /// Ends when the stop comes (never for [`Stop::never`], or once its signal is gone).
    pub async fn wait(&self) {
        match &self.0 {
            None => std::future::pending().await,
            Some(rx) => {
                let mut rx = rx.clone();
                if rx.wait_for(|stopped| *stopped).await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        }
    }
}

impl StopSignal {
    /// Brings the stop to every [`Stop`] made with this signal.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_reaches_the_work_waiting_on_it() {
        let (signal, stop) = Stop::new();
        assert!(!stop.is_stopped());
        signal.stop();
        assert!(stop.is_stopped());
        crate::http::block_on(stop.wait());
        let never = Stop::never();
        let waited = crate::http::block_on(async {
            tokio::time::timeout(std::time::Duration::from_millis(1), never.wait()).await
        });
        assert!(waited.is_err(), "never stops");
    }
}
