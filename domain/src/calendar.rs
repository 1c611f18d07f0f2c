//! The working calendar (工作日历): which hours of which days count as
//! working time, in one time zone, for clocks counted in working hours or
//! working days. Official holidays close a day; make-up working days (调休)
//! open one, with a regular working day's hours.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// One span of working time within a day, `start` before `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkPeriod {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// The names of the weekdays, Monday first, as the calendar's document spells them.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// No clock searches further than this for working time.
const SEARCH_DAYS: u32 = 366 * 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    pub time_zone: Tz,
    /// Working periods per weekday, Monday first.
    pub weekdays: [Vec<WorkPeriod>; 7],
    /// Days off although their weekday works (法定节假日).
    pub holidays: BTreeSet<NaiveDate>,
    /// Days worked although their weekday does not (调休补班).
    pub workdays: BTreeSet<NaiveDate>,
}

/// A fault in a calendar, at a JSON Pointer into its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFault {
    pub pointer: String,
    pub message: String,
}

fn period(start: (u32, u32), end: (u32, u32)) -> WorkPeriod {
    let at = |(h, m)| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
    WorkPeriod { start: at(start), end: at(end) }
}

impl Default for WorkCalendar {
    /// 08:30–12:00 and 14:00–17:30, Monday to Friday, in China's time zone; no holidays.
    fn default() -> Self {
        let day = || vec![period((8, 30), (12, 0)), period((14, 0), (17, 30))];
        Self {
            time_zone: chrono_tz::Asia::Shanghai,
            weekdays: [day(), day(), day(), day(), day(), Vec::new(), Vec::new()],
            holidays: BTreeSet::new(),
            workdays: BTreeSet::new(),
        }
    }
}

impl WorkCalendar {
    /// Every fault at once: periods out of order or overlapping, a date in
    /// both lists, a week without working time.
    pub fn validate(&self) -> Result<(), Vec<CalendarFault>> {
        let mut faults = Vec::new();
        for (day, periods) in WEEKDAYS.iter().zip(&self.weekdays) {
            for (i, p) in periods.iter().enumerate() {
                if p.start >= p.end {
                    faults.push(CalendarFault {
                        pointer: format!("/weekdays/{day}/{i}"),
                        message: "must start before it ends".into(),
                    });
                }
                if i > 0 && periods[i - 1].end > p.start {
                    faults.push(CalendarFault {
                        pointer: format!("/weekdays/{day}/{i}"),
                        message: "overlaps or precedes the period before it".into(),
                    });
                }
            }
        }
        if self.weekdays.iter().all(Vec::is_empty) {
            faults.push(CalendarFault {
                pointer: "/weekdays".into(),
                message: "must have working time on some day".into(),
            });
        }
        for (i, date) in self.workdays.iter().enumerate() {
            if self.holidays.contains(date) {
                faults.push(CalendarFault {
                    pointer: format!("/workdays/{i}"),
                    message: format!("{date} is also a holiday"),
                });
            }
        }
        if faults.is_empty() {
            Ok(())
        } else {
            Err(faults)
        }
    }

    /// The hours a make-up working day keeps: the first working weekday's.
    fn regular_day(&self) -> &[WorkPeriod] {
        self.weekdays.iter().find(|p| !p.is_empty()).map(Vec::as_slice).unwrap_or_default()
    }

    /// The working periods of a date in the calendar's time zone.
    pub fn periods_on(&self, date: NaiveDate) -> &[WorkPeriod] {
        if self.holidays.contains(&date) {
            &[]
        } else if self.workdays.contains(&date) {
            self.regular_day()
        } else {
            &self.weekdays[date.weekday().num_days_from_monday() as usize]
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !self.periods_on(date).is_empty()
    }

    /// The instant a local date and time names; in a daylight-saving gap, the
    /// first instant after it.
    fn instant(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let local = date.and_time(time);
        let mut probe = local;
        for _ in 0..4 {
            if let Some(at) = self.time_zone.from_local_datetime(&probe).earliest() {
                return at.with_timezone(&Utc);
            }
            probe += Duration::minutes(30);
        }
        Utc.from_utc_datetime(&local)
    }

    /// The first instant of a date in the calendar's time zone.
    pub fn start_of(&self, date: NaiveDate) -> DateTime<Utc> {
        self.instant(date, NaiveTime::MIN)
    }

    /// The date of an instant in the calendar's time zone.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.time_zone).date_naive()
    }

