//! Yagura's detection engine. So far: the indicator index ([`index`]),
//! compiled once from exact indicator values and shared across threads,
//! that answers "is this value from a log known bad, and by which
//! indicators" field by field, with no substring false positives. The log
//! readers, `yagura hunt` and the Sigma runner are not built yet.
//! Synchronous and pure: no I/O.

// Only the binary prints.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

mod error;
pub mod index;

pub use error::IndexError;
pub use index::{Hit, IndexBuilder, IndicatorIndex, Match};
