//! The TUI on ratatui's TestBackend over a real store: snapshots of every
//! screen at 80×24 and a wide size, and whole flows driven by key events.

use casebook::domain::{Status, Urgency};
use casebook::store::{Session, Store, identity};
use casebook::tui::keymap::KeyMap;
use casebook::tui::theme::Theme;
use casebook::tui::{App, Options, ui};
use chrono::{NaiveDate, NaiveDateTime};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn fixed_now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap().and_hms_opt(10, 30, 0).unwrap()
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(concerns: usize) -> (Self, App) {
        let dir = tempfile::tempdir().unwrap();
        let (mut session, _) = casebook::demo::create(&dir.path().join("store")).unwrap();
        casebook::demo::populate(&mut session, concerns, fixed_now(), 7).unwrap();
        let app = app(session);
        (Fixture { dir }, app)
    }

    fn reopen(&self, key: &str) -> App {
        let id = identity::load(&self.dir.path().join("store/demo-keys").join(key), &mut || None).unwrap();
        app(Store::open(&self.dir.path().join("store")).unwrap().unlock(id).unwrap())
    }
}

/// The app on its first frame's data: the engine has loaded the board.
fn app(session: Session) -> App {
    let mut app = App::new(
        session,
        Options { demo: true, clock: Some(fixed_now()), ..Default::default() },
        KeyMap::default(),
        Theme { color: false },
    );
    app.wait_idle();
    app
}

/// Masks the one wall-clock time on screen: when the figures were counted.
fn mask_clock(s: String) -> String {
    s.lines()
        .map(|l| match (l.find("as of "), l.find(" ago)")) {
            (Some(a), Some(b)) => format!("{}as of [time]{}", &l[..a], &l[b + " ago)".len()..]),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The screen as text, one line per row, trailing spaces trimmed.
fn screen(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| ui::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let line: String = (0..width).map(|x| buffer[(x, y)].symbol().to_string()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A key, then whatever it asked of the store (issue 9: the key itself
/// returns at once; see `a_save_never_runs_on_the_input_thread`).
fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    app.wait_idle();
}

fn ctrl(app: &mut App, c: char) {
    app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    app.wait_idle();
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// Moves the focus of the open form to the field with this key.
fn focus(app: &mut App, key: &str) {
    for _ in 0..20 {
        if app.form.as_ref().unwrap().form.focused_key() == key {
            return;
        }
        press(app, KeyCode::Tab);
    }
    panic!("no field {key}");
}

/// Chooses an option in a pick list by pressing → until its label shows.
fn choose(app: &mut App, key: &str, id: &str) {
    focus(app, key);
    for _ in 0..40 {
        if app.form.as_ref().unwrap().form.choice(key) == id {
            return;
        }
        press(app, KeyCode::Right);
    }
    panic!("no option {id} in {key}");
}

#[test]
fn board_snapshots() {
    let (_f, mut app) = Fixture::new(30);
    insta::assert_snapshot!("board_80x24", screen(&mut app, 80, 24));
    insta::assert_snapshot!("board_120x40", screen(&mut app, 120, 40));
}

#[test]
fn help_overlay_is_generated_from_the_key_map() {
    let (_f, mut app) = Fixture::new(5);
    press(&mut app, KeyCode::Char('?'));
    let s = screen(&mut app, 80, 24);
    for expected in ["Keys: Triage board", "record a new concern", "search all text", "q", "quit"] {
        assert!(s.contains(expected), "{expected}:\n{s}");
    }
    insta::assert_snapshot!("help_board_80x24", s);
    press(&mut app, KeyCode::Esc);
    assert!(!app.help);
}

#[test]
fn too_small_says_so() {
    let (_f, mut app) = Fixture::new(3);
    let s = screen(&mut app, 50, 12);
    assert!(s.contains("too small"), "{s}");
    insta::assert_snapshot!("too_small_50x12", s);
}

#[test]
fn concern_view_shows_triage_and_chronology() {
    let (_f, mut app) = Fixture::new(30);
    // The oldest concerns have the longest chronologies.
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Enter);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Policy guidance"), "{s}");
    insta::assert_snapshot!("concern_80x24", s);
    press(&mut app, KeyCode::PageDown);
    // The DSL's audit section at the end holds wall-clock times (S-c).
    insta::assert_snapshot!("concern_120x40_scrolled", mask_last(screen(&mut app, 120, 40)));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, casebook::tui::app::Screen::Board));
}

#[test]
fn new_concern_form_shows_p6_1_c_guidance() {
    let (_f, mut app) = Fixture::new(3);
    press(&mut app, KeyCode::Char('n'));
    choose(&mut app, "category", "indecent-image");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Do not look at the"), "{s}");
    assert!(s.contains("URGENT"), "{s}");
    insta::assert_snapshot!("new_concern_80x24", s);
    insta::assert_snapshot!("new_concern_120x40", screen(&mut app, 120, 40));
}

#[test]
fn validation_keeps_everything_typed() {
    let (_f, mut app) = Fixture::new(3);
    press(&mut app, KeyCode::Char('n'));
    focus(&mut app, "name");
    type_text(&mut app, "Pupil Keepme");
    ctrl(&mut app, 's');
    let open = app.form.as_ref().expect("form stays open");
    assert_eq!(open.form.text("name"), "Pupil Keepme");
    assert!(open.form.field("category").error.is_some());
    assert!(open.form.field("description").error.is_some());
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("⚠ choose a category"), "{s}");
    insta::assert_snapshot!("new_concern_errors_80x24", s);
}

#[test]
fn leaving_a_form_with_typing_asks_first() {
    let (_f, mut app) = Fixture::new(3);
    press(&mut app, KeyCode::Char('n'));
    focus(&mut app, "name");
    type_text(&mut app, "Someone");
    press(&mut app, KeyCode::Esc);
    assert!(app.confirm.is_some());
    insta::assert_snapshot!("confirm_discard_80x24", screen(&mut app, 80, 24));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.form.as_ref().unwrap().form.text("name"), "Someone", "n keeps the form");
    ctrl(&mut app, 'c');
    assert!(app.confirm.is_some() && !app.quit, "quitting with typing asks too");
    press(&mut app, KeyCode::Char('y'));
    assert!(app.quit);
}

#[test]
fn record_triage_follow_up_twice_and_close_then_reopen_the_store() {
    let (fixture, mut app) = Fixture::new(0);
    // Record.
    press(&mut app, KeyCode::Char('n'));
    focus(&mut app, "name");
    type_text(&mut app, "Pupil Flowtest");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "Year 6");
    choose(&mut app, "category", "indecent-image");
    choose(&mut app, "location", "toilets");
    focus(&mut app, "devices");
    press(&mut app, KeyCode::Char(' '));
    focus(&mut app, "description");
    app.handle_paste("A pupil said an image is being shared.\nNo one looked at the phone.");
    focus(&mut app, "action");
    type_text(&mut app, "Phone sealed in an envelope in the office.");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "saved: {:?}", app.form.as_ref().map(|f| f.form.error.clone()));
    assert_eq!(app.board.rows.len(), 1);
    assert_eq!(app.board.rows[0].urgency, Urgency::Urgent, "P6.1-c is urgent at once");

    // Triage from the board.
    press(&mut app, KeyCode::Char('t'));
    choose(&mut app, "risk", "high");
    let tobias = app.session.members().iter().find(|m| m.name.starts_with("Mr Tobias")).unwrap().id.to_string();
    choose(&mut app, "assignee", &tobias);
    focus(&mut app, "reasoning");
    type_text(&mut app, "Possible indecent image: child protection response (P6.1-c).");
    insta::assert_snapshot!("triage_80x24", screen(&mut app, 80, 24));
    ctrl(&mut app, 's');
    assert!(app.form.is_none());
    assert_eq!(app.board.rows[0].status, Status::Triaged);

    // Open, start, two follow-ups, close.
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('s'));
    choose(&mut app, "to", "in progress");
    focus(&mut app, "reason");
    type_text(&mut app, "Strategy discussion booked.");
    ctrl(&mut app, 's');
    for text in ["Called the designated officer for advice.", "Parents informed in person by the DSL."] {
        press(&mut app, KeyCode::Char('a'));
        focus(&mut app, "text");
        type_text(&mut app, text);
        ctrl(&mut app, 's');
        assert!(app.form.is_none());
    }
    // Straight to closed is refused: an investigated concern closes by its debrief (P9-c).
    press(&mut app, KeyCode::Char('s'));
    choose(&mut app, "to", "closed");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("investigated concern closes"), "{s}");
    choose(&mut app, "to", "awaiting debrief");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Allowed: in progress →"), "{s}");
    focus(&mut app, "reason");
    type_text(&mut app, "Police took the device; school actions complete.");
    ctrl(&mut app, 's');
    assert!(app.form.is_none());
    // Issue 8 item 3: awaiting debrief, a status change still cannot close it…
    press(&mut app, KeyCode::Char('s'));
    choose(&mut app, "to", "closed");
    focus(&mut app, "reason");
    type_text(&mut app, "close");
    ctrl(&mut app, 's');
    let err = app.form.as_ref().expect("refused, form kept").form.error.clone().unwrap_or_default();
    assert!(err.contains("closes when its debrief is recorded"), "{err}");
    // …but the DSL may record, with a reason, that no debrief is needed.
    choose(&mut app, "to", "no-debrief-needed");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("figures count"), "{s}");
    focus(&mut app, "reason");
    for _ in 0..5 {
        press(&mut app, KeyCode::Backspace);
    }
    ctrl(&mut app, 's');
    let form = &app.form.as_ref().expect("needs a reason").form;
    let err = form.fields.iter().find(|f| f.key == "reason").unwrap().error.clone().unwrap_or_default();
    assert!(err.contains("give the reason no debrief is needed"), "{err}");
    type_text(&mut app, "The police lead the response; nothing for the school to learn.");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|f| f.form.error.clone()));
    insta::assert_snapshot!("concern_after_flow_120x40", screen(&mut app, 120, 40));

    // Everything is in the store for the next person.
    drop(app);
    let mut deputy = fixture.reopen("deputy.txt");
    let row = deputy.board.rows[0].clone();
    assert_eq!(row.status, Status::Closed);
    assert!(row.closed_without_debrief);
    let case = deputy.session.case(row.id).unwrap();
    let texts: Vec<&str> = case.chronology.iter().map(|e| e.text.as_str()).collect();
    assert!(texts.iter().any(|t| t.contains("designated officer")));
    assert!(texts.iter().any(|t| t.contains("Parents informed in person")));
    assert!(case.concern.description.contains("No one looked at the phone."), "paste kept the newline");
    assert_eq!(case.concern.devices, vec!["mobile-phone"]);
    press(&mut deputy, KeyCode::Char('q'));
    assert!(deputy.quit);
}

#[test]
fn refused_transition_explains_itself_and_keeps_the_form() {
    let (_f, mut app) = Fixture::new(0);
    press(&mut app, KeyCode::Char('n'));
    focus(&mut app, "name");
    type_text(&mut app, "Pupil Refusal");
    choose(&mut app, "category", "child-device-on-site");
    focus(&mut app, "description");
    type_text(&mut app, "Texting in class.");
    ctrl(&mut app, 's');
    press(&mut app, KeyCode::Char('s'));
    choose(&mut app, "to", "closed");
    focus(&mut app, "reason");
    type_text(&mut app, "done");
    ctrl(&mut app, 's');
    let open = app.form.as_ref().expect("form kept");
    assert!(open.form.error.as_deref().unwrap_or("").contains("cannot close"), "{:?}", open.form.error);
    assert_eq!(open.form.text("reason"), "done");
}

#[test]
fn search_finds_text_inside_descriptions_off_the_input_loop() {
    let (_f, mut app) = Fixture::new(40);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "invigilator");
    app.wait_idle();
    assert!(app.search.text.is_some());
    assert!(
        !app.visible.is_empty() && app.visible.len() < app.board.rows.len(),
        "{} of {}",
        app.visible.len(),
        app.board.rows.len()
    );
    for &i in &app.visible {
        let case = app.session.case(app.board.rows[i].id).unwrap();
        assert!(case.searchable_text().to_lowercase().contains("invigilator"));
    }
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("search_80x24", screen(&mut app, 80, 24));
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(app.visible.len(), app.board.rows.len());
}

#[test]
fn filter_and_mine_views() {
    let (_f, mut app) = Fixture::new(40);
    press(&mut app, KeyCode::Char('f'));
    choose(&mut app, "status", "awaiting debrief");
    ctrl(&mut app, 's');
    assert!(!app.visible.is_empty());
    assert!(app.visible.iter().all(|&i| app.board.rows[i].status == Status::AwaitingDebrief));
    insta::assert_snapshot!("filter_80x24", screen(&mut app, 80, 24));
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Char('m'));
    let me = app.session.me().id;
    let today = fixed_now().date();
    assert!(app.visible.iter().all(|&i| {
        let r = &app.board.rows[i];
        r.assignee_id == Some(me) || r.is_due(today)
    }));
}

#[test]
fn idle_lock_hides_every_case_detail_and_keeps_the_form() {
    let (f, mut app) = Fixture::new(10);
    let subject = app.board.rows[0].subject.clone();
    press(&mut app, KeyCode::Char('n'));
    focus(&mut app, "name");
    type_text(&mut app, "Half typed");
    app.options.idle = Some(std::time::Duration::from_secs(60));
    app.tick(std::time::Instant::now() + std::time::Duration::from_secs(61));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("casebook is locked"), "{s}");
    assert!(
        !s.contains(&subject) && !s.contains("Half typed") && !s.contains("C-20"),
        "locked screen shows nothing of a case:\n{s}"
    );
    insta::assert_snapshot!("locked_80x24", s);
    // A plain key (the demo's) unlocks with Enter; the form is still there.
    app.options.identity = Some(f.dir.path().join("store/demo-keys/dsl.txt"));
    press(&mut app, KeyCode::Enter);
    app.wait_idle();
    assert!(app.lock.is_none());
    assert_eq!(app.form.as_ref().unwrap().form.text("name"), "Half typed");
}

#[test]
fn idle_lock_with_a_passphrase_key_needs_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let key = age::x25519::Identity::generate();
    let key_file = dir.path().join("dsl.age");
    identity::write(&key_file, &key, Some(age::secrecy::SecretString::from("staff room secret".to_string()))).unwrap();
    Store::create(&dir.path().join("store"), "Lockford Primary", "Ms Lock", &key.to_public().to_string()).unwrap();
    let session = Store::open(&dir.path().join("store")).unwrap().unlock(key).unwrap();
    let mut app = app(session);
    app.options.identity = Some(key_file);
    app.lock_now();
    type_text(&mut app, "wrong guess");
    press(&mut app, KeyCode::Enter);
    app.wait_idle();
    assert!(app.lock.as_ref().unwrap().error.as_deref().unwrap().contains("wrong passphrase"));
    type_text(&mut app, "staff room secret");
    press(&mut app, KeyCode::Enter);
    app.wait_idle();
    assert!(app.lock.is_none());
}

#[test]
fn reporters_see_no_board_but_can_record() {
    let (f, _) = Fixture::new(5);
    let mut reporter = f.reopen("reporter.txt");
    let s = screen(&mut reporter, 80, 24);
    assert!(s.contains("Your key cannot open"), "{s}");
    assert!(!s.contains("C-2026"), "{s}");
    insta::assert_snapshot!("reporter_80x24", s);
    press(&mut reporter, KeyCode::Char('n'));
    focus(&mut reporter, "name");
    type_text(&mut reporter, "Pupil Reported");
    choose(&mut reporter, "category", "abusive-messages");
    focus(&mut reporter, "description");
    type_text(&mut reporter, "Messages shown to me at break.");
    ctrl(&mut reporter, 's');
    assert!(reporter.form.is_none(), "{:?}", reporter.form.as_ref().map(|o| o.form.error.clone()));
    assert!(reporter.message.as_ref().unwrap().0.starts_with("Recorded C-2026-0006"));
}

