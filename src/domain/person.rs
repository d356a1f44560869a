//! People (issue 12, P1-a): a record for each child, member of staff,
//! parent/carer and visitor that concerns are about, so a DSL can think in
//! children rather than tickets. Pure types and rules, no I/O.
//!
//! A person's record is case detail: it is sealed like a concern (DSL and
//! deputies only). Reporters pick a pupil from the roll ([`RollEntry`]:
//! name and year group, nothing else) and never read the record behind it.
//!
//! Records are history (S-a): a corrected name keeps the earlier spelling
//! among the person's other names and in their history, and a merge keeps
//! the merged record, marked with the person it became.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::concern::{Author, FieldError, SubjectKind};
use super::fold::fold;
use super::limits::{self, NAME_CHARS, NOTE_BYTES};

pub type PersonId = u32;

/// How a person id is written: "P-0012". Plain numbers are accepted back.
pub fn person_label(id: PersonId) -> String {
    format!("P-{id:04}")
}

/// "P-0012", "p12" or "12" to an id.
pub fn parse_person_id(text: &str) -> Option<PersonId> {
    let t = text.trim();
    let digits =
        t.strip_prefix("P-").or_else(|| t.strip_prefix("p-")).or_else(|| t.strip_prefix(['P', 'p'])).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|&id| id > 0)
}

/// A person's part in a concern (issue 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, Default)]
pub enum Part {
    /// The person the concern is about (a child at risk, most often).
    #[default]
    Subject,
    /// The person whose behaviour is the concern.
    Alleged,
    Witness,
    Other,
}

impl Part {
    pub const ALL: [Part; 4] = [Part::Subject, Part::Alleged, Part::Witness, Part::Other];

    pub fn label(self) -> &'static str {
        match self {
            Part::Subject => "subject of concern",
            Part::Alleged => "alleged",
            Part::Witness => "witness",
            Part::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Part> {
        match text.trim().to_ascii_lowercase().as_str() {
            "subject" | "subject of concern" | "about" => Some(Part::Subject),
            "alleged" | "allegation" => Some(Part::Alleged),
            "witness" => Some(Part::Witness),
            "other" => Some(Part::Other),
            _ => None,
        }
    }

    /// Whether a concern naming someone in this part is a concern *about*
    /// them, for "3 other concerns about this child": a witness's concern is
    /// not one of theirs.
    pub fn is_about(self) -> bool {
        matches!(self, Part::Subject | Part::Alleged)
    }
}

/// A family link, kept on both people's records (each side its own kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum LinkKind {
    Sibling,
    /// This person is a parent/carer of the linked child.
    ParentCarerOf,
    /// The linked person is this child's parent/carer.
    ChildOf,
}

impl LinkKind {
    pub fn label(self) -> &'static str {
        match self {
            LinkKind::Sibling => "sibling",
            LinkKind::ParentCarerOf => "parent/carer of",
            LinkKind::ChildOf => "child of",
        }
    }

    /// The kind the other person's record holds.
    pub fn reverse(self) -> LinkKind {
        match self {
            LinkKind::Sibling => LinkKind::Sibling,
            LinkKind::ParentCarerOf => LinkKind::ChildOf,
            LinkKind::ChildOf => LinkKind::ParentCarerOf,
        }
    }

    pub fn parse(text: &str) -> Option<LinkKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "sibling" | "brother" | "sister" => Some(LinkKind::Sibling),
            "parent" | "carer" | "parent-of" | "parent/carer of" | "parent-carer-of" => Some(LinkKind::ParentCarerOf),
            "child" | "child-of" | "child of" => Some(LinkKind::ChildOf),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub kind: LinkKind,
    pub person: PersonId,
    /// The relationship in the school's words where known ("mother",
    /// "foster carer"), from the MIS contacts.
    pub relationship: String,
}

