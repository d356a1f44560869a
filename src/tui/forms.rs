//! The DSL's forms, built from the policy catalogue (never from literals),
//! and what each turns into when saved.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::form::{Field, Form};
use crate::domain::person::{Finder, PersonQuery};
use crate::domain::when::{DATE_TIME_INPUT, DueDate, check_due_date, far_date_question, parse_date, parse_when};
use crate::domain::{
    CaseFile, Catalogue, EntryKind, Member, NewConcern, Part, PersonSummary, Risk, Role, Source, Status, Subject,
    SubjectKind, Urgency,
};
use crate::store::TriageInput;

/// Which form is open, and the case it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    NewConcern,
    Triage {
        id: u32,
    },
    FollowUp {
        id: u32,
    },
    Status {
        id: u32,
    },
    Correct {
        id: u32,
    },
    Export {
        id: u32,
    },
    Filter,
    Debrief,
    Action,
    ActionStatus {
        id: u32,
    },
    Review,
    Trigger,
    ActionFilter,
    /// Issue 10: remove a member or change their role (DSL only).
    Membership,
    /// Issue 13: a referral or contact on a concern.
    Referral {
        id: u32,
    },
    /// Issue 12: which of a concern's people to open.
    PickPerson,
    /// Issue 13 (P6.1-a): a device confiscated on concern `id`.
    Confiscate {
        id: u32,
    },
    /// Issue 13 (P6.1-b, P6.1-d): an event on device `custody`.
    CustodyEvent {
        custody: u32,
    },
    /// Issue 13 (P6.1-e): a search of a device on concern `id`.
    DeviceSearch {
        id: u32,
    },
    /// Issue 13: a new entry in one of the staff and visitor registers.
    RegisterEntry {
        kind: crate::domain::register::RegisterKind,
    },
    /// Issue 13 (P5-f, P5-g): who may read concern `id` (the DSL).
    Restrict {
        id: u32,
    },
    /// Issue 13: a file attached to concern `id`.
    Attach {
        id: u32,
    },
    /// S-d: concern `id` disposed of (the DSL, typing its reference).
    Dispose {
        id: u32,
    },
    /// S-e: person `id`'s record erased (the DSL, typing their number).
    ErasePerson {
        id: u32,
    },
}

pub(super) fn pairs<'a>(items: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    items.map(|(id, label)| (id.to_string(), label.to_string())).collect()
}

pub fn new_concern(catalogue: &Catalogue, now: NaiveDateTime) -> Form {
    let kinds = pairs(SubjectKind::ALL.iter().map(|k| (k.label(), k.label())));
    // No category is preselected: the reporter must choose one (its guidance
    // then shows beside the form).
    let mut categories = vec![(String::new(), "— choose a category —".to_string())];
    categories.extend(pairs(catalogue.categories.iter().map(|c| (c.id.as_str(), c.label.as_str()))));
    let locations: Vec<(String, String)> = catalogue
        .locations
        .iter()
        .map(|l| (l.id.clone(), if l.restricted { format!("{} (restricted)", l.label) } else { l.label.clone() }))
        .collect();
    let devices = pairs(catalogue.devices.iter().map(|d| (d.id.as_str(), d.label.as_str())));
    let sources = pairs(Source::ALL.iter().map(|s| (s.label(), s.label())));
    Form::new(
        "New concern",
        vec![
            Field::choice("kind", "About a", kinds, "child"),
            Field::line("name", "Name", "", "the person the concern is about: type to find them"),
            Field::line("detail", "Year / role", "", "e.g. Year 5, or teaching assistant"),
            // Issue 12: their part in it.
            Field::choice(
                "part",
                "Their part",
                pairs(Part::ALL.iter().map(|p| (p.label(), p.label()))),
                Part::Subject.label(),
            ),
            Field::line("others", "Others", "", "e.g. child:Sam Example:Year 4; staff:…"),
            Field::choice("category", "Category", categories, ""),
            Field::choice("location", "Where", locations, "classroom"),
            Field::multi("devices", "Devices", devices, 4),
            Field::line("occurred", "When", &now.format(DATE_TIME_INPUT).to_string(), "YYYY-MM-DD HH:MM"),
            Field::line("reported_by", "Reported by", "", "name, role (empty: you)"),
            Field::choice("source", "Source", sources, "staff report"),
            Field::text("description", "What happened", "", "facts only: what, who, where, what was said", 4),
            Field::text("action", "Action taken", "", "e.g. phone taken to the office", 2),
        ],
    )
}

