//! Logging for every command: to stderr, or to the daemon's capped log file.
//!
//! `RUST_LOG` picks what is logged, with one limit it cannot lift: the crates that handle
//! raw request and protocol bytes (HTTP, TLS, SMTP, D-Bus) are never logged at trace
//! level. At trace, an HTTP implementation may dump every request it writes, headers and
//! all, so `RUST_LOG=trace` would otherwise put the OAuth token and the Admin API key in
//! the log. The limit is a filter of its own, applied after the user's, so no directive in
//! `RUST_LOG` (however specific its target) reaches past it.

use super::{Args, Command};
use crate::paths::Paths;
use tracing::{Level, Metadata};
use tracing_subscriber::filter::{EnvFilter, filter_fn};
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

/// The crates that see raw bytes on the wire; `log` records carry their module paths.
const RAW_BYTES: &[&str] = &[
    "rustls",
    "lettre",
    "http",
    "hyper",
    "hyper_util",
    "h2",
    "tokio_rustls",
    "zbus",
    "async_io",
    "polling",
    "mio",
];

/// True for an event from a crate in [`RAW_BYTES`] (or one of its modules).
fn sees_raw_bytes(target: &str) -> bool {
    let krate = target.split("::").next().unwrap_or(target);
    RAW_BYTES.contains(&krate)
}

/// Whether an event may be logged at all, whatever `RUST_LOG` says.
fn allowed(meta: &Metadata<'_>) -> bool {
    *meta.level() != Level::TRACE || !sees_raw_bytes(meta.target())
}

/// The user's filter: `RUST_LOG`, or `default` when it is unset or unreadable.
fn user_filter(default: &str) -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
}

/// Sends logs to stderr, or to `run --log FILE`; `RUST_LOG` overrides the default level
/// (warnings, and info for the daemon).
pub(crate) fn init(args: &Args) {
    // The daemon logs one line per cycle at info; the other commands only warnings.
    let (default, file) = match &args.command {
        Command::Run(run) => ("info", run.log_file(&Paths::from_env())),
        _ => ("warn", None),
    };
    let base = tracing_subscriber::registry()
        .with(user_filter(default))
        .with(filter_fn(allowed));
    if let Some(path) = file {
        match crate::logfile::LogFile::open(&path, crate::logfile::CAP) {
            Ok(log) => {
                let layer = fmt::layer().with_ansi(false).with_writer(log);
                let _ = base.with(layer).try_init();
                return;
            }
            Err(e) => eprintln!("creditwatch: cannot write the log {}: {e}", path.display()),
        }
    }
    // Colour only for a person at a terminal: not in the journal, a file or a pipe.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = base
        .with(fmt::layer().with_ansi(colour).with_writer(std::io::stderr))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_wire_crates_are_capped() {
        for target in [
            "hyper::proto::h1::io",
            "hyper_util::client::legacy::pool",
            "rustls::conn",
            "lettre::transport",
        ] {
            assert!(sees_raw_bytes(target), "{target}");
        }
        for target in ["creditwatch::daemon", "hyperx", "creditwatch::http", "log"] {
            assert!(!sees_raw_bytes(target), "{target}");
        }
    }
}
