//! `yagura hunt --sigma` end to end over real EVTX files
//! (../shared/data/evtx, not in git; tests skip, saying so, when absent):
//! the timeline's columns, Security 4688 for Sysmon-style rules, filters,
//! the load report for bad rule files, and Sigma with indicators in one
//! pass.

mod common;

use std::path::{Path, PathBuf};

use common::yagura;

/// A path as an argument.
fn p(x: &Path) -> String {
    x.display().to_string()
}

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("yagura-sigma-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn evtx(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/evtx/DeepBlueCLI")
        .join(name);
    if p.is_file() {
        Some(p)
    } else {
        println!("skipped: {} is absent", p.display());
        None
    }
}

/// A Sysmon-style process_creation rule that the Security 4688 events of
/// the psexec sample meet (rundll32 started without arguments).
const RUNDLL32: &str = r"title: Rundll32 Without Parameters (test)
id: 11111111-2222-4333-8444-555555555555
status: test
level: high
tags: [attack.execution, attack.t1218.011]
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\rundll32.exe'
    filter:
        CommandLine|contains: ','
    condition: selection and not filter
";

/// `yagura hunt --sigma RULE LOG` as JSON lines, which must succeed with
/// hits.
fn timeline(d: &Path, rule: &str, log: &str) -> Vec<serde_json::Value> {
    let o = yagura(
        d,
        &["hunt", "--quiet", "--output", "jsonl", "--sigma", rule, log],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    rows(&o.stdout)
}

fn rows(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn a_timeline_row_per_hit_with_4688_read_as_process_creation() {
    let Some(log) = evtx("metasploit-psexec-native-target-security.evtx") else {
        return;
    };
    let d = dir("timeline");
    let rule = d.join("rundll32.yml");
    std::fs::write(&rule, RUNDLL32).expect("rule");
    let (rule, log) = (p(&rule), p(&log));
    let rows = timeline(&d, &rule, &log);
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!(r["channel"], "Security");
        assert_eq!(r["event_id"], "4688");
        assert_eq!(r["rule_id"], "11111111-2222-4333-8444-555555555555");
        assert_eq!(r["level"], "high");
        assert_eq!(r["tags"], "execution,t1218.011");
        assert!(r["computer"].as_str().is_some_and(|c| !c.is_empty()));
        assert!(r["timestamp"].as_str().is_some_and(|t| t.starts_with("20")));
        assert!(r["record"].as_u64().is_some());
        let details = r["details"].as_str().expect("details");
        assert!(details.to_lowercase().contains("rundll32.exe"), "{details}");
    }
    // CSV has the timeline's header; a table has one line per hit.
    let csv = yagura(
        &d,
        &["hunt", "--quiet", "--output", "csv", "--sigma", &rule, &log],
    );
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(text.starts_with(
        "timestamp,computer,channel,event_id,level,rule,tags,rule_id,file,record,details"
    ));
    assert_eq!(text.lines().count(), rows.len() + 1);
    let table = yagura(&d, &["hunt", "--quiet", "--sigma", &rule, &log]);
    assert_eq!(
        String::from_utf8_lossy(&table.stdout).lines().count(),
        rows.len()
    );
}

#[test]
fn filters_leave_rules_out_and_say_so() {
    let Some(log) = evtx("metasploit-psexec-native-target-security.evtx") else {
        return;
    };
    let d = dir("filters");
    let rule = d.join("rundll32.yml");
    std::fs::write(&rule, RUNDLL32).expect("rule");
    let (rule, log) = (p(&rule), p(&log));
    for extra in [
        ["--min-level", "critical"],
        ["--rule-exclude", "attack.t1218.011"],
        ["--rule-include", "no-such-id"],
        ["--rule-status", "stable"],
    ] {
        let o = yagura(
            &d,
            &[
                "hunt", "--quiet", "--sigma", &rule, extra[0], extra[1], &log,
            ],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("0 rules run, 0 cannot run, 1 left out by the filters"),
            "{extra:?}: {err}"
        );
        assert_eq!(
            o.status.code(),
            Some(2),
            "no rule to run is an error: {extra:?}"
        );
    }
    let o = yagura(
        &d,
        &[
            "hunt",
            "--quiet",
            "--rule-status",
            "nonsense",
            "--sigma",
            &rule,
            &log,
        ],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a Sigma status"));
}

#[test]
fn bad_rule_files_are_reported_one_by_one_and_the_rest_run() {
    let Some(log) = evtx("metasploit-psexec-native-target-security.evtx") else {
        return;
    };
    let d = dir("bad");
    let rules = d.join("rules");
    std::fs::create_dir_all(&rules).expect("dir");
    let w = |name: &str, text: &str| std::fs::write(rules.join(name), text).expect("rule");
    w("a-good.yml", RUNDLL32);
    w("b-not-yaml.yml", "title: [unclosed\n");
    w(
        "c-modifier.yml",
        &RUNDLL32.replace("Image|endswith", "Image|endswiht"),
    );
    w(
        "d-condition.yml",
        &RUNDLL32.replace("selection and not filter", "selection and (not filter"),
    );
    let mut bomb = String::from(
        "title: bomb\nlogsource: {product: windows}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..12 {
        let q = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{q}, *a{q}, *a{q}, *a{q}, *a{q}, *a{q}, *a{q}, *a{q}, *a{q}, *a{q}]\n"
        ));
    }
    w("e-bomb.yml", &bomb);
    w(
        "f-big.yml",
        &format!("title: big\n# {}\n", "x".repeat(17 << 20)),
    );
    w(
        "g-linux.yml",
        &RUNDLL32.replace("product: windows", "product: macos"),
    );
    let (rules, log) = (p(&rules), p(&log));
    let o = yagura(
        &d,
        &[
            "hunt", "--quiet", "--output", "jsonl", "--sigma", &rules, &log,
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    for (file, want) in [
        ("b-not-yaml.yml", "not YAML"),
        (
            "c-modifier.yml",
            "detection.selection.Image|endswiht: unknown modifier",
        ),
        (
            "d-condition.yml",
            "detection.condition: column 26: expected `)`",
        ),
        ("e-bomb.yml", "not YAML"),
        ("f-big.yml", "larger than 16 MiB"),
        ("g-linux.yml", "product `macos`"),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("{file} is not reported: {err}"));
        assert!(line.contains(want), "{file}: {line}");
    }
    assert!(
        err.contains("1 rules run, 6 cannot run, 0 left out by the filters"),
        "{err}"
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "the good rule still runs and hits"
    );
    assert!(!rows(&o.stdout).is_empty());
}

