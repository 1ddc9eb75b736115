//! SigmaHQ's Windows rules (../shared/data/sigma/rules/windows, not in
//! git): at least 99.5% load, and each rule that does not is printed with
//! its reason. Skipped, saying so, when the folder is absent.

use std::path::{Path, PathBuf};

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sigma/rules/windows")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(p);
        }
    }
}

#[test]
fn sigmahq_windows_rules_load() {
    let dir = rules_dir();
    if !dir.is_dir() {
        println!("skipped: {} is absent", dir.display());
        return;
    }
    let mut files = Vec::new();
    walk(&dir, &mut files);
    let (mut ok, mut bad) = (0usize, Vec::new());
    for f in &files {
        let text = std::fs::read_to_string(f).expect("readable");
        for r in yagura_sigma::load(&text) {
            match r {
                Ok(_) => ok += 1,
                Err(e) => bad.push(format!("{}: {e}", f.display())),
            }
        }
    }
    let total = ok + bad.len();
    for b in &bad {
        println!("not loaded: {b}");
    }
    println!("{ok} of {total} rules loaded ({} files)", files.len());
    assert!(total >= 2000, "the SigmaHQ Windows rules: {total} rules");
    assert!(
        ok * 1000 >= total * 995,
        "{ok} of {total} loaded: under 99.5%"
    );
}
