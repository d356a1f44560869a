//! Leadership's side of casebook: post-investigation debriefs (P9-c),
//! lessons-learned actions tracked to completion (P9-d), the policy's own
//! review cycle (P8-a) and the anonymised figures leadership may see (P9-e).
//! Pure types and rules, no I/O: every date that matters is passed in, so
//! the rules are tested with fixed dates and never with today's.
//!
//! Records are history (S-c): an action's status changes are appended to
//! its history, never overwritten; a policy review is appended to the
//! policy's review log, and its original "written" date stays.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::catalogue::PolicyInfo;
use super::concern::{Author, CaseError, CaseFile, EntryKind, FieldError, Status};
use super::limits::{self, LESSON_BYTES, NAME_CHARS, NOTE_BYTES};
use super::member::MemberId;
use super::summary::CaseSummary;

pub type DebriefId = u32;
pub type ActionId = u32;
pub type PolicyId = u32;

fn refused(action: &str, reason: impl Into<String>) -> CaseError {
    CaseError::Refused { action: action.to_string(), reason: reason.into() }
}

// ---- debriefs (P9-c) ------------------------------------------------------

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

    /// All the free text leadership will read, for [`names_mentioned`].
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

/// Words that are part of how names are written in casebook but identify
/// nobody on their own ("Mr", "Pupil", "the Example family"): a name part
/// is only checked alone when it is not one of these.
const NOT_IDENTIFYING: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "sir",
    "prof",
    "rev",
    "pupil",
    "child",
    "staff",
    "visitor",
    "parent",
    "carer",
    "teacher",
    "the",
    "and",
    "of",
    "family",
    "mum",
    "dad",
    "mother",
    "father",
    "parents",
    "carers",
    "brother",
    "sister",
    "son",
    "daughter",
    "grandmother",
    "grandfather",
    "grandma",
    "grandad",
    "grandparent",
    "grandparents",
    "aunt",
    "uncle",
    "cousin",
    "guardian",
    "foster",
    "step",
    "household",
    "twins",
    "unknown",
    "unnamed",
    "year",
    "class",
    "boy",
    "girl",
    "pupils",
    "children",
    "student",
    "students",
    "adult",
    "group",
    "older",
    "younger",
    "friend",
    "friends",
    "neighbour",
    "partner",
];

/// Ordinary English words that are also given names or surnames ("Will",
/// "May", "Rose", "Green"). Alone, such a part counts only when the text
/// writes it with a capital, as names are written: "staff will be briefed"
/// names nobody, "Will was upset" may. The whole name matches regardless.
const ORDINARY_WORDS: &[&str] = &[
    "will", "may", "mark", "hope", "grace", "rose", "bill", "june", "april", "august", "summer", "autumn", "faith",
    "joy", "dawn", "rich", "pat", "sue", "sunny", "ray", "guy", "don", "art", "miles", "frank", "jack", "pearl",
    "ruby", "amber", "ivy", "holly", "daisy", "lily", "heather", "iris", "poppy", "violet", "hazel", "olive", "sky",
    "river", "storm", "brook", "bay", "star", "king", "young", "green", "brown", "white", "black", "grey", "gray",
    "baker", "cook", "smith", "wood", "hill", "hall", "bell", "fox", "bird", "lamb", "cross", "bush", "field", "page",
    "price", "long", "short", "little", "gold", "stone", "wall", "walker", "turner", "miller", "hunter", "porter",
    "parker", "wells", "banks", "chase", "lane", "marsh", "moss", "reed", "sharp", "ward", "west", "north", "south",
    "east", "day", "knight", "sweet", "love", "best", "chance", "patience", "honour", "liberty", "harmony", "crystal",
    "jade", "ash", "rowan", "willow", "forest", "dale", "glen", "cliff", "drew", "sandy",
];

/// A word of a text as the name check sees it: folded (accent-blind,
/// lower case) and whether it was written with a capital.
struct Word {
    folded: String,
    capital: bool,
}