#[test]
fn no_color_keeps_meaning_in_words() {
    let (_f, mut app) = Fixture::new(30);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("URGENT"), "urgent rows say so without colour:\n{s}");
}

#[test]
fn correct_an_entry_and_export_from_the_concern_view() {
    let (f, mut app) = Fixture::new(30);
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('c'));
    let open = app.form.as_ref().expect("correction form");
    let seq: u32 = open.form.choice("entry").parse().unwrap();
    focus(&mut app, "text");
    type_text(&mut app, "Corrected: the call was with the father.");
    ctrl(&mut app, 's');
    assert!(app.form.is_none());
    let casebook::tui::app::Screen::Concern(view) = &app.screen else { panic!("still on the concern") };
    assert!(view.case.is_superseded(seq));
    let s = screen(&mut app, 120, 60);
    assert!(s.contains("[SUPERSEDED]") && s.contains(&format!("(corrects #{seq})")), "{s}");

    press(&mut app, KeyCode::Char('e'));
    focus(&mut app, "path");
    let path = f.dir.path().join("export.age");
    let form = &mut app.form.as_mut().unwrap().form;
    form.focus = 0;
    for _ in 0..200 {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, &path.display().to_string());
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert!(std::fs::read(&path).unwrap().starts_with(b"age-encryption.org/v1"));
    // Exporting again never overwrites: the form stays with the reason.
    press(&mut app, KeyCode::Char('e'));
    focus(&mut app, "path");
    for _ in 0..200 {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, &path.display().to_string());
    ctrl(&mut app, 's');
    assert!(app.form.as_ref().unwrap().form.error.as_deref().unwrap().contains("already exists"));
}

fn with_oversight(concerns: usize) -> (Fixture, App) {
    let (f, mut app) = Fixture::new(concerns);
    casebook::demo::populate_oversight(&mut app.session, fixed_now()).unwrap();
    // The demo's debriefs closed concerns: reload the board too.
    press(&mut app, KeyCode::Char('r'));
    app.message = None;
    (f, app)
}

#[test]
fn leadership_sees_the_dashboard_and_actions_but_no_concern() {
    let (f, app) = with_oversight(40);
    drop(app);
    let mut leader = f.reopen("leadership.txt");
    assert!(matches!(leader.screen, casebook::tui::app::Screen::Dashboard));
    let s = screen(&mut leader, 80, 24);
    assert!(s.contains("REVIEW OVERDUE"), "the seed policy (June 2024) is overdue:\n{s}");
    assert!(s.contains("counts only"), "{s}");
    assert!(!s.contains("C-2026-"), "no concern reference on leadership's dashboard:\n{s}");
    insta::assert_snapshot!("dashboard_80x24", mask_clock(s));
    insta::assert_snapshot!("dashboard_120x40", mask_clock(screen(&mut leader, 120, 40)));
    press(&mut leader, KeyCode::Char('2'));
    let s = screen(&mut leader, 80, 24);
    assert!(s.contains("OVERDUE"), "overdue actions say so in words:\n{s}");
    insta::assert_snapshot!("actions_80x24", s);
    insta::assert_snapshot!("actions_120x40", screen(&mut leader, 120, 40));
    press(&mut leader, KeyCode::Char('3'));
    let s = screen(&mut leader, 120, 40);
    assert!(s.contains("Lessons learnt"), "{s}");
    insta::assert_snapshot!("debriefs_120x40", s);
    // The board is a notice, not a list: their key cannot open a case.
    press(&mut leader, KeyCode::Char('1'));
    let s = screen(&mut leader, 80, 24);
    assert!(s.contains("Your key cannot open"), "{s}");
    assert!(leader.board.rows.is_empty());
    press(&mut leader, KeyCode::Char('t'));
    assert!(leader.form.is_none(), "no triage for leadership");
}

#[test]
fn the_dsl_runs_the_whole_section_9_loop_in_the_tui() {
    let (f, mut app) = with_oversight(40);
    let before = app.oversight.dashboard.clone().unwrap();
    // A concern awaiting a debrief, selected on the board.
    press(&mut app, KeyCode::Char('f'));
    choose(&mut app, "status", "awaiting debrief");
    ctrl(&mut app, 's');
    let reference = app.selected_row().unwrap().reference.clone();
    let subject = app.selected_row().unwrap().subject.clone();
    press(&mut app, KeyCode::Char('b'));
    assert_eq!(app.form.as_ref().unwrap().form.text("concerns"), reference);
    focus(&mut app, "attendees");
    press(&mut app, KeyCode::Char(' '));
    focus(&mut app, "summary");
    // A subject's name in the text draws a warning first (P9-e).
    type_text(&mut app, &format!("Incident involving {subject} handled."));
    focus(&mut app, "lessons");
    app.handle_paste("Signage in the toilets was missing.\nStaff were unsure who to tell.");
    insta::assert_snapshot!("debrief_form_80x24", screen(&mut app, 80, 24));
    ctrl(&mut app, 's');
    let warning = app.form.as_ref().expect("warned, not saved").form.error.clone().unwrap();
    assert!(warning.contains("These names appear") && warning.contains("Leadership will read"), "{warning}");
    // Take the name out and save.
    focus(&mut app, "summary");
    for _ in 0..80 {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "A device was used in a restricted area; handled under the behaviour policy.");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert!(app.message.as_ref().unwrap().0.contains(&format!("Closed {reference}")), "{:?}", app.message);

    // Two actions from the lessons; complete one with evidence.
    press(&mut app, KeyCode::Char('2'));
    for (text, lesson_key) in [
        ("Put up signage in both toilet corridors.", KeyCode::Right),
        ("Brief all staff at Monday's meeting.", KeyCode::Right),
    ] {
        press(&mut app, KeyCode::Char('n'));
        let form = &app.form.as_ref().unwrap().form;
        assert!(form.choice("lesson").contains(':'));
        let _ = lesson_key;
        focus(&mut app, "description");
        type_text(&mut app, text);
        ctrl(&mut app, 's');
        assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    }
    let signage = app.shown_actions().iter().position(|a| a.description.starts_with("Put up signage")).unwrap();
    app.actions_list.selected = signage;
    press(&mut app, KeyCode::Char('u'));
    choose(&mut app, "to", "done");
    focus(&mut app, "note");
    type_text(&mut app, "Signs up on 20 Nov; photographed for the governors.");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));

    press(&mut app, KeyCode::Char('4'));
    let after = app.oversight.dashboard.clone().unwrap();
    assert_eq!(after.debriefs_total, before.debriefs_total + 1);
    assert_eq!(after.actions.done, before.actions.done + 1);
    assert_eq!(after.actions.open, before.actions.open + 1);
    // Record the policy review: the overdue warning goes.
    press(&mut app, KeyCode::Char('p'));
    focus(&mut app, "note");
    type_text(&mut app, "Annual review after the toilets incident.");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert!(!screen(&mut app, 120, 40).contains("REVIEW OVERDUE"));

    // Leadership sees the same, from their own key.
    drop(app);
    let leader = f.reopen("leadership.txt");
    let dash = leader.oversight.dashboard.clone().unwrap();
    assert_eq!(dash.debriefs_total, after.debriefs_total);
    assert!(
        leader
            .oversight
            .actions
            .iter()
            .any(|a| a.description.starts_with("Put up signage") && a.completion().is_some())
    );
}

#[test]
fn an_empty_follow_up_says_what_is_missing() {
    let (_f, mut app) = Fixture::new(5);
    press(&mut app, KeyCode::Char('a'));
    ctrl(&mut app, 's');
    assert!(app.form.is_some());
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("⚠ write what happened"), "{s}");
}

#[test]
fn a_bad_date_shows_the_whole_instruction() {
    let (_f, mut app) = Fixture::new(3);
    press(&mut app, KeyCode::Char('n'));
    focus(&mut app, "occurred");
    for _ in 0..20 {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "yesterday");
    ctrl(&mut app, 's');
    focus(&mut app, "occurred");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("YYYY-MM-DD"), "the format is on screen:\n{s}");
}

#[test]
fn enter_on_the_last_field_of_the_filter_applies_it() {
    let (_f, mut app) = Fixture::new(20);
    press(&mut app, KeyCode::Char('f'));
    choose(&mut app, "status", "closed");
    focus(&mut app, "risk");
    press(&mut app, KeyCode::Enter);
    assert!(app.form.is_none());
    assert!(app.visible.iter().all(|&i| app.board.rows[i].status == Status::Closed));
}

// ---- issue 8 -------------------------------------------------------------

fn field_error(app: &App, key: &str) -> String {
    app.form.as_ref().expect("the form stays open").form.field(key).error.clone().unwrap_or_default()
}

/// Clears field `key` (as many backspaces as it holds characters, the
/// cursor at its end) and types `text`.
fn retype(app: &mut App, key: &str, text: &str) {
    focus(app, key);
    let held = app.form.as_ref().unwrap().form.text(key).chars().count();
    for _ in 0..held {
        press(app, KeyCode::Backspace);
    }
    type_text(app, text);
}

#[test]
fn a_past_review_date_is_refused_and_a_far_one_asked_about_at_the_field() {
    // Issue 8 item 4: the first save asks, the second confirms.
    let (_f, mut app) = Fixture::new(3);
    assert_eq!(app.board.rows[0].status, Status::New);
    press(&mut app, KeyCode::Char('t'));
    focus(&mut app, "reasoning");
    type_text(&mut app, "Restricted area (P3-a).");
    retype(&mut app, "review", "1999-01-01");
    ctrl(&mut app, 's');
    let err = field_error(&app, "review");
    assert!(err.contains("1999-01-01 is in the past"), "{err}");
    retype(&mut app, "review", "2062-01-01");
    ctrl(&mut app, 's');
    let err = field_error(&app, "review");
    assert!(err.contains("2062-01-01 is more than a year away") && err.contains("save again to keep it"), "{err}");
    assert_eq!(app.form.as_ref().unwrap().form.text("reasoning"), "Restricted area (P3-a).", "nothing lost");
    // Changing the date asks again; saving again as it is confirms.
    retype(&mut app, "review", "2063-01-01");
    ctrl(&mut app, 's');
    assert!(field_error(&app, "review").contains("2063-01-01 is more than a year away"));
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "confirmed: {:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    let case = app.session.case(app.board.rows.iter().find(|r| r.status == Status::Triaged).unwrap().id).unwrap();
    assert_eq!(case.current_triage().unwrap().next_review, NaiveDate::from_ymd_opt(2063, 1, 1));
}

#[test]
fn an_oversized_description_is_refused_at_its_field_and_kept() {
    // Issue 8 item 6: the limit is said, and nothing typed is lost.
    let (_f, mut app) = Fixture::new(0);
    press(&mut app, KeyCode::Char('n'));
    focus(&mut app, "name");
    type_text(&mut app, "Pupil Longwinded");
    choose(&mut app, "category", "child-device-on-site");
    focus(&mut app, "description");
    let long = "A very long account. ".repeat(3500);
    app.handle_paste(&long);
    ctrl(&mut app, 's');
    let err = field_error(&app, "description");
    assert!(err.contains("is over the limit of 64 KiB"), "{err}");
    assert_eq!(app.form.as_ref().unwrap().form.text("description"), long);
    assert!(app.board.rows.is_empty(), "nothing recorded");
}

#[test]
fn control_characters_in_a_record_never_reach_the_screen() {
    // Issue 8 item 1 (PRODUCT.md 7d): what a reporter typed, as the DSL sees it.
    let (_f, mut app) = Fixture::new(0);
    let hostile = "Filmed\u{1b}]0;pwned\u{7}\u{1b}[2J\rX\u{9b}2J\u{202e}evil\u{2066}";
    let new = casebook::domain::NewConcern {
        occurred_at: fixed_now(),
        reported_by: hostile.into(),
        subjects: vec![casebook::domain::Subject::named(
            casebook::domain::SubjectKind::Child,
            format!("Pupil {hostile}"),
            hostile,
        )],
        category: "restricted-area".into(),
        location: "toilets".into(),
        devices: vec![],
        description: hostile.into(),
        immediate_action: hostile.into(),
        source: casebook::domain::Source::StaffReport,
    };
    app.session.record_concern(new, fixed_now()).unwrap();
    press(&mut app, KeyCode::Char('r'));
    let board = screen(&mut app, 120, 40);
    let narrow = screen(&mut app, 80, 24);
    press(&mut app, KeyCode::Enter);
    let concern = screen(&mut app, 120, 40);
    // The board fits the subject to its column as "P. <surname>" (issue 8
    // item 23), and the carriage return makes the surname the part with the
    // C1 control and the overrides around "evil"; the concern shows it all.
    for (what, s, shown) in [
        ("board", &board, &["evil"][..]),
        ("80-column board", &narrow, &["evil"]),
        ("concern", &concern, &["pwned", "evil"]),
    ] {
        for text in shown {
            assert!(s.contains(text), "{what} shows the text {text:?}:\n{s}");
        }
        for c in s.chars() {
            let bidi = ('\u{202a}'..='\u{202e}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c);
            assert!(!bidi && (!c.is_control() || c == '\n'), "{what}: raw {c:?} on screen:\n{s:?}");
        }
    }
}

// ---- issue 8, group B: the TUI as a new user finds it ----------------------

/// The board position of the first row matching `pred`.
fn board_position(app: &App, pred: impl Fn(&casebook::domain::CaseSummary) -> bool) -> usize {
    app.visible.iter().position(|&i| pred(&app.board.rows[i])).expect("a matching row")
}

fn form_title(app: &App) -> String {
    app.form.as_ref().expect("a form").form.title.clone()
}

#[test]
fn every_key_in_the_concern_view_acts_on_the_concern_shown() {
    let (_f, mut app) = with_oversight(40);
    // An awaiting-debrief concern that is not the first awaiting one.
    let first_awaiting = app.oversight.awaiting.first().unwrap().0.clone();
    app.selected = board_position(&app, |r| r.status == Status::AwaitingDebrief && r.reference != first_awaiting);
    press(&mut app, KeyCode::Enter);
    let casebook::tui::app::Screen::Concern(view) = &app.screen else { panic!("on the concern") };
    let reference = view.case.concern.reference.clone();
    for (key, title) in [('t', "Triage"), ('a', "Follow-up for"), ('s', "Status of"), ('c', "Correct"), ('e', "Export")]
    {
        press(&mut app, KeyCode::Char(key));
        assert!(form_title(&app).contains(&reference), "{key}: {}", form_title(&app));
        assert!(form_title(&app).starts_with(title), "{key}: {}", form_title(&app));
        press(&mut app, KeyCode::Esc);
        assert!(app.form.is_none());
    }
    press(&mut app, KeyCode::Char('b'));
    assert_eq!(app.form.as_ref().unwrap().form.text("concerns"), reference, "b debriefs the concern shown");
    focus(&mut app, "attendees");
    press(&mut app, KeyCode::Char(' '));
    focus(&mut app, "summary");
    type_text(&mut app, "A device was used where it should not have been; handled under the behaviour policy.");
    focus(&mut app, "lessons");
    type_text(&mut app, "Staff knew who to tell.");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert!(app.message.as_ref().unwrap().0.contains(&format!("Closed {reference}.")), "{:?}", app.message);
    // The view is not stale: the concern shown is the one closed.
    let casebook::tui::app::Screen::Concern(view) = &app.screen else { panic!("still on the concern") };
    assert_eq!(view.case.concern.reference, reference);
    assert_eq!(view.case.status, Status::Closed);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains(&format!("{reference}  ")) && s.contains("status: closed"), "{s}");
    let first = app.board.rows.iter().find(|r| r.reference == first_awaiting).unwrap();
    assert_eq!(first.status, Status::AwaitingDebrief, "the other concern is untouched");
}

