//! Who the hub shares with: organizations and collections, and the port
//! that keeps them.

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use crate::error::StoreError;
use crate::ids::{CollectionId, Jurisdiction, OrgId};

/// A partner organization of the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// Its identifier (`jpcert`, `fs-isac-jp`).
    pub name: OrgId,
    /// Where it is: the jurisdiction residency markings are checked against.
    pub jurisdiction: Jurisdiction,
    /// Its sector (`finance`, `energy`…), free text.
    pub sector: Option<String>,
    /// Whether it is a member of the hub's community (TLP:GREEN reaches
    /// community members).
    pub community: bool,
}

/// A collection: a named set of objects with an explicit audience.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// Its identifier.
    pub id: CollectionId,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: Option<String>,
    /// The organizations that TLP:AMBER and TLP:AMBER+STRICT objects of the
    /// collection reach (empty by default: nobody but the producer).
    pub audience: Vec<OrgId>,
    /// The TAXII API root it is served under.
    pub api_root: String,
    /// Whether anyone but an admin may read it at all (a write-only drop
    /// box when false).
    pub readable: bool,
    /// Whether anyone but an admin may add to it (read-only when false).
    pub writable: bool,
}

impl Collection {
    /// A readable, writable collection under the default API root with an
    /// empty audience.
    pub fn new(id: CollectionId, title: impl Into<String>) -> Self {
        Self {
            id,
            title: title.into(),
            description: None,
            audience: Vec::new(),
            api_root: DEFAULT_API_ROOT.to_owned(),
            readable: true,
            writable: true,
        }
    }
}

/// The API root a hub starts with.
pub const DEFAULT_API_ROOT: &str = "hub";

/// A TAXII API root: a named group of collections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoot {
    /// Its name, the path segment it is served at (`/NAME/`).
    pub name: String,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: Option<String>,
}

impl ApiRoot {
    /// Whether `name` can be an API root: 1–64 ASCII letters, digits, `-`,
    /// `_` or `.`, not `taxii2` (discovery) and not only dots.
    pub fn valid_name(name: &str) -> bool {
        (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && name != "taxii2"
            && !name.bytes().all(|b| b == b'.')
    }
}

/// A path by which data leaves the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// TAXII 2.1 objects, manifests, versions and status.
    Taxii,
    /// The REST API.
    Rest,
    /// The web UI.
    Ui,
    /// `yagura export` to a file or standard output.
    Export,
    /// Forwarding to a federated peer hub.
    Federation,
}

impl Channel {
    /// The channel's name as recorded in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Taxii => "taxii",
            Self::Rest => "rest",
            Self::Ui => "ui",
            Self::Export => "export",
            Self::Federation => "federation",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "taxii" => Self::Taxii,
            "rest" => Self::Rest,
            "ui" => Self::Ui,
            "export" => Self::Export,
            "federation" => Self::Federation,
            other => return Err(format!("{other:?} is not a channel")),
        })
    }
}

/// The organizations and collections of a hub.
pub trait Directory: Send + Sync {
    /// Adds an organization; an existing name is a `StoreError::Conflict`.
    fn add_org(&self, org: &Org) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// One organization.
    fn org(&self, name: &OrgId) -> impl Future<Output = Result<Option<Org>, StoreError>> + Send;

    /// Every organization, by name.
    fn orgs(&self) -> impl Future<Output = Result<Vec<Org>, StoreError>> + Send;

    /// Removes an organization; whether it existed.
    fn remove_org(&self, name: &OrgId) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Adds a collection; an existing id is a `StoreError::Conflict`.
    fn add_collection(
        &self,
        collection: &Collection,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every collection, by id.
    fn collections(&self) -> impl Future<Output = Result<Vec<Collection>, StoreError>> + Send;

    /// Removes a collection (not its objects); whether it existed.
    fn remove_collection(
        &self,
        id: &CollectionId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Adds an API root; an existing name is a `StoreError::Conflict`.
    fn add_api_root(&self, root: &ApiRoot) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every API root added (not the default one), by name.
    fn api_roots(&self) -> impl Future<Output = Result<Vec<ApiRoot>, StoreError>> + Send;

    /// Removes an API root; whether it existed. Its collections stay and
    /// are unreachable over TAXII until the root is added again.
    fn remove_api_root(&self, name: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
