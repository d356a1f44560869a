//! Pure types and rules of the school's safeguarding world. No I/O, and no
//! ratatui or crossterm: the CLI, the TUI and any future server share these.

pub mod action;
pub mod calendar;
pub mod catalogue;
pub mod concern;
pub mod custody;
pub mod dashboard;
pub mod debrief;
pub mod figures;
pub mod fold;
pub mod limits;
pub mod member;
pub mod mis;
pub mod names;
pub mod person;
pub mod policy;
pub mod referral;
pub mod register;
pub mod report;
pub mod restricted;
pub mod retention;
pub mod searches;
pub mod summary;
pub mod today;
pub mod when;

#[cfg(test)]
mod fixtures;

pub use action::{Action, ActionCounts, ActionFilter, ActionId, ActionKind, ActionStatus, NewAction, StatusChange};
pub use calendar::{Calendar, CalendarError};
pub use catalogue::Catalogue;
pub use concern::{
    Author, CaseError, CaseFile, ChronologyEntry, Concern, EntryKind, FieldError, NewConcern, ReferenceQuery, Risk,
    Source, Status, Subject, SubjectKind, Triage, Urgency,
};
pub use custody::{Custody, CustodyEvent, CustodyId, CustodyMove, NewCustody, NewCustodyEvent, Whereabouts};
pub use dashboard::{Dashboard, Term};
pub use debrief::{AwaitingDebrief, ConcernLink, Debrief, DebriefId, Lesson, NewDebrief};
pub use figures::{CategoryCount, Figures};
pub use member::{AccessClass, Member, MemberId, Role};
pub use person::{Part, Person, PersonId, PersonSummary, RollEntry};
pub use policy::{PolicyId, PolicyStatus, Review, ReviewTrigger, TrackedPolicy, TriggerKind};
pub use referral::{Deadline, DeadlineKind, NewReferral, Referral, ReferralId, ReferralKind, Standing};
pub use summary::CaseSummary;
