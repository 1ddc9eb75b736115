//! Best practices (the specification's SHOULDs), each a named check that
//! can be disabled, with the names and grouping the OASIS validator uses.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{Ctx, Finding, Options, Report};
use crate::catalog::{self, Category, Kind};
use crate::id::Identifier;

/// Checks in the `format-checks` group.
const FORMAT_CHECKS: &[&str] = &[
    "uuid-check",
    "open-vocab-format",
    "kill-chain-names",
    "observable-object-keys",
    "observable-dictionary-keys",
    "malware-analysis-product",
    "windows-process-priority-format",
    "hash-length",
];

/// Checks in the `all-vocabs` group.
const VOCAB_CHECKS: &[&str] = &[
    "attack-motivation",
    "attack-resource-level",
    "grouping-context",
    "identity-class",
    "implementation-languages",
    "indicator-pattern-types",
    "indicator-types",
    "industry-sector",
    "infrastructure-types",
    "malware-capabilities",
    "malware-result",
    "malware-types",
    "processor-architecture",
    "region",
    "report-types",
    "threat-actor-role",
    "threat-actor-sophistication",
    "threat-actor-types",
    "tool-types",
    "hash-algo",
    "windows-pebinary-type",
    "account-type",
    "indicator-label",
    "malware-label",
    "report-label",
    "threat-actor-label",
    "tool-label",
];

/// Checks in the `all-external-sources` group.
const EXTERNAL_SOURCE_CHECKS: &[&str] = &[
    "mime-type",
    "protocols",
    "ipfix",
    "http-request-headers",
    "socket-options",
    "pdf-doc-info",
    "countries",
];

/// Checks in the `approved-values` group besides the two above.
const APPROVED_VALUE_CHECKS: &[&str] = &[
    "marking-definition-type",
    "relationship-types",
    "duplicate-ids",
];

/// Checks run when nothing is enabled or disabled (the custom-prefix checks
/// run only when `extensions-use` is disabled).
const DEFAULT_OTHERS: &[&str] = &[
    "network-traffic-ports",
    "extref-hashes",
    "indicator-properties",
    "deprecated-properties",
    "extension-description",
    "extension-properties",
    "extensions-use",
];

fn group(name: &str, v20: bool) -> Option<Vec<&'static str>> {
    Some(match name {
        "format-checks" if v20 => [FORMAT_CHECKS, &["custom-prefix"]].concat(),
        "format-checks" => FORMAT_CHECKS.to_vec(),
        "all-vocabs" => VOCAB_CHECKS.to_vec(),
        "all-external-sources" => EXTERNAL_SOURCE_CHECKS.to_vec(),
        "approved-values" => [APPROVED_VALUE_CHECKS, VOCAB_CHECKS, EXTERNAL_SOURCE_CHECKS].concat(),
        "all" => [
            FORMAT_CHECKS,
            APPROVED_VALUE_CHECKS,
            VOCAB_CHECKS,
            EXTERNAL_SOURCE_CHECKS,
            DEFAULT_OTHERS,
        ]
        .concat(),
        _ => return None,
    })
}

/// Whether `check` runs: all checks by default; with `disabled`, all but
/// those (and their groups), the naming checks replacing `extensions-use`
/// when it is disabled; `enabled` adds checks (or groups).
pub(crate) fn runs(options: &Options, check: &str) -> bool {
    let v20 = options.version == crate::StixVersion::V2_0;
    let named = |list: &[String]| {
        list.iter()
            .any(|n| n == check || group(n, v20).is_some_and(|g| g.contains(&check)))
    };
    if named(&options.enabled) {
        return true;
    }
    // STIX 2.0 has no extensions: its validator checks custom names instead.
    let v21_only = [
        "extensions-use",
        "uuid-check",
        "extension-description",
        "extension-properties",
        "indicator-properties",
        "deprecated-properties",
    ];
    if v20 && v21_only.contains(&check) {
        return false;
    }
    if options.disabled.is_empty() {
        if !options.enabled.is_empty() {
            return false;
        }
        return if v20 {
            check != "custom-prefix-lax"
        } else {
            !matches!(check, "custom-prefix" | "custom-prefix-lax")
        };
    }
    if options.disabled.iter().any(|d| d == "all") || named(&options.disabled) {
        return false;
    }
    let disabled = |name: &str| options.disabled.iter().any(|d| d == name);
    if v20 {
        return match check {
            "custom-prefix" => !disabled("format-checks"),
            "custom-prefix-lax" => disabled("custom-prefix") && !disabled("format-checks"),
            _ => true,
        };
    }
    match check {
        // With --disable the reference no longer runs these three.
        "uuid-check" | "extension-description" | "extension-properties" => false,
        "custom-prefix" => options.disabled.iter().any(|d| d == "extensions-use"),
        "custom-prefix-lax" => {
            options.disabled.iter().any(|d| d == "extensions-use")
                && options.disabled.iter().any(|d| d == "custom-prefix")
        }
        _ => true,
    }
}

