//! Bundles: reading STIX JSON (a bundle, a list of objects, or one object)
//! with errors that say where, and upgrading STIX 2.0 content to 2.1.

use serde_json::{Map, Value};

use crate::catalog::Category;
use crate::error::{BundleError, ObjectError};
use crate::object::{StixObject, json_kind};
use crate::timestamp::Timestamp;
use crate::version::StixVersion;

/// A STIX bundle: an id and a list of objects. Other properties of the
/// bundle (a 2.0 `spec_version`, custom properties) are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    /// The bundle's `id` (empty when the input was not a bundle).
    pub id: String,
    /// The objects, in order.
    pub objects: Vec<StixObject>,
    /// The bundle's other properties.
    pub extra: Map<String, Value>,
}

impl Bundle {
    /// Reads JSON text: a bundle, a list of objects, or a single object.
    /// Malformed JSON names the line and column; a malformed object names
    /// its position (and id, if it has one).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, BundleError> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| BundleError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        Self::from_value(value)
    }

    /// From parsed JSON.
    pub fn from_value(value: Value) -> Result<Self, BundleError> {
        match value {
            Value::Object(mut map) if map.get("type").and_then(Value::as_str) == Some("bundle") => {
                let id = match map.get("id") {
                    Some(Value::String(s)) => s.clone(),
                    _ => String::new(),
                };
                let objects = match map.shift_remove("objects") {
                    None => Vec::new(),
                    Some(Value::Array(items)) => objects(items)?,
                    Some(other) => {
                        return Err(BundleError::ObjectsNotAList {
                            found: json_kind(&other),
                        });
                    }
                };
                map.shift_remove("id");
                map.shift_remove("type");
                Ok(Self {
                    id,
                    objects,
                    extra: map,
                })
            }
            Value::Array(items) => Ok(Self {
                id: String::new(),
                objects: objects(items)?,
                extra: Map::new(),
            }),
            other => Ok(Self {
                id: String::new(),
                objects: vec![
                    StixObject::from_value(other)
                        .map_err(|source| BundleError::Object { index: 0, source })?,
                ],
                extra: Map::new(),
            }),
        }
    }

    /// The STIX version the content is written in: 2.0 when the bundle
    /// carries `spec_version: "2.0"` or no object carries a `spec_version`
    /// (2.0 objects have none), else 2.1.
    pub fn detected_version(&self) -> StixVersion {
        if self.extra.get("spec_version").and_then(Value::as_str) == Some("2.0") {
            return StixVersion::V2_0;
        }
        let any_21 = self.objects.iter().any(|o| o.spec_version().is_some());
        if any_21 || self.objects.is_empty() {
            StixVersion::V2_1
        } else {
            StixVersion::V2_0
        }
    }

    /// Upgrades STIX 2.0 objects to 2.1 in place (objects that already
    /// carry a `spec_version` are left alone): `spec_version` is added to
    /// everything but cyber-observables, `created`/`modified` get
    /// millisecond precision, the 2.0 `labels` of indicators, malware,
    /// reports, threat actors and tools become their `…_types`, indicators
    /// get `pattern_type: "stix"` and `pattern_version: "2.0"` (their
    /// patterns are 2.0 syntax), malware gets `is_family: true`. The bundle
    /// loses its 2.0 `spec_version`.
    pub fn upgrade_to_2_1(&mut self) {
        if self.extra.get("spec_version").and_then(Value::as_str) == Some("2.0") {
            self.extra.shift_remove("spec_version");
        }
        for o in &mut self.objects {
            upgrade_object(o);
        }
    }

    /// The bundle as JSON (a copy; to write it out, serialize the bundle
    /// itself, which copies nothing).
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("type".to_owned(), Value::String("bundle".to_owned()));
        map.insert("id".to_owned(), Value::String(self.id.clone()));
        for (k, v) in &self.extra {
            map.insert(k.clone(), v.clone());
        }
        map.insert(
            "objects".to_owned(),
            Value::Array(
                self.objects
                    .iter()
                    .map(|o| Value::Object(o.properties().clone()))
                    .collect(),
            ),
        );
        Value::Object(map)
    }
}

fn objects(items: Vec<Value>) -> Result<Vec<StixObject>, BundleError> {
    items
        .into_iter()
        .enumerate()
        .map(|(index, v)| {
            StixObject::from_value(v).map_err(|source| BundleError::Object { index, source })
        })
        .collect()
}

