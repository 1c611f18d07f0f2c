//! Open311 GeoReport v2 under `/open311/v2/`, in JSON and XML, as the
//! specification has it: each operation twice, one per format, so that a
//! client generator or a fuzzer may take the one it reads.

mod answer;
mod filing;
mod reading;

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use gridline_openapi::open311::{
    Open311Created, Open311Discovery, Open311Error, Open311Jurisdiction, Open311NewRequest, Open311Request,
    Open311RequestsQuery, Open311Service, Open311ServiceDefinition, Open311Token,
};

use answer::{bounded, pairs, Failure, Format};
use reading::check_jurisdiction;

use crate::state::AppState;

/// The query's parameters, the limit per address and the jurisdiction, checked.
fn admitted(state: &AppState, req: &HttpRequest) -> Result<Vec<(String, String)>, Failure> {
    answer::limited(state, req)?;
    let query = pairs(req.query_string().as_bytes())?;
    check_jurisdiction(state, bounded(&query, "jurisdiction_id", 64)?)?;
    Ok(query)
}

/// The same for everyone and slow to change (services, discovery): shared
/// caches may keep it a minute. Requests change as staff work: revalidate.
/// A token is one resident's key: nothing shared keeps it.
const STABLE: &str = "public, max-age=60";
const CHANGING: &str = "public, no-cache";
const PERSONAL: &str = "private, no-cache";

fn cached(mut response: HttpResponse, policy: &'static str) -> HttpResponse {
    if response.status().is_success() {
        response
            .headers_mut()
            .insert(actix_web::http::header::CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static(policy));
    }
    response
}

fn path_part<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.match_info().get(name).unwrap_or_default()
}

async fn discovery(state: &AppState, req: &HttpRequest, format: Format) -> HttpResponse {
    match admitted(state, req) {
        Ok(_) => cached(format.one(&reading::discovery(state, req)), STABLE),
        Err(e) => format.failure(&e),
    }
}

async fn services(state: &AppState, req: &HttpRequest, format: Format) -> HttpResponse {
    match admitted(state, req) {
        Ok(_) => cached(
            format.list(actix_web::http::StatusCode::OK, "services", &reading::services(&state.reference())),
            STABLE,
        ),
        Err(e) => format.failure(&e),
    }
}

async fn service_definition(state: &AppState, req: &HttpRequest, format: Format) -> HttpResponse {
    let found = admitted(state, req)
        .and_then(|_| reading::service_definition(&state.reference(), path_part(req, "service_code")));
    match found {
        Ok(definition) => cached(format.one(&definition), STABLE),
        Err(e) => format.failure(&e),
    }
}

/// A list of requests (or of one), or the refusal.
fn requests_answer<T: serde::Serialize + gridline_openapi::open311::ToXml>(
    format: Format,
    found: Result<Vec<T>, Failure>,
) -> HttpResponse {
    match found {
        Ok(items) => format.list(actix_web::http::StatusCode::OK, "service_requests", &items),
        Err(e) => format.failure(&e),
    }
}

async fn requests(state: &AppState, req: &HttpRequest, format: Format) -> HttpResponse {
    let found = match admitted(state, req) {
        Ok(query) => reading::requests(state, &query).await,
        Err(e) => Err(e),
    };
    cached(requests_answer(format, found), CHANGING)
}

async fn request(state: &AppState, req: &HttpRequest, format: Format) -> HttpResponse {
    let found = match admitted(state, req) {
        Ok(_) => reading::one_request(state, path_part(req, "service_request_id")).await.map(|r| vec![r]),
        Err(e) => Err(e),
    };
    cached(requests_answer(format, found), CHANGING)
}

async fn token(state: &AppState, req: &HttpRequest, format: Format) -> HttpResponse {
    let found = match admitted(state, req) {
        Ok(_) => reading::token(state, path_part(req, "token")).await.map(|t| vec![t]),
        Err(e) => Err(e),
    };
    cached(requests_answer(format, found), PERSONAL)
}

async fn create(state: &AppState, req: &HttpRequest, payload: web::Payload, format: Format) -> HttpResponse {
    if let Err(e) = answer::limited(state, req) {
        return format.failure(&e);
    }
    filing::file(state, req, payload, format).await
}

/// Open311: discovery (JSON)
///
/// Where this server's Open311 API is and what it speaks: the endpoint's URL (from `GRIDLINE_PUBLIC_URL`, else
/// the address the request came to), the specification, and the two formats. `jurisdiction_id`, when sent, must
/// be the district's (`GRIDLINE_OPEN311_JURISDICTION`, default the district's code), else 404.
#[utoipa::path(
    operation_id = "open311_discovery_json",
    tag = "open311",
    params(Open311Jurisdiction),
    responses(
        (status = 200, description = "The discovery document", body = Open311Discovery),
        (status = 404, description = "Another jurisdiction", body = [Open311Error]),
    )
)]
#[get("/open311/v2/discovery.json")]
pub(crate) async fn discovery_json(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    discovery(&state, &req, Format::Json).await
}

