//! Configuration: defaults < `yagura.toml` < `YAGURA_*` environment < flags.
//! Only the binary reads files and the environment.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// The configuration file looked for in the working directory.
pub(crate) const FILE: &str = "yagura.toml";

/// The data directory when nothing else names one.
pub(crate) const DEFAULT_DATA: &str = "./yagura-data";

/// `yagura.toml`. Unknown keys are errors, so that a typo does not go unseen.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    /// The data directory; relative paths are relative to the file.
    pub(crate) data: Option<PathBuf>,
    /// The TLP of objects that carry none (`amber` unless set).
    pub(crate) default_tlp: Option<String>,
    /// The address `yagura serve` listens on.
    pub(crate) listen: Option<std::net::SocketAddr>,
}

impl FileConfig {
    /// Reads `path` if given (it must exist), else `./yagura.toml` if it exists.
    pub(crate) fn load(path: Option<&Path>) -> Result<Self> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(FILE), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let mut cfg: Self = toml::from_str(&text)
            .with_context(|| format!("{}: invalid configuration", path.display()))?;
        // A relative `data` is relative to the file, not to wherever the
        // binary happens to be started.
        if let (Some(d), Some(dir)) = (cfg.data.as_ref(), path.parent())
            && d.is_relative()
            && !dir.as_os_str().is_empty()
        {
            cfg.data = Some(dir.join(d));
        }
        Ok(cfg)
    }
}

/// The data directory: the flag or `YAGURA_DATA` (clap resolves both, the
/// flag first), else the file's `data`, else the default.
pub(crate) fn data_dir(flag_or_env: Option<PathBuf>, file: &FileConfig) -> PathBuf {
    flag_or_env
        .or_else(|| file.data.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA))
}

/// The environment variable that overrides `default_tlp`.
pub(crate) const DEFAULT_TLP_ENV: &str = "YAGURA_DEFAULT_TLP";

/// The hub's sharing settings: `YAGURA_DEFAULT_TLP`, else the file's
/// `default_tlp`, else AMBER.
pub(crate) fn hub_policy(file: &FileConfig) -> Result<yagura_policy::HubPolicy> {
    let mut hub = yagura_policy::HubPolicy::default();
    let (text, from) = match std::env::var(DEFAULT_TLP_ENV) {
        Ok(v) => (Some(v), DEFAULT_TLP_ENV),
        Err(_) => (file.default_tlp.clone(), "default_tlp"),
    };
    if let Some(t) = text {
        hub.default_tlp = t.parse().with_context(|| format!("{from}: {t:?}"))?;
    }
    Ok(hub)
}
