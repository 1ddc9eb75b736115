//! The OASIS object-validation oracle (stix2-validator 3.3.2 on its own
//! test suite), from ../shared/conformance/stix. Compares validity only.

mod common;

use serde_json::Value;
use yagura_stix::StixVersion;
use yagura_stix::validate::{Options, validate};

fn options(o: &Value) -> Options {
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Value::String(s) if !s.is_empty() => s.split(',').map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    };
    Options {
        version: if o["version"].as_str() == Some("2.0") {
            StixVersion::V2_0
        } else {
            StixVersion::V2_1
        },
        strict: o["strict"].as_bool().unwrap_or(false),
        strict_types: o["strict_types"].as_bool().unwrap_or(false),
        strict_properties: o["strict_properties"].as_bool().unwrap_or(false),
        enabled: list(&o["enabled"]),
        disabled: list(&o["disabled"]),
    }
}

#[test]
fn object_validation_agrees_with_the_reference() {
    let Some(path) = common::shared_file("conformance/stix/stix_object_validation_cases.json")
    else {
        return;
    };
    let data = common::read_json(&path);
    let cases = data["cases"].as_array().expect("cases");
    let mut agree = 0;
    let mut disagreements = Vec::new();
    for case in cases {
        let expected_valid = case["expected"].as_str() == Some("valid");
        let report = validate(&case["instance"], &options(&case["options"]));
        if report.is_valid() == expected_valid {
            agree += 1;
        } else {
            let ours: Vec<String> = report
                .errors
                .iter()
                .take(3)
                .map(ToString::to_string)
                .collect();
            disagreements.push(format!(
                "case {} [{}] expected {}; ours: {}\n    reference: {}\n    test: {}",
                case["id"],
                case["options"],
                case["expected"],
                if ours.is_empty() {
                    "valid".to_owned()
                } else {
                    ours.join(" | ")
                },
                case["errors"],
                case["source_tests"]
            ));
        }
    }
    let total = cases.len();
    #[allow(clippy::cast_precision_loss)]
    let pct = 100.0 * agree as f64 / total as f64;
    println!("object validation: {agree}/{total} agree ({pct:.1}%)");
    if let Ok(out) = std::env::var("YAGURA_DISAGREEMENTS") {
        std::fs::write(out, disagreements.join("\n")).expect("write disagreements");
    }
    // The floor only rises: see README (Conformance) for the classes of
    // remaining difference.
    assert!(
        agree >= FLOOR,
        "agreement fell to {agree}/{total} (floor {FLOOR})"
    );
}

const FLOOR: usize = 930;
