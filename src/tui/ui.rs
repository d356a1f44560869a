//! Drawing: a pure function of the app's state.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

use super::app::{App, ConcernView, Confirm, PeopleScreen, PeopleTab, PersonScreen, PersonTarget, Screen};
use super::forms::FormKind;
use super::keymap::{Action, Context};
use super::oversight;
use crate::domain::summary::{age_label, cut, subject_fit};
use crate::domain::when::Lateness;
use crate::domain::{Risk, Role, Status, Urgency};

/// Below this the screen says so instead of drawing a garbled layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

pub fn draw(frame: &mut Frame, app: &mut App) {
    draw_screen(frame, app);
    neutralise(frame.buffer_mut());
}

/// The last word on what reaches the terminal (PRODUCT.md 7d, issue 8
/// item 1): no control character or bidirectional override from a record is
/// drawn, whatever widget drew it. ratatui drops control characters but
/// keeps the zero-width overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069) on the cell before them, so a subject's name cut to fit a
/// board column could reverse the rest of the row. Removing them leaves the
/// layout as it is: they take no column.
fn neutralise(buffer: &mut ratatui::buffer::Buffer) {
    for cell in &mut buffer.content {
        if cell.symbol().chars().any(crate::text::is_unsafe) {
            let kept: String = cell.symbol().chars().filter(|&c| !crate::text::is_unsafe(c)).collect();
            cell.set_symbol(if kept.is_empty() { " " } else { &kept });
        }
    }
}

fn draw_screen(frame: &mut Frame, app: &mut App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "The terminal is too small ({}×{}).\nEnlarge it to at least {MIN_WIDTH}×{MIN_HEIGHT}; 80×24 or more is best.",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).alignment(Alignment::Center), area);
        return;
    }
    // Locked: nothing of any case is drawn, only the prompt.
    if app.lock.is_some() {
        return draw_lock(frame, app, area);
    }
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(1),
        Constraint::Length(footer_height(app, area.width)),
    ])
    .areas(area);
    draw_header(frame, app, header);
    if app.form.is_some() {
        draw_form(frame, app, body);
    } else {
        let now = app.now();
        match &app.screen {
            Screen::Board => draw_board(frame, app, body),
            Screen::Concern(view) => draw_concern(frame, app, view, body),
            Screen::Today => super::today::draw(frame, app, body),
            Screen::Person(_) => draw_person(frame, app, body),
            Screen::People(ps) => draw_people(frame, app, ps, body),
            Screen::Custody => super::custody::draw(frame, app, body),
            Screen::Registers => super::registers::draw(frame, app, body),
            Screen::Retention => super::retention::draw(frame, app, body),
            Screen::Actions => {
                let shown = app.shown_actions();
                let title = if app.action_filter == Default::default() {
                    format!(" Lessons-learned actions: {} (due first; f filters) ", shown.len())
                } else {
                    format!(
                        " Lessons-learned actions: {} of {} (filtered; x clears) ",
                        shown.len(),
                        app.oversight.actions.len()
                    )
                };
                oversight::draw_actions(frame, body, &shown, &app.actions_list, now.date(), &app.theme, title)
            }
            Screen::Debriefs => oversight::draw_debriefs(frame, body, &app.oversight, &app.debriefs_list, &app.theme),
            Screen::Dashboard if app.oversight.dashboard.is_none() && app.engine.busy() => {
                frame.render_widget(Paragraph::new("Loading the dashboard…"), body)
            }
            Screen::Dashboard => oversight::draw_dashboard(
                frame,
                body,
                app.oversight.dashboard.as_ref(),
                app.oversight.backup.as_ref(),
                app.session.catalogue(),
                &app.theme,
                now,
            ),
        }
    }
    draw_footer(frame, app, footer);
    if app.help {
        draw_help(frame, app, area);
    }
    if let Some(question) = app.confirm {
        draw_confirm(frame, app, question, area);
    }
}

fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut first = Vec::new();
    if app.options.demo {
        first.push(Span::styled(" DEMO · fictional data ", t.banner()));
    } else {
        first.push(Span::styled(" casebook", t.title()));
    }
    first.push(Span::styled(format!(" {} ", app.school), t.title()));
    let me = app.session.me();
    first.push(Span::styled(format!("· {} ({})", me.name, me.role), t.muted()));
    // The screens, as numbered tabs; the current one stands out.
    let mut tabs = vec![Span::raw(" ")];
    for (n, name, here) in [
        ("1", "Board", matches!(app.screen, Screen::Board | Screen::Concern(_) | Screen::Person(_))),
        ("2", "Actions", matches!(app.screen, Screen::Actions)),
        ("3", "Debriefs", matches!(app.screen, Screen::Debriefs)),
        ("4", "Dashboard", matches!(app.screen, Screen::Dashboard)),
    ] {
        let style = if here { t.selected() } else { Style::default() };
        tabs.push(Span::styled(format!(" {n} {name} "), style));
        tabs.push(Span::raw(" "));
    }
    // Urgent first: on a narrow screen the end of the line may be cut.
    let urgent = app.board.rows.iter().filter(|r| r.urgency == Urgency::Urgent && r.status.is_open()).count();
    let mut counts = vec![
        Span::raw(" "),
        Span::styled(format!("URGENT {urgent}"), if urgent > 0 { t.urgent() } else { Style::default() }),
    ];
    for s in Status::ALL {
        let n = app.board.rows.iter().filter(|r| r.status == s).count();
        let style = if s == Status::New && n > 0 { t.new_status() } else { Style::default() };
        counts.push(Span::styled(" · ", t.muted()));
        counts.push(Span::styled(format!("{} {n}", status_label(s, area.width >= 100)), style));
    }
    let third =
        if matches!(app.screen, Screen::Board | Screen::Concern(_) | Screen::Person(_)) && app.role_notice.is_none() {
            Line::from(counts)
        } else {
            Line::raw("")
        };
    frame.render_widget(Paragraph::new(vec![Line::from(first), Line::from(tabs), third]), area);
}

/// A status as the board writes it; 80 columns get the short form.
fn status_label(s: Status, wide: bool) -> &'static str {
    match s {
        Status::AwaitingDebrief if !wide => "to debrief",
        other => other.label(),
    }
}

/// The board's column widths, worked out here rather than by the table so
/// that each cell is fitted to its column (a short category label,
/// "N. Vellacott +1", a surname) instead of being cut mid-word. Below 110
/// columns urgency and risk share a column and the review is short ("5w
/// late"); 80 columns, the main screen over SSH, give the category
/// `SHORT_LABEL_WIDTH` (issue 8 item 23).
struct BoardColumns {
    wide: bool,
    category: usize,
    subject: usize,
    assignee: usize,
}

