//! Retention and disposal (S-d, S-e). "Child-protection records kept until
//! the child's 25th birthday; allegations against staff until normal
//! retirement age or 10 years, whichever is longer. casebook flags records
//! past retention and supports a recorded, audited disposal."
//!
//! Pure rules: every date is passed in. A concern's retention date is the
//! latest its subjects call for:
//! - each child it names, in any part (their file holds it): their 25th
//!   birthday ([`Person::retain_until`]);
//! - each member of staff an allegation is against ([`Part::Alleged`]):
//!   the later of 10 years after the concern closed and their 67th
//!   birthday (the state pension age, taken as normal retirement age).
//!
//! What is safe when a date is not known: the concern is never past
//! retention. A child or an accused member of staff without a date of
//! birth (or a subject not yet matched to a person record) keeps the
//! concern until the DSL records one: disposing of a child's file too early
//! cannot be undone, keeping it a little longer can. A concern naming no
//! child and no allegation against staff (a visitor, a parent) has no rule
//! in the policy: it is kept until the DSL decides, which `casebook
//! dispose --early` records with its reason. Only a closed concern can be
//! past retention; its closure is taken as its last chronology entry (a
//! later note keeps it longer, never shorter).

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::concern::{Author, CaseFile, SubjectKind};
use super::person::{Part, Person, PersonId, person_label};

/// Normal retirement age for staff allegations (the state pension age).
pub const STAFF_RETIREMENT_AGE: i32 = 67;
/// Years after closure an allegation against staff is kept at least.
pub const STAFF_YEARS_AFTER_CLOSURE: i32 = 10;

/// How long a concern is kept, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum Retention {
    /// Still open: kept (only a closed concern can be past retention).
    Open,
    /// Kept until `until` (inclusive); past retention the day after.
    Until { until: NaiveDate, basis: String },
    /// No date can be worked out yet: kept, with what is missing.
    Unknown { why: String },
}

impl Retention {
    /// Past retention on `today`: the retention date has gone by.
    pub fn past(&self, today: NaiveDate) -> bool {
        matches!(self, Retention::Until { until, .. } if *until < today)
    }

    /// The basis in words, with no name (for lists and the disposal record).
    pub fn basis(&self) -> String {
        match self {
            Retention::Open => "the concern is open".into(),
            Retention::Until { until, basis } => format!("kept until {until}: {basis}"),
            Retention::Unknown { why } => format!("kept: {why}"),
        }
    }
}

/// `date` moved on by `years` (29 February to 1 March).
fn years_after(date: NaiveDate, years: i32) -> NaiveDate {
    let year = date.year() + years;
    date.with_year(year).or_else(|| NaiveDate::from_ymd_opt(year, 3, 1)).unwrap_or(NaiveDate::MAX)
}

/// When a closed concern was closed: its last chronology entry.
pub fn closed_on(case: &CaseFile) -> Option<NaiveDate> {
    (!case.status.is_open()).then(|| case.last_activity().date())
}

/// S-d: the concern's retention, from its subjects' dates of birth
/// (`dob` looks one up by person record; `None` when none is recorded or
/// the record is not in the store).
/// Whether a concern is an allegation against staff (P5-g, S-d): triaged to
/// the LADO pathway, or, before triage, of a category that goes there or
/// comes from P5-g. Its staff subject is then the one alleged against,
/// whatever part was typed (found in review: `--subject staff:NAME` gave
/// a P5-g allegation no retention date).
pub fn is_allegation(pathway: Option<&str>, category: Option<&super::catalogue::Category>) -> bool {
    const LADO: &str = "allegation-lado";
    match pathway {
        Some(p) => p == LADO,
        None => category.is_some_and(|c| c.default_pathway == LADO || c.clause == "P5-g"),
    }
}

/// [`concern_retention`] as the store works it out: `allegation` from
/// [`is_allegation`].
pub fn concern_retention_of(
    case: &CaseFile,
    allegation: bool,
    dob: &dyn Fn(PersonId) -> Option<NaiveDate>,
) -> Retention {
    retention_with(case, allegation, dob)
}

pub fn concern_retention(case: &CaseFile, dob: &dyn Fn(PersonId) -> Option<NaiveDate>) -> Retention {
    retention_with(case, false, dob)
}

