//! Pattern parsing and matching throughput on the OASIS oracle patterns
//! (../shared/conformance/stix). Run: `cargo bench -p yagura-stix --bench pattern`.
//! The side-by-side ratio against the Python reference is `bench/patterns.py`.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;
use yagura_stix::StixVersion;
use yagura_stix::pattern::{Observations, Pattern};

fn load(name: &str) -> Option<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/stix")
        .join(name);
    let text = std::fs::read_to_string(&path).ok()?;
    serde_json::from_str(&text).ok()
}

fn version(v: &Value) -> StixVersion {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or_default()
}

fn benches(c: &mut Criterion) {
    let (Some(validity), Some(matching)) = (
        load("stix_pattern_validity.json"),
        load("stix_pattern_matcher_cases.json"),
    ) else {
        eprintln!("skipped: ../shared/conformance/stix is absent");
        return;
    };
    let patterns: Vec<(String, StixVersion)> = validity["patterns"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["pattern"].as_str().unwrap_or_default().to_owned(),
                version(&p["stix_version"]),
            )
        })
        .collect();
    let mut group = c.benchmark_group("pattern");
    group.throughput(Throughput::Elements(patterns.len() as u64));
    group.bench_function("validate_oracle_1013", |b| {
        b.iter(|| {
            patterns
                .iter()
                .filter(|(p, v)| Pattern::validate(p, *v).is_ok())
                .count()
        });
    });

    let sets = &matching["observation_sets"];
    let cases: Vec<(String, StixVersion, Vec<Value>)> = matching["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let obs = c["observations"]
                .as_str()
                .and_then(|k| sets[k].as_array())
                .cloned()
                .unwrap_or_default();
            (
                c["pattern"].as_str().unwrap_or_default().to_owned(),
                version(&c["stix_version"]),
                obs,
            )
        })
        .collect();
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("parse_and_match_oracle_842", |b| {
        b.iter(|| {
            cases
                .iter()
                .filter(|(p, v, obs)| {
                    Pattern::parse(p, *v).is_ok_and(|p| p.matches(obs).unwrap_or(false))
                })
                .count()
        });
    });
    // Compile once, prepare observations once: the detection engine's case.
    let prepared: Vec<_> = cases
        .iter()
        .filter_map(|(p, v, obs)| {
            let m = Pattern::parse(p, *v).ok()?.matcher().ok()?;
            Some((m, obs, *v))
        })
        .collect();
    group.throughput(Throughput::Elements(prepared.len() as u64));
    group.bench_function("match_precompiled", |b| {
        b.iter(|| {
            prepared
                .iter()
                .filter(|(m, obs, v)| {
                    Observations::new(obs, *v).is_ok_and(|o| m.matches(&o).unwrap_or(false))
                })
                .count()
        });
    });
    group.finish();
}

criterion_group!(pattern, benches);
criterion_main!(pattern);
