//! The session bus address (`DBUS_SESSION_BUS_ADDRESS`) is one per process, and the tests
//! that run a desktop notifier in this process each point it somewhere of their own. One
//! that does holds this claim for as long as it runs, so no other test's notifier reads
//! its address.

use tokio::sync::{Mutex, MutexGuard};

static SESSION: Mutex<()> = Mutex::const_new(());

/// The session bus address is this test's while it lives.
pub struct Claim(#[allow(dead_code)] MutexGuard<'static, ()>);

/// Claims the address from a plain (not async) test.
pub fn claim(address: &str) -> Claim {
    let guard = SESSION.blocking_lock();
    point(address);
    Claim(guard)
}

/// Claims the address from an async test.
pub async fn claim_async(address: &str) -> Claim {
    let guard = SESSION.lock().await;
    point(address);
    Claim(guard)
}

fn point(address: &str) {
    // SAFETY: under the claim, no other test's notifier reads the variable.
    unsafe { std::env::set_var("DBUS_SESSION_BUS_ADDRESS", address) };
}
