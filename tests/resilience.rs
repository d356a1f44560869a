//! Issue 11: never lose a record. Damage stays local (every listing skips a
//! damaged record, names it and shows the rest), `casebook verify` finds
//! each fault by reference, and a backup taken while others write restores
//! completely. Real binary, real sled, real age; damage is made by flipping
//! bytes in raw records through the record backend.

mod common;
use common::*;

use std::path::Path;

use casebook::store::{Backend, Batch, Session, Store, identity};

fn year() -> String {
    chrono::Local::now().format("%Y").to_string()
}

fn today_plus(days: i64) -> String {
    (chrono::Local::now() + chrono::Duration::days(days)).format("%Y-%m-%d").to_string()
}

/// A school with three concerns (the first closed by debrief D-1, the
/// second awaiting a debrief, the third new and linked to D-2), two
/// actions on D-1, the policy seeded, and leadership's figures written.
struct Fixture {
    env: Env,
    school: School,
    concerns: [String; 3],
    debriefs: [String; 2],
}

fn fixture() -> Fixture {
    let env = Env::new();
    let school = env.school();
    let dsl = &school.dsl;
    let c1 = add_concern(&env, dsl, "child:Pupil Alder Quince:Year 3", "The first concern, intact.");
    let c2 = add_concern(&env, dsl, "child:Pupil Birch Rowan:Year 4", "The second concern.");
    let c3 = add_concern(&env, dsl, "child:Pupil Cedar Sloe:Year 5", "The third concern.");
    for c in [&c1, &c2] {
        ok(env.casebook(dsl).args([
            "triage",
            c,
            "--risk",
            "low",
            "--pathway",
            "behaviour-sanctions",
            "--policy",
            "behaviour",
            "--reasoning",
            "Restricted area (P3-a).",
        ]));
        ok(env.casebook(dsl).args(["status", c, "--to", "in-progress", "--reason", "Started."]));
        ok(env.casebook(dsl).args(["status", c, "--to", "awaiting-debrief", "--reason", "Done."]));
    }
    let debrief = |concern: &str, summary: &str| {
        ok(env.casebook(dsl).args([
            "debrief",
            "add",
            "--concern",
            concern,
            "--summary",
            summary,
            "--lesson",
            "Signs at the toilets.",
            "--lesson",
            "Staff check at lunchtime.",
        ]))
    };
    debrief(&c1, "A phone was used in a restricted area.");
    debrief(&c3, "A second debrief, about the third concern.");
    let d1 = format!("D-{}-0001", year());
    let d2 = format!("D-{}-0002", year());
    for (lesson, kind, owner) in [("1", "signage", "me"), ("2", "staff-training", "Dr Lead Ership")] {
        ok(env.casebook(dsl).args([
            "action",
            "add",
            "--debrief",
            &d1,
            "--lesson",
            lesson,
            "--kind",
            kind,
            "--owner",
            owner,
            "--due",
            &today_plus(10),
            "--description",
            "Put it right.",
        ]));
    }
    ok(env.casebook(dsl).args(["policy", "list"]));
    Fixture { env, school, concerns: [c1, c2, c3], debriefs: [d1, d2] }
}

fn key(id: u32) -> Vec<u8> {
    id.to_be_bytes().to_vec()
}

/// Changes one raw record in place, through the record backend (as a
/// failing disk would, below every check casebook makes when writing).
fn damage(store: &Path, tree: &str, key: &[u8], how: impl FnOnce(&mut Vec<u8>)) {
    let backend = Store::open_backend(store).unwrap();
    let mut value = backend.get(tree, key).unwrap().unwrap_or_else(|| panic!("no {tree} record {key:?}"));
    how(&mut value);
    backend.apply(Batch::new().put(tree, key.to_vec(), value)).unwrap();
}

/// Flips bytes near the end of a value: inside an age file's payload, or
/// inside the sealed name that ends a member record.
fn flip_tail(value: &mut [u8]) {
    let n = value.len();
    for b in &mut value[n - 40..n - 20] {
        *b ^= 0x55;
    }
}

