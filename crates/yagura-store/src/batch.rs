//! Writing a batch of objects in few statements: one look-up of the ids'
//! versions, outcomes decided in memory (also between objects of the same
//! batch), then multi-row inserts of the versions and their index rows.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use sqlx::{AssertSqlSafe, Row as _};
use yagura_core::{ObjectMeta, PutOutcome, StoreError};
use yagura_stix::pattern::values::object_values;
use yagura_stix::{Identifier, StixObject};

use crate::{backend, index, version_key};

pub(crate) type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The placeholder of multi-row statements. SQLite binds `?` by position;
/// named `$n` would make sqlx look every name up, quadratic in a statement
/// of thousands of values. (PostgreSQL will use `$n`.)
const PLACEHOLDER: &str = "?";

/// Rows per multi-row statement (SQLite allows 32,766 parameters).
const ROWS_PER_STATEMENT: usize = 400;

/// One object on its way in.
pub(crate) struct Pending<'a> {
    id: &'a str,
    version: String,
    object: &'a StixObject,
    meta: &'a ObjectMeta,
    outcome: PutOutcome,
    current: bool,
}

impl<'a> Pending<'a> {
    pub(crate) fn new(object: &'a StixObject, meta: &'a ObjectMeta) -> Result<Self, StoreError> {
        let id = object.id().ok_or_else(|| StoreError::Unstorable {
            id: format!("(a {} without id)", object.object_type()),
            reason: "an object needs an id to be stored".to_owned(),
        })?;
        Identifier::parse(id).map_err(|e| StoreError::Unstorable {
            id: id.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            id,
            version: version_key(object)?,
            object,
            meta,
            outcome: PutOutcome::Unchanged,
            current: false,
        })
    }
}

/// A bindable value.
pub(crate) enum P {
    Text(String),
    Opt(Option<String>),
    Int(i64),
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds one row's values, moving them into the query.
fn bind_row(mut q: Query<'_>, row: Vec<P>) -> Query<'_> {
    for p in row {
        q = match p {
            P::Text(t) => q.bind(t),
            P::Opt(o) => q.bind(o),
            P::Int(i) => q.bind(i),
        };
    }
    q
}

/// `n` placeholders separated by commas.
fn placeholders(n: usize) -> String {
    vec![PLACEHOLDER; n].join(", ")
}

/// Runs `statement(tuples)` over `rows` in chunks of [`ROWS_PER_STATEMENT`],
/// where `tuples` is `(?, …), (?, …)`: one tuple of `width` placeholders a
/// row. Only placeholders are spliced into the SQL; the values are bound.
async fn execute_rows(
    tx: &mut Tx,
    width: usize,
    mut rows: Vec<Vec<P>>,
    statement: impl Fn(&str) -> String,
) -> Result<(), StoreError> {
    let tuple = format!("({})", placeholders(width));
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(ROWS_PER_STATEMENT));
        let chunk = std::mem::replace(&mut rows, rest);
        let sql = statement(&vec![tuple.as_str(); chunk.len()].join(", "));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for row in chunk {
            q = bind_row(q, row);
        }
        q.execute(&mut **tx).await.map_err(backend)?;
    }
    Ok(())
}

/// `INSERT INTO <head> VALUES (…), (…) <tail>` for `rows`, each of `width` values.
pub(crate) async fn insert_rows(
    tx: &mut Tx,
    head: &str,
    tail: &str,
    width: usize,
    rows: Vec<Vec<P>>,
) -> Result<(), StoreError> {
    execute_rows(tx, width, rows, |tuples| {
        format!("INSERT INTO {head} VALUES {tuples} {tail}")
    })
    .await
}

/// `<statement> WHERE … IN ($1, …)` over `ids`, in chunks.
async fn for_ids(tx: &mut Tx, statement: &str, ids: &[&str]) -> Result<(), StoreError> {
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let sql = statement.replace("{ids}", &placeholders(chunk.len()));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut **tx).await.map_err(backend)?;
    }
    Ok(())
}

/// What the store holds for an id before the batch: its versions and which
/// is current.
#[derive(Default)]
struct Known {
    versions: HashSet<String>,
    current: Option<String>,
    /// The stored current version's rowid and body (to unindex it).
    stored_current: Option<(i64, String)>,
    /// Index in the batch of the pending row that is current, if any.
    current_pending: Option<usize>,
}

