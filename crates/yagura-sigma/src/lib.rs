//! Sigma rules as SigmaHQ publishes them (the Sigma specification v2):
//! YAML read under a budget ([`yaml`]) → a checked [`Rule`] (metadata, log
//! source, detection items with their modifiers, the condition as a tree)
//! with every error naming the rule and the place, compiled into matchers
//! ([`Compiled`]); correlation rules over other rules' hits
//! ([`correlate`]). Pure: no I/O, no threads; `yagura-detect` runs them.

// A spec crate never prints.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

mod condition;
mod correlation;
mod detection;
mod fast_yaml;
mod matcher;
mod pcre;
mod rule;
pub mod yaml;

pub use condition::{Condition, ConditionError, Quantifier};
pub use correlation::{
    Aggregation, BaseHit, Bounds, Correlation, CorrelationHit, CorrelationKind, Streaming,
    correlate, timespan,
};
pub use detection::{Detection, FieldMatch, Modifier, Piece, Selection, Value};
pub use matcher::{ANY_FIELD, Compiled, Event, Necessary, fold, fold_into, needs_folding};
pub use rule::{Document, Filter, Level, LogSource, Rule, RuleError, Status, load, load_documents};
