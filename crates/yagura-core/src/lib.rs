//! Yagura's domain types and ports: who produced intelligence, where it may
//! live, what the store keeps about it, and the store interface itself.
//! Pure: no I/O, no runtime.

// Only the binary prints.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

mod accounts;
mod audit;
mod directory;
mod error;
mod ids;
mod store;

pub use accounts::{Accounts, Role, TokenInfo, User};
pub use audit::{AuditEntry, AuditFilter, AuditLog, AuditRecord, GENESIS};
pub use directory::{ApiRoot, Channel, Collection, DEFAULT_API_ROOT, Directory, Org};
pub use error::{InvalidId, StoreError};
pub use ids::{CollectionId, Jurisdiction, OrgId, UserId};
pub use store::{
    IntelStore, ObjectFilter, ObjectMeta, PutOutcome, RawObject, StoreTx, StoredObject, ValueHit,
};
