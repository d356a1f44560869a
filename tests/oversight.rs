//! Issue 5: debriefs (P9-c), lessons-learned actions (P9-d), policy review
//! (P8-a) and leadership's access, enforced by encryption (P9-e).
//!
//! Two layers: the store's API over a real temp store with fixed dates,
//! and the real binary end to end (dates relative to nothing in the
//! lifecycle rules; the seed policy's June 2025 due date is fixed), with
//! Debian's `age` tool opening raw records.

mod common;
use common::*;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use age::x25519::Identity;
use casebook::domain::{
    ActionKind, ActionStatus, NewAction, NewConcern, NewDebrief, Risk, Source, Status, Subject, SubjectKind,
    TriggerKind, Urgency,
};
use casebook::store::oversight::ReviewInput;
use casebook::store::{Session, Store, StoreError, TriageInput};
use chrono::{NaiveDate, NaiveDateTime};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}
fn t(day: u32, h: u32) -> NaiveDateTime {
    d(2026, 3, day).and_hms_opt(h, 0, 0).unwrap()
}

// ---- the store's API, fixed dates ------------------------------------------

/// A store with a DSL (#1), a deputy (#2), two leadership members (#3, #4)
/// and a reporter (#5), opened one member at a time as separate runs are.
struct Lib {
    _dir: tempfile::TempDir,
    path: PathBuf,
    dsl: Identity,
    deputy: Identity,
    lead: Identity,
    lead2: Identity,
    reporter: Identity,
}

const LEAD: u32 = 3;
const REPORTER: u32 = 5;

impl Lib {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let dsl = Identity::generate();
        let store = Store::create(&path, "Fictional Primary", "Ms Dee Ess-Ell", &dsl.to_public().to_string()).unwrap();
        let mut s = store.unlock(dsl.clone()).unwrap();
        let mut add = |name: &str, role| {
            let id = Identity::generate();
            s.add_member(name, role, &id.to_public().to_string()).unwrap();
            id
        };
        use casebook::domain::Role;
        let deputy = add("Mr Deputy Dunn", Role::Deputy);
        let lead = add("Dr Lead Ership", Role::Leadership);
        let lead2 = add("Mrs Gov Ernor", Role::Leadership);
        let reporter = add("Miss Rep Orter", Role::Reporter);
        drop(s);
        Lib { _dir: dir, path, dsl, deputy, lead, lead2, reporter }
    }

    fn open(&self, who: &Identity) -> Session {
        Store::open(&self.path).unwrap().unlock(who.clone()).unwrap()
    }
}

/// Records a concern and takes it to `to` (awaiting debrief or in progress).
fn concern(s: &mut Session, subject: &str, to: Status) -> (u32, String) {
    let r = s
        .record_concern(
            NewConcern {
                occurred_at: t(2, 9),
                reported_by: String::new(),
                subjects: vec![Subject::named(SubjectKind::Child, subject, "Year 5")],
                category: "restricted-area".into(),
                location: "toilets".into(),
                devices: vec!["mobile-phone".into()],
                description: "Filming in the toilets.".into(),
                immediate_action: "Phone to the office.".into(),
                source: Source::StaffReport,
            },
            t(2, 10),
        )
        .unwrap();
    s.triage(
        r.id,
        TriageInput {
            risk: Risk::Medium,
            urgency: Urgency::Routine,
            pathway: "behaviour-sanctions".into(),
            linked_policy: "behaviour".into(),
            assignee: None,
            next_review: None,
            reasoning: "Restricted area (P3-a).".into(),
        },
        t(2, 11),
    )
    .unwrap();
    s.transition(r.id, Status::InProgress, "Investigation started.", t(3, 9)).unwrap();
    if to == Status::AwaitingDebrief {
        s.transition(r.id, Status::AwaitingDebrief, "Investigation complete.", t(4, 9)).unwrap();
    }
    (r.id, r.reference)
}

fn new_debrief(concerns: &[&str]) -> NewDebrief {
    NewDebrief {
        concerns: concerns.iter().map(|c| c.to_string()).collect(),
        held_on: d(2026, 3, 20),
        attendees: vec![1, LEAD],
        other_attendees: vec!["Ms Outside Adviser, LA".into()],
        summary: "A phone was used to film in a restricted area.".into(),
        what_worked: "Confiscation within minutes.".into(),
        what_did_not: "Nobody supervised the toilets at lunch.".into(),
        lessons: vec!["Supervise the toilets at lunch.".into(), "Remind staff of P3-a.".into()],
        changes_needed: "Name the lunchtime rota in the policy.".into(),
    }
}

fn forbidden(e: StoreError) -> String {
    assert!(matches!(e, StoreError::Forbidden { .. }), "expected a refusal, got {e}");
    e.to_string()
}

#[test]
fn a_debrief_closes_the_concerns_awaiting_it_and_says_so_in_their_chronology() {
    let lib = Lib::new();
    let mut s = lib.open(&lib.dsl);
    let (waiting, waiting_ref) = concern(&mut s, "Pupil Fictional One", Status::AwaitingDebrief);
    let (open, open_ref) = concern(&mut s, "Pupil Fictional Two", Status::InProgress);
    let awaiting = s.awaiting_debrief().unwrap();
    assert_eq!(awaiting.len(), 1);
    assert_eq!((awaiting[0].reference.as_str(), awaiting[0].since), (waiting_ref.as_str(), t(4, 9)));
    assert_eq!(awaiting[0].days_waiting(t(20, 9)), 16);

    let recorded = s.record_debrief(new_debrief(&[&waiting_ref, &open_ref.to_lowercase()]), t(20, 15)).unwrap();
    let db = &recorded.debrief;
    assert_eq!(db.reference, "D-2026-0001");
    assert_eq!(recorded.closed, vec![waiting_ref.clone()], "only the concern awaiting a debrief moves on");
    assert_eq!(db.concern_references(), format!("{waiting_ref}, {open_ref}"));
    assert_eq!(db.lessons.len(), 2);
    assert_eq!(db.attendee_names(), vec!["Ms Dee Ess-Ell", "Dr Lead Ership", "Ms Outside Adviser, LA"]);

    let closed = s.case(waiting).unwrap();
    assert_eq!(closed.status, Status::Closed);
    let last = closed.chronology.last().unwrap();
    assert!(last.text.ends_with("Debrief D-2026-0001 recorded (P9-c)."), "{}", last.text);
    assert_eq!(last.author.name, "Ms Dee Ess-Ell");
    assert_eq!(s.case(open).unwrap().status, Status::InProgress);
    assert!(s.awaiting_debrief().unwrap().is_empty());

    // References count per year of the meeting; ids keep counting.
    let mut next = new_debrief(&[&open_ref]);
    next.held_on = d(2025, 12, 1);
    assert_eq!(s.record_debrief(next, t(21, 9)).unwrap().debrief.reference, "D-2025-0001");
    let all = s.debriefs().unwrap();
    assert_eq!(all.iter().map(|d| d.id).collect::<Vec<_>>(), vec![1, 2], "most recently held first");
    assert_eq!(s.find_debrief("d-2025-0001").unwrap(), 2);
}