#[test]
fn sigma_and_indicators_in_one_pass() {
    let Some(log) = evtx("metasploit-psexec-native-target-security.evtx") else {
        return;
    };
    let d = dir("both");
    let rule = d.join("rundll32.yml");
    std::fs::write(&rule, RUNDLL32).expect("rule");
    let iocs = d.join("iocs.txt");
    std::fs::write(&iocs, "rundll32.exe\n").expect("iocs");
    let (rule, log, iocs) = (p(&rule), p(&log), p(&iocs));
    let alone = yagura(
        &d,
        &[
            "hunt", "--quiet", "--output", "jsonl", "--sigma", &rule, &log,
        ],
    );
    let sigma_rows = rows(&alone.stdout).len();
    let o = yagura(
        &d,
        &[
            "hunt", "--quiet", "--output", "jsonl", "--sigma", &rule, "--iocs", &iocs, &log,
        ],
    );
    let all = rows(&o.stdout);
    let (by_rule, by_ioc): (Vec<_>, Vec<_>) = all.iter().partition(|r| r.get("rule_id").is_some());
    assert_eq!(by_rule.len(), sigma_rows);
    assert!(!by_ioc.is_empty(), "the file name indicator hits too");
    let csv = yagura(
        &d,
        &[
            "hunt", "--quiet", "--output", "csv", "--sigma", &rule, "--iocs", &iocs, &log,
        ],
    );
    assert_eq!(csv.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&csv.stderr).contains("one kind of row"));
}

const CORRELATION: &str = r"title: Failed logon
id: 0a0a0a0a-0000-4000-8000-000000000001
name: failed_logon
level: low
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: 4625
    condition: selection
---
title: Many failed logons for one account
id: 0a0a0a0a-0000-4000-8000-000000000002
level: high
tags: [attack.credential-access, attack.t1110]
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [TargetUserName]
    timespan: 5m
    condition: {gte: 10}
";

