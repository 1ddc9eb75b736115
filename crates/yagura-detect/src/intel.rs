//! What a hunt looks for: the active indicators of a set of STIX objects
//! (from the store or a bundle) or the values of a plain IOC list, compiled
//! into one [`IndicatorIndex`], with what a hit must report about each
//! indicator (id, name, pattern, TLP, the actors and campaigns it is
//! related to).
//!
//! An indicator whose pattern is a plain disjunction of exact values
//! (`[a = x] OR [b IN (y, z)]`) hits when any value does. Any other pattern
//! (`[ipv4-addr:value = x AND network-traffic:dst_port = 443]`, qualifiers,
//! `FOLLOWEDBY`) is *compound*: a literal hit only makes the event a
//! candidate, and the pattern itself is evaluated by the `yagura-stix`
//! matcher on the event's observables (see [`crate::observe`]).

use std::collections::{BTreeSet, HashMap};

use yagura_stix::pattern::ast::{Comparison, ComparisonExpr, ObservationExpr};
use yagura_stix::pattern::{Matcher, Pattern, StixVersion, ValueKind};
use yagura_stix::{StixObject, Timestamp, Tlp};

use crate::{IndexBuilder, IndicatorIndex};

/// What a hit reports of the indicator it hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorInfo {
    /// The STIX id (for a plain list: the list's name and line).
    pub id: String,
    /// Its name, if any.
    pub name: Option<String>,
    /// The pattern (for a plain list: the value).
    pub pattern: String,
    /// Its TLP, if marked.
    pub tlp: Option<Tlp>,
    /// The actors, campaigns, malware and tools it is related to, as
    /// `type: name`, sorted.
    pub related: Vec<String>,
}

/// Why objects given as intelligence were left out, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntelReport {
    /// Indicators compiled in.
    pub active: usize,
    /// Revoked, not yet valid or past `valid_until`.
    pub inactive: usize,
    /// Patterns in another language than STIX (Sigma, YARA, Snort…).
    pub other_language: usize,
    /// Patterns with no exact value to look for (only `LIKE`, `MATCHES`,
    /// ranges…): a hunt over logs cannot find them by value.
    pub no_values: usize,
    /// Indicators whose pattern does not parse, with the id and reason.
    pub invalid: Vec<(String, String)>,
    /// Of the active ones, those with a compound pattern.
    pub compound: usize,
}

/// The compiled intelligence, shared by every thread of a hunt.
#[derive(Debug)]
pub struct Intel {
    /// The value index; its handles are positions in `indicators`.
    pub index: IndicatorIndex,
    /// The indicators.
    pub indicators: Vec<IndicatorInfo>,
    /// The compound patterns' matchers, by indicator position.
    pub compound: HashMap<u32, Matcher>,
    /// What was left out.
    pub report: IntelReport,
}

/// Collects intelligence; [`IntelBuilder::build`] compiles it.
#[derive(Debug)]
pub struct IntelBuilder {
    now: Timestamp,
    index: IndexBuilder,
    /// Each indicator, and whether it is a STIX object (whose related
    /// objects are looked up by its id).
    indicators: Vec<(IndicatorInfo, bool)>,
    compound: HashMap<u32, Matcher>,
    names: HashMap<String, String>,
    links: Vec<(String, String, String)>,
    report: IntelReport,
}

/// Whether a pattern is a disjunction of single exact comparisons (any hit
/// of one of its values is a hit of the pattern).
fn plain(p: &Pattern) -> bool {
    fn obs(o: &ObservationExpr) -> bool {
        match o {
            ObservationExpr::Observation(c) => cmp(c),
            ObservationExpr::Group(g) => obs(g),
            ObservationExpr::Or(v) => v.iter().all(obs),
            _ => false,
        }
    }
    fn cmp(c: &ComparisonExpr) -> bool {
        match c {
            ComparisonExpr::Test(t) => {
                !t.negated
                    && matches!(
                        t.op,
                        Comparison::Eq(_) | Comparison::In(_) | Comparison::IsSubset(_)
                    )
            }
            ComparisonExpr::Group(g) => cmp(g),
            ComparisonExpr::Or(v) => v.iter().all(cmp),
            ComparisonExpr::And(_) => false,
        }
    }
    obs(&p.ast().root)
}

fn tlp_of(o: &StixObject) -> Option<Tlp> {
    o.get("object_marking_refs")?
        .as_array()?
        .iter()
        .filter_map(serde_json::Value::as_str)
        .find_map(Tlp::from_marking_id)
}

impl IntelBuilder {
    /// A builder judging validity at `now`; domains match their subdomains
    /// unless `subdomains` is false.
    pub fn new(now: Timestamp, subdomains: bool) -> Self {
        Self {
            now,
            index: IndexBuilder::new().subdomains(subdomains),
            indicators: Vec::new(),
            compound: HashMap::new(),
            names: HashMap::new(),
            links: Vec::new(),
            report: IntelReport::default(),
        }
    }

