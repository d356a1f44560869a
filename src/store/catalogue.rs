//! The school's own catalogue (issue 13: P3-a, P2-a): locations with their
//! restricted flags, categories and linked policies are the school's to
//! edit. The DSL sets a TOML file (`casebook catalogue set FILE`): checked
//! whole, a wrong line named, nothing changed unless all of it is right.
//! It is kept in the settings, sealed to the Directory class so every
//! member's concern form offers the school's own locations, and read at
//! unlock; a store without one uses the seed catalogue.

use super::codec::{CatalogueFile, Place};
use super::trees::SETTINGS;
use super::{Batch, Session, Store, StoreError, corrupt};
use crate::domain::{AccessClass, Catalogue, Role, limits};

pub(crate) const CATALOGUE: &str = "catalogue";

/// A catalogue file's limit: the seed is about 12 KB.
pub const CATALOGUE_CHARS: usize = 200_000;

pub(crate) fn catalogue_place() -> Place {
    Place::new(SETTINGS, CATALOGUE.as_bytes().to_vec(), 0)
}

impl Session {
    /// Sets the school's catalogue from the text of a TOML file (the DSL
    /// only). A wrong line is named and nothing changes.
    pub fn set_catalogue(&mut self, text: &str) -> Result<Catalogue, StoreError> {
        if self.my_role != Role::Dsl {
            return Err(StoreError::Forbidden { role: self.my_role, action: "set the school's catalogue".into() });
        }
        if let Some(problem) = limits::over_chars(text, CATALOGUE_CHARS) {
            return Err(StoreError::Input(format!("the catalogue file: {problem}; nothing was changed")));
        }
        let catalogue =
            Catalogue::from_school_file(text).map_err(|e| StoreError::Input(format!("{e}; nothing was changed")))?;
        let sealed =
            self.seal(AccessClass::Directory, &catalogue_place(), &CatalogueFile { text: text.to_string() })?;
        self.store.backend.apply(Batch::new().put(SETTINGS, CATALOGUE, sealed))?;
        self.store.catalogue = catalogue.clone();
        Ok(catalogue)
    }

    /// The catalogue file as the DSL set it, if any (every member).
    pub fn catalogue_file(&self) -> Result<Option<String>, StoreError> {
        let Some(sealed) = self.store.backend.get(SETTINGS, CATALOGUE.as_bytes())? else { return Ok(None) };
        let file: CatalogueFile = self
            .open_record(AccessClass::Directory, &catalogue_place(), &sealed)
            .map_err(|e| super::relabel(e, "the school's catalogue"))?;
        Ok(Some(file.text))
    }

    /// At unlock: the school's catalogue replaces the seed. One that does
    /// not read is said once, and the seed is used meanwhile.
    pub(crate) fn load_catalogue(&mut self) -> Option<String> {
        match self.catalogue_file() {
            Ok(None) => None,
            Ok(Some(text)) => match Catalogue::from_school_file(&text) {
                Ok(c) => {
                    self.store.catalogue = c;
                    None
                }
                Err(e) => Some(format!("the school's catalogue does not read ({e}): the seed catalogue is used")),
            },
            Err(e) => Some(format!("{e}: the seed catalogue is used until the DSL sets it again")),
        }
    }
}

impl Store {
    /// Whether the school set its own catalogue (clear: only that it did).
    pub fn has_own_catalogue(&self) -> Result<bool, StoreError> {
        Ok(self.backend.get(SETTINGS, CATALOGUE.as_bytes())?.is_some())
    }
}

/// Checks a catalogue setting's text (verify).
pub(crate) fn check(text: &str) -> Result<(), StoreError> {
    Catalogue::from_school_file(text).map(|_| ()).map_err(|e| corrupt("the school's catalogue", e))
}
