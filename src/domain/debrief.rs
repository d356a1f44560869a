//! Post-investigation debriefs (P9-c), and the concerns still waiting for
//! one. Pure types and rules, no I/O: every date that matters is passed in,
//! so the rules are tested with fixed dates and never with today's. A
//! debrief is immutable once recorded (S-c), and holds concerns by
//! reference only, so leadership can read it (P9-e).

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::concern::{Author, CaseFile, EntryKind, FieldError, Status};
use super::limits::{self, LESSON_BYTES, NAME_CHARS, NOTE_BYTES};
use super::member::MemberId;

pub type DebriefId = u32;

/// A concern a debrief is about, by reference and store id only: the
/// debrief never copies case detail, so leadership can read it (P9-e).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcernLink {
    pub case_id: u32,
    pub reference: String,
}

/// One lesson learnt; actions point at it by `seq` (from 1, never reused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lesson {
    pub seq: u32,
    pub text: String,
}

/// P9-c: after an investigation, leadership debriefs: what happened, what
/// worked, what did not, lessons learnt, and the policy or curriculum
/// changes needed. Immutable once recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Debrief {
    pub id: DebriefId,
    /// "D-2026-0001": how people and actions refer to it.
    pub reference: String,
    pub concerns: Vec<ConcernLink>,
    pub held_on: NaiveDate,
    /// Members who attended, with their names as they were at the time.
    pub attendees: Vec<Author>,
    /// Attendees who are not casebook members ("Ms Name, LA adviser").
    pub other_attendees: Vec<String>,
    /// What happened, factually and without names (P9-e).
    pub summary: String,
    pub what_worked: String,
    pub what_did_not: String,
    pub lessons: Vec<Lesson>,
    /// The policy or curriculum changes needed (P9-c, feeds P8-a).
    pub changes_needed: String,
    pub recorded_by: Author,
    pub recorded_at: NaiveDateTime,
}

impl Debrief {
    pub fn lesson(&self, seq: u32) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.seq == seq)
    }

    /// "C-2026-0001, C-2026-0004": the concerns, by reference only.
    pub fn concern_references(&self) -> String {
        self.concerns.iter().map(|c| c.reference.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// Everyone who attended, members first.
    pub fn attendee_names(&self) -> Vec<&str> {
        self.attendees.iter().map(|a| a.name.as_str()).chain(self.other_attendees.iter().map(String::as_str)).collect()
    }

    /// Every piece of free text, for the name check and for leak tests.
    pub fn searchable_text(&self) -> String {
        let mut out = vec![self.summary.as_str(), &self.what_worked, &self.what_did_not, &self.changes_needed];
        out.extend(self.lessons.iter().map(|l| l.text.as_str()));
        out.join("\n")
    }
}

/// What the debrief form (or `casebook debrief add`) supplies; the store
/// resolves references and members and adds the author and the time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDebrief {
    /// Concern references ("C-2026-0001").
    pub concerns: Vec<String>,
    pub held_on: NaiveDate,
    pub attendees: Vec<MemberId>,
    pub other_attendees: Vec<String>,
    pub summary: String,
    pub what_worked: String,
    pub what_did_not: String,
    /// One entry per lesson; each becomes a numbered [`Lesson`].
    pub lessons: Vec<String>,
    pub changes_needed: String,
}

impl NewDebrief {
    /// Every problem at once, each naming its field, so a form can show
    /// them beside the fields and keep what was typed.
    pub fn validate(&self, today: NaiveDate) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut err = |field, message: &str| errors.push(FieldError { field, message: message.to_string() });
        if self.concerns.iter().all(|c| c.trim().is_empty()) {
            err("concerns", "link at least one concern, by its reference");
        }
        if self.held_on > today {
            err("held_on", "a debrief cannot be recorded before it is held");
        }
        if self.attendees.is_empty() && self.other_attendees.iter().all(|o| o.trim().is_empty()) {
            err("attendees", "name who attended");
        }
        if self.summary.trim().is_empty() {
            err("summary", "summarise what happened, factually and without names");
        }
        if self.lessons.iter().any(|l| l.trim().is_empty()) {
            err("lessons", "a lesson has no text; remove it or write it");
        }
        // Size limits (PRODUCT.md principle 7e; domain::limits).
        let mut over = |field, problem: Option<String>| {
            if let Some(message) = problem {
                errors.push(FieldError { field, message });
            }
        };
        over("concerns", limits::over_items(self.concerns.len(), "concerns"));
        for c in &self.concerns {
            over("concerns", limits::over_chars(c, NAME_CHARS).map(|p| format!("a reference: {p}")));
        }
        over("attendees", limits::over_items(self.attendees.len(), "attendees"));
        over("others", limits::over_items(self.other_attendees.len(), "other attendees"));
        for o in &self.other_attendees {
            over("others", limits::over_chars(o, NAME_CHARS).map(|p| format!("a name: {p}")));
        }
        over("summary", limits::over_bytes(&self.summary, NOTE_BYTES));
        over("what_worked", limits::over_bytes(&self.what_worked, NOTE_BYTES));
        over("what_did_not", limits::over_bytes(&self.what_did_not, NOTE_BYTES));
        over("lessons", limits::over_items(self.lessons.len(), "lessons"));
        for (n, l) in self.lessons.iter().enumerate() {
            over("lessons", limits::over_bytes(l, LESSON_BYTES).map(|p| format!("lesson {}: {p}", n + 1)));
        }
        over("changes_needed", limits::over_bytes(&self.changes_needed, NOTE_BYTES));
        errors
    }

    /// All the free text leadership will read, for
    /// [`names_mentioned`](super::names::names_mentioned).
    pub fn text(&self) -> String {
        let mut out = vec![self.summary.as_str(), &self.what_worked, &self.what_did_not, &self.changes_needed];
        out.extend(self.lessons.iter().map(String::as_str));
        out.join("\n")
    }

    /// The lessons as recorded: trimmed and numbered from 1.
    pub fn numbered_lessons(&self) -> Vec<Lesson> {
        self.lessons
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .zip(1..)
            .map(|(text, seq)| Lesson { seq, text: text.to_string() })
            .collect()
    }
}

