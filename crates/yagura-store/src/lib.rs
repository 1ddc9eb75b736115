//! Yagura's intelligence store on sqlx. SQLite, embedded in one file under
//! the data directory, is the default; the SQL is written so that the
//! PostgreSQL backend can run it unchanged (only the full-text search and the
//! migrations differ per backend).
//!
//! Versioning follows STIX: an object version is `id` + `modified`. A newer
//! `modified` becomes current, the same again is a no-op, an older one is
//! kept as history. The indexes (exact values, names, relationships, text)
//! describe current versions only; revoked objects are left out of lookups.

// Only the binary prints.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

mod accounts;
mod batch;
mod index;
mod sharing;

use std::path::Path;
use std::sync::Once;

use serde_json::Value;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor as _, Row as _};
use yagura_core::{
    IntelStore, ObjectFilter, ObjectMeta, PutOutcome, RawObject, StoreError, StoreTx, StoredObject,
    ValueHit,
};
use yagura_stix::pattern::ValueKind;
use yagura_stix::{ObjectHead, StixObject, Timestamp, Tlp};

/// The database file inside the data directory.
pub const DB_FILE: &str = "yagura.db";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// The store on SQLite.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: AnyPool,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir`, migrating it to the
    /// current schema.
    pub async fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| backend(format!("creating {}: {e}", dir.display())))?;
        let path = dir.join(DB_FILE);
        Self::open_url(&format!("sqlite://{}?mode=rwc", path.display())).await
    }

    /// Opens a store by sqlx URL (`sqlite://…`).
    pub async fn open_url(url: &str) -> Result<Self, StoreError> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA temp_store = MEMORY").await?;
                    conn.execute("PRAGMA cache_size = -65536").await?;
                    // SQLite's default, said out loud: a checkpoint every
                    // 1,000 pages of WAL. 16,384 (fewer, larger checkpoints)
                    // made the 1M import slower here (83 s against 74 s) and
                    // stalled the commits that triggered them.
                    conn.execute("PRAGMA wal_autocheckpoint = 1000").await?;
                    Ok(())
                })
            })
            .connect(url)
            .await
            .map_err(backend)?;
        MIGRATOR.run(&pool).await.map_err(backend)?;
        Ok(Self { pool })
    }

    /// A transaction that will write: IMMEDIATE, so that it takes the
    /// write lock at its start, waiting (busy_timeout) for a writer that
    /// holds it. A deferred one reads first and then asks for the lock,
    /// and SQLite answers that upgrade with "database is locked" at once
    /// rather than wait (waiting could deadlock two upgrading readers).
    pub(crate) async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)
    }

    /// The objects a `select_objects!` query with one text parameter gives.
    async fn objects(
        &self,
        sql: &'static str,
        param: &str,
    ) -> Result<Vec<StoredObject>, StoreError> {
        let rows = sqlx::query(sql)
            .bind(param)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(stored).collect()
    }

    /// Copies what the write-ahead log holds into the database without
    /// blocking readers or writers (a passive checkpoint). A server calls
    /// it often, so that the checkpoint SQLite runs after a commit that
    /// fills the log (every 1,000 pages) finds little left to copy and does
    /// not stall that commit's request.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The sortable version key of an object: its `modified`, else `created`,
/// else empty (immutable objects such as SCOs).
fn version_key(object: &StixObject) -> Result<String, StoreError> {
    for key in ["modified", "created"] {
        if let Some(v) = object.get(key) {
            let text = v.as_str().unwrap_or_default();
            return Timestamp::parse(text)
                .map(Timestamp::sortable)
                .map_err(|e| StoreError::Unstorable {
                    id: object.id().unwrap_or_default().to_owned(),
                    reason: format!("{key}: {e}"),
                });
        }
    }
    Ok(String::new())
}

/// A write transaction on the SQLite store.
#[derive(Debug)]
pub struct SqliteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    /// One `date_added` for everything this transaction adds.
    added: String,
}

