//! A real S3-compatible server for the media store's bucket: moto's server
//! mode, installed from PyPI at a pinned version by `.ci/run` (into
//! `target/s3-venv`) or named by `GRIDLINE_TEST_MOTO_SERVER`. Where neither
//! exists the tests that need it are reported as ignored, never passed.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// The moto server to run, if this machine has one.
pub fn moto_server() -> Option<PathBuf> {
    let named = std::env::var_os("GRIDLINE_TEST_MOTO_SERVER").map(PathBuf::from);
    let installed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/s3-venv/bin/moto_server");
    named.into_iter().chain([installed]).find(|p| p.is_file())
}

/// A moto server on a free port with one empty bucket; stopped when dropped.
pub struct S3Server {
    child: Child,
    pub endpoint: String,
    pub bucket: String,
}

impl S3Server {
    pub async fn start(bucket: &str) -> Self {
        let binary = moto_server().expect("a moto server (see tests/src/s3.rs)");
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let child = Command::new(binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let server = Self { child, endpoint: format!("http://127.0.0.1:{port}"), bucket: bucket.to_owned() };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // Creating the bucket (path style) is also the readiness probe.
            match client.put(format!("{}/{bucket}", server.endpoint)).send().await {
                Ok(res) if res.status().is_success() => break,
                _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
                other => panic!("moto_server did not come up: {other:?}"),
            }
        }
        server
    }

    /// The settings that point a Gridline node at this bucket under `prefix`.
    pub fn settings(&self, prefix: &str) -> Vec<(&'static str, String)> {
        vec![
            ("GRIDLINE_MEDIA_URL", format!("s3://{}/{prefix}", self.bucket)),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    /// The bucket's listing (S3's XML): every object's name and size.
    pub async fn listing(&self) -> String {
        let res = reqwest::get(format!("{}/{}?list-type=2", self.endpoint, self.bucket)).await;
        match res {
            Ok(res) => res.text().await.unwrap_or_default(),
            Err(e) => e.to_string(),
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
