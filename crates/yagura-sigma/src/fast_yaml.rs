//! A fast reader for the plain subset of YAML that Sigma rules are written
//! in: block mappings and sequences, plain, quoted and block (`|`, `>`)
//! scalars, one-line flow collections, comments and `---` between
//! documents. It answers `None` for anything outside that subset and for
//! anything it is not sure of — anchors, tags, multi-line quoted scalars,
//! plain scalars that could be numbers, booleans or null other than simple
//! integers, repeated keys, errors of every kind — and then the full
//! parser ([`serde_saphyr`], under its budget) reads the text, so a rule
//! reads the same either way and every error is the full parser's. A
//! differential test over every SigmaHQ rule and a fuzz target hold the two
//! to the same trees.

use crate::yaml::Yaml;

/// The largest text read here; larger ones go to the full parser and its
/// budget.
const MAX_TEXT: usize = 1 << 20;
/// The deepest nesting read here (the full parser's budget allows 64).
const MAX_DEPTH: usize = 48;
/// The most documents read here.
const MAX_DOCUMENTS: usize = 1024;

/// The most comments read here between two lines of content. The full
/// parser refuses a run of more than 64 (granit's
/// `max_buffered_comment_events`: "too many consecutive comments"), so a
/// long run is left to it, with a margin: a trailing `#` on a content line
/// is counted whether or not it starts a comment, and so is a block
/// scalar's line that starts with `#`.
const MAX_COMMENT_RUN: usize = 32;

#[derive(Clone, Copy)]
struct Line<'a> {
    /// Spaces before the content.
    indent: usize,
    /// The line after its indentation, without its line break and
    /// trailing spaces.
    text: &'a str,
    /// Whether it had trailing spaces (content in a block scalar).
    trailing: bool,
}

impl Line<'_> {
    /// Blank or a comment.
    fn is_void(&self) -> bool {
        self.text.is_empty() || self.text.starts_with('#')
    }
}

/// The documents of `text`, if it is within the subset.
pub(crate) fn documents(text: &str) -> Option<Vec<Yaml>> {
    if text.len() > MAX_TEXT || !plain_text(text) {
        return None;
    }
    // A carriage return only as a line's last character (before `\n` or
    // at the text's end), where it is dropped below.
    let bytes = text.as_bytes();
    if memchr::memchr_iter(b'\r', bytes).any(|i| i + 1 < bytes.len() && bytes[i + 1] != b'\n') {
        return None;
    }
    let mut docs = Vec::new();
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut marker = false;
    // Comments since the last line of content (blank lines do not end a
    // run).
    let mut comments = 0usize;
    let mut start = 0;
    // The lines as `split('\n')` gives them, the last after the last `\n`.
    for end in memchr::memchr_iter(b'\n', bytes).chain([bytes.len()]) {
        let raw = text.get(start..end)?;
        start = end + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let body = raw.trim_start_matches(' ');
        let indent = raw.len() - body.len();
        if indent == 0 && (body.starts_with("---") || body.starts_with("...")) {
            // Only a bare `---` between documents is read here.
            if body.trim_end_matches(' ') != "---" {
                return None;
            }
            if lines.iter().any(|l| !l.is_void()) {
                docs.push(document(&mut lines)?);
            } else if marker || !docs.is_empty() {
                // An empty document.
                return None;
            }
            lines.clear();
            marker = true;
            continue;
        }
        if indent == 0 && body.starts_with('%') {
            return None;
        }
        let text = body.trim_end_matches(' ');
        if text.starts_with('#') {
            comments += 1;
        } else if !text.is_empty() {
            comments = usize::from(text.contains('#'));
        }
        if comments > MAX_COMMENT_RUN {
            return None;
        }
        lines.push(Line {
            indent,
            text,
            trailing: text.len() < body.len() && !text.is_empty(),
        });
    }
    if lines.iter().any(|l| !l.is_void()) {
        docs.push(document(&mut lines)?);
    } else if marker {
        return None;
    }
    if docs.is_empty() || docs.len() > MAX_DOCUMENTS {
        return None;
    }
    Some(docs)
}

