//! The STIX patterning language (STIX 2.1 part 9; STIX 2.0 part 5).
//!
//! ```
//! use yagura_stix::pattern::{Pattern, StixVersion};
//!
//! let p = Pattern::validate("[file:hashes.'SHA-256' = \
//!     'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
//!     StixVersion::V2_1).unwrap();
//! assert_eq!(p.to_string(),
//!     "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']");
//! ```

pub mod ast;
mod check;
mod display;
mod lexer;
pub mod matcher;
mod parser;
pub mod values;

use std::fmt;

pub use crate::error::{MatchError, PatternError};
pub use crate::version::StixVersion;
pub use matcher::{Matcher, Observations};
pub use values::{ExactValue, ValueKind};

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    ast: ast::PatternAst,
    version: StixVersion,
}

impl Pattern {
    /// Parses `text` by the grammar of `version`. This is what the
    /// reference matcher accepts; [`Pattern::validate`] adds the reference
    /// validator's further checks.
    pub fn parse(text: &str, version: StixVersion) -> Result<Self, PatternError> {
        Ok(Self {
            ast: parser::parse(text, version)?,
            version,
        })
    }

    /// Parses and validates `text` as the OASIS validator does: the grammar,
    /// a leading `[`, hash values of the right form, and (2.1) no repeated
    /// qualifier kind on one observation expression.
    pub fn validate(text: &str, version: StixVersion) -> Result<Self, PatternError> {
        let p = Self::parse(text, version)?;
        check::check(text, &p.ast, version)?;
        Ok(p)
    }

    /// The syntax tree.
    pub fn ast(&self) -> &ast::PatternAst {
        &self.ast
    }

    /// The STIX version whose grammar read it.
    pub fn version(&self) -> StixVersion {
        self.version
    }

    /// Every property test in the pattern, in order.
    pub fn tests(&self) -> Vec<&ast::PropTest> {
        let mut out = Vec::new();
        check::visit_tests(&self.ast.root, &mut |t| out.push(t));
        out
    }

    /// Compiles the pattern for matching (see [`Matcher`]).
    pub fn matcher(&self) -> Result<Matcher, MatchError> {
        Matcher::new(self)
    }

    /// Whether the pattern matches `observations` (observed-data SDOs for
    /// 2.0; bundles for 2.1). Compile with [`Pattern::matcher`] and prepare
    /// [`Observations`] once to match many times.
    pub fn matches(&self, observations: &[serde_json::Value]) -> Result<bool, MatchError> {
        let obs = Observations::new(observations, self.version)?;
        self.matcher()?.matches(&obs)
    }
}

impl fmt::Display for Pattern {
    /// The pattern as text of its version's grammar; parsing it gives an
    /// equal syntax tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display::write_obs(f, &self.ast.root, self.version)
    }
}
