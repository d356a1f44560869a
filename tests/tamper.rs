//! Issue 10: someone who can write the store's files but holds no member
//! key (a technician, a backup operator, a compromised service account;
//! PRODUCT.md principle 7). Each attack found by a test here went unnoticed
//! before: now the next DSL or deputy session refuses to seal anything to a
//! key it has not verified and says what changed.

mod common;
use common::*;

use std::path::Path;

/// The store's sled files opened as the attacker would. sled lets go of
/// its lock a moment after the last handle drops: wait for it.
fn open_raw(store: &Path) -> sled::Db {
    raw_db(store)
}

/// The store's raw sled trees, as the attacker sees them.
fn raw_get(store: &Path, tree: &str, key: &[u8]) -> Option<Vec<u8>> {
    let db = open_raw(store);
    db.open_tree(tree).unwrap().get(key).unwrap().map(|v| v.to_vec())
}

fn raw_put(store: &Path, tree: &str, key: &[u8], value: Option<Vec<u8>>) {
    let db = open_raw(store);
    let t = db.open_tree(tree).unwrap();
    match value {
        Some(v) => t.insert(key, v).unwrap(),
        None => t.remove(key).unwrap(),
    };
    db.flush().unwrap();
}

fn raw_all(store: &Path, tree: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let db = open_raw(store);
    db.open_tree(tree).unwrap().iter().map(|r| r.unwrap()).map(|(k, v)| (k.to_vec(), v.to_vec())).collect()
}

/// Every member's public key, from the clear member records (what an
/// attacker reads off the disk).
fn recipients(store: &Path) -> Vec<age::x25519::Recipient> {
    raw_all(store, "members")
        .into_iter()
        .filter_map(|(_, v)| {
            let text = String::from_utf8_lossy(&v).into_owned();
            let at = text.find("age1")?;
            text[at..at + 62].parse().ok()
        })
        .collect()
}

fn seal_to(recipients: &[age::x25519::Recipient], plain: &[u8]) -> Vec<u8> {
    let rs: Vec<&dyn age::Recipient> = recipients.iter().map(|r| r as &dyn age::Recipient).collect();
    let enc = age::Encryptor::with_recipients(rs.into_iter()).unwrap();
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    std::io::Write::write_all(&mut w, plain).unwrap();
    w.finish().unwrap();
    out
}

/// A school whose every member has opened the store once (their clients
/// have pinned it), with one concern.
fn school_in_use(env: &Env) -> School {
    let school = env.school();
    add_concern(env, &school.reporter, "child:Pupil Wren Ashdown:Year 4", "Phone seen in the toilets.");
    for who in [&school.dsl, &school.deputy] {
        ok(env.casebook(who).arg("list"));
    }
    ok(env.casebook(&school.leadership).arg("figures"));
    school
}

#[test]
fn replaced_class_keys_are_refused_before_anything_is_sealed_to_them() {
    let env = Env::new();
    let school = school_in_use(&env);
    let store = env.store();
    // The attacker's own case key, sealed to every member: before issue 10
    // every role kept working and the DSL's next `list` re-sealed the board
    // to it.
    let theirs = [7u8; 32];
    let members = recipients(&store);
    assert_eq!(members.len(), 4);
    raw_put(&store, "class_keys", b"case", Some(seal_to(&members, &theirs)));
    let index_before = raw_all(&store, "index");
    for who in [&school.dsl, &school.deputy] {
        let err = fails(env.casebook(who).arg("list"));
        assert!(err.contains("the case class key in the store is not the one the DSL gave out"), "{err}");
        assert!(err.contains("stopped before writing anything"), "{err}");
    }
    // A reporter holds no case key: their concern is sealed to the keys
    // the DSL's roster names, and to nothing of the attacker's.
    ok(env.casebook(&school.reporter).args(concern_args("child:Pupil Ivo Thorne:Year 2", "Photo taken.")));
    assert_eq!(raw_all(&store, "index"), index_before, "nothing was re-sealed to the attacker's key");
}

#[test]
fn a_forged_member_is_never_sealed_to_and_a_flipped_role_changes_nothing() {
    let env = Env::new();
    let school = school_in_use(&env);
    let store = env.store();
    // A forged deputy: a copy of the real deputy's clear record (id 2)
    // with the attacker's key in it, under a new id.
    let (attacker, attacker_r) = env.key("attacker");
    let deputy_record = raw_get(&store, "members", &2u32.to_be_bytes()).unwrap();
    let text = String::from_utf8_lossy(&deputy_record).into_owned();
    let at = text.find("age1").unwrap();
    let mut forged = deputy_record.clone();
    forged[at..at + 62].copy_from_slice(attacker_r.as_bytes());
    raw_put(&store, "members", &9u32.to_be_bytes(), Some(forged));
    // The reporter (id 4) made a DSL by one byte: the role follows the
    // record's format number.
    let mut reporter_record = raw_get(&store, "members", &4u32.to_be_bytes()).unwrap();
    assert_eq!(reporter_record[1], 3, "the reporter role's variant");
    reporter_record[1] = 0;
    raw_put(&store, "members", &4u32.to_be_bytes(), Some(reporter_record));

    let reference = add_concern(&env, &school.deputy, "child:Pupil Ivo Thorne:Year 2", "Messages at night.");
    let (listed, warned) = {
        let out = env.casebook(&school.dsl).args(["member", "list"]).output().unwrap();
        assert!(out.status.success());
        text_of(&out)
    };
    assert!(!listed.contains(&attacker_r), "{listed}");
    assert!(warned.contains("member #9: it is not in the DSL's authenticated member list"), "{warned}");
    assert!(warned.contains("member #4: its key or role differs from the DSL's authenticated member list"), "{warned}");
    // The reporter is still a reporter.
    let err = fails(env.casebook(&school.reporter).args(["show", &reference]));
    assert!(err.contains("reporter"), "{err}");
    // The attacker's key opens none of the new concern's records.
    let mut sealed_records = raw_all(&store, "cases");
    sealed_records.extend(raw_all(&store, "index"));
    for (_, sealed) in sealed_records {
        let file = env.path("record.age");
        std::fs::write(&file, &sealed).unwrap();
        let out = age_tool("age").args(["-d", "-i"]).arg(&attacker).arg(&file).output().unwrap();
        assert!(!out.status.success(), "the forged member opened a record");
    }
}

fn text_of(out: &std::process::Output) -> (String, String) {
    text(out)
}