/// Records an urgent concern whose review falls `days` before today (after
/// it, when negative), triaged a week before that review, as a DSL would
/// have on the day. The demo keeps its reviews (a few days late at most), so
/// the long-forgotten review the board must not lose is planted here.
fn plant_review(app: &mut App, days: i64) -> String {
    use casebook::domain::{NewConcern, Risk, Source, Subject, SubjectKind};
    let due = fixed_now() - chrono::Duration::days(days);
    let decided = due - chrono::Duration::days(7);
    let reported = decided - chrono::Duration::hours(2);
    let recorded = app
        .session
        .record_concern(
            NewConcern {
                occurred_at: reported - chrono::Duration::hours(1),
                reported_by: String::new(),
                subjects: vec![Subject::named(SubjectKind::Child, "Juniper Oakhanger", "Year 5")],
                category: "restricted-area".into(),
                location: "toilets".into(),
                devices: vec![],
                description: "Seen using a phone in the toilets at break.".into(),
                immediate_action: "Phone taken to the office.".into(),
                source: Source::StaffReport,
            },
            reported,
        )
        .unwrap();
    app.session
        .triage(
            recorded.id,
            casebook::store::TriageInput {
                risk: Risk::High,
                urgency: Urgency::Urgent,
                pathway: "behaviour-sanctions".into(),
                linked_policy: "behaviour".into(),
                assignee: None,
                next_review: Some(due.date()),
                reasoning: "Restricted area (P3-a); review in a week.".into(),
            },
            decided,
        )
        .unwrap();
    recorded.reference
}

#[test]
fn reviews_say_how_late_in_words_latest_first() {
    let (_f, mut app) = Fixture::new(30);
    for days in [35, 9, 0, -4] {
        plant_review(&mut app, days);
    }
    press(&mut app, KeyCode::Char('r'));
    app.message = None;
    let s = screen(&mut app, 120, 40);
    for words in ["overdue 5 w", "overdue 9 d", "due today", "in 4 d"] {
        assert!(s.contains(words), "{words}:\n{s}");
    }
    assert!(!s.contains(" DUE"), "no bare DUE:\n{s}");
    assert!(screen(&mut app, 80, 24).contains("5w late"));
    // Within each group of the board (open, new, urgent), the latest review first.
    let today = fixed_now().date();
    let rows: Vec<_> = app.visible.iter().map(|&i| app.board.rows[i].clone()).collect();
    for pair in rows.windows(2) {
        let group = |r: &casebook::domain::CaseSummary| (r.status.is_open(), r.status == Status::New, r.urgency);
        let late =
            |r: &casebook::domain::CaseSummary| r.review_lateness(today).filter(|l| l.is_due()).map(|l| l.days_late());
        if group(&pair[0]) == group(&pair[1]) {
            assert!(late(&pair[0]) >= late(&pair[1]), "{} before {}", pair[0].reference, pair[1].reference);
        }
    }
    // `d`: every due review, anyone's, latest first.
    press(&mut app, KeyCode::Char('d'));
    let due: Vec<_> = app.visible.iter().map(|&i| &app.board.rows[i]).collect();
    assert!(!due.is_empty() && due.iter().all(|r| r.is_due(today)));
    assert_eq!(due.len(), app.board.rows.iter().filter(|r| r.is_due(today)).count());
    // The first of them: the latest review (the selection kept from the
    // whole board may be another; urgent concerns lead it, P6.1-f).
    press(&mut app, KeyCode::Home);
    insta::assert_snapshot!("due_80x24", screen(&mut app, 80, 24));
    // The concern itself says how late its review is.
    press(&mut app, KeyCode::Enter);
    let s = screen(&mut app, 120, 60);
    assert!(s.contains("next review") && s.contains("(overdue 5 w)"), "{s}");
}

#[test]
fn mine_is_what_is_assigned_to_me_and_due_and_unassigned_are_their_own() {
    let (_f, mut app) = Fixture::new(40);
    let me = app.session.me().id;
    let today = fixed_now().date();
    let others_due = app.board.rows.iter().filter(|r| r.is_due(today) && r.assignee_id != Some(me)).count();
    assert!(others_due > 0, "the demo has others' due reviews");
    press(&mut app, KeyCode::Char('m'));
    assert!(!app.visible.is_empty());
    assert!(
        app.visible.iter().all(|&i| app.board.rows[i].assignee_id == Some(me) && app.board.rows[i].status.is_open()),
        "mine shows only what is assigned to me"
    );
    // ...and says so above the board (it said "or review due", which is d).
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Mine: open concerns assigned to me") && !s.contains("review due  ("), "{s}");
    press(&mut app, KeyCode::Char('m'));
    press(&mut app, KeyCode::Char('u'));
    assert!(!app.visible.is_empty());
    assert!(app.visible.iter().all(|&i| app.board.rows[i].assignee_id.is_none() && app.board.rows[i].status.is_open()));
    assert!(screen(&mut app, 80, 24).contains("Filter: unassigned"));
    press(&mut app, KeyCode::Char('u'));
    press(&mut app, KeyCode::Char('d'));
    assert!(app.visible.iter().all(|&i| app.board.rows[i].is_due(today)));
    assert!(app.visible.iter().any(|&i| app.board.rows[i].assignee_id != Some(me)), "due is anyone's");
    assert!(screen(&mut app, 80, 24).contains("Filter: review due or overdue"));
    // The filter form offers both too.
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Char('f'));
    choose(&mut app, "assignee", "nobody");
    ctrl(&mut app, 's');
    assert!(app.visible.iter().all(|&i| app.board.rows[i].assignee_id.is_none()));
}

#[test]
fn re_triage_starts_from_the_current_reasoning() {
    let (_f, mut app) = Fixture::new(30);
    app.selected = board_position(&app, |r| r.status == Status::InProgress);
    let id = app.selected_row().unwrap().id;
    let before = app.session.case(id).unwrap().current_triage().unwrap().reasoning.clone();
    assert!(!before.trim().is_empty());
    press(&mut app, KeyCode::Char('t'));
    assert_eq!(app.form.as_ref().unwrap().form.text("reasoning"), before);
    choose(&mut app, "risk", "high");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    let case = app.session.case(id).unwrap();
    assert_eq!(case.current_triage().unwrap().reasoning, before, "the reasoning survives a re-triage");
}

#[test]
fn a_status_set_by_a_typed_letter_shows_it_and_asks_once() {
    // Enough concerns for the demo's debriefs, and so its actions, to exist.
    let (_f, mut app) = with_oversight(40);
    press(&mut app, KeyCode::Char('2'));
    app.actions_list.selected = app
        .shown_actions()
        .iter()
        .position(|a| a.status() == casebook::domain::ActionStatus::Open)
        .expect("the demo has an open action");
    press(&mut app, KeyCode::Char('u'));
    assert_eq!(app.form.as_ref().unwrap().form.focused_key(), "to");
    assert_eq!(app.form.as_ref().unwrap().form.choice("to"), "in progress");
    // Evidence typed into the wrong field: the letters move the status.
    type_text(&mut app, "did");
    let moved = app.form.as_ref().unwrap().form.choice("to");
    assert_ne!(moved, "in progress");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("set by a typed letter"), "{s}");
    insta::assert_snapshot!("typed_status_80x24", s);
    focus(&mut app, "note");
    type_text(&mut app, "Poster up in the hall.");
    ctrl(&mut app, 's');
    let open = app.form.as_ref().expect("asked, not saved");
    assert!(open.form.error.as_deref().unwrap().contains("set by a typed letter"), "{:?}", open.form.error);
    assert_eq!(open.form.focused_key(), "to", "the status is shown to check");
    assert_eq!(open.form.text("note"), "Poster up in the hall.");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "asked once: {:?}", app.form.as_ref().map(|o| o.form.error.clone()));

    // ← → is a deliberate choice: no question.
    let (_f, mut app) = Fixture::new(5);
    press(&mut app, KeyCode::Char('s'));
    type_text(&mut app, "c");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("set by a typed letter"), "{s}");
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Left);
    assert!(!screen(&mut app, 80, 24).contains("set by a typed letter"));
}

#[test]
fn anyone_can_quit_from_the_lock_screen() {
    let (_f, mut app) = Fixture::new(10);
    let subject = app.board.rows[0].subject.clone();
    press(&mut app, KeyCode::Char('n'));
    focus(&mut app, "name");
    type_text(&mut app, "Half typed");
    app.lock_now();
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Ctrl-c quits") && s.contains("open form is lost"), "{s}");
    assert!(!s.contains(&subject) && !s.contains("Half typed") && !s.contains("C-20"), "{s}");
    ctrl(&mut app, 'c');
    assert!(app.quit, "Ctrl-c on the lock screen quits");

    let (_f, mut app) = Fixture::new(3);
    app.lock_now();
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit, "q quits a lock with no passphrase");
}

#[test]
fn q_on_a_passphrase_lock_is_part_of_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let key = age::x25519::Identity::generate();
    let key_file = dir.path().join("dsl.age");
    identity::write(&key_file, &key, Some(age::secrecy::SecretString::from("quiet room".to_string()))).unwrap();
    Store::create(&dir.path().join("store"), "Lockford Primary", "Ms Lock", &key.to_public().to_string()).unwrap();
    let session = Store::open(&dir.path().join("store")).unwrap().unlock(key).unwrap();
    let mut app = app(session);
    app.options.identity = Some(key_file);
    app.lock_now();
    type_text(&mut app, "quiet room");
    assert!(!app.quit);
    press(&mut app, KeyCode::Enter);
    app.wait_idle();
    assert!(app.lock.is_none());
    app.lock_now();
    ctrl(&mut app, 'c');
    assert!(app.quit);
}

#[test]
fn help_says_it_in_plain_words_with_the_clause_after() {
    let (_f, mut app) = Fixture::new(3);
    press(&mut app, KeyCode::Char('?'));
    let s = screen(&mut app, 80, 24);
    let line = s.lines().find(|l| l.contains("record a debrief")).expect("the debrief row");
    let words = line.find("record a debrief: what happened").expect("plain words");
    assert!(line.find("P9-c").is_some_and(|code| code > words), "the clause after the words: {line}");
    assert!(!line.contains("(P9-c)"), "{line}");
    press(&mut app, KeyCode::Esc);
    // A form's help too.
    app.selected = 0;
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('?'));
    let s = screen(&mut app, 80, 24);
    let line = s.lines().find(|l| l.contains("correct an entry")).expect("the correct row");
    assert!(line.contains("(the original is kept)  S-c"), "{line}");
}

#[test]
fn the_80_column_board_keeps_categories_and_subjects_recognisable() {
    let (_f, mut app) = Fixture::new(30);
    // 80 columns, tall enough for every row (the closed ones too), so that
    // every category the demo covers is on screen.
    let s = screen(&mut app, 80, 40);
    for expected in ["Restricted area", "Offensive files", "Staff offence"] {
        assert!(s.contains(expected), "{expected}:\n{s}");
    }
    // Every category shows whole; a subject shows whole if it fits, else
    // as the first name's initial and the surname, cut with "…" only if
    // even that does not fit; a subject with others keeps its marker.
    let catalogue = app.session.catalogue().clone();
    let (mut whole, mut initial_and_surname, mut with_marker) = (0, 0, 0);
    for &i in &app.visible {
        let r = &app.board.rows[i];
        let line = s.lines().find(|l| l.contains(&r.reference)).expect("every row on screen");
        assert!(line.contains(catalogue.category_short(&r.category)), "{line}");
        let (name, marker) = match r.subject.rsplit_once(" +") {
            Some((name, n)) => (name, format!(" +{n} ")),
            None => (r.subject.as_str(), " ".to_string()),
        };
        assert!(line.contains(&marker), "the {marker:?} marker: {line}");
        if line.contains(&format!(" {name}{marker}")) {
            whole += 1;
            continue;
        }
        let words: Vec<&str> = name.split_whitespace().collect();
        let initial = format!(" {}. ", words[0].chars().next().unwrap());
        let surname = words.last().unwrap();
        if line.contains(&format!("{initial}{surname}{marker}")) {
            initial_and_surname += 1;
            with_marker += usize::from(marker != " ");
        } else {
            let cut: String = surname.chars().take(3).collect();
            assert!(line.contains(&format!("{initial}{cut}")) && line.contains('…'), "{name}: {line}");
        }
    }
    assert!(whole > 0 && initial_and_surname > 0 && with_marker > 0, "{whole} {initial_and_surname} {with_marker}");
}

/// The option ids of a pick list in the open form.
fn options(app: &App, key: &str) -> Vec<String> {
    let form = &app.form.as_ref().expect("a form is open").form;
    match &form.fields.iter().find(|f| f.key == key).expect("field").input {
        casebook::tui::form::Input::Choice { options, .. } => options.iter().map(|o| o.0.clone()).collect(),
        _ => panic!("{key} is not a pick list"),
    }
}

/// Issue 8 item 3 (P9-c): only the DSL is offered closing an investigated
/// concern without a debrief.
#[test]
fn only_the_dsl_is_offered_closing_without_a_debrief() {
    let (f, mut app) = Fixture::new(40);
    let open_status = |app: &mut App| {
        press(app, KeyCode::Char('f'));
        choose(app, "status", "in progress");
        ctrl(app, 's');
        assert_eq!(app.selected_row().unwrap().status, Status::InProgress);
        press(app, KeyCode::Char('s'));
        options(app, "to")
    };
    assert!(open_status(&mut app).contains(&"no-debrief-needed".to_string()));
    drop(app);
    let mut deputy = f.reopen("deputy.txt");
    let offered = open_status(&mut deputy);
    assert!(!offered.contains(&"no-debrief-needed".to_string()), "{offered:?}");
    assert!(offered.contains(&"closed".to_string()), "refused with the reason, not hidden: {offered:?}");
}

/// Issue 8 item 10: search folds case and diacritics, on the board's own
/// fields and in the decrypted text alike.
#[test]
fn search_is_accent_blind() {
    use casebook::domain::{NewConcern, Source, Subject, SubjectKind};
    let (_f, mut app) = Fixture::new(6);
    let recorded = app
        .session
        .record_concern(
            NewConcern {
                occurred_at: fixed_now() - chrono::Duration::hours(2),
                reported_by: String::new(),
                subjects: vec![Subject::named(SubjectKind::Child, "Zoë Ødegård", "Year 4")],
                category: "abusive-messages".into(),
                location: "playground".into(),
                devices: vec![],
                description: "Łukasz says the messages came from the Straße Street group chat.".into(),
                immediate_action: String::new(),
                source: Source::StaffReport,
            },
            fixed_now(),
        )
        .unwrap();
    press(&mut app, KeyCode::Char('r'));
    for query in ["zoe", "ODEGARD", "Zoë", "lukasz", "strasse"] {
        press(&mut app, KeyCode::Char('/'));
        type_text(&mut app, query);
        app.wait_idle();
        press(&mut app, KeyCode::Enter);
        let found: Vec<&str> = app.visible.iter().map(|&i| app.board.rows[i].reference.as_str()).collect();
        assert_eq!(found, vec![recorded.reference.as_str()], "{query}");
        press(&mut app, KeyCode::Char('x'));
    }
}

/// Issue 8 item 5 (P9-e): the actions form warns before a subject's name
/// reaches leadership, as the debrief form does; a second save goes ahead.
#[test]
fn an_action_naming_a_subject_warns_before_it_saves() {
    let (_f, mut app) = with_oversight(40);
    let subject = app.board.rows.iter().find(|r| !r.subject.contains('+')).unwrap().subject.clone();
    let first = subject.split_whitespace().next().unwrap().to_string();
    press(&mut app, KeyCode::Char('2'));
    let before = app.oversight.actions.len();
    press(&mut app, KeyCode::Char('n'));
    focus(&mut app, "description");
    type_text(&mut app, &format!("Check {} phone again.", casebook::domain::fold::fold(&first)));
    ctrl(&mut app, 's');
    let warning = app.form.as_ref().expect("warned, not saved").form.error.clone().unwrap();
    assert!(warning.contains(&subject) && warning.contains("Leadership will read this action"), "{warning}");
    assert_eq!(app.oversight.actions.len(), before);
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert_eq!(app.oversight.actions.len(), before + 1);
    // The evidence of completion is checked too.
    let added = app.shown_actions().iter().position(|a| a.description.starts_with("Check ")).unwrap();
    app.actions_list.selected = added;
    press(&mut app, KeyCode::Char('u'));
    choose(&mut app, "to", "done");
    focus(&mut app, "note");
    type_text(&mut app, &format!("Spoke to {first}."));
    ctrl(&mut app, 's');
    let warning = app.form.as_ref().expect("warned, not saved").form.error.clone().unwrap();
    assert!(warning.contains("These names appear"), "{warning}");
}