    /// The working periods of `date` as instants.
    fn spans(&self, date: NaiveDate) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        self.periods_on(date).iter().map(move |p| (self.instant(date, p.start), self.instant(date, p.end)))
    }

    /// The moment `amount` of working time after `from` has passed. A clock
    /// started outside working time starts at the next working period; one
    /// whose time runs out at a period's end ends there, not at the next start.
    pub fn add_working(&self, from: DateTime<Utc>, amount: Duration) -> DateTime<Utc> {
        if amount <= Duration::zero() {
            return from;
        }
        let mut remaining = amount;
        let mut date = self.local_date(from);
        for _ in 0..SEARCH_DAYS {
            for (start, end) in self.spans(date) {
                let begin = start.max(from);
                if end <= begin {
                    continue;
                }
                let available = end - begin;
                if remaining <= available {
                    return begin + remaining;
                }
                remaining -= available;
            }
            date = date.succ_opt().unwrap_or(date);
        }
        from + amount
    }

    /// The working time between two instants.
    pub fn working_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let mut total = Duration::zero();
        let mut date = self.local_date(from);
        let last = self.local_date(to);
        while date <= last {
            for (start, end) in self.spans(date) {
                let (a, b) = (start.max(from), end.min(to));
                if b > a {
                    total += b - a;
                }
            }
            date = match date.succ_opt() {
                Some(next) => next,
                None => break,
            };
        }
        total
    }

    /// The end of the `n`-th working day after the day of `from` (that day
    /// not counted): when a limit of `n` working days runs out.
    pub fn end_of_working_days(&self, from: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        if n == 0 {
            return from;
        }
        let mut date = self.local_date(from);
        let mut counted = 0;
        for _ in 0..SEARCH_DAYS {
            date = date.succ_opt().unwrap_or(date);
            if let Some(last) = self.periods_on(date).last() {
                counted += 1;
                if counted == n {
                    return self.instant(date, last.end);
                }
            }
        }
        from + Duration::days(i64::from(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Beijing wall-clock time as an instant.
    fn bj(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap().with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// 2026's National Day week: 1–7 October off, Sunday 27 September and
    /// Saturday 10 October worked (调休), as the State Council published.
    fn national_day_2026() -> WorkCalendar {
        WorkCalendar {
            holidays: (1..=7).map(|d| date(2026, 10, d)).collect(),
            workdays: [date(2026, 9, 27), date(2026, 10, 10)].into(),
            ..WorkCalendar::default()
        }
    }

    #[test]
    fn hours_within_one_working_period() {
        let c = WorkCalendar::default();
        // Monday 23 November 2026, 09:00.
        assert_eq!(c.add_working(bj(2026, 11, 23, 9, 0), Duration::hours(2)), bj(2026, 11, 23, 11, 0));
    }

    #[test]
    fn the_lunch_break_and_the_night_do_not_count() {
        let c = WorkCalendar::default();
        // 11:00 + 2 h: one hour before lunch, one after it.
        assert_eq!(c.add_working(bj(2026, 11, 23, 11, 0), Duration::hours(2)), bj(2026, 11, 23, 15, 0));
        // 17:00 + 1 h: half an hour today, half an hour tomorrow morning.
        assert_eq!(c.add_working(bj(2026, 11, 23, 17, 0), Duration::hours(1)), bj(2026, 11, 24, 9, 0));
        // Reported at 22:00: the clock starts at 08:30.
        assert_eq!(c.add_working(bj(2026, 11, 23, 22, 0), Duration::minutes(90)), bj(2026, 11, 24, 10, 0));
    }

    #[test]
    fn time_running_out_at_closing_ends_at_closing() {
        let c = WorkCalendar::default();
        assert_eq!(c.add_working(bj(2026, 11, 23, 17, 0), Duration::minutes(30)), bj(2026, 11, 23, 17, 30));
        assert_eq!(c.add_working(bj(2026, 11, 23, 8, 30), Duration::hours(7)), bj(2026, 11, 23, 17, 30));
    }

    #[test]
    fn weekends_are_skipped() {
        let c = WorkCalendar::default();
        // Friday 27 November 16:30 + 4 h: 1 h Friday, 3 h Monday morning (08:30–11:30).
        assert_eq!(c.add_working(bj(2026, 11, 27, 16, 30), Duration::hours(4)), bj(2026, 11, 30, 11, 30));
        // Reported on Saturday: Monday 08:30 is the start.
        assert_eq!(c.add_working(bj(2026, 11, 28, 10, 0), Duration::hours(1)), bj(2026, 11, 30, 9, 30));
    }

    #[test]
    fn holidays_close_and_make_up_days_open() {
        let c = national_day_2026();
        // Wednesday 30 September 17:00 + 1 h: 30 min that day, then the holiday week;
        // Saturday 3 October is off anyway, and the next working day is Thursday 8 October.
        assert_eq!(c.add_working(bj(2026, 9, 30, 17, 0), Duration::hours(1)), bj(2026, 10, 8, 9, 0));
        // Saturday 26 September 10:00 + 1 h: Sunday 27 September is a make-up working day.
        assert_eq!(c.add_working(bj(2026, 9, 26, 10, 0), Duration::hours(1)), bj(2026, 9, 27, 9, 30));
        assert!(c.is_working_day(date(2026, 10, 10)), "Saturday 10 October is worked");
        assert!(!c.is_working_day(date(2026, 10, 5)), "a Monday in the holiday is not");
    }

    #[test]
    fn working_days_end_at_the_close_of_the_nth_day_after() {
        let c = national_day_2026();
        // Started Tuesday 29 September 10:00; that day not counted. Day 1 is Wednesday
        // 30 September, day 2 Thursday 8 October, day 3 Friday 9 October, day 4 Saturday 10.
        let start = bj(2026, 9, 29, 10, 0);
        assert_eq!(c.end_of_working_days(start, 1), bj(2026, 9, 30, 17, 30));
        assert_eq!(c.end_of_working_days(start, 2), bj(2026, 10, 8, 17, 30));
        assert_eq!(c.end_of_working_days(start, 4), bj(2026, 10, 10, 17, 30));
    }

    #[test]
    fn working_time_between_two_instants() {
        let c = WorkCalendar::default();
        // Friday 16:00 to Monday 10:00: 1.5 h Friday and 1.5 h Monday.
        assert_eq!(c.working_between(bj(2026, 11, 27, 16, 0), bj(2026, 11, 30, 10, 0)), Duration::hours(3));
        assert_eq!(c.working_between(bj(2026, 11, 28, 9, 0), bj(2026, 11, 29, 18, 0)), Duration::zero());
        // Adding and measuring agree.
        let from = bj(2026, 11, 25, 15, 17);
        let due = c.add_working(from, Duration::hours(13));
        assert_eq!(c.working_between(from, due), Duration::hours(13));
    }

    #[test]
    fn faults_are_named_each_at_its_place() {
        let mut c = WorkCalendar::default();
        c.weekdays[1] = vec![period((9, 0), (12, 0)), period((11, 0), (13, 0))];
        c.weekdays[2] = vec![period((14, 0), (13, 0))];
        c.holidays.insert(date(2026, 9, 27));
        c.workdays.insert(date(2026, 9, 27));
        let faults = c.validate().unwrap_err();
        let at: Vec<&str> = faults.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(at, ["/weekdays/tue/1", "/weekdays/wed/0", "/workdays/0"]);
        assert!(WorkCalendar::default().validate().is_ok());
        let empty = WorkCalendar { weekdays: Default::default(), ..WorkCalendar::default() };
        assert_eq!(empty.validate().unwrap_err()[0].pointer, "/weekdays");
    }
}
