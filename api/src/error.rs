//! The one error type every handler returns. Variants are named after what the
//! client sees; each maps to a status and a stable `code`. A 5xx logs its whole
//! cause chain and tells the client nothing about internals.

use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use gridline_domain::RepoError;
use gridline_openapi::{
    values::{CaseAction, CaseStatus},
    FieldError, Problem, PROBLEM_JSON,
};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("request validation failed")]
    Validation(Vec<FieldError>),
    #[error("invalid path parameter")]
    InvalidPath(Vec<FieldError>),
    #[error("invalid query parameter")]
    InvalidQuery(Vec<FieldError>),
    #[error("a request header is not valid")]
    InvalidHeader(Vec<FieldError>),
    #[error("every word of q needs at least two characters")]
    QueryTooShort,
    #[error("{0}; sync again without a cursor")]
    SyncReset(&'static str),
    #[error("the body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("expected a body of type application/json")]
    UnsupportedMediaType,
    #[error("{0}")]
    UnsupportedFile(String),
    #[error("{detail}")]
    Unprocessable { code: &'static str, detail: String, errors: Vec<FieldError> },
    #[error("{detail}")]
    Missing { code: &'static str, detail: String },
    #[error("the range is outside the file's {size} bytes")]
    RangeNotSatisfiable { size: u64 },
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("the username or password is wrong")]
    InvalidCredentials,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String, errors: Vec<FieldError> },
    #[error("the case is {status}; this step is not possible now")]
    WrongState { status: CaseStatus, allowed: Vec<CaseAction> },
    #[error("the resource changed: its version is now {current}")]
    PreconditionFailed { current: i64 },
    #[error("this server speaks tus 1.0.0: send Tus-Resumable: 1.0.0")]
    TusVersion,
    #[error("too many failed attempts; try again in {retry_after} seconds")]
    TooManyRequests { retry_after: i64 },
    #[error("the server is busy; try again in {retry_after} seconds")]
    Busy { retry_after: i64 },
    #[error("service unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("the database cannot be reached")]
    DatabaseUnavailable(#[source] anyhow::Error),
    #[error("the server is refusing work beyond what it can serve")]
    Overloaded,
    #[error("this node is stopping; the load balancer should send requests elsewhere")]
    Draining,
    #[error("the server has no room left to store this")]
    InsufficientStorage(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedJson(_) => "malformed_json",
            Self::Validation(_) => "validation_failed",
            Self::InvalidPath(_) => "invalid_path_parameter",
            Self::InvalidQuery(_) => "invalid_query_parameter",
            Self::InvalidHeader(_) => "invalid_header",
            Self::QueryTooShort => "query_too_short",
            Self::SyncReset(_) => "sync_reset",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType | Self::UnsupportedFile(_) => "unsupported_media_type",
            Self::Unprocessable { code, .. } | Self::Missing { code, .. } => code,
            Self::RangeNotSatisfiable { .. } => "range_not_satisfiable",
            Self::Unauthorized(_) => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::NotFound => "not_found",
            Self::Forbidden(_) => "forbidden",
            Self::Conflict { code, .. } => code,
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::WrongState { .. } => "invalid_state",
            Self::PreconditionFailed { .. } => "precondition_failed",
            Self::TusVersion => "unsupported_tus_version",
            Self::Busy { .. } => "server_busy",
            Self::Unavailable(_) => "service_unavailable",
            Self::DatabaseUnavailable(_) => "database_unavailable",
            Self::Overloaded => "overloaded",
            Self::Draining => "draining",
            Self::InsufficientStorage(_) => "insufficient_storage",
            Self::Internal(_) => "internal_error",
        }
    }

    /// The problem body, without the request id (added by the problem middleware).
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let title = status.canonical_reason().unwrap_or("Error");
        let problem = Problem::new(status.as_u16(), self.code(), title);
        match self {
            Self::Validation(errors)
            | Self::InvalidPath(errors)
            | Self::InvalidQuery(errors)
            | Self::InvalidHeader(errors) => problem.with_detail(self.to_string()).with_errors(errors.clone()),
            Self::Conflict { errors, .. } | Self::Unprocessable { errors, .. } => {
                problem.with_detail(self.to_string()).with_errors(errors.clone())
            }
            Self::QueryTooShort => problem
                .with_detail(self.to_string())
                .with_errors(vec![FieldError::parameter("q", "a one-character word cannot be looked up")]),
            Self::WrongState { status, allowed } => {
                let mut problem = problem.with_detail(self.to_string());
                problem.case_status = Some(*status);
                problem.allowed_actions = Some(allowed.clone());
                problem
            }
            Self::PreconditionFailed { current } => {
                let mut problem = problem.with_detail(self.to_string());
                problem.version = Some(*current);
                problem
            }
            // Say nothing of internals.
            Self::Internal(_) => problem.with_detail("the server could not complete the request"),
            Self::Unavailable(_) => problem.with_detail("a service the server depends on is unavailable"),
            Self::DatabaseUnavailable(_) => {
                problem.with_detail("the database cannot be reached; nothing was changed, try again shortly")
            }
            Self::InsufficientStorage(_) => {
                problem.with_detail("the server's storage is full; nothing was changed, try again later")
            }
            _ => problem.with_detail(self.to_string()),
        }
    }
}

