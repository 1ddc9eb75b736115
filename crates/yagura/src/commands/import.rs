//! `yagura import`: STIX files and folders into the store, one transaction
//! per file, streamed so that file size does not bound memory.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use yagura_core::{CollectionId, IntelStore, Jurisdiction, ObjectMeta, OrgId, PutOutcome, StoreTx};
use yagura_stix::bundle::{Located, Position, for_each_object_read};
use yagura_stix::validate::{Options, validate_object};
use yagura_stix::{StixObject, StixVersion, Tlp};
use yagura_store::SqliteStore;

mod medallion;

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// Files or folders (searched for .json and .json.gz); "-" for stdin.
    #[arg(required = true)]
    pub(crate) paths: Vec<PathBuf>,
    /// TLP for objects that carry no TLP marking.
    #[arg(long)]
    pub(crate) tlp: Option<Tlp>,
    /// The organization that produced the content.
    #[arg(long)]
    pub(crate) org: Option<OrgId>,
    /// The collection to add the content to.
    #[arg(long)]
    pub(crate) collection: Option<CollectionId>,
    /// Where the content may be held (ISO 3166 codes, comma-separated): the
    /// policy sends it to no party outside them.
    #[arg(long, value_delimiter = ',')]
    pub(crate) residency: Vec<Jurisdiction>,
    /// Import the valid objects of a file and list the rejected ones,
    /// instead of rejecting the whole file.
    #[arg(long)]
    pub(crate) skip_invalid: bool,
    /// The files' format; by default from the name: `.csv` is CSV, `.txt`,
    /// `.list` and `.ioc` plain lists (one value per line), else MISP event
    /// JSON if the file starts with `{"Event"` or `{"response"`, else STIX.
    #[arg(long, value_enum, default_value = "auto")]
    pub(crate) format: Format,
    /// The current file's progress bar (drawn only on a terminal).
    #[arg(skip)]
    pub(crate) progress: Option<ProgressBar>,
}

impl ImportArgs {
    /// What the store records with an object: the TLP its markings give,
    /// else `--tlp`; `--org`; `--collection`.
    pub(crate) fn meta(&self, marked: Option<Tlp>) -> ObjectMeta {
        ObjectMeta {
            producer: self.org.clone(),
            tlp: marked.or(self.tlp),
            residency: (!self.residency.is_empty()).then(|| self.residency.clone()),
            collection: self.collection.clone(),
        }
    }
}

/// A file format `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// From the file name.
    Auto,
    /// STIX 2.0/2.1 JSON (bundle, list or object).
    Stix,
    /// CSV with a value column (MISP's CSV export, most feeds) or values in cells.
    Csv,
    /// One value per line; `#` comments.
    Lines,
    /// MISP event JSON: an event, a list of events, a REST search result.
    Misp,
    /// A medallion (TAXII 2.1 reference server) memory-backend file: API
    /// roots, collections, objects with their date_added, status, users.
    Medallion,
}

fn format_of(path: &Path, asked: Format) -> Format {
    if asked != Format::Auto {
        return asked;
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".csv") {
        Format::Csv
    } else if [".txt", ".list", ".ioc"].iter().any(|e| name.ends_with(e)) {
        Format::Lines
    } else {
        Format::Stix
    }
}

/// One object that could not be imported, and where it was.
#[derive(Debug)]
struct Rejected {
    at: Located,
    index: Option<usize>,
    id: Option<String>,
    reason: String,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut place = Vec::new();
        if self.at.line > 0 {
            place.push(format!("line {} (byte {})", self.at.line, self.at.offset));
        }
        if let Some(i) = self.index {
            place.push(format!("objects[{i}]"));
        }
        if let Some(id) = &self.id {
            place.push(id.clone());
        }
        if !place.is_empty() {
            write!(f, "{}: ", place.join(", "))?;
        }
        f.write_str(&self.reason)
    }
}

