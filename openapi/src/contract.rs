//! What every operation shares, added to the document once its paths are in:
//! the statuses any operation can answer (a malformed request, a missing
//! token, an unavailable database…), the headers of the exactly-once and
//! optimistic-concurrency contract, and `X-Request-Id` on every answer. The
//! server answers these uniformly (extractors and middleware), so they are
//! documented uniformly too; an operation's own description of a status wins.

use utoipa::openapi::{
    header::HeaderBuilder,
    link::LinkBuilder,
    path::{HttpMethod, Operation, Parameter, ParameterBuilder, ParameterIn},
    schema::{ArrayBuilder, ObjectBuilder, Type},
    ContentBuilder, OpenApi, Ref, RefOr, Required, Response, ResponseBuilder,
};

use crate::PROBLEM_JSON;

/// `X-Request-Id`: taken from the request when sane, else generated.
const REQUEST_ID_PATTERN: &str = "^[A-Za-z0-9._:-]{1,128}$";
/// `Idempotency-Key`: 1 to 255 visible ASCII characters.
const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,255}$";

/// `If-Match` and `If-None-Match`: `*`, or entity tags (RFC 9110) whose
/// characters are visible ASCII but `"` and `,`, separated by commas; an empty
/// value names nothing, as if the header were not sent.
pub const ENTITY_TAGS_PATTERN: &str = r#"^([ \t]*|\*|(W/)?"[!#-+\--~]*"([ \t]*,[ \t]*(W/)?"[!#-+\--~]*")*)$"#;

/// What a case answer leads to: reading it, its timeline, and its steps.
const CASE_LINKS: [&str; 18] = [
    "get_case",
    "list_case_events",
    "update_case",
    "accept_case",
    "reject_case",
    "escalate_case",
    "dispatch_case",
    "return_case",
    "start_case",
    "resolve_case",
    "verify_case",
    "cancel_case",
    "request_extension",
    "decide_extension",
    "add_comment",
    "suspend_case",
    "resume_case",
    "urge_case",
];

/// Links from every answer that carries a case (a report, a step, a read) to
/// what can be done with it, and from a page of cases to its first case, so
/// that a client or a stateful fuzzer can walk the workflow.
fn link_cases(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for (_, operation) in operations(item) {
            let source = operation.operation_id.as_deref().unwrap_or_default();
            let case = if source == "list_cases" {
                "$response.body#/items/0"
            } else if source == "report_case" || CASE_LINKS.contains(&source) && source != "list_case_events" {
                "$response.body#"
            } else {
                continue;
            };
            for (status, response) in &mut operation.responses.responses {
                let RefOr::T(response) = response else { continue };
                if !status.starts_with('2') {
                    continue;
                }
                for target in CASE_LINKS {
                    let mut link = LinkBuilder::new().operation_id(target).parameter("id", format!("{case}/id"));
                    if target == "decide_extension" {
                        link = link.parameter("rid", format!("{case}/pending_extension/id"));
                    }
                    response.links.insert(target.to_owned(), RefOr::T(link.build()));
                }
            }
        }
    }
}

/// The document as published: JSON, with the members utoipa spells in
/// snake case inside a Link Object (`operation_id`) spelt as OpenAPI says.
pub fn published(doc: &OpenApi) -> serde_json::Value {
    let mut value = serde_json::to_value(doc).unwrap_or_default();
    fix_links(&mut value);
    value
}

fn fix_links(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(links)) = map.get_mut("links") {
                for link in links.values_mut().filter_map(|l| l.as_object_mut()) {
                    for (from, to) in [
                        ("operation_id", "operationId"),
                        ("operation_ref", "operationRef"),
                        ("request_body", "requestBody"),
                    ] {
                        if let Some(v) = link.remove(from) {
                            link.insert(to.to_owned(), v);
                        }
                    }
                }
            }
            map.values_mut().for_each(fix_links);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(fix_links),
        _ => {}
    }
}

