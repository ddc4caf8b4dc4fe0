//! The desktop notifier: Notification Center on macOS, the freedesktop notification
//! service over D-Bus elsewhere (a `Notify` call on the session bus, or on the bus
//! `[notify.desktop] bus` names).
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
    /// The session bus to show them on (`[notify.desktop] bus`); `None`: the session's own
    /// (`DBUS_SESSION_BUS_ADDRESS`). Not used on macOS.
    bus: Option<String>,
}

impl Desktop {
    /// Builds the notifier once, for the session bus at `bus` (else the session's). On
    /// macOS it first names the application Notification Center shows, which otherwise
    /// looks it up in a way that can hang.
    pub fn build(bus: Option<String>) -> Desktop {
        #[cfg(target_os = "macos")]
        {
            let _ = notify_rust::set_application("com.apple.Terminal");
        }
        Desktop {
            timeout: TIMEOUT,
            bus,
        }
    }

    /// Shows one notification and waits, at most the timeout, for the service to take it.
    pub fn deliver(&self, row: &OutboxRow) -> Result<(), Failure> {
        let shown = Shown {
            summary: sized(&row.title, TITLE_MAX),
            body: sized(&row.body, BODY_MAX),
            severity: row.severity,
        };
        let bus = self.bus.clone();
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("desktop-notify".into())
            .spawn(move || {
                let _ = tx.send(show(bus.as_deref(), &shown));
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

/// One notification, as the service shows it.
struct Shown {
    summary: String,
    body: String,
    /// The urgency on Linux; Notification Center has none.
    #[cfg_attr(not(all(unix, not(target_os = "macos"))), allow(dead_code))]
    severity: crate::vocab::Severity,
}

/// The freedesktop notification service's bus name and object.
#[cfg(all(unix, not(target_os = "macos")))]
const SERVICE: &str = "org.freedesktop.Notifications";
#[cfg(all(unix, not(target_os = "macos")))]
const OBJECT: &str = "/org/freedesktop/Notifications";

/// The session bus at `bus`, else the session's own.
#[cfg(all(unix, not(target_os = "macos")))]
fn connect(bus: Option<&str>) -> Result<zbus::blocking::Connection, String> {
    let connected = match bus {
        Some(address) => zbus::blocking::connection::Builder::address(address)
            .and_then(zbus::blocking::connection::Builder::build),
        None => zbus::blocking::Connection::session(),
    };
    connected.map_err(|e| format!("the session bus could not be reached ({e})"))
}

/// Whether the session bus (at `bus`, else the session's) has a notification service,
/// running or activatable.
#[cfg(all(unix, not(target_os = "macos")))]
pub(super) fn service_present(bus: Option<&str>) -> Result<(), String> {
    present(&connect(bus)?)
}

/// Asked first because a bus need not answer a call to a name nobody owns (busd drops
/// it), and a clear "no service" beats waiting out the timeout.
#[cfg(all(unix, not(target_os = "macos")))]
fn present(bus: &zbus::blocking::Connection) -> Result<(), String> {
    let dbus = zbus::blocking::fdo::DBusProxy::new(bus).map_err(|e| e.to_string())?;
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

/// `Notify` on the freedesktop service, with the urgency its severity asks for.
#[cfg(all(unix, not(target_os = "macos")))]
fn show(bus: Option<&str>, n: &Shown) -> Result<(), String> {
    use zbus::zvariant::Value;
    let bus = connect(bus)?;
    present(&bus)?;
    let urgency: u8 = match n.severity {
        crate::vocab::Severity::Critical => 2,
        crate::vocab::Severity::Warning => 1,
        crate::vocab::Severity::Info => 0,
    };
    let hints = std::collections::HashMap::from([("urgency", Value::from(urgency))]);
    let actions: Vec<&str> = Vec::new();
    let body = (
        "creditwatch",
        0u32,
        "",
        n.summary.as_str(),
        n.body.as_str(),
        actions,
        hints,
        -1i32,
    );
    bus.call_method(Some(SERVICE), OBJECT, Some(SERVICE), "Notify", &body)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Notification Center is always there (the same signature as the session bus's check).
#[cfg(not(all(unix, not(target_os = "macos"))))]
#[allow(clippy::unnecessary_wraps)]
pub(super) fn service_present(_bus: Option<&str>) -> Result<(), String> {
    Ok(())
}

/// Notification Center, through notify-rust.
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn show(_bus: Option<&str>, n: &Shown) -> Result<(), String> {
    notify_rust::Notification::new()
        .appname("creditwatch")
        .summary(&n.summary)
        .body(&n.body)
        .show()
        .map(|_| ())
        .map_err(|e| e.to_string())
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
