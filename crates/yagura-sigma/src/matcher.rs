//! A checked rule compiled into tests over an event's fields: each
//! detection item's values transformed once (`base64`, `base64offset`,
//! `utf16le`/`utf16be`/`utf16`/`wide`, `windash`), wildcards and
//! `contains`/`startswith`/`endswith` folded into one pattern, strings
//! matched case-insensitively unless `cased`, regular expressions (`re`
//! with `i`, `m`, `s`; the `regex` crate, or `fancy-regex` for lookaround
//! and back-references), networks (`cidr`), numbers (`gt`…), `exists`,
//! `fieldref`, `null` values (the field is absent; an empty value is
//! `''`), and keywords searched in every value. What
//! cannot be compiled (`expand`, which needs a pipeline's placeholders) is
//! an error naming the item.

use std::borrow::Cow;
use std::net::IpAddr;

use base64::Engine as _;

use crate::condition::{Condition, Quantifier};
use crate::detection::{FieldMatch, Modifier, Piece, Selection, Value};
use crate::rule::Rule;

/// What a compiled rule reads: an event's fields by their Sigma names.
pub trait Event {
    /// The field's value as text, if the event has it.
    fn field(&self, name: &str) -> Option<Cow<'_, str>>;
    /// Whether any value of the event passes `test` (keyword searches).
    fn any_value(&self, test: &mut dyn FnMut(&str) -> bool) -> bool;
    /// The field's value lower-cased as [`fold`] does (an event that
    /// keeps its values folded answers without folding per rule).
    fn folded(&self, name: &str) -> Option<Cow<'_, str>> {
        self.field(name)
            .map(|v| Cow::Owned(fold(&v, false).into_owned()))
    }
    /// Whether any value of the field passes `test` (`None`: no such
    /// field). A field an event gives more than once (EVTX's unnamed
    /// `<Data>` elements, a JSON array) matches when one of its values
    /// does, as a search over a list-valued field does.
    fn any_of(&self, name: &str, test: &mut dyn FnMut(&str) -> bool) -> Option<bool> {
        self.field(name).map(|v| test(&v))
    }
    /// [`Event::any_of`] over the values case-folded.
    fn any_of_folded(&self, name: &str, test: &mut dyn FnMut(&str) -> bool) -> Option<bool> {
        self.folded(name).map(|v| test(&v))
    }
}

