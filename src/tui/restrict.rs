//! Restricting a concern in the TUI (issue 13: P5-f, P5-g), as
//! `casebook restrict REF --allow N --exclude N` does: the DSL ticks the
//! members who may read it besides the DSL(s), and those who must never,
//! gives a reason, and is asked once, naming everyone who will be able to
//! read it, before the store seals it again. Run again, it replaces the
//! restriction. The concern view says it is restricted, and to whom.

use ratatui::text::{Line, Span};

use super::form::{Field, Form, Input};
use super::theme::Theme;
use crate::domain::member::{AccessClass, Member, MemberId, Role};
use crate::domain::restricted::{Restriction, members_named_in};
use crate::domain::{Author, CaseFile};

/// Members who could be named to read it: those whose role reads concerns,
/// other than the DSL(s), who always do.
fn allowable(members: &[Member]) -> Vec<&Member> {
    members.iter().filter(|m| m.role.reads(AccessClass::Case) && m.role != Role::Dsl).collect()
}

/// Members who could be kept out: whoever else reads concerns (another DSL
/// too), never oneself.
fn excludable(members: &[Member], me: MemberId) -> Vec<&Member> {
    members.iter().filter(|m| m.role.reads(AccessClass::Case) && m.id != me).collect()
}

fn ticks(key: &'static str, label: &'static str, members: &[&Member], ticked: &[MemberId]) -> Field {
    // A deputy by name; another DSL said as such.
    let options: Vec<(String, String)> = members
        .iter()
        .map(|m| (m.id.to_string(), if m.role == Role::Dsl { format!("{} (DSL)", m.name) } else { m.name.clone() }))
        .collect();
    // About one name to a row on a narrow screen.
    let rows = options.len().clamp(1, 6) as u16;
    let mut field = Field::multi(key, label, options, rows);
    if let Input::Multi { checked, .. } = &mut field.input {
        for (on, m) in checked.iter_mut().zip(members) {
            *on = ticked.contains(&m.id);
        }
    }
    field
}

/// The form, ticked as the current restriction stands (if any). A list
/// with no one to choose from is left out.
pub fn restrict_form(case: &CaseFile, members: &[Member], me: MemberId, current: Option<&Restriction>) -> Form {
    let allow = allowable(members);
    let exclude = excludable(members, me);
    let mut fields = Vec::new();
    if !allow.is_empty() {
        fields.push(ticks("allow", "May read it", &allow, current.map_or(&[], |r| &r.allowed)));
    }
    if !exclude.is_empty() {
        fields.push(ticks("exclude", "Never", &exclude, current.map_or(&[], |r| &r.excluded)));
    }
    fields.push(Field::text(
        "reason",
        "Reason",
        current.map_or("", |r| r.reason.as_str()),
        "why it is restricted (kept with it, and in the chronology)",
        3,
    ));
    Form::new(format!("Restrict who may read {}", case.concern.reference), fields)
}

/// The ticked members of a list the form may have left out.
fn ticked(form: &Form, key: &str) -> Vec<MemberId> {
    if !form.fields.iter().any(|f| f.key == key) {
        return Vec::new();
    }
    form.ticked(key).iter().filter_map(|id| id.parse().ok()).collect()
}

/// What the DSL chose: (allowed, excluded, reason). A member ticked in both
/// lists, or named as a subject and ticked to read it, is said at the field
/// (the store refuses both too).
pub fn read_restrict(
    form: &mut Form,
    case: &CaseFile,
    members: &[Member],
) -> Option<(Vec<MemberId>, Vec<MemberId>, String)> {
    form.clear_errors();
    let allow = ticked(form, "allow");
    let exclude = ticked(form, "exclude");
    let named = members_named_in(case, members);
    let name = |id: &MemberId| members.iter().find(|m| m.id == *id).map_or(format!("#{id}"), |m| m.name.clone());
    if let Some(both) = allow.iter().find(|id| exclude.contains(id)) {
        form.set_error("allow", format!("{} is ticked in both lists: untick one", name(both)));
    } else if let Some(subject) = allow.iter().find(|id| named.contains(id)) {
        form.set_error(
            "allow",
            format!("{} is named in the concern, so is kept out whatever is ticked (P5-g)", name(subject)),
        );
    }
    (!form.has_errors()).then(|| (allow, exclude, form.text("reason").trim().to_string()))
}