/// No byte or character the subset leaves to the full parser (controls
/// other than line breaks, tabs, a byte-order mark, non-printable
/// characters, spaces other than U+0020).
fn plain_text(text: &str) -> bool {
    // Printable ASCII and line breaks: 32 bytes at a time, each chunk's
    // test without an early exit, so that it is vectorized.
    let plain_ascii = |c: &[u8]| {
        c.iter().fold(true, |ok, &b| {
            ok & ((0x20..0x7f).contains(&b) | (b == b'\n') | (b == b'\r'))
        })
    };
    if text.as_bytes().chunks(32).all(plain_ascii) {
        return true;
    }
    text.chars().all(|c| match c {
        '\n' | '\r' | ' ' => true,
        c if (c as u32) < 0x20 => false,
        '\u{7f}'..='\u{9f}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}' => false,
        // Other spaces and line separators: the full parser trims some.
        c => !c.is_whitespace(),
    })
}

/// What may not start a plain scalar (or its next line, here).
const INDICATORS: [char; 19] = [
    '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
];

fn document(lines: &mut [Line<'_>]) -> Option<Yaml> {
    let mut p = Parser { lines, at: 0 };
    p.skip_void();
    if p.at >= p.lines.len() {
        return None;
    }
    let indent = p.lines[p.at].indent;
    let node = p.node(indent, indent, 0)?;
    p.skip_void();
    // A document that is a lone scalar (`null`) the full parser may read
    // as no document at all: rules are mappings.
    (p.at == p.lines.len() && matches!(node, Yaml::Map(_) | Yaml::Seq(_))).then_some(node)
}

struct Parser<'l, 'a> {
    lines: &'l mut [Line<'a>],
    at: usize,
}

