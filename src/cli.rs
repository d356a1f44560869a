//! The command line: set-up, scripting and the way into the TUI. Every
//! command goes through the same `store::Session` API as the TUI.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use age::secrecy::SecretString;
use age::x25519;
use anyhow::{Context, Result, anyhow, bail};
use chrono::{NaiveDate, NaiveDateTime};
use clap::{Args, Parser, Subcommand};
use serde::{Deserialize, Serialize};

use crate::domain::summary::age_label;
use crate::domain::when::{DueDate, check_due_date, far_date_question};
use crate::domain::{
    CaseSummary, EntryKind, NewConcern, Risk, Role, Source, Status, Subject, SubjectKind, Urgency, limits,
};
use crate::store::{Session, Store, StoreError, TriageInput, identity};
use crate::text::{fit, safe};

/// Prints one line of human-readable output. Everything printed goes
/// through [`crate::text::safe`], so no control character or escape
/// sequence a member typed reaches a terminal raw (PRODUCT.md 7d, issue 8).
/// JSON output is printed as serde writes it.
macro_rules! say {
    ($($arg:tt)*) => {
        out!("{}", $crate::text::safe(&format!($($arg)*)))
    };
}

/// A line on standard output (see [`write_out`]).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Standard output without a newline (see [`write_out`]).
macro_rules! out_raw {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!($($arg)*))
    };
}

/// Writes to standard output. A reader that went away (`casebook catalogue
/// | head -3`) ends casebook quietly, as other command-line tools end, not
/// with a panic (PRODUCT.md principle 6).
pub fn write_out(args: std::fmt::Arguments) {
    use std::io::Write;
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            // 128 + SIGPIPE: what a shell reports for a tool cut off this way.
            std::process::exit(141);
        }
        eprintln!("casebook: cannot write the output: {e}");
        std::process::exit(1);
    }
}

/// Issue 13: files on a concern.
mod attachments;
/// Issue 13: device custody (P6.1-a, P6.1-b, P6.1-d, P6.1-h).
mod custody;
/// Issue 5's commands (debrief, action, policy, figures; P9-c, P9-d, P8-a).
mod oversight;
mod people;
/// Issue 13's commands (term dates, referrals, today; S-b).
mod referrals;
mod registers;
mod restricted;
mod retention;
/// Issue 13: searches of devices and who may examine or erase data (P6.1-e, P6.1-f, P6.1-g).
mod searches;

/// A value whose allowed values `--help` lists (issue 8). The command
/// checks the value itself, so the aliases the domain accepts still work
/// and a wrong value gets casebook's one-line message rather than clap's.
#[derive(Clone)]
struct Listed(fn() -> Vec<String>);

impl clap::builder::TypedValueParser for Listed {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new((self.0)().into_iter().map(clap::builder::PossibleValue::new)))
    }
}

/// The values each option takes, as `--help` lists them.
mod values {
    use crate::domain::{Catalogue, EntryKind, Risk, Role, Status};

    fn dashed(label: &str) -> String {
        label.to_ascii_lowercase().replace(' ', "-")
    }
    pub fn roles() -> Vec<String> {
        Role::ALL.iter().map(|r| dashed(r.label())).collect()
    }
    pub fn statuses() -> Vec<String> {
        Status::ALL.iter().map(|s| dashed(s.label())).collect()
    }
    /// The statuses a concern can be moved to by hand.
    pub fn moves() -> Vec<String> {
        [Status::InProgress, Status::AwaitingDebrief, Status::Closed].iter().map(|s| dashed(s.label())).collect()
    }
    pub fn entry_kinds() -> Vec<String> {
        EntryKind::MANUAL.iter().map(|k| dashed(k.label())).collect()
    }
    pub fn risks() -> Vec<String> {
        Risk::ALL.iter().map(|r| r.label().to_string()).collect()
    }
    pub fn urgencies() -> Vec<String> {
        vec!["routine".into(), "urgent".into()]
    }
    pub fn sources() -> Vec<String> {
        SOURCES.iter().map(|s| s.to_string()).collect()
    }
    /// What `Source::parse` reads, one spelling for each source.
    pub const SOURCES: [&str; 6] =
        ["staff-report", "disclosure", "parent-carer-report", "monitoring-alert", "complaint", "whistleblowing"];
    pub fn categories() -> Vec<String> {
        Catalogue::seed().categories.into_iter().map(|c| c.id).collect()
    }
    pub fn locations() -> Vec<String> {
        Catalogue::seed().locations.into_iter().map(|l| l.id).collect()
    }
    pub fn devices() -> Vec<String> {
        Catalogue::seed().devices.into_iter().map(|d| d.id).collect()
    }
    pub fn pathways() -> Vec<String> {
        Catalogue::seed().pathways.into_iter().map(|p| p.id).collect()
    }
    pub fn policies() -> Vec<String> {
        Catalogue::seed().linked_policies.into_iter().map(|p| p.id).collect()
    }
    pub fn action_kinds() -> Vec<String> {
        ["policy-change", "curriculum-change", "staff-training", "signage", "technical", "other"]
            .map(String::from)
            .into()
    }
    pub fn action_statuses() -> Vec<String> {
        ["open", "in-progress", "done", "dropped"].map(String::from).into()
    }
    pub fn triggers() -> Vec<String> {
        ["update", "local-concern", "infrastructure", "action"].map(String::from).into()
    }
}

