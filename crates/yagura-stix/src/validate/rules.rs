//! The specification's MUST rules, per object and per type.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::props::{self, join};
use super::{Ctx, practices};
use crate::catalog::{self, Category, Kind};
use crate::id::{Identifier, is_type_name};
use crate::object::json_kind;
use crate::pattern::{Pattern, StixVersion};
use crate::timestamp::Timestamp;

/// Property names that STIX reserves (§3.1, "reserved").
const RESERVED: &[&str] = &["severity", "action", "username", "phone_numbers"];

/// STIX 2.0's types and the properties each defines (beyond the common ones).
fn v20_props(t: &str) -> Option<&'static [&'static str]> {
    Some(match t {
        "attack-pattern" => &["name", "description", "kill_chain_phases"],
        "campaign" => &[
            "name",
            "description",
            "aliases",
            "first_seen",
            "last_seen",
            "objective",
        ],
        "course-of-action" => &["name", "description", "action"],
        "identity" => &[
            "name",
            "description",
            "identity_class",
            "sectors",
            "contact_information",
        ],
        "indicator" => &[
            "name",
            "description",
            "pattern",
            "valid_from",
            "valid_until",
            "kill_chain_phases",
        ],
        "intrusion-set" => &[
            "name",
            "description",
            "aliases",
            "first_seen",
            "last_seen",
            "goals",
            "resource_level",
            "primary_motivation",
            "secondary_motivations",
        ],
        "malware" => &["name", "description", "kill_chain_phases"],
        "observed-data" => &[
            "first_observed",
            "last_observed",
            "number_observed",
            "objects",
        ],
        "report" => &["name", "description", "published", "object_refs"],
        "threat-actor" => &[
            "name",
            "description",
            "aliases",
            "roles",
            "goals",
            "sophistication",
            "resource_level",
            "primary_motivation",
            "secondary_motivations",
            "personal_motivations",
        ],
        "tool" => &["name", "description", "kill_chain_phases", "tool_version"],
        "vulnerability" => &["name", "description"],
        "relationship" => &[
            "relationship_type",
            "description",
            "source_ref",
            "target_ref",
        ],
        "sighting" => &[
            "first_seen",
            "last_seen",
            "count",
            "sighting_of_ref",
            "observed_data_refs",
            "where_sighted_refs",
            "summary",
            "description",
        ],
        "marking-definition" => &[
            "definition_type",
            "definition",
            "created",
            "created_by_ref",
            "external_references",
            "object_marking_refs",
            "granular_markings",
        ],
        _ => return None,
    })
}

const V20_COMMON: &[&str] = &[
    "type",
    "id",
    "created_by_ref",
    "created",
    "modified",
    "revoked",
    "labels",
    "external_references",
    "object_marking_refs",
    "granular_markings",
];

fn v20_required(t: &str) -> &'static [&'static str] {
    match t {
        "identity" => &["name", "identity_class"],
        "indicator" => &["labels", "pattern", "valid_from"],
        "malware" | "threat-actor" | "tool" => &["labels", "name"],
        "observed-data" => &[
            "first_observed",
            "last_observed",
            "number_observed",
            "objects",
        ],
        "report" => &["labels", "name", "object_refs", "published"],
        "relationship" => &["relationship_type", "source_ref", "target_ref"],
        "sighting" => &["sighting_of_ref"],
        "attack-pattern" | "campaign" | "course-of-action" | "intrusion-set" | "vulnerability" => {
            &["name"]
        }
        _ => &[],
    }
}

/// Property names a STIX 2.1 object may use: the schema's expression,
/// which (unanchored at the end) admits a name that starts with a
/// lower-case letter and two of `a-z0-9_`, or ends in `id`.
fn property_name_ok(name: &str, v21: bool) -> bool {
    static V21: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^([a-z][a-z0-9_]{2,249})|id$").expect("regex"));
    static V20: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-z0-9_]{3,250}$").expect("regex"));
    if v21 {
        V21.is_match(name)
    } else {
        V20.is_match(name) || name == "id"
    }
}