fn flip_all(value: &mut [u8]) {
    for b in value.iter_mut() {
        *b ^= 0xff;
    }
}

fn session(store: &Path, key: &Path) -> Session {
    let id = identity::load(key, &mut || None).unwrap();
    Store::open(store).unwrap().unlock(id).unwrap()
}

/// Runs and insists on success; returns stdout and stderr.
fn ok_warned(cmd: &mut std::process::Command) -> (String, String) {
    let out = cmd.output().expect("run casebook");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "command failed: {cmd:?}\nstdout: {stdout}\nstderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (stdout, stderr)
}

fn shard_key(n: u32) -> Vec<u8> {
    [b"shard-".as_slice(), &n.to_be_bytes()].concat()
}

// ---- 1. damage stays local ---------------------------------------------------

#[test]
fn every_listing_survives_a_damaged_record_of_each_kind() {
    let f = fixture();
    let (env, school) = (&f.env, &f.school);
    let [c1, c2, c3] = &f.concerns;
    ok(env.casebook(&school.leadership).arg("figures"));
    let store = env.store();
    // One damaged record of every kind: a concern, a concern's revision
    // record, a debrief, an action, the policy, a member's name, and
    // leadership's figures.
    damage(&store, "cases", &key(3), |v| flip_tail(v));
    damage(&store, "case_meta", &key(2), |v| flip_all(v));
    damage(&store, "debriefs", &key(2), |v| flip_tail(v));
    damage(&store, "actions", &key(2), |v| flip_tail(v));
    damage(&store, "policies", &key(1), |v| flip_tail(v));
    damage(&store, "members", &key(2), |v| flip_tail(v));
    // The board's index (a cache) still holds concern 3's row; damage it
    // too, so the board reads every record again.
    damage(&store, "index", &shard_key(0), |v| flip_tail(v));
    let c3_name = format!("concern {c3} (#3)");

    // The board: the damaged concern is named, the others listed; the one
    // whose revision record is damaged is still shown, from its record.
    let (list, warned) = ok_warned(env.casebook(&school.dsl).arg("list"));
    assert!(list.contains(c1) && list.contains(c2), "{list}");
    assert!(!list.contains(c3), "{list}");
    assert!(warned.contains(&c3_name), "{warned}");
    assert!(warned.contains(&format!("concern {c2} (#2): its revision record (case_meta) is damaged")), "{warned}");
    // `show` of every other concern works; the damaged one fails alone, by name.
    assert!(ok(env.casebook(&school.dsl).args(["show", c1])).contains("The first concern, intact."));
    let (shown, warned) = ok_warned(env.casebook(&school.deputy).args(["show", c2]));
    assert!(shown.contains("The second concern."), "{shown}");
    // Issue 10 (found in review): its revision cannot be checked, and show says so.
    assert!(warned.contains(&format!("{c2}'s revision record is damaged or missing")), "{warned}");
    let err = fails(env.casebook(&school.dsl).args(["show", c3]));
    assert!(err.contains(&format!("{c3_name} could not be read")), "{err}");

    // Debriefs, actions, the policy, the dashboard: each lists the rest.
    let (debriefs, warned) = ok_warned(env.casebook(&school.dsl).args(["debrief", "list"]));
    assert!(debriefs.contains(&f.debriefs[0]) && !debriefs.contains(&f.debriefs[1]), "{debriefs}");
    assert!(warned.contains("debrief #2:"), "{warned}");
    let (actions, warned) = ok_warned(env.casebook(&school.leadership).args(["action", "list"]));
    assert!(actions.contains("A-0001") && !actions.contains("A-0002"), "{actions}");
    assert!(warned.contains("A-0002:"), "{warned}");
    let (_, warned) = ok_warned(env.casebook(&school.dsl).args(["policy", "list"]));
    assert!(warned.contains("policy #1:"), "{warned}");
    let (awaiting, _) = ok_warned(env.casebook(&school.dsl).args(["debrief", "awaiting"]));
    assert!(awaiting.contains(c2), "{awaiting}");
    for who in [&school.dsl, &school.leadership] {
        let (dash, warned) = ok_warned(env.casebook(who).arg("figures"));
        assert!(dash.contains("Leadership dashboard"), "{dash}");
        assert!(warned.contains("debrief #2:") && warned.contains("A-0002:"), "{warned}");
    }
    // Leadership's figures come from a record beside each index shard (the
    // DSL's board load re-sealed it above; damage it now).
    damage(&store, "figures", &shard_key(0), |v| flip_tail(v));
    let (_, warned) = ok_warned(env.casebook(&school.leadership).arg("figures"));
    assert!(warned.contains("the figures of concerns #0–#127:"), "{warned}");
    let json: serde_json::Value =
        serde_json::from_str(&ok_warned(env.casebook(&school.dsl).args(["action", "list", "--json"])).0).unwrap();
    assert_eq!(json.as_array().map(Vec::len), Some(1), "JSON stays JSON, the warning on stderr: {json}");

    // A damaged member name: the member list names them, and their own
    // session (and everyone else's) still opens.
    let (members, warned) = ok_warned(env.casebook(&school.dsl).args(["member", "list"]));
    assert!(members.contains("member #2 (name unreadable)") && members.contains("Dr Lead Ership"), "{members}");
    assert!(warned.contains("member #2's name:"), "{warned}");
    assert!(ok(env.casebook(&school.deputy).arg("list")).contains(c1));
    add_concern(env, &school.reporter, "child:Pupil Damson Yew:Year 1", "Recorded despite the damage.");

    // The session API says the same, by name.
    let mut dsl = session(&store, &school.dsl);
    let board = dsl.board().unwrap();
    assert_eq!(board.rows.len(), 3, "c1, c2 (from its record) and the reporter's new one");
    let names: Vec<String> = board.problems.iter().map(|d| d.what.clone()).collect();
    assert_eq!(names, [format!("concern {c2} (#2)"), c3_name.clone()]);
    let debriefs = dsl.debriefs().unwrap();
    assert_eq!((debriefs.len(), debriefs.damaged[0].what.as_str()), (1, "debrief #2"));
    let actions = dsl.actions().unwrap();
    assert_eq!((actions.len(), actions.damaged[0].what.as_str()), (1, "A-0002"));
    let policies = dsl.policies().unwrap();
    assert_eq!((policies.len(), policies.damaged[0].what.as_str()), (0, "policy #1"));
    let dash = dsl.dashboard(chrono::Local::now().naive_local()).unwrap();
    assert_eq!(dash.actions.open + dash.actions.in_progress, 1, "the readable action counts");
    assert!(dash.damaged.len() >= 4, "{:?}", dash.damaged);
    assert_eq!(dsl.member_damage()[0].what, "member #2's name");
    assert!(dsl.members().iter().any(|m| m.name == "member #2 (name unreadable)"));
    let awaiting = dsl.awaiting_debrief().unwrap();
    assert_eq!(awaiting.iter().map(|a| a.reference.clone()).collect::<Vec<_>>(), std::slice::from_ref(c2));
    drop(dsl);
    damage(&store, "figures", &shard_key(0), |v| flip_tail(v));
    let mut lead = session(&store, &school.leadership);
    let figures = lead.figures(chrono::Local::now().naive_local()).unwrap();
    assert_eq!(figures.damaged[0].what, "the figures of concerns #0–#127");
}

