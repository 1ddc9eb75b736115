//! Converters between STIX and other intelligence formats, and the regional
//! knowledge base shipped with Yagura. Pure: no I/O.

// Only the binary prints.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

pub mod actors;
mod countries;
pub mod export;
pub mod ioc;
pub mod medallion;
pub mod misp;
