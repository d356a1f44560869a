//! `casebook salvage` (issue 11): records carved out of a damaged store's
//! sled files. A real store (the demo's concerns, debriefs, actions and
//! policy, through the store API) is closed, then damaged many times over:
//! random bytes flipped in `db`, or `db` cut short. Every record salvage
//! returns must open and be what was written (the newest revision, or an
//! earlier revision of the same record, never anything else); the test
//! prints how many of the acknowledged concerns came back.
//!
//! `CASEBOOK_SALVAGE_TRIALS=1000 cargo test --release --test salvage -- --nocapture`
//! runs a larger measurement.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use casebook::domain::{Action, CaseFile, Debrief, TrackedPolicy};
use casebook::store::salvage::{self, Recovered};
use casebook::store::{Store, codec, crypto, identity};
use common::*;
use rand::{Rng, SeedableRng};

const CONCERNS: usize = 300;
const TREES: [&str; 10] = [
    "settings",
    "members",
    "class_keys",
    "cases",
    "case_meta",
    "case_refs",
    "counters",
    "debriefs",
    "actions",
    "policies",
];

/// One store built once for every test here: building it is the slow part.
struct Template {
    _dir: tempfile::TempDir,
    store: PathBuf,
    key: PathBuf,
    identity: age::x25519::Identity,
    /// Every entry of every tree, as written and acknowledged.
    written: BTreeMap<(&'static str, Vec<u8>), Vec<u8>>,
}

fn template() -> &'static Template {
    static T: OnceLock<Template> = OnceLock::new();
    T.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let now = chrono::Local::now().naive_local();
        let (mut session, keys) = casebook::demo::create(&store).unwrap();
        casebook::demo::populate(&mut session, CONCERNS, now, 11).unwrap();
        casebook::demo::populate_oversight(&mut session, now).unwrap();
        drop(session);
        // The key beside the store, not in it: salvage reads the store's directory.
        let key = dir.path().join("dsl.key");
        std::fs::rename(&keys.dsl, &key).unwrap();
        std::fs::rename(keys.dir.join("leadership.txt"), dir.path().join("leadership.key")).unwrap();
        std::fs::remove_dir_all(&keys.dir).unwrap();
        let identity = identity::load(&key, &mut || None).unwrap();
        let mut written = BTreeMap::new();
        {
            let opened = Store::open(&store).unwrap();
            for tree in TREES {
                for (k, v) in opened.backend().scan(tree).unwrap() {
                    written.insert((tree, k), v);
                }
            }
        }
        Template { _dir: dir, store, key, identity, written }
    })
}

fn concerns(t: &Template) -> usize {
    t.written.keys().filter(|(tree, _)| *tree == "cases").count()
}

/// How a recovered record compares with what was written.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Byte for byte the newest version.
    Newest,
    /// An earlier revision of the same record (its chronology, history or
    /// reviews a beginning of the newest's).
    Earlier,
}

/// Panics on anything that is not what was written under that key.
fn judge(t: &Template, r: &Recovered) -> Verdict {
    let key = (r.tree, r.id.to_be_bytes().to_vec());
    let written = t.written.get(&key).unwrap_or_else(|| panic!("{} #{} ({}) was never written", r.tree, r.id, r.label));
    if &r.sealed == written {
        return Verdict::Newest;
    }
    let open = |sealed: &[u8]| crypto::open(sealed, &[&t.identity]).expect("a recovered record opens");
    let (got, newest) = (open(&r.sealed), open(written));
    let earlier = match r.tree {
        "cases" => {
            let (g, n): (CaseFile, CaseFile) =
                (codec::decode_any(&got).unwrap().0, codec::decode_any(&newest).unwrap().0);
            g.concern == n.concern && n.chronology.starts_with(&g.chronology) && n.triage.starts_with(&g.triage)
        }
        "actions" => {
            let (g, n): (Action, Action) = (codec::decode_any(&got).unwrap().0, codec::decode_any(&newest).unwrap().0);
            g.id == n.id && g.description == n.description && n.history.starts_with(&g.history)
        }
        "debriefs" => {
            let (g, n): (Debrief, Debrief) =
                (codec::decode_any(&got).unwrap().0, codec::decode_any(&newest).unwrap().0);
            g == n
        }
        _ => {
            let (g, n): (TrackedPolicy, TrackedPolicy) =
                (codec::decode_any(&got).unwrap().0, codec::decode_any(&newest).unwrap().0);
            g.id == n.id && n.reviews.starts_with(&g.reviews)
        }
    };
    assert!(earlier, "{} #{} ({}) at {} is not a revision of what was written", r.tree, r.id, r.label, r.place);
    Verdict::Earlier
}

