//! A JSON-lines record scanner that hands each leaf value to a
//! [`Visitor`] with its dotted field name (`source.ip`, `dns.answers.data`),
//! without building a JSON tree. Strings are borrowed from the line unless
//! they hold escapes; numbers, `true`, `false` and `null` come as their text.
//! Nesting deeper than [`MAX_DEPTH`] is an error, not a stack overflow.

use crate::event::Visitor;

/// The deepest nesting of objects and arrays a record may have.
pub const MAX_DEPTH: usize = 64;

/// Why a line is not a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// The byte offset in the line.
    pub at: usize,
    /// What was wrong.
    pub what: &'static str,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at + 1)
    }
}

/// Scans JSON records, keeping its buffers from one record to the next.
#[derive(Debug, Default)]
pub struct JsonScanner {
    path: String,
    scratch: String,
    /// Names as an EVTX record's JSON rendering needs them (see
    /// [`JsonScanner::evtx`]).
    evtx: bool,
}

struct Cursor<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
    /// Whether the line has a control character at all (else strings need
    /// no check for them).
    controls: bool,
}

/// The first `"` or `\\` of `b`, eight bytes at a time: most strings of a
/// log line are short, and this beats setting up a vector search for each.
#[inline]
fn quote_or_backslash(b: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = LO * b'"' as u64;
    const SLASHES: u64 = LO * b'\\' as u64;
    let mut i = 0;
    while i + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let w = u64::from_le_bytes(w);
        let q = w ^ QUOTES;
        let s = w ^ SLASHES;
        // A zero byte in q or s: an exact test (no false positives).
        let zq = (q.wrapping_sub(LO) & !q) & HI;
        let zs = (s.wrapping_sub(LO) & !s) & HI;
        let z = zq | zs;
        if z != 0 {
            return Some(i + (z.trailing_zeros() / 8) as usize);
        }
        i += 8;
        if i >= 64 {
            return memchr::memchr2(b'"', b'\\', &b[i..]).map(|n| n + i);
        }
    }
    b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\')
        .map(|n| n + i)
}

/// Whether `b` has a byte below 0x20 (written to vectorize).
fn has_controls(b: &[u8]) -> bool {
    b.chunks(64)
        .any(|c| c.iter().fold(0u8, |acc, &x| acc | u8::from(x < 0x20)) != 0)
}

fn err(at: usize, what: &'static str) -> JsonError {
    JsonError { at, what }
}

impl<'a> Cursor<'a> {
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn expect(&mut self, c: u8, what: &'static str) -> Result<(), JsonError> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(err(self.i, what))
        }
    }

    /// A string starting after its opening quote: borrowed when it has no
    /// escapes, else unescaped into `scratch` (and `Err(true)` says so).
    fn string(&mut self, scratch: &mut String) -> Result<Result<&'a str, ()>, JsonError> {
        let start = self.i;
        let Some(n) = quote_or_backslash(&self.b[start..]) else {
            return Err(err(start, "unterminated string"));
        };
        let mut j = start + n;
        if self.b[j] == b'"' {
            self.i = j + 1;
            let s = &self.s[start..j];
            return Ok(Ok(if self.controls {
                control_free(s, start)?
            } else {
                s
            }));
        }
        scratch.clear();
        scratch.push_str(control_free(&self.s[start..j], start)?);
        loop {
            // At a backslash.
            let c = *self
                .b
                .get(j + 1)
                .ok_or_else(|| err(j, "unterminated string"))?;
            j += 2;
            match c {
                b'"' => scratch.push('"'),
                b'\\' => scratch.push('\\'),
                b'/' => scratch.push('/'),
                b'b' => scratch.push('\u{8}'),
                b'f' => scratch.push('\u{c}'),
                b'n' => scratch.push('\n'),
                b'r' => scratch.push('\r'),
                b't' => scratch.push('\t'),
                b'u' => {
                    let hi = self.hex4(j)?;
                    j += 4;
                    let ch = if (0xD800..0xDC00).contains(&hi) {
                        if self.b.get(j..j + 2) != Some(b"\\u") {
                            return Err(err(j, "lone surrogate in \\u escape"));
                        }
                        let lo = self.hex4(j + 2)?;
                        if !(0xDC00..0xE000).contains(&lo) {
                            return Err(err(j, "lone surrogate in \\u escape"));
                        }
                        j += 6;
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                    } else {
                        char::from_u32(hi)
                    };
                    scratch.push(ch.ok_or_else(|| err(j, "lone surrogate in \\u escape"))?);
                }
                _ => return Err(err(j - 1, "bad escape")),
            }
            let Some(n) = memchr::memchr2(b'"', b'\\', &self.b[j..]) else {
                return Err(err(j, "unterminated string"));
            };
            scratch.push_str(control_free(&self.s[j..j + n], j)?);
            j += n;
            if self.b[j] == b'"' {
                self.i = j + 1;
                return Ok(Err(()));
            }
        }
    }

    fn hex4(&self, at: usize) -> Result<u32, JsonError> {
        let h = self
            .s
            .get(at..at + 4)
            .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
            .ok_or_else(|| err(at, "bad \\u escape"))?;
        u32::from_str_radix(h, 16).map_err(|_| err(at, "bad \\u escape"))
    }

    /// A number, `true`, `false` or `null`: its text.
    fn scalar(&mut self) -> Result<&'a str, JsonError> {
        let start = self.i;
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                break;
            }
            self.i += 1;
        }
        let t = &self.s[start..self.i];
        let ok = match t.as_bytes().first() {
            Some(b't') => t == "true",
            Some(b'f') => t == "false",
            Some(b'n') => t == "null",
            Some(b'-' | b'0'..=b'9') => is_number(t),
            _ => false,
        };
        if ok {
            Ok(t)
        } else {
            Err(err(start, "not a JSON value"))
        }
    }
}

