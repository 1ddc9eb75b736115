//! `yagura serve`: the hub over HTTP (TAXII 2.1) on the embedded store.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use yagura_core::{Accounts, IntelStore, Role};
use yagura_policy::HubPolicy;
use yagura_server::ServerConfig;
use yagura_store::SqliteStore;

/// The address the hub listens on unless told otherwise.
pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8470";

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on (loopback by default; put a TLS-terminating
    /// proxy in front to serve others).
    #[arg(long, env = "YAGURA_LISTEN")]
    listen: Option<SocketAddr>,
    /// Objects per TAXII page when the client names no limit.
    #[arg(long, default_value_t = 1_000)]
    page_size: u32,
    /// The largest TAXII page a client may ask for.
    #[arg(long, default_value_t = 10_000)]
    max_page_size: u32,
    /// The largest request body, in bytes (TAXII max_content_length).
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    max_content_length: usize,
}

pub(crate) async fn run(
    store: &SqliteStore,
    hub: HubPolicy,
    listen_from_file: Option<SocketAddr>,
    args: ServeArgs,
) -> Result<ExitCode> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("YAGURA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let listen = args.listen.or(listen_from_file).unwrap_or_else(|| {
        DEFAULT_LISTEN
            .parse()
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8470)))
    });
    if store.count_by_type().await?.is_empty() {
        eprintln!("first start: loading the regional actor base (and ATT&CK when at hand)");
        crate::commands::init::run(store, crate::commands::init::InitArgs::default()).await?;
    }
    if !store.users().await?.iter().any(|u| u.role == Role::Admin) {
        eprintln!(
            "no admin user yet: create one with\n  yagura org add ORG --jurisdiction CC --community\n  yagura user add NAME --org ORG --role admin --password-stdin\n  yagura token create --user NAME"
        );
    }
    let config = ServerConfig {
        default_page: args.page_size.max(1),
        max_page: args.max_page_size.max(args.page_size.max(1)),
        max_content_length: args.max_content_length,
        hub,
        ..ServerConfig::default()
    };
    let app = yagura_server::router(store.clone(), config);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let bound = listener.local_addr()?;
    eprintln!(
        "yagura: TAXII 2.1 at http://{bound}/taxii2/ (default API root /{}/)",
        yagura_core::DEFAULT_API_ROOT
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")?;
    Ok(ExitCode::SUCCESS)
}