/// Whether `name` is a best-practice check or group the options may name.
pub(crate) fn known_check(name: &str) -> bool {
    group(name, true).is_some()
        || [
            FORMAT_CHECKS,
            VOCAB_CHECKS,
            EXTERNAL_SOURCE_CHECKS,
            APPROVED_VALUE_CHECKS,
            DEFAULT_OTHERS,
        ]
        .iter()
        .any(|g| g.contains(&name))
        || matches!(
            name,
            "custom-prefix" | "custom-prefix-lax" | "encryption-algo"
        )
}

/// Whether an open-vocabulary value has the suggested form.
fn vocab_form_ok(v: &str) -> bool {
    has_lower(v) && !v.chars().any(char::is_uppercase) && !v.contains('_') && !v.contains(' ')
}

fn has_lower(v: &str) -> bool {
    v.chars().any(char::is_lowercase)
}

fn vocab_check_name(vocab: &str) -> Option<&'static str> {
    Some(match vocab {
        "attack-motivation-ov" => "attack-motivation",
        "attack-resource-level-ov" => "attack-resource-level",
        "grouping-context-ov" => "grouping-context",
        "identity-class-ov" => "identity-class",
        "implementation-language-ov" => "implementation-languages",
        "indicator-type-ov" => "indicator-types",
        "industry-sector-ov" => "industry-sector",
        "infrastructure-type-ov" => "infrastructure-types",
        "malware-capabilities-ov" => "malware-capabilities",
        "malware-result-ov" => "malware-result",
        "malware-type-ov" => "malware-types",
        "pattern-type-ov" => "indicator-pattern-types",
        "processor-architecture-ov" => "processor-architecture",
        "region-ov" => "region",
        "report-type-ov" => "report-types",
        "threat-actor-role-ov" => "threat-actor-role",
        "threat-actor-sophistication-ov" => "threat-actor-sophistication",
        "threat-actor-type-ov" => "threat-actor-types",
        "tool-type-ov" => "tool-types",
        "account-type-ov" => "account-type",
        _ => return None,
    })
}

/// Open-vocabulary properties whose values must have the suggested form
/// (`open-vocab-format`), beyond the vocabularies themselves.
fn format_checked(ty: &str, prop: &str) -> bool {
    !matches!(
        (ty, prop),
        ("indicator", "pattern_type")
            | (
                "malware",
                "architecture_execution_envs" | "implementation_languages" | "capabilities"
            )
            | ("malware-analysis", "result")
            | ("grouping", "context")
            | ("user-account", "account_type")
    ) || matches!((ty, prop), ("malware", _))
}

