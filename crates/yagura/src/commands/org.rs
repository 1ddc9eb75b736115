//! `yagura org` and `yagura collection`: the hub's partner organizations
//! (jurisdiction, sector, community membership) and its collections with
//! their audiences, scriptable for provisioning.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Subcommand;
use serde_json::json;
use yagura_core::{
    ApiRoot, Collection, CollectionId, DEFAULT_API_ROOT, Directory, Jurisdiction, Org, OrgId,
};
use yagura_store::SqliteStore;

use super::search::Output;

#[derive(Debug, Subcommand)]
pub(crate) enum OrgCommand {
    /// Register an organization.
    Add {
        /// Its identifier (a-z, 0-9, '-', '_', '.').
        name: OrgId,
        /// Where it is: an ISO 3166-1 alpha-2 code (residency is checked against it).
        #[arg(long)]
        jurisdiction: Jurisdiction,
        /// Its sector (finance, energy, government…).
        #[arg(long)]
        sector: Option<String>,
        /// A member of the hub's community (receives TLP:GREEN).
        #[arg(long)]
        community: bool,
    },
    /// List the organizations.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Remove an organization.
    Remove {
        /// Its identifier.
        name: OrgId,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum CollectionCommand {
    /// Create a collection.
    Add {
        /// Its identifier.
        id: CollectionId,
        /// Its title.
        #[arg(long)]
        title: String,
        /// Its description.
        #[arg(long)]
        description: Option<String>,
        /// Organizations that receive its TLP:AMBER and AMBER+STRICT objects
        /// (comma-separated; none by default).
        #[arg(long, value_delimiter = ',')]
        audience: Vec<OrgId>,
        /// The TAXII API root it is served under (see `yagura root add`).
        #[arg(long, default_value = DEFAULT_API_ROOT)]
        root: String,
        /// Nobody but admins adds to it.
        #[arg(long, conflicts_with = "write_only")]
        read_only: bool,
        /// Nobody but admins reads it (a drop box).
        #[arg(long)]
        write_only: bool,
    },
    /// List the collections.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Remove a collection (its objects stay in the store).
    Remove {
        /// Its identifier.
        id: CollectionId,
    },
}

pub(crate) async fn run_org(store: &SqliteStore, cmd: OrgCommand) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cmd {
        OrgCommand::Add {
            name,
            jurisdiction,
            sector,
            community,
        } => {
            store
                .add_org(&Org {
                    name: name.clone(),
                    jurisdiction,
                    sector,
                    community,
                })
                .await?;
            eprintln!("added organization {name}");
        }
        OrgCommand::List { output } => {
            for o in store.orgs().await? {
                match output {
                    Output::Json => writeln!(
                        out,
                        "{}",
                        json!({"name": o.name, "jurisdiction": o.jurisdiction,
                            "sector": o.sector, "community": o.community})
                    )?,
                    Output::Table => writeln!(
                        out,
                        "{:<24} {:<3} {:<16} {}",
                        o.name,
                        o.jurisdiction,
                        o.sector.as_deref().unwrap_or("-"),
                        if o.community { "community" } else { "-" }
                    )?,
                }
            }
        }
        OrgCommand::Remove { name } => {
            if !store.remove_org(&name).await? {
                bail!("no organization {name:?}");
            }
            eprintln!("removed organization {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run_collection(
    store: &SqliteStore,
    cmd: CollectionCommand,
) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cmd {
        CollectionCommand::Add {
            id,
            title,
            description,
            audience,
            root,
            read_only,
            write_only,
        } => {
            for name in &audience {
                if store.org(name).await?.is_none() {
                    bail!("no organization {name:?} for the audience (see `yagura org add`)");
                }
            }
            if root != DEFAULT_API_ROOT && !store.api_roots().await?.iter().any(|r| r.name == root)
            {
                bail!("no API root {root:?} (see `yagura root add`)");
            }
            store
                .add_collection(&Collection {
                    id: id.clone(),
                    title,
                    description,
                    audience,
                    api_root: root,
                    readable: !write_only,
                    writable: !read_only,
                })
                .await?;
            eprintln!("added collection {id}");
        }
        CollectionCommand::List { output } => {
            for c in store.collections().await? {
                let audience: Vec<&str> = c.audience.iter().map(OrgId::as_str).collect();
                match output {
                    Output::Json => writeln!(
                        out,
                        "{}",
                        json!({"id": c.id, "title": c.title,
                            "description": c.description, "audience": audience,
                            "root": c.api_root, "readable": c.readable, "writable": c.writable})
                    )?,
                    Output::Table => writeln!(
                        out,
                        "{:<24} {:<12} {:<32} {}",
                        c.id,
                        c.api_root,
                        c.title,
                        if audience.is_empty() {
                            "-".to_owned()
                        } else {
                            audience.join(",")
                        }
                    )?,
                }
            }
        }
        CollectionCommand::Remove { id } => {
            if !store.remove_collection(&id).await? {
                bail!("no collection {id:?}");
            }
            eprintln!("removed collection {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub(crate) enum RootCommand {
    /// Add a TAXII API root, served at /NAME/ beside the default `hub`.
    Add {
        /// Its name: letters, digits, `-`, `_`, `.`.
        name: String,
        /// Its title.
        #[arg(long)]
        title: String,
        /// Its description.
        #[arg(long)]
        description: Option<String>,
    },
    /// List the API roots.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Remove an API root (its collections stay, unreachable over TAXII).
    Remove {
        /// Its name.
        name: String,
    },
}

pub(crate) async fn run_root(store: &SqliteStore, cmd: RootCommand) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cmd {
        RootCommand::Add {
            name,
            title,
            description,
        } => {
            if !ApiRoot::valid_name(&name) || name == DEFAULT_API_ROOT {
                bail!(
                    "{name:?} cannot be an API root: use 1-64 letters, digits, '-', '_' or '.', not {DEFAULT_API_ROOT:?} or \"taxii2\""
                );
            }
            store
                .add_api_root(&ApiRoot {
                    name: name.clone(),
                    title,
                    description,
                })
                .await?;
            eprintln!("added API root /{name}/");
        }
        RootCommand::List { output } => {
            for r in store.api_roots().await? {
                match output {
                    Output::Json => writeln!(
                        out,
                        "{}",
                        json!({"name": r.name, "title": r.title, "description": r.description})
                    )?,
                    Output::Table => writeln!(out, "{:<24} {}", r.name, r.title)?,
                }
            }
        }
        RootCommand::Remove { name } => {
            if !store.remove_api_root(&name).await? {
                bail!("no API root {name:?}");
            }
            eprintln!("removed API root {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
