//! The `yagura` binary.

mod cli;
mod commands;

fn main() -> std::process::ExitCode {
    cli::run()
}
