//! Exports for spreadsheets and GIS: the list's filters and scope, every
//! row, streamed a page at a time so that a district's hundred thousand cases
//! never sit in memory, and written to the audit log (who, which filters, how
//! many rows), as personal-data rules expect of a bulk read.

use actix_web::{get, http::header, web, web::Bytes, HttpRequest, HttpResponse};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    cases::CaseScope,
    crs::Crs,
    identity::Principal,
    ports::{CaseFilter, CaseSort, ListCursor},
};
use gridline_openapi::{
    cases::{CaseListQuery, CaseView, ExportFeature, ExportPoint, ExportProperties},
    Problem,
};

use super::{case_list::filter_of, client_addr};
use crate::{auth::Auth, case_views, error::ApiError, extract::ValidQuery, state::AppState};

/// Cases read per page of the stream.
const PAGE: u32 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    GeoJson,
}

impl Format {
    fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::GeoJson => "geojson",
        }
    }
}

/// The columns, Chinese first for the people who open the file, the field
/// name after for the scripts that read it.
const COLUMNS: &[&str] = &[
    "编号(number)",
    "状态(status)",
    "类别(category)",
    "类别代码(category_code)",
    "紧急程度(priority)",
    "描述(description)",
    "地址(address)",
    "纬度(lat)",
    "经度(lon)",
    "网格(grid)",
    "责任单位(owner_unit)",
    "主办部门(lead_department)",
    "处置人(handler)",
    "上报人(reporter)",
    "来源(source)",
    "阶段(stage)",
    "时限状态(time_limit_status)",
    "截止时间(due_at)",
    "上报时间(created_at)",
    "更新时间(updated_at)",
    "返工次数(rework_count)",
];