/// The restriction the store would make of what was chosen: the subjects
/// named in it are excluded whatever was ticked (self-exclusion, P5-g).
pub fn proposed(case: &CaseFile, members: &[Member], allow: &[MemberId], exclude: &[MemberId]) -> Restriction {
    let mut excluded = exclude.to_vec();
    for id in members_named_in(case, members) {
        if !excluded.contains(&id) {
            excluded.push(id);
        }
    }
    Restriction {
        case_id: 0,
        allowed: allow.to_vec(),
        excluded,
        reason: String::new(),
        set_by: Author { member: 0, name: String::new() },
        set_at: chrono::NaiveDateTime::default(),
    }
}

fn names(ids: impl IntoIterator<Item = MemberId>, members: &[Member]) -> Vec<String> {
    ids.into_iter().map(|id| members.iter().find(|m| m.id == id).map_or(format!("#{id}"), |m| m.name.clone())).collect()
}

/// "A", "A and B", "A, B and C".
fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The names of the members `r` admits.
fn readers(r: &Restriction, members: &[Member]) -> String {
    and_list(&r.readers(members).iter().map(|m| m.name.clone()).collect::<Vec<_>>())
}

/// The question asked once before it is sealed: who will be able to read
/// it, and who not.
pub fn confirm_words(reference: &str, r: &Restriction, members: &[Member], save_key: &str) -> String {
    let out = names(r.excluded.iter().copied(), members);
    format!(
        "Only {} will be able to read {reference} and its referrals{}. Press {save_key} again to restrict it.",
        readers(r, members),
        if out.is_empty() { String::new() } else { format!("; never {}", and_list(&out)) }
    )
}

/// The footer's line once it is restricted.
pub fn done_words(reference: &str, r: &Restriction, members: &[Member]) -> String {
    format!("{reference} is restricted: readable only by {}.", readers(r, members))
}

/// The concern view's lines: restricted, to whom, by whom and why.
pub fn concern_lines(r: &Restriction, members: &[Member], key: Option<&str>, t: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(vec![
        Span::styled("Restricted ", t.urgent()),
        Span::raw(format!("readable only by {}", readers(r, members))),
        Span::styled(" (P5-g)", t.muted()),
    ])];
    let out = names(r.excluded.iter().copied(), members);
    if !out.is_empty() {
        lines.push(Line::raw(format!("           never {}", and_list(&out))));
    }
    let mut set = format!("           set by {} on {}", r.set_by.name, r.set_at.format("%d %b %Y %H:%M"));
    if !r.reason.is_empty() {
        set.push_str(&format!(": {}", r.reason));
    }
    lines.push(Line::raw(set));
    if let Some(key) = key {
        lines.push(Line::styled(format!("           {key} changes who may read it"), t.muted()));
    }
    lines
}

/// Beside the form: what restricting does.
pub fn form_guidance(case: &CaseFile, members: &[Member], t: &Theme) -> Vec<Line<'static>> {
    let clause = |words: &str, clause: &str| {
        Line::from(vec![Span::raw(format!("{words} ")), Span::styled(format!("({clause})"), t.muted())])
    };
    let mut lines = vec![
        clause("An allegation against a member of staff is read by the DSL(s) and those named here alone.", "P5-f"),
        Line::raw(""),
        clause("A member named in the concern never reads it, whatever is ticked.", "P5-g"),
    ];
    let named = names(members_named_in(case, members), members);
    if !named.is_empty() {
        lines.push(Line::styled(format!("Named in it, so kept out: {}.", and_list(&named)), t.title()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::raw(
        "It is sealed again to those members alone, with its referrals; its board row says only \"restricted\". \
         Restricting it again replaces who may read it.",
    ));
    lines
}