#[test]
fn a_member_list_made_rolled_back_or_removed_by_someone_else_is_refused() {
    let env = Env::new();
    let school = school_in_use(&env);
    let store = env.store();
    let genuine = raw_get(&store, "settings", b"roster").expect("the DSL wrote a roster");

    // 1. The attacker's own roster, naming themselves DSL and authenticated
    //    by their own key to every member.
    let attacker = age::x25519::Identity::generate();
    let mut forged = casebook::store::roster::Roster {
        format: casebook::store::roster::Roster::FORMAT,
        store_id: casebook::store::roster::Roster::new_id(),
        epoch: 99,
        members: vec![],
        class_keys: vec![],
        records_bound: true,
        retired: vec![],
        recovery: None,
    };
    for (i, r) in recipients(&store).into_iter().enumerate() {
        forged.members.push(casebook::store::roster::Entry {
            id: i as u32 + 1,
            role: casebook::domain::Role::Deputy,
            recipient: r.to_string(),
            authorised_to_erase: false,
        });
    }
    forged.members.push(casebook::store::roster::Entry {
        id: 50,
        role: casebook::domain::Role::Dsl,
        recipient: attacker.to_public().to_string(),
        authorised_to_erase: true,
    });
    raw_put(&store, "settings", b"roster", Some(forged.authenticate(50, &attacker).unwrap()));
    for who in [&school.dsl, &school.deputy, &school.leadership] {
        let err = fails(env.casebook(who).arg("list"));
        assert!(err.contains("not the store your client knew at this place"), "{err}");
    }
    forged.store_id = genuine_store_id(&env, &school);
    raw_put(&store, "settings", b"roster", Some(forged.authenticate(50, &attacker).unwrap()));
    let err = fails(env.casebook(&school.deputy).arg("list"));
    assert!(err.contains("does not know as a DSL of this store"), "{err}");

    // 2. Deleted: a member whose client has seen it notices.
    raw_put(&store, "settings", b"roster", None);
    let err = fails(env.casebook(&school.deputy).arg("list"));
    assert!(err.contains("authenticated member list is missing"), "{err}");

    // 3. Set back to an older genuine one after the DSL added a member.
    raw_put(&store, "settings", b"roster", Some(genuine.clone()));
    ok(env.casebook(&school.deputy).arg("list"));
    let (_, newcomer) = env.key("newcomer");
    ok(env.casebook(&school.dsl).args([
        "member",
        "add",
        "--name",
        "Mx New",
        "--role",
        "deputy",
        "--recipient",
        &newcomer,
    ]));
    ok(env.casebook(&school.deputy).arg("list"));
    raw_put(&store, "settings", b"roster", Some(genuine));
    let err = fails(env.casebook(&school.deputy).arg("list"));
    assert!(err.contains("set back to an older one"), "{err}");
}

/// The store id the deputy's client pinned.
fn genuine_store_id(env: &Env, _school: &School) -> [u8; 16] {
    let pins = env.path(".local/state/casebook/pins");
    let file = std::fs::read_dir(&pins).unwrap().next().unwrap().unwrap().path();
    let pin: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let hex = pin["store"].as_str().unwrap();
    let mut id = [0u8; 16];
    for (i, b) in id.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    id
}

#[test]
fn a_whole_store_set_back_to_an_old_copy_is_noticed() {
    let env = Env::new();
    let school = school_in_use(&env);
    let store = env.store();
    let old = env.path("old-copy");
    copy_dir(&store, &old);
    add_concern(&env, &school.reporter, "child:Pupil Ivo Thorne:Year 2", "Messages at night.");
    ok(env.casebook(&school.deputy).arg("list"));
    std::fs::remove_dir_all(&store).unwrap();
    copy_dir(&old, &store);
    let err = fails(env.casebook(&school.deputy).arg("list"));
    assert!(err.contains("the store numbers 1 concerns, but your client has seen 2: it was rolled back"), "{err}");
    // Restored on purpose: the deputy forgets the store and carries on.
    let said = ok(env.casebook(&school.deputy).arg("forget-store"));
    assert!(said.contains("your next session trusts it as it is now"), "{said}");
    ok(env.casebook(&school.deputy).arg("list"));
}

// ---- records ------------------------------------------------------------------

fn year() -> String {
    chrono::Local::now().format("%Y").to_string()
}

fn load_key(path: &Path) -> age::x25519::Identity {
    casebook::store::identity::load(path, &mut || None).unwrap()
}

/// A concern as an attacker would write one: recorded by the DSL (member 1).
fn forged_case(reference: &str) -> casebook::domain::CaseFile {
    use casebook::domain::*;
    let at = chrono::Local::now().naive_local();
    CaseFile::open(Concern {
        reference: reference.to_string(),
        occurred_at: at,
        reported_at: at,
        reported_by: "Ms Dee Ess-Ell".into(),
        recorded_by: Author { member: 1, name: "Ms Dee Ess-Ell".into() },
        subjects: vec![Subject::named(SubjectKind::Child, "Pupil Quillon Marsh", "Year 6")],
        category: "restricted-area".into(),
        location: "toilets".into(),
        devices: vec![],
        description: "Forged account of events planted on disk.".into(),
        immediate_action: "None.".into(),
        source: Source::StaffReport,
    })
}

/// Puts a concern record, its revision record (format 1, revision 1) and
/// its reference in place, as a new concern #`id`.
fn plant(store: &Path, id: u32, reference: &str, sealed: Vec<u8>) {
    let db = open_raw(store);
    db.open_tree("cases").unwrap().insert(id.to_be_bytes(), sealed).unwrap();
    db.open_tree("case_meta").unwrap().insert(id.to_be_bytes(), vec![1u8, 1]).unwrap();
    db.open_tree("case_refs").unwrap().insert(reference.as_bytes(), &id.to_be_bytes()).unwrap();
    db.flush().unwrap();
}

#[test]
fn records_swapped_between_concerns_are_named_where_they_are_opened() {
    let env = Env::new();
    let school = school_in_use(&env);
    let second = add_concern(&env, &school.deputy, "child:Pupil Ivo Thorne:Year 2", "Messages at night.");
    let first = format!("C-{}-0001", year());
    ok(env.casebook(&school.dsl).args(["show", &first]));
    let store = env.store();
    let one = raw_get(&store, "cases", &1u32.to_be_bytes()).unwrap();
    let two = raw_get(&store, "cases", &2u32.to_be_bytes()).unwrap();
    raw_put(&store, "cases", &1u32.to_be_bytes(), Some(two));
    raw_put(&store, "cases", &2u32.to_be_bytes(), Some(one));
    // Before issue 10 each opened as the other: a note meant for one child
    // would have been added to the other's case.
    for (reference, belongs) in [(&first, "cases #2"), (&second, "cases #1")] {
        let err = fails(env.casebook(&school.deputy).args(["show", reference]));
        assert!(err.contains(&format!("it was sealed as {belongs}")), "{err}");
        assert!(err.contains("moved, copied or set back outside casebook"), "{err}");
        let err = fails(env.casebook(&school.deputy).args([
            "note",
            reference,
            "--kind",
            "note",
            "--text",
            "Spoke to the class teacher.",
        ]));
        assert!(err.contains("moved, copied or set back outside casebook"), "{err}");
    }
    let out = env.casebook(&school.dsl).arg("verify").output().unwrap();
    let (report, _) = text(&out);
    assert!(!out.status.success());
    assert!(report.contains(&format!("concern {first} (#1): it was sealed as cases #2")), "{report}");
}

