//! Drawing: a pure function of the app's state.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

use super::app::{App, ConcernView, Screen};
use super::keymap::Context;
use crate::domain::summary::age_label;
use crate::domain::{Risk, Status, Urgency};

/// Below this the screen says so instead of drawing a garbled layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

pub fn draw(frame: &mut Frame, app: &mut App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "The terminal is too small ({}×{}).\nEnlarge it to at least {MIN_WIDTH}×{MIN_HEIGHT}; 80×24 or more is best.",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).alignment(Alignment::Center), area);
        return;
    }
    let [header, body, footer] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    draw_header(frame, app, header);
    match &app.screen {
        Screen::Board => draw_board(frame, app, body),
        Screen::Concern(view) => draw_concern(frame, app, view, body),
    }
    draw_footer(frame, app, footer);
    if app.help {
        draw_help(frame, app, area);
    }
}

fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut first = vec![Span::styled(format!(" casebook · {} ", app.school), t.title())];
    if app.demo {
        first.push(Span::styled(" DEMO: fictional data, throwaway store ", t.banner()));
    }
    let me = app.session.me();
    first.push(Span::styled(format!("  {} ({})", me.name, me.role), t.muted()));
    let mut counts = vec![Span::raw(" ")];
    for s in Status::ALL {
        let n = app.board.rows.iter().filter(|r| r.status == s).count();
        let style = if s == Status::New && n > 0 { t.new_status() } else { Style::default() };
        counts.push(Span::styled(format!("{} {}", s.label(), n), style));
        counts.push(Span::styled("  ·  ", t.muted()));
    }
    let urgent = app.board.rows.iter().filter(|r| r.urgency == Urgency::Urgent && r.status.is_open()).count();
    counts.push(Span::styled(format!("URGENT open {urgent}"), if urgent > 0 { t.urgent() } else { Style::default() }));
    frame.render_widget(Paragraph::new(vec![Line::from(first), Line::from(counts)]), area);
}

