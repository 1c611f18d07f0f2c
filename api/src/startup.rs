//! Building and running the server: open the database, apply migrations, bind
//! the listener, then serve until told to stop.

use std::{net::TcpListener, sync::Arc};

use actix_web::{
    dev::{Server, ServerHandle},
    middleware::from_fn,
    web, App, HttpServer,
};
use anyhow::Context;
use gridline_domain::time::{Clock, SystemClock};
use gridline_openapi::ApiDoc;
use gridline_persistence::Database;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    auth::{KeyRing, Passwords},
    bootstrap,
    config::{redact_url, Settings},
    extract::{path_error, BodyLimit},
    middleware::{fallback, problem_json, request_id, traffic, RouteTable},
    routes,
    state::AppState,
};

/// Everything a node needs before serving: the signing keys, the first admin,
/// the caches of shared data.
async fn prepare_state(
    settings: &Settings,
    database: &Database,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<web::Data<AppState>> {
    let store = database.store();
    let keys = Arc::new(KeyRing::new(&bootstrap::installation_secret(settings)?));
    let passwords = Passwords::new(settings.auth.hash_memory_kib, settings.auth.hash_iterations)?
        .bounded(settings.auth.hash_concurrency, settings.auth.hash_wait);
    bootstrap::ensure_signing_key(&*store, &keys).await?;
    bootstrap::ensure_admin(&*store, &passwords, settings).await?;
    store.install_categories(&gridline_domain::cases::default_catalog(gridline_domain::time::now())).await?;
    bootstrap::index_for_search(&*store).await?;
    if settings.demo {
        let password = match &settings.auth.demo_password {
            Some(p) => p.expose().to_owned(),
            None => {
                tracing::warn!(
                    "demo users have the documented default password; set GRIDLINE_DEMO_PASSWORD outside a trial"
                );
                crate::demo::DEFAULT_DEMO_PASSWORD.to_owned()
            }
        };
        crate::demo::seed(&*store, &passwords, &password).await?;
    }
    let media =
        crate::media::MediaDesk::new(crate::media::store::MediaStore::open(&settings.media.store)?, &settings.media);
    let doc = routes::openapi();
    let metrics = crate::metrics::Metrics::new(doc.paths.paths.keys().map(String::as_str))?;
    let mut state = AppState::new(store, settings.auth.clone(), keys, passwords, clock, media, metrics);
    state.ready_timeout = settings.ready_timeout;
    state.load = crate::middleware::Load::new(settings.max_in_flight, settings.admission_wait);
    state.sync_window_days = settings.sync_window_days;
    state.changes = crate::stream::Hub::new(settings.sse_heartbeat);
    state.trusted_proxies = settings.trusted_proxies.clone();
    state.public_limit = crate::public_limit::PublicLimit::new(settings.public_rate_per_min);
    state.public_url = settings.public_url.clone();
    state.open311_jurisdiction = settings.open311_jurisdiction.clone();
    state.courier = crate::delivery::Courier::new(settings.push_gateway.clone(), settings.webhook_allow_private)?;
    let state = web::Data::new(state);
    state.reload_keys().await?;
    state.reload_grids().await?;
    state.reload_reference().await?;
    Ok(state)
}

/// A bound, ready-to-run server. Binding happens in [`Application::build`],
/// so `port()` is known before any request is served (tests bind port 0).
pub struct Application {
    port: u16,
    server: Server,
    /// The metrics listener, running, and its port, when `GRIDLINE_METRICS_LISTEN` is set.
    metrics: Option<(ServerHandle, tokio::task::JoinHandle<std::io::Result<()>>, u16)>,
    database: Arc<Database>,
    cache_follower: tokio::task::JoinHandle<()>,
    sweeper: tokio::task::JoinHandle<()>,
    change_follower: tokio::task::JoinHandle<()>,
    stopping: tokio::task::JoinHandle<()>,
    sampler: Option<tokio::task::JoinHandle<()>>,
    courier: tokio::task::JoinHandle<()>,
    announcer: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Opens the database, applies pending migrations and binds the listener.
    ///
    /// # Errors
    /// When the data directory cannot be created, the database cannot be
    /// opened or migrated, or the address cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// [`build`](Self::build) with the case clocks reading `clock`: the
    /// test suite sets the time this way. No setting of the server does.
    ///
    /// # Errors
    /// As [`build`](Self::build).
    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("cannot create the data directory {}", settings.data_dir.display()))?;
        let database = Database::connect(&settings.database_url, &settings.db)
            .await
            .with_context(|| format!("database {}", redact_url(&settings.database_url)))?;
        database.migrate().await?;
        let state = prepare_state(&settings, &database, clock).await?;
        let listener =
            TcpListener::bind(settings.listen).with_context(|| format!("cannot listen on {}", settings.listen))?;
        let change_listener = database.change_listener().await?;
        let cache_listener = database.cache_listener().await?;
        Self::serve(&settings, database, state, listener, (change_listener, cache_listener))
    }

    fn serve(
        settings: &Settings,
        database: Database,
        state: web::Data<AppState>,
        listener: TcpListener,
        (change_listener, cache_listener): (
            Option<gridline_persistence::ChangeListener>,
            Option<gridline_persistence::ChangeListener>,
        ),
    ) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let database = Arc::new(database);
        let doc = routes::openapi();
        let route_table = web::Data::new(RouteTable::from_openapi(&doc));
        let body_schemas = web::Data::new(crate::extract::BodySchemas::from_openapi(&doc));
        let doc = web::Data::new(routes::docs::Published(gridline_openapi::contract::published(&doc)));
        let cache_follower = tokio::spawn(crate::caches::follow(state.clone(), settings.cache_poll, cache_listener));
        let sweeper = tokio::spawn(crate::sweeper::run(state.clone(), settings.sweep_interval));
        let change_follower = tokio::spawn(crate::stream::follow(state.clone(), change_listener));
        let courier = tokio::spawn(crate::delivery::run(state.clone()));
        let announcer = tokio::spawn(crate::stream::announce(database.clone()));
        let body_limit = web::Data::new(BodyLimit(settings.max_body_bytes));
        let metrics = match settings.metrics_listen {
            Some(at) => {
                let (server, port) = crate::metrics::serve(at, state.clone())?;
                Some((server.handle(), tokio::spawn(server), port))
            }
            None => None,
        };
        let sampler =
            metrics.as_ref().map(|_| tokio::spawn(crate::metrics::sample_pools(state.clone(), database.clone())));
        let drained = state.clone();

        let server = HttpServer::new(move || {
            let (app, _) =
                App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(routes::configure).split_for_parts();
            app.app_data(state.clone())
                .app_data(doc.clone())
                .app_data(route_table.clone())
                .app_data(body_limit.clone())
                .app_data(body_schemas.clone())
                .app_data(web::PathConfig::default().error_handler(path_error))
                .route("/docs", web::get().to(routes::docs_redirect))
                .service(
                    SwaggerUi::new("/docs/{_:.*}").config(
                        utoipa_swagger_ui::Config::from("/openapi.json")
                            // Swagger UI would otherwise send the document's
                            // address to swagger.io's validator from any host
                            // but localhost.
                            .validator_url("none")
                            .persist_authorization(true),
                    ),
                )
                .default_service(web::to(fallback))
                .wrap(from_fn(traffic))
                .wrap(from_fn(problem_json))
                .wrap(from_fn(request_id))
        })
        .workers(settings.workers)
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        // Signals start the drain (crate::drain), not an immediate stop.
        .disable_signals()
        .listen(listener)?
        .run();
        crate::drain::unready_at_the_signal(&drained)?;
        let stopping = tokio::spawn(crate::drain::on_signal(drained, server.handle(), settings.drain_delay));
        tracing::info!(port, backend = ?database.backend(), "listening");
        Ok(Self {
            port,
            server,
            metrics,
            database,
            cache_follower,
            sweeper,
            change_follower,
            stopping,
            sampler,
            courier,
            announcer,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics listener's port, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(_, _, port)| *port)
    }

    /// A handle that stops the server (gracefully or not) from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM or [`ServerHandle::stop`], letting in-flight
    /// requests finish, then closes the database pool.
    ///
    /// # Errors
    /// When the server fails while running.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        if let Some((handle, running, _)) = self.metrics {
            handle.stop(false).await;
            let _ = running.await;
        }
        if let Some(sampler) = self.sampler {
            sampler.abort();
        }
        self.cache_follower.abort();
        self.sweeper.abort();
        self.change_follower.abort();
        self.stopping.abort();
        self.courier.abort();
        self.announcer.abort();
        self.database.close().await;
        result
    }
}
