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
        clock_status(self.stage(), self.due_at, self.warn_at, self.suspended_at, now)
    }
}

/// A stage's clock at `now`: the stage, its deadline and warning moment, and
/// when it was suspended (a suspended clock stands still where it stopped).
pub fn clock_status(
    stage: Stage,
    due_at: Option<DateTime<Utc>>,
    warn_at: Option<DateTime<Utc>>,
    suspended_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> TimeLimitStatus {
    if stage == Stage::None {
        return TimeLimitStatus::None;
    }
    let (Some(due), Some(warn)) = (due_at, warn_at) else { return TimeLimitStatus::None };
    let now = suspended_at.unwrap_or(now);
    if now >= due {
        TimeLimitStatus::Overdue
    } else if now >= warn {
        TimeLimitStatus::Warning
    } else {
        TimeLimitStatus::Ok
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

    use super::*;
    use crate::cases::{fixture::case_at, CaseStatus, Priority, TimeLimit, TimeUnit};

    fn dispatched_at(start: DateTime<Utc>, hours: u32) -> Case {
        let due = TimeLimit { priority: Priority::Normal, amount: hours, unit: TimeUnit::NaturalHours }
            .due(start, &WorkCalendar::default());
        let mut case = case_at(CaseStatus::Dispatched, start);
        case.limit_started_at = Some(start);
        case.due_at = Some(due);
        case.warn_at = Some(warn_at(start, due, None));
        case
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
