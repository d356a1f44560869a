//! Referrals and contacts outside the school, and the deadlines they meet
//! (issue 13): the police and the LADO for an allegation against staff
//! (P5-g, S-b), the examining body for a device in an exam (P6-b),
//! children's social care / MASH and early help (P9-b), advice sought from
//! the Education Safeguarding Service or another agency (P9-g), and
//! parents/carers informed, or why not (P9-b).
//!
//! Each is its own record, naming its concern: entries are appended, never
//! edited, and a correction is a new entry that supersedes the one it
//! corrects, both kept (S-a, S-c: records are history).

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::calendar::Calendar;
use super::catalogue::Catalogue;
use super::concern::{Author, FieldError, Status};
use super::limits::{self, NAME_CHARS, NOTE_BYTES};
use super::summary::CaseSummary;

pub type ReferralId = u32;

/// Who was referred to or contacted. Named in JSON by its id (bincode
/// stores the variant's number, so the names are free to read well).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferralKind {
    /// P5-g, P6.1-d: the police (a crime reference).
    Police,
    /// P5-g, S-b: the Local Authority Designated Officer, within one
    /// working day of an allegation against staff.
    Lado,
    /// P9-b: children's social care, or the MASH.
    SocialCare,
    /// P9-b: early help.
    EarlyHelp,
    /// P6-b: the examining body, at once for a device in an exam.
    #[serde(rename = "exam-body")]
    ExaminingBody,
    /// P9-g: advice sought (the Education Safeguarding Service or another
    /// agency): the agency, who gave it and the advice.
    Advice,
    /// P9-b: parents/carers informed (whether, when and by whom), or why not.
    Parents,
}

impl ReferralKind {
    pub const ALL: [ReferralKind; 7] = [
        ReferralKind::Police,
        ReferralKind::Lado,
        ReferralKind::SocialCare,
        ReferralKind::EarlyHelp,
        ReferralKind::ExaminingBody,
        ReferralKind::Advice,
        ReferralKind::Parents,
    ];

    /// What a command or a form takes: `lado`, `exam-body` …
    pub fn id(self) -> &'static str {
        match self {
            ReferralKind::Police => "police",
            ReferralKind::Lado => "lado",
            ReferralKind::SocialCare => "social-care",
            ReferralKind::EarlyHelp => "early-help",
            ReferralKind::ExaminingBody => "exam-body",
            ReferralKind::Advice => "advice",
            ReferralKind::Parents => "parents",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReferralKind::Police => "Police",
            ReferralKind::Lado => "LADO",
            ReferralKind::SocialCare => "Children's social care / MASH",
            ReferralKind::EarlyHelp => "Early help",
            ReferralKind::ExaminingBody => "Examining body",
            ReferralKind::Advice => "Advice sought",
            ReferralKind::Parents => "Parents/carers informed",
        }
    }

    /// The requirement the kind answers (shown beside it).
    pub fn clause(self) -> &'static str {
        match self {
            ReferralKind::Police => "P5-g",
            ReferralKind::Lado => "S-b",
            ReferralKind::SocialCare | ReferralKind::EarlyHelp | ReferralKind::Parents => "P9-b",
            ReferralKind::ExaminingBody => "P6-b",
            ReferralKind::Advice => "P9-g",
        }
    }

    /// The id, the label, or a common name for it (mash, csc, ess …).
    pub fn parse(text: &str) -> Option<ReferralKind> {
        let t = text.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        let alias = match t.as_str() {
            "mash" | "csc" | "childrens-social-care" | "children's-social-care" | "social-care/mash" => {
                Some(ReferralKind::SocialCare)
            }
            "exam" | "examining-body" | "exam-board" | "exams" => Some(ReferralKind::ExaminingBody),
            "ess" | "advice-sought" | "education-safeguarding-service" => Some(ReferralKind::Advice),
            "parents-informed" | "parents-carers" | "carers" | "parent" => Some(ReferralKind::Parents),
            _ => None,
        };
        alias.or_else(|| {
            ReferralKind::ALL.into_iter().find(|k| k.id() == t || k.label().eq_ignore_ascii_case(text.trim()))
        })
    }
}

