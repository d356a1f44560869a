//! Issue 13: the registers screen (P5-a, P5-c, P5-e, P7-b) on ratatui's
//! TestBackend, with a snapshot of each register; the guidance that names
//! a register links to it; an expiring approval on Today opens its register;
//! a location of the school's own catalogue (P3-a) is offered in the concern form;
//! the board filters by linked policy (P2-a).

use casebook::domain::register::{NewRegisterEntry, RegisterKind};
use casebook::store::Session;
use casebook::tui::app::Screen;
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

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

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

fn key(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    app.handle_key(KeyEvent::new(code, modifiers));
    app.wait_idle();
}

fn press(app: &mut App, code: KeyCode) {
    key(app, code, KeyModifiers::NONE)
}

fn entry(
    kind: RegisterKind,
    who: &str,
    date: NaiveDate,
    until: Option<NaiveDate>,
    fields: [&str; 5],
) -> NewRegisterEntry {
    let mut new = NewRegisterEntry::new(kind, date);
    new.who = who.into();
    new.until = until;
    [new.organisation, new.reason, new.permitted, new.risk_assessment, new.granted_by] = fields.map(String::from);
    new
}

/// A demo school (the DSL's session) with an entry or two in each register.
fn school() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let (mut session, _) = casebook::demo::create(&dir.path().join("store")).unwrap();
    casebook::demo::populate(&mut session, 4, fixed_now(), 7).unwrap();
    let head = "Mrs Fictional Head";
    for new in [
        entry(
            RegisterKind::Permission,
            "Mr Fictional Tutor",
            day(11, 9),
            None,
            ["", "Invacuation drill: phone to reach the office", "Phone during the drill only", "", head],
        ),
        entry(
            RegisterKind::RemoteLearning,
            "Ms Fictional Remote",
            day(9, 1),
            Some(day(11, 27)),
            ["", "Online catch-up group, Year 6", "Laptop at home, school platform only", "RA-2026-04 (office)", head],
        ),
        entry(
            RegisterKind::RemoteLearning,
            "Mr Fictional Away",
            day(9, 1),
            Some(day(12, 31)),
            ["", "Hospital-school liaison", "Video calls via the school platform", "RA-2026-05 (office)", head],
        ),
        entry(
            RegisterKind::Disclosure,
            "Mr Fictional Tutor",
            day(10, 5),
            None,
            ["", "Godparent of a pupil in Year 4", "No one-to-one tutoring of that pupil", "", "the DSL"],
        ),
        entry(
            RegisterKind::VisitorDevice,
            "Dr Fictional Therapist",
            day(11, 2),
            Some(day(12, 18)),
            [
                "Fictional NHS Trust",
                "Speech therapy sessions",
                "Laptop in the therapy room only; no photos",
                "RA-2026-07",
                head,
            ],
        ),
    ] {
        session.record_register(new, fixed_now()).unwrap();
    }
    let app = app(session);
    (dir, app)
}

#[test]
fn p5a_p5c_p5e_p7b_the_registers_screen_shows_each_register() {
    let (_dir, mut app) = school();
    key(&mut app, KeyCode::Char('R'), KeyModifiers::SHIFT);
    assert!(matches!(app.screen, Screen::Registers));
    for name in ["registers_permission", "registers_remote_learning", "registers_disclosure", "registers_visitor"] {
        insta::assert_snapshot!(format!("{name}_100x30"), screen(&mut app, 100, 30));
        press(&mut app, KeyCode::Tab);
    }
    // The optional registers (P4-a, P8-c), empty here: each says how to record one.
    for (id, requirement) in [("school-device", "P4-a"), ("awareness", "P8-c")] {
        let s = screen(&mut app, 100, 30);
        assert!(s.contains(&format!("({requirement})")) && s.contains("No entries in the"), "{id}: {s}");
        press(&mut app, KeyCode::Tab);
    }
    // Back round to the permission log; Esc goes back to the board.
    let s = screen(&mut app, 100, 30);
    assert!(s.contains("PL-0001") && s.contains("Granted by (headteacher): Mrs Fictional Head"), "{s}");
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Board));
}

#[test]
fn p5e_an_expiring_approval_is_on_today_and_opens_its_register() {
    let (_dir, mut app) = school();
    let items = casebook::tui::today::items(&app);
    let at = items.iter().position(|i| i.reference == "RL-0002").expect("the approval expiring in 7 days");
    assert!(!items.iter().any(|i| i.reference == "RL-0003"), "not within the notice");
    key(&mut app, KeyCode::Char('T'), KeyModifiers::SHIFT);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("RL-0002") && s.contains("review remote-learning approval"), "{s}");
    for _ in 0..at {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::Registers));
    let s = screen(&mut app, 100, 30);
    assert!(s.contains("Remote-learning approvals") && s.contains("expires in 7 days"), "{s}");
}

