//! `yagura hunt`: which events of these logs touch known-bad values, from
//! the store's active indicators (`--intel`) or IOC files (`--iocs`), and
//! which EVTX records Sigma rules (`--sigma`) detect, as a timeline.
//! Exit codes as grep's: 0 hits, 1 none, 2 an error (hits found before it
//! are still printed).

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::{ArgGroup, Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use yagura_core::{IntelStore, ObjectFilter, ObjectMeta, OrgId, StoreTx as _};
use yagura_detect::Match;
use yagura_detect::event::Place;
use yagura_detect::fields::FieldMap;
use yagura_detect::hunt::{Finding, Unmapped};
use yagura_detect::intel::{Intel, IntelBuilder};
use yagura_detect::read::Format;
use yagura_detect::run::{self, Input, Options, Report};
use yagura_detect::sigma::{Detection, LogSources, RuleFilter, SigmaNames, SigmaPlan};
use yagura_formats::ioc::ListItem;
use yagura_stix::{StixObject, Timestamp, Tlp};
use yagura_store::SqliteStore;

/// How hits are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    /// One line per hit, for people.
    Table,
    /// One JSON object per hit.
    Jsonl,
    /// CSV with a header.
    Csv,
}

/// A Sigma rule level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MinLevel {
    /// informational
    Informational,
    /// low
    Low,
    /// medium
    Medium,
    /// high
    High,
    /// critical
    Critical,
}

/// The format of the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Detected per input from its content.
    Auto,
    /// JSON lines.
    Json,
    /// Zeek TSV.
    Zeek,
    /// Syslog (RFC 3164/5424), CEF, LEEF.
    Syslog,
    /// CSV with a header.
    Csv,
    /// Windows EVTX.
    Evtx,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("intel-source").required(true).multiple(true).args(["intel", "iocs", "sigma"])))]
pub(crate) struct HuntArgs {
    /// Log files or folders (walked recursively); `-` or nothing for
    /// standard input; `nats://host:port/subject` for the messages of a
    /// NATS subject (wildcards allowed) until SIGINT or SIGTERM. Plain,
    /// gzip or zstd.
    paths: Vec<PathBuf>,
    /// Look for the store's active indicators (valid now, not revoked).
    #[arg(long)]
    intel: bool,
    /// Look for the indicators of this file (repeatable): a STIX bundle, a
    /// CSV or a plain list of values (IPs, networks, domains, URLs,
    /// hashes, emails).
    #[arg(long, value_name = "FILE")]
    iocs: Vec<PathBuf>,
    /// Run the Sigma rules (detection, correlation, meta-filter) of this
    /// file or folder (repeatable; folders walked for `.yml` / `.yaml`)
    /// over EVTX records and JSON exports of Windows events.
    #[arg(long, value_name = "PATH")]
    sigma: Vec<PathBuf>,
    /// Run only Sigma rules of this level or above.
    #[arg(long, value_enum)]
    min_level: Option<MinLevel>,
    /// Run only the Sigma rules with this id or tag (repeatable).
    #[arg(long, value_name = "ID|TAG")]
    rule_include: Vec<String>,
    /// Do not run the Sigma rules with this id or tag (repeatable).
    #[arg(long, value_name = "ID|TAG")]
    rule_exclude: Vec<String>,
    /// Run only Sigma rules of this status (repeatable: stable, test,
    /// experimental, deprecated, unsupported; default: all).
    #[arg(long, value_name = "STATUS")]
    rule_status: Vec<String>,
    /// The logs' format.
    #[arg(long, value_enum, default_value = "auto")]
    log_format: LogFormat,
    /// A field mapping: a built-in name (ecs, splunk, zeek, cef, windows,
    /// common) or a TOML file (repeatable). Default: all built-in.
    #[arg(long, value_name = "NAME|FILE")]
    mapping: Vec<String>,
    /// Check only mapped fields (not other fields by the form of their
    /// values).
    #[arg(long)]
    mapped_only: bool,
    /// Domain indicators match only themselves, not their subdomains.
    #[arg(long)]
    no_subdomains: bool,
    /// How hits are written.
    #[arg(long, value_enum, default_value = "table")]
    output: Output,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Write hits as they are found, not in input order.
    #[arg(long)]
    unordered: bool,
    /// Stop at the first input error.
    #[arg(long)]
    strict: bool,
    /// Record a STIX sighting per indicator hit in the store (count, first
    /// and last seen), sighted at `--org`.
    #[arg(long, requires = "org")]
    sightings: bool,
    /// The organization the logs belong to (for `--sightings`).
    #[arg(long)]
    org: Option<OrgId>,
    /// Lines longer than this many bytes are reported and skipped.
    #[arg(long, default_value_t = 1 << 20)]
    max_line: usize,
    /// Read every JSON line field by field, so that every malformed record
    /// is reported (by default a line shaped as a JSON object with no
    /// value that could hit is not read further).
    #[arg(long)]
    validate: bool,
    /// Follow the files as they grow, as `tail -F` does (rotated and
    /// truncated files included), reporting each hit, and each correlation
    /// window as it holds, as its line arrives, until SIGINT or SIGTERM;
    /// then the last windows and the summary are reported and the hunt
    /// ends. (A pipe on standard input is always read as it comes, until
    /// its end or SIGINT/SIGTERM.) CSV and EVTX files are read once.
    #[arg(long)]
    follow: bool,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    quiet: bool,
}

