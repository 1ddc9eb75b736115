//! `yagura import` and `yagura search` end to end, on a fresh data directory.

mod common;
use common::yagura;

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};

fn scratch() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "yagura-import-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn bundle(objects: Vec<Value>) -> String {
    json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects}).to_string()
}

fn actor() -> Value {
    json!({"type": "intrusion-set", "spec_version": "2.1", "id": "intrusion-set--fb6aa549-c94a-4e45-b4fd-7e32602dad85",
        "created": "2017-05-31T21:31:57.307Z", "modified": "2024-04-10T22:28:04.479Z", "name": "BlackTech",
        "aliases": ["BlackTech", "Palmerworm"], "description": "Espionage group targeting Japan and Taiwan."})
}

fn indicator() -> Value {
    json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "name": "BlackTech C2",
        "pattern": "[ipv4-addr:value = '203.0.113.77']", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
        "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]})
}

fn indicates() -> Value {
    json!({"type": "relationship", "spec_version": "2.1", "id": "relationship--0f4b3d1a-5c6e-4f7a-8b9c-0d1e2f3a4b5c",
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "relationship_type": "indicates",
        "source_ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "target_ref": "intrusion-set--fb6aa549-c94a-4e45-b4fd-7e32602dad85"})
}

#[test]
fn import_is_idempotent_and_searchable() {
    let dir = scratch();
    let data = dir.join("data");
    let file = dir.join("intel.json");
    std::fs::write(&file, bundle(vec![actor(), indicator(), indicates()])).expect("write");
    let f = file.to_str().expect("path");

    let first = yagura(&data, &["import", "--org", "jpcert", f]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout)
            .contains("intel.json: new 3, updated 0, unchanged 0, history 0, rejected 0"),
        "{}",
        text(&first.stdout)
    );
    let again = yagura(&data, &["import", f]);
    assert!(
        text(&again.stdout).contains("new 0, updated 0, unchanged 3"),
        "{}",
        text(&again.stdout)
    );

    // An exact value from the indicator's pattern, with the actor it indicates.
    let hit = yagura(&data, &["search", "203.0.113.77"]);
    assert_eq!(hit.status.code(), Some(0));
    let out = text(&hit.stdout);
    assert!(
        out.contains("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
        "{out}"
    );
    assert!(out.contains("[ipv4 203.0.113.77] TLP:AMBER"), "{out}");
    assert!(
        out.contains("→ indicates intrusion-set--fb6aa549-c94a-4e45-b4fd-7e32602dad85 BlackTech"),
        "{out}"
    );

    let by_alias = yagura(&data, &["search", "--output", "json", "palmerworm"]);
    let docs: Vec<Value> = text(&by_alias.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["name"], "BlackTech");
    assert_eq!(docs[0]["matched"], "name");

    let words = yagura(&data, &["search", "espionage taiwan"]);
    assert!(
        text(&words.stdout).contains("intrusion-set--fb6aa549"),
        "{}",
        text(&words.stdout)
    );
    let none = yagura(&data, &["search", "198.51.100.1"]);
    assert_eq!(none.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_object_rejects_its_file_and_leaves_the_store_unchanged() {
    let dir = scratch();
    let data = dir.join("data");
    let mut bad = indicator();
    bad["modified"] = json!("2023-13-01T00:00:00.000Z");
    let file = dir.join("mixed.json");
    std::fs::write(&file, bundle(vec![actor(), bad])).expect("write");
    let f = file.to_str().expect("path");

    let out = yagura(&data, &["import", f]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("mixed.json: rejected, nothing imported: line 1 (byte"),
        "{err}"
    );
    assert!(
        err.contains("objects[1], indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: modified"),
        "{err}"
    );
    assert_eq!(
        yagura(&data, &["search", "blacktech"]).status.code(),
        Some(1),
        "nothing was imported"
    );

    let skip = yagura(&data, &["import", "--skip-invalid", f]);
    assert_eq!(skip.status.code(), Some(1));
    assert!(
        text(&skip.stdout).contains("new 1, updated 0, unchanged 0, history 0, rejected 1"),
        "{}",
        text(&skip.stdout)
    );
    assert!(
        text(&skip.stderr).contains("skipped line 1"),
        "{}",
        text(&skip.stderr)
    );
    assert_eq!(
        yagura(&data, &["search", "blacktech"]).status.code(),
        Some(0)
    );

    let broken = dir.join("broken.json");
    std::fs::write(
        &broken,
        "{\"type\": \"bundle\", \"objects\": [\n{\"type\": \"tool\",}]}",
    )
    .expect("write");
    let out = yagura(&data, &["import", broken.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("invalid JSON at line 2"),
        "{}",
        text(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn folders_and_gzip() {
    let dir = scratch();
    let data = dir.join("data");
    let feed = dir.join("feed");
    std::fs::create_dir_all(feed.join("2024")).expect("feed dirs");
    std::fs::write(feed.join("a.json"), bundle(vec![actor()])).expect("write");
    let gz = std::fs::File::create(feed.join("2024").join("b.json.gz")).expect("create");
    let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::fast());
    enc.write_all(bundle(vec![indicator()]).as_bytes())
        .expect("gzip");
    enc.finish().expect("finish");
    std::fs::write(feed.join("notes.txt"), "not STIX").expect("write");
    let out = yagura(&data, &["import", feed.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(
            "total: new 2, updated 0, unchanged 0, history 0, rejected 0 (2 files, 0 rejected)"
        ),
        "{}",
        text(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn plain_lists_and_csv() {
    let dir = scratch();
    let data = dir.join("data");
    let list = dir.join("feed.txt");
    std::fs::write(
        &list,
        "# abuse.ch-style list\n198.51.100.7\nhxxps://evil[.]example/gate.php\nnot an indicator\n",
    )
    .expect("write");
    let l = list.to_str().expect("path");
    let strict = yagura(&data, &["import", l]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(text(&strict.stderr).contains("rejected, nothing imported: line 4 (byte 0): no indicator value in \"not an indicator\""), "{}", text(&strict.stderr));
    let skip = yagura(&data, &["import", "--skip-invalid", "--tlp", "green", l]);
    assert!(
        text(&skip.stdout)
            .contains("feed.txt: new 2, updated 0, unchanged 0, history 0, rejected 1"),
        "{}",
        text(&skip.stdout)
    );
    let again = yagura(&data, &["import", "--skip-invalid", l]);
    assert!(
        text(&again.stdout).contains("new 0, updated 0, unchanged 2"),
        "{}",
        text(&again.stdout)
    );
    let hit = yagura(&data, &["search", "https://evil.example/gate.php"]);
    assert!(
        text(&hit.stdout).contains("[url https://evil.example/gate.php] TLP:GREEN"),
        "{}",
        text(&hit.stdout)
    );

    let csv = dir.join("misp.csv");
    std::fs::write(
        &csv,
        "uuid,event_id,category,type,value,comment,to_ids,date\n\
         5d3f,12,Network activity,ip-dst,203.0.113.9,BlackTech C2,1,20260101\n\
         5d40,12,Payload delivery,sha256,9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08,,1,20260101\n",
    )
    .expect("write");
    let out = yagura(&data, &["import", csv.to_str().expect("path")]);
    assert!(
        text(&out.stdout).contains("misp.csv: new 2"),
        "{}",
        text(&out.stdout)
    );
    let hit = yagura(
        &data,
        &[
            "search",
            "--output",
            "json",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ],
    );
    let doc: Value =
        serde_json::from_str(text(&hit.stdout).lines().next().expect("a hit")).expect("JSON");
    assert_eq!(
        doc["object"]["pattern"],
        "[file:hashes.'SHA-256' = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08']"
    );
    let c2 = yagura(&data, &["search", "--output", "json", "203.0.113.9"]);
    let doc: Value =
        serde_json::from_str(text(&c2.stdout).lines().next().expect("a hit")).expect("JSON");
    assert_eq!(doc["object"]["description"], "BlackTech C2");
    let _ = std::fs::remove_dir_all(&dir);
}
