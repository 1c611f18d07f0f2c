//! The figures leaders are judged by (考核指标), each computed from the
//! timeline, so that nothing late disappears when a case moves on: a case
//! resolved late and reworked stays not-on-time however it ends.

use chrono::{DateTime, Duration, Utc};

use crate::{
    calendar::WorkCalendar,
    cases::{clock_status, CaseStatus, Stage, TimeLimitStatus},
};

mod trail;

pub use trail::{CaseTally, Mark, Trail};

/// What one case contributes, read from its trail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseFacts {
    pub accepted: bool,
    pub accepted_on_time: bool,
    pub rejected: bool,
    pub cancelled: bool,
    pub dispatched: bool,
    pub settled_on_site: bool,
    pub closed: bool,
    pub closed_on_time: bool,
    pub overdue_now: bool,
    pub suspended: bool,
    pub verified: bool,
    pub reworked: bool,
    pub urged: bool,
    pub rated: bool,
    pub satisfied: bool,
    pub reopened: bool,
}

impl CaseFacts {
    pub fn of(case: &CaseTally, now: DateTime<Utc>) -> Self {
        let t = &case.trail;
        let accepted = t.has(Mark::Accepted);
        let reworked = t.has(Mark::Reworked);
        let closed = case.status == CaseStatus::Closed;
        let clock = clock_status(Stage::of(case.status), case.due_at, case.warn_at, case.suspended_at, now);
        Self {
            accepted,
            accepted_on_time: accepted && !t.has(Mark::AcceptedLate),
            rejected: t.has(Mark::Rejected),
            cancelled: t.has(Mark::Cancelled),
            dispatched: t.has(Mark::Dispatched),
            settled_on_site: case.resolved_on_site,
            closed,
            // Every resolution before the handling deadline in force at that moment.
            closed_on_time: closed && !reworked && !t.has(Mark::ResolvedLate),
            overdue_now: clock == TimeLimitStatus::Overdue,
            suspended: t.has(Mark::Suspended),
            verified: t.has(Mark::Verified),
            reworked,
            urged: t.has(Mark::Urged),
            rated: case.rating.is_some(),
            satisfied: case.rating.is_some_and(crate::cases::Rating::satisfied),
            reopened: t.has(Mark::Reopened),
        }
    }
}

/// Working hours from the first dispatch to the last resolution of a
/// closed case that was dispatched.
pub fn handling_hours(case: &CaseTally, calendar: &WorkCalendar) -> Option<f64> {
    if case.status != CaseStatus::Closed {
        return None;
    }
    let (Some(first_dispatch), Some(last_resolution)) = (case.trail.first_dispatched_at, case.trail.last_resolved_at)
    else {
        return None;
    };
    let worked: Duration = calendar.working_between(first_dispatch, last_resolution);
    Some(worked.num_seconds() as f64 / 3600.0)
}

/// The counts and rates of a group of cases (or of all of them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub reported: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub cancelled: u64,
    pub dispatched: u64,
    pub settled_on_site: u64,
    pub due_to_close: u64,
    pub closed: u64,
    pub closed_on_time: u64,
    pub overdue_now: u64,
    pub suspended: u64,
    pub verified: u64,
    pub reworked: u64,
    pub urged: u64,
    pub accepted_on_time: u64,
    /// Cases whose last closing was rated (回访), and of those the satisfied or basically satisfied.
    pub rated: u64,
    pub satisfied: u64,
    /// Sent back to work after a dissatisfied rating (not counted as rework).
    pub reopened: u64,
    pub closure_rate: Option<f64>,
    pub on_time_closure_rate: Option<f64>,
    pub rework_rate: Option<f64>,
    pub timely_acceptance_rate: Option<f64>,
    /// 满意率: (satisfied + basically satisfied) ÷ rated.
    pub satisfied_rate: Option<f64>,
    pub avg_handling_hours: Option<f64>,
    pub p90_handling_hours: Option<f64>,
}

fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round(part as f64 / whole as f64))
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

