//! Issue 13: device custody (P6.1-a, P6.1-b, P6.1-d, P6.1-h) over the real
//! binary and a real temp store: the chain, the register, the closure
//! rule, Today, and the sealing proven with Debian's `age`.

mod common;
use common::*;

use std::path::Path;

/// The store's sled files opened directly (as Debian's `age` would be
/// given them), once casebook has let go of its lock.
fn raw_get(store: &Path, tree: &str, key: &[u8]) -> Option<Vec<u8>> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let db = loop {
        match sled::open(store) {
            Ok(db) => break db,
            Err(e) if std::time::Instant::now() > deadline => panic!("open raw sled: {e}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    };
    db.open_tree(tree).unwrap().get(key).unwrap().map(|v| v.to_vec())
}

/// Whether Debian's `age` opens `sealed` with `key`, and what it gives.
fn age_opens(env: &Env, sealed: &[u8], key: &Path) -> Option<String> {
    let file = env.path("record.age");
    std::fs::write(&file, sealed).unwrap();
    let out = age_tool("age").args(["-d", "-i"]).arg(key).arg(&file).output().unwrap();
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn next_school_day() -> chrono::NaiveDate {
    casebook::domain::Calendar::weekends_only().next_working_day(chrono::Local::now().date_naive())
}

fn confiscate(env: &Env, who: &Path, reference: &str, owner: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "custody",
        "add",
        reference,
        "--device",
        "mobile-phone",
        "--description",
        "black, cracked case",
        "--owner",
        owner,
        "--by",
        "Mr Fictional Invigilator",
        "--reason",
        "Phone found in the exam room during the paper.",
    ];
    args.extend_from_slice(extra);
    ok(env.casebook(who).args(args))
}

/// Issue 13 end to end (P6.1-a, P6.1-b, P6-b): a phone found in an exam
/// becomes a concern and is confiscated; the examining-body report is due;
/// the concern cannot close (by debrief, by the DSL's decision or by a
/// status change) while the phone is held, and the refusal names it; a
/// parent collects it, signing for it; the concern closes, and the phone
/// stays in the register, searchable.
#[test]
fn a_phone_in_an_exam_is_confiscated_collected_and_then_the_concern_closes() {
    let env = Env::new();
    let school = env.school();
    let reference =
        concern_of(&env, &school.reporter, "device-in-exam", "child:Pupil Fictional Rook:Year 6", "exam-room");
    let said = confiscate(&env, &school.deputy, &reference, "Pupil Fictional Rook", &[]);
    assert_eq!(
        said,
        format!(
            "Recorded DV-0001 on {reference}: Mobile phone (black, cracked case) of Pupil Fictional Rook, held in the \
             school office.\n"
        )
    );
    // The examining-body report is due at once (P6-b), beside the custody.
    let on = next_school_day().to_string();
    let today = ok(env.casebook(&school.dsl).args(["today", "--on", &on]));
    assert!(today.contains("report to the examining body (P6-b)"), "{today}");
    ok(env.casebook(&school.deputy).args([
        "referral",
        "add",
        &reference,
        "--kind",
        "exam-body",
        "--reference",
        "JCQ/MAL/0099",
    ]));
    let held = ok(env.casebook(&school.dsl).args(["custody", "list", "--held"]));
    assert!(held.lines().any(|l| l.starts_with("DV-0001") && l.contains(&reference)), "{held}");

    ok(env.casebook(&school.dsl).args([
        "triage",
        &reference,
        "--risk",
        "low",
        "--pathway",
        "exam-body",
        "--policy",
        "behaviour",
        "--reasoning",
        "Malpractice reported to the board; phone kept until a parent collects it.",
    ]));
    ok(env.casebook(&school.dsl).args(["status", &reference, "--to", "in-progress", "--reason", "Board told."]));
    ok(env.casebook(&school.dsl).args(["status", &reference, "--to", "awaiting-debrief", "--reason", "Done."]));

    // P6.1-b: no way to close it while the phone is held; each refusal
    // names the device and changes nothing.
    let refusal = format!(
        "{reference} cannot close while a device it holds is still in custody (P6.1-b): DV-0001 Mobile phone of \
         Pupil Fictional Rook (held in the school office)"
    );
    let err = fails(env.casebook(&school.dsl).args(["debrief", "add", "--concern", &reference, "--summary", "Done."]));
    assert!(err.contains(&refusal), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = fails(env.casebook(&school.dsl).args([
        "status",
        &reference,
        "--to",
        "closed",
        "--no-debrief-needed",
        "--reason",
        "Nothing to learn.",
    ]));
    assert!(err.contains(&refusal), "{err}");
    let shown = ok(env.casebook(&school.dsl).args(["show", &reference, "--json"]));
    assert!(shown.contains("\"AwaitingDebrief\""), "{shown}");
    let debriefs = ok(env.casebook(&school.dsl).args(["debrief", "list"]));
    assert!(!debriefs.contains("D-"), "no debrief was saved: {debriefs}");

    // Moved to the safe, then collected by a parent who signs for it.
    let said = ok(env.casebook(&school.deputy).args(["custody", "move", "DV-0001", "--to", "the head's safe"]));
    assert!(said.contains("DV-0001 event 2: moved to the head's safe. Now held in the head's safe."), "{said}");
    let err = fails(env.casebook(&school.deputy).args([
        "custody",
        "return",
        "DV-0001",
        "--collected-by",
        "Mrs Fictional Rook",
        "--signature",
        "maybe",
    ]));
    assert!(err.contains("say yes or no"), "{err}");
    let said = ok(env.casebook(&school.deputy).args([
        "custody",
        "return",
        "DV-0001",
        "--collected-by",
        "Mrs Fictional Rook",
        "--released-by",
        "Ms Fictional Office",
        "--signature",
        "yes",
    ]));
    assert!(
        said.contains("returned to Mrs Fictional Rook (released by Ms Fictional Office; signature taken)"),
        "{said}"
    );
    // Gone from the school: not moved again.
    let err = fails(env.casebook(&school.deputy).args(["custody", "move", "DV-0001", "--to", "the office"]));
    assert!(err.contains("DV-0001 is no longer held"), "{err}");

    let said = ok(env.casebook(&school.dsl).args(["debrief", "add", "--concern", &reference, "--summary", "Done."]));
    assert!(said.contains(&reference), "{said}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["show", &reference, "--json"]))).unwrap();
    assert_eq!(json["status"], "Closed");

    // The chain, on the device and in the concern's file.
    let chain = ok(env.casebook(&school.dsl).args(["custody", "show", "DV-0001"]));
    for expected in [
        "confiscated by Mr Fictional Invigilator and held in the school office: Phone found in the exam room",
        "2. ",
        "moved to the head's safe",
        "3. ",
        "returned to Mrs Fictional Rook",
    ] {
        assert!(chain.contains(expected), "{expected:?} missing from:\n{chain}");
    }
    let shown = ok(env.casebook(&school.dsl).args(["show", &reference]));
    assert!(
        shown.contains("Devices in custody (P6.1-b)") && shown.contains("returned to Mrs Fictional Rook"),
        "{shown}"
    );
    // Released devices stay in the register and are found by a search.
    assert!(ok(env.casebook(&school.dsl).args(["custody", "list", "--held"])).contains("No device is held now"));
    let found = ok(env.casebook(&school.dsl).args(["custody", "list", "--search", "rook"]));
    assert!(found.contains("DV-0001") && found.contains("returned to Mrs Fictional Rook"), "{found}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["custody", "list", "--json"]))).unwrap();
    assert_eq!(json[0]["label"], "DV-0001");
    assert_eq!(json[0]["held"], false);
    assert_eq!(json[0]["events"].as_array().unwrap().len(), 2);
    // P6.1-b: correcting the return of a closed concern's phone would hold
    // it again where nothing lists it: refused until the concern reopens
    // (found in review).
    let err = fails(env.casebook(&school.dsl).args([
        "custody",
        "correct",
        "DV-0001",
        "--event",
        "3",
        "--note",
        "Returned by mistake.",
    ]));
    assert!(err.contains(&format!("{reference} is closed, and this would make DV-0001 held again")), "{err}");
    assert!(ok(env.casebook(&school.dsl).args(["custody", "list", "--held"])).contains("No device is held now"));
    ok(env.casebook(&school.dsl).arg("verify"));
}

/// P6.1-b through the plain status change (a no-further-action triage
/// closes without investigation): refused while held; the police handover
/// (P6.1-d) ends custody, and a wrongly recorded event is corrected, not
/// edited.
#[test]
fn a_device_handed_to_the_police_and_a_correction_from_the_command_line() {
    let env = Env::new();
    let school = env.school();
    let reference =
        concern_of(&env, &school.dsl, "abusive-messages", "child:Pupil Fictional Heron:Year 5", "classroom");
    // The owner is the person on record (issue 12): their name comes from it.
    let said = confiscate(&env, &school.dsl, &reference, "P-0001", &["--held-at", "the DSL's office"]);
    assert!(said.contains("of Pupil Fictional Heron, held in the DSL's office"), "{said}");
    let err = fails(
        env.casebook(&school.dsl)
            .args(["custody", "add", &reference, "--device", "tablet", "--owner", "P-0099", "--reason", "x"]),
    );
    assert!(err.contains("P-0099"), "{err}");
    ok(env.casebook(&school.dsl).args([
        "triage",
        &reference,
        "--risk",
        "low",
        "--pathway",
        "no-further-action",
        "--policy",
        "behaviour",
        "--reasoning",
        "Handled under behaviour.",
    ]));
    let err = fails(env.casebook(&school.dsl).args(["status", &reference, "--to", "closed", "--reason", "NFA."]));
    assert!(err.contains("DV-0001 Mobile phone of Pupil Fictional Heron (held in the DSL's office)"), "{err}");

    let err = fails(env.casebook(&school.dsl).args(["custody", "police", "DV-0001", "--reference", " "]));
    assert!(err.contains("record the police reference (P6.1-d)"), "{err}");
    ok(env.casebook(&school.dsl).args(["custody", "police", "DV-0001", "--reference", "CR/0001/26"]));
    // Recorded against the wrong phone: the handover is corrected, both kept.
    let err = fails(env.casebook(&school.dsl).args(["custody", "correct", "DV-0001", "--event", "1", "--note", "x"]));
    assert!(err.contains("the confiscation itself is not corrected"), "{err}");
    let said = ok(env.casebook(&school.dsl).args([
        "custody",
        "correct",
        "DV-0001",
        "--event",
        "2",
        "--note",
        "Another pupil's phone went to the police.",
    ]));
    assert!(said.contains("it corrects event 2 (both are kept). Now held in the DSL's office."), "{said}");
    let chain = ok(env.casebook(&school.dsl).args(["custody", "show", "DV-0001"]));
    assert!(chain.contains("handed to the police (ref CR/0001/26) [corrected by event 3]"), "{chain}");
    let err = fails(env.casebook(&school.dsl).args(["status", &reference, "--to", "closed", "--reason", "NFA."]));
    assert!(err.contains("cannot close while a device"), "{err}");
    ok(env.casebook(&school.dsl).args(["custody", "police", "DV-0001", "--reference", "CR/0002/26"]));
    ok(env.casebook(&school.dsl).args(["status", &reference, "--to", "closed", "--reason", "NFA."]));
    // Nothing new goes on a closed concern.
    let err = fails(env.casebook(&school.dsl).args([
        "custody",
        "add",
        &reference,
        "--device",
        "tablet",
        "--owner",
        "Pupil Fictional Heron",
        "--reason",
        "x",
    ]));
    assert!(err.contains("is closed"), "{err}");

    // Leadership and reporters read and record none (Case class, P9-e).
    for who in [&school.leadership, &school.reporter] {
        let err = fails(env.casebook(who).args(["custody", "list"]));
        assert!(err.contains("cannot"), "{err}");
        let err = fails(env.casebook(who).args(["custody", "move", "DV-0001", "--to", "x"]));
        assert!(err.contains("cannot"), "{err}");
    }
}

/// P6.1-b: a device held longer than five school days is on Today.
#[test]
fn a_device_held_past_the_limit_is_on_today() {
    let env = Env::new();
    let school = env.school();
    let taken = chrono::Local::now().date_naive() - chrono::Duration::days(14);
    let when = format!("{taken} 09:00");
    // Recorded today, about what happened two weeks ago: a confiscation
    // is not dated before its concern happened (P6.1-a).
    let mut args = concern_args("child:Pupil Fictional Plover:Year 4", "Abusive messages.");
    let category = args.iter().position(|a| a == "--category").unwrap() + 1;
    args[category] = "abusive-messages".into();
    let occurred = args.iter().position(|a| a == "--occurred").unwrap() + 1;
    args[occurred] = format!("{taken} 08:30");
    let reference = recorded_reference(&ok(env.casebook(&school.dsl).args(&args)));
    confiscate(&env, &school.dsl, &reference, "Pupil Fictional Plover", &["--when", &when]);
    let today = ok(env.casebook(&school.deputy).arg("today"));
    let line = today.lines().find(|l| l.contains("device DV-0001 held too long (P6.1-b)"));
    let line = line.unwrap_or_else(|| panic!("{today}"));
    assert!(line.starts_with(&reference) && line.contains("overdue"), "{today}");
    let list = ok(env.casebook(&school.dsl).args(["custody", "list"]));
    assert!(list.contains("10wd"), "ten school days in two weeks:\n{list}");
}

/// P6.1-h: a phone that may hold illegal data is due to the police from
/// the day it was taken ("as soon as is reasonably practicable"), on Today
/// beside the concern; once the chain says the police have it, it is not.
#[test]
fn p61h_a_device_that_may_hold_an_offence_is_on_today_until_the_police_have_it() {
    let env = Env::new();
    let school = env.school();
    let reference = concern_of(&env, &school.dsl, "illegal-data", "child:Pupil Fictional Wren:Year 6", "classroom");
    confiscate(&env, &school.dsl, &reference, "Pupil Fictional Wren", &[]);
    // Due the day it was taken, or the next school day when taken while
    // the school was shut (a Sunday's is due Monday): overdue the school
    // day after that.
    let on = casebook::domain::Calendar::weekends_only().add_working_days(next_school_day(), 1).to_string();
    let today = ok(env.casebook(&school.deputy).args(["today", "--on", &on]));
    let line = today.lines().find(|l| l.contains("device DV-0001 to the police (P6.1-h)"));
    let line = line.unwrap_or_else(|| panic!("{today}"));
    assert!(line.starts_with(&reference) && line.contains("overdue"), "{today}");
    let json = ok(env.casebook(&school.dsl).args(["today", "--json", "--on", &on]));
    assert!(json.contains("to-police"), "{json}");

    // A phone in an exam is not suspected of an offence.
    let exam = concern_of(&env, &school.dsl, "device-in-exam", "child:Pupil Fictional Rook:Year 6", "exam-room");
    confiscate(&env, &school.dsl, &exam, "Pupil Fictional Rook", &[]);
    let today = ok(env.casebook(&school.dsl).args(["today", "--on", &on]));
    assert!(!today.contains("DV-0002 to the police"), "{today}");

    ok(env.casebook(&school.dsl).args(["custody", "police", "DV-0001", "--reference", "CR/0042/26"]));
    let today = ok(env.casebook(&school.dsl).args(["today", "--on", &on]));
    assert!(!today.contains("to the police (P6.1-h)"), "{today}");
}

/// The custody record (and a search, P6.1-e) is sealed to the Case class: Debian's `age` opens it
/// with the DSL's and a deputy's key and not leadership's or a reporter's;
/// after the deputy is removed (the Case class re-keyed), their key opens
/// none of it. Salvage carries it into a new store.
#[test]
fn custody_is_sealed_to_the_case_class_and_a_departed_deputy_opens_none_after_rekey() {
    let env = Env::new();
    let school = env.school();
    let reference = concern_of(&env, &school.dsl, "device-in-exam", "child:Pupil Fictional Wren:Year 6", "exam-room");
    confiscate(&env, &school.deputy, &reference, "Pupil Fictional Wren", &[]);
    ok(env.casebook(&school.deputy).args(["custody", "move", "DV-0001", "--to", "the head's safe"]));
    // A search of it (P6.1-e) is sealed the same way.
    ok(env.casebook(&school.deputy).args([
        "search",
        "add",
        &reference,
        "--custody",
        "DV-0001",
        "--authorised-by",
        "Mrs Fictional Head",
        "--witnessed-by",
        "Mr Fictional Witness",
        "--grounds",
        "Suspected notes on the phone.",
        "--looked-for",
        "Exam notes.",
        "--found",
        "Fictional exam notes.",
    ]));
    let search = raw_get(&env.store(), "searches", &1u32.to_be_bytes()).expect("kept by id");
    assert!(age_opens(&env, &search, &school.deputy).is_some_and(|t| t.contains("Fictional exam notes")));
    assert!(age_opens(&env, &search, &school.leadership).is_none());
    let sealed = raw_get(&env.store(), "custody", &1u32.to_be_bytes()).expect("kept by id");
    assert!(!sealed.windows(12).any(|w| w == b"Fictional Wr"), "sealed, not in clear");
    assert!(age_opens(&env, &sealed, &school.dsl).is_some_and(|t| t.contains("head's safe")));
    assert!(age_opens(&env, &sealed, &school.deputy).is_some());
    assert!(age_opens(&env, &sealed, &school.leadership).is_none());
    assert!(age_opens(&env, &sealed, &school.reporter).is_none());

    ok(env.casebook(&school.dsl).args(["member", "remove", "2"]));
    let sealed = raw_get(&env.store(), "custody", &1u32.to_be_bytes()).unwrap();
    assert!(age_opens(&env, &sealed, &school.deputy).is_none(), "the departed deputy's key opens it");
    let search = raw_get(&env.store(), "searches", &1u32.to_be_bytes()).unwrap();
    assert!(age_opens(&env, &search, &school.deputy).is_none(), "the departed deputy's key opens the search");
    assert!(age_opens(&env, &search, &school.dsl).is_some());
    assert!(age_opens(&env, &sealed, &school.dsl).is_some());
    ok(env.casebook(&school.dsl).arg("verify"));

    let into = env.path("salvaged");
    let said = ok(env.casebook(&school.dsl).arg("salvage").arg(env.store()).arg("--into").arg(&into));
    assert!(!said.contains("Not recovered"), "{said}");
    let chain = ok(env.casebook_at(&into, &school.dsl).args(["custody", "show", "DV-0001"]));
    assert!(chain.contains("moved to the head's safe"), "{chain}");
    let searches = ok(env.casebook_at(&into, &school.dsl).args(["search", "list", &reference]));
    assert!(searches.contains("SR-0001") && searches.contains("Fictional exam notes"), "{searches}");
    ok(env.casebook_at(&into, &school.dsl).arg("verify"));
}

/// Over `casebook serve` (the TUI's path: `transition_seen`,
/// `close_without_debrief_seen`), the store refuses to close a concern
/// with a device held (P6.1-b); leadership and reporters are served no
/// custody record, not even as ciphertext (`CASE_TREES`).
#[test]
fn over_casebook_serve_the_store_refuses_to_close_while_a_device_is_held() {
    use casebook::domain::{CustodyMove, NewCustody, NewCustodyEvent, Risk, Status, Urgency};
    use casebook::store::{StatusSeen, TriageInput};
    let env = Env::new();
    let school = env.school();
    let reference = concern_of(&env, &school.dsl, "abusive-messages", "child:Pupil Fictional Teal:Year 6", "classroom");
    let mut server = Server::start(&env);
    let mut dsl = server.session(&school.dsl);
    let (id, _) = dsl.resolve(&reference).unwrap();
    let now = chrono::Local::now().naive_local();
    let new = NewCustody {
        device: "smart-watch".into(),
        description: String::new(),
        owner: "Pupil Fictional Teal".into(),
        owner_person: None,
        confiscated_by: String::new(),
        confiscated_at: now,
        reason: "Messages sent in class.".into(),
        held_at: String::new(),
    };
    let c = dsl.confiscate(id, new, now).unwrap();
    assert_eq!(
        (c.label().as_str(), c.held_at.as_str(), c.confiscated_by.as_str()),
        ("DV-0001", "the school office", "Ms Dee Ess-Ell")
    );
    dsl.triage(
        id,
        TriageInput {
            risk: Risk::Low,
            urgency: Urgency::Routine,
            pathway: "behaviour-sanctions".into(),
            linked_policy: "behaviour".into(),
            assignee: None,
            next_review: None,
            reasoning: "Behaviour policy.".into(),
        },
        now,
    )
    .unwrap();
    let seen = |s: &mut casebook::store::Session| StatusSeen::of(&s.case(id).unwrap());
    let at = seen(&mut dsl);
    dsl.transition_seen(id, at, Status::InProgress, "Started.", now).unwrap();
    let at = seen(&mut dsl);
    let err = dsl.close_without_debrief_seen(id, Some(at), "Nothing to learn.", now).unwrap_err().to_string();
    assert!(err.contains("DV-0001 Smart watch of Pupil Fictional Teal (held in the school office)"), "{err}");
    assert_eq!(dsl.case(id).unwrap().status, Status::InProgress, "nothing was changed");
    let returned = CustodyMove::Returned {
        released_by: String::new(),
        collected_by: "Mr Fictional Teal".into(),
        signature: false,
    };
    let c = dsl
        .custody_event(1, NewCustodyEvent { at: now, change: returned, note: String::new(), corrects: None }, now)
        .unwrap();
    assert!(!c.is_held());
    let at = seen(&mut dsl);
    dsl.close_without_debrief_seen(id, Some(at), "Nothing to learn.", now).unwrap();

    for who in [&school.leadership, &school.reporter] {
        let other = server.session(who);
        let err = other.backend().get("custody", &1u32.to_be_bytes()).unwrap_err().to_string();
        assert!(err.contains("refused"), "{err}");
        let write = casebook::store::Batch::new().put("custody", 2u32.to_be_bytes().to_vec(), b"x".to_vec());
        assert!(other.backend().apply(write).is_err());
    }
    server.terminate();
}

// ---- searches (P6.1-e, P6.1-f, P6.1-g) ------------------------------------

/// P6.1-g: only a member the DSL marks as authorised records that data was
/// examined or erased; the DSL grants and withdraws it with `casebook
/// member authorise`, and no one else can. P6.1-e: the record names who
/// authorised, searched and witnessed it, the grounds and what was found.
#[test]
fn only_members_the_dsl_authorises_record_an_examination_or_erasure() {
    let env = Env::new();
    let school = env.school();
    let reference =
        concern_of(&env, &school.dsl, "abusive-messages", "child:Pupil Fictional Dunlin:Year 6", "classroom");
    confiscate(&env, &school.dsl, &reference, "Pupil Fictional Dunlin", &[]);
    let search = |who: &Path, data: &str, extra: &[&str]| {
        let mut args = vec![
            "search",
            "add",
            &reference,
            "--custody",
            "DV-0001",
            "--authorised-by",
            "Mrs Fictional Head",
            "--witnessed-by",
            "Mr Fictional Witness",
            "--grounds",
            "Reported sending abusive messages in class.",
            "--looked-for",
            "The messages.",
            "--found",
            "Three abusive messages to a classmate.",
            "--data",
            data,
        ];
        args.extend_from_slice(extra);
        env.casebook(who).args(args).output().unwrap()
    };
    // A search that left the data alone: any DSL or deputy records it.
    let out = search(&school.deputy, "none", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("Recorded SR-0001 on {reference}.")));
    // An erasure by a deputy the DSL has not authorised: refused, nothing saved.
    let out = search(&school.deputy, "erased", &["--data-reason", "The messages were shared further."]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("is not authorised to record that data erased (P6.1-g"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // A deputy cannot grant it to themselves; the DSL can.
    let err = fails(env.casebook(&school.deputy).args(["member", "authorise", "2"]));
    assert!(err.contains("only the DSL can"), "{err}");
    let said = ok(env.casebook(&school.dsl).args(["member", "authorise", "2"]));
    assert!(said.contains("may now record that data on a device was examined or erased (P6.1-g)"), "{said}");
    let members = ok(env.casebook(&school.dsl).args(["member", "list"]));
    let deputy = members.lines().find(|l| l.starts_with("2 ")).unwrap_or_default();
    assert!(deputy.ends_with("(may examine/erase data, P6.1-g)"), "{members}");
    // A reporter or leadership, whose key opens no concern, could never
    // record a search: refused (found in review).
    for role in ["reporter", "leadership"] {
        let line = members.lines().find(|l| l.contains(role)).unwrap_or_else(|| panic!("{members}"));
        let id = line.split_whitespace().next().unwrap();
        let err = fails(env.casebook(&school.dsl).args(["member", "authorise", id]));
        assert!(err.contains("their key opens no concern, so they cannot record a search"), "{role}: {err}");
    }
    // The reason is required (P6.1-g: for a good reason).
    let out = search(&school.deputy, "erased", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("give the good reason the data was examined or erased (P6.1-g)"), "{err}");
    let out = search(&school.deputy, "erased", &["--data-reason", "The messages were shared further."]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed = ok(env.casebook(&school.dsl).args(["search", "list", &reference]));
    for expected in [
        "SR-0001",
        "search of Mobile phone (black, cracked case) (DV-0001): authorised by Mrs Fictional Head",
        "witnessed by Mr Fictional Witness",
        "grounds: Reported sending abusive messages in class.",
        "found: Three abusive messages to a classmate.",
        "data neither examined nor erased",
        "data erased by Mr Deputy Dunn: The messages were shared further.",
    ] {
        assert!(listed.contains(expected), "{expected:?} missing from:\n{listed}");
    }
    // Withdrawn: refused again.
    ok(env.casebook(&school.dsl).args(["member", "authorise", "2", "--revoke"]));
    let members = ok(env.casebook(&school.dsl).args(["member", "list"]));
    assert!(!members.lines().any(|l| l.starts_with("2 ") && l.contains("P6.1-g")), "{members}");
    let out = search(&school.deputy, "examined", &["--data-reason", "To see who else was sent them."]);
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let json: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["search", "list", &reference, "--json"]))).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert_eq!(json[1]["data"], "erased");
    let shown = ok(env.casebook(&school.dsl).args(["show", &reference]));
    assert!(shown.contains("Device searches (P6.1-e)") && shown.contains("SR-0002"), "{shown}");
    ok(env.casebook(&school.dsl).arg("verify"));
}

/// P6.1-f: a search that reveals a safeguarding risk makes a triaged
/// concern urgent (a new triage decision, in the chronology) and puts it
/// first among the open concerns on the DSL's board.
#[test]
fn a_search_that_reveals_a_safeguarding_risk_makes_the_concern_urgent() {
    let env = Env::new();
    let school = env.school();
    let first = concern_of(&env, &school.dsl, "abusive-messages", "child:Pupil Fictional Avocet:Year 6", "classroom");
    let second = concern_of(&env, &school.dsl, "abusive-messages", "child:Pupil Fictional Bittern:Year 6", "classroom");
    for r in [&first, &second] {
        ok(env.casebook(&school.dsl).args([
            "triage",
            r,
            "--risk",
            "low",
            "--pathway",
            "behaviour-sanctions",
            "--policy",
            "behaviour",
            "--reasoning",
            "Behaviour policy.",
        ]));
    }
    // The later concern is first among equals; the search lifts the earlier.
    let board: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["list", "--json"]))).unwrap();
    assert_eq!(board[0]["reference"], second.as_str());
    let said = ok(env.casebook(&school.deputy).args([
        "search",
        "add",
        &first,
        "--device",
        "the pupil's phone",
        "--authorised-by",
        "Mrs Fictional Head",
        "--witnessed-by",
        "Mr Fictional Witness",
        "--grounds",
        "Messages reported.",
        "--looked-for",
        "The messages.",
        "--found",
        "Messages suggesting the pupil is being groomed online.",
        "--safeguarding-risk",
    ]));
    assert!(said.contains(&format!("It revealed a safeguarding risk: {first} is now URGENT (P6.1-f).")), "{said}");
    let board: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["list", "--json"]))).unwrap();
    assert_eq!(board[0]["reference"], first.as_str(), "{board}");
    assert_eq!(board[0]["urgency"], "URGENT", "{board}");
    let shown = ok(env.casebook(&school.dsl).args(["show", &first]));
    assert!(shown.contains("SR-0001 revealed a safeguarding risk (P6.1-f): urgent"), "{shown}");
    assert!(shown.contains("revealed a SAFEGUARDING RISK"), "{shown}");
    // S-c: the deputy made no triage decision, and none is written in
    // their name: the DSL's one decision stands, the escalation is its own
    // entry.
    assert!(shown.contains("Triage (1 decision)"), "{shown}");
    assert!(shown.contains("made urgent"), "{shown}");
}

