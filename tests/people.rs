//! Issue 12 (P1-a): people, concerns linked to them with their part, a person's
//! whole history, merging, the pupil roll and the MIS import, over a real
//! temp store with real age encryption, and Debian's `age` on the raw
//! records to prove who can open a person's record.

mod common;
use common::*;

use std::path::PathBuf;

use age::x25519::Identity;
use casebook::domain::person::{LinkKind, PersonDetails};
use casebook::domain::{EntryKind, NewConcern, Part, Role, Source, Status, Subject, SubjectKind};
use casebook::store::people::SubjectMatch;
use casebook::store::{Session, Store, StoreError};
use chrono::{NaiveDate, NaiveDateTime};

fn t(day: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, day).unwrap().and_hms_opt(h, 0, 0).unwrap()
}

struct Lib {
    _dir: tempfile::TempDir,
    path: PathBuf,
    dsl: Identity,
    deputy: Identity,
    lead: Identity,
    reporter: Identity,
}

impl Lib {
    fn new() -> Lib {
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
        let deputy = add("Mr Deputy Fictional", Role::Deputy);
        let lead = add("Ms Head Fictional", Role::Leadership);
        let reporter = add("Mx Teacher Fictional", Role::Reporter);
        drop(s);
        Lib { _dir: dir, path, dsl, deputy, lead, reporter }
    }

    fn open(&self, who: &Identity) -> Session {
        Store::open(&self.path).unwrap().unlock(who.clone()).unwrap()
    }
}

fn child(name: &str, year: &str, upn: &str) -> PersonDetails {
    PersonDetails { name: name.into(), detail: year.into(), school_id: upn.into(), ..Default::default() }
}

fn concern_about(subjects: Vec<Subject>, description: &str) -> NewConcern {
    NewConcern {
        occurred_at: t(2, 9),
        reported_by: String::new(),
        subjects,
        category: "abusive-messages".into(),
        location: "classroom".into(),
        devices: vec![],
        description: description.into(),
        immediate_action: String::new(),
        source: Source::StaffReport,
    }
}

fn linked(person: u32, part: Part) -> Subject {
    let mut s = Subject::named(SubjectKind::Child, "", "");
    s.person = Some(person);
    s.part = part;
    s
}

#[test]
fn a_child_is_found_accent_blind_and_their_concerns_make_one_history() {
    let lib = Lib::new();
    let mut dsl = lib.open(&lib.dsl);
    let zoe = dsl.add_person(SubjectKind::Child, child("Zoë Ødegård", "Year 5", "A123456789012"), t(1, 9)).unwrap();
    let milo = dsl.add_person(SubjectKind::Child, child("Milo Loxley-Vane", "Year 3", ""), t(1, 9)).unwrap();
    // Typed without accents, found; the same UPN twice is refused by name.
    let hits = dsl.find_people("zoe odegard", 10).unwrap();
    assert_eq!(hits.iter().map(|p| p.id).collect::<Vec<_>>(), vec![zoe.id]);
    let err = dsl.add_person(SubjectKind::Child, child("Zoe Odegard", "Year 5", "a123456789012"), t(1, 9)).unwrap_err();
    assert!(err.to_string().contains(&zoe.label()), "{err}");

    let first =
        dsl.record_concern(concern_about(vec![linked(zoe.id, Part::Subject)], "First message."), t(2, 10)).unwrap();
    let second = dsl
        .record_concern(
            concern_about(vec![linked(milo.id, Part::Alleged), linked(zoe.id, Part::Subject)], "Second message."),
            t(3, 10),
        )
        .unwrap();
    let witness = dsl.record_concern(concern_about(vec![linked(zoe.id, Part::Witness)], "Saw it."), t(4, 10)).unwrap();
    // The subject took the person's name from the record.
    let case = dsl.case(first.id).unwrap();
    assert_eq!(case.concern.subjects[0].name, "Zoë Ødegård");
    assert_eq!(case.concern.subjects[0].detail, "Year 5");

    let view = dsl.person_view(zoe.id).unwrap();
    let refs: Vec<&str> = view.concerns.iter().map(|(r, _)| r.reference.as_str()).collect();
    assert_eq!(refs, vec![witness.reference.as_str(), second.reference.as_str(), first.reference.as_str()]);
    assert_eq!(view.about_counts(), (2, 2), "a witness's concern is not one about her");
    // One chronology across the concerns, newest first, each entry with its concern.
    let chron: Vec<&str> = view.chronology.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(chron.first().copied(), Some(witness.reference.as_str()));
    assert!(chron.contains(&first.reference.as_str()) && chron.contains(&"person"));
    assert!(view.chronology.windows(2).all(|w| w[0].1.at >= w[1].1.at), "newest first");

    // The board rows carry the people, for the "other concerns" marker.
    let board = dsl.board().unwrap();
    let row = board.rows.iter().find(|r| r.id == second.id).unwrap();
    assert_eq!(row.people, vec![(milo.id, Part::Alleged), (zoe.id, Part::Subject)]);
}

