//! What passing time does to a case, for the sweeper: a `warning` and an
//! `overdue` event once per deadline, and a suspension that ends on its date.
//! Each is dated when it happened, so a sweep after downtime writes the
//! record as it would have been written on time.

use super::{
    workflow::{event, resume_clock, stamp_visibility, with, ClockContext},
    Case, CaseEvent, CaseStatus, EventType, Outcome,
};

/// The alarms a case's running clock owes, as the store found them: each
/// threshold passed and not yet recorded for the deadline in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    pub case: Case,
    pub warning: bool,
    pub overdue: bool,
}

/// The events of an alarm: by the system, at `warn_at` and at `due_at`. They
/// leave the case (and its version) as it is.
pub fn alarm_events(alarm: &Alarm) -> Vec<CaseEvent> {
    let case = &alarm.case;
    let stage = case.stage().as_str().to_owned();
    let due = case.due_at.map(|d| d.to_rfc3339()).unwrap_or_default();
    let mut events = Vec::new();
    for (owed, kind, at) in
        [(alarm.warning, EventType::Warning, case.warn_at), (alarm.overdue, EventType::Overdue, case.due_at)]
    {
        if let (true, Some(at)) = (owed, at) {
            let changes = [("stage", stage.clone()), ("due_at", due.clone())];
            events.push(with(event(case, None, kind, case.status, at), None, &changes));
        }
    }
    stamp_visibility(Some(case), case, &mut events);
    events
}

/// A suspension whose `resume_on` date has come ends, by the system, at the
/// start of that date in the calendar's time zone: the deadline moves by the
/// time the clock stood still until then, however late the sweep runs.
pub fn resume_on_date(case: &Case, clocks: &ClockContext<'_>) -> Option<Outcome> {
    let (Some(_), Some(until)) = (case.suspended_at, case.suspended_until) else { return None };
    let at = clocks.calendar.start_of(until);
    if at > clocks.now {
        return None;
    }
    let mut next = case.clone();
    let changes = resume_clock(&mut next, &ClockContext { now: at.max(case.suspended_at?), ..*clocks });
    let mut events = vec![with(
        event(&next, None, EventType::Resumed, case.status, at),
        Some("到期自动恢复 resumed on its date".into()),
        &changes,
    )];
    next.updated_at = clocks.now;
    next.version += 1;
    stamp_visibility(Some(case), &next, &mut events);
    Some(Outcome { case: next, events, extension: None })
}