fn draw_board(frame: &mut Frame, app: &mut App, area: Rect) {
    let t = app.theme;
    let now = app.now();
    let catalogue = app.session.catalogue();
    let wide = area.width >= 110;
    let header =
        Row::new(["Reference", "Age", "Urgency", "Category", "Subject", "Risk", "Status", "Assignee"]).style(t.title());
    // Build only the rows on screen: 10,000 rows a frame would be felt.
    let visible = area.height.saturating_sub(2).max(1) as usize;
    app.page = visible;
    if app.selected < app.board_offset {
        app.board_offset = app.selected;
    } else if app.selected >= app.board_offset + visible {
        app.board_offset = app.selected + 1 - visible;
    }
    let offset = app.board_offset.min(app.board.rows.len().saturating_sub(1));
    let end = (offset + visible).min(app.board.rows.len());
    let rows: Vec<Row> = app.board.rows[offset..end]
        .iter()
        .map(|r| {
            let urgency =
                if r.urgency == Urgency::Urgent { Span::styled("URGENT", t.urgent()) } else { Span::raw("routine") };
            let risk = match r.risk {
                None => Span::styled("-", t.muted()),
                Some(Risk::High) => Span::styled("high", t.high()),
                Some(Risk::Medium) => Span::styled("medium", t.medium()),
                Some(Risk::Low) => Span::raw("low"),
            };
            let status_style = match r.status {
                Status::New => t.new_status(),
                Status::Closed => t.muted(),
                _ => Style::default(),
            };
            let mut category = catalogue.category_label(&r.category).to_string();
            if r.restricted_location && wide {
                category.push_str(" (restricted area)");
            }
            Row::new(vec![
                Cell::from(r.reference.clone()),
                Cell::from(age_label(r.reported_at, now)),
                Cell::from(urgency),
                Cell::from(category),
                Cell::from(format!("{} ({})", r.subject, r.subject_kind.label())),
                Cell::from(risk),
                Cell::from(Span::styled(r.status.label(), status_style)),
                Cell::from(r.assignee.clone().unwrap_or_else(|| "-".into())),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(11),
        Constraint::Length(4),
        Constraint::Length(7),
        Constraint::Fill(3),
        Constraint::Fill(2),
        Constraint::Length(6),
        Constraint::Length(if wide { 16 } else { 11 }),
        Constraint::Fill(1),
    ];
    let title = format!(" Triage board: {} concerns, urgent and new first ", app.board.rows.len());
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::default().borders(Borders::TOP).title(title))
        .row_highlight_style(t.selected())
        .highlight_symbol("▶ ")
        .column_spacing(1);
    if app.board.rows.is_empty() {
        let empty = Paragraph::new("No concerns recorded yet.")
            .block(Block::default().borders(Borders::TOP).title(" Triage board "));
        frame.render_widget(empty, area);
        return;
    }
    let mut state = TableState::default().with_selected(Some(app.selected - offset));
    frame.render_stateful_widget(table, area, &mut state);
}

/// The concern, its triage and its chronology as one scrolling page.
pub fn concern_text(app: &App, view: &ConcernView) -> Text<'static> {
    let t = app.theme;
    let catalogue = app.session.catalogue();
    let case = &view.case;
    let c = &case.concern;
    let mut lines: Vec<Line> = Vec::new();
    let field = |label: &str, value: String| {
        Line::from(vec![Span::styled(format!("{label:<13}"), t.title()), Span::raw(value)])
    };
    let urgency = case.urgency(catalogue);
    lines.push(Line::from(vec![
        Span::styled(c.reference.clone(), t.title()),
        Span::raw("  "),
        Span::styled(
            urgency.label().to_string(),
            if urgency == Urgency::Urgent { t.urgent() } else { Style::default() },
        ),
        Span::raw(format!("  status: {}", case.status.label())),
    ]));
    lines.push(field(
        "Category",
        format!(
            "{} ({})",
            catalogue.category_label(&c.category),
            catalogue.category(&c.category).map_or("", |x| x.clause.as_str())
        ),
    ));
    let restricted = catalogue.location(&c.location).is_some_and(|l| l.restricted);
    lines.push(field(
        "Location",
        format!(
            "{}{}",
            catalogue.location_label(&c.location),
            if restricted { " — restricted area (P3-a)" } else { "" }
        ),
    ));
    let devices: Vec<&str> = c.devices.iter().map(|d| catalogue.device_label(d)).collect();
    lines.push(field("Devices", if devices.is_empty() { "none recorded".into() } else { devices.join(", ") }));
    for s in &c.subjects {
        lines.push(field("Subject", s.summary()));
    }
    lines.push(field("Happened", c.occurred_at.format("%a %d %b %Y %H:%M").to_string()));
    lines.push(field(
        "Reported",
        format!(
            "{} by {} ({}); recorded by {}",
            c.reported_at.format("%a %d %b %Y %H:%M"),
            c.reported_by,
            c.source.label(),
            c.recorded_by.name
        ),
    ));
    if let Some(cat) = catalogue.category(&c.category) {
        lines.push(Line::from(Span::styled(format!("Policy guidance: {}", cat.guidance), t.guidance())));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("What happened", t.title()));
    lines.extend(c.description.lines().map(|l| Line::raw(l.to_string())));
    lines.push(Line::styled("Immediate action", t.title()));
    lines.push(Line::raw(if c.immediate_action.is_empty() {
        "none recorded".to_string()
    } else {
        c.immediate_action.clone()
    }));
    lines.push(Line::raw(""));
    match case.current_triage() {
        None => lines.push(Line::styled("Triage: not yet triaged", t.new_status())),
        Some(tr) => {
            lines.push(Line::styled("Triage decision", t.title()));
            lines.push(Line::raw(format!(
                "risk {} · {} · {} · under {}",
                tr.risk.label(),
                tr.urgency.label(),
                catalogue.pathway_label(&tr.pathway),
                catalogue.policy_label(&tr.linked_policy)
            )));
            lines.push(Line::raw(format!(
                "assigned to {} · next review {} · decided by {} {}",
                tr.assignee.as_ref().map_or("nobody", |a| a.name.as_str()),
                tr.next_review.map_or("none".into(), |d| d.format("%d %b %Y").to_string()),
                tr.decided_by.name,
                tr.decided_at.format("%d %b %Y %H:%M")
            )));
            lines.push(Line::raw(format!("reasoning: {}", tr.reasoning)));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(format!("Chronology ({} entries, oldest first)", case.chronology.len()), t.title()));
    for e in &case.chronology {
        let superseded = case.is_superseded(e.seq);
        let style = if superseded { t.muted() } else { Style::default() };
        let mut head = vec![
            Span::styled(format!("#{:<3}", e.seq), t.muted()),
            Span::styled(e.at.format("%d %b %Y %H:%M ").to_string(), style),
            Span::styled(format!("{:<16}", e.kind.label()), t.key()),
            Span::styled(e.author.name.clone(), style),
        ];
        if let Some(s) = e.supersedes {
            head.push(Span::raw(format!("  (corrects #{s})")));
        }
        if superseded {
            head.push(Span::styled("  [SUPERSEDED]", t.muted()));
        }
        lines.push(Line::from(head));
        for l in e.text.lines() {
            lines.push(Line::styled(format!("     {l}"), style));
        }
    }
    Text::from(lines)
}

fn draw_concern(frame: &mut Frame, app: &App, view: &ConcernView, area: Rect) {
    let text = concern_text(app, view);
    let block = Block::default().borders(Borders::TOP).title(format!(" Concern {} ", view.case.concern.reference));
    let para = Paragraph::new(text).block(block).wrap(Wrap { trim: false });
    // Clamp the scroll to the wrapped length so End lands on the last line.
    let total = para.line_count(area.width) as u16;
    let max = total.saturating_sub(area.height.saturating_sub(1));
    let scroll = view.scroll.min(max);
    frame.render_widget(para.scroll((scroll, 0)), area);
}

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut spans = Vec::new();
    if let Some((msg, error)) = &app.message {
        spans.push(Span::styled(format!(" {msg} "), if *error { t.error() } else { t.title() }));
        spans.push(Span::raw(" "));
    }
    for (key, word) in app.keys.footer(app.context()) {
        spans.push(Span::styled(key, t.key()));
        spans.push(Span::raw(format!(" {word}  ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_help(frame: &mut Frame, app: &App, area: Rect) {
    let ctx: Context = app.context();
    let rows = app.keys.help(ctx);
    let height = (rows.len() as u16 + 4).min(area.height);
    let width = 56.min(area.width);
    let popup = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    let table = Table::new(
        rows.into_iter()
            .map(|(keys, what)| Row::new(vec![Cell::from(Span::styled(keys, app.theme.key())), Cell::from(what)])),
        [Constraint::Length(18), Constraint::Fill(1)],
    )
    .block(Block::bordered().title(format!(" Keys: {} ", ctx.title())).title_bottom(" any key closes "));
    frame.render_widget(Clear, popup);
    frame.render_widget(table, popup);
}
