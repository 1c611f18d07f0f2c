//! What anyone may read through Open311: the services (public categories),
//! and the cases of public categories, without a name, phone, e-mail, staff
//! member or internal note in them.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use gridline_domain::{
    cases::{open311_status, scrub, Case, CaseScope, CaseStatus, Category, TrackingCode},
    ports::{CaseFilter, CaseSort, ListCursor},
};
use gridline_openapi::open311::{
    Open311Discovery, Open311Endpoint, Open311Request, Open311Service, Open311ServiceDefinition, Open311Token,
};

use super::answer::{bounded, get, Failure};
use crate::{reference_data::ReferenceData, state::AppState};

/// The most requests one answer lists, and the longest span it covers.
pub(crate) const MAX_REQUESTS: u32 = 1000;
const WINDOW_DAYS: i64 = 90;

/// `jurisdiction_id`, when sent, names this district.
pub(crate) fn check_jurisdiction(state: &AppState, sent: Option<&str>) -> Result<(), Failure> {
    let Some(sent) = sent else { return Ok(()) };
    if sent.chars().count() > 64 {
        return Err(Failure::bad("jurisdiction_id: at most 64 characters"));
    }
    if sent == jurisdiction(state) {
        Ok(())
    } else {
        Err(Failure::not_found("jurisdiction_id not found"))
    }
}

/// `GRIDLINE_OPEN311_JURISDICTION`, else the district's code.
pub(crate) fn jurisdiction(state: &AppState) -> String {
    state.open311_jurisdiction.clone().unwrap_or_else(|| {
        state.reference().units().find(|u| u.parent_id.is_none()).map(|u| u.code.clone()).unwrap_or_default()
    })
}

/// The categories offered: active and public, in catalog order.
pub(crate) fn services(names: &ReferenceData) -> Vec<Open311Service> {
    names.categories().filter(|c| c.active && c.public).map(|c| service(c, names)).collect()
}

fn service(c: &Category, names: &ReferenceData) -> Open311Service {
    let group = c.parent_code.as_deref().and_then(|p| names.category(p)).unwrap_or(c);
    let mut keywords = vec![c.name_zh.clone(), c.name_en.clone()];
    if group.code != c.code {
        keywords.extend([group.name_zh.clone(), group.name_en.clone()]);
    }
    Open311Service {
        service_code: c.code.clone(),
        service_name: c.name_zh.clone(),
        description: c.name_en.clone(),
        metadata: false,
        type_: "realtime".into(),
        keywords: keywords.join(","),
        group: group.name_zh.clone(),
    }
}

pub(crate) fn service_definition(names: &ReferenceData, code: &str) -> Result<Open311ServiceDefinition, Failure> {
    match names.category(code) {
        Some(c) if c.active && c.public => {
            Ok(Open311ServiceDefinition { service_code: c.code.clone(), attributes: Vec::new() })
        }
        _ => Err(Failure::not_found("service_code not found")),
    }
}

/// A W3C date-time in the district's time zone.
fn w3c(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).to_rfc3339_opts(SecondsFormat::Secs, false)
}

pub(crate) fn request(c: &Case, names: &ReferenceData) -> Open311Request {
    let tz = names.calendar().time_zone;
    let address = scrub(&c.address, c.resident.as_ref());
    Open311Request {
        service_request_id: c.number.clone(),
        status: open311_status(c.status).into(),
        status_notes: Some(c.status.as_str().into()),
        service_name: names.category(&c.category_code).map(|cat| cat.name_zh.clone()),
        service_code: c.category_code.clone(),
        description: Some(scrub(&c.description, c.resident.as_ref())),
        agency_responsible: c.lead_department_id.and_then(|id| names.department(id)).map(|d| d.name.clone()),
        service_notice: None,
        requested_datetime: w3c(c.created_at, tz),
        updated_datetime: w3c(c.updated_at, tz),
        expected_datetime: c.due_at.map(|at| w3c(at, tz)),
        address: (!address.trim().is_empty()).then_some(address),
        address_id: None,
        zipcode: None,
        lat: c.location.lat,
        long: c.location.lon,
        media_url: c.intake.media_url.clone(),
    }
}