impl HuntArgs {
    /// Whether the command needs the store.
    pub(crate) fn needs_store(&self) -> bool {
        self.intel || self.sightings
    }
}

fn field_map(args: &HuntArgs) -> Result<FieldMap> {
    if args.mapping.is_empty() {
        return Ok(FieldMap::built_in());
    }
    let mut m = FieldMap::new();
    for name in &args.mapping {
        let text = match FieldMap::named(name) {
            Some(t) => t.to_owned(),
            None => std::fs::read_to_string(name).with_context(|| {
                format!("{name:?} is neither a built-in mapping nor a readable file")
            })?,
        };
        m.add_toml(&text)
            .with_context(|| format!("mapping {name}"))?;
    }
    Ok(m)
}

/// Adds the indicators of an IOC file.
fn add_file(b: &mut IntelBuilder, path: &PathBuf) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path.display().to_string();
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        // The store's own streamed reader: a bundle, a list or one object.
        let mut bad: Option<anyhow::Error> = None;
        yagura_stix::bundle::for_each_object(text.as_bytes(), |at, o| match o {
            Ok(o) => b.add_object(&o, None),
            Err(e) => {
                let at = match at {
                    yagura_stix::bundle::Position::Listed(n) => format!("object {}", n + 1),
                    yagura_stix::bundle::Position::Alone => "the object".to_owned(),
                };
                bad.get_or_insert_with(|| {
                    anyhow::anyhow!("{name}: {at} is not a STIX object: {e}")
                });
            }
        })
        .with_context(|| format!("{name}: neither a STIX bundle nor a list of objects"))?;
        return bad.map_or(Ok(()), Err);
    }
    let csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let items = if csv {
        yagura_formats::ioc::read_csv(&text).map_err(|e| anyhow::anyhow!("{name}: {e}"))?
    } else {
        yagura_formats::ioc::read_lines(&text)
    };
    for item in items {
        if let ListItem::Value {
            line, kind, value, ..
        } = item
        {
            // `name:line`, without `format!`'s machinery for each of a
            // list's (maybe million) values.
            let mut source = String::with_capacity(name.len() + 21);
            source.push_str(&name);
            source.push(':');
            source.push_str(itoa::Buffer::new().format(line));
            b.add_value(kind, &value, source)
                .with_context(|| format!("{name}: line {line}"))?;
        }
    }
    Ok(())
}

/// Adds the store's indicators and what they relate to.
async fn add_store(b: &mut IntelBuilder, store: &SqliteStore) -> Result<()> {
    let filter = ObjectFilter {
        types: [
            "indicator",
            "relationship",
            "intrusion-set",
            "threat-actor",
            "campaign",
            "malware",
            "tool",
        ]
        .map(String::from)
        .to_vec(),
        ..ObjectFilter::default()
    };
    let mut after = 0;
    loop {
        let page = store.page(&filter, after, 5_000).await?;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        for (_, o) in &page {
            b.add_object(&o.object, o.meta.tlp);
        }
    }
    Ok(())
}

async fn compile(args: &HuntArgs, store: Option<&SqliteStore>) -> Result<Intel> {
    let mut b = IntelBuilder::new(Timestamp::now(), !args.no_subdomains);
    for f in &args.iocs {
        add_file(&mut b, f)?;
    }
    if let Some(store) = store.filter(|_| args.intel) {
        add_store(&mut b, store).await?;
    }
    Ok(b.build())
}

