//! Plain indicator values as feeds and reports write them: refanged, typed
//! (IPv4/IPv6, CIDR, domain, URL, email, MD5/SHA-1/SHA-256/SHA-512) and
//! turned into STIX indicators.

use serde_json::json;
use uuid::Uuid;
use yagura_stix::pattern::ValueKind;
use yagura_stix::{StixObject, Timestamp};

/// Namespace of indicator ids derived from values: the same value always
/// gives the same indicator, so importing a list twice changes nothing.
const NAMESPACE: Uuid = Uuid::from_u128(0x7961_6775_7261_4000_8000_696f_6373_0001);

/// `raw` without white space around it and then without the quotes and
/// angle brackets at either end (byte by byte: each is ASCII, so each cut
/// is a character boundary).
fn unquoted(raw: &str) -> &str {
    let quote = |c: u8| matches!(c, b'"' | b'\'' | b'<' | b'>' | b'`');
    let t = raw.trim();
    let b = t.as_bytes();
    let start = b.iter().position(|&c| !quote(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|&c| !quote(c)).map_or(start, |e| e + 1);
    t.get(start..end).unwrap_or("")
}

/// Undoes the usual defanging: `hxxp://`, `[.]`, `(dot)`, `[@]`, `[:]` and
/// the like, and trims quotes, brackets and white space around the value.
pub fn refang(raw: &str) -> String {
    let mut v = unquoted(raw).to_owned();
    // Most values are not defanged: no bracket, space or backslash, no
    // `hxxp`/`fxp` scheme.
    let scheme = |p: &str| has_scheme(&v, p);
    let marked = v
        .bytes()
        .any(|c| matches!(c, b'[' | b'(' | b'{' | b' ' | b'\\'));
    if !marked && !scheme("hxxp") && !scheme("fxp") {
        return v;
    }
    for (from, to) in [
        ("[://]", "://"),
        ("[:]", ":"),
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("(dot)", "."),
        ("{dot}", "."),
        (" dot ", "."),
        ("[@]", "@"),
        ("(@)", "@"),
        ("[at]", "@"),
        ("(at)", "@"),
        (" at ", "@"),
        ("\\.", "."),
    ] {
        v = v.replace(from, to);
    }
    let lower = v.to_ascii_lowercase();
    for (from, to) in [
        ("hxxps://", "https://"),
        ("hxxp://", "http://"),
        ("hxxps[://]", "https://"),
        ("fxp://", "ftp://"),
    ] {
        if lower.starts_with(from) {
            v = format!("{to}{}", &v[from.len()..]);
            break;
        }
    }
    v
}

/// Whether `v` starts with `p`, in any ASCII case.
fn has_scheme(v: &str, p: &str) -> bool {
    v.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p))
}

/// Whether `v` holds white space (by bytes when it is ASCII).
fn has_space(v: &str) -> bool {
    if v.is_ascii() {
        v.bytes().any(|b| b.is_ascii_whitespace() || b == 0x0b)
    } else {
        v.contains(char::is_whitespace)
    }
}

fn is_domain(v: &str) -> bool {
    let name = v.trim_end_matches('.');
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && if l.is_ascii() {
                l.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            } else {
                l.chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
            }
    };
    let Some((_, tld)) = name.rsplit_once('.') else {
        return false;
    };
    v.len() <= 253
        && name.split('.').all(label_ok)
        && tld.len() >= 2
        && tld.chars().all(char::is_alphabetic)
}

/// The kind of a (refanged) value and its normal form, if it is one of the
/// kinds a plain list carries.
pub fn detect(raw: &str) -> Option<(ValueKind, String)> {
    let v = refang(raw);
    if v.is_empty() || has_space(&v) && !v.contains("://") {
        return None;
    }
    let kind = if ["http://", "https://", "ftp://"]
        .iter()
        .any(|s| has_scheme(&v, s))
    {
        ValueKind::Url
    } else if v.contains('/') && ValueKind::Cidr.normalize(&v).is_some() {
        ValueKind::Cidr
    } else if v.parse::<std::net::Ipv4Addr>().is_ok() {
        ValueKind::Ipv4
    } else if v.parse::<std::net::Ipv6Addr>().is_ok() {
        ValueKind::Ipv6
    } else if v.bytes().all(|b| b.is_ascii_hexdigit()) {
        match v.len() {
            32 => ValueKind::Md5,
            40 => ValueKind::Sha1,
            64 => ValueKind::Sha256,
            128 => ValueKind::Sha512,
            _ => return None,
        }
    } else if let Some((local, domain)) = v.split_once('@') {
        if local.is_empty() || !is_domain(domain) {
            return None;
        }
        ValueKind::Email
    } else if is_domain(&v) {
        ValueKind::Domain
    } else {
        return None;
    };
    kind.normalize(&v).map(|n| (kind, n))
}

