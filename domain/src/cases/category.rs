use chrono::{DateTime, Utc};

use crate::{calendar::WorkCalendar, org::DepartmentKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priority {
    Normal,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "normal" => Some(Self::Normal),
            "urgent" => Some(Self::Urgent),
            _ => None,
        }
    }
}

/// How a time limit is counted: natural hours run day and night; working
/// hours and days follow the working calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    NaturalHours,
    WorkingHours,
    /// Ends at the close of the n-th working day after the day the clock starts.
    WorkingDays,
}

impl TimeUnit {
    pub const ALL: [Self; 3] = [Self::NaturalHours, Self::WorkingHours, Self::WorkingDays];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NaturalHours => "natural_hours",
            Self::WorkingHours => "working_hours",
            Self::WorkingDays => "working_days",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == s)
    }

    /// Whether the clock follows the working calendar; extensions of such a
    /// limit count in working hours too.
    pub fn is_working_time(self) -> bool {
        !matches!(self, Self::NaturalHours)
    }
}

/// The handling time limit (处置时限) for one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeLimit {
    pub priority: Priority,
    pub amount: u32,
    pub unit: TimeUnit,
}

impl TimeLimit {
    /// When a limit started at `from` runs out.
    pub fn due(&self, from: DateTime<Utc>, calendar: &WorkCalendar) -> DateTime<Utc> {
        super::deadline(self.amount, self.unit, from, calendar)
    }
}

/// A category (事项类别) of the two-level catalog (大类/小类).
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub code: String,
    /// The 大类 this 小类 belongs to; `None` for a 大类.
    pub parent_code: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    /// The kind of department cases of this category go to.
    pub department_kind: DepartmentKind,
    pub time_limits: Vec<TimeLimit>,
    /// A grid worker's report is accepted at once.
    pub auto_accept: bool,
    /// An accepted case is dispatched at once to the suggested department.
    pub auto_dispatch: bool,
    /// Working hours past a deadline after which the sweeper escalates a case
    /// not yet dispatched one level up, or urges one in handling; `None`: never.
    pub auto_escalate_after_hours: Option<u32>,
    /// A resolution must carry an "after" photo.
    pub requires_resolution_photo: bool,
    /// Its cases may be listed to anyone through Open311: nothing of a
    /// resident's private affairs (disputes, errands) is.
    pub public: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Category {
    pub fn limit_for(&self, priority: Priority) -> Option<&TimeLimit> {
        self.time_limits.iter().find(|l| l.priority == priority)
    }
}
