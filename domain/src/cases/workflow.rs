//! Applying a step: who may take it, whether the state allows it, and what
//! it changes. Pure: the caller loads the case and persists the outcome.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    deadline,
    model::{CaseEvent, EventActor, EventType},
    next_status,
    time_limit::{extend, warn_at},
    Case, CaseStatus, Category, ExtensionRequest, ExtensionState, NewCase, Priority, Rating, Source, Stage,
    StageLimits, Step, TimeUnit,
};
use crate::{
    calendar::WorkCalendar,
    geo::Position,
    identity::{Actor, Principal, Role, Scope},
    org::OrgUnit,
};

/// Why a step was refused, in the order clients see refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// 404: the caller does not see the case.
    NotVisible,
    /// 403: the caller may never take this step on this case.
    Forbidden(String),
    /// 409: not in this state; what the caller may do instead.
    WrongState { status: CaseStatus, allowed: Vec<Step> },
    /// 409 for another reason (nothing above the district, a pending request).
    Conflict(String),
    /// 422 on one field.
    Invalid { pointer: String, detail: String },
}

fn invalid(pointer: &str, detail: impl Into<String>) -> StepError {
    StepError::Invalid { pointer: pointer.into(), detail: detail.into() }
}

/// A decision on an extension request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub request_id: Uuid,
    pub approved: bool,
}

/// A step with what it needs; ids in it were checked to exist by the caller.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Accept,
    Reject {
        reason: String,
        duplicate_of: Option<Uuid>,
    },
    /// `parent` is the owning unit's parent, `None` at the district.
    Escalate {
        reason: String,
        parent: Option<(Uuid, String)>,
    },
    Dispatch {
        lead: Uuid,
        assisting: Vec<Uuid>,
        handler: Option<Uuid>,
        note: Option<String>,
    },
    Return {
        reason: String,
    },
    Start,
    Resolve {
        note: String,
    },
    Verify {
        passed: bool,
        note: Option<String>,
    },
    Cancel {
        reason: String,
    },
    RequestExtension {
        id: Uuid,
        hours: u32,
        reason: String,
    },
    DecideExtension {
        decision: Decided,
        note: Option<String>,
    },
    Comment {
        text: String,
        internal: bool,
    },
    Correct {
        category: Option<Category>,
        priority: Option<Priority>,
        grid: Option<(Uuid, String)>,
        location: Option<Position>,
        description: Option<String>,
    },
    /// `until`: the date it resumes by itself, in the calendar's time zone.
    Suspend {
        reason: String,
        until: Option<NaiveDate>,
    },
    Resume,
    Urge {
        note: String,
    },
    /// Evidence added later: who may comment, while the case is open. The
    /// files themselves are added by [`super::attach`].
    Attach,
    /// 回访 by phone: the rating the resident gave the dispatcher.
    Feedback {
        rating: Rating,
        comment: Option<String>,
    },
    Reopen {
        reason: String,
    },
}

impl Command {
    fn step(&self) -> Step {
        match self {
            Self::Accept => Step::Accept,
            Self::Reject { .. } => Step::Reject,
            Self::Escalate { .. } => Step::Escalate,
            Self::Dispatch { .. } => Step::Dispatch,
            Self::Return { .. } => Step::Return,
            Self::Start => Step::Start,
            Self::Resolve { .. } => Step::Resolve,
            Self::Verify { passed: true, .. } => Step::VerifyPassed,
            Self::Verify { passed: false, .. } => Step::VerifyFailed,
            Self::Cancel { .. } => Step::Cancel,
            Self::RequestExtension { .. } => Step::RequestExtension,
            Self::DecideExtension { .. } => Step::DecideExtension,
            Self::Comment { .. } => Step::Comment,
            Self::Correct { .. } => Step::Correct,
            Self::Suspend { .. } => Step::Suspend,
            Self::Resume => Step::Resume,
            Self::Urge { .. } => Step::Urge,
            Self::Attach => Step::Comment,
            Self::Feedback { .. } => Step::Feedback,
            Self::Reopen { .. } => Step::Reopen,
        }
    }
}

/// What a step needs besides the case and the command.
pub struct WorkflowContext<'a> {
    pub principal: &'a Principal,
    pub now: DateTime<Utc>,
    /// The case's category (after a correction: the new one).
    pub category: &'a Category,
    /// Where routing sends the case now.
    pub route: Option<Uuid>,
    /// For limits counted in working time.
    pub calendar: &'a WorkCalendar,
    /// The clocks of accepting, dispatching and verifying.
    pub stage_limits: &'a StageLimits,
}

