//! Sigma correlation rules in a hunt: each correlation's base rules found
//! among the plan's rules (by `name` or `id`), the fields their hits must
//! carry, and, once the hunt has gathered their hits, the windows where
//! the correlation holds ([`yagura_sigma::correlate`]). The base hits are
//! kept until the end of the hunt (only those of rules a correlation
//! reads), so that hits from several files meet in time order.

use yagura_sigma::{BaseHit, Correlation, CorrelationHit};

use crate::sigma::{Detection, LoadReport, Planned, RuleFilter};

/// A correlation rule as a hunt runs it.
#[derive(Debug)]
pub struct PlannedCorrelation {
    /// Where it was read from.
    pub source: String,
    /// The rule.
    pub correlation: Correlation,
    /// Its base rules, by their index in the plan, in its order.
    pub base: Vec<usize>,
}

/// The correlations whose base rules are all in the plan (the others are
/// reported), which rules are silent (referred to only by correlations
/// that do not `generate`), and the fields each rule's hits carry.
pub(crate) fn plan(
    correlations: Vec<(String, Correlation)>,
    rules: &[Planned],
    filter: &RuleFilter,
    report: &mut LoadReport,
) -> (Vec<PlannedCorrelation>, Vec<bool>, Vec<Vec<String>>) {
    let mut out = Vec::new();
    let mut referred = vec![false; rules.len()];
    let mut generated = vec![false; rules.len()];
    let mut wanted: Vec<Vec<String>> = vec![Vec::new(); rules.len()];
    for (source, c) in correlations {
        let who = c.id.clone().unwrap_or_else(|| c.title.clone());
        if filter.why_not_correlation(&c).is_some() {
            report.filtered += 1;
            continue;
        }
        let mut base = Vec::new();
        let mut missing = None;
        for r in &c.rules {
            match rules.iter().position(|p| {
                p.rule.name.as_deref() == Some(r.as_str())
                    || p.rule.id.as_deref() == Some(r.as_str())
            }) {
                Some(i) => base.push(i),
                None => {
                    missing = Some(r.clone());
                    break;
                }
            }
        }
        if let Some(m) = missing {
            report.skipped.push((
                source,
                who,
                format!("correlation.rules: `{m}` is not among the rules that run"),
            ));
            continue;
        }
        for (k, &i) in base.iter().enumerate() {
            referred[i] = true;
            generated[i] |= c.generate;
            let name = &c.rules[k];
            let fields = c
                .group_by
                .iter()
                .chain(c.field.iter())
                .map(|g| c.field_of(name, g).to_owned());
            for f in fields {
                if !wanted[i].contains(&f) {
                    wanted[i].push(f);
                }
            }
        }
        out.push(PlannedCorrelation {
            source,
            correlation: c,
            base,
        });
    }
    let silent = referred
        .iter()
        .zip(&generated)
        .map(|(r, g)| *r && !*g)
        .collect();
    (out, silent, wanted)
}

/// A hit's time in milliseconds since 1970, from its event's time.
fn millis(d: &Detection) -> Option<i64> {
    let t: jiff::Timestamp = d.time.as_deref()?.parse().ok()?;
    Some(t.as_millisecond())
}

/// A base hit as correlation `pc` reads it, if `d` is one of its base
/// rules' hits with a readable time.
fn base_hit(pc: &PlannedCorrelation, token: usize, d: &Detection) -> Option<BaseHit> {
    let c = &pc.correlation;
    let k = pc.base.iter().position(|&b| b == d.rule)?;
    let time_ms = millis(d)?;
    let name = &c.rules[k];
    let value_of = |f: &str| {
        let f = c.field_of(name, f);
        d.values
            .iter()
            .find(|(n, _)| n == f)
            .map(|(_, v)| v.clone())
    };
    Some(BaseHit {
        rule: k,
        time_ms,
        group: c
            .group_by
            .iter()
            .map(|g| value_of(g).unwrap_or_default())
            .collect(),
        value: c.field.as_deref().and_then(value_of),
        token,
    })
}

/// Runs the correlations over a hunt's gathered hits (each with the
/// caller's token): `(correlation index, where it holds)`. Hits with
/// no readable time are left out.
pub fn run(
    correlations: &[PlannedCorrelation],
    hits: &[(usize, &Detection)],
) -> Vec<(usize, CorrelationHit)> {
    let mut out = Vec::new();
    for (ci, pc) in correlations.iter().enumerate() {
        let base = hits
            .iter()
            .filter_map(|&(token, d)| base_hit(pc, token, d))
            .collect();
        out.extend(
            yagura_sigma::correlate(&pc.correlation, base)
                .into_iter()
                .map(|h| (ci, h)),
        );
    }
    out
}

/// The correlations of a live hunt, run over hits as they arrive
/// ([`yagura_sigma::Streaming`]): a window is reported as soon as it
/// holds, not at the end of the hunt.
#[derive(Debug)]
pub struct Live<'p> {
    correlations: &'p [PlannedCorrelation],
    runs: Vec<yagura_sigma::Streaming>,
    /// The longest timespan: hits older than this before the newest
    /// cannot join a window still to come.
    span_ms: i64,
    /// The newest hit's time so far.
    newest_ms: i64,
}

impl<'p> Live<'p> {
    /// The correlations before any hit.
    pub fn new(correlations: &'p [PlannedCorrelation]) -> Self {
        Self {
            correlations,
            runs: correlations
                .iter()
                .map(|_| yagura_sigma::Streaming::new())
                .collect(),
            span_ms: correlations
                .iter()
                .map(|c| c.correlation.timespan_ms)
                .max()
                .unwrap_or(0),
            newest_ms: i64::MIN,
        }
    }

    /// The time before which a hit held in no open window can join no
    /// window to come (two timespans before the newest hit, in time
    /// order).
    pub fn keep_from_ms(&self) -> i64 {
        self.newest_ms
            .saturating_sub(self.span_ms.saturating_mul(2))
    }

    /// Takes a hit (with the caller's token): the windows it completes,
    /// `(correlation index, where it holds)`.
    pub fn push(&mut self, token: usize, d: &Detection) -> Vec<(usize, CorrelationHit)> {
        let mut out = Vec::new();
        let mut found = Vec::new();
        for (ci, (pc, run)) in self.correlations.iter().zip(&mut self.runs).enumerate() {
            if let Some(h) = base_hit(pc, token, d) {
                self.newest_ms = self.newest_ms.max(h.time_ms);
                run.push(&pc.correlation, h, &mut found);
                out.extend(found.drain(..).map(|h| (ci, h)));
            }
        }
        out
    }

    /// The tokens of the hits held in open windows.
    pub fn held(&self) -> std::collections::HashSet<usize> {
        self.runs
            .iter()
            .flat_map(yagura_sigma::Streaming::held)
            .collect()
    }

    /// The end of the stream: the windows judged whole then.
    pub fn finish(self) -> Vec<(usize, CorrelationHit)> {
        let mut out = Vec::new();
        for (ci, (pc, run)) in self.correlations.iter().zip(self.runs).enumerate() {
            let mut found = Vec::new();
            run.finish(&pc.correlation, &mut found);
            out.extend(found.into_iter().map(|h| (ci, h)));
        }
        out
    }
}

/// A hit's time in milliseconds, if it has a readable one.
pub fn time_ms(d: &Detection) -> Option<i64> {
    millis(d)
}
