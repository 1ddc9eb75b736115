//! The store conformance suite: written against the `IntelStore` trait, run
//! here on SQLite (PostgreSQL will run the same functions).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::json;
use yagura_core::{
    Accounts, ApiRoot, AuditEntry, AuditFilter, AuditLog, Channel, Collection, Directory,
    IntelStore, ObjectMeta, Org, PutOutcome, Role, StoreError, StoreTx, TokenInfo, User,
};
use yagura_policy::audit::{Verifier, link};
use yagura_stix::pattern::ValueKind;
use yagura_stix::{StixObject, Tlp};
use yagura_store::SqliteStore;

fn obj(v: serde_json::Value) -> StixObject {
    StixObject::from_value(v).expect("test object")
}

fn indicator(modified: &str, pattern: &str) -> StixObject {
    obj(
        json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2024-01-01T00:00:00.000Z", "modified": modified, "name": "C2 address",
        "pattern": pattern, "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}),
    )
}

async fn put_all<S: IntelStore>(
    store: &S,
    objects: &[StixObject],
    meta: &ObjectMeta,
) -> Vec<PutOutcome> {
    let mut tx = store.begin().await.expect("begin");
    let mut out = Vec::new();
    for o in objects {
        out.push(tx.put(o, meta).await.expect("put"));
    }
    tx.commit().await.expect("commit");
    out
}

async fn versioning<S: IntelStore>(store: &S) {
    let meta = ObjectMeta::default();
    let v1 = indicator(
        "2024-01-01T00:00:00.000Z",
        "[ipv4-addr:value = '198.51.100.3']",
    );
    let v2 = indicator(
        "2024-02-01T00:00:00.000Z",
        "[ipv4-addr:value = '198.51.100.4']",
    );
    let v0 = indicator(
        "2023-12-01T00:00:00.000Z",
        "[ipv4-addr:value = '198.51.100.2']",
    );
    assert_eq!(
        put_all(store, std::slice::from_ref(&v1), &meta).await,
        [PutOutcome::New]
    );
    assert_eq!(
        put_all(store, std::slice::from_ref(&v1), &meta).await,
        [PutOutcome::Unchanged]
    );
    // The same instant written with other precision is the same version.
    let v1_again = indicator("2024-01-01T00:00:00Z", "[ipv4-addr:value = '198.51.100.3']");
    assert_eq!(
        put_all(store, &[v1_again], &meta).await,
        [PutOutcome::Unchanged]
    );
    assert_eq!(
        put_all(store, &[v2.clone(), v0], &meta).await,
        [PutOutcome::Updated, PutOutcome::History]
    );
    let id = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    let current = store.get(id).await.expect("get").expect("exists");
    assert_eq!(current.object, v2);
    assert!(current.current);
    let versions = store.versions(id).await.expect("versions");
    let modified: Vec<&str> = versions
        .iter()
        .map(|s| s.object.get_str("modified").expect("modified"))
        .collect();
    assert_eq!(
        modified,
        [
            "2023-12-01T00:00:00.000Z",
            "2024-01-01T00:00:00.000Z",
            "2024-02-01T00:00:00.000Z"
        ]
    );
    // Only the current version is indexed.
    assert!(
        store
            .lookup_value("198.51.100.3", None)
            .await
            .expect("lookup")
            .is_empty()
    );
    let hits = store
        .lookup_value("198.51.100.4", None)
        .await
        .expect("lookup");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].kind, ValueKind::Ipv4);
    // Revoked: still readable, no longer found.
    let mut revoked = v2.clone().into_value();
    revoked["modified"] = json!("2024-03-01T00:00:00.000Z");
    revoked["revoked"] = json!(true);
    assert_eq!(
        put_all(store, &[obj(revoked)], &meta).await,
        [PutOutcome::Updated]
    );
    assert!(
        store
            .lookup_value("198.51.100.4", None)
            .await
            .expect("lookup")
            .is_empty()
    );
    assert!(store.get(id).await.expect("get").is_some());
}