/// The rejections as one message.
fn reasons(rejected: &[Rejected]) -> String {
    rejected
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Counts of what an import did.
#[derive(Debug, Default)]
struct Tally {
    outcomes: BTreeMap<&'static str, u64>,
    by_type: BTreeMap<String, u64>,
    rejected: u64,
    /// Objects written so far, shown on the progress bar.
    written: u64,
    progress: Option<ProgressBar>,
}

impl Tally {
    fn new(args: &ImportArgs) -> Self {
        Self {
            progress: args.progress.clone(),
            ..Self::default()
        }
    }

    fn add(&mut self, outcome: PutOutcome, object_type: &str) {
        let name = match outcome {
            PutOutcome::New => "new",
            PutOutcome::Updated => "updated",
            PutOutcome::Unchanged => "unchanged",
            PutOutcome::History => "history",
        };
        *self.outcomes.entry(name).or_default() += 1;
        self.written += 1;
        if matches!(outcome, PutOutcome::New | PutOutcome::Updated) {
            *self.by_type.entry(object_type.to_owned()).or_default() += 1;
        }
    }

    fn merge(&mut self, other: &Self) {
        for (k, v) in &other.outcomes {
            *self.outcomes.entry(k).or_default() += v;
        }
        for (k, v) in &other.by_type {
            *self.by_type.entry(k.clone()).or_default() += v;
        }
        self.rejected += other.rejected;
    }

    fn summary(&self) -> String {
        let get = |k: &str| self.outcomes.get(k).copied().unwrap_or(0);
        format!(
            "new {}, updated {}, unchanged {}, history {}, rejected {}",
            get("new"),
            get("updated"),
            get("unchanged"),
            get("history"),
            self.rejected
        )
    }
}

/// A bar over the bytes of `path`, on stderr when it is a terminal.
fn progress_bar(path: &Path) -> Option<ProgressBar> {
    use std::io::IsTerminal as _;
    if path == Path::new("-") || !std::io::stderr().is_terminal() {
        return None;
    }
    let size = std::fs::metadata(path).ok()?.len();
    let style = ProgressStyle::with_template(
        "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {msg}",
    )
    .ok()?
    .progress_chars("=> ");
    let bar = ProgressBar::new(size)
        .with_style(style)
        .with_prefix(path.display().to_string());
    Some(bar)
}

pub(crate) async fn run(store: &SqliteStore, mut args: ImportArgs) -> Result<ExitCode> {
    let files = expand(&args.paths)?;
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    let mut total = Tally::default();
    let mut failed_files = 0;
    for file in &files {
        args.progress = progress_bar(file);
        let result = import_file(store, file, &args).await;
        if let Some(bar) = args.progress.take() {
            bar.finish_and_clear();
        }
        match result? {
            Ok(tally) => {
                writeln!(out, "{}: {}", file.display(), tally.summary())?;
                total.merge(&tally);
            }
            Err(why) => {
                failed_files += 1;
                writeln!(err, "{}: rejected, nothing imported: {why}", file.display())?;
            }
        }
    }
    writeln!(
        out,
        "total: {} ({} files, {} rejected)",
        total.summary(),
        files.len(),
        failed_files
    )?;
    for (t, n) in &total.by_type {
        writeln!(out, "  {t}: {n}")?;
    }
    Ok(if failed_files > 0 || total.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Files named by the arguments: files as given, folders searched
/// (sorted) for `.json` and `.json.gz`.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found).with_context(|| format!("reading folder {}", p.display()))?;
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let manifest = dir.join("manifest.json");
    if manifest.is_file() {
        return feed(dir, &manifest, out);
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.ends_with(".json") || name.ends_with(".json.gz") {
                out.push(path);
            }
        }
    }
    Ok(())
}

/// A MISP feed folder: the events its `manifest.json` lists, as
/// `<uuid>.json`; a listed event that is absent is reported and skipped.
fn feed(dir: &Path, manifest: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let bad = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidData, why);
    let text = std::fs::read_to_string(manifest)?;
    let listed: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| {
            bad(format!(
                "{}: not a MISP feed manifest: {e}",
                manifest.display()
            ))
        })?;
    for uuid in listed.keys() {
        if uuid::Uuid::parse_str(uuid).is_err() {
            return Err(bad(format!(
                "{}: {uuid:?} is not an event uuid",
                manifest.display()
            )));
        }
        let event = dir.join(format!("{uuid}.json"));
        if event.is_file() {
            out.push(event);
        } else {
            writeln!(
                std::io::stderr(),
                "{}: listed in {} but absent, skipped",
                event.display(),
                manifest.display()
            )?;
        }
    }
    Ok(())
}

