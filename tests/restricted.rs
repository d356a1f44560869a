//! Issue 13 (P5-f, P5-g): restricted allegations against staff, over the
//! real binary and a real temp store, proven with Debian's `age` on the
//! raw records.

mod common;
use common::*;

use std::path::{Path, PathBuf};

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

/// Every (tree, key, value) of the trees given, read from the raw files.
fn raw(store: &Path, trees: &[&str]) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let db = open_raw(store);
    let mut out = Vec::new();
    for tree in trees {
        for kv in db.open_tree(tree).unwrap().iter() {
            let (k, v) = kv.unwrap();
            out.push((tree.to_string(), k.to_vec(), v.to_vec()));
        }
    }
    out
}

fn age_opens(env: &Env, sealed: &[u8], key: &Path) -> bool {
    let file = env.path("record.age");
    std::fs::write(&file, sealed).unwrap();
    age_tool("age").args(["-d", "-i"]).arg(key).arg(&file).output().unwrap().status.success()
}

/// The age header's stanza lines ("-> X25519 …", "-> casebook-class …").
fn stanzas(sealed: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(sealed);
    text.lines().take_while(|l| !l.starts_with("---")).filter(|l| l.starts_with("-> ")).map(String::from).collect()
}

struct Staffroom {
    school: School,
    ally: PathBuf,
    sam: PathBuf,
}

/// A school with two more deputies: Ms Ally Allowed (#5) and Mr Sam
/// Subject (#6), against whom an allegation is made.
fn staffroom(env: &Env) -> Staffroom {
    let school = env.school();
    let add = |name: &str, file: &str| {
        let (path, r) = env.key(file);
        ok(env.casebook(&school.dsl).args(["member", "add", "--name", name, "--role", "deputy", "--recipient", &r]));
        path
    };
    let ally = add("Ms Ally Allowed", "ally");
    let sam = add("Mr Sam Subject", "sam");
    Staffroom { school, ally, sam }
}

fn allegation(env: &Env, who: &Path) -> String {
    let out = ok(env.casebook(who).args([
        "concern",
        "add",
        "--subject",
        "alleged=staff:Mr Sam Subject",
        "--category",
        "staff-illegal",
        "--location",
        "classroom",
        "--device",
        "mobile-phone",
        "--description",
        "Indigo heron messages found on a personal phone.",
        "--action",
        "Phone handed to the headteacher.",
        "--occurred",
        "2026-03-10 10:15",
    ]));
    out.trim().lines().last().unwrap().trim_start_matches("Recorded ").trim_end_matches('.').to_string()
}