pub(crate) fn bundle(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    match map.get("id") {
        None => ctx.error("", "\"id\" is a required property"),
        Some(id) => {
            props::reference(ctx, "id", id, &["bundle"]);
            if ctx.v21()
                && let Some(id) = id.as_str().and_then(|s| Identifier::parse(s).ok())
                && id.uuid().get_version_num() != 4
            {
                ctx.should("uuid-check", "id", format!("id {id} should be a UUIDv4"));
            }
        }
    }
    for k in map.keys() {
        if !matches!(k.as_str(), "type" | "id" | "objects" | "spec_version") {
            practices::custom_property(ctx, "bundle", k, map);
        }
    }
    match map.get("objects") {
        None => {}
        Some(Value::Array(items)) if items.is_empty() => {
            ctx.error("objects", "a bundle's objects must not be empty")
        }
        Some(Value::Array(_)) => {}
        Some(other) => ctx.error(
            "objects",
            format!("must be a list, not {}", json_kind(other)),
        ),
    }
    if !ctx.v21() {
        match map.get("spec_version").and_then(Value::as_str) {
            Some("2.0") => {}
            Some(other) => ctx.error("spec_version", format!("{other:?} is not \"2.0\"")),
            None => ctx.error("", "\"spec_version\" is a required property"),
        }
    }
}

/// Every rule for one (non-bundle) object.
pub(crate) fn object<'o>(map: &'o Map<String, Value>, ctx: &mut Ctx<'o>) {
    let ty = match map.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(other) => {
            ctx.error(
                "type",
                format!("must be a string, not {}", json_kind(other)),
            );
            return;
        }
        None => {
            ctx.error("", "\"type\" is a required property");
            return;
        }
    };
    if !is_type_name(ty) || ty == "action" {
        ctx.error("type", format!("{ty:?} does not match the type format (lower-case ASCII letters, digits and single hyphens, 3 to 250 characters)"));
    }
    let v21 = ctx.v21();
    let defined = if v21 {
        catalog::spec(ty).is_some()
    } else {
        v20_props(ty).is_some()
    };
    let category = if defined {
        catalog::category(ty)
    } else {
        Category::Custom
    };
    identifier(map, ty, ctx);
    for r in RESERVED {
        if map.contains_key(*r) {
            ctx.error(*r, format!("{r:?} is a reserved property name"));
        }
    }
    if defined {
        known_type(map, ty, category, ctx);
    } else {
        practices::custom_object(ctx, ty, map);
        custom_type(map, ctx);
    }
    timestamps_in_order(map, ty, ctx);
    markings(map, ctx);
    type_rules(map, ty, ctx);
    practices::object(map, ty, ctx);
}

fn identifier(map: &Map<String, Value>, ty: &str, ctx: &mut Ctx<'_>) {
    match map.get("id") {
        None => ctx.error("", "\"id\" is a required property"),
        Some(Value::String(id)) => {
            if !id.starts_with(&format!("{ty}--")) {
                ctx.error("id", format!("{id:?} does not start with '{ty}--'"));
            } else {
                props::reference(ctx, "id", &Value::String(id.clone()), &[]);
            }
        }
        Some(other) => ctx.error("id", format!("must be a string, not {}", json_kind(other))),
    }
}

fn known_type(map: &Map<String, Value>, ty: &str, category: Category, ctx: &mut Ctx<'_>) {
    let v21 = ctx.v21();
    if v21 {
        if let Some(props) = catalog::all_props(ty) {
            for prop in props {
                if prop.required
                    && !map.contains_key(prop.name)
                    && !(category == Category::Sco && prop.name == "id")
                {
                    ctx.error("", format!("{:?} is a required property", prop.name));
                }
            }
        }
    } else {
        for r in ["created", "modified"] {
            if ty != "marking-definition" && !map.contains_key(r) {
                ctx.error("", format!("{r:?} is a required property"));
            }
        }
        for r in v20_required(ty) {
            if !map.contains_key(*r) {
                ctx.error("", format!("{r:?} is a required property"));
            }
        }
    }
    for (k, x) in map {
        if k == "type" || k == "id" {
            continue;
        }
        let known_in_version = v21
            || V20_COMMON.contains(&k.as_str())
            || v20_props(ty).is_some_and(|p| p.contains(&k.as_str()));
        match catalog::prop(ty, k).filter(|_| known_in_version) {
            Some(prop) => {
                let kind = match prop.kind {
                    // STIX 2.0 does not restrict what created_by_ref names.
                    Kind::Ref(_) if !v21 && k == "created_by_ref" => Kind::Ref(&[]),
                    kind => kind,
                };
                props::check(ctx, k, x, kind);
                props::value_shape(ctx, k, x);
                value_format(ctx, ty, k, x);
            }
            None if !v21 && k == "objects" && ty == "observed-data" => {}
            None if !v21
                && matches!(
                    k.as_str(),
                    "pattern"
                        | "valid_from"
                        | "published"
                        | "first_observed"
                        | "last_observed"
                        | "number_observed"
                        | "first_seen"
                        | "last_seen"
                        | "count"
                ) => {}
            None => custom_property(map, ty, k, x, ctx),
        }
    }
}

