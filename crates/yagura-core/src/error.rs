//! Errors of the domain layer.

use thiserror::Error;

/// An identifier (organization, collection, jurisdiction) of the wrong form.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{value:?} is not a valid {what}: {reason}")]
pub struct InvalidId {
    /// What kind of identifier.
    pub what: &'static str,
    /// The text given.
    pub value: String,
    /// The rule it breaks.
    pub reason: &'static str,
}

/// A store that could not do what was asked.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed (connection, I/O, constraint, migration).
    #[error("storage: {0}")]
    Backend(String),
    /// A stored object no longer reads as a STIX object.
    #[error("stored object {id} ({modified}) is corrupt: {reason}")]
    Corrupt {
        /// Its id.
        id: String,
        /// Its version.
        modified: String,
        /// What is wrong.
        reason: String,
    },
    /// Something with this name already exists.
    #[error("{what} {name:?} already exists")]
    Conflict {
        /// What kind of thing.
        what: &'static str,
        /// Its name.
        name: String,
    },
    /// An object that cannot be stored: no id, or an id of the wrong form.
    #[error("object {id}: {reason}")]
    Unstorable {
        /// Its id (or position) as given.
        id: String,
        /// Why.
        reason: String,
    },
}