impl WorkflowContext<'_> {
    fn clocks(&self) -> ClockContext<'_> {
        ClockContext {
            category: self.category,
            calendar: self.calendar,
            stage_limits: self.stage_limits,
            now: self.now,
        }
    }
}

/// What a case's clock needs: its category (for handling), the calendar, the
/// stage limits, and the time.
#[derive(Clone, Copy)]
pub struct ClockContext<'a> {
    pub category: &'a Category,
    pub calendar: &'a WorkCalendar,
    pub stage_limits: &'a StageLimits,
    pub now: DateTime<Utc>,
}

/// The changed case, the events to append, and an extension request to save.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub case: Case,
    pub events: Vec<CaseEvent>,
    pub extension: Option<ExtensionRequest>,
}

pub(crate) fn actor_of(p: &Principal) -> EventActor {
    match &p.actor {
        Actor::User { id, username, .. } => EventActor::User { id: *id, label: username.clone() },
        Actor::ApiKey { id, name } => EventActor::ApiKey { id: *id, label: format!("api-key:{name}") },
    }
}

fn owning_dispatcher(p: &Principal, case: &Case) -> bool {
    p.grants
        .iter()
        .any(|g| g.role == Role::Dispatcher && matches!(&g.scope, Scope::Unit { id, .. } if *id == case.owner_unit_id))
}

fn lead_staff(p: &Principal, case: &Case) -> bool {
    case.lead_department_id.is_some_and(|lead| {
        p.grants
            .iter()
            .any(|g| g.role == Role::DepartmentStaff && matches!(&g.scope, Scope::Department { id, .. } if *id == lead))
    })
}

fn handler(p: &Principal, case: &Case) -> bool {
    p.user_id().is_some() && p.user_id() == case.handler_user_id
}

fn reporter(p: &Principal, case: &Case) -> bool {
    match &p.actor {
        Actor::User { id, .. } => case.reporter_user_id == Some(*id),
        Actor::ApiKey { id, .. } => case.reporter_api_key_id == Some(*id),
    }
}

fn grid_worker_of_grid(p: &Principal, case: &Case) -> bool {
    p.grants
        .iter()
        .any(|g| g.role == Role::GridWorker && matches!(&g.scope, Scope::Unit { id, .. } if *id == case.grid_id))
}

/// Whoever resolved the case (on site included) never verifies it himself.
fn resolver(p: &Principal, case: &Case) -> bool {
    case.resolved_by == Some(p.actor_id())
}

/// Who verifies (一格多员): any grid worker of the case's grid and the owning
/// unit's dispatchers, except whoever resolved it.
fn verifier(p: &Principal, case: &Case) -> bool {
    (grid_worker_of_grid(p, case) || owning_dispatcher(p, case)) && !resolver(p, case)
}

/// Whoever asked for the pending extension does not decide it.
fn extension_requester(p: &Principal, case: &Case) -> bool {
    case.pending_extension.as_ref().is_some_and(|e| e.requested_by.is_some() && e.requested_by == p.user_id())
}

/// Who comments: the reporter, the handler, and those whose grant covers the
/// case (its grid's workers, dispatchers and leaders above it, the staff of
/// departments it was sent to). A grant elsewhere gives no voice here.
fn commenter(p: &Principal, case: &Case) -> bool {
    reporter(p, case)
        || handler(p, case)
        || grid_worker_of_grid(p, case)
        || p.has_unit_grant_covering(Role::Dispatcher, &case.grid_path)
        || p.has_unit_grant_covering(Role::Leader, &case.grid_path)
        || p.grants.iter().any(|g| {
            g.role == Role::DepartmentStaff
                && matches!(&g.scope, Scope::Department { id, .. } if case.department_history.contains(id))
        })
}

/// Who urges (督办): leaders whose area holds the case, and dispatchers of
/// units above the one that owns it.
fn urger(p: &Principal, case: &Case) -> bool {
    p.has_unit_grant_covering(Role::Leader, &case.grid_path)
        || p.grants.iter().any(|g| {
            g.role == Role::Dispatcher
                && matches!(&g.scope, Scope::Unit { path, .. }
                    if case.owner_path.starts_with(path.as_str()) && case.owner_path != *path)
        })
}

fn owner_is_district(case: &Case) -> bool {
    case.owner_path.matches('/').count() == 2
}

