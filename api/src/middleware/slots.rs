//! A node's request slots, handed to the newest waiter first (adaptive LIFO,
//! as CoDel-style servers do): when more arrive than the node serves, a fair
//! queue serves exactly the requests that waited longest, so every request
//! served waits the whole bound; handing a freed slot to the newest waiter
//! serves it at once and lets the oldest time out instead. A full queue
//! sheds its oldest waiter, for the same reason.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, MutexGuard,
    },
    time::Duration,
};

use tokio::sync::oneshot;

pub(crate) struct Slots {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Slots given back since the start: requests finished.
    released: AtomicU64,
}

struct State {
    free: usize,
    /// Oldest first; each with the ticket it waits under.
    waiters: Vec<(u64, oneshot::Sender<Slot>)>,
    next_ticket: u64,
}

/// One slot, given back when dropped.
pub(crate) struct Slot {
    inner: Option<Arc<Inner>>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Slots {
    pub(crate) fn new(n: usize) -> Self {
        let state = State { free: n, waiters: Vec::new(), next_ticket: 0 };
        Self { inner: Arc::new(Inner { state: Mutex::new(state), released: AtomicU64::new(0) }) }
    }

    fn slot(&self) -> Slot {
        Slot { inner: Some(self.inner.clone()) }
    }

    /// How many slots were given back since the start.
    pub(crate) fn released(&self) -> u64 {
        self.inner.released.load(Ordering::Relaxed)
    }

    /// How many requests wait for a slot now.
    pub(crate) fn waiting(&self) -> usize {
        self.inner.lock().waiters.len()
    }

    pub(crate) fn try_acquire(&self) -> Option<Slot> {
        let mut state = self.inner.lock();
        (state.free > 0).then(|| {
            state.free -= 1;
            self.slot()
        })
    }

    /// A slot within `wait`, or `None`; among at most `queue` waiters (the
    /// oldest beyond them are refused now, whatever their wait).
    pub(crate) async fn acquire_within(&self, wait: Duration, queue: usize) -> Option<Slot> {
        let (ticket, mut handed) = {
            let mut state = self.inner.lock();
            if state.free > 0 {
                state.free -= 1;
                return Some(self.slot());
            }
            if queue == 0 {
                return None;
            }
            let over = (state.waiters.len() + 1).saturating_sub(queue);
            // Their senders dropped: each of them is told `None` at once.
            state.waiters.drain(..over);
            let (tx, rx) = oneshot::channel();
            let ticket = state.next_ticket;
            state.next_ticket += 1;
            state.waiters.push((ticket, tx));
            (ticket, rx)
        };
        match tokio::time::timeout(wait, &mut handed).await {
            Ok(slot) => slot.ok(),
            Err(_) => {
                let mut state = self.inner.lock();
                match state.waiters.iter().position(|(t, _)| *t == ticket) {
                    Some(at) => {
                        state.waiters.remove(at);
                        None
                    }
                    // Handed one as the wait ran out: it was sent under the lock.
                    None => handed.try_recv().ok(),
                }
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else { return };
        inner.released.fetch_add(1, Ordering::Relaxed);
        let mut state = inner.lock();
        while let Some((_, waiter)) = state.waiters.pop() {
            match waiter.send(Slot { inner: Some(inner.clone()) }) {
                Ok(()) => return,
                // That waiter is gone (its client left): the slot is not
                // given back, but offered to the next one.
                Err(mut unwanted) => {
                    unwanted.inner = None;
                }
            }
        }
        state.free += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANY: usize = 100;

    #[tokio::test]
    async fn a_freed_slot_goes_to_the_newest_waiter_and_the_oldest_times_out() {
        let slots = Arc::new(Slots::new(1));
        let held = slots.try_acquire().expect("one free slot");
        assert!(slots.try_acquire().is_none());
        let oldest = tokio::spawn({
            let slots = slots.clone();
            async move { slots.acquire_within(Duration::from_millis(200), ANY).await.is_some() }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let newest = tokio::spawn({
            let slots = slots.clone();
            async move { slots.acquire_within(Duration::from_millis(200), ANY).await.map(drop).is_some() }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(held);
        assert!(newest.await.unwrap(), "the newest waiter is served");
        // The newest gave its slot back at once: the oldest gets it in time.
        assert!(oldest.await.unwrap());
        assert_eq!(slots.released(), 3, "three requests finished");
        assert!(slots.try_acquire().is_some(), "every slot came back");
    }

    #[tokio::test]
    async fn a_waiter_that_gave_up_does_not_swallow_a_slot() {
        let slots = Slots::new(1);
        let held = slots.try_acquire().unwrap();
        // Dropped while waiting, as when its client goes away.
        let gone =
            tokio::time::timeout(Duration::from_millis(10), slots.acquire_within(Duration::from_secs(5), ANY)).await;
        assert!(gone.is_err());
        drop(held);
        assert!(slots.try_acquire().is_some(), "the slot came back, not to the departed waiter");
    }

    #[tokio::test]
    async fn a_full_queue_refuses_its_oldest_waiter_at_once() {
        let slots = Arc::new(Slots::new(1));
        let held = slots.try_acquire().unwrap();
        let oldest = tokio::spawn({
            let slots = slots.clone();
            async move {
                let started = std::time::Instant::now();
                (slots.acquire_within(Duration::from_secs(5), 1).await.is_some(), started.elapsed())
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let newest = tokio::spawn({
            let slots = slots.clone();
            async move { slots.acquire_within(Duration::from_secs(5), 1).await.is_some() }
        });
        let (served, waited) = oldest.await.unwrap();
        assert!(!served && waited < Duration::from_secs(1), "refused when the newest came, not after its wait");
        drop(held);
        assert!(newest.await.unwrap(), "the newest waits on and is served");
        assert!(slots.acquire_within(Duration::from_secs(5), 0).await.is_some(), "a free slot needs no queue");
    }
}
