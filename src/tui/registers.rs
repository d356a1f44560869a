//! The registers screen (issue 13: P5-a, P5-c, P5-e, P7-b): the
//! permission log, remote-learning approvals, the disclosure register (the
//! DSL only) and visitor device arrangements, one at a time (Tab moves
//! on), each entry's fields below the list. An entry is recorded in the
//! register shown with the entry form (as `casebook register add`), built
//! from the register's own field names and rules in the domain, so a new
//! kind of register needs nothing here; the category guidance that names a
//! register says where it is.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::app::App;
use super::form::{Field, Form};
use super::keymap::{Action, Context};
use super::theme::Theme;
use crate::domain::Role;
use crate::domain::person::parse_person_id;
use crate::domain::register::{NewRegisterEntry, RegisterEntry, RegisterKind, in_register};
use crate::domain::summary::cut;
use crate::domain::when::parse_date;

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

/// The widest label the form shows whole (its label column, less the
/// focus marker).
const LABEL_CHARS: usize = 14;

/// The form's fields: (key, the label when the register's own name for it
/// is too long, its index in [`RegisterKind::field_names`]). The keys are
/// the ones [`NewRegisterEntry::validate`] names.
const FIELDS: [(&str, &str, Option<usize>); 8] = [
    ("who", "Who", Some(0)),
    ("organisation", "Organisation", None),
    ("date", "Date", Some(1)),
    ("until", "Until", Some(2)),
    ("reason", "Reason", Some(3)),
    ("permitted", "Permitted", Some(4)),
    ("risk_assessment", "Assessment", Some(5)),
    ("granted_by", "Given by", Some(6)),
];

/// What the register needs, as its own rules say: the fields an empty
/// entry is refused for.
fn needed(kind: RegisterKind, today: NaiveDate) -> Vec<&'static str> {
    NewRegisterEntry::new(kind, today).validate().into_iter().map(|e| e.field).collect()
}

/// Issue 13 (P5-a, P5-c, P5-e, P7-b): a new entry in `kind`, with the
/// fields `casebook register add` takes. Each field is labelled with the
/// register's own name for it (shortened only when it would not fit; the
/// hint says it whole) and says whether the register needs it.
pub fn entry_form(kind: RegisterKind, today: NaiveDate) -> Form {
    let names = kind.field_names();
    let needed = needed(kind, today);
    let fields = FIELDS
        .iter()
        .map(|&(key, short, index)| {
            let name = index.map_or("a visitor's organisation or a staff member's role", |i| names[i]);
            let label = match index.map(|i| names[i]) {
                Some(n) if n.chars().count() <= LABEL_CHARS => n,
                _ => short,
            };
            let mut hint =
                if needed.contains(&key) { format!("needed ({})", kind.requirement()) } else { "if any".to_string() };
            // The register's own name for the field, when the label is not it.
            if label != name {
                hint = format!("{name}: {hint}");
            }
            match key {
                "who" => hint.push_str("; or P-0012 for a person on record"),
                "date" | "until" => hint.push_str("; YYYY-MM-DD"),
                _ => {}
            }
            match key {
                "date" => Field::line(key, label, &today.format("%Y-%m-%d").to_string(), &hint),
                "reason" | "permitted" => Field::text(key, label, "", &hint, 2),
                _ => Field::line(key, label, "", &hint),
            }
        })
        .collect();
    Form::new(format!("New entry: {}", kind.title()), fields)
}

/// What the entry form says, checked by the register's own rules; each
/// problem is shown at its field and everything typed is kept.
pub fn read_entry(form: &mut Form, kind: RegisterKind, today: NaiveDate) -> Option<NewRegisterEntry> {
    let asked = form.field("until").error.clone();
    form.clear_errors();
    let date = parse_date(&form.text("date")).map_err(|e| form.set_error("date", e)).ok();
    let until = Some(form.text("until"))
        .filter(|u| !u.trim().is_empty())
        .and_then(|u| parse_date(&u).map_err(|e| form.set_error("until", e)).ok());
    if let Some(d) = until {
        super::forms::check_far_at_field(form, "until", "the until date", d, today, asked);
    }
    let mut new = NewRegisterEntry::new(kind, date.unwrap_or(today));
    new.until = until;
    let who = form.text("who");
    let typed = who.trim();
    // As `--person P-0012`: the entry names the person's record.
    new.person = typed.get(..2).filter(|p| p.eq_ignore_ascii_case("P-")).and_then(|_| parse_person_id(typed));
    new.who = if new.person.is_some() { "person".into() } else { who };
    new.organisation = form.text("organisation");
    new.reason = form.text("reason");
    new.permitted = form.text("permitted");
    new.risk_assessment = form.text("risk_assessment");
    new.granted_by = form.text("granted_by");
    for e in new.validate() {
        // A date that could not be read is said as such, not as missing;
        // a field this form lacks is said at the top of it.
        if form.fields.iter().find(|f| f.key == e.field).is_none_or(|f| f.error.is_none()) {
            form.set_error(e.field, e.message);
        }
    }
    (!form.has_errors()).then_some(new)
}

/// Beside the entry form: the register, what it needs, and who reads it.
pub fn form_guidance(kind: RegisterKind, today: NaiveDate, t: &Theme) -> Vec<Line<'static>> {
    let names = kind.field_names();
    let needed: Vec<String> = needed(kind, today)
        .into_iter()
        .filter_map(|key| FIELDS.iter().find(|f| f.0 == key))
        .map(|&(_, short, index)| index.map_or(short.to_string(), |i| names[i].to_string()))
        .collect();
    let mut lines = vec![
        Line::from(vec![
            Span::raw(format!("{} ", kind.title())),
            Span::styled(format!("({})", kind.requirement()), t.muted()),
        ]),
        Line::raw(""),
        Line::raw(format!("Needed: {}.", needed.join(", "))),
        Line::raw(""),
    ];
    lines.push(Line::raw(if kind.dsl_only() {
        "Sealed to the DSL(s) alone: no deputy or leader reads it."
    } else {
        "Read by the DSL, deputies and leadership."
    }));
    lines
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
    let title = if app.offers(Action::NewRegisterEntry) {
        let add = app.keys.key_for(Context::Registers, Action::NewRegisterEntry);
        format!(" Registers: {} · {next}: next register · {add}: new entry ", kind.requirement())
    } else {
        format!(" Registers: {} · {next}: next register ", kind.requirement())
    };
    frame.render_widget(
        Paragraph::new(Line::from(spans))
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::TOP).title(title)),
        tabs,
    );

    if shown.is_empty() {
        let text = if app.offers(Action::NewRegisterEntry) {
            format!(
                "No entries in the {} yet. {} records one ({}).",
                kind.title().to_lowercase(),
                app.keys.key_for(Context::Registers, Action::NewRegisterEntry),
                kind.requirement()
            )
        } else {
            format!("No entries in the {} yet ({}).", kind.title().to_lowercase(), kind.requirement())
        };
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
