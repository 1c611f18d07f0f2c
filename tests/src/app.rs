//! The real server, started in-process on port 0, and a client for it.

use std::collections::HashMap;

use actix_web::dev::ServerHandle;
use gridline_api::{Application, Settings};
use reqwest::{Method, RequestBuilder, Response};

/// A running server and an HTTP client pointed at it.
pub struct TestApp {
    pub base_url: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub(crate) handle: ServerHandle,
}

impl TestApp {
    /// Starts a server on `database_url` with the given extra `GRIDLINE_*` settings.
    pub(crate) async fn start(database_url: &str, data_dir: &std::path::Path, extra: &[(&str, &str)]) -> Self {
        let mut env: HashMap<String, String> = [
            ("GRIDLINE_LISTEN", "127.0.0.1:0"),
            ("GRIDLINE_WORKERS", "1"),
            ("GRIDLINE_DB_MAX_CONNECTIONS", "4"),
            ("GRIDLINE_SHUTDOWN_TIMEOUT_S", "5"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        env.insert("GRIDLINE_DATABASE_URL".into(), database_url.to_owned());
        env.insert("GRIDLINE_DATA_DIR".into(), data_dir.display().to_string());
        for (k, v) in extra {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
        let settings = Settings::from_sources(env, None).expect("test settings are valid");
        let app = Application::build(settings).await.expect("the server starts");
        let port = app.port();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder().no_proxy().build().expect("build the HTTP client");
        Self { base_url: format!("http://127.0.0.1:{port}"), port, client, handle }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.expect("GET reaches the server")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Response {
        self.request(Method::POST, path).json(body).send().await.expect("POST reaches the server")
    }

    /// Stops the server, letting in-flight requests finish.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// Reads a problem+json answer, checking its media type and status.
pub async fn problem(response: Response, status: u16) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "status of {}", response.url());
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(content_type, "application/problem+json", "media type of an error answer");
    let body: serde_json::Value = response.json().await.expect("a JSON problem body");
    assert_eq!(body["status"], status, "problem status member: {body}");
    assert!(body["code"].is_string(), "problem has a code: {body}");
    assert!(body["title"].is_string(), "problem has a title: {body}");
    body
}