impl BoardColumns {
    /// Wide: reference, age, urgency, risk, status, review ("overdue 13 d").
    const WIDE_FIXED: [u16; 6] = [11, 3, 7, 6, 16, 12];
    /// Narrow: reference, age, urgent-or-risk, status ("to debrief"), review.
    const NARROW_FIXED: [u16; 5] = [11, 3, 6, 11, 8];

    fn for_width(width: u16) -> Self {
        let wide = width >= 110;
        let (fixed, columns) =
            if wide { (Self::WIDE_FIXED.iter().sum::<u16>(), 9) } else { (Self::NARROW_FIXED.iter().sum::<u16>(), 8) };
        // The highlight symbol and a gap between each pair of columns.
        let flex = width.saturating_sub(fixed + 1 + columns - 1) as usize;
        if wide {
            let assignee = (flex / 4).min(22);
            let rest = flex - assignee;
            let category = rest * 2 / 5;
            return BoardColumns { wide, category, subject: rest - category, assignee };
        }
        // At 80 columns the assignee gets initials; from about 100, a surname.
        let assignee = if flex >= 44 { 12 } else { 3 };
        let rest = flex.saturating_sub(assignee);
        BoardColumns { wide, category: rest / 2, subject: rest - rest / 2, assignee }
    }

    fn constraints(&self) -> Vec<Constraint> {
        let len = |n: usize| Constraint::Length(n as u16);
        if self.wide {
            let [reference, age, urgency, risk, status, review] = Self::WIDE_FIXED.map(Constraint::Length);
            return vec![
                reference,
                age,
                urgency,
                len(self.category),
                len(self.subject),
                risk,
                status,
                review,
                len(self.assignee),
            ];
        }
        let [reference, age, urgent, status, review] = Self::NARROW_FIXED.map(Constraint::Length);
        vec![reference, age, urgent, len(self.category), len(self.subject), status, review, len(self.assignee)]
    }
}

/// An assignee in `width` characters: the name, the surname, or the
/// initials without the title ("Ms Aria Pennant" is "AP").
fn assignee_fit(name: &str, width: usize) -> String {
    if name.chars().count() <= width {
        return name.to_string();
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    if let Some(surname) = words.last().filter(|s| s.chars().count() <= width) {
        return surname.to_string();
    }
    const TITLES: [&str; 8] = ["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir"];
    let initials: String = words
        .iter()
        .filter(|w| words.len() < 2 || !TITLES.contains(&w.trim_end_matches('.')))
        .filter_map(|w| w.chars().next())
        .collect();
    cut(&initials, width)
}

/// The line above the table: search, filters, Mine, and search progress.
fn view_line(app: &App) -> Option<Line<'static>> {
    let t = &app.theme;
    let mut spans = Vec::new();
    if app.search.editing || !app.search.query.is_empty() {
        spans.push(Span::styled("Search: ", t.key()));
        spans.push(Span::raw(app.search.query.clone()));
        if app.search.editing {
            spans.push(Span::styled("█", t.key()));
        }
        match (app.search.progress, &app.search.text) {
            (Some((done, total)), _) => {
                spans.push(Span::styled(format!("  searching all text… {}%", done * 100 / total.max(1)), t.muted()))
            }
            (None, None) => spans.push(Span::styled("  searching all text…", t.muted())),
            (None, Some(_)) => {}
        }
        spans.push(Span::raw("  "));
    }
    if !app.filter.is_empty() {
        spans.push(Span::styled("Filter: ", t.key()));
        spans.push(Span::raw(format!("{}  ", app.filter.describe(app.session.catalogue(), app.session.members()))));
    }
    if app.mine {
        // Issue 8 item 9: mine is what is assigned to me; `d` is what is due.
        spans.push(Span::styled("Mine: open concerns assigned to me  ", t.key()));
    }
    if spans.is_empty() {
        return None;
    }
    spans.push(Span::styled(format!("({} shown; x clears)", app.visible.len()), t.muted()));
    Some(Line::from(spans))
}