#[test]
fn a_planted_concern_is_never_shown_as_written_by_a_member() {
    let env = Env::new();
    let school = school_in_use(&env);
    let store = env.store();
    let readers: Vec<age::x25519::Recipient> =
        [&school.dsl, &school.deputy].iter().map(|k| load_key(k).to_public()).collect();
    let store_id = genuine_store_id(&env, &school);
    use casebook::store::codec::{Attestation, encode_at};
    use casebook::store::{Place, roster};

    // 1. Sealed to the DSL and deputy with their public keys, claiming the
    //    DSL recorded it: no class stanza, no member's authentication.
    let reference = format!("C-{}-0005", year());
    let case = forged_case(&reference);
    let plain = encode_at(&case, &Place::new("cases", 5u32.to_be_bytes().to_vec(), 1), |_| None);
    plant(&store, 5, &reference, seal_to(&readers, &plain));
    let out = env.casebook(&school.dsl).arg("list").output().unwrap();
    let (list, warned) = text(&out);
    assert!(out.status.success(), "{warned}");
    assert!(!list.contains("Quillon"), "{list}");
    assert!(warned.contains(&format!("concern {reference} (#5)")), "{warned}");
    assert!(warned.contains("written by no member of the store"), "{warned}");
    let err = fails(env.casebook(&school.deputy).args(["show", &reference]));
    assert!(err.contains("written by no member of the store"), "{err}");

    // 2. The same with made-up authentication from the reporter.
    let reference = format!("C-{}-0006", year());
    let case = forged_case(&reference);
    let plain = encode_at(&case, &Place::new("cases", 6u32.to_be_bytes().to_vec(), 1), |_| {
        Some(Attestation { author: 4, tags: vec![(1, [7; 32]), (2, [7; 32])] })
    });
    plant(&store, 6, &reference, seal_to(&readers, &plain));
    let err = fails(env.casebook(&school.dsl).args(["show", &reference]));
    assert!(err.contains("that member's authentication does not check"), "{err}");

    // 3. A real reporter (an insider with their own key) writing more than
    //    their own new concern: here, one that says the DSL recorded it.
    let reporter = load_key(&school.reporter);
    let reference = format!("C-{}-0007", year());
    let case = forged_case(&reference);
    let ids = [(1u32, readers[0].to_string()), (2u32, readers[1].to_string())];
    let plain = encode_at(&case, &Place::new("cases", 7u32.to_be_bytes().to_vec(), 1), |digest| {
        roster::attest(&reporter, 4, &ids, &store_id, digest)
    });
    plant(&store, 7, &reference, seal_to(&readers, &plain));
    let err = fails(env.casebook(&school.dsl).args(["show", &reference]));
    assert!(
        err.contains("written by a member who cannot read concerns, yet holds more than their new concern"),
        "{err}"
    );
    // The reporter's genuine concern still opens, attested the same way.
    ok(env.casebook(&school.deputy).args(["show", &format!("C-{}-0001", year())]));
}

#[test]
fn a_store_from_before_authentication_is_bound_by_the_dsls_next_session() {
    use casebook::domain::AccessClass;
    use casebook::store::crypto::{self, ClassKey};
    let env = Env::new();
    let school = env.school();
    let first = add_concern(&env, &school.reporter, "child:Pupil Wren Ashdown:Year 4", "Phone seen in the toilets.");
    let second = add_concern(&env, &school.deputy, "child:Pupil Ivo Thorne:Year 2", "Messages at night.");
    ok(env.casebook(&school.dsl).arg("list"));
    let store = env.store();
    let dsl = load_key(&school.dsl);
    // Make it as casebook left it before issue 10: no roster, records with
    // no place inside, and the reporter's concern as reporters sealed it
    // (member keys only, nothing to vouch for it).
    let members = recipients(&store);
    let readers: Vec<age::x25519::Recipient> =
        [&school.dsl, &school.deputy].iter().map(|k| load_key(k).to_public()).collect();
    let mut old_first = Vec::new();
    {
        let db = open_raw(&store);
        let key_of = |class: AccessClass| {
            let sealed = db.open_tree("class_keys").unwrap().get(class.tag()).unwrap().unwrap();
            ClassKey::from_bytes(class, &crypto::open(&sealed, &[&dsl]).unwrap()).unwrap()
        };
        for (tree, class) in
            [("cases", AccessClass::Case), ("index", AccessClass::Case), ("figures", AccessClass::Oversight)]
        {
            let key = key_of(class);
            let t = db.open_tree(tree).unwrap();
            for entry in t.iter() {
                let (k, v) = entry.unwrap();
                let plain = crypto::open(&v, &[&key]).unwrap();
                let legacy = casebook::store::codec::unbind(&plain).unwrap();
                let sealed = match (tree, k.as_ref() == 1u32.to_be_bytes()) {
                    ("cases", true) => seal_to(&readers, &legacy),
                    ("index", _) => crypto::seal(&legacy, &[], Some(&key)).unwrap(),
                    ("figures", _) => crypto::seal(&legacy, &members, Some(&key)).unwrap(),
                    _ => crypto::seal(&legacy, &readers, Some(&key)).unwrap(),
                };
                if tree == "cases" && k.as_ref() == 1u32.to_be_bytes() {
                    old_first = sealed.clone();
                }
                t.insert(k, sealed).unwrap();
            }
        }
        // The school's name too, as an older casebook sealed it.
        let directory = key_of(AccessClass::Directory);
        let settings = db.open_tree("settings").unwrap();
        let school = settings.get("school").unwrap().unwrap();
        let plain = crypto::open(&school, &[&directory]).unwrap();
        let legacy = casebook::store::codec::unbind(&plain).unwrap();
        settings.insert("school", crypto::seal(&legacy, &members, Some(&directory)).unwrap()).unwrap();
        settings.remove("roster").unwrap();
        db.flush().unwrap();
    }
    std::fs::remove_dir_all(env.path(".local/state/casebook")).unwrap();

    // Before the DSL's session, the deputy reads the older records.
    ok(env.casebook(&school.deputy).args(["show", &first]));
    // The DSL's session binds every record and writes the roster.
    ok(env.casebook(&school.dsl).arg("list"));
    assert!(raw_get(&store, "settings", b"roster").is_some());
    for reference in [&first, &second] {
        ok(env.casebook(&school.deputy).args(["show", reference]));
    }
    ok(env.casebook(&school.dsl).arg("verify"));
    // Sealed again to every member who may read them: the deputy's own key
    // opens them with Debian's age.
    assert_eq!(open_all_with_age(&env, "cases", &school.deputy).0, 2);
    // From now on a record without its place was written outside casebook.
    raw_put(&store, "cases", &1u32.to_be_bytes(), Some(old_first));
    let err = fails(env.casebook(&school.deputy).args(["show", &first]));
    assert!(err.contains("it is not sealed to its place"), "{err}");
}

// ---- members who leave ----------------------------------------------------------

/// The class key `member` holds today, unwrapped from the raw store.
fn class_key_of(
    store: &Path,
    member: &Path,
    class: casebook::domain::AccessClass,
) -> casebook::store::crypto::ClassKey {
    use casebook::store::crypto::{self, ClassKey};
    let sealed = raw_get(store, "class_keys", class.tag().as_bytes()).unwrap();
    ClassKey::from_bytes(class, &crypto::open(&sealed, &[&load_key(member)]).unwrap()).unwrap()
}

/// Whether any record of `trees` opens with the member's own key (through
/// Debian's age, as someone with a copy of the store would) or with `key`.
fn anything_opens(env: &Env, trees: &[&str], member: &Path, key: &casebook::store::crypto::ClassKey) -> Vec<String> {
    let store = env.store();
    let mut opened = Vec::new();
    for tree in trees {
        for (k, v) in raw_all(&store, tree) {
            let file = env.path("record.age");
            std::fs::write(&file, &v).unwrap();
            let by_age = age_tool("age").args(["-d", "-i"]).arg(member).arg(&file).output().unwrap().status.success();
            let by_key = casebook::store::crypto::open(&v, &[key]).is_ok();
            if by_age || by_key {
                opened.push(format!("{tree} {k:?} (age: {by_age}, old class key: {by_key})"));
            }
        }
    }
    opened
}

