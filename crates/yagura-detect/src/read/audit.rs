//! Linux audit records, as auditd writes them to `audit.log` and as its
//! syslog plugin (audispd) forwards them:
//!
//! ```text
//! [node=HOST ]type=EXECVE msg=audit(1700000000.123:4242): argc=2 a0="ls" a1=2F746D7020
//! ```
//!
//! Fields: `type`, `node`, the record's time as `audit.time` (RFC 3339,
//! UTC) and its serial as `audit.serial`, then every `key=value` as
//! written. A user-space record's `msg='k=v …'` is read into its keys (a
//! `SERVICE_STOP`'s `unit`, a `USER_LOGIN`'s `acct`). Values auditd
//! hex-encodes because they hold spaces, quotes or control characters
//! (`EXECVE` arguments, `proctitle`, `name`, `exe`, `comm`, `cwd`, …) are
//! decoded (NULs between `proctitle` arguments read as spaces, as
//! `ausearch -i` shows them). The interpreted fields of the ENRICHED log
//! format (after a `\x1d`: `SYSCALL=execve`, `AUID="alice"`) are fields too,
//! under their upper-case names.

use crate::event::Visitor;

/// The field an audit record's serial number is given as: it tells
/// audit records from other syslog lines.
pub const SERIAL: &str = "audit.serial";

/// Whether a line is an audit record.
pub fn looks_like(line: &str) -> bool {
    let l = line.trim_start();
    let l = match l.strip_prefix("node=") {
        Some(rest) => rest.split_once(' ').map_or("", |(_, r)| r),
        None => l,
    };
    l.starts_with("type=") && (l.contains(" msg=audit(") || l.contains(" audit("))
}

/// Reads one record; the error says what is wrong.
pub fn record<V: Visitor + ?Sized>(line: &str, v: &mut V) -> Result<(), String> {
    let mut l = line.trim();
    if let Some(rest) = l.strip_prefix("node=") {
        let (node, rest) = rest
            .split_once(' ')
            .ok_or("a node= with no record after it")?;
        v.field("node", node, true);
        l = rest;
    }
    let rest = l
        .strip_prefix("type=")
        .ok_or("not an audit record (no type=)")?;
    let (kind, rest) = rest
        .split_once(' ')
        .ok_or("an audit record with nothing after its type")?;
    v.field("type", kind, true);
    // The kernel's own lines (`audit: type=1400 audit(…)`) have no `msg=`.
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("msg=audit(")
        .or_else(|| rest.strip_prefix("audit("))
        .ok_or("an audit record without msg=audit(…)")?;
    let (stamp, rest) = rest
        .split_once("):")
        .ok_or("msg=audit( without its closing \"):\"")?;
    let (time, serial) = stamp
        .split_once(':')
        .ok_or_else(|| format!("{stamp:?} is not an audit time:serial"))?;
    v.field("audit.time", &rfc3339(time)?, true);
    if serial.is_empty() || !serial.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!("{serial:?} is not an audit serial number"));
    }
    v.field(SERIAL, serial, false);
    let (raw, enriched) = rest.split_once('\u{1d}').unwrap_or((rest, ""));
    fields(raw, kind, v)?;
    fields(enriched, kind, v)
}

/// `SEC.MS` since 1970 as RFC 3339.
fn rfc3339(time: &str) -> Result<String, String> {
    let bad = || format!("{time:?} is not an audit time (seconds.milliseconds)");
    let (s, ms) = time.split_once('.').unwrap_or((time, "0"));
    if s.is_empty()
        || !s.bytes().all(|c| c.is_ascii_digit())
        || !ms.bytes().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let secs: i64 = s.parse().map_err(|_| bad())?;
    let frac = format!("{ms:0<3}");
    let millis: i64 = frac[..3].parse().map_err(|_| bad())?;
    let t = jiff::Timestamp::from_millisecond(secs.checked_mul(1000).ok_or_else(bad)? + millis)
        .map_err(|_| bad())?;
    Ok(format!("{t:.3}"))
}

/// The `key=value` pairs of `s`.
fn fields<V: Visitor + ?Sized>(s: &str, kind: &str, v: &mut V) -> Result<(), String> {
    let mut s = s.trim_start();
    while !s.is_empty() {
        let eq = s
            .find(['=', ' '])
            .filter(|&i| s.as_bytes()[i] == b'=')
            .ok_or_else(|| format!("{:?} is not a key=value field", first_word(s)))?;
        let key = &s[..eq];
        if key.is_empty() {
            return Err(format!("{:?}: a value with no key", first_word(s)));
        }
        let after = &s[eq + 1..];
        let (value, rest) = match after.as_bytes().first() {
            Some(&q @ (b'"' | b'\'')) => {
                let close = after[1..]
                    .find(q as char)
                    .ok_or_else(|| format!("the value of {key} has no closing {}", q as char))?;
                let value = &after[1..1 + close];
                let rest = &after[2 + close..];
                if q == b'\'' && key == "msg" && looks_like_fields(value) {
                    // A user-space record's own fields.
                    fields(value, kind, v)?;
                } else {
                    v.field(key, value, true);
                }
                (None, rest)
            }
            _ => {
                let end = after.find(' ').unwrap_or(after.len());
                (Some(&after[..end]), &after[end..])
            }
        };
        if let Some(value) = value {
            match decoded(key, kind, value) {
                Some(text) => v.field(key, &text, true),
                None => v.field(key, value, false),
            }
        }
        s = rest.trim_start();
    }
    Ok(())
}

fn first_word(s: &str) -> &str {
    let w = s.split(' ').next().unwrap_or(s);
    w.get(..w.len().min(40)).unwrap_or(w)
}

