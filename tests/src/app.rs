//! The real server, started in-process on port 0, and a client for it.

use std::collections::HashMap;

use actix_web::dev::ServerHandle;
use gridline_api::{Application, Settings};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;

/// The demo users' password in tests (the server's default).
pub const DEMO_PASSWORD: &str = "gridline-demo";
/// The first admin's password in tests.
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

/// Settings every test server gets: one worker, a small pool, and password
/// hashing cheap enough for a test suite.
const TEST_SETTINGS: &[(&str, &str)] = &[
    ("GRIDLINE_LISTEN", "127.0.0.1:0"),
    ("GRIDLINE_WORKERS", "1"),
    ("GRIDLINE_DB_MAX_CONNECTIONS", "4"),
    ("GRIDLINE_SHUTDOWN_TIMEOUT_S", "5"),
    ("GRIDLINE_PASSWORD_HASH_MEMORY_KIB", "64"),
    ("GRIDLINE_PASSWORD_HASH_ITERATIONS", "1"),
    ("GRIDLINE_ADMIN_PASSWORD", ADMIN_PASSWORD),
    ("GRIDLINE_CACHE_POLL_MS", "200"),
    // One worker would shed at 8 in flight; tests that race fifty requests
    // test other things. The load-shedding test sets its own bound.
    ("GRIDLINE_MAX_IN_FLIGHT", "1000"),
    ("GRIDLINE_PUBLIC_RATE_PER_MIN", "100000"),
];

/// The environment a test server (in-process or child process) runs with.
pub fn test_env(database_url: &str, data_dir: &std::path::Path, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut env: HashMap<String, String> =
        TEST_SETTINGS.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    env.insert("GRIDLINE_DATABASE_URL".into(), database_url.to_owned());
    env.insert("GRIDLINE_DATA_DIR".into(), data_dir.display().to_string());
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    env
}

/// A running server and an HTTP client pointed at it.
pub struct TestApp {
    pub base_url: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub(crate) handle: ServerHandle,
    /// The metrics listener's port, when `GRIDLINE_METRICS_LISTEN` was given.
    pub metrics_port: Option<u16>,
}

