//! `yagura serve`: TAXII 2.1 end to end. The policy cases of the export
//! tests, served to organizations with different rights: authentication,
//! media types, paging, filters, manifest, and exactly the objects the
//! policy allows, each decision audited. With `YAGURA_PYTHON` (a venv with
//! the OASIS taxii2-client, set up by `.ci/run`) the reference client walks
//! discovery → API roots → collections → paged objects → manifest.

mod common;
use common::cases::*;
use common::server::{ACCEPT, get, request, serve};
use common::yagura;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

fn token(data: &Path, user: &str, org: &str) -> String {
    ok(&yagura(
        data,
        &["user", "add", user, "--org", org, "--role", "partner"],
    ));
    ok(&yagura(data, &["token", "create", "--user", user]))
        .trim()
        .to_owned()
}

/// Every object of the collection the token's organization receives, page
/// by page; the addresses of the indicators among them.
fn page_through(addr: &str, token: &str, limit: u32) -> (BTreeSet<String>, usize) {
    let mut seen = BTreeSet::new();
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = format!("/hub/collections/shared/objects/?limit={limit}");
        if let Some(n) = &next {
            path.push_str(&format!("&next={n}"));
        }
        let r = get(addr, &path, token);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("content-type"), Some(ACCEPT));
        let body = r.json();
        pages += 1;
        for o in body["objects"].as_array().into_iter().flatten() {
            ids.push(o["id"].as_str().expect("id").to_owned());
            if o["type"] == "indicator" {
                let p = o["pattern"].as_str().expect("pattern");
                seen.insert(p.split('\'').nth(1).expect("address").to_owned());
            }
        }
        if body["more"] != true {
            break;
        }
        next = Some(body["next"].as_str().expect("next").to_owned());
    }
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an object came twice");
    (seen, pages)
}

