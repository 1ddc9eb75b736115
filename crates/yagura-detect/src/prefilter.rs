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

use crate::extract;
use crate::index::parse_v4;
use crate::{Hit, IndicatorIndex};

/// The quick test for one index.
#[derive(Debug, Clone, Copy)]
pub struct Prefilter<'i> {
    index: &'i IndicatorIndex,
    urls: bool,
    emails: bool,
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

fn flags_of(t: &str) -> u8 {
    t.as_bytes().iter().fold(0u8, |f, &c| f | CLASS[c as usize])
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
            let len = i - start;
            let hashy = flags & !HEXLETTER == 0 && matches!(len, 32 | 40 | 64 | 128);
            // Separators are ASCII: token bounds are character bounds.
            if len >= 3
                && (hashy || flags & (DOT | COLON | EQ | AT) != 0)
                && let Some(t) = line.get(start..i)
                && self.token(t, flags)
            {
                return true;
            }
        }
        false
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
        if flags & (COLON | SLASH) == COLON | SLASH
            && let Some(p) = t.find("://")
        {
            // A URL: its whole may be cut at a separator it holds, so with
            // URL indicators the line is read; its host in any case.
            if self.urls {
                return true;
            }
            let url = t[..p].rfind('=').map_or(t, |e| &t[e + 1..]);
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
            return t
                .rsplit_once('@')
                .is_some_and(|(_, d)| self.host(d, flags_of(d)));
        }
        self.host(t, flags)
    }

    /// An address or domain, maybe bracketed, with a port or a path after
    /// it, trimmed as free-text tokens are.
    fn host(&self, h: &str, flags: u8) -> bool {
        let trim = |c: u8| matches!(c, b'.' | b':' | b'!' | b'?' | b'*' | b']' | b'[');
        let b = h.as_bytes();
        let (h, flags) = if flags & SLASH != 0
            || b.first().copied().is_some_and(trim)
            || b.last().copied().is_some_and(trim)
        {
            let h = h.trim_matches(|c: char| matches!(c, '.' | ':' | '!' | '?' | '*' | ']'));
            let h = h
                .strip_prefix('[')
                .map_or(h, |r| r.split_once(']').map_or(r, |(a, _)| a));
            let h = h.split_once('/').map_or(h, |(a, _)| a);
            (h, flags_of(h))
        } else {
            (h, flags)
        };
        if h.len() < 3 {
            return false;
        }
        // Digits, dots and colons only: IPv4, maybe with a port.
        if flags & !(DOT | COLON) == 0 && flags & DOT != 0 {
            let h = h.trim_matches(|c: char| c == '.' || c == ':');
            if let Some(a) = parse_v4(h) {
                return self.lookup_v4(a);
            }
            if let Some((a, port)) = h.rsplit_once(':')
                && port.bytes().all(|c| c.is_ascii_digit())
                && let Some(a) = parse_v4(a)
            {
                return self.lookup_v4(a);
            }
        }
        if flags & COLON != 0 {
            // Only an address or `host:port` can hold a colon: a port ends
            // in a digit, and IPv6 in a hex digit.
            if !h.as_bytes().last().is_some_and(u8::is_ascii_hexdigit) {
                return false;
            }
            // Hex, colons (and dots): IPv6.
            if flags & !(DOT | COLON | HEXLETTER) == 0
                && let Ok(a) = h.trim_end_matches('.').parse::<std::net::Ipv6Addr>()
            {
                return self.lookup(ValueKind::Ipv6, &a.to_string());
            }
            // `domain:port`
            return h.rsplit_once(':').is_some_and(|(d, port)| {
                port.bytes().all(|c| c.is_ascii_digit())
                    && !d.contains(':')
                    && d.contains('.')
                    && self.lookup(ValueKind::Domain, d)
            });
        }
        flags & DOT != 0 && self.lookup(ValueKind::Domain, h.trim_matches('.'))
    }

    fn lookup_v4(&self, a: u32) -> bool {
        self.index.has_v4(a)
    }

    fn lookup(&self, kind: ValueKind, v: &str) -> bool {
        if kind == ValueKind::Domain {
            return self.index.has_domain(v);
        }
        if !self.index.has_kind(kind) {
            return false;
        }
        let mut hits: Vec<Hit<'_>> = Vec::new();
        self.index.lookup_into(kind, v, &mut hits);
        !hits.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::index;

    #[test]
    fn lines_with_a_value_pass_and_others_do_not() {
        let sha = "ab".repeat(32);
        let i = index(&[
            (ValueKind::Ipv4, "198.51.100.7"),
            (ValueKind::Cidr, "203.0.113.0/24"),
            (ValueKind::Domain, "evil.example"),
            (ValueKind::Sha256, &sha),
            (ValueKind::Url, "http://bad.example/x"),
        ]);
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
        fn it_never_hides_a_hit(parts in proptest::collection::vec((0usize..8, 0usize..12, 0usize..9), 1..6)) {
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
                "EVIL.EXAMPLE.", &sha, "eve@mail.example", "2001:db8::7", "2001:db8:0::7", "1.2.3.4", "evil.example"];
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
