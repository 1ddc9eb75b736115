//! `yagura export` through the sharing policy: for every format and every
//! kind of recipient, exactly the objects TLP 2.0, the collection audience,
//! named recipients and residency allow, each decision in the audit log;
//! and the audit chain detects tampering. With `YAGURA_PYTHON` naming a
//! Python that has stix2-validator and PyMISP (`.ci/run` sets one up), the
//! STIX export is checked by the OASIS validator and the MISP export is
//! loaded by PyMISP.

mod common;
use common::cases::*;
use common::{yagura, yagura_env};

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

/// The audit records about a recipient, oldest first.
fn audit_for(data: &Path, recipient: &str) -> Vec<Value> {
    let log = ok(&yagura(
        data,
        &[
            "audit",
            "list",
            "--recipient",
            recipient,
            "--limit",
            "1000000",
            "--output",
            "json",
        ],
    ));
    log.lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect()
}

/// The indicator addresses in an export, by format.
fn addresses(format: &str, text: &str) -> BTreeSet<String> {
    let ip = |s: &str| s.starts_with("10.0.");
    match format {
        "stix" => {
            let bundle: Value = serde_json::from_str(text).expect("bundle JSON");
            bundle["objects"]
                .as_array()
                .expect("objects")
                .iter()
                .filter(|o| o["type"] == "indicator")
                .map(|o| {
                    let p = o["pattern"].as_str().expect("pattern");
                    p.split('\'').nth(1).expect("address").to_owned()
                })
                .collect()
        }
        "misp" => {
            let event: Value = serde_json::from_str(text).expect("event JSON");
            event["Event"]["Attribute"]
                .as_array()
                .expect("attributes")
                .iter()
                .map(|a| a["value"].as_str().expect("value").to_owned())
                .collect()
        }
        "csv" => text
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap_or_default().to_owned())
            .filter(|v| ip(v))
            .collect(),
        // Suricata rules: the addresses of the "traffic to" rules.
        "suricata" => text
            .lines()
            .filter(|l| l.contains("traffic to a listed address"))
            .flat_map(|l| {
                let list = l.split('[').nth(1).and_then(|r| r.split(']').next());
                list.unwrap_or_default()
                    .split(',')
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .filter(|v| ip(v))
            .collect(),
        _ => text.lines().map(str::to_owned).filter(|v| ip(v)).collect(),
    }
}

/// Runs one export and returns what it wrote (for suricata, the rules).
fn export_text(data: &Path, dir: &Path, format: &str, recipient: &[&str]) -> String {
    let mut args = vec!["export", "--format", format];
    args.extend(recipient);
    if format == "suricata" {
        let out = dir.join("suricata");
        args.extend(["-o", path(&out)]);
        ok(&yagura(data, &args));
        std::fs::read_to_string(out.join("yagura.rules")).expect("rules")
    } else {
        ok(&yagura(data, &args))
    }
}

#[test]
fn every_format_releases_exactly_what_the_policy_allows_and_audits_it() {
    let dir = scratch("policy");
    let data = hub(&dir);
    let recipients = ["jpcert", "isac", "member", "usvendor", "public"];
    let mut audited = 0;
    for format in ["stix", "misp", "csv", "lines", "suricata"] {
        for r in recipients {
            let before = audit_for(&data, r).len();
            let text = export_text(&data, &dir, format, &recipient_args(r));
            assert_eq!(
                addresses(format, &text),
                expected(r, false),
                "{format} export for {r}"
            );
            // Every stored object was decided for the recipient: 10
            // indicators and 2 marking definitions, plus, in STIX, the
            // referenced stored markings sent with the objects.
            let records = audit_for(&data, r);
            let this_run = &records[before..];
            let decided: BTreeSet<&str> = this_run
                .iter()
                .map(|x| x["object_id"].as_str().expect("id"))
                .collect();
            assert!(decided.len() >= 12, "{format} for {r}: {decided:?}");
            for x in this_run.iter().filter(|x| {
                x["object_id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("indicator--"))
            }) {
                let n: u32 = x["object_id"]
                    .as_str()
                    .and_then(|id| id.rsplit('-').next())
                    .expect("id")
                    .parse()
                    .expect("n");
                let ip = if n == 10 {
                    "10.0.1.1".to_owned()
                } else {
                    format!("10.0.0.{n}")
                };
                assert_eq!(
                    x["allow"].as_bool(),
                    Some(expected(r, false).contains(&ip)),
                    "{format} for {r}: {x}"
                );
            }
            audited += this_run.len();
        }
    }
    // The hub default for unmarked objects is configurable.
    let text = ok(&yagura_env(
        &data,
        &["export", "--to", "member", "--format", "lines"],
        &[("YAGURA_DEFAULT_TLP", "green")],
    ));
    assert_eq!(addresses("lines", &text), expected("member", true));
    let bad = yagura_env(
        &data,
        &["export", "--public"],
        &[("YAGURA_DEFAULT_TLP", "purple")],
    );
    assert_eq!(bad.status.code(), Some(2));

    // Residency recorded at import binds like a residency marking.
    let file = dir.join("kr.json");
    std::fs::write(
        &file,
        json!([indicator(11, "10.0.2.1", &[TLP_CLEAR])]).to_string(),
    )
    .expect("writes");
    ok(&yagura(
        &data,
        &[
            "import",
            "--org",
            "jpcert",
            "--residency",
            "kr",
            path(&file),
        ],
    ));
    for (r, gets) in [("member", true), ("isac", false), ("public", false)] {
        let mut args = vec!["export", "--format", "lines"];
        args.extend(recipient_args(r));
        let text = ok(&yagura(&data, &args));
        assert_eq!(addresses("lines", &text).contains("10.0.2.1"), gets, "{r}");
    }

    let verify = ok(&yagura(&data, &["audit", "verify"]));
    let count: usize = verify
        .split_whitespace()
        .nth(1)
        .expect("count")
        .parse()
        .expect("n");
    assert!(count >= audited + 12, "{verify}");
    let head = verify.split_whitespace().last().expect("head").to_owned();
    ok(&yagura(&data, &["audit", "verify", "--expect-head", &head]));

    // Unknown recipients and conflicting flags are errors, not empty exports.
    let o = yagura(&data, &["export", "--to", "nobody"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no organization"));
    assert_eq!(yagura(&data, &["export"]).status.code(), Some(2));
    assert_eq!(
        yagura(&data, &["export", "--public", "--to", "isac"])
            .status
            .code(),
        Some(2)
    );
    // Filters narrow what is asked for.
    let text = ok(&yagura(
        &data,
        &[
            "export", "--to", "jpcert", "--format", "lines", "--tlp", "red",
        ],
    ));
    assert_eq!(
        addresses("lines", &text),
        ["10.0.0.5", "10.0.0.6"].map(str::to_owned).into()
    );
    let text = ok(&yagura(
        &data,
        &[
            "export", "--to", "jpcert", "--format", "csv", "--type", "malware",
        ],
    ));
    assert_eq!(text.lines().count(), 1, "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn suricata_loads_the_suricata_export() {
    let dir = scratch("suricata");
    let data = dir.join("data");
    let bundle = json!([{
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--4d4d4d4d-0000-4000-8000-000000000001",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "pattern": "[domain-name:value = 'update.example-cdn.jp'] OR [ipv4-addr:value = '203.0.113.77'] \
                    OR [ipv4-addr:value = '198.51.100.0/24'] OR [ipv6-addr:value = '2001:db8::1'] \
                    OR [file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e'] \
                    OR [file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709'] \
                    OR [file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'] \
                    OR [url:value = 'http://update.example-cdn.jp/a']",
        "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": [TLP_CLEAR],
    }]);
    let file = dir.join("ioc.json");
    std::fs::write(&file, bundle.to_string()).expect("writes");
    ok(&yagura(&data, &["import", path(&file)]));
    let out = dir.join("rules");
    let o = yagura(
        &data,
        &[
            "export",
            "--public",
            "--format",
            "suricata",
            "-o",
            path(&out),
        ],
    );
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stderr).contains("left out: 1 url"));
    let rules = std::fs::read_to_string(out.join("yagura.rules")).expect("rules");
    assert_eq!(rules.lines().count(), 3 + 3 + 2, "{rules}");
    assert!(
        rules.contains("[198.51.100.0/24,2001:db8::1,203.0.113.77]"),
        "{rules}"
    );
    // Without a directory the export is refused.
    assert_eq!(
        yagura(&data, &["export", "--public", "--format", "suricata"])
            .status
            .code(),
        Some(2)
    );
    let Ok(suricata) = std::env::var("YAGURA_SURICATA") else {
        eprintln!(
            "skipped the Suricata load check: YAGURA_SURICATA is not set (.ci/run installs Suricata 7 and sets it)"
        );
        return;
    };
    let log = dir.join("log");
    std::fs::create_dir_all(&log).expect("log dir");
    let o = std::process::Command::new(suricata)
        .args([
            "-T",
            "-S",
            path(&out.join("yagura.rules")),
            "-l",
            path(&log),
        ])
        .output()
        .expect("suricata runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{said}");
    assert!(!said.lines().any(|l| l.starts_with("E:")), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `python -c code args…` with the Python named by `YAGURA_PYTHON`.
fn python(code: &str, args: &[&str]) -> Option<Output> {
    let Ok(py) = std::env::var("YAGURA_PYTHON") else {
        eprintln!(
            "skipped: YAGURA_PYTHON is not set (.ci/run sets it to a venv with stix2-validator and PyMISP)"
        );
        return None;
    };
    Some(
        std::process::Command::new(py)
            .arg("-c")
            .arg(code)
            .args(args)
            .output()
            .expect("python runs"),
    )
}

#[test]
fn the_oasis_validator_accepts_the_stix_export_and_pymisp_loads_the_misp_export() {
    let dir = scratch("reference");
    let data = hub(&dir);
    let misp =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../yagura-formats/test-data/misp/event.json");
    ok(&yagura(&data, &["import", "--org", "jpcert", path(&misp)]));
    let stix = dir.join("export.json");
    ok(&yagura(
        &data,
        &["export", "--to", "isac", "-o", path(&stix)],
    ));
    let Some(o) = python(
        "import sys, stix2validator as v\n\
         r = v.validate_file(sys.argv[1], v.ValidationOptions(version='2.1'))\n\
         print(r.is_valid, [str(e) for res in r.object_results for e in res.errors])\n\
         sys.exit(0 if r.is_valid else 1)",
        &[path(&stix)],
    ) else {
        return;
    };
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );

    // The MISP event's attributes come back: same types, values and to_ids.
    let event = dir.join("event.json");
    ok(&yagura(
        &data,
        &[
            "export",
            "--to",
            "jpcert",
            "--format",
            "misp",
            "--type",
            "indicator",
            "--type",
            "domain-name",
            "--type",
            "file",
            "-o",
            path(&event),
        ],
    ));
    let o = python(
        "import sys, json\n\
         from pymisp import MISPEvent\n\
         e = MISPEvent(); e.load_file(sys.argv[1])\n\
         print(json.dumps(sorted([a.type, a.value, bool(a.to_ids)] for a in e.attributes)))",
        &[path(&event)],
    )
    .expect("python was found above");
    let text = ok(&o);
    let loaded: Value = serde_json::from_str(text.trim()).expect("json");
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(&misp).expect("reads")).expect("json");
    let mut want: Vec<Value> = Vec::new();
    let e = &original["Event"];
    let attrs = e["Attribute"].as_array().into_iter().flatten().chain(
        e["Object"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|o| o["Attribute"].as_array().into_iter().flatten()),
    );
    for a in attrs {
        let ty = a["type"].as_str().expect("type");
        if a["deleted"] == true || ["text", "link", "comment"].contains(&ty) {
            continue;
        }
        want.push(json!([ty, a["value"], a["to_ids"]]));
    }
    // The indicators of the policy cases are in the export too.
    let got: Vec<Value> = loaded
        .as_array()
        .expect("list")
        .iter()
        .filter(|a| !a[1].as_str().is_some_and(|v| v.starts_with("10.0.")))
        .cloned()
        .collect();
    want.sort_by_key(ToString::to_string);
    let mut got = got;
    got.sort_by_key(ToString::to_string);
    assert_eq!(got, want);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_tampered_audit_log_fails_verification() {
    let dir = scratch("tamper");
    let data = hub(&dir);
    ok(&yagura(&data, &["export", "--public", "--format", "lines"]));
    let verify = ok(&yagura(&data, &["audit", "verify"]));
    let head = verify.split_whitespace().last().expect("head").to_owned();
    let db = data.join("yagura.db");
    let sql = |statement: &str| {
        let o = std::process::Command::new("python3")
            .args(["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", path(&db), statement])
            .output()
            .expect("python3 runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    // Removing the last record leaves a valid chain, but not the head.
    // (Records are stored in runs: cut the last one out of the last run.)
    sql(
        "UPDATE audit_runs SET entries = json_remove(entries, '$[#-1]'), last_seq = last_seq - 1 \
         WHERE first_seq = (SELECT MAX(first_seq) FROM audit_runs) AND last_seq > first_seq",
    );
    ok(&yagura(&data, &["audit", "verify"]));
    let o = yagura(&data, &["audit", "verify", "--expect-head", &head]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("removed from the end"));
    // Turning a refusal into a release (or back) is found.
    sql(
        "UPDATE audit_runs SET entries = json_set(entries, '$[' || (3 - first_seq) || '][2]', \
         json(CASE WHEN json_extract(entries, '$[' || (3 - first_seq) || '][2]') THEN 'false' ELSE 'true' END)) \
         WHERE 3 BETWEEN first_seq AND last_seq",
    );
    let o = yagura(&data, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("record 3"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
