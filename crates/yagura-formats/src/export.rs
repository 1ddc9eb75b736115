//! STIX out to other forms: the exact values of indicators and observables
//! as CSV rows, plain lists and Suricata rules with their lists, and MISP
//! event JSON (attributes that PyMISP loads). What to export is decided before this module: it converts
//! objects the policy already released.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use uuid::Uuid;
use yagura_stix::pattern::ValueKind;
use yagura_stix::pattern::values::{ExactValue, object_values};
use yagura_stix::{StixObject, Timestamp, Tlp};

/// Namespace for MISP attribute uuids Yagura derives.
const NAMESPACE: Uuid = Uuid::from_u128(0x7961_6775_7261_4000_8000_6578_706f_0001);

/// Whether an indicator's `valid_until` has passed (detection lists leave
/// such indicators out).
pub fn expired(o: &StixObject, now: Timestamp) -> bool {
    o.get_timestamp("valid_until").is_some_and(|t| t <= now)
}

/// The exact values an indicator looks for or an observable is.
pub fn values(o: &StixObject) -> Vec<ExactValue> {
    object_values(o)
}

/// The CSV columns of [`csv_rows`].
pub const CSV_HEADER: [&str; 9] = [
    "value",
    "kind",
    "object_id",
    "object_type",
    "name",
    "tlp",
    "labels",
    "modified",
    "valid_until",
];

/// One CSV row per exact value of `o` (none for objects without values).
pub fn csv_rows(o: &StixObject, tlp: Tlp) -> Vec<[String; 9]> {
    let text = |k: &str| o.get_str(k).unwrap_or_default().to_owned();
    let labels = o
        .get("labels")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(";")
        })
        .unwrap_or_default();
    values(o)
        .into_iter()
        .map(|v| {
            [
                v.value,
                v.kind.as_str().to_owned(),
                o.id().unwrap_or_default().to_owned(),
                o.object_type().to_owned(),
                text("name"),
                tlp.label().to_owned(),
                labels.clone(),
                o.version_text().to_owned(),
                text("valid_until"),
            ]
        })
        .collect()
}

/// The MISP attribute type and default category of a value kind.
fn misp_type(kind: ValueKind) -> (&'static str, &'static str) {
    match kind {
        ValueKind::Ipv4 | ValueKind::Ipv6 | ValueKind::Cidr => ("ip-dst", "Network activity"),
        ValueKind::Domain => ("domain", "Network activity"),
        ValueKind::Url => ("url", "Network activity"),
        ValueKind::Email => ("email-src", "Payload delivery"),
        ValueKind::Md5 => ("md5", "Payload delivery"),
        ValueKind::Sha1 => ("sha1", "Payload delivery"),
        ValueKind::Sha256 => ("sha256", "Payload delivery"),
        ValueKind::Sha512 => ("sha512", "Payload delivery"),
        ValueKind::FileName => ("filename", "Payload delivery"),
        ValueKind::Mutex => ("mutex", "Artifacts dropped"),
        ValueKind::RegistryKey => ("regkey", "Persistence mechanism"),
        ValueKind::Asn => ("AS", "Network activity"),
        ValueKind::Mac => ("mac-address", "Network activity"),
        ValueKind::UserAccount => ("target-user", "Targeting data"),
        ValueKind::UserAgent => ("user-agent", "Network activity"),
    }
}

fn uuid_of(id: &str) -> Option<&str> {
    id.split_once("--").map(|(_, u)| u)
}

/// The MISP attributes for one released object: an indicator gives
/// `to_ids` attributes, an observable attributes without `to_ids`. An
/// indicator that came from MISP (`x_misp_type`) gives back its attribute
/// (same uuid, type, category and value); others give one attribute per
/// exact value. Tags: the TLP and the labels.
pub fn misp_attributes(o: &StixObject, tlp: Tlp) -> Vec<Value> {
    let indicator = o.object_type() == "indicator";
    let id = o.id().unwrap_or_default();
    let when = o
        .modified()
        .or_else(|| o.created())
        .map_or(0, Timestamp::unix_seconds);
    let mut tags = vec![json!({"name": format!("tlp:{}", tlp.label())})];
    if let Some(labels) = o.get("labels").and_then(Value::as_array) {
        tags.extend(
            labels
                .iter()
                .filter_map(Value::as_str)
                .map(|l| json!({"name": l})),
        );
    }
    let attribute = |uuid: String, ty: &str, category: &str, value: &str| {
        let mut a = json!({
            "uuid": uuid, "type": ty, "category": category, "value": value,
            "to_ids": indicator, "timestamp": when.to_string(), "distribution": "5",
            "Tag": tags,
        });
        if let Some(d) = o.get_str("description") {
            a["comment"] = json!(d);
        }
        a
    };
    if indicator && let (Some(ty), Some(value)) = (o.get_str("x_misp_type"), o.get_str("name")) {
        let category = o.get_str("x_misp_category").unwrap_or_else(|| {
            ValueKind::ALL
                .iter()
                .find(|k| misp_type(**k).0 == ty)
                .map_or("Other", |k| misp_type(*k).1)
        });
        return vec![attribute(
            uuid_of(id).unwrap_or_default().to_owned(),
            ty,
            category,
            value,
        )];
    }
    let vals = values(o);
    let single = vals.len() == 1;
    vals.into_iter()
        .map(|v| {
            let (ty, category) = misp_type(v.kind);
            let uuid = if single {
                uuid_of(id).unwrap_or_default().to_owned()
            } else {
                Uuid::new_v5(
                    &NAMESPACE,
                    format!("{id} {} {}", v.kind, v.value).as_bytes(),
                )
                .to_string()
            };
            attribute(uuid, ty, category, &v.value)
        })
        .collect()
}

