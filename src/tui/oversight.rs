//! Leadership's side in the TUI (P9-c, P9-d, P8-a, P9-e): the debriefs
//! list, the actions screen and the dashboard, and their forms. None of it
//! reads a concern: leadership's key could not open one anyway.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::form::{Field, Form};
use super::forms::{members_for, pairs};
use super::theme::Theme;
use crate::domain::when::{Lateness, parse_date};
use crate::domain::{
    Action, ActionFilter, ActionKind, ActionStatus, Catalogue, Dashboard, Debrief, Member, NewAction, NewDebrief, Role,
    Status, TriggerKind,
};
use crate::store::oversight::ReviewInput;

/// What the three leadership screens show, loaded together.
#[derive(Default)]
pub struct OversightData {
    pub debriefs: Vec<Debrief>,
    pub actions: Vec<Action>,
    pub dashboard: Option<Dashboard>,
    /// Concerns awaiting a debrief and since when (DSL and deputies only).
    pub awaiting: Vec<(String, i64)>,
    /// The dashboard's line about the last good backup, and whether it
    /// warns (none in 48 hours; issue 11).
    pub backup: Option<(String, bool)>,
}

#[derive(Default)]
pub struct ListState {
    pub selected: usize,
}

impl ListState {
    pub fn step(&mut self, len: usize, delta: isize) {
        let last = len.saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
    }
}

// ---- forms ----------------------------------------------------------------

pub fn debrief_form(concerns: &str, members: &[Member], today: NaiveDate) -> Form {
    Form::new(
        "Record a debrief (leadership will read it: no names)",
        vec![
            Field::line("concerns", "Concerns", concerns, "references, e.g. C-2026-0001, C-2026-0004"),
            Field::line("held_on", "Held on", &today.format("%Y-%m-%d").to_string(), "YYYY-MM-DD"),
            Field::multi(
                "attendees",
                "Attendees",
                members_for(members, &[Role::Dsl, Role::Deputy, Role::Leadership]),
                2,
            ),
            Field::line("others", "Also present", "", "others, e.g. LA adviser; separate with ;"),
            Field::text("summary", "What happened", "", "factual summary, without names", 3),
            Field::text("worked", "What worked", "", "", 2),
            Field::text("did_not", "What did not", "", "", 2),
            Field::text("lessons", "Lessons", "", "one lesson per line", 3),
            Field::text("changes", "Changes needed", "", "policy or curriculum changes", 2),
        ],
    )
}

