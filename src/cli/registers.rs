//! `casebook register add|list|show`: the staff and visitor registers
//! (issue 13): the permission log (P5-a), remote-learning approvals
//! (P5-e), the disclosure register (P5-c, the DSL only) and visitor device
//! arrangements (P7-b), and the optional school-device register (P4-a)
//! and awareness log (P8-c). Everything goes through the store's session.

use anyhow::{Result, anyhow, bail};
use clap::Subcommand;

use super::Cli;
use crate::domain::register::{NewRegisterEntry, RegisterEntry, RegisterKind, in_register};
use crate::text::safe;

#[derive(Debug, Subcommand)]
pub enum RegisterCommand {
    /// Record an entry (DSL or deputy; a disclosure, the DSL only)
    ///
    /// permission (P5-a): --who --reason (why) --granted-by (the headteacher) [--date --until --permitted];
    /// remote-learning (P5-e): --who --reason --risk-assessment --granted-by (approver) --until (review/expiry);
    /// disclosure (P5-c): --who --reason (nature) --permitted (outcome) [--date (discussed on)];
    /// visitor-device (P7-b): --who --organisation --reason (purpose) --permitted --granted-by (agreed by)
    /// [--risk-assessment --date --until];
    /// school-device (P4-a): --who (held by) --reason (the device) --permitted (passcode protected: yes/no)
    /// --risk-assessment (staff only: yes/no) --granted-by (users told activity may be monitored: yes/no)
    /// [--date (issued) --until (returned)];
    /// awareness (P8-c): --who --reason (what: training, AUP signed, code of conduct, bulletin) [--date
    /// --until (renewal due) --permitted (detail) --risk-assessment (evidence) --granted-by (given by)].
    Add(Box<RegisterArgs>),
    /// The entries of one register, or of every register you may read
    List {
        /// permission, remote-learning, disclosure, visitor-device, school-device or awareness
        #[arg(value_parser = super::Listed(kinds))]
        kind: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One entry, every field (PL-0001, RL-0002 … or its number)
    Show {
        entry: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// permission, remote-learning, disclosure, visitor-device, school-device or awareness
    #[arg(value_parser = super::Listed(kinds))]
    pub kind: String,
    /// The staff member or visitor, as a name
    #[arg(long)]
    pub who: Option<String>,
    /// …or as their person record (P-0012; `casebook people find`)
    #[arg(long, value_name = "P-NNNN")]
    pub person: Option<String>,
    /// A visitor's organisation (or a staff member's role)
    #[arg(long)]
    pub organisation: Option<String>,
    /// When it was given, approved, discussed or starts, YYYY-MM-DD [default: today]
    #[arg(long)]
    pub date: Option<String>,
    /// Until / review or expiry date, YYYY-MM-DD
    #[arg(long)]
    pub until: Option<String>,
    /// Why; what for; the relationship's nature; the visit's purpose
    #[arg(long)]
    pub reason: Option<String>,
    /// What is permitted or approved; a disclosure's outcome
    #[arg(long)]
    pub permitted: Option<String>,
    /// The risk assessment (or where it is kept)
    #[arg(long = "risk-assessment")]
    pub risk_assessment: Option<String>,
    /// The headteacher who granted it, the approver, who agreed it
    #[arg(long = "granted-by")]
    pub granted_by: Option<String>,
    /// Keep an until date more than a year away
    #[arg(long = "confirm-far-date")]
    pub confirm_far_date: bool,
}

fn kinds() -> Vec<String> {
    RegisterKind::ALL.iter().map(|k| k.id().to_string()).collect()
}

fn kind_of(text: &str) -> Result<RegisterKind> {
    RegisterKind::parse(text).ok_or_else(|| anyhow!("{:?} is not a register; use {}", safe(text), kinds().join(", ")))
}

pub fn register(cli: &Cli, command: &RegisterCommand) -> Result<()> {
    match command {
        RegisterCommand::Add(args) => {
            let kind = kind_of(&args.kind)?;
            let today = super::now().date();
            let date = args.date.as_deref().map(super::parse_date).transpose()?.unwrap_or(today);
            let mut new = NewRegisterEntry::new(kind, date);
            new.until = args.until.as_deref().map(super::parse_date).transpose()?;
            if let Some(until) = new.until {
                super::check_far_date("the until date", until, args.confirm_far_date)?;
            }
            new.person = match args.person.as_deref() {
                None => None,
                Some(p) => Some(
                    crate::domain::person::parse_person_id(p)
                        .ok_or_else(|| anyhow!("--person {:?}: write it as P-0012", safe(p)))?,
                ),
            };
            if new.person.is_some() && args.who.is_some() {
                bail!("give --who or --person, not both; nothing was saved");
            }
            let text = |v: &Option<String>| v.clone().unwrap_or_default();
            new.who = if new.person.is_some() { "person".into() } else { text(&args.who) };
            new.organisation = text(&args.organisation);
            new.reason = text(&args.reason);
            new.permitted = text(&args.permitted);
            new.risk_assessment = text(&args.risk_assessment);
            new.granted_by = text(&args.granted_by);
            let mut session = cli.session()?;
            let entry = session.record_register(new, super::now())?;
            say!("Recorded {} in the {}: {}.", entry.label(), kind.title().to_lowercase(), safe(&entry.who));
            Ok(())
        }
        RegisterCommand::List { kind, json } => {
            let session = cli.session()?;
            let listed = session.register_entries()?;
            for d in &listed.damaged {
                eprintln!("casebook: {}", safe(&d.to_string()));
            }
            let wanted: Vec<RegisterKind> = match kind {
                Some(k) => vec![kind_of(k)?],
                None => RegisterKind::ALL.to_vec(),
            };
            if wanted.iter().any(|k| k.dsl_only()) && kind.is_some() && session.me().role != crate::domain::Role::Dsl {
                bail!("the disclosure register is the DSL's alone (P5-c)");
            }
            let today = super::now().date();
            if *json {
                let entries: Vec<&RegisterEntry> = wanted.iter().flat_map(|k| in_register(&listed, *k)).collect();
                out!("{}", serde_json::to_string_pretty(&entries)?);
                return Ok(());
            }
            for k in wanted {
                if k.dsl_only() && session.me().role != crate::domain::Role::Dsl {
                    continue;
                }
                let entries = in_register(&listed, k);
                out!(
                    "{} ({}): {} entr{}",
                    k.title(),
                    k.requirement(),
                    entries.len(),
                    if entries.len() == 1 { "y" } else { "ies" }
                );
                for e in entries {
                    let until = match (e.kind, e.until) {
                        (RegisterKind::RemoteLearning, Some(_)) => format!(" · {}", e.expiry_words(today)),
                        (_, Some(u)) => format!(" to {u}"),
                        _ => String::new(),
                    };
                    out!("  {}  {}  {}{}  {}", e.label(), safe(&e.who), e.date, until, safe(&e.reason));
                }
            }
            Ok(())
        }
        RegisterCommand::Show { entry, json } => {
            let session = cli.session()?;
            let e = session.register_entry(entry)?;
            if *json {
                out!("{}", serde_json::to_string_pretty(&e)?);
                return Ok(());
            }
            let names = e.kind.field_names();
            out!("{} · {} ({})", e.label(), e.kind.title(), e.kind.requirement());
            out!("{}: {}", names[0], safe(&e.who));
            if !e.organisation.is_empty() {
                out!("Organisation: {}", safe(&e.organisation));
            }
            out!("{}: {}", names[1], e.date);
            if let Some(u) = e.until {
                out!("{}: {u}", names[2]);
            }
            for (name, value) in [
                (names[3], &e.reason),
                (names[4], &e.permitted),
                (names[5], &e.risk_assessment),
                (names[6], &e.granted_by),
            ] {
                if !value.is_empty() {
                    out!("{name}: {}", safe(value));
                }
            }
            out!("Recorded by {} at {}", safe(&e.recorded_by.name), e.recorded_at.format("%Y-%m-%d %H:%M"));
            Ok(())
        }
    }
}