/// A cell a spreadsheet will not run as a formula, quoted where CSV needs it.
fn cell(value: &str) -> String {
    let defused =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

fn text<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn csv_row(v: &CaseView) -> String {
    let l = &v.labels;
    let cells = [
        v.number.clone(),
        v.status.to_string(),
        text(l.category.as_ref()),
        v.category_code.clone(),
        v.priority.to_string(),
        v.description.clone(),
        v.address.clone(),
        v.location.lat.to_string(),
        v.location.lon.to_string(),
        text(l.grid.as_ref()),
        text(l.owner_unit.as_ref()),
        text(l.lead_department.as_ref()),
        text(l.handler.as_ref()),
        text(l.reporter.as_ref()),
        v.source.to_string(),
        v.stage.to_string(),
        v.time_limit_status.to_string(),
        text(v.due_at.map(|t| t.to_rfc3339())),
        v.created_at.to_rfc3339(),
        v.updated_at.to_rfc3339(),
        v.rework_count.to_string(),
    ];
    let mut row = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    row.push_str("\r\n");
    row
}

fn feature(v: CaseView) -> ExportFeature {
    ExportFeature {
        type_: "Feature".into(),
        id: v.id,
        geometry: ExportPoint { type_: "Point".into(), coordinates: vec![v.location.lon, v.location.lat] },
        properties: ExportProperties {
            number: v.number,
            status: v.status,
            category_code: v.category_code,
            priority: v.priority,
            description: v.description,
            address: v.address,
            stage: v.stage,
            time_limit_status: v.time_limit_status,
            due_at: v.due_at,
            created_at: v.created_at,
            updated_at: v.updated_at,
            labels: v.labels,
        },
    }
}

/// One export in progress: where it is, and the audit entry it owes.
struct Export {
    state: web::Data<AppState>,
    principal: Principal,
    filter: CaseFilter,
    format: Format,
    rows: u64,
    started: bool,
    finished: bool,
    audit: Option<NewAuditEntry>,
}

impl Export {
    fn audit_now(&mut self, complete: bool) -> Option<NewAuditEntry> {
        let entry = self.audit.take()?;
        Some(entry.detail("rows", self.rows).detail("complete", complete))
    }

    /// The next chunk of the file, or `None` at its end.
    async fn next_chunk(&mut self) -> Option<Result<Bytes, ApiError>> {
        if self.finished {
            return None;
        }
        let mut out = String::new();
        if !self.started {
            self.started = true;
            out.push_str(match self.format {
                Format::Csv => "\u{feff}",
                Format::GeoJson => "{\"type\":\"FeatureCollection\",\"features\":[",
            });
            if self.format == Format::Csv {
                out.push_str(&COLUMNS.join(","));
                out.push_str("\r\n");
            }
        }
        let now = self.state.now();
        let page = match self.state.store.cases(&CaseScope::of(&self.principal), &self.filter, now).await {
            Ok(page) => page,
            Err(e) => return Some(Err(e.into())),
        };
        let names = self.state.reference();
        for case in &page {
            let view = case_views::case(case, &self.principal, now, &names, Crs::Wgs84);
            match self.format {
                Format::Csv => out.push_str(&csv_row(&view)),
                Format::GeoJson => {
                    if self.rows > 0 {
                        out.push(',');
                    }
                    match serde_json::to_string(&feature(view)) {
                        Ok(json) => out.push_str(&json),
                        Err(e) => return Some(Err(ApiError::Internal(e.into()))),
                    }
                }
            }
            self.rows += 1;
        }
        match page.last().filter(|_| page.len() == PAGE as usize) {
            Some(last) => self.filter.after = Some(ListCursor { key: last.created_at, id: last.id }),
            None => {
                self.finished = true;
                if self.format == Format::GeoJson {
                    out.push_str("]}");
                }
                if let Some(entry) = self.audit_now(true) {
                    if let Err(e) = self.state.store.append(entry).await {
                        return Some(Err(e.into()));
                    }
                }
            }
        }
        Some(Ok(Bytes::from(out)))
    }
}

impl Drop for Export {
    /// A download cut short is recorded too, with the rows it got.
    fn drop(&mut self) {
        if let Some(entry) = self.audit_now(false) {
            let state = self.state.clone();
            actix_web::rt::spawn(async move {
                if let Err(e) = state.store.append(entry).await {
                    tracing::warn!(error = %e, "recording an interrupted export failed");
                }
            });
        }
    }
}

async fn export(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: CaseListQuery,
    format: Format,
) -> Result<HttpResponse, ApiError> {
    let mut filter = filter_of(&state, &auth.0, &query).await?;
    filter.sort = CaseSort::Created;
    filter.after = None;
    filter.limit = PAGE;
    let audit = NewAuditEntry::new(AuditAction::CasesExported, state.now())
        .by(&auth.0)
        .detail("format", format.as_str())
        .detail("filters", req.query_string())
        .from_addr(client_addr(&req));
    let export = Export {
        state: state.clone(),
        principal: auth.0,
        filter,
        format,
        rows: 0,
        started: false,
        finished: false,
        audit: Some(audit),
    };
    let body = futures::stream::unfold(export, |mut e| async move {
        let chunk = e.next_chunk().await?;
        Some((chunk.map_err(actix_web::Error::from), e))
    });
    let (content_type, name) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "cases.csv"),
        Format::GeoJson => ("application/geo+json", "cases.geojson"),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// Export cases as CSV
///
/// Every case `GET /api/v1/cases` would list with the same filters (`cursor`, `limit` and `sort` do not
/// apply: every row, newest first), as UTF-8 CSV with a byte-order mark so that Excel shows the Chinese,
/// one header row (`编号(number)`, …), no resident's personal data, and any cell that a spreadsheet would
/// run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) prefixed with `'`. Streamed; written to
/// the audit log with the filters and the number of rows.
#[utoipa::path(
    operation_id = "export_cases_csv",
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    params(CaseListQuery),
    responses(
        (status = 200, description = "The cases as CSV", body = String, content_type = "text/csv"),
        (status = 400, description = "A bad filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/export.csv")]
pub(crate) async fn export_csv(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ValidQuery<CaseListQuery>,
) -> Result<HttpResponse, ApiError> {
    export(auth, state, req, query.parse()?, Format::Csv).await
}

/// Export cases as GeoJSON
///
/// Every case `GET /api/v1/cases` would list with the same filters (`cursor`, `limit` and `sort` do not
/// apply), as an RFC 7946 FeatureCollection of points in WGS-84 (`crs` does not apply either), with no
/// resident's personal data. Streamed; written to the audit log with the filters and the number of rows.
#[utoipa::path(
    operation_id = "export_cases_geojson",
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    params(CaseListQuery),
    responses(
        (status = 200, description = "The cases as GeoJSON", body = gridline_openapi::cases::ExportCollection, content_type = "application/geo+json"),
        (status = 400, description = "A bad filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/export.geojson")]
pub(crate) async fn export_geojson(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ValidQuery<CaseListQuery>,
) -> Result<HttpResponse, ApiError> {
    export(auth, state, req, query.parse()?, Format::GeoJson).await
}
