//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared` beside the project checkout.
pub(crate) fn shared_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// A file under `../shared`, or `None` (with the reason printed) when the
/// shared folder is not there.
pub(crate) fn shared_file(rel: &str) -> Option<PathBuf> {
    let p = shared_dir().join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} is absent (see ../shared/README)", p.display());
        None
    }
}

pub(crate) fn read_json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("read shared file");
    serde_json::from_str(&text).expect("shared file is JSON")
}

/// A file under this crate's `test-data/`.
pub(crate) fn test_data(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test-data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
