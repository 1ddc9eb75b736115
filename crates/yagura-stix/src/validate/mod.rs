//! Validation of STIX objects and bundles: the specification's MUST rules
//! are errors, its SHOULD rules (best practices, named as the OASIS
//! validator names them so that they can be enabled or disabled) are
//! warnings, or errors in strict mode. Every finding names the object id and
//! the property.

mod practices;
mod props;
mod rules;

use std::fmt;

use serde_json::{Map, Value};

use crate::bundle::Bundle;
use crate::version::StixVersion;

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The STIX version to validate against (default 2.1).
    pub version: StixVersion,
    /// Best-practice (SHOULD) findings count as errors.
    pub strict: bool,
    /// Object types the specification does not define are errors.
    pub strict_types: bool,
    /// Properties the specification does not define are errors.
    pub strict_properties: bool,
    /// Best-practice checks to run; all when empty (and `disabled` is empty).
    pub enabled: Vec<String>,
    /// Best-practice checks not to run.
    pub disabled: Vec<String>,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The object's id, when it has one.
    pub object_id: Option<String>,
    /// The property path within the object (`external_references[0].url`),
    /// empty for the object as a whole.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// The best-practice check that found it (`None` for MUST rules).
    pub check: Option<&'static str>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(id) = &self.object_id {
            write!(f, "{id}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        if let Some(check) = self.check {
            write!(f, "[{check}] ")?;
        }
        f.write_str(&self.message)
    }
}

/// The outcome of a validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Violations that make the content invalid.
    pub errors: Vec<Finding>,
    /// Best-practice findings that do not (outside strict mode).
    pub warnings: Vec<Finding>,
}

impl Report {
    /// Whether no error was found.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Collects findings for one object.
pub(crate) struct Ctx<'o> {
    pub(crate) options: &'o Options,
    pub(crate) id: Option<String>,
    pub(crate) report: &'o mut Report,
    /// Inside observed-data `objects`: references are keys of this map.
    pub(crate) embedded: Option<&'o Map<String, Value>>,
}

impl Ctx<'_> {
    pub(crate) fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.report.errors.push(Finding {
            object_id: self.id.clone(),
            path: path.into(),
            message: message.into(),
            check: None,
        });
    }

    /// A best-practice finding, if the check is enabled.
    pub(crate) fn should(
        &mut self,
        check: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        if !self.runs(check) {
            return;
        }
        let finding = Finding {
            object_id: self.id.clone(),
            path: path.into(),
            message: message.into(),
            check: Some(check),
        };
        if self.options.strict {
            self.report.errors.push(finding);
        } else {
            self.report.warnings.push(finding);
        }
    }

    /// Whether a best-practice check runs under the options.
    pub(crate) fn runs(&self, check: &'static str) -> bool {
        practices::runs(self.options, check)
    }

    pub(crate) fn v21(&self) -> bool {
        self.options.version == StixVersion::V2_1
    }
}

/// Unknown check names in the options are errors.
fn check_options(options: &Options, report: &mut Report) {
    for name in options.enabled.iter().chain(&options.disabled) {
        if !practices::known_check(name) {
            report.errors.push(Finding {
                object_id: None,
                path: String::new(),
                message: format!("{name:?} is not a best-practice check or group"),
                check: None,
            });
        }
    }
}

/// Validates JSON: a bundle, a list of objects, or one object.
pub fn validate(value: &Value, options: &Options) -> Report {
    let mut report = Report::default();
    check_options(options, &mut report);
    match value {
        Value::Object(map) if map.get("type").and_then(Value::as_str) == Some("bundle") => {
            validate_bundle_map(map, options, &mut report);
        }
        Value::Array(items) => {
            let as_v20 = Options {
                version: StixVersion::V2_0,
                ..options.clone()
            };
            for item in items {
                let legacy = item.get("spec_version").is_none() && item.get("created").is_some();
                validate_item(item, if legacy { &as_v20 } else { options }, &mut report);
            }
            practices::duplicate_ids(items.iter(), options, &mut report);
        }
        other => validate_item(other, options, &mut report),
    }
    report
}

