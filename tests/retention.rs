//! S-d (retention and audited disposal) and S-e (a person's record erased
//! when retention ends), over the real binary and a real temp store.

mod common;
use common::*;

/// Closes a concern the quick way: triaged as no further action, closed.
fn close(env: &Env, dsl: &std::path::Path, reference: &str) {
    ok(env.casebook(dsl).args([
        "triage",
        reference,
        "--risk",
        "low",
        "--pathway",
        "no-further-action",
        "--policy",
        "behaviour",
        "--reasoning",
        "Nothing further needed.",
    ]));
    let shown = ok(env.casebook(dsl).args(["show", reference, "--json"]));
    if !shown.contains("\"status\": \"Closed\"") {
        ok(env.casebook(dsl).args(["status", reference, "--to", "closed", "--reason", "No further action."]));
    }
}

fn child(env: &Env, dsl: &std::path::Path, name: &str, dob: &str, school_id: &str) {
    ok(env
        .casebook(dsl)
        .args(["people", "add", "--kind", "child", "--name", name, "--dob", dob])
        .args(["--school-id", school_id]));
}

/// Whether `needle` is anywhere in the store's files, as bytes.
fn in_store_files(env: &Env, needle: &str) -> bool {
    files_under(&env.store()).iter().any(|f| {
        let bytes = std::fs::read(f).unwrap().to_ascii_lowercase();
        bytes.windows(needle.len()).any(|w| w == needle.to_ascii_lowercase().as_bytes())
    })
}

