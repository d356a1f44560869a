//! A case file: the concern as reported, its triage decisions, its
//! chronology, and the status lifecycle. Pure rules, no I/O.
//!
//! Records are history (S-a, S-c): chronology entries are only ever
//! appended; a correction is a new entry that supersedes an older one, and
//! both stay. Triage decisions are kept as a list for the same reason.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::fmt;

use super::catalogue::Catalogue;
use super::limits::{self, DESCRIPTION_BYTES, ENTRY_BYTES, NAME_CHARS};
use super::member::MemberId;
use super::person::{Part, PersonId};

/// Who did something, with their name as it was at the time (S-c: signed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub member: MemberId,
    pub name: String,
}

/// P1-a: the people a concern can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
pub enum SubjectKind {
    Child,
    /// Includes governors, leadership, teachers, support staff, contractors,
    /// volunteers and anyone providing services (P1-a).
    Staff,
    ParentCarer,
    Visitor,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 4] =
        [SubjectKind::Child, SubjectKind::Staff, SubjectKind::ParentCarer, SubjectKind::Visitor];

    pub fn label(self) -> &'static str {
        match self {
            SubjectKind::Child => "child",
            SubjectKind::Staff => "staff",
            SubjectKind::ParentCarer => "parent/carer",
            SubjectKind::Visitor => "visitor",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "child" | "pupil" => Some(SubjectKind::Child),
            "staff" => Some(SubjectKind::Staff),
            "parent" | "carer" | "parent/carer" | "parent-carer" => Some(SubjectKind::ParentCarer),
            "visitor" => Some(SubjectKind::Visitor),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    pub name: String,
    /// Year group for a child ("Year 5"), job role for staff, relationship for
    /// a parent/carer, organisation for a visitor.
    pub detail: String,
    /// The person record this subject is (issue 12); none for a subject
    /// typed before people were kept, until the DSL matches it.
    pub person: Option<PersonId>,
    /// Their part in the concern (issue 12).
    pub part: Part,
}

impl Subject {
    /// A subject by name alone, the subject of the concern, not yet a
    /// person record.
    pub fn named(kind: SubjectKind, name: impl Into<String>, detail: impl Into<String>) -> Subject {
        Subject { kind, name: name.into(), detail: detail.into(), person: None, part: Part::Subject }
    }

    /// "Zoë Ødegård (child, Year 5) P-0012, witness": the part only when
    /// it is not the subject of the concern, the person when linked.
    pub fn summary(&self) -> String {
        let mut text = if self.detail.is_empty() {
            format!("{} ({})", self.name, self.kind.label())
        } else {
            format!("{} ({}, {})", self.name, self.kind.label(), self.detail)
        };
        if let Some(p) = self.person {
            text.push(' ');
            text.push_str(&super::person::person_label(p));
        }
        if self.part != Part::Subject {
            text.push_str(if self.person.is_some() { ", " } else { " " });
            text.push_str(self.part.label());
        }
        text
    }
}

/// Where a concern came from (P8-b monitoring, P9-f complaints and whistleblowing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    StaffReport,
    MonitoringAlert,
    Complaint,
    Whistleblowing,
    // Appended, so records written before them still decode (bincode
    // numbers variants by position).
    /// A child told a member of staff.
    Disclosure,
    ParentCarerReport,
}

impl Source {
    pub const ALL: [Source; 6] = [
        Source::StaffReport,
        Source::Disclosure,
        Source::ParentCarerReport,
        Source::MonitoringAlert,
        Source::Complaint,
        Source::Whistleblowing,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Source::StaffReport => "staff report",
            Source::MonitoringAlert => "monitoring/filtering alert",
            Source::Complaint => "complaint",
            Source::Whistleblowing => "whistleblowing",
            Source::Disclosure => "disclosure by a child",
            Source::ParentCarerReport => "parent/carer report",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().replace(['_', ' '], "-").as_str() {
            "staff-report" | "staff" => Some(Source::StaffReport),
            "monitoring-alert" | "monitoring" | "filtering" => Some(Source::MonitoringAlert),
            "complaint" => Some(Source::Complaint),
            "whistleblowing" => Some(Source::Whistleblowing),
            "disclosure" | "disclosure-by-a-child" => Some(Source::Disclosure),
            "parent" | "parent-report" | "parent/carer-report" | "parent-carer-report" => {
                Some(Source::ParentCarerReport)
            }
            _ => None,
        }
    }
}

/// The concern as reported. Immutable once recorded: later facts go into
/// the chronology.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concern {
    pub reference: String,
    pub occurred_at: NaiveDateTime,
    pub reported_at: NaiveDateTime,
    /// Who raised the concern, in words ("Mr Name, lunchtime supervisor"):
    /// often not a casebook member, e.g. a call taken by the DSL.
    pub reported_by: String,
    /// The member who wrote it down (S-c: signed).
    pub recorded_by: Author,
    pub subjects: Vec<Subject>,
    /// A catalogue category id.
    pub category: String,
    /// A catalogue location id (P3-a).
    pub location: String,
    /// Catalogue device ids (P1-c).
    pub devices: Vec<String>,
    pub description: String,
    pub immediate_action: String,
    pub source: Source,
}

/// What a reporter supplies; the store adds the reference and the author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewConcern {
    pub occurred_at: NaiveDateTime,
    /// Who raised it; empty means the recording member.
    pub reported_by: String,
    pub subjects: Vec<Subject>,
    pub category: String,
    pub location: String,
    pub devices: Vec<String>,
    pub description: String,
    pub immediate_action: String,
    pub source: Source,
}

