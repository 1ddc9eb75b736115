//! The policy cases both release paths (export and TAXII) are tested on: a
//! hub with five kinds of recipient and one indicator per sharing rule, and
//! what each recipient must receive by the design's rules, written out
//! independently of the policy code.
#![allow(dead_code)] // Not every test binary uses every helper.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

use super::yagura;

pub(crate) fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("yagura-export-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

pub(crate) fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

pub(crate) fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
pub(crate) const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
pub(crate) const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
pub(crate) const TLP_AMBER_STRICT: &str =
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
pub(crate) const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
pub(crate) const SHARING: &str = "extension-definition--f1d51fe7-fc66-486c-bf7e-7f0be7e490a8";
pub(crate) const FOR_ISAC: &str = "marking-definition--1b1b1b1b-0000-4000-8000-000000000001";
pub(crate) const HELD_IN_JP: &str = "marking-definition--1b1b1b1b-0000-4000-8000-000000000002";
pub(crate) const UNKNOWN: &str = "marking-definition--1b1b1b1b-0000-4000-8000-000000000003";

pub(crate) fn indicator(n: u32, ip: &str, markings: &[&str]) -> Value {
    let mut v = json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--2a2a2a2a-0000-4000-8000-{n:012}"),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": format!("case {n}"), "description": "test indicator",
        "indicator_types": ["malicious-activity"],
        "pattern": format!("[ipv4-addr:value = '{ip}']"), "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z", "labels": ["yagura-test"],
    });
    if !markings.is_empty() {
        v["object_marking_refs"] = json!(markings);
    }
    v
}

pub(crate) fn sharing_marking(id: &str, key: &str, list: &[&str]) -> Value {
    json!({
        "type": "marking-definition", "spec_version": "2.1", "id": id,
        "created": "2026-01-01T00:00:00.000Z", "name": format!("test {key}"),
        "extensions": {SHARING: {"extension_type": "property-extension", key: list}}
    })
}

/// The hub: five recipients, a collection whose audience is `isac`, and
/// one indicator per case. Returns the data directory.
pub(crate) fn hub(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    for args in [
        &[
            "org",
            "add",
            "jpcert",
            "--jurisdiction",
            "JP",
            "--community",
        ][..],
        &[
            "org",
            "add",
            "isac",
            "--jurisdiction",
            "JP",
            "--community",
            "--sector",
            "finance",
        ],
        &[
            "org",
            "add",
            "member",
            "--jurisdiction",
            "KR",
            "--community",
        ],
        &["org", "add", "usvendor", "--jurisdiction", "US"],
        &[
            "collection",
            "add",
            "shared",
            "--title",
            "Shared",
            "--audience",
            "isac",
        ],
    ] {
        ok(&yagura(&data, args));
    }
    let bundle = json!({"type": "bundle", "id": "bundle--3c3c3c3c-0000-4000-8000-000000000001", "objects": [
        sharing_marking(FOR_ISAC, "recipients", &["isac"]),
        sharing_marking(HELD_IN_JP, "residency", &["JP"]),
        indicator(1, "10.0.0.1", &[TLP_CLEAR]),
        indicator(2, "10.0.0.2", &[TLP_GREEN]),
        indicator(3, "10.0.0.3", &[TLP_AMBER]),
        indicator(4, "10.0.0.4", &[TLP_AMBER_STRICT]),
        indicator(5, "10.0.0.5", &[TLP_RED, FOR_ISAC]),
        indicator(6, "10.0.0.6", &[TLP_RED]),
        indicator(7, "10.0.0.7", &[TLP_CLEAR, HELD_IN_JP]),
        indicator(8, "10.0.0.8", &[TLP_CLEAR, UNKNOWN]),
        indicator(9, "10.0.0.9", &[]),
    ]});
    let file = dir.join("cases.json");
    std::fs::write(&file, bundle.to_string()).expect("writes");
    ok(&yagura(
        &data,
        &[
            "import",
            "--org",
            "jpcert",
            "--collection",
            "shared",
            path(&file),
        ],
    ));
    let other = json!([indicator(10, "10.0.1.1", &[TLP_AMBER])]);
    let file = dir.join("isac.json");
    std::fs::write(&file, other.to_string()).expect("writes");
    ok(&yagura(&data, &["import", "--org", "isac", path(&file)]));
    data
}

/// What each recipient must receive, by the design's rules (independent of
/// the policy code): the last octets of the indicators' addresses.
pub(crate) fn expected(recipient: &str, default_green: bool) -> BTreeSet<String> {
    let ips: &[&str] = match (recipient, default_green) {
        // The producer: all its own (the unknown marking does not bind it).
        ("jpcert", _) => &[
            "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9",
        ],
        // Community, in the audience, named for RED, in JP, producer of 1.1.
        ("isac", _) => &["0.1", "0.2", "0.3", "0.4", "0.5", "0.7", "0.9", "1.1"],
        // Community but outside the audience and in KR.
        ("member", false) => &["0.1", "0.2"],
        ("member", true) => &["0.1", "0.2", "0.9"],
        // Neither community nor audience; US.
        _ => &["0.1"],
    };
    ips.iter().map(|s| format!("10.0.{s}")).collect()
}

pub(crate) fn recipient_args(r: &str) -> Vec<&str> {
    if r == "public" {
        vec!["--public"]
    } else {
        vec!["--to", r]
    }
}