/// Formats the specification gives some SCO values.
fn value_format(ctx: &mut Ctx<'_>, ty: &str, k: &str, x: &Value) {
    let Some(v) = x.as_str() else { return };
    let ok = match (ty, k) {
        ("ipv4-addr", "value") => ip_with_prefix(v, false),
        ("ipv6-addr", "value") => ip_with_prefix(v, true),
        ("mac-addr", "value") => {
            let b = v.as_bytes();
            b.len() == 17
                && b.iter().enumerate().all(|(i, c)| {
                    if i % 3 == 2 {
                        *c == b':'
                    } else {
                        c.is_ascii_digit() || (b'a'..=b'f').contains(c)
                    }
                })
        }
        _ => true,
    };
    if !ok {
        ctx.error(k, format!("{v:?} is not a valid {ty} value"));
    }
}

/// An address, optionally `/prefix` (no leading zeros), of one family.
fn ip_with_prefix(v: &str, six: bool) -> bool {
    let (addr, prefix) = match v.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (v, None),
    };
    let max = if six { 128 } else { 32 };
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p == "0" || !p.starts_with('0'))
            && p.parse::<u32>().is_ok_and(|n| n <= max)
    });
    let addr_ok = if six {
        let bare = addr.split_once('%').map_or(addr, |(a, _)| a);
        bare.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        addr.parse::<std::net::Ipv4Addr>().is_ok()
    };
    prefix_ok && addr_ok
}

/// A property the specification does not define on this type.
fn custom_property(_map: &Map<String, Value>, ty: &str, k: &str, x: &Value, ctx: &mut Ctx<'_>) {
    if !property_name_ok(k, ctx.v21()) {
        ctx.error(k, format!("property name {k:?} must be lower-case ASCII letters, digits and '_', 3 to 250 characters"));
    }
    props::value_shape(ctx, k, x);
    binary_suffix(ctx, k, x);
    practices::custom_property(ctx, ty, k, _map);
}

/// `…_bin` properties hold base64, `…_hex` hex.
fn binary_suffix(ctx: &mut Ctx<'_>, k: &str, x: &Value) {
    if k.ends_with("_bin") {
        props::check(ctx, k, x, Kind::Binary);
    } else if k.ends_with("_hex") {
        props::check(ctx, k, x, Kind::Hex);
    }
}

/// A type the specification does not define: checked against the common
/// properties (of an SCO when it has an id and no created/modified).
fn custom_type(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let sco_like = ctx.v21() && !map.contains_key("created") && !map.contains_key("modified");
    let common = if sco_like {
        catalog::COMMON_SCO
    } else {
        catalog::COMMON_SDO
    };
    for prop in common {
        let needed = prop.required && (ctx.v21() || prop.name != "spec_version");
        if needed && !map.contains_key(prop.name) {
            ctx.error("", format!("{:?} is a required property", prop.name));
        }
    }
    for (k, x) in map {
        if k == "type" || k == "id" {
            continue;
        }
        match common.iter().find(|p| p.name == k) {
            Some(prop) => props::check(ctx, k, x, prop.kind),
            None => {
                if !property_name_ok(k, ctx.v21()) {
                    ctx.error(k.as_str(), format!("property name {k:?} must be lower-case ASCII letters, digits and '_', 3 to 250 characters"));
                }
                props::value_shape(ctx, k, x);
                binary_suffix(ctx, k, x);
            }
        }
    }
}

fn ts(map: &Map<String, Value>, key: &str) -> Option<Timestamp> {
    map.get(key)
        .and_then(Value::as_str)
        .and_then(|s| Timestamp::parse(s).ok())
}

