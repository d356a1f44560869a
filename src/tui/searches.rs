//! Searches of devices in the TUI (issue 13: P6.1-e, P6.1-f, P6.1-g): the
//! concern view's section and the form that records one.

use chrono::NaiveDateTime;
use ratatui::text::{Line, Span};

use super::form::{Field, Form};
use super::theme::Theme;
use crate::domain::custody::parse_custody_label;
use crate::domain::searches::{DataAction, DeviceSearch, NewSearch, may_record};
use crate::domain::when::{DATE_TIME_INPUT, parse_when};
use crate::domain::{Catalogue, Custody, Member};

/// The concern view's section: each search, as `casebook show` prints it.
pub fn concern_lines(all: &[DeviceSearch], id: u32, key: &str, theme: &Theme) -> Vec<Line<'static>> {
    let t = theme;
    let mine: Vec<&DeviceSearch> = all.iter().filter(|s| s.case_id == id).collect();
    let mut lines =
        vec![Line::styled(format!("Device searches ({}; {key} records one; P6.1-e)", mine.len()), t.title())];
    if mine.is_empty() {
        lines.push(Line::styled("none recorded", t.muted()));
    }
    for s in mine {
        for (i, line) in s.text().lines().enumerate() {
            let style = if line.contains("SAFEGUARDING RISK") {
                t.urgent()
            } else if i == 0 {
                t.key()
            } else {
                ratatui::style::Style::default()
            };
            lines.push(Line::styled(line.trim_start().to_string(), style));
        }
    }
    lines
}

const NONE: &str = "-";

/// The form that records a search on a concern; `devices`: the concern's
/// devices in custody, offered as what was searched.
pub fn search_form(reference: &str, devices: &[&Custody], catalogue: &Catalogue, now: NaiveDateTime) -> Form {
    let mut custody = vec![(NONE.to_string(), "- (not a device in custody)".to_string())];
    custody.extend(
        devices
            .iter()
            .map(|c| (c.label(), format!("{} {} of {}", c.label(), catalogue.device_label(&c.device), c.owner))),
    );
    let first = devices.first().map_or(NONE.to_string(), |c| c.label());
    let data = DataAction::ALL.iter().map(|a| (a.id().to_string(), a.label().to_string())).collect();
    Form::new(
        format!("Search of a device ({reference})"),
        vec![
            Field::choice("custody", "Device held", custody, &first),
            Field::line("device", "Or device", "", "the device, if it is not in custody"),
            Field::line("authorised_by", "Authorised by", "", "the headteacher or authorised staff (P6.1-e)"),
            Field::line("searched_by", "Searched by", "", "you, unless someone else searched it"),
            Field::line("witnessed_by", "Witnessed by", "", "who witnessed the search"),
            Field::line("at", "When", &now.format(DATE_TIME_INPUT).to_string(), "YYYY-MM-DD HH:MM"),
            Field::text("grounds", "Grounds", "", "why it was searched", 2),
            Field::line("looked_for", "Looked for", "", "what the search was for"),
            Field::text("found", "Found", "", "what was found, or \"nothing\"", 2),
            Field::choice("data", "Data", data, DataAction::None.id()),
            Field::line("data_reason", "Why", "", "examined or erased: the good reason (P6.1-g)"),
            Field::choice(
                "risk",
                "Risk found",
                vec![
                    ("no".into(), "no safeguarding risk".into()),
                    ("yes".into(), "YES: a safeguarding risk (urgent, P6.1-f)".into()),
                ],
                "no",
            ),
        ],
    )
}

/// What the search form says, checked by the domain's rules; each problem
/// is shown at its field. P6.1-g is checked here too, so a member not
/// authorised hears it at the data field before anything is sent (the
/// store checks it again).
pub fn read_search(
    form: &mut Form,
    me: &Member,
    devices: &[&Custody],
    catalogue: &Catalogue,
    now: NaiveDateTime,
) -> Option<NewSearch> {
    form.clear_errors();
    let at = parse_when(&form.text("at"), now).map_err(|e| form.set_error("at", e)).ok();
    let custody = parse_custody_label(&form.choice("custody"));
    let typed = form.text("device");
    let device = match (typed.trim(), custody.and_then(|id| devices.iter().find(|c| c.id == id))) {
        ("", Some(c)) => c.device_words(catalogue.device_label(&c.device)),
        ("", None) => {
            form.set_error("device", "name the device searched, or choose one held");
            String::new()
        }
        (t, _) => t.to_string(),
    };
    let data = DataAction::parse(&form.choice("data")).unwrap_or(DataAction::None);
    if let Err(e) = may_record(data, &me.name, me.authorised_to_erase) {
        form.set_error("data", e);
    }
    let new = NewSearch {
        custody,
        device,
        authorised_by: form.text("authorised_by"),
        searched_by: form.text("searched_by"),
        witnessed_by: form.text("witnessed_by"),
        at: at.unwrap_or(now),
        grounds: form.text("grounds"),
        looked_for: form.text("looked_for"),
        found: form.text("found"),
        data,
        data_reason: form.text("data_reason"),
        safeguarding_risk: form.choice("risk") == "yes",
    };
    for e in new.validate(now) {
        form.set_error(e.field, e.message);
    }
    (!form.has_errors()).then_some(new)
}

/// Beside the search form: what the policy asks (§6.1).
pub fn form_guidance(t: &Theme) -> Vec<Line<'static>> {
    let clause = |words: &str, clause: &str| {
        Line::from(vec![Span::raw(format!("{words} ")), Span::styled(format!("({clause})"), t.muted())])
    };
    vec![
        clause(
            "Searches follow the behaviour policy and the DfE Searching, Screening and Confiscation guidance.",
            "P6.1-e",
        ),
        clause("Record who authorised, searched and witnessed it, when, why and what was found.", "P6.1-e"),
        clause(
            "Only the headteacher or staff the DSL has authorised may examine or erase data, for a good reason.",
            "P6.1-g",
        ),
        clause("A safeguarding risk found: the DSL is involved without delay; the concern becomes urgent.", "P6.1-f"),
        clause("A possibly indecent image of a child: do not look; refer to the DSL urgently.", "P6.1-c"),
    ]
}
