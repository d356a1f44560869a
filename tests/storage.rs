//! Issue 11: a full disk and a read-only disk each give one clear message
//! and lose nothing acknowledged. Uses a small tmpfs where the machine lets
//! the test mount one (root, as in CI); says so and skips where it does not.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A size-limited tmpfs, unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
    _parent: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("disk");
        std::fs::create_dir(&dir).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output()
            .is_ok_and(|o| o.status.success());
        if !mounted {
            eprintln!("storage tests skipped: this machine does not let the test mount a small tmpfs (needs root)");
            return None;
        }
        Some(SmallDisk { dir, _parent: parent })
    }

    fn remount(&self, options: &str) {
        let ok = Command::new("mount").args(["-o", &format!("remount,{options}")]).arg(&self.dir).status().unwrap();
        assert!(ok.success(), "remount {options}");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
    }
}

fn add(env: &Env, store: &Path, key: &Path, n: usize) -> std::process::Output {
    let subject = format!("child:Pupil Number{n} Kestrel:Year 5");
    env.casebook_at(store, key)
        .args(concern_args(&subject, &"A long account of the morning. ".repeat(100)))
        .output()
        .unwrap()
}

fn listed(env: &Env, store: &Path, key: &Path) -> usize {
    ok(env.casebook_at(store, key).arg("list")).lines().filter(|l| l.starts_with("C-")).count()
}

#[test]
fn a_full_disk_and_a_read_only_disk_are_said_plainly_and_lose_nothing() {
    let Some(disk) = SmallDisk::mount("1m") else { return };
    let env = Env::new();
    let store = disk.dir.join("store");
    let (dsl, dsl_r) = env.key("dsl");
    ok(env.casebook_at(&store, &dsl).args([
        "init",
        "--school",
        "Tmpfs Primary",
        "--dsl-name",
        "Ms Full",
        "--recipient",
        &dsl_r,
    ]));
    // Record until the disk is full: every acknowledged concern is kept.
    let mut acknowledged = 0;
    let mut refusal = None;
    for n in 1..=400 {
        let out = add(&env, &store, &dsl, n);
        if out.status.success() {
            acknowledged += 1;
        } else {
            refusal = Some(text(&out).1);
            break;
        }
    }
    let refusal = refusal.expect("a 1 MiB disk fills up within 400 concerns");
    assert!(acknowledged > 0, "{refusal}");
    assert_eq!(refusal.trim_end().lines().count(), 1, "{refusal}");
    assert!(!refusal.contains("panicked"), "{refusal}");
    assert!(refusal.contains("the disk holding the store is full"), "{refusal}");
    assert!(refusal.contains("what was saved before is kept"), "{refusal}");

    // More room: everything acknowledged is there and the store verifies.
    disk.remount("size=4m");
    assert_eq!(listed(&env, &store, &dsl), acknowledged);
    ok(env.casebook_at(&store, &dsl).arg("verify"));
    assert!(add(&env, &store, &dsl, 999).status.success());

    // A disk that turned read-only: one line, and nothing lost.
    disk.remount("ro");
    let err = fails(env.casebook_at(&store, &dsl).arg("list"));
    assert!(err.contains("the store is on a disk that is read-only now"), "{err}");
    disk.remount("rw");
    assert_eq!(listed(&env, &store, &dsl), acknowledged + 1);
}

/// An fsync that fails after the first `FAILSYNC_AFTER` calls, preloaded
/// into casebook (built here with the C compiler Rust links with).
fn failing_fsync_library(dir: &Path) -> Option<PathBuf> {
    let source = dir.join("failsync.c");
    std::fs::write(
        &source,
        r#"#include <errno.h>
#include <stdlib.h>
static int calls = 0;
static int failing(void) {
    const char *after = getenv("FAILSYNC_AFTER");
    calls++;
    return after && calls > atoi(after);
}
int fsync(int fd) { (void)fd; if (failing()) { errno = EIO; return -1; } return 0; }
int fdatasync(int fd) { (void)fd; if (failing()) { errno = EIO; return -1; } return 0; }
"#,
    )
    .unwrap();
    let library = dir.join("failsync.so");
    let built = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&library)
        .arg(&source)
        .output()
        .is_ok_and(|o| o.status.success());
    if !built {
        eprintln!("the failing-fsync test skipped: no C compiler to build its preload library");
        return None;
    }
    Some(library)
}

#[test]
fn a_failing_fsync_is_one_line_and_loses_nothing_acknowledged() {
    let env = Env::new();
    let Some(library) = failing_fsync_library(env.dir.path()) else { return };
    let school = env.school();
    // Where the loader ignores LD_PRELOAD, there is nothing to test.
    let probe = env.casebook(&school.dsl).env("LD_PRELOAD", &library).env("FAILSYNC_AFTER", "0").arg("list").output();
    if probe.is_ok_and(|o| o.status.success()) {
        eprintln!("the failing-fsync test skipped: LD_PRELOAD has no effect on this machine");
        return;
    }
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    // The disk fails the n-th fsync from the start: while opening, while
    // writing, or while closing the store.
    for n in 0..14 {
        let out = env
            .casebook(&school.dsl)
            .env("LD_PRELOAD", &library)
            .env("FAILSYNC_AFTER", n.to_string())
            .args(concern_args(&format!("child:Pupil Number{n} Kestrel:Year 5"), "Phone seen."))
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "n={n}: {stderr}");
        if let Some(reference) = stdout.strip_prefix("Recorded ").map(|r| r.trim().trim_end_matches('.').to_string()) {
            acknowledged.push(reference);
        }
        if !out.status.success() {
            refused += 1;
            assert_eq!(stderr.trim_end().lines().count(), 1, "n={n}: {stderr}");
        }
    }
    assert!(refused > 0, "the failing fsync was never met");
    // Without the failing disk: every acknowledged concern is there.
    let list = ok(env.casebook(&school.dsl).arg("list"));
    for reference in &acknowledged {
        assert!(list.contains(reference.as_str()), "{reference} was acknowledged and is lost:\n{list}");
    }
    ok(env.casebook(&school.dsl).arg("verify"));
}
