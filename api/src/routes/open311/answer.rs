//! Open311's two formats and its own error shape: a list of
//! `{"code", "description"}` with the HTTP status as `code`, never an RFC 9457
//! problem (a client written for the specification reads only that).

use actix_web::{
    http::{header, StatusCode},
    HttpRequest, HttpResponse, ResponseError,
};
use gridline_openapi::open311::{xml_list, xml_one, Open311Error, ToXml};
use serde::Serialize;

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Xml,
}

impl Format {
    fn media_type(self) -> &'static str {
        match self {
            Self::Json => "application/json; charset=utf-8",
            Self::Xml => "text/xml; charset=utf-8",
        }
    }

    /// A list, as `[…]` or `<root><item/>…</root>`.
    pub(crate) fn list<T: Serialize + ToXml>(self, status: StatusCode, root: &str, items: &[T]) -> HttpResponse {
        let body = match self {
            Self::Json => serde_json::to_string(items).unwrap_or_default(),
            Self::Xml => xml_list(root, items),
        };
        HttpResponse::build(status).content_type(self.media_type()).body(body)
    }

    /// One object, as `{…}` or `<item>…</item>`.
    pub(crate) fn one<T: Serialize + ToXml>(self, item: &T) -> HttpResponse {
        let body = match self {
            Self::Json => serde_json::to_string(item).unwrap_or_default(),
            Self::Xml => xml_one(item),
        };
        HttpResponse::Ok().content_type(self.media_type()).body(body)
    }

    /// A body made for this request.
    pub(crate) fn fresh(self, status: StatusCode, body: String) -> HttpResponse {
        HttpResponse::build(status).content_type(self.media_type()).body(body)
    }

    /// An answer kept for a replay (`Idempotency-Key`), given again as first given.
    pub(crate) fn replay(self, status: u16, body: String) -> HttpResponse {
        HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
            .content_type(self.media_type())
            .insert_header(("Idempotent-Replayed", "true"))
            .body(body)
    }

    /// The error body alone, as kept for a replay.
    pub(crate) fn error_body(self, status: StatusCode, description: String) -> String {
        let errors = [Open311Error { code: status.as_u16(), description }];
        match self {
            Self::Json => serde_json::to_string(&errors).unwrap_or_default(),
            Self::Xml => xml_list("errors", &errors),
        }
    }

    /// A refusal in Open311's shape, with what the same refusal carries
    /// elsewhere (`Retry-After`, the log line of a server error).
    pub(crate) fn failure(self, err: &Failure) -> HttpResponse {
        let (status, description) = match err {
            Failure::Api(e) => (open311_status(e), describe(e)),
            Failure::Open311(status, description) => (*status, description.clone()),
        };
        let mut response = HttpResponse::build(status);
        if let Failure::Api(e) = err {
            // Logs a server error's cause once and carries its headers.
            let usual = e.error_response();
            for (name, value) in usual.headers() {
                if name != header::CONTENT_TYPE && name != header::WWW_AUTHENTICATE {
                    response.insert_header((name.clone(), value.clone()));
                }
            }
        }
        let mut response = response.content_type(self.media_type()).body(self.error_body(status, description));
        response.extensions_mut().insert(crate::middleware::OwnShape);
        response
    }
}

/// Why an Open311 request is refused.
#[derive(Debug)]
pub(crate) enum Failure {
    /// As the rest of the API would refuse it.
    Api(ApiError),
    /// In Open311's own words.
    Open311(StatusCode, String),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<gridline_domain::RepoError> for Failure {
    fn from(e: gridline_domain::RepoError) -> Self {
        Self::Api(e.into())
    }
}

impl Failure {
    pub(crate) fn bad(description: impl Into<String>) -> Self {
        Self::Open311(StatusCode::BAD_REQUEST, description.into())
    }

    pub(crate) fn not_found(description: impl Into<String>) -> Self {
        Self::Open311(StatusCode::NOT_FOUND, description.into())
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Api(e) => open311_status(e),
            Self::Open311(status, _) => *status,
        }
    }
}

/// Open311 names a bad field 400, where the rest of the API says 422.
fn open311_status(e: &ApiError) -> StatusCode {
    match e.status_code() {
        StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
        other => other,
    }
}

/// The problem's words, each field at fault named as the form names it.
fn describe(e: &ApiError) -> String {
    let problem = e.problem();
    let mut text = problem.detail.unwrap_or(problem.title);
    for f in &problem.errors {
        let field = f.parameter.clone().or_else(|| f.pointer.as_ref().map(|p| form_field(p))).unwrap_or_default();
        text.push_str(&format!("; {field}: {}", f.detail));
    }
    text
}

/// A JSON pointer of the report the form was read into, as the form's field.
fn form_field(pointer: &str) -> String {
    match pointer {
        "/location" | "/location/lat" | "/location/lon" | "/grid_id" => "lat/long".into(),
        "/category_code" => "service_code".into(),
        "/address" => "address_string".into(),
        "/resident/name" => "first_name/last_name".into(),
        "/resident/phone" => "phone".into(),
        "/resident/email" => "email".into(),
        other => other.trim_start_matches('/').replace('/', "."),
    }
}

/// The parameters of a query or form, each once (the last one sent wins),
/// refused with the parameter named when it holds a character no text may.
pub(crate) fn pairs(encoded: &[u8]) -> Result<Vec<(String, String)>, Failure> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in form_urlencoded::parse(encoded) {
        // A name is repeated in the answer only when it is harmless to repeat.
        if let Some(fault) = crate::extract::hostile::fault(&name) {
            return Err(Failure::bad(format!("a parameter's name {fault}")));
        }
        if let Some(fault) = crate::extract::hostile::fault(&value) {
            return Err(Failure::bad(format!("{name}: {fault}")));
        }
        out.retain(|(n, _)| n.as_str() != name);
        out.push((name.into_owned(), value.into_owned()));
    }
    Ok(out)
}

pub(crate) fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// A parameter of at most `max` characters, when sent.
pub(crate) fn bounded<'a>(pairs: &'a [(String, String)], name: &str, max: usize) -> Result<Option<&'a str>, Failure> {
    match get(pairs, name) {
        Some(v) if v.chars().count() > max => Err(Failure::bad(format!("{name}: at most {max} characters"))),
        other => Ok(other),
    }
}

/// The public routes' limit per client address, in Open311's shape.
pub(crate) fn limited(state: &crate::state::AppState, req: &HttpRequest) -> Result<(), Failure> {
    crate::routes::public::limited(state, req).map_err(Failure::Api)
}