impl<'a> Parser<'_, 'a> {
    fn skip_void(&mut self) {
        while self.at < self.lines.len() && self.lines[self.at].is_void() {
            self.at += 1;
        }
    }

    /// The next line with content, if any.
    fn peek(&mut self) -> Option<Line<'a>> {
        self.skip_void();
        self.lines.get(self.at).copied()
    }

    /// The node whose first line is the current one, at `indent`; a plain
    /// scalar there may go on over lines further in than `cont`.
    fn node(&mut self, indent: usize, cont: usize, depth: usize) -> Option<Yaml> {
        if depth > MAX_DEPTH {
            return None;
        }
        let line = self.peek()?;
        if line.indent != indent {
            return None;
        }
        if is_item(line.text) {
            self.sequence(indent, depth)
        } else if split_key(line.text).is_some() {
            self.mapping(indent, depth)
        } else {
            // A scalar alone.
            self.at += 1;
            self.scalar(line.text, cont, depth)
        }
    }

    fn sequence(&mut self, indent: usize, depth: usize) -> Option<Yaml> {
        let mut items = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent != indent || !is_item(line.text) {
                break;
            }
            let rest = line.text[1..].trim_start_matches(' ');
            if rest.is_empty() || rest.starts_with('#') {
                self.at += 1;
                items.push(self.nested(indent, false, depth)?);
            } else {
                // The item's node starts on this line, further in: read it
                // as if it had a line of its own.
                let inner = indent + (line.text.len() - rest.len());
                self.lines[self.at] = Line {
                    indent: inner,
                    text: rest,
                    trailing: line.trailing,
                };
                items.push(self.node(inner, indent, depth + 1)?);
            }
        }
        self.nothing_further_in(indent)?;
        Some(Yaml::Seq(items))
    }

    fn mapping(&mut self, indent: usize, depth: usize) -> Option<Yaml> {
        let mut entries: Vec<(String, Yaml)> = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent != indent || is_item(line.text) {
                break;
            }
            let (key, rest) = split_key(line.text)?;
            let key = key_text(key)?;
            if entries.iter().any(|(k, _)| *k == key) {
                return None;
            }
            self.at += 1;
            let value = if rest.is_empty() || rest.starts_with('#') {
                self.nested(indent, true, depth)?
            } else if rest.starts_with(['|', '>']) {
                self.block_scalar(indent, rest)?
            } else {
                self.scalar(rest, indent, depth)?
            };
            entries.push((key, value));
        }
        self.nothing_further_in(indent)?;
        Some(Yaml::Map(entries))
    }

    /// What follows a key or a dash with nothing after it: a block further
    /// in, a sequence at the same indentation (for a mapping's value), or
    /// null.
    fn nested(&mut self, indent: usize, in_mapping: bool, depth: usize) -> Option<Yaml> {
        match self.peek() {
            Some(l) if l.indent > indent => self.node(l.indent, l.indent, depth + 1),
            Some(l) if in_mapping && l.indent == indent && is_item(l.text) => {
                self.node(indent, indent, depth + 1)
            }
            _ => Some(Yaml::Null),
        }
    }

    /// Nothing may follow further in than `indent`: a block ends at a line
    /// less indented than itself, and a value's next line further in (a
    /// multi-line quoted scalar, lines after a blank or a comment) is left
    /// to the full parser.
    fn nothing_further_in(&mut self, indent: usize) -> Option<()> {
        match self.peek() {
            Some(l) if l.indent > indent => None,
            _ => Some(()),
        }
    }

    /// A value starting on the current line (after a key or a dash): a
    /// quoted scalar or a flow collection on this line, or a plain scalar
    /// that may go on over the lines right after it further in than
    /// `cont`, folded with spaces.
    fn scalar(&mut self, text: &str, cont: usize, depth: usize) -> Option<Yaml> {
        if text.starts_with(['"', '\'', '[', '{']) {
            let v = quoted_or_flow(text, depth)?;
            self.nothing_further_in(cont)?;
            return Some(v);
        }
        let (body, comment) = match find_pair(text, b' ', b'#') {
            Some(i) => (&text[..i], true),
            None => (text, false),
        };
        let mut s = std::borrow::Cow::Borrowed(body.trim_end_matches(' '));
        while !comment && let Some(l) = self.lines.get(self.at) {
            if l.text.is_empty() || l.indent <= cont || l.text.starts_with('#') {
                break;
            }
            if l.text.starts_with(INDICATORS) || find_pair(l.text, b' ', b'#').is_some() {
                return None;
            }
            let t = s.to_mut();
            t.push(' ');
            t.push_str(l.text);
            self.at += 1;
        }
        self.nothing_further_in(cont)?;
        plain(&s)
    }

    /// A literal (`|`) or folded (`>`) scalar under a key at `indent`.
    fn block_scalar(&mut self, indent: usize, header: &str) -> Option<Yaml> {
        let folded = header.starts_with('>');
        let mut rest = &header[1..];
        let strip = match rest.strip_prefix('-') {
            Some(r) => {
                rest = r;
                true
            }
            None => false,
        };
        // Nothing else in the header but a comment (no `+`, no explicit
        // indentation).
        if !rest.is_empty() {
            let t = rest.trim_start_matches(' ');
            if !(t.starts_with('#') && t.len() < rest.len()) {
                return None;
            }
        }
        // The content: lines further in than the key, and blank lines.
        let start = self.at;
        let mut end = start;
        let mut content_indent = None;
        while end < self.lines.len() {
            let l = self.lines[end];
            if l.text.is_empty() {
                end += 1;
                continue;
            }
            if l.indent <= indent {
                break;
            }
            if l.trailing {
                // Trailing spaces are content here: the full parser keeps them.
                return None;
            }
            match content_indent {
                None => {
                    // Blank lines first, then the first content line.
                    if end > start {
                        return None;
                    }
                    content_indent = Some(l.indent);
                }
                Some(ci) if l.indent < ci => return None,
                Some(ci) if folded && l.indent > ci => return None,
                Some(_) => {}
            }
            end += 1;
        }
        let ci = content_indent?;
        // Trailing blank lines belong to what follows.
        let mut last = end;
        while last > start && self.lines[last - 1].text.is_empty() {
            // Spaces on a trailing blank line are read in subtle ways (at
            // the end of the text most of all): left to the full parser.
            if self.lines[last - 1].indent > 0 {
                return None;
            }
            last -= 1;
        }
        let mut out = String::new();
        let mut blanks = 0usize;
        for (n, l) in self.lines[start..last].iter().enumerate() {
            if l.text.is_empty() {
                // A blank line keeps no spaces past the content's
                // indentation (the lines are trimmed): only a true blank.
                if l.indent > ci {
                    return None;
                }
                blanks += 1;
                continue;
            }
            if n > 0 {
                if folded {
                    if blanks == 0 {
                        out.push(' ');
                    } else {
                        out.extend(std::iter::repeat_n('\n', blanks));
                    }
                } else {
                    out.extend(std::iter::repeat_n('\n', blanks + 1));
                }
            }
            blanks = 0;
            out.extend(std::iter::repeat_n(' ', l.indent - ci));
            out.push_str(l.text);
        }
        if !strip {
            out.push('\n');
        }
        self.at = end;
        Some(Yaml::Str(out))
    }
}

