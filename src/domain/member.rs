//! Members of the casebook and what their role may read (P1-b, P9-e).

use serde::{Deserialize, Serialize};
use std::fmt;

pub type MemberId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Role {
    /// Designated Safeguarding Lead: overall responsibility (P1-b).
    Dsl,
    /// Deputy DSL: acts in the DSL's absence and records follow-ups.
    Deputy,
    /// SLT and governors: debriefs, actions and figures, never case detail (P9-e).
    Leadership,
    /// Any staff member: logs a concern and cannot read one back (P9-a).
    Reporter,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Dsl, Role::Deputy, Role::Leadership, Role::Reporter];

    pub fn label(self) -> &'static str {
        match self {
            Role::Dsl => "DSL",
            Role::Deputy => "deputy",
            Role::Leadership => "leadership",
            Role::Reporter => "reporter",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "dsl" => Some(Role::Dsl),
            "deputy" | "deputy-dsl" => Some(Role::Deputy),
            "leadership" | "slt" | "governor" => Some(Role::Leadership),
            "reporter" | "staff" => Some(Role::Reporter),
            _ => None,
        }
    }

    /// Which access classes this role belongs to. Encryption follows this
    /// table, so a role outside a class holds no key that opens its records.
    pub fn classes(self) -> &'static [AccessClass] {
        match self {
            Role::Dsl | Role::Deputy => &[AccessClass::Case, AccessClass::Oversight, AccessClass::Directory],
            Role::Leadership => &[AccessClass::Oversight, AccessClass::Directory],
            Role::Reporter => &[AccessClass::Directory],
        }
    }

    pub fn reads(self, class: AccessClass) -> bool {
        self.classes().contains(&class)
    }

    /// Only the DSL manages membership and the catalogue (P1-b).
    pub fn manages_members(self) -> bool {
        self == Role::Dsl
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Who may read a record. Each class has its own symmetric key, itself
/// age-encrypted to the members of the class (see the store's crypto module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum AccessClass {
    /// Concerns, triage, chronology: DSL and deputies only (P9-e).
    Case,
    /// Debriefs, lessons and actions: DSL, deputies and leadership (P9-c, P9-d).
    Oversight,
    /// Member names and the school's name: every member.
    Directory,
}

impl AccessClass {
    pub const ALL: [AccessClass; 3] = [AccessClass::Case, AccessClass::Oversight, AccessClass::Directory];

    /// The tag written into casebook's own age stanza; stable on disk.
    pub fn tag(self) -> &'static str {
        match self {
            AccessClass::Case => "case",
            AccessClass::Oversight => "oversight",
            AccessClass::Directory => "directory",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.tag() == tag)
    }

    pub fn roles(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| r.reads(self))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    pub role: Role,
    /// The member's age recipient (`age1…`): public, used to encrypt to them.
    pub recipient: String,
    /// P6.1-g: only members marked as authorised may record an erasure.
    pub authorised_to_erase: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concerns_are_for_dsl_and_deputies_only() {
        let readers: Vec<Role> = AccessClass::Case.roles().collect();
        assert_eq!(readers, vec![Role::Dsl, Role::Deputy]);
    }

    #[test]
    fn leadership_reads_oversight_but_not_cases() {
        assert!(Role::Leadership.reads(AccessClass::Oversight));
        assert!(!Role::Leadership.reads(AccessClass::Case));
    }

    #[test]
    fn reporter_holds_no_case_or_oversight_class() {
        assert_eq!(Role::Reporter.classes(), &[AccessClass::Directory]);
    }

    #[test]
    fn roles_parse_from_common_words() {
        assert_eq!(Role::parse("DSL"), Some(Role::Dsl));
        assert_eq!(Role::parse("slt"), Some(Role::Leadership));
        assert_eq!(Role::parse("janitor"), None);
    }

    #[test]
    fn class_tags_round_trip() {
        for c in AccessClass::ALL {
            assert_eq!(AccessClass::from_tag(c.tag()), Some(c));
        }
    }
}
