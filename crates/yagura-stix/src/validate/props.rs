//! Checking property values against their kind in the catalogue.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::Ctx;
use crate::catalog::{self, Kind, Prop};
use crate::id::Identifier;
use crate::object::json_kind;
use crate::timestamp::Timestamp;

static CVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^CVE-\d{4}-(0\d{3}|[1-9]\d{3,})$").expect("regex"));
static CAPEC: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^CAPEC-\d+$").expect("regex"));
static SELECTOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([a-z0-9_-]{3,249}(\.(\[\d+\]|[a-z0-9_-]{1,250}))*|id)$").expect("regex")
});
static BASE64: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$")
        .expect("regex")
});
static HEX: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([a-fA-F0-9]{2})+$").expect("regex"));
static HASH_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9_-]{3,250}$").expect("regex"));
static DICT_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9_-]{0,250}$").expect("regex"));

/// The value pattern of a hash algorithm the schema knows.
pub(crate) fn hash_value_ok(algorithm: &str, value: &str) -> bool {
    let hex = |n: usize| value.len() == n && value.bytes().all(|b| b.is_ascii_hexdigit());
    match algorithm {
        "MD5" => hex(32),
        "SHA-1" => hex(40),
        "SHA-256" | "SHA3-256" => hex(64),
        "SHA-512" | "SHA3-512" => hex(128),
        "SSDEEP" => {
            (1..=128).contains(&value.len())
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b':' | b'.'))
        }
        "TLSH" => value.len() == 70 && value.bytes().all(|b| b.is_ascii_alphanumeric()),
        _ => true,
    }
}

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// Checks one value against its kind.
pub(crate) fn check(ctx: &mut Ctx<'_>, path: &str, v: &Value, kind: Kind) {
    match kind {
        Kind::Str => {
            if !v.is_string() {
                ctx.error(path, format!("must be a string, not {}", json_kind(v)));
            }
        }
        Kind::Int(min, max) => match integer(v) {
            None => ctx.error(path, format!("must be an integer, not {}", json_kind(v))),
            Some(n) => {
                if min.is_some_and(|m| n < i128::from(m)) || max.is_some_and(|m| n > i128::from(m))
                {
                    ctx.error(path, format!("{n} is out of range ({})", range(min, max)));
                }
            }
        },
        Kind::Float(min, max) => match v.as_f64() {
            None => ctx.error(path, format!("must be a number, not {}", json_kind(v))),
            Some(x) => {
                if x < min || x > max {
                    ctx.error(path, format!("{x} is out of range ({min} to {max})"));
                }
            }
        },
        Kind::Bool => {
            if !v.is_boolean() {
                ctx.error(path, format!("must be true or false, not {}", json_kind(v)));
            }
        }
        Kind::Timestamp | Kind::TimestampMillis => match v.as_str() {
            None => ctx.error(
                path,
                format!("must be a timestamp string, not {}", json_kind(v)),
            ),
            Some(s) => match Timestamp::parse(s) {
                Err(e) => ctx.error(path, e.to_string()),
                Ok(t) => {
                    if matches!(kind, Kind::TimestampMillis) && ctx.v21() && !t.has_millis() {
                        ctx.error(
                            path,
                            format!("{s:?} must be precise to the millisecond (e.g. .000Z)"),
                        );
                    }
                }
            },
        },
        Kind::Ref(types) => reference(ctx, path, v, types),
        Kind::RefList(types) => each(ctx, path, v, |ctx, p, item| reference(ctx, p, item, types)),
        Kind::StrList | Kind::VocabList(_) => {
            each(ctx, path, v, |ctx, p, item| check(ctx, p, item, Kind::Str))
        }
        Kind::Vocab(_) => check(ctx, path, v, Kind::Str),
        Kind::Enum(values) => match v.as_str() {
            Some(s) if values.contains(&s) => {}
            Some(s) => ctx.error(path, format!("{s:?} is not one of {values:?}")),
            None => ctx.error(path, format!("must be a string, not {}", json_kind(v))),
        },
        Kind::Hashes => hashes(ctx, path, v),
        Kind::KillChainPhases => each(ctx, path, v, |ctx, p, item| {
            let Some(phase) = object(ctx, p, item) else {
                return;
            };
            for key in ["kill_chain_name", "phase_name"] {
                match phase.get(key) {
                    Some(Value::String(_)) => {}
                    Some(other) => ctx.error(
                        join(p, key),
                        format!("must be a string, not {}", json_kind(other)),
                    ),
                    None => ctx.error(p, format!("{key:?} is a required property")),
                }
            }
        }),
        Kind::ExternalReferences => each(ctx, path, v, external_reference),
        Kind::GranularMarkings => each(ctx, path, v, granular_marking),
        Kind::Dict => dictionary(ctx, path, v),
        Kind::Extensions => extensions(ctx, path, v),
        Kind::Binary => match v.as_str() {
            Some(s) if BASE64.is_match(s) => {}
            Some(s) => ctx.error(path, format!("{s:?} is not base64")),
            None => ctx.error(
                path,
                format!("must be a base64 string, not {}", json_kind(v)),
            ),
        },
        Kind::Hex => match v.as_str() {
            Some(s) if HEX.is_match(s) => {}
            Some(s) => ctx.error(path, format!("{s:?} is not hex (pairs of hex digits)")),
            None => ctx.error(path, format!("must be a hex string, not {}", json_kind(v))),
        },
        Kind::ObjectList(props) => each(ctx, path, v, |ctx, p, item| {
            if let Some(map) = object(ctx, p, item) {
                embedded(ctx, p, map, props);
            }
        }),
        Kind::Object(props) => {
            if let Some(map) = object(ctx, path, v) {
                embedded(ctx, path, map, props);
            }
        }
        Kind::Any => {}
    }
}

