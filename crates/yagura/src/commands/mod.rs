//! One module per top-level command.

pub(crate) mod pattern;
pub(crate) mod stix;
