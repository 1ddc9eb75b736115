//! STIX objects as they travel: an ordered map of properties.
//!
//! Every property is kept as written, in order, so unknown properties,
//! custom objects (`x-…`) and extensions survive a parse → serialize round
//! trip unchanged. What each type's properties must be is data in
//! [`crate::catalog`]; [`crate::validate`] checks objects against it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::catalog::{self, Category};
use crate::error::ObjectError;
use crate::timestamp::Timestamp;

/// One STIX object (SDO, SRO, SCO, marking definition, extension
/// definition, language content, or a custom object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Map<String, Value>", into = "Map<String, Value>")]
pub struct StixObject {
    props: Map<String, Value>,
}

impl StixObject {
    /// Wraps a JSON object; it must have a string `type`.
    pub fn from_map(props: Map<String, Value>) -> Result<Self, ObjectError> {
        match props.get("type") {
            Some(Value::String(_)) => Ok(Self { props }),
            Some(other) => Err(ObjectError::TypeNotString {
                id: id_of(&props),
                found: json_kind(other),
            }),
            None => Err(ObjectError::MissingType { id: id_of(&props) }),
        }
    }

    /// Wraps a map built in this crate with a string `type`.
    pub(crate) fn from_known(props: Map<String, Value>) -> Self {
        debug_assert!(props.get("type").is_some_and(Value::is_string));
        Self { props }
    }

    /// Wraps a JSON value; it must be an object with a string `type`.
    pub fn from_value(v: Value) -> Result<Self, ObjectError> {
        match v {
            Value::Object(map) => Self::from_map(map),
            other => Err(ObjectError::NotAnObject {
                found: json_kind(&other),
            }),
        }
    }

    /// The `type`.
    pub fn object_type(&self) -> &str {
        self.props
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The `id`, if present and a string.
    pub fn id(&self) -> Option<&str> {
        self.props.get("id").and_then(Value::as_str)
    }

    /// The `spec_version`, if present.
    pub fn spec_version(&self) -> Option<&str> {
        self.props.get("spec_version").and_then(Value::as_str)
    }

    /// What kind of object the type names.
    pub fn category(&self) -> Category {
        catalog::category(self.object_type())
    }

    /// A property.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.props.get(key)
    }

    /// A string property.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.props.get(key).and_then(Value::as_str)
    }

    /// A timestamp property, if present and valid.
    pub fn get_timestamp(&self, key: &str) -> Option<Timestamp> {
        self.get_str(key).and_then(|s| Timestamp::parse(s).ok())
    }

    /// `created`, if present and valid.
    pub fn created(&self) -> Option<Timestamp> {
        self.get_timestamp("created")
    }

    /// `modified`, if present and valid.
    pub fn modified(&self) -> Option<Timestamp> {
        self.get_timestamp("modified")
    }

    /// The version as written: `modified`, else `created`, else empty
    /// (immutable objects such as SCOs have neither).
    pub fn version_text(&self) -> &str {
        self.get_str("modified")
            .or_else(|| self.get_str("created"))
            .unwrap_or_default()
    }

    /// All properties, in order.
    pub fn properties(&self) -> &Map<String, Value> {
        &self.props
    }

    /// All properties, to change. Changing `type` to a non-string makes the
    /// object invalid but is not prevented.
    pub fn properties_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.props
    }

    /// The object as JSON.
    pub fn into_value(self) -> Value {
        Value::Object(self.props)
    }
}

impl TryFrom<Map<String, Value>> for StixObject {
    type Error = ObjectError;

    fn try_from(map: Map<String, Value>) -> Result<Self, Self::Error> {
        Self::from_map(map)
    }
}

impl From<StixObject> for Map<String, Value> {
    fn from(o: StixObject) -> Self {
        o.props
    }
}

fn id_of(props: &Map<String, Value>) -> Option<String> {
    props.get("id").and_then(Value::as_str).map(str::to_owned)
}

/// The JSON kind of a value, for messages.
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The few properties of a serialized object that sharing needs (id, type,
/// version, spec version, markings), read without building the whole
/// object: the TAXII server pages stored JSON out as it was stored and
/// parses only this.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ObjectHead {
    /// `id`.
    #[serde(default)]
    pub id: String,
    /// `type`.
    #[serde(rename = "type", default)]
    pub object_type: String,
    /// `spec_version`, absent on STIX 2.0 objects.
    #[serde(default)]
    pub spec_version: Option<String>,
    /// `created`.
    #[serde(default)]
    pub created: Option<String>,
    /// `modified`.
    #[serde(default)]
    pub modified: Option<String>,
    /// `object_marking_refs`.
    #[serde(default)]
    pub object_marking_refs: Vec<String>,
}

impl ObjectHead {
    /// Reads the head of one serialized object.
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The head of an object in hand.
    pub fn of(object: &StixObject) -> Self {
        let text = |k: &str| object.get_str(k).map(str::to_owned);
        Self {
            id: object.id().unwrap_or_default().to_owned(),
            object_type: object.object_type().to_owned(),
            spec_version: text("spec_version"),
            created: text("created"),
            modified: text("modified"),
            object_marking_refs: object
                .get("object_marking_refs")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// `modified`, else `created`, else empty, as [`StixObject::version_text`].
    pub fn version_text(&self) -> &str {
        self.modified
            .as_deref()
            .or(self.created.as_deref())
            .unwrap_or_default()
    }

    /// The version as a timestamp, if it is one.
    pub fn version(&self) -> Option<Timestamp> {
        Timestamp::parse(self.version_text()).ok()
    }
}

#[cfg(test)]
mod head_tests {
    use super::*;

    #[test]
    fn the_head_matches_the_object() {
        let text = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--00000001-0000-4000-8000-000000000000","created":"2026-01-01T00:00:00.000Z","modified":"2026-02-01T00:00:00.000Z","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],"pattern":"[ipv4-addr:value = '192.0.2.1']","nested":{"modified":"x","object_marking_refs":[1]}}"#;
        let object: StixObject = serde_json::from_str(text).expect("object");
        let head = ObjectHead::parse(text).expect("head");
        assert_eq!(head, ObjectHead::of(&object));
        assert_eq!(head.version_text(), object.version_text());
        assert_eq!(head.object_marking_refs.len(), 1);
        let bare =
            ObjectHead::parse(r#"{"type":"ipv4-addr","id":"ipv4-addr--1","value":"192.0.2.1"}"#)
                .expect("head");
        assert_eq!(bare.version_text(), "");
        assert!(bare.version().is_none());
        assert!(ObjectHead::parse(r#"{"type":"indicator","modified":7}"#).is_err());
    }
}
