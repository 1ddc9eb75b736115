//! A line's quick verdict: could anything in it hit the index? Almost no
//! log line does, and telling so from the raw bytes is several times
//! cheaper than reading the line's fields: the line is cut into tokens at
//! the characters no observable holds (quotes, brackets, commas, white
//! space…, as [`extract::tokens`] cuts free text), only tokens that can be
//! an observable by their characters (a `.` or `:`, an `=`, or 32–128 hex
//! digits) are looked at, and each is looked up the way the hunter would.
//! Only a line with a candidate is read field by field.
//!
//! The verdict must never miss what the full reading finds. It holds when
//! every value the hunter looks up is a token here (or a part of one the
//! same look-up takes: a URL's host, an email's domain, `host:port`), so
//! [`Prefilter::new`] gives none when the index holds kinds that a hunter
//! looks up by a field's role alone (file names, user agents, users,
//! registry keys, mutexes, MAC addresses, AS numbers, one-label domains),
//! and [`Prefilter::may_hit`] says yes to any line with a JSON escape other
//! than `\\` (`\u0065`, `\/`, `\n` hide or join characters).

use yagura_stix::pattern::ValueKind;

use crate::blocks;
use crate::extract;
use crate::index::parse_v4;
use crate::{Hit, IndicatorIndex};

/// The quick test for one index.
#[derive(Debug, Clone, Copy)]
pub struct Prefilter<'i> {
    index: &'i IndicatorIndex,
    urls: bool,
    emails: bool,
    /// The block classification this CPU runs fastest.
    classifier: blocks::Classifier,
}

const SEP: u8 = 1;
const DOT: u8 = 2;
const COLON: u8 = 4;
const EQ: u8 = 8;
const SLASH: u8 = 16;
const AT: u8 = 32;
/// `a`–`f`, `A`–`F` (digits have no bit).
const HEXLETTER: u8 = 64;
/// Any other byte of a token (letters past `f`, `-`, `_`, `[`, `%`…).
const OTHER: u8 = 128;

/// Each byte's class: a separator (the same as `extract::tokens`'), or
/// what it tells about the token it is in.
const CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let seps = b" \t\r\n\"'`,;<>(){}|\\^";
    let mut i = 0;
    while i < seps.len() {
        t[seps[i] as usize] = SEP;
        i += 1;
    }
    t[b'.' as usize] = DOT;
    t[b':' as usize] = COLON;
    t[b'=' as usize] = EQ;
    t[b'/' as usize] = SLASH;
    t[b'@' as usize] = AT;
    let mut c = b'0';
    while c <= b'9' {
        t[c as usize] = 0;
        c += 1;
    }
    let mut c = b'a';
    while c <= b'f' {
        t[c as usize] = HEXLETTER;
        t[(c - 32) as usize] = HEXLETTER;
        c += 1;
    }
    t
};

/// All ones from bit `k` up (none when `k` is 64 or more).
#[inline]
fn cleared_below(k: usize) -> u64 {
    if k >= 64 { 0 } else { !0u64 << k }
}

