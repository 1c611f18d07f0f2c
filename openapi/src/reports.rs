//! The weekly review (周研判) on the wire: `GET /api/v1/reports/weekly`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::stats::FiguresView;

/// An ISO week, e.g. `2026-W48`.
pub const ISO_WEEK: &str = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    Json,
    Csv,
    Html,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeeklyQuery {
    /// The area; default the caller's own (the district for an admin).
    pub unit_id: Option<Uuid>,
    /// The ISO week in the calendar's time zone; default the current one.
    #[param(pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    pub week: Option<String>,
    /// `json` (default), `csv` or `html` (a self-contained, printable page).
    pub format: Option<ReportFormat>,
}

/// One unit below the area (or the whole area): this week against the last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WeeklyRow {
    pub key: Option<String>,
    pub label: String,
    pub this_week: FiguresView,
    pub last_week: FiguresView,
}

/// The weekly review of an area: per unit of the level below it (streets of
/// a district, communities of a street, grids of a community), the cases
/// reported this week against the week before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WeeklyReport {
    pub unit_id: Uuid,
    pub label: String,
    pub week: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub previous_week: String,
    pub totals: WeeklyRow,
    pub rows: Vec<WeeklyRow>,
}

/// A link that opens the weekly page in a browser without a bearer header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportLink {
    /// Relative to the server; valid until `expires_at`.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeeklyLinkQuery {
    pub unit_id: Option<Uuid>,
    #[param(pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    pub week: Option<String>,
}

/// What a signed link carries; only the server makes these.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeeklyViewQuery {
    pub unit_id: Uuid,
    #[param(pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    pub week: String,
    /// Unix seconds.
    #[param(minimum = 0)]
    pub expires: i64,
    #[param(pattern = "^[A-Za-z0-9_-]{43}$")]
    pub sig: String,
}
