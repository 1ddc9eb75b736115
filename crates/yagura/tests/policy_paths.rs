//! Property test over the real server: random hubs (organizations with
//! random jurisdictions and community membership, collections with random
//! audiences, objects with random TLP, residency and recipient markings,
//! two producers) and every TAXII path that releases objects (objects,
//! manifest, object by id, versions) asked by every organization. Each path
//! returns exactly what `yagura_policy::decide` allows that organization
//! (the policy's own property tests check `decide` against an independent
//! oracle), and every refusal is in the audit log. Seeds are fixed, so a
//! failure reproduces.

mod common;
use common::cases::*;
use common::server::{get, serve};
use common::yagura;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};
use yagura_core::{Channel, ObjectMeta, Org, OrgId};
use yagura_policy::{HubPolicy, Markings, Recipient, Subject, decide};
use yagura_stix::{ObjectHead, StixObject};

/// xorshift64*: small, seeded, enough to vary cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn subset<'a>(&mut self, items: &[&'a str], percent: u64) -> Vec<&'a str> {
        items
            .iter()
            .copied()
            .filter(|_| self.chance(percent))
            .collect()
    }
}

const JURISDICTIONS: [&str; 4] = ["JP", "US", "KR", "DE"];
const TLPS: [Option<&str>; 6] = [
    None,
    Some(TLP_CLEAR),
    Some(TLP_GREEN),
    Some(TLP_AMBER),
    Some(TLP_AMBER_STRICT),
    Some(TLP_RED),
];

struct Hub {
    orgs: Vec<Org>,
    /// Collection id → audience.
    collections: BTreeMap<String, Vec<OrgId>>,
    /// Every object with what the import records about it.
    objects: Vec<(StixObject, ObjectMeta)>,
    markings: Markings,
}

fn write_json(path: &Path, v: &Value) {
    std::fs::write(path, v.to_string()).expect("writes");
}

