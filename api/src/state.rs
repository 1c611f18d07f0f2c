use std::{
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use gridline_domain::{geo::GridIndex, ports::Store};

use crate::{
    auth::{KeyRing, Passwords},
    config::AuthSettings,
};

/// What every handler may reach, shared by all workers.
pub(crate) struct AppState {
    pub store: Arc<dyn Store>,
    pub ready_timeout: Duration,
    pub auth: AuthSettings,
    pub keys: Arc<KeyRing>,
    pub passwords: Passwords,
    pub grids: RwLock<Arc<GridIndex>>,
    last_key_reload: Mutex<Option<Instant>>,
}

impl AppState {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        ready_timeout: Duration,
        auth: AuthSettings,
        keys: Arc<KeyRing>,
        passwords: Passwords,
    ) -> Self {
        Self {
            store,
            ready_timeout,
            auth,
            keys,
            passwords,
            grids: RwLock::new(Arc::new(GridIndex::default())),
            last_key_reload: Mutex::new(None),
        }
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
