//! MISP event JSON to STIX 2.1.
//!
//! An event becomes a `report` (id from the event's uuid) whose `object_refs`
//! name everything it produced, its creator organization an `identity`. An
//! attribute, top-level or inside a MISP object, becomes an `indicator` with a
//! STIX pattern when `to_ids` is set and an SCO (deterministic id) when it is
//! not; attributes with no observable form (`text`, `comment`, `link`…) are
//! counted as unmapped, `link` values become the report's external
//! references. Tags `tlp:*` become TLP 2.0 markings (an attribute gets the
//! most restrictive of its own and its event's), other tags labels. Galaxy
//! clusters of threat actors, ATT&CK techniques, malware and tools become
//! intrusion-sets, attack-patterns, malware and tools under the cluster's
//! uuid (the uuid MISP galaxies share with ATT&CK), dated 1970 so that a
//! richer version already in the store (the regional base, ATT&CK) stays
//! current; an attribute's own clusters are linked to its indicator by
//! `indicates`. Sightings (type 0) of indicators become `sighting`s.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};
use uuid::Uuid;
use yagura_stix::{StixObject, Timestamp, Tlp};

use yagura_stix::pattern::ValueKind;

use crate::ioc::detect;

/// Namespace for ids MISP does not give (relationships, sightings without uuid).
const NAMESPACE: Uuid = Uuid::from_u128(0x7961_6775_7261_4000_8000_6d69_7370_0001);

/// Something in the input that could not be converted, and where it is
/// (`Event.Attribute[3]`, `response[2].Event.Object[0].Attribute[1]`, `line 4 column 2`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct MispError {
    /// Where in the input.
    pub at: String,
    /// What is wrong.
    pub message: String,
}

fn err(at: &str, message: impl Into<String>) -> MispError {
    MispError {
        at: at.to_owned(),
        message: message.into(),
    }
}

/// What one event gave.
#[derive(Debug, Default)]
pub struct Converted {
    /// The STIX objects, the report last.
    pub objects: Vec<StixObject>,
    /// Attributes, sightings or clusters that could not be converted.
    pub rejected: Vec<MispError>,
    /// Attribute types with no STIX observable form, and how many of each.
    pub unmapped: BTreeMap<String, u64>,
}

/// Keys an event's JSON starts with, as MISP and PyMISP write it.
const EVENT_KEYS: [&str; 14] = [
    "Event",
    "response",
    "Attribute",
    "Object",
    "info",
    "analysis",
    "date",
    "Orgc",
    "Org",
    "threat_level_id",
    "Tag",
    "Galaxy",
    "distribution",
    "published",
];

/// True if `head` (the start of a file) looks like MISP event JSON: its
/// first key (of the object, or of the first object of a list) is one an
/// event starts with (`Event`, `response`, `Attribute`, `info`…).
pub fn looks_like_misp(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    if let Some(r) = rest.strip_prefix('[') {
        rest = r.trim_start();
    }
    let Some(r) = rest.strip_prefix('{') else {
        return false;
    };
    let Some(r) = r.trim_start().strip_prefix('"') else {
        return false;
    };
    let key = r.split('"').next().unwrap_or_default();
    EVENT_KEYS.contains(&key)
}

/// The events in a MISP JSON text, each with where it is: a single
/// `{"Event": …}`, a bare event, a list of either, or a REST search
/// result `{"response": [...]}`.
pub fn read_events(text: &str) -> Result<Vec<(String, Value)>, MispError> {
    let root: Value = serde_json::from_str(text).map_err(|e| {
        err(
            &format!("line {} column {}", e.line(), e.column()),
            format!("not JSON: {e}"),
        )
    })?;
    let (prefix, items) = match root {
        Value::Array(items) => (String::new(), items),
        Value::Object(mut m) if m.contains_key("response") => match m.remove("response") {
            Some(Value::Array(items)) => ("response".to_owned(), items),
            Some(single @ Value::Object(_)) => {
                return one_event("response", single).map(|e| vec![e]);
            }
            _ => return Err(err("response", "expected a list of events")),
        },
        single @ Value::Object(_) => {
            return one_event("", single).map(|(at, e)| {
                vec![(
                    if at.is_empty() {
                        "Event".to_owned()
                    } else {
                        at
                    },
                    e,
                )]
            });
        }
        _ => {
            return Err(err(
                "(root)",
                "expected an event, a list of events or {\"response\": [...]}",
            ));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| one_event(&format!("{prefix}[{i}]"), v))
        .collect()
}

fn one_event(at: &str, v: Value) -> Result<(String, Value), MispError> {
    match v {
        Value::Object(mut m) => match m.remove("Event") {
            Some(e @ Value::Object(_)) => Ok((join(at, "Event"), e)),
            Some(_) => Err(err(&join(at, "Event"), "expected an object")),
            None if ["info", "Attribute", "Object"]
                .iter()
                .any(|k| m.contains_key(*k)) =>
            {
                Ok((at.to_owned(), Value::Object(m)))
            }
            None => Err(err(
                if at.is_empty() { "(root)" } else { at },
                "not a MISP event (no \"Event\", \"info\", \"Attribute\" or \"Object\")",
            )),
        },
        _ => Err(err(at, "expected an object")),
    }
}

/// The items of the list under `key`, numbered; none if absent or not a list.
fn list<'a>(m: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = (usize, &'a Value)> {
    m.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

/// A MISP timestamp: Unix seconds as a string or number, or ISO 8601.
fn timestamp(v: Option<&Value>) -> Option<Timestamp> {
    match v? {
        Value::Number(n) => n.as_i64().map(|s| Timestamp::from_unix(s, 0)),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok().map(|s| Timestamp::from_unix(s, 0))
        }
        Value::String(s) => Timestamp::parse(s).ok().or_else(|| {
            // A date alone (the event's `date`).
            Timestamp::parse(&format!("{s}T00:00:00Z")).ok()
        }),
        _ => None,
    }
}