#[test]
fn a_member_who_leaves_opens_nothing_in_the_store_and_is_turned_away() {
    use casebook::domain::AccessClass;
    let env = Env::new();
    let school = school_in_use(&env);
    let store = env.store();
    let second = add_concern(&env, &school.deputy, "child:Pupil Ivo Thorne:Year 2", "Messages at night.");
    ok(env.casebook(&school.dsl).arg("list"));
    let their_case_key = class_key_of(&store, &school.deputy, AccessClass::Case);
    let their_oversight_key = class_key_of(&store, &school.deputy, AccessClass::Oversight);
    // Before: the deputy's key opens the concerns (the test can tell).
    assert!(!anything_opens(&env, &["cases"], &school.deputy, &their_case_key).is_empty());

    let said = ok(env.casebook(&school.dsl).args(["member", "remove", "2"]));
    assert!(said.contains("Removed Mr Deputy Dunn (member #2)."), "{said}");
    assert!(said.contains("New case, oversight, directory keys"), "{said}");
    let err = fails(env.casebook(&school.deputy).arg("list"));
    assert!(err.contains("you are no longer a member of this store"), "{err}");
    // Neither their key nor the class keys they held opens any record now.
    let opened = anything_opens(&env, &["cases", "index"], &school.deputy, &their_case_key);
    assert!(opened.is_empty(), "{opened:?}");
    let opened =
        anything_opens(&env, &["figures", "debriefs", "actions", "policies"], &school.deputy, &their_oversight_key);
    assert!(opened.is_empty(), "{opened:?}");
    // Everyone else carries on, and new records are sealed without them.
    let third = add_concern(&env, &school.reporter, "child:Pupil Esme Rook:Year 3", "Photo shared.");
    for reference in [format!("C-{}-0001", year()), second, third] {
        ok(env.casebook(&school.dsl).args(["show", &reference]));
    }
    ok(env.casebook(&school.leadership).arg("figures"));
    let listed = ok(env.casebook(&school.reporter).args(["member", "list"]));
    assert!(!listed.contains("Mr Deputy Dunn"), "{listed}");
    assert!(anything_opens(&env, &["cases", "index"], &school.deputy, &their_case_key).is_empty());
    // The DSL cannot remove themselves.
    let err = fails(env.casebook(&school.dsl).args(["member", "remove", "1"]));
    assert!(err.contains("cannot remove themselves"), "{err}");
}

#[test]
fn a_deputy_made_a_reporter_reads_no_concern_again() {
    use casebook::domain::AccessClass;
    let env = Env::new();
    let school = school_in_use(&env);
    let store = env.store();
    let their_case_key = class_key_of(&store, &school.deputy, AccessClass::Case);
    let said = ok(env.casebook(&school.dsl).args(["member", "role", "2", "reporter"]));
    assert!(said.contains("is now reporter"), "{said}");
    assert!(said.contains("New case, oversight keys"), "{said}");
    let first = format!("C-{}-0001", year());
    let err = fails(env.casebook(&school.deputy).args(["show", &first]));
    assert!(err.contains("your role (reporter) cannot read concerns"), "{err}");
    assert!(anything_opens(&env, &["cases", "index"], &school.deputy, &their_case_key).is_empty());
    // They can still record a concern, which the DSL reads.
    let theirs = add_concern(&env, &school.deputy, "child:Pupil Esme Rook:Year 3", "Photo shared.");
    ok(env.casebook(&school.dsl).args(["show", &theirs]));
    ok(env.casebook(&school.dsl).arg("verify"));
}

// ---- the audit log -------------------------------------------------------------

#[test]
fn the_audit_log_says_who_opened_a_childs_concern_and_notices_an_edit() {
    let env = Env::new();
    let school = school_in_use(&env);
    let first = format!("C-{}-0001", year());
    ok(env.casebook(&school.deputy).args(["show", &first]));
    let log = ok(env.casebook(&school.dsl).args(["audit", &first]));
    assert!(log.lines().any(|l| l.contains("Mr Deputy Dunn") && l.ends_with(&format!("opened {first}"))), "{log}");
    assert!(log.lines().any(|l| l.contains("Miss Rep Orter") && l.ends_with(&format!("changed {first}"))), "{log}");
    let all = ok(env.casebook(&school.dsl).arg("audit"));
    assert!(all.lines().any(|l| l.contains("Ms Dee Ess-Ell") && l.ends_with("read the board")), "{all}");
    assert!(all.lines().any(|l| l.contains("Mr Deputy Dunn") && l.ends_with("opened casebook")), "{all}");
    let checked = ok(env.casebook(&school.dsl).args(["audit", "verify"]));
    assert!(checked.contains("entries chain correctly"), "{checked}");
    let json = ok(env.casebook(&school.dsl).args(["audit", "--json"]));
    let rows: Vec<serde_json::Value> = json.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(rows.iter().any(|r| r["name"] == "Mr Deputy Dunn" && r["concern"] == first.as_str()), "{json}");
    // Under the concern itself, for the DSL.
    let shown = ok(env.casebook(&school.dsl).args(["show", &first]));
    let seen = shown.split("Who has opened it (casebook audit):").nth(1).expect("the DSL's show lists who opened it");
    assert!(seen.contains("Mr Deputy Dunn: opened 1×"), "{seen}");
    assert!(seen.contains("Miss Rep Orter: changed 1×;"), "{seen}");
    assert!(!ok(env.casebook(&school.deputy).args(["show", &first])).contains("Who has opened it"));
    // Only the DSL reads it.
    let err = fails(env.casebook(&school.deputy).arg("audit"));
    assert!(err.contains("cannot read the audit log"), "{err}");

    // Through `casebook serve` the server writes it, whatever the client.
    {
        let server = Server::start(&env);
        let second = add_concern(&env, &school.reporter, "child:Pupil Ivo Thorne:Year 2", "Messages at night.");
        ok(env.casebook(&school.deputy).args(["show", &second]));
        let log = ok(env.casebook(&school.dsl).args(["audit", &second]));
        assert!(log.lines().any(|l| l.contains("Mr Deputy Dunn") && l.ends_with(&format!("opened {second}"))), "{log}");
        drop(server);
    }

    // An entry changed on disk breaks the chain; the DSL is told where.
    let store = env.store();
    let entries = raw_all(&store, "audit");
    assert!(entries.len() >= 4, "{}", entries.len());
    let (k, mut v) = entries[1].clone();
    let last = v.len() - 1;
    v[last] ^= 0x01;
    raw_put(&store, "audit", &k, Some(v));
    let out = env.casebook(&school.dsl).arg("audit").output().unwrap();
    let (_, err) = text(&out);
    assert!(!out.status.success());
    assert!(err.contains("the audit log: entries 2 to 3: the chain breaks"), "{err}");

    // Entries cut from the end, below what the DSL's casebook saw before,
    // are noticed too (the log is otherwise whole).
    let (k, v) = entries[1].clone();
    raw_put(&store, "audit", &k, Some(v));
    ok(env.casebook(&school.dsl).arg("audit"));
    let entries = raw_all(&store, "audit");
    let db = open_raw(&store);
    let tree = db.open_tree("audit").unwrap();
    for (k, _) in &entries[entries.len() - 2..] {
        tree.remove(k).unwrap();
    }
    db.flush().unwrap();
    drop(tree);
    drop(db);
    let out = env.casebook(&school.dsl).arg("audit").output().unwrap();
    let (_, err) = text(&out);
    assert!(!out.status.success());
    assert!(err.contains("which your casebook read before, has been changed or cut"), "{err}");
}