fn control_free(s: &str, at: usize) -> Result<&str, JsonError> {
    match s.bytes().position(|c| c < 0x20) {
        Some(p) => Err(err(at + p, "control character in string")),
        None => Ok(s),
    }
}

fn is_number(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let s = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > s
    };
    if b.get(i) == Some(&b'0') {
        i += 1;
    } else if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

impl JsonScanner {
    /// A scanner.
    pub fn new() -> Self {
        Self::default()
    }

    /// A scanner for the JSON the `evtx` crate renders a record as: the
    /// `Event` root is not part of the names, `#attributes` and `#text`
    /// belong to their element (`System.Provider.Name`,
    /// `EventData.Data`), and `null` values are no field at all.
    pub fn evtx() -> Self {
        Self {
            evtx: true,
            ..Self::default()
        }
    }

    /// Scans one record (a JSON object, alone on its line), calling
    /// `visitor.field` for each leaf value. On an error the visitor may
    /// have seen part of the record.
    pub fn scan<V: Visitor + ?Sized>(
        &mut self,
        line: &str,
        visitor: &mut V,
    ) -> Result<(), JsonError> {
        let mut c = Cursor {
            b: line.as_bytes(),
            s: line,
            i: 0,
            controls: has_controls(line.as_bytes()),
        };
        c.expect(b'{', "a record must be a JSON object")?;
        self.path.clear();
        self.object(&mut c, visitor, 1)?;
        c.ws();
        if c.i != c.b.len() {
            return Err(err(c.i, "text after the record"));
        }
        Ok(())
    }