fn place(p: Place) -> String {
    match p {
        Place::Line(n) => n.to_string(),
        Place::Record(n) => format!("record {n}"),
    }
}

fn how(m: &Match) -> String {
    match m {
        Match::Exact => "exact".into(),
        Match::Network { network } => format!("in {network}"),
        Match::Subdomain { of } => format!("under {of}"),
    }
}

struct Writer<'a> {
    out: Box<dyn Write + 'a>,
    output: Output,
    intel: &'a Intel,
    csv: Option<csv::Writer<Box<dyn Write + 'a>>>,
    rows: u64,
    /// Per indicator: count, first and last seen (STIX times).
    seen: BTreeMap<u32, (u64, Option<String>, Option<String>)>,
    sigma: Option<&'a SigmaPlan>,
    /// Rows of Sigma rules and correlations.
    sigma_rows: u64,
    /// A JSON line as it is written: whole, in one write (serde_json
    /// writes each key and quote apart, through `out`'s dynamic dispatch).
    line: Vec<u8>,
}

/// What a timeline row shows of its rule.
struct Meta<'a> {
    title: &'a str,
    id: Option<&'a str>,
    level: Option<yagura_sigma::Level>,
    tags: &'a [String],
}

/// A Sigma timeline row as a JSON line, its keys in this order (written
/// straight from the fields: no JSON tree per hit), as `serde_json` would
/// write the struct.
struct TimelineRow<'a> {
    timestamp: Option<&'a str>,
    computer: Option<&'a str>,
    channel: Option<&'a str>,
    event_id: Option<&'a str>,
    level: &'a str,
    rule: &'a str,
    tags: &'a str,
    rule_id: Option<&'a str>,
    file: &'a str,
    record: u64,
    details: &'a str,
}

impl TimelineRow<'_> {
    /// The row as one JSON object (no line break), its keys the CSV
    /// header's names.
    fn write(&self, out: &mut Vec<u8>) {
        use super::json_text::{opt_string, string};
        /// A value as it is written.
        enum V<'v> {
            Text(Option<&'v str>),
            Number(u64),
        }
        let values = [
            V::Text(self.timestamp),
            V::Text(self.computer),
            V::Text(self.channel),
            V::Text(self.event_id),
            V::Text(Some(self.level)),
            V::Text(Some(self.rule)),
            V::Text(Some(self.tags)),
            V::Text(self.rule_id),
            V::Text(Some(self.file)),
            V::Number(self.record),
            V::Text(Some(self.details)),
        ];
        for (i, (key, value)) in TIMELINE.iter().zip(values).enumerate() {
            out.push(if i == 0 { b'{' } else { b',' });
            string(out, key);
            out.push(b':');
            match value {
                V::Text(t) => opt_string(out, t),
                V::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
            }
        }
        out.push(b'}');
    }
}

/// The CSV header of a Sigma timeline.
const TIMELINE: [&str; 11] = [
    "timestamp",
    "computer",
    "channel",
    "event_id",
    "level",
    "rule",
    "tags",
    "rule_id",
    "file",
    "record",
    "details",
];