/// What happened to a person's record, kept in order (S-a).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    Created,
    /// From the MIS export named.
    Imported {
        source: String,
    },
    /// Details changed; `what` lists the fields ("date of birth, year group").
    Updated {
        what: String,
    },
    /// A misspelt name corrected; the earlier one is kept as an other name.
    Renamed {
        from: String,
        to: String,
    },
    /// Another record of the same person was merged into this one.
    Merged {
        from: PersonId,
        name: String,
    },
    /// This record was merged into another and is kept only as history.
    MergedInto {
        into: PersonId,
    },
    Linked {
        kind: LinkKind,
        person: PersonId,
    },
}

impl Change {
    pub fn describe(&self) -> String {
        match self {
            Change::Created => "record created".to_string(),
            Change::Imported { source } => format!("imported from {source}"),
            Change::Updated { what } => format!("updated: {what}"),
            Change::Renamed { from, to } => {
                format!("name corrected from \u{201c}{from}\u{201d} to \u{201c}{to}\u{201d}")
            }
            Change::Merged { from, name } => format!("merged with {} ({name})", person_label(*from)),
            Change::MergedInto { into } => format!("merged into {}", person_label(*into)),
            Change::Linked { kind, person } => format!("linked: {} {}", kind.label(), person_label(*person)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonEvent {
    pub at: NaiveDateTime,
    pub by: Author,
    pub change: Change,
}

/// P1-a: a child, member of staff, parent/carer or visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub kind: SubjectKind,
    /// The name the school uses (a pupil's preferred name).
    pub name: String,
    /// Legal name, earlier spellings, names the person is also known by:
    /// each finds them.
    pub other_names: Vec<String>,
    /// Children: needed for retention (kept until their 25th birthday).
    pub date_of_birth: Option<NaiveDate>,
    /// Year group for a child ("Year 5"), job role for staff, relationship
    /// for a parent/carer, organisation for a visitor.
    pub detail: String,
    /// The pupil's UPN or MIS id, a staff id: what an import matches on.
    pub school_id: String,
    pub links: Vec<Link>,
    pub note: String,
    /// Set when this record was merged into another (kept as history).
    pub merged_into: Option<PersonId>,
    pub history: Vec<PersonEvent>,
}

/// "Lena Ashdown (child, Year 5)": a person as every list names them.
fn described(name: &str, kind: SubjectKind, detail: &str) -> String {
    if detail.is_empty() {
        format!("{name} ({})", kind.label())
    } else {
        format!("{name} ({}, {detail})", kind.label())
    }
}

/// What a form or an import supplies for a new or changed person.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonDetails {
    pub kind: Option<SubjectKind>,
    pub name: String,
    pub other_names: Vec<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub detail: String,
    pub school_id: String,
    pub note: String,
}

impl PersonDetails {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut err = |field: &'static str, message: String| errors.push(FieldError { field, message });
        if self.name.trim().is_empty() {
            err("name", "a person needs a name".into());
        }
        for (field, text) in [("name", &self.name), ("detail", &self.detail), ("school id", &self.school_id)] {
            if let Some(m) = limits::over_chars(text, NAME_CHARS) {
                err(field, m);
            }
        }
        for other in &self.other_names {
            if let Some(m) = limits::over_chars(other, NAME_CHARS) {
                err("other names", m);
            }
        }
        if let Some(m) = limits::over_items(self.other_names.len(), "other names") {
            err("other names", m);
        }
        if let Some(m) = limits::over_bytes(&self.note, NOTE_BYTES) {
            err("note", m);
        }
        errors
    }
}

impl Person {
    pub fn new(id: PersonId, kind: SubjectKind, details: PersonDetails, by: &Author, at: NaiveDateTime) -> Person {
        let mut person = Person {
            id,
            kind,
            name: details.name.trim().to_string(),
            other_names: Vec::new(),
            date_of_birth: details.date_of_birth,
            detail: details.detail.trim().to_string(),
            school_id: details.school_id.trim().to_string(),
            links: Vec::new(),
            note: details.note,
            merged_into: None,
            history: vec![PersonEvent { at, by: by.clone(), change: Change::Created }],
        };
        for other in details.other_names {
            person.add_other_name(&other);
        }
        person
    }

    pub fn label(&self) -> String {
        person_label(self.id)
    }

