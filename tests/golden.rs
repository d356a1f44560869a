//! Golden bytes: a committed record of each kind at each format version must
//! keep decoding to the same value. bincode is positional, so a reordered
//! or appended field shows up here first. After a deliberate format change,
//! add a new version's files (GOLDEN_WRITE=1 writes missing ones) and keep
//! the old ones decoding through the migration path.

use std::path::PathBuf;

use casebook::domain::{
    Action, ActionKind, ActionStatus, Author, CaseFile, CaseSummary, Catalogue, Concern, ConcernLink, Debrief,
    EntryKind, Figures, Lesson, Part, Review, ReviewTrigger, Risk, Source, Status, Subject, SubjectKind, TrackedPolicy,
    Triage, TriggerKind, Urgency,
};
use casebook::store::codec::{self, MemberName, Record, School, TermDates};
use chrono::{NaiveDate, NaiveDateTime};

fn at(day: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, day).unwrap().and_hms_opt(h, 0, 0).unwrap()
}

fn sample_case() -> CaseFile {
    let cat = Catalogue::seed();
    let dsl = Author { member: 1, name: "Ms Golden Sample".into() };
    let mut case = CaseFile::open(Concern {
        reference: "C-2026-0007".into(),
        occurred_at: at(9, 9),
        reported_at: at(9, 10),
        reported_by: "Mr Fixture, class teacher".into(),
        recorded_by: dsl.clone(),
        subjects: vec![
            Subject::named(SubjectKind::Child, "Pupil Golden", "Year 5"),
            Subject::named(SubjectKind::Visitor, "Visitor Golden", String::new()),
        ],
        category: "device-in-exam".into(),
        location: "exam-room".into(),
        devices: vec!["smart-watch".into()],
        description: "A smart watch lit up during the reading paper.".into(),
        immediate_action: "Watch removed by the invigilator.".into(),
        source: Source::StaffReport,
    });
    case.record_triage(
        Triage {
            risk: Risk::Low,
            urgency: Urgency::Routine,
            pathway: "exam-body".into(),
            linked_policy: "behaviour".into(),
            assignee: Some(Author { member: 2, name: "Mr Deputy Golden".into() }),
            next_review: NaiveDate::from_ymd_opt(2026, 3, 16),
            reasoning: "P6-b: report to the examining body.".into(),
            decided_by: dsl.clone(),
            decided_at: at(9, 11),
        },
        &cat,
    )
    .unwrap();
    case.transition(Status::InProgress, "Exams officer informed.", &dsl, at(9, 12), &cat).unwrap();
    let seq = case.add_entry(EntryKind::Referral, at(9, 13), "Referred to the board.", &dsl, at(9, 13)).unwrap();
    case.correct_entry(seq, "Referred to the examining body.", &dsl, at(10, 9)).unwrap();
    case
}

fn golden_path(name: &str, version: u16) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/golden/{name}-v{version}.bin"))
}

/// Today's format of a kind (`T::VERSION`): decodes and encodes byte for byte.
fn golden<T: Record + PartialEq + std::fmt::Debug>(name: &str, value: &T) {
    let version = T::VERSION;
    let path = golden_path(name, version);
    if !path.exists() && std::env::var_os("GOLDEN_WRITE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, codec::encode(value)).unwrap();
    }
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|_| panic!("{} is missing: run with GOLDEN_WRITE=1 once, and commit it", path.display()));
    let decoded: T = codec::decode(&bytes).unwrap_or_else(|e| panic!("{name} v{version} no longer decodes: {e}"));
    assert_eq!(&decoded, value, "{name} v{version} decodes to a different value");
    assert_eq!(codec::encode(value), bytes, "{name}: today's encoding differs from the golden bytes");
}

