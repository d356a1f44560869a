//! The staff and visitor registers the policy asks for (issue 13): the
//! teaching-time permission log (P5-a), remote-learning approvals (P5-e),
//! pre-existing relationship disclosures (P5-c, the DSL only) and visitor
//! device arrangements (P7-b); and two optional registers the policy
//! suggests (issue 13 item 3): school devices and who holds them (P4-a)
//! and the staff awareness log (P8-c). One entry type with the fields each
//! register needs; each register says which it requires.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::concern::{Author, FieldError};
use super::limits;
use super::person::PersonId;

pub type RegisterId = u32;

/// How many days ahead an approval's review or expiry date puts it on
/// the Today list (P5-e: approved before use, reviewed before it lapses).
pub const EXPIRY_NOTICE_DAYS: i64 = 14;

/// Longest free-text field of an entry.
const FIELD_BYTES: usize = 4 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RegisterKind {
    /// P5-a: a personal device used in teaching time, with the
    /// headteacher's permission.
    Permission,
    /// P5-e: remote learning on a personal device, approved after a risk
    /// assessment, with a review or expiry date.
    RemoteLearning,
    /// P5-c: a pre-existing relationship discussed with the DSL (sealed to
    /// the DSL(s) alone).
    Disclosure,
    /// P7-b: a visitor's device use for multi-agency work, agreed first.
    VisitorDevice,
    // Appended (bincode numbers variants by position): issue 13 item 3.
    /// P4-a (optional): a school device, who holds it, whether it is
    /// passcode protected and for staff only, and whether its users were
    /// told that activity may be monitored; issued and returned dates.
    SchoolDevice,
    /// P8-c (optional): staff awareness: annual child-protection training,
    /// the acceptable use policy signed, the code of conduct, bulletins;
    /// who, what and when.
    Awareness,
}

impl RegisterKind {
    pub const ALL: [RegisterKind; 6] = [
        RegisterKind::Permission,
        RegisterKind::RemoteLearning,
        RegisterKind::Disclosure,
        RegisterKind::VisitorDevice,
        RegisterKind::SchoolDevice,
        RegisterKind::Awareness,
    ];

