//! Reading and validating MITRE ATT&CK (../shared/data/attack, 33 MB, 24,771
//! objects, STIX 2.0): streamed (`validate_slice`) and as a whole `Bundle`.
//! Run: `cargo bench -p yagura-stix --bench bundle`.

use std::io::Read;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yagura_stix::Bundle;
use yagura_stix::validate::{Options, validate, validate_slice};

fn attack() -> Option<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/attack/enterprise-attack.json.gz");
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}

fn benches(c: &mut Criterion) {
    let Some(bytes) = attack() else {
        eprintln!("skipped: ../shared/data/attack is absent");
        return;
    };
    let options = Options::default();
    let mut group = c.benchmark_group("attack");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("stream_parse_and_validate", |b| {
        b.iter(|| validate_slice(&bytes, &options).map(|(r, _)| r.is_valid()));
    });
    group.bench_function("parse_bundle", |b| {
        b.iter(|| Bundle::from_slice(&bytes).map(|b| b.objects.len()))
    });
    let bundle = Bundle::from_slice(&bytes).expect("ATT&CK parses");
    let value = bundle.to_value();
    group.bench_function("validate_parsed", |b| {
        b.iter(|| validate(&value, &options).is_valid())
    });
    group.finish();
}

criterion_group!(bundle, benches);
criterion_main!(bundle);