/// Issue 10 (S-c): audit entries are sealed to the DSL and the recovery key:
/// on disk nothing says who opened which concern, and the school's printed
/// recovery key opens an entry with Debian's age alone (after its 48-byte
/// clear header: marker, number, the previous entry's hash).
#[test]
fn audit_entries_are_sealed_to_the_dsl_and_the_recovery_key_alone() {
    use casebook::store::audit::{Access, Entry, SEALED_HEADER, SEALED_MARKER};
    let env = Env::new();
    let (dsl, dsl_r) = env.key("dsl");
    let recovery = env.path("recovery.txt");
    ok(env
        .casebook(&dsl)
        .args(["init", "--school", "Testford Primary", "--dsl-name", "Ms Dee Ess-Ell", "--recipient", &dsl_r])
        .arg("--recovery-out")
        .arg(&recovery));
    let (deputy, deputy_r) = env.key("deputy");
    ok(env.casebook(&dsl).args([
        "member",
        "add",
        "--name",
        "Mr Deputy Dunn",
        "--role",
        "deputy",
        "--recipient",
        &deputy_r,
    ]));
    let first = add_concern(&env, &deputy, "child:Pupil Wren Ashdown:Year 4", "Marmalade phone case seen.");
    ok(env.casebook(&deputy).args(["show", &first]));
    let log = ok(env.casebook(&dsl).args(["audit", &first]));
    assert!(log.lines().any(|l| l.contains("Mr Deputy Dunn") && l.ends_with(&format!("opened {first}"))), "{log}");

    let entries = raw_all(&env.store(), "audit");
    assert!(entries.len() >= 4, "{}", entries.len());
    let mut found = false;
    for (k, v) in &entries {
        // Sealed: a clear header, then an age file; nothing in the clear.
        assert!(v.starts_with(SEALED_MARKER), "entry {k:?} is not sealed");
        assert!(v[SEALED_HEADER..].starts_with(b"age-encryption.org/v1"), "entry {k:?}");
        for planted in [first.as_bytes(), b"Mr Deputy Dunn", b"Pupil Wren Ashdown"] {
            assert!(!v.windows(planted.len()).any(|w| w == planted), "entry {k:?} holds {planted:?}");
        }
        let file = env.path("entry.age");
        std::fs::write(&file, &v[SEALED_HEADER..]).unwrap();
        let by = |key: &Path| age_tool("age").args(["-d", "-i"]).arg(key).arg(&file).output().unwrap();
        // The deputy's key opens none of it; the DSL's and the recovery key do.
        assert!(!by(&deputy).status.success(), "the deputy opened audit entry {k:?}");
        assert!(by(&dsl).status.success());
        let out = by(&recovery);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let entry: Entry = casebook::store::codec::from_bytes(&out.stdout).unwrap();
        assert_eq!(entry.seq.to_be_bytes().as_slice(), k.as_slice());
        found |= entry.member == 2 && entry.access == Access::OpenedConcern(1);
    }
    assert!(found, "no entry says the deputy opened the concern");
    // And nowhere in the store's files is a member's name in the clear.
    let mut bytes = Vec::new();
    for file in std::fs::read_dir(env.store()).unwrap().flatten() {
        if file.path().is_file() {
            bytes.extend(std::fs::read(file.path()).unwrap());
        }
    }
    for planted in [&b"Mr Deputy Dunn"[..], b"Ms Dee Ess-Ell"] {
        assert!(!bytes.windows(planted.len()).any(|w| w == planted), "{planted:?} found in the store's files");
    }
    let checked = ok(env.casebook(&dsl).args(["audit", "verify"]));
    assert!(checked.contains("entries chain correctly"), "{checked}");
}

/// S-c with `casebook serve`: the server holds no member key, so it cannot
/// check the member list; it pins the DSL and recovery keys on first use.
/// A list rewritten on disk (the attacker named DSL) does not move the
/// entries the server writes afterwards to the attacker's key.
#[test]
fn a_member_list_rewritten_on_disk_does_not_reseal_served_audit_entries() {
    use casebook::store::backend::Backend;
    let env = Env::new();
    let school = school_in_use(&env);
    let store = env.store();
    // First served: the server remembers the DSL's key.
    drop(Server::start(&env));
    let genuine = raw_get(&store, "settings", b"roster").unwrap();
    let mut forged = casebook::store::roster::Roster::unverified(&genuine).unwrap();
    let attacker = age::x25519::Identity::generate();
    for e in &mut forged.members {
        if e.role == casebook::domain::Role::Dsl {
            e.recipient = attacker.to_public().to_string();
        }
    }
    forged.epoch += 1;
    raw_put(&store, "settings", b"roster", Some(forged.authenticate(1, &attacker).unwrap()));
    let before = raw_all(&store, "audit").len();

    let mut server = Server::start(&env);
    let raw = casebook::store::client::ServedBackend::connect(&server.socket).unwrap();
    raw.authenticate(&load_key(&school.deputy)).unwrap();
    assert_eq!(raw.scan("cases").unwrap().len(), 1);
    drop(raw);
    server.terminate();
    let attacker_key = env.path("attacker.txt");
    std::fs::write(&attacker_key, age::secrecy::ExposeSecret::expose_secret(&attacker.to_string())).unwrap();
    let after = raw_all(&store, "audit");
    assert!(after.len() > before, "the server wrote no entry");
    for (k, v) in &after[before..] {
        let file = env.path("entry.age");
        std::fs::write(&file, &v[casebook::store::audit::SEALED_HEADER..]).unwrap();
        let by = |key: &Path| age_tool("age").args(["-d", "-i"]).arg(key).arg(&file).output().unwrap();
        assert!(!by(&attacker_key).status.success(), "the attacker's key opens audit entry {k:?}");
        assert!(by(&school.dsl).status.success(), "the DSL's key does not open audit entry {k:?}");
    }
}

/// Issue 10 item 3: through `casebook serve`, a member list older than the
/// one the store holds (a pre-removal list put back) is refused in one line.
#[test]
fn the_server_refuses_a_member_list_older_than_the_one_it_holds() {
    use casebook::store::backend::{Backend, Batch};
    let env = Env::new();
    let school = school_in_use(&env);
    let store = env.store();
    let before_removal = raw_get(&store, "settings", b"roster").unwrap();
    ok(env.casebook(&school.dsl).args(["member", "remove", "2"]));
    let mut server = Server::start(&env);
    let raw = casebook::store::client::ServedBackend::connect(&server.socket).unwrap();
    raw.authenticate(&load_key(&school.dsl)).unwrap();
    let err = raw.apply(Batch::new().put("settings", b"roster".to_vec(), before_removal)).unwrap_err().to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("that member list is older (epoch"), "{err}");
    assert!(err.contains("nothing was saved"), "{err}");
    drop(raw);
    server.terminate();
    // The removed deputy is still out.
    let err = fails(env.casebook(&school.deputy).arg("list"));
    assert!(err.contains("no longer a member") || err.contains("not a member"), "{err}");
}