fn retention_with(case: &CaseFile, allegation: bool, dob: &dyn Fn(PersonId) -> Option<NaiveDate>) -> Retention {
    let Some(closed) = closed_on(case) else { return Retention::Open };
    let mut until: Option<(NaiveDate, String)> = None;
    let mut later = |date: NaiveDate, why: String| {
        if until.as_ref().is_none_or(|(d, _)| date > *d) {
            until = Some((date, why));
        }
    };
    for s in &case.concern.subjects {
        let child = s.kind == SubjectKind::Child;
        let accused_staff =
            s.kind == SubjectKind::Staff && (s.part == Part::Alleged || (allegation && s.part == Part::Subject));
        if !child && !accused_staff {
            continue;
        }
        let who = match s.person {
            Some(id) => person_label(id),
            None => format!("a {} not matched to a person record", s.kind.label()),
        };
        let Some(dob) = s.person.and_then(dob) else {
            return Retention::Unknown {
                why: format!("{who} has no date of birth recorded; record one (`casebook people edit`) to work it out"),
            };
        };
        if child {
            later(years_after(dob, 25), format!("the 25th birthday of the child {who} (S-d)"));
        } else {
            let retire = years_after(dob, STAFF_RETIREMENT_AGE);
            let ten = years_after(closed, STAFF_YEARS_AFTER_CLOSURE);
            if retire >= ten {
                later(
                    retire,
                    format!(
                        "an allegation against staff: {who}'s retirement age ({STAFF_RETIREMENT_AGE}), later than 10 years after closure (S-d)"
                    ),
                );
            } else {
                later(
                    ten,
                    format!(
                        "an allegation against staff: 10 years after closure on {closed}, later than {who}'s retirement age (S-d)"
                    ),
                );
            }
        }
    }
    match until {
        Some((until, basis)) => Retention::Until { until, basis },
        None => Retention::Unknown {
            why: "it names no child and no allegation against staff, so the policy sets no date; the DSL decides \
                  (dispose --early with a reason)"
                .into(),
        },
    }
}

/// S-e: a person's own retention: a child's 25th birthday; for an adult,
/// none (their record goes when no concern names them).
pub fn person_past_retention(person: &Person, today: NaiveDate) -> bool {
    person.retain_until().is_some_and(|u| u < today)
}

/// What a disposal removed: a concern, by reference and number, or a
/// person, by number. No name, no detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Disposed {
    Concern { case_id: u32, reference: String },
    Person { person_id: PersonId },
}

/// S-d, S-e: the record a disposal leaves, sealed to the DSL(s) like the
/// audit (who saw what is theirs to read). It proves the records went
/// through casebook, so `casebook verify` does not name their absence as
/// tampering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disposal {
    pub what: Disposed,
    pub disposed_at: NaiveDateTime,
    pub by: Author,
    pub reason: String,
    /// The retention basis at the time ("kept until 2026-06-30: …").
    pub basis: String,
    /// Disposed before retention ran out: the DSL's recorded reason.
    pub early: Option<String>,
    /// The concern's other records it deleted, by number: `casebook
    /// verify` excuses their absence, and names any other number missing
    /// (PRODUCT.md 7b).
    pub removed: Removed,
}

/// The numbers of the records a concern's disposal deleted with it (S-d):
/// its referrals, devices in custody, searches and files. A person's
/// disposal (S-e) deletes none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    pub referrals: Vec<u32>,
    pub custody: Vec<u32>,
    pub searches: Vec<u32>,
    /// The concern's files, by their number on it.
    pub files: Vec<u32>,
}