#[derive(Debug, Parser)]
#[command(name = "casebook", version, about = "The Designated Safeguarding Lead's casebook", long_about = None)]
pub struct Cli {
    /// The store directory [default: the user's data directory]
    #[arg(long, global = true, env = "CASEBOOK_STORE", value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Your age identity file [default: identity.age in the data directory]
    #[arg(long, global = true, env = "CASEBOOK_IDENTITY", value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// The socket of the school's `casebook serve` [default: casebook.sock beside the store]
    #[arg(long, global = true, env = "CASEBOOK_SOCKET", value_name = "FILE")]
    pub socket: Option<PathBuf>,
    /// Lock the screen after this many idle minutes (0: never)
    #[arg(long = "idle-minutes", global = true, env = "CASEBOOK_IDLE_MINUTES", default_value_t = 5)]
    pub idle_minutes: u64,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a store for a school with its first DSL
    Init(InitArgs),
    /// Manage who may use the casebook
    #[command(subcommand)]
    Member(MemberCommand),
    /// Trust this store afresh, after the DSL restored an older backup on purpose
    ///
    /// Forgets what your casebook remembers about the store (its identity,
    /// its DSL, how far it had got); the next session trusts it as it is.
    ForgetStore,
    /// Make the school's recovery key (DSL only), for the school safe
    ///
    /// Every record is sealed to it too, so it opens them with Debian's
    /// `age` alone if every member's key is lost.
    RecoveryKey {
        /// Where to write it (never overwritten; print it and keep it in
        /// the school safe, then delete the file)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Who opened or changed which concern, and when (DSL only); checks
    /// that no entry was changed or removed
    Audit {
        /// Only this concern (e.g. C-2026-0001); `verify` only checks the
        /// chain and says how many entries it holds
        reference: Option<String>,
        /// One JSON object per entry, for scripts
        #[arg(long)]
        json: bool,
    },
    /// Record a concern from flags, or as JSON on standard input (--json)
    #[command(subcommand)]
    Concern(ConcernCommand),
    /// List concerns, most urgent and newest first
    List {
        #[arg(long)]
        json: bool,
        /// Only concerns with this status
        #[arg(long, value_parser = Listed(values::statuses))]
        status: Option<String>,
    },
    /// Show one concern with its triage and chronology
    Show {
        /// C-2026-0001, or a shorthand: 2026-1, or 1 if only one year has a concern 1
        reference: String,
        #[arg(long)]
        json: bool,
    },
    /// Record a triage decision
    Triage(TriageArgs),
    /// Add a chronology entry (follow-up, phone call, meeting …)
    Note {
        reference: String,
        /// What kind of entry
        #[arg(long, default_value = "follow-up", value_parser = Listed(values::entry_kinds))]
        kind: String,
        #[arg(long)]
        text: String,
        /// When it happened [default: now]
        #[arg(long)]
        at: Option<String>,
    },
    /// Correct a chronology entry: the new text supersedes it, both are kept
    Correct {
        reference: String,
        /// The entry's number (#N in `casebook show`)
        #[arg(long)]
        entry: u32,
        #[arg(long)]
        text: String,
    },
    /// Move a concern along its lifecycle (an investigated concern closes when its debrief is recorded)
    Status {
        reference: String,
        /// The status to move to
        #[arg(long, value_parser = Listed(values::moves))]
        to: String,
        #[arg(long)]
        reason: String,
        /// With --to closed: the DSL's decision that this investigated concern needs no debrief (P9-c); the reason is recorded and leadership's figures count it
        #[arg(long = "no-debrief-needed")]
        no_debrief_needed: bool,
    },
    /// Write a case file as a standard age file for `age -d -i KEY`
    Export {
        reference: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Also encrypt to this age recipient (repeatable)
        #[arg(long = "recipient", value_name = "AGE1…")]
        recipients: Vec<String>,
    },
    /// People: children, staff, parents/carers and visitors; a child's whole record; MIS import (DSL and deputies)
    #[command(subcommand)]
    People(people::PeopleCommand),
    /// Debriefs after an investigation (P9-c): add, list, show, awaiting
    #[command(subcommand)]
    Debrief(oversight::DebriefCommand),
    /// Lessons-learned actions (P9-d): add, list, show, status
    #[command(subcommand)]
    Action(oversight::ActionCommand),
    /// The policy's review cycle (P8-a): list, review, trigger
    #[command(subcommand)]
    Policy(oversight::PolicyCommand),
    /// The school's term dates, for deadlines in working days (S-b): set, show
    #[command(subcommand, name = "term-dates")]
    TermDates(referrals::TermDatesCommand),
    /// What needs doing today, soonest first: new and unassigned concerns, deadlines and reviews due or overdue
    Today {
        #[arg(long)]
        json: bool,
        /// As of this day instead of today, YYYY-MM-DD (e.g. the next school day)
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
    },
    /// Referrals and contacts on a concern (police, LADO, social care, exam body, advice, parents): add, list
    #[command(subcommand)]
    Referral(referrals::ReferralCommand),
    /// Files on a concern (issue 13): add, list, export as an age file
    #[command(subcommand)]
    Attachment(attachments::AttachmentCommand),
    /// Confiscated devices and their chain of custody (P6.1-b): add, move, return, police, correct, list, show
    #[command(subcommand)]
    Custody(custody::CustodyCommand),
    /// Searches of a device on a concern (P6.1-e): who authorised, searched and witnessed, what was found
    #[command(subcommand)]
    Search(searches::SearchCommand),
    /// Staff and visitor registers: permission log (P5-a), remote-learning approvals (P5-e), disclosures (P5-c), visitor devices (P7-b)
    #[command(subcommand)]
    Register(registers::RegisterCommand),
    /// Restrict an allegation against staff to the DSL and named members (DSL only; P5-f, P5-g)
    ///
    /// The concern and its referrals are sealed again to the DSL(s) and the
    /// members in --allow alone; no other deputy's key opens them, and the
    /// board shows others only "restricted". A member in --exclude, or named
    /// as a subject of the concern, is never a reader. Run again to change
    /// who may read it.
    Restrict {
        reference: String,
        /// A member's number (#N in `casebook member list`) who may read it (repeatable)
        #[arg(long, value_name = "N")]
        allow: Vec<u32>,
        /// A member's number who must never read it, e.g. a subject of it (repeatable)
        #[arg(long, value_name = "N")]
        exclude: Vec<u32>,
        /// Why, for the chronology
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Closed concerns past retention, with the basis (S-d): a child's record until their 25th birthday,
    /// an allegation against staff until retirement age or 10 years, whichever is longer
    Retention {
        #[arg(long)]
        json: bool,
        /// As of this day instead of today, YYYY-MM-DD
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// The disposal records instead (DSL only): what was disposed of, when, by whom, why
        #[arg(long)]
        disposed: bool,
    },
    /// Dispose of a closed concern past retention and every record of it, leaving a disposal record (DSL only; S-d)
    ///
    /// Deletes the case and its chronology, its reference, board row,
    /// referrals, device custody, searches, files and restriction in one
    /// write, and keeps a disposal record (reference, date, who, reason,
    /// retention basis; no name or detail) sealed to the DSL(s), and an
    /// audit entry. Its debriefs and their lessons-learned actions stay,
    /// naming the concern by reference alone.
    Dispose {
        reference: String,
        /// Why it is disposed of now (kept in the disposal record)
        #[arg(long)]
        reason: String,
        /// Dispose of it before its retention ends, with the reason (recorded)
        #[arg(long, value_name = "REASON")]
        early: Option<String>,
    },
    /// The leadership dashboard: actions, debriefs, policy review, concerns as counts (P9-e)
    Figures {
        #[arg(long)]
        json: bool,
    },
    /// Open the casebook on a throwaway store of fictional concerns
    Demo(DemoArgs),
    /// The policy catalogue (categories, locations, devices, pathways); alone, prints the seed
    ///
    /// `show` prints the one in use; `export` writes it as a starting file;
    /// `set FILE` makes a school's own file the catalogue (the DSL only; a
    /// wrong line is named and nothing changes). P3-a, P2-a.
    Catalogue {
        #[command(subcommand)]
        action: Option<CatalogueCommand>,
    },
    /// Print where casebook looks for its store and identity, and which is in use
    Paths,
    /// Serve the store to everyone at once over a Unix socket (holds no key)
    Serve(ServeArgs),
    /// Write a consistent backup of the whole store to a new FILE while others work (ciphertext and clear ids only: safe to copy off-site)
    Backup {
        /// The backup file to create (it must not exist yet)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Rebuild a store from a backup FILE into a new directory (never over an existing store)
    Restore {
        /// A file written by `casebook backup` (or by `serve --backup-dir`)
        file: PathBuf,
        /// The new store's directory: it must not exist, or be empty
        #[arg(long, value_name = "DIR")]
        into: PathBuf,
    },
    /// Carve every intact record out of a damaged store's files (without sled) into a new store; needs the DSL's key
    Salvage {
        /// The damaged store's directory (its sled `db` file and any blobs/)
        damaged: PathBuf,
        /// The new store's directory: it must not exist, or be empty
        #[arg(long, value_name = "DIR")]
        into: PathBuf,
        /// Also write each recovered record as an age file in DIR (opens with `age -d -i KEY`)
        #[arg(long, value_name = "DIR")]
        dump: Option<PathBuf>,
    },
    /// Check every record: open what your key may read, check the structure of the rest; exits 1 on any problem
    Verify {
        /// Structure only, nothing decrypted (fast, for a nightly job); needs no key on a store opened directly
        #[arg(long)]
        quick: bool,
        /// Check a backup file instead of the store, without restoring it
        #[arg(long, value_name = "FILE")]
        backup: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The socket file's mode (octal): 660 lets the owner and the group in
    #[arg(long, default_value = "660", value_parser = parse_mode)]
    pub mode: u32,
    /// Take a backup into DIR every night (and at start if the newest there is over a day old)
    #[arg(long = "backup-dir", value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// How many nightly backups to keep in --backup-dir (the oldest go once a new one checks)
    #[arg(long, default_value_t = 14, requires = "backup_dir", value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub keep: u32,
    /// The time of day for the nightly backup, HH:MM (local time)
    #[arg(long = "backup-at", default_value = "02:00", requires = "backup_dir", value_parser = parse_time_of_day)]
    pub backup_at: chrono::NaiveTime,
    /// Run this shell command, or this script, when an urgent concern is recorded (a mail or chat hook); it is
    /// given only "an urgent concern was recorded at HH:MM: open casebook", as $1 and $CASEBOOK_MESSAGE (at most
    /// one a minute)
    #[arg(long = "notify-command", value_name = "COMMAND", env = "CASEBOOK_NOTIFY_COMMAND")]
    pub notify_command: Option<String>,
}

fn parse_time_of_day(text: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| format!("{text:?} is not a time of day; write it as HH:MM, e.g. 02:00"))
}

fn parse_mode(text: &str) -> Result<u32, String> {
    u32::from_str_radix(text, 8)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| format!("{text:?} is not a file mode; use octal digits such as 660"))
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[arg(long)]
    pub school: String,
    /// The DSL's name
    #[arg(long = "dsl-name")]
    pub dsl_name: String,
    /// The DSL's age recipient (age1…), e.g. from `age-keygen -y key.txt`
    #[arg(long, conflicts_with = "new_identity")]
    pub recipient: Option<String>,
    /// Generate a new passphrase-protected identity for the DSL at FILE
    #[arg(long = "new-identity", value_name = "FILE")]
    pub new_identity: Option<PathBuf>,
    /// Write the school's recovery key to FILE (otherwise it is shown once
    /// on the terminal, for printing)
    #[arg(long = "recovery-out", value_name = "FILE")]
    pub recovery_out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Add a member (DSL only)
    Add {
        #[arg(long)]
        name: String,
        /// Their role: what they may read and do
        #[arg(long, value_parser = Listed(values::roles))]
        role: String,
        /// Their age recipient (age1…)
        #[arg(long)]
        recipient: String,
    },
    /// List members and their roles
    List,
    /// Remove a member (DSL only): the keys of what they could read are
    /// replaced and every such record sealed again without them
    Remove {
        /// The member's number (see `member list`)
        id: u32,
    },
    /// Change a member's role (DSL only); what the new role cannot read is
    /// re-keyed as if they had left
    Role {
        /// The member's number (see `member list`)
        id: u32,
        /// The new role
        #[arg(value_parser = Listed(values::roles))]
        role: String,
    },
    /// Mark a member as authorised to examine or erase data on a device, or withdraw it (DSL only; P6.1-g)
    Authorise {
        /// The member's number (see `member list`)
        id: u32,
        /// Withdraw the authority instead
        #[arg(long)]
        revoke: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConcernCommand {
    /// Record a concern
    #[command(after_long_help = CONCERN_JSON_HELP)]
    Add(ConcernArgs),
}

/// `concern add --help`: the JSON input format, documented in full in the
/// README ("`concern add --json`").
const CONCERN_JSON_HELP: &str = "\
With --json, standard input holds one JSON object, or one object per line (JSON Lines):
  {\"subjects\": [{\"kind\": \"child\", \"name\": \"Pupil Name\", \"detail\": \"Year 5\"}],
   \"category\": \"restricted-area\", \"location\": \"toilets\", \"devices\": [\"mobile-phone\"],
   \"description\": \"What happened, factually.\", \"immediate_action\": \"Phone taken to the office.\",
   \"source\": \"staff-report\", \"occurred_at\": \"2026-03-10 10:15\", \"reported_by\": \"Mr Name, TA\"}
Needed: subjects (kind child, staff, parent or visitor; name; detail optional), category, location and
description. The values are those listed above; see README.md for every field.";

#[derive(Debug, Args)]
pub struct ConcernArgs {
    /// Read the concern as JSON from standard input (the format is below)
    #[arg(long, conflicts_with_all = ["subject", "category", "description"])]
    pub json: bool,
    /// KIND:NAME[:DETAIL], KIND one of child, staff, parent, visitor; e.g. "child:Pupil Name:Year 5" (repeatable)
    #[arg(long)]
    pub subject: Vec<String>,
    /// The policy's category (`casebook catalogue` describes each)
    #[arg(long, value_parser = Listed(values::categories))]
    pub category: Option<String>,
    /// Where it happened
    #[arg(long, default_value = "classroom", value_parser = Listed(values::locations))]
    pub location: String,
    /// A device involved (repeatable)
    #[arg(long, value_parser = Listed(values::devices))]
    pub device: Vec<String>,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long = "action", default_value = "")]
    pub immediate_action: String,
    /// Where the concern came from
    #[arg(long, default_value = "staff-report", value_parser = Listed(values::sources))]
    pub source: String,
    /// When it happened, "YYYY-MM-DD HH:MM" [default: now]
    #[arg(long)]
    pub occurred: Option<String>,
    /// Who raised it, if not you ("Name, role")
    #[arg(long = "reported-by", default_value = "")]
    pub reported_by: String,
}

#[derive(Debug, Args)]
pub struct TriageArgs {
    /// C-2026-0001, or a shorthand: 2026-1, or 1
    pub reference: String,
    #[arg(long, value_parser = Listed(values::risks))]
    pub risk: String,
    /// [default: routine; urgent when a search made it urgent since its last triage (P6.1-f)]
    #[arg(long, value_parser = Listed(values::urgencies))]
    pub urgency: Option<String>,
    /// The response pathway
    #[arg(long, value_parser = Listed(values::pathways))]
    pub pathway: String,
    /// The linked policy it is handled under (P2-a)
    #[arg(long, value_parser = Listed(values::policies))]
    pub policy: String,
    /// A member's name or #id
    #[arg(long)]
    pub assignee: Option<String>,
    /// Next review date, YYYY-MM-DD: today or later
    #[arg(long)]
    pub review: Option<String>,
    /// Save a review date more than a year away (a check against typing slips)
    #[arg(long = "confirm-far-date")]
    pub confirm_far_date: bool,
    #[arg(long)]
    pub reasoning: String,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many fictional concerns to generate
    #[arg(long, default_value_t = crate::demo::DEFAULT_CONCERNS)]
    pub concerns: usize,
    /// Keep the demo store instead of deleting it on exit
    #[arg(long)]
    pub keep: bool,
    /// Only generate the store; do not open the TUI
    #[arg(long = "no-open")]
    pub no_open: bool,
}

/// The JSON shape of `casebook concern add --json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConcernJson {
    occurred_at: Option<String>,
    #[serde(default)]
    reported_by: String,
    subjects: Vec<SubjectJson>,
    category: String,
    location: String,
    #[serde(default)]
    devices: Vec<String>,
    description: String,
    #[serde(default)]
    immediate_action: String,
    #[serde(default)]
    source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectJson {
    /// A person on record ("P-0012"), instead of kind and name (issue 12).
    #[serde(default)]
    person: Option<String>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    detail: String,
    /// subject (the default), alleged, witness or other.
    #[serde(default)]
    part: Option<String>,
}

fn now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn parse_when(text: &str) -> Result<NaiveDateTime> {
    crate::domain::when::parse_when(text, now()).map_err(|e| anyhow!(e))
}

fn parse_date(text: &str) -> Result<NaiveDate> {
    crate::domain::when::parse_date(text).map_err(|e| anyhow!(e))
}

/// A day to look at things as of (`today --on`): within ten years of
/// today, so a slip (or +262142-12-31) is refused in one line rather than
/// counted to (issue 13 review).
fn parse_on(text: &str) -> Result<NaiveDate> {
    let day = parse_date(text)?;
    let today = now().date();
    let span = chrono::Months::new(120);
    let (earliest, latest) = (
        today.checked_sub_months(span).unwrap_or(NaiveDate::MIN),
        today.checked_add_months(span).unwrap_or(NaiveDate::MAX),
    );
    if day < earliest || day > latest {
        bail!("--on {day}: give a day within ten years of today ({today})");
    }
    Ok(day)
}

fn default_store() -> Result<PathBuf> {
    crate::paths::store().ok_or_else(|| anyhow!("no home directory: pass --store DIR"))
}

fn default_identity() -> Result<PathBuf> {
    crate::paths::identity().ok_or_else(|| anyhow!("no home directory: pass --identity FILE"))
}

/// Issue 11: each record a listing had to skip (or could read only in
/// part), one line each on stderr; the listing itself stays on stdout.
pub(crate) fn warn_damaged(damaged: &[crate::store::Damaged]) {
    for d in damaged {
        eprintln!("casebook: warning: {}", crate::text::one_line(&d.to_string()));
    }
}

/// Asks for a passphrase on the terminal, never echoed.
pub fn prompt_passphrase(prompt: &str) -> Option<SecretString> {
    rpassword::prompt_password(prompt).ok().map(SecretString::from)
}

impl Cli {
    fn store_path(&self) -> Result<PathBuf> {
        match &self.store {
            Some(p) => Ok(p.clone()),
            None => default_store(),
        }
    }

    fn identity_path(&self) -> Result<PathBuf> {
        match &self.identity {
            Some(p) => Ok(p.clone()),
            None => default_identity(),
        }
    }

    /// The school server's socket: `--socket`, or casebook.sock beside the
    /// store directory (the store itself is private to its owner).
    fn socket_path(&self) -> Result<PathBuf> {
        match &self.socket {
            Some(p) => Ok(p.clone()),
            None => {
                let store = self.store_path()?;
                Ok(store.parent().map_or_else(|| PathBuf::from("casebook.sock"), |d| d.join("casebook.sock")))
            }
        }
    }

    /// Opens the store (through `casebook serve` when one is listening,
    /// directly otherwise) and unlocks it with the caller's key: the one
    /// place the passphrase is asked for, once per run.
    fn session(&self) -> Result<Session> {
        self.open_session(true)
    }

    /// `warn`: say on stderr if the key file is weak (the TUI says it on
    /// its own screen instead).
    fn open_session(&self, warn: bool) -> Result<Session> {
        let store = crate::server::open_store(&self.store_path()?, &self.socket_path()?)?;
        let identity = self.load_identity()?;
        if warn {
            self.warn_about_key()?;
        }
        let session = store.unlock(identity)?;
        // Told to a person at a terminal; a script reads one line of error.
        if warn && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            for notice in session.notices() {
                eprintln!("casebook: {}", crate::text::safe(notice));
            }
        }
        Ok(session)
    }

    /// Issue 8: a key readable by other users is always named; a key without
    /// a passphrase only to a person at a terminal, not in every script's
    /// error output (scripts read one line of error).
    fn warn_about_key(&self) -> Result<()> {
        let path = self.identity_path()?;
        let check = identity::check_key_file(&path);
        if let Some(w) = check.warning(&path, std::io::stderr().is_terminal()) {
            eprintln!("casebook: warning: {w}");
        }
        Ok(())
    }

    fn tui_options(&self, demo: bool, identity: Option<PathBuf>) -> crate::tui::Options {
        let idle = (self.idle_minutes > 0).then(|| std::time::Duration::from_secs(self.idle_minutes * 60));
        crate::tui::Options { demo, identity, idle, clock: None }
    }

    fn load_identity(&self) -> Result<x25519::Identity> {
        let path = self.identity_path()?;
        let shown = path.display().to_string();
        Ok(identity::load(&path, &mut || prompt_passphrase(&format!("Passphrase for {shown}: ")))?)
    }
}

/// Runs the command line. Errors come back for `main` to print as one line.
/// Re-keying a large store takes a while: say how far it is, at a terminal.
fn rekey_progress(records: usize) {
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        eprint!("\rcasebook: sealed {records} records to the new keys…");
    }
}

/// What a membership change re-keyed, in words.
fn rekeyed(done: &crate::store::membership::Rekeyed) -> String {
    if done.classes.is_empty() {
        return "No key needed replacing.".into();
    }
    let classes: Vec<&str> = done.classes.iter().map(|c| c.tag()).collect();
    let mut s = format!("New {} keys; {} records sealed again without the old ones.", classes.join(", "), done.records);
    if done.left > 0 {
        s.push_str(&format!(" {} records did not open and were left as they were (see `casebook verify`).", done.left));
    }
    s
}

pub fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        None => {
            let session = cli.open_session(false)?;
            crate::tui::run(session, cli.tui_options(false, Some(cli.identity_path()?)))
        }
        Some(Command::Init(args)) => init(&cli, args),
        Some(Command::Member(MemberCommand::Add { name, role, recipient })) => {
            let role = Role::parse(role)
                .ok_or_else(|| anyhow!("{role:?} is not a role; use dsl, deputy, leadership or reporter"))?;
            let mut session = cli.session()?;
            let m = session.add_member(name, role, recipient)?;
            say!("Added {} as {} (member #{}).", m.name, m.role, m.id);
            Ok(())
        }
        Some(Command::Member(MemberCommand::Remove { id })) => {
            let mut session = cli.session()?;
            let name = session.member(*id).map(|m| m.name.clone()).unwrap_or_default();
            session.begin_change(*id, None)?;
            let done = session.finish_rekey(&rekey_progress)?;
            say!("Removed {name} (member #{id}). {}", rekeyed(&done));
            Ok(())
        }
        Some(Command::Member(MemberCommand::Role { id, role })) => {
            let role = Role::parse(role)
                .ok_or_else(|| anyhow!("{role:?} is not a role; use dsl, deputy, leadership or reporter"))?;
            let mut session = cli.session()?;
            let name = session.member(*id).map(|m| m.name.clone()).unwrap_or_default();
            session.begin_change(*id, Some(role))?;
            let done = session.finish_rekey(&rekey_progress)?;
            say!("{name} (member #{id}) is now {role}. {}", rekeyed(&done));
            Ok(())
        }
        Some(Command::Member(MemberCommand::List)) => {
            let session = cli.session()?;
            warn_damaged(session.member_damage());
            out!("{:<4} {:<11} {:<30} RECIPIENT", "ID", "ROLE", "NAME");
            for m in session.members() {
                // P6.1-g: who the DSL has authorised to examine or erase data.
                let authorised = if m.authorised_to_erase { "  (may examine/erase data, P6.1-g)" } else { "" };
                say!("{:<4} {:<11} {} {}{authorised}", m.id, m.role.label(), fit(&m.name, 30), m.recipient);
            }
            Ok(())
        }
        Some(Command::Concern(ConcernCommand::Add(args))) => {
            if args.json {
                return add_json_concerns(&cli);
            }
            // The seed's ids are checked before any passphrase is asked for;
            // an id only the school's own catalogue has (P3-a) is checked
            // against it once the store is open.
            let (mut new, mut session) = match concern_from_flags(args, &crate::domain::Catalogue::seed()) {
                Ok(new) => (new, cli.session()?),
                Err(e) => {
                    let Ok(session) = cli.session() else { return Err(e) };
                    (concern_from_flags(args, session.catalogue())?, session)
                }
            };
            let linked = people::link_typed_subjects(&mut session, &mut new)?;
            let recorded = session.record_concern(new, now())?;
            for line in linked {
                say!("{line}");
            }
            say!("Recorded {}.", recorded.reference);
            Ok(())
        }
        Some(Command::ForgetStore) => {
            let store = crate::server::open_store(&cli.store_path()?, &cli.socket_path()?)?;
            let me = cli.load_identity()?.to_public().to_string();
            if crate::store::pins::Pins::from_env().forget(&store.location(), &me)? {
                say!("Forgot {}: your next session trusts it as it is now, and says so.", store.location());
            } else {
                say!("Your casebook had nothing remembered about {}.", store.location());
            }
            Ok(())
        }
        Some(Command::RecoveryKey { out }) => {
            let mut session = cli.session()?;
            let key = x25519::Identity::generate();
            identity::write(out, &key, None)?;
            match session.set_recovery_key(&key.to_public().to_string()) {
                Ok(done) => {
                    say!(
                        "Wrote the school's recovery key to {}: print it, keep it in the school safe, then delete \
                         the file. {} records are sealed to it now.",
                        out.display(),
                        done.records
                    );
                    Ok(())
                }
                Err(e) => {
                    // Not in the store: the file is no one's key.
                    let _ = std::fs::remove_file(out);
                    Err(e.into())
                }
            }
        }
        Some(Command::Audit { reference, json }) => audit(&cli, reference.as_deref(), *json),
        Some(Command::List { json, status }) => {
            let wanted = status
                .as_deref()
                .map(|s| {
                    Status::parse(s).ok_or_else(|| {
                        anyhow!("{s:?} is not a status; use new, triaged, in-progress, awaiting-debrief or closed")
                    })
                })
                .transpose()?;
            let mut session = cli.session()?;
            let board = session.board()?;
            warn_damaged(&board.problems);
            let rows: Vec<&CaseSummary> = board.rows.iter().filter(|r| wanted.is_none_or(|w| r.status == w)).collect();
            let out = std::io::stdout();
            let mut out = std::io::BufWriter::new(out.lock());
            if *json {
                serde_json::to_writer(
                    &mut out,
                    &rows.iter().map(|r| SummaryJson::of(r, session.catalogue())).collect::<Vec<_>>(),
                )?;
                writeln!(out)?;
            } else {
                write_table(&mut out, &rows, &session)?;
            }
            out.flush()?;
            Ok(())
        }
        Some(Command::Show { reference, json }) => {
            let mut session = cli.session()?;
            let id = session.find(reference)?;
            let case = session.case(id)?;
            if !session.revision_known(id) {
                eprintln!(
                    "casebook: {}'s revision record is damaged or missing, so this may not be its latest revision: \
                     run `casebook verify` and tell the DSL",
                    crate::text::safe(&case.concern.reference)
                );
            }
            if *json {
                out!("{}", serde_json::to_string_pretty(&case)?);
            } else {
                // The report is made safe for a terminal where it is written.
                out_raw!("{}", crate::domain::report::case_file_text(&case, session.catalogue()));
                referrals::show_section(&session, id)?;
                custody::show_section(&session, id)?;
                searches::show_section(&session, id)?;
                restricted::show_line(&session, id)?;
                people::show_other_concerns(&mut session, id, &case)?;
                if session.me().role == Role::Dsl {
                    seen_by(&session, id)?;
                }
            }
            Ok(())
        }
        Some(Command::Triage(args)) => triage(&cli, args),
        Some(Command::Note { reference, kind, text, at }) => {
            let kind = EntryKind::parse(kind).ok_or_else(|| {
                anyhow!("{kind:?} is not an entry kind; use follow-up, phone-call, meeting, parents-informed, advice-sought, referral or note")
            })?;
            let at = at.as_deref().map(parse_when).transpose()?.unwrap_or_else(now);
            let mut session = cli.session()?;
            let (id, reference) = session.resolve(reference)?;
            let seq = session.add_entry(id, kind, at, text, now())?;
            say!("Added entry #{seq} to {reference}.");
            Ok(())
        }
        Some(Command::Correct { reference, entry, text }) => {
            let mut session = cli.session()?;
            let (id, reference) = session.resolve(reference)?;
            let seq = session.correct_entry(id, *entry, text, now())?;
            say!("Entry #{entry} of {reference} corrected by #{seq}; the original is kept.");
            Ok(())
        }
        Some(Command::Status { reference, to, reason, no_debrief_needed }) => {
            let to = Status::parse(to)
                .ok_or_else(|| anyhow!("{to:?} is not a status; use in-progress, awaiting-debrief or closed"))?;
            if *no_debrief_needed && to != Status::Closed {
                bail!("--no-debrief-needed goes with --to closed; nothing was changed");
            }
            let mut session = cli.session()?;
            let (id, reference) = session.resolve(reference)?;
            if *no_debrief_needed {
                // P9-c: an explicit, reasoned decision, recorded as such.
                session.close_without_debrief(id, reason, now())?;
                say!(
                    "{reference} is now closed without a debrief; the decision and its reason are in the chronology, \
                     and leadership's figures count it."
                );
                return Ok(());
            }
            session.transition(id, to, reason, now())?;
            say!("{reference} is now {}.", to.label());
            Ok(())
        }
        Some(Command::Export { reference, out, recipients }) => {
            let mut session = cli.session()?;
            let id = session.find(reference)?;
            let sealed = session.export_case(id, recipients)?;
            identity::write_private(out, &sealed)?;
            say!(
                "Wrote {} (age-encrypted to you{}).",
                out.display(),
                if recipients.is_empty() { "" } else { " and the given recipients" }
            );
            Ok(())
        }
        Some(Command::People(c)) => people::run(&cli, c),
        Some(Command::Debrief(c)) => oversight::debrief(&cli, c),
        Some(Command::Action(c)) => oversight::action(&cli, c),
        Some(Command::Policy(c)) => oversight::policy(&cli, c),
        Some(Command::Figures { json }) => oversight::figures(&cli, *json),
        Some(Command::TermDates(c)) => referrals::term_dates(&cli, c),
        Some(Command::Referral(c)) => referrals::referral(&cli, c),
        Some(Command::Attachment(c)) => attachments::attachment(&cli, c),
        Some(Command::Custody(c)) => custody::custody(&cli, c),
        Some(Command::Search(c)) => searches::search(&cli, c),
        Some(Command::Member(MemberCommand::Authorise { id, revoke })) => searches::authorise(&cli, *id, *revoke),
        Some(Command::Register(c)) => registers::register(&cli, c),
        Some(Command::Restrict { reference, allow, exclude, reason }) => {
            restricted::restrict(&cli, reference, allow, exclude, reason)
        }
        Some(Command::Today { json, on }) => referrals::today(&cli, *json, on.as_deref()),
        Some(Command::Retention { json, on, disposed }) => retention::retention(&cli, *json, on.as_deref(), *disposed),
        Some(Command::Dispose { reference, reason, early }) => {
            retention::dispose(&cli, reference, reason, early.as_deref())
        }
        Some(Command::Demo(args)) => demo(&cli, args),
        Some(Command::Catalogue { action: Some(action) }) => catalogue_command(&cli, action),
        Some(Command::Catalogue { action: None }) => {
            let c = crate::domain::Catalogue::seed();
            print_catalogue(&c)
        }
        Some(Command::Paths) => {
            let socket = cli.socket_path()?;
            say!("store:    {}", cli.store_path()?.display());
            say!("identity: {}", cli.identity_path()?.display());
            say!("socket:   {}", socket.display());
            if crate::server::listening(&socket) {
                say!("in use:   casebook serve on {} (the store is shared)", socket.display());
            } else {
                say!("in use:   the store directly (no casebook serve is listening; one person at a time)");
            }
            Ok(())
        }
        Some(Command::Verify { quick, backup: None }) => verify(&cli, *quick),
        Some(Command::Verify { quick, backup: Some(file) }) => verify_backup(&cli, file, *quick),
        Some(Command::Backup { out }) => backup(&cli, out),
        Some(Command::Restore { file, into }) => restore(file, into),
        Some(Command::Salvage { damaged, into, dump }) => salvage(&cli, damaged, into, dump.as_deref()),
        Some(Command::Serve(args)) => {
            let options = crate::server::ServeOptions {
                store: cli.store_path()?,
                socket: cli.socket_path()?,
                mode: args.mode,
                backups: args.backup_dir.clone().map(|dir| crate::server::Rolling {
                    dir,
                    keep: args.keep as usize,
                    at: args.backup_at,
                }),
                notify: args.notify_command.clone(),
            };
            crate::server::serve(&options, || {
                eprintln!(
                    "casebook serve: serving {} on {} (mode {:o}); it holds no key. Stop with SIGTERM or Ctrl-C.",
                    options.store.display(),
                    options.socket.display(),
                    options.mode
                )
            })?;
            eprintln!("casebook serve: stopped; every acknowledged write is on disk.");
            Ok(())
        }
    }
}

