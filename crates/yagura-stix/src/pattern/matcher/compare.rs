//! Comparing a value found in observed data with a pattern literal, with the
//! semantics of the reference matcher (stix2-matcher): integers and floats
//! compare by value, booleans only with booleans, binary with binary or with
//! strings whose characters all fit in a byte, timestamps with timestamps
//! (a JSON string compared with a timestamp literal is read as one), and any
//! other pairing is "not equal" and "not ordered".

use std::cmp::Ordering;
use std::net::IpAddr;

use serde_json::Value;

use super::time::{Micros, parse_timestamp};
use crate::pattern::MatchError;

/// A pattern literal, ready for comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Int(i128),
    Float(f64),
    Str(String),
    Bool(bool),
    Bytes(Vec<u8>),
    Time(Micros),
}

impl Lit {
    /// Type class for the set-homogeneity rule (ints and floats may mix).
    pub(crate) fn class(&self) -> u8 {
        match self {
            Self::Int(_) => 0,
            Self::Float(_) => 1,
            Self::Str(_) => 2,
            Self::Bool(_) => 3,
            Self::Bytes(_) => 4,
            Self::Time(_) => 5,
        }
    }
}

/// A value selected from observed data.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Found<'a> {
    Int(i128),
    Float(f64),
    Str(&'a str),
    Bool(bool),
    Bytes(&'a [u8]),
    Time(Micros),
    /// null, lists and dictionaries: equal to nothing, ordered with nothing.
    Other,
}

impl<'a> Found<'a> {
    pub(crate) fn from_json(v: &'a Value) -> Self {
        match v {
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Self::Int(i128::from(i))
                } else if let Some(u) = n.as_u64() {
                    Self::Int(i128::from(u))
                } else {
                    Self::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => Self::Str(s),
            Value::Null | Value::Array(_) | Value::Object(_) => Self::Other,
        }
    }

    /// With a timestamp literal, a string is read as a timestamp.
    pub(crate) fn as_time_if(self, want_time: bool) -> Result<Self, MatchError> {
        match self {
            Self::Str(s) if want_time => parse_timestamp(s)
                .map(Self::Time)
                .ok_or_else(|| MatchError::InvalidTimestamp(s.to_owned())),
            other => Ok(other),
        }
    }
}

/// Exact comparison of an integer with a float, as Python does it.
fn cmp_int_float(i: i128, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // i128 covers every integer a float can hold exactly below 2^127.
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let fi = f.trunc();
    if fi >= 1.7e38 {
        return Some(Ordering::Less);
    }
    if fi <= -1.7e38 {
        return Some(Ordering::Greater);
    }
    #[allow(clippy::cast_possible_truncation)]
    let t = fi as i128;
    Some(i.cmp(&t).then_with(|| {
        // Equal integer parts: the fraction decides.
        if f > fi {
            Ordering::Less
        } else if f < fi {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    }))
}

/// A string as bytes if every character is below 256 (Latin-1), as the
/// reference does when comparing with binary.
fn latin1(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

/// The reference's ordering table; `None` where the pair has no ordering.
/// `Some(None)` marks a binary/string pair whose string is not Latin-1:
/// ordered, but every comparison is false.
fn order(lit: &Lit, v: Found<'_>) -> Option<Option<Ordering>> {
    Some(match (v, lit) {
        (Found::Int(a), Lit::Int(b)) => Some(a.cmp(b)),
        (Found::Int(a), Lit::Float(b)) => cmp_int_float(a, *b),
        (Found::Float(a), Lit::Int(b)) => cmp_int_float(*b, a).map(Ordering::reverse),
        (Found::Float(a), Lit::Float(b)) => a.partial_cmp(b),
        (Found::Bytes(a), Lit::Bytes(b)) => Some(a.cmp(b.as_slice())),
        (Found::Bytes(a), Lit::Str(b)) => latin1(b).map(|b| a.cmp(b.as_slice())),
        (Found::Str(a), Lit::Bytes(b)) => latin1(a).map(|a| a.as_slice().cmp(b)),
        (Found::Str(a), Lit::Str(b)) => Some(a.cmp(b.as_str())),
        (Found::Time(a), Lit::Time(b)) => Some(a.cmp(b)),
        _ => return None,
    })
}

/// `=` per the reference's equality table (booleans equal only booleans).
pub(crate) fn equal(lit: &Lit, v: Found<'_>) -> bool {
    match (v, lit) {
        (Found::Bool(a), Lit::Bool(b)) => a == *b,
        _ => matches!(order(lit, v), Some(Some(Ordering::Equal))),
    }
}

/// `<`, `<=`, `>`, `>=`: `None` when the pair cannot be ordered (the test is
/// then false even under NOT, as in the reference).
pub(crate) fn ordering(lit: &Lit, v: Found<'_>) -> Option<Option<Ordering>> {
    order(lit, v)
}

/// Membership in an `IN (…)` set, with Python's hash equality: numbers and
/// booleans compare by value across types, other types only with themselves.
pub(crate) fn set_member(item: &Lit, v: Found<'_>) -> bool {
    let num = |f: Found<'_>| match f {
        Found::Int(i) => Some(Num::I(i)),
        Found::Float(x) => Some(Num::F(x)),
        Found::Bool(b) => Some(Num::I(i128::from(b))),
        _ => None,
    };
    let lit_num = match item {
        Lit::Int(i) => Some(Num::I(*i)),
        Lit::Float(x) => Some(Num::F(*x)),
        Lit::Bool(b) => Some(Num::I(i128::from(*b))),
        _ => None,
    };
    match (num(v), lit_num) {
        (Some(a), Some(b)) => a.eq(b),
        (None, None) => match (v, item) {
            (Found::Str(a), Lit::Str(b)) => a == b,
            (Found::Bytes(a), Lit::Bytes(b)) => a == b.as_slice(),
            (Found::Time(a), Lit::Time(b)) => a == *b,
            _ => false,
        },
        _ => false,
    }
}

#[derive(Clone, Copy)]
enum Num {
    I(i128),
    F(f64),
}

impl Num {
    fn eq(self, other: Self) -> bool {
        match (self, other) {
            (Self::I(a), Self::I(b)) => a == b,
            (Self::I(a), Self::F(b)) | (Self::F(b), Self::I(a)) => {
                cmp_int_float(a, b) == Some(Ordering::Equal)
            }
            (Self::F(a), Self::F(b)) => a == b,
        }
    }
}

/// An IP network: address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    /// `a.b.c.d`, `a.b.c.d/n`, IPv6 likewise. A bare address is a host net.
    pub(crate) fn parse(s: &str, require_prefix: bool) -> Option<Self> {
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, p)) => (ip, Some(p)),
            None if require_prefix => return None,
            None => (s, None),
        };
        let addr: IpAddr = ip.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 3 => {
                p.parse::<u8>().ok().filter(|p| *p <= max)?
            }
            Some(_) => return None,
            None => max,
        };
        Some(Self { addr, prefix })
    }

    /// Whether `self` lies within `container`.
    pub(crate) fn within(self, container: Self) -> bool {
        if container.prefix > self.prefix {
            return false;
        }
        match (self.addr, container.addr) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(container.prefix))
                    .unwrap_or(0);
                u32::from(a) & mask == u32::from(b) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(container.prefix))
                    .unwrap_or(0);
                u128::from(a) & mask == u128::from(b) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_float_compare_exactly() {
        assert_eq!(cmp_int_float(5, 5.0), Some(Ordering::Equal));
        assert_eq!(cmp_int_float(5, 5.5), Some(Ordering::Less));
        assert_eq!(cmp_int_float(-5, -5.5), Some(Ordering::Greater));
        assert_eq!(
            cmp_int_float((1 << 53) + 1, 9_007_199_254_740_992.0),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn booleans_are_not_numbers_except_in_sets() {
        assert!(!equal(&Lit::Int(1), Found::Bool(true)));
        assert!(set_member(&Lit::Int(1), Found::Bool(true)));
        assert!(set_member(&Lit::Float(1.0), Found::Int(1)));
        assert!(!set_member(&Lit::Str("1".into()), Found::Int(1)));
    }

    #[test]
    fn binary_compares_with_latin1_strings() {
        assert!(equal(&Lit::Bytes(b"abc".to_vec()), Found::Str("abc")));
        assert!(!equal(&Lit::Bytes(b"abc".to_vec()), Found::Str("ăbc")));
        assert_eq!(
            ordering(&Lit::Str("ăbc".into()), Found::Bytes(b"a")),
            Some(None)
        );
    }

    #[test]
    fn networks() {
        let n = |s| Net::parse(s, false).expect(s);
        assert!(n("192.168.1.7").within(n("192.168.0.0/16")));
        assert!(!n("192.169.1.7").within(n("192.168.0.0/16")));
        assert!(n("10.0.0.0/8").within(n("0.0.0.0/0")));
        assert!(!n("10.0.0.0/8").within(n("10.0.0.0/16")));
        assert!(n("2001:db8::1").within(n("2001:db8::/32")));
        assert!(!n("2001:db8::1").within(n("10.0.0.0/8")));
        assert!(Net::parse("1.2.3.4/33", false).is_none());
        assert!(Net::parse("1.2.3.4", true).is_none());
    }
}
