//! `casebook custody`: confiscated devices and their chain of custody
//! (issue 13: P6.1-a, P6.1-b, P6.1-d, P6.1-h). Everything goes through the
//! store's session, as the TUI does.

use anyhow::{Result, anyhow, bail};
use clap::Subcommand;
use serde::Serialize;

use super::Cli;
use crate::domain::custody::{DEFAULT_HELD_AT, custody_text, parse_custody_label};
use crate::domain::person::parse_person_id;
use crate::domain::{Custody, CustodyMove, NewCustody, NewCustodyEvent, Whereabouts};
use crate::text::safe;

#[derive(Debug, Subcommand)]
pub enum CustodyCommand {
    /// Record a device confiscated on a concern (P6.1-a; DSL or deputy)
    Add(Box<AddArgs>),
    /// Record a device moved to another secure place (P6.1-b)
    Move {
        /// The device: DV-0001 or 1
        id: String,
        /// Where it is now
        #[arg(long)]
        to: String,
        #[command(flatten)]
        event: EventArgs,
    },
    /// Record a device returned to a named parent/carer (P6.1-b)
    Return {
        /// The device: DV-0001 or 1
        id: String,
        /// The parent/carer who collected it
        #[arg(long = "collected-by")]
        collected_by: String,
        /// Who released it [default: you]
        #[arg(long = "released-by")]
        released_by: Option<String>,
        /// Whether they signed for it: yes or no
        #[arg(long)]
        signature: String,
        #[command(flatten)]
        event: EventArgs,
    },
    /// Record a device handed to the police, with their reference (P6.1-d, P6.1-h)
    Police {
        /// The device: DV-0001 or 1
        id: String,
        /// The police reference (crime number)
        #[arg(long)]
        reference: String,
        /// The officer it was handed to
        #[arg(long)]
        officer: Option<String>,
        #[command(flatten)]
        event: EventArgs,
    },
    /// Record that a device's latest event was recorded in error (both are kept)
    Correct {
        /// The device: DV-0001 or 1
        id: String,
        /// The event recorded in error (its number in `custody show`)
        #[arg(long)]
        event: u32,
        /// What was wrong with it
        #[arg(long)]
        note: String,
    },
    /// The custody register: devices held now, longest held first, then those returned or handed over
    List {
        /// Only the devices held now
        #[arg(long)]
        held: bool,
        /// Only those whose owner, device, place or concern contains this
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One device's chain of custody
    Show {
        /// The device: DV-0001 or 1
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The concern: C-2026-0001, 2026-1, or 1
    pub reference: String,
    /// The device, from the catalogue
    #[arg(long, value_parser = super::Listed(devices))]
    pub device: String,
    /// Make, colour, case: enough to hand back the right one
    #[arg(long)]
    pub description: Option<String>,
    /// The owner: a person on record (P-0012) or their name
    #[arg(long)]
    pub owner: String,
    /// Who confiscated it [default: you]
    #[arg(long)]
    pub by: Option<String>,
    /// When, YYYY-MM-DD HH:MM [default: now]
    #[arg(long)]
    pub when: Option<String>,
    /// Why: what it was believed to be used for (P6.1-a)
    #[arg(long)]
    pub reason: String,
    /// Where it is held [default: the school office]
    #[arg(long = "held-at")]
    pub held_at: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct EventArgs {
    /// When it happened, YYYY-MM-DD HH:MM [default: now]
    #[arg(long)]
    pub when: Option<String>,
    /// Anything worth keeping with it
    #[arg(long)]
    pub note: Option<String>,
    /// The event this one corrects (its number in `custody show`); both are kept
    #[arg(long)]
    pub corrects: Option<u32>,
}

fn devices() -> Vec<String> {
    crate::domain::Catalogue::seed().devices.iter().map(|d| d.id.clone()).collect()
}

fn device_id(text: &str) -> Result<u32> {
    parse_custody_label(text).ok_or_else(|| anyhow!("{text:?} is not a device in custody; write it as DV-0001"))
}

fn yes_no(text: &str, what: &str) -> Result<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" => Ok(false),
        other => bail!("--{what} {other:?}: say yes or no"),
    }
}

fn event(args: &EventArgs, change: CustodyMove) -> Result<NewCustodyEvent> {
    let at = args.when.as_deref().map(super::parse_when).transpose()?.unwrap_or_else(super::now);
    Ok(NewCustodyEvent { at, change, note: args.note.clone().unwrap_or_default(), corrects: args.corrects })
}

/// A device as `--json` prints it.
#[derive(Serialize)]
struct CustodyJson<'a> {
    label: String,
    device_label: String,
    whereabouts: Whereabouts,
    held: bool,
    #[serde(flatten)]
    custody: &'a Custody,
}

fn json_of<'a>(c: &'a Custody, session: &crate::store::Session) -> CustodyJson<'a> {
    CustodyJson {
        label: c.label(),
        device_label: session.catalogue().device_label(&c.device).to_string(),
        whereabouts: c.whereabouts(),
        held: c.is_held(),
        custody: c,
    }
}