fn stamp(t: Timestamp) -> String {
    t.with_millis().to_string()
}

fn str_of<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    m.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "1" || s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    }
}

/// The TLP and the other tag names of a `Tag` list.
fn tags(m: &Map<String, Value>) -> (Option<Tlp>, Vec<String>) {
    let mut tlp = None;
    let mut labels = Vec::new();
    for t in m.get("Tag").and_then(Value::as_array).into_iter().flatten() {
        let Some(name) = t.get("name").and_then(Value::as_str) else {
            continue;
        };
        if name.to_ascii_lowercase().starts_with("tlp:")
            && let Ok(level) = name.parse::<Tlp>()
        {
            tlp = tlp.max(Some(level));
            continue;
        }
        if !name.starts_with("misp-galaxy:") {
            labels.push(name.to_owned());
        }
    }
    (tlp, labels)
}

/// One observable an attribute describes: its SCO type and its properties
/// as (pattern path, value) pairs.
struct Observable {
    sco_type: &'static str,
    props: Vec<(&'static str, Value)>,
}

impl Observable {
    fn one(sco_type: &'static str, path: &'static str, value: impl Into<Value>) -> Self {
        Self {
            sco_type,
            props: vec![(path, value.into())],
        }
    }

    fn pattern(&self) -> String {
        let parts: Vec<String> = self
            .props
            .iter()
            .map(|(path, v)| {
                let literal = match v {
                    Value::String(s) => {
                        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
                    }
                    other => other.to_string(),
                };
                format!("{}:{path} = {literal}", self.sco_type)
            })
            .collect();
        format!("[{}]", parts.join(" AND "))
    }

    /// The SCO, for attributes not meant for detection.
    fn sco(&self) -> Option<StixObject> {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.sco_type));
        m.insert("spec_version".into(), json!("2.1"));
        for (path, v) in &self.props {
            if let Some(algo) = path.strip_prefix("hashes.") {
                let algo = algo.trim_matches('\'');
                let hashes = m.entry("hashes").or_insert_with(|| json!({}));
                hashes[algo] = v.clone();
            } else if path.contains('[') || path.contains('.') {
                // Only patterns can say this (a registry value's data).
                continue;
            } else {
                m.insert((*path).to_owned(), v.clone());
            }
        }
        let id = yagura_stix::id::deterministic_sco_id(&m)?;
        m.insert("id".into(), json!(id.to_string()));
        StixObject::from_value(Value::Object(m)).ok()
    }
}

fn hash_path(kind: ValueKind) -> Option<&'static str> {
    Some(match kind {
        ValueKind::Md5 => "hashes.MD5",
        ValueKind::Sha1 => "hashes.'SHA-1'",
        ValueKind::Sha256 => "hashes.'SHA-256'",
        ValueKind::Sha512 => "hashes.'SHA-512'",
        _ => return None,
    })
}

fn expect(kinds: &[ValueKind], raw: &str, what: &str) -> Result<(ValueKind, String), String> {
    match detect(raw) {
        Some((k, v)) if kinds.contains(&k) => Ok((k, v)),
        _ => Err(format!("{raw:?} is not {what}")),
    }
}

fn ip(raw: &str) -> Result<Observable, String> {
    let (kind, v) = expect(
        &[ValueKind::Ipv4, ValueKind::Ipv6, ValueKind::Cidr],
        raw,
        "an IP address",
    )?;
    let ty = if kind == ValueKind::Ipv6 || (kind == ValueKind::Cidr && v.contains(':')) {
        "ipv6-addr"
    } else {
        "ipv4-addr"
    };
    Ok(Observable::one(ty, "value", v))
}