/// Adds the shared statuses, headers and parameters to every operation.
pub fn complete(doc: &mut OpenApi) {
    link_cases(doc);
    for (path, item) in &mut doc.paths.paths {
        for (method, operation) in operations(item) {
            let exactly_once = method == HttpMethod::Post
                && (path.starts_with("/api/v1/cases") || path.starts_with("/open311/v2/requests."));
            let case_step =
                path.starts_with("/api/v1/cases/{id}") && matches!(method, HttpMethod::Post | HttpMethod::Patch);
            if exactly_once {
                add_parameter(operation, idempotency_key());
            }
            if case_step {
                add_parameter(operation, if_match());
            }
            if path == "/api/v1/cases/{id}" && method == HttpMethod::Get {
                add_parameter(operation, if_none_match());
            }
            if path.starts_with("/open311/") {
                open311_statuses(operation, path);
            } else {
                shared_statuses(operation, path, method != HttpMethod::Get && method != HttpMethod::Head);
            }
            for response in operation.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    response
                        .headers
                        .insert("X-Request-Id".into(), string_header("The request's id", REQUEST_ID_PATTERN));
                    if answers_a_case(response) {
                        response.headers.insert("ETag".into(), string_header(ETAG, r#"^"[0-9]+-[0-9a-f]{12}"$"#));
                    }
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

const ETAG: &str = "`\"<version>-<digest>\"`: the case's version and a digest of this answer. Send it as \
                    `If-Match` with a step, or as `If-None-Match` with `get_case`.";

fn answers_a_case(response: &Response) -> bool {
    response
        .content
        .get("application/json")
        .and_then(|c| c.schema.as_ref())
        .is_some_and(|schema| matches!(schema, RefOr::Ref(r) if r.ref_location == "#/components/schemas/CaseView"))
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

fn shared_statuses(operation: &mut Operation, path: &str, writes: bool) {
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
    add(
        "503",
        "The database cannot be reached (`database_unavailable`), the node refuses work beyond what it can serve \
         (`overloaded`) or a bounded resource is busy (`server_busy`); retry after `Retry-After` seconds",
    );
    if writes {
        add("507", "The server's storage is full (`insufficient_storage`); nothing was changed");
    }
    if let Some(RefOr::T(busy)) = operation.responses.responses.get_mut("503") {
        busy.headers.insert("Retry-After".into(), integer_header("Seconds to wait before retrying"));
    }
    if let Some(RefOr::T(limited)) = operation.responses.responses.get_mut("429") {
        limited.headers.insert("Retry-After".into(), integer_header("Seconds to wait before retrying"));
    }
}

/// Open311's routes refuse in the specification's shape (a list of
/// `{"code", "description"}`, in the operation's format); only a refusal
/// before the route is reached (a node refusing work) is a problem.
fn open311_statuses(operation: &mut Operation, path: &str) {
    let xml = path.ends_with(".xml");
    let has_body = operation.request_body.is_some();
    let has_parameters = path.contains('{') || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let errors = |description: &str| {
        let content = if xml {
            ContentBuilder::new().schema(Some(ObjectBuilder::new().schema_type(Type::String))).build()
        } else {
            ContentBuilder::new()
                .schema(Some(ArrayBuilder::new().items(Ref::from_schema_name("Open311Error")).min_items(Some(1))))
                .build()
        };
        let media = if xml { "text/xml" } else { "application/json" };
        ResponseBuilder::new().description(description).content(media, content).build()
    };
    let mut add = |status: &str, description: &str| {
        operation.responses.responses.entry(status.into()).or_insert_with(|| RefOr::T(errors(description)));
    };
    if has_body || has_parameters {
        add("400", "A parameter or field that is not valid, named in the description");
    }
    if has_body {
        add("413", "The form is larger than 64 KiB");
        add("415", "The body is not `application/x-www-form-urlencoded`");
    }
    add(
        "429",
        "Too many requests from this address (`GRIDLINE_PUBLIC_RATE_PER_MIN`); retry after `Retry-After` seconds",
    );
    let mut unavailable = errors(
        "The database cannot be reached (in Open311's shape), or the node refuses work beyond what it can serve (a \
         problem, `overloaded`); retry after `Retry-After` seconds",
    );
    unavailable
        .content
        .insert(PROBLEM_JSON.into(), ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build());
    operation.responses.responses.entry("503".into()).or_insert_with(|| RefOr::T(unavailable));
    for status in ["429", "503"] {
        if let Some(RefOr::T(r)) = operation.responses.responses.get_mut(status) {
            r.headers.insert("Retry-After".into(), integer_header("Seconds to wait before retrying"));
        }
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
            "An `ETag` this server gave (`\"7-…\"`), the case's `version` as a tag (`\"7\"`), or `*`: act only \
             on that version (412 otherwise).",
        ))
        .schema(Some(entity_tags_schema()))
        .build()
}

fn if_none_match() -> Parameter {
    ParameterBuilder::new()
        .name("If-None-Match")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some("`ETag`s of earlier answers, or `*`: 304 without a body when one names this answer."))
        .schema(Some(entity_tags_schema()))
        .build()
}

fn entity_tags_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).pattern(Some(ENTITY_TAGS_PATTERN))
}

/// Characters refused in every string (C0 controls but tab, LF and CR, DEL,
/// C1 controls, bidirectional overrides and isolates): `extract::hostile`.
const CONTROLS: &str = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069";
/// The same, and tab, LF and CR: single-line fields.
const LINE_CONTROLS: &str = r"\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069";
/// White space that trimming removes (Unicode `White_Space`), less what is refused anyway.
const SPACE: &str = r"\t\n\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
const LINE_SPACE: &str = r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// How the server judges a string field (`domain::validation`), as a pattern.
#[derive(Clone, Copy)]
enum Text {
    /// Free text: something besides white space, no refused character.
    Free,
    /// One line of free text.
    Line,
    Code,
    Username,
    Phone,
    /// Anything without a refused character.
    Any,
}

impl Text {
    fn pattern(self) -> String {
        match self {
            Self::Free => format!("^[^{CONTROLS}]*[^{SPACE}{CONTROLS}][^{CONTROLS}]*$"),
            Self::Line => format!("^[^{LINE_CONTROLS}]*[^{LINE_SPACE}{LINE_CONTROLS}][^{LINE_CONTROLS}]*$"),
            Self::Code => "^[A-Za-z0-9_.-]{1,64}$".into(),
            Self::Username => "^[a-z0-9_.-]{3,64}$".into(),
            Self::Phone => format!("^[{SPACE}]*(?:[ +()-]*[0-9]){{3}}[0-9 +()-]*[{SPACE}]*$"),
            Self::Any => format!("^[^{CONTROLS}]*$"),
        }
    }

    /// The kind of a property, by its name (the API names its fields consistently).
    fn of(property: &str) -> Self {
        match property {
            "description" | "reason" | "note" | "text" => Self::Free,
            "name" | "name_zh" | "name_en" | "display_name" | "address" | "responsible_person" => Self::Line,
            "code" | "parent_code" | "category_code" => Self::Code,
            "phone" | "contact_phone" => Self::Phone,
            _ => Self::Any,
        }
    }
}

/// Gives every string in a request or response schema, and every string
/// parameter, the pattern the server judges it by, so that the document
/// admits exactly what the server does.
pub fn constrain_strings(doc: &mut OpenApi) {
    let Ok(mut value) = serde_json::to_value(&*doc) else { return };
    if let Some(schemas) = value.pointer_mut("/components/schemas").and_then(|s| s.as_object_mut()) {
        for (name, schema) in schemas.iter_mut() {
            constrain_schema(name, schema, None);
        }
    }
    if let Some(paths) = value.pointer_mut("/paths").and_then(|p| p.as_object_mut()) {
        for item in paths.values_mut() {
            for operation in item.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
                for parameter in operation["parameters"].as_array_mut().into_iter().flatten() {
                    let name = parameter["name"].as_str().unwrap_or_default().to_owned();
                    constrain_schema("", &mut parameter["schema"], Some(&name));
                }
            }
        }
    }
    if let Ok(constrained) = serde_json::from_value(value) {
        *doc = constrained;
    }
}

fn is_string(schema: &serde_json::Value) -> bool {
    match &schema["type"] {
        serde_json::Value::String(t) => t == "string",
        serde_json::Value::Array(types) => types.iter().any(|t| t == "string"),
        _ => false,
    }
}

fn constrain_schema(schema_name: &str, schema: &mut serde_json::Value, property: Option<&str>) {
    if !schema.is_object() {
        return;
    }
    if is_string(schema)
        && schema.get("pattern").is_none()
        && schema.get("enum").is_none()
        && schema.get("format").is_none()
    {
        let kind = match (schema_name, property) {
            ("CreateUser", Some("username")) => Text::Username,
            (_, Some(p)) => Text::of(p),
            (_, None) => Text::Any,
        };
        schema["pattern"] = serde_json::Value::String(kind.pattern());
    }
    if let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
        for (name, property_schema) in properties.iter_mut() {
            constrain_schema(schema_name, property_schema, Some(name));
        }
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        for alternative in schema.get_mut(combinator).and_then(|a| a.as_array_mut()).into_iter().flatten() {
            constrain_schema(schema_name, alternative, property);
        }
    }
    if let Some(items) = schema.get_mut("items") {
        constrain_schema(schema_name, items, property);
    }
}
