//! The caller's phones, registered for push notifications. A phone is
//! registered under the session it logged in with and removed when that
//! session logs out, so a phone handed to someone else stops buzzing.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    identity::{Actor, Principal},
    policy::Action,
    push::Device,
    validation,
};
use gridline_openapi::{
    push::{DevicePath, DeviceView, RegisterDevice},
    Problem,
};
use uuid::Uuid;

use crate::{
    auth::{require, Auth},
    error::ApiError,
    extract::{path_uuid, ValidJson},
    state::AppState,
};

fn user(p: &Principal) -> Result<(Uuid, Option<Uuid>), ApiError> {
    require(p, Action::OwnAccount)?;
    match &p.actor {
        Actor::User { id, session_id, .. } => Ok((*id, *session_id)),
        Actor::ApiKey { .. } => Err(ApiError::NotFound),
    }
}

fn view(d: &Device) -> DeviceView {
    DeviceView {
        id: d.id,
        platform: d.platform.into(),
        provider: d.provider.into(),
        push_token: d.push_token.clone(),
        created_at: d.created_at,
    }
}

/// Register a phone for push notifications
///
/// The token the vendor's push SDK gave the app, with its platform and provider. Registering the same token
/// again answers the same device (200), now under the caller's current session. Every notification of the
/// caller is then posted to the operator's push gateway with his devices (`GRIDLINE_PUSH_GATEWAY_URL`).
#[utoipa::path(
    operation_id = "register_device",
    tag = "me",
    security(("bearer" = [])),
    request_body = RegisterDevice,
    responses(
        (status = 200, description = "Registered already", body = DeviceView),
        (status = 201, description = "Registered", body = DeviceView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API key has no phone", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty or too long `push_token`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/me/devices")]
pub(crate) async fn register_device(
    auth: Auth,
    state: web::Data<AppState>,
    body: ValidJson<RegisterDevice>,
) -> Result<HttpResponse, ApiError> {
    let (me, session) = user(&auth.0)?;
    let body = body.parse()?;
    let token = validation::text(&body.push_token, 512).map_err(|e| ApiError::field("/push_token", e))?;
    let device = Device {
        id: Uuid::now_v7(),
        user_id: me,
        session_id: session,
        platform: body.platform.into(),
        provider: body.provider.into(),
        push_token: token,
        created_at: state.now(),
    };
    let (device, created) = state.store.register_device(&device).await?;
    Ok(if created { HttpResponse::Created() } else { HttpResponse::Ok() }.json(view(&device)))
}

/// List the caller's phones
///
/// The devices registered for the caller's push notifications, oldest first.
#[utoipa::path(
    operation_id = "list_devices",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The devices", body = [DeviceView]),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API key has no phone", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/me/devices")]
pub(crate) async fn list_devices(
    auth: Auth,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<DeviceView>>, ApiError> {
    let (me, _) = user(&auth.0)?;
    Ok(web::Json(state.store.devices(me).await?.iter().map(view).collect()))
}

/// Remove a phone
///
/// The phone receives no more of the caller's notifications. Logging out does it for the phone that logs out.
#[utoipa::path(
    operation_id = "remove_device",
    tag = "me",
    security(("bearer" = [])),
    params(DevicePath),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "An `id` that is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API key has no phone", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such device of the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api/v1/me/devices/{id}")]
pub(crate) async fn remove_device(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (me, _) = user(&auth.0)?;
    let id = path_uuid(&req, "id")?;
    if state.store.remove_device(me, id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound)
    }
}
