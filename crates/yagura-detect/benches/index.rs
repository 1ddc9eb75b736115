//! The indicator index: building it from 1,000,000 values of the issue's
//! mix (40% IPv4, 35% domains, 23% SHA-256, 2% networks), and looking
//! values up (hits and misses). `cargo bench -p yagura-detect --bench index`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use yagura_detect::IndexBuilder;
use yagura_stix::pattern::ValueKind;

fn values(n: u32) -> Vec<(ValueKind, String)> {
    (0..n)
        .map(|i| match i % 100 {
            0..40 => (
                ValueKind::Ipv4,
                format!(
                    "{}.{}.{}.{}",
                    1 + (i >> 24) % 223,
                    (i >> 16) & 255,
                    (i >> 8) & 255,
                    i & 255
                ),
            ),
            40..75 => (ValueKind::Domain, format!("x{i:08x}.example")),
            75..98 => (
                ValueKind::Sha256,
                format!("{:064x}", u128::from(i) * 0x9e37_79b9_7f4a_7c15),
            ),
            _ => (
                ValueKind::Cidr,
                format!("{}.{}.0.0/16", 100 + (i >> 16) % 100, (i >> 8) & 255),
            ),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let all = values(1_000_000);
    let mut g = c.benchmark_group("index");
    g.sample_size(10);
    g.bench_function("build 1M", |b| {
        b.iter(|| {
            let mut ib = IndexBuilder::new();
            for (i, (k, v)) in all.iter().enumerate() {
                ib.add(*k, v, u32::try_from(i).unwrap_or(u32::MAX)).ok();
            }
            black_box(ib.build())
        });
    });
    let mut ib = IndexBuilder::new();
    for (i, (k, v)) in all.iter().enumerate() {
        ib.add(*k, v, u32::try_from(i).unwrap_or(u32::MAX)).ok();
    }
    let index = ib.build();
    g.bench_function(
        "lookup IPv4 (hit, miss) + domain (subdomain hit, miss)",
        |b| {
            b.iter(|| {
                black_box(index.lookup(ValueKind::Ipv4, "1.0.0.5"));
                black_box(index.lookup(ValueKind::Ipv4, "203.0.113.9"));
                black_box(index.lookup(ValueKind::Domain, "a.b.x00000028.example"));
                black_box(index.lookup(ValueKind::Domain, "www.unknown.example"));
            });
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