/// Every clear entry salvage carved is what was written under that key
/// (members never change; a reference always names the same concern).
fn judge_clear(t: &Template, carved: &salvage::Carved) {
    for tree in ["members", "case_refs", "refusals"] {
        for (k, v) in carved.entries.get(tree).into_iter().flatten() {
            assert_eq!(t.written.get(&(tree, k.clone())), Some(v), "{tree} entry {k:?} is not what was written");
        }
    }
}

struct Trial {
    what: String,
    newest: usize,
    earlier: usize,
    /// Of the earlier ones, those salvage said were older than the newest
    /// revision it knew of.
    said: usize,
    carved: usize,
}

fn run_trial(t: &Template, seed: u64) -> Trial {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let work = tempfile::tempdir().unwrap();
    let damaged = work.path().join("damaged");
    copy_dir(&t.store, &damaged);
    let db = damaged.join("db");
    let mut bytes = std::fs::read(&db).unwrap();
    let what = if seed.is_multiple_of(2) {
        let flips = rng.gen_range(1..=16);
        for _ in 0..flips {
            let at = rng.gen_range(0..bytes.len());
            bytes[at] ^= rng.gen_range(1..=255u8);
        }
        format!("{flips} random bytes flipped")
    } else {
        let at = rng.gen_range(0..bytes.len());
        bytes.truncate(at);
        format!("cut at byte {at} of {}", std::fs::metadata(&db).unwrap().len())
    };
    std::fs::write(&db, &bytes).unwrap();
    let carved = salvage::carve(&damaged, &t.identity).unwrap_or_else(|e| panic!("trial {seed} ({what}): {e}"));
    judge_clear(t, &carved);
    let mut trial = Trial { what, newest: 0, earlier: 0, said: 0, carved: carved.report.carved() };
    for r in &carved.report.records {
        match (judge(t, r), r.tree) {
            (Verdict::Newest, "cases") => trial.newest += 1,
            (Verdict::Earlier, "cases") => {
                trial.earlier += 1;
                trial.said += usize::from(r.older.is_some());
            }
            _ => {}
        }
    }
    trial
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// The measurement: flipped bytes and cut files, many times over.
/// Never a damaged or foreign record; the figure goes in the README.
#[test]
fn salvage_returns_only_intact_records_from_randomly_damaged_files() {
    let t = template();
    let trials: u64 = std::env::var("CASEBOOK_SALVAGE_TRIALS").ok().and_then(|n| n.parse().ok()).unwrap_or(100);
    let total = concerns(t);
    // Per trial: the share of concerns back at their newest revision, and
    // back at any revision; flipped-byte trials and cut-file trials apart.
    let (mut flipped, mut flipped_any, mut cut, mut cut_any) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut earlier, mut said, mut carved) = (0, 0, 0);
    let started = std::time::Instant::now();
    for seed in 0..trials {
        let trial = run_trial(t, seed);
        let newest = trial.newest as f64 / total as f64;
        let any = (trial.newest + trial.earlier) as f64 / total as f64;
        if seed.is_multiple_of(2) {
            flipped.push(newest);
            flipped_any.push(any);
        } else {
            cut.push(newest);
            cut_any.push(any);
        }
        earlier += trial.earlier;
        said += trial.said;
        carved += trial.carved;
        if std::env::var_os("CASEBOOK_SALVAGE_VERBOSE").is_some() {
            eprintln!("trial {seed}: {}: {} newest, {} earlier of {total}", trial.what, trial.newest, trial.earlier);
        }
    }
    let min = |v: &[f64]| 100.0 * v.iter().copied().fold(1.0, f64::min);
    let med = |v: &[f64]| 100.0 * median(v.to_vec());
    eprintln!(
        "salvage over {trials} trials of a store of {total} concerns ({} s); share of the concerns recovered:\n  \
         1–16 random bytes flipped ({} trials): newest revision median {:.1}% (lowest {:.1}%), any revision median \
         {:.1}% (lowest {:.1}%)\n  \
         db cut at a random byte ({} trials): newest revision median {:.1}% (lowest {:.1}%), any revision median \
         {:.1}% (lowest {:.1}%)\n  \
         {earlier} concerns came back at an earlier revision ({said} of them named as older by salvage); {carved} \
         records were carved out of damaged messages; no record was damaged or wrong",
        started.elapsed().as_secs(),
        flipped.len(),
        med(&flipped),
        min(&flipped),
        med(&flipped_any),
        min(&flipped_any),
        cut.len(),
        med(&cut),
        min(&cut),
        med(&cut_any),
        min(&cut_any),
    );
    // Flipped bytes cost at most the few records around them.
    assert!(median(flipped) > 0.95, "too little recovered from flipped bytes");
    assert!(median(flipped_any) > 0.97, "too little recovered from flipped bytes");
}