    /// "Lena Ashdown (child, Year 5)"
    pub fn summary(&self) -> String {
        described(&self.name, self.kind, &self.detail)
    }

    /// Adds a name the person is also known by, once (accent- and
    /// case-blind), never their current name.
    pub fn add_other_name(&mut self, name: &str) {
        let name = name.trim();
        if name.is_empty() || fold(name) == fold(&self.name) {
            return;
        }
        if !self.other_names.iter().any(|n| fold(n) == fold(name)) {
            self.other_names.push(name.to_string());
        }
    }

    /// A misspelt name corrected: the earlier spelling stays among the
    /// other names and in the history (S-a).
    pub fn rename(&mut self, to: &str, by: &Author, at: NaiveDateTime) {
        let to = to.trim();
        if to == self.name {
            return;
        }
        let from = std::mem::replace(&mut self.name, to.to_string());
        self.other_names.retain(|n| fold(n) != fold(to));
        self.add_other_name(&from);
        self.history.push(PersonEvent { at, by: by.clone(), change: Change::Renamed { from, to: to.to_string() } });
    }

    /// Adds a link once; the caller adds the reverse on the other record.
    pub fn link(&mut self, kind: LinkKind, person: PersonId, relationship: &str) -> bool {
        if person == self.id || self.links.iter().any(|l| l.person == person && l.kind == kind) {
            return false;
        }
        self.links.push(Link { kind, person, relationship: relationship.trim().to_string() });
        true
    }

    pub fn siblings(&self) -> impl Iterator<Item = PersonId> + '_ {
        self.links.iter().filter(|l| l.kind == LinkKind::Sibling).map(|l| l.person)
    }

    /// Takes `other` (a second record of the same person) into this one:
    /// its names, missing details and links; the history shows the merge.
    /// `other` is then marked merged into this record by the caller.
    pub fn absorb(&mut self, other: &Person, by: &Author, at: NaiveDateTime) {
        let differences = self.differences(other);
        self.add_other_name(&other.name);
        for n in &other.other_names {
            self.add_other_name(n);
        }
        if self.date_of_birth.is_none() {
            self.date_of_birth = other.date_of_birth;
        }
        if self.detail.is_empty() {
            self.detail = other.detail.clone();
        }
        if self.school_id.is_empty() {
            self.school_id = other.school_id.clone();
        }
        if !other.note.is_empty() {
            self.note = if self.note.is_empty() {
                other.note.clone()
            } else {
                format!("{}\n\n(From {}:) {}", self.note, other.label(), other.note)
            };
        }
        for l in &other.links {
            self.link(l.kind, l.person, &l.relationship);
        }
        self.history.push(PersonEvent {
            at,
            by: by.clone(),
            change: Change::Merged { from: other.id, name: other.name.clone() },
        });
        // S-c: a detail the two records disagreed on is kept as it was here;
        // the other record's value stays in the history, not dropped.
        if !differences.is_empty() {
            self.history.push(PersonEvent {
                at,
                by: by.clone(),
                change: Change::Updated { what: differences.join("; ") },
            });
        }
    }

    /// What `other` says differently from this record, for a merge: "date
    /// of birth 2016-02-29 kept (P-0004 had 2016-03-01)". Two records that
    /// disagree on a date of birth may be two children: the DSL is told.
    pub fn differences(&self, other: &Person) -> Vec<String> {
        let mut out = Vec::new();
        let mut differ = |what: &str, mine: String, theirs: String| {
            if !mine.is_empty() && !theirs.is_empty() && mine != theirs {
                out.push(format!("{what} {mine} kept ({} had {theirs})", other.label()));
            }
        };
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        differ("date of birth", date(self.date_of_birth), date(other.date_of_birth));
        differ("school id", self.school_id.clone(), other.school_id.clone());
        let detail = if self.kind == SubjectKind::Child { "year group" } else { "role" };
        differ(detail, self.detail.clone(), other.detail.clone());
        out
    }

