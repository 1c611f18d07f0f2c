//! Admits, counts and times every request. A node serves at most
//! `GRIDLINE_MAX_IN_FLIGHT` requests at once. When it is full, a request
//! waits for a slot (a freed slot goes to the newest waiter: `slots`), so that a burst (a stall of the machine, phones
//! arriving together) costs nothing: up to [`OVERLOAD`] when the node was
//! calm for [`CALM`] before, else up to `GRIDLINE_ADMISSION_WAIT_MS` (a short
//! wait keeps a node that cannot keep up busy without queueing long); but
//! once the node has stayed full for longer than [`OVERLOAD`],
//! it is overloaded rather than bursting, and the rest are refused at once
//! with 503 `overloaded` (as CoDel drops from a standing queue): a refusal
//! in a millisecond lets a client or load balancer try elsewhere, where a
//! queue would hold every request until clients time out and keep the node
//! busy with work nobody waits for. The spell ends once no arrival has
//! found the node full for as long.
//! Some requests are neither counted nor refused: event streams (long-lived,
//! cheap while idle), the probes (a node under load is still ready), and
//! those with a bound of their own that would otherwise hold slots while
//! they wait: logins (the password hashing slots) and files (their bytes
//! arrive at the phone's pace; decoding has its own bound).

use std::{
    sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use super::slots::{Slot, Slots};
use crate::{error::ApiError, state::AppState};
use actix_web::{
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::ConnectionType,
    middleware::Next,
    web, Error, ResponseError,
};

/// No bound, in effect.
const UNBOUNDED: usize = usize::MAX >> 3;

/// How long a node may stay full before arrivals are refused without waiting.
const OVERLOAD: Duration = Duration::from_millis(100);

/// A node that has found no arrival full for this long is calm: its next
/// spell of being full is a burst.
const CALM: Duration = Duration::from_secs(1);

/// At most so many requests wait per slot.
const QUEUE_PER_SLOT: usize = 8;

/// No arrival has found the node full yet.
const NEVER: u64 = u64::MAX;

/// The node's load, shared by its workers.
pub(crate) struct Load {
    slots: Slots,
    max: usize,
    wait: Duration,
    waiting: AtomicUsize,
    /// Microseconds after `epoch`: when the present spell of being full
    /// began, and when an arrival last found the node full.
    epoch: Instant,
    full_since: AtomicU64,
    last_full: AtomicU64,
    /// How long a request of the present spell may wait.
    spell_wait_us: AtomicU64,
    draining: AtomicBool,
}

impl Load {
    pub(crate) fn new(max: usize, wait: Duration) -> Self {
        let max = max.min(UNBOUNDED);
        Self {
            slots: Slots::new(max),
            max,
            wait,
            waiting: AtomicUsize::new(0),
            epoch: Instant::now(),
            full_since: AtomicU64::new(0),
            last_full: AtomicU64::new(NEVER),
            spell_wait_us: AtomicU64::new(0),
            draining: AtomicBool::new(false),
        }
    }

    /// No bound: until the settings are read.
    pub(crate) fn unbounded() -> Self {
        Self::new(UNBOUNDED, Duration::ZERO)
    }

    /// The node was told to stop: `/readyz` answers 503 from now on.
    pub(crate) fn drain(&self) {
        self.draining.store(true, Ordering::Release);
    }

    pub(crate) fn draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// A slot, or `None` when the request is to be refused.
    async fn admit(&self) -> Option<Slot> {
        if let Some(slot) = self.slots.try_acquire() {
            return Some(slot);
        }
        // One spell of being full lasts while arrivals keep finding the node
        // full, however briefly a slot frees in between.
        let now = self.epoch.elapsed().as_micros() as u64;
        let overload = OVERLOAD.as_micros() as u64;
        let last = self.last_full.swap(now, Ordering::Relaxed);
        let since = if last == NEVER || now.saturating_sub(last) > overload {
            // A spell after a long calm is a burst: it may wait as long as a
            // spell lasts. One soon after another is load the node cannot
            // keep up with, coming and going: only the short wait.
            let calm = last == NEVER || now.saturating_sub(last) > CALM.as_micros() as u64;
            let wait = if calm { OVERLOAD.max(self.wait) } else { self.wait };
            self.spell_wait_us.store(wait.as_micros() as u64, Ordering::Relaxed);
            self.full_since.store(now, Ordering::Relaxed);
            now
        } else {
            self.full_since.load(Ordering::Relaxed)
        };
        if self.wait.is_zero() || now.saturating_sub(since) > overload {
            return None;
        }
        // A burst is bounded by how long it waits; this bounds its memory.
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max.saturating_mul(QUEUE_PER_SLOT) {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        let _waiting = Waiting(&self.waiting);
        let wait = Duration::from_micros(self.spell_wait_us.load(Ordering::Relaxed));
        let slot = self.slots.acquire_within(wait).await;
        if slot.is_none() {
            // It found the node full all along.
            self.last_full.store(self.epoch.elapsed().as_micros() as u64, Ordering::Relaxed);
        }
        slot
    }
}

/// A request among the waiting until dropped, also when its client goes
/// away while it waits.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A request in the in-flight gauge until dropped, also when its client
/// goes away and the request's future with it.
struct Counted<'a>(&'a prometheus::IntGauge);

impl<'a> Counted<'a> {
    fn new(gauge: &'a prometheus::IntGauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Paths never refused or counted.
fn exempt(path: &str) -> bool {
    matches!(path, "/api/v1/me/stream" | "/healthz" | "/readyz" | "/api/v1/auth/login")
        || path.starts_with("/api/v1/media/")
        || path.starts_with("/api/v1/uploads")
}

pub(crate) async fn traffic(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let started = Instant::now();
    let method = req.method().clone();
    let counted = !exempt(req.path());
    let route = state.metrics.routes.of(req.path());
    let mut res = if counted {
        match state.load.admit().await {
            Some(_slot) => {
                let _counted = Counted::new(&state.metrics.in_flight);
                next.call(req).await?.map_into_boxed_body()
            }
            None => req.into_response(ApiError::Overloaded.error_response()),
        }
    } else {
        next.call(req).await?.map_into_boxed_body()
    };
    // Clients on a kept-alive connection move to another node.
    if state.load.draining() {
        res.response_mut().head_mut().set_connection_type(ConnectionType::Close);
    }
    state.metrics.answered(method.as_str(), route, res.status().as_u16(), started.elapsed());
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_node_full_briefly_makes_requests_wait_and_one_full_for_long_refuses_them_at_once() {
        let load = Load::new(1, Duration::from_millis(300));
        let held = load.admit().await.expect("an empty node admits");

        // Full for less than OVERLOAD: the request waits for the slot.
        let waiting = load.admit();
        let release = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(held);
        };
        let (slot, ()) = tokio::join!(waiting, release);
        let held = slot.expect("the slot freed within the wait");

        // Full ever since: the first waits in vain, the next is refused at once.
        let started = Instant::now();
        assert!(load.admit().await.is_none());
        assert!(started.elapsed() >= Duration::from_millis(300));
        let started = Instant::now();
        assert!(load.admit().await.is_none());
        assert!(started.elapsed() < Duration::from_millis(100), "refused without waiting");

        // Room again: admitted at once; a burst after a calm spell waits once more.
        drop(held);
        let held = load.admit().await.expect("a free slot");
        tokio::time::sleep(OVERLOAD + Duration::from_millis(10)).await;
        let waiting = load.admit();
        let release = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(held);
        };
        let (slot, ()) = tokio::join!(waiting, release);
        assert!(slot.is_some(), "a new burst, not the old overload");
    }
}
