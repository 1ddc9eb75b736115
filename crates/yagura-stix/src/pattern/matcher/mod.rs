//! Deciding whether a pattern matches a set of observations.
//!
//! The semantics are the STIX 2.1 specification's, as implemented by the
//! OASIS reference matcher (stix2-matcher 3.0), which the conformance suite
//! encodes:
//!
//! * `[…]` selects the observations with an object satisfying the whole
//!   comparison expression; each observation counts `number_observed` times.
//! * A *binding* assigns observations to the `[…]` of the pattern. `AND`,
//!   `FOLLOWEDBY` and `REPEATS` need distinct observation instances;
//!   `FOLLOWEDBY` also needs the right side to be observable no earlier than
//!   the left; `WITHIN` bounds the span of the bound observations and
//!   `START … STOP` their window. The pattern matches if a binding exists.
//!
//! Instances of one observed-data are interchangeable, so a binding is kept
//! as a count of instances per observed-data instead of a tuple of
//! instances: the search is the reference's, without its blow-up on large
//! `number_observed`.

mod compare;
mod observations;
pub(crate) mod time;

use std::cell::Cell;
use std::collections::HashSet;
use std::ops::ControlFlow;

use base64::Engine as _;
use serde_json::Value;
use unicode_normalization::{UnicodeNormalization, is_nfc_quick};

use self::compare::{Found, Lit, Net};
pub use self::observations::Observations;
use self::observations::{Observation, is_non_sco_type};
use self::time::{Micros, parse_timestamp};
use super::ast::{
    Comparison, ComparisonExpr, Literal, ObservationExpr, PathStep, PropTest, Qualifier, Timestamp,
};
use super::{MatchError, Pattern, StixVersion};

/// Most combination steps one match may take before it gives up with
/// [`MatchError::TooComplex`]: a guard against patterns like
/// `[x:y = 1] REPEATS 40 TIMES` over thousands of observations.
const STEP_BUDGET: u64 = 2_000_000;

/// A pattern compiled for matching: literals converted, regular expressions
/// built. Compile once, match against many observation sets.
#[derive(Debug)]
pub struct Matcher {
    root: Node,
    leaves: Vec<Cmp>,
}

#[derive(Debug)]
enum Node {
    Leaf(usize),
    And(Box<Node>, Box<Node>),
    Or(Vec<Node>),
    FollowedBy(Box<Node>, Box<Node>),
    Within(Box<Node>, Micros),
    Repeats(Box<Node>, u64),
    StartStop(Box<Node>, Micros, Micros),
}

#[derive(Debug)]
enum Cmp {
    And(Vec<Cmp>),
    Or(Vec<Cmp>),
    Test(Test),
}

#[derive(Debug)]
struct Test {
    object_type: String,
    steps: Vec<Step>,
    negated: bool,
    op: Op,
}

#[derive(Debug)]
enum Step {
    Key(String),
    Index(i64),
    Any,
}

#[derive(Debug, Clone, Copy)]
enum Order {
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug)]
enum Op {
    Eq(Lit),
    Ne(Lit),
    Order(Lit, Order),
    In(Vec<Lit>),
    Like {
        re: regex::Regex,
        bytes_ok: bool,
    },
    Matches {
        text: fancy_regex::Regex,
        bytes: Option<regex::bytes::Regex>,
    },
    IsSubset(String),
    IsSuperset(String),
    Exists,
}

impl Matcher {
    /// Compiles a parsed pattern. Fails where the reference matcher fails
    /// before looking at any data: an impossible timestamp literal, a set
    /// mixing types, `WITHIN 0 SECONDS`, `REPEATS 0 TIMES`, a regular
    /// expression that does not compile.
    pub fn new(pattern: &Pattern) -> Result<Self, MatchError> {
        let mut leaves = Vec::new();
        let root = compile_obs(&pattern.ast.root, &mut leaves)?;
        Ok(Self { root, leaves })
    }

