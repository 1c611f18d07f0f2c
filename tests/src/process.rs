//! The server as a child process: for what only a real process shows (its
//! exit, its logs, being killed).

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::{app::test_env, Ctx};

/// A running `gridline serve --demo` child and every line it logged.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl ServerProcess {
    /// Starts the binary with JSON logs and waits until it listens.
    pub fn start(binary: &str, ctx: &Ctx, extra: &[(&str, &str)]) -> Self {
        let mut env = test_env(ctx.database_url(), ctx.data_dir(), extra);
        env.insert("GRIDLINE_LOG_FORMAT".into(), "json".into());
        let mut child = Command::new(binary)
            .args(["serve", "--demo"])
            .env_clear()
            .envs(env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server binary");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("\"listening\"") {
                    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                        if let Some(port) = v["port"].as_u64() {
                            let _ = port_tx.send(port as u16);
                        }
                    }
                }
                sink.lock().expect("log lines").push(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = loop {
            if let Ok(port) = port_rx.recv_timeout(Duration::from_millis(100)) {
                break port;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                panic!("the server exited with {status}: {err}");
            }
            assert!(Instant::now() < deadline, "the server did not start listening");
        };
        Self { child, port, lines, reader: Some(reader) }
    }

    /// The server's process id, to read its memory from `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's peak resident memory so far (`VmHWM`), in KiB.
    pub fn peak_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("the server's /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc status")
    }

    /// Resets the peak to the memory in use now (Linux's `clear_refs`), so
    /// that a later [`Self::peak_kib`] measures only what follows.
    pub fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5").expect("reset the server's peak memory");
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sends SIGTERM, as an orchestrator stopping the node does.
    pub fn terminate(&self) {
        let status = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().expect("run kill");
        assert!(status.success(), "kill -TERM");
    }

    /// Waits up to `limit` for the process to exit by itself.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything it logged so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("log lines").clone()
    }

    /// Kills the process and returns everything it logged.
    pub fn kill(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.lines.lock().expect("log lines").clone()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An access token from a server run as a process (or any base URL).
pub async fn login(client: &reqwest::Client, base: &str, user: &str, password: &str) -> String {
    let res: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .await
        .expect("the login reaches the server")
        .json()
        .await
        .expect("a JSON answer");
    res["access_token"].as_str().expect("an access token").to_owned()
}