/// Past its deadline by the category's `auto_escalate_after_hours` working
/// hours, a case not yet dispatched is escalated one level up by the system
/// (`parent`: the owner's parent, `None` at the district, where nothing
/// happens), and a case in handling is urged by the system. Once per
/// deadline: the event names the deadline it was for. Dated when the
/// threshold passed.
pub fn auto_escalate(
    case: &Case,
    events: &[CaseEvent],
    parent: Option<(uuid::Uuid, String)>,
    clocks: &ClockContext<'_>,
) -> Option<Outcome> {
    let hours = clocks.category.auto_escalate_after_hours?;
    let due = case.due_at?;
    if case.suspended_at.is_some() {
        return None;
    }
    let at = clocks.calendar.add_working(due, chrono::Duration::hours(i64::from(hours)));
    if at > clocks.now {
        return None;
    }
    let for_due = due.to_rfc3339();
    let done = events.iter().any(|e| {
        matches!(e.actor, super::EventActor::System)
            && matches!(e.event_type, EventType::Escalated | EventType::Urged)
            && e.changes.get("for_due_at") == Some(&for_due)
    });
    if done {
        return None;
    }
    let mut next = case.clone();
    let event = match case.status {
        CaseStatus::Reported | CaseStatus::Accepted => {
            let (id, path) = parent?;
            next.owner_unit_id = id;
            next.owner_path = path;
            let changes = [("owner_unit_id", id.to_string()), ("for_due_at", for_due)];
            with(
                event(&next, None, EventType::Escalated, case.status, at),
                Some("超时自动上报 escalated past its deadline".into()),
                &changes,
            )
        }
        CaseStatus::Dispatched | CaseStatus::InProgress => with(
            event(&next, None, EventType::Urged, case.status, at),
            Some("超时自动督办 urged past its deadline".into()),
            &[("for_due_at", for_due)],
        ),
        _ => return None,
    };
    let mut events = vec![event];
    next.updated_at = clocks.now;
    next.version += 1;
    stamp_visibility(Some(case), &next, &mut events);
    Some(Outcome { case: next, events, extension: None })
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::{
        calendar::WorkCalendar,
        cases::{default_catalog, fixture::case_at, StageLimits},
    };

    fn handling(at: chrono::DateTime<Utc>) -> Case {
        let mut case = case_at(CaseStatus::Dispatched, at);
        case.id = uuid::Uuid::from_u128(1);
        case.category_code = "neighbour_dispute".into();
        case.limit_started_at = Some(at);
        case.due_at = Some(at + Duration::hours(10));
        case.warn_at = Some(at + Duration::hours(8));
        case.version = 3;
        case
    }

    #[test]
    fn alarms_are_dated_when_the_clock_passed_them_and_leave_the_case_alone() {
        let start = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
        let case = handling(start);
        let events = alarm_events(&Alarm { case: case.clone(), warning: true, overdue: true });
        let kinds: Vec<_> = events.iter().map(|e| (e.event_type, e.at)).collect();
        assert_eq!(
            kinds,
            [(EventType::Warning, start + Duration::hours(8)), (EventType::Overdue, start + Duration::hours(10))]
        );
        assert_eq!(events[1].changes["stage"], "handle");
        let only_overdue = alarm_events(&Alarm { case, warning: false, overdue: true });
        assert_eq!(only_overdue.len(), 1);
    }

    #[test]
    fn a_suspension_ends_at_the_start_of_its_date_even_when_the_sweep_is_late() {
        let start = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
        let mut case = handling(start);
        case.suspended_at = Some(start + Duration::hours(1));
        case.suspended_until = NaiveDate::from_ymd_opt(2026, 11, 5);
        let category = default_catalog(start).into_iter().find(|c| c.code == "neighbour_dispute").unwrap();
        let calendar = WorkCalendar { time_zone: chrono_tz::UTC, ..WorkCalendar::default() };
        let limits = StageLimits::default();
        let clocks = |now| ClockContext { category: &category, calendar: &calendar, stage_limits: &limits, now };
        assert!(resume_on_date(&case, &clocks(start + Duration::days(2))).is_none(), "not yet");
        // The sweep comes two days late; the clock stood from 01:00 on the 2nd to 00:00 on the 5th: 71 hours.
        let resumed = resume_on_date(&case, &clocks(start + Duration::days(5))).unwrap();
        assert_eq!(resumed.events[0].at, start + Duration::days(3));
        assert_eq!(resumed.case.due_at, Some(start + Duration::hours(10 + 71)));
        assert_eq!((resumed.case.suspended_at, resumed.case.version), (None, 4));
    }

    #[test]
    fn past_its_deadline_by_the_category_s_hours_a_case_is_escalated_or_urged_once() {
        let start = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
        let mut case = handling(start);
        let mut category = default_catalog(start).into_iter().find(|c| c.code == "neighbour_dispute").unwrap();
        category.auto_escalate_after_hours = Some(2);
        let calendar = WorkCalendar { time_zone: chrono_tz::UTC, ..WorkCalendar::default() };
        let limits = StageLimits::default();
        let clocks = |now| ClockContext { category: &category, calendar: &calendar, stage_limits: &limits, now };
        // Due Monday 10:00 UTC; two working hours past it is noon, the morning's close.
        assert!(auto_escalate(&case, &[], None, &clocks(start + Duration::hours(11))).is_none());
        let urged = auto_escalate(&case, &[], None, &clocks(start + Duration::hours(15))).unwrap();
        assert_eq!(urged.events[0].event_type, EventType::Urged);
        assert_eq!(urged.events[0].at, start + Duration::hours(12), "dated when the threshold passed");
        assert!(auto_escalate(&case, &urged.events, None, &clocks(start + Duration::hours(16))).is_none(), "once");
        case.status = super::super::CaseStatus::Accepted;
        let parent = (uuid::Uuid::from_u128(9), "/9/".to_owned());
        let escalated = auto_escalate(&case, &[], Some(parent), &clocks(start + Duration::hours(15))).unwrap();
        assert_eq!((escalated.case.owner_unit_id, escalated.case.version), (uuid::Uuid::from_u128(9), 4));
        assert!(auto_escalate(&case, &[], None, &clocks(start + Duration::hours(15))).is_none(), "the district");
    }
}