#[test]
fn incomplete_or_unknown_debriefs_are_refused_and_nothing_is_written() {
    let lib = Lib::new();
    let mut s = lib.open(&lib.dsl);
    let (_, r) = concern(&mut s, "Pupil Fictional", Status::AwaitingDebrief);
    let mut bad = new_debrief(&[&r]);
    bad.summary = " ".into();
    let err = s.record_debrief(bad, t(20, 15)).unwrap_err().to_string();
    assert!(err.starts_with("the debrief is not complete: summary:"), "{err}");
    let err = s.record_debrief(new_debrief(&["C-1999-0001"]), t(20, 15)).unwrap_err().to_string();
    assert_eq!(err, "no concern C-1999-0001 in this store");
    let mut future = new_debrief(&[&r]);
    future.held_on = d(2026, 3, 21);
    assert!(s.record_debrief(future, t(20, 15)).is_err());
    assert!(s.debriefs().unwrap().is_empty());
    assert_eq!(s.awaiting_debrief().unwrap().len(), 1);
}

#[test]
fn dsl_and_deputies_write_leadership_reads_and_reporters_read_nothing() {
    let lib = Lib::new();
    let mut s = lib.open(&lib.deputy);
    let (case_id, r) = concern(&mut s, "Pupil Fictional", Status::AwaitingDebrief);
    let db = s.record_debrief(new_debrief(&[&r]), t(20, 15)).unwrap().debrief;
    let new_action = |owner| NewAction {
        debrief: db.id,
        lesson: 1,
        description: "Lunchtime toilet rota.".into(),
        kind: ActionKind::Other,
        owner,
        due: d(2026, 4, 30),
    };
    s.add_action(new_action(LEAD), t(20, 16)).unwrap();
    drop(s);

    let mut lead = lib.open(&lib.lead);
    assert_eq!(lead.debriefs().unwrap()[0].summary, "A phone was used to film in a restricted area.");
    assert_eq!(lead.actions().unwrap().len(), 1);
    assert_eq!(lead.policies().unwrap().len(), 1);
    assert!(lead.dashboard(t(21, 9)).is_ok());
    let err = forbidden(lead.record_debrief(new_debrief(&[&r]), t(21, 9)).unwrap_err());
    assert_eq!(err, "your role (leadership) cannot record debriefs");
    assert_eq!(
        forbidden(lead.add_action(new_action(LEAD), t(21, 9)).unwrap_err()),
        "your role (leadership) cannot add actions"
    );
    assert!(forbidden(lead.case(case_id).unwrap_err()).contains("cannot read concerns"));
    assert!(forbidden(lead.awaiting_debrief().unwrap_err()).contains("cannot see concerns awaiting debrief"));
    let review = ReviewInput { date: d(2026, 3, 21), note: "x".into(), ..Default::default() };
    assert!(forbidden(lead.record_policy_review(1, review, t(21, 9)).unwrap_err()).contains("policy reviews"));
    drop(lead);

    let mut rep = lib.open(&lib.reporter);
    assert_eq!(forbidden(rep.debriefs().unwrap_err()), "your role (reporter) cannot read debriefs");
    assert_eq!(forbidden(rep.actions().unwrap_err()), "your role (reporter) cannot read actions");
    assert_eq!(forbidden(rep.policies().unwrap_err()), "your role (reporter) cannot read policy reviews");
    assert_eq!(forbidden(rep.figures(t(21, 9)).unwrap_err()), "your role (reporter) cannot read figures");
    assert!(rep.dashboard(t(21, 9)).is_err());
    drop(rep);

    let mut s = lib.open(&lib.dsl);
    let err = s.add_action(new_action(REPORTER), t(21, 9)).unwrap_err().to_string();
    assert!(err.contains("Miss Rep Orter (reporter) cannot read actions, so cannot own one"), "{err}");
}

#[test]
fn an_owner_moves_their_own_action_and_the_history_says_who_and_when() {
    let lib = Lib::new();
    let mut s = lib.open(&lib.dsl);
    let (_, r) = concern(&mut s, "Pupil Fictional", Status::AwaitingDebrief);
    let db = s.record_debrief(new_debrief(&[&r]), t(20, 15)).unwrap().debrief;
    let mut new = NewAction {
        debrief: db.id,
        lesson: 3,
        description: "Staff refresher on searching (P6.1-e).".into(),
        kind: ActionKind::StaffTraining,
        owner: LEAD,
        due: d(2026, 4, 30),
    };
    let err = s.add_action(new.clone(), t(20, 16)).unwrap_err().to_string();
    assert!(err.contains("lesson: D-2026-0001 has no lesson 3 (it has 2)"), "{err}");
    new.lesson = 2;
    let a = s.add_action(new, t(20, 16)).unwrap();
    assert_eq!((a.label(), a.source_label()), ("A-0001".to_string(), "D-2026-0001 lesson 2".to_string()));
    drop(s);

    let mut other = lib.open(&lib.lead2);
    let err = forbidden(other.change_action_status(a.id, ActionStatus::InProgress, "", t(21, 9)).unwrap_err());
    assert_eq!(err, "your role (leadership) cannot update A-0001 (it is Dr Lead Ership's)");
    drop(other);

    let mut owner = lib.open(&lib.lead);
    owner.change_action_status(a.id, ActionStatus::InProgress, "Booked for 1 April.", t(22, 9)).unwrap();
    let err = owner.change_action_status(a.id, ActionStatus::Done, "", t(23, 9)).unwrap_err().to_string();
    assert!(err.contains("record the evidence of completion"), "{err}");
    owner.change_action_status(a.id, ActionStatus::Done, "Held 1 April; register signed.", t(23, 9)).unwrap();
    drop(owner);

    let s = lib.open(&lib.deputy);
    let a = s.action(a.id).unwrap();
    assert_eq!(a.status(), ActionStatus::Done);
    let who: Vec<(&str, ActionStatus, NaiveDateTime)> =
        a.history.iter().map(|c| (c.by.name.as_str(), c.to, c.at)).collect();
    assert_eq!(
        who,
        vec![("Dr Lead Ership", ActionStatus::InProgress, t(22, 9)), ("Dr Lead Ership", ActionStatus::Done, t(23, 9))]
    );
    assert!(!a.is_overdue(d(2026, 5, 1)));
}