/// P6.1-f on a concern nobody has triaged yet: it becomes urgent (Today
/// says triage it now, the board puts it first, above a newer routine
/// concern) with no triage decision written for anyone.
#[test]
fn a_search_that_reveals_a_risk_makes_an_untriaged_concern_urgent() {
    let env = Env::new();
    let school = env.school();
    let first = concern_of(&env, &school.dsl, "abusive-messages", "child:Pupil Fictional Curlew:Year 6", "classroom");
    let second = concern_of(&env, &school.dsl, "abusive-messages", "child:Pupil Fictional Dunlin:Year 6", "classroom");
    let said = ok(env.casebook(&school.deputy).args([
        "search",
        "add",
        &first,
        "--device",
        "the pupil's phone",
        "--authorised-by",
        "Mrs Fictional Head",
        "--witnessed-by",
        "Mr Fictional Witness",
        "--grounds",
        "Messages reported.",
        "--looked-for",
        "The messages.",
        "--found",
        "Messages suggesting the pupil is being groomed online.",
        "--safeguarding-risk",
    ]));
    assert!(said.contains(&format!("{first} is now URGENT (P6.1-f)")), "{said}");
    let today = ok(env.casebook(&school.dsl).arg("today"));
    let urgent_line = today.lines().find(|l| l.contains(first.as_str())).unwrap();
    assert!(urgent_line.contains("URGENT: triage now"), "{today}");
    let board: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["list", "--json"]))).unwrap();
    assert_eq!(board[0]["reference"], first.as_str(), "{board}");
    assert_eq!(board[0]["urgency"], "URGENT", "{board}");
    assert_eq!(board[1]["reference"], second.as_str(), "{board}");
    let shown = ok(env.casebook(&school.dsl).args(["show", &first]));
    assert!(!shown.contains("Triage ("), "no triage decision was invented: {shown}");
    assert!(shown.contains("Mr Deputy Dunn"), "{shown}");
    // The DSL's triage that does not name an urgency keeps it urgent.
    ok(env.casebook(&school.dsl).args([
        "triage",
        &first,
        "--risk",
        "high",
        "--pathway",
        "child-protection",
        "--policy",
        "child-protection",
        "--reasoning",
        "Grooming: child protection.",
    ]));
    let board: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["list", "--json"]))).unwrap();
    assert_eq!((&board[0]["reference"], &board[0]["urgency"]), (&first.as_str().into(), &"URGENT".into()), "{board}");
}

