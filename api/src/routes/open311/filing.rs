//! `POST requests`: a 12345 hotline, a mini-program or a city's Open311
//! client files a report with an API key. The case's source is `citizen` and
//! its resident gets a tracking code (the answer's `token`). The client's own
//! ticket number (`external_ref`) files one case however often it is sent.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use futures::StreamExt;
use gridline_domain::{
    cases::{self, external_case_id, Case, Intake, NewCase, Priority, Resident, Source},
    crs::Crs,
    geo::Position,
    identity::{Actor, Principal},
    ports::WriteRecord,
    time::now,
    validation, RepoError, Taken,
};
use gridline_openapi::open311::Open311Created;
use uuid::Uuid;

use super::{
    answer::{bounded, get, pairs, Failure, Format},
    reading::check_jurisdiction,
};
use crate::{
    auth::secrets::{token_hash, API_KEY_PREFIX},
    idempotency::{self, Begin, Guard, StoredAnswer},
    placement,
    state::AppState,
};

/// A form is a few fields; a photo comes as `media_url`, never in the body.
const MAX_FORM_BYTES: usize = 64 * 1024;

pub(crate) async fn file(state: &AppState, req: &HttpRequest, payload: web::Payload, format: Format) -> HttpResponse {
    let form = match read_form(req, payload).await {
        Ok(form) => form,
        Err(e) => return format.failure(&e),
    };
    let p = match caller(state, &form).await {
        Ok(p) => p,
        Err(e) => return format.failure(&e),
    };
    let digest = ring::digest::digest(&ring::digest::SHA256, canonical(&form).as_bytes());
    let guard = match idempotency::begin(state, req, &p, digest.as_ref()).await {
        Ok(Begin::Replay(answer)) => return format.replay(answer.status, answer.body),
        Ok(Begin::Proceed(guard)) => guard,
        Err(e) => return format.failure(&e.into()),
    };
    match file_once(state, &p, &form, format, guard.as_ref()).await {
        Ok(response) => response,
        Err(e) => {
            settle(state, guard.as_ref(), format, &e).await;
            format.failure(&e)
        }
    }
}

/// A key's later replays get the refusal its first request got, in Open311's shape.
async fn settle(state: &AppState, guard: Option<&Guard>, format: Format, e: &Failure) {
    let status = e.status();
    let description = || match e {
        Failure::Open311(_, d) => d.clone(),
        Failure::Api(api) => api.problem().detail.unwrap_or_default(),
    };
    idempotency::settle_refusal(state, guard, status.as_u16(), || format.error_body(status, description())).await;
}

