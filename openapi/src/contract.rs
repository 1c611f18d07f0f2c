//! What every operation shares, added to the document once its paths are in:
//! the statuses any operation can answer (a malformed request, a missing
//! token, an unavailable database…), the headers of the exactly-once and
//! optimistic-concurrency contract, and `X-Request-Id` on every answer. The
//! server answers these uniformly (extractors and middleware), so they are
//! documented uniformly too; an operation's own description of a status wins.

use utoipa::openapi::{
    header::HeaderBuilder,
    path::{HttpMethod, Operation, Parameter, ParameterBuilder, ParameterIn},
    schema::{ObjectBuilder, Type},
    ContentBuilder, OpenApi, Ref, RefOr, Required, Response, ResponseBuilder,
};

use crate::PROBLEM_JSON;

/// `X-Request-Id`: taken from the request when sane, else generated.
const REQUEST_ID_PATTERN: &str = "^[A-Za-z0-9._:-]{1,128}$";
/// `Idempotency-Key`: 1 to 255 visible ASCII characters.
const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,255}$";

/// Adds the shared statuses, headers and parameters to every operation.
pub fn complete(doc: &mut OpenApi) {
    for (path, item) in &mut doc.paths.paths {
        for (method, operation) in operations(item) {
            let exactly_once = method == HttpMethod::Post && path.starts_with("/api/v1/cases");
            let case_step =
                path.starts_with("/api/v1/cases/{id}") && matches!(method, HttpMethod::Post | HttpMethod::Patch);
            if exactly_once {
                add_parameter(operation, idempotency_key());
            }
            if case_step {
                add_parameter(operation, if_match());
            }
            shared_statuses(operation, path);
            for response in operation.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    response
                        .headers
                        .insert("X-Request-Id".into(), string_header("The request's id", REQUEST_ID_PATTERN));
                    if exactly_once {
                        response.headers.insert(
                            "Idempotent-Replayed".into(),
                            string_header("`true` on the first answer given again to a replay", "^true$"),
                        );
                    }
                }
            }
        }
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<(HttpMethod, &mut Operation)> {
    [
        (HttpMethod::Get, item.get.as_mut()),
        (HttpMethod::Post, item.post.as_mut()),
        (HttpMethod::Put, item.put.as_mut()),
        (HttpMethod::Patch, item.patch.as_mut()),
        (HttpMethod::Delete, item.delete.as_mut()),
        (HttpMethod::Head, item.head.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, o)| o.map(|o| (m, o)))
    .collect()
}

fn shared_statuses(operation: &mut Operation, path: &str) {
    let has_body = operation.request_body.is_some();
    let has_parameters = path.contains('{') || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut add = |status: &str, description: &str| {
        operation.responses.responses.entry(status.into()).or_insert_with(|| RefOr::T(problem(description)));
    };
    if has_body || has_parameters {
        add("400", "A malformed body (not JSON), or a path, query or header parameter that is not valid");
    }
    if secured {
        add("401", "No valid credentials");
    }
    if path.contains('{') {
        add("404", "No such resource visible to the caller");
    }
    if has_body {
        add("413", "The body is larger than the server accepts");
        add("415", "The body is not `application/json`");
        add("422", "Fields at fault, each named by a JSON Pointer");
    }
    add("503", "The database is unavailable or the server is overloaded; retry after `Retry-After` seconds");
    if let Some(RefOr::T(busy)) = operation.responses.responses.get_mut("503") {
        busy.headers.insert("Retry-After".into(), integer_header("Seconds to wait before retrying"));
    }
    if let Some(RefOr::T(limited)) = operation.responses.responses.get_mut("429") {
        limited.headers.insert("Retry-After".into(), integer_header("Seconds to wait before retrying"));
    }
}

fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
        .build()
}

fn string_header(description: &str, pattern: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String).pattern(Some(pattern)))
        .description(Some(description))
        .build()
}

fn integer_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)))
        .description(Some(description))
        .build()
}

fn add_parameter(operation: &mut Operation, parameter: Parameter) {
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    if !parameters.iter().any(|p| p.name == parameter.name) {
        parameters.push(parameter);
    }
}

fn idempotency_key() -> Parameter {
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes the request safe to send again: a replay by the same caller gets the first answer (kept at \
             least 24 hours) without acting twice; the same key with another request is 422.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).pattern(Some(IDEMPOTENCY_KEY_PATTERN))))
        .build()
}

fn if_match() -> Parameter {
    ParameterBuilder::new()
        .name("If-Match")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "The case's `version` as an entity tag (`\"7\"`), or `*`: act only on that version (412 otherwise).",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).max_length(Some(200))))
        .build()
}
