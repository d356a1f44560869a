//! S-d: the retention screen on ratatui's TestBackend: reached from the
//! board and from Today's "N records past retention"; the DSL disposes of
//! the concern selected only once its reference is typed.

use casebook::domain::person::PersonDetails;
use casebook::domain::{NewConcern, Risk, Source, Status, Subject, SubjectKind, Urgency};
use casebook::store::{Session, TriageInput};
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

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// A closed concern about a child born in 1995 (past retention), recorded
/// through the store: its id.
fn closed_concern_about(session: &mut Session, born: NaiveDate, name: &str) -> u32 {
    let details = PersonDetails {
        name: name.into(),
        date_of_birth: Some(born),
        school_id: format!("A{}", born.format("%Y%m%d")),
        ..Default::default()
    };
    let person = session.add_person(SubjectKind::Child, details, fixed_now()).unwrap();
    let mut subject = Subject::named(SubjectKind::Child, name, "");
    subject.person = Some(person.id);
    let new = NewConcern {
        occurred_at: fixed_now() - chrono::Duration::hours(1),
        reported_by: String::new(),
        subjects: vec![subject],
        category: "restricted-area".into(),
        location: "toilets".into(),
        devices: vec!["mobile-phone".into()],
        description: "Filming in the toilets.".into(),
        immediate_action: "Phone taken to the office.".into(),
        source: Source::StaffReport,
    };
    let id = session.record_concern(new, fixed_now()).unwrap().id;
    let input = TriageInput {
        risk: Risk::Low,
        urgency: Urgency::Routine,
        pathway: "no-further-action".into(),
        linked_policy: "behaviour".into(),
        assignee: None,
        next_review: None,
        reasoning: "Nothing further needed.".into(),
    };
    session.triage(id, input, fixed_now()).unwrap();
    if session.case(id).unwrap().status != Status::Closed {
        session.transition(id, Status::Closed, "No further action.", fixed_now()).unwrap();
    }
    id
}

#[test]
fn sd_the_retention_screen_lists_past_retention_and_disposes_once_the_reference_is_typed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut session, _) = casebook::demo::create(&dir.path().join("store")).unwrap();
    let old = closed_concern_about(&mut session, NaiveDate::from_ymd_opt(1995, 3, 1).unwrap(), "Pupil Fictional Aged");
    closed_concern_about(&mut session, NaiveDate::from_ymd_opt(2018, 3, 1).unwrap(), "Pupil Fictional Young");
    let reference = session.case(old).unwrap().concern.reference;
    let mut app = app(session);

    // Today flags it; Enter on the line opens the screen.
    key(&mut app, KeyCode::Char('T'), KeyModifiers::SHIFT);
    let today = screen(&mut app, 120, 20);
    assert!(today.contains("1 record past retention (S-d)"), "{today}");
    assert!(screen(&mut app, 80, 20).contains("1 past retention"));
    for _ in 0..10 {
        if screen(&mut app, 100, 20).contains("▶retention") {
            break;
        }
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::Retention), "Enter on the line opens the retention screen");
    insta::assert_snapshot!("retention_100x20", screen(&mut app, 100, 20));

    // d opens the form; a wrong reference deletes nothing.
    press(&mut app, KeyCode::Char('d'));
    typed(&mut app, "C-1999-0001");
    press(&mut app, KeyCode::Tab);
    typed(&mut app, "Retention ended.");
    key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let s = screen(&mut app, 100, 20);
    assert!(s.contains(&format!("type {reference} exactly")), "{s}");
    assert!(app.session.case(old).is_ok(), "nothing deleted");
    // The right reference disposes of it (the form is back at the field).
    for _ in 0.."C-1999-0001".len() {
        press(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, &reference);
    key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let s = screen(&mut app, 100, 20);
    assert!(s.contains(&format!("Disposed of {reference}")), "{s}");
    assert!(app.session.case(old).is_err(), "disposed of");
    assert!(s.contains("No closed concern is past retention"), "{s}");
    // From the board, X opens it too.
    press(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('X'), KeyModifiers::SHIFT);
    assert!(matches!(app.screen, Screen::Retention));
}

/// S-e: the DSL erases a former pupil's record from their person view
/// (E), once their number is typed; a person a concern names is refused
/// by the store, said at the form. (Only the DSL is offered E: the store
/// refuses anyone else, tested in tests/retention.rs.)
#[test]
fn se_the_dsl_erases_a_persons_record_from_their_view_once_their_number_is_typed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut session, _) = casebook::demo::create(&dir.path().join("store")).unwrap();
    let details = PersonDetails {
        name: "Pupil Fictional Bygone".into(),
        date_of_birth: NaiveDate::from_ymd_opt(1994, 6, 1),
        school_id: "A19940601".into(),
        ..Default::default()
    };
    let gone = session.add_person(SubjectKind::Child, details, fixed_now()).unwrap();
    let named =
        closed_concern_about(&mut session, NaiveDate::from_ymd_opt(1995, 3, 1).unwrap(), "Pupil Fictional Named");
    let named_person = session.case(named).unwrap().concern.subjects[0].person.unwrap();
    let mut app = app(session);

    app.open_person(named_person);
    app.wait_idle();
    key(&mut app, KeyCode::Char('E'), KeyModifiers::SHIFT);
    let label = casebook::domain::person::person_label(named_person);
    typed(&mut app, &label);
    press(&mut app, KeyCode::Tab);
    typed(&mut app, "Retention ended.");
    key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let s = screen(&mut app, 120, 30);
    assert!(s.contains("names") && s.contains("Nothing was erased"), "a concern names them: {s}");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('y'));

    app.open_person(gone.id);
    app.wait_idle();
    key(&mut app, KeyCode::Char('E'), KeyModifiers::SHIFT);
    let form = screen(&mut app, 120, 30);
    assert!(form.contains(&format!("Erase {} Pupil Fictional Bygone (S-e)", gone.label())), "{form}");
    typed(&mut app, "P-9999");
    press(&mut app, KeyCode::Tab);
    typed(&mut app, "Left in 2011; retention ended.");
    key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let s = screen(&mut app, 120, 30);
    assert!(s.contains(&format!("type {} exactly", gone.label())), "{s}");
    assert!(app.session.person(gone.id).is_ok(), "nothing erased yet");
    // The form is back at the field that is wrong.
    for _ in 0.."P-9999".len() {
        press(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, &gone.label());
    key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(app.form.is_none(), "{:?}", app.form.as_ref().map(|o| o.form.error.clone()));
    let said = app.message.as_ref().map(|m| m.0.clone()).unwrap_or_default();
    assert!(said.contains(&format!("Erased {}'s record", gone.label())), "{said}");
    assert!(matches!(app.screen, Screen::People(_)), "back to the people screen, read again");
    assert!(app.session.person(gone.id).is_err(), "erased");
}