/// Issue 8 item 15: at start-up a key without a passphrase gets a one-line
/// notice (the idle lock cannot protect it); a passphrase key none.
#[test]
fn a_key_without_a_passphrase_is_named_at_start_up() {
    let (f, app) = Fixture::new(0);
    drop(app);
    let open = |key: &std::path::Path, pass: Option<&str>| {
        let id = identity::load(key, &mut || pass.map(|p| age::secrecy::SecretString::from(p.to_string()))).unwrap();
        let session = Store::open(&f.dir.path().join("store")).unwrap().unlock(id).unwrap();
        let options = Options { identity: Some(key.to_path_buf()), clock: Some(fixed_now()), ..Default::default() };
        App::new(session, options, KeyMap::default(), Theme { color: false })
    };
    let plain = f.dir.path().join("store/demo-keys/dsl.txt");
    let mut app = open(&plain, None);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Your key has no passphrase: the idle lock only clears the screen (README)."), "{s}");
    // The same key, passphrase-protected: no notice.
    let key = identity::load(&plain, &mut || None).unwrap();
    drop(app);
    let locked = f.dir.path().join("dsl.age");
    identity::write(&locked, &key, Some(age::secrecy::SecretString::from("staff room secret".to_string()))).unwrap();
    let mut app = open(&locked, Some("staff room secret"));
    assert!(!screen(&mut app, 80, 24).contains("Your key"), "no notice for a passphrase key");
}

// ---- issue 9: the store's work off the input thread -------------------------

/// A sled store whose writes wait at a gate the test opens: a save that ran
/// on the input thread would hold the key press until then. The gate gives
/// way by itself after a few seconds, so a regression fails rather than hangs.
struct Gated {
    inner: casebook::store::backend::SledBackend,
    open: std::sync::Mutex<bool>,
    moved: std::sync::Condvar,
    /// Writes that reached the gate while it was shut.
    waiting: std::sync::atomic::AtomicUsize,
    /// Scans wait at the gate too (the board's load).
    scans: std::sync::atomic::AtomicBool,
}

const GATE_GIVES_WAY: std::time::Duration = std::time::Duration::from_secs(3);

impl Gated {
    fn set(&self, open: bool) {
        *self.open.lock().unwrap() = open;
        self.moved.notify_all();
    }

    fn pass(&self) {
        let guard = self.open.lock().unwrap();
        if !*guard {
            self.waiting.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = self.moved.wait_timeout_while(guard, GATE_GIVES_WAY, |open| !*open).unwrap();
        }
    }
}

impl casebook::store::Backend for Gated {
    fn location(&self) -> casebook::store::Location {
        self.inner.location()
    }
    fn get(&self, tree: &str, key: &[u8]) -> Result<Option<Vec<u8>>, casebook::store::StoreError> {
        self.inner.get(tree, key)
    }
    fn scan_page(
        &self,
        tree: &str,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, casebook::store::StoreError> {
        if self.scans.load(std::sync::atomic::Ordering::SeqCst) {
            self.pass();
        }
        self.inner.scan_page(tree, after, limit)
    }
    fn apply(&self, batch: casebook::store::Batch) -> Result<u64, casebook::store::StoreError> {
        self.pass();
        self.inner.apply(batch)
    }
    fn next_counter(&self, name: &str) -> Result<u32, casebook::store::StoreError> {
        self.pass();
        self.inner.next_counter(name)
    }
    fn changes(&self) -> Result<u64, casebook::store::StoreError> {
        self.inner.changes()
    }
    fn wait_change(&self, since: u64, timeout: std::time::Duration) -> Result<u64, casebook::store::StoreError> {
        self.inner.wait_change(since, timeout)
    }
    fn backup(&self, out: &mut std::fs::File) -> Result<casebook::store::backup::Summary, casebook::store::StoreError> {
        self.inner.backup(out)
    }
}

/// The demo store of `concerns` concerns, unlocked by the DSL over a gated backend.
fn gated_session(concerns: usize) -> (tempfile::TempDir, std::sync::Arc<Gated>, Session) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    {
        let (mut session, _) = casebook::demo::create(&store).unwrap();
        casebook::demo::populate(&mut session, concerns, fixed_now(), 7).unwrap();
    }
    let gate = std::sync::Arc::new(Gated {
        inner: casebook::store::backend::SledBackend::open(&store).unwrap(),
        open: std::sync::Mutex::new(true),
        moved: std::sync::Condvar::new(),
        waiting: std::sync::atomic::AtomicUsize::new(0),
        scans: std::sync::atomic::AtomicBool::new(false),
    });
    let key = identity::load(&store.join("demo-keys/dsl.txt"), &mut || None).unwrap();
    let session = Store::with_backend(gate.clone()).unlock(key).unwrap();
    (dir, gate, session)
}

fn gated_app(concerns: usize) -> (tempfile::TempDir, std::sync::Arc<Gated>, App) {
    let (dir, gate, session) = gated_session(concerns);
    (dir, gate, app(session))
}

/// Issue 9: the first frame draws while the board loads on the engine.
#[test]
fn the_first_frame_never_waits_for_the_board() {
    let (_d, gate, session) = gated_session(5);
    gate.scans.store(true, std::sync::atomic::Ordering::SeqCst);
    gate.set(false);
    let started = std::time::Instant::now();
    let mut app = App::new(
        session,
        Options { demo: true, clock: Some(fixed_now()), ..Default::default() },
        KeyMap::default(),
        Theme { color: false },
    );
    let s = screen(&mut app, 80, 24);
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "the first frame waited {:?}", started.elapsed());
    assert!(s.contains("Loading the board…"), "{s}");
    // The load is at the store, waiting; keys work meanwhile.
    while gate.waiting.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(started.elapsed() < GATE_GIVES_WAY, "the board's load never reached the store");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    app.poll_jobs();
    assert!(app.board.rows.is_empty() && app.busy());
    app.handle_key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::NONE));
    assert!(app.help);
    app.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    gate.set(true);
    app.wait_idle();
    assert_eq!(app.board.rows.len(), 5);
    assert!(!screen(&mut app, 80, 24).contains("Loading"));
}

#[test]
fn a_save_never_runs_on_the_input_thread() {
    let (_d, gate, mut app) = gated_app(5);
    press(&mut app, KeyCode::Char('a'));
    let id = match app.form.as_ref().expect("the follow-up form").kind {
        casebook::tui::forms::FormKind::FollowUp { id } => id,
        other => panic!("{other:?}"),
    };
    let entries = app.session.case(id).unwrap().chronology.len();
    focus(&mut app, "text");
    type_text(&mut app, "Spoke to the class teacher at lunch.");
    gate.set(false);
    // The key press returns while the write waits at the gate.
    let pressed = std::time::Instant::now();
    app.handle_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    assert!(pressed.elapsed() < std::time::Duration::from_secs(1), "the key press waited {:?}", pressed.elapsed());
    let open = app.form.as_ref().expect("the form stays open while it saves");
    assert!(open.saving);
    while gate.waiting.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(pressed.elapsed() < GATE_GIVES_WAY, "the write never reached the store");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // The write is at the store; the screen still draws, and says so.
    app.poll_jobs();
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("saving…"), "{s}");
    insta::assert_snapshot!("follow_up_saving_80x24", s);
    // A second save, and typing, are ignored while it saves: nothing is
    // sent twice, and nothing typed now could be lost when the form closes.
    app.handle_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    app.handle_key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE));
    app.handle_paste("pasted");
    assert_eq!(app.form.as_ref().unwrap().form.text("text"), "Spoke to the class teacher at lunch.");
    assert!(pressed.elapsed() < std::time::Duration::from_secs(1), "none of these waited either");
    gate.set(true);
    app.wait_idle();
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    let seq = entries as u32 + 1;
    assert_eq!(app.message.as_ref().unwrap().0, format!("Added entry #{seq}."));
    let case = app.session.case(id).unwrap();
    assert_eq!(case.chronology.len(), entries + 1, "saved once");
    assert_eq!(case.chronology.last().unwrap().text, "Spoke to the class teacher at lunch.");
}

/// Issue 9: a colleague's triage since the form opened comes back as a
/// value the form shows, naming them and when; nothing typed is lost.
#[test]
fn a_triage_conflict_names_who_at_the_form() {
    let (f, mut app) = Fixture::new(3);
    let row = app.selected_row().unwrap().clone();
    assert_eq!(row.status, Status::New);
    press(&mut app, KeyCode::Char('t'));
    focus(&mut app, "reasoning");
    type_text(&mut app, "Restricted area (P3-a): a reminder of the rules.");
    // Meanwhile the deputy, at their own desk, triages the same concern.
    let deputy_key = identity::load(&f.dir.path().join("store/demo-keys/deputy.txt"), &mut || None).unwrap();
    let mut deputy = Store::with_backend(app.session.backend().clone()).unlock(deputy_key).unwrap();
    let at = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap().and_hms_opt(10, 42, 0).unwrap();
    deputy
        .triage(
            row.id,
            casebook::store::TriageInput {
                risk: casebook::domain::Risk::High,
                urgency: Urgency::Urgent,
                pathway: "behaviour-sanctions".into(),
                linked_policy: "behaviour".into(),
                assignee: None,
                next_review: None,
                reasoning: "Seen first by the deputy.".into(),
            },
            at,
        )
        .unwrap();
    ctrl(&mut app, 's');
    let open = app.form.as_ref().expect("refused, the form kept");
    let err = open.form.error.clone().unwrap_or_default();
    assert!(
        err.contains(&format!(
            "{} was triaged by Mr Tobias Fairweather at 10:42 on 20 Nov since you opened it",
            row.reference
        )),
        "{err}"
    );
    assert_eq!(open.form.text("reasoning"), "Restricted area (P3-a): a reminder of the rules.");
    assert!(!open.saving);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Fairweather at 10:42"), "{s}");
    insta::assert_snapshot!("triage_conflict_80x24", s);
    // Only the deputy's decision is in the store.
    let case = app.session.case(row.id).unwrap();
    assert_eq!(case.triage.len(), 1);
    assert_eq!(case.triage[0].reasoning, "Seen first by the deputy.");
}

/// Issue 9: a concern asked for from the board arrives after the key that
/// asked; if the member has moved on meanwhile, it is not forced on them.
#[test]
fn a_concern_arriving_after_the_member_moved_on_stays_away() {
    let (_f, mut app) = Fixture::new(5);
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    app.handle_key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE));
    app.wait_idle();
    assert!(matches!(app.screen, casebook::tui::app::Screen::Board));
    assert_eq!(form_title(&app), "New concern", "the form opened meanwhile stays");
    press(&mut app, KeyCode::Esc);
    // Asked for and left alone, it opens.
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(matches!(app.screen, casebook::tui::app::Screen::Board), "not yet: it is on its way");
    app.wait_idle();
    assert!(matches!(app.screen, casebook::tui::app::Screen::Concern(_)));
}

/// Issue 9, seen over ssh at 80×24: when `casebook serve` went away, the
/// footer cut its message at "…casebook.sock (" before it said what was
/// lost or what to do. A message too long for one line wraps above the keys.
#[test]
fn a_lost_server_is_said_in_full_at_80_columns() {
    let (f, demo) = Fixture::new(3);
    drop(demo); // the demo's own session holds the store; the server takes it
    let store = f.dir.path().join("store");
    let socket = f.dir.path().join("casebook.sock");
    let mut server = std::process::Command::new(assert_cmd::cargo::cargo_bin("casebook"))
        .env_clear()
        .arg("--store")
        .arg(&store)
        .arg("--socket")
        .arg(&socket)
        .arg("serve")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !casebook::server::listening(&socket) {
        if start.elapsed() > std::time::Duration::from_secs(20) {
            let _ = server.kill();
            panic!("casebook serve did not start");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let id = identity::load(&store.join("demo-keys/dsl.txt"), &mut || None).unwrap();
    let session = Store::connect(&socket).and_then(|s| s.unlock(id));
    if session.is_err() {
        let _ = server.kill();
    }
    let mut dsl = app(session.unwrap());
    let _ = server.kill();
    let _ = server.wait();
    press(&mut dsl, KeyCode::Enter);
    let message = dsl.message.clone().expect("a message").0;
    assert!(message.contains("lost the connection") && message.ends_with("reconnects when it is back"), "{message}");
    let s = screen(&mut dsl, 80, 24);
    let shown: String = s.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    assert!(shown.contains("nothing was saved, and casebook reconnects when it is back"), "{s}");
    assert!(s.lines().last().unwrap().contains("? help"), "the keys stay on the last line:\n{s}");
}

/// Seen over ssh (issue 9): when a colleague recorded a concern, the board's
/// marker moved to another concern, where the next key (t, s, Enter) would
/// have acted. The selection stays on its case.
#[test]
fn a_colleagues_new_concern_leaves_the_selection_on_its_case() {
    let (f, mut app) = Fixture::new(6);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    let chosen = app.selected_row().unwrap().reference.clone();
    let reporter_key = identity::load(&f.dir.path().join("store/demo-keys/reporter.txt"), &mut || None).unwrap();
    let mut reporter = Store::with_backend(app.session.backend().clone()).unlock(reporter_key).unwrap();
    let new = casebook::domain::NewConcern {
        occurred_at: fixed_now() - chrono::Duration::minutes(30),
        reported_by: String::new(),
        subjects: vec![casebook::domain::Subject::named(
            casebook::domain::SubjectKind::Child,
            "Pupil Ember Holloway",
            "Year 5",
        )],
        category: "indecent-image".into(),
        location: "toilets".into(),
        devices: vec!["mobile-phone".into()],
        description: "A pupil says an image is being shared.".into(),
        immediate_action: "Phone confiscated; not looked at.".into(),
        source: casebook::domain::Source::StaffReport,
    };
    reporter.record_concern(new, fixed_now()).unwrap();
    app.refresh_from_store();
    app.wait_idle();
    assert_eq!(app.board.rows.len(), 7, "the new concern is on the board");
    assert_eq!(app.selected_row().unwrap().reference, chosen, "the marker stays on its concern");
}

#[test]
fn the_dashboard_says_when_the_last_good_backup_was_and_warns_after_48_hours() {
    // Issue 11.
    use casebook::store::backup::{Stamp, record};
    let (f, app) = with_oversight(10);
    drop(app);
    let store = f.dir.path().join("store");
    let now = fixed_now().and_local_timezone(chrono::Local).unwrap().timestamp();
    let note = |hours_ago: i64| {
        let backend = Store::open_backend(&store).unwrap();
        let stamp = Stamp { taken_at: now - hours_ago * 3600, entries: 123, bytes: 3 * 1024 * 1024, by: "test".into() };
        record(&backend, &stamp).unwrap();
    };
    let mut leader = f.reopen("leadership.txt");
    let s = screen(&mut leader, 80, 24);
    assert!(s.contains("NO BACKUP has been taken: run `casebook backup --out FILE`"), "{s}");
    drop(leader);
    note(3);
    let s = screen(&mut f.reopen("leadership.txt"), 80, 24);
    assert!(s.contains("Last good backup: 20 Nov 2026 at 07:30 (123 records, 3 MiB)"), "{s}");
    note(49);
    let mut dsl = f.reopen("dsl.txt");
    press(&mut dsl, KeyCode::Char('4'));
    let s = screen(&mut dsl, 80, 24);
    assert!(s.contains("NO BACKUP in 48 hours: the last good one was 18 Nov 2026 at 09:30 (3 MiB)"), "{s}");
}

/// A store that stops answering when told to (`casebook serve` gone).
struct Unreachable {
    inner: casebook::store::backend::SledBackend,
    down: std::sync::atomic::AtomicBool,
}

impl Unreachable {
    fn up(&self) -> Result<(), casebook::store::StoreError> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(casebook::store::StoreError::Served(
                "cannot reach casebook serve on /run/casebook/casebook.sock: Connection refused".into(),
            ));
        }
        Ok(())
    }
}

