//! STIX specification versions.

use std::fmt;
use std::str::FromStr;

/// A STIX specification version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StixVersion {
    /// STIX 2.0 (2017).
    V2_0,
    /// STIX 2.1 (2021), the default.
    #[default]
    V2_1,
}

impl StixVersion {
    /// `"2.0"` or `"2.1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2_0 => "2.0",
            Self::V2_1 => "2.1",
        }
    }
}

impl fmt::Display for StixVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StixVersion {
    type Err = crate::error::UnknownVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "2.0" => Ok(Self::V2_0),
            "2.1" => Ok(Self::V2_1),
            other => Err(crate::error::UnknownVersion(other.to_owned())),
        }
    }
}