/// An older format of a kind: its committed bytes still decode, through
/// the migration, to today's value.
fn golden_old<T: Record + PartialEq + std::fmt::Debug>(name: &str, version: u16, value: &T) {
    assert!(version < T::VERSION, "{name} v{version} is today's format: use golden()");
    let path = golden_path(name, version);
    let bytes =
        std::fs::read(&path).unwrap_or_else(|_| panic!("{} is missing; never delete an old one", path.display()));
    let decoded: T = codec::decode(&bytes).unwrap_or_else(|e| panic!("{name} v{version} no longer decodes: {e}"));
    assert_eq!(&decoded, value, "{name} v{version} migrates to a different value");
}

#[test]
fn case_file_v1_migrates() {
    golden_old("case", 1, &sample_case());
}

/// Issue 12: format 2 of a case gives each subject a person and a part.
fn sample_case_v2() -> CaseFile {
    let mut case = sample_case();
    case.concern.subjects[0].person = Some(12);
    case.concern.subjects[1].person = Some(40);
    case.concern.subjects[1].part = Part::Witness;
    case
}

#[test]
fn case_file_v2() {
    golden("case", &sample_case_v2());
}

/// A row of an index before format 4: no pathway, and revision 0 so the
/// next board load reads its concern again and learns it.
fn migrated(row: CaseSummary) -> CaseSummary {
    CaseSummary { pathway: None, ..row.stale() }
}

#[test]
fn case_index_v1_migrates() {
    let case = sample_case();
    // Rows of an older index are read again from their concern (format 4).
    golden_old("case-index", 1, &vec![migrated(CaseSummary::of(7, 3, &case, &Catalogue::seed()))]);
}

/// Issue 8 (P9-c): format 2 of the index adds `closed_without_debrief`.
#[test]
fn case_index_v2_migrates() {
    let case = sample_case();
    let mut closed = sample_case();
    closed
        .close_without_debrief("A one-off; nothing for the school to learn.", &case.concern.recorded_by, at(11, 9))
        .unwrap();
    let rows = vec![
        migrated(CaseSummary::of(7, 3, &case, &Catalogue::seed())),
        migrated(CaseSummary::of(8, 5, &closed, &Catalogue::seed())),
    ];
    assert!(rows[1].closed_without_debrief);
    golden_old("case-index", 2, &rows);
}

/// Issue 12: format 3 of the index names each concern's people; its rows
/// migrate to be read again (format 4 adds the triage's pathway).
#[test]
fn case_index_v3_migrates() {
    let rows = vec![migrated(CaseSummary::of(7, 3, &sample_case_v2(), &Catalogue::seed()))];
    assert_eq!(rows[0].people, vec![(12, Part::Subject), (40, Part::Witness)]);
    golden_old("case-index", 3, &rows);
}

/// Issue 13 review: format 4 of the index keeps the current triage's
/// pathway, which the LADO's and the examining body's deadlines follow.
#[test]
fn case_index_v4() {
    let case = sample_case_v2();
    let mut triaged = sample_case_v2();
    triaged
        .record_triage(
            Triage {
                risk: Risk::High,
                urgency: Urgency::Urgent,
                pathway: "allegation-lado".into(),
                linked_policy: "allegations".into(),
                assignee: None,
                next_review: None,
                reasoning: "An allegation about a member of staff.".into(),
                decided_by: case.concern.recorded_by.clone(),
                decided_at: at(11, 9),
            },
            &Catalogue::seed(),
        )
        .unwrap();
    let rows =
        vec![CaseSummary::of(7, 3, &case, &Catalogue::seed()), CaseSummary::of(8, 5, &triaged, &Catalogue::seed())];
    assert_eq!(rows[1].pathway.as_deref(), Some("allegation-lado"));
    golden("case-index", &rows);
}

/// P6.1-f (issue 13 review): a search's escalation is its own appended
/// entry kind, not a triage decision; its place is pinned (bincode numbers
/// variants by position).
#[test]
fn case_file_escalated_v2() {
    let mut case = sample_case_v2();
    let deputy = Author { member: 2, name: "Mr Deputy Golden".into() };
    case.escalate(at(11, 10), "SR-0001 revealed a safeguarding risk (P6.1-f).", &deputy, at(11, 10)).unwrap();
    assert_eq!(case.chronology.last().unwrap().kind, EntryKind::Escalation);
    golden("case-escalated", &case);
}

