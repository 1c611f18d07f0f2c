//! The category catalog (事项类别), for everyone to read and admins to manage.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    cases::{Category, Priority, TimeLimit},
    policy::Action,
    time::now,
    validation, RepoError, Taken,
};
use gridline_openapi::{
    cases::{CategoryView, CreateCategory, TimeLimitView, UpdateCategory},
    FieldError, Problem,
};

use super::client_addr;
use crate::{
    auth::{require, Auth},
    case_views,
    error::ApiError,
    extract::ValidJson,
    state::AppState,
};

fn time_limits(limits: &[TimeLimitView], errors: &mut Vec<FieldError>) -> Vec<TimeLimit> {
    let mut out: Vec<TimeLimit> = Vec::new();
    for (i, l) in limits.iter().enumerate() {
        let priority = l.priority.into();
        if let Some(fault) = gridline_openapi::calendar::limit_fault(l.amount, l.unit.into()) {
            errors.push(FieldError::pointer(format!("/time_limits/{i}/amount"), fault));
        }
        if out.iter().any(|o| o.priority == priority) {
            errors.push(FieldError::pointer(format!("/time_limits/{i}/priority"), "appears twice"));
        }
        out.push(TimeLimit { priority, amount: l.amount, unit: l.unit.into() });
    }
    for p in [Priority::Normal, Priority::Urgent] {
        if !out.iter().any(|l| l.priority == p) && errors.is_empty() {
            errors.push(FieldError::pointer("/time_limits", format!("needs a limit for priority {}", p.as_str())));
        }
    }
    out
}

/// List the categories (事项类别)
///
/// Every category, each 大类 followed by its 小类, with its department kind and time limits.
#[utoipa::path(
    tag = "categories",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The catalog", body = [CategoryView]),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/categories")]
pub(crate) async fn list_categories(
    auth: Auth,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<CategoryView>>, ApiError> {
    require(&auth.0, Action::ReadOrg)?;
    Ok(web::Json(state.store.categories().await?.iter().map(case_views::category).collect()))
}

/// Get a category
///
/// One category by its code.
#[utoipa::path(
    tag = "categories",
    security(("bearer" = []), ("api_key" = [])),
    params(("code" = String, Path, description = "The category's code")),
    responses(
        (status = 200, description = "The category", body = CategoryView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/categories/{code}")]
pub(crate) async fn get_category(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<web::Json<CategoryView>, ApiError> {
    require(&auth.0, Action::ReadOrg)?;
    let code = crate::extract::path_text(&req, "code")?;
    let category = state.store.category(code).await?.ok_or(ApiError::NotFound)?;
    Ok(web::Json(case_views::category(&category)))
}

/// Create a category
///
/// Admins add a 大类, or a 小类 under one, with Chinese and English names, the kind of department that handles it
/// and its time limits by priority.
#[utoipa::path(
    tag = "categories",
    security(("bearer" = []), ("api_key" = [])),
    request_body = CreateCategory,
    responses(
        (status = 201, description = "Created", body = CategoryView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is in use", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/categories")]
pub(crate) async fn create_category(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<CreateCategory>,
) -> Result<HttpResponse, ApiError> {
    require(&auth.0, Action::ManageOrg)?;
    let body = body.parse()?;
    let mut errors = Vec::new();
    let code = validation::code(&body.code).map_err(|e| errors.push(FieldError::pointer("/code", e))).ok();
    let name_zh =
        validation::line(&body.name_zh, 100).map_err(|e| errors.push(FieldError::pointer("/name_zh", e))).ok();
    let name_en =
        validation::line(&body.name_en, 100).map_err(|e| errors.push(FieldError::pointer("/name_en", e))).ok();
    let limits = time_limits(&body.time_limits, &mut errors);
    if let Some(parent) = &body.parent_code {
        match state.store.category(parent).await? {
            None => errors.push(FieldError::pointer("/parent_code", "no such category")),
            Some(p) if p.parent_code.is_some() => errors
                .push(FieldError::pointer("/parent_code", "the catalog has two levels: the parent must be a 大类")),
            Some(_) => {}
        }
    }
    let (Some(code), Some(name_zh), Some(name_en), true) = (code, name_zh, name_en, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let at = now();
    let category = Category {
        code,
        parent_code: body.parent_code,
        name_zh,
        name_en,
        department_kind: body.department_kind.into(),
        time_limits: limits,
        auto_accept: body.auto_accept,
        auto_dispatch: body.auto_dispatch,
        auto_escalate_after_hours: body.auto_escalate_after_hours,
        requires_resolution_photo: body.requires_resolution_photo,
        public: body.public,
        active: true,
        created_at: at,
        updated_at: at,
    };
    let audit = NewAuditEntry::new(AuditAction::CategoryChanged, at)
        .by(&auth.0)
        .target("category", &category.code)
        .from_addr(client_addr(&req));
    state.store.save_category(&category, true, audit).await.map_err(|e| match e {
        RepoError::Duplicate(Taken::Code) => ApiError::Conflict {
            code: "code_taken",
            detail: "the code is in use".into(),
            errors: vec![FieldError::pointer("/code", "is in use")],
        },
        other => other.into(),
    })?;
    state.reference_changed().await;
    Ok(HttpResponse::Created().json(case_views::category(&category)))
}

/// Change a category
///
/// Admins change a category's names, department kind, time limits or flags. New limits apply to cases
/// dispatched from then on.
#[utoipa::path(
    tag = "categories",
    security(("bearer" = []), ("api_key" = [])),
    params(("code" = String, Path, description = "The category's code")),
    request_body = UpdateCategory,
    responses(
        (status = 200, description = "The changed category", body = CategoryView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/categories/{code}")]
pub(crate) async fn update_category(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<UpdateCategory>,
) -> Result<web::Json<CategoryView>, ApiError> {
    require(&auth.0, Action::ManageOrg)?;
    let code = crate::extract::path_text(&req, "code")?.to_owned();
    let mut category = state.store.category(&code).await?.ok_or(ApiError::NotFound)?;
    let body = body.parse()?;
    let mut errors = Vec::new();
    if let Some(n) = &body.name_zh {
        validation::line(n, 100)
            .map(|n| category.name_zh = n)
            .unwrap_or_else(|e| errors.push(FieldError::pointer("/name_zh", e)));
    }
    if let Some(n) = &body.name_en {
        validation::line(n, 100)
            .map(|n| category.name_en = n)
            .unwrap_or_else(|e| errors.push(FieldError::pointer("/name_en", e)));
    }
    if let Some(k) = body.department_kind {
        category.department_kind = k.into();
    }
    if let Some(limits) = &body.time_limits {
        category.time_limits = time_limits(limits, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    category.auto_accept = body.auto_accept.unwrap_or(category.auto_accept);
    category.auto_dispatch = body.auto_dispatch.unwrap_or(category.auto_dispatch);
    if let Some(hours) = body.auto_escalate_after_hours {
        category.auto_escalate_after_hours = hours;
    }
    category.requires_resolution_photo = body.requires_resolution_photo.unwrap_or(category.requires_resolution_photo);
    category.public = body.public.unwrap_or(category.public);
    category.active = body.active.unwrap_or(category.active);
    let at = now();
    category.updated_at = at;
    let audit = NewAuditEntry::new(AuditAction::CategoryChanged, at)
        .by(&auth.0)
        .target("category", &code)
        .from_addr(client_addr(&req));
    state.store.save_category(&category, false, audit).await?;
    state.reference_changed().await;
    Ok(web::Json(case_views::category(&category)))
}