fn words(text: &str) -> Vec<Word> {
    super::fold::fold_keep_case(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| Word { folded: w.to_lowercase(), capital: w.starts_with(|c: char| c.is_uppercase()) })
        .collect()
}

/// P9-e: which of `names` appear in `text`, so a form can warn before
/// leadership reads a subject's name. Accent- and case-blind and
/// whole-word (issue 8): "Zed" matches "zed's" but not "Zedekiah", and
/// "Lukasz" matches "Łukasz". A whole name matches across any spacing or
/// punctuation; each distinctive part of a name (three letters or more,
/// not a title or a word such as "family") matches alone too, since a
/// first name by itself can identify a child; a part that is also an
/// ordinary word ("Will") only when written with a capital. Returns the
/// names as given, once each, in the order given.
pub fn names_mentioned(text: &str, names: &[String]) -> Vec<String> {
    let text_words = words(text);
    let contains_run = |run: &[Word]| {
        !run.is_empty() && text_words.windows(run.len()).any(|w| w.iter().zip(run).all(|(a, b)| a.folded == b.folded))
    };
    let alone = |part: &Word| {
        let p = part.folded.as_str();
        p.chars().count() >= 3
            && !NOT_IDENTIFYING.contains(&p)
            && text_words.iter().any(|w| w.folded == p && (w.capital || !ORDINARY_WORDS.contains(&p)))
    };
    let mut found: Vec<String> = Vec::new();
    for name in names {
        let parts = words(name);
        let hit = contains_run(&parts) || parts.iter().any(alone);
        if hit && !found.iter().any(|f| f == name) {
            found.push(name.clone());
        }
    }
    found
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

// ---- lessons-learned actions (P9-d) -----------------------------------------

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

// ---- policy review (P8-a) -------------------------------------------------

/// What prompts a review besides the calendar (P8-a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TriggerKind {
    NationalOrLocalUpdate,
    LocalConcern,
    InfrastructureChange,
    /// A lessons-learned action of kind policy change asks for one.
    ActionPolicyChange,
}

impl TriggerKind {
    pub const ALL: [TriggerKind; 4] = [
        TriggerKind::NationalOrLocalUpdate,
        TriggerKind::LocalConcern,
        TriggerKind::InfrastructureChange,
        TriggerKind::ActionPolicyChange,
    ];