fn init(cli: &Cli, args: &InitArgs) -> Result<()> {
    let store_path = cli.store_path()?;
    if Store::exists(&store_path) {
        bail!(StoreError::AlreadyExists(store_path.display().to_string()));
    }
    let recipient = match (&args.recipient, &args.new_identity) {
        (Some(r), _) => r.clone(),
        (None, Some(path)) => {
            let pass = prompt_passphrase(&format!("New passphrase for {}: ", path.display())).ok_or_else(|| {
                anyhow!("a new identity needs a passphrase, and no terminal is available to ask for one")
            })?;
            let again = prompt_passphrase("Repeat the passphrase: ")
                .ok_or_else(|| anyhow!("no terminal to confirm the passphrase"))?;
            use age::secrecy::ExposeSecret;
            if pass.expose_secret() != again.expose_secret() {
                bail!("the two passphrases differ; nothing was created");
            }
            if pass.expose_secret().chars().count() < 10 {
                bail!("use a passphrase of at least 10 characters; nothing was created");
            }
            let id = x25519::Identity::generate();
            identity::write(path, &id, Some(pass))?;
            eprintln!(
                "Wrote a passphrase-protected identity to {}. Back it up: without it the records cannot be read.",
                path.display()
            );
            id.to_public().to_string()
        }
        // From an existing identity file (e.g. made by `age-keygen -o`).
        (None, None) => {
            let id = cli
                .load_identity()
                .context("init needs --recipient, --new-identity FILE, or an existing --identity")?;
            cli.warn_about_key()?;
            id.to_public().to_string()
        }
    };
    // Issue 10: the recovery key, shown once (or written where asked).
    let recovery = match &args.recovery_out {
        Some(path) => {
            let key = x25519::Identity::generate();
            identity::write(path, &key, None)?;
            Some((key, Some(path.clone())))
        }
        None if std::io::IsTerminal::is_terminal(&std::io::stdout()) => Some((x25519::Identity::generate(), None)),
        None => None,
    };
    let public = recovery.as_ref().map(|(k, _)| k.to_public().to_string());
    Store::create_with_recovery(&store_path, &args.school, &args.dsl_name, &recipient, public.as_deref())?;
    say!("Created a casebook store for {} at {}.", args.school.trim(), store_path.display());
    say!("{} is its DSL ({}).", args.dsl_name.trim(), recipient);
    match recovery {
        Some((_, Some(path))) => say!(
            "The school's recovery key is in {}: print it, keep it in the school safe, then delete the file.",
            path.display()
        ),
        Some((key, None)) => {
            use age::secrecy::ExposeSecret;
            out!("");
            out!("The school's recovery key, shown this once. Print it and keep it in the school safe: with");
            out!("Debian's age it opens every record if every member's key is lost (see the README).");
            out!("");
            out_raw!("{}\n", key.to_string().expose_secret());
            out!("");
        }
        None => say!(
            "No recovery key was made (no terminal to show it on): run `casebook recovery-key --out FILE` as the DSL."
        ),
    }
    Ok(())
}

