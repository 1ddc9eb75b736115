//! `yagura audit`: list sharing decisions, and verify the hash chain.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;
use yagura_core::{AuditFilter, AuditLog};
use yagura_policy::audit::Verifier;
use yagura_store::SqliteStore;

use super::search::Output;

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Check that no record was altered, inserted or removed. Exit 1 if the
    /// chain is broken. Prints the head hash: keep it elsewhere and pass it
    /// back with --expect-head to detect records removed from the end.
    Verify {
        /// The head hash recorded earlier; the log must still contain it as
        /// a record's hash.
        #[arg(long)]
        expect_head: Option<String>,
    },
    /// List decisions, oldest first.
    List {
        /// Only decisions for this recipient (an organization, or `public`).
        #[arg(long)]
        recipient: Option<String>,
        /// Only decisions about this object id.
        #[arg(long)]
        object: Option<String>,
        /// At most this many (the most recent).
        #[arg(long, default_value_t = 100)]
        limit: u64,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        output: Output,
    },
}

pub(crate) async fn run(store: &SqliteStore, cmd: AuditCommand) -> Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { expect_head } => {
            let mut v = Verifier::new();
            let mut seen_expected = expect_head.is_none();
            let outcome = store
                .scan(|r| {
                    v.check(&r)?;
                    if expect_head.as_deref() == Some(r.hash.as_str()) {
                        seen_expected = true;
                    }
                    Ok::<(), yagura_policy::audit::Break>(())
                })
                .await?;
            if let Err(b) = outcome {
                eprintln!(
                    "audit log broken at record {}: {} ({} records before it verify)",
                    b.seq,
                    b.problem,
                    v.count()
                );
                return Ok(ExitCode::from(1));
            }
            if !seen_expected {
                eprintln!(
                    "audit log verifies ({} records) but the expected head is not in it: records were removed from the end",
                    v.count()
                );
                return Ok(ExitCode::from(1));
            }
            println!("ok: {} records, head {}", v.count(), v.head());
        }
        AuditCommand::List {
            recipient,
            object,
            limit,
            output,
        } => {
            let filter = AuditFilter {
                recipient,
                object_id: object,
                limit: Some(limit),
            };
            let mut out = std::io::stdout().lock();
            for r in store.records(&filter).await? {
                let (seq, hash, r) = (r.seq, r.hash, r.entry);
                match output {
                    Output::Json => writeln!(
                        out,
                        "{}",
                        json!({"seq": seq, "at": r.at, "recipient": r.recipient,
                            "channel": r.channel.as_str(), "object_id": r.object_id,
                            "version": r.version, "allow": r.allow, "reason": r.reason,
                            "hash": hash})
                    )?,
                    Output::Table => writeln!(
                        out,
                        "{:>8} {} {:<16} {:<10} {:<6} {} {}",
                        seq,
                        r.at,
                        r.recipient,
                        r.channel,
                        if r.allow { "allow" } else { "refuse" },
                        r.object_id,
                        r.reason
                    )?,
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
