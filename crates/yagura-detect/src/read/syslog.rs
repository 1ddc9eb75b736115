//! Syslog lines: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD]
//! MSG`) and RFC 3164 (`<PRI>Mmm dd hh:mm:ss HOST TAG: MSG`, the priority
//! optional), with CEF (`CEF:0|vendor|product|version|id|name|severity|
//! k=v …`) and LEEF (`LEEF:1.0|…|` / `LEEF:2.0|…|delimiter|`) payloads
//! read into their keys. Fields: `syslog.timestamp`, `syslog.host`,
//! `syslog.app`, structured data as `sd.<id>.<param>`, the CEF/LEEF
//! header as `cef.*` / `leef.*` and extension keys as written (`src`,
//! `dst`, `request`…), and any other message as `message` (free text).
//! The facility of the priority is `syslog.facility` (`auth`, `cron`…).
//! A message that is a Linux audit record (audispd forwarding auditd, or
//! an `audit.log` line on its own) is read by [`super::audit`], one in
//! Windows' event XML (Sysmon for Linux) by [`super::event_xml`].

use crate::event::Visitor;

/// Syslog facilities by number (RFC 5424 section 6.2.1).
const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Whether a line looks like syslog, CEF or LEEF.
pub fn looks_like(line: &str) -> bool {
    let l = line.trim_start();
    if super::audit::looks_like(l) || l.starts_with("CEF:") || l.starts_with("LEEF:") {
        return true;
    }
    if let Some(rest) = l.strip_prefix('<')
        && let Some((pri, _)) = rest.split_once('>')
    {
        return !pri.is_empty() && pri.len() <= 3 && pri.bytes().all(|c| c.is_ascii_digit());
    }
    bsd_time(l).is_some()
}

/// `Mmm dd hh:mm:ss` at the start: its length.
fn bsd_time(l: &str) -> Option<usize> {
    let b = l.as_bytes();
    if b.len() < 15 || !MONTHS.contains(&l.get(..3)?) || b[3] != b' ' {
        return None;
    }
    let t = l.get(7..15)?;
    let ok = t.as_bytes()[2] == b':' && t.as_bytes()[5] == b':';
    ok.then_some(15)
}

/// What a line's message turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// Free text (`message`), or none.
    Text,
    /// A Linux audit record.
    Audit,
    /// An event in Windows' event XML (Sysmon for Linux).
    EventXml,
    /// A CEF or LEEF record.
    Cef,
}

/// Reads one line; the error says what is wrong.
pub fn record<V: Visitor + ?Sized>(line: &str, v: &mut V) -> Result<Payload, String> {
    let mut l = line.trim_start();
    if super::audit::looks_like(l) {
        return super::audit::record(l, v).map(|()| Payload::Audit);
    }
    if let Some(rest) = l.strip_prefix('<') {
        let (pri, after) = rest
            .split_once('>')
            .ok_or("a '<' priority without its '>'")?;
        if pri.is_empty() || pri.len() > 3 || !pri.bytes().all(|c| c.is_ascii_digit()) {
            return Err(format!("{pri:?} is not a syslog priority"));
        }
        if let Some(f) = pri
            .parse::<usize>()
            .ok()
            .and_then(|p| FACILITIES.get(p / 8))
        {
            v.field("syslog.facility", f, true);
        }
        l = after;
    }
    if let Some(rest) = l.strip_prefix("1 ") {
        return rfc5424(rest, v);
    }
    if let Some(n) = bsd_time(l) {
        v.field("syslog.timestamp", &l[..n], true);
        let rest = l[n..].trim_start();
        let (host, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        v.field("syslog.host", host, true);
        // `tag[pid]: message` or a bare message
        let msg = match rest.split_once(": ") {
            Some((tag, msg)) if !tag.contains(' ') => {
                let app = tag.split('[').next().unwrap_or(tag);
                v.field("syslog.app", app, true);
                msg
            }
            _ => rest,
        };
        return payload(msg, v);
    }
    payload(l, v)
}

fn rfc5424<V: Visitor + ?Sized>(rest: &str, v: &mut V) -> Result<Payload, String> {
    let mut parts = rest.splitn(5, ' ');
    let names = [
        "syslog.timestamp",
        "syslog.host",
        "syslog.app",
        "syslog.procid",
    ];
    for name in names {
        let p = parts.next().ok_or("an RFC 5424 header cut short")?;
        if p != "-" {
            v.field(name, p, true);
        }
    }
    let rest = parts.next().ok_or("an RFC 5424 header cut short")?;
    let (_msgid, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let msg = structured(rest, v)?;
    payload(msg.trim_start_matches('\u{feff}'), v)
}

/// Structured data (`-` or `[id k="v" …]…`): its params; the rest.
fn structured<'a, V: Visitor + ?Sized>(s: &'a str, v: &mut V) -> Result<&'a str, String> {
    if let Some(rest) = s.strip_prefix('-') {
        return Ok(rest.trim_start());
    }
    let mut s = s;
    let mut name = String::new();
    while let Some(rest) = s.strip_prefix('[') {
        let (id, mut r) = rest
            .split_once([' ', ']'])
            .map(|(a, _)| (a, &rest[a.len()..]))
            .ok_or("structured data without its ']'")?;
        loop {
            r = r.trim_start_matches(' ');
            if let Some(after) = r.strip_prefix(']') {
                s = after;
                break;
            }
            let (param, after) = r
                .split_once("=\"")
                .ok_or("a structured-data param without =\"")?;
            // The value ends at the first '"' not escaped by '\'.
            let b = after.as_bytes();
            let mut end = None;
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => {
                        end = Some(i);
                        break;
                    }
                    _ => i += 1,
                }
            }
            let end = end.ok_or("a structured-data value without its closing quote")?;
            name.clear();
            name.push_str("sd.");
            name.push_str(id);
            name.push('.');
            name.push_str(param);
            let value = after[..end]
                .replace("\\\"", "\"")
                .replace("\\]", "]")
                .replace("\\\\", "\\");
            v.field(&name, &value, true);
            r = &after[end + 1..];
        }
    }
    Ok(s.trim_start())
}