/// Issue 10 (S-c): under a concern the DSL reads, who has opened, changed
/// or exported it, from the audit log.
fn seen_by(session: &Session, id: u32) -> Result<()> {
    let trail = session.audit(Some(id))?;
    out!("");
    out!("Who has opened it (casebook audit):");
    for seen in crate::store::audit::seen_by(&trail.entries) {
        let name = session
            .member(seen.member)
            .map_or_else(|| format!("member #{} (no longer a member)", seen.member), |m| m.name.clone());
        say!("  {name}: {}; last {}", seen.did(), seen.last.format("%Y-%m-%d %H:%M"));
    }
    if !trail.breaks.is_empty() {
        say!("  The audit log is broken: run `casebook audit verify`.");
    }
    Ok(())
}

/// `casebook audit [REF|verify] [--json]` (issue 10, S-c): who opened or
/// changed which concern, when; exit status 1 when the chain is broken.
fn audit(cli: &Cli, reference: Option<&str>, json: bool) -> Result<()> {
    use crate::store::audit::Access;
    let mut session = cli.session()?;
    let verify_only = reference == Some("verify");
    let id = reference.filter(|_| !verify_only).map(|r| session.find(r)).transpose()?;
    let trail = session.audit(id)?;
    let names = session.case_names()?;
    let reference = |c: u32| names.get(&c).cloned().unwrap_or_else(|| format!("concern #{c}"));
    let who = |m: u32| match session.member(m) {
        Some(member) => member.name.clone(),
        // A refused unlock with a key no member holds (item 2 of issue 10).
        None if m == 0 => "(not a member)".to_string(),
        None => format!("member #{m} (no longer a member)"),
    };
    let what = |access: Access| match access {
        Access::OpenedConcern(c) => format!("opened {}", reference(c)),
        Access::ChangedConcern(c) => format!("changed {}", reference(c)),
        Access::Exported(c) => format!("exported {}", reference(c)),
        Access::ReadBoard => "read the board".to_string(),
        Access::Unlocked => "opened casebook".to_string(),
        Access::Membership(m) => format!("changed the membership of {}", who(m)),
        Access::TookBackup => "took a backup of the whole store".to_string(),
        Access::FailedUnlock { uid } => {
            format!("was refused opening casebook{}", uid.map(|u| format!(" (OS account uid {u})")).unwrap_or_default())
        }
        Access::Person(p) => format!("opened or changed person {}", crate::domain::person::person_label(p)),
        Access::Disposed(c) => format!("disposed of concern #{c} (S-d; see `casebook retention --disposed`)"),
        Access::Erased(p) => format!("erased person {} (S-e)", crate::domain::person::person_label(p)),
    };
    if verify_only {
        if trail.breaks.is_empty() {
            say!("The audit log's {} entries chain correctly.", trail.entries.len() + trail.unopened.len());
        }
    } else if json {
        for e in &trail.entries {
            let line = serde_json::json!({
                "seq": e.seq,
                "at": e.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                "member": e.member,
                "name": who(e.member),
                "what": what(e.access),
                "concern": e.access.concern().map(reference),
            });
            out!("{line}");
        }
    } else {
        out!("{:<17} {:<30} WHAT", "WHEN", "WHO");
        for e in &trail.entries {
            say!("{:<17} {} {}", e.at.format("%Y-%m-%d %H:%M"), fit(&who(e.member), 30), what(e.access));
        }
        if trail.entries.is_empty() {
            say!("(no entries)");
        }
    }
    if !trail.unopened.is_empty() && id.is_none() {
        // Not a break: sealed before this DSL was one, or to the DSL keys
        // the member list named then (see the README's security section).
        eprintln!(
            "casebook: {} audit entries are not sealed to your key (numbers {}): written before you were a DSL, \
             or sealed to the DSL keys the member list named then",
            trail.unopened.len(),
            spans(&trail.unopened)
        );
    }
    if !trail.breaks.is_empty() {
        for b in &trail.breaks {
            eprintln!("casebook: the audit log: {}", crate::text::safe(b));
        }
        std::process::exit(1);
    }
    Ok(())
}