impl casebook::store::Backend for Unreachable {
    fn location(&self) -> casebook::store::Location {
        self.inner.location()
    }
    fn get(&self, tree: &str, key: &[u8]) -> Result<Option<Vec<u8>>, casebook::store::StoreError> {
        self.up()?;
        self.inner.get(tree, key)
    }
    fn scan_page(
        &self,
        tree: &str,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, casebook::store::StoreError> {
        self.up()?;
        self.inner.scan_page(tree, after, limit)
    }
    fn apply(&self, batch: casebook::store::Batch) -> Result<u64, casebook::store::StoreError> {
        self.up()?;
        self.inner.apply(batch)
    }
    fn next_counter(&self, name: &str) -> Result<u32, casebook::store::StoreError> {
        self.up()?;
        self.inner.next_counter(name)
    }
    fn changes(&self) -> Result<u64, casebook::store::StoreError> {
        self.up()?;
        self.inner.changes()
    }
    fn wait_change(&self, since: u64, timeout: std::time::Duration) -> Result<u64, casebook::store::StoreError> {
        self.up()?;
        self.inner.wait_change(since, timeout)
    }
    fn backup(&self, out: &mut std::fs::File) -> Result<casebook::store::backup::Summary, casebook::store::StoreError> {
        self.up()?;
        self.inner.backup(out)
    }
}

/// Issue 9: `r` says "Reloaded" only once the store has answered (not
/// while it is still reading), and when it has not, what failed: for the
/// DSL's board and for leadership's dashboard.
#[test]
fn reload_says_what_failed_rather_than_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    {
        let (mut session, _) = casebook::demo::create(&store).unwrap();
        casebook::demo::populate(&mut session, 3, fixed_now(), 7).unwrap();
    }
    let backend = std::sync::Arc::new(Unreachable {
        inner: casebook::store::backend::SledBackend::open(&store).unwrap(),
        down: std::sync::atomic::AtomicBool::new(false),
    });
    let unlock = |key: &str| {
        let id = identity::load(&store.join("demo-keys").join(key), &mut || None).unwrap();
        Store::with_backend(backend.clone()).unlock(id).unwrap()
    };
    let mut dsl = app(unlock("dsl.txt"));
    let mut leadership = app(unlock("leadership.txt"));
    dsl.handle_key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE));
    assert_eq!(dsl.message, Some(("Reloading…".to_string(), false)), "not reloaded before the store answers");
    dsl.wait_idle();
    assert_eq!(dsl.message, Some(("Reloaded from the store.".to_string(), false)));

    backend.down.store(true, std::sync::atomic::Ordering::SeqCst);
    for app in [&mut dsl, &mut leadership] {
        press(app, KeyCode::Char('r'));
        let (text, error) = app.message.clone().expect("a message");
        assert!(error, "{text}");
        assert!(text.starts_with("reload failed: "), "{text}");
        assert!(!text.contains("Reloaded"), "{text}");
    }
    assert!(dsl.message.as_ref().unwrap().0.contains("cannot reach casebook serve"), "{:?}", dsl.message);
    // What was on the board stays on it.
    assert_eq!(dsl.board.rows.len(), 3);
}

/// Issue 10 (P1-b): the DSL removes a member who has left from the TUI
/// (dashboard, M); the removal is asked about once, then re-keys, and the
/// member's key opens the store no more. Others are not offered it.
#[test]
fn the_dsl_removes_a_member_who_left_from_the_tui() {
    let (f, mut app) = Fixture::new(6);
    press(&mut app, KeyCode::Char('4'));
    app.handle_key(KeyEvent::new(KeyCode::Char('M'), KeyModifiers::SHIFT));
    app.wait_idle();
    assert!(app.form.is_some(), "the members form opens for the DSL");
    let shown = screen(&mut app, 120, 30);
    assert!(shown.contains("Members") && shown.contains("P1-b"), "{shown}");
    choose(&mut app, "member", "3");
    choose(&mut app, "change", "remove");
    ctrl(&mut app, 's');
    let asked = app.form.as_ref().and_then(|o| o.form.error.clone()).unwrap_or_default();
    assert!(asked.contains("Mrs Nadia Quillfeather") && asked.contains("again to go ahead"), "{asked}");
    ctrl(&mut app, 's');
    let said = app.message.as_ref().map(|m| m.0.clone()).unwrap_or_default();
    assert!(said.contains("Removed Mrs Nadia Quillfeather;") && said.contains("records sealed again"), "{said}");
    assert!(!app.session.members().iter().any(|m| m.id == 3), "the screen's member list is read again");
    let key = identity::load(&f.dir.path().join("store/demo-keys/deputy2.txt"), &mut || None).unwrap();
    let err = Store::with_backend(app.session.backend().clone()).unlock(key).err().map(|e| e.to_string());
    let err = err.unwrap_or_default();
    assert!(err.contains("not a member") || err.contains("no longer a member"), "{err}");
    // A deputy is not offered it.
    let deputy_key = identity::load(&f.dir.path().join("store/demo-keys/deputy.txt"), &mut || None).unwrap();
    let mut deputy = crate::app(Store::with_backend(app.session.backend().clone()).unlock(deputy_key).unwrap());
    press(&mut deputy, KeyCode::Char('4'));
    deputy.handle_key(KeyEvent::new(KeyCode::Char('M'), KeyModifiers::SHIFT));
    deputy.wait_idle();
    assert!(deputy.form.is_none(), "only the DSL manages members");
    let said = deputy.message.as_ref().map(|m| m.0.clone()).unwrap_or_default();
    assert!(said.contains("Only the DSL removes members"), "{said}");
}

/// The audit log's times are the wall clock's: masked for the snapshot.
fn mask_last(s: String) -> String {
    s.lines()
        .map(|l| match l.find("; last ") {
            Some(a) if l.len() >= a + "; last ".len() + 17 => {
                format!("{}; last [time]{}", &l[..a], &l[a + "; last ".len() + 17..])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Issue 10 (S-c): the DSL's concern view lists who has opened and changed
/// the concern (the trail `casebook show` lists); a deputy's does not.
#[test]
fn the_dsl_sees_who_has_opened_a_concern_and_a_deputy_does_not() {
    let (f, mut app) = Fixture::new(3);
    let deputy_key = identity::load(&f.dir.path().join("store/demo-keys/deputy.txt"), &mut || None).unwrap();
    let mut deputy = crate::app(Store::with_backend(app.session.backend().clone()).unlock(deputy_key).unwrap());
    press(&mut deputy, KeyCode::Enter);
    let casebook::tui::app::Screen::Concern(view) = &deputy.screen else { panic!("the deputy's concern view opens") };
    let id = view.id;
    press(&mut deputy, KeyCode::End);
    let theirs = screen(&mut deputy, 100, 30);
    assert!(!theirs.contains("Who has opened it"), "{theirs}");
    drop(deputy);

    press(&mut app, KeyCode::Enter);
    let casebook::tui::app::Screen::Concern(view) = &app.screen else { panic!("the DSL's concern view opens") };
    assert_eq!(view.id, id);
    press(&mut app, KeyCode::End);
    let s = mask_last(screen(&mut app, 100, 30));
    let section = s.split("Who has opened it").nth(1).unwrap_or_else(|| panic!("no audit section:\n{s}"));
    let deputy_name =
        app.session.members().iter().find(|m| m.role == casebook::domain::Role::Deputy).unwrap().name.clone();
    assert!(section.contains(&format!("{deputy_name}: opened 1×; last [time]")), "{s}");
    assert!(section.contains("changed"), "the DSL recorded it:\n{s}");
    insta::assert_snapshot!("concern_seen_by_100x30", s);
}

/// Issue 10 (P1-b): the DSL adds a member from the members form (dashboard,
/// M): name, role and public key, checked at their fields with nothing
/// typed lost, then the same as `casebook member add`; the new member's key
/// opens the store in their role.
#[test]
fn the_dsl_adds_a_member_from_the_tui_and_they_can_unlock() {
    let (_f, mut app) = Fixture::new(2);
    press(&mut app, KeyCode::Char('4'));
    app.handle_key(KeyEvent::new(KeyCode::Char('M'), KeyModifiers::SHIFT));
    app.wait_idle();
    assert!(app.form.is_some(), "the members form opens for the DSL");
    choose(&mut app, "member", "new");
    focus(&mut app, "name");
    type_text(&mut app, "Mr Quentin Marsh-Avery");
    choose(&mut app, "role", "deputy");
    focus(&mut app, "key");
    type_text(&mut app, "age1notakey");
    ctrl(&mut app, 's');
    let err = field_error(&app, "key");
    assert!(err.contains("not an age X25519 recipient") && !err.contains('\n'), "{err}");
    assert!(app.form.as_ref().unwrap().form.text("name") == "Mr Quentin Marsh-Avery", "the name is kept");
    insta::assert_snapshot!("members_add_bad_key_100x30", screen(&mut app, 100, 30));

    let joining = age::x25519::Identity::generate();
    retype(&mut app, "key", &joining.to_public().to_string());
    ctrl(&mut app, 's');
    let asked = app.form.as_ref().and_then(|o| o.form.error.clone()).unwrap_or_default();
    assert!(asked.contains("Mr Quentin Marsh-Avery joins as deputy") && asked.contains("again to go ahead"), "{asked}");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "the form closes once saved");
    let said = app.message.as_ref().map(|m| m.0.clone()).unwrap_or_default();
    assert!(said.contains("Added Mr Quentin Marsh-Avery as deputy"), "{said}");
    assert!(app.session.members().iter().any(|m| m.name == "Mr Quentin Marsh-Avery"), "the member list is read again");

    // Their key opens the store, as a deputy, and reads the concerns.
    let theirs = Store::with_backend(app.session.backend().clone()).unlock(joining).unwrap();
    assert_eq!(theirs.me().role, casebook::domain::Role::Deputy);
    assert_eq!(theirs.me().name, "Mr Quentin Marsh-Avery");
    let mut theirs = crate::app(theirs);
    let board = screen(&mut theirs, 100, 30);
    assert!(board.contains("C-2026-0001"), "{board}");
}

/// P6.1-e, P6.1-g: the DSL authorises a deputy from the members form to
/// record that a device's data was examined or erased, said once before
/// it is done (no key changes), and withdraws it again.
#[test]
fn p61g_the_dsl_authorises_a_member_to_examine_or_erase_data_from_the_tui() {
    let (_f, mut app) = Fixture::new(2);
    let deputy = app.session.members().iter().find(|m| m.role == casebook::domain::Role::Deputy).unwrap().clone();
    assert!(!deputy.authorised_to_erase);
    press(&mut app, KeyCode::Char('4'));
    app.handle_key(KeyEvent::new(KeyCode::Char('M'), KeyModifiers::SHIFT));
    app.wait_idle();
    choose(&mut app, "member", &deputy.id.to_string());
    choose(&mut app, "change", "authorise");
    ctrl(&mut app, 's');
    let asked = app.form.as_ref().and_then(|o| o.form.error.clone()).unwrap_or_default();
    assert!(asked.contains("authorise them to examine or erase a device's data (P6.1-g)"), "{asked}");
    assert!(!asked.contains("sealed again"), "no key changes: {asked}");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "the form closes once saved");
    let said = app.message.as_ref().map(|m| m.0.clone()).unwrap_or_default();
    assert!(said.contains("may now record that a device's data was examined or erased (P6.1-g)"), "{said}");
    let now = app.session.member(deputy.id).unwrap().clone();
    assert!(now.authorised_to_erase, "the member list is read again");

    // The form shows it, and the same form withdraws it.
    app.handle_key(KeyEvent::new(KeyCode::Char('M'), KeyModifiers::SHIFT));
    app.wait_idle();
    choose(&mut app, "member", &deputy.id.to_string());
    let s = screen(&mut app, 120, 30);
    assert!(s.contains("(deputy; authorised, P6.1-g)"), "{s}");
    choose(&mut app, "change", "unauthorise");
    ctrl(&mut app, 's');
    ctrl(&mut app, 's');
    assert!(!app.session.member(deputy.id).unwrap().authorised_to_erase);
}

// ---- issue 13: referrals, deadlines and Today -------------------------------

/// Records a concern of `category` reported `days_ago` days before the
/// fixed clock (a Friday), about a member of staff or a child.
fn plant_concern(app: &mut App, category: &str, days_ago: i64, staff: bool) -> (u32, String) {
    use casebook::domain::{NewConcern, Source, Subject, SubjectKind};
    let reported = fixed_now() - chrono::Duration::days(days_ago);
    let recorded = app
        .session
        .record_concern(
            NewConcern {
                occurred_at: reported - chrono::Duration::hours(1),
                reported_by: String::new(),
                subjects: vec![Subject::named(
                    if staff { SubjectKind::Staff } else { SubjectKind::Child },
                    if staff { "Mr Fictional Tutor" } else { "Pupil Fictional Wren" },
                    "",
                )],
                category: category.into(),
                location: "classroom".into(),
                devices: vec!["mobile-phone".into()],
                description: "Fictional concern for the referral tests.".into(),
                immediate_action: "Device taken to the office.".into(),
                source: Source::StaffReport,
            },
            reported,
        )
        .unwrap();
    (recorded.id, recorded.reference)
}

fn shift(app: &mut App, c: char) {
    app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT));
    app.wait_idle();
}

#[test]
fn a_referral_recorded_from_the_concern_view_clears_its_deadline() {
    let (_f, mut app) = Fixture::new(6);
    // An allegation against staff reported on Tuesday 17 November: the LADO
    // was due on Wednesday, two working days ago (S-b).
    let (_, reference) = plant_concern(&mut app, "staff-illegal", 3, true);
    press(&mut app, KeyCode::Char('r'));
    app.selected = board_position(&app, |r| r.reference == reference);
    press(&mut app, KeyCode::Enter);
    // The DSL's who-opened-it section (issue 10) says when, by the wall clock.
    let s = mask_last(screen(&mut app, 120, 40));
    assert!(s.contains("inform the LADO (S-b)") && s.contains("overdue 2 working days"), "{s}");
    // The DSL's audit section holds wall-clock times (S-c).
    insta::assert_snapshot!("concern_deadlines_120x40", mask_last(s.clone()));

    shift(&mut app, 'R');
    assert!(form_title(&app).starts_with(&format!("Referral or contact for {reference}")), "{}", form_title(&app));
    insta::assert_snapshot!("referral_form_80x24", screen(&mut app, 80, 24));
    focus(&mut app, "reference");
    type_text(&mut app, "LADO/26/0099");
    focus(&mut app, "outcome");
    type_text(&mut app, "Strategy meeting on Monday.");
    focus(&mut app, "follow_up");
    type_text(&mut app, "2026-11-01");
    ctrl(&mut app, 's');
    // A follow-up before the referral: refused at its field, all kept.
    assert!(
        field_error(&app, "follow_up").contains("before the referral's date"),
        "{}",
        field_error(&app, "follow_up")
    );
    retype(&mut app, "follow_up", "2026-11-23");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert_eq!(app.message.as_ref().unwrap().0, "Recorded R-0001.");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("R-0001") && s.contains("LADO/26/0099"), "{s}");
    assert!(!s.contains("inform the LADO (S-b)"), "the LADO referral clears its deadline:\n{s}");
    assert!(s.contains("follow up: LADO"), "{s}");
}