/// Best practices on one object.
pub(crate) fn object(map: &Map<String, Value>, ty: &str, ctx: &mut Ctx<'_>) {
    let v21 = ctx.v21();
    // Vocabularies and their value form.
    if let Some(props) = catalog::all_props(ty) {
        for prop in props {
            let Some(value) = map.get(prop.name) else {
                continue;
            };
            let vocab = match prop.kind {
                Kind::Vocab(v) | Kind::VocabList(v) => v,
                _ => continue,
            };
            let values: Vec<&str> = match value {
                Value::String(s) => vec![s.as_str()],
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                _ => continue,
            };
            if vocab.name != "pattern-type-ov"
                && vocab.name != "account-type-ov"
                && format_checked(ty, prop.name)
            {
                for v in &values {
                    if !vocab_form_ok(v) {
                        ctx.should("open-vocab-format", prop.name, format!("open vocabulary value {v:?} should be all lower case, with hyphens between words"));
                    }
                }
            }
            if let Some(check) = vocab_check_name(vocab.name)
                && values.iter().any(|v| !vocab.values.contains(v))
            {
                ctx.should(
                    check,
                    prop.name,
                    format!(
                        "a value of {} is permitted but is not in the {} vocabulary",
                        prop.name, vocab.name
                    ),
                );
            }
        }
    }
    if !v21 {
        labels_v20(map, ty, ctx);
    }
    kill_chain_names(map, ty, ctx);
    if v21 {
        uuid_versions(map, ty, ctx);
    }
    if ty == "relationship" {
        relationship_type(map, ctx);
    }
    if ty == "marking-definition"
        && let Some(dt) = map.get("definition_type").and_then(Value::as_str)
        && !["statement", "tlp"].contains(&dt)
    {
        ctx.should(
            "marking-definition-type",
            "definition_type",
            "definition_type should be statement or tlp",
        );
    }
    if ty == "malware-analysis"
        && let Some(p) = map.get("product").and_then(Value::as_str)
        && (p.chars().any(char::is_uppercase) || p.contains(' ') || p.contains('_'))
    {
        ctx.should(
            "malware-analysis-product",
            "product",
            format!("product {p:?} should be lower case with words separated by hyphens"),
        );
    }
    if ty == "indicator" && (!map.contains_key("name") || !map.contains_key("description")) {
        ctx.should(
            "indicator-properties",
            "",
            "an indicator should have both name and description",
        );
    }
    if v21 && ty == "observed-data" && map.contains_key("objects") {
        ctx.should(
            "deprecated-properties",
            "objects",
            "objects is deprecated in STIX 2.1: use object_refs",
        );
    }
    if let Some(Value::Array(refs)) = map.get("external_references") {
        for (i, r) in refs.iter().enumerate() {
            if r.get("url").is_some() && r.get("hashes").is_none() {
                ctx.should(
                    "extref-hashes",
                    format!("external_references[{i}]"),
                    "an external reference with a url should have hashes",
                );
                break;
            }
        }
    }
    if v21 && catalog::category(ty) == Category::Sco {
        observable(map, ty, ctx, "");
    }
    if ty == "observed-data"
        && let Some(Value::Object(objects)) = map.get("objects")
    {
        for key in objects.keys() {
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
                ctx.should(
                    "observable-object-keys",
                    "objects",
                    format!("observable key {key:?} should be a non-negative integer"),
                );
            }
        }
    }
    if v21
        && ty == "extension-definition"
        && map
            .get("extension_types")
            .and_then(Value::as_array)
            .is_some_and(|t| t.iter().any(|t| t == "toplevel-property-extension"))
        && map
            .get("extension_properties")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
    {
        ctx.should(
            "extension-properties",
            "extension_properties",
            "a toplevel-property-extension should list its property names in extension_properties",
        );
    }
    if v21 && ty == "extension-definition" && !map.contains_key("description") {
        ctx.should(
            "extension-description",
            "",
            "an extension definition should have a description",
        );
    }
    if v21
        && ty == "marking-definition"
        && !map.contains_key("extensions")
        && !matches!(
            map.get("definition_type").and_then(Value::as_str),
            Some("statement" | "tlp")
        )
    {
        ctx.should(
            "extensions-use",
            "",
            "custom marking definitions should use the extensions property",
        );
    }
}

/// STIX 2.0 carries the type vocabularies in `labels`.
fn labels_v20(map: &Map<String, Value>, ty: &str, ctx: &mut Ctx<'_>) {
    let (vocab, check): (&catalog::Vocab, &'static str) = match ty {
        "indicator" => (&catalog::INDICATOR_TYPE, "indicator-label"),
        "malware" => (&catalog::MALWARE_TYPE, "malware-label"),
        "report" => (&catalog::REPORT_TYPE, "report-label"),
        "threat-actor" => (&catalog::THREAT_ACTOR_TYPE, "threat-actor-label"),
        "tool" => (&catalog::TOOL_TYPE, "tool-label"),
        _ => return,
    };
    let Some(Value::Array(labels)) = map.get("labels") else {
        return;
    };
    let values: Vec<&str> = labels.iter().filter_map(Value::as_str).collect();
    for v in &values {
        if !vocab_form_ok(v) {
            ctx.should("open-vocab-format", "labels", format!("open vocabulary value {v:?} should be all lower case, with hyphens between words"));
        }
    }
    if values.iter().any(|v| !vocab.values.contains(v)) {
        ctx.should(
            check,
            "labels",
            format!(
                "a label is permitted but is not in the {} vocabulary",
                vocab.name
            ),
        );
    }
}

fn kill_chain_names(map: &Map<String, Value>, ty: &str, ctx: &mut Ctx<'_>) {
    if ![
        "attack-pattern",
        "indicator",
        "infrastructure",
        "malware",
        "tool",
    ]
    .contains(&ty)
    {
        return;
    }
    let Some(Value::Array(phases)) = map.get("kill_chain_phases") else {
        return;
    };
    for phase in phases {
        for key in ["kill_chain_name", "phase_name"] {
            if let Some(v) = phase.get(key).and_then(Value::as_str)
                && !vocab_form_ok(v)
            {
                ctx.should(
                    "kill-chain-names",
                    "kill_chain_phases",
                    format!("{key} {v:?} should be all lower case, with hyphens between words"),
                );
            }
        }
    }
}

