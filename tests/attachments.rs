//! Issue 13: files attached to a concern: sealed like the concern, listed
//! in its chronology, exported only as age files, limited in size, and
//! refused for the image categories (P6.1-c) with the reason.

mod common;
use common::*;

use std::path::Path;

#[test]
fn a_signed_form_is_attached_listed_exported_and_never_kept_in_clear() {
    let env = Env::new();
    let school = env.school();
    let reference = add_concern(&env, &school.dsl, "child:Pupil Fictional Rook", "Phone used in the toilets.");
    let form = env.path("signed-form.txt");
    std::fs::write(&form, "PLANTED-SIGNED-FORM: collected by the parent, signature taken.").unwrap();
    let out = ok(env
        .casebook(&school.deputy)
        .args(["attachment", "add", &reference])
        .arg(&form)
        .args(["--note", "signed confiscation form"]));
    assert!(out.contains("as file 1"), "{out}");
    let list = ok(env.casebook(&school.dsl).args(["attachment", "list", &reference]));
    assert!(list.contains("signed-form.txt") && list.contains("signed confiscation form"), "{list}");
    let show = ok(env.casebook(&school.dsl).args(["show", &reference]));
    assert!(show.contains("Attached signed-form.txt"), "listed in the chronology: {show}");

    // Exported as an age file, opened with Debian's age.
    let exported = env.path("form.age");
    ok(env.casebook(&school.dsl).args(["attachment", "export", &reference, "1", "--out"]).arg(&exported));
    let opened = age_tool("age").args(["-d", "-i"]).arg(&school.dsl).arg(&exported).output().unwrap();
    assert!(opened.status.success(), "{}", String::from_utf8_lossy(&opened.stderr));
    assert_eq!(String::from_utf8_lossy(&opened.stdout), std::fs::read_to_string(&form).unwrap());

    // Leadership and reporters read none of it; nothing of it is at rest in clear.
    fails(env.casebook(&school.leadership).args(["attachment", "list", &reference]));
    fails(env.casebook(&school.reporter).args(["attachment", "add", &reference]).arg(&form));
    assert_no_plaintext(&env.store(), &["PLANTED-SIGNED-FORM", "signed confiscation form"]);
    // `verify` knows the tree and finds nothing wrong with it.
    ok(env.casebook(&school.dsl).arg("verify"));
}

#[test]
fn an_image_category_refuses_every_attachment_and_a_large_file_is_refused() {
    let env = Env::new();
    let school = env.school();
    let reference = concern_of(&env, &school.dsl, "indecent-image", "child:Pupil Fictional Wren", "toilets");
    let file = env.path("screenshot.png");
    std::fs::write(&file, b"not really an image").unwrap();
    let err = fails(env.casebook(&school.dsl).args(["attachment", "add", &reference]).arg(&file));
    assert!(err.contains("never keeps a copy of such content") && err.contains("P6.1-c"), "{err}");
    assert!(err.contains("Nothing was attached"), "{err}");

    let other = add_concern(&env, &school.dsl, "child:Pupil Fictional Rook", "Messages.");
    let big = env.path("big.pdf");
    std::fs::write(&big, vec![b'x'; 2 * 1024 * 1024]).unwrap();
    let err = fails(env.casebook(&school.dsl).args(["attachment", "add", &other]).arg(&big));
    assert!(err.contains("over casebook's limit of 1.5 MiB") && err.contains("nothing was attached"), "{err}");
    assert!(ok(env.casebook(&school.dsl).args(["attachment", "list", &other])).contains("no files attached"));
}

/// A deputy who leaves opens no attachment afterwards (issue 10's rekey
/// covers them), checked with Debian's age on the raw records.
#[test]
fn a_departed_deputy_opens_no_attachment() {
    let env = Env::new();
    let school = env.school();
    let reference = add_concern(&env, &school.dsl, "child:Pupil Fictional Rook", "Phone used in the toilets.");
    let form = env.path("log.txt");
    std::fs::write(&form, "message log").unwrap();
    ok(env.casebook(&school.dsl).args(["attachment", "add", &reference]).arg(&form));
    let raw = || -> Vec<Vec<u8>> {
        raw_db(&env.store()).open_tree("attachments").unwrap().iter().map(|kv| kv.unwrap().1.to_vec()).collect()
    };
    let sealed = env.path("file.age");
    std::fs::write(&sealed, &raw()[0]).unwrap();
    assert!(age_tool("age").args(["-d", "-i"]).arg(&school.deputy).arg(&sealed).output().unwrap().status.success());
    let members = ok(env.casebook(&school.dsl).args(["member", "list"]));
    let deputy = members.lines().find(|l| l.contains("deputy")).unwrap().split_whitespace().next().unwrap().to_string();
    ok(env.casebook(&school.dsl).args(["member", "remove", &deputy]));
    for record in raw() {
        std::fs::write(&sealed, record).unwrap();
        let out = age_tool("age").args(["-d", "-i"]).arg(&school.deputy).arg(&sealed).output().unwrap();
        assert!(!out.status.success(), "the departed deputy opened an attachment");
    }
    assert!(ok(env.casebook(&school.dsl).args(["attachment", "list", &reference])).contains("log.txt"));
}

