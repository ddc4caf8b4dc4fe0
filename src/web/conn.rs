//! Who holds the server's connections. Anyone on the machine can open them, so a
//! connection is a stranger until one of its requests shows the dashboard's token; then it
//! is the user's. Strangers get a small share ([`STRANGERS`]): when one more arrives, the
//! oldest stranger is closed. So connections opened by someone without the token, however
//! many and however slow, never keep a browser with it waiting; the browser's connection
//! sends its request at once and is the user's before its turn to be closed comes.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// The most connections open at once without having shown the token.
pub const STRANGERS: usize = 32;

/// One connection, as its requests and the accept loop see it.
#[derive(Debug, Default)]
pub struct Conn {
    proven: AtomicBool,
    closed: AtomicBool,
    evict: Notify,
}

impl Conn {
    /// A request on it showed the token.
    pub(crate) fn prove(&self) {
        self.proven.store(true, Ordering::Relaxed);
    }

    /// Whether a request on it showed the token.
    pub(crate) fn proven(&self) -> bool {
        self.proven.load(Ordering::Relaxed)
    }

    /// Resolves when the connection is to be closed to make room.
    pub async fn evicted(&self) {
        self.evict.notified().await;
    }
}

/// The open connections, oldest first.
#[derive(Default)]
pub struct Conns {
    open: Mutex<VecDeque<Arc<Conn>>>,
}

impl Conns {
    /// Registers a new connection, closing the oldest stranger when there are
    /// [`STRANGERS`] already.
    pub(crate) fn admit(&self) -> Arc<Conn> {
        let conn = Arc::new(Conn::default());
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        open.retain(|c| !c.closed.load(Ordering::Relaxed));
        let strangers: Vec<&Arc<Conn>> = open.iter().filter(|c| !c.proven()).collect();
        if strangers.len() >= STRANGERS {
            let oldest = strangers[0];
            oldest.closed.store(true, Ordering::Relaxed);
            oldest.evict.notify_one();
        }
        open.push_back(conn.clone());
        conn
    }

    /// Forgets a connection that ended.
    pub fn leave(&self, conn: &Conn) {
        conn.closed.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_stranger_makes_room_and_the_users_stay() {
        let conns = Conns::default();
        let mine = conns.admit();
        mine.prove();
        let strangers: Vec<Arc<Conn>> = (0..STRANGERS).map(|_| conns.admit()).collect();
        let _next = conns.admit();
        assert!(
            strangers[0].closed.load(Ordering::Relaxed),
            "the oldest stranger"
        );
        assert!(!strangers[1].closed.load(Ordering::Relaxed));
        assert!(
            !mine.closed.load(Ordering::Relaxed),
            "the user's connection stays"
        );
    }
}