#[test]
fn a_damaged_member_record_keeps_out_only_its_member() {
    let f = fixture();
    let (env, school) = (&f.env, &f.school);
    // Not just the name: the clear part (role, public key) is garbage.
    damage(&env.store(), "members", &key(4), |v| v.truncate(5));
    let (members, warned) = ok_warned(env.casebook(&school.dsl).args(["member", "list"]));
    assert!(members.contains("Mr Deputy Dunn") && !members.contains("Miss Rep Orter"), "{members}");
    assert!(warned.contains("member #4: the record is damaged"), "{warned}");
    ok(env.casebook(&school.deputy).arg("list"));
    ok(env.casebook(&school.leadership).arg("figures"));
    // Issue 10: the DSL's authenticated member list still names its
    // member, with their role and key: the damaged clear record keeps out
    // no one, and a new member can still be added (nothing is sealed from
    // the damaged record).
    let (listed, _) = ok_warned(env.casebook(&school.reporter).args(["member", "list"]));
    assert!(listed.contains("member #4 (name unreadable)"), "{listed}");
    let (_, r) = env.key("newcomer");
    ok(env.casebook(&school.dsl).args(["member", "add", "--name", "Mx New", "--role", "deputy", "--recipient", &r]));
    ok(env.casebook(&school.reporter).args(["member", "list"]));
}