    pub fn label(self) -> &'static str {
        match self {
            TriggerKind::NationalOrLocalUpdate => "national or local update",
            TriggerKind::LocalConcern => "local concern",
            TriggerKind::InfrastructureChange => "infrastructure change",
            TriggerKind::ActionPolicyChange => "policy-change action",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().replace(['_', ' '], "-").as_str() {
            "national-or-local-update" | "update" | "national-update" | "local-update" | "national" => {
                Some(TriggerKind::NationalOrLocalUpdate)
            }
            "local-concern" | "concern" => Some(TriggerKind::LocalConcern),
            "infrastructure-change" | "infrastructure" | "technical" => Some(TriggerKind::InfrastructureChange),
            "policy-change-action" | "action-policy-change" | "action" => Some(TriggerKind::ActionPolicyChange),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewTrigger {
    pub kind: TriggerKind,
    pub note: String,
    /// The action that asked for the review, for [`TriggerKind::ActionPolicyChange`].
    pub action: Option<ActionId>,
    pub by: Author,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// When the review was done.
    pub date: NaiveDate,
    /// The policy's version after the review (unchanged if none was given).
    pub version: String,
    pub note: String,
    /// Policy-change actions this review completed.
    pub closed_actions: Vec<ActionId>,
    pub by: Author,
    pub recorded_at: NaiveDateTime,
}

/// P8-a: a policy the school tracks, with its review cycle and logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedPolicy {
    pub id: PolicyId,
    pub name: String,
    /// The version as first tracked; later ones are in `reviews`.
    pub version: String,
    /// When it was written; later review dates are in `reviews`.
    pub written: NaiveDate,
    pub review_interval_months: u32,
    pub triggers: Vec<ReviewTrigger>,
    pub reviews: Vec<Review>,
}

/// The review interval when none is given: "at least annually" (P8-a).
pub const DEFAULT_REVIEW_MONTHS: u32 = 12;

impl TrackedPolicy {
    /// The catalogue's policy (the seed: written June 2024, reviewed every
    /// 12 months, so a new store shows it overdue since June 2025).
    pub fn from_catalogue(id: PolicyId, info: &PolicyInfo) -> Self {
        TrackedPolicy {
            id,
            name: info.name.clone(),
            version: info.version.clone(),
            written: info.written,
            review_interval_months: if info.review_interval_months == 0 {
                DEFAULT_REVIEW_MONTHS
            } else {
                info.review_interval_months
            },
            triggers: Vec::new(),
            reviews: Vec::new(),
        }
    }

    /// Written or last reviewed, whichever is later.
    pub fn last_reviewed(&self) -> NaiveDate {
        self.reviews.iter().map(|r| r.date).max().map_or(self.written, |d| d.max(self.written))
    }

    pub fn current_version(&self) -> &str {
        self.reviews.last().map_or(&self.version, |r| &r.version)
    }

    /// Last reviewed plus the interval (31 Aug + 6 months is 28/29 Feb).
    pub fn next_due(&self) -> NaiveDate {
        self.last_reviewed().checked_add_months(Months::new(self.review_interval_months)).unwrap_or(NaiveDate::MAX)
    }

    /// Past its due date (the due date itself is not overdue).
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        today > self.next_due()
    }

    pub fn days_overdue(&self, today: NaiveDate) -> i64 {
        if self.is_overdue(today) { (today - self.next_due()).num_days() } else { 0 }
    }

    /// Triggers logged since the latest review was recorded: each asks for
    /// a review before the calendar does (P8-a).
    pub fn pending_triggers(&self) -> Vec<&ReviewTrigger> {
        let since = self.reviews.iter().map(|r| r.recorded_at).max();
        self.triggers.iter().filter(|t| since.is_none_or(|s| t.at > s)).collect()
    }

    /// Overdue, or a trigger is waiting.
    pub fn needs_review(&self, today: NaiveDate) -> bool {
        self.is_overdue(today) || !self.pending_triggers().is_empty()
    }

    pub fn log_trigger(&mut self, trigger: ReviewTrigger) -> Result<(), CaseError> {
        if trigger.note.trim().is_empty() {
            return Err(refused(&format!("log a review trigger for the {}", self.name), "say what happened"));
        }
        if let Some(problem) = limits::over_bytes(trigger.note.trim(), NOTE_BYTES) {
            return Err(refused(
                &format!("log a review trigger for the {}", self.name),
                format!("the note: {problem}"),
            ));
        }
        self.triggers.push(ReviewTrigger { note: trigger.note.trim().to_string(), ..trigger });
        Ok(())
    }

    /// Appends a review; the next due date runs from its date. An empty
    /// version keeps the current one.
    pub fn record_review(&mut self, review: Review) -> Result<(), CaseError> {
        let action = format!("record a review of the {}", self.name);
        if review.note.trim().is_empty() {
            return Err(refused(&action, "say what was reviewed and what changed"));
        }
        if let Some(problem) = limits::over_bytes(review.note.trim(), NOTE_BYTES) {
            return Err(refused(&action, format!("the note: {problem}")));
        }
        if let Some(problem) = limits::over_chars(review.version.trim(), NAME_CHARS) {
            return Err(refused(&action, format!("the version: {problem}")));
        }
        if review.date > review.recorded_at.date() {
            return Err(refused(&action, "a review cannot be dated in the future"));
        }
        if review.date < self.last_reviewed() {
            return Err(refused(
                &action,
                format!("it is dated before the last review or writing ({})", self.last_reviewed()),
            ));
        }
        let version = if review.version.trim().is_empty() {
            self.current_version().to_string()
        } else {
            review.version.trim().into()
        };
        self.reviews.push(Review { version, note: review.note.trim().to_string(), ..review });
        Ok(())
    }

    pub fn status(&self, today: NaiveDate) -> PolicyStatus {
        PolicyStatus {
            id: self.id,
            name: self.name.clone(),
            version: self.current_version().to_string(),
            last_reviewed: self.last_reviewed(),
            next_due: self.next_due(),
            overdue: self.is_overdue(today),
            days_overdue: self.days_overdue(today),
            pending_triggers: self.pending_triggers().len(),
        }
    }
}

/// One line of the dashboard's policy review panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyStatus {
    pub id: PolicyId,
    pub name: String,
    pub version: String,
    pub last_reviewed: NaiveDate,
    pub next_due: NaiveDate,
    pub overdue: bool,
    pub days_overdue: i64,
    pub pending_triggers: usize,
}

