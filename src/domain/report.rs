//! Plain-text renderings of records, for `casebook show` and exports. A
//! case file must read on its own, outside casebook (PRODUCT.md principle 2),
//! and is read in a terminal: every control character a member typed is
//! shown as a visible escape ([`crate::text::safe`]; PRODUCT.md 7d).
//!
//! A pure function of the case and the catalogue, so it lives with them:
//! the store seals it for an export and the CLI prints it, and neither has
//! to reach into the other for it.

use std::fmt::Write;

use crate::domain::{CaseFile, Catalogue};

const DATE_TIME: &str = "%a %d %b %Y %H:%M";

/// The whole case: concern, triage decisions and the full chronology.
pub fn case_file_text(case: &CaseFile, catalogue: &Catalogue) -> String {
    let c = &case.concern;
    let mut out = String::new();
    let mut line = |label: &str, value: &str| {
        let _ = writeln!(out, "{label:<20}{value}");
    };
    line("Concern", &c.reference);
    line("Status", case.status.label());
    line("Urgency", case.urgency(catalogue).label());
    line("Category", catalogue.category_label(&c.category));
    if let Some(cat) = catalogue.category(&c.category) {
        line("Policy clause", &cat.clause);
    }
    let location = catalogue.location(&c.location);
    let restricted = if location.is_some_and(|l| l.restricted) { " (restricted area, P3-a)" } else { "" };
    line("Location", &format!("{}{restricted}", catalogue.location_label(&c.location)));
    let devices: Vec<&str> = c.devices.iter().map(|d| catalogue.device_label(d)).collect();
    line("Devices", &if devices.is_empty() { "none recorded".to_string() } else { devices.join(", ") });
    line("Source", c.source.label());
    line("Happened", &c.occurred_at.format(DATE_TIME).to_string());
    line("Reported", &format!("{} by {}", c.reported_at.format(DATE_TIME), c.reported_by));
    line("Recorded by", &c.recorded_by.name);
    for s in &c.subjects {
        line("Subject", &s.summary());
    }
    let _ = writeln!(out, "\nWhat happened\n{}\n", c.description.trim());
    let action = if c.immediate_action.trim().is_empty() { "none recorded" } else { c.immediate_action.trim() };
    let _ = writeln!(out, "Immediate action\n{action}\n");
    match case.current_triage() {
        None => out.push_str("Triage\nnot yet triaged\n\n"),
        Some(t) => {
            let _ = writeln!(
                out,
                "Triage ({} decision{})",
                case.triage.len(),
                if case.triage.len() == 1 { "" } else { "s" }
            );
            let _ = writeln!(out, "  risk {}, {}", t.risk.label(), t.urgency.label());
            let _ = writeln!(out, "  pathway: {}", catalogue.pathway_label(&t.pathway));
            let _ = writeln!(out, "  handled under: {}", catalogue.policy_label(&t.linked_policy));
            let _ = writeln!(out, "  assigned to: {}", t.assignee.as_ref().map_or("nobody", |a| a.name.as_str()));
            if let Some(d) = t.next_review {
                let _ = writeln!(out, "  next review: {}", d.format("%a %d %b %Y"));
            }
            let _ = writeln!(out, "  decided by {} on {}", t.decided_by.name, t.decided_at.format(DATE_TIME));
            let _ = writeln!(out, "  reasoning: {}\n", t.reasoning.trim());
        }
    }
    out.push_str("Chronology\n");
    for e in &case.chronology {
        let superseded = if case.is_superseded(e.seq) { " [superseded]" } else { "" };
        let corrects = e.supersedes.map(|s| format!(" (corrects #{s})")).unwrap_or_default();
        let _ = writeln!(
            out,
            "#{} {} {} — {}{}{}\n    {}",
            e.seq,
            e.at.format(DATE_TIME),
            e.kind.label(),
            e.author.name,
            corrects,
            superseded,
            e.text.replace('\n', "\n    ")
        );
    }
    crate::text::safe(&out).into_owned()
}
