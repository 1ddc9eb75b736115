//! TLP marking definitions: ours match the published ids and validate.

mod common;

use yagura_stix::Tlp;
use yagura_stix::marking::{TLP2_EXTENSION, statement_marking, tlp_of};
use yagura_stix::validate::{Options, validate_object};
use yagura_stix::{Identifier, Timestamp};

#[test]
fn tlp2_ids_match_the_reference() {
    let Some(path) = common::shared_file("conformance/policy/tlp_iep_pap_reference.json") else {
        return;
    };
    let data = common::read_json(&path);
    let defs = &data["tlp_2_0"]["stix_2_1_marking_definitions"];
    assert_eq!(defs["extension_definition_id"], TLP2_EXTENSION);
    for t in Tlp::ALL {
        assert_eq!(defs["ids"][t.label()], t.v2_id(), "{t}");
    }
}

#[test]
fn marking_definitions_validate_strictly() {
    let strict = Options {
        strict: true,
        ..Options::default()
    };
    for t in Tlp::ALL {
        let m = t.v2_marking_definition();
        let report = validate_object(m.properties(), &strict);
        assert!(report.is_valid(), "{t}: {:?}", report.errors);
        if let Some(m) = t.v1_marking_definition() {
            let report = validate_object(m.properties(), &strict);
            assert!(report.is_valid(), "{t} 1.0: {:?}", report.errors);
        }
    }
    let id = Identifier::new_v4("marking-definition");
    let created = Timestamp::parse("2026-11-28T00:00:00Z").expect("timestamp");
    let s = statement_marking(&id, created, "© Example CSIRT");
    assert!(validate_object(s.properties(), &strict).is_valid());
    assert_eq!(tlp_of(&s), None);
    assert_eq!(s.get_str("created"), Some("2026-11-28T00:00:00.000Z"));
}

#[test]
fn a_tlp1_id_with_the_wrong_level_is_invalid() {
    let mut m = Tlp::Green
        .v1_marking_definition()
        .expect("green exists in 1.0")
        .properties()
        .clone();
    m.insert("definition".to_owned(), serde_json::json!({"tlp": "red"}));
    let report = validate_object(&m, &Options::default());
    assert!(!report.is_valid());
}