#[test]
fn sd_a_closed_concern_past_retention_is_listed_flagged_and_disposed_of_with_its_records() {
    let env = Env::new();
    let school = env.school();
    // P-0001 turned 25 long ago; P-0002 is seven.
    child(&env, &school.dsl, "Pupil Planted Quillon", "1995-03-01", "A000000000001");
    child(&env, &school.dsl, "Pupil Fictional Young", "2019-01-01", "A000000000002");
    let old = add_concern(&env, &school.dsl, "P-0001", "PLANTED-DISPOSAL-DETAIL filmed in the toilets.");
    let young = add_concern(&env, &school.dsl, "P-0002", "Phone out in class.");
    let open = add_concern(&env, &school.dsl, "P-0001", "Still being looked into.");
    // A concern with no date of birth known is kept: never listed.
    let unknown = add_concern(&env, &school.dsl, "child:Pupil Fictional Nodate:Year 4", "Messages.");
    // Records of the old concern in other trees: a referral and a file.
    ok(env.casebook(&school.dsl).args(["referral", "add", &old, "--kind", "advice", "--agency", "LA adviser"]).args([
        "--contact",
        "Ms Fictional Adviser",
        "--outcome",
        "No further action.",
    ]));
    let form = env.path("form.txt");
    std::fs::write(&form, "PLANTED-DISPOSAL-FILE signed by the parent.").unwrap();
    ok(env.casebook(&school.dsl).args(["attachment", "add", &old]).arg(&form));
    for r in [&old, &young, &unknown] {
        close(&env, &school.dsl, r);
    }

    let listed = ok(env.casebook(&school.dsl).arg("retention"));
    assert!(listed.contains("1 closed concern is past retention"), "{listed}");
    assert!(listed.contains(&old) && listed.contains("25th birthday of the child P-0001"), "{listed}");
    for kept in [&young, &open, &unknown] {
        assert!(!listed.contains(kept.as_str()), "{kept}: {listed}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["retention", "--json"]))).unwrap();
    assert_eq!(json[0]["reference"], old.as_str());
    assert_eq!(json[0]["retention"]["until"], "2020-03-01");
    // As of a day in 2044, the younger child's concern is past retention too.
    let later = ok(env.casebook(&school.dsl).args(["retention", "--on", "2044-01-02"]));
    assert!(later.contains(&young) && later.contains("2 closed concerns are past retention"), "{later}");
    // Today flags them.
    let today = ok(env.casebook(&school.dsl).arg("today"));
    assert!(today.contains("1 record past retention (S-d)"), "{today}");

    // The DSL alone disposes, with a reason; an open concern never; one not
    // past retention only with --early.
    let err = fails(env.casebook(&school.deputy).args(["dispose", &old, "--reason", "Past retention."]));
    assert!(err.contains("only the DSL can"), "{err}");
    let err = fails(env.casebook(&school.dsl).args(["dispose", &open, "--reason", "Tidy."]));
    assert!(err.contains("only a closed concern is disposed of") && err.contains("Nothing was deleted"), "{err}");
    let err = fails(env.casebook(&school.dsl).args(["dispose", &young, "--reason", "Tidy."]));
    assert!(err.contains("is not past retention (kept until 2044-01-01") && err.contains("--early"), "{err}");
    let err = fails(env.casebook(&school.dsl).args(["dispose", &old, "--reason", " "]));
    assert!(err.contains("give the reason"), "{err}");

    let said = ok(env.casebook(&school.dsl).args(["dispose", &old, "--reason", "Retention ended (S-d)."]));
    assert!(said.contains(&format!("Disposed of {old} and every record of it")), "{said}");
    // Every record of it is gone; the rest stand.
    let err = fails(env.casebook(&school.dsl).args(["show", &old]));
    assert!(err.contains(&old), "{err}");
    let board = ok(env.casebook(&school.dsl).arg("list"));
    assert!(!board.contains(&old) && board.contains(&young) && board.contains(&open), "{board}");
    {
        let db = raw_db(&env.store());
        let attachments = db.open_tree("attachments").unwrap();
        assert_eq!(attachments.len(), 0, "the file went with it");
        assert_eq!(db.open_tree("referrals").unwrap().len(), 0, "the referral went with it");
        assert!(db.open_tree("case_refs").unwrap().get(old.as_bytes()).unwrap().is_none());
        assert_eq!(db.open_tree("disposals").unwrap().len(), 1, "one disposal record");
    }
    // Nothing of it reads through casebook; its disposal record names it
    // and the basis, and no child.
    let records = ok(env.casebook(&school.dsl).args(["retention", "--disposed"]));
    assert!(records.contains(&old) && records.contains("Retention ended (S-d).") && records.contains("P-0001"));
    assert!(!records.contains("Quillon"), "{records}");
    let audit = ok(env.casebook(&school.dsl).arg("audit"));
    assert!(audit.contains("disposed of concern #1"), "{audit}");
    // verify: a concern disposed of is not named as deleted.
    let verified = ok(env.casebook(&school.dsl).arg("verify"));
    assert!(verified.contains("no problems"), "{verified}");

    // --early: disposed before retention, the reason recorded.
    let said = ok(env
        .casebook(&school.dsl)
        .args(["dispose", &young, "--reason", "Recorded in error."])
        .args(["--early", "A duplicate of a concern recorded at the child's previous school."]));
    assert!(said.contains("Before its retention ended, for the reason recorded: A duplicate"), "{said}");
    let records = ok(env.casebook(&school.dsl).args(["retention", "--disposed"]));
    assert!(records.contains("(early: A duplicate of a concern"), "{records}");
    assert!(ok(env.casebook(&school.dsl).arg("verify")).contains("no problems"));
}

/// S-d: casebook deletes a concern only through a disposal; one deleted on
/// disk without a disposal record is named by verify, even when its board
/// index row was taken out too (a deputy's key can re-seal the index).
#[test]
fn sd_a_concern_deleted_on_disk_without_a_disposal_record_is_named_by_verify() {
    let env = Env::new();
    let school = env.school();
    let first = add_concern(&env, &school.dsl, "child:Pupil Fictional Ash:Year 2", "Messages at night.");
    add_concern(&env, &school.dsl, "child:Pupil Fictional Birch:Year 2", "Messages at lunch.");
    ok(env.casebook(&school.dsl).arg("list"));
    {
        let db = raw_db(&env.store());
        for tree in ["cases", "case_meta"] {
            db.open_tree(tree).unwrap().remove(1u32.to_be_bytes()).unwrap();
        }
        db.open_tree("case_refs").unwrap().remove(first.as_bytes()).unwrap();
        // The whole index too: it is a cache, rebuilt from the records.
        db.drop_tree("index").unwrap();
        db.flush().unwrap();
    }
    let out = env.casebook(&school.dsl).arg("verify").output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    let said = format!("{stdout}{stderr}");
    assert!(
        said.contains(
            "concern #1: its number was handed out, but neither it nor a disposal record is in the store: \
                       deleted outside casebook"
        ),
        "{said}"
    );
    // A disposal record planted by copying another store's proves nothing:
    // not sealed to this place by a DSL here.
}

#[test]
fn sd_a_disposed_concerns_child_is_not_left_readable_in_the_store() {
    let env = Env::new();
    let school = env.school();
    child(&env, &school.dsl, "Pupil Planted Xanthe", "1990-05-05", "A000000000009");
    let r = add_concern(&env, &school.dsl, "P-0001", "PLANTED-GONE-DETAIL seen in the toilets.");
    close(&env, &school.dsl, &r);
    ok(env.casebook(&school.dsl).args(["dispose", &r, "--reason", "Retention ended."]));
    ok(env.casebook(&school.dsl).args(["people", "erase", "P-0001", "--reason", "Retention ended (S-e)."]));
    // Not readable through any of casebook's commands…
    for args in
        [vec!["list"], vec!["people", "list"], vec!["retention", "--disposed"], vec!["people", "list", "Xanthe"]]
    {
        let out = env.casebook(&school.dsl).args(&args).output().unwrap();
        let (stdout, stderr) = text(&out);
        assert!(!stdout.contains("Xanthe") && !stderr.contains("Xanthe"), "{args:?}: {stdout}{stderr}");
        assert!(!stdout.contains("PLANTED-GONE"), "{args:?}: {stdout}");
    }
    // …and never in clear at rest: every record is age-encrypted. sled may
    // keep the old encrypted bytes in its log until it reuses the space;
    // they are ciphertext, and casebook reads none of them back.
    assert!(!in_store_files(&env, "Xanthe"), "the child's name in clear in the store");
    assert!(!in_store_files(&env, "PLANTED-GONE-DETAIL"));
    let db = raw_db(&env.store());
    assert_eq!(db.open_tree("cases").unwrap().len(), 0);
    assert_eq!(db.open_tree("people").unwrap().len(), 0);
    let roll = db.open_tree("roll").unwrap();
    drop((roll, db));
    assert!(ok(env.casebook(&school.dsl).arg("verify")).contains("no problems"));
}

#[test]
fn se_a_persons_record_is_erased_only_when_no_concern_names_them_and_retention_ended() {
    let env = Env::new();
    let school = env.school();
    child(&env, &school.dsl, "Pupil Fictional Elder", "1990-05-05", "A000000000011");
    child(&env, &school.dsl, "Pupil Fictional Pupil", "2018-05-05", "A000000000012");
    ok(env.casebook(&school.dsl).args(["people", "add", "--kind", "parent", "--name", "Mx Fictional Parent"]));
    ok(env.casebook(&school.dsl).args(["people", "link", "P-0003", "parent", "P-0001"]));
    let r = add_concern(&env, &school.dsl, "P-0001", "Messages.");
    // Only the DSL; not while a concern names them.
    let err = fails(env.casebook(&school.deputy).args(["people", "erase", "P-0001", "--reason", "x"]));
    assert!(err.contains("only the DSL can"), "{err}");
    let err = fails(env.casebook(&school.dsl).args(["people", "erase", "P-0001", "--reason", "Retention ended."]));
    assert!(err.contains(&format!("{r} names P-0001")) && err.contains("Nothing was erased"), "{err}");
    // On the roll and not past retention: kept.
    let err = fails(env.casebook(&school.dsl).args(["people", "erase", "P-0002", "--reason", "Left."]));
    assert!(err.contains("on the pupil roll and not past retention (kept until 2043-05-05"), "{err}");
    let err = fails(env.casebook(&school.dsl).args(["people", "erase", "Pupil Fictional Elder", "--reason", "x"]));
    assert!(err.contains("by its number"), "{err}");

    close(&env, &school.dsl, &r);
    ok(env.casebook(&school.dsl).args(["dispose", &r, "--reason", "Retention ended."]));
    let said = ok(env.casebook(&school.dsl).args(["people", "erase", "P-0001", "--reason", "Retention ended."]));
    assert!(said.contains("Erased P-0001's record"), "{said}");
    // Gone from people, the roll and the parent's family links.
    let people = ok(env.casebook(&school.dsl).args(["people", "list"]));
    assert!(!people.contains("Elder") && people.contains("Pupil Fictional Pupil"), "{people}");
    let parent = ok(env.casebook(&school.dsl).args(["people", "show", "P-0003"]));
    assert!(!parent.contains("Elder") && parent.contains("family link to P-0001 removed"), "{parent}");
    // An adult no concern names and not on the roll is erasable at once,
    // unless a register entry names them.
    ok(env
        .casebook(&school.dsl)
        .args(["register", "add", "awareness", "--person", "P-0003"])
        .args(["--reason", "Read the parents' bulletin"]));
    let err = fails(env.casebook(&school.dsl).args(["people", "erase", "P-0003", "--reason", "No longer needed."]));
    assert!(err.contains("register entry AW-0001 names P-0003"), "{err}");
    // (Registers have no deletion of their own yet: taken out here.)
    {
        let db = raw_db(&env.store());
        db.open_tree("registers").unwrap().clear().unwrap();
        db.flush().unwrap();
    }
    ok(env.casebook(&school.dsl).args(["people", "erase", "P-0003", "--reason", "No longer needed."]));
    let audit = ok(env.casebook(&school.dsl).arg("audit"));
    assert!(audit.contains("erased person P-0001 (S-e)"), "{audit}");
    let records = ok(env.casebook(&school.dsl).args(["retention", "--disposed"]));
    assert!(records.contains("P-0001") && records.contains("P-0003"), "{records}");
    // verify: the erased numbers are accounted for; a person deleted on
    // disk without a record is named.
    assert!(ok(env.casebook(&school.dsl).arg("verify")).contains("no problems"));
    {
        let db = raw_db(&env.store());
        db.open_tree("people").unwrap().remove(2u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let out = env.casebook(&school.dsl).arg("verify").output().unwrap();
    let (stdout, stderr) = text(&out);
    let said = format!("{stdout}{stderr}");
    assert!(said.contains("P-0002: its number was handed out, but neither it nor a disposal record"), "{said}");
    assert!(!said.contains("P-0001") && !said.contains("P-0003"), "{said}");
}

/// S-d: a disposed concern's debrief and its lessons-learned actions stay
/// (leadership's learning, written without names, P9-e), naming the concern
/// by reference alone; no list or verify names anything missing.
#[test]
fn sd_a_disposed_concerns_debrief_and_actions_stay_naming_it_by_reference() {
    let env = Env::new();
    let school = env.school();
    child(&env, &school.dsl, "Pupil Fictional Aged", "1990-01-01", "A000000000021");
    let r = add_concern(&env, &school.dsl, "P-0001", "Filmed over the cubicle wall.");
    ok(env.casebook(&school.dsl).args(["triage", &r, "--risk", "medium", "--pathway", "behaviour-sanctions"]).args([
        "--policy",
        "behaviour",
        "--assignee",
        "Mr Deputy Dunn",
        "--review",
        &(chrono::Local::now().date_naive() + chrono::Duration::days(7)).to_string(),
        "--reasoning",
        "Restricted area breach (P3-a).",
    ]));
    ok(env.casebook(&school.dsl).args(["status", &r, "--to", "in-progress", "--reason", "Investigating."]));
    ok(env.casebook(&school.dsl).args(["status", &r, "--to", "awaiting-debrief", "--reason", "Sanction applied."]));
    let out = ok(env
        .casebook(&school.dsl)
        .args(["debrief", "add", "--concern", &r, "--summary", "A pupil filmed over a cubicle wall at lunch."])
        .args(["--lesson", "Toilets need a lunchtime presence."]));
    let debrief = out.split_whitespace().nth(1).unwrap().to_string();
    ok(env.casebook(&school.dsl).args(["action", "add", "--debrief", &debrief, "--lesson", "1"]).args([
        "--kind",
        "staff-training",
        "--owner",
        "Dr Lead Ership",
        "--due",
        "2099-06-30",
        "--confirm-far-date",
        "--description",
        "Lunchtime supervision briefing.",
    ]));
    ok(env.casebook(&school.dsl).args(["dispose", &r, "--reason", "Retention ended."]));
    add_concern(&env, &school.dsl, "child:Pupil Fictional Later:Year 1", "A later concern.");
    for who in [&school.dsl, &school.leadership] {
        for args in [vec!["debrief", "list"], vec!["action", "list"], vec!["debrief", "show", &debrief]] {
            let out = env.casebook(who).args(&args).output().unwrap();
            let (stdout, stderr) = text(&out);
            assert!(out.status.success() && stderr.is_empty(), "{args:?}: {stdout}{stderr}");
            if args[0] == "debrief" {
                assert!(stdout.contains(&r), "the reference stays: {args:?}: {stdout}");
            } else {
                assert!(stdout.contains("Lunchtime supervision briefing"), "{stdout}");
            }
        }
    }
    assert!(ok(env.casebook(&school.dsl).arg("verify")).contains("no problems"));
    assert!(ok(env.casebook(&school.leadership).arg("verify")).contains("no problems"));
    // A disposal record that is not one casebook wrote proves nothing: with
    // it damaged, the disposed number is named again.
    {
        let db = raw_db(&env.store());
        db.open_tree("disposals")
            .unwrap()
            .insert(1u32.to_be_bytes(), b"age-encryption.org/v1\nforged".to_vec())
            .unwrap();
        db.flush().unwrap();
    }
    let out = env.casebook(&school.dsl).arg("verify").output().unwrap();
    let said = format!("{}{}", text(&out).0, text(&out).1);
    assert!(!out.status.success() && said.contains("disposal record #1"), "{said}");
    assert!(said.contains("concern #1: its number was handed out"), "{said}");
}

/// S-d: salvage reads old bytes sled has not yet reused; a concern
/// disposed of must not come back through it.
#[test]
fn sd_salvage_does_not_bring_back_a_disposed_concern() {
    let env = Env::new();
    let school = env.school();
    child(&env, &school.dsl, "Pupil Fictional Salvaged", "1990-05-05", "A000000000031");
    let r = add_concern(&env, &school.dsl, "P-0001", "PLANTED-SALVAGE-DETAIL in the toilets.");
    let kept = add_concern(&env, &school.dsl, "child:Pupil Fictional Kept:Year 3", "Messages.");
    // A file on it, which salvage once brought back (found in review).
    let form = env.path("form.txt");
    std::fs::write(&form, "A fictional signed form.").unwrap();
    ok(env.casebook(&school.dsl).args(["attachment", "add", &r]).arg(&form));
    close(&env, &school.dsl, &r);
    ok(env.casebook(&school.dsl).args(["dispose", &r, "--reason", "Retention ended."]));
    let into = env.path("salvaged");
    let out = env.casebook(&school.dsl).arg("salvage").arg(env.store()).arg("--into").arg(&into).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    let said = format!("{stdout}{stderr}");
    assert!(said.contains("1 concern(s) and 0 person record(s) were disposed of (S-d, S-e)"), "{said}");
    assert!(!said.contains(&format!("concern {r}")), "not named as lost: {said}");
    assert!(!said.contains("file 1 of") && said.contains(" 0 attachments"), "its file stays disposed of: {said}");
    let db = raw_db(&into);
    assert_eq!(db.open_tree("attachments").unwrap().len(), 0, "no file of a disposed concern in the new store");
    drop(db);
    let board = ok(env.casebook_at(&into, &school.dsl).arg("list"));
    assert!(board.contains(&kept), "{board}");
    assert!(!board.contains(&r), "the disposed concern came back through salvage: {board}");
    assert!(ok(env.casebook_at(&into, &school.dsl).arg("verify")).contains("no problems"));
}

/// S-d through `casebook serve`: the DSL disposes of a concern; the server
/// notes it in the audit log; a deputy's client cannot delete one.
#[test]
fn sd_a_disposal_through_serve_is_audited_and_the_dsls_alone() {
    let env = Env::new();
    let school = env.school();
    child(&env, &school.dsl, "Pupil Fictional Served", "1990-05-05", "A000000000041");
    let r = add_concern(&env, &school.dsl, "P-0001", "Messages.");
    close(&env, &school.dsl, &r);
    let server = Server::start(&env);
    let mut deputy = server.session(&school.deputy);
    let err = deputy.dispose_concern(1, "Retention ended.", None, chrono::Local::now().naive_local()).unwrap_err();
    assert!(err.to_string().contains("only the DSL can"), "{err}");
    let said = ok(env.casebook(&school.dsl).args(["dispose", &r, "--reason", "Retention ended."]));
    assert!(said.contains(&format!("Disposed of {r}")), "{said}");
    let audit = ok(env.casebook(&school.dsl).arg("audit"));
    assert!(audit.contains("disposed of concern #1"), "{audit}");
    assert!(ok(env.casebook(&school.dsl).arg("verify")).contains("no problems"));
    drop(server);
}

/// S-d: a DSL who joins after a disposal opens its record (sealed again to
/// the DSLs as they are), and their verify accounts for the disposed number.
#[test]
fn sd_a_dsl_who_joins_later_reads_the_disposal_records() {
    let env = Env::new();
    let school = env.school();
    child(&env, &school.dsl, "Pupil Fictional Earlier", "1990-05-05", "A000000000051");
    let r = add_concern(&env, &school.dsl, "P-0001", "Messages.");
    add_concern(&env, &school.dsl, "child:Pupil Fictional Later:Year 2", "Messages at lunch.");
    close(&env, &school.dsl, &r);
    ok(env.casebook(&school.dsl).args(["dispose", &r, "--reason", "Retention ended."]));
    let (second, recipient) = env.key("second-dsl");
    ok(env
        .casebook(&school.dsl)
        .args(["member", "add", "--name", "Mx Second Dsl", "--role", "dsl"])
        .args(["--recipient", &recipient]));
    let records = ok(env.casebook(&second).args(["retention", "--disposed"]));
    assert!(records.contains(&r) && records.contains("Retention ended."), "{records}");
    assert!(ok(env.casebook(&second).arg("verify")).contains("no problems"));
    // A deputy's verify does not check numbers against them (it cannot open them).
    assert!(ok(env.casebook(&school.deputy).arg("verify")).contains("no problems"));
}

/// S-d, PRODUCT.md 7b: a disposal record lists the referral, device and
/// search numbers it deleted with its concern, so the DSL's verify excuses
/// them and still names one deleted on disk. A deputy cannot open the
/// disposal records: once anything was disposed of, their verify does not
/// check those numbers (the DSL's does).
#[test]
fn sd_a_disposals_referrals_devices_and_searches_are_excused_and_no_other_number() {
    let env = Env::new();
    let school = env.school();
    child(&env, &school.dsl, "Pupil Fictional Earlier", "1990-05-05", "A000000000061");
    let old = add_concern(&env, &school.dsl, "P-0001", "Messages.");
    let kept = add_concern(&env, &school.dsl, "child:Pupil Fictional Later:Year 2", "Messages at lunch.");
    for r in [&old, &kept, &kept] {
        ok(env
            .casebook(&school.dsl)
            .args(["referral", "add", r, "--kind", "advice", "--agency", "LA adviser"])
            .args(["--contact", "Ms Fictional Adviser", "--outcome", "No further action."]));
    }
    for (r, device) in [(&old, "DV-0001"), (&kept, "DV-0002")] {
        ok(env.casebook(&school.dsl).args(["custody", "add", r, "--device", "mobile-phone"]).args([
            "--owner",
            "Pupil Fictional Owner",
            "--reason",
            "Phone out in class.",
        ]));
        ok(env.casebook(&school.dsl).args(["search", "add", r, "--custody", device]).args([
            "--authorised-by",
            "Mrs Fictional Head",
            "--witnessed-by",
            "Mr Fictional Witness",
            "--grounds",
            "Suspected messages.",
            "--looked-for",
            "Messages.",
            "--found",
            "Nothing.",
        ]));
    }
    let form = env.path("form.txt");
    std::fs::write(&form, "Signed.").unwrap();
    ok(env.casebook(&school.dsl).args(["attachment", "add", &old]).arg(&form));
    ok(env
        .casebook(&school.dsl)
        .args(["custody", "return", "DV-0001", "--collected-by", "Mrs Fictional Rook"])
        .args(["--released-by", "Ms Fictional Office", "--signature", "yes"]));
    close(&env, &school.dsl, &old);
    ok(env.casebook(&school.dsl).args(["dispose", &old, "--reason", "Retention ended."]));
    {
        let db = raw_db(&env.store());
        for tree in ["referrals", "custody", "searches"] {
            assert!(db.open_tree(tree).unwrap().get(1u32.to_be_bytes()).unwrap().is_none(), "{tree} #1 went");
        }
    }
    for who in [&school.dsl, &school.deputy] {
        let said = ok(env.casebook(who).arg("verify"));
        assert!(said.contains("no problems"), "{said}");
    }
    // One of the kept concern's referrals deleted on disk: the DSL's verify names it.
    {
        let db = raw_db(&env.store());
        db.open_tree("referrals").unwrap().remove(2u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let out = env.casebook(&school.dsl).arg("verify").output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("R-0002: its number was handed out") && !stdout.contains("R-0001"), "{stdout}{stderr}");
}

/// S-e (found in review): a person a device in custody names as its owner
/// is not erased, even with no concern naming them.
#[test]
fn se_a_person_a_device_names_as_its_owner_is_not_erased() {
    let env = Env::new();
    let school = env.school();
    ok(env.casebook(&school.dsl).args(["people", "add", "--kind", "parent", "--name", "Mx Fictional Thistle"]));
    let reference =
        concern_of(&env, &school.dsl, "abusive-messages", "child:Pupil Fictional Burdock:Year 4", "classroom");
    ok(env.casebook(&school.dsl).args([
        "custody",
        "add",
        &reference,
        "--device",
        "mobile-phone",
        "--owner",
        "P-0001",
        "--reason",
        "The parent's phone, used to film in class.",
    ]));
    let err = fails(env.casebook(&school.dsl).args(["people", "erase", "P-0001", "--reason", "No longer needed."]));
    assert!(
        err.contains("DV-0001") && err.contains("names P-0001 as its owner") && err.contains("Nothing was erased"),
        "{err}"
    );
    assert!(ok(env.casebook(&school.dsl).args(["people", "show", "P-0001"])).contains("Mx Fictional Thistle"));
}
