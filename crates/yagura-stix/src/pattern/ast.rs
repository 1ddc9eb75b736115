//! The syntax tree of a STIX pattern.
//!
//! Chains of one operator (`a OR b OR c`) are one node with a list, so that
//! a pattern listing thousands of indicators is a flat tree, not a deep one.
//!
//! The tree keeps everything needed to print the pattern back (see the
//! `Display` impls in `display.rs`): parsing the printed text yields an equal
//! tree.

/// A whole pattern: one observation expression.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternAst {
    /// The top observation expression.
    pub root: ObservationExpr,
}

/// An observation expression: what one or more observations must show.
#[derive(Debug, Clone, PartialEq)]
pub enum ObservationExpr {
    /// `[ comparison ]`: one observation satisfying the comparison.
    Observation(ComparisonExpr),
    /// `( … )`: a parenthesized group.
    Group(Box<ObservationExpr>),
    /// `a AND b AND …` (two or more): all, on different observations.
    And(Vec<ObservationExpr>),
    /// `a OR b OR …` (two or more): any.
    Or(Vec<ObservationExpr>),
    /// `a FOLLOWEDBY b FOLLOWEDBY …` (two or more), grouped from the left:
    /// each later part observed no earlier than all before it.
    FollowedBy(Vec<ObservationExpr>),
    /// `a <qualifier>`.
    Qualified(Box<ObservationExpr>, Qualifier),
}

/// A temporal qualifier on an observation expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS`.
    Within(Number),
    /// `REPEATS n TIMES`.
    Repeats(u64),
    /// `START t'…' STOP t'…'`.
    StartStop(Timestamp, Timestamp),
}

/// A comparison expression inside `[ … ]`, about one object.
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpr {
    /// `a AND b AND …` (two or more).
    And(Vec<ComparisonExpr>),
    /// `a OR b OR …` (two or more): long indicator lists are written so.
    Or(Vec<ComparisonExpr>),
    /// `( … )`.
    Group(Box<ComparisonExpr>),
    /// One property test.
    Test(PropTest),
}

/// `path [NOT] op value`, or `[NOT] EXISTS path`.
#[derive(Debug, Clone, PartialEq)]
pub struct PropTest {
    /// The object path tested.
    pub path: ObjectPath,
    /// Whether `NOT` inverts the test.
    pub negated: bool,
    /// The operator and its operand.
    pub op: Comparison,
}

/// A comparison operator with its operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    /// `=` (or `==`).
    Eq(Literal),
    /// `!=` (or `<>`).
    Ne(Literal),
    /// `<`.
    Lt(Literal),
    /// `<=`.
    Le(Literal),
    /// `>`.
    Gt(Literal),
    /// `>=`.
    Ge(Literal),
    /// `IN (…)`.
    In(Vec<Literal>),
    /// `LIKE '…'`.
    Like(String),
    /// `MATCHES '…'` (a PCRE regular expression).
    Matches(String),
    /// `ISSUBSET '…'`.
    IsSubset(String),
    /// `ISSUPERSET '…'`.
    IsSuperset(String),
    /// `EXISTS` (STIX 2.1).
    Exists,
}

impl Comparison {
    /// The operator's keyword or symbol.
    pub fn operator(&self) -> &'static str {
        match self {
            Self::Eq(_) => "=",
            Self::Ne(_) => "!=",
            Self::Lt(_) => "<",
            Self::Le(_) => "<=",
            Self::Gt(_) => ">",
            Self::Ge(_) => ">=",
            Self::In(_) => "IN",
            Self::Like(_) => "LIKE",
            Self::Matches(_) => "MATCHES",
            Self::IsSubset(_) => "ISSUBSET",
            Self::IsSuperset(_) => "ISSUPERSET",
            Self::Exists => "EXISTS",
        }
    }
}

/// `type:first.step[0].'quoted key'[*]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPath {
    /// The object type, e.g. `file`.
    pub object_type: String,
    /// The steps; the first is always a [`PathStep::Key`].
    pub steps: Vec<PathStep>,
}

/// One step of an object path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// A property name; `quoted` records that it was written `'…'`.
    Key {
        /// The property name, unescaped.
        name: String,
        /// Written as a string literal.
        quoted: bool,
    },
    /// `[n]`: one list element.
    Index(i64),
    /// `[*]`: any list element.
    AnyIndex,
}

/// A constant in a pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string, unescaped.
    String(String),
    /// `true` / `false`.
    Bool(bool),
    /// `b'…'`: base64 bytes.
    Binary(Vec<u8>),
    /// `h'…'`: hex bytes.
    Hex(Vec<u8>),
    /// `t'…'`.
    Timestamp(Timestamp),
}

/// A number written in a `WITHIN` qualifier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer number of seconds.
    Int(u64),
    /// A fractional number of seconds.
    Float(f64),
}

impl Number {
    /// The value as a float.
    pub fn as_f64(self) -> f64 {
        match self {
            // Seconds counts beyond 2^53 lose precision; no real window is that long.
            #[allow(clippy::cast_precision_loss)]
            Self::Int(n) => n as f64,
            Self::Float(f) => f,
        }
    }
}

/// A timestamp literal as written (`YYYY-MM-DDThh:mm:ss[.fff…]Z`). The text
/// is grammar-valid; whether it names a real instant (no 30 February) is
/// checked when it is used, as the reference matcher does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timestamp(pub(crate) String);

impl Timestamp {
    /// The text between the quotes.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
