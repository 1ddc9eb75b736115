//! Events for Sigma rules: an EVTX record's flattened fields renamed to
//! the names Sigma rules use, by a mapping kept as data
//! (`mappings/sigma-evtx.toml`, or a user file of the same shape).

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;

use crate::MappingError;
use crate::event::Visitor;

/// How record fields are named for Sigma.
#[derive(Debug, Clone)]
pub struct SigmaNames {
    /// Prefixes dropped (`*` is one name part).
    strip: Vec<Vec<String>>,
    names: HashMap<String, String>,
    remove_spaces: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    strip: Vec<String>,
    #[serde(default)]
    names: HashMap<String, String>,
    #[serde(default)]
    remove_spaces: bool,
}

impl SigmaNames {
    /// The built-in mapping for EVTX records.
    pub fn evtx() -> Self {
        Self::from_toml(include_str!("../mappings/sigma-evtx.toml")).unwrap_or_else(|_| {
            SigmaNames {
                strip: Vec::new(),
                names: HashMap::new(),
                remove_spaces: false,
            }
        })
    }

    /// A mapping from TOML text.
    pub fn from_toml(text: &str) -> Result<Self, MappingError> {
        let f: File = toml::from_str(text).map_err(|e| MappingError {
            reason: format!("not a Sigma field mapping: {e}"),
        })?;
        let strip = f
            .strip
            .iter()
            .map(|p| {
                p.trim_end_matches('.')
                    .split('.')
                    .map(str::to_owned)
                    .collect()
            })
            .collect();
        Ok(SigmaNames {
            strip,
            names: f.names,
            remove_spaces: f.remove_spaces,
        })
    }

    /// The Sigma name of a record field.
    pub fn name<'a>(&self, field: &'a str) -> Cow<'a, str> {
        let n = self.renamed(field);
        if self.remove_spaces && n.contains(' ') {
            return Cow::Owned(n.replace(' ', ""));
        }
        n
    }

    fn renamed<'a>(&self, field: &'a str) -> Cow<'a, str> {
        if let Some(n) = self.names.get(field) {
            return Cow::Owned(n.clone());
        }
        for p in &self.strip {
            let mut rest = field;
            let mut ok = true;
            for part in p {
                let (head, tail) = match rest.split_once('.') {
                    Some(x) => x,
                    None => {
                        ok = false;
                        break;
                    }
                };
                if part != "*" && head != part {
                    ok = false;
                    break;
                }
                rest = tail;
            }
            if ok && !rest.is_empty() {
                return Cow::Borrowed(rest);
            }
        }
        Cow::Borrowed(field)
    }
}

/// One event's fields by their Sigma names (a name given twice keeps its
/// first value for field tests; every value counts for keywords).
#[derive(Debug, Default, Clone)]
pub struct SigmaEvent {
    fields: Vec<(String, String)>,
    index: HashMap<String, usize>,
}

impl SigmaEvent {
    /// Clears the event for the next record.
    pub fn clear(&mut self) {
        self.fields.clear();
        self.index.clear();
    }

    /// Adds a field under its Sigma name.
    pub fn push(&mut self, name: String, value: String) {
        let at = self.fields.len();
        self.index.entry(name.clone()).or_insert(at);
        self.fields.push((name, value));
    }

    /// The event of an EVTX record (its JSON tree, `Event` unwrapped).
    pub fn of_record(record: &serde_json::Value, names: &SigmaNames) -> Self {
        struct V<'n> {
            names: &'n SigmaNames,
            out: SigmaEvent,
        }
        impl Visitor for V<'_> {
            fn field(&mut self, name: &str, value: &str, _quoted: bool) {
                let n = self.names.name(name).into_owned();
                self.out.push(n, value.to_owned());
            }
        }
        let mut v = V {
            names,
            out: SigmaEvent::default(),
        };
        crate::read::evtx::flatten(&mut String::new(), record, &mut v);
        v.out
    }
}

impl yagura_sigma::Event for SigmaEvent {
    fn field(&self, name: &str) -> Option<Cow<'_, str>> {
        self.index
            .get(name)
            .map(|&i| Cow::Borrowed(self.fields[i].1.as_str()))
    }

    fn any_value(&self, test: &mut dyn FnMut(&str) -> bool) -> bool {
        self.fields.iter().any(|(_, v)| test(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yagura_sigma::Event as _;

    #[test]
    fn record_fields_take_sigma_names() {
        let rec = serde_json::json!({
            "System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
                       "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational"},
            "EventData": {"Image": "C:\\Windows\\System32\\whoami.exe"},
            "UserData": {"LogFileCleared": {"SubjectUserName": "bob"}},
        });
        let mut rec = rec;
        rec["EventData"]["Threat Name"] = "EICAR".into();
        let e = SigmaEvent::of_record(&rec, &SigmaNames::evtx());
        assert_eq!(e.field("EventID").as_deref(), Some("1"));
        assert_eq!(
            e.field("Provider_Name").as_deref(),
            Some("Microsoft-Windows-Sysmon")
        );
        assert_eq!(
            e.field("Image").as_deref(),
            Some("C:\\Windows\\System32\\whoami.exe")
        );
        assert_eq!(e.field("SubjectUserName").as_deref(), Some("bob"));
        assert_eq!(e.field("ThreatName").as_deref(), Some("EICAR"));
        assert!(e.field("System.EventID").is_none());
        assert!(SigmaNames::from_toml("strip = 3").is_err());
        assert!(SigmaNames::from_toml("other = []").is_err());
    }
}
