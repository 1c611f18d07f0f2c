use chrono::{DateTime, Utc};

use super::{Case, Stage};
use crate::calendar::WorkCalendar;

/// Past this share of the time limit a case is flagged (预警).
pub const WARNING_SHARE: f64 = 0.8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeLimitStatus {
    /// No clock runs: closed, rejected or cancelled, or a stage without a limit.
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
    /// The stage whose clock runs now.
    pub fn stage(&self) -> Stage {
        Stage::of(self.status)
    }

    /// Of the running stage's clock, computed at read time. Whether an
    /// earlier stage ended late is kept on the timeline, not here.
    pub fn time_limit_status(&self, now: DateTime<Utc>) -> TimeLimitStatus {
        if self.stage() == Stage::None {
            return TimeLimitStatus::None;
        }
        let (Some(due), Some(warn)) = (self.due_at, self.warn_at) else { return TimeLimitStatus::None };
        // A suspended clock stands still where it stopped.
        let now = self.suspended_at.unwrap_or(now);
        if now >= due {
            TimeLimitStatus::Overdue
        } else if now >= warn {
            TimeLimitStatus::Warning
        } else {
            TimeLimitStatus::Ok
        }
    }
}

/// The warning moment of a limit running from `start` to `due`: 80% of its
/// time, counted as the limit counts (working time for a working-time limit).
pub(crate) fn warn_at(start: DateTime<Utc>, due: DateTime<Utc>, working: Option<&WorkCalendar>) -> DateTime<Utc> {
    let share = |span: chrono::Duration| {
        chrono::Duration::microseconds((span.num_microseconds().unwrap_or(0) as f64 * WARNING_SHARE) as i64)
    };
    match working {
        None => start + share(due - start),
        Some(calendar) => calendar.add_working(start, share(calendar.working_between(start, due))),
    }
}

/// A deadline moved by `hours`, in the limit's own kind of hours.
pub(crate) fn extend(due: DateTime<Utc>, hours: u32, working: Option<&WorkCalendar>) -> DateTime<Utc> {
    let hours = chrono::Duration::hours(i64::from(hours));
    match working {
        None => due + hours,
        Some(calendar) => calendar.add_working(due, hours),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::{
        cases::{CaseStatus, Priority, Source, TimeLimit, TimeUnit},
        geo::Position,
    };

    fn dispatched_at(start: DateTime<Utc>, hours: u32) -> Case {
        let due = TimeLimit { priority: Priority::Normal, amount: hours, unit: TimeUnit::NaturalHours }
            .due(start, &WorkCalendar::default());
        Case {
            id: Uuid::nil(),
            number: "2026-000001".into(),
            status: CaseStatus::Dispatched,
            category_code: "sanitation".into(),
            priority: Priority::Normal,
            description: String::new(),
            location: Position { lon: 116.4, lat: 39.9 },
            address: String::new(),
            grid_id: Uuid::nil(),
            grid_path: "/".into(),
            owner_unit_id: Uuid::nil(),
            owner_path: "/".into(),
            suggested_department_id: None,
            lead_department_id: None,
            assisting_department_ids: Vec::new(),
            department_history: Vec::new(),
            handler_user_id: None,
            reporter_user_id: None,
            reporter_api_key_id: None,
            reported_by_grid_worker: true,
            source: Source::GridWorker,
            resident: None,
            resolved_on_site: false,
            limit_started_at: Some(start),
            due_at: Some(due),
            warn_at: Some(warn_at(start, due, None)),
            resolved_at: None,
            resolved_by: None,
            rework_count: 0,
            suspended_at: None,
            suspended_until: None,
            pending_extension: None,
            version: 1,
            created_at: start,
            updated_at: start,
        }
    }

    #[test]
    fn warning_past_eighty_percent_and_overdue_past_due() {
        let start = Utc.with_ymd_and_hms(2026, 11, 28, 8, 0, 0).unwrap();
        let case = dispatched_at(start, 10);
        assert_eq!(case.due_at, Some(start + Duration::hours(10)));
        assert_eq!(case.time_limit_status(start + Duration::hours(7)), TimeLimitStatus::Ok);
        assert_eq!(case.time_limit_status(start + Duration::hours(8)), TimeLimitStatus::Warning);
        assert_eq!(case.time_limit_status(start + Duration::hours(10)), TimeLimitStatus::Overdue);
    }

    #[test]
    fn a_final_case_has_no_running_clock() {
        let start = Utc.with_ymd_and_hms(2026, 11, 28, 8, 0, 0).unwrap();
        let mut case = dispatched_at(start, 10);
        for status in [CaseStatus::Closed, CaseStatus::Cancelled, CaseStatus::Rejected] {
            case.status = status;
            assert_eq!(case.time_limit_status(start + Duration::days(3)), TimeLimitStatus::None);
        }
    }
}