/// SDOs, SROs and meta objects use UUIDv4; SCOs UUIDv5 (process: v4).
fn uuid_versions(map: &Map<String, Value>, ty: &str, ctx: &mut Ctx<'_>) {
    let Some(id) = map
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| Identifier::parse(s).ok())
    else {
        return;
    };
    let version = id.uuid().get_version_num();
    let sco = catalog::category(ty) == Category::Sco && ty != "process";
    if sco && version != 5 {
        ctx.should(
            "uuid-check",
            "id",
            format!("cyber-observable id {id} should be a UUIDv5"),
        );
    } else if !sco && catalog::category(ty) != Category::Sco && version != 4 {
        ctx.should("uuid-check", "id", format!("id {id} should be a UUIDv4"));
    }
}

/// The relationships the specification suggests: (source, type, targets).
const RELATIONSHIPS: &[(&str, &str, &[&str])] = &[
    ("attack-pattern", "delivers", &["malware"]),
    (
        "attack-pattern",
        "targets",
        &["location", "vulnerability", "identity"],
    ),
    ("attack-pattern", "uses", &["malware", "tool"]),
    (
        "campaign",
        "attributed-to",
        &["intrusion-set", "threat-actor"],
    ),
    ("campaign", "compromises", &["infrastructure"]),
    ("campaign", "originates-from", &["location"]),
    (
        "campaign",
        "targets",
        &["location", "identity", "vulnerability"],
    ),
    (
        "campaign",
        "uses",
        &["attack-pattern", "infrastructure", "malware", "tool"],
    ),
    ("course-of-action", "investigates", &["indicator"]),
    (
        "course-of-action",
        "mitigates",
        &[
            "attack-pattern",
            "indicator",
            "malware",
            "tool",
            "vulnerability",
        ],
    ),
    (
        "course-of-action",
        "remediates",
        &["malware", "vulnerability"],
    ),
    (
        "domain-name",
        "resolves-to",
        &["domain-name", "ipv4-addr", "ipv6-addr"],
    ),
    ("identity", "located-at", &["location"]),
    (
        "indicator",
        "indicates",
        &[
            "attack-pattern",
            "campaign",
            "infrastructure",
            "intrusion-set",
            "malware",
            "threat-actor",
            "tool",
        ],
    ),
    ("indicator", "based-on", &["observed-data"]),
    (
        "infrastructure",
        "communicates-with",
        &[
            "infrastructure",
            "ipv4-addr",
            "ipv6-addr",
            "domain-name",
            "url",
        ],
    ),
    (
        "infrastructure",
        "consists-of",
        &[
            "infrastructure",
            "observed-data",
            "artifact",
            "autonomous-system",
            "directory",
            "domain-name",
            "email-addr",
            "email-message",
            "file",
            "ipv4-addr",
            "ipv6-addr",
            "mac-addr",
            "mutex",
            "network-traffic",
            "process",
            "software",
            "url",
            "user-account",
            "windows-registry-key",
            "x509-certificate",
        ],
    ),
    ("infrastructure", "controls", &["infrastructure", "malware"]),
    ("infrastructure", "delivers", &["malware"]),
    ("infrastructure", "has", &["vulnerability"]),
    ("infrastructure", "hosts", &["tool", "malware"]),
    ("infrastructure", "located-at", &["location"]),
    ("infrastructure", "uses", &["infrastructure"]),
    ("intrusion-set", "attributed-to", &["threat-actor"]),
    ("intrusion-set", "compromises", &["infrastructure"]),
    ("intrusion-set", "hosts", &["infrastructure"]),
    ("intrusion-set", "originates-from", &["location"]),
    ("intrusion-set", "owns", &["infrastructure"]),
    (
        "intrusion-set",
        "targets",
        &["identity", "location", "vulnerability"],
    ),
    (
        "intrusion-set",
        "uses",
        &["attack-pattern", "infrastructure", "malware", "tool"],
    ),
    ("ipv4-addr", "resolves-to", &["mac-addr"]),
    ("ipv4-addr", "belongs-to", &["autonomous-system"]),
    ("ipv6-addr", "resolves-to", &["mac-addr"]),
    ("ipv6-addr", "belongs-to", &["autonomous-system"]),
    ("malware", "authored-by", &["threat-actor", "intrusion-set"]),
    ("malware", "beacons-to", &["infrastructure"]),
    ("malware", "exfiltrates-to", &["infrastructure"]),
    (
        "malware",
        "communicates-with",
        &["ipv4-addr", "ipv6-addr", "domain-name", "url"],
    ),
    ("malware", "controls", &["malware"]),
    ("malware", "downloads", &["malware", "file", "tool"]),
    ("malware", "drops", &["malware", "file", "tool"]),
    ("malware", "exploits", &["vulnerability"]),
    ("malware", "originates-from", &["location"]),
    (
        "malware",
        "targets",
        &["identity", "infrastructure", "location"],
    ),
    (
        "malware",
        "uses",
        &["attack-pattern", "infrastructure", "malware", "tool"],
    ),
    ("malware", "variant-of", &["malware"]),
    ("malware-analysis", "characterizes", &["malware"]),
    ("malware-analysis", "analysis-of", &["malware"]),
    ("malware-analysis", "static-analysis-of", &["malware"]),
    ("malware-analysis", "dynamic-analysis-of", &["malware"]),
    ("threat-actor", "attributed-to", &["identity"]),
    ("threat-actor", "compromises", &["infrastructure"]),
    ("threat-actor", "hosts", &["infrastructure"]),
    ("threat-actor", "owns", &["infrastructure"]),
    ("threat-actor", "impersonates", &["identity"]),
    ("threat-actor", "located-at", &["location"]),
    (
        "threat-actor",
        "targets",
        &["identity", "location", "vulnerability"],
    ),
    (
        "threat-actor",
        "uses",
        &["attack-pattern", "infrastructure", "malware", "tool"],
    ),
    ("tool", "delivers", &["malware"]),
    ("tool", "drops", &["malware"]),
    ("tool", "uses", &["infrastructure"]),
    ("tool", "has", &["vulnerability"]),
    (
        "tool",
        "targets",
        &["identity", "infrastructure", "location", "vulnerability"],
    ),
    ("vulnerability", "impacts", &["infrastructure", "tools"]),
];

