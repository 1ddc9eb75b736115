//! The lookup indexes of current versions: exact values, names, relationships
//! and full text.

use serde_json::Value;
use yagura_stix::StixObject;

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