/// Every case is in view; only public categories' are listed.
fn public_filter(names: &ReferenceData) -> CaseFilter {
    let codes: Vec<String> = names.categories().filter(|c| c.public).map(|c| c.code.clone()).collect();
    CaseFilter { nothing: codes.is_empty(), category_codes: codes, sort: CaseSort::Created, ..CaseFilter::default() }
}

fn everyone() -> CaseScope {
    CaseScope { all: true, ..CaseScope::default() }
}

/// `GET requests`: by number, or by service, time and status.
pub(crate) async fn requests(state: &AppState, query: &[(String, String)]) -> Result<Vec<Open311Request>, Failure> {
    let names = state.reference();
    let mut filter = public_filter(&names);
    filter.limit = MAX_REQUESTS;
    if let Some(ids) = bounded(query, "service_request_id", 20_000)? {
        let numbers: Vec<String> = ids.split(',').map(str::trim).filter(|n| !n.is_empty()).map(Into::into).collect();
        if numbers.is_empty() || numbers.len() > MAX_REQUESTS as usize {
            return Err(Failure::bad("service_request_id: 1 to 1000 case numbers, comma-separated"));
        }
        filter.numbers = numbers;
    } else {
        if let Some(codes) = bounded(query, "service_code", 2000)? {
            let wanted: Vec<&str> = codes.split(',').map(str::trim).filter(|c| !c.is_empty()).collect();
            if wanted.is_empty() {
                return Err(Failure::bad("service_code: one or more service codes, comma-separated"));
            }
            if let Some(unknown) = wanted.iter().find(|w| !filter.category_codes.iter().any(|c| c == *w)) {
                return Err(Failure::bad(format!("service_code: no such service: {unknown}")));
            }
            filter.category_codes = wanted.into_iter().map(Into::into).collect();
        }
        let tz = names.calendar().time_zone;
        let (from, to) = window(get(query, "start_date"), get(query, "end_date"), state.now(), tz)?;
        filter.created_after = Some(from);
        filter.created_before = Some(to);
        if let Some(status) = get(query, "status") {
            filter.statuses = statuses(status)?;
        }
    }
    // The store answers pages of at most 500: the rest follows the last one.
    let mut found: Vec<Case> = Vec::new();
    loop {
        filter.limit = (MAX_REQUESTS - found.len() as u32).min(PAGE);
        let page = state.store.cases(&everyone(), &filter, state.now()).await?;
        let more = page.len() as u32 == filter.limit;
        found.extend(page);
        match found.last() {
            Some(last) if more && found.len() < MAX_REQUESTS as usize => {
                filter.after = Some(ListCursor { key: last.created_at, id: last.id });
            }
            _ => break,
        }
    }
    Ok(found.iter().map(|c| request(c, &names)).collect())
}

/// The most cases the store gives in one page.
const PAGE: u32 = 500;

/// One request by its case number.
pub(crate) async fn one_request(state: &AppState, number: &str) -> Result<Open311Request, Failure> {
    let names = state.reference();
    let filter = CaseFilter { numbers: vec![number.to_owned()], limit: 1, ..public_filter(&names) };
    let found = state.store.cases(&everyone(), &filter, state.now()).await?;
    found.first().map(|c| request(c, &names)).ok_or_else(|| Failure::not_found("service_request_id not found"))
}

/// The request a resident's tracking code stands for.
pub(crate) async fn token(state: &AppState, raw: &str) -> Result<Open311Token, Failure> {
    let missing = || Failure::not_found("token not found");
    let code = TrackingCode::parse(raw).ok_or_else(missing)?;
    let case = state.store.case_by_tracking_code(code.as_str()).await?.ok_or_else(missing)?;
    let public = state.reference().category(&case.category_code).is_some_and(|c| c.public);
    if !public {
        return Err(missing());
    }
    Ok(Open311Token { service_request_id: case.number, token: code.to_string() })
}