/// The form's fields, and `api_key` and `jurisdiction_id` from the query for
/// clients that send them there.
async fn read_form(req: &HttpRequest, mut payload: web::Payload) -> Result<Vec<(String, String)>, Failure> {
    let media = req.headers().get(actix_web::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if let Some(media) = media {
        let essence = media.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(Failure::Open311(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the request form-encoded (application/x-www-form-urlencoded)".into(),
            ));
        }
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Failure::bad("the body could not be read"))?;
        if body.len() + chunk.len() > MAX_FORM_BYTES {
            return Err(Failure::Open311(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the form is larger than {MAX_FORM_BYTES} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let mut form = pairs(&body)?;
    for (name, value) in pairs(req.query_string().as_bytes())? {
        if matches!(name.as_str(), "api_key" | "jurisdiction_id") && get(&form, &name).is_none() {
            form.push((name, value));
        }
    }
    Ok(form)
}

/// The same fields in any order are the same request.
fn canonical(form: &[(String, String)]) -> String {
    let mut fields: Vec<String> = form
        .iter()
        .filter(|(n, _)| n != "api_key")
        .map(|(n, v)| format!("{}={}", n.replace(['=', '\n'], " "), v.replace('\n', "\\n")))
        .collect();
    fields.sort();
    fields.join("\n")
}

/// Who files: the API key's principal, in the jurisdiction.
async fn caller(state: &AppState, form: &[(String, String)]) -> Result<Principal, Failure> {
    check_jurisdiction(state, get(form, "jurisdiction_id"))?;
    let key = get(form, "api_key").map(str::trim).filter(|k| !k.is_empty());
    let key = key.ok_or_else(|| Failure::bad("api_key: required to file a request"))?;
    let invalid = || {
        Failure::Open311(StatusCode::FORBIDDEN, "Invalid api_key received -- can't proceed with create_request.".into())
    };
    if !key.starts_with(API_KEY_PREFIX) || key.len() > 200 {
        return Err(invalid());
    }
    let p = state.store.api_key_principal(&token_hash(key), now()).await?.ok_or_else(invalid)?;
    if !cases::may_report(&p) {
        return Err(Failure::Open311(StatusCode::FORBIDDEN, "this api_key may not file requests".into()));
    }
    Ok(p)
}

/// A request's fields, each checked; every fault is named at once.
struct Fields {
    service_code: String,
    point: Position,
    address: String,
    description: String,
    resident: Option<Resident>,
    intake: Intake,
}

fn fields(form: &[(String, String)]) -> Result<Fields, Failure> {
    let mut faults: Vec<String> = Vec::new();
    let mut fault = |name: &str, detail: &str| faults.push(format!("{name}: {detail}"));
    let text = |name: &str, max: usize| bounded(form, name, max).map(|v| v.map(str::trim).filter(|v| !v.is_empty()));
    let service_code = text("service_code", 64)?;
    if service_code.is_none() {
        fault("service_code", "required");
    }
    let number = |name: &str, range: std::ops::RangeInclusive<f64>, fault: &mut dyn FnMut(&str, &str)| {
        match get(form, name).map(|v| v.trim().parse::<f64>()) {
            None => fault(name, "required: this server places a request by its point (lat and long)"),
            Some(Ok(v)) if v.is_finite() && range.contains(&v) => return Some(v),
            Some(_) => fault(name, &format!("must be a number from {} to {}", range.start(), range.end())),
        }
        None
    };
    let lat = number("lat", -90.0..=90.0, &mut fault);
    let long = number("long", -180.0..=180.0, &mut fault);
    let crs = match get(form, "crs") {
        None => Some(Crs::Wgs84),
        Some(raw) => {
            let crs = Crs::parse(raw.trim());
            if crs.is_none() {
                fault("crs", "wgs84, gcj02 or bd09");
            }
            crs
        }
    };
    let address = text("address_string", 200)?.map(|a| validation::line(a, 200)).transpose();
    let address = address.unwrap_or_else(|e| {
        fault("address_string", e);
        None
    });
    let description = match text("description", 4000)? {
        Some(d) => Some(d.to_owned()),
        None => {
            fault("description", "required: what the problem is");
            None
        }
    };
    let names: Vec<&str> = [text("last_name", 50)?, text("first_name", 50)?].into_iter().flatten().collect();
    let name = match names.as_slice() {
        [] => None,
        // 姓名 run together; Latin names keep their order and a space.
        [last, first] if !(last.is_ascii() && first.is_ascii()) => Some(format!("{last}{first}")),
        [last, first] => Some(format!("{first} {last}")),
        [one] => Some((*one).to_owned()),
        _ => None,
    };
    if name.as_deref().is_some_and(|n| n.contains(['\t', '\n', '\r'])) {
        fault("first_name/last_name", "must be one line");
    }
    let phone = text("phone", 32)?.map(validation::phone).transpose().unwrap_or_else(|e| {
        fault("phone", e);
        None
    });
    let email = text("email", 254)?.map(validation::email).transpose().unwrap_or_else(|e| {
        fault("email", e);
        None
    });
    let media_url = text("media_url", 2000)?;
    if media_url.is_some_and(|u| {
        let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://")).unwrap_or_default();
        rest.is_empty() || rest.contains(char::is_whitespace)
    }) {
        fault("media_url", "must be an http or https URL");
    }
    let external_ref = text("external_ref", 100)?;
    if external_ref.is_some_and(|r| r.contains(['\t', '\n', '\r'])) {
        fault("external_ref", "must be one line");
    }
    if !faults.is_empty() {
        return Err(Failure::bad(faults.join("; ")));
    }
    let (Some(service_code), Some(lat), Some(long), Some(crs), Some(description)) =
        (service_code, lat, long, crs, description)
    else {
        return Err(Failure::bad("the request is incomplete"));
    };
    let resident = (name.is_some() || phone.is_some() || email.is_some()).then(|| Resident {
        name: name.unwrap_or_default(),
        phone,
        email,
    });
    Ok(Fields {
        service_code: service_code.to_owned(),
        point: crs.to_wgs84(Position { lat, lon: long }),
        address: address.unwrap_or_default(),
        description,
        resident,
        intake: Intake { external_ref: external_ref.map(Into::into), media_url: media_url.map(Into::into) },
    })
}

fn key_id(p: &Principal) -> Option<Uuid> {
    match &p.actor {
        Actor::ApiKey { id, .. } => Some(*id),
        Actor::User { .. } => None,
    }
}

async fn file_once(
    state: &AppState,
    p: &Principal,
    form: &[(String, String)],
    format: Format,
    guard: Option<&Guard>,
) -> Result<HttpResponse, Failure> {
    let fields = fields(form)?;
    let category = match state.category(&fields.service_code).await? {
        Some(c) if c.active && c.public => c,
        _ => return Err(Failure::bad(format!("service_code: no such service: {}", fields.service_code))),
    };
    let id = match (&fields.intake.external_ref, key_id(p)) {
        (Some(reference), Some(key)) => external_case_id(key, reference),
        _ => Uuid::now_v7(),
    };
    if fields.intake.external_ref.is_some() {
        if let Some(first) = state.store.case(id).await? {
            return answered(&first, format, StatusCode::OK, guard, state).await;
        }
    }
    let grid = placement::report_grid(state, p, None, fields.point).await?;
    if cases::default_source(p, &grid) == Source::GridWorker {
        return Err(Failure::Open311(
            StatusCode::FORBIDDEN,
            "this api_key reports as a grid worker here; file Open311 requests with a key of the dispatcher role"
                .into(),
        ));
    }
    let new = NewCase {
        id,
        category_code: category.code.clone(),
        priority: Priority::Normal,
        description: fields.description,
        location: fields.point,
        address: fields.address,
        grid_id: Some(grid.id),
        source: Source::Citizen,
        resident: fields.resident,
        resolved_on_site: None,
        intake: fields.intake,
    };
    let outcome = crate::routes::cases::draft(state, p, new, &category, &grid, "/location").await?;
    let body = created_body(&outcome.case, format);
    let answer = StoredAnswer { status: 201, body };
    let record = WriteRecord { key: guard.map(|g| (g.key.clone(), answer.receipt())), report: None };
    match state.store.create_case(&outcome, &record).await {
        Ok(_) => Ok(format.fresh(StatusCode::CREATED, answer.body)),
        // The same ticket number sent at once through another node: that one filed it.
        Err(RepoError::Duplicate(Taken::CaseId)) if outcome.case.intake.external_ref.is_some() => {
            let first = state.store.case(id).await?.ok_or(Failure::Api(crate::error::ApiError::NotFound))?;
            answered(&first, format, StatusCode::OK, guard, state).await
        }
        Err(e) => Err(e.into()),
    }
}

fn created_body(c: &Case, format: Format) -> String {
    let created = [Open311Created {
        service_request_id: c.number.clone(),
        token: c.tracking_code.clone().unwrap_or_default(),
        service_notice: None,
        account_id: None,
    }];
    match format {
        Format::Json => serde_json::to_string(&created).unwrap_or_default(),
        Format::Xml => gridline_openapi::open311::xml_list("service_requests", &created),
    }
}

/// The answer to a ticket number filed before, kept for the key too.
async fn answered(
    c: &Case,
    format: Format,
    status: StatusCode,
    guard: Option<&Guard>,
    state: &AppState,
) -> Result<HttpResponse, Failure> {
    let body = created_body(c, format);
    if let Some(guard) = guard {
        let answer = StoredAnswer { status: status.as_u16(), body: body.clone() };
        state.store.complete_key(&guard.key, &answer.receipt(), now()).await?;
    }
    Ok(format.fresh(status, body))
}
