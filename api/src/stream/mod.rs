//! Live changes for open streams (`GET /api/v1/me/stream`). One reader per
//! node follows the global change sequence (woken by PostgreSQL's `NOTIFY`
//! from any node, or polling on SQLite, where there is one node) and hands
//! each batch of changes, with the cases as they are now and the
//! notifications they caused, to every open stream; each stream keeps what
//! its caller may see. No stream reads the database for live changes: only
//! to catch up after a reconnect.

mod messages;
mod session;

use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicI64, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use gridline_domain::{
    cases::{Case, CaseEvent},
    notifications::Notification,
    RepoError,
};
use gridline_persistence::ChangeListener;
use tokio::sync::{broadcast, watch};

pub(crate) use session::serve;

use crate::state::AppState;

/// Changes read at a time.
const BATCH: u32 = 500;
/// How long a node waits for a `NOTIFY` before reading anyway: a change whose
/// transaction committed behind an older one that was still open when it was
/// announced is read by then.
const WAKE_AT_LEAST_EVERY: Duration = Duration::from_millis(500);
/// How often a node tells the others (`NOTIFY`) that it wrote changes.
const ANNOUNCE_EVERY: Duration = Duration::from_millis(50);
/// SQLite's one node reads this often.
const POLL_EVERY: Duration = Duration::from_millis(200);

/// One change of the sequence, with what a stream needs to show it.
pub(crate) struct Change {
    pub seq: i64,
    pub event: CaseEvent,
    /// The case as it is now; `None` if it is gone.
    pub case: Option<Arc<Case>>,
    /// A later change of the case committed before this one was read: the
    /// case read may already show it, and that change shows the case again.
    pub shown_later: bool,
    pub notifications: Vec<Notification>,
}

pub(crate) type Batch = Arc<Vec<Change>>;

/// What the node's streams share.
pub(crate) struct Hub {
    batches: broadcast::Sender<Batch>,
    /// The highest change number read and handed out.
    read_up_to: AtomicI64,
    closing: watch::Sender<bool>,
    open: AtomicUsize,
    pub heartbeat: Duration,
}

impl Hub {
    pub(crate) fn new(heartbeat: Duration) -> Self {
        let (batches, _) = broadcast::channel(256);
        let (closing, _) = watch::channel(false);
        Self { batches, read_up_to: AtomicI64::new(0), closing, open: AtomicUsize::new(0), heartbeat }
    }

    pub(crate) fn read_up_to(&self) -> i64 {
        self.read_up_to.load(Ordering::Acquire)
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Batch> {
        self.batches.subscribe()
    }

    pub(crate) fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Streams open now.
    pub(crate) fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Ends every open stream with `event: reconnect` (the node is stopping).
    pub(crate) fn close_all(&self) {
        self.closing.send_replace(true);
    }
}

/// Counts a stream open while it lives.
pub(crate) struct OpenStream(AppStateRef);

type AppStateRef = actix_web::web::Data<AppState>;

impl OpenStream {
    pub(crate) fn new(state: AppStateRef) -> Self {
        state.changes.open.fetch_add(1, Ordering::Relaxed);
        Self(state)
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.changes.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The changes after `after`, read together: the cases as they are now and
/// the notifications the events caused.
pub(crate) async fn read_changes(state: &AppState, after: i64) -> Result<Vec<Change>, RepoError> {
    let events = state.store.changes(after, BATCH).await?;
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<uuid::Uuid> = events.iter().map(|e| e.case_id).collect::<HashSet<_>>().into_iter().collect();
    let cases: std::collections::HashMap<uuid::Uuid, Arc<Case>> =
        state.store.cases_with_ids(&ids).await?.into_iter().map(|c| (c.id, Arc::new(c))).collect();
    // Read after the cases: any change a case read may show is among these.
    let last: std::collections::HashMap<uuid::Uuid, i64> = state.store.last_changes(&ids).await?.into_iter().collect();
    let event_ids: Vec<uuid::Uuid> = events.iter().map(|e| e.id).collect();
    let mut notifications = state.store.notifications_of_events(&event_ids).await?;
    Ok(events
        .into_iter()
        .map(|event| {
            let (mine, rest) = notifications.drain(..).partition(|n: &Notification| n.id == event.id);
            notifications = rest;
            Change {
                seq: event.seq,
                case: cases.get(&event.case_id).cloned(),
                shown_later: last.get(&event.case_id).is_some_and(|&seq| seq > event.seq),
                notifications: mine,
                event,
            }
        })
        .collect())
}

/// Follows the change sequence until the node stops.
pub(crate) async fn follow(state: AppStateRef, mut listener: Option<ChangeListener>) {
    let mut after = loop {
        match state.store.change_mark().await {
            Ok(mark) => break mark,
            Err(e) => {
                tracing::warn!(error = %e, "the change sequence cannot be read; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    state.changes.read_up_to.store(after, Ordering::Release);
    loop {
        match listener.as_mut() {
            Some(l) => {
                if let Ok(Err(e)) = tokio::time::timeout(WAKE_AT_LEAST_EVERY, l.next()).await {
                    tracing::warn!(error = %e, "listening for changes failed; reading on a timer meanwhile");
                    tokio::time::sleep(WAKE_AT_LEAST_EVERY).await;
                }
            }
            None => tokio::time::sleep(POLL_EVERY).await,
        }
        // Nobody to hand changes to: keep the place, read nothing more.
        if state.changes.open.load(Ordering::Relaxed) == 0 {
            match state.store.change_mark().await {
                Ok(mark) => {
                    after = after.max(mark);
                    state.changes.read_up_to.store(after, Ordering::Release);
                }
                Err(e) => tracing::warn!(error = %e, "the change sequence cannot be read; retrying"),
            }
            continue;
        }
        loop {
            let changes = match read_changes(&state, after).await {
                Ok(changes) => changes,
                Err(e) => {
                    tracing::warn!(error = %e, "reading changes failed; the next wake-up retries");
                    break;
                }
            };
            let Some(last) = changes.last().map(|c| c.seq) else { break };
            let full = changes.len() == BATCH as usize;
            after = last;
            state.changes.read_up_to.store(after, Ordering::Release);
            // No stream open: nobody to hand it to, which is no error.
            let _ = state.changes.batches.send(Arc::new(changes));
            if !full {
                break;
            }
        }
    }
}

/// Tells the other nodes, at most every 50 ms, that this one wrote changes.
pub(crate) async fn announce(database: Arc<gridline_persistence::Database>) {
    let mut tick = tokio::time::interval(ANNOUNCE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = database.announce_changes().await {
            tracing::warn!(error = %e, "announcing changes failed; the next tick retries");
        }
    }
}
