//! `yagura import` of MISP event JSON: single events, feed folders, bad
//! attributes, re-import, and the real CIRCL OSINT event when present.

mod common;
use common::yagura;

use std::path::{Path, PathBuf};
use std::process::Output;

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("yagura-misp-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../yagura-formats/test-data/misp")
        .join(name)
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn an_event_imports_once_and_answers_searches() {
    let dir = scratch("event");
    let data = dir.join("data");
    let event = fixture("event.json");
    let o = yagura(&data, &["import", path(&event)]);
    assert!(o.status.success(), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("indicator: 3"), "{text}");
    assert!(
        text.contains("text 1"),
        "unmapped attributes are reported: {text}"
    );
    assert!(
        !text.contains("objects written"),
        "no progress bar off a terminal: {text}"
    );

    let o = yagura(&data, &["search", "203.0.113.77"]);
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("TLP:RED") && text.contains("APT10"), "{text}");
    let o = yagura(&data, &["search", "menuPass"]);
    assert!(
        o.status.success() && out(&o).contains("intrusion-set"),
        "{}",
        out(&o)
    );
    // to_ids off: an observable, not an indicator, but still found.
    let o = yagura(&data, &["search", "update.example-cdn.jp"]);
    assert!(out(&o).contains("domain-name"), "{}", out(&o));

    let o = yagura(&data, &["import", path(&event)]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("total: new 0, updated 0"), "{}", out(&o));
}

#[test]
fn a_bad_attribute_rejects_the_file_unless_skipped() {
    let dir = scratch("bad");
    let data = dir.join("data");
    let bad = fixture("bad-attribute.json");
    let o = yagura(&data, &["import", path(&bad)]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = out(&o);
    assert!(
        text.contains("rejected, nothing imported")
            && text.contains("Event.Attribute[1]")
            && text.contains("not-an-address"),
        "{text}"
    );
    assert_eq!(
        yagura(&data, &["search", "192.0.2.10"]).status.code(),
        Some(1),
        "store unchanged"
    );

    let o = yagura(&data, &["import", "--skip-invalid", path(&bad)]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("skipped Event.Attribute[1]"),
        "{}",
        out(&o)
    );
    assert_eq!(
        yagura(&data, &["search", "192.0.2.10"]).status.code(),
        Some(0)
    );

    let truncated = dir.join("truncated.json");
    std::fs::write(&truncated, "{\"Event\": {\"uuid\": ").expect("write");
    let o = yagura(&data, &["import", path(&truncated)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("line 1 column"), "{}", out(&o));
}

#[test]
fn a_feed_folder_imports_what_its_manifest_lists() {
    let dir = scratch("feed");
    let data = dir.join("data");
    let feed = dir.join("feed");
    std::fs::create_dir_all(&feed).expect("feed dir");
    let uuid = "5a1f0c3e-7d2b-4c8e-9f10-aa00bb11cc22";
    std::fs::copy(fixture("event.json"), feed.join(format!("{uuid}.json"))).expect("copy");
    let absent = "11111111-2222-4333-8444-555555555555";
    std::fs::write(
        feed.join("manifest.json"),
        format!("{{\"{uuid}\": {{\"info\": \"x\"}}, \"{absent}\": {{\"info\": \"y\"}}}}"),
    )
    .expect("manifest");
    std::fs::write(feed.join("hashes.csv"), "aa,bb\n").expect("hashes");
    let o = yagura(&data, &["import", path(&feed)]);
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    assert!(
        text.contains("1 files") && text.contains(&format!("{absent}.json: listed in")),
        "{text}"
    );
    assert_eq!(
        yagura(&data, &["search", "203.0.113.77"]).status.code(),
        Some(0)
    );
}

#[test]
fn the_circl_osint_event() {
    let real = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/misp/57c4445b-c548-4654-af0b-4be3950d210f.json");
    if !real.exists() {
        println!("skipped: {} is absent", real.display());
        return;
    }
    let dir = scratch("circl");
    let data = dir.join("data");
    let o = yagura(&data, &["import", path(&real)]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("indicator: 5"), "{}", out(&o));
    let o = yagura(
        &data,
        &[
            "search",
            "b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68",
        ],
    );
    assert!(
        o.status.success() && out(&o).contains("TLP:CLEAR"),
        "{}",
        out(&o)
    );
}