#[test]
fn today_lists_what_is_due_urgent_first_and_opens_the_concern() {
    let (_f, mut app) = Fixture::new(30);
    // A phone found in an exam this morning: the examining body is due
    // today (P6-b); an allegation against staff from Tuesday is overdue to
    // the LADO (S-b).
    let (_, exam) = plant_concern(&mut app, "device-in-exam", 0, false);
    let (_, allegation) = plant_concern(&mut app, "staff-illegal", 3, true);
    press(&mut app, KeyCode::Char('r'));
    shift(&mut app, 'T');
    assert!(matches!(app.screen, casebook::tui::app::Screen::Today));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains(&exam) && s.contains("report to the examining body (P6-b)"), "{s}");
    assert!(s.contains(&allegation) && s.contains("inform the LADO (S-b)"), "{s}");
    insta::assert_snapshot!("today_120x40", s);
    insta::assert_snapshot!("today_80x24", screen(&mut app, 80, 24));
    // Urgent untriaged first: both planted concerns are urgent and new.
    let items = casebook::tui::today::items(&app);
    assert_eq!(items[0].kind, casebook::domain::today::TodayKind::UrgentUntriaged);
    // Enter opens the selected concern; Esc comes back to Today.
    let at = items.iter().position(|i| i.reference == exam && i.due == fixed_now().date()).unwrap();
    for _ in 0..at {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    let casebook::tui::app::Screen::Concern(view) = &app.screen else { panic!("the concern opens") };
    assert_eq!(view.case.concern.reference, exam);
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, casebook::tui::app::Screen::Today));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, casebook::tui::app::Screen::Board));
}

// ---- issue 12: people --------------------------------------------------------

/// The people of the issue-12 fixture, by their record ids.
struct Family {
    zoe: u32,
    milo: u32,
    freya: u32,
    /// Zoë's concerns, oldest first.
    concerns: Vec<String>,
}

/// A demo store with a family on record (fictional names only): Zoë and
/// her brother Milo, their mother Freya; three concerns about Zoë (one
/// where Milo is alleged, one triaged with a review due), one she
/// witnessed, and a few of the demo's own.
fn with_people() -> (Fixture, App, Family) {
    use casebook::domain::person::{LinkKind, PersonDetails};
    use casebook::domain::{NewConcern, Part, Risk, Source, Subject, SubjectKind};
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = casebook::demo::create(&dir.path().join("store")).unwrap();
    casebook::demo::populate(&mut s, 4, fixed_now(), 7).unwrap();
    let day = |d: i64| fixed_now() - chrono::Duration::days(d);
    let child = |name: &str, year: &str, upn: &str| PersonDetails {
        name: name.into(),
        detail: year.into(),
        school_id: upn.into(),
        ..Default::default()
    };
    let mut zoe_details = child("Zoë Ødegård", "Year 5", "A123456789012");
    zoe_details.date_of_birth = NaiveDate::from_ymd_opt(2016, 2, 29);
    zoe_details.other_names = vec!["Zoey Odegard".into()];
    let zoe = s.add_person(SubjectKind::Child, zoe_details, day(60)).unwrap().id;
    let milo = s.add_person(SubjectKind::Child, child("Milo Ødegård", "Year 3", "B223456789012"), day(60)).unwrap().id;
    let freya = s
        .add_person(
            SubjectKind::ParentCarer,
            PersonDetails { name: "Freya Ødegård".into(), detail: "mother".into(), ..Default::default() },
            day(60),
        )
        .unwrap()
        .id;
    s.link_people(zoe, LinkKind::Sibling, milo, "", day(59)).unwrap();
    s.link_people(freya, LinkKind::ParentCarerOf, zoe, "mother", day(59)).unwrap();
    let linked = |id: u32, part: Part| {
        let mut sub = Subject::named(SubjectKind::Child, "", "");
        sub.person = Some(id);
        sub.part = part;
        sub
    };
    let mut concern = |subjects: Vec<Subject>, category: &str, text: &str, at: NaiveDateTime| {
        s.record_concern(
            NewConcern {
                occurred_at: at - chrono::Duration::hours(1),
                reported_by: String::new(),
                subjects,
                category: category.into(),
                location: "playground".into(),
                devices: vec![],
                description: text.into(),
                immediate_action: String::new(),
                source: Source::StaffReport,
            },
            at,
        )
        .unwrap()
    };
    let first = concern(
        vec![linked(zoe, Part::Subject)],
        "abusive-messages",
        "Zoë showed a teacher unkind messages in a class chat.",
        day(40),
    );
    let second = concern(
        vec![linked(zoe, Part::Subject), linked(milo, Part::Alleged)],
        "abusive-messages",
        "Zoë said her brother posted a photo of her without asking.",
        day(12),
    );
    let third = concern(
        vec![linked(zoe, Part::Subject)],
        "restricted-area",
        "Zoë was seen with a phone in the toilets at lunch.",
        day(2),
    );
    concern(vec![linked(zoe, Part::Witness)], "abusive-messages", "A pupil was shouted at; Zoë saw it.", day(1));
    let catalogue = s.catalogue().clone();
    let triage = |review: Option<NaiveDate>, reasoning: &str| casebook::store::TriageInput {
        risk: Risk::Medium,
        urgency: Urgency::Routine,
        pathway: catalogue.pathways[0].id.clone(),
        linked_policy: catalogue.linked_policies[0].id.clone(),
        assignee: None,
        next_review: review,
        reasoning: reasoning.into(),
    };
    s.triage(second.id, triage(Some(day(3).date()), "Talk to both children and their mother."), day(11)).unwrap();
    s.triage(first.id, triage(None, "Class teacher to talk to the class."), day(39)).unwrap();
    let app = app(s);
    let concerns = vec![first.reference, second.reference, third.reference];
    (Fixture { dir }, app, Family { zoe, milo, freya, concerns })
}

fn person_on_screen(app: &App) -> Option<u32> {
    match &app.screen {
        casebook::tui::app::Screen::Person(p) => p.view.as_ref().map(|v| v.person.id),
        _ => None,
    }
}

#[test]
fn the_person_view_shows_a_childs_whole_history_and_siblings_are_one_key_away() {
    let (_f, mut app, family) = with_people();
    // From the board, p opens the person the selected concern is about.
    let third = family.concerns[2].clone();
    app.selected = board_position(&app, |r| r.reference == third);
    press(&mut app, KeyCode::Char('p'));
    assert_eq!(person_on_screen(&app), Some(family.zoe));
    let s = screen(&mut app, 80, 24);
    for expected in ["Zoë Ødegård", "kept until 01 Mar 2041", "Zoey Odegard", "sibling: Milo Ødegård", "Open now"]
    {
        assert!(s.contains(expected), "{expected}:\n{s}");
    }
    insta::assert_snapshot!("person_80x24", s);
    let s = screen(&mut app, 120, 40);
    for reference in &family.concerns {
        assert!(s.contains(reference.as_str()), "{reference}:\n{s}");
    }
    assert!(s.contains("review overdue 3 d") || s.contains("review"), "{s}");
    insta::assert_snapshot!("person_120x40", s);
    // It scrolls, down to the oldest entry of the merged chronology.
    press(&mut app, KeyCode::End);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("record created"), "the person record's own history is there:\n{s}");
    // Enter on the selected sibling opens his record; Esc comes back to hers.
    press(&mut app, KeyCode::Home);
    press(&mut app, KeyCode::Enter);
    assert_eq!(person_on_screen(&app), Some(family.milo));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("alleged"), "his part in his sister's concern:\n{s}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(person_on_screen(&app), Some(family.zoe));
    // Tab to the mother, then to the first concern: Enter opens it, Esc is back.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    assert_eq!(person_on_screen(&app), Some(family.freya));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    let casebook::tui::app::Screen::Concern(view) = &app.screen else { panic!("a concern of hers") };
    assert!(view.case.concern.subjects.iter().any(|s| s.person == Some(family.zoe)));
    press(&mut app, KeyCode::Esc);
    assert_eq!(person_on_screen(&app), Some(family.zoe));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, casebook::tui::app::Screen::Board));
}

#[test]
fn a_concern_naming_several_people_asks_whose_record_to_open() {
    let (_f, mut app, family) = with_people();
    let second = family.concerns[1].clone();
    app.selected = board_position(&app, |r| r.reference == second);
    press(&mut app, KeyCode::Enter);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("p opens"), "the concern view says how to open the person:\n{s}");
    press(&mut app, KeyCode::Char('p'));
    assert!(form_title(&app).starts_with("Whose record?"), "{}", form_title(&app));
    assert_eq!(app.form.as_ref().unwrap().form.choice("person"), family.zoe.to_string(), "the subject first");
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Enter);
    assert!(app.form.is_none());
    assert_eq!(person_on_screen(&app), Some(family.milo));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, casebook::tui::app::Screen::Concern(_)), "back to the concern");
    // A concern with nobody linked says so.
    press(&mut app, KeyCode::Esc);
    app.selected = board_position(&app, |r| r.people.is_empty());
    press(&mut app, KeyCode::Char('p'));
    assert!(matches!(app.screen, casebook::tui::app::Screen::Board));
    assert!(app.message.as_ref().unwrap().0.contains("No one on this concern is linked"), "{:?}", app.message);
}

#[test]
fn the_board_and_the_concern_say_how_many_other_concerns_are_about_the_child() {
    let (_f, mut app, family) = with_people();
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("◆2 "), "each of Zoë's three concerns has two others:\n{s}");
    insta::assert_snapshot!("board_markers_80x24", s);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("◆n: n other concerns about the same person"), "{s}");
    insta::assert_snapshot!("board_markers_120x40", s);
    // The witnessed concern is not one about her: no marker on it.
    let witnessed = app.board.rows.iter().find(|r| r.people.iter().any(|(_, p)| !p.is_about())).unwrap();
    assert_eq!(witnessed.first_about(), None);
    let third = family.concerns[2].clone();
    app.selected = board_position(&app, |r| r.reference == third);
    press(&mut app, KeyCode::Enter);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("2 other concerns about this child (2 open)"), "{s}");
    insta::assert_snapshot!("concern_other_concerns_80x24", s);
    press(&mut app, KeyCode::Char('t'));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("2 other concerns about this child (2 open)"), "the triage form says it too:\n{s}");
}

/// Fills in what a new concern needs besides its subject, and saves it.
fn finish_concern(app: &mut App) {
    choose(app, "category", "abusive-messages");
    focus(app, "description");
    type_text(app, "Unkind messages shown to a teacher at break.");
    ctrl(app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| (o.form.error.clone(), o.form.focused_key())));
}

/// The first subject of the concern just recorded (named in the footer).
fn recorded_subject(app: &mut App) -> casebook::domain::Subject {
    let message = app.message.as_ref().unwrap().0.clone();
    let reference = message.strip_prefix("Recorded ").expect(&message).trim_end_matches('.').to_string();
    recorded_subject_in(app, &reference)
}

#[test]
fn the_new_concern_form_finds_people_as_a_name_is_typed() {
    use casebook::domain::Part;
    let (_f, mut app, family) = with_people();
    press(&mut app, KeyCode::Char('n'));
    focus(&mut app, "name");
    type_text(&mut app, "ode");
    let picker = app.form.as_ref().unwrap().picker.as_ref().unwrap();
    let hits: Vec<u32> = picker.hits.iter().map(|p| p.id).collect();
    assert_eq!(hits.len(), 3, "the three Ødegårds, accent-blind: {hits:?}");
    type_text(&mut app, " m");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Milo Ødegård (child, Year 3)  P-0002"), "{s}");
    insta::assert_snapshot!("new_concern_people_80x24", s);
    // ↓ past the last match is the offer of a new record; ↑ back, Enter picks.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Enter);
    let open = app.form.as_ref().unwrap();
    assert_eq!(open.form.text("name"), "Milo Ødegård");
    assert_eq!(open.form.text("detail"), "Year 3");
    assert_eq!(open.form.choice("kind"), "child");
    assert_eq!(open.form.focused_key(), "detail", "on past what was filled in");
    choose(&mut app, "part", Part::Alleged.label());
    insta::assert_snapshot!("new_concern_person_picked_120x40", screen(&mut app, 120, 40));
    finish_concern(&mut app);
    let subject = recorded_subject(&mut app);
    assert_eq!((subject.person, subject.part), (Some(family.milo), Part::Alleged));
    // Typing over a picked name unlinks it: the concern keeps the name typed.
    press(&mut app, KeyCode::Char('n'));
    focus(&mut app, "name");
    type_text(&mut app, "zoe");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::BackTab);
    type_text(&mut app, "y");
    assert!(app.form.as_ref().unwrap().picker.as_ref().unwrap().picked.is_none());
    finish_concern(&mut app);
    let subject = recorded_subject(&mut app);
    assert_eq!((subject.person, subject.name.as_str()), (None, "Zoë Ødegårdy"));
}

#[test]
fn the_dsl_makes_a_new_person_from_the_form_and_a_reporter_sees_only_the_roll() {
    let (f, mut app, family) = with_people();
    press(&mut app, KeyCode::Char('n'));
    focus(&mut app, "name");
    type_text(&mut app, "Wren Halloway");
    focus(&mut app, "detail");
    type_text(&mut app, "Year 2");
    app.handle_key(KeyEvent::new(KeyCode::F(3), KeyModifiers::NONE));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("A new person record will be made for Wren"), "{s}");
    finish_concern(&mut app);
    let subject = recorded_subject(&mut app);
    let id = subject.person.expect("linked to the new record");
    let wren = app.session.fork().person(id).unwrap();
    assert_eq!((wren.name.as_str(), wren.detail.as_str()), ("Wren Halloway", "Year 2"));
    drop(app);

    // A reporter is offered pupils by name and year group, nothing more.
    let mut reporter = f.reopen("reporter.txt");
    press(&mut reporter, KeyCode::Char('n'));
    focus(&mut reporter, "name");
    type_text(&mut reporter, "zo");
    let s = screen(&mut reporter, 80, 24);
    assert!(s.contains("Zoë Ødegård (Year 5)"), "{s}");
    assert!(!s.contains("P-0001") && !s.contains("A123456789012") && !s.contains("not listed"), "{s}");
    insta::assert_snapshot!("new_concern_reporter_roll_80x24", s);
    app_key(&mut reporter, KeyCode::F(3));
    assert!(reporter.message.as_ref().unwrap().0.contains("Only the DSL and deputies"), "{:?}", reporter.message);
    press(&mut reporter, KeyCode::Enter);
    finish_concern(&mut reporter);
    let message = reporter.message.as_ref().unwrap().0.clone();
    let reference = message.strip_prefix("Recorded ").expect(&message).trim_end_matches('.').to_string();
    drop(reporter);
    // The DSL reads it back: the reporter's concern names Zoë's record.
    let mut dsl = f.reopen("dsl.txt");
    let subject = recorded_subject_in(&mut dsl, &reference);
    assert_eq!(subject.person, Some(family.zoe));
}

fn app_key(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    app.wait_idle();
}

fn recorded_subject_in(app: &mut App, reference: &str) -> casebook::domain::Subject {
    let mut s = app.session.fork();
    let id = s.board().unwrap().rows.iter().find(|r| r.reference == reference).expect(reference).id;
    s.case(id).unwrap().concern.subjects[0].clone()
}

fn people_screen(app: &App) -> &casebook::tui::app::PeopleScreen {
    match &app.screen {
        casebook::tui::app::Screen::People(ps) => ps,
        _ => panic!("not on the people screen"),
    }
}