// ---- anonymised figures (P9-e) --------------------------------------------

/// How many concerns of one category are in one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    /// Catalogue category id.
    pub category: String,
    pub status: Status,
    pub count: u32,
}

/// Counts of concerns by category and status: no names, no references, no
/// dates of individual concerns. Leadership reads these (P9-e) from a
/// record of their own, since they cannot open the case index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// When the counts were taken (they lag until the DSL's next save).
    pub computed_at: NaiveDateTime,
    /// Sorted by category id, then status.
    pub counts: Vec<CategoryCount>,
    /// P9-c: closed concerns the DSL decided needed no debrief (also
    /// counted as closed above). Format 2 of the record; see `store::codec`.
    pub closed_without_debrief: u32,
}

impl Figures {
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = &'a CaseSummary>, computed_at: NaiveDateTime) -> Self {
        let mut counts: BTreeMap<(&str, Status), u32> = BTreeMap::new();
        let mut closed_without_debrief = 0;
        for r in rows {
            *counts.entry((r.category.as_str(), r.status)).or_default() += 1;
            closed_without_debrief += u32::from(r.closed_without_debrief);
        }
        Figures {
            computed_at,
            closed_without_debrief,
            counts: counts
                .into_iter()
                .map(|((category, status), count)| CategoryCount { category: category.to_string(), status, count })
                .collect(),
        }
    }

    /// Adds up figures kept in parts (one per shard of the board index, so
    /// one write re-counts one shard). Fresh as of the latest part.
    pub fn merge(parts: impl IntoIterator<Item = Figures>) -> Option<Figures> {
        let mut counts: BTreeMap<(String, Status), u32> = BTreeMap::new();
        let mut computed_at: Option<NaiveDateTime> = None;
        let mut closed_without_debrief = 0;
        for part in parts {
            computed_at = computed_at.max(Some(part.computed_at));
            closed_without_debrief += part.closed_without_debrief;
            for c in part.counts {
                *counts.entry((c.category, c.status)).or_default() += c.count;
            }
        }
        Some(Figures {
            computed_at: computed_at?,
            closed_without_debrief,
            counts: counts
                .into_iter()
                .map(|((category, status), count)| CategoryCount { category, status, count })
                .collect(),
        })
    }

    pub fn total(&self) -> u32 {
        self.counts.iter().map(|c| c.count).sum()
    }

    pub fn count(&self, status: Status) -> u32 {
        self.counts.iter().filter(|c| c.status == status).map(|c| c.count).sum()
    }

    /// Every status in lifecycle order, including those with none.
    pub fn by_status(&self) -> Vec<(Status, u32)> {
        Status::ALL.into_iter().map(|s| (s, self.count(s))).collect()
    }

    /// Categories with any concerns, by id.
    pub fn by_category(&self) -> Vec<(String, u32)> {
        let mut out: Vec<(String, u32)> = Vec::new();
        for c in &self.counts {
            match out.last_mut() {
                Some((cat, n)) if *cat == c.category => *n += c.count,
                _ => out.push((c.category.clone(), c.count)),
            }
        }
        out
    }
}

