//! Load for bench/overload.sh, in two modes:
//!
//! - `closed <url> <token> <connections> <seconds>`: as many requests as
//!   `connections` clients can send back to back; the node's peak.
//! - `open <url> <token> <rate>:<seconds>:<label> ...`: requests *scheduled*
//!   at a constant rate per phase whatever the answers do (open loop, as
//!   phones are), each timed from when it was due, so that a server that
//!   falls behind is charged for the wait (no coordinated omission).
//!
//! Prints one JSON object per phase (and per second, for the burst and the
//! recovery).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::Mutex;

#[derive(Default, Clone)]
struct Tally {
    ok: Vec<f64>,
    shed: u64,
    other: u64,
    failed: u64,
    /// What the first failure was (a timeout, a refused or reset
    /// connection), so that a failure can be told from the server's doing.
    first_failure: Option<String>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn summary(label: &str, seconds: f64, tally: &Tally, rate: Option<f64>) -> serde_json::Value {
    let mut ok = tally.ok.clone();
    ok.sort_by(f64::total_cmp);
    let sent = ok.len() as u64 + tally.shed + tally.other + tally.failed;
    serde_json::json!({
        "phase": label,
        "offered_rps": rate.map(|r| r.round()),
        "sent": sent,
        "ok": ok.len(),
        "shed_503": tally.shed,
        "other_status": tally.other,
        "failed": tally.failed,
        "first_failure": tally.first_failure,
        "goodput_rps": (ok.len() as f64 / seconds).round(),
        "shed_share": if sent == 0 { 0.0 } else { (tally.shed as f64 / sent as f64 * 1000.0).round() / 1000.0 },
        "ok_p50_ms": (percentile(&ok, 0.50) * 100.0).round() / 100.0,
        "ok_p99_ms": (percentile(&ok, 0.99) * 100.0).round() / 100.0,
    })
}

async fn one(client: &reqwest::Client, url: &str, token: &str, due: Instant, tally: &Mutex<Tally>) {
    let answer = client.get(url).bearer_auth(token).send().await;
    let (status, failure) = match answer {
        Ok(res) => {
            let status = res.status().as_u16();
            let _ = res.bytes().await;
            (Some(status), None)
        }
        Err(e) => (None, Some(failure(&e))),
    };
    let took = due.elapsed().as_secs_f64() * 1000.0;
    let mut t = tally.lock().await;
    match status {
        Some(200) => t.ok.push(took),
        Some(503) => t.shed += 1,
        Some(_) => t.other += 1,
        None => {
            t.failed += 1;
            t.first_failure = t.first_failure.take().or(failure);
        }
    }
}

/// An error with its causes, which say whether the connection was refused,
/// reset or timed out.
fn failure(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(4096)
        // A node closes a connection idle for 5 s (actix-web's keep-alive);
        // a request sent on it at that moment is lost ("connection closed
        // before message completed"), so the client lets it go first.
        .pool_idle_timeout(Duration::from_secs(4))
        .build()
        .expect("an HTTP client")
}

async fn closed(url: String, token: String, connections: usize, seconds: f64) {
    let client = client();
    let tally = Arc::new(Mutex::new(Tally::default()));
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (client, url, token, tally) = (client.clone(), url.clone(), token.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < end {
                one(&client, &url, &token, Instant::now(), &tally).await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    println!("{}", summary("closed", seconds, &*tally.lock().await, None));
}

async fn open(url: String, token: String, phases: Vec<(f64, f64, String)>) {
    let client = client();
    for (rate, seconds, label) in phases {
        let per_second: Vec<Arc<Mutex<Tally>>> =
            (0..seconds.ceil() as usize).map(|_| Arc::new(Mutex::new(Tally::default()))).collect();
        let start = Instant::now();
        let total = (rate * seconds) as u64;
        // Handles are not kept: a long soak schedules millions of requests.
        let pending = Arc::new(std::sync::atomic::AtomicU64::new(0));
        for i in 0..total {
            let due = start + Duration::from_secs_f64(i as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
            let second = per_second[((i as f64 / rate) as usize).min(per_second.len() - 1)].clone();
            let (client, url, token, pending) = (client.clone(), url.clone(), token.clone(), pending.clone());
            pending.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tokio::spawn(async move {
                one(&client, &url, &token, due, &second).await;
                pending.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            });
        }
        while pending.load(std::sync::atomic::Ordering::Relaxed) > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut whole = Tally::default();
        for s in &per_second {
            let s = s.lock().await;
            whole.ok.extend_from_slice(&s.ok);
            whole.shed += s.shed;
            whole.other += s.other;
            whole.failed += s.failed;
            whole.first_failure = whole.first_failure.take().or_else(|| s.first_failure.clone());
        }
        println!("{}", summary(&label, seconds, &whole, Some(rate)));
        // Each second of the burst and of what follows: where goodput dips, and how soon p99 is back.
        if label.starts_with("after") || label.starts_with("burst") {
            for (n, s) in per_second.iter().enumerate() {
                println!("{}", summary(&format!("{label} second {}", n + 1), 1.0, &*s.lock().await, Some(rate)));
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage =
        "usage: loadgen closed <url> <token> <connections> <seconds> | open <url> <token> <rate>:<seconds>:<label>...";
    match args.get(1).map(String::as_str) {
        Some("closed") if args.len() == 6 => {
            closed(args[2].clone(), args[3].clone(), args[4].parse().expect(usage), args[5].parse().expect(usage)).await
        }
        Some("open") if args.len() >= 5 => {
            let phases = args[4..]
                .iter()
                .map(|p| {
                    let parts: Vec<&str> = p.splitn(3, ':').collect();
                    assert_eq!(parts.len(), 3, "{usage}");
                    (parts[0].parse().expect(usage), parts[1].parse().expect(usage), parts[2].to_owned())
                })
                .collect();
            open(args[2].clone(), args[3].clone(), phases).await
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}