/// The file (gunzipped), or stdin for `-`; reading it advances `progress`.
fn open(path: &Path, progress: Option<&ProgressBar>) -> Result<Box<dyn Read + Send>> {
    if path == Path::new("-") {
        return Ok(Box::new(BufReader::new(std::io::stdin())));
    }
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let f: Box<dyn Read + Send> = match progress {
        Some(bar) => Box::new(bar.wrap_read(f)),
        None => Box::new(f),
    };
    let buffered = BufReader::with_capacity(1 << 16, f);
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::GzDecoder::new(buffered),
        )))
    } else {
        Ok(Box::new(buffered))
    }
}

type Item = std::result::Result<StixObject, Rejected>;

/// Objects written per batch.
const BATCH: usize = 1000;

/// Objects sent together from the parser thread.
const CHUNK: usize = 256;

/// Writes the batch; an object the store cannot keep (no id, a bad
/// `modified`) is set aside, the others written one by one.
async fn flush(
    tx: &mut yagura_store::SqliteTx,
    batch: &mut Vec<(StixObject, ObjectMeta)>,
    tally: &mut Tally,
    rejected: &mut Vec<Rejected>,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    match tx.put_batch(batch).await {
        Ok(outcomes) => {
            for (outcome, (object, _)) in outcomes.into_iter().zip(batch.iter()) {
                tally.add(outcome, object.object_type());
            }
        }
        Err(yagura_core::StoreError::Unstorable { .. }) => {
            for (object, meta) in batch.iter() {
                match tx.put(object, meta).await {
                    Ok(outcome) => tally.add(outcome, object.object_type()),
                    Err(yagura_core::StoreError::Unstorable { id, reason }) => {
                        rejected.push(Rejected {
                            at: Located::default(),
                            index: None,
                            id: Some(id),
                            reason,
                        })
                    }
                    Err(e) => return Err(e).context("storing"),
                }
            }
        }
        Err(e) => return Err(e).context("storing"),
    }
    batch.clear();
    if let Some(bar) = &tally.progress {
        bar.set_message(format!("{} objects written", tally.written));
    }
    Ok(())
}

/// Imports one file in one transaction. The outer error is fatal (the store
/// failed); the inner one rejects the file.
async fn import_file(
    store: &SqliteStore,
    path: &Path,
    args: &ImportArgs,
) -> Result<std::result::Result<Tally, String>> {
    match format_of(path, args.format) {
        Format::Csv | Format::Lines => import_list(store, path, args).await,
        Format::Misp => import_misp(store, path, args).await,
        Format::Medallion => medallion::import(store, path, args).await,
        Format::Auto | Format::Stix if args.format == Format::Auto && is_misp(path)? => {
            import_misp(store, path, args).await
        }
        Format::Auto | Format::Stix => import_stix(store, path, args).await,
    }
}

/// The whole file as text.
fn read_text(path: &Path, args: &ImportArgs) -> Result<String> {
    let mut text = String::new();
    open(path, args.progress.as_ref())?
        .read_to_string(&mut text)
        .with_context(|| format!("{}: not UTF-8 text", path.display()))?;
    Ok(text)
}

/// True if the file starts like MISP event JSON (stdin is not sniffed).
fn is_misp(path: &Path) -> Result<bool> {
    if path == Path::new("-") {
        return Ok(false);
    }
    let mut head = Vec::with_capacity(512);
    open(path, None)?
        .take(512)
        .read_to_end(&mut head)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(yagura_formats::misp::looks_like_misp(&head))
}