pub fn read_debrief(form: &mut Form, today: NaiveDate) -> Option<NewDebrief> {
    form.clear_errors();
    let held_on = parse_date(&form.text("held_on")).map_err(|e| form.set_error("held_on", e)).ok();
    let new = NewDebrief {
        concerns: form
            .text("concerns")
            .split([',', ' ', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_uppercase)
            .collect(),
        held_on: held_on.unwrap_or(today),
        attendees: form.ticked("attendees").iter().filter_map(|id| id.parse().ok()).collect(),
        other_attendees: form
            .text("others")
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        summary: form.text("summary"),
        what_worked: form.text("worked"),
        what_did_not: form.text("did_not"),
        lessons: form.text("lessons").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
        changes_needed: form.text("changes"),
    };
    for e in new.validate(today) {
        let field = match e.field {
            "held_on" => "held_on",
            "attendees" => "attendees",
            "lessons" => "lessons",
            "summary" => "summary",
            "others" => "others",
            "what_worked" => "worked",
            "what_did_not" => "did_not",
            "changes_needed" => "changes",
            _ => "concerns",
        };
        form.set_error(field, e.message);
    }
    (!form.has_errors()).then_some(new)
}

pub fn action_form(debriefs: &[Debrief], members: &[Member], today: NaiveDate) -> Option<Form> {
    let latest = debriefs.first()?;
    let mut lessons = Vec::new();
    for d in debriefs {
        for l in &d.lessons {
            let preview: String = l.text.chars().take(48).collect();
            lessons.push((format!("{}:{}", d.id, l.seq), format!("{} lesson {}: {preview}", d.reference, l.seq)));
        }
    }
    let first = latest.lessons.first().map(|l| format!("{}:{}", latest.id, l.seq)).unwrap_or_default();
    Some(Form::new(
        "New action from a lesson learnt",
        vec![
            Field::choice("lesson", "From lesson", lessons, &first),
            Field::text(
                "description",
                "What will be done",
                "",
                "e.g. add phones-in-toilets signage to both corridors",
                3,
            ),
            Field::choice(
                "kind",
                "Kind",
                pairs(ActionKind::ALL.iter().map(|k| (k.label(), k.label()))),
                "policy change",
            ),
            Field::choice("owner", "Owner", members_for(members, &[Role::Dsl, Role::Deputy, Role::Leadership]), ""),
            Field::line("due", "Due", &(today + Duration::days(28)).format("%Y-%m-%d").to_string(), "YYYY-MM-DD"),
        ],
    ))
}

pub fn read_action(form: &mut Form, today: NaiveDate) -> Option<NewAction> {
    let asked = form.field("due").error.clone();
    form.clear_errors();
    let (debrief, lesson) =
        form.choice("lesson").split_once(':').and_then(|(d, l)| Some((d.parse().ok()?, l.parse().ok()?)))?;
    let due = parse_date(&form.text("due")).map_err(|e| form.set_error("due", e)).ok();
    if let Some(d) = due {
        super::forms::check_due_at_field(form, "due", "the due date", d, today, asked);
    }
    form.required("description", "say what will be done");
    let new = NewAction {
        debrief,
        lesson,
        description: form.text("description"),
        kind: ActionKind::parse(&form.choice("kind")).unwrap_or(ActionKind::Other),
        owner: form.choice("owner").parse().ok()?,
        due: due?,
    };
    (!form.has_errors()).then_some(new)
}

pub fn action_status_form(action: &Action) -> Form {
    let options = pairs(ActionStatus::ALL.iter().filter(|s| **s != action.status()).map(|s| (s.label(), s.label())));
    let next = if action.status() == ActionStatus::Open { "in progress" } else { "done" };
    Form::new(
        format!("Update {} (now {})", action.label(), action.status().label()),
        vec![
            Field::choice("to", "Move to", options, next),
            Field::text("note", "Note", "", "done: the evidence; dropped: the reason", 3),
        ],
    )
}

pub fn read_action_status(form: &mut Form) -> Option<(ActionStatus, String)> {
    form.clear_errors();
    let to = ActionStatus::parse(&form.choice("to"))?;
    let note = form.text("note");
    if matches!(to, ActionStatus::Done | ActionStatus::Dropped) && note.trim().is_empty() {
        form.set_error(
            "note",
            if to == ActionStatus::Done { "record the evidence of completion" } else { "say why it was dropped" },
        );
    }
    (!form.has_errors()).then_some((to, note))
}

pub fn review_form(today: NaiveDate, version: &str) -> Form {
    Form::new(
        "Record a policy review (P8-a)",
        vec![
            Field::line("date", "Reviewed on", &today.format("%Y-%m-%d").to_string(), "YYYY-MM-DD"),
            Field::line("version", "New version", version, "e.g. November 2026"),
            Field::text("note", "What changed", "", "summary of the review", 3),
            Field::line("close", "Completes", "", "policy-change actions it completes, e.g. A-0001 A-0004"),
        ],
    )
}

pub fn read_review(form: &mut Form) -> Option<ReviewInput> {
    form.clear_errors();
    let date = parse_date(&form.text("date")).map_err(|e| form.set_error("date", e)).ok();
    let mut close_actions = Vec::new();
    for word in form.text("close").split([',', ' ', ';']).filter(|w| !w.trim().is_empty()) {
        match crate::domain::action::parse_action_label(word) {
            Some(id) => close_actions.push(id),
            None => form.set_error("close", format!("{word:?} is not an action, e.g. A-0003")),
        }
    }
    form.required("note", "summarise the review");
    let input = ReviewInput {
        date: date?,
        version: form.text("version").trim().to_string(),
        note: form.text("note"),
        close_actions,
    };
    (!form.has_errors()).then_some(input)
}

pub fn trigger_form() -> Form {
    Form::new(
        "Log a review trigger (P8-a)",
        vec![
            Field::choice("kind", "Trigger", pairs(TriggerKind::ALL.iter().map(|k| (k.label(), k.label()))), ""),
            Field::text("note", "What happened", "", "e.g. new filtering system installed", 3),
        ],
    )
}

pub fn read_trigger(form: &mut Form) -> Option<(TriggerKind, String)> {
    form.clear_errors();
    let kind = TriggerKind::parse(&form.choice("kind"))?;
    let note = form.required("note", "say what prompted the review");
    (!form.has_errors()).then_some((kind, note))
}

pub fn action_filter_form(current: &ActionFilter, members: &[Member]) -> Form {
    Form::new(
        "Filter actions",
        vec![
            Field::any_of(
                "owner",
                "Owner",
                members_for(members, &[Role::Dsl, Role::Deputy, Role::Leadership]),
                current.owner.map(|o| o.to_string()),
            ),
            Field::any_of(
                "status",
                "Status",
                pairs(ActionStatus::ALL.iter().map(|s| (s.label(), s.label()))),
                current.status.map(|s| s.label().to_string()),
            ),
            Field::any_of(
                "kind",
                "Kind",
                pairs(ActionKind::ALL.iter().map(|k| (k.label(), k.label()))),
                current.kind.map(|k| k.label().to_string()),
            ),
            Field::choice(
                "overdue",
                "Overdue only",
                pairs([("no", "no"), ("yes", "yes")].into_iter()),
                if current.overdue_only { "yes" } else { "no" },
            ),
        ],
    )
}

pub fn read_action_filter(form: &Form) -> ActionFilter {
    ActionFilter {
        owner: form.picked("owner").and_then(|o| o.parse().ok()),
        status: form.picked("status").and_then(|s| ActionStatus::parse(&s)),
        kind: form.picked("kind").and_then(|k| ActionKind::parse(&k)),
        overdue_only: form.choice("overdue") == "yes",
    }
}

// ---- screens --------------------------------------------------------------

fn status_span(a: &Action, today: NaiveDate, t: &Theme) -> Span<'static> {
    if a.is_overdue(today) {
        // The same words for lateness as the board's reviews.
        Span::styled(format!("OVERDUE {}", Lateness::of(a.due, today).short_span()), t.urgent())
    } else if a.status().is_live() {
        Span::raw(a.status().label())
    } else {
        Span::styled(a.status().label(), t.muted())
    }
}

