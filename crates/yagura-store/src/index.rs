//! The lookup indexes of current versions: exact values, names, relationships
//! and full text.

use serde_json::Value;
use yagura_core::StoreError;
use yagura_stix::StixObject;
use yagura_stix::pattern::{ExactValue, Pattern, StixVersion, values::observable_values};

use crate::backend;

type Tx = sqlx::Transaction<'static, sqlx::Any>;

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

/// Names, aliases and labels, lower-cased and without repeats.
pub(crate) fn names(object: &StixObject) -> Vec<String> {
    let mut out = Vec::new();
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

pub(crate) async fn add(tx: &mut Tx, id: &str, object: &StixObject) -> Result<(), StoreError> {
    for v in exact_values(object) {
        sqlx::query("INSERT INTO object_values (value, kind, object_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(&v.value)
            .bind(v.kind.as_str())
            .bind(id)
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
    }
    for n in names(object) {
        sqlx::query(
            "INSERT INTO object_names (name, object_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(n)
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    }
    if object.object_type() == "relationship"
        && let (Some(s), Some(t), Some(r)) = (
            object.get_str("source_ref"),
            object.get_str("target_ref"),
            object.get_str("relationship_type"),
        )
    {
        sqlx::query("INSERT INTO relationships (object_id, source_ref, target_ref, relationship_type) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(s)
            .bind(t)
            .bind(r)
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
    }
    let name = object.get_str("name");
    let description = object.get_str("description");
    if name.is_some() || description.is_some() {
        let mut name_text = name.unwrap_or_default().to_owned();
        for alias in names(object) {
            name_text.push(' ');
            name_text.push_str(&alias);
        }
        sqlx::query("INSERT INTO object_text (object_id, name, description) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(name_text)
            .bind(description.unwrap_or_default())
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

pub(crate) async fn remove(tx: &mut Tx, id: &str) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM object_values WHERE object_id = $1",
        "DELETE FROM object_names WHERE object_id = $1",
        "DELETE FROM relationships WHERE object_id = $1",
        "DELETE FROM object_text WHERE object_id = $1",
    ] {
        sqlx::query(sql)
            .bind(id)
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
    }
    Ok(())
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
