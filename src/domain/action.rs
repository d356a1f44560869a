//! Lessons-learned actions tracked to completion (P9-d): a lesson of a
//! debrief turned into something someone will do, by a date. Records are
//! history (S-c): an action's status changes are appended to its history,
//! never overwritten. Pure types and rules, no I/O.

use std::cmp::Ordering;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::concern::{Author, CaseError, FieldError, refused};
use super::debrief::{Debrief, DebriefId};
use super::limits::{self, LESSON_BYTES, NOTE_BYTES};
use super::member::MemberId;

pub type ActionId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ActionKind {
    /// Feeds the policy review (P8-a): logged as a review trigger.
    PolicyChange,
    CurriculumChange,
    StaffTraining,
    Signage,
    /// Technical or infrastructure change (P8-a: also a review trigger).
    Technical,
    Other,
}

impl ActionKind {
    pub const ALL: [ActionKind; 6] = [
        ActionKind::PolicyChange,
        ActionKind::CurriculumChange,
        ActionKind::StaffTraining,
        ActionKind::Signage,
        ActionKind::Technical,
        ActionKind::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ActionKind::PolicyChange => "policy change",
            ActionKind::CurriculumChange => "curriculum change",
            ActionKind::StaffTraining => "staff training",
            ActionKind::Signage => "signage",
            ActionKind::Technical => "technical/infrastructure",
            ActionKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().replace(['_', ' ', '/'], "-").as_str() {
            "policy-change" | "policy" => Some(ActionKind::PolicyChange),
            "curriculum-change" | "curriculum" => Some(ActionKind::CurriculumChange),
            "staff-training" | "training" => Some(ActionKind::StaffTraining),
            "signage" | "signs" => Some(ActionKind::Signage),
            "technical" | "technical-infrastructure" | "infrastructure" => Some(ActionKind::Technical),
            "other" => Some(ActionKind::Other),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ActionStatus {
    Open,
    InProgress,
    Done,
    Dropped,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 4] =
        [ActionStatus::Open, ActionStatus::InProgress, ActionStatus::Done, ActionStatus::Dropped];

    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::InProgress => "in progress",
            ActionStatus::Done => "done",
            ActionStatus::Dropped => "dropped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_ascii_lowercase().replace(['-', '_'], " ");
        Self::ALL.into_iter().find(|s| s.label() == t)
    }

    /// Still to be done: open or in progress.
    pub fn is_live(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::InProgress)
    }
}

/// One status change of an action. Appended, never edited (S-c).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub from: ActionStatus,
    pub to: ActionStatus,
    pub by: Author,
    pub at: NaiveDateTime,
    /// Evidence of completion for done, the reason for dropped or reopened.
    pub note: String,
}

/// P9-d: a lesson turned into something someone will do, by a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: ActionId,
    pub debrief: DebriefId,
    /// The debrief's reference, so a list shows where the action came from
    /// without opening the debrief.
    pub debrief_reference: String,
    /// The lesson's `seq` within the debrief.
    pub lesson: u32,
    pub description: String,
    pub kind: ActionKind,
    pub owner: Author,
    pub due: NaiveDate,
    pub created_by: Author,
    pub created_at: NaiveDateTime,
    /// Every status change, oldest first; the status is the last one's `to`.
    pub history: Vec<StatusChange>,
}

impl Action {
    /// "A-0003": how people refer to an action.
    pub fn label(&self) -> String {
        action_label(self.id)
    }

    /// "D-2026-0001 lesson 2": where the action came from.
    pub fn source_label(&self) -> String {
        format!("{} lesson {}", self.debrief_reference, self.lesson)
    }

    /// Derived from the history, so status and history cannot disagree.
    pub fn status(&self) -> ActionStatus {
        self.history.last().map_or(ActionStatus::Open, |c| c.to)
    }