/// Whether `p` is someone who may take `step` on this case at all.
fn may_take(p: &Principal, case: &Case, step: Step) -> bool {
    match step {
        Step::Accept
        | Step::Reject
        | Step::Escalate
        | Step::Dispatch
        | Step::Correct
        | Step::Suspend
        | Step::Resume
        | Step::Feedback
        | Step::Reopen => owning_dispatcher(p, case),
        Step::DecideExtension => owning_dispatcher(p, case) && !extension_requester(p, case),
        Step::Return => lead_staff(p, case),
        Step::Start | Step::Resolve | Step::RequestExtension => lead_staff(p, case) || handler(p, case),
        Step::VerifyPassed | Step::VerifyFailed => verifier(p, case),
        Step::Cancel => reporter(p, case),
        // Leaders urge and comment within their area; admins act on no case.
        Step::Comment => super::can_see(p, case) && commenter(p, case),
        Step::Urge => super::can_see(p, case) && urger(p, case),
    }
}

/// Whether `p` may add files to `case` as evidence of `stage` later: the
/// reporter his report's, whoever may resolve it the "after" photos,
/// whoever may verify it what he saw; a comment's, anyone who may comment.
pub fn may_attach_as(p: &Principal, case: &Case, stage: super::AttachStage) -> bool {
    use super::AttachStage;
    match stage {
        AttachStage::Report => reporter(p, case),
        AttachStage::Resolution => may_take(p, case, Step::Resolve),
        AttachStage::Verification => may_take(p, case, Step::VerifyPassed),
        AttachStage::Comment => true,
    }
}

/// How long after closing a dissatisfied rating may send a case back to work.
pub const REOPEN_WINDOW_DAYS: i64 = 7;

/// A dissatisfied rating given within [`REOPEN_WINDOW_DAYS`] of closing.
fn reopenable(case: &Case) -> bool {
    match (case.rating, case.rated_at, case.closed_at) {
        (Some(Rating::Dissatisfied), Some(rated), Some(closed)) => {
            rated - closed <= chrono::Duration::days(REOPEN_WINDOW_DAYS)
        }
        _ => false,
    }
}

/// Whether the step is open now, beyond the state table.
fn open_now(case: &Case, step: Step) -> bool {
    match step {
        Step::Escalate => !owner_is_district(case),
        Step::RequestExtension => case.pending_extension.is_none(),
        Step::DecideExtension => case.pending_extension.is_some(),
        // Handling waits while the case is suspended.
        Step::Suspend | Step::Start | Step::Resolve => case.suspended_at.is_none(),
        Step::Resume => case.suspended_at.is_some(),
        Step::Feedback => case.rating.is_none(),
        Step::Reopen => reopenable(case),
        _ => true,
    }
}

/// The actions `p` may take now, for the app's buttons.
pub fn allowed_steps(p: &Principal, case: &Case) -> Vec<Step> {
    let mut steps: Vec<Step> = Step::ALL
        .into_iter()
        .filter(|s| next_status(case.status, *s).is_some() && open_now(case, *s) && may_take(p, case, *s))
        .collect();
    // Passing and failing verification are one action to a client.
    steps.dedup_by_key(|s| s.action());
    steps
}

pub(crate) fn event(
    case: &Case,
    p: Option<&Principal>,
    kind: EventType,
    from: CaseStatus,
    at: DateTime<Utc>,
) -> CaseEvent {
    CaseEvent {
        seq: 0,
        id: Uuid::now_v7(),
        case_id: case.id,
        event_type: kind,
        actor: p.map_or(EventActor::System, actor_of),
        at,
        from_status: Some(from),
        to_status: case.status,
        note: None,
        internal: false,
        changes: BTreeMap::new(),
        visible_before: None,
        visible_after: super::Visibility::of(case),
    }
}

/// Stamps every event of an outcome with who could see the case before and after.
pub(crate) fn stamp_visibility(before: Option<&Case>, after: &Case, events: &mut [CaseEvent]) {
    let before = before.map(super::Visibility::of);
    let after = super::Visibility::of(after);
    for e in events {
        e.visible_before = before.clone();
        e.visible_after = after.clone();
    }
}

pub(crate) fn with(mut e: CaseEvent, note: Option<String>, changes: &[(&str, String)]) -> CaseEvent {
    e.note = note;
    e.changes = changes.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    e
}

fn opt(id: Option<Uuid>) -> String {
    id.map(|i| i.to_string()).unwrap_or_default()
}

