//! The policy catalogue: categories, locations, devices, pathways and linked
//! policies, with guidance text per category. It is data (PRODUCT.md
//! principle 5): the seed policy is embedded as TOML and a school may supply
//! its own file with the same shape.

use chrono::NaiveDate;
use serde::Deserialize;

const SEED: &str = include_str!("seed_catalogue.toml");

/// The category column of the 80-column board (issue 8 item 23): a short
/// label this long or shorter shows whole; a longer one is cut with "…".
pub const SHORT_LABEL_WIDTH: usize = 15;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub policy: PolicyInfo,
    pub linked_policies: Vec<Choice>,
    pub pathways: Vec<Pathway>,
    pub devices: Vec<Choice>,
    pub locations: Vec<Location>,
    pub categories: Vec<Category>,
}

/// The policy the catalogue was drawn from (P8-a tracks its review).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyInfo {
    pub name: String,
    pub version: String,
    pub written: NaiveDate,
    pub review_interval_months: u32,
}

/// A plain id + label pick-list entry (linked policies P2-a, devices P1-c).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pathway {
    pub id: String,
    pub label: String,
    /// A pathway such as "no further action" lets a triaged concern close
    /// straight away, provided the reasoning is recorded (KCSIE).
    #[serde(default)]
    pub closes_without_investigation: bool,
}

/// P3-a: a school-editable location, flagged restricted or not.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub id: String,
    pub label: String,
    pub restricted: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub label: String,
    /// For narrow screens (80 columns over SSH); defaults to the label.
    /// At most `SHORT_LABEL_WIDTH` characters shows whole on the board.
    #[serde(default)]
    pub short: Option<String>,
    /// The REQUIREMENTS.md clause the category comes from, e.g. "P6.1-c".
    pub clause: String,
    pub guidance: String,
    pub default_policy: String,
    pub default_pathway: String,
    /// P6.1-c and kin: the concern is triaged urgent whatever the reporter chose.
    #[serde(default)]
    pub urgent: bool,
    /// P6.1-c: casebook refuses to store any attachment of such content.
    #[serde(default)]
    pub forbids_attachments: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("the policy catalogue is not valid TOML: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("the policy catalogue is inconsistent: {0}")]
    Inconsistent(String),
}

impl Default for Catalogue {
    fn default() -> Self {
        Self::seed()
    }
}

impl Catalogue {
    /// The seed policy (June 2024). The embedded file is checked by a unit
    /// test, so failing to parse it is a build defect, not a user error.
    pub fn seed() -> Self {
        Self::from_toml(SEED).expect("embedded seed catalogue is valid")
    }

    pub fn from_toml(text: &str) -> Result<Self, CatalogueError> {
        let catalogue: Catalogue = toml::from_str(text)?;
        catalogue.validate()?;
        Ok(catalogue)
    }

    fn validate(&self) -> Result<(), CatalogueError> {
        let bad = |what: String| Err(CatalogueError::Inconsistent(what));
        if self.categories.is_empty() {
            return bad("it has no categories".into());
        }
        for c in &self.categories {
            if self.linked_policy(&c.default_policy).is_none() {
                return bad(format!("category {} names unknown policy {}", c.id, c.default_policy));
            }
            if self.pathway(&c.default_pathway).is_none() {
                return bad(format!("category {} names unknown pathway {}", c.id, c.default_pathway));
            }
        }
        let mut ids: Vec<&str> = self.categories.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return bad("two categories share an id".into());
        }
        Ok(())
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }
    pub fn location(&self, id: &str) -> Option<&Location> {
        self.locations.iter().find(|c| c.id == id)
    }
    pub fn device(&self, id: &str) -> Option<&Choice> {
        self.devices.iter().find(|c| c.id == id)
    }
    pub fn pathway(&self, id: &str) -> Option<&Pathway> {
        self.pathways.iter().find(|c| c.id == id)
    }
    pub fn linked_policy(&self, id: &str) -> Option<&Choice> {
        self.linked_policies.iter().find(|c| c.id == id)
    }

    /// A label for display; an id the catalogue no longer knows (a school
    /// edited it) is shown as itself rather than hidden.
    pub fn category_label<'a>(&'a self, id: &'a str) -> &'a str {
        self.category(id).map_or(id, |c| c.label.as_str())
    }
    pub fn category_short<'a>(&'a self, id: &'a str) -> &'a str {
        self.category(id).map_or(id, |c| c.short.as_deref().unwrap_or(&c.label))
    }
    pub fn location_label<'a>(&'a self, id: &'a str) -> &'a str {
        self.location(id).map_or(id, |c| c.label.as_str())
    }
    pub fn device_label<'a>(&'a self, id: &'a str) -> &'a str {
        self.device(id).map_or(id, |c| c.label.as_str())
    }
    pub fn pathway_label<'a>(&'a self, id: &'a str) -> &'a str {
        self.pathway(id).map_or(id, |c| c.label.as_str())
    }
    pub fn policy_label<'a>(&'a self, id: &'a str) -> &'a str {
        self.linked_policy(id).map_or(id, |c| c.label.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_parses_and_is_consistent() {
        let c = Catalogue::seed();
        assert!(c.categories.len() >= 10);
        assert_eq!(c.policy.written, NaiveDate::from_ymd_opt(2024, 6, 1).unwrap());
    }

    #[test]
    fn every_short_label_fits_the_80_column_board() {
        for c in &Catalogue::seed().categories {
            let short = c.short.as_deref().unwrap_or(&c.label);
            assert!(short.chars().count() <= SHORT_LABEL_WIDTH, "{}: {short:?} is too long", c.id);
        }
    }

    #[test]
    fn indecent_image_guidance_follows_p6_1_c() {
        let c = Catalogue::seed();
        let cat = c.category("indecent-image").unwrap();
        assert!(cat.urgent, "P6.1-c is triaged urgent");
        assert!(cat.forbids_attachments);
        assert!(cat.guidance.starts_with("Do not look at the content. Confiscate the device."));
        assert_eq!(cat.clause, "P6.1-c");
    }

    #[test]
    fn toilets_and_cloakrooms_are_restricted() {
        let c = Catalogue::seed();
        assert!(c.location("toilets").unwrap().restricted);
        assert!(c.location("cloakroom").unwrap().restricted);
        assert!(!c.location("classroom").unwrap().restricted);
    }

    #[test]
    fn every_p1_c_device_is_listed() {
        let c = Catalogue::seed();
        for id in ["mobile-phone", "tablet", "e-reader", "games-console", "smart-watch", "fitness-tracker", "other"] {
            assert!(c.device(id).is_some(), "{id}");
        }
    }

    #[test]
    fn inconsistent_catalogue_is_refused() {
        let text = SEED.replace("default_pathway = \"police\"", "default_pathway = \"nowhere\"");
        let err = Catalogue::from_toml(&text).unwrap_err();
        assert!(err.to_string().contains("unknown pathway nowhere"), "{err}");
    }

    #[test]
    fn unknown_ids_display_as_themselves() {
        let c = Catalogue::seed();
        assert_eq!(c.category_label("retired-category"), "retired-category");
    }
}