/// Reads the new-concern form, putting every problem at its field.
pub fn read_new_concern(form: &mut Form, catalogue: &Catalogue, now: NaiveDateTime) -> Option<NewConcern> {
    form.clear_errors();
    let kind = SubjectKind::parse(&form.choice("kind")).unwrap_or(SubjectKind::Child);
    let mut first = Subject::named(kind, form.text("name").trim().to_string(), form.text("detail").trim().to_string());
    first.part = Part::parse(&form.choice("part")).unwrap_or_default();
    let mut subjects = vec![first];
    for other in form.text("others").split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let mut parts = other.splitn(3, ':');
        let kind = parts.next().and_then(SubjectKind::parse);
        let name = parts.next().unwrap_or_default().trim().to_string();
        match kind {
            Some(kind) if !name.is_empty() => {
                subjects.push(Subject::named(kind, name, parts.next().unwrap_or_default().trim().to_string()))
            }
            _ => form.set_error("others", format!("{other:?}: write kind:Name:detail, e.g. child:Sam Example:Year 4")),
        }
    }
    let occurred = match parse_when(&form.text("occurred"), now) {
        Ok(t) => t,
        Err(e) => {
            form.set_error("occurred", e);
            now
        }
    };
    let new = NewConcern {
        occurred_at: occurred,
        reported_by: form.text("reported_by").trim().to_string(),
        subjects,
        category: form.choice("category"),
        location: form.choice("location"),
        devices: form.ticked("devices"),
        description: form.text("description"),
        immediate_action: form.text("action"),
        source: Source::ALL.into_iter().find(|s| s.label() == form.choice("source")).unwrap_or(Source::StaffReport),
    };
    for e in new.validate(catalogue, now) {
        let field = match e.field {
            "subjects" => "name",
            "occurred_at" => "occurred",
            "immediate_action" => "action",
            other => other,
        };
        form.set_error(field, e.message);
    }
    (!form.has_errors()).then_some(new)
}

/// Most people the new-concern form lists under a typed name.
pub const PICKER_ROWS: usize = 6;

/// Issue 12: the people found as a name is typed into the new-concern
/// form. Everyone this member may pick is loaded once when the form opens
/// (every person for the DSL and deputies; the pupil roll, name and year
/// group only, for anyone else); each keystroke searches them in memory,
/// never the store.
#[derive(Debug, Clone, Default)]
pub struct Picker {
    /// None until the engine has read them; folded once (issue 12: a
    /// keystroke searches 10,000 names within 20 ms).
    pub people: Option<Finder>,
    /// What fits the typed name, best first.
    pub hits: Vec<PersonSummary>,
    /// The highlighted row: a hit, or `hits.len()` for a new person.
    pub cursor: usize,
    /// The person picked: the concern will name their record.
    pub picked: Option<PersonSummary>,
    /// A new person record is made from the name, kind and detail when
    /// the concern is saved.
    pub create: bool,
    /// The DSL and deputies may make people; a reporter picks from the roll.
    pub can_create: bool,
    /// The form field whose typing finds people ("name" in the new-concern
    /// form; "owner" in the confiscation form, issue 13 P6.1-a).
    pub field: &'static str,
    /// Only people on record are offered: no row for a new record (a
    /// device's owner not on record is kept as the name typed).
    pub pick_only: bool,
    query: String,
}

impl Picker {
    pub fn new(can_create: bool) -> Self {
        Picker { can_create, field: "name", ..Default::default() }
    }

    /// Issue 13 (P6.1-a): a picker on another form's field for the DSL
    /// and deputies, who see each match's kind and id; a name matching no
    /// one stays as typed.
    pub fn on(field: &'static str) -> Self {
        Picker { can_create: true, field, pick_only: true, ..Default::default() }
    }

    /// The people arrived: search them for what is typed so far.
    pub fn loaded(&mut self, people: Vec<PersonSummary>) {
        self.people = Some(Finder::new(people));
        let query = std::mem::take(&mut self.query);
        self.search(&query);
    }

    /// The name was typed: whoever was picked is no longer meant, and the
    /// matches are found again, in memory.
    pub fn search(&mut self, name: &str) {
        self.query = name.to_string();
        self.picked = None;
        self.create = false;
        self.cursor = 0;
        self.hits = match &self.people {
            Some(finder) if !PersonQuery::new(name).is_empty() => {
                finder.search(name, PICKER_ROWS).into_iter().cloned().collect()
            }
            _ => Vec::new(),
        };
    }

