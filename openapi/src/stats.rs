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
    /// Cases whose last closing the resident rated (回访), online or on the phone.
    pub rated: u64,
    /// Of those, rated `satisfied` or `basically_satisfied`.
    pub satisfied: u64,
    /// Reopened at least once after a dissatisfied rating (not counted as rework).
    pub reopened: u64,
    /// 结案率: `closed ÷ due_to_close`.
    pub closure_rate: Option<f64>,
    /// 按期结案率: `closed_on_time ÷ (due_to_close − suspended)`.
    pub on_time_closure_rate: Option<f64>,
    /// 返工率: `reworked ÷ verified`.
    pub rework_rate: Option<f64>,
    /// 立案及时率: `accepted_on_time ÷ accepted`.
    pub timely_acceptance_rate: Option<f64>,
    /// 满意率: `satisfied ÷ rated`.
    pub satisfied_rate: Option<f64>,
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
            rated: f.rated,
            satisfied: f.satisfied,
            reopened: f.reopened,
            closure_rate: f.closure_rate,
            on_time_closure_rate: f.on_time_closure_rate,
            rework_rate: f.rework_rate,
            timely_acceptance_rate: f.timely_acceptance_rate,
            satisfied_rate: f.satisfied_rate,
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

/// The level a ranking compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RankingLevel {
    Grid,
    Community,
    Street,
    Department,
}

impl From<RankingLevel> for GroupBy {
    fn from(level: RankingLevel) -> Self {
        match level {
            RankingLevel::Grid => Self::Grid,
            RankingLevel::Community => Self::Community,
            RankingLevel::Street => Self::Street,
            RankingLevel::Department => Self::Department,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingQuery {
    /// As for `get_stats`.
    pub unit_id: Option<Uuid>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// What is ranked; default `grid`.
    pub level: Option<RankingLevel>,
}

/// How much each rate weighs in a ranking's score (考核权重); a negative
/// weight counts against. Admins set them; by default on-time closure 50%,
/// closure 30%, rework −20%.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::ranking_weights)]
pub struct RankingWeights {
    #[schema(minimum = -1, maximum = 1)]
    pub on_time_closure_rate: f64,
    #[schema(minimum = -1, maximum = 1)]
    pub closure_rate: f64,
    #[schema(minimum = -1, maximum = 1)]
    pub rework_rate: f64,
    #[schema(minimum = -1, maximum = 1)]
    pub timely_acceptance_rate: f64,
}

impl Default for RankingWeights {
    fn default() -> Self {
        Self { on_time_closure_rate: 0.5, closure_rate: 0.3, rework_rate: -0.2, timely_acceptance_rate: 0.0 }
    }
}

impl RankingWeights {
    /// The score of a group: the weighted sum of its rates (a `null` rate
    /// counts 0), out of 100; `null` for a group with nothing due to close.
    pub fn score(&self, f: &FiguresView) -> Option<f64> {
        if f.due_to_close == 0 {
            return None;
        }
        let r = |rate: Option<f64>| rate.unwrap_or(0.0);
        let sum = self.on_time_closure_rate * r(f.on_time_closure_rate)
            + self.closure_rate * r(f.closure_rate)
            + self.rework_rate * r(f.rework_rate)
            + self.timely_acceptance_rate * r(f.timely_acceptance_rate);
        Some((sum * 100.0 * 100.0).round() / 100.0)
    }
}

/// One ranked group: its place (1 is best), score, and figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RankedGroup {
    pub rank: u32,
    pub key: Option<String>,
    pub label: String,
    pub score: Option<f64>,
    #[serde(flatten)]
    pub figures: FiguresView,
}

/// The groups of a level ordered by score, best first; groups without a
/// score come last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RankingView {
    pub unit_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub level: RankingLevel,
    pub weights: RankingWeights,
    pub ranking: Vec<RankedGroup>,
}