fn draw_board(frame: &mut Frame, app: &mut App, area: Rect) {
    let t = app.theme;
    if let Some(notice) = &app.role_notice {
        let p = Paragraph::new(notice.clone())
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::TOP).title(" Your access "));
        frame.render_widget(p, area);
        return;
    }
    let area = match view_line(app) {
        Some(line) => {
            let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
            frame.render_widget(Paragraph::new(line), top);
            rest
        }
        None => area,
    };
    let mut title =
        format!(" Triage board: {} of {} concerns, new and urgent first ", app.visible.len(), app.board.rows.len());
    // Issue 13: concerns with something overdue are flagged ⚑; Today lists them.
    let devices = super::today::device_flags(app);
    let overdue =
        app.referrals.overdue_concerns() + devices.keys().filter(|id| app.referrals.flag(**id).is_none()).count();
    if overdue > 0 {
        title.push_str(&format!(
            "· ⚑ {overdue} overdue ({}: Today) ",
            app.keys.key_for(Context::Board, Action::GoToday)
        ));
    }
    if app.visible.is_empty() {
        let text = if !app.board_loaded {
            "Loading the board…".to_string()
        } else if app.board.rows.is_empty() {
            format!(
                "No concerns recorded yet. Press {} to record one.",
                app.keys.key_for(Context::Board, Action::NewConcern)
            )
        } else {
            "No concern matches the search and filters.".to_string()
        };
        frame.render_widget(Paragraph::new(text).block(Block::default().borders(Borders::TOP).title(title)), area);
        return;
    }
    let now = app.now();
    let today = now.date();
    let catalogue = app.session.catalogue();
    let cols = BoardColumns::for_width(area.width);
    let wide = cols.wide;
    let header = if wide {
        Row::new(["Reference", "Age", "Urgency", "Category", "Subject", "Risk", "Status", "Review", "Assignee"])
    } else {
        // 80 columns: urgency and risk share a column; URGENT wins.
        Row::new(["Reference", "Age", "Risk", "Category", "Subject", "Status", "Review", "Who"])
    }
    .style(t.title());
    // Build only the rows on screen: 10,000 rows a frame would be felt.
    let visible = area.height.saturating_sub(2).max(1) as usize;
    app.page = visible;
    if app.selected < app.board_offset {
        app.board_offset = app.selected;
    } else if app.selected >= app.board_offset + visible {
        app.board_offset = app.selected + 1 - visible;
    }
    let offset = app.board_offset.min(app.visible.len() - 1);
    let end = (offset + visible).min(app.visible.len());
    // Issue 12: "◆3" before a subject with three other concerns about them,
    // said in words in the title when any row on screen has one.
    let marker = |r: &crate::domain::CaseSummary| {
        r.first_about().map(|p| app.about.others(r, p).0).filter(|n| *n > 0).map(|n| format!("◆{n} "))
    };
    if app.visible[offset..end].iter().any(|&i| marker(&app.board.rows[i]).is_some()) {
        title.push_str(if area.width >= 100 {
            "· ◆n: n other concerns about the same person "
        } else {
            "· ◆ others about them "
        });
    }
    let me = app.session.me().id;
    let rows: Vec<Row> = app.visible[offset..end]
        .iter()
        .map(|&i| {
            let r = &app.board.rows[i];
            let urgency = match (r.urgency, wide) {
                (Urgency::Urgent, _) => Span::styled("URGENT", t.urgent()),
                (Urgency::Routine, true) => Span::raw("routine"),
                (Urgency::Routine, false) => Span::raw(""),
            };
            let risk = match (r.risk, wide) {
                (None, _) => Span::styled("-", t.muted()),
                (Some(Risk::High), _) => Span::styled("high", t.high()),
                (Some(Risk::Medium), true) => Span::styled("medium", t.medium()),
                (Some(Risk::Medium), false) => Span::styled("med", t.medium()),
                (Some(Risk::Low), _) => Span::raw("low"),
            };
            let status_style = match r.status {
                Status::New => t.new_status(),
                Status::Closed => t.muted(),
                _ => Style::default(),
            };
            let review = match (app.referrals.flag(r.id), r.review_lateness(today)) {
                (Some(d), _) => Span::styled(super::referrals::flag_words(d, wide), t.urgent()),
                (None, _) if devices.contains_key(&r.id) => {
                    Span::styled(super::today::device_flag_words(&devices[&r.id], wide), t.urgent())
                }
                (None, None) => Span::styled("-", t.muted()),
                (None, Some(l)) => Span::styled(
                    if wide { l.words() } else { l.short_words() },
                    match l.severity() {
                        3 => t.urgent(),
                        2 => t.high(),
                        1 => t.medium(),
                        _ => Style::default(),
                    },
                ),
            };
            let status = Cell::from(Span::styled(status_label(r.status, wide), status_style));
            let who = match (r.assignee_id, r.assignee.as_deref()) {
                (Some(id), _) if id == me && !wide => "me".to_string(),
                (_, Some(name)) => assignee_fit(name, cols.assignee),
                _ => "-".to_string(),
            };
            if wide {
                let long = catalogue.category_label(&r.category);
                let restricted = format!("{long} (restricted area)");
                let category = if r.restricted_location && restricted.chars().count() <= cols.category {
                    restricted
                } else if long.chars().count() <= cols.category {
                    long.to_string()
                } else {
                    cut(catalogue.category_short(&r.category), cols.category)
                };
                let kind = format!(" ({})", r.subject_kind.label());
                let mark = marker(r).unwrap_or_default();
                let room = cols.subject.saturating_sub(mark.chars().count());
                let subject = if r.subject.chars().count() + kind.chars().count() <= room {
                    format!("{mark}{}{kind}", r.subject)
                } else {
                    format!("{mark}{}", subject_fit(&r.subject, room))
                };
                return Row::new(vec![
                    Cell::from(r.reference.clone()),
                    Cell::from(age_label(r.reported_at, now)),
                    Cell::from(urgency),
                    Cell::from(category),
                    Cell::from(subject),
                    Cell::from(risk),
                    status,
                    Cell::from(review),
                    Cell::from(who),
                ]);
            }
            // Narrow: the category's short label, the subject with its "+N"
            // marker, the assignee as initials ("me" for mine).
            let long = catalogue.category_label(&r.category);
            let category = if long.chars().count() <= cols.category {
                long.to_string()
            } else {
                cut(catalogue.category_short(&r.category), cols.category)
            };
            Row::new(vec![
                Cell::from(r.reference.clone()),
                Cell::from(age_label(r.reported_at, now)),
                Cell::from(if r.urgency == Urgency::Urgent { urgency } else { risk }),
                Cell::from(category),
                Cell::from(match marker(r) {
                    Some(mark) => {
                        format!("{mark}{}", subject_fit(&r.subject, cols.subject.saturating_sub(mark.chars().count())))
                    }
                    None => subject_fit(&r.subject, cols.subject),
                }),
                status,
                Cell::from(review),
                Cell::from(who),
            ])
        })
        .collect();
    let widths = cols.constraints();
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::default().borders(Borders::TOP).title(title))
        .row_highlight_style(t.selected())
        .highlight_symbol("▶")
        .column_spacing(1);
    let mut state = TableState::default().with_selected(Some(app.selected - offset));
    frame.render_stateful_widget(table, area, &mut state);
}