/// Numbers as short runs: "1-4, 9".
fn spans(numbers: &[u64]) -> String {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for &n in numbers {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => runs.push((n, n)),
        }
    }
    runs.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect::<Vec<_>>().join(", ")
}

/// `casebook verify` (issue 11): each problem on its own line, by the
/// record's reference or id; a summary; exit status 1 when anything is wrong.
fn verify(cli: &Cli, quick: bool) -> Result<()> {
    use crate::store::{Location, verify};
    let started = std::time::Instant::now();
    let store = crate::server::open_store(&cli.store_path()?, &cli.socket_path()?)?;
    let backend = store.backend().clone();
    let embedded = matches!(store.location(), Location::Embedded(_));
    let report = if quick && embedded {
        // The structure needs no key: a nightly job can run this as the
        // account that owns the store.
        verify::structure(backend.as_ref(), &|_| true)?
    } else {
        let identity = cli.load_identity()?;
        cli.warn_about_key()?;
        match store.unlock(identity) {
            Ok(session) => session.verify(quick)?,
            // A store too damaged to unlock is still checked as far as it
            // can be without a key.
            Err(e @ (StoreError::Corrupt { .. } | StoreError::Tampered(_))) if embedded => {
                let mut report = verify::structure(backend.as_ref(), &|_| true)?;
                report.problems.insert(0, crate::store::Damaged::from_error("unlocking with your key", &e));
                report
            }
            Err(e) => return Err(e.into()),
        }
    };
    print_report(&report, quick, started)
}

