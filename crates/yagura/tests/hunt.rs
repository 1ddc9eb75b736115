//! `yagura hunt` end to end: every log format and compression, IOC files
//! and the store's indicators, outputs, exit codes, bad input, sightings.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::yagura;

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("yagura-hunt-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn write(d: &Path, name: &str, bytes: &[u8]) -> String {
    let p = d.join(name);
    std::fs::write(&p, bytes).expect("write");
    p.display().to_string()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The hits as (file name, place, field, value) from JSON lines output.
fn hits(o: &Output) -> Vec<(String, String, String, String)> {
    text(&o.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            let file = v["file"].as_str().expect("file");
            let name = Path::new(file)
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let place = v
                .get("line")
                .map(|n| format!("line {n}"))
                .or_else(|| v.get("record").map(|n| format!("record {n}")))
                .expect("place");
            (
                name,
                place,
                v["field"].as_str().expect("field").to_owned(),
                v["value"].as_str().expect("value").to_owned(),
            )
        })
        .collect()
}

const IOCS: &str = "# test list\n198.51.100.7\n203.0.113.0/24\nevil.example\n\
    aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f\nbad@evil.example\n";

fn h(file: &str, place: &str, field: &str, value: &str) -> (String, String, String, String) {
    (file.into(), place.into(), field.into(), value.into())
}

/// Line numbers across chunks: a batch input's lines are counted by the
/// workers and numbered in input order by the caller's thread, file by
/// file; ordered and unordered runs agree, and a line longer than a chunk
/// still counts as one.
#[test]
fn lines_keep_their_numbers_across_chunks_and_files() {
    let d = dir("chunks");
    let iocs = write(&d, "iocs.txt", IOCS.as_bytes());
    let plain =
        "{\"a\":\"192.0.2.1\",\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n";
    // About 5 MB each: three chunks or more.
    let mut a = plain.repeat(70_000);
    a.push_str("{\"a\":\"198.51.100.7\"}\n"); // a: 70,001
    a.push_str(&plain.repeat(10));
    a.push_str("{\"a\":\"evil.example\"}"); // a: 70,012, no line end
    let mut b = plain.repeat(30_000);
    b.push_str(&format!("{{\"a\":\"{}\"}}\n", "z".repeat(5 << 20))); // b: 30,001, over a chunk
    b.push_str(&plain.repeat(40_000));
    b.push_str("{\"a\":\"203.0.113.9\"}\n"); // b: 70,002
    let fa = write(&d, "a.jsonl", a.as_bytes());
    let fb = write(&d, "b.jsonl", b.as_bytes());
    let want = [
        h("a.jsonl", "line 70001", "a", "198.51.100.7"),
        h("a.jsonl", "line 70012", "a", "evil.example"),
        h("b.jsonl", "line 70002", "a", "203.0.113.9"),
    ];
    let o = yagura(
        &d,
        &["hunt", "--iocs", &iocs, "--output", "jsonl", &fa, &fb],
    );
    let err = text(&o.stderr);
    assert_eq!(hits(&o), want, "{err}");
    assert!(
        err.contains("b.jsonl: line 30001: the line is longer than 1048576 bytes"),
        "{err}"
    );
    let o = yagura(
        &d,
        &[
            "hunt",
            "--iocs",
            &iocs,
            "--output",
            "jsonl",
            "--unordered",
            &fa,
            &fb,
        ],
    );
    let mut got = hits(&o);
    got.sort();
    assert_eq!(got, want);
    assert!(text(&o.stderr).contains("b.jsonl: line 30001: the line is longer"));
}

/// Runs of plain lines (JSON-shaped, nothing that could hit) are passed
/// in bulk: the lines after them keep their numbers, and every other kind
/// of line between them (empty, CRLF, not an object, too long, a hit, a
/// last line without a line end) is still read as itself.
#[test]
fn plain_line_runs_keep_line_numbers_and_the_lines_between_them() {
    let d = dir("runs");
    let iocs = write(&d, "iocs.txt", IOCS.as_bytes());
    let plain = "{\"a\":\"192.0.2.1\",\"t\":\"2026-11-30T10:00:00Z\"}\n";
    let mut body = String::new();
    body.push_str(&plain.repeat(3)); // 1-3
    body.push_str("{\"a\":\"198.51.100.7\"}\n"); // 4: a hit
    body.push_str(&plain.repeat(2)); // 5-6
    body.push('\n'); // 7: empty
    body.push_str("{\"a\":\"x\"}\r\n"); // 8: CRLF, plain
    body.push_str("{\"a\":\"evil.example\"}\r\n"); // 9: CRLF, a hit
    body.push_str("not json\n"); // 10: an error
    body.push_str(&format!("{{\"a\":\"{}\"}}\n", "y".repeat(3000))); // 11: too long
    body.push_str(&plain.repeat(4000)); // 12-4011
    body.push_str("{\"a\":\"203.0.113.9\"}"); // 4012: a hit, no line end
    let f = write(&d, "runs.jsonl", body.as_bytes());
    let o = yagura(
        &d,
        &[
            "hunt",
            "--iocs",
            &iocs,
            "--output",
            "jsonl",
            "--max-line",
            "2048",
            &f,
        ],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        hits(&o),
        [
            h("runs.jsonl", "line 4", "a", "198.51.100.7"),
            h("runs.jsonl", "line 9", "a", "evil.example"),
            h("runs.jsonl", "line 4012", "a", "203.0.113.9"),
        ]
    );
    assert!(
        err.contains("runs.jsonl: line 10: not a JSON record"),
        "{err}"
    );
    assert!(
        err.contains("runs.jsonl: line 11: the line is longer than 2048 bytes"),
        "{err}"
    );
    // Every line but the empty one, the broken one and the long one is an event.
    assert!(err.contains("in 4009 events"), "{err}");
}

