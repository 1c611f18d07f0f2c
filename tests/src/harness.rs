//! Runs every black-box test once per backend, each on a fresh database, and
//! cleans up (servers stopped, database dropped) even when the test fails.

use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use futures::future::BoxFuture;
use libtest_mimic::{Failed, Trial};

use crate::{
    database::{skip_pg, Backend, TestDatabase},
    TestApp,
};

/// A test body: gets a context, starts what servers it needs, asserts.
pub type TestFn = fn(Ctx) -> BoxFuture<'static, ()>;

/// Both backends: the default for every test.
pub const BOTH: &[Backend] = &[Backend::Sqlite, Backend::Postgres];
/// Only PostgreSQL: for what SQLite cannot show (a server that goes away).
pub const POSTGRES_ONLY: &[Backend] = &[Backend::Postgres];
/// Only SQLite: for tests that need no database of their own.
pub const SQLITE_ONLY: &[Backend] = &[Backend::Sqlite];

/// Lists test functions of a module as `TESTS`, for [`trials`].
#[macro_export]
macro_rules! tests {
    ($list:ident: $($name:ident),* $(,)?) => {
        pub const $list: &[(&str, $crate::harness::TestFn)] = &[
            $((stringify!($name), |ctx| Box::pin($name(ctx)))),*
        ];
    };
    ($($name:ident),* $(,)?) => {
        $crate::tests![TESTS: $($name),*];
    };
}

/// One test's database and the servers it started.
pub struct Ctx {
    pub backend: Backend,
    database_url: String,
    data_dir: std::path::PathBuf,
    servers: Arc<Mutex<Vec<ServerHandle>>>,
}

impl Ctx {
    /// A server on this test's database, with default test settings.
    pub async fn app(&self) -> TestApp {
        self.app_with(&[]).await
    }

    /// A server on this test's database with extra `GRIDLINE_*` settings.
    pub async fn app_with(&self, extra: &[(&str, &str)]) -> TestApp {
        self.start(extra, None).await
    }

    /// A server that reaches this test's database through a proxy the test
    /// can cut, giving up on the database within half a second.
    pub async fn app_behind_a_cuttable_proxy(&self) -> (crate::proxy::Proxy, TestApp) {
        let (proxy, via_proxy) = crate::proxy::Proxy::in_front_of(self.database_url()).await;
        let app = self
            .app_with(&[
                ("GRIDLINE_DATABASE_URL", &via_proxy),
                ("GRIDLINE_DB_ACQUIRE_TIMEOUT_MS", "500"),
                ("GRIDLINE_READY_TIMEOUT_MS", "1000"),
            ])
            .await;
        (proxy, app)
    }

    /// A server whose case clocks read `clock`, which the test sets.
    pub async fn app_with_clock(
        &self,
        extra: &[(&str, &str)],
        clock: Arc<gridline_domain::time::ManualClock>,
    ) -> TestApp {
        self.start(extra, Some(clock)).await
    }

    async fn start(&self, extra: &[(&str, &str)], clock: Option<Arc<dyn gridline_domain::time::Clock>>) -> TestApp {
        let url = extra
            .iter()
            .find(|(k, _)| *k == "GRIDLINE_DATABASE_URL")
            .map_or(self.database_url.as_str(), |(_, v)| *v)
            .to_owned();
        let app = TestApp::start(&url, &self.data_dir, extra, clock).await;
        self.servers.lock().expect("server list").push(app.handle.clone());
        app
    }

    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }
}

/// The trials for a module's tests on the given backends. PostgreSQL trials
/// are reported as ignored under `GRIDLINE_TEST_SKIP_PG=1`.
pub fn trials(module: &str, tests: &[(&'static str, TestFn)], backends: &[Backend]) -> Vec<Trial> {
    let mut out = Vec::new();
    for &(name, test) in tests {
        for &backend in backends {
            let ignored = backend == Backend::Postgres && skip_pg();
            out.push(
                Trial::test(format!("{module}::{name}::{}", backend.name()), move || run(backend, test))
                    .with_ignored_flag(ignored),
            );
        }
    }
    out
}

fn run(backend: Backend, test: TestFn) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let db = TestDatabase::create(backend).await;
        let servers = Arc::new(Mutex::new(Vec::new()));
        let ctx =
            Ctx { backend, database_url: db.url.clone(), data_dir: db.data_dir.clone(), servers: servers.clone() };
        let outcome = tokio::spawn(test(ctx)).await;
        let handles: Vec<ServerHandle> = servers.lock().expect("server list").drain(..).collect();
        for handle in handles {
            handle.stop(false).await;
        }
        db.destroy().await;
        match outcome {
            Ok(()) => Ok(()),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(Failed::from(e.to_string())),
        }
    })
}
