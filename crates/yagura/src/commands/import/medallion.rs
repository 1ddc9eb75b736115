//! `yagura import --format medallion`: a medallion 3 (the OASIS TAXII 2.1
//! reference server) memory-backend file, so that its clients move over
//! unchanged: API roots keep their names and titles, collections their
//! ids, titles and `can_read`/`can_write`, objects their `date_added`
//! (`added_after` bookmarks stay valid), status resources their ids, and
//! users (a top-level `"users": {"name": "password"}`, as in medallion's
//! configuration file) their passwords, hashed with argon2id.
//!
//! medallion has one set of rights for every user; here its users become
//! partners of the organization `--org`, which is put in the audience of
//! every collection it migrates (so unmarked objects, under the hub's
//! default TLP, reach them as before). Everything is checked before
//! anything is written; objects go in one transaction.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use serde_json::{Map, Value};
use yagura_core::{
    Accounts, ApiRoot, Collection, CollectionId, DEFAULT_API_ROOT, Directory, IntelStore,
    ObjectMeta, OrgId, Role, StoreTx, User, UserId,
};
use yagura_stix::validate::{Options, validate_object};
use yagura_stix::{StixObject, StixVersion, Timestamp};
use yagura_store::SqliteStore;

use super::{ImportArgs, Tally, read_text};

/// What a medallion file holds, checked.
#[derive(Debug, Default)]
struct Plan {
    roots: Vec<ApiRoot>,
    collections: Vec<Collection>,
    /// Objects with their `date_added`, oldest first.
    objects: Vec<(Timestamp, StixObject, CollectionId)>,
    /// Status resources: id, request timestamp, body.
    statuses: Vec<(String, String, String)>,
    users: Vec<(UserId, String)>,
    /// Objects skipped (`--skip-invalid`) and why.
    skipped: Vec<String>,
    /// Things the migration changed that an operator should know.
    notes: Vec<String>,
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

/// Imports a medallion memory-backend file. The outer error is fatal; the
/// inner one rejects the file with nothing written.
pub(super) async fn import(
    store: &SqliteStore,
    path: &Path,
    args: &ImportArgs,
) -> Result<std::result::Result<Tally, String>> {
    let Some(org) = &args.org else {
        bail!(
            "--org names the organization medallion's users and objects belong to (see `yagura org add`)"
        );
    };
    if store.org(org).await?.is_none() {
        bail!("no organization {org:?} (see `yagura org add`)");
    }
    if args.collection.is_some() {
        bail!("--collection does not apply: medallion's collections are migrated as they are");
    }
    let text = read_text(path, args)?;
    let data: Value = match serde_json::from_str(&text) {
        Ok(d) => d,
        Err(e) => {
            return Ok(Err(format!(
                "not JSON: line {} column {}: {e}",
                e.line(),
                e.column()
            )));
        }
    };
    drop(text);
    let plan = match plan(&data, org, args.skip_invalid) {
        Ok(p) => p,
        Err(why) => return Ok(Err(why)),
    };
    drop(data);
    // What the hub already has must not clash.
    let roots: HashSet<String> = store
        .api_roots()
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    if let Some(r) = plan.roots.iter().find(|r| roots.contains(&r.name)) {
        return Ok(Err(format!("the hub already has an API root {:?}", r.name)));
    }
    let collections: HashSet<CollectionId> = store
        .collections()
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    if let Some(c) = plan
        .collections
        .iter()
        .find(|c| collections.contains(&c.id))
    {
        return Ok(Err(format!("the hub already has a collection {}", c.id)));
    }
    let users: HashSet<UserId> = store.users().await?.into_iter().map(|u| u.name).collect();
    if let Some((u, _)) = plan.users.iter().find(|(u, _)| users.contains(u)) {
        return Ok(Err(format!("the hub already has a user {u}")));
    }
    let mut hashes = Vec::with_capacity(plan.users.len());
    for (name, password) in &plan.users {
        let hash = yagura_server::secrets::hash_password(password)
            .with_context(|| format!("hashing the password of {name}"))?;
        hashes.push((name.clone(), hash));
    }

    let mut tally = Tally::new(args);
    let mut tx = store.begin().await.context("starting a transaction")?;
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut shared = 0_u64;
    for group in plan.objects.chunk_by(|a, b| a.0 == b.0) {
        tx.set_date_added(group[0].0);
        let mut batch = Vec::with_capacity(group.len());
        for (_, object, collection) in group {
            let key = (
                object.id().unwrap_or_default().to_owned(),
                object.version_text().to_owned(),
            );
            if !seen.insert(key) {
                // The store keeps one collection per object version.
                shared += 1;
                continue;
            }
            batch.push((
                object.clone(),
                ObjectMeta {
                    collection: Some(collection.clone()),
                    ..args.meta(yagura_stix::marking::marked_tlp(object))
                },
            ));
        }
        match tx.put_batch(&batch).await {
            Ok(outcomes) => {
                for (outcome, (object, _)) in outcomes.into_iter().zip(&batch) {
                    tally.add(outcome, object.object_type());
                }
            }
            Err(yagura_core::StoreError::Unstorable { id, reason }) => {
                return Ok(Err(format!("{id}: {reason}")));
            }
            Err(e) => return Err(e).context("storing"),
        }
    }
    tx.commit().await.context("committing")?;
    for r in &plan.roots {
        store.add_api_root(r).await?;
    }
    for c in &plan.collections {
        store.add_collection(c).await?;
    }
    for (id, when, body) in &plan.statuses {
        store.put_status(id, org.as_str(), when, body).await?;
    }
    for (name, hash) in &hashes {
        let user = User {
            name: name.clone(),
            org: org.clone(),
            role: Role::Partner,
        };
        store.add_user(&user, Some(hash)).await?;
    }
    let mut err = std::io::stderr();
    use std::io::Write as _;
    for s in &plan.skipped {
        writeln!(err, "{}: skipped {s}", path.display())?;
    }
    tally.rejected = plan.skipped.len() as u64;
    if shared > 0 {
        writeln!(
            err,
            "{}: {shared} object versions held in more than one collection stay in the first only",
            path.display()
        )?;
    }
    for n in &plan.notes {
        writeln!(err, "{}: {n}", path.display())?;
    }
    writeln!(
        err,
        "{}: {} API roots, {} collections, {} status resources, {} users (organization {org})",
        path.display(),
        plan.roots.len(),
        plan.collections.len(),
        plan.statuses.len(),
        plan.users.len()
    )?;
    Ok(Ok(tally))
}