#[test]
fn a_policy_change_action_triggers_a_review_and_the_review_closes_it() {
    let lib = Lib::new();
    let mut s = lib.open(&lib.dsl);
    let policies = s.policies().unwrap();
    assert_eq!(policies.len(), 1, "the seed policy is tracked from the first use");
    let p = &policies[0];
    assert_eq!((p.name.as_str(), p.current_version()), ("Mobile and Smart Technology Policy", "June 2024"));
    assert_eq!(p.next_due(), d(2025, 6, 1), "P8-a: written June 2024, due June 2025");
    assert!(p.is_overdue(d(2026, 3, 20)));
    assert_eq!(s.policies().unwrap().len(), 1, "seeded once");

    let (_, r) = concern(&mut s, "Pupil Fictional", Status::AwaitingDebrief);
    let db = s.record_debrief(new_debrief(&[&r]), t(20, 15)).unwrap().debrief;
    let mut new = NewAction {
        debrief: db.id,
        lesson: 1,
        description: "Add the lunchtime rota to section 3.".into(),
        kind: ActionKind::PolicyChange,
        owner: 1,
        due: d(2026, 4, 30),
    };
    let policy_action = s.add_action(new.clone(), t(20, 16)).unwrap();
    new.kind = ActionKind::StaffTraining;
    new.description = "Brief staff on the rota.".into();
    let training = s.add_action(new, t(20, 17)).unwrap();
    let p = s.policy(1).unwrap();
    let pending = p.pending_triggers();
    assert_eq!(pending.len(), 1, "P8-a: the policy-change action asks for a review");
    assert_eq!((pending[0].kind, pending[0].action), (TriggerKind::ActionPolicyChange, Some(policy_action.id)));
    assert!(pending[0].note.starts_with("A-0001 (D-2026-0001 lesson 1)"), "{}", pending[0].note);
    s.log_review_trigger(1, TriggerKind::InfrastructureChange, "New Wi-Fi filtering.", None, t(21, 9)).unwrap();

    let review = |close: Vec<u32>| ReviewInput {
        date: d(2026, 3, 25),
        version: "March 2026".into(),
        note: "Rota added; filtering noted.".into(),
        close_actions: close,
    };
    let err = s.record_policy_review(1, review(vec![training.id]), t(25, 16)).unwrap_err().to_string();
    assert_eq!(err, "A-0002 is a staff training action; a policy review closes only policy-change actions");
    assert_eq!(s.policy(1).unwrap().reviews.len(), 0, "a refused review writes nothing");

    let p = s.record_policy_review(1, review(vec![policy_action.id]), t(25, 16)).unwrap();
    assert_eq!(p.next_due(), d(2027, 3, 25), "the due date runs from the review");
    assert_eq!(p.current_version(), "March 2026");
    assert!(p.pending_triggers().is_empty());
    assert_eq!(p.triggers.len(), 2, "the trigger log is kept");
    let closed = s.action(policy_action.id).unwrap();
    assert_eq!(closed.status(), ActionStatus::Done);
    assert_eq!(
        closed.completion().unwrap().note,
        "Closed by the review of the Mobile and Smart Technology Policy on 2026-03-25: Rota added; filtering noted."
    );
    assert_eq!(s.action(training.id).unwrap().status(), ActionStatus::Open);
    let err = s.record_policy_review(1, review(vec![policy_action.id]), t(26, 9)).unwrap_err().to_string();
    assert_eq!(err, "A-0001 is already done");
}

#[test]
fn figures_reach_leadership_as_counts_written_with_every_case_write() {
    let lib = Lib::new();
    let mut lead = lib.open(&lib.lead);
    assert_eq!(lead.figures(t(20, 9)).unwrap().items, None, "no concern recorded yet");
    drop(lead);
    let mut s = lib.open(&lib.dsl);
    concern(&mut s, "Pupil Fictional One", Status::AwaitingDebrief);
    concern(&mut s, "Pupil Fictional Two", Status::InProgress);
    drop(s);
    // Each write re-counts its shard of the index, so leadership's figures
    // follow without anyone opening the board.
    let mut lead = lib.open(&lib.lead);
    assert_eq!(lead.figures(t(20, 9)).unwrap().items.unwrap().total(), 2);
    drop(lead);

    let mut s = lib.open(&lib.dsl);
    s.board().unwrap();
    let fresh = s.figures(t(20, 9)).unwrap().items.unwrap();
    drop(s);
    let mut lead = lib.open(&lib.lead);
    let stored = lead.figures(t(20, 9)).unwrap().items.unwrap();
    assert_eq!(stored.counts, fresh.counts);
    assert_eq!(stored.total(), 2);
    assert_eq!(stored.count(Status::AwaitingDebrief), 1);
    assert_eq!(stored.by_category(), vec![("restricted-area".to_string(), 2)]);
    let dash = lead.dashboard(t(20, 9)).unwrap().items;
    assert_eq!(dash.figures.unwrap().count(Status::InProgress), 1);
    assert!(dash.policies[0].overdue);
}

#[test]
fn the_name_check_finds_subjects_of_linked_and_other_concerns() {
    let lib = Lib::new();
    let mut s = lib.open(&lib.dsl);
    let (_, r) = concern(&mut s, "Pupil Quorra Vantablack", Status::AwaitingDebrief);
    concern(&mut s, "Pupil Ottoline Featherstonehaugh", Status::InProgress);
    let mut new = new_debrief(&[&r]);
    assert!(s.debrief_name_warnings(&new).unwrap().is_empty());
    new.summary = "Quorra filmed; ottoline featherstonehaugh was nearby.".into();
    assert_eq!(
        s.debrief_name_warnings(&new).unwrap(),
        vec!["Pupil Ottoline Featherstonehaugh", "Pupil Quorra Vantablack"]
    );
    new.summary = "A pupil filmed in the toilets.".into();
    new.lessons.push("Vantablack's class needs a reminder.".into());
    assert_eq!(s.debrief_name_warnings(&new).unwrap(), vec!["Pupil Quorra Vantablack"]);
}

// ---- the real binary, end to end ---------------------------------------------

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// A concern taken to "awaiting debrief" through the CLI; returns its reference.
fn awaiting_concern(env: &Env, school: &School, subject: &str, description: &str) -> String {
    let r = add_concern(env, &school.reporter, subject, description);
    ok(env.casebook(&school.dsl).args([
        "triage",
        &r,
        "--risk",
        "medium",
        "--pathway",
        "behaviour-sanctions",
        "--policy",
        "behaviour",
        "--reasoning",
        "Restricted area breach (P3-a).",
    ]));
    ok(env.casebook(&school.deputy).args(["status", &r, "--to", "in-progress", "--reason", "Investigating."]));
    ok(env.casebook(&school.dsl).args(["status", &r, "--to", "awaiting-debrief", "--reason", "Sanction applied."]));
    r
}

