//! The policy's own review cycle (P8-a): each tracked policy with its
//! review interval, the triggers that ask for a review before the calendar
//! does, and its reviews. Records are history (S-c): a review is appended
//! to the policy's review log, and its original "written" date stays. Pure
//! types and rules, no I/O.

use chrono::{Months, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::action::ActionId;
use super::catalogue::PolicyInfo;
use super::concern::{Author, CaseError, refused};
use super::limits::{self, NAME_CHARS, NOTE_BYTES};

pub type PolicyId = u32;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{at, d, dsl, seed_policy};
    use crate::domain::{ActionKind, ActionStatus};

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
}
