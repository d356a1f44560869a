//! `casebook debrief|action|policy|figures`: leadership's side of the
//! casebook from the command line (P9-c, P9-d, P8-a, P9-e). Everything goes
//! through the store's oversight API, as the TUI does. Leadership can run
//! the read-only commands with their own key; the store refuses the rest.

use std::io::{Read, Write};

use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};

use super::{Cli, Listed, check_due, now, parse_date, values};
use crate::domain::action::{action_label, parse_action_label};
use crate::domain::{
    Action, ActionFilter, ActionKind, ActionStatus, Catalogue, Dashboard, Debrief, MemberId, NewAction, NewDebrief,
    PolicyStatus, TrackedPolicy, TriggerKind,
};
use crate::store::Session;
use crate::store::oversight::ReviewInput;
use crate::text::{fit, safe};

const KINDS: &str = "policy-change, curriculum-change, staff-training, signage, technical or other";
const STATUSES: &str = "open, in-progress, done or dropped";
const TRIGGERS: &str = "update (national or local), local-concern, infrastructure or action";

#[derive(Debug, Subcommand)]
pub enum DebriefCommand {
    /// Record a debrief (DSL or deputy): closes linked concerns awaiting one
    Add(DebriefArgs),
    /// List debriefs, most recent first
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one debrief with its lessons and their actions
    Show {
        /// D-YYYY-NNNN
        reference: String,
        #[arg(long)]
        json: bool,
    },
    /// Concerns awaiting a debrief, and for how long (DSL or deputy)
    Awaiting {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct DebriefArgs {
    /// Read the debrief as JSON from standard input; flags add to it
    #[arg(long)]
    pub json: bool,
    /// A concern's reference (repeatable)
    #[arg(long = "concern", value_name = "REFERENCE")]
    pub concerns: Vec<String>,
    /// When it was held, YYYY-MM-DD [default: today]
    #[arg(long)]
    pub date: Option<String>,
    /// A member who attended, by name or #id (repeatable) [default: you]
    #[arg(long = "attendee", value_name = "MEMBER")]
    pub attendees: Vec<String>,
    /// Someone else who attended, "Name, role" (repeatable)
    #[arg(long = "other", value_name = "NAME")]
    pub others: Vec<String>,
    /// What happened, factually and without names
    #[arg(long)]
    pub summary: Option<String>,
    /// What worked in the response
    #[arg(long)]
    pub worked: Option<String>,
    /// What did not work
    #[arg(long = "did-not-work")]
    pub did_not_work: Option<String>,
    /// A lesson learnt (repeatable; numbered in order)
    #[arg(long = "lesson")]
    pub lessons: Vec<String>,
    /// Policy or curriculum changes needed
    #[arg(long)]
    pub changes: Option<String>,
    /// Record it even though its text names a subject of a concern
    #[arg(long = "allow-names")]
    pub allow_names: bool,
}

#[derive(Debug, Subcommand)]
pub enum ActionCommand {
    /// Add an action for a lesson of a debrief (DSL or deputy)
    Add {
        /// The debrief's reference, D-YYYY-NNNN
        #[arg(long)]
        debrief: String,
        /// The lesson's number within the debrief
        #[arg(long)]
        lesson: u32,
        /// What kind of action
        #[arg(long, value_parser = Listed(values::action_kinds))]
        kind: String,
        /// A member's name or #id (DSL, deputy or leadership)
        #[arg(long)]
        owner: String,
        /// YYYY-MM-DD: today or later
        #[arg(long)]
        due: String,
        /// Save a due date more than a year away (a check against typing slips)
        #[arg(long = "confirm-far-date")]
        confirm_far_date: bool,
        #[arg(long)]
        description: String,
        /// Record it even though the description names a subject of a concern
        #[arg(long = "allow-names")]
        allow_names: bool,
    },
    /// List actions: still to do first, by due date; overdue ones say OVERDUE
    List {
        /// A member's name, #id, or "me"
        #[arg(long)]
        owner: Option<String>,
        #[arg(long, value_parser = Listed(values::action_statuses))]
        status: Option<String>,
        #[arg(long, value_parser = Listed(values::action_kinds))]
        kind: Option<String>,
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        json: bool,
    },
    /// Show one action with its history
    Show {
        /// A-NNNN
        action: String,
        #[arg(long)]
        json: bool,
    },
    /// Move an action along: done needs evidence, dropped a reason
    Status {
        /// A-NNNN
        action: String,
        /// The status to move to (open reopens)
        #[arg(long, value_parser = Listed(values::action_statuses))]
        to: String,
        /// Evidence of completion, or the reason
        #[arg(long, default_value = "")]
        note: String,
        /// Record it even though the note names a subject of a concern
        #[arg(long = "allow-names")]
        allow_names: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// The tracked policies: last review, next due date, pending triggers
    List {
        #[arg(long)]
        json: bool,
    },
    /// Record a review (DSL or deputy): resets the due date
    Review {
        /// The policy's number from `policy list`
        #[arg(long, default_value_t = 1)]
        policy: u32,
        /// When it was reviewed, YYYY-MM-DD [default: today]
        #[arg(long)]
        date: Option<String>,
        /// The new version, e.g. "March 2026" [default: unchanged]
        #[arg(long, default_value = "")]
        version: String,
        #[arg(long)]
        note: String,
        /// A policy-change action this review completes (repeatable)
        #[arg(long = "close-action", value_name = "A-NNNN")]
        close_actions: Vec<String>,
        /// Record it even though the note names a subject of a concern
        #[arg(long = "allow-names")]
        allow_names: bool,
    },
    /// Log something that asks for a review (DSL or deputy)
    Trigger {
        #[arg(long, default_value_t = 1)]
        policy: u32,
        /// What asks for the review: a national or local update, a local concern, an infrastructure change, an action
        #[arg(long, value_parser = Listed(values::triggers))]
        kind: String,
        #[arg(long)]
        note: String,
        /// The policy-change action that asks for it
        #[arg(long, value_name = "A-NNNN")]
        action: Option<String>,
        /// Record it even though the note names a subject of a concern
        #[arg(long = "allow-names")]
        allow_names: bool,
    },
}

/// The JSON shape of `casebook debrief add --json`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DebriefJson {
    #[serde(default)]
    concerns: Vec<String>,
    date: Option<String>,
    #[serde(default)]
    attendees: Vec<String>,
    #[serde(default)]
    others: Vec<String>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    what_worked: String,
    #[serde(default)]
    what_did_not: String,
    #[serde(default)]
    lessons: Vec<String>,
    #[serde(default)]
    changes_needed: String,
}

/// A member by "#id", id, name (case-insensitive) or "me".
fn member_id(session: &Session, who: &str) -> Result<MemberId> {
    let w = who.trim().trim_start_matches('#').to_lowercase();
    if w == "me" {
        return Ok(session.me().id);
    }
    session
        .members()
        .iter()
        .find(|m| m.id.to_string() == w || m.name.to_lowercase() == w)
        .map(|m| m.id)
        .ok_or_else(|| anyhow!("no member called {who:?}; see `casebook member list`"))
}

/// P9-e: refuses a text leadership will read when it names a subject of a
/// concern, unless `--allow-names` was given (issue 8: every such text).
fn refuse_names(what: &str, named: &[String], allow: bool) -> Result<()> {
    if !named.is_empty() && !allow {
        bail!(
            "the {what} names {} (a subject of a concern), and leadership will read it: \
             rewrite without names, or pass --allow-names; nothing was recorded",
            named.join(", ")
        );
    }
    Ok(())
}

fn action_id(text: &str) -> Result<u32> {
    parse_action_label(text)
        .ok_or_else(|| anyhow!("{text:?} is not an action; write it as A-0001 (see `casebook action list`)"))
}

fn date_or_today(text: Option<&str>) -> Result<NaiveDate> {
    text.map(parse_date).transpose().map(|d| d.unwrap_or_else(|| now().date()))
}

fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let out = std::io::stdout();
    let mut out = out.lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

// ---- debriefs -------------------------------------------------------------

pub fn debrief(cli: &Cli, command: &DebriefCommand) -> Result<()> {
    match command {
        DebriefCommand::Add(args) => add_debrief(cli, args),
        DebriefCommand::List { json } => {
            let session = cli.session()?;
            let debriefs = session.debriefs()?;
            super::warn_damaged(&debriefs.damaged);
            if *json {
                return print_json(&debriefs.items);
            }
            let actions = session.actions()?;
            super::warn_damaged(&actions.damaged);
            out!("{:<12} {:<10} {:>7} {:>7} {:<28} CONCERNS", "REFERENCE", "HELD", "LESSONS", "ACTIONS", "RECORDED BY");
            for d in &debriefs {
                let n = actions.iter().filter(|a| a.debrief == d.id).count();
                say!(
                    "{} {:<10} {:>7} {:>7} {} {}",
                    fit(&d.reference, 12),
                    d.held_on,
                    d.lessons.len(),
                    n,
                    fit(&d.recorded_by.name, 28),
                    d.concern_references()
                );
            }
            if debriefs.is_empty() {
                out!("(no debriefs)");
            }
            Ok(())
        }
        DebriefCommand::Show { reference, json } => {
            let session = cli.session()?;
            let d = session.debrief(session.find_debrief(reference)?)?;
            let actions: Vec<Action> = session.actions()?.into_iter().filter(|a| a.debrief == d.id).collect();
            if *json {
                return print_json(&serde_json::json!({ "debrief": d, "actions": actions }));
            }
            out_raw!("{}", safe(&debrief_text(&d, &actions, now().date())));
            Ok(())
        }
        DebriefCommand::Awaiting { json } => {
            let mut session = cli.session()?;
            let rows = session.awaiting_debrief()?;
            super::warn_damaged(&rows.damaged);
            let now = now();
            if *json {
                let rows: Vec<_> = rows
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "reference": r.reference, "category": r.category,
                            "since": r.since, "days_waiting": r.days_waiting(now),
                        })
                    })
                    .collect();
                return print_json(&rows);
            }
            out!("{:<12} {:>8} {:<17} CATEGORY", "REFERENCE", "WAITING", "SINCE");
            for r in &rows {
                say!(
                    "{:<12} {:>7}d {:<17} {}",
                    r.reference,
                    r.days_waiting(now),
                    r.since.format("%Y-%m-%d %H:%M"),
                    session.catalogue().category_label(&r.category)
                );
            }
            if rows.is_empty() {
                out!("(no concerns await a debrief)");
            }
            Ok(())
        }
    }
}

