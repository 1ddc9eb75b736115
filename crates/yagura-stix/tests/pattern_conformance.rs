//! The OASIS pattern oracles: validity (stix2-patterns 2.1.2) and matching
//! (stix2-matcher 3.0.0), from ../shared/conformance/stix.

mod common;

use serde_json::Value;
use yagura_stix::StixVersion;
use yagura_stix::pattern::Pattern;

fn version(case: &Value) -> StixVersion {
    case["stix_version"]
        .as_str()
        .expect("stix_version")
        .parse()
        .expect("known version")
}

#[test]
fn pattern_validity_agrees_with_the_reference() {
    let Some(path) = common::shared_file("conformance/stix/stix_pattern_validity.json") else {
        return;
    };
    let data = common::read_json(&path);
    let cases = data["patterns"].as_array().expect("patterns");
    let mut disagreements = Vec::new();
    for case in cases {
        let text = case["pattern"].as_str().expect("pattern");
        let expected = case["valid"].as_bool().expect("valid");
        let got = Pattern::validate(text, version(case));
        if got.is_ok() != expected {
            disagreements.push(format!(
                "{} {text:?}: reference valid={expected}, ours {:?}",
                case["stix_version"],
                got.err()
            ));
        }
    }
    println!(
        "pattern validity: {}/{} agree",
        cases.len() - disagreements.len(),
        cases.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert_eq!(cases.len(), 1013);
}

#[test]
fn pattern_matching_agrees_with_the_reference() {
    let Some(path) = common::shared_file("conformance/stix/stix_pattern_matcher_cases.json") else {
        return;
    };
    let data = common::read_json(&path);
    let sets = data["observation_sets"]
        .as_object()
        .expect("observation_sets");
    let cases = data["cases"].as_array().expect("cases");
    let mut disagreements = Vec::new();
    for case in cases {
        let text = case["pattern"].as_str().expect("pattern");
        let expected = case["expected"].as_str().expect("expected");
        let observations: &[Value] = match &case["observations"] {
            Value::String(key) => sets[key].as_array().expect("observation set"),
            _ => &[],
        };
        let got = match Pattern::parse(text, version(case)) {
            Err(_) => "parse_error".to_owned(),
            Ok(p) => match p.matches(observations) {
                Ok(true) => "match".to_owned(),
                Ok(false) => "no_match".to_owned(),
                Err(e) => format!("match_error ({e})"),
            },
        };
        if !got.starts_with(expected) || (expected == "match" && got != "match") {
            disagreements.push(format!(
                "case {} ({} {text:?} on {}): reference {expected}, ours {got}",
                case["id"], case["stix_version"], case["observations"]
            ));
        }
    }
    println!(
        "pattern matching: {}/{} agree",
        cases.len() - disagreements.len(),
        cases.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert_eq!(cases.len(), 842);
}