pub(crate) async fn write(
    tx: &mut Tx,
    added: &str,
    pending: &mut [Pending<'_>],
) -> Result<Vec<PutOutcome>, StoreError> {
    let mut known: HashMap<&str, Known> = HashMap::new();
    let ids: Vec<&str> = {
        let mut ids: Vec<&str> = pending.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let list = placeholders(chunk.len());
        let sql = format!(
            "SELECT rowid AS rid, id, version, is_current, CASE WHEN is_current = 1 THEN body END AS body \
             FROM objects WHERE id IN ({})",
            list
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut **tx).await.map_err(backend)? {
            let id: String = row.try_get("id").map_err(backend)?;
            let version: String = row.try_get("version").map_err(backend)?;
            let is_current = row.try_get::<i64, _>("is_current").map_err(backend)? == 1;
            // Borrow the id from the batch (the map is keyed by it).
            let Some(key) = chunk.iter().find(|i| **i == id) else {
                continue;
            };
            let k = known.entry(key).or_default();
            if is_current {
                k.current = Some(version.clone());
                let rid: i64 = row.try_get("rid").map_err(backend)?;
                let body: Option<String> = row.try_get("body").map_err(backend)?;
                k.stored_current = Some((rid, body.unwrap_or_default()));
            }
            k.versions.insert(version);
        }
    }
    // Decide in batch order, as one-by-one puts would.
    let mut demote: Vec<(&str, (i64, String))> = Vec::new();
    for i in 0..pending.len() {
        let id = pending[i].id;
        let version = pending[i].version.clone();
        let k = known.entry(id).or_default();
        if k.versions.contains(&version) {
            pending[i].outcome = PutOutcome::Unchanged;
            continue;
        }
        let outcome = match &k.current {
            None => PutOutcome::New,
            Some(c) if version > *c => PutOutcome::Updated,
            Some(_) => PutOutcome::History,
        };
        if outcome != PutOutcome::History {
            match k.current_pending.take() {
                // The current version came in this batch: it becomes history.
                Some(j) => pending[j].current = false,
                None if k.current.is_some() => {
                    if let Some(stored) = k.stored_current.take() {
                        demote.push((id, stored));
                    }
                }
                None => {}
            }
            k.current = Some(version.clone());
            k.current_pending = Some(i);
            pending[i].current = true;
        }
        k.versions.insert(version);
        pending[i].outcome = outcome;
    }
    if !demote.is_empty() {
        let ids: Vec<&str> = demote.iter().map(|(id, _)| *id).collect();
        for_ids(
            tx,
            "UPDATE objects SET is_current = 0 WHERE is_current = 1 AND id IN ({ids})",
            &ids,
        )
        .await?;
        unindex(tx, &demote).await?;
    }
    let mut objects = Vec::new();
    let mut current = Vec::new();
    for p in pending
        .iter()
        .filter(|p| p.outcome != PutOutcome::Unchanged)
    {
        let body = serde_json::to_string(p.object).map_err(backend)?;
        let residency = p
            .meta
            .residency
            .as_ref()
            .map(|r| r.iter().map(|j| j.as_str()).collect::<Vec<_>>().join(","));
        objects.push(vec![
            P::Text(p.id.to_owned()),
            P::Text(p.version.clone()),
            P::Text(p.object.object_type().to_owned()),
            P::Int(i64::from(p.current)),
            P::Int(i64::from(
                p.object.get("revoked") == Some(&Value::Bool(true)),
            )),
            P::Opt(p.meta.producer.as_ref().map(|x| x.as_str().to_owned())),
            P::Opt(p.meta.tlp.map(|t| t.label().to_owned())),
            P::Opt(residency),
            P::Opt(p.meta.collection.as_ref().map(|c| c.as_str().to_owned())),
            P::Text(added.to_owned()),
            P::Text(body),
        ]);
        if p.current {
            current.push((p.id, p.object));
        }
    }
    // Nothing conflicts (the versions were looked up); the clause spares
    // SQLite a statement journal for each multi-row insert.
    insert_rows(
        tx,
        "objects (id, version, type, is_current, revoked, producer, tlp, residency, collection, date_added, body)",
        "ON CONFLICT DO NOTHING",
        11,
        objects,
    )
    .await?;
    index_current(tx, &current).await?;
    Ok(pending.iter().map(|p| p.outcome).collect())
}

/// Adds the index rows of versions that become current (their rows in
/// `objects` already written and marked current): exact values, names,
/// relationships, and full text by the row's rowid.
pub(crate) async fn index_current(
    tx: &mut Tx,
    current: &[(&str, &StixObject)],
) -> Result<(), StoreError> {
    let mut values = Vec::new();
    let mut names = Vec::new();
    let mut relationships = Vec::new();
    let mut texts = Vec::new();
    for (id, object) in current {
        for v in object_values(object) {
            values.push(vec![
                P::Text(v.value),
                P::Text(v.kind.as_str().to_owned()),
                P::Text((*id).to_owned()),
            ]);
        }
        for n in index::names(object) {
            names.push(vec![P::Text(n), P::Text((*id).to_owned())]);
        }
        if let Some((s, t, r)) = index::relationship(object) {
            relationships.push(vec![
                P::Text((*id).to_owned()),
                P::Text(s),
                P::Text(t),
                P::Text(r),
            ]);
        }
        if let Some((name, description)) = index::text(object) {
            texts.push((*id, name, description));
        }
    }
    insert_rows(
        tx,
        "object_values (value, kind, object_id)",
        "ON CONFLICT DO NOTHING",
        3,
        values,
    )
    .await?;
    insert_rows(
        tx,
        "object_names (name, object_id)",
        "ON CONFLICT DO NOTHING",
        2,
        names,
    )
    .await?;
    insert_rows(
        tx,
        "relationships (object_id, source_ref, target_ref, relationship_type)",
        "ON CONFLICT DO NOTHING",
        4,
        relationships,
    )
    .await?;
    if !texts.is_empty() {
        // Full-text rows take the rowid of their version in `objects`.
        let ids: Vec<&str> = texts.iter().map(|(id, _, _)| *id).collect();
        let rowids = current_rowids(tx, &ids).await?;
        let rows = texts
            .into_iter()
            .filter_map(|(id, name, description)| {
                rowids
                    .get(id)
                    .map(|rid| vec![P::Int(*rid), P::Text(name), P::Text(description)])
            })
            .collect();
        insert_rows(tx, "object_text (rowid, name, description)", "", 3, rows).await?;
    }
    Ok(())
}

/// Rowids of the current versions of `ids`.
async fn current_rowids(tx: &mut Tx, ids: &[&str]) -> Result<HashMap<String, i64>, StoreError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let list = placeholders(chunk.len());
        let sql = format!(
            "SELECT rowid AS rid, id FROM objects WHERE is_current = 1 AND id IN ({})",
            list
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut **tx).await.map_err(backend)? {
            out.insert(
                row.try_get("id").map_err(backend)?,
                row.try_get("rid").map_err(backend)?,
            );
        }
    }
    Ok(out)
}

