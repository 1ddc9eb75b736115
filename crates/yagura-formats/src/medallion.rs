//! medallion 3 (the OASIS TAXII 2.1 reference server) memory-backend
//! files: API roots, collections with `can_read`/`can_write`, objects with
//! the `date_added` of their manifest entries, status resources, and
//! (as in medallion's configuration) users. `yagura import --format
//! medallion` writes what [`read`] gives into the hub.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value};
use yagura_core::{ApiRoot, Collection, CollectionId, DEFAULT_API_ROOT, OrgId, UserId};
use yagura_stix::validate::{Options, validate_object};
use yagura_stix::{StixObject, StixVersion, Timestamp};

/// What a medallion file holds, checked.
#[derive(Debug, Default)]
pub struct Plan {
    /// The API roots to add (not the hub's default one).
    pub roots: Vec<ApiRoot>,
    /// The collections, with `org` as their audience.
    pub collections: Vec<Collection>,
    /// Objects (valid STIX) with their `date_added`, oldest first.
    pub objects: Vec<(Timestamp, StixObject, CollectionId)>,
    /// Status resources: id, request timestamp, body.
    pub statuses: Vec<(String, String, String)>,
    /// Users and their passwords (in clear, as medallion keeps them).
    pub users: Vec<(UserId, String)>,
    /// Objects skipped (`skip_invalid`) and why.
    pub skipped: Vec<String>,
    /// Things the migration changed that an operator should know.
    pub notes: Vec<String>,
}

/// The API root name of a discovery URL or data key
/// (`http://host:5000/api1/` → `api1`).
fn root_name(url: &str) -> &str {
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url)
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// medallion's version of an object: `modified`, else `created`, else the
/// hidden `_date_added` it gives objects with neither.
fn medallion_version(o: &Map<String, Value>) -> Option<&str> {
    ["modified", "created", "_date_added"]
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_str))
}

/// Reads a medallion memory-backend file (JSON text) into what the hub
/// will hold: every problem is an error naming where (`"root":
/// collections[i]: objects[j]: …`), unless `skip_invalid` sets invalid
/// objects aside. Users become members of `org`, which is the audience of
/// every collection.
pub fn read(text: &str, org: &OrgId, skip_invalid: bool) -> Result<Plan, String> {
    let data: Value = serde_json::from_str(text)
        .map_err(|e| format!("not JSON: line {} column {}: {e}", e.line(), e.column()))?;
    plan(&data, org, skip_invalid)
}