/// The limit of the stage the case is in: the district's for accepting,
/// dispatching and verifying, the category's for handling.
fn stage_limit(case: &Case, ctx: &ClockContext<'_>) -> Option<(u32, TimeUnit)> {
    let limits = ctx.stage_limits;
    match Stage::of(case.status) {
        Stage::Accept => Some((limits.accept.amount, limits.accept.unit)),
        Stage::Dispatch => Some((limits.dispatch.amount, limits.dispatch.unit)),
        Stage::Handle => ctx.category.limit_for(case.priority).map(|l| (l.amount, l.unit)),
        Stage::Verify => Some((limits.verify.amount, limits.verify.unit)),
        Stage::None => None,
    }
}

/// Ends a suspension: the running clock's deadline and warning move by the
/// time it stood still, counted as the clock counts (working time for a
/// working-time limit). Answers the event's changes.
pub(crate) fn resume_clock(case: &mut Case, ctx: &ClockContext<'_>) -> Vec<(&'static str, String)> {
    let Some(since) = case.suspended_at.take() else { return Vec::new() };
    case.suspended_until = None;
    let working = stage_limit(case, ctx).filter(|(_, unit)| unit.is_working_time()).map(|_| ctx.calendar);
    let stood = match working {
        Some(calendar) => calendar.working_between(since, ctx.now),
        None => ctx.now - since,
    };
    let shift = |t: DateTime<Utc>| match working {
        Some(calendar) => calendar.add_working(t, stood),
        None => t + stood,
    };
    case.due_at = case.due_at.map(shift);
    case.warn_at = case.warn_at.map(shift);
    vec![
        ("suspended_minutes", stood.num_minutes().to_string()),
        ("due_at", case.due_at.map(|d| d.to_rfc3339()).unwrap_or_default()),
    ]
}

/// Starts the clock of the stage the case is in now, or stops it.
fn start_clock(case: &mut Case, ctx: &ClockContext<'_>) {
    let limit = stage_limit(case, ctx);
    let working = limit.filter(|(_, unit)| unit.is_working_time()).map(|_| ctx.calendar);
    let now = ctx.now;
    if case.suspended_at.is_some() {
        // A new stage's clock starts standing still; a resume moves it by the time since now.
        case.suspended_at = Some(now);
    }
    case.limit_started_at = limit.map(|_| now);
    case.due_at = limit.map(|(amount, unit)| deadline(amount, unit, now, ctx.calendar));
    case.warn_at = case.due_at.map(|due| warn_at(now, due, working));
}

/// Starts the new stage's clock and writes on the step's last event which
/// stage ended, whether on time (by the deadline in force, extensions
/// counted), and which began with its deadline: the timeline keeps every
/// lateness, whatever happens later.
fn enter_stage(
    next: &mut Case,
    ended: Option<(Stage, Option<DateTime<Utc>>)>,
    ctx: &WorkflowContext<'_>,
    events: &mut [CaseEvent],
) {
    start_clock(next, &ctx.clocks());
    let Some(last) = events.last_mut() else { return };
    if let Some((stage, due)) = ended {
        last.changes.insert("ended_stage".into(), stage.as_str().into());
        if let Some(due) = due {
            let outcome = if ctx.now > due { "late" } else { "on_time" };
            last.changes.insert("ended_stage_outcome".into(), outcome.into());
        }
    }
    last.changes.insert("stage".into(), Stage::of(next.status).as_str().into());
    last.changes.insert("stage_due_at".into(), next.due_at.map(|d| d.to_rfc3339()).unwrap_or_default());
}

fn dispatch_to(case: &mut Case, lead: Uuid, assisting: Vec<Uuid>, handler: Option<Uuid>) {
    case.status = CaseStatus::Dispatched;
    case.lead_department_id = Some(lead);
    for d in std::iter::once(lead).chain(assisting.iter().copied()) {
        if !case.department_history.contains(&d) {
            case.department_history.push(d);
        }
    }
    case.assisting_department_ids = assisting;
    case.handler_user_id = handler;
}

fn dispatch_changes(case: &Case) -> Vec<(&'static str, String)> {
    vec![
        ("lead_department_id", opt(case.lead_department_id)),
        (
            "assisting_department_ids",
            case.assisting_department_ids.iter().map(Uuid::to_string).collect::<Vec<_>>().join(","),
        ),
        ("handler_user_id", opt(case.handler_user_id)),
    ]
}