/// Issue 13 (P6.1-b, PRODUCT 7b): a device's custody event in the
/// concern's chronology, its own appended entry kind; its place is pinned.
#[test]
fn case_file_custody_entry_v2() {
    let mut case = sample_case_v2();
    let deputy = Author { member: 2, name: "Mr Deputy Golden".into() };
    let text = format!("{}returned to Mrs Golden Carer", casebook::domain::concern::custody_entry_prefix(1, 2));
    case.note_custody(at(11, 12), &text, &deputy, at(11, 12)).unwrap();
    assert_eq!(case.custody_events(), vec![(1, 2)]);
    golden("case-custody-entry", &case);
}

/// Issue 13 (S-a, PRODUCT 7b): a referral or search written in the
/// concern's chronology, its own appended entry kind; its place is pinned.
#[test]
fn case_file_record_entry_v2() {
    let mut case = sample_case_v2();
    let deputy = Author { member: 2, name: "Mr Deputy Golden".into() };
    case.note_record(at(11, 13), "R-0001: LADO: 2026-03-11 by Mr Deputy Golden", &deputy, at(11, 13)).unwrap();
    assert_eq!(case.records_named(), vec![("R", 1)]);
    golden("case-record-entry", &case);
}

/// Issue 8 (P9-c): a case closed without a debrief, its own entry kind.
#[test]
fn case_file_closed_without_debrief_v1() {
    let mut case = sample_case();
    let dsl = case.concern.recorded_by.clone();
    case.close_without_debrief("A one-off; nothing for the school to learn.", &dsl, at(11, 9)).unwrap();
    golden_old("case-closed-without-debrief", 1, &case);
}

#[test]
fn member_name_v1() {
    golden("member-name", &MemberName("Ms Golden Sample".into()));
}

#[test]
fn school_v1() {
    golden("school", &School { name: "Golden Fixture Primary".into() });
}

/// Issue 13 (S-b): the school's term dates, kept as the DSL's own text.
#[test]
fn term_dates_v1() {
    golden(
        "term-dates",
        &TermDates {
            text: "# Golden Fixture Primary\n2026-12-21..2027-01-01 Christmas holiday\n2027-01-04 INSET day\n".into(),
        },
    );
}

/// Issue 13 (P5-g, P6-b, P9-b, P9-g, S-b): a referral or contact; the
/// parents/carers kind uses every field.
#[test]
fn referral_v1() {
    use casebook::domain::{Referral, ReferralKind};
    golden(
        "referral",
        &Referral {
            id: 3,
            case_id: 7,
            case_reference: "C-2026-0007".into(),
            kind: ReferralKind::Parents,
            date: NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
            by: "Mr Deputy Golden".into(),
            reference: "ESS-0042".into(),
            agency: "Education Safeguarding Service".into(),
            contact: "Ms Golden Adviser".into(),
            outcome: "Not yet: strategy meeting first.".into(),
            informed: Some(false),
            why_not: "Advice: telling them now could put the pupil at risk.".into(),
            follow_up: NaiveDate::from_ymd_opt(2026, 3, 12),
            supersedes: Some(2),
            recorded_by: golden_dsl(),
            recorded_at: at(9, 16),
        },
    );
}

