//! Observations to match against, read from observed-data as STIX 2.0
//! (objects embedded under `objects`) or STIX 2.1 (bundles whose
//! observed-data point at SCOs through `object_refs`).

use serde_json::Value;

use super::time::{Micros, parse_timestamp};
use crate::pattern::{MatchError, StixVersion};

/// STIX object types that are not cyber-observables: a 2.1 pattern naming
/// one never matches (as in the reference matcher).
const NON_SCO_TYPES_V21: &[&str] = &[
    "attack-pattern",
    "bundle",
    "campaign",
    "course-of-action",
    "extension-definition",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "language-content",
    "location",
    "malware",
    "malware-analysis",
    "marking-definition",
    "note",
    "observed-data",
    "opinion",
    "relationship",
    "report",
    "threat-actor",
    "tool",
    "sighting",
    "vulnerability",
];

pub(crate) fn is_non_sco_type(t: &str) -> bool {
    NON_SCO_TYPES_V21.contains(&t)
}

/// One observed-data: its cyber-observable objects and when, how often, it
/// was seen.
#[derive(Debug)]
pub(crate) struct Observation<'a> {
    /// Objects that references resolve against, with the key they are
    /// referenced by (the `objects` key in 2.0, the `id` in 2.1).
    pub(crate) objects: Vec<(&'a str, &'a Value)>,
    /// Whether `objects[i]` is a root a pattern's object type can select
    /// (in 2.1 the last object of each id).
    pub(crate) roots: Vec<bool>,
    pub(crate) first: Micros,
    pub(crate) last: Micros,
    pub(crate) count: u64,
}

/// Observed data prepared for matching. Build once, match many patterns.
#[derive(Debug)]
pub struct Observations<'a> {
    pub(crate) version: StixVersion,
    pub(crate) list: Vec<Observation<'a>>,
}

impl<'a> Observations<'a> {
    /// Reads observed data. For STIX 2.0, `items` are observed-data objects
    /// with embedded `objects`. For 2.1, they are bundles (or loose objects)
    /// whose observed-data list their SCOs in `object_refs`; 2.1
    /// observed-data with embedded `objects` are read as in 2.0.
    pub fn new(items: &'a [Value], version: StixVersion) -> Result<Self, MatchError> {
        let list = match version {
            StixVersion::V2_0 => items
                .iter()
                .enumerate()
                .map(|(i, sdo)| embedded(i, sdo))
                .collect::<Result<_, _>>()?,
            StixVersion::V2_1 => referenced(items)?,
        };
        Ok(Self { version, list })
    }

    /// How many observed-data were read.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

fn invalid(index: usize, reason: impl Into<String>) -> MatchError {
    MatchError::InvalidObservation {
        index,
        reason: reason.into(),
    }
}

/// `first_observed`, `last_observed`, `number_observed` of an observed-data.
fn timing(index: usize, sdo: &Value) -> Result<(Micros, Micros, u64), MatchError> {
    let (Some(first), Some(last), Some(number)) = (
        sdo.get("first_observed"),
        sdo.get("last_observed"),
        sdo.get("number_observed"),
    ) else {
        return Err(invalid(
            index,
            "observed-data must have number_observed, first_observed and last_observed",
        ));
    };
    let ts = |v: &Value, name: &str| {
        v.as_str()
            .and_then(parse_timestamp)
            .ok_or_else(|| invalid(index, format!("{name} is not a valid timestamp: {v}")))
    };
    let first = ts(first, "first_observed")?;
    let last = ts(last, "last_observed")?;
    if first > last {
        return Err(invalid(index, "first_observed is later than last_observed"));
    }
    let count = number.as_u64().filter(|n| *n >= 1).ok_or_else(|| {
        invalid(
            index,
            format!("number_observed must be an integer >= 1, not {number}"),
        )
    })?;
    Ok((first, last, count))
}

/// STIX 2.0 style: `objects` is a dictionary of key → object.
fn embedded(index: usize, sdo: &Value) -> Result<Observation<'_>, MatchError> {
    let (first, last, count) = timing(index, sdo)?;
    let objects: Vec<(&str, &Value)> = match sdo.get("objects") {
        None => Vec::new(),
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        Some(_) => return Err(invalid(index, "objects must be a dictionary")),
    };
    let roots = vec![true; objects.len()];
    Ok(Observation {
        objects,
        roots,
        first,
        last,
        count,
    })
}

/// STIX 2.1 style: all bundles' objects pooled; each observed-data becomes an
/// observation of itself plus the SCOs its `object_refs` name.
fn referenced(items: &[Value]) -> Result<Vec<Observation<'_>>, MatchError> {
    let mut pool: Vec<&Value> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.get("type").and_then(Value::as_str) {
            Some("bundle") => match item.get("objects") {
                Some(Value::Array(objs)) => pool.extend(objs.iter()),
                None => {}
                Some(_) => return Err(invalid(i, "bundle objects must be a list")),
            },
            Some(_) => pool.push(item),
            None => return Err(invalid(i, "item has no type")),
        }
    }
    let mut by_id: std::collections::HashMap<&str, &Value> = std::collections::HashMap::new();
    for obj in &pool {
        if obj.get("type").and_then(Value::as_str) == Some("observed-data") {
            continue;
        }
        let id = obj
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(0, format!("object without id: {}", brief(obj))))?;
        by_id.insert(id, obj);
    }
    let mut list = Vec::new();
    for od in pool
        .iter()
        .filter(|o| o.get("type").and_then(Value::as_str) == Some("observed-data"))
    {
        let index = list.len();
        if od.get("objects").is_some_and(Value::is_object) && od.get("object_refs").is_none() {
            list.push(embedded(index, od)?);
            continue;
        }
        let (first, last, count) = timing(index, od)?;
        let refs = match od.get("object_refs") {
            Some(Value::Array(refs)) => refs,
            _ => {
                return Err(invalid(
                    index,
                    "observed-data must have object_refs (or objects)",
                ));
            }
        };
        let od_id = od.get("id").and_then(Value::as_str).unwrap_or("");
        let mut objects = vec![(od_id, *od)];
        for r in refs {
            if let Some((id, obj)) = r.as_str().and_then(|id| by_id.get_key_value(id)) {
                objects.push((id, obj));
            }
        }
        // Selection by type sees one object per id: the last listed.
        let roots = (0..objects.len())
            .map(|i| !objects[i + 1..].iter().any(|(id, _)| *id == objects[i].0))
            .collect();
        list.push(Observation {
            objects,
            roots,
            first,
            last,
            count,
        });
    }
    Ok(list)
}

fn brief(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 80 {
        let mut end = 80;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s
    }
}