    /// Whether the pattern matches the observations.
    pub fn matches(&self, observations: &Observations<'_>) -> Result<bool, MatchError> {
        // Every comparison is evaluated against every observation first, as
        // the reference does, so that data errors surface the same way.
        let mut hits = Vec::with_capacity(self.leaves.len());
        for cmp in &self.leaves {
            let mut matched = Vec::new();
            for (i, obs) in observations.list.iter().enumerate() {
                if observation_satisfies(cmp, obs, observations.version)? {
                    matched.push(u32::try_from(i).map_err(|_| MatchError::TooComplex)?);
                }
            }
            hits.push(matched);
        }
        let search = Search {
            obs: &observations.list,
            hits: &hits,
            steps: Cell::new(0),
            exhausted: Cell::new(false),
        };
        let found = search.each(&self.root, &[], &mut |_| ControlFlow::Break(()));
        if search.exhausted.get() {
            return Err(MatchError::TooComplex);
        }
        Ok(found.is_break())
    }
}

fn compile_obs(expr: &ObservationExpr, leaves: &mut Vec<Cmp>) -> Result<Node, MatchError> {
    // A chain joins from the left: ((a AND b) AND c).
    let fold = |items: &[ObservationExpr],
                leaves: &mut Vec<Cmp>,
                node: fn(Box<Node>, Box<Node>) -> Node| {
        let mut nodes = items.iter().map(|e| compile_obs(e, leaves));
        let first = nodes.next().ok_or(MatchError::TooComplex)??;
        nodes.try_fold(first, |acc, next| {
            Ok::<_, MatchError>(node(Box::new(acc), Box::new(next?)))
        })
    };
    Ok(match expr {
        ObservationExpr::Observation(c) => {
            leaves.push(compile_cmp(c)?);
            Node::Leaf(leaves.len() - 1)
        }
        ObservationExpr::Group(inner) => compile_obs(inner, leaves)?,
        ObservationExpr::And(items) => fold(items, leaves, Node::And)?,
        ObservationExpr::Or(items) => Node::Or(
            items
                .iter()
                .map(|e| compile_obs(e, leaves))
                .collect::<Result<_, _>>()?,
        ),
        ObservationExpr::FollowedBy(items) => fold(items, leaves, Node::FollowedBy)?,
        ObservationExpr::Qualified(inner, q) => {
            let inner = Box::new(compile_obs(inner, leaves)?);
            match q {
                Qualifier::Within(n) => {
                    let secs = n.as_f64();
                    if secs <= 0.0 {
                        return Err(MatchError::InvalidWithin(n.to_string()));
                    }
                    // Microseconds, rounded half to even as Python's timedelta.
                    #[allow(clippy::cast_possible_truncation)]
                    let micros = (secs * 1e6).round_ties_even().min(9.2e18) as i64;
                    Node::Within(inner, micros)
                }
                Qualifier::Repeats(n) => {
                    if *n < 1 {
                        return Err(MatchError::InvalidRepeats(*n));
                    }
                    Node::Repeats(inner, *n)
                }
                Qualifier::StartStop(a, b) => {
                    Node::StartStop(inner, timestamp_literal(a)?, timestamp_literal(b)?)
                }
            }
        }
    })
}

fn timestamp_literal(t: &Timestamp) -> Result<Micros, MatchError> {
    parse_timestamp(t.as_str())
        .ok_or_else(|| MatchError::InvalidTimestampLiteral(t.as_str().to_owned()))
}

fn compile_cmp(c: &ComparisonExpr) -> Result<Cmp, MatchError> {
    Ok(match c {
        ComparisonExpr::And(items) => {
            Cmp::And(items.iter().map(compile_cmp).collect::<Result<_, _>>()?)
        }
        ComparisonExpr::Or(items) => {
            Cmp::Or(items.iter().map(compile_cmp).collect::<Result<_, _>>()?)
        }
        ComparisonExpr::Group(inner) => compile_cmp(inner)?,
        ComparisonExpr::Test(t) => Cmp::Test(compile_test(t)?),
    })
}

fn lit(l: &Literal) -> Result<Lit, MatchError> {
    Ok(match l {
        Literal::Int(i) => Lit::Int(i128::from(*i)),
        Literal::Float(f) => Lit::Float(*f),
        Literal::String(s) => Lit::Str(s.clone()),
        Literal::Bool(b) => Lit::Bool(*b),
        Literal::Binary(b) | Literal::Hex(b) => Lit::Bytes(b.clone()),
        Literal::Timestamp(t) => Lit::Time(timestamp_literal(t)?),
    })
}

