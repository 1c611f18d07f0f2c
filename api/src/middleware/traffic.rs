//! Admits, counts and times every request. A node serves at most
//! `GRIDLINE_MAX_IN_FLIGHT` requests at once. When it is full, a request
//! waits for a slot (a freed slot goes to the newest waiter: `slots`), so
//! that a burst (phones arriving together) or a stall of the machine (a
//! checkpoint, a slow disk) costs nobody anything: up to [`BURST_WAIT`],
//! among at most [`BURST_QUEUE`]. But a node that keeps finishing requests
//! while more arrive than it finishes is overloaded, not stalled (its
//! arrivals and its finished requests are compared every [`INTERVAL`] while
//! it is full, and it must look overloaded [`STRIKES`] times in a row and
//! have queued more than [`BACKLOG_INTERVALS`] intervals' work meanwhile, so
//! that a moment's slowdown of the machine is not taken for overload): then
//! one request per slot waits `GRIDLINE_ADMISSION_WAIT_MS`,
//! so that no freed slot idles until the next arrival, and the rest are
//! refused with 503 `overloaded`, the oldest waiter first (as CoDel drops
//! from the head of a standing queue): a refusal in a millisecond lets a
//! client or load balancer try elsewhere, where a queue would hold every
//! request until clients time out and keep the node busy with work nobody
//! waits for.
//! Some requests are neither counted nor refused: event streams (long-lived,
//! cheap while idle), the probes (a node under load is still ready), and
//! those with a bound of their own that would otherwise hold slots while
//! they wait: logins (the password hashing slots) and files (their bytes
//! arrive at the phone's pace; decoding has its own bound).

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
        Arc,
    },
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

/// How long a request may wait for a slot when the node is not overloaded.
const BURST_WAIT: Duration = Duration::from_millis(500);

/// At most so many requests wait out a burst: its whole wait at 2,000 a
/// second, whatever the bound (a stall fills a small node's queue as fast as a
/// large one's), and a few megabytes.
const BURST_QUEUE: usize = 1024;

/// How often a full node judges whether it is overloaded.
const INTERVAL: Duration = Duration::from_millis(100);

/// In how many intervals in a row a node must look overloaded to be
/// overloaded: a machine that slows down for a moment (a neighbour on the
/// host, a checkpoint) finishes fewer requests than arrive, as an overloaded
/// node does, but not for 300 ms; a burst's queue holds them meanwhile.
const STRIKES: u32 = 3;

/// Whether a node that `finished` requests while `arrived` came during one
/// interval is overloaded: it finished at least a slot's worth each (it is
/// working, not stalled; a stall finishes nothing) and more than an eighth
/// more arrived than it finished (after a stall it finishes more than
/// arrive, working off the queue).
fn overloaded(arrived: u64, finished: u64, slots: usize) -> bool {
    finished >= slots as u64 && arrived > finished + finished / 8
}

/// How many intervals' work must have queued up, beyond the node's
/// throughput, before it refuses: twice the load it serves queues a whole
/// interval's work in each, so the third strike finds three; a machine
/// slowed for a moment, or a load a little over what it serves, queues a
/// fraction of one, which a burst's wait absorbs (a 30-minute soak at half
/// the peak refused 670 requests over a few such moments without it).
const BACKLOG_INTERVALS: u64 = 2;

/// Whether a node that looked overloaded `strikes` intervals in a row, in
/// which `backlog` more requests arrived than it finished, and which
/// finished `finished` in the last of them, turns overloaded now.
fn turns_overloaded(strikes: u32, backlog: u64, finished: u64) -> bool {
    strikes >= STRIKES && backlog > BACKLOG_INTERVALS * finished
}

/// The node's load, shared by its workers.
pub(crate) struct Load {
    slots: Slots,
    max: usize,
    wait: Duration,
    epoch: Instant,
    /// Requests counted since the start.
    arrived: AtomicU64,
    /// The present interval: when it began (microseconds after `epoch`), and
    /// the requests arrived and finished by then.
    mark_us: AtomicU64,
    mark_arrived: AtomicU64,
    mark_finished: AtomicU64,
    /// Intervals in a row that looked overloaded, and how many more
    /// requests arrived than finished in them.
    strikes: AtomicU32,
    backlog: AtomicU64,
    overloaded: AtomicBool,
    draining: Arc<AtomicBool>,
}