impl Writer<'_> {
    /// One timeline row for a correlation rule: at its window's last hit.
    fn correlation(
        &mut self,
        pc: &yagura_detect::correlate::PlannedCorrelation,
        hit: &yagura_sigma::CorrelationHit,
        gathered: &Gathered,
    ) -> Result<()> {
        let Some((source, at, last)) = hit.tokens.last().and_then(|t| gathered.get(t)) else {
            return Ok(());
        };
        let c = &pc.correlation;
        let first = hit
            .tokens
            .first()
            .and_then(|t| gathered.get(t))
            .and_then(|g| g.2.time.clone())
            .unwrap_or_default();
        let mut details = format!("count: {}", hit.count);
        for (g, v) in c.group_by.iter().zip(&hit.group) {
            details.push_str(&format!(" ¦ {g}: {v}"));
        }
        details.push_str(&format!(
            " ¦ first: {first} ¦ rules: {}",
            c.rules.join(", ")
        ));
        let row = Detection {
            rule: usize::MAX,
            details,
            values: Vec::new(),
            ..last.clone()
        };
        let meta = Meta {
            title: &c.title,
            id: c.id.as_deref(),
            level: c.level,
            tags: &c.tags,
        };
        self.row(source, *at, &row, &meta)
    }

    /// One timeline row for a Sigma rule hit.
    fn detection(&mut self, source: &str, at: Place, d: &Detection) -> Result<()> {
        let Some(p) = self.sigma.and_then(|s| s.rules().get(d.rule)) else {
            return Ok(());
        };
        let r = &p.rule;
        let meta = Meta {
            title: &r.title,
            id: r.id.as_deref(),
            level: r.level,
            tags: &r.tags,
        };
        self.row(source, at, d, &meta)
    }

    fn row(&mut self, source: &str, at: Place, d: &Detection, r: &Meta<'_>) -> Result<()> {
        self.rows += 1;
        self.sigma_rows += 1;
        let level = r
            .level
            .map(|l| format!("{l:?}").to_lowercase())
            .unwrap_or_default();
        let tags: Vec<&str> = r
            .tags
            .iter()
            .filter(|t| t.starts_with("attack."))
            .map(|t| &t["attack.".len()..])
            .collect();
        let tags = tags.join(",");
        let record = match at {
            Place::Record(n) | Place::Line(n) => n,
        };
        let id = r.id.unwrap_or_default();
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        match self.output {
            Output::Table => writeln!(
                self.out,
                "{}\t{}\t{}\t{}\t{level}\t{}\t{tags}\t{id}\t{source}:{}\t{}",
                d.time.as_deref().unwrap_or("-"),
                d.computer.as_deref().unwrap_or("-"),
                d.channel.as_deref().unwrap_or("-"),
                d.event_id.as_deref().unwrap_or("-"),
                r.title,
                place(at),
                d.details,
            )?,
            Output::Jsonl => {
                let row = TimelineRow {
                    timestamp: d.time.as_deref(),
                    computer: d.computer.as_deref(),
                    channel: d.channel.as_deref(),
                    event_id: d.event_id.as_deref(),
                    level: &level,
                    rule: r.title,
                    tags: &tags,
                    rule_id: r.id,
                    file: source,
                    record,
                    details: &d.details,
                };
                self.line.clear();
                row.write(&mut self.line);
                self.line.push(b'\n');
                self.out.write_all(&self.line)?;
            }
            Output::Csv => {
                let w = self.csv.as_mut().context("csv writer")?;
                w.write_record([
                    opt(&d.time),
                    opt(&d.computer),
                    opt(&d.channel),
                    opt(&d.event_id),
                    level,
                    r.title.to_owned(),
                    tags,
                    id.to_owned(),
                    source.to_owned(),
                    record.to_string(),
                    d.details.clone(),
                ])?;
            }
        }
        Ok(())
    }

    fn write(&mut self, source: &str, f: &Finding) -> Result<()> {
        for &h in &f.indicators {
            let Some(i) = self.intel.indicators.get(h as usize) else {
                continue;
            };
            self.rows += 1;
            let t = f
                .time
                .as_deref()
                .and_then(yagura_detect::observe::stix_time);
            let e = self.seen.entry(h).or_insert((0, None, None));
            e.0 += 1;
            if let Some(t) = t {
                if e.1.as_ref().is_none_or(|f| &t < f) {
                    e.1 = Some(t.clone());
                }
                if e.2.as_ref().is_none_or(|l| &t > l) {
                    e.2 = Some(t);
                }
            }
            let tlp = i.tlp.map(Tlp::label).unwrap_or_default();
            let related = i.related.join("; ");
            match self.output {
                Output::Table => writeln!(
                    self.out,
                    "{source}:{}\t{}\t{}={}\t{}\t{}\t{}\t{}",
                    place(f.place),
                    f.time.as_deref().unwrap_or("-"),
                    f.field,
                    f.value,
                    how(&f.how),
                    i.id,
                    if tlp.is_empty() { "-" } else { tlp },
                    if related.is_empty() {
                        &i.pattern
                    } else {
                        &related
                    },
                )?,
                Output::Jsonl => {
                    let mut row = json!({
                        "file": source,
                        "time": f.time,
                        "field": f.field,
                        "value": f.value,
                        "match": how(&f.how),
                        "indicator": i.id,
                        "name": i.name,
                        "pattern": i.pattern,
                        "tlp": i.tlp.map(Tlp::label),
                        "related": i.related,
                    });
                    match f.place {
                        Place::Line(n) => row["line"] = n.into(),
                        Place::Record(n) => row["record"] = n.into(),
                    }
                    serde_json::to_writer(&mut self.out, &row)?;
                    self.out.write_all(b"\n")?;
                }
                Output::Csv => {
                    let w = self.csv.as_mut().context("csv writer")?;
                    w.write_record([
                        source,
                        &place(f.place),
                        f.time.as_deref().unwrap_or_default(),
                        &f.field,
                        &f.value,
                        &how(&f.how),
                        &i.id,
                        i.name.as_deref().unwrap_or_default(),
                        &i.pattern,
                        tlp,
                        &related,
                    ])?;
                }
            }
        }
        Ok(())
    }

    /// Writes out what is buffered: after each report, so that a live
    /// stream's hits are seen as they are found (a report holds a whole
    /// chunk's hits, so a long hunt flushes seldom).
    fn finish(&mut self) -> Result<()> {
        if let Some(w) = self.csv.as_mut() {
            w.flush()?;
        }
        self.out.flush()?;
        Ok(())
    }
}

