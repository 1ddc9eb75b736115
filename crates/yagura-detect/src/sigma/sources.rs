//! Sigma log sources → where their events come from, as data
//! (`mappings/sigma-logsources.toml`): for product `windows`, EVTX
//! channels and EventIDs; for product `linux`, the syslog programs and
//! facilities of a service, the audit records of `auditd`, and the
//! channels and EventIDs of Sysmon for Linux for the categories.

use std::collections::HashMap;

use serde::Deserialize;

use crate::MappingError;

/// What kind of log an event was read from: it decides which routes
/// reach it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A Windows event: an EVTX record, or one exported as JSON.
    #[default]
    Windows,
    /// A syslog line with a message (Sysmon for Linux's event XML too).
    Syslog,
    /// A Linux audit record (`audit.log`, or forwarded by syslog).
    Audit,
    /// Anything else (a CEF or LEEF line, a Zeek record): no Sigma route
    /// reaches it.
    Other,
}

/// Which Linux log a service's route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Log {
    /// Syslog lines.
    Syslog,
    /// Audit records.
    Audit,
}

/// A route's renames, looked up for each field a rule reads of an event
/// routed by it (SipHash was 1% of a hunt's instructions).
pub(super) type Renames = HashMap<String, String, foldhash::fast::FixedState>;

/// One way a log source's events arrive: on these channels (any when
/// empty), with these EventIDs (any when `None`), fields renamed; or, for
/// a Linux service, in this log, from these programs or facilities (any
/// when both are empty).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Route {
    #[serde(default)]
    pub(super) channels: Vec<String>,
    #[serde(default)]
    pub(super) event_ids: Option<Vec<u32>>,
    /// The rule's field → the event's field.
    #[serde(default)]
    pub(super) rename: Renames,
    /// A Linux service's log (`None`: a channel route).
    #[serde(default)]
    pub(super) log: Option<Log>,
    /// Syslog programs (the tag before `[pid]:`), compared without case.
    #[serde(default)]
    pub(super) programs: Vec<String>,
    /// Syslog facilities (`auth`, `authpriv`…).
    #[serde(default)]
    pub(super) facilities: Vec<String>,
}

/// The routes of one product's services and categories.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Product {
    #[serde(default)]
    service: HashMap<String, Route>,
    #[serde(default)]
    category: HashMap<String, Vec<Route>>,
}

/// Sigma log sources → routes, as data (`mappings/sigma-logsources.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSources {
    /// Product `windows` (and rules that name no product).
    #[serde(default)]
    service: HashMap<String, Route>,
    #[serde(default)]
    category: HashMap<String, Vec<Route>>,
    /// Product `linux`.
    #[serde(default)]
    linux: Product,
}

impl LogSources {
    /// The built-in table.
    pub fn built_in() -> Self {
        Self::from_toml(include_str!("../../mappings/sigma-logsources.toml"))
            .expect("the built-in table is valid")
    }

    /// A table from TOML text.
    pub fn from_toml(text: &str) -> Result<Self, MappingError> {
        let t: Self = toml::from_str(text).map_err(|e| MappingError {
            reason: format!("not a Sigma log-source table: {e}"),
        })?;
        let windows = t.service.values().chain(t.category.values().flatten());
        if windows
            .chain(t.linux.category.values().flatten())
            .any(|r| r.log.is_some())
        {
            return Err(MappingError {
                reason: "not a Sigma log-source table: `log` is for Linux services only".into(),
            });
        }
        if let Some((name, _)) = t
            .linux
            .service
            .iter()
            .find(|(_, r)| r.log.is_none() || !r.channels.is_empty() || r.event_ids.is_some())
        {
            return Err(MappingError {
                reason: format!(
                    "not a Sigma log-source table: Linux service `{name}` needs a `log` \
                     and no channels or event_ids"
                ),
            });
        }
        Ok(t)
    }