fn range(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{a} to {b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => "any".to_owned(),
    }
}

pub(crate) fn integer(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e18)
                    .map(|f| {
                        #[allow(clippy::cast_possible_truncation)]
                        let i = f as i128;
                        i
                    })
            }),
        _ => None,
    }
}

fn object<'v>(ctx: &mut Ctx<'_>, path: &str, v: &'v Value) -> Option<&'v Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m),
        other => {
            ctx.error(path, format!("must be an object, not {}", json_kind(other)));
            None
        }
    }
}

/// A non-empty list, each item checked by `f`.
fn each(ctx: &mut Ctx<'_>, path: &str, v: &Value, mut f: impl FnMut(&mut Ctx<'_>, &str, &Value)) {
    match v {
        Value::Array(items) if items.is_empty() => ctx.error(path, "empty lists are not allowed"),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                f(ctx, &index(path, i), item);
            }
        }
        other => ctx.error(path, format!("must be a list, not {}", json_kind(other))),
    }
}

/// An identifier, optionally of given types.
pub(crate) fn reference(ctx: &mut Ctx<'_>, path: &str, v: &Value, types: &[&str]) {
    if let Some(objects) = ctx.embedded {
        // Inside observed-data `objects`, a reference is a key there.
        let Some(key) = v.as_str() else {
            ctx.error(path, format!("must be an object key, not {}", json_kind(v)));
            return;
        };
        match objects.get(key) {
            None => ctx.error(
                path,
                format!("{key:?} does not name an object of this observed-data"),
            ),
            Some(target) => {
                let t = target
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !types.is_empty() && !types.contains(&t) {
                    ctx.error(
                        path,
                        format!("{key:?} must refer to {}", types.join(" or ")),
                    );
                }
            }
        }
        return;
    }
    let Some(s) = v.as_str() else {
        ctx.error(
            path,
            format!("must be an identifier string, not {}", json_kind(v)),
        );
        return;
    };
    match Identifier::parse(s) {
        Err(e) => ctx.error(path, e.to_string()),
        Ok(id) => {
            let version = id.uuid().get_version_num();
            if ctx.v21() && !(1..=5).contains(&version) {
                ctx.error(path, format!("{s:?}: the UUID must be version 1 to 5"));
            }
            if !types.is_empty() && !types.contains(&id.object_type()) {
                ctx.error(path, format!("{s:?} must refer to {}", types.join(" or ")));
            }
        }
    }
}

fn hashes(ctx: &mut Ctx<'_>, path: &str, v: &Value) {
    let Some(map) = object(ctx, path, v) else {
        return;
    };
    if map.is_empty() {
        ctx.error(path, "must have at least one hash");
    }
    for (k, hv) in map {
        let p = join(path, k);
        if !HASH_KEY.is_match(k) {
            ctx.error(
                &p,
                format!("hash name {k:?} must be 3 to 250 of a-z, A-Z, 0-9, '_', '-'"),
            );
        }
        match hv.as_str() {
            None => ctx.error(&p, format!("must be a string, not {}", json_kind(hv))),
            Some(s) => {
                if !hash_value_ok(k, s) {
                    ctx.error(&p, format!("{s:?} is not a valid {k} hash"));
                }
            }
        }
    }
}

fn external_reference(ctx: &mut Ctx<'_>, path: &str, v: &Value) {
    let Some(r) = object(ctx, path, v) else {
        return;
    };
    for key in ["source_name", "description", "url", "external_id"] {
        if let Some(x) = r.get(key) {
            check(ctx, &join(path, key), x, Kind::Str);
        }
    }
    if let Some(h) = r.get("hashes") {
        hashes(ctx, &join(path, "hashes"), h);
    }
    let source = r.get("source_name").and_then(Value::as_str);
    let external_id = r.get("external_id").and_then(Value::as_str);
    let ok = match source {
        None => false,
        Some("cve") => external_id.is_some_and(|e| CVE.is_match(e)),
        Some("capec") => external_id.is_some_and(|e| CAPEC.is_match(e)),
        // Another source may not use an id shaped like a CVE or CAPEC id.
        Some(_) => {
            ["external_id", "url", "description"]
                .iter()
                .any(|k| r.contains_key(*k))
                && !external_id.is_some_and(|e| CVE.is_match(e) || CAPEC.is_match(e))
        }
    };
    if !ok {
        ctx.error(
            path,
            "an external reference needs source_name and at least one of external_id, url or description; \
             a CVE has source_name 'cve' and external_id CVE-YYYY-NNNN+, a CAPEC source_name 'capec' and external_id CAPEC-N+",
        );
    }
}

