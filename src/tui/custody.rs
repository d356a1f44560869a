//! Device custody in the TUI (issue 13: P6.1-a, P6.1-b, P6.1-d, P6.1-h):
//! the concern view's section, the confiscation form, the form that
//! extends a device's chain, and the register screen (held devices,
//! longest held first, then those returned or handed over).

use chrono::NaiveDateTime;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::app::App;
use super::form::{Field, Form};
use super::keymap::{Action, Context};
use super::theme::Theme;
use crate::domain::PersonId;
use crate::domain::custody::{DEFAULT_HELD_AT, HELD_LIMIT_WORKING_DAYS};
use crate::domain::person::parse_person_id;
use crate::domain::summary::cut;
use crate::domain::when::{DATE_TIME_INPUT, parse_when};
use crate::domain::{Catalogue, Custody, CustodyMove, NewCustody, NewCustodyEvent};

/// The concern view's section: each device, where it is now, and its
/// chain, corrections marked.
pub fn concern_lines(all: &[Custody], id: u32, catalogue: &Catalogue, key: &str, theme: &Theme) -> Vec<Line<'static>> {
    let t = theme;
    let mine: Vec<&Custody> = all.iter().filter(|c| c.case_id == id).collect();
    let mut lines = vec![Line::styled(
        format!("Devices in custody ({}; {key} records a confiscation; P6.1-b)", mine.len()),
        t.title(),
    )];
    if mine.is_empty() {
        lines.push(Line::styled("none recorded", t.muted()));
    }
    for c in mine {
        let now = c.whereabouts();
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", c.label()), t.muted()),
            Span::styled(c.device_words(catalogue.device_label(&c.device)), t.key()),
            Span::raw(format!(" of {}: ", c.owner)),
            Span::styled(now.words(), if now.is_held() { t.high() } else { Style::default() }),
        ]));
        let text = c.chain_text(catalogue.device_label(&c.device));
        for line in text.lines().skip(1) {
            let muted = line.contains("[corrected by");
            lines.push(Line::styled(line.trim_start().to_string(), if muted { t.muted() } else { Style::default() }));
        }
    }
    lines
}

/// The confiscation form on a concern (P6.1-a): the device, its owner,
/// who took it, when, why and where it is held.
pub fn confiscate_form(reference: &str, catalogue: &Catalogue, now: NaiveDateTime) -> Form {
    let devices: Vec<(String, String)> = catalogue.devices.iter().map(|d| (d.id.clone(), d.label.clone())).collect();
    Form::new(
        format!("Device confiscated ({reference})"),
        vec![
            Field::choice("device", "Device", devices, "mobile-phone"),
            Field::line("description", "Description", "", "make, colour, case: to hand back the right one"),
            Field::line("owner", "Owner", "", "type part of their name to pick them, or P-0012"),
            Field::line("by", "Taken by", "", "you, unless someone else confiscated it"),
            Field::line("when", "When", &now.format(DATE_TIME_INPUT).to_string(), "YYYY-MM-DD HH:MM"),
            Field::text("reason", "Why", "", "what it was believed to be used for (P6.1-a)", 3),
            // Empty is the school office: typing names somewhere else
            // rather than adding to it (found in review).
            Field::line("held_at", "Held in", "", &format!("{DEFAULT_HELD_AT}, unless somewhere else (P6.1-b)")),
        ],
    )
}

/// What the confiscation form says; each problem is shown at its field.
/// `picked`: the owner chosen from the people found as their name was
/// typed (P6.1-a); otherwise "P-0012" names a record, and any other name
/// is kept as typed.
pub fn read_confiscate(
    form: &mut Form,
    catalogue: &Catalogue,
    now: NaiveDateTime,
    picked: Option<PersonId>,
) -> Option<NewCustody> {
    form.clear_errors();
    let when = parse_when(&form.text("when"), now).map_err(|e| form.set_error("when", e)).ok();
    let owner = form.text("owner");
    let typed = owner.trim();
    let owner_person =
        picked.or_else(|| typed.get(..2).filter(|p| p.eq_ignore_ascii_case("P-")).and_then(|_| parse_person_id(typed)));
    let new = NewCustody {
        device: form.choice("device"),
        description: form.text("description"),
        owner: if owner_person.is_some() { String::new() } else { owner.clone() },
        owner_person,
        confiscated_by: form.text("by"),
        confiscated_at: when.unwrap_or(now),
        reason: form.text("reason"),
        held_at: form.text("held_at"),
    };
    for e in new.validate(catalogue.device(&new.device).is_some(), now) {
        form.set_error(e.field, e.message);
    }
    (!form.has_errors()).then_some(new)
}