#[test]
fn an_event_count_correlation_over_a_password_guessing_log() {
    let Some(log) = evtx("smb-password-guessing-security.evtx") else {
        return;
    };
    let d = dir("correlation");
    let rules = d.join("rules.yml");
    std::fs::write(&rules, CORRELATION).expect("rules");
    let (r, log) = (p(&rules), p(&log));
    let o = yagura(&d, &["hunt", "--output", "jsonl", "--sigma", &r, &log]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let windows = rows(&o.stdout);
    // The base rule does not generate: only the correlation's rows.
    assert!(!windows.is_empty());
    for row in &windows {
        assert_eq!(row["rule_id"], "0a0a0a0a-0000-4000-8000-000000000002");
        assert_eq!(row["level"], "high");
        let details = row["details"].as_str().expect("details");
        assert!(
            details.starts_with("count: 10 ¦ TargetUserName: "),
            "{details}"
        );
        assert!(details.ends_with("rules: failed_logon"), "{details}");
    }
    // With `generate: true` the base rule's hits are reported too.
    std::fs::write(
        &rules,
        CORRELATION.replace(
            "    condition: {gte: 10}\n",
            "    condition: {gte: 10}\n    generate: true\n",
        ),
    )
    .expect("rules");
    let o = yagura(
        &d,
        &["hunt", "--quiet", "--output", "jsonl", "--sigma", &r, &log],
    );
    let with_base = rows(&o.stdout);
    let base = with_base
        .iter()
        .filter(|x| x["rule_id"] == "0a0a0a0a-0000-4000-8000-000000000001")
        .count();
    assert!(
        base >= 10 * windows.len(),
        "{base} base hits for {} windows",
        windows.len()
    );
    // A correlation over a rule that is not there is reported.
    std::fs::write(
        &rules,
        CORRELATION.replace("rules: [failed_logon]", "rules: [no_such]"),
    )
    .expect("rules");
    let o = yagura(
        &d,
        &["hunt", "--quiet", "--output", "jsonl", "--sigma", &r, &log],
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("`no_such` is not among the rules that run")
    );
}

/// The Sigma 1 form of the correlation above: one rule with `| count()`.
const SIGMA1: &str = r"title: Many failed logons for one account
id: 0a0a0a0a-0000-4000-8000-000000000003
level: high
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: 4625
    timeframe: 5m
    condition: selection | count() by TargetUserName >= 10
";

#[test]
fn a_sigma_1_aggregation_runs_as_the_correlation_it_stands_for() {
    let Some(log) = evtx("smb-password-guessing-security.evtx") else {
        return;
    };
    let d = dir("sigma1");
    let (v2, v1) = (d.join("v2.yml"), d.join("v1.yml"));
    std::fs::write(&v2, CORRELATION).expect("rules");
    std::fs::write(&v1, SIGMA1).expect("rules");
    let log = p(&log);
    let (a, b) = (timeline(&d, &p(&v2), &log), timeline(&d, &p(&v1), &log));
    assert!(!b.is_empty());
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x["record"], y["record"]);
        assert_eq!(y["rule_id"], "0a0a0a0a-0000-4000-8000-000000000003");
        let count = |r: &serde_json::Value| {
            r["details"]
                .as_str()
                .expect("details")
                .split(" ¦ rules")
                .next()
                .map(str::to_owned)
        };
        assert_eq!(count(x), count(y));
    }
    // A timeframe without an aggregation, and another function, are reported.
    std::fs::write(
        &v1,
        SIGMA1.replace(" | count() by TargetUserName >= 10", ""),
    )
    .expect("rule");
    let o = yagura(&d, &["hunt", "--quiet", "--sigma", &p(&v1), &log]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("a timeframe without an aggregation"));
    std::fs::write(&v1, SIGMA1.replace("count()", "max(LogonType)")).expect("rule");
    let o = yagura(&d, &["hunt", "--quiet", "--sigma", &p(&v1), &log]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("only the `count()` aggregation"));
}

#[test]
fn the_same_rules_over_json_exports_of_windows_events() {
    let d = dir("json");
    let rule = d.join("rundll32.yml");
    std::fs::write(&rule, RUNDLL32).expect("rule");
    // winlogbeat (ECS), evtx_dump, and a line no rule matches.
    let lines = concat!(
        r#"{"@timestamp":"2026-11-30T10:00:00.000Z","winlog":{"channel":"Security","event_id":4688,"computer_name":"ws1","event_data":{"NewProcessName":"C:\\Windows\\System32\\rundll32.exe","CommandLine":"rundll32.exe"}}}"#,
        "\n",
        r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws2","TimeCreated":{"#attributes":{"SystemTime":"2026-11-30T10:00:01Z"}}},"EventData":{"Image":"C:\\Windows\\System32\\rundll32.exe","CommandLine":"rundll32.exe"}}}"##,
        "\n",
        r#"{"winlog":{"channel":"Security","event_id":4688,"event_data":{"NewProcessName":"C:\\Windows\\notepad.exe"}}}"#,
        "\n",
    );
    let log = d.join("events.jsonl");
    std::fs::write(&log, lines).expect("log");
    let (rule, log) = (p(&rule), p(&log));
    let rows = timeline(&d, &rule, &log);
    let got: Vec<(u64, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["record"].as_u64().expect("line"),
                r["computer"].as_str().expect("computer"),
                r["timestamp"].as_str().expect("time"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "ws1", "2026-11-30T10:00:00.000Z"),
            (2, "ws2", "2026-11-30T10:00:01Z")
        ]
    );
}

