//! `yagura init`: the regional actor base (and ATT&CK when at hand) answers
//! "who is APT10, what do they target, what do they use".

mod common;
use common::yagura;

use std::path::PathBuf;

use serde_json::Value;

fn attack_bundle() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/attack/enterprise-attack.json.gz");
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped the ATT&CK part: {} is absent", p.display());
        None
    }
}

#[test]
fn init_loads_the_regional_base_and_attack() {
    let dir = std::env::temp_dir().join(format!("yagura-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    let attack = attack_bundle();
    let mut args = vec!["init"];
    let attack_arg;
    if let Some(p) = &attack {
        attack_arg = p.to_string_lossy().into_owned();
        args.extend(["--attack", attack_arg.as_str()]);
    }
    let out = yagura(&data, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("regional actor base: 386 actors"));
    // In the collection every community member reads over TAXII.
    let collections = yagura(&data, &["collection", "list"]);
    assert!(String::from_utf8_lossy(&collections.stdout).starts_with("regional "));

    let hits = yagura(&data, &["search", "--output", "json", "APT10"]);
    let docs: Vec<Value> = String::from_utf8_lossy(&hits.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let regional = docs
        .iter()
        .find(|d| d["object"]["external_references"][0]["source_name"] == "misp-galaxy")
        .expect("the regional actor");
    let related: Vec<&str> = regional["related"]
        .as_array()
        .expect("related")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        related
            .iter()
            .any(|r| r.starts_with("→ targets location--") && r.ends_with("Japan")),
        "{related:?}"
    );
    assert!(
        related
            .iter()
            .any(|r| r.starts_with("→ originates-from location--") && r.ends_with("China")),
        "{related:?}"
    );
    if attack.is_some() {
        let menupass = docs
            .iter()
            .find(|d| d["name"] == "menuPass")
            .expect("ATT&CK's menuPass");
        let uses = menupass["related"]
            .as_array()
            .expect("related")
            .iter()
            .filter(|r| r.as_str().is_some_and(|r| r.starts_with("→ uses")))
            .count();
        assert!(uses > 20, "menuPass uses {uses} techniques and tools");
    }

    // Loading again changes nothing.
    let again = yagura(&data, &args);
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.contains("(0 new)"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
