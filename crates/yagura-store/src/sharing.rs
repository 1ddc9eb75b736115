//! Organizations, collections and the audit log on SQLite.

use sqlx::Row as _;
use sqlx::any::AnyRow;
use yagura_core::{
    ApiRoot, AuditEntry, AuditFilter, AuditLog, AuditRecord, Channel, Collection, CollectionId,
    Directory, GENESIS, Org, OrgId, StoreError,
};

use crate::batch::{P, insert_rows};
use crate::{SqliteStore, backend};

pub(crate) fn conflict(what: &'static str, name: &str, e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict {
            what,
            name: name.to_owned(),
        },
        _ => backend(e),
    }
}

pub(crate) fn corrupt(table: &str, key: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        id: format!("{table} {key}"),
        modified: String::new(),
        reason: reason.to_string(),
    }
}

fn org_row(r: &AnyRow) -> Result<Org, StoreError> {
    let name: String = r.try_get("name").map_err(backend)?;
    let jurisdiction: String = r.try_get("jurisdiction").map_err(backend)?;
    Ok(Org {
        name: name.parse().map_err(|e| corrupt("org", &name, e))?,
        jurisdiction: jurisdiction.parse().map_err(|e| corrupt("org", &name, e))?,
        sector: r.try_get("sector").map_err(backend)?,
        community: r.try_get::<i64, _>("community").map_err(backend)? != 0,
    })
}

fn names(list: &[OrgId]) -> String {
    list.iter().map(OrgId::as_str).collect::<Vec<_>>().join(",")
}

