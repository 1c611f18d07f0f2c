//! Webhook subscriptions, for admins: an integration told of every change
//! it subscribed to (see `crate::delivery`), and what each attempt came to.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    cases::EventType,
    policy::Action,
    webhooks::{Attempt, EventFilter, Webhook},
};
use gridline_openapi::{
    webhooks::{
        CreateWebhook, DeliveryAttemptPage, DeliveryAttemptQuery, DeliveryAttemptView, UpdateWebhook, WebhookCreated,
        WebhookView,
    },
    FieldError, Problem,
};
use uuid::Uuid;

use super::client_addr;
use crate::{
    auth::{require, secrets, Auth},
    delivery::address,
    error::ApiError,
    extract::{path_uuid, ValidJson, ValidQuery},
    state::AppState,
};

fn view(h: &Webhook) -> WebhookView {
    WebhookView {
        id: h.id,
        url: h.url.clone(),
        events: match &h.events {
            EventFilter::All => vec!["*".into()],
            EventFilter::Only(types) => types.iter().map(|t| t.as_str().to_owned()).collect(),
        },
        unit_id: h.unit.as_ref().map(|(id, _)| *id),
        active: h.active,
        disabled_reason: h.disabled_reason.clone(),
        created_at: h.created_at,
        updated_at: h.updated_at,
    }
}

fn events(given: &[String], errors: &mut Vec<FieldError>) -> EventFilter {
    if given.iter().any(|e| e == "*") {
        if given.len() > 1 {
            errors.push(FieldError::pointer("/events", "\"*\" stands alone: every type"));
        }
        return EventFilter::All;
    }
    let mut types = Vec::new();
    for (i, name) in given.iter().enumerate() {
        match EventType::parse(name) {
            Some(t) if !types.contains(&t) => types.push(t),
            Some(_) => errors.push(FieldError::pointer(format!("/events/{i}"), "is named twice")),
            None => errors.push(FieldError::pointer(format!("/events/{i}"), "is not a timeline event type")),
        }
    }
    if given.is_empty() {
        errors.push(FieldError::pointer("/events", "name at least one type, or \"*\""));
    }
    EventFilter::Only(types)
}

async fn url(state: &AppState, given: &str, errors: &mut Vec<FieldError>) {
    if let Err(why) = address::check(given.trim(), state.courier.allow_private).await {
        errors.push(FieldError::pointer("/url", why));
    }
}

fn audit(auth: &Auth, req: &HttpRequest, id: Uuid, at: chrono::DateTime<chrono::Utc>) -> NewAuditEntry {
    NewAuditEntry::new(AuditAction::WebhookChanged, at).by(&auth.0).target("webhook", id).from_addr(client_addr(req))
}

async fn hook(state: &AppState, req: &HttpRequest) -> Result<Webhook, ApiError> {
    let id = path_uuid(req, "id")?;
    state.store.webhook(id).await?.ok_or(ApiError::NotFound)
}

/// Register a webhook
///
/// Admins subscribe an integration to timeline events (`["*"]`, or types such as `reported`, `dispatched`,
/// `closed`), of every case or of those under `unit_id`. Each event is posted as `{"id", "type", "at",
/// "case"}` (the case as an integration sees it: phones masked), signed with `Gridline-Signature: t=<unix
/// seconds>,v1=<hex HMAC-SHA256 over "<t>.<raw body>">` under the `secret` in this answer (shown once, stored
/// sealed), with `Gridline-Event-Id` for de-duplication; anything but 2xx is tried again for three days.
#[utoipa::path(
    operation_id = "create_webhook",
    tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "Registered; keep `secret` now", body = WebhookCreated),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A URL that is not http(s) or reaches a loopback or private address, an unknown event type, an unknown unit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/webhooks")]