/// "3 other concerns about this child (1 open)" for a subject linked to a
/// person this concern is about, counted from the board's rows (issue 12).
fn other_concerns_line(app: &App, case_id: u32, s: &crate::domain::Subject) -> Option<String> {
    let person = s.person.filter(|_| s.part.is_about())?;
    let row = app.board.rows.iter().find(|r| r.id == case_id)?;
    crate::domain::summary::other_concerns_words(app.about.others(row, person), s.kind)
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
    // Issue 13 (P5-g): restricted, and to whom, before anything else.
    match &view.restriction {
        Some(Ok(Some(r))) => {
            let key = app.offers(Action::Restrict).then(|| app.keys.key_for(Context::Concern, Action::Restrict));
            lines.extend(super::restrict::concern_lines(r, app.session.members(), key.as_deref(), &t));
        }
        Some(Err(e)) => lines.push(Line::styled(format!("Its restriction could not be read: {e}"), t.error())),
        Some(Ok(None)) | None => {}
    }
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
    let people = app.offers(Action::OpenPerson);
    for s in &c.subjects {
        let mut line = field("Subject", s.summary());
        if s.person.is_some() {
            // Issue 12: their part, and the key to their whole record.
            if s.part != crate::domain::Part::Subject {
                line.push_span(Span::raw(format!(" · {}", s.part.label())));
            }
            if people {
                let key = app.keys.key_for(Context::Concern, Action::OpenPerson);
                line.push_span(Span::styled(format!("  ({key} opens their record)"), t.muted()));
            }
        }
        lines.push(line);
        if let Some(words) = other_concerns_line(app, view.id, s) {
            lines.push(Line::from(vec![Span::raw(" ".repeat(13)), Span::styled(words, t.high())]));
        }
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
        lines.extend(register_links(app, &cat.guidance).into_iter().map(|l| Line::styled(l, t.title())));
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
                tr.next_review.map_or("none".into(), |d| {
                    // How late, in words, while the case is open (issue 8 item 8).
                    let today = app.now().date();
                    match case.status.is_open() {
                        true => format!("{} ({})", d.format("%d %b %Y"), Lateness::of(d, today).words()),
                        false => d.format("%d %b %Y").to_string(),
                    }
                }),
                tr.decided_by.name,
                tr.decided_at.format("%d %b %Y %H:%M")
            )));
            lines.push(Line::raw(format!("reasoning: {}", tr.reasoning)));
        }
    }
    // Issue 13: referrals and contacts, and the deadlines still open.
    lines.push(Line::raw(""));
    lines.extend(super::referrals::concern_lines(
        &app.referrals,
        view.id,
        case.status.is_open(),
        &app.keys.key_for(Context::Concern, Action::Referral),
        &t,
    ));
    // Issue 13 (P6.1-b): devices confiscated, and each one's chain.
    lines.push(Line::raw(""));
    lines.extend(super::custody::concern_lines(
        &app.custody,
        view.id,
        app.session.catalogue(),
        &app.keys.key_for(Context::Concern, Action::Confiscate),
        &t,
    ));
    // Issue 13 (P6.1-e): searches of devices.
    lines.push(Line::raw(""));
    lines.extend(super::searches::concern_lines(
        &app.searches,
        view.id,
        &app.keys.key_for(Context::Concern, Action::RecordSearch),
        &t,
    ));
    lines.push(Line::raw(""));
    lines.push(Line::styled(format!("Chronology ({} entries, oldest first)", case.chronology.len()), t.title()));
    for e in &case.chronology {
        let superseded = case.is_superseded(e.seq);
        let style = if superseded { t.muted() } else { Style::default() };
        let mut head = vec![
            Span::styled(format!("#{:<3}", e.seq), t.muted()),
            Span::styled(e.at.format("%d %b %Y %H:%M ").to_string(), style),
            Span::styled(format!("{:<17}", e.kind.label()), t.key()),
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
    // Issue 10 (S-c): the DSL sees who has opened and changed the concern,
    // the trail `casebook show` lists; no other role is sent it.
    if app.session.me().role == Role::Dsl {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Who has opened it (the audit log; DSL only)", t.title()));
        match &view.seen {
            None => lines.push(Line::styled("  reading the audit log…", t.muted())),
            Some(Err(e)) => lines.push(Line::raw(format!("  the audit log could not be read: {e}"))),
            Some(Ok(seen)) => {
                if seen.rows.is_empty() {
                    lines.push(Line::styled("  no one yet", t.muted()));
                }
                for (name, s) in &seen.rows {
                    lines.push(Line::raw(format!("  {name}: {}; last {}", s.did(), s.last.format("%d %b %Y %H:%M"))));
                }
                if seen.broken {
                    lines.push(Line::raw("  The audit log is broken: run `casebook audit verify`."));
                }
            }
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

/// Issue 12 (P1-a): a person's whole record as one scrolling page: who
/// they are and how long the record is kept, their family (Enter opens a
/// sibling's), what is open, every concern naming them with their part,
/// then one chronology across those concerns, newest first.
pub fn person_text(app: &App, screen: &PersonScreen, width: u16) -> Text<'static> {
    let t = app.theme;
    let Some(v) = &screen.view else { return Text::raw("Loading the person's record…") };
    let p = &v.person;
    let catalogue = app.session.catalogue();
    let selected = screen.target();
    let field = |label: &str, value: String| {
        Line::from(vec![Span::styled(format!("{label:<15}"), t.title()), Span::raw(value)])
    };
    let mut lines: Vec<Line> = Vec::new();
    let mut head = vec![
        Span::styled(p.name.clone(), t.title()),
        Span::raw("  "),
        Span::styled(p.label(), t.muted()),
        Span::raw(format!("  {}", p.kind.label())),
    ];
    if !p.detail.is_empty() {
        head.push(Span::raw(format!(", {}", p.detail)));
    }
    lines.push(Line::from(head));
    let mut born = match p.date_of_birth {
        Some(d) => d.format("%d %b %Y").to_string(),
        None => "not recorded".to_string(),
    };
    if let Some(until) = p.retain_until() {
        // KCSIE: a child's record is kept until their 25th birthday.
        born.push_str(&format!(" · kept until {} (25th birthday)", until.format("%d %b %Y")));
    }
    lines.push(field("Born", born));
    if !p.school_id.is_empty() {
        lines.push(field("School id", p.school_id.clone()));
    }
    if !p.other_names.is_empty() {
        lines.push(field("Also known as", p.other_names.join(", ")));
    }
    if v.family.is_empty() {
        lines.push(field("Family", "none recorded".into()));
    }
    for (i, (kind, relative)) in v.family.iter().enumerate() {
        let here = selected == Some(PersonTarget::Person(relative.id));
        let label = if i == 0 { "Family" } else { "" };
        lines.push(Line::from(vec![
            Span::styled(format!("{label:<15}"), t.title()),
            Span::styled(if here { "▶ " } else { "  " }, t.key()),
            Span::styled(
                format!("{}: {} {}", kind.label(), relative.summary(), relative.label()),
                if here { t.selected() } else { Style::default() },
            ),
        ]));
    }
    if !p.note.is_empty() {
        lines.push(field("Note", p.note.clone()));
    }
    lines.push(Line::raw(""));
    if v.open_items.is_empty() {
        lines.push(Line::styled("Open now: nothing due", t.title()));
    } else {
        lines.push(Line::styled("Open now", t.title()));
        lines.extend(v.open_items.iter().map(|item| Line::raw(format!("  {item}"))));
    }
    lines.push(Line::raw(""));
    let (about, open) = v.about_counts();
    lines.push(Line::styled(format!("Concerns ({}; {about} about them, {open} open)", v.concerns.len()), t.title()));
    // Reference, date, status and part fixed; the category takes the rest.
    let category_width = usize::from(width).saturating_sub(63).clamp(10, 40);
    for (row, part) in &v.concerns {
        let here = selected == Some(PersonTarget::Concern(row.id));
        let status_style = match row.status {
            Status::New => t.new_status(),
            Status::Closed => t.muted(),
            _ => Style::default(),
        };
        let base = if here { t.selected() } else { Style::default() };
        lines.push(Line::from(vec![
            Span::styled(if here { "▶ " } else { "  " }, t.key()),
            Span::styled(
                format!(
                    "{:<11} {} {:<category_width$} ",
                    row.reference,
                    row.reported_at.format("%d %b %Y"),
                    cut(catalogue.category_label(&row.category), category_width)
                ),
                base,
            ),
            Span::styled(format!("{:<16} ", row.status.label()), status_style),
            Span::styled(part.label().to_string(), base),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(format!("Chronology ({} entries, newest first)", v.chronology.len()), t.title()));
    for (reference, e) in &v.chronology {
        lines.push(Line::from(vec![
            Span::styled(e.at.format("%d %b %Y %H:%M ").to_string(), Style::default()),
            Span::styled(format!("{reference:<11} "), t.title()),
            Span::styled(format!("{:<17}", e.kind.label()), t.key()),
            Span::raw(e.author.name.clone()),
        ]));
        for l in e.text.lines() {
            lines.push(Line::raw(format!("     {l}")));
        }
    }
    Text::from(lines)
}

fn draw_person(frame: &mut Frame, app: &mut App, area: Rect) {
    let Screen::Person(screen) = &app.screen else { return };
    let title = match &screen.view {
        Some(v) => format!(" Person {} ", v.person.label()),
        None => " Person ".to_string(),
    };
    let text = person_text(app, screen, area.width);
    // The line of the family member or concern Enter opens.
    let marked = text.lines.iter().position(|l| l.spans.iter().any(|s| s.content == "▶ "));
    let para =
        Paragraph::new(text).block(Block::default().borders(Borders::TOP).title(title)).wrap(Wrap { trim: false });
    let total = para.line_count(area.width) as u16;
    let rows = area.height.saturating_sub(1);
    let max = total.saturating_sub(rows);
    let Screen::Person(screen) = &mut app.screen else { return };
    screen.scroll = screen.scroll.min(max);
    // Tab moved the selection: bring it into view, with a little above.
    if std::mem::take(&mut screen.follow)
        && let Some(line) = marked.map(|l| l as u16)
        && (line < screen.scroll || line >= screen.scroll + rows)
    {
        screen.scroll = line.saturating_sub(2).min(max);
    }
    frame.render_widget(para.scroll((screen.scroll, 0)), area);
}

/// Issue 12: everyone on record (find as you type, open, merge), or the
/// subjects of older concerns not yet linked to anyone, grouped by name,
/// each with the people on record of that name.
fn draw_people(frame: &mut Frame, app: &App, ps: &PeopleScreen, area: Rect) {
    let t = app.theme;
    let mut area = area;
    if ps.tab == PeopleTab::Everyone && (ps.editing || !ps.query.is_empty()) {
        let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let mut spans = vec![Span::styled("Find: ", t.key()), Span::raw(ps.query.clone())];
        if ps.editing {
            spans.push(Span::styled("█", t.key()));
        }
        spans.push(Span::styled(format!("  ({} found; Esc clears)", ps.shown.len()), t.muted()));
        frame.render_widget(Paragraph::new(Line::from(spans)), top);
        area = rest;
    }
    let Some(lists) = &ps.lists else {
        frame.render_widget(
            Paragraph::new("Loading people…").block(Block::default().borders(Borders::TOP).title(" People ")),
            area,
        );
        return;
    };
    let wide = area.width >= 110;
    match ps.tab {
        PeopleTab::Everyone => {
            let live = lists.people.iter().filter(|p| p.merged_into.is_none()).count();
            let mut title = format!(" People on record: {} of {live} (u: subjects not yet linked) ", ps.shown.len());
            if let Some(from) = &ps.merge_from {
                title = format!(" People: {} {} marked to merge; M on the record to keep ", from.label(), from.name);
            }
            if ps.shown.is_empty() {
                let text = if live == 0 {
                    "No one on record yet. People come from the MIS export (casebook people import FILE.csv), from \
                     the new-concern form (F3 on a name), or from the subjects of older concerns (u)."
                } else {
                    "No one on record fits the search."
                };
                let block = Block::default().borders(Borders::TOP).title(title);
                frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).block(block), area);
                return;
            }
            let header = if wide {
                Row::new(["Id", "Name", "Kind", "Year / role", "Born", "School id", "Also known as"])
            } else {
                Row::new(["Id", "Name", "Kind", "Year / role", "Born"])
            }
            .style(t.title());
            let rows: Vec<Row> = ps
                .shown
                .iter()
                .map(|&i| {
                    let p = &lists.people[i];
                    let marked = ps.merge_from.as_ref().is_some_and(|m| m.id == p.id);
                    let mut cells = vec![
                        Cell::from(Span::styled(p.label(), if marked { t.high() } else { t.muted() })),
                        Cell::from(if marked { format!("{} (to merge)", p.name) } else { p.name.clone() }),
                        Cell::from(p.kind.label()),
                        Cell::from(p.detail.clone()),
                        Cell::from(p.date_of_birth.map_or("-".to_string(), |d| d.format("%d %b %Y").to_string())),
                    ];
                    if wide {
                        cells.push(Cell::from(p.school_id.clone()));
                        cells.push(Cell::from(p.other_names.join(", ")));
                    }
                    Row::new(cells)
                })
                .collect();
            let widths: Vec<Constraint> = if wide {
                vec![
                    Constraint::Length(6),
                    Constraint::Fill(2),
                    Constraint::Length(12),
                    Constraint::Length(20),
                    Constraint::Length(11),
                    Constraint::Length(14),
                    Constraint::Fill(1),
                ]
            } else {
                vec![
                    Constraint::Length(6),
                    Constraint::Fill(1),
                    Constraint::Length(12),
                    Constraint::Length(14),
                    Constraint::Length(11),
                ]
            };
            let table = Table::new(rows, widths)
                .header(header)
                .block(Block::default().borders(Borders::TOP).title(title))
                .row_highlight_style(t.selected())
                .highlight_symbol("▶")
                .column_spacing(1);
            let mut state = TableState::default().with_selected(Some(ps.selected));
            frame.render_stateful_widget(table, area, &mut state);
        }
        PeopleTab::Unlinked => {
            let groups = ps.groups();
            let title = format!(
                " Subjects not yet linked to a person: {} name(s) (a: a new person · l: link to the one suggested) ",
                groups.len()
            );
            if lists.unlinked.is_none() || groups.is_empty() {
                let text = if lists.unlinked.is_none() {
                    "Reading every concern for subjects not yet linked…"
                } else {
                    "Every subject of every concern names a person on record."
                };
                let block = Block::default().borders(Borders::TOP).title(title);
                frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).block(block), area);
                return;
            }
            let header = Row::new(["Name as typed", "Concerns", "On record by that name"]).style(t.title());
            let rows: Vec<Row> = groups
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let refs: Vec<&str> = g.subjects.iter().map(|s| s.reference.as_str()).collect();
                    let pick = if i == ps.selected { ps.suggestion } else { 0 };
                    let suggested = match g.suggestions.get(pick) {
                        None => "nobody: a makes a new record".to_string(),
                        Some(p) if g.suggestions.len() > 1 => {
                            format!(
                                "{} {} ({} of {}; Tab: next)",
                                p.label(),
                                p.summary(),
                                pick + 1,
                                g.suggestions.len()
                            )
                        }
                        Some(p) => format!("{} {}", p.label(), p.summary()),
                    };
                    Row::new(vec![
                        Cell::from(format!("{} ({})", g.name, g.kind.label())),
                        Cell::from(format!("{}: {}", refs.len(), refs.join(", "))),
                        Cell::from(suggested),
                    ])
                })
                .collect();
            let widths = [Constraint::Fill(2), Constraint::Fill(2), Constraint::Fill(3)];
            let table = Table::new(rows, widths)
                .header(header)
                .block(Block::default().borders(Borders::TOP).title(title))
                .row_highlight_style(t.selected())
                .highlight_symbol("▶")
                .column_spacing(1);
            let mut state = TableState::default().with_selected(Some(ps.selected));
            frame.render_stateful_widget(table, area, &mut state);
        }
    }
}