    /// The word the CLI takes.
    pub fn id(self) -> &'static str {
        match self {
            RegisterKind::Permission => "permission",
            RegisterKind::RemoteLearning => "remote-learning",
            RegisterKind::Disclosure => "disclosure",
            RegisterKind::VisitorDevice => "visitor-device",
            RegisterKind::SchoolDevice => "school-device",
            RegisterKind::Awareness => "awareness",
        }
    }

    pub fn parse(text: &str) -> Option<RegisterKind> {
        RegisterKind::ALL.into_iter().find(|k| k.id() == text.trim().to_ascii_lowercase())
    }

    /// The register's name, as the policy and the guidance call it.
    pub fn title(self) -> &'static str {
        match self {
            RegisterKind::Permission => "Permission log (personal devices in teaching time)",
            RegisterKind::RemoteLearning => "Remote-learning approvals",
            RegisterKind::Disclosure => "Disclosure register (DSL only)",
            RegisterKind::VisitorDevice => "Visitor device arrangements",
            RegisterKind::SchoolDevice => "School devices (who holds them)",
            RegisterKind::Awareness => "Awareness log (training, AUP, code of conduct, bulletins)",
        }
    }

    pub fn requirement(self) -> &'static str {
        match self {
            RegisterKind::Permission => "P5-a",
            RegisterKind::RemoteLearning => "P5-e",
            RegisterKind::Disclosure => "P5-c",
            RegisterKind::VisitorDevice => "P7-b",
            RegisterKind::SchoolDevice => "P4-a",
            RegisterKind::Awareness => "P8-c",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            RegisterKind::Permission => "PL",
            RegisterKind::RemoteLearning => "RL",
            RegisterKind::Disclosure => "DR",
            RegisterKind::VisitorDevice => "VA",
            RegisterKind::SchoolDevice => "SD",
            RegisterKind::Awareness => "AW",
        }
    }

    /// Sealed to the DSL(s) alone (P5-c), not to the Oversight class.
    pub fn dsl_only(self) -> bool {
        self == RegisterKind::Disclosure
    }

    /// What each field means in this register, for forms and `show`:
    /// (who, date, until, reason, permitted, risk assessment, granted by).
    pub fn field_names(self) -> [&'static str; 7] {
        match self {
            RegisterKind::Permission => [
                "Staff member",
                "When",
                "Until",
                "Why",
                "What is permitted",
                "Risk assessment",
                "Granted by (headteacher)",
            ],
            RegisterKind::RemoteLearning => [
                "Staff member",
                "Approved on",
                "Review/expiry",
                "For",
                "What is approved",
                "Risk assessment",
                "Approver",
            ],
            RegisterKind::Disclosure => [
                "Staff member",
                "Discussed on",
                "Review on",
                "Nature",
                "Outcome",
                "Safeguards agreed",
                "Discussed with",
            ],
            RegisterKind::VisitorDevice => {
                ["Visitor", "From", "Until", "Purpose", "What is permitted", "Risk assessment", "Agreed by"]
            }
            RegisterKind::SchoolDevice => [
                "Held by",
                "Issued",
                "Returned",
                "Device",
                "Passcode protected",
                "Staff only",
                "Users told activity may be monitored",
            ],
            RegisterKind::Awareness => [
                "Who",
                "When",
                "Renewal due",
                "What (training, AUP, code of conduct, bulletin)",
                "Detail",
                "Evidence",
                "Given by",
            ],
        }
    }

    /// A text phrase in guidance that names this register.
    pub fn mentioned_in(self, guidance: &str) -> bool {
        let g = guidance.to_ascii_lowercase();
        let words: &[&str] = match self {
            RegisterKind::Permission => &["permission log"],
            RegisterKind::RemoteLearning => &["remote learning", "remote-learning"],
            RegisterKind::Disclosure => &["disclosure register", "pre-existing relationship"],
            RegisterKind::VisitorDevice => &["visitor arrangement", "multi-agency"],
            RegisterKind::SchoolDevice => &["device register", "school device register"],
            RegisterKind::Awareness => &["awareness log"],
        };
        words.iter().any(|w| g.contains(w))
    }
}

/// The label of entry `id` of `kind` ("PL-0003").
pub fn register_label(kind: RegisterKind, id: RegisterId) -> String {
    format!("{}-{id:04}", kind.prefix())
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterEntry {
    pub id: RegisterId,
    pub kind: RegisterKind,
    /// The staff member or visitor, as typed or as their person record names them.
    pub who: String,
    pub person: Option<PersonId>,
    /// A visitor's organisation; a staff member's role.
    pub organisation: String,
    pub date: NaiveDate,
    /// Review/expiry (approvals), the end of a permission or arrangement.
    pub until: Option<NaiveDate>,
    /// Why / what for / the relationship's nature / the visit's purpose.
    pub reason: String,
    /// What is permitted or approved; a disclosure's outcome.
    pub permitted: String,
    pub risk_assessment: String,
    /// The headteacher who granted it, the approver, who agreed it.
    pub granted_by: String,
    pub recorded_by: Author,
    pub recorded_at: NaiveDateTime,
}

impl RegisterEntry {
    pub fn label(&self) -> String {
        register_label(self.kind, self.id)
    }

    /// An approval whose review/expiry date is past or within
    /// [`EXPIRY_NOTICE_DAYS`] of `today` (P5-e): on the Today list.
    pub fn expiring(&self, today: NaiveDate) -> bool {
        self.kind == RegisterKind::RemoteLearning
            // Saturating at the end of the calendar: no date may panic (issue 13 review).
            && self.until.is_some_and(|u| {
                u <= today.checked_add_signed(chrono::Duration::days(EXPIRY_NOTICE_DAYS)).unwrap_or(NaiveDate::MAX)
            })
    }

    /// P5-e: whether a later approval for the same member of staff (their
    /// person record, else their name, accent- and case-blind) is among
    /// `entries`: a renewal answers the review of this one, which then no
    /// longer nags on Today (found in review: it did for ever).
    pub fn renewed_in(&self, entries: &[RegisterEntry]) -> bool {
        let same = |o: &RegisterEntry| match (self.person, o.person) {
            (Some(a), Some(b)) => a == b,
            _ => super::fold::fold(self.who.trim()) == super::fold::fold(o.who.trim()),
        };
        entries
            .iter()
            .any(|o| o.kind == self.kind && o.id != self.id && (o.date, o.id) > (self.date, self.id) && same(o))
    }

    /// "expired 3 Nov", "expires in 5 days", "expires today".
    pub fn expiry_words(&self, today: NaiveDate) -> String {
        match self.until {
            None => String::new(),
            Some(u) if u < today => format!("expired {}", u.format("%-d %b %Y")),
            Some(u) if u == today => "expires today".into(),
            Some(u) => format!("expires in {} days ({})", (u - today).num_days(), u.format("%-d %b")),
        }
    }
}

/// What a form or the CLI supplies for a new entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegisterEntry {
    pub kind: RegisterKind,
    pub who: String,
    pub person: Option<PersonId>,
    pub organisation: String,
    pub date: NaiveDate,
    pub until: Option<NaiveDate>,
    pub reason: String,
    pub permitted: String,
    pub risk_assessment: String,
    pub granted_by: String,
}

