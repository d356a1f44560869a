//! The few fields of a case that the triage board shows. Kept as its own
//! type so the store can hold all of them in one encrypted index record and
//! open the board without decrypting every case.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::catalogue::Catalogue;
use super::concern::{CaseFile, Risk, Status, SubjectKind, Urgency};
use super::person::{Part, PersonId};
use super::when::Lateness;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    /// The store's id of the case record.
    pub id: u32,
    /// The record's revision when this summary was taken: a newer record
    /// means the summary is stale.
    pub revision: u64,
    pub reference: String,
    pub reported_at: NaiveDateTime,
    pub category: String,
    pub subject: String,
    pub subject_kind: SubjectKind,
    pub risk: Option<Risk>,
    pub urgency: Urgency,
    pub status: Status,
    pub assignee: Option<String>,
    pub assignee_id: Option<u32>,
    pub next_review: Option<NaiveDate>,
    pub restricted_location: bool,
    /// P9-c: closed by the DSL's recorded decision that no debrief was
    /// needed (format 2 of the index; see `store::codec`).
    pub closed_without_debrief: bool,
    /// The people the concern names and their part (format 3, issue 12):
    /// the board's "other concerns about this child" marker and a
    /// person's list of concerns come from here without opening a case.
    pub people: Vec<(PersonId, Part)>,
}

impl CaseSummary {
    pub fn of(id: u32, revision: u64, case: &CaseFile, catalogue: &Catalogue) -> Self {
        let c = &case.concern;
        let triage = case.current_triage();
        let first = c.subjects.first();
        let mut subject = first.map(|s| s.name.clone()).unwrap_or_default();
        if c.subjects.len() > 1 {
            subject.push_str(&format!(" +{}", c.subjects.len() - 1));
        }
        CaseSummary {
            id,
            revision,
            reference: c.reference.clone(),
            reported_at: c.reported_at,
            category: c.category.clone(),
            subject,
            subject_kind: first.map_or(SubjectKind::Child, |s| s.kind),
            risk: triage.map(|t| t.risk),
            urgency: case.urgency(catalogue),
            status: case.status,
            assignee: triage.and_then(|t| t.assignee.as_ref()).map(|a| a.name.clone()),
            assignee_id: triage.and_then(|t| t.assignee.as_ref()).map(|a| a.member),
            next_review: triage.and_then(|t| t.next_review),
            restricted_location: catalogue.location(&c.location).is_some_and(|l| l.restricted),
            closed_without_debrief: case.closed_without_debrief(),
            people: c.subjects.iter().filter_map(|s| s.person.map(|p| (p, s.part))).collect(),
        }
    }

    /// Review due on or before `today` for an open case.
    pub fn is_due(&self, today: NaiveDate) -> bool {
        self.review_lateness(today).is_some_and(Lateness::is_due)
    }

    /// How the next review stands on `today`; none for a closed case or
    /// one without a review date.
    pub fn review_lateness(&self, today: NaiveDate) -> Option<Lateness> {
        self.next_review.filter(|_| self.status.is_open()).map(|d| Lateness::of(d, today))
    }
}

