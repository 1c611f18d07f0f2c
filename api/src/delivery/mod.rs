//! Deliveries that leave the platform, from the outbox the writes fill: each
//! notification to the push gateway with the recipient's phones. Any node
//! delivers; each attempt is claimed by one node for a lease, so two nodes
//! never send one attempt, and a node that dies mid-delivery leaves it to
//! another once the lease ends. A failure (anything but 2xx, or no answer in
//! 10 s) is tried again after 2 s, then twice as late each time, at most an
//! hour apart, for three days.

pub(crate) mod address;
mod signing;

use std::time::Duration;

use actix_web::web;
use chrono::{DateTime, Utc};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    crs::Crs,
    identity::{Actor, Principal},
    push::{next_attempt, Delivery, Target},
    webhooks::Attempt,
};
use serde_json::json;
use uuid::Uuid;

use crate::{config::Secret, state::AppState};

/// How long a node holds a claimed delivery: longer than an attempt can
/// take; a node that dies mid-delivery delays the next attempt this long.
const LEASE: Duration = Duration::from_secs(12);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const CLAIM: u32 = 20;
const LOOK_EVERY: Duration = Duration::from_millis(500);

/// Where deliveries go and how they are sent.
pub(crate) struct Courier {
    client: reqwest::Client,
    push_gateway: Option<(String, Secret)>,
    /// `GRIDLINE_WEBHOOK_ALLOW_PRIVATE`.
    pub allow_private: bool,
}

impl Courier {
    pub(crate) fn new(push_gateway: Option<(String, Secret)>, allow_private: bool) -> anyhow::Result<Self> {
        let client =
            reqwest::Client::builder().timeout(ATTEMPT_TIMEOUT).redirect(reqwest::redirect::Policy::none()).build()?;
        Ok(Self { client, push_gateway, allow_private })
    }
}

/// Delivers what is due until the node stops.
pub(crate) async fn run(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(LOOK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = state.now();
        let due = match state.store.claim_deliveries(now, LEASE, CLAIM).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "deliveries could not be claimed; the next look retries");
                continue;
            }
        };
        futures::future::join_all(due.into_iter().map(|d| deliver(&state, d))).await;
    }
}

/// What an attempt came to.
enum Outcome {
    Received,
    /// Nothing to send (no phone left, a notification gone).
    Moot,
    Failed(String),
}

async fn deliver(state: &AppState, d: Delivery) {
    let outcome = match d.target {
        Target::Push => push(state, &d).await,
        Target::Webhook => webhook(state, &d).await,
    };
    let now = state.now();
    let written = match outcome {
        Outcome::Received | Outcome::Moot => state.store.delivered(&d, now).await,
        Outcome::Failed(error) => match next_attempt(d.created_at, d.attempts, now) {
            Some(at) => state.store.retry_later(&d, at, &error).await,
            None => {
                tracing::warn!(target = d.target.as_str(), recipient = %d.recipient, event = %d.event_id, %error, "a delivery was given up after three days");
                match d.target {
                    Target::Webhook => disable(state, &d, &error).await,
                    Target::Push => state.store.give_up(&d, now, &error).await,
                }
            }
        },
    };
    if let Err(e) = written {
        // The lease ends and another attempt is made: a receiver may see it twice (Gridline-Event-Id).
        tracing::warn!(error = %e, "a delivery's outcome could not be recorded");
    }
}

/// A subscription whose deliveries failed for three days is turned off, and
/// the audit log says so (where admins look); turning it on again resumes
/// with new events.
async fn disable(state: &AppState, d: &Delivery, error: &str) -> Result<(), gridline_domain::RepoError> {
    let reason = format!("deliveries failed for three days; the last: {error}");
    let audit = NewAuditEntry::new(AuditAction::WebhookDisabled, state.now()).target("webhook", d.recipient);
    state.store.disable_webhook(d.recipient, &reason, audit).await
}

/// The integration a webhook stands for: it sees cases as an API key with no
/// grants would (phones masked, no internal comments' files, no actions).
fn integration(hook: Uuid) -> Principal {
    Principal { actor: Actor::ApiKey { id: hook, name: "webhook".into() }, grants: Vec::new() }
}