/// Pairs of timestamps that must be ordered: `(later, earlier, strictly)`.
fn ordered_pairs(ty: &str) -> &'static [(&'static str, &'static str, bool)] {
    match ty {
        "campaign" | "infrastructure" | "intrusion-set" | "malware" | "threat-actor"
        | "sighting" => &[
            ("modified", "created", false),
            ("last_seen", "first_seen", false),
        ],
        "indicator" => &[
            ("modified", "created", false),
            ("valid_until", "valid_from", true),
        ],
        "observed-data" => &[
            ("modified", "created", false),
            ("last_observed", "first_observed", false),
        ],
        "relationship" => &[
            ("modified", "created", false),
            ("stop_time", "start_time", true),
        ],
        "malware-analysis" => &[
            ("modified", "created", false),
            ("analysis_ended", "analysis_started", false),
        ],
        "network-traffic" => &[("end", "start", false)],
        "x509-certificate" => &[("validity_not_after", "validity_not_before", false)],
        _ => &[("modified", "created", false)],
    }
}

fn timestamps_in_order(map: &Map<String, Value>, ty: &str, ctx: &mut Ctx<'_>) {
    for (later, earlier, strict) in ordered_pairs(ty) {
        if let (Some(a), Some(b)) = (ts(map, later), ts(map, earlier)) {
            let bad = if *strict { a <= b } else { a < b };
            if bad {
                let relation = if *strict {
                    "later than"
                } else {
                    "later than or equal to"
                };
                ctx.error(
                    *later,
                    format!("{later:?} ({a}) must be {relation} {earlier:?} ({b})"),
                );
            }
        }
    }
}

/// Marking definitions may not mark themselves; granular selectors must
/// select something present.
fn markings(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let id = map.get("id").and_then(Value::as_str);
    if map.get("type").and_then(Value::as_str) == Some("marking-definition") {
        if let Some(Value::Array(refs)) = map.get("object_marking_refs")
            && refs.iter().any(|r| r.as_str() == id)
        {
            ctx.error(
                "object_marking_refs",
                "a marking definition cannot mark itself (circular reference)",
            );
        }
        if let Some(Value::Array(gms)) = map.get("granular_markings")
            && gms
                .iter()
                .any(|g| g.get("marking_ref").and_then(Value::as_str) == id)
        {
            ctx.error(
                "granular_markings",
                "a marking definition cannot mark itself (circular reference)",
            );
        }
    }
    let Some(Value::Array(gms)) = map.get("granular_markings") else {
        return;
    };
    for (i, gm) in gms.iter().enumerate() {
        let Some(Value::Array(selectors)) = gm.get("selectors") else {
            continue;
        };
        for sel in selectors.iter().filter_map(Value::as_str) {
            if !selector_resolves(map, sel) {
                ctx.error(
                    format!("granular_markings[{i}].selectors"),
                    format!("{sel:?} does not select a property of this object"),
                );
            }
        }
    }
}

fn selector_resolves(map: &Map<String, Value>, selector: &str) -> bool {
    let mut cur: Option<&Value> = None;
    for (n, seg) in selector.split('.').enumerate() {
        let next = if let Some(idx) = seg.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            let Ok(i) = idx.parse::<usize>() else {
                return false;
            };
            match cur {
                Some(Value::Array(a)) => a.get(i),
                _ => None,
            }
        } else if n == 0 {
            map.get(seg)
        } else {
            match cur {
                Some(Value::Object(m)) => m.get(seg),
                _ => None,
            }
        };
        match next {
            Some(v) => cur = Some(v),
            None => return false,
        }
    }
    true
}

/// TLP 1.0 marking definitions as the specification defines them.
const TLP_V1: &[(&str, &str)] = &[
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        "white",
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "green",
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        "amber",
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        "red",
    ),
];

