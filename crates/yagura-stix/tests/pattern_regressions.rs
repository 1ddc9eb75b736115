//! One test per bug found (by fuzzing or by hand), with its input under
//! `test-data/`.

mod common;

use std::time::{Duration, Instant};

use yagura_stix::pattern::Pattern;
use yagura_stix::{MatchError, StixVersion};

/// `(… FOLLOWEDBY …) REPEATS 10 TIMES` over a few dozen observations made
/// the search run for seconds; the step budget now ends it quickly.
#[test]
fn repeated_followedby_search_is_bounded() {
    let text = String::from_utf8(common::test_data(
        "fuzz/match-timeout-repeats-followedby.txt",
    ))
    .expect("UTF-8");
    let (pattern, json) = text.split_once('\n').expect("pattern line");
    let items: Vec<serde_json::Value> = serde_json::from_str(json).expect("observations");
    let p = Pattern::parse(pattern, StixVersion::V2_0).expect("pattern parses");
    let start = Instant::now();
    let outcome = p.matches(&items);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        matches!(outcome, Ok(_) | Err(MatchError::TooComplex)),
        "{outcome:?}"
    );
}

/// Huge `number_observed` must not cost time: instances are counted, not listed.
#[test]
fn large_number_observed_is_cheap() {
    let obs = serde_json::json!([{
        "type": "observed-data", "first_observed": "2020-01-01T00:00:00Z",
        "last_observed": "2020-01-01T00:00:00Z", "number_observed": 1_000_000_000u64,
        "objects": {"0": {"type": "x", "y": 1}}
    }]);
    let items = obs.as_array().expect("list");
    let p = Pattern::parse(
        "[x:y = 1] REPEATS 1000 TIMES AND [x:y = 1]",
        StixVersion::V2_0,
    )
    .expect("parses");
    assert!(p.matches(items).expect("matches"));
    let too_many =
        Pattern::parse("[x:y = 1] REPEATS 1000000001 TIMES", StixVersion::V2_0).expect("parses");
    assert!(!too_many.matches(items).expect("matches"));
}

/// In STIX 2.0 `EXISTS` is an identifier; the printer quoted it as if it
/// were the 2.1 keyword, so printing and parsing again changed the tree.
#[test]
fn exists_key_round_trips_in_2_0() {
    let text = String::from_utf8(common::test_data("fuzz/parse-roundtrip-exists-key-2.0.txt"))
        .expect("UTF-8");
    for version in [StixVersion::V2_0, StixVersion::V2_1] {
        if let Ok(p) = Pattern::parse(&text, version) {
            let again = Pattern::parse(&p.to_string(), version).expect("printed form parses");
            assert_eq!(again.ast(), p.ast());
        }
    }
    let p = Pattern::parse("[file:EXISTS = 1]", StixVersion::V2_0).expect("2.0 identifier");
    assert_eq!(p.to_string(), "[file:EXISTS = 1]");
    assert!(Pattern::parse("[file:EXISTS = 1]", StixVersion::V2_1).is_err());
}
