//! The hunter: a [`Visitor`] that checks each field of each event against
//! the [`Intel`], by the field's mapped role or, unmapped, by the form of
//! its whole value, and keeps what hit as [`Finding`]s.

use std::net::IpAddr;

use yagura_stix::pattern::ValueKind;

use crate::event::{Place, Visitor};
use crate::extract::{self, classify};
use crate::fields::{FieldMap, Role};
use crate::intel::Intel;
use crate::observe::Observed;
use crate::{Hit, Match};

/// One hit: a value of an event that an indicator looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Where the event is in its source.
    pub place: Place,
    /// The event's time, as the log wrote it.
    pub time: Option<String>,
    /// The field the value came from.
    pub field: String,
    /// The value (for a URL's host or a path's file name: that part).
    pub value: String,
    /// How it hit.
    pub how: Match,
    /// The indicators it hit (positions in [`Intel::indicators`]).
    pub indicators: Vec<u32>,
}

/// How fields without a mapping are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmapped {
    /// Checked by the form of their whole value (an address, a domain, a
    /// hash, a URL, an email).
    ByForm,
    /// Not checked.
    Skip,
}

/// Checks events; one per thread.
#[derive(Debug)]
pub struct Hunter<'i> {
    intel: &'i Intel,
    map: &'i FieldMap,
    unmapped: Unmapped,
    place: Place,
    time: Option<String>,
    first: usize,
    findings: Vec<Finding>,
    observed: Option<Observed>,
    events: u64,
    /// No indicator to look for (a hunt with Sigma rules alone): fields
    /// are not read at all.
    idle: bool,
}

/// A bracketed IPv6 address (`[a]`, `[a]:port`) without its brackets.
fn unbracketed(v: &str) -> &str {
    v.strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .map_or(v, |(a, _)| a)
}

/// The address an address field's value names: the value (brackets off),
/// or what stands before its last colon when that holds a dot
/// (`1.2.3.4:443`). The prefilter asks the same of its tokens.
pub(crate) fn read_address(v: &str) -> Option<std::net::IpAddr> {
    let v = unbracketed(v);
    crate::index::parse_ip(v).or_else(|| {
        v.rsplit_once(':')
            .filter(|(a, _)| a.contains('.'))
            .and_then(|(a, _)| crate::index::parse_ip(a))
    })
}

impl<'i> Hunter<'i> {
    /// A hunter for `intel`, reading fields by `map`.
    pub fn new(intel: &'i Intel, map: &'i FieldMap, unmapped: Unmapped) -> Self {
        Self {
            intel,
            map,
            unmapped,
            place: Place::Line(0),
            time: None,
            first: 0,
            findings: Vec::new(),
            observed: (!intel.compound.is_empty()).then(Observed::default),
            events: 0,
            idle: intel.index.is_empty() && intel.compound.is_empty(),
        }
    }

    /// Starts an event.
    #[inline]
    pub fn begin(&mut self, place: Place) {
        self.place = place;
        self.time = None;
        self.first = self.findings.len();
        if let Some(o) = &mut self.observed {
            o.clear();
        }
    }

    /// Ends the event begun last: its findings get its time, and compound
    /// patterns are evaluated on its observables.
    pub fn end(&mut self) {
        self.events += 1;
        if self.findings.len() == self.first {
            return;
        }
        if let Some(o) = &self.observed {
            let compound = &self.intel.compound;
            let mut verdicts: Vec<(u32, bool)> = Vec::new();
            for f in &mut self.findings[self.first..] {
                f.indicators.retain(|h| {
                    let Some(m) = compound.get(h) else {
                        return true;
                    };
                    if let Some((_, v)) = verdicts.iter().find(|(k, _)| k == h) {
                        return *v;
                    }
                    let v = o.matches(m, self.time.as_deref());
                    verdicts.push((*h, v));
                    v
                });
            }
            let first = self.first;
            let mut i = first;
            self.findings.retain(|f| {
                i += 1;
                i <= first || !f.indicators.is_empty()
            });
        }
        if let Some(t) = &self.time {
            for f in &mut self.findings[self.first..] {
                f.time = Some(t.clone());
            }
        }
    }

    /// Moves the event begun last to `place`, for a record whose place is
    /// known only once it is read (an EVTX record's own EventRecordID).
    pub fn relocate(&mut self, place: Place) {
        self.place = place;
        for f in &mut self.findings[self.first..] {
            f.place = place;
        }
    }

    /// Counts an event that was not read (nothing in it can hit).
    pub fn pass(&mut self) {
        self.events += 1;
    }

    /// Counts `n` events that need no reading (as [`Hunter::pass`] each).
    pub fn pass_many(&mut self, n: u64) {
        self.events += n;
    }

    /// Drops what the event begun last found (it could not be read whole).
    pub fn abort(&mut self) {
        self.findings.truncate(self.first);
    }

