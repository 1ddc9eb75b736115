//! Events as readers give them: a record's fields streamed to a
//! [`Visitor`], one `(name, value)` at a time, borrowed from the input
//! wherever the format allows. No reader builds a tree or a map per record.

/// Receives the fields of one record.
pub trait Visitor {
    /// One field: its name (dotted for nested JSON, `EventData.Image` for
    /// EVTX), its value as text, and whether the format quoted it as a
    /// string (numbers and booleans are not).
    fn field(&mut self, name: &str, value: &str, quoted: bool);
}

/// Where a record is in its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    /// A line number, from 1.
    Line(u64),
    /// An EVTX event record id.
    Record(u64),
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Line(n) => write!(f, "line {n}"),
            Self::Record(n) => write!(f, "record {n}"),
        }
    }
}

/// A visitor that keeps every field, for tests.
#[cfg(test)]
pub(crate) mod testutil {
    use super::Visitor;

    /// Every `(name, value)` visited, in order.
    #[derive(Debug, Default)]
    pub(crate) struct Collect(pub(crate) Vec<(String, String)>);

    impl Visitor for Collect {
        fn field(&mut self, name: &str, value: &str, _: bool) {
            self.0.push((name.into(), value.into()));
        }
    }

    /// Every `(name, value)` a reader visits in one record, or its error.
    pub(crate) fn fields<T>(
        read: impl FnOnce(&mut Collect) -> Result<T, String>,
    ) -> Result<Vec<(String, String)>, String> {
        let mut c = Collect::default();
        read(&mut c)?;
        Ok(c.0)
    }
}