/// A referral or contact as recorded. Never changed once written: a
/// correction is another record with `supersedes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub id: ReferralId,
    /// The store id of the concern it belongs to, and its reference.
    pub case_id: u32,
    pub case_reference: String,
    pub kind: ReferralKind,
    /// When it was made, the contact happened, or (parents not informed)
    /// the decision was taken.
    pub date: NaiveDate,
    /// Who made it: a member's name, or whoever the school names.
    pub by: String,
    /// The agency's own reference (a crime number, the LADO's reference).
    pub reference: String,
    /// Advice sought (P9-g): the agency and who gave the advice.
    pub agency: String,
    pub contact: String,
    /// The outcome, or the advice given; empty while awaited.
    pub outcome: String,
    /// Parents/carers (P9-b): whether they were informed, and why not.
    pub informed: Option<bool>,
    pub why_not: String,
    pub follow_up: Option<NaiveDate>,
    /// The entry this one corrects (S-a: both are kept).
    pub supersedes: Option<ReferralId>,
    pub recorded_by: Author,
    pub recorded_at: NaiveDateTime,
}

/// What a referral form or command supplies; the store adds the id, the
/// concern, who recorded it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReferral {
    pub kind: ReferralKind,
    pub date: NaiveDate,
    /// Empty: the member recording it.
    pub by: String,
    pub reference: String,
    pub agency: String,
    pub contact: String,
    pub outcome: String,
    pub informed: Option<bool>,
    pub why_not: String,
    pub follow_up: Option<NaiveDate>,
    pub supersedes: Option<ReferralId>,
}

impl NewReferral {
    /// A referral of `kind` on `date` with nothing else filled in.
    pub fn of(kind: ReferralKind, date: NaiveDate) -> NewReferral {
        NewReferral {
            kind,
            date,
            by: String::new(),
            reference: String::new(),
            agency: String::new(),
            contact: String::new(),
            outcome: String::new(),
            informed: None,
            why_not: String::new(),
            follow_up: None,
            supersedes: None,
        }
    }

    /// What is missing or wrong, by field. `today`: a referral is recorded
    /// once it is made, so its date is not after today.
    pub fn validate(&self, today: NaiveDate) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut err = |field, message: String| errors.push(FieldError { field, message });
        if self.date > today {
            err("date", format!("{} is after today: record a referral once it is made", self.date));
        }
        if let Some(f) = self.follow_up
            && f < self.date
        {
            err("follow_up", format!("the follow-up date {f} is before the referral's date {}", self.date));
        }
        match self.kind {
            ReferralKind::Advice => {
                if self.agency.trim().is_empty() {
                    err("agency", "name the agency the advice came from (P9-g)".into());
                }
                if self.outcome.trim().is_empty() {
                    err("outcome", "record the advice given (P9-g)".into());
                }
            }
            ReferralKind::Parents => match self.informed {
                None => err("informed", "say whether parents/carers were informed (P9-b)".into()),
                Some(false) if self.why_not.trim().is_empty() => {
                    err("why_not", "say why parents/carers were not informed (P9-b)".into())
                }
                _ => {}
            },
            _ => {}
        }
        let mut over = |field, problem: Option<String>| {
            if let Some(message) = problem {
                errors.push(FieldError { field, message });
            }
        };
        for (field, text) in
            [("by", &self.by), ("reference", &self.reference), ("agency", &self.agency), ("contact", &self.contact)]
        {
            over(field, limits::over_chars(text, NAME_CHARS));
        }
        over("outcome", limits::over_bytes(&self.outcome, NOTE_BYTES));
        over("why_not", limits::over_bytes(&self.why_not, NOTE_BYTES));
        errors
    }
}

impl Referral {
    /// "R-0003": how people name a referral entry.
    pub fn label(&self) -> String {
        referral_label(self.id)
    }

    /// One line: what, when, by whom, reference, outcome.
    pub fn summary(&self) -> String {
        format!("{} {}", self.kind.label(), self.details())
    }