fn add_debrief(cli: &Cli, args: &DebriefArgs) -> Result<()> {
    let mut j = if args.json {
        let mut text = String::new();
        let limit = crate::domain::limits::JSON_INPUT_BYTES;
        // Read at most one byte past the limit (PRODUCT.md 7e).
        std::io::stdin()
            .take(limit as u64 + 1)
            .read_to_string(&mut text)
            .map_err(|e| anyhow!("cannot read standard input: {e}"))?;
        if text.len() > limit {
            bail!("the debrief JSON is over the limit of {}; nothing was recorded", crate::domain::limits::size(limit));
        }
        serde_json::from_str::<DebriefJson>(&text)
            .map_err(|e| anyhow!("malformed debrief JSON: {e}; nothing was recorded"))?
    } else {
        DebriefJson::default()
    };
    // Flags add to the lists and override the JSON's single fields.
    j.concerns.extend(args.concerns.iter().cloned());
    j.attendees.extend(args.attendees.iter().cloned());
    j.others.extend(args.others.iter().cloned());
    j.lessons.extend(args.lessons.iter().cloned());
    for (field, flag) in [
        (&mut j.summary, &args.summary),
        (&mut j.what_worked, &args.worked),
        (&mut j.what_did_not, &args.did_not_work),
        (&mut j.changes_needed, &args.changes),
    ] {
        if let Some(v) = flag {
            *field = v.clone();
        }
    }
    let held_on = date_or_today(args.date.as_deref().or(j.date.as_deref()))?;
    let mut session = cli.session()?;
    let mut attendees = j.attendees.iter().map(|a| member_id(&session, a)).collect::<Result<Vec<_>>>()?;
    if attendees.is_empty() && j.others.is_empty() {
        attendees.push(session.me().id);
    }
    let new = NewDebrief {
        concerns: j.concerns,
        held_on,
        attendees,
        other_attendees: j.others,
        summary: j.summary,
        what_worked: j.what_worked,
        what_did_not: j.what_did_not,
        lessons: j.lessons,
        changes_needed: j.changes_needed,
    };
    let errors = new.validate(now().date());
    if !errors.is_empty() {
        bail!(
            "the debrief is not complete: {}; nothing was recorded",
            errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
        );
    }
    // P9-e: leadership reads debriefs, so a subject's name must not be in one.
    let named = session.debrief_name_warnings(&new)?;
    refuse_names("debrief's text", &named, args.allow_names)?;
    let recorded = session.record_debrief(new, now())?;
    let d = &recorded.debrief;
    let closed =
        if recorded.closed.is_empty() { String::new() } else { format!(" Closed {}.", recorded.closed.join(", ")) };
    say!(
        "Recorded {} ({} lesson{}).{closed}",
        d.reference,
        d.lessons.len(),
        if d.lessons.len() == 1 { "" } else { "s" }
    );
    Ok(())
}