pub fn custody(cli: &Cli, command: &CustodyCommand) -> Result<()> {
    let now = super::now();
    let record = |id: &str, change: CustodyMove, args: &EventArgs| -> Result<()> {
        let id = device_id(id)?;
        let new = event(args, change)?;
        let mut session = cli.session()?;
        let c = session.custody_event(id, new, now)?;
        let e = c.events.last().expect("an event was recorded");
        let corrects = e.corrects.map(|n| format!("; it corrects event {n} (both are kept)")).unwrap_or_default();
        say!("{} event {}: {}{corrects}. Now {}.", c.label(), e.seq, e.change.words(), c.whereabouts().words());
        Ok(())
    };
    match command {
        CustodyCommand::Add(args) => {
            let confiscated_at = args.when.as_deref().map(super::parse_when).transpose()?.unwrap_or(now);
            let owner_person = args
                .owner
                .trim()
                .get(..2)
                .filter(|p| p.eq_ignore_ascii_case("P-"))
                .and_then(|_| parse_person_id(&args.owner));
            let new = NewCustody {
                device: args.device.trim().to_string(),
                description: args.description.clone().unwrap_or_default(),
                owner: if owner_person.is_some() { String::new() } else { args.owner.clone() },
                owner_person,
                confiscated_by: args.by.clone().unwrap_or_default(),
                confiscated_at,
                reason: args.reason.clone(),
                held_at: args.held_at.clone().unwrap_or_else(|| DEFAULT_HELD_AT.to_string()),
            };
            let mut session = cli.session()?;
            let (id, reference) = session.resolve(&args.reference)?;
            new.check_against(&session.case(id)?.concern).map_err(|e| anyhow!(e))?;
            let c = session.confiscate(id, new, now)?;
            say!(
                "Recorded {} on {reference}: {} of {}, held in {}.",
                c.label(),
                c.device_words(session.catalogue().device_label(&c.device)),
                c.owner,
                c.held_at
            );
            Ok(())
        }
        CustodyCommand::Move { id, to, event: args } => record(id, CustodyMove::Moved { to: to.clone() }, args),
        CustodyCommand::Return { id, collected_by, released_by, signature, event: args } => {
            let signature = yes_no(signature, "signature")?;
            // Empty: the store puts the member recording it.
            let released_by = released_by.clone().unwrap_or_default();
            record(id, CustodyMove::Returned { released_by, collected_by: collected_by.clone(), signature }, args)
        }
        CustodyCommand::Police { id, reference, officer, event: args } => record(
            id,
            CustodyMove::Police { reference: reference.clone(), officer: officer.clone().unwrap_or_default() },
            args,
        ),
        CustodyCommand::Correct { id, event: seq, note } => record(
            id,
            CustodyMove::Correction,
            &EventArgs { when: None, note: Some(note.clone()), corrects: Some(*seq) },
        ),
        CustodyCommand::List { held, search, json } => {
            let session = cli.session()?;
            let mut register = session.custody_register()?;
            super::warn_damaged(&register.damaged);
            if *held {
                register.items.retain(Custody::is_held);
            }
            if let Some(q) = search.as_deref().map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty()) {
                register.items.retain(|c| {
                    [
                        &c.owner,
                        &c.description,
                        &c.device,
                        &c.case_reference,
                        &c.held_at,
                        &c.label(),
                        &c.whereabouts().words(),
                    ]
                    .iter()
                    .any(|t| t.to_lowercase().contains(&q))
                });
            }
            if *json {
                let rows: Vec<CustodyJson> = register.items.iter().map(|c| json_of(c, &session)).collect();
                out!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(());
            }
            if register.items.is_empty() {
                say!("No device {}.", if *held { "is held now" } else { "has been confiscated" });
                return Ok(());
            }
            let calendar = session.calendar()?;
            let today = now.date();
            out!("{:<8} {:<12} {:<22} {:<22} {:<8} WHERE", "DEVICE", "CONCERN", "WHAT", "OWNER", "HELD");
            for c in register.items.iter() {
                let held =
                    if c.is_held() { format!("{}wd", c.working_days_held(&calendar, today)) } else { "-".to_string() };
                say!(
                    "{:<8} {:<12} {:<22} {:<22} {:<8} {}",
                    c.label(),
                    c.case_reference,
                    crate::text::fit(session.catalogue().device_label(&c.device), 22),
                    crate::text::fit(&c.owner, 22),
                    held,
                    c.whereabouts().words()
                );
            }
            Ok(())
        }
        CustodyCommand::Show { id, json } => {
            let session = cli.session()?;
            let c = session.custody(device_id(id)?)?;
            if *json {
                out!("{}", serde_json::to_string_pretty(&json_of(&c, &session))?);
            } else {
                say!("{} on {}", c.label(), c.case_reference);
                out_raw!("{}", safe(&c.chain_text(session.catalogue().device_label(&c.device))));
            }
            Ok(())
        }
    }
}

/// The custody section `casebook show` prints after the case file.
pub fn show_section(session: &crate::store::Session, id: u32) -> Result<()> {
    let devices = session.custody_of(id)?;
    super::warn_damaged(&devices.damaged);
    out_raw!("{}", safe(&custody_text(&devices, |d| session.catalogue().device_label(d).to_string())));
    Ok(())
}