    /// The summary without the kind: when, by whom, reference, outcome.
    pub fn details(&self) -> String {
        let mut parts = vec![format!("{} by {}", self.date, self.by)];
        match self.kind {
            ReferralKind::Advice => {
                let who = if self.contact.is_empty() { String::new() } else { format!(" ({})", self.contact) };
                parts.push(format!("from {}{who}", self.agency));
            }
            ReferralKind::Parents => parts.push(match self.informed {
                Some(true) => "informed".into(),
                _ => format!("not informed: {}", self.why_not),
            }),
            _ => {}
        }
        if !self.reference.is_empty() {
            parts.push(format!("ref {}", self.reference));
        }
        parts.push(if self.outcome.is_empty() {
            "outcome awaited".into()
        } else if self.kind == ReferralKind::Advice {
            format!("advice: {}", self.outcome)
        } else {
            format!("outcome: {}", self.outcome)
        });
        if let Some(f) = self.follow_up {
            parts.push(format!("follow up {f}"));
        }
        parts.join(" · ")
    }
}

pub fn referral_label(id: ReferralId) -> String {
    format!("R-{id:04}")
}

/// "R-0003", "r-3", "3" to an id.
pub fn parse_referral_label(text: &str) -> Option<ReferralId> {
    let t = text.trim();
    let digits = t.strip_prefix("R-").or_else(|| t.strip_prefix("r-")).unwrap_or(t);
    digits.parse().ok().filter(|n| *n > 0)
}

/// The entries no later entry corrects, oldest first.
pub fn current(referrals: &[Referral]) -> Vec<&Referral> {
    let superseded: std::collections::HashSet<ReferralId> = referrals.iter().filter_map(|o| o.supersedes).collect();
    let mut out: Vec<&Referral> = referrals.iter().filter(|r| !superseded.contains(&r.id)).collect();
    out.sort_by_key(|r| (r.date, r.id));
    out
}

// ---- deadlines ---------------------------------------------------------------

/// What a deadline asks for. Not stored: worked out when read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeadlineKind {
    /// S-b, P5-g: inform the LADO within one working day.
    Lado,
    /// P6-b: report to the examining body at once.
    ExaminingBody,
    /// The review date set at triage.
    Review,
    /// A referral's follow-up date.
    FollowUp(ReferralKind),
}

impl DeadlineKind {
    pub fn words(self) -> String {
        match self {
            DeadlineKind::Lado => "inform the LADO (S-b)".into(),
            DeadlineKind::ExaminingBody => "report to the examining body (P6-b)".into(),
            DeadlineKind::Review => "review (set at triage)".into(),
            DeadlineKind::FollowUp(k) => format!("follow up: {}", k.label()),
        }
    }

    /// The same in at most 24 characters, for 80 columns.
    pub fn short_words(self) -> String {
        match self {
            DeadlineKind::ExaminingBody => "tell exam body (P6-b)".into(),
            DeadlineKind::FollowUp(k) => format!("follow up: {}", k.id()),
            other => other.words(),
        }
    }
}

/// How a due date stands today, in working days (S-b counts them so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// Past its date by this many working days (at least 1).
    Overdue(u32),
    /// Due today.
    DueToday,
    /// Not yet due.
    Upcoming,
    /// Past its date by closed days only (due Friday, seen on Sunday):
    /// no working day lost yet, but not "due today" either. Appended.
    PastDue,
}

impl Standing {
    pub fn of(due: NaiveDate, today: NaiveDate, calendar: &Calendar) -> Standing {
        if today < due {
            return Standing::Upcoming;
        }
        if today == due {
            return Standing::DueToday;
        }
        match calendar.working_days_overdue(due, today) {
            0 => Standing::PastDue,
            n => Standing::Overdue(n),
        }
    }

    pub fn is_due(self) -> bool {
        self != Standing::Upcoming
    }