fn type_rules<'o>(map: &'o Map<String, Value>, ty: &str, ctx: &mut Ctx<'o>) {
    let has = |k: &str| map.contains_key(k);
    let v21 = ctx.v21();
    match ty {
        "indicator" => indicator_pattern(map, ctx),
        "relationship" => {
            for key in ["source_ref", "target_ref"] {
                if let Some(r) = map.get(key).and_then(Value::as_str)
                    && let Ok(id) = Identifier::parse(r)
                    && catalog::NOT_RELATABLE.contains(&id.object_type())
                {
                    ctx.error(key, "relationships cannot link bundles, marking definitions, sightings, relationships or language content");
                }
            }
        }
        "sighting" => {
            if let Some(r) = map.get("sighting_of_ref").and_then(Value::as_str)
                && let Ok(id) = Identifier::parse(r)
                && (catalog::NOT_RELATABLE.contains(&id.object_type())
                    || catalog::category(id.object_type()) == Category::Sco)
            {
                ctx.error("sighting_of_ref", "must refer to an SDO");
            }
        }
        "observed-data" => {
            if let Some(Value::Array(refs)) = map.get("object_refs") {
                for (i, r) in refs.iter().enumerate() {
                    if let Some(t) = r.as_str().and_then(|s| s.split_once("--")).map(|(t, _)| t)
                        && catalog::category(t) == Category::Sdo
                    {
                        ctx.error(
                            format!("object_refs[{i}]"),
                            format!("observed-data refers to SCOs and SROs, not {t}"),
                        );
                    }
                }
            }
            if v21 && has("objects") == has("object_refs") {
                ctx.error(
                    "",
                    "observed-data has exactly one of objects (deprecated) and object_refs",
                );
            }
            if let Some(objects) = map.get("objects") {
                match objects {
                    Value::Object(objs) => embedded_observables(objs, ctx),
                    other => ctx.error(
                        "objects",
                        format!("must be a dictionary, not {}", json_kind(other)),
                    ),
                }
            }
        }
        "location" if v21 => {
            if !(has("region") || has("country") || (has("latitude") && has("longitude"))) {
                ctx.error(
                    "",
                    "a location needs region, country, or latitude and longitude",
                );
            }
            if has("latitude") != has("longitude") {
                ctx.error("", "latitude and longitude go together");
            }
            if has("precision") && !(has("latitude") && has("longitude")) {
                ctx.error("precision", "precision needs latitude and longitude");
            }
        }
        "malware" if v21 && map.get("is_family") == Some(&Value::Bool(true)) && !has("name") => {
            ctx.error("", "a malware family (is_family true) needs a name");
        }
        "malware-analysis" if !has("result") && !has("analysis_sco_refs") => {
            ctx.error("", "malware-analysis needs result or analysis_sco_refs");
        }
        "marking-definition" => marking_definition(map, ctx),
        "extension-definition" => {
            if let Some(Value::Array(types)) = map.get("extension_types") {
                for (i, t) in types.iter().enumerate() {
                    if !t
                        .as_str()
                        .is_some_and(|t| catalog::EXTENSION_TYPES.contains(&t))
                    {
                        ctx.error(
                            format!("extension_types[{i}]"),
                            format!("{t} is not one of {:?}", catalog::EXTENSION_TYPES),
                        );
                    }
                }
                let toplevel = types
                    .iter()
                    .any(|t| t.as_str() == Some("toplevel-property-extension"));
                if !toplevel && has("extension_properties") {
                    ctx.error(
                        "extension_properties",
                        "extension_properties is only for a toplevel-property-extension",
                    );
                }
            }
        }
        "language-content" => {
            if let Some(Value::Object(contents)) = map.get("contents") {
                for (lang, v) in contents {
                    if let Value::Object(fields) = v {
                        for k in fields.keys() {
                            if !property_name_ok(k, true) {
                                ctx.error(
                                    format!("contents.{lang}"),
                                    format!("{k:?} is not a property name"),
                                );
                            }
                        }
                    }
                }
            }
        }
        "process" if v21 => {
            if let Some(id) = map
                .get("id")
                .and_then(Value::as_str)
                .and_then(|s| Identifier::parse(s).ok())
                && id.uuid().get_version_num() != 4
            {
                ctx.error("id", "a process id must be a UUIDv4");
            }
        }
        _ => {}
    }
    if catalog::category(ty) == Category::Sco {
        observable_rules(map, ty, ctx);
    }
}

static MIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(application|audio|font|image|message|model|multipart|text|video)/[a-zA-Z0-9.+_-]+",
    )
    .expect("regex")
});
static CHARSET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9_()-]+$").expect("regex"));
static URI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]+$").expect("regex"));
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[^@\s<>()\[\]\\,;:]+@[^@\s<>()\[\]\\,;:]+$").expect("regex"));

/// A CPE 2.3 formatted string: `cpe:2.3:` then part and ten more fields.
fn cpe23_ok(v: &str) -> bool {
    let Some(rest) = v.strip_prefix("cpe:2.3:") else {
        return false;
    };
    // Split on unescaped colons.
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for c in rest.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            cur.push(c);
            escaped = true;
        } else if c == ':' {
            fields.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    fields.push(cur);
    fields.len() == 11
        && matches!(fields[0].as_str(), "a" | "h" | "o" | "*" | "-")
        && fields.iter().all(|f| !f.is_empty())
}

