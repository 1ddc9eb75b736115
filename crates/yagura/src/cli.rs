//! Command-line interface: argument parsing and dispatch. Exit codes are
//! stable for scripts: 0 success (or "valid"/"matched" answered), 1 a
//! negative verdict (`pattern check` on an invalid pattern), 2 an error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands::pattern::{self, PatternCommand};
use crate::commands::stix::{self, StixCommand};

/// Yagura: sovereign threat-intelligence hub, detection engine and incident desk.
#[derive(Debug, Parser)]
#[command(name = "yagura", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// STIX patterns: check syntax, match against observed data.
    #[command(subcommand)]
    Pattern(PatternCommand),
    /// STIX content: validate, upgrade 2.0 to 2.1.
    #[command(subcommand)]
    Stix(StixCommand),
}

/// Parses the arguments, runs the command and maps the outcome to an exit code.
pub(crate) fn run() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Pattern(cmd) => pattern::run(cmd),
        Command::Stix(cmd) => stix::run(cmd),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            report_error(&e);
            ExitCode::from(2)
        }
    }
}

/// Prints an error and its causes on stderr.
pub(crate) fn report_error(e: &anyhow::Error) {
    eprintln!("error: {e:#}");
}
