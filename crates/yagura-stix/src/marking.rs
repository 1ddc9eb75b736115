//! Data markings: the Traffic Light Protocol as STIX marking definitions,
//! in its 1.0 form (predefined by STIX 2.1, §7.2.1.3) and its 2.0 form
//! (FIRST TLP 2.0, carried by the OASIS TLP 2.0 extension definition), and
//! statement markings.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value, json};

use crate::object::StixObject;

/// The TLP 2.0 extension definition.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// A TLP level. TLP 1.0's WHITE reads as CLEAR; 1.0 has no AMBER+STRICT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tlp {
    /// TLP:CLEAR (1.0: WHITE): no limit on disclosure.
    Clear,
    /// TLP:GREEN: within the community.
    Green,
    /// TLP:AMBER: the recipient's organization and its clients.
    Amber,
    /// TLP:AMBER+STRICT: the recipient's organization only.
    AmberStrict,
    /// TLP:RED: the individual recipients only.
    Red,
}

impl Tlp {
    /// All levels, least restrictive first.
    pub const ALL: [Self; 5] = [
        Self::Clear,
        Self::Green,
        Self::Amber,
        Self::AmberStrict,
        Self::Red,
    ];

    /// The TLP 2.0 label: `clear`, `green`, `amber`, `amber+strict`, `red`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Clear => "clear",
            Self::Green => "green",
            Self::Amber => "amber",
            Self::AmberStrict => "amber+strict",
            Self::Red => "red",
        }
    }

    /// The id of the TLP 2.0 marking definition.
    pub fn v2_id(self) -> &'static str {
        match self {
            Self::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Self::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Self::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Self::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Self::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }

    /// The id of the TLP 1.0 marking definition (none for AMBER+STRICT).
    pub fn v1_id(self) -> Option<&'static str> {
        Some(match self {
            Self::Clear => "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
            Self::Green => "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
            Self::Amber => "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
            Self::Red => "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
            Self::AmberStrict => return None,
        })
    }

    /// The level a predefined TLP marking-definition id stands for (1.0 or 2.0).
    pub fn from_marking_id(id: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.v2_id() == id || t.v1_id() == Some(id))
    }

    /// The TLP 2.0 marking definition object, exactly as published.
    pub fn v2_marking_definition(self) -> StixObject {
        let v = json!({
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": self.v2_id(),
            "created": "2022-10-01T00:00:00.000Z",
            "name": format!("TLP:{}", self.label().to_uppercase()),
            "extensions": {
                TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": self.label()}
            }
        });
        StixObject::from_known(as_map(v))
    }

    /// The TLP 1.0 marking definition object (STIX 2.1 §7.2.1.3).
    pub fn v1_marking_definition(self) -> Option<StixObject> {
        let level = if self == Self::Clear {
            "white"
        } else {
            self.label()
        };
        let v = json!({
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": self.v1_id()?,
            "created": "2017-01-20T00:00:00.000Z",
            "definition_type": "tlp",
            "name": format!("TLP:{}", level.to_uppercase()),
            "definition": {"tlp": level}
        });
        Some(StixObject::from_known(as_map(v)))
    }
}

fn as_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLP:{}", self.label().to_uppercase())
    }
}

/// A text that is no TLP label.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a TLP label (clear, green, amber, amber+strict, red; white for 1.0)")]
pub struct UnknownTlp(pub String);

impl FromStr for Tlp {
    type Err = UnknownTlp;

    /// `clear`, `green`, `amber`, `amber+strict`, `red`, with or without a
    /// `TLP:` prefix, any case; `white` is CLEAR.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let label = lower.strip_prefix("tlp:").unwrap_or(&lower);
        match label {
            "clear" | "white" => Ok(Self::Clear),
            "green" => Ok(Self::Green),
            "amber" => Ok(Self::Amber),
            "amber+strict" => Ok(Self::AmberStrict),
            "red" => Ok(Self::Red),
            _ => Err(UnknownTlp(s.to_owned())),
        }
    }
}

