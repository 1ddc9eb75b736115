//! A YAML document as plain data, read with serde-saphyr under a budget:
//! Sigma's detection section has no fixed shape, so a rule is read into
//! this tree first and checked from there. Mapping keys are kept in order
//! and must be scalars; a repeated key is an error (serde-saphyr's
//! default), as are anchors and aliases past the budget (alias bombs).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A YAML node.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Yaml>),
    /// A mapping, in document order.
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A string, or a number or bool written as one (`EventID: 4688` is
    /// matched as `4688`).
    pub fn as_scalar_text(&self) -> Option<String> {
        match self {
            Yaml::Str(s) => Some(s.clone()),
            Yaml::Int(i) => Some(i.to_string()),
            Yaml::Float(f) => Some(f.to_string()),
            Yaml::Bool(b) => Some(b.to_string()),
            Yaml::Null | Yaml::Seq(_) | Yaml::Map(_) => None,
        }
    }

    /// What kind of node this is, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Yaml::Null => "null",
            Yaml::Bool(_) => "a boolean",
            Yaml::Int(_) | Yaml::Float(_) => "a number",
            Yaml::Str(_) => "a string",
            Yaml::Seq(_) => "a list",
            Yaml::Map(_) => "a mapping",
        }
    }
}

/// Reads every document of `text` (rules may be collections separated by
/// `---`), refusing inputs past the budget. The plain YAML most rules are
/// written in is read by a fast reader that leaves everything else to the
/// full parser.
pub fn documents(text: &str) -> Result<Vec<Yaml>, String> {
    match crate::fast_yaml::documents(text) {
        Some(docs) => Ok(docs),
        None => full_documents(text),
    }
}

/// What the fast reader makes of `text`: `None` when it leaves the text
/// to the full parser (for the differential tests and the fuzz target).
pub fn fast_documents(text: &str) -> Option<Vec<Yaml>> {
    crate::fast_yaml::documents(text)
}

/// Reads every document of `text` with the full parser only.
pub fn full_documents(text: &str) -> Result<Vec<Yaml>, String> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_total_scalar_bytes: 8 << 20,
            max_documents: 4096,
            max_nodes: 1 << 20,
            max_depth: 64,
            max_anchors: 1024,
            max_aliases: 1024,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
        },
        // YAML 1.2's booleans only: `off`, `yes`, `no`, `on` are the words
        // rules mean (`CommandLine|contains|all: [state, off]`), not false
        // and true.
        strict_booleans: true,
    };
    serde_saphyr::from_multiple_with_options::<Yaml>(text, options).map_err(|e| e.to_string())
}

impl<'de> Deserialize<'de> for Yaml {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(YamlVisitor)
    }
}

struct YamlVisitor;

impl<'de> Visitor<'de> for YamlVisitor {
    type Value = Yaml;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML node")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Yaml, D::Error> {
        Yaml::deserialize(d)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Yaml, E> {
        Ok(Yaml::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Yaml, E> {
        Ok(Yaml::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Yaml, E> {
        Ok(i64::try_from(v).map_or_else(|_| Yaml::Str(v.to_string()), Yaml::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Yaml, E> {
        Ok(Yaml::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Yaml, E> {
        Ok(Yaml::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Yaml, E> {
        Ok(Yaml::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Yaml, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Yaml>()? {
            out.push(v);
        }
        Ok(Yaml::Seq(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Yaml, A::Error> {
        let mut out: Vec<(String, Yaml)> = Vec::new();
        while let Some(k) = map.next_key::<Yaml>()? {
            let Some(key) = k
                .as_scalar_text()
                .or_else(|| (k == Yaml::Null).then(String::new))
            else {
                return Err(de::Error::custom(format!(
                    "a mapping key must be a scalar, not {}",
                    k.kind()
                )));
            };
            let v = map.next_value::<Yaml>()?;
            if out.iter().any(|(k, _)| *k == key) {
                return Err(de::Error::custom(format!("the key `{key}` is repeated")));
            }
            out.push((key, v));
        }
        Ok(Yaml::Map(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_read_in_order_with_scalars_kept() {
        let docs = documents("a: 1\nb: [x, 'y', null]\n---\nc: {d: true}\n").expect("valid");
        assert_eq!(docs.len(), 2);
        // YAML 1.1's other booleans are words (`state off`), in both readers.
        for docs in [
            documents("a: [state, off, yes, N]\n"),
            full_documents("a: [state, off, yes, N]\n"),
        ] {
            let words = ["state", "off", "yes", "N"].map(|w| Yaml::Str(w.into()));
            assert_eq!(
                docs.expect("valid")[0].get("a"),
                Some(&Yaml::Seq(words.to_vec()))
            );
        }
        assert_eq!(docs[0].get("a"), Some(&Yaml::Int(1)));
        assert_eq!(
            docs[0].get("b"),
            Some(&Yaml::Seq(vec![
                Yaml::Str("x".into()),
                Yaml::Str("y".into()),
                Yaml::Null
            ]))
        );
        assert_eq!(
            docs[1].get("c").and_then(|c| c.get("d")),
            Some(&Yaml::Bool(true))
        );
    }

    #[test]
    fn bad_yaml_repeated_keys_and_alias_bombs_are_refused() {
        assert!(documents("a: [1, 2\n").is_err());
        assert!(documents("a: 1\na: 2\n").is_err());
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(documents(&bomb).is_err(), "an alias bomb is refused");
    }
}