/// Formats some SCO properties must have.
fn observable_formats(map: &Map<String, Value>, ty: &str, ctx: &mut Ctx<'_>) {
    let s = |k: &str| map.get(k).and_then(Value::as_str);
    if ty == "artifact"
        && let Some(m) = s("mime_type")
        && !MIME.is_match(m)
    {
        ctx.error(
            "mime_type",
            format!("{m:?} must be an IANA media type (type/subtype)"),
        );
    }
    for (t, k) in [("directory", "path_enc"), ("file", "name_enc")] {
        if ty == t
            && let Some(v) = s(k)
            && !CHARSET.is_match(v)
        {
            ctx.error(k, format!("{v:?} must be an IANA registered character set"));
        }
    }
    if ty == "software"
        && let Some(v) = s("cpe")
        && !cpe23_ok(v)
    {
        ctx.error("cpe", format!("{v:?} is not a CPE 2.3 formatted string"));
    }
    if matches!(ty, "url" | "artifact") {
        let key = if ty == "url" { "value" } else { "url" };
        if let Some(v) = s(key)
            && !URI.is_match(v)
        {
            ctx.error(key, format!("{v:?} is not a URI"));
        }
    }
    if ty == "email-addr"
        && let Some(v) = s("value")
        && !EMAIL.is_match(v)
    {
        ctx.error(
            "value",
            format!("{v:?} is not an email address (put a display name in display_name)"),
        );
    }
    if ty == "windows-registry-key"
        && let Some(k) = s("key")
    {
        let abbreviated = k.starts_with("HKLM")
            || [
                "HKCC", "HKCR", "HKCU", "HKU", "hklm", "hkcc", "hkcr", "hkcu", "hku",
            ]
            .iter()
            .any(|a| k.contains(a));
        if abbreviated {
            ctx.error(
                "key",
                format!("{k:?}: the hive must be written in full (HKEY_LOCAL_MACHINE, not HKLM)"),
            );
        }
    }
    if ty == "file" && !ctx.v21() {
        if (map.contains_key("encryption_algorithm") || map.contains_key("decryption_key"))
            && map.get("is_encrypted") != Some(&Value::Bool(true))
        {
            ctx.error(
                "",
                "encryption_algorithm and decryption_key need is_encrypted true",
            );
        }
        if let Some(a) = s("encryption_algorithm")
            && !ENCRYPTION_ALGORITHMS_V20.contains(&a)
        {
            ctx.should(
                "encryption-algo",
                "encryption_algorithm",
                format!("{a:?} is not in the encryption-algo-ov vocabulary"),
            );
        }
    }
}

/// STIX 2.0's encryption-algo-ov.
const ENCRYPTION_ALGORITHMS_V20: &[&str] = &[
    "AES128-ECB",
    "AES128-CBC",
    "AES128-CFB",
    "AES128-COFB",
    "AES128-CTR",
    "AES128-XTS",
    "AES128-GCM",
    "Salsa20",
    "Salsa8",
    "Salsa12",
    "ChaCha20-Poly1305",
    "ChaCha20",
    "DES-CBC",
    "3DES-CBC",
    "DES-ECB",
    "3DES-ECB",
    "CAST128-CBC",
    "CAST256-CBC",
    "RSA",
    "DSA",
];

