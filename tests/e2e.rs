//! End to end: the real `casebook` binary in a real pseudo-terminal (tmux),
//! typed at like a person would, then the store checked from the CLI.

mod common;
use common::*;

use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of our own (its own socket), killed when the test ends.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(command: &str, width: u16, height: u16) -> Tmux {
        let found = Command::new("sh").args(["-c", "command -v tmux"]).output().is_ok_and(|o| o.status.success());
        assert!(found, "tmux is not installed: run ./tests/run.sh, which installs it");
        // Unique per session: tests run in parallel in one process.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = format!("casebook-e2e-{}-{}-{n}", std::process::id(), width);
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .arg(command)
            .status()
            .unwrap();
        assert!(status.success());
        Tmux { socket }
    }

    fn keys(&self, keys: &[&str]) {
        let status =
            Command::new("tmux").args(["-L", &self.socket, "send-keys", "-t", "t"]).args(keys).status().unwrap();
        assert!(status.success());
        std::thread::sleep(Duration::from_millis(60));
    }

    fn type_text(&self, text: &str) {
        let status =
            Command::new("tmux").args(["-L", &self.socket, "send-keys", "-t", "t", "-l", text]).status().unwrap();
        assert!(status.success());
        std::thread::sleep(Duration::from_millis(60));
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["-L", &self.socket, "capture-pane", "-p", "-t", "t"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits (bounded) until the screen shows `text`.
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {text:?}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A tmux format for the pane, e.g. `#{alternate_on}`.
    fn pane(&self, format: &str) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "display-message", "-p", "-t", "t", format])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn alive(&self) -> bool {
        Command::new("tmux").args(["-L", &self.socket, "has-session", "-t", "t"]).status().is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
    }
}

fn launch(env: &Env, key: &std::path::Path, extra: &str) -> Tmux {
    let bin = assert_cmd::cargo::cargo_bin("casebook");
    let command = format!(
        "env NO_COLOR=1 HOME={} {} --store {} --identity {} {extra}; sleep 30",
        env.dir.path().display(),
        bin.display(),
        env.store().display(),
        key.display()
    );
    Tmux::start(&command, 100, 30)
}