    /// Takes one STIX object: an indicator (compiled in if active), a
    /// relationship, or a named object (actor, campaign, malware, tool…)
    /// that hits are reported as related to. `tlp` overrides the object's
    /// own marking (the store's recorded TLP).
    pub fn add_object(&mut self, o: &StixObject, tlp: Option<Tlp>) {
        let Some(id) = o.id() else {
            if o.object_type() == "indicator" {
                self.report
                    .invalid
                    .push(("(an indicator)".into(), "no id".into()));
            }
            return;
        };
        match o.object_type() {
            "indicator" => self.add_indicator(o, id, tlp),
            "relationship" => {
                if let (Some(s), Some(t), Some(r)) = (
                    o.get_str("source_ref"),
                    o.get_str("target_ref"),
                    o.get_str("relationship_type"),
                ) {
                    self.links.push((s.to_owned(), t.to_owned(), r.to_owned()));
                }
            }
            "intrusion-set" | "threat-actor" | "campaign" | "malware" | "tool" => {
                if let Some(name) = o.get_str("name") {
                    self.names
                        .insert(id.to_owned(), format!("{}: {name}", o.object_type()));
                }
            }
            _ => {}
        }
    }

    fn add_indicator(&mut self, o: &StixObject, id: &str, tlp: Option<Tlp>) {
        let revoked = o.get("revoked").and_then(serde_json::Value::as_bool) == Some(true);
        let early = o.get_timestamp("valid_from").is_some_and(|t| t > self.now);
        let late = o
            .get_timestamp("valid_until")
            .is_some_and(|t| t <= self.now);
        if revoked || early || late {
            self.report.inactive += 1;
            return;
        }
        if o.get_str("pattern_type").is_some_and(|t| t != "stix") {
            self.report.other_language += 1;
            return;
        }
        let Some(text) = o.get_str("pattern") else {
            self.report
                .invalid
                .push((id.to_owned(), "no pattern".into()));
            return;
        };
        let version = if o.spec_version() == Some("2.0") {
            StixVersion::V2_0
        } else {
            StixVersion::V2_1
        };
        let pattern = match Pattern::parse(text, version) {
            Ok(p) => p,
            Err(e) => {
                self.report.invalid.push((id.to_owned(), e.to_string()));
                return;
            }
        };
        let values = pattern.exact_values();
        if values.is_empty() {
            self.report.no_values += 1;
            return;
        }
        let Ok(handle) = u32::try_from(self.indicators.len()) else {
            return;
        };
        if !plain(&pattern) {
            match pattern.matcher() {
                Ok(m) => {
                    self.compound.insert(handle, m);
                    self.report.compound += 1;
                }
                Err(e) => {
                    self.report.invalid.push((id.to_owned(), e.to_string()));
                    return;
                }
            }
        }
        for v in &values {
            // Values were normalized by their kind: they enter the index.
            let _ = self.index.add(v.kind, &v.value, handle);
        }
        self.report.active += 1;
        self.indicators.push((
            IndicatorInfo {
                id: id.to_owned(),
                name: o.get_str("name").map(str::to_owned),
                pattern: text.to_owned(),
                tlp: tlp.or_else(|| tlp_of(o)),
                related: Vec::new(),
            },
            true,
        ));
    }

    /// Adds one value of a plain IOC list (`source` names the list and the
    /// line, and becomes the hit's indicator id).
    pub fn add_value(
        &mut self,
        kind: ValueKind,
        value: &str,
        source: String,
    ) -> Result<(), crate::IndexError> {
        let Ok(handle) = u32::try_from(self.indicators.len()) else {
            return Ok(());
        };
        self.index.add(kind, value, handle)?;
        self.report.active += 1;
        self.indicators.push((
            IndicatorInfo {
                id: source,
                name: None,
                pattern: value.trim().to_owned(),
                tlp: None,
                related: Vec::new(),
            },
            false,
        ));
        Ok(())
    }

