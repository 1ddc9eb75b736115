//! STIX timestamps: RFC 3339 in UTC with the `Z` designator
//! (`YYYY-MM-DDTHH:MM:SS[.s+]Z`), any number of fractional digits.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::error::TimestampError;

/// A validated STIX timestamp. Ordering and equality are by instant
/// (nanosecond precision); the number of fractional digits written is kept so
/// that the text can be reproduced.
#[derive(Debug, Clone, Copy)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    seconds: i64,
    /// Nanoseconds within the second (digits past the ninth are dropped).
    nanos: u32,
    /// Fractional digits as written (0 when there is no `.`).
    digits: u8,
}

impl Timestamp {
    /// Parses strictly: upper-case `T` and `Z`, two-digit fields, a real date
    /// (no 31 April, 29 February only in leap years), second 60 only as a
    /// leap second at 23:59.
    pub fn parse(s: &str) -> Result<Self, TimestampError> {
        let b = s.as_bytes();
        let bad = |why: &'static str| TimestampError {
            value: s.to_owned(),
            reason: why,
        };
        if b.len() < 20 {
            return Err(bad("expected YYYY-MM-DDTHH:MM:SS[.s+]Z"));
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            b[r].iter().try_fold(0i64, |v, c| {
                c.is_ascii_digit().then(|| v * 10 + i64::from(c - b'0'))
            })
        };
        let shape = b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
        let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
            num(0..4),
            num(5..7),
            num(8..10),
            num(11..13),
            num(14..16),
            num(17..19),
        ) else {
            return Err(bad("expected YYYY-MM-DDTHH:MM:SS[.s+]Z"));
        };
        if !shape {
            return Err(bad("expected YYYY-MM-DDTHH:MM:SS[.s+]Z"));
        }
        let mut i = 19;
        let mut nanos = 0u32;
        let mut digits = 0u8;
        if b[i] == b'.' {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(b[i] - b'0');
                }
                i += 1;
            }
            let n = i - start;
            if n == 0 {
                return Err(bad("a '.' must be followed by digits"));
            }
            for _ in n..9 {
                nanos *= 10;
            }
            digits = u8::try_from(n).unwrap_or(u8::MAX);
        }
        if i != b.len() - 1 || b[i] != b'Z' {
            return Err(bad(
                "must end in 'Z' (UTC); offsets such as +00:00 are not allowed",
            ));
        }
        if !(1..=12).contains(&month) {
            return Err(bad("month out of range"));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(bad("day is out of range for month"));
        }
        if hour > 23 || minute > 59 || second > 60 {
            return Err(bad("time of day out of range"));
        }
        if second == 60 && !(hour == 23 && minute == 59) {
            return Err(bad("second 60 is only a leap second at 23:59"));
        }
        let days = days_from_civil(year, month, day);
        // A leap second is read as the last instant of its minute.
        let sec = second.min(59);
        Ok(Self {
            seconds: ((days * 24 + hour) * 60 + minute) * 60 + sec,
            nanos,
            digits,
        })
    }

    /// From seconds and nanoseconds since the epoch, written with
    /// millisecond precision.
    pub fn from_unix(seconds: i64, nanos: u32) -> Self {
        Self {
            seconds,
            nanos: nanos.min(999_999_999),
            digits: 3,
        }
    }

    /// The current time, with millisecond precision.
    pub fn now() -> Self {
        let now = jiff::Timestamp::now();
        let nanos = u32::try_from(now.subsec_nanosecond()).unwrap_or(0);
        Self::from_unix(now.as_second(), nanos - nanos % 1_000_000)
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.seconds
    }

    /// Nanoseconds within the second.
    pub fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// Fractional digits as written.
    pub fn precision(self) -> u8 {
        self.digits
    }

    /// Whether at least millisecond precision was written, as STIX 2.1
    /// requires of `created` and `modified`.
    pub fn has_millis(self) -> bool {
        self.digits >= 3
    }

    /// A text that sorts as the instants do: always nine fractional digits
    /// (`2016-04-06T20:03:48.000000000Z`).
    pub fn sortable(self) -> String {
        Self { digits: 9, ..self }.to_string()
    }

    /// The same instant written with at least millisecond precision.
    #[must_use]
    pub fn with_millis(self) -> Self {
        Self {
            digits: self.digits.max(3),
            ..self
        }
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        (self.seconds, self.nanos) == (other.seconds, other.nanos)
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.seconds, self.nanos).cmp(&(other.seconds, other.nanos))
    }
}

impl std::hash::Hash for Timestamp {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.seconds, self.nanos).hash(state);
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS[.fff…]Z` with the precision written (up to nine
    /// digits).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.seconds.div_euclid(86_400);
        let secs = self.seconds.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )?;
        if self.digits > 0 {
            let shown = usize::from(self.digits.min(9));
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", &frac[..shown])?;
            for _ in 9..self.digits {
                f.write_str("0")?;
            }
        }
        f.write_str("Z")
    }
}

pub(crate) fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn round_trips_and_orders() {
        for s in [
            "2016-04-06T20:03:48Z",
            "2016-04-06T20:03:48.000Z",
            "2016-04-06T20:03:48.123456789Z",
            "2000-02-29T00:00:00.1Z",
            "1969-12-31T23:59:59.999Z",
        ] {
            assert_eq!(Timestamp::parse(s).expect(s).to_string(), s);
        }
        let a = Timestamp::parse("2016-04-06T20:03:48.000Z").expect("a");
        let b = Timestamp::parse("2016-04-06T20:03:48.000123Z").expect("b");
        assert!(a < b);
        assert_eq!(a, Timestamp::parse("2016-04-06T20:03:48Z").expect("c"));
        assert!(a.has_millis());
    }

    #[test]
    fn rejects_what_stix_forbids() {
        for s in [
            "2016-04-31T00:00:00Z",
            "2017-02-29T00:00:00Z",
            "2016-04-06T20:03:48+00:00",
            "2016-04-06t20:03:48Z",
            "2016-04-06T20:03:48z",
            "2016-04-06T20:03:48.Z",
            "2016-4-06T20:03:48Z",
            "2016-04-06T24:00:00Z",
            "2016-04-06T12:30:60Z",
        ] {
            assert!(Timestamp::parse(s).is_err(), "{s}");
        }
        assert!(Timestamp::parse("2016-12-31T23:59:60Z").is_ok());
    }
}