    /// Whether "a new person record" is offered under the matches.
    pub fn offers_new(&self) -> bool {
        self.can_create && !self.pick_only && !self.query.trim().is_empty()
    }

    pub fn rows(&self) -> usize {
        self.hits.len() + usize::from(self.offers_new())
    }

    /// Whether the list shows: someone on record fits the name typed, and
    /// nobody is picked yet.
    pub fn showing(&self) -> bool {
        self.picked.is_none() && !self.create && !self.hits.is_empty()
    }

    /// The name typed, for a new record (F3, or the list's last row).
    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn step(&mut self, down: bool) {
        let last = self.rows().saturating_sub(1);
        self.cursor = if down { (self.cursor + 1).min(last) } else { self.cursor.saturating_sub(1) };
    }

    /// Enter on the highlighted row: the person picked (to fill in the
    /// form), or None when a new person is to be made.
    pub fn choose(&mut self) -> Option<PersonSummary> {
        match self.hits.get(self.cursor) {
            Some(p) => {
                self.picked = Some(p.clone());
                self.picked.clone()
            }
            None => {
                self.create = self.offers_new();
                None
            }
        }
    }

    /// How a match is listed: a reporter sees a pupil's name and year
    /// group only; the DSL and deputies see the kind and the record's id.
    pub fn row_label(&self, p: &PersonSummary) -> String {
        if self.can_create {
            format!("{}  {}", p.summary(), p.label())
        } else if p.detail.is_empty() {
            p.name.clone()
        } else {
            format!("{} ({})", p.name, p.detail)
        }
    }
}

/// Fills the new-concern form from a person picked from the list.
pub fn fill_from_person(form: &mut Form, p: &PersonSummary) {
    form.set_choice("kind", p.kind.label());
    form.set_text("name", &p.name);
    form.set_text("detail", &p.detail);
    form.dirty = true;
}

/// Members with one of `roles`, as pick-list options (id, "Name (role)").
pub(super) fn members_for(members: &[Member], roles: &[Role]) -> Vec<(String, String)> {
    members
        .iter()
        .filter(|m| roles.contains(&m.role))
        .map(|m| (m.id.to_string(), format!("{} ({})", m.name, m.role)))
        .collect()
}

/// Members a case can be assigned to: those whose key opens concerns.
fn assignees(members: &[Member]) -> Vec<(String, String)> {
    let mut out = vec![("none".to_string(), "nobody yet".to_string())];
    out.extend(members_for(members, &[Role::Dsl, Role::Deputy]));
    out
}

pub fn triage(case: &CaseFile, catalogue: &Catalogue, members: &[Member], now: NaiveDateTime) -> Form {
    let category = catalogue.category(&case.concern.category);
    let current = case.current_triage();
    let risk = current.map_or("medium", |t| t.risk.label());
    // As the board shows it: a search's escalation since the last triage
    // (P6.1-f) is not silently undone by saving the form unchanged.
    let urgency = case.urgency(catalogue);
    let pathway =
        current.map(|t| t.pathway.clone()).or(category.map(|c| c.default_pathway.clone())).unwrap_or_default();
    let policy =
        current.map(|t| t.linked_policy.clone()).or(category.map(|c| c.default_policy.clone())).unwrap_or_default();
    let assignee = current.and_then(|t| t.assignee.as_ref()).map_or("none".to_string(), |a| a.member.to_string());
    let review = current.and_then(|t| t.next_review).unwrap_or((now + Duration::days(7)).date());
    let mut form = Form::new(
        format!("Triage {}", case.concern.reference),
        vec![
            Field::choice("risk", "Risk", pairs(Risk::ALL.iter().map(|r| (r.label(), r.label()))), risk),
            Field::choice("urgency", "Urgency", pairs([("routine", "routine"), ("urgent", "URGENT")].into_iter()), ""),
            Field::choice(
                "pathway",
                "Pathway",
                pairs(catalogue.pathways.iter().map(|p| (p.id.as_str(), p.label.as_str()))),
                &pathway,
            ),
            Field::choice(
                "policy",
                "Under policy",
                pairs(catalogue.linked_policies.iter().map(|p| (p.id.as_str(), p.label.as_str()))),
                &policy,
            ),
            Field::choice("assignee", "Assign to", assignees(members), &assignee),
            Field::line("review", "Next review", &review.format("%Y-%m-%d").to_string(), "YYYY-MM-DD, or empty"),
            // A re-triage starts from the current reasoning, so the summary
            // keeps it unless it is changed (issue 8 item 11; KCSIE).
            Field::text(
                "reasoning",
                "Reasoning",
                current.map_or("", |t| t.reasoning.as_str()),
                "why this decision (KCSIE: record it, even for no further action)",
                4,
            ),
        ],
    );
    form.set_choice("urgency", if urgency == Urgency::Urgent { "urgent" } else { "routine" });
    form
}

