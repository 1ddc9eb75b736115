//! The lookup indexes of current versions: exact values, names, relationships
//! and full text.

use serde_json::Value;
use yagura_stix::StixObject;
use yagura_stix::pattern::{ExactValue, Pattern, StixVersion, values::observable_values};

/// Exact values an object looks for (an indicator with a STIX pattern) or is
/// (a cyber-observable).
pub(crate) fn exact_values(object: &StixObject) -> Vec<ExactValue> {
    if object.object_type() == "indicator" {
        let stix = object.get_str("pattern_type").is_none_or(|t| t == "stix");
        let Some(pattern) = object.get_str("pattern").filter(|_| stix) else {
            return Vec::new();
        };
        let version = match object
            .get_str("pattern_version")
            .or_else(|| object.spec_version())
        {
            Some("2.1") => StixVersion::V2_1,
            Some(_) | None => StixVersion::V2_0,
        };
        // A pattern that does not parse in its version is tried in the other.
        return Pattern::parse(pattern, version)
            .or_else(|_| {
                let other = if version == StixVersion::V2_0 {
                    StixVersion::V2_1
                } else {
                    StixVersion::V2_0
                };
                Pattern::parse(pattern, other)
            })
            .map(|p| p.exact_values())
            .unwrap_or_default();
    }
    observable_values(object.properties())
}

/// Names, aliases and labels, lower-cased and without repeats, of objects
/// that a name identifies (actors, malware, tools, techniques…). Indicators,
/// relationships, sightings and observables are found by value or text.
pub(crate) fn names(object: &StixObject) -> Vec<String> {
    let mut out = Vec::new();
    if matches!(
        object.object_type(),
        "indicator" | "relationship" | "sighting" | "observed-data" | "note" | "opinion" | "report"
    ) || yagura_stix::catalog::category(object.object_type())
        == yagura_stix::catalog::Category::Sco
    {
        return out;
    }
    if let Some(n) = object.get_str("name") {
        out.push(n.to_lowercase());
    }
    for key in ["aliases", "x_mitre_aliases", "labels"] {
        if let Some(Value::Array(items)) = object.get(key) {
            out.extend(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_lowercase),
            );
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A relationship's (source, target, type).
pub(crate) fn relationship(object: &StixObject) -> Option<(String, String, String)> {
    if object.object_type() != "relationship" {
        return None;
    }
    Some((
        object.get_str("source_ref")?.to_owned(),
        object.get_str("target_ref")?.to_owned(),
        object.get_str("relationship_type")?.to_owned(),
    ))
}

/// The searchable text of an object: (name with aliases, description).
pub(crate) fn text(object: &StixObject) -> Option<(String, String)> {
    let name = object.get_str("name");
    let description = object.get_str("description");
    if name.is_none() && description.is_none() {
        return None;
    }
    let mut name_text = name.unwrap_or_default().to_owned();
    for alias in names(object) {
        name_text.push(' ');
        name_text.push_str(&alias);
    }
    Some((name_text, description.unwrap_or_default().to_owned()))
}

/// A user's words as an FTS5 query: each word quoted (so operators and
/// punctuation in the input are plain text), all words required.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '_' && c != '-')
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"", w.replace('"', "")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}
