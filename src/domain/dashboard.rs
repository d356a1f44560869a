//! The leadership dashboard (P9-d, P9-e, P8-a): actions, debriefs, the
//! anonymised figures and the policy's review status together, as counts
//! and statuses, with no concern detail.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::action::{Action, ActionCounts, action_order};
use super::debrief::Debrief;
use super::figures::Figures;
use super::policy::{PolicyStatus, TrackedPolicy};

/// Debriefs held per month: (first day of the month, count), oldest first.
pub fn debriefs_by_month(debriefs: &[Debrief]) -> Vec<(NaiveDate, u32)> {
    let mut months: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for d in debriefs {
        let first = d.held_on.with_day(1).expect("every month has a first day");
        *months.entry(first).or_default() += 1;
    }
    months.into_iter().collect()
}

/// An English school term, approximated by the calendar: autumn is
/// September to December, spring January to March, summer April to August.
/// (A school's own term dates can replace this when the catalogue has them.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Term {
    pub fn containing(date: NaiveDate) -> Term {
        let y = date.year();
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("fixed term dates exist");
        let (name, start, end) = match date.month() {
            9..=12 => ("Autumn", ymd(y, 9, 1), ymd(y, 12, 31)),
            1..=3 => ("Spring", ymd(y, 1, 1), ymd(y, 3, 31)),
            _ => ("Summer", ymd(y, 4, 1), ymd(y, 8, 31)),
        };
        Term { label: format!("{name} term {y}"), start, end }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

/// Everything the leadership dashboard shows (P9-d, P9-e, P8-a), as
/// counts and statuses: no concern detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub today: NaiveDate,
    pub term: Term,
    pub actions: ActionCounts,
    /// Overdue actions, most overdue first.
    pub overdue_actions: Vec<Action>,
    pub debriefs_this_term: usize,
    pub debriefs_total: usize,
    pub latest_debrief: Option<NaiveDate>,
    /// `None` until a DSL or deputy has opened the board since figures began.
    pub figures: Option<Figures>,
    pub policies: Vec<PolicyStatus>,
}

impl Dashboard {
    pub fn compute(
        today: NaiveDate,
        debriefs: &[Debrief],
        actions: &[Action],
        policies: &[TrackedPolicy],
        figures: Option<Figures>,
    ) -> Self {
        let term = Term::containing(today);
        let mut overdue_actions: Vec<Action> = actions.iter().filter(|a| a.is_overdue(today)).cloned().collect();
        overdue_actions.sort_by(action_order);
        Dashboard {
            today,
            actions: ActionCounts::of(actions, today),
            overdue_actions,
            debriefs_this_term: debriefs.iter().filter(|d| term.contains(d.held_on)).count(),
            debriefs_total: debriefs.len(),
            latest_debrief: debriefs.iter().map(|d| d.held_on).max(),
            figures,
            policies: policies.iter().map(|p| p.status(today)).collect(),
            term,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{action, at, d, debrief, dsl, row, seed_policy};
    use crate::domain::{ActionStatus, Status};

    #[test]
    fn terms_follow_the_calendar_approximation() {
        assert_eq!(Term::containing(d(2026, 3, 20)).label, "Spring term 2026");
        assert_eq!(Term::containing(d(2026, 4, 1)).start, d(2026, 4, 1));
        assert_eq!(Term::containing(d(2025, 12, 31)).label, "Autumn term 2025");
        assert!(!Term::containing(d(2026, 3, 20)).contains(d(2025, 12, 31)));
    }

    #[test]
    fn dashboard_brings_actions_debriefs_figures_and_policy_together() {
        let today = d(2026, 3, 25);
        let mut older = debrief();
        older.id = 2;
        older.held_on = d(2025, 11, 5);
        let debriefs = vec![debrief(), older];
        let late = action(d(2026, 3, 22));
        let mut done = action(d(2026, 3, 30));
        done.id = 5;
        done.change_status(ActionStatus::Done, "Done.", &dsl(), at(2026, 3, 24, 9)).unwrap();
        let dash = Dashboard::compute(
            today,
            &debriefs,
            &[late, done],
            &[seed_policy()],
            Some(Figures::from_rows(&[row("other", Status::Closed)], at(2026, 3, 25, 8))),
        );
        assert_eq!(dash.term.label, "Spring term 2026");
        assert_eq!((dash.debriefs_this_term, dash.debriefs_total), (1, 2));
        assert_eq!(dash.latest_debrief, Some(d(2026, 3, 20)));
        assert_eq!(dash.actions.overdue, 1);
        assert_eq!(dash.actions.done, 1);
        assert_eq!(dash.overdue_actions.len(), 1);
        assert!(dash.policies[0].overdue);
        assert_eq!(dash.policies[0].next_due, d(2025, 6, 1));
        assert_eq!(dash.figures.unwrap().total(), 1);
        assert_eq!(
            debriefs_by_month(&debriefs),
            vec![(d(2025, 11, 1), 1), (d(2026, 3, 1), 1)],
            "debriefs per month, oldest first"
        );
    }
}
