//! `creditwatch service install | uninstall | status | restart`.

use super::Context;
use crate::service::{Install, Manager};
use anyhow::Context as _;
use std::path::Path;
use std::process::ExitCode;

/// What to do with the service.
#[derive(Debug, clap::Subcommand)]
pub enum ServiceCommand {
    /// Start creditwatch at login, and now (run it again after an upgrade).
    Install,
    /// Stop it and no longer start it at login; your config, rules and data stay.
    Uninstall,
    /// What the service manager and the daemon say.
    Status,
    /// Stop and start it again.
    Restart,
}

/// Runs a service command with the platform's manager.
pub fn run(ctx: &Context, command: ServiceCommand) -> anyhow::Result<ExitCode> {
    let manager = Manager::native();
    match command {
        ServiceCommand::Install => install(ctx, manager)?,
        ServiceCommand::Uninstall => {
            let file = manager.uninstall()?;
            println!("Stopped creditwatch and removed {}.", file.display());
            println!("Your config, rules and history are kept.");
        }
        ServiceCommand::Restart => {
            manager.restart()?;
            println!("Restarted creditwatch.");
        }
        ServiceCommand::Status => {
            // Without a service manager (a container, a machine without systemd) the
            // daemon's own status still answers.
            match manager.status() {
                Ok(said) if !said.trim().is_empty() => println!("{}\n", said.trim_end()),
                Ok(_) => {}
                Err(e) => println!("No service manager to ask ({e}); creditwatch's own status:\n"),
            }
            return super::status::run(ctx, false);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn install(ctx: &Context, manager: Manager) -> anyhow::Result<()> {
    if let Err(e) = ctx.load_config() {
        eprintln!("warning: {e}\nThe daemon will wait until the config file is fixed.");
    }
    let binary = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .context("cannot find this program's own path")?;
    let binary = crate::service::lasting_path(&binary);
    let install = Install {
        binary,
        config_file: absolute(&ctx.config_file)?,
        log_dir: ctx.paths.log_dir.clone(),
        path_env: path_env(),
        home_env: std::env::var_os(crate::paths::HOME_ENV)
            .filter(|v| !v.is_empty())
            .map(|h| absolute(Path::new(&h)))
            .transpose()?,
    };
    let file = manager.install(&install)?;
    println!(
        "Installed {}; creditwatch runs now and at every login.",
        file.display()
    );
    match manager {
        Manager::Launchd => println!(
            "Logs: {}",
            install.log_dir.join("creditwatch.log").display()
        ),
        Manager::Systemd => println!("Logs: journalctl --user -u creditwatch"),
    }
    println!("Check on it with `creditwatch status`.");
    Ok(())
}

fn absolute(path: &Path) -> anyhow::Result<std::path::PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))
}

/// The `PATH` the daemon gets: the installer's, so `command` sources find what they found
/// in the shell; launchd and systemd would otherwise give a bare one.
fn path_env() -> String {
    std::env::var("PATH")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into())
}
