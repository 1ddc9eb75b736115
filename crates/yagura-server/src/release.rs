//! Flow 2, intel out: every object that leaves the hub passes here. For
//! each object the policy decides for the recipient, the decision is
//! appended to the audit log, and only then may the caller serialize what
//! was allowed. `yagura export` and the TAXII server share it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use yagura_core::{
    ApiRoot, AuditEntry, AuditLog, Channel, Collection, CollectionId, Directory, IntelStore,
    ObjectFilter, OrgId, RawObject, StoreError, StoredObject,
};
use yagura_policy::{Decision, HubPolicy, Markings, Recipient, Subject, decide};
use yagura_stix::{Timestamp, Tlp};
use yagura_store::SqliteStore;

/// Objects fetched and decided per round.
pub const PAGE: u32 = 1_000;

/// What the policy needs besides the object and the recipient: the marking
/// definitions the hub holds and the collections (their audiences), with
/// the API roots. Loaded per export; the server keeps one for a second
/// (see [`ContextCache`]).
#[derive(Debug, Default)]
pub struct ReleaseContext {
    markings: Markings,
    /// The marking definitions, by id (to send with objects that
    /// reference them).
    marking_objects: HashMap<String, StoredObject>,
    audiences: HashMap<CollectionId, Vec<OrgId>>,
    /// The collections, by id.
    pub collections: Vec<Collection>,
    /// The API roots added (not the default one), by name.
    pub api_roots: Vec<ApiRoot>,
}

impl ReleaseContext {
    /// Reads the marking definitions and the collections' audiences.
    pub async fn load(store: &SqliteStore) -> Result<Self, StoreError> {
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
        let collections = store.collections().await?;
        let audiences = collections
            .iter()
            .map(|c| (c.id.clone(), c.audience.clone()))
            .collect();
        Ok(Self {
            markings,
            marking_objects,
            audiences,
            collections,
            api_roots: store.api_roots().await?,
        })
    }
}

/// A [`ReleaseContext`] reused for up to two seconds (see
/// [`ContextCache::get`]), and dropped at once when this process writes
/// objects. A change made by another process (the CLI) takes effect within
/// two seconds; until then a marking definition added elsewhere is
/// unknown, and objects that use it are refused (the safe side).
#[derive(Debug, Default)]
pub struct ContextCache(Mutex<Slot>);

#[derive(Debug, Default)]
struct Slot {
    context: Option<(Arc<ReleaseContext>, Instant)>,
    /// A background task is loading a fresh context.
    loading: bool,
    /// Bumped by every write: a load begun before it keeps nothing.
    generation: u64,
}

/// How long a cached context is used.
const CONTEXT_TTL: Duration = Duration::from_secs(1);

impl ContextCache {
    /// The cached context. One older than [`CONTEXT_TTL`] (but not twice
    /// that) is still answered while a background task loads its
    /// successor, so that under traffic no request waits for a reload; an
    /// older one, or none (at start, after a write of this process), is
    /// replaced by a fresh one first. So a context is never more than two
    /// seconds old.
    pub async fn get(
        self: &Arc<Self>,
        store: &SqliteStore,
    ) -> Result<Arc<ReleaseContext>, StoreError> {
        {
            let mut slot = self.0.lock().map_err(|_| poisoned())?;
            if let Some((c, at)) = &slot.context
                && at.elapsed() < 2 * CONTEXT_TTL
            {
                let c = Arc::clone(c);
                if at.elapsed() >= CONTEXT_TTL && !slot.loading {
                    slot.loading = true;
                    let generation = slot.generation;
                    let (me, store) = (Arc::clone(self), store.clone());
                    tokio::spawn(async move {
                        let fresh = ReleaseContext::load(&store).await;
                        if let Ok(mut slot) = me.0.lock() {
                            slot.loading = false;
                            match fresh {
                                Ok(f) if slot.generation == generation => {
                                    slot.context = Some((Arc::new(f), Instant::now()));
                                }
                                Ok(_) => {}
                                Err(e) => tracing::warn!("reloading the policy context: {e}"),
                            }
                        }
                    });
                }
                return Ok(c);
            }
        }
        let generation = self.0.lock().map_err(|_| poisoned())?.generation;
        let fresh = Arc::new(ReleaseContext::load(store).await?);
        let mut slot = self.0.lock().map_err(|_| poisoned())?;
        if slot.generation == generation {
            slot.context = Some((Arc::clone(&fresh), Instant::now()));
        }
        Ok(fresh)
    }

    /// Forgets the cached context (after a write): the next request loads
    /// a fresh one.
    pub fn invalidate(&self) {
        if let Ok(mut slot) = self.0.lock() {
            slot.context = None;
            slot.generation += 1;
        }
    }
}

fn poisoned() -> StoreError {
    StoreError::Backend("the policy context cache is poisoned".to_owned())
}