/// Issue 13 (P6.1-a, P6.1-b, P6.1-d, P6.1-h): a confiscated device and its
/// chain; every kind of event, a correction among them.
#[test]
fn custody_v1() {
    use casebook::domain::{Custody, CustodyEvent, CustodyMove};
    let dsl = golden_dsl();
    let event = |seq, h, change, corrects| CustodyEvent {
        seq,
        at: at(10, h),
        change,
        note: format!("Golden note {seq}."),
        corrects,
        recorded_by: dsl.clone(),
        recorded_at: at(10, h),
    };
    golden(
        "custody",
        &Custody {
            id: 4,
            case_id: 7,
            case_reference: "C-2026-0007".into(),
            device: "mobile-phone".into(),
            description: "Golden case, cracked".into(),
            owner: "Pupil Golden".into(),
            owner_person: Some(12),
            confiscated_by: "Mr Invigilator Golden".into(),
            confiscated_at: at(9, 9),
            reason: "Found in the exam room.".into(),
            held_at: "the school office".into(),
            events: vec![
                event(2, 9, CustodyMove::Moved { to: "the head's safe".into() }, None),
                event(3, 10, CustodyMove::Police { reference: "CR/0042/26".into(), officer: "PC Golden".into() }, None),
                event(4, 11, CustodyMove::Correction, Some(3)),
                event(
                    5,
                    15,
                    CustodyMove::Returned {
                        released_by: "Ms Office Golden".into(),
                        collected_by: "Mrs Carer Golden".into(),
                        signature: true,
                    },
                    None,
                ),
            ],
            recorded_by: golden_dsl(),
            recorded_at: at(9, 10),
        },
    );
}

/// Issue 13 (P5-f, P5-g): the DSL's restriction of an allegation to named
/// members, with one excluded as a subject of it.
#[test]
fn restriction_v1() {
    use casebook::domain::restricted::Restriction;
    golden(
        "restriction",
        &Restriction {
            case_id: 7,
            allowed: vec![2, 5],
            excluded: vec![6],
            reason: "Allegation against a member of staff (P5-g).".into(),
            set_by: golden_dsl(),
            set_at: at(9, 17),
        },
    );
}

/// Issue 13 (P5-a, P5-c, P5-e, P7-b): a register entry; the visitor
/// arrangement uses every field.
#[test]
fn register_entry_v1() {
    use casebook::domain::register::{RegisterEntry, RegisterKind};
    golden(
        "register-entry",
        &RegisterEntry {
            id: 4,
            kind: RegisterKind::VisitorDevice,
            who: "Dr Golden Visitor".into(),
            person: Some(12),
            organisation: "Fictional NHS Trust".into(),
            date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            until: NaiveDate::from_ymd_opt(2026, 7, 17),
            reason: "Speech therapy sessions".into(),
            permitted: "Laptop in the therapy room only".into(),
            risk_assessment: "RA-2026-07".into(),
            granted_by: "Mrs Golden Head".into(),
            recorded_by: golden_dsl(),
            recorded_at: at(9, 18),
        },
    );
}

/// Issue 13 (P6.1-e, P6.1-f, P6.1-g): a search of a device, its data
/// erased for a reason, a safeguarding risk found.
#[test]
fn device_search_v1() {
    use casebook::domain::searches::{DataAction, DeviceSearch};
    golden(
        "device-search",
        &DeviceSearch {
            id: 2,
            case_id: 7,
            case_reference: "C-2026-0007".into(),
            custody: Some(4),
            device: "Mobile phone (golden case)".into(),
            authorised_by: "Mrs Head Golden".into(),
            searched_by: "Mr Deputy Golden".into(),
            witnessed_by: "Ms Witness Golden".into(),
            at: at(9, 14),
            grounds: "Reported filming in the toilets.".into(),
            looked_for: "Images taken in the toilets.".into(),
            found: "One image, shared with two pupils.".into(),
            data: DataAction::Erased,
            data_reason: "To stop it being shared further, after the police declined it.".into(),
            safeguarding_risk: true,
            recorded_by: golden_dsl(),
            recorded_at: at(9, 15),
        },
    );
}

/// Issue 13 (P3-a, P2-a): the school's own catalogue file, kept as written.
#[test]
fn catalogue_file_v1() {
    golden(
        "catalogue-file",
        &codec::CatalogueFile {
            text: "# Golden Primary's catalogue\n[[locations]]\nid = \"changing-room\"\nlabel = \"Changing room\"\nrestricted = true\n"
                .into(),
        },
    );
}

