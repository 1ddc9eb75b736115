//! Observables by their form: what kind a whole value looks like
//! ([`classify`]), and the IOC-shaped tokens inside free text ([`tokens`]):
//! addresses (with or without a port), domains, URLs, emails and hashes.
//! Tokens are whole: `1.2.3.45` yields `1.2.3.45`, never `1.2.3.4`.

use std::net::IpAddr;

use yagura_stix::pattern::ValueKind;

/// The kind of value `v` looks like, if it looks like an observable: an
/// address, a hash (by length), a URL, an email address or a domain name.
pub fn classify(v: &str) -> Option<ValueKind> {
    let b = v.as_bytes();
    let first = *b.first()?;
    if b.len() > 2048 {
        return None;
    }
    // Addresses first: cheap to reject.
    if (first.is_ascii_hexdigit() || first == b':')
        && b.len() <= 45
        && (b.contains(&b':') || first.is_ascii_digit())
        && let Ok(a) = v.parse::<IpAddr>()
    {
        return Some(if a.is_ipv4() {
            ValueKind::Ipv4
        } else {
            ValueKind::Ipv6
        });
    }
    if matches!(b.len(), 32 | 40 | 64 | 128) && b.iter().all(u8::is_ascii_hexdigit) {
        return Some(match b.len() {
            32 => ValueKind::Md5,
            40 => ValueKind::Sha1,
            64 => ValueKind::Sha256,
            _ => ValueKind::Sha512,
        });
    }
    if let Some(p) = memchr::memmem::find(b, b"://") {
        return (p > 0
            && b[..p]
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'+'))
        .then_some(ValueKind::Url);
    }
    if let Some(at) = memchr::memchr(b'@', b) {
        return (at > 0 && is_domain(&v[at + 1..]) && !b[..at].contains(&b' '))
            .then_some(ValueKind::Email);
    }
    is_domain(v).then_some(ValueKind::Domain)
}

/// Whether `v` has the form of a domain name: two or more labels of
/// letters, digits, `-` and `_`, and a last label of letters (or an IDNA
/// `xn--` label).
pub fn is_domain(v: &str) -> bool {
    let v = v.strip_suffix('.').unwrap_or(v);
    let b = v.as_bytes();
    if b.len() < 3 || b.len() > 253 {
        return false;
    }
    let Some(dot) = memchr::memrchr(b'.', b) else {
        return false;
    };
    let tld = &b[dot + 1..];
    let tld_ok = (tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic))
        || (tld.len() > 4 && tld[..4].eq_ignore_ascii_case(b"xn--"));
    if !tld_ok {
        return false;
    }
    v.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    })
}

/// The host of a URL (`scheme://[user@]host[:port]/…`), without brackets
/// for IPv6.
pub fn url_host(url: &str) -> Option<&str> {
    // Byte operations: every character looked for is ASCII, so each cut
    // is a character boundary.
    let rest = &url[scheme_end(url.as_bytes())? + 3..];
    let end = memchr::memchr3(b'/', b'?', b'#', rest.as_bytes()).unwrap_or(rest.len());
    let auth = &rest[..end];
    let host = memchr::memrchr(b'@', auth.as_bytes()).map_or(auth, |i| &auth[i + 1..]);
    if let Some(v6) = host.strip_prefix('[') {
        return memchr::memchr(b']', v6.as_bytes()).map(|i| &v6[..i]);
    }
    let host = match memchr::memrchr(b':', host.as_bytes()) {
        Some(i) if host.as_bytes()[i + 1..].iter().all(u8::is_ascii_digit) => &host[..i],
        _ => host,
    };
    (!host.is_empty()).then_some(host)
}

/// Where the first `://` of `b` starts.
pub(crate) fn scheme_end(b: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b':', b).find(|&i| b.get(i + 1..i + 3) == Some(b"//"))
}

/// The address in an email field: `Name <a@b>` gives `a@b`.
pub fn email_address(v: &str) -> &str {
    match (v.rfind('<'), v.rfind('>')) {
        (Some(a), Some(b)) if a < b => &v[a + 1..b],
        _ => v.trim(),
    }
}

/// The last component of a file path (either separator).
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn is_separator(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t'
            | b'\r'
            | b'\n'
            | b'"'
            | b'\''
            | b'`'
            | b','
            | b';'
            | b'<'
            | b'>'
            | b'('
            | b')'
            | b'{'
            | b'}'
            | b'|'
            | b'\\'
            | b'^'
    )
}

/// Calls `f(kind, token)` for each IOC-shaped token of free text: the
/// text is cut at white space, quotes, brackets and punctuation that no
/// observable holds; trailing dots, colons and `]` are dropped; a
/// `key=value` token yields its value; `address:port` its address.
pub fn tokens<'t>(text: &'t str, mut f: impl FnMut(ValueKind, &'t str)) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && is_separator(b[i]) {
            i += 1;
        }
        let start = i;
        while i < b.len() && !is_separator(b[i]) {
            i += 1;
        }
        if i > start {
            token(&text[start..i], &mut f);
        }
    }
}