impl NewRegisterEntry {
    pub fn new(kind: RegisterKind, date: NaiveDate) -> NewRegisterEntry {
        NewRegisterEntry {
            kind,
            who: String::new(),
            person: None,
            organisation: String::new(),
            date,
            until: None,
            reason: String::new(),
            permitted: String::new(),
            risk_assessment: String::new(),
            granted_by: String::new(),
        }
    }

    /// What the register needs (each problem names its field and the
    /// requirement behind it).
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let req = self.kind.requirement();
        let names = self.kind.field_names();
        let mut err = |field, message: String| errors.push(FieldError { field, message });
        let mut need = |field: &'static str, value: &str, name: &str| {
            if value.trim().is_empty() {
                err(field, format!("{} is needed ({req})", name.to_lowercase()));
            }
        };
        need("who", &self.who, names[0]);
        need("reason", &self.reason, names[3]);
        match self.kind {
            RegisterKind::Permission => need("granted_by", &self.granted_by, names[6]),
            RegisterKind::RemoteLearning => {
                need("risk_assessment", &self.risk_assessment, names[5]);
                need("granted_by", &self.granted_by, names[6]);
            }
            RegisterKind::Disclosure => need("permitted", &self.permitted, names[4]),
            RegisterKind::VisitorDevice => {
                need("organisation", &self.organisation, "the visitor's organisation");
                need("permitted", &self.permitted, names[4]);
                need("granted_by", &self.granted_by, names[6]);
            }
            // P4-a: the three questions are answered yes or no, never left open.
            RegisterKind::SchoolDevice => {
                for (field, value, name) in [
                    ("permitted", &self.permitted, names[4]),
                    ("risk_assessment", &self.risk_assessment, names[5]),
                    ("granted_by", &self.granted_by, names[6]),
                ] {
                    if yes_no(value).is_none() {
                        err(field, format!("{}: answer yes or no ({req})", name.to_lowercase()));
                    }
                }
            }
            RegisterKind::Awareness => {}
        }
        if self.kind == RegisterKind::RemoteLearning && self.until.is_none() {
            errors.push(FieldError { field: "until", message: format!("a review or expiry date is needed ({req})") });
        }
        if let Some(u) = self.until
            && u < self.date
        {
            errors.push(FieldError { field: "until", message: format!("{u} is before {}", self.date) });
        }
        for (field, value) in [
            ("who", &self.who),
            ("organisation", &self.organisation),
            ("reason", &self.reason),
            ("permitted", &self.permitted),
            ("risk_assessment", &self.risk_assessment),
            ("granted_by", &self.granted_by),
        ] {
            if let Some(message) = limits::over_bytes(value.trim(), FIELD_BYTES) {
                errors.push(FieldError { field, message });
            }
        }
        errors
    }
}

/// "yes"/"no" (y/n, true/false) as an answer; anything else is none.
pub fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" => Some(true),
        "no" | "n" | "false" => Some(false),
        _ => None,
    }
}

