//! Yagura's detection engine: log readers that stream each record's fields
//! ([`event`]), field mappings kept as data ([`fields`]), the indicator
//! index ([`index`]) compiled once and shared across threads, and the
//! hunter ([`hunt`]) that checks each field against it, field-aware, with
//! no substring false positives. Synchronous and data-parallel: no async
//! runtime; only the readers touch files.

// Only the binary prints.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

mod blocks;
pub mod correlate;
mod error;
pub mod event;
pub mod extract;
pub mod fields;
pub mod hunt;
pub mod index;
pub mod intel;
pub mod json;
pub mod observe;
pub mod prefilter;
pub mod read;
pub mod run;
pub mod sigma;

pub use error::{IndexError, MappingError};
pub use index::{Hit, IndexBuilder, IndicatorIndex, Match};