#[test]
fn taxii_serves_each_organization_what_the_policy_allows() {
    let dir = scratch("taxii");
    let data = hub(&dir);
    let isac = token(&data, "isac-bot", "isac");
    let member = token(&data, "member-bot", "member");
    let vendor = token(&data, "vendor-bot", "usvendor");
    let jpcert = token(&data, "jpcert-bot", "jpcert");
    let server = serve(&data, &[]);
    let addr = server.addr.as_str();

    // Authentication on every route; no internal detail in errors.
    for path in [
        "/taxii2/",
        "/hub/",
        "/hub/collections/",
        "/hub/collections/shared/objects/",
    ] {
        let r = request(addr, "GET", path, &[("Accept", ACCEPT)], b"");
        assert_eq!(r.status, 401, "{path}");
        assert!(r.header("www-authenticate").is_some());
        assert_eq!(r.json()["http_status"], "401");
        assert_eq!(get(addr, path, "ygr_not-a-token").status, 401);
    }
    let basic = request(
        addr,
        "GET",
        "/taxii2/",
        &[
            ("Accept", ACCEPT),
            ("Authorization", "Basic bm9ib2R5Om5vdGhpbmc="),
        ],
        b"",
    );
    assert_eq!(basic.status, 401);
    let lower = format!("bearer {isac}");
    let r = request(
        addr,
        "GET",
        "/taxii2/",
        &[("Accept", ACCEPT), ("Authorization", &lower)],
        b"",
    );
    assert_eq!(r.status, 200);
    // Media types.
    let auth = format!("Bearer {isac}");
    let r = request(
        addr,
        "GET",
        "/hub/",
        &[("Accept", "text/html"), ("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 406);
    let root = get(addr, "/hub/", &isac).json();
    assert_eq!(root["versions"][0], ACCEPT);
    assert_eq!(get(addr, "/taxii2/", &isac).json()["api_roots"][0], "/hub/");
    assert_eq!(get(addr, "/nope/", &isac).status, 404);

    // Who sees the collection: community members and its audience; the
    // vendor (neither) sees no collection and gets 404, not 403, so that
    // collection ids do not leak.
    assert_eq!(
        get(addr, "/hub/collections/", &isac).json()["collections"][0]["can_write"],
        true
    );
    assert_eq!(
        get(addr, "/hub/collections/", &member).json()["collections"][0]["can_write"],
        false
    );
    assert!(
        get(addr, "/hub/collections/", &vendor)
            .json()
            .get("collections")
            .is_none()
    );
    assert_eq!(
        get(addr, "/hub/collections/shared/objects/", &vendor).status,
        404
    );
    assert_eq!(get(addr, "/hub/collections/shared/", &vendor).status, 404);

    // Exactly what the policy allows, over pages of every size. (10.0.1.1
    // is in no collection: TAXII serves collections.)
    for limit in [1, 2, 5, 1000] {
        for (who, t) in [("isac", &isac), ("member", &member), ("jpcert", &jpcert)] {
            let (got, pages) = page_through(addr, t, limit);
            let mut want = expected(who, false);
            want.remove("10.0.1.1");
            assert_eq!(got, want, "{who}, pages of {limit}");
            assert!(limit > 100 || pages > 1);
        }
    }
    // Filters.
    let r = get(
        addr,
        "/hub/collections/shared/objects/?match[type]=marking-definition",
        &isac,
    );
    let types: BTreeSet<String> = r.json()["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| o["type"].as_str().expect("t").to_owned())
        .collect();
    assert_eq!(types, ["marking-definition".to_owned()].into());
    let one = "indicator--2a2a2a2a-0000-4000-8000-000000000003";
    let r = get(
        addr,
        &format!("/hub/collections/shared/objects/?match[id]={one}"),
        &isac,
    );
    assert_eq!(r.json()["objects"].as_array().expect("objects").len(), 1);
    let r = get(
        addr,
        &format!("/hub/collections/shared/objects/{one}/"),
        &isac,
    );
    assert_eq!(r.status, 200);
    assert!(r.header("x-taxii-date-added-first").is_some());
    // An object the policy refuses is not found, as if absent.
    assert_eq!(
        get(
            addr,
            &format!("/hub/collections/shared/objects/{one}/"),
            &member
        )
        .status,
        404
    );
    let added = r
        .header("x-taxii-date-added-last")
        .expect("header")
        .to_owned();
    let later = get(
        addr,
        &format!("/hub/collections/shared/objects/?added_after={added}"),
        &isac,
    );
    assert_eq!(later.status, 200);
    assert_eq!(
        get(
            addr,
            "/hub/collections/shared/objects/?added_after=yesterday",
            &isac
        )
        .status,
        400
    );
    assert_eq!(
        get(addr, "/hub/collections/shared/objects/?limit=0", &isac).status,
        400
    );
    assert_eq!(
        get(addr, "/hub/collections/shared/objects/?colour=red", &isac).status,
        400
    );
    // The manifest lists the same objects, never more.
    let manifest = get(addr, "/hub/collections/shared/manifest/", &member).json();
    let listed: BTreeSet<&str> = manifest["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| o["id"].as_str().expect("id"))
        .collect();
    assert!(listed.contains("indicator--2a2a2a2a-0000-4000-8000-000000000001"));
    assert!(!listed.contains(one));
    // Oversized bodies are refused before anything reads them.
    let big = vec![b' '; 2 * 1024 * 1024];
    let small = serve(&data, &["--max-content-length", "1048576"]);
    let r = request(
        &small.addr,
        "POST",
        "/hub/collections/shared/objects/",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/taxii+json;version=2.1"),
        ],
        &big,
    );
    assert_eq!(r.status, 413);
    drop(small);

    // Adding objects: the audience writes, others may not; each object
    // succeeds or fails on its own; the status is the poster's alone.
    let post = |token: &str, ct: &str, body: &str| {
        let auth = format!("Bearer {token}");
        request(
            addr,
            "POST",
            "/hub/collections/shared/objects/",
            &[
                ("Accept", ACCEPT),
                ("Content-Type", ct),
                ("Authorization", &auth),
            ],
            body.as_bytes(),
        )
    };
    let new_one = indicator(20, "10.0.9.1", &[TLP_GREEN]);
    let mut bad = indicator(21, "10.0.9.2", &[]);
    bad["pattern"] = serde_json::json!("[ipv4-addr:value = ");
    let taken = indicator(1, "10.0.9.3", &[TLP_CLEAR]);
    let mut taken = taken;
    taken["modified"] = serde_json::json!("2026-06-01T00:00:00.000Z");
    let envelope = serde_json::json!({"objects": [new_one, bad, taken]}).to_string();
    let r = post(&isac, ACCEPT, &envelope);
    assert_eq!(r.status, 202, "{}", r.body);
    let status = r.json();
    assert_eq!(status["status"], "complete");
    assert_eq!(
        (
            status["success_count"].as_u64(),
            status["failure_count"].as_u64()
        ),
        (Some(1), Some(2))
    );
    let failures = status["failures"].to_string();
    assert!(
        failures.contains("objects[1]") && failures.contains("another organization"),
        "{failures}"
    );
    let status_path = format!("/hub/status/{}/", status["id"].as_str().expect("id"));
    assert_eq!(get(addr, &status_path, &isac).json(), status);
    assert_eq!(get(addr, &status_path, &member).status, 404);
    // The new object is isac's, GREEN: community members get it.
    let (got, _) = page_through(addr, &member, 1000);
    assert!(got.contains("10.0.9.1"));
    // jpcert's object was not taken over.
    let (got, _) = page_through(addr, &jpcert, 1000);
    assert!(got.contains("10.0.0.1") && !got.contains("10.0.9.3"));
    // A second version of isac's object: versions, first, all.
    let mut v2 = indicator(20, "10.0.9.1", &[TLP_GREEN]);
    v2["modified"] = serde_json::json!("2026-02-01T00:00:00.000Z");
    let r = post(
        &isac,
        ACCEPT,
        &serde_json::json!({"objects": [v2]}).to_string(),
    );
    assert_eq!(r.json()["success_count"], 1);
    let id20 = "indicator--2a2a2a2a-0000-4000-8000-000000000020";
    let versions = get(
        addr,
        &format!("/hub/collections/shared/objects/{id20}/versions/"),
        &member,
    )
    .json();
    assert_eq!(
        versions["versions"],
        serde_json::json!(["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"])
    );
    let modified = |query: &str| -> Vec<String> {
        get(
            addr,
            &format!("/hub/collections/shared/objects/{id20}/?{query}"),
            &member,
        )
        .json()["objects"]
            .as_array()
            .expect("objects")
            .iter()
            .map(|o| o["modified"].as_str().expect("modified").to_owned())
            .collect()
    };
    assert_eq!(
        modified("match[version]=first"),
        ["2026-01-01T00:00:00.000Z"]
    );
    assert_eq!(
        modified("match[version]=last"),
        ["2026-02-01T00:00:00.000Z"]
    );
    assert_eq!(modified("match[version]=all").len(), 2);
    assert_eq!(
        modified("match[version]=2026-01-01T00:00:00.000Z"),
        ["2026-01-01T00:00:00.000Z"]
    );
    assert_eq!(
        get(
            addr,
            &format!("/hub/collections/shared/objects/{one}/versions/"),
            &member
        )
        .status,
        404
    );
    // Deleting: the producer, with write access; a version, then the rest.
    let delete = |token: &str, path: &str| {
        let auth = format!("Bearer {token}");
        request(
            addr,
            "DELETE",
            path,
            &[("Accept", ACCEPT), ("Authorization", &auth)],
            b"",
        )
    };
    let path20 = format!("/hub/collections/shared/objects/{id20}/");
    assert_eq!(delete(&member, &path20).status, 403);
    assert_eq!(
        delete(&isac, &format!("/hub/collections/shared/objects/{one}/")).status,
        404
    );
    // The current version goes: the older one is served as current.
    assert_eq!(
        delete(
            &isac,
            &format!("{path20}?match[version]=2026-02-01T00:00:00.000Z")
        )
        .status,
        200
    );
    assert_eq!(
        modified("match[version]=last"),
        ["2026-01-01T00:00:00.000Z"]
    );
    assert_eq!(modified("match[version]=all"), ["2026-01-01T00:00:00.000Z"]);
    assert_eq!(
        delete(
            &isac,
            &format!("{path20}?match[version]=2026-02-01T00:00:00.000Z")
        )
        .status,
        404
    );
    assert_eq!(delete(&isac, &path20).status, 200);
    assert_eq!(get(addr, &path20, &isac).status, 404);
    assert_eq!(delete(&isac, &path20).status, 404);
    assert_eq!(post(&member, ACCEPT, &envelope).status, 403);
    assert_eq!(post(&isac, "application/json", &envelope).status, 415);
    assert_eq!(post(&isac, ACCEPT, "{\"objects\": [").status, 400);
    assert_eq!(post(&isac, ACCEPT, "[]").status, 400);

    // Every TAXII decision is in the audit log, refusals too.
    let log = ok(&yagura(
        &data,
        &[
            "audit",
            "list",
            "--recipient",
            "member",
            "--limit",
            "100000",
            "--output",
            "json",
        ],
    ));
    let records: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect();
    assert!(
        records
            .iter()
            .any(|r| r["channel"] == "taxii" && r["allow"] == false && r["object_id"] == one)
    );
    assert!(records.iter().all(|r| r["channel"] == "taxii"));
    ok(&yagura(&data, &["audit", "verify"]));

    // The OASIS reference client.
    let Ok(py) = std::env::var("YAGURA_PYTHON") else {
        eprintln!("skipped the taxii2-client walk: YAGURA_PYTHON is not set (.ci/run sets it)");
        return;
    };
    let script = r#"
import json, sys
from taxii2client.v21 import Server, as_pages
server = Server(f"http://{sys.argv[1]}/taxii2/", user="isac-web", password="a long enough passphrase")
root = server.api_roots[0]
out = {"title": server.title, "roots": [r.url for r in server.api_roots], "collections": []}
for c in root.collections:
    ids = []
    for page in as_pages(c.get_objects, per_request=3):
        ids += [o["id"] for o in page.get("objects", [])]
    manifest = [o["id"] for o in c.get_manifest().get("objects", [])]
    if c.can_write:
        st = c.add_objects({"objects": [{"type": "indicator", "spec_version": "2.1",
            "id": "indicator--5e5e5e5e-0000-4000-8000-000000000001",
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
            "pattern": "[ipv4-addr:value = '10.0.8.1']", "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z"}]})
        out["added"] = [st.status, st.success_count]
    out["collections"].append({"id": c.id, "read": c.can_read, "objects": sorted(ids), "manifest": sorted(manifest)})
print(json.dumps(out))
"#;
    let mut add = Command::new(env!("CARGO_BIN_EXE_yagura"))
        .env("YAGURA_DATA", &data)
        .env_remove("YAGURA_CONFIG")
        .args([
            "user",
            "add",
            "isac-web",
            "--org",
            "isac",
            "--role",
            "partner",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .expect("runs");
    add.stdin
        .take()
        .expect("stdin")
        .write_all(b"a long enough passphrase\n")
        .expect("writes");
    assert!(add.wait().expect("waits").success());
    // What the server gives isac before the client adds one object.
    let (direct, _) = page_through(addr, &isac, 1000);
    let o = Command::new(py)
        .args(["-c", script, addr])
        .output()
        .expect("python runs");
    let text = ok(&o);
    let walk: Value = serde_json::from_str(text.trim()).expect("json");
    assert_eq!(walk["roots"][0], format!("http://{addr}/hub/"));
    let c = &walk["collections"][0];
    assert_eq!(c["id"], "shared");
    assert_eq!(c["objects"], c["manifest"]);
    assert_eq!(walk["added"], serde_json::json!(["complete", 1]));
    let indicators = c["objects"]
        .as_array()
        .expect("ids")
        .iter()
        .filter(|i| i.as_str().is_some_and(|i| i.starts_with("indicator--")))
        .count();
    assert_eq!(indicators, direct.len());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Paging stays exact while the collection changes under it, pages read
/// ahead included: an object versioned on a page not yet read comes once,
/// in its new version; an object added comes; nothing comes twice.
#[test]
fn paging_stays_exact_while_objects_are_added_and_versioned() {
    let dir = scratch("taxii-moving");
    let data = dir.join("data");
    ok(&yagura(
        &data,
        &["org", "add", "p", "--jurisdiction", "JP", "--community"],
    ));
    ok(&yagura(
        &data,
        &["collection", "add", "c", "--title", "C", "--audience", "p"],
    ));
    let indicator = |n: u32, modified: &str| {
        serde_json::json!({"type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--{n:08x}-0000-4000-8000-00000000cafe"),
            "created": "2026-01-01T00:00:00.000Z", "modified": modified,
            "pattern": format!("[ipv4-addr:value = '198.51.100.{n}']"), "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z"})
    };
    let first: Vec<Value> = (1..=10)
        .map(|n| indicator(n, "2026-01-01T00:00:00.000Z"))
        .collect();
    let file = dir.join("first.json");
    std::fs::write(
        &file,
        serde_json::json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001", "objects": first}).to_string(),
    )
    .expect("writes");
    let path = file.to_str().expect("path");
    ok(&yagura(
        &data,
        &["import", "--org", "p", "--collection", "c", path],
    ));
    let t = token(&data, "p-bot", "p");
    let server = serve(&data, &[]);
    let addr = server.addr.as_str();
    let auth = format!("Bearer {t}");
    let post = |objects: Vec<Value>| {
        let body = serde_json::json!({ "objects": objects }).to_string();
        let r = request(
            addr,
            "POST",
            "/hub/collections/c/objects/",
            &[
                ("Accept", ACCEPT),
                ("Content-Type", ACCEPT),
                ("Authorization", &auth),
            ],
            body.as_bytes(),
        );
        assert_eq!(r.status, 202, "{}", r.body);
        assert_eq!(r.json()["success_count"], objects_len(&body));
    };
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut next: Option<String> = None;
    let mut page = 0;
    loop {
        let mut path = "/hub/collections/c/objects/?limit=2".to_owned();
        if let Some(n) = &next {
            path.push_str(&format!("&next={n}"));
        }
        let r = get(addr, &path, &t);
        assert_eq!(r.status, 200, "{}", r.body);
        let body = r.json();
        for o in body["objects"].as_array().into_iter().flatten() {
            seen.push((
                o["id"].as_str().expect("id").to_owned(),
                o["modified"].as_str().expect("modified").to_owned(),
            ));
        }
        page += 1;
        if page == 2 {
            // Pages 1-2 hold objects 1-4; page 3 was read ahead (page 2
            // named `next`). Version object 6, add object 11.
            post(vec![
                indicator(6, "2026-03-01T00:00:00.000Z"),
                indicator(11, "2026-01-01T00:00:00.000Z"),
            ]);
        }
        if body["more"] != true {
            break;
        }
        next = Some(body["next"].as_str().expect("next").to_owned());
    }
    let unique: BTreeSet<&(String, String)> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a version came twice: {seen:?}");
    let six = "indicator--00000006-0000-4000-8000-00000000cafe";
    let sixes: Vec<&str> = seen
        .iter()
        .filter(|(id, _)| id == six)
        .map(|(_, m)| m.as_str())
        .collect();
    assert_eq!(sixes, ["2026-03-01T00:00:00.000Z"], "{seen:?}");
    assert_eq!(seen.len(), 11, "{seen:?}");
    assert!(
        seen.iter()
            .any(|(id, _)| id.starts_with("indicator--0000000b"))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn objects_len(envelope: &str) -> usize {
    serde_json::from_str::<Value>(envelope).expect("json")["objects"]
        .as_array()
        .map_or(0, Vec::len)
}

/// What the running hub reuses (tokens, collections) follows changes made
/// with the CLI within two seconds: a removed token stops working, a new
/// collection for an organization appears to it.
#[test]
fn cli_changes_reach_the_running_hub_within_two_seconds() {
    let dir = scratch("taxii-changes");
    let data = dir.join("data");
    ok(&yagura(&data, &["org", "add", "q", "--jurisdiction", "JP"]));
    let t = token(&data, "q-bot", "q");
    let server = serve(&data, &[]);
    let addr = server.addr.as_str();
    assert_eq!(
        get(addr, "/hub/collections/", &t).json(),
        serde_json::json!({})
    );
    assert_eq!(get(addr, "/taxii2/", &t).status, 200);
    ok(&yagura(
        &data,
        &[
            "collection",
            "add",
            "for-q",
            "--title",
            "Q",
            "--audience",
            "q",
        ],
    ));
    let listed = ok(&yagura(&data, &["token", "list"]));
    let id = listed.split_whitespace().next().expect("id").to_owned();
    ok(&yagura(&data, &["token", "remove", &id]));
    let t2 = token(&data, "q-bot2", "q");
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    assert_eq!(get(addr, "/taxii2/", &t).status, 401);
    let collections = get(addr, "/hub/collections/", &t2).json();
    assert_eq!(
        collections["collections"][0]["id"], "for-q",
        "{collections}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