fn compile_test(t: &PropTest) -> Result<Test, MatchError> {
    let steps = t
        .path
        .steps
        .iter()
        .map(|s| match s {
            PathStep::Key { name, .. } => Step::Key(name.clone()),
            PathStep::Index(i) => Step::Index(*i),
            PathStep::AnyIndex => Step::Any,
        })
        .collect();
    let op = match &t.op {
        Comparison::Eq(l) => Op::Eq(lit(l)?),
        Comparison::Ne(l) => Op::Ne(lit(l)?),
        Comparison::Lt(l) => Op::Order(lit(l)?, Order::Lt),
        Comparison::Le(l) => Op::Order(lit(l)?, Order::Le),
        Comparison::Gt(l) => Op::Order(lit(l)?, Order::Gt),
        Comparison::Ge(l) => Op::Order(lit(l)?, Order::Ge),
        Comparison::In(items) => {
            let items = items.iter().map(lit).collect::<Result<Vec<_>, _>>()?;
            let numeric = |l: &Lit| matches!(l, Lit::Int(_) | Lit::Float(_));
            let homogeneous =
                items.windows(2).all(|w| w[0].class() == w[1].class()) || items.iter().all(numeric);
            if !homogeneous {
                return Err(MatchError::NonHomogeneousSet(t.to_string()));
            }
            Op::In(items)
        }
        Comparison::Like(s) => {
            let s: String = s.nfc().collect();
            Op::Like {
                bytes_ok: s.chars().all(|c| u32::from(c) < 256),
                re: like_regex(&s)?,
            }
        }
        Comparison::Matches(s) => {
            let s: String = s.nfc().collect();
            let text = fancy_regex::Regex::new(&python_regex(&s, false))
                .map_err(|e| MatchError::InvalidRegex(s.clone(), e.to_string()))?;
            let bytes = if s.chars().all(|c| u32::from(c) < 256) {
                // A pattern the byte engine cannot express (look-around,
                // back-references) simply does not match binary values.
                regex::bytes::Regex::new(&python_regex(&s, true)).ok()
            } else {
                None
            };
            Op::Matches { text, bytes }
        }
        Comparison::IsSubset(s) => Op::IsSubset(s.clone()),
        Comparison::IsSuperset(s) => Op::IsSuperset(s.clone()),
        Comparison::Exists => Op::Exists,
    };
    Ok(Test {
        object_type: t.path.object_type.clone(),
        steps,
        negated: t.negated,
        op,
    })
}

/// `LIKE`: `%` any run, `_` any one character (neither crosses a newline,
/// as in the reference's Python regex), anchored at both ends (Python's `$`
/// also admits one final newline).
fn like_regex(like: &str) -> Result<regex::Regex, MatchError> {
    let mut re = String::from("^");
    for c in like.chars() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    re.push_str("\\n?\\z");
    regex::Regex::new(&re).map_err(|e| MatchError::InvalidRegex(like.to_owned(), e.to_string()))
}

/// Rewrites a Python `re` expression for the Rust engines: `$` outside a
/// class also matches before a final newline, `\Z` is `\z`; for the byte
/// engine, Unicode is off and characters 128–255 stand for raw bytes.
fn python_regex(src: &str, bytes: bool) -> String {
    let mut out = String::with_capacity(src.len() + 8);
    if bytes {
        out.push_str("(?-u)");
    }
    let mut chars = src.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('Z') if !in_class => out.push_str("\\z"),
                Some(n) => {
                    out.push('\\');
                    push_char(&mut out, n, bytes);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '$' if !in_class => out.push_str("(?:\\n?\\z)"),
            c => push_char(&mut out, c, bytes),
        }
    }
    out
}

fn push_char(out: &mut String, c: char, bytes: bool) {
    let code = u32::from(c);
    if bytes && (128..256).contains(&code) {
        out.push_str(&format!("\\x{code:02X}"));
    } else {
        out.push(c);
    }
}

