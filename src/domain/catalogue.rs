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
    /// P3-a, P2-a: a school's own file, with the line that is wrong.
    #[error("catalogue, line {line}: {message}")]
    AtLine { line: usize, message: String },
}

/// The longest id a catalogue may give anything: ids are kept inside
/// every record that names them.
const ID_CHARS: usize = 40;

/// The policy's clauses whose categories are always urgent (with P6.1-c).
const URGENT_CLAUSES: [&str; 4] = ["P6.1-c", "P6.1-d", "P6.1-f", "P5-g"];

/// The clause the seed catalogue gives category `id`, if it is one of
/// the seed's.
fn seed_clause(id: &str) -> Option<String> {
    static CLAUSES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    let seed = CLAUSES.get_or_init(|| {
        toml::from_str::<Catalogue>(SEED)
            .map(|c| c.categories.into_iter().map(|c| (c.id, c.clause)).collect())
            .unwrap_or_default()
    });
    seed.iter().find(|(i, _)| i == id).map(|(_, c)| c.clone())
}

/// The line where `id` is given as an id (`id = "aup"`), the `nth` such
/// line (0: the first).
fn id_line(text: &str, id: &str, nth: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            l.trim().strip_prefix("id").map(str::trim_start).and_then(|r| r.strip_prefix('=')).map(str::trim)
                == Some(&format!("\"{id}\""))
        })
        .nth(nth)
        .map(|(i, _)| i + 1)
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Default for Catalogue {
    fn default() -> Self {
        Self::seed()
    }
}

impl Category {
    /// P6.1-h: the category is about data or files that may be a
    /// specified offence (indecent images of children P6.1-c, illegal data
    /// P6.1-d, a member of staff's illegal content P5-g), or the school's
    /// own catalogue sends it to the police: a device held on such a
    /// concern goes to the police as soon as reasonably practicable.
    pub fn suspects_offence(&self) -> bool {
        matches!(self.clause.as_str(), "P6.1-c" | "P6.1-d" | "P5-g") || self.default_pathway == "police"
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

    /// The seed catalogue as written: the starting file for a school's own.
    pub fn seed_text() -> &'static str {
        SEED
    }

