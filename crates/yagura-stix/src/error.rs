//! Errors of the STIX library. Each names where the problem is.

use thiserror::Error;

/// A spec version other than 2.0 or 2.1.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown STIX version {0:?} (expected \"2.0\" or \"2.1\")")]
pub struct UnknownVersion(pub String);

/// Why a pattern is not valid. Positions are `line:column`, the line
/// counted from 1 and the column in characters from 0, as the OASIS
/// validator reports them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The text does not follow the grammar.
    #[error("{line}:{column}: {message}")]
    Syntax {
        /// Line, from 1.
        line: u32,
        /// Column in characters, from 0.
        column: u32,
        /// What was found and what was expected.
        message: String,
    },
    /// The pattern does not open with `[` (after any `(`).
    #[error(
        "1:0: the pattern must begin with '[' (after any '('): input is missing square brackets"
    )]
    MissingBrackets,
    /// A hash compared with a value that cannot be a hash of that algorithm.
    #[error("'{value}' is not a valid {algorithm} hash")]
    InvalidHash {
        /// The algorithm as written in the path.
        algorithm: String,
        /// The compared value.
        value: String,
    },
    /// Two qualifiers of one kind on one observation expression (2.1).
    #[error("duplicate {0} qualifier on one observation expression")]
    DuplicateQualifier(&'static str),
}

/// Why a pattern could not be matched against observations.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MatchError {
    /// A `t'…'` literal that names no instant (e.g. 30 February).
    #[error("invalid timestamp literal t'{0}'")]
    InvalidTimestampLiteral(String),
    /// A string in the data compared with a timestamp is not one.
    #[error("invalid timestamp in observed data: {0:?}")]
    InvalidTimestamp(String),
    /// An `IN` set mixing types.
    #[error("set of mixed types in {0}")]
    NonHomogeneousSet(String),
    /// `WITHIN` not positive.
    #[error("WITHIN must be positive, not {0}")]
    InvalidWithin(String),
    /// `REPEATS 0 TIMES`.
    #[error("REPEATS must be at least 1, not {0}")]
    InvalidRepeats(u64),
    /// A `MATCHES`/`LIKE` expression that does not compile.
    #[error("invalid regular expression {0:?}: {1}")]
    InvalidRegex(String, String),
    /// The regular expression engine gave up on a value.
    #[error("regular expression failed: {0}")]
    RegexFailed(String),
    /// An observed-data that cannot be matched against.
    #[error("observation {index}: {reason}")]
    InvalidObservation {
        /// Position of the observed-data in the input.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A `…_ref` that is not a string, or `…_refs` that is not a list of them.
    #[error("reference property {0} does not hold identifiers")]
    InvalidReference(String),
    /// A `…_hex`/`…_bin` property that does not decode.
    #[error("binary property {0} does not decode")]
    InvalidBinary(String),
    /// Binary data compared with `LIKE` is not UTF-8.
    #[error("binary value compared with LIKE is not UTF-8")]
    InvalidUtf8,
    /// The search for a binding exceeded its budget.
    #[error("pattern too complex for these observations (search budget exhausted)")]
    TooComplex,
}

/// A timestamp that is not a STIX timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{value:?} is not a valid STIX timestamp: {reason}")]
pub struct TimestampError {
    /// The text given.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// An identifier that is not `type--UUID`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{value:?} is not a valid STIX identifier: {reason}")]
pub struct IdError {
    /// The text given.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A JSON value that cannot be a STIX object.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ObjectError {
    /// Not a JSON object.
    #[error("expected a JSON object, found {found}")]
    NotAnObject {
        /// What was found.
        found: &'static str,
    },
    /// No `type` property.
    #[error("object {} has no \"type\"", id.as_deref().unwrap_or("(without id)"))]
    MissingType {
        /// The object's id, if any.
        id: Option<String>,
    },
    /// `type` is not a string.
    #[error("object {}: \"type\" must be a string, found {found}", id.as_deref().unwrap_or("(without id)"))]
    TypeNotString {
        /// The object's id, if any.
        id: Option<String>,
        /// What was found.
        found: &'static str,
    },
}

/// STIX JSON that cannot be read as a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BundleError {
    /// Not JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The bundle's `objects` is not a list.
    #[error("the bundle's \"objects\" must be a list, found {found}")]
    ObjectsNotAList {
        /// What was found.
        found: &'static str,
    },
    /// One of the objects is malformed.
    #[error("objects[{index}]: {source}")]
    Object {
        /// Position in the list.
        index: usize,
        /// What is wrong.
        source: ObjectError,
    },
}