/// P5-g: a restricted allegation's file, device or search record is kept
/// sealed to its readers alone (here the DSL): no deputy's key opens it,
/// and nothing of it is in clear (it was refused before they were sealed
/// like the concern).
#[test]
fn p5g_a_restricted_allegation_takes_no_record_every_deputy_could_open() {
    let env = Env::new();
    let school = env.school();
    let reference = concern_of(&env, &school.dsl, "staff-illegal", "staff:Mr Fictional Tutor:teacher", "classroom");
    ok(env.casebook(&school.dsl).args(["restrict", &reference, "--reason", "Allegation against staff."]));
    let file = env.path("statement.txt");
    std::fs::write(&file, "PLANTED-STATEMENT").unwrap();
    ok(env.casebook(&school.dsl).args(["attachment", "add", &reference]).arg(&file));
    ok(env.casebook(&school.dsl).args(["custody", "add", &reference, "--device", "mobile-phone"]).args([
        "--owner",
        "Mr Fictional Tutor",
        "--reason",
        "PLANTED-REASON",
    ]));
    let db = raw_db(&env.store());
    let sealed = env.path("record.age");
    for tree in ["attachments", "custody"] {
        let records: Vec<Vec<u8>> = db.open_tree(tree).unwrap().iter().map(|kv| kv.unwrap().1.to_vec()).collect();
        assert_eq!(records.len(), 1, "{tree}");
        std::fs::write(&sealed, &records[0]).unwrap();
        for (key, opens) in [(&school.dsl, true), (&school.deputy, false)] {
            let out = age_tool("age").args(["-d", "-i"]).arg(key).arg(&sealed).output().unwrap();
            assert_eq!(out.status.success(), opens, "{tree}: {key:?}");
        }
    }
    drop(db);
    assert_no_plaintext(&env.store(), &["PLANTED-STATEMENT", "PLANTED-REASON"]);
    assert!(ok(env.casebook(&school.dsl).args(["attachment", "list", &reference])).contains("statement.txt"));
}

/// Issue 13 review: `attachment add` takes a regular file only. A device
/// that never ends (/dev/zero: its size says 0, and reading it filled the
/// memory) and a named pipe (opening one waits for a writer) are refused
/// in one line, at once; nothing is attached.
#[test]
fn a_device_or_a_named_pipe_is_refused_in_one_line_and_never_read() {
    let env = Env::new();
    let school = env.school();
    let reference = add_concern(&env, &school.dsl, "child:Pupil Fictional Rook", "Messages.");
    let pipe = env.path("form.pdf");
    let made = std::process::Command::new("mkfifo").arg(&pipe).status().expect("mkfifo");
    assert!(made.success());
    // The pipe first: before, it waited; /dev/zero filled the memory.
    for file in [pipe.as_path(), Path::new("/dev/zero")] {
        let mut child = env
            .casebook(&school.dsl)
            .args(["attachment", "add", &reference])
            .arg(file)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{}: still reading after 20 s", file.display());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let out = child.wait_with_output().unwrap();
        let (_, err) = text(&out);
        assert!(!out.status.success() && err.trim_end().lines().count() == 1, "{err}");
        assert!(err.contains("is not a regular file") && err.contains("nothing was attached"), "{err}");
        assert!(err.contains(&file.display().to_string()), "{err}");
    }
    let err = fails(env.casebook(&school.dsl).args(["attachment", "add", &reference]).arg(env.path("")));
    assert!(err.contains("is a folder"), "{err}");
    assert!(ok(env.casebook(&school.dsl).args(["attachment", "list", &reference])).contains("no files attached"));
}

/// Found in review: a file attached to a closed concern was kept although
/// its chronology entry was refused. Refused before anything is written.
#[test]
fn a_closed_concern_takes_no_file_and_keeps_none() {
    let env = Env::new();
    let school = env.school();
    let reference = concern_of(&env, &school.dsl, "abusive-messages", "child:Pupil Fictional Teal:Year 4", "classroom");
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
    ok(env.casebook(&school.dsl).args(["status", &reference, "--to", "closed", "--reason", "NFA."]));
    let form = env.path("late-form.txt");
    std::fs::write(&form, "A fictional form, too late.").unwrap();
    let err = fails(env.casebook(&school.dsl).args(["attachment", "add", &reference]).arg(&form));
    assert!(
        err.contains("is closed: reopen it before attaching a file") && err.contains("nothing was attached"),
        "{err}"
    );
    let list = ok(env.casebook(&school.dsl).args(["attachment", "list", &reference]));
    assert!(!list.contains("late-form.txt"), "{list}");
    ok(env.casebook(&school.dsl).arg("verify"));
}
