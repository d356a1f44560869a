//! `casebook people …` (issue 12, P1-a): person records from the command
//! line, the MIS import, and linking concerns' subjects to people. Every
//! command goes through the store's people API, as the TUI does; the store
//! refuses leadership and reporters (they hold no key to a person record).

use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand};

use super::{Cli, now, parse_date, warn_damaged};
use crate::domain::person::{LinkKind, PersonDetails, person_label};
use crate::domain::{NewConcern, Part, PersonId, PersonSummary, Role, SubjectKind};
use crate::store::Session;
use crate::store::people::SubjectMatch;
use crate::text::fit;

#[derive(Debug, Subcommand)]
pub enum PeopleCommand {
    /// List people, or those a search finds (accent- and case-blind: name,
    /// other name, year group, role, UPN or P-number)
    List {
        /// Words to find, e.g. "zoe ode" or "year 5"
        query: Vec<String>,
        /// Include records merged into another
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// One person's whole record: open items, concerns, family and one chronology
    Show {
        /// P-0012, a UPN or staff id, or the person's exact name
        person: String,
        #[arg(long)]
        json: bool,
    },
    /// Write a child's whole file (their record and every concern naming them) as one age file: for their next school (S-b) or a subject access request (S-e)
    Export {
        person: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Also encrypt to this age recipient, e.g. the receiving school's DSL (repeatable)
        #[arg(long = "recipient", value_name = "AGE1…")]
        recipients: Vec<String>,
    },
    /// Erase a person's record when retention ends (DSL only; S-e): once every concern naming them is disposed
    /// of (or none did) and they are past retention or not on the pupil roll
    Erase {
        /// P-0012
        person: String,
        /// Why (kept in the disposal record)
        #[arg(long)]
        reason: String,
    },
    /// Add a person (DSL or deputy)
    Add(PersonArgs),
    /// Change a person's details; only the flags given change
    Edit {
        person: String,
        /// A new name (to correct a misspelling, `people rename` says so)
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        details: EditArgs,
    },
    /// Correct a misspelt name; the earlier spelling is kept as an other name
    Rename {
        person: String,
        /// The corrected name
        name: String,
    },
    /// Link two people: sibling, parent (the first is a parent/carer of the second) or child
    Link {
        person: String,
        /// sibling, parent or child
        kind: String,
        other: String,
        /// The relationship in the school's words ("mother", "foster carer")
        #[arg(long, default_value = "")]
        relationship: String,
    },
    /// Merge two records of the same person into the first (DSL only); the second is kept, marked merged
    Merge { keep: String, other: String },
    /// Import pupils or staff from an MIS export (CSV); see the README for the columns
    Import {
        file: PathBuf,
        /// The file is a pupil export (else told from its header)
        #[arg(long, conflicts_with = "staff")]
        pupils: bool,
        /// The file is a staff export
        #[arg(long)]
        staff: bool,
        /// Say what would change and change nothing
        #[arg(long)]
        dry_run: bool,
        /// Import the rows that read and list the rest (by default a file
        /// with any unreadable row imports nothing)
        #[arg(long)]
        skip_bad: bool,
    },
    /// Subjects of older concerns not yet linked to a person, grouped by name
    Unlinked {
        #[arg(long)]
        json: bool,
    },
    /// Link every subject of an unlinked group (its number in `people unlinked`) to a person, or to a new one
    Adopt {
        /// The group's name as `casebook people unlinked` lists it (accents
        /// and case ignored): a name, not a position that moves
        group: String,
        /// child, staff, parent or visitor, when one name has groups of two kinds
        #[arg(long)]
        kind: Option<String>,
        /// An existing person [default: a new person from the subject's name]
        #[arg(long = "as", value_name = "PERSON")]
        person: Option<String>,
    },
    /// Link one subject of a concern to a person, with their part
    Subject {
        /// The concern, e.g. C-2026-0001
        reference: String,
        /// The subject's number on the concern (1 for the first)
        number: usize,
        person: String,
        /// subject, alleged, witness or other
        #[arg(long, default_value = "subject")]
        part: String,
    },
}

#[derive(Debug, Args)]
pub struct PersonArgs {
    /// child, staff, parent or visitor
    #[arg(long)]
    kind: String,
    #[arg(long)]
    name: String,
    #[command(flatten)]
    more: EditArgs,
}

#[derive(Debug, Args, Default)]
pub struct EditArgs {
    /// Another name they are known by, or their legal name (repeatable)
    #[arg(long = "other-name", value_name = "NAME")]
    other_names: Vec<String>,
    /// Date of birth, YYYY-MM-DD (children: kept until their 25th birthday)
    #[arg(long)]
    dob: Option<String>,
    /// Year group for a child ("Year 5"), role for staff, relationship for a parent/carer
    #[arg(long)]
    detail: Option<String>,
    /// UPN or MIS id for a pupil, staff id for staff
    #[arg(long = "school-id", value_name = "ID")]
    school_id: Option<String>,
    #[arg(long)]
    note: Option<String>,
}

fn kind_of(text: &str) -> Result<SubjectKind> {
    SubjectKind::parse(text)
        .ok_or_else(|| anyhow!("{text:?} is not a kind of person; use child, staff, parent or visitor"))
}

fn part_of(text: &str) -> Result<Part> {
    Part::parse(text).ok_or_else(|| anyhow!("{text:?} is not a part; use subject, alleged, witness or other"))
}

/// "P-0001 Zoë Ødegård (child, Year 5)", for lists of candidates.
fn candidates(people: &[PersonSummary]) -> String {
    people.iter().map(|p| format!("{} {}", p.label(), p.summary())).collect::<Vec<_>>().join("; ")
}

/// The one person `text` means: a P-number, a school id or an exact name.
/// Never a guess: two people of one name are listed for the member to
/// choose by number.
pub(crate) fn resolve(session: &mut Session, text: &str) -> Result<PersonId> {
    // A P-number is that record, merged or not (the store follows a merge
    // where it should, and says so where it must not).
    if let Some(id) = crate::domain::person::parse_person_id(text).filter(|_| text.trim().starts_with(['P', 'p'])) {
        session.person(id)?;
        return Ok(id);
    }
    match session.match_subject(None, text)? {
        SubjectMatch::One(p) => Ok(p.id),
        SubjectMatch::Ambiguous(ps) => {
            bail!("{text:?} could be {}: give the person's number (P-…) instead", candidates(&ps))
        }
        SubjectMatch::NoOne => {
            let near = session.find_people(text, 5).unwrap_or_default();
            if near.is_empty() {
                bail!("no person {text:?}; see `casebook people list`")
            }
            bail!("no person is exactly {text:?}; did you mean {}?", candidates(&near))
        }
    }
}

/// Before a concern is recorded from the command line or JSON: each typed
/// subject that is exactly one person is linked to them; a name two people
/// share stops the concern, listing both (never a guess); a name nobody
/// has becomes a new person for the DSL or a deputy, and stays a typed
/// name for anyone else (a reporter picks only from the pupil roll).
/// Returns what was done, to say.
pub(crate) fn link_typed_subjects(session: &mut Session, new: &mut NewConcern) -> Result<Vec<String>> {
    let mut said = Vec::new();
    let creates = matches!(session.me().role, Role::Dsl | Role::Deputy);
    session.check_subject_people(&mut new.subjects)?;
    let errors = new.validate(session.catalogue(), now());
    if !errors.is_empty() {
        // The store says it in full; no person is made for a concern that
        // will not be recorded.
        return Ok(said);
    }
    for s in new.subjects.iter_mut().filter(|s| s.person.is_none()) {
        match session.match_subject(Some(s.kind), &s.name)? {
            SubjectMatch::One(p) => {
                s.person = Some(p.id);
                said.push(format!("{} is {}.", s.name, p.label()));
            }
            SubjectMatch::Ambiguous(ps) => bail!(
                "the subject {:?} could be {}: give the person's number instead (--subject P-…, or \"person\" in \
                 JSON); nothing was recorded",
                s.name,
                candidates(&ps)
            ),
            SubjectMatch::NoOne if creates => {
                // A near miss is asked about, never turned into a second
                // record of the same child (found in review).
                // Near by name only: "Pupil 5" is not near everyone in Year 5.
                let query = crate::domain::person::PersonQuery::new(&s.name);
                let near: Vec<PersonSummary> = session
                    .find_people(&s.name, 20)?
                    .into_iter()
                    .filter(|p| query.fit(p).is_some_and(|f| f <= crate::domain::person::Fit::NameWords))
                    .take(5)
                    .collect();
                if !near.is_empty() {
                    bail!(
                        "no one on record is exactly {:?}; did you mean {}? Give the person's number (--subject \
                         P-…), or add someone new first with `casebook people add`; nothing was recorded",
                        s.name,
                        candidates(&near)
                    );
                }
                let p = session.add_person(
                    s.kind,
                    PersonDetails { name: s.name.clone(), detail: s.detail.clone(), ..Default::default() },
                    now(),
                )?;
                s.person = Some(p.id);
                said.push(format!("Added {} {} to people.", p.label(), p.summary()));
            }
            SubjectMatch::NoOne => {}
        }
    }
    Ok(said)
}

fn details(args: &EditArgs, name: String, kind: Option<SubjectKind>) -> Result<PersonDetails> {
    Ok(PersonDetails {
        kind,
        name,
        other_names: args.other_names.clone(),
        date_of_birth: args.dob.as_deref().map(parse_date).transpose()?,
        detail: args.detail.clone().unwrap_or_default(),
        school_id: args.school_id.clone().unwrap_or_default(),
        note: args.note.clone().unwrap_or_default(),
    })
}

pub fn run(cli: &Cli, command: &PeopleCommand) -> Result<()> {
    let mut session = cli.session()?;
    match command {
        PeopleCommand::List { query, all, json } => {
            let listed = session.people()?;
            warn_damaged(&listed.damaged);
            let text = query.join(" ");
            let people: Vec<&PersonSummary> = if text.trim().is_empty() {
                listed.iter().filter(|p| *all || p.merged_into.is_none()).collect()
            } else {
                crate::domain::person::PersonQuery::new(&text).search(&listed, usize::MAX)
            };
            if *json {
                for p in people {
                    out!("{}", serde_json::to_string(p)?);
                }
                return Ok(());
            }
            if people.is_empty() {
                say!("{}", if text.trim().is_empty() { "No people yet." } else { "Nobody matches." });
                return Ok(());
            }
            out!("{:<7} {:<12} {:<30} {:<14} {:<10} ID", "PERSON", "KIND", "NAME", "YEAR/ROLE", "BORN");
            for p in people {
                let merged = p.merged_into.map(|m| format!(" (merged into {})", person_label(m))).unwrap_or_default();
                say!(
                    "{:<7} {:<12} {} {} {:<10} {}{merged}",
                    p.label(),
                    p.kind.label(),
                    fit(&p.name, 30),
                    fit(&p.detail, 14),
                    p.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
                    p.school_id
                );
            }
            Ok(())
        }
        PeopleCommand::Show { person, json } => {
            let id = resolve(&mut session, person)?;
            let view = session.person_view(id)?;
            warn_damaged(&view.damaged);
            if *json {
                let v = serde_json::json!({
                    "person": view.person,
                    "retain_until": view.person.retain_until(),
                    "open_items": view.open_items,
                    "concerns": view.concerns.iter().map(|(r, part)| serde_json::json!({
                        "reference": r.reference, "reported_at": r.reported_at, "category": r.category,
                        "status": r.status.label(), "part": part.label(),
                    })).collect::<Vec<_>>(),
                    "family": view.family.iter().map(|(k, p)| serde_json::json!({
                        "link": k.label(), "person": p.label(), "name": p.name,
                    })).collect::<Vec<_>>(),
                    "chronology": view.chronology.iter().map(|(r, e)| serde_json::json!({
                        "concern": r, "at": e.at, "kind": e.kind.label(), "by": e.author.name, "text": e.text,
                    })).collect::<Vec<_>>(),
                });
                out!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(());
            }
            let p = &view.person;
            say!("{} {}", p.label(), p.summary());
            if !p.other_names.is_empty() {
                say!("Also known as: {}", p.other_names.join("; "));
            }
            if let Some(dob) = p.date_of_birth {
                let kept = p.retain_until().map(|d| format!("; kept until {d} (25th birthday)")).unwrap_or_default();
                say!("Born: {dob}{kept}");
            }
            if !p.school_id.is_empty() {
                say!("School id: {}", p.school_id);
            }
            for (kind, other) in &view.family {
                say!("{}: {} {}", kind.label(), other.label(), other.summary());
            }
            if !p.note.is_empty() {
                say!("Note: {}", p.note);
            }
            let (about, open) = view.about_counts();
            say!("\nConcerns ({about} about them, {open} open):");
            for (r, part) in &view.concerns {
                say!(
                    "  {}  {}  {:<28} {:<17} {}",
                    r.reference,
                    r.reported_at.format("%Y-%m-%d"),
                    fit(&r.category, 28),
                    r.status.label(),
                    part.label()
                );
            }
            if !view.open_items.is_empty() {
                say!("\nOpen:");
                for item in &view.open_items {
                    say!("  {item}");
                }
            }
            say!("\nChronology (newest first):");
            for (reference, e) in &view.chronology {
                say!(
                    "  {}  {:<12} {:<16} {}: {}",
                    e.at.format("%Y-%m-%d %H:%M"),
                    reference,
                    e.kind.label(),
                    e.author.name,
                    crate::text::one_line(&e.text)
                );
            }
            Ok(())
        }
        PeopleCommand::Erase { person, reason } => {
            // S-e: by number only, never a guess from a name.
            let Some(id) = crate::domain::person::parse_person_id(person) else {
                anyhow::bail!(
                    "{:?}: name the record to erase by its number (P-0012); nothing was erased",
                    crate::text::safe(person)
                );
            };
            let d = session.erase_person(id, reason, super::now())?;
            say!(
                "Erased {}'s record, index entry, roll entry and family links; the disposal record keeps the number, \
                 the date, you, the reason and the basis ({}).",
                person_label(id),
                d.basis
            );
            Ok(())
        }
        PeopleCommand::Export { person, out, recipients } => {
            let id = resolve(&mut session, person)?;
            let sealed = session.export_person(id, recipients)?;
            crate::store::identity::write_private(out, &sealed)?;
            say!(
                "Wrote {}'s whole file to {} (age-encrypted to you{}; open with age -d -i KEY).",
                person_label(id),
                out.display(),
                if recipients.is_empty() { "" } else { " and the given recipients" }
            );
            Ok(())
        }
        PeopleCommand::Add(args) => {
            let kind = kind_of(&args.kind)?;
            let p = session.add_person(kind, details(&args.more, args.name.clone(), Some(kind))?, now())?;
            say!("Added {} {}.", p.label(), p.summary());
            Ok(())
        }
        PeopleCommand::Edit { person, name, details: args } => {
            let id = resolve(&mut session, person)?;
            let current = session.person(id)?;
            let merged = PersonDetails {
                kind: None,
                name: name.clone().unwrap_or_else(|| current.name.clone()),
                other_names: args.other_names.clone(),
                date_of_birth: match &args.dob {
                    Some(d) => Some(parse_date(d)?),
                    None => current.date_of_birth,
                },
                detail: args.detail.clone().unwrap_or_else(|| current.detail.clone()),
                school_id: args.school_id.clone().unwrap_or_else(|| current.school_id.clone()),
                note: args.note.clone().unwrap_or_else(|| current.note.clone()),
            };
            let p = session.update_person(id, merged, now())?;
            say!("{} is now {}.", p.label(), p.summary());
            Ok(())
        }
        PeopleCommand::Rename { person, name } => {
            let id = resolve(&mut session, person)?;
            let p = session.rename_person(id, name, now())?;
            say!("{} is now {}; the earlier spelling is kept as an other name.", p.label(), p.name);
            Ok(())
        }
        PeopleCommand::Link { person, kind, other, relationship } => {
            let kind =
                LinkKind::parse(kind).ok_or_else(|| anyhow!("{kind:?} is not a link; use sibling, parent or child"))?;
            let (a, b) = (resolve(&mut session, person)?, resolve(&mut session, other)?);
            session.link_people(a, kind, b, relationship, now())?;
            say!("{} is now {} {}.", person_label(a), kind.label(), person_label(b));
            Ok(())
        }
        PeopleCommand::Merge { keep, other } => {
            let (k, o) = (resolve(&mut session, keep)?, resolve(&mut session, other)?);
            let differences = session.person(k)?.differences(&session.person(o)?);
            let p = session.merge_people(k, o, now())?;
            say!(
                "{} was merged into {} {}; its concerns now name {} and the merge is in both records' history.",
                person_label(o),
                p.label(),
                p.name,
                p.label()
            );
            // S-c: the DSL is told what the two records disagreed on.
            if !differences.is_empty() {
                say!(
                    "The records disagreed: {}. Check which is right (`casebook people edit {}`).",
                    differences.join("; "),
                    p.label()
                );
            }
            Ok(())
        }
        PeopleCommand::Import { file, pupils, staff, dry_run, skip_bad } => {
            import(&mut session, file, *pupils, *staff, *dry_run, *skip_bad)
        }
        PeopleCommand::Unlinked { json } => {
            let groups = session.unlinked_subjects()?;
            if *json {
                for (n, g) in groups.iter().enumerate() {
                    out!(
                        "{}",
                        serde_json::json!({
                            "group": n + 1, "name": g.name, "kind": g.kind.label(),
                            "concerns": g.subjects.iter().map(|s| serde_json::json!({"reference": s.reference, "subject": s.index + 1})).collect::<Vec<_>>(),
                            "suggestions": g.suggestions.iter().map(|p| p.label()).collect::<Vec<_>>(),
                        })
                    );
                }
                return Ok(());
            }
            if groups.is_empty() {
                say!("Every subject is linked to a person.");
                return Ok(());
            }
            for (n, g) in groups.iter().enumerate() {
                let refs: Vec<&str> = g.subjects.iter().map(|s| s.reference.as_str()).collect();
                let suggest = if g.suggestions.is_empty() {
                    "no one on record by that name".to_string()
                } else {
                    format!("on record: {}", candidates(&g.suggestions))
                };
                say!("{:>3}. {} ({}) on {}: {suggest}", n + 1, g.name, g.kind.label(), refs.join(", "));
            }
            say!("Link a group with `casebook people adopt \"NAME\" [--as P-…]`.");
            Ok(())
        }
        PeopleCommand::Adopt { group, kind, person } => {
            let kind = kind.as_deref().map(kind_of).transpose()?;
            let groups = session.unlinked_subjects()?;
            let key = crate::domain::person::name_key(group);
            let found: Vec<&crate::store::people::UnlinkedGroup> = groups
                .iter()
                .filter(|g| crate::domain::person::name_key(&g.name) == key && kind.is_none_or(|k| k == g.kind))
                .collect();
            let g = match found.as_slice() {
                [g] => *g,
                [] => bail!("no unlinked subjects are named {group:?}; see `casebook people unlinked`"),
                many => bail!(
                    "{group:?} names subjects of {} kinds ({}); say which with --kind",
                    many.len(),
                    many.iter().map(|g| g.kind.label()).collect::<Vec<_>>().join(", ")
                ),
            };
            let target = person.as_deref().map(|p| resolve(&mut session, p)).transpose()?;
            let p = session.adopt_group(g, target, now())?;
            say!("{} concern subject(s) named {} are now {} {}.", g.subjects.len(), g.name, p.label(), p.name);
            Ok(())
        }
        PeopleCommand::Subject { reference, number, person, part } => {
            let part = part_of(part)?;
            let (case_id, reference) = session.resolve(reference)?;
            let id = resolve(&mut session, person)?;
            let index = number.checked_sub(1).ok_or_else(|| anyhow!("subjects are numbered from 1"))?;
            session.link_subject(case_id, index, id, part, now())?;
            say!("Subject {number} of {reference} is now {} ({}).", person_label(id), part.label());
            Ok(())
        }
    }
}

fn import(
    session: &mut Session,
    file: &PathBuf,
    pupils: bool,
    staff: bool,
    dry_run: bool,
    skip_bad: bool,
) -> Result<()> {
    use crate::domain::limits;
    let meta = std::fs::metadata(file).map_err(|e| anyhow!("cannot read {}: {e}", file.display()))?;
    // An MIS export of a large school is a few MB; far more is not one.
    const IMPORT_BYTES: u64 = 64 * 1024 * 1024;
    if meta.len() > IMPORT_BYTES {
        bail!(
            "{} is {}, over the limit of {} for an MIS export; nothing was imported",
            file.display(),
            limits::size(meta.len() as usize),
            limits::size(IMPORT_BYTES as usize)
        );
    }
    let bytes = std::fs::read(file).map_err(|e| anyhow!("cannot read {}: {e}", file.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "{} is not UTF-8 text (byte {}): save the export as CSV UTF-8 and try again; nothing was imported",
            file.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let kind = if pupils {
        Some(SubjectKind::Child)
    } else if staff {
        Some(SubjectKind::Staff)
    } else {
        None
    };
    let read =
        crate::domain::mis::read(&text, kind).map_err(|e| anyhow!("{}: {e}; nothing was imported", file.display()))?;
    for bad in &read.bad {
        eprintln!("casebook: {}: {}", file.display(), crate::text::one_line(&bad.to_string()));
    }
    if !read.bad.is_empty() && !skip_bad {
        bail!(
            "{} row(s) of {} cannot be read (listed above); nothing was imported. Correct them, or import the rest \
             with --skip-bad",
            read.bad.len(),
            file.display()
        );
    }
    let source = file.file_name().map_or_else(|| "an MIS export".to_string(), |n| n.to_string_lossy().into_owned());
    let report = session.import_people(&read.rows, &source, now(), dry_run)?;
    let verb = if dry_run { "Would add" } else { "Added" };
    for a in &report.added {
        say!("{verb}: {a}");
    }
    for u in &report.updated {
        say!("{}: {u}", if dry_run { "Would update" } else { "Updated" });
    }
    for (line, first) in &read.repeated {
        say!("Skipped line {line}: it repeats line {first}");
    }
    say!(
        "{}{} added, {} updated, {} unchanged, {} parent(s)/carer(s) added from contacts, {} row(s) skipped as repeats, {} unreadable.",
        if dry_run { "Dry run, nothing changed: " } else { "" },
        report.added.len(),
        report.updated.len(),
        report.unchanged,
        report.contacts_added,
        read.repeated.len(),
        read.bad.len()
    );
    Ok(())
}

/// Issue 12: `casebook show REF`'s "other concerns" lines, as the TUI's
/// concern view says them: for each person the concern is about, how many
/// other concerns are about them (counted from the board, once), and the
/// command that shows their whole record. Nothing when there are none.
pub fn show_other_concerns(session: &mut Session, id: u32, case: &crate::domain::CaseFile) -> Result<()> {
    let about: Vec<&crate::domain::Subject> =
        case.concern.subjects.iter().filter(|s| s.person.is_some() && s.part.is_about()).collect();
    if about.is_empty() {
        return Ok(());
    }
    let board = session.board()?;
    let Some(row) = board.rows.iter().find(|r| r.id == id) else { return Ok(()) };
    let counts = crate::domain::summary::AboutCounts::of(&board.rows);
    let mut lines = Vec::new();
    for s in about {
        let person = s.person.expect("filtered above");
        if let Some(words) = crate::domain::summary::other_concerns_words(counts.others(row, person), s.kind) {
            let label = person_label(person);
            lines.push(format!(
                "  {} ({label}): {words}: `casebook people show {label}`",
                crate::text::one_line(&s.name)
            ));
        }
    }
    if !lines.is_empty() {
        out!("\nOther concerns about them (issue 12):\n{}", lines.join("\n"));
    }
    Ok(())
}
