//! Sigma rules as SigmaHQ publishes them (the Sigma specification v2):
//! YAML read under a budget ([`yaml`]) → a checked [`Rule`] (metadata, log
//! source, detection items with their modifiers, the condition as a tree)
//! with every error naming the rule and the place. Pure: no I/O, no
//! threads; `yagura-detect` compiles and runs the rules.

// A spec crate never prints.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

mod condition;
mod detection;
mod matcher;
mod rule;
pub mod yaml;

pub use condition::{Condition, ConditionError, Quantifier};
pub use detection::{Detection, FieldMatch, Modifier, Piece, Selection, Value};
pub use matcher::{Compiled, Event, Necessary, fold};
pub use rule::{Level, LogSource, Rule, RuleError, Status, load};
