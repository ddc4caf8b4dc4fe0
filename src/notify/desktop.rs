//! The desktop notifier: Notification Center on macOS, the freedesktop notification
//! service over D-Bus elsewhere (notify-rust).
//!
//! Showing a notification can block (no service on the bus, a service that never
//! answers), so each one runs on its own thread and is given up after a timeout: the
//! delivery pass is never held longer than that, and email never waits on the desktop. A
//! missing or silent service is a transient failure: the notification waits in the outbox.

use super::Failure;
use crate::store::OutboxRow;
use std::sync::mpsc;
use std::time::Duration;

/// How long one notification may take to be shown.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The longest title shown; a notification has little room.
const TITLE_MAX: usize = 100;
/// The longest body shown.
const BODY_MAX: usize = 300;

/// Desktop notifications.
#[derive(Clone)]
pub struct Desktop {
    timeout: Duration,
}

impl Desktop {
    /// Builds the notifier once. On macOS it first names the application Notification
    /// Center shows, which otherwise looks it up in a way that can hang.
    pub fn build() -> Desktop {
        #[cfg(target_os = "macos")]
        {
            let _ = notify_rust::set_application("com.apple.Terminal");
        }
        Desktop { timeout: TIMEOUT }
    }

    /// Shows one notification and waits, at most the timeout, for the service to take it.
    pub fn deliver(&self, row: &OutboxRow) -> Result<(), Failure> {
        let mut n = notify_rust::Notification::new();
        n.appname("creditwatch")
            .summary(&sized(&row.title, TITLE_MAX))
            .body(&sized(&row.body, BODY_MAX));
        #[cfg(all(unix, not(target_os = "macos")))]
        n.urgency(match row.severity {
            crate::vocab::Severity::Critical => notify_rust::Urgency::Critical,
            crate::vocab::Severity::Warning => notify_rust::Urgency::Normal,
            crate::vocab::Severity::Info => notify_rust::Urgency::Low,
        });
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("desktop-notify".into())
            .spawn(move || {
                let _ = tx.send(
                    service_present()
                        .and_then(|()| n.show().map(|_| ()).map_err(|e| e.to_string())),
                );
            })
            .map_err(|e| Failure::Transient(format!("cannot start a thread: {e}")))?;
        match rx.recv_timeout(self.timeout) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Failure::Transient(format!(
                "no desktop notification service answered on D-Bus: {e}"
            ))),
            Err(_) => Err(Failure::Transient(format!(
                "the desktop notification service did not answer within {}s",
                self.timeout.as_secs()
            ))),
        }
    }
}

/// The freedesktop notification service's bus name.
#[cfg(all(unix, not(target_os = "macos")))]
const SERVICE: &str = "org.freedesktop.Notifications";

/// Whether the session bus has a notification service, running or activatable. Asked
/// first because a bus need not answer a call to a name nobody owns (busd drops it), and a
/// clear "no service" beats waiting out the timeout.
#[cfg(all(unix, not(target_os = "macos")))]
pub(super) fn service_present() -> Result<(), String> {
    let bus = zbus::blocking::Connection::session()
        .map_err(|e| format!("the session bus could not be reached ({e})"))?;
    let dbus = zbus::blocking::fdo::DBusProxy::new(&bus).map_err(|e| e.to_string())?;
    let name = zbus::names::BusName::try_from(SERVICE).map_err(|e| e.to_string())?;
    if dbus.name_has_owner(name).map_err(|e| e.to_string())? {
        return Ok(());
    }
    let activatable = dbus.list_activatable_names().map_err(|e| e.to_string())?;
    match activatable.iter().any(|n| n.as_str() == SERVICE) {
        true => Ok(()),
        false => Err(format!("{SERVICE} is not on the session bus")),
    }
}

/// Notification Center is always there.
#[cfg(not(all(unix, not(target_os = "macos"))))]
pub(super) fn service_present() -> Result<(), String> {
    Ok(())
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn sized(text: &str, max: usize) -> String {
    let cut = crate::format::truncate(text, max);
    if cut.len() < text.len() {
        format!("{}…", crate::format::truncate(text, max - 1))
    } else {
        cut.to_string()
    }
}
