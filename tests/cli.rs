//! The real binary over a real temp store: the scriptable workflow and the
//! one-line errors for bad input.

mod common;
use common::*;

use std::io::Write;
use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;

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
        &today_plus(30),
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
            "--category \"no-such\" is not in the policy catalogue; `casebook catalogue` lists them, e.g. restricted-area",
        ),
        (
            vec!["concern", "add", "--subject", "child:Zed", "--category", "other", "--location", "loo"],
            "--location \"loo\" is not in the policy catalogue; `casebook catalogue` lists them",
        ),
        (
            vec!["concern", "add", "--subject", "child:Zed", "--category", "other", "--device", "phone"],
            "--device \"phone\" is not in the policy catalogue",
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
    // Named by its reference (issue 11).
    assert!(
        err.contains(&format!("concern {second} (#2) could not be read")) && err.contains("Nothing was changed"),
        "{err}"
    );
    assert!(ok(env.casebook(&school.dsl).args(["show", &first])).contains("Intact record."));
    let list = ok(env.casebook(&school.dsl).arg("list"));
    assert!(list.contains(&first), "{list}");
}

// ---- issue 8: defects found trying casebook as a new user would ----------

fn today_plus(days: i64) -> String {
    (chrono::Local::now() + chrono::Duration::days(days)).format("%Y-%m-%d").to_string()
}

fn triage_args<'a>(reference: &'a str, review: &'a str) -> Vec<&'a str> {
    vec![
        "triage",
        reference,
        "--risk",
        "low",
        "--pathway",
        "behaviour-sanctions",
        "--policy",
        "behaviour",
        "--review",
        review,
        "--reasoning",
        "Restricted area (P3-a).",
    ]
}

#[test]
fn a_review_date_is_today_or_later_and_a_far_one_is_confirmed() {
    // Issue 8 item 4.
    let env = Env::new();
    let school = env.school();
    let r = add_concern(&env, &school.dsl, "child:Pupil Calendar:Year 4", "Phone in the toilets.");
    let err = fails(env.casebook(&school.dsl).args(triage_args(&r, "1999-01-01")));
    assert!(err.contains("the review date 1999-01-01 is in the past; choose today"), "{err}");
    let far = today_plus(400);
    let err = fails(env.casebook(&school.dsl).args(triage_args(&r, &far)));
    assert!(err.contains(&format!("the review date {far} is more than a year away")), "{err}");
    assert!(err.contains("--confirm-far-date"), "{err}");
    assert!(ok(env.casebook(&school.dsl).args(["show", &r])).contains("not yet triaged"), "nothing was recorded");
    ok(env.casebook(&school.dsl).args(triage_args(&r, &far)).arg("--confirm-far-date"));
    ok(env.casebook(&school.dsl).args(triage_args(&r, &today_plus(0))));

    // The same rule for an action's due date.
    ok(env.casebook(&school.dsl).args(["status", &r, "--to", "in-progress", "--reason", "Started."]));
    ok(env.casebook(&school.dsl).args(["status", &r, "--to", "awaiting-debrief", "--reason", "Done."]));
    ok(env.casebook(&school.dsl).args(["debrief", "add", "--concern", &r, "--summary", "A phone.", "--lesson", "L."]));
    let debrief = format!("D-{}-0001", chrono::Local::now().format("%Y"));
    let action = |due: &str| {
        vec![
            "action".to_string(),
            "add".into(),
            "--debrief".into(),
            debrief.clone(),
            "--lesson".into(),
            "1".into(),
            "--kind".into(),
            "signage".into(),
            "--owner".into(),
            "me".into(),
            "--due".into(),
            due.to_string(),
            "--description".into(),
            "Signs.".into(),
        ]
    };
    let err = fails(env.casebook(&school.dsl).args(action("2001-01-01")));
    assert!(err.contains("the due date 2001-01-01 is in the past"), "{err}");
    let err = fails(env.casebook(&school.dsl).args(action(&far)));
    assert!(err.contains("more than a year away") && err.contains("--confirm-far-date"), "{err}");
    ok(env.casebook(&school.dsl).args(action(&far)).arg("--confirm-far-date"));
    ok(env.casebook(&school.dsl).args(action(&today_plus(10))));
}

