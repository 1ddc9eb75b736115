//! Field mappings: which fields of a log source hold which kind of
//! observable, read from data files (TOML), not code. The built-in
//! mappings (`mappings/*.toml`: Elastic ECS, Splunk CIM, Zeek, CEF/LEEF,
//! Windows events, common vendor names) are compiled in; users add their
//! own with the same format:
//!
//! ```toml
//! name = "my-proxy"
//! time = ["ts"]               # fields that hold the event's time
//! [fields]
//! "client.addr" = "ip"
//! "req.host" = "host"         # an address or a domain, by its form
//! "req.url" = "url"
//! "msg" = "text"              # free text: IOC-shaped tokens are extracted
//! ```

use std::collections::HashMap;

use serde::Deserialize;

use crate::MappingError;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// An IPv4 or IPv6 address.
    Ip,
    /// A domain name.
    Domain,
    /// An address or a domain name, told apart by form.
    Host,
    /// A URL (also checked by its host).
    Url,
    /// A hash: MD5, SHA-1, SHA-256 or SHA-512 by its length.
    Hash,
    /// A list of hashes as Sysmon writes them (`SHA256=…,MD5=…`).
    HashList,
    /// An email address (a `Name <a@b>` form is read too).
    Email,
    /// A file name.
    FileName,
    /// A file path: checked as a whole and by its last component as a
    /// file name.
    Path,
    /// An HTTP user agent.
    UserAgent,
    /// A user account name.
    User,
    /// A Windows registry key.
    RegistryKey,
    /// A mutex name.
    Mutex,
    /// Free text: IOC-shaped tokens inside it are checked.
    Text,
    /// The event's time.
    Time,
    /// Not checked at all (not even by form).
    Ignore,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    time: Vec<String>,
    #[serde(default)]
    fields: HashMap<String, Role>,
}

/// The built-in mappings: (name, file text).
pub const BUILT_IN: [(&str, &str); 7] = [
    ("ecs", include_str!("../mappings/ecs.toml")),
    ("splunk", include_str!("../mappings/splunk.toml")),
    ("zeek", include_str!("../mappings/zeek.toml")),
    ("cef", include_str!("../mappings/cef.toml")),
    ("windows", include_str!("../mappings/windows.toml")),
    ("common", include_str!("../mappings/common.toml")),
    ("linux", include_str!("../mappings/linux.toml")),
];

type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Field names and their roles, merged from one or more mapping files.
#[derive(Debug, Clone, Default)]
pub struct FieldMap {
    roles: FastMap<Box<str>, Role>,
    names: Vec<String>,
}

impl FieldMap {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every built-in mapping merged: the default when the source is not
    /// known, so that JSON of any of their schemas is read.
    pub fn built_in() -> Self {
        let mut m = Self::new();
        for (_, text) in BUILT_IN {
            m.add_toml(text).expect("the built-in mappings are valid");
        }
        m
    }

    /// One built-in mapping by name.
    pub fn named(name: &str) -> Option<&'static str> {
        BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// Adds a mapping file's fields; a field already mapped takes the new
    /// file's role.
    pub fn add_toml(&mut self, text: &str) -> Result<(), MappingError> {
        let file: MappingFile = toml::from_str(text).map_err(|e| MappingError {
            reason: e.to_string(),
        })?;
        if file.name.trim().is_empty() {
            return Err(MappingError {
                reason: "the mapping has no name".into(),
            });
        }
        let _ = file.description;
        for t in file.time {
            self.roles.insert(t.into_boxed_str(), Role::Time);
        }
        for (f, r) in file.fields {
            if f.is_empty() {
                return Err(MappingError {
                    reason: "a field name is empty".into(),
                });
            }
            self.roles.insert(f.into_boxed_str(), r);
        }
        self.names.push(file.name);
        Ok(())
    }

    /// The role of a field, if mapped.
    #[inline]
    pub fn role(&self, field: &str) -> Option<Role> {
        if self.roles.is_empty() {
            return None;
        }
        self.roles.get(field).copied()
    }

    /// The names of the mappings merged in.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// How many fields are mapped.
    pub fn len(&self) -> usize {
        self.roles.len()
    }

    /// Whether no field is mapped.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_mappings_load_and_do_not_contradict_each_other() {
        let mut seen: HashMap<String, (Role, &str)> = HashMap::new();
        for (name, text) in BUILT_IN {
            let file: MappingFile = toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(file.name, name);
            let fields = file
                .fields
                .into_iter()
                .chain(file.time.into_iter().map(|t| (t, Role::Time)));
            for (f, r) in fields {
                if let Some((before, other)) = seen.insert(f.clone(), (r, name)) {
                    assert_eq!(
                        before, r,
                        "{f:?} is {before:?} in {other} but {r:?} in {name}"
                    );
                }
            }
        }
        let m = FieldMap::built_in();
        assert_eq!(m.role("source.ip"), Some(Role::Ip));
        assert_eq!(m.role("id.resp_h"), Some(Role::Ip));
        assert_eq!(m.role("@timestamp"), Some(Role::Time));
        assert_eq!(m.role("no.such.field"), None);
        assert_eq!(m.names().len(), BUILT_IN.len());
    }

    #[test]
    fn user_mappings_are_checked() {
        let mut m = FieldMap::new();
        m.add_toml("name = \"x\"\n[fields]\n\"a\" = \"ip\"\n")
            .expect("valid");
        assert_eq!(m.role("a"), Some(Role::Ip));
        for bad in [
            "name = \"x\"\n[fields]\n\"a\" = \"ipv9\"\n",
            "name = \"x\"\ncolour = 1\n",
            "[fields]\n\"a\" = \"ip\"\n",
            "name = \" \"\n",
            "name = \"x\"\n[fields]\n\"\" = \"ip\"\n",
        ] {
            assert!(m.add_toml(bad).is_err(), "{bad}");
        }
    }
}
