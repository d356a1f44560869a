//! The real binary over a real temp store: the scriptable workflow and the
//! one-line errors for bad input.

mod common;
use common::*;

use std::io::Write;
use std::process::Stdio;

#[test]
fn record_triage_follow_up_and_close_from_the_command_line() {
    let env = Env::new();
    let school = env.school();
    let reference = add_concern(
        &env,
        &school.reporter,
        "child:Pupil Quorra Vantablack:Year 5",
        "Seen filming over the cubicle wall.",
    );
    assert_eq!(reference, format!("C-{}-0001", chrono::Local::now().format("%Y")));

    ok(env.casebook(&school.dsl).args([
        "triage",
        &reference,
        "--risk",
        "medium",
        "--pathway",
        "behaviour-sanctions",
        "--policy",
        "behaviour",
        "--assignee",
        "Mr Deputy Dunn",
        "--review",
        "2030-01-01",
        "--reasoning",
        "Restricted area breach (P3-a).",
    ]));
    ok(env.casebook(&school.deputy).args([
        "status",
        &reference,
        "--to",
        "in-progress",
        "--reason",
        "Parents invited in.",
    ]));
    ok(env.casebook(&school.deputy).args([
        "note",
        &reference,
        "--kind",
        "phone-call",
        "--text",
        "Called home; meeting set for Friday.",
    ]));
    ok(env.casebook(&school.deputy).args([
        "note",
        &reference,
        "--kind",
        "parents-informed",
        "--text",
        "Mother informed in person.",
    ]));
    ok(env.casebook(&school.dsl).args([
        "status",
        &reference,
        "--to",
        "awaiting-debrief",
        "--reason",
        "Sanction applied.",
    ]));
    // P9-c: the recorded debrief closes it (issue 8 item 3: a status change cannot).
    ok(env.casebook(&school.dsl).args(["debrief", "add", "--concern", &reference, "--summary", "Handled quickly."]));

    let shown = ok(env.casebook(&school.deputy).args(["show", &reference]));
    for expected in [
        "Pupil Quorra Vantablack",
        "restricted area, P3-a",
        "Called home",
        "Mother informed",
        "in progress → awaiting debrief",
        "closed",
    ] {
        assert!(shown.contains(expected), "{expected:?} missing from:\n{shown}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["show", &reference, "--json"]))).unwrap();
    assert_eq!(json["status"], "Closed");
    assert_eq!(json["chronology"].as_array().unwrap().len(), 8, "reported, triage, 4 status changes, 2 notes: {json}");

    let list: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["list", "--json"]))).unwrap();
    assert_eq!(list[0]["reference"], reference);
    assert_eq!(list[0]["status"], "closed");
    assert_eq!(list[0]["assignee"], "Mr Deputy Dunn");
    let table = ok(env.casebook(&school.dsl).args(["list"]));
    assert!(table.contains(&reference) && table.contains("Pupil Quorra"), "{table}");
}

