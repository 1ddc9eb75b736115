//! Writes a STIX 2.1 bundle of N generated indicators to stdout, for import
//! benchmarks: `cargo run --release -p yagura-store --example gen-indicators -- 1000000 > ind.json`.
//! Deterministic: the same N gives the same bundle. Each indicator looks
//! for one IPv4 address, domain, URL, SHA-256 or MD5 (cycling), with a name,
//! types, a TLP marking and timestamps, as feeds publish them.

use std::io::{BufWriter, Write};

use serde_json::json;
use uuid::Uuid;

fn main() -> std::io::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let namespace = Uuid::from_u128(0x5ca1_ab1e_0000_4000_8000_0000_0000_0001);
    let out = std::io::stdout();
    let mut w = BufWriter::with_capacity(1 << 20, out.lock());
    write!(
        w,
        r#"{{"type":"bundle","id":"bundle--{}","objects":["#,
        Uuid::new_v5(&namespace, b"bundle")
    )?;
    for i in 0..n {
        let digest = Uuid::new_v5(&namespace, &i.to_le_bytes());
        let hex = digest.simple().to_string();
        let (pattern, name) = match i % 5 {
            0 => (
                format!(
                    "[ipv4-addr:value = '{}.{}.{}.{}']",
                    1 + (i >> 24) % 223,
                    (i >> 16) & 255,
                    (i >> 8) & 255,
                    i & 255
                ),
                "C2 address",
            ),
            1 => (
                format!("[domain-name:value = 'x{hex}.example']"),
                "phishing domain",
            ),
            2 => (
                format!("[url:value = 'http://x{hex}.example/payload.bin']"),
                "payload URL",
            ),
            3 => (
                format!("[file:hashes.'SHA-256' = '{hex}{hex}']"),
                "malware sample",
            ),
            _ => (format!("[file:hashes.MD5 = '{hex}']"), "dropper"),
        };
        let day = 1 + i % 28;
        let obj = json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": format!("indicator--{}", Uuid::new_v5(&namespace, format!("indicator-{i}").as_bytes())),
            "created": format!("2026-01-{day:02}T00:00:00.000Z"),
            "modified": format!("2026-01-{day:02}T00:00:00.000Z"),
            "name": format!("{name} {i}"),
            "indicator_types": ["malicious-activity"],
            "pattern": pattern,
            "pattern_type": "stix",
            "valid_from": format!("2026-01-{day:02}T00:00:00Z"),
            "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
        });
        if i > 0 {
            w.write_all(b",")?;
        }
        serde_json::to_writer(&mut w, &obj)?;
        w.write_all(b"\n")?;
    }
    w.write_all(b"]}\n")?;
    w.flush()
}