impl Disposal {
    /// "C-2026-0001" or "P-0012".
    pub fn label(&self) -> String {
        match &self.what {
            Disposed::Concern { reference, .. } => reference.clone(),
            Disposed::Person { person_id } => person_label(*person_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::concern::Status;
    use crate::domain::person::PersonDetails;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn person(id: PersonId, kind: SubjectKind, dob: Option<NaiveDate>) -> Person {
        let by = Author { member: 1, name: "DSL".into() };
        let details = PersonDetails { name: "Fictional".into(), date_of_birth: dob, ..Default::default() };
        Person::new(id, kind, details, &by, d(2020, 1, 1).and_hms_opt(9, 0, 0).unwrap())
    }

    fn case(subjects: &[(SubjectKind, Part, Option<PersonId>)], closed: Option<NaiveDate>) -> CaseFile {
        let at = d(2010, 1, 1).and_hms_opt(9, 0, 0).unwrap();
        let mut case = CaseFile::open(crate::domain::Concern {
            reference: "C-2010-0001".into(),
            occurred_at: at,
            reported_at: at,
            reported_by: "Mr Reporter".into(),
            recorded_by: Author { member: 3, name: "Mr Reporter".into() },
            subjects: Vec::new(),
            category: "other".into(),
            location: "classroom".into(),
            devices: Vec::new(),
            description: "Fictional.".into(),
            immediate_action: String::new(),
            source: crate::domain::Source::StaffReport,
        });
        case.concern.subjects = subjects
            .iter()
            .map(|(kind, part, p)| {
                let mut s = crate::domain::Subject::named(*kind, "Fictional", "");
                s.part = *part;
                s.person = *p;
                s
            })
            .collect();
        case.chronology.truncate(1);
        if let Some(on) = closed {
            case.chronology[0].recorded_at = on.and_hms_opt(10, 0, 0).unwrap();
            case.status = Status::Closed;
        } else {
            case.status = Status::InProgress;
        }
        case
    }

    fn people(id: PersonId) -> Option<NaiveDate> {
        match id {
            1 => Some(d(2001, 6, 30)),
            2 => Some(d(2005, 2, 1)),
            3 => Some(d(1960, 1, 10)),
            4 => Some(d(1990, 1, 10)),
            _ => None,
        }
    }

    #[test]
    fn sd_a_concern_is_kept_until_the_youngest_childs_25th_birthday() {
        let c = case(
            &[(SubjectKind::Child, Part::Subject, Some(1)), (SubjectKind::Child, Part::Witness, Some(2))],
            Some(d(2015, 3, 1)),
        );
        let r = concern_retention(&c, &people);
        assert!(matches!(&r, Retention::Until { until, .. } if *until == d(2030, 2, 1)), "{r:?}");
        assert!(r.basis().contains("P-0002"), "{}", r.basis());
        assert!(!r.past(d(2030, 2, 1)), "kept on the birthday itself");
        assert!(r.past(d(2030, 2, 2)));
    }

    #[test]
    fn sd_an_allegation_against_staff_is_kept_until_retirement_or_ten_years_whichever_is_longer() {
        // Born 1960: retires 2027; closed 2020: ten years is 2030, later.
        let c = case(&[(SubjectKind::Staff, Part::Alleged, Some(3))], Some(d(2020, 5, 4)));
        let r = concern_retention(&c, &people);
        assert!(matches!(&r, Retention::Until { until, .. } if *until == d(2030, 5, 4)), "{r:?}");
        // Born 1990: retires 2057, later than ten years after closure.
        let c = case(&[(SubjectKind::Staff, Part::Alleged, Some(4))], Some(d(2020, 5, 4)));
        let r = concern_retention(&c, &people);
        assert!(matches!(&r, Retention::Until { until, .. } if *until == d(2057, 1, 10)), "{r:?}");
        assert!(r.basis().contains("retirement age (67)"), "{}", r.basis());
    }

    /// Found in review: a P5-g allegation whose member of staff was typed
    /// as the subject (`--subject staff:NAME`) had no retention date.
    #[test]
    fn sd_an_allegation_is_kept_as_one_whatever_part_its_member_of_staff_was_given() {
        let catalogue = crate::domain::Catalogue::seed();
        let staff_illegal = catalogue.category("staff-illegal");
        assert!(is_allegation(None, staff_illegal));
        assert!(is_allegation(Some("allegation-lado"), catalogue.category("staff-contact-personal")));
        assert!(!is_allegation(Some("staff-conduct"), staff_illegal), "triaged elsewhere: the DSL decided");
        assert!(!is_allegation(None, catalogue.category("staff-device-teaching")));
        let c = case(&[(SubjectKind::Staff, Part::Subject, Some(3))], Some(d(2020, 5, 4)));
        assert!(matches!(concern_retention(&c, &people), Retention::Unknown { .. }));
        let r = concern_retention_of(&c, true, &people);
        assert!(matches!(&r, Retention::Until { until, .. } if *until == d(2030, 5, 4)), "{r:?}");
    }

    #[test]
    fn sd_an_open_concern_or_one_without_a_date_of_birth_is_never_past_retention() {
        let far = d(2200, 1, 1);
        let open = case(&[(SubjectKind::Child, Part::Subject, Some(1))], None);
        assert_eq!(concern_retention(&open, &people), Retention::Open);
        for subjects in [
            vec![(SubjectKind::Child, Part::Subject, Some(5))],
            vec![(SubjectKind::Child, Part::Subject, None)],
            vec![(SubjectKind::Child, Part::Subject, Some(1)), (SubjectKind::Staff, Part::Alleged, Some(99))],
            vec![(SubjectKind::Visitor, Part::Subject, None)],
        ] {
            let r = concern_retention(&case(&subjects, Some(d(2010, 1, 1))), &people);
            assert!(matches!(r, Retention::Unknown { .. }), "{subjects:?}: {r:?}");
            assert!(!r.past(far));
        }
        // A staff member as a witness sets no date; the child does.
        let c = case(
            &[(SubjectKind::Child, Part::Subject, Some(1)), (SubjectKind::Staff, Part::Witness, None)],
            Some(d(2010, 1, 1)),
        );
        assert!(concern_retention(&c, &people).past(d(2026, 7, 1)));
    }

    #[test]
    fn se_a_childs_own_record_is_past_retention_after_their_25th_birthday() {
        let child = person(1, SubjectKind::Child, Some(d(2001, 6, 30)));
        assert!(!person_past_retention(&child, d(2026, 6, 30)));
        assert!(person_past_retention(&child, d(2026, 7, 1)));
        assert!(!person_past_retention(&person(2, SubjectKind::Child, None), d(2200, 1, 1)));
        assert!(!person_past_retention(&person(3, SubjectKind::Staff, Some(d(1900, 1, 1))), d(2200, 1, 1)));
    }
}