fn plan(data: &Value, org: &OrgId, skip_invalid: bool) -> Result<Plan, String> {
    let top = data
        .as_object()
        .ok_or("the file is not a JSON object (a medallion memory-backend file is)")?;
    let mut plan = Plan::default();
    let mut seen_collections = HashSet::new();
    let options = Options::default();
    let as_v20 = Options {
        version: StixVersion::V2_0,
        ..Options::default()
    };
    if let Some(d) = top.get("/discovery")
        && let Some(roots) = d.get("api_roots").and_then(Value::as_array)
    {
        for r in roots.iter().filter_map(Value::as_str) {
            if !top.contains_key(root_name(r)) {
                plan.notes.push(format!(
                    "/discovery lists {r} but the file has no API root {:?}: not migrated",
                    root_name(r)
                ));
            }
        }
    }
    for (key, root) in top {
        if key == "/discovery" || key == "users" {
            continue;
        }
        let at = |what: String| format!("{key:?}: {what}");
        if !root.is_object()
            || !(root.get("information").is_some() || root.get("collections").is_some())
        {
            return Err(at(
                "not an API root (no \"information\" or \"collections\")".into(),
            ));
        }
        let name = root_name(key);
        if !ApiRoot::valid_name(name) {
            return Err(at(
                "cannot be an API root name here (letters, digits, '-', '_', '.')".into(),
            ));
        }
        let info = root.get("information").cloned().unwrap_or(Value::Null);
        if name == DEFAULT_API_ROOT {
            plan.notes.push(format!(
                "API root {name:?} is the hub's default root: its collections join it"
            ));
        } else {
            plan.roots.push(ApiRoot {
                name: name.to_owned(),
                title: text(&info, "title").unwrap_or(name).to_owned(),
                description: text(&info, "description").map(str::to_owned),
            });
        }
        for (i, s) in root
            .get("status")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let id = text(s, "id").ok_or_else(|| at(format!("status[{i}] has no id")))?;
            let when = text(s, "request_timestamp").unwrap_or_default();
            plan.statuses
                .push((id.to_owned(), when.to_owned(), s.to_string()));
        }
        let collections = match root.get("collections") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list.clone(),
            Some(_) => return Err(at("\"collections\" is not a list".into())),
        };
        for (ci, c) in collections.iter().enumerate() {
            let at = |what: String| format!("{key:?}: collections[{ci}]: {what}");
            let raw_id = text(c, "id").ok_or_else(|| at("no id".into()))?;
            let id: CollectionId = raw_id
                .parse()
                .map_err(|e| at(format!("id {raw_id:?}: {e}")))?;
            if !seen_collections.insert(id.clone()) {
                return Err(at(format!("collection {id} appears twice")));
            }
            let flag = |k: &str| c.get(k).and_then(Value::as_bool).unwrap_or(false);
            plan.collections.push(Collection {
                title: text(c, "title").unwrap_or(raw_id).to_owned(),
                description: text(c, "description").map(str::to_owned),
                audience: vec![org.clone()],
                api_root: name.to_owned(),
                readable: flag("can_read"),
                writable: flag("can_write"),
                ..Collection::new(id.clone(), "")
            });
            // date_added by (id, version), from the manifest.
            let mut added: BTreeMap<(&str, &str), &str> = BTreeMap::new();
            for m in c
                .get("manifest")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(i), Some(v), Some(d)) =
                    (text(m, "id"), text(m, "version"), text(m, "date_added"))
                {
                    added.insert((i, v), d);
                }
            }
            for (oi, o) in c
                .get("objects")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let at = |what: String| at(format!("objects[{oi}]: {what}"));
                let mut o = o
                    .as_object()
                    .ok_or_else(|| at("not a JSON object".into()))?
                    .clone();
                let object_id = o
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let version = medallion_version(&o).unwrap_or_default().to_owned();
                let date = added
                    .get(&(object_id.as_str(), version.as_str()))
                    .ok_or_else(|| {
                        at(format!(
                            "{object_id} version {version:?} has no manifest entry (its date_added)"
                        ))
                    })?;
                let date =
                    Timestamp::parse(date).map_err(|e| at(format!("date_added {date:?}: {e}")))?;
                o.remove("_date_added");
                let checked = StixObject::from_value(Value::Object(o))
                    .map_err(|e| e.to_string())
                    .and_then(|object| {
                        let legacy =
                            object.spec_version().is_none() && object.get("created").is_some();
                        let report = validate_object(
                            object.properties(),
                            if legacy { &as_v20 } else { &options },
                        );
                        match report.errors.first() {
                            None => Ok(object),
                            Some(e) => Err(format!("{}: {}", e.path, e.message)),
                        }
                    });
                match checked {
                    Ok(object) => plan.objects.push((date, object, id.clone())),
                    Err(why) if skip_invalid => {
                        plan.skipped.push(at(format!("{object_id}: {why}")))
                    }
                    Err(why) => return Err(at(format!("{object_id}: {why}"))),
                }
            }
        }
    }
    if let Some(users) = top.get("users") {
        let users = users
            .as_object()
            .ok_or("\"users\" is not an object of name: password")?;
        for (name, password) in users {
            let id: UserId = name
                .parse()
                .map_err(|e| format!("users: {name:?} cannot be a user name here: {e}"))?;
            let password = password
                .as_str()
                .ok_or_else(|| format!("users: {name:?}: the password is not a string"))?;
            if password.chars().count() < 12 {
                plan.notes.push(format!(
                    "user {name}: the password is shorter than 12 characters (kept, so that clients keep working; change it)"
                ));
            }
            plan.users.push((id, password.to_owned()));
        }
    }
    plan.objects.sort_by_key(|(d, _, _)| d.sortable());
    Ok(plan)
}