#[test]
fn every_format_and_compression_is_read_with_no_substring_hits() {
    let d = dir("formats");
    let iocs = write(&d, "iocs.txt", IOCS.as_bytes());
    let json = "{\"@timestamp\":\"2026-11-30T10:00:00Z\",\"source\":{\"ip\":\"10.0.0.1\"},\"destination\":{\"ip\":\"198.51.100.7\"}}\n\
        {\"destination\":{\"ip\":\"198.51.100.70\"},\"dns\":{\"question\":{\"name\":\"notevil.example\"}}}\n\
        {\"dns\":{\"question\":{\"name\":\"a.b.evil.example\"}},\"x\":\"203.0.113.9\"}\n";
    write(&d, "a.jsonl", json.as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(json.as_bytes()).expect("gz");
    write(&d, "b.jsonl.gz", &gz.finish().expect("gz"));
    write(
        &d,
        "conn.log",
        b"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n\
          #fields\tts\tuid\tid.orig_h\tid.resp_h\n#types\ttime\tstring\taddr\taddr\n\
          1591367999.3\tC1\t10.0.0.1\t198.51.100.77\n1591367999.4\tC2\t10.0.0.2\t198.51.100.7\n#close\t2020-06-05\n",
    );
    write(
        &d,
        "fw.log",
        b"<13>Jan 18 11:07:53 fw1 CEF:0|Vendor|NGFW|1.0|100|blocked|5|src=10.0.0.1 dst=198.51.100.7 request=http://evil.example/x\n\
          <34>Oct 11 22:14:15 host sshd[1]: Failed password for root from 203.0.113.45 port 22\n\
          <34>Oct 11 22:14:16 host sshd[1]: Failed password for root from 203.0.112.45 port 22\n",
    );
    write(&d, "mail.csv", b"time,sender,subject\n2026-11-30,Eve <bad@evil.example>,\"multi\nline\"\n2026-11-30,ok@good.example,hi\n");
    let logs = d.join("logs");
    std::fs::create_dir_all(logs.join("deeper")).expect("dir");
    std::fs::rename(d.join("conn.log"), logs.join("deeper/conn.log")).expect("mv");
    let zs = zstd::encode_all(&b"{\"url\":\"http://x.evil.example/a\"}\n"[..], 3).expect("zstd");
    write(&logs, "c.jsonl.zst", &zs);
    let o = yagura(
        &d,
        &[
            "hunt",
            "--iocs",
            &iocs,
            "--output",
            "jsonl",
            &d.join("a.jsonl").display().to_string(),
            &d.join("b.jsonl.gz").display().to_string(),
            &logs.display().to_string(),
            &d.join("fw.log").display().to_string(),
            &d.join("mail.csv").display().to_string(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let json_hits = |f: &str| {
        vec![
            h(f, "line 1", "destination.ip", "198.51.100.7"),
            h(f, "line 3", "dns.question.name", "a.b.evil.example"),
            h(f, "line 3", "x", "203.0.113.9"),
        ]
    };
    let mut want = json_hits("a.jsonl");
    want.extend(json_hits("b.jsonl.gz"));
    want.extend([
        h("c.jsonl.zst", "line 1", "url", "x.evil.example"),
        h("conn.log", "line 9", "id.resp_h", "198.51.100.7"),
        h("fw.log", "line 1", "dst", "198.51.100.7"),
        h("fw.log", "line 1", "request", "evil.example"),
        h("fw.log", "line 2", "message", "203.0.113.45"),
        h("mail.csv", "line 2", "sender", "bad@evil.example"),
        h("mail.csv", "line 2", "sender", "evil.example"),
    ]);
    assert_eq!(hits(&o), want);
    // The table and CSV outputs carry the same rows.
    let o = yagura(
        &d,
        &[
            "hunt",
            "--iocs",
            &iocs,
            "--output",
            "csv",
            &d.join("a.jsonl").display().to_string(),
        ],
    );
    let out = text(&o.stdout);
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(
        out.starts_with("file,place,time,field,value,match,indicator,"),
        "{out}"
    );
    assert!(
        out.contains(",1,2026-11-30T10:00:00Z,destination.ip,198.51.100.7,exact,"),
        "{out}"
    );
    assert!(
        out.contains(",3,,x,203.0.113.9,in 203.0.113.0/24,"),
        "{out}"
    );
    let o = yagura(
        &d,
        &[
            "hunt",
            "--iocs",
            &iocs,
            &d.join("a.jsonl").display().to_string(),
        ],
    );
    assert_eq!(text(&o.stdout).lines().count(), 3);
    assert!(text(&o.stdout).contains("dns.question.name=a.b.evil.example\tunder evil.example"));
}

#[test]
fn exit_codes_are_greps_and_bad_input_is_reported_where_it_is() {
    let d = dir("bad");
    let iocs = write(&d, "iocs.txt", IOCS.as_bytes());
    let clean = write(&d, "clean.jsonl", b"{\"a\":\"192.0.2.1\"}\n");
    let o = yagura(&d, &["hunt", "--iocs", &iocs, &clean]);
    assert_eq!(o.status.code(), Some(1), "no hits: {}", text(&o.stderr));
    // A non-UTF-8 line, a broken record and a line over the limit: each
    // reported with its line; the hits around them still found.
    let mut bad = b"{\"a\":\"198.51.100.7\"}\n{\"a\":\"\xff\xfe\"}\n{\"a\":\n".to_vec();
    bad.extend(format!("{{\"a\":\"{}\"}}\n", "x".repeat(3000)).as_bytes());
    bad.extend(b"{\"a\":\"evil.example\"}\n");
    let bad = write(&d, "bad.jsonl", &bad);
    let o = yagura(
        &d,
        &[
            "hunt",
            "--iocs",
            &iocs,
            "--output",
            "jsonl",
            "--max-line",
            "2048",
            &bad,
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("bad.jsonl: line 2: the line is not UTF-8"),
        "{err}"
    );
    assert!(
        err.contains("bad.jsonl: line 3: not a JSON record: unexpected end of line at byte 6"),
        "{err}"
    );
    assert!(
        err.contains("bad.jsonl: line 4: the line is longer than 2048 bytes"),
        "{err}"
    );
    assert_eq!(hits(&o).len(), 2, "{err}");
    // A 10 MB line (more than a whole 2 MiB chunk) at the default limit:
    // reported with its line and skipped; the lines around it are read.
    let mut huge = b"{\"a\":\"198.51.100.7\"}\n{\"a\":\"".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 10 << 20));
    huge.extend(b"\"}\n{\"a\":\"evil.example\"}\n");
    let huge = write(&d, "huge.jsonl", &huge);
    let o = yagura(&d, &["hunt", "--iocs", &iocs, "--output", "jsonl", &huge]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr)
            .contains("huge.jsonl: line 2: the line is longer than 1048576 bytes: skipped"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(
        hits(&o),
        [
            h("huge.jsonl", "line 1", "a", "198.51.100.7"),
            h("huge.jsonl", "line 3", "a", "evil.example")
        ]
    );
    // A line shaped as an object but malformed, with no value that could
    // hit: not read field by field, unless --validate.
    let shaped = write(
        &d,
        "shaped.jsonl",
        b"{\"a\":1,}\n{\"b\":\"198.51.100.7\",}\n",
    );
    let o = yagura(&d, &["hunt", "--iocs", &iocs, "--output", "jsonl", &shaped]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(!err.contains("line 1:"), "{err}");
    assert!(
        err.contains("shaped.jsonl: line 2: not a JSON record"),
        "{err}"
    );
    let o = yagura(&d, &["hunt", "--iocs", &iocs, "--validate", &shaped]);
    assert!(
        text(&o.stderr).contains("shaped.jsonl: line 1: not a JSON record"),
        "{}",
        text(&o.stderr)
    );
    // --strict stops at the first error.
    let o = yagura(
        &d,
        &[
            "hunt", "--iocs", &iocs, "--output", "jsonl", "--strict", &bad,
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(hits(&o).len(), 1);
    assert!(!text(&o.stderr).contains("line 3"));
    // A truncated gzip: what was readable is checked, the break reported.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..20_000 {
        writeln!(gz, "{{\"n\":{i},\"dst_ip\":\"198.51.100.7\"}}").expect("gz");
    }
    let mut gz = gz.finish().expect("gz");
    gz.truncate(gz.len() * 2 / 3);
    let cut = write(&d, "cut.jsonl.gz", &gz);
    let o = yagura(
        &d,
        &["hunt", "--iocs", &iocs, "--output", "jsonl", &cut, &clean],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("cut.jsonl.gz: line "),
        "{}",
        text(&o.stderr)
    );
    let n = hits(&o).len();
    assert!(n > 1000 && n < 20_000, "{n}");
    // An unknown format and a missing file: reported, the rest read.
    let prose = write(
        &d,
        "letter.txt",
        b"Dear all, this is not a log of any kind, sorry about that.\n",
    );
    let o = yagura(
        &d,
        &["hunt", "--iocs", &iocs, &prose, "/no/such/file", &bad],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("letter.txt: not a log format Yagura reads"),
        "{err}"
    );
    assert!(err.contains("/no/such/file: cannot read it"), "{err}");
    assert_eq!(text(&o.stdout).lines().count(), 2);
    // Standard input.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_yagura"))
        .args(["hunt", "--iocs", &iocs, "--output", "jsonl", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"{\"q\":\"evil.example\"}\n")
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(hits(&o), [h("-", "line 1", "q", "evil.example")]);
}

#[test]
fn lines_keep_their_numbers_across_chunks_and_threads() {
    let d = dir("order");
    let iocs = write(&d, "iocs.txt", b"198.51.100.7\n");
    let mut big = Vec::new();
    let mut want = Vec::new();
    for i in 1..=200_000u32 {
        if i % 9_973 == 0 {
            big.extend(b"{\"destination\":{\"ip\":\"198.51.100.7\"}}\n");
            want.push(h(
                "big.jsonl",
                &format!("line {i}"),
                "destination.ip",
                "198.51.100.7",
            ));
        } else {
            big.extend(
                format!(
                    "{{\"destination\":{{\"ip\":\"192.0.2.{}\"}},\"pad\":\"{}\"}}\n",
                    i % 250,
                    "p".repeat(40)
                )
                .as_bytes(),
            );
        }
    }
    let big = write(&d, "big.jsonl", &big);
    for threads in ["1", "2", "4"] {
        let o = yagura(
            &d,
            &[
                "hunt",
                "--iocs",
                &iocs,
                "--output",
                "jsonl",
                "--threads",
                threads,
                &big,
            ],
        );
        assert_eq!(hits(&o), want, "threads {threads}");
    }
    let o = yagura(
        &d,
        &[
            "hunt",
            "--iocs",
            &iocs,
            "--output",
            "jsonl",
            "--unordered",
            &big,
        ],
    );
    let mut got = hits(&o);
    got.sort_by_key(|x| x.1[5..].parse::<u32>().expect("n"));
    assert_eq!(got, want);
}

#[test]
fn store_indicators_compound_patterns_and_sightings() {
    let d = dir("store");
    let bundle = serde_json::json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001", "objects": [
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000011",
         "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": "C2",
         "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000012",
         "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
         "pattern": "[ipv4-addr:value = '198.51.100.8']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
         "revoked": true},
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000013",
         "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
         "pattern": "[network-traffic:dst_ref.value = '198.51.100.9' AND network-traffic:dst_port = 443]",
         "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
        {"type": "intrusion-set", "spec_version": "2.1", "id": "intrusion-set--00000000-0000-4000-8000-000000000021",
         "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": "BlackTech"},
        {"type": "relationship", "spec_version": "2.1", "id": "relationship--00000000-0000-4000-8000-000000000031",
         "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "relationship_type": "indicates",
         "source_ref": "indicator--00000000-0000-4000-8000-000000000011",
         "target_ref": "intrusion-set--00000000-0000-4000-8000-000000000021"}
    ]});
    let b = write(&d, "intel.json", bundle.to_string().as_bytes());
    // The bundle itself as an IOC file: the same indicators, no store.
    let logs0 = write(&d, "one.jsonl", b"{\"destination\":{\"ip\":\"198.51.100.7\"}}\n{\"destination\":{\"ip\":\"198.51.100.8\"}}\n");
    let o = yagura(&d, &["hunt", "--iocs", &b, "--output", "jsonl", &logs0]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        hits(&o),
        [h("one.jsonl", "line 1", "destination.ip", "198.51.100.7")]
    );
    let broken = write(&d, "broken.json", br#"{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001", "objects": [{"type": "indicator"}, 5]}"#);
    let o = yagura(&d, &["hunt", "--iocs", &broken, &logs0]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("broken.json: object 2 is not a STIX object"),
        "{}",
        text(&o.stderr)
    );
    let data = d.join("data");
    let o = yagura(&data, &["import", &b]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = yagura(&data, &["org", "add", "partner-a", "--jurisdiction", "JP"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let logs = write(
        &d,
        "fw.jsonl",
        b"{\"@timestamp\":\"2026-11-30T10:00:00Z\",\"destination\":{\"ip\":\"198.51.100.7\",\"port\":80}}\n\
          {\"@timestamp\":\"2026-11-30T11:00:00Z\",\"destination\":{\"ip\":\"198.51.100.8\",\"port\":80}}\n\
          {\"@timestamp\":\"2026-11-30T12:00:00Z\",\"destination\":{\"ip\":\"198.51.100.9\",\"port\":80}}\n\
          {\"@timestamp\":\"2026-11-30T13:00:00Z\",\"destination\":{\"ip\":\"198.51.100.9\",\"port\":443}}\n\
          {\"@timestamp\":\"2026-11-30T14:00:00Z\",\"destination\":{\"ip\":\"198.51.100.7\",\"port\":80}}\n",
    );
    let o = yagura(
        &data,
        &[
            "hunt",
            "--intel",
            "--output",
            "jsonl",
            "--sightings",
            "--org",
            "partner-a",
            &logs,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let rows: Vec<serde_json::Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let got: Vec<(u64, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().expect("line"),
                r["indicator"].as_str().expect("id"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "indicator--00000000-0000-4000-8000-000000000011"),
            (4, "indicator--00000000-0000-4000-8000-000000000013"),
            (5, "indicator--00000000-0000-4000-8000-000000000011"),
        ],
        "the revoked one is not looked for; the compound one hits only on port 443"
    );
    assert_eq!(
        rows[0]["related"],
        serde_json::json!(["intrusion-set: BlackTech"])
    );
    assert!(
        text(&o.stderr).contains("2 sightings recorded for partner-a"),
        "{}",
        text(&o.stderr)
    );
    let o = yagura(
        &data,
        &["export", "--to", "partner-a", "--type", "sighting"],
    );
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).expect("bundle");
    let s: Vec<&serde_json::Value> = out["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter(|o| o["type"] == "sighting")
        .collect();
    assert_eq!(s.len(), 2, "{out}");
    let c2 = s
        .iter()
        .find(|o| o["sighting_of_ref"] == "indicator--00000000-0000-4000-8000-000000000011")
        .expect("C2 sighting");
    assert_eq!(c2["count"], 2);
    assert_eq!(c2["first_seen"], "2026-11-30T10:00:00Z");
    assert_eq!(c2["last_seen"], "2026-11-30T14:00:00Z");
    // The same hunt recorded again adds nothing new.
    let o = yagura(
        &data,
        &[
            "hunt",
            "--intel",
            "--quiet",
            "--sightings",
            "--org",
            "partner-a",
            &logs,
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let o = yagura(&data, &["search", "--output", "json", "198.51.100.7"]);
    assert!(o.status.success());
}

#[test]
fn evtx_records_are_hunted_and_a_corrupt_chunk_is_reported() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/evtx");
    if !corpus.is_dir() {
        eprintln!(
            "skipped: {} is absent (see ../shared/data/README.md)",
            corpus.display()
        );
        return;
    }
    // A Sysmon log with network connections (EventID 3).
    let file = corpus.join(
        "EVTX-to-MITRE-Attack/TA0002-Execution/T1047-Windows Management Instrumentation/ID3-7-10-Suspicious DLL loaded (CME+Mimikatz).evtx",
    );
    if !file.is_file() {
        eprintln!("skipped: {} is absent", file.display());
        return;
    }
    let d = dir("evtx");
    let probe = write(&d, "probe.txt", b"0.0.0.0/0\n");
    let o = yagura(
        &d,
        &[
            "hunt",
            "--iocs",
            &probe,
            "--output",
            "jsonl",
            "--mapped-only",
            &file.display().to_string(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let rows = hits(&o);
    let dst = rows
        .iter()
        .find(|r| r.2 == "EventData.DestinationIp")
        .expect("a destination address")
        .clone();
    assert!(dst.1.starts_with("record "), "{dst:?}");
    let iocs = write(&d, "iocs.txt", format!("{}\n", dst.3).as_bytes());
    let o = yagura(
        &d,
        &[
            "hunt",
            "--iocs",
            &iocs,
            "--output",
            "jsonl",
            &file.display().to_string(),
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(hits(&o).contains(&dst));
    // Corrupt the first chunk's records: reported, no panic.
    let mut bytes = std::fs::read(&file).expect("read");
    for b in &mut bytes[4096 + 512..4096 + 2048] {
        *b = 0xAA;
    }
    let bad = write(&d, "corrupt.evtx", &bytes);
    let o = yagura(&d, &["hunt", "--iocs", &iocs, "--output", "jsonl", &bad]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("corrupt.evtx: record"),
        "{}",
        text(&o.stderr)
    );
}

/// A child that is killed if the test fails before it ends (a followed
/// file or a subscription never ends by itself).
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

impl std::ops::Deref for Reaped {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// `yagura ARGS` run in the background (standard input a pipe when
/// `stdin`), its output lines as they come, killed if the test fails.
struct LiveHunt {
    child: Reaped,
    lines: std::sync::mpsc::Receiver<String>,
    stdin: Option<std::process::ChildStdin>,
}

fn live_hunt(args: &[&str], stdin: bool) -> LiveHunt {
    use std::process::Stdio;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_yagura"))
        .args(args)
        .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map(Reaped)
        .expect("spawn");
    let lines = line_reader(child.stdout.take().expect("stdout"));
    let stdin = child.stdin.take();
    LiveHunt {
        child,
        lines,
        stdin,
    }
}

impl LiveHunt {
    /// Writes to its standard input.
    fn send(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin");
        stdin.write_all(bytes).expect("write");
    }

    /// Closes its standard input, waits for its end: the exit code and
    /// what it wrote on stderr (what is left of it).
    fn finish(&mut self) -> (Option<i32>, String) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("wait");
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut e, &mut err).expect("stderr");
        }
        (status.code(), err)
    }
}

/// Lines of a child's stdout as they come, on a thread.
fn line_reader(out: std::process::ChildStdout) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead as _;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(out).lines() {
            let Ok(l) = l else { return };
            if tx.send(l).is_err() {
                return;
            }
        }
    });
    rx
}

/// No output line for a while.
fn assert_quiet(rx: &std::sync::mpsc::Receiver<String>) {
    let got = rx.recv_timeout(std::time::Duration::from_millis(500));
    assert!(got.is_err(), "{got:?}");
}

/// Sends SIGTERM, as a service manager stops a follower.
fn terminate(child: &std::process::Child) {
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
}

/// The next output line, within a time that only a stream held back
/// (until its end, or until 2 MiB came) would miss.
fn next_line(rx: &std::sync::mpsc::Receiver<String>) -> serde_json::Value {
    let l = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("a line while the input is still open");
    serde_json::from_str(&l).expect("json line")
}

#[test]
fn a_pipe_and_followed_files_are_hunted_as_their_lines_arrive() {
    let d = dir("live");
    let iocs = write(&d, "iocs.txt", IOCS.as_bytes());
    // A pipe on standard input: each hit comes out while the pipe is open.
    let mut h = live_hunt(&["hunt", "--iocs", &iocs, "--output", "jsonl", "-"], true);
    h.send(b"{\"a\":1}\n{\"dst\":\"198.51.100.7\"}\n");
    let v = next_line(&h.lines);
    assert_eq!(
        (v["value"].as_str(), v["line"].as_u64()),
        (Some("198.51.100.7"), Some(2))
    );
    // Half a line waits for its end.
    h.send(b"{\"q\":\"x.evil.");
    std::thread::sleep(std::time::Duration::from_millis(300));
    h.send(b"example\"}\n");
    let v = next_line(&h.lines);
    assert_eq!(
        (v["value"].as_str(), v["line"].as_u64()),
        (Some("x.evil.example"), Some(3))
    );
    assert_eq!(h.finish().0, Some(0));
    // SIGTERM (or Ctrl-C) while the pipe is open ends the stream where it
    // is, and the hunt finishes with its summary.
    let mut h = live_hunt(&["hunt", "--iocs", &iocs, "--output", "jsonl", "-"], true);
    h.send(b"{\"dst\":\"198.51.100.7\"}\n");
    next_line(&h.lines);
    terminate(&h.child);
    let (code, err) = h.finish();
    assert_eq!(code, Some(0));
    assert!(
        err.contains("yagura: 1 hits (0 by Sigma rules) in 1 events"),
        "{err}"
    );

    // Followed files: growth, rotation and truncation, two files at once,
    // Sigma rules on syslog lines with a correlation reported as soon as
    // it holds, and an upper-bounded one when the following is stopped
    // (SIGTERM).
    let rules = write(
        &d,
        "rules.yml",
        b"title: Failed su\nid: 5a1c3c52-0d0e-4b0e-9d7e-000000000001\nname: failed_su\n\
          status: test\nlogsource:\n  product: linux\ndetection:\n  keywords:\n\
          \x20   - 'authentication failure'\n  condition: keywords\nlevel: medium\n---\n\
          title: Failed su twice\nid: 5a1c3c52-0d0e-4b0e-9d7e-000000000002\nstatus: test\n\
          correlation:\n  type: event_count\n  rules:\n    - failed_su\n  generate: true\n  timespan: 10m\n\
          \x20 condition:\n    gte: 2\nlevel: high\n---\n\
          title: Few failed su\nid: 5a1c3c52-0d0e-4b0e-9d7e-000000000003\nstatus: test\n\
          correlation:\n  type: event_count\n  rules:\n    - failed_su\n  timespan: 10m\n\
          \x20 condition:\n    lt: 5\nlevel: low\n",
    );
    let app = write(&d, "app.log", b"{\"a\":1}\n");
    let auth = write(&d, "auth.log", b"");
    let mut h = live_hunt(
        &[
            "hunt", "--follow", "--iocs", &iocs, "--sigma", &rules, "--output", "jsonl", &app,
            &auth,
        ],
        false,
    );
    let rx = &h.lines;
    let append = |path: &str, text: &str| {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .expect("open");
        f.write_all(text.as_bytes()).expect("append");
    };
    append(&app, "{\"dst\":\"198.51.100.7\"}\n");
    let v = next_line(rx);
    assert_eq!(
        (v["value"].as_str(), v["line"].as_u64()),
        (Some("198.51.100.7"), Some(2))
    );
    let su = "<85>1 2026-12-01T10:00:0{s}Z host1 su 4242 - - pam_unix(su:auth): \
              authentication failure; logname=u uid=1000 euid=0 tty=pts/0 ruser=u rhost=  user=root\n";
    append(&auth, &su.replace("{s}", "1"));
    let v = next_line(rx);
    assert_eq!(
        (
            v["rule"].as_str(),
            v["record"].as_u64(),
            v["computer"].as_str()
        ),
        (Some("Failed su"), Some(1), Some("host1")),
        "{v}"
    );
    // Rotation: the new file's lines count from 1.
    std::fs::rename(&app, d.join("app.log.1")).expect("rotate");
    std::fs::write(&app, b"{\"q\":\"evil.example\"}\n").expect("new file");
    let v = next_line(rx);
    assert_eq!(
        (v["value"].as_str(), v["line"].as_u64()),
        (Some("evil.example"), Some(1))
    );
    // Truncation (copy-truncate), then a shorter file (one as long as
    // what was read is not told from the same file rewritten, as with
    // `tail -F`).
    let shorter = su.replace("{s}", "5").replace(" tty=pts/0", "");
    std::fs::write(&auth, shorter).expect("truncate");
    let v = next_line(rx);
    assert_eq!(
        (v["rule"].as_str(), v["record"].as_u64()),
        (Some("Failed su"), Some(1)),
        "{v}"
    );
    // The second hit completes the `gte: 2` window: reported at once.
    let v = next_line(rx);
    assert_eq!(v["rule"].as_str(), Some("Failed su twice"), "{v}");
    assert!(
        v["details"]
            .as_str()
            .is_some_and(|d| d.starts_with("count: 2")),
        "{v}"
    );
    // The `lt: 5` window is judged whole: not while it may still grow.
    assert_quiet(rx);
    terminate(&h.child);
    let v = next_line(rx);
    assert_eq!(v["rule"].as_str(), Some("Few failed su"), "{v}");
    let (code, err) = h.finish();
    assert_eq!(code, Some(0));
    assert!(err.contains("yagura: 6 hits (4 by Sigma rules)"), "{err}");
    assert!(h.lines.try_recv().is_err());
    // Too many files to follow, each on a thread: said, and nothing run.
    let many = d.join("many");
    std::fs::create_dir_all(&many).expect("dir");
    for i in 0..1025 {
        std::fs::write(many.join(format!("{i}.log")), b"").expect("write");
    }
    let o = yagura(
        &d,
        &[
            "hunt",
            "--follow",
            "--iocs",
            &iocs,
            &many.display().to_string(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("1025 files are more than 1024"),
        "{}",
        text(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// The NATS server the tests publish to: `YAGURA_NATS` (CI sets it, and
/// then it must answer), else 127.0.0.1:4222 if one answers there.
fn nats_server() -> Option<String> {
    let (addr, required) = match std::env::var("YAGURA_NATS") {
        Ok(a) => (a, true),
        Err(_) => ("127.0.0.1:4222".to_owned(), false),
    };
    let up = std::net::TcpStream::connect(&addr).is_ok();
    assert!(up || !required, "YAGURA_NATS={addr} does not answer");
    up.then_some(addr)
}

#[test]
fn a_nats_subject_is_hunted_as_its_messages_arrive() {
    use std::io::BufRead as _;
    let Some(server) = nats_server() else {
        println!("skipped: no NATS server at 127.0.0.1:4222 (set YAGURA_NATS to require one)");
        return;
    };
    let d = dir("nats");
    let iocs = write(&d, "iocs.txt", IOCS.as_bytes());
    let subject = format!("yagura.test.{}", std::process::id());
    let url = format!("nats://{server}/{subject}.>");
    // A bad address is refused at once.
    let o = yagura(&d, &["hunt", "--iocs", &iocs, "nats://127.0.0.1:1/x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("nats://127.0.0.1:1/x: cannot subscribe"),
        "{}",
        text(&o.stderr)
    );
    // A Sigma rule too: Windows events shipped as JSON (winlogbeat) over
    // the subject meet the same rules as EVTX records.
    let rule = write(
        &d,
        "rundll32.yml",
        b"title: Rundll32 (test)\nid: 5a1c3c52-0d0e-4b0e-9d7e-000000000010\nstatus: test\n\
          level: high\nlogsource: {product: windows, category: process_creation}\n\
          detection:\n  selection:\n    Image|endswith: '\\rundll32.exe'\n  condition: selection\n",
    );
    let mut h = live_hunt(
        &[
            "hunt", "--iocs", &iocs, "--sigma", &rule, "--output", "jsonl", &url,
        ],
        false,
    );
    let rx = &h.lines;
    let mut stderr = std::io::BufReader::new(h.child.stderr.take().expect("stderr"));
    // The rules' load report, then the subscription.
    let mut said = String::new();
    while !said.contains("subscribed") {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).expect("stderr") > 0, "{said}");
        said.push_str(&line);
    }
    assert!(
        said.ends_with(&format!("yagura: {url}: subscribed\n")),
        "{said}"
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = rt
        .block_on(async_nats::connect(format!("nats://{server}")))
        .expect("connect");
    let publish_to = |to: String, payload: &'static [u8]| {
        rt.block_on(async {
            client.publish(to, payload.into()).await.expect("publish");
            client.flush().await.expect("flush");
        });
    };
    let publish =
        |sub: &str, payload: &'static [u8]| publish_to(format!("{subject}.{sub}"), payload);
    // One line without a line end, then a message of two lines.
    publish("proxy", b"{\"dst\":\"198.51.100.7\"}");
    let v = next_line(rx);
    assert_eq!(
        (v["value"].as_str(), v["line"].as_u64()),
        (Some("198.51.100.7"), Some(1))
    );
    assert_eq!(v["file"].as_str(), Some(url.as_str()));
    publish(
        "dns",
        b"{\"q\":\"fine.example\"}\n{\"q\":\"a.evil.example\"}\n",
    );
    let v = next_line(rx);
    assert_eq!(
        (v["value"].as_str(), v["line"].as_u64()),
        (Some("a.evil.example"), Some(3))
    );
    publish(
        "winlogbeat",
        br#"{"@timestamp":"2026-12-01T10:00:00.000Z","winlog":{"channel":"Security","event_id":4688,"computer_name":"ws1","event_data":{"NewProcessName":"C:\\Windows\\System32\\rundll32.exe"}}}"#,
    );
    let v = next_line(rx);
    assert_eq!(
        (
            v["rule"].as_str(),
            v["computer"].as_str(),
            v["record"].as_u64()
        ),
        (Some("Rundll32 (test)"), Some("ws1"), Some(4)),
        "{v}"
    );
    // Another subject is not read.
    publish_to(format!("other.{subject}"), b"{\"dst\":\"198.51.100.7\"}");
    assert_quiet(rx);
    terminate(&h.child);
    let (code, _) = h.finish();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("stderr");
    assert_eq!(code, Some(0), "{rest}");
    assert!(
        rest.contains("yagura: 3 hits (1 by Sigma rules) in 4 events"),
        "{rest}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// A named pipe among a batch hunt's files (`<(zcat …)` gives one) is
/// opened once and read from its first byte: the batch's reading order,
/// which looks for EVTX files among the inputs, leaves what is not a
/// regular file alone.
#[test]
fn a_named_pipe_among_the_files_is_read_whole() {
    let d = dir("fifo");
    let iocs = write(&d, "iocs.txt", IOCS.as_bytes());
    let a = write(&d, "a.jsonl", b"{\"a\":\"192.0.2.1\"}\n");
    let fifo = d.join("pipe.jsonl");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut w = std::fs::OpenOptions::new()
                .write(true)
                .open(&fifo)
                .expect("the hunt opens the pipe");
            w.write_all(b"{\"a\":\"198.51.100.7\"}\n{\"b\":\"x\"}\n")
                .expect("the hunt reads the pipe");
        })
    };
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_yagura"))
        .env("YAGURA_DATA", &d)
        .env_remove("YAGURA_CONFIG")
        .args(["hunt", "--iocs", &iocs, "--output", "jsonl", &a])
        .arg(&fifo)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    let start = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the hunt still waits on the pipe after 30 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let o = child.wait_with_output().expect("output");
    writer.join().expect("writer");
    assert_eq!(
        hits(&o),
        vec![h("pipe.jsonl", "line 1", "a", "198.51.100.7")],
        "{}",
        text(&o.stderr)
    );
}
