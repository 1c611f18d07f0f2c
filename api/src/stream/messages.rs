//! What a change says to one caller, as Server-Sent Events: his own
//! notifications (`event: notification`), then the case as he sees it
//! (`event: case`), or `event: case_removed` when it left his view. The last
//! message of a change carries its number as `id`, so that a client that
//! reconnects with `Last-Event-ID` gets every later change, and none twice.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use gridline_domain::{
    cases::{can_see, saw},
    crs::Crs,
    identity::Principal,
};

use super::Change;
use crate::{case_views, reference_data::ReferenceData};

fn message(event: &str, id: Option<i64>, data: &str) -> String {
    let id = id.map(|n| format!("id: {n}\n")).unwrap_or_default();
    format!("event: {event}\n{id}data: {data}\n\n")
}

/// A control message: `reset` (sync again), `reconnect` (this node stops).
pub(crate) fn control(event: &str) -> Bytes {
    Bytes::from(message(event, None, "{}"))
}

/// The messages of `changes` for `p`. A change followed by a later one of the
/// same case (in the batch or after it) shows no case: the later one shows it
/// as it is, so that no client is shown the same state twice.
pub(crate) fn for_caller(
    p: &Principal,
    changes: &[Change],
    names: &ReferenceData,
    now: DateTime<Utc>,
) -> Option<Bytes> {
    let me = p.user_id();
    let mut out = String::new();
    for c in changes {
        let mut parts: Vec<(&str, String)> = c
            .notifications
            .iter()
            .filter(|n| Some(n.user_id) == me)
            .map(|n| {
                let view = case_views::notification(n);
                ("notification", serde_json::to_string(&view).unwrap_or_default())
            })
            .collect();
        if !c.shown_later {
            match &c.case {
                Some(case) if can_see(p, case) => {
                    let view = case_views::case(case, p, now, names, Crs::Wgs84);
                    parts.push(("case", serde_json::to_string(&view).unwrap_or_default()));
                }
                _ if c.event.visible_before.as_ref().is_some_and(|v| saw(p, v)) => {
                    parts.push(("case_removed", serde_json::json!({"id": c.event.case_id}).to_string()));
                }
                _ => {}
            }
        }
        let last = parts.len().saturating_sub(1);
        for (j, (event, data)) in parts.iter().enumerate() {
            out.push_str(&message(event, (j == last).then_some(c.seq), data));
        }
    }
    (!out.is_empty()).then(|| Bytes::from(out))
}