async fn lookups<S: IntelStore>(store: &S) {
    let meta = ObjectMeta {
        producer: Some("jpcert".parse().expect("org")),
        tlp: Some(Tlp::Amber),
        residency: Some(vec!["JP".parse().expect("jurisdiction")]),
        collection: Some("regional".parse().expect("collection")),
    };
    let actor = obj(
        json!({"type": "intrusion-set", "spec_version": "2.1", "id": "intrusion-set--fb6aa549-c94a-4e45-b4fd-7e32602dad85",
        "created": "2017-05-31T21:31:57.307Z", "modified": "2024-04-10T22:28:04.479Z", "name": "menuPass",
        "aliases": ["menuPass", "APT10", "Cicada", "Stone Panda"],
        "description": "menuPass is a threat group that has been active since at least 2006, targeting Japan (Operation Cloud Hopper)."}),
    );
    let malware = obj(
        json!({"type": "malware", "spec_version": "2.1", "id": "malware--7f8166e2-c7f4-4b48-a07b-681b61a8f2c1",
        "created": "2017-05-31T21:32:12.310Z", "modified": "2024-04-10T22:28:04.479Z", "name": "RedLeaves", "is_family": true}),
    );
    let uses = obj(
        json!({"type": "relationship", "spec_version": "2.1", "id": "relationship--0f4b3d1a-5c6e-4f7a-8b9c-0d1e2f3a4b5c",
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "relationship_type": "uses",
        "source_ref": "intrusion-set--fb6aa549-c94a-4e45-b4fd-7e32602dad85", "target_ref": "malware--7f8166e2-c7f4-4b48-a07b-681b61a8f2c1"}),
    );
    let file = obj(
        json!({"type": "file", "spec_version": "2.1", "id": "file--ff1e0780-358c-5808-a8c7-d0fca4ef6ef4",
        "name": "StarBurn.dll", "hashes": {"SHA-256": "b8f5e4d1a4b0c9e34bfa1a8ac4dbe3c17e2e9aba5b2d1e2e8a0b1e4c93d5b7a1"}}),
    );
    let outcomes = put_all(store, &[actor.clone(), malware, uses, file.clone()], &meta).await;
    assert_eq!(outcomes, [PutOutcome::New; 4]);

    let by_alias = store.lookup_name("apt10").await.expect("name");
    assert_eq!(by_alias.len(), 1);
    assert_eq!(by_alias[0].object, actor);
    assert_eq!(by_alias[0].meta, meta);
    assert_eq!(
        store.lookup_name("Stone Panda").await.expect("name").len(),
        1
    );

    let rels = store
        .relationships("malware--7f8166e2-c7f4-4b48-a07b-681b61a8f2c1")
        .await
        .expect("relationships");
    assert_eq!(rels.len(), 1);
    assert_eq!(rels[0].object.get_str("relationship_type"), Some("uses"));

    let hits = store
        .lookup_value(
            "B8F5E4D1A4B0C9E34BFA1A8AC4DBE3C17E2E9ABA5B2D1E2E8A0B1E4C93D5B7A1",
            None,
        )
        .await
        .expect("hash lookup");
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0].kind, &hits[0].object.object),
        (ValueKind::Sha256, &file)
    );

    let text = store.search_text("cloud hopper", 10).await.expect("search");
    assert_eq!(text.first().map(|s| &s.object), Some(&actor));
    // Query syntax in user input is plain text, never an error.
    assert!(store.search_text("\"unbalanced AND (", 10).await.is_ok());

    // A new version's text replaces the old one's.
    let mut renamed = actor.clone().into_value();
    renamed["modified"] = json!("2025-01-01T00:00:00.000Z");
    renamed["description"] = json!("Now tracked as Earth Kasha.");
    assert_eq!(
        put_all(store, &[obj(renamed)], &meta).await,
        [PutOutcome::Updated]
    );
    assert!(
        store
            .search_text("cloud hopper", 10)
            .await
            .expect("search")
            .is_empty()
    );
    assert_eq!(
        store.search_text("kasha", 10).await.expect("search").len(),
        1
    );
    assert_eq!(store.lookup_name("apt10").await.expect("name").len(), 1);

    let counts = store.count_by_type().await.expect("counts");
    assert!(counts.contains(&("intrusion-set".to_owned(), 1)));
}