/// A debrief as text: what leadership reads, with concerns by reference only.
fn debrief_text(d: &Debrief, actions: &[Action], today: NaiveDate) -> String {
    let mut out = format!("Debrief {}, held {}\n", d.reference, d.held_on.format("%-d %B %Y"));
    out.push_str(&format!("Concerns:     {}\n", d.concern_references()));
    out.push_str(&format!("Attended:     {}\n", d.attendee_names().join("; ")));
    out.push_str(&format!("Recorded by:  {} on {}\n", d.recorded_by.name, d.recorded_at.format("%-d %B %Y %H:%M")));
    for (title, text) in [
        ("Summary", &d.summary),
        ("What worked", &d.what_worked),
        ("What did not", &d.what_did_not),
        ("Policy or curriculum changes needed", &d.changes_needed),
    ] {
        if !text.is_empty() {
            out.push_str(&format!("\n{title}:\n  {}\n", text.replace('\n', "\n  ")));
        }
    }
    out.push_str("\nLessons learnt:\n");
    if d.lessons.is_empty() {
        out.push_str("  (none recorded)\n");
    }
    for l in &d.lessons {
        out.push_str(&format!("  {}. {}\n", l.seq, l.text));
        for a in actions.iter().filter(|a| a.lesson == l.seq) {
            out.push_str(&format!(
                "     {} [{}] {} — {}, due {}{}\n",
                a.label(),
                status_text(a, today),
                a.description,
                a.owner.name,
                a.due,
                if a.kind == ActionKind::Other { String::new() } else { format!(" ({})", a.kind.label()) }
            ));
        }
    }
    out
}

