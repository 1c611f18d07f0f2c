use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Priority;
use crate::geo::Position;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    Reported,
    Accepted,
    Rejected,
    Dispatched,
    InProgress,
    Resolved,
    Closed,
    Cancelled,
}

impl CaseStatus {
    pub const ALL: [Self; 8] = [
        Self::Reported,
        Self::Accepted,
        Self::Rejected,
        Self::Dispatched,
        Self::InProgress,
        Self::Resolved,
        Self::Closed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Dispatched => "dispatched",
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// `rejected`, `closed` and `cancelled` end a case.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Rejected | Self::Closed | Self::Cancelled)
    }
}

/// Where a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    GridWorker,
    Hotline,
    Sensor,
    Citizen,
    Integration,
}

impl Source {
    pub const ALL: [Self; 5] = [Self::GridWorker, Self::Hotline, Self::Sensor, Self::Citizen, Self::Integration];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::GridWorker => "grid_worker",
            Self::Hotline => "hotline",
            Self::Sensor => "sensor",
            Self::Citizen => "citizen",
            Self::Integration => "integration",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A resident on whose behalf a case was reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A case as stored. Paths of its grid and owning unit are kept beside the
/// ids so that "who may see it" is a prefix test.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub id: Uuid,
    pub number: String,
    pub status: CaseStatus,
    pub category_code: String,
    pub priority: Priority,
    pub description: String,
    pub location: Position,
    pub address: String,
    pub grid_id: Uuid,
    pub grid_path: String,
    pub owner_unit_id: Uuid,
    pub owner_path: String,
    /// The department routing suggests (网上推送), set when accepted.
    pub suggested_department_id: Option<Uuid>,
    pub lead_department_id: Option<Uuid>,
    pub assisting_department_ids: Vec<Uuid>,
    /// Every department the case was ever dispatched to, lead or assisting:
    /// their staff keep seeing it, also after closure.
    pub department_history: Vec<Uuid>,
    pub handler_user_id: Option<Uuid>,
    pub reporter_user_id: Option<Uuid>,
    pub reporter_api_key_id: Option<Uuid>,
    /// Whether the reporter reported as a grid worker (he then verifies).
    pub reported_by_grid_worker: bool,
    pub source: Source,
    pub resident: Option<Resident>,
    pub resolved_on_site: bool,
    pub limit_started_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Who resolved it (a user's or an API key's id): he may not verify it.
    pub resolved_by: Option<Uuid>,
    pub rework_count: i32,
    /// 挂账: when the case was suspended, while it is; its clock stands still.
    pub suspended_at: Option<DateTime<Utc>>,
    /// The date it resumes by itself; `None` while suspended: until resumed by hand.
    pub suspended_until: Option<chrono::NaiveDate>,
    pub pending_extension: Option<ExtensionRequest>,
    /// Evidence files, in the order they were attached.
    pub attachments: Vec<super::Attachment>,
    /// What a resident reporting through someone is given to follow the case.
    pub tracking_code: Option<String>,
    /// What an integration filed with the report (Open311): its own ticket
    /// number, and a photo's URL as given.
    pub intake: Intake,
    /// When it was last closed; `None` while open.
    pub closed_at: Option<DateTime<Utc>>,
    /// 回访: how satisfied the resident is with its last closing, and when he said so.
    pub rating: Option<Rating>,
    pub rated_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// 满意度: what a resident says of how his case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
}

impl Rating {
    pub const ALL: [Self; 3] = [Self::Satisfied, Self::BasicallySatisfied, Self::Dissatisfied];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Satisfied => "satisfied",
            Self::BasicallySatisfied => "basically_satisfied",
            Self::Dissatisfied => "dissatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Counts towards 满意率.
    pub fn satisfied(self) -> bool {
        !matches!(self, Self::Dissatisfied)
    }
}

/// What an integration's report brings beyond a case's own fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Intake {
    /// The sender's own ticket number (a 12345 hotline's): one case per API key and number.
    pub external_ref: Option<String>,
    /// A photo's URL as the sender gave it; never fetched.
    pub media_url: Option<String>,
}

/// What a reporter sends; the rest is decided by [`super::report`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    pub id: Uuid,
    pub category_code: String,
    pub priority: Priority,
    pub description: String,
    pub location: Position,
    pub address: String,
    pub grid_id: Option<Uuid>,
    pub source: Source,
    pub resident: Option<Resident>,
    pub resolved_on_site: Option<String>,
    pub intake: Intake,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionState {
    Pending,
    Approved,
    Refused,
}

impl ExtensionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Refused].into_iter().find(|x| x.as_str() == s)
    }
}