#[test]
fn type_a_concern_through_the_form_quit_and_find_it_from_the_cli() {
    let env = Env::new();
    let school = env.school();
    let tmux = launch(&env, &school.dsl, "");
    tmux.wait_for("No concerns recorded yet");
    tmux.keys(&["n"]);
    tmux.wait_for("New concern");
    tmux.keys(&["Tab"]);
    tmux.type_text("Pupil Tmuxley");
    tmux.keys(&["Tab"]);
    tmux.type_text("Year 4");
    // Past "Their part" (issue 12) and "Others".
    tmux.keys(&["Tab", "Tab", "Tab"]);
    // Category: the first letter jumps; "d" is "Device used in a restricted area".
    tmux.keys(&["d"]);
    tmux.wait_for("Device used in a restricted area");
    tmux.keys(&["Tab", "t"]);
    tmux.wait_for("Toilets (restricted)");
    tmux.keys(&["Tab", "Space", "Tab", "Tab", "Tab", "Tab"]);
    tmux.type_text("Seen filming over the cubicle wall at break.");
    tmux.keys(&["Tab"]);
    tmux.type_text("Phone taken to the office.");
    tmux.keys(&["C-s"]);
    let board = tmux.wait_for("Recorded C-");
    assert!(board.contains("Pupil Tmuxley"), "{board}");
    tmux.keys(&["q"]);
    let start = Instant::now();
    while tmux.screen().contains("Triage board") {
        assert!(start.elapsed() < Duration::from_secs(10), "q did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(tmux.alive());

    let shown =
        ok(env.casebook(&school.deputy).args(["show", &format!("C-{}-0001", chrono::Local::now().format("%Y"))]));
    for expected in [
        "Pupil Tmuxley (child, Year 4)",
        "Toilets (restricted area, P3-a)",
        "Mobile phone",
        "Seen filming over the cubicle wall",
        "Phone taken to the office.",
    ] {
        assert!(shown.contains(expected), "{expected:?} missing:\n{shown}");
    }
}

#[test]
fn terminal_is_restored_and_a_too_small_terminal_is_told() {
    let env = Env::new();
    let school = env.school();
    let bin = assert_cmd::cargo::cargo_bin("casebook");
    let command = format!(
        "env NO_COLOR=1 HOME={} {} --store {} --identity {}; echo EXITED=$?; sleep 30",
        env.dir.path().display(),
        bin.display(),
        env.store().display(),
        school.dsl.display()
    );
    let tmux = Tmux::start(&command, 50, 12);
    tmux.wait_for("too small");
    tmux.keys(&["q"]);
    let after = tmux.wait_for("EXITED=0");
    // Back on the normal screen: the app's alternate screen is gone.
    assert!(!after.contains("too small"), "{after}");
}

#[test]
fn passphrase_identity_prompts_without_echo_and_refuses_a_wrong_one() {
    let env = Env::new();
    let bin = assert_cmd::cargo::cargo_bin("casebook");
    let key = env.path("dsl.age");
    let base = format!(
        "env HOME={} {} --store {} --identity {}",
        env.dir.path().display(),
        bin.display(),
        env.store().display(),
        key.display()
    );
    let command = format!(
        "{base} init --school 'Passford Primary' --dsl-name 'Ms Pass' --new-identity {key}; echo INIT=$?; \
         {base} list; echo WRONG=$?; {base} list; echo RIGHT=$?; sleep 30",
        key = key.display()
    );
    let tmux = Tmux::start(&command, 120, 30);
    tmux.wait_for("New passphrase for");
    tmux.type_text("a long staff room passphrase");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Repeat the passphrase");
    tmux.type_text("a long staff room passphrase");
    tmux.keys(&["Enter"]);
    tmux.wait_for("INIT=0");
    tmux.wait_for("Passphrase for");
    tmux.type_text("not the passphrase");
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("WRONG=1");
    assert!(s.contains("casebook: wrong passphrase for"), "{s}");
    // Type only once the next prompt has turned echo off; under load the
    // shell can take a moment to start it.
    let start = Instant::now();
    while !tmux.screen().split("WRONG=1").nth(1).is_some_and(|after| after.contains("Passphrase for")) {
        assert!(start.elapsed() < Duration::from_secs(30), "no second prompt:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux.type_text("a long staff room passphrase");
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("RIGHT=0");
    assert!(s.contains("(no concerns)"), "{s}");
    assert!(!s.contains("staff room passphrase"), "the passphrase is never echoed:\n{s}");
    // The identity file is an ordinary passphrase-protected age file.
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"), "{text}");
}

/// Runs casebook in tmux from a script that records its pid, then shows
/// the terminal's modes when it has exited.
fn launch_recording_pid(env: &Env, key: &std::path::Path) -> (Tmux, std::path::PathBuf) {
    let bin = assert_cmd::cargo::cargo_bin("casebook");
    let pid = env.path("casebook.pid");
    let _ = std::fs::remove_file(&pid);
    let script = env.path("run.sh");
    std::fs::write(
        &script,
        format!(
            "echo $$ > {pid}\nexec env NO_COLOR=1 HOME={home} XDG_CONFIG_HOME={home}/.config {bin} --store {store} --identity {key}\n",
            pid = pid.display(),
            home = env.dir.path().display(),
            bin = bin.display(),
            store = env.store().display(),
            key = key.display()
        ),
    )
    .unwrap();
    let command = format!(
        "sh {}; echo EXITED=$?; echo \"STTY: $(stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(echo|icanon)$' | tr '\\n' ' ')\"; sleep 30",
        script.display()
    );
    (Tmux::start(&command, 100, 30), pid)
}

fn read_pid(path: &std::path::Path) -> String {
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.trim().is_empty()
        {
            return text.trim().to_string();
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no pid file");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigterm_sighup_and_sigint_restore_the_terminal_and_clear_the_screen() {
    let env = Env::new();
    let school = env.school();
    ok(env.casebook(&school.dsl).args([
        "concern",
        "add",
        "--subject",
        "child:Pupil Signalton:Year 3",
        "--category",
        "restricted-area",
        "--location",
        "toilets",
        "--description",
        "Seen with a phone in the toilets.",
    ]));
    for signal in ["TERM", "HUP", "INT"] {
        let (tmux, pid) = launch_recording_pid(&env, &school.dsl);
        tmux.wait_for("Pupil Signalton");
        // Typing in an open form is lost only through the signal, and said.
        tmux.keys(&["n"]);
        tmux.wait_for("New concern");
        tmux.keys(&["Tab"]);
        tmux.type_text("Half Typed");
        tmux.wait_for("Half Typed");
        let status = Command::new("kill").args([&format!("-{signal}"), &read_pid(&pid)]).status().unwrap();
        assert!(status.success());
        let after = tmux.wait_for("STTY:");
        assert!(after.contains("EXITED=1"), "{signal}: {after}");
        assert!(after.contains(&format!("stopped by SIG{signal}")), "{signal}: {after}");
        assert!(after.contains("the open form was not saved"), "{signal}: {after}");
        // The terminal is cooked again: echo and line editing on.
        let stty = after.lines().find(|l| l.starts_with("STTY:")).unwrap();
        assert!(stty.contains(" icanon") && stty.contains(" echo") && !stty.contains("-echo"), "{signal}: {stty}");
        // No case text left on screen, back on the normal screen, cursor shown.
        assert!(!after.contains("Pupil Signalton") && !after.contains("Half Typed"), "{signal}: {after}");
        assert_eq!(tmux.pane("#{alternate_on} #{cursor_flag}"), "0 1", "{signal}");
    }
}

#[test]
fn a_bad_key_file_opens_with_the_default_keys_and_a_warning() {
    let env = Env::new();
    let school = env.school();
    let config = env.dir.path().join(".config/casebook");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("keys.toml"), "[board]\nquit = [\"Hyper-q\"]\n").unwrap();
    let (tmux, _) = launch_recording_pid(&env, &school.dsl);
    let s = tmux.wait_for("No concerns recorded yet");
    assert!(s.contains("keys.toml not used (\"Hyper-q\" is not a known key); default keys in use"), "{s}");
    // The default q quits.
    tmux.keys(&["q"]);
    let after = tmux.wait_for("EXITED=0");
    assert!(!after.contains("No concerns recorded yet"), "{after}");
}

/// Issue 8 item 15: the README's passphrase-protected key, made with the
/// stock tools (`age-keygen | age -p -a > key.age`, Debian's age), is read
/// by casebook; a key file other users can read is named on stderr, and
/// once it is chmod 600 nothing is said.
#[test]
fn a_passphrase_key_made_with_debians_age_is_read_and_a_readable_key_file_is_named() {
    let env = Env::new();
    age_tool("age"); // a missing tool is a failure, not a skip
    let bin = assert_cmd::cargo::cargo_bin("casebook");
    let key = env.path("key.age");
    let base = format!(
        "env HOME={} {} --store {} --identity {}",
        env.dir.path().display(),
        bin.display(),
        env.store().display(),
        key.display()
    );
    let command = format!(
        "age-keygen | age -p -a > {key}; echo KEYGEN=$?; chmod 644 {key}; \
         {base} init --school 'Keyford Primary' --dsl-name 'Ms Key'; echo INIT=$?; \
         {base} list; echo LIST1=$?; chmod 600 {key}; {base} list; echo LIST2=$?; sleep 30",
        key = key.display()
    );
    let tmux = Tmux::start(&command, 160, 40);
    tmux.wait_for("Enter passphrase");
    tmux.type_text("a stock tools passphrase");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Confirm passphrase");
    tmux.type_text("a stock tools passphrase");
    tmux.keys(&["Enter"]);
    tmux.wait_for("KEYGEN=0");
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"), "{text}");
    for (n, step) in ["INIT=0", "LIST1=0", "LIST2=0"].into_iter().enumerate() {
        let start = Instant::now();
        while tmux.screen().matches("Passphrase for").count() <= n {
            assert!(start.elapsed() < Duration::from_secs(30), "no prompt {n}:\n{}", tmux.screen());
            std::thread::sleep(Duration::from_millis(100));
        }
        tmux.type_text("a stock tools passphrase");
        tmux.keys(&["Enter"]);
        tmux.wait_for(step);
    }
    let s = tmux.screen();
    assert!(!s.contains("casebook: error") && !s.contains("wrong passphrase"), "{s}");
    assert!(s.contains("Created a casebook store for Keyford Primary"), "{s}");
    let (before, after) = s.split_once("LIST1=0").unwrap();
    assert!(before.contains("can be read by other users (mode 0644): run chmod 600"), "named while 0644:\n{s}");
    assert!(before.contains("(no concerns)"), "{s}");
    assert!(!after.contains("warning"), "nothing to say once it is 0600:\n{s}");
    assert!(after.contains("(no concerns)"), "{s}");
    assert!(!s.contains("has no passphrase"), "a passphrase key is not called weak:\n{s}");
}

/// Issue 9 (PRODUCT.md principle 8): the DSL's TUI is open on the board
/// through `casebook serve` while a reporter records an urgent concern from
/// the CLI; it appears on the DSL's board without a key press.
#[test]
fn a_reporters_urgent_concern_appears_on_the_dsls_open_board() {
    let env = Env::new();
    let school = env.school();
    let mut server = Server::start(&env);
    let tmux = launch(&env, &school.dsl, "");
    tmux.wait_for("Triage board");
    // The store is held by the server, not by the DSL's open TUI: the
    // reporter's concern is recorded, not refused as "in use".
    let out = ok(env.casebook(&school.reporter).args([
        "concern",
        "add",
        "--subject",
        "child:Pupil Hesper Quintana:Year 6",
        "--category",
        "indecent-image",
        "--location",
        "toilets",
        "--device",
        "mobile-phone",
        "--description",
        "A pupil says an image of another child is being shared.",
        "--action",
        "Phone confiscated; not looked at.",
    ]));
    let reference = recorded_reference(&out);
    let recorded = Instant::now();
    let s = tmux.wait_for(&reference);
    eprintln!("the concern reached the DSL's open board {} ms after it was recorded", recorded.elapsed().as_millis());
    let row = s.lines().find(|l| l.contains(&reference)).unwrap();
    assert!(row.contains("URGENT"), "P6.1-c: urgent from the start: {row}");
    server.kill();
}

/// Issue 9 (PRODUCT.md principles 6 and 8): a dropped connection ends the
/// TUI. crossterm spins on a hung-up terminal and never hands back to the
/// event loop, so the app ran on at full CPU with the board decrypted in
/// memory, holding the store: a colleague was told "in use" for ever. Both
/// ways a terminal goes away: casebook as the session's leader (it gets
/// SIGHUP) and as a shell's child (it does not).
#[test]
fn a_dropped_terminal_ends_the_tui_and_frees_the_store() {
    let env = Env::new();
    let school = env.school();
    let bin = assert_cmd::cargo::cargo_bin("casebook");
    for leader in [true, false] {
        let run = format!(
            "env NO_COLOR=1 HOME={} {} --store {} --identity {}",
            env.dir.path().display(),
            bin.display(),
            env.store().display(),
            school.dsl.display()
        );
        let command = if leader { format!("exec {run}") } else { format!("{run}; sleep 30") };
        let tmux = Tmux::start(&command, 80, 24);
        tmux.wait_for("No concerns recorded yet");
        let pane = tmux.pane("#{pane_pid}");
        let pid = if leader {
            pane
        } else {
            let out = Command::new("pgrep").args(["-P", &pane]).output().unwrap();
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        assert!(pid.parse::<u32>().is_ok(), "no casebook process under the pane: {pid:?}");
        // The terminal hangs up, as when an SSH connection drops.
        drop(tmux);
        let start = Instant::now();
        let freed = loop {
            let out = env.casebook(&school.deputy).arg("list").output().unwrap();
            if out.status.success() {
                break true;
            }
            if start.elapsed() > Duration::from_secs(10) {
                break false;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        if !freed {
            // Do not leave it spinning on the machine.
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
        assert!(freed, "leader {leader}: the TUI outlived its terminal and still holds the store");
        eprintln!("leader {leader}: the store was free {} ms after the hang-up", start.elapsed().as_millis());
    }
}

/// Issue 12, end to end in a real terminal: pupils come in from an MIS
/// export; a reporter records a concern picking a pupil from the roll as
/// they type; the DSL's board marks the child's other concern, the concern
/// says so, and `p` opens the child's record with one chronology across
/// both concerns.
#[test]
fn a_reporter_picks_a_pupil_and_the_dsl_sees_the_childs_whole_history() {
    let env = Env::new();
    let school = env.school();
    let pupils = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mis/pupils.csv");
    ok(env.casebook(&school.dsl).args(["people", "import"]).arg(&pupils));
    let earlier = add_concern(&env, &school.dsl, "child:Ivy Loxley-Vane", "Earlier: a phone in the toilets.");

    let tmux = launch(&env, &school.reporter, "");
    tmux.wait_for("Your key cannot open");
    tmux.keys(&["n"]);
    tmux.wait_for("New concern");
    tmux.keys(&["Tab"]);
    tmux.type_text("ivy lox");
    // The roll offers her by name and year group only.
    let offered = tmux.wait_for("Ivy Loxley-Vane (Year 6)");
    assert!(!offered.contains("A100000000003") && !offered.contains("2015"), "nothing of her file: {offered}");
    tmux.keys(&["Enter"]);
    // Picked: on past what was filled in, through "Their part" and "Others".
    tmux.keys(&["Tab", "Tab", "Tab"]);
    tmux.keys(&["d"]);
    tmux.wait_for("Device used in a restricted area");
    tmux.keys(&["Tab", "t"]);
    tmux.wait_for("Toilets (restricted)");
    tmux.keys(&["Tab", "Space", "Tab", "Tab", "Tab", "Tab"]);
    tmux.type_text("Seen with a phone in the toilets again.");
    tmux.keys(&["Tab"]);
    tmux.type_text("Phone taken to the office.");
    tmux.keys(&["C-s"]);
    let said = tmux.wait_for("Recorded C-");
    let reference = said
        .split("Recorded ")
        .nth(1)
        .and_then(|r| r.split(|c: char| c == '.' || c.is_whitespace()).next())
        .unwrap()
        .to_string();
    drop(tmux);

    let tmux = launch(&env, &school.dsl, "");
    // The newest (untriaged) concern is first, marked: one other about her.
    let board = tmux.wait_for(&reference);
    assert!(board.contains("◆1"), "the board marks the child's other concern: {board}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("1 other concern about this child (1 open)");
    tmux.keys(&["p"]);
    let person = tmux.wait_for("kept until");
    assert!(person.contains("Ivy Loxley-Vane"), "{person}");
    assert!(person.contains(&reference) && person.contains(&earlier), "both concerns, one record: {person}");
    assert!(person.contains("Chronology ("), "one chronology across them: {person}");
    assert!(
        person.lines().any(|l| l.contains(&reference) && l.contains("reported")),
        "the reporter's concern is in her chronology: {person}"
    );
}

/// Issue 13 end to end, in the TUI as the DSL would do it: a phone found in
/// an exam (recorded by a reporter, triaged) is confiscated from the
/// concern view; Today says the examining body is due at once (P6-b) and
/// the board flags it; the report is recorded from the concern; the
/// concern cannot close while the phone is held (P6.1-b); a parent
/// collects it from the custody register; then it closes.
#[test]
fn a_phone_in_an_exam_is_confiscated_reported_collected_and_closed_in_the_tui() {
    let env = Env::new();
    let school = env.school();
    let reference =
        concern_of(&env, &school.reporter, "device-in-exam", "child:Pupil Fictional Rook:Year 6", "exam-room");
    ok(env.casebook(&school.dsl).args([
        "triage",
        &reference,
        "--risk",
        "low",
        "--pathway",
        "exam-body",
        "--policy",
        "behaviour",
        "--reasoning",
        "Malpractice: reported to the board; the phone is kept until a parent collects it.",
    ]));
    ok(env.casebook(&school.dsl).args(["status", &reference, "--to", "in-progress", "--reason", "Board told."]));
    ok(env.casebook(&school.dsl).args(["status", &reference, "--to", "awaiting-debrief", "--reason", "Done."]));

    let tmux = launch(&env, &school.dsl, "");
    tmux.wait_for(&reference);
    tmux.keys(&["Enter"]);
    tmux.wait_for("Referrals and contacts");
    // D: the confiscation form; the owner, then why.
    tmux.keys(&["D"]);
    tmux.wait_for("Device confiscated");
    tmux.keys(&["Tab", "Tab"]);
    tmux.type_text("Pupil Fictional Rook");
    tmux.keys(&["Tab", "Tab", "Tab"]);
    tmux.type_text("Phone found in the exam room during the paper.");
    tmux.keys(&["C-s"]);
    tmux.wait_for("Recorded DV-0001");

    // Closing is refused while the phone is held, naming it.
    tmux.keys(&["s"]);
    tmux.wait_for("Status of");
    tmux.keys(&["c", "c"]);
    tmux.wait_for("closed, no debrief needed");
    tmux.keys(&["Tab"]);
    tmux.type_text("Nothing to learn.");
    tmux.keys(&["C-s"]);
    // A status set by a typed letter is asked about once.
    tmux.wait_for("again to save");
    tmux.keys(&["C-s"]);
    let refused = tmux.wait_for("cannot close while a device");
    assert!(refused.contains("DV-0001"), "{refused}");
    tmux.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    if tmux.screen().contains("Discard") || tmux.screen().contains("discard") {
        tmux.keys(&["y"]);
    }

    // Today: the examining body is due at once (P6-b).
    tmux.keys(&["Escape"]);
    tmux.wait_for("Triage board");
    tmux.keys(&["T"]);
    let today = tmux.wait_for("Today:");
    // Due the day it was reported, or the next school day at a weekend.
    let school_day = casebook::domain::Calendar::weekends_only().is_working_day(chrono::Local::now().date_naive());
    assert!(today.contains(&reference), "{today}");
    assert!(!school_day || today.contains("examining body"), "{today}");
    // Enter opens the concern; R records the report.
    tmux.keys(&["Enter"]);
    let concern = tmux.wait_for("Referrals and contacts");
    assert!(concern.contains("report to the examining body (P6-b)"), "{concern}");
    tmux.keys(&["R"]);
    tmux.wait_for("Referral or contact for");
    // The form starts at whom the triage's pathway reports to.
    tmux.wait_for("◀ Examining body");
    tmux.keys(&["Tab", "Tab", "Tab"]);
    tmux.type_text("JCQ/MAL/0099");
    tmux.keys(&["C-s"]);
    tmux.wait_for("Recorded R-0001");

    // The custody register: e records the phone returned to a parent.
    tmux.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(200));
    tmux.keys(&["Escape"]);
    tmux.wait_for("Triage board");
    tmux.keys(&["D"]);
    tmux.wait_for("DV-0001");
    tmux.keys(&["e"]);
    tmux.wait_for("Collected by");
    tmux.keys(&["Tab", "Tab", "Tab"]);
    tmux.type_text("Mrs Fictional Rook");
    tmux.keys(&["C-s"]);
    tmux.wait_for("returned to Mrs Fictional Rook");

    // Now it closes.
    tmux.keys(&["Enter"]);
    tmux.wait_for("Referrals and contacts (1");
    tmux.keys(&["s"]);
    tmux.wait_for("Status of");
    tmux.keys(&["c", "c"]);
    tmux.wait_for("closed, no debrief needed");
    tmux.keys(&["Tab"]);
    tmux.type_text("Phone collected; board told.");
    tmux.keys(&["C-s"]);
    tmux.wait_for("again to save");
    tmux.keys(&["C-s"]);
    tmux.wait_for("closed");
    tmux.keys(&["q"]);
    std::thread::sleep(Duration::from_millis(500));
    drop(tmux);

    let json: serde_json::Value =
        serde_json::from_str(&ok(env.casebook(&school.dsl).args(["show", &reference, "--json"]))).unwrap();
    assert_eq!(json["status"], "Closed");
    let chain = ok(env.casebook(&school.dsl).args(["custody", "show", "DV-0001"]));
    assert!(
        chain.contains("Phone found in the exam room") && chain.contains("returned to Mrs Fictional Rook"),
        "{chain}"
    );
    let referrals = ok(env.casebook(&school.dsl).args(["referral", "list", &reference]));
    assert!(referrals.contains("JCQ/MAL/0099") && referrals.contains("Examining body"), "{referrals}");
}