/// `casebook verify --backup FILE`: the backup's checksum, then the same
/// checks as for a store, over the backup held in memory (with your key,
/// every record your role may read is opened too).
fn verify_backup(cli: &Cli, file: &std::path::Path, quick: bool) -> Result<()> {
    let started = std::time::Instant::now();
    let (copy, summary) = crate::store::backup::MemoryBackend::load(file)?;
    say!(
        "{}: a backup taken {}, {} records; its checksum matches.",
        file.display(),
        summary.taken_at.with_timezone(&chrono::Local).format("%-d %b %Y at %H:%M"),
        summary.entries
    );
    let report = if quick {
        crate::store::verify::structure(&copy, &|_| true)?
    } else {
        let identity = cli.load_identity()?;
        Store::with_backend(std::sync::Arc::new(copy)).unlock(identity)?.verify(false)?
    };
    print_report(&report, quick, started)
}

fn print_report(report: &crate::store::verify::Report, quick: bool, started: std::time::Instant) -> Result<()> {
    for p in &report.problems {
        say!("{p}");
    }
    if !report.not_checked.is_empty() {
        say!(
            "Not checked: {} (casebook serve shows your role only what it may read; the DSL's verify checks them)",
            report.not_checked.join(", ")
        );
    }
    let opened = if quick {
        "structure only, nothing decrypted".to_string()
    } else {
        format!("{} opened and read with your key", report.opened)
    };
    say!(
        "Checked {} records ({opened}) in {:.1} s: {}.",
        report.records,
        started.elapsed().as_secs_f64(),
        match report.problems.len() {
            0 => "no problems".to_string(),
            1 => "1 problem".to_string(),
            n => format!("{n} problems"),
        }
    );
    if !report.is_clean() {
        bail!(
            "{} problem(s) found, each listed above; keep a copy of the store as it is and see \"When a record is damaged\" in the README",
            report.problems.len()
        );
    }
    Ok(())
}

/// `casebook backup --out FILE` (issue 11). Opened directly, no key is
/// needed (the files are this account's). Through `casebook serve`, the
/// server takes it (consistently, while everyone works) and sends it: the
/// DSL or a deputy proves their key first, or the account that owns the
/// store asks without one.
fn backup(cli: &Cli, out: &std::path::Path) -> Result<()> {
    use crate::store::Location;
    let started = std::time::Instant::now();
    let store = crate::server::open_store(&cli.store_path()?, &cli.socket_path()?)?;
    let backend = match store.location() {
        Location::Served(_) if cli.identity_path()?.exists() => {
            let identity = cli.load_identity()?;
            store.unlock(identity)?.backend().clone()
        }
        _ => store.backend().clone(),
    };
    let summary = crate::store::backup::to_file(backend.as_ref(), out)?;
    // Read back and checked; its structure too, before it counts as good.
    let (copy, _) = crate::store::backup::MemoryBackend::load(out)?;
    let problems = crate::store::verify::structure(&copy, &|_| true)?.problems;
    drop(copy);
    for p in &problems {
        eprintln!(
            "casebook: warning: the store (and so the backup) holds a problem: {}",
            crate::text::one_line(&p.to_string())
        );
    }
    if problems.is_empty() && matches!(backend.location(), Location::Embedded(_)) {
        // Through serve, the server notes it when it has sent it all.
        crate::store::backup::record(backend.as_ref(), &crate::store::backup::Stamp::of(&summary, "casebook backup"))?;
    }
    let held = match summary.writes_held.as_millis() {
        0 => "no one's work was held back".to_string(),
        ms => format!("others' writes waited {ms} ms (the store kept changing while it was read)"),
    };
    say!(
        "Backed up {} records ({}) to {} in {:.1} s; {held}.",
        summary.entries,
        limits::size(usize::try_from(summary.bytes).unwrap_or(usize::MAX)),
        out.display(),
        started.elapsed().as_secs_f64(),
    );
    say!(
        "It holds ciphertext and clear ids only, as the store does: safe to copy off-site. Restore with `casebook restore FILE --into DIR`."
    );
    Ok(())
}

/// `casebook restore FILE --into DIR` (issue 11): checks the whole file
/// first, builds the store beside DIR and renames it into place, then
/// checks the new store's structure. Needs no key.
fn restore(file: &std::path::Path, into: &std::path::Path) -> Result<()> {
    let started = std::time::Instant::now();
    let summary = crate::store::backup::restore(file, into)?;
    let backend = Store::open_backend(into)?;
    let report = crate::store::verify::structure(&backend, &|_| true)?;
    drop(backend);
    say!(
        "Restored {} records from the backup taken {} into {} in {:.1} s.",
        summary.entries,
        summary.taken_at.with_timezone(&chrono::Local).format("%-d %b %Y at %H:%M"),
        into.display(),
        started.elapsed().as_secs_f64()
    );
    for p in &report.problems {
        eprintln!("casebook: warning: the backup holds this problem too: {}", crate::text::one_line(&p.to_string()));
    }
    say!(
        "Open it with `casebook --store {}`; `casebook --store {} verify` opens every record.",
        into.display(),
        into.display()
    );
    Ok(())
}

/// `casebook salvage DAMAGED --into NEW` (issue 11): carves what it can out
/// of a store sled cannot open, builds a new store from it, and says what
/// it found, what it could not recover and where in the file.
fn salvage(cli: &Cli, damaged: &std::path::Path, into: &std::path::Path, dump: Option<&std::path::Path>) -> Result<()> {
    let started = std::time::Instant::now();
    // A wrong path is said before any passphrase is asked for.
    crate::store::salvage::check_paths(damaged, into, dump)?;
    let identity = cli.load_identity()?;
    let report = crate::store::salvage::salvage(damaged, into, &identity, dump)?;
    let found: Vec<String> = report
        .recovered
        .iter()
        .map(|(tree, n)| {
            let what = match *tree {
                "class_keys" => "class keys",
                "cases" => "concerns",
                "policies" => "tracked policies",
                "refusals" => "refused-connection log entries",
                other => other,
            };
            format!("{n} {what}")
        })
        .collect();
    say!(
        "Read {} of {} ({} intact sled messages, {} blobs) in {:.1} s; recovered {}.",
        limits::size(report.db_bytes),
        damaged.join("db").display(),
        report.messages,
        report.blobs,
        started.elapsed().as_secs_f64(),
        found.join(", ")
    );
    if report.carved() > 0 {
        say!(
            "{} of those were carved out of damaged bytes and confirmed by opening them with your key.",
            report.carved()
        );
    }
    if !report.unreadable.is_empty() {
        say!(
            "{} of db held no intact sled message (damaged, or a reused segment's leftovers), in {} place{}:",
            limits::size(report.unreadable_bytes()),
            report.unreadable.len(),
            if report.unreadable.len() == 1 { "" } else { "s" }
        );
        for r in report.unreadable.iter().take(20) {
            say!("  bytes {}–{} ({})", r.start, r.end, limits::size(r.len()));
        }
        if report.unreadable.len() > 20 {
            say!("  … and {} more", report.unreadable.len() - 20);
        }
    }
    for b in &report.damaged_blobs {
        say!("Damaged: {b}");
    }
    for r in report.records.iter().filter(|r| r.older.is_some()) {
        let (got, newest) = r.older.unwrap_or_default();
        say!("Older: concern {} (#{}): revision {got} recovered; revision {newest} was lost", r.label, r.id);
    }
    for l in &report.lost {
        say!("Not recovered: {l}");
    }
    for u in &report.unopened {
        say!("Left out: {u}");
    }
    for n in &report.notes {
        say!("Note: {n}");
    }
    for p in &report.problems {
        eprintln!("casebook: warning: the salvaged store holds a problem: {}", crate::text::one_line(&p.to_string()));
    }
    if let Some(d) = dump {
        say!("Each recovered record is in {} as an age file: `age -d -i KEYFILE FILE` opens it.", d.display());
    }
    say!(
        "The new store is {}: `casebook --store {} verify` checks it. The damaged files were not changed; keep them.",
        into.display(),
        into.display()
    );
    Ok(())
}

fn triage(cli: &Cli, args: &TriageArgs) -> Result<()> {
    let risk = Risk::parse(&args.risk)
        .ok_or_else(|| anyhow!("{:?} is not a risk level; use low, medium or high", args.risk))?;
    let urgency = args
        .urgency
        .as_deref()
        .map(|u| Urgency::parse(u).ok_or_else(|| anyhow!("{u:?} is not an urgency; use routine or urgent")))
        .transpose()?;
    let review = args.review.as_deref().map(parse_date).transpose()?;
    if let Some(date) = review {
        check_due("the review date", date, args.confirm_far_date)?;
    }
    let mut session = cli.session()?;
    let assignee = match &args.assignee {
        None => None,
        Some(who) => {
            let who_l = who.trim().trim_start_matches('#').to_lowercase();
            let m = session
                .members()
                .iter()
                .find(|m| m.id.to_string() == who_l || m.name.to_lowercase() == who_l)
                .ok_or_else(|| anyhow!("no member called {who:?}; see `casebook member list`"))?;
            Some(m.id)
        }
    };
    let (id, reference) = session.resolve(&args.reference)?;
    // P6.1-f: a triage that does not say is not what undoes a search's
    // escalation; saying --urgency routine does.
    let urgency = match urgency {
        Some(u) => u,
        None if session.case(id)?.escalated_since_triage() => Urgency::Urgent,
        None => Urgency::Routine,
    };
    session.triage(
        id,
        TriageInput {
            risk,
            urgency,
            pathway: args.pathway.clone(),
            linked_policy: args.policy.clone(),
            assignee,
            next_review: review,
            reasoning: args.reasoning.clone(),
        },
        now(),
    )?;
    say!("Triaged {reference}.");
    Ok(())
}

