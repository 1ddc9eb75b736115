//! The `yagura` binary end to end: outputs, error texts and exit codes.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn yagura(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yagura"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("finishes")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yagura-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

#[test]
fn pattern_check_exit_codes_and_messages() {
    let ok = yagura(&["pattern", "check", "[file:name = 'a.exe']"], None);
    assert_eq!(ok.status.code(), Some(0));
    let bad = yagura(&["pattern", "check", "[file:name = a.exe]"], None);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("1:13: unexpected 'a'"),
        "{}",
        text(&bad.stderr)
    );
    let v20 = yagura(
        &[
            "pattern",
            "check",
            "--stix-version",
            "2.0",
            "[EXISTS file:name]",
        ],
        None,
    );
    assert_eq!(v20.status.code(), Some(1));
}

#[test]
fn pattern_check_jsonl() {
    let input = "{\"pattern\": \"[a:b = 1]\", \"stix_version\": \"2.0\"}\nnot json\n{\"pattern\": \"[a:b = ]\"}\n{\"nothing\": 1}\n";
    let out = yagura(&["pattern", "check", "--jsonl", "-"], Some(input));
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0], json!({"valid": true, "error": null}));
    assert_eq!(lines[1]["valid"], false);
    assert!(
        lines[1]["error"]
            .as_str()
            .expect("error")
            .starts_with("line 2: not valid JSON")
    );
    assert_eq!(lines[2]["valid"], false);
    assert!(
        lines[2]["error"]
            .as_str()
            .expect("error")
            .starts_with("1:7:")
    );
    assert_eq!(lines[3]["valid"], false);
}

fn observations() -> Value {
    json!([{"type": "bundle", "id": "bundle--9a3d3f0c-1f5e-4c1e-9b59-2d6c7e0a8b11", "objects": [
        {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
         "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
         "first_observed": "2020-01-01T00:00:00Z", "last_observed": "2020-01-01T00:00:00Z",
         "number_observed": 1, "object_refs": ["file--ff1e0780-358c-5808-a8c7-d0fca4ef6ef4"]},
        {"type": "file", "id": "file--ff1e0780-358c-5808-a8c7-d0fca4ef6ef4", "name": "evil.exe"}]}])
}

#[test]
fn pattern_match_single_and_batch() {
    let file = temp_file("obs.json", &observations().to_string());
    let f = file.to_str().expect("path");
    let yes = yagura(&["pattern", "match", "[file:name = 'evil.exe']", f], None);
    assert_eq!(
        (yes.status.code(), text(&yes.stdout).trim()),
        (Some(0), "true")
    );
    let no = yagura(&["pattern", "match", "[file:name LIKE 'good%']", f], None);
    assert_eq!(
        (no.status.code(), text(&no.stdout).trim()),
        (Some(0), "false")
    );
    let bad = yagura(&["pattern", "match", "[file:name = ]", f], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("invalid pattern"));

    let cases = [
        json!({"pattern": "[file:name = 'evil.exe']", "stix_version": "2.1", "observations": observations()}),
        json!({"pattern": "[file:name = 'x']", "observations": observations()}),
        json!({"pattern": "[file:name = ]", "observations": []}),
        json!({"pattern": "[file:name IN ('a', 1)]", "observations": observations()}),
    ];
    let input: String = cases.iter().map(|c| format!("{c}\n")).collect();
    let out = yagura(&["pattern", "match", "--jsonl", "-"], Some(&input));
    let results: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("JSON")["result"]
                .as_str()
                .expect("result")
                .to_owned()
        })
        .collect();
    assert_eq!(results, ["match", "no_match", "parse_error", "match_error"]);
}

#[test]
fn stix_validate_reports_by_file_and_object() {
    let valid = temp_file(
        "valid.json",
        &json!({"type": "identity", "spec_version": "2.1", "id": "identity--2d1c6ab3-5e4e-48ac-a32b-f0c01c2836a8",
                "created": "2014-08-08T15:50:10.983Z", "modified": "2014-08-08T15:50:10.983Z",
                "name": "ACME", "identity_class": "organization"})
        .to_string(),
    );
    let out = yagura(&["stix", "validate", valid.to_str().expect("path")], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("valid.json: valid"));

    let invalid = temp_file(
        "invalid.json",
        &json!({"type": "identity", "spec_version": "2.1", "id": "identity--2d1c6ab3-5e4e-48ac-a32b-f0c01c2836a8",
                "created": "2014-08-08T15:50:10.983Z", "modified": "2013-01-01T00:00:00.000Z"})
        .to_string(),
    );
    let out = yagura(&["stix", "validate", invalid.to_str().expect("path")], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("invalid.json: identity--2d1c6ab3-5e4e-48ac-a32b-f0c01c2836a8: \"name\" is a required property"), "{err}");
    assert!(err.contains("modified"), "{err}");

    let json_out = yagura(
        &[
            "stix",
            "validate",
            "--format",
            "json",
            invalid.to_str().expect("path"),
        ],
        None,
    );
    let doc: Value = serde_json::from_slice(&json_out.stdout).expect("JSON");
    assert_eq!(doc["valid"], false);
    assert!(
        doc["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .any(|e| e["object_id"] == "identity--2d1c6ab3-5e4e-48ac-a32b-f0c01c2836a8")
    );

    let broken = temp_file("broken.json", "{\"type\": \"bundle\",\n \"objects\": [1,}");
    let out = yagura(&["stix", "validate", broken.to_str().expect("path")], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("line 2"),
        "{}",
        text(&out.stderr)
    );

    let missing = yagura(&["stix", "validate", "/nonexistent/file.json"], None);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn stix_upgrade_writes_2_1() {
    let v20 = temp_file(
        "v20.json",
        &json!({"type": "bundle", "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982", "spec_version": "2.0", "objects": [
            {"type": "malware", "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b", "created": "2016-04-06T20:07:09Z",
             "modified": "2016-04-06T20:07:09Z", "name": "Poison Ivy", "labels": ["remote-access-trojan"], "x_custom": {"k": [1.5]}}]})
        .to_string(),
    );
    let out = yagura(&["stix", "upgrade", v20.to_str().expect("path")], None);
    assert_eq!(out.status.code(), Some(0));
    let b: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let m = &b["objects"][0];
    assert_eq!(m["spec_version"], "2.1");
    assert_eq!(m["created"], "2016-04-06T20:07:09.000Z");
    assert_eq!(m["malware_types"], json!(["remote-access-trojan"]));
    assert_eq!(m["is_family"], true);
    assert_eq!(m["x_custom"], json!({"k": [1.5]}));
    assert!(b.get("spec_version").is_none());
}