/// Accepting, and with `auto_dispatch` dispatching at once to the route.
fn accept(case: &mut Case, p: Option<&Principal>, ctx: &WorkflowContext<'_>, events: &mut Vec<CaseEvent>) {
    let from = case.status;
    case.status = CaseStatus::Accepted;
    case.suggested_department_id = ctx.route;
    events.push(with(
        event(case, p, EventType::Accepted, from, ctx.now),
        None,
        &[("suggested_department_id", opt(ctx.route))],
    ));
    if let (true, Some(route)) = (ctx.category.auto_dispatch, ctx.route) {
        dispatch_to(case, route, Vec::new(), None);
        events.push(with(
            event(case, None, EventType::Dispatched, CaseStatus::Accepted, ctx.now),
            Some("网上推送: dispatched by routing".into()),
            &dispatch_changes(case),
        ));
    }
}

/// Whether `p` may take `step` on `case` now: 404, 403, 409 in that order.
/// Handlers call it before reading the body, so that 422 comes last.
///
/// # Errors
/// The first refusal.
pub fn check(p: &Principal, case: &Case, step: Step) -> Result<CaseStatus, StepError> {
    if !super::can_see(p, case) {
        return Err(StepError::NotVisible);
    }
    if !may_take(p, case, step) {
        return Err(StepError::Forbidden(format!("you may not {} this case", step.action())));
    }
    let Some(to) = next_status(case.status, step) else {
        return Err(StepError::WrongState { status: case.status, allowed: allowed_steps(p, case) });
    };
    if !open_now(case, step) {
        return Err(match step {
            Step::Escalate => StepError::Conflict("the district owns the case; there is no level above".into()),
            Step::RequestExtension => StepError::Conflict("an extension request is pending already".into()),
            Step::Suspend => StepError::Conflict("the case is suspended already".into()),
            Step::Resume => StepError::Conflict("the case is not suspended".into()),
            Step::Start | Step::Resolve => {
                StepError::Conflict("the case is suspended (挂账); handling waits until it resumes".into())
            }
            Step::Feedback => StepError::Conflict("this closing was rated already".into()),
            Step::Reopen => StepError::Conflict(format!(
                "only a dissatisfied rating given within {REOPEN_WINDOW_DAYS} days of the closing reopens a case"
            )),
            _ => StepError::Conflict("there is no pending extension request".into()),
        });
    }
    Ok(to)
}

