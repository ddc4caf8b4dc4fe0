//! `creditwatch completions SHELL` and `creditwatch man`: the shell completions and the man
//! page, generated from the same argument definitions the binary parses, so they cannot
//! drift from it. Both print to standard output; the Homebrew formula installs them.

use super::Args;
use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut command = Args::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "creditwatch", &mut out);
    emit(&out)
}

/// Prints the man page (roff), `creditwatch(1)`.
pub fn man() -> ExitCode {
    let mut out = Vec::new();
    match clap_mangen::Man::new(Args::command()).render(&mut out) {
        Ok(()) => emit(&out),
        Err(e) => {
            eprintln!("creditwatch: cannot render the man page: {e}");
            ExitCode::FAILURE
        }
    }
}

fn emit(bytes: &[u8]) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("creditwatch: cannot write to standard output: {e}");
            ExitCode::FAILURE
        }
    }
}