/// The TLP level a marking-definition object expresses, in either form.
pub fn tlp_of(marking: &StixObject) -> Option<Tlp> {
    if marking.object_type() != "marking-definition" {
        return None;
    }
    if let Some(label) = marking
        .get("extensions")
        .and_then(|e| e.get(TLP2_EXTENSION))
        .and_then(|e| e.get("tlp_2_0"))
        .and_then(Value::as_str)
    {
        return label.parse().ok();
    }
    if marking.get_str("definition_type") == Some("tlp") {
        return marking
            .get("definition")
            .and_then(|d| d.get("tlp"))
            .and_then(Value::as_str)
            .and_then(|l| l.parse().ok());
    }
    marking.id().and_then(Tlp::from_marking_id)
}

/// Yagura's sharing extension definition. A marking definition carrying it
/// (as a property extension, so other STIX tools keep it intact) restricts
/// the objects that reference it: `residency` lists the jurisdictions (ISO
/// 3166-1 alpha-2 codes) where they may be held, `recipients` the
/// organizations (hub organization ids) that may receive them at TLP:RED.
pub const SHARING_EXTENSION: &str = "extension-definition--f1d51fe7-fc66-486c-bf7e-7f0be7e490a8";

/// The identity that publishes Yagura's extension definitions.
pub const YAGURA_IDENTITY: &str = "identity--c7ab035b-b2da-40a9-893d-d3c4ebf91b68";

/// When Yagura's extension definition and derived markings are dated.
const SHARING_CREATED: &str = "2026-01-01T00:00:00.000Z";

/// What a Yagura sharing marking restricts. Codes and names are kept as
/// written (upper-cased codes, names as given); the policy checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sharing {
    /// Where marked objects may be held, if the marking says.
    pub residency: Option<Vec<String>>,
    /// Who may receive marked TLP:RED objects, if the marking says.
    pub recipients: Option<Vec<String>>,
}

impl Sharing {
    /// The marking definition object for this restriction. Its id is
    /// derived from the sorted lists, so the same restriction is always the
    /// same object and imports stay idempotent.
    pub fn marking_definition(&self) -> StixObject {
        let sorted = |l: &Option<Vec<String>>| {
            l.as_ref().map(|l| {
                let mut l = l.clone();
                l.sort();
                l.dedup();
                l
            })
        };
        let residency = sorted(&self.residency);
        let recipients = sorted(&self.recipients);
        let key = format!(
            "residency={};recipients={}",
            residency
                .as_deref()
                .map(|l| l.join(","))
                .unwrap_or_default(),
            recipients
                .as_deref()
                .map(|l| l.join(","))
                .unwrap_or_default()
        );
        let ns = uuid::Uuid::parse_str(&SHARING_EXTENSION["extension-definition--".len()..])
            .unwrap_or(uuid::Uuid::nil());
        let id = format!(
            "marking-definition--{}",
            uuid::Uuid::new_v5(&ns, key.as_bytes())
        );
        let mut ext = Map::new();
        ext.insert("extension_type".into(), json!("property-extension"));
        let mut name = Vec::new();
        if let Some(r) = &residency {
            ext.insert("residency".into(), json!(r));
            name.push(format!("held in {}", r.join(", ")));
        }
        if let Some(r) = &recipients {
            ext.insert("recipients".into(), json!(r));
            name.push(format!("for {}", r.join(", ")));
        }
        StixObject::from_known(as_map(json!({
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": id,
            "created": SHARING_CREATED,
            "created_by_ref": YAGURA_IDENTITY,
            "name": format!("Yagura sharing: {}", name.join("; ")),
            "extensions": { SHARING_EXTENSION: Value::Object(ext) }
        })))
    }
}

/// The restriction a marking definition carries, if it is a Yagura sharing
/// marking. A list that is present but not a list of strings reads as an
/// empty list: nobody, nowhere (a malformed restriction must not open up).
pub fn sharing_of(marking: &StixObject) -> Option<Sharing> {
    if marking.object_type() != "marking-definition" {
        return None;
    }
    let ext = marking.get("extensions")?.get(SHARING_EXTENSION)?;
    let list = |key: &str| {
        ext.get(key).map(|v| {
            v.as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|i| i.as_str().map(|s| s.trim().to_owned()))
                        .collect::<Option<Vec<String>>>()
                        .unwrap_or_default()
                })
                .unwrap_or_default()
        })
    };
    Some(Sharing {
        residency: list("residency"),
        recipients: list("recipients"),
    })
}

