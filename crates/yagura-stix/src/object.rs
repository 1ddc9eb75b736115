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