#[test]
fn an_ambiguous_name_asks_and_an_unknown_person_is_refused() {
    let lib = Lib::new();
    let mut dsl = lib.open(&lib.dsl);
    dsl.add_person(SubjectKind::Child, child("Zoë Ødegård", "Year 5", ""), t(1, 9)).unwrap();
    dsl.add_person(SubjectKind::Child, child("Zoe Odegard", "Year 2", ""), t(1, 9)).unwrap();
    match dsl.match_subject(Some(SubjectKind::Child), "ZOE ODEGARD").unwrap() {
        SubjectMatch::Ambiguous(both) => assert_eq!(both.len(), 2),
        other => panic!("expected to be asked, got {other:?}"),
    }
    let err = dsl.record_concern(concern_about(vec![linked(99, Part::Subject)], "x"), t(2, 9)).unwrap_err();
    assert!(err.to_string().contains("P-0099 is not a person on record"), "{err}");
}

#[test]
fn a_reporter_picks_a_pupil_from_the_roll_and_reads_nothing_else() {
    let lib = Lib::new();
    let mut dsl = lib.open(&lib.dsl);
    let mut details = child("Noor Pell", "Year 1", "N123456789012");
    details.date_of_birth = NaiveDate::from_ymd_opt(2020, 1, 2);
    details.note = "PLANTED-PERSON-NOTE".into();
    let noor = dsl.add_person(SubjectKind::Child, details, t(1, 9)).unwrap();
    dsl.add_person(SubjectKind::Staff, child("Ms Staff Fictional", "Teacher", "S1"), t(1, 9)).unwrap();
    drop(dsl);

    let mut reporter = lib.open(&lib.reporter);
    let roll = reporter.roll().unwrap();
    assert_eq!(roll.len(), 1, "children only");
    assert_eq!((roll[0].name.as_str(), roll[0].year_group.as_str()), ("Noor Pell", "Year 1"));
    assert!(matches!(reporter.people(), Err(StoreError::Forbidden { .. })));
    assert!(matches!(reporter.person(noor.id), Err(StoreError::Forbidden { .. })));
    let SubjectMatch::One(p) = reporter.match_subject(Some(SubjectKind::Child), "noor pell").unwrap() else {
        panic!("the reporter finds the pupil on the roll")
    };
    assert_eq!(p.date_of_birth, None, "the roll holds no date of birth");
    assert_eq!(p.school_id, "", "nor the UPN");
    let recorded =
        reporter.record_concern(concern_about(vec![linked(noor.id, Part::Subject)], "Seen upset."), t(2, 9)).unwrap();
    drop(reporter);

    let mut lead = lib.open(&lib.lead);
    assert!(matches!(lead.people(), Err(StoreError::Forbidden { .. })));
    drop(lead);

    let mut dsl = lib.open(&lib.dsl);
    let view = dsl.person_view(noor.id).unwrap();
    assert_eq!(view.concerns.len(), 1);
    assert_eq!(view.concerns[0].0.reference, recorded.reference);
    drop(dsl);

    // At rest: neither the note nor the UPN is in clear anywhere.
    assert_no_plaintext(&lib.path, &["PLANTED-PERSON-NOTE", "N123456789012", "Noor Pell"]);
}