/// Issue 10 item 2: a failed unlock is an audit entry the DSL reads, both
/// through `casebook serve` (the server notes its refusals) and on a store
/// opened directly (the refused process notes it), with the OS account.
#[test]
fn failed_unlocks_are_audit_entries_the_dsl_reads() {
    let env = Env::new();
    let school = school_in_use(&env);
    let (outsider, _) = env.key("outsider");
    let err = fails(env.casebook(&outsider).arg("list"));
    assert!(err.contains("not a member"), "{err}");
    {
        let _server = Server::start(&env);
        let err = fails(env.casebook(&outsider).arg("list"));
        assert!(err.contains("not a member"), "{err}");
    }
    let log = ok(env.casebook(&school.dsl).arg("audit"));
    let refused: Vec<&str> = log.lines().filter(|l| l.contains("was refused opening casebook")).collect();
    assert_eq!(refused.len(), 2, "{log}");
    assert!(refused.iter().all(|l| l.contains("(not a member)") && l.contains("(OS account uid ")), "{log}");
    let json = ok(env.casebook(&school.dsl).args(["audit", "--json"]));
    assert!(json.contains("was refused opening casebook"), "{json}");
    // Not the deputy's to read.
    let err = fails(env.casebook(&school.deputy).arg("audit"));
    assert!(err.contains("cannot read the audit log"), "{err}");
}

// ---- the recovery key ----------------------------------------------------------

/// How many records of `tree` open with `key` through Debian's age, and
/// whether every one did and showed `planted` where it should.
fn open_all_with_age(env: &Env, tree: &str, key: &Path) -> (usize, usize, String) {
    let mut opened = 0;
    let mut text_seen = String::new();
    let all = raw_all(&env.store(), tree);
    for (_, v) in &all {
        let file = env.path("record.age");
        std::fs::write(&file, v).unwrap();
        let out = age_tool("age").args(["-d", "-i"]).arg(key).arg(&file).output().unwrap();
        if out.status.success() {
            opened += 1;
            text_seen.push_str(&String::from_utf8_lossy(&out.stdout));
        }
    }
    (opened, all.len(), text_seen)
}

#[test]
fn the_recovery_key_opens_every_record_with_debians_age_alone() {
    let env = Env::new();
    let (dsl, dsl_r) = env.key("dsl");
    let recovery = env.path("recovery.txt");
    let said = ok(env
        .casebook(&dsl)
        .args([
            "init",
            "--school",
            "Testford Primary",
            "--dsl-name",
            "Ms Dee Ess-Ell",
            "--recipient",
            &dsl_r,
            "--recovery-out",
        ])
        .arg(&recovery));
    assert!(said.contains("keep it in the school safe"), "{said}");
    let add = |name: &str, role: &str, file: &str| {
        let (path, r) = env.key(file);
        ok(env.casebook(&dsl).args(["member", "add", "--name", name, "--role", role, "--recipient", &r]));
        path
    };
    let deputy = add("Mr Deputy Dunn", "deputy", "deputy");
    let reporter = add("Miss Rep Orter", "reporter", "reporter");
    add_concern(&env, &reporter, "child:Pupil Wren Ashdown:Year 4", "Marmalade sandwich phone case seen.");
    add_concern(&env, &deputy, "child:Pupil Ivo Thorne:Year 2", "Messages about a heron at night.");
    ok(env.casebook(&dsl).arg("list"));
    let (opened, all, seen) = open_all_with_age(&env, "cases", &recovery);
    assert_eq!((opened, all), (2, 2));
    assert!(seen.contains("Pupil Wren Ashdown") && seen.contains("Messages about a heron"), "{seen}");
    // Still after a member leaves and everything is sealed again.
    ok(env.casebook(&dsl).args(["member", "remove", "2"]));
    assert_eq!(open_all_with_age(&env, "cases", &recovery).0, 2);

    // A store made without one gets one later, for its older records too.
    let env = Env::new();
    let school = env.school();
    add_concern(&env, &school.reporter, "child:Pupil Esme Rook:Year 3", "Photo of a lighthouse shared.");
    let later = env.path("later.txt");
    let said = ok(env.casebook(&school.dsl).args(["recovery-key", "--out"]).arg(&later));
    assert!(said.contains("records are sealed to it now"), "{said}");
    let (opened, all, seen) = open_all_with_age(&env, "cases", &later);
    assert_eq!((opened, all), (1, 1));
    assert!(seen.contains("Photo of a lighthouse shared"), "{seen}");
}

#[test]
fn a_counter_set_back_never_issues_a_reference_twice() {
    let env = Env::new();
    let school = school_in_use(&env);
    let first = format!("C-{}-0001", year());
    let store = env.store();
    // Both counters back to zero: the next concern would be #1 and C-…-0001.
    raw_put(&store, "counters", b"case", Some(0u32.to_be_bytes().to_vec()));
    raw_put(&store, "counters", format!("case-ref-{}", year()).as_bytes(), Some(0u32.to_be_bytes().to_vec()));
    // A deputy's client, which saw one concern numbered, says so.
    let err = fails(env.casebook(&school.deputy).arg("list"));
    assert!(err.contains("the store numbers 0 concerns, but your client has seen 1: it was rolled back"), "{err}");
    // A reporter's client has no view of the counters: the write itself
    // refuses to number a second concern #1.
    let err = fails(env.casebook(&school.reporter).args(concern_args("child:Pupil Ivo Thorne:Year 2", "Photo taken.")));
    assert!(err.contains(&format!("concern #1 or {first} is already in use")), "{err}");
    assert!(err.contains("stopped before writing anything"), "{err}");
    // The first concern is untouched.
    ok(env.casebook(&school.dsl).args(["show", &first]));
}

#[test]
fn a_removal_stopped_half_way_is_finished_by_the_next_dsl_session_and_loses_nothing() {
    use casebook::domain::AccessClass;
    let env = Env::new();
    let school = school_in_use(&env);
    let mut references = vec![format!("C-{}-0001", year())];
    for n in 0..5 {
        references.push(add_concern(&env, &school.deputy, "child:Pupil Ivo Thorne:Year 2", &format!("Message {n}.")));
    }
    ok(env.casebook(&school.dsl).arg("list"));
    let store = env.store();
    let their_case_key = class_key_of(&store, &school.deputy, AccessClass::Case);
    {
        // The DSL's casebook stops right after the first step (as if the
        // process were killed): new keys and roster written, no record moved.
        let pins = casebook::store::pins::Pins::at(&env.path(".local/state/casebook/pins"));
        let mut dsl =
            casebook::store::Store::open(&store).unwrap().with_pins(pins).unlock(load_key(&school.dsl)).unwrap();
        dsl.begin_change(2, None).unwrap();
    }
    assert!(!anything_opens(&env, &["cases"], &school.deputy, &their_case_key).is_empty(), "nothing moved yet");
    // Meanwhile everyone else works: the retired keys are still trusted for
    // records not moved yet, and new records are sealed without the deputy.
    let err = fails(env.casebook(&school.deputy).arg("list"));
    assert!(err.contains("no longer a member"), "{err}");
    ok(env.casebook(&school.leadership).arg("figures"));
    references.push(add_concern(&env, &school.reporter, "child:Pupil Esme Rook:Year 3", "Photo shared."));
    // The next DSL session finishes the job.
    ok(env.casebook(&school.dsl).arg("list"));
    assert!(anything_opens(&env, &["cases", "index"], &school.deputy, &their_case_key).is_empty());
    for reference in &references {
        ok(env.casebook(&school.dsl).args(["show", reference]));
    }
    ok(env.casebook(&school.dsl).arg("verify"));
    assert!(raw_get(&store, "class_keys", b"case-retired").is_none(), "the retired key is gone");
}