    /// A school's own catalogue file (P3-a, P2-a): parsed and checked, and
    /// any problem named by its line (a TOML error by where it is; an
    /// inconsistency by the line of the id it names).
    pub fn from_school_file(text: &str) -> Result<Self, CatalogueError> {
        let catalogue: Catalogue = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            CatalogueError::AtLine { line, message: e.message().trim().to_string() }
        })?;
        catalogue.validate().map_err(|e| {
            let message = match e {
                CatalogueError::Inconsistent(m) => m,
                other => other.to_string(),
            };
            // The line of the first quoted id the message names: where it
            // is given as an id (`id = "aup"`), the second such line for a
            // repeated one (found in review: the last mention anywhere was
            // named, e.g. a category's default_policy).
            let line = message
                .split('"')
                .nth(1)
                .and_then(|id| {
                    let nth = usize::from(message.contains("share"));
                    id_line(text, id, nth).or_else(|| text.find(&format!("\"{id}\"")).map(|at| line_of(text, at)))
                })
                .unwrap_or(1);
            CatalogueError::AtLine { line, message }
        })?;
        Ok(catalogue)
    }

    fn validate(&self) -> Result<(), CatalogueError> {
        let bad = |what: String| Err(CatalogueError::Inconsistent(what));
        if self.categories.is_empty() {
            return bad("it has no categories".into());
        }
        if self.locations.is_empty() {
            return bad("it has no locations".into());
        }
        // Ids are kept inside records: each names one thing, and is a short
        // word. Checked before the references to them, so a repeated id is
        // named as such (found in review).
        let lists: [(&str, Vec<&str>); 5] = [
            ("categories", self.categories.iter().map(|c| c.id.as_str()).collect()),
            ("locations", self.locations.iter().map(|c| c.id.as_str()).collect()),
            ("devices", self.devices.iter().map(|c| c.id.as_str()).collect()),
            ("pathways", self.pathways.iter().map(|c| c.id.as_str()).collect()),
            ("linked policies", self.linked_policies.iter().map(|c| c.id.as_str()).collect()),
        ];
        for (what, ids) in lists {
            for (i, id) in ids.iter().enumerate() {
                if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
                    return bad(format!(
                        "the id \"{}\" in {what} must be lower-case letters, digits and -",
                        id.escape_debug()
                    ));
                }
                if id.len() > ID_CHARS {
                    return bad(format!("the id \"{id}\" in {what} is longer than {ID_CHARS} characters"));
                }
                if ids[..i].contains(id) {
                    return bad(format!("two {what} share the id \"{id}\""));
                }
            }
        }
        for c in &self.categories {
            if self.linked_policy(&c.default_policy).is_none() {
                return bad(format!("category {} names unknown policy \"{}\"", c.id, c.default_policy));
            }
            if self.pathway(&c.default_pathway).is_none() {
                return bad(format!("category {} names unknown pathway \"{}\"", c.id, c.default_pathway));
            }
            // The policy's own safeguards are not the school's to switch off
            // (found in review): an indecent image of a child is referred
            // urgently and never copied (P6.1-c); illegal data (P6.1-d), a
            // search that found a risk (P6.1-f) and a member of staff's
            // illegal content (P5-g) are urgent.
            // A category the seed defines keeps the policy's clause, so the
            // rules below cannot be slipped by relabelling it (found in
            // review: indecent-image given clause P6-a lost both).
            if let Some(seed) = seed_clause(&c.id)
                && seed != c.clause
            {
                return bad(format!(
                    "category \"{}\" keeps the policy's clause {seed} (it was given {}): the clause is the \
                     policy's, not the school's to change",
                    c.id, c.clause
                ));
            }
            if c.clause == "P6.1-c" && !(c.urgent && c.forbids_attachments) {
                return bad(format!(
                    "category \"{}\" ({}) must keep urgent = true and forbids_attachments = true: the policy refers it \
                     urgently and casebook never stores such content",
                    c.id, c.clause
                ));
            }
            if URGENT_CLAUSES.contains(&c.clause.as_str()) && !c.urgent {
                return bad(format!(
                    "category \"{}\" ({}) must keep urgent = true: the policy refers it urgently",
                    c.id, c.clause
                ));
            }
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
    fn p3a_a_schools_file_names_the_wrong_line() {
        let seed = Catalogue::seed_text();
        assert!(Catalogue::from_school_file(seed).is_ok());
        let broken = seed.replacen("restricted = true", "restricted = maybe", 1);
        let line = broken.lines().position(|l| l.contains("maybe")).unwrap() + 1;
        let e = Catalogue::from_school_file(&broken).unwrap_err().to_string();
        assert!(e.starts_with(&format!("catalogue, line {line}: ")), "{e}");
        let twice = format!("{seed}\n[[locations]]\nid = \"toilets\"\nlabel = \"Toilets again\"\nrestricted = true\n");
        let line = twice.lines().count() - 2;
        let e = Catalogue::from_school_file(&twice).unwrap_err().to_string();
        assert_eq!(e, format!("catalogue, line {line}: two locations share the id \"toilets\""));
        let unknown = seed.replacen("default_policy = \"behaviour\"", "default_policy = \"nonesuch\"", 1);
        let line = unknown.lines().position(|l| l.contains("nonesuch")).unwrap() + 1;
        let e = Catalogue::from_school_file(&unknown).unwrap_err().to_string();
        assert!(e.starts_with(&format!("catalogue, line {line}: category")), "{e}");
    }

    /// Found in review: a repeated linked policy was named at a category
    /// that refers to it, a repeated pathway as an unknown one, an id with
    /// a newline broke the one-line message, and ids had no length limit.
    #[test]
    fn p3a_a_repeated_id_is_named_at_its_second_definition_and_ids_are_short_words() {
        let seed = Catalogue::seed_text();
        let twice = seed.replacen("id = \"staff-conduct\"", "id = \"aup\"", 1);
        let line = twice.lines().enumerate().filter(|(_, l)| l.trim() == "id = \"aup\"").nth(1).unwrap().0 + 1;
        let e = Catalogue::from_school_file(&twice).unwrap_err().to_string();
        assert_eq!(e, format!("catalogue, line {line}: two linked policies share the id \"aup\""));
        let pathway = seed.replacen("id = \"police\"", "id = \"advice\"", 1);
        let e = Catalogue::from_school_file(&pathway).unwrap_err().to_string();
        assert!(e.contains("two pathways share the id \"advice\""), "{e}");
        let newline = seed.replacen("id = \"toilets\"", "id = \"toi\\nlets\"", 1);
        let e = Catalogue::from_school_file(&newline).unwrap_err().to_string();
        assert!(!e.contains('\n') && e.contains("toi\\nlets"), "{e}");
        let long = seed.replacen("id = \"toilets\"", &format!("id = \"{}\"", "t".repeat(500)), 1);
        let e = Catalogue::from_school_file(&long).unwrap_err().to_string();
        assert!(e.contains("longer than 40 characters"), "{e}");
    }

    /// Found in review: a school's file could switch off the policy's own
    /// safeguards: P6.1-c's refusal of every attachment, and the urgency of
    /// P6.1-c, P6.1-d, P6.1-f and P5-g. The wrong category's line is named.
    #[test]
    fn p61c_the_policys_safeguards_cannot_be_switched_off_by_a_schools_file() {
        let seed = Catalogue::seed_text();
        let category_line =
            |text: &str, id: &str| text.lines().position(|l| l.trim() == format!("id = \"{id}\"")).unwrap() + 1;
        let no_refusal = seed.replacen("forbids_attachments = true", "forbids_attachments = false", 1);
        let e = Catalogue::from_school_file(&no_refusal).unwrap_err().to_string();
        let line = category_line(&no_refusal, "indecent-image");
        assert!(
            e.starts_with(&format!("catalogue, line {line}: category \"indecent-image\" (P6.1-c) must keep")),
            "{e}"
        );
        // Nor by giving the category another clause.
        let relabelled = seed.replacen("clause = \"P6.1-c\"", "clause = \"P6-a\"", 1);
        let e = Catalogue::from_school_file(&relabelled).unwrap_err().to_string();
        assert!(e.contains("category \"indecent-image\" keeps the policy's clause P6.1-c"), "{e}");
        for id in ["indecent-image", "illegal-data", "search-risk", "staff-illegal"] {
            let at = seed.find(&format!("id = \"{id}\"")).unwrap();
            let urgent = at + seed[at..].find("urgent = true").unwrap();
            let routine = format!("{}urgent = false{}", &seed[..urgent], &seed[urgent + "urgent = true".len()..]);
            let e = Catalogue::from_school_file(&routine).unwrap_err().to_string();
            assert!(e.contains(&format!("category \"{id}\"")) && e.contains("must keep urgent = true"), "{id}: {e}");
        }
    }

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
        assert!(err.to_string().contains("unknown pathway \"nowhere\""), "{err}");
    }

    #[test]
    fn unknown_ids_display_as_themselves() {
        let c = Catalogue::seed();
        assert_eq!(c.category_label("retired-category"), "retired-category");
    }
}
