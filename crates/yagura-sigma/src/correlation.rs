//! Sigma correlation rules (the Sigma specification v2's correlation
//! documents): `event_count`, `value_count`, `temporal` and
//! `temporal_ordered` over the hits of other rules, grouped by fields
//! (`group-by`, with `aliases` where rules name a field differently),
//! within a `timespan`. [`correlate`] runs one over base-rule hits in time
//! order and gives the groups and windows where it holds.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::rule::{self, Level};
use crate::yaml::Yaml;

/// The kind of correlation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrelationKind {
    /// How many base hits.
    EventCount,
    /// How many distinct values of a field among the base hits.
    ValueCount,
    /// Every base rule hits, in any order.
    Temporal,
    /// Every base rule hits, in the order listed.
    TemporalOrdered,
}

/// The count a correlation compares (`gt`, `gte`, `lt`, `lte`, `eq`;
/// several bound a range).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bounds {
    /// `gt`
    pub gt: Option<u64>,
    /// `gte`
    pub gte: Option<u64>,
    /// `lt`
    pub lt: Option<u64>,
    /// `lte`
    pub lte: Option<u64>,
    /// `eq`
    pub eq: Option<u64>,
}

impl Bounds {
    /// Whether `n` is within.
    pub fn holds(&self, n: u64) -> bool {
        self.gt.is_none_or(|b| n > b)
            && self.gte.is_none_or(|b| n >= b)
            && self.lt.is_none_or(|b| n < b)
            && self.lte.is_none_or(|b| n <= b)
            && self.eq.is_none_or(|b| n == b)
    }

    /// Whether a larger count can only keep it true (so a window may fire
    /// as soon as it holds): no upper bound.
    fn grows(&self) -> bool {
        self.lt.is_none() && self.lte.is_none() && self.eq.is_none()
    }
}

/// A checked correlation rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correlation {
    /// `id`
    pub id: Option<String>,
    /// `name`
    pub name: Option<String>,
    /// `title`
    pub title: String,
    /// `level`
    pub level: Option<Level>,
    /// `tags`
    pub tags: Vec<String>,
    /// `correlation.type`
    pub kind: CorrelationKind,
    /// The base rules, by name or id, in order.
    pub rules: Vec<String>,
    /// `group-by` fields (alias names where `aliases` gives them).
    pub group_by: Vec<String>,
    /// `aliases`: alias → (base rule → its field).
    pub aliases: BTreeMap<String, BTreeMap<String, String>>,
    /// `timespan`, in milliseconds.
    pub timespan_ms: i64,
    /// `condition`'s bounds (ignored by the temporal kinds).
    pub bounds: Bounds,
    /// `condition.field` for `value_count`.
    pub field: Option<String>,
    /// `generate`: the base rules' own hits are reported too.
    pub generate: bool,
}

impl Correlation {
    /// The field a base rule's hit gives for `name` (a group-by field or
    /// alias, or the counted field).
    pub fn field_of<'a>(&'a self, rule: &str, name: &'a str) -> &'a str {
        self.aliases
            .get(name)
            .and_then(|m| m.get(rule))
            .map_or(name, String::as_str)
    }
}

/// A Sigma 1 aggregation (`selection | count(field) by group > n`, with a
/// `timeframe`): Yagura runs it as the correlation rule it stands for
/// (`count()` an `event_count`, `count(field)` a `value_count` of that
/// field) over the rule's own matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregation {
    /// The counted field, for `count(field)`.
    pub field: Option<String>,
    /// The `by` field.
    pub group_by: Option<String>,
    /// The comparison.
    pub bounds: Bounds,
    /// `timeframe`, in milliseconds (the whole hunt without one).
    pub timespan_ms: Option<i64>,
}

/// A window as long as a hunt can be: an aggregation without a
/// `timeframe` (a hundred years, in milliseconds).
pub(crate) const WHOLE_HUNT_MS: i64 = 100 * 366 * 86_400_000;