/// A MISP event (`{"Event": …}`) holding `attributes`, created by `org`.
pub fn misp_event(
    info: &str,
    uuid: Uuid,
    org: &str,
    when: Timestamp,
    attributes: Vec<Value>,
) -> Value {
    let date = when.to_string();
    json!({"Event": {
        "uuid": uuid.to_string(),
        "info": info,
        "date": date.get(..10).unwrap_or_default(),
        "timestamp": when.unix_seconds().to_string(),
        "published": false,
        "analysis": "2",
        "threat_level_id": "4",
        "distribution": "0",
        "Orgc": {"name": org},
        "Attribute": attributes,
    }})
}

/// Addresses per rule in the address-list rules of a Suricata export.
const ADDRESSES_PER_RULE: usize = 500;

/// Values collected for a Suricata export: domains as a string dataset
/// (matched on DNS queries, TLS SNI and HTTP hosts), file hashes as
/// `filemd5`/`filesha1`/`filesha256` lists, addresses and networks in
/// the headers of address-list rules. Other kinds (URLs, email addresses,
/// SHA-512, names…) have no exact Suricata form and are counted as skipped.
#[derive(Debug, Default)]
pub struct Suricata {
    domains: BTreeSet<String>,
    md5: BTreeSet<String>,
    sha1: BTreeSet<String>,
    sha256: BTreeSet<String>,
    addresses: BTreeSet<String>,
    /// Values left out, by kind.
    pub skipped: BTreeMap<&'static str, u64>,
}

impl Suricata {
    /// Adds the values of one released object.
    pub fn add(&mut self, o: &StixObject) {
        for v in values(o) {
            let set = match v.kind {
                ValueKind::Domain => &mut self.domains,
                ValueKind::Md5 => &mut self.md5,
                ValueKind::Sha1 => &mut self.sha1,
                ValueKind::Sha256 => &mut self.sha256,
                ValueKind::Ipv4 | ValueKind::Ipv6 | ValueKind::Cidr => &mut self.addresses,
                other => {
                    *self.skipped.entry(other.as_str()).or_default() += 1;
                    continue;
                }
            };
            set.insert(v.value);
        }
    }

    /// How many values the rules cover.
    pub fn len(&self) -> usize {
        self.domains.len()
            + self.md5.len()
            + self.sha1.len()
            + self.sha256.len()
            + self.addresses.len()
    }