// ---- actions --------------------------------------------------------------

/// "open", or "open, OVERDUE 12d": overdue actions say so in text, not
/// only in colour.
fn status_text(a: &Action, today: NaiveDate) -> String {
    if a.is_overdue(today) {
        format!("{}, OVERDUE {}d", a.status().label(), a.days_overdue(today))
    } else {
        a.status().label().to_string()
    }
}

/// `action list --json` rows: the action plus what is derived from it.
#[derive(Debug, Serialize)]
struct ActionJson<'a> {
    label: String,
    status: &'static str,
    overdue: bool,
    days_overdue: i64,
    kind_label: &'static str,
    source: String,
    #[serde(flatten)]
    action: &'a Action,
}

impl<'a> ActionJson<'a> {
    fn of(a: &'a Action, today: NaiveDate) -> Self {
        ActionJson {
            label: a.label(),
            status: a.status().label(),
            overdue: a.is_overdue(today),
            days_overdue: a.days_overdue(today),
            kind_label: a.kind.label(),
            source: a.source_label(),
            action: a,
        }
    }
}

fn parse_kind(text: &str) -> Result<ActionKind> {
    ActionKind::parse(text).ok_or_else(|| anyhow!("{text:?} is not an action kind; use {KINDS}"))
}

fn parse_status(text: &str) -> Result<ActionStatus> {
    ActionStatus::parse(text).ok_or_else(|| anyhow!("{text:?} is not an action status; use {STATUSES}"))
}

