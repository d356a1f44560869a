//! Restricted allegations (issue 13: P5-f, P5-g). An allegation against a
//! member of staff is the most restricted record casebook holds: the DSL
//! names who, besides the DSL(s), may read it, and a member who is a
//! subject of it is never among them (self-exclusion). The store seals
//! such a concern, and its referrals, to those members alone (no class
//! stanza), and keeps its detail out of the board index every deputy
//! opens: there, its row says only "restricted".

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::concern::{CaseFile, SubjectKind};
use super::member::{AccessClass, Member, MemberId, Role};
use super::summary::CaseSummary;
use super::{Author, Status};

/// What a restricted concern's board row says to everyone (the category
/// and subject the shared index carries instead of the real ones).
pub const REDACTED: &str = "restricted";

/// The DSL's decision on who may read one concern (sealed to those
/// members only; see `store::restricted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restriction {
    pub case_id: u32,
    /// Members named to read it, besides the DSL(s).
    pub allowed: Vec<MemberId>,
    /// Members who must never read it (a subject of it, or conflicted):
    /// a DSL named here is left out too.
    pub excluded: Vec<MemberId>,
    pub reason: String,
    pub set_by: Author,
    pub set_at: NaiveDateTime,
}

impl Restriction {
    /// Whether `member` may read the concern today: a member of a role
    /// that reads concerns, a DSL or named, and never excluded.
    pub fn admits(&self, member: &Member) -> bool {
        member.role.reads(AccessClass::Case)
            && !self.excluded.contains(&member.id)
            && (member.role == Role::Dsl || self.allowed.contains(&member.id))
    }

    /// The members of `members` who may read it.
    pub fn readers<'a>(&self, members: &'a [Member]) -> Vec<&'a Member> {
        members.iter().filter(|m| self.admits(m)).collect()
    }
}

/// Members who appear to be a subject of the concern: a staff (or
/// visitor) subject whose name is a member's name, accent- and case-blind.
/// P5-g self-exclusion: they are excluded whatever the DSL names.
pub fn members_named_in(case: &CaseFile, members: &[Member]) -> Vec<MemberId> {
    let subjects: Vec<String> = case
        .concern
        .subjects
        .iter()
        .filter(|s| s.kind != SubjectKind::Child)
        .map(|s| super::person::name_key(&s.name))
        .filter(|k| !k.is_empty())
        .collect();
    members.iter().filter(|m| subjects.contains(&super::person::name_key(&m.name))).map(|m| m.id).collect()
}

/// The row the shared index keeps for a restricted concern: its reference,
/// when it was reported, its status and urgency (so the board can still
/// say one is open and urgent), and nothing of who or what.
pub fn redact(row: &CaseSummary) -> CaseSummary {
    CaseSummary {
        id: row.id,
        revision: row.revision,
        reference: row.reference.clone(),
        reported_at: row.reported_at,
        category: REDACTED.to_string(),
        subject: REDACTED.to_string(),
        subject_kind: SubjectKind::Staff,
        risk: None,
        urgency: row.urgency,
        status: row.status,
        assignee: None,
        assignee_id: None,
        next_review: None,
        restricted_location: false,
        closed_without_debrief: row.closed_without_debrief,
        people: Vec::new(),
        pathway: None,
    }
}

/// Whether a row is the shared index's redacted one.
pub fn is_redacted(row: &CaseSummary) -> bool {
    row.category == REDACTED && row.subject == REDACTED
}

/// A row for a restricted concern this reader cannot open and whose
/// redacted row is not in the index yet (a write between the record and
/// its index): the reference alone.
pub fn placeholder(id: u32, reference: &str, reported_at: NaiveDateTime) -> CaseSummary {
    CaseSummary {
        id,
        revision: 0,
        reference: reference.to_string(),
        reported_at,
        category: REDACTED.to_string(),
        subject: REDACTED.to_string(),
        subject_kind: SubjectKind::Staff,
        risk: None,
        urgency: super::Urgency::Routine,
        status: Status::New,
        assignee: None,
        assignee_id: None,
        next_review: None,
        restricted_location: false,
        closed_without_debrief: false,
        people: Vec::new(),
        pathway: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: MemberId, name: &str, role: Role) -> Member {
        Member { id, name: name.into(), role, recipient: String::new(), authorised_to_erase: false }
    }

    fn restriction(allowed: Vec<MemberId>, excluded: Vec<MemberId>) -> Restriction {
        Restriction {
            case_id: 1,
            allowed,
            excluded,
            reason: String::new(),
            set_by: Author { member: 1, name: "DSL".into() },
            set_at: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap().and_hms_opt(9, 0, 0).unwrap(),
        }
    }

    #[test]
    fn p5g_only_the_dsl_and_named_deputies_read_a_restricted_allegation() {
        let members = vec![
            member(1, "Dee Esel", Role::Dsl),
            member(2, "Ada Deputy", Role::Deputy),
            member(3, "Bo Deputy", Role::Deputy),
            member(4, "Lee Leader", Role::Leadership),
        ];
        let r = restriction(vec![2, 4], vec![]);
        let ids: Vec<MemberId> = r.readers(&members).iter().map(|m| m.id).collect();
        // Leadership never reads concerns, named or not.
        assert_eq!(ids, vec![1, 2]);
        // An excluded member is out even when named.
        let r = restriction(vec![2], vec![2]);
        assert_eq!(r.readers(&members).iter().map(|m| m.id).collect::<Vec<_>>(), vec![1]);
    }

    #[test]
    fn p5g_a_redacted_row_carries_no_subject_category_or_people() {
        let mut row = crate::domain::fixtures::row("allegation-staff", Status::New);
        row.people = vec![(7, crate::domain::Part::Subject)];
        let r = redact(&row);
        assert!(is_redacted(&r));
        assert_eq!(r.reference, row.reference);
        assert!(r.people.is_empty() && r.assignee.is_none() && r.next_review.is_none());
        assert!(!format!("{r:?}").contains(&row.subject));
    }
}