// ---- issue 5: debriefs, actions, policy review, figures (P9-c, P9-d, P8-a, P9-e)

fn golden_dsl() -> Author {
    Author { member: 1, name: "Ms Golden Sample".into() }
}

#[test]
fn debrief_v1() {
    golden(
        "debrief",
        &Debrief {
            id: 2,
            reference: "D-2026-0002".into(),
            concerns: vec![
                ConcernLink { case_id: 7, reference: "C-2026-0007".into() },
                ConcernLink { case_id: 9, reference: "C-2026-0009".into() },
            ],
            held_on: NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
            attendees: vec![golden_dsl(), Author { member: 3, name: "Dr Golden Governor".into() }],
            other_attendees: vec!["Ms Golden Adviser, LA".into()],
            summary: "A device was used during an exam.".into(),
            what_worked: "The invigilator acted at once.".into(),
            what_did_not: "Watches were not on the kit list.".into(),
            lessons: vec![
                Lesson { seq: 1, text: "Name smart watches in exam rules.".into() },
                Lesson { seq: 2, text: "Brief invigilators each term.".into() },
            ],
            changes_needed: "Add smart watches to section 6.".into(),
            recorded_by: golden_dsl(),
            recorded_at: at(20, 15),
        },
    );
}

#[test]
fn action_v1() {
    let mut action = Action {
        id: 4,
        debrief: 2,
        debrief_reference: "D-2026-0002".into(),
        lesson: 1,
        description: "Redraft the exam rules.".into(),
        kind: ActionKind::PolicyChange,
        owner: Author { member: 3, name: "Dr Golden Governor".into() },
        due: NaiveDate::from_ymd_opt(2026, 4, 30).unwrap(),
        created_by: golden_dsl(),
        created_at: at(20, 16),
        history: vec![],
    };
    action.change_status(ActionStatus::InProgress, "Draft started.", &golden_dsl(), at(23, 9)).unwrap();
    action.change_status(ActionStatus::Done, "Adopted by governors.", &golden_dsl(), at(27, 9)).unwrap();
    golden("action", &action);
}

#[test]
fn policy_v1() {
    let mut policy = TrackedPolicy::from_catalogue(1, &Catalogue::seed().policy);
    policy
        .log_trigger(ReviewTrigger {
            kind: TriggerKind::ActionPolicyChange,
            note: "A-0004 asks for it.".into(),
            action: Some(4),
            by: golden_dsl(),
            at: at(20, 16),
        })
        .unwrap();
    policy
        .record_review(Review {
            date: NaiveDate::from_ymd_opt(2026, 3, 27).unwrap(),
            version: "March 2026".into(),
            note: "Smart watches added.".into(),
            closed_actions: vec![4],
            by: golden_dsl(),
            recorded_at: at(27, 10),
        })
        .unwrap();
    golden("policy", &policy);
}

#[test]
fn figures_v1_migrates() {
    let case = sample_case();
    let rows = vec![CaseSummary::of(7, 3, &case, &Catalogue::seed())];
    golden_old("figures", 1, &Figures::from_rows(&rows, at(27, 11)));
}

/// Issue 8 (P9-c): format 2 of the figures counts concerns closed without a debrief.
#[test]
fn figures_v2() {
    let case = sample_case();
    let mut closed = sample_case();
    closed
        .close_without_debrief("A one-off; nothing for the school to learn.", &case.concern.recorded_by, at(11, 9))
        .unwrap();
    let rows =
        vec![CaseSummary::of(7, 3, &case, &Catalogue::seed()), CaseSummary::of(8, 5, &closed, &Catalogue::seed())];
    let figures = Figures::from_rows(&rows, at(27, 11));
    assert_eq!(figures.closed_without_debrief, 1);
    golden("figures", &figures);
}

