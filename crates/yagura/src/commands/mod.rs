//! One module per top-level command.

pub(crate) mod import;
pub(crate) mod init;
pub(crate) mod pattern;
pub(crate) mod search;
pub(crate) mod stix;
