//! `casebook search`: searches of a device (issue 13: P6.1-e, P6.1-f,
//! P6.1-g), and `casebook member authorise` (P6.1-g). Everything goes
//! through the store's session, as the TUI does.

use anyhow::{Result, anyhow};
use clap::Subcommand;
use serde::Serialize;

use super::Cli;
use crate::domain::custody::parse_custody_label;
use crate::domain::searches::{DataAction, DeviceSearch, NewSearch, searches_text};
use crate::store::searches::Escalation;
use crate::text::safe;

#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Record a search of a device on a concern (P6.1-e; DSL or deputy)
    Add(Box<SearchArgs>),
    /// A concern's searches
    List {
        /// The concern: C-2026-0001, 2026-1, or 1
        reference: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// The concern: C-2026-0001, 2026-1, or 1
    pub reference: String,
    /// The device searched, in words [default: the device in custody, or "the device"]
    #[arg(long)]
    pub device: Option<String>,
    /// The device in custody it searched (DV-0001)
    #[arg(long)]
    pub custody: Option<String>,
    /// Who authorised the search (the headteacher or authorised staff)
    #[arg(long = "authorised-by")]
    pub authorised_by: String,
    /// Who searched it [default: you]
    #[arg(long = "searched-by")]
    pub searched_by: Option<String>,
    /// Who witnessed the search
    #[arg(long = "witnessed-by")]
    pub witnessed_by: String,
    /// When, YYYY-MM-DD HH:MM [default: now]
    #[arg(long)]
    pub when: Option<String>,
    /// Why it was searched
    #[arg(long)]
    pub grounds: String,
    /// What was looked for
    #[arg(long = "looked-for")]
    pub looked_for: String,
    /// What was found ("nothing" if nothing)
    #[arg(long)]
    pub found: String,
    /// Whether data was examined or erased (P6.1-g: only members the DSL has authorised)
    #[arg(long, default_value = "none", value_parser = super::Listed(data_actions))]
    pub data: String,
    /// The good reason data was examined or erased (P6.1-g)
    #[arg(long = "data-reason")]
    pub data_reason: Option<String>,
    /// The search revealed a safeguarding risk: the concern becomes urgent (P6.1-f)
    #[arg(long = "safeguarding-risk")]
    pub safeguarding_risk: bool,
}

fn data_actions() -> Vec<String> {
    DataAction::ALL.iter().map(|a| a.id().to_string()).collect()
}

#[derive(Serialize)]
struct SearchJson<'a> {
    label: String,
    #[serde(flatten)]
    search: &'a DeviceSearch,
}

pub fn search(cli: &Cli, command: &SearchCommand) -> Result<()> {
    match command {
        SearchCommand::Add(args) => {
            let now = super::now();
            let data = DataAction::parse(&args.data)
                .ok_or_else(|| anyhow!("--data {:?}: use {}", args.data, data_actions().join(", ")))?;
            let custody = args
                .custody
                .as_deref()
                .map(|t| parse_custody_label(t).ok_or_else(|| anyhow!("{t:?} is not a device; write it as DV-0001")))
                .transpose()?;
            let at = args.when.as_deref().map(super::parse_when).transpose()?.unwrap_or(now);
            let mut session = cli.session()?;
            let (id, reference) = session.resolve(&args.reference)?;
            let device = match (&args.device, custody) {
                (Some(d), _) => d.clone(),
                (None, Some(c)) => {
                    let c = session.custody(c)?;
                    c.device_words(session.catalogue().device_label(&c.device))
                }
                (None, None) => "the device".to_string(),
            };
            let new = NewSearch {
                custody,
                device,
                authorised_by: args.authorised_by.clone(),
                searched_by: args.searched_by.clone().unwrap_or_default(),
                witnessed_by: args.witnessed_by.clone(),
                at,
                grounds: args.grounds.clone(),
                looked_for: args.looked_for.clone(),
                found: args.found.clone(),
                data,
                data_reason: args.data_reason.clone().unwrap_or_default(),
                safeguarding_risk: args.safeguarding_risk,
            };
            let (s, escalation) = session.record_search(id, new, now)?;
            let then = match escalation {
                Escalation::None => String::new(),
                Escalation::MadeUrgent => {
                    format!(" It revealed a safeguarding risk: {reference} is now URGENT (P6.1-f).")
                }
                Escalation::Noted => {
                    format!(
                        " It revealed a safeguarding risk: {reference} was urgent already; noted in its chronology (P6.1-f)."
                    )
                }
            };
            say!("Recorded {} on {reference}.{then}", s.label());
            Ok(())
        }
        SearchCommand::List { reference, json } => {
            let mut session = cli.session()?;
            let (id, reference) = session.resolve(reference)?;
            let searches = session.searches(id)?;
            super::warn_damaged(&searches.damaged);
            if *json {
                let rows: Vec<SearchJson> =
                    searches.iter().map(|s| SearchJson { label: s.label(), search: s }).collect();
                out!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                say!("{reference}");
                out_raw!("{}", safe(&searches_text(&searches)));
            }
            Ok(())
        }
    }
}

/// The searches section `casebook show` prints after the case file.
pub fn show_section(session: &crate::store::Session, id: u32) -> Result<()> {
    let searches = session.searches(id)?;
    super::warn_damaged(&searches.damaged);
    out_raw!("{}", safe(&searches_text(&searches)));
    Ok(())
}

/// `casebook member authorise N [--revoke]` (P6.1-g; DSL only).
pub fn authorise(cli: &Cli, id: u32, revoke: bool) -> Result<()> {
    let mut session = cli.session()?;
    let name = session.authorise_member(id, !revoke)?;
    if revoke {
        say!("{name} (member #{id}) may no longer record that data was examined or erased (P6.1-g).");
    } else {
        say!("{name} (member #{id}) may now record that data on a device was examined or erased (P6.1-g).");
    }
    Ok(())
}