/// Removes the index rows of versions that stop being current: exact
/// values and names by their full keys (recomputed from the stored body),
/// relationships by id, full text by rowid.
pub(crate) async fn unindex(tx: &mut Tx, old: &[(&str, (i64, String))]) -> Result<(), StoreError> {
    let mut values = Vec::new();
    let mut names = Vec::new();
    let mut ids = Vec::new();
    let mut rowids = Vec::new();
    for (id, (rowid, body)) in old {
        ids.push(*id);
        rowids.push(*rowid);
        let Ok(object) = serde_json::from_str::<Value>(body).map(StixObject::from_value) else {
            continue;
        };
        let Ok(object) = object else { continue };
        for v in object_values(&object) {
            values.push(vec![
                P::Text(v.value),
                P::Text(v.kind.as_str().to_owned()),
                P::Text((*id).to_owned()),
            ]);
        }
        for n in index::names(&object) {
            names.push(vec![P::Text(n), P::Text((*id).to_owned())]);
        }
    }
    delete_keys(tx, "object_values", "(value, kind, object_id)", 3, values).await?;
    delete_keys(tx, "object_names", "(name, object_id)", 2, names).await?;
    for_ids(
        tx,
        "DELETE FROM relationships WHERE object_id IN ({ids})",
        &ids,
    )
    .await?;
    for chunk in rowids.chunks(ROWS_PER_STATEMENT) {
        let list = placeholders(chunk.len());
        let sql = format!("DELETE FROM object_text WHERE rowid IN ({})", list);
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            q = q.bind(*r);
        }
        q.execute(&mut **tx).await.map_err(backend)?;
    }
    Ok(())
}

/// `DELETE FROM table WHERE (cols) IN (VALUES (…), …)`.
async fn delete_keys(
    tx: &mut Tx,
    table: &str,
    columns: &str,
    width: usize,
    rows: Vec<Vec<P>>,
) -> Result<(), StoreError> {
    execute_rows(tx, width, rows, |tuples| {
        format!("DELETE FROM {table} WHERE {columns} IN (VALUES {tuples})")
    })
    .await
}
