//! Migration from medallion: `yagura import --format medallion` of a file
//! medallion itself wrote, then the hub serves its clients what medallion
//! served them: the same API roots, collections and rights, objects,
//! `date_added`, status resources and passwords. With `YAGURA_PYTHON` (a
//! venv with medallion 3.0.0 and taxii2-client, set up by `.ci/run`) the
//! OASIS client walks both servers and gets the same answers. Bad files
//! are refused naming where, with nothing written.

mod common;
use common::server::{ACCEPT, request, serve};
use common::yagura;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde_json::{Value, json};

/// A child process stopped (by its PID) when dropped, even if a test
/// fails while it runs.
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/medallion/backend.json")
}

fn ok(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn fresh(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("yagura-medallion-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let data = dir.join("data");
    ok(&yagura(
        &data,
        &["org", "add", "partners", "--jurisdiction", "JP"],
    ));
    (dir, data)
}

/// `yagura import --format medallion --org partners FILE`.
fn migrate(data: &Path, file: &Path) -> std::process::Output {
    let file = file.to_str().expect("path");
    let args = ["import", "--format", "medallion", "--org", "partners", file];
    yagura(data, &args)
}

fn basic(user: &str, password: &str) -> String {
    let b = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {b}")
}

fn get(addr: &str, path: &str, auth: &str) -> (u16, Value) {
    let r = request(
        addr,
        "GET",
        path,
        &[("Accept", ACCEPT), ("Authorization", auth)],
        b"",
    );
    let body = if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    };
    (r.status, body)
}

#[test]
fn a_medallion_deployment_moves_over_for_its_clients() {
    let (dir, data) = fresh("move");
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture()).expect("fixture")).expect("json");
    let o = migrate(&data, &fixture());
    let out = ok(&o);
    assert!(out.contains("new 8"), "{out}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("2 API roots, 3 collections, 4 status resources, 2 users"),
        "{err}"
    );
    assert!(err.contains("user bob: the password is shorter"), "{err}");

    let server = serve(&data, &[]);
    let addr = &server.addr;
    let alice = basic("alice", "alice-long-passphrase");
    let bob = basic("bob", "Password0");
    assert_eq!(get(addr, "/taxii2/", &basic("alice", "wrong")).0, 401);
    let (status, discovery) = get(addr, "/taxii2/", &bob);
    assert_eq!(status, 200);
    assert_eq!(
        discovery["api_roots"],
        json!(["/hub/", "/api1/", "/trustgroup1/"])
    );
    let (_, api1) = get(addr, "/api1/", &alice);
    assert_eq!(api1["title"], "General");
    assert_eq!(api1["description"], "nothing here yet");
    assert_eq!(get(addr, "/api1/collections/", &alice).1, json!({}));

    // Collections keep their ids, titles and rights.
    let (_, listed) = get(addr, "/trustgroup1/collections/", &alice);
    let mut rights: Vec<(String, bool, bool)> = listed["collections"]
        .as_array()
        .expect("collections")
        .iter()
        .map(|c| {
            (
                c["title"].as_str().expect("title").to_owned(),
                c["can_read"] == true,
                c["can_write"] == true,
            )
        })
        .collect();
    rights.sort();
    assert_eq!(
        rights,
        vec![
            ("Drop box".to_owned(), false, true),
            ("Read-only feed".to_owned(), true, false),
            ("Shared indicators".to_owned(), true, true),
        ]
    );
    // A collection is only under its own root.
    let shared = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
    assert_eq!(
        get(addr, &format!("/hub/collections/{shared}/"), &alice).0,
        404
    );

    // Every manifest entry of medallion, with its date_added, for the
    // readable collections; the write-only one refuses reads.
    for c in file["trustgroup1"]["collections"]
        .as_array()
        .expect("collections")
    {
        let id = c["id"].as_str().expect("id");
        let (status, manifest) = get(
            addr,
            &format!("/trustgroup1/collections/{id}/manifest/?match[version]=all"),
            &alice,
        );
        if c["can_read"] == false {
            assert_eq!(status, 403, "{id}");
            continue;
        }
        assert_eq!(status, 200, "{manifest}");
        let key = |m: &Value| {
            (
                m["id"].as_str().unwrap_or_default().to_owned(),
                m["version"].as_str().unwrap_or_default().to_owned(),
                m["date_added"].as_str().unwrap_or_default().to_owned(),
            )
        };
        let mut want: Vec<_> = c["manifest"]
            .as_array()
            .expect("m")
            .iter()
            .map(key)
            .collect();
        let mut got: Vec<_> = manifest["objects"]
            .as_array()
            .expect("m")
            .iter()
            .map(key)
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{id}");
    }
    // added_after with a medallion date keeps meaning what it meant.
    let (_, later) = get(
        addr,
        &format!(
            "/trustgroup1/collections/{shared}/objects/?added_after=2026-03-01T09:00:00.123456Z"
        ),
        &bob,
    );
    let later = later["objects"].as_array().expect("objects");
    assert_eq!(later.len(), 1);
    assert_eq!(later[0]["modified"], "2026-02-01T00:00:00.000Z");
    // Status resources keep their ids.
    let status_id = file["trustgroup1"]["status"][0]["id"]
        .as_str()
        .expect("status id");
    let (code, status) = get(addr, &format!("/trustgroup1/status/{status_id}/"), &alice);
    assert_eq!(code, 200);
    assert_eq!(status, file["trustgroup1"]["status"][0]);

    // The OASIS client walks both servers the same way.
    let Ok(py) = std::env::var("YAGURA_PYTHON") else {
        eprintln!("skipped the medallion comparison: YAGURA_PYTHON is not set (.ci/run sets it)");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    };
    let walk = |url: &str| -> Value {
        let script = r#"
import json, sys
from taxii2client.v21 import Server, as_pages
server = Server(sys.argv[1], user="alice", password="alice-long-passphrase")
out = {"title": server.title, "roots": []}
for root in server.api_roots:
    r = {"name": root.url.rstrip("/").rsplit("/", 1)[1], "title": root.title, "collections": []}
    for c in sorted(root.collections, key=lambda c: c.id):
        e = {"id": c.id, "title": c.title, "read": c.can_read, "write": c.can_write}
        if c.can_read:
            objs = []
            for page in as_pages(c.get_objects, per_request=2):
                objs += [(o["id"], o["modified"]) for o in page.get("objects", [])]
            e["objects"] = sorted(objs)
            m = c.get_manifest(version="all")
            e["manifest"] = sorted((x["id"], x["version"], x["date_added"]) for x in m.get("objects", []))
            e["later"] = sorted(o["id"] for o in c.get_objects(added_after="2026-03-01T09:00:30Z").get("objects", []))
        r["collections"].append(e)
    out["roots"].append(r)
print(json.dumps(out))
"#;
        let o = Command::new(&py)
            .args(["-c", script, url])
            .output()
            .expect("python runs");
        serde_json::from_str(ok(&o).trim()).expect("json")
    };
    let ours = walk(&format!("http://{addr}/taxii2/"));

    // medallion on the same file, on a free port, stopped by its PID.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    // Its discovery names absolute URLs: point them at that port.
    let backend = dir.join("backend.json");
    std::fs::write(
        &backend,
        std::fs::read_to_string(fixture())
            .expect("fixture")
            .replace("127.0.0.1:5000", &format!("127.0.0.1:{port}")),
    )
    .expect("writes");
    let config = dir.join("medallion.json");
    let users = file["users"].clone();
    std::fs::write(
        &config,
        json!({"backend": {"module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend", "filename": backend}, "users": users})
        .to_string(),
    )
    .expect("writes");
    let bin = Path::new(&py).with_file_name("medallion");
    let medallion = Stopped(
        Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("medallion starts"),
    );
    let up = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let theirs = up.then(|| walk(&format!("http://127.0.0.1:{port}/taxii2/")));
    drop(medallion);
    let theirs = theirs.expect("medallion answered");
    // The default root is the hub's own; the rest must match.
    let ours_roots: Vec<&Value> = ours["roots"]
        .as_array()
        .expect("roots")
        .iter()
        .filter(|r| r["name"] != "hub")
        .collect();
    let theirs_roots: Vec<&Value> = theirs["roots"].as_array().expect("roots").iter().collect();
    assert_eq!(ours_roots, theirs_roots);
    // And the walk saw something: trustgroup1's three collections, the
    // shared one with both indicators (one in two versions).
    let tg = &theirs["roots"][1];
    assert_eq!(tg["name"], "trustgroup1");
    assert_eq!(tg["collections"].as_array().map(Vec::len), Some(3));
    let shared_walk = tg["collections"]
        .as_array()
        .expect("collections")
        .iter()
        .find(|c| c["id"] == shared)
        .expect("shared");
    assert_eq!(shared_walk["objects"].as_array().map(Vec::len), Some(2));
    assert_eq!(shared_walk["manifest"].as_array().map(Vec::len), Some(3));
    assert_eq!(shared_walk["later"].as_array().map(Vec::len), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

fn roots_and_collections(data: &Path) -> (String, String) {
    (
        ok(&yagura(data, &["root", "list"])),
        ok(&yagura(data, &["collection", "list"])),
    )
}

#[test]
fn bad_medallion_files_are_refused_naming_where_with_nothing_written() {
    let (dir, data) = fresh("bad");
    let before = roots_and_collections(&data);
    let text = std::fs::read_to_string(fixture()).expect("fixture");
    let file: Value = serde_json::from_str(&text).expect("json");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "truncated",
            text[..text.len() / 2].to_owned(),
            "not JSON: line",
        ),
        ("list", "[]".to_owned(), "not a JSON object"),
        (
            "no-manifest",
            {
                let mut f = file.clone();
                f["trustgroup1"]["collections"][1]["manifest"] = json!([]);
                f.to_string()
            },
            "collections[1]: objects[0]: indicator--0000000a-0000-4000-8000-000000000000 version \"2026-01-05T00:00:00.000Z\" has no manifest entry",
        ),
        (
            "bad-object",
            {
                let mut f = file.clone();
                f["trustgroup1"]["collections"][0]["objects"][1]["pattern"] =
                    json!("[ipv4-addr:value = ");
                f.to_string()
            },
            "\"trustgroup1\": collections[0]: objects[1]: indicator--",
        ),
        (
            "bad-collection-id",
            {
                let mut f = file.clone();
                f["trustgroup1"]["collections"][2]["id"] = json!("Drop Box!");
                f.to_string()
            },
            "collections[2]: id \"Drop Box!\"",
        ),
        (
            "bad-users",
            {
                let mut f = file.clone();
                f["users"] = json!({"carol": 7});
                f.to_string()
            },
            "users: \"carol\": the password is not a string",
        ),
    ];
    for (name, body, expect) in cases {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, body).expect("writes");
        let o = migrate(&data, &path);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{name}: accepted");
        assert!(err.contains(expect), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert_eq!(roots_and_collections(&data), before, "{name}: wrote");
        assert_eq!(
            ok(&yagura(&data, &["user", "list"])),
            "",
            "{name}: added users"
        );
    }
    // Names that cannot be API roots.
    for name in ["hub", "taxii2", "..", "a/b", ""] {
        let o = yagura(&data, &["root", "add", name, "--title", "x"]);
        assert!(!o.status.success(), "{name:?} accepted");
    }
    // Without --org, and twice (the second clashes).
    let f = fixture();
    let f = f.to_str().expect("path");
    let o = yagura(&data, &["import", "--format", "medallion", f]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--org"));
    ok(&migrate(&data, &fixture()));
    let o = migrate(&data, &fixture());
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("the hub already has an API root \"api1\"")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
