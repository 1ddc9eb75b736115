//! A Sigma rule document: metadata, log source, detection. [`load`] reads
//! every document of a file and gives each rule or its error; one bad
//! rule never stops the others.

use std::fmt;

use crate::condition::Condition;
use crate::correlation::{Aggregation, Correlation, CorrelationKind};
use crate::detection::{self, Detection};
use crate::yaml::{self, Yaml};

/// A rule's `level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `informational`
    Informational,
    /// `low`
    Low,
    /// `medium`
    Medium,
    /// `high`
    High,
    /// `critical`
    Critical,
}

impl Level {
    /// The level named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "informational" => Self::Informational,
            "low" => Self::Low,
            "medium" => Self::Medium,
            "high" => Self::High,
            "critical" => Self::Critical,
            _ => return None,
        })
    }
}

/// A rule's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `stable`
    Stable,
    /// `test`
    Test,
    /// `experimental`
    Experimental,
    /// `deprecated`
    Deprecated,
    /// `unsupported`
    Unsupported,
}

impl Status {
    /// The status named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "stable" => Self::Stable,
            "test" => Self::Test,
            "experimental" => Self::Experimental,
            "deprecated" => Self::Deprecated,
            "unsupported" => Self::Unsupported,
            _ => return None,
        })
    }
}

/// Where a rule's events come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogSource {
    /// `product` (`windows`, `linux`…).
    pub product: Option<String>,
    /// `category` (`process_creation`…).
    pub category: Option<String>,
    /// `service` (`security`, `sysmon`…).
    pub service: Option<String>,
}

/// A checked detection rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// `id` (a UUID in SigmaHQ's rules).
    pub id: Option<String>,
    /// `name`: how correlation rules refer to it.
    pub name: Option<String>,
    /// `title`
    pub title: String,
    /// `status`
    pub status: Option<Status>,
    /// `level`
    pub level: Option<Level>,
    /// `tags` (`attack.t1059.001`…).
    pub tags: Vec<String>,
    /// `logsource`
    pub logsource: LogSource,
    /// `detection`
    pub detection: Detection,
    /// `fields`: the fields worth showing with a hit.
    pub fields: Vec<String>,
    /// A Sigma 1 aggregation after the condition's `|`, if any
    /// ([`load_documents`] gives such a rule as the rule and a correlation
    /// over it).
    pub aggregation: Option<Aggregation>,
}

/// A rule that cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The document's position in the file (from 1).
    pub document: usize,
    /// The rule's id, if it could be read.
    pub id: Option<String>,
    /// Where in the rule and what is wrong (`detection.selection.Image|x:
    /// unknown modifier`).
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "document {}", self.document)?;
        if let Some(id) = &self.id {
            write!(f, " (rule {id})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RuleError {}

/// A document of a rule file.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    /// A detection rule.
    Rule(Rule),
    /// A correlation rule over other rules' hits.
    Correlation(Correlation),
    /// A meta-filter: a condition the rules it names must also meet.
    Filter(Filter),
}

/// A meta-filter (Sigma v2 filters): its detection is ANDed into the
/// rules it names (`condition: not selection` leaves their matches where
/// the selection holds out).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// `id`
    pub id: Option<String>,
    /// `title`
    pub title: String,
    /// The rules it applies to, by name or id.
    pub rules: Vec<String>,
    /// Its selections and condition.
    pub detection: Detection,
}

fn filter(d: &Yaml, f: &Yaml) -> Result<Filter, String> {
    let Yaml::Map(m) = f else {
        return Err("filter: a mapping".into());
    };
    let rules = texts(f, "rules").map_err(|e| format!("filter.{e}"))?;
    if rules.is_empty() {
        return Err("filter.rules: missing".into());
    }
    let rest: Vec<(String, Yaml)> = m.iter().filter(|(k, _)| k != "rules").cloned().collect();
    Ok(Filter {
        id: text(d, "id")?,
        title: text(d, "title")?.ok_or("title: missing")?,
        rules,
        detection: detection_of(&rest, "filter")?,
    })
}

/// Every detection rule of a rule file, or why not (a correlation
/// document is an error here: [`load_documents`] reads those too).
pub fn load(text: &str) -> Vec<Result<Rule, RuleError>> {
    load_documents(text)
        .into_iter()
        .enumerate()
        .map(|(n, d)| match d {
            Ok(Document::Rule(r)) => Ok(r),
            Ok(Document::Correlation(c)) => Err(RuleError {
                document: n + 1,
                id: c.id,
                message: "a correlation rule, not a detection rule".into(),
            }),
            Ok(Document::Filter(f)) => Err(RuleError {
                document: n + 1,
                id: f.id,
                message: "a meta-filter, not a detection rule".into(),
            }),
            Err(e) => Err(e),
        })
        .collect()
}

