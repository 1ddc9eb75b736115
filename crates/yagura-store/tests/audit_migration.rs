//! Migration 0007 turns an audit log of one row per record into runs:
//! every record keeps its place, fields and hash, and the chain verifies.

use sqlx::sqlite::SqlitePoolOptions;
use yagura_core::{AuditEntry, AuditFilter, AuditLog, AuditRecord, Channel, GENESIS};
use yagura_policy::audit::{Verifier, link};
use yagura_store::SqliteStore;

#[tokio::test]
async fn records_written_before_runs_keep_their_chain() {
    let dir = std::env::temp_dir().join(format!("yagura-audit-migration-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creates");
    let url = format!("sqlite://{}?mode=rwc", dir.join("yagura.db").display());

    // A store as it was before runs: migrations up to 0006, one row a record.
    let pool = SqlitePoolOptions::new().connect(&url).await.expect("opens");
    sqlx::migrate!("./migrations/sqlite")
        .run_to(6, &pool)
        .await
        .expect("migrates to 0006");
    let mut prev = GENESIS.to_owned();
    let mut old = Vec::new();
    for seq in 1..=5u64 {
        let mut r = AuditRecord {
            seq,
            entry: AuditEntry {
                at: format!("2026-11-2{seq}T00:00:00Z"),
                recipient: if seq == 3 { "b" } else { "a" }.into(),
                channel: if seq == 4 {
                    Channel::Taxii
                } else {
                    Channel::Export
                },
                object_id: format!("indicator--{seq}"),
                version: "2026-01-01T00:00:00.000000000Z".into(),
                allow: seq % 2 == 0,
                reason: "a reason with \"quotes\"".into(),
            },
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        r.hash = link(&prev, &r);
        prev.clone_from(&r.hash);
        sqlx::query(
            "INSERT INTO audit (seq, at, recipient, channel, object_id, version, allow, reason, prev_hash, hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(i64::try_from(seq).expect("small"))
        .bind(&r.entry.at)
        .bind(&r.entry.recipient)
        .bind(r.entry.channel.as_str())
        .bind(&r.entry.object_id)
        .bind(&r.entry.version)
        .bind(i64::from(r.entry.allow))
        .bind(&r.entry.reason)
        .bind(&r.prev_hash)
        .bind(&r.hash)
        .execute(&pool)
        .await
        .expect("inserts");
        old.push(r);
    }
    pool.close().await;

    // Opening the store runs 0007.
    let store = SqliteStore::open_url(&url).await.expect("migrates");
    let all = store
        .records(&AuditFilter::default())
        .await
        .expect("records");
    assert_eq!(all, old);
    let mut verifier = Verifier::new();
    store
        .scan(|r| verifier.check(&r))
        .await
        .expect("scans")
        .expect("verifies");
    assert_eq!(verifier.head(), prev);
    // New records chain onto the migrated ones.
    let more = AuditEntry {
        at: "2026-12-01T00:00:00Z".into(),
        recipient: "a".into(),
        channel: Channel::Taxii,
        object_id: "indicator--6".into(),
        version: String::new(),
        allow: true,
        reason: "TLP:CLEAR".into(),
    };
    store.append(&[more], link).await.expect("appends");
    let mut verifier = Verifier::new();
    store
        .scan(|r| verifier.check(&r))
        .await
        .expect("scans")
        .expect("verifies");
    assert_eq!(verifier.count(), 6);
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