/// Most lines the footer gives a message that does not fit on one.
const MESSAGE_LINES: usize = 3;

/// A message too long for one line (a lost server connection, a refusal
/// with its reason) is wrapped above the keys rather than cut off at 80
/// columns before it says what to do.
fn footer_height(app: &App, width: u16) -> u16 {
    match &app.message {
        Some((msg, _)) if message_width(msg) > usize::from(width) => {
            let lines = Paragraph::new(msg.as_str()).wrap(Wrap { trim: true }).line_count(width.saturating_sub(2));
            1 + lines.clamp(1, MESSAGE_LINES) as u16
        }
        _ => 1,
    }
}

fn message_width(msg: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(msg) + 2
}

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut spans = Vec::new();
    let mut area = area;
    if let Some((msg, error)) = &app.message {
        let style = if *error { t.error() } else { t.title() };
        if area.height > 1 {
            let [above, keys] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
            // One column of margin each side, as the one-line message has.
            let text = above.inner(ratatui::layout::Margin { horizontal: 1, vertical: 0 });
            frame.render_widget(Paragraph::new(Span::styled(msg.as_str(), style)).wrap(Wrap { trim: true }), text);
            area = keys;
        } else {
            spans.push(Span::styled(format!(" {msg} "), style));
            spans.push(Span::raw(" "));
        }
    }
    // A form being saved takes no keys until the store answers (issue 9).
    if app.form.as_ref().is_some_and(|f| f.saving) {
        spans.push(Span::styled("saving… keys wait for the store's answer", t.muted()));
        return frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }
    let ctx = if app.search.editing { None } else { Some(app.context()) };
    match ctx {
        None => spans.push(Span::styled("type to search · Enter keep · Esc clear", t.muted())),
        Some(ctx) => {
            // Only what this member's role can do here.
            for (key, action) in app.keys.footer_actions(ctx).into_iter().filter(|(_, a)| app.offers(*a)) {
                spans.push(Span::styled(key, t.key()));
                spans.push(Span::raw(format!(" {}  ", action.footer_word())));
            }
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Keys a form's fields handle themselves; shown under the key map's rows.
const FIELD_KEYS: &[(&str, &str)] = &[
    ("typing", "edits the field; arrows move in text"),
    ("Enter", "next field (a new line in long text)"),
    ("← →", "choose in a list; a letter jumps"),
    ("Space", "tick or untick a device"),
    ("paste", "pastes into the field"),
];

fn draw_help(frame: &mut Frame, app: &App, area: Rect) {
    let ctx: Context = app.context();
    let mut rows: Vec<Row> = app
        .keys
        .help(ctx)
        .into_iter()
        .map(|(keys, what, policy)| {
            // Plain words first; the policy clause after, in grey (issue 8 item 22).
            let mut words = vec![Span::raw(what)];
            if let Some(code) = policy {
                words.push(Span::styled(format!("  {code}"), app.theme.muted()));
            }
            Row::new(vec![Cell::from(Span::styled(keys, app.theme.key())), Cell::from(Line::from(words))])
        })
        .collect();
    if ctx == Context::Form {
        rows.extend(
            FIELD_KEYS
                .iter()
                .map(|(k, what)| Row::new(vec![Cell::from(Span::styled(*k, app.theme.key())), Cell::from(*what)])),
        );
    }
    let height = (rows.len() as u16 + 2).min(area.height);
    let width = 90.min(area.width.saturating_sub(2));
    let popup = centered(area, width, height);
    let table = Table::new(rows, [Constraint::Length(16), Constraint::Fill(1)])
        .block(Block::bordered().title(format!(" Keys: {} ", ctx.title())).title_bottom(" any key closes "));
    frame.render_widget(Clear, popup);
    frame.render_widget(table, popup);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height }
}

fn draw_confirm(frame: &mut Frame, app: &App, question: Confirm, area: Rect) {
    let mut text = vec![Line::raw(question.question())];
    let mut width = 52;
    // Issue 12: a merge names both records and what becomes of each.
    if let (Confirm::Merge, Some((keep, other))) = (question, &app.merging) {
        width = 72;
        text = vec![
            Line::raw(format!("Merge {} {} into {} {}?", other.label(), other.summary(), keep.label(), keep.summary())),
            Line::raw(format!(
                "Every concern naming {} will name {}, which takes its names and any details it lacks. {} is kept as history, marked merged. The DSL only (P1-a).",
                other.label(),
                keep.label(),
                other.label()
            )),
        ];
    }
    text.push(Line::from(vec![
        Span::styled("y", app.theme.key()),
        Span::raw(" yes   "),
        Span::styled("n", app.theme.key()),
        Span::raw(" no, go back"),
    ]));
    let inner = width.min(area.width).saturating_sub(2);
    let height = Paragraph::new(text.clone()).wrap(Wrap { trim: true }).line_count(inner) as u16 + 2;
    let popup = centered(area, width, height.max(5));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: true }).block(Block::bordered().title(" Are you sure? ")),
        popup,
    );
}