/// SCO rules shared by top-level (2.1) and embedded (2.0) observables.
fn observable_rules(map: &Map<String, Value>, ty: &str, ctx: &mut Ctx<'_>) {
    let has = |k: &str| map.contains_key(k);
    observable_formats(map, ty, ctx);
    match ty {
        "artifact" if !has("payload_bin") && !has("url") => {
            ctx.error("", "an artifact needs payload_bin or url");
        }
        "artifact" => {
            if has("payload_bin") && has("url") {
                ctx.error("", "an artifact has payload_bin or url, not both");
            }
            if has("url") && !has("hashes") {
                ctx.error("", "an artifact with url needs hashes");
            }
            if has("decryption_key") && !has("encryption_algorithm") {
                ctx.error(
                    "decryption_key",
                    "decryption_key needs encryption_algorithm",
                );
            }
        }
        "email-message" => match map.get("is_multipart") {
            Some(Value::Bool(true)) if has("body") => {
                ctx.error("body", "a multipart message has body_multipart, not body")
            }
            Some(Value::Bool(false)) if has("body_multipart") => ctx.error(
                "body_multipart",
                "a message that is not multipart has body, not body_multipart",
            ),
            _ => {}
        },
        "file" if !has("hashes") && !has("name") => ctx.error("", "a file needs hashes or name"),
        "network-traffic" => {
            if !has("src_ref") && !has("dst_ref") {
                ctx.error("", "network-traffic needs src_ref or dst_ref");
            }
            if map.get("is_active") == Some(&Value::Bool(true)) && has("end") {
                ctx.error("end", "active network-traffic (is_active true) has no end");
            }
        }
        _ => {}
    }
    if let Some(Value::Object(exts)) = map.get("extensions") {
        for name in exts.keys() {
            if let Some(owner) = catalog::sco_extension_owner(name)
                && owner != ty
            {
                ctx.error(
                    format!("extensions.{name}"),
                    format!("{name} is an extension of {owner}, not {ty}"),
                );
            }
        }
    }
}

/// Observables embedded in observed-data (`objects`, STIX 2.0 style):
/// references are keys of the same dictionary.
fn embedded_observables<'o>(objs: &'o Map<String, Value>, ctx: &mut Ctx<'o>) {
    let outer = ctx.embedded.replace(objs);
    for (key, obj) in objs {
        let path = format!("objects.{key}");
        let Value::Object(o) = obj else {
            ctx.error(&path, format!("must be an object, not {}", json_kind(obj)));
            continue;
        };
        let Some(ty) = o.get("type").and_then(Value::as_str) else {
            ctx.error(&path, "an observable needs a type");
            continue;
        };
        let Some(spec) = catalog::spec(ty).filter(|s| s.category == Category::Sco) else {
            practices::custom_observable(ctx, &path, ty);
            continue;
        };
        for prop in spec.props {
            if prop.required && !o.contains_key(prop.name) {
                ctx.error(&path, format!("{:?} is a required property", prop.name));
            }
        }
        for (k, x) in o {
            let p = join(&path, k);
            if k == "type" {
                continue;
            }
            match spec
                .props
                .iter()
                .chain(catalog::COMMON_SCO.iter())
                .find(|pr| pr.name == k && (pr.name != "id" || ctx.v21()))
            {
                // References resolve as keys of `objects` (ctx.embedded).
                Some(prop) => {
                    props::check(ctx, &p, x, prop.kind);
                    value_format(ctx, ty, k, x);
                }
                None if !ctx.v21() && V20_SCO_PROPS.contains(&(ty, k.as_str())) => {
                    props::value_shape(ctx, &p, x)
                }
                None => {
                    props::value_shape(ctx, &p, x);
                    practices::custom_embedded_property(ctx, &path, k);
                }
            }
        }
        observable_rules(o, ty, ctx);
        practices::observable(o, ty, ctx, &path);
    }
    ctx.embedded = outer;
}

/// SCO properties STIX 2.0 defined that 2.1 renamed or dropped.
const V20_SCO_PROPS: &[(&str, &str)] = &[
    ("file", "is_encrypted"),
    ("file", "encryption_algorithm"),
    ("file", "decryption_key"),
    ("process", "name"),
    ("process", "arguments"),
    ("process", "created"),
    ("process", "binary_ref"),
    ("user-account", "password_last_changed"),
    ("windows-registry-key", "modified"),
    ("email-message", "body_multipart"),
];