/// The actions screen: filterable, due date first, overdue in words.
pub fn draw_actions(
    frame: &mut Frame,
    area: Rect,
    actions: &[&Action],
    state: &ListState,
    today: NaiveDate,
    t: &Theme,
    title: String,
) {
    let [list, detail] = Layout::vertical([Constraint::Min(5), Constraint::Length(8)]).areas(area);
    let wide = area.width >= 110;
    let rows: Vec<Row> = actions
        .iter()
        .map(|a| {
            Row::new(vec![
                Cell::from(a.label()),
                Cell::from(a.due.format("%d %b %y").to_string()),
                Cell::from(status_span(a, today, t)),
                Cell::from(if wide {
                    a.kind.label().to_string()
                } else {
                    a.kind.label().split(['/', ' ']).next().unwrap_or("").to_string()
                }),
                Cell::from(a.owner.name.clone()),
                Cell::from(a.description.clone()),
                Cell::from(a.source_label()),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Length(11),
        Constraint::Length(if wide { 24 } else { 10 }),
        Constraint::Fill(2),
        Constraint::Fill(4),
        Constraint::Length(if wide { 19 } else { 0 }),
    ];
    let header = Row::new(["Action", "Due", "Status", "Kind", "Owner", "Description", "From"]).style(t.title());
    if actions.is_empty() {
        frame.render_widget(
            Paragraph::new("No actions match.").block(Block::default().borders(Borders::TOP).title(title)),
            list,
        );
    } else {
        let table = Table::new(rows, widths)
            .header(header)
            .block(Block::default().borders(Borders::TOP).title(title))
            .row_highlight_style(t.selected())
            .highlight_symbol("▶");
        let mut s = TableState::default().with_selected(Some(state.selected.min(actions.len() - 1)));
        frame.render_stateful_widget(table, list, &mut s);
    }
    let Some(a) = actions.get(state.selected) else { return };
    let mut lines = vec![
        Line::from(vec![Span::styled(format!("{} ", a.label()), t.title()), Span::raw(a.description.clone())]),
        Line::raw(format!(
            "From {} · {} · owner {} · due {}",
            a.source_label(),
            a.kind.label(),
            a.owner.name,
            a.due.format("%d %b %Y")
        )),
    ];
    if a.history.is_empty() {
        lines.push(Line::styled(
            format!("Created by {} on {}; no status change yet.", a.created_by.name, a.created_at.format("%d %b %Y")),
            t.muted(),
        ));
    }
    for h in &a.history {
        lines.push(Line::raw(format!(
            "{} {} → {} by {}{}",
            h.at.format("%d %b %Y %H:%M"),
            h.from.label(),
            h.to.label(),
            h.by.name,
            if h.note.is_empty() { String::new() } else { format!(": {}", h.note) }
        )));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::TOP).title(" History ")),
        detail,
    );
}

/// The debriefs list with the selected debrief's full text.
pub fn draw_debriefs(frame: &mut Frame, area: Rect, data: &OversightData, state: &ListState, t: &Theme) {
    let awaiting_rows = if data.awaiting.is_empty() { 0 } else { 2 };
    let [top, list, detail] =
        Layout::vertical([Constraint::Length(awaiting_rows), Constraint::Length(8), Constraint::Min(4)]).areas(area);
    if !data.awaiting.is_empty() {
        let mut spans = vec![Span::styled("Awaiting a debrief: ", t.key())];
        for (r, days) in &data.awaiting {
            spans.push(Span::raw(format!("{r} ({days} days)  ")));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }), top);
    }
    let rows: Vec<Row> = data
        .debriefs
        .iter()
        .map(|d| {
            Row::new(vec![
                Cell::from(d.reference.clone()),
                Cell::from(d.held_on.format("%d %b %Y").to_string()),
                Cell::from(d.concern_references()),
                Cell::from(format!("{} lesson(s)", d.lessons.len())),
                Cell::from(d.attendee_names().join(", ")),
            ])
        })
        .collect();
    let title = format!(" Debriefs: {} ", data.debriefs.len());
    if data.debriefs.is_empty() {
        frame.render_widget(
            Paragraph::new("No debriefs recorded yet.").block(Block::default().borders(Borders::TOP).title(title)),
            list,
        );
        return;
    }
    let table = Table::new(
        rows,
        [
            Constraint::Length(12),
            Constraint::Length(11),
            Constraint::Fill(2),
            Constraint::Length(11),
            Constraint::Fill(3),
        ],
    )
    .header(Row::new(["Debrief", "Held", "Concerns", "Lessons", "Attendees"]).style(t.title()))
    .block(Block::default().borders(Borders::TOP).title(title))
    .row_highlight_style(t.selected())
    .highlight_symbol("▶");
    let mut s = TableState::default().with_selected(Some(state.selected.min(data.debriefs.len() - 1)));
    frame.render_stateful_widget(table, list, &mut s);
    let Some(d) = data.debriefs.get(state.selected) else { return };
    let section = |title: &str, body: &str| -> Vec<Line<'static>> {
        let mut v = vec![Line::styled(title.to_string(), t.title())];
        v.extend(body.lines().map(|l| Line::raw(l.to_string())));
        if body.trim().is_empty() {
            v.push(Line::styled("none recorded", t.muted()));
        }
        v
    };
    let mut lines = vec![Line::raw(format!(
        "{} held {} about {} · recorded by {}",
        d.reference,
        d.held_on.format("%d %b %Y"),
        d.concern_references(),
        d.recorded_by.name
    ))];
    lines.extend(section("What happened", &d.summary));
    lines.extend(section("What worked", &d.what_worked));
    lines.extend(section("What did not", &d.what_did_not));
    lines.push(Line::styled("Lessons learnt", t.title()));
    for l in &d.lessons {
        lines.push(Line::raw(format!("{}. {}", l.seq, l.text)));
    }
    lines.extend(section("Policy or curriculum changes needed", &d.changes_needed));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::TOP).title(" Debrief ")),
        detail,
    );
}