const MOVED: &str = "moved";
const RETURNED: &str = "returned";
const POLICE: &str = "police";
const CORRECTION: &str = "correction";
const NONE: &str = "-";

/// The form that extends a device's chain: moved, returned to a
/// parent/carer, handed to the police, or its latest event corrected.
pub fn event_form(c: &Custody, catalogue: &Catalogue, now: NaiveDateTime) -> Form {
    let what = vec![
        (MOVED.to_string(), "moved to another secure place".to_string()),
        (RETURNED.to_string(), "returned to a parent/carer".to_string()),
        (POLICE.to_string(), "handed to the police (P6.1-d)".to_string()),
        (CORRECTION.to_string(), "the latest event was recorded in error".to_string()),
    ];
    let mut corrects = vec![(NONE.to_string(), "nothing: a new event".to_string())];
    if let Some(last) = c.standing_events().last() {
        corrects.push((last.seq.to_string(), format!("event {}: {}", last.seq, last.change.words())));
    }
    Form::new(
        format!("{} {} of {}", c.label(), catalogue.device_label(&c.device), c.owner),
        vec![
            Field::choice("what", "What", what, if c.is_held() { RETURNED } else { CORRECTION }),
            Field::line("at", "When", &now.format(DATE_TIME_INPUT).to_string(), "YYYY-MM-DD HH:MM"),
            Field::line("to", "Moved to", "", "moved: where it is kept now"),
            Field::line("collected_by", "Collected by", "", "returned: the parent/carer"),
            Field::line("released_by", "Released by", "", "returned: you, unless someone else"),
            Field::choice(
                "signature",
                "Signed for",
                vec![("yes".into(), "yes, signature taken".into()), ("no".into(), "no signature".into())],
                "yes",
            ),
            Field::line("reference", "Police ref", "", "police: their reference (crime number)"),
            Field::line("officer", "Officer", "", "police: who took it"),
            Field::text("note", "Note", "", "anything worth keeping; a correction: what was wrong", 2),
            Field::choice("corrects", "Corrects", corrects, NONE),
        ],
    )
}

/// What the event form says; each problem is shown at its field (the
/// chain's own rules are the store's, said in the form's message).
pub fn read_event(form: &mut Form, now: NaiveDateTime) -> Option<NewCustodyEvent> {
    form.clear_errors();
    let at = parse_when(&form.text("at"), now).map_err(|e| form.set_error("at", e)).ok();
    let change = match form.choice("what").as_str() {
        MOVED => CustodyMove::Moved { to: form.required("to", "say where it was moved to") },
        RETURNED => CustodyMove::Returned {
            released_by: form.text("released_by"),
            collected_by: form.required("collected_by", "name the parent/carer who collected it (P6.1-b)"),
            signature: form.choice("signature") == "yes",
        },
        POLICE => CustodyMove::Police {
            reference: form.required("reference", "record the police reference (P6.1-d)"),
            officer: form.text("officer"),
        },
        _ => CustodyMove::Correction,
    };
    let corrects = form.choice("corrects").parse::<u32>().ok();
    if change == CustodyMove::Correction {
        if corrects.is_none() {
            form.set_error("corrects", "choose the event recorded in error");
        }
        form.required("note", "say what was wrong with it");
    }
    (!form.has_errors()).then(|| NewCustodyEvent { at: at.unwrap_or(now), change, note: form.text("note"), corrects })
}

/// Beside the custody forms: what the policy asks (§6.1).
pub fn form_guidance(t: &Theme) -> Vec<Line<'static>> {
    let clause = |words: &str, clause: &str| {
        Line::from(vec![Span::raw(format!("{words} ")), Span::styled(format!("({clause})"), t.muted())])
    };
    vec![
        clause(
            "Staff may confiscate a device believed to be used against the child protection or behaviour policy.",
            "P6.1-a",
        ),
        clause("It is held securely in the school office and released to parents/carers.", "P6.1-b"),
        clause(
            "Possibly illegal data or evidence of an offence: hand it to the police and record their reference.",
            "P6.1-d, P6.1-h",
        ),
        clause("An indecent image of a child: do not look at the content; refer to the DSL urgently.", "P6.1-c"),
        Line::raw(""),
        Line::raw(
            "The chain is never edited: a mistake is put right by a new event. The concern cannot close while the device is held.",
        ),
    ]
}

