//! `yagura export`: current objects out of the store for one recipient, as
//! a STIX 2.1 bundle, MISP event JSON, CSV or a plain list of values. Every
//! object passes the sharing policy for the recipient, and every decision is
//! audited before anything is written.

use std::collections::{BTreeSet, HashSet};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{ArgGroup, Args, ValueEnum};
use serde_json::Value;
use yagura_core::{
    Channel, CollectionId, Directory, IntelStore, ObjectFilter, OrgId, StoredObject,
};
use yagura_formats::export;
use yagura_policy::{HubPolicy, Recipient, Subject};
use yagura_stix::marking::{sharing_definitions, sharing_of};
use yagura_stix::pattern::ValueKind;
use yagura_stix::{StixObject, Timestamp, Tlp};
use yagura_store::SqliteStore;

use yagura_server::release::{PAGE, Releaser};

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
    /// A STIX 2.1 bundle, with the marking definitions its objects use.
    Stix,
    /// One MISP event (`{"Event": …}`) with an attribute per value.
    Misp,
    /// One row per exact value: value, kind, object, name, TLP, labels, dates.
    Csv,
    /// Distinct values, one per line (indicators past `valid_until` left out).
    Lines,
    /// Suricata rules (`yagura.rules`) and the lists they load, into the
    /// directory `-o` names: domains as a dataset on DNS, TLS SNI and HTTP
    /// host; MD5/SHA-1/SHA-256 as file-hash lists; addresses and networks in
    /// rule headers. Expired indicators left out.
    Suricata,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("recipient").required(true).args(["to", "public"])))]
pub(crate) struct ExportArgs {
    /// The organization the export is for (see `yagura org add`): it gets
    /// what the policy releases to it.
    #[arg(long)]
    to: Option<OrgId>,
    /// Export for anyone: TLP:CLEAR only, and nothing held to a residency.
    #[arg(long)]
    public: bool,
    /// The output format.
    #[arg(long, value_enum, default_value = "stix")]
    format: ExportFormat,
    /// Write to this file (replaced only when the export succeeds) instead
    /// of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Only objects of this STIX type (repeatable).
    #[arg(long = "type", value_name = "TYPE")]
    types: Vec<String>,
    /// Only objects at this TLP level (repeatable).
    #[arg(long)]
    tlp: Vec<Tlp>,
    /// Only objects with this label (repeatable: any of them).
    #[arg(long)]
    label: Vec<String>,
    /// Only objects modified at or after this time (RFC 3339, or a date).
    #[arg(long, value_parser = parse_since)]
    since: Option<Timestamp>,
    /// Only objects of this collection.
    #[arg(long)]
    collection: Option<CollectionId>,
    /// For csv and lines: only values of this kind (repeatable): ipv4, ipv6,
    /// cidr, domain, url, email, md5, sha1, sha256, sha512, file-name, …
    #[arg(long, value_parser = parse_kind)]
    kind: Vec<ValueKind>,
    /// For suricata: signature ids count up from this number plus one.
    #[arg(long, default_value_t = 9_470_000)]
    sid_base: u32,
}

fn parse_since(s: &str) -> Result<Timestamp, String> {
    let full = if s.len() == 10 {
        format!("{s}T00:00:00Z")
    } else {
        s.to_owned()
    };
    Timestamp::parse(&full)
        .map_err(|e| format!("{s:?}: {e} (use 2026-01-31 or 2026-01-31T00:00:00Z)"))
}

fn parse_kind(s: &str) -> Result<ValueKind, String> {
    s.parse().map_err(|_| {
        let all: Vec<&str> = ValueKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("{s:?} is not a value kind ({})", all.join(", "))
    })
}

/// The output: a temporary file renamed into place at the end, or stdout.
struct Sink {
    out: Box<dyn Write>,
    target: Option<(PathBuf, PathBuf)>,
}

impl Sink {
    /// A sink that writes nothing (the Suricata export writes a directory).
    fn null() -> Self {
        Self {
            out: Box::new(std::io::sink()),
            target: None,
        }
    }

