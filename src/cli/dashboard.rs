//! `creditwatch dashboard`: the address of the daemon's page, with its token, opened in the
//! default browser (`open` on macOS, `xdg-open` elsewhere) unless `--print`.

use super::Context;
use anyhow::Context as _;

/// Prints the page's address and opens it.
pub fn run(ctx: &Context, print_only: bool) -> anyhow::Result<()> {
    let config = ctx.load_config()?;
    let Some(addr) = config.dashboard else {
        anyhow::bail!(
            "the dashboard is off: `[dashboard] enabled = false` in {}",
            ctx.config_file.display()
        );
    };
    let token = crate::web::token::load_or_create(&ctx.paths.dashboard_token())?;
    // A server on every interface is reached on this machine through loopback.
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let url = format!("http://{addr}/?token={}", token.expose());
    println!("{url}");
    if crate::daemon::lock::holder(&ctx.paths.lock_file()).is_none() {
        eprintln!(
            "creditwatch is not running: start it (`creditwatch service install`) to serve the page"
        );
    }
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