impl StoreTx for SqliteTx {
    async fn put(
        &mut self,
        object: &StixObject,
        meta: &ObjectMeta,
    ) -> Result<PutOutcome, StoreError> {
        let batch = [(object.clone(), meta.clone())];
        let outcomes = self.put_batch(&batch).await?;
        outcomes
            .into_iter()
            .next()
            .ok_or_else(|| backend("a batch of one gave no outcome"))
    }

    async fn put_batch(
        &mut self,
        batch: &[(StixObject, ObjectMeta)],
    ) -> Result<Vec<PutOutcome>, StoreError> {
        let mut pending = Vec::with_capacity(batch.len());
        for (object, meta) in batch {
            pending.push(batch::Pending::new(object, meta)?);
        }
        batch::write(&mut self.tx, &self.added, &mut pending).await
    }

    fn set_date_added(&mut self, at: Timestamp) {
        self.added = at.sortable();
    }

    async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(backend)
    }
}

/// A constant `SELECT` of stored objects (alias `o`) followed by `$rest`.
macro_rules! select_objects {
    ($rest:literal) => {
        concat!(
            "SELECT o.id, o.version, o.is_current, o.producer, o.tlp, o.residency, o.collection, o.date_added, o.body ",
            $rest
        )
    };
}

/// The columns of one stored version, as text.
struct Columns<'a> {
    id: &'a str,
    version: &'a str,
    current: bool,
    producer: Option<&'a str>,
    tlp: Option<&'a str>,
    residency: Option<&'a str>,
    collection: Option<&'a str>,
    date_added: &'a str,
}

impl Columns<'_> {
    fn corrupt(&self, reason: String) -> StoreError {
        StoreError::Corrupt {
            id: self.id.to_owned(),
            modified: self.version.to_owned(),
            reason,
        }
    }

    /// What the hub recorded about the version, and when it was added.
    fn meta(&self) -> Result<(ObjectMeta, Timestamp), StoreError> {
        let meta = ObjectMeta {
            producer: self.producer.and_then(|p| p.parse().ok()),
            tlp: self.tlp.and_then(|t| t.parse::<Tlp>().ok()),
            residency: self
                .residency
                .map(|r| r.split(',').filter_map(|j| j.parse().ok()).collect()),
            collection: self.collection.and_then(|c| c.parse().ok()),
        };
        let date_added =
            Timestamp::parse(self.date_added).map_err(|e| self.corrupt(e.to_string()))?;
        Ok((meta, date_added))
    }

    /// The version as stored: the body's text, its head parsed.
    fn raw(&self, body: String) -> Result<RawObject, StoreError> {
        let head = ObjectHead::parse(&body).map_err(|e| self.corrupt(e.to_string()))?;
        let (meta, date_added) = self.meta()?;
        Ok(RawObject {
            head,
            body,
            meta,
            date_added,
            current: self.current,
        })
    }

    /// The version with its object parsed whole.
    fn stored(&self, body: &str) -> Result<StoredObject, StoreError> {
        let value: Value = serde_json::from_str(body).map_err(|e| self.corrupt(e.to_string()))?;
        let object = StixObject::from_value(value).map_err(|e| self.corrupt(e.to_string()))?;
        let (meta, date_added) = self.meta()?;
        Ok(StoredObject {
            object,
            meta,
            date_added,
            current: self.current,
        })
    }
}