/// A value reached by following an object path.
#[derive(Debug, Clone)]
enum Val<'a> {
    Json(&'a Value),
    /// A `…_hex` / `…_bin` property, decoded.
    Bytes(Vec<u8>),
    /// The objects a `…_refs` list resolved to.
    Objects(Vec<&'a Value>),
}

/// Whether some root object of `obs` satisfies the comparison expression.
/// Every test is evaluated (no short-circuit) so that errors in the data are
/// reported whatever the evaluation order.
fn observation_satisfies(
    cmp: &Cmp,
    obs: &Observation<'_>,
    version: StixVersion,
) -> Result<bool, MatchError> {
    let mut any = false;
    for (i, (_, obj)) in obs.objects.iter().enumerate() {
        if !obs.roots[i] {
            continue;
        }
        if eval_cmp(cmp, obj, obs, version)? {
            any = true;
        }
    }
    Ok(any)
}

fn eval_cmp(
    cmp: &Cmp,
    root: &Value,
    obs: &Observation<'_>,
    version: StixVersion,
) -> Result<bool, MatchError> {
    match cmp {
        Cmp::And(items) => {
            let mut all = true;
            for c in items {
                all &= eval_cmp(c, root, obs, version)?;
            }
            Ok(all)
        }
        Cmp::Or(items) => {
            let mut any = false;
            for c in items {
                any |= eval_cmp(c, root, obs, version)?;
            }
            Ok(any)
        }
        Cmp::Test(t) => eval_test(t, root, obs, version),
    }
}

fn eval_test(
    t: &Test,
    root: &Value,
    obs: &Observation<'_>,
    version: StixVersion,
) -> Result<bool, MatchError> {
    let Some(ty) = root.get("type").and_then(Value::as_str) else {
        return Ok(false);
    };
    if ty != t.object_type || (version == StixVersion::V2_1 && is_non_sco_type(ty)) {
        return Ok(false);
    }
    let mut vals = vec![Val::Json(root)];
    for step in &t.steps {
        vals = take_step(vals, step, obs, version)?;
        if vals.is_empty() {
            break;
        }
    }
    if let Op::Exists = t.op {
        return Ok(vals.is_empty() == t.negated);
    }
    for v in &vals {
        if predicate(t, v)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn take_step<'a>(
    vals: Vec<Val<'a>>,
    step: &Step,
    obs: &Observation<'a>,
    version: StixVersion,
) -> Result<Vec<Val<'a>>, MatchError> {
    let mut out = Vec::new();
    match step {
        Step::Key(key) => {
            for v in vals {
                if let Val::Json(Value::Object(map)) = v
                    && let Some(x) = map.get(key)
                {
                    out.push(decode_suffix(key, x)?);
                }
            }
            if key.ends_with("_ref") {
                out = dereference(out, key, obs, version)?;
            } else if key.ends_with("_refs") {
                out = dereference_lists(out, key, obs, version)?;
            }
        }
        Step::Index(i) => {
            let Ok(i) = usize::try_from(*i) else {
                return Ok(out);
            };
            for v in vals {
                match v {
                    Val::Json(Value::Array(a)) => out.extend(a.get(i).map(Val::Json)),
                    Val::Objects(o) => out.extend(o.get(i).copied().map(Val::Json)),
                    _ => {}
                }
            }
        }
        Step::Any => {
            for v in vals {
                match v {
                    Val::Json(Value::Array(a)) => out.extend(a.iter().map(Val::Json)),
                    Val::Objects(o) => out.extend(o.into_iter().map(Val::Json)),
                    _ => {}
                }
            }
        }
    }
    Ok(out)
}

/// Properties named `…_hex` and `…_bin` hold binary data.
fn decode_suffix<'a>(key: &str, x: &'a Value) -> Result<Val<'a>, MatchError> {
    let bad = || MatchError::InvalidBinary(key.to_owned());
    if key.ends_with("_hex") {
        let s = x.as_str().ok_or_else(bad)?;
        return hex::decode(s).map(Val::Bytes).map_err(|_| bad());
    }
    if key.ends_with("_bin") {
        let s = x.as_str().ok_or_else(bad)?;
        // Python's b64decode skips characters outside the alphabet.
        let clean: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
            .collect();
        return base64::engine::general_purpose::STANDARD
            .decode(clean)
            .map(Val::Bytes)
            .map_err(|_| bad());
    }
    Ok(Val::Json(x))
}