    /// The routes of a rule's log source, or why it has none.
    pub(super) fn routes(&self, ls: &yagura_sigma::LogSource) -> Result<Vec<Route>, String> {
        match ls.product.as_deref() {
            None | Some("windows") => self.windows(ls),
            Some("linux") => self.linux(ls),
            Some(p) => Err(format!(
                "log source product `{p}`: Yagura reads Windows event logs and Linux syslog \
                 and audit logs"
            )),
        }
    }

    fn windows(&self, ls: &yagura_sigma::LogSource) -> Result<Vec<Route>, String> {
        let service = match &ls.service {
            Some(s) => Some(
                self.service
                    .get(s)
                    .ok_or_else(|| format!("log source service `{s}` has no EVTX route"))?,
            ),
            None => None,
        };
        let routes = match &ls.category {
            Some(c) => {
                let mut r = self
                    .category
                    .get(c)
                    .cloned()
                    .ok_or_else(|| format!("log source category `{c}` has no EVTX route"))?;
                if let Some(s) = service {
                    // The category's routes on the service's channels.
                    for route in &mut r {
                        route
                            .channels
                            .retain(|ch| s.channels.iter().any(|x| x.eq_ignore_ascii_case(ch)));
                    }
                    r.retain(|route| !route.channels.is_empty());
                    if r.is_empty() {
                        return Err(format!(
                            "log source category `{c}` is not carried by service `{}`",
                            ls.service.as_deref().unwrap_or_default()
                        ));
                    }
                }
                r
            }
            None => vec![service.cloned().unwrap_or_default()],
        };
        Ok(routes)
    }

    fn linux(&self, ls: &yagura_sigma::LogSource) -> Result<Vec<Route>, String> {
        let t = &self.linux;
        match (&ls.category, &ls.service) {
            (Some(c), None) => {
                t.category.get(c).cloned().ok_or_else(|| {
                    format!("log source category `{c}` of product linux has no route")
                })
            }
            (None, Some(s)) => {
                t.service.get(s).map(|r| vec![r.clone()]).ok_or_else(|| {
                    format!("log source service `{s}` of product linux has no route")
                })
            }
            (None, None) => Ok(vec![Route {
                log: Some(Log::Syslog),
                ..Route::default()
            }]),
            (Some(c), Some(s)) => Err(format!(
                "log source category `{c}` with service `{s}` of product linux has no route"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(product: &str, category: Option<&str>, service: Option<&str>) -> yagura_sigma::LogSource {
        yagura_sigma::LogSource {
            product: Some(product.into()),
            category: category.map(Into::into),
            service: service.map(Into::into),
        }
    }

    #[test]
    fn linux_log_sources_take_syslog_audit_and_sysmon_routes() {
        let t = LogSources::built_in();
        let r = t.routes(&ls("linux", None, Some("sshd"))).unwrap();
        assert_eq!(r[0].log, Some(Log::Syslog));
        assert_eq!(r[0].programs, ["sshd"]);
        let r = t.routes(&ls("linux", None, Some("auditd"))).unwrap();
        assert_eq!(r[0].log, Some(Log::Audit));
        let r = t
            .routes(&ls("linux", Some("process_creation"), None))
            .unwrap();
        assert_eq!(r[0].channels, ["Linux-Sysmon/Operational"]);
        assert_eq!(r[0].event_ids.as_deref(), Some(&[1][..]));
        let r = t.routes(&ls("linux", None, None)).unwrap();
        assert_eq!((r[0].log, r[0].programs.len()), (Some(Log::Syslog), 0));
        let e = t.routes(&ls("linux", None, Some("nope"))).unwrap_err();
        assert!(e.contains("`nope`"), "{e}");
        let e = t.routes(&ls("macos", None, None)).unwrap_err();
        assert!(e.contains("`macos`"), "{e}");
    }

    #[test]
    fn a_table_that_mixes_route_kinds_is_refused() {
        for bad in [
            "[service]\nx = { log = \"syslog\" }",
            "[linux.service]\nx = { programs = [\"a\"] }",
            "[linux.service]\nx = { log = \"audit\", channels = [\"a\"] }",
        ] {
            assert!(LogSources::from_toml(bad).is_err(), "{bad}");
        }
    }
}