#[test]
fn the_dsl_finds_people_links_old_subjects_and_merges_two_records() {
    use casebook::domain::person::PersonDetails;
    use casebook::domain::{NewConcern, Source, Subject, SubjectKind};
    let (f, mut app, family) = with_people();
    // A second record of Zoë, and an older concern with her name typed.
    let dup = app
        .session
        .add_person(
            SubjectKind::Child,
            PersonDetails { name: "Zoe Odegard".into(), detail: "Year 5".into(), ..Default::default() },
            fixed_now() - chrono::Duration::days(5),
        )
        .unwrap()
        .id;
    let typed = app
        .session
        .record_concern(
            NewConcern {
                occurred_at: fixed_now() - chrono::Duration::hours(3),
                reported_by: String::new(),
                subjects: vec![Subject::named(SubjectKind::Child, "Zoe Odegard", "Year 5")],
                category: "abusive-messages".into(),
                location: "playground".into(),
                devices: vec![],
                description: "Typed before people were kept.".into(),
                immediate_action: String::new(),
                source: Source::StaffReport,
            },
            fixed_now() - chrono::Duration::hours(2),
        )
        .unwrap();
    app.refresh_from_store();
    app.wait_idle();

    press(&mut app, KeyCode::Char('P'));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("People on record: 4 of 4"), "{s}");
    insta::assert_snapshot!("people_80x24", s);
    // Find as you type, accent-blind.
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "zoe");
    press(&mut app, KeyCode::Enter);
    assert_eq!(people_screen(&app).shown.len(), 2);
    insta::assert_snapshot!("people_find_120x40", screen(&mut app, 120, 40));
    // Merge: mark the duplicate, then M on the record to keep; asked first, naming both.
    let at = |app: &App, id: u32| {
        people_screen(app).shown.iter().position(|&i| people_screen(app).lists.as_ref().unwrap().people[i].id == id)
    };
    let pos = at(&app, dup).unwrap();
    people_select(&mut app, pos);
    press(&mut app, KeyCode::Char('M'));
    assert!(app.message.as_ref().unwrap().0.contains("marked to merge"), "{:?}", app.message);
    let pos = at(&app, family.zoe).unwrap();
    people_select(&mut app, pos);
    press(&mut app, KeyCode::Char('M'));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Merge P-0004 Zoe Odegard") && s.contains("into P-0001 Zoë Ødegård"), "{s}");
    insta::assert_snapshot!("people_merge_confirm_80x24", s);
    press(&mut app, KeyCode::Char('y'));
    assert!(app.message.as_ref().unwrap().0.contains("P-0004 merged into P-0001"), "{:?}", app.message);
    assert_eq!(app.session.fork().person(dup).unwrap().merged_into, Some(family.zoe));
    assert_eq!(people_screen(&app).shown.len(), 1, "the merged record no longer shows");

    // The subjects not yet linked: the typed name is suggested as Zoë.
    press(&mut app, KeyCode::Char('u'));
    let groups = people_screen(&app).groups().to_vec();
    let zoe_group = groups.iter().position(|g| g.name == "Zoe Odegard").expect("her typed name");
    assert_eq!(groups[zoe_group].suggestions.iter().map(|p| p.id).collect::<Vec<_>>(), vec![family.zoe]);
    people_select(&mut app, zoe_group);
    insta::assert_snapshot!("people_unlinked_120x40", screen(&mut app, 120, 40));
    press(&mut app, KeyCode::Char('l'));
    assert!(app.message.as_ref().unwrap().0.contains("now name P-0001"), "{:?}", app.message);
    let mut s = app.session.fork();
    assert_eq!(s.case(typed.id).unwrap().concern.subjects[0].person, Some(family.zoe));
    // Another name becomes a person of its own.
    let groups = people_screen(&app).groups().to_vec();
    assert!(groups.iter().all(|g| g.name != "Zoe Odegard"), "linked, so gone from the list");
    let other = groups[0].clone();
    people_select(&mut app, 0);
    press(&mut app, KeyCode::Char('a'));
    assert!(app.message.as_ref().unwrap().0.contains("(a new record)"), "{:?}", app.message);
    let found = s.find_people(&other.name, 5).unwrap();
    assert_eq!(found.first().map(|p| p.name.as_str()), Some(other.name.as_str()));
    // Esc goes back to the board.
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, casebook::tui::app::Screen::Board));
    drop(s);
    drop(app);

    // A deputy reads people but does not merge them.
    let mut deputy = f.reopen("deputy.txt");
    press(&mut deputy, KeyCode::Char('P'));
    press(&mut deputy, KeyCode::Char('M'));
    assert!(deputy.message.as_ref().unwrap().0.contains("Only the DSL merges"), "{:?}", deputy.message);
    drop(deputy);
    // A reporter has no people screen.
    let mut reporter = f.reopen("reporter.txt");
    press(&mut reporter, KeyCode::Char('P'));
    assert!(matches!(reporter.screen, casebook::tui::app::Screen::Board));
}

fn people_select(app: &mut App, pos: usize) {
    press(app, KeyCode::Home);
    for _ in 0..pos {
        press(app, KeyCode::Down);
    }
}

#[test]
fn help_on_the_person_and_people_screens_lists_their_keys() {
    let (_f, mut app, _) = with_people();
    press(&mut app, KeyCode::Char('P'));
    press(&mut app, KeyCode::Char('?'));
    let s = screen(&mut app, 80, 24);
    for expected in ["Keys: People", "merge: mark one", "a new person record", "find by name"] {
        assert!(s.contains(expected), "{expected}:\n{s}");
    }
    insta::assert_snapshot!("help_people_80x24", s);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('?'));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Keys: Person") && s.contains("open the family member or concern selected"), "{s}");
}

#[test]
fn a_pasted_name_finds_people_too() {
    let (_f, mut app, family) = with_people();
    press(&mut app, KeyCode::Char('n'));
    focus(&mut app, "name");
    app.handle_paste("Milo Ødegård");
    let picker = app.form.as_ref().unwrap().picker.as_ref().unwrap();
    assert_eq!(picker.hits.first().map(|p| p.id), Some(family.milo));
    assert!(picker.showing());
}

#[test]
fn tab_on_a_short_screen_scrolls_the_selected_concern_into_view() {
    let (_f, mut app, family) = with_people();
    app.open_person(family.zoe);
    app.wait_idle();
    // Two family members, then four concerns: the last is the oldest.
    for _ in 0..5 {
        press(&mut app, KeyCode::Tab);
    }
    let s = screen(&mut app, 80, 15);
    let oldest = &family.concerns[0];
    assert!(s.lines().any(|l| l.contains("▶ ") && l.contains(oldest.as_str())), "{s}");
    // And back to the first family member, at the top.
    press(&mut app, KeyCode::Tab);
    let s = screen(&mut app, 80, 15);
    assert!(s.lines().any(|l| l.contains("▶ sibling: Milo Ødegård")), "{s}");
}

/// P6.1-h: a phone held on an illegal-data concern is on Today to go to
/// the police from the day it was taken, and the board flags its concern
/// "⚑ police"; handed over, neither.
#[test]
fn p61h_a_device_that_may_hold_an_offence_is_flagged_until_the_police_have_it() {
    use casebook::domain::today::TodayKind;
    use casebook::domain::{CustodyMove, NewCustody, NewCustodyEvent};
    let (_f, mut app) = Fixture::new(6);
    let (id, reference) = plant_concern(&mut app, "illegal-data", 3, false);
    let at = fixed_now() - chrono::Duration::days(3);
    let new = NewCustody {
        device: "mobile-phone".into(),
        description: String::new(),
        owner: "Pupil Fictional Wren".into(),
        owner_person: None,
        confiscated_by: "Mr Fictional Teacher".into(),
        confiscated_at: at,
        reason: "Suspected illegal images.".into(),
        held_at: String::new(),
    };
    let device = app.session.confiscate(id, new, at).unwrap();
    press(&mut app, KeyCode::Char('r'));
    let items = casebook::tui::today::items(&app);
    let item = items.iter().find(|i| i.kind == TodayKind::ToPolice(device.id));
    let item = item.unwrap_or_else(|| panic!("{items:?}"));
    assert_eq!(item.reference, reference);
    let s = screen(&mut app, 120, 40);
    assert!(s.lines().any(|l| l.contains(reference.as_str()) && l.contains("⚑ police")), "{s}");
    let s = screen(&mut app, 80, 24);
    assert!(s.lines().any(|l| l.contains(reference.as_str()) && l.contains("⚑ police")), "{s}");

    let handed = NewCustodyEvent {
        at: fixed_now(),
        change: CustodyMove::Police { reference: "CR/0042/26".into(), officer: String::new() },
        note: String::new(),
        corrects: None,
    };
    app.session.custody_event(device.id, handed, fixed_now()).unwrap();
    press(&mut app, KeyCode::Char('r'));
    assert!(!casebook::tui::today::items(&app).iter().any(|i| matches!(i.kind, TodayKind::ToPolice(_))));
    let s = screen(&mut app, 120, 40);
    assert!(!s.contains("⚑ police"), "{s}");
}

/// Issue 13 (P6.1-a, P6.1-b, P6.1-d): a device recorded from the concern
/// view (D), the register from the board (D): held devices longest held
/// first with their concern, then those returned or handed over; e
/// records the selected device returned; Enter opens its concern and Esc
/// comes back; a device held past the limit is on Today.
#[test]
fn the_custody_register_lists_held_devices_longest_first_and_records_a_return() {
    use casebook::domain::{CustodyMove, NewCustody, NewCustodyEvent};
    use casebook::tui::app::Screen;
    let (_f, mut app) = Fixture::new(6);
    let (exam_id, exam) = plant_concern(&mut app, "device-in-exam", 0, false);
    let (old_id, old) = plant_concern(&mut app, "abusive-messages", 14, false);
    let confiscate = |app: &mut App, id, owner: &str, device: &str, days_ago: i64, held_at: &str| {
        let at = fixed_now() - chrono::Duration::days(days_ago);
        let new = NewCustody {
            device: device.into(),
            description: String::new(),
            owner: owner.into(),
            owner_person: None,
            confiscated_by: "Mr Fictional Teacher".into(),
            confiscated_at: at,
            reason: "Fictional reason.".into(),
            held_at: held_at.into(),
        };
        app.session.confiscate(id, new, at).unwrap()
    };
    confiscate(&mut app, old_id, "Pupil Fictional Wren", "tablet", 12, "");
    confiscate(&mut app, old_id, "Pupil Fictional Lark", "smart-watch", 2, "the head's safe");
    let gone = confiscate(&mut app, old_id, "Pupil Fictional Jay", "mobile-phone", 10, "");
    let back = NewCustodyEvent {
        at: fixed_now() - chrono::Duration::days(9),
        change: CustodyMove::Returned {
            released_by: "Ms Fictional Office".into(),
            collected_by: "Mrs Fictional Jay".into(),
            signature: true,
        },
        note: String::new(),
        corrects: None,
    };
    app.session.custody_event(gone.id, back, fixed_now()).unwrap();
    press(&mut app, KeyCode::Char('r'));

    // The concern view's section, and the confiscation form (D).
    app.selected = board_position(&app, |r| r.reference == exam);
    press(&mut app, KeyCode::Enter);
    shift(&mut app, 'D');
    assert_eq!(form_title(&app), format!("Device confiscated ({exam})"));
    ctrl(&mut app, 's');
    assert!(field_error(&app, "owner").contains("name the device's owner"), "{}", field_error(&app, "owner"));
    assert!(field_error(&app, "reason").contains("P6.1-a"), "{}", field_error(&app, "reason"));
    focus(&mut app, "owner");
    type_text(&mut app, "Pupil Fictional Wren");
    focus(&mut app, "reason");
    type_text(&mut app, "Phone found in the exam room.");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert_eq!(
        app.message.as_ref().unwrap().0,
        "Recorded DV-0004: Mobile phone of Pupil Fictional Wren, held in the school office."
    );
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Devices in custody (1; D records a confiscation; P6.1-b)"), "{s}");
    assert!(s.contains("DV-0004 Mobile phone of Pupil Fictional Wren: held in the school office"), "{s}");
    press(&mut app, KeyCode::Esc);

    // The register: held first, longest held first; then the returned one.
    shift(&mut app, 'D');
    assert!(matches!(app.screen, Screen::Custody));
    let order: Vec<String> = app.custody.iter().map(|c| c.label()).collect();
    assert_eq!(order, vec!["DV-0001", "DV-0002", "DV-0004", "DV-0003"]);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains(&old) && s.contains("returned to Mrs Fictional Jay"), "{s}");
    insta::assert_snapshot!("custody_register_120x40", s);
    insta::assert_snapshot!("custody_register_80x24", screen(&mut app, 80, 24));

    // Held twelve days (eight school days): on Today, overdue.
    let items = casebook::tui::today::items(&app);
    assert!(items.iter().any(|i| i.kind == casebook::domain::today::TodayKind::DeviceHeld(1)), "{items:?}");
    // The board flags its concern, and counts it in the title.
    press(&mut app, KeyCode::Esc);
    let s = screen(&mut app, 120, 40);
    assert!(s.lines().any(|l| l.contains(old.as_str()) && l.contains("⚑ held")), "{s}");
    assert!(s.contains("overdue (T: Today)"), "{s}");
    shift(&mut app, 'D');

    // e: the first (longest held) is returned to a parent who signs.
    press(&mut app, KeyCode::Char('e'));
    assert!(form_title(&app).starts_with("DV-0001 Tablet of Pupil Fictional Wren"), "{}", form_title(&app));
    ctrl(&mut app, 's');
    assert!(field_error(&app, "collected_by").contains("P6.1-b"), "{}", field_error(&app, "collected_by"));
    focus(&mut app, "collected_by");
    type_text(&mut app, "Mr Fictional Wren");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert_eq!(app.message.as_ref().unwrap().0, "DV-0001: returned to Mr Fictional Wren on 2026-11-20.");
    let order: Vec<String> = app.custody.iter().map(|c| c.label()).collect();
    assert_eq!(order, vec!["DV-0002", "DV-0004", "DV-0003", "DV-0001"], "the returned one moves down");
    assert!(
        !casebook::tui::today::items(&app).iter().any(|i| i.kind == casebook::domain::today::TodayKind::DeviceHeld(1))
    );

    // `/` finds a device as its owner is typed, returned ones too (P6.1-b);
    // e and Enter act on the device found; Esc clears the search.
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "jay");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("find: jay") && s.contains("DV-0003") && !s.contains("DV-0002"), "{s}");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('e'));
    assert!(form_title(&app).starts_with("DV-0003"), "{}", form_title(&app));
    press(&mut app, KeyCode::Esc);
    // `/` again goes on with the search kept.
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "nobody");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("No device matches \"jaynobody\""), "{s}");
    press(&mut app, KeyCode::Esc);
    assert!(app.custody_search.query.is_empty());

    // Enter opens the selected device's concern; Esc comes back.
    app.custody_list.selected = 1;
    press(&mut app, KeyCode::Enter);
    let Screen::Concern(view) = &app.screen else { panic!("the concern opens") };
    assert_eq!(view.id, exam_id);
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Custody));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Board));
}