/// The hits correlation rules read, by token, with where they are.
type Gathered = BTreeMap<usize, (String, Place, Detection)>;

/// A flag set at the first SIGINT or SIGTERM (the process exits at the
/// second, with 130).
fn stop_on_signal() -> Result<std::sync::Arc<std::sync::atomic::AtomicBool>> {
    use tokio::signal::unix::{SignalKind, signal};
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .context("a runtime for signals")?;
    // Registered here, before the hunt starts, so that no signal meets
    // the default action once following has begun.
    let (mut int, mut term) = rt.block_on(async {
        Ok::<_, std::io::Error>((
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        ))
    })?;
    let set = flag.clone();
    std::thread::spawn(move || {
        rt.block_on(async {
            for n in 0.. {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                if n > 0 {
                    std::process::exit(130);
                }
                set.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        });
    });
    Ok(flag)
}

pub(crate) async fn run_with_store(store: &SqliteStore, args: HuntArgs) -> Result<ExitCode> {
    let intel = compile(&args, Some(store)).await?;
    let (code, seen) = hunt(&args, &intel)?;
    if args.sightings
        && let Some(org) = &args.org
    {
        record_sightings(store, org, &intel, &seen).await?;
    }
    Ok(code)
}

pub(crate) fn run(args: HuntArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .context("starting the runtime")?;
    let intel = runtime.block_on(compile(&args, None))?;
    Ok(hunt(&args, &intel)?.0)
}

type Seen = BTreeMap<u32, (u64, Option<String>, Option<String>)>;

/// Rule files past this size are not read.
const MAX_RULE_FILE: u64 = 16 << 20;

/// The Sigma rules of `--sigma`, compiled and routed, with the load report
/// on standard error.
fn sigma_plan(args: &HuntArgs, err: &mut impl Write) -> Result<SigmaPlan> {
    let statuses = args
        .rule_status
        .iter()
        .map(|s| {
            yagura_sigma::Status::parse(s)
                .with_context(|| format!("--rule-status {s}: not a Sigma status"))
        })
        .collect::<Result<Vec<_>>>()?;
    let filter = RuleFilter {
        min_level: args.min_level.map(|l| match l {
            MinLevel::Informational => yagura_sigma::Level::Informational,
            MinLevel::Low => yagura_sigma::Level::Low,
            MinLevel::Medium => yagura_sigma::Level::Medium,
            MinLevel::High => yagura_sigma::Level::High,
            MinLevel::Critical => yagura_sigma::Level::Critical,
        }),
        include: args.rule_include.clone(),
        exclude: args.rule_exclude.clone(),
        statuses,
    };
    let (plan, report) = SigmaPlan::load(
        &args.sigma,
        MAX_RULE_FILE,
        &LogSources::built_in(),
        &filter,
        SigmaNames::evtx(),
    )?;
    for (source, who, why) in &report.skipped {
        writeln!(err, "yagura: sigma: {source}: {who}: {why}")?;
    }
    writeln!(
        err,
        "yagura: sigma: {} rules run, {} cannot run, {} left out by the filters",
        report.loaded,
        report.skipped.len(),
        report.filtered
    )?;
    if report.loaded == 0 {
        bail!("no Sigma rule to run");
    }
    Ok(plan)
}

fn hunt(args: &HuntArgs, intel: &Intel) -> Result<(ExitCode, Seen)> {
    let map = field_map(args)?;
    let mut err = std::io::stderr();
    let r = &intel.report;
    if !r.invalid.is_empty() {
        for (id, why) in r.invalid.iter().take(10) {
            writeln!(err, "yagura: indicator {id} left out: {why}")?;
        }
    }
    // The process ends with the hunt: freeing every compiled rule, one
    // allocation at a time, would only delay it.
    let plan = std::mem::ManuallyDrop::new(if args.sigma.is_empty() {
        None
    } else {
        Some(sigma_plan(args, &mut err)?)
    });
    if plan.is_some() && !intel.indicators.is_empty() && args.output == Output::Csv {
        bail!("--output csv holds one kind of row: use jsonl or table for --sigma with indicators");
    }
    if intel.indicators.is_empty() && plan.is_none() {
        bail!(
            "no indicator to look for ({} inactive, {} not STIX patterns, {} without exact values, {} invalid)",
            r.inactive,
            r.other_language,
            r.no_values,
            r.invalid.len()
        );
    }
    // Followed files, NATS subjects and a pipe or terminal on standard
    // input end at SIGINT or SIGTERM, and the hunt finishes (the last
    // correlation windows, the summary).
    let nats = |p: &PathBuf| p.to_str().is_some_and(super::nats::is_nats);
    let streams = args.follow || args.paths.iter().any(nats);
    let stdin = args.paths.is_empty() || args.paths.iter().any(|p| p.as_os_str() == "-");
    let until = (streams || stdin && run::stdin_is_live())
        .then(stop_on_signal)
        .transpose()?;
    let mut inputs: Vec<Input> = Vec::new();
    for p in &args.paths {
        inputs.push(match p.to_str() {
            Some("-") => Input::Stdin,
            Some(url) if super::nats::is_nats(url) => {
                let until = until.clone().context("a flag to end the subscription")?;
                let reader = super::nats::subscribe(url, until)?;
                if !args.quiet {
                    writeln!(err, "yagura: {url}: subscribed")?;
                }
                Input::Stream(run::Stream::new(url, reader))
            }
            _ => Input::Path(p.clone()),
        });
    }
    if inputs.is_empty() {
        inputs.push(Input::Stdin);
    }
    let format = match args.log_format {
        LogFormat::Auto => None,
        LogFormat::Json => Some(Format::Json),
        LogFormat::Zeek => Some(Format::Zeek),
        LogFormat::Syslog => Some(Format::Syslog),
        LogFormat::Csv => Some(Format::Csv),
        LogFormat::Evtx => Some(Format::Evtx),
    };
    let opts = Options {
        threads: args
            .threads
            .unwrap_or_else(|| Options::default().threads)
            .max(1),
        ordered: !args.unordered,
        strict: args.strict,
        unmapped: if args.mapped_only {
            Unmapped::Skip
        } else {
            Unmapped::ByForm
        },
        format,
        max_line: args.max_line,
        validate: args.validate,
        follow: args.follow,
        until: until.clone(),
    };
    let sources = run::expand(&inputs);
    // Each followed file has a thread of its own, waking every 100 ms.
    const MAX_FOLLOWED: usize = 1024;
    if args.follow && sources.len() > MAX_FOLLOWED {
        bail!(
            "--follow reads each file on a thread of its own: {} files are more than {MAX_FOLLOWED}; name fewer files or folders",
            sources.len()
        );
    }
    // The inputs' sizes, for the progress bar only.
    let total = || -> u64 {
        sources
            .iter()
            .filter_map(|(_, i)| match i {
                Ok(Input::Path(p)) => std::fs::metadata(p).ok().map(|m| m.len()),
                _ => None,
            })
            .sum()
    };
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::new(total());
        b.set_style(
            ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let stdout = std::io::stdout().lock();
    let out: Box<dyn Write> = Box::new(std::io::BufWriter::with_capacity(1 << 16, stdout));
    let mut w = Writer {
        csv: None,
        out,
        output: args.output,
        intel,
        rows: 0,
        seen: BTreeMap::new(),
        sigma: plan.as_ref(),
        sigma_rows: 0,
        line: Vec::new(),
    };
    if args.output == Output::Csv && plan.is_some() {
        let out = std::mem::replace(&mut w.out, Box::new(std::io::sink()));
        let mut c = csv::Writer::from_writer(out);
        c.write_record(TIMELINE)?;
        w.csv = Some(c);
    } else if args.output == Output::Csv {
        let out = std::mem::replace(&mut w.out, Box::new(std::io::sink()));
        let mut c = csv::Writer::from_writer(out);
        c.write_record([
            "file",
            "place",
            "time",
            "field",
            "value",
            "match",
            "indicator",
            "name",
            "pattern",
            "tlp",
            "related",
        ])?;
        w.csv = Some(c);
    }
    let mut failure: Option<anyhow::Error> = None;
    // The hits correlation rules read, by token: kept to the end of the
    // hunt, or, following files or NATS subjects (which end only when
    // told to), run as they arrive and kept while a window still to come
    // may join them. (A pipe ends by itself: its hits are judged at its
    // end, sorted by time, as a file's.)
    let mut gathered = Gathered::new();
    let mut live = plan
        .as_ref()
        .filter(|p| streams && !p.correlations().is_empty())
        .map(|p| yagura_detect::correlate::Live::new(p.correlations()));
    let mut next_token = 0usize;
    let mut sink = |r: Report<'_>| -> bool {
        let res = match r {
            Report::Findings { source, findings } => {
                findings.iter().try_for_each(|f| w.write(source, f))
            }
            Report::Detections { source, detections } => {
                detections.into_iter().try_for_each(|(at, d)| {
                    let silent = plan.as_ref().is_some_and(|p| p.is_silent(d.rule));
                    let res = if silent {
                        Ok(())
                    } else {
                        w.detection(source, at, &d)
                    };
                    let Some(p) = plan.as_ref().filter(|p| p.feeds_correlations(d.rule)) else {
                        return res;
                    };
                    let token = next_token;
                    next_token += 1;
                    let Some(live) = live.as_mut() else {
                        gathered.insert(token, (source.to_owned(), at, d));
                        return res;
                    };
                    let found = live.push(token, &d);
                    gathered.insert(token, (source.to_owned(), at, d));
                    res?;
                    for (ci, hit) in found {
                        w.correlation(&p.correlations()[ci], &hit, &gathered)?;
                    }
                    // Hits held in no open window and too old for one to
                    // come (or with no time: in none) are let go.
                    if token % 1024 == 1023 {
                        let keep = live.keep_from_ms();
                        let held = live.held();
                        gathered.retain(|t, g| {
                            held.contains(t)
                                || yagura_detect::correlate::time_ms(&g.2)
                                    .is_some_and(|t| t >= keep)
                        });
                    }
                    Ok(())
                })
            }
            Report::Error { source, error } => {
                if let Some(b) = &bar {
                    b.suspend(|| report(&mut err, source, &error));
                } else {
                    report(&mut err, source, &error);
                }
                Ok(())
            }
            Report::Progress(n) => {
                if let Some(b) = &bar {
                    b.set_position(n.min(b.length().unwrap_or(n)));
                }
                Ok(())
            }
            Report::Opened { .. } => Ok(()),
        };
        let res = res.and_then(|()| w.finish());
        match res {
            Ok(()) => true,
            Err(e) => {
                failure = Some(e);
                false
            }
        }
    };
    let summary = run::hunt(&sources, intel, &map, plan.as_ref(), &opts, &mut sink);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(e) = failure {
        return Err(e);
    }
    if let Some(p) = &*plan
        && !p.correlations().is_empty()
    {
        let found = match live {
            Some(live) => live.finish(),
            None => {
                let hits: Vec<(usize, &Detection)> =
                    gathered.iter().map(|(&t, g)| (t, &g.2)).collect();
                yagura_detect::correlate::run(p.correlations(), &hits)
            }
        };
        for (ci, hit) in found {
            w.correlation(&p.correlations()[ci], &hit, &gathered)?;
        }
    }
    w.finish()?;
    if !args.quiet {
        writeln!(
            err,
            "yagura: {} hits ({} by Sigma rules) in {} events, {} inputs, {} bytes; {} errors; {} indicators ({} compound)",
            w.rows,
            w.sigma_rows,
            summary.events,
            summary.inputs,
            summary.bytes,
            summary.errors,
            intel.indicators.len(),
            intel.report.compound,
        )?;
    }
    let code = if summary.errors > 0 {
        ExitCode::from(2)
    } else if w.rows > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    Ok((code, std::mem::take(&mut w.seen)))
}

fn report(err: &mut std::io::Stderr, source: &str, e: &run::ReadError) {
    let _ = match e.place {
        Some(p) => writeln!(err, "yagura: {source}: {p}: {}", e.message),
        None => writeln!(err, "yagura: {source}: {}", e.message),
    };
}

/// Namespace of the ids of sightings and org identities Yagura derives.
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x7961_6775_7261_4000_8000_7369_6768_0001);