pub(crate) async fn create_webhook(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    require(&auth.0, Action::ManageWebhooks)?;
    let body = body.parse()?;
    let mut errors = Vec::new();
    url(&state, &body.url, &mut errors).await;
    let events = events(&body.events, &mut errors);
    let unit = match body.unit_id {
        Some(id) => match state.unit(id).await? {
            Some(unit) => Some((unit.id, unit.path)),
            None => {
                errors.push(FieldError::pointer("/unit_id", "no such unit"));
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let secret = format!("whsec_{}", secrets::base64url(&secrets::random_bytes::<32>()));
    let at = state.now();
    let hook = Webhook {
        id: Uuid::now_v7(),
        url: body.url.trim().to_owned(),
        events,
        unit,
        active: true,
        secret_sealed: state.keys.seal_secret(secret.as_bytes()).map_err(ApiError::Internal)?,
        disabled_reason: None,
        created_at: at,
        updated_at: at,
    };
    state.store.create_webhook(&hook, audit(&auth, &req, hook.id, at)).await?;
    Ok(HttpResponse::Created().json(WebhookCreated { webhook: view(&hook), secret }))
}

/// List webhooks
///
/// Every subscription, oldest first, with whether it is active and why the platform turned it off.
#[utoipa::path(
    operation_id = "list_webhooks",
    tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The subscriptions", body = [WebhookView]),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/webhooks")]
pub(crate) async fn list_webhooks(
    auth: Auth,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<WebhookView>>, ApiError> {
    require(&auth.0, Action::ManageWebhooks)?;
    Ok(web::Json(state.store.webhooks().await?.iter().map(view).collect()))
}

/// Get a webhook
///
/// One subscription; its secret is never shown again.
#[utoipa::path(
    operation_id = "get_webhook",
    tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The subscription's id")),
    responses(
        (status = 200, description = "The subscription", body = WebhookView),
        (status = 400, description = "An `id` that is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/webhooks/{id}")]
pub(crate) async fn get_webhook(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<web::Json<WebhookView>, ApiError> {
    require(&auth.0, Action::ManageWebhooks)?;
    Ok(web::Json(view(&hook(&state, &req).await?)))
}

/// Change a webhook
///
/// Its `url`, its `events`, or `active`: `false` pauses deliveries, `true` resumes them (also after the
/// platform turned it off) with the events from then on.
#[utoipa::path(
    operation_id = "update_webhook",
    tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The subscription's id")),
    request_body = UpdateWebhook,
    responses(
        (status = 200, description = "Changed", body = WebhookView),
        (status = 400, description = "An `id` that is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A URL refused, an unknown event type", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/webhooks/{id}")]
pub(crate) async fn update_webhook(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<UpdateWebhook>,
) -> Result<web::Json<WebhookView>, ApiError> {
    require(&auth.0, Action::ManageWebhooks)?;
    let mut hook = hook(&state, &req).await?;
    let body = body.parse()?;
    let mut errors = Vec::new();
    if let Some(given) = &body.url {
        url(&state, given, &mut errors).await;
        hook.url = given.trim().to_owned();
    }
    if let Some(given) = &body.events {
        hook.events = events(given, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some(active) = body.active {
        hook.active = active;
        if active {
            hook.disabled_reason = None;
        }
    }
    hook.updated_at = state.now();
    state.store.update_webhook(&hook, audit(&auth, &req, hook.id, hook.updated_at)).await?;
    Ok(web::Json(view(&hook)))
}

/// Remove a webhook
///
/// No more deliveries; what it was still owed is dropped.
#[utoipa::path(
    operation_id = "delete_webhook",
    tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The subscription's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "An `id` that is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api/v1/webhooks/{id}")]
pub(crate) async fn delete_webhook(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    require(&auth.0, Action::ManageWebhooks)?;
    let id = path_uuid(&req, "id")?;
    if state.store.delete_webhook(id, audit(&auth, &req, id, state.now())).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound)
    }
}

fn attempt_view(a: &Attempt) -> DeliveryAttemptView {
    DeliveryAttemptView {
        id: a.id,
        delivery_id: a.event_id,
        attempt: a.attempt,
        at: a.at,
        status: a.status,
        duration_ms: a.duration_ms,
        error: a.error.clone(),
    }
}

/// List a webhook's delivery attempts
///
/// Every attempt, newest first: the receiver's status (or none, when it was not reached or did not answer
/// within 10 s), how long it took, and the error.
#[utoipa::path(
    operation_id = "list_webhook_deliveries",
    tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The subscription's id"), DeliveryAttemptQuery),
    responses(
        (status = 200, description = "A page of attempts", body = DeliveryAttemptPage),
        (status = 400, description = "An `id` that is not a UUID, a bad cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/webhooks/{id}/deliveries")]
pub(crate) async fn list_webhook_deliveries(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ValidQuery<DeliveryAttemptQuery>,
) -> Result<web::Json<DeliveryAttemptPage>, ApiError> {
    require(&auth.0, Action::ManageWebhooks)?;
    let hook = hook(&state, &req).await?;
    let query = query.parse()?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::InvalidQuery(vec![FieldError::parameter("limit", "must be between 1 and 200")]));
    }
    let found = state.store.attempts(hook.id, query.cursor, limit).await?;
    let next_cursor = (found.len() == limit as usize).then(|| found.last().map(|a| a.id.to_string())).flatten();
    Ok(web::Json(DeliveryAttemptPage { items: found.iter().map(attempt_view).collect(), next_cursor }))
}

/// Send a webhook delivery again
///
/// The event is posted to the subscription again at once (and retried as a new delivery), whether it was
/// received or given up before.
#[utoipa::path(
    operation_id = "redeliver_webhook_delivery",
    tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    params(
        ("id" = Uuid, Path, description = "The subscription's id"),
        ("delivery_id" = Uuid, Path, description = "The delivery: its event's id"),
    ),
    responses(
        (status = 202, description = "It will be sent again at once"),
        (status = 400, description = "An id that is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription, or no such delivery of it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub(crate) async fn redeliver_webhook_delivery(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    require(&auth.0, Action::ManageWebhooks)?;
    let hook = hook(&state, &req).await?;
    let delivery = path_uuid(&req, "delivery_id")?;
    if state.store.redeliver(hook.id, delivery, state.now()).await? {
        Ok(HttpResponse::Accepted().finish())
    } else {
        Err(ApiError::NotFound)
    }
}
