//! Checks beyond the grammar that the OASIS validator (stix2-patterns)
//! applies: the pattern must open with `[` (after any `(`), hash values must
//! have the form of their algorithm, and in STIX 2.1 one observation
//! expression may not carry two qualifiers of the same kind.

use super::ast::{
    Comparison, ComparisonExpr, Literal, ObservationExpr, PathStep, PatternAst, PropTest, Qualifier,
};
use super::{PatternError, StixVersion};

pub(crate) fn check(
    text: &str,
    ast: &PatternAst,
    version: StixVersion,
) -> Result<(), PatternError> {
    brackets(text)?;
    if version == StixVersion::V2_1 {
        duplicate_qualifiers(&ast.root)?;
    }
    let mut result = Ok(());
    visit_tests(&ast.root, &mut |t| {
        if result.is_ok() {
            result = hash_value(t);
        }
    });
    result
}

/// The reference's "input is missing square brackets" check: skipping
/// opening parentheses and white space, the first character must be `[`.
fn brackets(text: &str) -> Result<(), PatternError> {
    // Python's str.isspace() also counts the ASCII separators 0x1C–0x1F.
    let first = text
        .chars()
        .find(|c| *c != '(' && !c.is_whitespace() && !('\u{1c}'..='\u{1f}').contains(c));
    if first == Some('[') {
        Ok(())
    } else {
        Err(PatternError::MissingBrackets)
    }
}

/// Qualifiers chained directly on one `[…]` may not repeat a kind
/// (`[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS`); a parenthesized group
/// starts afresh.
fn duplicate_qualifiers(expr: &ObservationExpr) -> Result<(), PatternError> {
    match expr {
        ObservationExpr::Observation(_) => Ok(()),
        ObservationExpr::Group(inner) => duplicate_qualifiers(inner),
        ObservationExpr::And(items)
        | ObservationExpr::Or(items)
        | ObservationExpr::FollowedBy(items) => items.iter().try_for_each(duplicate_qualifiers),
        ObservationExpr::Qualified(..) => {
            let mut kinds: Vec<&'static str> = Vec::new();
            let mut cur = expr;
            while let ObservationExpr::Qualified(inner, q) = cur {
                kinds.push(match q {
                    Qualifier::Within(_) => "WITHIN",
                    Qualifier::Repeats(_) => "REPEATS",
                    Qualifier::StartStop(..) => "START/STOP",
                });
                cur = inner;
            }
            // Only a chain on a bracketed observation is checked; a chain on
            // a parenthesized group is not (as in the reference).
            if matches!(cur, ObservationExpr::Observation(_)) {
                for (i, kind) in kinds.iter().enumerate() {
                    if kinds[..i].contains(kind) {
                        return Err(PatternError::DuplicateQualifier(kind));
                    }
                }
            }
            duplicate_qualifiers(cur)
        }
    }
}

pub(crate) fn visit_tests<'a>(expr: &'a ObservationExpr, f: &mut dyn FnMut(&'a PropTest)) {
    fn comparison<'a>(c: &'a ComparisonExpr, f: &mut dyn FnMut(&'a PropTest)) {
        match c {
            ComparisonExpr::And(items) | ComparisonExpr::Or(items) => {
                for c in items {
                    comparison(c, f);
                }
            }
            ComparisonExpr::Group(inner) => comparison(inner, f),
            ComparisonExpr::Test(t) => f(t),
        }
    }
    match expr {
        ObservationExpr::Observation(c) => comparison(c, f),
        ObservationExpr::Group(inner) | ObservationExpr::Qualified(inner, _) => {
            visit_tests(inner, f)
        }
        ObservationExpr::And(items)
        | ObservationExpr::Or(items)
        | ObservationExpr::FollowedBy(items) => {
            for e in items {
                visit_tests(e, f);
            }
        }
    }
}

/// Hash algorithms whose values the reference validator checks, keyed by the
/// name upper-cased without `-`, with the form their value must have.
fn hash_form_ok(algorithm: &str, value: &str) -> Option<bool> {
    let hex_len = |n: usize| value.len() == n && value.bytes().all(|b| b.is_ascii_hexdigit());
    // Python's re.match(r"…$") also accepts one trailing newline.
    let value_trimmed = value.strip_suffix('\n').unwrap_or(value);
    let hex = |n: usize| {
        hex_len(n)
            || (value_trimmed.len() == n && value_trimmed.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    Some(match algorithm {
        "MD5" => hex(32),
        // The reference's MD6 expression is unanchored after its first
        // alternative: any value starting with 32 hex digits passes.
        "MD6" => value.len() >= 32 && value.as_bytes()[..32].iter().all(u8::is_ascii_hexdigit),
        "RIPEMD160" | "SHA1" => hex(40),
        "SHA224" | "SHA3224" => hex(56),
        "SHA256" | "SHA3256" => hex(64),
        "SHA384" | "SHA3384" => hex(96),
        "SHA512" | "SHA3512" | "WHIRLPOOL" => hex(128),
        "SSDEEP" => {
            (1..=128).contains(&value_trimmed.len())
                && value_trimmed
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b':' | b'.'))
        }
        _ => return None,
    })
}

/// A comparison on a `hashes` path must compare against a value of the
/// algorithm's form (the reference tests the literal's text, quotes removed).
fn hash_value(t: &PropTest) -> Result<(), PatternError> {
    let in_hashes = t
        .path
        .steps
        .iter()
        .any(|s| matches!(s, PathStep::Key { name, .. } if name == "hashes"));
    if !in_hashes {
        return Ok(());
    }
    let Some(PathStep::Key { name: selector, .. }) = t.path.steps.last() else {
        return Ok(());
    };
    let algorithm = selector.to_uppercase().replace(['-', '\''], "");
    let value = match &t.op {
        Comparison::Exists => return Ok(()),
        Comparison::Eq(l)
        | Comparison::Ne(l)
        | Comparison::Lt(l)
        | Comparison::Le(l)
        | Comparison::Gt(l)
        | Comparison::Ge(l) => literal_text(l),
        Comparison::In(items) => {
            let parts: Vec<String> = items.iter().map(literal_text).collect();
            format!("({})", parts.join(","))
        }
        Comparison::Like(s)
        | Comparison::Matches(s)
        | Comparison::IsSubset(s)
        | Comparison::IsSuperset(s) => escaped(s),
    };
    match hash_form_ok(&algorithm, &value) {
        Some(false) => Err(PatternError::InvalidHash {
            algorithm: selector.clone(),
            value,
        }),
        _ => Ok(()),
    }
}

/// The literal as the reference sees it: its token text with every `'` removed.
fn literal_text(l: &Literal) -> String {
    match l {
        Literal::String(s) => escaped(s),
        other => other.to_string().replace('\'', ""),
    }
}

/// A string literal's token text (escapes kept) without its quotes.
fn escaped(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\'', "\\")
}
