//! Fictional records the domain's unit tests share: a debrief with two
//! lessons, an action from it, the seed policy and a board row. Fictional
//! names only.

use chrono::{NaiveDate, NaiveDateTime};

use super::summary::CaseSummary;
use super::{
    Action, ActionKind, Author, Catalogue, ConcernLink, Debrief, Lesson, Status, SubjectKind, TrackedPolicy, Urgency,
};

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn at(y: i32, m: u32, day: u32, h: u32) -> NaiveDateTime {
    d(y, m, day).and_hms_opt(h, 0, 0).unwrap()
}

pub fn dsl() -> Author {
    Author { member: 1, name: "Ms Fictional Lead".into() }
}

pub fn owner() -> Author {
    Author { member: 3, name: "Dr Imaginary Governor".into() }
}

pub fn debrief() -> Debrief {
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

pub fn action(due: NaiveDate) -> Action {
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

pub fn seed_policy() -> TrackedPolicy {
    TrackedPolicy::from_catalogue(1, &Catalogue::seed().policy)
}

pub fn row(category: &str, status: Status) -> CaseSummary {
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
        people: Vec::new(),
        pathway: None,
    }
}
