//! Searches of a pupil's device (policy §6.1; issue 13: P6.1-e, P6.1-f,
//! P6.1-g). A search follows the behaviour policy and the DfE "Searching,
//! Screening and Confiscation" guidance, and leaves a record: who
//! authorised it, who searched, who witnessed it, when, on what grounds,
//! what was looked for and what was found (P6.1-e). Only the headteacher or
//! staff the DSL has authorised may examine or erase data, for a good
//! reason, and the record names the authoriser and the reason (P6.1-g). A
//! search that reveals a safeguarding risk involves the DSL without delay
//! (P6.1-f): the concern becomes urgent.
//!
//! Each search is its own record, naming its concern; never edited.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::concern::{Author, FieldError};
use super::custody::CustodyId;
use super::limits::{self, NAME_CHARS, NOTE_BYTES};

pub type SearchId = u32;

/// "SR-0003": how people name a search record.
pub fn search_label(id: SearchId) -> String {
    format!("SR-{id:04}")
}

/// What was done with the data on the device (P6.1-g).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataAction {
    /// The device was searched; its data was neither examined nor erased.
    None,
    /// Data or files on it were examined.
    Examined,
    /// Data or files on it were erased.
    Erased,
}

impl DataAction {
    pub const ALL: [DataAction; 3] = [DataAction::None, DataAction::Examined, DataAction::Erased];

    pub fn id(self) -> &'static str {
        match self {
            DataAction::None => "none",
            DataAction::Examined => "examined",
            DataAction::Erased => "erased",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DataAction::None => "data neither examined nor erased",
            DataAction::Examined => "data examined",
            DataAction::Erased => "data erased",
        }
    }

    pub fn parse(text: &str) -> Option<DataAction> {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "no" | "neither" => Some(DataAction::None),
            "examine" => Some(DataAction::Examined),
            "erase" | "deleted" => Some(DataAction::Erased),
            _ => DataAction::ALL.into_iter().find(|a| a.id() == t),
        }
    }

    /// Whether recording it needs a member the DSL has authorised (P6.1-g).
    pub fn needs_authority(self) -> bool {
        self != DataAction::None
    }
}

/// A search as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSearch {
    pub id: SearchId,
    pub case_id: u32,
    pub case_reference: String,
    /// The device in custody it searched, if it is one.
    pub custody: Option<CustodyId>,
    /// The device, in words ("the pupil's phone").
    pub device: String,
    pub authorised_by: String,
    pub searched_by: String,
    pub witnessed_by: String,
    pub at: NaiveDateTime,
    /// Why it was searched (P6.1-e: the reason).
    pub grounds: String,
    pub looked_for: String,
    pub found: String,
    /// P6.1-g: examined or erased, and why.
    pub data: DataAction,
    pub data_reason: String,
    /// P6.1-f: it revealed a safeguarding risk.
    pub safeguarding_risk: bool,
    pub recorded_by: Author,
    pub recorded_at: NaiveDateTime,
}

/// What a search form or command supplies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSearch {
    pub custody: Option<CustodyId>,
    pub device: String,
    pub authorised_by: String,
    /// Empty: the member recording it.
    pub searched_by: String,
    pub witnessed_by: String,
    pub at: NaiveDateTime,
    pub grounds: String,
    pub looked_for: String,
    pub found: String,
    pub data: DataAction,
    pub data_reason: String,
    pub safeguarding_risk: bool,
}

impl NewSearch {
    /// What is missing or wrong, by field. Who may record an examination
    /// or erasure is the store's rule ([`may_record`]).
    pub fn validate(&self, now: NaiveDateTime) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut err = |field, message: &str| errors.push(FieldError { field, message: message.into() });
        if self.authorised_by.trim().is_empty() {
            err("authorised_by", "name who authorised the search (P6.1-e)");
        }
        if self.witnessed_by.trim().is_empty() {
            err("witnessed_by", "name who witnessed the search (P6.1-e)");
        }
        if self.grounds.trim().is_empty() {
            err("grounds", "say why the device was searched (P6.1-e)");
        }
        if self.looked_for.trim().is_empty() {
            err("looked_for", "say what was looked for (P6.1-e)");
        }
        if self.found.trim().is_empty() {
            err("found", "say what was found, or \"nothing\" (P6.1-e)");
        }
        if self.data.needs_authority() && self.data_reason.trim().is_empty() {
            err("data_reason", "give the good reason the data was examined or erased (P6.1-g)");
        }
        if self.at > now + chrono::Duration::minutes(5) {
            err("at", "a search cannot be dated in the future");
        }
        for (field, text) in [
            ("device", &self.device),
            ("authorised_by", &self.authorised_by),
            ("searched_by", &self.searched_by),
            ("witnessed_by", &self.witnessed_by),
        ] {
            if let Some(message) = limits::over_chars(text, NAME_CHARS) {
                errors.push(FieldError { field, message });
            }
        }
        for (field, text) in [
            ("grounds", &self.grounds),
            ("looked_for", &self.looked_for),
            ("found", &self.found),
            ("data_reason", &self.data_reason),
        ] {
            if let Some(message) = limits::over_bytes(text, NOTE_BYTES) {
                errors.push(FieldError { field, message });
            }
        }
        errors
    }
}

