//! The exact values a pattern looks for: what an indicator's pattern
//! compares with `=` or `IN` (and the networks of `ISSUBSET`), by kind, in a
//! normal form, so that "is this IP / domain / hash known?" is one lookup.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use super::Pattern;
use super::ast::{Comparison, Literal, PathStep, PropTest};
use crate::StixVersion;
use crate::object::StixObject;

/// What kind of value an exact value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueKind {
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// An IPv4 or IPv6 network (`a.b.c.d/n`).
    Cidr,
    /// A domain name.
    Domain,
    /// A URL.
    Url,
    /// An email address.
    Email,
    /// An MD5 hash.
    Md5,
    /// A SHA-1 hash.
    Sha1,
    /// A SHA-256 hash.
    Sha256,
    /// A SHA-512 hash.
    Sha512,
    /// A file name.
    FileName,
    /// A mutex name.
    Mutex,
    /// A Windows registry key.
    RegistryKey,
    /// An autonomous system number.
    Asn,
    /// A MAC address.
    Mac,
    /// A user account id or login.
    UserAccount,
    /// An HTTP user agent (`network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'`).
    UserAgent,
}

impl ValueKind {
    /// All kinds.
    pub const ALL: [Self; 17] = [
        Self::Ipv4,
        Self::Ipv6,
        Self::Cidr,
        Self::Domain,
        Self::Url,
        Self::Email,
        Self::Md5,
        Self::Sha1,
        Self::Sha256,
        Self::Sha512,
        Self::FileName,
        Self::Mutex,
        Self::RegistryKey,
        Self::Asn,
        Self::Mac,
        Self::UserAccount,
        Self::UserAgent,
    ];

    /// A stable lower-case name (`ipv4`, `sha256`, `file-name`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
            Self::Cidr => "cidr",
            Self::Domain => "domain",
            Self::Url => "url",
            Self::Email => "email",
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
            Self::FileName => "file-name",
            Self::Mutex => "mutex",
            Self::RegistryKey => "registry-key",
            Self::Asn => "asn",
            Self::Mac => "mac",
            Self::UserAccount => "user-account",
            Self::UserAgent => "user-agent",
        }
    }

    /// The value in normal form: addresses canonical, domains, emails,
    /// hashes and MAC addresses lower-case, registry keys as written.
    /// `None` when the value cannot be of this kind.
    pub fn normalize(self, raw: &str) -> Option<String> {
        let v = raw.trim();
        if v.is_empty() {
            return None;
        }
        let hex = |n: usize| {
            (v.len() == n && v.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| v.to_ascii_lowercase())
        };
        match self {
            // The standard reading takes dotted quads only, each octet
            // without a leading zero: what it takes is its own normal form.
            Self::Ipv4 => v.parse::<std::net::Ipv4Addr>().ok().map(|_| v.to_owned()),
            Self::Ipv6 => v.parse::<std::net::Ipv6Addr>().ok().map(|a| a.to_string()),
            Self::Cidr => {
                let (addr, prefix) = v.split_once('/')?;
                let addr: IpAddr = addr.parse().ok()?;
                let prefix: u8 = prefix.parse().ok()?;
                let max = if addr.is_ipv4() { 32 } else { 128 };
                (prefix <= max).then(|| format!("{addr}/{prefix}"))
            }
            Self::Domain => Some(lower(v.trim_end_matches('.'))),
            Self::Email => Some(lower(v)),
            Self::Md5 => hex(32),
            Self::Sha1 => hex(40),
            Self::Sha256 => hex(64),
            Self::Sha512 => hex(128),
            Self::Mac => Some(v.to_ascii_lowercase().replace('-', ":")),
            Self::Asn => v
                .trim_start_matches("AS")
                .trim_start_matches("as")
                .parse::<u64>()
                .ok()
                .map(|n| n.to_string()),
            Self::Url
            | Self::FileName
            | Self::Mutex
            | Self::RegistryKey
            | Self::UserAccount
            | Self::UserAgent => Some(v.to_owned()),
        }
    }
}