/// An undamaged store: everything comes back, the new store passes verify,
/// and a dumped record opens with Debian's `age` (the stock-tool route).
#[test]
fn a_clean_store_is_salvaged_whole_and_passes_verify() {
    let t = template();
    let env = Env::new();
    let damaged = env.path("damaged");
    copy_dir(&t.store, &damaged);
    let out = ok(env
        .casebook(&t.key)
        .args(["salvage"])
        .arg(&damaged)
        .arg("--into")
        .arg(env.store())
        .arg("--dump")
        .arg(env.path("records")));
    assert!(!out.contains("Not recovered"), "{out}");
    assert!(out.contains(&format!("recovered 5 members, 3 class keys, {} concerns", concerns(t))), "{out}");
    // verify exits 1 on any problem.
    ok(env.casebook(&t.key).arg("verify"));

    // Every record, byte for byte.
    let carved = salvage::carve(&damaged, &t.identity).unwrap();
    assert!(carved.report.lost.is_empty(), "{:?}", carved.report.lost);
    let r = &carved.report;
    assert!(r.notes.is_empty() && r.unopened.is_empty(), "{:?} {:?}", r.notes, r.unopened);
    let newest = carved.report.records.iter().filter(|r| judge(t, r) == Verdict::Newest).count();
    let sealed =
        t.written.keys().filter(|(tree, _)| ["cases", "debriefs", "actions", "policies"].contains(tree)).count();
    assert_eq!(newest, sealed, "every sealed record at its newest");
    let salvaged = Store::open(&env.store()).unwrap();
    for tree in ["members", "cases", "debriefs", "actions", "policies", "case_refs", "counters"] {
        let now: BTreeMap<Vec<u8>, Vec<u8>> = salvaged.backend().scan(tree).unwrap().into_iter().collect();
        let was: BTreeMap<Vec<u8>, Vec<u8>> =
            t.written.iter().filter(|((t, _), _)| *t == tree).map(|((_, k), v)| (k.clone(), v.clone())).collect();
        assert_eq!(now, was, "{tree}");
    }
    drop(salvaged);

    // The stock-tool route: one dumped concern, opened with Debian's age.
    let dumped = env.path("records").join("concern-C-2026-0001.age");
    let dumped = if dumped.exists() {
        dumped
    } else {
        files_under(&env.path("records")).into_iter().find(|p| p.to_string_lossy().contains("concern-")).unwrap()
    };
    let plain = age_tool("age").arg("-d").arg("-i").arg(&t.key).arg(&dumped).output().unwrap();
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stderr));
    let reference = dumped
        .file_name()
        .unwrap()
        .to_string_lossy()
        .trim_start_matches("concern-")
        .trim_end_matches(".age")
        .to_string();
    assert!(String::from_utf8_lossy(&plain.stdout).contains(&reference), "the record names its reference");
}