    /// The findings so far, taken.
    pub fn take(&mut self) -> Vec<Finding> {
        self.first = 0;
        std::mem::take(&mut self.findings)
    }

    /// How many events were checked.
    pub fn events(&self) -> u64 {
        self.events
    }

    fn check(&mut self, name: &str, kind: ValueKind, value: &str) {
        if let Some(o) = &mut self.observed {
            o.add(name, kind, value);
        } else if !self.intel.index.has_kind(kind) {
            return;
        }
        let mut hits: Vec<Hit<'i>> = Vec::new();
        self.intel.index.lookup_into(kind, value, &mut hits);
        self.record(name, value, hits);
    }

    fn address(&mut self, name: &str, value: &str) {
        let v = value.trim();
        let v = unbracketed(v);
        let Some(a) = read_address(v) else {
            return;
        };
        if let Some(o) = &mut self.observed {
            let kind = if a.is_ipv4() {
                ValueKind::Ipv4
            } else {
                ValueKind::Ipv6
            };
            o.add(name, kind, v);
        }
        let mut hits: Vec<Hit<'i>> = Vec::new();
        self.intel.index.address_into(a, &mut hits);
        self.record(name, v, hits);
    }

    fn host(&mut self, name: &str, value: &str) {
        match classify(value.trim()) {
            Some(ValueKind::Ipv4 | ValueKind::Ipv6) => self.address(name, value),
            Some(ValueKind::Domain) => self.check(name, ValueKind::Domain, value),
            _ => {
                if let Some((h, p)) = value.rsplit_once(':')
                    && p.bytes().all(|c| c.is_ascii_digit())
                {
                    self.host(name, h);
                }
            }
        }
    }

    fn hash(&mut self, name: &str, value: &str) {
        let v = value.trim();
        let kind = match v.len() {
            32 => ValueKind::Md5,
            40 => ValueKind::Sha1,
            64 => ValueKind::Sha256,
            128 => ValueKind::Sha512,
            _ => return,
        };
        self.check(name, kind, v);
    }

    fn url(&mut self, name: &str, value: &str) {
        self.check(name, ValueKind::Url, value.trim());
        if let Some(h) = extract::url_host(value.trim()) {
            self.host(name, h);
        }
    }

    fn by_kind(&mut self, name: &str, kind: ValueKind, value: &str) {
        match kind {
            ValueKind::Ipv4 | ValueKind::Ipv6 => self.address(name, value),
            ValueKind::Url => self.url(name, value),
            ValueKind::Email => {
                self.check(name, ValueKind::Email, value);
                if let Some((_, d)) = value.rsplit_once('@') {
                    self.check(name, ValueKind::Domain, d);
                }
            }
            k => self.check(name, k, value),
        }
    }

    fn record(&mut self, name: &str, value: &str, hits: Vec<Hit<'_>>) {
        for h in hits {
            self.findings.push(Finding {
                place: self.place,
                time: None,
                field: name.to_owned(),
                value: value.to_owned(),
                how: h.how,
                indicators: h.indicators.to_vec(),
            });
        }
    }
}

