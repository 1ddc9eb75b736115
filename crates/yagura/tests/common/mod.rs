//! Helpers shared by the binary's end-to-end tests.

pub(crate) mod cases;
pub(crate) mod server;

use std::path::Path;
use std::process::{Command, Output};

/// Runs `yagura ARGS` on the data directory `data` (through `YAGURA_DATA`),
/// with no configuration file or hub setting from the environment.
#[allow(dead_code)] // Not every test binary uses every helper.
pub(crate) fn yagura(data: &Path, args: &[&str]) -> Output {
    yagura_env(data, args, &[])
}

/// As [`yagura`], with these environment variables set.
#[allow(dead_code)]
pub(crate) fn yagura_env(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yagura"))
        .env("YAGURA_DATA", data)
        .env_remove("YAGURA_CONFIG")
        .env_remove("YAGURA_DEFAULT_TLP")
        .envs(env.iter().copied())
        .args(args)
        .output()
        .expect("runs")
}
