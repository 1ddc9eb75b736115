//! Events for Sigma rules: an EVTX record's flattened fields renamed to
//! the names Sigma rules use, by a mapping kept as data
//! (`mappings/sigma-evtx.toml`, or a user file of the same shape).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use crate::MappingError;

mod literals;
mod sources;
use crate::event::Visitor;
use literals::{Automata, Searchers};
use sources::Route;
pub use sources::{LogSources, Origin};
use yagura_sigma::Event as _;

/// How record fields are named for Sigma.
#[derive(Debug, Clone)]
pub struct SigmaNames {
    /// Prefixes dropped (`*` is one name part).
    strip: Vec<Vec<String>>,
    names: HashMap<String, String>,
    remove_spaces: bool,
    /// Tells mappings apart (a clone names as its original does).
    serial: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    strip: Vec<String>,
    #[serde(default)]
    names: HashMap<String, String>,
    #[serde(default)]
    remove_spaces: bool,
}

impl SigmaNames {
    /// The built-in mapping for Windows events exported as JSON lines
    /// (winlogbeat, evtx_dump, Splunk).
    pub fn json() -> Self {
        Self::from_toml(include_str!("../mappings/sigma-json.toml"))
            .expect("the built-in mappings are valid")
    }

    /// The built-in mapping for syslog lines, Linux audit records and
    /// Sysmon for Linux events.
    pub fn syslog() -> Self {
        Self::from_toml(include_str!("../mappings/sigma-syslog.toml"))
            .expect("the built-in mappings are valid")
    }

    /// The built-in mapping for EVTX records.
    pub fn evtx() -> Self {
        Self::from_toml(include_str!("../mappings/sigma-evtx.toml"))
            .expect("the built-in mappings are valid")
    }

    /// A mapping from TOML text.
    pub fn from_toml(text: &str) -> Result<Self, MappingError> {
        let f: File = toml::from_str(text).map_err(|e| MappingError {
            reason: format!("not a Sigma field mapping: {e}"),
        })?;
        let strip = f
            .strip
            .iter()
            .map(|p| {
                p.trim_end_matches('.')
                    .split('.')
                    .map(str::to_owned)
                    .collect()
            })
            .collect();
        static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Ok(SigmaNames {
            strip,
            names: f.names,
            remove_spaces: f.remove_spaces,
            serial: SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The Sigma name of a record field.
    pub fn name<'a>(&self, field: &'a str) -> Cow<'a, str> {
        let n = self.renamed(field);
        if self.remove_spaces && n.contains(' ') {
            return Cow::Owned(n.replace(' ', ""));
        }
        n
    }

    fn renamed<'a>(&self, field: &'a str) -> Cow<'a, str> {
        if let Some(n) = self.names.get(field) {
            return Cow::Owned(n.clone());
        }
        for p in &self.strip {
            let mut rest = field;
            let mut ok = true;
            for part in p {
                let (head, tail) = match rest.split_once('.') {
                    Some(x) => x,
                    None => {
                        ok = false;
                        break;
                    }
                };
                if part != "*" && head != part {
                    ok = false;
                    break;
                }
                rest = tail;
            }
            if ok && !rest.is_empty() {
                return Cow::Borrowed(rest);
            }
        }
        Cow::Borrowed(field)
    }
}

type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// One event's fields by their Sigma names (a name given more than once,
/// as EVTX's unnamed `<Data>`, matches when one of its values does; its
/// first value is the one shown and compared with other fields), each
/// also kept case-folded, once for all the rules.
///
/// Made to be cleared and refilled, record after record, without
/// allocating: values live in one text buffer, names are interned (and a
/// record's own field names remembered with the Sigma name they take), and
/// the lookup table is indexed by name id.
#[derive(Debug, Default, Clone)]
pub struct SigmaEvent {
    /// Every value.
    text: String,
    fields: Vec<Slot>,
    /// Sigma name → id.
    ids: FastMap<Box<str>, u32>,
    /// Id → Sigma name.
    names: Vec<Box<str>>,
    /// Id → 1 + the index in `fields` of its first value (0: absent).
    first: Vec<u32>,
    /// Id → 1 + the index in `fields` of its last value.
    last: Vec<u32>,
    /// A record field's name → the id of its Sigma name, under the
    /// mapping of serial `mapping`.
    renamed: FastMap<Box<str>, u32>,
    mapping: u64,
    origin: Origin,
    /// See [`SigmaEvent::all_folded`].
    all_folded: String,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    id: u32,
    value: (u32, u32),
    /// In `all_folded`.
    folded: (u32, u32),
    /// 1 + the index of the name's next value (0: none).
    next: u32,
}

/// How many names an event remembers before it starts afresh (a JSON
/// source may name its fields without end).
const MAX_NAMES: usize = 1 << 16;

impl SigmaEvent {
    /// The fields in order, as (Sigma name, value).
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields
            .iter()
            .map(|f| (&*self.names[f.id as usize], self.at(f.value)))
    }

    fn at(&self, (a, b): (u32, u32)) -> &str {
        &self.text[a as usize..b as usize]
    }

    fn folded_at(&self, (a, b): (u32, u32)) -> &str {
        &self.all_folded[a as usize..b as usize]
    }

    /// Every value case-folded, each after a NUL: one text to search for
    /// what may be in any of them (a find across two values is possible,
    /// a find missed is not).
    pub fn all_folded(&self) -> &str {
        &self.all_folded
    }

    /// What kind of log the event was read from (Windows until told).
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// Says what kind of log the event was read from: it decides which
    /// rules' routes reach it.
    pub fn set_origin(&mut self, origin: Origin) {
        self.origin = origin;
    }

    /// Clears the event for the next record (a Windows one until told).
    pub fn clear(&mut self) {
        self.origin = Origin::Windows;
        for f in &self.fields {
            self.first[f.id as usize] = 0;
            self.last[f.id as usize] = 0;
        }
        self.fields.clear();
        self.text.clear();
        self.all_folded.clear();
        if self.names.len() > MAX_NAMES {
            self.ids.clear();
            self.names.clear();
            self.first.clear();
            self.last.clear();
            self.renamed.clear();
        }
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        self.first.push(0);
        self.last.push(0);
        id
    }

    fn push_id(&mut self, id: u32, value: &str) {
        let a = self.text.len() as u32;
        self.text.push_str(value);
        let b = self.text.len() as u32;
        self.all_folded.push('\0');
        let f = self.all_folded.len() as u32;
        if yagura_sigma::needs_folding(value) {
            yagura_sigma::fold_into(value, &mut self.all_folded);
        } else {
            self.all_folded.push_str(value);
        }
        let folded = (f, self.all_folded.len() as u32);
        let here = self.fields.len() as u32 + 1;
        match self.last[id as usize] {
            0 => self.first[id as usize] = here,
            prev => self.fields[prev as usize - 1].next = here,
        }
        self.last[id as usize] = here;
        self.fields.push(Slot {
            id,
            value: (a, b),
            folded,
            next: 0,
        });
    }

    /// Adds a field under its Sigma name.
    pub fn push(&mut self, name: &str, value: &str) {
        let id = self.intern(name);
        self.push_id(id, value);
    }

    /// Adds a record's field, under the name `names` gives it. An event
    /// remembers the names of one mapping: given another, it forgets them.
    pub fn push_renamed(&mut self, names: &SigmaNames, field: &str, value: &str) {
        if names.serial != self.mapping {
            self.renamed.clear();
            self.mapping = names.serial;
        }
        let id = match self.renamed.get(field) {
            Some(&id) => id,
            None => {
                let id = self.intern(&names.name(field));
                self.renamed.insert(field.into(), id);
                id
            }
        };
        self.push_id(id, value);
    }

    /// Whether any value of `name` passes `test` (`None`: no such field).
    fn any_slot(&self, name: &str, test: &mut dyn FnMut(&Slot) -> bool) -> Option<bool> {
        let mut s = self.slot(name)?;
        loop {
            if test(s) {
                return Some(true);
            }
            match s.next {
                0 => return Some(false),
                n => s = &self.fields[n as usize - 1],
            }
        }
    }

    fn slot(&self, name: &str) -> Option<&Slot> {
        let id = *self.ids.get(name)?;
        let i = *self.first.get(id as usize)?;
        (i > 0).then(|| &self.fields[i as usize - 1])
    }

    /// The event of an EVTX record (its JSON, as the EVTX reader gives it).
    pub fn of_record(record: &str, names: &SigmaNames) -> Result<Self, crate::json::JsonError> {
        let mut e = SigmaEvent::default();
        e.fill(&mut crate::json::JsonScanner::evtx(), record, names)?;
        Ok(e)
    }

    /// Clears the event and fills it with an EVTX record's fields (its
    /// JSON, as the EVTX reader gives it).
    pub fn fill(
        &mut self,
        scanner: &mut crate::json::JsonScanner,
        record: &str,
        names: &SigmaNames,
    ) -> Result<(), crate::json::JsonError> {
        self.clear();
        scanner.scan(record, &mut Renaming { names, out: self })
    }

    /// The event of a record as the EVTX reader gives it (its fields, or
    /// its JSON); `Ok(None)` for an error item.
    pub fn of_item(
        item: &crate::read::evtx::EvtxItem<'_>,
        names: &SigmaNames,
    ) -> Result<Option<Self>, crate::json::JsonError> {
        if matches!(item, crate::read::evtx::EvtxItem::Error(..)) {
            return Ok(None);
        }
        let mut e = SigmaEvent::default();
        item.visit(
            &mut crate::json::JsonScanner::evtx(),
            &mut Renaming { names, out: &mut e },
        )?;
        Ok(Some(e))
    }
}