/// Upgrades one STIX 2.0 object to 2.1 in place, as
/// [`Bundle::upgrade_to_2_1`] does each of its objects.
pub fn upgrade_object(o: &mut StixObject) {
    if o.spec_version().is_some() {
        return;
    }
    let ty = o.object_type().to_owned();
    if o.category() == Category::Sco {
        return;
    }
    let props = o.properties_mut();
    props.shift_insert(
        1.min(props.len()),
        "spec_version".to_owned(),
        Value::String("2.1".to_owned()),
    );
    for key in ["created", "modified"] {
        if let Some(Value::String(s)) = props.get_mut(key)
            && let Ok(t) = Timestamp::parse(s)
            && !t.has_millis()
        {
            *s = t.with_millis().to_string();
        }
    }
    let types_prop = match ty.as_str() {
        "indicator" => Some("indicator_types"),
        "malware" => Some("malware_types"),
        "report" => Some("report_types"),
        "threat-actor" => Some("threat_actor_types"),
        "tool" => Some("tool_types"),
        _ => None,
    };
    if let Some(types_prop) = types_prop
        && !props.contains_key(types_prop)
        && let Some(labels) = props.shift_remove("labels")
    {
        props.insert(types_prop.to_owned(), labels);
    }
    match ty.as_str() {
        "indicator" => {
            props
                .entry("pattern_type")
                .or_insert_with(|| Value::String("stix".to_owned()));
            props
                .entry("pattern_version")
                .or_insert_with(|| Value::String("2.0".to_owned()));
        }
        "malware" => {
            props.entry("is_family").or_insert(Value::Bool(true));
        }
        _ => {}
    }
}

impl std::str::FromStr for Bundle {
    type Err = BundleError;

    /// As [`Bundle::from_slice`], from text.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_slice(text.as_bytes())
    }
}

/// What [`for_each_object`] learned about the container around the objects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Envelope {
    /// The input was a bundle (`type: "bundle"`), not a list or one object.
    pub is_bundle: bool,
    /// The bundle's properties other than `objects` (for a single object:
    /// the object, which was also handed to the callback).
    pub properties: Map<String, Value>,
    /// How many objects were handed to the callback.
    pub count: usize,
}

/// Where in the input a streamed object starts: its byte offset and line
/// (from 1), as counted by [`for_each_object_read`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Located {
    /// Bytes read before the object (it starts at or just after this).
    pub offset: u64,
    /// The line the object starts on, from 1.
    pub line: u64,
}

/// Counts the bytes and lines a reader has handed out.
#[derive(Debug)]
struct Counting<R> {
    inner: R,
    at: std::rc::Rc<std::cell::Cell<Located>>,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut at = self.at.get();
        at.offset += n as u64;
        at.line += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        self.at.set(at);
        Ok(n)
    }
}

/// As [`for_each_object`], reading from `reader` (give it a buffered
/// reader) so that memory holds one object, not the document: the way to
/// import files of any size. `f` also gets where each object starts.
pub fn for_each_object_read<R: std::io::Read>(
    reader: R,
    mut f: impl FnMut(Position, Located, Result<StixObject, ObjectError>),
) -> Result<Envelope, BundleError> {
    use serde::de::DeserializeSeed as _;
    let at = std::rc::Rc::new(std::cell::Cell::new(Located { offset: 0, line: 1 }));
    let counting = Counting {
        inner: reader,
        at: std::rc::Rc::clone(&at),
    };
    let mut de = serde_json::Deserializer::from_reader(counting);
    let json_err = |e: serde_json::Error| BundleError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    };
    let mut count = 0usize;
    let mut start = Located { offset: 0, line: 1 };
    let mut emit = |event: stream::Event| match event {
        stream::Event::Before => start = at.get(),
        stream::Event::Object(v) => {
            f(Position::Listed(count), start, StixObject::from_value(v));
            count += 1;
        }
    };
    let top = stream::Top { emit: &mut emit }
        .deserialize(&mut de)
        .map_err(json_err)?;
    de.end().map_err(json_err)?;
    let mut envelope = envelope_of(top, &mut |v| {
        f(
            Position::Alone,
            Located { offset: 0, line: 1 },
            StixObject::from_value(v),
        );
    });
    envelope.count += count;
    Ok(envelope)
}

/// The container around streamed objects; a lone object is handed to `alone`.
fn envelope_of(top: stream::TopLevel, alone: &mut dyn FnMut(Value)) -> Envelope {
    match top {
        stream::TopLevel::List => Envelope::default(),
        stream::TopLevel::Map(mut props, objects) => {
            if let Some(stream::Objects::Other(v)) = objects {
                // `objects` that was not a list (an observed-data's dictionary).
                props.insert("objects".to_owned(), v);
            }
            let is_bundle = props.get("type").and_then(Value::as_str) == Some("bundle");
            let mut count = 0;
            if !is_bundle {
                alone(Value::Object(props.clone()));
                count = 1;
            }
            Envelope {
                is_bundle,
                properties: props,
                count,
            }
        }
    }
}

