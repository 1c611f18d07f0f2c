//! The clocks' settings on the wire: the working calendar (工作日历) of
//! `/api/v1/calendar` and the stage limits of `/api/v1/time-limits`. The same
//! documents are what the server stores.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime};
use gridline_domain::{
    calendar::{WorkCalendar, WorkPeriod, WEEKDAYS},
    cases::{StageLimit, StageLimits},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{values::TimeUnit, FieldError};

/// `HH:MM`, 24-hour.
const CLOCK_TIME: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

/// Which hours of which days are working time, for clocks counted in working
/// hours or days. Official holidays close a day; make-up working days (调休)
/// open one with the hours of the first working weekday. A change applies to
/// clocks started after it; deadlines already set stay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::calendar)]
pub struct Calendar {
    /// An IANA time zone: dates, weekdays and hours are read in it.
    #[schema(max_length = 64, pattern = "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$")]
    pub time_zone: String,
    pub weekdays: Weekdays,
    /// Days off although their weekday works (法定节假日).
    #[schema(max_items = 1000)]
    pub holidays: Vec<NaiveDate>,
    /// Days worked although their weekday does not (调休补班).
    #[schema(max_items = 1000)]
    pub workdays: Vec<NaiveDate>,
}

/// Working periods per weekday, in order, each `["HH:MM", "HH:MM"]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Weekdays {
    #[schema(schema_with = periods_schema)]
    pub mon: Vec<Vec<String>>,
    #[schema(schema_with = periods_schema)]
    pub tue: Vec<Vec<String>>,
    #[schema(schema_with = periods_schema)]
    pub wed: Vec<Vec<String>>,
    #[schema(schema_with = periods_schema)]
    pub thu: Vec<Vec<String>>,
    #[schema(schema_with = periods_schema)]
    pub fri: Vec<Vec<String>>,
    #[schema(schema_with = periods_schema)]
    pub sat: Vec<Vec<String>>,
    #[schema(schema_with = periods_schema)]
    pub sun: Vec<Vec<String>>,
}

fn periods_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let time = ObjectBuilder::new().schema_type(Type::String).pattern(Some(CLOCK_TIME));
    let period = ArrayBuilder::new().items(time).min_items(Some(2)).max_items(Some(2));
    ArrayBuilder::new().items(period).max_items(Some(8)).build()
}

impl Weekdays {
    fn days(&self) -> [&Vec<Vec<String>>; 7] {
        [&self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun]
    }
}

fn clock(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

impl From<&WorkCalendar> for Calendar {
    fn from(c: &WorkCalendar) -> Self {
        let day = |i: usize| c.weekdays[i].iter().map(|p| vec![clock(p.start), clock(p.end)]).collect();
        Self {
            time_zone: c.time_zone.name().to_owned(),
            weekdays: Weekdays {
                mon: day(0),
                tue: day(1),
                wed: day(2),
                thu: day(3),
                fri: day(4),
                sat: day(5),
                sun: day(6),
            },
            holidays: c.holidays.iter().copied().collect(),
            workdays: c.workdays.iter().copied().collect(),
        }
    }
}

impl TryFrom<&Calendar> for WorkCalendar {
    type Error = Vec<FieldError>;

    /// Every fault at once, each at its place in the document.
    fn try_from(c: &Calendar) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let time_zone = chrono_tz::Tz::from_str(&c.time_zone)
            .map_err(|_| errors.push(FieldError::pointer("/time_zone", "is not an IANA time zone")))
            .unwrap_or(chrono_tz::Asia::Shanghai);
        let mut weekdays: [Vec<WorkPeriod>; 7] = Default::default();
        for (i, (name, periods)) in WEEKDAYS.iter().zip(c.weekdays.days()).enumerate() {
            for (j, period) in periods.iter().enumerate() {
                let at = |k: usize| {
                    let text = period.get(k).map(String::as_str).unwrap_or_default();
                    NaiveTime::parse_from_str(text, "%H:%M").ok()
                };
                match (period.len(), at(0), at(1)) {
                    (2, Some(start), Some(end)) => weekdays[i].push(WorkPeriod { start, end }),
                    _ => errors.push(FieldError::pointer(
                        format!("/weekdays/{name}/{j}"),
                        "must be two times [\"HH:MM\", \"HH:MM\"]",
                    )),
                }
            }
        }
        let calendar = WorkCalendar {
            time_zone,
            weekdays,
            holidays: c.holidays.iter().copied().collect(),
            workdays: c.workdays.iter().copied().collect(),
        };
        for (i, date) in c.workdays.iter().enumerate() {
            if calendar.holidays.contains(date) {
                errors.push(FieldError::pointer(format!("/workdays/{i}"), format!("{date} is also a holiday")));
            }
        }
        if errors.is_empty() {
            if let Err(faults) = calendar.validate() {
                errors.extend(faults.into_iter().map(|f| FieldError::pointer(f.pointer, f.message)));
            }
        }
        if errors.is_empty() {
            Ok(calendar)
        } else {
            Err(errors)
        }
    }
}

/// The limits of the stages around handling: 立案 (`accept`: from the report
/// to acceptance), 派遣 (`dispatch`: from acceptance to dispatch) and 核查
/// (`verify`: from resolution to verification). Handling (处置) is per
/// category and priority. A change applies to clocks started after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::stage_time_limits)]
pub struct StageTimeLimits {
    pub accept: StageLimitView,
    pub dispatch: StageLimitView,
    pub verify: StageLimitView,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageLimitView {
    /// Hours, or for `working_days` days (at most 365).
    #[schema(minimum = 1, maximum = 8760)]
    pub amount: u32,
    pub unit: TimeUnit,
}

impl From<&StageLimits> for StageTimeLimits {
    fn from(l: &StageLimits) -> Self {
        let view = |s: StageLimit| StageLimitView { amount: s.amount, unit: s.unit.into() };
        Self { accept: view(l.accept), dispatch: view(l.dispatch), verify: view(l.verify) }
    }
}

impl TryFrom<&StageTimeLimits> for StageLimits {
    type Error = Vec<FieldError>;

    fn try_from(l: &StageTimeLimits) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let mut limit = |name: &str, v: StageLimitView| {
            let unit: gridline_domain::cases::TimeUnit = v.unit.into();
            if let Some(fault) = limit_fault(v.amount, unit) {
                errors.push(FieldError::pointer(format!("/{name}/amount"), fault));
            }
            StageLimit { amount: v.amount, unit }
        };
        let limits = StageLimits {
            accept: limit("accept", l.accept),
            dispatch: limit("dispatch", l.dispatch),
            verify: limit("verify", l.verify),
        };
        if errors.is_empty() {
            Ok(limits)
        } else {
            Err(errors)
        }
    }
}

/// What is wrong with a limit's amount, if anything: hours 1 to 8760, days 1 to 365.
pub fn limit_fault(amount: u32, unit: gridline_domain::cases::TimeUnit) -> Option<&'static str> {
    match unit {
        gridline_domain::cases::TimeUnit::WorkingDays if !(1..=365).contains(&amount) => {
            Some("must be between 1 and 365 days")
        }
        _ if !(1..=8760).contains(&amount) => Some("must be between 1 and 8760"),
        _ => None,
    }
}