/// Applies `command` to `case` on behalf of `ctx.principal`.
///
/// # Errors
/// 404, 403, 409 or 422 as [`StepError`] describes, in that order.
pub fn apply(case: &Case, command: Command, ctx: &WorkflowContext<'_>) -> Result<Outcome, StepError> {
    let p = ctx.principal;
    let to = check(p, case, command.step())?;
    let now = ctx.now;
    let from = case.status;
    let mut next = case.clone();
    next.status = to;
    let mut events = Vec::new();
    let mut extension = None;
    match command {
        Command::Accept => {
            next.status = from;
            accept(&mut next, Some(p), ctx, &mut events);
        }
        Command::Reject { reason, duplicate_of } => {
            if duplicate_of == Some(case.id) {
                return Err(invalid("/duplicate_of", "a case is not a duplicate of itself"));
            }
            events.push(with(
                event(&next, Some(p), EventType::Rejected, from, now),
                Some(reason),
                &[("duplicate_of", opt(duplicate_of))],
            ));
        }
        Command::Escalate { reason, parent } => {
            let Some((parent_id, parent_path)) = parent else {
                return Err(StepError::Conflict("the district owns the case; there is no level above".into()));
            };
            next.owner_unit_id = parent_id;
            next.owner_path = parent_path;
            events.push(with(
                event(&next, Some(p), EventType::Escalated, from, now),
                Some(reason),
                &[("owner_unit_id", parent_id.to_string())],
            ));
        }
        Command::Dispatch { lead, assisting, handler, note } => {
            if assisting.contains(&lead) {
                return Err(invalid("/assisting_department_ids", "the lead department cannot also assist"));
            }
            dispatch_to(&mut next, lead, assisting, handler);
            let changes = dispatch_changes(&next);
            events.push(with(event(&next, Some(p), EventType::Dispatched, from, now), note, &changes));
        }
        Command::Return { reason } => {
            next.lead_department_id = None;
            next.assisting_department_ids.clear();
            next.handler_user_id = None;
            next.pending_extension = None;
            events.push(with(event(&next, Some(p), EventType::Returned, from, now), Some(reason), &[]));
        }
        Command::Start => {
            if next.handler_user_id.is_none() {
                next.handler_user_id = p.user_id();
            }
            events.push(with(
                event(&next, Some(p), EventType::Started, from, now),
                None,
                &[("handler_user_id", opt(next.handler_user_id))],
            ));
        }
        Command::Resolve { note } => {
            next.resolved_at = Some(now);
            next.resolved_by = Some(p.actor_id());
            next.pending_extension = None;
            events.push(with(event(&next, Some(p), EventType::Resolved, from, now), Some(note), &[]));
        }
        Command::Verify { passed: true, note } => {
            next.closed_at = Some(now);
            events.push(with(
                event(&next, Some(p), EventType::Verified, from, now),
                note,
                &[("passed", "true".into())],
            ));
        }
        Command::Verify { passed: false, note } => {
            next.rework_count += 1;
            next.resolved_at = None;
            next.resolved_by = None;
            if next.lead_department_id.is_none() {
                // Resolved on site: nobody was dispatched, so rework goes back to the dispatcher.
                next.status = CaseStatus::Accepted;
            }
            events.push(with(
                event(&next, Some(p), EventType::Reworked, from, now),
                note,
                &[
                    ("passed", "false".into()),
                    ("rework_count", next.rework_count.to_string()),
                    ("due_at", next.due_at.map(|d| d.to_rfc3339()).unwrap_or_default()),
                ],
            ));
        }
        Command::Cancel { reason } => {
            events.push(with(event(&next, Some(p), EventType::Cancelled, from, now), Some(reason), &[]));
        }
        Command::RequestExtension { id, hours, reason } => {
            let request = ExtensionRequest {
                id,
                case_id: case.id,
                hours,
                reason: reason.clone(),
                state: ExtensionState::Pending,
                requested_by: p.user_id(),
                requested_at: now,
                decided_by: None,
                decided_at: None,
            };
            next.pending_extension = Some(request.clone());
            extension = Some(request);
            events.push(with(
                event(&next, Some(p), EventType::ExtensionRequested, from, now),
                Some(reason),
                &[("extension_request_id", id.to_string()), ("hours", hours.to_string())],
            ));
        }
        Command::DecideExtension { decision, note } => {
            let mut request =
                next.pending_extension.take().ok_or_else(|| StepError::Conflict("no pending request".into()))?;
            if request.id != decision.request_id {
                return Err(StepError::Conflict("that extension request is not the pending one".into()));
            }
            request.state = if decision.approved { ExtensionState::Approved } else { ExtensionState::Refused };
            request.decided_by = p.user_id();
            request.decided_at = Some(now);
            if decision.approved {
                if let (Some(start), Some(due)) = (next.limit_started_at, next.due_at) {
                    let limit = ctx.category.limit_for(next.priority);
                    let working = limit.filter(|l| l.unit.is_working_time()).map(|_| ctx.calendar);
                    let due = extend(due, request.hours, working);
                    next.due_at = Some(due);
                    next.warn_at = Some(warn_at(start, due, working));
                }
            }
            events.push(with(
                event(&next, Some(p), EventType::ExtensionDecided, from, now),
                note,
                &[
                    ("extension_request_id", request.id.to_string()),
                    ("approved", decision.approved.to_string()),
                    ("due_at", next.due_at.map(|d| d.to_rfc3339()).unwrap_or_default()),
                ],
            ));
            extension = Some(request);
        }
        Command::Comment { text, internal } => {
            let mut e = with(event(&next, Some(p), EventType::Commented, from, now), Some(text), &[]);
            e.internal = internal;
            events.push(e);
        }
        Command::Correct { category, priority, grid, location, description } => {
            let mut changes = Vec::new();
            if let Some(c) = category {
                changes.push(("category_code", c.code.clone()));
                next.category_code = c.code;
                if next.status == CaseStatus::Accepted {
                    next.suggested_department_id = ctx.route;
                    changes.push(("suggested_department_id", opt(ctx.route)));
                }
            }
            if let Some(pr) = priority {
                next.priority = pr;
                changes.push(("priority", pr.as_str().into()));
            }
            if let Some((grid_id, grid_path)) = grid {
                if !grid_path.starts_with(&next.owner_path) {
                    return Err(invalid("/grid_id", "the grid is outside the owning unit"));
                }
                next.grid_id = grid_id;
                next.grid_path = grid_path;
                changes.push(("grid_id", grid_id.to_string()));
            }
            if let Some(l) = location {
                next.location = l;
                changes.push(("location", format!("{},{}", l.lat, l.lon)));
            }
            if let Some(d) = description {
                next.description = d;
                changes.push(("description", next.description.clone()));
            }
            if changes.is_empty() {
                return Err(invalid("", "nothing to correct"));
            }
            events.push(with(event(&next, Some(p), EventType::Corrected, from, now), None, &changes));
        }
        Command::Suspend { reason, until } => {
            if until.is_some_and(|date| date <= ctx.calendar.local_date(now)) {
                return Err(invalid("/resume_on", "must be a date after today"));
            }
            next.suspended_at = Some(now);
            next.suspended_until = until;
            let resume_on = until.map_or_else(|| "indefinite".to_owned(), |d| d.to_string());
            events.push(with(
                event(&next, Some(p), EventType::Suspended, from, now),
                Some(reason),
                &[("resume_on", resume_on)],
            ));
        }
        Command::Resume => {
            let changes = resume_clock(&mut next, &ctx.clocks());
            events.push(with(event(&next, Some(p), EventType::Resumed, from, now), None, &changes));
        }
        Command::Urge { note } => {
            events.push(with(event(&next, Some(p), EventType::Urged, from, now), Some(note), &[]));
        }
        Command::Attach => {
            if case.status.is_final() {
                return Err(StepError::WrongState { status: case.status, allowed: allowed_steps(p, case) });
            }
        }
        Command::Feedback { rating, comment } => {
            events.push(rated(&mut next, Some(p), rating, comment, "phone", now));
        }
        Command::Reopen { reason } => {
            let rating = next.rating.map(Rating::as_str).unwrap_or_default();
            if next.lead_department_id.is_none() {
                // Settled on site: nobody was dispatched, so it goes back to the dispatcher.
                next.status = CaseStatus::Accepted;
            }
            next.resolved_at = None;
            next.resolved_by = None;
            // Its next closing is rated afresh; the event keeps this rating.
            next.closed_at = None;
            next.rating = None;
            next.rated_at = None;
            events.push(with(
                event(&next, Some(p), EventType::Reopened, from, now),
                Some(reason),
                &[("rating", rating.into())],
            ));
        }
    }
    if Stage::of(case.status) != Stage::of(next.status) {
        enter_stage(&mut next, Some((Stage::of(case.status), case.due_at)), ctx, &mut events);
    }
    next.updated_at = now;
    next.version += 1;
    stamp_visibility(Some(case), &next, &mut events);
    Ok(Outcome { case: next, events, extension })
}