/// The leadership dashboard: actions, debriefs, the policy review and
/// concerns as counts only.
pub fn draw_dashboard(
    frame: &mut Frame,
    area: Rect,
    dash: Option<&Dashboard>,
    backup: Option<&(String, bool)>,
    catalogue: &Catalogue,
    t: &Theme,
    now: NaiveDateTime,
) {
    let Some(d) = dash else {
        frame.render_widget(Paragraph::new("The dashboard could not be loaded; see the message below."), area);
        return;
    };
    // Issue 11: when the records were last safely copied, a warning when
    // not in 48 hours.
    let area = match backup {
        Some((line, warn)) => {
            let [line_area, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
            let style = if *warn { t.urgent() } else { t.muted() };
            frame.render_widget(Paragraph::new(Line::styled(format!(" {line}"), style)), line_area);
            rest
        }
        None => area,
    };
    let [top, bottom] = Layout::vertical([Constraint::Length(9), Constraint::Min(4)]).areas(area);
    let [actions, policy] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let c = &d.actions;
    let mut a_lines = vec![
        Line::raw(format!("open {} · in progress {} · done {} · dropped {}", c.open, c.in_progress, c.done, c.dropped)),
        Line::styled(format!("OVERDUE {}", c.overdue), if c.overdue > 0 { t.urgent() } else { Style::default() }),
    ];
    for a in d.overdue_actions.iter().take(4) {
        a_lines.push(Line::raw(format!(
            "{} {} · {} · {}",
            a.label(),
            Lateness::of(a.due, d.today).short_words(),
            a.owner.name,
            a.description
        )));
    }
    a_lines.push(Line::raw(format!(
        "Debriefs: {} this term ({}), {} in all{}",
        d.debriefs_this_term,
        d.term.label,
        d.debriefs_total,
        d.latest_debrief.map(|l| format!("; latest {}", l.format("%d %b %Y"))).unwrap_or_default()
    )));
    frame.render_widget(
        Paragraph::new(a_lines).wrap(Wrap { trim: true }).block(Block::bordered().title(" Lessons-learned actions ")),
        actions,
    );
    let mut p_lines = Vec::new();
    for p in &d.policies {
        p_lines.push(Line::styled(format!("{} ({})", p.name, p.version), t.title()));
        p_lines.push(Line::raw(format!(
            "last reviewed {} · next due {}",
            p.last_reviewed.format("%d %b %Y"),
            p.next_due.format("%d %b %Y")
        )));
        if p.overdue {
            p_lines.push(Line::styled(format!("REVIEW OVERDUE by {} days", p.days_overdue), t.urgent()));
        } else {
            p_lines.push(Line::raw("review up to date"));
        }
        if p.pending_triggers > 0 {
            p_lines.push(Line::raw(format!("{} review trigger(s) logged since", p.pending_triggers)));
        }
    }
    frame.render_widget(
        Paragraph::new(p_lines).wrap(Wrap { trim: true }).block(Block::bordered().title(" Policy review ")),
        policy,
    );
    let block = Block::bordered().title(" Concerns: counts only, no names ");
    let Some(f) = &d.figures else {
        frame.render_widget(
            Paragraph::new("No figures yet: they appear once the DSL or a deputy opens the board.").block(block),
            bottom,
        );
        return;
    };
    let statuses = Status::ALL.iter().map(|s| format!("{} {}", s.label(), f.count(*s))).collect::<Vec<_>>().join(" · ");
    let mut lines = vec![
        Line::raw(format!("{} concerns: {statuses}", f.total())),
        // P9-c: the DSL's recorded decisions that no debrief was needed.
        Line::raw(format!("closed without debrief: {} (the DSL's decisions, P9-c)", f.closed_without_debrief)),
        Line::styled(
            format!(
                "as of {} ({} ago)",
                f.computed_at.format("%d %b %Y %H:%M"),
                crate::domain::summary::age_label(f.computed_at, now)
            ),
            t.muted(),
        ),
    ];
    for (category, n) in f.by_category() {
        lines.push(Line::raw(format!("{n:>5}  {}", catalogue.category_label(&category))));
    }
    frame.render_widget(Paragraph::new(lines).block(block), bottom);
}
