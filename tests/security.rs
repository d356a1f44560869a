//! What the store holds at rest, and who can open it: checked on the raw
//! files, through casebook, and with Debian's `age` tool.

mod common;
use common::*;

use std::path::Path;

/// Distinctive fictional text planted in every kind of field.
const PLANTED: &[&str] = &[
    "Zephyrine Quackenbush",    // child's name
    "Year 4 Kestrel class",     // subject detail
    "Ignatius Fothergill",      // reported by
    "purple hippo sticker",     // description
    "locked in drawer seven",   // immediate action
    "Bartholomew Snodgrass",    // deputy's name (member directory)
    "Marmaduke Academy",        // school's name
    "reasoning about otters",   // triage reasoning
    "telephoned Aunt Perpetua", // chronology entry
];

fn raw_records(store: &Path, tree: &str) -> Vec<Vec<u8>> {
    let db = sled::open(store).expect("open raw sled");
    let t = db.open_tree(tree).unwrap();
    t.iter().values().map(|v| v.unwrap().to_vec()).collect()
}

fn planted_school(env: &Env) -> School {
    let (dsl, dsl_r) = env.key("dsl");
    ok(env.casebook(&dsl).args([
        "init",
        "--school",
        "Marmaduke Academy",
        "--dsl-name",
        "Ms Dee",
        "--recipient",
        &dsl_r,
    ]));
    let add = |name: &str, role: &str, file: &str| {
        let (path, r) = env.key(file);
        ok(env.casebook(&dsl).args(["member", "add", "--name", name, "--role", role, "--recipient", &r]));
        path
    };
    let deputy = add("Bartholomew Snodgrass", "deputy", "deputy");
    let leadership = add("Dr Lead", "leadership", "leadership");
    let reporter = add("Miss Reporter", "reporter", "reporter");
    for who in [&reporter, &dsl] {
        ok(env.casebook(who).args([
            "concern",
            "add",
            "--subject",
            "child:Zephyrine Quackenbush:Year 4 Kestrel class",
            "--category",
            "indecent-image",
            "--location",
            "toilets",
            "--description",
            "Child said there is a purple hippo sticker on the phone.",
            "--action",
            "Phone locked in drawer seven.",
            "--reported-by",
            "Ignatius Fothergill, TA",
        ]));
    }
    let r = format!("C-{}-0002", chrono::Local::now().format("%Y"));
    ok(env.casebook(&dsl).args([
        "triage",
        &r,
        "--risk",
        "high",
        "--urgency",
        "urgent",
        "--pathway",
        "child-protection",
        "--policy",
        "child-protection",
        "--reasoning",
        "Careful reasoning about otters.",
    ]));
    ok(env.casebook(&deputy).args(["note", &r, "--kind", "phone-call", "--text", "We telephoned Aunt Perpetua."]));
    ok(env.casebook(&dsl).arg("list"));
    School { dsl, deputy, leadership, reporter }
}

#[test]
fn no_planted_text_appears_in_any_store_file() {
    let env = Env::new();
    planted_school(&env);
    assert_no_plaintext(&env.store(), PLANTED);
    // And the planted text really is in the store, behind encryption.
    let env_dsl = env.path("dsl.key");
    let shown = ok(env.casebook(&env_dsl).args(["show", &format!("C-{}-0002", chrono::Local::now().format("%Y"))]));
    for p in ["Zephyrine Quackenbush", "purple hippo sticker", "telephoned Aunt Perpetua", "reasoning about otters"] {
        assert!(shown.contains(p), "{p} missing from show");
    }
}

#[test]
fn leadership_and_reporters_cannot_read_concerns_through_casebook() {
    let env = Env::new();
    let school = planted_school(&env);
    let r = format!("C-{}-0001", chrono::Local::now().format("%Y"));
    for (who, role) in [(&school.leadership, "leadership"), (&school.reporter, "reporter")] {
        for args in [vec!["list"], vec!["show", r.as_str()], vec!["export", r.as_str(), "--out", "/dev/null"]] {
            let err = fails(env.casebook(who).args(&args));
            assert!(err.contains(&format!("your role ({role}) cannot read concerns")), "{args:?}: {err}");
        }
    }
}

#[test]
fn raw_records_open_with_debian_age_for_members_of_their_class_only() {
    let env = Env::new();
    let school = planted_school(&env);
    let records = raw_records(&env.store(), "cases");
    assert_eq!(records.len(), 2);
    for (i, record) in records.iter().enumerate() {
        assert!(record.starts_with(b"age-encryption.org/v1\n"), "an ordinary age file");
        let file = env.path(&format!("record{i}.age"));
        std::fs::write(&file, record).unwrap();
        for member in [&school.dsl, &school.deputy] {
            let out = age_tool("age").arg("-d").arg("-i").arg(member).arg(&file).output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let plain = String::from_utf8_lossy(&out.stdout);
            assert!(plain.contains("Zephyrine Quackenbush"), "decrypted record holds the concern");
        }
        for outsider in [&school.leadership, &school.reporter] {
            let out = age_tool("age").arg("-d").arg("-i").arg(outsider).arg(&file).output().unwrap();
            assert!(!out.status.success());
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("no identity matched"),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn export_opens_with_debian_age_using_an_age_keygen_key() {
    let env = Env::new();
    let key = env.path("dsl-keygen.txt");
    let out = age_tool("age-keygen").arg("-o").arg(&key).output().unwrap();
    assert!(out.status.success());
    let recipient = String::from_utf8(age_tool("age-keygen").arg("-y").arg(&key).output().unwrap().stdout).unwrap();
    // init straight from the identity file, as a DSL with an existing key would.
    ok(env.casebook(&key).args(["init", "--school", "Interop Primary", "--dsl-name", "Ms Interop"]));
    let reference = add_concern(&env, &key, "child:Pupil Interop:Year 6", "Filming in the toilets at lunch.");
    ok(env.casebook(&key).args([
        "note",
        &reference,
        "--kind",
        "note",
        "--text",
        "Interoperability follow-up.",
        "--at",
        "2026-03-10 11:00",
    ]));
    let other = env.path("transfer.txt");
    age_tool("age-keygen").arg("-o").arg(&other).output().unwrap();
    let other_r = String::from_utf8(age_tool("age-keygen").arg("-y").arg(&other).output().unwrap().stdout).unwrap();
    let export = env.path("case.age");
    ok(env.casebook(&key).args(["export", &reference, "--out"]).arg(&export).args(["--recipient", other_r.trim()]));
    assert!(recipient.trim().starts_with("age1"));
    for k in [&key, &other] {
        let out = age_tool("age").arg("-d").arg("-i").arg(k).arg(&export).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        for expected in [
            reference.as_str(),
            "Pupil Interop",
            "Filming in the toilets at lunch.",
            "Interoperability follow-up.",
            "Chronology",
        ] {
            assert!(text.contains(expected), "{expected:?} missing from export:\n{text}");
        }
    }
    // Exports never overwrite.
    let err = fails(env.casebook(&key).args(["export", &reference, "--out"]).arg(&export));
    assert!(err.contains("already exists"), "{err}");
}