fn resolve<'a>(id: &str, obs: &Observation<'a>, version: StixVersion, out: &mut Vec<&'a Value>) {
    match version {
        StixVersion::V2_0 => {
            out.extend(obs.objects.iter().find(|(k, _)| *k == id).map(|(_, v)| *v))
        }
        StixVersion::V2_1 => out.extend(
            obs.objects
                .iter()
                .filter(|(k, _)| *k == id)
                .map(|(_, v)| *v),
        ),
    }
}

fn dereference<'a>(
    vals: Vec<Val<'a>>,
    key: &str,
    obs: &Observation<'a>,
    version: StixVersion,
) -> Result<Vec<Val<'a>>, MatchError> {
    let mut objs = Vec::new();
    for v in vals {
        let Val::Json(Value::String(id)) = v else {
            return Err(MatchError::InvalidReference(key.to_owned()));
        };
        resolve(id, obs, version, &mut objs);
    }
    Ok(objs.into_iter().map(Val::Json).collect())
}

fn dereference_lists<'a>(
    vals: Vec<Val<'a>>,
    key: &str,
    obs: &Observation<'a>,
    version: StixVersion,
) -> Result<Vec<Val<'a>>, MatchError> {
    let mut out = Vec::new();
    for v in vals {
        let Val::Json(Value::Array(ids)) = v else {
            return Err(MatchError::InvalidReference(key.to_owned()));
        };
        let mut objs = Vec::new();
        for id in ids {
            let Value::String(id) = id else {
                return Err(MatchError::InvalidReference(key.to_owned()));
            };
            resolve(id, obs, version, &mut objs);
        }
        if !objs.is_empty() {
            out.push(Val::Objects(objs));
        }
    }
    Ok(out)
}

fn found<'v>(v: &'v Val<'_>) -> Found<'v> {
    match v {
        Val::Json(j) => Found::from_json(j),
        Val::Bytes(b) => Found::Bytes(b),
        Val::Objects(_) => Found::Other,
    }
}

fn nfc(s: &str) -> std::borrow::Cow<'_, str> {
    if is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.nfc().collect())
    }
}

/// One property test on one value, NOT applied.
fn predicate(t: &Test, v: &Val<'_>) -> Result<bool, MatchError> {
    let f = found(v);
    let result = match &t.op {
        Op::Eq(l) => compare::equal(l, f.as_time_if(matches!(l, Lit::Time(_)))?),
        Op::Ne(l) => !compare::equal(l, f.as_time_if(matches!(l, Lit::Time(_)))?),
        Op::Order(l, o) => {
            let f = f.as_time_if(matches!(l, Lit::Time(_)))?;
            match compare::ordering(l, f) {
                // No ordering between these types: false, NOT or not.
                None => return Ok(false),
                Some(None) => false,
                Some(Some(ord)) => {
                    // `ord` is value-versus-literal.
                    match o {
                        Order::Lt => ord.is_lt(),
                        Order::Le => ord.is_le(),
                        Order::Gt => ord.is_gt(),
                        Order::Ge => ord.is_ge(),
                    }
                }
            }
        }
        Op::In(items) => {
            let f = f.as_time_if(matches!(items.first(), Some(Lit::Time(_))))?;
            items.iter().any(|item| compare::set_member(item, f))
        }
        Op::Like { re, bytes_ok } => match f {
            Found::Str(s) => re.is_match(&nfc(s)),
            Found::Bytes(b) if *bytes_ok => {
                let s = std::str::from_utf8(b).map_err(|_| MatchError::InvalidUtf8)?;
                re.is_match(&nfc(s))
            }
            _ => false,
        },
        Op::Matches { text, bytes } => match f {
            Found::Str(s) => text
                .is_match(&nfc(s))
                .map_err(|e| MatchError::RegexFailed(e.to_string()))?,
            Found::Bytes(b) => bytes.as_ref().is_some_and(|re| re.is_match(b)),
            _ => false,
        },
        Op::IsSubset(net) => match f {
            Found::Str(s) => match (Net::parse(s, false), Net::parse(net, true)) {
                (Some(v), Some(n)) => v.within(n),
                _ => false,
            },
            _ => false,
        },
        Op::IsSuperset(net) => match f {
            Found::Str(s) => match (Net::parse(net, false), Net::parse(s, true)) {
                (Some(n), Some(v)) => n.within(v),
                _ => false,
            },
            _ => false,
        },
        Op::Exists => true,
    };
    Ok(result != t.negated)
}

