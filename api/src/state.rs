use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use gridline_domain::{
    cases::Category,
    geo::GridIndex,
    org::{Department, DepartmentKind, OrgUnit},
    ports::Store,
    time::Clock,
    RepoError,
};
use uuid::Uuid;

use crate::{
    auth::{KeyRing, Passwords, VerifiedTokens},
    config::AuthSettings,
    reference_data::ReferenceData,
};

/// What every handler may reach, shared by all workers.
pub(crate) struct AppState {
    pub store: Arc<dyn Store>,
    pub ready_timeout: Duration,
    pub auth: AuthSettings,
    pub keys: Arc<KeyRing>,
    pub passwords: Passwords,
    pub verified_tokens: VerifiedTokens,
    pub grids: RwLock<Arc<GridIndex>>,
    reference: RwLock<Arc<ReferenceData>>,
    /// Case numbers this node took from the store and has not used yet.
    case_numbers: tokio::sync::Mutex<VecDeque<i64>>,
    last_key_reload: Mutex<Option<Instant>>,
    /// The case clocks' time (the system's, but in tests).
    clock: Arc<dyn Clock>,
    /// `GRIDLINE_SYNC_WINDOW_DAYS`.
    pub sync_window_days: u32,
    pub media: crate::media::MediaDesk,
    /// Live changes for open streams.
    pub changes: crate::stream::Hub,
    /// Deliveries to the push gateway and webhooks.
    pub courier: crate::delivery::Courier,
    /// `GRIDLINE_TRUSTED_PROXIES`.
    pub trusted_proxies: crate::client_address::TrustedProxies,
    pub(crate) public_limit: crate::public_limit::PublicLimit,
    /// `GRIDLINE_PUBLIC_URL` and `GRIDLINE_OPEN311_JURISDICTION`.
    pub public_url: Option<String>,
    pub open311_jurisdiction: Option<String>,
    /// Requests in flight, and whether the node is draining.
    pub load: crate::middleware::Load,
    /// What `/metrics` shows.
    pub metrics: crate::metrics::Metrics,
}

/// Case numbers are taken from the store this many at a time: one statement
/// for many reports. A node that stops loses the rest (numbers have gaps).
const CASE_NUMBER_BLOCK: u32 = 32;