pub fn read_triage(form: &mut Form, today: NaiveDate) -> Option<TriageInput> {
    let asked = form.field("review").error.clone();
    form.clear_errors();
    let review = form.text("review");
    let next_review = if review.trim().is_empty() {
        None
    } else {
        match parse_date(&review) {
            Ok(d) => Some(d),
            Err(e) => {
                form.set_error("review", e);
                None
            }
        }
    };
    if let Some(d) = next_review {
        check_due_at_field(form, "review", "the review date", d, today, asked);
    }
    form.required("reasoning", "record the reasoning for the decision, even for no further action");
    let input = TriageInput {
        risk: Risk::parse(&form.choice("risk")).unwrap_or(Risk::Medium),
        urgency: Urgency::parse(&form.choice("urgency")).unwrap_or(Urgency::Routine),
        pathway: form.choice("pathway"),
        linked_policy: form.choice("policy"),
        assignee: form.choice("assignee").parse().ok(),
        next_review,
        reasoning: form.text("reasoning"),
    };
    (!form.has_errors()).then_some(input)
}

/// The question a far date gets at its field before it is saved.
fn far_question(what: &str, date: NaiveDate) -> String {
    far_date_question(what, date, "save again to keep it")
}

/// A date that follows something up or ends it (a referral's follow-up,
/// a register entry's until date): more than a year away gets the same
/// question at its field as a review date, and the next save keeps it
/// (issue 13 review). Whether a past one is allowed is the form's rule.
/// `asked`: the field's message before this save, as for
/// [`check_due_at_field`].
pub(crate) fn check_far_at_field(
    form: &mut Form,
    key: &str,
    what: &str,
    date: NaiveDate,
    today: NaiveDate,
    asked: Option<String>,
) {
    if check_due_date(what, date, today) == Ok(DueDate::Far)
        && asked.as_deref() != Some(far_question(what, date).as_str())
    {
        form.set_error(key, far_question(what, date));
    }
}

/// A review or due date at its form field (issue 8): a past one is refused
/// there; one more than a year away gets a question there on the first
/// save, and the next save keeps it. `asked` is the field's message before
/// this save: the question still showing means the date is unchanged since
/// it was asked (typing in a field clears its message).
pub(super) fn check_due_at_field(
    form: &mut Form,
    key: &str,
    what: &str,
    date: NaiveDate,
    today: NaiveDate,
    asked: Option<String>,
) {
    match check_due_date(what, date, today) {
        Err(e) => form.set_error(key, e),
        Ok(DueDate::Far) if asked.as_deref() != Some(far_question(what, date).as_str()) => {
            form.set_error(key, far_question(what, date))
        }
        Ok(_) => {}
    }
}

pub fn follow_up(reference: &str, now: NaiveDateTime) -> Form {
    Form::new(
        format!("Follow-up for {reference}"),
        vec![
            Field::choice("kind", "Kind", pairs(EntryKind::MANUAL.iter().map(|k| (k.label(), k.label()))), "follow-up"),
            Field::line("at", "When", &now.format(DATE_TIME_INPUT).to_string(), "YYYY-MM-DD HH:MM"),
            Field::text("text", "What happened", "", "facts: who, what was said, what was agreed", 6),
        ],
    )
}

pub fn read_follow_up(form: &mut Form, now: NaiveDateTime) -> Option<(EntryKind, NaiveDateTime, String)> {
    form.clear_errors();
    let kind = EntryKind::MANUAL.into_iter().find(|k| k.label() == form.choice("kind")).unwrap_or(EntryKind::FollowUp);
    let at = parse_when(&form.text("at"), now).map_err(|e| form.set_error("at", e)).ok();
    let text = form.required("text", "write what happened");
    if at.is_some_and(|at| at > now + Duration::minutes(5)) {
        form.set_error("at", "cannot be in the future");
    }
    (!form.has_errors()).then(|| (kind, at.unwrap_or(now), text))
}