/// One problem at one field. Said as "follow up: …", not the field's key
/// (found in review: `risk_assessment:` reached users).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", .field.replace('_', " "), .message)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl NewConcern {
    /// Every problem at once, each naming its field, so a form can show them
    /// beside the fields and keep what was typed.
    pub fn validate(&self, catalogue: &Catalogue, now: NaiveDateTime) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut err = |field, message: &str| errors.push(FieldError { field, message: message.to_string() });
        if self.subjects.is_empty() {
            err("subjects", "name at least one person the concern is about");
        }
        if self.subjects.iter().any(|s| s.name.trim().is_empty()) {
            err("subjects", "every subject needs a name");
        }
        if catalogue.category(&self.category).is_none() {
            err("category", "choose a category from the policy catalogue");
        }
        if catalogue.location(&self.location).is_none() {
            err("location", "choose a location from the list");
        }
        for d in &self.devices {
            if catalogue.device(d).is_none() {
                err("devices", "a device is not in the catalogue");
            }
        }
        if self.description.trim().is_empty() {
            err("description", "describe what happened, factually");
        }
        if self.occurred_at > now + chrono::Duration::minutes(5) {
            err("occurred_at", "cannot be in the future");
        }
        // Size limits (PRODUCT.md principle 7e; domain::limits).
        let mut over = |field, problem: Option<String>| {
            if let Some(message) = problem {
                errors.push(FieldError { field, message });
            }
        };
        over("subjects", limits::over_items(self.subjects.len(), "subjects"));
        for s in &self.subjects {
            over("subjects", limits::over_chars(&s.name, NAME_CHARS).map(|p| format!("a name: {p}")));
            over("detail", limits::over_chars(&s.detail, NAME_CHARS));
        }
        over("devices", limits::over_items(self.devices.len(), "devices"));
        over("reported_by", limits::over_chars(&self.reported_by, NAME_CHARS));
        over("description", limits::over_bytes(&self.description, DESCRIPTION_BYTES));
        over("immediate_action", limits::over_bytes(&self.immediate_action, DESCRIPTION_BYTES));
        errors
    }
}

/// A concern reference as people type it: "C-2026-0001", "c-2026-1",
/// "2026-0001", or the number alone ("1"), which stands for that number in
/// whichever year has it, when only one does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferenceQuery {
    pub year: Option<i32>,
    pub number: u32,
}