#[test]
fn p5g_an_excluded_deputys_key_opens_none_of_a_restricted_allegations_records() {
    let env = Env::new();
    let s = staffroom(&env);
    let reference = allegation(&env, &s.school.reporter);
    ok(env.casebook(&s.school.dsl).args(["referral", "add", &reference, "--kind", "lado", "--reference", "LADO/1"]));

    // Self-exclusion: Mr Sam Subject is a subject, so he is left out even
    // though the DSL names no one to exclude.
    let said = ok(env.casebook(&s.school.dsl).args([
        "restrict",
        &reference,
        "--allow",
        "5",
        "--reason",
        "Allegation against a member of staff.",
    ]));
    assert!(said.contains("readable only by Ms Dee Ess-Ell (#1), Ms Ally Allowed (#5)"), "{said}");
    assert!(said.contains("Excluded: Mr Sam Subject (#6)"), "{said}");
    // A referral recorded after the restriction is restricted too.
    ok(env.casebook(&s.ally).args(["referral", "add", &reference, "--kind", "police", "--reference", "CR/9"]));

    let records = raw(&env.store(), &["cases", "referrals", "restricted"]);
    let sealed: Vec<&Vec<u8>> = records
        .iter()
        .filter(|(tree, k, _)| !(tree == "restricted" && k.starts_with(b"referral-")))
        .map(|(_, _, v)| v)
        .collect();
    // The concern, two referrals, the restriction.
    assert_eq!(sealed.len(), 4, "{records:?}");
    for record in &sealed {
        let lines = stanzas(record);
        assert!(lines.iter().all(|l| !l.contains("casebook-class")), "no class stanza: {lines:?}");
        let x25519 = lines.iter().filter(|l| l.starts_with("-> X25519 ")).count();
        assert_eq!(x25519, 2, "the DSL and Ms Ally Allowed only: {lines:?}");
        assert!(age_opens(&env, record, &s.school.dsl));
        assert!(age_opens(&env, record, &s.ally));
        for excluded in [&s.sam, &s.school.deputy, &s.school.leadership, &s.school.reporter] {
            assert!(!age_opens(&env, record, excluded), "{excluded:?} opened a restricted record");
        }
    }

    // Removing an allowed member seals it all again without them.
    ok(env.casebook(&s.school.dsl).args(["member", "remove", "5"]));
    let records = raw(&env.store(), &["cases", "referrals", "restricted"]);
    for (tree, k, v) in &records {
        if tree == "restricted" && k.starts_with(b"referral-") {
            continue;
        }
        assert!(stanzas(v).iter().all(|l| !l.contains("casebook-class")), "{tree}");
        assert!(age_opens(&env, v, &s.school.dsl), "{tree}");
        assert!(!age_opens(&env, v, &s.ally), "{tree}: a removed member still opens it");
    }
    ok(env.casebook(&s.school.dsl).arg("verify"));
    ok(env.casebook(&s.school.deputy).arg("verify"));
    let shown = ok(env.casebook(&s.school.dsl).args(["show", &reference]));
    assert!(shown.contains("Indigo heron") && shown.contains("Restricted (P5-g): readable only by Ms Dee Ess-Ell"));
}

#[test]
fn p5g_an_excluded_deputy_sees_no_name_or_detail_of_a_restricted_allegation() {
    let env = Env::new();
    let s = staffroom(&env);
    let other = add_concern(&env, &s.school.reporter, "child:Pupil Plain", "An ordinary concern.");
    let reference = allegation(&env, &s.school.reporter);
    ok(env.casebook(&s.school.dsl).args(["referral", "add", &reference, "--kind", "lado", "--reference", "LADO/1"]));
    // Before: every deputy reads it (the DSL restricts it at triage).
    assert!(ok(env.casebook(&s.sam).arg("list")).contains("Sam Subject"));
    ok(env.casebook(&s.school.dsl).args(["restrict", &reference, "--allow", "5"]));

    for excluded in [&s.sam, &s.school.deputy] {
        for args in [vec!["list"], vec!["list", "--json"], vec!["today"], vec!["referral", "list", &reference]] {
            let out = env.casebook(excluded).args(&args).output().unwrap();
            let (stdout, stderr) = text(&out);
            for secret in ["Sam Subject", "staff-illegal", "Illegal", "Indigo heron", "LADO/1"] {
                assert!(!stdout.contains(secret) && !stderr.contains(secret), "{args:?} shows {secret}: {stdout}");
            }
        }
        let list = ok(env.casebook(excluded).arg("list"));
        assert!(list.contains(&reference) && list.contains("restricted"), "{list}");
        // Their Today passes over it in silence (they may be its subject).
        let today = ok(env.casebook(excluded).arg("today"));
        assert!(!today.contains(&reference), "{today}");
        assert!(list.contains("Pupil Plain"), "other concerns are untouched: {list}");
        let err = fails(env.casebook(excluded).args(["show", &reference]));
        assert!(err.contains("is not yours to read") && err.contains("restricted allegation"), "{err}");
        assert!(!err.contains("Sam Subject"), "{err}");
        // A deputy cannot write to it either, nor restrict it.
        let err = fails(env.casebook(excluded).args(["note", &reference, "--text", "Looked."]));
        assert!(err.contains("restricted"), "{err}");
        let err = fails(env.casebook(excluded).args(["restrict", &reference]));
        assert!(err.contains("only the DSL can"), "{err}");
        ok(env.casebook(excluded).args(["show", &other]));
    }
    // The DSL and the named deputy read it as it is, and may add to it.
    for reader in [&s.school.dsl, &s.ally] {
        let list = ok(env.casebook(reader).arg("list"));
        assert!(list.contains("Sam Subject"), "{list}");
        ok(env.casebook(reader).args(["note", &reference, "--text", "Strategy meeting booked."]));
    }
    assert!(ok(env.casebook(&s.ally).args(["referral", "list", &reference])).contains("LADO/1"));
    // Leadership's figures still count it, under "restricted" alone.
    ok(env.casebook(&s.school.leadership).arg("figures"));
    ok(env.casebook(&s.school.deputy).arg("verify"));
}