/// Issue 13 (P6.1-e, P6.1-f, P6.1-g): S on the concern view records a
/// search of a device held on it. A deputy the DSL has not authorised is
/// told at the data field that they cannot record an erasure; the DSL
/// (authorised) records one, with a safeguarding risk, which makes the
/// triaged concern urgent.
#[test]
fn a_search_is_recorded_from_the_concern_view_and_only_the_authorised_record_an_erasure() {
    use casebook::domain::{NewCustody, Risk, Urgency};
    use casebook::store::TriageInput;
    let (f, mut app) = Fixture::new(6);
    let (id, reference) = plant_concern(&mut app, "abusive-messages", 1, false);
    let at = fixed_now() - chrono::Duration::days(1);
    let new = NewCustody {
        device: "mobile-phone".into(),
        description: "blue case".into(),
        owner: "Pupil Fictional Wren".into(),
        owner_person: None,
        confiscated_by: "Mr Fictional Teacher".into(),
        confiscated_at: at,
        reason: "Abusive messages in class.".into(),
        held_at: String::new(),
    };
    app.session.confiscate(id, new, at).unwrap();
    let triage = TriageInput {
        risk: Risk::Low,
        urgency: Urgency::Routine,
        pathway: "behaviour-sanctions".into(),
        linked_policy: "behaviour".into(),
        assignee: None,
        next_review: None,
        reasoning: "Behaviour policy.".into(),
    };
    app.session.triage(id, triage, fixed_now()).unwrap();
    drop(app);

    // A deputy, not authorised (P6.1-g): refused at the data field.
    let mut deputy = f.reopen("deputy.txt");
    deputy.selected = board_position(&deputy, |r| r.reference == reference);
    press(&mut deputy, KeyCode::Enter);
    shift(&mut deputy, 'S');
    assert_eq!(form_title(&deputy), format!("Search of a device ({reference})"));
    assert_eq!(deputy.form.as_ref().unwrap().form.choice("custody"), "DV-0001", "the device held is offered first");
    let fill = |app: &mut App| {
        focus(app, "authorised_by");
        type_text(app, "Mrs Fictional Head");
        focus(app, "witnessed_by");
        type_text(app, "Mr Fictional Witness");
        focus(app, "grounds");
        type_text(app, "Abusive messages reported.");
        focus(app, "looked_for");
        type_text(app, "The messages.");
        focus(app, "found");
        type_text(app, "Messages suggesting grooming.");
        choose(app, "data", "erased");
        focus(app, "data_reason");
        type_text(app, "Police declined; stop it spreading.");
    };
    fill(&mut deputy);
    ctrl(&mut deputy, 's');
    let err = field_error(&deputy, "data");
    assert!(err.contains("is not authorised to record that data erased (P6.1-g"), "{err}");
    insta::assert_snapshot!("search_form_80x24", screen(&mut deputy, 80, 24));
    drop(deputy);

    // The DSL, authorised: recorded, and the risk makes the concern urgent.
    let mut app = f.reopen("dsl.txt");
    app.selected = board_position(&app, |r| r.reference == reference);
    press(&mut app, KeyCode::Enter);
    shift(&mut app, 'S');
    fill(&mut app);
    choose(&mut app, "risk", "yes");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert_eq!(
        app.message.as_ref().unwrap().0,
        format!("Recorded SR-0001: a safeguarding risk, so {reference} is now URGENT (P6.1-f).")
    );
    let s = screen(&mut app, 120, 60);
    assert!(s.contains("Device searches (1; S records one; P6.1-e)"), "{s}");
    assert!(s.contains("data erased by Ms Aria Pennant: Police declined; stop it spreading."), "{s}");
    let row = app.board.rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row.urgency, Urgency::Urgent);
}

// ---- issue 13: each procedure in the TUI as in the CLI ---------------------

/// Issue 13 (P6.1-a): the confiscation form's owner is found as part of
/// their name is typed, as a concern's subject is; the device then names
/// the child's record. A name matching no one is kept as typed.
#[test]
fn the_confiscation_form_finds_the_owner_as_their_name_is_typed() {
    let (_f, mut app, family) = with_people();
    let reference = family.concerns[2].clone();
    app.selected = board_position(&app, |r| r.reference == reference);
    press(&mut app, KeyCode::Enter);
    shift(&mut app, 'D');
    assert_eq!(form_title(&app), format!("Device confiscated ({reference})"));
    focus(&mut app, "owner");
    type_text(&mut app, "milo");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Milo Ødegård (child, Year 3)  P-0002"), "{s}");
    insta::assert_snapshot!("confiscate_owner_picker_80x24", s);
    press(&mut app, KeyCode::Enter);
    let open = app.form.as_ref().unwrap();
    assert_eq!(open.form.text("owner"), "Milo Ødegård");
    assert_eq!(open.form.focused_key(), "by", "on past the owner picked");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Owner: Milo Ødegård (child, Year 3)"), "{s}");
    focus(&mut app, "reason");
    type_text(&mut app, "Phone out in the toilets at lunch.");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    let c = app.custody.iter().find(|c| c.case_reference == reference).expect("recorded");
    assert_eq!((c.owner_person, c.owner.as_str()), (Some(family.milo), "Milo Ødegård"));

    // Typing over the name picked unlinks it: the name typed is kept.
    shift(&mut app, 'D');
    focus(&mut app, "owner");
    type_text(&mut app, "zoe");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::BackTab);
    type_text(&mut app, "y");
    assert!(app.form.as_ref().unwrap().picker.as_ref().unwrap().picked.is_none());
    focus(&mut app, "reason");
    type_text(&mut app, "A second phone.");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    let last = app.custody.iter().filter(|c| c.case_reference == reference).max_by_key(|c| c.id).unwrap();
    assert_eq!((last.owner_person, last.owner.as_str()), (None, "Zoë Ødegårdy"));
}

/// Ticks (or unticks) the option of a list field whose label starts with `name`.
fn tick(app: &mut App, field: &str, name: &str) {
    use casebook::tui::form::Input;
    focus(app, field);
    for _ in 0..10 {
        let open = app.form.as_ref().unwrap();
        let at = match &open.form.field(field).input {
            Input::Multi { options, cursor, .. } => options[*cursor].1.starts_with(name),
            _ => panic!("{field} is not a list"),
        };
        if at {
            return press(app, KeyCode::Char(' '));
        }
        press(app, KeyCode::Right);
    }
    panic!("no {name} in {field}");
}

/// Issue 13 (P5-f, P5-g): from the concern view the DSL restricts an
/// allegation against staff, ticking who may read it and who never, and is
/// asked once, naming who will be able to read it. The view then says it
/// is restricted and to whom; a deputy left out no longer opens it; run
/// again, it replaces the restriction. Only the DSL is offered it.
#[test]
fn the_dsl_restricts_a_concern_from_the_concern_view() {
    let (f, mut app) = Fixture::new(6);
    let (id, reference) = plant_concern(&mut app, "staff-illegal", 1, true);
    drop(app);
    let mut deputy = f.reopen("deputy.txt");
    deputy.selected = board_position(&deputy, |r| r.reference == reference);
    press(&mut deputy, KeyCode::Enter);
    shift(&mut deputy, 'X');
    assert!(deputy.form.is_none());
    assert_eq!(deputy.message.as_ref().unwrap().0, "Only the DSL can restrict a concern.");
    drop(deputy);

    let mut app = f.reopen("dsl.txt");
    app.selected = board_position(&app, |r| r.reference == reference);
    press(&mut app, KeyCode::Enter);
    shift(&mut app, 'X');
    assert_eq!(form_title(&app), format!("Restrict who may read {reference}"));
    insta::assert_snapshot!("restrict_form_80x24", screen(&mut app, 80, 24));
    // One member in both lists: said at the field.
    tick(&mut app, "allow", "Mr Tobias Fairweather");
    tick(&mut app, "exclude", "Mr Tobias Fairweather");
    ctrl(&mut app, 's');
    assert!(field_error(&app, "allow").contains("ticked in both lists"), "{}", field_error(&app, "allow"));
    tick(&mut app, "exclude", "Mr Tobias Fairweather");
    tick(&mut app, "exclude", "Mrs Nadia Quillfeather");
    focus(&mut app, "reason");
    type_text(&mut app, "Allegation against a member of staff.");
    ctrl(&mut app, 's');
    let open = app.form.as_ref().expect("asked first");
    assert_eq!(
        open.form.error.as_deref().unwrap_or_default(),
        format!(
            "Only Ms Aria Pennant and Mr Tobias Fairweather will be able to read {reference} and its referrals; never \
             Mrs Nadia Quillfeather. Press Ctrl-s again to restrict it."
        )
    );
    assert!(app.session.restriction(id).unwrap().is_none(), "nothing sealed before the answer");
    insta::assert_snapshot!("restrict_confirm_80x24", screen(&mut app, 80, 24));
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert_eq!(
        app.message.as_ref().unwrap().0,
        format!("{reference} is restricted: readable only by Ms Aria Pennant and Mr Tobias Fairweather.")
    );
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Restricted readable only by Ms Aria Pennant and Mr Tobias Fairweather (P5-g)"), "{s}");
    assert!(s.contains("never Mrs Nadia Quillfeather"), "{s}");
    insta::assert_snapshot!("restricted_concern_120x40", mask_last(s));
    drop(app);

    // The deputy left out sees only "restricted" on the board.
    let left_out = f.reopen("deputy2.txt");
    let row = left_out.board.rows.iter().find(|r| r.reference == reference).unwrap();
    assert!(casebook::domain::restricted::is_redacted(row), "{row:?}");
    drop(left_out);
    // The deputy allowed reads it, and is told it is restricted.
    let mut allowed = f.reopen("deputy.txt");
    allowed.selected = board_position(&allowed, |r| r.reference == reference);
    press(&mut allowed, KeyCode::Enter);
    let s = screen(&mut allowed, 120, 40);
    assert!(s.contains("Restricted readable only by Ms Aria Pennant and Mr Tobias Fairweather"), "{s}");
    assert!(!s.contains("changes who may read it"), "offered to the DSL only:\n{s}");
    drop(allowed);

    // Run again, it replaces the restriction: the deputy is unticked.
    let mut app = f.reopen("dsl.txt");
    app.selected = board_position(&app, |r| r.reference == reference);
    press(&mut app, KeyCode::Enter);
    shift(&mut app, 'X');
    assert_eq!(app.form.as_ref().unwrap().form.ticked("allow"), vec!["2".to_string()], "ticked as it stands");
    tick(&mut app, "allow", "Mr Tobias Fairweather");
    ctrl(&mut app, 's');
    let asked = app.form.as_ref().unwrap().form.error.clone().unwrap_or_default();
    assert!(asked.starts_with(&format!("Only Ms Aria Pennant will be able to read {reference}")), "{asked}");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert_eq!(app.session.restriction(id).unwrap().unwrap().allowed, Vec::<u32>::new());
    drop(app);
    let deputy = f.reopen("deputy.txt");
    let row = deputy.board.rows.iter().find(|r| r.reference == reference).unwrap();
    assert!(casebook::domain::restricted::is_redacted(row), "no longer theirs: {row:?}");
}

/// Issue 13: `f` on the concern view attaches a file, as `casebook
/// attachment add` does. A missing file, a file over the limit and a
/// category whose content must never be copied (P6.1-c) are each said in
/// one line at the form, and what was typed stays.
#[test]
fn a_file_is_attached_from_the_concern_view_and_the_store_refusals_are_said() {
    let (_f, mut app) = Fixture::new(6);
    let (id, reference) = plant_concern(&mut app, "abusive-messages", 1, false);
    let (_, image) = plant_concern(&mut app, "indecent-image", 1, false);
    press(&mut app, KeyCode::Char('r'));
    let files = tempfile::tempdir().unwrap();
    app.selected = board_position(&app, |r| r.reference == reference);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('f'));
    assert_eq!(form_title(&app), format!("Attach a file to {reference}"));
    insta::assert_snapshot!("attach_form_80x24", screen(&mut app, 80, 24));

    let missing = files.path().join("no-such-form.pdf");
    type_text(&mut app, &missing.display().to_string());
    focus(&mut app, "note");
    type_text(&mut app, "Signed confiscation form");
    ctrl(&mut app, 's');
    let error = app.form.as_ref().unwrap().form.error.clone().unwrap_or_default();
    assert_eq!(error, format!("there is no file {}; check the path", missing.display()));
    assert_eq!(app.form.as_ref().unwrap().form.text("note"), "Signed confiscation form", "kept");

    let big = files.path().join("scan.pdf");
    std::fs::write(&big, vec![0u8; casebook::store::attachments::ATTACHMENT_BYTES + 1]).unwrap();
    retype(&mut app, "path", &big.display().to_string());
    ctrl(&mut app, 's');
    let error = app.form.as_ref().unwrap().form.error.clone().unwrap_or_default();
    assert!(error.contains("over casebook's limit of 1.5 MiB"), "{error}");

    let form = files.path().join("signed-form.txt");
    std::fs::write(&form, "Signed by Mr Fictional Wren.").unwrap();
    retype(&mut app, "path", &form.display().to_string());
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert_eq!(app.message.as_ref().unwrap().0, format!("Attached signed-form.txt to {reference} as file 1."));
    let s = screen(&mut app, 120, 60);
    assert!(s.contains("Attached signed-form.txt (28 bytes) as file 1: Signed confiscation form"), "{s}");
    let kept = app.session.attachments(id).unwrap();
    assert_eq!((kept.len(), kept[0].bytes.as_slice()), (1, &b"Signed by Mr Fictional Wren."[..]));
    press(&mut app, KeyCode::Esc);

    // P6.1-c: never a copy of such content; the store's reason, at the form.
    app.selected = board_position(&app, |r| r.reference == image);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('f'));
    type_text(&mut app, &form.display().to_string());
    ctrl(&mut app, 's');
    let error = app.form.as_ref().unwrap().form.error.clone().unwrap_or_default();
    assert!(error.contains("casebook never keeps a copy of such content") && error.contains("P6.1-c"), "{error}");
    assert!(!error.contains('\n'), "one line: {error}");
}

/// Issue 13: the concern view's help names the keys that restrict it and
/// attach a file, and the registers screen's names the one that records an
/// entry, each with its clause, on an 80×24 screen.
#[test]
fn help_names_restrict_attach_and_new_entry() {
    let (_f, mut app) = Fixture::new(3);
    app.selected = 0;
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('?'));
    let s = screen(&mut app, 80, 24);
    let restrict = s.lines().find(|l| l.contains("restrict who may read it")).unwrap_or_else(|| panic!("{s}"));
    assert!(restrict.contains("X ") && restrict.contains("P5-f, P5-g"), "{restrict}");
    let attach = s.lines().find(|l| l.contains("attach a file")).unwrap_or_else(|| panic!("{s}"));
    assert!(attach.contains("f ") && attach.contains("P6.1-c"), "{attach}");
    insta::assert_snapshot!("help_concern_80x24", s);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    shift(&mut app, 'R');
    press(&mut app, KeyCode::Char('?'));
    let s = screen(&mut app, 80, 24);
    let entry = s.lines().find(|l| l.contains("new entry in the register shown")).unwrap_or_else(|| panic!("{s}"));
    assert!(entry.contains("n ") && entry.contains("P5-a"), "{entry}");
}

/// Issue 13 (P5-g): a member named in the concern is kept out whatever is
/// ticked: the form says so beside it, and ticking them to read it is said
/// at the field before anything is asked or sealed.
#[test]
fn a_member_named_in_the_concern_cannot_be_ticked_to_read_it() {
    use casebook::domain::{NewConcern, Source, Subject, SubjectKind};
    let (_f, mut app) = Fixture::new(3);
    let recorded = app
        .session
        .record_concern(
            NewConcern {
                occurred_at: fixed_now() - chrono::Duration::hours(2),
                reported_by: String::new(),
                subjects: vec![Subject::named(SubjectKind::Staff, "Mr Tobias Fairweather", "deputy")],
                category: "staff-illegal".into(),
                location: "classroom".into(),
                devices: vec!["mobile-phone".into()],
                description: "Fictional allegation for the restriction test.".into(),
                immediate_action: String::new(),
                source: Source::StaffReport,
            },
            fixed_now() - chrono::Duration::hours(1),
        )
        .unwrap();
    press(&mut app, KeyCode::Char('r'));
    app.selected = board_position(&app, |r| r.reference == recorded.reference);
    press(&mut app, KeyCode::Enter);
    shift(&mut app, 'X');
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Named in it, so kept out: Mr Tobias"), "{s}");
    tick(&mut app, "allow", "Mr Tobias Fairweather");
    ctrl(&mut app, 's');
    let error = field_error(&app, "allow");
    assert!(error.contains("Mr Tobias Fairweather is named in the concern, so is kept out"), "{error}");
    assert!(app.form.as_ref().unwrap().form.error.is_none(), "not asked");
    tick(&mut app, "allow", "Mr Tobias Fairweather");
    ctrl(&mut app, 's');
    let asked = app.form.as_ref().unwrap().form.error.clone().unwrap_or_default();
    assert!(asked.contains("never Mr Tobias Fairweather"), "{asked}");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert!(app.session.restriction(recorded.id).unwrap().unwrap().excluded.contains(&2));
}