fn figures(env: &Env, who: &Path) -> serde_json::Value {
    json(&ok(env.casebook(who).args(["figures", "--json"])))
}

fn count(fig: &serde_json::Value, status: &str) -> u64 {
    fig["figures"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == status)
        .map(|c| c["count"].as_u64().unwrap())
        .sum()
}

#[test]
fn the_section_9_loop_from_a_closed_concern_to_a_completed_action() {
    let env = Env::new();
    let school = env.school();
    let r = awaiting_concern(&env, &school, "child:Pupil Quorra Vantablack:Year 5", "Filming over the cubicle wall.");

    // Before: leadership sees one concern awaiting debrief, as a count.
    let before = figures(&env, &school.leadership);
    assert_eq!(count(&before, "AwaitingDebrief"), 1);
    assert_eq!(before["debriefs_total"], 0);
    assert_eq!(before["actions"]["open"], 0);
    assert_eq!(before["policies"][0]["overdue"], true);
    assert_eq!(before["policies"][0]["next_due"], "2025-06-01", "P8-a: the seed policy fell due June 2025");
    let waiting = ok(env.casebook(&school.dsl).args(["debrief", "awaiting"]));
    assert!(waiting.contains(&r) && waiting.contains("Device used in a restricted area"), "{waiting}");

    // The debrief: two lessons; the concern moves on.
    let out = ok(env.casebook(&school.dsl).args([
        "debrief",
        "add",
        "--concern",
        &r,
        "--date",
        "2025-09-10",
        "--attendee",
        "Ms Dee Ess-Ell",
        "--attendee",
        "Dr Lead Ership",
        "--other",
        "Ms Fictional Adviser, LA safeguarding",
        "--summary",
        "A pupil filmed over a cubicle wall at lunch.",
        "--worked",
        "The phone was handed in within minutes.",
        "--did-not-work",
        "No adult was near the toilets.",
        "--lesson",
        "Toilets need a lunchtime presence.",
        "--lesson",
        "The policy does not name the rota.",
        "--changes",
        "Add the rota to section 3.",
    ]));
    assert_eq!(out.trim(), format!("Recorded D-2025-0001 (2 lessons). Closed {r}."));
    let shown = ok(env.casebook(&school.dsl).args(["show", &r]));
    assert!(shown.contains("awaiting debrief → closed. Debrief D-2025-0001 recorded (P9-c)."), "{shown}");
    assert!(ok(env.casebook(&school.dsl).args(["debrief", "awaiting"])).contains("(no concerns await a debrief)"));

    // Actions: one for leadership, far off; one policy change already late.
    let out = ok(env.casebook(&school.dsl).args([
        "action",
        "add",
        "--debrief",
        "D-2025-0001",
        "--lesson",
        "1",
        "--kind",
        "staff-training",
        "--owner",
        "Dr Lead Ership",
        "--due",
        "2099-06-30",
        "--confirm-far-date",
        "--description",
        "Lunchtime supervision briefing.",
    ]));
    assert!(out.starts_with("Added A-0001 for D-2025-0001 lesson 1: staff training, owned by Dr Lead Ership"), "{out}");
    // A due date typed today is today or later (issue 8), so the late one
    // was added back in September 2025, through the store's API.
    {
        let key = casebook::store::identity::load(&school.deputy, &mut || None).unwrap();
        let mut s = Store::open(&env.store()).unwrap().unlock(key).unwrap();
        let new = NewAction {
            debrief: s.find_debrief("d-2025-0001").unwrap(),
            lesson: 2,
            description: "Name the rota in section 3.".into(),
            kind: ActionKind::PolicyChange,
            owner: 1,
            due: d(2025, 10, 1),
        };
        s.add_action(new, d(2025, 9, 12).and_hms_opt(9, 0, 0).unwrap()).unwrap();
    }

    let list = ok(env.casebook(&school.leadership).args(["action", "list"]));
    let line = |label: &str| {
        list.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{label}: {list}")).to_string()
    };
    assert!(line("A-0002").contains("open, OVERDUE"), "overdue says so in text: {list}");
    assert!(!line("A-0001").contains("OVERDUE"), "{list}");
    assert!(list.find("A-0002").unwrap() < list.find("A-0001").unwrap(), "sorted by due date: {list}");
    let mine = ok(env.casebook(&school.leadership).args(["action", "list", "--owner", "me"]));
    assert!(mine.contains("A-0001") && !mine.contains("A-0002"), "{mine}");
    let overdue = json(&ok(env.casebook(&school.leadership).args(["action", "list", "--overdue", "--json"])));
    assert_eq!(overdue.as_array().unwrap().len(), 1);
    assert_eq!(overdue[0]["label"], "A-0002");
    assert_eq!(overdue[0]["source"], "D-2025-0001 lesson 2");

    // Leadership completes their own action, with evidence; not the DSL's.
    ok(env.casebook(&school.leadership).args(["action", "status", "A-0001", "--to", "in-progress"]));
    let err = fails(env.casebook(&school.leadership).args(["action", "status", "A-0001", "--to", "done"]));
    assert!(err.contains("cannot mark A-0001 done: record the evidence of completion"), "{err}");
    let out = ok(env.casebook(&school.leadership).args([
        "action",
        "status",
        "A-0001",
        "--to",
        "done",
        "--note",
        "Briefing held; slides on the staff drive.",
    ]));
    assert_eq!(out.trim(), "A-0001 is now done.");
    let err = fails(env.casebook(&school.leadership).args(["action", "status", "A-0002", "--to", "in-progress"]));
    assert!(err.contains("your role (leadership) cannot update A-0002 (it is Ms Dee Ess-Ell's)"), "{err}");
    let history = ok(env.casebook(&school.deputy).args(["action", "show", "A-0001"]));
    assert!(history.contains("open → in progress by Dr Lead Ership"), "{history}");
    assert!(
        history.contains("in progress → done by Dr Lead Ership: Briefing held; slides on the staff drive."),
        "{history}"
    );

    // The policy: overdue, with the action's trigger; the review closes it.
    let policies = ok(env.casebook(&school.leadership).args(["policy", "list"]));
    assert!(policies.contains("OVERDUE since 2025-06-01"), "{policies}");
    assert!(policies.contains("policy-change action: A-0002 (D-2025-0001 lesson 2)"), "{policies}");
    ok(env.casebook(&school.dsl).args([
        "policy",
        "trigger",
        "--kind",
        "infrastructure",
        "--note",
        "New filtering provider.",
    ]));
    let out = ok(env.casebook(&school.dsl).args([
        "policy",
        "review",
        "--version",
        "Reviewed after D-2025-0001",
        "--note",
        "Rota named in section 3; filtering noted.",
        "--close-action",
        "A-0002",
    ]));
    assert!(out.contains("Closed A-0002."), "{out}");
    let policies = json(&ok(env.casebook(&school.leadership).args(["policy", "list", "--json"])));
    assert_eq!(policies[0]["status"]["overdue"], false);
    assert_eq!(policies[0]["status"]["version"], "Reviewed after D-2025-0001");
    assert_eq!(policies[0]["status"]["pending_triggers"], 0);
    assert_eq!(policies[0]["triggers"].as_array().unwrap().len(), 2);

    // After: the dashboard has moved.
    let after = figures(&env, &school.leadership);
    assert_eq!(count(&after, "AwaitingDebrief"), 0);
    assert_eq!(count(&after, "Closed"), 1);
    assert_eq!(after["debriefs_total"], 1);
    assert_eq!(after["latest_debrief"], "2025-09-10");
    assert_eq!(after["actions"]["done"], 2);
    assert_eq!(after["actions"]["overdue"], 0);
    assert_eq!(after["policies"][0]["overdue"], false);
    let text = ok(env.casebook(&school.leadership).arg("figures"));
    assert!(text.contains("0 open, 0 in progress, 0 OVERDUE, 2 done, 0 dropped"), "{text}");
    assert!(text.contains("1 closed"), "{text}");
    assert!(!text.contains("Quorra") && !text.contains(&r), "counts only: {text}");

    let shown = ok(env.casebook(&school.leadership).args(["debrief", "show", "D-2025-0001"]));
    for expected in [
        "Concerns:     ".to_string() + &r,
        "Ms Fictional Adviser, LA safeguarding".into(),
        "2. The policy does not name the rota.".into(),
        "A-0002 [done] Name the rota in section 3.".into(),
    ] {
        assert!(shown.contains(&expected), "{expected:?} missing:\n{shown}");
    }
}

