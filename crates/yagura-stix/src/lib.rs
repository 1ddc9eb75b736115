//! STIX 2.1 for Yagura: objects, identifiers, validation and the patterning
//! language. Pure: no I/O, no async.

// Only the binary prints.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

pub mod error;
pub mod pattern;
mod version;

pub use error::{MatchError, PatternError, UnknownVersion};
pub use version::StixVersion;
