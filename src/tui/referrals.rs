//! Referrals and contacts in the TUI (issue 13: P5-g, P6-b, P9-b, P9-g,
//! S-b): what the app holds of them, the section of the concern view, and
//! the form that records one.

use std::collections::HashMap;

use chrono::NaiveDate;
use ratatui::text::{Line, Span};

use super::form::{Field, Form};
use super::forms::pairs;
use super::theme::Theme;
use crate::domain::referral::{self, current, referral_label};
use crate::domain::when::parse_date;
use crate::domain::{
    Calendar, CaseSummary, Catalogue, Deadline, DeadlineKind, NewReferral, Referral, ReferralKind, Standing,
};

/// Every referral, the school's calendar, and each concern's open
/// deadlines worked out from them and the board (DSL and deputies).
#[derive(Debug, Clone, Default)]
pub struct ReferralData {
    pub all: Vec<Referral>,
    pub calendar: Calendar,
    /// By concern id; a concern with none is absent.
    pub deadlines: HashMap<u32, Vec<Deadline>>,
}

impl ReferralData {
    /// Works out every open concern's deadlines on `today`.
    pub fn recompute(&mut self, rows: &[CaseSummary], catalogue: &Catalogue, today: NaiveDate) {
        let by_case = referral::by_case(&current(&self.all));
        self.deadlines = rows
            .iter()
            .map(|r| {
                let mine = by_case.get(&r.id).map_or(&[][..], Vec::as_slice);
                (r.id, referral::deadlines(r, mine, catalogue, &self.calendar, today))
            })
            .filter(|(_, d)| !d.is_empty())
            .collect();
    }

    pub fn of_case(&self, id: u32) -> impl Iterator<Item = &Referral> {
        self.all.iter().filter(move |r| r.case_id == id)
    }

    /// Every deadline, for the Today list.
    pub fn every_deadline(&self) -> Vec<Deadline> {
        self.deadlines.values().flatten().cloned().collect()
    }

    /// The board's flag (issue 13): the first overdue deadline of a concern
    /// other than its review (the review column shows that already).
    pub fn flag(&self, id: u32) -> Option<&Deadline> {
        self.deadlines
            .get(&id)?
            .iter()
            .find(|d| d.kind != DeadlineKind::Review && matches!(d.standing, Standing::Overdue(_)))
    }

    /// How many concerns the board flags.
    pub fn overdue_concerns(&self) -> usize {
        self.deadlines.keys().filter(|id| self.flag(**id).is_some()).count()
    }
}

/// The board's review cell for a flagged concern: "⚑ LADO 2wd" (wide),
/// "⚑ LADO" (80 columns); the Today screen says the rest.
pub fn flag_words(d: &Deadline, wide: bool) -> String {
    let what = match d.kind {
        DeadlineKind::Lado => "LADO",
        DeadlineKind::ExaminingBody => "exam",
        DeadlineKind::Review => "review",
        DeadlineKind::FollowUp(_) => "follow",
    };
    match (wide, d.standing) {
        (true, Standing::Overdue(n)) => format!("⚑ {what} {n}wd"),
        _ => format!("⚑ {what}"),
    }
}

/// The concern view's section: each entry, corrections marked, then the
/// open deadlines, in working days.
pub fn concern_lines(data: &ReferralData, id: u32, open: bool, key: &str, theme: &Theme) -> Vec<Line<'static>> {
    let t = theme;
    let mine: Vec<Referral> = data.of_case(id).cloned().collect();
    let mut lines =
        vec![Line::styled(format!("Referrals and contacts ({}; {key} records one)", mine.len()), t.title())];
    if mine.is_empty() {
        lines.push(Line::styled("none recorded", t.muted()));
    }
    for r in &mine {
        let corrected = mine.iter().find(|o| o.supersedes == Some(r.id));
        let style = if corrected.is_some() { t.muted() } else { ratatui::style::Style::default() };
        let mut head = vec![
            Span::styled(format!("{} ", r.label()), t.muted()),
            Span::styled(format!("{:<24}", r.kind.label()), t.key()),
            Span::styled(r.details(), style),
        ];
        if let Some(of) = r.supersedes {
            head.push(Span::raw(format!("  (corrects {})", referral_label(of))));
        }
        if let Some(by) = corrected {
            head.push(Span::styled(format!("  [CORRECTED by {}]", by.label()), t.muted()));
        }
        lines.push(Line::from(head));
    }
    if open {
        let deadlines = data.deadlines.get(&id).cloned().unwrap_or_default();
        lines.push(Line::styled("Deadlines (working days, with the school's term dates)", t.title()));
        if deadlines.is_empty() {
            lines.push(Line::styled("none open", t.muted()));
        }
        for d in deadlines {
            let style = match d.standing {
                Standing::Overdue(_) => t.urgent(),
                Standing::DueToday | Standing::PastDue => t.high(),
                Standing::Upcoming => ratatui::style::Style::default(),
            };
            lines.push(Line::from(vec![
                Span::raw(format!("{}  {:<36} ", d.due.format("%a %d %b %Y"), d.kind.words())),
                Span::styled(d.standing.words(d.due), style),
            ]));
        }
    }
    lines
}

