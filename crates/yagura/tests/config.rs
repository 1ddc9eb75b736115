//! Where the data directory comes from: `yagura.toml` < `YAGURA_DATA` <
//! `--data`, and a configuration file with an unknown key is refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yagura-config-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("iocs.txt"), "203.0.113.9\n").expect("list");
    dir
}

/// `yagura import iocs.txt` run in `cwd`, with `YAGURA_DATA` and
/// `YAGURA_CONFIG` cleared unless given.
fn import(cwd: &Path, env_data: Option<&Path>, extra: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yagura"));
    c.current_dir(cwd)
        .env_remove("YAGURA_DATA")
        .env_remove("YAGURA_CONFIG");
    if let Some(d) = env_data {
        c.env("YAGURA_DATA", d);
    }
    c.args(extra)
        .args(["import", "iocs.txt"])
        .output()
        .expect("runs")
}

fn has_store(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false)
}

#[test]
fn file_then_environment_then_flag() {
    let dir = root("precedence");
    std::fs::write(dir.join("yagura.toml"), "data = \"from-file\"\n").expect("toml");

    let out = import(&dir, None, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(has_store(&dir.join("from-file")));
    assert!(
        !dir.join("yagura-data").exists(),
        "the file's data wins over the default"
    );

    let env = dir.join("from-env");
    assert!(import(&dir, Some(&env), &[]).status.success());
    assert!(has_store(&env), "YAGURA_DATA wins over the file");

    let flag = dir.join("from-flag");
    let flag_s = flag.to_str().expect("utf-8 path");
    assert!(
        import(&dir, Some(&env), &["--data", flag_s])
            .status
            .success()
    );
    assert!(has_store(&flag), "--data wins over YAGURA_DATA");
}

#[test]
fn relative_data_is_relative_to_the_file_and_default_without_one() {
    let dir = root("relative");
    let etc = dir.join("etc");
    std::fs::create_dir_all(&etc).expect("etc");
    std::fs::write(etc.join("hub.toml"), "data = \"store\"\n").expect("toml");
    let out = import(&dir, None, &["--config", "etc/hub.toml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(has_store(&etc.join("store")));

    let bare = root("bare");
    assert!(import(&bare, None, &[]).status.success());
    assert!(
        has_store(&bare.join("yagura-data")),
        "no file, no env, no flag: ./yagura-data"
    );
}

#[test]
fn unknown_key_and_missing_named_file_are_usage_errors() {
    let dir = root("bad");
    std::fs::write(dir.join("yagura.toml"), "dta = \"x\"\n").expect("toml");
    let out = import(&dir, None, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("yagura.toml") && err.contains("dta"), "{err}");
    assert!(
        !dir.join("x").exists() && !dir.join("yagura-data").exists(),
        "nothing written"
    );

    let out = import(&dir, None, &["--config", "nowhere.toml"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("nowhere.toml"), "{err}");
}