fn token<'t>(t: &'t str, f: &mut impl FnMut(ValueKind, &'t str)) {
    let t = t.trim_matches(|c: char| matches!(c, '.' | ':' | '[' | ']' | '!' | '?' | '*'));
    if t.len() < 3 {
        return;
    }
    // A URL keeps its `=`, `:` and `/`.
    if let Some(p) = t.find("://") {
        // `url=http://…`: the URL after the key.
        let t = t[..p].rfind('=').map_or(t, |e| &t[e + 1..]);
        if classify(t) == Some(ValueKind::Url) {
            f(ValueKind::Url, t);
        }
        return;
    }
    if let Some((_, v)) = t.split_once('=') {
        let v = v.trim_start_matches('=');
        if !v.is_empty() {
            token(v, f);
        }
        return;
    }
    match classify(t) {
        Some(k) => f(k, t),
        None => {
            // `1.2.3.4:443`, `evil.example:8080`
            if let Some((h, port)) = t.rsplit_once(':')
                && !port.is_empty()
                && port.bytes().all(|c| c.is_ascii_digit())
                && let Some(k @ (ValueKind::Ipv4 | ValueKind::Domain)) = classify(h)
            {
                f(k, h);
            } else if let Some((h, _)) = t.split_once('/')
                && is_domain(h)
            {
                // `evil.example/path`: the host part.
                f(ValueKind::Domain, h);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<(ValueKind, String)> {
        let mut out = Vec::new();
        tokens(text, |k, t| out.push((k, t.to_owned())));
        out
    }

    #[test]
    fn whole_values_are_classified_by_form() {
        use ValueKind as K;
        for (v, k) in [
            ("1.2.3.4", Some(K::Ipv4)),
            ("::1", Some(K::Ipv6)),
            ("2001:db8::1", Some(K::Ipv6)),
            ("1.2.3", None),
            ("1.2.3.256", None),
            (&"a".repeat(32), Some(K::Md5)),
            (&"B".repeat(40), Some(K::Sha1)),
            (&"0".repeat(64), Some(K::Sha256)),
            (&"f".repeat(128), Some(K::Sha512)),
            (&"f".repeat(63), None),
            ("http://evil.example/x", Some(K::Url)),
            ("://x", None),
            ("bad@evil.example", Some(K::Email)),
            ("not an@email.example", None),
            ("evil.example", Some(K::Domain)),
            ("a-b_c.evil.example.", Some(K::Domain)),
            ("xn--80ak6aa92e.xn--p1ai", Some(K::Domain)),
            ("report.v2", None),
            ("example", None),
            ("a..b.com", None),
            ("GET", None),
            ("Mozilla/5.0 (Windows NT 10.0)", None),
            ("", None),
        ] {
            assert_eq!(classify(v), k, "{v:?}");
        }
    }

    #[test]
    fn hosts_of_urls() {
        assert_eq!(url_host("http://evil.example/x"), Some("evil.example"));
        assert_eq!(
            url_host("https://u:p@evil.example:8443?q"),
            Some("evil.example")
        );
        assert_eq!(url_host("http://[2001:db8::1]:80/"), Some("2001:db8::1"));
        assert_eq!(url_host("http://1.2.3.4"), Some("1.2.3.4"));
        assert_eq!(url_host("http:///x"), None);
        assert_eq!(url_host("evil.example"), None);
    }

    #[test]
    fn tokens_of_free_text_are_whole() {
        use ValueKind as K;
        let got = all(
            "Failed password for root from 1.2.3.45 port 22; connect to evil.example:443 \
             (10.0.0.1:8080) url=http://bad.example/a?b=c, from <x@mail.example>. \
             sha256 \"AABBCCDDEEFF00112233445566778899aabbccddeeff00112233445566778899\" \
             at [203.0.113.9]. e.g. version 1.2.3 go to c2.example/gate.php",
        );
        assert_eq!(
            got,
            [
                (K::Ipv4, "1.2.3.45".into()),
                (K::Domain, "evil.example".into()),
                (K::Ipv4, "10.0.0.1".into()),
                (K::Url, "http://bad.example/a?b=c".into()),
                (K::Email, "x@mail.example".into()),
                (
                    K::Sha256,
                    "AABBCCDDEEFF00112233445566778899aabbccddeeff00112233445566778899".into()
                ),
                (K::Ipv4, "203.0.113.9".into()),
                (K::Domain, "c2.example".into()),
            ]
        );
        assert!(all("").is_empty());
        assert!(all("=== ::: ...").is_empty());
    }

    #[test]
    fn email_and_path_forms() {
        assert_eq!(email_address("Eve <eve@evil.example>"), "eve@evil.example");
        assert_eq!(email_address(" eve@evil.example "), "eve@evil.example");
        assert_eq!(file_name(r"C:\Windows\Temp\x.exe"), "x.exe");
        assert_eq!(file_name("/tmp/y.sh"), "y.sh");
        assert_eq!(file_name("z"), "z");
    }
}
