//! The figures leaders are judged by, on the wire: `GET /api/v1/stats`.

use chrono::NaiveDate;
use gridline_domain::stats::Figures;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// How the cases are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Grid,
    Community,
    Street,
    Department,
    Category,
    GridWorker,
    Day,
    Week,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// The unit whose subtree is counted; default the caller's own area (the
    /// district for an admin).
    pub unit_id: Option<Uuid>,
    /// The first day of reports counted, in the calendar's time zone; default 29 days before `to`.
    pub from: Option<NaiveDate>,
    /// The last day counted (inclusive); default today. At most 366 days after `from`.
    pub to: Option<NaiveDate>,
    /// Without it, only the totals.
    pub group_by: Option<GroupBy>,
}

/// Counts and rates over a set of cases (see the README's table). A rate whose
/// denominator is zero is `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FiguresView {
    pub reported: u64,
    /// Registered (立案).
    pub accepted: u64,
    /// Not registered (不予立案).
    pub rejected: u64,
    /// Withdrawn by the reporter.
    pub cancelled: u64,
    /// Dispatched at least once.
    pub dispatched: u64,
    /// Resolved on site by the grid worker (自行处置).
    pub settled_on_site: u64,
    /// `dispatched + settled_on_site`.
    pub due_to_close: u64,
    pub closed: u64,
    /// Closed, never reworked, every resolution before the handling deadline in force then.
    pub closed_on_time: u64,
    /// Open cases whose running stage is overdue now.
    pub overdue_now: u64,
    /// Suspended (挂账) at least once.
    pub suspended: u64,
    /// Verified at least once.
    pub verified: u64,
    /// Failed a verification at least once.
    pub reworked: u64,
    /// Urged (督办) at least once.
    pub urged: u64,
    /// Accepted within the accept stage's limit.
    pub accepted_on_time: u64,
    /// 结案率: `closed ÷ due_to_close`.
    pub closure_rate: Option<f64>,
    /// 按期结案率: `closed_on_time ÷ (due_to_close − suspended)`.
    pub on_time_closure_rate: Option<f64>,
    /// 返工率: `reworked ÷ verified`.
    pub rework_rate: Option<f64>,
    /// 立案及时率: `accepted_on_time ÷ accepted`.
    pub timely_acceptance_rate: Option<f64>,
    /// Working hours from first dispatch to last resolution, over closed cases.
    pub avg_handling_hours: Option<f64>,
    pub p90_handling_hours: Option<f64>,
}

impl From<&Figures> for FiguresView {
    fn from(f: &Figures) -> Self {
        Self {
            reported: f.reported,
            accepted: f.accepted,
            rejected: f.rejected,
            cancelled: f.cancelled,
            dispatched: f.dispatched,
            settled_on_site: f.settled_on_site,
            due_to_close: f.due_to_close,
            closed: f.closed,
            closed_on_time: f.closed_on_time,
            overdue_now: f.overdue_now,
            suspended: f.suspended,
            verified: f.verified,
            reworked: f.reworked,
            urged: f.urged,
            accepted_on_time: f.accepted_on_time,
            closure_rate: f.closure_rate,
            on_time_closure_rate: f.on_time_closure_rate,
            rework_rate: f.rework_rate,
            timely_acceptance_rate: f.timely_acceptance_rate,
            avg_handling_hours: f.avg_handling_hours,
            p90_handling_hours: f.p90_handling_hours,
        }
    }
}

/// One group: its key (an id, a code, a date or a week like `2026-W48`; `null`
/// for cases without one, such as the department of a case never dispatched)
/// and its label, with its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GroupView {
    pub key: Option<String>,
    pub label: String,
    #[serde(flatten)]
    pub figures: FiguresView,
}

/// The figures over the cases reported from `from` to `to` within the unit's subtree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StatsView {
    pub unit_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: Option<GroupBy>,
    pub totals: FiguresView,
    pub groups: Vec<GroupView>,
}
