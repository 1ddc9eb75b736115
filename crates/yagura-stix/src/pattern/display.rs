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
        write_obs(f, self, StixVersion::V2_1)
    }
}

impl Display for ComparisonExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_cmp(f, self, StixVersion::V2_1)
    }
}

impl Display for PropTest {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_test(f, self, StixVersion::V2_1)
    }
}

impl Display for ObjectPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_path(f, self, StixVersion::V2_1)
    }
}

/// Prints for the grammar of `version`: a property name is quoted when it is
/// not a bare identifier there (`EXISTS` is a keyword only in 2.1).
pub(crate) fn write_obs(f: &mut Formatter<'_>, e: &ObservationExpr, v: StixVersion) -> fmt::Result {
    let list = |f: &mut Formatter<'_>, items: &[ObservationExpr], sep: &str| {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                f.write_str(sep)?;
            }
            write_obs(f, item, v)?;
        }
        Ok(())
    };
    match e {
        ObservationExpr::Observation(c) => {
            f.write_str("[")?;
            write_cmp(f, c, v)?;
            f.write_str("]")
        }
        ObservationExpr::Group(inner) => {
            f.write_str("(")?;
            write_obs(f, inner, v)?;
            f.write_str(")")
        }
        ObservationExpr::And(items) => list(f, items, " AND "),
        ObservationExpr::Or(items) => list(f, items, " OR "),
        ObservationExpr::FollowedBy(items) => list(f, items, " FOLLOWEDBY "),
        ObservationExpr::Qualified(inner, q) => {
            write_obs(f, inner, v)?;
            write!(f, " {q}")
        }
    }
}

fn write_cmp(f: &mut Formatter<'_>, e: &ComparisonExpr, v: StixVersion) -> fmt::Result {
    let list = |f: &mut Formatter<'_>, items: &[ComparisonExpr], sep: &str| {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                f.write_str(sep)?;
            }
            write_cmp(f, item, v)?;
        }
        Ok(())
    };
    match e {
        ComparisonExpr::And(items) => list(f, items, " AND "),
        ComparisonExpr::Or(items) => list(f, items, " OR "),
        ComparisonExpr::Group(inner) => {
            f.write_str("(")?;
            write_cmp(f, inner, v)?;
            f.write_str(")")
        }
        ComparisonExpr::Test(t) => write_test(f, t, v),
    }
}

fn write_test(f: &mut Formatter<'_>, t: &PropTest, v: StixVersion) -> fmt::Result {
    let not = if t.negated { "NOT " } else { "" };
    if let Comparison::Exists = t.op {
        write!(f, "{not}EXISTS ")?;
        return write_path(f, &t.path, v);
    }
    write_path(f, &t.path, v)?;
    write!(f, " {not}{} ", t.op.operator())?;
    match &t.op {
        Comparison::Eq(l)
        | Comparison::Ne(l)
        | Comparison::Lt(l)
        | Comparison::Le(l)
        | Comparison::Gt(l)
        | Comparison::Ge(l) => l.fmt(f),
        Comparison::In(items) => {
            f.write_str("(")?;
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
        | Comparison::IsSuperset(s) => write_string(f, s),
        Comparison::Exists => Ok(()),
    }
}

fn write_path(f: &mut Formatter<'_>, p: &ObjectPath, v: StixVersion) -> fmt::Result {
    write!(f, "{}:", p.object_type)?;
    for (i, step) in p.steps.iter().enumerate() {
        match step {
            PathStep::Key { name, quoted } => {
                if i > 0 {
                    f.write_str(".")?;
                }
                if *quoted || needs_quotes(name, v) {
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

/// Whether a property name cannot be written bare in `version`
/// (`IdentifierWithoutHyphen` that is no keyword).
fn needs_quotes(name: &str, version: StixVersion) -> bool {
    let mut chars = name.chars();
    let ok_start = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    !ok_start
        || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        || keyword(name, version).is_some()
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
