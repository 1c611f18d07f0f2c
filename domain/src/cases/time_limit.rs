use chrono::{DateTime, Utc};

use super::{Case, CaseStatus};

/// Past this share of the time limit a case is flagged (预警).
pub const WARNING_SHARE: f64 = 0.8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeLimitStatus {
    /// No limit runs: not dispatched yet, or rejected or cancelled.
    None,
    Ok,
    /// Past 80% of the time.
    Warning,
    /// Past `due_at` (超时).
    Overdue,
}

impl TimeLimitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Ok => "ok",
            Self::Warning => "warning",
            Self::Overdue => "overdue",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::None, Self::Ok, Self::Warning, Self::Overdue].into_iter().find(|t| t.as_str() == s)
    }
}

impl Case {
    /// Computed at read time: a resolved or closed case is judged at the
    /// moment it was resolved, so closing late does not make it overdue.
    pub fn time_limit_status(&self, now: DateTime<Utc>) -> TimeLimitStatus {
        if matches!(self.status, CaseStatus::Rejected | CaseStatus::Cancelled) {
            return TimeLimitStatus::None;
        }
        let (Some(due), Some(warn)) = (self.due_at, self.warn_at) else { return TimeLimitStatus::None };
        let at = self.resolved_at.unwrap_or(now);
        if at >= due {
            TimeLimitStatus::Overdue
        } else if at >= warn {
            TimeLimitStatus::Warning
        } else {
            TimeLimitStatus::Ok
        }
    }
}

/// The warning moment of a limit running from `start` to `due`.
pub(crate) fn warn_at(start: DateTime<Utc>, due: DateTime<Utc>) -> DateTime<Utc> {
    let span = (due - start).num_microseconds().unwrap_or(0) as f64;
    start + chrono::Duration::microseconds((span * WARNING_SHARE) as i64)
}
