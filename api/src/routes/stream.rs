//! `GET /api/v1/me/stream`: what changes, as it changes (Server-Sent Events).

use actix_web::{get, web, HttpRequest, HttpResponse};
use bytes::Bytes;
use gridline_openapi::{FieldError, Problem};

use crate::{auth::StreamCaller, error::ApiError, state::AppState};

/// Messages waiting for a slow client before the stream stops reading changes for it.
const BUFFERED: usize = 64;

/// Follow changes live
///
/// Server-Sent Events: `event: notification` (data: the notification, as in the inbox) and `event: case`
/// (data: the case as the caller sees it, once per change), or `event: case_removed` (data: `{"id"}`) when a
/// case leaves the caller's view. The last message of each change carries its number in the change sequence
/// as `id`; reconnecting with `Last-Event-ID` delivers every change missed, once, in order. An id further back
/// than 10,000 changes (or unknown) gets `event: reset`: sync again with `GET /api/v1/sync`. A comment line
/// every `GRIDLINE_SSE_HEARTBEAT_S` (15) keeps proxies from closing it. The stream ends when the token expires
/// or the account or key stops being valid; a node that stops sends `event: reconnect` first. Browsers'
/// `EventSource` cannot set headers: they send the token as `access_token`.
#[utoipa::path(
    operation_id = "stream_changes",
    tag = "me",
    security(("bearer" = []), ("api_key" = [])),
    params(
        ("access_token" = Option<String>, Query, description = "The access token, for clients that cannot send `Authorization`"),
        ("Last-Event-ID" = Option<i64>, Header, minimum = 0, description = "The `id` of the last message received"),
    ),
    responses(
        (status = 200, description = "The stream, until it ends", body = String, content_type = "text/event-stream"),
        (status = 400, description = "A `Last-Event-ID` that is not a change number (`invalid_header`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/me/stream")]
pub(crate) async fn stream_changes(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let caller = StreamCaller::authenticate(&state, &req).await?;
    let last_event_id = match req.headers().get("last-event-id") {
        None => None,
        Some(raw) => {
            Some(raw.to_str().ok().and_then(|v| v.trim().parse::<i64>().ok()).filter(|n| *n >= 0).ok_or_else(|| {
                ApiError::InvalidHeader(vec![FieldError::parameter(
                    "Last-Event-ID",
                    "must be the id of a message this stream sent",
                )])
            })?)
        }
    };
    let (out, messages) = tokio::sync::mpsc::channel::<Bytes>(BUFFERED);
    tokio::spawn(crate::stream::serve(state.clone(), caller, last_event_id, out));
    let body = futures::stream::unfold(messages, |mut messages| async move {
        messages.recv().await.map(|bytes| (Ok::<_, std::convert::Infallible>(bytes), messages))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        // nginx would otherwise hold the messages back.
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body))
}
