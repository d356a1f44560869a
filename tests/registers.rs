//! Issue 13: the staff and visitor registers (P5-a, P5-c, P5-e, P7-b) over
//! the real binary and a real temp store.

mod common;
use common::*;

use std::path::Path;

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

fn age_opens(env: &Env, sealed: &[u8], key: &Path) -> bool {
    let file = env.path("record.age");
    std::fs::write(&file, sealed).unwrap();
    age_tool("age").args(["-d", "-i"]).arg(key).arg(&file).output().unwrap().status.success()
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

#[test]
fn p5a_p5e_p7b_the_registers_record_who_when_why_and_who_granted_it() {
    let env = Env::new();
    let school = env.school();
    let said = ok(env.casebook(&school.dsl).args([
        "register",
        "add",
        "permission",
        "--who",
        "Mr Fictional Tutor",
        "--reason",
        "Invacuation: phone to call the office.",
        "--granted-by",
        "Mrs Head Teacher",
    ]));
    assert_eq!(
        said,
        "Recorded PL-0001 in the permission log (personal devices in teaching time): Mr Fictional Tutor.\n"
    );
    // P5-e: an approval needs a risk assessment, an approver and a review date.
    let err = fails(env.casebook(&school.deputy).args([
        "register",
        "add",
        "remote-learning",
        "--who",
        "Ms Fictional Remote",
        "--reason",
        "Online catch-up group",
    ]));
    assert!(err.contains("risk assessment is needed (P5-e)") && err.contains("nothing was saved"), "{err}");
    assert!(!err.contains("risk_assessment") && !err.contains("granted_by"), "a field is named in words: {err}");
    let soon = (today() + chrono::Duration::days(3)).to_string();
    ok(env.casebook(&school.deputy).args([
        "register",
        "add",
        "remote-learning",
        "--who",
        "Ms Fictional Remote",
        "--reason",
        "Online catch-up group",
        "--risk-assessment",
        "RA-2026-04, filed in the office",
        "--granted-by",
        "Mrs Head Teacher",
        "--until",
        &soon,
    ]));
    let err = fails(env.casebook(&school.dsl).args(["register", "add", "visitor-device", "--who", "Dr Visiting"]));
    assert!(err.contains("the visitor's organisation is needed (P7-b)"), "{err}");
    ok(env.casebook(&school.dsl).args([
        "register",
        "add",
        "visitor-device",
        "--who",
        "Dr Visiting Therapist",
        "--organisation",
        "Fictional NHS Trust",
        "--reason",
        "Speech therapy sessions",
        "--permitted",
        "Laptop in the therapy room only; no photos",
        "--granted-by",
        "Mrs Head Teacher",
    ]));

    // P5-e: the approval expiring within the notice is on Today.
    let today_list = ok(env.casebook(&school.dsl).arg("today"));
    assert!(today_list.contains("RL-0002") && today_list.contains("review remote-learning approval"), "{today_list}");
    // Leadership (the headteacher) reads the registers; a reporter does not.
    let list = ok(env.casebook(&school.leadership).args(["register", "list"]));
    assert!(list.contains("PL-0001  Mr Fictional Tutor") && list.contains("VA-0003"), "{list}");
    assert!(list.contains("expires in 3 days"), "{list}");
    let err = fails(env.casebook(&school.reporter).args(["register", "list"]));
    assert!(err.contains("cannot read the staff and visitor registers"), "{err}");
    let err = fails(env.casebook(&school.leadership).args(["register", "add", "permission", "--who", "X"]));
    assert!(err.contains("cannot record in the permission log"), "{err}");
    let shown = ok(env.casebook(&school.dsl).args(["register", "show", "VA-0003"]));
    assert!(shown.contains("What is permitted: Laptop in the therapy room only"), "{shown}");
    assert!(shown.contains("Agreed by: Mrs Head Teacher"), "{shown}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["register", "list", "permission", "--json"])))
            .unwrap();
    assert_eq!(json[0]["granted_by"], "Mrs Head Teacher");
    ok(env.casebook(&school.dsl).arg("verify"));
}

#[test]
fn p5c_the_disclosure_register_is_sealed_to_the_dsl_alone() {
    let env = Env::new();
    let school = env.school();
    let err = fails(env.casebook(&school.deputy).args([
        "register",
        "add",
        "disclosure",
        "--who",
        "Mr Fictional Tutor",
        "--reason",
        "x",
        "--permitted",
        "y",
    ]));
    assert!(err.contains("cannot record in the disclosure register"), "{err}");
    ok(env.casebook(&school.dsl).args([
        "register",
        "add",
        "disclosure",
        "--who",
        "Mr Fictional Tutor",
        "--reason",
        "Godparent of a pupil in Year 4 (marmalade heron)",
        "--permitted",
        "No one-to-one tutoring of that pupil",
    ]));
    let list = ok(env.casebook(&school.dsl).args(["register", "list", "disclosure"]));
    assert!(list.contains("DR-0001") && list.contains("marmalade heron"), "{list}");
    for other in [&school.deputy, &school.leadership] {
        let list = ok(env.casebook(other).args(["register", "list"]));
        assert!(!list.contains("marmalade") && !list.contains("DR-0001"), "{list}");
        assert!(fails(env.casebook(other).args(["register", "list", "disclosure"])).contains("the DSL's alone"));
    }
    let db = open_raw(&env.store());
    // The entries, by number (beside them, where its own numbering starts).
    let records: Vec<Vec<u8>> = db
        .open_tree("disclosures")
        .unwrap()
        .iter()
        .map(|kv| kv.unwrap())
        .filter(|(k, _)| k.len() == 4)
        .map(|(_, v)| v.to_vec())
        .collect();
    drop(db);
    assert_eq!(records.len(), 1);
    let text = String::from_utf8_lossy(&records[0]).to_string();
    assert!(!text.contains("casebook-class"), "no class stanza");
    assert!(age_opens(&env, &records[0], &school.dsl));
    for other in [&school.deputy, &school.leadership, &school.reporter] {
        assert!(!age_opens(&env, &records[0], other));
    }
    ok(env.casebook(&school.dsl).arg("verify"));
    ok(env.casebook(&school.deputy).arg("verify"));
}

/// Issue 13 item 3: the optional registers beside the four the policy
/// requires: school devices and who holds them (P4-a), and the staff
/// awareness log (P8-c). Leadership reads them; a reporter does not.
#[test]
fn p4a_p8c_the_school_device_register_and_the_awareness_log() {
    let env = Env::new();
    let school = env.school();
    // P4-a: the three questions need a yes or no.
    let err = fails(env.casebook(&school.dsl).args([
        "register",
        "add",
        "school-device",
        "--who",
        "Ms Fictional Teacher",
        "--reason",
        "iPad (asset 17)",
        "--permitted",
        "maybe",
    ]));
    assert!(err.contains("passcode protected: answer yes or no (P4-a)") && err.contains("nothing was saved"), "{err}");
    let said = ok(env.casebook(&school.deputy).args([
        "register",
        "add",
        "school-device",
        "--who",
        "Ms Fictional Teacher",
        "--reason",
        "iPad (asset 17)",
        "--permitted",
        "Y",
        "--risk-assessment",
        "yes",
        "--granted-by",
        "no",
        "--date",
        "2026-09-01",
    ]));
    assert!(said.starts_with("Recorded SD-0001 in the school devices (who holds them)"), "{said}");
    let said = ok(env.casebook(&school.dsl).args([
        "register",
        "add",
        "awareness",
        "--who",
        "All teaching staff",
        "--reason",
        "Annual child-protection training",
        "--date",
        "2026-09-02",
        "--until",
        "2027-09-02",
        "--granted-by",
        "Fictional LA trainer",
    ]));
    assert!(said.starts_with("Recorded AW-0002 in the awareness log"), "{said}");
    let shown = ok(env.casebook(&school.leadership).args(["register", "show", "SD-0001"]));
    for line in ["Held by: Ms Fictional Teacher", "Device: iPad (asset 17)", "Issued: 2026-09-01"] {
        assert!(shown.contains(line), "{line}: {shown}");
    }
    // Kept as a plain yes or no, however it was typed.
    assert!(shown.contains("Passcode protected: yes") && shown.contains("Staff only: yes"), "{shown}");
    assert!(shown.contains("Users told activity may be monitored: no"), "{shown}");
    let listed = ok(env.casebook(&school.leadership).args(["register", "list", "awareness"]));
    assert!(listed.contains("Awareness log") && listed.contains("(P8-c): 1 entry"), "{listed}");
    assert!(listed.contains("AW-0002  All teaching staff  2026-09-02 to 2027-09-02"), "{listed}");
    let all = ok(env.casebook(&school.dsl).args(["register", "list"]));
    assert!(all.contains("(P4-a): 1 entry") && all.contains("(P8-c): 1 entry"), "{all}");
    fails(env.casebook(&school.reporter).args(["register", "list", "school-device"]));
}

/// P5-c (issue 13 review): the disclosure register is numbered on its own,
/// so a deputy's or leadership's list shows no gap where a disclosure was
/// recorded (PL-0001, RL-0003 told them DR-0002 existed, and when). Its
/// entries and the others' are still told apart by their labels.
#[test]
fn p5c_a_disclosure_leaves_no_gap_in_the_other_registers_numbers() {
    let env = Env::new();
    let school = env.school();
    let add = |who: &Path, kind: &str, name: &str, extra: &[&str]| {
        ok(env.casebook(who).args(["register", "add", kind, "--who", name, "--reason", "Fictional reason"]).args(extra))
    };
    add(&school.dsl, "permission", "Mr Fictional Tutor", &["--granted-by", "Mrs Head Teacher"]);
    let said = add(&school.dsl, "disclosure", "Ms Fictional Godparent", &["--permitted", "No one-to-one time"]);
    assert!(said.contains("DR-0001"), "{said}");
    let said = add(&school.deputy, "permission", "Mr Fictional Coach", &["--granted-by", "Mrs Head Teacher"]);
    assert!(said.contains("PL-0002"), "the permission log goes on from 1 to 2: {said}");
    for other in [&school.deputy, &school.leadership] {
        let list = ok(env.casebook(other).args(["register", "list"]));
        assert!(list.contains("PL-0001") && list.contains("PL-0002") && !list.contains("-0003"), "{list}");
    }
    // The DSL reads both entries numbered 1, each by its label.
    let shown = ok(env.casebook(&school.dsl).args(["register", "show", "DR-0001"]));
    assert!(shown.contains("Ms Fictional Godparent"), "{shown}");
    let shown = ok(env.casebook(&school.dsl).args(["register", "show", "PL-0001"]));
    assert!(shown.contains("Mr Fictional Tutor") && !shown.contains("Godparent"), "{shown}");
    let said = add(&school.dsl, "disclosure", "Mr Fictional Neighbour", &["--permitted", "None"]);
    assert!(said.contains("DR-0002"), "{said}");
    for who in [&school.dsl, &school.deputy, &school.leadership] {
        assert!(ok(env.casebook(who).arg("verify")).contains("no problems"));
    }
    // Nothing any other member is served counts the disclosures.
    let db = open_raw(&env.store());
    for tree in ["counters", "settings"] {
        for kv in db.open_tree(tree).unwrap().iter() {
            let key = String::from_utf8_lossy(&kv.unwrap().0).into_owned();
            assert!(!key.contains("disclos"), "{tree}: {key}");
        }
    }
}

/// P5-c: a disclosure recorded before the register had numbers of its own
/// (its number from the shared register counter) keeps it; the next
/// disclosure is numbered past it, and verify accounts for both.
#[test]
fn p5c_an_older_disclosure_keeps_its_shared_number_and_the_next_is_numbered_past_it() {
    let env = Env::new();
    let school = env.school();
    ok(env.casebook(&school.dsl).args(["register", "add", "disclosure", "--who", "Ms Fictional Godparent"]).args([
        "--reason",
        "Godparent",
        "--permitted",
        "None",
    ]));
    // As a store from before: DR-0001 took the register counter's 1.
    {
        let db = open_raw(&env.store());
        let marker = db.open_tree("disclosures").unwrap().remove(b"disclosures-numbered-from").unwrap();
        assert!(marker.is_some(), "noted in the disclosure register's own tree");
        db.open_tree("counters").unwrap().insert(b"register", &1u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let add = |kind: &str, extra: &[&str]| {
        ok(env
            .casebook(&school.dsl)
            .args(["register", "add", kind, "--who", "Mr Fictional Tutor"])
            .args(["--reason", "Fictional reason"])
            .args(extra))
    };
    assert!(add("permission", &["--granted-by", "Mrs Head"]).contains("PL-0002"));
    for who in [&school.dsl, &school.deputy] {
        assert!(ok(env.casebook(who).arg("verify")).contains("no problems"));
    }
    assert!(add("disclosure", &["--permitted", "None"]).contains("DR-0002"));
    assert!(add("permission", &["--granted-by", "Mrs Head"]).contains("PL-0003"));
    let list = ok(env.casebook(&school.dsl).args(["register", "list", "disclosure"]));
    assert!(list.contains("DR-0001") && list.contains("DR-0002"), "{list}");
    for who in [&school.dsl, &school.deputy] {
        assert!(ok(env.casebook(who).arg("verify")).contains("no problems"));
    }
    // A disclosure of the register's own numbering deleted on disk is named.
    ok(env.casebook(&school.dsl).args(["register", "add", "disclosure", "--who", "Mr Fictional Third"]).args([
        "--reason",
        "Neighbour",
        "--permitted",
        "None",
    ]));
    {
        let db = open_raw(&env.store());
        db.open_tree("disclosures").unwrap().remove(2u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let out = env.casebook(&school.dsl).arg("verify").output().unwrap();
    let (stdout, _) = text(&out);
    assert!(stdout.contains("disclosure register entry #2: its number was handed out"), "{stdout}");
}
