//! Exact value lookup latency in a store that holds the output of
//! `gen-indicators N` (imported with `yagura import`):
//! `cargo run --release -p yagura-store --example lookup-latency -- DATA_DIR N [LOOKUPS]`.
//! Looks up LOOKUPS known IPv4 addresses and domains (spread over the N
//! indicators; each must be found) and as many absent values, one at a
//! time through `IntelStore::lookup_value` as `yagura search` does, and
//! prints the median, 99th percentile and maximum of each.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use uuid::Uuid;
use yagura_core::IntelStore;
use yagura_store::SqliteStore;

/// The value `gen-indicators` wrote for indicator `i` (IPv4 or domain).
fn value(i: u64) -> String {
    let namespace = Uuid::from_u128(0x5ca1_ab1e_0000_4000_8000_0000_0000_0001);
    if i.is_multiple_of(5) {
        format!(
            "{}.{}.{}.{}",
            1 + (i >> 24) % 223,
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        )
    } else {
        let hex = Uuid::new_v5(&namespace, &i.to_le_bytes())
            .simple()
            .to_string();
        format!("x{hex}.example")
    }
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "{what}: {} lookups, median {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        times.len(),
        at(0.5).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6,
        at(1.0).as_secs_f64() * 1e6
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: lookup-latency DATA_DIR N [LOOKUPS]")?,
    );
    let n: u64 = args.next().ok_or("N missing")?.parse()?;
    let lookups: u64 = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let store = SqliteStore::open(&dir).await?;
    // Warm the page cache as a running hub would be.
    store.lookup_value("192.0.2.1", None).await?;

    let mut present = Vec::new();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..lookups {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        // An IPv4 (i % 5 == 0) or domain (i % 5 == 1) indicator.
        let mut i = 5 * ((state >> 11) % n.div_ceil(5)) + (state >> 7) % 2;
        if i >= n {
            i -= i % 5;
        }
        let v = value(i);
        let t = Instant::now();
        let hits = store.lookup_value(&v, None).await?;
        present.push(t.elapsed());
        if hits.is_empty() {
            return Err(format!(
                "{v} (indicator {i}) not found: is the store from gen-indicators {n}?"
            )
            .into());
        }
    }
    let mut absent = Vec::new();
    for j in 0..lookups {
        let v = format!("absent-{j}.invalid");
        let t = Instant::now();
        let hits = store.lookup_value(&v, None).await?;
        absent.push(t.elapsed());
        if !hits.is_empty() {
            return Err(format!("{v} found").into());
        }
    }
    report("known values", present);
    report("absent values", absent);
    store.close().await;
    Ok(())
}