/// Appends the audit entries of concurrent requests in one transaction
/// (group commit): each request still gets its answer only after its own
/// entries are in the log.
#[derive(Debug, Clone)]
pub struct AuditQueue(mpsc::Sender<Appending>);

/// Entries to append and where to say how it went.
type Appending = (Vec<AuditEntry>, oneshot::Sender<Result<(), String>>);

/// The most entries one group commit takes.
const GROUP_LIMIT: usize = 50_000;

impl AuditQueue {
    /// Starts the writer task on the current runtime.
    pub fn start(store: SqliteStore) -> Self {
        let (tx, mut rx) = mpsc::channel::<Appending>(1024);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut group = vec![first];
                let mut size = group[0].0.len();
                while size < GROUP_LIMIT {
                    match rx.try_recv() {
                        Ok(more) => {
                            size += more.0.len();
                            group.push(more);
                        }
                        Err(_) => break,
                    }
                }
                let mut entries = Vec::with_capacity(size);
                let mut waiters = Vec::with_capacity(group.len());
                for (e, done) in group {
                    entries.extend(e);
                    waiters.push(done);
                }
                let outcome = store
                    .append(&entries, yagura_policy::audit::link)
                    .await
                    .map_err(|e| e.to_string());
                for w in waiters {
                    let _ = w.send(outcome.clone());
                }
            }
        });
        Self(tx)
    }

    /// Appends `entries`; returns once they are in the log.
    pub async fn append(&self, entries: Vec<AuditEntry>) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let (done, wait) = oneshot::channel();
        self.0
            .send((entries, done))
            .await
            .map_err(|_| StoreError::Backend("the audit writer stopped".to_owned()))?;
        wait.await
            .map_err(|_| StoreError::Backend("the audit writer stopped".to_owned()))?
            .map_err(StoreError::Backend)
    }
}

/// Decides and audits releases to one recipient over one channel.
#[derive(Debug)]
pub struct Releaser<'s> {
    store: &'s SqliteStore,
    recipient: Recipient,
    channel: Channel,
    hub: HubPolicy,
    context: Arc<ReleaseContext>,
    queue: Option<AuditQueue>,
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
        let context = Arc::new(ReleaseContext::load(store).await?);
        Ok(Self::with(store, recipient, channel, hub, context, None))
    }

    /// A releaser on a context in hand, appending through `queue` if given
    /// (else straight to the store).
    pub fn with(
        store: &'s SqliteStore,
        recipient: Recipient,
        channel: Channel,
        hub: HubPolicy,
        context: Arc<ReleaseContext>,
        queue: Option<AuditQueue>,
    ) -> Self {
        Self {
            store,
            recipient,
            channel,
            hub,
            context,
            queue,
            released: 0,
            refused: BTreeMap::new(),
        }
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
        self.release_each(objects, Subject::of, wanted).await
    }

    /// As [`Releaser::release`], for objects as stored (the TAXII path,
    /// which sends their JSON as it is).
    pub async fn release_raw(
        &mut self,
        objects: Vec<RawObject>,
        wanted: impl Fn(&RawObject, &Subject) -> bool,
    ) -> Result<Vec<RawObject>, StoreError> {
        let subject = |o: &RawObject, m: &Markings, hub: &HubPolicy| {
            Subject::of_head(&o.head, &o.meta, m, hub)
        };
        let allowed = self.release_each(objects, subject, wanted).await?;
        Ok(allowed.into_iter().map(|(o, _)| o).collect())
    }

    async fn release_each<T>(
        &mut self,
        objects: Vec<T>,
        subject_of: impl Fn(&T, &Markings, &HubPolicy) -> Subject,
        wanted: impl Fn(&T, &Subject) -> bool,
    ) -> Result<Vec<(T, Tlp)>, StoreError> {
        let at = Timestamp::now().to_string();
        let recipient = self.recipient.label();
        let mut entries = Vec::with_capacity(objects.len());
        let mut allowed = Vec::with_capacity(objects.len());
        for o in objects {
            let subject = subject_of(&o, &self.context.markings, &self.hub);
            if !wanted(&o, &subject) {
                continue;
            }
            let d = self.decide(&subject);
            let tlp = subject.tlp;
            entries.push(AuditEntry {
                at: at.clone(),
                recipient: recipient.clone(),
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
        match &self.queue {
            Some(q) => q.append(entries).await?,
            None => {
                self.store
                    .append(&entries, yagura_policy::audit::link)
                    .await?;
            }
        }
        self.released += allowed.len() as u64;
        Ok(allowed)
    }

    fn decide(&self, subject: &Subject) -> Decision {
        let audience = subject
            .collection
            .as_ref()
            .and_then(|c| self.context.audiences.get(c))
            .map_or(&[][..], Vec::as_slice);
        decide(subject, &self.recipient, self.channel, audience)
    }

    /// A stored marking definition by id.
    pub fn marking(&self, id: &str) -> Option<&StoredObject> {
        self.context.marking_objects.get(id)
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