fn draw_lock(frame: &mut Frame, app: &App, area: Rect) {
    let Some(lock) = &app.lock else { return };
    let t = &app.theme;
    let passphrase = lock.passphrase;
    let mut lines = vec![
        Line::styled("casebook is locked", t.title()),
        Line::raw(""),
        Line::raw("The screen was cleared after a period without a key press."),
        Line::raw("Anything you were typing is kept when you unlock."),
        Line::raw(""),
    ];
    if passphrase {
        lines.push(Line::from(vec![
            Span::raw("Passphrase: "),
            Span::raw("•".repeat(lock.input.chars().count())),
            Span::styled("█", t.key()),
        ]));
        lines.push(Line::styled("Enter to unlock", t.muted()));
    } else {
        lines.push(Line::raw("Your key has no passphrase. Press Enter to unlock."));
    }
    if lock.checking.is_some() {
        lines.push(Line::styled("checking…", t.muted()));
    }
    if let Some(e) = &lock.error {
        lines.push(Line::styled(e.clone(), t.error()));
    }
    // Someone else may need the store: anyone can quit from here.
    lines.push(Line::raw(""));
    let quit = if passphrase { "Ctrl-c quits" } else { "q or Ctrl-c quits" };
    if app.form.as_ref().is_some_and(|f| f.form.dirty) {
        lines.push(Line::styled(format!("{quit}; what is typed in the open form is lost."), t.muted()));
    } else {
        lines.push(Line::styled(format!("{quit}."), t.muted()));
    }
    let popup = centered(area, 64, lines.len() as u16 + 2);
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center).block(Block::bordered()), popup);
}

