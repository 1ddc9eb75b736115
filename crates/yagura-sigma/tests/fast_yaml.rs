//! The fast YAML reader against the full parser on every rule file of
//! ../shared/data/sigma (SigmaHQ): wherever the fast reader answers, the
//! trees are the same, and it answers for nearly every rule.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(p);
        }
    }
}

#[test]
fn the_fast_reader_reads_sigmahq_as_the_full_parser_does() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sigma");
    if !dir.is_dir() {
        println!("skipped: {} is absent", dir.display());
        return;
    }
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    let (mut fast, mut windows, mut windows_fast) = (0, 0, 0);
    let mut left = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let is_windows = f.to_string_lossy().contains("/rules/windows/");
        windows += usize::from(is_windows);
        match yagura_sigma::yaml::fast_documents(&text) {
            Some(docs) => {
                let full = yagura_sigma::yaml::full_documents(&text);
                assert_eq!(Ok(&docs), full.as_ref(), "{}", f.display());
                fast += 1;
                windows_fast += usize::from(is_windows);
            }
            None => left.push(f.display().to_string()),
        }
    }
    println!(
        "fast reader: {fast}/{} files ({windows_fast}/{windows} Windows rules); left to the full parser: {:?}",
        files.len(),
        &left[..left.len().min(20)]
    );
    assert!(files.len() > 1000, "the corpus is there");
    assert!(
        windows_fast * 100 >= windows * 95,
        "the fast reader reads {windows_fast}/{windows} Windows rules"
    );
}