impl Visitor for Hunter<'_> {
    #[inline]
    fn field(&mut self, name: &str, value: &str, quoted: bool) {
        if self.idle {
            return;
        }
        if let Some(o) = &mut self.observed
            && value.len() <= 5
            && value.bytes().all(|c| c.is_ascii_digit())
        {
            o.port(name, value);
        }
        let role = self.map.role(name);
        match role {
            None => {
                if quoted
                    && self.unmapped == Unmapped::ByForm
                    && let Some(kind) = classify(value)
                {
                    self.by_kind(name, kind, value);
                }
            }
            Some(Role::Ignore) => {}
            Some(Role::Time) => {
                if self.time.is_none() {
                    self.time = Some(value.to_owned());
                }
            }
            Some(Role::Ip) => self.address(name, value),
            Some(Role::Host) => self.host(name, value),
            Some(Role::Domain) => {
                // A domain field sometimes holds an address (a PTR query, a
                // host name that is an IP).
                if value.as_bytes().first().is_some_and(u8::is_ascii_digit)
                    && value.parse::<IpAddr>().is_ok()
                {
                    self.address(name, value);
                } else {
                    self.check(name, ValueKind::Domain, value);
                }
            }
            Some(Role::Url) => self.url(name, value),
            Some(Role::Hash) => self.hash(name, value),
            Some(Role::HashList) => {
                for part in value.split([',', ';', ' ']) {
                    let h = part.split_once('=').map_or(part, |(_, h)| h);
                    self.hash(name, h);
                }
            }
            Some(Role::Email) => {
                let a = extract::email_address(value);
                self.by_kind(name, ValueKind::Email, a);
            }
            Some(Role::FileName) => self.check(name, ValueKind::FileName, value),
            Some(Role::Path) => {
                let f = extract::file_name(value.trim());
                self.check(name, ValueKind::FileName, f);
            }
            Some(Role::UserAgent) => self.check(name, ValueKind::UserAgent, value),
            Some(Role::User) => self.check(name, ValueKind::UserAccount, value),
            Some(Role::RegistryKey) => self.check(name, ValueKind::RegistryKey, value),
            Some(Role::Mutex) => self.check(name, ValueKind::Mutex, value),
            Some(Role::Text) => {
                let mut found: Vec<(ValueKind, &str)> = Vec::new();
                extract::tokens(value, |k, t| found.push((k, t)));
                for (k, t) in found {
                    self.by_kind(name, k, t);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intel::IntelBuilder;
    use crate::json::JsonScanner;
    use yagura_stix::Timestamp;

    pub(crate) fn intel(values: &[(ValueKind, &str)]) -> Intel {
        let mut b = IntelBuilder::new(Timestamp::parse("2026-06-01T00:00:00Z").expect("t"), true);
        for (i, (k, v)) in values.iter().enumerate() {
            b.add_value(*k, v, format!("list:{}", i + 1))
                .expect("valid");
        }
        b.build()
    }

    fn hunt(intel: &Intel, lines: &[&str]) -> Vec<(u64, String, String, Vec<u32>)> {
        let map = FieldMap::built_in();
        let mut h = Hunter::new(intel, &map, Unmapped::ByForm);
        let mut s = JsonScanner::new();
        for (n, l) in lines.iter().enumerate() {
            h.begin(Place::Line(n as u64 + 1));
            s.scan(l, &mut h).expect("json");
            h.end();
        }
        h.take()
            .into_iter()
            .map(|f| {
                let Place::Line(n) = f.place else {
                    panic!("line")
                };
                (n, f.field, f.value, f.indicators)
            })
            .collect()
    }

    #[test]
    fn fields_are_checked_by_role_and_whole_value() {
        let i = intel(&[
            (ValueKind::Ipv4, "1.2.3.4"),
            (ValueKind::Cidr, "10.20.0.0/16"),
            (ValueKind::Domain, "evil.example"),
            (ValueKind::Sha256, &"ab".repeat(32)),
            (ValueKind::FileName, "dropper.exe"),
        ]);
        let hash = "AB".repeat(32);
        let l3 = format!(
            r#"{{"EventData":{{"Hashes":"MD5=00,SHA256={hash}","Image":"C:\\x\\dropper.exe"}}}}"#
        );
        let got = hunt(
            &i,
            &[
                r#"{"source":{"ip":"1.2.3.45"},"destination":{"ip":"1.2.3.4"},"msg":"x 1.2.3.4"}"#,
                r#"{"id.resp_h":"10.20.30.40","query":"a.b.evil.example","note":"notevil.example"}"#,
                &l3,
                r#"{"url":{"full":"http://evil.example:8080/x"},"other":"1.2.3.4","n":1234}"#,
                r#"{"message":"connect from 1.2.3.4:443 ok","event":{"id":"1.2.3.4"}}"#,
            ],
        );
        assert_eq!(
            got,
            [
                (1, "destination.ip".into(), "1.2.3.4".into(), vec![0]),
                (1, "msg".into(), "1.2.3.4".into(), vec![0]),
                (2, "id.resp_h".into(), "10.20.30.40".into(), vec![1]),
                (2, "query".into(), "a.b.evil.example".into(), vec![2]),
                (3, "EventData.Hashes".into(), hash.clone(), vec![3]),
                (3, "EventData.Image".into(), "dropper.exe".into(), vec![4]),
                (4, "url.full".into(), "evil.example".into(), vec![2]),
                (4, "other".into(), "1.2.3.4".into(), vec![0]),
                (5, "message".into(), "1.2.3.4".into(), vec![0]),
            ]
        );
    }

    #[test]
    fn the_time_of_the_event_is_kept_with_its_findings() {
        let i = intel(&[(ValueKind::Ipv4, "1.2.3.4")]);
        let map = FieldMap::built_in();
        let mut h = Hunter::new(&i, &map, Unmapped::Skip);
        let mut s = JsonScanner::new();
        h.begin(Place::Line(7));
        s.scan(
            r#"{"src_ip":"1.2.3.4","@timestamp":"2026-11-30T10:00:00Z","x":"1.2.3.4"}"#,
            &mut h,
        )
        .expect("json");
        h.end();
        let f = h.take();
        assert_eq!(f.len(), 1, "unmapped fields are skipped: {f:?}");
        assert_eq!(f[0].time.as_deref(), Some("2026-11-30T10:00:00Z"));
        assert_eq!(f[0].place, Place::Line(7));
    }
}
