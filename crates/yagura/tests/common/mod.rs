//! Helpers shared by the binary's end-to-end tests.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `yagura ARGS` on the data directory `data` (through `YAGURA_DATA`),
/// with no configuration file from the environment.
pub(crate) fn yagura(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yagura"))
        .env("YAGURA_DATA", data)
        .env_remove("YAGURA_CONFIG")
        .args(args)
        .output()
        .expect("runs")
}
