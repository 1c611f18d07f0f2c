//! Who must learn of a change at once (消息): a department learns of a case
//! only when it is told. Each event of a case's timeline may notify people
//! named by their part in the case (the owning unit's dispatchers, the
//! departments it was sent to, its grid's workers, its reporter and handler);
//! whoever caused the event is never told of it. The store resolves the parts
//! to users and writes the notifications in the event's own transaction.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::cases::{Case, CaseEvent, CaseStatus, EventActor, EventType, ExtensionRequest, ExtensionState, Stage};

/// Notifications are kept this long.
pub const KEPT_DAYS: i64 = 180;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// A report waits for acceptance, or was escalated to the unit.
    Queued,
    Dispatched,
    Returned,
    VerifyWaiting,
    Urged,
    ExtensionDecided,
    Warning,
    Overdue,
    Commented,
    Closed,
    Rejected,
}

impl NotificationKind {
    pub const ALL: [Self; 11] = [
        Self::Queued,
        Self::Dispatched,
        Self::Returned,
        Self::VerifyWaiting,
        Self::Urged,
        Self::ExtensionDecided,
        Self::Warning,
        Self::Overdue,
        Self::Commented,
        Self::Closed,
        Self::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Dispatched => "dispatched",
            Self::Returned => "returned",
            Self::VerifyWaiting => "verify_waiting",
            Self::Urged => "urged",
            Self::ExtensionDecided => "extension_decided",
            Self::Warning => "warning",
            Self::Overdue => "overdue",
            Self::Commented => "commented",
            Self::Closed => "closed",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// People named by their part in a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Dispatchers whose grant is on this unit.
    Dispatchers(Uuid),
    /// Staff of this department.
    DepartmentStaff(Uuid),
    /// Grid workers of this grid.
    GridWorkers(Uuid),
    /// One user.
    User(Uuid),
}

/// A notification to write, before its audience is resolved to users.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub kind: NotificationKind,
    pub case_id: Uuid,
    pub event_id: Uuid,
    pub title: String,
    pub body: String,
    pub at: DateTime<Utc>,
    pub audience: Vec<Audience>,
    /// Users never told: who caused it, and for `verify_waiting` the resolver.
    pub except: Vec<Uuid>,
}

/// A notification as a user reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: NotificationKind,
    pub case_id: Uuid,
    pub title: String,
    pub body: String,
    pub at: DateTime<Utc>,
    pub read: bool,
}

fn actor_user(e: &CaseEvent) -> Option<Uuid> {
    match &e.actor {
        EventActor::User { id, .. } => Some(*id),
        _ => None,
    }
}

/// At most `n` characters of a text, for a phone's one-line preview.
fn clip(text: &str, n: usize) -> String {
    let mut clipped: String = text.chars().take(n).collect();
    if text.chars().count() > n {
        clipped.push('…');
    }
    clipped
}

/// Whoever must act in the stage the case is in now.
fn actors_of_stage(case: &Case) -> Vec<Audience> {
    match Stage::of(case.status) {
        Stage::Accept | Stage::Dispatch => vec![Audience::Dispatchers(case.owner_unit_id)],
        Stage::Handle => handlers(case),
        Stage::Verify => vec![Audience::GridWorkers(case.grid_id), Audience::Dispatchers(case.owner_unit_id)],
        Stage::None => Vec::new(),
    }
}

/// The handler, or else the lead department's staff.
fn handlers(case: &Case) -> Vec<Audience> {
    match (case.handler_user_id, case.lead_department_id) {
        (Some(handler), _) => vec![Audience::User(handler)],
        (None, Some(lead)) => vec![Audience::DepartmentStaff(lead)],
        (None, None) => Vec::new(),
    }
}