impl Load {
    pub(crate) fn new(max: usize, wait: Duration) -> Self {
        let max = max.min(UNBOUNDED);
        Self {
            slots: Slots::new(max),
            max,
            wait,
            epoch: Instant::now(),
            arrived: AtomicU64::new(0),
            mark_us: AtomicU64::new(0),
            mark_arrived: AtomicU64::new(0),
            mark_finished: AtomicU64::new(0),
            strikes: AtomicU32::new(0),
            backlog: AtomicU64::new(0),
            overloaded: AtomicBool::new(false),
            draining: Arc::new(AtomicBool::new(false)),
        }
    }

    /// No bound: until the settings are read.
    pub(crate) fn unbounded() -> Self {
        Self::new(UNBOUNDED, Duration::ZERO)
    }

    /// Whether the node was told to stop: `/readyz` answers 503 from then on.
    pub(crate) fn draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// The flag behind `draining`, set by the stop signal's handler itself.
    pub(crate) fn drain_flag(&self) -> Arc<AtomicBool> {
        self.draining.clone()
    }

    /// A slot, or `None` when the request is to be refused.
    async fn admit(&self) -> Option<Slot> {
        self.arrived.fetch_add(1, Ordering::Relaxed);
        if let Some(slot) = self.slots.try_acquire() {
            return Some(slot);
        }
        if self.wait.is_zero() {
            return None;
        }
        match self.judged() {
            true => self.slots.acquire_within(self.wait, self.max).await,
            false => self.slots.acquire_within(BURST_WAIT.max(self.wait), BURST_QUEUE).await,
        }
    }