/// Tokens from a login.
#[derive(Debug, Clone)]
pub struct Session {
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    /// Starts a server on `database_url` with the demo district seeded.
    pub(crate) async fn start(
        database_url: &str,
        data_dir: &std::path::Path,
        extra: &[(&str, &str)],
        clock: Option<std::sync::Arc<dyn gridline_domain::time::Clock>>,
    ) -> Self {
        let mut settings =
            Settings::from_sources(test_env(database_url, data_dir, extra), None).expect("test settings are valid");
        settings.demo = true;
        let app = match clock {
            Some(clock) => Application::build_with_clock(settings, clock).await,
            None => Application::build(settings).await,
        }
        .expect("the server starts");
        let port = app.port();
        let metrics_port = app.metrics_port();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder().no_proxy().build().expect("build the HTTP client");
        Self { base_url: format!("http://127.0.0.1:{port}"), port, client, handle, metrics_port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub async fn get(&self, path: &str) -> Response {
        checked(self.request(Method::GET, path).send().await.expect("GET reaches the server")).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        checked(self.request(Method::POST, path).json(body).send().await.expect("POST reaches the server")).await
    }

    /// A request carrying `token` as a bearer token.
    pub fn as_bearer(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(token)
    }

    pub async fn get_as(&self, token: &str, path: &str) -> Response {
        checked(self.as_bearer(Method::GET, path, token).send().await.expect("GET reaches the server")).await
    }

    pub async fn send_as(&self, token: &str, method: Method, path: &str, body: &Value) -> Response {
        checked(self.as_bearer(method, path, token).json(body).send().await.expect("request reaches the server")).await
    }

    /// Sends a file as `PUT /api/v1/media/{sha256}`: its id and the answer.
    pub async fn put_media(&self, token: &str, bytes: &[u8]) -> (String, Response) {
        let id: String =
            ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect();
        let res = self
            .request(Method::PUT, &format!("/api/v1/media/{id}"))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .expect("PUT reaches the server");
        (id, checked(res).await)
    }

    /// Logs in and returns both tokens; panics unless it works.
    pub async fn login_with(&self, username: &str, password: &str) -> Session {
        let res = self
            .post_json("/api/v1/auth/login", &serde_json::json!({"username": username, "password": password}))
            .await;
        assert_eq!(res.status(), 200, "login as {username}");
        let body: Value = res.json().await.unwrap();
        Session {
            access: body["access_token"].as_str().unwrap().to_owned(),
            refresh: body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Logs a demo user in (`admin` with the test admin password).
    pub async fn login(&self, username: &str) -> Session {
        let password = if username == "admin" { ADMIN_PASSWORD } else { DEMO_PASSWORD };
        self.login_with(username, password).await
    }

    /// An access token for a demo user.
    pub async fn token(&self, username: &str) -> String {
        self.login(username).await.access
    }

    /// A new API key named `name` acting as a dispatcher over the demo district, made by `admin`.
    pub async fn dispatcher_key(&self, admin: &str, name: &str) -> String {
        let district = self.unit_id(admin, "DEMO").await;
        let body = serde_json::json!({"name": name, "role": "dispatcher", "unit_id": district});
        let res = self.send_as(admin, Method::POST, "/api/v1/api-keys", &body).await;
        assert_eq!(res.status(), 201, "create an API key");
        res.json::<Value>().await.expect("the created key")["key"].as_str().expect("the key").to_owned()
    }

    /// GET as `token`, expecting 200, returning the JSON body.
    pub async fn json_as(&self, token: &str, path: &str) -> Value {
        let res = self.get_as(token, path).await;
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.unwrap()
    }

    /// Takes a workflow step on `case`: `POST /api/v1/cases/{id}/<action>`.
    pub async fn try_step(&self, token: &str, case: &Value, action: &str, body: Value) -> Response {
        let path = format!("/api/v1/cases/{}/{action}", case["id"].as_str().expect("a case answer"));
        self.send_as(token, Method::POST, &path, &body).await
    }

    /// Takes a step, asserting it works; the case after it.
    pub async fn step(&self, token: &str, case: &Value, action: &str, body: Value) -> Value {
        let res = self.try_step(token, case, action, body).await;
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_success(), "{action}: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// The id of the org unit with `code`.
    pub async fn unit_id(&self, token: &str, code: &str) -> String {
        let units = self.json_as(token, "/api/v1/org-units").await;
        units.as_array().unwrap().iter().find(|u| u["code"] == code).unwrap_or_else(|| panic!("unit {code}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The id of the department with `code`.
    pub async fn department_id(&self, token: &str, code: &str) -> String {
        let depts = self.json_as(token, "/api/v1/departments").await;
        depts.as_array().unwrap().iter().find(|d| d["code"] == code).unwrap_or_else(|| panic!("department {code}"))
            ["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The id of a user, looked up by an admin.
    pub async fn user_id(&self, admin: &str, username: &str) -> String {
        let users = self.json_as(admin, "/api/v1/users?limit=500").await;
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == username)
            .unwrap_or_else(|| panic!("user {username}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Stops the server, letting in-flight requests finish.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// Reads a problem+json answer, checking its media type and status.
/// Every problem any helper receives carries the HTTP status as its numeric
/// `status` (RFC 9457); the response is handed on unchanged.
pub async fn checked(response: Response) -> Response {
    let is_problem = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if !is_problem {
        return response;
    }
    let status = response.status();
    let headers = response.headers().clone();
    let url = response.url().to_string();
    let bytes = response.bytes().await.expect("a problem body");
    let body: Value = serde_json::from_slice(&bytes).expect("a problem body is JSON");
    assert_eq!(body["status"], status.as_u16(), "the problem's status member is the HTTP status ({url}): {body}");
    let mut rebuilt = http::Response::builder().status(status);
    for (name, value) in &headers {
        rebuilt = rebuilt.header(name, value);
    }
    Response::from(rebuilt.body(bytes).expect("rebuild the response"))
}

pub async fn problem(response: Response, status: u16) -> Value {
    let url = response.url().to_string();
    let actual = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(actual, status, "status of {url}: {text}");
    assert_eq!(content_type, "application/problem+json", "media type of an error answer from {url}");
    let body: Value = serde_json::from_str(&text).expect("a JSON problem body");
    assert_eq!(body["status"], status, "problem status member: {body}");
    if body["code"] == "invalid_state" {
        assert!(
            body["case_status"].is_string() && body["allowed_actions"].is_array(),
            "case status and actions: {body}"
        );
    }
    assert!(body["code"].is_string(), "problem has a code: {body}");
    assert!(body["title"].is_string(), "problem has a title: {body}");
    body
}

/// The pointers (or parameter names) a validation problem lists.
pub fn fields_at_fault(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["pointer"].as_str().or(e["parameter"].as_str()).unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}
