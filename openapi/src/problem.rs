//! RFC 9457 problem details, the body of every error response.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::values::{CaseAction, CaseStatus};

/// An error answer. `code` is stable and machine-readable; `title` and
/// `detail` are for people and may change wording.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:gridline:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    /// The HTTP status, always the same as the response's.
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`.
    pub code: String,
    /// The id of the request, also in the `X-Request-Id` response header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every input at fault, for validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// On a 409 `invalid_state`: the case's state now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_status: Option<CaseStatus>,
    /// On a 409 `invalid_state`: the steps the caller may take instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<CaseAction>>,
    /// On a 412 `precondition_failed`: the resource's current version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// One input at fault. Body fields are named by a JSON Pointer (`pointer`),
/// query and path parameters by name (`parameter`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    pub detail: String,
}

impl FieldError {
    pub fn pointer(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { pointer: Some(pointer.into()), parameter: None, detail: detail.into() }
    }

    pub fn parameter(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { pointer: None, parameter: Some(name.into()), detail: detail.into() }
    }
}

impl Problem {
    pub fn new(status: u16, code: &str, title: impl Into<String>) -> Self {
        Self {
            type_uri: format!("urn:gridline:problem:{code}"),
            title: title.into(),
            status,
            detail: None,
            code: code.to_owned(),
            request_id: None,
            errors: Vec::new(),
            case_status: None,
            allowed_actions: None,
            version: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }
}