impl Directory for SqliteStore {
    async fn add_org(&self, org: &Org) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO orgs (name, jurisdiction, sector, community) VALUES ($1, $2, $3, $4)",
        )
        .bind(org.name.as_str())
        .bind(org.jurisdiction.as_str())
        .bind(org.sector.clone())
        .bind(i64::from(org.community))
        .execute(&self.pool)
        .await
        .map_err(|e| conflict("organization", org.name.as_str(), e))?;
        Ok(())
    }

    async fn org(&self, name: &OrgId) -> Result<Option<Org>, StoreError> {
        let row = sqlx::query("SELECT * FROM orgs WHERE name = $1")
            .bind(name.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(org_row).transpose()
    }

    async fn orgs(&self) -> Result<Vec<Org>, StoreError> {
        let rows = sqlx::query("SELECT * FROM orgs ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(org_row).collect()
    }

    async fn remove_org(&self, name: &OrgId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM orgs WHERE name = $1")
            .bind(name.as_str())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn add_collection(&self, c: &Collection) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO collections (id, title, description, audience, api_root, readable, writable) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(c.id.as_str())
        .bind(c.title.clone())
        .bind(c.description.clone())
        .bind(names(&c.audience))
        .bind(c.api_root.clone())
        .bind(i64::from(c.readable))
        .bind(i64::from(c.writable))
        .execute(&self.pool)
        .await
        .map_err(|e| conflict("collection", c.id.as_str(), e))?;
        Ok(())
    }

    async fn collections(&self) -> Result<Vec<Collection>, StoreError> {
        let rows = sqlx::query("SELECT * FROM collections ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id").map_err(backend)?;
                let audience: String = r.try_get("audience").map_err(backend)?;
                Ok(Collection {
                    id: id.parse().map_err(|e| corrupt("collection", &id, e))?,
                    title: r.try_get("title").map_err(backend)?,
                    description: r.try_get("description").map_err(backend)?,
                    audience: audience
                        .split(',')
                        .filter(|n| !n.is_empty())
                        .map(|n| n.parse().map_err(|e| corrupt("collection", &id, e)))
                        .collect::<Result<_, _>>()?,
                    api_root: r.try_get("api_root").map_err(backend)?,
                    readable: r.try_get::<i64, _>("readable").map_err(backend)? != 0,
                    writable: r.try_get::<i64, _>("writable").map_err(backend)? != 0,
                })
            })
            .collect()
    }

    async fn remove_collection(&self, id: &CollectionId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM collections WHERE id = $1")
            .bind(id.as_str())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn add_api_root(&self, root: &ApiRoot) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO api_roots (name, title, description) VALUES ($1, $2, $3)")
            .bind(root.name.clone())
            .bind(root.title.clone())
            .bind(root.description.clone())
            .execute(&self.pool)
            .await
            .map_err(|e| conflict("API root", &root.name, e))?;
        Ok(())
    }

    async fn api_roots(&self) -> Result<Vec<ApiRoot>, StoreError> {
        let rows = sqlx::query("SELECT name, title, description FROM api_roots ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(ApiRoot {
                    name: r.try_get("name").map_err(backend)?,
                    title: r.try_get("title").map_err(backend)?,
                    description: r.try_get("description").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn remove_api_root(&self, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM api_roots WHERE name = $1")
            .bind(name.to_owned())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }
}

/// Records in one stored run at most.
const RUN_LIMIT: usize = 1_000;

/// Runs read per round trip when scanning or listing the log.
const RUNS_PAGE: i64 = 64;

/// One record as a run's `entries` hold it: object id, version, allow,
/// reason, hash.
type Packed = (String, String, bool, String, String);

/// The records of one stored run, each with its place and its link in the
/// chain (the first one's `prev_hash` is the run's, the others' the hash of
/// the record before).
fn run_records(r: &AnyRow) -> Result<Vec<AuditRecord>, StoreError> {
    let first: i64 = r.try_get("first_seq").map_err(backend)?;
    let last: i64 = r.try_get("last_seq").map_err(backend)?;
    let key = first.to_string();
    let channel: String = r.try_get("channel").map_err(backend)?;
    let channel: Channel = channel
        .parse()
        .map_err(|e: String| corrupt("audit run", &key, e))?;
    let at: String = r.try_get("at").map_err(backend)?;
    let recipient: String = r.try_get("recipient").map_err(backend)?;
    let mut prev: String = r.try_get("prev_hash").map_err(backend)?;
    let entries: String = r.try_get("entries").map_err(backend)?;
    let entries: Vec<Packed> =
        serde_json::from_str(&entries).map_err(|e| corrupt("audit run", &key, e))?;
    let first = u64::try_from(first).map_err(|e| corrupt("audit run", &key, e))?;
    if entries.is_empty() || u64::try_from(last).ok() != Some(first + entries.len() as u64 - 1) {
        return Err(corrupt(
            "audit run",
            &key,
            format!("{} records for seq {first}..={last}", entries.len()),
        ));
    }
    let mut out = Vec::with_capacity(entries.len());
    for (seq, (object_id, version, allow, reason, hash)) in (first..).zip(entries) {
        let prev_hash = std::mem::replace(&mut prev, hash.clone());
        out.push(AuditRecord {
            seq,
            entry: AuditEntry {
                at: at.clone(),
                recipient: recipient.clone(),
                channel,
                object_id,
                version,
                allow,
                reason,
            },
            prev_hash,
            hash,
        });
    }
    Ok(out)
}

/// Whether a record passes the filter's conditions (the limit aside).
fn wanted(filter: &AuditFilter, r: &AuditRecord) -> bool {
    filter
        .recipient
        .as_ref()
        .is_none_or(|w| *w == r.entry.recipient)
        && filter
            .object_id
            .as_ref()
            .is_none_or(|w| *w == r.entry.object_id)
}

/// The log's last record: its seq and hash.
type Head = (i64, String);

/// The rows of `entries` chained after `head`, in runs.
fn chain(
    entries: &[AuditEntry],
    (mut seq, mut prev): Head,
    link: fn(&str, &AuditRecord) -> String,
) -> Result<Vec<Vec<P>>, StoreError> {
    // One record reused for hashing, its strings refilled in place.
    let Some(first_entry) = entries.first() else {
        return Ok(Vec::new());
    };
    let mut record = AuditRecord {
        seq: 0,
        entry: first_entry.clone(),
        prev_hash: String::new(),
        hash: String::new(),
    };
    let mut rows = Vec::new();
    let same_run = |a: &AuditEntry, b: &AuditEntry| {
        a.at == b.at && a.recipient == b.recipient && a.channel == b.channel
    };
    let mut rest = entries;
    while let Some(head) = rest.first() {
        let len = rest
            .iter()
            .take(RUN_LIMIT)
            .take_while(|e| same_run(head, e))
            .count();
        let (run, tail) = rest.split_at(len);
        rest = tail;
        let run_prev = prev.clone();
        let first = seq + 1;
        record.entry.at.clone_from(&head.at);
        record.entry.recipient.clone_from(&head.recipient);
        record.entry.channel = head.channel;
        let mut packed = Vec::with_capacity(run.len() * 180);
        packed.push(b'[');
        for (i, e) in run.iter().enumerate() {
            seq += 1;
            record.seq = u64::try_from(seq).map_err(backend)?;
            let r = &mut record.entry;
            r.object_id.clone_from(&e.object_id);
            r.version.clone_from(&e.version);
            r.allow = e.allow;
            r.reason.clone_from(&e.reason);
            std::mem::swap(&mut record.prev_hash, &mut prev);
            prev = link(&record.prev_hash, &record);
            if i > 0 {
                packed.push(b',');
            }
            serde_json::to_writer(
                &mut packed,
                &(&e.object_id, &e.version, e.allow, &e.reason, &prev),
            )
            .map_err(backend)?;
        }
        packed.push(b']');
        let packed = String::from_utf8(packed).map_err(backend)?;
        rows.push(vec![
            P::Int(first),
            P::Int(seq),
            P::Text(head.at.clone()),
            P::Text(head.recipient.clone()),
            P::Text(head.channel.as_str().to_owned()),
            P::Text(run_prev),
            P::Text(packed),
            P::Text(prev.clone()),
        ]);
    }
    Ok(rows)
}

const RUN_COLUMNS: &str =
    "audit_runs (first_seq, last_seq, at, recipient, channel, prev_hash, entries, hash)";

impl AuditLog for SqliteStore {
    async fn append(
        &self,
        entries: &[AuditEntry],
        link: fn(&str, &AuditRecord) -> String,
    ) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        // IMMEDIATE: the writer lock is taken before the head is read, so
        // two appenders cannot chain to the same record.
        let mut tx = self.write().await?;
        let head =
            sqlx::query("SELECT last_seq, hash FROM audit_runs ORDER BY first_seq DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
        let head = match head {
            Some(r) => (
                r.try_get::<i64, _>("last_seq").map_err(backend)?,
                r.try_get::<String, _>("hash").map_err(backend)?,
            ),
            None => (0, GENESIS.to_owned()),
        };
        let rows = chain(entries, head, link)?;
        insert_rows(&mut tx, RUN_COLUMNS, "", 8, rows).await?;
        tx.commit().await.map_err(backend)
    }

    async fn records(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        // The most recent `limit` matches, returned oldest first: runs are
        // read newest first and only the conditions used are written, so
        // that the recipient index serves `--recipient`; an object id is
        // looked for in the packed text first, then matched exactly.
        let limit = filter
            .limit
            .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        let mut clauses = vec!["first_seq < $1".to_owned()];
        let mut values = Vec::new();
        if let Some(r) = &filter.recipient {
            values.push(r.clone());
            clauses.push(format!("recipient = ${}", values.len() + 1));
        }
        if let Some(id) = &filter.object_id {
            values.push(serde_json::to_string(id).map_err(backend)?);
            clauses.push(format!("instr(entries, ${}) > 0", values.len() + 1));
        }
        let sql = format!(
            "SELECT * FROM audit_runs WHERE {} ORDER BY first_seq DESC LIMIT {RUNS_PAGE}",
            clauses.join(" AND ")
        );
        let mut newest_first = Vec::new();
        let mut before = i64::MAX;
        while newest_first.len() < limit {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(before);
            for v in &values {
                q = q.bind(v.clone());
            }
            let rows = q.fetch_all(&self.pool).await.map_err(backend)?;
            let Some(last) = rows.last() else { break };
            before = last.try_get("first_seq").map_err(backend)?;
            'runs: for row in &rows {
                for r in run_records(row)?.into_iter().rev() {
                    if newest_first.len() == limit {
                        break 'runs;
                    }
                    if wanted(filter, &r) {
                        newest_first.push(r);
                    }
                }
            }
        }
        newest_first.reverse();
        Ok(newest_first)
    }

    async fn scan<E: Send>(
        &self,
        mut each: impl FnMut(AuditRecord) -> Result<(), E> + Send,
    ) -> Result<Result<(), E>, StoreError> {
        // Keyset pages of runs by `first_seq` (the table's rowid).
        let mut after = i64::MIN;
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT * FROM audit_runs WHERE first_seq > $1 ORDER BY first_seq LIMIT {RUNS_PAGE}"
            )))
            .bind(after)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
            let Some(last) = rows.last() else {
                return Ok(Ok(()));
            };
            after = last.try_get("first_seq").map_err(backend)?;
            for row in &rows {
                for r in run_records(row)? {
                    if let Err(e) = each(r) {
                        return Ok(Err(e));
                    }
                }
            }
        }
    }
}