    fn open(path: Option<&Path>) -> Result<Self> {
        let Some(path) = path.filter(|p| p.as_os_str() != "-") else {
            return Ok(Self {
                out: Box::new(BufWriter::new(std::io::stdout().lock())),
                target: None,
            });
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        let file =
            std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        Ok(Self {
            out: Box::new(BufWriter::new(file)),
            target: Some((tmp, path.to_path_buf())),
        })
    }

    fn finish(mut self) -> Result<()> {
        self.out.flush()?;
        // Close the file before it is moved into place.
        self.out = Box::new(std::io::sink());
        if let Some((tmp, path)) = self.target.take() {
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("moving {} to {}", tmp.display(), path.display()))?;
        }
        Ok(())
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        // An export that did not finish leaves no partial file behind.
        if let Some((tmp, _)) = &self.target {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Writes `files` into `dir` (created if absent), each through a temporary
/// file renamed into place; other files in `dir` are left alone.
fn write_files(dir: &Path, files: &[(String, String)]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, text) in files {
        let path = dir.join(name);
        let tmp = dir.join(format!("{name}.partial"));
        std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Marking-definition ids an object references.
fn marking_refs(o: &StixObject) -> Vec<String> {
    let mut out = yagura_stix::ObjectHead::of(o).object_marking_refs;
    if let Some(Value::Array(g)) = o.get("granular_markings") {
        out.extend(
            g.iter()
                .filter_map(|m| m.get("marking_ref").and_then(Value::as_str))
                .map(str::to_owned),
        );
    }
    out
}

/// One CSV record, quoted as needed, with its line end.
fn csv_line<S: AsRef<[u8]>>(fields: &[S]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields)?;
    Ok(w.into_inner().map_err(|e| e.into_error())?)
}

/// Writes the released objects in the chosen format.
struct Writer {
    format: ExportFormat,
    kinds: Vec<ValueKind>,
    sink: Sink,
    first: bool,
    written: HashSet<String>,
    referenced: BTreeSet<String>,
    lines: BTreeSet<String>,
    suricata: export::Suricata,
    values: u64,
    now: Timestamp,
}

impl Writer {
    fn start(
        format: ExportFormat,
        kinds: Vec<ValueKind>,
        mut sink: Sink,
        recipient: &str,
    ) -> Result<Self> {
        let now = Timestamp::now();
        match format {
            ExportFormat::Stix => {
                let id = format!("bundle--{}", uuid::Uuid::new_v4());
                write!(
                    sink.out,
                    "{{\"type\":\"bundle\",\"id\":\"{id}\",\"objects\":["
                )?;
            }
            ExportFormat::Misp => {
                let uuid = uuid::Uuid::new_v4();
                let mut head = export::misp_event(
                    &format!("Yagura export for {recipient}"),
                    uuid,
                    "Yagura",
                    now,
                    Vec::new(),
                )
                .to_string();
                // `…"Attribute":[]}}`: leave the list open for streaming.
                head.truncate(head.len().saturating_sub(3));
                sink.out.write_all(head.as_bytes())?;
            }
            ExportFormat::Csv => sink.out.write_all(&csv_line(&export::CSV_HEADER)?)?,
            ExportFormat::Lines | ExportFormat::Suricata => {}
        }
        Ok(Self {
            format,
            kinds,
            sink,
            first: true,
            written: HashSet::new(),
            referenced: BTreeSet::new(),
            lines: BTreeSet::new(),
            suricata: export::Suricata::default(),
            values: 0,
            now,
        })
    }

    fn wants(&self, kind: ValueKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    fn stix(&mut self, o: &StixObject) -> Result<()> {
        let Some(id) = o.id() else { return Ok(()) };
        if !self.written.insert(id.to_owned()) {
            return Ok(());
        }
        let mut o = o.clone();
        yagura_stix::bundle::upgrade_object(&mut o);
        self.referenced.extend(marking_refs(&o));
        if !self.first {
            self.sink.out.write_all(b",\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.sink.out, o.properties())?;
        Ok(())
    }

    fn object(&mut self, o: &StixObject, tlp: Tlp) -> Result<()> {
        match self.format {
            ExportFormat::Stix => self.stix(o)?,
            ExportFormat::Misp => {
                for a in export::misp_attributes(o, tlp) {
                    if !self.first {
                        self.sink.out.write_all(b",\n")?;
                    }
                    self.first = false;
                    serde_json::to_writer(&mut self.sink.out, &a)?;
                    self.values += 1;
                }
            }
            ExportFormat::Csv => {
                for row in export::csv_rows(o, tlp) {
                    if self.kinds.is_empty() || self.kinds.iter().any(|k| k.as_str() == row[1]) {
                        self.sink.out.write_all(&csv_line(&row)?)?;
                        self.values += 1;
                    }
                }
            }
            ExportFormat::Suricata => {
                if !export::expired(o, self.now) {
                    self.suricata.add(o);
                }
            }
            ExportFormat::Lines => {
                if !export::expired(o, self.now) {
                    for v in export::values(o) {
                        if self.wants(v.kind) {
                            self.lines.insert(v.value);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn end(mut self) -> Result<(Sink, u64, export::Suricata)> {
        match self.format {
            ExportFormat::Stix => self.sink.out.write_all(b"]}\n")?,
            ExportFormat::Misp => self.sink.out.write_all(b"]}}\n")?,
            ExportFormat::Csv => {}
            ExportFormat::Lines => {
                for v in &self.lines {
                    writeln!(self.sink.out, "{v}")?;
                }
                self.values = self.lines.len() as u64;
            }
            ExportFormat::Suricata => self.values = self.suricata.len() as u64,
        }
        Ok((self.sink, self.values, self.suricata))
    }
}

pub(crate) async fn run(store: &SqliteStore, hub: HubPolicy, args: ExportArgs) -> Result<ExitCode> {
    let recipient = match &args.to {
        Some(name) => match store.org(name).await? {
            Some(org) => Recipient::org(&org),
            None => bail!("no organization {name:?} (see `yagura org list`)"),
        },
        None => Recipient::public(),
    };
    let label = recipient.label();
    if !args.kind.is_empty() && !matches!(args.format, ExportFormat::Csv | ExportFormat::Lines) {
        bail!("--kind applies to --format csv and lines");
    }
    let suricata_dir = match (args.format, &args.output) {
        (ExportFormat::Suricata, Some(dir)) => Some(dir.clone()),
        (ExportFormat::Suricata, None) => {
            bail!("--format suricata writes a directory of files: name it with -o DIR")
        }
        _ => None,
    };
    let mut releaser = Releaser::new(store, recipient, Channel::Export, hub).await?;
    let filter = ObjectFilter {
        types: args.types.clone(),
        collection: args.collection.clone(),
        modified_since: args.since,
        ..ObjectFilter::default()
    };
    let labels = args.label.clone();
    let tlps = args.tlp.clone();
    let wanted = move |o: &StoredObject, s: &Subject| {
        let labelled = labels.is_empty()
            || o.object
                .get("labels")
                .and_then(Value::as_array)
                .is_some_and(|l| {
                    l.iter()
                        .filter_map(Value::as_str)
                        .any(|x| labels.iter().any(|w| w == x))
                });
        labelled && (tlps.is_empty() || tlps.contains(&s.tlp))
    };
    let sink = if suricata_dir.is_some() {
        Sink::null()
    } else {
        Sink::open(args.output.as_deref())?
    };
    let mut writer = Writer::start(args.format, args.kind.clone(), sink, &label)?;
    let mut after = 0;
    loop {
        let page = store.page(&filter, after, PAGE).await?;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        let objects = page.into_iter().map(|(_, o)| o).collect();
        for (o, tlp) in releaser.release(objects, &wanted).await? {
            writer.object(&o.object, tlp)?;
        }
    }
    if args.format == ExportFormat::Stix {
        // The marking definitions the released objects use, so the bundle
        // stands on its own: TLP ones as published, the hub's own through
        // the policy like any object.
        let referenced: Vec<String> = std::mem::take(&mut writer.referenced).into_iter().collect();
        let mut stored = Vec::new();
        let mut sharing = false;
        for id in &referenced {
            if writer.written.contains(id) {
                continue;
            }
            if let Some(t) = Tlp::from_marking_id(id) {
                let def = if t.v2_id() == id {
                    Some(t.v2_marking_definition())
                } else {
                    t.v1_marking_definition()
                };
                if let Some(def) = def {
                    writer.stix(&def)?;
                }
            } else if let Some(m) = releaser.marking(id) {
                stored.push(m.clone());
            }
        }
        for (m, _) in releaser.release(stored, |_, _| true).await? {
            sharing |= sharing_of(&m.object).is_some();
            writer.stix(&m.object)?;
        }
        if sharing {
            for def in sharing_definitions() {
                writer.stix(&def)?;
            }
        }
    }
    let (sink, values, suricata) = writer.end()?;
    sink.finish()?;
    if let Some(dir) = &suricata_dir {
        write_files(dir, &suricata.files(args.sid_base))?;
        if !suricata.skipped.is_empty() {
            let skipped: Vec<String> = suricata
                .skipped
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            eprintln!(
                "not expressible as exact Suricata matches, left out: {}",
                skipped.join(", ")
            );
        }
    }
    let what = match args.format {
        ExportFormat::Stix | ExportFormat::Misp => format!("{} objects", releaser.released),
        ExportFormat::Csv | ExportFormat::Lines | ExportFormat::Suricata => {
            format!("{values} values from {} objects", releaser.released)
        }
    };
    eprintln!("exported {what} for {label}");
    let refusals = releaser.refusals();
    if !refusals.is_empty() {
        eprintln!("{refusals}");
    }
    Ok(ExitCode::SUCCESS)
}