// ---- concerns awaiting a debrief ------------------------------------------

/// A concern still waiting for its debrief, for the board and the DSL's
/// reminders (P9-c). Holds no case detail beyond the reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingDebrief {
    pub case_id: u32,
    pub reference: String,
    /// Catalogue category id.
    pub category: String,
    /// When the concern moved to "awaiting debrief".
    pub since: NaiveDateTime,
}

impl AwaitingDebrief {
    /// Whole days waited by `now` (never negative).
    pub fn days_waiting(&self, now: NaiveDateTime) -> i64 {
        (now - self.since).num_days().max(0)
    }
}

/// When a case last moved to "awaiting debrief", read from its chronology
/// (the status entry `CaseFile::transition` writes). `None` if it never did.
pub fn awaiting_since(case: &CaseFile) -> Option<NaiveDateTime> {
    let marker = format!("→ {}.", Status::AwaitingDebrief.label());
    case.chronology.iter().rev().find(|e| e.kind == EntryKind::StatusChange && e.text.contains(&marker)).map(|e| e.at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Catalogue;
    use crate::domain::concern::{Concern, Risk, Source, Subject, SubjectKind, Triage, Urgency};
    use crate::domain::fixtures::{at, d, debrief, dsl};

    #[test]
    fn new_debrief_validation_names_each_field() {
        let new = NewDebrief {
            concerns: vec![" ".into()],
            held_on: d(2026, 3, 21),
            summary: "  ".into(),
            lessons: vec!["ok".into(), "".into()],
            ..Default::default()
        };
        let fields: Vec<&str> = new.validate(d(2026, 3, 20)).iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["concerns", "held_on", "attendees", "summary", "lessons"]);
    }

    #[test]
    fn a_complete_debrief_is_valid_and_lessons_are_numbered_from_one() {
        let new = NewDebrief {
            concerns: vec!["C-2026-0004".into()],
            held_on: d(2026, 3, 20),
            attendees: vec![1],
            summary: "What happened.".into(),
            lessons: vec!["  First. ".into(), "Second.".into()],
            ..Default::default()
        };
        assert!(new.validate(d(2026, 3, 20)).is_empty());
        let lessons = new.numbered_lessons();
        assert_eq!(lessons, vec![Lesson { seq: 1, text: "First.".into() }, Lesson { seq: 2, text: "Second.".into() }]);
    }

    #[test]
    fn debrief_shows_concerns_by_reference_and_lists_attendees() {
        let db = debrief();
        assert_eq!(db.concern_references(), "C-2026-0004");
        assert_eq!(db.attendee_names(), vec!["Ms Fictional Lead", "Dr Imaginary Governor", "Ms Outside Adviser, LA"]);
        assert_eq!(db.lesson(2).unwrap().text, "Staff unsure of the search rules.");
        assert!(db.lesson(3).is_none());
    }

    #[test]
    fn awaiting_since_reads_the_latest_move_to_awaiting_debrief() {
        let cat = Catalogue::seed();
        let mut case = CaseFile::open(Concern {
            reference: "C-2026-0009".into(),
            occurred_at: at(2026, 3, 2, 9),
            reported_at: at(2026, 3, 2, 10),
            reported_by: "Mr Example".into(),
            recorded_by: dsl(),
            subjects: vec![Subject::named(SubjectKind::Child, "Pupil Imaginary", String::new())],
            category: "restricted-area".into(),
            location: "toilets".into(),
            devices: vec![],
            description: "Phone in the toilets.".into(),
            immediate_action: String::new(),
            source: Source::StaffReport,
        });
        assert_eq!(awaiting_since(&case), None);
        case.record_triage(
            Triage {
                risk: Risk::Low,
                urgency: Urgency::Routine,
                pathway: "behaviour-sanctions".into(),
                linked_policy: "behaviour".into(),
                assignee: None,
                next_review: None,
                reasoning: "P3-a.".into(),
                decided_by: dsl(),
                decided_at: at(2026, 3, 2, 11),
            },
            &cat,
        )
        .unwrap();
        case.transition(Status::InProgress, "Started.", &dsl(), at(2026, 3, 3, 9), &cat).unwrap();
        case.transition(Status::AwaitingDebrief, "Done.", &dsl(), at(2026, 3, 4, 9), &cat).unwrap();
        case.transition(Status::InProgress, "More to do.", &dsl(), at(2026, 3, 5, 9), &cat).unwrap();
        case.transition(Status::AwaitingDebrief, "Done now.", &dsl(), at(2026, 3, 6, 9), &cat).unwrap();
        let since = awaiting_since(&case).unwrap();
        assert_eq!(since, at(2026, 3, 6, 9));
        let row = AwaitingDebrief { case_id: 9, reference: "C-2026-0009".into(), category: "x".into(), since };
        assert_eq!(row.days_waiting(at(2026, 3, 20, 8)), 13);
        assert_eq!(row.days_waiting(at(2026, 3, 1, 8)), 0, "never negative");
    }
}