/// MISP event JSON: every event of the file converted to (valid) STIX and
/// written in the file's one transaction.
async fn import_misp(
    store: &SqliteStore,
    path: &Path,
    args: &ImportArgs,
) -> Result<std::result::Result<Tally, String>> {
    let text = read_text(path, args)?;
    let events = match yagura_formats::misp::read_events(&text) {
        Ok(events) => events,
        Err(e) => return Ok(Err(e.to_string())),
    };
    drop(text);
    let mut tx = store.begin().await.context("starting a transaction")?;
    let mut tally = Tally::new(args);
    let mut rejected = Vec::new();
    let mut unmapped: BTreeMap<String, u64> = BTreeMap::new();
    let mut batch = Vec::with_capacity(BATCH);
    for (at, event) in &events {
        let converted = match yagura_formats::misp::convert_event(event, at) {
            Ok(c) => c,
            Err(e) => {
                rejected.push(misp_rejected(e));
                continue;
            }
        };
        rejected.extend(converted.rejected.into_iter().map(misp_rejected));
        for (t, n) in converted.unmapped {
            *unmapped.entry(t).or_default() += n;
        }
        // `convert_event` gives only valid objects (it validates each one,
        // and the misp_convert fuzz target holds it to that).
        for object in converted.objects {
            let meta = args.meta(yagura_stix::marking::marked_tlp(&object));
            batch.push((object, meta));
            if batch.len() >= BATCH {
                flush(&mut tx, &mut batch, &mut tally, &mut rejected).await?;
            }
        }
    }
    let result = finish(tx, &mut batch, tally, rejected, args, path).await?;
    if result.is_ok() && !unmapped.is_empty() {
        let list: Vec<String> = unmapped.iter().map(|(t, n)| format!("{t} {n}")).collect();
        writeln!(
            std::io::stderr(),
            "{}: attributes with no STIX observable form, not imported: {}",
            path.display(),
            list.join(", ")
        )?;
    }
    Ok(result)
}

fn misp_rejected(e: yagura_formats::misp::MispError) -> Rejected {
    Rejected {
        at: Located::default(),
        index: None,
        id: Some(e.at),
        reason: e.message,
    }
}

/// A CSV file or plain list: each value becomes an indicator dated by the
/// file's modification time (so re-importing it changes nothing).
async fn import_list(
    store: &SqliteStore,
    path: &Path,
    args: &ImportArgs,
) -> Result<std::result::Result<Tally, String>> {
    let text = read_text(path, args)?;
    let items = if format_of(path, args.format) == Format::Csv {
        match yagura_formats::ioc::read_csv(&text) {
            Ok(items) => items,
            Err(e) => return Ok(Err(format!("not valid CSV: {e}"))),
        }
    } else {
        yagura_formats::ioc::read_lines(&text)
    };
    let when = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or_else(yagura_stix::Timestamp::now, |d| {
            yagura_stix::Timestamp::from_unix(i64::try_from(d.as_secs()).unwrap_or(0), 0)
        });
    let meta = args.meta(None);
    // Written chunk by chunk inside the file's transaction; a bad line
    // found on the way rolls the whole file back at the end.
    let mut tx = store.begin().await.context("starting a transaction")?;
    let mut tally = Tally::new(args);
    let mut rejected = Vec::new();
    let mut batch = Vec::with_capacity(BATCH);
    for item in items {
        match item {
            yagura_formats::ioc::ListItem::Value {
                kind,
                value,
                description,
                ..
            } => {
                if let Some(o) =
                    yagura_formats::ioc::indicator(kind, &value, when, description.as_deref())
                {
                    batch.push((o, meta.clone()));
                }
            }
            yagura_formats::ioc::ListItem::NoValue { line, text } => rejected.push(Rejected {
                at: Located { offset: 0, line },
                index: None,
                id: None,
                reason: format!("no indicator value in {text:?}"),
            }),
        }
        if batch.len() >= BATCH {
            flush(&mut tx, &mut batch, &mut tally, &mut rejected).await?;
        }
    }
    finish(tx, &mut batch, tally, rejected, args, path).await
}

