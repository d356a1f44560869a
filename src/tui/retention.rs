//! The retention screen (S-d): the closed concerns past retention, each
//! with its basis; the DSL disposes of the one selected, typing its
//! reference to confirm (a disposal cannot be undone). Reached from the
//! board and Today (`X`), and from Today's "N records past retention".

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::app::App;
use super::form::{Field, Form};
use super::keymap::{Action, Context};
use super::theme::Theme;
use crate::domain::Role;
use crate::domain::retention::Retention;
use crate::domain::summary::cut;
use crate::store::disposals::PastRetention;

/// The disposal form: the reference typed to confirm, the reason, and the
/// reason for going early (only when it is not yet past retention).
pub fn dispose_form(p: &PastRetention) -> Form {
    Form::new(
        format!("Dispose of {} and every record of it (S-d)", p.reference),
        vec![
            Field::line("confirm", "Confirm", "", &format!("type {} to confirm", p.reference)),
            Field::line("reason", "Reason", "", "e.g. retention ended (S-d)"),
            Field::line("early", "Early, because", "", "only if it is not yet past retention"),
        ],
    )
}

/// What the disposal form says: `None` (with the problem at its field)
/// until the reference typed is the concern's own and a reason is given.
pub fn read_dispose(form: &mut Form, reference: &str) -> Option<(String, Option<String>)> {
    form.clear_errors();
    if !form.text("confirm").trim().eq_ignore_ascii_case(reference) {
        form.set_error("confirm", format!("type {reference} exactly to confirm; nothing is deleted until then"));
    }
    let reason = form.required("reason", "say why it is disposed of; the disposal record keeps it");
    let early = Some(form.text("early").trim().to_string()).filter(|e| !e.is_empty());
    (!form.has_errors()).then_some((reason, early))
}

/// S-e: the form that erases a person's record, asking for their number
/// typed to confirm and a reason.
pub fn erase_form(label: &str, name: &str) -> Form {
    Form::new(
        format!("Erase {label} {name} (S-e)"),
        vec![
            Field::line("confirm", "Confirm", "", &format!("type {label} to confirm")),
            Field::line("reason", "Reason", "", "e.g. retention ended; left the school in 2019"),
        ],
    )
}

/// What the erase form says: the reason, once the number typed is theirs.
pub fn read_erase(form: &mut Form, label: &str) -> Option<String> {
    form.clear_errors();
    if !form.text("confirm").trim().eq_ignore_ascii_case(label) {
        form.set_error("confirm", format!("type {label} exactly to confirm; nothing is erased until then"));
    }
    let reason = form.required("reason", "say why it is erased; the disposal record keeps it");
    (!form.has_errors()).then_some(reason)
}

/// Beside the erase form: what an erasure does and when it is refused.
pub fn erase_guidance(t: &Theme) -> Vec<Line<'static>> {
    vec![
        Line::styled("An erasure cannot be undone.", t.urgent()),
        Line::raw(""),
        Line::raw(
            "It removes the person's record, their entry in the people index and the roll, and the family links \
             to them. A disposal record keeps their number, the date, you and the reason, sealed to the DSL(s); \
             the audit log notes it.",
        ),
        Line::raw(""),
        Line::raw(
            "casebook refuses while any concern or register entry names them, or their record is part of a merge, \
             and until they are past retention (a child's 25th birthday) or, named by no concern, off the roll.",
        ),
    ]
}

/// Beside the form: what a disposal does.
pub fn form_guidance(t: &Theme) -> Vec<Line<'static>> {
    vec![
        Line::styled("A disposal cannot be undone.", t.urgent()),
        Line::raw(""),
        Line::raw(
            "It deletes the concern, its chronology, referrals, device custody, searches and files in one write. A \
             disposal record keeps the reference, the date, you, the reason and the retention basis, with no name \
             or detail, sealed to the DSL(s); the audit log notes it.",
        ),
        Line::raw(""),
        Line::raw("Its debriefs and lessons-learned actions stay, naming it by reference alone."),
    ]
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let all = &app.retention;
    let today = app.now().date();
    let dsl = app.session.me().role == Role::Dsl;
    let title = format!(" Past retention on {}: {} closed concern(s) (S-d) ", today.format("%-d %b %Y"), all.len());
    if all.is_empty() {
        let text = if app.board_loaded {
            format!(
                "No closed concern is past retention: a child's record is kept until their 25th birthday, an \
                 allegation against staff until retirement age or 10 years after closure, whichever is later, and a \
                 concern whose dates of birth are not recorded is kept. {} goes back.",
                app.keys.key_for(Context::Retention, Action::Back)
            )
        } else {
            "Loading…".to_string()
        };
        let p =
            Paragraph::new(text).wrap(Wrap { trim: true }).block(Block::default().borders(Borders::TOP).title(title));
        frame.render_widget(p, area);
        return;
    }
    let basis_w = area.width.saturating_sub(11 + 12 + 4) as usize;
    let rows: Vec<Row> = all
        .iter()
        .map(|p| {
            let (until, basis) = match &p.retention {
                Retention::Until { until, basis } => (until.format("%-d %b %Y").to_string(), basis.clone()),
                other => (String::new(), other.basis()),
            };
            Row::new(vec![Cell::from(p.reference.clone()), Cell::from(until), Cell::from(cut(&basis, basis_w))])
        })
        .collect();
    let [list, help] = ratatui::layout::Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(area);
    let table = Table::new(rows, [Constraint::Length(11), Constraint::Length(12), Constraint::Min(1)])
        .header(Row::new(["Concern", "Kept until", "Basis"]).style(t.title()))
        .block(Block::default().borders(Borders::TOP).title(title))
        .row_highlight_style(t.selected())
        .highlight_symbol("▶")
        .column_spacing(1);
    let selected = app.retention_list.selected.min(all.len() - 1);
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, list, &mut state);
    let words = if dsl {
        format!(
            "{} disposes of the concern selected and every record of it, once you type its reference.",
            app.keys.key_for(Context::Retention, Action::Dispose)
        )
    } else {
        "Only the DSL disposes of a concern.".to_string()
    };
    frame.render_widget(Paragraph::new(words).style(t.muted()).wrap(Wrap { trim: true }), help);
}