/// Issue 10: the bound envelope. A record names its place (tree, id,
/// revision) inside its encryption and, written by a member without the
/// class key, carries an attestation. Pinned like every body format.
#[test]
fn bound_envelope_v1() {
    use casebook::store::Place;
    use casebook::store::codec::Attestation;
    let place = Place::new("cases", 7u32.to_be_bytes().to_vec(), 3);
    let attestation = Attestation { author: 4, tags: vec![(1, [9; 32]), (2, [7; 32])] };
    // The envelope as issue 10 wrote it, around a format 1 case body: it
    // still opens, the body migrated (issue 12).
    let old = std::fs::read(golden_path("bound-case", 1)).unwrap();
    let opened = codec::decode_at::<CaseFile>(&old, &place).unwrap();
    assert_eq!(opened.value, sample_case());
    assert_eq!(opened.attestation, Some(attestation.clone()));
    let sample_case = sample_case_v2;
    let today = codec::encode_at(&sample_case(), &place, |_| Some(attestation.clone()));
    let path = golden_path("bound-case-body2", 1);
    if !path.exists() && std::env::var_os("GOLDEN_WRITE").is_some() {
        std::fs::write(&path, &today).unwrap();
    }
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|_| panic!("{} is missing: run with GOLDEN_WRITE=1 once, and commit it", path.display()));
    assert_eq!(today, bytes, "today's bound envelope differs from the golden bytes");
    let opened = codec::decode_at::<CaseFile>(&bytes, &place).unwrap();
    assert_eq!(opened.value, sample_case());
    assert!(opened.bound);
    assert_eq!(opened.attestation, Some(attestation));
    // Found anywhere else, it says where it belongs.
    let elsewhere = Place::new("cases", 8u32.to_be_bytes().to_vec(), 3);
    let err = codec::decode_at::<CaseFile>(&bytes, &elsewhere).unwrap_err().to_string();
    assert!(err.contains("sealed as cases #7 revision 3 but is kept as cases #8 revision 3"), "{err}");
}

/// Issue 13: a file attached to a concern.
#[test]
fn attachment_v1() {
    use casebook::store::attachments::Attachment;
    golden(
        "attachment",
        &Attachment {
            case_id: 7,
            number: 2,
            name: "signed-form.pdf".into(),
            note: "Signed at collection.".into(),
            bytes: b"%PDF-fictional".to_vec(),
            added_by: golden_dsl(),
            added_at: at(12, 9),
        },
    );
}

/// S-d, S-e: a disposal record (an early one, so every field is used).
#[test]
fn disposal_v1() {
    use casebook::domain::retention::{Disposal, Disposed, Removed};
    golden(
        "disposal",
        &Disposal {
            what: Disposed::Concern { case_id: 7, reference: "C-2001-0007".into() },
            disposed_at: at(20, 16),
            by: golden_dsl(),
            reason: "Retention ended".into(),
            basis: "kept until 2026-03-01: the 25th birthday of the child P-0003 (S-d)".into(),
            early: Some("A duplicate".into()),
            removed: Removed { referrals: vec![3, 5], custody: vec![2], searches: vec![1], files: vec![1, 2] },
        },
    );
}

/// Issue 13 item 3 (P4-a): the appended register kinds keep their place
/// (bincode numbers variants by position): a school device's entry.
#[test]
fn register_entry_school_device_v1() {
    use casebook::domain::register::{RegisterEntry, RegisterKind};
    golden(
        "register-entry-school-device",
        &RegisterEntry {
            id: 9,
            kind: RegisterKind::SchoolDevice,
            who: "Ms Golden Teacher".into(),
            person: None,
            organisation: String::new(),
            date: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            until: None,
            reason: "iPad (asset 17)".into(),
            permitted: "yes".into(),
            risk_assessment: "yes".into(),
            granted_by: "no".into(),
            recorded_by: golden_dsl(),
            recorded_at: at(9, 18),
        },
    );
}