    /// Keeping Children Safe in Education: a child's safeguarding record is
    /// kept until their 25th birthday. None without a date of birth, or for
    /// an adult (the school's own retention schedule applies).
    pub fn retain_until(&self) -> Option<NaiveDate> {
        let dob = self.date_of_birth.filter(|_| self.kind == SubjectKind::Child)?;
        dob.with_year(dob.year() + 25).or_else(|| NaiveDate::from_ymd_opt(dob.year() + 25, 3, 1))
    }

    pub fn summary_row(&self) -> PersonSummary {
        PersonSummary {
            id: self.id,
            kind: self.kind,
            name: self.name.clone(),
            other_names: self.other_names.clone(),
            date_of_birth: self.date_of_birth,
            detail: self.detail.clone(),
            school_id: self.school_id.clone(),
            merged_into: self.merged_into,
        }
    }
}

/// The few fields find-as-you-type needs, held in the sealed people index
/// so a search decrypts no person record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonSummary {
    pub id: PersonId,
    pub kind: SubjectKind,
    pub name: String,
    pub other_names: Vec<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub detail: String,
    pub school_id: String,
    pub merged_into: Option<PersonId>,
}

impl PersonSummary {
    pub fn label(&self) -> String {
        person_label(self.id)
    }

    /// "Lena Ashdown (child, Year 5)"
    pub fn summary(&self) -> String {
        described(&self.name, self.kind, &self.detail)
    }
}

/// What a reporter's concern form may know of a pupil: enough to pick the
/// right child, nothing of their file (issue 12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollEntry {
    pub id: PersonId,
    pub name: String,
    pub year_group: String,
}

/// A search over people, folded once: the query's words must each start a
/// word of the name, of an other name or of the year group/role, or be the
/// school id or person id. "zoe ode" finds "Zoë Ødegård"; "year 5" finds
/// Year 5; "loxley" finds "Loxley-Vane".
#[derive(Debug, Clone)]
pub struct PersonQuery {
    words: Vec<String>,
    id: Option<PersonId>,
    raw: String,
}

/// How well a person matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fit {
    /// The school id or person id, exactly.
    Identifier,
    /// The whole name (or an other name), folded.
    Name,
    /// Every word starts a word of the current name.
    NameWords,
    /// Every word starts a word of an other name, the year group or role.
    Words,
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

impl PersonQuery {
    pub fn new(text: &str) -> PersonQuery {
        let raw = fold(text.trim());
        PersonQuery { words: words(&raw).map(str::to_string).collect(), id: parse_person_id(text), raw }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// How `p` fits the query, or None. Merged records never match: their
    /// person lives on in the record they became.
    pub fn fit(&self, p: &PersonSummary) -> Option<Fit> {
        self.fit_folded(p, &Folded::of(p))
    }

    fn fit_folded(&self, p: &PersonSummary, f: &Folded) -> Option<Fit> {
        if self.words.is_empty() || p.merged_into.is_some() {
            return None;
        }
        if self.id == Some(p.id) || (!f.school_id.is_empty() && f.school_id == self.raw) {
            return Some(Fit::Identifier);
        }
        if f.name == self.raw || f.others.contains(&self.raw) {
            return Some(Fit::Name);
        }
        let starts = |words: &[String]| self.words.iter().all(|q| words.iter().any(|w| w.starts_with(q.as_str())));
        if starts(&f.name_words) {
            return Some(Fit::NameWords);
        }
        starts(&f.all_words).then_some(Fit::Words)
    }

    /// The people that fit, best first, then by name; at most `limit`.
    pub fn search<'a>(&self, people: &'a [PersonSummary], limit: usize) -> Vec<&'a PersonSummary> {
        let folded: Vec<Folded> = people.iter().map(Folded::of).collect();
        self.search_folded(people, &folded, limit)
    }

    fn search_folded<'a>(
        &self,
        people: &'a [PersonSummary],
        folded: &[Folded],
        limit: usize,
    ) -> Vec<&'a PersonSummary> {
        let mut hits: Vec<(Fit, &str, &PersonSummary)> = people
            .iter()
            .zip(folded)
            .filter_map(|(p, f)| self.fit_folded(p, f).map(|fit| (fit, f.name.as_str(), p)))
            .collect();
        let order = |a: &(Fit, &str, &PersonSummary), b: &(Fit, &str, &PersonSummary)| {
            a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)).then_with(|| a.2.id.cmp(&b.2.id))
        };
        // The first letter typed fits thousands: pick the best `limit`
        // before sorting, not after.
        if limit > 0 && hits.len() > limit {
            hits.select_nth_unstable_by(limit - 1, order);
            hits.truncate(limit);
        }
        hits.sort_by(order);
        hits.into_iter().take(limit).map(|(_, _, p)| p).collect()
    }
}

