use proptest::prelude::*;
use serde_json::json;
use yagura_core::ObjectMeta;
use yagura_stix::Timestamp;

use super::*;

fn org(name: &str) -> OrgId {
    name.parse().expect("org id")
}

fn j(code: &str) -> Jurisdiction {
    code.parse().expect("jurisdiction")
}

fn recipient(name: &str, code: &str, community: bool) -> Recipient {
    Recipient {
        org: Some(org(name)),
        jurisdiction: Some(j(code)),
        community,
    }
}

fn stored(object: serde_json::Value, meta: ObjectMeta) -> StoredObject {
    StoredObject {
        object: StixObject::from_value(object).expect("object"),
        meta,
        date_added: Timestamp::parse("2026-11-28T00:00:00Z").expect("time"),
        current: true,
    }
}

fn indicator(markings: &[&str]) -> serde_json::Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-02T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": markings,
    })
}

#[test]
fn tlp_levels_reach_whom_the_design_says() {
    let hub = HubPolicy::default();
    let markings = Markings::new();
    let producer = ObjectMeta {
        producer: Some(org("jpcert")),
        ..ObjectMeta::default()
    };
    let member = recipient("isac", "JP", true);
    let outsider = recipient("vendor", "JP", false);
    let audience = [org("isac")];
    let at = |tlp: Tlp| {
        let s = Subject::of(
            &stored(indicator(&[tlp.v2_id()]), producer.clone()),
            &markings,
            &hub,
        );
        assert_eq!(s.tlp, tlp);
        s
    };
    let allows = |s: &Subject, r: &Recipient, c: Channel, a: &[OrgId]| decide(s, r, c, a).allow;

    let clear = at(Tlp::Clear);
    assert!(allows(&clear, &Recipient::public(), Channel::Export, &[]));
    assert!(allows(&clear, &outsider, Channel::Federation, &[]));

    let green = at(Tlp::Green);
    assert!(allows(&green, &member, Channel::Taxii, &[]));
    assert!(!allows(&green, &outsider, Channel::Taxii, &[]));
    assert!(!allows(&green, &Recipient::public(), Channel::Export, &[]));

    for t in [Tlp::Amber, Tlp::AmberStrict] {
        let s = at(t);
        assert!(allows(&s, &member, Channel::Taxii, &audience));
        assert!(!allows(&s, &member, Channel::Taxii, &[]));
        assert!(!allows(&s, &member, Channel::Federation, &audience));
        assert_eq!(
            decide(&s, &outsider, Channel::Export, &audience).reason,
            Reason::NotInAudience(t)
        );
    }

    let red = at(Tlp::Red);
    assert!(!allows(&red, &member, Channel::Taxii, &audience));
    let jpcert = recipient("jpcert", "JP", false);
    assert_eq!(
        decide(&red, &jpcert, Channel::Export, &[]).reason,
        Reason::Producer
    );
}

#[test]
fn red_reaches_named_recipients_and_residency_binds_everyone() {
    let hub = HubPolicy::default();
    let mut markings = Markings::new();
    let named = Sharing {
        residency: None,
        recipients: Some(vec!["isac".into()]),
    }
    .marking_definition();
    let held = Sharing {
        residency: Some(vec!["JP".into(), "KR".into()]),
        recipients: None,
    }
    .marking_definition();
    markings.add(&named);
    markings.add(&held);
    let meta = ObjectMeta {
        producer: Some(org("jpcert")),
        ..ObjectMeta::default()
    };
    let red = Subject::of(
        &stored(
            indicator(&[Tlp::Red.v2_id(), named.id().expect("id")]),
            meta.clone(),
        ),
        &markings,
        &hub,
    );
    assert!(decide(&red, &recipient("isac", "JP", true), Channel::Taxii, &[]).allow);
    assert!(!decide(&red, &recipient("other", "JP", true), Channel::Taxii, &[]).allow);
    assert!(
        !decide(
            &red,
            &recipient("isac", "JP", true),
            Channel::Federation,
            &[]
        )
        .allow
    );

    let clear_here = Subject::of(
        &stored(
            indicator(&[Tlp::Clear.v2_id(), held.id().expect("id")]),
            meta,
        ),
        &markings,
        &hub,
    );
    assert!(
        decide(
            &clear_here,
            &recipient("a", "KR", false),
            Channel::Export,
            &[]
        )
        .allow
    );
    let d = decide(
        &clear_here,
        &recipient("b", "US", true),
        Channel::Export,
        &[],
    );
    assert!(!d.allow);
    assert_eq!(d.reason.to_string(), "residency JP,KR excludes US");
    assert!(!decide(&clear_here, &Recipient::public(), Channel::Export, &[]).allow);
    // Not even the producer receives it outside the residency.
    assert!(
        !decide(
            &clear_here,
            &recipient("jpcert", "US", true),
            Channel::Export,
            &[]
        )
        .allow
    );
}

