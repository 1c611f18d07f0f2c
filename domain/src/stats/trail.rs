//! What the figures need of a timeline, kept on the case as its events are
//! written, so that counting a month reads one row per case and no events.
//! Every mark is "at least once": a case's trail is the union of its events'
//! marks, so it grows by OR in the same transaction that appends the events.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::cases::{Case, CaseEvent, CaseStatus, EventType, Rating, Stage};

/// One thing that happened at least once in a case's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Mark {
    Accepted = 1,
    /// Some step ended the accept stage after its deadline.
    AcceptedLate = 1 << 1,
    Rejected = 1 << 2,
    Cancelled = 1 << 3,
    Dispatched = 1 << 4,
    /// A resolution came after the handling deadline in force at that moment.
    ResolvedLate = 1 << 5,
    Suspended = 1 << 6,
    Verified = 1 << 7,
    Reworked = 1 << 8,
    Urged = 1 << 9,
    /// Sent back to work after a dissatisfied rating (not rework).
    Reopened = 1 << 10,
}

fn changed(e: &CaseEvent, key: &str, value: &str) -> bool {
    e.changes.get(key).is_some_and(|v| v == value)
}

/// A step that ended a stage late says so on its event; older events that
/// say nothing count as on time.
fn ended_late(e: &CaseEvent, stage: Stage) -> bool {
    changed(e, "ended_stage", stage.as_str()) && changed(e, "ended_stage_outcome", "late")
}

/// The marks of a case's events, with the two moments handling time runs between.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Trail {
    pub marks: u32,
    pub first_dispatched_at: Option<DateTime<Utc>>,
    pub last_resolved_at: Option<DateTime<Utc>>,
}

impl Trail {
    /// The trail of these events alone (a whole timeline, or one write's events).
    pub fn of(events: &[CaseEvent]) -> Self {
        events.iter().fold(Self::default(), |mut t, e| {
            t.add(e);
            t
        })
    }

    pub fn add(&mut self, e: &CaseEvent) {
        let kind = match e.event_type {
            EventType::Accepted => Some(Mark::Accepted),
            EventType::Rejected => Some(Mark::Rejected),
            EventType::Cancelled => Some(Mark::Cancelled),
            EventType::Dispatched => Some(Mark::Dispatched),
            EventType::Suspended => Some(Mark::Suspended),
            EventType::Verified => Some(Mark::Verified),
            // A failed verification is a verification too.
            EventType::Reworked => {
                self.marks |= Mark::Verified as u32;
                Some(Mark::Reworked)
            }
            EventType::Urged => Some(Mark::Urged),
            EventType::Reopened => Some(Mark::Reopened),
            _ => None,
        };
        if let Some(mark) = kind {
            self.marks |= mark as u32;
        }
        if ended_late(e, Stage::Accept) {
            self.marks |= Mark::AcceptedLate as u32;
        }
        if e.event_type == EventType::Resolved && ended_late(e, Stage::Handle) {
            self.marks |= Mark::ResolvedLate as u32;
        }
        if e.event_type == EventType::Dispatched && self.first_dispatched_at.is_none() {
            self.first_dispatched_at = Some(e.at);
        }
        if e.event_type == EventType::Resolved {
            self.last_resolved_at = Some(self.last_resolved_at.map_or(e.at, |t| t.max(e.at)));
        }
    }

    /// This trail followed by `later`'s events.
    pub fn then(self, later: &Self) -> Self {
        Self {
            marks: self.marks | later.marks,
            first_dispatched_at: self.first_dispatched_at.or(later.first_dispatched_at),
            last_resolved_at: later.last_resolved_at.or(self.last_resolved_at),
        }
    }

    pub fn has(&self, mark: Mark) -> bool {
        self.marks & mark as u32 != 0
    }
}

/// What the figures read of one case: where it belongs, where it stands, and its trail.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseTally {
    pub grid_id: Uuid,
    pub grid_path: String,
    pub lead_department_id: Option<Uuid>,
    pub category_code: String,
    pub reporter_user_id: Option<Uuid>,
    pub reported_by_grid_worker: bool,
    pub created_at: DateTime<Utc>,
    pub status: CaseStatus,
    pub resolved_on_site: bool,
    pub due_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
    pub suspended_at: Option<DateTime<Utc>>,
    /// The rating of its last closing, if any.
    pub rating: Option<Rating>,
    pub trail: Trail,
}

impl CaseTally {
    /// A case and its whole timeline.
    pub fn of(case: &Case, events: &[CaseEvent]) -> Self {
        Self {
            grid_id: case.grid_id,
            grid_path: case.grid_path.clone(),
            lead_department_id: case.lead_department_id,
            category_code: case.category_code.clone(),
            reporter_user_id: case.reporter_user_id,
            reported_by_grid_worker: case.reported_by_grid_worker,
            created_at: case.created_at,
            status: case.status,
            resolved_on_site: case.resolved_on_site,
            due_at: case.due_at,
            warn_at: case.warn_at,
            suspended_at: case.suspended_at,
            rating: case.rating,
            trail: Trail::of(events),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::cases::{fixture::case_at, EventActor, Visibility};

    fn event(kind: EventType, hour: u32, changes: &[(&str, &str)]) -> CaseEvent {
        let case = case_at(CaseStatus::Reported, Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap());
        CaseEvent {
            seq: 0,
            id: Uuid::new_v4(),
            case_id: case.id,
            event_type: kind,
            actor: EventActor::System,
            at: Utc.with_ymd_and_hms(2026, 11, 2, hour, 0, 0).unwrap(),
            from_status: None,
            to_status: CaseStatus::Reported,
            note: None,
            internal: false,
            changes: changes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            visible_before: None,
            visible_after: Visibility::of(&case),
        }
    }

    #[test]
    fn a_trail_written_step_by_step_equals_the_trail_of_the_whole_timeline() {
        let late = [("ended_stage", "handle"), ("ended_stage_outcome", "late")];
        let timeline = vec![
            event(EventType::Reported, 9, &[]),
            event(EventType::Accepted, 10, &[("ended_stage", "accept"), ("ended_stage_outcome", "late")]),
            event(EventType::Dispatched, 11, &[]),
            event(EventType::Resolved, 12, &late),
            event(EventType::Reworked, 13, &[]),
            event(EventType::Dispatched, 14, &[]),
            event(EventType::Resolved, 15, &[("ended_stage", "handle"), ("ended_stage_outcome", "on_time")]),
            event(EventType::Verified, 16, &[]),
        ];
        let whole = Trail::of(&timeline);
        let stepwise = timeline.chunks(3).fold(Trail::default(), |t, step| t.then(&Trail::of(step)));
        assert_eq!(stepwise, whole);
        for mark in [Mark::Accepted, Mark::AcceptedLate, Mark::Dispatched, Mark::ResolvedLate, Mark::Reworked] {
            assert!(whole.has(mark), "{mark:?}");
        }
        assert!(whole.has(Mark::Verified));
        assert!(!whole.has(Mark::Rejected) && !whole.has(Mark::Urged) && !whole.has(Mark::Suspended));
        assert_eq!(whole.first_dispatched_at.map(|t| t.format("%H").to_string()), Some("11".into()));
        assert_eq!(whole.last_resolved_at.map(|t| t.format("%H").to_string()), Some("15".into()));
    }

    #[test]
    fn a_failed_verification_counts_as_a_verification() {
        let t = Trail::of(&[event(EventType::Reworked, 9, &[])]);
        assert!(t.has(Mark::Verified) && t.has(Mark::Reworked));
    }
}