// ---- 2. verify ---------------------------------------------------------------

/// `casebook serve` on a temp socket, stopped when dropped.
struct Server {
    child: std::process::Child,
    socket: std::path::PathBuf,
}

impl Server {
    fn start(env: &Env, extra: &[&str]) -> Server {
        use assert_cmd::cargo::CommandCargoExt;
        let socket = env.path("casebook.sock");
        let child = std::process::Command::cargo_bin("casebook")
            .unwrap()
            .env_clear()
            .env("HOME", env.dir.path())
            .arg("--store")
            .arg(env.store())
            .arg("serve")
            .args(extra)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start casebook serve");
        let server = Server { child, socket };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !casebook::server::listening(&server.socket) {
            assert!(std::time::Instant::now() < deadline, "casebook serve did not start listening");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        server
    }

    fn session(&self, key: &Path) -> Session {
        let id = identity::load(key, &mut || None).unwrap();
        Store::connect(&self.socket).unwrap().unlock(id).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs and insists on failure (exit 1, one line on stderr); returns stdout.
fn fails_listing(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("run casebook");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line on stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stdout
}

#[test]
fn verify_finds_each_injected_fault_and_names_the_record() {
    let f = fixture();
    let (env, school) = (&f.env, &f.school);
    let store = env.store();
    let [c1, _, c3] = &f.concerns;
    let clean = ok(env.casebook(&school.dsl).arg("verify"));
    assert!(clean.contains("no problems"), "{clean}");
    assert!(ok(env.casebook(&school.dsl).args(["verify", "--quick"])).contains("no problems"));

    // Faults a key is needed to see: payloads that no longer decrypt.
    damage(&store, "cases", &key(3), |v| flip_tail(v));
    damage(&store, "members", &key(2), |v| flip_tail(v));
    // Faults the structure shows.
    damage(&store, "debriefs", &key(2), |v| v[3] ^= 0x20);
    let backend = Store::open_backend(&store).unwrap();
    let ghost = format!("C-{}-0099", year());
    backend
        .apply(
            Batch::new()
                .delete("case_meta", key(1))
                .put("case_refs", ghost.as_bytes().to_vec(), key(99))
                .put("counters", b"action".to_vec(), key(1))
                .put("cases", vec![1, 2, 3], b"age-encryption.org/v1".to_vec()),
        )
        .unwrap();
    drop(backend);

    let structural = [
        "debrief #2: it is not a readable age file".to_string(),
        format!("concern {c1} (#1): it has no revision record (case_meta)"),
        format!("reference {ghost}: it maps to concern #99, which is not in the store"),
        "the action counter: it is at 1 but #2 exists".to_string(),
        "a case record under a malformed key (\u{1}\u{2}\u{3}".to_string(),
    ];
    let decrypting = [format!("concern {c3} (#3): record is damaged"), "member #2's name:".to_string()];
    let quick = fails_listing(env.casebook(&school.dsl).args(["verify", "--quick"]));
    let full = fails_listing(env.casebook(&school.dsl).arg("verify"));
    for expected in &structural {
        let expected = expected.replace('\u{1}', "\\u{1}").replace('\u{2}', "\\u{2}").replace('\u{3}', "\\u{3}");
        assert!(quick.lines().any(|l| l.starts_with(&expected)), "{expected:?} missing from:\n{quick}");
        assert!(full.lines().any(|l| l.starts_with(&expected)), "{expected:?} missing from:\n{full}");
    }
    for expected in &decrypting {
        assert!(!quick.contains(expected.as_str()), "--quick decrypts nothing:\n{quick}");
        assert!(full.lines().any(|l| l.starts_with(expected.as_str())), "{expected:?} missing from:\n{full}");
    }
    // The ghost reference is also ahead of its year's counter.
    assert!(full.contains(&format!("the case-ref-{} counter: it is at 3 but {ghost} exists", year())), "{full}");
    assert!(full.contains(": 8 problems."), "{full}");
    assert!(quick.contains(": 6 problems."), "{quick}");
    // --quick needs no key on a store opened directly (a nightly job).
    let mut no_key = std::process::Command::new(assert_cmd::cargo::cargo_bin("casebook"));
    no_key.env_clear().env("HOME", env.dir.path()).arg("--store").arg(&store).args(["verify", "--quick"]);
    assert!(fails_listing(&mut no_key).contains(": 6 problems."));
}

#[test]
fn verify_through_serve_checks_what_each_role_may_read() {
    let f = fixture();
    let (env, school) = (&f.env, &f.school);
    damage(&env.store(), "actions", &key(2), |v| flip_tail(v));
    let server = Server::start(env, &[]);
    let dsl = fails_listing(env.casebook(&school.dsl).arg("verify"));
    assert!(dsl.lines().any(|l| l.starts_with("A-0002: record is damaged")), "{dsl}");
    assert!(!dsl.contains("Not checked"), "{dsl}");
    // Leadership reads actions too, and is shown no case tree by the server.
    let lead = fails_listing(env.casebook(&school.leadership).arg("verify"));
    assert!(lead.lines().any(|l| l.starts_with("A-0002:")), "{lead}");
    assert!(lead.contains("Not checked: cases, case_meta, case_refs, index"), "{lead}");
    // The session API gives the same report.
    let report = server.session(&school.dsl).verify(false).unwrap();
    assert_eq!(report.problems.iter().map(|p| p.what.as_str()).collect::<Vec<_>>(), ["A-0002"]);
}

#[test]
fn verify_checks_a_store_too_damaged_to_unlock() {
    let f = fixture();
    let (env, school) = (&f.env, &f.school);
    damage(&env.store(), "class_keys", b"case", |v| v[0] ^= 0x01);
    let out = fails_listing(env.casebook(&school.dsl).arg("verify"));
    assert!(out.lines().next().unwrap_or_default().starts_with("unlocking with your key:"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("the case class key: it is not a readable age file")), "{out}");
}

// ---- 3. backup and restore ---------------------------------------------------

fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn new_concern(name: &str) -> casebook::domain::NewConcern {
    use casebook::domain::{NewConcern, Subject, SubjectKind};
    NewConcern {
        occurred_at: now() - chrono::Duration::hours(1),
        reported_by: String::new(),
        subjects: vec![Subject::named(SubjectKind::Child, name, "Year 4")],
        category: "restricted-area".into(),
        location: "toilets".into(),
        devices: vec!["mobile-phone".into()],
        description: "Filming in the toilets.".into(),
        immediate_action: "Phone taken to the office.".into(),
        source: casebook::domain::Source::StaffReport,
    }
}

#[test]
fn a_backup_taken_while_others_write_restores_completely() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let f = fixture();
    let (env, school) = (&f.env, &f.school);
    let server = Server::start(env, &[]);
    // A deputy and a reporter keep writing through the server all along:
    // new concerns, and follow-ups on the second one (awaiting its debrief).
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged: Arc<Mutex<Vec<(std::time::Instant, String)>>> = Arc::default();
    let writers: Vec<_> = [school.deputy.clone(), school.reporter.clone()]
        .into_iter()
        .enumerate()
        .map(|(w, key)| {
            let mut s = server.session(&key);
            let (stop, acknowledged) = (stop.clone(), acknowledged.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let r = s.record_concern(new_concern(&format!("Pupil Writer{w} Number{i}")), now()).unwrap();
                    acknowledged.lock().unwrap().push((std::time::Instant::now(), r.reference));
                    if w == 0 {
                        s.add_entry(2, casebook::domain::EntryKind::FollowUp, now(), &format!("Follow-up {i}."), now())
                            .unwrap();
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let backup = env.path("during.cbk");
    let started = std::time::Instant::now();
    let said = ok(env.casebook(&school.dsl).args(["backup", "--out"]).arg(&backup));
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    assert!(said.contains("Backed up") && said.contains("safe to copy off-site"), "{said}");
    let acknowledged = acknowledged.lock().unwrap().clone();
    let before: Vec<&String> = acknowledged.iter().filter(|(at, _)| *at < started).map(|(_, r)| r).collect();
    assert!(before.len() >= 2, "the writers wrote before the backup: {acknowledged:?}");
    drop(server);

    let restored = env.path("restored");
    let said = ok(env.casebook(&school.dsl).args(["restore"]).arg(&backup).arg("--into").arg(&restored));
    assert!(said.contains("Restored"), "{said}");
    // The restored store passes verify, every record opened. One thing it
    // may rightly say: a concern whose number a writer had taken but whose
    // record was still being saved when the backup was taken (another's,
    // numbered after it, was saved first) is not in the backup: verify
    // names it ("its saving never finished"), so the DSL can ask who was
    // recording a concern then. At most one a writer, and never one
    // acknowledged before the backup began (checked below).
    let out = env.casebook_at(&restored, &school.dsl).arg("verify").output().unwrap();
    let verified = String::from_utf8_lossy(&out.stdout).into_owned();
    let problems: Vec<&str> = verified.lines().filter(|l| !l.starts_with("Checked ")).collect();
    assert!(problems.len() <= 2, "{verified}");
    for p in &problems {
        assert!(p.starts_with("concern #") && p.contains("its saving never finished"), "{verified}");
    }
    assert_eq!(out.status.success(), problems.is_empty(), "{verified}");
    // Every concern acknowledged before the backup began is in it, with
    // every debrief and action; nothing in it is half a write.
    let mut s = session(&restored, &school.dsl);
    let rows = s.board().unwrap();
    assert!(rows.problems.is_empty(), "{:?}", rows.problems);
    let refs: Vec<&String> = rows.rows.iter().map(|r| &r.reference).collect();
    for r in f.concerns.iter().chain(before.iter().copied()) {
        assert!(refs.contains(&r), "{r} missing from the restored store");
    }
    for r in &refs {
        assert!(f.concerns.contains(r) || acknowledged.iter().any(|(_, a)| a == *r), "{r} was never written");
    }
    let debriefs: Vec<String> = s.debriefs().unwrap().iter().map(|d| d.reference.clone()).collect();
    assert_eq!(debriefs.len(), 2);
    assert!(f.debriefs.iter().all(|d| debriefs.contains(d)), "{debriefs:?}");
    assert_eq!(s.actions().unwrap().iter().map(|a| a.label()).collect::<Vec<_>>(), ["A-0001", "A-0002"]);
    let chronology = s.case(2).unwrap().chronology.len();
    assert!(chronology > 6, "the second concern's follow-ups came too: {chronology}");
    // And the restored store takes new work where the backup left off,
    // reusing no number it holds (its counters came with it).
    let held: Vec<String> = refs.iter().map(|r| r.to_string()).collect();
    let r = s.record_concern(new_concern("Pupil After Restore"), now()).unwrap();
    assert!(!held.contains(&r.reference) && held.iter().all(|h| *h < r.reference), "{} reused", r.reference);
}

#[test]
fn backup_and_restore_refuse_what_would_lose_something() {
    let f = fixture();
    let (env, school) = (&f.env, &f.school);
    let backup = env.path("store.cbk");
    // Opened directly, a backup needs no key.
    let mut no_key = std::process::Command::new(assert_cmd::cargo::cargo_bin("casebook"));
    no_key
        .env_clear()
        .env("HOME", env.dir.path())
        .arg("--store")
        .arg(env.store())
        .arg("backup")
        .arg("--out")
        .arg(&backup);
    assert!(ok(env.casebook(&school.leadership).arg("figures")).contains("NO BACKUP has been taken"));
    ok(&mut no_key);
    // Read back, checked, and noted for the dashboard.
    let dash = ok(env.casebook(&school.leadership).arg("figures"));
    assert!(dash.contains("Last good backup: ") && dash.contains(" records, "), "{dash}");
    let checked = ok(env.casebook(&school.dsl).arg("verify").arg("--backup").arg(&backup));
    assert!(checked.contains("its checksum matches") && checked.contains("no problems"), "{checked}");
    assert!(!checked.contains(" 0 opened"), "with a key, its records are opened: {checked}");
    let err = fails(env.casebook(&school.dsl).arg("backup").arg("--out").arg(&backup));
    assert!(err.contains("already exists; casebook never writes over a backup"), "{err}");

    // A flipped byte anywhere is refused before anything is created.
    let good = std::fs::read(&backup).unwrap();
    for at in [20, good.len() / 2, good.len() - 40, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x01;
        let damaged = env.path("damaged.cbk");
        std::fs::write(&damaged, &bad).unwrap();
        let into = env.path("from-damaged");
        let err = fails(env.casebook(&school.dsl).arg("restore").arg(&damaged).arg("--into").arg(&into));
        assert!(err.contains("damaged.cbk is damaged: its checksum does not match"), "byte {at}: {err}");
        assert!(!into.exists(), "nothing was created");
        let err = fails(env.casebook(&school.dsl).args(["verify", "--quick", "--backup"]).arg(&damaged));
        assert!(err.contains("is damaged: its checksum does not match"), "{err}");
    }
    let cut = env.path("cut.cbk");
    std::fs::write(&cut, &good[..good.len() / 3]).unwrap();
    let err = fails(env.casebook(&school.dsl).arg("restore").arg(&cut).arg("--into").arg(env.path("x")));
    assert!(err.contains("is damaged"), "{err}");
    let err = fails(env.casebook(&school.dsl).arg("restore").arg(env.path("dsl.key")).arg("--into").arg(env.path("x")));
    assert!(err.contains("is not a casebook backup"), "{err}");
    let err =
        fails(env.casebook(&school.dsl).arg("restore").arg(env.path("missing.cbk")).arg("--into").arg(env.path("x")));
    assert!(err.contains("missing.cbk") || err.contains("No such file"), "{err}");

    // Never over a store, nor into a directory holding anything.
    let err = fails(env.casebook(&school.dsl).arg("restore").arg(&backup).arg("--into").arg(env.store()));
    assert!(err.contains("a casebook store already exists"), "{err}");
    let full = env.path("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("notes.txt"), "keep me").unwrap();
    let err = fails(env.casebook(&school.dsl).arg("restore").arg(&backup).arg("--into").arg(&full));
    assert!(err.contains("is not an empty directory"), "{err}");
    assert_eq!(std::fs::read_to_string(full.join("notes.txt")).unwrap(), "keep me");

    // An empty directory is fine, and the result opens for every role.
    let empty = env.path("empty");
    std::fs::create_dir(&empty).unwrap();
    ok(env.casebook(&school.dsl).arg("restore").arg(&backup).arg("--into").arg(&empty));
    let mut lead = session(&empty, &school.leadership);
    assert_eq!(lead.actions().unwrap().len(), 2);
    assert!(lead.dashboard(now()).unwrap().damaged.is_empty());
}

#[test]
fn through_serve_only_the_dsl_a_deputy_or_the_store_owner_takes_a_backup() {
    let f = fixture();
    let (env, school) = (&f.env, &f.school);
    let _server = Server::start(env, &[]);
    for who in [&school.leadership, &school.reporter] {
        let err = fails(env.casebook(who).arg("backup").arg("--out").arg(env.path("no.cbk")));
        assert!(err.contains("only the DSL or a deputy"), "{err}");
        assert!(!env.path("no.cbk").exists());
    }
    ok(env.casebook(&school.deputy).arg("backup").arg("--out").arg(env.path("deputy.cbk")));
    // The server notes a backup it has sent whole.
    assert!(ok(env.casebook(&school.leadership).arg("figures")).contains("Last good backup: "));
    // The account that owns the store (a nightly job) needs no key.
    let mut owner = std::process::Command::new(assert_cmd::cargo::cargo_bin("casebook"));
    owner
        .env_clear()
        .env("HOME", env.dir.path())
        .arg("--store")
        .arg(env.store())
        .arg("--identity")
        .arg(env.path("no-such.key"))
        .arg("backup")
        .arg("--out")
        .arg(env.path("owner.cbk"));
    ok(&mut owner);
    for b in ["deputy.cbk", "owner.cbk"] {
        let into = env.path(&format!("from-{b}"));
        ok(env.casebook(&school.dsl).arg("restore").arg(env.path(b)).arg("--into").arg(&into));
        assert_eq!(session(&into, &school.dsl).board().unwrap().rows.len(), 3);
    }
}

// ---- 4. rolling backups by the server -----------------------------------------

#[test]
fn serve_keeps_rolling_backups_and_the_dashboard_says_so() {
    let f = fixture();
    let (env, school) = (&f.env, &f.school);
    let dir = env.path("backups");
    std::fs::create_dir(&dir).unwrap();
    // Three older backups (two days old), and a file that is not one.
    let old_time = std::time::SystemTime::now() - std::time::Duration::from_secs(48 * 3600);
    for day in 1..=3 {
        let file = std::fs::File::create(dir.join(format!("casebook-2026-01-0{day}T020000.cbk"))).unwrap();
        file.set_modified(old_time).unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "not a backup").unwrap();
    assert!(ok(env.casebook(&school.dsl).arg("figures")).contains("NO BACKUP has been taken"));
    // A directory it cannot write to is said at once, in one line.
    let err = fails(env.casebook(&school.dsl).args(["serve", "--backup-dir"]).arg(dir.join("notes.txt")));
    assert!(err.contains("cannot keep backups in"), "{err}");

    // The newest is over a day old, so the server takes one as it starts.
    let _server = Server::start(env, &["--backup-dir", dir.to_str().unwrap(), "--keep", "2"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let dash = loop {
        let dash = ok(env.casebook(&school.leadership).arg("figures"));
        if dash.contains("Last good backup: ") {
            break dash;
        }
        assert!(std::time::Instant::now() < deadline, "no backup noted:\n{dash}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(dash.contains(" records, "), "{dash}");
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names.len(), 3, "the newest 2 backups and the other file: {names:?}");
    assert_eq!(names[0], "casebook-2026-01-03T020000.cbk", "{names:?}");
    assert!(names[1].starts_with("casebook-") && names[1] != names[0], "{names:?}");
    assert_eq!(names[2], "notes.txt");
    // It restores, and verifies with every record opened.
    let into = env.path("from-nightly");
    ok(env.casebook(&school.dsl).arg("restore").arg(dir.join(&names[1])).arg("--into").arg(&into));
    // Beside the served store, the restored one shares its default socket:
    // casebook refuses to let the server answer for it (found in review:
    // this very verify once checked the served store instead).
    let err = fails(env.casebook_at(&into, &school.dsl).arg("verify"));
    assert!(err.contains("serves the store at") && err.contains("from-nightly"), "{err}");
    let direct = ok(env.casebook_at(&into, &school.dsl).arg("--socket").arg(env.path("none.sock")).arg("verify"));
    assert!(direct.contains("no problems"), "{direct}");
}
