//! Killing `yagura import` (SIGKILL) mid-file leaves the store consistent:
//! files committed before are whole, the interrupted file left nothing, and
//! importing again completes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

fn yagura(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yagura"));
    c.env("YAGURA_DATA", data);
    c
}

/// A bundle of `n` indicators whose patterns look for 10.<tag>.x.y.
fn write_bundle(path: &PathBuf, tag: u32, n: u32) {
    let objects: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            json!({"type": "indicator", "spec_version": "2.1",
                "id": format!("indicator--{:08x}-0000-4000-8000-{:012x}", tag, i),
                "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
                "name": format!("ioc {tag} {i}"), "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
                "pattern": format!("[ipv4-addr:value = '10.{tag}.{}.{}']", i / 256 % 256, i % 256)})
        })
        .collect();
    let text = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects}).to_string();
    std::fs::write(path, text).expect("write bundle");
}

fn found(data: &Path, value: &str) -> bool {
    yagura(data)
        .args(["search", value])
        .output()
        .expect("search")
        .status
        .code()
        == Some(0)
}

#[test]
fn sigkill_mid_import_leaves_a_consistent_store() {
    let dir = std::env::temp_dir().join(format!("yagura-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let data = dir.join("data");
    let first = dir.join("a.json");
    let big = dir.join("b.json");
    write_bundle(&first, 1, 100);
    write_bundle(&big, 2, 60_000);

    assert!(
        yagura(&data)
            .args(["import"])
            .arg(&first)
            .output()
            .expect("import a")
            .status
            .success()
    );

    // Kill the import of the big file once it has been writing for a while.
    let mut child = yagura(&data)
        .args(["import"])
        .arg(&big)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    let wal = data.join("yagura.db-wal");
    while start.elapsed() < Duration::from_secs(20) {
        let written = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if written > 4 << 20 {
            break;
        }
        if child.try_wait().expect("poll").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed_mid_file = child.try_wait().expect("poll").is_none();
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(
        killed_mid_file,
        "the import finished before it could be killed; make the file bigger"
    );

    // The store opens, is intact, and holds exactly the first file.
    let check = Command::new("sqlite3")
        .arg(data.join("yagura.db"))
        .arg("PRAGMA integrity_check;")
        .output();
    // (The sqlite3 shell is optional; the searches below check the content.)
    if let Ok(out) = check
        && out.status.success()
    {
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    }
    assert!(found(&data, "10.1.0.99"), "the committed file is whole");
    assert!(!found(&data, "10.2.0.1"), "the killed file left nothing");

    // Importing again completes, and a third time changes nothing.
    let again = yagura(&data)
        .args(["import"])
        .arg(&big)
        .output()
        .expect("re-import");
    assert!(again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("new 60000"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert!(found(&data, "10.2.234.95"));
    let third = yagura(&data)
        .args(["import"])
        .arg(&big)
        .output()
        .expect("third import");
    assert!(String::from_utf8_lossy(&third.stdout).contains("new 0, updated 0, unchanged 60000"));
    let _ = std::fs::remove_dir_all(&dir);
}
