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
}
