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
    /// The current triage decision's pathway (format 4, issue 13 review):
    /// the LADO's and the examining body's deadlines follow the pathway
    /// the DSL chose (S-b, P5-g, P6-b); `None` before triage, when the
    /// category's default pathway stands.
    pub pathway: Option<String>,
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
            pathway: triage.map(|t| t.pathway.clone()),
        }
    }

    /// The row as an older index format kept it, to be read again from
    /// its concern: revision 0, which no concern has (a stored index
    /// migration; see `store::codec`).
    pub fn stale(mut self) -> Self {
        self.revision = 0;
        self
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

/// Issue 12: how many concerns are about each person (their part
/// [`Part::is_about`]: a witness's concern is not one of theirs), and how
/// many of those are open, counted once from the board's rows, so the
/// board's marker and the "3 other concerns about this child (1 open)"
/// line cost a lookup, not a pass over every concern, per row drawn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AboutCounts(std::collections::HashMap<PersonId, (usize, usize)>);

impl AboutCounts {
    pub fn of(rows: &[CaseSummary]) -> Self {
        let mut counts: std::collections::HashMap<PersonId, (usize, usize)> = std::collections::HashMap::new();
        for row in rows {
            let mut about: Vec<PersonId> =
                row.people.iter().filter(|(_, part)| part.is_about()).map(|(p, _)| *p).collect();
            about.sort_unstable();
            about.dedup();
            for p in about {
                let c = counts.entry(p).or_default();
                c.0 += 1;
                c.1 += usize::from(row.status.is_open());
            }
        }
        AboutCounts(counts)
    }

    /// The concerns about `person` other than `row`: how many, how many open.
    pub fn others(&self, row: &CaseSummary, person: PersonId) -> (usize, usize) {
        let (all, open) = self.0.get(&person).copied().unwrap_or_default();
        if row.people.iter().any(|(p, part)| *p == person && part.is_about()) {
            (all.saturating_sub(1), open.saturating_sub(usize::from(row.status.is_open())))
        } else {
            (all, open)
        }
    }
}

impl CaseSummary {
    /// The first person the concern is about, whose other concerns the
    /// board's marker counts (issue 12).
    pub fn first_about(&self) -> Option<PersonId> {
        self.people.iter().find(|(_, part)| part.is_about()).map(|(p, _)| *p)
    }
}

/// "3 other concerns about this child (1 open)"; none when there are none.
pub fn other_concerns_words((others, open): (usize, usize), kind: SubjectKind) -> Option<String> {
    let who = match kind {
        SubjectKind::Child => "this child",
        SubjectKind::Staff => "this member of staff",
        SubjectKind::ParentCarer => "this parent/carer",
        SubjectKind::Visitor => "this visitor",
    };
    let s = if others == 1 { "" } else { "s" };
    (others > 0).then(|| format!("{others} other concern{s} about {who} ({open} open)"))
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

/// The board's order: open before closed, urgent before routine (P6.1-f:
/// a concern made urgent, say by a search that revealed a risk, goes to
/// the top of the board, above routine concerns not yet triaged), then
/// untriaged before triaged (a new concern has had nobody's eyes on it
/// yet), then newest first.
pub fn board_order(a: &CaseSummary, b: &CaseSummary) -> std::cmp::Ordering {
    let key = board_group;
    // `then_with`: the later keys are compared only on a tie (sorting a
    // board of 100,000 rows compares a few million pairs; issue 9).
    key(a).cmp(&key(b)).then_with(|| b.reported_at.cmp(&a.reported_at)).then_with(|| b.reference.cmp(&a.reference))
}

/// The board's groups, first to last: open urgent (untriaged first), open
/// routine (untriaged first), closed.
fn board_group(s: &CaseSummary) -> (bool, bool, bool) {
    (!s.status.is_open(), s.urgency != Urgency::Urgent, s.status != Status::New)
}

/// The board's order on `today`: as `board_order`, but within each group a
/// review that is due comes first, the latest first, so nine weeks overdue
/// is not lost among reviews due today (issue 8 item 8).
pub fn board_order_on(today: NaiveDate) -> impl Fn(&CaseSummary, &CaseSummary) -> std::cmp::Ordering {
    move |a, b| {
        let key = board_group;
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
            pathway: None,
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
    fn urgent_then_new_come_first_closed_last() {
        let mut rows = [
            row("new-urgent", 3, Urgency::Urgent, Status::New),
            row("old-routine", 1, Urgency::Routine, Status::Triaged),
            row("closed-urgent", 9, Urgency::Urgent, Status::Closed),
            row("new-routine", 5, Urgency::Routine, Status::New),
            row("urgent", 2, Urgency::Urgent, Status::Triaged),
            row("newer-routine", 6, Urgency::Routine, Status::Triaged),
        ];
        rows.sort_by(board_order);
        let order: Vec<&str> = rows.iter().map(|r| r.reference.as_str()).collect();
        // P6.1-f: an urgent concern is at the top of the board, a triaged one
        // too, above a routine one still to triage.
        assert_eq!(order, vec!["new-urgent", "urgent", "new-routine", "newer-routine", "old-routine", "closed-urgent"]);
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
    fn other_concerns_count_the_other_rows_about_the_same_person() {
        let about = |reference: &str, status: Status, people: Vec<(PersonId, Part)>| {
            let mut r = row(reference, 1, Urgency::Routine, status);
            r.people = people;
            r
        };
        let rows = [
            about("a", Status::New, vec![(1, Part::Subject), (2, Part::Alleged)]),
            about("b", Status::InProgress, vec![(1, Part::Subject)]),
            about("c", Status::Closed, vec![(1, Part::Alleged)]),
            // A witness's concern is not one about them.
            about("d", Status::New, vec![(1, Part::Witness), (3, Part::Subject)]),
            // Named twice on one concern: counted once.
            about("e", Status::Closed, vec![(2, Part::Subject), (2, Part::Alleged)]),
            about("f", Status::New, vec![]),
        ];
        let counts = AboutCounts::of(&rows);
        assert_eq!(counts.others(&rows[0], 1), (2, 1), "b open, c closed; not a itself");
        assert_eq!(counts.others(&rows[1], 1), (2, 1), "a open, c closed");
        assert_eq!(counts.others(&rows[3], 1), (3, 2), "a witness's row counts all three about them");
        assert_eq!(counts.others(&rows[0], 2), (1, 0));
        assert_eq!(counts.others(&rows[3], 3), (0, 0));
        assert_eq!(rows[3].first_about(), Some(3), "the first person it is about, not the witness");
        assert_eq!(rows[5].first_about(), None);
        assert_eq!(
            other_concerns_words(counts.others(&rows[0], 1), SubjectKind::Child).as_deref(),
            Some("2 other concerns about this child (1 open)")
        );
        assert_eq!(
            other_concerns_words((1, 0), SubjectKind::Staff).as_deref(),
            Some("1 other concern about this member of staff (0 open)")
        );
        assert_eq!(other_concerns_words((0, 0), SubjectKind::Child), None);
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