/// Every document of a rule file: a rule, a correlation, or why not. A
/// file that is not YAML at all is one error.
pub fn load_documents(text: &str) -> Vec<Result<Document, RuleError>> {
    let docs = match yaml::documents(text) {
        Ok(d) => d,
        Err(e) => {
            return vec![Err(RuleError {
                document: 1,
                id: None,
                message: format!("not YAML Yagura reads: {e}"),
            })];
        }
    };
    let mut out = Vec::new();
    for (n, d) in docs.iter().enumerate().filter(|(_, d)| **d != Yaml::Null) {
        let id = d.get("id").and_then(Yaml::as_scalar_text);
        let doc = match (d.get("correlation"), d.get("filter"), d.get("detection")) {
            (Some(c), _, _) => crate::correlation::correlation(d, c).map(Document::Correlation),
            (None, Some(f), None) => filter(d, f).map(Document::Filter),
            _ => rule(d).map(Document::Rule),
        };
        match doc {
            Ok(Document::Rule(mut r)) => match r.aggregation.take() {
                Some(a) => out.extend(sigma1(r, a).map(Ok)),
                None => out.push(Ok(Document::Rule(r))),
            },
            doc => out.push(doc.map_err(|message| RuleError {
                document: n + 1,
                id,
                message,
            })),
        }
    }
    out
}

/// A rule's (or correlation's) `level`.
pub(crate) fn level(d: &Yaml) -> Result<Option<Level>, String> {
    match text(d, "level")? {
        None => Ok(None),
        Some(s) => Level::parse(&s)
            .map(Some)
            .ok_or_else(|| format!("level: unknown `{s}`")),
    }
}

pub(crate) fn text(d: &Yaml, key: &str) -> Result<Option<String>, String> {
    match d.get(key) {
        None | Some(Yaml::Null) => Ok(None),
        Some(v) => v
            .as_scalar_text()
            .map(Some)
            .ok_or_else(|| format!("{key}: a string, not {}", v.kind())),
    }
}

pub(crate) fn texts(d: &Yaml, key: &str) -> Result<Vec<String>, String> {
    match d.get(key) {
        None | Some(Yaml::Null) => Ok(Vec::new()),
        Some(Yaml::Seq(items)) => items
            .iter()
            .enumerate()
            .map(|(n, i)| {
                i.as_scalar_text()
                    .ok_or_else(|| format!("{key}[{n}]: a string, not {}", i.kind()))
            })
            .collect(),
        Some(v) => Err(format!("{key}: a list, not {}", v.kind())),
    }
}

fn rule(d: &Yaml) -> Result<Rule, String> {
    if !matches!(d, Yaml::Map(_)) {
        return Err(format!("a rule is a mapping, not {}", d.kind()));
    }
    let title = text(d, "title")?.ok_or("title: missing")?;
    let status = match text(d, "status")? {
        None => None,
        Some(s) => Some(Status::parse(&s).ok_or_else(|| format!("status: unknown `{s}`"))?),
    };
    let level = level(d)?;
    let logsource = match d.get("logsource") {
        Some(ls @ Yaml::Map(_)) => LogSource {
            product: text(ls, "product").map_err(|e| format!("logsource.{e}"))?,
            category: text(ls, "category").map_err(|e| format!("logsource.{e}"))?,
            service: text(ls, "service").map_err(|e| format!("logsource.{e}"))?,
        },
        Some(v) => return Err(format!("logsource: a mapping, not {}", v.kind())),
        None => return Err("logsource: missing".into()),
    };
    let Some(Yaml::Map(det)) = d.get("detection") else {
        return Err("detection: missing or not a mapping".into());
    };
    let (detection, aggregation) = detection_and_aggregation(det, "detection")?;
    Ok(Rule {
        id: text(d, "id")?,
        name: text(d, "name")?,
        title,
        status,
        level,
        tags: texts(d, "tags")?,
        logsource,
        detection,
        fields: texts(d, "fields")?,
        aggregation,
    })
}

/// A detection section (a rule's `detection`, or a meta-filter's
/// `filter` without its `rules`), `at` naming it in errors.
fn detection_of(det: &[(String, Yaml)], at: &str) -> Result<Detection, String> {
    match detection_and_aggregation(det, at)? {
        (d, None) => Ok(d),
        (_, Some(_)) => Err(format!(
            "{at}.condition: an aggregation (`| count()`) has no place here"
        )),
    }
}