    /// "overdue 2 working days", "due today", "due since Fri 27 Nov",
    /// "due Mon 30 Nov 2026".
    pub fn words(self, due: NaiveDate) -> String {
        match self {
            Standing::Overdue(1) => "overdue 1 working day".into(),
            Standing::Overdue(n) => format!("overdue {n} working days"),
            Standing::DueToday => "due today".into(),
            Standing::PastDue => format!("due since {}", due.format("%a %-d %b")),
            Standing::Upcoming => format!("due {}", due.format("%a %-d %b %Y")),
        }
    }

    /// At most 8 characters, for an 80-column table: "2wd late", "today",
    /// "Fri late".
    pub fn short_words(self, due: NaiveDate) -> String {
        match self {
            Standing::Overdue(n) => format!("{n}wd late"),
            Standing::DueToday => "today".into(),
            Standing::PastDue => due.format("%a late").to_string(),
            Standing::Upcoming => due.format("%-d %b").to_string(),
        }
    }
}

/// A deadline on a concern: what, by when, and how it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub case_id: u32,
    pub case_reference: String,
    pub kind: DeadlineKind,
    pub due: NaiveDate,
    pub standing: Standing,
    /// The referral whose follow-up it is.
    pub referral: Option<ReferralId>,
}

/// The pathway of an allegation against staff in the catalogue: a concern
/// whose category leads to it starts the LADO's one-working-day clock.
pub const LADO_PATHWAY: &str = "allegation-lado";
/// The pathway of a device in an exam: the examining body, at once.
pub const EXAM_PATHWAY: &str = "exam-body";

/// A concern's open deadlines on `today`, soonest first. Rules:
///
/// The pathway is the current triage decision's, or before triage the
/// category's default.
///
/// - LADO (S-b, P5-g): a concern whose pathway is the
///   allegations pathway (`allegation-lado`: an allegation about staff,
///   such as staff images of children or a staff offence) is due to be
///   told to the LADO within one working day of being reported. The
///   category decides, not the subject's kind alone: a member of staff
///   using a phone in a lesson is a conduct matter, not an allegation.
/// - Examining body (P6-b): a concern whose pathway is
///   `exam-body` (a device in an exam) is due the day it was reported (the
///   next working day if reported when the school was shut).
/// - The review date the current triage set.
/// - Each current referral's follow-up date, until a later entry of the
///   same kind records the follow-up.
///
/// A LADO or examining-body referral on the concern clears its deadline.
/// A closed concern has none.
/// The current referrals grouped by their concern, once, so each
/// concern's deadlines look only at its own (measured: every concern
/// scanning every referral was most of Today's time on a large store).
pub fn by_case<'a>(referrals: &[&'a Referral]) -> std::collections::HashMap<u32, Vec<&'a Referral>> {
    let mut out: std::collections::HashMap<u32, Vec<&'a Referral>> = std::collections::HashMap::new();
    for r in referrals {
        out.entry(r.case_id).or_default().push(r);
    }
    out
}

pub fn deadlines(
    row: &CaseSummary,
    referrals: &[&Referral],
    catalogue: &Catalogue,
    calendar: &Calendar,
    today: NaiveDate,
) -> Vec<Deadline> {
    if row.status == Status::Closed {
        return Vec::new();
    }
    let mine: Vec<&Referral> = referrals.iter().copied().filter(|r| r.case_id == row.id).collect();
    let has = |kind: ReferralKind| mine.iter().any(|r| r.kind == kind);
    let reported = row.reported_at.date();
    // The DSL's triage decides the pathway (an allegation triaged to the
    // LADO whatever its category, a device in an exam triaged to the
    // examining body); before triage, the category's default stands.
    let pathway =
        row.pathway.as_deref().or_else(|| catalogue.category(&row.category).map(|c| c.default_pathway.as_str()));
    let mut out = Vec::new();
    let mut push = |kind, due, referral| {
        out.push(Deadline {
            case_id: row.id,
            case_reference: row.reference.clone(),
            kind,
            due,
            standing: Standing::of(due, today, calendar),
            referral,
        })
    };
    if pathway == Some(LADO_PATHWAY) && !has(ReferralKind::Lado) {
        push(DeadlineKind::Lado, calendar.add_working_days(reported, 1), None);
    }
    if pathway == Some(EXAM_PATHWAY) && !has(ReferralKind::ExaminingBody) {
        push(DeadlineKind::ExaminingBody, calendar.add_working_days(reported, 0), None);
    }
    if let Some(review) = row.next_review {
        push(DeadlineKind::Review, review, None);
    }
    for r in &mine {
        let Some(due) = r.follow_up else { continue };
        let followed = mine.iter().any(|o| o.kind == r.kind && o.id != r.id && (o.date, o.id) > (r.date, r.id));
        if !followed {
            push(DeadlineKind::FollowUp(r.kind), due, Some(r.id));
        }
    }
    out.sort_by_key(|d| (d.due, d.case_id));
    out
}

