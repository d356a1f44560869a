//! Renders the main screens from a demo store to SVG, one file a screen,
//! for `scripts/screenshots.sh` to turn into the PNGs in screenshots/.
//!
//! The screens are drawn on ratatui's TestBackend exactly as the snapshot
//! tests draw them, with a fixed clock and seed so they only change when
//! what a user sees changes.

use std::fmt::Write as _;
use std::path::PathBuf;

use casebook::tui::keymap::KeyMap;
use casebook::tui::theme::Theme;
use casebook::tui::{App, Options, ui};
use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const CELL_W: f32 = 9.0;
const CELL_H: f32 = 18.0;
const BG: &str = "#1d1f21";
const FG: &str = "#d8dee9";

fn hex(color: Color, default: &str) -> String {
    match color {
        Color::Reset => default.to_string(),
        Color::Black => "#1d1f21".into(),
        Color::Red => "#e06c75".into(),
        Color::Green => "#98c379".into(),
        Color::Yellow => "#e5c07b".into(),
        Color::Blue => "#61afef".into(),
        Color::Magenta => "#c678dd".into(),
        Color::Cyan => "#56b6c2".into(),
        Color::Gray | Color::White => "#d8dee9".into(),
        Color::DarkGray => "#5c6370".into(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        _ => default.to_string(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn svg(buffer: &Buffer) -> String {
    let area = buffer.area;
    let (w, h) = (area.width as f32 * CELL_W + 16.0, area.height as f32 * CELL_H + 16.0);
    let mut out = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}'>\n<rect width='100%' height='100%' fill='{BG}'/>\n\
         <g font-family='DejaVu Sans Mono, monospace' font-size='14px' transform='translate(8,8)'>\n"
    );
    for y in 0..area.height {
        for x in 0..area.width {
            let cell = &buffer[(x, y)];
            let mut fg = hex(cell.fg, FG);
            let mut bg = hex(cell.bg, BG);
            if cell.modifier.contains(Modifier::REVERSED) {
                std::mem::swap(&mut fg, &mut bg);
            }
            let (px, py) = (x as f32 * CELL_W, y as f32 * CELL_H);
            if bg != BG {
                let _ = writeln!(out, "<rect x='{px}' y='{py}' width='{CELL_W}' height='{CELL_H}' fill='{bg}'/>");
            }
            let symbol = cell.symbol();
            if symbol.trim().is_empty() {
                continue;
            }
            let weight = if cell.modifier.contains(Modifier::BOLD) { " font-weight='bold'" } else { "" };
            let opacity = if cell.modifier.contains(Modifier::DIM) { " opacity='0.6'" } else { "" };
            let _ = writeln!(
                out,
                "<text x='{px}' y='{}' fill='{fg}'{weight}{opacity} xml:space='preserve'>{}</text>",
                py + CELL_H - 5.0,
                escape(symbol)
            );
        }
    }
    out.push_str("</g>\n</svg>\n");
    out
}

/// A key, then what it asked of the store (the engine's thread, issue 9).
fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    app.wait_idle();
}

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "screenshots".into()));
    std::fs::create_dir_all(&out).expect("output directory");
    let dir = tempfile::tempdir().expect("temp dir");
    let now = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap().and_hms_opt(10, 30, 0).unwrap();
    let (mut session, _) = casebook::demo::create(&dir.path().join("store")).expect("demo store");
    casebook::demo::populate(&mut session, 60, now, 7).expect("demo concerns");
    casebook::demo::populate_oversight(&mut session, now).expect("demo debriefs and actions");
    casebook::demo::populate_custody(&mut session, now).expect("demo custody");
    casebook::demo::populate_registers(&mut session, now).expect("demo registers");
    casebook::demo::populate_retention(&mut session).expect("demo retention");
    casebook::demo::populate_people(&mut session, 210, now, 7).expect("demo people");
    let mut app = App::new(
        session,
        Options { demo: true, clock: Some(now), ..Default::default() },
        KeyMap::default(),
        Theme { color: true },
    );
    app.wait_idle();
    let shoot = |app: &mut App, name: &str, width: u16, height: u16| {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        terminal.draw(|f| ui::draw(f, app)).expect("draw");
        let path = out.join(format!("{name}.svg"));
        std::fs::write(&path, svg(terminal.backend().buffer())).expect("write svg");
        println!("{}", path.display());
    };
    shoot(&mut app, "board", 120, 34);
    press(&mut app, KeyCode::Char('?'));
    shoot(&mut app, "help", 100, 30);
    press(&mut app, KeyCode::Esc);
    // A concern with a device in custody: its procedures show with it.
    let with_device = app.custody.first().map(|c| c.case_id);
    match with_device.and_then(|id| app.visible.iter().position(|&i| app.board.rows[i].id == id)) {
        Some(pos) => app.selected = pos,
        None => press(&mut app, KeyCode::End),
    }
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::PageDown);
    shoot(&mut app, "concern", 110, 40);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('n'));
    let form = &mut app.form.as_mut().expect("form").form;
    form.set_choice("category", "indecent-image");
    form.set_choice("location", "toilets");
    form.focus = 4;
    shoot(&mut app, "new-concern", 110, 30);
    press(&mut app, KeyCode::Esc);
    // Back to the top: the board as a DSL first sees it over SSH.
    press(&mut app, KeyCode::Home);
    shoot(&mut app, "board-80x24", 80, 24);
    // Issue 12: the child with the most concerns about them, their record.
    let counts = casebook::domain::summary::AboutCounts::of(&app.board.rows);
    let busiest = app
        .visible
        .iter()
        .enumerate()
        .filter_map(|(pos, &i)| {
            let row = &app.board.rows[i];
            row.first_about()
                .filter(|_| row.people.len() == 1 && row.subject_kind == casebook::domain::SubjectKind::Child)
                .map(|p| (counts.others(row, p).0, pos))
        })
        .max();
    if let Some((_, pos)) = busiest {
        app.selected = pos;
        press(&mut app, KeyCode::Char('p'));
        shoot(&mut app, "person", 110, 40);
        press(&mut app, KeyCode::Esc);
    }
    press(&mut app, KeyCode::Char('P'));
    shoot(&mut app, "people", 110, 30);
    press(&mut app, KeyCode::Esc);
    // Issue 13: what needs the DSL today.
    press(&mut app, KeyCode::Char('T'));
    shoot(&mut app, "today", 110, 30);
    press(&mut app, KeyCode::Esc);
    // Issue 13 (P6.1-b): every device held now, longest held first.
    press(&mut app, KeyCode::Char('D'));
    shoot(&mut app, "custody", 110, 30);
    press(&mut app, KeyCode::Esc);
    // Issue 13 (P5-a, P5-c, P5-e, P7-b, P4-a, P8-c): the staff and visitor registers.
    press(&mut app, KeyCode::Char('R'));
    shoot(&mut app, "registers", 110, 30);
    press(&mut app, KeyCode::Esc);
    // S-d: closed concerns past retention, to dispose of.
    press(&mut app, KeyCode::Char('X'));
    shoot(&mut app, "retention", 110, 24);
    press(&mut app, KeyCode::Esc);
    app.load_oversight();
    app.wait_idle();
    press(&mut app, KeyCode::Char('2'));
    shoot(&mut app, "actions", 120, 30);
    press(&mut app, KeyCode::Char('3'));
    shoot(&mut app, "debriefs", 110, 36);
    press(&mut app, KeyCode::Char('4'));
    shoot(&mut app, "dashboard", 100, 30);
}
