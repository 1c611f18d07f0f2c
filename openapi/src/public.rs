//! What anyone may read without an account: a resident's view of his case,
//! which carries no personal data, no staff names and no internal notes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::values::{CaseStatus, EventType, OrgKind, Rating};

/// 公示: who is responsible for a grid, level by level, and its grid workers who chose to be listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = crate::examples::public_grid)]
pub struct PublicGrid {
    pub code: String,
    pub name: String,
    /// The grid, its community, its street and its district, in that order.
    pub levels: Vec<PublicLevel>,
    /// Those of its grid workers who chose to be listed, by display name.
    pub grid_workers: Vec<ListedWorker>,
}

/// One level of the tree with its published responsible person.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicLevel {
    pub kind: OrgKind,
    pub code: String,
    pub name: String,
    pub responsible_person: Option<String>,
    pub contact_phone: Option<String>,
}

/// A grid worker who chose to be listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ListedWorker {
    pub display_name: String,
    pub work_phone: Option<String>,
}

/// A case as the resident who holds its tracking code sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = crate::examples::public_case)]
pub struct PublicCase {
    pub number: String,
    pub category_code: String,
    /// The category's Chinese name.
    pub category: Option<String>,
    pub status: CaseStatus,
    /// The grid's name.
    pub grid: Option<String>,
    pub reported_at: DateTime<Utc>,
    /// When the case was last closed; `null` while open.
    pub closed_at: Option<DateTime<Utc>>,
    /// The resident's rating of its last closing; `null` until given.
    pub rating: Option<Rating>,
    /// Whether the resident may rate the case now (closed, not yet rated).
    pub may_rate: bool,
    /// What happened, oldest first: the workflow's steps and their time; the notes that are the resident's
    /// business (why it was rejected or withdrawn, what was done, why it was reopened, his own words), and
    /// which department it was sent to. Nothing else of the timeline.
    pub timeline: Vec<PublicStep>,
}

/// One step of a case's public timeline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicStep {
    #[serde(rename = "type")]
    pub type_: EventType,
    pub at: DateTime<Utc>,
    /// The case's status after the step.
    pub status: CaseStatus,
    pub note: Option<String>,
    /// The department the case was sent to (on `dispatched`).
    pub department: Option<String>,
}

/// What a resident says of how his case ended.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::public_feedback)]
pub struct PublicFeedback {
    pub rating: Rating,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}