fn raw_put(store: &Path, tree: &str, key: &[u8], value: Vec<u8>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let db = loop {
        match sled::open(store) {
            Ok(db) => break db,
            Err(e) if std::time::Instant::now() > deadline => panic!("open raw sled: {e}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    };
    db.open_tree(tree).unwrap().insert(key, value).unwrap();
    db.flush().unwrap();
}

/// PRODUCT.md 7b (found in review): someone who can write the store's
/// files puts back an earlier copy of a device's record (before it went to
/// the police), or deletes the newest device with its counter: the
/// concern's chronology says each custody event (S-a), so `verify` names
/// the chain that lost one and the device that is gone.
#[test]
fn a_device_record_set_back_or_deleted_on_disk_is_named_by_verify() {
    let env = Env::new();
    let school = env.school();
    let reference = concern_of(&env, &school.dsl, "illegal-data", "child:Pupil Fictional Wren:Year 6", "classroom");
    confiscate(&env, &school.dsl, &reference, "Pupil Fictional Wren", &[]);
    let before = raw_get(&env.store(), "custody", &1u32.to_be_bytes()).unwrap();
    ok(env.casebook(&school.dsl).args(["custody", "police", "DV-0001", "--reference", "CR/0042/26"]));
    // The concern's own file says what happened to its phone.
    let shown = ok(env.casebook(&school.dsl).args(["show", &reference]));
    assert!(shown.contains("DV-0001 event 1: confiscated by"), "{shown}");
    assert!(shown.contains("DV-0001 event 2: handed to the police (ref CR/0042/26)"), "{shown}");
    ok(env.casebook(&school.dsl).arg("verify"));

    raw_put(&env.store(), "custody", &1u32.to_be_bytes(), before);
    let out = env.casebook(&school.deputy).arg("verify").output().unwrap();
    let (said, _) = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("DV-0001") && said.contains("names its event 2, which its chain of custody does not hold"),
        "{said}"
    );

    // The newest device deleted with its counter set back: no gap to see,
    // but the chronology names it.
    let other = concern_of(&env, &school.dsl, "abusive-messages", "child:Pupil Fictional Knot:Year 5", "classroom");
    confiscate(&env, &school.dsl, &other, "Pupil Fictional Knot", &[]);
    {
        let db = raw_db(&env.store());
        db.open_tree("custody").unwrap().remove(2u32.to_be_bytes()).unwrap();
        db.open_tree("counters").unwrap().insert("custody", &1u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let out = env.casebook(&school.dsl).arg("verify").output().unwrap();
    let (said, _) = text(&out);
    assert!(said.contains("DV-0002") && said.contains("the store holds no such device"), "{said}");
}

/// `casebook verify` names a damaged custody record and one copied to
/// another id outside casebook (issue 10, 11); the register still lists the
/// rest and names them; and while a custody record cannot be read no
/// concern closes, since it may be the one holding the device (P6.1-b).
#[test]
fn verify_names_a_damaged_or_moved_custody_record_and_closing_waits_for_it() {
    let env = Env::new();
    let school = env.school();
    let reference =
        concern_of(&env, &school.dsl, "abusive-messages", "child:Pupil Fictional Snipe:Year 6", "classroom");
    for owner in ["Pupil Fictional Snipe", "Pupil Fictional Knot", "Pupil Fictional Ruff"] {
        confiscate(&env, &school.dsl, &reference, owner, &[]);
    }
    for id in ["DV-0001", "DV-0002", "DV-0003"] {
        ok(env.casebook(&school.dsl).args([
            "custody",
            "return",
            id,
            "--collected-by",
            "Mrs Fictional Carer",
            "--signature",
            "no",
        ]));
    }
    ok(env.casebook(&school.dsl).args([
        "triage",
        &reference,
        "--risk",
        "low",
        "--pathway",
        "no-further-action",
        "--policy",
        "behaviour",
        "--reasoning",
        "Handled under behaviour.",
    ]));
    ok(env.casebook(&school.dsl).arg("verify"));
    let kept: Vec<Vec<u8>> =
        (2u32..=3).map(|id| raw_get(&env.store(), "custody", &id.to_be_bytes()).unwrap()).collect();
    let first = raw_get(&env.store(), "custody", &1u32.to_be_bytes()).unwrap();
    raw_put(&env.store(), "custody", &2u32.to_be_bytes(), first);
    raw_put(&env.store(), "custody", &3u32.to_be_bytes(), b"not an age file".to_vec());
    let out = env.casebook(&school.dsl).arg("verify").output().unwrap();
    let (said, _) = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("DV-0002") && said.contains("sealed as custody #1 but is kept as custody #2"), "{said}");
    assert!(said.contains("DV-0003") && said.contains("not a readable age file"), "{said}");
    let out = env.casebook(&school.dsl).args(["custody", "list"]).output().unwrap();
    let (listed, warned) = text(&out);
    assert!(out.status.success() && listed.contains("DV-0001"), "{listed}");
    assert!(warned.contains("DV-0002") && warned.contains("DV-0003"), "{warned}");
    let err = fails(env.casebook(&school.dsl).args(["status", &reference, "--to", "closed", "--reason", "NFA."]));
    assert!(err.contains("a device custody record could not be read (DV-0002"), "{err}");
    // Restored as they were (from a backup): the concern closes.
    for (id, sealed) in (2u32..=3).zip(kept) {
        raw_put(&env.store(), "custody", &id.to_be_bytes(), sealed);
    }
    ok(env.casebook(&school.dsl).args(["status", &reference, "--to", "closed", "--reason", "NFA."]));
}

/// The demo store (and so the screenshots) has devices in custody: held,
/// moved, returned and with the police, one searched (issue 13).
#[test]
fn the_demo_has_devices_in_custody_and_a_search() {
    let env = Env::new();
    let store = env.path("demo");
    let out = assert_cmd::Command::cargo_bin("casebook")
        .unwrap()
        .env_clear()
        .env("HOME", env.dir.path())
        .arg("--store")
        .arg(&store)
        .args(["demo", "--keep", "--no-open"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dsl = store.join("demo-keys/dsl.txt");
    let list = ok(env.casebook_at(&store, &dsl).args(["custody", "list"]));
    for expected in ["held in the school office", "held in the head's safe", "returned to Mrs", "with the police"] {
        assert!(list.contains(expected), "{expected:?} missing from:\n{list}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&ok(env.casebook_at(&store, &dsl).args(["custody", "list", "--json"]))).unwrap();
    let searched = json[0]["case_reference"].as_str().unwrap().to_string();
    let searches = ok(env.casebook_at(&store, &dsl).args(["search", "list", &searched]));
    assert!(searches.contains("SR-0001"), "{searches}");
    // Every register has fictional entries (the screenshot showed them
    // empty); the approval due for review is on Today (P5-e).
    for kind in ["permission", "remote-learning", "disclosure", "visitor-device", "school-device", "awareness"] {
        let list = ok(env.casebook_at(&store, &dsl).args(["register", "list", kind]));
        assert!(!list.contains(": 0 entries"), "{kind}: {list}");
    }
    let today = ok(env.casebook_at(&store, &dsl).arg("today"));
    assert!(today.contains("review remote-learning approval"), "{today}");
    // S-d: a former pupil's concern, closed long ago, to try disposal on.
    let past = ok(env.casebook_at(&store, &dsl).arg("retention"));
    assert!(past.contains("C-2011-0001  kept until 2021-04-02"), "{past}");
    ok(env.casebook_at(&store, &dsl).arg("verify"));
}

/// PRODUCT.md 7b (second review): the newest referral and search deleted
/// on disk with their counters set back leave no gap in the numbers, but
/// each is written in its concern's chronology ("R-0001: …", "SR-0001:
/// …"), so `verify` names them.
#[test]
fn the_newest_referral_and_search_deleted_on_disk_are_named_from_the_chronology() {
    let env = Env::new();
    let school = env.school();
    let reference =
        concern_of(&env, &school.dsl, "abusive-messages", "child:Pupil Fictional Merlin:Year 6", "classroom");
    ok(env.casebook(&school.dsl).args([
        "referral",
        "add",
        &reference,
        "--kind",
        "early-help",
        "--reference",
        "EH/0007",
    ]));
    ok(env.casebook(&school.deputy).args([
        "search",
        "add",
        &reference,
        "--device",
        "the pupil's phone",
        "--authorised-by",
        "Mrs Fictional Head",
        "--witnessed-by",
        "Mr Fictional Witness",
        "--grounds",
        "Messages reported.",
        "--looked-for",
        "The messages.",
        "--found",
        "Two unkind messages.",
    ]));
    let shown = ok(env.casebook(&school.dsl).args(["show", &reference]));
    assert!(
        shown.contains("R-0001: Early help") && shown.contains("SR-0001: the pupil's phone searched by"),
        "{shown}"
    );
    ok(env.casebook(&school.dsl).arg("verify"));
    {
        let db = raw_db(&env.store());
        db.open_tree("referrals").unwrap().remove(1u32.to_be_bytes()).unwrap();
        db.open_tree("searches").unwrap().remove(1u32.to_be_bytes()).unwrap();
        let counters = db.open_tree("counters").unwrap();
        counters.insert("referral", &0u32.to_be_bytes()).unwrap();
        counters.insert("search", &0u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let out = env.casebook(&school.deputy).arg("verify").output().unwrap();
    let (said, _) = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("R-0001") && said.contains("SR-0001") && said.contains("the store holds no such record"),
        "{said}"
    );
}
