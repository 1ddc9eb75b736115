//! `yagura init`: the regional knowledge base (threat actors that target
//! Japan and East Asia, with their countries and ATT&CK links) and, when its
//! bundle is at hand, MITRE ATT&CK itself, all TLP:CLEAR in the collection
//! `regional` (which every community member reads over TAXII). Loading
//! twice changes nothing; `yagura serve` runs it on an empty store.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use yagura_core::{
    Collection, CollectionId, Directory, IntelStore, ObjectMeta, PutOutcome, StoreTx,
};
use yagura_stix::Tlp;
use yagura_store::SqliteStore;

use crate::commands::import::{self, ImportArgs};

/// Where ATT&CK is looked for when `--attack` is not given.
const DEFAULT_ATTACK: &str = "../shared/data/attack/enterprise-attack.json.gz";

/// The collection the regional base and ATT&CK are loaded into.
pub(crate) const REGIONAL: &str = "regional";

#[derive(Debug, Default, Args)]
pub(crate) struct InitArgs {
    /// The MITRE ATT&CK Enterprise bundle (.json or .json.gz).
    #[arg(long, value_name = "PATH")]
    pub(crate) attack: Option<PathBuf>,
}

pub(crate) async fn run(store: &SqliteStore, args: InitArgs) -> Result<ExitCode> {
    let mut out = std::io::stdout();
    let base = yagura_formats::actors::regional_base().context("reading the shipped actor base")?;
    let regional: CollectionId = REGIONAL.parse().context("collection id")?;
    if !store.collections().await?.iter().any(|c| c.id == regional) {
        store
            .add_collection(&Collection {
                id: regional.clone(),
                title: "Regional threat actors and MITRE ATT&CK".to_owned(),
                description: Some(
                    "Threat actors that target Japan and East Asia (MISP galaxy and ATT&CK derived), their targets, and MITRE ATT&CK Enterprise".to_owned(),
                ),
                ..Collection::new(regional.clone(), "")
            })
            .await?;
    }
    let meta = ObjectMeta {
        tlp: Some(Tlp::Clear),
        collection: Some(regional.clone()),
        ..ObjectMeta::default()
    };
    let batch: Vec<_> = base.into_iter().map(|o| (o, meta.clone())).collect();
    let mut tx = store.begin().await?;
    let outcomes = tx.put_batch(&batch).await?;
    tx.commit().await?;
    let new = outcomes.iter().filter(|o| **o == PutOutcome::New).count();
    let actors = batch
        .iter()
        .filter(|(o, _)| o.object_type() == "intrusion-set")
        .count();
    writeln!(
        out,
        "regional actor base: {actors} actors, {} objects ({new} new)",
        batch.len()
    )?;

    let attack = match args.attack {
        Some(p) => Some(p),
        None => Some(PathBuf::from(DEFAULT_ATTACK)).filter(|p| p.exists()),
    };
    match attack {
        Some(path) => {
            let import = ImportArgs {
                paths: vec![path],
                tlp: Some(Tlp::Clear),
                org: Some("mitre".parse().context("organization id")?),
                collection: Some(regional),
                residency: Vec::new(),
                skip_invalid: false,
                format: import::Format::Stix,
                progress: None,
            };
            import::run(store, import).await
        }
        None => {
            writeln!(
                out,
                "ATT&CK not loaded: {DEFAULT_ATTACK} is absent (give --attack PATH)"
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
