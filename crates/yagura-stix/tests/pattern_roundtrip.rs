//! Printing a parsed pattern and parsing it again gives the same syntax tree:
//! for every valid pattern of the OASIS oracle, and for generated trees.

mod common;

use proptest::prelude::*;
use yagura_stix::StixVersion;
use yagura_stix::pattern::Pattern;
use yagura_stix::pattern::ast::{
    Comparison, ComparisonExpr, Literal, Number, ObjectPath, ObservationExpr, PathStep, PatternAst,
    PropTest, Qualifier,
};

fn roundtrip(p: &Pattern) {
    let printed = p.to_string();
    let again = Pattern::parse(&printed, p.version())
        .unwrap_or_else(|e| panic!("printed form {printed:?} does not parse: {e}"));
    assert_eq!(again.ast(), p.ast(), "printed as {printed:?}");
}

#[test]
fn oracle_patterns_round_trip() {
    let Some(path) = common::shared_file("conformance/stix/stix_pattern_validity.json") else {
        return;
    };
    let data = common::read_json(&path);
    let mut n = 0;
    for case in data["patterns"].as_array().expect("patterns") {
        let version: StixVersion = case["stix_version"]
            .as_str()
            .expect("version")
            .parse()
            .expect("known");
        if let Ok(p) = Pattern::parse(case["pattern"].as_str().expect("pattern"), version) {
            roundtrip(&p);
            n += 1;
        }
    }
    assert!(n > 900, "only {n} patterns parsed");
}

// ---- generated trees ------------------------------------------------------

const KEYWORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "LIKE",
    "MATCHES",
    "ISSUPERSET",
    "ISSUBSET",
    "EXISTS",
    "LAST",
    "IN",
    "START",
    "STOP",
    "SECONDS",
    "true",
    "false",
    "WITHIN",
    "REPEATS",
    "TIMES",
];

fn ident(hyphen: bool) -> impl Strategy<Value = String> {
    let re = if hyphen {
        "[a-zA-Z_][a-zA-Z0-9_-]{0,8}"
    } else {
        "[a-zA-Z_][a-zA-Z0-9_]{0,8}"
    };
    re.prop_filter("not a keyword", |s| !KEYWORDS.contains(&s.as_str()))
}

fn timestamp() -> impl Strategy<Value = String> {
    (
        0u32..10000,
        1u32..13,
        1u32..32,
        0u32..24,
        0u32..60,
        0u32..61,
        proptest::option::of(0u32..1_000_000),
    )
        .prop_map(|(y, mo, d, h, mi, s, frac)| match frac {
            Some(f) => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{f}Z"),
            None => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
        })
}

fn literal(allow_bool: bool) -> BoxedStrategy<Literal> {
    let mut options = vec![
        any::<i64>().prop_map(Literal::Int).boxed(),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Literal::Float)
            .boxed(),
        any::<String>().prop_map(Literal::String).boxed(),
        proptest::collection::vec(any::<u8>(), 1..12)
            .prop_map(Literal::Binary)
            .boxed(),
        proptest::collection::vec(any::<u8>(), 0..12)
            .prop_map(Literal::Hex)
            .boxed(),
        timestamp()
            .prop_map(|t| {
                let p = Pattern::parse(&format!("[a:b = t'{t}']"), StixVersion::V2_1)
                    .expect("generated timestamp lexes");
                match &p.ast().root {
                    ObservationExpr::Observation(ComparisonExpr::Test(PropTest {
                        op: Comparison::Eq(l),
                        ..
                    })) => l.clone(),
                    other => panic!("unexpected {other:?}"),
                }
            })
            .boxed(),
    ];
    if allow_bool {
        options.push(any::<bool>().prop_map(Literal::Bool).boxed());
    }
    proptest::strategy::Union::new(options).boxed()
}

