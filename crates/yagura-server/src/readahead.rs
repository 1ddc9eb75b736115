//! Read-ahead for clients paging through a collection: when a request
//! that continues a paging (it names `next`) is answered with more to
//! come, the following page is read from the store while the client reads
//! this one, and kept for that client's next request.
//!
//! Only rows are kept, never decisions: the policy decides (and the audit
//! records) when the page is asked for, with the context of that moment.
//! A kept page is used once, within [`TTL`], and every kept page is dropped
//! when this process writes objects; so a page is at most that old,
//! as if the client had asked a moment earlier.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use yagura_core::{IntelStore, ObjectFilter, RawObject};
use yagura_store::SqliteStore;

/// How long a page read ahead waits for its request.
pub const TTL: Duration = Duration::from_secs(2);

/// The most pages kept at once.
const SLOTS: usize = 64;

/// A page of the store: its filter, cursor and size.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    filter: String,
    after: i64,
    limit: u32,
}

impl PageKey {
    /// The key of `page_raw(filter, after, limit)`.
    pub fn new(filter: &ObjectFilter, after: i64, limit: u32) -> Self {
        Self {
            filter: format!("{filter:?}"),
            after,
            limit,
        }
    }
}

type Rows = Vec<(i64, RawObject)>;

/// Pages read ahead, or being read: each is the receiving end of its
/// reader task, so a request that comes before the read is done waits for
/// it instead of reading the same page again.
#[derive(Debug, Default)]
pub struct ReadAhead(Mutex<Slots>);

#[derive(Debug, Default)]
struct Slots {
    pages: HashMap<PageKey, (Instant, oneshot::Receiver<Rows>)>,
}

impl ReadAhead {
    /// The page read ahead for `key`, if one was started within [`TTL`]
    /// and not dropped since (waiting for it if it is still being read);
    /// it is handed out once. `None` if there is none or its read failed.
    pub async fn take(&self, key: &PageKey) -> Option<Rows> {
        let pending = {
            let mut slots = self.0.lock().ok()?;
            let (at, pending) = slots.pages.remove(key)?;
            (at.elapsed() < TTL).then_some(pending)?
        };
        pending.await.ok()
    }

    /// Starts reading `page_raw(filter, after, limit)` in the background.
    pub fn start(&self, store: &SqliteStore, filter: ObjectFilter, after: i64, limit: u32) {
        let key = PageKey::new(&filter, after, limit);
        let (done, pending) = oneshot::channel();
        {
            let Ok(mut slots) = self.0.lock() else { return };
            slots.pages.retain(|_, (at, _)| at.elapsed() < TTL);
            if slots.pages.len() >= SLOTS
                && let Some(oldest) = slots
                    .pages
                    .iter()
                    .min_by_key(|(_, (at, _))| *at)
                    .map(|(k, _)| k.clone())
            {
                slots.pages.remove(&oldest);
            }
            slots.pages.insert(key, (Instant::now(), pending));
        }
        let store = store.clone();
        tokio::spawn(async move {
            // A failed read drops `done`: the request reads the page itself.
            // A page dropped meanwhile (a write, `clear`) has no receiver.
            if let Ok(rows) = store.page_raw(&filter, after, limit).await {
                let _ = done.send(rows);
            }
        });
    }

    /// Drops every page read ahead or being read (this process wrote
    /// objects).
    pub fn clear(&self) {
        if let Ok(mut slots) = self.0.lock() {
            slots.pages.clear();
        }
    }
}