/// Open311: discovery (XML)
///
/// `open311_discovery_json` in XML: `<discovery>` with `<endpoints><endpoint>…` and `<formats><format>…`.
#[utoipa::path(
    operation_id = "open311_discovery_xml",
    tag = "open311",
    params(Open311Jurisdiction),
    responses(
        (status = 200, description = "The discovery document", body = String, content_type = "text/xml"),
        (status = 404, description = "Another jurisdiction", body = String, content_type = "text/xml"),
    )
)]
#[get("/open311/v2/discovery.xml")]
pub(crate) async fn discovery_xml(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    discovery(&state, &req, Format::Xml).await
}

/// Open311: the services (JSON)
///
/// The request types a client may file: every active category marked `public`, with its Chinese name as
/// `service_name`, its English name as `description`, and its 大类's Chinese name as `group`. `metadata` is always
/// `false` (no service asks for attributes) and `type` always `realtime`.
#[utoipa::path(
    operation_id = "open311_services_json",
    tag = "open311",
    params(Open311Jurisdiction),
    responses(
        (status = 200, description = "The services", body = [Open311Service]),
        (status = 404, description = "Another jurisdiction", body = [Open311Error]),
    )
)]
#[get("/open311/v2/services.json")]
pub(crate) async fn services_json(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    services(&state, &req, Format::Json).await
}

/// Open311: the services (XML)
///
/// `open311_services_json` in XML: `<services>` of `<service>` elements.
#[utoipa::path(
    operation_id = "open311_services_xml",
    tag = "open311",
    params(Open311Jurisdiction),
    responses(
        (status = 200, description = "The services", body = String, content_type = "text/xml"),
        (status = 404, description = "Another jurisdiction", body = String, content_type = "text/xml"),
    )
)]
#[get("/open311/v2/services.xml")]
pub(crate) async fn services_xml(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    services(&state, &req, Format::Xml).await
}

/// Open311: a service's definition (JSON)
///
/// A service's attributes: none (`metadata` is `false` for every service), so `attributes` is empty. 404 for a
/// code that is not a public, active category.
#[utoipa::path(
    operation_id = "open311_service_definition_json",
    tag = "open311",
    params(("service_code" = String, Path, description = "The service's code", max_length = 64), Open311Jurisdiction),
    responses(
        (status = 200, description = "The definition", body = Open311ServiceDefinition),
        (status = 404, description = "No such service, or another jurisdiction", body = [Open311Error]),
    )
)]
#[get("/open311/v2/services/{service_code}.json")]
pub(crate) async fn service_definition_json(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    service_definition(&state, &req, Format::Json).await
}

/// Open311: a service's definition (XML)
///
/// `open311_service_definition_json` in XML: `<service_definition>`.
#[utoipa::path(
    operation_id = "open311_service_definition_xml",
    tag = "open311",
    params(("service_code" = String, Path, description = "The service's code", max_length = 64), Open311Jurisdiction),
    responses(
        (status = 200, description = "The definition", body = String, content_type = "text/xml"),
        (status = 404, description = "No such service, or another jurisdiction", body = String, content_type = "text/xml"),
    )
)]
#[get("/open311/v2/services/{service_code}.xml")]
pub(crate) async fn service_definition_xml(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    service_definition(&state, &req, Format::Xml).await
}

/// Open311: find requests (JSON)
///
/// Cases of public categories, newest first, at most 1000: by `service_request_id` (case numbers, which override
/// every other filter), else reported within `start_date`..`end_date` (at most 90 days apart; by default the last
/// 90 days), of `service_code` and `status`. `open` is every status from `reported` to `resolved`; `closed` is
/// `closed`, `rejected` and `cancelled`, which `status_notes` tells apart. No names, phones or e-mails, no
/// internal notes, no staff: `agency_responsible` is the lead department, and the description has names, phone
/// numbers and e-mail addresses replaced by `***`.
#[utoipa::path(
    operation_id = "open311_requests_json",
    tag = "open311",
    params(Open311RequestsQuery),
    responses(
        (status = 200, description = "The requests", body = [Open311Request]),
        (status = 400, description = "A filter that is not valid: a date, a status, a span over 90 days, an unknown service", body = [Open311Error]),
        (status = 404, description = "Another jurisdiction", body = [Open311Error]),
    )
)]
#[get("/open311/v2/requests.json")]
pub(crate) async fn requests_json(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    requests(&state, &req, Format::Json).await
}

/// Open311: find requests (XML)
///
/// `open311_requests_json` in XML: `<service_requests>` of `<request>` elements.
#[utoipa::path(
    operation_id = "open311_requests_xml",
    tag = "open311",
    params(Open311RequestsQuery),
    responses(
        (status = 200, description = "The requests", body = String, content_type = "text/xml"),
        (status = 400, description = "A filter that is not valid", body = String, content_type = "text/xml"),
        (status = 404, description = "Another jurisdiction", body = String, content_type = "text/xml"),
    )
)]
#[get("/open311/v2/requests.xml")]
pub(crate) async fn requests_xml(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    requests(&state, &req, Format::Xml).await
}