/// One compiled piece of a string pattern (lower-cased unless cased).
#[derive(Debug, Clone, PartialEq)]
enum P {
    Lit(String),
    Any,
    One,
    /// One of these characters (`windash`).
    Class(&'static [char]),
}

const DASHES: &[char] = &['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// One character of a general pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
enum C {
    Ch(char),
    Any,
    One,
    Class(&'static [char]),
}

/// A string pattern in its cheapest form: most Sigma values are one
/// literal, compared whole, as a prefix, a suffix or a substring.
#[derive(Debug, Clone)]
enum Pattern {
    Eq(String),
    Starts(String),
    Ends(String),
    /// Boxed: a finder is hundreds of bytes, and a pattern of every other
    /// kind would be as large (SigmaHQ's Windows rules hold tens of
    /// thousands of patterns).
    Contains(Box<Needle>),
    Glob(Vec<C>),
}

/// A substring to find, and its searcher, built the first time a value
/// is searched for it (most rules' patterns never are in a given hunt: their
/// log source or their literals keep events away).
#[derive(Debug, Clone)]
struct Needle {
    text: String,
    /// Boxed too: unbuilt, it takes a pointer's room, not a finder's.
    finder: std::sync::OnceLock<Box<memchr::memmem::Finder<'static>>>,
}

impl Needle {
    fn is_in(&self, s: &str) -> bool {
        self.finder
            .get_or_init(|| {
                Box::new(memchr::memmem::Finder::new(self.text.as_bytes()).into_owned())
            })
            .find(s.as_bytes())
            .is_some()
    }
}

impl Pattern {
    fn of(ps: Vec<P>) -> Self {
        let mut merged: Vec<P> = Vec::with_capacity(ps.len());
        for p in ps {
            match (merged.last(), &p) {
                (Some(P::Any), P::Any) => {}
                (Some(P::Lit(_)), P::Lit(b)) => {
                    if let Some(P::Lit(a)) = merged.last_mut() {
                        a.push_str(b);
                    }
                }
                _ => merged.push(p),
            }
        }
        match merged.as_mut_slice() {
            [P::Lit(l)] => Pattern::Eq(std::mem::take(l)),
            [P::Lit(l), P::Any] => Pattern::Starts(std::mem::take(l)),
            [P::Any, P::Lit(l)] => Pattern::Ends(std::mem::take(l)),
            [P::Any, P::Lit(l), P::Any] => Pattern::Contains(Box::new(Needle {
                text: std::mem::take(l),
                finder: std::sync::OnceLock::new(),
            })),
            _ => Pattern::Glob(
                merged
                    .iter()
                    .flat_map(|x| match x {
                        P::Lit(cs) => cs.chars().map(C::Ch).collect::<Vec<_>>(),
                        P::Any => vec![C::Any],
                        P::One => vec![C::One],
                        P::Class(k) => vec![C::Class(k)],
                    })
                    .collect(),
            ),
        }
    }

    /// The longest run of literal characters the pattern requires
    /// (case-folded), if any.
    fn literal(&self) -> Option<String> {
        let l = match self {
            Pattern::Eq(l) | Pattern::Starts(l) | Pattern::Ends(l) => l.clone(),
            Pattern::Contains(n) => n.text.clone(),
            Pattern::Glob(p) => {
                let (mut best, mut run) = (String::new(), String::new());
                for c in p {
                    if let C::Ch(ch) = c {
                        run.push(*ch);
                    } else {
                        if run.chars().count() > best.chars().count() {
                            best = std::mem::take(&mut run);
                        }
                        run.clear();
                    }
                }
                if run.chars().count() > best.chars().count() {
                    best = run;
                }
                best
            }
        };
        // Folded (most are already): a copy only when folding changes it.
        let l = match fold(&l, false) {
            Cow::Borrowed(_) => l,
            Cow::Owned(folded) => folded,
        };
        (!l.is_empty()).then_some(l)
    }

    /// Whether `s` (already case-folded as the pattern is) matches;
    /// `chars` caches its characters for general patterns. An exact value,
    /// or the end of one, also matches the event's value without its
    /// trailing spaces: Windows pads some fields (`LogonProcessName` is
    /// `NtLmSsp ` in every NTLM logon, a command line often ends in a
    /// space), and rules name them as written elsewhere (`NtLmSsp`,
    /// `|endswith: '.zip'`); a rule value that ends in a space still needs
    /// it.
    fn matches(&self, s: &str, chars: &mut Option<Vec<char>>) -> bool {
        let unpadded = || s.trim_end_matches(' ');
        match self {
            Pattern::Eq(l) => s == l || (s.ends_with(' ') && unpadded() == l),
            Pattern::Starts(l) => s.starts_with(l.as_str()),
            Pattern::Ends(l) => {
                s.ends_with(l.as_str()) || (s.ends_with(' ') && unpadded().ends_with(l.as_str()))
            }
            Pattern::Contains(n) => n.is_in(s),
            Pattern::Glob(p) => glob(p, chars.get_or_insert_with(|| s.chars().collect())),
        }
    }
}

/// Wildcard matching over characters, backtracking to the last `*`.
fn glob(p: &[C], s: &[char]) -> bool {
    let (mut pi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some(C::Any) => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(C::One) => {
                pi += 1;
                si += 1;
            }
            Some(C::Ch(c)) if *c == s[si] => {
                pi += 1;
                si += 1;
            }
            Some(C::Class(k)) if k.contains(&s[si]) => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| matches!(c, C::Any))
}

/// A value case-folded as patterns are (unless `cased`): ASCII letters
/// lower-cased, and every other character by its Unicode lower case.
pub fn fold(v: &str, cased: bool) -> Cow<'_, str> {
    if cased || !needs_folding(v) {
        Cow::Borrowed(v)
    } else {
        let mut out = String::with_capacity(v.len());
        fold_into(v, &mut out);
        Cow::Owned(out)
    }
}

/// Whether [`fold`] changes `v` (uncased).
pub fn needs_folding(v: &str) -> bool {
    // 16 bytes at a time without a branch per byte (the compiler keeps a
    // block in vector registers), the rest byte by byte.
    let upper_or_wide = |c: u8| u8::from(c.wrapping_sub(b'A') < 26) | (c & 0x80);
    let blocks = v.as_bytes().chunks_exact(16);
    let rest = blocks.remainder();
    for b in blocks {
        if b.iter().fold(0u8, |a, &c| a | upper_or_wide(c)) != 0 {
            return true;
        }
    }
    rest.iter().any(|&c| upper_or_wide(c) != 0)
}

/// Appends `v` case-folded as [`fold`] folds it (uncased) to `out`.
pub fn fold_into(v: &str, out: &mut String) {
    if v.is_ascii() {
        let at = out.len();
        out.push_str(v);
        out[at..].make_ascii_lowercase();
    } else {
        out.extend(v.chars().flat_map(char::to_lowercase));
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A rule's regular expression: checked when the rule is compiled, built
/// the first time an event reaches it (most never are: their log source
/// or their literals keep events away, and building is the costly part).
#[derive(Debug)]
struct Regex {
    source: String,
    fancy: bool,
    built: std::sync::OnceLock<Option<Built>>,
}

/// A regex without lookaround, as a rule's `re` is built: the `regex`
/// crate's engine, syntax and limits, less the full DFA it builds up front
/// for a small expression (a rule's regex meets few values in a hunt, and
/// the lazy DFA answers those as fast once warm, for a fraction of the
/// building). `None`: not a regex this engine builds (too large, or
/// syntax it lacks).
pub(crate) fn plain_regex(source: &str) -> Option<regex_automata::meta::Regex> {
    regex_automata::meta::Regex::builder()
        .configure(
            // The limits `regex::Regex::new` sets.
            regex_automata::meta::Config::new()
                .nfa_size_limit(Some(10 << 20))
                .hybrid_cache_capacity(2 << 20)
                .dfa(false),
        )
        .build(source)
        .ok()
}

#[derive(Debug)]
enum Built {
    Plain(regex_automata::meta::Regex),
    Fancy(fancy_regex::Regex),
}

impl Regex {
    fn is_match(&self, s: &str) -> bool {
        let built = self.built.get_or_init(|| {
            if self.fancy {
                fancy_regex::Regex::new(&self.source).ok().map(Built::Fancy)
            } else {
                plain_regex(&self.source).map(Built::Plain)
            }
        });
        match built {
            Some(Built::Plain(r)) => r.is_match(s),
            // A regex that runs out of its backtracking budget does not match.
            Some(Built::Fancy(r)) => r.is_match(s).unwrap_or(false),
            // Too large to build (checked at compile time otherwise).
            None => false,
        }
    }
}

#[derive(Debug)]
enum Test {
    /// Patterns: any (or all) must match; `cased` keeps case.
    Str {
        pats: Vec<Pattern>,
        all: bool,
        cased: bool,
    },
    Re {
        res: Vec<Regex>,
        all: bool,
    },
    Cidr {
        nets: Vec<(IpAddr, u8)>,
        all: bool,
    },
    Num(Cmp, Vec<f64>),
    Exists(bool),
    /// Equal to (or containing…) another field's value.
    FieldRef {
        fields: Vec<String>,
        all: bool,
        how: Modifier,
        cased: bool,
    },
    /// `null`: absent or empty.
    Null,
}

#[derive(Debug)]
struct Item {
    field: String,
    test: Test,
}

#[derive(Debug)]
enum Sel {
    Maps(Vec<Vec<Item>>),
    Keywords(Test),
}

/// A rule ready to run.
#[derive(Debug)]
pub struct Compiled {
    selections: Vec<Sel>,
    condition: Condition,
}

/// `s` case-folded as a rule's literal is (unless `cased`), as characters.
fn lower(s: &str, cased: bool) -> Vec<char> {
    lower_str(s, cased).chars().collect()
}

/// `s` case-folded as a rule's literal is (unless `cased`).
fn lower_str(s: &str, cased: bool) -> String {
    if cased {
        s.to_owned()
    } else if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.chars().flat_map(char::to_lowercase).collect()
    }
}

/// The byte string a value's transforms give (UTF-8 until a `utf16`
/// modifier), and the final text.
fn transformed(s: &str, mods: &[Modifier]) -> Result<Vec<String>, String> {
    let mut bytes: Vec<Vec<u8>> = vec![s.as_bytes().to_vec()];
    for m in mods {
        match m {
            Modifier::Utf16Le | Modifier::Utf16Be | Modifier::Utf16 => {
                bytes = bytes
                    .into_iter()
                    .map(|b| {
                        let text = String::from_utf8_lossy(&b).into_owned();
                        let mut out = Vec::new();
                        if *m == Modifier::Utf16 {
                            out.extend_from_slice(&[0xff, 0xfe]);
                        }
                        for u in text.encode_utf16() {
                            if *m == Modifier::Utf16Be {
                                out.extend_from_slice(&u.to_be_bytes());
                            } else {
                                out.extend_from_slice(&u.to_le_bytes());
                            }
                        }
                        out
                    })
                    .collect();
            }
            Modifier::Base64 => {
                bytes = bytes
                    .into_iter()
                    .map(|b| {
                        base64::engine::general_purpose::STANDARD
                            .encode(b)
                            .into_bytes()
                    })
                    .collect();
            }
            Modifier::Base64Offset => {
                // The value at offsets 0, 1 and 2 of a longer text: each
                // encoding trimmed to the characters that do not depend on
                // the bytes around it (as pySigma does).
                let mut out = Vec::new();
                for b in &bytes {
                    for shift in 0..3usize {
                        let mut padded = vec![b' '; shift];
                        padded.extend_from_slice(b);
                        let enc = base64::engine::general_purpose::STANDARD.encode(&padded);
                        let start = [0, 2, 3][shift];
                        let end = enc.len() - [0, 3, 2][(b.len() + shift) % 3];
                        if start < end {
                            out.push(enc.as_bytes()[start..end].to_vec());
                        }
                    }
                }
                bytes = out;
            }
            _ => {}
        }
    }
    Ok(bytes
        .into_iter()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect())
}

fn pattern(value: &Value, mods: &[Modifier], cased: bool) -> Result<Vec<Pattern>, String> {
    // Borrowed: a rule's values are read, not copied (a clone of every
    // value was most of compiling a plain literal).
    let pieces: std::borrow::Cow<'_, [Piece]> = match value {
        Value::Str(p) => std::borrow::Cow::Borrowed(p),
        Value::Num(_, t) => std::borrow::Cow::Owned(vec![Piece::Lit(t.clone())]),
        Value::Bool(b) => std::borrow::Cow::Owned(vec![Piece::Lit(b.to_string())]),
        Value::Null => return Err("null takes no modifier".into()),
    };
    let encodes = mods.iter().any(|m| {
        matches!(
            m,
            Modifier::Base64
                | Modifier::Base64Offset
                | Modifier::Utf16
                | Modifier::Utf16Be
                | Modifier::Utf16Le
        )
    });
    // Encodings apply to the literal value: wildcards inside are literal.
    let variants: Vec<std::borrow::Cow<'_, [Piece]>> = if encodes {
        let text: String = pieces
            .iter()
            .map(|p| match p {
                Piece::Lit(s) => s.as_str(),
                Piece::Any => "*",
                Piece::One => "?",
            })
            .collect();
        transformed(&text, mods)?
            .into_iter()
            .map(|t| std::borrow::Cow::Owned(vec![Piece::Lit(t)]))
            .collect()
    } else {
        vec![pieces]
    };
    let windash = mods.contains(&Modifier::Windash);
    let mut out = Vec::with_capacity(variants.len());
    for v in variants {
        // Sized for the pieces and a wildcard at each end.
        let mut ps: Vec<P> = Vec::with_capacity(v.len() + 2);
        if mods.contains(&Modifier::Contains) || mods.contains(&Modifier::EndsWith) {
            ps.push(P::Any);
        }
        for (i, piece) in v.iter().enumerate() {
            match piece {
                Piece::Any => ps.push(P::Any),
                Piece::One => ps.push(P::One),
                Piece::Lit(s) if windash => {
                    // A `-` or `/` that starts a word (a command-line flag)
                    // may be any dash or a slash.
                    let chars: Vec<char> = lower(s, cased);
                    let mut lit = String::new();
                    for (j, &c) in chars.iter().enumerate() {
                        let prev_word = if j == 0 {
                            i > 0 && !matches!(v[i - 1], Piece::Lit(_))
                        } else {
                            chars[j - 1].is_alphanumeric() || chars[j - 1] == '_'
                        };
                        let next_word = chars
                            .get(j + 1)
                            .is_some_and(|n| n.is_alphanumeric() || *n == '_');
                        if (c == '-' || c == '/') && !prev_word && next_word {
                            if !lit.is_empty() {
                                ps.push(P::Lit(std::mem::take(&mut lit)));
                            }
                            ps.push(P::Class(DASHES));
                        } else {
                            lit.push(c);
                        }
                    }
                    if !lit.is_empty() {
                        ps.push(P::Lit(lit));
                    }
                }
                Piece::Lit(s) => ps.push(P::Lit(lower_str(s, cased))),
            }
        }
        if mods.contains(&Modifier::Contains) || mods.contains(&Modifier::StartsWith) {
            ps.push(P::Any);
        }
        out.push(Pattern::of(ps));
    }
    Ok(out)
}

fn regex(value: &Value, mods: &[Modifier]) -> Result<Regex, String> {
    let Value::Str(p) = value else {
        return Err("`re` takes a string".into());
    };
    let src: String = p
        .iter()
        .map(|x| match x {
            Piece::Lit(s) => s.as_str(),
            Piece::Any => "*",
            Piece::One => "?",
        })
        .collect();
    let mut flags = String::new();
    if mods.contains(&Modifier::ReIgnoreCase) {
        flags.push('i');
    }
    if mods.contains(&Modifier::ReMultiLine) {
        flags.push('m');
    }
    if mods.contains(&Modifier::ReDotAll) {
        flags.push('s');
    }
    let full = if flags.is_empty() {
        src.clone()
    } else {
        format!("(?{flags}){src}")
    };
    // PCRE's ASCII `\d`, `\s`, `\w`, `\b`. The syntax is checked now; the
    // automaton is built on first use.
    let plain = crate::pcre::ascii_classes(&full, true);
    let (source, fancy) = match regex_syntax::Parser::new().parse(&plain) {
        Ok(_) => (plain, false),
        Err(_) => {
            let source = crate::pcre::ascii_classes(&full, false);
            fancy_regex::Expr::parse_tree(&source)
                .map_err(|e| format!("`{src}` is not a regular expression: {e}"))?;
            (source, true)
        }
    };
    Ok(Regex {
        source,
        fancy,
        built: std::sync::OnceLock::new(),
    })
}

fn cidr(value: &Value) -> Result<(IpAddr, u8), String> {
    let text = match value {
        Value::Str(p) => p
            .iter()
            .map(|x| match x {
                Piece::Lit(s) => s.clone(),
                _ => String::from("*"),
            })
            .collect::<String>(),
        _ => return Err("`cidr` takes a network".into()),
    };
    let (a, n) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not a network"))?;
    let a: IpAddr = a
        .parse()
        .map_err(|_| format!("`{text}` is not a network"))?;
    let n: u8 = n
        .parse()
        .map_err(|_| format!("`{text}` is not a network"))?;
    if n > if a.is_ipv4() { 32 } else { 128 } {
        return Err(format!("`{text}`: the prefix is too long"));
    }
    Ok((a, n))
}

fn in_net(a: IpAddr, (net, n): (IpAddr, u8)) -> bool {
    match (a, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let m = if n == 0 { 0 } else { u32::MAX << (32 - n) };
            u32::from(a) & m == u32::from(b) & m
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let m = if n == 0 { 0 } else { u128::MAX << (128 - n) };
            u128::from(a) & m == u128::from(b) & m
        }
        _ => false,
    }
}