    /// Overdue: still open or in progress after its due date (the due date
    /// itself is not overdue).
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status().is_live() && today > self.due
    }

    pub fn days_overdue(&self, today: NaiveDate) -> i64 {
        if self.is_overdue(today) { (today - self.due).num_days() } else { 0 }
    }

    /// The change that completed it, whose note is the evidence.
    pub fn completion(&self) -> Option<&StatusChange> {
        self.history.last().filter(|c| c.to == ActionStatus::Done)
    }

    /// Whether the lifecycle allows `to` with this note, and if not, why not:
    /// open → in progress → done (with evidence), open or in progress →
    /// dropped (with a reason), done or dropped → open (reopened, with a
    /// reason). The note is required wherever the change needs explaining.
    pub fn check_status(&self, to: ActionStatus, note: &str) -> Result<(), CaseError> {
        use ActionStatus::*;
        let from = self.status();
        let action = format!("mark {} {}", self.label(), to.label());
        let no = |reason: &str| Err(refused(&action, reason));
        if from == to {
            return no(&format!("it is already {}", to.label()));
        }
        if let Some(problem) = limits::over_bytes(note.trim(), NOTE_BYTES) {
            return no(&format!("the note: {problem}"));
        }
        let blank = note.trim().is_empty();
        match (from, to) {
            (Open, InProgress) => Ok(()),
            (Open | InProgress, Done) if blank => {
                no("record the evidence of completion (what was done, where it can be seen)")
            }
            (Open | InProgress, Done) => Ok(()),
            (Open | InProgress, Dropped) if blank => no("give the reason it is being dropped"),
            (Open | InProgress, Dropped) => Ok(()),
            (Done | Dropped, Open) if blank => no("give the reason it is being reopened"),
            (Done | Dropped, Open) => Ok(()),
            (InProgress, Open) => no("it has started; mark it done, or dropped with a reason"),
            (Done | Dropped, _) => no("reopen it first"),
            _ => no("that change is not part of the lifecycle"),
        }
    }

    /// Appends a status change after checking it (P9-d: who changed it when).
    pub fn change_status(
        &mut self,
        to: ActionStatus,
        note: &str,
        by: &Author,
        at: NaiveDateTime,
    ) -> Result<(), CaseError> {
        self.check_status(to, note)?;
        self.history.push(StatusChange { from: self.status(), to, by: by.clone(), at, note: note.trim().to_string() });
        Ok(())
    }
}

pub fn action_label(id: ActionId) -> String {
    format!("A-{id:04}")
}

/// Reads "A-0003", "a-3", "#3" or "3".
pub fn parse_action_label(text: &str) -> Option<ActionId> {
    let t = text.trim();
    let t = t.strip_prefix(['A', 'a']).map(|r| r.trim_start_matches('-')).unwrap_or(t);
    t.trim_start_matches('#').parse().ok().filter(|&n| n > 0)
}

/// What the action form supplies; the store adds the id, owner's name,
/// author and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAction {
    pub debrief: DebriefId,
    pub lesson: u32,
    pub description: String,
    pub kind: ActionKind,
    pub owner: MemberId,
    pub due: NaiveDate,
}

impl NewAction {
    /// Every problem at once, checked against the debrief it comes from;
    /// the due date is today or later (issue 8: as a triage's review date).
    pub fn validate(&self, debrief: &Debrief, today: NaiveDate) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut err = |field, message: String| errors.push(FieldError { field, message });
        if debrief.lesson(self.lesson).is_none() {
            err(
                "lesson",
                format!("{} has no lesson {} (it has {})", debrief.reference, self.lesson, debrief.lessons.len()),
            );
        }
        if self.description.trim().is_empty() {
            err("description", "say what will be done".into());
        }
        if let Some(problem) = limits::over_bytes(&self.description, LESSON_BYTES) {
            err("description", problem);
        }
        if let Err(e) = super::when::check_due_date("the due date", self.due, today) {
            err("due", e);
        } else if self.due < debrief.held_on {
            err("due", format!("the due date is before the debrief was held ({})", debrief.held_on));
        }
        errors
    }
}

/// The actions screen's filter: owner, status, kind, overdue only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionFilter {
    pub owner: Option<MemberId>,
    pub status: Option<ActionStatus>,
    pub kind: Option<ActionKind>,
    pub overdue_only: bool,
}

impl ActionFilter {
    pub fn matches(&self, action: &Action, today: NaiveDate) -> bool {
        self.owner.is_none_or(|o| action.owner.member == o)
            && self.status.is_none_or(|s| action.status() == s)
            && self.kind.is_none_or(|k| action.kind == k)
            && (!self.overdue_only || action.is_overdue(today))
    }
}