impl ReferenceQuery {
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let t = t.strip_prefix(['C', 'c']).map_or(t, |rest| rest.strip_prefix('-').unwrap_or(rest));
        let digits = |s: &str| !s.is_empty() && s.len() <= 9 && s.chars().all(|c| c.is_ascii_digit());
        let (year, number) = match t.split_once('-') {
            Some((y, n)) if digits(y) && y.len() == 4 && digits(n) => (Some(y.parse().ok()?), n),
            None if digits(t) => (None, t),
            _ => return None,
        };
        Some(ReferenceQuery { year, number: number.parse().ok().filter(|&n| n > 0)? })
    }

    /// Whether a stored reference ("C-2026-0001") is this one.
    pub fn matches(&self, reference: &str) -> bool {
        let Some((year, number)) = reference.strip_prefix("C-").and_then(|r| r.split_once('-')) else {
            return false;
        };
        self.year.is_none_or(|y| year.parse() == Ok(y)) && number.parse() == Ok(self.number)
    }

    /// What was looked for, for a message: "C-2026-0001", or "numbered 1".
    pub fn describe(&self) -> String {
        match self.year {
            Some(y) => format!("C-{y}-{:04}", self.number),
            None => format!("numbered {}", self.number),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
pub enum Risk {
    Low,
    Medium,
    High,
}

impl Risk {
    pub const ALL: [Risk; 3] = [Risk::Low, Risk::Medium, Risk::High];
    pub fn label(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.label().eq_ignore_ascii_case(text.trim()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Urgency {
    Routine,
    Urgent,
}

impl Urgency {
    pub fn label(self) -> &'static str {
        match self {
            Urgency::Routine => "routine",
            Urgency::Urgent => "URGENT",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "routine" => Some(Urgency::Routine),
            "urgent" => Some(Urgency::Urgent),
            _ => None,
        }
    }
}

/// A triage decision. KCSIE expects the reasoning to be recorded, including
/// for a decision to take no further action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    pub risk: Risk,
    pub urgency: Urgency,
    /// Catalogue pathway id.
    pub pathway: String,
    /// P2-a: the linked policy the response is handled under.
    pub linked_policy: String,
    pub assignee: Option<Author>,
    pub next_review: Option<NaiveDate>,
    pub reasoning: String,
    pub decided_by: Author,
    pub decided_at: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
pub enum Status {
    New,
    Triaged,
    InProgress,
    AwaitingDebrief,
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::New, Status::Triaged, Status::InProgress, Status::AwaitingDebrief, Status::Closed];

    pub fn label(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Triaged => "triaged",
            Status::InProgress => "in progress",
            Status::AwaitingDebrief => "awaiting debrief",
            Status::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_ascii_lowercase().replace(['-', '_'], " ");
        Self::ALL.into_iter().find(|s| s.label() == t)
    }

    pub fn is_open(self) -> bool {
        self != Status::Closed
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    /// Written by casebook when the concern is recorded.
    Reported,
    /// Written by casebook for each triage decision.
    Triage,
    /// Written by casebook for each status transition.
    StatusChange,
    FollowUp,
    PhoneCall,
    Meeting,
    /// P9-b: whether, when and by whom parents/carers were told.
    ParentsInformed,
    /// P9-g: advice sought from the Education Safeguarding Service or another agency.
    AdviceSought,
    Referral,
    Note,
    /// Replaces the text of an earlier entry, which stays (S-c).
    Correction,
    // Appended, so records written before it still decode (bincode
    // numbers variants by position).
    /// P9-c: the DSL's recorded decision that an investigated concern
    /// needs no debrief, with the reason; it closes the concern.
    ClosedWithoutDebrief,
    /// Issue 12: a subject linked to a person record, or re-pointed when
    /// two records of one person were merged. Appended, like the one above.
    People,
    /// Issue 13: a file attached to the concern (its name, size and number).
    Attachment,
    /// P6.1-f: something other than a triage decision made the concern
    /// urgent (a search that revealed a safeguarding risk), written by
    /// casebook under the name of the member who recorded it. It is not a
    /// triage decision: the concern is urgent until the DSL's next triage
    /// decides again. Appended, like the ones above.
    Escalation,
    /// Issue 13 (P6.1-a, P6.1-b, P6.1-d): a device's custody event
    /// (confiscated, moved, returned, handed to the police, corrected),
    /// written by casebook: the concern's own file shows each, and
    /// `verify` checks the device's chain still holds every event its
    /// concern's chronology names (PRODUCT 7b: a chain set back on disk).
    /// Its text begins "DV-0001 event 2:". Appended, like the ones above.
    Custody,
    /// Issue 13 (S-a, PRODUCT 7b): a referral or a search of a device
    /// recorded on the concern, written by casebook ("R-0003: LADO …",
    /// "SR-0002: searched …"), so the concern's own file shows it and
    /// `verify` names one the store no longer holds. Appended.
    Record,
}

impl EntryKind {
    /// The kinds a person may add by hand; the rest casebook writes itself.
    pub const MANUAL: [EntryKind; 7] = [
        EntryKind::FollowUp,
        EntryKind::PhoneCall,
        EntryKind::Meeting,
        EntryKind::ParentsInformed,
        EntryKind::AdviceSought,
        EntryKind::Referral,
        EntryKind::Note,
    ];

    pub fn label(self) -> &'static str {
        match self {
            EntryKind::Reported => "reported",
            EntryKind::Triage => "triage",
            EntryKind::StatusChange => "status",
            EntryKind::FollowUp => "follow-up",
            EntryKind::PhoneCall => "phone call",
            EntryKind::Meeting => "meeting",
            EntryKind::ParentsInformed => "parents informed",
            EntryKind::AdviceSought => "advice sought",
            EntryKind::Referral => "referral",
            EntryKind::Note => "note",
            EntryKind::Correction => "correction",
            EntryKind::ClosedWithoutDebrief => "no debrief",
            EntryKind::People => "people",
            EntryKind::Attachment => "attachment",
            EntryKind::Escalation => "made urgent",
            EntryKind::Custody => "custody",
            EntryKind::Record => "recorded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_ascii_lowercase().replace(['_', '-'], " ");
        Self::MANUAL.into_iter().find(|k| k.label().replace('-', " ") == t)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChronologyEntry {
    /// Position in the chronology, from 1; never reused.
    pub seq: u32,
    pub kind: EntryKind,
    /// When the event happened (may be earlier than when it was written down).
    pub at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    pub author: Author,
    pub text: String,
    /// For a correction: the entry it replaces.
    pub supersedes: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("cannot {action}: {reason}")]
    Refused { action: String, reason: String },
    #[error("no chronology entry {0}")]
    NoSuchEntry(u32),
    #[error("{0}")]
    Invalid(String),
}

/// Why a status change cannot close an investigated concern (P9-c). It
/// names the legitimate way only.
const DEBRIEF_CLOSES: &str = "an investigated concern closes when its debrief is recorded (P9-c)";

pub(super) fn refused(action: &str, reason: impl Into<String>) -> CaseError {
    CaseError::Refused { action: action.to_string(), reason: reason.into() }
}

/// The whole case: what the DSL opens, what an export contains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFile {
    pub concern: Concern,
    pub triage: Vec<Triage>,
    pub chronology: Vec<ChronologyEntry>,
    pub status: Status,
}

impl CaseFile {
    pub fn open(concern: Concern) -> Self {
        let reported = ChronologyEntry {
            seq: 1,
            kind: EntryKind::Reported,
            at: concern.occurred_at,
            recorded_at: concern.reported_at,
            author: concern.recorded_by.clone(),
            text: format!(
                "Concern {} reported by {}; recorded by {}.",
                concern.reference, concern.reported_by, concern.recorded_by.name
            ),
            supersedes: None,
        };
        CaseFile { concern, triage: Vec::new(), chronology: vec![reported], status: Status::New }
    }

    pub fn current_triage(&self) -> Option<&Triage> {
        self.triage.last()
    }

    /// Urgency as the board shows it: the latest triage, or for an
    /// untriaged concern the category's rule (P6.1-c is urgent from the start).
    /// P6.1-f: an escalation since the latest triage decision makes it
    /// urgent whatever that decision said, as an urgent category does,
    /// until the DSL triages it again.
    pub fn urgency(&self, catalogue: &Catalogue) -> Urgency {
        if self.escalated_since_triage() {
            return Urgency::Urgent;
        }
        match self.current_triage() {
            Some(t) => t.urgency,
            None if catalogue.category(&self.concern.category).is_some_and(|c| c.urgent) => Urgency::Urgent,
            None => Urgency::Routine,
        }
    }

    /// Whether an escalation (P6.1-f) came after the latest triage decision.
    pub fn escalated_since_triage(&self) -> bool {
        let triaged = self.chronology.iter().rev().find(|e| e.kind == EntryKind::Triage).map(|e| e.seq);
        self.chronology.iter().any(|e| e.kind == EntryKind::Escalation && Some(e.seq) > triaged)
    }

    /// P6.1-f: makes an open concern urgent without anyone's triage
    /// decision: a chronology entry by `author` saying why. The triage
    /// decisions stay as their deciders made them.
    pub fn escalate(
        &mut self,
        at: NaiveDateTime,
        why: &str,
        author: &Author,
        now: NaiveDateTime,
    ) -> Result<u32, CaseError> {
        if self.status == Status::Closed {
            return Err(refused("make the concern urgent", "the concern is closed; reopen it first"));
        }
        if let Some(problem) = limits::over_bytes(why.trim(), ENTRY_BYTES) {
            return Err(CaseError::Invalid(format!("the entry: {problem}")));
        }
        Ok(self.append(EntryKind::Escalation, at, now, author, why.trim().to_string(), None))
    }

    fn next_seq(&self) -> u32 {
        self.chronology.last().map_or(1, |e| e.seq + 1)
    }

    fn append(
        &mut self,
        kind: EntryKind,
        at: NaiveDateTime,
        now: NaiveDateTime,
        author: &Author,
        text: String,
        supersedes: Option<u32>,
    ) -> u32 {
        let seq = self.next_seq();
        self.chronology.push(ChronologyEntry {
            seq,
            kind,
            at,
            recorded_at: now,
            author: author.clone(),
            text,
            supersedes,
        });
        seq
    }

    /// Records a triage decision. The first moves a new concern to triaged;
    /// later ones (re-triage) keep the status and the earlier decisions.
    pub fn record_triage(&mut self, mut triage: Triage, catalogue: &Catalogue) -> Result<(), CaseError> {
        if self.status == Status::Closed {
            return Err(refused("triage", "the concern is closed; reopen it first"));
        }
        if triage.reasoning.trim().is_empty() {
            return Err(refused("triage", "record the reasoning for the decision, even for no further action"));
        }
        if let Some(problem) = limits::over_bytes(&triage.reasoning, ENTRY_BYTES) {
            return Err(refused("triage", format!("the reasoning: {problem}")));
        }
        // A review date is today or later (issue 8): a past one would sit in
        // the chronology forever. The far-date question is the caller's.
        if let Some(d) = triage.next_review {
            super::when::check_due_date("the review date", d, triage.decided_at.date())
                .map_err(|e| refused("triage", e))?;
        }
        if catalogue.pathway(&triage.pathway).is_none() {
            return Err(refused("triage", format!("unknown pathway {}", triage.pathway)));
        }
        if catalogue.linked_policy(&triage.linked_policy).is_none() {
            return Err(refused("triage", format!("unknown linked policy {}", triage.linked_policy)));
        }
        // P6.1-c and the other urgent categories cannot be downgraded to routine.
        if catalogue.category(&self.concern.category).is_some_and(|c| c.urgent) {
            triage.urgency = Urgency::Urgent;
        }
        let mut text = format!(
            "Triage: risk {}, {}, pathway {}, under {}.",
            triage.risk.label(),
            triage.urgency.label(),
            catalogue.pathway_label(&triage.pathway),
            catalogue.policy_label(&triage.linked_policy)
        );
        if let Some(a) = &triage.assignee {
            text.push_str(&format!(" Assigned to {}.", a.name));
        }
        if let Some(d) = triage.next_review {
            text.push_str(&format!(" Next review {}.", d.format("%d %b %Y")));
        }
        text.push_str(&format!(" Reasoning: {}", triage.reasoning.trim()));
        let (at, author) = (triage.decided_at, triage.decided_by.clone());
        self.append(EntryKind::Triage, at, at, &author, text, None);
        if self.status == Status::New {
            self.append(EntryKind::StatusChange, at, at, &author, "Status: new → triaged.".into(), None);
            self.status = Status::Triaged;
        }
        self.triage.push(triage);
        Ok(())
    }

    /// Appends a hand-written entry (follow-up, call, meeting …).
    pub fn add_entry(
        &mut self,
        kind: EntryKind,
        at: NaiveDateTime,
        text: &str,
        author: &Author,
        now: NaiveDateTime,
    ) -> Result<u32, CaseError> {
        if !EntryKind::MANUAL.contains(&kind) {
            return Err(CaseError::Invalid(format!("{} entries are written by casebook itself", kind.label())));
        }
        if self.status == Status::Closed {
            return Err(refused("add to the chronology", "the concern is closed; reopen it first"));
        }
        if text.trim().is_empty() {
            return Err(CaseError::Invalid("the entry has no text".into()));
        }
        if let Some(problem) = limits::over_bytes(text.trim(), ENTRY_BYTES) {
            return Err(CaseError::Invalid(format!("the entry: {problem}")));
        }
        if at > now + chrono::Duration::minutes(5) {
            return Err(CaseError::Invalid("an entry cannot be dated in the future".into()));
        }
        Ok(self.append(kind, at, now, author, text.trim().to_string(), None))
    }

    /// Links subject `index` to a person record with their part in the
    /// concern (issue 12), or re-points it when records are merged. The
    /// concern as reported stays as it was but for the link, and the
    /// chronology says who linked whom (S-a). Allowed on a closed concern:
    /// its child's history must find it.
    pub fn link_subject(
        &mut self,
        index: usize,
        person: PersonId,
        part: Part,
        person_name: &str,
        author: &Author,
        now: NaiveDateTime,
    ) -> Result<(), CaseError> {
        let count = self.concern.subjects.len();
        let subject = self.concern.subjects.get_mut(index).ok_or_else(|| {
            CaseError::Invalid(format!("the concern has {count} subject(s); there is no number {}", index + 1))
        })?;
        if subject.person == Some(person) && subject.part == part {
            return Ok(());
        }
        let label = super::person::person_label(person);
        let text = match subject.person {
            Some(before) if before != person => format!(
                "{} ({}) is now {label}, {person_name}, instead of {}",
                subject.name,
                part.label(),
                super::person::person_label(before)
            ),
            _ => format!("{} linked to {label}, {person_name}, as {}", subject.name, part.label()),
        };
        subject.person = Some(person);
        subject.part = part;
        self.append(EntryKind::People, now, now, author, text, None);
        Ok(())
    }

    /// Says in the chronology what happened to a device (issue 13): casebook
    /// writes this entry itself. `text` begins with [`custody_entry_prefix`].
    pub fn note_custody(
        &mut self,
        at: NaiveDateTime,
        text: &str,
        author: &Author,
        now: NaiveDateTime,
    ) -> Result<u32, CaseError> {
        if self.status == Status::Closed {
            return Err(refused("record a device's custody", "the concern is closed; reopen it first"));
        }
        Ok(self.append(EntryKind::Custody, at, now, author, text.to_string(), None))
    }

    /// Says in the chronology that a referral or search was recorded on the
    /// concern (issue 13): casebook writes this entry itself; `text` begins
    /// with the record's label ("R-0003: ").
    pub fn note_record(
        &mut self,
        at: NaiveDateTime,
        text: &str,
        author: &Author,
        now: NaiveDateTime,
    ) -> Result<u32, CaseError> {
        if self.status == Status::Closed {
            return Err(refused("record it", "the concern is closed; reopen it first"));
        }
        Ok(self.append(EntryKind::Record, at, now, author, text.to_string(), None))
    }

    /// The referrals and searches the chronology names: ("R" or "SR", id).
    pub fn records_named(&self) -> Vec<(&'static str, u32)> {
        self.chronology
            .iter()
            .filter(|e| e.kind == EntryKind::Record)
            .filter_map(|e| {
                let (label, _) = e.text.split_once(':')?;
                let (prefix, digits) = label.split_once('-')?;
                let prefix = match prefix {
                    "R" => "R",
                    "SR" => "SR",
                    _ => return None,
                };
                Some((prefix, digits.parse().ok()?))
            })
            .collect()
    }

    /// The custody events the chronology names: (device id, event number).
    pub fn custody_events(&self) -> Vec<(u32, u32)> {
        self.chronology
            .iter()
            .filter(|e| e.kind == EntryKind::Custody)
            .filter_map(|e| parse_custody_entry(&e.text))
            .collect()
    }

    /// Says in the chronology that a file was attached (issue 13): casebook
    /// writes this entry itself, as it does a triage's.
    pub fn note_attachment(&mut self, text: &str, author: &Author, now: NaiveDateTime) -> Result<u32, CaseError> {
        if self.status == Status::Closed {
            return Err(refused("attach a file", "the concern is closed; reopen it first"));
        }
        Ok(self.append(EntryKind::Attachment, now, now, author, text.to_string(), None))
    }

    /// Corrects an entry by superseding it; the original stays (S-c).
    pub fn correct_entry(
        &mut self,
        seq: u32,
        text: &str,
        author: &Author,
        now: NaiveDateTime,
    ) -> Result<u32, CaseError> {
        let original = self.chronology.iter().find(|e| e.seq == seq).ok_or(CaseError::NoSuchEntry(seq))?;
        if !EntryKind::MANUAL.contains(&original.kind) && original.kind != EntryKind::Correction {
            return Err(refused("correct this entry", "casebook's own entries are corrected by a new decision"));
        }
        if self.is_superseded(seq) {
            return Err(refused("correct this entry", "it has already been corrected; correct the latest version"));
        }
        if text.trim().is_empty() {
            return Err(CaseError::Invalid("the correction has no text".into()));
        }
        if let Some(problem) = limits::over_bytes(text.trim(), ENTRY_BYTES) {
            return Err(CaseError::Invalid(format!("the correction: {problem}")));
        }
        let at = original.at;
        Ok(self.append(EntryKind::Correction, at, now, author, text.trim().to_string(), Some(seq)))
    }

    pub fn is_superseded(&self, seq: u32) -> bool {
        self.chronology.iter().any(|e| e.supersedes == Some(seq))
    }

    /// Whether the lifecycle allows `to` from the current status, and if
    /// not, why not, in words a DSL understands.
    pub fn check_transition(&self, to: Status, catalogue: &Catalogue) -> Result<(), CaseError> {
        use Status::*;
        let action = match to {
            Closed => "close",
            InProgress if matches!(self.status, Closed | AwaitingDebrief) => "reopen",
            _ => "change status",
        };
        let action = format!("{action} {}", self.concern.reference);
        let no = |reason: &str| Err(refused(&action, reason));
        if to == self.status {
            return no(&format!("it is already {}", to.label()));
        }
        match (self.status, to) {
            (_, New) => no("a concern never returns to new"),
            (New, _) => no("triage it first: record risk, pathway and reasoning"),
            (_, Triaged) => no("record a new triage decision instead"),
            (Triaged, InProgress) => Ok(()),
            (Triaged, Closed) => {
                let nfa = self
                    .current_triage()
                    .and_then(|t| catalogue.pathway(&t.pathway))
                    .is_some_and(|p| p.closes_without_investigation);
                if nfa {
                    Ok(())
                } else {
                    no("it has not been investigated; start it, or triage it as no further action")
                }
            }
            (Triaged, AwaitingDebrief) => no("start the investigation first"),
            (InProgress, AwaitingDebrief) => Ok(()),
            // Policy §9 (P9-c): after an investigation, leadership debriefs,
            // and the recorded debrief is what closes the concern
            // (`close_by_debrief`). A status change alone never does.
            (InProgress | AwaitingDebrief, Closed) => no(DEBRIEF_CLOSES),
            (AwaitingDebrief, InProgress) => Ok(()),
            (Closed, InProgress) => Ok(()),
            (Closed, AwaitingDebrief) => no("reopen it first"),
            (InProgress | AwaitingDebrief, _) | (Closed, _) => no("that change is not part of the lifecycle"),
        }
    }

    /// Moves the case along its lifecycle and records why in the chronology.
    pub fn transition(
        &mut self,
        to: Status,
        reason: &str,
        author: &Author,
        now: NaiveDateTime,
        catalogue: &Catalogue,
    ) -> Result<(), CaseError> {
        self.check_transition(to, catalogue)?;
        if reason.trim().is_empty() {
            return Err(refused(
                &format!("change the status of {}", self.concern.reference),
                "give a reason; it goes in the chronology",
            ));
        }
        if let Some(problem) = limits::over_bytes(reason.trim(), ENTRY_BYTES) {
            return Err(refused(
                &format!("change the status of {}", self.concern.reference),
                format!("the reason: {problem}"),
            ));
        }
        let from = self.status;
        let text = format!("Status: {} → {}. {}", from.label(), to.label(), reason.trim());
        self.append(EntryKind::StatusChange, now, now, author, text, None);
        self.status = to;
        Ok(())
    }

    /// P9-c: a recorded debrief closes the concern it links, if the
    /// concern awaits one. The only way an investigated concern closes,
    /// besides the DSL's recorded decision ([`CaseFile::close_without_debrief`]).
    pub fn close_by_debrief(&mut self, debrief: &str, author: &Author, now: NaiveDateTime) -> Result<(), CaseError> {
        if self.status != Status::AwaitingDebrief {
            return Err(refused(
                &format!("close {} by a debrief", self.concern.reference),
                format!("it is {}, not awaiting debrief", self.status.label()),
            ));
        }
        let text = format!(
            "Status: {} → {}. Debrief {} recorded (P9-c).",
            Status::AwaitingDebrief.label(),
            Status::Closed.label(),
            debrief.trim()
        );
        self.append(EntryKind::StatusChange, now, now, author, text, None);
        self.status = Status::Closed;
        Ok(())
    }

    /// Whether an investigated concern may be closed without a debrief
    /// (P9-c), and if not, why not. Only the DSL may make that decision;
    /// the store checks the role.
    pub fn check_close_without_debrief(&self) -> Result<(), CaseError> {
        let action = format!("close {} without a debrief", self.concern.reference);
        match self.status {
            Status::InProgress | Status::AwaitingDebrief => Ok(()),
            Status::Closed => Err(refused(&action, "it is already closed")),
            Status::New => Err(refused(&action, "triage it first: record risk, pathway and reasoning")),
            Status::Triaged => {
                Err(refused(&action, "it has not been investigated; start it, or triage it as no further action"))
            }
        }
    }

    /// P9-c: the DSL's explicit, reasoned decision that an investigated
    /// concern needs no debrief. It is recorded as its own chronology entry
    /// (not a status change with free text), closes the concern, and is
    /// counted on leadership's dashboard ([`CaseFile::closed_without_debrief`]).
    pub fn close_without_debrief(
        &mut self,
        reason: &str,
        author: &Author,
        now: NaiveDateTime,
    ) -> Result<(), CaseError> {
        self.check_close_without_debrief()?;
        if reason.trim().is_empty() {
            return Err(refused(
                &format!("close {} without a debrief", self.concern.reference),
                "give the reason no debrief is needed; it goes in the chronology",
            ));
        }
        let text = format!(
            "Status: {} → {} without a debrief. The DSL decided no debrief is needed (P9-c): {}",
            self.status.label(),
            Status::Closed.label(),
            reason.trim()
        );
        self.append(EntryKind::ClosedWithoutDebrief, now, now, author, text, None);
        self.status = Status::Closed;
        Ok(())
    }

    /// Closed by the DSL's decision that no debrief was needed, rather than
    /// by a debrief or a triage of no further action (and not reopened
    /// since): what leadership's figures count.
    pub fn closed_without_debrief(&self) -> bool {
        self.status == Status::Closed
            && self
                .chronology
                .iter()
                .rev()
                .find(|e| matches!(e.kind, EntryKind::StatusChange | EntryKind::ClosedWithoutDebrief))
                .is_some_and(|e| e.kind == EntryKind::ClosedWithoutDebrief)
    }

    pub fn last_activity(&self) -> NaiveDateTime {
        self.chronology.iter().map(|e| e.recorded_at).max().unwrap_or(self.concern.reported_at)
    }

    /// Every piece of text in the case, for search (issue 4) and leak tests.
    pub fn searchable_text(&self) -> String {
        let c = &self.concern;
        let mut out = format!("{} {} {} {} {}", c.reference, c.category, c.location, c.description, c.immediate_action);
        for s in &c.subjects {
            out.push(' ');
            out.push_str(&s.summary());
        }
        for t in &self.triage {
            out.push(' ');
            out.push_str(&t.reasoning);
        }
        for e in &self.chronology {
            out.push(' ');
            out.push_str(&e.text);
        }
        out
    }
}

/// "DV-0001 event 2: ": how a custody entry in a concern's chronology
/// begins (event 1 is the confiscation).
pub fn custody_entry_prefix(device: u32, event: u32) -> String {
    format!("DV-{device:04} event {event}: ")
}

/// The device and event a custody entry names, from its prefix.
pub fn parse_custody_entry(text: &str) -> Option<(u32, u32)> {
    let rest = text.strip_prefix("DV-")?;
    let (device, rest) = rest.split_once(" event ")?;
    let (event, _) = rest.split_once(':')?;
    Some((device.parse().ok()?, event.parse().ok()?))
}
#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 10).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }
    fn dsl() -> Author {
        Author { member: 1, name: "Ms Example DSL".into() }
    }
    fn case(category: &str) -> CaseFile {
        CaseFile::open(Concern {
            reference: "C-2026-0001".into(),
            occurred_at: at(9),
            reported_at: at(10),
            reported_by: "Mr Reporter, Year 5 teacher".into(),
            recorded_by: Author { member: 3, name: "Mr Reporter".into() },
            subjects: vec![Subject::named(SubjectKind::Child, "Pupil Zed", "Year 5")],
            category: category.into(),
            location: "toilets".into(),
            devices: vec!["mobile-phone".into()],
            description: "Seen filming in the toilets.".into(),
            immediate_action: "Phone taken to the office.".into(),
            source: Source::StaffReport,
        })
    }
    fn triage(pathway: &str, urgency: Urgency) -> Triage {
        Triage {
            risk: Risk::Medium,
            urgency,
            pathway: pathway.into(),
            linked_policy: "behaviour".into(),
            assignee: Some(Author { member: 2, name: "Deputy Dee".into() }),
            next_review: NaiveDate::from_ymd_opt(2026, 3, 17),
            reasoning: "Filming in a restricted area (P3-a).".into(),
            decided_by: dsl(),
            decided_at: at(11),
        }
    }

    #[test]
    fn opening_writes_the_first_chronology_entry() {
        let c = case("restricted-area");
        assert_eq!(c.status, Status::New);
        assert_eq!(c.chronology.len(), 1);
        assert_eq!(c.chronology[0].kind, EntryKind::Reported);
    }

    #[test]
    fn full_lifecycle_is_recorded_in_the_chronology() {
        let cat = Catalogue::seed();
        let mut c = case("restricted-area");
        c.record_triage(triage("behaviour-sanctions", Urgency::Routine), &cat).unwrap();
        assert_eq!(c.status, Status::Triaged);
        c.transition(Status::InProgress, "Meeting with parents booked.", &dsl(), at(12), &cat).unwrap();
        c.transition(Status::AwaitingDebrief, "Sanction applied.", &dsl(), at(13), &cat).unwrap();
        c.close_by_debrief("D-2026-0001", &dsl(), at(14)).unwrap();
        let changes = c.chronology.iter().filter(|e| e.kind == EntryKind::StatusChange).count();
        assert_eq!(changes, 4, "new→triaged, →in progress, →awaiting debrief, →closed");
        assert!(!c.closed_without_debrief());
        c.transition(Status::InProgress, "New evidence from a parent.", &dsl(), at(15), &cat).unwrap();
        assert_eq!(c.status, Status::InProgress);
    }

    #[test]
    fn an_escalation_makes_it_urgent_without_a_triage_decision_until_the_next_triage() {
        // P6.1-f: a search that revealed a risk; S-c: nobody's decision is invented.
        let cat = Catalogue::seed();
        let deputy = Author { member: 2, name: "Deputy Dee".into() };
        let mut c = case("restricted-area");
        assert_eq!(c.urgency(&cat), Urgency::Routine);
        c.escalate(at(12), "SR-0001 revealed a safeguarding risk (P6.1-f).", &deputy, at(12)).unwrap();
        assert_eq!(c.urgency(&cat), Urgency::Urgent, "untriaged, urgent all the same");
        assert!(c.triage.is_empty(), "no triage decision was made");
        assert_eq!(c.status, Status::New, "it still needs triage");
        let entry = c.chronology.last().unwrap();
        assert_eq!((entry.kind, entry.author.name.as_str()), (EntryKind::Escalation, "Deputy Dee"));
        // The DSL's triage after it decides again.
        c.record_triage(triage("behaviour-sanctions", Urgency::Routine), &cat).unwrap();
        assert_eq!(c.urgency(&cat), Urgency::Routine);
        c.escalate(at(13), "SR-0002 revealed a safeguarding risk (P6.1-f).", &deputy, at(13)).unwrap();
        assert_eq!(c.urgency(&cat), Urgency::Urgent);
        assert_eq!(c.triage.len(), 1, "still the DSL's one decision");
        assert_eq!(c.triage[0].urgency, Urgency::Routine);
    }

    #[test]
    fn untriaged_concern_cannot_close() {
        let cat = Catalogue::seed();
        let c = case("restricted-area");
        let err = c.check_transition(Status::Closed, &cat).unwrap_err();
        assert_eq!(err.to_string(), "cannot close C-2026-0001: triage it first: record risk, pathway and reasoning");
    }

    #[test]
    fn triaged_concern_closes_only_as_no_further_action() {
        let cat = Catalogue::seed();
        let mut c = case("restricted-area");
        c.record_triage(triage("behaviour-sanctions", Urgency::Routine), &cat).unwrap();
        assert!(
            c.check_transition(Status::Closed, &cat).unwrap_err().to_string().contains("has not been investigated")
        );
        c.record_triage(triage("no-further-action", Urgency::Routine), &cat).unwrap();
        c.check_transition(Status::Closed, &cat).unwrap();
    }

    #[test]
    fn transition_needs_a_reason() {
        let cat = Catalogue::seed();
        let mut c = case("restricted-area");
        c.record_triage(triage("behaviour-sanctions", Urgency::Routine), &cat).unwrap();
        assert!(c.transition(Status::InProgress, "  ", &dsl(), at(12), &cat).is_err());
        assert_eq!(c.status, Status::Triaged);
    }

    #[test]
    fn triage_without_reasoning_is_refused() {
        let cat = Catalogue::seed();
        let mut c = case("restricted-area");
        let mut t = triage("no-further-action", Urgency::Routine);
        t.reasoning = String::new();
        assert!(c.record_triage(t, &cat).unwrap_err().to_string().contains("reasoning"));
        assert!(c.triage.is_empty());
    }

    #[test]
    fn indecent_image_is_urgent_before_and_after_triage() {
        // P6.1-c: refer urgently; a routine triage cannot downgrade it.
        let cat = Catalogue::seed();
        let mut c = case("indecent-image");
        assert_eq!(c.urgency(&cat), Urgency::Urgent);
        c.record_triage(triage("child-protection", Urgency::Routine), &cat).unwrap();
        assert_eq!(c.urgency(&cat), Urgency::Urgent);
    }

    #[test]
    fn corrections_supersede_and_keep_the_original() {
        let cat = Catalogue::seed();
        let mut c = case("restricted-area");
        c.record_triage(triage("behaviour-sanctions", Urgency::Routine), &cat).unwrap();
        let seq = c.add_entry(EntryKind::PhoneCall, at(12), "Called mum at 12:00.", &dsl(), at(12)).unwrap();
        let fix = c.correct_entry(seq, "Called dad at 12:00.", &dsl(), at(13)).unwrap();
        assert!(c.is_superseded(seq));
        assert_eq!(c.chronology.iter().find(|e| e.seq == seq).unwrap().text, "Called mum at 12:00.");
        assert_eq!(c.chronology.iter().find(|e| e.seq == fix).unwrap().supersedes, Some(seq));
        assert!(c.correct_entry(seq, "again", &dsl(), at(14)).is_err(), "correct the latest version");
        assert!(c.correct_entry(1, "rewrite history", &dsl(), at(14)).is_err(), "system entries are not corrected");
    }

    #[test]
    fn an_investigated_concern_is_debriefed_before_it_closes() {
        let cat = Catalogue::seed();
        let mut c = case("restricted-area");
        c.record_triage(triage("behaviour-sanctions", Urgency::Routine), &cat).unwrap();
        c.transition(Status::InProgress, "Started.", &dsl(), at(12), &cat).unwrap();
        let err = c.check_transition(Status::Closed, &cat).unwrap_err().to_string();
        assert_eq!(err, "cannot close C-2026-0001: an investigated concern closes when its debrief is recorded (P9-c)");
        // Issue 8 item 3: moving it to awaiting debrief first is no way round.
        c.transition(Status::AwaitingDebrief, "Done.", &dsl(), at(13), &cat).unwrap();
        let err = c.transition(Status::Closed, "close", &dsl(), at(14), &cat).unwrap_err().to_string();
        assert_eq!(err, "cannot close C-2026-0001: an investigated concern closes when its debrief is recorded (P9-c)");
        assert_eq!(c.status, Status::AwaitingDebrief);
        // The recorded debrief closes it.
        c.close_by_debrief("D-2026-0003", &dsl(), at(15)).unwrap();
        assert_eq!(c.status, Status::Closed);
        assert_eq!(
            c.chronology.last().unwrap().text,
            "Status: awaiting debrief → closed. Debrief D-2026-0003 recorded (P9-c)."
        );
        assert!(c.close_by_debrief("D-2026-0004", &dsl(), at(16)).is_err(), "only a concern awaiting one");
    }

    #[test]
    fn the_dsl_may_record_that_no_debrief_is_needed_with_a_reason() {
        let cat = Catalogue::seed();
        let mut c = case("restricted-area");
        assert!(c.close_without_debrief("x", &dsl(), at(11)).unwrap_err().to_string().contains("triage it first"));
        c.record_triage(triage("behaviour-sanctions", Urgency::Routine), &cat).unwrap();
        let err = c.close_without_debrief("x", &dsl(), at(11)).unwrap_err().to_string();
        assert!(err.contains("has not been investigated"), "{err}");
        c.transition(Status::InProgress, "Started.", &dsl(), at(12), &cat).unwrap();
        let err = c.close_without_debrief("  ", &dsl(), at(13)).unwrap_err().to_string();
        assert!(err.contains("give the reason no debrief is needed"), "{err}");
        assert_eq!(c.status, Status::InProgress, "a refusal changes nothing");
        c.close_without_debrief(" A one-off breach; nothing for the school to learn. ", &dsl(), at(13)).unwrap();
        assert_eq!(c.status, Status::Closed);
        let last = c.chronology.last().unwrap();
        assert_eq!(last.kind, EntryKind::ClosedWithoutDebrief, "its own kind of entry, not a status note");
        assert_eq!(
            last.text,
            "Status: in progress → closed without a debrief. The DSL decided no debrief is needed (P9-c): \
             A one-off breach; nothing for the school to learn."
        );
        assert!(c.closed_without_debrief());
        // Reopened, it no longer counts; closed by a debrief later, neither.
        c.transition(Status::InProgress, "New evidence.", &dsl(), at(14), &cat).unwrap();
        assert!(!c.closed_without_debrief());
        c.transition(Status::AwaitingDebrief, "Done.", &dsl(), at(15), &cat).unwrap();
        c.close_by_debrief("D-2026-0001", &dsl(), at(16)).unwrap();
        assert!(!c.closed_without_debrief());
        // A concern closed as no further action at triage is not counted.
        let mut nfa = case("restricted-area");
        nfa.record_triage(triage("no-further-action", Urgency::Routine), &cat).unwrap();
        nfa.transition(Status::Closed, "NFA", &dsl(), at(12), &cat).unwrap();
        assert!(!nfa.closed_without_debrief());
    }

    #[test]
    fn closed_concern_takes_no_entries_until_reopened() {
        let cat = Catalogue::seed();
        let mut c = case("restricted-area");
        c.record_triage(triage("no-further-action", Urgency::Routine), &cat).unwrap();
        c.transition(Status::Closed, "NFA", &dsl(), at(12), &cat).unwrap();
        assert!(c.add_entry(EntryKind::Note, at(13), "late note", &dsl(), at(13)).is_err());
        assert!(c.check_transition(Status::AwaitingDebrief, &cat).unwrap_err().to_string().contains("reopen"));
    }

    #[test]
    fn future_entries_and_system_kinds_are_refused() {
        let cat = Catalogue::seed();
        let mut c = case("restricted-area");
        c.record_triage(triage("behaviour-sanctions", Urgency::Routine), &cat).unwrap();
        assert!(c.add_entry(EntryKind::Note, at(20), "x", &dsl(), at(12)).is_err());
        assert!(c.add_entry(EntryKind::StatusChange, at(12), "x", &dsl(), at(12)).is_err());
    }

    #[test]
    fn every_text_has_a_size_limit() {
        // Issue 8 item 6, PRODUCT.md principle 7e.
        let cat = Catalogue::seed();
        let mut n = NewConcern {
            occurred_at: at(9),
            reported_by: "r".repeat(NAME_CHARS + 1),
            subjects: vec![Subject::named(SubjectKind::Child, "n".repeat(NAME_CHARS + 1), String::new())],
            category: "restricted-area".into(),
            location: "toilets".into(),
            devices: vec!["mobile-phone".into(); 51],
            description: "d".repeat(DESCRIPTION_BYTES + 1),
            immediate_action: "a".repeat(DESCRIPTION_BYTES + 1),
            source: Source::StaffReport,
        };
        let errors = n.validate(&cat, at(10));
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["subjects", "devices", "reported_by", "description", "immediate_action"]);
        assert_eq!(errors[0].message, "a name: 201 characters is over the limit of 200; shorten it");
        let description = errors.iter().find(|e| e.field == "description").unwrap().to_string();
        assert_eq!(description, "description: 64.1 KiB is over the limit of 64 KiB; shorten it");
        n.reported_by.clear();
        n.subjects[0].name = "Pupil Zed".into();
        n.devices.truncate(1);
        n.description = "d".repeat(DESCRIPTION_BYTES);
        n.immediate_action.clear();
        assert!(n.validate(&cat, at(10)).is_empty(), "exactly at the limit is fine");

        let mut c = case("restricted-area");
        let mut t = triage("behaviour-sanctions", Urgency::Routine);
        t.reasoning = "r".repeat(ENTRY_BYTES + 1);
        assert!(c.record_triage(t, &cat).unwrap_err().to_string().contains("over the limit of 16 KiB"));
        c.record_triage(triage("behaviour-sanctions", Urgency::Routine), &cat).unwrap();
        let long = "e".repeat(ENTRY_BYTES + 1);
        assert!(
            c.add_entry(EntryKind::Note, at(12), &long, &dsl(), at(12)).unwrap_err().to_string().contains("16 KiB")
        );
        let seq = c.add_entry(EntryKind::Note, at(12), "short", &dsl(), at(12)).unwrap();
        assert!(c.correct_entry(seq, &long, &dsl(), at(13)).unwrap_err().to_string().contains("16 KiB"));
        assert!(
            c.transition(Status::InProgress, &long, &dsl(), at(13), &cat).unwrap_err().to_string().contains("16 KiB")
        );
        assert_eq!(c.status, Status::Triaged);
    }

    #[test]
    fn a_review_date_in_the_past_is_refused() {
        // Issue 8 item 4: triage with --review 1999-01-01 was kept forever.
        let cat = Catalogue::seed();
        let mut c = case("restricted-area");
        let mut t = triage("behaviour-sanctions", Urgency::Routine);
        t.next_review = NaiveDate::from_ymd_opt(1999, 1, 1);
        let err = c.record_triage(t, &cat).unwrap_err().to_string();
        assert_eq!(err, "cannot triage: the review date 1999-01-01 is in the past; choose today (2026-03-10) or later");
        assert!(c.triage.is_empty() && c.chronology.len() == 1, "nothing recorded");
        let mut t = triage("behaviour-sanctions", Urgency::Routine);
        t.next_review = Some(at(11).date());
        c.record_triage(t, &cat).unwrap();
    }

    #[test]
    fn references_are_read_as_people_type_them() {
        let q = |t: &str| ReferenceQuery::parse(t);
        let full = ReferenceQuery { year: Some(2026), number: 1 };
        for text in ["C-2026-0001", "c-2026-0001", "C-2026-1", "2026-0001", "2026-1", " C2026-01 "] {
            assert_eq!(q(text), Some(full), "{text}");
        }
        assert_eq!(q("1"), Some(ReferenceQuery { year: None, number: 1 }));
        assert_eq!(q("0001"), Some(ReferenceQuery { year: None, number: 1 }));
        for bad in ["", "C-", "0", "C-2026-0", "D-2026-0001", "26-1", "C-2026-x", "one", "C-2026-0001-2"] {
            assert_eq!(q(bad), None, "{bad}");
        }
        assert!(full.matches("C-2026-0001"));
        assert!(!full.matches("C-2025-0001"));
        assert!(q("1").unwrap().matches("C-2025-0001"));
        assert!(!q("1").unwrap().matches("C-2025-0010"));
        assert!(q("12345").unwrap().matches("C-2026-12345"), "past 9999");
        assert_eq!(full.describe(), "C-2026-0001");
        assert_eq!(q("7").unwrap().describe(), "numbered 7");
    }

    #[test]
    fn new_concern_validation_names_each_field() {
        let cat = Catalogue::seed();
        let n = NewConcern {
            occurred_at: at(9),
            reported_by: String::new(),
            subjects: vec![],
            category: "nope".into(),
            location: "toilets".into(),
            devices: vec!["pager".into()],
            description: " ".into(),
            immediate_action: String::new(),
            source: Source::StaffReport,
        };
        let fields: Vec<&str> = n.validate(&cat, at(10)).iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["subjects", "category", "devices", "description"]);
    }
}
