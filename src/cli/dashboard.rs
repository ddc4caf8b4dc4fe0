//! `creditwatch dashboard`: the address of the daemon's page, with its token, opened in the
//! default browser (`open` on macOS, `xdg-open` elsewhere) unless `--print`.
//!
//! The address is the one the running daemon says it holds (in `daemon.json`), not only
//! the config's: when the daemon could not take its port, another program may have, and
//! the token must not be handed to it. The browser is opened only when the daemon serves
//! the page, and no token is given while no daemon runs. `--new-token`
//! replaces the token first; the server reads it at each request, so the old address
//! stops opening the page at once.

use super::Context;
use crate::daemon::state::State;
use anyhow::Context as _;
use std::net::SocketAddr;

/// Prints the page's address and opens it; with `new_token`, after replacing the token.
pub fn run(ctx: &Context, print_only: bool, new_token: bool) -> anyhow::Result<()> {
    let config = ctx.load_config()?;
    let Some(configured) = config.dashboard else {
        anyhow::bail!(
            "the dashboard is off: `[dashboard] enabled = false` in {}",
            ctx.config_file.display()
        );
    };
    let addr = match served(ctx)? {
        Served::At(addr) => addr,
        // No token for an address nothing of ours serves: another program may hold it.
        Served::NotRunning => anyhow::bail!(
            "not running, so nothing serves the page (it would be at http://{}/): start it with `creditwatch service install` (or `creditwatch run --detach`), then run `creditwatch dashboard` again",
            reachable(configured)
        ),
        Served::NotYet(pid) => anyhow::bail!(
            "creditwatch runs (pid {pid}) but does not serve the page yet: run this again after its first cycle, or, if you have just turned the page on, after `creditwatch service restart`"
        ),
    };
    let token = match new_token {
        true => crate::web::token::replace(&ctx.paths.dashboard_token())?,
        false => crate::web::token::load_or_create(&ctx.paths.dashboard_token())?,
    };
    let url = format!("http://{}/?token={}", reachable(addr), token.expose());
    println!("{url}");
    if print_only {
        return Ok(());
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let status = std::process::Command::new(opener)
        .arg(&url)
        .status()
        .with_context(|| format!("cannot run {opener} to open the page; open the address above"))?;
    anyhow::ensure!(
        status.success(),
        "{opener} failed ({status}); open the address above"
    );
    Ok(())
}

/// What the daemon says of the page.
enum Served {
    /// It serves the page at this address.
    At(SocketAddr),
    /// No daemon runs.
    NotRunning,
    /// The daemon (this pid) has not said it serves the page: before its first cycle, or
    /// with a config from before the page was turned on.
    NotYet(u32),
}

/// Where the running daemon serves the page; an error when it tried and could not.
fn served(ctx: &Context) -> anyhow::Result<Served> {
    let (Some(pid), state) = State::of_running(&ctx.paths) else {
        return Ok(Served::NotRunning);
    };
    let Some(state) = state else {
        return Ok(Served::NotYet(pid));
    };
    if let Some(addr) = state.web.dashboard {
        return Ok(Served::At(addr));
    }
    match state.web.errors.first() {
        Some(e) => anyhow::bail!(
            "creditwatch runs (pid {pid}) but does not serve the dashboard: {e}; choose another port with `[dashboard] listen` and run `creditwatch service restart`"
        ),
        None => Ok(Served::NotYet(pid)),
    }
}

/// An address this machine's browser can open: a server on every interface is reached
/// through loopback.
fn reachable(mut addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    addr
}