/// Instances used per observed-data, sorted by observed-data index.
type Binding = Vec<(u32, u64)>;

/// A temporal condition from a qualifier above the node being searched. Both
/// kinds are monotone: a binding that fails one cannot succeed once more
/// observations join it, so partial bindings that fail are pruned early.
#[derive(Debug, Clone, Copy)]
enum Constraint {
    /// Span of the bound observations at most this long.
    Within(Micros),
    /// Every bound observation overlaps `[start, stop)`.
    Window(Micros, Micros),
}

struct Search<'s, 'a> {
    obs: &'s [Observation<'a>],
    hits: &'s [Vec<u32>],
    steps: Cell<u64>,
    exhausted: Cell<bool>,
}

type Sink<'f> = &'f mut dyn FnMut(&Binding) -> ControlFlow<()>;

impl Search<'_, '_> {
    fn tick(&self) -> ControlFlow<()> {
        self.steps.set(self.steps.get() + 1);
        if self.steps.get() > STEP_BUDGET {
            self.exhausted.set(true);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    /// Adds two bindings if the instances they use fit in the observations.
    fn combine(&self, a: &Binding, b: &Binding) -> Option<Binding> {
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        loop {
            let next = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    i += 1;
                    j += 1;
                    (x.0, x.1.checked_add(y.1)?)
                }
                (Some(x), Some(y)) if x.0 < y.0 => {
                    i += 1;
                    *x
                }
                (Some(x), None) => {
                    i += 1;
                    *x
                }
                (_, Some(y)) => {
                    j += 1;
                    *y
                }
                (None, None) => break,
            };
            if next.1 > self.obs[next.0 as usize].count {
                return None;
            }
            out.push(next);
        }
        Some(out)
    }

    fn latest_first(&self, b: &Binding) -> Micros {
        b.iter()
            .map(|(o, _)| self.obs[*o as usize].first)
            .max()
            .unwrap_or(Micros::MIN)
    }

    fn earliest_last(&self, b: &Binding) -> Micros {
        b.iter()
            .map(|(o, _)| self.obs[*o as usize].last)
            .min()
            .unwrap_or(Micros::MAX)
    }

    fn satisfies(&self, b: &Binding, constraints: &[Constraint]) -> bool {
        constraints.iter().all(|c| match *c {
            Constraint::Within(d) => {
                self.latest_first(b) <= self.earliest_last(b).saturating_add(d)
            }
            Constraint::Window(start, stop) => b.iter().all(|(o, _)| {
                let ob = &self.obs[*o as usize];
                ob.first < stop && start <= ob.last
            }),
        })
    }