    /// Compiles the index and resolves each indicator's related objects:
    /// what its relationships (either direction) reach, and the actors a
    /// reached campaign or malware is attributed to or used by.
    pub fn build(self) -> Intel {
        let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
        for (s, t, _) in &self.links {
            edges.entry(s).or_default().push(t);
            edges.entry(t).or_default().push(s);
        }
        let names = &self.names;
        let related = |id: &str| -> Vec<String> {
            let mut out = BTreeSet::new();
            for &n in edges.get(id).into_iter().flatten() {
                let Some(name) = names.get(n) else { continue };
                out.insert(name.clone());
                if name.starts_with("campaign: ") || name.starts_with("malware: ") {
                    for &m in edges.get(n).into_iter().flatten() {
                        if let Some(actor) = names.get(m).filter(|a| {
                            a.starts_with("intrusion-set: ") || a.starts_with("threat-actor: ")
                        }) {
                            out.insert(actor.clone());
                        }
                    }
                }
            }
            out.into_iter().collect()
        };
        let indicators = self
            .indicators
            .into_iter()
            .map(|(mut info, stix)| {
                if stix {
                    info.related = related(&info.id);
                }
                info
            })
            .collect();
        Intel {
            index: self.index.build(),
            indicators,
            compound: self.compound,
            report: self.report,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: serde_json::Value) -> StixObject {
        StixObject::from_value(v).expect("object")
    }

    fn indicator(id: &str, pattern: &str, extra: serde_json::Value) -> StixObject {
        let mut v = json!({
            "type": "indicator", "spec_version": "2.1", "id": id,
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
            "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
        });
        if let (Some(m), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            m.extend(e.clone());
        }
        obj(v)
    }

    const A: &str = "indicator--00000000-0000-4000-8000-000000000001";

    #[test]
    fn only_active_stix_indicators_with_values_enter() {
        let now = Timestamp::parse("2026-06-01T00:00:00Z").expect("time");
        let mut b = IntelBuilder::new(now, true);
        let ip = "[ipv4-addr:value = '198.51.100.7']";
        b.add_object(&indicator(A, ip, json!({})), None);
        b.add_object(&indicator(A, ip, json!({"revoked": true})), None);
        b.add_object(
            &indicator(A, ip, json!({"valid_until": "2026-05-01T00:00:00Z"})),
            None,
        );
        b.add_object(
            &indicator(A, ip, json!({"valid_from": "2026-07-01T00:00:00Z"})),
            None,
        );
        b.add_object(
            &indicator(A, "title: x", json!({"pattern_type": "sigma"})),
            None,
        );
        b.add_object(&indicator(A, "[file:name MATCHES '^x']", json!({})), None);
        b.add_object(&indicator(A, "[ipv4-addr:value = ", json!({})), None);
        let i = b.build();
        assert_eq!(i.report.active, 1);
        assert_eq!(i.report.inactive, 3);
        assert_eq!(i.report.other_language, 1);
        assert_eq!(i.report.no_values, 1);
        assert_eq!(i.report.invalid.len(), 1);
        assert_eq!(i.index.lookup(ValueKind::Ipv4, "198.51.100.7").len(), 1);
    }

    #[test]
    fn related_actors_are_found_through_campaigns_and_malware() {
        let now = Timestamp::parse("2026-06-01T00:00:00Z").expect("time");
        let mut b = IntelBuilder::new(now, true);
        let named = |ty: &str, n: u32, name: &str| {
            obj(json!({"type": ty, "spec_version": "2.1",
                "id": format!("{ty}--00000000-0000-4000-8000-00000000000{n}"),
                "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
                "name": name}))
        };
        let rel = |s: String, t: String, r: &str| {
            obj(json!({"type": "relationship", "spec_version": "2.1",
                "id": format!("relationship--{}", uuid_of(&s, &t)),
                "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
                "relationship_type": r, "source_ref": s, "target_ref": t}))
        };
        let set = named("intrusion-set", 2, "menuPass");
        let camp = named("campaign", 3, "Operation Cloud Hopper");
        let other = named("intrusion-set", 4, "Unrelated");
        b.add_object(
            &indicator(
                A,
                "[ipv4-addr:value = '198.51.100.7' AND ipv4-addr:value = '198.51.100.8']",
                json!({}),
            ),
            None,
        );
        for o in [&set, &camp, &other] {
            b.add_object(o, None);
        }
        b.add_object(
            &rel(A.into(), camp.id().expect("id").into(), "indicates"),
            None,
        );
        b.add_object(
            &rel(
                camp.id().expect("id").into(),
                set.id().expect("id").into(),
                "attributed-to",
            ),
            None,
        );
        let i = b.build();
        assert_eq!(
            i.indicators[0].related,
            [
                "campaign: Operation Cloud Hopper",
                "intrusion-set: menuPass"
            ]
        );
        assert_eq!(i.report.compound, 1);
        assert!(i.compound.contains_key(&0));
    }

    fn uuid_of(a: &str, b: &str) -> String {
        let n = a.len() * 31 + b.len();
        format!("00000000-0000-4000-8000-{n:012}")
    }

    #[test]
    fn plain_patterns_are_told_from_compound_ones() {
        let p = |t: &str| Pattern::parse(t, StixVersion::V2_1).expect("pattern");
        assert!(plain(&p("[ipv4-addr:value = '1.2.3.4']")));
        assert!(plain(&p(
            "[ipv4-addr:value = '1.2.3.4' OR domain-name:value = 'a.example'] OR [url:value IN ('http://x.example/')]"
        )));
        assert!(plain(&p("[ipv4-addr:value ISSUBSET '10.0.0.0/8']")));
        assert!(!plain(&p(
            "[ipv4-addr:value = '1.2.3.4' AND network-traffic:dst_port = 443]"
        )));
        assert!(!plain(&p(
            "[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'a.example']"
        )));
        assert!(!plain(&p("[ipv4-addr:value = '1.2.3.4'] REPEATS 3 TIMES")));
        assert!(!plain(&p("[ipv4-addr:value != '1.2.3.4']")));
    }
}