fn compile_item(f: &FieldMatch) -> Result<Test, String> {
    let mods = &f.modifiers;
    let all = f.has(Modifier::All);
    let cased = f.has(Modifier::Cased);
    if f.has(Modifier::Expand) {
        return Err("`expand` needs a pipeline's placeholders: not supported".into());
    }
    if f.has(Modifier::Exists) {
        return Ok(Test::Exists(matches!(
            f.values.first(),
            Some(Value::Bool(true))
        )));
    }
    if f.values.contains(&Value::Null) {
        if f.values.len() == 1 && mods.is_empty() {
            return Ok(Test::Null);
        }
        return Err("null mixed with other values or modifiers".into());
    }
    for (m, c) in [
        (Modifier::Gt, Cmp::Gt),
        (Modifier::Gte, Cmp::Gte),
        (Modifier::Lt, Cmp::Lt),
        (Modifier::Lte, Cmp::Lte),
    ] {
        if f.has(m) {
            let ns = f
                .values
                .iter()
                .map(|v| match v {
                    Value::Num(n, _) => Ok(*n),
                    Value::Str(p) => match p.as_slice() {
                        [Piece::Lit(s)] => s
                            .parse::<f64>()
                            .map_err(|_| format!("`{s}` is not a number")),
                        _ => Err("a comparison takes a number".into()),
                    },
                    _ => Err("a comparison takes a number".into()),
                })
                .collect::<Result<Vec<f64>, String>>()?;
            return Ok(Test::Num(c, ns));
        }
    }
    if f.has(Modifier::FieldRef) {
        let how = [Modifier::Contains, Modifier::StartsWith, Modifier::EndsWith]
            .into_iter()
            .find(|&m| f.has(m))
            .unwrap_or(Modifier::FieldRef);
        let fields = f
            .values
            .iter()
            .map(|v| match v {
                Value::Str(p) => match p.as_slice() {
                    [Piece::Lit(s)] => Ok(s.clone()),
                    _ => Err("`fieldref` takes field names".to_owned()),
                },
                _ => Err("`fieldref` takes field names".to_owned()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Test::FieldRef {
            fields,
            all,
            how,
            cased,
        });
    }
    if f.has(Modifier::Re) {
        let res = f
            .values
            .iter()
            .map(|v| regex(v, mods))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Test::Re { res, all });
    }
    if f.has(Modifier::Cidr) {
        let nets = f.values.iter().map(cidr).collect::<Result<Vec<_>, _>>()?;
        return Ok(Test::Cidr { nets, all });
    }
    let mut pats = Vec::with_capacity(f.values.len());
    for v in &f.values {
        pats.extend(pattern(v, mods, cased)?);
    }
    // `all` over encoded variants: each value must match in one of its
    // forms; kept simple by requiring plain values for `all` with encodings.
    Ok(Test::Str { pats, all, cased })
}

impl Test {
    fn value(&self, v: &str, event: &dyn Event) -> bool {
        match self {
            Test::Str { pats, all, cased } => {
                let v = fold(v, *cased);
                let mut chars = None;
                if *all {
                    pats.iter().all(|p| p.matches(&v, &mut chars))
                } else {
                    pats.iter().any(|p| p.matches(&v, &mut chars))
                }
            }
            Test::Re { res, all } => {
                if *all {
                    res.iter().all(|r| r.is_match(v))
                } else {
                    res.iter().any(|r| r.is_match(v))
                }
            }
            Test::Cidr { nets, all } => {
                let Ok(a) = v.trim().parse::<IpAddr>() else {
                    return false;
                };
                if *all {
                    nets.iter().all(|&n| in_net(a, n))
                } else {
                    nets.iter().any(|&n| in_net(a, n))
                }
            }
            Test::Num(c, ns) => {
                let Ok(x) = v.trim().parse::<f64>() else {
                    return false;
                };
                ns.iter().any(|&n| match c {
                    Cmp::Gt => x > n,
                    Cmp::Gte => x >= n,
                    Cmp::Lt => x < n,
                    Cmp::Lte => x <= n,
                })
            }
            Test::FieldRef {
                fields,
                all,
                how,
                cased,
            } => {
                let v = lower(v, *cased);
                let one = |f: &String| {
                    event.field(f).is_some_and(|o| {
                        let o = lower(&o, *cased);
                        match how {
                            Modifier::Contains => {
                                v.windows(o.len().max(1)).any(|w| w == o.as_slice()) || o.is_empty()
                            }
                            Modifier::StartsWith => v.starts_with(&o),
                            Modifier::EndsWith => v.ends_with(&o),
                            _ => v == o,
                        }
                    })
                };
                if *all {
                    fields.iter().all(one)
                } else {
                    fields.iter().any(one)
                }
            }
            Test::Exists(_) | Test::Null => false,
        }
    }
}

impl Item {
    /// Literals one of which the field's folded value holds whenever the
    /// item matches.
    fn literals(&self) -> Option<Vec<String>> {
        let Test::Str { pats, all, .. } = &self.test else {
            return None;
        };
        let lits: Option<Vec<String>> = pats.iter().map(Pattern::literal).collect();
        let mut lits = lits?;
        if *all {
            // Every pattern must match: the longest literal is enough.
            let best = lits.iter().max_by_key(|l| l.len()).cloned()?;
            lits = vec![best];
        }
        Some(lits)
    }

    /// The values one of which the field equals (folded unless `cased`)
    /// whenever the item matches: its patterns, when each is an exact
    /// value (`None` otherwise).
    fn exact_values(&self) -> Option<Vec<String>> {
        let Test::Str { pats, all, .. } = &self.test else {
            return None;
        };
        if *all && pats.len() > 1 {
            return None;
        }
        pats.iter()
            .map(|p| match p {
                Pattern::Eq(l) => Some(l.clone()),
                _ => None,
            })
            .collect()
    }

    fn matches(&self, event: &dyn Event) -> bool {
        if let Test::Str {
            pats,
            all,
            cased: false,
        } = &self.test
        {
            let f = &self.field;
            // With `all`, each pattern in some value of the field.
            return if *all {
                pats.iter().all(|p| {
                    event
                        .any_of_folded(f, &mut |v| p.matches(v, &mut None))
                        .unwrap_or(false)
                })
            } else {
                event
                    .any_of_folded(f, &mut |v| {
                        let mut chars = None;
                        pats.iter().any(|p| p.matches(v, &mut chars))
                    })
                    .unwrap_or(false)
            };
        }
        match &self.test {
            Test::Exists(want) => event.field(&self.field).is_some() == *want,
            // `null`: the field is not there (an empty value is `''`).
            Test::Null => event.field(&self.field).is_none(),
            t => event
                .any_of(&self.field, &mut |v| t.value(v, event))
                .unwrap_or(false),
        }
    }
}

/// `(field, literal)` pairs, one of which an event must hold for a match;
/// the field [`ANY_FIELD`] means any of the event's values (keywords).
pub type Necessary = Vec<(String, String)>;

/// The field of a necessary literal that any value may hold.
pub const ANY_FIELD: &str = "*";

/// The stronger of two necessary conditions: the one whose shortest
/// literal is longest (fewer chance hits).
fn better(a: Option<Necessary>, b: Option<Necessary>) -> Option<Necessary> {
    let score = |n: &Necessary| n.iter().map(|(_, l)| l.len()).min().unwrap_or(0);
    match (a, b) {
        (Some(a), Some(b)) => Some(if score(&b) > score(&a) { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Every part's items, sorted and once each (`None` when one part has
/// none): the necessary literals, or required values, of parts one of
/// which holds.
fn union<T: Ord>(parts: impl Iterator<Item = Option<Vec<T>>>) -> Option<Vec<T>> {
    let mut out = Vec::new();
    for p in parts {
        out.extend(p?);
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// Of parts that must all hold, the one requiring the fewest values (any
/// one is a necessary condition; `None` when none requires any).
fn fewest(parts: impl Iterator<Item = Option<Vec<String>>>) -> Option<Vec<String>> {
    parts.flatten().min_by_key(Vec::len)
}

impl Compiled {
    /// A necessary condition of the rule as literals in fields: when it
    /// is `Some`, the rule matches only events where one of the fields'
    /// case-folded values holds its literal (`None`: no such condition,
    /// the rule must be run on every event of its log source). Engines
    /// index these to run only the rules an event can match.
    pub fn necessary(&self) -> Option<Necessary> {
        self.necessary_of(&self.condition, &|_| false)
    }

    /// [`Compiled::necessary`] without the fields `weak` names: an engine
    /// that already sorts events by some fields (the channel, the event
    /// id) gains nothing from literals in them, and would lose the better
    /// literals of the rule's other fields to them.
    pub fn necessary_ignoring(&self, weak: &dyn Fn(&str) -> bool) -> Option<Necessary> {
        self.necessary_of(&self.condition, weak)
    }

    fn necessary_sel(&self, i: usize, weak: &dyn Fn(&str) -> bool) -> Option<Necessary> {
        match self.selections.get(i)? {
            Sel::Maps(maps) => union(maps.iter().map(|m| {
                m.iter().fold(None, |best, it| {
                    let n = if weak(&it.field) {
                        None
                    } else {
                        it.literals()
                            .map(|ls| ls.into_iter().map(|l| (it.field.clone(), l)).collect())
                    };
                    better(best, n)
                })
            })),
            // Keywords are looked for in every value: `ANY_FIELD`.
            Sel::Keywords(Test::Str { pats, all, .. }) => {
                let lits: Option<Vec<String>> = pats.iter().map(Pattern::literal).collect();
                let mut lits = lits?;
                if *all {
                    let best = lits.iter().max_by_key(|l| l.len()).cloned()?;
                    lits = vec![best];
                }
                Some(
                    lits.into_iter()
                        .map(|l| (ANY_FIELD.to_owned(), l))
                        .collect(),
                )
            }
            Sel::Keywords(_) => None,
        }
    }

    fn necessary_of(&self, c: &Condition, weak: &dyn Fn(&str) -> bool) -> Option<Necessary> {
        match c {
            Condition::Ident(i) => self.necessary_sel(*i, weak),
            Condition::Of(Quantifier::One, ids) => {
                union(ids.iter().map(|&i| self.necessary_sel(i, weak)))
            }
            Condition::Of(Quantifier::All, ids) => ids
                .iter()
                .fold(None, |b, &i| better(b, self.necessary_sel(i, weak))),
            Condition::Not(_) => None,
            Condition::And(parts) => parts
                .iter()
                .fold(None, |b, p| better(b, self.necessary_of(p, weak))),
            Condition::Or(parts) => union(parts.iter().map(|p| self.necessary_of(p, weak))),
        }
    }

    /// The values one of which `field` must equal for the rule to match
    /// (`None`: the rule can match without one, or with another): the
    /// exact values its condition requires of the field on every way it
    /// can hold, such as a rule's `EventID: [4634, 4647]`. An engine that
    /// sorts events by that field runs the rule only on those values.
    /// Each is as the matcher compares it (case-folded unless `cased`), and
    /// an event value with trailing spaces also equals it.
    pub fn required_values(&self, field: &str) -> Option<Vec<String>> {
        self.required_of(&self.condition, field)
    }

    fn required_sel(&self, i: usize, field: &str) -> Option<Vec<String>> {
        match self.selections.get(i)? {
            // Each map is one way to match: every one must require it.
            Sel::Maps(maps) if !maps.is_empty() => union(maps.iter().map(|m| {
                m.iter()
                    .filter(|it| it.field == field)
                    .find_map(Item::exact_values)
            })),
            _ => None,
        }
    }

    fn required_of(&self, c: &Condition, field: &str) -> Option<Vec<String>> {
        match c {
            Condition::Ident(i) => self.required_sel(*i, field),
            Condition::Of(Quantifier::One, ids) if !ids.is_empty() => {
                union(ids.iter().map(|&i| self.required_sel(i, field)))
            }
            Condition::Of(Quantifier::All, ids) => {
                fewest(ids.iter().map(|&i| self.required_sel(i, field)))
            }
            Condition::And(parts) => fewest(parts.iter().map(|p| self.required_of(p, field))),
            Condition::Or(parts) if !parts.is_empty() => {
                union(parts.iter().map(|p| self.required_of(p, field)))
            }
            _ => None,
        }
    }

    /// Compiles a checked rule; an item that cannot be compiled is named.
    pub fn new(rule: &Rule) -> Result<Self, String> {
        Self::of_detection(&rule.detection)
    }

    /// Compiles a detection section (a rule's, or a meta-filter's).
    pub fn of_detection(detection: &crate::detection::Detection) -> Result<Self, String> {
        let mut selections = Vec::new();
        for (name, s) in &detection.selections {
            selections.push(match s {
                Selection::Maps(maps) => {
                    let mut out = Vec::new();
                    for m in maps {
                        let mut items = Vec::new();
                        for f in m {
                            let test = compile_item(f).map_err(|e| {
                                let mut key = f.field.clone();
                                for m in &f.modifiers {
                                    key.push('|');
                                    key.push_str(&format!("{m:?}").to_lowercase());
                                }
                                format!("detection.{name}.{key}: {e}")
                            })?;
                            items.push(Item {
                                field: f.field.clone(),
                                test,
                            });
                        }
                        out.push(items);
                    }
                    Sel::Maps(out)
                }
                Selection::Keywords(k) => {
                    let mut k = k.clone();
                    if !k.has(Modifier::Contains) && !k.has(Modifier::Re) {
                        k.modifiers.push(Modifier::Contains);
                    }
                    Sel::Keywords(compile_item(&k).map_err(|e| format!("detection.{name}: {e}"))?)
                }
            });
        }
        Ok(Compiled {
            selections,
            condition: detection.condition.clone(),
        })
    }

    /// Whether the event matches the rule's detection.
    pub fn matches(&self, event: &dyn Event) -> bool {
        self.eval(&self.condition, event)
    }

    fn selection(&self, i: usize, event: &dyn Event) -> bool {
        match self.selections.get(i) {
            Some(Sel::Maps(maps)) => maps.iter().any(|m| m.iter().all(|it| it.matches(event))),
            Some(Sel::Keywords(t)) => match t {
                Test::Str {
                    pats,
                    all: true,
                    cased,
                } => pats
                    .iter()
                    .all(|p| event.any_value(&mut |v| p.matches(&fold(v, *cased), &mut None))),
                t => event.any_value(&mut |v| t.value(v, event)),
            },
            None => false,
        }
    }

    fn eval(&self, c: &Condition, event: &dyn Event) -> bool {
        match c {
            Condition::Ident(i) => self.selection(*i, event),
            Condition::Of(Quantifier::One, ids) => ids.iter().any(|&i| self.selection(i, event)),
            Condition::Of(Quantifier::All, ids) => ids.iter().all(|&i| self.selection(i, event)),
            Condition::Not(inner) => !self.eval(inner, event),
            Condition::And(parts) => parts.iter().all(|p| self.eval(p, event)),
            Condition::Or(parts) => parts.iter().any(|p| self.eval(p, event)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Ev(HashMap<&'static str, &'static str>);

    impl Event for Ev {
        fn field(&self, name: &str) -> Option<Cow<'_, str>> {
            self.0.get(name).map(|v| Cow::Borrowed(*v))
        }
        fn any_value(&self, test: &mut dyn FnMut(&str) -> bool) -> bool {
            self.0.values().any(|v| test(v))
        }
    }

    /// The blockwise test against the byte-by-byte one: every byte value
    /// (as a character, so `é` and others give their UTF-8 bytes) at every
    /// place of lowercase texts of 0 to 40 bytes, across the 16-byte blocks.
    #[test]
    fn needs_folding_is_the_plain_test() {
        let plain = |v: &str| v.bytes().any(|c| c.is_ascii_uppercase() || c >= 0x80);
        for len in 0..40 {
            let base = "a".repeat(len);
            assert!(!needs_folding(&base), "{len}");
            for at in 0..len {
                for c in (0u8..=255).map(char::from) {
                    let mut v: Vec<char> = base.chars().collect();
                    v[at] = c;
                    let v: String = v.into_iter().collect();
                    assert_eq!(needs_folding(&v), plain(&v), "{v:?}");
                }
            }
        }
    }

    fn ev(pairs: &[(&'static str, &'static str)]) -> Ev {
        Ev(pairs.iter().copied().collect())
    }

    fn rule(detection: &str) -> Compiled {
        let text = format!("title: t\nlogsource: {{product: windows}}\ndetection:\n{detection}");
        let r = crate::load(&text).remove(0).expect("valid rule");
        Compiled::new(&r).expect("compiles")
    }

    #[test]
    fn a_pattern_is_small() {
        assert!(
            std::mem::size_of::<Pattern>() <= 32,
            "{}",
            std::mem::size_of::<Pattern>()
        );
    }

    /// A selection's body for the property below: a map, or a list of
    /// maps, of items on `EventID` and `X`.
    fn selection_yaml(maps: &[Vec<usize>]) -> String {
        const ITEMS: [&str; 6] = [
            "EventID: 1",
            "EventID: [2, 3]",
            "EventID|contains: '1'",
            "X: a",
            "X|contains: b",
            "EventID: '4 '",
        ];
        let map = |items: &[usize], lead: &str| {
            let mut out = String::new();
            let mut keys = Vec::new();
            for &i in items {
                let item = ITEMS[i % ITEMS.len()];
                // A key once per map (YAML refuses repeated keys).
                let key = item.split(':').next().unwrap_or(item);
                if keys.contains(&key) {
                    continue;
                }
                if keys.is_empty() {
                    out.push_str(lead);
                } else {
                    out.push_str(&" ".repeat(lead.len()));
                }
                keys.push(key);
                out.push_str(item);
                out.push('\n');
            }
            out
        };
        match maps {
            [one] if !one.is_empty() => map(one, "    "),
            _ => maps
                .iter()
                .filter(|m| !m.is_empty())
                .map(|m| map(m, "    - "))
                .collect(),
        }
    }

    proptest::proptest! {
        /// Whenever a rule matches an event, the event's `EventID` (less
        /// trailing spaces) is one of the values the rule requires of it,
        /// if it requires any: an engine that routes by them loses nothing.
        #[test]
        fn a_rule_matches_only_events_with_a_required_value(
            sels in proptest::collection::vec(
                proptest::collection::vec(proptest::collection::vec(0usize..6, 1..3), 1..3),
                3,
            ),
            cond in 0usize..9,
            eid in 0usize..7,
            x in 0usize..3,
        ) {
            let condition = [
                "s0",
                "s0 and s1",
                "s0 or s1",
                "1 of s*",
                "all of s*",
                "s0 and not s1",
                "(s0 or s1) and s2",
                "not s0",
                "s0 and (s1 or not s2)",
            ][cond];
            let mut d = String::new();
            for (i, maps) in sels.iter().enumerate() {
                d.push_str(&format!("  s{i}:\n{}", selection_yaml(maps)));
            }
            d.push_str(&format!("  condition: {condition}\n"));
            let r = rule(&d);
            let eid = ["1", "2", "3", "4", "4 ", " 2", "12"][eid];
            let mut pairs = vec![("EventID", eid)];
            if x > 0 {
                pairs.push(("X", ["a", "ab"][x - 1]));
            }
            if let Some(values) = r.required_values("EventID")
                && r.matches(&ev(&pairs))
            {
                let e = eid.trim_end_matches(' ');
                proptest::prop_assert!(
                    values.iter().any(|v| v == e || v.trim_end_matches(' ') == e),
                    "{d}: {eid:?} not in {values:?}"
                );
            }
        }
    }

    #[test]
    fn required_values_follow_the_condition() {
        let ids = |d: &str| rule(d).required_values("EventID");
        let v = |xs: &[&str]| Some(xs.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>());
        // A list, and each selection of `1 of` its own.
        assert_eq!(
            ids("  sel:\n    EventID: [4647, 4634]\n  condition: sel\n"),
            v(&["4634", "4647"])
        );
        assert_eq!(
            ids(
                "  s_a:\n    EventID: 517\n    Provider_Name: Security\n  s_b:\n    EventID: 1102\n  condition: 1 of s_*\n"
            ),
            v(&["1102", "517"])
        );
        // A list of maps: each map names its own.
        assert_eq!(
            ids("  sel:\n    - EventID: 1\n      X: a\n    - EventID: 2\n  condition: sel\n"),
            v(&["1", "2"])
        );
        // `and`: either side is enough; `not` adds nothing.
        assert_eq!(
            ids(
                "  sel:\n    EventID: [1, 2, 3]\n  only:\n    EventID: 2\n  filter:\n    EventID: 3\n  condition: sel and only and not filter\n"
            ),
            v(&["2"])
        );
        // No exact value on some way to match: none.
        for d in [
            "  sel:\n    EventID|contains: '46'\n  condition: sel\n",
            "  sel:\n    - EventID: 1\n    - X: a\n  condition: sel\n",
            "  a:\n    EventID: 1\n  b:\n    X: a\n  condition: a or b\n",
            "  a:\n    EventID: 1\n  condition: not a\n",
            "  k:\n    - '4624'\n  condition: k\n",
            "  sel:\n    EventID: '46*'\n  condition: sel\n",
        ] {
            assert_eq!(ids(d), None, "{d}");
        }
    }

    #[test]
    fn strings_wildcards_and_case() {
        let r = rule(
            "  sel:\n    Image|endswith: '\\whoami.exe'\n    CommandLine: '*/ALL*'\n  condition: sel\n",
        );
        assert!(r.matches(&ev(&[
            ("Image", r"C:\Windows\System32\WHOAMI.EXE"),
            ("CommandLine", "whoami /all")
        ])));
        assert!(!r.matches(&ev(&[
            ("Image", r"C:\x\whoami.exe.bak"),
            ("CommandLine", "whoami /all")
        ])));
        assert!(!r.matches(&ev(&[("Image", r"C:\x\whoami.exe")])));
        let r = rule("  sel:\n    A|cased: 'Abc'\n  condition: sel\n");
        assert!(r.matches(&ev(&[("A", "Abc")])));
        assert!(!r.matches(&ev(&[("A", "abc")])));
        let r = rule("  sel:\n    A: 'a?c'\n  condition: sel\n");
        assert!(r.matches(&ev(&[("A", "abc")])) && !r.matches(&ev(&[("A", "ac")])));
        // Windows' padded values: an exact value matches them with their
        // trailing spaces, not with anything else around it.
        let r = rule("  sel:\n    LogonProcessName: 'NtLmSsp'\n  condition: sel\n");
        assert!(r.matches(&ev(&[("LogonProcessName", "NtLmSsp ")])));
        assert!(r.matches(&ev(&[("LogonProcessName", "NtLmSsp")])));
        assert!(!r.matches(&ev(&[("LogonProcessName", " NtLmSsp")])));
        assert!(!r.matches(&ev(&[("LogonProcessName", "NtLmSsp x")])));
        let r = rule("  sel:\n    A: 'x '\n  condition: sel\n");
        assert!(r.matches(&ev(&[("A", "x ")])) && !r.matches(&ev(&[("A", "x")])));
        let r = rule("  sel:\n    CommandLine|endswith: '.zip'\n  condition: sel\n");
        assert!(r.matches(&ev(&[("CommandLine", "msedge.exe https://x/a.zip ")])));
        assert!(!r.matches(&ev(&[("CommandLine", "a.zip x ")])));
    }

    #[test]
    fn all_lists_maps_and_conditions() {
        let r = rule(
            "  sel:\n    - CommandLine|contains|all: [' -enc ', 'bypass']\n    - Image|endswith: '\\evil.exe'\n  filter:\n    User: SYSTEM\n  condition: sel and not filter\n",
        );
        assert!(r.matches(&ev(&[
            ("CommandLine", "powershell -ep Bypass -enc AAA "),
            ("User", "bob")
        ])));
        assert!(!r.matches(&ev(&[
            ("CommandLine", "powershell -enc AAA"),
            ("User", "bob")
        ])));
        assert!(r.matches(&ev(&[("Image", r"C:\evil.exe")])));
        assert!(!r.matches(&ev(&[("Image", r"C:\evil.exe"), ("User", "system")])));
    }

    #[test]
    fn encodings_windash_re_cidr_numbers_exists_null_fieldref_keywords() {
        // "ping" in base64 at any offset of a longer text.
        let r = rule("  sel:\n    C|base64offset|contains: 'ping'\n  condition: sel\n");
        for text in ["xxping", "xping", "ping", "abcping google"] {
            let enc = base64::engine::general_purpose::STANDARD.encode(text);
            let leaked: &'static str = Box::leak(enc.into_boxed_str());
            assert!(r.matches(&ev(&[("C", leaked)])), "{text}");
        }
        let r = rule("  sel:\n    C|utf16le|base64|contains: 'IEX'\n  condition: sel\n");
        let enc: Vec<u8> = "IEX".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let b64: &'static str = Box::leak(
            base64::engine::general_purpose::STANDARD
                .encode(enc)
                .into_boxed_str(),
        );
        assert!(r.matches(&ev(&[("C", b64)])));
        let r = rule("  sel:\n    C|windash|contains: ' -exec '\n  condition: sel\n");
        for c in ["a -exec b", "a /exec b", "a \u{2013}exec b"] {
            assert!(r.matches(&ev(&[("C", c)])), "{c}");
        }
        assert!(!r.matches(&ev(&[("C", "a +exec b")])));
        let r = rule("  sel:\n    C|re|i: '^cmd\\.exe /c (whoami|net)'\n  condition: sel\n");
        assert!(r.matches(&ev(&[("C", "CMD.EXE /c net user")])));
        let r = rule("  sel:\n    C|re: '(?<!x)abc'\n  condition: sel\n");
        assert!(r.matches(&ev(&[("C", "yabc")])) && !r.matches(&ev(&[("C", "xabc")])));
        // PCRE's ASCII classes, through regex and through fancy-regex.
        let r = rule("  sel:\n    C|re: '^-k\\s\\w{1,64}$'\n  condition: sel\n");
        assert!(r.matches(&ev(&[("C", "-k netsvcs")])) && !r.matches(&ev(&[("C", "-k café")])));
        let r = rule("  sel:\n    C|re: '(?<!x)\\bab\\w\\b'\n  condition: sel\n");
        assert!(r.matches(&ev(&[("C", "y abc")])) && !r.matches(&ev(&[("C", "x abé")])));
        let r = rule("  sel:\n    Ip|cidr: ['10.0.0.0/8', 'fd00::/8']\n  condition: sel\n");
        assert!(r.matches(&ev(&[("Ip", "10.2.3.4")])) && r.matches(&ev(&[("Ip", "fd00::1")])));
        assert!(!r.matches(&ev(&[("Ip", "11.0.0.1")])));
        let r = rule("  sel:\n    N|gte: 5\n  condition: sel\n");
        assert!(r.matches(&ev(&[("N", "5")])) && !r.matches(&ev(&[("N", "4")])));
        let r = rule("  sel:\n    A|exists: false\n  condition: sel\n");
        assert!(r.matches(&ev(&[])) && !r.matches(&ev(&[("A", "")])));
        let r = rule("  sel:\n    A: null\n  condition: sel\n");
        assert!(
            r.matches(&ev(&[])) && !r.matches(&ev(&[("A", "")])) && !r.matches(&ev(&[("A", "x")]))
        );
        let r = rule("  sel:\n    A|fieldref: B\n  condition: sel\n");
        assert!(
            r.matches(&ev(&[("A", "x"), ("B", "X")])) && !r.matches(&ev(&[("A", "x"), ("B", "y")]))
        );
        let r = rule("  keywords:\n    - 'mimikatz'\n  condition: keywords\n");
        assert!(r.matches(&ev(&[("M", "ran Mimikatz.exe")])) && !r.matches(&ev(&[("M", "x")])));
        let r = rule("  sel:\n    EventID: 4688\n  condition: sel\n");
        assert!(r.matches(&ev(&[("EventID", "4688")])));
    }

    #[test]
    fn necessary_literals_follow_the_condition() {
        let r = rule(
            "  sel_img:\n    Image|endswith: ['\\a.exe', '\\B.exe']\n  sel_cli:\n    CommandLine|contains|all: [' -x ', 'longer part']\n  filter:\n    User: SYSTEM\n  condition: 1 of sel_* and not filter\n",
        );
        let n = r.necessary().expect("a condition");
        assert_eq!(
            n,
            vec![
                ("CommandLine".to_owned(), "longer part".to_owned()),
                ("Image".to_owned(), "\\a.exe".to_owned()),
                ("Image".to_owned(), "\\b.exe".to_owned()),
            ]
        );
        // `all of` takes the most selective selection.
        let r =
            rule("  a:\n    X: 'ab'\n  b:\n    Y|contains: 'abcdef'\n  condition: all of them\n");
        assert_eq!(
            r.necessary(),
            Some(vec![("Y".to_owned(), "abcdef".to_owned())])
        );
        // Keywords: in any value.
        let r = rule("  k:\n    - 'Mimikatz'\n    - 'sekurlsa'\n  condition: k\n");
        assert_eq!(
            r.necessary(),
            Some(vec![
                (ANY_FIELD.to_owned(), "mimikatz".to_owned()),
                (ANY_FIELD.to_owned(), "sekurlsa".to_owned())
            ])
        );
        // `'|all'` keywords: every one in some value.
        let r = rule("  k:\n    '|all': ['iex', 'Net.WebClient']\n  condition: k\n");
        assert!(r.matches(&ev(&[("S", "IEX (New-Object Net.WebClient)")])));
        assert!(r.matches(&ev(&[("S", "iex x"), ("T", "a net.webclient")])));
        assert!(!r.matches(&ev(&[("S", "IEX (New-Object Net.Sockets)")])));
        assert_eq!(
            r.necessary(),
            Some(vec![(ANY_FIELD.to_owned(), "net.webclient".to_owned())])
        );
        // A selection without literals, or a negation: none.
        for d in [
            "  a:\n    X|re: 'a.*b'\n  condition: a\n",
            "  a:\n    X: 'ab'\n  condition: not a\n",
            "  a:\n    X: 'ab'\n  b:\n    Y|exists: true\n  condition: a or b\n",
        ] {
            assert_eq!(rule(d).necessary(), None, "{d}");
        }
    }

    #[test]
    fn what_cannot_be_compiled_is_named() {
        let text = "title: t\nlogsource: {product: windows}\ndetection:\n  sel:\n    A|expand: '%x%'\n  condition: sel\n";
        let r = crate::load(text).remove(0).expect("valid rule");
        let e = Compiled::new(&r).expect_err("expand");
        assert!(
            e.contains("detection.sel.A|expand") && e.contains("not supported"),
            "{e}"
        );
        let text = "title: t\nlogsource: {product: windows}\ndetection:\n  sel:\n    A|re: '(unclosed'\n  condition: sel\n";
        let r = crate::load(text).remove(0).expect("valid rule");
        assert!(
            Compiled::new(&r)
                .expect_err("bad re")
                .contains("not a regular expression")
        );
    }
}
