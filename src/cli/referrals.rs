//! `casebook term-dates|referral|today`: the working-day calendar,
//! referrals and contacts, and what needs doing today (issue 13: S-b,
//! P5-g, P6-b, P9-b, P9-g). Everything goes through the store's session,
//! as the TUI does.

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use serde::Serialize;

use super::Cli;
use crate::domain::referral::{parse_referral_label, referrals_text};
use crate::domain::{NewReferral, Referral, ReferralKind};
use crate::store::calendar::TERM_DATES_CHARS;
use crate::text::safe;

#[derive(Debug, Subcommand)]
pub enum TermDatesCommand {
    /// Set the school's term dates from FILE (DSL only); a wrong line is named and nothing changes
    ///
    /// One closure a line: `2026-12-21..2027-01-01 Christmas holiday` or
    /// `2027-01-04 INSET day`; `#` starts a comment. Weekends need no line.
    Set {
        /// The term-dates file
        file: std::path::PathBuf,
    },
    /// Print the term dates in use (the file as set), or say there are none
    Show,
}

pub fn term_dates(cli: &Cli, command: &TermDatesCommand) -> Result<()> {
    match command {
        TermDatesCommand::Set { file } => {
            let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            if bytes.len() > TERM_DATES_CHARS * 4 {
                bail!("{} is too long to be a term-dates file; nothing was changed", file.display());
            }
            let Ok(text) = String::from_utf8(bytes) else {
                bail!("{} is not a text file (UTF-8); nothing was changed", file.display());
            };
            let mut session = cli.session()?;
            let calendar = session.set_term_dates(&text)?;
            say!(
                "Set the term dates: {} closure{} besides weekends; deadlines count working days with them.",
                calendar.closures().len(),
                if calendar.closures().len() == 1 { "" } else { "s" }
            );
            Ok(())
        }
        TermDatesCommand::Show => {
            let session = cli.session()?;
            match session.term_dates()? {
                Some(text) => {
                    say!("{}", text.trim_end());
                }
                None => say!(
                    "No term dates are set: deadlines count weekends only. The DSL sets them with `casebook \
                     term-dates set FILE`."
                ),
            }
            Ok(())
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ReferralCommand {
    /// Record a referral or contact on a concern (DSL or deputy); a correction supersedes an entry (--corrects)
    Add(Box<ReferralArgs>),
    /// A concern's referrals and contacts, and its open deadlines in working days
    List {
        /// The concern: C-2026-0001, 2026-1, or 1
        reference: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct ReferralArgs {
    /// The concern: C-2026-0001, 2026-1, or 1
    pub reference: String,
    /// Who was referred to or told
    #[arg(long, value_parser = super::Listed(kinds))]
    pub kind: String,
    /// When it was made, YYYY-MM-DD [default: today]
    #[arg(long)]
    pub date: Option<String>,
    /// Who made it [default: you]
    #[arg(long)]
    pub by: Option<String>,
    /// The agency's own reference (crime number, LADO reference …)
    #[arg(long = "reference", value_name = "THEIRS")]
    pub agency_reference: Option<String>,
    /// The outcome, or (advice) the advice given
    #[arg(long)]
    pub outcome: Option<String>,
    /// When to follow it up, YYYY-MM-DD
    #[arg(long = "follow-up")]
    pub follow_up: Option<String>,
    /// Advice sought (P9-g): the agency, e.g. "Education Safeguarding Service"
    #[arg(long)]
    pub agency: Option<String>,
    /// Advice sought (P9-g): who gave the advice
    #[arg(long)]
    pub contact: Option<String>,
    /// Parents/carers (P9-b): whether they were informed, yes or no
    #[arg(long)]
    pub informed: Option<String>,
    /// Parents/carers (P9-b): why they were not informed
    #[arg(long = "why-not")]
    pub why_not: Option<String>,
    /// The entry this one corrects (R-0003); both are kept
    #[arg(long)]
    pub corrects: Option<String>,
    /// Keep a follow-up date more than a year away
    #[arg(long = "confirm-far-date")]
    pub confirm_far_date: bool,
}

fn kinds() -> Vec<String> {
    ReferralKind::ALL.iter().map(|k| k.id().to_string()).collect()
}

fn kinds_list() -> String {
    kinds().join(", ")
}

fn new_referral(args: &ReferralArgs, today: chrono::NaiveDate) -> Result<NewReferral> {
    let kind = ReferralKind::parse(&args.kind)
        .ok_or_else(|| anyhow!("{:?} is not a kind of referral; use {}", args.kind, kinds_list()))?;
    let date = args.date.as_deref().map(super::parse_date).transpose()?.unwrap_or(today);
    let informed = match args.informed.as_deref().map(|s| s.trim().to_ascii_lowercase()) {
        None => None,
        Some(s) if ["yes", "y", "true"].contains(&s.as_str()) => Some(true),
        Some(s) if ["no", "n", "false"].contains(&s.as_str()) => Some(false),
        Some(s) => bail!("--informed {s:?}: say yes or no"),
    };
    if informed.is_some() && kind != ReferralKind::Parents {
        bail!("--informed goes with --kind parents; nothing was saved");
    }
    let supersedes = args
        .corrects
        .as_deref()
        .map(|t| parse_referral_label(t).ok_or_else(|| anyhow!("{t:?} is not a referral; write it as R-0003")))
        .transpose()?;
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    let follow_up = args.follow_up.as_deref().map(super::parse_date).transpose()?;
    if let Some(d) = follow_up {
        super::check_far_date("the follow-up date", d, args.confirm_far_date)?;
    }
    Ok(NewReferral {
        kind,
        date,
        by: text(&args.by),
        reference: text(&args.agency_reference),
        agency: text(&args.agency),
        contact: text(&args.contact),
        outcome: text(&args.outcome),
        informed,
        why_not: text(&args.why_not),
        follow_up,
        supersedes,
    })
}

/// A referral as `--json` prints it.
#[derive(Serialize)]
struct ReferralJson<'a> {
    /// "R-0001" (the record's own `id` is its number).
    label: String,
    #[serde(flatten)]
    referral: &'a Referral,
    corrected_by: Option<String>,
}

#[derive(Serialize)]
struct ListJson<'a> {
    concern: &'a str,
    referrals: Vec<ReferralJson<'a>>,
    deadlines: &'a [crate::domain::Deadline],
}

pub fn referral(cli: &Cli, command: &ReferralCommand) -> Result<()> {
    match command {
        ReferralCommand::Add(args) => {
            let now = super::now();
            let new = new_referral(args, now.date())?;
            let mut session = cli.session()?;
            let (id, reference) = session.resolve(&args.reference)?;
            let r = session.record_referral(id, new, now)?;
            match r.supersedes {
                Some(old) => say!(
                    "Recorded {} on {reference}: {}; it corrects {} (both are kept).",
                    r.label(),
                    r.kind.label(),
                    crate::domain::referral::referral_label(old)
                ),
                None => say!("Recorded {} on {reference}: {}.", r.label(), r.kind.label()),
            }
            Ok(())
        }
        ReferralCommand::List { reference, json } => {
            let mut session = cli.session()?;
            let (id, reference) = session.resolve(reference)?;
            let referrals = session.referrals(id)?;
            super::warn_damaged(&referrals.damaged);
            let deadlines = session.deadlines(id, super::now().date())?;
            if *json {
                let list = ListJson {
                    concern: &reference,
                    referrals: referrals
                        .iter()
                        .map(|r| ReferralJson {
                            label: r.label(),
                            referral: r,
                            corrected_by: referrals.iter().find(|o| o.supersedes == Some(r.id)).map(|o| o.label()),
                        })
                        .collect(),
                    deadlines: &deadlines,
                };
                out!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                say!("{reference}");
                out_raw!("{}", safe(&referrals_text(&referrals, &deadlines)));
            }
            Ok(())
        }
    }
}

/// The referrals and deadlines section `casebook show` prints after the
/// case file (issue 13).
pub fn show_section(session: &crate::store::Session, id: u32) -> Result<()> {
    let referrals = session.referrals(id)?;
    super::warn_damaged(&referrals.damaged);
    let deadlines = session.deadlines(id, super::now().date())?;
    out_raw!("{}", safe(&referrals_text(&referrals, &deadlines)));
    Ok(())
}

/// One line of `casebook today --json`.
#[derive(Serialize)]
struct TodayJson<'a> {
    reference: &'a str,
    what: String,
    when: String,
    #[serde(flatten)]
    item: &'a crate::domain::today::TodayItem,
}

/// `casebook today`: what needs doing today, soonest first (issue 13).
pub fn today(cli: &Cli, json: bool, on: Option<&str>) -> Result<()> {
    let today = on.map(super::parse_on).transpose()?.unwrap_or_else(|| super::now().date());
    let mut session = cli.session()?;
    let items = session.today(today)?;
    super::warn_damaged(&items.damaged);
    if json {
        let rows: Vec<TodayJson> = items
            .iter()
            .map(|i| TodayJson { reference: &i.reference, what: i.kind.words(), when: i.when_words(), item: i })
            .collect();
        out!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if items.is_empty() {
        say!("Nothing is due on {today}: no new or unassigned concern, no deadline or review due or overdue.");
        return Ok(());
    }
    out!("{:<12} {:<42} {}", "REFERENCE", "TO DO", "WHEN");
    for i in items.iter() {
        say!("{:<12} {:<42} {}", i.reference, crate::text::fit(&i.kind.words(), 42), i.when_words());
    }
    Ok(())
}