/// P6.1-g: whether a member may record `data`: anyone may record a search
/// that left the data alone; only a member the DSL has marked as
/// authorised may record an examination or erasure. The refusal says so.
pub fn may_record(data: DataAction, member_name: &str, authorised_to_erase: bool) -> Result<(), String> {
    if !data.needs_authority() || authorised_to_erase {
        return Ok(());
    }
    Err(format!(
        "{member_name} is not authorised to record that {} (P6.1-g: only the headteacher or staff the DSL has \
         authorised, with `casebook member authorise`); nothing was saved",
        data.label()
    ))
}

impl DeviceSearch {
    pub fn label(&self) -> String {
        search_label(self.id)
    }

    /// The search as text, for `casebook show` and the concern view.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} {} search of {}{}: authorised by {}, searched by {}, witnessed by {}\n",
            self.label(),
            self.at.format("%Y-%m-%d %H:%M"),
            self.device,
            self.custody.map(|c| format!(" ({})", super::custody::custody_label(c))).unwrap_or_default(),
            self.authorised_by,
            self.searched_by,
            self.witnessed_by
        );
        out.push_str(&format!("    grounds: {}\n", self.grounds));
        out.push_str(&format!("    looked for: {}\n", self.looked_for));
        out.push_str(&format!("    found: {}\n", self.found));
        match self.data {
            DataAction::None => out.push_str(&format!("    {}\n", self.data.label())),
            _ => {
                out.push_str(&format!("    {} by {}: {}\n", self.data.label(), self.recorded_by.name, self.data_reason))
            }
        }
        if self.safeguarding_risk {
            out.push_str("    revealed a SAFEGUARDING RISK: the DSL is involved without delay (P6.1-f)\n");
        }
        out
    }
}

/// The searches section of a case file.
pub fn searches_text(searches: &[DeviceSearch]) -> String {
    let mut out = String::from("\nDevice searches (P6.1-e)\n");
    if searches.is_empty() {
        out.push_str("  none recorded\n");
    }
    for s in searches {
        for line in s.text().lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }

    fn new(data: DataAction) -> NewSearch {
        NewSearch {
            custody: Some(1),
            device: "the pupil's phone".into(),
            authorised_by: "Mrs Head Holly".into(),
            searched_by: String::new(),
            witnessed_by: "Mr Witness Wren".into(),
            at: at(10),
            grounds: "Reported filming in the toilets.".into(),
            looked_for: "Images taken in the toilets.".into(),
            found: "Nothing.".into(),
            data,
            data_reason: String::new(),
            safeguarding_risk: false,
        }
    }

    /// P6.1-g: only a member marked as authorised records an examination or
    /// an erasure; anyone may record a search that left the data alone.
    #[test]
    fn only_authorised_members_record_an_examination_or_erasure() {
        assert!(may_record(DataAction::None, "Mr Deputy Dunn", false).is_ok());
        for data in [DataAction::Examined, DataAction::Erased] {
            let err = may_record(data, "Mr Deputy Dunn", false).unwrap_err();
            assert!(err.starts_with("Mr Deputy Dunn is not authorised to record that data"), "{err}");
            assert!(err.contains("P6.1-g"), "{err}");
            assert!(may_record(data, "Mrs Head Holly", true).is_ok());
        }
    }

    /// P6.1-e, P6.1-g: the record names who authorised, searched and
    /// witnessed it, the grounds, what was looked for and found, and the
    /// reason data was examined or erased.
    #[test]
    fn a_search_names_its_authoriser_witness_grounds_and_reason() {
        assert!(new(DataAction::None).validate(at(11)).is_empty());
        let fields = |n: &NewSearch| n.validate(at(11)).into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(&new(DataAction::Erased)), vec!["data_reason"]);
        let mut empty = new(DataAction::None);
        empty.authorised_by = " ".into();
        empty.witnessed_by = String::new();
        empty.grounds = String::new();
        empty.looked_for = String::new();
        empty.found = String::new();
        empty.at = at(12);
        assert_eq!(fields(&empty), vec!["authorised_by", "witnessed_by", "grounds", "looked_for", "found", "at"]);
        assert_eq!(DataAction::parse("erase"), Some(DataAction::Erased));
        assert_eq!(DataAction::parse("none"), Some(DataAction::None));
        assert_eq!(DataAction::parse("burn"), None);
    }
}