/// A person's searchable text, folded and split into words once.
#[derive(Debug, Clone)]
struct Folded {
    name: String,
    others: Vec<String>,
    school_id: String,
    /// The words of the current name.
    name_words: Vec<String>,
    /// The words of the name, other names, and year group or role.
    all_words: Vec<String>,
}

impl Folded {
    fn of(p: &PersonSummary) -> Folded {
        let name = fold(&p.name);
        let others: Vec<String> = p.other_names.iter().map(|n| fold(n)).collect();
        let detail = fold(&p.detail);
        let name_words: Vec<String> = words(&name).map(str::to_string).collect();
        let mut all_words = name_words.clone();
        all_words.extend(words(&detail).map(str::to_string));
        for other in &others {
            all_words.extend(words(other).map(str::to_string));
        }
        Folded { name, others, school_id: fold(&p.school_id), name_words, all_words }
    }
}

/// The people a form picks from, folded once when it opens: each keystroke
/// then searches folded text instead of folding 10,000 names again
/// (issue 12: find-as-you-type within 20 ms a keystroke).
#[derive(Debug, Clone, Default)]
pub struct Finder {
    people: Vec<PersonSummary>,
    folded: Vec<Folded>,
}

impl Finder {
    pub fn new(people: Vec<PersonSummary>) -> Finder {
        let folded = people.iter().map(Folded::of).collect();
        Finder { people, folded }
    }

    pub fn people(&self) -> &[PersonSummary] {
        &self.people
    }

    /// The people `text` finds, best first; at most `limit`.
    pub fn search(&self, text: &str, limit: usize) -> Vec<&PersonSummary> {
        PersonQuery::new(text).search_folded(&self.people, &self.folded, limit)
    }
}

/// The one person a typed name means, or why not: the CLI and JSON take a
/// name and must never guess between two children (issue 12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched<'a> {
    One(&'a PersonSummary),
    None,
    /// More than one fits as well as the best: the caller asks.
    Ambiguous(Vec<&'a PersonSummary>),
}

/// Resolves what someone typed for a person: a person id, a school id, or
/// a name. Only an exact (folded) name, other name or identifier counts as
/// one person; word prefixes are suggestions, never a match.
pub fn match_person<'a>(people: &'a [PersonSummary], text: &str, kind: Option<SubjectKind>) -> Matched<'a> {
    let query = PersonQuery::new(text);
    let hits: Vec<(&PersonSummary, Fit)> = people
        .iter()
        .filter(|p| kind.is_none_or(|k| k == p.kind))
        .filter_map(|p| query.fit(p).map(|f| (p, f)))
        .filter(|(_, f)| *f <= Fit::Name)
        .collect();
    let Some(best) = hits.iter().map(|(_, f)| *f).min() else {
        return Matched::None;
    };
    let top: Vec<&PersonSummary> = hits.into_iter().filter(|(_, f)| *f == best).map(|(p, _)| p).collect();
    match top.as_slice() {
        [one] => Matched::One(one),
        _ => Matched::Ambiguous(top),
    }
}

