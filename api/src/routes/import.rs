//! Grids in bulk from a GeoJSON FeatureCollection: all or nothing.

use std::collections::{HashMap, HashSet};

use actix_web::{post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    org::{OrgKind, OrgUnit},
    policy::Action,
    ports::Store,
    time::now,
    validation,
};
use gridline_openapi::{
    geojson::FeatureCollection,
    org::{ImportResult, OrgUnitView},
    FieldError, Problem,
};
use uuid::Uuid;

use super::{client_addr, org_units::code_taken};
use crate::{
    auth::{require, Auth},
    error::ApiError,
    extract::ValidJson,
    state::AppState,
    views,
};

/// Import grids from GeoJSON
///
/// Creates or replaces (matched by `code`) every grid in a GeoJSON FeatureCollection, in one transaction.
/// Each feature needs a Polygon or MultiPolygon geometry and the properties `code`, `name` and `parent_code`
/// (a community). If any feature is at fault nothing is written, and every fault is listed with a pointer to
/// its feature.
#[utoipa::path(
    tag = "org",
    security(("bearer" = []), ("api_key" = [])),
    request_body = FeatureCollection,
    responses(
        (status = 200, description = "Imported", body = ImportResult),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Features at fault; nothing was imported", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/org-units/import")]
pub(crate) async fn import_grids(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<FeatureCollection>,
) -> Result<HttpResponse, ApiError> {
    require(&auth.0, Action::ManageOrg)?;
    let collection = body.parse()?;
    let audit = NewAuditEntry::new(AuditAction::GridsImported, now()).by(&auth.0).from_addr(client_addr(&req));
    let result = import(&*state.store, &collection, audit).await?;
    state.units_changed().await;
    Ok(HttpResponse::Ok().json(result))
}

/// Validates every feature, then writes all grids in one transaction.
///
/// # Errors
/// 422 listing every feature at fault; nothing is written then.
pub(crate) async fn import(
    store: &dyn Store,
    collection: &FeatureCollection,
    audit: NewAuditEntry,
) -> Result<ImportResult, ApiError> {
    if collection.type_ != "FeatureCollection" {
        return Err(ApiError::field("/type", "must be FeatureCollection"));
    }
    if collection.features.is_empty() {
        return Err(ApiError::field("/features", "must contain at least one feature"));
    }
    let at = audit.at;
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut parents: HashMap<String, Option<OrgUnit>> = HashMap::new();
    let mut units = Vec::new();
    let (mut created, mut updated) = (0, 0);
    for (i, feature) in collection.features.iter().enumerate() {
        let at_fault = |field: &str, detail: String| FieldError::pointer(format!("/features/{i}{field}"), detail);
        let before = errors.len();
        if feature.type_ != "Feature" {
            errors.push(at_fault("/type", "must be Feature".into()));
        }
        let p = &feature.properties;
        let code = validation::code(&p.code).map_err(|e| errors.push(at_fault("/properties/code", e.into()))).ok();
        let name = validation::line(&p.name, 100).map_err(|e| errors.push(at_fault("/properties/name", e.into()))).ok();
        if code.is_some() && !seen.insert(p.code.clone()) {
            errors.push(at_fault("/properties/code", format!("'{}' appears twice in the collection", p.code)));
        }
        let boundary = match &feature.geometry {
            None => {
                errors.push(at_fault("/geometry", "a grid needs a Polygon or MultiPolygon".into()));
                None
            }
            Some(g) => views::boundary(g, &format!("/features/{i}/geometry")).map_err(|e| errors.push(e)).ok(),
        };
        if !parents.contains_key(&p.parent_code) {
            let parent = store.unit_by_code(&p.parent_code).await?;
            parents.insert(p.parent_code.clone(), parent);
        }
        let parent = match parents.get(&p.parent_code).cloned().flatten() {
            Some(parent) if parent.kind == OrgKind::Community => Some(parent),
            Some(_) => {
                errors.push(at_fault("/properties/parent_code", format!("'{}' is not a community", p.parent_code)));
                None
            }
            None => {
                errors.push(at_fault("/properties/parent_code", format!("no org unit has code '{}'", p.parent_code)));
                None
            }
        };
        let existing = match &code {
            Some(code) => store.unit_by_code(code).await?,
            None => None,
        };
        if let (Some(existing), Some(parent)) = (&existing, &parent) {
            if existing.kind != OrgKind::Grid {
                errors.push(at_fault(
                    "/properties/code",
                    format!("'{}' is the code of a {}", existing.code, existing.kind.as_str()),
                ));
            } else if existing.parent_id != Some(parent.id) {
                errors.push(at_fault("/properties/parent_code", "the grid exists under another community".into()));
            }
        }
        if errors.len() > before {
            continue;
        }
        let (Some(code), Some(name), Some(boundary), Some(parent)) = (code, name, boundary, parent) else { continue };
        let (id, created_at) = match &existing {
            Some(e) => {
                updated += 1;
                (e.id, e.created_at)
            }
            None => {
                created += 1;
                (Uuid::now_v7(), at)
            }
        };
        units.push(OrgUnit {
            id,
            kind: OrgKind::Grid,
            code,
            name,
            parent_id: Some(parent.id),
            path: OrgUnit::child_path(Some(&parent.path), id),
            boundary: Some(boundary),
            responsible_person: p
                .responsible_person
                .clone()
                .or_else(|| existing.as_ref().and_then(|e| e.responsible_person.clone())),
            contact_phone: p.contact_phone.clone().or_else(|| existing.as_ref().and_then(|e| e.contact_phone.clone())),
            created_at,
            updated_at: at,
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let audit = audit.detail("created", created).detail("updated", updated);
    store.save_units(&units, audit).await.map_err(code_taken)?;
    let grids: Vec<OrgUnitView> = units.iter().map(views::unit).collect();
    Ok(ImportResult { created, updated, grids })
}
