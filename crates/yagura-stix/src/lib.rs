//! STIX 2.1 for Yagura: objects, identifiers, validation and the patterning
//! language. Pure: no I/O, no async.

// Only the binary prints.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

pub mod bundle;
mod canonical;
pub mod catalog;
pub mod error;
pub mod id;
pub mod marking;
pub mod object;
pub mod pattern;
pub mod timestamp;
pub mod validate;
mod version;

pub use bundle::Bundle;
pub use error::{
    BundleError, IdError, MatchError, ObjectError, PatternError, TimestampError, UnknownVersion,
};
pub use id::Identifier;
pub use marking::Tlp;
pub use object::{ObjectHead, StixObject};
pub use timestamp::Timestamp;
pub use version::StixVersion;
