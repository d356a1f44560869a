//! Issue 8: text typed by any member is hostile input for every other
//! member's terminal (PRODUCT.md principle 7d), and every text field and
//! record has a size limit (7e). The real binary over a real temp store.

mod common;
use common::*;

use std::io::Write;
use std::process::{Command, Stdio};

/// Every class of control the issue names: OSC (retitle, and 52: write the
/// clipboard), CSI (clear the screen, colour), a bare carriage return, DEL,
/// an 8-bit C1 CSI, and bidirectional overrides and isolates.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mRED\rX\u{7f}\u{9b}2J\u{202e}evil\u{202c}\u{2067}iso\u{2069}\u{1b}]52;c;cHduZWQ=\u{7}";

/// Fails naming the output if any character a terminal would act on is in
/// it raw. Written here, not borrowed from the code under test.
fn assert_safe(what: &str, out: &str) {
    for c in out.chars() {
        let bidi = ('\u{202a}'..='\u{202e}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c);
        let control = c.is_control() && c != '\n' && c != '\t';
        assert!(!bidi && !control, "{what}: raw {c:?} reaches the terminal:\n{out:?}");
    }
}

/// Runs, insists on success, checks stdout and stderr; returns stdout.
fn ok_safe(what: &str, cmd: &mut Command) -> String {
    let out = cmd.output().expect("run casebook");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{what} failed: {stderr}");
    assert_safe(what, &stdout);
    assert_safe(what, &stderr);
    stdout
}

fn with_stdin(cmd: &mut Command, input: &[u8]) -> std::process::Output {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A refusal may close stdin before all of a large input is written.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn h(tag: &str) -> String {
    format!("{tag}{HOSTILE}")
}

#[test]
fn control_characters_never_reach_the_terminal_from_any_output() {
    let env = Env::new();
    let (dsl, dsl_r) = env.key("dsl");
    let shown = ok_safe(
        "init",
        env.casebook(&dsl).args(["init", "--school", &h("School"), "--dsl-name", &h("Ms Dsl"), "--recipient", &dsl_r]),
    );
    assert!(shown.contains("pwned"), "the name is shown, escaped: {shown}");
    let member = |file: &str, role: &str| {
        let (key, r) = env.key(file);
        let out = ok_safe(
            "member add",
            env.casebook(&dsl).args(["member", "add", "--name", &h(file), "--role", role, "--recipient", &r]),
        );
        assert!(out.contains("pwned"), "{out}");
        key
    };
    let deputy = member("deputy", "deputy");
    let leadership = member("leadership", "leadership");
    let reporter = member("reporter", "reporter");
    assert!(ok_safe("member list", env.casebook(&leadership).args(["member", "list"])).contains("pwned"));

    // A reporter's concern with hostile text in every field.
    let concern = serde_json::json!({
        "subjects": [{"kind": "child", "name": h("Pupil"), "detail": h("Year")}],
        "category": "restricted-area", "location": "toilets", "devices": ["mobile-phone"],
        "description": h("Description"), "immediate_action": h("Action"), "reported_by": h("Reporter"),
    });
    let out = with_stdin(env.casebook(&reporter).args(["concern", "add", "--json"]), concern.to_string().as_bytes());
    assert!(out.status.success(), "{}", text(&out).1);
    let r = format!("C-{}-0001", chrono::Local::now().format("%Y"));
    let review = (chrono::Local::now() + chrono::Duration::days(14)).format("%Y-%m-%d").to_string();
    let triage = [
        "triage",
        &r,
        "--risk",
        "medium",
        "--pathway",
        "behaviour-sanctions",
        "--policy",
        "behaviour",
        "--assignee",
        "#2",
        "--review",
        &review,
        "--reasoning",
        &h("Reasoning"),
    ];
    ok_safe("triage", env.casebook(&dsl).args(triage));
    ok_safe("note", env.casebook(&deputy).args(["note", &r, "--kind", "phone-call", "--text", &h("Note")]));
    ok_safe("correct", env.casebook(&deputy).args(["correct", &r, "--entry", "4", "--text", &h("Correction")]));
    ok_safe("status", env.casebook(&dsl).args(["status", &r, "--to", "in-progress", "--reason", &h("Started")]));
    ok_safe("status", env.casebook(&dsl).args(["status", &r, "--to", "awaiting-debrief", "--reason", &h("Done")]));

    // The case's own outputs: show, list, and the text inside an export.
    let show = ok_safe("show", env.casebook(&deputy).args(["show", &r]));
    for tag in ["Pupil", "Year", "Description", "Action", "Reporter", "Reasoning", "Note", "Correction", "Started"] {
        assert!(show.contains(&format!("{tag}\\u{{1b}}]0;pwned")), "{tag} shown, escaped:\n{show}");
    }
    assert!(ok_safe("list", env.casebook(&dsl).arg("list")).contains("pwned"));
    ok_safe("export", env.casebook(&dsl).args(["export", &r, "--out"]).arg(env.path("case.age")));
    let plain = age_tool("age").arg("-d").arg("-i").arg(&dsl).arg(env.path("case.age")).output().unwrap();
    assert!(plain.status.success());
    let plain = String::from_utf8(plain.stdout).unwrap();
    assert!(plain.contains("Description\\u{1b}]0;pwned"), "{plain}");
    assert_safe("the export's text", &plain);

    // Leadership's side: debrief, actions, policy review, figures.
    let err = fails(env.casebook(&dsl).args(["debrief", "add", "--concern", &r, "--summary", &h("Pupil")]));
    assert_safe("the names warning", &err);
    assert!(err.contains("pwned"), "{err}");
    ok_safe(
        "debrief add",
        env.casebook(&dsl).args([
            "debrief",
            "add",
            "--concern",
            &r,
            "--other",
            &h("Other"),
            "--summary",
            &h("Summary"),
            "--worked",
            &h("Worked"),
            "--did-not-work",
            &h("DidNot"),
            "--lesson",
            &h("Lesson"),
            "--changes",
            &h("Changes"),
            "--allow-names",
        ]),
    );
    let year = chrono::Local::now().format("%Y").to_string();
    let d = format!("D-{year}-0001");
    let due = (chrono::Local::now() + chrono::Duration::days(30)).format("%Y-%m-%d").to_string();
    let action = [
        "action",
        "add",
        "--debrief",
        &d,
        "--lesson",
        "1",
        "--kind",
        "policy-change",
        "--owner",
        "#3",
        "--due",
        &due,
        "--description",
        &h("ActionText"),
        // Every hostile text here repeats the subject's "surname" (the part
        // after the carriage return), so the names check (P9-e) is
        // answered as for the debrief: this test is about what is shown.
        "--allow-names",
    ];
    assert!(ok_safe("action add", env.casebook(&dsl).args(action)).contains("pwned"));
    ok_safe("action status", env.casebook(&leadership).args(["action", "status", "A-0001", "--to", "in-progress"]));
    ok_safe(
        "action status",
        env.casebook(&leadership).args([
            "action",
            "status",
            "A-0001",
            "--to",
            "done",
            "--note",
            &h("Evidence"),
            "--allow-names",
        ]),
    );
    ok_safe(
        "policy trigger",
        env.casebook(&dsl).args(["policy", "trigger", "--kind", "update", "--note", &h("Why"), "--allow-names"]),
    );
    for (what, args) in [
        ("debrief list", vec!["debrief", "list"]),
        ("debrief show", vec!["debrief", "show", &d]),
        ("action list", vec!["action", "list"]),
        ("action show", vec!["action", "show", "A-0001"]),
        ("policy list", vec!["policy", "list"]),
    ] {
        let out = ok_safe(what, env.casebook(&leadership).args(&args));
        assert!(out.contains("pwned"), "{what} shows the text, escaped:\n{out}");
    }
    ok_safe(
        "policy review",
        env.casebook(&dsl).args(["policy", "review", "--version", &h("V"), "--note", &h("Reviewed"), "--allow-names"]),
    );
    assert!(ok_safe("policy list", env.casebook(&leadership).args(["policy", "list"])).contains("Reviewed\\u{1b}"));
    assert!(ok_safe("figures", env.casebook(&leadership).arg("figures")).contains("V\\u{1b}"));

    // Error messages that echo what was typed.
    let err = fails(env.casebook(&dsl).args(["show", &h("C-2026-")]));
    assert_safe("an error echoing a reference", &err);
    let err = fails(env.casebook(&dsl).args(["note", &r, "--kind", &h("call"), "--text", "x"]));
    assert_safe("an error echoing a kind", &err);
}

#[test]
fn oversized_text_is_refused_with_the_limit_and_records_nothing() {
    let env = Env::new();
    let school = env.school();
    let concern = |description: String| {
        serde_json::json!({
            "subjects": [{"kind": "child", "name": "Pupil Sizewell"}],
            "category": "restricted-area", "location": "toilets", "description": description,
        })
        .to_string()
    };
    // A description over 64 KiB.
    let out = with_stdin(
        env.casebook(&school.reporter).args(["concern", "add", "--json"]),
        concern("x".repeat(64 * 1024 + 1)).as_bytes(),
    );
    let (_, err) = text(&out);
    assert!(!out.status.success());
    assert!(err.contains("description: 64.1 KiB is over the limit of 64 KiB"), "{err}");
    // A 50 MB JSON line is refused before it is read whole.
    let out = with_stdin(
        env.casebook(&school.reporter).args(["concern", "add", "--json"]),
        concern("x".repeat(50 * 1024 * 1024)).as_bytes(),
    );
    let (_, err) = text(&out);
    assert!(!out.status.success());
    assert!(err.contains("over the limit of 1 MiB"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(ok(env.casebook(&school.dsl).arg("list")).contains("(no concerns)"));

    // A chronology entry over 16 KiB, a name over 200 characters.
    let r = add_concern(&env, &school.dsl, "child:Pupil Sizewell:Year 4", "Phone in the toilets.");
    let long = "y".repeat(16 * 1024 + 1);
    ok(env.casebook(&school.dsl).args([
        "triage",
        &r,
        "--risk",
        "low",
        "--pathway",
        "behaviour-sanctions",
        "--policy",
        "behaviour",
        "--reasoning",
        "P3-a.",
    ]));
    let err = fails(env.casebook(&school.dsl).args(["note", &r, "--text", &long]));
    assert!(err.contains("the entry: 16.1 KiB is over the limit of 16 KiB"), "{err}");
    let (_, recipient) = env.key("newcomer");
    let err = fails(env.casebook(&school.dsl).args([
        "member",
        "add",
        "--name",
        &"n".repeat(201),
        "--role",
        "deputy",
        "--recipient",
        &recipient,
    ]));
    assert!(err.contains("201 characters is over the limit of 200"), "{err}");
    let shown = ok(env.casebook(&school.dsl).args(["show", &r, "--json"]));
    assert_eq!(serde_json::from_str::<serde_json::Value>(&shown).unwrap()["chronology"].as_array().unwrap().len(), 3);
}

#[test]
fn a_case_stops_growing_at_the_record_limit_and_keeps_what_it_has() {
    let env = Env::new();
    let school = env.school();
    let r = add_concern(&env, &school.dsl, "child:Pupil Growing:Year 4", "Phone in the toilets.");
    let store = casebook::store::Store::open(&env.store()).unwrap();
    let key = casebook::store::identity::load(&school.dsl, &mut || None).unwrap();
    let mut session = store.unlock(key).unwrap();
    let id = session.find(&r).unwrap();
    let now = chrono::Local::now().naive_local();
    let entry = "z".repeat(16 * 1024);
    let mut added = 0;
    let err = loop {
        match session.add_entry(id, casebook::domain::EntryKind::Note, now, &entry, now) {
            Ok(_) => added += 1,
            Err(e) => break e.to_string(),
        }
        assert!(added < 200, "a case grew past {added} entries of 16 KiB");
    };
    assert!(err.contains("over casebook's limit of 2 MiB for one record; nothing was saved"), "{err}");
    assert!((100..130).contains(&added), "{added} entries of 16 KiB before the 2 MiB limit");
    let case = session.case(id).unwrap();
    assert_eq!(case.chronology.len(), added + 1, "every entry before the limit is kept");
}