/// Adds each field it is given to an event, under the names of a mapping.
struct Renaming<'e, 'n> {
    names: &'n SigmaNames,
    out: &'e mut SigmaEvent,
}

impl Visitor for Renaming<'_, '_> {
    fn field(&mut self, name: &str, value: &str, _quoted: bool) {
        self.out.push_renamed(self.names, name, value);
    }
}

impl yagura_sigma::Event for SigmaEvent {
    fn field(&self, name: &str) -> Option<Cow<'_, str>> {
        self.slot(name).map(|s| Cow::Borrowed(self.at(s.value)))
    }

    fn any_value(&self, test: &mut dyn FnMut(&str) -> bool) -> bool {
        self.fields.iter().any(|s| test(self.at(s.value)))
    }

    fn folded(&self, name: &str) -> Option<Cow<'_, str>> {
        self.slot(name)
            .map(|s| Cow::Borrowed(self.folded_at(s.folded)))
    }

    fn any_of(&self, name: &str, test: &mut dyn FnMut(&str) -> bool) -> Option<bool> {
        self.any_slot(name, &mut |s| test(self.at(s.value)))
    }

    fn any_of_folded(&self, name: &str, test: &mut dyn FnMut(&str) -> bool) -> Option<bool> {
        self.any_slot(name, &mut |s| test(self.folded_at(s.folded)))
    }
}

/// Which rules a hunt runs.
#[derive(Debug, Clone, Default)]
pub struct RuleFilter {
    /// Rules below this level are not run.
    pub min_level: Option<yagura_sigma::Level>,
    /// Only rules with one of these ids or tags (all when empty).
    pub include: Vec<String>,
    /// Not rules with one of these ids or tags.
    pub exclude: Vec<String>,
    /// Only rules of these statuses (all when empty; a rule with no
    /// status passes).
    pub statuses: Vec<yagura_sigma::Status>,
}

impl RuleFilter {
    /// Why a correlation rule is left out, if it is (level, ids and tags).
    pub(crate) fn why_not_correlation(&self, c: &yagura_sigma::Correlation) -> Option<String> {
        self.why_not_by(c.id.as_deref(), &c.tags, c.level, None)
    }

    fn why_not(&self, r: &yagura_sigma::Rule) -> Option<String> {
        self.why_not_by(r.id.as_deref(), &r.tags, r.level, r.status)
    }

    fn why_not_by(
        &self,
        id: Option<&str>,
        tags: &[String],
        level: Option<yagura_sigma::Level>,
        status: Option<yagura_sigma::Status>,
    ) -> Option<String> {
        let named = |list: &[String]| {
            list.iter()
                .any(|x| id == Some(x.as_str()) || tags.iter().any(|t| t.eq_ignore_ascii_case(x)))
        };
        if let Some(min) = self.min_level
            && level.is_none_or(|l| l < min)
        {
            return Some(format!("level below {min:?}").to_lowercase());
        }
        if !self.include.is_empty() && !named(&self.include) {
            return Some("not included".into());
        }
        if named(&self.exclude) {
            return Some("excluded".into());
        }
        if let Some(s) = status
            && !self.statuses.is_empty()
            && !self.statuses.contains(&s)
        {
            return Some(format!("status {s:?}").to_lowercase());
        }
        None
    }
}

/// A rule as a hunt runs it.
#[derive(Debug)]
pub struct Planned {
    /// Where it was read from.
    pub source: String,
    /// The rule, but for its search identifiers (`detection.selections`):
    /// compiled into its matcher, they are not kept.
    pub rule: yagura_sigma::Rule,
    compiled: yagura_sigma::Compiled,
    /// Meta-filters that apply: each must hold too.
    filters: Vec<std::sync::Arc<yagura_sigma::Compiled>>,
    necessary: Option<yagura_sigma::Necessary>,
    /// The EventIDs the rule itself requires (see [`required_event_ids`]).
    required: Option<Vec<u32>>,
    routes: Vec<Route>,
}

/// A rule file's document as loading leaves it: a detection rule
/// compiled and routed, or why it does not run; a correlation or a
/// meta-filter, which need every rule before they can be planned.
enum Loaded {
    Rule(Result<Box<Planned>, Left>),
    Correlation(String, yagura_sigma::Correlation),
    Filter(String, yagura_sigma::Filter),
}

impl Loaded {
    fn of(
        source: String,
        doc: Result<yagura_sigma::Document, yagura_sigma::RuleError>,
        sources: &LogSources,
        filter: &RuleFilter,
    ) -> Self {
        match doc {
            Ok(yagura_sigma::Document::Rule(r)) => {
                Loaded::Rule(prepare(source, r, sources, filter))
            }
            Ok(yagura_sigma::Document::Correlation(c)) => Loaded::Correlation(source, c),
            Ok(yagura_sigma::Document::Filter(f)) => Loaded::Filter(source, f),
            Err(e) => {
                let who =
                    e.id.clone()
                        .unwrap_or_else(|| format!("document {}", e.document));
                Loaded::Rule(Err(Left::Skipped(source, who, e.message)))
            }
        }
    }
}