/// Where a streamed object stood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The n-th element of a bundle's `objects` or of a top-level list.
    Listed(usize),
    /// The whole input was this one object.
    Alone,
}

/// Reads STIX JSON (a bundle, a list of objects, or one object) and hands
/// each object to `f` as soon as it is parsed, so that memory holds one
/// object at a time, not the whole bundle. `f` gets the object's position
/// and the object (or why it is not one).
pub fn for_each_object(
    bytes: &[u8],
    mut f: impl FnMut(Position, Result<StixObject, ObjectError>),
) -> Result<Envelope, BundleError> {
    use serde::de::DeserializeSeed as _;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let json_err = |e: serde_json::Error| BundleError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    };
    let mut count = 0usize;
    let mut emit = |event: stream::Event| {
        if let stream::Event::Object(v) = event {
            f(Position::Listed(count), StixObject::from_value(v));
            count += 1;
        }
    };
    let top = stream::Top { emit: &mut emit }
        .deserialize(&mut de)
        .map_err(json_err)?;
    de.end().map_err(json_err)?;
    let mut envelope = envelope_of(top, &mut |v| f(Position::Alone, StixObject::from_value(v)));
    envelope.count += count;
    Ok(envelope)
}

mod stream {
    //! Serde visitors that stream a bundle's `objects`.

    use std::fmt;

    use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Value};

    /// What the visitors report while reading a list of objects.
    pub(super) enum Event {
        /// The next element is about to be read.
        Before,
        /// An element was read.
        Object(Value),
    }

    pub(super) struct Top<'f> {
        pub(super) emit: &'f mut dyn FnMut(Event),
    }

    pub(super) enum TopLevel {
        List,
        Map(Map<String, Value>, Option<Objects>),
    }

    pub(super) enum Objects {
        Streamed,
        Other(Value),
    }

    impl<'de> DeserializeSeed<'de> for Top<'_> {
        type Value = TopLevel;

        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<TopLevel, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Top<'_> {
        type Value = TopLevel;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a STIX bundle, a list of STIX objects, or one STIX object")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopLevel, A::Error> {
            loop {
                (self.emit)(Event::Before);
                match seq.next_element::<Value>()? {
                    Some(v) => (self.emit)(Event::Object(v)),
                    None => break,
                }
            }
            Ok(TopLevel::List)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
            let mut props = Map::new();
            let mut objects = None;
            while let Some(key) = map.next_key::<String>()? {
                if key == "objects" && objects.is_none() {
                    objects = Some(map.next_value_seed(ObjectsSeed {
                        emit: &mut *self.emit,
                    })?);
                } else {
                    let v: Value = map.next_value()?;
                    props.insert(key, v);
                }
            }
            Ok(TopLevel::Map(props, objects))
        }
    }

    struct ObjectsSeed<'f> {
        emit: &'f mut dyn FnMut(Event),
    }

    impl<'de> DeserializeSeed<'de> for ObjectsSeed<'_> {
        type Value = Objects;

        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Objects, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for ObjectsSeed<'_> {
        type Value = Objects;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of STIX objects")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Objects, A::Error> {
            loop {
                (self.emit)(Event::Before);
                match seq.next_element::<Value>()? {
                    Some(v) => (self.emit)(Event::Object(v)),
                    None => break,
                }
            }
            Ok(Objects::Streamed)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Objects, A::Error> {
            let v = serde::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
            Ok(Objects::Other(v))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Objects, E> {
            Ok(Objects::Other(Value::String(v.to_owned())))
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Objects, E> {
            Ok(Objects::Other(Value::Bool(v)))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Objects, E> {
            Ok(Objects::Other(Value::from(v)))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Objects, E> {
            Ok(Objects::Other(Value::from(v)))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Objects, E> {
            Ok(Objects::Other(Value::from(v)))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Objects, E> {
            Ok(Objects::Other(Value::Null))
        }
    }
}

impl serde::Serialize for Bundle {
    /// `{"type": "bundle", "id": …, <other properties>, "objects": […]}`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(Some(self.extra.len() + 3))?;
        map.serialize_entry("type", "bundle")?;
        map.serialize_entry("id", &self.id)?;
        for (k, v) in &self.extra {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("objects", &self.objects)?;
        map.end()
    }
}
