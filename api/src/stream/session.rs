//! One open stream: it catches up from `Last-Event-ID`, then passes on the
//! node's live batches, says it is alive every `GRIDLINE_SSE_HEARTBEAT_S`,
//! and ends when the caller's token expires or stops holding, or the node
//! stops (`event: reconnect`).

use bytes::Bytes;
use tokio::sync::{broadcast::error::RecvError, mpsc};

use super::{messages, read_changes, OpenStream};
use crate::{auth::StreamCaller, state::AppState};

/// A `Last-Event-ID` further back than this many changes is answered with
/// `event: reset`: the client syncs again (`GET /api/v1/sync`) instead.
pub(crate) const REPLAY_LIMIT: i64 = 10_000;

/// Writes the stream's messages to `out` until the client goes or the stream ends.
pub(crate) async fn serve(
    state: actix_web::web::Data<AppState>,
    caller: StreamCaller,
    last_event_id: Option<i64>,
    out: mpsc::Sender<Bytes>,
) {
    let _open = OpenStream::new(state.clone());
    let hub = &state.changes;
    let mut live = hub.subscribe();
    let mut closing = hub.closing();
    let head = hub.read_up_to();
    let p = &caller.principal;
    if out.send(Bytes::from_static(b": gridline\nretry: 3000\n\n")).await.is_err() {
        return;
    }
    let caught_up = match last_event_id {
        Some(id) if id > head || head - id > REPLAY_LIMIT => {
            out.send(messages::control("reset")).await.ok().map(|()| head)
        }
        Some(id) => catch_up(&state, p, id, head, &out).await.map(|up_to| up_to.max(head)),
        None => Some(head),
    };
    let Some(mut sent) = caught_up else { return };
    let mut heartbeat = tokio::time::interval(hub.heartbeat);
    heartbeat.tick().await;
    let expiry = caller.expires.map(|at| (at - chrono::Utc::now()).to_std().unwrap_or_default());
    let expired = tokio::time::sleep(expiry.unwrap_or(std::time::Duration::from_secs(u64::MAX / 4)));
    tokio::pin!(expired);
    loop {
        tokio::select! {
            batch = live.recv() => match batch {
                Ok(batch) => {
                    // The node reads nothing while no stream is open, so a
                    // stream opened meanwhile may find a gap before the first
                    // batch it gets: it reads that from the database.
                    if batch.first().is_some_and(|c| c.seq > sent + 1) {
                        match catch_up(&state, p, sent, batch[0].seq - 1, &out).await {
                            Some(up_to) => sent = sent.max(up_to),
                            None => return,
                        }
                    }
                    let fresh: Vec<_> = batch.iter().filter(|c| c.seq > sent).collect();
                    let Some(last) = fresh.last().map(|c| c.seq) else { continue };
                    let start = batch.len() - fresh.len();
                    if let Some(bytes) = messages::for_caller(p, &batch[start..], &state.reference(), state.now()) {
                        if out.send(bytes).await.is_err() {
                            return;
                        }
                    }
                    sent = last;
                }
                // Too slow for the live batches: what it missed is read again.
                Err(RecvError::Lagged(_)) => match catch_up(&state, p, sent, hub.read_up_to(), &out).await {
                    Some(up_to) => sent = up_to,
                    None => return,
                },
                Err(RecvError::Closed) => return,
            },
            _ = heartbeat.tick() => {
                if out.send(Bytes::from_static(b": heartbeat\n\n")).await.is_err() || !caller.still_valid(&state).await {
                    return;
                }
            }
            () = &mut expired => return,
            _ = closing.changed() => {
                let _ = out.send(messages::control("reconnect")).await;
                return;
            }
        }
    }
}

/// Sends the changes after `from` up to `to` from the database; the number
/// reached, or `None` when the client went.
async fn catch_up(
    state: &AppState,
    p: &gridline_domain::identity::Principal,
    from: i64,
    to: i64,
    out: &mpsc::Sender<Bytes>,
) -> Option<i64> {
    let mut after = from;
    while after < to {
        let changes = match read_changes(state, after).await {
            Ok(changes) => changes,
            Err(e) => {
                tracing::warn!(error = %e, "a stream could not catch up; it ends and the client reconnects");
                return None;
            }
        };
        let Some(last) = changes.last().map(|c| c.seq) else { break };
        if let Some(bytes) = messages::for_caller(p, &changes, &state.reference(), state.now()) {
            out.send(bytes).await.ok()?;
        }
        after = last;
    }
    Some(after)
}