/// A request for more time (延期).
#[derive(Debug, Clone, PartialEq)]
pub struct ExtensionRequest {
    pub id: Uuid,
    pub case_id: Uuid,
    pub hours: u32,
    pub reason: String,
    pub state: ExtensionState,
    pub requested_by: Option<Uuid>,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Reported,
    Accepted,
    Rejected,
    Escalated,
    Dispatched,
    Returned,
    Started,
    Resolved,
    Verified,
    Reworked,
    Cancelled,
    Corrected,
    ExtensionRequested,
    ExtensionDecided,
    Commented,
    /// 挂账: the clock stops until the case resumes.
    Suspended,
    Resumed,
    /// 督办: a leader or a higher unit presses for action.
    Urged,
    /// The running stage's clock passed 80% of its time (预警); written by the sweeper.
    Warning,
    /// The running stage's clock ran out (超时); written by the sweeper.
    Overdue,
    /// Photos, videos or voice notes were attached (with a report, a
    /// resolution, a verification or a comment, or later as evidence).
    MediaAttached,
    /// 回访: the resident rated the closed case, online or on the phone.
    Rated,
    /// A dissatisfied resident's case went back to work.
    Reopened,
}

impl EventType {
    pub const ALL: [Self; 23] = [
        Self::Reported,
        Self::Accepted,
        Self::Rejected,
        Self::Escalated,
        Self::Dispatched,
        Self::Returned,
        Self::Started,
        Self::Resolved,
        Self::Verified,
        Self::Reworked,
        Self::Cancelled,
        Self::Corrected,
        Self::ExtensionRequested,
        Self::ExtensionDecided,
        Self::Commented,
        Self::Suspended,
        Self::Resumed,
        Self::Urged,
        Self::Warning,
        Self::Overdue,
        Self::MediaAttached,
        Self::Rated,
        Self::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Escalated => "escalated",
            Self::Dispatched => "dispatched",
            Self::Returned => "returned",
            Self::Started => "started",
            Self::Resolved => "resolved",
            Self::Verified => "verified",
            Self::Reworked => "reworked",
            Self::Cancelled => "cancelled",
            Self::Corrected => "corrected",
            Self::ExtensionRequested => "extension_requested",
            Self::ExtensionDecided => "extension_decided",
            Self::Commented => "commented",
            Self::Suspended => "suspended",
            Self::Resumed => "resumed",
            Self::Urged => "urged",
            Self::Warning => "warning",
            Self::Overdue => "overdue",
            Self::MediaAttached => "media_attached",
            Self::Rated => "rated",
            Self::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Who caused an event: a user, an API key, or the platform itself (自动立案, 网上推送).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventActor {
    User {
        id: Uuid,
        label: String,
    },
    ApiKey {
        id: Uuid,
        label: String,
    },
    System,
    /// A resident, through a public page (never named).
    Resident,
}

impl EventActor {
    pub fn label(&self) -> &str {
        match self {
            Self::User { label, .. } | Self::ApiKey { label, .. } => label,
            Self::System => "system",
            Self::Resident => "resident",
        }
    }
}

/// Who could see a case at one moment: what sync needs to tell a client
/// that a case entered or left its view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    pub grid_id: Uuid,
    pub grid_path: String,
    pub owner_unit_id: Uuid,
    pub department_ids: Vec<Uuid>,
    pub handler_user_id: Option<Uuid>,
}

impl Visibility {
    pub fn of(case: &Case) -> Self {
        Self {
            grid_id: case.grid_id,
            grid_path: case.grid_path.clone(),
            owner_unit_id: case.owner_unit_id,
            // Sorted: the store keeps the history as a set.
            department_ids: {
                let mut ids = case.department_history.clone();
                ids.sort_unstable();
                ids
            },
            handler_user_id: case.handler_user_id,
        }
    }
}

/// One entry of a case's timeline. `seq` is the global change sequence,
/// given by the store when the event is written.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseEvent {
    pub seq: i64,
    pub id: Uuid,
    pub case_id: Uuid,
    pub event_type: EventType,
    pub actor: EventActor,
    pub at: DateTime<Utc>,
    pub from_status: Option<CaseStatus>,
    pub to_status: CaseStatus,
    pub note: Option<String>,
    /// Internal comments are never shown to citizens or integrations.
    pub internal: bool,
    /// What changed: field → new value, as text.
    pub changes: BTreeMap<String, String>,
    /// Who could see the case before the change (`None` for its report).
    pub visible_before: Option<Visibility>,
    pub visible_after: Visibility,
}