#[test]
fn p5g_only_the_dsl_restricts_and_a_subject_cannot_be_allowed() {
    let env = Env::new();
    let s = staffroom(&env);
    let reference = allegation(&env, &s.school.reporter);
    let err = fails(env.casebook(&s.school.dsl).args(["restrict", &reference, "--allow", "6"]));
    assert!(err.contains("Mr Sam Subject is excluded") && err.contains("nothing was changed"), "{err}");
    let err = fails(env.casebook(&s.school.dsl).args(["restrict", &reference, "--allow", "3"]));
    assert!(err.contains("cannot read concerns"), "{err}");
    let err = fails(env.casebook(&s.school.dsl).args(["restrict", &reference, "--allow", "99"]));
    assert!(err.contains("no member #99"), "{err}");
    // Nothing changed: every deputy still reads it.
    assert!(ok(env.casebook(&s.school.deputy).args(["show", &reference])).contains("Indigo heron"));
}

/// Records on `reference` what a deputy may: a confiscated phone, a search
/// of it and a scanned form (P6.1-a, P6.1-e), each with `tag` in it.
fn device_search_and_file(env: &Env, who: &Path, reference: &str, device: &str, tag: &str) {
    ok(env.casebook(who).args([
        "custody",
        "add",
        reference,
        "--device",
        "mobile-phone",
        "--description",
        &format!("{tag} phone, blue case"),
        "--owner",
        "Mr Sam Subject",
        "--reason",
        "Handed over for the allegation.",
    ]));
    ok(env.casebook(who).args([
        "search",
        "add",
        reference,
        "--custody",
        device,
        "--authorised-by",
        "Mrs Fictional Head",
        "--witnessed-by",
        "Mr Fictional Witness",
        "--grounds",
        "The allegation names messages on it.",
        "--looked-for",
        "Messages to a pupil.",
        "--found",
        &format!("{tag} messages."),
    ]));
    let form = env.path(&format!("{tag}.txt"));
    std::fs::write(&form, format!("{tag} signed form.")).unwrap();
    ok(env.casebook(who).args(["attachment", "add", reference]).arg(&form));
}