/// A detection rule compiled and routed by `sources`, unless `filter`
/// leaves it out or it cannot run.
fn prepare(
    source: String,
    rule: yagura_sigma::Rule,
    sources: &LogSources,
    filter: &RuleFilter,
) -> Result<Box<Planned>, Left> {
    let who = rule.id.clone().unwrap_or_else(|| rule.title.clone());
    if filter.why_not(&rule).is_some() {
        return Err(Left::Filtered);
    }
    let routes = sources
        .routes(&rule.logsource)
        .map_err(|e| Left::Skipped(source.clone(), who.clone(), e))?;
    let compiled =
        yagura_sigma::Compiled::new(&rule).map_err(|e| Left::Skipped(source.clone(), who, e))?;
    let mut rule = rule;
    rule.detection.selections = Vec::new();
    Ok(Box::new(Planned {
        source,
        rule,
        // Events come sorted by channel and EventID already: a literal in
        // those (or the provider, one per channel, near enough) gates
        // nothing.
        necessary: compiled
            .necessary_ignoring(&|f| matches!(f, "Channel" | "EventID" | "Provider_Name")),
        required: required_event_ids(&compiled),
        compiled,
        filters: Vec::new(),
        routes,
    }))
}

/// Why a rule is not in the plan.
enum Left {
    Filtered,
    Skipped(String, String, String),
}

/// `f` over `items` on every core, results in the items' order. The
/// items are handed out in small parts, a part to whichever worker is
/// free, so that one worker's costlier items do not leave the others
/// waiting at the end.
fn par_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if threads < 2 || items.len() < 64 {
        return items.into_iter().map(f).collect();
    }
    let n = items.len();
    let per = n.div_ceil(threads * 16);
    let mut parts: Vec<Mutex<Option<Vec<T>>>> = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        parts.push(Mutex::new(Some(items.by_ref().take(per).collect())));
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (f, parts, next) = (&f, &parts, &next);
    let mut done: Vec<(usize, Vec<R>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(part) = parts.get(k) else { break };
                        let part = part
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .take()
                            .unwrap_or_default();
                        mine.push((k, part.into_iter().map(f).collect::<Vec<R>>()));
                    }
                    mine
                })
            })
            .collect();
        // A worker's panic is the caller's, not a part silently missing.
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    done.sort_unstable_by_key(|d| d.0);
    let mut out = Vec::with_capacity(n);
    for (_, part) in done {
        out.extend(part);
    }
    out
}

/// The Sigma rules (detection and correlation) of these files and folders (walked for `.yml` and
/// `.yaml`, in name order), each with its file; a file that cannot be
/// read, or is larger than `max_bytes`, is one error. Files are read and
/// parsed on every core.
pub fn load_rules(
    paths: &[std::path::PathBuf],
    max_bytes: u64,
) -> std::io::Result<
    Vec<(
        String,
        Result<yagura_sigma::Document, yagura_sigma::RuleError>,
    )>,
> {
    let per_file = map_rule_files(paths, |f| read_documents(f, max_bytes))?;
    Ok(per_file.into_iter().flatten().collect())
}

/// The rule files of these files and folders, each given to `each` as it
/// is found: folders walked for `.yml` and `.yaml`, in name order.
fn rule_files(
    paths: &[std::path::PathBuf],
    each: &mut dyn FnMut(std::path::PathBuf),
) -> std::io::Result<()> {
    fn walk(p: &std::path::Path, out: &mut dyn FnMut(std::path::PathBuf)) -> std::io::Result<()> {
        if !std::fs::metadata(p)?.is_dir() {
            out(p.to_owned());
            return Ok(());
        }
        // The entries' types as the directory gives them (no stat of each
        // file); a symbolic link is followed.
        let mut entries: Vec<(std::ffi::OsString, std::path::PathBuf, bool)> =
            std::fs::read_dir(p)?
                .filter_map(|e| {
                    let e = e.ok()?;
                    let t = e.file_type().ok()?;
                    let path = e.path();
                    let dir = if t.is_symlink() {
                        path.is_dir()
                    } else {
                        t.is_dir()
                    };
                    Some((e.file_name(), path, dir))
                })
                .collect();
        // By name: the entries share their folder, so this is the paths'
        // order. The names are the entries' own, taken once (a path's
        // `file_name` parses it from the end at every comparison).
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (_, e, dir) in entries {
            if dir {
                walk(&e, out)?;
            } else if e.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                out(e);
            }
        }
        Ok(())
    }
    for p in paths {
        walk(p, each)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
    }
    Ok(())
}

/// `f` over the rule files of `paths` on every core, results in the files'
/// order: the workers start on the first files while the folders are still
/// being walked (reading directories is the one serial step of loading).
fn map_rule_files<R: Send>(
    paths: &[std::path::PathBuf],
    f: impl Fn(&std::path::Path) -> R + Sync,
) -> std::io::Result<Vec<R>> {
    /// Files handed to a worker at a time.
    const BATCH: usize = 8;
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let (tx, rx) = std::sync::mpsc::channel::<Vec<(usize, std::path::PathBuf)>>();
    let rx = Mutex::new(rx);
    let (f, rx) = (&f, &rx);
    let (walked, mut done) = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let batch = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => break,
                        };
                        let Ok(batch) = batch else { break };
                        mine.extend(batch.into_iter().map(|(k, path)| (k, f(&path))));
                    }
                    mine
                })
            })
            .collect();
        let mut n = 0;
        let mut batch = Vec::with_capacity(BATCH);
        let walked = rule_files(paths, &mut |path| {
            batch.push((n, path));
            n += 1;
            if batch.len() == BATCH {
                // The workers end only once the sender is dropped.
                let _ = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
            }
        });
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
        drop(tx);
        // A worker's panic is the caller's, not files silently missing.
        let done: Vec<(usize, R)> = workers
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        (walked, done)
    });
    walked?;
    done.sort_unstable_by_key(|d| d.0);
    Ok(done.into_iter().map(|(_, r)| r).collect())
}

