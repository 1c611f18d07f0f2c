use std::{sync::Arc, time::Duration};

use gridline_domain::ports::Store;

/// What every handler may reach, shared by all workers.
pub(crate) struct AppState {
    pub store: Arc<dyn Store>,
    pub ready_timeout: Duration,
}