/// The status form's option for the DSL's decision that an investigated
/// concern needs no debrief (P9-c): not a status, a recorded decision.
pub const NO_DEBRIEF_NEEDED: &str = "no-debrief-needed";

/// What the status form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChoice {
    To(Status),
    /// Close without a debrief, by the DSL's decision (P9-c).
    CloseWithoutDebrief,
}

impl StatusChoice {
    pub fn of(form: &Form) -> Option<StatusChoice> {
        let chosen = form.choice("to");
        if chosen == NO_DEBRIEF_NEEDED {
            return Some(StatusChoice::CloseWithoutDebrief);
        }
        Status::parse(&chosen).map(StatusChoice::To)
    }
}

/// The status form. The DSL is also offered, for an investigated concern,
/// closing it because no debrief is needed; a deputy is not (P9-c).
pub fn status(case: &CaseFile, catalogue: &Catalogue, role: Role) -> Form {
    let mut options: Vec<(String, String)> = Status::ALL
        .iter()
        .filter(|s| **s != case.status && **s != Status::New)
        .map(|s| (s.label().into(), s.label().into()))
        .collect();
    if role == Role::Dsl && case.check_close_without_debrief().is_ok() {
        options.push((NO_DEBRIEF_NEEDED.into(), "closed, no debrief needed".into()));
    }
    Form::new(
        format!("Status of {} (now {})", case.concern.reference, case.status.label()),
        vec![
            // Start on the next step the lifecycle allows.
            Field::choice(
                "to",
                "Move to",
                options,
                Status::ALL
                    .into_iter()
                    .filter(|s| *s > case.status)
                    .chain(Status::ALL.into_iter().filter(|s| *s < case.status))
                    .find(|s| case.check_transition(*s, catalogue).is_ok())
                    .map_or("", Status::label),
            ),
            Field::text("reason", "Reason", "", "why; it goes in the chronology", 3),
        ],
    )
}

pub fn read_status(form: &mut Form) -> Option<(StatusChoice, String)> {
    form.clear_errors();
    let to = StatusChoice::of(form)?;
    let reason = match to {
        StatusChoice::To(_) => form.required("reason", "give a reason; it goes in the chronology"),
        StatusChoice::CloseWithoutDebrief => {
            form.required("reason", "give the reason no debrief is needed; it goes in the chronology")
        }
    };
    (!form.has_errors()).then_some((to, reason))
}

/// Corrects a chronology entry: the new text supersedes it; both stay (S-c).
pub fn correct(case: &CaseFile) -> Option<Form> {
    let entries: Vec<(String, String)> = case
        .chronology
        .iter()
        .filter(|e| {
            (EntryKind::MANUAL.contains(&e.kind) || e.kind == EntryKind::Correction) && !case.is_superseded(e.seq)
        })
        .map(|e| {
            let preview: String = e.text.chars().take(40).collect();
            (e.seq.to_string(), format!("#{} {} {}: {preview}", e.seq, e.at.format("%d %b"), e.kind.label()))
        })
        .collect();
    let latest = entries.last()?.0.clone();
    // Start from the entry's own words, so only the mistake is retyped.
    let original = case.chronology.iter().find(|e| e.seq.to_string() == latest).map_or("", |e| e.text.as_str());
    Some(Form::new(
        format!("Correct an entry of {}", case.concern.reference),
        vec![
            Field::choice("entry", "Entry", entries, &latest),
            Field::text("text", "Corrected text", original, "the whole entry as it should read; the original stays", 5),
        ],
    ))
}

pub fn read_correct(form: &mut Form) -> Option<(u32, String)> {
    form.clear_errors();
    let seq = form.choice("entry").parse().ok()?;
    let text = form.required("text", "write the corrected text");
    (!form.has_errors()).then_some((seq, text))
}

/// Exports a case file as an ordinary age file, encrypted to the member.
pub fn export(reference: &str, dir: &std::path::Path) -> Form {
    let path = dir.join(format!("{reference}.age"));
    Form::new(
        format!("Export {reference}"),
        vec![
            Field::line("path", "Write to", &path.display().to_string(), "a file that does not exist yet"),
            Field::line("recipient", "Also for", "", "optional: another age1… recipient"),
        ],
    )
}

