//! STIX identifiers (`type--UUID`) and deterministic SCO identifiers.

use std::fmt;

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::IdError;

/// The namespace of deterministic SCO identifiers (STIX 2.1 §2.9).
pub const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);

/// A syntactically valid identifier: `object-type--` then an RFC 4122 UUID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identifier(String);

impl Identifier {
    /// Parses `type--uuid`, the type in STIX's form (lower-case ASCII
    /// letters, digits and hyphens) and the UUID in 8-4-4-4-12 hex form with
    /// an RFC 4122 variant.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let bad = |reason: &'static str| IdError {
            value: s.to_owned(),
            reason,
        };
        let (ty, uuid) = s
            .split_once("--")
            .ok_or_else(|| bad("expected type--UUID"))?;
        if !is_type_name(ty) {
            return Err(bad(
                "the type part must be lower-case letters, digits and hyphens",
            ));
        }
        let u =
            parse_uuid(uuid).ok_or_else(|| bad("the UUID part is not an 8-4-4-4-12 hex UUID"))?;
        if u.get_variant() != uuid::Variant::RFC4122 {
            return Err(bad("the UUID is not an RFC 4122 UUID (variant bits)"));
        }
        Ok(Self(s.to_owned()))
    }

    /// A new random (version 4) identifier for `object_type`.
    pub fn new_v4(object_type: &str) -> Self {
        Self(format!("{object_type}--{}", Uuid::new_v4()))
    }

    /// The type part.
    pub fn object_type(&self) -> &str {
        self.0.split_once("--").map_or("", |(t, _)| t)
    }

    /// The UUID part.
    pub fn uuid(&self) -> Uuid {
        self.0
            .split_once("--")
            .and_then(|(_, u)| parse_uuid(u))
            .unwrap_or_default()
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn parse_uuid(s: &str) -> Option<Uuid> {
    let b = s.as_bytes();
    let hyphens_ok = b.len() == 36 && [8, 13, 18, 23].iter().all(|i| b[*i] == b'-');
    if !hyphens_ok
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| [8, 13, 18, 23].contains(&i) || c.is_ascii_hexdigit())
    {
        return None;
    }
    Uuid::parse_str(s).ok()
}

/// Whether `t` has the form of a STIX type name: `[a-z][a-z0-9]*` groups
/// joined by single hyphens, an optional trailing hyphen allowed (the OASIS
/// schema's expression), 3 to 250 characters.
pub fn is_type_name(t: &str) -> bool {
    let b = t.as_bytes();
    if !(3..=250).contains(&b.len()) || !b[0].is_ascii_lowercase() {
        return false;
    }
    let mut prev_hyphen = false;
    for (i, c) in b.iter().enumerate() {
        match c {
            b'a'..=b'z' | b'0'..=b'9' => prev_hyphen = false,
            b'-' => {
                if prev_hyphen || i == 0 {
                    return false;
                }
                prev_hyphen = true;
            }
            _ => return false,
        }
    }
    true
}

/// The ID contributing properties of each SCO type (STIX 2.1 §6).
pub fn id_contributing_properties(object_type: &str) -> Option<&'static [&'static str]> {
    Some(match object_type {
        "artifact" => &["hashes", "payload_bin"],
        "autonomous-system" => &["number"],
        "directory" => &["path"],
        "domain-name" | "email-addr" | "ipv4-addr" | "ipv6-addr" | "mac-addr" | "url" => &["value"],
        "email-message" => &["from_ref", "subject", "body"],
        "file" => &["hashes", "name", "extensions", "parent_directory_ref"],
        "mutex" => &["name"],
        "network-traffic" => &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
        "software" => &["name", "cpe", "swid", "vendor", "version"],
        "user-account" => &["account_type", "user_id", "account_login"],
        "windows-registry-key" => &["key", "values"],
        "x509-certificate" => &["hashes", "serial_number"],
        _ => return None,
    })
}

/// The deterministic identifier of an SCO: UUIDv5 in [`SCO_NAMESPACE`] over
/// the JSON canonicalization (RFC 8785) of its ID contributing properties,
/// with only one hash kept (MD5, else SHA-1, SHA-256, SHA-512, else the
/// first listed). `None` for types without contributing properties
/// (`process`) or an object with none of them (use a UUIDv4 then).
pub fn deterministic_sco_id(object: &Map<String, Value>) -> Option<Identifier> {
    let ty = object.get("type")?.as_str()?;
    let props = id_contributing_properties(ty)?;
    let mut contributing = Map::new();
    for p in props {
        let Some(v) = object.get(*p) else { continue };
        if *p == "hashes" {
            if let Value::Object(h) = v {
                let chosen = ["MD5", "SHA-1", "SHA-256", "SHA-512"]
                    .iter()
                    .find_map(|k| h.get_key_value(*k))
                    .or_else(|| h.iter().next());
                if let Some((k, hv)) = chosen {
                    let mut one = Map::new();
                    one.insert(k.clone(), hv.clone());
                    contributing.insert("hashes".to_owned(), Value::Object(one));
                }
            }
        } else {
            contributing.insert((*p).to_owned(), v.clone());
        }
    }
    if contributing.is_empty() {
        return None;
    }
    let canonical = crate::canonical::to_string(&Value::Object(contributing));
    Some(Identifier(format!(
        "{ty}--{}",
        Uuid::new_v5(&SCO_NAMESPACE, canonical.as_bytes())
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_rejects() {
        let id =
            Identifier::parse("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").expect("valid");
        assert_eq!(id.object_type(), "indicator");
        assert_eq!(id.uuid().get_version_num(), 4);
        for bad in [
            "indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b17d44cbf938f98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f",
        ] {
            assert!(Identifier::parse(bad).is_err(), "{bad}");
        }
    }

    /// Expected ids computed by the OASIS stix2 library 3.0.2.
    #[test]
    fn deterministic_ids_match_the_reference() {
        let cases = [
            (
                json!({"type": "ipv4-addr", "value": "198.51.100.3"}),
                "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4",
            ),
            (
                json!({"type": "url", "value": "https://example.com/"}),
                "url--be22e93a-5e33-5678-b19f-8b4ea06df0bd",
            ),
            (
                json!({"type": "file", "name": "f", "hashes": {
                    "SHA-256": "fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db",
                    "MD5": "1717b7fff97d37a1e1a0029d83492de1"}}),
                "file--1088e42e-cf5c-56b9-8ec4-43d21c80966c",
            ),
            (
                json!({"type": "file", "name": "ünïcode ☃ 😀"}),
                "file--f07b77e5-82d5-5a45-834b-72e2ea650dd8",
            ),
            (
                json!({"type": "network-traffic", "src_ref": "ipv4-addr--d71b2d95-7bf5-5a04-b6d4-4a1f1e1e8b2c",
                       "dst_port": 443, "protocols": ["tcp"], "src_port": 50001}),
                "network-traffic--8c6366a8-9107-590a-90f5-858c1c0fecf7",
            ),
            (
                json!({"type": "autonomous-system", "number": 15139}),
                "autonomous-system--3aa27478-50b5-5ab8-9da9-cdc12b657fff",
            ),
        ];
        for (object, expected) in cases {
            let map = object.as_object().expect("object");
            assert_eq!(
                deterministic_sco_id(map).expect("has an id").as_str(),
                expected,
                "{object}"
            );
        }
        assert!(
            deterministic_sco_id(
                json!({"type": "process", "pid": 1})
                    .as_object()
                    .expect("object")
            )
            .is_none()
        );
    }
}