pub fn action(cli: &Cli, command: &ActionCommand) -> Result<()> {
    let today = now().date();
    match command {
        ActionCommand::Add { debrief, lesson, kind, owner, due, confirm_far_date, description, allow_names } => {
            let kind = parse_kind(kind)?;
            let due = parse_date(due)?;
            check_due("the due date", due, *confirm_far_date)?;
            let mut session = cli.session()?;
            let new = NewAction {
                debrief: session.find_debrief(debrief)?,
                lesson: *lesson,
                description: description.clone(),
                kind,
                owner: member_id(&session, owner)?,
                due,
            };
            let named = session.action_name_warnings(new.debrief, &new.description)?;
            refuse_names("action's description", &named, *allow_names)?;
            let a = session.add_action(new, now())?;
            say!(
                "Added {} for {}: {}, owned by {}, due {}.",
                a.label(),
                a.source_label(),
                a.kind.label(),
                a.owner.name,
                a.due
            );
            if a.kind == ActionKind::PolicyChange {
                out!("Logged it as a review trigger for the policy (P8-a).");
            }
            Ok(())
        }
        ActionCommand::List { owner, status, kind, overdue, json } => {
            let status = status.as_deref().map(parse_status).transpose()?;
            let kind = kind.as_deref().map(parse_kind).transpose()?;
            let session = cli.session()?;
            let owner = owner.as_deref().map(|o| member_id(&session, o)).transpose()?;
            let filter = ActionFilter { owner, status, kind, overdue_only: *overdue };
            let all = session.actions()?;
            super::warn_damaged(&all.damaged);
            let actions: Vec<Action> = all.into_iter().filter(|a| filter.matches(a, today)).collect();
            if *json {
                return print_json(&actions.iter().map(|a| ActionJson::of(a, today)).collect::<Vec<_>>());
            }
            let out = std::io::stdout();
            let mut out = std::io::BufWriter::new(out.lock());
            writeln!(
                out,
                "{:<7} {:<22} {:<10} {:<24} {:<24} {:<22} DESCRIPTION",
                "ACTION", "STATUS", "DUE", "KIND", "OWNER", "FROM"
            )?;
            for a in &actions {
                writeln!(
                    out,
                    "{:<7} {:<22} {:<10} {:<24} {} {} {}",
                    a.label(),
                    status_text(a, today),
                    a.due,
                    a.kind.label(),
                    fit(&a.owner.name, 24),
                    fit(&a.source_label(), 22),
                    crate::text::one_line(&a.description)
                )?;
            }
            if actions.is_empty() {
                writeln!(out, "(no actions)")?;
            }
            out.flush()?;
            Ok(())
        }
        ActionCommand::Show { action, json } => {
            let session = cli.session()?;
            let a = session.action(action_id(action)?)?;
            if *json {
                return print_json(&ActionJson::of(&a, today));
            }
            say!("{} [{}] {}", a.label(), status_text(&a, today), a.description);
            say!("From:   {}", a.source_label());
            say!("Kind:   {}", a.kind.label());
            say!("Owner:  {}", a.owner.name);
            say!("Due:    {}", a.due);
            say!("Added:  {} by {}", a.created_at.format("%Y-%m-%d %H:%M"), a.created_by.name);
            say!("History:");
            if a.history.is_empty() {
                say!("  (no changes yet)");
            }
            for c in &a.history {
                let note = if c.note.is_empty() { String::new() } else { format!(": {}", c.note) };
                say!(
                    "  {} {} → {} by {}{}",
                    c.at.format("%Y-%m-%d %H:%M"),
                    c.from.label(),
                    c.to.label(),
                    c.by.name,
                    note
                );
            }
            Ok(())
        }
        ActionCommand::Status { action, to, note, allow_names } => {
            let id = action_id(action)?;
            let to = parse_status(to)?;
            let mut session = cli.session()?;
            if !note.trim().is_empty() {
                let debrief = session.action(id)?.debrief;
                let named = session.action_name_warnings(debrief, note)?;
                refuse_names("note", &named, *allow_names)?;
            }
            let a = session.change_action_status(id, to, note, now())?;
            say!("{} is now {}.", a.label(), a.status().label());
            Ok(())
        }
    }
}