/// A detection section and the Sigma 1 aggregation its condition ends
/// with, if any (with its `timeframe`; a `timeframe` without one is an
/// error).
fn detection_and_aggregation(
    det: &[(String, Yaml)],
    at: &str,
) -> Result<(Detection, Option<Aggregation>), String> {
    let mut selections = Vec::new();
    let mut conditions = Vec::new();
    let mut timeframe = None;
    for (name, body) in det {
        if name == "condition" {
            match body {
                Yaml::Str(s) => conditions.push(s.clone()),
                Yaml::Seq(items) => {
                    for (n, i) in items.iter().enumerate() {
                        match i {
                            Yaml::Str(s) => conditions.push(s.clone()),
                            other => {
                                return Err(format!(
                                    "{at}.condition[{n}]: a string, not {}",
                                    other.kind()
                                ));
                            }
                        }
                    }
                }
                other => {
                    return Err(format!("{at}.condition: a string, not {}", other.kind()));
                }
            }
            continue;
        }
        if name == "timeframe" {
            let t = body.as_scalar_text().unwrap_or_default();
            timeframe = Some(crate::correlation::timespan(&t).ok_or_else(|| {
                format!("{at}.timeframe: `{t}` is not a time span (`30s`, `5m`, `1h`, `2d`, `1w`)")
            })?);
            continue;
        }
        let s = detection::selection(body, &format!("{at}.{name}"))?;
        selections.push((name.clone(), s));
    }
    if conditions.is_empty() {
        return Err(format!("{at}.condition: missing"));
    }
    let names: Vec<&str> = selections.iter().map(|(n, _)| n.as_str()).collect();
    let mut parsed = Vec::new();
    let mut aggregation = None;
    for (n, c) in conditions.iter().enumerate() {
        let at = if conditions.len() == 1 {
            format!("{at}.condition")
        } else {
            format!("{at}.condition[{n}]")
        };
        let mut c = c.as_str();
        if let Some((expr, agg)) = c.split_once('|')
            && conditions.len() == 1
        {
            let a = crate::correlation::aggregation(agg).map_err(|e| format!("{at}: {e}"))?;
            aggregation = Some(Aggregation {
                timespan_ms: timeframe,
                ..a
            });
            c = expr;
        }
        parsed.push(Condition::parse(c, &names).map_err(|e| format!("{at}: {e}: `{c}`"))?);
    }
    if aggregation.is_none() && timeframe.is_some() {
        return Err(format!(
            "{at}.timeframe: a timeframe without an aggregation (`| count() …`) in the condition: \
             write a correlation rule"
        ));
    }
    let condition = if parsed.len() == 1 {
        parsed.remove(0)
    } else {
        Condition::Or(parsed)
    };
    Ok((
        Detection {
            selections,
            condition,
        },
        aggregation,
    ))
}