/// Yagura's sharing extension definition, and the identity that publishes
/// it: what an export includes beside a Yagura sharing marking so that the
/// marking's extension resolves.
pub fn sharing_definitions() -> [StixObject; 2] {
    let identity = json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": YAGURA_IDENTITY,
        "created": SHARING_CREATED,
        "modified": SHARING_CREATED,
        "name": "Yagura",
        "identity_class": "system"
    });
    let extension = json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": SHARING_EXTENSION,
        "created_by_ref": YAGURA_IDENTITY,
        "created": SHARING_CREATED,
        "modified": SHARING_CREATED,
        "name": "Yagura sharing marking",
        "description": "Restricts where marked objects may be held and who may receive them.",
        "schema": "A property extension of marking-definition objects with two optional properties: residency, a list of ISO 3166-1 alpha-2 country codes naming the only jurisdictions where marked objects may be held or sent; recipients, a list of organization identifiers naming the only organizations (besides the producer) that may receive marked objects at TLP:RED.",
        "version": "1.0.0",
        "extension_types": ["property-extension"]
    });
    [
        StixObject::from_known(as_map(identity)),
        StixObject::from_known(as_map(extension)),
    ]
}

/// The most restrictive TLP level an object's `object_marking_refs` name
/// (predefined 1.0 or 2.0 ids), if any.
pub fn marked_tlp(o: &StixObject) -> Option<Tlp> {
    let refs = o.get("object_marking_refs")?.as_array()?;
    refs.iter()
        .filter_map(|r| r.as_str())
        .filter_map(Tlp::from_marking_id)
        .max()
}

/// A statement marking definition (e.g. a copyright or terms of use).
pub fn statement_marking(
    id: &crate::Identifier,
    created: crate::Timestamp,
    statement: &str,
) -> StixObject {
    StixObject::from_known(as_map(json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": id.as_str(),
        "created": created.with_millis().to_string(),
        "definition_type": "statement",
        "definition": {"statement": statement}
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_labels_and_ids() {
        assert_eq!("TLP:AMBER+STRICT".parse::<Tlp>(), Ok(Tlp::AmberStrict));
        assert_eq!("white".parse::<Tlp>(), Ok(Tlp::Clear));
        assert!("amber-strict".parse::<Tlp>().is_err());
        for t in Tlp::ALL {
            assert_eq!(Tlp::from_marking_id(t.v2_id()), Some(t));
            assert_eq!(tlp_of(&t.v2_marking_definition()), Some(t));
            if let Some(m) = t.v1_marking_definition() {
                assert_eq!(tlp_of(&m), Some(t));
            }
        }
        assert!(Tlp::Clear < Tlp::Red);
    }

    #[test]
    fn sharing_markings_round_trip_with_stable_ids() {
        let s = Sharing {
            residency: Some(vec!["KR".into(), "JP".into()]),
            recipients: None,
        };
        let m = s.marking_definition();
        let again = Sharing {
            residency: Some(vec!["JP".into(), "KR".into(), "JP".into()]),
            recipients: None,
        }
        .marking_definition();
        assert_eq!(m.id(), again.id());
        assert_eq!(
            sharing_of(&m),
            Some(Sharing {
                residency: Some(vec!["JP".into(), "KR".into()]),
                recipients: None
            })
        );
        let red = Sharing {
            residency: None,
            recipients: Some(vec!["jpcert".into()]),
        }
        .marking_definition();
        assert_ne!(red.id(), m.id());
        assert_eq!(
            sharing_of(&red).and_then(|s| s.recipients),
            Some(vec!["jpcert".to_owned()])
        );
        // A malformed list restricts to nothing rather than to everything.
        let mut bad = red.into_value();
        bad["extensions"][SHARING_EXTENSION]["recipients"] = json!("jpcert");
        let bad = StixObject::from_value(bad).expect("object");
        assert_eq!(sharing_of(&bad).and_then(|s| s.recipients), Some(vec![]));
        assert_eq!(sharing_of(&Tlp::Red.v2_marking_definition()), None);
        for o in sharing_definitions().iter().chain([&m]) {
            let report = crate::validate::validate_object(
                o.properties(),
                &crate::validate::Options::default(),
            );
            assert!(report.is_valid(), "{:?}: {report:?}", o.id());
        }
    }
}