/// Who a concern is assigned to, as the board's filter asks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assigned {
    /// Open and nobody assigned yet: work no one holds (issue 8 item 9).
    Nobody,
    To(u32),
}

/// The pick-list id of "nobody yet" in the filter's assignee list.
const NOBODY: &str = "nobody";

/// The board's filter: every choice has an "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub status: Option<String>,
    pub category: Option<String>,
    pub subject: Option<SubjectKind>,
    pub assignee: Option<Assigned>,
    pub risk: Option<Risk>,
    /// Only open concerns whose review is due today or overdue, anyone's.
    pub due: bool,
    /// P2-a: only concerns handled under this linked policy (by their
    /// category's), with the categories that are.
    pub policy: Option<(String, Vec<String>)>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    pub fn describe(&self, catalogue: &Catalogue, members: &[Member]) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.status {
            parts.push(format!("status {s}"));
        }
        if let Some(c) = &self.category {
            parts.push(catalogue.category_label(c).to_string());
        }
        if let Some(k) = self.subject {
            parts.push(format!("subject {}", k.label()));
        }
        match self.assignee {
            None => {}
            Some(Assigned::Nobody) => parts.push("unassigned".into()),
            Some(Assigned::To(a)) => parts
                .push(format!("assigned to {}", members.iter().find(|m| m.id == a).map_or("?", |m| m.name.as_str()))),
        }
        if let Some(r) = self.risk {
            parts.push(format!("risk {}", r.label()));
        }
        if self.due {
            parts.push("review due or overdue".into());
        }
        if let Some((p, _)) = &self.policy {
            parts.push(format!("under the {}", catalogue.policy_label(p)));
        }
        parts.join(", ")
    }

    pub fn matches(&self, row: &crate::domain::CaseSummary, today: NaiveDate) -> bool {
        let status_ok = match self.status.as_deref() {
            None => true,
            Some("open") => row.status.is_open(),
            Some(s) => Status::parse(s) == Some(row.status),
        };
        let assignee_ok = match self.assignee {
            None => true,
            Some(Assigned::Nobody) => row.status.is_open() && row.assignee_id.is_none(),
            Some(Assigned::To(a)) => row.assignee_id == Some(a),
        };
        status_ok
            && assignee_ok
            && self.category.as_ref().is_none_or(|c| *c == row.category)
            && self.subject.is_none_or(|k| k == row.subject_kind)
            && self.risk.is_none_or(|r| row.risk == Some(r))
            && (!self.due || row.is_due(today))
            && self.policy.as_ref().is_none_or(|(_, categories)| categories.contains(&row.category))
    }
}

pub fn filter(current: &Filter, catalogue: &Catalogue, members: &[Member]) -> Form {
    let mut statuses = vec![("open".to_string(), "open (not closed)".to_string())];
    statuses.extend(pairs(Status::ALL.iter().map(|s| (s.label(), s.label()))));
    Form::new(
        "Filter the board",
        vec![
            Field::any_of("status", "Status", statuses, current.status.clone()),
            Field::any_of(
                "category",
                "Category",
                pairs(catalogue.categories.iter().map(|c| (c.id.as_str(), c.label.as_str()))),
                current.category.clone(),
            ),
            Field::any_of(
                "subject",
                "Subject",
                pairs(SubjectKind::ALL.iter().map(|k| (k.label(), k.label()))),
                current.subject.map(|k| k.label().to_string()),
            ),
            Field::any_of(
                "assignee",
                "Assigned to",
                [(NOBODY.to_string(), "nobody yet (unassigned)".to_string())]
                    .into_iter()
                    .chain(members_for(members, &[Role::Dsl, Role::Deputy]))
                    .collect(),
                current.assignee.map(|a| match a {
                    Assigned::Nobody => NOBODY.to_string(),
                    Assigned::To(id) => id.to_string(),
                }),
            ),
            Field::choice(
                "due",
                "Review",
                pairs([("any", "any"), ("due", "due today or overdue")].into_iter()),
                if current.due { "due" } else { "any" },
            ),
            // P2-a: the board groups by the policy a concern is handled under.
            Field::any_of(
                "policy",
                "Linked policy",
                pairs(catalogue.linked_policies.iter().map(|p| (p.id.as_str(), p.label.as_str()))),
                current.policy.as_ref().map(|(p, _)| p.clone()),
            ),
            Field::any_of(
                "risk",
                "Risk",
                pairs(Risk::ALL.iter().map(|r| (r.label(), r.label()))),
                current.risk.map(|r| r.label().to_string()),
            ),
        ],
    )
}

