//! The `yagura` binary.

mod cli;
mod commands;
mod config;

fn main() -> std::process::ExitCode {
    cli::run()
}
