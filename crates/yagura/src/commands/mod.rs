//! One module per top-level command.

pub(crate) mod audit;
pub(crate) mod export;
pub(crate) mod hunt;
pub(crate) mod import;
pub(crate) mod init;
mod json_text;
pub(crate) mod nats;
pub(crate) mod org;
pub(crate) mod pattern;
pub(crate) mod search;
pub(crate) mod serve;
pub(crate) mod stix;
pub(crate) mod user;