#[test]
fn only_the_dsl_and_deputies_hold_a_key_to_a_person_record() {
    let lib = Lib::new();
    let mut dsl = lib.open(&lib.dsl);
    let p = dsl.add_person(SubjectKind::Child, child("Tam Quill", "Year 6", ""), t(1, 9)).unwrap();
    drop(dsl);
    let deputy = lib.open(&lib.deputy);
    assert_eq!(deputy.person(p.id).unwrap().name, "Tam Quill");
    drop(deputy);
    // Raw records: Debian's age opens the person record with the deputy's
    // key, and not with leadership's or the reporter's.
    let raw = raw_record(&lib.path, "people", &p.id.to_be_bytes());
    let dir = tempfile::tempdir().unwrap();
    let sealed = dir.path().join("person.age");
    std::fs::write(&sealed, raw).unwrap();
    for (who, opens) in [(&lib.deputy, true), (&lib.lead, false), (&lib.reporter, false)] {
        let key = dir.path().join("key.txt");
        std::fs::write(&key, format!("{}\n", age::secrecy::ExposeSecret::expose_secret(&who.to_string()))).unwrap();
        let out = age_tool("age").args(["-d", "-i"]).arg(&key).arg(&sealed).output().unwrap();
        assert_eq!(out.status.success(), opens, "{}", String::from_utf8_lossy(&out.stderr));
    }
    // The deputy leaves: the person record, the people index and the roll
    // are sealed again, and their key opens none of them (issue 10 + 12).
    let mut dsl = lib.open(&lib.dsl);
    let deputy_id = dsl.members().iter().find(|m| m.role == Role::Deputy).unwrap().id;
    dsl.remove_member(deputy_id).unwrap();
    drop(dsl);
    let key = dir.path().join("deputy.txt");
    std::fs::write(&key, format!("{}\n", age::secrecy::ExposeSecret::expose_secret(&lib.deputy.to_string()))).unwrap();
    for tree in ["people", "people_index", "roll"] {
        let db = raw_db(&lib.path);
        let values: Vec<Vec<u8>> = db.open_tree(tree).unwrap().iter().map(|kv| kv.unwrap().1.to_vec()).collect();
        drop(db);
        assert!(!values.is_empty(), "{tree} holds records");
        for v in values {
            std::fs::write(&sealed, v).unwrap();
            let out = age_tool("age").args(["-d", "-i"]).arg(&key).arg(&sealed).output().unwrap();
            assert!(!out.status.success(), "the departed deputy opened a record of {tree}");
        }
    }
    let dsl = lib.open(&lib.dsl);
    assert_eq!(dsl.person(p.id).unwrap().name, "Tam Quill", "the DSL still reads it");
}

fn raw_record(path: &std::path::Path, tree: &str, key: &[u8]) -> Vec<u8> {
    let db = raw_db(path);
    db.open_tree(tree).unwrap().get(key).unwrap().unwrap().to_vec()
}

#[test]
fn two_records_of_one_child_merge_and_a_misspelling_is_corrected() {
    let lib = Lib::new();
    let mut dsl = lib.open(&lib.dsl);
    let keep = dsl.add_person(SubjectKind::Child, child("Ellie Marsh", "Year 4", "E123456789012"), t(1, 9)).unwrap();
    let other = dsl.add_person(SubjectKind::Child, child("Elly Marsh", "", ""), t(1, 9)).unwrap();
    let sister = dsl.add_person(SubjectKind::Child, child("Fern Marsh", "Year 2", ""), t(1, 9)).unwrap();
    dsl.link_people(other.id, LinkKind::Sibling, sister.id, "", t(1, 10)).unwrap();
    let c = dsl.record_concern(concern_about(vec![linked(other.id, Part::Subject)], "About Elly."), t(2, 9)).unwrap();

    let merged = dsl.merge_people(keep.id, other.id, t(3, 9)).unwrap();
    assert!(merged.other_names.contains(&"Elly Marsh".to_string()));
    assert_eq!(merged.siblings().collect::<Vec<_>>(), vec![sister.id], "the sibling link moved");
    assert_eq!(dsl.person(sister.id).unwrap().siblings().collect::<Vec<_>>(), vec![keep.id]);
    assert_eq!(dsl.person(other.id).unwrap().merged_into, Some(keep.id), "the merged record is kept");
    // The concern now names the kept record; its chronology says so.
    let case = dsl.case(c.id).unwrap();
    assert_eq!(case.concern.subjects[0].person, Some(keep.id));
    assert!(case.chronology.iter().any(|e| e.kind == EntryKind::People && e.text.contains(&other.label())));
    let view = dsl.person_view(keep.id).unwrap();
    assert_eq!(view.concerns.len(), 1);
    assert!(view.chronology.iter().any(|(r, e)| r == "person" && e.text.contains("merged with")));
    // A search by the old spelling finds the kept record, not the merged one.
    let hits = dsl.find_people("elly", 10).unwrap();
    assert_eq!(hits.iter().map(|p| p.id).collect::<Vec<_>>(), vec![keep.id]);

    let renamed = dsl.rename_person(keep.id, "Ellie Marsh-Lowe", t(4, 9)).unwrap();
    assert!(renamed.other_names.contains(&"Ellie Marsh".to_string()), "the earlier spelling is kept");
    drop(dsl);
    // Only the DSL merges.
    let mut deputy = lib.open(&lib.deputy);
    assert!(matches!(deputy.merge_people(keep.id, sister.id, t(5, 9)), Err(StoreError::Forbidden { .. })));
}