/// The documents of one rule file, each with the file's name; a file that
/// cannot be read, or is larger than `max_bytes`, is one error.
fn read_documents(
    f: &std::path::Path,
    max_bytes: u64,
) -> Vec<(
    String,
    Result<yagura_sigma::Document, yagura_sigma::RuleError>,
)> {
    let failed = |message: String| yagura_sigma::RuleError {
        document: 1,
        id: None,
        message,
    };
    thread_local! {
        /// The thread's buffer for a rule file's text.
        static TEXT: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let name = f.display().to_string();
    // Read into the thread's buffer, with room for most rule files in one
    // read (no length asked of the file first, no buffer per file).
    let mut bytes = TEXT.take();
    bytes.clear();
    bytes.reserve(64 << 10);
    // At most one byte past the limit is read, to know it is passed.
    let read = std::fs::File::open(f).and_then(|file| {
        std::io::Read::read_to_end(&mut std::io::Read::take(file, max_bytes + 1), &mut bytes)
    });
    let out = if read.is_ok() && bytes.len() as u64 > max_bytes {
        let e = failed(format!("larger than {} MiB: not read", max_bytes >> 20));
        vec![(name, Err(e))]
    } else {
        let text = read.and_then(|_| {
            std::str::from_utf8(&bytes)
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"))
        });
        match text {
            Ok(text) => yagura_sigma::load_documents(text)
                .into_iter()
                .map(|r| (name.clone(), r))
                .collect(),
            Err(e) => vec![(name, Err(failed(format!("cannot read it: {e}"))))],
        }
    };
    // A buffer grown by a large file is not kept.
    if bytes.capacity() <= 1 << 20 {
        TEXT.set(bytes);
    }
    out
}

/// What loading the rules gave: how many run, and each rule left out with
/// its source and why.
#[derive(Debug, Default, Clone)]
pub struct LoadReport {
    /// Rules that run.
    pub loaded: usize,
    /// Rules that cannot run: (source, rule id or title, reason).
    pub skipped: Vec<(String, String, String)>,
    /// Rules the filter left out.
    pub filtered: usize,
}

/// The rules of a hunt, indexed by channel and EventID so that an event
/// meets only the rules whose log source carries it.
#[derive(Debug)]
pub struct SigmaPlan {
    rules: Vec<Planned>,
    /// Correlation rules over the rules' hits.
    correlations: Vec<crate::correlate::PlannedCorrelation>,
    /// Per rule: its own hits are not reported (only its correlations').
    silent: Vec<bool>,
    /// Per rule: the fields its hits carry for correlations.
    wanted: Vec<Vec<String>>,
    /// Channel case-folded → EventID → its rules.
    by_event: HashMap<String, HashMap<u32, Bucket>>,
    /// Channel case-folded → the rules of routes with any EventID.
    by_channel: HashMap<String, Bucket>,
    /// Windows routes with no channel: every Windows event.
    any: Bucket,
    /// Those of their rules that require EventIDs, by EventID.
    any_by_id: HashMap<u32, Bucket>,
    /// Linux services' routes: every syslog line, every audit record,
    /// syslog lines by program (case-folded) and by facility.
    syslog: Bucket,
    audit: Bucket,
    by_program: HashMap<String, Bucket>,
    by_facility: HashMap<String, Bucket>,
    names: SigmaNames,
    /// The buckets' literal searchers, shared among them.
    automata: Automata,
}

/// The rules one kind of event meets, `(rule, route)` each, indexed the
/// first time such an event comes (most kinds never do in a given hunt,
/// and building their automata is most of what loading rules costs).
#[derive(Debug, Default)]
struct Bucket {
    entries: Vec<(usize, usize)>,
    index: std::sync::OnceLock<Index>,
}

impl Bucket {
    fn new(entries: Vec<(usize, usize)>) -> Self {
        Bucket {
            entries,
            index: std::sync::OnceLock::new(),
        }
    }

    /// The entries `event` may match, pushed onto `out`.
    fn candidates(&self, plan: &SigmaPlan, event: &SigmaEvent, out: &mut Vec<(usize, usize)>) {
        if self.entries.is_empty() {
            return;
        }
        self.index
            .get_or_init(|| Index::new(&self.entries, &plan.rules, &plan.automata))
            .candidates(event, out);
    }
}

/// A bucket's rules: those run on every event, and those gated by their
/// necessary literals (one Aho-Corasick automaton per event field over
/// every gated rule's literals in it), run only when one is found.
#[derive(Debug, Default)]
struct Index {
    always: Vec<(usize, usize)>,
    gated: Vec<(usize, usize)>,
    /// Per event field holding gated literals: the searchers.
    fields: Vec<FieldLiterals>,
}

/// The gated literals looked for in one event field: their searchers, and
/// the gated entries each literal opens.
#[derive(Debug)]
struct FieldLiterals {
    field: String,
    searchers: Arc<Searchers>,
    owners: Vec<Vec<u32>>,
}

impl Index {
    fn new(entries: &[(usize, usize)], rules: &[Planned], automata: &Automata) -> Self {
        let mut b = Index::default();
        // Per event field: each distinct literal once, with the gated
        // entries it opens (many rules share a literal, such as an image
        // name: the automaton reports it once, not once per rule).
        let mut lits: FastMap<&str, FastMap<&str, Vec<u32>>> = FastMap::default();
        for &(i, j) in entries {
            let p = &rules[i];
            match &p.necessary {
                None => b.always.push((i, j)),
                Some(n) => {
                    let g = b.gated.len() as u32;
                    b.gated.push((i, j));
                    let rename = &p.routes[j].rename;
                    for (field, lit) in n {
                        let f = rename.get(field).unwrap_or(field);
                        let owners = lits.entry(f.as_str()).or_default().entry(lit.as_str());
                        let owners = owners.or_default();
                        if owners.last() != Some(&g) {
                            owners.push(g);
                        }
                    }
                }
            }
        }
        let mut fields: Vec<_> = lits.into_iter().collect();
        fields.sort_by(|a, b| a.0.cmp(b.0));
        for (field, by_lit) in fields {
            let mut by_lit: Vec<_> = by_lit.into_iter().collect();
            by_lit.sort_unstable();
            let lits: Vec<&str> = by_lit.iter().map(|(lit, _)| *lit).collect();
            let built = automata.of(&lits);
            let owners: Vec<Vec<u32>> = by_lit.into_iter().map(|(_, o)| o).collect();
            match built {
                Some(searchers) => b.fields.push(FieldLiterals {
                    field: field.to_owned(),
                    searchers,
                    owners,
                }),
                // An automaton too large to build: its rules run always.
                None => {
                    let mut owners: Vec<u32> = owners.into_iter().flatten().collect();
                    owners.sort_unstable();
                    owners.dedup();
                    b.always.extend(owners.iter().map(|&g| b.gated[g as usize]));
                }
            }
        }
        b.always.sort_unstable();
        b.always.dedup();
        b
    }

    /// The entries `event` may match, pushed onto `out`.
    fn candidates(&self, event: &SigmaEvent, out: &mut Vec<(usize, usize)>) {
        out.extend_from_slice(&self.always);
        if self.gated.is_empty() {
            return;
        }
        let mut on = vec![false; self.gated.len()];
        for FieldLiterals {
            field,
            searchers,
            owners,
        } in &self.fields
        {
            let mut mark = |v: &str| {
                searchers.each_in(v, &mut |lit| {
                    for &g in &owners[lit] {
                        on[g as usize] = true;
                    }
                });
            };
            if field == yagura_sigma::ANY_FIELD {
                mark(event.all_folded());
            } else {
                // Every value of a field given more than once.
                event.any_of_folded(field, &mut |v| {
                    mark(v);
                    false
                });
            }
        }
        out.extend(
            self.gated
                .iter()
                .zip(&on)
                .filter(|(_, on)| **on)
                .map(|(e, _)| *e),
        );
    }
}

/// The EventIDs a rule requires (see [`yagura_sigma::Compiled::required_values`]),
/// when each is a number as the events' are read (`None` otherwise: the
/// rule runs on every EventID of its routes).
fn required_event_ids(c: &yagura_sigma::Compiled) -> Option<Vec<u32>> {
    c.required_values("EventID")?
        .iter()
        .map(|v| v.parse::<u32>().ok())
        .collect()
}

/// A routing table's key: a channel, program or facility case-folded as
/// [`SigmaEvent`] folds the event's values.
fn route_key(key: &str) -> String {
    yagura_sigma::fold(key, false).into_owned()
}

/// Each key's entries as a bucket.
fn buckets<K: std::hash::Hash + Eq>(m: HashMap<K, Vec<(usize, usize)>>) -> HashMap<K, Bucket> {
    m.into_iter().map(|(k, v)| (k, Bucket::new(v))).collect()
}

/// One rule hit on one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// The rule, by its index in [`SigmaPlan::rules`].
    pub rule: usize,
    /// When (`System.TimeCreated.SystemTime`).
    pub time: Option<String>,
    /// `Computer`
    pub computer: Option<String>,
    /// `Channel`
    pub channel: Option<String>,
    /// `EventID`
    pub event_id: Option<String>,
    /// The key fields of the event: the rule's `fields`, else those of a
    /// short list present in the event, as `Name: value ¦ …`.
    pub details: String,
    /// The values of the fields correlation rules group or count this
    /// rule's hits by.
    pub values: Vec<(String, String)>,
}