// ---- policy review --------------------------------------------------------

/// "OVERDUE since 2025-06-01", "review wanted (2 triggers)", "due 2027-03-25".
fn policy_state(s: &PolicyStatus) -> String {
    if s.overdue {
        format!("OVERDUE since {}", s.next_due)
    } else if s.pending_triggers > 0 {
        format!("review wanted ({} trigger{})", s.pending_triggers, if s.pending_triggers == 1 { "" } else { "s" })
    } else {
        format!("due {}", s.next_due)
    }
}

#[derive(Debug, Serialize)]
struct PolicyJson<'a> {
    status: PolicyStatus,
    #[serde(flatten)]
    policy: &'a TrackedPolicy,
}

pub fn policy(cli: &Cli, command: &PolicyCommand) -> Result<()> {
    let today = now().date();
    match command {
        PolicyCommand::List { json } => {
            let session = cli.session()?;
            let policies = session.policies()?;
            super::warn_damaged(&policies.damaged);
            if *json {
                return print_json(
                    &policies.iter().map(|p| PolicyJson { status: p.status(today), policy: p }).collect::<Vec<_>>(),
                );
            }
            for p in &policies {
                let s = p.status(today);
                say!("#{} {} ({})", p.id, p.name, s.version);
                if p.reviews.is_empty() {
                    say!(
                        "   written {}, not reviewed since; reviewed every {} months",
                        p.written,
                        p.review_interval_months
                    );
                } else {
                    say!("   last reviewed {}, every {} months", s.last_reviewed, p.review_interval_months);
                }
                say!("   review: {}", policy_state(&s));
                for t in p.pending_triggers() {
                    say!("   trigger {}: {}: {} ({})", t.at.format("%Y-%m-%d"), t.kind.label(), t.note, t.by.name);
                }
                if let Some(r) = p.reviews.last() {
                    say!("   last review by {}: {}", r.by.name, r.note);
                }
            }
            Ok(())
        }
        PolicyCommand::Review { policy, date, version, note, close_actions, allow_names } => {
            let date = date_or_today(date.as_deref())?;
            let close_actions = close_actions.iter().map(|a| action_id(a)).collect::<Result<Vec<_>>>()?;
            let mut session = cli.session()?;
            let named = session.name_warnings(&format!("{version}\n{note}"), &[])?;
            refuse_names("review's note", &named, *allow_names)?;
            let closing = close_actions.len();
            let p = session.record_policy_review(
                *policy,
                ReviewInput { date, version: version.clone(), note: note.clone(), close_actions },
                now(),
            )?;
            let closed = if closing > 0 {
                let closed =
                    p.reviews.last().map(|r| r.closed_actions.iter().map(|&id| action_label(id)).collect::<Vec<_>>());
                format!(" Closed {}.", closed.unwrap_or_default().join(", "))
            } else {
                String::new()
            };
            say!("Recorded the review of the {} ({}); next due {}.{closed}", p.name, p.current_version(), p.next_due());
            Ok(())
        }
        PolicyCommand::Trigger { policy, kind, note, action, allow_names } => {
            let kind =
                TriggerKind::parse(kind).ok_or_else(|| anyhow!("{kind:?} is not a review trigger; use {TRIGGERS}"))?;
            let action = action.as_deref().map(action_id).transpose()?;
            let mut session = cli.session()?;
            let named = session.name_warnings(note, &[])?;
            refuse_names("trigger's note", &named, *allow_names)?;
            let p = session.log_review_trigger(*policy, kind, note, action, now())?;
            say!("Logged a review trigger ({}) for the {}.", kind.label(), p.name);
            Ok(())
        }
    }
}

