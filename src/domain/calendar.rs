//! The school's working days: weekends and the closures of its term-dates
//! file (holidays, INSET days), for deadlines that count in working days
//! (S-b: "LADO within one working day of an allegation").
//!
//! ## The term-dates file
//!
//! The DSL edits it as plain text and sets it with `casebook term-dates set
//! FILE`. One closure a line: a date, or a first and last date joined by
//! `..` (both days closed), then what it is. `#` starts a comment; blank
//! lines are ignored. Weekends are never working days and need no line.
//!
//! ```text
//! # Northfield Primary, 2026-27
//! 2026-10-26..2026-10-30 October half term
//! 2026-12-21..2027-01-01 Christmas holiday
//! 2027-01-04 INSET day
//! ```
//!
//! A line that is not one of these is refused with its number, and nothing
//! is set. With no file set, only weekends are closed.

use chrono::{Datelike, NaiveDate, Weekday};

/// A closure may span at most this many days: a longer one is almost
/// certainly a typing slip (2062 for 2026), and it keeps every count short.
const LONGEST_CLOSURE_DAYS: i64 = 120;

/// How far any count walks, in days: ten years. A deadline further away
/// than that is stated as the day it lands on without walking further.
const WALK_LIMIT: i64 = 3660;

/// One closure: days the school is shut besides weekends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub name: String,
}

/// The working-day calendar a term-dates file describes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    closures: Vec<Closure>,
}

/// Why a term-dates file was refused: the line and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("term dates, line {line}: {problem}")]
pub struct CalendarError {
    pub line: usize,
    pub problem: String,
}

const FORMAT_HINT: &str = "write a closure as YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD followed by its name";

fn parse_day(text: &str, line: usize) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| CalendarError {
        line,
        problem: format!("{:?} is not a date; {FORMAT_HINT}", crate::text::one_line(text)),
    })
}

impl Calendar {
    /// No closures: weekends only.
    pub fn weekends_only() -> Calendar {
        Calendar::default()
    }

    /// Reads a term-dates file (see the module's documentation).
    pub fn parse(text: &str) -> Result<Calendar, CalendarError> {
        let mut closures = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let (dates, name) = match content.split_once(char::is_whitespace) {
                Some((d, n)) => (d, n.trim()),
                None => (content, ""),
            };
            let (first, last) = match dates.split_once("..") {
                Some((a, b)) => (parse_day(a, line)?, parse_day(b, line)?),
                None => {
                    let d = parse_day(dates, line)?;
                    (d, d)
                }
            };
            if last < first {
                return Err(CalendarError { line, problem: format!("it ends ({last}) before it starts ({first})") });
            }
            if (last - first).num_days() >= LONGEST_CLOSURE_DAYS {
                return Err(CalendarError {
                    line,
                    problem: format!(
                        "{first}..{last} is over {LONGEST_CLOSURE_DAYS} days long; check the years (a summer \
                         holiday is about 45 days)"
                    ),
                });
            }
            if name.is_empty() {
                return Err(CalendarError { line, problem: format!("the closure has no name; {FORMAT_HINT}") });
            }
            closures.push(Closure { first, last, name: name.to_string() });
        }
        closures.sort_by_key(|c| c.first);
        Ok(Calendar { closures })
    }

    pub fn closures(&self) -> &[Closure] {
        &self.closures
    }

    /// The closure `day` falls in, if any (weekends are not closures).
    pub fn closure_on(&self, day: NaiveDate) -> Option<&Closure> {
        self.closures.iter().find(|c| c.first <= day && day <= c.last)
    }

    /// Monday to Friday, outside every closure.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && self.closure_on(day).is_none()
    }

    /// The first working day on or after `day`.
    pub fn next_working_day(&self, day: NaiveDate) -> NaiveDate {
        let mut d = day;
        for _ in 0..WALK_LIMIT {
            if self.is_working_day(d) {
                return d;
            }
            match d.succ_opt() {
                Some(next) => d = next,
                None => return d,
            }
        }
        d
    }

    /// `n` working days after `day`. With `n` 0, `day` itself if it is a
    /// working day, else the next one ("at once" for something reported
    /// on a Saturday is Monday). One working day after a Friday is Monday;
    /// after a Saturday, Monday too (the first working day after it).
    pub fn add_working_days(&self, day: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            return self.next_working_day(day);
        }
        let mut d = day;
        let mut left = n;
        for _ in 0..WALK_LIMIT {
            match d.succ_opt() {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_working_day(d) {
                left -= 1;
                if left == 0 {
                    return d;
                }
            }
        }
        d
    }

    /// Working days from `due` to `today`: the working days after `due` up
    /// to and including `today`. 0 when `today` is on or before `due`, or
    /// only closed days lie between (due on a Friday, looked at on Sunday).
    /// Counted, not walked, so a date years away gives the true number
    /// (a ten-year walk once stopped at 2614; issue 13 review).
    pub fn working_days_overdue(&self, due: NaiveDate, today: NaiveDate) -> u32 {
        if today <= due {
            return 0;
        }
        let mut count = weekdays_after(due, today);
        // Closures may overlap one another: each closed weekday once.
        let mut counted_to = due;
        for c in &self.closures {
            let first = c.first.max(counted_to.succ_opt().unwrap_or(counted_to));
            let last = c.last.min(today);
            if first > last || first <= counted_to {
                continue;
            }
            count -= weekdays_after(first.pred_opt().unwrap_or(first), last).min(count);
            counted_to = last;
        }
        u32::try_from(count).unwrap_or(u32::MAX)
    }
}

