//! The anonymised figures leadership may see (P9-e): counts of concerns by
//! category and status, with no names, references or dates of individual
//! concerns.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::concern::Status;
use super::summary::CaseSummary;

/// How many concerns of one category are in one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    /// Catalogue category id.
    pub category: String,
    pub status: Status,
    pub count: u32,
}

/// Counts of concerns by category and status: no names, no references, no
/// dates of individual concerns. Leadership reads these (P9-e) from a
/// record of their own, since they cannot open the case index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// When the counts were taken (they lag until the DSL's next save).
    pub computed_at: NaiveDateTime,
    /// Sorted by category id, then status.
    pub counts: Vec<CategoryCount>,
    /// P9-c: closed concerns the DSL decided needed no debrief (also
    /// counted as closed above). Format 2 of the record; see `store::codec`.
    pub closed_without_debrief: u32,
}

impl Figures {
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = &'a CaseSummary>, computed_at: NaiveDateTime) -> Self {
        let mut counts: BTreeMap<(&str, Status), u32> = BTreeMap::new();
        let mut closed_without_debrief = 0;
        for r in rows {
            *counts.entry((r.category.as_str(), r.status)).or_default() += 1;
            closed_without_debrief += u32::from(r.closed_without_debrief);
        }
        Figures {
            computed_at,
            closed_without_debrief,
            counts: counts
                .into_iter()
                .map(|((category, status), count)| CategoryCount { category: category.to_string(), status, count })
                .collect(),
        }
    }

    /// Adds up figures kept in parts (one per shard of the board index, so
    /// one write re-counts one shard). Fresh as of the latest part.
    pub fn merge(parts: impl IntoIterator<Item = Figures>) -> Option<Figures> {
        let mut counts: BTreeMap<(String, Status), u32> = BTreeMap::new();
        let mut computed_at: Option<NaiveDateTime> = None;
        let mut closed_without_debrief = 0;
        for part in parts {
            computed_at = computed_at.max(Some(part.computed_at));
            closed_without_debrief += part.closed_without_debrief;
            for c in part.counts {
                *counts.entry((c.category, c.status)).or_default() += c.count;
            }
        }
        Some(Figures {
            computed_at: computed_at?,
            closed_without_debrief,
            counts: counts
                .into_iter()
                .map(|((category, status), count)| CategoryCount { category, status, count })
                .collect(),
        })
    }

    pub fn total(&self) -> u32 {
        self.counts.iter().map(|c| c.count).sum()
    }

    pub fn count(&self, status: Status) -> u32 {
        self.counts.iter().filter(|c| c.status == status).map(|c| c.count).sum()
    }

    /// Every status in lifecycle order, including those with none.
    pub fn by_status(&self) -> Vec<(Status, u32)> {
        Status::ALL.into_iter().map(|s| (s, self.count(s))).collect()
    }

    /// Categories with any concerns, by id.
    /// P2-a: the counts grouped by the linked policy each category is
    /// handled under (the catalogue's default for it; a category the
    /// catalogue no longer knows, or a restricted allegation's redacted
    /// row, counts under its own id).
    pub fn by_policy(&self, catalogue: &super::Catalogue) -> Vec<(String, u32)> {
        let mut out: BTreeMap<String, u32> = BTreeMap::new();
        for c in &self.counts {
            let policy = catalogue.category(&c.category).map_or(c.category.clone(), |cat| cat.default_policy.clone());
            *out.entry(policy).or_default() += c.count;
        }
        out.into_iter().collect()
    }

    pub fn by_category(&self) -> Vec<(String, u32)> {
        let mut out: Vec<(String, u32)> = Vec::new();
        for c in &self.counts {
            match out.last_mut() {
                Some((cat, n)) if *cat == c.category => *n += c.count,
                _ => out.push((c.category.clone(), c.count)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{at, row};

    #[test]
    fn figures_count_by_category_and_status_without_names() {
        let rows = vec![
            row("restricted-area", Status::Closed),
            row("restricted-area", Status::Closed),
            row("restricted-area", Status::New),
            row("abusive-messages", Status::AwaitingDebrief),
        ];
        let mut rows = rows;
        rows[1].closed_without_debrief = true;
        let f = Figures::from_rows(&rows, at(2026, 3, 20, 9));
        assert_eq!(f.total(), 4);
        assert_eq!(f.closed_without_debrief, 1, "P9-c: the DSL's decisions are counted");
        assert_eq!(f.count(Status::Closed), 2);
        assert_eq!(f.by_category(), vec![("abusive-messages".to_string(), 1), ("restricted-area".to_string(), 3)]);
        // P2-a: grouped by the policy each category is handled under.
        let seed = crate::domain::Catalogue::seed();
        let by_policy = f.by_policy(&seed);
        assert_eq!(by_policy.iter().map(|(_, n)| n).sum::<u32>(), 4);
        let behaviour = seed.category("restricted-area").unwrap().default_policy.clone();
        assert!(by_policy.iter().any(|(p, n)| *p == behaviour && *n >= 3), "{by_policy:?}");
        assert_eq!(f.by_status()[0], (Status::New, 1));
        assert_eq!(f.by_status().len(), 5, "every status, even with none");
        let json = serde_json::to_string(&f).unwrap();
        assert!(!json.contains("Pupil Secret") && !json.contains("C-2026"), "{json}");
    }
}