/// `s` without the ASCII bytes `f` takes at either end.
#[inline]
fn trim_ascii(s: &str, f: impl Fn(u8) -> bool) -> &str {
    let b = s.as_bytes();
    let start = b.iter().position(|&c| !f(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|&c| !f(c)).map_or(start, |e| e + 1);
    s.get(start..end).unwrap_or("")
}

/// Whether [`crate::hunt::read_address`] could read an address from `h`:
/// it, brackets off, or what stands before its last colon (with a dot)
/// is hex digits, dots and colons only, the only characters addresses
/// are written with.
fn address_shaped(h: &str) -> bool {
    let v = h
        .strip_prefix('[')
        .and_then(|r| memchr::memchr(b']', r.as_bytes()).map(|i| &r[..i]))
        .unwrap_or(h);
    let b = v.as_bytes();
    let ipish = |c: &u8| c.is_ascii_hexdigit() || *c == b'.' || *c == b':';
    let q = b.iter().position(|c| !ipish(c)).unwrap_or(b.len());
    q == b.len()
        || memchr::memrchr(b':', b)
            .is_some_and(|c| q > c && memchr::memchr(b'.', &b[..c]).is_some())
}

/// Where the token holding `b[at]` starts, when it starts before `at`:
/// after the separator before it, and after JSON's colon.
fn token_start(b: &[u8], at: usize) -> usize {
    let mut s = at;
    while s > 0 && CLASS[b[s - 1] as usize] != SEP {
        s -= 1;
    }
    if b.get(s) == Some(&b':') && b.get(s + 1) != Some(&b':') {
        s += 1;
    }
    s
}

/// Where the token running at `b[at]` ends: its next separator.
fn token_end(b: &[u8], at: usize) -> usize {
    b[at.min(b.len())..]
        .iter()
        .position(|&c| CLASS[c as usize] == SEP)
        .map_or(b.len(), |e| at + e)
}

fn flags_of(t: &str) -> u8 {
    t.as_bytes().iter().fold(0u8, |f, &c| f | CLASS[c as usize])
}

/// A token byte's class bits by its two nibbles (`LOW[c & 15] & HIGH[c >>
/// 4]`), each class a rectangle of rows and columns of the byte table:
/// `.` `:` `=` `/` `@` alone, hex letters (rows 4 and 6, columns 1–6) and
/// digits (row 3, columns 0–9, in `SEP`'s bit, which no token byte has).
/// A byte with no bit is `OTHER`; separators are never inside a token.
const NIBBLES: ([u8; 16], [u8; 16]) = {
    let mut lo = [0u8; 16];
    let mut hi = [0u8; 16];
    lo[0xe] |= DOT;
    lo[0xa] |= COLON;
    lo[0xd] |= EQ;
    lo[0xf] |= SLASH;
    lo[0x0] |= AT;
    hi[2] |= DOT | SLASH;
    hi[3] |= COLON | EQ;
    hi[4] |= AT;
    // Digits in SEP's bit.
    blocks::hex_columns((lo, hi), SEP, HEXLETTER)
};

/// The first `n` of 16 lanes set, for `n` in 0..=16.
const KEEP: [[u8; 16]; 17] = {
    let mut t = [[0u8; 16]; 17];
    let mut n = 0;
    while n <= 16 {
        let mut i = 0;
        while i < n {
            t[n][i] = 0xff;
            i += 1;
        }
        n += 1;
    }
    t
};

/// [`flags_of`] of the token `b[start..end]` (no separator in it), sixteen
/// bytes at a time: each byte's class bits by two table shuffles, ORed
/// across the lanes, instead of a byte loop (two dependent loads a byte,
/// which made it a fifth of the scan's time). `None` when fewer than 16
/// bytes follow a step's start (the text's end): the byte loop then.
#[inline]
fn token_flags(b: &[u8], start: usize, end: usize) -> Option<u8> {
    use wide::u8x16;
    let mut classes = u8x16::ZERO;
    let mut other = false;
    let mut from = start;
    while from < end {
        let w: &[u8; 16] = b.get(from..from + 16)?.try_into().ok()?;
        let x = u8x16::new(*w);
        let keep = u8x16::new(KEEP[(end - from).min(16)]);
        let c = blocks::nibble_lookup(x, NIBBLES) & keep;
        // A kept lane with no class bit is an OTHER byte.
        other |= (c.cmp_eq(u8x16::ZERO) & keep).move_mask() != 0;
        classes |= c;
        from += 16;
    }
    let v: u128 = bytemuck::cast(classes);
    let mut f = (v as u64) | (v >> 64) as u64;
    f |= f >> 32;
    f |= f >> 16;
    f |= f >> 8;
    Some((f as u8 & !SEP) | if other { OTHER } else { 0 })
}

impl<'i> Prefilter<'i> {
    /// The test for `index`, if it can be exact for it.
    pub fn new(index: &'i IndicatorIndex) -> Option<Self> {
        let by_role_only = ValueKind::ALL.iter().any(|&k| {
            !matches!(
                k,
                ValueKind::Ipv4
                    | ValueKind::Ipv6
                    | ValueKind::Cidr
                    | ValueKind::Domain
                    | ValueKind::Url
                    | ValueKind::Email
                    | ValueKind::Md5
                    | ValueKind::Sha1
                    | ValueKind::Sha256
                    | ValueKind::Sha512
            ) && index.has_kind(k)
        });
        (!by_role_only && index.domains_have_two_labels()).then_some(Self {
            index,
            urls: index.has_kind(ValueKind::Url),
            emails: index.has_kind(ValueKind::Email),
            // A token whose only mark is `@` can hit only an email
            // indicator (`shortcut`'s second case).
            classifier: blocks::Classifier::detect(index.has_kind(ValueKind::Email)),
        })
    }

    /// Whether the line may hold a value that hits: false only when it
    /// holds none.
    pub fn may_hit(&self, line: &str) -> bool {
        let b = line.as_bytes();
        let n = b.len();
        let mut i = 0;
        while i < n {
            let c = b[i];
            if CLASS[c as usize] == SEP {
                if c == b'\\' {
                    if b.get(i + 1).is_some_and(|&e| e != b'\\') {
                        return true;
                    }
                    i += 2;
                } else {
                    i += 1;
                }
                continue;
            }
            // `"key":value`: the colon is JSON's, not the value's (an IPv6
            // address starting `::` keeps its colons).
            if c == b':' && b.get(i + 1).is_some_and(|&d| d != b':') {
                i += 1;
                continue;
            }
            let start = i;
            let mut flags = 0u8;
            while i < n {
                let k = CLASS[b[i] as usize];
                if k == SEP {
                    break;
                }
                flags |= k;
                i += 1;
            }
            // Separators are ASCII: token bounds are character bounds.
            if let Some(t) = line.get(start..i)
                && self.candidate(t, flags)
            {
                return true;
            }
        }
        false
    }

    /// The same verdict for every line of a chunk at once, from SIMD
    /// byte classes ([`blocks`]) instead of a byte loop: pushes onto
    /// `marks`, in order, a position in each line that needs reading (a
    /// token that hits as [`Prefilter::may_hit`] looks it up, or a JSON
    /// escape) and none in the others, which hold nothing that hits. Only
    /// the tokens that hold a `.`, `:` (not JSON's), `=` or (with email
    /// indicators) `@`, and runs of 32 or more hex digits, are looked at;
    /// after a mark the rest of its line is skipped.
    pub fn scan(&self, text: &str, marks: &mut Vec<usize>) {
        let b = text.as_bytes();
        let n = b.len();
        // Positions before `resume` are in a token already looked at, or
        // in a line already marked.
        let mut resume = 0usize;
        // Carried from the block before: its last byte was a separator;
        // its hex digits; its last backslash is paired with this block's
        // first byte.
        let mut prev_sep = 1u64;
        let mut prev_hex = 0u64;
        let mut paired = false;
        let mut base = 0usize;
        while base < n {
            let blk = match b
                .get(base..base + 64)
                .and_then(|f| <&[u8; 64]>::try_from(f).ok())
            {
                Some(full) => self.classifier.classify(full),
                None => {
                    let mut pad = [b'\n'; 64];
                    pad[..n - base].copy_from_slice(&b[base..]);
                    self.classifier.classify(&pad)
                }
            };
            let next_is_colon = u64::from(b.get(base + 64) == Some(&b':'));
            // JSON's `"key":value` colon: a colon at a token's start not
            // followed by another (`::1` keeps its colons). Tokens start
            // after it.
            let json_colon =
                blk.colon & (blk.sep << 1 | prev_sep) & !(blk.colon >> 1 | next_is_colon << 63);
            let sep = blk.sep | json_colon;
            // Bit i: the 32 bytes ending at i are hex digits. Such a run
            // lies in this block (32 hex digits or more in it) or starts
            // in the one before (its last hex digits and this one's first
            // make 32 or more); most blocks have neither.
            let hashy = if blk.hex.count_ones() >= 32
                || prev_hex.leading_ones() + blk.hex.trailing_ones() >= 32
            {
                let mut run = u128::from(blk.hex) << 64 | u128::from(prev_hex);
                run &= run << 1;
                run &= run << 2;
                run &= run << 4;
                run &= run << 8;
                run &= run << 16;
                (run >> 64) as u64
            } else {
                0
            };
            let mut backslash = blk.backslash;
            if paired {
                backslash &= !1;
            }
            paired = false;
            let mut events = (blk.mark & !json_colon) | hashy | backslash;
            prev_sep = blk.sep >> 63;
            prev_hex = blk.hex;
            if resume > base {
                events &= cleared_below(resume - base);
            }
            while events != 0 {
                let i = events.trailing_zeros() as usize;
                let bit = 1u64 << i;
                let p = base + i;
                events &= events - 1;
                if backslash & bit != 0 {
                    // `\\` is a backslash; any other escape hides or joins
                    // characters, so the line is read.
                    if b.get(p + 1) == Some(&b'\\') {
                        if i == 63 {
                            paired = true;
                        } else {
                            events &= !(bit << 1);
                        }
                        continue;
                    }
                } else {
                    // The token's bounds from the separators in this block,
                    // or past its edges byte by byte.
                    let below = sep & (bit - 1);
                    let start = if below != 0 {
                        base + 64 - below.leading_zeros() as usize
                    } else {
                        token_start(b, base)
                    };
                    let above = sep & !(bit - 1);
                    let end = if above != 0 {
                        base + above.trailing_zeros() as usize
                    } else {
                        token_end(b, base + 64)
                    };
                    resume = end;
                    if !self.token_hits(text, start, end) {
                        events &= cleared_below(end - base);
                        continue;
                    }
                }
                marks.push(p);
                resume = memchr::memchr(b'\n', &b[p..]).map_or(n, |e| p + e);
                events &= cleared_below(resume - base);
            }
            base += 64;
        }
    }

    /// Whether the token `text[start..end]` (or a part of it the hunter
    /// would look up) hits, as [`Prefilter::may_hit`] reads it.
    fn token_hits(&self, text: &str, start: usize, end: usize) -> bool {
        let Some(t) = text.get(start..end) else {
            return true;
        };
        let flags = token_flags(text.as_bytes(), start, end).unwrap_or_else(|| flags_of(t));
        // An IPv4 address as it stands (digits and dots only): what
        // `token` would end up asking.
        if flags & !DOT == 0
            && let Some(a) = parse_v4(t)
        {
            return self.lookup_v4(a);
        }
        match self.shortcut(t, flags) {
            Some(hit) => hit,
            None => self.candidate(t, flags),
        }
    }

    /// [`Prefilter::candidate`]'s verdict on the commonest shapes of
    /// token, reached without its general path (which reads a token again
    /// at each step); `None` for any other shape. For each shape below the
    /// verdict is the one the general path comes to (a property test holds
    /// the two together):
    /// - no `.`, `:` or `=` (and no `@`, or no email indicators), not a
    ///   hash: nothing it holds is an address, a domain or a hash (a
    ///   domain's email part has a dot, as every indicator domain has);
    /// - a plain host (letters, digits, dots and the like, no `:`, `/`,
    ///   `=` or `@`, starting and ending with a letter or digit): the
    ///   domain look-up of it as it stands;
    /// - a word and a path (`Mozilla/5.0`: no `:`, `=` or `@`, starting
    ///   with a letter or digit) with no dot before its first `/`: its host
    ///   part holds no domain or address, and misses;
    /// - a time or the like (`2026-11-30T10:00:00Z`: a `:`, no `/`, `=` or
    ///   `@`, starting with a letter or digit, ending with a letter other
    ///   than a hex digit, not [`address_shaped`]): not an address, and a
    ///   host with a colon must end in a port's digit or an IPv6 hex digit.
    #[inline]
    fn shortcut(&self, t: &str, flags: u8) -> Option<bool> {
        let b = t.as_bytes();
        let (&first, &last) = (b.first()?, b.last()?);
        if b.len() < 3 {
            return Some(false);
        }
        if flags & !HEXLETTER == 0 {
            // Hex digits only: a hash's length or nothing.
            return None;
        }
        if flags & (DOT | COLON | EQ) == 0 && (flags & AT == 0 || !self.emails) {
            return Some(false);
        }
        if flags & (EQ | AT) != 0 || !first.is_ascii_alphanumeric() {
            return None;
        }
        match flags & (COLON | SLASH) {
            0 => (flags & (HEXLETTER | OTHER) != 0 && last.is_ascii_alphanumeric())
                .then(|| self.index.has_domain(t)),
            SLASH => {
                // Short words: a byte loop, not memchr's vector set-up.
                let mut host = b.iter().take_while(|&&c| c != b'/');
                host.all(|&c| c != b'.').then_some(false)
            }
            COLON if last.is_ascii_alphabetic() && !last.is_ascii_hexdigit() => {
                (!address_shaped(t)).then_some(false)
            }
            _ => None,
        }
    }

    /// Whether a token with these byte classes can be an observable (3
    /// characters or more, with a `.`, `:`, `=` or `@`, or hex digits of a
    /// hash's length) and hits.
    fn candidate(&self, t: &str, flags: u8) -> bool {
        let len = t.len();
        let hashy = flags & !HEXLETTER == 0 && matches!(len, 32 | 40 | 64 | 128);
        len >= 3 && (hashy || flags & (DOT | COLON | EQ | AT) != 0) && self.token(t, flags)
    }

    /// Whether a token, or a part of it the hunter would look up, hits.
    fn token(&self, t: &str, flags: u8) -> bool {
        if flags & !HEXLETTER == 0 {
            let kind = match t.len() {
                32 => ValueKind::Md5,
                40 => ValueKind::Sha1,
                64 => ValueKind::Sha256,
                128 => ValueKind::Sha512,
                _ => return false,
            };
            return self.index.has_kind(kind) && self.index.has_hex(kind, t);
        }
        let b = t.as_bytes();
        if flags & (COLON | SLASH) == COLON | SLASH
            && let Some(p) = extract::scheme_end(b)
        {
            // A URL: its whole may be cut at a separator it holds, so with
            // URL indicators the line is read; its host in any case.
            if self.urls {
                return true;
            }
            let url = memchr::memrchr(b'=', &b[..p]).map_or(t, |e| &t[e + 1..]);
            return extract::url_host(url).is_some_and(|h| self.host(h, flags_of(h)));
        }
        if flags & EQ != 0 {
            return t
                .split('=')
                .skip(1)
                .any(|v| v.len() >= 3 && self.token(v, flags_of(v)));
        }
        if flags & AT != 0 {
            if self.emails {
                return true;
            }
            return memchr::memrchr(b'@', b).is_some_and(|i| {
                let d = &t[i + 1..];
                self.host(d, flags_of(d))
            });
        }
        self.host(t, flags)
    }

    /// An address or domain, maybe bracketed, with a port or a path after
    /// it, trimmed as free-text tokens are. (Byte operations throughout:
    /// every character this looks for is ASCII, so each cut is a character
    /// boundary.)
    fn host(&self, h: &str, flags: u8) -> bool {
        // An address field's value as the hunter reads it, before trimming
        // takes a leading `::` off (`::ffff:198.51.100.7`, `[a]:port`, an
        // address with anything after its last colon).
        if (flags & COLON != 0 || h.starts_with('['))
            && address_shaped(h)
            && let Some(a) = crate::hunt::read_address(h)
            && self.lookup_ip(a)
        {
            return true;
        }
        let trim = |c: u8| matches!(c, b'.' | b':' | b'!' | b'?' | b'*' | b']' | b'[');
        let b = h.as_bytes();
        let (h, flags) = if flags & SLASH != 0
            || b.first().copied().is_some_and(trim)
            || b.last().copied().is_some_and(trim)
        {
            let h = trim_ascii(h, |c| matches!(c, b'.' | b':' | b'!' | b'?' | b'*' | b']'));
            let h = h.strip_prefix('[').map_or(h, |r| {
                memchr::memchr(b']', r.as_bytes()).map_or(r, |i| &r[..i])
            });
            let h = memchr::memchr(b'/', h.as_bytes()).map_or(h, |i| &h[..i]);
            (h, flags_of(h))
        } else {
            (h, flags)
        };
        if h.len() < 3 {
            return false;
        }
        // Digits, dots and colons only: IPv4, maybe with a port.
        if flags & !(DOT | COLON) == 0 && flags & DOT != 0 {
            let h = trim_ascii(h, |c| c == b'.' || c == b':');
            if let Some(a) = parse_v4(h) {
                return self.lookup_v4(a);
            }
            if let Some(i) = memchr::memrchr(b':', h.as_bytes())
                && h.as_bytes()[i + 1..].iter().all(u8::is_ascii_digit)
                && let Some(a) = parse_v4(&h[..i])
            {
                return self.lookup_v4(a);
            }
        }
        if flags & COLON != 0 {
            // Only an address or `host:port` can hold a colon: a port ends
            // in a digit, and IPv6 in a hex digit.
            let hb = h.as_bytes();
            if !hb.last().is_some_and(u8::is_ascii_hexdigit) {
                return false;
            }
            // Hex, colons (and dots): IPv6.
            if flags & !(DOT | COLON | HEXLETTER) == 0
                && let Ok(a) = h.trim_end_matches('.').parse::<std::net::Ipv6Addr>()
            {
                return self.lookup_ip(std::net::IpAddr::V6(a));
            }
            // `domain:port`
            return memchr::memrchr(b':', hb).is_some_and(|i| {
                let d = &hb[..i];
                hb[i + 1..].iter().all(u8::is_ascii_digit)
                    && memchr::memchr(b':', d).is_none()
                    && memchr::memchr(b'.', d).is_some()
                    && self.index.has_domain(&h[..i])
            });
        }
        flags & DOT != 0 && self.index.has_domain(trim_ascii(h, |c| c == b'.'))
    }

    fn lookup_v4(&self, a: u32) -> bool {
        self.index.has_v4(a)
    }

    fn lookup_ip(&self, a: std::net::IpAddr) -> bool {
        let mut hits: Vec<Hit<'_>> = Vec::new();
        self.index.address_into(a, &mut hits);
        !hits.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::index;

    /// An index of an address, a network, a domain and a SHA-256, and
    /// `extra`.
    fn sample(sha: &str, extra: &[(ValueKind, &str)]) -> IndicatorIndex {
        let mut v = vec![
            (ValueKind::Ipv4, "198.51.100.7"),
            (ValueKind::Cidr, "203.0.113.0/24"),
            (ValueKind::Domain, "evil.example"),
            (ValueKind::Sha256, sha),
        ];
        v.extend_from_slice(extra);
        index(&v)
    }

    #[test]
    fn lines_with_a_value_pass_and_others_do_not() {
        let sha = "ab".repeat(32);
        let i = sample(&sha, &[(ValueKind::Url, "http://bad.example/x")]);
        let p = Prefilter::new(&i).expect("exact for these kinds");
        let upper = format!("{{\"h\":\"{}\"}}", sha.to_uppercase());
        let list = format!("{{\"Hashes\":\"MD5=00,SHA256={sha}\"}}");
        for yes in [
            r#"{"destination":{"ip":"198.51.100.7"}}"#,
            r#"{"a":"203.0.113.200:443"}"#,
            r#"{"q":"A.B.EVIL.EXAMPLE."}"#,
            r#"{"u":"https://x.evil.example:8443/p?q=1"}"#,
            r#"{"u":"http://bad.example/x"}"#,
            r#"{"m":"connect to evil.example/gate.php, then 198.51.100.7"}"#,
            r#"{"from":"Eve <eve@evil.example>"}"#,
            r#"{"u":"http:\/\/other.example\/"}"#,
            r#"{"k\u0065y":"v"}"#,
            &upper,
            &list,
            "1591367999.3\tC1\t10.0.0.1\t198.51.100.7",
        ] {
            assert!(p.may_hit(yes), "{yes}");
        }
        for no in [
            r#"{"destination":{"ip":"198.51.100.70"},"q":"notevil.example","t":"2026-11-30T10:00:00.000Z"}"#,
            r#"{"path":"C:\\Users\\x\\evil.exampl","n":12345,"ip6":"2001:db8::1"}"#,
            r#"{"h":"abab","e":"eve@good.example"}"#,
            "",
        ] {
            assert!(!p.may_hit(no), "{no}");
        }
    }

    /// The lines of `chunk` that [`Prefilter::scan`] marks.
    fn marked(p: &Prefilter<'_>, chunk: &str) -> Vec<bool> {
        let mut marks = Vec::new();
        p.scan(chunk, &mut marks);
        let mut out = Vec::new();
        let mut start = 0;
        for line in chunk.split('\n') {
            let end = start + line.len();
            out.push(marks.iter().any(|&m| (start..end).contains(&m)));
            start = end + 1;
        }
        out
    }

    /// Whether `scan`'s verdict on a line is `may_hit`'s: the same, but
    /// for a backslash ending the line, which `scan` reads as an escape of
    /// the line end.
    fn agree(p: &Prefilter<'_>, line: &str, marked: bool) -> bool {
        let line = line.strip_suffix('\r').unwrap_or(line);
        marked == p.may_hit(line) || (marked && line.ends_with('\\'))
    }

    /// A hash of the shortest length at every place against the 64-byte
    /// blocks, alone in its block's hex digits or cut by a block's edge,
    /// is found; one digit short, it is not.
    #[test]
    fn a_hash_is_found_at_every_place_against_the_blocks() {
        let md5 = "cd".repeat(16);
        let i = sample(&"ab".repeat(32), &[(ValueKind::Md5, &md5)]);
        let p = Prefilter::new(&i).expect("exact");
        for pad in 0..140 {
            let line = format!("{{\"z\":\"{}\",\"h\":\"{md5}\"}}", "z".repeat(pad));
            assert_eq!(marked(&p, &line), [true], "{line}");
            let short = line.replace(&md5, &md5[1..]);
            assert_eq!(marked(&p, &short), [false], "{short}");
        }
    }

    #[test]
    fn a_chunk_scan_marks_the_lines_may_hit_lets_through() {
        let sha = "ab".repeat(32);
        let i = sample(&sha, &[]);
        let p = Prefilter::new(&i).expect("exact");
        let pad = "x".repeat(61);
        let lines = [
            r#"{"destination":{"ip":"198.51.100.7"}}"#.to_owned(),
            r#"{"destination":{"ip":"198.51.100.70"}}"#.to_owned(),
            // Tokens across 64-byte block edges, both ways.
            format!(r#"{{"{pad}":"203.0.113.200"}}"#),
            format!(r#"{{"a":"{pad}","q":"A.B.EVIL.EXAMPLE."}}"#),
            format!(r#"{{"a":"{}","h":"{sha}"}}"#, "y".repeat(40)),
            format!(r#"{{"a":"{}","h":"{sha}0"}}"#, "y".repeat(40)),
            r#"{"p":"C:\\Users\\evil.exampl","t":"2026-11-30T10:00:00Z"}"#.to_owned(),
            r#"{"k\u0065y":"v"}"#.to_owned(),
            r#"{"e":"eve@evil.example","n":1.5}"#.to_owned(),
            format!(r#"{{"{}":":198.51.100.7"}}"#, "z".repeat(59)),
            r#"{"v":"::ffff:198.51.100.7"}"#.to_owned(),
            "".to_owned(),
        ];
        let chunk = lines.join("\n");
        let got = marked(&p, &chunk);
        let want = [
            true, false, true, true, true, false, false, true, true, true, true, false,
        ];
        assert_eq!(got, want);
        for (line, m) in lines.iter().zip(&got) {
            assert!(agree(&p, line, *m), "{line}");
        }
    }

    proptest::proptest! {
        /// On any chunk of lines built of separators, marks, hex runs and
        /// indicator pieces, the chunk scan and the line test agree line
        /// by line (so a chunk scan never hides what the line test sees),
        /// with and without email indicators (without them `@` is no mark)
        /// and MD5s (32 hex digits, the shortest hash).
        #[test]
        fn the_chunk_scan_agrees_with_the_line_test(parts in proptest::collection::vec(0usize..42, 0..400)) {
            let sha = "ab".repeat(32);
            let md5 = "cd".repeat(16);
            let plain = sample(&sha, &[(ValueKind::Ipv6, "2001:db8::7")]);
            let more = sample(&sha, &[(ValueKind::Ipv6, "2001:db8::7"), (ValueKind::Email, "eve@mail"), (ValueKind::Md5, &md5)]);
            let pieces = ["198.51.100.7", "198.51.100.70", "203.0.113.9", "evil.example", "x.EVIL.example",
                "notevil.example", &sha, "ab", "2001:db8::7", "::", ":", ".", "=", "@", "/", "\\", "\\\\",
                "\"", "{", "}", ",", " ", "\n", "\r\n", "http://", "a", "ü", "1", "0", "-", "[", "]", "443",
                "eve@", "u=", "\\u0041", "ff", "Z", "12", "::1", "mail", &md5];
            let chunk: String = parts.iter().map(|&k| pieces[k]).collect();
            for i in [&plain, &more] {
                let p = Prefilter::new(i).expect("exact");
                let got = marked(&p, &chunk);
                for (line, m) in chunk.split('\n').zip(&got) {
                    proptest::prop_assert!(agree(&p, line, *m), "{:?}: marked {}", line, m);
                }
            }
        }
    }

    proptest::proptest! {
        /// Each shortcut's verdict on a token is the general path's, for
        /// tokens of any shape, with and without URL and email indicators.
        #[test]
        fn a_shortcut_gives_the_general_verdict(parts in proptest::collection::vec(0usize..30, 0..10)) {
            let sha = "ab".repeat(32);
            let plain = sample(&sha, &[(ValueKind::Ipv6, "2001:db8::7")]);
            let more = sample(&sha, &[(ValueKind::Url, "http://bad.example/x"), (ValueKind::Email, "eve@mail.example")]);
            let pieces = ["198.51.100.7", "203.0.113.9", "evil", "EVIL", "example", ".", ":", "/", "=", "@",
                "-", "Z", "T", "2026", "ab", "[", "]", "443", "ü", "::", "x", "0", "g", "*", "!", "2001:db8::7",
                "http://", "mail", "1.5", &sha];
            let t: String = parts.iter().map(|&k| pieces[k]).collect();
            for i in [&plain, &more] {
                let p = Prefilter::new(i).expect("exact");
                let flags = flags_of(&t);
                if let Some(v) = p.shortcut(&t, flags) {
                    proptest::prop_assert_eq!(v, p.candidate(&t, flags), "{:?}", t);
                }
            }
        }
    }

    #[test]
    fn token_flags_are_the_byte_tables_for_every_byte_value() {
        // Every byte that can be in a token, alone and at each length and
        // place in a 16-byte step, past a step's end.
        let bytes: Vec<u8> = (0..=255u8).filter(|&c| CLASS[c as usize] != SEP).collect();
        for &c in &bytes {
            let mut b = vec![b'0'; 64];
            for at in [0usize, 5, 15, 16, 17] {
                b[at] = c;
                for end in at + 1..=at + 18 {
                    let want = b[..end].iter().fold(0u8, |f, &x| f | CLASS[x as usize]);
                    assert_eq!(
                        token_flags(&b, 0, end),
                        Some(want),
                        "{c:#x} at {at}, {end} long"
                    );
                }
                b[at] = b'0';
            }
        }
        // Too near the text's end for a whole step.
        assert_eq!(token_flags(b"a.b", 0, 3), None);
    }

    proptest::proptest! {
        /// The same on tokens of mixed bytes.
        #[test]
        fn token_flags_agree_with_the_byte_loop(v in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..70), pad in 0usize..20) {
            let mut b: Vec<u8> = v.into_iter().filter(|&c| CLASS[c as usize] != SEP).collect();
            let end = b.len();
            b.extend(std::iter::repeat_n(b' ', pad + 16));
            let want = b[..end].iter().fold(0u8, |f, &x| f | CLASS[x as usize]);
            proptest::prop_assert_eq!(token_flags(&b, 0, end), Some(want));
        }
    }

    #[test]
    fn a_shortcut_takes_the_common_shapes() {
        let sha = "ab".repeat(32);
        let i = sample(&sha, &[]);
        let p = Prefilter::new(&i).expect("exact");
        for (t, v) in [
            ("@timestamp", Some(false)),
            ("ws-0198.corp.example.com", Some(false)),
            ("a.b.evil.example", Some(true)),
            ("Mozilla/5.0", Some(false)),
            ("2026-11-30T10:00:00.000Z", Some(false)),
            ("evil.example/x", None),
            ("10.0.0.1:443", None),
            ("x=evil.example", None),
            // An address with anything after its last colon is read.
            ("198.51.100.7:g", None),
            ("ab:evil.example", None),
        ] {
            let flags = flags_of(t);
            assert_eq!(p.shortcut(t, flags), v, "{t}");
            if let Some(v) = v {
                assert_eq!(v, p.candidate(t, flags), "{t}");
            }
        }
    }

    #[test]
    fn urls_are_read_whole_only_when_urls_are_looked_for() {
        let with = index(&[(ValueKind::Url, "http://bad.example/x,y")]);
        let p = Prefilter::new(&with).expect("exact");
        // The URL holds a separator: the line must be read to see it whole.
        assert!(p.may_hit(r#"{"u":"http://bad.example/x,y"}"#));
        let without = index(&[(ValueKind::Domain, "bad.example")]);
        let p = Prefilter::new(&without).expect("exact");
        assert!(p.may_hit(r#"{"u":"http://www.bad.example:80/a"}"#));
        assert!(p.may_hit(r#"{"u":"url=https://bad.example"}"#));
        assert!(!p.may_hit(r#"{"u":"http://good.example/bad.examplex"}"#));
    }

    #[test]
    fn kinds_found_by_role_alone_turn_it_off() {
        assert!(Prefilter::new(&index(&[(ValueKind::FileName, "dropper.exe")])).is_none());
        assert!(Prefilter::new(&index(&[(ValueKind::Domain, "localhost")])).is_none());
        assert!(Prefilter::new(&index(&[(ValueKind::Ipv4, "1.2.3.4")])).is_some());
    }

    proptest::proptest! {
        /// Whatever the full reading of a line finds, the prefilter lets
        /// through: lines built of indicator values, near misses, ports,
        /// URL, email and `key=value` dressings, paths and escapes, in
        /// mapped, unmapped and free-text fields.
        #[test]
        fn it_never_hides_a_hit(parts in proptest::collection::vec((0usize..8, 0usize..16, 0usize..9), 1..6)) {
            use crate::fields::FieldMap;
            use crate::hunt::{Hunter, Unmapped};
            use crate::intel::IntelBuilder;
            use crate::json::JsonScanner;
            use crate::event::Place;
            let sha = "ab".repeat(32);
            let mut b = IntelBuilder::new(yagura_stix::Timestamp::parse("2026-01-01T00:00:00Z").expect("t"), true);
            for (i, (k, v)) in [
                (ValueKind::Ipv4, "198.51.100.7"),
                (ValueKind::Cidr, "203.0.113.0/24"),
                (ValueKind::Domain, "evil.example"),
                (ValueKind::Sha256, sha.as_str()),
                (ValueKind::Email, "eve@mail.example"),
                (ValueKind::Ipv6, "2001:db8::7"),
            ].into_iter().enumerate() {
                b.add_value(k, v, format!("t:{i}")).expect("valid");
            }
            let intel = b.build();
            let p = Prefilter::new(&intel.index).expect("exact");
            let values = ["198.51.100.7", "198.51.100.70", "203.0.113.9", "x.evil.example", "notevil.example",
                "EVIL.EXAMPLE.", &sha, "eve@mail.example", "2001:db8::7", "2001:db8:0::7", "1.2.3.4", "evil.example",
                "::ffff:198.51.100.7", "::ffff:203.0.113.1", "198.51.100.7:zz", "[::ffff:198.51.100.7]:8"];
            let dress = ["{}", "{}:443", "http://{}/a?b=c", "Name <x@{}>", "u={}", "[{}]:80",
                "C:\\\\dir\\\\{}", "text with {}, and more", "{}/gate.php"];
            let fields = ["destination.ip", "dns.question.name", "message", "x", "url.full", "file.hash.sha256",
                "email.from.address", "event.action"];
            let body: Vec<String> = parts.iter().map(|(f, v, d)| {
                let value = dress[*d].replace("{}", values[*v]);
                format!("\"{}\":\"{}\"", fields[*f], value)
            }).collect();
            let line = format!("{{{}}}", body.join(","));
            let map = FieldMap::built_in();
            for unmapped in [Unmapped::ByForm, Unmapped::Skip] {
                let mut h = Hunter::new(&intel, &map, unmapped);
                h.begin(Place::Line(1));
                JsonScanner::new().scan(&line, &mut h).expect("valid JSON");
                h.end();
                if !h.take().is_empty() {
                    proptest::prop_assert!(p.may_hit(&line), "{}", line);
                }
            }
        }
    }
}
