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

/// How a due date stands on `today`: a review or an action that is late,
/// due today, or still to come. The board, the actions screen and the
/// dashboard all say it in these words (issue 8: "DUE" alone said nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lateness {
    /// Past its date by this many days (at least 1).
    Overdue(i64),
    DueToday,
    /// Due in this many days (at least 1).
    DueIn(i64),
}

impl Lateness {
    pub fn of(due: NaiveDate, today: NaiveDate) -> Self {
        let days = (today - due).num_days();
        match days {
            1.. => Lateness::Overdue(days),
            0 => Lateness::DueToday,
            _ => Lateness::DueIn(-days),
        }
    }

    pub fn is_overdue(self) -> bool {
        matches!(self, Lateness::Overdue(_))
    }

    /// Due today or overdue.
    pub fn is_due(self) -> bool {
        !matches!(self, Lateness::DueIn(_))
    }

    /// Days past the date: positive when late, 0 today, negative to come.
    /// Sorting by this, largest first, puts the latest first.
    pub fn days_late(self) -> i64 {
        match self {
            Lateness::Overdue(d) => d,
            Lateness::DueToday => 0,
            Lateness::DueIn(d) => -d,
        }
    }

    /// How far, in the unit a person would use: "9 d" under two weeks,
    /// then whole weeks ("3 w").
    pub fn span(self) -> String {
        let days = self.days_late().abs();
        if days < 14 { format!("{days} d") } else { format!("{} w", days / 7) }
    }

    /// `span` without the space, like the board's ages: "9d", "3w".
    pub fn short_span(self) -> String {
        self.span().replace(' ', "")
    }

    /// "overdue 9 d", "overdue 3 w", "due today", "in 4 d".
    pub fn words(self) -> String {
        match self {
            Lateness::Overdue(_) => format!("overdue {}", self.span()),
            Lateness::DueToday => "due today".into(),
            Lateness::DueIn(_) => format!("in {}", self.span()),
        }
    }

    /// The same in at most 8 characters for an 80-column table, written
    /// like the board's ages ("6w"): "9d late", "5w late", "today", "in 4d".
    pub fn short_words(self) -> String {
        let span = self.short_span();
        match self {
            Lateness::Overdue(_) => format!("{span} late"),
            Lateness::DueToday => "today".into(),
            Lateness::DueIn(_) => format!("in {span}"),
        }
    }

    /// How urgent the lateness is, for colour (the words say it too):
    /// 0 to come, 1 due today, 2 overdue under a week, 3 a week or more.
    pub fn severity(self) -> u8 {
        match self {
            Lateness::DueIn(_) => 0,
            Lateness::DueToday => 1,
            Lateness::Overdue(d) if d < 7 => 2,
            Lateness::Overdue(_) => 3,
        }
    }
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

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn lateness_says_how_late_in_words() {
        let today = day(11, 20);
        let cases = [
            (day(11, 20), Lateness::DueToday, "due today", "today"),
            (day(11, 19), Lateness::Overdue(1), "overdue 1 d", "1d late"),
            (day(11, 11), Lateness::Overdue(9), "overdue 9 d", "9d late"),
            (day(11, 7), Lateness::Overdue(13), "overdue 13 d", "13d late"),
            (day(11, 6), Lateness::Overdue(14), "overdue 2 w", "2w late"),
            // Nine weeks overdue no longer looks like due today.
            (day(9, 18), Lateness::Overdue(63), "overdue 9 w", "9w late"),
            (day(11, 24), Lateness::DueIn(4), "in 4 d", "in 4d"),
            (day(12, 11), Lateness::DueIn(21), "in 3 w", "in 3w"),
        ];
        for (due, lateness, words, short) in cases {
            let l = Lateness::of(due, today);
            assert_eq!(l, lateness, "{due}");
            assert_eq!(l.words(), words);
            assert_eq!(l.short_words(), short);
            assert!(l.short_words().chars().count() <= 8);
        }
        assert!(Lateness::of(day(11, 20), today).is_due() && !Lateness::of(day(11, 20), today).is_overdue());
        assert!(!Lateness::of(day(11, 21), today).is_due());
        let mut severities: Vec<u8> = [day(12, 1), day(11, 20), day(11, 18), day(10, 1)]
            .iter()
            .map(|d| Lateness::of(*d, today).severity())
            .collect();
        assert_eq!(severities, vec![0, 1, 2, 3]);
        severities.dedup();
        assert_eq!(severities.len(), 4);
    }
}