/// Issue 13 (P5-g, P6.1-b): a restricted allegation's devices in custody,
/// searches and files are sealed to its readers alone, those recorded
/// before it was restricted too: the deputy it is about (excluded) opens
/// none with Debian's age, nor through casebook, while the readers read
/// them; the register and Today still work for the excluded deputy and
/// show nothing of them; a member who leaves opens none afterwards.
#[test]
fn p5g_a_restricted_allegations_devices_searches_and_files_are_sealed_to_its_readers() {
    let env = Env::new();
    let s = staffroom(&env);
    let reference = allegation(&env, &s.school.reporter);
    // Before the restriction: recorded by a deputy it will exclude.
    device_search_and_file(&env, &s.school.deputy, &reference, "DV-0001", "Kestrel");
    ok(env.casebook(&s.school.dsl).args(["restrict", &reference, "--allow", "5"]));
    // After: recorded by the deputy it allows.
    device_search_and_file(&env, &s.ally, &reference, "DV-0002", "Plover");
    ok(env.casebook(&s.ally).args(["custody", "move", "DV-0001", "--to", "the head's safe"]));

    let check = |readers: &[&PathBuf], shut: &[&PathBuf]| {
        let records = raw(&env.store(), &["custody", "searches", "attachments"]);
        assert_eq!(records.len(), 6, "two devices, two searches, two files: {records:?}");
        for (tree, _, v) in &records {
            let lines = stanzas(v);
            assert!(lines.iter().all(|l| !l.contains("casebook-class")), "{tree}: no class stanza: {lines:?}");
            assert_eq!(lines.iter().filter(|l| l.starts_with("-> X25519 ")).count(), readers.len(), "{tree}");
            for key in readers {
                assert!(age_opens(&env, v, key), "{tree}: a reader cannot open it");
            }
            for key in shut {
                assert!(!age_opens(&env, v, key), "{tree}: {key:?} opened a restricted record");
            }
        }
        let markers: Vec<Vec<u8>> = raw(&env.store(), &["restricted"]).into_iter().map(|(_, k, _)| k).collect();
        for prefix in [&b"custody-"[..], b"search-", b"attachment-"] {
            assert_eq!(markers.iter().filter(|k| k.starts_with(prefix)).count(), 2, "{markers:?}");
        }
    };
    let everyone_else = [&s.sam, &s.school.deputy, &s.school.leadership, &s.school.reporter];
    check(&[&s.school.dsl, &s.ally], &everyone_else);

    // The readers read them through casebook.
    for reader in [&s.school.dsl, &s.ally] {
        let shown = ok(env.casebook(reader).args(["custody", "show", "DV-0001"]));
        assert!(shown.contains("Kestrel phone") && shown.contains("head's safe"), "{shown}");
        let held = ok(env.casebook(reader).args(["custody", "list", "--held"]));
        assert!(held.contains("DV-0001") && held.contains("DV-0002"), "{held}");
        let searches = ok(env.casebook(reader).args(["search", "list", &reference]));
        assert!(searches.contains("Kestrel messages") && searches.contains("Plover messages"), "{searches}");
        let files = ok(env.casebook(reader).args(["attachment", "list", &reference]));
        assert!(files.contains("Kestrel.txt") && files.contains("Plover.txt"), "{files}");
    }
    // The excluded deputies: the register and Today work and show none of it.
    for excluded in [&s.sam, &s.school.deputy] {
        for args in [vec!["custody", "list"], vec!["custody", "list", "--json"], vec!["today"]] {
            let out = ok(env.casebook(excluded).args(&args));
            for secret in ["Kestrel", "Plover", "Sam Subject", "DV-0001", "DV-0002"] {
                assert!(!out.contains(secret), "{args:?} shows {secret}: {out}");
            }
        }
        for args in [
            vec!["custody", "show", "DV-0001"],
            vec!["search", "list", &reference],
            vec!["attachment", "list", &reference],
            vec!["attachment", "export", &reference, "1", "--out", "x.age"],
        ] {
            let out = env.casebook(excluded).args(&args).output().unwrap();
            let (stdout, stderr) = text(&out);
            for secret in ["Kestrel", "Plover", "Sam Subject"] {
                assert!(!stdout.contains(secret) && !stderr.contains(secret), "{args:?} shows {secret}: {stdout}");
            }
        }
        // Not "none recorded" while searches exist: not theirs to read.
        let err = fails(env.casebook(excluded).args(["search", "list", &reference]));
        assert!(err.contains("is not yours to read"), "{err}");
        // Nor are its referrals (found in review: "none recorded").
        let err = fails(env.casebook(excluded).args(["referral", "list", &reference]));
        assert!(err.contains("is not yours to read"), "{err}");
        let err = fails(env.casebook(excluded).args(["custody", "move", "DV-0001", "--to", "the office"]));
        assert!(err.contains("restricted"), "{err}");
    }
    // P6.1-b still holds for the readers: it cannot close while a device is held.
    let err = fails(env.casebook(&s.school.dsl).args([
        "status",
        &reference,
        "--to",
        "closed",
        "--no-debrief-needed",
        "--reason",
        "Done.",
    ]));
    assert!(err.contains("cannot close while a device it holds is still in custody"), "{err}");
    ok(env.casebook(&s.school.dsl).arg("verify"));
    ok(env.casebook(&s.school.deputy).arg("verify"));

    // Ms Ally Allowed leaves: sealed again without her.
    ok(env.casebook(&s.school.dsl).args(["member", "remove", "5"]));
    check(&[&s.school.dsl], &[&s.ally, &s.sam, &s.school.deputy]);
    let shown = ok(env.casebook(&s.school.dsl).args(["custody", "show", "DV-0002"]));
    assert!(shown.contains("Plover phone"), "{shown}");
    ok(env.casebook(&s.school.dsl).arg("verify"));
}