/// Fields shown with a hit when its rule names none.
const DETAIL_FIELDS: &[&str] = &[
    "Image",
    "CommandLine",
    "ParentImage",
    "ParentCommandLine",
    "NewProcessName",
    "TargetFilename",
    "TargetObject",
    "Details",
    "ImageLoaded",
    "QueryName",
    "DestinationIp",
    "DestinationPort",
    "PipeName",
    "ScriptBlockText",
    "ServiceName",
    "ImagePath",
    "TaskName",
    "TargetUserName",
    "SubjectUserName",
    "IpAddress",
    "User",
];

/// Fields shown with a hit on a Linux log when its rule names none.
const LINUX_DETAIL_FIELDS: &[&str] = &[
    "message",
    "proctitle",
    "a0",
    "a1",
    "a2",
    "a3",
    "exe",
    "comm",
    "name",
    "unit",
    "acct",
    "key",
];

/// A rule's view of an event routed to it: its fields renamed.
struct Renamed<'e> {
    event: &'e SigmaEvent,
    rename: &'e sources::Renames,
}

impl Renamed<'_> {
    fn name<'n>(&'n self, name: &'n str) -> &'n str {
        if self.rename.is_empty() {
            return name;
        }
        self.rename.get(name).map_or(name, String::as_str)
    }
}

impl yagura_sigma::Event for Renamed<'_> {
    fn field(&self, name: &str) -> Option<Cow<'_, str>> {
        self.event.field(self.name(name))
    }

    fn any_value(&self, test: &mut dyn FnMut(&str) -> bool) -> bool {
        self.event.any_value(test)
    }

    fn folded(&self, name: &str) -> Option<Cow<'_, str>> {
        self.event.folded(self.name(name))
    }

    fn any_of(&self, name: &str, test: &mut dyn FnMut(&str) -> bool) -> Option<bool> {
        self.event.any_of(self.name(name), test)
    }

    fn any_of_folded(&self, name: &str, test: &mut dyn FnMut(&str) -> bool) -> Option<bool> {
        self.event.any_of_folded(self.name(name), test)
    }
}

impl SigmaPlan {
    /// Compiles `rules` (each with its source), routing them by `sources`
    /// and keeping those `filter` passes.
    pub fn new(
        docs: Vec<(
            String,
            Result<yagura_sigma::Document, yagura_sigma::RuleError>,
        )>,
        sources: &LogSources,
        filter: &RuleFilter,
        names: SigmaNames,
    ) -> (Self, LoadReport) {
        // Each rule compiled on its own, the rules shared among threads.
        let loaded = par_map(docs, |(source, d)| Loaded::of(source, d, sources, filter));
        let n = loaded.len();
        Self::assemble(loaded, n, filter, names)
    }

    /// The rules of these files and folders (as [`load_rules`] reads
    /// them), compiled and routed as [`SigmaPlan::new`] does: each file is
    /// read, parsed and its rules compiled by one worker, on every core,
    /// so that a file's text and trees are freed where the next file's are
    /// made, and no list of every parsed rule is built and copied.
    pub fn load(
        paths: &[std::path::PathBuf],
        max_bytes: u64,
        sources: &LogSources,
        filter: &RuleFilter,
        names: SigmaNames,
    ) -> std::io::Result<(Self, LoadReport)> {
        let per_file = map_rule_files(paths, |f| {
            read_documents(f, max_bytes)
                .into_iter()
                .map(|(source, d)| Loaded::of(source, d, sources, filter))
                .collect::<Vec<_>>()
        })?;
        let n = per_file.iter().map(Vec::len).sum();
        Ok(Self::assemble(
            per_file.into_iter().flatten(),
            n,
            filter,
            names,
        ))
    }

    /// The plan of the loaded documents (`documents` of them), in their order: the meta-filters
    /// joined to the rules they name, the rules indexed, the correlations
    /// planned.
    fn assemble(
        loaded: impl IntoIterator<Item = Loaded>,
        documents: usize,
        filter: &RuleFilter,
        names: SigmaNames,
    ) -> (Self, LoadReport) {
        let mut report = LoadReport::default();
        // Sized for every document at once: grown by doubling, the list
        // was copied and faulted in afresh at each step.
        let mut planned = Vec::with_capacity(documents);
        let mut correlations = Vec::new();
        let mut filters = Vec::new();
        for l in loaded {
            match l {
                Loaded::Rule(Ok(p)) => planned.push(*p),
                Loaded::Rule(Err(Left::Filtered)) => report.filtered += 1,
                Loaded::Rule(Err(Left::Skipped(source, who, why))) => {
                    report.skipped.push((source, who, why));
                }
                Loaded::Correlation(source, c) => correlations.push((source, c)),
                Loaded::Filter(source, f) => filters.push((source, f)),
            }
        }
        report.loaded = planned.len();
        // Meta-filters ANDed into the rules they name.
        for (source, f) in filters {
            let who = f.id.clone().unwrap_or_else(|| f.title.clone());
            let compiled = match yagura_sigma::Compiled::of_detection(&f.detection) {
                Ok(c) => std::sync::Arc::new(c),
                Err(e) => {
                    report.skipped.push((source, who, e));
                    continue;
                }
            };
            let targets: Vec<Option<usize>> = f
                .rules
                .iter()
                .map(|r| {
                    planned.iter().position(|p| {
                        p.rule.name.as_deref() == Some(r.as_str())
                            || p.rule.id.as_deref() == Some(r.as_str())
                    })
                })
                .collect();
            if let Some(k) = targets.iter().position(Option::is_none) {
                let why = format!(
                    "filter.rules: `{}` is not among the rules that run",
                    f.rules[k]
                );
                report.skipped.push((source, who, why));
                continue;
            }
            for i in targets.into_iter().flatten() {
                planned[i].filters.push(compiled.clone());
            }
            report.loaded += 1;
        }
        let mut by_event: HashMap<String, HashMap<u32, Vec<(usize, usize)>>> = HashMap::new();
        let mut by_channel: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        let mut any = Vec::new();
        let (mut syslog, mut audit) = (Vec::new(), Vec::new());
        let mut by_program: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        let mut by_facility: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        let mut any_by_id: HashMap<u32, Vec<(usize, usize)>> = HashMap::new();
        for (i, p) in planned.iter().enumerate() {
            // The EventIDs the rule itself requires (`EventID: 4634`): it is
            // indexed under those too, not run on every event of its channel.
            let required = &p.required;
            for (j, route) in p.routes.iter().enumerate() {
                let required = required
                    .as_ref()
                    .filter(|_| !route.rename.contains_key("EventID"));
                let event_ids = match (&route.event_ids, required) {
                    (Some(ids), Some(req)) => {
                        Some(ids.iter().copied().filter(|id| req.contains(id)).collect())
                    }
                    (Some(ids), None) => Some(ids.clone()),
                    (None, req) => req.cloned(),
                };
                match route.log {
                    Some(sources::Log::Audit) => audit.push((i, j)),
                    Some(sources::Log::Syslog)
                        if route.programs.is_empty() && route.facilities.is_empty() =>
                    {
                        syslog.push((i, j));
                    }
                    Some(sources::Log::Syslog) => {
                        for prog in &route.programs {
                            by_program.entry(route_key(prog)).or_default().push((i, j));
                        }
                        for f in &route.facilities {
                            by_facility.entry(route_key(f)).or_default().push((i, j));
                        }
                    }
                    None if route.channels.is_empty() => match &event_ids {
                        Some(ids) => {
                            for &id in ids {
                                any_by_id.entry(id).or_default().push((i, j));
                            }
                        }
                        None => any.push((i, j)),
                    },
                    None => {}
                }
                for ch in &route.channels {
                    let ch = route_key(ch);
                    match &event_ids {
                        Some(ids) => {
                            let by_id = by_event.entry(ch).or_default();
                            for &id in ids {
                                by_id.entry(id).or_default().push((i, j));
                            }
                        }
                        None => by_channel.entry(ch).or_default().push((i, j)),
                    }
                }
            }
        }
        let (correlations, silent, wanted) =
            crate::correlate::plan(correlations, &planned, filter, &mut report);
        report.loaded += correlations.len();
        let plan = SigmaPlan {
            correlations,
            silent,
            wanted,
            by_event: by_event
                .into_iter()
                .map(|(ch, by_id)| (ch, buckets(by_id)))
                .collect(),
            by_channel: buckets(by_channel),
            any: Bucket::new(any),
            any_by_id: buckets(any_by_id),
            syslog: Bucket::new(syslog),
            audit: Bucket::new(audit),
            by_program: buckets(by_program),
            by_facility: buckets(by_facility),
            rules: planned,
            names,
            automata: Automata::default(),
        };
        (plan, report)
    }

