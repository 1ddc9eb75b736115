//! Tokenizer for the STIX patterning language.
//!
//! It reproduces the lexer of the OASIS ANTLR grammar (`STIXPattern.g4` as
//! shipped in stix2-patterns 2.1.2): at each position the longest token wins,
//! and between tokens of equal length the rule declared first wins (literals,
//! then keywords, then identifiers, then punctuation). A character that starts
//! no token becomes an [`TokenKind::Invalid`] token, so the lexer itself never
//! fails; the parser reports it.

use super::StixVersion;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    IntNeg,
    IntPos,
    FloatNeg,
    FloatPos,
    Hex,
    Binary,
    String,
    Bool,
    Timestamp,
    And,
    Or,
    Not,
    FollowedBy,
    Like,
    Matches,
    IsSuperset,
    IsSubset,
    Exists,
    Last,
    In,
    Start,
    Stop,
    Seconds,
    Within,
    Repeats,
    Times,
    IdentWithoutHyphen,
    IdentWithHyphen,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Quote,
    Colon,
    Dot,
    Comma,
    RParen,
    LParen,
    RBrack,
    LBrack,
    Plus,
    Hyphen,
    Power,
    Divide,
    Asterisk,
    Invalid,
    Eof,
}

/// One token: its kind, its byte range in the input, and where it starts as
/// (1-based line, 0-based column in characters), the convention of the OASIS
/// validator's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

/// Whitespace as the grammar's `WS` rule defines it.
fn is_ws(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\r'
            | '\n'
            | '\u{0B}'
            | '\u{0C}'
            | '\u{85}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

const KEYWORDS: &[(&str, TokenKind)] = &[
    ("AND", TokenKind::And),
    ("OR", TokenKind::Or),
    ("NOT", TokenKind::Not),
    ("FOLLOWEDBY", TokenKind::FollowedBy),
    ("LIKE", TokenKind::Like),
    ("MATCHES", TokenKind::Matches),
    ("ISSUPERSET", TokenKind::IsSuperset),
    ("ISSUBSET", TokenKind::IsSubset),
    ("EXISTS", TokenKind::Exists),
    ("LAST", TokenKind::Last),
    ("IN", TokenKind::In),
    ("START", TokenKind::Start),
    ("STOP", TokenKind::Stop),
    ("SECONDS", TokenKind::Seconds),
    ("true", TokenKind::Bool),
    ("false", TokenKind::Bool),
    ("WITHIN", TokenKind::Within),
    ("REPEATS", TokenKind::Repeats),
    ("TIMES", TokenKind::Times),
];

/// Whether `word` is a keyword of the given version's grammar (and so cannot
/// be written as a bare identifier).
pub(crate) fn keyword(word: &str, version: StixVersion) -> Option<TokenKind> {
    KEYWORDS
        .iter()
        .find(|(k, kind)| {
            *k == word && !(*kind == TokenKind::Exists && version == StixVersion::V2_0)
        })
        .map(|(_, kind)| *kind)
}

/// Splits `input` into tokens, ending with one [`TokenKind::Eof`].
pub(crate) fn tokenize(input: &str, version: StixVersion) -> Vec<Token> {
    let bytes = input.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = 0;
    let mut line = 1u32;
    let mut column = 0u32;
    // Advances line/column over input[from..to].
    let advance = |from: usize, to: usize, line: &mut u32, column: &mut u32| {
        for c in input[from..to].chars() {
            if c == '\n' {
                *line += 1;
                *column = 0;
            } else {
                *column += 1;
            }
        }
    };
    while pos < bytes.len() {
        let rest = &input[pos..];
        let Some(c) = rest.chars().next() else { break };
        // Skipped input: whitespace and comments.
        if is_ws(c) {
            let len = rest.find(|c| !is_ws(c)).unwrap_or(rest.len());
            advance(pos, pos + len, &mut line, &mut column);
            pos += len;
            continue;
        }
        if let Some(body) = rest.strip_prefix("/*") {
            if let Some(end) = body.find("*/") {
                let len = end + 4;
                advance(pos, pos + len, &mut line, &mut column);
                pos += len;
                continue;
            }
        } else if rest.starts_with("//") {
            let len = rest.find(['\r', '\n']).unwrap_or(rest.len());
            advance(pos, pos + len, &mut line, &mut column);
            pos += len;
            continue;
        }
        let (kind, len) = next_token(rest, version);
        tokens.push(Token {
            kind,
            start: pos,
            end: pos + len,
            line,
            column,
        });
        advance(pos, pos + len, &mut line, &mut column);
        pos += len;
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        start: input.len(),
        end: input.len(),
        line,
        column,
    });
    tokens
}

