//! Who may take which step, written out as tables like `transitions.rs`.

use chrono::{TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::{
    calendar::WorkCalendar,
    cases::{CaseStatus, Source},
    cases::{StageLimits, TimeLimitStatus},
    geo::Position,
    identity::{Actor, Grant, Principal, Role, Scope},
};

const DISTRICT: u128 = 1;
const COMMUNITY: u128 = 3;
const GRID: u128 = 4;
const OTHER_GRID: u128 = 5;
const LEAD: u128 = 10;
const OTHER_DEPT: u128 = 11;

fn path(ids: &[u128]) -> String {
    ids.iter().map(|i| format!("/{}", Uuid::from_u128(*i))).collect::<String>() + "/"
}

fn case(status: CaseStatus) -> Case {
    let mut case = crate::cases::fixture::case_at(status, Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap());
    case.id = Uuid::from_u128(100);
    case.description = "d".into();
    case.location = Position { lon: 116.402, lat: 39.902 };
    case.address = "a".into();
    case.grid_id = Uuid::from_u128(GRID);
    case.grid_path = path(&[DISTRICT, 2, COMMUNITY, GRID]);
    case.owner_unit_id = Uuid::from_u128(COMMUNITY);
    case.owner_path = path(&[DISTRICT, 2, COMMUNITY]);
    case.lead_department_id = Some(Uuid::from_u128(LEAD));
    case.department_history = vec![Uuid::from_u128(LEAD)];
    case.reporter_user_id = Some(Uuid::from_u128(1000));
    case
}

fn person(id: u128, grants: &[(Role, u128)]) -> Principal {
    let grants = grants
        .iter()
        .enumerate()
        .map(|(i, (role, on))| Grant {
            id: Uuid::from_u128(9000 + i as u128),
            role: *role,
            scope: match role {
                Role::DepartmentStaff => Scope::Department { id: Uuid::from_u128(*on), unit_path: path(&[DISTRICT]) },
                Role::Admin => Scope::Global,
                _ => Scope::Unit {
                    id: Uuid::from_u128(*on),
                    kind: crate::org::OrgKind::Grid,
                    path: match *on {
                        DISTRICT => path(&[DISTRICT]),
                        COMMUNITY => path(&[DISTRICT, 2, COMMUNITY]),
                        GRID => path(&[DISTRICT, 2, COMMUNITY, GRID]),
                        other => path(&[DISTRICT, 2, 6, other]),
                    },
                },
            },
        })
        .collect();
    Principal { actor: Actor::User { id: Uuid::from_u128(id), username: format!("u{id}"), session_id: None }, grants }
}

#[test]
fn verification_is_for_the_grids_workers_and_the_owning_dispatchers_but_never_the_resolver() {
    let mut resolved = case(CaseStatus::Resolved);
    resolved.resolved_by = Some(Uuid::from_u128(2000));
    #[rustfmt::skip]
    let table: &[(&str, Principal, bool)] = &[
        ("the reporting grid worker",             person(1000, &[(Role::GridWorker, GRID)]), true),
        ("another grid worker of the grid",       person(1001, &[(Role::GridWorker, GRID)]), true),
        ("a grid worker of another grid",         person(1002, &[(Role::GridWorker, OTHER_GRID)]), false),
        ("the owning unit's dispatcher",          person(1003, &[(Role::Dispatcher, COMMUNITY)]), true),
        ("a district dispatcher",                 person(1004, &[(Role::Dispatcher, DISTRICT)]), false),
        ("a leader",                              person(1005, &[(Role::Leader, DISTRICT)]), false),
        ("the resolver, though a grid worker",    person(2000, &[(Role::GridWorker, GRID), (Role::DepartmentStaff, LEAD)]), false),
    ];
    for (who, p, allowed) in table {
        assert_eq!(allowed_steps(p, &resolved).iter().any(|s| s.action() == "verify"), *allowed, "{who}");
    }
}

#[test]
fn comments_need_a_grant_that_covers_the_case() {
    let open = case(CaseStatus::InProgress);
    #[rustfmt::skip]
    let table: &[(&str, Principal, bool)] = &[
        ("a grid worker of the grid",                  person(1001, &[(Role::GridWorker, GRID)]), true),
        ("a dispatcher above the grid",                person(1004, &[(Role::Dispatcher, DISTRICT)]), true),
        ("staff of the lead department",               person(1006, &[(Role::DepartmentStaff, LEAD)]), true),
        ("staff of a department never sent it",        person(1007, &[(Role::DepartmentStaff, OTHER_DEPT)]), false),
        ("a leader whose area holds the case",         person(1008, &[(Role::Leader, DISTRICT), (Role::GridWorker, OTHER_GRID)]), true),
        ("a leader of another area",                   person(1009, &[(Role::Leader, OTHER_GRID)]), false),
        ("the reporter",                               person(1000, &[]), true),
    ];
    for (who, p, allowed) in table {
        assert_eq!(allowed_steps(p, &open).contains(&Step::Comment), *allowed, "{who}");
    }
}

#[test]
fn whoever_asked_for_more_time_does_not_decide_it() {
    let mut pending = case(CaseStatus::InProgress);
    let at = pending.created_at;
    pending.pending_extension = Some(ExtensionRequest {
        id: Uuid::from_u128(77),
        case_id: pending.id,
        hours: 24,
        reason: "r".into(),
        state: ExtensionState::Pending,
        requested_by: Some(Uuid::from_u128(1006)),
        requested_at: at,
        decided_by: None,
        decided_at: None,
    });
    let asker = person(1006, &[(Role::DepartmentStaff, LEAD), (Role::Dispatcher, COMMUNITY)]);
    let dispatcher = person(1003, &[(Role::Dispatcher, COMMUNITY)]);
    assert!(!allowed_steps(&asker, &pending).contains(&Step::DecideExtension));
    assert!(matches!(check(&asker, &pending, Step::DecideExtension), Err(StepError::Forbidden(_))));
    assert!(allowed_steps(&dispatcher, &pending).contains(&Step::DecideExtension));
}

#[test]
fn the_resolver_is_recorded_and_rework_forgets_him() {
    let started = case(CaseStatus::InProgress);
    let staff = person(1006, &[(Role::DepartmentStaff, LEAD)]);
    let category = crate::cases::default_catalog(started.created_at).into_iter().next().unwrap();
    let calendar = WorkCalendar::default();
    let ctx = WorkflowContext {
        principal: &staff,
        now: started.created_at,
        category: &category,
        route: None,
        calendar: &calendar,
        stage_limits: &StageLimits::default(),
    };
    let resolved = apply(&started, Command::Resolve { note: "done".into() }, &ctx).unwrap().case;
    assert_eq!(resolved.resolved_by, Some(Uuid::from_u128(1006)));
    let worker = person(1001, &[(Role::GridWorker, GRID)]);
    let ctx = WorkflowContext { principal: &worker, ..ctx };
    let reworked = apply(&resolved, Command::Verify { passed: false, note: None }, &ctx).unwrap().case;
    assert_eq!((reworked.status, reworked.resolved_by), (CaseStatus::Dispatched, None));
}

#[test]
fn a_grid_workers_own_report_is_grid_worker_and_nobody_elses_is() {
    #[rustfmt::skip]
    let table: &[(bool, Source, bool)] = &[
        (true,  Source::GridWorker, true),
        (true,  Source::Hotline,    false),
        (false, Source::GridWorker, false),
        (false, Source::Hotline,    true),
        (false, Source::Sensor,     true),
    ];
    for (as_worker, source, ok) in table {
        assert_eq!(check_source(*as_worker, *source).is_ok(), *ok, "{as_worker} {source:?}");
    }
}

#[test]
fn a_working_hours_limit_follows_the_calendar_and_so_does_its_extension() {
    use crate::cases::{TimeLimit, TimeUnit};
    let beijing =
        |d, h, m| chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap().with_timezone(&Utc);
    let mut accepted = case(CaseStatus::Accepted);
    accepted.lead_department_id = None;
    let mut category = crate::cases::default_catalog(accepted.created_at).into_iter().next().unwrap();
    category.time_limits = vec![TimeLimit { priority: accepted.priority, amount: 2, unit: TimeUnit::WorkingHours }];
    let calendar = WorkCalendar::default();
    let dispatcher = person(1003, &[(Role::Dispatcher, COMMUNITY)]);
    // Friday 27 November 17:00: half an hour that evening, 90 minutes on Monday.
    let ctx = WorkflowContext {
        principal: &dispatcher,
        now: beijing(27, 17, 0),
        category: &category,
        route: None,
        calendar: &calendar,
        stage_limits: &StageLimits::default(),
    };
    let command = Command::Dispatch { lead: Uuid::from_u128(LEAD), assisting: Vec::new(), handler: None, note: None };
    let dispatched = apply(&accepted, command, &ctx).unwrap().case;
    assert_eq!(dispatched.due_at, Some(beijing(30, 10, 0)));
    // 80% of two working hours: 96 minutes, ending Monday 09:36.
    assert_eq!(dispatched.warn_at, Some(beijing(30, 9, 36)));

    let staff = person(1006, &[(Role::DepartmentStaff, LEAD)]);
    let ask = Command::RequestExtension { id: Uuid::from_u128(77), hours: 3, reason: "waiting for parts".into() };
    let asked = apply(&dispatched, ask, &WorkflowContext { principal: &staff, ..ctx }).unwrap();
    let decision = Decided { request_id: Uuid::from_u128(77), approved: true };
    let decide = Command::DecideExtension { decision, note: None };
    let granted = apply(&asked.case, decide, &ctx).unwrap().case;
    // Three more working hours from Monday 10:00 pass the lunch break.
    assert_eq!(granted.due_at, Some(beijing(30, 15, 0)));
}

#[test]
fn every_stage_has_a_clock_and_the_timeline_keeps_each_outcome() {
    use crate::cases::{Stage, StageLimit, TimeLimitStatus, TimeUnit};
    use chrono::Duration;
    let at = |h: i64| Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap() + Duration::hours(h);
    let mut reported = case(CaseStatus::Reported);
    reported.lead_department_id = None;
    let natural = |amount| StageLimit { amount, unit: TimeUnit::NaturalHours };
    let limits = StageLimits { accept: natural(1), dispatch: natural(2), verify: natural(3) };
    let category = crate::cases::default_catalog(at(0)).into_iter().find(|c| c.code == "neighbour_dispute").unwrap();
    let calendar = WorkCalendar::default();
    let dispatcher = person(1003, &[(Role::Dispatcher, COMMUNITY)]);
    let ctx = |p, h| WorkflowContext {
        principal: p,
        now: at(h),
        category: &category,
        route: None,
        calendar: &calendar,
        stage_limits: &limits,
    };
    let mut started = reported.clone();
    started.limit_started_at = Some(at(0));
    started.due_at = Some(at(1));
    started.warn_at = Some(at(0) + Duration::minutes(48));
    assert_eq!(started.stage(), Stage::Accept);

    // Accepted two hours after the report: the accept stage ended late.
    let accepted = apply(&started, Command::Accept, &ctx(&dispatcher, 2)).unwrap();
    let changes = &accepted.events.last().unwrap().changes;
    assert_eq!(changes["ended_stage"], "accept");
    assert_eq!(changes["ended_stage_outcome"], "late");
    assert_eq!(changes["stage"], "dispatch");
    let accepted = accepted.case;
    assert_eq!((accepted.stage(), accepted.due_at), (Stage::Dispatch, Some(at(4))));

    let dispatch = Command::Dispatch { lead: Uuid::from_u128(LEAD), assisting: Vec::new(), handler: None, note: None };
    let dispatched = apply(&accepted, dispatch, &ctx(&dispatcher, 3)).unwrap();
    assert_eq!(dispatched.events.last().unwrap().changes["ended_stage_outcome"], "on_time");
    let dispatched = dispatched.case;
    // Handling runs by the category: 72 hours for a normal neighbour dispute.
    assert_eq!((dispatched.stage(), dispatched.due_at), (Stage::Handle, Some(at(75))));

    let staff = person(1006, &[(Role::DepartmentStaff, LEAD)]);
    let started = apply(&dispatched, Command::Start, &ctx(&staff, 4)).unwrap();
    assert!(!started.events[0].changes.contains_key("stage"), "starting stays in the handling stage");
    let resolved = apply(&started.case, Command::Resolve { note: "done".into() }, &ctx(&staff, 10)).unwrap().case;
    assert_eq!((resolved.stage(), resolved.due_at), (Stage::Verify, Some(at(13))));
    let worker = person(1001, &[(Role::GridWorker, GRID)]);
    let closed = apply(&resolved, Command::Verify { passed: true, note: None }, &ctx(&worker, 11)).unwrap();
    assert_eq!(closed.events.last().unwrap().changes["ended_stage"], "verify");
    let closed = closed.case;
    assert_eq!(
        (closed.stage(), closed.due_at, closed.time_limit_status(at(99))),
        (Stage::None, None, TimeLimitStatus::None)
    );

    // A failed verification starts handling again with the category's whole limit.
    let reworked = apply(&resolved, Command::Verify { passed: false, note: None }, &ctx(&worker, 12)).unwrap().case;
    assert_eq!((reworked.stage(), reworked.due_at), (Stage::Handle, Some(at(84))));
}

#[test]
fn leaders_and_higher_dispatchers_urge_and_the_owner_suspends() {
    let open = case(CaseStatus::InProgress);
    #[rustfmt::skip]
    let table: &[(&str, Principal, bool, bool)] = &[
        // who                                      urge   suspend
        ("a leader whose area holds the case",      person(1008, &[(Role::Leader, DISTRICT)]), true, false),
        ("a leader of another area",                person(1009, &[(Role::Leader, OTHER_GRID)]), false, false),
        ("a dispatcher above the owner",            person(1004, &[(Role::Dispatcher, DISTRICT)]), true, false),
        ("the owning unit's dispatcher",            person(1003, &[(Role::Dispatcher, COMMUNITY)]), false, true),
        ("a grid worker of the grid",               person(1001, &[(Role::GridWorker, GRID)]), false, false),
        ("staff of the lead department",            person(1006, &[(Role::DepartmentStaff, LEAD)]), false, false),
    ];
    for (who, p, urge, suspend) in table {
        let steps = allowed_steps(p, &open);
        assert_eq!(steps.contains(&Step::Urge), *urge, "urge: {who}");
        assert_eq!(steps.contains(&Step::Suspend), *suspend, "suspend: {who}");
    }
}

#[test]
fn a_suspended_case_waits_and_its_clock_moves_by_the_time_it_stood() {
    use chrono::Duration;
    let at = |h: i64| Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap() + Duration::hours(h);
    let mut dispatched = case(CaseStatus::Dispatched);
    dispatched.limit_started_at = Some(at(0));
    dispatched.due_at = Some(at(72));
    dispatched.warn_at = Some(at(0) + Duration::minutes(72 * 48));
    let category = crate::cases::default_catalog(at(0)).into_iter().find(|c| c.code == "neighbour_dispute").unwrap();
    let calendar = WorkCalendar::default();
    let limits = StageLimits::default();
    let dispatcher = person(1003, &[(Role::Dispatcher, COMMUNITY)]);
    let ctx = |p, h| WorkflowContext {
        principal: p,
        now: at(h),
        category: &category,
        route: None,
        calendar: &calendar,
        stage_limits: &limits,
    };
    let suspend = Command::Suspend { reason: "等待拆迁 waiting for demolition".into(), until: None };
    let suspended = apply(&dispatched, suspend, &ctx(&dispatcher, 10)).unwrap().case;
    assert_eq!(suspended.suspended_at, Some(at(10)));
    assert_eq!(suspended.time_limit_status(at(100)), TimeLimitStatus::Ok, "the clock stands still");
    let staff = person(1006, &[(Role::DepartmentStaff, LEAD)]);
    assert!(matches!(check(&staff, &suspended, Step::Start), Err(StepError::Conflict(_))), "handling waits");
    assert!(matches!(check(&dispatcher, &suspended, Step::Suspend), Err(StepError::Conflict(_))));
    let resumed = apply(&suspended, Command::Resume, &ctx(&dispatcher, 40)).unwrap();
    assert_eq!(resumed.events[0].changes["suspended_minutes"], "1800");
    let resumed = resumed.case;
    assert_eq!((resumed.suspended_at, resumed.due_at), (None, Some(at(102))), "30 hours later than before");
    assert!(apply(&resumed, Command::Start, &ctx(&staff, 41)).is_ok());
    let past = Command::Suspend { reason: "r".into(), until: Some(at(10).date_naive()) };
    assert!(matches!(apply(&dispatched, past, &ctx(&dispatcher, 10)), Err(StepError::Invalid { .. })));
}
