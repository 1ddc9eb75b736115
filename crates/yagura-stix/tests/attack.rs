//! MITRE ATT&CK Enterprise (../shared/data/attack, STIX 2.0, 24,771
//! objects): read whole and streamed, validated, upgraded to 2.1.

mod common;

use std::io::Read;

use yagura_stix::validate::{Options, validate, validate_slice};
use yagura_stix::{Bundle, StixVersion};

fn attack() -> Option<Vec<u8>> {
    let path = common::shared_file("data/attack/enterprise-attack.json.gz")?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("open"))
        .read_to_end(&mut bytes)
        .expect("gunzip");
    Some(bytes)
}

#[test]
fn attack_reads_validates_and_upgrades() {
    let Some(bytes) = attack() else { return };
    let (report, envelope) = validate_slice(&bytes, &Options::default()).expect("streams");
    assert_eq!(envelope.count, 24_771);
    assert!(envelope.is_bundle);
    assert!(
        report.is_valid(),
        "{:?}",
        &report.errors[..report.errors.len().min(5)]
    );

    let mut bundle = Bundle::from_slice(&bytes).expect("parses");
    assert_eq!(bundle.objects.len(), 24_771);
    assert_eq!(bundle.detected_version(), StixVersion::V2_0);
    let custom_before = bundle
        .objects
        .iter()
        .filter(|o| o.object_type().starts_with("x-mitre-"))
        .count();
    assert!(custom_before > 0);

    bundle.upgrade_to_2_1();
    assert_eq!(bundle.detected_version(), StixVersion::V2_1);
    let malware = bundle
        .objects
        .iter()
        .find(|o| o.object_type() == "malware")
        .expect("malware");
    assert_eq!(
        malware.get("is_family"),
        Some(&serde_json::Value::Bool(true))
    );
    assert!(malware.get("malware_types").is_some() || malware.get("labels").is_none());
    let value = bundle.to_value();
    let report = validate(
        &value,
        &Options {
            version: StixVersion::V2_1,
            ..Options::default()
        },
    );
    assert!(
        report.is_valid(),
        "{:?}",
        &report.errors[..report.errors.len().min(5)]
    );

    // Serialized and read again: the same objects, custom ones included.
    let text = serde_json::to_vec(&value).expect("serializes");
    let again = Bundle::from_slice(&text).expect("reads back");
    assert_eq!(again.objects, bundle.objects);
    let custom_after = again
        .objects
        .iter()
        .filter(|o| o.object_type().starts_with("x-mitre-"))
        .count();
    assert_eq!(custom_after, custom_before);
}