/// The rating of a closed case and its event: by the resident himself
/// (`p` = `None`, online) or by a dispatcher who called him.
fn rated(
    next: &mut Case,
    p: Option<&Principal>,
    rating: Rating,
    comment: Option<String>,
    channel: &str,
    now: DateTime<Utc>,
) -> CaseEvent {
    next.rating = Some(rating);
    next.rated_at = Some(now);
    let mut e = with(
        event(next, p, EventType::Rated, next.status, now),
        comment,
        &[("rating", rating.as_str().into()), ("channel", channel.into())],
    );
    if p.is_none() {
        e.actor = EventActor::Resident;
    }
    e
}

/// 回访 online: the resident rates his closed case once, with its tracking code.
///
/// # Errors
/// 409 `WrongState` before the case is closed; 409 `Conflict` once it is rated.
pub fn rate_as_resident(
    case: &Case,
    rating: Rating,
    comment: Option<String>,
    now: DateTime<Utc>,
) -> Result<Outcome, StepError> {
    if case.status != CaseStatus::Closed {
        return Err(StepError::WrongState { status: case.status, allowed: Vec::new() });
    }
    if case.rating.is_some() {
        return Err(StepError::Conflict("this case was rated already".into()));
    }
    let mut next = case.clone();
    let mut events = vec![rated(&mut next, None, rating, comment, "online", now)];
    next.updated_at = now;
    next.version += 1;
    stamp_visibility(Some(case), &next, &mut events);
    Ok(Outcome { case: next, events, extension: None })
}

/// What a report needs besides the report itself.
pub struct ReportContext<'a> {
    pub principal: &'a Principal,
    pub now: DateTime<Utc>,
    pub category: &'a Category,
    pub grid: &'a OrgUnit,
    /// The community containing the grid: the case's first owner.
    pub owner: &'a OrgUnit,
    pub route: Option<Uuid>,
    pub number: String,
    pub calendar: &'a WorkCalendar,
    pub stage_limits: &'a StageLimits,
}

/// Whether `p` may report in `grid`, and whether as its grid worker.
fn may_report_in(p: &Principal, grid: &OrgUnit) -> Option<bool> {
    let as_worker = p
        .grants
        .iter()
        .any(|g| g.role == Role::GridWorker && matches!(&g.scope, Scope::Unit { id, .. } if *id == grid.id));
    let as_dispatcher = p.grants.iter().any(|g| {
        g.role == Role::Dispatcher
            && matches!(&g.scope, Scope::Unit { path, .. } if grid.path.starts_with(path.as_str()))
    });
    (as_worker || as_dispatcher).then_some(as_worker)
}