/// Debriefs held per month: (first day of the month, count), oldest first.
pub fn debriefs_by_month(debriefs: &[Debrief]) -> Vec<(NaiveDate, u32)> {
    let mut months: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for d in debriefs {
        let first = d.held_on.with_day(1).expect("every month has a first day");
        *months.entry(first).or_default() += 1;
    }
    months.into_iter().collect()
}

/// An English school term, approximated by the calendar: autumn is
/// September to December, spring January to March, summer April to August.
/// (A school's own term dates can replace this when the catalogue has them.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Term {
    pub fn containing(date: NaiveDate) -> Term {
        let y = date.year();
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("fixed term dates exist");
        let (name, start, end) = match date.month() {
            9..=12 => ("Autumn", ymd(y, 9, 1), ymd(y, 12, 31)),
            1..=3 => ("Spring", ymd(y, 1, 1), ymd(y, 3, 31)),
            _ => ("Summer", ymd(y, 4, 1), ymd(y, 8, 31)),
        };
        Term { label: format!("{name} term {y}"), start, end }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

/// Everything the leadership dashboard shows (P9-d, P9-e, P8-a), as
/// counts and statuses: no concern detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub today: NaiveDate,
    pub term: Term,
    pub actions: ActionCounts,
    /// Overdue actions, most overdue first.
    pub overdue_actions: Vec<Action>,
    pub debriefs_this_term: usize,
    pub debriefs_total: usize,
    pub latest_debrief: Option<NaiveDate>,
    /// `None` until a DSL or deputy has opened the board since figures began.
    pub figures: Option<Figures>,
    pub policies: Vec<PolicyStatus>,
}