fn relationship_type(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let (Some(rt), Some(src), Some(dst)) = (
        map.get("relationship_type").and_then(Value::as_str),
        map.get("source_ref").and_then(Value::as_str),
        map.get("target_ref").and_then(Value::as_str),
    ) else {
        return;
    };
    let (Some((src, _)), Some((dst, _))) = (src.split_once("--"), dst.split_once("--")) else {
        return;
    };
    let non_sdo = |t: &str| catalog::NOT_RELATABLE.contains(&t) || t == "extension-definition";
    if catalog::COMMON_RELATIONSHIPS.contains(&rt) || non_sdo(src) || non_sdo(dst) {
        return;
    }
    let for_source: Vec<_> = RELATIONSHIPS.iter().filter(|(s, _, _)| *s == src).collect();
    let message = if for_source.is_empty() {
        format!("{src:?} is permitted but not a suggested source of a {rt:?} relationship")
    } else {
        match for_source.iter().find(|(_, r, _)| *r == rt) {
            None => format!(
                "{rt:?} is permitted but not a suggested relationship type for {src} objects"
            ),
            Some((_, _, targets)) if !targets.contains(&dst) => {
                format!("{dst:?} is permitted but not a suggested target of {src} {rt:?}")
            }
            Some(_) => return,
        }
    };
    ctx.should("relationship-types", "relationship_type", message);
}

