//! The Today screen (issue 13): what needs the DSL and deputies today,
//! urgent untriaged concerns first, then soonest first, each with its
//! concern's reference; Enter opens the concern. The list itself is the
//! domain's ([`crate::domain::today::today_list`]), so `casebook today`
//! says the same.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::app::App;
use super::keymap::{Action, Context};
use crate::domain::Standing;
use crate::domain::summary::{cut, subject_fit};
use crate::domain::today::{TodayItem, TodayKind, devices_for_police, held_devices, sort_today, today_list};

/// Today's list from what the app holds: the board and each concern's
/// deadlines (worked out when they were loaded).
pub fn items(app: &App) -> Vec<TodayItem> {
    let today = app.now().date();
    let mut items = today_list(
        &app.board.rows,
        &app.referrals.every_deadline(),
        &app.registers.entries,
        &app.referrals.calendar,
        today,
    );
    // P6.1-b: devices held longer than the school's limit.
    items.extend(held_devices(&app.custody, &app.board.rows, &app.referrals.calendar, today));
    // P6.1-h: devices that may hold an offence go to the police at once.
    items.extend(devices_for_police(
        &app.custody,
        &app.board.rows,
        app.session.catalogue(),
        &app.referrals.calendar,
        today,
    ));
    // S-d: the closed concerns past retention, one line (Enter lists them).
    items.extend(crate::domain::today::past_retention(app.retention.len(), today));
    sort_today(&mut items);
    items
}

/// Issue 13: the board flags a concern with a device overdue: held past
/// the school's limit (P6.1-b), or due to the police and not yet with
/// them (P6.1-h, due from the day it was taken). One item per concern,
/// the police one first.
pub fn device_flags(app: &App) -> std::collections::BTreeMap<u32, TodayItem> {
    // Drawn with every frame of the board: nothing to do without a device held.
    if !app.custody.iter().any(|c| c.is_held()) {
        return std::collections::BTreeMap::new();
    }
    let today = app.now().date();
    let calendar = &app.referrals.calendar;
    let police = devices_for_police(&app.custody, &app.board.rows, app.session.catalogue(), calendar, today);
    let held: Vec<TodayItem> = held_devices(&app.custody, &app.board.rows, calendar, today)
        .into_iter()
        .filter(|i| matches!(i.standing, Standing::Overdue(_)))
        .collect();
    let open: std::collections::HashSet<u32> = if held.is_empty() {
        std::collections::HashSet::new()
    } else {
        app.board.rows.iter().filter(|r| r.status.is_open()).map(|r| r.id).collect()
    };
    let held = held.into_iter().filter(|i| open.contains(&i.case_id));
    let mut flags = std::collections::BTreeMap::new();
    for item in police.into_iter().chain(held) {
        flags.entry(item.case_id).or_insert(item);
    }
    flags
}

/// The board's review cell for a device flag: "⚑ police 3wd" / "⚑ held
/// 12wd" (wide), "⚑ police" / "⚑ held" (80 columns).
pub fn device_flag_words(item: &TodayItem, wide: bool) -> String {
    let what = if matches!(item.kind, TodayKind::ToPolice(_)) { "police" } else { "held" };
    // The review column holds 12: the count only when it fits whole
    // (found in review: "⚑ device 58w").
    match (wide, item.standing) {
        (true, Standing::Overdue(n)) if format!("⚑ {what} {n}wd").chars().count() <= 12 => format!("⚑ {what} {n}wd"),
        _ => format!("⚑ {what}"),
    }
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let items = items(app);
    let title = format!(" Today: {} to do, urgent first, then soonest first (working days) ", items.len());
    if items.is_empty() {
        let text = if app.board_loaded {
            format!(
                "Nothing is due today: no new or unassigned concern, no deadline or review due or overdue. {} goes back \
                 to the board.",
                app.keys.key_for(Context::Today, Action::Back)
            )
        } else {
            "Loading…".to_string()
        };
        let p =
            Paragraph::new(text).wrap(Wrap { trim: true }).block(Block::default().borders(Borders::TOP).title(title));
        frame.render_widget(p, area);
        return;
    }
    let wide = area.width >= 110;
    let catalogue = app.session.catalogue();
    // Reference, what to do, when; the subject and category fill the rest.
    let (todo, when) = if wide { (36u16, 24u16) } else { (24, 10) };
    let rest = area.width.saturating_sub(11 + todo + when + 1 + 4) as usize;
    let subject_width = if wide { rest / 2 } else { rest };
    let rows: Vec<Row> = items
        .iter()
        .map(|i| {
            let style = match (i.kind, i.standing) {
                (TodayKind::UrgentUntriaged, _) | (_, Standing::Overdue(_)) => t.urgent(),
                (_, Standing::DueToday | Standing::PastDue) => t.high(),
                _ => Style::default(),
            };
            let row = app.board.rows.iter().find(|r| r.id == i.case_id);
            let subject = row.map_or(String::new(), |r| subject_fit(&r.subject, subject_width));
            let when_text = if wide { i.when_words() } else { i.short_when() };
            let mut cells = vec![
                Cell::from(i.reference.clone()),
                Cell::from(Span::styled(
                    cut(&if wide { i.kind.words() } else { i.kind.short_words() }, todo as usize),
                    style,
                )),
                Cell::from(Span::styled(when_text, style)),
                Cell::from(subject),
            ];
            if wide {
                cells.push(Cell::from(cut(catalogue.category_short(&i.category), rest - subject_width)));
            }
            Row::new(cells)
        })
        .collect();
    let (header, widths) = if wide {
        (
            Row::new(["Reference", "To do", "When", "Subject", "Category"]),
            vec![
                Constraint::Length(11),
                Constraint::Length(todo),
                Constraint::Length(when),
                Constraint::Length(subject_width as u16),
                Constraint::Min(1),
            ],
        )
    } else {
        (
            Row::new(["Reference", "To do", "When", "Subject"]),
            vec![Constraint::Length(11), Constraint::Length(todo), Constraint::Length(when), Constraint::Min(1)],
        )
    };
    let table = Table::new(rows, widths)
        .header(header.style(t.title()))
        .block(Block::default().borders(Borders::TOP).title(title))
        .row_highlight_style(t.selected())
        .highlight_symbol("▶")
        .column_spacing(1);
    let selected = app.today_list.selected.min(items.len() - 1);
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, area, &mut state);
}
