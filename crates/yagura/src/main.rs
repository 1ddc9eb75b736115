//! The `yagura` binary.

mod cli;
mod commands;
mod config;

/// mimalloc: the store's row decoding and JSON parsing make many small
/// allocations, where glibc's allocator spent a third of export time. Built
/// without transparent huge pages (`no_thp`): with them each thread's first
/// pages faulted in 2 MiB at a time, and a Sigma hunt over 315 EVTX files
/// touched 135 MB instead of 88 MB, paying the kernel to zero the rest.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