    /// The correlation rules.
    pub fn correlations(&self) -> &[crate::correlate::PlannedCorrelation] {
        &self.correlations
    }

    /// Whether a rule's own hits are left unreported (its correlations,
    /// none of which asks for `generate`, report for it).
    pub fn is_silent(&self, rule: usize) -> bool {
        self.silent.get(rule).copied().unwrap_or(false)
    }

    /// Whether a rule's hits feed a correlation.
    pub fn feeds_correlations(&self, rule: usize) -> bool {
        self.wanted.get(rule).is_some_and(|w| !w.is_empty())
            || self.correlations.iter().any(|c| c.base.contains(&rule))
    }

    /// The rules, as [`Detection::rule`] counts them.
    pub fn rules(&self) -> &[Planned] {
        &self.rules
    }

    /// The rules an EVTX record meets, pushed onto `out`.
    pub fn detect(
        &self,
        record: &str,
        out: &mut Vec<Detection>,
    ) -> Result<(), crate::json::JsonError> {
        let event = SigmaEvent::of_record(record, &self.names)?;
        self.detect_event(&event, out);
        Ok(())
    }

    /// How this plan names an EVTX record's fields.
    pub fn names(&self) -> &SigmaNames {
        &self.names
    }

    /// The rules an event (fields already under Sigma names) meets: those
    /// whose routes reach its origin, channel and EventID, program or
    /// facility.
    pub fn detect_event(&self, event: &SigmaEvent, out: &mut Vec<Detection>) {
        let mut candidates: Vec<(usize, usize)> = Vec::new();
        let origin = event.origin();
        match origin {
            Origin::Windows => self.any.candidates(self, event, &mut candidates),
            Origin::Syslog => {
                self.syslog.candidates(self, event, &mut candidates);
                for (field, table) in [
                    ("Program", &self.by_program),
                    ("syslog.facility", &self.by_facility),
                ] {
                    if let Some(b) = event.folded(field).and_then(|p| table.get(&*p)) {
                        b.candidates(self, event, &mut candidates);
                    }
                }
            }
            Origin::Audit => self.audit.candidates(self, event, &mut candidates),
            Origin::Other => return,
        }
        // Channels: Windows events, and Sysmon for Linux's in syslog; the
        // event's folded value is the tables' key.
        let channel = match origin {
            Origin::Windows | Origin::Syslog => event.folded("Channel"),
            _ => None,
        };
        // Every EventID the event gives (one, but for a JSON event that
        // repeats it), as the rules' `EventID` items test every value.
        let mut eids = Vec::new();
        event.any_of("EventID", &mut |e| {
            if let Ok(id) = e.trim().parse::<u32>() {
                eids.push(id);
            }
            false
        });
        if origin == Origin::Windows {
            for id in &eids {
                if let Some(b) = self.any_by_id.get(id) {
                    b.candidates(self, event, &mut candidates);
                }
            }
        }
        if let Some(ch) = &channel {
            if let Some(by_id) = self.by_event.get(&**ch) {
                for id in &eids {
                    if let Some(b) = by_id.get(id) {
                        b.candidates(self, event, &mut candidates);
                    }
                }
            }
            if let Some(b) = self.by_channel.get(&**ch) {
                b.candidates(self, event, &mut candidates);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut last = None;
        for (i, j) in candidates {
            if last == Some(i) {
                continue;
            }
            let p = &self.rules[i];
            let view = Renamed {
                event,
                rename: &p.routes[j].rename,
            };
            if p.compiled.matches(&view) && p.filters.iter().all(|f| f.matches(&view)) {
                last = Some(i);
                let (channel, event_id) = match origin {
                    Origin::Audit => (Some("auditd".into()), event.field("type")),
                    Origin::Syslog => (
                        event.field("Channel").or_else(|| event.field("Program")),
                        event.field("EventID"),
                    ),
                    Origin::Windows | Origin::Other => {
                        (event.field("Channel"), event.field("EventID"))
                    }
                };
                out.push(Detection {
                    rule: i,
                    time: event
                        .field("TimeCreated")
                        .or_else(|| event.field("syslog.timestamp"))
                        .map(Cow::into_owned),
                    computer: event.field("Computer").map(Cow::into_owned),
                    channel: channel.map(Cow::into_owned),
                    event_id: event_id.map(Cow::into_owned),
                    details: details(&p.rule, &view, origin),
                    values: self.wanted[i]
                        .iter()
                        .filter_map(|f| view.field(f).map(|v| (f.clone(), v.into_owned())))
                        .collect(),
                });
            }
        }
    }
}

fn details(rule: &yagura_sigma::Rule, event: &dyn yagura_sigma::Event, origin: Origin) -> String {
    let names: Vec<&str> = if !rule.fields.is_empty() {
        rule.fields.iter().map(String::as_str).collect()
    } else if matches!(origin, Origin::Syslog | Origin::Audit) && event.field("Channel").is_none() {
        LINUX_DETAIL_FIELDS.to_vec()
    } else {
        DETAIL_FIELDS.to_vec()
    };
    let mut out = String::new();
    for n in names {
        if let Some(v) = event.field(n)
            && !v.is_empty()
        {
            if !out.is_empty() {
                out.push_str(" ¦ ");
            }
            out.push_str(n);
            out.push_str(": ");
            out.push_str(&v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_mappings_are_valid() {
        for text in [
            include_str!("../mappings/sigma-evtx.toml"),
            include_str!("../mappings/sigma-json.toml"),
            include_str!("../mappings/sigma-syslog.toml"),
        ] {
            assert!(SigmaNames::from_toml(text).is_ok());
        }
        assert!(LogSources::from_toml(include_str!("../mappings/sigma-logsources.toml")).is_ok());
    }

    #[test]
    fn record_fields_take_sigma_names() {
        let rec = serde_json::json!({
            "System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
                       "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational"},
            "EventData": {"Image": "C:\\Windows\\System32\\whoami.exe"},
            "UserData": {"LogFileCleared": {"SubjectUserName": "bob"}},
        });
        let mut rec = rec;
        rec["EventData"]["Threat Name"] = "EICAR".into();
        let e = SigmaEvent::of_record(
            &serde_json::json!({ "Event": rec }).to_string(),
            &SigmaNames::evtx(),
        )
        .expect("JSON");
        assert_eq!(e.field("EventID").as_deref(), Some("1"));
        assert_eq!(
            e.field("Provider_Name").as_deref(),
            Some("Microsoft-Windows-Sysmon")
        );
        assert_eq!(
            e.field("Image").as_deref(),
            Some("C:\\Windows\\System32\\whoami.exe")
        );
        assert_eq!(e.field("SubjectUserName").as_deref(), Some("bob"));
        assert_eq!(e.field("ThreatName").as_deref(), Some("EICAR"));
        assert!(e.field("System.EventID").is_none());
        assert!(SigmaNames::from_toml("strip = 3").is_err());
        assert!(SigmaNames::from_toml("other = []").is_err());
    }

    #[test]
    fn a_field_given_several_times_matches_by_any_of_its_values() {
        let mut e = SigmaEvent::default();
        for v in ["unexisting-user", " Reason: …", " [CLIENT: 10.23.23.9]"] {
            e.push("Data", v);
        }
        e.push("EventID", "18456");
        let rule = |d: &str| {
            let text = format!("title: t\nlogsource: {{product: windows}}\ndetection:\n{d}");
            let r = yagura_sigma::load(&text).remove(0).expect("a rule");
            yagura_sigma::Compiled::new(&r).expect("compiles")
        };
        let internal = rule("  f:\n    Data|contains: 'CLIENT: 10.'\n  condition: f\n");
        assert!(internal.matches(&e));
        let external = rule(
            "  s:\n    EventID: 18456\n  f:\n    Data|contains: 'CLIENT: 10.'\n  condition: s and not f\n",
        );
        assert!(!external.matches(&e));
        let both = rule("  s:\n    Data|contains|all: ['unexisting', 'client']\n  condition: s\n");
        assert!(both.matches(&e));
        assert_eq!(e.field("Data").as_deref(), Some("unexisting-user"));
        e.clear();
        e.push("Data", "x");
        assert!(!internal.matches(&e));
    }

    #[test]
    fn every_log_source_of_sigmahq_has_a_route() {
        let ls = LogSources::built_in();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/sigma/tests/logsource.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            println!("skipped: {} is absent", path.display());
            return;
        };
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let mut missing = Vec::new();
        for product in ["windows", "linux"] {
            let w = &v["legit"][product];
            for (kind, table) in [("category", &w["category"]), ("service", &w["service"])] {
                for name in table.as_object().expect("a table").keys() {
                    let source = yagura_sigma::LogSource {
                        product: Some(product.into()),
                        category: (kind == "category").then(|| name.clone()),
                        service: (kind == "service").then(|| name.clone()),
                    };
                    // IIS writes W3C text logs, not EVTX.
                    if ls.routes(&source).is_err() && name != "iis" {
                        missing.push(format!("{product} {kind} {name}"));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "no route: {missing:?}");
    }

    fn plan(rule: &str) -> SigmaPlan {
        let rules = vec![(
            "t.yml".to_owned(),
            yagura_sigma::load_documents(rule).remove(0),
        )];
        let (p, r) = SigmaPlan::new(
            rules,
            &LogSources::built_in(),
            &RuleFilter::default(),
            SigmaNames::evtx(),
        );
        assert_eq!(r.loaded, 1, "{:?}", r.skipped);
        p
    }

    #[test]
    fn rules_meet_only_the_events_of_their_log_source() {
        let p = plan(
            "title: whoami\nlevel: high\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel\n",
        );
        let sysmon = |eid: u32, image: &str| {
            serde_json::json!({"Event": {"System": {"EventID": eid, "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "ws1"},
                               "EventData": {"Image": image}}}).to_string()
        };
        let mut out = Vec::new();
        p.detect(&sysmon(1, "C:\\Windows\\whoami.exe"), &mut out)
            .expect("JSON");
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].computer.as_deref(), Some("ws1"));
        assert!(
            out[0].details.contains("Image: C:\\Windows\\whoami.exe"),
            "{}",
            out[0].details
        );
        // A file event with the same field is not a process creation.
        p.detect(&sysmon(11, "C:\\Windows\\whoami.exe"), &mut out)
            .expect("JSON");
        assert_eq!(out.len(), 1);
        // Security 4688 names the image NewProcessName.
        let sec = serde_json::json!({"Event": {"System": {"EventID": 4688, "Channel": "Security"},
                                     "EventData": {"NewProcessName": "C:\\Windows\\System32\\whoami.exe"}}})
        .to_string();
        p.detect(&sec, &mut out).expect("JSON");
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn a_rule_is_indexed_under_the_event_ids_it_requires() {
        let logoff = plan(
            "title: logoff\nlevel: low\nlogsource: {product: windows, service: security}\ndetection:\n  sel:\n    EventID: [4634, 4647]\n  condition: sel\n",
        );
        // Under its two EventIDs, not run on every Security event.
        assert!(logoff.by_channel.is_empty());
        let mut ids: Vec<u32> = logoff.by_event["security"].keys().copied().collect();
        ids.sort_unstable();
        assert_eq!(ids, [4634, 4647]);
        let event = |channel: &str, eid: serde_json::Value| {
            serde_json::json!({"Event": {"System": {"EventID": eid, "Channel": channel}}})
                .to_string()
        };
        let hits = |p: &SigmaPlan, rec: &str| {
            let mut out = Vec::new();
            p.detect(rec, &mut out).expect("JSON");
            out.len()
        };
        assert_eq!(hits(&logoff, &event("Security", 4634.into())), 1);
        assert_eq!(hits(&logoff, &event("Security", 4647.into())), 1);
        assert_eq!(hits(&logoff, &event("Security", 4624.into())), 0);
        assert_eq!(hits(&logoff, &event("System", 4634.into())), 0);
        // With the qualifiers EVTX gives some EventIDs.
        let qualified = serde_json::json!({"#attributes": {"Qualifiers": 16384}, "#text": 4647});
        assert_eq!(hits(&logoff, &event("Security", qualified)), 1);
        // A rule of every Windows channel, by its EventID alone.
        let any = plan(
            "title: 4624\nlevel: low\nlogsource: {product: windows}\ndetection:\n  sel:\n    EventID: 4624\n  condition: sel\n",
        );
        assert!(any.any.entries.is_empty());
        assert_eq!(hits(&any, &event("Security", 4624.into())), 1);
        assert_eq!(hits(&any, &event("Application", 4624.into())), 1);
        assert_eq!(hits(&any, &event("Security", 4625.into())), 0);
        // Its category's EventID and the rule's, both: none in common, no
        // event can reach it.
        let neither = plan(
            "title: x\nlevel: low\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    EventID: 3\n    Image|endswith: '\\x.exe'\n  condition: sel\n",
        );
        assert!(neither.by_event.values().all(HashMap::is_empty));
    }

    #[test]
    fn the_plan_finds_a_literal_in_any_value_of_a_repeated_field() {
        let p = plan(
            "title: ntds\nlevel: high\nlogsource: {product: windows, service: application}\ndetection:\n  sel:\n    EventID: 216\n    Data|contains: 'ntds.dit'\n  condition: sel\n",
        );
        let rec =
            serde_json::json!({"Event": {"System": {"EventID": 216, "Channel": "Application"},
            "EventData": {"Data": {"#text": ["lsass", 548, "C:\\Windows\\NTDS\\ntds.dit"]}}}})
            .to_string();
        let mut out = Vec::new();
        p.detect(&rec, &mut out).expect("JSON");
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn a_meta_filter_takes_matches_out_of_the_rules_it_names() {
        let docs = "title: whoami\nname: whoami\nlevel: high\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: '\\\\whoami.exe'\n  condition: sel\n---\ntitle: not on admin hosts\nlogsource: {product: windows}\nfilter:\n  rules: [whoami]\n  selection:\n    Computer|startswith: 'ADM-'\n  condition: not selection\n---\ntitle: broken\nlogsource: {product: windows}\nfilter:\n  rules: [nothing_here]\n  selection: {A: b}\n  condition: not selection\n";
        let docs = yagura_sigma::load_documents(docs)
            .into_iter()
            .map(|d| ("t.yml".to_owned(), d))
            .collect();
        let (p, r) = SigmaPlan::new(
            docs,
            &LogSources::built_in(),
            &RuleFilter::default(),
            SigmaNames::evtx(),
        );
        assert_eq!(r.loaded, 2, "{:?}", r.skipped);
        assert!(
            r.skipped[0]
                .2
                .contains("`nothing_here` is not among the rules")
        );
        let ev = |computer: &str| {
            serde_json::json!({"Event": {"System": {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": computer},
                               "EventData": {"Image": "C:\\Windows\\whoami.exe"}}}).to_string()
        };
        let mut out = Vec::new();
        p.detect(&ev("WS-1"), &mut out).expect("JSON");
        p.detect(&ev("ADM-1"), &mut out).expect("JSON");
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].computer.as_deref(), Some("WS-1"));
    }

    #[test]
    fn the_load_report_says_why_rules_do_not_run() {
        let rules = vec![
            ("a.yml".to_owned(), yagura_sigma::load_documents("title: x\nlevel: high\nlogsource: {product: macos, category: process_creation}\ndetection: {sel: {a: b}, condition: sel}\n").remove(0)),
            ("b.yml".to_owned(), yagura_sigma::load_documents("title: y\nlevel: high\nlogsource: {product: windows, category: no_such}\ndetection: {sel: {a: b}, condition: sel}\n").remove(0)),
            ("c.yml".to_owned(), yagura_sigma::load_documents("title: z\nlevel: high\nlogsource: {product: windows}\ndetection: {sel: {a|expand: '%x%'}, condition: sel}\n").remove(0)),
            ("d.yml".to_owned(), yagura_sigma::load_documents("title: w\nlevel: high\nlogsource: {product: windows}\ndetection: {sel: {a|bad: b}, condition: sel}\n").remove(0)),
            ("e.yml".to_owned(), yagura_sigma::load_documents("title: v\nlevel: low\nlogsource: {product: windows}\ndetection: {sel: {a: b}, condition: sel}\n").remove(0)),
        ];
        let filter = RuleFilter {
            min_level: Some(yagura_sigma::Level::Medium),
            ..RuleFilter::default()
        };
        let (_, r) = SigmaPlan::new(rules, &LogSources::built_in(), &filter, SigmaNames::evtx());
        assert_eq!(r.loaded, 0);
        assert_eq!(r.filtered, 1);
        let why: Vec<&str> = r.skipped.iter().map(|s| s.2.as_str()).collect();
        assert!(why[0].contains("product `macos`"), "{why:?}");
        assert!(why[1].contains("no EVTX route"), "{why:?}");
        assert!(why[2].contains("expand"), "{why:?}");
        assert!(why[3].contains("unknown modifier"), "{why:?}");
    }

    #[test]
    fn loading_a_folder_plans_what_reading_then_planning_it_does() {
        let dir = std::env::temp_dir().join(format!("yagura-load-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let rule = |title: &str, level: &str, cond: &str| {
            format!(
                "title: {title}\nid: {title}\nlevel: {level}\nlogsource: {{product: windows, service: security}}\ndetection: {{sel: {{EventID: 4624, TargetUserName: {title}}}, condition: {cond}}}\n"
            )
        };
        let files = [
            ("a.yml", rule("a", "high", "sel")),
            ("b.yaml", rule("b", "low", "sel")),
            ("c.yml", rule("c", "high", "sel and")),
            ("d.yml", "title: f\nid: f\nfilter:\n  rules: [a]\n  selection: {IpAddress: '-'}\n  condition: not selection\nlogsource: {product: windows}\n".to_owned()),
            ("e.yml", "title: g\nid: g\ncorrelation: {type: event_count, rules: [a], group-by: [IpAddress], timespan: 5m, condition: {gte: 3}}\nlevel: high\n".to_owned()),
            ("f.yml", "title: [unclosed\n".to_owned()),
            ("sub/g.yml", format!("{}---\n{}", rule("h", "high", "sel"), rule("i", "medium", "sel"))),
            ("sub/notes.txt", rule("j", "high", "sel")),
        ];
        for (name, text) in &files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        std::fs::write(dir.join("sub/k.yml"), [0xff, 0xfe, b'\n']).unwrap();
        let filter = RuleFilter {
            min_level: Some(yagura_sigma::Level::Medium),
            ..RuleFilter::default()
        };
        let sources = LogSources::built_in();
        let paths = [dir.clone()];
        let docs = load_rules(&paths, 1 << 20).unwrap();
        let (read_then_planned, r1) = SigmaPlan::new(docs, &sources, &filter, SigmaNames::evtx());
        let (loaded, r2) =
            SigmaPlan::load(&paths, 1 << 20, &sources, &filter, SigmaNames::evtx()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let rules = |p: &SigmaPlan| -> Vec<(String, String, usize)> {
            p.rules()
                .iter()
                .map(|r| (r.source.clone(), r.rule.title.clone(), r.filters.len()))
                .collect()
        };
        // a, h and i run (b is below the level), a with its filter.
        assert_eq!(
            rules(&loaded)
                .iter()
                .map(|r| r.1.as_str())
                .collect::<Vec<_>>(),
            ["a", "h", "i"]
        );
        assert_eq!(rules(&loaded)[0].2, 1);
        assert_eq!(rules(&loaded), rules(&read_then_planned));
        assert_eq!(loaded.correlations().len(), 1);
        assert_eq!(read_then_planned.correlations().len(), 1);
        assert_eq!((r2.loaded, r2.filtered), (r1.loaded, r1.filtered));
        assert_eq!((r2.loaded, r2.filtered), (5, 1));
        assert_eq!(r2.skipped, r1.skipped);
        let skipped: Vec<&str> = r2
            .skipped
            .iter()
            .map(|s| s.0.rsplit('/').next().unwrap_or(""))
            .collect();
        assert_eq!(skipped, ["c.yml", "f.yml", "k.yml"], "{:?}", r2.skipped);
    }

    #[test]
    fn a_missing_rule_path_after_files_already_handed_out_is_the_error() {
        let dir = std::env::temp_dir().join(format!("yagura-load-missing-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // More files than one batch, so that workers are busy when the walk
        // fails.
        for i in 0..40 {
            let rule = format!(
                "title: r{i}\nlogsource: {{product: windows}}\ndetection: {{sel: {{a: b}}, condition: sel}}\n"
            );
            std::fs::write(dir.join(format!("r{i:02}.yml")), rule).unwrap();
        }
        let sources = LogSources::built_in();
        let filter = RuleFilter::default();
        let all = SigmaPlan::load(
            std::slice::from_ref(&dir),
            1 << 20,
            &sources,
            &filter,
            SigmaNames::evtx(),
        );
        assert_eq!(all.map(|(_, r)| r.loaded).ok(), Some(40));
        let missing = dir.join("no-such-folder");
        let e = SigmaPlan::load(
            &[dir.clone(), missing],
            1 << 20,
            &sources,
            &filter,
            SigmaNames::evtx(),
        )
        .err()
        .map(|e| e.to_string());
        std::fs::remove_dir_all(&dir).unwrap();
        let e = e.unwrap_or_default();
        assert!(
            e.contains("no-such-folder") && e.contains("No such file"),
            "{e}"
        );
    }
}
