//! Timestamps as the reference matcher reads them: microseconds since the
//! Unix epoch, from `YYYY-MM-DDThh:mm:ss[.f…]Z` in upper case. Like Python's
//! `strptime` the month, day, hour, minute and second may have one digit,
//! the day may be written with a leading space, fractions beyond
//! microseconds are truncated, and the date must exist (no 30 February, no
//! second 60, no year 0).

use crate::timestamp::{days_from_civil, days_in_month};

/// Microseconds since 1970-01-01T00:00:00Z.
pub(crate) type Micros = i64;

pub(crate) fn parse_timestamp(s: &str) -> Option<Micros> {
    if s.chars().any(char::is_lowercase) {
        return None;
    }
    let b = s.as_bytes();
    let mut i = 0;
    let year = fixed(b, &mut i, 4)?;
    sep(b, &mut i, b'-')?;
    let month = field(b, &mut i, b'-', |two, v| {
        if two { (1..=12).contains(&v) } else { v >= 1 }
    })?;
    sep(b, &mut i, b'-')?;
    // Day: `3[01]|[12]\d|0[1-9]|[1-9]| [1-9]`.
    let day = if b.get(i) == Some(&b' ') {
        i += 1;
        let v = fixed(b, &mut i, 1)?;
        (v >= 1).then_some(v)?
    } else {
        field(b, &mut i, b'T', |two, v| {
            if two { (1..=31).contains(&v) } else { v >= 1 }
        })?
    };
    sep(b, &mut i, b'T')?;
    let hour = field(b, &mut i, b':', |two, v| !two || v <= 23)?;
    sep(b, &mut i, b':')?;
    let minute = field(b, &mut i, b':', |two, v| !two || v <= 59)?;
    sep(b, &mut i, b':')?;
    let fraction_follows = s.contains('.');
    let end_of_seconds = if fraction_follows { b'.' } else { b'Z' };
    let second = field(b, &mut i, end_of_seconds, |two, v| !two || v <= 61)?;
    let mut micros = 0;
    if fraction_follows {
        sep(b, &mut i, b'.')?;
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        // Digits beyond six are dropped (the reference truncates them).
        let kept = &b[i..i + digits.min(6)];
        let mut v = 0i64;
        for d in kept {
            v = v * 10 + i64::from(d - b'0');
        }
        for _ in kept.len()..6 {
            v *= 10;
        }
        micros = v;
        i += digits;
    }
    sep(b, &mut i, b'Z')?;
    if i != b.len() {
        return None;
    }
    if year == 0 || second > 59 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000 + micros)
}

fn sep(b: &[u8], i: &mut usize, c: u8) -> Option<()> {
    (b.get(*i) == Some(&c)).then(|| *i += 1)
}

fn fixed(b: &[u8], i: &mut usize, n: usize) -> Option<i64> {
    let digits = b.get(*i..*i + n)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    *i += n;
    Some(digits.iter().fold(0, |v, d| v * 10 + i64::from(d - b'0')))
}

/// A one- or two-digit field that must be followed by `next`; `ok` is told
/// whether two digits were read and the value.
fn field(b: &[u8], i: &mut usize, next: u8, ok: impl Fn(bool, i64) -> bool) -> Option<i64> {
    for n in [2, 1] {
        let mut j = *i;
        if let Some(v) = fixed(b, &mut j, n)
            && b.get(j) == Some(&next)
            && ok(n == 2, v)
        {
            *i = j;
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::parse_timestamp as p;

    #[test]
    fn reads_like_the_reference() {
        assert_eq!(p("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(p("1970-01-01T00:00:01.5Z"), Some(1_500_000));
        assert_eq!(
            p("2010-05-21T13:21:43.1234567Z"),
            p("2010-05-21T13:21:43.123456Z")
        );
        assert_eq!(p("2010-5-21T1:2:3Z"), p("2010-05-21T01:02:03Z"));
        assert_eq!(p("2010-05- 1T13:21:43Z"), p("2010-05-01T13:21:43Z"));
        assert_eq!(
            p("2000-02-29T00:00:00Z").map(|m| m / 86_400_000_000),
            Some(11_016)
        );
        for bad in [
            "2010-05-21T13:21:60Z",
            "2010-02-29T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "2010-05-21T13:21:43.Z",
            "2010-05-21T13:21:43z",
            "2010-05-21t13:21:43Z",
            "2010-05-21T13:21:43",
            "2010/05/21T13:21:43Z",
            "2010-05-21T13:21Z",
            "2010-13-21T13:21:43Z",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }
}