/// `open` and `closed` as Gridline's statuses.
fn statuses(raw: &str) -> Result<Vec<CaseStatus>, Failure> {
    let mut out = Vec::new();
    for word in raw.split(',').map(str::trim) {
        let finals = match word {
            "open" => false,
            "closed" => true,
            _ => return Err(Failure::bad("status: open or closed, comma-separated")),
        };
        out.extend(CaseStatus::ALL.into_iter().filter(|s| s.is_final() == finals));
    }
    Ok(out)
}

/// The span asked for: at most 90 days; the last 90 without either end; a
/// missing end 90 days from the other.
fn window(
    start: Option<&str>,
    end: Option<&str>,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<(DateTime<Utc>, DateTime<Utc>), Failure> {
    let span = Duration::days(WINDOW_DAYS);
    let start = start.map(|s| moment(s, tz, false).ok_or_else(|| bad_date("start_date"))).transpose()?;
    let end = end.map(|s| moment(s, tz, true).ok_or_else(|| bad_date("end_date"))).transpose()?;
    let (from, to) = match (start, end) {
        (Some(from), Some(to)) => (from, to),
        (Some(from), None) => (from, from + span),
        (None, Some(to)) => (to - span, to),
        (None, None) => (now + Duration::seconds(1) - span, now + Duration::seconds(1)),
    };
    if to <= from {
        return Err(Failure::bad("end_date must be after start_date"));
    }
    if to - from > span {
        return Err(Failure::bad("start_date and end_date may not be more than 90 days apart"));
    }
    Ok((from, to))
}

fn bad_date(name: &str) -> Failure {
    Failure::bad(format!("{name}: a W3C date-time such as 2026-12-01T00:00:00+08:00, or a date such as 2026-12-01"))
}

/// A W3C date-time, or a date in the district's time zone (its start, or
/// for an end, the start of the next day).
fn moment(raw: &str, tz: Tz, end: bool) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some(at.with_timezone(&Utc));
    }
    // W3C also allows minutes without seconds.
    if let Ok(at) = DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M%:z") {
        return Some(at.with_timezone(&Utc));
    }
    if let Some(bare) = raw.strip_suffix('Z') {
        if let Ok(at) = chrono::NaiveDateTime::parse_from_str(bare, "%Y-%m-%dT%H:%M") {
            return Some(at.and_utc());
        }
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()?;
    let date = if end { date.succ_opt()? } else { date };
    tz.from_local_datetime(&date.and_time(NaiveTime::MIN)).earliest().map(|at| at.with_timezone(&Utc))
}

/// Where clients find this API: `GRIDLINE_PUBLIC_URL`, else the address the
/// request came to.
pub(crate) fn discovery(state: &AppState, req: &actix_web::HttpRequest) -> Open311Discovery {
    let base = state.public_url.clone().unwrap_or_else(|| {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    });
    // The contract changes with the build; its start is the changeset a client compares.
    let changeset = w3c(*STARTED, state.reference().calendar().time_zone);
    Open311Discovery {
        changeset: changeset.clone(),
        contact: format!("{base}/docs"),
        key_service: format!("{base}/api/v1/api-keys (an administrator issues keys)"),
        endpoints: vec![Open311Endpoint {
            specification: "http://wiki.open311.org/GeoReport_v2".into(),
            url: format!("{base}/open311/v2"),
            changeset,
            type_: "production".into(),
            formats: vec!["application/json".into(), "text/xml".into()],
        }],
    }
}

static STARTED: std::sync::LazyLock<DateTime<Utc>> = std::sync::LazyLock::new(|| {
    let now = Utc::now();
    now - Duration::nanoseconds(i64::from(chrono::Timelike::nanosecond(&now)))
});
