//! What passing time does to a case, for the sweeper: a `warning` and an
//! `overdue` event once per deadline, and a suspension that ends on its date.
//! Each is dated when it happened, so a sweep after downtime writes the
//! record as it would have been written on time.

use super::{
    workflow::{event, resume_clock, stamp_visibility, with, ClockContext},
    Case, CaseEvent, EventType, Outcome,
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

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::{
        calendar::WorkCalendar,
        cases::{default_catalog, Priority, Source, StageLimits},
        geo::Position,
    };

    fn handling(at: chrono::DateTime<Utc>) -> Case {
        Case {
            id: uuid::Uuid::from_u128(1),
            number: "2026-000001".into(),
            status: super::super::CaseStatus::Dispatched,
            category_code: "neighbour_dispute".into(),
            priority: Priority::Normal,
            description: String::new(),
            location: Position { lon: 116.4, lat: 39.9 },
            address: String::new(),
            grid_id: uuid::Uuid::nil(),
            grid_path: "/".into(),
            owner_unit_id: uuid::Uuid::nil(),
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
            limit_started_at: Some(at),
            due_at: Some(at + Duration::hours(10)),
            warn_at: Some(at + Duration::hours(8)),
            resolved_at: None,
            resolved_by: None,
            rework_count: 0,
            suspended_at: None,
            suspended_until: None,
            pending_extension: None,
            version: 3,
            created_at: at,
            updated_at: at,
        }
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
}