/// Lower case, by the ASCII table when that is all there is (the same
/// result, without Unicode's case tables).
fn lower(v: &str) -> String {
    if v.is_ascii() {
        v.to_ascii_lowercase()
    } else {
        v.to_lowercase()
    }
}

impl fmt::Display for ValueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ValueKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown value kind {s:?}"))
    }
}

/// One exact value a pattern looks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExactValue {
    /// Its kind.
    pub kind: ValueKind,
    /// The value, normalized.
    pub value: String,
}

/// The kind of the value at `object_type:path`, when it is one we index.
fn kind_of(object_type: &str, path: &[PathStep]) -> Option<ValueKind> {
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|s| match s {
            PathStep::Key { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let hash = |alg: &str| match alg.to_ascii_uppercase().replace('_', "-").as_str() {
        "MD5" => Some(ValueKind::Md5),
        "SHA-1" | "SHA1" => Some(ValueKind::Sha1),
        "SHA-256" | "SHA256" => Some(ValueKind::Sha256),
        "SHA-512" | "SHA512" => Some(ValueKind::Sha512),
        _ => None,
    };
    match (object_type, keys.as_slice()) {
        ("ipv4-addr", ["value"]) => Some(ValueKind::Ipv4),
        ("ipv6-addr", ["value"]) => Some(ValueKind::Ipv6),
        ("domain-name", ["value"]) => Some(ValueKind::Domain),
        ("url", ["value"]) => Some(ValueKind::Url),
        ("email-addr", ["value"]) | ("email-message", [_, "value"]) => Some(ValueKind::Email),
        ("file" | "artifact" | "x509-certificate", ["hashes", alg]) => hash(alg),
        ("file", ["name"]) => Some(ValueKind::FileName),
        ("mutex", ["name"]) => Some(ValueKind::Mutex),
        ("windows-registry-key", ["key"]) => Some(ValueKind::RegistryKey),
        ("autonomous-system", ["number"]) => Some(ValueKind::Asn),
        ("mac-addr", ["value"]) => Some(ValueKind::Mac),
        ("user-account", ["user_id" | "account_login"]) => Some(ValueKind::UserAccount),
        ("network-traffic", ["extensions", "http-request-ext", "request_header", h])
            if h.eq_ignore_ascii_case("user-agent") =>
        {
            Some(ValueKind::UserAgent)
        }
        // `network-traffic:dst_ref.value` and the like: the address's own kind.
        ("network-traffic", [_, "value"]) => None,
        _ => None,
    }
}

/// An address-like value whose kind is read from its form
/// (`network-traffic:dst_ref.value = '…'`).
fn kind_by_form(v: &str) -> Option<ValueKind> {
    if v.contains('/') && ValueKind::Cidr.normalize(v).is_some() {
        Some(ValueKind::Cidr)
    } else if v.parse::<std::net::Ipv4Addr>().is_ok() {
        Some(ValueKind::Ipv4)
    } else if v.parse::<std::net::Ipv6Addr>().is_ok() {
        Some(ValueKind::Ipv6)
    } else if v.contains('.') && !v.contains(' ') {
        Some(ValueKind::Domain)
    } else {
        None
    }
}

fn push(out: &mut Vec<ExactValue>, kind: ValueKind, raw: &str) {
    // An IPv4 "value" written as a network is a CIDR.
    let kind = if matches!(kind, ValueKind::Ipv4 | ValueKind::Ipv6) && raw.contains('/') {
        ValueKind::Cidr
    } else {
        kind
    };
    if let Some(value) = kind.normalize(raw) {
        out.push(ExactValue { kind, value });
    }
}

fn literal_text(l: &Literal) -> Option<String> {
    match l {
        Literal::String(s) => Some(s.clone()),
        Literal::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

impl Pattern {
    /// The exact values the pattern looks for (positive `=` and `IN`
    /// comparisons, and `ISSUBSET` networks), normalized and without
    /// repeats. A value under `NOT`, `!=`, `LIKE` or `MATCHES` is not exact
    /// and is not listed.
    pub fn exact_values(&self) -> Vec<ExactValue> {
        let mut out = Vec::new();
        for t in self.tests() {
            exact_values_of(t, &mut out);
        }
        out.sort();
        out.dedup();
        out
    }
}

/// The exact values a cyber-observable object *is*: an address's value, a
/// file's hashes and name, and so on (what an indicator's pattern would
/// compare against). Empty for other objects.
pub fn observable_values(object: &serde_json::Map<String, serde_json::Value>) -> Vec<ExactValue> {
    let mut out = Vec::new();
    let Some(ty) = object.get("type").and_then(serde_json::Value::as_str) else {
        return out;
    };
    let s = |k: &str| object.get(k).and_then(serde_json::Value::as_str);
    let mut add = |kind: ValueKind, raw: Option<&str>| {
        if let Some(raw) = raw {
            push(&mut out, kind, raw);
        }
    };
    match ty {
        "ipv4-addr" => add(ValueKind::Ipv4, s("value")),
        "ipv6-addr" => add(ValueKind::Ipv6, s("value")),
        "domain-name" => add(ValueKind::Domain, s("value")),
        "url" => add(ValueKind::Url, s("value")),
        "email-addr" => add(ValueKind::Email, s("value")),
        "mac-addr" => add(ValueKind::Mac, s("value")),
        "mutex" => add(ValueKind::Mutex, s("name")),
        "windows-registry-key" => add(ValueKind::RegistryKey, s("key")),
        "user-account" => {
            add(ValueKind::UserAccount, s("user_id"));
            add(ValueKind::UserAccount, s("account_login"));
        }
        "autonomous-system" => {
            let n = object.get("number").map(ToString::to_string);
            add(ValueKind::Asn, n.as_deref());
        }
        "file" | "artifact" | "x509-certificate" => {
            if ty == "file" {
                add(ValueKind::FileName, s("name"));
            }
            if let Some(serde_json::Value::Object(hashes)) = object.get("hashes") {
                for (alg, v) in hashes {
                    let path = [
                        PathStep::Key {
                            name: "hashes".to_owned(),
                            quoted: false,
                        },
                        PathStep::Key {
                            name: alg.clone(),
                            quoted: true,
                        },
                    ];
                    if let (Some(kind), Some(v)) = (kind_of(ty, &path), v.as_str()) {
                        add(kind, Some(v));
                    }
                }
            }
        }
        _ => {}
    }
    out.sort();
    out.dedup();
    out
}

fn exact_values_of(t: &PropTest, out: &mut Vec<ExactValue>) {
    if t.negated {
        return;
    }
    let kind = kind_of(&t.path.object_type, &t.path.steps);
    let by_form = t.path.object_type == "network-traffic";
    let mut add = |raw: &str| match kind {
        Some(k) => push(out, k, raw),
        None if by_form => {
            if let Some(k) = kind_by_form(raw) {
                push(out, k, raw);
            }
        }
        None => {}
    };
    match &t.op {
        Comparison::Eq(l) => {
            if let Some(v) = literal_text(l) {
                add(&v);
            }
        }
        Comparison::In(items) => {
            for l in items {
                if let Some(v) = literal_text(l) {
                    add(&v);
                }
            }
        }
        Comparison::IsSubset(net) if kind.is_some() || by_form => {
            if let Some(value) = ValueKind::Cidr.normalize(net) {
                out.push(ExactValue {
                    kind: ValueKind::Cidr,
                    value,
                });
            }
        }
        _ => {}
    }
}

/// Exact values an object looks for (an indicator with a STIX pattern) or is
/// (a cyber-observable).
pub fn object_values(object: &StixObject) -> Vec<ExactValue> {
    if object.object_type() == "indicator" {
        let stix = object.get_str("pattern_type").is_none_or(|t| t == "stix");
        let Some(pattern) = object.get_str("pattern").filter(|_| stix) else {
            return Vec::new();
        };
        let version = match object
            .get_str("pattern_version")
            .or_else(|| object.spec_version())
        {
            Some("2.1") => StixVersion::V2_1,
            Some(_) | None => StixVersion::V2_0,
        };
        // A pattern that does not parse in its version is tried in the other.
        return Pattern::parse(pattern, version)
            .or_else(|_| {
                let other = if version == StixVersion::V2_0 {
                    StixVersion::V2_1
                } else {
                    StixVersion::V2_0
                };
                Pattern::parse(pattern, other)
            })
            .map(|p| p.exact_values())
            .unwrap_or_default();
    }
    observable_values(object.properties())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StixVersion;

    fn values(p: &str) -> Vec<(String, String)> {
        Pattern::parse(p, StixVersion::V2_1)
            .expect("parses")
            .exact_values()
            .into_iter()
            .map(|v| (v.kind.to_string(), v.value))
            .collect()
    }

    #[test]
    fn extracts_normalized_exact_values() {
        assert_eq!(
            values(
                "[ipv4-addr:value = '198.51.100.3' OR domain-name:value = 'EVIL.Example.COM.'] OR [file:hashes.'SHA-256' = 'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F']"
            ),
            vec![
                ("ipv4".into(), "198.51.100.3".into()),
                ("domain".into(), "evil.example.com".into()),
                (
                    "sha256".into(),
                    "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f".into()
                ),
            ]
        );
        assert_eq!(
            values("[ipv4-addr:value IN ('10.0.0.1', '10.0.0.0/8')]"),
            vec![
                ("ipv4".into(), "10.0.0.1".into()),
                ("cidr".into(), "10.0.0.0/8".into())
            ]
        );
        assert_eq!(
            values("[ipv4-addr:value ISSUBSET '192.168.0.0/16']"),
            vec![("cidr".into(), "192.168.0.0/16".into())]
        );
        assert_eq!(
            values("[network-traffic:dst_ref.value = '2001:DB8::1']"),
            vec![("ipv6".into(), "2001:db8::1".into())]
        );
        assert_eq!(
            values("[email-message:from_ref.value = 'Bad@Example.com']"),
            vec![("email".into(), "bad@example.com".into())]
        );
        // Not exact: negated, inequality, wildcard, regex.
        assert!(values("[ipv4-addr:value NOT = '1.2.3.4'] AND [url:value LIKE 'http://a%'] AND [file:name MATCHES 'x'] AND [domain-name:value != 'a.b']").is_empty());
        // A hash of the wrong length is no hash.
        assert!(values("[file:hashes.MD5 = 'abc']").is_empty());
    }

    proptest::proptest! {
        /// Whatever dotted quad the standard reading takes is written back
        /// the same (so an IPv4 value is its own normal form).
        #[test]
        fn an_ipv4_address_is_its_own_normal_form(octets in proptest::collection::vec(0usize..8, 4)) {
            let pieces = ["0", "7", "00", "010", "199", "255", "256", " 1"];
            let v = octets.iter().map(|&k| pieces[k]).collect::<Vec<_>>().join(".");
            let written = v.trim().parse::<std::net::Ipv4Addr>().ok().map(|a| a.to_string());
            proptest::prop_assert_eq!(ValueKind::Ipv4.normalize(&v), written);
        }
    }

    #[test]
    fn observables_give_their_own_values() {
        let file = serde_json::json!({"type": "file", "name": "a.exe", "hashes": {"MD5": "1717B7FFF97D37A1E1A0029D83492DE1", "SSDEEP": "x"}});
        let got: Vec<String> = observable_values(file.as_object().expect("object"))
            .into_iter()
            .map(|v| format!("{}={}", v.kind, v.value))
            .collect();
        assert_eq!(
            got,
            ["md5=1717b7fff97d37a1e1a0029d83492de1", "file-name=a.exe"]
        );
        let net = serde_json::json!({"type": "ipv4-addr", "value": "10.0.0.0/8"});
        assert_eq!(
            observable_values(net.as_object().expect("object"))[0].kind,
            ValueKind::Cidr
        );
    }
}