/// Validates STIX JSON text (a bundle, a list of objects or one object)
/// while it is read, holding one object at a time: the way to validate large
/// bundles. Findings are those of [`validate`] on the same content.
pub fn validate_slice(
    bytes: &[u8],
    options: &Options,
) -> Result<(Report, crate::bundle::Envelope), crate::error::BundleError> {
    let mut report = Report::default();
    let as_v20 = Options {
        version: StixVersion::V2_0,
        ..options.clone()
    };
    let mut duplicates = practices::DuplicateIds::default();
    let envelope = crate::bundle::for_each_object(bytes, |position, object| match object {
        Err(e) => report.errors.push(Finding {
            object_id: None,
            path: match position {
                crate::bundle::Position::Listed(i) => format!("objects[{i}]"),
                crate::bundle::Position::Alone => String::new(),
            },
            message: e.to_string(),
            check: None,
        }),
        Ok(o) => {
            let map = o.properties();
            let listed = matches!(position, crate::bundle::Position::Listed(_));
            let legacy =
                listed && map.get("spec_version").is_none() && map.get("created").is_some();
            let opts = if legacy { &as_v20 } else { options };
            validate_map(map, opts, &mut report);
            duplicates.observe(map, options, &mut report);
        }
    })?;
    if envelope.is_bundle {
        let mut header = envelope.properties.clone();
        if envelope.count > 0 {
            // Stand-in for the streamed list, for the bundle's own rules.
            header.insert("objects".to_owned(), Value::Array(vec![Value::Null]));
        }
        let id = header.get("id").and_then(Value::as_str).map(str::to_owned);
        let mut ctx = Ctx {
            options,
            id,
            report: &mut report,
            embedded: None,
        };
        rules::bundle(&header, &mut ctx);
    }
    Ok((report, envelope))
}

/// Validates a parsed bundle (as [`validate`] on its JSON, without copying it).
pub fn validate_bundle(bundle: &Bundle, options: &Options) -> Report {
    let mut report = Report::default();
    check_options(options, &mut report);
    let mut header = bundle.extra.clone();
    header.insert("type".to_owned(), Value::String("bundle".to_owned()));
    header.insert("id".to_owned(), Value::String(bundle.id.clone()));
    if !bundle.objects.is_empty() {
        // Stand-in for the list, for the bundle's own rules.
        header.insert("objects".to_owned(), Value::Array(vec![Value::Null]));
    }
    let bundle_v20 = header.get("spec_version").and_then(Value::as_str) == Some("2.0");
    let as_v20 = Options {
        version: StixVersion::V2_0,
        ..options.clone()
    };
    let mut ctx = Ctx {
        options,
        id: Some(bundle.id.clone()),
        report: &mut report,
        embedded: None,
    };
    rules::bundle(&header, &mut ctx);
    let mut duplicates = practices::DuplicateIds::default();
    for o in &bundle.objects {
        let map = o.properties();
        let legacy = map.get("spec_version").is_none() && map.get("created").is_some();
        validate_map(
            map,
            if bundle_v20 || legacy {
                &as_v20
            } else {
                options
            },
            &mut report,
        );
        duplicates.observe(map, options, &mut report);
    }
    report
}

/// Validates one object.
pub fn validate_object(object: &Map<String, Value>, options: &Options) -> Report {
    let mut report = Report::default();
    validate_map(object, options, &mut report);
    report
}

fn validate_item(item: &Value, options: &Options, report: &mut Report) {
    match item {
        Value::Object(map) => validate_map(map, options, report),
        other => report.errors.push(Finding {
            object_id: None,
            path: String::new(),
            message: format!(
                "expected a STIX object, found {}",
                crate::object::json_kind(other)
            ),
            check: None,
        }),
    }
}

fn validate_bundle_map(map: &Map<String, Value>, options: &Options, report: &mut Report) {
    let id = map.get("id").and_then(Value::as_str).map(str::to_owned);
    let mut ctx = Ctx {
        options,
        id: id.clone(),
        report,
        embedded: None,
    };
    rules::bundle(map, &mut ctx);
    if let Some(Value::Array(items)) = map.get("objects") {
        // A 2.0 bundle's objects are 2.0; so is an object of a 2.1 bundle
        // that has `created` but no `spec_version` (as the reference reads them).
        let bundle_v20 = map.get("spec_version").and_then(Value::as_str) == Some("2.0");
        let as_v20 = Options {
            version: StixVersion::V2_0,
            ..options.clone()
        };
        for item in items {
            let legacy = item.get("spec_version").is_none() && item.get("created").is_some();
            let opts = if bundle_v20 || legacy {
                &as_v20
            } else {
                options
            };
            validate_item(item, opts, report);
        }
        practices::duplicate_ids(items.iter(), options, report);
    }
}

fn validate_map<'o>(map: &'o Map<String, Value>, options: &'o Options, report: &'o mut Report) {
    let id = map.get("id").and_then(Value::as_str).map(str::to_owned);
    let mut ctx = Ctx {
        options,
        id,
        report,
        embedded: None,
    };
    if map.get("type").and_then(Value::as_str) == Some("bundle") {
        rules::bundle(map, &mut ctx);
        return;
    }
    rules::object(map, &mut ctx);
}
