//! The intelligence store port: what is kept about each object, and the
//! operations every backend (SQLite, PostgreSQL) provides.

use std::future::Future;

use yagura_stix::pattern::ValueKind;
use yagura_stix::{ObjectHead, StixObject, Timestamp, Tlp};

use crate::error::StoreError;
use crate::ids::{CollectionId, Jurisdiction, OrgId};

/// What the hub records about an object besides the object itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectMeta {
    /// The organization that produced (or contributed) it.
    pub producer: Option<OrgId>,
    /// Its TLP level (from its markings, or the import's default).
    pub tlp: Option<Tlp>,
    /// Where it may be held, if a residency marking says so.
    pub residency: Option<Vec<Jurisdiction>>,
    /// The collection it was added to.
    pub collection: Option<CollectionId>,
}

/// What storing one object did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PutOutcome {
    /// An id the store did not have.
    New,
    /// A newer version of a known object; it is now current.
    Updated,
    /// This id and version were already stored: nothing changed.
    Unchanged,
    /// An older version than the current one: kept as history.
    History,
}

/// An object as stored: the object, its metadata, and when the hub added
/// this version (TAXII's `date_added`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredObject {
    /// The STIX object.
    pub object: StixObject,
    /// What the hub recorded about it.
    pub meta: ObjectMeta,
    /// When this version was added.
    pub date_added: Timestamp,
    /// Whether this is the current version of its id.
    pub current: bool,
}

/// A stored object version as its JSON text, with its head parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct RawObject {
    /// Its id, type, version and markings.
    pub head: ObjectHead,
    /// The object's JSON, as stored.
    pub body: String,
    /// What the hub recorded about it.
    pub meta: ObjectMeta,
    /// When this version was added.
    pub date_added: Timestamp,
    /// Whether this is the current version of its id.
    pub current: bool,
}

/// An exact-value lookup hit: the value's kind and the (current) object
/// that looks for or contains it.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueHit {
    /// The value's kind.
    pub kind: ValueKind,
    /// The normalized value.
    pub value: String,
    /// The object.
    pub object: StoredObject,
}

/// Which current objects to page through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectFilter {
    /// Only these types (any type if empty).
    pub types: Vec<String>,
    /// Only objects added to this collection.
    pub collection: Option<CollectionId>,
    /// Only objects whose version (`modified`) is at or after this time.
    pub modified_since: Option<Timestamp>,
    /// Include revoked objects.
    pub revoked: bool,
    /// Only these ids (any id if empty).
    pub ids: Vec<String>,
    /// Only versions added after this time (TAXII `added_after`).
    pub added_after: Option<Timestamp>,
    /// Every stored version, not only the current one.
    pub all_versions: bool,
    /// Only the first (oldest) version of each object (with `all_versions`).
    pub first_versions: bool,
}

/// A write transaction: everything put through it becomes visible at
/// `commit`, or not at all (dropping it rolls back).
pub trait StoreTx: Send {
    /// Stores one version of an object (STIX versioning: `id` + `modified`).
    fn put(
        &mut self,
        object: &StixObject,
        meta: &ObjectMeta,
    ) -> impl Future<Output = Result<PutOutcome, StoreError>> + Send;

    /// Stores many objects, in order, as `put` would one by one, but in
    /// few statements: the way to import. An unstorable object fails the
    /// whole batch.
    fn put_batch(
        &mut self,
        batch: &[(StixObject, ObjectMeta)],
    ) -> impl Future<Output = Result<Vec<PutOutcome>, StoreError>> + Send;

    /// The `date_added` of what is put from now on (by default the time
    /// the transaction began): a migration keeps the dates another server
    /// gave, so its clients' `added_after` bookmarks stay valid.
    fn set_date_added(&mut self, at: Timestamp);

    /// Makes the transaction's writes durable and visible.
    fn commit(self) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The intelligence store.
pub trait IntelStore: Send + Sync {
    /// The backend's transaction.
    type Tx<'a>: StoreTx + 'a
    where
        Self: 'a;

    /// Starts a write transaction.
    fn begin(&self) -> impl Future<Output = Result<Self::Tx<'_>, StoreError>> + Send;

    /// The current version of an object.
    fn get(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<StoredObject>, StoreError>> + Send;

    /// Every stored version of an object, oldest first.
    fn versions(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Vec<StoredObject>, StoreError>> + Send;

    /// Current objects that look for (indicators) or are (observables) this
    /// exact value; `kind` narrows the search.
    fn lookup_value(
        &self,
        value: &str,
        kind: Option<ValueKind>,
    ) -> impl Future<Output = Result<Vec<ValueHit>, StoreError>> + Send;

    /// Current objects whose name, aliases or labels equal `name` (any case).
    fn lookup_name(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Vec<StoredObject>, StoreError>> + Send;

    /// Current relationships with this object as source or target.
    fn relationships(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Vec<StoredObject>, StoreError>> + Send;

    /// Full-text search over names and descriptions of current objects,
    /// best matches first.
    fn search_text(
        &self,
        query: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredObject>, StoreError>> + Send;

    /// Up to `limit` objects (current versions, or all with
    /// `all_versions`) matching `filter` that come after
    /// `after` in the store's order, each with its position: pass the last
    /// position to get the next page (start from 0). Pages stay correct
    /// while objects are added.
    fn page(
        &self,
        filter: &ObjectFilter,
        after: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(i64, StoredObject)>, StoreError>> + Send;

    /// As [`IntelStore::page`], with each object as stored (its JSON text)
    /// and only its head parsed: for paths that send objects out as they
    /// are, at no cost of building and re-serializing them.
    fn page_raw(
        &self,
        filter: &ObjectFilter,
        after: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(i64, RawObject)>, StoreError>> + Send;

    /// Deletes versions of an object (all when `versions` is empty) and
    /// returns how many were deleted. When the current version goes and
    /// older ones stay, the newest of them becomes current.
    fn delete(
        &self,
        id: &str,
        versions: &[Timestamp],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// How many current objects of each type.
    fn count_by_type(&self) -> impl Future<Output = Result<Vec<(String, u64)>, StoreError>> + Send;
}
