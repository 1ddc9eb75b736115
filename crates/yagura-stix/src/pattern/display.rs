//! Printing a pattern back to STIX pattern text.
//!
//! The printed form parses to an equal tree: groups stay parenthesized,
//! strings are escaped, floats always carry a `.`.

use std::fmt::{self, Display, Formatter};

use base64::Engine as _;

use super::StixVersion;
use super::ast::{
    Comparison, ComparisonExpr, Literal, Number, ObjectPath, ObservationExpr, PathStep, PatternAst,
    PropTest, Qualifier, Timestamp,
};
use super::lexer::keyword;

impl Display for PatternAst {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.root.fmt(f)
    }
}

impl Display for ObservationExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Observation(c) => write!(f, "[{c}]"),
            Self::Group(inner) => write!(f, "({inner})"),
            Self::And(items) => join(f, items, " AND "),
            Self::Or(items) => join(f, items, " OR "),
            Self::FollowedBy(items) => join(f, items, " FOLLOWEDBY "),
            Self::Qualified(inner, q) => write!(f, "{inner} {q}"),
        }
    }
}

fn join<T: Display>(f: &mut Formatter<'_>, items: &[T], sep: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        item.fmt(f)?;
    }
    Ok(())
}

impl Display for Qualifier {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Within(n) => write!(f, "WITHIN {n} SECONDS"),
            Self::Repeats(n) => write!(f, "REPEATS {n} TIMES"),
            Self::StartStop(a, b) => write!(f, "START {a} STOP {b}"),
        }
    }
}

impl Display for Number {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(n) => write!(f, "{n}"),
            Self::Float(x) => write_float(f, *x),
        }
    }
}

impl Display for Timestamp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "t'{}'", self.0)
    }
}

impl Display for ComparisonExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::And(items) => join(f, items, " AND "),
            Self::Or(items) => join(f, items, " OR "),
            Self::Group(inner) => write!(f, "({inner})"),
            Self::Test(t) => t.fmt(f),
        }
    }
}

impl Display for PropTest {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let not = if self.negated { "NOT " } else { "" };
        match &self.op {
            Comparison::Exists => write!(f, "{not}EXISTS {}", self.path),
            Comparison::Eq(l)
            | Comparison::Ne(l)
            | Comparison::Lt(l)
            | Comparison::Le(l)
            | Comparison::Gt(l)
            | Comparison::Ge(l) => write!(f, "{} {not}{} {l}", self.path, self.op.operator()),
            Comparison::In(items) => {
                write!(f, "{} {not}IN (", self.path)?;
                for (i, l) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    l.fmt(f)?;
                }
                f.write_str(")")
            }
            Comparison::Like(s)
            | Comparison::Matches(s)
            | Comparison::IsSubset(s)
            | Comparison::IsSuperset(s) => {
                write!(f, "{} {not}{} ", self.path, self.op.operator())?;
                write_string(f, s)
            }
        }
    }
}

impl Display for ObjectPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object_type)?;
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Key { name, quoted } => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if *quoted || needs_quotes(name) {
                        write_string(f, name)?;
                    } else {
                        f.write_str(name)?;
                    }
                }
                PathStep::Index(n) => write!(f, "[{n}]")?,
                PathStep::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

/// Whether a property name cannot be written bare (`IdentifierWithoutHyphen`
/// that is no keyword of either version).
fn needs_quotes(name: &str) -> bool {
    let mut chars = name.chars();
    let ok_start = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    !ok_start
        || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        || keyword(name, StixVersion::V2_1).is_some()
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(n) => write!(f, "{n}"),
            Self::Float(x) => write_float(f, *x),
            Self::String(s) => write_string(f, s),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Binary(bytes) => write!(
                f,
                "b'{}'",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            ),
            Self::Hex(bytes) => write!(f, "h'{}'", hex::encode(bytes)),
            Self::Timestamp(t) => t.fmt(f),
        }
    }
}

/// Floats print with the shortest digits that read back to the same value,
/// never in exponent form, and always with a `.` so they lex as floats.
fn write_float(f: &mut Formatter<'_>, x: f64) -> fmt::Result {
    let s = format!("{x}");
    if s.contains('.') {
        f.write_str(&s)
    } else {
        write!(f, "{s}.0")
    }
}

fn write_string(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("'")?;
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("'")
}
