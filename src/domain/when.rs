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

#[cfg(test)]
mod tests {
    use super::*;

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
