//! Pure types and rules of the school's safeguarding world. No I/O, and no
//! ratatui or crossterm: the CLI, the TUI and any future server share these.

pub mod catalogue;
pub mod concern;
pub mod debrief;
pub mod fold;
pub mod limits;
pub mod member;
pub mod report;
pub mod summary;
pub mod when;

pub use catalogue::Catalogue;
pub use concern::{
    Author, CaseError, CaseFile, ChronologyEntry, Concern, EntryKind, FieldError, NewConcern, ReferenceQuery, Risk,
    Source, Status, Subject, SubjectKind, Triage, Urgency,
};
pub use debrief::{
    Action, ActionCounts, ActionFilter, ActionId, ActionKind, ActionStatus, AwaitingDebrief, CategoryCount,
    ConcernLink, Dashboard, Debrief, DebriefId, Figures, Lesson, NewAction, NewDebrief, PolicyId, PolicyStatus, Review,
    ReviewTrigger, StatusChange, Term, TrackedPolicy, TriggerKind,
};
pub use member::{AccessClass, Member, MemberId, Role};
pub use summary::CaseSummary;
