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
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match sled::open(store) {
            Ok(db) => return db,
            Err(e) if std::time::Instant::now() > deadline => panic!("open raw sled: {e}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
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
    ok(env.casebook(&school.reporter).args([
        "concern",
        "add",
        "--subject",
        "child:Pupil Ivo Thorne:Year 2",
        "--category",
        "restricted-area",
        "--location",
        "toilets",
        "--description",
        "Photo taken.",
        "--action",
        "Phone to the office.",
    ]));
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
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