    /// The members of an object whose `{` was read, named under `self.path`.
    fn object<V: Visitor + ?Sized>(
        &mut self,
        c: &mut Cursor<'_>,
        v: &mut V,
        depth: usize,
    ) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(err(c.i, "nested too deep"));
        }
        let base = self.path.len();
        c.ws();
        if c.peek() == Some(b'}') {
            c.i += 1;
            return Ok(());
        }
        loop {
            c.expect(b'"', "expected a member name")?;
            let key = c.string(&mut self.scratch)?;
            let key = match key {
                Ok(k) => k,
                Err(()) => self.scratch.as_str(),
            };
            let named = !self.evtx
                || !(key == "#attributes" || key == "#text" || (depth == 1 && key == "Event"));
            if named {
                if !self.path.is_empty() {
                    self.path.push('.');
                }
                self.path.push_str(key);
            }
            c.expect(b':', "expected ':'")?;
            self.value(c, v, depth)?;
            self.path.truncate(base);
            c.ws();
            match c.peek() {
                Some(b',') => c.i += 1,
                Some(b'}') => {
                    c.i += 1;
                    return Ok(());
                }
                _ => return Err(err(c.i, "expected ',' or '}'")),
            }
        }
    }

    fn value<V: Visitor + ?Sized>(
        &mut self,
        c: &mut Cursor<'_>,
        v: &mut V,
        depth: usize,
    ) -> Result<(), JsonError> {
        c.ws();
        match c.peek() {
            Some(b'"') => {
                c.i += 1;
                match c.string(&mut self.scratch)? {
                    Ok(s) => v.field(&self.path, s, true),
                    Err(()) => v.field(&self.path, &self.scratch, true),
                }
            }
            Some(b'{') => {
                c.i += 1;
                self.object(c, v, depth + 1)?;
            }
            Some(b'[') => {
                c.i += 1;
                if depth + 1 > MAX_DEPTH {
                    return Err(err(c.i, "nested too deep"));
                }
                c.ws();
                if c.peek() == Some(b']') {
                    c.i += 1;
                    return Ok(());
                }
                loop {
                    self.value(c, v, depth + 1)?;
                    c.ws();
                    match c.peek() {
                        Some(b',') => c.i += 1,
                        Some(b']') => {
                            c.i += 1;
                            return Ok(());
                        }
                        _ => return Err(err(c.i, "expected ',' or ']'")),
                    }
                }
            }
            Some(_) => {
                let t = c.scalar()?;
                if !(self.evtx && t == "null") {
                    v.field(&self.path, t, false);
                }
            }
            None => return Err(err(c.i, "unexpected end of line")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Vec<(String, String, bool)>);

    impl Visitor for Collect {
        fn field(&mut self, name: &str, value: &str, quoted: bool) {
            self.0.push((name.into(), value.into(), quoted));
        }
    }

    fn scan(line: &str) -> Result<Vec<(String, String, bool)>, JsonError> {
        let mut c = Collect::default();
        JsonScanner::new().scan(line, &mut c)?;
        Ok(c.0)
    }

    fn f(n: &str, v: &str, q: bool) -> (String, String, bool) {
        (n.into(), v.into(), q)
    }

    #[test]
    fn leaves_come_with_dotted_names() {
        let got =
            scan(r#" {"a":"x","b":{"c":1.5e3,"d":[ "y" , {"e":null}]},"f":true,"g":{},"h":[]} "#)
                .expect("valid");
        assert_eq!(
            got,
            [
                f("a", "x", true),
                f("b.c", "1.5e3", false),
                f("b.d", "y", true),
                f("b.d.e", "null", false),
                f("f", "true", false),
            ]
        );
    }

    #[test]
    fn escapes_are_decoded() {
        let got = scan(r#"{"k\u0065y":"a\"b\\c\/d\n\u00e9\ud83d\ude00"}"#).expect("valid");
        assert_eq!(got, [f("key", "a\"b\\c/d\né😀", true)]);
        // What serde_json reads, we read.
        let text = r#"{"u":"\u0041\t\u2028z"}"#;
        let v: serde_json::Value = serde_json::from_str(text).expect("json");
        assert_eq!(
            scan(text).expect("valid")[0].1,
            v["u"].as_str().expect("str")
        );
    }

    #[test]
    fn bad_records_are_refused_with_the_place() {
        for (line, at) in [
            ("", 0),
            ("[1]", 0),
            ("{\"a\":}", 5),
            ("{\"a\":1,}", 7),
            ("{\"a\":1} x", 8),
            ("{\"a\":\"x", 6),
            ("{\"a\":\"\\q\"}", 7),
            ("{\"a\":\"\\ud800\"}", 12),
            ("{\"a\":01}", 5),
            ("{\"a\":tru}", 5),
            ("{\"a\":\"\t\"}", 6),
            ("{\"a\" 1}", 5),
            ("{\"a\":[1 2]}", 8),
        ] {
            let e = scan(line).expect_err(line);
            assert_eq!(e.at, at, "{line:?}: {e}");
        }
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100), "]".repeat(100));
        assert_eq!(scan(&deep).expect_err("deep").what, "nested too deep");
        let deep = format!("{}{}", "{\"a\":".repeat(100), "}".repeat(100));
        assert_eq!(scan(&deep).expect_err("deep").what, "nested too deep");
    }

    #[test]
    fn numbers_follow_the_grammar() {
        for ok in ["0", "-0", "12", "1.5", "1e9", "-2.5E-3"] {
            assert!(is_number(ok), "{ok}");
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "+1", "1.5.2", "0x10"] {
            assert!(!is_number(bad), "{bad}");
        }
    }
}
