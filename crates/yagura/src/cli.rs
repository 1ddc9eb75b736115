//! Command-line interface: argument parsing and dispatch. Exit codes are
//! stable for scripts: 0 success (or "valid"/"matched" answered), 1 a
//! negative verdict (`pattern check` on an invalid pattern), 2 an error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use std::path::PathBuf;

use anyhow::Context as _;

use crate::commands::audit::{self, AuditCommand};
use crate::commands::export::{self, ExportArgs};
use crate::commands::hunt::{self, HuntArgs};
use crate::commands::import::{self, ImportArgs};
use crate::commands::init::{self, InitArgs};
use crate::commands::org::{self as org, CollectionCommand, OrgCommand, RootCommand};
use crate::commands::pattern::{self, PatternCommand};
use crate::commands::search::{self, SearchArgs};
use crate::commands::serve::{self, ServeArgs};
use crate::commands::stix::{self, StixCommand};
use crate::commands::user::{self, TokenCommand, UserCommand};

/// Yagura: sovereign threat-intelligence hub, detection engine and incident desk.
#[derive(Debug, Parser)]
#[command(name = "yagura", version, about)]
struct Cli {
    /// The data directory (the embedded store lives there). Default: the
    /// `data` of yagura.toml, else ./yagura-data.
    #[arg(long, global = true, env = "YAGURA_DATA")]
    data: Option<PathBuf>,
    /// The configuration file (default: ./yagura.toml if present).
    #[arg(long, global = true, env = "YAGURA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// STIX patterns: check syntax, match against observed data.
    #[command(subcommand)]
    Pattern(PatternCommand),
    /// STIX content: validate, upgrade 2.0 to 2.1.
    #[command(subcommand)]
    Stix(StixCommand),
    /// Load the regional threat-actor base and MITRE ATT&CK into the store.
    Init(InitArgs),
    /// Import STIX files or folders into the store (one transaction per file).
    Import(ImportArgs),
    /// Look up a value, a name or words in the store.
    Search(SearchArgs),
    /// Export objects for a recipient (STIX, MISP, CSV, value lists),
    /// through the sharing policy, every decision audited.
    Export(ExportArgs),
    /// Look through logs for known-bad values: JSON lines, Zeek, syslog/CEF/LEEF,
    /// CSV, EVTX (plain, gzip, zstd), against the store's indicators or IOC files,
    /// and run Sigma rules over Windows events (EVTX, JSON exports) as a timeline.
    /// Exit code 0 with hits, 1 without, 2 on an error.
    Hunt(HuntArgs),
    /// Run the hub: TAXII 2.1 over HTTP on the embedded store.
    Serve(ServeArgs),
    /// Partner organizations: add, list, remove.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Collections and their audiences: add, list, remove.
    #[command(subcommand)]
    Collection(CollectionCommand),
    /// TAXII API roots beyond the default `hub`: add, list, remove.
    #[command(subcommand)]
    Root(RootCommand),
    /// Users of organizations: add, list, remove.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens: create (printed once), list, remove.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The audit log of sharing decisions: list, verify.
    #[command(subcommand)]
    Audit(AuditCommand),
}

/// Parses the arguments, runs the command and maps the outcome to an exit code.
pub(crate) fn run() -> ExitCode {
    let cli = Cli::parse();
    let (data, hub, listen) =
        match crate::config::FileConfig::load(cli.config.as_deref()).and_then(|file| {
            Ok((
                crate::config::data_dir(cli.data, &file),
                crate::config::hub_policy(&file)?,
                file.listen,
            ))
        }) {
            Ok(settings) => settings,
            Err(e) => {
                report_error(&e);
                return ExitCode::from(2);
            }
        };
    let outcome = match cli.command {
        Command::Pattern(cmd) => pattern::run(cmd),
        Command::Stix(cmd) => stix::run(cmd),
        Command::Init(args) => with_store(&data, |store| Box::pin(init::run(store, args))),
        Command::Import(args) => with_store(&data, |store| Box::pin(import::run(store, args))),
        Command::Search(args) => with_store(&data, |store| Box::pin(search::run(store, args))),
        Command::Hunt(args) if args.needs_store() => {
            with_store(&data, |store| Box::pin(hunt::run_with_store(store, args)))
        }
        Command::Hunt(args) => hunt::run(args),
        Command::Serve(args) => with_store(&data, |store| {
            Box::pin(serve::run(store, hub, listen, args))
        }),
        Command::Export(args) => with_store(&data, |store| Box::pin(export::run(store, hub, args))),
        Command::Org(cmd) => with_store(&data, |store| Box::pin(org::run_org(store, cmd))),
        Command::Collection(cmd) => {
            with_store(&data, |store| Box::pin(org::run_collection(store, cmd)))
        }
        Command::Root(cmd) => with_store(&data, |store| Box::pin(org::run_root(store, cmd))),
        Command::Audit(cmd) => with_store(&data, |store| Box::pin(audit::run(store, cmd))),
        Command::User(cmd) => with_store(&data, |store| Box::pin(user::run_user(store, cmd))),
        Command::Token(cmd) => with_store(&data, |store| Box::pin(user::run_token(store, cmd))),
    };
    match outcome {
        Ok(code) => code,
        // A reader that closed the pipe (`| head`) wants no more: not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report_error(&e);
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Prints an error and its causes on stderr.
pub(crate) fn report_error(e: &anyhow::Error) {
    eprintln!("error: {e:#}");
}

type StoreFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<ExitCode>> + 'a>>;

/// Runs an async command on the store in `data`, on a runtime made for it.
fn with_store(
    data: &std::path::Path,
    f: impl for<'a> FnOnce(&'a yagura_store::SqliteStore) -> StoreFuture<'a>,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async {
        let store = yagura_store::SqliteStore::open(data)
            .await
            .with_context(|| format!("opening the store in {}", data.display()))?;
        let code = f(&store).await;
        store.close().await;
        code
    })
}
