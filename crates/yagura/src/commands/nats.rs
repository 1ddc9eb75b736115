//! A NATS subject as a hunt's input: `nats://host:port/subject` (NATS
//! wildcards allowed: `logs.>`, `logs.*.auth`). Each message is one or
//! more log lines (a line end is added after a message without one); the
//! subscription runs on a thread of its own with its own runtime, and ends
//! when the hunt is told to stop (SIGINT, SIGTERM) or the server closes
//! the connection. Core NATS: what is published while nobody subscribes
//! is not seen (a JetStream stream's subject is delivered the same way,
//! from the moment of subscribing).

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use futures_util::StreamExt as _;

/// Messages held for the hunt at most before the subscription waits.
const QUEUED: usize = 4096;

/// Whether an input names a NATS subject.
pub(crate) fn is_nats(input: &str) -> bool {
    input.starts_with("nats://")
}

/// The server and the subject of `nats://host:port/subject`.
fn parse(url: &str) -> Result<(String, String)> {
    let rest = url
        .strip_prefix("nats://")
        .context("not a nats:// address")?;
    let Some((server, subject)) = rest.split_once('/') else {
        bail!("{url}: no subject (nats://host:port/subject)");
    };
    if server.is_empty() {
        bail!("{url}: no server (nats://host:port/subject)");
    }
    let bad = subject.is_empty()
        || subject.contains(char::is_whitespace)
        || subject.split('.').any(str::is_empty)
        || subject
            .split('.')
            .enumerate()
            .any(|(i, t)| t.contains('>') && (t != ">" || i + 1 != subject.split('.').count()));
    if bad {
        bail!(
            "{url}: `{subject}` is not a NATS subject (tokens separated by dots; `*` a token, `>` the last)"
        );
    }
    Ok((format!("nats://{server}"), subject.to_owned()))
}

/// Subscribes to `url`'s subject (failing now if the server cannot be
/// reached or refuses) and gives its messages as a reader of lines, until
/// `until` is set.
pub(crate) fn subscribe(url: &str, until: Arc<AtomicBool>) -> Result<Box<dyn Read + Send>> {
    let (server, subject) = parse(url)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("a runtime for NATS")?;
    let (client, mut sub) = rt
        .block_on(async {
            let client = async_nats::ConnectOptions::new()
                .connection_timeout(Duration::from_secs(5))
                .connect(server.as_str())
                .await?;
            let sub = client.subscribe(subject.clone()).await?;
            // The subscription is in place at the server once a flush
            // returns: nothing published after this call is missed.
            client.flush().await?;
            Ok::<_, anyhow::Error>((client, sub))
        })
        .with_context(|| format!("{url}: cannot subscribe"))?;
    let (tx, rx) = sync_channel::<io::Result<Vec<u8>>>(QUEUED);
    std::thread::Builder::new()
        .name("yagura-nats".into())
        .spawn(move || {
            rt.block_on(async move {
                let _client = client;
                loop {
                    let msg = tokio::select! {
                        m = sub.next() => m,
                        () = tokio::time::sleep(Duration::from_millis(100)) => {
                            if until.load(Ordering::Relaxed) {
                                return;
                            }
                            continue;
                        }
                    };
                    let Some(msg) = msg else { return };
                    if msg.payload.is_empty() {
                        continue;
                    }
                    let mut lines = msg.payload.to_vec();
                    if lines.last() != Some(&b'\n') {
                        lines.push(b'\n');
                    }
                    // The hunt is behind: wait for it (the server keeps
                    // what it can for a slow subscriber, then drops).
                    let mut lines = Some(lines);
                    while let Some(l) = lines.take() {
                        match tx.try_send(Ok(l)) {
                            Ok(()) => {}
                            Err(std::sync::mpsc::TrySendError::Full(l)) => {
                                if until.load(Ordering::Relaxed) {
                                    return;
                                }
                                tokio::time::sleep(Duration::from_millis(5)).await;
                                lines = l.ok();
                            }
                            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => return,
                        }
                    }
                }
            });
        })
        .context("a thread for NATS")?;
    Ok(Box::new(yagura_detect::read::live::Received::new(rx)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_a_server_and_a_subject() {
        assert_eq!(
            parse("nats://127.0.0.1:4222/logs.>").expect("valid"),
            ("nats://127.0.0.1:4222".to_owned(), "logs.>".to_owned())
        );
        assert!(parse("nats://h:1/a.*.b").is_ok());
        for bad in [
            "nats://h:1",
            "nats://h:1/",
            "nats:///logs",
            "nats://h:1/a..b",
            "nats://h:1/a.>.b",
            "nats://h:1/a b",
            "nats://h:1/a>",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
