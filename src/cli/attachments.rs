//! `casebook attachment add|list|export` (issue 13): files on a concern,
//! through the store's attachments API. A regular file only is read, and at
//! most the limit of it; a file leaves casebook only as an age file.

use std::path::PathBuf;

use anyhow::{Result, anyhow};
use clap::Subcommand;

use super::{Cli, now};
use crate::domain::limits;
use crate::store::identity;

#[derive(Debug, Subcommand)]
pub enum AttachmentCommand {
    /// Attach a file to a concern (DSL or deputy; refused for image categories, P6.1-c)
    Add {
        /// The concern, e.g. C-2026-0001
        reference: String,
        file: PathBuf,
        /// What it is ("signed confiscation form")
        #[arg(long, default_value = "")]
        note: String,
    },
    /// A concern's files, in the order they were attached
    List {
        reference: String,
        #[arg(long)]
        json: bool,
    },
    /// Write one file out as an age file (open it with age -d -i YOUR-KEY)
    Export {
        reference: String,
        /// Its number on the concern (see `attachment list`)
        number: u32,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Also encrypt to this age recipient (repeatable)
        #[arg(long = "recipient", value_name = "AGE1…")]
        recipients: Vec<String>,
    },
}

pub fn attachment(cli: &Cli, command: &AttachmentCommand) -> Result<()> {
    match command {
        AttachmentCommand::Add { reference, file, note } => {
            // A regular file only, at most the limit read (issue 13 review).
            let bytes = crate::store::attachments::read_file(file).map_err(|e| anyhow!(e))?;
            let mut session = cli.session()?;
            let (id, reference) = session.resolve(reference)?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let a = session.attach(id, &name, bytes, note, now())?;
            say!("Attached {} to {reference} as file {}.", a.name, a.number);
            Ok(())
        }
        AttachmentCommand::List { reference, json } => {
            let mut session = cli.session()?;
            let (id, reference) = session.resolve(reference)?;
            let files = session.attachments(id)?;
            if *json {
                for a in &files {
                    out!(
                        "{}",
                        serde_json::json!({
                            "number": a.number, "name": a.name, "bytes": a.bytes.len(), "note": a.note,
                            "added_by": a.added_by.name, "added_at": a.added_at,
                        })
                    );
                }
                return Ok(());
            }
            if files.is_empty() {
                say!("{reference} has no files attached.");
            }
            for a in &files {
                say!(
                    "{:>3}  {}  {:<40} {:>9}  {}{}",
                    a.number,
                    a.added_at.format("%Y-%m-%d %H:%M"),
                    crate::text::fit(&a.name, 40),
                    limits::size(a.bytes.len()),
                    a.added_by.name,
                    if a.note.is_empty() { String::new() } else { format!(": {}", a.note) }
                );
            }
            Ok(())
        }
        AttachmentCommand::Export { reference, number, out, recipients } => {
            let mut session = cli.session()?;
            let (id, reference) = session.resolve(reference)?;
            let sealed = session.export_attachment(id, *number, recipients)?;
            identity::write_private(out, &sealed)?;
            say!(
                "Wrote file {number} of {reference} to {} (age-encrypted; open with age -d -i YOUR-KEY).",
                out.display()
            );
            Ok(())
        }
    }
}
