//! `casebook retention` and `casebook dispose REF` (S-d): the closed
//! concerns past retention with the basis, and their recorded, audited
//! disposal (the DSL only); `casebook retention --disposed` lists the
//! disposal records. `casebook people erase` (S-e) is in `people.rs`.

use anyhow::{Result, bail};

use super::Cli;
use crate::domain::retention::Disposal;
use crate::text::safe;

pub fn retention(cli: &Cli, json: bool, on: Option<&str>, disposed: bool) -> Result<()> {
    let today = on.map(super::parse_date).transpose()?.unwrap_or_else(|| super::now().date());
    let mut session = cli.session()?;
    if disposed {
        let listed = session.disposals()?;
        super::warn_damaged(&listed.damaged);
        if json {
            let rows: Vec<&Disposal> = listed.iter().map(|(_, d)| d).collect();
            out!("{}", serde_json::to_string_pretty(&rows)?);
            return Ok(());
        }
        if listed.is_empty() {
            say!("Nothing has been disposed of.");
        }
        for (_, d) in listed.iter() {
            say!(
                "{}  disposed {} by {}: {}{} [{}]",
                d.label(),
                d.disposed_at.format("%Y-%m-%d %H:%M"),
                d.by.name,
                d.reason,
                d.early.as_ref().map(|e| format!(" (early: {e})")).unwrap_or_default(),
                d.basis
            );
        }
        return Ok(());
    }
    let listed = session.past_retention(today)?;
    super::warn_damaged(&listed.damaged);
    if json {
        out!("{}", serde_json::to_string_pretty(&*listed)?);
        return Ok(());
    }
    if listed.is_empty() {
        say!("No closed concern is past retention on {today} (S-d).");
        return Ok(());
    }
    say!(
        "{} closed concern{} past retention on {today} (S-d); dispose of each with `casebook dispose REF --reason …`:",
        listed.len(),
        if listed.len() == 1 { " is" } else { "s are" }
    );
    for p in listed.iter() {
        say!("{:<12} {}", p.reference, p.retention.basis());
    }
    Ok(())
}

pub fn dispose(cli: &Cli, reference: &str, reason: &str, early: Option<&str>) -> Result<()> {
    if early.is_some_and(|e| e.trim().is_empty()) {
        bail!("--early needs the reason the concern goes before its retention ends; nothing was deleted");
    }
    let mut session = cli.session()?;
    let (id, reference) = session.resolve(reference)?;
    let d = session.dispose_concern(id, reason, early, super::now())?;
    say!(
        "Disposed of {reference} and every record of it; the disposal record keeps the reference, the date, you, \
         the reason and the basis ({}).",
        d.basis
    );
    if let Some(e) = &d.early {
        say!("Before its retention ended, for the reason recorded: {}", safe(e));
    }
    Ok(())
}
