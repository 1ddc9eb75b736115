//! The audit log port: every decision to release or refuse an object,
//! appended to a hash chain.

use std::future::Future;

use crate::directory::Channel;
use crate::error::StoreError;

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One sharing decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When it was decided (RFC 3339, UTC).
    pub at: String,
    /// Who it was for (an organization id, or `public`).
    pub recipient: String,
    /// The path the object was to leave by.
    pub channel: Channel,
    /// The object's id.
    pub object_id: String,
    /// The object's version (its `modified`, else `created`, else empty).
    pub version: String,
    /// Whether it was released.
    pub allow: bool,
    /// Why.
    pub reason: String,
}

/// A decision as recorded: the entry, its place in the log and its link
/// in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its position in the log, from 1.
    pub seq: u64,
    /// The decision.
    pub entry: AuditEntry,
    /// The hash of the record before it ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// This record's hash over `prev_hash`, `seq` and the entry.
    pub hash: String,
}

/// What to list from the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only decisions for this recipient.
    pub recipient: Option<String>,
    /// Only decisions about this object.
    pub object_id: Option<String>,
    /// At most this many, most recent last.
    pub limit: Option<u64>,
}

/// The append-only, hash-chained audit log.
pub trait AuditLog: Send + Sync {
    /// Appends decisions in order, chaining each to the one before with
    /// `link(prev_hash, record)`, atomically: all or none.
    fn append(
        &self,
        entries: &[AuditEntry],
        link: fn(&str, &AuditRecord) -> String,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records matching the filter, in log order.
    fn records(
        &self,
        filter: &AuditFilter,
    ) -> impl Future<Output = Result<Vec<AuditRecord>, StoreError>> + Send;

    /// Calls `each` on every record in log order (for verification without
    /// holding the whole log in memory); stops at the first error it returns.
    fn scan<E: Send>(
        &self,
        each: impl FnMut(AuditRecord) -> Result<(), E> + Send,
    ) -> impl Future<Output = Result<Result<(), E>, StoreError>> + Send;
}
