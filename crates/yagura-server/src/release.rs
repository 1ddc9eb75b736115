//! Flow 2, intel out: every object that leaves the hub passes here. For
//! each object the policy decides for the recipient, the decision is
//! appended to the audit log, and only then may the caller serialize what
//! was allowed. `yagura export` and the TAXII server share it.

use std::collections::{BTreeMap, HashMap};

use yagura_core::{
    AuditEntry, AuditLog, Channel, CollectionId, Directory, IntelStore, ObjectFilter, OrgId,
    StoreError, StoredObject,
};
use yagura_policy::{Decision, HubPolicy, Markings, Recipient, Subject, decide};
use yagura_stix::{Timestamp, Tlp};
use yagura_store::SqliteStore;

/// Objects fetched and decided per round.
pub const PAGE: u32 = 1_000;

/// Decides and audits releases to one recipient over one channel.
#[derive(Debug)]
pub struct Releaser<'s> {
    store: &'s SqliteStore,
    recipient: Recipient,
    channel: Channel,
    hub: HubPolicy,
    markings: Markings,
    /// The marking definitions the hub holds, by id (to send with objects
    /// that reference them).
    marking_objects: HashMap<String, StoredObject>,
    audiences: HashMap<CollectionId, Vec<OrgId>>,
    /// Released and refused, by reason.
    pub released: u64,
    pub refused: BTreeMap<String, u64>,
}

impl<'s> Releaser<'s> {
    /// Loads what the policy needs: the marking definitions and the
    /// collections' audiences.
    pub async fn new(
        store: &'s SqliteStore,
        recipient: Recipient,
        channel: Channel,
        hub: HubPolicy,
    ) -> Result<Self, StoreError> {
        let mut markings = Markings::new();
        let mut marking_objects = HashMap::new();
        let filter = ObjectFilter {
            types: vec!["marking-definition".to_owned()],
            ..ObjectFilter::default()
        };
        let mut after = 0;
        loop {
            let page = store.page(&filter, after, PAGE).await?;
            let Some((last, _)) = page.last() else { break };
            after = *last;
            for (_, m) in page {
                markings.add(&m.object);
                if let Some(id) = m.object.id() {
                    marking_objects.insert(id.to_owned(), m);
                }
            }
        }
        let audiences = store
            .collections()
            .await?
            .into_iter()
            .map(|c| (c.id, c.audience))
            .collect();
        Ok(Self {
            store,
            recipient,
            channel,
            hub,
            markings,
            marking_objects,
            audiences,
            released: 0,
            refused: BTreeMap::new(),
        })
    }

    /// Decides each object that `wanted` keeps (a caller's filter, applied
    /// to what the policy sees), appends every decision to the audit log,
    /// and returns the objects allowed, in order, with their effective TLP.
    /// Nothing is returned unless the audit append succeeded.
    pub async fn release(
        &mut self,
        objects: Vec<StoredObject>,
        wanted: impl Fn(&StoredObject, &Subject) -> bool,
    ) -> Result<Vec<(StoredObject, Tlp)>, StoreError> {
        let at = Timestamp::now().to_string();
        let mut entries = Vec::with_capacity(objects.len());
        let mut allowed = Vec::with_capacity(objects.len());
        for o in objects {
            let (subject, d) = self.decide(&o);
            if !wanted(&o, &subject) {
                continue;
            }
            let tlp = subject.tlp;
            entries.push(AuditEntry {
                at: at.clone(),
                recipient: self.recipient.label(),
                channel: self.channel,
                object_id: subject.id,
                version: subject.version,
                allow: d.allow,
                reason: d.reason.to_string(),
            });
            if d.allow {
                allowed.push((o, tlp));
            } else {
                *self.refused.entry(d.reason.to_string()).or_default() += 1;
            }
        }
        self.store
            .append(&entries, yagura_policy::audit::link)
            .await?;
        self.released += allowed.len() as u64;
        Ok(allowed)
    }

    fn decide(&self, o: &StoredObject) -> (Subject, Decision) {
        let subject = Subject::of(o, &self.markings, &self.hub);
        let audience = subject
            .collection
            .as_ref()
            .and_then(|c| self.audiences.get(c))
            .map_or(&[][..], Vec::as_slice);
        let d = decide(&subject, &self.recipient, self.channel, audience);
        (subject, d)
    }

    /// A stored marking definition by id.
    pub fn marking(&self, id: &str) -> Option<&StoredObject> {
        self.marking_objects.get(id)
    }

    /// Whether any refusals happened, as one line per reason.
    pub fn refusals(&self) -> String {
        self.refused
            .iter()
            .map(|(reason, n)| format!("{n} refused: {reason}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}
