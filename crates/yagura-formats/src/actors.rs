//! The regional threat-actor base: actors that target Japan and East Asia
//! (MISP galaxy clusters joined to MITRE ATT&CK), as STIX 2.1.
//!
//! Each actor becomes an `intrusion-set` (its MISP galaxy UUID as id; name,
//! aliases, description, references to the galaxy and to ATT&CK), with
//! `originates-from` its attributed country, `targets` the countries and
//! regions it is reported against, and `related-to` the ATT&CK intrusion set
//! it is joined to. Countries and regions are `location` objects. Ids and
//! timestamps are fixed, so loading the base twice changes nothing.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;
use yagura_stix::StixObject;

use crate::countries::{country_code, country_name, region};

/// The derived data (see `data/README.md` for sources and licences).
const DATA: &str = include_str!("../data/east_asia_actors.json");

/// The date of the source data, used as `created`/`modified`.
const AS_OF: &str = "2026-08-06T00:00:00.000Z";

/// Namespace of the ids Yagura derives for this base.
const NAMESPACE: Uuid = Uuid::from_u128(0x7961_6775_7261_4000_8000_6163_746f_7273);

#[derive(Debug, Deserialize)]
struct Base {
    actors: Vec<Actor>,
}

#[derive(Debug, Deserialize)]
struct Actor {
    name: String,
    misp_uuid: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    aliases: Vec<String>,
    country: Option<String>,
    suspected_state_sponsor: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    victims: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    attack_groups: Vec<AttackGroup>,
    #[serde(default, deserialize_with = "null_as_empty")]
    target_category: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct AttackGroup {
    id: String,
    name: String,
    stix_id: String,
}

/// A list that may be written `null`.
fn null_as_empty<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Why the shipped base could not be read (a build defect, tested).
#[derive(Debug, thiserror::Error)]
#[error("the regional actor base does not parse: {0}")]
pub struct BaseError(String);

fn object(v: Value) -> Result<StixObject, BaseError> {
    StixObject::from_value(v).map_err(|e| BaseError(e.to_string()))
}

fn derived_id(ty: &str, key: &str) -> String {
    format!("{ty}--{}", Uuid::new_v5(&NAMESPACE, key.as_bytes()))
}

fn relationship(kind: &str, source: &str, target: &str) -> Value {
    json!({
        "type": "relationship", "spec_version": "2.1",
        "id": derived_id("relationship", &format!("{source} {kind} {target}")),
        "created": AS_OF, "modified": AS_OF,
        "relationship_type": kind, "source_ref": source, "target_ref": target,
    })
}

/// The base as STIX objects: locations first, then actors, then
/// relationships.
pub fn regional_base() -> Result<Vec<StixObject>, BaseError> {
    let base: Base = serde_json::from_str(DATA).map_err(|e| BaseError(e.to_string()))?;
    let mut locations: Map<String, Value> = Map::new();
    let mut location = |code: Option<&str>, region_ov: Option<&str>| -> Option<String> {
        let (key, body) = match (code, region_ov) {
            (Some(c), _) => (
                format!("country:{c}"),
                json!({"name": country_name(c).unwrap_or(c), "country": c}),
            ),
            (None, Some(r)) => (format!("region:{r}"), json!({"name": r, "region": r})),
            (None, None) => return None,
        };
        let id = derived_id("location", &key);
        if !locations.contains_key(&id) {
            let mut loc = json!({"type": "location", "spec_version": "2.1", "id": id, "created": AS_OF, "modified": AS_OF});
            if let (Value::Object(l), Value::Object(b)) = (&mut loc, body) {
                l.extend(b);
            }
            locations.insert(id.clone(), loc);
        }
        Some(id)
    };
    let mut actors = Vec::new();
    let mut relationships = Vec::new();
    for a in &base.actors {
        let id = if uuid::Uuid::parse_str(&a.misp_uuid)
            .is_ok_and(|u| u.get_variant() == uuid::Variant::RFC4122)
        {
            format!("intrusion-set--{}", a.misp_uuid)
        } else {
            derived_id("intrusion-set", &a.misp_uuid)
        };
        let mut aliases = vec![a.name.clone()];
        for alias in a
            .aliases
            .iter()
            .chain(a.attack_groups.iter().map(|g| &g.name))
        {
            if !aliases.iter().any(|x| x.eq_ignore_ascii_case(alias)) {
                aliases.push(alias.clone());
            }
        }
        let mut description = String::new();
        if let Some(c) = &a.country {
            description.push_str(&format!("Attributed to {}.", country_name(c).unwrap_or(c)));
        }
        if let Some(s) = &a.suspected_state_sponsor {
            description.push_str(&format!(" Suspected state sponsor: {s}."));
        }
        if !a.victims.is_empty() {
            description.push_str(&format!(" Reported victims: {}.", a.victims.join(", ")));
        }
        if !a.target_category.is_empty() {
            description.push_str(&format!(
                " Targeted sectors: {}.",
                a.target_category.join(", ")
            ));
        }
        let mut refs = vec![
            json!({"source_name": "misp-galaxy", "external_id": a.misp_uuid, "description": "MISP galaxy threat-actor cluster"}),
        ];
        for g in &a.attack_groups {
            refs.push(json!({"source_name": "mitre-attack", "external_id": g.id, "url": format!("https://attack.mitre.org/groups/{}/", g.id)}));
        }
        actors.push(json!({
            "type": "intrusion-set", "spec_version": "2.1", "id": id,
            "created": AS_OF, "modified": AS_OF,
            "name": a.name, "aliases": aliases, "description": description.trim(),
            "external_references": refs,
        }));
        if let Some(loc) = a.country.as_deref().and_then(|c| location(Some(c), None)) {
            relationships.push(relationship("originates-from", &id, &loc));
        }
        for v in &a.victims {
            if let Some(loc) = location(country_code(v), region(v)) {
                relationships.push(relationship("targets", &id, &loc));
            }
        }
        for g in &a.attack_groups {
            relationships.push(relationship("related-to", &id, &g.stix_id));
        }
    }
    let mut out: Vec<StixObject> = Vec::new();
    for v in locations
        .into_iter()
        .map(|(_, v)| v)
        .chain(actors)
        .chain(relationships)
    {
        out.push(object(v)?);
    }
    // One relationship per (source, kind, target).
    let mut seen = std::collections::HashSet::new();
    out.retain(|o| seen.insert(o.id().unwrap_or_default().to_owned()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use yagura_stix::validate::{Options, validate_object};

    use super::*;

    #[test]
    fn the_base_is_valid_stix() {
        let base = regional_base().expect("the shipped base parses");
        let actors = base
            .iter()
            .filter(|o| o.object_type() == "intrusion-set")
            .count();
        assert_eq!(actors, 386);
        let options = Options::default();
        for o in &base {
            let report = validate_object(o.properties(), &options);
            assert!(report.is_valid(), "{:?}: {:?}", o.id(), report.errors);
        }
        // menuPass / APT10: aliases, attributed to China, targets Japan, tied to ATT&CK G0045.
        let apt10 = base
            .iter()
            .find(|o| {
                o.get("aliases")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|x| x == "APT10"))
            })
            .expect("APT10 is in the base");
        let id = apt10.id().expect("id");
        let japan = derived_id("location", "country:JP");
        let targets_japan = base.iter().any(|o| {
            o.get_str("source_ref") == Some(id) && o.get_str("target_ref") == Some(&japan)
        });
        assert!(targets_japan, "{apt10:?}");
        assert!(
            apt10
                .get_str("description")
                .is_some_and(|d| d.starts_with("Attributed to China."))
        );
    }

    #[test]
    fn the_base_is_stable() {
        assert_eq!(
            regional_base().expect("parses"),
            regional_base().expect("parses")
        );
    }
}