impl Dashboard {
    pub fn compute(
        today: NaiveDate,
        debriefs: &[Debrief],
        actions: &[Action],
        policies: &[TrackedPolicy],
        figures: Option<Figures>,
    ) -> Self {
        let term = Term::containing(today);
        let mut overdue_actions: Vec<Action> = actions.iter().filter(|a| a.is_overdue(today)).cloned().collect();
        overdue_actions.sort_by(action_order);
        Dashboard {
            today,
            actions: ActionCounts::of(actions, today),
            overdue_actions,
            debriefs_this_term: debriefs.iter().filter(|d| term.contains(d.held_on)).count(),
            debriefs_total: debriefs.len(),
            latest_debrief: debriefs.iter().map(|d| d.held_on).max(),
            figures,
            policies: policies.iter().map(|p| p.status(today)).collect(),
            term,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Catalogue;
    use crate::domain::concern::{Concern, Risk, Source, Subject, SubjectKind, Triage, Urgency};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn at(y: i32, m: u32, day: u32, h: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, 0, 0).unwrap()
    }
    fn dsl() -> Author {
        Author { member: 1, name: "Ms Fictional Lead".into() }
    }
    fn owner() -> Author {
        Author { member: 3, name: "Dr Imaginary Governor".into() }
    }

    fn debrief() -> Debrief {
        Debrief {
            id: 1,
            reference: "D-2026-0001".into(),
            concerns: vec![ConcernLink { case_id: 4, reference: "C-2026-0004".into() }],
            held_on: d(2026, 3, 20),
            attendees: vec![dsl(), owner()],
            other_attendees: vec!["Ms Outside Adviser, LA".into()],
            summary: "A phone was used in a restricted area.".into(),
            what_worked: "Quick confiscation.".into(),
            what_did_not: "Cloakroom unsupervised at lunch.".into(),
            lessons: vec![
                Lesson { seq: 1, text: "Cloakroom needs supervision.".into() },
                Lesson { seq: 2, text: "Staff unsure of the search rules.".into() },
            ],
            changes_needed: "Add cloakroom rota to the policy.".into(),
            recorded_by: dsl(),
            recorded_at: at(2026, 3, 20, 15),
        }
    }

    fn action(due: NaiveDate) -> Action {
        Action {
            id: 3,
            debrief: 1,
            debrief_reference: "D-2026-0001".into(),
            lesson: 2,
            description: "Run a search-and-confiscation refresher.".into(),
            kind: ActionKind::StaffTraining,
            owner: owner(),
            due,
            created_by: dsl(),
            created_at: at(2026, 3, 20, 16),
            history: Vec::new(),
        }
    }

    // -- debriefs

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
    fn names_are_found_case_insensitively_as_whole_words() {
        let names: Vec<String> =
            ["Pupil Quorra Vantablack", "Zed Ambersley", "Mr Al Bo"].into_iter().map(String::from).collect();
        // The whole name across a line break, in another case.
        assert_eq!(names_mentioned("it was pupil QUORRA\nvantablack", &names), vec!["Pupil Quorra Vantablack"]);
        // A distinctive part alone, with a possessive.
        assert_eq!(names_mentioned("Zed's phone was taken.", &names), vec!["Zed Ambersley"]);
        // Not inside another word, and titles or "pupil" alone identify nobody.
        assert!(names_mentioned("Zedekiah and the pupil; Mr Smith.", &names).is_empty());
        // Short parts only count as the whole name.
        assert!(names_mentioned("Al went to Bo.", &names).is_empty());
        assert_eq!(names_mentioned("mr al bo", &names), vec!["Mr Al Bo"]);
        // Each name once, in the order given.
        assert_eq!(
            names_mentioned("Ambersley, Vantablack, Zed", &names),
            vec!["Pupil Quorra Vantablack", "Zed Ambersley"]
        );
    }

    #[test]
    fn names_are_found_accent_blind_and_not_in_ordinary_words() {
        // Issue 8 items 5 and 10.
        let names: Vec<String> =
            ["Zoë Ødegård", "The Łukasz family", "Will Rose"].into_iter().map(String::from).collect();
        assert_eq!(names_mentioned("Check Zoe Odegard's phone.", &names), vec!["Zoë Ødegård"]);
        assert_eq!(names_mentioned("odegard again", &names), vec!["Zoë Ødegård"]);
        assert_eq!(names_mentioned("Ring LUKASZ.", &names), vec!["The Łukasz family"]);
        assert_eq!(names_mentioned("Łukasz rang.", &names), vec!["The Łukasz family"]);
        // "family", "the", and ordinary words in lower case name nobody.
        assert!(names_mentioned("The family will be told; a rose bed.", &names).is_empty());
        // Written as a name, or whole, they do.
        assert_eq!(names_mentioned("Will was upset.", &names), vec!["Will Rose"]);
        assert_eq!(names_mentioned("told will rose", &names), vec!["Will Rose"]);
        assert!(names_mentioned("Zoetrope; Odegards", &names).is_empty(), "whole words only");
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
            subjects: vec![Subject { kind: SubjectKind::Child, name: "Pupil Imaginary".into(), detail: String::new() }],
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

    // -- actions

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
    fn kinds_and_statuses_parse_from_common_words() {
        assert_eq!(ActionKind::parse("policy-change"), Some(ActionKind::PolicyChange));
        assert_eq!(ActionKind::parse("Staff training"), Some(ActionKind::StaffTraining));
        assert_eq!(ActionKind::parse("technical/infrastructure"), Some(ActionKind::Technical));
        assert_eq!(ActionKind::parse("bake sale"), None);
        for k in ActionKind::ALL {
            assert_eq!(ActionKind::parse(k.label()), Some(k));
        }
        for s in ActionStatus::ALL {
            assert_eq!(ActionStatus::parse(s.label()), Some(s));
        }
        assert_eq!(ActionStatus::parse("in-progress"), Some(ActionStatus::InProgress));
        for t in TriggerKind::ALL {
            assert_eq!(TriggerKind::parse(t.label()), Some(t));
        }
        assert_eq!(TriggerKind::parse("infrastructure"), Some(TriggerKind::InfrastructureChange));
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

    // -- policy review

    fn seed_policy() -> TrackedPolicy {
        TrackedPolicy::from_catalogue(1, &Catalogue::seed().policy)
    }

    #[test]
    fn seed_policy_fell_due_in_june_2025() {
        // P8-a: written June 2024, reviewed at least annually.
        let p = seed_policy();
        assert_eq!(p.name, "Mobile and Smart Technology Policy");
        assert_eq!(p.written, d(2024, 6, 1));
        assert_eq!(p.review_interval_months, 12);
        assert_eq!(p.next_due(), d(2025, 6, 1));
        assert!(!p.is_overdue(d(2025, 6, 1)), "due on the day, not yet overdue");
        assert!(p.is_overdue(d(2025, 6, 2)));
        assert_eq!(p.days_overdue(d(2026, 3, 20)), 292);
        assert!(p.needs_review(d(2026, 3, 20)));
    }

    fn review(date: NaiveDate, recorded: NaiveDateTime) -> Review {
        Review {
            date,
            version: String::new(),
            note: "Reviewed with governors.".into(),
            closed_actions: vec![],
            by: dsl(),
            recorded_at: recorded,
        }
    }

    #[test]
    fn a_review_resets_the_due_date_and_keeps_history() {
        let mut p = seed_policy();
        let mut r = review(d(2026, 3, 25), at(2026, 3, 25, 16));
        r.version = "March 2026".into();
        p.record_review(r).unwrap();
        assert_eq!(p.last_reviewed(), d(2026, 3, 25));
        assert_eq!(p.next_due(), d(2027, 3, 25));
        assert!(!p.is_overdue(d(2026, 3, 26)));
        assert_eq!(p.current_version(), "March 2026");
        assert_eq!(p.version, "June 2024", "the original version stays");
        assert_eq!(p.written, d(2024, 6, 1), "the written date stays");
        // A later review without a version keeps the current one.
        p.record_review(review(d(2026, 9, 1), at(2026, 9, 1, 10))).unwrap();
        assert_eq!(p.current_version(), "March 2026");
        assert_eq!(p.reviews.len(), 2);
    }

    #[test]
    fn reviews_must_be_explained_and_dated_sensibly() {
        let mut p = seed_policy();
        let mut r = review(d(2026, 3, 25), at(2026, 3, 25, 16));
        r.note = " ".into();
        assert!(p.record_review(r).unwrap_err().to_string().contains("say what was reviewed"));
        let r = review(d(2026, 3, 26), at(2026, 3, 25, 16));
        assert!(p.record_review(r).unwrap_err().to_string().contains("future"));
        let r = review(d(2024, 5, 1), at(2026, 3, 25, 16));
        assert!(p.record_review(r).unwrap_err().to_string().contains("before the last review"));
        assert!(p.reviews.is_empty());
    }

    #[test]
    fn month_arithmetic_clamps_to_the_end_of_the_month() {
        let mut p = seed_policy();
        p.written = d(2025, 8, 31);
        p.review_interval_months = 6;
        assert_eq!(p.next_due(), d(2026, 2, 28));
    }

    #[test]
    fn triggers_are_pending_until_the_next_review() {
        let mut p = seed_policy();
        let trigger =
            |kind, note: &str, when| ReviewTrigger { kind, note: note.into(), action: None, by: dsl(), at: when };
        assert!(p.log_trigger(trigger(TriggerKind::LocalConcern, " ", at(2026, 3, 1, 9))).is_err());
        p.log_trigger(trigger(TriggerKind::LocalConcern, "Cloakroom filming.", at(2026, 3, 1, 9))).unwrap();
        p.record_review(review(d(2026, 3, 2), at(2026, 3, 2, 9))).unwrap();
        assert!(p.pending_triggers().is_empty(), "the review dealt with it");
        assert!(!p.needs_review(d(2026, 3, 3)));
        p.log_trigger(trigger(TriggerKind::InfrastructureChange, "New Wi-Fi filter.", at(2026, 3, 10, 9))).unwrap();
        assert_eq!(p.pending_triggers().len(), 1);
        assert!(p.needs_review(d(2026, 3, 11)), "a trigger asks for a review before the calendar does");
        assert!(!p.is_overdue(d(2026, 3, 11)));
        assert_eq!(p.triggers.len(), 2, "the log keeps every trigger");
        let s = p.status(d(2026, 3, 11));
        assert_eq!((s.pending_triggers, s.overdue, s.next_due), (1, false, d(2027, 3, 2)));
    }

    // -- figures and dashboard

    fn row(category: &str, status: Status) -> CaseSummary {
        CaseSummary {
            id: 1,
            revision: 1,
            reference: "C-2026-0001".into(),
            reported_at: at(2026, 3, 1, 9),
            category: category.into(),
            subject: "Pupil Secret".into(),
            subject_kind: SubjectKind::Child,
            risk: None,
            urgency: Urgency::Routine,
            status,
            assignee: None,
            assignee_id: None,
            next_review: None,
            restricted_location: false,
            closed_without_debrief: false,
        }
    }

    #[test]
    fn figures_count_by_category_and_status_without_names() {
        let rows = vec![
            row("restricted-area", Status::Closed),
            row("restricted-area", Status::Closed),
            row("restricted-area", Status::New),
            row("abusive-messages", Status::AwaitingDebrief),
        ];
        let mut rows = rows;
        rows[1].closed_without_debrief = true;
        let f = Figures::from_rows(&rows, at(2026, 3, 20, 9));
        assert_eq!(f.total(), 4);
        assert_eq!(f.closed_without_debrief, 1, "P9-c: the DSL's decisions are counted");
        assert_eq!(f.count(Status::Closed), 2);
        assert_eq!(f.by_category(), vec![("abusive-messages".to_string(), 1), ("restricted-area".to_string(), 3)]);
        assert_eq!(f.by_status()[0], (Status::New, 1));
        assert_eq!(f.by_status().len(), 5, "every status, even with none");
        let json = serde_json::to_string(&f).unwrap();
        assert!(!json.contains("Pupil Secret") && !json.contains("C-2026"), "{json}");
    }

    #[test]
    fn terms_follow_the_calendar_approximation() {
        assert_eq!(Term::containing(d(2026, 3, 20)).label, "Spring term 2026");
        assert_eq!(Term::containing(d(2026, 4, 1)).start, d(2026, 4, 1));
        assert_eq!(Term::containing(d(2025, 12, 31)).label, "Autumn term 2025");
        assert!(!Term::containing(d(2026, 3, 20)).contains(d(2025, 12, 31)));
    }

    #[test]
    fn dashboard_brings_actions_debriefs_figures_and_policy_together() {
        let today = d(2026, 3, 25);
        let mut older = debrief();
        older.id = 2;
        older.held_on = d(2025, 11, 5);
        let debriefs = vec![debrief(), older];
        let late = action(d(2026, 3, 22));
        let mut done = action(d(2026, 3, 30));
        done.id = 5;
        done.change_status(ActionStatus::Done, "Done.", &dsl(), at(2026, 3, 24, 9)).unwrap();
        let dash = Dashboard::compute(
            today,
            &debriefs,
            &[late, done],
            &[seed_policy()],
            Some(Figures::from_rows(&[row("other", Status::Closed)], at(2026, 3, 25, 8))),
        );
        assert_eq!(dash.term.label, "Spring term 2026");
        assert_eq!((dash.debriefs_this_term, dash.debriefs_total), (1, 2));
        assert_eq!(dash.latest_debrief, Some(d(2026, 3, 20)));
        assert_eq!(dash.actions.overdue, 1);
        assert_eq!(dash.actions.done, 1);
        assert_eq!(dash.overdue_actions.len(), 1);
        assert!(dash.policies[0].overdue);
        assert_eq!(dash.policies[0].next_due, d(2025, 6, 1));
        assert_eq!(dash.figures.unwrap().total(), 1);
        assert_eq!(
            debriefs_by_month(&debriefs),
            vec![(d(2025, 11, 1), 1), (d(2026, 3, 1), 1)],
            "debriefs per month, oldest first"
        );
    }
}
