//! Yagura's HTTP side: the TAXII 2.1 server (discovery, API root,
//! collections, objects, object by id, manifest), authentication (HTTP
//! Basic with argon2id passwords, bearer tokens), and the release path every
//! object takes out (policy decision, then audit, then serialization).
//! Not built yet: the REST API and the web UI.

// Only the binary prints.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

pub mod auth;
pub mod error;
pub mod readahead;
pub mod release;
pub mod secrets;
mod taxii;

use std::sync::Arc;

use axum::Router;
use yagura_policy::HubPolicy;
use yagura_store::SqliteStore;

/// The TAXII 2.1 media type.
pub const TAXII_TYPE: &str = "application/taxii+json;version=2.1";

/// The STIX 2.1 media type, as manifests name it.
pub const STIX_TYPE: &str = "application/stix+json;version=2.1";

/// The server's settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The title the discovery resource shows.
    pub title: String,
    /// Objects per page when the client names no `limit`.
    pub default_page: u32,
    /// The largest page a client may ask for.
    pub max_page: u32,
    /// The largest request body accepted, in bytes (TAXII `max_content_length`).
    pub max_content_length: usize,
    /// The hub's sharing defaults.
    pub hub: HubPolicy,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            title: "Yagura".to_owned(),
            default_page: 1_000,
            max_page: 10_000,
            max_content_length: 10 * 1024 * 1024,
            hub: HubPolicy::default(),
        }
    }
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The store.
    pub store: SqliteStore,
    /// The settings.
    pub config: Arc<ServerConfig>,
    /// Verified Basic credentials.
    pub basic: Arc<auth::BasicCache>,
    /// Bearer tokens recently found.
    pub tokens: Arc<auth::TokenCache>,
    /// The policy's context (markings, collections, API roots), reused
    /// for a second.
    pub context: Arc<release::ContextCache>,
    /// The audit writer (group commit).
    pub audit: release::AuditQueue,
    /// Pages read ahead for paging clients.
    pub readahead: Arc<readahead::ReadAhead>,
}

/// The application: every route, with the body limit. Starts the audit
/// writer, so it must be called on a tokio runtime.
pub fn router(store: SqliteStore, config: ServerConfig) -> Router {
    let limit = config.max_content_length;
    let checkpoints = store.clone();
    let state = AppState {
        store: store.clone(),
        config: Arc::new(config),
        basic: Arc::new(auth::BasicCache::default()),
        tokens: Arc::new(auth::TokenCache::default()),
        context: Arc::new(release::ContextCache::default()),
        audit: release::AuditQueue::start(store.clone()),
        readahead: Arc::new(readahead::ReadAhead::default()),
    };
    // The policy context is loaded before the first request needs it.
    let (warm, context) = (store.clone(), Arc::clone(&state.context));
    tokio::spawn(async move {
        if let Err(e) = context.get(&warm).await {
            tracing::warn!("loading the policy context: {e}");
        }
    });
    // Passive checkpoints between requests (see `SqliteStore::checkpoint`).
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            if let Err(e) = checkpoints.checkpoint().await {
                tracing::warn!("checkpoint: {e}");
            }
        }
    });
    taxii::routes()
        .layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
        .with_state(state)
}
