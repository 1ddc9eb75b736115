//! The `yagura` binary.

mod cli;
mod commands;
mod config;
mod release;

fn main() -> std::process::ExitCode {
    cli::run()
}