/// A grid worker's own report is always `grid_worker`; the other sources are
/// for dispatchers and integrations recording what reached them.
fn check_source(as_worker: bool, source: Source) -> Result<(), StepError> {
    match (as_worker, source == Source::GridWorker) {
        (true, false) => Err(invalid("/source", "a grid worker's own report has the source grid_worker")),
        (false, true) => Err(invalid("/source", "grid_worker is the source of a grid worker's own report only")),
        _ => Ok(()),
    }
}

/// The source a report gets when it names none.
pub fn default_source(p: &Principal, grid: &OrgUnit) -> Source {
    match (may_report_in(p, grid), &p.actor) {
        (Some(true), _) => Source::GridWorker,
        (_, Actor::ApiKey { .. }) => Source::Integration,
        _ => Source::Hotline,
    }
}

/// Whether `p` may report at all (a grid worker, a dispatcher, or a key with such a role).
pub fn may_report(p: &Principal) -> bool {
    p.grants.iter().any(|g| matches!(g.role, Role::GridWorker | Role::Dispatcher))
}

/// The case a report creates, with its first events: reported, and where the
/// category says so accepted and dispatched by the platform.
///
/// # Errors
/// 403 for a caller who may not report; 422 on `grid_pointer` outside his scope.
pub fn report(new: NewCase, ctx: &ReportContext<'_>, grid_pointer: &str) -> Result<Outcome, StepError> {
    let p = ctx.principal;
    if !may_report(p) {
        return Err(StepError::Forbidden("you may not report cases".into()));
    }
    let Some(as_worker) = may_report_in(p, ctx.grid) else {
        return Err(invalid(grid_pointer, "is outside the area you may report in"));
    };
    check_source(as_worker, new.source)?;
    let (user, key) = match &p.actor {
        Actor::User { id, .. } => (Some(*id), None),
        Actor::ApiKey { id, .. } => (None, Some(*id)),
    };
    let now = ctx.now;
    // Whoever reported on a resident's behalf reads the code out to him.
    let tracking_code =
        (new.resident.is_some() || new.source == Source::Citizen).then(|| super::TrackingCode::generate().to_string());
    let mut case = Case {
        id: new.id,
        number: ctx.number.clone(),
        status: CaseStatus::Reported,
        category_code: new.category_code,
        priority: new.priority,
        description: new.description,
        location: new.location,
        address: new.address,
        grid_id: ctx.grid.id,
        grid_path: ctx.grid.path.clone(),
        owner_unit_id: ctx.owner.id,
        owner_path: ctx.owner.path.clone(),
        suggested_department_id: None,
        lead_department_id: None,
        assisting_department_ids: Vec::new(),
        department_history: Vec::new(),
        handler_user_id: None,
        reporter_user_id: user,
        reporter_api_key_id: key,
        reported_by_grid_worker: as_worker,
        source: new.source,
        resident: new.resident,
        resolved_on_site: new.resolved_on_site.is_some(),
        limit_started_at: None,
        due_at: None,
        warn_at: None,
        resolved_at: None,
        resolved_by: None,
        rework_count: 0,
        suspended_at: None,
        suspended_until: None,
        pending_extension: None,
        attachments: Vec::new(),
        tracking_code,
        intake: new.intake,
        closed_at: None,
        rating: None,
        rated_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let mut events = Vec::new();
    let mut reported = event(&case, Some(p), EventType::Reported, CaseStatus::Reported, now);
    reported.from_status = None;
    events.push(reported);
    let wf = WorkflowContext {
        principal: p,
        now,
        category: ctx.category,
        route: ctx.route,
        calendar: ctx.calendar,
        stage_limits: ctx.stage_limits,
    };
    if let Some(note) = new.resolved_on_site {
        case.status = CaseStatus::Resolved;
        case.resolved_at = Some(now);
        case.resolved_by = Some(p.actor_id());
        events.push(with(
            event(&case, Some(p), EventType::Resolved, CaseStatus::Reported, now),
            Some(note),
            &[("resolved_on_site", "true".into())],
        ));
    } else if as_worker && ctx.category.auto_accept {
        accept(&mut case, None, &wf, &mut events);
    }
    enter_stage(&mut case, None, &wf, &mut events);
    stamp_visibility(None, &case, &mut events);
    Ok(Outcome { case, events, extension: None })
}

#[cfg(test)]
#[path = "workflow_tests.rs"]
mod tests;
