//! A detection's condition as a tree: `and`, `or`, `not`, parentheses,
//! search identifiers, and `1 of` / `all of` a pattern (`selection_*`) or
//! `them`. Keywords are case-insensitive; `and` binds tighter than `or`,
//! `not` tighter than both. Every error gives the column it is at (from
//! 1). Identifiers and patterns are checked against the rule's search
//! identifiers: one that names none is an error, as Sigma requires.

use std::fmt;

/// How many of a group must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    /// `1 of` (also `any of`).
    One,
    /// `all of`.
    All,
}

/// A condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// A search identifier, by its index in the detection.
    Ident(usize),
    /// `1 of x*` / `all of them`: the identifiers the pattern names.
    Of(Quantifier, Vec<usize>),
    /// `not c`
    Not(Box<Condition>),
    /// `a and b and …`
    And(Vec<Condition>),
    /// `a or b or …`
    Or(Vec<Condition>),
}

/// A condition that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    /// The column (from 1) the error is at.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for ConditionError {}

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Word(&'a str),
    Open,
    Close,
    Pipe,
}

fn tokens(s: &str) -> Result<Vec<(usize, Tok<'_>)>, ConditionError> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'(' => {
                out.push((i, Tok::Open));
                i += 1;
            }
            b')' => {
                out.push((i, Tok::Close));
                i += 1;
            }
            b'|' => {
                // What follows is a Sigma 1 aggregation, refused whole.
                out.push((i, Tok::Pipe));
                break;
            }
            _ if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'*' | b'-' | b'.') => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'*' | b'-' | b'.'))
                {
                    i += 1;
                }
                out.push((start, Tok::Word(&s[start..i])));
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('?');
                return Err(ConditionError {
                    column: s[..i].chars().count() + 1,
                    message: format!("unexpected character `{ch}`"),
                });
            }
        }
    }
    Ok(out)
}

const AGGREGATION: &str =
    "an aggregation after `|` (Sigma 1 `count()`) is not supported: write a correlation rule";

/// How deep parentheses and `not`s may nest.
const MAX_DEPTH: usize = 64;

struct Parser<'a, 'n> {
    src: &'a str,
    toks: Vec<(usize, Tok<'a>)>,
    at: usize,
    names: &'n [&'n str],
    depth: usize,
}