async fn atomicity<S: IntelStore>(store: &S) {
    let meta = ObjectMeta::default();
    let a = obj(
        json!({"type": "tool", "spec_version": "2.1", "id": "tool--03342581-f790-4f03-ba41-e82e67392e23",
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "name": "PsExec"}),
    );
    {
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(tx.put(&a, &meta).await.expect("put"), PutOutcome::New);
        // Dropped without commit: rolled back.
    }
    assert!(
        store
            .get("tool--03342581-f790-4f03-ba41-e82e67392e23")
            .await
            .expect("get")
            .is_none()
    );
    let no_id = obj(json!({"type": "tool", "name": "x"}));
    let mut tx = store.begin().await.expect("begin");
    assert!(tx.put(&no_id, &meta).await.is_err());
    let bad_time = obj(
        json!({"type": "tool", "id": "tool--03342581-f790-4f03-ba41-e82e67392e23", "modified": "yesterday"}),
    );
    assert!(tx.put(&bad_time, &meta).await.is_err());
}

/// Versions of one id inside one batch are decided as one-by-one puts would.
async fn batches<S: IntelStore>(store: &S) {
    let meta = ObjectMeta::default();
    let v = |modified: &str, ip: &str| {
        let mut o = indicator(modified, &format!("[ipv4-addr:value = '{ip}']")).into_value();
        o["id"] = json!("indicator--0d9b6a5c-2a3e-4f4a-9c1d-5e6f7a8b9c0d");
        (obj(o), meta.clone())
    };
    let batch = [
        v("2024-01-01T00:00:00.000Z", "192.0.2.1"),
        v("2024-02-01T00:00:00.000Z", "192.0.2.2"),
        v("2024-01-01T00:00:00.000Z", "192.0.2.1"),
        v("2023-01-01T00:00:00.000Z", "192.0.2.0"),
    ];
    let mut tx = store.begin().await.expect("begin");
    let outcomes = tx.put_batch(&batch).await.expect("batch");
    tx.commit().await.expect("commit");
    assert_eq!(
        outcomes,
        [
            PutOutcome::New,
            PutOutcome::Updated,
            PutOutcome::Unchanged,
            PutOutcome::History
        ]
    );
    assert_eq!(
        store
            .lookup_value("192.0.2.2", None)
            .await
            .expect("lookup")
            .len(),
        1
    );
    for old in ["192.0.2.1", "192.0.2.0"] {
        assert!(
            store
                .lookup_value(old, None)
                .await
                .expect("lookup")
                .is_empty(),
            "{old}"
        );
    }
    let id = "indicator--0d9b6a5c-2a3e-4f4a-9c1d-5e6f7a8b9c0d";
    assert_eq!(store.versions(id).await.expect("versions").len(), 3);
    assert_eq!(
        store
            .versions(id)
            .await
            .expect("versions")
            .iter()
            .filter(|s| s.current)
            .count(),
        1
    );
    // The next batch updates the version that the previous batch made current.
    let mut tx = store.begin().await.expect("begin");
    let outcomes = tx
        .put_batch(&[v("2024-03-01T00:00:00.000Z", "192.0.2.3")])
        .await
        .expect("batch");
    tx.commit().await.expect("commit");
    assert_eq!(outcomes, [PutOutcome::Updated]);
    assert!(
        store
            .lookup_value("192.0.2.2", None)
            .await
            .expect("lookup")
            .is_empty()
    );
    assert_eq!(
        store
            .lookup_value("192.0.2.3", None)
            .await
            .expect("lookup")
            .len(),
        1
    );
}