#[test]
fn concerns_from_json_and_json_lines() {
    let env = Env::new();
    let school = env.school();
    let one = r#"{
        "subjects": [{"kind": "visitor", "name": "Visitor Yellowhammer", "detail": "contractor"}],
        "category": "visitor-device", "location": "corridor", "devices": ["mobile-phone"],
        "description": "Filming in the corridor.", "source": "staff-report", "occurred_at": "2026-02-01 09:00"
    }"#;
    let mut child = env
        .casebook(&school.reporter)
        .args(["concern", "add", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(one.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Recorded C-"));

    let lines = [one.replace('\n', " "), one.replace('\n', " ").replace("Yellowhammer", "Bluethroat")].join("\n");
    let mut child = env
        .casebook(&school.dsl)
        .args(["concern", "add", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(lines.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    let list = ok(env.casebook(&school.dsl).args(["list"]));
    assert!(list.contains("Visitor Bluethroat") && list.contains("Visitor Yellowhammer"), "{list}");
}

#[test]
fn malformed_json_records_nothing_and_says_so() {
    let env = Env::new();
    let school = env.school();
    for bad in [
        r#"{"subjects": [], "category": "x""#,
        r#"{"subjects":[{"kind":"alien","name":"Z"}],"category":"other","location":"office","description":"d"}"#,
        r#"{"subject":"typo"}"#,
    ] {
        let mut child = env
            .casebook(&school.dsl)
            .args(["concern", "add", "--json"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(bad.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("malformed concern JSON"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    assert!(ok(env.casebook(&school.dsl).args(["list"])).contains("(no concerns)"));
}

#[test]
fn lifecycle_refusals_explain_themselves() {
    let env = Env::new();
    let school = env.school();
    let r = add_concern(&env, &school.dsl, "child:Pupil Example:Year 3", "Phone out in the cloakroom.");
    let err = fails(env.casebook(&school.dsl).args(["status", &r, "--to", "closed", "--reason", "done"]));
    assert!(err.contains(&format!("cannot close {r}: triage it first")), "{err}");
    let err = fails(env.casebook(&school.dsl).args([
        "triage",
        &r,
        "--risk",
        "low",
        "--pathway",
        "behaviour-sanctions",
        "--policy",
        "behaviour",
        "--reasoning",
        " ",
    ]));
    assert!(err.contains("record the reasoning"), "{err}");
    let err = fails(env.casebook(&school.dsl).args(["show", "C-1999-0042"]));
    assert!(err.contains("no concern C-1999-0042"), "{err}");
}

#[test]
fn bad_input_gets_one_clear_line() {
    let env = Env::new();
    let school = env.school();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["concern", "add", "--subject", "alien:Zed", "--category", "other", "--description", "x"],
            "start with child:",
        ),
        (
            vec!["concern", "add", "--subject", "child:Zed", "--category", "no-such", "--description", "x"],
            "category: choose a category",
        ),
        (
            vec![
                "concern",
                "add",
                "--subject",
                "child:Zed",
                "--category",
                "other",
                "--description",
                "x",
                "--occurred",
                "yesterday",
            ],
            "YYYY-MM-DD HH:MM",
        ),
        (vec!["member", "add", "--name", "X", "--role", "janitor", "--recipient", "age1x"], "is not a role"),
        (
            vec!["member", "add", "--name", "X", "--role", "deputy", "--recipient", "ssh-rsa AAAA"],
            "not an age X25519 recipient",
        ),
        (vec!["list", "--status", "sleeping"], "is not a status"),
    ];
    for (args, expected) in cases {
        let err = fails(env.casebook(&school.dsl).args(&args));
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

#[test]
fn missing_store_wrong_key_and_existing_store() {
    let env = Env::new();
    let (key, recipient) = env.key("dsl");
    let err = fails(env.casebook(&key).arg("list"));
    assert!(err.contains("no casebook store at") && err.contains("casebook init"), "{err}");

    ok(env.casebook(&key).args(["init", "--school", "Testford", "--dsl-name", "Ms D", "--recipient", &recipient]));
    let err = fails(env.casebook(&key).args([
        "init",
        "--school",
        "Testford",
        "--dsl-name",
        "Ms D",
        "--recipient",
        &recipient,
    ]));
    assert!(err.contains("already exists"), "{err}");

    let (stranger, _) = env.key("stranger");
    let err = fails(env.casebook(&stranger).arg("list"));
    assert!(err.contains("is not a member of this store"), "{err}");

    let err = fails(env.casebook(&env.path("nope.key")).arg("list"));
    assert!(err.contains("no identity file at"), "{err}");

    std::fs::write(env.path("junk.key"), "not a key\n").unwrap();
    let err = fails(env.casebook(&env.path("junk.key")).arg("list"));
    assert!(err.contains("holds no age X25519 identity"), "{err}");
}

#[test]
fn a_store_held_by_another_process_is_in_use() {
    let env = Env::new();
    let school = env.school();
    // This test process holds the store, as a running TUI would.
    let held = casebook::store::Store::open(&env.store()).unwrap();
    let err = fails(env.casebook(&school.dsl).arg("list"));
    assert!(err.contains("in use by another casebook process"), "{err}");
    drop(held);
    ok(env.casebook(&school.dsl).arg("list"));
}

#[test]
fn only_the_dsl_adds_members() {
    let env = Env::new();
    let school = env.school();
    let (_, r) = env.key("newcomer");
    let err = fails(env.casebook(&school.deputy).args([
        "member",
        "add",
        "--name",
        "New",
        "--role",
        "deputy",
        "--recipient",
        &r,
    ]));
    assert!(err.contains("your role (deputy) cannot add members"), "{err}");
    let members = ok(env.casebook(&school.leadership).args(["member", "list"]));
    assert!(members.contains("Dr Lead Ership") && members.contains("reporter"), "{members}");
}

#[test]
fn store_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.school();
    let mode = std::fs::metadata(env.store()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

#[test]
fn a_damaged_record_is_named_and_the_rest_still_open() {
    let env = Env::new();
    let school = env.school();
    let first = add_concern(&env, &school.dsl, "child:Pupil Intact:Year 2", "Intact record.");
    let second = add_concern(&env, &school.dsl, "child:Pupil Damaged:Year 2", "This record will be damaged.");
    ok(env.casebook(&school.dsl).arg("list"));
    {
        // Flip bytes in the middle of the second record's ciphertext.
        let db = sled::open(env.store()).unwrap();
        let cases = db.open_tree("cases").unwrap();
        let key = 2u32.to_be_bytes();
        let mut value = cases.get(key).unwrap().unwrap().to_vec();
        let n = value.len();
        for b in &mut value[n - 40..n - 20] {
            *b ^= 0x55;
        }
        cases.insert(key, value).unwrap();
        db.flush().unwrap();
    }
    let err = fails(env.casebook(&school.dsl).args(["show", &second]));
    assert!(err.contains("case #2 could not be read") && err.contains("Nothing was changed"), "{err}");
    assert!(ok(env.casebook(&school.dsl).args(["show", &first])).contains("Intact record."));
    let list = ok(env.casebook(&school.dsl).arg("list"));
    assert!(list.contains(&first), "{list}");
}
