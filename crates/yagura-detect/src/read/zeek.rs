//! Zeek's TSV logs: the `#separator`, `#set_separator`, `#empty_field`,
//! `#unset_field` and `#fields` header lines, then one record per line.
//! Set and vector fields are visited value by value; `\xNN` escapes are
//! decoded. (Zeek's JSON logs are JSON lines.)

use crate::event::Visitor;

/// A Zeek log header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZeekHeader {
    separator: u8,
    set_separator: u8,
    empty: String,
    unset: String,
    fields: Vec<String>,
    sets: Vec<bool>,
}

impl Default for ZeekHeader {
    fn default() -> Self {
        Self {
            separator: b'\t',
            set_separator: b',',
            empty: "(empty)".into(),
            unset: "-".into(),
            fields: Vec::new(),
            sets: Vec::new(),
        }
    }
}

fn unescape_sep(v: &str) -> Option<u8> {
    if let Some(hex) = v.strip_prefix("\\x") {
        u8::from_str_radix(hex, 16).ok()
    } else {
        v.bytes().next()
    }
}

impl ZeekHeader {
    /// Takes one `#` line; false when it is not a header line Zeek writes.
    pub fn line(&mut self, line: &str) -> bool {
        let Some(rest) = line.strip_prefix('#') else {
            return false;
        };
        let (key, value) = if let Some(v) = rest.strip_prefix("separator ") {
            ("separator", v)
        } else {
            match rest.split_once(char::from(self.separator)) {
                Some(kv) => kv,
                None => (rest, ""),
            }
        };
        let sep = char::from(self.separator);
        match key {
            "separator" => match unescape_sep(value.trim()) {
                Some(s) => self.separator = s,
                None => return false,
            },
            "set_separator" => match unescape_sep(value) {
                Some(s) => self.set_separator = s,
                None => return false,
            },
            "empty_field" => value.clone_into(&mut self.empty),
            "unset_field" => value.clone_into(&mut self.unset),
            "fields" => self.fields = value.split(sep).map(str::to_owned).collect(),
            "types" => {
                self.sets = value
                    .split(sep)
                    .map(|t| t.starts_with("set[") || t.starts_with("vector["))
                    .collect();
            }
            "path" | "open" | "close" => {}
            _ => return false,
        }
        true
    }

    /// Whether the header names fields.
    pub fn is_ready(&self) -> bool {
        !self.fields.is_empty()
    }

    /// Visits one record line's fields; the error says what is wrong.
    pub fn record<V: Visitor + ?Sized>(&self, line: &str, v: &mut V) -> Result<(), String> {
        if self.fields.is_empty() {
            return Err("a record before the #fields header".into());
        }
        let mut n = 0;
        let mut scratch = String::new();
        for (i, value) in line.split(char::from(self.separator)).enumerate() {
            n = i + 1;
            let Some(name) = self.fields.get(i) else {
                return Err(format!(
                    "{} values where the header names {} fields",
                    line.split(char::from(self.separator)).count(),
                    self.fields.len()
                ));
            };
            if value == self.unset || value == self.empty {
                continue;
            }
            let mut visit = |s: &str| {
                if s.contains("\\x") {
                    scratch.clear();
                    unescape(s, &mut scratch);
                    v.field(name, &scratch, true);
                } else {
                    v.field(name, s, true);
                }
            };
            if self.sets.get(i) == Some(&true) {
                for s in value.split(char::from(self.set_separator)) {
                    visit(s);
                }
            } else {
                visit(value);
            }
        }
        if n != self.fields.len() {
            return Err(format!(
                "{n} values where the header names {} fields",
                self.fields.len()
            ));
        }
        Ok(())
    }
}

/// Decodes Zeek's `\xNN` escapes (bytes that do not form UTF-8 become
/// U+FFFD).
fn unescape(s: &str, out: &mut String) {
    let mut bytes = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && b.get(i + 1) == Some(&b'x')
            && let Some(h) = s.get(i + 2..i + 4)
            && let Ok(x) = u8::from_str_radix(h, 16)
        {
            bytes.push(x);
            i += 4;
        } else {
            bytes.push(b[i]);
            i += 1;
        }
    }
    out.push_str(&String::from_utf8_lossy(&bytes));
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::event::testutil::Collect;

    const HEAD: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#fields\tts\tid.orig_h\tquery\tanswers\n#types\ttime\taddr\tstring\tvector[string]";

    fn header() -> ZeekHeader {
        let mut h = ZeekHeader::default();
        for l in HEAD.lines() {
            assert!(h.line(l), "{l}");
        }
        h
    }

    #[test]
    fn records_are_read_by_the_header() {
        let h = header();
        let mut c = Collect::default();
        h.record(
            "1591367999.3\t10.0.0.1\tevil\\x2eexample\t1.2.3.4,5.6.7.8",
            &mut c,
        )
        .expect("record");
        assert_eq!(
            c.0,
            [
                ("ts".into(), "1591367999.3".into()),
                ("id.orig_h".into(), "10.0.0.1".into()),
                ("query".into(), "evil.example".into()),
                ("answers".into(), "1.2.3.4".into()),
                ("answers".into(), "5.6.7.8".into()),
            ]
        );
        let mut c = Collect::default();
        h.record("1.0\t-\t(empty)\t-", &mut c).expect("record");
        assert_eq!(c.0.len(), 1);
    }

    #[test]
    fn bad_records_are_refused() {
        let h = header();
        let mut c = Collect::default();
        assert!(h.record("1.0\t10.0.0.1", &mut c).is_err());
        assert!(h.record("1\t2\t3\t4\t5", &mut c).is_err());
        assert!(ZeekHeader::default().record("x", &mut c).is_err());
        assert!(!ZeekHeader::default().line("#nonsense"));
        assert!(!ZeekHeader::default().line(""));
        assert!(!ZeekHeader::default().line("fields\ta"));
    }
}