    /// Whether the node is overloaded, judged again when an interval has
    /// passed (by the one arrival that ends it). Judged only while full: an
    /// interval that began in a calm spans it, and a burst after a calm is
    /// a burst.
    fn judged(&self) -> bool {
        let now = self.epoch.elapsed().as_micros() as u64;
        let mark = self.mark_us.load(Ordering::Relaxed);
        let ended = now.saturating_sub(mark) >= INTERVAL.as_micros() as u64;
        if !ended || self.mark_us.compare_exchange(mark, now, Ordering::AcqRel, Ordering::Relaxed).is_err() {
            return self.overloaded.load(Ordering::Relaxed);
        }
        let arrived = self.arrived.load(Ordering::Relaxed);
        let finished = self.slots.released();
        let arrived = arrived.saturating_sub(self.mark_arrived.swap(arrived, Ordering::Relaxed));
        let finished = finished.saturating_sub(self.mark_finished.swap(finished, Ordering::Relaxed));
        let verdict = match overloaded(arrived, finished, self.max) {
            true => {
                let strikes = self.strikes.fetch_add(1, Ordering::Relaxed) + 1;
                let excess = arrived - finished;
                let backlog = self.backlog.fetch_add(excess, Ordering::Relaxed) + excess;
                // Once overloaded, refusals keep the queue short: it stays
                // so while more arrive than it finishes.
                self.overloaded.load(Ordering::Relaxed) || turns_overloaded(strikes, backlog, finished)
            }
            false => {
                self.strikes.store(0, Ordering::Relaxed);
                self.backlog.store(0, Ordering::Relaxed);
                false
            }
        };
        if self.overloaded.swap(verdict, Ordering::Relaxed) != verdict {
            // At most ten a second, and what an operator wants to know of a refusing node.
            tracing::info!(
                overloaded = verdict,
                arrived,
                finished,
                waiting = self.slots.waiting(),
                "admission changed its verdict"
            );
        }
        verdict
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

    #[test]
    fn a_node_finishing_work_while_more_arrives_is_overloaded_and_a_stalled_one_is_not() {
        assert!(overloaded(400, 200, 4), "twice what it finishes");
        assert!(!overloaded(150, 0, 4), "a stall finishes nothing");
        assert!(!overloaded(150, 3, 4), "nor hardly anything");
        assert!(!overloaded(150, 290, 4), "after a stall it works off its queue");
        assert!(!overloaded(105, 100, 4), "about as many as it finishes");
    }

    #[test]
    fn refusing_takes_three_strikes_and_more_than_two_intervals_work_queued() {
        // Twice what it serves: an interval's work queues in each.
        assert!(!turns_overloaded(2, 400, 200), "two strikes");
        assert!(turns_overloaded(3, 600, 200), "the third");
        // A moment's slowdown at half the peak: a fifth of an interval's work in each.
        assert!(!turns_overloaded(3, 60, 100));
        assert!(!turns_overloaded(10, 200, 100), "a burst's wait absorbs a second of it");
        assert!(turns_overloaded(11, 220, 100), "but not longer");
    }

    #[tokio::test]
    async fn a_moments_slowdown_is_not_overload_but_three_intervals_of_it_are() {
        let load = Load::new(2, Duration::from_millis(10));
        tokio::time::sleep(INTERVAL).await;
        let interval = |arrived: u64, finished: u64| {
            load.arrived.fetch_add(arrived, Ordering::Relaxed);
            for _ in 0..finished {
                drop(load.slots.try_acquire().expect("a free slot"));
            }
            load.mark_us.store(0, Ordering::Relaxed);
            load.judged()
        };
        assert!(!interval(40, 20), "one slow interval");
        assert!(!interval(40, 20), "two");
        assert!(!interval(20, 20), "then it kept up again");
        assert!(!interval(40, 20));
        assert!(!interval(40, 20));
        assert!(interval(40, 20), "the third in a row is overload");
        assert!(interval(40, 20), "and it stays so while it lasts");
        assert!(!interval(20, 20), "until an interval it keeps up with");
    }

    #[tokio::test]
    async fn a_request_waits_out_a_stall_longer_than_the_short_wait() {
        let load = Load::new(1, Duration::from_millis(10));
        let held = load.admit().await.expect("an empty node admits");
        let waiting = load.admit();
        let stall = async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            drop(held);
        };
        let (slot, ()) = tokio::join!(waiting, stall);
        assert!(slot.is_some(), "nothing finished meanwhile: a stall, not overload");
    }

    #[tokio::test]
    async fn an_overloaded_node_keeps_one_waiter_per_slot_and_refuses_the_oldest() {
        let load = Load::new(1, Duration::from_secs(5));
        // The last of the intervals in a row in which it finished a slot's
        // worth while twice as many came.
        load.strikes.store(STRIKES - 1, Ordering::Relaxed);
        drop(load.admit().await.expect("admitted"));
        for _ in 0..3 {
            load.arrived.fetch_add(1, Ordering::Relaxed);
        }
        load.mark_us.store(0, Ordering::Relaxed);
        let held = load.admit().await.expect("admitted");
        tokio::time::sleep(INTERVAL).await;
        let oldest = load.admit();
        let newest = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let started = Instant::now();
            let waiting = load.admit();
            let release = async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                drop(held);
            };
            let (slot, ()) = tokio::join!(waiting, release);
            (slot.is_some(), started.elapsed())
        };
        let started = Instant::now();
        let (oldest, (newest, waited)) = tokio::join!(oldest, newest);
        assert!(load.overloaded.load(Ordering::Relaxed), "judged overloaded");
        assert!(oldest.is_none(), "the oldest waiter is refused");
        assert!(started.elapsed() < Duration::from_secs(1), "when the newest came, not after its wait");
        assert!(newest && waited < Duration::from_secs(1), "the newest is served the freed slot");
    }

    #[tokio::test]
    async fn a_node_that_never_waits_refuses_at_once_when_full() {
        let load = Load::new(1, Duration::ZERO);
        let _held = load.admit().await.expect("an empty node admits");
        let started = Instant::now();
        assert!(load.admit().await.is_none());
        assert!(started.elapsed() < Duration::from_millis(100));
    }
}