fn path() -> impl Strategy<Value = ObjectPath> {
    let key = prop_oneof![
        ident(false).prop_map(|name| PathStep::Key {
            name,
            quoted: false
        }),
        any::<String>().prop_map(|name| PathStep::Key { name, quoted: true }),
    ];
    let step = prop_oneof![
        key.clone(),
        any::<i64>().prop_map(PathStep::Index),
        Just(PathStep::AnyIndex),
    ];
    (ident(true), key, proptest::collection::vec(step, 0..4)).prop_map(
        |(object_type, first, rest)| {
            let mut steps = vec![first];
            steps.extend(rest);
            ObjectPath { object_type, steps }
        },
    )
}

fn prop_test() -> impl Strategy<Value = PropTest> {
    let op = prop_oneof![
        literal(true).prop_map(Comparison::Eq),
        literal(true).prop_map(Comparison::Ne),
        literal(false).prop_map(Comparison::Lt),
        literal(false).prop_map(Comparison::Le),
        literal(false).prop_map(Comparison::Gt),
        literal(false).prop_map(Comparison::Ge),
        proptest::collection::vec(literal(true), 0..4).prop_map(Comparison::In),
        any::<String>().prop_map(Comparison::Like),
        any::<String>().prop_map(Comparison::Matches),
        any::<String>().prop_map(Comparison::IsSubset),
        any::<String>().prop_map(Comparison::IsSuperset),
        Just(Comparison::Exists),
    ];
    (path(), any::<bool>(), op).prop_map(|(path, negated, op)| PropTest { path, negated, op })
}

fn comparison() -> impl Strategy<Value = ComparisonExpr> {
    prop_test()
        .prop_map(ComparisonExpr::Test)
        .prop_recursive(4, 16, 2, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 2..4).prop_map(ComparisonExpr::And),
                proptest::collection::vec(inner.clone(), 2..4).prop_map(ComparisonExpr::Or),
                inner.prop_map(|a| ComparisonExpr::Group(Box::new(a))),
            ]
        })
}

fn qualifier() -> impl Strategy<Value = Qualifier> {
    prop_oneof![
        any::<u64>().prop_map(|n| Qualifier::Within(Number::Int(n))),
        (0.0f64..1e12).prop_map(|f| Qualifier::Within(Number::Float(f))),
        any::<u64>().prop_map(Qualifier::Repeats),
        (literal(false), literal(false)).prop_filter_map("timestamps", |(a, b)| match (a, b) {
            (Literal::Timestamp(a), Literal::Timestamp(b)) => Some(Qualifier::StartStop(a, b)),
            _ => None,
        }),
    ]
}

fn observation() -> impl Strategy<Value = ObservationExpr> {
    comparison()
        .prop_map(ObservationExpr::Observation)
        .prop_recursive(4, 16, 2, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::And),
                proptest::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::Or),
                proptest::collection::vec(inner.clone(), 2..4)
                    .prop_map(ObservationExpr::FollowedBy),
                inner
                    .clone()
                    .prop_map(|a| ObservationExpr::Group(Box::new(a))),
                (inner, qualifier()).prop_map(|(a, q)| ObservationExpr::Qualified(Box::new(a), q)),
            ]
        })
}

/// Puts a group wherever precedence or left-associativity needs one, which
/// is what a parsed tree always has.
fn canonical_obs(e: ObservationExpr) -> ObservationExpr {
    use ObservationExpr as O;
    // Binding strength: FOLLOWEDBY 1, OR 2, AND 3, primary 4.
    fn level(e: &O) -> u8 {
        match e {
            O::FollowedBy(..) => 1,
            O::Or(..) => 2,
            O::And(..) => 3,
            O::Observation(_) | O::Group(_) | O::Qualified(..) => 4,
        }
    }
    fn at_least(e: O, min: u8) -> O {
        if level(&e) >= min {
            e
        } else {
            O::Group(Box::new(e))
        }
    }
    match e {
        O::Observation(c) => O::Observation(canonical_cmp(c)),
        O::Group(a) => O::Group(Box::new(canonical_obs(*a))),
        // A chain's parts bind tighter than the chain's operator, else the
        // parser would have flattened them into it.
        O::And(items) => O::And(
            items
                .into_iter()
                .map(|e| at_least(canonical_obs(e), 4))
                .collect(),
        ),
        O::Or(items) => O::Or(
            items
                .into_iter()
                .map(|e| at_least(canonical_obs(e), 3))
                .collect(),
        ),
        O::FollowedBy(items) => O::FollowedBy(
            items
                .into_iter()
                .map(|e| at_least(canonical_obs(e), 2))
                .collect(),
        ),
        O::Qualified(a, q) => O::Qualified(Box::new(at_least(canonical_obs(*a), 4)), q),
    }
}