/// The notifications a write owes: for each event of `events` (the case as
/// `case` is after them), who is told, with a title and body in Chinese.
/// `extension` is a decided extension request the write carries.
pub fn notices(case: &Case, events: &[CaseEvent], extension: Option<&ExtensionRequest>) -> Vec<Notice> {
    let summary = format!("{}：{}", clip(&case.address, 30), clip(&case.description, 60));
    let note = |e: &CaseEvent| e.note.as_deref().map_or_else(|| summary.clone(), |n| clip(n, 80));
    let mut out = Vec::new();
    for e in events {
        let number = &case.number;
        let mut except: Vec<Uuid> = actor_user(e).into_iter().collect();
        let (kind, title, body, audience) = match e.event_type {
            // Auto-accepted reports are queued for nobody: their next events say what follows.
            EventType::Reported if case.status == CaseStatus::Reported => (
                NotificationKind::Queued,
                format!("待受理 {number}"),
                summary.clone(),
                vec![Audience::Dispatchers(case.owner_unit_id)],
            ),
            EventType::Reported | EventType::Resolved if case.status == CaseStatus::Resolved => {
                except.extend(case.resolved_by);
                (
                    NotificationKind::VerifyWaiting,
                    format!("待核查 {number}"),
                    note(e),
                    vec![Audience::GridWorkers(case.grid_id), Audience::Dispatchers(case.owner_unit_id)],
                )
            }
            EventType::Escalated => (
                NotificationKind::Queued,
                format!("上报待处理 {number}"),
                note(e),
                vec![Audience::Dispatchers(case.owner_unit_id)],
            ),
            // A reopened case comes back to its departments as a dispatch does.
            EventType::Dispatched | EventType::Reopened => {
                let mut audience: Vec<Audience> = case
                    .lead_department_id
                    .into_iter()
                    .chain(case.assisting_department_ids.iter().copied())
                    .map(Audience::DepartmentStaff)
                    .collect();
                audience.extend(case.handler_user_id.map(Audience::User));
                let title = if e.event_type == EventType::Reopened { "居民不满意，重办" } else { "新派遣" };
                (NotificationKind::Dispatched, format!("{title} {number}"), summary.clone(), audience)
            }
            EventType::Returned => (
                NotificationKind::Returned,
                format!("被退回 {number}"),
                note(e),
                vec![Audience::Dispatchers(case.owner_unit_id)],
            ),
            EventType::Urged => (NotificationKind::Urged, format!("督办 {number}"), note(e), handlers(case)),
            EventType::ExtensionDecided => {
                let Some(asker) = extension.and_then(|x| x.requested_by) else { continue };
                let approved = extension.is_some_and(|x| x.state == ExtensionState::Approved);
                let title =
                    if approved { format!("延期已批准 {number}") } else { format!("延期未批准 {number}") };
                (NotificationKind::ExtensionDecided, title, note(e), vec![Audience::User(asker)])
            }
            EventType::Warning => {
                (NotificationKind::Warning, format!("即将超时 {number}"), summary.clone(), actors_of_stage(case))
            }
            EventType::Overdue => {
                (NotificationKind::Overdue, format!("已超时 {number}"), summary.clone(), actors_of_stage(case))
            }
            EventType::Commented => {
                let mut audience: Vec<Audience> = case.reporter_user_id.map(Audience::User).into_iter().collect();
                audience.extend(case.handler_user_id.map(Audience::User));
                audience.extend(case.lead_department_id.map(Audience::DepartmentStaff));
                audience.push(Audience::Dispatchers(case.owner_unit_id));
                (NotificationKind::Commented, format!("新留言 {number}"), note(e), audience)
            }
            EventType::Verified => (
                NotificationKind::Closed,
                format!("已结案 {number}"),
                summary.clone(),
                case.reporter_user_id.map(Audience::User).into_iter().collect(),
            ),
            EventType::Rejected => (
                NotificationKind::Rejected,
                format!("不予受理 {number}"),
                note(e),
                case.reporter_user_id.map(Audience::User).into_iter().collect(),
            ),
            _ => continue,
        };
        if audience.is_empty() {
            continue;
        }
        out.push(Notice { kind, case_id: case.id, event_id: e.id, title, body, at: e.at, audience, except });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{fixture, Visibility};

    fn event(case: &Case, kind: EventType, actor: EventActor) -> CaseEvent {
        CaseEvent {
            seq: 0,
            id: Uuid::now_v7(),
            case_id: case.id,
            event_type: kind,
            actor,
            at: case.updated_at,
            from_status: None,
            to_status: case.status,
            note: None,
            internal: false,
            changes: Default::default(),
            visible_before: None,
            visible_after: Visibility::of(case),
        }
    }

    #[test]
    fn a_text_is_clipped_by_characters_not_bytes() {
        assert_eq!(clip("楼道堆物严重", 4), "楼道堆物…");
        assert_eq!(clip("short", 10), "short");
    }

    #[test]
    fn whoever_caused_an_event_is_never_told_of_it() {
        let mut case = fixture::case_at(CaseStatus::Dispatched, Utc::now());
        let lead = Uuid::now_v7();
        case.lead_department_id = Some(lead);
        let actor = Uuid::now_v7();
        let e = event(&case, EventType::Dispatched, EventActor::User { id: actor, label: "dispatcher".into() });
        let got = notices(&case, &[e], None);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].kind, NotificationKind::Dispatched);
        assert_eq!(got[0].audience, [Audience::DepartmentStaff(lead)]);
        assert_eq!(got[0].except, [actor]);
    }
}
