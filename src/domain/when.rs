//! Dates and times as people type them, shared by the CLI and the forms.

use chrono::{NaiveDate, NaiveDateTime};

pub const DATE_TIME_INPUT: &str = "%Y-%m-%d %H:%M";

/// "2026-03-10 14:05", the ISO "T" form, a bare date (midnight), or "now".
pub fn parse_when(text: &str, now: NaiveDateTime) -> Result<NaiveDateTime, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    for fmt in [DATE_TIME_INPUT, "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(v) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(v);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists"));
    }
    Err(format!("{t:?} is not a date and time; write it as YYYY-MM-DD HH:MM"))
}

pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{:?} is not a date; write it as YYYY-MM-DD", text.trim()))
}

/// A review or due date that passes [`check_due_date`]: near enough, or
/// more than a year away and so worth a second look before it is saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueDate {
    Near,
    /// More than a year after today: ask "is this right?" once.
    Far,
}

/// A date something is due by (a triage's next review, an action's due
/// date) is today or later: a date in the past would be kept in the
/// chronology forever and read as overdue from the start. One more than a
/// year away is probably a typing slip (2062 for 2026): callers ask for a
/// confirmation ([`far_date_question`]) before saving it.
pub fn check_due_date(what: &str, date: NaiveDate, today: NaiveDate) -> Result<DueDate, String> {
    if date < today {
        return Err(format!("{what} {date} is in the past; choose today ({today}) or later"));
    }
    let year_on = today.checked_add_months(chrono::Months::new(12)).unwrap_or(NaiveDate::MAX);
    Ok(if date > year_on { DueDate::Far } else { DueDate::Near })
}

/// The question asked before a far date is saved; `how` says how to confirm.
pub fn far_date_question(what: &str, date: NaiveDate, how: &str) -> String {
    format!("{what} {date} is more than a year away; if that is right, {how}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_are_today_or_later_and_far_ones_are_asked_about() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let err = check_due_date("the review date", day(1999, 1, 1), today).unwrap_err();
        assert_eq!(err, "the review date 1999-01-01 is in the past; choose today (2026-03-10) or later");
        assert!(check_due_date("the review date", day(2026, 3, 9), today).is_err());
        assert_eq!(check_due_date("x", today, today), Ok(DueDate::Near));
        assert_eq!(check_due_date("x", day(2027, 3, 10), today), Ok(DueDate::Near), "a year to the day");
        assert_eq!(check_due_date("x", day(2027, 3, 11), today), Ok(DueDate::Far));
        assert_eq!(check_due_date("x", day(2062, 3, 10), today), Ok(DueDate::Far));
    }

    #[test]
    fn accepts_the_forms_people_type() {
        let now = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap().and_hms_opt(12, 0, 0).unwrap();
        assert_eq!(parse_when("now", now).unwrap(), now);
        assert_eq!(parse_when("2026-03-10 12:00", now).unwrap(), now);
        assert_eq!(parse_when("2026-03-10T12:00:00", now).unwrap(), now);
        assert_eq!(parse_when("2026-03-10", now).unwrap().date(), now.date());
        assert!(parse_when("yesterday", now).unwrap_err().contains("YYYY-MM-DD HH:MM"));
        assert!(parse_date("10/03/2026").is_err());
    }
}
