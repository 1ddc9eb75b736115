//! Users and API tokens on SQLite.

use sqlx::Row as _;
use sqlx::any::AnyRow;
use yagura_core::{Accounts, Org, StoreError, TokenInfo, User, UserId};

use crate::sharing::{conflict, corrupt};
use crate::{SqliteStore, backend};

fn user_row(r: &AnyRow) -> Result<User, StoreError> {
    let name: String = r.try_get("name").map_err(backend)?;
    let org: String = r.try_get("org").map_err(backend)?;
    let role: String = r.try_get("role").map_err(backend)?;
    Ok(User {
        name: name.parse().map_err(|e| corrupt("user", &name, e))?,
        org: org.parse().map_err(|e| corrupt("user", &name, e))?,
        role: role
            .parse()
            .map_err(|e: String| corrupt("user", &name, e))?,
    })
}

fn token_row(r: &AnyRow) -> Result<TokenInfo, StoreError> {
    let id: String = r.try_get("id").map_err(backend)?;
    let user: String = r.try_get("user_name").map_err(backend)?;
    Ok(TokenInfo {
        user: user.parse().map_err(|e| corrupt("token", &id, e))?,
        created: r.try_get("created").map_err(backend)?,
        id,
    })
}

impl Accounts for SqliteStore {
    async fn add_user(&self, user: &User, password_hash: Option<&str>) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO users (name, org, role, password_hash) VALUES ($1, $2, $3, $4)")
            .bind(user.name.as_str())
            .bind(user.org.as_str())
            .bind(user.role.as_str())
            .bind(password_hash.map(str::to_owned))
            .execute(&self.pool)
            .await
            .map_err(|e| conflict("user", user.name.as_str(), e))?;
        Ok(())
    }

    async fn user(&self, name: &UserId) -> Result<Option<(User, Option<String>)>, StoreError> {
        let row = sqlx::query("SELECT * FROM users WHERE name = $1")
            .bind(name.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        match row {
            Some(r) => Ok(Some((
                user_row(&r)?,
                r.try_get("password_hash").map_err(backend)?,
            ))),
            None => Ok(None),
        }
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query("SELECT * FROM users ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(user_row).collect()
    }

    async fn remove_user(&self, name: &UserId) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM tokens WHERE user_name = $1")
            .bind(name.as_str())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let done = sqlx::query("DELETE FROM users WHERE name = $1")
            .bind(name.as_str())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn add_token(&self, token: &TokenInfo, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO tokens (id, user_name, token_hash, created) VALUES ($1, $2, $3, $4)",
        )
        .bind(token.id.clone())
        .bind(token.user.as_str())
        .bind(token_hash.to_owned())
        .bind(token.created.clone())
        .execute(&self.pool)
        .await
        .map_err(|e| conflict("token", &token.id, e))?;
        Ok(())
    }

    async fn user_by_token(&self, token_hash: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT u.* FROM tokens t JOIN users u ON u.name = t.user_name WHERE t.token_hash = $1",
        )
        .bind(token_hash.to_owned())
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.as_ref().map(user_row).transpose()
    }

    async fn tokens(&self, user: Option<&UserId>) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, user_name, created FROM tokens WHERE ($1 IS NULL OR user_name = $1) ORDER BY created, id",
        )
        .bind(user.map(|u| u.as_str().to_owned()))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(token_row).collect()
    }

    async fn remove_token(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM tokens WHERE id = $1")
            .bind(id.to_owned())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }
}

impl SqliteStore {
    /// The user a token hash belongs to and its organization, in one
    /// query (what every bearer request asks); none if either is gone.
    pub async fn token_principal(
        &self,
        token_hash: &str,
    ) -> Result<Option<(User, Org)>, StoreError> {
        let row = sqlx::query(
            "SELECT u.name, u.org, u.role, o.jurisdiction, o.sector, o.community \
             FROM tokens t JOIN users u ON u.name = t.user_name JOIN orgs o ON o.name = u.org \
             WHERE t.token_hash = $1",
        )
        .bind(token_hash.to_owned())
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some(r) = row else { return Ok(None) };
        let user = user_row(&r)?;
        let jurisdiction: String = r.try_get("jurisdiction").map_err(backend)?;
        let org = Org {
            name: user.org.clone(),
            jurisdiction: jurisdiction
                .parse()
                .map_err(|e| corrupt("org", user.org.as_str(), e))?,
            sector: r.try_get("sector").map_err(backend)?,
            community: r.try_get::<i64, _>("community").map_err(backend)? != 0,
        };
        Ok(Some((user, org)))
    }

    /// Keeps a TAXII status resource (JSON text) for an organization.
    pub async fn put_status(
        &self,
        id: &str,
        org: &str,
        created: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO taxii_status (id, org, created, body) VALUES ($1, $2, $3, $4)")
            .bind(id.to_owned())
            .bind(org.to_owned())
            .bind(created.to_owned())
            .bind(body.to_owned())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// A TAXII status resource, if it exists and belongs to `org`.
    pub async fn status(&self, id: &str, org: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT body FROM taxii_status WHERE id = $1 AND org = $2")
            .bind(id.to_owned())
            .bind(org.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| r.try_get::<String, _>("body").map_err(backend))
            .transpose()
    }
}