/// The observable of a MISP attribute; `Ok(None)` for types with no
/// observable form.
fn observable(ty: &str, value: &str) -> Result<Option<Observable>, String> {
    let hashes = [
        ValueKind::Md5,
        ValueKind::Sha1,
        ValueKind::Sha256,
        ValueKind::Sha512,
    ];
    let o = match ty {
        "ip-src" | "ip-dst" => ip(value)?,
        "ip-src|port" | "ip-dst|port" => {
            let host = value.rsplit_once('|').map_or(value, |(h, _)| h);
            ip(host)?
        }
        "domain" | "hostname" => {
            let (_, v) = expect(&[ValueKind::Domain], value, "a domain name")?;
            Observable::one("domain-name", "value", v)
        }
        "domain|ip" => {
            let (d, i) = value
                .split_once('|')
                .ok_or_else(|| format!("{value:?} is not domain|ip"))?;
            let (_, d) = expect(&[ValueKind::Domain], d, "a domain name")?;
            let addr = ip(i)?;
            let ip_value = addr.props[0].1.clone();
            Observable {
                sco_type: "domain-name",
                props: vec![("value", json!(d)), ("resolves_to_refs[*].value", ip_value)],
            }
        }
        "url" | "uri" => {
            let (_, v) = expect(&[ValueKind::Url], value, "a URL")?;
            Observable::one("url", "value", v)
        }
        "email" | "email-src" | "email-dst" => {
            let (_, v) = expect(&[ValueKind::Email], value, "an email address")?;
            Observable::one("email-addr", "value", v)
        }
        "md5" | "sha1" | "sha256" | "sha512" => {
            let (k, v) = expect(&hashes, value, ty)?;
            let want = match ty {
                "md5" => ValueKind::Md5,
                "sha1" => ValueKind::Sha1,
                "sha256" => ValueKind::Sha256,
                _ => ValueKind::Sha512,
            };
            if k != want {
                return Err(format!("{value:?} is not {ty}"));
            }
            Observable::one("file", hash_path(k).unwrap_or("hashes.MD5"), v)
        }
        "filename|md5" | "filename|sha1" | "filename|sha256" | "filename|sha512" => {
            let (name, h) = value
                .rsplit_once('|')
                .ok_or_else(|| format!("{value:?} is not {ty}"))?;
            let (k, h) = expect(&hashes, h, "a hash")?;
            Observable {
                sco_type: "file",
                props: vec![
                    ("name", json!(name)),
                    (hash_path(k).unwrap_or("hashes.MD5"), json!(h)),
                ],
            }
        }
        "filename" => Observable::one("file", "name", value),
        "mutex" => Observable::one("mutex", "name", value),
        "regkey" => Observable::one("windows-registry-key", "key", value),
        "regkey|value" => {
            let (k, v) = value
                .split_once('|')
                .ok_or_else(|| format!("{value:?} is not regkey|value"))?;
            Observable {
                sco_type: "windows-registry-key",
                props: vec![("key", json!(k)), ("values[*].data", json!(v))],
            }
        }
        "mac-address" => Observable::one("mac-addr", "value", value.to_ascii_lowercase()),
        "AS" => {
            let n: u64 = value
                .trim()
                .trim_start_matches("AS")
                .parse()
                .map_err(|_| format!("{value:?} is not an AS number"))?;
            Observable::one("autonomous-system", "number", n)
        }
        _ => return Ok(None),
    };
    Ok(Some(o))
}