    /// Whether no value was collected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The files of the export, by name: `yagura.rules` and the lists it
    /// loads (paths relative to the rules file, as Suricata resolves them).
    /// Signature ids count up from `sid_base + 1`.
    pub fn files(&self, sid_base: u32) -> Vec<(String, String)> {
        use base64::Engine as _;
        let mut rules = String::new();
        let mut files = Vec::new();
        let mut sid = sid_base;
        let mut rule = |rules: &mut String, text: String| {
            sid += 1;
            rules.push_str(&text.replace("$SID", &sid.to_string()));
            rules.push('\n');
        };
        if !self.domains.is_empty() {
            let list: String = self
                .domains
                .iter()
                .map(|d| base64::engine::general_purpose::STANDARD.encode(d) + "\n")
                .collect();
            files.push(("yagura-domains.lst".to_owned(), list));
            for (proto, buffer, what) in [
                ("dns", "dns.query", "DNS query for"),
                ("tls", "tls.sni", "TLS server name of"),
                ("http", "http.host", "HTTP host of"),
            ] {
                rule(
                    &mut rules,
                    format!(
                        "alert {proto} any any -> any any (msg:\"Yagura: {what} a listed domain\"; {buffer}; \
                     dataset:isset,yagura-domains,type string,load yagura-domains.lst; \
                     classtype:trojan-activity; sid:$SID; rev:1;)"
                    ),
                );
            }
        }
        for (set, keyword, name, label) in [
            (&self.md5, "filemd5", "yagura-md5.lst", "MD5"),
            (&self.sha1, "filesha1", "yagura-sha1.lst", "SHA-1"),
            (&self.sha256, "filesha256", "yagura-sha256.lst", "SHA-256"),
        ] {
            if set.is_empty() {
                continue;
            }
            files.push((
                name.to_owned(),
                set.iter().map(|h| format!("{h}\n")).collect(),
            ));
            rule(
                &mut rules,
                format!(
                    "alert http any any -> any any (msg:\"Yagura: file with a listed {label}\"; \
                 {keyword}:{name}; classtype:trojan-activity; sid:$SID; rev:1;)"
                ),
            );
        }
        let addresses: Vec<&String> = self.addresses.iter().collect();
        for (i, chunk) in addresses.chunks(ADDRESSES_PER_RULE).enumerate() {
            let list = chunk
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(",");
            let part = i + 1;
            rule(
                &mut rules,
                format!(
                    "alert ip any any -> [{list}] any (msg:\"Yagura: traffic to a listed address ({part})\"; \
                 classtype:trojan-activity; sid:$SID; rev:1;)"
                ),
            );
            rule(
                &mut rules,
                format!(
                    "alert ip [{list}] any -> any any (msg:\"Yagura: traffic from a listed address ({part})\"; \
                 classtype:trojan-activity; sid:$SID; rev:1;)"
                ),
            );
        }
        files.insert(0, ("yagura.rules".to_owned(), rules));
        files
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> StixObject {
        StixObject::from_value(v).expect("object")
    }

    #[test]
    fn indicators_give_rows_and_attributes_per_value() {
        let i = obj(json!({"type": "indicator", "spec_version": "2.1",
            "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-02T00:00:00.000Z",
            "name": "C2", "labels": ["apt10"],
            "pattern": "[ipv4-addr:value = '198.51.100.1'] OR [domain-name:value = 'Evil.Example']",
            "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
            "valid_until": "2026-02-01T00:00:00Z"}));
        let rows = csv_rows(&i, Tlp::Green);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][0], "198.51.100.1");
        assert_eq!(
            rows[1][..2],
            ["evil.example".to_owned(), "domain".to_owned()]
        );
        assert_eq!(rows[0][5], "green");
        assert_eq!(rows[0][6], "apt10");
        let attrs = misp_attributes(&i, Tlp::Green);
        assert_eq!(attrs.len(), 2);
        assert_eq!(attrs[0]["type"], "ip-dst");
        assert_eq!(attrs[0]["to_ids"], true);
        assert_ne!(attrs[0]["uuid"], attrs[1]["uuid"]);
        assert_eq!(attrs[1]["Tag"][0]["name"], "tlp:green");
        assert!(expired(
            &i,
            Timestamp::parse("2026-03-01T00:00:00Z").expect("time")
        ));
        assert!(!expired(
            &i,
            Timestamp::parse("2026-01-15T00:00:00Z").expect("time")
        ));
    }

    #[test]
    fn misp_indicators_give_back_their_attribute() {
        let i = obj(json!({"type": "indicator", "spec_version": "2.1",
            "id": "indicator--5a1b6f8e-1c2d-4e3f-8a9b-0c1d2e3f4a5b",
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
            "name": "invoice.doc|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "pattern": "[file:name = 'invoice.doc' AND file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
            "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
            "x_misp_type": "filename|sha256", "x_misp_category": "Payload delivery"}));
        let attrs = misp_attributes(&i, Tlp::Amber);
        assert_eq!(attrs.len(), 1);
        assert_eq!(attrs[0]["uuid"], "5a1b6f8e-1c2d-4e3f-8a9b-0c1d2e3f4a5b");
        assert_eq!(attrs[0]["type"], "filename|sha256");
        assert_eq!(attrs[0]["value"], i.get_str("name").expect("name"));
    }

    #[test]
    fn suricata_rules_cover_the_kinds_suricata_matches_exactly() {
        let i = obj(json!({"type": "indicator", "spec_version": "2.1",
            "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-02T00:00:00.000Z",
            "pattern": "[domain-name:value = 'evil.example'] OR [ipv4-addr:value = '198.51.100.1'] OR [url:value = 'http://evil.example/x'] OR [file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
            "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"}));
        let mut s = Suricata::default();
        s.add(&i);
        assert_eq!(s.len(), 3);
        assert_eq!(s.skipped.get("url"), Some(&1));
        let files = s.files(9_470_000);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["yagura.rules", "yagura-domains.lst", "yagura-md5.lst"]
        );
        assert_eq!(files[1].1, "ZXZpbC5leGFtcGxl\n");
        let rules = &files[0].1;
        assert_eq!(rules.lines().count(), 6);
        assert!(rules.contains("sid:9470001;") && rules.contains("sid:9470006;"));
        assert!(rules.contains("-> [198.51.100.1] any"));
    }
}
