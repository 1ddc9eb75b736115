//! The audit hash chain: each record's hash covers the previous record's
//! hash and its own fields, so altering, inserting, reordering or removing a
//! record breaks every hash after it. Removing records from the end leaves a
//! valid shorter chain: compare the head hash with one kept elsewhere
//! (`yagura audit verify --expect-head`).

use sha2::{Digest, Sha256};
use yagura_core::AuditRecord;

pub use yagura_core::GENESIS;

/// The hash of `record` chained after `prev_hash`: SHA-256 over every field
/// but `hash`, each length-prefixed so no two records share an encoding.
pub fn link(prev_hash: &str, record: &AuditRecord) -> String {
    let mut h = Sha256::new();
    let seq = record.seq.to_string();
    let e = &record.entry;
    let allow = if e.allow { "allow" } else { "refuse" };
    for field in [
        prev_hash,
        &seq,
        &e.at,
        &e.recipient,
        e.channel.as_str(),
        &e.object_id,
        &e.version,
        allow,
        &e.reason,
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in h.finalize() {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// Where a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The first record that does not verify (or the expected position).
    pub seq: u64,
    /// What is wrong.
    pub problem: String,
}

/// Checks records one at a time, in log order.
#[derive(Debug, Clone)]
pub struct Verifier {
    next_seq: u64,
    head: String,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            next_seq: 1,
            head: GENESIS.to_owned(),
        }
    }
}

impl Verifier {
    /// A verifier expecting the first record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the next record.
    pub fn check(&mut self, r: &AuditRecord) -> Result<(), Break> {
        let fail = |problem: String| Break {
            seq: self.next_seq,
            problem,
        };
        if r.seq != self.next_seq {
            return Err(fail(format!(
                "record {} found where {} was expected (records removed or reordered)",
                r.seq, self.next_seq
            )));
        }
        if r.prev_hash != self.head {
            return Err(fail(
                "its previous hash does not match the record before it".to_owned(),
            ));
        }
        if link(&r.prev_hash, r) != r.hash {
            return Err(fail(
                "its content does not match its hash (altered)".to_owned(),
            ));
        }
        self.head.clone_from(&r.hash);
        self.next_seq += 1;
        Ok(())
    }

    /// How many records verified.
    pub fn count(&self) -> u64 {
        self.next_seq - 1
    }

    /// The hash of the last verified record ([`GENESIS`] if none).
    pub fn head(&self) -> &str {
        &self.head
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yagura_core::{AuditEntry, Channel};

    fn chain(n: u64) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let mut r = AuditRecord {
                    seq,
                    entry: AuditEntry {
                        at: "2026-11-28T00:00:00Z".into(),
                        recipient: "jpcert".into(),
                        channel: Channel::Export,
                        object_id: format!("indicator--{seq}"),
                        version: String::new(),
                        allow: seq % 2 == 0,
                        reason: "TLP:CLEAR".into(),
                    },
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                r.hash = link(&prev, &r);
                prev.clone_from(&r.hash);
                r
            })
            .collect()
    }

    fn verify(records: &[AuditRecord]) -> Result<u64, Break> {
        let mut v = Verifier::new();
        for r in records {
            v.check(r)?;
        }
        Ok(v.count())
    }

    /// The hash is SHA-256 over the length-prefixed fields, as lower-case
    /// hex: the value here is Python's `hashlib` over the same bytes, so a
    /// change of encoding (which would break every stored chain) fails.
    #[test]
    fn the_hash_encoding_is_stable() {
        let r = AuditRecord {
            seq: 1,
            entry: AuditEntry {
                at: "2026-11-28T00:00:00Z".into(),
                recipient: "jpcert".into(),
                channel: Channel::Export,
                object_id: "indicator--1".into(),
                version: "2026-01-01T00:00:00.000Z".into(),
                allow: true,
                reason: "TLP:CLEAR".into(),
            },
            prev_hash: GENESIS.to_owned(),
            hash: String::new(),
        };
        assert_eq!(
            link(GENESIS, &r),
            "3743a554e62a8e3fd97c55f9f9e296b28da6d8033338c6f866af833f3b7beea4"
        );
    }

    #[test]
    fn a_sound_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn any_alteration_or_removal_is_found() {
        let good = chain(5);
        let mut altered = good.clone();
        altered[2].entry.allow = !altered[2].entry.allow;
        assert_eq!(verify(&altered).map_err(|b| b.seq), Err(3));
        let mut removed = good.clone();
        removed.remove(1);
        assert_eq!(verify(&removed).map_err(|b| b.seq), Err(2));
        // Renumbering after a removal still breaks the chain of hashes.
        for (i, r) in removed.iter_mut().enumerate() {
            r.seq = i as u64 + 1;
        }
        assert_eq!(verify(&removed).map_err(|b| b.seq), Err(2));
        let mut swapped = good.clone();
        swapped.swap(3, 4);
        assert!(verify(&swapped).is_err());
        // Fields cannot be shifted into each other.
        let mut shifted = good;
        shifted[0].entry.recipient = "jpcer".into();
        shifted[0].entry.at.push('t');
        assert!(verify(&shifted).is_err());
    }
}