/// Paging through current objects: every object once, in a stable order,
/// filters applied, and objects added while paging come after the cursor.
async fn paging<S: IntelStore>(store: &S) {
    let coll: yagura_core::CollectionId = "paging".parse().expect("collection");
    let meta = ObjectMeta {
        collection: Some(coll.clone()),
        ..ObjectMeta::default()
    };
    let make = |i: u32| {
        obj(
            json!({"type": if i.is_multiple_of(2) { "indicator" } else { "malware" }, "spec_version": "2.1",
            "id": format!("{}--00000000-0000-4000-8000-{i:012}", if i.is_multiple_of(2) { "indicator" } else { "malware" }),
            "created": "2024-01-01T00:00:00.000Z", "modified": format!("2024-01-{:02}T00:00:00.000Z", i % 28 + 1),
            "name": format!("n{i}"), "is_family": false,
            "pattern": "[ipv4-addr:value = '192.0.2.9']", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}),
        )
    };
    let first: Vec<StixObject> = (0..25).map(make).collect();
    put_all(store, &first, &meta).await;
    let filter = yagura_core::ObjectFilter {
        collection: Some(coll.clone()),
        ..Default::default()
    };
    let mut seen = Vec::new();
    let mut after = 0;
    let mut pages = 0;
    loop {
        let page = store.page(&filter, after, 10).await.expect("page");
        if pages == 0 {
            // Added during paging: found on a later page.
            put_all(store, &[make(25)], &meta).await;
        }
        pages += 1;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        seen.extend(
            page.into_iter()
                .map(|(_, o)| o.object.id().expect("id").to_owned()),
        );
    }
    assert_eq!(seen.len(), 26);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 26);
    assert_eq!(pages, 4);
    let malware = yagura_core::ObjectFilter {
        types: vec!["malware".into()],
        modified_since: Some(yagura_stix::Timestamp::parse("2024-01-20T00:00:00Z").expect("time")),
        ..filter
    };
    let page = store.page(&malware, 0, 100).await.expect("page");
    let mut got: Vec<u32> = page
        .iter()
        .map(|(_, o)| {
            o.object.get_str("name").expect("name")[1..]
                .parse()
                .expect("n")
        })
        .collect();
    got.sort_unstable();
    assert_eq!(got, [19, 21, 23, 25]);
    // By id, and by time added: the object added during paging came in a
    // later transaction than the first 25.
    let by_id = yagura_core::ObjectFilter {
        ids: vec![first[3].id().expect("id").to_owned()],
        ..Default::default()
    };
    assert_eq!(store.page(&by_id, 0, 10).await.expect("page").len(), 1);
    let first_added = store.page(&by_id, 0, 10).await.expect("page")[0]
        .1
        .date_added;
    let later = yagura_core::ObjectFilter {
        collection: Some(coll),
        added_after: Some(first_added),
        ..Default::default()
    };
    let page = store.page(&later, 0, 100).await.expect("page");
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].1.object.get_str("name"), Some("n25"));
}

/// Organizations, collections, and the audit log's chaining and filters.
async fn sharing<S: IntelStore + Directory + AuditLog>(store: &S) {
    let org = Org {
        name: "jpcert".parse().expect("org"),
        jurisdiction: "JP".parse().expect("jurisdiction"),
        sector: Some("government".into()),
        community: true,
    };
    store.add_org(&org).await.expect("adds");
    assert!(matches!(
        store.add_org(&org).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.org(&org.name).await.expect("org"), Some(org.clone()));
    assert_eq!(
        store.orgs().await.expect("orgs"),
        std::slice::from_ref(&org)
    );
    let c = Collection {
        id: "shared".parse().expect("collection"),
        title: "Shared".into(),
        description: None,
        audience: vec![org.name.clone(), "isac".parse().expect("org")],
        api_root: "partners".into(),
        readable: true,
        writable: false,
    };
    store.add_collection(&c).await.expect("adds");
    assert_eq!(
        store.collections().await.expect("list"),
        std::slice::from_ref(&c)
    );
    assert!(store.remove_collection(&c.id).await.expect("removes"));
    assert!(!store.remove_collection(&c.id).await.expect("removes"));
    let root = ApiRoot {
        name: "partners".into(),
        title: "Partners".into(),
        description: Some("sector partners".into()),
    };
    store.add_api_root(&root).await.expect("adds");
    assert!(matches!(
        store.add_api_root(&root).await,
        Err(yagura_core::StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.api_roots().await.expect("roots"),
        std::slice::from_ref(&root)
    );
    assert!(store.remove_api_root("partners").await.expect("removes"));
    assert!(!store.remove_api_root("partners").await.expect("removes"));
    assert!(store.remove_org(&org.name).await.expect("removes"));
    assert_eq!(store.org(&org.name).await.expect("org"), None);

    let entry = |i: usize, who: &str| AuditEntry {
        at: "2026-11-28T00:00:00Z".into(),
        recipient: who.into(),
        channel: Channel::Export,
        object_id: format!("indicator--{i}"),
        version: String::new(),
        allow: i.is_multiple_of(2),
        reason: "TLP:CLEAR".into(),
    };
    // More than one statement's worth, in two appends.
    let first: Vec<AuditEntry> = (0..450).map(|i| entry(i, "a")).collect();
    store.append(&first, link).await.expect("appends");
    store.append(&[entry(7, "b")], link).await.expect("appends");
    let mut verifier = Verifier::new();
    store
        .scan(|r| verifier.check(&r))
        .await
        .expect("scans")
        .expect("verifies");
    assert_eq!(verifier.count(), 451);
    let for_b = AuditFilter {
        recipient: Some("b".into()),
        ..Default::default()
    };
    let b = store.records(&for_b).await.expect("records");
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].seq, 451);
    assert_eq!(b[0].hash, verifier.head());
    let about = AuditFilter {
        object_id: Some("indicator--7".into()),
        limit: Some(1),
        ..Default::default()
    };
    assert_eq!(store.records(&about).await.expect("records")[0].seq, 451);
    // A long append is stored in several runs; the records stay one chain
    // in order, and listing reads across run boundaries.
    let long: Vec<AuditEntry> = (0..2_100).map(|i| entry(i, "a")).collect();
    store.append(&long, link).await.expect("appends");
    let mut verifier = Verifier::new();
    let mut seqs = Vec::new();
    store
        .scan(|r| {
            seqs.push(r.seq);
            verifier.check(&r)
        })
        .await
        .expect("scans")
        .expect("verifies");
    assert_eq!(seqs, (1..=2_551).collect::<Vec<u64>>());
    let last_a = AuditFilter {
        recipient: Some("a".into()),
        limit: Some(1_500),
        ..Default::default()
    };
    let got: Vec<u64> = store
        .records(&last_a)
        .await
        .expect("records")
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(got, (1_052..=2_551).collect::<Vec<u64>>());
    let odd = AuditFilter {
        object_id: Some("indicator--1999".into()),
        ..Default::default()
    };
    let got = store.records(&odd).await.expect("records");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].seq, 451 + 2_000);
    assert_eq!(got[0].entry.object_id, "indicator--1999");
}