/// Builds a random hub in `data` and returns what it holds.
fn random_hub(seed: u64, dir: &Path, data: &Path) -> Hub {
    let mut rng = Rng(seed);
    let names = ["o0", "o1", "o2", "o3", "o4", "o5"];
    let mut orgs = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let j = JURISDICTIONS[rng.below(JURISDICTIONS.len())];
        let community = i == 0 || rng.chance(60);
        let mut args = vec!["org", "add", name, "--jurisdiction", j];
        if community {
            args.push("--community");
        }
        ok(&yagura(data, &args));
        orgs.push(Org {
            name: name.parse().expect("org"),
            jurisdiction: j.parse().expect("jurisdiction"),
            sector: None,
            community,
        });
    }
    let mut collections = BTreeMap::new();
    for c in ["c1", "c2"] {
        let audience = rng.subset(&names, 40);
        let mut args = vec!["collection", "add", c, "--title", c];
        let list = audience.join(",");
        if !audience.is_empty() {
            args.extend(["--audience", list.as_str()]);
        }
        ok(&yagura(data, &args));
        collections.insert(
            c.to_owned(),
            audience.iter().map(|n| n.parse().expect("org")).collect(),
        );
    }
    // Sharing markings: named recipients and residency lists.
    let mut sharing = Vec::new();
    for k in 0..4_u32 {
        let id = format!(
            "marking-definition--5e5e5e5e-0000-4000-8000-{:06}{k:06}",
            seed & 0xffff
        );
        let m = if k % 2 == 0 {
            let mut who = rng.subset(&names, 35);
            if who.is_empty() {
                who.push(names[rng.below(names.len())]);
            }
            sharing_marking(&id, "recipients", &who)
        } else {
            let mut where_ = rng.subset(&JURISDICTIONS, 40);
            if where_.is_empty() {
                where_.push("JP");
            }
            sharing_marking(&id, "residency", &where_)
        };
        sharing.push((id, m));
    }
    let mut markings = Markings::new();
    let mut objects = Vec::new();
    // The marking definitions, from o0, in c1.
    let defs: Vec<Value> = sharing.iter().map(|(_, m)| m.clone()).collect();
    for d in &defs {
        let o = StixObject::from_value(d.clone()).expect("marking");
        markings.add(&o);
    }
    let file = dir.join("markings.json");
    write_json(&file, &json!(defs));
    ok(&yagura(
        data,
        &["import", "--org", "o0", "--collection", "c1", path(&file)],
    ));
    for d in defs {
        let o = StixObject::from_value(d).expect("marking");
        let meta = ObjectMeta {
            producer: Some("o0".parse().expect("org")),
            tlp: yagura_stix::marking::marked_tlp(&o),
            residency: None,
            collection: Some("c1".parse().expect("collection")),
        };
        objects.push((o, meta));
    }
    // Indicators from two producers into both collections.
    for (producer, collection) in [("o0", "c1"), ("o0", "c2"), ("o1", "c1")] {
        let mut batch = Vec::new();
        for _ in 0..14 {
            let n = u32::try_from(objects.len()).expect("count");
            let mut refs: Vec<&str> = Vec::new();
            if let Some(t) = TLPS[rng.below(TLPS.len())] {
                refs.push(t);
            }
            for (id, _) in &sharing {
                if rng.chance(20) {
                    refs.push(id);
                }
            }
            if rng.chance(5) {
                refs.push(UNKNOWN);
            }
            let tag = seed & 0xff;
            let mut v = indicator(n, &format!("10.{tag}.{}.{}", n / 250, n % 250), &refs);
            v["id"] = json!(format!("indicator--7a7a7a7a-{tag:04x}-4000-8000-{n:012}"));
            let o = StixObject::from_value(v.clone()).expect("indicator");
            let meta = ObjectMeta {
                producer: Some(producer.parse().expect("org")),
                tlp: yagura_stix::marking::marked_tlp(&o),
                residency: None,
                collection: Some(collection.parse().expect("collection")),
            };
            objects.push((o, meta));
            batch.push(v);
        }
        let file = dir.join(format!("{producer}-{collection}.json"));
        write_json(&file, &json!(batch));
        ok(&yagura(
            data,
            &[
                "import",
                "--org",
                producer,
                "--collection",
                collection,
                path(&file),
            ],
        ));
    }
    Hub {
        orgs,
        collections,
        objects,
        markings,
    }
}

/// The ids `decide` lets `org` receive from `collection` over TAXII.
fn allowed(hub: &Hub, org: &Org, collection: &str) -> BTreeSet<String> {
    let recipient = Recipient::org(org);
    let policy = HubPolicy::default();
    hub.objects
        .iter()
        .filter(|(_, m)| m.collection.as_ref().map(|c| c.as_str()) == Some(collection))
        .filter(|(o, m)| {
            let subject = Subject::of_head(&ObjectHead::of(o), m, &hub.markings, &policy);
            decide(
                &subject,
                &recipient,
                Channel::Taxii,
                &hub.collections[collection],
            )
            .allow
        })
        .map(|(o, _)| o.id().expect("id").to_owned())
        .collect()
}

/// Every id a paged resource lists for `token`, or the status if refused.
fn listed(addr: &str, token: &str, resource: &str, limit: usize) -> Result<BTreeSet<String>, u16> {
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut p = format!("{resource}?limit={limit}");
        if let Some(n) = &next {
            p.push_str(&format!("&next={n}"));
        }
        let r = get(addr, &p, token);
        if r.status != 200 {
            return Err(r.status);
        }
        let body = r.json();
        for o in body["objects"].as_array().into_iter().flatten() {
            ids.push(o["id"].as_str().expect("id").to_owned());
        }
        if body["more"] != true {
            break;
        }
        next = Some(body["next"].as_str().expect("next").to_owned());
    }
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "{resource}: an object came twice");
    Ok(set)
}