/// SigmaHQ's rules for Linux (and, to show none of them reaches a Linux
/// line, those for Windows) over syslog, auditd and Sysmon for Linux logs
/// (`test-data/linux`): each line meets the rules it is written for, by
/// the route of the rule's service or category.
#[test]
fn linux_rules_over_syslog_audit_and_sysmon_for_linux() {
    let sigma = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sigma/rules");
    if !sigma.is_dir() {
        println!("skipped: {} is absent", sigma.display());
        return;
    }
    let d = dir("linux");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/linux");
    let o = yagura(
        &d,
        &[
            "hunt",
            "--quiet",
            "--output",
            "jsonl",
            "--sigma",
            &p(&sigma.join("linux")),
            "--sigma",
            &p(&sigma.join("windows")),
            &p(&data),
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    // The Sysmon event cut short is reported with its line; the rest runs.
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("sysmon.log: line 2") && err.contains("event XML"),
        "{err}"
    );
    let rows = rows(&o.stdout);
    let mut got: Vec<(String, u64, String)> = rows
        .iter()
        .map(|r| {
            let file = r["file"].as_str().expect("file");
            let file = Path::new(file).file_name().expect("name").to_string_lossy();
            (
                file.into_owned(),
                r["record"].as_u64().expect("line"),
                r["rule_id"].as_str().expect("rule id").to_owned(),
            )
        })
        .collect();
    got.sort();
    let want = [
        // sshd: a libcrypto error (RFC 3164 and RFC 5424); the same text
        // from `login` is not sshd's.
        ("auth.log", 1, "e76b413a-83d0-4b94-8e4c-85db4a5b8bdc"),
        // every syslog line: a reverse shell, a syslog wiped by sudo
        ("auth.log", 3, "738d9bcf-6999-4fdb-b4ac-3033037db8ab"),
        // cron: a crontab replaced
        ("auth.log", 4, "af202fd3-7bff-4212-a25a-fb34606cfcbe"),
        ("auth.log", 5, "e09eb557-96d2-4de9-ba2d-30f712a5afd3"),
        ("auth.log", 7, "e76b413a-83d0-4b94-8e4c-85db4a5b8bdc"),
        // auditd forwarded by audispd, and audit.log itself
        ("auth.log", 8, "4b3cb710-5e83-4715-8c45-8b2b5b3e5751"),
        ("audit.log", 2, "4b3cb710-5e83-4715-8c45-8b2b5b3e5751"),
        ("audit.log", 3, "eae8ce9f-bde9-47a6-8e79-f20d18419910"),
        ("audit.log", 4, "53059bc0-1472-438b-956a-7508a94a91f0"),
        ("audit.log", 5, "eca5e022-d368-4043-98e5-9736fb01f72f"),
        // Sysmon for Linux: curl, and curl posting a file
        ("sysmon.log", 1, "00b90cc1-17ec-402c-96ad-3a8117d7a582"),
        ("sysmon.log", 1, "ea34fb97-e2c4-4afb-810f-785e4459b194"),
    ];
    for (file, line, id) in want {
        assert!(
            got.iter()
                .any(|g| (g.0.as_str(), g.1, g.2.as_str()) == (file, line, id)),
            "{file}:{line} should meet {id}: {got:?}"
        );
    }
    let rule_of = |id: &str| {
        rows.iter()
            .find(|r| r["rule_id"] == id)
            .cloned()
            .expect("a row")
    };
    // No Windows rule reaches a Linux line; the CEF line meets nothing;
    // `login`'s libcrypto line is not sshd's.
    let mut linux_ids = std::collections::HashSet::new();
    let mut todo = vec![sigma.join("linux")];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).expect("rules").flatten() {
            let path = e.path();
            if path.is_dir() {
                todo.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let id = text.lines().find_map(|l| l.strip_prefix("id: "));
                linux_ids.extend(id.map(|i| i.trim().to_owned()));
            }
        }
    }
    for r in &rows {
        let id = r["rule_id"].as_str().unwrap_or_default();
        assert!(linux_ids.contains(id), "not a Linux rule: {r}");
    }
    assert!(
        !got.iter()
            .any(|g| g.0 == "auth.log" && (g.1 == 2 || g.1 == 6)),
        "{got:?}"
    );
    // The timeline's columns for each kind of log.
    let audit = rule_of("eca5e022-d368-4043-98e5-9736fb01f72f");
    assert_eq!(audit["timestamp"], "2023-11-14T22:13:23.400Z");
    assert_eq!(audit["channel"], "auditd");
    assert_eq!(audit["event_id"], "SYSCALL");
    assert_eq!(
        audit["details"],
        "a0: 5 ¦ a1: 0 ¦ a2: 0 ¦ a3: 0 ¦ exe: /usr/bin/dmesg ¦ comm: dmesg ¦ key: clear_dmesg_logs"
    );
    let sysmon = rule_of("ea34fb97-e2c4-4afb-810f-785e4459b194");
    assert_eq!(sysmon["timestamp"], "2023-11-14T22:13:27.123456000Z");
    assert_eq!(sysmon["channel"], "Linux-Sysmon/Operational");
    assert_eq!(sysmon["computer"], "web1");
    let cron = rule_of("af202fd3-7bff-4212-a25a-fb34606cfcbe");
    assert_eq!(cron["timestamp"], "Nov 14 22:13:23");
    assert_eq!(cron["channel"], "cron");
    assert_eq!(cron["details"], "message: (root) REPLACE (root)");
}