fn marking_definition(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let id = map.get("id").and_then(Value::as_str).unwrap_or_default();
    let def_type = map.get("definition_type").and_then(Value::as_str);
    let definition = map.get("definition");
    if ctx.v21() && def_type == Some("tlp") {
        let level = definition
            .and_then(|d| d.get("tlp"))
            .and_then(Value::as_str);
        if !TLP_V1
            .iter()
            .any(|(tlp_id, l)| *tlp_id == id && Some(*l) == level)
        {
            ctx.error(
                "",
                "TLP marking definitions must match one of those defined in the STIX specification",
            );
        }
    }
    let has_extension = map.get("extensions").is_some_and(Value::is_object);
    match (def_type, definition) {
        (Some("statement"), Some(d)) if !d.get("statement").is_some_and(Value::is_string) => {
            ctx.error(
                "definition",
                "a statement marking needs definition.statement (a string)",
            );
        }
        (Some("tlp"), Some(d))
            if !d
                .get("tlp")
                .and_then(Value::as_str)
                .is_some_and(|t| ["white", "green", "amber", "red"].contains(&t)) =>
        {
            ctx.error(
                "definition",
                "a TLP marking needs definition.tlp (white, green, amber or red)",
            );
        }
        (Some("statement" | "tlp"), Some(_)) => {}
        (Some(_), None) | (None, Some(_)) => {
            ctx.error("", "definition_type and definition go together")
        }
        (None, None) if !has_extension => {
            ctx.error(
                "",
                "a marking definition needs definition_type and definition, or an extension",
            );
        }
        _ => {}
    }
}

/// An indicator's STIX pattern must be valid, for its pattern version.
fn indicator_pattern(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let is_stix = !ctx.v21() || map.get("pattern_type").and_then(Value::as_str) == Some("stix");
    let Some(text) = map
        .get("pattern")
        .and_then(Value::as_str)
        .filter(|_| is_stix)
    else {
        return;
    };
    let version = match map
        .get("pattern_version")
        .or_else(|| map.get("spec_version"))
        .and_then(Value::as_str)
    {
        Some("2.0") => StixVersion::V2_0,
        Some(_) => StixVersion::V2_1,
        None => ctx.options.version,
    };
    match Pattern::validate(text, version) {
        Err(e) => ctx.error("pattern", format!("pattern failed to validate: {e}")),
        Ok(p) => {
            for t in p.tests() {
                pattern_names(ctx, t);
            }
        }
    }
}

/// Object types and properties named in a pattern: defined ones, or custom
/// ones named by the conventions (errors, as the reference reports them).
fn pattern_names(ctx: &mut Ctx<'_>, t: &crate::pattern::ast::PropTest) {
    let ot = t.path.object_type.as_str();
    let known = catalog::category(ot) == Category::Sco;
    let disabled = |name: &str| ctx.options.disabled.iter().any(|d| d == name);
    // 2.1 applies the naming conventions only when extensions-use is off.
    let naming = !disabled("all")
        && !disabled("format-checks")
        && (!ctx.v21() || disabled("extensions-use"));
    if !known {
        if ctx.options.strict_types {
            ctx.error(
                "pattern",
                format!("{ot:?} is not a valid STIX observable type"),
            );
        } else if !pattern_type_ok(ot) {
            ctx.error(
                "pattern",
                format!("{ot:?} is not a valid observable type name"),
            );
        } else if naming && !disabled("custom-prefix") && !practices::strict_prefix(ot, '-') {
            ctx.error("pattern", format!("custom observable type {ot:?} should start with 'x-', a source identifier, '-', then the name"));
        } else if naming && !disabled("custom-prefix-lax") && !ot.starts_with("x-") {
            ctx.error(
                "pattern",
                format!("custom observable type {ot:?} should start with 'x-'"),
            );
        }
        return;
    }
    let Some(crate::pattern::ast::PathStep::Key { name, .. }) = t.path.steps.first() else {
        return;
    };
    if catalog::prop(ot, name).is_some()
        || (!ctx.v21() && V20_SCO_PROPS.contains(&(ot, name.as_str())))
    {
        return;
    }
    let format_ok = (3..=250).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ctx.options.strict_properties {
        ctx.error(
            "pattern",
            format!("{name:?} is not a valid property for {ot} objects"),
        );
    } else if !format_ok {
        ctx.error(
            "pattern",
            format!("{name:?} is not a valid observable property name"),
        );
    } else if naming && !disabled("custom-prefix") && !practices::strict_prefix(name, '_') {
        ctx.error("pattern", format!("custom property {name:?} should start with 'x_', a source identifier, '_', then the name"));
    } else if naming && !disabled("custom-prefix-lax") && !name.starts_with("x_") {
        ctx.error(
            "pattern",
            format!("custom property {name:?} should start with 'x_'"),
        );
    }
}

fn pattern_type_ok(t: &str) -> bool {
    static TYPE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^-?[a-z0-9]+(-[a-z0-9]+)*-?$").expect("regex"));
    TYPE.is_match(t) && (3..=250).contains(&t.len())
}
