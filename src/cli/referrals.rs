//! `casebook term-dates|referral|today`: the working-day calendar,
//! referrals and contacts, and what needs doing today (issue 13: S-b,
//! P5-g, P6-b, P9-b, P9-g). Everything goes through the store's session,
//! as the TUI does.

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use super::Cli;
use crate::store::calendar::TERM_DATES_CHARS;

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
