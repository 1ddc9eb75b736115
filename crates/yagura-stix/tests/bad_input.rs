//! Bad STIX input gets an error that says where, never a panic.

use yagura_stix::validate::{Options, validate_slice};
use yagura_stix::{Bundle, BundleError, ObjectError};

#[test]
fn malformed_json_names_line_and_column() {
    let err = Bundle::from_slice(b"{\"type\": \"bundle\",\n  \"objects\": [ {\"type\": \"x\"}, ]}")
        .expect_err("trailing comma");
    match err {
        BundleError::Json { line, column, .. } => assert_eq!((line, column), (2, 31)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn deep_nesting_is_an_error() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        Bundle::from_slice(deep.as_bytes()),
        Err(BundleError::Json { .. })
    ));
    assert!(validate_slice(deep.as_bytes(), &Options::default()).is_err());
    let deep_obj = format!(
        "{{\"type\": \"x-a\", \"x_deep\": {}1{}}}",
        "{\"a\":".repeat(10_000),
        "}".repeat(10_000)
    );
    assert!(matches!(
        Bundle::from_slice(deep_obj.as_bytes()),
        Err(BundleError::Json { .. })
    ));
}

#[test]
fn wrong_shapes_name_the_object() {
    let err = Bundle::from_slice(
        br#"{"type": "bundle", "id": "bundle--1", "objects": [{"type": "identity"}, 5]}"#,
    )
    .expect_err("a number is no object");
    assert!(
        matches!(
            err,
            BundleError::Object {
                index: 1,
                source: ObjectError::NotAnObject { .. }
            }
        ),
        "{err:?}"
    );
    let err = Bundle::from_slice(br#"[{"id": "identity--2d1c6ab3-5e4e-48ac-a32b-f0c01c2836a8"}]"#)
        .expect_err("no type");
    assert_eq!(
        err.to_string(),
        "objects[0]: object identity--2d1c6ab3-5e4e-48ac-a32b-f0c01c2836a8 has no \"type\""
    );
    let err = Bundle::from_slice(br#"{"type": "bundle", "objects": {"a": 1}}"#)
        .expect_err("objects must be a list");
    assert!(matches!(err, BundleError::ObjectsNotAList { .. }));

    // Streamed validation reports the same problems as findings.
    let (report, _) = validate_slice(br#"[{"type": 5, "id": "x"}, 7]"#, &Options::default())
        .expect("JSON is fine");
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    assert!(report.errors.iter().any(|f| f.path == "objects[1]"));
}

#[test]
fn wrong_property_types_name_object_and_property() {
    let obj = br#"{"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
        "pattern": "[file:name = 'x']", "pattern_type": "stix", "valid_from": 5,
        "confidence": 101, "external_references": [{"source_name": "capec"}]}"#;
    let (report, _) = validate_slice(obj, &Options::default()).expect("JSON is fine");
    let text: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    let id = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    assert!(
        text.iter()
            .any(|t| t.starts_with(&format!("{id}: valid_from: must be a timestamp string"))),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with(&format!("{id}: confidence: 101 is out of range"))),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with(&format!("{id}: external_references[0]:"))),
        "{text:?}"
    );
}