/// The entries of one register, newest first; approvals soonest-expiring
/// first.
pub fn in_register(entries: &[RegisterEntry], kind: RegisterKind) -> Vec<&RegisterEntry> {
    let mut out: Vec<&RegisterEntry> = entries.iter().filter(|e| e.kind == kind).collect();
    if kind == RegisterKind::RemoteLearning {
        out.sort_by_key(|e| (e.until, e.id));
    } else {
        out.sort_by_key(|e| std::cmp::Reverse((e.date, e.id)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn p5e_an_approval_needs_a_risk_assessment_an_approver_and_a_review_date() {
        let mut new = NewRegisterEntry::new(RegisterKind::RemoteLearning, day(2));
        new.who = "Mr Fictional Tutor".into();
        new.reason = "Online tutoring group".into();
        let fields: Vec<&str> = new.validate().iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["risk_assessment", "granted_by", "until"]);
        new.risk_assessment = "RA-12 on file".into();
        new.granted_by = "Mrs Head Teacher".into();
        new.until = Some(day(1));
        assert_eq!(new.validate()[0].message, "2026-11-01 is before 2026-11-02");
        new.until = Some(day(20));
        assert!(new.validate().is_empty());
    }

    #[test]
    fn p5e_expiring_approvals_are_those_past_or_within_the_notice() {
        let entry = |until: NaiveDate| RegisterEntry {
            id: 1,
            kind: RegisterKind::RemoteLearning,
            who: "Mr Fictional Tutor".into(),
            person: None,
            organisation: String::new(),
            date: day(1),
            until: Some(until),
            reason: String::new(),
            permitted: String::new(),
            risk_assessment: String::new(),
            granted_by: String::new(),
            recorded_by: Author { member: 1, name: "DSL".into() },
            recorded_at: day(1).and_hms_opt(9, 0, 0).unwrap(),
        };
        let today = day(10);
        assert!(entry(day(3)).expiring(today));
        assert_eq!(entry(day(3)).expiry_words(today), "expired 3 Nov 2026");
        assert!(entry(day(24)).expiring(today));
        assert!(!entry(day(25)).expiring(today));
        assert_eq!(entry(day(10)).expiry_words(today), "expires today");
    }

    #[test]
    fn p4a_a_school_device_answers_passcode_staff_only_and_monitoring_yes_or_no() {
        let mut new = NewRegisterEntry::new(RegisterKind::SchoolDevice, day(2));
        new.who = "Ms Fictional Teacher".into();
        new.reason = "iPad SD-17".into();
        new.permitted = "maybe".into();
        let fields: Vec<&str> = new.validate().iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["permitted", "risk_assessment", "granted_by"]);
        new.permitted = "yes".into();
        new.risk_assessment = "Y".into();
        new.granted_by = "no".into();
        assert!(new.validate().is_empty());
        assert_eq!(register_label(RegisterKind::SchoolDevice, 7), "SD-0007");
    }

    #[test]
    fn p8c_an_awareness_entry_needs_who_and_what() {
        let mut new = NewRegisterEntry::new(RegisterKind::Awareness, day(2));
        let fields: Vec<&str> = new.validate().iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["who", "reason"]);
        new.who = "All staff".into();
        new.reason = "Annual child-protection training".into();
        assert!(new.validate().is_empty());
        assert_eq!(RegisterKind::parse("awareness"), Some(RegisterKind::Awareness));
    }

    #[test]
    fn p5a_p5c_p7b_the_guidance_that_names_a_register_links_to_it() {
        let seed = crate::domain::Catalogue::seed();
        let linked: Vec<RegisterKind> = seed
            .categories
            .iter()
            .flat_map(|c| RegisterKind::ALL.into_iter().filter(|k| k.mentioned_in(&c.guidance)))
            .collect();
        assert!(linked.contains(&RegisterKind::Permission), "{linked:?}");
        assert_eq!(RegisterKind::parse("Visitor-Device"), Some(RegisterKind::VisitorDevice));
        assert_eq!(register_label(RegisterKind::Disclosure, 3), "DR-0003");
    }
}