/// Whether the text of a `msg='…'` is itself `key=value` pairs.
fn looks_like_fields(s: &str) -> bool {
    s.split(' ')
        .next()
        .and_then(|w| w.split_once('='))
        .is_some_and(|(k, _)| {
            !k.is_empty()
                && k.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        })
}

/// The fields whose values auditd writes in hex when they hold a space, a
/// quote or a control character (auparse's "encoded" fields).
fn encoded(key: &str, kind: &str) -> bool {
    let arg = key.strip_prefix('a').is_some_and(|n| {
        !n.is_empty()
            && n.split('[')
                .next()
                .is_some_and(|d| d.bytes().all(|c| c.is_ascii_digit()))
    });
    (arg && kind == "EXECVE")
        || matches!(
            key,
            "proctitle"
                | "name"
                | "cwd"
                | "exe"
                | "comm"
                | "ocomm"
                | "path"
                | "key"
                | "cmd"
                | "data"
                | "acct"
                | "dir"
                | "file"
                | "watch"
                | "vm"
                | "old-chardev"
                | "new-chardev"
                | "old-disk"
                | "new-disk"
                | "old-fs"
                | "new-fs"
                | "old-net"
                | "new-net"
                | "device"
                | "cgroup"
                | "root_dir"
                | "sw"
        )
}

/// A hex-encoded value as text, if `key` is one auditd encodes and the
/// value is hex.
fn decoded(key: &str, kind: &str, value: &str) -> Option<String> {
    if value.len() < 2
        || !value.len().is_multiple_of(2)
        || !value
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
        || !encoded(key, kind)
    {
        return None;
    }
    let bytes: Vec<u8> = value
        .as_bytes()
        .chunks(2)
        .map(|p| {
            let d = |c: u8| {
                if c.is_ascii_digit() {
                    c - b'0'
                } else {
                    c - b'A' + 10
                }
            };
            d(p[0]) << 4 | d(p[1])
        })
        .collect();
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if key == "proctitle" {
        text = text.trim_end_matches('\0').replace('\0', " ");
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Result<Vec<(String, String)>, String> {
        crate::event::testutil::fields(|c| record(line, c))
    }

    fn get<'a>(got: &'a [(String, String)], k: &str) -> Option<&'a str> {
        got.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn an_execve_record_with_encoded_arguments() {
        let line = "type=EXECVE msg=audit(1700000000.123:4242): argc=3 a0=\"bash\" a1=\"-c\" \
                    a2=6563686F20227069776E656422";
        assert!(looks_like(line));
        let got = read(line).unwrap();
        assert_eq!(get(&got, "type"), Some("EXECVE"));
        assert_eq!(get(&got, "audit.time"), Some("2023-11-14T22:13:20.123Z"));
        assert_eq!(get(&got, SERIAL), Some("4242"));
        assert_eq!(get(&got, "argc"), Some("3"));
        assert_eq!(get(&got, "a0"), Some("bash"));
        assert_eq!(get(&got, "a1"), Some("-c"));
        assert_eq!(get(&got, "a2"), Some("echo \"piwned\""));
    }

    #[test]
    fn syscall_arguments_are_numbers_not_text() {
        let line = "type=SYSCALL msg=audit(1700000000.5:7): arch=c000003e syscall=103 a0=10 \
                    exe=\"/usr/bin/dmesg\" key=(null)\u{1d}ARCH=x86_64 SYSCALL=syslog AUID=\"alice\"";
        let got = read(line).unwrap();
        assert_eq!(get(&got, "a0"), Some("10"));
        assert_eq!(get(&got, "audit.time"), Some("2023-11-14T22:13:20.500Z"));
        assert_eq!(get(&got, "exe"), Some("/usr/bin/dmesg"));
        assert_eq!(get(&got, "key"), Some("(null)"));
        assert_eq!(get(&got, "SYSCALL"), Some("syslog"));
        assert_eq!(get(&got, "AUID"), Some("alice"));
    }

    #[test]
    fn a_user_space_message_is_read_into_its_keys() {
        let line = "node=web1 type=SERVICE_STOP msg=audit(1700000000.000:9): pid=1 uid=0 \
                    auid=4294967295 ses=4294967295 msg='unit=firewalld comm=\"systemd\" \
                    exe=\"/usr/lib/systemd/systemd\" hostname=? addr=? terminal=? res=success'";
        assert!(looks_like(line));
        let got = read(line).unwrap();
        assert_eq!(get(&got, "node"), Some("web1"));
        assert_eq!(get(&got, "unit"), Some("firewalld"));
        assert_eq!(get(&got, "comm"), Some("systemd"));
        assert_eq!(get(&got, "res"), Some("success"));
        assert_eq!(get(&got, "msg"), None);
    }

    #[test]
    fn proctitle_arguments_read_as_one_command_line() {
        let line = "type=PROCTITLE msg=audit(1.0:1): proctitle=636174002F6574632F736861646F77";
        let got = read(line).unwrap();
        assert_eq!(get(&got, "proctitle"), Some("cat /etc/shadow"));
    }

    #[test]
    fn broken_records_say_what_is_wrong() {
        for (line, says) in [
            ("type=EXECVE", "nothing after its type"),
            ("type=EXECVE msg=audit(1.0:1 a0=x", "closing"),
            ("type=EXECVE msg=audit(x.0:1): a0=1", "not an audit time"),
            ("type=EXECVE msg=audit(1.0:z): a0=1", "serial"),
            ("type=EXECVE msg=audit(1.0:1): a0=\"open", "no closing"),
            ("type=EXECVE msg=audit(1.0:1): junk", "not a key=value"),
            (
                "type=EXECVE msg=audit(99999999999999999.0:1): a=1",
                "not an audit time",
            ),
        ] {
            let e = read(line).unwrap_err();
            assert!(e.contains(says), "{line}: {e}");
        }
    }
}