#[test]
fn bad_input_gets_one_line_and_changes_nothing() {
    let t = template();
    let env = Env::new();
    let file = env.path("file");
    std::fs::write(&file, "x").unwrap();
    let run = |damaged: &Path, into: &Path, key: &Path| {
        fails(env.casebook(key).arg("salvage").arg(damaged).arg("--into").arg(into))
    };
    let into = env.path("new");
    let err = run(&file, &into, &t.key);
    assert!(err.contains("is not a directory"), "{err}");
    // Said before any key is read (no passphrase typed for nothing).
    let err = run(&file, &into, &env.path("no-such.key"));
    assert!(err.contains("is not a directory"), "{err}");
    let empty = env.path("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = run(&empty, &into, &t.key);
    assert!(err.contains("holds no sled `db` file"), "{err}");
    let full = env.path("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("keep"), "mine").unwrap();
    let err = run(&t.store, &full, &t.key);
    assert!(err.contains("already exists and is not an empty directory"), "{err}");
    assert_eq!(std::fs::read_to_string(full.join("keep")).unwrap(), "mine");
    // Leadership's key opens no concern: salvage could not tell a damaged one.
    let leadership = t.store.parent().unwrap().join("leadership.key");
    let err = run(&t.store, &into, &leadership);
    assert!(err.contains("needs the DSL's or a deputy's key"), "{err}");
    let (stranger, _) = env.key("stranger");
    let err = run(&t.store, &into, &stranger);
    assert!(err.contains("no member record for this key"), "{err}");
    assert!(!into.exists(), "nothing is made for a refused salvage");
    // A file of random bytes named db: nothing in it, and no panic.
    let noise = env.path("noise");
    std::fs::create_dir(&noise).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    std::fs::write(noise.join("db"), (0..2_000_000).map(|_| rng.r#gen::<u8>()).collect::<Vec<u8>>()).unwrap();
    let err = run(&noise, &into, &t.key);
    assert!(err.contains("no member record for this key"), "{err}");
}

/// Records over a quarter of a sled segment go to `blobs/`, one file each:
/// salvage reads them there, and a damaged blob costs only its own records.
#[test]
fn records_in_sled_blob_files_are_salvaged_and_a_damaged_blob_costs_only_itself() {
    let env = Env::new();
    let school = env.school();
    let dsl = identity::load(&school.dsl, &mut || None).unwrap();
    // 60 KiB descriptions: a leaf of a few of them is over 128 KiB.
    let mut references = Vec::new();
    for i in 0..12 {
        let description = format!("Blob test concern {i}. ") + &"Seen near the gate at lunchtime. ".repeat(1900);
        references.push(add_concern(&env, &school.dsl, &format!("child:Pupil Fictional {i}:Year 5"), &description));
    }
    let blobs = files_under(&env.store().join("blobs"));
    assert!(!blobs.is_empty(), "sled wrote no blob: the test does not test what it says");
    let written: BTreeMap<Vec<u8>, Vec<u8>> =
        Store::open(&env.store()).unwrap().backend().scan("cases").unwrap().into_iter().collect();

    let carved = salvage::carve(&env.store(), &dsl).unwrap();
    assert!(carved.report.blobs > 0);
    assert!(
        carved.report.records.iter().any(|r| matches!(r.place, salvage::Place::Blob(_))),
        "the newest copies are read from blobs/"
    );
    let got: BTreeMap<Vec<u8>, Vec<u8>> = carved.entries["cases"].clone();
    assert_eq!(got, written, "every concern, byte for byte, read through its blob");

    // One blob damaged: whatever comes back is still what was written.
    let work = tempfile::tempdir().unwrap();
    let damaged = work.path().join("damaged");
    copy_dir(&env.store(), &damaged);
    let newest = files_under(&damaged.join("blobs"))
        .into_iter()
        .max_by_key(|p| p.file_name().unwrap().to_string_lossy().parse::<u64>().unwrap_or(0))
        .unwrap();
    let mut bytes = std::fs::read(&newest).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(&newest, &bytes).unwrap();
    let carved = salvage::carve(&damaged, &dsl).unwrap();
    assert_eq!(carved.report.damaged_blobs.len(), 1, "{:?}", carved.report.damaged_blobs);
    // Concerns only: the DSL's concerns also added their subjects to people (issue 12).
    for r in carved.report.records.iter().filter(|r| r.tree == "cases") {
        let sealed = &written[&r.id.to_be_bytes().to_vec()];
        let open = |s: &[u8]| -> CaseFile { codec::decode_any(&crypto::open(s, &[&dsl]).unwrap()).unwrap().0 };
        assert_eq!(open(&r.sealed).concern, open(sealed).concern, "#{} is the concern written under its key", r.id);
    }
    let concerns = carved.report.records.iter().filter(|r| r.tree == "cases").count();
    assert!(concerns + 1 >= references.len(), "one damaged blob costs at most a record or so");
}

/// Issue 13: salvage recovers files (kept under their concern's id and
/// number, which it did not recover before), and a restricted allegation's
/// device, search and file come back sealed to its readers with their
/// clear markers (P5-g): the DSL reads them, and a deputy's `verify` passes
/// (a missing marker would have them taken for damaged Case records).
#[test]
fn files_and_a_restricted_allegations_records_are_salvaged() {
    let env = Env::new();
    let school = env.school();
    let plain = add_concern(&env, &school.dsl, "child:Pupil Fictional Rook", "Phone used in the toilets.");
    for (name, text) in [("form.txt", "Signed confiscation form."), ("log.txt", "Exported message log.")] {
        let file = env.path(name);
        std::fs::write(&file, text).unwrap();
        ok(env.casebook(&school.deputy).args(["attachment", "add", &plain]).arg(&file));
    }
    let allegation = concern_of(&env, &school.dsl, "staff-illegal", "staff:Mr Fictional Tutor:teacher", "classroom");
    let statement = env.path("statement.txt");
    std::fs::write(&statement, "Heron statement.").unwrap();
    ok(env.casebook(&school.deputy).args(["attachment", "add", &allegation]).arg(&statement));
    ok(env.casebook(&school.deputy).args([
        "custody",
        "add",
        &allegation,
        "--device",
        "mobile-phone",
        "--description",
        "heron phone",
        "--owner",
        "Mr Fictional Tutor",
        "--reason",
        "Allegation.",
    ]));
    ok(env.casebook(&school.deputy).args([
        "search",
        "add",
        &allegation,
        "--custody",
        "DV-0001",
        "--authorised-by",
        "Mrs Fictional Head",
        "--witnessed-by",
        "Mr Fictional Witness",
        "--grounds",
        "Messages.",
        "--looked-for",
        "Messages.",
        "--found",
        "Heron messages.",
    ]));
    ok(env.casebook(&school.dsl).args(["restrict", &allegation]));

    let into = env.path("salvaged");
    let said = ok(env.casebook(&school.dsl).arg("salvage").arg(env.store()).arg("--into").arg(&into));
    assert!(!said.contains("Not recovered"), "{said}");
    let files = ok(env.casebook_at(&into, &school.dsl).args(["attachment", "list", &plain]));
    assert!(files.contains("form.txt") && files.contains("log.txt"), "{files}");
    let out = env.path("log.age");
    ok(env.casebook_at(&into, &school.deputy).args(["attachment", "export", &plain, "2", "--out"]).arg(&out));
    let opened = age_tool("age").args(["-d", "-i"]).arg(&school.deputy).arg(&out).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&opened.stdout), "Exported message log.");

    let files = ok(env.casebook_at(&into, &school.dsl).args(["attachment", "list", &allegation]));
    assert!(files.contains("statement.txt"), "{files}");
    assert!(ok(env.casebook_at(&into, &school.dsl).args(["custody", "show", "DV-0001"])).contains("heron phone"));
    let searches = ok(env.casebook_at(&into, &school.dsl).args(["search", "list", &allegation]));
    assert!(searches.contains("Heron messages"), "{searches}");
    ok(env.casebook_at(&into, &school.dsl).arg("verify"));
    ok(env.casebook_at(&into, &school.deputy).arg("verify"));
    let err = fails(env.casebook_at(&into, &school.deputy).args(["custody", "show", "DV-0001"]));
    assert!(err.contains("restricted") && !err.contains("heron"), "{err}");
    let db = raw_db(&into);
    let markers: Vec<Vec<u8>> = db.open_tree("restricted").unwrap().iter().map(|kv| kv.unwrap().0.to_vec()).collect();
    for prefix in [&b"custody-"[..], b"search-", b"attachment-"] {
        assert_eq!(markers.iter().filter(|k| k.starts_with(prefix)).count(), 1, "{prefix:?}");
    }
}