/// The longest token at the start of `s` (never empty), with its length in bytes.
fn next_token(s: &str, version: StixVersion) -> (TokenKind, usize) {
    let b = s.as_bytes();
    let first = b[0];
    // Candidates in rule order; the longest wins, the earliest on ties.
    let mut best: (TokenKind, usize) = (TokenKind::Invalid, 0);
    let mut offer = |kind: TokenKind, len: usize| {
        if len > best.1 {
            best = (kind, len);
        }
    };
    if matches!(first, b'-' | b'+' | b'0'..=b'9' | b'.') {
        let (int_len, float_len) = number_lengths(b);
        let neg = first == b'-';
        if int_len > 0 {
            offer(
                if neg {
                    TokenKind::IntNeg
                } else {
                    TokenKind::IntPos
                },
                int_len,
            );
        }
        if float_len > 0 {
            offer(
                if neg {
                    TokenKind::FloatNeg
                } else {
                    TokenKind::FloatPos
                },
                float_len,
            );
        }
    }
    if b.len() >= 2 && b[1] == b'\'' {
        match first {
            b'h' => offer(TokenKind::Hex, hex_len(b)),
            b'b' => offer(TokenKind::Binary, binary_len(b)),
            b't' => offer(TokenKind::Timestamp, timestamp_len(b)),
            _ => {}
        }
    }
    if first == b'\'' {
        offer(TokenKind::String, string_len(b));
    }
    if first.is_ascii_alphabetic() || first == b'_' {
        let without = 1 + b[1..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .count();
        let with = 1 + b[1..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'-')
            .count();
        if let Some(kw) = keyword(&s[..without], version) {
            offer(kw, without);
        }
        offer(TokenKind::IdentWithoutHyphen, without);
        offer(TokenKind::IdentWithHyphen, with);
    }
    let punct = match (first, b.get(1)) {
        (b'=', Some(b'=')) => Some((TokenKind::Eq, 2)),
        (b'=', _) => Some((TokenKind::Eq, 1)),
        (b'!', Some(b'=')) => Some((TokenKind::Neq, 2)),
        (b'<', Some(b'>')) => Some((TokenKind::Neq, 2)),
        (b'<', Some(b'=')) => Some((TokenKind::Le, 2)),
        (b'<', _) => Some((TokenKind::Lt, 1)),
        (b'>', Some(b'=')) => Some((TokenKind::Ge, 2)),
        (b'>', _) => Some((TokenKind::Gt, 1)),
        (b'\'', _) => Some((TokenKind::Quote, 1)),
        (b':', _) => Some((TokenKind::Colon, 1)),
        (b'.', _) => Some((TokenKind::Dot, 1)),
        (b',', _) => Some((TokenKind::Comma, 1)),
        (b')', _) => Some((TokenKind::RParen, 1)),
        (b'(', _) => Some((TokenKind::LParen, 1)),
        (b']', _) => Some((TokenKind::RBrack, 1)),
        (b'[', _) => Some((TokenKind::LBrack, 1)),
        (b'+', _) => Some((TokenKind::Plus, 1)),
        (b'-', _) => Some((TokenKind::Hyphen, 1)),
        (b'^', _) => Some((TokenKind::Power, 1)),
        (b'/', _) => Some((TokenKind::Divide, 1)),
        (b'*', _) => Some((TokenKind::Asterisk, 1)),
        _ => None,
    };
    if let Some((kind, len)) = punct {
        offer(kind, len);
    }
    if best.1 == 0 {
        // InvalidCharacter: one whole character.
        let len = s.chars().next().map_or(1, char::len_utf8);
        return (TokenKind::Invalid, len);
    }
    best
}

/// Lengths of the longest integer and float literal at the start of `b`
/// (0 where none matches). Integers: `[+-]? ('0' | [1-9][0-9]*)`; floats:
/// `[+-]? [0-9]* '.' [0-9]+`.
fn number_lengths(b: &[u8]) -> (usize, usize) {
    let sign = usize::from(matches!(b[0], b'+' | b'-'));
    let digits = b[sign..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int_len = match b.get(sign) {
        Some(b'0') => sign + 1,
        Some(b'1'..=b'9') => sign + digits,
        _ => 0,
    };
    let dot = sign + digits;
    let float_len = if b.get(dot) == Some(&b'.') {
        let frac = b[dot + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if frac > 0 { dot + 1 + frac } else { 0 }
    } else {
        0
    };
    (int_len, float_len)
}

/// `'h' QUOTE (HexDigit HexDigit)* QUOTE`
fn hex_len(b: &[u8]) -> usize {
    let digits = b[2..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
    if digits.is_multiple_of(2) && b.get(2 + digits) == Some(&b'\'') {
        digits + 3
    } else {
        0
    }
}

fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
}

/// `'b' QUOTE (B64{4})* (B64{4} | B64{3} '=' | B64{2} '==') QUOTE`
fn binary_len(b: &[u8]) -> usize {
    let body = &b[2..];
    let Some(close) = body.iter().position(|c| *c == b'\'') else {
        return 0;
    };
    let body = &body[..close];
    if body.is_empty() || !body.len().is_multiple_of(4) {
        return 0;
    }
    let pad = body.iter().rev().take_while(|c| **c == b'=').count();
    if pad > 2 || !body[..body.len() - pad].iter().all(|c| is_b64(*c)) {
        return 0;
    }
    close + 3
}

/// `'t' QUOTE YYYY-MM-DD 'T' hh:mm:ss ('.' [0-9]+)? 'Z' QUOTE` with the
/// grammar's ranges: month 01–12, day 01–31, hour 00–23, minute 00–59,
/// second 00–60.
fn timestamp_len(b: &[u8]) -> usize {
    let body = &b[2..];
    timestamp_body_len(body).map_or(0, |n| {
        if body.get(n) == Some(&b'\'') {
            n + 3
        } else {
            0
        }
    })
}

/// Length of a grammar-valid timestamp (`…Z`) at the start of `b`.
pub(crate) fn timestamp_body_len(b: &[u8]) -> Option<usize> {
    let d = |i: usize| b.get(i).copied().filter(u8::is_ascii_digit);
    let two = |i: usize| Some((d(i)? - b'0') * 10 + (d(i + 1)? - b'0'));
    let lit = |i: usize, c: u8| (b.get(i) == Some(&c)).then_some(());
    for i in 0..4 {
        d(i)?;
    }
    lit(4, b'-')?;
    let month = two(5)?;
    lit(7, b'-')?;
    let day = two(8)?;
    lit(10, b'T')?;
    let hour = two(11)?;
    lit(13, b':')?;
    let minute = two(14)?;
    lit(16, b':')?;
    let second = two(17)?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        let frac = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 {
            return None;
        }
        i += 1 + frac;
    }
    lit(i, b'Z')?;
    Some(i + 1)
}

/// `QUOTE ( ~['\\] | '\\\'' | '\\\\' )* QUOTE`
fn string_len(b: &[u8]) -> usize {
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\'' => return i + 1,
            b'\\' => match b.get(i + 1) {
                Some(b'\'' | b'\\') => i += 2,
                _ => return 0,
            },
            _ => i += 1,
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<TokenKind> {
        tokenize(s, StixVersion::V2_1)
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn longest_match_and_rule_order() {
        use TokenKind as K;
        assert_eq!(kinds("05"), [K::IntPos, K::IntPos, K::Eof]);
        assert_eq!(kinds("-.5"), [K::FloatNeg, K::Eof]);
        assert_eq!(kinds("1."), [K::IntPos, K::Dot, K::Eof]);
        assert_eq!(
            kinds("AND ANDROID"),
            [K::And, K::IdentWithoutHyphen, K::Eof]
        );
        assert_eq!(kinds("x-y true"), [K::IdentWithHyphen, K::Bool, K::Eof]);
        assert_eq!(kinds("h'0'"), [K::IdentWithoutHyphen, K::String, K::Eof]);
        assert_eq!(kinds("b'AA=='"), [K::Binary, K::Eof]);
        assert_eq!(kinds("b''"), [K::IdentWithoutHyphen, K::String, K::Eof]);
        assert_eq!(
            kinds("'a\\x'"),
            [
                K::Quote,
                K::IdentWithoutHyphen,
                K::Invalid,
                K::IdentWithoutHyphen,
                K::Quote,
                K::Eof
            ]
        );
        assert_eq!(kinds("<> <= /* c */ // d"), [K::Neq, K::Le, K::Eof]);
        assert_eq!(
            kinds("/* open"),
            [K::Divide, K::Asterisk, K::IdentWithoutHyphen, K::Eof]
        );
        assert_eq!(kinds("t'2024-13-01T00:00:00Z'")[0], K::IdentWithoutHyphen);
        assert_eq!(kinds("t'2024-12-01T00:00:60.5Z'"), [K::Timestamp, K::Eof]);
    }

    #[test]
    fn exists_is_a_keyword_only_in_2_1() {
        let v20 = tokenize("EXISTS", StixVersion::V2_0);
        assert_eq!(v20[0].kind, TokenKind::IdentWithoutHyphen);
        assert_eq!(kinds("EXISTS")[0], TokenKind::Exists);
    }

    #[test]
    fn positions_count_characters() {
        let t = tokenize("[é:\n b]", StixVersion::V2_1);
        assert_eq!((t[2].line, t[2].column), (1, 2));
        assert_eq!((t[3].line, t[3].column), (2, 1));
    }
}
