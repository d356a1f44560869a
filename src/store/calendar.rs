//! The school's term dates (issue 13, S-b): the working-day calendar every
//! deadline counts in. Kept in the settings tree like the school's name,
//! but sealed to the Case class: the DSL and deputies count referral
//! deadlines with it, and no one else needs to know when the school is shut
//! for a reason of its own (an INSET day's name may say why).
//!
//! Only the DSL sets it; a file that does not parse is refused naming its
//! line, and nothing is changed. With no file set, weekends only.

use super::codec::TermDates;
use super::trees::SETTINGS;
use super::{Batch, Place, Session, StoreError, corrupt};
use crate::domain::{AccessClass, Calendar, Role, limits};

/// The settings key the term dates are kept under.
pub(crate) const TERM_DATES: &str = "term-dates";

/// A term-dates file longer than this is not one (a school year is a
/// dozen lines): refused before it is parsed.
pub const TERM_DATES_CHARS: usize = 20_000;

/// Where the term dates are kept, bound into their record (issue 10).
pub(crate) fn term_dates_place() -> Place {
    Place::new(SETTINGS, TERM_DATES.as_bytes().to_vec(), 0)
}

impl Session {
    /// Sets the school's term dates (DSL only) from the text of a
    /// term-dates file: validated first, so a wrong line is named and the
    /// calendar in use stays as it was. Returns the calendar it describes.
    pub fn set_term_dates(&mut self, text: &str) -> Result<Calendar, StoreError> {
        if self.my_role != Role::Dsl {
            return Err(StoreError::Forbidden { role: self.my_role, action: "set the term dates".into() });
        }
        self.require(AccessClass::Case, "set the term dates")?;
        if let Some(problem) = limits::over_chars(text, TERM_DATES_CHARS) {
            return Err(StoreError::Input(format!("the term-dates file: {problem}; nothing was changed")));
        }
        let calendar = Calendar::parse(text).map_err(|e| StoreError::Input(format!("{e}; nothing was changed")))?;
        let sealed = self.seal(AccessClass::Case, &term_dates_place(), &TermDates { text: text.to_string() })?;
        self.store.backend.apply(Batch::new().put(SETTINGS, TERM_DATES, sealed))?;
        Ok(calendar)
    }

    /// The term-dates file as the DSL set it, if any (DSL and deputies).
    pub fn term_dates(&self) -> Result<Option<String>, StoreError> {
        self.require(AccessClass::Case, "read the term dates")?;
        let Some(sealed) = self.store.backend.get(SETTINGS, TERM_DATES.as_bytes())? else { return Ok(None) };
        let record: TermDates = self
            .open_record(AccessClass::Case, &term_dates_place(), &sealed)
            .map_err(|e| super::relabel(e, "the term dates"))?;
        Ok(Some(record.text))
    }

    /// The working-day calendar: the term dates set, or weekends only.
    pub fn calendar(&self) -> Result<Calendar, StoreError> {
        match self.term_dates()? {
            None => Ok(Calendar::weekends_only()),
            Some(text) => Calendar::parse(&text).map_err(|e| corrupt("the term dates", e)),
        }
    }
}