/// Groups free-text subjects that are probably one person (accent- and
/// case-blind, spacing and punctuation ignored), for the DSL's screen that
/// turns old concerns' subjects into people (issue 12).
pub fn name_key(name: &str) -> String {
    words(&fold(name)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_opt(9, 0, 0).unwrap()
    }

    fn by() -> Author {
        Author { member: 1, name: "Ada Wren".into() }
    }

    fn person(id: PersonId, name: &str, detail: &str, school_id: &str) -> Person {
        Person::new(
            id,
            SubjectKind::Child,
            PersonDetails {
                name: name.into(),
                detail: detail.into(),
                school_id: school_id.into(),
                ..Default::default()
            },
            &by(),
            at(),
        )
    }

    fn people() -> Vec<PersonSummary> {
        vec![
            person(1, "Zoë Ødegård", "Year 5", "A123456789012").summary_row(),
            person(2, "Milo Loxley-Vane", "Year 3", "B2").summary_row(),
            person(3, "Ivy Loxley-Vane", "Year 6", "B3").summary_row(),
            person(4, "Zoe Odegard", "Year 2", "").summary_row(),
        ]
    }

    #[test]
    fn accents_and_case_fold_away_when_searching() {
        let all = people();
        let hits = PersonQuery::new("zoe ode").search(&all, 10);
        assert_eq!(hits.iter().map(|p| p.id).collect::<Vec<_>>(), vec![1, 4]);
        let hits = PersonQuery::new("ØDEGÅRD").search(&all, 10);
        assert_eq!(hits.len(), 2);
        assert_eq!(PersonQuery::new("loxley").search(&all, 10).len(), 2, "a hyphenated surname's parts are words");
        assert_eq!(PersonQuery::new("vane year 6").search(&all, 10)[0].id, 3, "year group narrows");
        assert_eq!(PersonQuery::new("a123456789012").search(&all, 10)[0].id, 1, "UPN, any case");
        assert_eq!(PersonQuery::new("P-0002").search(&all, 10)[0].id, 2);
        assert!(PersonQuery::new("").search(&all, 10).is_empty());
        assert!(PersonQuery::new("  ").is_empty());
    }

    #[test]
    fn a_finder_folded_once_finds_what_a_query_finds() {
        let all = people();
        let finder = Finder::new(all.clone());
        for text in ["zoe ode", "loxley", "vane year 6", "a123456789012", "P-0002", "", "nobody"] {
            let a: Vec<u32> = finder.search(text, 10).iter().map(|p| p.id).collect();
            let b: Vec<u32> = PersonQuery::new(text).search(&all, 10).iter().map(|p| p.id).collect();
            assert_eq!(a, b, "{text:?}");
        }
    }

    #[test]
    fn a_name_match_never_guesses_between_two_people() {
        let all = people();
        // Two records fold to the same name: ask.
        match match_person(&all, "Zoe Odegard", None) {
            Matched::Ambiguous(both) => assert_eq!(both.len(), 2),
            other => panic!("expected ambiguity, got {other:?}"),
        }
        assert!(matches!(match_person(&all, "milo loxley-vane", None), Matched::One(p) if p.id == 2));
        // A prefix is a suggestion, not a match.
        assert_eq!(match_person(&all, "Milo", None), Matched::None);
        assert!(matches!(match_person(&all, "P-3", None), Matched::One(p) if p.id == 3));
        assert_eq!(match_person(&all, "Milo Loxley-Vane", Some(SubjectKind::Staff)), Matched::None);
    }

    #[test]
    fn merged_records_are_found_through_the_person_they_became() {
        let mut all = people();
        all[3].merged_into = Some(1);
        assert!(matches!(match_person(&all, "Zoe Odegard", None), Matched::One(p) if p.id == 1));
    }

    #[test]
    fn a_corrected_name_keeps_the_earlier_spelling() {
        let mut p = person(7, "Ellie Marsh", "Year 4", "");
        p.rename("Elli Marsh", &by(), at());
        assert_eq!(p.name, "Elli Marsh");
        assert_eq!(p.other_names, vec!["Ellie Marsh"]);
        assert!(matches!(p.history.last().unwrap().change, Change::Renamed { ref from, .. } if from == "Ellie Marsh"));
        // The old spelling still finds her.
        assert_eq!(PersonQuery::new("ellie").fit(&p.summary_row()), Some(Fit::Words));
        // Renaming back does not list the current name as an other name.
        p.rename("Ellie Marsh", &by(), at());
        assert_eq!(p.other_names, vec!["Elli Marsh"]);
    }

    #[test]
    fn a_merge_keeps_both_names_and_the_details_the_keeper_lacked() {
        let mut keep = person(1, "Zoë Ødegård", "Year 5", "");
        let mut other = person(4, "Zoey Odegard", "", "A1");
        other.date_of_birth = NaiveDate::from_ymd_opt(2016, 2, 29);
        other.link(LinkKind::Sibling, 9, "");
        keep.absorb(&other, &by(), at());
        assert_eq!(keep.other_names, vec!["Zoey Odegard"]);
        assert_eq!(keep.school_id, "A1");
        assert_eq!(keep.date_of_birth, other.date_of_birth);
        assert_eq!(keep.siblings().collect::<Vec<_>>(), vec![9]);
        assert_eq!(keep.history.last().unwrap().change.describe(), "merged with P-0004 (Zoey Odegard)");
    }

    /// S-c: two records that disagree keep this one's details, and the
    /// other's values are in the history (found in review: a conflicting
    /// date of birth was dropped silently).
    #[test]
    fn a_merge_of_records_that_disagree_keeps_the_other_values_in_the_history() {
        let mut keep = person(1, "Zoë Ødegård", "Year 5", "A1");
        keep.date_of_birth = NaiveDate::from_ymd_opt(2016, 2, 29);
        let mut other = person(4, "Zoey Odegard", "Year 6", "B7");
        other.date_of_birth = NaiveDate::from_ymd_opt(2016, 3, 1);
        let said = keep.differences(&other);
        assert_eq!(
            said,
            vec![
                "date of birth 2016-02-29 kept (P-0004 had 2016-03-01)",
                "school id A1 kept (P-0004 had B7)",
                "year group Year 5 kept (P-0004 had Year 6)",
            ]
        );
        keep.absorb(&other, &by(), at());
        assert_eq!((keep.date_of_birth, keep.school_id.as_str()), (NaiveDate::from_ymd_opt(2016, 2, 29), "A1"));
        assert_eq!(keep.history.last().unwrap().change, Change::Updated { what: said.join("; ") });
        // Records that agree, or where one is blank, say nothing.
        let blank = person(5, "Zoe Odegard", "", "");
        assert!(keep.differences(&blank).is_empty());
    }

    #[test]
    fn a_child_is_kept_until_their_25th_birthday() {
        let mut p = person(1, "Noor Pell", "Year 1", "");
        assert_eq!(p.retain_until(), None, "no date of birth, no date");
        p.date_of_birth = NaiveDate::from_ymd_opt(2019, 6, 30);
        assert_eq!(p.retain_until(), NaiveDate::from_ymd_opt(2044, 6, 30));
        p.date_of_birth = NaiveDate::from_ymd_opt(2016, 2, 29);
        assert_eq!(p.retain_until(), NaiveDate::from_ymd_opt(2041, 3, 1), "a leap-day birthday");
        p.kind = SubjectKind::Staff;
        assert_eq!(p.retain_until(), None);
    }

    #[test]
    fn ids_parse_as_people_write_them() {
        assert_eq!(parse_person_id("P-0012"), Some(12));
        assert_eq!(parse_person_id("p12"), Some(12));
        assert_eq!(parse_person_id("12"), Some(12));
        assert_eq!(parse_person_id("P-"), None);
        assert_eq!(parse_person_id("0"), None);
        assert_eq!(parse_person_id("Milo"), None);
        assert_eq!(person_label(12), "P-0012");
        assert_eq!(name_key("  Zoë  Ødegård "), name_key("zoe odegard"));
        assert_eq!(name_key("Loxley-Vane, Milo"), "loxley vane milo");
    }

    #[test]
    fn details_are_checked() {
        let mut d = PersonDetails { name: " ".into(), ..Default::default() };
        assert_eq!(d.validate()[0].field, "name");
        d.name = "x".repeat(NAME_CHARS + 1);
        assert!(d.validate()[0].message.contains("over the limit"));
    }
}
