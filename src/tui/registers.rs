//! The registers screen (issue 13: P5-a, P5-c, P5-e, P7-b): the
//! permission log, remote-learning approvals, the disclosure register (the
//! DSL only) and visitor device arrangements, one at a time (Tab moves
//! on), each entry's fields below the list. Entries are recorded with
//! `casebook register add`; the category guidance that names a register
//! says where it is.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::app::App;
use super::keymap::{Action, Context};
use crate::domain::Role;
use crate::domain::register::{RegisterEntry, RegisterKind, in_register};
use crate::domain::summary::cut;

/// The registers as loaded, and where the screen is.
#[derive(Debug, Default)]
pub struct RegisterData {
    pub entries: Vec<RegisterEntry>,
    /// Which register is shown (an index into [`kinds`]).
    pub tab: usize,
    pub selected: usize,
}

/// The registers this member sees: the disclosure register is the DSL's (P5-c).
pub fn kinds(role: Role) -> Vec<RegisterKind> {
    RegisterKind::ALL.into_iter().filter(|k| !k.dsl_only() || role == Role::Dsl).collect()
}

impl RegisterData {
    pub fn kind(&self, role: Role) -> RegisterKind {
        let kinds = kinds(role);
        kinds[self.tab.min(kinds.len() - 1)]
    }

    /// Shows `kind` (from a guidance link or the Today list).
    pub fn show(&mut self, role: Role, kind: RegisterKind) {
        self.tab = kinds(role).iter().position(|k| *k == kind).unwrap_or(0);
        self.selected = 0;
    }

    pub fn next(&mut self, role: Role, back: bool) {
        let n = kinds(role).len();
        self.tab = if back { (self.tab + n - 1) % n } else { (self.tab + 1) % n };
        self.selected = 0;
    }
}

/// The line a category's guidance gets when it names a register: where it is.
pub fn guidance_links(guidance: &str, role: Role, key: &str) -> Vec<String> {
    kinds(role)
        .into_iter()
        .filter(|k| k.mentioned_in(guidance))
        .map(|k| format!("→ {} ({}): {key} on the board", short_title(k), k.requirement()))
        .collect()
}

/// The register's name in a few words, for the tabs and links.
fn short_title(kind: RegisterKind) -> &'static str {
    match kind {
        RegisterKind::Permission => "Permission log",
        RegisterKind::RemoteLearning => "Remote-learning approvals",
        RegisterKind::Disclosure => "Disclosure register",
        RegisterKind::VisitorDevice => "Visitor devices",
        RegisterKind::SchoolDevice => "School devices",
        RegisterKind::Awareness => "Awareness log",
    }
}

fn when(e: &RegisterEntry, today: NaiveDate) -> String {
    match (e.kind, e.until) {
        (RegisterKind::RemoteLearning, Some(_)) => e.expiry_words(today),
        (_, Some(u)) => format!("{} to {}", e.date.format("%-d %b %Y"), u.format("%-d %b %Y")),
        (_, None) => e.date.format("%-d %b %Y").to_string(),
    }
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let role = app.session.me().role;
    let today = app.now().date();
    let data = &app.registers;
    let kind = data.kind(role);
    let shown = in_register(&data.entries, kind);
    let [tabs, list, detail] =
        // Three lines for the tabs: six registers (P4-a, P8-c) wrap onto a
        // second line on a narrow terminal.
        Layout::vertical([Constraint::Length(3), Constraint::Min(4), Constraint::Length(11)]).areas(area);

    let mut spans = vec![Span::raw(" ")];
    for k in kinds(role) {
        let n = in_register(&data.entries, k).len();
        let label = format!(" {} ({n}) ", short_title(k));
        spans.push(if k == kind { Span::styled(label, t.selected()) } else { Span::styled(label, t.muted()) });
    }
    let next = app.keys.key_for(Context::Registers, Action::NextField);
    let title = format!(" Registers: {} · {next}: next register ", kind.requirement());
    frame.render_widget(
        Paragraph::new(Line::from(spans))
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::TOP).title(title)),
        tabs,
    );

    if shown.is_empty() {
        let text = format!(
            "No entries in the {} yet. Record one with `casebook register add {} …` ({}).",
            kind.title().to_lowercase(),
            kind.id(),
            kind.requirement()
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).style(t.muted()), list);
        return;
    }
    let names = kind.field_names();
    let rows: Vec<Row> = shown
        .iter()
        .map(|e| {
            let style = if e.expiring(today) { t.urgent() } else { ratatui::style::Style::default() };
            Row::new(vec![
                Cell::from(e.label()),
                Cell::from(cut(&e.who, 22)),
                Cell::from(Span::styled(when(e, today), style)),
                Cell::from(cut(&e.reason, 40)),
            ])
        })
        .collect();
    let header = Row::new(["Entry", names[0], "When", names[3]]).style(t.title());
    let table =
        Table::new(rows, [Constraint::Length(8), Constraint::Length(22), Constraint::Length(30), Constraint::Min(10)])
            .header(header)
            .row_highlight_style(t.selected())
            .highlight_symbol("▶")
            .column_spacing(1);
    let selected = data.selected.min(shown.len() - 1);
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, list, &mut state);

    let e = shown[selected];
    let mut lines = vec![Line::styled(format!("{} · {}", e.label(), e.who), t.title())];
    let mut field = |name: &str, value: &str| {
        if !value.is_empty() {
            lines.push(Line::from(vec![Span::styled(format!("{name}: "), t.muted()), Span::raw(value.to_string())]));
        }
    };
    if !e.organisation.is_empty() {
        field("Organisation", &e.organisation);
    }
    field(names[1], &e.date.format("%-d %b %Y").to_string());
    field(names[2], &e.until.map(|u| u.format("%-d %b %Y").to_string()).unwrap_or_default());
    field(names[3], &e.reason);
    field(names[4], &e.permitted);
    field(names[5], &e.risk_assessment);
    field(names[6], &e.granted_by);
    field("Recorded by", &format!("{} at {}", e.recorded_by.name, e.recorded_at.format("%H:%M on %-d %b %Y")));
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(Block::default().borders(Borders::TOP)),
        detail,
    );
}