#[test]
fn a_member_record_copied_from_another_store_is_named_not_a_panic() {
    // Issue 8 item 7: this panicked (exit 101) in every session.
    let (a, b) = (Env::new(), Env::new());
    let (school_a, school_b) = (a.school(), b.school());
    let copied = {
        let db = sled::open(a.store()).unwrap();
        db.open_tree("members").unwrap().get(2u32.to_be_bytes()).unwrap().unwrap()
    };
    {
        let db = sled::open(b.store()).unwrap();
        db.open_tree("members").unwrap().insert(9u32.to_be_bytes(), copied).unwrap();
        db.flush().unwrap();
    }
    for key in [&school_b.dsl, &school_b.reporter, &school_a.deputy] {
        let out = b.casebook(key).arg("list").output().unwrap();
        assert_ne!(out.status.code(), Some(101), "panicked: {}", text(&out).1);
    }
    // Issue 11: named, and no longer a failed session for everyone.
    // Issue 10: not in the DSL's authenticated member list, so not a
    // member at all: nothing is sealed to its key.
    let out = b.casebook(&school_b.dsl).args(["member", "list"]).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(!stdout.contains("member #9"), "{stdout}");
    assert!(stderr.contains("member #9: it is not in the DSL's authenticated member list"), "{stderr}");
    ok(b.casebook(&school_b.reporter).args(["member", "list"]));
}

#[test]
fn a_forged_member_record_is_named_not_an_abort() {
    // Issue 8 item 7: a length prefix of 2^62 in a member record's clear
    // metadata aborted every session ("memory allocation … failed").
    let env = Env::new();
    let school = env.school();
    let mut forged = vec![1u8, 0, 0xfd];
    forged.extend((u64::MAX >> 2).to_le_bytes());
    {
        let db = sled::open(env.store()).unwrap();
        db.open_tree("members").unwrap().insert(10u32.to_be_bytes(), forged).unwrap();
        db.flush().unwrap();
    }
    // Issue 11: named on every listing of members, never a failed session.
    let out = env.casebook(&school.dsl).args(["member", "list"]).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("member #10: the record is damaged"), "{stderr}");
    assert!(stdout.contains("Ms Dee Ess-Ell") && !stdout.contains("#10"), "{stdout}");
}

#[test]
fn a_damaged_counter_is_an_error_not_a_fresh_start() {
    // Issue 8 item 7: a counter of the wrong length restarted numbering at
    // 1, handing out an id already in use.
    let env = Env::new();
    let school = env.school();
    add_concern(&env, &school.dsl, "child:Pupil Counted:Year 4", "Phone in the toilets.");
    {
        let db = sled::open(env.store()).unwrap();
        db.open_tree("counters").unwrap().insert("case", &b"xx"[..]).unwrap();
        db.flush().unwrap();
    }
    let err = fails(env.casebook(&school.dsl).args([
        "concern",
        "add",
        "--subject",
        "child:Pupil Second:Year 4",
        "--category",
        "restricted-area",
        "--description",
        "Another.",
    ]));
    assert!(err.contains("the case counter could not be read"), "{err}");
    assert!(ok(env.casebook(&school.dsl).arg("list")).contains("Pupil Counted"), "the first concern stands");
}