fn payload<V: Visitor + ?Sized>(msg: &str, v: &mut V) -> Result<Payload, String> {
    let m = msg.trim_start();
    if let Some(at) = m
        .find("CEF:")
        .filter(|&i| i == 0 || m.as_bytes()[i - 1] == b' ')
    {
        return cef(&m[at + 4..], v).map(|()| Payload::Cef);
    }
    if let Some(at) = m
        .find("LEEF:")
        .filter(|&i| i == 0 || m.as_bytes()[i - 1] == b' ')
    {
        return leef(&m[at + 5..], v).map(|()| Payload::Cef);
    }
    // The kernel's audit lines start `audit: type=…`.
    let audit = m.strip_prefix("audit: ").unwrap_or(m);
    if super::audit::looks_like(audit) {
        return super::audit::record(audit, v).map(|()| Payload::Audit);
    }
    if super::event_xml::looks_like(m) {
        return super::event_xml::record(m, v).map(|()| Payload::EventXml);
    }
    if !m.is_empty() {
        v.field("message", m, true);
    }
    Ok(Payload::Text)
}

/// Splits a CEF header on unescaped `|`, `n` parts then the rest.
fn header_parts(s: &str, n: usize) -> Option<(Vec<String>, &str)> {
    let mut parts = Vec::with_capacity(n);
    let mut cur = String::new();
    let mut it = s.char_indices();
    while let Some((i, c)) = it.next() {
        match c {
            '\\' => match it.next() {
                Some((_, e)) => cur.push(e),
                None => cur.push('\\'),
            },
            '|' => {
                parts.push(std::mem::take(&mut cur));
                if parts.len() == n {
                    return Some((parts, &s[i + 1..]));
                }
            }
            _ => cur.push(c),
        }
    }
    None
}

fn cef<V: Visitor + ?Sized>(s: &str, v: &mut V) -> Result<(), String> {
    let (head, ext) = header_parts(s, 7).ok_or("a CEF header with fewer than 7 '|' fields")?;
    for (name, value) in [
        "cef.version",
        "cef.vendor",
        "cef.product",
        "cef.device_version",
        "cef.signature",
        "cef.name",
        "cef.severity",
    ]
    .iter()
    .zip(&head)
    {
        if !value.is_empty() {
            v.field(name, value, true);
        }
    }
    // Extension: `key=value` pairs; a value runs to the space before the
    // next `key=`; `\=`, `\\`, `\n` escaped.
    let b = ext.as_bytes();
    let mut keys: Vec<(usize, usize)> = Vec::new(); // (key start, '=' position)
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == b'=' {
            let mut k = i;
            while k > 0
                && (b[k - 1].is_ascii_alphanumeric() || b[k - 1] == b'_' || b[k - 1] == b'.')
            {
                k -= 1;
            }
            if k < i && (k == 0 || b[k - 1] == b' ') {
                keys.push((k, i));
            }
        }
        i += 1;
    }
    if keys.is_empty() && !ext.trim().is_empty() {
        return Err("a CEF extension with no key=value pair".into());
    }
    for (n, &(k, eq)) in keys.iter().enumerate() {
        let end = keys.get(n + 1).map_or(b.len(), |&(next, _)| next);
        let raw = ext[eq + 1..end].trim_end();
        let value = if raw.contains('\\') {
            raw.replace("\\=", "=")
                .replace("\\n", "\n")
                .replace("\\r", "\r")
                .replace("\\\\", "\\")
        } else {
            raw.to_owned()
        };
        v.field(&ext[k..eq], &value, true);
    }
    Ok(())
}