#[test]
fn subjects_typed_before_people_were_kept_are_grouped_and_adopted() {
    let lib = Lib::new();
    let mut dsl = lib.open(&lib.dsl);
    let named = |name: &str| Subject::named(SubjectKind::Child, name, "Year 5");
    let a = dsl.record_concern(concern_about(vec![named("Zoë Ødegård")], "One."), t(2, 9)).unwrap();
    let b = dsl.record_concern(concern_about(vec![named("zoe  odegard")], "Two."), t(3, 9)).unwrap();
    dsl.record_concern(concern_about(vec![named("Milo Loxley-Vane")], "Three."), t(4, 9)).unwrap();
    let groups = dsl.unlinked_subjects().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].subjects.len(), 2, "accent- and case-blind");
    let person = dsl.adopt_group(&groups[0], None, t(5, 9)).unwrap();
    for id in [a.id, b.id] {
        assert_eq!(dsl.case(id).unwrap().concern.subjects[0].person, Some(person.id));
    }
    assert_eq!(dsl.unlinked_subjects().unwrap().len(), 1);
    // A closed concern is linked too: the child's history must find it.
    let closed = dsl.record_concern(concern_about(vec![named("Milo Loxley-Vane")], "Four."), t(6, 9)).unwrap();
    dsl.transition(closed.id, Status::Closed, "No further action.", t(6, 10)).ok();
    let groups = dsl.unlinked_subjects().unwrap();
    let milo = dsl.adopt_group(&groups[0], None, t(7, 9)).unwrap();
    assert_eq!(dsl.person_view(milo.id).unwrap().concerns.len(), 2);
}

// ---- the real binary: MIS import, concerns naming people ------------------

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mis").join(name)
}

#[test]
fn an_mis_export_imports_reruns_each_term_and_refuses_a_malformed_file_whole() {
    let env = Env::new();
    let school = env.school();
    // Dry run: says what it would do, changes nothing.
    let out = ok(env.casebook(&school.dsl).args(["people", "import", "--dry-run"]).arg(fixture("pupils.csv")));
    assert!(out.contains("Dry run, nothing changed: 5 added"), "{out}");
    assert!(ok(env.casebook(&school.dsl).args(["people", "list"])).contains("No people yet."));

    let out = ok(env.casebook(&school.dsl).args(["people", "import"]).arg(fixture("pupils.csv")));
    assert!(out.contains("5 added, 0 updated, 0 unchanged, 2 parent(s)/carer(s) added"), "{out}");
    assert!(out.contains("Skipped line 6: it repeats line 3"), "{out}");
    let list = ok(env.casebook(&school.dsl).args(["people", "list", "year", "3"]));
    assert!(list.contains("Milo Loxley-Vane") && !list.contains("Ivy"), "{list}");
    // Accent-blind, and the legal name finds the pupil too.
    assert!(ok(env.casebook(&school.dsl).args(["people", "list", "zoe", "odegard"])).contains("Zoë Ødegård"));
    assert!(ok(env.casebook(&school.dsl).args(["people", "list", "millicent"])).contains("Milo Loxley-Vane"));
    let show = ok(env.casebook(&school.dsl).args(["people", "show", "A100000000003"]));
    assert!(show.contains("Born: 2015-11-14; kept until 2040-11-14 (25th birthday)"), "{show}");
    assert!(show.contains("child of: ") && show.contains("Ros Loxley-Vane"), "{show}");
    assert!(show.contains("sibling: P-0003 Milo Loxley-Vane"), "children sharing a parent/carer are siblings: {show}");
    // The two Loxley-Vane children share one parent record.
    let ros = ok(env.casebook(&school.dsl).args(["people", "list", "ros"]));
    assert_eq!(ros.lines().count(), 2, "one header, one Ros: {ros}");

    // A malformed file: each bad row named by line, nothing imported.
    let out = env.casebook(&school.dsl).args(["people", "import"]).arg(fixture("malformed.csv")).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    for line in ["line 3: the UPN", "line 4: the date of birth", "line 5: has 3 fields"] {
        assert!(stderr.contains(line), "{line} in {stderr}");
    }
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert!(!ok(env.casebook(&school.dsl).args(["people", "list"])).contains("Ash Morrow"));
    // --skip-bad imports the rows that read.
    let out = ok(env.casebook(&school.dsl).args(["people", "import", "--skip-bad"]).arg(fixture("malformed.csv")));
    assert!(out.contains("1 added, 0 updated, 1 unchanged"), "{out}");

    // Next term: year groups move on, a preferred name changes, one joins.
    let out = ok(env.casebook(&school.dsl).args(["people", "import"]).arg(fixture("next-term.csv")));
    assert!(out.contains("1 added, 5 updated, 0 unchanged"), "{out}");
    assert!(out.contains("Milly Loxley-Vane (line 3): name (was Milo Loxley-Vane), year group"), "{out}");
    let milly = ok(env.casebook(&school.dsl).args(["people", "show", "A100000000002"]));
    assert!(milly.contains("Also known as: Millicent Loxley-Vane; Milo Loxley-Vane"), "{milly}");
    // Run again: nothing changes.
    let out = ok(env.casebook(&school.dsl).args(["people", "import"]).arg(fixture("next-term.csv")));
    assert!(out.contains("0 added, 0 updated, 6 unchanged"), "{out}");

    // Leadership and reporters hold no key to people.
    let err = fails(env.casebook(&school.leadership).args(["people", "list"]));
    assert!(err.contains("read people") || err.contains("not allowed") || err.contains("cannot"), "{err}");
    fails(env.casebook(&school.reporter).args(["people", "import"]).arg(fixture("pupils.csv")));
    assert_no_plaintext(&env.store(), &["A100000000003", "Loxley-Vane", "Ødegård"]);
}