#[test]
fn p5a_the_guidance_that_names_the_permission_log_links_to_it() {
    let (_dir, mut app) = school();
    press(&mut app, KeyCode::Char('n'));
    for _ in 0..20 {
        if app.form.as_ref().unwrap().form.focused_key() == "category" {
            break;
        }
        press(&mut app, KeyCode::Tab);
    }
    for _ in 0..60 {
        if app.form.as_ref().unwrap().form.choice("category") == "staff-device-teaching" {
            break;
        }
        press(&mut app, KeyCode::Right);
    }
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("permission log."), "{s}");
    assert!(s.contains("→ Permission log (P5-a): R on the board"), "{s}");
}

/// Issue 13 (P3-a): a location of the school's own catalogue is offered in
/// the concern form, and its restricted flag shows there.
#[test]
fn p3a_a_schools_own_location_appears_in_the_concern_form() {
    let dir = tempfile::tempdir().unwrap();
    let (mut session, _) = casebook::demo::create(&dir.path().join("store")).unwrap();
    let text = format!(
        "{}\n[[locations]]\nid = \"changing-room\"\nlabel = \"Changing room\"\nrestricted = true\n",
        casebook::domain::Catalogue::seed_text()
    );
    session.set_catalogue(&text).unwrap();
    let mut app = app(session);
    press(&mut app, KeyCode::Char('n'));
    for _ in 0..20 {
        if app.form.as_ref().unwrap().form.focused_key() == "location" {
            break;
        }
        press(&mut app, KeyCode::Tab);
    }
    for _ in 0..40 {
        if app.form.as_ref().unwrap().form.choice("location") == "changing-room" {
            break;
        }
        press(&mut app, KeyCode::Right);
    }
    assert_eq!(app.form.as_ref().unwrap().form.choice("location"), "changing-room");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Changing room (restricted)") && s.contains("Restricted area: devices may not be used"), "{s}");
}

/// Issue 13 (P2-a): the board filters by the linked policy a concern is
/// handled under (its category's).
#[test]
fn p2a_the_board_filters_by_linked_policy() {
    let dir = tempfile::tempdir().unwrap();
    let (mut session, _) = casebook::demo::create(&dir.path().join("store")).unwrap();
    casebook::demo::populate(&mut session, 40, fixed_now(), 7).unwrap();
    let mut app = app(session);
    let catalogue = app.session.catalogue().clone();
    let policy = |category: &str| catalogue.category(category).map(|c| c.default_policy.clone());
    let expected = app.board.rows.iter().filter(|r| policy(&r.category).as_deref() == Some("behaviour")).count();
    assert!(expected > 0 && expected < app.board.rows.len(), "the demo has concerns under several policies");
    press(&mut app, KeyCode::Char('f'));
    for _ in 0..20 {
        if app.form.as_ref().unwrap().form.focused_key() == "policy" {
            break;
        }
        press(&mut app, KeyCode::Tab);
    }
    for _ in 0..20 {
        if app.form.as_ref().unwrap().form.choice("policy") == "behaviour" {
            break;
        }
        press(&mut app, KeyCode::Right);
    }
    key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(app.form.is_none());
    assert_eq!(app.visible.len(), expected);
    assert!(app.visible.iter().all(|&i| policy(&app.board.rows[i].category).as_deref() == Some("behaviour")));
    assert!(app.message.as_ref().unwrap().0.contains("under the Behaviour policy"), "{:?}", app.message);
}

