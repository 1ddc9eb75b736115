//! Recursive-descent parser for the STIX patterning grammar (2.0 and 2.1).
//!
//! Precedence, loosest first: `FOLLOWEDBY`, `OR`, `AND` between observation
//! expressions (all left-associative), then qualifiers binding to the
//! observation expression before them; inside brackets `OR`, then `AND`.

use base64::Engine as _;

use super::ast::{
    Comparison, ComparisonExpr, Literal, Number, ObjectPath, ObservationExpr, PathStep, PatternAst,
    PropTest, Qualifier, Timestamp,
};
use super::lexer::{Token, TokenKind, tokenize};
use super::{PatternError, StixVersion};

/// Deepest nesting accepted (parentheses, qualifier chains, `AND` and
/// `FOLLOWEDBY` chains between observations), so that hostile input cannot
/// exhaust the stack. `OR` chains and comparison chains are flat and
/// unlimited.
const MAX_DEPTH: usize = 128;

pub(crate) fn parse(input: &str, version: StixVersion) -> Result<PatternAst, PatternError> {
    let tokens = tokenize(input, version);
    let mut p = Parser {
        input,
        tokens,
        pos: 0,
        version,
        depth: 0,
    };
    let root = p.observation_expressions()?;
    p.expect(TokenKind::Eof, "end of input")?;
    Ok(PatternAst { root })
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    version: StixVersion,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Token {
        self.tokens[self.pos]
    }

    fn bump(&mut self) -> Token {
        let t = self.tokens[self.pos];
        if t.kind != TokenKind::Eof {
            self.pos += 1;
        }
        t
    }

    fn text(&self, t: Token) -> &str {
        &self.input[t.start..t.end]
    }

    fn eat(&mut self, kind: TokenKind) -> Option<Token> {
        (self.peek().kind == kind).then(|| self.bump())
    }

    fn error_at(&self, t: Token, expected: &str) -> PatternError {
        let found = if t.kind == TokenKind::Eof {
            "end of input".to_owned()
        } else {
            format!("'{}'", self.text(t))
        };
        PatternError::Syntax {
            line: t.line,
            column: t.column,
            message: format!("unexpected {found}, expected {expected}"),
        }
    }

    fn expect(&mut self, kind: TokenKind, expected: &str) -> Result<Token, PatternError> {
        self.eat(kind)
            .ok_or_else(|| self.error_at(self.peek(), expected))
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let t = self.peek();
            return Err(PatternError::Syntax {
                line: t.line,
                column: t.column,
                message: format!("nesting deeper than {MAX_DEPTH} levels"),
            });
        }
        Ok(())
    }

    /// `item (op item)*` as one node; `AND`/`FOLLOWEDBY` chains count
    /// towards the depth limit (the matcher joins them one by one).
    fn chain<T>(
        &mut self,
        op: TokenKind,
        counts_as_depth: bool,
        item: fn(&mut Self) -> Result<T, PatternError>,
        node: fn(Vec<T>) -> T,
    ) -> Result<T, PatternError> {
        let first = item(self)?;
        if self.peek().kind != op {
            return Ok(first);
        }
        let depth = self.depth;
        let mut items = vec![first];
        while self.eat(op).is_some() {
            if counts_as_depth {
                self.enter()?;
            }
            items.push(item(self)?);
        }
        self.depth = depth;
        Ok(node(items))
    }

    fn observation_expressions(&mut self) -> Result<ObservationExpr, PatternError> {
        self.chain(
            TokenKind::FollowedBy,
            true,
            Self::observation_or,
            ObservationExpr::FollowedBy,
        )
    }

    fn observation_or(&mut self) -> Result<ObservationExpr, PatternError> {
        self.chain(
            TokenKind::Or,
            false,
            Self::observation_and,
            ObservationExpr::Or,
        )
    }

    fn observation_and(&mut self) -> Result<ObservationExpr, PatternError> {
        self.chain(
            TokenKind::And,
            true,
            Self::observation,
            ObservationExpr::And,
        )
    }

    fn observation(&mut self) -> Result<ObservationExpr, PatternError> {
        self.enter()?;
        let mut expr = if self.eat(TokenKind::LBrack).is_some() {
            let c = self.comparison_or()?;
            self.expect(TokenKind::RBrack, "']'")?;
            ObservationExpr::Observation(c)
        } else if self.eat(TokenKind::LParen).is_some() {
            let inner = self.observation_expressions()?;
            self.expect(TokenKind::RParen, "')'")?;
            ObservationExpr::Group(Box::new(inner))
        } else {
            return Err(self.error_at(self.peek(), "'[' or '('"));
        };
        self.depth -= 1;
        let depth = self.depth;
        while let Some(q) = self.qualifier()? {
            self.enter()?;
            expr = ObservationExpr::Qualified(Box::new(expr), q);
        }
        self.depth = depth;
        Ok(expr)
    }

    fn qualifier(&mut self) -> Result<Option<Qualifier>, PatternError> {
        if self.eat(TokenKind::Within).is_some() {
            let t = self.peek();
            let n = match t.kind {
                TokenKind::IntPos => Number::Int(self.unsigned(t)?),
                TokenKind::FloatPos => Number::Float(self.float(t)?),
                _ => return Err(self.error_at(t, "a positive number")),
            };
            self.bump();
            self.expect(TokenKind::Seconds, "SECONDS")?;
            Ok(Some(Qualifier::Within(n)))
        } else if self.eat(TokenKind::Repeats).is_some() {
            let t = self.expect(TokenKind::IntPos, "a positive integer")?;
            let n = self.unsigned(t)?;
            self.expect(TokenKind::Times, "TIMES")?;
            Ok(Some(Qualifier::Repeats(n)))
        } else if self.eat(TokenKind::Start).is_some() {
            let start = self.expect(TokenKind::Timestamp, "a timestamp literal t'…'")?;
            self.expect(TokenKind::Stop, "STOP")?;
            let stop = self.expect(TokenKind::Timestamp, "a timestamp literal t'…'")?;
            Ok(Some(Qualifier::StartStop(
                self.timestamp(start),
                self.timestamp(stop),
            )))
        } else {
            Ok(None)
        }
    }

    fn comparison_or(&mut self) -> Result<ComparisonExpr, PatternError> {
        self.chain(
            TokenKind::Or,
            false,
            Self::comparison_and,
            ComparisonExpr::Or,
        )
    }

    fn comparison_and(&mut self) -> Result<ComparisonExpr, PatternError> {
        self.chain(TokenKind::And, false, Self::prop_test, ComparisonExpr::And)
    }

    fn prop_test(&mut self) -> Result<ComparisonExpr, PatternError> {
        if self.eat(TokenKind::LParen).is_some() {
            self.enter()?;
            let inner = self.comparison_or()?;
            self.expect(TokenKind::RParen, "')'")?;
            self.depth -= 1;
            return Ok(ComparisonExpr::Group(Box::new(inner)));
        }
        if self.version == StixVersion::V2_1 {
            let negated = self.eat(TokenKind::Not).is_some();
            if negated || self.peek().kind == TokenKind::Exists {
                self.expect(TokenKind::Exists, "EXISTS")?;
                let path = self.object_path()?;
                return Ok(ComparisonExpr::Test(PropTest {
                    path,
                    negated,
                    op: Comparison::Exists,
                }));
            }
        }
        let path = self.object_path()?;
        let negated = self.eat(TokenKind::Not).is_some();
        let t = self.bump();
        let op = match t.kind {
            TokenKind::Eq => Comparison::Eq(self.literal(true)?),
            TokenKind::Neq => Comparison::Ne(self.literal(true)?),
            TokenKind::Lt => Comparison::Lt(self.literal(false)?),
            TokenKind::Le => Comparison::Le(self.literal(false)?),
            TokenKind::Gt => Comparison::Gt(self.literal(false)?),
            TokenKind::Ge => Comparison::Ge(self.literal(false)?),
            TokenKind::In => Comparison::In(self.set()?),
            TokenKind::Like => Comparison::Like(self.string()?),
            TokenKind::Matches => Comparison::Matches(self.string()?),
            TokenKind::IsSubset => Comparison::IsSubset(self.string()?),
            TokenKind::IsSuperset => Comparison::IsSuperset(self.string()?),
            _ => return Err(self.error_at(t, "a comparison operator")),
        };
        Ok(ComparisonExpr::Test(PropTest { path, negated, op }))
    }

    fn object_path(&mut self) -> Result<ObjectPath, PatternError> {
        let t = self.bump();
        if !matches!(
            t.kind,
            TokenKind::IdentWithoutHyphen | TokenKind::IdentWithHyphen
        ) {
            return Err(self.error_at(t, "an object type"));
        }
        let object_type = self.text(t).to_owned();
        self.expect(TokenKind::Colon, "':'")?;
        let mut steps = vec![self.key("a property name")?];
        loop {
            if self.eat(TokenKind::Dot).is_some() {
                steps.push(self.key("a property name after '.'")?);
            } else if self.eat(TokenKind::LBrack).is_some() {
                let t = self.bump();
                let step = match t.kind {
                    TokenKind::Asterisk => PathStep::AnyIndex,
                    TokenKind::IntPos | TokenKind::IntNeg => PathStep::Index(self.integer(t)?),
                    _ => return Err(self.error_at(t, "a list index or '*'")),
                };
                self.expect(TokenKind::RBrack, "']'")?;
                steps.push(step);
            } else {
                break;
            }
        }
        Ok(ObjectPath { object_type, steps })
    }

    fn key(&mut self, expected: &str) -> Result<PathStep, PatternError> {
        let t = self.bump();
        match t.kind {
            TokenKind::IdentWithoutHyphen => Ok(PathStep::Key {
                name: self.text(t).to_owned(),
                quoted: false,
            }),
            TokenKind::String => Ok(PathStep::Key {
                name: unescape(self.text(t)),
                quoted: true,
            }),
            _ => Err(self.error_at(t, expected)),
        }
    }

    fn set(&mut self) -> Result<Vec<Literal>, PatternError> {
        self.expect(TokenKind::LParen, "'('")?;
        let mut items = Vec::new();
        if self.eat(TokenKind::RParen).is_some() {
            return Ok(items);
        }
        loop {
            items.push(self.literal(true)?);
            if self.eat(TokenKind::Comma).is_none() {
                self.expect(TokenKind::RParen, "',' or ')'")?;
                return Ok(items);
            }
        }
    }

    fn string(&mut self) -> Result<String, PatternError> {
        let t = self.expect(TokenKind::String, "a string literal '…'")?;
        Ok(unescape(self.text(t)))
    }

    /// A primitive literal (`allow_bool`) or an orderable one.
    fn literal(&mut self, allow_bool: bool) -> Result<Literal, PatternError> {
        let t = self.bump();
        let text = self.text(t);
        Ok(match t.kind {
            TokenKind::IntPos | TokenKind::IntNeg => Literal::Int(self.integer(t)?),
            TokenKind::FloatPos | TokenKind::FloatNeg => Literal::Float(self.float(t)?),
            TokenKind::String => Literal::String(unescape(text)),
            TokenKind::Bool if allow_bool => Literal::Bool(text == "true"),
            TokenKind::Binary => {
                let body = &text[2..text.len() - 1];
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(body)
                    .map_err(|_| self.error_at(t, "valid base64 in b'…'"))?;
                Literal::Binary(bytes)
            }
            TokenKind::Hex => {
                let body = &text[2..text.len() - 1];
                // The lexer admitted only pairs of hex digits.
                let bytes = hex::decode(body).map_err(|_| self.error_at(t, "hex digits"))?;
                Literal::Hex(bytes)
            }
            TokenKind::Timestamp => Literal::Timestamp(self.timestamp(t)),
            _ => {
                return Err(self.error_at(
                    t,
                    if allow_bool {
                        "a literal (number, string, boolean, b'…', h'…' or t'…')"
                    } else {
                        "an orderable literal (number, string, b'…', h'…' or t'…')"
                    },
                ));
            }
        })
    }

    fn timestamp(&self, t: Token) -> Timestamp {
        let text = self.text(t);
        Timestamp(text[2..text.len() - 1].to_owned())
    }

    fn integer(&self, t: Token) -> Result<i64, PatternError> {
        self.number(t)
    }

    fn unsigned(&self, t: Token) -> Result<u64, PatternError> {
        self.number(t)
    }

    /// An integer token (`+` allowed) as `N`, or an error naming its column.
    fn number<N: std::str::FromStr>(&self, t: Token) -> Result<N, PatternError> {
        let text = self.text(t);
        text.strip_prefix('+')
            .unwrap_or(text)
            .parse()
            .map_err(|_| PatternError::Syntax {
                line: t.line,
                column: t.column,
                message: format!("integer {text} is out of the 64-bit range"),
            })
    }

    fn float(&self, t: Token) -> Result<f64, PatternError> {
        let text = self.text(t);
        text.parse().map_err(|_| PatternError::Syntax {
            line: t.line,
            column: t.column,
            message: format!("invalid number {text}"),
        })
    }
}

/// The value of a string literal token: quotes removed, `\'` and `\\` undone.
fn unescape(token: &str) -> String {
    let body = &token[1..token.len() - 1];
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            // The lexer admits only \' and \\.
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}
