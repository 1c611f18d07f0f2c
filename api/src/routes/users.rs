//! Accounts, for admins.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    policy::Action,
    ports::{NewUser, UserPatch},
    time::now,
    validation, RepoError, Taken,
};
use gridline_openapi::{
    users::{CreateUser, UpdateUser, UserListQuery, UserView},
    FieldError, Problem,
};
use uuid::Uuid;

use super::client_addr;
use crate::{
    auth::{require, Auth},
    error::ApiError,
    extract::{path_uuid, ValidJson, ValidQuery},
    state::AppState,
    views,
};

/// List users
///
/// Admins list users, ordered by username, a page at a time.
#[utoipa::path(
    tag = "users",
    security(("bearer" = []), ("api_key" = [])),
    params(UserListQuery),
    responses(
        (status = 200, description = "A page of users", body = [UserView]),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/users")]
pub(crate) async fn list_users(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<UserListQuery>,
) -> Result<web::Json<Vec<UserView>>, ApiError> {
    require(&auth.0, Action::ManageUsers)?;
    let query = query.parse()?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::InvalidQuery(vec![FieldError::parameter("limit", "must be between 1 and 500")]));
    }
    let users = state.store.users(query.after.as_deref(), limit).await?;
    Ok(web::Json(users.iter().map(views::user).collect()))
}

/// Create a user
///
/// Admins create an account with no grants; grant it roles next.
#[utoipa::path(
    tag = "users",
    security(("bearer" = []), ("api_key" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The username is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/users")]
pub(crate) async fn create_user(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    require(&auth.0, Action::ManageUsers)?;
    let body = body.parse()?;
    let mut errors = Vec::new();
    let username = validation::username(&body.username).map_err(|e| errors.push(FieldError::pointer("/username", e)));
    let display_name =
        validation::line(&body.display_name, 100).map_err(|e| errors.push(FieldError::pointer("/display_name", e)));
    let phone = body
        .phone
        .as_deref()
        .map(validation::phone)
        .transpose()
        .map_err(|e| errors.push(FieldError::pointer("/phone", e)));
    let password = validation::password(&body.password).map_err(|e| errors.push(FieldError::pointer("/password", e)));
    let (Ok(username), Ok(display_name), Ok(phone), Ok(_)) = (username, display_name, phone, password) else {
        return Err(ApiError::Validation(errors));
    };
    let at = now();
    let user = NewUser {
        id: Uuid::now_v7(),
        username,
        display_name,
        phone,
        password_hash: state.passwords.hash(body.password).await?,
        at,
    };
    let audit = NewAuditEntry::new(AuditAction::UserCreated, at)
        .by(&auth.0)
        .target("user", user.id)
        .detail("username", &user.username)
        .from_addr(client_addr(&req));
    let created = state.store.create_user(&user, audit).await.map_err(|e| match e {
        RepoError::Duplicate(Taken::Username) => ApiError::Conflict {
            code: "username_taken",
            detail: "the username is taken".into(),
            errors: vec![FieldError::pointer("/username", "is taken")],
        },
        other => other.into(),
    })?;
    state.reference_changed().await;
    Ok(HttpResponse::Created().json(views::user(&created)))
}

/// Get a user
///
/// Admins see everyone; a user sees himself.
#[utoipa::path(
    tag = "users",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/users/{id}")]
pub(crate) async fn get_user(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<web::Json<UserView>, ApiError> {
    let id = path_uuid(&req, "id")?;
    require(&auth.0, Action::ReadUser(id))?;
    let user = state.store.user(id).await?.ok_or(ApiError::NotFound)?;
    Ok(web::Json(views::user(&user)))
}

/// Change a user
///
/// Admins change a user's name or contact; `active: false` deactivates him and ends every session at once.
#[utoipa::path(
    tag = "users",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The changed user", body = UserView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/users/{id}")]
pub(crate) async fn update_user(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<UpdateUser>,
) -> Result<web::Json<UserView>, ApiError> {
    let id = path_uuid(&req, "id")?;
    require(&auth.0, Action::ChangeUser(id))?;
    let body = body.parse()?;
    let mut errors = Vec::new();
    let display_name = match body.display_name.as_deref().map(|n| validation::line(n, 100)).transpose() {
        Ok(n) => n,
        Err(e) => {
            errors.push(FieldError::pointer("/display_name", e));
            None
        }
    };
    let phone = match body.phone.map(|p| p.as_deref().map(validation::phone).transpose()).transpose() {
        Ok(p) => p,
        Err(e) => {
            errors.push(FieldError::pointer("/phone", e));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if body.active == Some(false) && auth.0.user_id() == Some(id) {
        return Err(ApiError::field("/active", "you cannot deactivate yourself"));
    }
    let action = match body.active {
        Some(false) => AuditAction::UserDeactivated,
        Some(true) => AuditAction::UserActivated,
        None => AuditAction::UserUpdated,
    };
    let at = now();
    let audit = NewAuditEntry::new(action, at).by(&auth.0).target("user", id).from_addr(client_addr(&req));
    let patch = UserPatch { display_name, phone, active: body.active };
    let renamed = patch.display_name.is_some();
    let user = state.store.update_user(id, &patch, at, audit).await?;
    if renamed {
        state.reference_changed().await;
    }
    Ok(web::Json(views::user(&user)))
}