/// The STIX pattern that looks for one value.
pub fn pattern(kind: ValueKind, value: &str) -> Option<String> {
    let quoted = value.replace('\\', "\\\\").replace('\'', "\\'");
    let path = match kind {
        ValueKind::Ipv4 => "ipv4-addr:value",
        ValueKind::Cidr if value.contains(':') => "ipv6-addr:value",
        ValueKind::Cidr => "ipv4-addr:value",
        ValueKind::Ipv6 => "ipv6-addr:value",
        ValueKind::Domain => "domain-name:value",
        ValueKind::Url => "url:value",
        ValueKind::Email => "email-addr:value",
        ValueKind::Md5 => "file:hashes.MD5",
        ValueKind::Sha1 => "file:hashes.'SHA-1'",
        ValueKind::Sha256 => "file:hashes.'SHA-256'",
        ValueKind::Sha512 => "file:hashes.'SHA-512'",
        _ => return None,
    };
    Some(format!("[{path} = '{quoted}']"))
}

/// An indicator for one value: id derived from the kind and value, dated
/// `when` (use the source's date so that re-importing changes nothing).
pub fn indicator(
    kind: ValueKind,
    value: &str,
    when: Timestamp,
    description: Option<&str>,
) -> Option<StixObject> {
    let pattern = pattern(kind, value)?;
    let id = format!(
        "indicator--{}",
        Uuid::new_v5(&NAMESPACE, format!("{kind}:{value}").as_bytes())
    );
    let when = when.with_millis().to_string();
    let mut v = json!({
        "type": "indicator", "spec_version": "2.1", "id": id,
        "created": when, "modified": when,
        "name": value, "indicator_types": ["malicious-activity"],
        "pattern": pattern, "pattern_type": "stix", "valid_from": when,
    });
    if let Some(d) = description.filter(|d| !d.trim().is_empty()) {
        v["description"] = json!(d.trim());
    }
    StixObject::from_value(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_read_in_parts_is_the_list_read_whole() {
        // Over a megabyte: values, comments, blank lines, CRLF and junk,
        // with no line end at the last line, so the parts cut mid-way.
        let mut text = String::new();
        for i in 0..60_000u32 {
            match i % 6 {
                0 => text.push_str(&format!("10.{}.{}.{}\n", i >> 16, (i >> 8) & 255, i & 255)),
                1 => text.push_str(&format!("host{i}.evil[.]example\r\n")),
                2 => text.push_str("# a comment\n"),
                3 => text.push('\n'),
                4 => text.push_str(&format!("not a value {i}\n")),
                _ => text.push_str(&format!("{:064x}\n", u64::from(i) * 7919)),
            }
        }
        text.push_str("last.example");
        assert!(text.len() > 4 * (256 << 10));
        let whole = read_part(&text, 1);
        assert_eq!(read_lines(&text), whole);
        assert_eq!(whole.len(), 40_001);
        let Some(ListItem::Value { line, value, .. }) = whole.last() else {
            panic!("the last line is a value");
        };
        assert_eq!((*line, value.as_str()), (60_001, "last.example"));
    }

    proptest::proptest! {
        /// The byte-wise readings are the character-wise ones they replace:
        /// quotes trimmed, domain labels checked.
        #[test]
        fn byte_wise_checks_agree_with_character_wise_ones(parts in proptest::collection::vec(0usize..18, 0..10)) {
            let pieces = ["\"", "'", "<", ">", "`", " ", "\u{a0}", "a", "é", "-", "_", ".", "co", "xn--p1ai", "1", "\u{3000}", "\u{b}", "\u{c}"];
            let s: String = parts.iter().map(|&k| pieces[k]).collect();
            let chars = s.trim().trim_matches(|c: char| matches!(c, '"' | '\'' | '<' | '>' | '`'));
            proptest::prop_assert_eq!(unquoted(&s), chars);
            let labels: Vec<&str> = s.trim_end_matches('.').split('.').collect();
            let old = labels.len() >= 2
                && s.len() <= 253
                && labels.iter().all(|l| {
                    !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-')
                        && l.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
                })
                && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(char::is_alphabetic));
            proptest::prop_assert_eq!(is_domain(&s), old, "{:?}", s);
            let spaced = s.contains(char::is_whitespace);
            proptest::prop_assert_eq!(has_space(&s), spaced, "{:?}", s);
        }
    }

    #[test]
    fn refangs_and_detects() {
        let cases = [
            (
                "hxxp://evil[.]example/a?b=1",
                ValueKind::Url,
                "http://evil.example/a?b=1",
            ),
            (
                "hXXps://evil[.]example",
                ValueKind::Url,
                "https://evil.example",
            ),
            ("198.51.100[.]7", ValueKind::Ipv4, "198.51.100.7"),
            ("10.0.0.0/8", ValueKind::Cidr, "10.0.0.0/8"),
            ("2001:DB8::1", ValueKind::Ipv6, "2001:db8::1"),
            (
                "Evil(dot)Example(dot)co(dot)jp",
                ValueKind::Domain,
                "evil.example.co.jp",
            ),
            ("bad[@]example[.]com", ValueKind::Email, "bad@example.com"),
            (
                "'D41D8CD98F00B204E9800998ECF8427E'",
                ValueKind::Md5,
                "d41d8cd98f00b204e9800998ecf8427e",
            ),
            (
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                ValueKind::Sha1,
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            ),
            (
                "xn--80ak6aa92e.com",
                ValueKind::Domain,
                "xn--80ak6aa92e.com",
            ),
        ];
        for (raw, kind, normal) in cases {
            assert_eq!(detect(raw), Some((kind, normal.to_owned())), "{raw}");
        }
        for not_ioc in [
            "",
            "hello",
            "1.2.3",
            "deadbeef",
            "notes about the campaign",
            "a@b",
            "999.1.1.1x",
        ] {
            assert_eq!(detect(not_ioc), None, "{not_ioc}");
        }
    }

    #[test]
    fn indicators_are_valid_and_stable() {
        let when = Timestamp::parse("2026-01-01T00:00:00Z").expect("time");
        let a = indicator(
            ValueKind::Url,
            "http://x.example/it's",
            when,
            Some("from a list"),
        )
        .expect("indicator");
        let b = indicator(
            ValueKind::Url,
            "http://x.example/it's",
            when,
            Some("from a list"),
        )
        .expect("indicator");
        assert_eq!(a, b);
        let report = yagura_stix::validate::validate_object(a.properties(), &Default::default());
        assert!(report.is_valid(), "{:?}", report.errors);
        let p = yagura_stix::pattern::Pattern::validate(
            a.get_str("pattern").expect("pattern"),
            yagura_stix::StixVersion::V2_1,
        )
        .expect("valid pattern");
        assert_eq!(p.exact_values()[0].value, "http://x.example/it's");
    }
}