/// SCO best practices (`base` is the object's path when embedded).
pub(crate) fn observable(map: &Map<String, Value>, ty: &str, ctx: &mut Ctx<'_>, base: &str) {
    let at = |p: &str| {
        if base.is_empty() {
            p.to_owned()
        } else {
            super::props::join(base, p)
        }
    };
    let hash_ok = |h: &str| catalog::HASH_ALGORITHM.values.contains(&h) || h.starts_with("x_");
    let mut hash_dicts: Vec<(String, &Map<String, Value>)> = Vec::new();
    if let Some(Value::Object(h)) = map.get("hashes")
        && matches!(ty, "file" | "artifact" | "x509-certificate")
    {
        hash_dicts.push(("hashes".to_owned(), h));
    }
    if ty == "file"
        && let Some(Value::Object(exts)) = map.get("extensions")
    {
        if let Some(Value::Array(ads)) = exts
            .get("ntfs-ext")
            .and_then(|e| e.get("alternate_data_streams"))
        {
            for (i, s) in ads.iter().enumerate() {
                if let Some(Value::Object(h)) = s.get("hashes") {
                    hash_dicts.push((
                        format!("extensions.ntfs-ext.alternate_data_streams[{i}].hashes"),
                        h,
                    ));
                }
            }
        }
        if let Some(pe) = exts.get("windows-pebinary-ext") {
            if let Some(Value::Object(h)) = pe.get("file_header_hashes") {
                hash_dicts.push((
                    "extensions.windows-pebinary-ext.file_header_hashes".to_owned(),
                    h,
                ));
            }
            if let Some(Value::Object(h)) = pe.get("optional_header").and_then(|o| o.get("hashes"))
            {
                hash_dicts.push((
                    "extensions.windows-pebinary-ext.optional_header.hashes".to_owned(),
                    h,
                ));
            }
            if let Some(Value::Array(sections)) = pe.get("sections") {
                for (i, s) in sections.iter().enumerate() {
                    if let Some(Value::Object(h)) = s.get("hashes") {
                        hash_dicts.push((
                            format!("extensions.windows-pebinary-ext.sections[{i}].hashes"),
                            h,
                        ));
                    }
                }
            }
            if let Some(pe_type) = pe.get("pe_type").and_then(Value::as_str)
                && !catalog::WINDOWS_PEBINARY_TYPE.values.contains(&pe_type)
            {
                ctx.should(
                    "windows-pebinary-type",
                    at("extensions.windows-pebinary-ext.pe_type"),
                    format!("{pe_type:?} is not in the windows-pebinary-type-ov vocabulary"),
                );
            }
        }
    }
    for (path, dict) in &hash_dicts {
        let path = at(path);
        for h in dict.keys() {
            if !hash_ok(h) {
                ctx.should("hash-algo", path.as_str(), format!("hash {h:?} is not in the hash-algorithm-ov vocabulary nor a custom name starting with x_"));
            }
            if h.chars().count() > 30 {
                ctx.should(
                    "hash-length",
                    path.as_str(),
                    format!("hash name {h:?} is longer than 30 characters"),
                );
            }
        }
    }
    if ty == "network-traffic" && (!map.contains_key("src_port") || !map.contains_key("dst_port")) {
        ctx.should(
            "network-traffic-ports",
            at(""),
            "network-traffic should have both src_port and dst_port",
        );
    }
    if ty == "file"
        && let Some(m) = map.get("mime_type").and_then(Value::as_str)
        && !MIME.is_match(m)
    {
        ctx.should(
            "mime-type",
            at("mime_type"),
            format!("{m:?} should be an IANA media type (type/subtype)"),
        );
    }
    if ty == "network-traffic"
        && let Some(Value::Array(protocols)) = map.get("protocols")
    {
        for p in protocols.iter().filter_map(Value::as_str) {
            if !protocol_name_ok(p) {
                ctx.should(
                    "protocols",
                    at("protocols"),
                    format!("{p:?} is not an IANA service or protocol name"),
                );
            }
        }
    }
    if let Some(Value::Object(exts)) = map.get("extensions") {
        if let Some(Value::Object(h)) = exts
            .get("http-request-ext")
            .and_then(|e| e.get("request_header"))
        {
            for k in h.keys() {
                if !HTTP_REQUEST_HEADERS
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(k))
                {
                    ctx.should(
                        "http-request-headers",
                        at("extensions.http-request-ext.request_header"),
                        format!("{k:?} is not an HTTP request header"),
                    );
                }
            }
        }
        if let Some(Value::Object(o)) = exts.get("socket-ext").and_then(|e| e.get("options")) {
            for k in o.keys() {
                if !k.starts_with("SO_") {
                    ctx.should(
                        "socket-options",
                        at("extensions.socket-ext.options"),
                        format!("{k:?} is not a socket option (SO_*)"),
                    );
                }
            }
        }
        if let Some(Value::Object(d)) = exts
            .get("pdf-ext")
            .and_then(|e| e.get("document_info_dict"))
        {
            for k in d.keys() {
                if !PDF_INFO_KEYS.contains(&k.as_str()) {
                    ctx.should(
                        "pdf-doc-info",
                        at("extensions.pdf-ext.document_info_dict"),
                        format!("{k:?} is not a PDF document information dictionary key"),
                    );
                }
            }
        }
        if let Some(p) = exts
            .get("windows-process-ext")
            .and_then(|e| e.get("priority"))
            .and_then(Value::as_str)
            && !p.ends_with("_CLASS")
        {
            ctx.should(
                "windows-process-priority-format",
                at("extensions.windows-process-ext.priority"),
                format!("{p:?} should end in _CLASS"),
            );
        }
    }
    if ty == "user-account"
        && let Some(t) = map.get("account_type").and_then(Value::as_str)
        && !catalog::ACCOUNT_TYPE.values.contains(&t)
    {
        ctx.should(
            "account-type",
            at("account_type"),
            format!("{t:?} is not in the account-type-ov vocabulary"),
        );
    }
    if let Some(Value::Object(exts)) = map.get("extensions") {
        for name in exts.keys() {
            if catalog::sco_extension(name).is_some() {
                continue;
            }
            let path = at(&format!("extensions.{name}"));
            if ctx.v21() && !uses_extension(map, &["property-extension"]) {
                ctx.should("extensions-use", path.as_str(), format!("custom extension {name:?} should be implemented with an extension definition of extension_type property-extension"));
            }
            if name.starts_with("extension-definition--") {
                continue;
            }
            let strict_ok = name
                .strip_prefix("x-")
                .and_then(|r| r.strip_suffix("-ext"))
                .is_some_and(|m| m.contains('-'));
            if !strict_ok {
                ctx.should("custom-prefix", path.as_str(), format!("custom extension {name:?} should be named 'x-', a source identifier, '-', the name, then '-ext'"));
            }
            if !name.starts_with("x-") {
                ctx.should(
                    "custom-prefix-lax",
                    path.as_str(),
                    format!("custom extension {name:?} should start with 'x-' and end with '-ext'"),
                );
            }
        }
    }
    dictionary_keys(map, ctx, base);
}

