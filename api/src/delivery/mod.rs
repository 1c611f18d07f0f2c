//! Deliveries that leave the platform, from the outbox the writes fill: each
//! notification to the push gateway with the recipient's phones. Any node
//! delivers; each attempt is claimed by one node for a lease, so two nodes
//! never send one attempt, and a node that dies mid-delivery leaves it to
//! another once the lease ends. A failure (anything but 2xx, or no answer in
//! 10 s) is tried again after 2 s, then twice as late each time, at most an
//! hour apart, for three days.

mod signing;

use std::time::Duration;

use actix_web::web;
use chrono::{DateTime, Utc};
use gridline_domain::push::{next_attempt, Delivery, Target};
use gridline_openapi::notifications::NotificationView;
use serde_json::json;

use crate::{config::Secret, state::AppState};

/// How long a node holds a claimed delivery: longer than an attempt can take.
const LEASE: Duration = Duration::from_secs(30);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const CLAIM: u32 = 20;
const LOOK_EVERY: Duration = Duration::from_millis(500);

/// Where deliveries go and how they are sent.
pub(crate) struct Courier {
    client: reqwest::Client,
    push_gateway: Option<(String, Secret)>,
}

impl Courier {
    pub(crate) fn new(push_gateway: Option<(String, Secret)>) -> anyhow::Result<Self> {
        let client =
            reqwest::Client::builder().timeout(ATTEMPT_TIMEOUT).redirect(reqwest::redirect::Policy::none()).build()?;
        Ok(Self { client, push_gateway })
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
        Target::Webhook => Outcome::Failed("webhook deliveries are not made by this version".into()),
    };
    let now = state.now();
    let written = match outcome {
        Outcome::Received | Outcome::Moot => state.store.delivered(&d, now).await,
        Outcome::Failed(error) => match next_attempt(d.created_at, d.attempts, now) {
            Some(at) => state.store.retry_later(&d, at, &error).await,
            None => {
                tracing::warn!(target = d.target.as_str(), recipient = %d.recipient, event = %d.event_id, %error, "a delivery was given up after three days");
                state.store.give_up(&d, now, &error).await
            }
        },
    };
    if let Err(e) = written {
        // The lease ends and another attempt is made: a receiver may see it twice (Gridline-Event-Id).
        tracing::warn!(error = %e, "a delivery's outcome could not be recorded");
    }
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
        "notification": NotificationView {
            id: notification.id,
            kind: notification.kind.into(),
            case_id: notification.case_id,
            title: notification.title,
            body: notification.body,
            at: notification.at,
            read: notification.read,
        },
        "devices": devices.iter().map(|dev| json!({
            "platform": dev.platform.as_str(),
            "provider": dev.provider.as_str(),
            "push_token": dev.push_token,
        })).collect::<Vec<_>>(),
    });
    post(state, url, secret, d, body.to_string(), Utc::now()).await
}

async fn post(state: &AppState, url: &str, secret: &Secret, d: &Delivery, body: String, at: DateTime<Utc>) -> Outcome {
    let signature = signing::signature(secret.expose().as_bytes(), at.timestamp(), body.as_bytes());
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
        Ok(res) if res.status().is_success() => Outcome::Received,
        Ok(res) => Outcome::Failed(format!("answered {}", res.status().as_u16())),
        Err(e) if e.is_timeout() => Outcome::Failed("no answer within 10 s".into()),
        Err(e) => Outcome::Failed(format!("not reached: {e}")),
    }
}
