//! The `yagura` binary.

mod cli;
mod commands;
mod config;

/// mimalloc: the store's row decoding and JSON parsing make many small
/// allocations, where glibc's allocator spent a third of export time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