fn leef<V: Visitor + ?Sized>(s: &str, v: &mut V) -> Result<(), String> {
    let version = s.split('|').next().unwrap_or("");
    let (head, rest) = match version {
        "1.0" => header_parts(s, 5).ok_or("a LEEF 1.0 header with fewer than 5 '|' fields")?,
        "2.0" => header_parts(s, 6).ok_or("a LEEF 2.0 header with fewer than 6 '|' fields")?,
        other => return Err(format!("LEEF version {other:?} is not 1.0 or 2.0")),
    };
    for (name, value) in [
        "leef.version",
        "leef.vendor",
        "leef.product",
        "leef.product_version",
        "leef.event_id",
    ]
    .iter()
    .zip(&head)
    {
        if !value.is_empty() {
            v.field(name, value, true);
        }
    }
    let delim = match head.get(5).map(String::as_str) {
        None | Some("") => "\t".to_owned(),
        Some(d) if d.starts_with("0x") || d.starts_with("x") => {
            let hex = d.trim_start_matches('0').trim_start_matches('x');
            let c = u32::from_str_radix(hex, 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| format!("{d:?} is not a LEEF delimiter"))?;
            c.to_string()
        }
        Some(d) => d.to_owned(),
    };
    for pair in rest.split(delim.as_str()) {
        if pair.trim().is_empty() {
            continue;
        }
        let (k, val) = pair
            .split_once('=')
            .ok_or_else(|| format!("LEEF attribute {pair:?} has no '='"))?;
        if !val.is_empty() {
            v.field(k.trim(), val, true);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Result<Vec<(String, String)>, String> {
        crate::event::testutil::fields(|c| record(line, c))
    }

    fn has(got: &[(String, String)], k: &str, v: &str) -> bool {
        got.iter().any(|(a, b)| a == k && b == v)
    }

    #[test]
    fn rfc3164_with_a_message() {
        let got = read("<34>Oct 11 22:14:15 mymachine su[12]: 'su root' failed for lonvick on /dev/pts/8 from 203.0.113.9").expect("ok");
        assert!(has(&got, "syslog.timestamp", "Oct 11 22:14:15"));
        assert!(has(&got, "syslog.host", "mymachine"));
        assert!(has(&got, "syslog.app", "su"));
        assert!(
            got.last()
                .is_some_and(|(k, v)| k == "message" && v.ends_with("203.0.113.9"))
        );
        assert!(looks_like("Oct 11 22:14:15 host x"));
        assert!(!looks_like("{\"a\":1}"));
    }

    #[test]
    fn rfc5424_with_structured_data() {
        let got = read(r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" src="198.51.100.7" eventSource="Appl\"ication"] An application event"#).expect("ok");
        assert!(has(&got, "syslog.timestamp", "2003-10-11T22:14:15.003Z"));
        assert!(has(&got, "syslog.host", "mymachine.example.com"));
        assert!(has(&got, "sd.exampleSDID@32473.src", "198.51.100.7"));
        assert!(has(
            &got,
            "sd.exampleSDID@32473.eventSource",
            "Appl\"ication"
        ));
        assert!(has(&got, "message", "An application event"));
        assert!(read("<165>1 2003-10-11T22:14:15.003Z host app - ID47 [x a=\"1").is_err());
    }

    #[test]
    fn cef_and_leef_payloads() {
        let got = read(r"<13>Jan 18 11:07:53 host CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=198.51.100.7 spt=1232 request=http://evil.example/a\=b msg=Detected a threat. No action needed").expect("ok");
        assert!(has(&got, "cef.vendor", "Security"));
        assert!(has(&got, "cef.name", "worm successfully stopped"));
        assert!(has(&got, "dst", "198.51.100.7"));
        assert!(has(&got, "request", "http://evil.example/a=b"));
        assert!(has(&got, "msg", "Detected a threat. No action needed"));
        let got = read("CEF:0|V|P|1|2|pipe \\| in name|5|").expect("ok");
        assert!(has(&got, "cef.name", "pipe | in name"));
        assert!(read("CEF:0|V|P|1").is_err());
        let got = read(
            "LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.1\tdst=198.51.100.7\tsev=5",
        )
        .expect("ok");
        assert!(has(&got, "dst", "198.51.100.7"));
        let got = read("LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=192.0.2.1^dst=198.51.100.8")
            .expect("ok");
        assert!(has(&got, "dst", "198.51.100.8"));
        let got = read("LEEF:2.0|V|P|1.0|41|0x7c|src=192.0.2.1|dst=198.51.100.9").expect("ok");
        assert!(has(&got, "dst", "198.51.100.9"));
        assert!(read("LEEF:3.0|V|P|1|2|").is_err());
    }

    #[test]
    fn bad_priorities_are_refused() {
        assert!(read("<x>Oct 11 22:14:15 h m").is_err());
        assert!(read("<1234>Oct 11 22:14:15 h m").is_err());
        assert!(read("<12 no close").is_err());
    }
}
