//! Errors of the detection engine, each naming the value at fault.

use yagura_stix::pattern::ValueKind;

/// A value that cannot enter the indicator index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// The value is not of the kind it was given as.
    #[error("{value:?} is not a valid {kind} value")]
    NotOfKind {
        /// The kind it was given as.
        kind: ValueKind,
        /// The value as given.
        value: String,
    },
}

/// A field-mapping file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct MappingError {
    /// Why.
    pub reason: String,
}