/// A rule with a Sigma 1 aggregation as the two documents it stands for:
/// the rule, named so that a correlation can refer to it, and a
/// correlation over its matches with the rule's id, title, level and tags
/// (whose rows are what the rule reports; its own matches are not).
fn sigma1(mut r: Rule, a: Aggregation) -> [Document; 2] {
    let base = r.name.clone().unwrap_or_else(|| {
        format!(
            "{} (the events of its aggregation)",
            r.id.as_deref().unwrap_or(&r.title)
        )
    });
    r.name = Some(base.clone());
    let c = Correlation {
        id: r.id.clone(),
        name: None,
        title: r.title.clone(),
        level: r.level,
        tags: r.tags.clone(),
        kind: if a.field.is_some() {
            CorrelationKind::ValueCount
        } else {
            CorrelationKind::EventCount
        },
        rules: vec![base],
        group_by: a.group_by.into_iter().collect(),
        aliases: Default::default(),
        timespan_ms: a.timespan_ms.unwrap_or(crate::correlation::WHOLE_HUNT_MS),
        bounds: a.bounds,
        field: a.field,
        generate: false,
    };
    [Document::Rule(r), Document::Correlation(c)]
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = r"title: Whoami
id: 8de1cbe8-d6f5-496d-8237-5f44a721c7a0
status: test
level: high
tags: [attack.discovery, attack.t1033]
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\whoami.exe'
    filter:
        User|contains: 'SYSTEM'
    condition: selection and not filter
";

    #[test]
    fn a_rule_is_read_whole() {
        let rules = load(RULE);
        let r = rules[0].as_ref().expect("valid");
        assert_eq!(r.title, "Whoami");
        assert_eq!(r.level, Some(Level::High));
        assert_eq!(r.status, Some(Status::Test));
        assert_eq!(r.tags, ["attack.discovery", "attack.t1033"]);
        assert_eq!(r.logsource.category.as_deref(), Some("process_creation"));
        assert_eq!(r.detection.selections.len(), 2);
    }

    #[test]
    fn each_bad_document_is_its_own_error() {
        let text = format!(
            "{RULE}---\n{}---\n{}",
            RULE.replace("endswith", "endswiht"),
            RULE.replace("and not filter", "and not filtr")
        );
        let rules = load(&text);
        assert_eq!(rules.len(), 3);
        assert!(rules[0].is_ok());
        let e = rules[1].as_ref().expect_err("bad modifier");
        assert_eq!(e.document, 2);
        assert_eq!(
            e.id.as_deref(),
            Some("8de1cbe8-d6f5-496d-8237-5f44a721c7a0")
        );
        assert!(
            e.message
                .contains("detection.selection.Image|endswiht: unknown modifier")
        );
        let e = rules[2].as_ref().expect_err("bad condition");
        assert!(e.message.contains("column 19"), "{e}");
        let docs = load_documents(
            "title: f\nlogsource: {product: windows}\nfilter:\n  selection: {A: b}\n  condition: not selection\n---\ntitle: g\nlogsource: {product: windows}\nfilter:\n  rules: [x]\n  selection: {A: b}\n  condition: not selectoin\n---\ntitle: h\nlogsource: {product: windows}\nfilter:\n  rules: [x]\n  selection: {A: b}\n  condition: not selection\n",
        );
        assert!(
            docs[0]
                .as_ref()
                .expect_err("no rules")
                .message
                .contains("filter.rules: missing")
        );
        assert!(
            docs[1]
                .as_ref()
                .expect_err("bad condition")
                .message
                .contains("filter.condition: column 5")
        );
        assert!(matches!(&docs[2], Ok(Document::Filter(f)) if f.rules == ["x"]));
        let bad = load("title: [unclosed\n");
        assert!(
            bad[0]
                .as_ref()
                .expect_err("not yaml")
                .message
                .contains("not YAML")
        );
    }

    #[test]
    fn a_sigma_1_aggregation_is_the_rule_and_a_correlation_over_it() {
        let text = "title: Rare services\nid: r1\nlevel: low\ntags: [attack.persistence]\nlogsource: {product: windows, service: system}\ndetection:\n  selection:\n    EventID: 7045\n  timeframe: 7d\n  condition: selection | count() by ServiceName < 5\n";
        let docs = load_documents(text);
        assert_eq!(docs.len(), 2);
        let Ok(Document::Rule(base)) = &docs[0] else {
            panic!("{docs:?}");
        };
        let Ok(Document::Correlation(c)) = &docs[1] else {
            panic!("{docs:?}");
        };
        assert!(base.aggregation.is_none());
        assert_eq!(c.rules, [base.name.clone().expect("a name")]);
        assert_eq!(c.id.as_deref(), Some("r1"));
        assert_eq!(
            (c.title.as_str(), c.level),
            ("Rare services", Some(Level::Low))
        );
        assert_eq!(c.kind, CorrelationKind::EventCount);
        assert_eq!(c.group_by, ["ServiceName"]);
        assert_eq!(c.timespan_ms, 7 * 86_400_000);
        assert_eq!(c.bounds.lt, Some(5));
        assert!(!c.generate);
        // count(field): distinct values; no `by`; no timeframe: the whole hunt.
        let text = text
            .replace("count() by ServiceName < 5", "count(ImagePath) >= 3")
            .replace("  timeframe: 7d\n", "");
        let Ok(Document::Correlation(c)) = &load_documents(&text)[1] else {
            panic!("a correlation");
        };
        assert_eq!(c.kind, CorrelationKind::ValueCount);
        assert_eq!(c.field.as_deref(), Some("ImagePath"));
        assert!(c.group_by.is_empty() && c.bounds.gte == Some(3));
        assert_eq!(c.timespan_ms, crate::correlation::WHOLE_HUNT_MS);
        for (bad, why) in [
            ("| sum(x) > 1", "only the `count()`"),
            ("| count() by > 1", "not a field name"),
            ("| count()", "a comparison"),
            ("| count() > x", "whole number"),
            ("| count(a b) > 1", "not a field name"),
        ] {
            let t = text.replace("| count(ImagePath) >= 3", bad);
            let e = load_documents(&t).remove(0).expect_err(bad);
            assert!(e.message.contains(why), "{bad}: {e}");
        }
        let t = text
            .replace(" | count(ImagePath) >= 3", "")
            .replace("  selection:", "  timeframe: 1h\n  selection:");
        let e = load_documents(&t).remove(0).expect_err("timeframe");
        assert!(
            e.message.contains("a timeframe without an aggregation"),
            "{e}"
        );
        let t = text
            .replace("  timeframe: 7d\n", "  timeframe: soon\n")
            .replace("  selection:", "  timeframe: soon\n  selection:");
        let e = load_documents(&t).remove(0).expect_err("bad timeframe");
        assert!(e.message.contains("not a time span"), "{e}");
    }
}