/// The columns and the body of a row of `select_objects!`, handed to `f`.
fn with_columns<T>(
    row: &AnyRow,
    f: impl FnOnce(&Columns<'_>, String) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let text = |col: &str| -> Result<String, StoreError> { row.try_get(col).map_err(backend) };
    let opt = |col: &str| -> Result<Option<String>, StoreError> {
        row.try_get::<Option<String>, _>(col).map_err(backend)
    };
    let (id, version, added) = (text("id")?, text("version")?, text("date_added")?);
    let (producer, tlp, residency, collection) = (
        opt("producer")?,
        opt("tlp")?,
        opt("residency")?,
        opt("collection")?,
    );
    let columns = Columns {
        id: &id,
        version: &version,
        current: row.try_get::<i64, _>("is_current").map_err(backend)? == 1,
        producer: producer.as_deref(),
        tlp: tlp.as_deref(),
        residency: residency.as_deref(),
        collection: collection.as_deref(),
        date_added: &added,
    };
    f(&columns, text("body")?)
}

/// Separates the records of a packed page (see `page_raw`): JSON as
/// serde_json writes it never holds a raw control character.
const RECORD: char = '\u{1e}';
/// Separates the fields of a packed record.
const FIELD: char = '\u{1f}';

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// One record of a packed page: position, columns, body.
fn unpack(record: &str) -> Result<(i64, RawObject), StoreError> {
    let bad = |why: &str| StoreError::Corrupt {
        id: record.chars().take(80).collect(),
        modified: String::new(),
        reason: format!("packed page record: {why}"),
    };
    let f: Vec<&str> = record.splitn(10, FIELD).collect();
    let [
        pos,
        id,
        version,
        current,
        producer,
        tlp,
        residency,
        collection,
        added,
        body,
    ] = f[..]
    else {
        return Err(bad("not 10 fields"));
    };
    let pos: i64 = pos.parse().map_err(|_| bad("position"))?;
    let raw = Columns {
        id,
        version,
        current: current == "1",
        producer: non_empty(producer),
        tlp: non_empty(tlp),
        residency: non_empty(residency),
        collection: non_empty(collection),
        date_added: added,
    }
    .raw(body.to_owned())?;
    Ok((pos, raw))
}

/// A row of `select_objects!` with its object parsed (once, whole).
fn stored(row: &AnyRow) -> Result<StoredObject, StoreError> {
    with_columns(row, |c, body| c.stored(&body))
}

impl SqliteStore {
    /// The rows of a page (see `IntelStore::page`), with their position as
    /// `pos`.
    async fn page_rows(
        &self,
        filter: &ObjectFilter,
        after: i64,
        limit: u32,
        packed: bool,
    ) -> Result<Vec<AnyRow>, StoreError> {
        // Only the conditions a filter uses are written, so that SQLite can
        // pick the index they allow (the partial index of current versions
        // by type, the collection index): `x IS NULL OR …` would hide them.
        // Only placeholders are spliced in; every value is bound.
        let mut clauses = vec!["o.rowid > $1".to_owned()];
        let mut texts: Vec<String> = Vec::new();
        let mut param = |value: String| {
            texts.push(value);
            format!("${}", texts.len() + 1)
        };
        if !filter.all_versions {
            clauses.push("o.is_current = 1".to_owned());
        }
        if !filter.revoked {
            clauses.push("o.revoked = 0".to_owned());
        }
        if filter.first_versions {
            clauses.push(
                "o.version = (SELECT MIN(f.version) FROM objects f WHERE f.id = o.id)".to_owned(),
            );
        }
        if let Some(c) = &filter.collection {
            clauses.push(format!("o.collection = {}", param(c.as_str().to_owned())));
        }
        if let Some(t) = filter.modified_since {
            clauses.push(format!("o.version >= {}", param(t.sortable())));
        }
        if let Some(t) = filter.added_after {
            clauses.push(format!("o.date_added > {}", param(t.sortable())));
        }
        for (column, values) in [("type", &filter.types), ("id", &filter.ids)] {
            if !values.is_empty() {
                let marks: Vec<String> = values.iter().map(|v| param(v.clone())).collect();
                clauses.push(format!("o.{column} IN ({})", marks.join(", ")));
            }
        }
        let sql = if packed {
            // The whole page as one value: the sqlx worker hands rows over
            // one by one (a channel send and three copies each), which cost
            // more than the query. Each record is built by one `concat_ws`
            // (a chain of `||` copies the growing text at every step), and
            // the records are put in order in Rust, from their position,
            // not by an ORDER BY in the aggregate (a sort of the whole page
            // inside SQLite).
            format!(
                "SELECT group_concat(concat_ws(char(31), o.pos, o.id, o.version, o.is_current, \
                 IFNULL(o.producer, ''), IFNULL(o.tlp, ''), IFNULL(o.residency, ''), \
                 IFNULL(o.collection, ''), o.date_added, o.body), char(30)) AS page \
                 FROM ({} FROM objects o WHERE {} ORDER BY o.rowid LIMIT {limit}) o",
                select_objects!(", o.rowid AS pos"),
                clauses.join(" AND ")
            )
        } else {
            format!(
                "{} FROM objects o WHERE {} ORDER BY o.rowid LIMIT {limit}",
                select_objects!(", o.rowid AS pos"),
                clauses.join(" AND ")
            )
        };
        // The limit is spliced in as a number, not bound: SQLite (built with
        // STAT4) re-prepares a statement whose LIMIT is a parameter every
        // time it is bound, which cost 12% of the server's CPU under load.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after);
        for t in texts {
            q = q.bind(t);
        }
        q.fetch_all(&self.pool).await.map_err(backend)
    }
}

impl IntelStore for SqliteStore {
    type Tx<'a> = SqliteTx;

    async fn begin(&self) -> Result<SqliteTx, StoreError> {
        let tx = self.write().await?;
        Ok(SqliteTx {
            tx,
            added: Timestamp::now().sortable(),
        })
    }

    async fn get(&self, id: &str) -> Result<Option<StoredObject>, StoreError> {
        let sql = select_objects!("FROM objects o WHERE o.id = $1 AND o.is_current = 1");
        let row = sqlx::query(sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(stored).transpose()
    }

    async fn versions(&self, id: &str) -> Result<Vec<StoredObject>, StoreError> {
        let sql = select_objects!("FROM objects o WHERE o.id = $1 ORDER BY o.version");
        self.objects(sql, id).await
    }

    async fn lookup_value(
        &self,
        value: &str,
        kind: Option<ValueKind>,
    ) -> Result<Vec<ValueHit>, StoreError> {
        let kinds: Vec<ValueKind> = kind.map_or_else(|| ValueKind::ALL.to_vec(), |k| vec![k]);
        // Each kind's normal form of the value, in kind order; one query
        // for the distinct forms (a domain is also a valid URL, file name,
        // mutex…: one round trip instead of one per kind).
        let mut pairs: Vec<(ValueKind, String)> = Vec::new();
        for k in kinds {
            if let Some(normal) = k.normalize(value)
                && !pairs.contains(&(k, normal.clone()))
            {
                pairs.push((k, normal));
            }
        }
        let mut forms: Vec<&str> = pairs.iter().map(|(_, v)| v.as_str()).collect();
        forms.sort_unstable();
        forms.dedup();
        if forms.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=forms.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "{} , v.kind AS hit_kind, v.value AS hit_value \
             FROM object_values v JOIN objects o ON o.id = v.object_id AND o.is_current = 1 \
             WHERE v.value IN ({}) AND o.revoked = 0 ORDER BY o.type, o.id",
            select_objects!("").trim_end(),
            placeholders.join(", ")
        );
        // Only placeholders are formatted in; the values are bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for f in &forms {
            query = query.bind(*f);
        }
        let rows = query.fetch_all(&self.pool).await.map_err(backend)?;
        let mut hits: Vec<(usize, ValueHit)> = Vec::new();
        for row in &rows {
            let hit_kind: String = row.try_get("hit_kind").map_err(backend)?;
            let hit_value: String = row.try_get("hit_value").map_err(backend)?;
            let Some(rank) = pairs
                .iter()
                .position(|(k, v)| k.as_str() == hit_kind && *v == hit_value)
            else {
                continue;
            };
            hits.push((
                rank,
                ValueHit {
                    kind: pairs[rank].0,
                    value: hit_value,
                    object: stored(row)?,
                },
            ));
        }
        // Kind order first, then type and id as the query sorted them.
        hits.sort_by_key(|(rank, _)| *rank);
        Ok(hits.into_iter().map(|(_, h)| h).collect())
    }

    async fn lookup_name(&self, name: &str) -> Result<Vec<StoredObject>, StoreError> {
        let sql = select_objects!(
            "FROM object_names n JOIN objects o ON o.id = n.object_id AND o.is_current = 1 \
             WHERE n.name = $1 AND o.revoked = 0 ORDER BY o.type, o.id"
        );
        self.objects(sql, &name.trim().to_lowercase()).await
    }

    async fn relationships(&self, id: &str) -> Result<Vec<StoredObject>, StoreError> {
        let sql = select_objects!(
            "FROM relationships r JOIN objects o ON o.id = r.object_id AND o.is_current = 1 \
             WHERE (r.source_ref = $1 OR r.target_ref = $1) AND o.revoked = 0 ORDER BY r.relationship_type, o.id"
        );
        self.objects(sql, id).await
    }

    async fn search_text(&self, query: &str, limit: u32) -> Result<Vec<StoredObject>, StoreError> {
        let Some(fts) = index::fts_query(query) else {
            return Ok(Vec::new());
        };
        let sql = select_objects!(
            "FROM object_text t JOIN objects o ON o.rowid = t.rowid AND o.is_current = 1 \
             WHERE object_text MATCH $1 AND o.revoked = 0 ORDER BY bm25(object_text) LIMIT $2"
        );
        let rows = sqlx::query(sql)
            .bind(fts)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(stored).collect()
    }

    async fn page(
        &self,
        filter: &ObjectFilter,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, StoredObject)>, StoreError> {
        let rows = self.page_rows(filter, after, limit, false).await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<i64, _>("pos").map_err(backend)?, stored(r)?)))
            .collect()
    }

    async fn page_raw(
        &self,
        filter: &ObjectFilter,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, RawObject)>, StoreError> {
        let rows = self.page_rows(filter, after, limit, true).await?;
        let Some(row) = rows.first() else {
            return Ok(Vec::new());
        };
        let Some(page) = row.try_get::<Option<String>, _>("page").map_err(backend)? else {
            return Ok(Vec::new());
        };
        let mut rows = page
            .split(RECORD)
            .map(unpack)
            .collect::<Result<Vec<_>, _>>()?;
        rows.sort_unstable_by_key(|(pos, _)| *pos);
        Ok(rows)
    }

    async fn delete(&self, id: &str, versions: &[Timestamp]) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let rows =
            sqlx::query("SELECT rowid AS r, version, is_current, body FROM objects WHERE id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await
                .map_err(backend)?;
        let wanted: Vec<String> = versions.iter().map(|t| t.sortable()).collect();
        let mut doomed = Vec::new();
        let mut current = None;
        // The newest version that stays: it becomes current if the current
        // one goes.
        let mut newest_kept: Option<(String, i64, String)> = None;
        for r in &rows {
            let rowid: i64 = r.try_get("r").map_err(backend)?;
            let version: String = r.try_get("version").map_err(backend)?;
            let is_current = r.try_get::<i64, _>("is_current").map_err(backend)? == 1;
            let body: String = r.try_get("body").map_err(backend)?;
            if wanted.is_empty() || wanted.contains(&version) {
                doomed.push(rowid);
                if is_current {
                    current = Some((rowid, body));
                }
            } else if newest_kept.as_ref().is_none_or(|(v, _, _)| version > *v) {
                newest_kept = Some((version, rowid, body));
            }
        }
        let had_current = current.is_some();
        if let Some(current) = current {
            batch::unindex(&mut tx, &[(id, current)]).await?;
        }
        for rowid in &doomed {
            sqlx::query("DELETE FROM objects WHERE rowid = $1")
                .bind(*rowid)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        if had_current && let Some((_, rowid, body)) = newest_kept {
            let object = serde_json::from_str::<serde_json::Value>(&body)
                .map_err(|e| e.to_string())
                .and_then(|v| StixObject::from_value(v).map_err(|e| e.to_string()))
                .map_err(|e| sharing::corrupt("objects", id, e))?;
            sqlx::query("UPDATE objects SET is_current = 1 WHERE rowid = $1")
                .bind(rowid)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            batch::index_current(&mut tx, &[(id, &object)]).await?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(doomed.len() as u64)
    }

    async fn count_by_type(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = sqlx::query("SELECT type, COUNT(*) AS n FROM objects WHERE is_current = 1 GROUP BY type ORDER BY type")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let t: String = r.try_get("type").map_err(backend)?;
                let n: i64 = r.try_get("n").map_err(backend)?;
                Ok((t, u64::try_from(n).unwrap_or(0)))
            })
            .collect()
    }
}