/// The STIX form of a galaxy cluster, if its galaxy type has one.
fn cluster_object(
    galaxy_type: &str,
    c: &Map<String, Value>,
    at: &str,
    shared: &BTreeSet<Uuid>,
) -> Result<Option<StixObject>, MispError> {
    let kind = if galaxy_type == "threat-actor" || galaxy_type.ends_with("intrusion-set") {
        "intrusion-set"
    } else if galaxy_type.ends_with("attack-pattern") {
        "attack-pattern"
    } else if galaxy_type.ends_with("malware")
        || galaxy_type == "malpedia"
        || galaxy_type == "ransomware"
    {
        "malware"
    } else if galaxy_type.ends_with("tool") {
        "tool"
    } else {
        return Ok(None);
    };
    let value = str_of(c, "value").ok_or_else(|| err(at, "cluster without a value"))?;
    // Older exports give every cluster its galaxy's uuid: then the id comes
    // from the galaxy type and the value.
    let id = match str_of(c, "uuid").and_then(parse_uuid) {
        Some(u) if !shared.contains(&u) => format!("{kind}--{u}"),
        _ => derived_id(kind, &format!("{galaxy_type}:{value}")),
    };
    let epoch = "1970-01-01T00:00:00.000Z";
    // ATT&CK clusters are named "Name - T1234".
    let (name, external_id) = match value.rsplit_once(" - ") {
        Some((n, id))
            if id.starts_with(['T', 'G', 'S'])
                && id[1..].chars().all(|ch| ch.is_ascii_digit() || ch == '.') =>
        {
            (n, Some(id))
        }
        _ => (value, None),
    };
    let mut v = json!({
        "type": kind, "spec_version": "2.1", "id": id,
        "created": epoch, "modified": epoch, "name": name,
    });
    if let Some(d) = str_of(c, "description") {
        v["description"] = json!(d);
    }
    if kind == "malware" {
        v["is_family"] = json!(true);
    }
    let meta = c.get("meta").and_then(Value::as_object);
    if kind == "intrusion-set"
        && let Some(syn) = meta
            .and_then(|m| m.get("synonyms"))
            .and_then(Value::as_array)
    {
        let aliases: Vec<&str> = syn.iter().filter_map(Value::as_str).collect();
        if !aliases.is_empty() {
            v["aliases"] = json!(aliases);
        }
    }
    if let Some(id) = external_id {
        v["external_references"] = json!([{"source_name": "mitre-attack", "external_id": id}]);
    }
    object(v, at).map(Some)
}

/// The clusters of a `Galaxy` list, converted; unconvertible ones rejected.
fn galaxies(m: &Map<String, Value>, at: &str, out: &mut Converted) -> Vec<String> {
    let mut ids = Vec::new();
    for (gi, g) in list(m, "Galaxy") {
        let gat = format!("{at}.Galaxy[{gi}]");
        let Some(gty) = g.get("type").and_then(Value::as_str) else {
            out.rejected.push(err(&gat, "galaxy without a type"));
            continue;
        };
        let clusters = g.get("GalaxyCluster").and_then(Value::as_array);
        // Uuids that do not name one cluster: the galaxy's, and repeated ones.
        let mut shared = BTreeSet::new();
        let mut seen = BTreeSet::new();
        if let Some(u) = g.get("uuid").and_then(Value::as_str).and_then(parse_uuid) {
            shared.insert(u);
        }
        for c in clusters.into_iter().flatten() {
            if let Some(u) = c.get("uuid").and_then(Value::as_str).and_then(parse_uuid)
                && !seen.insert(u)
            {
                shared.insert(u);
            }
        }
        for (ci, c) in clusters.into_iter().flatten().enumerate() {
            let cat = format!("{gat}.GalaxyCluster[{ci}]");
            let Some(c) = c.as_object() else {
                out.rejected.push(err(&cat, "expected an object"));
                continue;
            };
            match cluster_object(gty, c, &cat, &shared) {
                Ok(Some(o)) => {
                    if let Some(id) = o.id() {
                        ids.push(id.to_owned());
                    }
                    out.objects.push(o);
                }
                Ok(None) => {}
                Err(e) => out.rejected.push(e),
            }
        }
    }
    ids
}

/// A MISP uuid as a STIX id's UUID. STIX 2.1 requires an RFC 4122 UUID of
/// version 1 to 5; a uuid MISP accepted that is not one is mapped to a
/// UUIDv5 of itself, so the same input still gives the same id.
fn parse_uuid(s: &str) -> Option<Uuid> {
    let u = Uuid::parse_str(s.trim()).ok()?;
    Some(
        if u.get_variant() == uuid::Variant::RFC4122 && (1..=5).contains(&u.get_version_num()) {
            u
        } else {
            Uuid::new_v5(&NAMESPACE, u.as_bytes())
        },
    )
}

/// A converted object, checked: the input's values reach STIX properties
/// with rules of their own (a `url` value must be a URI), so a conversion
/// that breaks one is the input's fault, named at `at`.
fn object(v: Value, at: &str) -> Result<StixObject, MispError> {
    let o = StixObject::from_value(v).map_err(|e| err(at, e.to_string()))?;
    let report = yagura_stix::validate::validate_object(o.properties(), &Default::default());
    match report.errors.first() {
        None => Ok(o),
        Some(f) => Err(err(
            at,
            format!("{} {}: {}", o.object_type(), f.path, f.message),
        )),
    }
}

fn derived_id(ty: &str, key: &str) -> String {
    format!("{ty}--{}", Uuid::new_v5(&NAMESPACE, key.as_bytes()))
}

fn marking(tlp: Option<Tlp>) -> Option<Value> {
    tlp.map(|t| json!([t.v2_id()]))
}

