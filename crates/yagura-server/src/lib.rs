//! Yagura's HTTP side. Today: the secrets behind authentication (argon2id
//! passwords, hashed API tokens). The TAXII 2.1 server, the REST API and the
//! web UI will live here.

// Only the binary prints.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

pub mod secrets;