/// Distinctive fictional text planted in every debrief and action field.
const PLANTED: &[&str] = &[
    "tangerine wombat incident",  // summary
    "the lighthouse rota worked", // what worked
    "semaphore flags failed",     // what did not
    "lesson about marmalade",     // lesson 1
    "lesson about gondolas",      // lesson 2
    "rewrite clause zanzibar",    // changes needed
    "Professor Quillon Ashgrove", // other attendee
    "order seventeen periscopes", // action description
    "periscopes now installed",   // action evidence
    "filter vendor nimbostratus", // policy trigger note
];

fn planted_loop(env: &Env) -> (School, String) {
    let school = env.school();
    let r = awaiting_concern(env, &school, "child:Pupil Zephyrine Quackenbush:Year 4", "Filming in the cloakroom.");
    ok(env.casebook(&school.dsl).args([
        "debrief",
        "add",
        "--concern",
        &r,
        "--other",
        PLANTED[6],
        "--summary",
        PLANTED[0],
        "--worked",
        PLANTED[1],
        "--did-not-work",
        PLANTED[2],
        "--lesson",
        PLANTED[3],
        "--lesson",
        PLANTED[4],
        "--changes",
        PLANTED[5],
    ]));
    let year = chrono::Local::now().format("%Y").to_string();
    ok(env.casebook(&school.dsl).args([
        "action",
        "add",
        "--debrief",
        &format!("D-{year}-0001"),
        "--lesson",
        "1",
        "--kind",
        "technical",
        "--owner",
        "Dr Lead Ership",
        "--due",
        "2099-01-01",
        "--confirm-far-date",
        "--description",
        PLANTED[7],
    ]));
    ok(env.casebook(&school.leadership).args(["action", "status", "A-0001", "--to", "done", "--note", PLANTED[8]]));
    ok(env.casebook(&school.dsl).args(["policy", "trigger", "--kind", "infrastructure", "--note", PLANTED[9]]));
    ok(env.casebook(&school.dsl).arg("list"));
    (school, r)
}

fn raw_records(store: &Path, tree: &str) -> Vec<Vec<u8>> {
    let db = sled::open(store).expect("open raw sled");
    let t = db.open_tree(tree).unwrap();
    t.iter().values().map(|v| v.unwrap().to_vec()).collect()
}