/// How often the audit log says `member` opened concern `case`.
fn opened(dsl: &casebook::store::Session, member: u32, case: u32) -> usize {
    let trail = dsl.audit(Some(case)).unwrap();
    trail
        .entries
        .iter()
        .filter(|e| e.member == member && e.access == casebook::store::audit::Access::OpenedConcern(case))
        .count()
}

/// Issue 13 (P5-g) through `casebook serve`: the DSL restricts and the
/// allowed deputy records a device, search and file over the server (it
/// lets a deputy write their markers); the readers' sessions read them,
/// the excluded deputy's register is served and shows none of them, and
/// Debian's age opens none of them with the excluded deputy's key. The
/// server notes a read of a concern's device, search or file as that
/// concern opened (S-c), where the clear store says whose it is.
#[test]
fn p5g_served_readers_read_a_restricted_allegations_devices_and_files_and_the_server_audits_it() {
    let env = Env::new();
    let s = staffroom(&env);
    let reference = allegation(&env, &s.school.reporter);
    device_search_and_file(&env, &s.school.deputy, &reference, "DV-0001", "Kestrel");
    let mut server = Server::start(&env);
    ok(env.casebook(&s.school.dsl).args(["restrict", &reference, "--allow", "5"]));
    device_search_and_file(&env, &s.ally, &reference, "DV-0002", "Plover");
    server.terminate();

    // A new server: nothing is noted yet in its quarter of an hour.
    let server = Server::start(&env);
    let mut dsl = server.session(&s.school.dsl);
    let case = dsl.resolve(&reference).unwrap().0;
    let ally = server.session(&s.ally);
    let before = opened(&dsl, 5, case);
    let device = ally.custody(2).unwrap();
    assert!(device.description.contains("Plover phone"), "{device:?}");
    assert_eq!(opened(&dsl, 5, case), before + 1, "Ms Ally Allowed's read of DV-0002 is noted against the concern");
    let held = ally.custody_register().unwrap();
    assert_eq!(held.items.len(), 2, "{:?}", held.damaged);
    assert_eq!(ally.searches(case).unwrap().items.len(), 2);

    let before = opened(&dsl, 1, case);
    let files = dsl.attachments(case).unwrap();
    assert_eq!(files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["Kestrel.txt", "Plover.txt"]);
    assert_eq!(opened(&dsl, 1, case), before + 1, "the DSL's read of its files is noted against the concern");

    let sam = server.session(&s.sam);
    let before = opened(&dsl, 6, case);
    let register = sam.custody_register().unwrap();
    assert!(register.items.is_empty() && register.damaged.is_empty(), "{register:?}");
    assert!(sam.all_searches().unwrap().items.is_empty());
    assert!(sam.attachments(case).is_err());
    assert!(sam.custody(1).is_err());
    // Served, though sealed from him: the DSL sees he was sent them.
    assert_eq!(opened(&dsl, 6, case), before + 1);
    let shown = ok(env.casebook(&s.ally).args(["custody", "show", "DV-0001"]));
    assert!(shown.contains("Kestrel phone"), "{shown}");
    drop((dsl, ally, sam, server));

    let records = raw(&env.store(), &["custody", "searches", "attachments"]);
    assert_eq!(records.len(), 6);
    for (tree, _, v) in &records {
        assert!(age_opens(&env, v, &s.ally), "{tree}");
        assert!(!age_opens(&env, v, &s.sam), "{tree}: the excluded deputy opened it");
        assert!(!age_opens(&env, v, &s.school.deputy), "{tree}: the excluded deputy opened it");
    }
}