#[test]
fn unmarked_objects_get_the_hub_default_and_unknown_markings_refuse() {
    let markings = Markings::new();
    let s = Subject::of(
        &stored(indicator(&[]), ObjectMeta::default()),
        &markings,
        &HubPolicy::default(),
    );
    assert_eq!(s.tlp, Tlp::Amber);
    let green_hub = HubPolicy {
        default_tlp: Tlp::Green,
    };
    let s = Subject::of(
        &stored(indicator(&[]), ObjectMeta::default()),
        &markings,
        &green_hub,
    );
    assert_eq!(s.tlp, Tlp::Green);
    // Recorded TLP and marking: the stricter wins.
    let meta = ObjectMeta {
        tlp: Some(Tlp::Red),
        ..ObjectMeta::default()
    };
    let s = Subject::of(
        &stored(indicator(&[Tlp::Green.v2_id()]), meta),
        &markings,
        &green_hub,
    );
    assert_eq!(s.tlp, Tlp::Red);
    let unknown = "marking-definition--2d1c0c7b-7c47-4d2b-8b7e-4e2a3b0e6c11";
    let s = Subject::of(
        &stored(
            indicator(&[Tlp::Clear.v2_id(), unknown]),
            ObjectMeta::default(),
        ),
        &markings,
        &green_hub,
    );
    assert_eq!(
        decide(&s, &recipient("a", "JP", true), Channel::Export, &[]).reason,
        Reason::UnresolvedMarking(vec![unknown.to_owned()])
    );
    // TLP marking definitions themselves are handling metadata: CLEAR.
    let m = Tlp::Red.v2_marking_definition();
    let s = Subject::of(
        &stored(m.into_value(), ObjectMeta::default()),
        &markings,
        &HubPolicy::default(),
    );
    assert_eq!(s.tlp, Tlp::Clear);
}

/// An independent reading of the design's rules, for the property test.
fn oracle(s: &Subject, r: &Recipient, c: Channel, audience: &[OrgId]) -> bool {
    let in_residency = match (&s.residency, &r.jurisdiction) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(list), Some(j)) => list.contains(j),
    };
    let is_producer = r.org.is_some() && r.org == s.producer;
    let by_tlp = match s.tlp {
        Tlp::Clear => true,
        Tlp::Green => r.community,
        Tlp::Amber | Tlp::AmberStrict => {
            c != Channel::Federation && r.org.as_ref().is_some_and(|o| audience.contains(o))
        }
        Tlp::Red => {
            c != Channel::Federation
                && matches!((&s.recipients, &r.org), (Some(l), Some(o)) if l.contains(o))
        }
    };
    in_residency && (is_producer || (s.unresolved.is_empty() && by_tlp))
}

fn orgs() -> impl Strategy<Value = Option<OrgId>> {
    prop::option::of(prop::sample::select(vec!["a", "b", "c"]).prop_map(org))
}

fn codes() -> impl Strategy<Value = BTreeSet<Jurisdiction>> {
    prop::collection::btree_set(
        prop::sample::select(vec!["JP", "KR", "US"]).prop_map(j),
        0..3,
    )
}

prop_compose! {
    fn subjects()(
        producer in orgs(),
        tlp in prop::sample::select(Tlp::ALL.to_vec()),
        residency in prop::option::of(codes()),
        recipients in prop::option::of(prop::collection::btree_set(
            prop::sample::select(vec!["a", "b", "c"]).prop_map(org), 0..3)),
        unresolved in any::<bool>(),
    ) -> Subject {
        Subject {
            id: "indicator--x".into(),
            version: String::new(),
            producer,
            tlp,
            residency,
            recipients,
            collection: None,
            unresolved: if unresolved { vec!["marking-definition--x".into()] } else { vec![] },
        }
    }
}

prop_compose! {
    fn recipients()(
        org in orgs(),
        jurisdiction in prop::option::of(prop::sample::select(vec!["JP", "KR", "US"]).prop_map(j)),
        community in any::<bool>(),
    ) -> Recipient {
        Recipient { org, jurisdiction, community }
    }
}

proptest! {
    #[test]
    fn decide_follows_the_rules(
        s in subjects(),
        r in recipients(),
        c in prop::sample::select(vec![Channel::Taxii, Channel::Rest, Channel::Ui, Channel::Export, Channel::Federation]),
        audience in prop::collection::vec(prop::sample::select(vec!["a", "b", "c"]).prop_map(org), 0..3),
    ) {
        let d = decide(&s, &r, c, &audience);
        prop_assert_eq!(d.allow, oracle(&s, &r, c, &audience), "{:?}", d.reason);
    }
}