/// Users and tokens: a token finds its user until it or the user is removed.
async fn accounts<S: Accounts>(store: &S) {
    let user = User {
        name: "alice".parse().expect("user"),
        org: "jpcert".parse().expect("org"),
        role: Role::Analyst,
    };
    store
        .add_user(&user, Some("$argon2id$…"))
        .await
        .expect("adds");
    assert!(matches!(
        store.add_user(&user, None).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.user(&user.name).await.expect("user"),
        Some((user.clone(), Some("$argon2id$…".to_owned())))
    );
    let token = TokenInfo {
        id: "t1".into(),
        user: user.name.clone(),
        created: "2026-11-28T00:00:00Z".into(),
    };
    store.add_token(&token, "abc").await.expect("adds");
    assert_eq!(
        store.user_by_token("abc").await.expect("finds"),
        Some(user.clone())
    );
    assert_eq!(store.user_by_token("abd").await.expect("finds"), None);
    assert_eq!(
        store.tokens(Some(&user.name)).await.expect("lists"),
        std::slice::from_ref(&token)
    );
    assert!(store.remove_token("t1").await.expect("removes"));
    assert_eq!(store.user_by_token("abc").await.expect("finds"), None);
    store.add_token(&token, "abc").await.expect("adds");
    assert!(store.remove_user(&user.name).await.expect("removes"));
    assert_eq!(store.user_by_token("abc").await.expect("finds"), None);
    assert!(store.tokens(None).await.expect("lists").is_empty());
}

/// Deleting versions: history, the current one (the newest that stays
/// becomes current, indexed), all; index rows follow.
async fn deletion<S: IntelStore>(store: &S) {
    let make = |modified: &str| {
        // Each version names its own address: 2024-03 → 192.0.2.3, …
        let month = &modified[6..7];
        obj(
            json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--d0d0d0d0-0000-4000-8000-000000000001",
            "created": "2024-01-01T00:00:00.000Z", "modified": modified, "name": "to delete",
            "pattern": format!("[ipv4-addr:value = '192.0.2.7{month}']"), "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}),
        )
    };
    let found = async |value: &str| {
        store
            .lookup_value(value, None)
            .await
            .expect("lookup")
            .iter()
            .map(|o| o.object.object.version_text().to_owned())
            .collect::<Vec<_>>()
    };
    let id = "indicator--d0d0d0d0-0000-4000-8000-000000000001";
    put_all(
        store,
        &[
            make("2024-01-01T00:00:00.000Z"),
            make("2024-02-01T00:00:00.000Z"),
            make("2024-03-01T00:00:00.000Z"),
        ],
        &ObjectMeta::default(),
    )
    .await;
    let t = |s: &str| yagura_stix::Timestamp::parse(s).expect("time");
    assert_eq!(found("192.0.2.73").await, ["2024-03-01T00:00:00.000Z"]);
    // The current version goes: 2024-02 takes its place, in the index too.
    assert_eq!(
        store
            .delete(id, &[t("2024-03-01T00:00:00.000Z")])
            .await
            .expect("deletes"),
        1
    );
    assert!(found("192.0.2.73").await.is_empty());
    assert_eq!(found("192.0.2.72").await, ["2024-02-01T00:00:00.000Z"]);
    let current = store.get(id).await.expect("get").expect("current");
    assert_eq!(current.object.version_text(), "2024-02-01T00:00:00.000Z");
    assert_eq!(
        store
            .delete(id, &[t("2024-01-01T00:00:00.000Z")])
            .await
            .expect("deletes"),
        1
    );
    assert_eq!(store.versions(id).await.expect("versions").len(), 1);
    assert_eq!(found("192.0.2.72").await, ["2024-02-01T00:00:00.000Z"]);
    put_all(
        store,
        &[make("2024-01-01T00:00:00.000Z")],
        &ObjectMeta::default(),
    )
    .await;
    assert_eq!(store.delete(id, &[]).await.expect("deletes"), 2);
    assert!(store.get(id).await.expect("get").is_none());
    assert!(found("192.0.2.72").await.is_empty());
    assert!(found("192.0.2.71").await.is_empty());
    assert!(
        store
            .search_text("delete", 10)
            .await
            .expect("search")
            .is_empty()
    );
    assert_eq!(store.delete(id, &[]).await.expect("deletes"), 0);
}

/// Writers at once: a transaction that reads before it writes (every put
/// and delete does) while another holds the write lock waits for it, and
/// both land. SQLite does not wait for a deferred transaction that already
/// reads: it answers "database is locked" at once, which a server taking
/// two TAXII posts at a time would have passed on.
async fn concurrent_writers<S: IntelStore>(store: &S) {
    let meta = ObjectMeta::default();
    let tool = |n: u32| {
        obj(json!({"type": "tool", "spec_version": "2.1",
            "id": format!("tool--c0c0c0c0-0000-4000-8000-{n:012}"),
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
            "name": format!("t{n}")}))
    };
    put_all(store, &[tool(3)], &meta).await;
    let mut first = store.begin().await.expect("first begins");
    first.put(&tool(1), &meta).await.expect("first puts");
    let second = async {
        let mut tx = store.begin().await.expect("second begins");
        tx.put(&tool(2), &meta).await.expect("second puts");
        tx.commit().await.expect("second commits");
    };
    let third = async {
        let id = "tool--c0c0c0c0-0000-4000-8000-000000000003";
        assert_eq!(store.delete(id, &[]).await.expect("deletes"), 1);
    };
    let finish_first = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        first.commit().await.expect("first commits");
    };
    tokio::join!(second, third, finish_first);
    for (n, there) in [(1, true), (2, true), (3, false)] {
        let id = format!("tool--c0c0c0c0-0000-4000-8000-{n:012}");
        assert_eq!(store.get(&id).await.expect("get").is_some(), there, "{id}");
    }
}

/// Runs the whole suite on one store.
async fn suite<S: IntelStore + Directory + AuditLog + Accounts>(store: &S) {
    accounts(store).await;
    batches(store).await;
    versioning(store).await;
    lookups(store).await;
    atomicity(store).await;
    paging(store).await;
    deletion(store).await;
    concurrent_writers(store).await;
    sharing(store).await;
}

fn temp_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "yagura-store-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test]
async fn sqlite_passes_the_suite() {
    let dir = temp_dir();
    let store = SqliteStore::open(&dir).await.expect("opens");
    suite(&store).await;
    store.close().await;
    // Reopening keeps everything (and migrations are idempotent).
    let store = SqliteStore::open(&dir).await.expect("reopens");
    assert!(
        store
            .get("intrusion-set--fb6aa549-c94a-4e45-b4fd-7e32602dad85")
            .await
            .expect("get")
            .is_some()
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
