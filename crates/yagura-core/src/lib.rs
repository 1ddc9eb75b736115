//! Yagura's domain types and ports: who produced intelligence, where it may
//! live, what the store keeps about it, and the store interface itself.
//! Pure: no I/O, no runtime.

// Only the binary prints.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

mod error;
mod ids;
mod store;

pub use error::{InvalidId, StoreError};
pub use ids::{CollectionId, Jurisdiction, OrgId};
pub use store::{IntelStore, ObjectMeta, PutOutcome, StoreTx, StoredObject, ValueHit};