/// Reads what follows the `|` of a Sigma 1 condition: `count()` or
/// `count(field)`, an optional `by field`, a comparison (`<`, `<=`, `>`,
/// `>=`, `=`, `==`) and a count (the `timeframe` is the rule's, not
/// set here). Other functions (`min`, `max`, `avg`, `sum`) are refused
/// by name.
pub(crate) fn aggregation(text: &str) -> Result<Aggregation, String> {
    let t = text.trim();
    let Some(open) = t.find('(') else {
        return Err(format!("`{t}`: an aggregation is `count(…)`"));
    };
    let func = t[..open].trim();
    if func != "count" {
        return Err(format!(
            "`{func}()`: only the `count()` aggregation is supported"
        ));
    }
    let close = t[open..]
        .find(')')
        .map(|c| open + c)
        .ok_or_else(|| format!("`{t}`: `count(` is not closed"))?;
    let word = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@' | ':'))
    };
    let field = t[open + 1..close].trim();
    if !field.is_empty() && !word(field) {
        return Err(format!("`count({field})`: not a field name"));
    }
    let mut rest = t[close + 1..].trim_start();
    let mut group_by = None;
    if let Some(r) = rest.strip_prefix("by ") {
        let r = r.trim_start();
        let end = r.find([' ', '<', '>', '=']).unwrap_or(r.len());
        if !word(&r[..end]) {
            return Err(format!("`by {}`: not a field name", &r[..end]));
        }
        group_by = Some(r[..end].to_owned());
        rest = r[end..].trim_start();
    }
    let (op, n) = ["<=", ">=", "==", "<", ">", "="]
        .iter()
        .find_map(|op| rest.strip_prefix(op).map(|n| (*op, n.trim())))
        .ok_or_else(|| format!("`{t}`: a comparison (`> 5`) must end the aggregation"))?;
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{n}`: the count compared with must be a whole number"))?;
    let mut bounds = Bounds::default();
    match op {
        "<" => bounds.lt = Some(n),
        "<=" => bounds.lte = Some(n),
        ">" => bounds.gt = Some(n),
        ">=" => bounds.gte = Some(n),
        _ => bounds.eq = Some(n),
    }
    Ok(Aggregation {
        field: (!field.is_empty()).then(|| field.to_owned()),
        group_by,
        bounds,
        timespan_ms: None,
    })
}

/// A `timespan` (`30s`, `5m`, `1h`, `2d`, `1w`) in milliseconds.
pub fn timespan(s: &str) -> Option<i64> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = n.parse().ok()?;
    let ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return None,
    };
    n.checked_mul(ms).filter(|&t| t > 0)
}

/// Reads a correlation document; errors name the key.
pub(crate) fn correlation(d: &Yaml, c: &Yaml) -> Result<Correlation, String> {
    let text = |y: &Yaml, k: &str| y.get(k).and_then(Yaml::as_scalar_text);
    let list = |y: &Yaml, k: &str| -> Result<Vec<String>, String> {
        match y.get(k) {
            None | Some(Yaml::Null) => Ok(Vec::new()),
            Some(Yaml::Seq(items)) => items
                .iter()
                .map(|i| {
                    i.as_scalar_text()
                        .ok_or_else(|| format!("correlation.{k}: a list of names"))
                })
                .collect(),
            Some(v) => v
                .as_scalar_text()
                .map(|s| vec![s])
                .ok_or_else(|| format!("correlation.{k}: a list of names")),
        }
    };
    let kind = match text(c, "type").as_deref() {
        Some("event_count") => CorrelationKind::EventCount,
        Some("value_count") => CorrelationKind::ValueCount,
        Some("temporal") => CorrelationKind::Temporal,
        Some("temporal_ordered") => CorrelationKind::TemporalOrdered,
        Some(t) => return Err(format!("correlation.type: unknown `{t}`")),
        None => return Err("correlation.type: missing".into()),
    };
    let rules = list(c, "rules")?;
    if rules.is_empty() {
        return Err("correlation.rules: missing".into());
    }
    let ts = text(c, "timespan").ok_or("correlation.timespan: missing")?;
    let timespan_ms =
        timespan(&ts).ok_or_else(|| format!("correlation.timespan: `{ts}` is not a timespan"))?;
    let mut bounds = Bounds::default();
    let mut field = None;
    match c.get("condition") {
        Some(Yaml::Map(m)) => {
            for (k, v) in m {
                let n = || -> Result<u64, String> {
                    v.as_scalar_text()
                        .and_then(|t| t.parse().ok())
                        .ok_or_else(|| format!("correlation.condition.{k}: a count"))
                };
                match k.as_str() {
                    "gt" => bounds.gt = Some(n()?),
                    "gte" => bounds.gte = Some(n()?),
                    "lt" => bounds.lt = Some(n()?),
                    "lte" => bounds.lte = Some(n()?),
                    "eq" => bounds.eq = Some(n()?),
                    "field" => field = v.as_scalar_text(),
                    other => return Err(format!("correlation.condition: unknown `{other}`")),
                }
            }
        }
        None if matches!(
            kind,
            CorrelationKind::Temporal | CorrelationKind::TemporalOrdered
        ) => {}
        _ => return Err("correlation.condition: missing or not a mapping".into()),
    }
    if kind == CorrelationKind::ValueCount && field.is_none() {
        return Err("correlation.condition.field: value_count counts a field".into());
    }
    if matches!(
        kind,
        CorrelationKind::EventCount | CorrelationKind::ValueCount
    ) && bounds == Bounds::default()
    {
        return Err("correlation.condition: no bound (gt, gte, lt, lte, eq)".into());
    }
    let mut aliases = BTreeMap::new();
    if let Some(Yaml::Map(am)) = c.get("aliases") {
        for (alias, per) in am {
            let Yaml::Map(per) = per else {
                return Err(format!(
                    "correlation.aliases.{alias}: a mapping of rule → field"
                ));
            };
            let mut m = BTreeMap::new();
            for (rule, f) in per {
                let f = f
                    .as_scalar_text()
                    .ok_or_else(|| format!("correlation.aliases.{alias}.{rule}: a field"))?;
                m.insert(rule.clone(), f);
            }
            aliases.insert(alias.clone(), m);
        }
    }
    let generate = match c.get("generate") {
        None | Some(Yaml::Null) => false,
        Some(Yaml::Bool(b)) => *b,
        Some(_) => return Err("correlation.generate: true or false".into()),
    };
    // The metadata is read as a detection rule's.
    Ok(Correlation {
        id: rule::text(d, "id")?,
        name: rule::text(d, "name")?,
        title: rule::text(d, "title")?.ok_or("title: missing")?,
        level: rule::level(d)?,
        tags: rule::texts(d, "tags")?,
        kind,
        rules,
        group_by: list(c, "group-by")?,
        aliases,
        timespan_ms,
        bounds,
        field,
        generate,
    })
}

/// One base-rule hit as a correlation reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseHit {
    /// Which of the correlation's `rules` (its index there).
    pub rule: usize,
    /// When, in milliseconds.
    pub time_ms: i64,
    /// The event's values of the correlation's group-by fields, in order
    /// (empty text where the event has none).
    pub group: Vec<String>,
    /// The value of the counted field (`value_count`).
    pub value: Option<String>,
    /// The caller's reference to the hit (to show what it joins).
    pub token: usize,
}

/// Where a correlation holds: a group, a window and the hits in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationHit {
    /// The group-by values.
    pub group: Vec<String>,
    /// The first and last hit's times.
    pub first_ms: i64,
    /// See `first_ms`.
    pub last_ms: i64,
    /// The count the condition compared (hits, or distinct values; the
    /// number of hits for the temporal kinds).
    pub count: u64,
    /// The tokens of the hits in the window.
    pub tokens: Vec<usize>,
}

/// Runs a correlation over `hits` (any order: they are sorted by time).
/// Windows without an upper bound fire as soon as the count holds, and
/// the group starts afresh; with one (`lt`, `lte`, `eq`), each window of
/// `timespan` from a group's first unconsumed hit is judged whole.
pub fn correlate(c: &Correlation, mut hits: Vec<BaseHit>) -> Vec<CorrelationHit> {
    hits.sort_by_key(|h| (h.time_ms, h.token));
    let mut groups: HashMap<Vec<String>, Vec<BaseHit>> = HashMap::new();
    for h in hits {
        groups.entry(h.group.clone()).or_default().push(h);
    }
    let mut keys: Vec<Vec<String>> = groups.keys().cloned().collect();
    keys.sort();
    let mut out = Vec::new();
    for key in keys {
        let hs = &groups[&key];
        match c.kind {
            CorrelationKind::EventCount | CorrelationKind::ValueCount => {
                count_windows(c, &key, hs, &mut out);
            }
            CorrelationKind::Temporal => temporal(c, &key, hs, false, &mut out),
            CorrelationKind::TemporalOrdered => temporal(c, &key, hs, true, &mut out),
        }
    }
    out
}

fn count_of(c: &Correlation, window: &[&BaseHit]) -> u64 {
    match c.kind {
        CorrelationKind::ValueCount => window
            .iter()
            .filter_map(|h| h.value.as_deref())
            .collect::<BTreeSet<_>>()
            .len() as u64,
        _ => window.len() as u64,
    }
}

fn hit(key: &[String], window: &[&BaseHit], count: u64) -> CorrelationHit {
    CorrelationHit {
        group: key.to_vec(),
        first_ms: window.first().map_or(0, |h| h.time_ms),
        last_ms: window.last().map_or(0, |h| h.time_ms),
        count,
        tokens: window.iter().map(|h| h.token).collect(),
    }
}

fn count_windows(c: &Correlation, key: &[String], hs: &[BaseHit], out: &mut Vec<CorrelationHit>) {
    if c.bounds.grows() {
        let mut window: Vec<&BaseHit> = Vec::new();
        for h in hs {
            window.retain(|w| h.time_ms - w.time_ms <= c.timespan_ms);
            window.push(h);
            let n = count_of(c, &window);
            if c.bounds.holds(n) {
                out.push(hit(key, &window, n));
                window.clear();
            }
        }
    } else {
        let mut i = 0;
        while i < hs.len() {
            let start = hs[i].time_ms;
            let window: Vec<&BaseHit> = hs[i..]
                .iter()
                .take_while(|h| h.time_ms - start <= c.timespan_ms)
                .collect();
            let n = count_of(c, &window);
            if c.bounds.holds(n) {
                out.push(hit(key, &window, n));
            }
            i += window.len().max(1);
        }
    }
}

fn temporal(
    c: &Correlation,
    key: &[String],
    hs: &[BaseHit],
    ordered: bool,
    out: &mut Vec<CorrelationHit>,
) {
    let n = c.rules.len();
    // The latest hit of each rule within the window (unordered), or the
    // chain so far (ordered).
    let mut latest: Vec<Option<&BaseHit>> = vec![None; n];
    let mut chain: Vec<&BaseHit> = Vec::new();
    for h in hs {
        if ordered {
            chain.retain(|w| h.time_ms - w.time_ms <= c.timespan_ms);
            // A chain whose first hit fell out of the window starts again.
            if chain.first().is_some_and(|f| f.rule != 0) {
                chain.clear();
            }
            if h.rule == chain.len() {
                chain.push(h);
            } else if h.rule == 0 {
                chain = vec![h];
            }
            if chain.len() == n {
                out.push(hit(key, &chain, n as u64));
                chain.clear();
            }
        } else {
            for l in latest.iter_mut() {
                if l.is_some_and(|w| h.time_ms - w.time_ms > c.timespan_ms) {
                    *l = None;
                }
            }
            if let Some(slot) = latest.get_mut(h.rule) {
                *slot = Some(h);
            }
            if latest.iter().all(Option::is_some) {
                let mut window: Vec<&BaseHit> = latest.iter().flatten().copied().collect();
                window.sort_by_key(|w| (w.time_ms, w.token));
                out.push(hit(key, &window, n as u64));
                latest = vec![None; n];
            }
        }
    }
}

/// A correlation run over hits as they arrive (a live stream), one
/// [`Streaming::push`] at a time: the state of each group is what
/// [`correlate`]'s pass over it would hold at that hit, so hits pushed in
/// time order give the windows `correlate` gives for all of them at once.
/// A window with an upper bound (`lt`, `lte`, `eq`) is judged once a hit
/// of any group is past its end (no later hit in time order could join
/// it), or at [`Streaming::finish`]. A hit older than its group's newest
/// is taken as it comes (a stream out of order may join or part hits that
/// `correlate` would sort otherwise).
#[derive(Debug)]
pub struct Streaming {
    groups: HashMap<Vec<String>, Pending>,
    /// The newest hit's time so far.
    now_ms: i64,
    /// When the first upper-bounded window open closes (none open: max).
    due_ms: i64,
}

impl Default for Streaming {
    fn default() -> Self {
        Self {
            groups: HashMap::new(),
            now_ms: i64::MIN,
            due_ms: i64::MAX,
        }
    }
}

/// A group's state.
#[derive(Debug, Default)]
struct Pending {
    /// The window (counts), the chain (ordered), or the window under
    /// judgement (upper-bounded counts).
    window: Vec<BaseHit>,
    /// The latest hit of each rule (temporal, unordered).
    latest: Vec<Option<BaseHit>>,
}

impl Streaming {
    /// A correlation's run before any hit.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes `h` (a hit of `c`'s base rules) and appends the windows it
    /// closes to `out`.
    pub fn push(&mut self, c: &Correlation, h: BaseHit, out: &mut Vec<CorrelationHit>) {
        self.now_ms = self.now_ms.max(h.time_ms);
        // (Only upper-bounded counts set `due_ms`.)
        if self.now_ms > self.due_ms {
            self.close_due(c, out);
        }
        let key = h.group.clone();
        let g = self.groups.entry(key.clone()).or_default();
        let ts = c.timespan_ms;
        match c.kind {
            CorrelationKind::EventCount | CorrelationKind::ValueCount if c.bounds.grows() => {
                g.window.retain(|w| h.time_ms - w.time_ms <= ts);
                g.window.push(h);
                let refs: Vec<&BaseHit> = g.window.iter().collect();
                let n = count_of(c, &refs);
                if c.bounds.holds(n) {
                    out.push(hit(&key, &refs, n));
                    g.window.clear();
                }
            }
            CorrelationKind::EventCount | CorrelationKind::ValueCount => {
                if g.window.first().is_some_and(|f| h.time_ms - f.time_ms > ts) {
                    judge(c, &key, &g.window, out);
                    g.window.clear();
                }
                g.window.push(h);
                if let Some(f) = g.window.first() {
                    self.due_ms = self.due_ms.min(f.time_ms.saturating_add(ts));
                }
            }
            CorrelationKind::TemporalOrdered => {
                let n = c.rules.len();
                g.window.retain(|w| h.time_ms - w.time_ms <= ts);
                if g.window.first().is_some_and(|f| f.rule != 0) {
                    g.window.clear();
                }
                if h.rule == g.window.len() {
                    g.window.push(h);
                } else if h.rule == 0 {
                    g.window = vec![h];
                }
                if g.window.len() == n {
                    let refs: Vec<&BaseHit> = g.window.iter().collect();
                    out.push(hit(&key, &refs, n as u64));
                    g.window.clear();
                }
            }
            CorrelationKind::Temporal => {
                let n = c.rules.len();
                g.latest.resize(n, None);
                for l in &mut g.latest {
                    if l.as_ref().is_some_and(|w| h.time_ms - w.time_ms > ts) {
                        *l = None;
                    }
                }
                let rule = h.rule;
                if let Some(slot) = g.latest.get_mut(rule) {
                    *slot = Some(h);
                }
                if g.latest.iter().all(Option::is_some) {
                    let mut refs: Vec<&BaseHit> = g.latest.iter().flatten().collect();
                    refs.sort_by_key(|w| (w.time_ms, w.token));
                    out.push(hit(&key, &refs, n as u64));
                    g.latest = vec![None; n];
                }
            }
        }
        if g.window.is_empty() && g.latest.iter().all(Option::is_none) {
            // Nothing pending: the group starts afresh, as a new one would.
            self.groups.remove(&key);
        }
    }

    /// Judges the upper-bounded windows that end before the newest hit.
    fn close_due(&mut self, c: &Correlation, out: &mut Vec<CorrelationHit>) {
        let (now, ts) = (self.now_ms, c.timespan_ms);
        let mut due: Vec<Vec<String>> = self
            .groups
            .iter()
            .filter(|(_, g)| g.window.first().is_some_and(|f| now - f.time_ms > ts))
            .map(|(k, _)| k.clone())
            .collect();
        due.sort();
        for key in due {
            if let Some(g) = self.groups.remove(&key) {
                judge(c, &key, &g.window, out);
            }
        }
        self.due_ms = self
            .groups
            .values()
            .filter_map(|g| g.window.first())
            .map(|f| f.time_ms.saturating_add(ts))
            .min()
            .unwrap_or(i64::MAX);
    }

    /// The tokens of the hits held in open windows (that a window still to
    /// come may report).
    pub fn held(&self) -> impl Iterator<Item = usize> + '_ {
        self.groups.values().flat_map(|g| {
            g.window
                .iter()
                .chain(g.latest.iter().flatten())
                .map(|h| h.token)
        })
    }

    /// The end of the stream: the windows still open that are judged whole
    /// (upper-bounded counts), appended to `out`.
    pub fn finish(self, c: &Correlation, out: &mut Vec<CorrelationHit>) {
        if !matches!(
            c.kind,
            CorrelationKind::EventCount | CorrelationKind::ValueCount
        ) || c.bounds.grows()
        {
            return;
        }
        let mut keys: Vec<_> = self.groups.into_iter().collect();
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, g) in keys {
            judge(c, &key, &g.window, out);
        }
    }
}

/// An upper-bounded window judged whole.
fn judge(c: &Correlation, key: &[String], window: &[BaseHit], out: &mut Vec<CorrelationHit>) {
    if window.is_empty() {
        return;
    }
    let refs: Vec<&BaseHit> = window.iter().collect();
    let n = count_of(c, &refs);
    if c.bounds.holds(n) {
        out.push(hit(key, &refs, n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Correlation, String> {
        let d = crate::yaml::documents(text).expect("yaml").remove(0);
        let c = d.get("correlation").cloned().expect("a correlation");
        correlation(&d, &c)
    }

    fn h(rule: usize, t: i64, group: &str, value: &str, token: usize) -> BaseHit {
        BaseHit {
            rule,
            time_ms: t * 1000,
            group: vec![group.to_owned()],
            value: Some(value.to_owned()),
            token,
        }
    }

    proptest::proptest! {
        /// Hits pushed in time order give the windows of the batch run,
        /// for every kind, with and without an upper bound.
        #[test]
        fn streaming_in_time_order_gives_the_batch_windows(
            kind in 0usize..4,
            bound in 0usize..5,
            k in 1u64..4,
            span in 1i64..40,
            steps in proptest::collection::vec((0i64..15, 0usize..3, 0usize..2, 0usize..3), 0..60),
        ) {
            let kind = [
                CorrelationKind::EventCount,
                CorrelationKind::ValueCount,
                CorrelationKind::Temporal,
                CorrelationKind::TemporalOrdered,
            ][kind];
            let mut bounds = Bounds::default();
            match bound {
                0 => bounds.gte = Some(k),
                1 => bounds.gt = Some(k),
                2 => bounds.lt = Some(k),
                3 => bounds.lte = Some(k),
                _ => bounds.eq = Some(k),
            }
            let c = Correlation {
                id: None,
                name: None,
                title: "t".into(),
                level: None,
                tags: Vec::new(),
                kind,
                rules: vec!["a".into(), "b".into(), "c".into()],
                group_by: vec!["g".into()],
                aliases: BTreeMap::new(),
                timespan_ms: span,
                bounds,
                field: Some("v".into()),
                generate: false,
            };
            let mut t = 0;
            let hits: Vec<BaseHit> = steps
                .iter()
                .enumerate()
                .map(|(token, &(dt, rule, group, value))| {
                    t += dt;
                    BaseHit {
                        rule,
                        time_ms: t,
                        group: vec![["x", "y"][group].to_owned()],
                        value: Some(["p", "q", "r"][value].to_owned()),
                        token,
                    }
                })
                .collect();
            let mut batch = correlate(&c, hits.clone());
            let mut live = Vec::new();
            let mut s = Streaming::new();
            for h in hits {
                s.push(&c, h, &mut live);
            }
            s.finish(&c, &mut live);
            let key = |h: &CorrelationHit| (h.group.clone(), h.first_ms, h.tokens.clone());
            batch.sort_by_key(key);
            live.sort_by_key(key);
            proptest::prop_assert_eq!(batch, live);
        }
    }

    #[test]
    fn timespans() {
        assert_eq!(timespan("30s"), Some(30_000));
        assert_eq!(timespan("5m"), Some(300_000));
        assert_eq!(timespan("1h"), Some(3_600_000));
        assert_eq!(timespan("2d"), Some(172_800_000));
        assert_eq!(timespan("5x"), None);
        assert_eq!(timespan("m"), None);
        assert_eq!(timespan("0s"), None);
    }

    #[test]
    fn event_count_fires_per_group_within_the_timespan() {
        let c = parse(
            "title: brute force\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 1m\n  condition: {gte: 3}\n",
        )
        .expect("valid");
        let hits = vec![
            h(0, 0, "bob", "", 1),
            h(0, 10, "bob", "", 2),
            h(0, 20, "alice", "", 3),
            h(0, 50, "bob", "", 4),
            // After the window that fired, bob starts afresh.
            h(0, 65, "bob", "", 5),
            h(0, 200, "bob", "", 6),
        ];
        let out = correlate(&c, hits);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].group, ["bob"]);
        assert_eq!(out[0].tokens, [1, 2, 4]);
        assert_eq!(out[0].count, 3);
    }

    #[test]
    fn value_count_counts_distinct_values() {
        let c = parse(
            "title: spray\ncorrelation:\n  type: value_count\n  rules: [failed_logon]\n  group-by: [IpAddress]\n  timespan: 5m\n  condition: {gte: 3, field: TargetUserName}\n",
        )
        .expect("valid");
        let hits = vec![
            h(0, 0, "10.0.0.1", "a", 1),
            h(0, 1, "10.0.0.1", "a", 2),
            h(0, 2, "10.0.0.1", "b", 3),
            h(0, 3, "10.0.0.1", "c", 4),
        ];
        let out = correlate(&c, hits);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].count, 3);
        assert_eq!(out[0].tokens, [1, 2, 3, 4]);
    }

    #[test]
    fn an_upper_bound_judges_whole_windows() {
        let c = parse(
            "title: quiet\ncorrelation:\n  type: event_count\n  rules: [x]\n  timespan: 10s\n  condition: {lt: 2}\n",
        )
        .expect("valid");
        let out = correlate(
            &c,
            vec![h(0, 0, "", "", 1), h(0, 5, "", "", 2), h(0, 30, "", "", 3)],
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].tokens, [3]);
    }

    #[test]
    fn a_live_upper_bounded_window_is_judged_once_the_stream_is_past_it() {
        let c = parse(
            "title: quiet\ncorrelation:\n  type: event_count\n  rules: [x]\n  group-by: [Host]\n  timespan: 10s\n  condition: {lt: 2}\n",
        )
        .expect("valid");
        let mut s = Streaming::new();
        let mut out = Vec::new();
        s.push(&c, h(0, 0, "a", "", 1), &mut out);
        s.push(&c, h(0, 4, "b", "", 2), &mut out);
        // Still open: a hit of `a` within 10 s could join it.
        s.push(&c, h(0, 9, "b", "", 3), &mut out);
        assert!(out.is_empty());
        assert_eq!(s.held().collect::<BTreeSet<_>>(), BTreeSet::from([1, 2, 3]));
        // A hit past `a`'s window (of another group) closes it; `b`'s
        // window (two hits) does not hold.
        s.push(&c, h(0, 15, "c", "", 4), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].group.as_slice(), out[0].tokens.as_slice()),
            (&["a".to_owned()][..], &[1][..])
        );
        s.finish(&c, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].tokens, [4]);
    }

    #[test]
    fn temporal_kinds() {
        let t = parse(
            "title: t\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  group-by: [Host]\n  timespan: 10s\n",
        )
        .expect("valid");
        let hits = vec![
            h(1, 0, "x", "", 1),
            h(0, 5, "x", "", 2),
            h(0, 100, "x", "", 3),
        ];
        let out = correlate(&t, hits.clone());
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].tokens, [1, 2]);
        let mut o = t.clone();
        o.kind = CorrelationKind::TemporalOrdered;
        // b before a does not count in order; a then b does.
        assert!(correlate(&o, hits).is_empty());
        let out = correlate(&o, vec![h(0, 0, "x", "", 1), h(1, 3, "x", "", 2)]);
        assert_eq!(out.len(), 1);
        // Too far apart.
        assert!(correlate(&o, vec![h(0, 0, "x", "", 1), h(1, 30, "x", "", 2)]).is_empty());
    }

    #[test]
    fn bad_correlations_are_named() {
        for (text, want) in [
            (
                "title: x\ncorrelation: {type: nope, rules: [a], timespan: 1m, condition: {gte: 1}}\n",
                "unknown `nope`",
            ),
            (
                "title: x\ncorrelation: {type: event_count, timespan: 1m, condition: {gte: 1}}\n",
                "rules: missing",
            ),
            (
                "title: x\ncorrelation: {type: event_count, rules: [a], timespan: soon, condition: {gte: 1}}\n",
                "not a timespan",
            ),
            (
                "title: x\ncorrelation: {type: event_count, rules: [a], timespan: 1m, condition: {}}\n",
                "no bound",
            ),
            (
                "title: x\ncorrelation: {type: value_count, rules: [a], timespan: 1m, condition: {gte: 2}}\n",
                "counts a field",
            ),
            (
                "title: x\ncorrelation: {type: event_count, rules: [a], timespan: 1m, condition: {gte: many}}\n",
                "a count",
            ),
        ] {
            let e = parse(text).expect_err(text);
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