#[test]
fn a_concern_names_people_by_name_or_number_and_an_ambiguous_name_is_asked() {
    let env = Env::new();
    let school = env.school();
    ok(env.casebook(&school.dsl).args(["people", "import"]).arg(fixture("pupils.csv")));
    // A reporter picks a pupil from the roll by name; the DSL's view links it.
    let reference = add_concern(&env, &school.reporter, "child:Zoe Odegard", "Phone seen in the toilets.");
    let show = ok(env.casebook(&school.dsl).args(["show", &reference]));
    assert!(show.contains("Zoë Ødegård (child, Year 5) P-0001"), "{show}");
    // A name nobody has: the DSL's concern adds a person on the spot.
    let out = ok(env.casebook(&school.dsl).args(concern_args("child:Rowan Birch:Year 2", "x")));
    assert!(out.contains("Added P-") && out.contains("Rowan Birch (child, Year 2) to people."), "{out}");
    // A near miss is asked about, not made a second record.
    let err = fails(env.casebook(&school.dsl).args(concern_args("child:Rowan", "near")));
    assert!(err.contains("did you mean P-") && err.contains("Rowan Birch"), "{err}");
    // Two people of one name: asked, never guessed, nothing recorded.
    ok(env.casebook(&school.dsl).args([
        "people",
        "add",
        "--kind",
        "child",
        "--name",
        "Zoe Odegard",
        "--detail",
        "Year 1",
    ]));
    let err = fails(env.casebook(&school.dsl).args(concern_args("child:ZOË ØDEGÅRD", "y")));
    assert!(err.contains("could be P-0001") && err.contains("nothing was recorded"), "{err}");
    // By number, with a part.
    let out = ok(env.casebook(&school.dsl).args(concern_args("witness=P-0001", "z")));
    let witness = recorded_reference(&out);
    let person = ok(env.casebook(&school.dsl).args(["people", "show", "P-0001"]));
    assert!(person.contains(&witness) && person.contains("witness"), "{person}");
    assert!(person.contains("Concerns (1 about them, 1 open)"), "{person}");
    // `show` says how many other concerns are about the child, as the TUI
    // does: a concern she only witnessed is not one of them.
    let show = ok(env.casebook(&school.dsl).args(["show", &reference]));
    assert!(!show.contains("Other concerns about them"), "{show}");
    ok(env.casebook(&school.dsl).args(concern_args("P-0001", "Again, in the cloakroom.")));
    let show = ok(env.casebook(&school.deputy).args(["show", &reference]));
    assert!(
        show.contains("Zoë Ødegård (P-0001): 1 other concern about this child (1 open): `casebook people show P-0001`"),
        "{show}"
    );
    // JSON takes a person too, and an unknown one is refused.
    let json =
        r#"{"subjects":[{"person":"P-0099"}],"category":"restricted-area","location":"toilets","description":"j"}"#;
    let mut child = env
        .casebook(&school.dsl)
        .args(["concern", "add", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), json.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let (_, err) = text(&out);
    assert!(!out.status.success());
    assert!(err.contains("P-0099 is not a person on record"), "{err}");
}

#[test]
fn the_dsl_links_an_old_concerns_subject_and_merges_duplicates_from_the_cli() {
    let env = Env::new();
    let school = env.school();
    let reference = add_concern(&env, &school.reporter, "child:Kit Fenwick:Year 2", "Old concern.");
    let out = ok(env.casebook(&school.dsl).args(["people", "unlinked"]));
    assert!(out.contains("1. Kit Fenwick (child) on ") && out.contains("no one on record"), "{out}");
    let err = fails(env.casebook(&school.dsl).args(["people", "adopt", "1"]));
    assert!(err.contains("no unlinked subjects are named \"1\""), "a position is not a name: {err}");
    ok(env.casebook(&school.dsl).args(["people", "adopt", "kit fenwick"]));
    assert!(ok(env.casebook(&school.dsl).args(["people", "unlinked"])).contains("Every subject is linked"));
    ok(env.casebook(&school.dsl).args([
        "people",
        "add",
        "--kind",
        "child",
        "--name",
        "Kit Fenwik",
        "--detail",
        "Year 3",
    ]));
    let said = ok(env.casebook(&school.dsl).args(["people", "merge", "Kit Fenwick", "Kit Fenwik"]));
    // S-c: what the two records disagreed on is said, and kept.
    assert!(said.contains("The records disagreed: year group Year 2 kept (P-0002 had Year 3)"), "{said}");
    let show = ok(env.casebook(&school.dsl).args(["people", "show", "Kit Fenwick"]));
    assert!(show.contains("Also known as: Kit Fenwik") && show.contains(&reference), "{show}");
    assert!(show.contains("merged with P-0002 (Kit Fenwik)"), "{show}");
    assert!(show.contains("year group Year 2 kept (P-0002 had Year 3)"), "{show}");
    let err = fails(env.casebook(&school.deputy).args(["people", "merge", "P-0001", "P-0002"]));
    assert!(err.contains("only the DSL"), "{err}");
}

/// With `casebook serve` (issue 9): a deputy imports and writes people, a
/// reporter reads only the roll (the server refuses them the people
/// trees), and leadership reads neither people nor their index.
#[test]
fn people_work_through_casebook_serve_with_the_same_boundaries() {
    let env = Env::new();
    let school = env.school();
    let server = Server::start(&env);
    let mut deputy = server.session(&school.deputy);
    let rows = casebook::domain::mis::read(&std::fs::read_to_string(fixture("pupils.csv")).unwrap(), None).unwrap();
    let report = deputy.import_people(&rows.rows, "pupils.csv", t(1, 9), false).unwrap();
    assert_eq!(report.added.len(), 5);
    let mut reporter = server.session(&school.reporter);
    assert_eq!(reporter.roll().unwrap().len(), 5);
    let SubjectMatch::One(ivy) = reporter.match_subject(Some(SubjectKind::Child), "ivy loxley-vane").unwrap() else {
        panic!("the roll is served to a reporter")
    };
    let recorded =
        reporter.record_concern(concern_about(vec![linked(ivy.id, Part::Subject)], "Served."), t(2, 9)).unwrap();
    let err = reporter.people().unwrap_err().to_string();
    assert!(err.contains("not allowed") || err.contains("cannot") || err.contains("reporter"), "{err}");
    let backend = reporter.backend().clone();
    for tree in ["people", "people_index"] {
        let refused = backend.scan(tree).unwrap_err().to_string();
        assert!(refused.contains("cannot read"), "{tree}: {refused}");
    }
    let lead = server.session(&school.leadership);
    for tree in ["people", "people_index"] {
        assert!(lead.backend().scan(tree).is_err(), "leadership is served no {tree}");
    }
    assert_eq!(deputy.person_view(ivy.id).unwrap().concerns[0].0.reference, recorded.reference);
}

/// Issue 11 + 12: salvage recovers person records (their index and the
/// roll are caches); the first search in the new store puts them back, and
/// a lost index shard is rebuilt from the records the same way.
#[test]
fn people_survive_salvage_and_a_lost_index_is_rebuilt_from_their_records() {
    let env = Env::new();
    let school = env.school();
    ok(env.casebook(&school.dsl).args(["people", "import"]).arg(fixture("pupils.csv")));
    let before = ok(env.casebook(&school.dsl).args(["people", "list"]));
    let damaged = env.path("damaged");
    copy_dir(&env.store(), &damaged);
    std::fs::remove_dir_all(env.store()).unwrap();
    let out = ok(env.casebook(&school.dsl).arg("salvage").arg(&damaged).arg("--into").arg(env.store()));
    assert!(!out.contains("P-0001: no intact copy"), "{out}");
    assert_eq!(ok(env.casebook(&school.dsl).args(["people", "list"])), before, "every person is back");
    let out = ok(env.casebook(&school.reporter).args(concern_args("child:Ivy Loxley-Vane", "After salvage.")));
    assert!(out.contains("Ivy Loxley-Vane is P-0005.\nRecorded C-2026-0001."), "{out}");
    let show = ok(env.casebook(&school.dsl).args(["people", "show", "Ivy Loxley-Vane"]));
    assert!(show.contains("C-2026-0001"), "the reporter picked her from the roll made again: {show}");

    // The whole people index deleted outside casebook: rebuilt, nobody lost.
    {
        let db = raw_db(&env.store());
        db.drop_tree("people_index").unwrap();
        db.flush().unwrap();
    }
    assert_eq!(ok(env.casebook(&school.dsl).args(["people", "list"])), before);
}

/// A person record copied over another on disk (PRODUCT.md 7b) is named by
/// `casebook verify` and refused when read, never shown as the other child.
#[test]
fn a_person_record_moved_on_disk_is_named_and_never_shown_as_someone_else() {
    let env = Env::new();
    let school = env.school();
    ok(env.casebook(&school.dsl).args(["people", "import"]).arg(fixture("pupils.csv")));
    {
        let db = raw_db(&env.store());
        let people = db.open_tree("people").unwrap();
        let first = people.get(1u32.to_be_bytes()).unwrap().unwrap();
        people.insert(3u32.to_be_bytes(), first).unwrap();
        db.flush().unwrap();
    }
    let out = env.casebook(&school.dsl).arg("verify").output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    assert!(format!("{stdout}{stderr}").contains("P-0003"), "{stdout}{stderr}");
    let err = fails(env.casebook(&school.dsl).args(["people", "show", "P-0003"]));
    assert!(err.contains("moved, copied or set back"), "{err}");
    // The others still list and open.
    assert!(ok(env.casebook(&school.dsl).args(["people", "show", "P-0001"])).contains("Zoë Ødegård"));
}

/// S-b: a child's child-protection file goes with them to their next school
/// as one file, readable with Debian's age by the receiving DSL's key; S-e:
/// the same file answers a subject access request. Never in clear on disk.
#[test]
fn a_childs_whole_file_is_exported_for_their_next_school_as_one_age_file() {
    let env = Env::new();
    let school = env.school();
    ok(env.casebook(&school.dsl).args(["people", "import"]).arg(fixture("pupils.csv")));
    let first = add_concern(&env, &school.dsl, "child:Ivy Loxley-Vane", "First: a phone in the toilets.");
    let second = add_concern(&env, &school.reporter, "child:Ivy Loxley-Vane", "Second: messages at break.");
    let (receiving, receiving_public) = env.key("receiving-school.key");
    let out = env.path("ivy.age");
    let said = ok(env
        .casebook(&school.dsl)
        .args(["people", "export", "Ivy Loxley-Vane", "--recipient", &receiving_public, "--out"])
        .arg(&out));
    assert!(said.contains("P-0005's whole file"), "{said}");
    let opened = age_tool("age").args(["-d", "-i"]).arg(&receiving).arg(&out).output().unwrap();
    assert!(opened.status.success(), "{}", String::from_utf8_lossy(&opened.stderr));
    let text = String::from_utf8_lossy(&opened.stdout);
    for expected in [
        "Child-protection file: P-0005 Ivy Loxley-Vane",
        "kept until",
        "child of:",
        &first,
        &second,
        "First: a phone",
        "Second: messages",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
    assert!(!std::fs::read(&out).unwrap().windows(5).any(|w| w == b"Ivy L"), "the file is ciphertext");
    fails(env.casebook(&school.leadership).args(["people", "export", "P-0005", "--out"]).arg(env.path("no.age")));
}

/// Found in review (issue 12): the roll holds pupils of this school only,
/// with their year group, never a child a concern merely names nor what was
/// typed about them; two "Mrs Khan, Mother" of two families are two people
/// (no sibling is guessed from a name); a staff code equal to a pupil's
/// admission number updates nobody else; a concern a child only witnessed is
/// not copied into their exported file.
#[test]
fn the_roll_family_links_ids_and_exports_guess_nothing() {
    let env = Env::new();
    let school = env.school();
    ok(env.casebook(&school.dsl).args(concern_args("child:Kai Mercer:baby brother at home, CP plan", "x")));
    let roll = ok(env.casebook(&school.reporter).args(concern_args("child:Kai Mercer", "y")));
    assert!(!roll.contains("CP plan") && !roll.contains(" is P-"), "not a pupil, not on the roll: {roll}");

    let pupils = env.path("pupils.csv");
    std::fs::write(
        &pupils,
        "Admission Number,Forename,Surname,Year,Contact 1 Name,Contact 1 Relationship\n\
         1001,Aisha,Khan,5,Mrs Khan,Mother\n\
         1003,Omar,Khan,2,Mrs Khan,Mother\n",
    )
    .unwrap();
    ok(env.casebook(&school.dsl).args(["people", "import", "--pupils"]).arg(&pupils));
    let aisha = ok(env.casebook(&school.dsl).args(["people", "show", "1001"]));
    assert!(!aisha.contains("sibling"), "no sibling guessed from a contact's name: {aisha}");
    let khans = ok(env.casebook(&school.dsl).args(["people", "list", "mrs", "khan"]));
    assert_eq!(khans.lines().count(), 3, "two parents, one each: {khans}");

    let staff = env.path("staff.csv");
    std::fs::write(&staff, "Staff ID,Forename,Surname,Role\n1003,Ada,Wren,Class teacher\n").unwrap();
    let out = ok(env.casebook(&school.dsl).args(["people", "import"]).arg(&staff));
    assert!(out.contains("1 added, 0 updated"), "{out}");
    assert!(ok(env.casebook(&school.dsl).args(["people", "list", "omar"])).contains("Omar Khan"));

    // Omar witnessed a concern about Aisha: his file names it, copies none of it.
    let about_aisha = add_concern(&env, &school.dsl, "child:Aisha Khan", "PLANTED-AISHA-DETAIL");
    ok(env.casebook(&school.dsl).args(["people", "subject", &about_aisha, "1", "Aisha Khan"]));
    let args = concern_args("witness=P-0004", "Omar saw it.");
    let witnessed = recorded_reference(&ok(env.casebook(&school.dsl).args(&args)));
    let out = env.path("omar.age");
    ok(env.casebook(&school.dsl).args(["people", "export", "Omar Khan", "--out"]).arg(&out));
    let text = age_tool("age").args(["-d", "-i"]).arg(&school.dsl).arg(&out).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&witnessed) && text.contains("its file is not included"), "{text}");
    assert!(!text.contains("Omar saw it."), "{text}");
}

/// S-c (found in review): a changed detail keeps its earlier value in the
/// person's history, so a court-order note overwritten by "allergic to
/// nuts" is still on the record.
#[test]
fn a_changed_detail_keeps_its_earlier_value_in_the_history() {
    let lib = Lib::new();
    let mut dsl = lib.open(&lib.dsl);
    let mut details = child("Noor Pell", "Year 1", "N123456789012");
    details.note = "Father must not collect (court order).".into();
    let p = dsl.add_person(SubjectKind::Child, details.clone(), t(1, 9)).unwrap();
    details.note = "Allergic to nuts.".into();
    details.detail = "Year 2".into();
    let after = dsl.update_person(p.id, details, t(2, 9)).unwrap();
    let said = after.history.last().unwrap().change.describe();
    assert!(said.contains("note (was \u{201c}Father must not collect (court order).\u{201d})"), "{said}");
    assert!(said.contains("year group (was \u{201c}Year 1\u{201d})"), "{said}");
}