#[test]
fn every_taxii_path_returns_exactly_what_the_policy_allows() {
    let (mut released, mut refused_checks) = (0, 0);
    for seed in [0x5eed_0001_u64, 0x5eed_0002, 0x5eed_0003] {
        let dir = scratch(&format!("paths-{seed:x}"));
        let data = dir.join("data");
        let hub = random_hub(seed, &dir, &data);
        let tokens: Vec<String> = hub
            .orgs
            .iter()
            .map(|o| {
                let user = format!("{}-bot", o.name);
                ok(&yagura(
                    &data,
                    &[
                        "user",
                        "add",
                        &user,
                        "--org",
                        o.name.as_str(),
                        "--role",
                        "partner",
                    ],
                ));
                ok(&yagura(&data, &["token", "create", "--user", &user]))
                    .trim()
                    .to_owned()
            })
            .collect();
        let server = serve(&data, &[]);
        let addr = server.addr.as_str();
        for (org, token) in hub.orgs.iter().zip(&tokens) {
            for (c, audience) in &hub.collections {
                let readable = org.community || audience.contains(&org.name);
                let want = if readable {
                    allowed(&hub, org, c)
                } else {
                    BTreeSet::new()
                };
                let base = format!("/hub/collections/{c}/");
                for (resource, limit) in [("objects/", 5), ("manifest/", 3)] {
                    let got = listed(addr, token, &format!("{base}{resource}"), limit);
                    match got {
                        Ok(got) => {
                            assert!(
                                readable,
                                "{seed:x} {org:?} {c} {resource}: read without access"
                            );
                            assert_eq!(got, want, "{seed:x} {} {c} {resource}", org.name);
                        }
                        Err(status) => {
                            assert!(!readable, "{seed:x} {} {c} {resource}: {status}", org.name);
                            assert!(status == 403 || status == 404);
                        }
                    }
                }
                for (o, m) in &hub.objects {
                    if m.collection.as_ref().map(|x| x.as_str()) != Some(c.as_str()) {
                        continue;
                    }
                    let id = o.id().expect("id");
                    let one = get(addr, &format!("{base}objects/{id}/"), token);
                    let versions = get(addr, &format!("{base}objects/{id}/versions/"), token);
                    if want.contains(id) {
                        assert_eq!(one.status, 200, "{seed:x} {} {id}", org.name);
                        assert_eq!(one.json()["objects"][0]["id"], id);
                        assert_eq!(versions.status, 200, "{seed:x} {} {id}", org.name);
                    } else {
                        assert_ne!(one.status, 200, "{seed:x} {} got {id}", org.name);
                        assert!(!one.body.contains(id), "{seed:x}: the refusal names {id}");
                        assert_ne!(versions.status, 200, "{seed:x} {} versions {id}", org.name);
                    }
                    if want.contains(id) {
                        released += 1;
                    } else {
                        refused_checks += 1;
                    }
                }
            }
        }
        // Every refusal asked for is in the audit log.
        for org in &hub.orgs {
            let log = ok(&yagura(
                &data,
                &[
                    "audit",
                    "list",
                    "--recipient",
                    org.name.as_str(),
                    "--limit",
                    "1000000",
                    "--output",
                    "json",
                ],
            ));
            let refused: BTreeSet<String> = log
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).expect("record"))
                .filter(|r| r["allow"] == false && r["channel"] == "taxii")
                .map(|r| r["object_id"].as_str().expect("id").to_owned())
                .collect();
            for (c, audience) in &hub.collections {
                if !(org.community || audience.contains(&org.name)) {
                    continue;
                }
                let allowed_here = allowed(&hub, org, c);
                for (o, m) in &hub.objects {
                    let id = o.id().expect("id");
                    if m.collection.as_ref().map(|x| x.as_str()) == Some(c.as_str())
                        && !allowed_here.contains(id)
                    {
                        assert!(
                            refused.contains(id),
                            "{seed:x}: refusal of {id} to {} not audited",
                            org.name
                        );
                    }
                }
            }
        }
        ok(&yagura(&data, &["audit", "verify"]));
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
    }
    eprintln!("object-by-id checks: {released} released, {refused_checks} refused");
    // Both sides were exercised.
    assert!(
        released > 100 && refused_checks > 100,
        "released {released}, refused {refused_checks}"
    );
}
