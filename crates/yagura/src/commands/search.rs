//! `yagura search`: an exact value (IP, domain, URL, hash, email…), a name
//! or alias, or words in names and descriptions.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde_json::json;
use yagura_core::{IntelStore, StoredObject};
use yagura_store::SqliteStore;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Output {
    /// Aligned columns.
    Table,
    /// One JSON object per hit.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// A value, a name or alias, or words.
    query: String,
    /// Most full-text hits to show.
    #[arg(long, default_value_t = 20)]
    limit: u32,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    output: Output,
}

struct Hit {
    matched: String,
    object: StoredObject,
    related: Vec<String>,
}

fn label(o: &StoredObject) -> String {
    o.object
        .get_str("name")
        .or_else(|| o.object.get_str("value"))
        .or_else(|| o.object.get_str("pattern"))
        .unwrap_or_default()
        .to_owned()
}

pub(crate) async fn run(store: &SqliteStore, args: SearchArgs) -> Result<ExitCode> {
    let mut hits: Vec<Hit> = Vec::new();
    for v in store.lookup_value(&args.query, None).await? {
        hits.push(Hit {
            matched: format!("{} {}", v.kind, v.value),
            object: v.object,
            related: Vec::new(),
        });
    }
    for o in store.lookup_name(&args.query).await? {
        if !hits.iter().any(|h| h.object.object.id() == o.object.id()) {
            hits.push(Hit {
                matched: "name".to_owned(),
                object: o,
                related: Vec::new(),
            });
        }
    }
    if hits.is_empty() {
        for o in store.search_text(&args.query, args.limit).await? {
            hits.push(Hit {
                matched: "text".to_owned(),
                object: o,
                related: Vec::new(),
            });
        }
    }
    // What each hit is related to (the actor an indicator indicates, the
    // techniques an actor uses…).
    for h in &mut hits {
        let Some(id) = h.object.object.id() else {
            continue;
        };
        for r in store.relationships(id).await? {
            let (Some(src), Some(dst), Some(rt)) = (
                r.object.get_str("source_ref"),
                r.object.get_str("target_ref"),
                r.object.get_str("relationship_type"),
            ) else {
                continue;
            };
            let (arrow, other) = if src == id {
                ("→", dst)
            } else {
                ("←", src)
            };
            let other_name = match store.get(other).await? {
                Some(o) => label(&o),
                None => String::new(),
            };
            h.related.push(
                format!("{arrow} {rt} {other} {other_name}")
                    .trim_end()
                    .to_owned(),
            );
        }
    }
    let mut out = std::io::stdout();
    match args.output {
        Output::Json => {
            for h in &hits {
                let doc = json!({
                    "matched": h.matched,
                    "type": h.object.object.object_type(),
                    "id": h.object.object.id(),
                    "name": label(&h.object),
                    "tlp": h.object.meta.tlp.map(|t| t.label()),
                    "related": h.related,
                    "object": h.object.object,
                });
                writeln!(out, "{doc}")?;
            }
        }
        Output::Table => {
            if hits.is_empty() {
                writeln!(out, "no match for {:?}", args.query)?;
            }
            for h in &hits {
                let tlp = h
                    .object
                    .meta
                    .tlp
                    .map_or_else(String::new, |t| t.to_string());
                writeln!(
                    out,
                    "{:<16} {:<60} {} [{}] {}",
                    h.object.object.object_type(),
                    h.object.object.id().unwrap_or_default(),
                    label(&h.object),
                    h.matched,
                    tlp
                )?;
                for r in &h.related {
                    writeln!(out, "    {r}")?;
                }
            }
        }
    }
    Ok(if hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