impl Figures {
    /// The figures of the cases given by their facts and handling hours.
    pub fn of(facts: &[CaseFacts], mut hours: Vec<f64>) -> Self {
        let count = |f: fn(&CaseFacts) -> bool| facts.iter().filter(|c| f(c)).count() as u64;
        let dispatched = count(|c| c.dispatched);
        let settled_on_site = count(|c| c.settled_on_site);
        let due_to_close = dispatched + settled_on_site;
        let closed = count(|c| c.closed);
        let closed_on_time = count(|c| c.closed_on_time);
        let suspended = count(|c| c.suspended);
        let verified = count(|c| c.verified);
        let reworked = count(|c| c.reworked);
        let accepted = count(|c| c.accepted);
        let accepted_on_time = count(|c| c.accepted_on_time);
        let rated = count(|c| c.rated);
        let satisfied = count(|c| c.satisfied);
        hours.sort_by(f64::total_cmp);
        let avg = (!hours.is_empty()).then(|| round(hours.iter().sum::<f64>() / hours.len() as f64));
        // Nearest rank: the smallest value with at least 90% of values at or below it.
        let p90 = (!hours.is_empty()).then(|| round(hours[(hours.len() * 9).div_ceil(10) - 1]));
        Self {
            reported: facts.len() as u64,
            accepted,
            rejected: count(|c| c.rejected),
            cancelled: count(|c| c.cancelled),
            dispatched,
            settled_on_site,
            due_to_close,
            closed,
            closed_on_time,
            overdue_now: count(|c| c.overdue_now),
            suspended,
            verified,
            reworked,
            urged: count(|c| c.urged),
            accepted_on_time,
            rated,
            satisfied,
            reopened: count(|c| c.reopened),
            closure_rate: rate(closed, due_to_close),
            on_time_closure_rate: rate(closed_on_time, due_to_close.saturating_sub(suspended)),
            rework_rate: rate(reworked, verified),
            timely_acceptance_rate: rate(accepted_on_time, accepted),
            satisfied_rate: rate(satisfied, rated),
            avg_handling_hours: avg,
            p90_handling_hours: p90,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(f: impl Fn(&mut CaseFacts)) -> CaseFacts {
        let mut c = CaseFacts::default();
        f(&mut c);
        c
    }

    #[test]
    fn rates_follow_the_table_and_a_zero_denominator_is_none() {
        let all = [
            facts(|c| (c.dispatched, c.closed, c.closed_on_time, c.verified) = (true, true, true, true)),
            facts(|c| (c.dispatched, c.closed, c.verified, c.reworked) = (true, true, true, true)),
            facts(|c| (c.dispatched, c.suspended) = (true, true)),
            facts(|c| (c.settled_on_site, c.closed, c.closed_on_time) = (true, true, true)),
            facts(|c| c.rejected = true),
        ];
        let rated = [
            facts(|c| (c.rated, c.satisfied) = (true, true)),
            facts(|c| (c.rated, c.satisfied) = (true, true)),
            facts(|c| (c.rated, c.reopened) = (true, true)),
            facts(|c| c.reopened = true),
        ];
        let r = Figures::of(&rated, Vec::new());
        assert_eq!((r.rated, r.satisfied, r.reopened, r.satisfied_rate), (3, 2, 2, Some(0.6667)));
        let f = Figures::of(&all, vec![4.0, 1.0, 10.0]);
        assert_eq!((f.reported, f.due_to_close, f.closed, f.closed_on_time), (5, 4, 3, 2));
        assert_eq!(f.closure_rate, Some(0.75));
        assert_eq!(f.on_time_closure_rate, Some(0.6667), "2 of (4 due - 1 suspended)");
        assert_eq!(f.rework_rate, Some(0.5));
        assert_eq!(f.timely_acceptance_rate, None, "nobody accepted: no rate, not zero");
        assert_eq!((f.avg_handling_hours, f.p90_handling_hours), (Some(5.0), Some(10.0)));
        assert_eq!(Figures::of(&[], Vec::new()).closure_rate, None);
    }
}