/// The referrals section of a case file (`casebook show`, the concern
/// view's text): every entry, corrections marked, then open deadlines.
pub fn referrals_text(referrals: &[Referral], deadlines: &[Deadline]) -> String {
    let mut out = String::new();
    out.push_str("\nReferrals and contacts\n");
    if referrals.is_empty() {
        out.push_str("  none recorded\n");
    }
    let mut sorted: Vec<&Referral> = referrals.iter().collect();
    sorted.sort_by_key(|r| (r.date, r.id));
    for r in sorted {
        let corrected = referrals.iter().find(|o| o.supersedes == Some(r.id));
        let mark = match (corrected, r.supersedes) {
            (Some(by), _) => format!(" [corrected by {}]", by.label()),
            (None, Some(of)) => format!(" [corrects {}]", referral_label(of)),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {} {}{mark}\n      recorded by {} at {}\n",
            r.label(),
            r.summary(),
            r.recorded_by.name,
            r.recorded_at.format("%Y-%m-%d %H:%M")
        ));
    }
    out.push_str("\nDeadlines (working days)\n");
    if deadlines.is_empty() {
        out.push_str("  none open\n");
    }
    for d in deadlines {
        out.push_str(&format!("  {} {}: {}\n", d.due, d.kind.words(), d.standing.words(d.due)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::concern::{Risk, SubjectKind, Urgency};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn row(id: u32, category: &str, reported: NaiveDate) -> CaseSummary {
        CaseSummary {
            id,
            revision: 1,
            reference: format!("C-2026-{id:04}"),
            reported_at: reported.and_hms_opt(10, 0, 0).unwrap(),
            category: category.into(),
            subject: "Fictional Subject".into(),
            subject_kind: SubjectKind::Staff,
            risk: Some(Risk::High),
            urgency: Urgency::Urgent,
            status: Status::Triaged,
            assignee: None,
            assignee_id: None,
            next_review: None,
            restricted_location: false,
            closed_without_debrief: false,
            people: Vec::new(),
            pathway: None,
        }
    }

    fn referral(id: u32, case_id: u32, kind: ReferralKind, date: NaiveDate) -> Referral {
        Referral {
            id,
            case_id,
            case_reference: format!("C-2026-{case_id:04}"),
            kind,
            date,
            by: "Ms Dee Ess-Ell".into(),
            reference: String::new(),
            agency: String::new(),
            contact: String::new(),
            outcome: String::new(),
            informed: None,
            why_not: String::new(),
            follow_up: None,
            supersedes: None,
            recorded_by: Author { member: 1, name: "Ms Dee Ess-Ell".into() },
            recorded_at: date.and_hms_opt(12, 0, 0).unwrap(),
        }
    }

    #[test]
    fn an_allegation_against_staff_is_due_to_the_lado_within_one_working_day() {
        let cat = Catalogue::seed();
        let cal = Calendar::parse("2026-12-21..2027-01-01 Christmas holiday\n2027-01-04 INSET day\n").unwrap();
        // Reported on Friday 18 December 2026, the last day of term.
        let r = row(3, "staff-illegal", day(2026, 12, 18));
        let d = deadlines(&r, &[], &cat, &cal, day(2026, 12, 18));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, DeadlineKind::Lado);
        assert_eq!(d[0].due, day(2027, 1, 5), "Tuesday after Christmas and the INSET day");
        assert_eq!(d[0].standing, Standing::Upcoming);
        let late = deadlines(&r, &[], &cat, &cal, day(2027, 1, 7));
        assert_eq!(late[0].standing, Standing::Overdue(2));
        assert_eq!(late[0].standing.words(late[0].due), "overdue 2 working days");
        // The LADO referral clears it.
        let lado = referral(1, 3, ReferralKind::Lado, day(2026, 12, 18));
        assert!(deadlines(&r, &[&lado], &cat, &cal, day(2027, 1, 7)).is_empty());
        // Another concern's LADO referral does not.
        let other = referral(2, 4, ReferralKind::Lado, day(2026, 12, 18));
        assert_eq!(deadlines(&r, &[&other], &cat, &cal, day(2027, 1, 7)).len(), 1);
    }

    #[test]
    fn a_device_in_an_exam_is_due_to_the_examining_body_the_day_it_is_reported() {
        let cat = Catalogue::seed();
        let cal = Calendar::weekends_only();
        let r = row(5, "device-in-exam", day(2026, 11, 27));
        let d = deadlines(&r, &[], &cat, &cal, day(2026, 11, 27));
        assert_eq!(
            (d[0].kind, d[0].due, d[0].standing),
            (DeadlineKind::ExaminingBody, day(2026, 11, 27), Standing::DueToday)
        );
        // Friday's report still undone on Sunday is due, not yet late; Monday it is.
        // Sunday: past its Friday by closed days only, not "due today".
        let sunday = deadlines(&r, &[], &cat, &cal, day(2026, 11, 29));
        assert_eq!(sunday[0].standing, Standing::PastDue);
        assert_eq!(sunday[0].standing.words(sunday[0].due), "due since Fri 27 Nov");
        assert_eq!(sunday[0].standing.short_words(sunday[0].due), "Fri late");
        assert_eq!(deadlines(&r, &[], &cat, &cal, day(2026, 11, 30))[0].standing, Standing::Overdue(1));
        let exam = referral(1, 5, ReferralKind::ExaminingBody, day(2026, 11, 27));
        assert!(deadlines(&r, &[&exam], &cat, &cal, day(2026, 11, 30)).is_empty());
        // A concern that is not an allegation or an exam has no such clock.
        assert!(deadlines(&row(6, "restricted-area", day(2026, 11, 27)), &[], &cat, &cal, day(2026, 12, 7)).is_empty());
    }

    /// S-b, P5-g, P6-b: the DSL's triage decides the pathway, so its
    /// deadline follows the triage, not the category's default alone.
    #[test]
    fn a_triage_to_the_lado_or_the_exam_body_starts_its_clock() {
        let cat = Catalogue::seed();
        let cal = Calendar::weekends_only();
        let mut lado = row(7, "staff-contact-personal", day(2026, 11, 26));
        assert!(deadlines(&lado, &[], &cat, &cal, day(2026, 11, 26)).is_empty(), "untriaged: its category's default");
        lado.pathway = Some(LADO_PATHWAY.into());
        let d = deadlines(&lado, &[], &cat, &cal, day(2026, 11, 26));
        assert_eq!((d[0].kind, d[0].due), (DeadlineKind::Lado, day(2026, 11, 27)));
        let mut exam = row(8, "restricted-area", day(2026, 11, 26));
        exam.pathway = Some(EXAM_PATHWAY.into());
        let d = deadlines(&exam, &[], &cat, &cal, day(2026, 11, 26));
        assert_eq!((d[0].kind, d[0].standing), (DeadlineKind::ExaminingBody, Standing::DueToday));
        // Triaged away from the LADO (not an allegation after all): no clock.
        let mut not = row(9, "staff-illegal", day(2026, 11, 26));
        not.pathway = Some("no-further-action".into());
        assert!(deadlines(&not, &[], &cat, &cal, day(2026, 11, 30)).is_empty());
    }

    #[test]
    fn reviews_and_follow_ups_are_deadlines_until_followed_up_or_closed() {
        let cat = Catalogue::seed();
        let cal = Calendar::weekends_only();
        let mut r = row(7, "abusive-messages", day(2026, 11, 2));
        r.next_review = Some(day(2026, 11, 20));
        let mut police = referral(1, 7, ReferralKind::Police, day(2026, 11, 3));
        police.follow_up = Some(day(2026, 11, 24));
        let d = deadlines(&r, &[&police], &cat, &cal, day(2026, 11, 25));
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].kind, d[0].standing), (DeadlineKind::Review, Standing::Overdue(3)));
        assert_eq!((d[1].kind, d[1].referral), (DeadlineKind::FollowUp(ReferralKind::Police), Some(1)));
        // A later police entry records the follow-up.
        let again = referral(2, 7, ReferralKind::Police, day(2026, 11, 24));
        let d = deadlines(&r, &[&police, &again], &cat, &cal, day(2026, 11, 25));
        assert_eq!(d.len(), 1);
        r.status = Status::Closed;
        assert!(deadlines(&r, &[&police], &cat, &cal, day(2026, 11, 25)).is_empty());
    }

    #[test]
    fn a_correction_supersedes_and_both_are_kept() {
        let first = referral(1, 7, ReferralKind::Police, day(2026, 11, 3));
        let mut fix = referral(2, 7, ReferralKind::Police, day(2026, 11, 3));
        fix.reference = "CR/1234/26".into();
        fix.supersedes = Some(1);
        let all = vec![first, fix];
        let now: Vec<u32> = current(&all).iter().map(|r| r.id).collect();
        assert_eq!(now, vec![2]);
        let text = referrals_text(&all, &[]);
        assert!(
            text.contains("R-0001 Police 2026-11-03 by Ms Dee Ess-Ell · outcome awaited [corrected by R-0002]"),
            "{text}"
        );
        assert!(
            text.contains(
                "R-0002 Police 2026-11-03 by Ms Dee Ess-Ell · ref CR/1234/26 · outcome awaited [corrects R-0001]"
            ),
            "{text}"
        );
    }

    #[test]
    fn advice_and_parents_need_their_own_details() {
        let today = day(2026, 11, 27);
        let fields = |n: &NewReferral| n.validate(today).into_iter().map(|e| e.field).collect::<Vec<_>>();
        let advice = NewReferral::of(ReferralKind::Advice, today);
        assert_eq!(fields(&advice), vec!["agency", "outcome"]);
        let mut parents = NewReferral::of(ReferralKind::Parents, today);
        assert_eq!(fields(&parents), vec!["informed"]);
        parents.informed = Some(false);
        assert_eq!(fields(&parents), vec!["why_not"]);
        parents.why_not = "Informing them would put the child at risk (CSC advice).".into();
        assert!(fields(&parents).is_empty());
        let mut late = NewReferral::of(ReferralKind::Police, day(2026, 11, 30));
        late.follow_up = Some(day(2026, 11, 1));
        assert_eq!(fields(&late), vec!["date", "follow_up"]);
    }

    #[test]
    fn kinds_parse_from_their_ids_labels_and_common_names() {
        for k in ReferralKind::ALL {
            assert_eq!(ReferralKind::parse(k.id()), Some(k));
            assert_eq!(ReferralKind::parse(k.label()), Some(k));
        }
        assert_eq!(ReferralKind::parse("MASH"), Some(ReferralKind::SocialCare));
        assert_eq!(ReferralKind::parse("ESS"), Some(ReferralKind::Advice));
        assert_eq!(ReferralKind::parse("examining body"), Some(ReferralKind::ExaminingBody));
        assert_eq!(ReferralKind::parse("nobody"), None);
        assert_eq!(parse_referral_label("R-0003"), Some(3));
        assert_eq!(parse_referral_label("3"), Some(3));
        assert_eq!(parse_referral_label("R-x"), None);
        // JSON names a kind by the id commands take.
        for k in ReferralKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.id());
        }
    }
}
