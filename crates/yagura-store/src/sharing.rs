//! Organizations, collections and the audit log on SQLite.

use sqlx::Row as _;
use sqlx::any::AnyRow;
use yagura_core::{
    ApiRoot, AuditEntry, AuditFilter, AuditLog, AuditRecord, Collection, CollectionId, Directory,
    GENESIS, Org, OrgId, StoreError,
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

fn audit_row(r: &AnyRow) -> Result<AuditRecord, StoreError> {
    let seq: i64 = r.try_get("seq").map_err(backend)?;
    let channel: String = r.try_get("channel").map_err(backend)?;
    Ok(AuditRecord {
        seq: u64::try_from(seq).map_err(|e| corrupt("audit", &seq.to_string(), e))?,
        entry: AuditEntry {
            at: r.try_get("at").map_err(backend)?,
            recipient: r.try_get("recipient").map_err(backend)?,
            channel: channel
                .parse()
                .map_err(|e: String| corrupt("audit", &seq.to_string(), e))?,
            object_id: r.try_get("object_id").map_err(backend)?,
            version: r.try_get("version").map_err(backend)?,
            allow: r.try_get::<i64, _>("allow").map_err(backend)? != 0,
            reason: r.try_get("reason").map_err(backend)?,
        },
        prev_hash: r.try_get("prev_hash").map_err(backend)?,
        hash: r.try_get("hash").map_err(backend)?,
    })
}

/// Rows read per round trip when scanning the log.
const SCAN_PAGE: i64 = 10_000;

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
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)?;
        let head = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        let (mut seq, mut prev) = match head {
            Some(r) => (
                r.try_get::<i64, _>("seq").map_err(backend)?,
                r.try_get::<String, _>("hash").map_err(backend)?,
            ),
            None => (0, GENESIS.to_owned()),
        };
        let mut rows = Vec::with_capacity(entries.len());
        for e in entries {
            seq += 1;
            let mut r = AuditRecord {
                seq: u64::try_from(seq).map_err(backend)?,
                entry: e.clone(),
                prev_hash: prev,
                hash: String::new(),
            };
            r.hash = link(&r.prev_hash, &r);
            prev = r.hash.clone();
            rows.push(vec![
                P::Int(seq),
                P::Text(r.entry.at),
                P::Text(r.entry.recipient),
                P::Text(r.entry.channel.as_str().to_owned()),
                P::Text(r.entry.object_id),
                P::Text(r.entry.version),
                P::Int(i64::from(r.entry.allow)),
                P::Text(r.entry.reason),
                P::Text(r.prev_hash),
                P::Text(r.hash),
            ]);
        }
        insert_rows(
            &mut tx,
            "audit (seq, at, recipient, channel, object_id, version, allow, reason, prev_hash, hash)",
            "",
            10,
            rows,
        )
        .await?;
        tx.commit().await.map_err(backend)
    }

    async fn records(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        // The most recent `limit` matches, returned oldest first. Only the
        // conditions used are written, so that the recipient index serves
        // `--recipient` (an `x IS NULL OR …` condition would hide it).
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        for (column, value) in [
            ("recipient", &filter.recipient),
            ("object_id", &filter.object_id),
        ] {
            if let Some(v) = value {
                values.push(v.clone());
                clauses.push(format!("{column} = ${}", values.len() + 1));
            }
        }
        let sql = format!(
            "SELECT * FROM (SELECT * FROM audit {} ORDER BY seq DESC LIMIT $1) ORDER BY seq",
            if clauses.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", clauses.join(" AND "))
            }
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(
            filter
                .limit
                .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX)),
        );
        for v in values {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(audit_row).collect()
    }

    async fn scan<E: Send>(
        &self,
        mut each: impl FnMut(AuditRecord) -> Result<(), E> + Send,
    ) -> Result<Result<(), E>, StoreError> {
        // Keyset pages by `seq` (the table's rowid).
        let mut after = i64::MIN;
        loop {
            let rows = sqlx::query("SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(after)
                .bind(SCAN_PAGE)
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
            let Some(last) = rows.last() else {
                return Ok(Ok(()));
            };
            after = last.try_get("seq").map_err(backend)?;
            for r in &rows {
                if let Err(e) = each(audit_row(r)?) {
                    return Ok(Err(e));
                }
            }
        }
    }
}