/// Monday-to-Friday days in `(from, to]`: none when `to <= from`.
fn weekdays_after(from: NaiveDate, to: NaiveDate) -> i64 {
    let to_monday = |d: NaiveDate| i64::from(d.weekday().num_days_from_monday());
    // Weekdays in [epoch week start, d], by whole weeks and the rest.
    let upto = |d: NaiveDate| {
        let days = i64::from(d.num_days_from_ce()) - to_monday(d);
        let weeks = days.div_euclid(7);
        weeks * 5 + (to_monday(d) + 1).min(5)
    };
    if to <= from { 0 } else { upto(to) - upto(from) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// The counted working days agree with walking day by day, across
    /// weekends, overlapping closures, the year end and a leap day, from
    /// every start over two years.
    #[test]
    fn working_days_counted_agree_with_walking_them() {
        let calendar = Calendar::parse(
            "2027-12-20..2028-01-03 Christmas holiday\n2027-12-24..2028-01-05 overlapping closure\n\
             2028-02-28..2028-03-01 leap closure\n2028-05-29 INSET day\n",
        )
        .unwrap();
        let walked = |due: NaiveDate, today: NaiveDate| {
            due.iter_days().skip(1).take_while(|d| *d <= today).filter(|d| calendar.is_working_day(*d)).count() as u32
        };
        let start = day(2027, 11, 1);
        for offset in 0..400 {
            let due = start + chrono::Duration::days(offset);
            for span in [0, 1, 2, 3, 6, 7, 13, 40, 190, 400] {
                let today = due + chrono::Duration::days(span);
                assert_eq!(calendar.working_days_overdue(due, today), walked(due, today), "{due} to {today}");
            }
            assert_eq!(calendar.working_days_overdue(due, due - chrono::Duration::days(3)), 0);
        }
        // Further than the walk ever went: exact, not capped.
        let (from, to) = (day(1900, 1, 1), day(2026, 11, 30));
        let weekdays =
            from.iter_days().skip(1).take_while(|d| *d <= to).filter(|d| d.weekday().num_days_from_monday() < 5);
        assert_eq!(Calendar::weekends_only().working_days_overdue(from, to), weekdays.count() as u32);
    }

    const FILE: &str = "\
# Northfield Primary (fictional), 2026-27
2026-10-26..2026-10-30 October half term

2026-12-21..2027-01-01 Christmas holiday  # two weeks
2027-01-04 INSET day
";

    #[test]
    fn weekends_only_without_a_file() {
        let c = Calendar::weekends_only();
        // 2026-11-27 is a Friday.
        assert!(c.is_working_day(day(2026, 11, 27)));
        assert!(!c.is_working_day(day(2026, 11, 28)));
        assert!(!c.is_working_day(day(2026, 11, 29)));
        assert_eq!(c.add_working_days(day(2026, 11, 27), 1), day(2026, 11, 30));
        assert_eq!(c.add_working_days(day(2026, 11, 28), 1), day(2026, 11, 30));
        assert_eq!(c.add_working_days(day(2026, 11, 28), 0), day(2026, 11, 30));
        assert_eq!(c.add_working_days(day(2026, 11, 26), 0), day(2026, 11, 26));
        assert_eq!(c.add_working_days(day(2026, 11, 26), 5), day(2026, 12, 3));
    }

    #[test]
    fn the_file_parses_with_comments_and_blank_lines() {
        let c = Calendar::parse(FILE).unwrap();
        assert_eq!(c.closures().len(), 3);
        assert_eq!(c.closures()[1].name, "Christmas holiday");
        assert_eq!(c.closure_on(day(2027, 1, 4)).unwrap().name, "INSET day");
        assert!(c.closure_on(day(2027, 1, 5)).is_none());
        assert_eq!(Calendar::parse("# nothing yet\n\n").unwrap(), Calendar::weekends_only());
    }

    #[test]
    fn one_working_day_across_the_year_end_skips_christmas_and_the_inset_day() {
        let c = Calendar::parse(FILE).unwrap();
        // An allegation on Friday 18 December 2026, the last day of term:
        // the holiday runs to 1 January, 2-3 January is a weekend and
        // Monday 4 January an INSET day, so one working day is Tuesday 5th.
        assert_eq!(c.add_working_days(day(2026, 12, 18), 1), day(2027, 1, 5));
        // Reported in the holiday: "at once" is the first day back.
        assert_eq!(c.add_working_days(day(2026, 12, 23), 0), day(2027, 1, 5));
        assert_eq!(c.add_working_days(day(2026, 12, 17), 2), day(2027, 1, 5));
        assert!(!c.is_working_day(day(2026, 12, 31)));
        assert!(!c.is_working_day(day(2027, 1, 1)));
    }

    #[test]
    fn half_term_and_a_weekend_are_skipped() {
        let c = Calendar::parse(FILE).unwrap();
        // Friday 23 October 2026, then half term and two weekends.
        assert_eq!(c.add_working_days(day(2026, 10, 23), 1), day(2026, 11, 2));
        assert_eq!(c.add_working_days(day(2026, 10, 22), 3), day(2026, 11, 3));
    }

    #[test]
    fn overdue_counts_only_working_days() {
        let c = Calendar::parse(FILE).unwrap();
        // Due Friday 27 November: Monday is 1 working day late.
        assert_eq!(c.working_days_overdue(day(2026, 11, 27), day(2026, 11, 27)), 0);
        assert_eq!(c.working_days_overdue(day(2026, 11, 27), day(2026, 11, 29)), 0);
        assert_eq!(c.working_days_overdue(day(2026, 11, 27), day(2026, 11, 30)), 1);
        assert_eq!(c.working_days_overdue(day(2026, 11, 27), day(2026, 11, 20)), 0);
        // Due the last day of term, looked at on the first day back.
        assert_eq!(c.working_days_overdue(day(2026, 12, 18), day(2027, 1, 5)), 1);
        assert_eq!(c.working_days_overdue(day(2026, 12, 18), day(2027, 1, 8)), 4);
    }

    #[test]
    fn a_wrong_line_is_named() {
        let bad = |text: &str| Calendar::parse(text).unwrap_err();
        let e = bad("# ok\n2027-01-04 INSET day\n2027-13-01 Oops\n");
        assert_eq!(e.line, 3);
        assert!(e.to_string().starts_with("term dates, line 3: \"2027-13-01\" is not a date"), "{e}");
        assert_eq!(bad("2027-01-04\n").line, 1, "a closure needs a name");
        let e = bad("\n2027-01-08..2027-01-04 Backwards\n");
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("ends (2027-01-04) before it starts (2027-01-08)"), "{e}");
        let e = bad("2026-12-21..2062-01-01 Christmas holiday\n");
        assert!(e.to_string().contains("check the years"), "{e}");
        assert_eq!(bad("21/12/2026 Christmas\n").line, 1);
        assert_eq!(bad("2026-12-21..tomorrow Christmas\n").line, 1);
    }

    #[test]
    fn counts_at_the_end_of_time_do_not_panic() {
        let c = Calendar::weekends_only();
        let _ = c.add_working_days(NaiveDate::MAX, 3);
        let _ = c.next_working_day(NaiveDate::MAX);
        assert!(c.working_days_overdue(NaiveDate::MIN, NaiveDate::MAX) > 0);
    }

    /// The count is exact at any distance, not capped by a ten-year walk
    /// (which stopped at 2614 for anything further).
    #[test]
    fn overdue_counts_are_exact_years_away_and_with_overlapping_closures() {
        let c = Calendar::weekends_only();
        let walked = |due: NaiveDate, today: NaiveDate| {
            let mut n = 0;
            let mut d = due;
            while d < today {
                d = d.succ_opt().unwrap();
                if c.is_working_day(d) {
                    n += 1;
                }
            }
            n
        };
        let due = day(2026, 11, 27);
        for today in [day(2026, 11, 28), day(2026, 12, 4), day(2036, 11, 27), day(2046, 1, 3), day(2046, 11, 27)] {
            assert_eq!(c.working_days_overdue(due, today), walked(due, today), "{today}");
        }
        let term = Calendar::parse(&format!("{FILE}2026-12-28..2027-01-06 Overlapping closure\n")).unwrap();
        // Due 18 December; closed to 6 January (overlaps counted once):
        // 7 and 8 January are the working days.
        assert_eq!(term.working_days_overdue(day(2026, 12, 18), day(2027, 1, 8)), 2);
        // Half term inside the range: 19-23 and 2-6 November.
        assert_eq!(term.working_days_overdue(day(2026, 10, 16), day(2026, 11, 6)), 10);
    }
}