/// The actions screen's order: still to do before finished, then by due
/// date (so overdue ones come first), then oldest first.
pub fn action_order(a: &Action, b: &Action) -> Ordering {
    let key = |x: &Action| (!x.status().is_live(), x.due, x.id);
    key(a).cmp(&key(b))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCounts {
    pub open: usize,
    pub in_progress: usize,
    /// Open or in progress past their due date (also counted above).
    pub overdue: usize,
    pub done: usize,
    pub dropped: usize,
}

impl ActionCounts {
    pub fn of(actions: &[Action], today: NaiveDate) -> Self {
        let mut c = ActionCounts::default();
        for a in actions {
            match a.status() {
                ActionStatus::Open => c.open += 1,
                ActionStatus::InProgress => c.in_progress += 1,
                ActionStatus::Done => c.done += 1,
                ActionStatus::Dropped => c.dropped += 1,
            }
            if a.is_overdue(today) {
                c.overdue += 1;
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::NewDebrief;
    use crate::domain::fixtures::{action, at, d, debrief, dsl, owner};
    use crate::domain::limits::NAME_CHARS;

    #[test]
    fn action_runs_open_in_progress_done_with_evidence() {
        let mut a = action(d(2026, 4, 30));
        assert_eq!(a.status(), ActionStatus::Open);
        a.change_status(ActionStatus::InProgress, "", &owner(), at(2026, 3, 25, 9)).unwrap();
        let err = a.change_status(ActionStatus::Done, "  ", &owner(), at(2026, 4, 1, 9)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot mark A-0003 done: record the evidence of completion (what was done, where it can be seen)"
        );
        a.change_status(ActionStatus::Done, " Training held 1 April; register on file. ", &dsl(), at(2026, 4, 1, 9))
            .unwrap();
        assert_eq!(a.status(), ActionStatus::Done);
        assert_eq!(a.completion().unwrap().note, "Training held 1 April; register on file.");
        assert_eq!(a.history.len(), 2, "every change is kept");
        assert_eq!((a.history[0].from, a.history[0].to), (ActionStatus::Open, ActionStatus::InProgress));
        assert_eq!(a.history[0].by, owner());
        assert_eq!((a.history[1].from, a.history[1].to), (ActionStatus::InProgress, ActionStatus::Done));
    }

    #[test]
    fn dropping_needs_a_reason_and_reopening_keeps_the_history() {
        let mut a = action(d(2026, 4, 30));
        assert!(a.change_status(ActionStatus::Dropped, "", &dsl(), at(2026, 3, 25, 9)).is_err());
        assert!(a.history.is_empty(), "a refusal changes nothing");
        a.change_status(ActionStatus::Dropped, "Superseded by the new rota.", &dsl(), at(2026, 3, 25, 9)).unwrap();
        let err = a.check_status(ActionStatus::Done, "evidence").unwrap_err();
        assert!(err.to_string().contains("reopen it first"), "{err}");
        assert!(a.check_status(ActionStatus::Open, " ").unwrap_err().to_string().contains("reason"));
        a.change_status(ActionStatus::Open, "Rota fell through.", &dsl(), at(2026, 3, 26, 9)).unwrap();
        assert_eq!(a.status(), ActionStatus::Open);
        assert_eq!(a.history.len(), 2);
        assert!(a.completion().is_none());
    }

    #[test]
    fn refused_action_changes_explain_themselves() {
        let mut a = action(d(2026, 4, 30));
        assert!(a.check_status(ActionStatus::Open, "x").unwrap_err().to_string().contains("already open"));
        a.change_status(ActionStatus::InProgress, "", &dsl(), at(2026, 3, 25, 9)).unwrap();
        assert!(a.check_status(ActionStatus::Open, "x").unwrap_err().to_string().contains("it has started"));
        a.change_status(ActionStatus::Done, "Done.", &dsl(), at(2026, 3, 26, 9)).unwrap();
        assert!(a.check_status(ActionStatus::InProgress, "x").unwrap_err().to_string().contains("reopen it first"));
        // Straight from open to done is fine with evidence.
        let mut b = action(d(2026, 4, 30));
        b.change_status(ActionStatus::Done, "Poster up in the cloakroom.", &dsl(), at(2026, 3, 21, 9)).unwrap();
    }

    #[test]
    fn overdue_means_live_and_past_the_due_date() {
        let mut a = action(d(2026, 4, 30));
        assert!(!a.is_overdue(d(2026, 4, 29)));
        assert!(!a.is_overdue(d(2026, 4, 30)), "due today is not overdue yet");
        assert!(a.is_overdue(d(2026, 5, 1)));
        assert_eq!(a.days_overdue(d(2026, 5, 11)), 11);
        a.change_status(ActionStatus::InProgress, "", &dsl(), at(2026, 4, 1, 9)).unwrap();
        assert!(a.is_overdue(d(2026, 5, 1)), "in progress still counts");
        a.change_status(ActionStatus::Done, "Done late.", &dsl(), at(2026, 5, 2, 9)).unwrap();
        assert!(!a.is_overdue(d(2026, 5, 3)));
        assert_eq!(a.days_overdue(d(2026, 5, 3)), 0);
        let mut b = action(d(2026, 4, 30));
        b.change_status(ActionStatus::Dropped, "Not needed.", &dsl(), at(2026, 4, 1, 9)).unwrap();
        assert!(!b.is_overdue(d(2027, 1, 1)), "dropped is never overdue");
    }

    #[test]
    fn action_labels_parse_in_every_form() {
        assert_eq!(action_label(3), "A-0003");
        for text in ["A-0003", "a-3", "#3", "3", " A3 "] {
            assert_eq!(parse_action_label(text), Some(3), "{text}");
        }
        for text in ["", "A-", "zero", "0", "B-3"] {
            assert_eq!(parse_action_label(text), None, "{text}");
        }
        assert_eq!(action(d(2026, 4, 30)).source_label(), "D-2026-0001 lesson 2");
    }

    #[test]
    fn new_action_is_checked_against_its_debrief() {
        let db = debrief();
        let mut new = NewAction {
            debrief: 1,
            lesson: 3,
            description: " ".into(),
            kind: ActionKind::Signage,
            owner: 3,
            due: d(2026, 3, 1),
        };
        let today = d(2026, 3, 20);
        let errors = new.validate(&db, today);
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["lesson", "description", "due"]);
        assert_eq!(errors[0].message, "D-2026-0001 has no lesson 3 (it has 2)");
        new.lesson = 1;
        new.description = "Sign on the cloakroom door.".into();
        new.due = d(2026, 3, 20);
        assert!(new.validate(&db, today).is_empty());
    }

    #[test]
    fn an_action_due_in_the_past_is_refused() {
        // Issue 8 item 4: the same rule as a triage's review date.
        let new = NewAction {
            debrief: 1,
            lesson: 1,
            description: "Sign on the cloakroom door.".into(),
            kind: ActionKind::Signage,
            owner: 3,
            due: d(2026, 3, 25),
        };
        let errors = new.validate(&debrief(), d(2026, 4, 1));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0].to_string(),
            "due: the due date 2026-03-25 is in the past; choose today (2026-04-01) or later"
        );
    }

    #[test]
    fn debrief_and_action_texts_have_size_limits() {
        // Issue 8 item 6, PRODUCT.md principle 7e.
        let long = "x".repeat(NOTE_BYTES + 1);
        let new = NewDebrief {
            concerns: vec!["C-2026-0004".into()],
            held_on: d(2026, 3, 20),
            attendees: vec![1],
            other_attendees: vec!["o".repeat(NAME_CHARS + 1)],
            summary: long.clone(),
            what_worked: long.clone(),
            what_did_not: long.clone(),
            lessons: vec!["fine".into(), "l".repeat(LESSON_BYTES + 1)],
            changes_needed: long.clone(),
        };
        let errors = new.validate(d(2026, 3, 20));
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["others", "summary", "what_worked", "what_did_not", "lessons", "changes_needed"]);
        assert_eq!(errors[4].message, "lesson 2: 4.1 KiB is over the limit of 4 KiB; shorten it");

        let mut a = action(d(2026, 4, 30));
        let err = a.change_status(ActionStatus::Done, &long, &dsl(), at(2026, 4, 1, 9)).unwrap_err().to_string();
        assert!(err.contains("the note: 16.1 KiB is over the limit of 16 KiB"), "{err}");
        assert!(a.history.is_empty());
        let new_action = NewAction {
            debrief: 1,
            lesson: 1,
            description: "d".repeat(LESSON_BYTES + 1),
            kind: ActionKind::Signage,
            owner: 3,
            due: d(2026, 4, 30),
        };
        assert_eq!(new_action.validate(&debrief(), d(2026, 3, 20))[0].field, "description");
    }

    #[test]
    fn filter_and_order_serve_the_actions_screen() {
        let today = d(2026, 5, 1);
        let mut late = action(d(2026, 4, 1));
        late.id = 1;
        let mut soon = action(d(2026, 6, 1));
        soon.id = 2;
        soon.kind = ActionKind::Signage;
        soon.owner = dsl();
        let mut done = action(d(2026, 3, 1));
        done.id = 4;
        done.change_status(ActionStatus::Done, "Done.", &dsl(), at(2026, 3, 1, 9)).unwrap();
        let mut all = vec![soon.clone(), done.clone(), late.clone()];
        all.sort_by(action_order);
        assert_eq!(all.iter().map(|a| a.id).collect::<Vec<_>>(), vec![1, 2, 4], "live by due date, finished last");

        let f = ActionFilter { overdue_only: true, ..Default::default() };
        assert_eq!(all.iter().filter(|a| f.matches(a, today)).map(|a| a.id).collect::<Vec<_>>(), vec![1]);
        let f = ActionFilter { owner: Some(3), ..Default::default() };
        assert_eq!(all.iter().filter(|a| f.matches(a, today)).count(), 2);
        let f = ActionFilter { kind: Some(ActionKind::Signage), ..Default::default() };
        assert_eq!(all.iter().filter(|a| f.matches(a, today)).map(|a| a.id).collect::<Vec<_>>(), vec![2]);
        let f = ActionFilter { status: Some(ActionStatus::Done), ..Default::default() };
        assert_eq!(all.iter().filter(|a| f.matches(a, today)).map(|a| a.id).collect::<Vec<_>>(), vec![4]);

        let counts = ActionCounts::of(&all, today);
        assert_eq!(counts, ActionCounts { open: 2, in_progress: 0, overdue: 1, done: 1, dropped: 0 });
    }
}
