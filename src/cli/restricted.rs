//! `casebook restrict REF`: the DSL restricts an allegation against staff
//! to the DSL(s) and the members named (issue 13: P5-f, P5-g).

use anyhow::Result;

use super::Cli;
use crate::text::safe;

pub fn restrict(cli: &Cli, reference: &str, allow: &[u32], exclude: &[u32], reason: &str) -> Result<()> {
    let mut session = cli.session()?;
    let (id, reference) = session.resolve(reference)?;
    let r = session.restrict(id, allow, exclude, reason, super::now())?;
    let names: Vec<String> =
        r.readers(session.members()).iter().map(|m| format!("{} (#{})", safe(&m.name), m.id)).collect();
    let out: Vec<String> = r
        .excluded
        .iter()
        .map(|id| session.member(*id).map_or(format!("#{id}"), |m| format!("{} (#{id})", safe(&m.name))))
        .collect();
    say!("{reference} is restricted: readable only by {}.", names.join(", "));
    if !out.is_empty() {
        say!("Excluded: {}.", out.join(", "));
    }
    Ok(())
}

/// The line `casebook show` prints for a restricted concern (its readers).
pub fn show_line(session: &crate::store::Session, id: u32) -> Result<()> {
    if let Some(r) = session.restriction(id)? {
        let names: Vec<String> = r.readers(session.members()).iter().map(|m| safe(&m.name).into_owned()).collect();
        out!("\nRestricted (P5-g): readable only by {}.", names.join(", "));
    }
    Ok(())
}