async fn webhook(state: &AppState, d: &Delivery) -> Outcome {
    let hook = match state.store.webhook(d.recipient).await {
        Ok(Some(hook)) if hook.active => hook,
        Ok(_) => return Outcome::Moot,
        Err(e) => return Outcome::Failed(format!("reading the subscription failed: {e}")),
    };
    let event = match state.store.event(d.event_id).await {
        Ok(Some(event)) => event,
        Ok(None) => return Outcome::Moot,
        Err(e) => return Outcome::Failed(format!("reading the event failed: {e}")),
    };
    let case = match state.store.case(event.case_id).await {
        Ok(case) => case,
        Err(e) => return Outcome::Failed(format!("reading the case failed: {e}")),
    };
    let secret = match state.keys.open_secret(&hook.secret_sealed) {
        Ok(secret) => secret,
        Err(e) => return Outcome::Failed(format!("the subscription's secret cannot be opened: {e}")),
    };
    let now = state.now();
    let view = case.map(|c| crate::case_views::case(&c, &integration(hook.id), now, &state.reference(), Crs::Wgs84));
    let body = json!({"id": event.id, "type": event.event_type.as_str(), "at": event.at, "case": view}).to_string();
    let started = std::time::Instant::now();
    let (status, outcome) = match address::check(&hook.url, state.courier.allow_private).await {
        Ok(()) => post(state, &hook.url, &secret, d, body, Utc::now()).await,
        Err(why) => (None, Outcome::Failed(format!("the URL {why}"))),
    };
    let attempt = Attempt {
        id: Uuid::now_v7(),
        webhook_id: hook.id,
        event_id: d.event_id,
        attempt: d.attempts,
        at: now,
        status,
        duration_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
        error: match &outcome {
            Outcome::Failed(e) => Some(e.clone()),
            _ => None,
        },
    };
    if let Err(e) = state.store.record_attempt(&attempt).await {
        tracing::warn!(error = %e, "a webhook attempt could not be recorded");
    }
    outcome
}

async fn push(state: &AppState, d: &Delivery) -> Outcome {
    let Some((url, secret)) = &state.courier.push_gateway else {
        return Outcome::Moot;
    };
    let (notification, devices) =
        match (state.store.notification(d.recipient, d.event_id).await, state.store.devices(d.recipient).await) {
            (Ok(Some(n)), Ok(devices)) if !devices.is_empty() => (n, devices),
            (Ok(_), Ok(_)) => return Outcome::Moot,
            (Err(e), _) | (_, Err(e)) => return Outcome::Failed(format!("reading the notification failed: {e}")),
        };
    let body = json!({
        "user_id": d.recipient,
        "notification": crate::case_views::notification(&notification),
        "devices": devices.iter().map(|dev| json!({
            "platform": dev.platform.as_str(),
            "provider": dev.provider.as_str(),
            "push_token": dev.push_token,
        })).collect::<Vec<_>>(),
    });
    post(state, url, secret.expose().as_bytes(), d, body.to_string(), Utc::now()).await.1
}

/// One signed POST: the receiver's status, if it answered, and what it came to.
async fn post(
    state: &AppState,
    url: &str,
    secret: &[u8],
    d: &Delivery,
    body: String,
    at: DateTime<Utc>,
) -> (Option<u16>, Outcome) {
    let signature = signing::signature(secret, at.timestamp(), body.as_bytes());
    let sent = state
        .courier
        .client
        .post(url)
        .header("content-type", "application/json")
        .header("gridline-signature", signature)
        .header("gridline-event-id", d.event_id.to_string())
        .header("gridline-delivery-attempt", d.attempts.to_string())
        .body(body)
        .send()
        .await;
    match sent {
        Ok(res) if res.status().is_success() => (Some(res.status().as_u16()), Outcome::Received),
        Ok(res) => (Some(res.status().as_u16()), Outcome::Failed(format!("answered {}", res.status().as_u16()))),
        Err(e) if e.is_timeout() => (None, Outcome::Failed("no answer within 10 s".into())),
        Err(e) => (None, Outcome::Failed(format!("not reached: {e}"))),
    }
}