fn canonical_cmp(e: ComparisonExpr) -> ComparisonExpr {
    use ComparisonExpr as C;
    fn level(e: &C) -> u8 {
        match e {
            C::Or(..) => 1,
            C::And(..) => 2,
            C::Group(_) | C::Test(_) => 3,
        }
    }
    fn at_least(e: C, min: u8) -> C {
        if level(&e) >= min {
            e
        } else {
            C::Group(Box::new(e))
        }
    }
    match e {
        C::Test(t) => C::Test(t),
        C::Group(a) => C::Group(Box::new(canonical_cmp(*a))),
        C::And(items) => C::And(
            items
                .into_iter()
                .map(|e| at_least(canonical_cmp(e), 3))
                .collect(),
        ),
        C::Or(items) => C::Or(
            items
                .into_iter()
                .map(|e| at_least(canonical_cmp(e), 2))
                .collect(),
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_trees_round_trip(root in observation()) {
        let ast = PatternAst { root: canonical_obs(root) };
        let printed = ast.to_string();
        let parsed = Pattern::parse(&printed, StixVersion::V2_1)
            .map_err(|e| TestCaseError::fail(format!("{printed:?} does not parse: {e}")))?;
        prop_assert_eq!(parsed.ast(), &ast, "printed as {:?}", printed);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
        for version in [StixVersion::V2_0, StixVersion::V2_1] {
            if let Ok(p) = Pattern::validate(&text, version) {
                roundtrip(&p);
            }
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}[a:b = 1]{}", "(".repeat(100_000), ")".repeat(100_000));
    let err = Pattern::parse(&deep, StixVersion::V2_1).expect_err("too deep");
    assert!(err.to_string().contains("nesting deeper than"), "{err}");
    let deep_cmp = format!("[{}a:b = 1{}]", "(".repeat(100_000), ")".repeat(100_000));
    assert!(Pattern::parse(&deep_cmp, StixVersion::V2_1).is_err());
}

#[test]
fn long_indicator_lists_are_flat() {
    let terms: Vec<String> = (0..50_000)
        .map(|i| {
            format!(
                "ipv4-addr:value = '10.{}.{}.{}'",
                i >> 16,
                (i >> 8) & 255,
                i & 255
            )
        })
        .collect();
    let text = format!("[{}]", terms.join(" OR "));
    let p = Pattern::validate(&text, StixVersion::V2_1).expect("valid");
    assert_eq!(p.tests().len(), 50_000);
    assert_eq!(p.to_string(), text);
    let obs: Vec<serde_json::Value> = vec![
        serde_json::json!({"type": "bundle", "id": "bundle--1", "objects": [
        {"type": "observed-data", "id": "observed-data--1", "first_observed": "2020-01-01T00:00:00Z",
         "last_observed": "2020-01-01T00:00:00Z", "number_observed": 1, "object_refs": ["ipv4-addr--1"]},
        {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "10.0.195.79"}]}),
    ];
    assert!(p.matches(&obs).expect("matches"));
    let observations: Vec<String> = (0..10_000).map(|i| format!("[x:y = {i}]")).collect();
    let many_or = observations.join(" OR ");
    assert!(Pattern::parse(&many_or, StixVersion::V2_1).is_ok());
    let many_and = observations.join(" AND ");
    let err = Pattern::parse(&many_and, StixVersion::V2_1).expect_err("AND chain too long");
    assert!(err.to_string().contains("nesting deeper than"), "{err}");
}

#[test]
fn errors_name_line_and_column() {
    let err = Pattern::parse("[file:name = 'a']\n AND [file:size = ]", StixVersion::V2_1)
        .expect_err("invalid");
    assert_eq!(
        err.to_string(),
        "2:18: unexpected ']', expected a literal (number, string, boolean, b'…', h'…' or t'…')"
    );
}