/// One value read from a list, or why a line held none.
#[derive(Debug, Clone, PartialEq)]
pub enum ListItem {
    /// A value found on `line`, with a description if the source had one.
    Value {
        /// Line, from 1.
        line: u64,
        /// Its kind.
        kind: ValueKind,
        /// Its normal form.
        value: String,
        /// A comment from the source.
        description: Option<String>,
    },
    /// A line with no indicator value.
    NoValue {
        /// Line, from 1.
        line: u64,
        /// The line's text (shortened).
        text: String,
    },
}

fn short(s: &str) -> String {
    s.chars().take(80).collect()
}

/// A plain list: one value per line; blank lines and lines starting with
/// `#` or `//` are skipped. A long list is read in parts on every core
/// (the items come out in line order all the same).
pub fn read_lines(text: &str) -> Vec<ListItem> {
    const PART: usize = 256 << 10;
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let n = (text.len() / PART).clamp(1, threads);
    if n == 1 {
        return read_part(text, 1);
    }
    // Cut after a line end near each n-th of the text; each part's first
    // line number counted from the line ends before it.
    let b = text.as_bytes();
    let mut cuts = vec![0usize];
    for k in 1..n {
        let at = (text.len() * k / n).max(cuts[cuts.len() - 1]);
        let cut = memchr::memchr(b'\n', &b[at..]).map_or(text.len(), |e| at + e + 1);
        cuts.push(cut);
    }
    cuts.push(text.len());
    let mut first = 1u64;
    let mut parts = Vec::with_capacity(n);
    for w in cuts.windows(2) {
        let part = &text[w[0]..w[1]];
        parts.push((part, first));
        first += memchr::memchr_iter(b'\n', part.as_bytes()).count() as u64;
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter()
            .map(|&(part, first)| s.spawn(move || read_part(part, first)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// [`read_lines`] of a part whose first line is number `first`.
fn read_part(text: &str, first: u64) -> Vec<ListItem> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = u64::try_from(i).unwrap_or(u64::MAX).saturating_add(first);
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("//") {
            continue;
        }
        out.push(match detect(t) {
            Some((kind, value)) => ListItem::Value {
                line,
                kind,
                value,
                description: None,
            },
            None => ListItem::NoValue {
                line,
                text: short(t),
            },
        });
    }
    out
}

/// Header names of a value column, and of a comment column.
const VALUE_COLUMNS: &[&str] = &[
    "value",
    "ioc",
    "indicator",
    "observable",
    "ip",
    "ip_address",
    "domain",
    "url",
    "hash",
    "md5",
    "sha1",
    "sha256",
    "email",
];
const COMMENT_COLUMNS: &[&str] = &["comment", "description", "note", "notes"];

/// A CSV file: if the header names a value column (`value`, `ioc`,
/// `indicator`, `ip`, `domain`, `url`, `hash`…, as in MISP's CSV export),
/// that column, with a `comment`/`description` column as description;
/// otherwise every cell of every row is tried.
pub fn read_csv(text: &str) -> Result<Vec<ListItem>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let mut out = Vec::new();
    let Some(first) = records.next() else {
        return Ok(out);
    };
    let first = first.map_err(|e| e.to_string())?;
    let names: Vec<String> = first
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let value_col = names
        .iter()
        .position(|n| VALUE_COLUMNS.contains(&n.as_str()));
    let comment_col = names
        .iter()
        .position(|n| COMMENT_COLUMNS.contains(&n.as_str()));
    let mut rows = Vec::new();
    if value_col.is_none() {
        rows.push(first);
    }
    for r in records {
        rows.push(r.map_err(|e| e.to_string())?);
    }
    for row in rows {
        let line = row.position().map_or(0, csv::Position::line);
        let description = comment_col
            .and_then(|c| row.get(c))
            .map(str::to_owned)
            .filter(|d| !d.trim().is_empty());
        let cells: Vec<&str> = match value_col {
            Some(c) => row.get(c).into_iter().collect(),
            None => row.iter().collect(),
        };
        let mut found = false;
        for cell in cells {
            if let Some((kind, value)) = detect(cell) {
                found = true;
                out.push(ListItem::Value {
                    line,
                    kind,
                    value,
                    description: description.clone(),
                });
            }
        }
        if !found {
            let text = row.iter().collect::<Vec<_>>().join(",");
            if !text.trim().is_empty() {
                out.push(ListItem::NoValue {
                    line,
                    text: short(&text),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod list_tests {
    use super::*;

    #[test]
    fn lines_and_csv() {
        let items =
            read_lines("# abuse.ch style\n198.51.100.7\n\nhxxp://evil[.]example/x\nnot a value\n");
        assert_eq!(items.len(), 3);
        assert!(matches!(
            &items[0],
            ListItem::Value {
                line: 2,
                kind: ValueKind::Ipv4,
                ..
            }
        ));
        assert!(matches!(&items[2], ListItem::NoValue { line: 5, .. }));

        let misp = "uuid,event_id,category,type,value,comment,to_ids,date\n\
                    5d3f,12,Network activity,ip-dst,203.0.113.9,C2 server,1,20260101\n\
                    5d40,12,Payload delivery,md5,D41D8CD98F00B204E9800998ECF8427E,,1,20260101\n";
        let items = read_csv(misp).expect("csv");
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0],
            ListItem::Value {
                line: 2,
                kind: ValueKind::Ipv4,
                value: "203.0.113.9".into(),
                description: Some("C2 server".into())
            }
        );
        let bare = read_csv("evil.example,first seen 2026\n\"192.0.2.1\",x\n").expect("csv");
        assert_eq!(bare.len(), 2);
    }
}
