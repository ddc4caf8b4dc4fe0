//! The `creditwatch` binary: parse arguments, set up logging, hand over to [`creditwatch::cli`].

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = creditwatch::cli::Args::parse();
    creditwatch::cli::init_logging(&args);
    creditwatch::cli::run(args)
}