/// A review or due date typed on the command line: today or later, and one
/// more than a year away only with --confirm-far-date (issue 8).
fn check_due(what: &str, date: NaiveDate, confirmed: bool) -> Result<()> {
    match check_due_date(what, date, now().date()) {
        Err(e) => bail!("{e}; nothing was recorded"),
        Ok(DueDate::Far) if !confirmed => {
            bail!("{}; nothing was recorded", far_date_question(what, date, "pass --confirm-far-date"))
        }
        Ok(_) => Ok(()),
    }
}

/// A date that ends or follows something up (a referral's follow-up, a
/// register entry's expiry): one more than a year away only with
/// --confirm-far-date, as a review date (issue 13 review). A past one is
/// the caller's rule.
fn check_far_date(what: &str, date: NaiveDate, confirmed: bool) -> Result<()> {
    match check_due_date(what, date, now().date()) {
        Ok(DueDate::Far) if !confirmed => {
            bail!("{}; nothing was saved", far_date_question(what, date, "pass --confirm-far-date"))
        }
        _ => Ok(()),
    }
}

fn demo(cli: &Cli, args: &DemoArgs) -> Result<()> {
    // A throwaway directory unless --store is given; kept only with --keep.
    let (dir, _guard): (PathBuf, Option<tempfile::TempDir>) = match &cli.store {
        Some(p) => (p.clone(), None),
        None => {
            let t = tempfile::Builder::new().prefix("casebook-demo-").tempdir()?;
            // casebook made it, so it is private like every directory casebook makes.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o700))?;
            }
            let path = t.path().to_path_buf();
            (
                path,
                if args.keep {
                    std::mem::forget(t);
                    None
                } else {
                    Some(t)
                },
            )
        }
    };
    if Store::exists(&dir) {
        bail!("{} already holds a store; the demo only creates new ones", dir.display());
    }
    if !args.no_open && !std::io::stdout().is_terminal() {
        bail!("the demo opens a full-screen app and needs a terminal; use --no-open --keep to only generate a store");
    }
    eprintln!("Generating {} fictional concerns…", args.concerns);
    let (mut session, keys) = crate::demo::create(&dir)?;
    crate::demo::populate(&mut session, args.concerns, now(), 2024)?;
    crate::demo::populate_oversight(&mut session, now())?;
    crate::demo::populate_custody(&mut session, now())?;
    crate::demo::populate_registers(&mut session, now())?;
    crate::demo::populate_retention(&mut session)?;
    crate::demo::populate_people(&mut session, crate::demo::DEFAULT_ROLL.max(args.concerns / 10), now(), 2024)?;
    session.board()?;
    if args.keep || cli.store.is_some() {
        eprintln!("Demo store: {}", dir.display());
        eprintln!("Open it again: casebook --store {} --identity {}", dir.display(), keys.dsl.display());
        eprintln!("Other roles' keys (deputy, leadership, reporter) are in {}", keys.dir.display());
    }
    if args.no_open {
        return Ok(());
    }
    crate::tui::run(session, cli.tui_options(true, Some(keys.dsl)))?;
    if !(args.keep || cli.store.is_some()) {
        eprintln!("The demo store and its keys were deleted. `casebook demo --keep` keeps them.");
    }
    Ok(())
}

/// `list --json` rows: the board's fields with labels spelled out.
#[derive(Debug, Serialize)]
struct SummaryJson<'a> {
    reference: &'a str,
    reported_at: NaiveDateTime,
    category: &'a str,
    category_label: &'a str,
    subject: &'a str,
    subject_kind: &'static str,
    risk: Option<&'static str>,
    urgency: &'static str,
    status: &'static str,
    assignee: Option<&'a str>,
    next_review: Option<NaiveDate>,
}

impl<'a> SummaryJson<'a> {
    fn of(r: &'a CaseSummary, catalogue: &'a crate::domain::Catalogue) -> Self {
        SummaryJson {
            reference: &r.reference,
            reported_at: r.reported_at,
            category: &r.category,
            category_label: catalogue.category_label(&r.category),
            subject: &r.subject,
            subject_kind: r.subject_kind.label(),
            risk: r.risk.map(Risk::label),
            urgency: r.urgency.label(),
            status: r.status.label(),
            assignee: r.assignee.as_deref(),
            next_review: r.next_review,
        }
    }
}

fn write_table(out: &mut impl Write, rows: &[&CaseSummary], session: &Session) -> Result<()> {
    let now = now();
    writeln!(
        out,
        "{:<12} {:>4} {:<8} {:<34} {:<24} {:<7} {:<16} ASSIGNEE",
        "REFERENCE", "AGE", "URGENCY", "CATEGORY", "SUBJECT", "RISK", "STATUS"
    )?;
    // Cells are made safe and padded by display width (issue 8): a CJK
    // name or an emoji takes two columns.
    for r in rows {
        writeln!(
            out,
            "{:<12} {:>4} {:<8} {} {} {:<7} {:<16} {}",
            fit(&r.reference, 12),
            age_label(r.reported_at, now),
            r.urgency.label(),
            fit(session.catalogue().category_label(&r.category), 34),
            fit(&r.subject, 24),
            r.risk.map_or("-", Risk::label),
            r.status.label(),
            safe(r.assignee.as_deref().unwrap_or("-"))
        )?;
    }
    if rows.is_empty() {
        writeln!(out, "(no concerns)")?;
    }
    Ok(())
}

fn concern_from_flags(args: &ConcernArgs, catalogue: &crate::domain::Catalogue) -> Result<NewConcern> {
    // A mistyped id is named with where to find the right one, before any
    // passphrase is asked for ("choose a category" alone left a new user
    // guessing; --help lists the ids too).
    let listed = |flag: &str, value: &str, known: Vec<String>| -> Result<()> {
        if known.iter().any(|k| k == value) {
            return Ok(());
        }
        let e_g: Vec<&str> = known.iter().take(2).map(String::as_str).collect();
        bail!(
            "--{flag} {value:?} is not in the policy catalogue; `casebook catalogue` lists them, e.g. {}",
            e_g.join(", ")
        )
    };
    let ids = |ids: Vec<&String>| ids.into_iter().cloned().collect::<Vec<String>>();
    if let Some(category) = &args.category {
        listed("category", category, ids(catalogue.categories.iter().map(|c| &c.id).collect()))?;
    }
    listed("location", &args.location, ids(catalogue.locations.iter().map(|l| &l.id).collect()))?;
    for device in &args.device {
        listed("device", device, ids(catalogue.devices.iter().map(|d| &d.id).collect()))?;
    }
    let subjects = args.subject.iter().map(|s| parse_subject(s)).collect::<Result<Vec<_>>>()?;
    Ok(NewConcern {
        occurred_at: args.occurred.as_deref().map(parse_when).transpose()?.unwrap_or_else(now),
        reported_by: args.reported_by.clone(),
        subjects,
        category: args.category.clone().ok_or_else(|| anyhow!("--category is needed; see `casebook catalogue`"))?,
        location: args.location.clone(),
        devices: args.device.clone(),
        description: args
            .description
            .clone()
            .ok_or_else(|| anyhow!("--description is needed: what happened, factually"))?,
        immediate_action: args.immediate_action.clone(),
        source: Source::parse(&args.source).ok_or_else(|| {
            anyhow!(
                "{:?} is not a source; use staff-report, monitoring-alert, complaint or whistleblowing",
                args.source
            )
        })?,
    })
}

/// `--subject`: `[PART=]KIND:NAME[:DETAIL]` or `[PART=]P-0012` (issue 12):
/// "alleged=staff:Mr Name:teacher", "witness=P-0007".
fn parse_subject(text: &str) -> Result<Subject> {
    let (part, rest) = match text.split_once('=') {
        Some((part, rest)) => (
            crate::domain::Part::parse(part).ok_or_else(|| {
                anyhow!("--subject {text:?}: {part:?} is not a part; use subject=, alleged=, witness= or other=")
            })?,
            rest,
        ),
        None => (crate::domain::Part::Subject, text),
    };
    let mut subject = if let Some(id) =
        crate::domain::person::parse_person_id(rest).filter(|_| rest.trim().starts_with(['P', 'p']))
    {
        let mut s = Subject::named(SubjectKind::Child, "", "");
        s.person = Some(id);
        s
    } else {
        parse_named_subject(text, rest)?
    };
    subject.part = part;
    Ok(subject)
}

fn parse_named_subject(text: &str, rest: &str) -> Result<Subject> {
    let mut parts = rest.splitn(3, ':');
    let kind = parts.next().unwrap_or_default();
    let kind = SubjectKind::parse(kind)
        .ok_or_else(|| anyhow!("--subject {text:?}: start with child:, staff:, parent: or visitor:"))?;
    let name = parts.next().unwrap_or_default().trim().to_string();
    if name.is_empty() {
        bail!("--subject {text:?}: give a name after the kind, e.g. child:Name:Year 5");
    }
    Ok(Subject::named(kind, name, parts.next().unwrap_or_default().trim().to_string()))
}

