//! `Idempotency-Key` on every POST under `/api/v1/cases`: a replay gets the
//! first answer (status and body) without the step running twice, the same
//! key with another request is a 422, and a replay of a request still running
//! waits briefly for its answer, then is a 409. The answer is stored in the
//! same transaction as the change it guards.

use std::time::Duration;

use actix_web::{http::StatusCode, HttpRequest, HttpResponse};
use gridline_domain::{
    identity::{Actor, Principal},
    ports::{Claim, IdempotencyKey, Receipt},
    time::now,
};
use gridline_openapi::FieldError;

use crate::{error::ApiError, state::AppState};

/// Answers are kept at least this long (the README promises 24 hours).
pub(crate) const KEEP_FOR_HOURS: i64 = 48;
/// How long a replay waits for the first request's answer before a 409.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(5);
/// A claim this old without an answer belonged to a node that died.
const STALE_AFTER_SECS: i64 = 60;

/// An answer as the first request got it, status and body, for its replays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredAnswer {
    pub status: u16,
    pub body: String,
}

impl StoredAnswer {
    /// How the store keeps it: `"<status> <body>"`.
    pub(crate) fn receipt(&self) -> Receipt {
        Receipt(format!("{} {}", self.status, self.body))
    }

    /// The answer a receipt keeps.
    ///
    /// # Errors
    /// A receipt this server did not write is an internal error.
    pub(crate) fn from_receipt(receipt: &Receipt) -> Result<Self, ApiError> {
        receipt
            .0
            .split_once(' ')
            .and_then(|(status, body)| Some(Self { status: status.parse().ok()?, body: body.to_owned() }))
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a stored receipt is malformed")))
    }
}

/// A claimed key: the request runs and its answer is stored with its change.
pub(crate) struct Guard {
    pub key: IdempotencyKey,
}

pub(crate) enum Begin {
    Proceed(Option<Guard>),
    /// The first answer: the caller checks that he may still see what it is
    /// about before he gives it (see [`replay`]).
    Replay(StoredAnswer),
}

/// Who a key belongs to: keys are scoped to their caller.
pub(crate) fn principal_id(p: &Principal) -> String {
    match &p.actor {
        Actor::User { id, .. } => format!("user:{id}"),
        Actor::ApiKey { id, .. } => format!("key:{id}"),
    }
}

fn header_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else { return Ok(None) };
    let value = value.to_str().unwrap_or_default().trim();
    let ok = (1..=255).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(Some(value.to_owned()))
    } else {
        Err(ApiError::InvalidQuery(vec![FieldError::parameter(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        )]))
    }
}

/// Claims the request's key, if it has one, or answers with the first answer.
///
/// # Errors
/// 400 for a malformed key, 422 for a key reused with another request, 409
/// while the first request is still running.
pub(crate) async fn begin(
    state: &AppState,
    req: &HttpRequest,
    p: &Principal,
    body_digest: &[u8],
) -> Result<Begin, ApiError> {
    let Some(key) = header_key(req)? else { return Ok(Begin::Proceed(None)) };
    let mut material = format!("{} {}\n", req.method(), req.path()).into_bytes();
    material.extend_from_slice(body_digest);
    let key = IdempotencyKey {
        principal: principal_id(p),
        key,
        request_hash: ring::digest::digest(&ring::digest::SHA256, &material).as_ref().to_vec(),
    };
    let deadline = tokio::time::Instant::now() + WAIT_FOR_FIRST;
    loop {
        match state.store.claim_key(&key, now(), chrono::Duration::seconds(STALE_AFTER_SECS)).await? {
            Claim::Fresh => return Ok(Begin::Proceed(Some(Guard { key }))),
            Claim::Replay(receipt) => return Ok(Begin::Replay(StoredAnswer::from_receipt(&receipt)?)),
            Claim::Mismatch => {
                return Err(ApiError::Validation(vec![FieldError::parameter(
                    "Idempotency-Key",
                    "was already used for a different request",
                )]))
            }
            Claim::InProgress if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Claim::InProgress => {
                return Err(ApiError::Conflict {
                    code: "request_in_progress",
                    detail: "a request with this Idempotency-Key is still being processed; retry later".into(),
                    errors: Vec::new(),
                })
            }
        }
    }
}

/// The stored answer, marked as a replay.
pub(crate) fn replay(answer: &StoredAnswer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let media = if status.is_success() { "application/json" } else { gridline_openapi::PROBLEM_JSON };
    HttpResponse::build(status)
        .content_type(media)
        .insert_header(("Idempotent-Replayed", "true"))
        .body(answer.body.clone())
}

/// After a request that failed: a refusal is the answer replays get; a
/// server-side failure frees the key so that a retry runs again.
pub(crate) async fn settle_error(state: &AppState, guard: Option<&Guard>, err: &ApiError) {
    let status = actix_web::ResponseError::status_code(err);
    settle_refusal(state, guard, status.as_u16(), || serde_json::to_string(&err.problem()).unwrap_or_default()).await;
}

/// [`settle_error`] for a refusal of `status` whose body `body` writes (in
/// the shape its route answers in).
pub(crate) async fn settle_refusal(
    state: &AppState,
    guard: Option<&Guard>,
    status: u16,
    body: impl FnOnce() -> String,
) {
    let Some(guard) = guard else { return };
    let stored = if status >= 500 {
        state.store.release_key(&guard.key).await
    } else {
        state.store.complete_key(&guard.key, &StoredAnswer { status, body: body() }.receipt(), now()).await
    };
    if let Err(e) = stored {
        tracing::warn!(error = %e, "could not settle an idempotency key");
    }
}