static MIME: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"^(application|audio|font|image|message|model|multipart|text|video)/[a-zA-Z0-9.+_-]+",
    )
    .expect("regex")
});

/// IANA service names (RFC 6335 syntax: letters, digits, single hyphens).
fn protocol_name_ok(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 63
        && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !p.starts_with('-')
        && !p.ends_with('-')
        && !p.contains("--")
}

/// HTTP request header fields (IANA message headers registry, common ones).
const HTTP_REQUEST_HEADERS: &[&str] = &[
    "A-IM",
    "Accept",
    "Accept-Charset",
    "Accept-Datetime",
    "Accept-Encoding",
    "Accept-Language",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "Authorization",
    "Cache-Control",
    "Connection",
    "Content-Encoding",
    "Content-Length",
    "Content-MD5",
    "Content-Type",
    "Cookie",
    "Date",
    "Expect",
    "Forwarded",
    "From",
    "Host",
    "HTTP2-Settings",
    "If-Match",
    "If-Modified-Since",
    "If-None-Match",
    "If-Range",
    "If-Unmodified-Since",
    "Max-Forwards",
    "Origin",
    "Pragma",
    "Prefer",
    "Proxy-Authorization",
    "Range",
    "Referer",
    "TE",
    "Trailer",
    "Transfer-Encoding",
    "User-Agent",
    "Upgrade",
    "Via",
    "Warning",
    "Upgrade-Insecure-Requests",
    "X-Requested-With",
    "DNT",
    "X-Forwarded-For",
    "X-Forwarded-Host",
    "X-Forwarded-Proto",
    "Front-End-Https",
    "X-Http-Method-Override",
    "X-ATT-DeviceId",
    "X-Wap-Profile",
    "Proxy-Connection",
    "X-UIDH",
    "X-Csrf-Token",
    "X-Request-ID",
    "X-Correlation-ID",
    "Save-Data",
];

/// Keys of a PDF document information dictionary (PDF 1.7, §14.3.3).
const PDF_INFO_KEYS: &[&str] = &[
    "Title",
    "Author",
    "Subject",
    "Keywords",
    "Creator",
    "Producer",
    "CreationDate",
    "ModDate",
    "Trapped",
];

/// Dictionaries whose keys are set by other standards (HTTP, IPFIX, PDF…),
/// not checked for case.
const DICT_KEY_EXCEPTIONS: &[&str] = &[
    "hashes",
    "file_header_hashes",
    "request_header",
    "additional_header_fields",
    "document_info_dict",
    "exif_tags",
    "ipfix",
    "options",
    "environment_variables",
    "key",
    "startup_info",
    "extensions",
];

/// Dictionary keys in observables should be lower case (and, in STIX 2.0,
/// at most 30 characters).
fn dictionary_keys(map: &Map<String, Value>, ctx: &mut Ctx<'_>, path: &str) {
    for (k, v) in map {
        if k.chars().any(|c| c.is_ascii_uppercase()) {
            ctx.should(
                "observable-dictionary-keys",
                path,
                format!("dictionary key {k:?} should be lower case"),
            );
        }
        if !ctx.v21() && k.chars().count() > 30 {
            ctx.should(
                "observable-dictionary-keys",
                path,
                format!("dictionary key {k:?} should be at most 30 characters"),
            );
        }
        if let Value::Object(inner) = v
            && !DICT_KEY_EXCEPTIONS.contains(&k.as_str())
        {
            dictionary_keys(inner, ctx, &super::props::join(path, k));
        }
    }
}

/// Finds objects of one bundle that share an id and a `modified`.
#[derive(Debug, Default)]
pub(crate) struct DuplicateIds {
    seen: HashMap<String, Value>,
}

impl DuplicateIds {
    /// Notes one object; reports it if an earlier one had the same id and
    /// `modified`.
    pub(crate) fn observe(
        &mut self,
        item: &Map<String, Value>,
        options: &Options,
        report: &mut Report,
    ) {
        let (Some(id), Some(modified)) =
            (item.get("id").and_then(Value::as_str), item.get("modified"))
        else {
            return;
        };
        match self.seen.get(id) {
            None => {
                self.seen.insert(id.to_owned(), modified.clone());
            }
            Some(previous) if previous == modified && runs(options, "duplicate-ids") => {
                let f = Finding {
                    object_id: Some(id.to_owned()),
                    path: "modified".to_owned(),
                    message: "duplicate id with the same modified: versions of one object should differ in modified".to_owned(),
                    check: Some("duplicate-ids"),
                };
                if options.strict {
                    report.errors.push(f);
                } else {
                    report.warnings.push(f);
                }
            }
            Some(_) => {}
        }
    }
}