fn granular_marking(ctx: &mut Ctx<'_>, path: &str, v: &Value) {
    let Some(m) = object(ctx, path, v) else {
        return;
    };
    match m.get("selectors") {
        None => ctx.error(path, "\"selectors\" is a required property"),
        Some(s) => each(ctx, &join(path, "selectors"), s, |ctx, p, sel| {
            match sel.as_str() {
                Some(text) if SELECTOR.is_match(text) => {}
                Some(text) => ctx.error(p, format!("{text:?} is not a valid selector")),
                None => ctx.error(p, format!("must be a string, not {}", json_kind(sel))),
            }
        }),
    }
    let marking = m.get("marking_ref");
    let lang = m.get("lang");
    if let Some(r) = marking {
        reference(ctx, &join(path, "marking_ref"), r, &["marking-definition"]);
    }
    if let Some(l) = lang {
        check(ctx, &join(path, "lang"), l, Kind::Str);
    }
    if ctx.v21() {
        match (marking, lang) {
            (None, None) => ctx.error(path, "a granular marking needs marking_ref or lang"),
            (Some(_), Some(_)) => {
                ctx.error(path, "a granular marking has marking_ref or lang, not both")
            }
            _ => {}
        }
    } else if marking.is_none() {
        ctx.error(path, "\"marking_ref\" is a required property");
    }
}

fn dictionary(ctx: &mut Ctx<'_>, path: &str, v: &Value) {
    let Some(map) = object(ctx, path, v) else {
        return;
    };
    if map.is_empty() {
        ctx.error(path, "a dictionary must have at least one entry");
    }
    for (k, x) in map {
        if ctx.v21() && !DICT_KEY.is_match(k) {
            ctx.error(
                join(path, k),
                format!("dictionary key {k:?} must be up to 250 of a-z, A-Z, 0-9, '_', '-'"),
            );
        }
        value_shape(ctx, &join(path, k), x);
    }
}

/// Any property value: not null, lists not empty (STIX 2.1 §3.1).
pub(crate) fn value_shape(ctx: &mut Ctx<'_>, path: &str, v: &Value) {
    match v {
        Value::Null => ctx.error(path, "null is not a valid property value"),
        Value::Array(items) if items.is_empty() => ctx.error(path, "empty lists are not allowed"),
        _ => {}
    }
}

fn extensions(ctx: &mut Ctx<'_>, path: &str, v: &Value) {
    let Some(map) = object(ctx, path, v) else {
        return;
    };
    if map.is_empty() {
        ctx.error(path, "extensions must have at least one entry");
    }
    for (name, ext) in map {
        let p = join(path, name);
        let Some(body) = object(ctx, &p, ext) else {
            continue;
        };
        if body.is_empty() {
            ctx.error(&p, "an extension must have at least one property");
        }
        let named_ok = name.starts_with("extension-definition--")
            || name
                .strip_suffix("-ext")
                .is_some_and(|stem| crate::id::is_type_name(&format!("{stem}-ext")));
        if ctx.v21() && !named_ok {
            ctx.error(
                &p,
                format!(
                    "extension name {name:?} must end in '-ext' or be an extension-definition id"
                ),
            );
        }
        if name.starts_with("extension-definition--") {
            reference(
                ctx,
                &p,
                &Value::String(name.clone()),
                &["extension-definition"],
            );
            match body.get("extension_type") {
                Some(Value::String(t)) if catalog::EXTENSION_TYPES.contains(&t.as_str()) => {}
                Some(t) => ctx.error(
                    join(&p, "extension_type"),
                    format!("{t} is not one of {:?}", catalog::EXTENSION_TYPES),
                ),
                None => {
                    if ctx.v21() {
                        ctx.error(&p, "\"extension_type\" is a required property");
                    }
                }
            }
        } else if let Some(props) = catalog::sco_extension(name) {
            if !ctx.v21() && name == "archive-ext" {
                // STIX 2.0 archives contain files only.
                embedded(ctx, &p, body, catalog::ARCHIVE_EXT_V20);
            } else {
                embedded(ctx, &p, body, props);
            }
        }
    }
}

/// An embedded object (or predefined extension) with known properties.
pub(crate) fn embedded(
    ctx: &mut Ctx<'_>,
    path: &str,
    map: &Map<String, Value>,
    props: &'static [Prop],
) {
    for prop in props {
        if prop.required && !map.contains_key(prop.name) {
            ctx.error(path, format!("{:?} is a required property", prop.name));
        }
    }
    for (k, x) in map {
        let p = join(path, k);
        match props.iter().find(|pr| pr.name == k) {
            Some(prop) => check(ctx, &p, x, prop.kind),
            None => {
                value_shape(ctx, &p, x);
                super::practices::custom_embedded_property(ctx, path, k);
            }
        }
    }
}
