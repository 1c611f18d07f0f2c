//! A TCP proxy a test can cut and restore, to take a database away from a
//! running server without touching the database itself.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

pub struct Proxy {
    pub addr: SocketAddr,
    open: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let open = Arc::new(AtomicBool::new(true));
        let (cut, cuts) = watch::channel(0u64);
        let accepting = open.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cuts = cuts.clone();
                cuts.mark_unchanged();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else { return };
                    let mut client = client;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Self { addr, open, cut }
    }

    /// A proxy in front of the database `database_url` names, and the URL
    /// that reaches that database through it.
    pub async fn in_front_of(database_url: &str) -> (Self, String) {
        let target = tokio::net::lookup_host(url_host_port(database_url))
            .await
            .expect("the database's address resolves")
            .next()
            .expect("the database has an address");
        let proxy = Self::start(target).await;
        let via = with_host_port(database_url, &proxy.addr.to_string());
        (proxy, via)
    }

    /// Drops every open connection and refuses new ones.
    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

/// `host:port` of a database URL (default port 5432).
pub fn url_host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}

/// The URL with its `host:port` replaced.
pub fn with_host_port(url: &str, host_port: &str) -> String {
    let current = url_host_port(url);
    let bare = current.trim_end_matches(":5432");
    if url.contains(&current) {
        url.replacen(&current, host_port, 1)
    } else {
        url.replacen(bare, host_port, 1)
    }
}