/// The subject in at most `width` characters, keeping what a DSL
/// recognises and the "+N more subjects" marker (issue 8 item 23): the full
/// name if it fits, else the first name's initial and the surname
/// ("N. Vellacott +1"), else the surname cut with "…".
pub fn subject_fit(subject: &str, width: usize) -> String {
    // `CaseSummary::of` appends " +N" when there are more subjects.
    let (name, more) = match subject.rsplit_once(" +") {
        Some((name, n)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => (name, format!(" +{n}")),
        _ => (subject, String::new()),
    };
    let fits = |s: &str| s.chars().count() + more.chars().count() <= width;
    if fits(name) {
        return format!("{name}{more}");
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    let short = match words.as_slice() {
        [first, .., last] => match first.chars().next() {
            Some(initial) => format!("{initial}. {last}"),
            None => name.to_string(),
        },
        _ => name.to_string(),
    };
    if fits(&short) {
        return format!("{short}{more}");
    }
    let room = width.saturating_sub(more.chars().count()).max(2);
    format!("{}{more}", cut(&short, room))
}

/// `text` in at most `width` characters, ending in "…" when cut.
pub fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out = out.trim_end().to_string();
    out.push('…');
    out
}

/// How long ago, in the board's compact form: "12m", "5h", "3d", "7w".
pub fn age_label(from: NaiveDateTime, now: NaiveDateTime) -> String {
    let minutes = (now - from).num_minutes().max(0);
    match minutes {
        0..60 => format!("{minutes}m"),
        60..2880 => format!("{}h", minutes / 60),
        2880..20160 => format!("{}d", minutes / 1440),
        _ => format!("{}w", minutes / 10080),
    }
}

/// The board's order: open before closed, untriaged before triaged (a new
/// concern has had nobody's eyes on it yet), urgent before routine, then
/// newest first.
pub fn board_order(a: &CaseSummary, b: &CaseSummary) -> std::cmp::Ordering {
    let key = |s: &CaseSummary| (!s.status.is_open(), s.status != Status::New, s.urgency != Urgency::Urgent);
    // `then_with`: the later keys are compared only on a tie (sorting a
    // board of 100,000 rows compares a few million pairs; issue 9).
    key(a).cmp(&key(b)).then_with(|| b.reported_at.cmp(&a.reported_at)).then_with(|| b.reference.cmp(&a.reference))
}

/// The board's order on `today`: as `board_order`, but within each group a
/// review that is due comes first, the latest first, so nine weeks overdue
/// is not lost among reviews due today (issue 8 item 8).
pub fn board_order_on(today: NaiveDate) -> impl Fn(&CaseSummary, &CaseSummary) -> std::cmp::Ordering {
    move |a, b| {
        let key = |s: &CaseSummary| (!s.status.is_open(), s.status != Status::New, s.urgency != Urgency::Urgent);
        // Largest lateness first; a review still to come sorts with no review.
        let late = |s: &CaseSummary| s.review_lateness(today).filter(|l| l.is_due()).map(Lateness::days_late);
        key(a).cmp(&key(b)).then_with(|| late(b).cmp(&late(a))).then_with(|| board_order(a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn row(reference: &str, day: u32, urgency: Urgency, status: Status) -> CaseSummary {
        CaseSummary {
            id: 1,
            revision: 1,
            reference: reference.into(),
            reported_at: NaiveDate::from_ymd_opt(2026, 3, day).unwrap().and_hms_opt(9, 0, 0).unwrap(),
            category: "other".into(),
            subject: "Someone".into(),
            subject_kind: SubjectKind::Child,
            risk: None,
            urgency,
            status,
            assignee: None,
            assignee_id: None,
            next_review: None,
            restricted_location: false,
            closed_without_debrief: false,
            people: Vec::new(),
        }
    }

    #[test]
    fn ages_read_compactly() {
        let t = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
        assert_eq!(age_label(t, t + chrono::Duration::minutes(5)), "5m");
        assert_eq!(age_label(t, t + chrono::Duration::hours(30)), "30h");
        assert_eq!(age_label(t, t + chrono::Duration::days(3)), "3d");
        assert_eq!(age_label(t, t + chrono::Duration::days(30)), "4w");
        assert_eq!(age_label(t + chrono::Duration::days(1), t), "0m");
    }

    #[test]
    fn new_then_urgent_come_first_closed_last() {
        let mut rows = [
            row("old-routine", 1, Urgency::Routine, Status::Triaged),
            row("closed-urgent", 9, Urgency::Urgent, Status::Closed),
            row("new-routine", 5, Urgency::Routine, Status::New),
            row("urgent", 2, Urgency::Urgent, Status::Triaged),
            row("newer-routine", 6, Urgency::Routine, Status::Triaged),
        ];
        rows.sort_by(board_order);
        let order: Vec<&str> = rows.iter().map(|r| r.reference.as_str()).collect();
        assert_eq!(order, vec!["new-routine", "urgent", "newer-routine", "old-routine", "closed-urgent"]);
    }

    #[test]
    fn the_latest_review_comes_first_within_its_group() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
        let review = |reference: &str, day: u32, review: Option<u32>| {
            let mut r = row(reference, day, Urgency::Routine, Status::InProgress);
            r.next_review = review.map(|d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap());
            r
        };
        let mut rows = [
            review("no-review-newest", 19, None),
            review("due-today", 10, Some(20)),
            review("to-come", 18, Some(27)),
            review("nine-days-late", 2, Some(11)),
            row("urgent-on-time", 1, Urgency::Urgent, Status::Triaged),
            review("two-days-late", 5, Some(18)),
        ];
        rows.sort_by(board_order_on(today));
        let order: Vec<&str> = rows.iter().map(|r| r.reference.as_str()).collect();
        assert_eq!(
            order,
            vec!["urgent-on-time", "nine-days-late", "two-days-late", "due-today", "no-review-newest", "to-come"]
        );
        assert_eq!(rows[1].review_lateness(today).unwrap().words(), "overdue 9 d");
    }

    #[test]
    fn a_subject_keeps_its_marker_and_recognisable_part() {
        assert_eq!(subject_fit("Orla Vellacott", 14), "Orla Vellacott");
        assert_eq!(subject_fit("Nico Vellacott +1", 16), "N. Vellacott +1");
        assert_eq!(subject_fit("Marlowe Merriweather +2", 14), "M. Merriwe… +2");
        assert_eq!(subject_fit("Quilla Loxley-Vane", 14), "Q. Loxley-Vane");
        assert_eq!(subject_fit("Xanthe", 4), "Xan…");
        assert_eq!(subject_fit("Someone +12", 8), "Som… +12");
        for width in 6..20 {
            let s = subject_fit("Marlowe Merriweather +2", width);
            assert!(s.ends_with(" +2") && s.chars().count() <= width, "{width}: {s}");
        }
        assert_eq!(cut("Staff illegal content", 15), "Staff illegal…");
    }
}