/// Writes the last batch, then rejects the file (dropping the transaction
/// rolls it back) or lists what was skipped and commits.
async fn finish(
    mut tx: yagura_store::SqliteTx,
    batch: &mut Vec<(StixObject, ObjectMeta)>,
    mut tally: Tally,
    mut rejected: Vec<Rejected>,
    args: &ImportArgs,
    path: &Path,
) -> Result<std::result::Result<Tally, String>> {
    flush(&mut tx, batch, &mut tally, &mut rejected).await?;
    if !args.skip_invalid && !rejected.is_empty() {
        return Ok(Err(reasons(&rejected)));
    }
    for r in &rejected {
        writeln!(std::io::stderr(), "{}: skipped {r}", path.display())?;
    }
    tally.rejected = rejected.len() as u64;
    tx.commit().await.context("committing")?;
    Ok(Ok(tally))
}

/// A STIX file, streamed.
async fn import_stix(
    store: &SqliteStore,
    path: &Path,
    args: &ImportArgs,
) -> Result<std::result::Result<Tally, String>> {
    let reader = open(path, args.progress.as_ref())?;
    let (tx_items, mut rx_items) = tokio::sync::mpsc::channel::<Vec<Item>>(8);
    // Parsing and validation run on a blocking thread, objects flow through
    // a bounded channel: memory holds a window of objects, not the file.
    let parser = tokio::task::spawn_blocking(move || {
        let options = Options::default();
        let as_v20 = Options {
            version: StixVersion::V2_0,
            ..Options::default()
        };
        let mut chunk = Vec::with_capacity(CHUNK);
        let result = for_each_object_read(reader, |position, at, object| {
            let index = match position {
                Position::Listed(i) => Some(i),
                Position::Alone => None,
            };
            let item = match object {
                Err(e) => Err(Rejected {
                    at,
                    index,
                    id: None,
                    reason: e.to_string(),
                }),
                Ok(o) => {
                    let legacy = o.spec_version().is_none() && o.get("created").is_some();
                    let report =
                        validate_object(o.properties(), if legacy { &as_v20 } else { &options });
                    match report.errors.first() {
                        None => Ok(o),
                        Some(first) => Err(Rejected {
                            at,
                            index,
                            id: o.id().map(str::to_owned),
                            reason: format!(
                                "{}{}",
                                if first.path.is_empty() {
                                    String::new()
                                } else {
                                    format!("{}: ", first.path)
                                },
                                first.message
                            ),
                        }),
                    }
                }
            };
            chunk.push(item);
            if chunk.len() == CHUNK {
                // A closed channel means the import gave up on this file.
                let _ = tx_items.blocking_send(std::mem::take(&mut chunk));
            }
        });
        if !chunk.is_empty() {
            let _ = tx_items.blocking_send(chunk);
        }
        result
    });
    let mut tx = store.begin().await.context("starting a transaction")?;
    let mut tally = Tally::new(args);
    let mut rejected = Vec::new();
    let mut batch: Vec<(StixObject, ObjectMeta)> = Vec::with_capacity(BATCH);
    let mut abort: Option<String> = None;
    'chunks: while let Some(items) = rx_items.recv().await {
        for item in items {
            match item {
                Ok(object) => {
                    let meta = args.meta(yagura_stix::marking::marked_tlp(&object));
                    batch.push((object, meta));
                    if batch.len() >= BATCH {
                        flush(&mut tx, &mut batch, &mut tally, &mut rejected).await?;
                    }
                }
                Err(r) => rejected.push(r),
            }
            if !args.skip_invalid && !rejected.is_empty() {
                abort = Some(reasons(&rejected));
                break 'chunks;
            }
        }
    }
    if abort.is_none() {
        flush(&mut tx, &mut batch, &mut tally, &mut rejected).await?;
        if !args.skip_invalid && !rejected.is_empty() {
            abort = Some(reasons(&rejected));
        }
    }
    if let Some(why) = abort {
        // Dropping the transaction rolls the file back; the parser stops
        // sending once the channel is closed.
        drop(rx_items);
        drop(tx);
        let _ = parser.await;
        return Ok(Err(why));
    }
    match parser.await.context("the parser thread failed")? {
        Ok(_) => {}
        Err(e) => return Ok(Err(e.to_string())),
    }
    for r in &rejected {
        writeln!(std::io::stderr(), "{}: skipped {r}", path.display())?;
    }
    tally.rejected = rejected.len() as u64;
    tx.commit().await.context("committing")?;
    Ok(Ok(tally))
}
