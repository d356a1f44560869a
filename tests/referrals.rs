//! Issue 13: the school's term dates (S-b), referrals and contacts with
//! their deadlines (P5-g, P6-b, P9-b, P9-g, S-b) and the Today list, over
//! the real binary and a real temp store.

mod common;
use common::*;

use std::path::Path;

/// The store's sled files opened directly (as Debian's `age` would be
/// given them). sled lets go of its lock a moment after the last handle
/// drops: wait for it.
fn open_raw(store: &Path) -> sled::Db {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match sled::open(store) {
            Ok(db) => return db,
            Err(e) if std::time::Instant::now() > deadline => panic!("open raw sled: {e}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}

fn raw_get(store: &Path, tree: &str, key: &[u8]) -> Option<Vec<u8>> {
    let db = open_raw(store);
    db.open_tree(tree).unwrap().get(key).unwrap().map(|v| v.to_vec())
}

/// Whether Debian's `age` opens `sealed` with `key`, and what it gives.
fn age_opens(env: &Env, sealed: &[u8], key: &Path) -> Option<String> {
    let file = env.path("record.age");
    std::fs::write(&file, sealed).unwrap();
    let out = age_tool("age").args(["-d", "-i"]).arg(key).arg(&file).output().unwrap();
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

const TERM_DATES: &str = "\
# Testford Primary (fictional), 2026-27
2026-10-26..2026-10-30 October half term
2026-12-21..2027-01-01 Christmas holiday
2027-01-04 INSET day
";

#[test]
fn the_dsl_sets_term_dates_and_a_wrong_line_is_named() {
    let env = Env::new();
    let school = env.school();
    let said = ok(env.casebook(&school.deputy).args(["term-dates", "show"]));
    assert!(said.contains("No term dates are set: deadlines count weekends only"), "{said}");

    let file = env.path("terms.txt");
    std::fs::write(&file, TERM_DATES).unwrap();
    let said = ok(env.casebook(&school.dsl).args(["term-dates", "set"]).arg(&file));
    assert!(said.contains("3 closures besides weekends"), "{said}");
    // Deputies count deadlines with them too; the file comes back as written.
    let shown = ok(env.casebook(&school.deputy).args(["term-dates", "show"]));
    assert_eq!(shown, TERM_DATES);

    // A wrong line: named, and the dates in use stay as they were.
    std::fs::write(&file, "2027-01-04 INSET day\n2027-02-30 Not a day\n").unwrap();
    let err = fails(env.casebook(&school.dsl).args(["term-dates", "set"]).arg(&file));
    assert!(err.contains("term dates, line 2: \"2027-02-30\" is not a date"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(ok(env.casebook(&school.dsl).args(["term-dates", "show"])), TERM_DATES);

    // Only the DSL sets them; leadership and reporters do not read them.
    std::fs::write(&file, TERM_DATES).unwrap();
    let err = fails(env.casebook(&school.deputy).args(["term-dates", "set"]).arg(&file));
    assert!(err.contains("cannot set the term dates"), "{err}");
    for who in [&school.leadership, &school.reporter] {
        let err = fails(env.casebook(who).args(["term-dates", "show"]));
        assert!(err.contains("cannot read the term dates"), "{err}");
    }
    ok(env.casebook(&school.dsl).arg("verify"));
}

#[test]
fn the_term_dates_are_sealed_to_the_case_class_and_rotate_when_a_deputy_leaves() {
    let env = Env::new();
    let school = env.school();
    let file = env.path("terms.txt");
    std::fs::write(&file, TERM_DATES).unwrap();
    ok(env.casebook(&school.dsl).args(["term-dates", "set"]).arg(&file));
    let sealed = raw_get(&env.store(), "settings", b"term-dates").expect("kept in settings");
    assert!(!sealed.windows(9).any(|w| w == b"INSET day"), "sealed, not in clear");
    // Debian's age opens it with the DSL's and the deputy's own keys, and
    // not with leadership's or a reporter's.
    assert!(age_opens(&env, &sealed, &school.dsl).is_some_and(|t| t.contains("INSET day")));
    assert!(age_opens(&env, &sealed, &school.deputy).is_some());
    assert!(age_opens(&env, &sealed, &school.leadership).is_none());
    assert!(age_opens(&env, &sealed, &school.reporter).is_none());

    // The deputy (member #2) leaves: the term dates are sealed again
    // without them.
    ok(env.casebook(&school.dsl).args(["member", "remove", "2"]));
    let sealed = raw_get(&env.store(), "settings", b"term-dates").unwrap();
    assert!(age_opens(&env, &sealed, &school.deputy).is_none(), "the departed deputy's key opens them");
    assert!(age_opens(&env, &sealed, &school.dsl).is_some());
    assert_eq!(ok(env.casebook(&school.dsl).args(["term-dates", "show"])), TERM_DATES);
    ok(env.casebook(&school.dsl).arg("verify"));
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

#[test]
fn referrals_are_recorded_listed_shown_and_corrected_from_the_command_line() {
    let env = Env::new();
    let school = env.school();
    let reference =
        concern_of(&env, &school.reporter, "staff-illegal", "staff:Mr Fictional Tutor:Year 6 teacher", "classroom");
    // P5-g, S-b: an allegation against staff is due to the LADO within one
    // working day; `show` says so before any referral.
    let shown = ok(env.casebook(&school.dsl).args(["show", &reference]));
    assert!(shown.contains("Referrals and contacts\n  none recorded"), "{shown}");
    assert!(shown.contains("inform the LADO (S-b)"), "{shown}");

    let said = ok(env.casebook(&school.deputy).args([
        "referral",
        "add",
        &reference,
        "--kind",
        "lado",
        "--reference",
        "LADO/26/0042",
        "--outcome",
        "Strategy meeting arranged.",
        "--follow-up",
        &(today() + chrono::Duration::days(7)).to_string(),
    ]));
    assert_eq!(said, format!("Recorded R-0001 on {reference}: LADO.\n"));
    ok(env.casebook(&school.dsl).args([
        "referral",
        "add",
        &reference,
        "--kind",
        "police",
        "--reference",
        "CR/0001/26",
    ]));
    // A correction supersedes; both are kept.
    let said = ok(env.casebook(&school.dsl).args([
        "referral",
        "add",
        &reference,
        "--kind",
        "police",
        "--reference",
        "CR/0010/26",
        "--corrects",
        "R-0002",
    ]));
    assert!(said.contains("Recorded R-0003") && said.contains("it corrects R-0002 (both are kept)"), "{said}");
    let err = fails(env.casebook(&school.dsl).args([
        "referral",
        "add",
        &reference,
        "--kind",
        "police",
        "--corrects",
        "R-0002",
    ]));
    assert!(err.contains("R-0002 was corrected already by R-0003"), "{err}");

    let listed = ok(env.casebook(&school.deputy).args(["referral", "list", &reference]));
    assert!(listed.contains("LADO/26/0042") && listed.contains("Strategy meeting arranged."), "{listed}");
    assert!(listed.contains("[corrected by R-0003]") && listed.contains("[corrects R-0002]"), "{listed}");
    // The LADO referral cleared its deadline; its follow-up is the one left.
    assert!(!listed.contains("inform the LADO"), "{listed}");
    assert!(listed.contains("follow up: LADO"), "{listed}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["referral", "list", &reference, "--json"]))).unwrap();
    assert_eq!(json["referrals"].as_array().unwrap().len(), 3);
    assert_eq!(json["referrals"][0]["kind"], "lado");
    assert_eq!(json["referrals"][1]["corrected_by"], "R-0003");
    assert_eq!(json["deadlines"].as_array().unwrap().len(), 1);

    // The details each kind needs, refused on one line.
    let err = fails(env.casebook(&school.dsl).args(["referral", "add", &reference, "--kind", "advice"]));
    assert!(err.contains("name the agency the advice came from (P9-g)"), "{err}");
    let err =
        fails(env.casebook(&school.dsl).args(["referral", "add", &reference, "--kind", "parents", "--informed", "no"]));
    assert!(err.contains("say why parents/carers were not informed (P9-b)"), "{err}");
    let err = fails(env.casebook(&school.dsl).args(["referral", "add", &reference, "--kind", "pigeon"]));
    assert!(err.contains("is not a kind of referral; use police, lado"), "{err}");
    ok(env.casebook(&school.dsl).args([
        "referral",
        "add",
        &reference,
        "--kind",
        "advice",
        "--agency",
        "Education Safeguarding Service",
        "--contact",
        "Ms Fictional Adviser",
        "--outcome",
        "Refer to the LADO; do not inform the staff member yet.",
    ]));

    // Leadership and reporters read and record none (Case class, P9-e).
    for who in [&school.leadership, &school.reporter] {
        let err = fails(env.casebook(who).args(["referral", "add", &reference, "--kind", "police"]));
        assert!(err.contains("cannot"), "{err}");
    }
    ok(env.casebook(&school.dsl).arg("verify"));
}

#[test]
fn referrals_are_sealed_to_the_case_class_rotate_when_a_deputy_leaves_and_are_salvaged() {
    let env = Env::new();
    let school = env.school();
    let reference = concern_of(&env, &school.dsl, "device-in-exam", "child:Pupil Fictional Wren:Year 6", "exam-room");
    ok(env.casebook(&school.dsl).args([
        "referral",
        "add",
        &reference,
        "--kind",
        "exam-body",
        "--outcome",
        "Paper voided by the board (fictional).",
    ]));
    let file = env.path("terms.txt");
    std::fs::write(&file, TERM_DATES).unwrap();
    ok(env.casebook(&school.dsl).args(["term-dates", "set"]).arg(&file));
    let sealed = raw_get(&env.store(), "referrals", &1u32.to_be_bytes()).expect("kept by id");
    assert!(!sealed.windows(11).any(|w| w == b"Paper voide"), "sealed, not in clear");
    assert!(age_opens(&env, &sealed, &school.dsl).is_some_and(|t| t.contains("Paper voided")));
    assert!(age_opens(&env, &sealed, &school.deputy).is_some());
    assert!(age_opens(&env, &sealed, &school.leadership).is_none());
    assert!(age_opens(&env, &sealed, &school.reporter).is_none());

    ok(env.casebook(&school.dsl).args(["member", "remove", "2"]));
    let sealed = raw_get(&env.store(), "referrals", &1u32.to_be_bytes()).unwrap();
    assert!(age_opens(&env, &sealed, &school.deputy).is_none(), "the departed deputy's key opens it");
    assert!(age_opens(&env, &sealed, &school.dsl).is_some());
    ok(env.casebook(&school.dsl).arg("verify"));

    // Salvage carries the referral and the term dates into a new store.
    let into = env.path("salvaged");
    let said = ok(env.casebook(&school.dsl).arg("salvage").arg(env.store()).arg("--into").arg(&into));
    assert!(!said.contains("Not recovered"), "{said}");
    let listed = ok(env.casebook_at(&into, &school.dsl).args(["referral", "list", &reference]));
    assert!(listed.contains("R-0001 Examining body") && listed.contains("Paper voided"), "{listed}");
    assert_eq!(ok(env.casebook_at(&into, &school.dsl).args(["term-dates", "show"])), TERM_DATES);
    ok(env.casebook_at(&into, &school.dsl).arg("verify"));
}

/// The next day the school is open on or after today, weekends only (no
/// term dates are set in these tests): a concern recorded on a Sunday is
/// due "at once" on Monday.
fn next_school_day() -> chrono::NaiveDate {
    casebook::domain::Calendar::weekends_only().next_working_day(today())
}

/// Issue 13 end to end (P6-b): a phone found in an exam becomes a concern,
/// its examining-body report is due at once and shows in `casebook today`,
/// the referral is recorded, and it clears.
#[test]
fn a_phone_in_an_exam_is_due_to_the_examining_body_until_it_is_reported() {
    let env = Env::new();
    let school = env.school();
    let reference =
        concern_of(&env, &school.reporter, "device-in-exam", "child:Pupil Fictional Rook:Year 6", "exam-room");
    let on = next_school_day().to_string();
    let said = ok(env.casebook(&school.deputy).args(["today", "--on", &on]));
    let line = said.lines().find(|l| l.contains("report to the examining body (P6-b)")).unwrap_or_default();
    assert!(line.starts_with(&reference) && line.ends_with("due today"), "{said}");
    // New and not yet triaged: on the list too.
    assert!(said.lines().any(|l| l.starts_with(&reference) && l.contains("new: triage")), "{said}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["today", "--on", &on, "--json"]))).unwrap();
    let due = json.as_array().unwrap().iter().find(|i| i["kind"]["deadline"] == "examining-body").cloned();
    let due = due.unwrap_or_else(|| panic!("{json}"));
    assert_eq!((due["reference"].as_str(), due["standing"].as_str()), (Some(reference.as_str()), Some("due-today")));

    // The exams officer reports it; the deputy records the referral.
    ok(env.casebook(&school.deputy).args([
        "referral",
        "add",
        &reference,
        "--kind",
        "exam-body",
        "--by",
        "Mrs Fictional Exams-Officer",
        "--reference",
        "JCQ/MAL/0007",
        "--outcome",
        "Paper voided; no further sanction.",
    ]));
    let said = ok(env.casebook(&school.deputy).args(["today", "--on", &on]));
    assert!(!said.contains("examining body"), "the referral clears the deadline:\n{said}");
    let shown = ok(env.casebook(&school.dsl).args(["show", &reference]));
    assert!(shown.contains("Examining body") && shown.contains("JCQ/MAL/0007"), "{shown}");
    assert!(shown.contains("Deadlines (working days)\n  none open"), "{shown}");

    // Leadership and reporters have no Today list (Case class, P9-e).
    let err = fails(env.casebook(&school.leadership).arg("today"));
    assert!(err.contains("cannot see what is due today"), "{err}");
}

/// Over `casebook serve`, a deputy records a referral; the server serves
/// the referrals to neither leadership nor a reporter, even as ciphertext
/// (they are case detail: `CASE_TREES`).
#[test]
fn over_casebook_serve_deputies_record_referrals_and_no_one_else_is_served_them() {
    use casebook::domain::{NewReferral, ReferralKind};
    let env = Env::new();
    let school = env.school();
    let reference = concern_of(&env, &school.dsl, "staff-illegal", "staff:Mr Fictional Tutor:teacher", "classroom");
    let mut server = Server::start(&env);
    let mut deputy = server.session(&school.deputy);
    let (id, _) = deputy.resolve(&reference).unwrap();
    let now = chrono::Local::now().naive_local();
    let r = deputy.record_referral(id, NewReferral::of(ReferralKind::Lado, now.date()), now).unwrap();
    assert_eq!(r.label(), "R-0001");
    assert_eq!(deputy.referrals(id).unwrap().len(), 1);
    for who in [&school.leadership, &school.reporter] {
        let other = server.session(who);
        let err = other.backend().get("referrals", &1u32.to_be_bytes()).unwrap_err().to_string();
        assert!(err.contains("refused"), "{err}");
        let write = casebook::store::Batch::new().put("referrals", 2u32.to_be_bytes().to_vec(), b"x".to_vec());
        assert!(other.backend().apply(write).is_err());
    }
    server.terminate();
}

fn raw_put(store: &Path, tree: &str, key: &[u8], value: Vec<u8>) {
    let db = open_raw(store);
    db.open_tree(tree).unwrap().insert(key, value).unwrap();
    db.flush().unwrap();
}

/// `casebook verify` names a damaged referral, and one copied to another
/// id outside casebook (its place is sealed inside it, issue 10); the rest
/// still list (issue 11).
#[test]
fn verify_names_a_damaged_or_moved_referral_and_the_rest_still_list() {
    let env = Env::new();
    let school = env.school();
    let reference = concern_of(&env, &school.dsl, "device-in-exam", "child:Pupil Fictional Finch:Year 6", "exam-room");
    for kind in ["exam-body", "police", "early-help"] {
        ok(env.casebook(&school.dsl).args(["referral", "add", &reference, "--kind", kind]));
    }
    ok(env.casebook(&school.dsl).arg("verify"));
    let first = raw_get(&env.store(), "referrals", &1u32.to_be_bytes()).unwrap();
    raw_put(&env.store(), "referrals", &2u32.to_be_bytes(), first);
    raw_put(&env.store(), "referrals", &3u32.to_be_bytes(), b"not an age file".to_vec());
    let out = env.casebook(&school.dsl).arg("verify").output().unwrap();
    let (said, _) = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("R-0002") && said.contains("sealed as referrals #1 but is kept as referrals #2"), "{said}");
    assert!(said.contains("R-0003") && said.contains("not a readable age file"), "{said}");
    // The list shows what reads and names the rest.
    let out = env.casebook(&school.dsl).args(["referral", "list", &reference]).output().unwrap();
    let (listed, warned) = text(&out);
    assert!(out.status.success() && listed.contains("R-0001 Examining body"), "{listed}");
    assert!(warned.contains("R-0002") && warned.contains("R-0003"), "{warned}");
}

/// Issue 13 review: implausible dates are refused with one line and
/// nothing saved, never a panic: a confiscation before the concern
/// happened; a follow-up or a register entry's end more than a year away
/// without --confirm-far-date (as the review date at triage); Today on a
/// day no one means.
#[test]
fn implausible_dates_are_refused_with_one_line() {
    let env = Env::new();
    let school = env.school();
    let reference = add_concern(&env, &school.dsl, "child:Pupil Fictional Teal", "Messages at lunch.");
    let custody = |when: &str| {
        let mut args =
            vec!["custody", "add", &reference, "--device", "mobile-phone", "--owner", "Pupil Fictional Teal"];
        args.extend(["--reason", "Used to send the messages.", "--when", when]);
        env.casebook(&school.dsl).args(args).output().unwrap()
    };
    let out = custody("1900-01-01 10:00");
    let (_, err) = text(&out);
    assert!(!out.status.success() && err.contains("before the concern happened"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let out = custody("2999-01-01 10:00");
    assert!(!out.status.success(), "a confiscation in the future");
    let list = ok(env.casebook(&school.dsl).args(["custody", "list"]));
    assert!(!list.contains("DV-0001"), "nothing was saved: {list}");

    let far = (chrono::Local::now().date_naive() + chrono::Duration::days(800)).to_string();
    let referral = |follow_up: &str, extra: &[&str]| {
        let mut args = vec!["referral", "add", &reference, "--kind", "mash", "--follow-up", follow_up];
        args.extend_from_slice(extra);
        let mut cmd = env.casebook(&school.dsl);
        cmd.args(args);
        cmd
    };
    let err = fails(&mut referral(&far, &[]));
    assert!(err.contains("more than a year away") && err.contains("--confirm-far-date"), "{err}");
    let err = fails(&mut referral("2099-01-01", &[]));
    assert!(err.contains("more than a year away"), "{err}");
    ok(&mut referral(&far, &["--confirm-far-date"]));

    let register = |until: &str, extra: &[&str]| {
        let mut args = vec!["register", "add", "remote-learning", "--who", "Ms Fictional Remote"];
        args.extend(["--reason", "Catch-up group", "--risk-assessment", "RA-1", "--granted-by", "Mrs Head"]);
        args.extend(["--until", until]);
        args.extend_from_slice(extra);
        env.casebook(&school.dsl).args(args).output().unwrap()
    };
    for until in ["+262142-12-31", &far] {
        let out = register(until, &[]);
        let (_, err) = text(&out);
        assert!(!out.status.success() && err.contains("more than a year away"), "{until}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    assert!(register(&far, &["--confirm-far-date"]).status.success());

    for on in ["+262142-12-31", "-0001-01-01", "1900-01-01", "2999-12-31"] {
        let err = fails(env.casebook(&school.dsl).args(["today", &format!("--on={on}")]));
        assert!(err.contains("--on"), "{on}: {err}");
    }
}

/// S-b, P5-g, P6-b: the DSL's triage decides the pathway, and the
/// deadline follows it: a concern about a member of staff's personal
/// contact triaged as an allegation to the LADO is due to the LADO within
/// a working day; one triaged to the examining body is due to it at once.
#[test]
fn the_triage_pathway_starts_the_lado_and_exam_body_clocks() {
    let env = Env::new();
    let school = env.school();
    let lado =
        concern_of(&env, &school.dsl, "staff-contact-personal", "staff:Mr Fictional Staffer:Teacher", "classroom");
    let exam = concern_of(&env, &school.dsl, "restricted-area", "child:Pupil Fictional Gannet:Year 6", "classroom");
    let before = ok(env.casebook(&school.dsl).args(["referral", "list", &lado]));
    assert!(!before.contains("inform the LADO"), "not before triage: {before}");
    for (reference, pathway, policy) in [(&lado, "allegation-lado", "allegations"), (&exam, "exam-body", "behaviour")] {
        ok(env.casebook(&school.dsl).args([
            "triage",
            reference,
            "--risk",
            "medium",
            "--pathway",
            pathway,
            "--policy",
            policy,
            "--reasoning",
            "The DSL's reading of it.",
        ]));
    }
    let listed = ok(env.casebook(&school.dsl).args(["referral", "list", &lado]));
    assert!(listed.contains("inform the LADO (S-b)"), "{listed}");
    let listed = ok(env.casebook(&school.dsl).args(["referral", "list", &exam]));
    assert!(listed.contains("report to the examining body (P6-b)"), "{listed}");
    let on =
        casebook::domain::Calendar::weekends_only().add_working_days(chrono::Local::now().date_naive(), 2).to_string();
    let today = ok(env.casebook(&school.dsl).args(["today", "--on", &on]));
    assert!(today.contains(lado.as_str()) && today.contains("inform the LADO (S-b)"), "{today}");
    assert!(today.contains("report to the examining body (P6-b)"), "{today}");
}