fn reopen(dir: &tempfile::TempDir, key: &str) -> App {
    use casebook::store::{Store, identity};
    let id = identity::load(&dir.path().join("store/demo-keys").join(key), &mut || None).unwrap();
    app(Store::open(&dir.path().join("store")).unwrap().unlock(id).unwrap())
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn focus(app: &mut App, field: &str) {
    for _ in 0..20 {
        if app.form.as_ref().unwrap().form.focused_key() == field {
            return;
        }
        press(app, KeyCode::Tab);
    }
    panic!("no field {field}");
}

fn field_error(app: &App, field: &str) -> String {
    app.form.as_ref().unwrap().form.field(field).error.clone().unwrap_or_default()
}

fn save(app: &mut App) {
    key(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
}

/// Issue 13 (P5-a, P5-e): `n` on the registers screen records an entry in
/// the register shown, with the fields and the rules `casebook register
/// add` has; each problem is said at its field and nothing typed is lost.
#[test]
fn p5a_p5e_an_entry_is_recorded_from_the_registers_screen() {
    let (_dir, mut app) = school();
    key(&mut app, KeyCode::Char('R'), KeyModifiers::SHIFT);
    press(&mut app, KeyCode::Char('n'));
    let title = app.form.as_ref().unwrap().form.title.clone();
    assert_eq!(title, "New entry: Permission log (personal devices in teaching time)");
    insta::assert_snapshot!("register_entry_form_100x30", screen(&mut app, 100, 30));
    save(&mut app);
    assert_eq!(field_error(&app, "who"), "staff member is needed (P5-a)");
    assert_eq!(field_error(&app, "reason"), "why is needed (P5-a)");
    assert_eq!(field_error(&app, "granted_by"), "granted by (headteacher) is needed (P5-a)");
    focus(&mut app, "who");
    type_text(&mut app, "Ms Fictional Coach");
    focus(&mut app, "until");
    type_text(&mut app, "2026-13-01");
    focus(&mut app, "reason");
    type_text(&mut app, "Sports day: phone to reach parents");
    focus(&mut app, "granted_by");
    type_text(&mut app, "Mrs Fictional Head");
    save(&mut app);
    assert!(
        field_error(&app, "until").contains("is not a date; write it as YYYY-MM-DD"),
        "{}",
        field_error(&app, "until")
    );
    assert_eq!(app.form.as_ref().unwrap().form.text("who"), "Ms Fictional Coach", "nothing typed is lost");
    focus(&mut app, "until");
    for _ in 0..10 {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "2026-11-27");
    save(&mut app);
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert_eq!(
        app.message.as_ref().unwrap().0,
        "Recorded PL-0005 in the permission log (personal devices in teaching time): Ms Fictional Coach."
    );
    let s = screen(&mut app, 100, 30);
    assert!(s.contains("PL-0005 · Ms Fictional Coach") && s.contains("Why: Sports day: phone to reach parents"), "{s}");

    // P5-e: an approval needs its review or expiry date.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('n'));
    for (field, text) in [
        ("who", "Mr Fictional Online"),
        ("reason", "Revision sessions"),
        ("risk_assessment", "RA-2026-09"),
        ("granted_by", "Mrs Fictional Head"),
    ] {
        focus(&mut app, field);
        type_text(&mut app, text);
    }
    save(&mut app);
    assert_eq!(field_error(&app, "until"), "a review or expiry date is needed (P5-e)");
    focus(&mut app, "until");
    type_text(&mut app, "2027-01-31");
    save(&mut app);
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    assert!(app.message.as_ref().unwrap().0.starts_with("Recorded RL-0006 in the remote-learning approvals"));
}

/// Issue 13 (P5-c, P7-b): a deputy records a visitor's arrangement but is
/// never shown the disclosure register; leadership, who read the registers,
/// are told in one line that they do not record in them.
#[test]
fn p5c_p7b_deputies_record_visitor_arrangements_and_leadership_only_read() {
    let (dir, app) = school();
    drop(app);
    let mut deputy = reopen(&dir, "deputy.txt");
    key(&mut deputy, KeyCode::Char('R'), KeyModifiers::SHIFT);
    // Five registers for a deputy (not the disclosure register), round to the first.
    for _ in 0..5 {
        press(&mut deputy, KeyCode::Tab);
        assert!(!screen(&mut deputy, 100, 30).contains("Disclosure register ("), "the DSL's alone (P5-c)");
    }
    assert_eq!(deputy.registers.kind(casebook::domain::Role::Deputy), RegisterKind::Permission);
    // Back past the awareness log and the school devices to the visitors'.
    for _ in 0..3 {
        press(&mut deputy, KeyCode::BackTab);
    }
    press(&mut deputy, KeyCode::Char('n'));
    assert_eq!(deputy.form.as_ref().unwrap().form.title, "New entry: Visitor device arrangements");
    insta::assert_snapshot!("register_entry_visitor_80x24", screen(&mut deputy, 80, 24));
    for (field, text) in [
        ("who", "Mx Fictional Social Worker"),
        ("reason", "Child in need visit"),
        ("permitted", "Laptop for notes in the meeting room"),
        ("granted_by", "Ms Aria Pennant"),
    ] {
        focus(&mut deputy, field);
        type_text(&mut deputy, text);
    }
    save(&mut deputy);
    assert_eq!(field_error(&deputy, "organisation"), "the visitor's organisation is needed (P7-b)");
    focus(&mut deputy, "organisation");
    type_text(&mut deputy, "Fictional Children's Services");
    save(&mut deputy);
    assert!(deputy.form.is_none(), "{:?}", deputy.form.as_ref().map(|o| o.form.error.clone()));
    assert!(deputy.message.as_ref().unwrap().0.starts_with("Recorded VA-0005 in the visitor device arrangements"));
    drop(deputy);

    let mut leader = reopen(&dir, "leadership.txt");
    key(&mut leader, KeyCode::Char('R'), KeyModifiers::SHIFT);
    assert!(matches!(leader.screen, Screen::Registers));
    press(&mut leader, KeyCode::Char('n'));
    assert!(leader.form.is_none());
    assert_eq!(leader.message.as_ref().unwrap().0, "Only the DSL and deputies record entries in the registers.");
    let s = screen(&mut leader, 100, 30);
    assert!(!s.contains("new entry"), "not offered to leadership:\n{s}");
}
