//! Objects survive parse → serialize unchanged: unknown properties, custom
//! objects, extensions, and numbers to the last digit.

mod common;

use yagura_stix::Bundle;

/// Found by fuzzing: an 81-digit integer, read as a float one bit off after
/// a round trip; numbers now keep their exact text.
#[test]
fn numbers_keep_their_exact_text() {
    let bytes = common::test_data("fuzz/bundle-float-roundtrip.json");
    let once = Bundle::from_slice(&bytes).expect("parses");
    let text = serde_json::to_string(&once.to_value()).expect("serializes");
    let twice = Bundle::from_slice(text.as_bytes()).expect("parses again");
    assert_eq!(once.objects, twice.objects);
    assert!(text.contains("\"src_packets\":103333333333333333333333333333333333333333333333333333333333333333333333333333330"), "{text}");

    let src = r#"{"type":"x-acme-thing","id":"x-acme-thing--7b5e0a4c-4c3e-4a3c-9a8b-3c6f1f3c2b1a","spec_version":"2.1",
        "created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z",
        "x_big":123456789012345678901234567890,"x_one":1.0,"x_exp":1e3,"x_nested":{"a":[1,{"b":null}]},
        "extensions":{"extension-definition--1f4b6f5b-9b8e-4a43-8f2e-0c7b9c1f6c1d":{"extension_type":"new-sdo","zeta":1,"alpha":2}}}"#;
    let b = Bundle::from_slice(src.as_bytes()).expect("parses");
    let out = serde_json::to_string(&b.objects[0]).expect("serializes");
    let compact: String = src.split_whitespace().collect::<Vec<_>>().join("");
    // Every digit is kept; an exponent is written with its sign (1e3 → 1e+3).
    assert_eq!(out, compact.replace("1e3", "1e+3"));
}