impl<'a> Parser<'a, '_> {
    fn column(&self) -> usize {
        let byte = self.toks.get(self.at).map_or(self.src.len(), |t| t.0);
        self.src[..byte].chars().count() + 1
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, ConditionError> {
        Err(ConditionError {
            column: self.column(),
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<&Tok<'a>> {
        self.toks.get(self.at).map(|t| &t.1)
    }

    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(k))
    }

    fn or(&mut self) -> Result<Condition, ConditionError> {
        let mut parts = vec![self.and()?];
        while self.keyword("or") {
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Condition::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Condition, ConditionError> {
        let mut parts = vec![self.not()?];
        while self.keyword("and") {
            self.at += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Condition::And(parts)
        })
    }

    fn not(&mut self) -> Result<Condition, ConditionError> {
        if self.keyword("not") {
            self.at += 1;
            self.deeper()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Condition::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn deeper(&mut self) -> Result<(), ConditionError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail(format!("nested more than {MAX_DEPTH} deep"));
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<Condition, ConditionError> {
        match self.peek().cloned() {
            Some(Tok::Open) => {
                self.at += 1;
                self.deeper()?;
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::Close) {
                    return self.fail("expected `)`");
                }
                self.at += 1;
                Ok(inner)
            }
            Some(Tok::Word(w)) => {
                let next_is_of = matches!(self.toks.get(self.at + 1), Some((_, Tok::Word(o))) if o.eq_ignore_ascii_case("of"));
                if next_is_of {
                    let q = if w == "1" || w.eq_ignore_ascii_case("any") {
                        Quantifier::One
                    } else if w.eq_ignore_ascii_case("all") {
                        Quantifier::All
                    } else {
                        return self.fail(format!("`{w} of`: only `1 of` and `all of` are Sigma"));
                    };
                    self.at += 2;
                    let Some(Tok::Word(p)) = self.peek().cloned() else {
                        return self.fail("expected a pattern or `them` after `of`");
                    };
                    let ids: Vec<usize> = if p.eq_ignore_ascii_case("them") {
                        // `them` is every identifier but those starting `_`.
                        (0..self.names.len())
                            .filter(|&i| !self.names[i].starts_with('_'))
                            .collect()
                    } else {
                        (0..self.names.len())
                            .filter(|&i| glob(p, self.names[i]))
                            .collect()
                    };
                    if ids.is_empty() {
                        return self.fail(format!("`{p}` names no search identifier"));
                    }
                    self.at += 1;
                    return Ok(Condition::Of(q, ids));
                }
                if ["and", "or", "of", "them"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k))
                {
                    return self.fail(format!("unexpected `{w}`"));
                }
                let Some(i) = self.names.iter().position(|n| *n == w) else {
                    return self.fail(format!("`{w}` is not a search identifier of the rule"));
                };
                self.at += 1;
                Ok(Condition::Ident(i))
            }
            Some(Tok::Close) => self.fail("unexpected `)`"),
            Some(Tok::Pipe) => self.fail(AGGREGATION),
            None => self.fail("the condition ends too early"),
        }
    }
}

/// `*` in a pattern stands for any run of characters.
fn glob(p: &str, name: &str) -> bool {
    let mut parts = p.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for m in middle {
        match rest.find(m) {
            Some(i) => rest = &rest[i + m.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

impl Condition {
    /// Reads `text` against the rule's search identifiers `names`.
    pub fn parse(text: &str, names: &[&str]) -> Result<Condition, ConditionError> {
        let toks = tokens(text)?;
        let mut p = Parser {
            src: text,
            toks,
            at: 0,
            names,
            depth: 0,
        };
        let c = p.or()?;
        if p.peek() == Some(&Tok::Pipe) {
            return p.fail(AGGREGATION);
        }
        if p.at < p.toks.len() {
            return p.fail("unexpected words after the condition");
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 4] = ["selection_img", "selection_cli", "filter_main", "_hidden"];

    #[test]
    fn precedence_groups_and_quantifiers() {
        use Condition::*;
        let c = Condition::parse("all of selection_* and not filter_main", &NAMES).expect("ok");
        assert_eq!(
            c,
            And(vec![
                Of(Quantifier::All, vec![0, 1]),
                Not(Box::new(Ident(2)))
            ])
        );
        let c = Condition::parse("selection_img or selection_cli and NOT filter_main", &NAMES)
            .expect("ok");
        assert_eq!(
            c,
            Or(vec![Ident(0), And(vec![Ident(1), Not(Box::new(Ident(2)))])])
        );
        let c =
            Condition::parse("(selection_img or selection_cli) and 1 of them", &NAMES).expect("ok");
        assert_eq!(
            c,
            And(vec![
                Or(vec![Ident(0), Ident(1)]),
                Of(Quantifier::One, vec![0, 1, 2])
            ])
        );
        assert_eq!(
            Condition::parse("1 of *_main", &NAMES),
            Ok(Of(Quantifier::One, vec![2]))
        );
    }

    #[test]
    fn errors_say_where() {
        for (text, column, want) in [
            ("selection_img and", 18, "ends too early"),
            ("selection_img and (filter_main", 31, "expected `)`"),
            ("selection_x", 1, "not a search identifier"),
            ("2 of selection_*", 1, "only `1 of` and `all of`"),
            ("1 of sel_*", 6, "names no search identifier"),
            ("selection_img | count() > 5", 15, "aggregation"),
            ("selection_img filter_main", 15, "unexpected words"),
            (
                "selection_img & filter_main",
                15,
                "unexpected character `&`",
            ),
            (") or x", 1, "unexpected `)`"),
        ] {
            let e = Condition::parse(text, &NAMES).expect_err(text);
            assert_eq!(e.column, column, "{text}: {e}");
            assert!(e.message.contains(want), "{text}: {e}");
        }
        let deep = format!("{}selection_img{}", "(".repeat(100), ")".repeat(100));
        assert!(Condition::parse(&deep, &NAMES).is_err());
    }

    #[test]
    fn globs() {
        assert!(glob("selection_*", "selection_a"));
        assert!(glob("*", "x"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
        assert!(!glob("sel", "selection"));
        assert!(glob("*_main", "filter_main"));
    }
}