/// Whether a line is a sequence item (`-` then a space or nothing).
fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// A mapping line's key and the rest after `: `, if the line is one.
fn split_key(text: &str) -> Option<(&str, &str)> {
    let b = text.as_bytes();
    let end = match b.first()? {
        q @ (b'"' | b'\'') => {
            let close = quoted_end(text, *q)?;
            if b.get(close) != Some(&b':') || !matches!(b.get(close + 1), None | Some(b' ')) {
                return None;
            }
            close
        }
        _ => {
            let mut i = 0;
            loop {
                // The next `:` or `#`.
                i += memchr::memchr2(b':', b'#', &b[i..])?;
                let c = b[i];
                if c == b':' && matches!(b.get(i + 1), None | Some(b' ')) {
                    break i;
                }
                if c == b'#' && i > 0 && b[i - 1] == b' ' {
                    return None;
                }
                i += 1;
            }
        }
    };
    // An implicit key is at most 1024 characters long (YAML 1.2, 7.4.2).
    if end > 1000 {
        return None;
    }
    let rest = text[end + 1..].trim_start_matches(' ');
    Some((text[..end].trim_end_matches(' '), rest))
}

/// The end (one past the closing quote) of a quoted scalar at the start
/// of `text`.
fn quoted_end(text: &str, q: u8) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = 1;
    while i < b.len() {
        if b[i] == q {
            if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        if q == b'"' && b[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    None
}

/// A mapping key as text (not the merge key `<<`).
fn key_text(key: &str) -> Option<String> {
    if key == "<<" {
        return None;
    }
    match key.as_bytes().first()? {
        b'"' | b'\'' => match scalar_alone(key)? {
            Yaml::Str(s) => Some(s),
            _ => None,
        },
        _ => match plain(key)? {
            Yaml::Str(s) => Some(s),
            Yaml::Int(i) => Some(i.to_string()),
            _ => None,
        },
    }
}

/// A quoted scalar that is the whole of `text`.
fn scalar_alone(text: &str) -> Option<Yaml> {
    let q = *text.as_bytes().first()?;
    let end = quoted_end(text, q)?;
    (end == text.len())
        .then(|| quoted(&text[1..end - 1], q))
        .flatten()
}

/// The inside of a quoted scalar, unescaped.
fn quoted(inner: &str, q: u8) -> Option<Yaml> {
    if q == b'\'' {
        return Some(Yaml::Str(inner.replace("''", "'")));
    }
    if !inner.contains('\\') {
        return Some(Yaml::Str(inner.to_owned()));
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next()?;
        out.push(match e {
            '\\' => '\\',
            '"' => '"',
            '/' => '/',
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            'x' | 'u' => {
                let n = if e == 'x' { 2 } else { 4 };
                let mut v = 0u32;
                for _ in 0..n {
                    v = v * 16 + chars.next()?.to_digit(16)?;
                }
                char::from_u32(v)?
            }
            _ => return None,
        });
    }
    Some(Yaml::Str(out))
}

/// A plain scalar, if it is surely a string or a simple integer.
fn plain(s: &str) -> Option<Yaml> {
    let b = s.as_bytes();
    let first = *b.first()?;
    // Indicators that may not start a plain scalar, or start something
    // else (anchors, aliases, tags, directives, reserved).
    if matches!(
        first,
        b'&' | b'*'
            | b'!'
            | b'%'
            | b'@'
            | b'`'
            | b'|'
            | b'>'
            | b'"'
            | b'\''
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b','
            | b'#'
            | b'?'
    ) || (matches!(first, b'-' | b':')
        && matches!(
            b.get(1),
            None | Some(b' ' | b',' | b'[' | b']' | b'{' | b'}')
        ))
    {
        // (`-x` and `:\Temp\` are plain text.)
        return None;
    }
    if find_pair(s, b':', b' ').is_some() || s.ends_with(':') || find_pair(s, b' ', b'#').is_some()
    {
        return None;
    }
    if first == b'.' {
        // `.5`, `.inf`, `.NaN` may be numbers; `.dmp` is text.
        let rest = s[1..].to_ascii_lowercase();
        let second = *b.get(1)?;
        if !second.is_ascii_alphabetic() || rest.starts_with("inf") || rest.starts_with("nan") {
            return None;
        }
        return Some(Yaml::Str(s.to_owned()));
    }
    if first.is_ascii_digit() {
        return numberish(s);
    }
    if matches!(first, b'-' | b'+') {
        // `-x` is text; `-1`, `-.5`, `-inf` may be numbers.
        let second = *b.get(1)?;
        let rest = s[1..].to_ascii_lowercase();
        if !second.is_ascii_alphabetic() || rest.starts_with("inf") || rest.starts_with("nan") {
            return None;
        }
    }
    if s.len() <= 5 {
        // The full parser reads these words in any case.
        match s.to_ascii_lowercase().as_str() {
            "null" => return Some(Yaml::Null),
            "true" => return Some(Yaml::Bool(true)),
            "false" => return Some(Yaml::Bool(false)),
            _ => {}
        }
    }
    if s.starts_with('~') {
        return None;
    }
    Some(Yaml::Str(s.to_owned()))
}

/// A plain scalar that starts as a number may be one, in one of YAML's
/// many spellings: only a plain decimal integer, a date (`2024-01-31`,
/// `2024/01/31`), a time span (`5m`, `1d`), a UUID and text with a
/// character no number has (`7z.exe`, `1 of them`) are read here.
fn numberish(s: &str) -> Option<Yaml> {
    let b = s.as_bytes();
    let digits = |r: &[u8]| !r.is_empty() && r.iter().all(u8::is_ascii_digit);
    if digits(b) {
        return (b[0] != b'0' || b.len() == 1)
            .then(|| s.parse().ok().map(Yaml::Int))
            .flatten();
    }
    let in_numbers = |c: &u8| c.is_ascii_hexdigit() || b"_.xXoObB+-:".contains(c);
    let uuid = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if uuid || !b.iter().all(in_numbers) {
        return Some(Yaml::Str(s.to_owned()));
    }
    let date = b.len() == 10
        && digits(&b[..4])
        && digits(&b[5..7])
        && digits(&b[8..])
        && ((b[4] == b'-' && b[7] == b'-') || (b[4] == b'/' && b[7] == b'/'));
    let span = b.len() >= 2 && digits(&b[..b.len() - 1]) && b"smhdwMy".contains(&b[b.len() - 1]);
    (date || span).then(|| Yaml::Str(s.to_owned()))
}

/// A quoted scalar or a flow collection on one line, then at most a
/// comment.
fn quoted_or_flow(text: &str, depth: usize) -> Option<Yaml> {
    match text.as_bytes().first()? {
        q @ (b'"' | b'\'') => {
            let end = quoted_end(text, *q)?;
            after_value(&text[end..])?;
            quoted(&text[1..end - 1], *q)
        }
        b'[' | b'{' => {
            let mut f = Flow {
                b: text.as_bytes(),
                s: text,
                i: 0,
            };
            let v = f.node(depth)?;
            after_value(&text[f.i..])?;
            Some(v)
        }
        _ => None,
    }
}

/// What may follow a value on its line: spaces and a comment.
fn after_value(rest: &str) -> Option<()> {
    let t = rest.trim_start_matches(' ');
    (t.is_empty() || (t.starts_with('#') && t.len() < rest.len())).then_some(())
}

/// A one-line flow collection.
struct Flow<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
}

impl Flow<'_> {
    fn ws(&mut self) {
        while self.b.get(self.i) == Some(&b' ') {
            self.i += 1;
        }
    }

    fn node(&mut self, depth: usize) -> Option<Yaml> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match *self.b.get(self.i)? {
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Some(Yaml::Seq(items));
                }
                loop {
                    items.push(self.node(depth + 1)?);
                    self.ws();
                    match *self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(Yaml::Seq(items));
                        }
                        _ => return None,
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut entries: Vec<(String, Yaml)> = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Some(Yaml::Map(entries));
                }
                loop {
                    let start = self.i;
                    let key = match self.scalar()? {
                        Yaml::Str(s) => s,
                        Yaml::Int(i) => i.to_string(),
                        _ => return None,
                    };
                    self.ws();
                    // An implicit key is at most 1024 characters long; `<<`
                    // merges.
                    if self.i - start > 1000 || key == "<<" {
                        return None;
                    }
                    if self.b.get(self.i) != Some(&b':')
                        || !matches!(self.b.get(self.i + 1), Some(b' '))
                    {
                        return None;
                    }
                    self.i += 1;
                    let v = self.node(depth + 1)?;
                    if entries.iter().any(|(k, _)| *k == key) {
                        return None;
                    }
                    entries.push((key, v));
                    self.ws();
                    match *self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(Yaml::Map(entries));
                        }
                        _ => return None,
                    }
                }
            }
            _ => self.scalar(),
        }
    }

    /// A quoted or plain scalar inside a flow collection.
    fn scalar(&mut self) -> Option<Yaml> {
        self.ws();
        let start = self.i;
        match *self.b.get(start)? {
            q @ (b'"' | b'\'') => {
                let end = start + quoted_end(&self.s[start..], q)?;
                self.i = end;
                quoted(&self.s[start + 1..end - 1], q)
            }
            _ => {
                let mut j = start;
                while let Some(&c) = self.b.get(j) {
                    if matches!(c, b',' | b'[' | b']' | b'{' | b'}')
                        || (c == b':' && matches!(self.b.get(j + 1), Some(b' ' | b',') | None))
                        || (c == b'#' && j > start && self.b[j - 1] == b' ')
                    {
                        break;
                    }
                    j += 1;
                }
                self.i = j;
                plain(self.s[start..j].trim_end_matches(' '))
            }
        }
    }
}