/// Reads one line of at most `limit` bytes, without its line end; `None`
/// at the end of the input. A longer line is refused before it is read
/// whole (PRODUCT.md 7e: a 50 MB line must not be taken into memory).
fn read_line_within(input: &mut impl std::io::BufRead, limit: usize) -> Result<Option<String>, String> {
    use std::io::{BufRead, Read};
    let mut line = Vec::new();
    let n = input
        .by_ref()
        .take(limit as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    } else if line.len() > limit {
        return Err(format!("it is over the limit of {} for one concern", limits::size(limit)));
    }
    String::from_utf8(line).map(Some).map_err(|_| "it is not UTF-8 text".to_string())
}

/// `concern add --json`: one JSON object, or JSON Lines (one concern per
/// line, e.g. an import). Each concern is acknowledged only once it is on
/// disk, so a caller knows exactly what was recorded if anything fails.
/// The format is in the README ("`concern add --json`").
fn add_json_concerns(cli: &Cli) -> Result<()> {
    let mut session = cli.session()?;
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let limit = limits::JSON_INPUT_BYTES;
    let mut n = 0;
    let mut done = 0;
    let mut next_line = |done: usize| -> Result<Option<(usize, String)>> {
        n += 1;
        let line = read_line_within(&mut input, limit)
            .map_err(|e| anyhow!("line {n} of the concern JSON: {e}; {}", recorded_before(done)))?;
        Ok(line.map(|l| (n, l)))
    };
    let record = |session: &mut Session, n: usize, text: &str, done: &mut usize| -> Result<()> {
        let context = || format!("line {n}: {}", recorded_before(*done));
        let mut new = concern_from_json(text).with_context(context)?;
        people::link_typed_subjects(session, &mut new).with_context(context)?;
        let recorded = session.record_concern(new, now()).with_context(context)?;
        say!("Recorded {}.", recorded.reference);
        std::io::stdout().flush()?;
        *done += 1;
        Ok(())
    };
    // The first line decides: a whole object on it means JSON Lines, read
    // and acknowledged as they come; otherwise one (pretty-printed) object.
    let first = loop {
        match next_line(0)? {
            None => bail!("malformed concern JSON: standard input held no concern; nothing was recorded"),
            Some((_, line)) if !line.trim().is_empty() => break line,
            Some(_) => {}
        }
    };
    if serde_json::from_str::<serde_json::Value>(&first).is_err() {
        let mut text = first;
        while let Some((_, line)) = next_line(0)? {
            text.push('\n');
            text.push_str(&line);
            if text.len() > limit {
                bail!(
                    "the concern JSON is over the limit of {} for one concern; nothing was recorded",
                    limits::size(limit)
                );
            }
        }
        let mut new = concern_from_json(&text)?;
        people::link_typed_subjects(&mut session, &mut new)?;
        let recorded = session.record_concern(new, now())?;
        say!("Recorded {}.", recorded.reference);
        return Ok(());
    }
    record(&mut session, 1, &first, &mut done)?;
    while let Some((n, line)) = next_line(done)? {
        if !line.trim().is_empty() {
            record(&mut session, n, &line, &mut done)?;
        }
    }
    Ok(())
}

fn recorded_before(done: usize) -> String {
    if done == 0 { "nothing was recorded".into() } else { format!("{done} concern(s) before it were recorded") }
}

fn concern_from_json(text: &str) -> Result<NewConcern> {
    let j: ConcernJson =
        serde_json::from_str(text).map_err(|e| anyhow!("malformed concern JSON: {e}; nothing was recorded"))?;
    let subjects = j
        .subjects
        .into_iter()
        .map(|s| {
            let part = match &s.part {
                None => crate::domain::Part::Subject,
                Some(p) => crate::domain::Part::parse(p).ok_or_else(|| {
                    anyhow!("malformed concern JSON: subject part {p:?} is not subject, alleged, witness or other")
                })?,
            };
            let mut subject = match &s.person {
                Some(p) => {
                    let id = crate::domain::person::parse_person_id(p).ok_or_else(|| {
                        anyhow!("malformed concern JSON: person {p:?} is not a person number like P-0012")
                    })?;
                    let mut subject = Subject::named(SubjectKind::Child, s.name, s.detail);
                    subject.person = Some(id);
                    subject
                }
                None => {
                    let kind = SubjectKind::parse(&s.kind).ok_or_else(|| {
                        anyhow!(
                            "malformed concern JSON: subject kind {:?} is not child, staff, parent or visitor",
                            s.kind
                        )
                    })?;
                    Subject::named(kind, s.name, s.detail)
                }
            };
            subject.part = part;
            Ok(subject)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(NewConcern {
        occurred_at: j.occurred_at.as_deref().map(parse_when).transpose()?.unwrap_or_else(now),
        reported_by: j.reported_by,
        subjects,
        category: j.category,
        location: j.location,
        devices: j.devices,
        description: j.description,
        immediate_action: j.immediate_action,
        source: match j.source {
            None => Source::StaffReport,
            Some(s) => Source::parse(&s).ok_or_else(|| anyhow!("malformed concern JSON: source {s:?} is not known"))?,
        },
    })
}

/// `casebook catalogue`: every list of a catalogue, with its ids.
fn print_catalogue(c: &crate::domain::Catalogue) -> Result<()> {
    say!("{} ({})", c.policy.name, c.policy.version);
    say!("\nCategories:");
    for cat in &c.categories {
        say!("  {:<24} {:<7} {}{}", cat.id, cat.clause, cat.label, if cat.urgent { " [urgent]" } else { "" });
    }
    say!("\nLocations:");
    for l in &c.locations {
        say!("  {:<24} {}{}", l.id, l.label, if l.restricted { " [restricted]" } else { "" });
    }
    say!("\nDevices:");
    for d in &c.devices {
        say!("  {:<24} {}", d.id, d.label);
    }
    say!("\nPathways:");
    for p in &c.pathways {
        say!("  {:<24} {}", p.id, p.label);
    }
    say!("\nLinked policies:");
    for p in &c.linked_policies {
        say!("  {:<24} {}", p.id, p.label);
    }
    Ok(())
}

#[derive(Debug, clap::Subcommand)]
pub enum CatalogueCommand {
    /// Print the catalogue in use: the school's own, or the seed
    Show,
    /// Write the catalogue in use as a TOML file to start a school's own from
    Export {
        /// The file to write (it must not exist); standard output if not given
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Make FILE the school's catalogue (the DSL only); a wrong line is named and nothing changes
    Set {
        /// A TOML file shaped like `casebook catalogue export` writes
        file: PathBuf,
    },
}

/// Issue 13 (P3-a, P2-a): the school's own catalogue.
fn catalogue_command(cli: &Cli, action: &CatalogueCommand) -> Result<()> {
    match action {
        CatalogueCommand::Show => {
            let session = cli.session()?;
            print_catalogue(session.catalogue())
        }
        CatalogueCommand::Export { out } => {
            let session = cli.session()?;
            let text = session.catalogue_file()?.unwrap_or_else(|| crate::domain::Catalogue::seed_text().to_string());
            match out {
                None => out_raw!("{}", crate::text::safe(&text)),
                Some(path) => {
                    use std::io::Write;
                    let mut f = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(path)
                        .with_context(|| format!("cannot create {} (it must not exist)", path.display()))?;
                    f.write_all(text.as_bytes())?;
                    say!("Wrote the catalogue in use to {}.", path.display());
                }
            }
            Ok(())
        }
        CatalogueCommand::Set { file } => {
            let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            if bytes.len() > crate::store::catalogue::CATALOGUE_CHARS * 4 {
                bail!("{} is too long to be a catalogue file; nothing was changed", file.display());
            }
            let Ok(text) = String::from_utf8(bytes) else {
                bail!("{} is not a text file (UTF-8); nothing was changed", file.display());
            };
            let mut session = cli.session()?;
            let c = session.set_catalogue(&text)?;
            say!(
                "Set the school's catalogue: {} categories, {} locations ({} restricted), {} linked policies.",
                c.categories.len(),
                c.locations.len(),
                c.locations.iter().filter(|l| l.restricted).count(),
                c.linked_policies.len()
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::values;
    use crate::domain::{ActionKind, ActionStatus, EntryKind, Risk, Role, Source, Status, TriggerKind, Urgency};

    /// clap checks a command's definition only when it is run: two flags of
    /// one name in a subcommand reached a user as an internal error once
    /// (issue 12). This checks every subcommand at once.
    #[test]
    fn every_command_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    #[test]
    fn every_value_help_lists_is_one_the_command_accepts() {
        let all = |list: Vec<String>, parses: &dyn Fn(&str) -> bool| {
            assert!(!list.is_empty());
            for v in list {
                assert!(parses(&v), "--help lists {v:?}, which is refused");
            }
        };
        all(values::roles(), &|v| Role::parse(v).is_some());
        all(values::statuses(), &|v| Status::parse(v).is_some());
        all(values::moves(), &|v| Status::parse(v).is_some());
        all(values::entry_kinds(), &|v| EntryKind::parse(v).is_some());
        all(values::risks(), &|v| Risk::parse(v).is_some());
        all(values::urgencies(), &|v| Urgency::parse(v).is_some());
        all(values::sources(), &|v| Source::parse(v).is_some());
        all(values::action_kinds(), &|v| ActionKind::parse(v).is_some());
        all(values::action_statuses(), &|v| ActionStatus::parse(v).is_some());
        all(values::triggers(), &|v| TriggerKind::parse(v).is_some());
        assert_eq!(values::sources().len(), Source::ALL.len(), "every source is listed");
        assert_eq!(values::action_kinds().len(), ActionKind::ALL.len());
        assert_eq!(values::triggers().len(), TriggerKind::ALL.len());
    }
}
