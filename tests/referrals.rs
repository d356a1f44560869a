//! Issue 13: the school's term dates (S-b), referrals and contacts with
//! their deadlines (P5-g, P6-b, P9-b, P9-g, S-b) and the Today list, over
//! the real binary and a real temp store.

mod common;
use common::*;

use std::path::Path;

/// The store's sled files opened directly (as Debian's `age` would be
/// given them). sled lets go of its lock a moment after the last handle
/// drops: wait for it.
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

fn raw_get(store: &Path, tree: &str, key: &[u8]) -> Option<Vec<u8>> {
    let db = open_raw(store);
    db.open_tree(tree).unwrap().get(key).unwrap().map(|v| v.to_vec())
}

/// Whether Debian's `age` opens `sealed` with `key`, and what it gives.
fn age_opens(env: &Env, sealed: &[u8], key: &Path) -> Option<String> {
    let file = env.path("record.age");
    std::fs::write(&file, sealed).unwrap();
    let out = age_tool("age").args(["-d", "-i"]).arg(key).arg(&file).output().unwrap();
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

const TERM_DATES: &str = "\
# Testford Primary (fictional), 2026-27
2026-10-26..2026-10-30 October half term
2026-12-21..2027-01-01 Christmas holiday
2027-01-04 INSET day
";

#[test]
fn the_dsl_sets_term_dates_and_a_wrong_line_is_named() {
    let env = Env::new();
    let school = env.school();
    let said = ok(env.casebook(&school.deputy).args(["term-dates", "show"]));
    assert!(said.contains("No term dates are set: deadlines count weekends only"), "{said}");

    let file = env.path("terms.txt");
    std::fs::write(&file, TERM_DATES).unwrap();
    let said = ok(env.casebook(&school.dsl).args(["term-dates", "set"]).arg(&file));
    assert!(said.contains("3 closures besides weekends"), "{said}");
    // Deputies count deadlines with them too; the file comes back as written.
    let shown = ok(env.casebook(&school.deputy).args(["term-dates", "show"]));
    assert_eq!(shown, TERM_DATES);

    // A wrong line: named, and the dates in use stay as they were.
    std::fs::write(&file, "2027-01-04 INSET day\n2027-02-30 Not a day\n").unwrap();
    let err = fails(env.casebook(&school.dsl).args(["term-dates", "set"]).arg(&file));
    assert!(err.contains("term dates, line 2: \"2027-02-30\" is not a date"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(ok(env.casebook(&school.dsl).args(["term-dates", "show"])), TERM_DATES);

    // Only the DSL sets them; leadership and reporters do not read them.
    std::fs::write(&file, TERM_DATES).unwrap();
    let err = fails(env.casebook(&school.deputy).args(["term-dates", "set"]).arg(&file));
    assert!(err.contains("cannot set the term dates"), "{err}");
    for who in [&school.leadership, &school.reporter] {
        let err = fails(env.casebook(who).args(["term-dates", "show"]));
        assert!(err.contains("cannot read the term dates"), "{err}");
    }
    ok(env.casebook(&school.dsl).arg("verify"));
}

#[test]
fn the_term_dates_are_sealed_to_the_case_class_and_rotate_when_a_deputy_leaves() {
    let env = Env::new();
    let school = env.school();
    let file = env.path("terms.txt");
    std::fs::write(&file, TERM_DATES).unwrap();
    ok(env.casebook(&school.dsl).args(["term-dates", "set"]).arg(&file));
    let sealed = raw_get(&env.store(), "settings", b"term-dates").expect("kept in settings");
    assert!(!sealed.windows(9).any(|w| w == b"INSET day"), "sealed, not in clear");
    // Debian's age opens it with the DSL's and the deputy's own keys, and
    // not with leadership's or a reporter's.
    assert!(age_opens(&env, &sealed, &school.dsl).is_some_and(|t| t.contains("INSET day")));
    assert!(age_opens(&env, &sealed, &school.deputy).is_some());
    assert!(age_opens(&env, &sealed, &school.leadership).is_none());
    assert!(age_opens(&env, &sealed, &school.reporter).is_none());

    // The deputy (member #2) leaves: the term dates are sealed again
    // without them.
    ok(env.casebook(&school.dsl).args(["member", "remove", "2"]));
    let sealed = raw_get(&env.store(), "settings", b"term-dates").unwrap();
    assert!(age_opens(&env, &sealed, &school.deputy).is_none(), "the departed deputy's key opens them");
    assert!(age_opens(&env, &sealed, &school.dsl).is_some());
    assert_eq!(ok(env.casebook(&school.dsl).args(["term-dates", "show"])), TERM_DATES);
    ok(env.casebook(&school.dsl).arg("verify"));
}
