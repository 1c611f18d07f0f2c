//! Time as the store keeps it.

use chrono::{DateTime, SubsecRound, Utc};

/// Now, truncated to the microsecond both databases store, so that a value
/// read back equals the value written.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