#[test]
fn a_member_who_joins_opens_older_records_with_debians_age_too() {
    let env = Env::new();
    let school = school_in_use(&env);
    add_concern(&env, &school.deputy, "child:Pupil Ivo Thorne:Year 2", "Messages about a kingfisher.");
    let (newcomer, r) = env.key("newcomer");
    ok(env.casebook(&school.dsl).args(["member", "add", "--name", "Mx New", "--role", "deputy", "--recipient", &r]));
    let (opened, all, seen) = open_all_with_age(&env, "cases", &newcomer);
    assert_eq!((opened, all), (2, 2), "every concern, older ones included");
    assert!(seen.contains("Messages about a kingfisher"), "{seen}");
    // A reporter who joins opens none of them.
    let (reporter, r) = env.key("new-reporter");
    ok(env.casebook(&school.dsl).args(["member", "add", "--name", "Mx Rep", "--role", "reporter", "--recipient", &r]));
    assert_eq!(open_all_with_age(&env, "cases", &reporter).0, 0);
}

#[test]
fn a_concern_deleted_or_set_back_on_disk_is_named_on_the_board() {
    let env = Env::new();
    let school = school_in_use(&env);
    let first = format!("C-{}-0001", year());
    let second = add_concern(&env, &school.deputy, "child:Pupil Ivo Thorne:Year 2", "Messages at night.");
    ok(env.casebook(&school.dsl).arg("list"));
    let store = env.store();
    let old_record = raw_get(&store, "cases", &2u32.to_be_bytes()).unwrap();
    let old_meta = raw_get(&store, "case_meta", &2u32.to_be_bytes()).unwrap();
    ok(env.casebook(&school.deputy).args(["note", &second, "--kind", "phone-call", "--text", "Police informed."]));
    ok(env.casebook(&school.dsl).arg("list"));
    // The police call undone: record and revision put back together.
    raw_put(&store, "cases", &2u32.to_be_bytes(), Some(old_record));
    raw_put(&store, "case_meta", &2u32.to_be_bytes(), Some(old_meta));
    // The first concern taken out altogether.
    for tree in ["cases", "case_meta"] {
        raw_put(&store, tree, &1u32.to_be_bytes(), None);
    }
    raw_put(&store, "case_refs", first.as_bytes(), None);
    let out = env.casebook(&school.dsl).arg("list").output().unwrap();
    let (_, warned) = text(&out);
    assert!(out.status.success(), "{warned}");
    assert!(
        warned.contains("its record is at revision 1 but the board's index saw revision 2: set back outside casebook"),
        "{warned}"
    );
    assert!(
        warned.contains(&format!("{first} is on the board's index but its record is gone from the store")),
        "{warned}"
    );
}

#[test]
fn a_member_removed_through_serve_opens_nothing_and_is_turned_away() {
    use casebook::domain::AccessClass;
    let env = Env::new();
    let school = school_in_use(&env);
    let their_case_key = class_key_of(&env.store(), &school.deputy, AccessClass::Case);
    {
        let server = Server::start(&env);
        // The deputy has casebook open when the DSL removes them.
        let mut open = server.session(&school.deputy);
        open.board().unwrap();
        let said = ok(env.casebook(&school.dsl).args(["member", "remove", "2"]));
        assert!(said.contains("Removed Mr Deputy Dunn (member #2)."), "{said}");
        let err = fails(env.casebook(&school.deputy).arg("list"));
        assert!(err.contains("not a member") || err.contains("no longer a member"), "{err}");
        ok(env.casebook(&school.dsl).args(["show", &format!("C-{}-0001", year())]));
        // Their open connection reads nothing more either (membership is
        // read again for reads at most once a second).
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let err = open.board().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("no longer a member"), "the removed deputy's open session still read: {err:?}");
        drop(server);
    }
    assert!(anything_opens(&env, &["cases", "index"], &school.deputy, &their_case_key).is_empty());
}

/// Found in review: a reporter's or leader's key could vouch for a board
/// index shard (or figures) on disk, and both boards showed its rows. Only
/// a concern may be written without its class key.
#[test]
fn a_board_shard_vouched_for_by_a_reporter_or_leader_is_never_shown() {
    use casebook::domain::*;
    use casebook::store::codec::encode_at;
    use casebook::store::{Place, roster};
    let env = Env::new();
    let school = school_in_use(&env);
    let store = env.store();
    let dsl_pub = load_key(&school.dsl).to_public();
    let dep_pub = load_key(&school.deputy).to_public();
    let sid = genuine_store_id(&env, &school);
    let revision = raw_get(&store, "case_meta", &1u32.to_be_bytes()).unwrap()[1] as u64;
    let row = CaseSummary {
        id: 1,
        revision,
        reference: format!("C-{}-0001", year()),
        reported_at: chrono::Local::now().naive_local(),
        category: "restricted-area".into(),
        subject: "FORGED Nobody Important".into(),
        subject_kind: SubjectKind::Child,
        risk: Some(Risk::Low),
        urgency: Urgency::Routine,
        status: Status::Closed,
        assignee: Some("Mr Deputy Dunn".into()),
        assignee_id: Some(2),
        next_review: None,
        restricted_location: false,
        closed_without_debrief: true,
        people: Vec::new(),
        pathway: None,
    };
    let key = [b"shard-".as_slice(), &0u32.to_be_bytes()].concat();
    for (who, author) in [(&school.reporter, 4u32), (&school.leadership, 3u32)] {
        let me = load_key(who);
        let readers = [(1u32, dsl_pub.to_string()), (2u32, dep_pub.to_string())];
        let plain = encode_at(&vec![row.clone()], &Place::new("index", key.clone(), 0), |d| {
            roster::attest(&me, author, &readers, &sid, d)
        });
        raw_put(&store, "index", &key, Some(seal_to(&[dsl_pub.clone(), dep_pub.clone()], &plain)));
        for reader in [&school.dsl, &school.deputy] {
            let list = ok(env.casebook(reader).arg("list"));
            assert!(!list.contains("FORGED"), "a forged board row was shown:\n{list}");
            assert!(list.contains("Pupil Wren Ashdown"), "the genuine concern is rebuilt from its record:\n{list}");
        }
    }
}

/// Found in review: through `casebook serve` a client could read every
/// concern with one listing of the cases tree, and a board shard by key,
/// with no audit entry. The server notes them now.
#[test]
fn a_client_that_lists_every_concern_through_serve_is_audited() {
    use casebook::store::backend::Backend;
    let env = Env::new();
    let school = school_in_use(&env);
    let second = add_concern(&env, &school.reporter, "child:Pupil Ivo Thorne:Year 2", "Second.");
    let mut server = Server::start(&env);
    let raw = casebook::store::client::ServedBackend::connect(&server.socket).unwrap();
    raw.authenticate(&load_key(&school.deputy)).unwrap();
    assert_eq!(raw.scan("cases").unwrap().len(), 2);
    drop(raw);
    server.terminate();
    let log = ok(env.casebook(&school.dsl).args(["audit", &second]));
    assert!(log.lines().any(|l| l.contains("Mr Deputy Dunn") && l.ends_with(&format!("opened {second}"))), "{log}");
}

/// Found in review: with the roster deleted, a DSL whose casebook had no pin
/// (a new laptop, a restore) signed whatever member list the files held.
/// A store whose records were bound had a roster: its absence is refused.
#[test]
fn a_roster_removed_from_an_authenticated_store_is_never_adopted_again() {
    let env = Env::new();
    let school = school_in_use(&env);
    let store = env.store();
    raw_put(&store, "settings", b"roster", None);
    std::fs::remove_dir_all(env.path(".local/state/casebook")).unwrap();
    let err = fails(env.casebook(&school.dsl).arg("list"));
    assert!(
        err.contains("authenticated member list is missing, though its records were sealed after it was made"),
        "{err}"
    );
    assert!(raw_get(&store, "settings", b"roster").is_none(), "nothing was signed");
}