/// Open311: file a request (JSON)
///
/// A report from outside, form-encoded as the specification says, with a Gridline API key (`api_key`, in the form
/// or the query) whose role may report where the point lies: a public service, `lat`/`long` (in `crs`, default
/// WGS-84; this server has no geocoder, so a point is required), a description, and optionally the address, a
/// photo's URL (kept as given, never fetched) and the resident's name, phone and e-mail (kept for a call back, never
/// published). The case gets the source `citizen`; the answer carries the case number as `service_request_id` and
/// the resident's tracking code as `token`. The same `external_ref` from the same key answers the request first
/// filed under it (200) instead of filing another; an `Idempotency-Key` replays the first answer. Errors: 400 for
/// a field at fault (each named), 403 for a key that is not valid or may not report there.
#[utoipa::path(
    operation_id = "open311_create_request_json",
    tag = "open311",
    params(Open311Jurisdiction),
    request_body(content = Open311NewRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 201, description = "Filed", body = [Open311Created]),
        (status = 200, description = "Filed before under this `external_ref`: that request", body = [Open311Created]),
        (status = 400, description = "Fields at fault, each named", body = [Open311Error]),
        (status = 403, description = "The api_key is not valid, or may not report at this point", body = [Open311Error]),
        (status = 404, description = "Another jurisdiction", body = [Open311Error]),
    )
)]
#[post("/open311/v2/requests.json")]
pub(crate) async fn create_request_json(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    create(&state, &req, payload, Format::Json).await
}

/// Open311: file a request (XML)
///
/// `open311_create_request_json` answering in XML: `<service_requests><request>` with `service_request_id` and
/// `token`.
#[utoipa::path(
    operation_id = "open311_create_request_xml",
    tag = "open311",
    params(Open311Jurisdiction),
    request_body(content = Open311NewRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 201, description = "Filed", body = String, content_type = "text/xml"),
        (status = 200, description = "Filed before under this `external_ref`: that request", body = String, content_type = "text/xml"),
        (status = 400, description = "Fields at fault, each named", body = String, content_type = "text/xml"),
        (status = 403, description = "The api_key is not valid, or may not report at this point", body = String, content_type = "text/xml"),
        (status = 404, description = "Another jurisdiction", body = String, content_type = "text/xml"),
    )
)]
#[post("/open311/v2/requests.xml")]
pub(crate) async fn create_request_xml(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    create(&state, &req, payload, Format::Xml).await
}

/// Open311: one request (JSON)
///
/// One case of a public category by its number, as `open311_requests_json` shows it, in a list of one as the
/// specification has it. 404 for an unknown number and for a case of a category that is not public.
#[utoipa::path(
    operation_id = "open311_request_json",
    tag = "open311",
    params(("service_request_id" = String, Path, description = "The case number", max_length = 64), Open311Jurisdiction),
    responses(
        (status = 200, description = "The request", body = [Open311Request]),
        (status = 404, description = "No such public request, or another jurisdiction", body = [Open311Error]),
    )
)]
#[get("/open311/v2/requests/{service_request_id}.json")]
pub(crate) async fn request_json(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    request(&state, &req, Format::Json).await
}

/// Open311: one request (XML)
///
/// The same as `open311_request_json`, answered in XML: `<service_requests>` around one `<request>`, each field an
/// element, an absent one empty.
#[utoipa::path(
    operation_id = "open311_request_xml",
    tag = "open311",
    params(("service_request_id" = String, Path, description = "The case number", max_length = 64), Open311Jurisdiction),
    responses(
        (status = 200, description = "The request", body = String, content_type = "text/xml"),
        (status = 404, description = "No such public request, or another jurisdiction", body = String, content_type = "text/xml"),
    )
)]
#[get("/open311/v2/requests/{service_request_id}.xml")]
pub(crate) async fn request_xml(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    request(&state, &req, Format::Xml).await
}

/// Open311: the request of a token (JSON)
///
/// The case number a token (the resident's tracking code, as the create answer gave it) stands for. The token is
/// read as typed: any case, hyphens ignored. 404 for an unknown or malformed token alike.
#[utoipa::path(
    operation_id = "open311_token_json",
    tag = "open311",
    params(("token" = String, Path, description = "The token", max_length = 64), Open311Jurisdiction),
    responses(
        (status = 200, description = "The request it stands for", body = [Open311Token]),
        (status = 404, description = "No such token, or another jurisdiction", body = [Open311Error]),
    )
)]
#[get("/open311/v2/tokens/{token}.json")]
pub(crate) async fn token_json(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    token(&state, &req, Format::Json).await
}

/// Open311: the request of a token (XML)
///
/// The same as `open311_token_json`, answered in XML: `<service_requests><request>` with `service_request_id`
/// and `token`.
#[utoipa::path(
    operation_id = "open311_token_xml",
    tag = "open311",
    params(("token" = String, Path, description = "The token", max_length = 64), Open311Jurisdiction),
    responses(
        (status = 200, description = "The request it stands for", body = String, content_type = "text/xml"),
        (status = 404, description = "No such token, or another jurisdiction", body = String, content_type = "text/xml"),
    )
)]
#[get("/open311/v2/tokens/{token}.xml")]
pub(crate) async fn token_xml(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    token(&state, &req, Format::Xml).await
}