pub fn read_filter(form: &Form, catalogue: &Catalogue) -> Filter {
    Filter {
        status: form.picked("status"),
        category: form.picked("category"),
        subject: form.picked("subject").and_then(|s| SubjectKind::parse(&s)),
        assignee: form
            .picked("assignee")
            .and_then(|a| if a == NOBODY { Some(Assigned::Nobody) } else { a.parse().ok().map(Assigned::To) }),
        risk: form.picked("risk").and_then(|r| Risk::parse(&r)),
        due: form.choice("due") == "due",
        policy: form.picked("policy").map(|p| {
            let categories =
                catalogue.categories.iter().filter(|c| c.default_policy == p).map(|c| c.id.clone()).collect();
            (p, categories)
        }),
    }
}

/// The member pick list's choice for someone joining.
pub const NEW_MEMBER: &str = "new";

/// The members form's changes that give or withdraw the authority to
/// examine or erase a device's data (P6.1-g).
const AUTHORISE: &str = "authorise";
const UNAUTHORISE: &str = "unauthorise";

/// Issue 10 (P1-b): the DSL adds a member (name, role, public key), or
/// picks one and what becomes of them. Not the DSL themself: another DSL
/// does that.
pub fn membership(members: &[Member], me: u32) -> Form {
    let mut who = vec![(NEW_MEMBER.to_string(), "+ a new member (name, role and key below)".to_string())];
    who.extend(members.iter().filter(|m| m.id != me).map(|m| {
        let authorised = if m.authorised_to_erase { "; authorised, P6.1-g" } else { "" };
        (m.id.to_string(), format!("#{} {} ({}{authorised})", m.id, m.name, m.role.label()))
    }));
    let mut changes = vec![("remove".to_string(), "remove from the store (they have left)".to_string())];
    changes.extend(Role::ALL.iter().map(|r| (r.label().to_string(), format!("make them {}", r.label()))));
    // P6.1-e, P6.1-g: the headteacher and the staff the DSL names may
    // record that a device's data was examined or erased.
    changes.push((AUTHORISE.to_string(), "authorise them to examine or erase a device's data (P6.1-g)".to_string()));
    changes.push((UNAUTHORISE.to_string(), "withdraw that authority (P6.1-g)".to_string()));
    let roles = Role::ALL.iter().map(|r| (r.label().to_string(), r.label().to_string())).collect();
    Form::new(
        "Members",
        vec![
            Field::choice("member", "Member", who, NEW_MEMBER),
            Field::choice("change", "Change", changes, "remove"),
            Field::line("name", "New name", "", "their name as colleagues know it"),
            // The least a role can read, unless the DSL chooses more.
            Field::choice("role", "New role", roles, Role::Reporter.label()),
            Field::line("key", "New key", "", "age1… (age-keygen -y THEIR-KEY-FILE prints it)"),
        ],
    )
}

/// What the members form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    /// The same as `casebook member add`.
    Add { name: String, role: Role, recipient: String },
    /// `None` is removal.
    Change { id: u32, to: Option<Role> },
    /// The same as `casebook member authorise N [--revoke]` (P6.1-g).
    Authorise { id: u32, authorised: bool },
}

/// The change asked for, or `None` with each problem at its field (what
/// was typed stays).
pub fn read_membership(form: &mut Form) -> Option<MemberChange> {
    form.clear_errors();
    if form.choice("member") == NEW_MEMBER {
        let name = form.required("name", "Their name, as colleagues know it.").trim().to_string();
        if let Some(problem) = crate::domain::limits::over_chars(&name, crate::domain::limits::NAME_CHARS) {
            form.set_error("name", problem);
        }
        let key = form.text("key").trim().to_string();
        if key.is_empty() {
            form.set_error("key", "Their age public key (age1…): `age-keygen -y THEIR-KEY-FILE` prints it.");
        } else if let Err(e) = crate::store::parse_recipient(&key) {
            form.set_error("key", crate::text::one_line(&e.to_string()));
        }
        let role = Role::parse(&form.choice("role"));
        if role.is_none() {
            form.set_error("role", "Choose their role.");
        }
        return match role {
            Some(role) if !form.has_errors() => Some(MemberChange::Add { name, role, recipient: key }),
            _ => None,
        };
    }
    let id = form.choice("member").parse::<u32>().ok()?;
    let change = form.choice("change");
    if change == "remove" {
        return Some(MemberChange::Change { id, to: None });
    }
    if change == AUTHORISE || change == UNAUTHORISE {
        return Some(MemberChange::Authorise { id, authorised: change == AUTHORISE });
    }
    Role::parse(&change).map(|role| MemberChange::Change { id, to: Some(role) })
}