/// Where the two bytes `a` `b` first stand together in `s` (at `a`): as
/// `s.find` with a two-byte needle, without building a searcher per call.
fn find_pair(s: &str, a: u8, b: u8) -> Option<usize> {
    let bytes = s.as_bytes();
    memchr::memchr_iter(a, bytes).find(|&i| bytes.get(i + 1) == Some(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_found_where_str_find_finds_it() {
        for (s, a, b) in [
            ("a # b", b' ', b'#'),
            ("a#b # c", b' ', b'#'),
            ("key: value", b':', b' '),
            (r"C:\x: y", b':', b' '),
            ("none here", b':', b' '),
            ("é #", b' ', b'#'),
            ("trailing ", b' ', b'#'),
        ] {
            let needle: String = [char::from(a), char::from(b)].iter().collect();
            assert_eq!(find_pair(s, a, b), s.find(&needle), "{s:?}");
        }
    }

    /// The fast reading, when it answers, is the full parser's.
    fn same(text: &str) -> bool {
        let fast = documents(text);
        if let Some(f) = &fast {
            let full = crate::yaml::full_documents(text);
            assert_eq!(Ok(f), full.as_ref(), "{text:?}");
        }
        fast.is_some()
    }

    #[test]
    fn the_subset_reads_as_the_full_parser_does() {
        for text in [
            "title: a\nid: 1\n",
            "a: 'x''y'\nb: \"c:\\\\w\\u00e9\\\"\"\nc: plain text # note\nd:\n",
            "detection:\n  sel:\n    Image|endswith:\n      - '\\a.exe'\n      - b\n  condition: sel\n",
            "tags:\n- attack.t1\n- attack.t2\nlevel: high\n",
            "a: [x, 'y', 3, {b: c}]\nb: {}\nc: []\n",
            "a:\n  - b: 1\n    c: 2\n  - d\n  -\n    e: f\n",
            "description: |\n  line one\n    more in\n\n  after a blank\nb: 1\n",
            "description: |-\n  kept\n  lines\n",
            "description: >\n  folded\n  text\n\n  para\n",
            "a: 1\n---\nb: 2\n",
            "---\na: 1\n",
            "# only a comment\na: http://x.example/p#frag\n",
            "a: x:y\nb: -x\nc: 'v' # c\n",
            "a: .dmp\nb:\n  - :\\Temp\\\n  - .ntds.cleartext # c\n",
            "- a\n- - b\n  - c\n",
            "'quoted key': 1\n\"k2\": [a]\n",
            "a: plain\n  continued\n  twice\nb: [x]\n",
            "- an item\n  going on\n- next\n",
            "a: NULL\nb: Yes\nc: off\nd: n\ne: TRUE\nf: false\n",
            "title: a\r\nid: 1\r\ntags:\r\n- x\r\n",
            "a: 1\r",
            "a: 1 # c\n# c1\n\n  # c2\nb: 2\n",
        ] {
            assert!(same(text), "not read fast: {text:?}");
        }
    }

    #[test]
    fn what_it_is_not_sure_of_goes_to_the_full_parser() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !tag x\n",
            "a: 1.5\n",
            "a: 0x10\n",
            "a: .inf\n",
            "\":\":2:2:%",
            "null",
            "just text\n",
            "a: 1\n<<: {b: 2}\n",
            "a: 2.\u{2000}\n",
            "long_key_of_more_than_a_thousand_characters_____________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________: 1\n",
            "a: .5\n",
            "a: ~\n",
            "a: 'multi\n  line'\n",
            "a: plain\n\n  after a blank\n",
            "a: 1\na: 2\n",
            "a: [1, 2\n",
            "a:\tb\n",
            "\u{feff}a: 1\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n---\n",
            "a: b: c\n",
            "a: |+\n  x\n",
            "a: |2\n  x\n",
            "a: |\n  x\n    ",
            "a: |\n  x\n  \nb: 1\n",
            "",
            "a:\n  b: 1\n c: 2\n",
            "a: 1\rb: 2\n",
            "a: x\r\r\nb: 2\n",
            "\ra: 1\n",
            // More comments in a row than the full parser takes (its
            // error), or than the margin under its limit (read by it).
            &format!("a: 1 # c\n{}b: 2\n", " # c\n".repeat(70)),
            &format!("a:\n{}  b: 2\n", "# c\n\n".repeat(40)),
        ] {
            assert!(!same(text), "read fast: {text:?}");
        }
    }
}