/// Found in review: salvage sealed the store's class keys to every member
/// record it found, a forged one included. Now only to the members of the
/// DSL's authenticated roster; the forged record is left out and named.
#[test]
fn salvage_seals_class_keys_only_to_the_members_the_dsl_listed() {
    use casebook::domain::AccessClass;
    use casebook::store::crypto;
    let env = Env::new();
    let school = school_in_use(&env);
    let store = env.store();
    let (attacker_path, attacker_r) = env.key("attacker");
    let attacker = load_key(&attacker_path);
    let deputy_record = raw_get(&store, "members", &2u32.to_be_bytes()).unwrap();
    let text_ = String::from_utf8_lossy(&deputy_record).into_owned();
    let at = text_.find("age1").unwrap();
    let mut forged = deputy_record.clone();
    forged[at..at + 62].copy_from_slice(attacker_r.as_bytes());
    raw_put(&store, "members", &9u32.to_be_bytes(), Some(forged));
    let into = env.path("salvaged");
    let out = env.casebook(&school.dsl).arg("salvage").arg(&store).arg("--into").arg(&into).output().unwrap();
    let (said, warned) = text(&out);
    assert!(
        said.contains("not in the DSL's authenticated member list") || warned.contains("not in the DSL's"),
        "{said}\n{warned}"
    );
    for class in AccessClass::ALL {
        let sealed = raw_get(&into, "class_keys", class.tag().as_bytes()).unwrap();
        assert!(
            crypto::open(&sealed, &[&attacker]).is_err(),
            "the {} key was sealed to the forged member",
            class.tag()
        );
    }
    // The members the DSL listed still open the salvaged store.
    ok(env.casebook_at(&into, &school.deputy).args(["show", &format!("C-{}-0001", year())]));
}

/// Issue 10: "delete a concern or a debrief". A debrief (or an action)
/// deleted on disk is named on every list that would have shown it, for
/// the DSL and for leadership alike: never silently gone.
#[test]
fn a_debrief_or_action_deleted_on_disk_is_named_on_every_list() {
    let env = Env::new();
    let school = env.school();
    let r = add_concern(&env, &school.dsl, "child:Pupil Fictional Ash", "Filmed over the wall.");
    ok(env
        .casebook(&school.dsl)
        .args(["debrief", "add", "--concern", &r, "--lesson", "Supervise the corridor."])
        .args(["--summary", "A phone was used in the toilets.", "--date", "2026-03-12"]));
    ok(env.casebook(&school.dsl).args(["debrief", "add", "--concern", &r, "--lesson", "Remind staff."]).args([
        "--summary",
        "A second look at it.",
        "--date",
        "2026-03-13",
    ]));
    raw_put(&env.store(), "debriefs", &1u32.to_be_bytes(), None);
    for who in [&school.dsl, &school.leadership] {
        let out = env.casebook(who).args(["debrief", "list"]).output().unwrap();
        let (stdout, stderr) = text(&out);
        assert!(stdout.contains("D-2026-0002"), "the other debrief still lists: {stdout}");
        assert!(
            stderr.contains("debrief #1: it is not in the store: deleted outside casebook"),
            "the deleted one is named: {stderr}"
        );
    }
}

/// A device logged for `reference` (P6.1-b), and a search of it (P6.1-e).
fn device_and_search(env: &Env, who: &Path, reference: &str, device: &str) {
    ok(env.casebook(who).args(["custody", "add", reference, "--device", "mobile-phone"]).args([
        "--owner",
        "Pupil Fictional Wren",
        "--reason",
        "Phone out in class.",
    ]));
    ok(env.casebook(who).args(["search", "add", reference, "--custody", device]).args([
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

/// PRODUCT.md 7b (issue 13 review): a referral, device, search, register
/// entry or file deleted on disk by someone with no key is named by the
/// next DSL's and deputy's verify (before, "no problems", and the concern
/// whose phone record vanished could be closed). Each number is one the
/// counter handed out, below one still kept, with no disposal record; a
/// file is one its concern's chronology says was attached.
#[test]
fn a_referral_device_search_register_entry_or_file_deleted_on_disk_is_named_by_verify() {
    let env = Env::new();
    let school = env.school();
    let first = add_concern(&env, &school.dsl, "child:Pupil Fictional Wren:Year 6", "Phone out in class.");
    let second = add_concern(&env, &school.dsl, "child:Pupil Fictional Ash:Year 6", "Phone out at lunch.");
    for r in [&first, &second] {
        ok(env
            .casebook(&school.dsl)
            .args(["referral", "add", r, "--kind", "advice", "--agency", "LA adviser"])
            .args(["--contact", "Ms Fictional Adviser", "--outcome", "No further action."]));
    }
    device_and_search(&env, &school.dsl, &first, "DV-0001");
    device_and_search(&env, &school.dsl, &second, "DV-0002");
    for name in ["Mr Fictional Tutor", "Mr Fictional Coach"] {
        ok(env.casebook(&school.dsl).args(["register", "add", "permission", "--who", name]).args([
            "--reason",
            "Fictional reason",
            "--granted-by",
            "Mrs Head Teacher",
        ]));
    }
    let form = env.path("form.txt");
    std::fs::write(&form, "Signed by the parent.").unwrap();
    for _ in 0..2 {
        ok(env.casebook(&school.dsl).args(["attachment", "add", &first]).arg(&form));
    }
    for who in [&school.dsl, &school.deputy] {
        assert!(ok(env.casebook(who).arg("verify")).contains("no problems"));
    }

    let file = |n: u32| [1u32.to_be_bytes(), n.to_be_bytes()].concat();
    let cases: [(&str, Vec<u8>, String); 6] = [
        ("referrals", 1u32.to_be_bytes().to_vec(), "R-0001: its number was handed out".into()),
        ("custody", 1u32.to_be_bytes().to_vec(), "DV-0001: its number was handed out".into()),
        ("searches", 1u32.to_be_bytes().to_vec(), "SR-0001: its number was handed out".into()),
        ("registers", 1u32.to_be_bytes().to_vec(), "register entry #1: its number was handed out".into()),
        (
            "attachments",
            file(1),
            format!("file 1 of concern {first} (#1): its concern's chronology says it was attached"),
        ),
        // The last file: its number is the highest, but the chronology says it.
        (
            "attachments",
            file(2),
            format!("file 2 of concern {first} (#1): its concern's chronology says it was attached"),
        ),
    ];
    for (i, (tree, key, named)) in cases.iter().enumerate() {
        let copy = env.path(&format!("copy-{i}"));
        copy_dir(&env.store(), &copy);
        {
            let db = raw_db(&copy);
            assert!(db.open_tree(tree).unwrap().remove(key).unwrap().is_some(), "{tree}");
            db.flush().unwrap();
        }
        for who in [&school.dsl, &school.deputy] {
            let out = env.casebook_at(&copy, who).arg("verify").output().unwrap();
            let (stdout, stderr) = text(&out);
            assert!(!out.status.success(), "{tree}: {stdout}");
            assert!(format!("{stdout}{stderr}").contains(named.as_str()), "{tree}: {named}\n{stdout}{stderr}");
        }
    }
}
