//! Identifier newtypes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::InvalidId;

/// A jurisdiction: an ISO 3166-1 alpha-2 country code (upper case), where
/// data may be held.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Jurisdiction(String);

impl Jurisdiction {
    /// The code, e.g. `JP`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Jurisdiction {
    type Err = InvalidId;

    /// Two ASCII letters, any case (`jp` → `JP`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(s.to_ascii_uppercase()))
        } else {
            Err(InvalidId {
                what: "jurisdiction",
                value: s.to_owned(),
                reason: "expected an ISO 3166-1 alpha-2 code such as JP",
            })
        }
    }
}

impl TryFrom<String> for Jurisdiction {
    type Error = InvalidId;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Jurisdiction> for String {
    fn from(j: Jurisdiction) -> Self {
        j.0
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! slug_id {
    ($name:ident, $what:literal) => {
        #[doc = concat!("A ", $what, " identifier: 1 to 64 of `a-z`, `0-9`, `-`, `_`, `.`.")]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let ok = (1..=64).contains(&s.len())
                    && s.bytes().all(|b| {
                        b.is_ascii_lowercase()
                            || b.is_ascii_digit()
                            || matches!(b, b'-' | b'_' | b'.')
                    });
                if ok {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(InvalidId {
                        what: $what,
                        value: s.to_owned(),
                        reason: "use 1 to 64 of a-z, 0-9, '-', '_', '.'",
                    })
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

slug_id!(OrgId, "organization");
slug_id!(CollectionId, "collection");
slug_id!(UserId, "user");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!("jp".parse::<Jurisdiction>().expect("jp").as_str(), "JP");
        assert!("JPN".parse::<Jurisdiction>().is_err());
        assert!("jp-cert".parse::<OrgId>().is_ok());
        assert!("JP CERT".parse::<OrgId>().is_err());
        assert!("".parse::<CollectionId>().is_err());
    }
}