/// One sighting per indicator hit, sighted at the org's identity (made if
/// absent), TLP:AMBER, produced by the org; ids derived from what they say,
/// so the same hunt recorded twice stores nothing new.
async fn record_sightings(
    store: &SqliteStore,
    org: &OrgId,
    intel: &Intel,
    seen: &Seen,
) -> Result<()> {
    use yagura_core::Directory as _;
    if store.org(org).await?.is_none() {
        bail!("no organization {org} (see `yagura org add`)");
    }
    let now = Timestamp::now().to_string();
    let identity_id = format!(
        "identity--{}",
        uuid::Uuid::new_v5(&NAMESPACE, format!("org:{org}").as_bytes())
    );
    let meta = ObjectMeta {
        producer: Some(org.clone()),
        tlp: Some(Tlp::Amber),
        ..ObjectMeta::default()
    };
    let identity = StixObject::from_value(json!({
        "type": "identity", "spec_version": "2.1", "id": identity_id,
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": org.as_str(), "identity_class": "organization",
    }))?;
    let mut batch = vec![(identity, meta.clone())];
    for (h, (count, first, last)) in seen {
        let Some(i) = intel.indicators.get(*h as usize) else {
            continue;
        };
        if !i.id.starts_with("indicator--") {
            continue;
        }
        let first = first.clone().unwrap_or_else(|| now.clone());
        let last = last.clone().unwrap_or_else(|| now.clone());
        let key = format!("{}|{org}|{first}|{last}|{count}", i.id);
        let id = format!(
            "sighting--{}",
            uuid::Uuid::new_v5(&NAMESPACE, key.as_bytes())
        );
        let stamp = Timestamp::parse(&last).map_or_else(|_| now.clone(), |t| t.to_string());
        let mut s = json!({
            "type": "sighting", "spec_version": "2.1", "id": id,
            "created": stamp, "modified": stamp,
            "sighting_of_ref": i.id, "count": count.min(&999_999_999),
            "first_seen": first, "last_seen": last,
            "where_sighted_refs": [identity_id], "created_by_ref": identity_id,
            "object_marking_refs": [Tlp::Amber.v2_id()],
        });
        if first > last {
            s["first_seen"] = last.into();
        }
        batch.push((StixObject::from_value(s)?, meta.clone()));
    }
    let n = batch.len() - 1;
    let mut tx = store.begin().await?;
    tx.put_batch(&batch).await?;
    tx.commit().await?;
    eprintln!("yagura: {n} sightings recorded for {org}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The row as `serde_json` writes it from a struct of the same fields.
    #[derive(serde::Serialize)]
    struct Serialized<'a> {
        timestamp: Option<&'a str>,
        computer: Option<&'a str>,
        channel: Option<&'a str>,
        event_id: Option<&'a str>,
        level: &'a str,
        rule: &'a str,
        tags: &'a str,
        rule_id: Option<&'a str>,
        file: &'a str,
        record: u64,
        details: &'a str,
    }

    proptest! {
        #[test]
        fn a_timeline_row_is_the_json_serde_writes(
            texts in proptest::collection::vec(any::<String>(), 11),
            absent in proptest::collection::vec(any::<bool>(), 5),
            record in any::<u64>(),
        ) {
            let opt = |i: usize, a: usize| (!absent[a]).then_some(texts[i].as_str());
            let row = TimelineRow {
                timestamp: opt(0, 0),
                computer: opt(1, 1),
                channel: opt(2, 2),
                event_id: opt(3, 3),
                level: &texts[4],
                rule: &texts[5],
                tags: &texts[6],
                rule_id: opt(7, 4),
                file: &texts[8],
                record,
                details: &texts[9],
            };
            let expected = Serialized {
                timestamp: row.timestamp,
                computer: row.computer,
                channel: row.channel,
                event_id: row.event_id,
                level: row.level,
                rule: row.rule,
                tags: row.tags,
                rule_id: row.rule_id,
                file: row.file,
                record,
                details: row.details,
            };
            let mut out = Vec::new();
            row.write(&mut out);
            prop_assert_eq!(
                String::from_utf8(out).expect("UTF-8"),
                serde_json::to_string(&expected).expect("JSON")
            );
        }
    }
}
