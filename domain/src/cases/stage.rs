//! Every stage of a case has a clock: 立案 (accept) and 派遣 (dispatch) by
//! the district's stage limits, 处置 (handle) by the category's limit for
//! the case's priority, 核查 (verify) by the stage limits again.

use chrono::{DateTime, Duration, Utc};

use super::{CaseStatus, TimeUnit};
use crate::calendar::WorkCalendar;

/// The stage whose clock runs, named by the step that ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Reported, waiting to be accepted (立案).
    Accept,
    /// Accepted, waiting to be dispatched (派遣).
    Dispatch,
    /// Dispatched or in progress, waiting to be resolved (处置).
    Handle,
    /// Resolved, waiting to be verified (核查).
    Verify,
    /// Closed, rejected or cancelled: no clock runs.
    None,
}

impl Stage {
    pub const ALL: [Self; 5] = [Self::Accept, Self::Dispatch, Self::Handle, Self::Verify, Self::None];

    pub fn of(status: CaseStatus) -> Self {
        match status {
            CaseStatus::Reported => Self::Accept,
            CaseStatus::Accepted => Self::Dispatch,
            CaseStatus::Dispatched | CaseStatus::InProgress => Self::Handle,
            CaseStatus::Resolved => Self::Verify,
            CaseStatus::Closed | CaseStatus::Rejected | CaseStatus::Cancelled => Self::None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Dispatch => "dispatch",
            Self::Handle => "handle",
            Self::Verify => "verify",
            Self::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A limit without a priority: the stages the district sets once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageLimit {
    pub amount: u32,
    pub unit: TimeUnit,
}

/// The limits of the stages around handling (handling is per category).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageLimits {
    pub accept: StageLimit,
    pub dispatch: StageLimit,
    pub verify: StageLimit,
}

impl Default for StageLimits {
    /// One working hour to accept and one to dispatch; four to verify.
    fn default() -> Self {
        let hours = |amount| StageLimit { amount, unit: TimeUnit::WorkingHours };
        Self { accept: hours(1), dispatch: hours(1), verify: hours(4) }
    }
}

/// When `amount` of `unit` started at `from` runs out.
pub fn deadline(amount: u32, unit: TimeUnit, from: DateTime<Utc>, calendar: &WorkCalendar) -> DateTime<Utc> {
    let hours = Duration::hours(i64::from(amount));
    match unit {
        TimeUnit::NaturalHours => from + hours,
        TimeUnit::WorkingHours => calendar.add_working(from, hours),
        TimeUnit::WorkingDays => calendar.end_of_working_days(from, amount),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_has_its_stage() {
        use CaseStatus::*;
        #[rustfmt::skip]
        let table = [
            (Reported, Stage::Accept), (Accepted, Stage::Dispatch), (Dispatched, Stage::Handle),
            (InProgress, Stage::Handle), (Resolved, Stage::Verify), (Closed, Stage::None),
            (Rejected, Stage::None), (Cancelled, Stage::None),
        ];
        for (status, stage) in table {
            assert_eq!(Stage::of(status), stage, "{status:?}");
        }
    }
}