const YES: &str = "yes";
const NO: &str = "no";
const NONE: &str = "-";

/// Whom a concern on `pathway` is most likely referred to: the form
/// starts there (found in review: it started at LADO on a phone in an
/// exam). The DSL changes it in one key.
pub fn likely_kind(pathway: &str) -> ReferralKind {
    match pathway {
        "exam-body" => ReferralKind::ExaminingBody,
        "police" => ReferralKind::Police,
        "child-protection" => ReferralKind::SocialCare,
        "pastoral-support" => ReferralKind::EarlyHelp,
        "advice" => ReferralKind::Advice,
        "behaviour-sanctions" | "no-further-action" => ReferralKind::Parents,
        _ => ReferralKind::Lado,
    }
}

/// The form that records a referral or contact on a concern, starting at
/// `kind`. `entries`: the concern's referrals, offered for a correction.
pub fn referral_form(reference: &str, kind: ReferralKind, entries: &[Referral], today: NaiveDate) -> Form {
    let kinds = pairs(ReferralKind::ALL.iter().map(|k| (k.id(), k.label())));
    let mut corrects = vec![(NONE.to_string(), "nothing: a new entry".to_string())];
    corrects.extend(
        current(entries).into_iter().map(|r| (r.label(), format!("{} {} {}", r.label(), r.kind.label(), r.date))),
    );
    Form::new(
        format!("Referral or contact for {reference}"),
        vec![
            Field::choice("kind", "To", kinds, kind.id()),
            Field::line("date", "When", &today.to_string(), "YYYY-MM-DD"),
            Field::line("by", "By whom", "", "you, unless someone else made it"),
            Field::line("reference", "Their ref", "", "crime number, LADO reference …"),
            Field::text("outcome", "Outcome/advice", "", "what was decided or advised (empty: awaited)", 3),
            Field::line("follow_up", "Follow up on", "", "YYYY-MM-DD, if a follow-up is due"),
            Field::line("agency", "Agency", "", "advice: e.g. Education Safeguarding Service"),
            Field::line("contact", "Adviser", "", "advice: who gave it"),
            Field::choice(
                "informed",
                "Parents told",
                vec![
                    (NONE.into(), "- (not about parents)".into()),
                    (YES.into(), "yes, informed".into()),
                    (NO.into(), "no, not informed".into()),
                ],
                NONE,
            ),
            Field::line("why_not", "Why not", "", "parents not informed: why"),
            Field::choice("corrects", "Corrects", corrects, NONE),
        ],
    )
}

/// What the referral form says, checked by the domain's rules; each
/// problem is shown at its field.
pub fn read_referral(form: &mut Form, today: NaiveDate) -> Option<NewReferral> {
    let asked = form.field("follow_up").error.clone();
    form.clear_errors();
    let kind = ReferralKind::parse(&form.choice("kind")).unwrap_or(ReferralKind::Lado);
    let date = parse_date(&form.text("date")).map_err(|e| form.set_error("date", e)).ok();
    let follow_up = match form.text("follow_up").trim() {
        "" => None,
        text => parse_date(text).map_err(|e| form.set_error("follow_up", e)).ok(),
    };
    if let Some(d) = follow_up {
        super::forms::check_far_at_field(form, "follow_up", "the follow-up date", d, today, asked);
    }
    let informed = match form.choice("informed").as_str() {
        YES => Some(true),
        NO => Some(false),
        _ => None,
    };
    if informed.is_some() && kind != ReferralKind::Parents {
        form.set_error("informed", "only for parents/carers: choose \"-\" or that kind");
    }
    let supersedes = referral::parse_referral_label(&form.choice("corrects"));
    if form.has_errors() {
        return None;
    }
    let new = NewReferral {
        kind,
        date: date.unwrap_or(today),
        by: form.text("by"),
        reference: form.text("reference"),
        agency: form.text("agency"),
        contact: form.text("contact"),
        outcome: form.text("outcome"),
        informed,
        why_not: form.text("why_not"),
        follow_up,
        supersedes,
    };
    for e in new.validate(today) {
        form.set_error(e.field, e.message);
    }
    (!form.has_errors()).then_some(new)
}

/// Beside the referral form: what each kind needs, and the clocks.
pub fn form_guidance(t: &Theme) -> Vec<Line<'static>> {
    let clause = |words: &str, clause: &str| {
        Line::from(vec![Span::raw(format!("{words} ")), Span::styled(format!("({clause})"), t.muted())])
    };
    vec![
        clause("LADO: within one working day of an allegation against staff.", "S-b, P5-g"),
        clause("Examining body: at once, for a device in an exam.", "P6-b"),
        clause("Advice sought: the agency, who advised, and the advice.", "P9-g"),
        clause("Parents/carers: whether, when and by whom they were told, or why not.", "P9-b"),
        Line::raw(""),
        Line::raw("An entry is never changed: to correct one, record a new one that corrects it. Both are kept."),
    ]
}