/// The open form, with what helps beside it: policy guidance for the
/// chosen category, or whether a status change is allowed.
fn draw_form(frame: &mut Frame, app: &mut App, area: Rect) {
    let side = side_panel(app);
    let Some(open) = app.form.as_mut() else { return };
    // Sent to the store, not yet answered (issue 9).
    let saving = if open.saving { " · saving…" } else { "" };
    let block = Block::default().borders(Borders::TOP).title(format!(" {}{saving} ", open.form.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (form_area, side_area) = match &side {
        Some(_) => {
            let side_width = if inner.width >= 110 { 44 } else { 30 };
            let [f, s] =
                Layout::horizontal([Constraint::Min(30), Constraint::Length(side_width)]).spacing(1).areas(inner);
            (f, Some(s))
        }
        None => (inner, None),
    };
    open.form.draw(frame, form_area, &app.theme);
    if let Some(picker) = &open.picker
        && open.form.focused_key() == picker.field
        && picker.showing()
        && let Some(at) = open.form.drawn_at(picker.field)
    {
        draw_picker(frame, picker, at, form_area, &app.theme);
    }
    if let (Some((title, lines)), Some(area)) = (side, side_area) {
        let p = Paragraph::new(lines).wrap(Wrap { trim: true }).block(Block::bordered().title(format!(" {title} ")));
        frame.render_widget(p, area);
    }
}

/// Issue 12: the people matching the name typed, just under the name
/// field, over the fields below it; the highlighted one is picked by Enter.
fn draw_picker(frame: &mut Frame, picker: &super::forms::Picker, at: Rect, form: Rect, t: &super::theme::Theme) {
    let mut lines: Vec<Line> = picker
        .hits
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let style = if i == picker.cursor { t.selected() } else { Style::default() };
            Line::styled(picker.row_label(p), style)
        })
        .collect();
    if picker.offers_new() {
        let style = if picker.cursor == picker.hits.len() { t.selected() } else { t.key() };
        lines.push(Line::styled("+ not listed: make a new person record", style));
    }
    let top = at.y + 1;
    let bottom = form.y + form.height;
    if top >= bottom {
        return;
    }
    let height = (lines.len() as u16 + 2).min(bottom - top);
    // Under the name, over the labels too when the form is narrow, so a
    // name, year group and id are read whole.
    let right = form.x + form.width;
    let x = at.x.min(right.saturating_sub(60)).max(form.x + 2);
    let area = Rect { x, y: top, width: (right - x).min(64), height };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" on record · ↑ ↓ Enter picks, Tab skips ")),
        area,
    );
}

/// Plain words, then the policy clause in grey: teachers read the words,
/// the DSL can trace the clause (issue 8 item 22).
fn clause_after(words: &str, clause: &str, t: &super::theme::Theme) -> Line<'static> {
    Line::from(vec![Span::raw(words.to_string()), Span::styled(format!(" {clause}"), t.muted())])
}