/// Issue 12: a concern naming several people: which one's record to open.
pub fn pick_person(reference: &str, subjects: &[&Subject]) -> Form {
    let options: Vec<(String, String)> = subjects
        .iter()
        .filter_map(|s| s.person.map(|id| (id.to_string(), format!("{} · {}", s.summary(), s.part.label()))))
        .collect();
    let first = options.first().map(|o| o.0.clone()).unwrap_or_default();
    Form::new(format!("Whose record? ({reference})"), vec![Field::choice("person", "Person", options, &first)])
}

/// The person chosen in [`pick_person`].
pub fn read_pick_person(form: &Form) -> Option<crate::domain::PersonId> {
    form.choice("person").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::person::{Person, PersonDetails};

    /// Issue 13 review: a follow-up or until date more than a year away
    /// gets the question at its field; saving again keeps it.
    #[test]
    fn a_far_follow_up_or_until_date_is_asked_about_once() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let mut form =
            super::super::referrals::referral_form("C-2026-0001", crate::domain::ReferralKind::Lado, &[], today);
        form.set_text("reference", "LADO/1");
        form.set_text("follow_up", "2099-01-01");
        assert!(super::super::referrals::read_referral(&mut form, today).is_none());
        let said = form.field("follow_up").error.clone().unwrap_or_default();
        assert!(said.contains("more than a year away"), "{said}");
        let kept = super::super::referrals::read_referral(&mut form, today).expect("the second save keeps it");
        assert_eq!(kept.follow_up, chrono::NaiveDate::from_ymd_opt(2099, 1, 1));

        let kind = crate::domain::register::RegisterKind::RemoteLearning;
        let mut form = super::super::registers::entry_form(kind, today);
        for (key, text) in [
            ("who", "Ms Fictional Remote"),
            ("reason", "Catch-up group"),
            ("risk_assessment", "RA-1"),
            ("granted_by", "Mrs Head"),
            ("until", "2099-01-01"),
        ] {
            form.set_text(key, text);
        }
        assert!(super::super::registers::read_entry(&mut form, kind, today).is_none());
        let said = form.field("until").error.clone().unwrap_or_default();
        assert!(said.contains("more than a year away"), "{said}");
        assert!(super::super::registers::read_entry(&mut form, kind, today).is_some());
    }

    fn people() -> Vec<PersonSummary> {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
        let by = crate::domain::Author { member: 1, name: "Ada Wren".into() };
        ["Zoë Ødegård", "Zoe Odegard", "Milo Ødegård"]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let details = PersonDetails { name: name.to_string(), detail: "Year 5".into(), ..Default::default() };
                Person::new(i as u32 + 1, SubjectKind::Child, details, &by, at).summary_row()
            })
            .collect()
    }

    #[test]
    fn the_picker_searches_in_memory_and_typing_over_a_pick_unlinks_it() {
        let mut picker = Picker::new(true);
        picker.search("zoe");
        assert!(picker.hits.is_empty() && !picker.showing(), "nothing until the people arrive");
        picker.loaded(people());
        assert_eq!(picker.hits.iter().map(|p| p.id).collect::<Vec<_>>(), vec![1, 2], "what was typed is searched");
        assert_eq!(picker.rows(), 3, "two matches and the offer of a new record");
        picker.step(true);
        picker.step(true);
        picker.step(true);
        assert_eq!(picker.cursor, 2, "↓ stops at the last row");
        assert_eq!(picker.choose(), None);
        assert!(picker.create && !picker.showing(), "the last row makes a new record");
        picker.search("zoe o");
        assert!(!picker.create, "typing again asks again");
        assert_eq!(picker.choose().map(|p| p.id), Some(1));
        picker.search("zoe od");
        assert!(picker.picked.is_none(), "a name typed over is no longer the person picked");
        let mut reporter = Picker::new(false);
        reporter.loaded(people());
        reporter.search("milo");
        assert_eq!(reporter.rows(), 1, "no new records from a reporter");
        assert_eq!(reporter.row_label(&reporter.hits[0]), "Milo Ødegård (Year 5)", "name and year group only");
    }
}