/// EVTX files are read largest first (so that the last one does not keep
/// a worker busy alone at the end), but their rows come in the order the
/// files were given, each file's in record order: the same rows as the
/// files hunted one at a time, one after another. A file that is not a
/// log, between them, is reported and the rest is read.
#[test]
fn evtx_files_read_largest_first_are_reported_in_the_order_given() {
    let (Some(small), Some(large), Some(middle)) = (
        evtx("eventlog-dac.evtx"),
        evtx("smb-password-guessing-security.evtx"),
        evtx("password-spray.evtx"),
    ) else {
        return;
    };
    let d = dir("order");
    let rule = d.join("any.yml");
    std::fs::write(
        &rule,
        "title: Any Windows event (test)\nid: 22222222-3333-4444-8555-666666666666\n\
         level: low\nlogsource: {product: windows}\n\
         detection:\n    sel:\n        EventID|exists: true\n    condition: sel\n",
    )
    .expect("rule");
    let junk = d.join("notes.txt");
    std::fs::write(&junk, [0xffu8, 0xfe, 0, 1, 2, 3]).expect("junk");
    let run_with = |flags: &[&str], logs: &[&Path]| {
        let mut args = vec!["hunt", "--output", "jsonl"];
        args.extend_from_slice(flags);
        args.push("--sigma");
        let rule = p(&rule);
        args.push(&rule);
        let logs: Vec<String> = logs.iter().map(|l| p(l)).collect();
        args.extend(logs.iter().map(String::as_str));
        let o = yagura(&d, &args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        (rows(&o.stdout), err)
    };
    let run = |logs: &[&Path]| run_with(&[], logs);
    let (all, err) = run(&[&small, &large, &junk, &middle]);
    let mut one_by_one = Vec::new();
    for f in [&small, &large, &middle] {
        one_by_one.extend(run(&[f]).0);
    }
    assert!(all.len() > 1000, "{} rows", all.len());
    assert_eq!(all, one_by_one);
    let files: Vec<&str> = all.iter().filter_map(|r| r["file"].as_str()).collect();
    let first_large = files
        .iter()
        .position(|f| f.ends_with("guessing-security.evtx"))
        .expect("rows of the large file");
    let last_small = files
        .iter()
        .rposition(|f| f.ends_with("eventlog-dac.evtx"))
        .expect("rows of the small file");
    assert!(last_small < first_large, "{last_small} {first_large}");
    assert!(err.contains("notes.txt: not a log format"), "{err}");
    assert!(err.contains("3 inputs"), "{err}");
    // Unordered: the same rows and inputs, as they finish.
    let (mut loose, err) = run_with(&["--unordered"], &[&small, &large, &junk, &middle]);
    let key = |r: &serde_json::Value| r.to_string();
    let mut ordered = all.clone();
    ordered.sort_by_key(key);
    loose.sort_by_key(key);
    assert_eq!(loose, ordered);
    assert!(err.contains("3 inputs"), "{err}");
}