fn side_panel(app: &App) -> Option<(String, Vec<Line<'static>>)> {
    let open = app.form.as_ref()?;
    let t = &app.theme;
    let catalogue = app.session.catalogue();
    match open.kind {
        FormKind::NewConcern => {
            let mut lines = Vec::new();
            // Issue 12: whose record the concern will name.
            if let Some(picker) = &open.picker {
                if let Some(p) = &picker.picked {
                    lines.push(Line::styled(format!("About: {}", picker.row_label(p)), t.title()));
                    lines.push(Line::raw(""));
                } else if picker.create {
                    let name = open.form.text("name");
                    lines.push(Line::styled(
                        format!("A new person record will be made for {}.", name.trim()),
                        t.title(),
                    ));
                    lines.push(Line::raw(""));
                } else if picker.can_create && picker.people.is_some() && !picker.query().trim().is_empty() {
                    let key = app.keys.key_for(Context::Form, Action::NewPerson);
                    lines.push(Line::raw(format!(
                        "Not linked to a person on record: pick them from the list, or {key} makes their record."
                    )));
                    lines.push(Line::raw(""));
                }
            }
            match catalogue.category(&open.form.choice("category")) {
                None => lines.push(Line::raw("Choose a category: its policy guidance shows here.")),
                Some(cat) => {
                    if cat.urgent {
                        lines.push(Line::styled("URGENT", t.urgent()));
                    }
                    lines.push(Line::styled(cat.guidance.clone(), t.guidance()));
                    // Issue 13: guidance that names a register says where it is.
                    lines.extend(register_links(app, &cat.guidance).into_iter().map(|l| Line::styled(l, t.title())));
                    lines.push(Line::styled(format!("Policy {}", cat.clause), t.muted()));
                }
            }
            if catalogue.location(&open.form.choice("location")).is_some_and(|l| l.restricted) {
                lines.push(Line::raw(""));
                lines.push(clause_after("Restricted area: devices may not be used here.", "P3-a", t));
            }
            Some(("Policy guidance".into(), lines))
        }
        FormKind::Status { .. } => {
            let case = open.case.as_ref()?;
            let mut lines = match super::forms::StatusChoice::of(&open.form)? {
                super::forms::StatusChoice::To(to) => vec![match case.check_transition(to, catalogue) {
                    Ok(()) => Line::styled(format!("Allowed: {} → {}.", case.status.label(), to.label()), t.title()),
                    Err(e) => Line::styled(format!("{e}."), t.error()),
                }],
                // P9-c: the DSL's decision, recorded as such and counted.
                super::forms::StatusChoice::CloseWithoutDebrief => vec![
                    Line::styled(format!("Allowed: {} → closed, without a debrief.", case.status.label()), t.title()),
                    Line::raw("Your decision and its reason go in the chronology; leadership's figures count it."),
                ],
            };
            lines.push(Line::raw(""));
            lines.push(Line::raw(
                "new → triaged → in progress → awaiting debrief → closed by its debrief; a closed concern can be reopened.",
            ));
            Some(("Lifecycle".into(), lines))
        }
        FormKind::Triage { .. } => {
            let pathway = catalogue.pathway(&open.form.choice("pathway"));
            let mut lines = Vec::new();
            // What is being triaged, so the decision is made with the facts in view.
            if let Some(case) = &open.case {
                let c = &case.concern;
                lines.push(Line::styled(catalogue.category_label(&c.category).to_string(), t.title()));
                if let Some(cat) = catalogue.category(&c.category) {
                    lines.push(Line::styled(cat.guidance.clone(), t.guidance()));
                }
                for s in &c.subjects {
                    lines.push(Line::raw(s.summary()));
                    if let FormKind::Triage { id } = open.kind
                        && let Some(words) = other_concerns_line(app, id, s)
                    {
                        lines.push(Line::styled(words, t.high()));
                    }
                }
                lines.extend(c.description.lines().map(|l| Line::raw(l.to_string())));
                lines.push(Line::raw(""));
            }
            lines.push(Line::raw("Record the reasoning, including for no further action (KCSIE)."));
            if pathway.is_some_and(|p| p.closes_without_investigation) {
                lines.push(Line::raw(""));
                lines.push(Line::raw("No further action: the concern can then be closed straight away."));
            }
            Some(("Triage".into(), lines))
        }
        FormKind::Correct { .. } => Some((
            "Corrections".into(),
            vec![clause_after(
                "The original entry stays in the chronology, marked superseded, with who corrected it and when.",
                "S-c",
                t,
            )],
        )),
        FormKind::Export { .. } => Some((
            "Export".into(),
            vec![Line::raw(
                "An ordinary age file of the whole case file, encrypted to you (and the recipient, if given). Open it with: age -d -i YOUR-KEY FILE",
            )],
        )),
        FormKind::Debrief => Some((
            "Leadership reads this".into(),
            vec![
                clause_after("Debriefs are encrypted to the DSL, deputies and leadership.", "P9-e", t),
                Line::raw(""),
                Line::raw(
                    "Refer to concerns by reference only; write no names. casebook warns before saving if a subject's name appears.",
                ),
                Line::raw(""),
                Line::raw("Concerns awaiting a debrief are closed when it is recorded."),
            ],
        )),
        FormKind::Action => Some((
            "Actions".into(),
            vec![clause_after(
                "Each lesson can produce actions with an owner and a due date, tracked to done. A policy change also logs a review trigger.",
                "P9-d, P8-a",
                t,
            )],
        )),
        FormKind::ActionStatus { .. } => Some((
            "Action status".into(),
            vec![Line::raw(
                "open → in progress → done (with evidence), or dropped (with a reason). Every change is kept with who and when.",
            )],
        )),
        FormKind::Review | FormKind::Trigger => Some((
            "Policy review".into(),
            vec![clause_after(
                "The policy is reviewed at least annually, and after national or local updates, local concerns, or changes to technical infrastructure.",
                "P8-a",
                t,
            )],
        )),
        FormKind::Membership => Some((
            "Members".into(),
            vec![
                clause_after("Only the DSL changes who may read what.", "P1-b", t),
                Line::raw(""),
                Line::raw(
                    "Removing someone who has left, or taking a class from their role, replaces its keys and seals every record of it again without them: their key opens none of it afterwards.",
                ),
                Line::raw(""),
                Line::raw(
                    "To add a member, choose \"+ a new member\" and fill in New name, New role and New key: their public key comes from `age-keygen -y THEIR-KEY-FILE` (the same as casebook member add). What their role may read is sealed again so their key opens it.",
                ),
            ],
        )),
        FormKind::Referral { .. } => Some(("Referrals".into(), super::referrals::form_guidance(t))),
        FormKind::Confiscate { .. } | FormKind::CustodyEvent { .. } => {
            let mut lines = Vec::new();
            // Issue 13 (P6.1-a): whose record the device will name.
            if let Some(p) = open.picker.as_ref().and_then(|p| p.picked.as_ref().map(|x| p.row_label(x))) {
                lines.push(Line::styled(format!("Owner: {p}"), t.title()));
                lines.push(Line::raw(""));
            }
            lines.extend(super::custody::form_guidance(t));
            Some(("Device custody".into(), lines))
        }
        FormKind::DeviceSearch { .. } => Some(("Searches".into(), super::searches::form_guidance(t))),
        FormKind::RegisterEntry { kind } => {
            Some(("Registers".into(), super::registers::form_guidance(kind, app.now().date(), t)))
        }
        FormKind::Restrict { .. } => {
            let case = open.case.as_ref()?;
            Some(("Restricted allegation".into(), super::restrict::form_guidance(case, app.session.members(), t)))
        }
        FormKind::Attach { .. } => Some(("Files".into(), super::attachments::form_guidance(t))),
        FormKind::Dispose { .. } => Some(("Disposal".into(), super::retention::form_guidance(t))),
        FormKind::ErasePerson { .. } => Some(("Erasure (S-e)".into(), super::retention::erase_guidance(t))),
        FormKind::FollowUp { .. } | FormKind::Filter | FormKind::ActionFilter | FormKind::PickPerson => None,
    }
}

/// Issue 13 (P5-a, P5-c, P5-e, P7-b): the registers a category's guidance
/// names, with the key that opens them, for a member who can open them.
fn register_links(app: &App, guidance: &str) -> Vec<String> {
    if !app.session.can_read(crate::domain::AccessClass::Oversight) {
        return Vec::new();
    }
    let key = app.keys.key_for(Context::Board, Action::GoRegisters);
    super::registers::guidance_links(guidance, app.session.me().role, &key)
}