/// The register in screen order (held first, longest held first).
/// The register as shown: every device, or those the search finds.
pub fn register(app: &App) -> Vec<&Custody> {
    app.custody.iter().filter(|c| c.mentions(&app.custody_search.query)).collect()
}

/// The device selected in the register, as shown.
pub fn selected(app: &App) -> Option<&Custody> {
    register(app).get(app.custody_list.selected).copied()
}

/// The register screen (P6.1-b): every device held now, longest held
/// first, with its concern; then those returned or handed over.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let all = register(app);
    let held = all.iter().filter(|c| c.is_held()).count();
    let wide = area.width >= 110;
    let mut title = if wide {
        format!(
            " Device custody: {held} held now, longest first; {} returned or handed over (limit \
             {HELD_LIMIT_WORKING_DAYS} school days) ",
            all.len() - held
        )
    } else {
        format!(" Devices: {held} held, longest first; {} returned or handed over ", all.len() - held)
    };
    // The search, as typed (`/`): owner, device, concern or place.
    let search = &app.custody_search;
    if search.editing || !search.query.is_empty() {
        title.push_str(&format!(
            "· find: {}{} ",
            crate::text::one_line(&search.query),
            if search.editing { "▏" } else { "" }
        ));
    }
    if all.is_empty() && !app.custody.is_empty() {
        let p = Paragraph::new(format!(
            "No device matches \"{}\". Esc clears the search.",
            crate::text::one_line(&search.query)
        ))
        .block(Block::default().borders(Borders::TOP).title(title));
        frame.render_widget(p, area);
        return;
    }
    if all.is_empty() {
        let text = if app.board_loaded {
            format!(
                "No device has been confiscated. Record one from a concern ({} on the concern). {} goes back to the \
                 board.",
                app.keys.key_for(Context::Concern, Action::Confiscate),
                app.keys.key_for(Context::Custody, Action::Back)
            )
        } else {
            "Loading…".to_string()
        };
        let p =
            Paragraph::new(text).wrap(Wrap { trim: true }).block(Block::default().borders(Borders::TOP).title(title));
        frame.render_widget(p, area);
        return;
    }
    let catalogue = app.session.catalogue();
    let calendar = &app.referrals.calendar;
    let today = app.now().date();
    let (what_w, owner_w) = if wide { (22u16, 22u16) } else { (12, 14) };
    let rows: Vec<Row> = all
        .iter()
        .map(|c| {
            let now = c.whereabouts();
            let (held, style) = if now.is_held() {
                let days = c.working_days_held(calendar, today);
                let style = if days > HELD_LIMIT_WORKING_DAYS { t.urgent() } else { Style::default() };
                (format!("{days}wd"), style)
            } else {
                ("-".to_string(), t.muted())
            };
            let what = if wide {
                c.device_words(catalogue.device_label(&c.device))
            } else {
                catalogue.device_label(&c.device).to_string()
            };
            Row::new(vec![
                Cell::from(c.label()),
                Cell::from(c.case_reference.clone()),
                Cell::from(cut(&what, what_w as usize)),
                Cell::from(cut(&c.owner, owner_w as usize)),
                Cell::from(Span::styled(held, style)),
                Cell::from(Span::styled(
                    if wide { now.words() } else { now.short_words() },
                    if now.is_held() { Style::default() } else { t.muted() },
                )),
            ])
        })
        .collect();
    let widths = vec![
        Constraint::Length(7),
        Constraint::Length(11),
        Constraint::Length(what_w),
        Constraint::Length(owner_w),
        Constraint::Length(5),
        Constraint::Min(1),
    ];
    let table = Table::new(rows, widths)
        .header(Row::new(["Device", "Concern", "What", "Owner", "Held", "Where"]).style(t.title()))
        .block(Block::default().borders(Borders::TOP).title(title))
        .row_highlight_style(t.selected())
        .highlight_symbol("▶")
        .column_spacing(1);
    let selected = app.custody_list.selected.min(all.len() - 1);
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, area, &mut state);
}
