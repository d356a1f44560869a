//! The few fields of a case that the triage board shows. Kept as its own
//! type so the store can hold all of them in one encrypted index record and
//! open the board without decrypting every case.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::catalogue::Catalogue;
use super::concern::{CaseFile, Risk, Status, SubjectKind, Urgency};

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
        }
    }

    /// Review due on or before `today` for an open case.
    pub fn is_due(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.next_review.is_some_and(|d| d <= today)
    }
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
    key(a).cmp(&key(b)).then(b.reported_at.cmp(&a.reported_at)).then(b.reference.cmp(&a.reference))
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
}