// ---- figures --------------------------------------------------------------

/// `casebook figures`: the leadership dashboard as text (P9-e): counts and
/// statuses only, never a name or a reference of a concern.
pub fn figures(cli: &Cli, json: bool) -> Result<()> {
    let mut session = cli.session()?;
    let dash = session.dashboard(now())?;
    super::warn_damaged(&dash.damaged);
    if json {
        return print_json(&dash.items);
    }
    out_raw!("{}", safe(&dashboard_text(&dash, session.catalogue())));
    // Issue 11: when the records were last safely copied.
    let (line, _) = crate::store::backup::status_line(session.last_backup()?.as_ref(), chrono::Local::now());
    say!("\n{line}");
    Ok(())
}

fn dashboard_text(d: &Dashboard, catalogue: &Catalogue) -> String {
    let a = &d.actions;
    let mut out = format!("Leadership dashboard, {} ({})\n\n", d.today.format("%-d %B %Y"), d.term.label);
    out.push_str(&format!(
        "Actions:   {} open, {} in progress, {} OVERDUE, {} done, {} dropped\n",
        a.open, a.in_progress, a.overdue, a.done, a.dropped
    ));
    for x in &d.overdue_actions {
        out.push_str(&format!(
            "  {} OVERDUE {}d: {} ({}, due {})\n",
            x.label(),
            x.days_overdue(d.today),
            x.description,
            x.owner.name,
            x.due
        ));
    }
    out.push_str(&format!("Debriefs:  {} this term, {} in all", d.debriefs_this_term, d.debriefs_total));
    match d.latest_debrief {
        Some(latest) => out.push_str(&format!(" (latest {latest})\n")),
        None => out.push('\n'),
    }
    out.push_str("Policy review:\n");
    for p in &d.policies {
        out.push_str(&format!("  {} ({}): {}\n", p.name, p.version, policy_state(p)));
    }
    match &d.figures {
        None => out.push_str("Concerns:  no figures yet (they appear once the DSL or a deputy opens the board)\n"),
        Some(f) => {
            out.push_str(&format!(
                "Concerns:  {} in all, as of {}; counts only\n",
                f.total(),
                f.computed_at.format("%Y-%m-%d %H:%M")
            ));
            let by_status: Vec<String> = f.by_status().iter().map(|(s, n)| format!("{n} {}", s.label())).collect();
            out.push_str(&format!("  by status:   {}\n", by_status.join(", ")));
            // P9-c: the DSL's decisions that a debrief was not needed.
            out.push_str(&format!(
                "  closed without debrief: {} (the DSL's recorded decision)\n",
                f.closed_without_debrief
            ));
            out.push_str("  by category:\n");
            for (category, n) in f.by_category() {
                out.push_str(&format!("    {n:>4}  {}\n", catalogue.category_label(&category)));
            }
            // P2-a: reports group by the policy a concern is handled under.
            out.push_str("  by linked policy (each category's, P2-a):\n");
            for (policy, n) in f.by_policy(catalogue) {
                out.push_str(&format!("    {n:>4}  {}\n", catalogue.policy_label(&policy)));
            }
        }
    }
    out
}