/// Converts one event. The error is for an event that cannot be read at
/// all; problems with single attributes are in [`Converted::rejected`].
pub fn convert_event(event: &Value, at: &str) -> Result<Converted, MispError> {
    let e = event
        .as_object()
        .ok_or_else(|| err(at, "expected an object"))?;
    let uuid = str_of(e, "uuid")
        .and_then(parse_uuid)
        .ok_or_else(|| err(&join(at, "uuid"), "missing or not a UUID"))?;
    let when = timestamp(e.get("timestamp"))
        .or_else(|| timestamp(e.get("date")))
        .ok_or_else(|| err(&join(at, "timestamp"), "missing or not a time"))?;
    let (event_tlp, event_labels) = tags(e);
    let mut out = Converted::default();

    let creator = e.get("Orgc").and_then(Value::as_object).and_then(|o| {
        let id = format!("identity--{}", parse_uuid(str_of(o, "uuid")?)?);
        Some((
            id,
            str_of(o, "name")
                .unwrap_or("unknown organization")
                .to_owned(),
        ))
    });
    if let Some((id, name)) = &creator {
        let v = json!({"type": "identity", "spec_version": "2.1", "id": id,
            "created": stamp(when), "modified": stamp(when), "name": name,
            "identity_class": "organization"});
        match object(v, &join(at, "Orgc")) {
            Ok(o) => out.objects.push(o),
            Err(e) => out.rejected.push(e),
        }
    }
    let event_clusters = galaxies(e, at, &mut out);
    let mut links = Vec::new();

    // Top-level attributes, then those of MISP objects.
    let mut attributes: Vec<(String, &Map<String, Value>, Option<&str>)> = Vec::new();
    for (i, a) in list(e, "Attribute") {
        let aat = format!("{}[{i}]", join(at, "Attribute"));
        match a.as_object() {
            Some(a) => attributes.push((aat, a, None)),
            None => out.rejected.push(err(&aat, "expected an object")),
        }
    }
    for (oi, o) in list(e, "Object") {
        let oat = format!("{}[{oi}]", join(at, "Object"));
        let Some(o) = o.as_object() else {
            out.rejected.push(err(&oat, "expected an object"));
            continue;
        };
        if truthy(o.get("deleted")) {
            continue;
        }
        let name = str_of(o, "name");
        for (i, a) in list(o, "Attribute") {
            let aat = format!("{oat}.Attribute[{i}]");
            match a.as_object() {
                Some(a) => attributes.push((aat, a, name)),
                None => out.rejected.push(err(&aat, "expected an object")),
            }
        }
    }

    for (aat, a, object_name) in attributes {
        if truthy(a.get("deleted")) {
            continue;
        }
        let (Some(ty), Some(value)) = (str_of(a, "type"), str_of(a, "value")) else {
            out.rejected
                .push(err(&aat, "attribute without a type or value"));
            continue;
        };
        if ty == "link" {
            links.push(value.to_owned());
            continue;
        }
        let obs = match observable(ty, value) {
            Ok(Some(o)) => o,
            Ok(None) => {
                *out.unmapped.entry(ty.to_owned()).or_default() += 1;
                continue;
            }
            Err(why) => {
                out.rejected.push(err(&aat, format!("{ty}: {why}")));
                continue;
            }
        };
        let (own_tlp, own_labels) = tags(a);
        let tlp = event_tlp.max(own_tlp);
        if !truthy(a.get("to_ids")) {
            if let Some(mut sco) = obs.sco().map(StixObject::into_value) {
                if let Some(m) = marking(tlp) {
                    sco["object_marking_refs"] = m;
                }
                match object(sco, &aat) {
                    Ok(o) => out.objects.push(o),
                    Err(e) => out.rejected.push(e),
                }
            }
            continue;
        }
        let Some(auuid) = str_of(a, "uuid").and_then(parse_uuid) else {
            out.rejected
                .push(err(&join(&aat, "uuid"), "missing or not a UUID"));
            continue;
        };
        let created = timestamp(a.get("timestamp")).unwrap_or(when);
        let valid_from = timestamp(a.get("first_seen")).unwrap_or(created);
        let id = format!("indicator--{auuid}");
        let mut v = json!({
            "type": "indicator", "spec_version": "2.1", "id": id,
            "created": stamp(created), "modified": stamp(created),
            "name": value, "indicator_types": ["malicious-activity"],
            "pattern": obs.pattern(), "pattern_type": "stix", "valid_from": stamp(valid_from),
            "x_misp_type": ty,
        });
        if let Some(last) = timestamp(a.get("last_seen")).filter(|l| *l > valid_from) {
            v["valid_until"] = json!(stamp(last));
        }
        if let Some(c) = str_of(a, "comment") {
            v["description"] = json!(c);
        }
        if let Some(c) = str_of(a, "category") {
            v["x_misp_category"] = json!(c);
        }
        if let Some(n) = object_name {
            v["x_misp_object"] = json!(n);
        }
        let labels: BTreeSet<&String> = event_labels.iter().chain(own_labels.iter()).collect();
        if !labels.is_empty() {
            v["labels"] = json!(labels);
        }
        if let Some(m) = marking(tlp) {
            v["object_marking_refs"] = m;
        }
        if let Some((org, _)) = &creator {
            v["created_by_ref"] = json!(org);
        }
        let indicator = match object(v, &aat) {
            Ok(o) => o,
            Err(e) => {
                out.rejected.push(e);
                continue;
            }
        };
        out.objects.push(indicator);
        for target in galaxies(a, &aat, &mut out) {
            let mut rel = json!({
                "type": "relationship", "spec_version": "2.1",
                "id": derived_id("relationship", &format!("{id} indicates {target}")),
                "created": stamp(created), "modified": stamp(created),
                "relationship_type": "indicates", "source_ref": id, "target_ref": target,
            });
            // Saying that this indicator points at the actor is as
            // sensitive as the indicator.
            if let Some(m) = marking(tlp) {
                rel["object_marking_refs"] = m;
            }
            match object(rel, &aat) {
                Ok(o) => out.objects.push(o),
                Err(e) => out.rejected.push(e),
            }
        }
        sightings(a, &aat, &id, tlp, &mut out);
    }

    let mut refs: Vec<String> = out
        .objects
        .iter()
        .filter_map(|o| o.id().map(str::to_owned))
        .collect();
    refs.extend(event_clusters);
    refs.sort();
    refs.dedup();
    if refs.is_empty() {
        return Ok(out);
    }
    let published = if truthy(e.get("published")) {
        timestamp(e.get("publish_timestamp")).or_else(|| timestamp(e.get("date")))
    } else {
        timestamp(e.get("date"))
    }
    .unwrap_or(when);
    let mut report = json!({
        "type": "report", "spec_version": "2.1", "id": format!("report--{uuid}"),
        "created": stamp(when), "modified": stamp(when),
        "name": str_of(e, "info").unwrap_or("MISP event"),
        "report_types": ["threat-report"], "published": stamp(published),
        "object_refs": refs,
    });
    if !event_labels.is_empty() {
        report["labels"] = json!(event_labels);
    }
    if let Some(m) = marking(event_tlp) {
        report["object_marking_refs"] = m;
    }
    if let Some((org, _)) = &creator {
        report["created_by_ref"] = json!(org);
    }
    let mut ext = vec![
        json!({"source_name": "misp", "external_id": str_of(e, "uuid").unwrap_or_default().trim()}),
    ];
    ext.extend(
        links
            .iter()
            .map(|l| json!({"source_name": "link", "url": l})),
    );
    report["external_references"] = json!(ext);
    match object(report, at) {
        Ok(o) => out.objects.push(o),
        Err(e) => out.rejected.push(e),
    }
    Ok(out)
}