/// P5-g, for stores written before a restricted allegation's devices,
/// searches and files were sealed to its readers: one left sealed to the
/// Case class (as an older casebook left it) is named by `verify`, and the
/// DSL's `restrict` run again seals it to the readers.
#[test]
fn p5g_verify_names_a_restricted_allegations_device_left_to_every_deputy_and_restrict_seals_it() {
    let env = Env::new();
    let s = staffroom(&env);
    let reference = allegation(&env, &s.school.reporter);
    device_search_and_file(&env, &s.school.deputy, &reference, "DV-0001", "Kestrel");
    let before = raw(&env.store(), &["custody"]);
    ok(env.casebook(&s.school.dsl).args(["restrict", &reference, "--allow", "5"]));
    {
        // What an older casebook left: the device sealed to the class, unmarked.
        let db = common::raw_db(&env.store());
        let (_, key, value) = &before[0];
        db.open_tree("custody").unwrap().insert(key, value.as_slice()).unwrap();
        db.open_tree("restricted").unwrap().remove([&b"custody-"[..], key].concat()).unwrap();
        db.flush().unwrap();
    }
    assert!(age_opens(&env, &raw(&env.store(), &["custody"])[0].2, &s.sam), "the leak this test repairs");
    let out = env.casebook(&s.school.dsl).arg("verify").output().unwrap();
    let (stdout, _) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("DV-0001") && stdout.contains("sealed to every deputy"), "{stdout}");
    ok(env.casebook(&s.school.dsl).args(["restrict", &reference, "--allow", "5"]));
    ok(env.casebook(&s.school.dsl).arg("verify"));
    let sealed = &raw(&env.store(), &["custody"])[0].2;
    assert!(!age_opens(&env, sealed, &s.sam) && !age_opens(&env, sealed, &s.school.deputy));
    assert!(age_opens(&env, sealed, &s.ally));
}

/// P5-g: a concern with more files than one served write carries (16 MiB
/// a frame; each file is checked and written again, up to 1.5 MiB twice)
/// is still restricted over `casebook serve`: the files beyond one write
/// go first, each in its own checked write, sealed to the readers.
#[test]
fn p5g_a_concern_with_many_large_files_is_restricted_over_the_server() {
    let env = Env::new();
    let s = staffroom(&env);
    let reference = allegation(&env, &s.school.reporter);
    let mut server = Server::start(&env);
    for n in 1..=6 {
        let file = env.path(&format!("scan-{n}.bin"));
        let mut bytes = format!("PLANTED-SCAN-{n}").into_bytes();
        bytes.resize(casebook::store::attachments::ATTACHMENT_BYTES, b'.');
        std::fs::write(&file, bytes).unwrap();
        ok(env.casebook(&s.school.deputy).args(["attachment", "add", &reference]).arg(&file));
    }
    ok(env.casebook(&s.school.dsl).args(["restrict", &reference, "--allow", "5"]));
    let files = ok(env.casebook(&s.ally).args(["attachment", "list", &reference]));
    assert!(files.contains("scan-1.bin") && files.contains("scan-6.bin"), "{files}");
    server.terminate();
    let records = raw(&env.store(), &["attachments"]);
    assert_eq!(records.len(), 6);
    for (_, _, v) in &records {
        assert!(stanzas(v).iter().all(|l| !l.contains("casebook-class")));
        assert!(!age_opens(&env, v, &s.school.deputy) && !age_opens(&env, v, &s.sam));
        assert!(age_opens(&env, v, &s.ally));
    }
    assert_no_plaintext(&env.store(), &["PLANTED-SCAN-1", "PLANTED-SCAN-6"]);
}