/// `age -d -i KEY FILE`: Ok(plaintext) or Err(stderr).
fn age_decrypt(key: &Path, file: &Path) -> Result<String, String> {
    let out = age_tool("age").arg("-d").arg("-i").arg(key).arg(file).output().unwrap();
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn no_planted_debrief_or_action_text_appears_in_any_store_file() {
    let env = Env::new();
    planted_loop(&env);
    let planted: Vec<&str> = PLANTED.iter().copied().chain(["Zephyrine Quackenbush"]).collect();
    assert_no_plaintext(&env.store(), &planted);
    // And the planted text is really there, behind encryption.
    let leadership = env.path("leadership.key");
    let year = chrono::Local::now().format("%Y").to_string();
    let mut seen = ok(env.casebook(&leadership).args(["debrief", "show", &format!("D-{year}-0001")]));
    seen += &ok(env.casebook(&leadership).args(["action", "show", "A-0001"]));
    seen += &ok(env.casebook(&leadership).args(["policy", "list"]));
    for p in PLANTED {
        assert!(seen.contains(p), "{p} missing from what leadership reads:\n{seen}");
    }
}

#[test]
fn raw_oversight_records_open_with_debian_age_for_leadership_and_deputies_not_reporters() {
    let env = Env::new();
    let (school, r) = planted_loop(&env);
    for (tree, expected) in
        [("debriefs", PLANTED[0]), ("actions", PLANTED[8]), ("policies", PLANTED[9]), ("figures", "restricted-area")]
    {
        let records = raw_records(&env.store(), tree);
        assert_eq!(records.len(), 1, "{tree}");
        assert!(records[0].starts_with(b"age-encryption.org/v1\n"), "{tree}: an ordinary age file");
        let file = env.path(&format!("{tree}.age"));
        std::fs::write(&file, &records[0]).unwrap();
        for member in [&school.leadership, &school.deputy, &school.dsl] {
            let plain = age_decrypt(member, &file).unwrap_or_else(|e| panic!("{tree} with {}: {e}", member.display()));
            assert!(plain.contains(expected), "{tree}: {expected:?} not in the decrypted record");
        }
        let err = age_decrypt(&school.reporter, &file).unwrap_err();
        assert!(err.contains("no identity matched"), "{tree}: {err}");
    }
    // The figures record holds counts only: no name, no reference.
    let file = env.path("figures.age");
    let plain = age_decrypt(&school.leadership, &file).unwrap();
    assert!(!plain.contains("Zephyrine") && !plain.contains(&r), "{plain:?}");
}

#[test]
fn leadership_reads_debriefs_actions_and_figures_but_never_a_concern() {
    let env = Env::new();
    let (school, r) = planted_loop(&env);
    let lead = &school.leadership;
    let year = chrono::Local::now().format("%Y").to_string();
    let list = ok(env.casebook(lead).args(["debrief", "list"]));
    assert!(list.contains(&format!("D-{year}-0001")) && list.contains(&r), "concerns by reference: {list}");
    assert!(!list.contains("Zephyrine"), "{list}");
    assert!(ok(env.casebook(lead).args(["action", "list"])).contains(PLANTED[7]));
    let fig = figures(&env, lead);
    assert_eq!(count(&fig, "Closed"), 1);
    assert!(!fig.to_string().contains("Zephyrine"), "{fig}");
    assert!(ok(env.casebook(lead).args(["policy", "list"])).contains("Mobile and Smart Technology Policy"));

    // Through casebook: refused, because the key cannot open the record.
    for args in [vec!["show", r.as_str()], vec!["list"], vec!["debrief", "awaiting"]] {
        let err = fails(env.casebook(lead).args(&args));
        assert!(err.contains("your role (leadership) cannot"), "{args:?}: {err}");
    }
    let err = fails(env.casebook(lead).args(["debrief", "add", "--concern", &r, "--summary", "x"]));
    assert!(err.contains("your role (leadership) cannot record debriefs"), "{err}");

    // With Debian's age: the raw concern does not open with leadership's key.
    let records = raw_records(&env.store(), "cases");
    assert_eq!(records.len(), 1);
    let file = env.path("case.age");
    std::fs::write(&file, &records[0]).unwrap();
    let err = age_decrypt(lead, &file).unwrap_err();
    assert!(err.contains("no identity matched"), "{err}");
    assert!(age_decrypt(&school.dsl, &file).unwrap().contains("Zephyrine Quackenbush"), "the DSL's key opens it");
    // Nor does the board index, which is sealed to the case class alone.
    let index = raw_records(&env.store(), "index");
    std::fs::write(env.path("index.age"), &index[0]).unwrap();
    assert!(age_decrypt(lead, &env.path("index.age")).is_err());

    // A reporter reads none of it.
    for args in [vec!["debrief", "list"], vec!["action", "list"], vec!["policy", "list"], vec!["figures"]] {
        let err = fails(env.casebook(&school.reporter).args(&args));
        assert!(err.contains("your role (reporter) cannot read"), "{args:?}: {err}");
    }
}

#[test]
fn a_debrief_naming_a_subject_is_refused_unless_allowed() {
    let env = Env::new();
    let school = env.school();
    let r = awaiting_concern(&env, &school, "child:Pupil Quorra Vantablack:Year 5", "Filming in the toilets.");
    let add = |summary: &str, extra: &[&str]| {
        let mut cmd = env.casebook(&school.dsl);
        cmd.args(["debrief", "add", "--concern", &r, "--lesson", "Supervise.", "--summary", summary]).args(extra);
        cmd
    };
    let err = fails(&mut add("Quorra filmed over the wall.", &[]));
    assert!(err.contains("names Pupil Quorra Vantablack (a subject of a concern)"), "{err}");
    assert!(err.contains("--allow-names") && err.contains("nothing was recorded"), "{err}");
    assert!(ok(env.casebook(&school.dsl).args(["debrief", "list"])).contains("(no debriefs)"));
    assert!(ok(env.casebook(&school.dsl).args(["debrief", "awaiting"])).contains(&r), "still awaiting");
    ok(&mut add("Quorra filmed over the wall.", &["--allow-names"]));
    assert!(ok(env.casebook(&school.dsl).args(["debrief", "awaiting"])).contains("(no concerns await"));
}

#[test]
fn a_debrief_from_json_on_standard_input() {
    let env = Env::new();
    let school = env.school();
    let r = awaiting_concern(&env, &school, "child:Pupil Example:Year 2", "Phone out in the cloakroom.");
    let body = format!(
        r#"{{"concerns": ["{r}"], "date": "2026-01-15", "attendees": ["Mr Deputy Dunn"],
            "others": ["Ms Fictional Adviser"], "summary": "A phone was out in the cloakroom.",
            "what_worked": "Quick hand-in.", "what_did_not": "Pegs out of sight.",
            "lessons": ["Move the pegs.", "Remind Year 2."], "changes_needed": "None to the policy."}}"#
    );
    let run = |input: &str, extra: &[&str]| {
        let mut child = env
            .casebook(&school.deputy)
            .args(["debrief", "add", "--json"])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(r#"{"concerns": ["x"], "summery": "typo"}"#, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("malformed debrief JSON"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let out = run(&body, &["--lesson", "A third, from a flag."]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("Recorded D-2026-0001 (3 lessons). Closed {r}."));
    let list = json(&ok(env.casebook(&school.leadership).args(["debrief", "list", "--json"])));
    let d = &list[0];
    assert_eq!(d["held_on"], "2026-01-15");
    assert_eq!(d["attendees"][0]["name"], "Mr Deputy Dunn");
    assert_eq!(d["recorded_by"]["name"], "Mr Deputy Dunn");
    assert_eq!(d["lessons"][2]["text"], "A third, from a flag.");
    assert_eq!(d["concerns"][0]["reference"], r.as_str());
}

#[test]
fn bad_oversight_input_gets_one_clear_line() {
    let env = Env::new();
    let school = env.school();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["debrief", "add", "--concern", "C-1999-0001", "--summary", "x"], "no concern C-1999-0001"),
        (vec!["debrief", "add", "--summary", "x"], "concerns: link at least one concern"),
        (vec!["debrief", "add", "--concern", "C-1999-0001", "--summary", "x", "--date", "soon"], "YYYY-MM-DD"),
        (vec!["debrief", "add", "--concern", "C-1", "--summary", "x", "--attendee", "Nobody"], "no member called"),
        (vec!["debrief", "show", "D-1999-0001"], "no debrief D-1999-0001"),
        (
            vec![
                "action",
                "add",
                "--debrief",
                "D-1999-0001",
                "--lesson",
                "1",
                "--kind",
                "bake-sale",
                "--owner",
                "me",
                "--due",
                "2030-01-01",
                "--description",
                "x",
            ],
            "is not an action kind",
        ),
        (vec!["action", "status", "A-0042", "--to", "finished"], "is not an action status"),
        (vec!["action", "status", "A-0042", "--to", "done", "--note", "x"], "no action #42"),
        (vec!["action", "status", "forty-two", "--to", "done"], "is not an action"),
        (vec!["action", "list", "--kind", "bake-sale"], "is not an action kind"),
        (vec!["policy", "trigger", "--kind", "whim", "--note", "x"], "is not a review trigger"),
        (vec!["policy", "review", "--note", " "], "say what was reviewed"),
        (vec!["policy", "review", "--policy", "9", "--note", "x"], "no policy #9"),
    ];
    for (args, expected) in cases {
        let err = fails(env.casebook(&school.dsl).args(&args));
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

#[test]
fn the_demo_fills_every_leadership_panel_and_its_debriefs_close_what_they_link() {
    let dir = tempfile::tempdir().unwrap();
    let now = t(20, 12);
    let (mut s, keys) = casebook::demo::create(&dir.path().join("store")).unwrap();
    casebook::demo::populate(&mut s, 48, now, 7).unwrap();
    let awaiting_before = s.awaiting_debrief().unwrap().len();
    casebook::demo::populate_oversight(&mut s, now).unwrap();
    let debriefs = s.debriefs().unwrap();
    let linked: Vec<String> = debriefs.iter().flat_map(|d| d.concerns.iter().map(|c| c.reference.clone())).collect();
    assert_eq!(s.awaiting_debrief().unwrap().len(), awaiting_before - linked.len(), "P9-c: a debrief closes them");
    let board = s.board().unwrap();
    for r in &linked {
        assert_eq!(board.rows.iter().find(|row| &row.reference == r).unwrap().status, Status::Closed, "{r}");
    }
    drop(s);
    let lead = casebook::store::identity::load(&keys.dir.join("leadership.txt"), &mut || None).unwrap();
    let mut lead = Store::open(&dir.path().join("store")).unwrap().unlock(lead).unwrap();
    let dash = lead.dashboard(now).unwrap().items;
    assert_eq!(dash.debriefs_total, debriefs.len());
    assert!(debriefs.len() >= 2, "{}", debriefs.len());
    let a = dash.actions;
    assert!(a.open > 0 && a.in_progress > 0 && a.done > 0 && a.dropped > 0 && a.overdue > 0, "{a:?}");
    assert_eq!(dash.policies[0].pending_triggers, 2);
    let figures = dash.figures.unwrap();
    assert!(figures.closed_without_debrief > 0, "the DSL's decisions show too: {figures:?}");
}

/// When a case last moved to awaiting debrief (the demo's debriefs follow it).
fn awaiting_since_of(s: &Session, id: u32) -> NaiveDateTime {
    casebook::domain::debrief::awaiting_since(&s.case(id).unwrap()).expect("it awaited a debrief")
}

/// Issue 8 item 24: every demo case reads true: follow-ups fit who the
/// concern is about and its category, a child's year group fits the text,
/// every closure is a debrief, a decision that none is needed or no
/// further action, each debrief is about concerns of its own kind, and a
/// first look at the board shows a few reviews due today, a few overdue and
/// most ahead.
#[test]
fn the_demo_reads_true_case_by_case() {
    for seed in [7, 2024] {
        let dir = tempfile::tempdir().unwrap();
        let now = t(20, 12);
        let (mut s, _) = casebook::demo::create(&dir.path().join("store")).unwrap();
        casebook::demo::populate(&mut s, 48, now, seed).unwrap();
        casebook::demo::populate_oversight(&mut s, now).unwrap();
        let board = s.board().unwrap();
        let cat = casebook::domain::Catalogue::seed();
        for row in &board.rows {
            let case = s.case(row.id).unwrap();
            let c = &case.concern;
            let subject = &c.subjects[0];
            let all: Vec<&str> = case.chronology.iter().map(|e| e.text.as_str()).collect();
            let said = |text: &str| all.iter().any(|t| t.contains(text));
            let why = format!("seed {seed}, {} ({}, {}):\n{:#?}", c.reference, subject.summary(), c.category, all);
            if subject.kind != SubjectKind::Child {
                for child_only in
                    ["the child at break", "by a parent", "Parents informed", "Parents of both", "Met the child"]
                {
                    assert!(!said(child_only), "{child_only:?} about a {}: {why}", subject.kind.label());
                }
            }
            if subject.kind == SubjectKind::Child {
                for (at, _) in c.description.match_indices("Year ") {
                    let year = &c.description[at..at + 6];
                    assert_eq!(year, subject.detail, "{}: {why}", c.description);
                }
            }
            if c.description.contains("reading test") || c.description.contains("SATs") {
                assert_eq!(subject.detail, "Year 6", "{why}");
            }
            if c.description.contains("phonics group") {
                assert!(subject.detail.contains("teacher") || subject.detail.contains("teaching"), "{why}");
            }
            if said("examining body") {
                assert_eq!(c.category, "device-in-exam", "{why}");
            }
            if case.status == Status::Closed {
                let nfa = case
                    .current_triage()
                    .is_some_and(|t| cat.pathway(&t.pathway).unwrap().closes_without_investigation);
                let by_debrief = case.chronology.last().unwrap().text.contains("Debrief D-");
                assert!(nfa || by_debrief || case.closed_without_debrief(), "closed how? {why}");
            }
        }
        assert!(s.debriefs().unwrap().len() >= 2, "seed {seed}: the detailed debriefs are there");
        for d in s.debriefs().unwrap() {
            let categories: Vec<String> =
                d.concerns.iter().map(|l| s.case(l.case_id).unwrap().concern.category).collect();
            let expected: &[&str] = match d.summary.as_str() {
                s if s.contains("filtering alert") => &["monitoring-alert"],
                s if s.contains("restricted area") => &["restricted-area"],
                s if s.contains("messages between pupils") => &["abusive-messages"],
                s if s.contains("children's social care") => &["indecent-image", "illegal-data", "search-risk"],
                s if s.contains("LADO") => &["staff-illegal"],
                s if s.contains("member of staff used a personal device") => {
                    &["staff-device-teaching", "staff-contact-personal", "staff-images-personal"]
                }
                other => panic!("a debrief the test does not know: {other}"),
            };
            assert!(categories.iter().all(|c| expected.contains(&c.as_str())), "{}: {categories:?}", d.summary);
            assert!(
                d.concerns.iter().all(|l| d.held_on >= awaiting_since_of(&s, l.case_id).date()),
                "{} is held after its concerns were ready",
                d.reference
            );
        }
        let today = now.date();
        let reviews: Vec<chrono::NaiveDate> =
            board.rows.iter().filter(|r| r.status.is_open()).filter_map(|r| r.next_review).collect();
        let due_today = reviews.iter().filter(|d| **d == today).count();
        let overdue = reviews.iter().filter(|d| **d < today).count();
        let ahead = reviews.iter().filter(|d| **d > today).count();
        let few = |n: usize| n >= 1 && n * 5 <= reviews.len();
        assert!(few(due_today), "seed {seed}: {due_today} due today of {}", reviews.len());
        assert!(few(overdue), "seed {seed}: {overdue} overdue of {}", reviews.len());
        assert!(ahead * 2 > reviews.len(), "seed {seed}: most ahead: {ahead} of {}", reviews.len());
    }
}

// ---- issue 8: closing without a debrief, names in every text leadership reads

/// Issue 8 item 3 (P9-c): an investigated concern closes by its debrief, or
/// by the DSL's explicit, reasoned decision that none is needed, which is
/// its own chronology entry and is counted for leadership. A status change
/// alone never closes it, and the refusal does not teach a way round.
#[test]
fn an_investigated_concern_closes_only_by_a_debrief_or_the_dsls_recorded_decision() {
    let env = Env::new();
    let school = env.school();
    let r = awaiting_concern(&env, &school, "child:Pupil Ottilie Example:Year 3", "Phone out in the cloakroom.");
    let err = fails(env.casebook(&school.dsl).args(["status", &r, "--to", "closed", "--reason", "close"]));
    assert_eq!(
        err,
        format!("casebook: cannot close {r}: an investigated concern closes when its debrief is recorded (P9-c)")
    );
    assert!(ok(env.casebook(&school.dsl).args(["debrief", "awaiting"])).contains(&r), "still awaiting its debrief");
    let shown = ok(env.casebook(&school.dsl).args(["show", &r]));
    assert!(shown.lines().any(|l| l.starts_with("Status") && l.ends_with(" awaiting debrief")), "{shown}");

    // Only the DSL decides that no debrief is needed, and says why.
    let decide = |who: &Path, reason: &str| {
        let mut cmd = env.casebook(who);
        cmd.args(["status", &r, "--to", "closed", "--no-debrief-needed", "--reason", reason]);
        cmd
    };
    let err = fails(&mut decide(&school.deputy, "One-off."));
    assert!(err.contains("only the DSL"), "{err}");
    let err = fails(&mut decide(&school.dsl, "  "));
    assert!(err.contains("give the reason no debrief is needed"), "{err}");
    let err = fails(env.casebook(&school.dsl).args([
        "status",
        &r,
        "--to",
        "in-progress",
        "--no-debrief-needed",
        "--reason",
        "x",
    ]));
    assert!(err.contains("--no-debrief-needed goes with --to closed"), "{err}");

    let out = ok(&mut decide(&school.dsl, "A one-off breach, handled under the behaviour policy; nothing to learn."));
    assert!(out.contains(&format!("{r} is now closed without a debrief")), "{out}");
    let shown = ok(env.casebook(&school.dsl).args(["show", &r]));
    assert!(shown.contains(" no debrief "), "its own kind of entry:\n{shown}");
    assert!(
        shown.contains(
            "The DSL decided no debrief is needed (P9-c): A one-off breach, handled under the behaviour policy"
        ),
        "{shown}"
    );
    assert!(ok(env.casebook(&school.dsl).args(["debrief", "awaiting"])).contains("(no concerns await a debrief)"));

    // Leadership sees the count, and nothing of the case.
    let fig = figures(&env, &school.leadership);
    assert_eq!(fig["figures"]["closed_without_debrief"], 1);
    assert_eq!(count(&fig, "Closed"), 1);
    let text = ok(env.casebook(&school.leadership).arg("figures"));
    assert!(text.contains("closed without debrief: 1"), "{text}");
    assert!(!text.contains(&r) && !text.contains("one-off"), "{text}");
}

/// Issue 8 item 5 (P9-e): every text leadership can read is checked for
/// subjects' names, as debriefs are: action descriptions, done evidence,
/// policy-trigger and review notes; accent-blind, whole words only.
#[test]
fn every_text_leadership_reads_is_checked_for_subjects_names() {
    let env = Env::new();
    let school = env.school();
    let r = awaiting_concern(&env, &school, "child:Zoë Ødegård:Year 4", "Filming in the toilets.");
    add_concern(&env, &school.reporter, "parent:The Łukasz family:parent", "Photos posted online.");
    ok(env.casebook(&school.dsl).args([
        "debrief",
        "add",
        "--concern",
        &r,
        "--summary",
        "A phone was used in the toilets; the family was told.",
        "--lesson",
        "Supervise the toilets.",
    ]));
    let refused = |args: &[&str], names: &str| {
        let err = fails(env.casebook(&school.dsl).args(args));
        assert!(err.contains(&format!("names {names} (a subject of a concern)")), "{args:?}: {err}");
        assert!(err.contains("leadership will read it") && err.contains("--allow-names"), "{err}");
        assert!(err.contains("nothing was recorded"), "{err}");
    };
    let debrief = format!("D-{}-0001", chrono::Local::now().format("%Y"));
    let action = |description: &str| {
        vec![
            "action",
            "add",
            "--debrief",
            &debrief,
            "--lesson",
            "1",
            "--kind",
            "other",
            "--owner",
            "Dr Lead Ership",
            "--due",
            "2099-01-01",
            // Far off on purpose (issue 8 item 4 asks); the names are the point.
            "--confirm-far-date",
            "--description",
        ]
        .into_iter()
        .map(String::from)
        .chain([description.to_string()])
        .collect::<Vec<String>>()
    };
    let args = action("Check Zoe Odegard's phone.");
    refused(&args.iter().map(String::as_str).collect::<Vec<_>>(), "Zoë Ødegård");
    let args = action("Ring LUKASZ about the photos.");
    refused(&args.iter().map(String::as_str).collect::<Vec<_>>(), "The Łukasz family");
    assert!(ok(env.casebook(&school.dsl).args(["action", "list"])).contains("(no actions)"), "nothing recorded");
    // Ordinary words that are part of a name are not names.
    let args = action("Write to the family about the toilets.");
    ok(env.casebook(&school.dsl).args(args.iter().map(String::as_str)));
    let args = action("Ask Zoë's class teacher.");
    let mut with = args.clone();
    with.push("--allow-names".into());
    ok(env.casebook(&school.dsl).args(with.iter().map(String::as_str)));

    refused(&["action", "status", "A-0001", "--to", "done", "--note", "Zoë's parents agreed."], "Zoë Ødegård");
    refused(&["action", "status", "A-0001", "--to", "dropped", "--note", "odegard moved away"], "Zoë Ødegård");
    ok(env.casebook(&school.dsl).args(["action", "status", "A-0001", "--to", "done", "--note", "Letter sent."]));
    refused(&["policy", "trigger", "--kind", "local-concern", "--note", "Zoë filmed in the toilets."], "Zoë Ødegård");
    refused(&["policy", "review", "--note", "Reviewed after Łukasz's photos."], "The Łukasz family");
    let policies = json(&ok(env.casebook(&school.dsl).args(["policy", "list", "--json"])));
    assert_eq!(policies[0]["reviews"].as_array().unwrap().len(), 0, "nothing recorded");
    ok(env.casebook(&school.dsl).args([
        "policy",
        "review",
        "--note",
        "Reviewed after Łukasz's photos.",
        "--allow-names",
    ]));
}
