//! The answer for a request no route took: 405 with `Allow` when the path
//! exists under another method, else 404. Paths and their methods come from
//! the OpenAPI document, the same source the routes are registered from.

use actix_web::{
    dev::ResourceDef,
    http::header::{self, HeaderValue},
    web, HttpRequest, HttpResponse,
};
use gridline_openapi::Problem;

use crate::error::problem_response;

/// Every documented path template with the methods it answers.
pub(crate) struct RouteTable {
    routes: Vec<(ResourceDef, Vec<&'static str>)>,
}

impl RouteTable {
    pub(crate) fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        Self { routes }
    }

    fn allowed(&self, path: &str) -> Vec<&'static str> {
        // A literal route (`/org-units/import`) is the resource, not the
        // template that would also match it (`/org-units/{id}`).
        let literal: Vec<_> =
            self.routes.iter().filter(|(def, _)| def.is_match(path) && def.pattern() == Some(path)).collect();
        let matching: Vec<_> = if literal.is_empty() {
            self.routes.iter().filter(|(def, _)| def.is_match(path)).collect()
        } else {
            literal
        };
        let mut methods: Vec<&'static str> = matching.into_iter().flat_map(|(_, m)| m.iter().copied()).collect();
        methods.sort_unstable();
        methods.dedup();
        methods
    }
}

pub(crate) async fn fallback(req: HttpRequest, routes: web::Data<RouteTable>) -> HttpResponse {
    let allowed = routes.allowed(req.path());
    if allowed.is_empty() {
        return problem_response(
            actix_web::http::StatusCode::NOT_FOUND,
            Problem::new(404, "not_found", "Not Found").with_detail(format!("no resource at {}", req.path())),
        );
    }
    let allow = allowed.join(", ");
    let mut response = problem_response(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        Problem::new(405, "method_not_allowed", "Method Not Allowed")
            .with_detail(format!("{} is not allowed here; allowed: {allow}", req.method())),
    );
    if let Ok(value) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}
