//! Shared helpers for the integration tests: a real binary, a real sled
//! store in a temp dir, real keys (Debian's age-keygen where the test is
//! about interoperability).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use casebook::store::{Session, Store, identity};

use assert_cmd::cargo::CommandCargoExt;

pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        Env { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The real binary, with no inherited casebook settings and a home of
    /// its own so defaults never touch the developer's data.
    pub fn casebook(&self, identity: &Path) -> Command {
        let mut cmd = Command::cargo_bin("casebook").expect("binary built");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .arg("--store")
            .arg(self.store())
            .arg("--identity")
            .arg(identity);
        cmd
    }

    /// The real binary on another store than this env's (a restored or
    /// salvaged one, one on a small disk).
    pub fn casebook_at(&self, store: &Path, identity: &Path) -> Command {
        let mut cmd = Command::cargo_bin("casebook").expect("binary built");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .arg("--store")
            .arg(store)
            .arg("--identity")
            .arg(identity);
        cmd
    }

    /// A fresh key written with casebook's own writer (age-keygen format).
    pub fn key(&self, name: &str) -> (PathBuf, String) {
        let id = age::x25519::Identity::generate();
        let path = self.path(&format!("{name}.key"));
        casebook::store::identity::write(&path, &id, None).expect("write key");
        (path, id.to_public().to_string())
    }

    /// A store with a DSL, a deputy, leadership and a reporter.
    pub fn school(&self) -> School {
        let (dsl, dsl_r) = self.key("dsl");
        ok(self.casebook(&dsl).args([
            "init",
            "--school",
            "Testford Primary",
            "--dsl-name",
            "Ms Dee Ess-Ell",
            "--recipient",
            &dsl_r,
        ]));
        let add = |name: &str, role: &str, file: &str| {
            let (path, r) = self.key(file);
            ok(self.casebook(&dsl).args(["member", "add", "--name", name, "--role", role, "--recipient", &r]));
            path
        };
        let deputy = add("Mr Deputy Dunn", "deputy", "deputy");
        let leadership = add("Dr Lead Ership", "leadership", "leadership");
        let reporter = add("Miss Rep Orter", "reporter", "reporter");
        School { dsl, deputy, leadership, reporter }
    }
}

pub struct School {
    pub dsl: PathBuf,
    pub deputy: PathBuf,
    pub leadership: PathBuf,
    pub reporter: PathBuf,
}

pub fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Runs and insists on success; returns stdout.
pub fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run casebook");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "command failed: {cmd:?}\nstdout: {stdout}\nstderr: {stderr}");
    stdout
}

/// Runs and insists on failure with exactly one line on stderr; returns it.
pub fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run casebook");
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "command should have failed: {cmd:?}\nstdout: {stdout}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line on stderr, got: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr.trim_end().to_string()
}

/// Records a concern through the CLI; returns its reference.
/// The arguments of `casebook concern add` for a concern about `subject`
/// (a test that expects it to be refused runs them itself).
pub fn concern_args(subject: &str, description: &str) -> Vec<String> {
    [
        "concern",
        "add",
        "--subject",
        subject,
        "--category",
        "restricted-area",
        "--location",
        "toilets",
        "--device",
        "mobile-phone",
        "--description",
        description,
        "--action",
        "Phone taken to the office.",
        "--occurred",
        "2026-03-10 10:15",
    ]
    .map(String::from)
    .to_vec()
}

pub fn add_concern(env: &Env, identity: &Path, subject: &str, description: &str) -> String {
    recorded_reference(&ok(env.casebook(identity).args(concern_args(subject, description))))
}

/// sled's own files of a store, once the session that held them has let go
/// (its flusher thread may hold the lock a moment longer).
pub fn raw_db(store: &Path) -> sled::Db {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match sled::open(store) {
            Ok(db) => return db,
            Err(e) if Instant::now() > deadline => panic!("open raw sled: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Records a concern of `category` about `subject` at `location`, now (so
/// its deadlines run from today); returns its reference (issue 13's tests).
pub fn concern_of(env: &Env, who: &Path, category: &str, subject: &str, location: &str) -> String {
    let out = ok(env.casebook(who).args([
        "concern",
        "add",
        "--subject",
        subject,
        "--category",
        category,
        "--location",
        location,
        "--device",
        "mobile-phone",
        "--description",
        "Fictional test concern.",
        "--action",
        "Device taken to the office.",
    ]));
    recorded_reference(&out)
}

/// The reference `concern add` printed: its last line ("Recorded
/// C-2026-0001."); a line before it may say a person was added (issue 12).
pub fn recorded_reference(out: &str) -> String {
    out.trim().lines().last().unwrap_or_default().trim_start_matches("Recorded ").trim_end_matches('.').to_string()
}

/// Debian's age tools, which CI installs (tests/run.sh). A missing tool is a
/// failure, not a skip: the interoperability promise must be checked.
pub fn age_tool(name: &str) -> Command {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(found, "Debian's `{name}` is not installed: run ./tests/run.sh, which installs it");
    Command::new(name)
}

/// Every file under a directory, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let p = entry.expect("entry").path();
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out
}

/// Scans every file under `dir` for each planted phrase, case-insensitively,
/// and fails naming the file if one is found in clear. Returns the bytes
/// scanned, so a caller can check the scan really read the store.
pub fn assert_no_plaintext(dir: &Path, planted: &[&str]) -> usize {
    let files = files_under(dir);
    assert!(files.len() >= 2, "sled wrote files: {files:?}");
    let mut scanned = 0;
    for file in files {
        let lower = std::fs::read(&file).expect("read store file").to_ascii_lowercase();
        scanned += lower.len();
        for p in planted {
            let needle = p.to_ascii_lowercase();
            assert!(
                !lower.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{p:?} found in clear in {}",
                file.display()
            );
        }
    }
    assert!(scanned > 1000, "scanned only {scanned} bytes");
    scanned
}

/// `casebook serve` on the test's store, as its own process, killed when
/// the test ends.
pub struct Server {
    pub child: Child,
    pub socket: PathBuf,
}

impl Server {
    pub fn start(env: &Env) -> Server {
        Server::start_with(env, &[])
    }

    /// With more `serve` options, e.g. `--notify-command`.
    pub fn start_with(env: &Env, options: &[&str]) -> Server {
        let socket = env.path("casebook.sock");
        let child = Command::cargo_bin("casebook")
            .unwrap()
            .env_clear()
            .env("HOME", env.dir.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .arg("--store")
            .arg(env.store())
            .arg("serve")
            .args(options)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start casebook serve");
        let server = Server { child, socket };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !casebook::server::listening(&server.socket) {
            assert!(Instant::now() < deadline, "casebook serve did not start listening");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Sends SIGTERM and waits (bounded) for the server to exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let status = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                return exit;
            }
            assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn session(&self, key: &Path) -> Session {
        let id = identity::load(key, &mut || None).unwrap();
        Store::connect(&self.socket).unwrap().unlock(id).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Copies a directory tree (a store put back to an old copy, a salvage
/// template).
pub fn copy_dir(from: &Path, to: &Path) {
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
