//! Who is asking: HTTP Basic (user and password, argon2id-verified) or a
//! bearer token (looked up by its SHA-256). A successful Basic check is
//! remembered for a few minutes by the SHA-256 of the credentials, so that a
//! client paging with Basic auth does not pay argon2 on every page.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine as _;
use yagura_core::{Accounts, Directory, Org, User, UserId};

use crate::AppState;
use crate::error::ApiError;
use crate::secrets::{token_hash, verify_password};

/// How long a verified Basic credential is trusted without argon2 again.
const BASIC_TTL: Duration = Duration::from_secs(300);

/// How long a bearer token's user and organization are reused without
/// asking the store: removing a token, a user or an organization takes
/// effect within this (as collection changes do; see `release::ContextCache`).
const TOKEN_TTL: Duration = Duration::from_secs(1);

/// Entries a cache keeps at most.
const CACHE_SIZE: usize = 10_000;

/// Values remembered for a while, by key (a SHA-256 of the credential).
#[derive(Debug)]
pub struct TtlCache<V> {
    ttl: Duration,
    map: Mutex<HashMap<String, (V, Instant)>>,
}

impl<V: Clone> TtlCache<V> {
    fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, key: &str) -> Option<V> {
        let map = self.map.lock().ok()?;
        map.get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(v, _)| v.clone())
    }

    fn put(&self, key: String, value: V) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= CACHE_SIZE {
                map.retain(|_, (_, at)| at.elapsed() < self.ttl);
                if map.len() >= CACHE_SIZE {
                    map.clear();
                }
            }
            map.insert(key, (value, Instant::now()));
        }
    }
}

/// Verified Basic credentials: SHA-256 of the header value → user.
pub type BasicCache = TtlCache<UserId>;

impl Default for BasicCache {
    fn default() -> Self {
        Self::new(BASIC_TTL)
    }
}

/// Bearer tokens recently found: token hash → principal.
pub type TokenCache = TtlCache<Principal>;

impl Default for TokenCache {
    fn default() -> Self {
        Self::new(TOKEN_TTL)
    }
}

/// An authenticated requester: the user and its organization.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user.
    pub user: User,
    /// Its organization.
    pub org: Org,
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ApiError::unauthorized)?;
        // The scheme is case-insensitive (RFC 9110 §11.1).
        let (scheme, credentials) = header.trim().split_once(' ').unwrap_or((header, ""));
        let user = match scheme.to_ascii_lowercase().as_str() {
            "bearer" => {
                let hash = token_hash(credentials.trim());
                if let Some(p) = state.tokens.get(&hash) {
                    return Ok(p);
                }
                // The user and its organization in one query.
                let found = state.store.token_principal(&hash).await?;
                let p = found
                    .map(|(user, org)| Self { user, org })
                    .ok_or_else(ApiError::unauthorized)?;
                state.tokens.put(hash, p.clone());
                return Ok(p);
            }
            "basic" => basic(state, credentials.trim()).await?,
            _ => None,
        };
        let user = user.ok_or_else(ApiError::unauthorized)?;
        // A user whose organization was removed signs in to nothing.
        let org = state
            .store
            .org(&user.org)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(Self { user, org })
    }
}

async fn basic(state: &AppState, encoded: &str) -> Result<Option<User>, ApiError> {
    let key = token_hash(encoded);
    if let Some(name) = state.basic.get(&key) {
        return Ok(state.store.user(&name).await?.map(|(u, _)| u));
    }
    let Some(decoded) = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return Ok(None);
    };
    let Some((name, password)) = decoded.split_once(':') else {
        return Ok(None);
    };
    let Ok(name) = name.parse::<UserId>() else {
        return Ok(None);
    };
    let Some((user, Some(phc))) = state.store.user(&name).await? else {
        return Ok(None);
    };
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    if !ok {
        return Ok(None);
    }
    state.basic.put(key, user.name.clone());
    Ok(Some(user))
}