/// Duplicate ids with the same `modified` in a list of objects.
pub(crate) fn duplicate_ids<'a>(
    items: impl Iterator<Item = &'a Value>,
    options: &Options,
    report: &mut Report,
) {
    let mut d = DuplicateIds::default();
    for item in items {
        if let Value::Object(map) = item {
            d.observe(map, options, report);
        }
    }
}

pub(crate) fn strict_prefix(name: &str, sep: char) -> bool {
    // x<sep>source<sep>name
    let rest = if sep == '-' {
        name.strip_prefix("x-")
    } else {
        name.strip_prefix("x_")
    };
    rest.is_some_and(|r| {
        r.split_once(sep)
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
    })
}

/// Whether the object carries an extension of one of these extension types.
fn uses_extension(map: &Map<String, Value>, types: &[&str]) -> bool {
    map.get("extensions")
        .and_then(Value::as_object)
        .is_some_and(|exts| {
            exts.values().any(|e| {
                e.get("extension_type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| types.contains(&t))
            })
        })
}

/// A type the specification does not define.
pub(crate) fn custom_object(ctx: &mut Ctx<'_>, ty: &str, map: &Map<String, Value>) {
    if ctx.options.strict_types {
        ctx.error(
            "type",
            format!("object type {ty:?} is not one of those defined in the specification"),
        );
    }
    if ctx.v21() && !uses_extension(map, &["new-sdo", "new-sco", "new-sro"]) {
        ctx.should("extensions-use", "type", format!("custom object type {ty:?} should be implemented with an extension of extension_type new-sdo, new-sco or new-sro"));
    }
    if !strict_prefix(ty, '-') {
        ctx.should("custom-prefix", "type", format!("custom object type {ty:?} should start with 'x-', a source identifier, '-', then the name"));
    }
    if !ty.starts_with("x-") {
        ctx.should(
            "custom-prefix-lax",
            "type",
            format!("custom object type {ty:?} should start with 'x-'"),
        );
    }
}

/// A property the specification does not define, on a defined type.
pub(crate) fn custom_property(ctx: &mut Ctx<'_>, ty: &str, k: &str, map: &Map<String, Value>) {
    if ctx.options.strict_properties {
        ctx.error(
            k,
            format!(
                "property {k:?} is not one of those defined in the specification for {ty} objects"
            ),
        );
    }
    if ctx.v21() && !uses_extension(map, &["toplevel-property-extension"]) {
        ctx.should("extensions-use", k, format!("custom property {k:?} should be implemented with an extension of extension_type property-extension or toplevel-property-extension"));
    }
    if !strict_prefix(k, '_') {
        ctx.should("custom-prefix", k, format!("custom property {k:?} should start with 'x_', a source identifier, '_', then the name"));
    }
    if !k.starts_with("x_") {
        ctx.should(
            "custom-prefix-lax",
            k,
            format!("custom property {k:?} should start with 'x_'"),
        );
    }
}

/// A property not defined on an embedded structure (mime part, registry
/// value, extension…).
pub(crate) fn custom_embedded_property(ctx: &mut Ctx<'_>, path: &str, k: &str) {
    // Properties STIX 2.0 defined that 2.1 dropped.
    if !ctx.v21() && path.ends_with("archive-ext") && k == "version" {
        return;
    }
    let p = super::props::join(path, k);
    if ctx.options.strict_properties {
        ctx.error(
            &p,
            format!("property {k:?} is not one of those defined in the specification"),
        );
    }
    if ctx.v21() {
        ctx.should(
            "extensions-use",
            &p,
            format!("custom property {k:?} should be implemented with an extension"),
        );
    }
    if !strict_prefix(k, '_') {
        ctx.should("custom-prefix", &p, format!("custom property {k:?} should start with 'x_', a source identifier, '_', then the name"));
    }
    if !k.starts_with("x_") {
        ctx.should(
            "custom-prefix-lax",
            &p,
            format!("custom property {k:?} should start with 'x_'"),
        );
    }
}

/// An observable type (embedded in observed-data) the specification does
/// not define.
pub(crate) fn custom_observable(ctx: &mut Ctx<'_>, path: &str, ty: &str) {
    if ctx.options.strict_types {
        ctx.error(
            path,
            format!("observable type {ty:?} is not one of those defined in the specification"),
        );
    }
    if !strict_prefix(ty, '-') {
        ctx.should("custom-prefix", path, format!("custom observable type {ty:?} should start with 'x-', a source identifier, '-', then the name"));
    }
    if !ty.starts_with("x-") {
        ctx.should(
            "custom-prefix-lax",
            path,
            format!("custom observable type {ty:?} should start with 'x-'"),
        );
    }
}