impl AppState {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        auth: AuthSettings,
        keys: Arc<KeyRing>,
        passwords: Passwords,
        clock: Arc<dyn Clock>,
        media: crate::media::MediaDesk,
        metrics: crate::metrics::Metrics,
    ) -> Self {
        Self {
            store,
            ready_timeout: Duration::from_secs(2),
            auth,
            keys,
            passwords,
            verified_tokens: VerifiedTokens::default(),
            grids: RwLock::new(Arc::new(GridIndex::default())),
            reference: RwLock::new(Arc::new(ReferenceData::default())),
            case_numbers: tokio::sync::Mutex::new(VecDeque::new()),
            last_key_reload: Mutex::new(None),
            clock,
            sync_window_days: 90,
            changes: crate::stream::Hub::new(Duration::from_secs(15)),
            courier: crate::delivery::Courier::new(None, false).expect("an HTTP client without settings builds"),
            trusted_proxies: Default::default(),
            public_limit: crate::public_limit::PublicLimit::new(60),
            public_url: None,
            open311_jurisdiction: None,
            load: crate::middleware::Load::unbounded(),
            metrics,
            media,
        }
    }

    /// Now, for case clocks: deadlines, time-limit statuses, the sweeper.
    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub(crate) fn grid_index(&self) -> Arc<GridIndex> {
        self.grids.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reloads the grid index from the store.
    pub(crate) async fn reload_grids(&self) -> anyhow::Result<()> {
        let index = GridIndex::new(self.store.grid_boundaries().await?);
        *self.grids.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(index);
        Ok(())
    }

    pub(crate) fn reference(&self) -> Arc<ReferenceData> {
        self.reference.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reloads categories, org units and departments from the store.
    pub(crate) async fn reload_reference(&self) -> anyhow::Result<()> {
        let data = ReferenceData::load(&*self.store).await?;
        *self.reference.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(data);
        Ok(())
    }

    /// After this node changed org units: the next request must see them,
    /// in the grid index and in the reference data.
    pub(crate) async fn units_changed(&self) {
        if let Err(e) = self.reload_grids().await {
            tracing::warn!(error = %format!("{e:#}"), "reloading the grid index failed; the poll will retry");
        }
        self.reference_changed().await;
    }

    /// The working calendar clocks count by.
    pub(crate) fn calendar(&self) -> Arc<gridline_domain::calendar::WorkCalendar> {
        self.reference().calendar()
    }

    /// The clocks of accepting, dispatching and verifying.
    pub(crate) fn stage_limits(&self) -> gridline_domain::cases::StageLimits {
        self.reference().stage_limits()
    }

    /// After this node changed categories or departments: the next request must see them.
    pub(crate) async fn reference_changed(&self) {
        if let Err(e) = self.reload_reference().await {
            tracing::warn!(error = %format!("{e:#}"), "reloading reference data failed; the poll will retry");
        }
    }

    /// The codes a category filter means: the category, and a 大类's 小类
    /// with it; none for an unknown code.
    pub(crate) fn category_family(&self, code: &str) -> Vec<String> {
        self.reference()
            .categories()
            .filter(|c| c.code == code || c.parent_code.as_deref() == Some(code))
            .map(|c| c.code.clone())
            .collect()
    }

    /// The catalog as this node holds it.
    pub(crate) fn categories(&self) -> Vec<Category> {
        self.reference().categories().cloned().collect()
    }

    /// A category by code; one made on another node since the last reload is read from the store.
    pub(crate) async fn category(&self, code: &str) -> Result<Option<Category>, RepoError> {
        match self.reference().category(code) {
            Some(c) => Ok(Some(c.clone())),
            None => self.store.category(code).await,
        }
    }

    /// An org unit by id, from memory when known.
    pub(crate) async fn unit(&self, id: Uuid) -> Result<Option<OrgUnit>, RepoError> {
        match self.reference().unit(id) {
            Some(u) => Ok(Some(u.clone())),
            None => self.store.unit(id).await,
        }
    }

    /// A department by id, from memory when known.
    pub(crate) async fn department(&self, id: Uuid) -> Result<Option<Department>, RepoError> {
        match self.reference().department(id) {
            Some(d) => Ok(Some(d.clone())),
            None => self.store.department(id).await,
        }
    }

    /// The departments of one kind, for routing.
    pub(crate) fn departments_of(&self, kind: DepartmentKind) -> Vec<Department> {
        self.reference().departments_of(kind)
    }

    /// A case number no other report gets.
    pub(crate) async fn next_case_number(&self) -> Result<i64, RepoError> {
        let mut numbers = self.case_numbers.lock().await;
        if numbers.is_empty() {
            numbers.extend(self.store.take_case_numbers(CASE_NUMBER_BLOCK).await?);
        }
        numbers.pop_front().ok_or_else(|| RepoError::Unknown(anyhow::anyhow!("the store gave no case number")))
    }

    /// Reloads the signing keys from the store.
    pub(crate) async fn reload_keys(&self) -> anyhow::Result<()> {
        let verify_for = chrono::Duration::from_std(self.auth.access_ttl)?
            + chrono::Duration::seconds(crate::auth::LEEWAY_SECS as i64);
        self.keys.load(self.store.signing_keys().await?, gridline_domain::time::now(), verify_for)?;
        *self.last_key_reload.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        Ok(())
    }

    /// A token naming an unknown key may come from a key another node just
    /// made; reload, but at most once a second so such tokens cannot flood the store.
    pub(crate) async fn reload_keys_if_stale(&self) -> bool {
        let due = self
            .last_key_reload
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none_or(|t| t.elapsed() > Duration::from_secs(1));
        due && self.reload_keys().await.is_ok()
    }
}