/// Sightings of type 0 ("seen") of an attribute's indicator.
fn sightings(
    a: &Map<String, Value>,
    at: &str,
    indicator: &str,
    tlp: Option<Tlp>,
    out: &mut Converted,
) {
    for (i, s) in list(a, "Sighting") {
        let sat = format!("{at}.Sighting[{i}]");
        let Some(s) = s.as_object() else {
            out.rejected.push(err(&sat, "expected an object"));
            continue;
        };
        let kind = s
            .get("type")
            .map(|t| t.as_str().map_or_else(|| t.to_string(), str::to_owned));
        if kind.as_deref().is_some_and(|k| k != "0") {
            // False positives (1) and expirations (2) are not sightings.
            continue;
        }
        let Some(seen) = timestamp(s.get("date_sighting")) else {
            out.rejected.push(err(&sat, "missing or bad date_sighting"));
            continue;
        };
        let id = match str_of(s, "uuid").and_then(parse_uuid) {
            Some(u) => format!("sighting--{u}"),
            None => derived_id(
                "sighting",
                &format!("{indicator} {} {i}", seen.unix_seconds()),
            ),
        };
        let mut v = json!({
            "type": "sighting", "spec_version": "2.1", "id": id,
            "created": stamp(seen), "modified": stamp(seen),
            "first_seen": stamp(seen), "last_seen": stamp(seen), "count": 1,
            "sighting_of_ref": indicator,
        });
        let org = s
            .get("Organisation")
            .and_then(Value::as_object)
            .and_then(|o| parse_uuid(str_of(o, "uuid")?));
        if let Some(org) = org {
            v["where_sighted_refs"] = json!([format!("identity--{org}")]);
        }
        if let Some(m) = marking(tlp) {
            v["object_marking_refs"] = m;
        }
        match object(v, &sat) {
            Ok(o) => out.objects.push(o),
            Err(e) => out.rejected.push(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/test-data/misp/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).expect("fixture")
    }

    fn by_id<'a>(c: &'a Converted, id: &str) -> &'a StixObject {
        c.objects
            .iter()
            .find(|o| o.id() == Some(id))
            .unwrap_or_else(|| panic!("{id} missing"))
    }

    fn converted() -> Converted {
        let events = read_events(&fixture("event.json")).expect("events");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].0, "Event");
        convert_event(&events[0].1, &events[0].0).expect("converts")
    }

    #[test]
    fn an_event_becomes_valid_stix() {
        let c = converted();
        assert!(c.rejected.is_empty(), "{:?}", c.rejected);
        for o in &c.objects {
            let report =
                yagura_stix::validate::validate_object(o.properties(), &Default::default());
            assert!(report.is_valid(), "{:?}: {:?}", o.id(), report.errors);
        }
        // text is counted, link goes to the report, the deleted url is gone.
        assert_eq!(c.unmapped.get("text"), Some(&1));
        assert!(
            !c.objects
                .iter()
                .any(|o| o.get_str("pattern").is_some_and(|p| p.contains("gate.php")))
        );

        let ip = by_id(&c, "indicator--5a1f0c3e-0001-4c8e-9f10-aa00bb11cc22");
        assert_eq!(
            ip.get_str("pattern"),
            Some("[ipv4-addr:value = '203.0.113.77']")
        );
        assert_eq!(ip.get_str("description"), Some("C2"));
        // The attribute's tlp:red wins over the event's tlp:amber.
        assert_eq!(
            ip.get("object_marking_refs"),
            Some(&json!([Tlp::Red.v2_id()]))
        );
        assert_eq!(
            ip.get_str("created_by_ref"),
            Some("identity--0b7c3a52-1e0f-4c1d-8a4b-0f6e2d9c7a11")
        );
        let md5 = by_id(&c, "indicator--5a1f0c3e-0002-4c8e-9f10-aa00bb11cc22");
        assert_eq!(
            md5.get_str("pattern"),
            Some("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']")
        );
        assert_eq!(
            md5.get("object_marking_refs"),
            Some(&json!([Tlp::Amber.v2_id()]))
        );
        assert!(
            md5.get("labels")
                .is_some_and(|l| l.to_string().contains("phishing"))
        );
        let file = by_id(&c, "indicator--5a1f0c3e-0b01-4c8e-9f10-aa00bb11cc22");
        assert_eq!(
            file.get_str("pattern"),
            Some(
                "[file:name = 'invoice.doc' AND file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"
            )
        );
        assert_eq!(file.get_str("x_misp_object"), Some("file"));

        // to_ids false: an SCO with its deterministic id, not an indicator.
        let domain = c
            .objects
            .iter()
            .find(|o| o.object_type() == "domain-name")
            .expect("domain SCO");
        assert_eq!(domain.get_str("value"), Some("update.example-cdn.jp"));
        assert!(!c.objects.iter().any(|o| {
            o.object_type() == "indicator"
                && o.get_str("pattern")
                    .is_some_and(|p| p.contains("example-cdn"))
        }));

        // The attribute's actor is linked; the event's technique is in the report.
        let actor = by_id(&c, "intrusion-set--b0b9b1c8-4b2e-4d8a-9f55-3c7b2b1e7a10");
        assert_eq!(
            actor.get("aliases"),
            Some(&json!(["menuPass", "Stone Panda"]))
        );
        assert!(c.objects.iter().any(|o| o.object_type() == "relationship"
            && o.get_str("source_ref") == ip.id()
            && o.get_str("target_ref") == actor.id()
            && o.get_str("relationship_type") == Some("indicates")
            && o.get("object_marking_refs") == Some(&json!([Tlp::Red.v2_id()]))));
        let technique = by_id(&c, "attack-pattern--2e34237d-8574-43f6-aace-ae2915de8597");
        assert_eq!(technique.get_str("name"), Some("Spearphishing Attachment"));
        assert_eq!(
            technique.get("external_references"),
            Some(&json!([{"source_name": "mitre-attack", "external_id": "T1566.001"}]))
        );

        // One sighting: the false positive is not one.
        let sightings: Vec<_> = c
            .objects
            .iter()
            .filter(|o| o.object_type() == "sighting")
            .collect();
        assert_eq!(sightings.len(), 1);
        assert_eq!(sightings[0].get_str("sighting_of_ref"), md5.id());
        assert_eq!(
            sightings[0].get_str("first_seen"),
            Some("2026-03-03T00:00:00.000Z")
        );

        let report = by_id(&c, "report--5a1f0c3e-7d2b-4c8e-9f10-aa00bb11cc22");
        assert_eq!(
            report.get_str("published"),
            Some("2026-03-02T01:00:00.000Z")
        );
        let refs = report.get("object_refs").expect("refs").to_string();
        for o in &c.objects {
            if o.object_type() != "report" {
                assert!(
                    refs.contains(o.id().expect("id")),
                    "{:?} not in the report",
                    o.id()
                );
            }
        }
        assert!(
            report
                .get("external_references")
                .is_some_and(|e| e.to_string().contains("analysis/42"))
        );
        // Converting again gives the same objects.
        assert_eq!(converted().objects, c.objects);
    }

    #[test]
    fn bad_input_names_where() {
        let e = read_events("{\"Event\": {\n  \"uuid\": ").expect_err("truncated");
        assert!(e.at.starts_with("line 2"), "{e}");
        let e = read_events("[{\"Event\": 3}]").expect_err("not an object");
        assert_eq!(e.at, "[0].Event");
        let e = read_events("{\"response\": [{\"nope\": 1}]}").expect_err("not an event");
        assert_eq!(e.at, "response[0]");
        let events =
            read_events("{\"Event\": {\"info\": \"x\", \"timestamp\": \"1\"}}").expect("read");
        let e = convert_event(&events[0].1, &events[0].0).expect_err("no uuid");
        assert_eq!(e.to_string(), "Event.uuid: missing or not a UUID");

        // Found by `cargo fuzz run misp_convert`: a value that fits its
        // MISP type loosely but breaks a STIX rule is that attribute's error.
        let text = r#"{"Event": {"uuid": "5a1f0c3e-7d2b-4c8e-9f10-aa00bb11cc22", "timestamp": "1",
            "Attribute": [{"uuid": "5a1f0c3e-0001-4c8e-9f10-aa00bb11cc22", "type": "url",
                "value": "http://fot .website.com/x", "to_ids": false}]}}"#;
        let events = read_events(text).expect("read");
        let c = convert_event(&events[0].1, &events[0].0).expect("converts");
        assert_eq!(c.rejected.len(), 1);
        assert_eq!(c.rejected[0].at, "Event.Attribute[0]");
        assert!(
            c.rejected[0].message.contains("not a URI"),
            "{}",
            c.rejected[0]
        );

        let events = read_events(&fixture("bad-attribute.json")).expect("read");
        let c = convert_event(&events[0].1, &events[0].0).expect("converts");
        assert_eq!(c.rejected.len(), 1);
        assert_eq!(c.rejected[0].at, "Event.Attribute[1]");
        assert!(
            c.rejected[0].message.contains("not-an-address"),
            "{}",
            c.rejected[0]
        );
        assert!(
            by_id(&c, "indicator--5a1f0c3e-0001-4c8e-9f10-aa00bb11cc99")
                .get("pattern")
                .is_some()
        );
    }

    #[test]
    fn uuids_without_the_rfc_4122_variant_still_give_valid_ids() {
        // Found by `cargo fuzz run misp_convert`: MISP stores such uuids,
        // STIX ids may not carry them.
        let text = r#"{"Event": {"uuid": "5a1f0c3e-7d2b-4c8e-1f10-aa00bb11cc22", "timestamp": "1",
            "Orgc": {"name": "X", "uuid": "55f6ea5e-2c60-40e5-496f-47a8950d210f"},
            "Attribute": [{"uuid": "5a1f0c3e-0001-4c8e-0f10-aa00bb11cc22", "type": "domain",
                "value": "a.example", "to_ids": true},
                {"uuid": "5a1f0c3e-0002-6c8e-9f10-aa00bb11cc22", "type": "domain",
                "value": "b.example", "to_ids": true}]}}"#;
        let events = read_events(text).expect("read");
        let c = convert_event(&events[0].1, &events[0].0).expect("converts");
        assert_eq!(c.objects.len(), 4);
        for o in &c.objects {
            let report =
                yagura_stix::validate::validate_object(o.properties(), &Default::default());
            assert!(report.is_valid(), "{:?}: {:?}", o.id(), report.errors);
        }
        let again = convert_event(&events[0].1, &events[0].0).expect("converts");
        assert_eq!(again.objects, c.objects, "the same ids every time");
    }

    #[test]
    fn sniffs_misp_json() {
        for yes in [
            "{\"Event\": {",
            " [ {\"Event\"",
            "{\n  \"Attribute\": [",
            "{\"response\":[",
            "\u{feff}{\"info\": \"x\"",
        ] {
            assert!(looks_like_misp(yes.as_bytes()), "{yes}");
        }
        for no in [
            "{\"type\": \"bundle\"",
            "[{\"type\": \"indicator\"",
            "{}",
            "",
            "id,value",
        ] {
            assert!(!looks_like_misp(no.as_bytes()), "{no}");
        }
    }
}