impl ApiError {
    /// A failure of the media store: 507 when its disk is full (`ENOSPC`
    /// anywhere in the cause chain), else 503.
    pub fn from_store(err: anyhow::Error) -> Self {
        let full = err.chain().any(|cause| {
            cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::StorageFull || io.raw_os_error() == Some(28))
        });
        if full {
            Self::InsufficientStorage(err)
        } else {
            Self::Unavailable(err)
        }
    }

    /// A 422 naming one field.
    pub fn field(pointer: &str, detail: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::pointer(pointer, detail)])
    }
}

impl From<gridline_domain::cases::StepError> for ApiError {
    fn from(err: gridline_domain::cases::StepError) -> Self {
        use gridline_domain::cases::StepError;
        match err {
            StepError::NotVisible => Self::NotFound,
            StepError::Forbidden(m) => Self::Forbidden(m),
            StepError::WrongState { status, allowed } => {
                Self::WrongState { status: status.into(), allowed: allowed.into_iter().map(Into::into).collect() }
            }
            StepError::Conflict(detail) => Self::Conflict { code: "conflict", detail, errors: Vec::new() },
            StepError::Invalid { pointer, detail } => Self::Validation(vec![FieldError::pointer(pointer, detail)]),
        }
    }
}

impl From<RepoError> for ApiError {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::NotFound => Self::NotFound,
            RepoError::Unavailable(e) => Self::DatabaseUnavailable(e),
            RepoError::Full(e) => Self::InsufficientStorage(e),
            RepoError::Conflict => Self::Conflict {
                code: "conflict",
                detail: "the record changed while this request was handled; read it again and retry".into(),
                errors: Vec::new(),
            },
            RepoError::Duplicate(taken) => Self::Internal(anyhow::anyhow!("unmapped duplicate: {taken:?} is taken")),
            RepoError::Unknown(e) => Self::Internal(e),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MalformedJson(_)
            | Self::InvalidPath(_)
            | Self::InvalidQuery(_)
            | Self::InvalidHeader(_)
            | Self::QueryTooShort => StatusCode::BAD_REQUEST,
            Self::Validation(_) | Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType | Self::UnsupportedFile(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::Unauthorized(_) | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::NotFound | Self::Missing { .. } => StatusCode::NOT_FOUND,
            Self::SyncReset(_) => StatusCode::GONE,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Conflict { .. } | Self::WrongState { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } | Self::TusVersion => StatusCode::PRECONDITION_FAILED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_)
            | Self::DatabaseUnavailable(_)
            | Self::Overloaded
            | Self::Draining
            | Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause)
        | Self::Unavailable(cause)
        | Self::DatabaseUnavailable(cause)
        | Self::InsufficientStorage(cause) = self
        {
            tracing::error!(error = %format!("{cause:#}"), code = self.code(), "request failed");
        }
        let mut response = problem_response(self.status_code(), self.problem());
        match self {
            Self::Unauthorized(_) | Self::InvalidCredentials => {
                response.headers_mut().insert(
                    actix_web::http::header::WWW_AUTHENTICATE,
                    actix_web::http::header::HeaderValue::from_static("Bearer realm=\"gridline\""),
                );
            }
            Self::RangeNotSatisfiable { size } => {
                if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&format!("bytes */{size}")) {
                    response.headers_mut().insert(actix_web::http::header::CONTENT_RANGE, v);
                }
            }
            Self::TooManyRequests { retry_after } | Self::Busy { retry_after } => {
                if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&retry_after.to_string()) {
                    response.headers_mut().insert(actix_web::http::header::RETRY_AFTER, v);
                }
            }
            // A second: a lost database is usually back (or failed over) in
            // a few; a shed request is worth retrying as soon as a slot frees.
            Self::DatabaseUnavailable(_) | Self::Overloaded => {
                response.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from_static("1"),
                );
            }
            Self::TusVersion => {
                response.headers_mut().insert(
                    actix_web::http::header::HeaderName::from_static("tus-version"),
                    actix_web::http::header::HeaderValue::from_static("1.0.0"),
                );
            }
            _ => {}
        }
        response
    }
}

/// A problem+json response. The problem also rides in the response's
/// extensions so that the problem middleware can add the request id.
pub fn problem_response(status: StatusCode, problem: Problem) -> HttpResponse {
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut response = HttpResponse::build(status).content_type(PROBLEM_JSON).body(body);
    response.extensions_mut().insert(problem);
    response
}