    fn collect(&self, node: &Node, constraints: &[Constraint]) -> Vec<Binding> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let _ = self.each(node, constraints, &mut |b| {
            if seen.insert(b.clone()) {
                out.push(b.clone());
            }
            ControlFlow::Continue(())
        });
        out
    }

    /// Calls `f` with the bindings of `node` that meet `constraints`, until
    /// it breaks.
    fn each(&self, node: &Node, constraints: &[Constraint], f: Sink<'_>) -> ControlFlow<()> {
        match node {
            Node::Leaf(i) => {
                for o in &self.hits[*i] {
                    self.tick()?;
                    let b = vec![(*o, 1)];
                    if self.satisfies(&b, constraints) {
                        f(&b)?;
                    }
                }
                ControlFlow::Continue(())
            }
            Node::Or(items) => {
                for n in items {
                    self.each(n, constraints, f)?;
                }
                ControlFlow::Continue(())
            }
            Node::And(a, b) => self.join(a, b, constraints, f, |_, _| true),
            Node::FollowedBy(a, b) => self.join(a, b, constraints, f, |l, r| {
                self.latest_first(l) <= self.earliest_last(r)
            }),
            Node::Within(inner, d) => {
                let mut c = constraints.to_vec();
                c.push(Constraint::Within(*d));
                self.each(inner, &c, f)
            }
            Node::StartStop(inner, start, stop) => {
                if start >= stop {
                    return ControlFlow::Continue(());
                }
                let mut c = constraints.to_vec();
                c.push(Constraint::Window(*start, *stop));
                self.each(inner, &c, f)
            }
            Node::Repeats(inner, n) => {
                let items = self.collect(inner, constraints);
                if self.exhausted.get() {
                    return ControlFlow::Break(());
                }
                self.repeats(&items, *n, constraints, f)
            }
        }
    }

    /// Pairs of a left and a right binding that are compatible (`ok`), fit,
    /// and meet the constraints. The right side is collected once; the left
    /// is walked lazily so that the first match stops the search.
    fn join(
        &self,
        lhs: &Node,
        rhs: &Node,
        constraints: &[Constraint],
        f: Sink<'_>,
        ok: impl Fn(&Binding, &Binding) -> bool,
    ) -> ControlFlow<()> {
        let rights = self.collect(rhs, constraints);
        if self.exhausted.get() {
            return ControlFlow::Break(());
        }
        if rights.is_empty() {
            return ControlFlow::Continue(());
        }
        self.each(lhs, constraints, &mut |l| {
            for r in &rights {
                self.tick()?;
                if ok(l, r)
                    && let Some(c) = self.combine(l, r)
                    && self.satisfies(&c, constraints)
                {
                    f(&c)?;
                }
            }
            ControlFlow::Continue(())
        })
    }

    /// Every multiset of `n` bindings from `items` whose instances fit and
    /// meet the constraints.
    fn repeats(
        &self,
        items: &[Binding],
        n: u64,
        constraints: &[Constraint],
        f: Sink<'_>,
    ) -> ControlFlow<()> {
        if items.is_empty() {
            return ControlFlow::Continue(());
        }
        // Each binding uses at least one instance: too few in all, no match.
        let mut support: Vec<u32> = items.iter().flatten().map(|(o, _)| *o).collect();
        support.sort_unstable();
        support.dedup();
        let capacity: u64 = support.iter().map(|o| self.obs[*o as usize].count).sum();
        if capacity < n {
            return ControlFlow::Continue(());
        }
        // Iterative depth-first search over non-decreasing item indices:
        // `stack` holds the chosen index and the binding before it.
        let mut stack: Vec<(usize, Binding)> = Vec::new();
        let mut acc: Binding = Vec::new();
        let mut from = 0usize;
        loop {
            if stack.len() as u64 == n {
                f(&acc)?;
            } else if let Some((i, c)) = self.extend(items, &acc, from, constraints)? {
                stack.push((i, std::mem::replace(&mut acc, c)));
                from = i;
                continue;
            }
            // Backtrack: replace the last choice by the next one that fits.
            loop {
                let Some((i, prev)) = stack.pop() else {
                    return ControlFlow::Continue(());
                };
                acc = prev;
                if let Some((j, c)) = self.extend(items, &acc, i + 1, constraints)? {
                    stack.push((j, std::mem::replace(&mut acc, c)));
                    from = j;
                    break;
                }
            }
        }
    }

    /// The first item at or after `from` that can join `acc`.
    fn extend(
        &self,
        items: &[Binding],
        acc: &Binding,
        from: usize,
        constraints: &[Constraint],
    ) -> ControlFlow<(), Option<(usize, Binding)>> {
        for (i, item) in items.iter().enumerate().skip(from) {
            self.tick()?;
            if let Some(c) = self.combine(acc, item)
                && self.satisfies(&c, constraints)
            {
                return ControlFlow::Continue(Some((i, c)));
            }
        }
        ControlFlow::Continue(None)
    }
}
