//! What the Sigma corpus tests share: where ../shared's Sigma data is, and
//! a sorted walk of its files.

use std::path::{Path, PathBuf};

/// `../shared/data/sigma`, beside the checkout.
pub(crate) fn sigma_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sigma")
}

/// The files under `dir` whose names end with `ext`, in name order.
pub(crate) fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, ext, out);
        } else if p.to_string_lossy().ends_with(ext) {
            out.push(p);
        }
    }
}