#[test]
fn writing_a_key_into_an_existing_directory_keeps_its_permissions() {
    // Issue 8 item 16: a shared 1777 directory lost its sticky bit.
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    let shared = env.path("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let id = age::x25519::Identity::generate();
    casebook::store::identity::write(&shared.join("dsl.age"), &id, None).unwrap();
    assert_eq!(mode(&shared), 0o1777, "an existing directory keeps its mode");
    let fresh = env.path("made/by/casebook");
    casebook::store::identity::write(&fresh.join("dsl.age"), &id, None).unwrap();
    for dir in [env.path("made"), env.path("made/by"), fresh] {
        assert_eq!(mode(&dir), 0o700, "{} was created by casebook", dir.display());
    }
    assert_eq!(mode(&shared.join("dsl.age")), 0o600);

    // The demo's throwaway directory is casebook's own: private.
    let out = Command::cargo_bin("casebook")
        .unwrap()
        .env_clear()
        .env("HOME", env.dir.path())
        .env("TMPDIR", env.dir.path())
        .args(["demo", "--keep", "--no-open", "--concerns", "2"])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let demo = stderr.lines().find_map(|l| l.strip_prefix("Demo store: ")).expect("the demo names its store");
    assert_eq!(mode(std::path::Path::new(demo)), 0o700, "{stderr}");
}

#[test]
fn help_lists_the_allowed_values() {
    // Issue 8 item 19.
    let env = Env::new();
    let (key, _) = env.key("anyone");
    let help = |args: &[&str]| ok(env.casebook(&key).args(args).arg("--help"));
    let triage = help(&["triage"]);
    for value in ["low, medium, high", "routine, urgent", "no-further-action", "child-protection", "behaviour"] {
        assert!(triage.contains(value), "{value:?} missing from triage --help:\n{triage}");
    }
    let status = help(&["status"]);
    assert!(status.contains("in-progress, awaiting-debrief, closed"), "{status}");
    let note = help(&["note"]);
    assert!(note.contains("follow-up, phone-call, meeting, parents-informed, advice-sought, referral, note"), "{note}");
    let add = help(&["concern", "add"]);
    for value in ["staff-report", "whistleblowing", "restricted-area", "toilets", "mobile-phone"] {
        assert!(add.contains(value), "{value:?} missing from concern add --help:\n{add}");
    }
    assert!(help(&["member", "add"]).contains("dsl, deputy, leadership, reporter"));
    assert!(help(&["list"]).contains("new, triaged, in-progress, awaiting-debrief, closed"));
    assert!(help(&["action", "add"]).contains("policy-change, curriculum-change"));
    assert!(help(&["action", "status"]).contains("open, in-progress, done, dropped"));
    assert!(help(&["policy", "trigger"]).contains("update, local-concern, infrastructure, action"));
    // An alias the values do not list still works, with our one-line message for a wrong one.
    let school = env.school();
    let err = fails(env.casebook(&school.dsl).args(["list", "--status", "sleeping"]));
    assert!(err.contains("is not a status"), "{err}");
}

#[test]
fn the_readme_documents_concern_json_with_an_example_that_works() {
    // Issue 8 item 19: `concern add --json`'s input format was undocumented.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme.split("### `concern add --json`").nth(1).expect("a README section on concern add --json");
    for field in [
        "occurred_at",
        "reported_by",
        "subjects",
        "kind",
        "name",
        "detail",
        "category",
        "location",
        "devices",
        "description",
        "immediate_action",
        "source",
    ] {
        assert!(section.contains(&format!("`{field}`")), "{field} is not documented");
    }
    let example = section.split("```json\n").nth(1).and_then(|s| s.split("```").next()).expect("a JSON example");
    let env = Env::new();
    let school = env.school();
    let mut child = env
        .casebook(&school.reporter)
        .args(["concern", "add", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(example.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the README's example is refused: {}", text(&out).1);
}

#[test]
fn list_lines_up_wide_names_by_display_width() {
    // Issue 8 item 20: CJK names and emoji misaligned the rows.
    use unicode_width::UnicodeWidthStr;
    let env = Env::new();
    let school = env.school();
    for subject in [
        "child:Pupil Zed:Year 4",
        "child:山田太郎:Year 4",
        "child:👍 Émile Ångström:Year 4",
        "child:長い名前の生徒さん長い名前の生徒さん:Year 4",
    ] {
        add_concern(&env, &school.dsl, subject, "Phone in the toilets.");
    }
    let table = ok(env.casebook(&school.dsl).arg("list"));
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{table}");
    let status_column = |row: &str| row[..row.find(" new ").unwrap_or_else(|| panic!("{row}"))].width();
    let header_column = table.lines().next().unwrap().find("STATUS").unwrap();
    for row in &rows {
        assert_eq!(status_column(row) + 1, header_column, "misaligned:\n{table}");
    }
}

#[test]
fn a_concern_reference_can_be_shortened_where_it_is_unambiguous() {
    // Issue 8 item 21.
    let env = Env::new();
    let school = env.school();
    let r = add_concern(&env, &school.dsl, "child:Pupil Shorthand:Year 4", "Phone in the toilets.");
    let year = chrono::Local::now().format("%Y").to_string();
    assert_eq!(r, format!("C-{year}-0001"));
    // The concern itself; the audit lines the DSL sees below it grow with
    // every `show` (issue 10).
    let concern = |out: String| out.split("\nWho has opened it").next().unwrap_or_default().to_string();
    let full = concern(ok(env.casebook(&school.dsl).args(["show", &r])));
    for short in ["1", &format!("C-{year}-1"), &format!("{year}-0001"), &format!("c-{year}-01")] {
        assert_eq!(concern(ok(env.casebook(&school.dsl).args(["show", short]))), full, "show {short}");
    }
    let out = ok(env.casebook(&school.dsl).args(triage_args("1", &today_plus(7))));
    assert_eq!(out.trim(), format!("Triaged {r}."), "the full reference is echoed");
    let out = ok(env.casebook(&school.dsl).args(["note", &format!("{year}-1"), "--text", "Called home."]));
    assert!(out.contains(&r), "{out}");
    let err = fails(env.casebook(&school.dsl).args(["show", &format!("{year}-42")]));
    assert!(err.contains(&format!("no concern C-{year}-0042")), "{err}");
    let err = fails(env.casebook(&school.dsl).args(["show", "9"]));
    assert!(err.contains("no concern numbered 9"), "{err}");
    let err = fails(env.casebook(&school.dsl).args(["show", "the toilets one"]));
    assert!(err.contains("is not a concern reference; write it as C-2026-0001"), "{err}");

    // The same number in two years is ambiguous without the year.
    {
        let key = casebook::store::identity::load(&school.dsl, &mut || None).unwrap();
        let mut s = casebook::store::Store::open(&env.store()).unwrap().unlock(key).unwrap();
        let then = chrono::NaiveDate::from_ymd_opt(2019, 6, 3).unwrap().and_hms_opt(9, 0, 0).unwrap();
        let new = casebook::domain::NewConcern {
            occurred_at: then,
            reported_by: String::new(),
            subjects: vec![casebook::domain::Subject::named(
                casebook::domain::SubjectKind::Child,
                "Pupil Olden",
                String::new(),
            )],
            category: "restricted-area".into(),
            location: "toilets".into(),
            devices: vec![],
            description: "An old concern.".into(),
            immediate_action: String::new(),
            source: casebook::domain::Source::StaffReport,
        };
        assert_eq!(s.record_concern(new, then).unwrap().reference, "C-2019-0001");
    }
    let err = fails(env.casebook(&school.dsl).args(["show", "1"]));
    assert!(err.contains(&format!("could be C-2019-0001 or C-{year}-0001; give the year")), "{err}");
    assert!(ok(env.casebook(&school.dsl).args(["show", "2019-1"])).contains("Pupil Olden"));
}

#[test]
fn the_readme_setup_works_from_a_fresh_home() {
    // Issue 8 item 18: step 2 failed as written on the age-keygen path.
    // The README's own lines run in an empty home with Debian's age-keygen,
    // except the passphrase variant of step 1 (it needs a terminal) and the
    // TUI of step 3 (run as `list`). Each "age1..." is a member's real key.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let block = readme
        .split("## Setting up a real school")
        .nth(1)
        .and_then(|s| s.split("```sh\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("the setup block");
    let mut script = String::from("set -e\nage-keygen -o ~/me.key 2>/dev/null\n");
    let mut members = 0;
    for line in block.replace("\\\n", " ").lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.contains("--new-identity") {
            continue;
        }
        let mut line = line.to_string();
        while line.contains("age1...") {
            let key = if members == 0 { "~/me.key".to_string() } else { format!("~/member{members}.key") };
            if members > 0 {
                script.push_str(&format!("age-keygen -o {key} 2>/dev/null\n"));
            }
            line = line.replacen("age1...", &format!("\"$(age-keygen -y {key})\""), 1);
            members += 1;
        }
        if line == "casebook --identity ~/me.key" {
            line.push_str(" list");
        }
        script.push_str(&line);
        script.push('\n');
    }
    assert_eq!(members, 3, "three members added:\n{script}");
    assert!(script.trim_end().ends_with("casebook --identity ~/me.key list"), "{script}");
    age_tool("age-keygen");
    let bin = assert_cmd::cargo::cargo_bin("casebook");
    let home = tempfile::tempdir().unwrap();
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", path)
        .current_dir(home.path())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "the README's setup fails:\n{script}\nstdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("Added Miss D Staff as reporter") && stdout.contains("(no concerns)"), "{stdout}");
}

/// PRODUCT.md principle 6: a reader that goes away (`| head`) ends casebook
/// quietly, never with a panic on the user's screen.
#[test]
fn output_cut_short_by_a_closed_pipe_is_not_a_panic() {
    let env = Env::new();
    let school = env.school();
    for _ in 0..3 {
        add_concern(&env, &school.dsl, "child:Pupil Pipe Reader:Year 3", "Phone in the corridor.");
    }
    let bin = assert_cmd::cargo::cargo_bin("casebook");
    for args in ["catalogue", "list", "member list"] {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{} --store {} --identity {} {args} | true",
                bin.display(),
                env.store().display(),
                school.dsl.display()
            ))
            .env("HOME", env.dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args}: {stderr}");
    }
}
