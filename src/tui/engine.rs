//! The store's side of the TUI (issue 9): one thread owns a session and
//! does every read and write the screens ask for, so that a key press never
//! waits on disk, the network (`casebook serve`) or decryption.
//!
//! The app sends a [`Command`] and goes on drawing; each turn of its loop
//! it collects the typed [`Reply`]s, as it does the search job's. Commands
//! run one at a time, in the order sent. A write answers with what it made
//! (a new concern's id and reference, an entry's number), or with a
//! [`Refusal`] the form can show: a conflict names who changed the record
//! and when, and what was typed stays in the form.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;

use chrono::NaiveDateTime;

use super::oversight::OversightData;
use crate::domain::PersonId;
use crate::domain::{
    AccessClass, Action, ActionId, ActionStatus, CaseFile, Dashboard, Debrief, DebriefId, EntryKind, NewAction,
    NewDebrief, Status, TrackedPolicy, TriggerKind,
};
use crate::store::oversight::{RecordedDebrief, ReviewInput};
use crate::store::people::{PersonView, UnlinkedGroup};
use crate::store::{Board, Damaged, Listed, Recorded, Session, StatusSeen, StoreError, TriageInput};

/// What the screens show, read together. Every part is optional.
#[derive(Debug, Clone, Default)]
pub struct Load {
    /// Read only if the store's change number moved from this one (a
    /// colleague's write); `None` reads regardless.
    pub since: Option<u64>,
    /// The board, sorted for `now`.
    pub board: bool,
    /// The concern on screen.
    pub case: Option<u32>,
    /// The person on screen (issue 12): their whole record.
    pub person: Option<PersonId>,
    /// The people screen's list of everyone on record (issue 12).
    pub people: bool,
    /// And its subjects not yet linked to anyone (reads every concern).
    pub unlinked: bool,
    /// Debriefs, actions, the dashboard, and the concerns awaiting a debrief.
    pub oversight: bool,
    /// The app's clock (fixed in tests): the board's order and the dashboard.
    pub now: NaiveDateTime,
}

/// A write from a form: what it read from its fields, nothing more. The
/// session adds who and when, and the domain's rules decide.
#[derive(Debug, Clone)]
pub enum Write {
    Concern(crate::domain::NewConcern),
    /// Issue 12: a concern about someone not yet on record: their person
    /// record is made first (DSL and deputies) and the first subject names it.
    ConcernNewPerson {
        new: crate::domain::NewConcern,
        kind: crate::domain::SubjectKind,
        details: crate::domain::person::PersonDetails,
    },
    /// `seen`: how many triage decisions the case had when the form opened.
    Triage {
        id: u32,
        seen: usize,
        input: TriageInput,
    },
    Entry {
        id: u32,
        kind: EntryKind,
        at: NaiveDateTime,
        text: String,
    },
    /// `seen`: where the concern stood when the form opened.
    Transition {
        id: u32,
        seen: Option<StatusSeen>,
        to: Status,
        reason: String,
    },
    CloseWithoutDebrief {
        id: u32,
        seen: Option<StatusSeen>,
        reason: String,
    },
    Correct {
        id: u32,
        seq: u32,
        text: String,
    },
    Export {
        id: u32,
        path: PathBuf,
        extra: Vec<String>,
    },
    Debrief(NewDebrief),
    Action(NewAction),
    ActionStatus {
        id: ActionId,
        debrief: DebriefId,
        to: ActionStatus,
        note: String,
    },
    Review(ReviewInput),
    Trigger {
        kind: TriggerKind,
        note: String,
    },
    /// Issue 12: every subject of a group linked to one person: the one
    /// named, or a new record made from the subjects' name and detail.
    Adopt {
        group: UnlinkedGroup,
        person: Option<PersonId>,
    },
    /// Issue 12: two records of one person made one (the DSL only).
    Merge {
        keep: PersonId,
        other: PersonId,
    },
    /// Issue 10: remove a member (`to: None`) or change their role; every
    /// record of a class they lose is sealed again to new keys.
    Membership {
        id: u32,
        to: Option<crate::domain::Role>,
    },
    /// P6.1-g: give or withdraw a member's authority to examine or erase
    /// a device's data, as with `casebook member authorise`.
    Authorise {
        id: u32,
        authorised: bool,
    },
    /// Issue 10: a member joins, as with `casebook member add`.
    AddMember {
        name: String,
        role: crate::domain::Role,
        recipient: String,
    },
    /// Issue 13: a referral or contact on concern `id`.
    Referral {
        id: u32,
        new: crate::domain::NewReferral,
    },
    /// Issue 13 (P6.1-a): a device confiscated on concern `id`.
    Confiscate {
        id: u32,
        new: crate::domain::NewCustody,
    },
    /// Issue 13 (P6.1-b, P6.1-d): an event on device `custody`.
    CustodyEvent {
        custody: u32,
        new: crate::domain::NewCustodyEvent,
    },
    /// Issue 13 (P6.1-e): a search of a device on concern `id`.
    Search {
        id: u32,
        new: crate::domain::searches::NewSearch,
    },
    /// Issue 13: an entry in a staff or visitor register (P5-a, P5-c, P5-e, P7-b).
    Register(crate::domain::register::NewRegisterEntry),
    /// Issue 13 (P5-f, P5-g): concern `id` restricted to the DSL(s) and
    /// `allow`, never `exclude` (replacing any restriction it had).
    Restrict {
        id: u32,
        reference: String,
        allow: Vec<crate::domain::MemberId>,
        exclude: Vec<crate::domain::MemberId>,
        reason: String,
    },
    /// Issue 13: the file at `path` attached to concern `id`, read here
    /// (its size checked first), not on the input thread.
    Attach {
        id: u32,
        reference: String,
        path: PathBuf,
        note: String,
    },
    /// S-d: concern `id` disposed of (the DSL only), `early` with its reason
    /// when it is not yet past retention.
    Dispose {
        id: u32,
        reason: String,
        early: Option<String>,
    },
    /// S-e: person `id`'s record erased (the DSL only).
    ErasePerson {
        id: u32,
        reason: String,
    },
}

/// The tracked policy the TUI's review and trigger forms act on (the
/// catalogue's own, P8-a).
const POLICY: crate::domain::PolicyId = 1;

// One message per command, moved once through a channel: boxing its
// larger variants would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    Load(Load),
    /// One concern, decrypted: to show it, or to build a form on it.
    Case(u32),
    /// Who has opened and changed one concern, from the audit log (the
    /// DSL's concern view; issue 10, S-c).
    SeenBy(u32),
    /// Everyone this member may pick as a concern's subject (issue 12):
    /// once, when the new-concern form opens.
    Pickable,
    /// Whether a concern is restricted, and to whom (issue 13, P5-g): when
    /// its view opens.
    Restriction(u32),
    /// A write, then what to read back for the screens. With
    /// `check_names`, a text leadership will read is first checked for the
    /// names of subjects (P9-e) and not saved if it has any.
    Write {
        write: Write,
        now: NaiveDateTime,
        check_names: bool,
        then: Load,
    },
}

/// What a write made, typed: ids come back from the write that made them.
#[derive(Debug, Clone)]
pub enum Done {
    Recorded(Recorded),
    Triaged {
        id: u32,
    },
    EntryAdded {
        id: u32,
        seq: u32,
    },
    Moved {
        id: u32,
        to: Status,
    },
    ClosedWithoutDebrief {
        id: u32,
    },
    Corrected {
        id: u32,
        seq: u32,
        by: u32,
    },
    Exported {
        path: PathBuf,
    },
    Debriefed(RecordedDebrief),
    ActionAdded(Action),
    ActionChanged(Action),
    Reviewed(TrackedPolicy),
    Membership {
        name: String,
        to: Option<crate::domain::Role>,
        records: usize,
    },
    MemberAdded {
        name: String,
        role: crate::domain::Role,
    },
    Authorised {
        name: String,
        authorised: bool,
    },
    Adopted {
        person: crate::domain::Person,
        subjects: usize,
        new: bool,
    },
    Merged {
        kept: crate::domain::Person,
        other: PersonId,
    },
    TriggerLogged,
    /// Issue 13: the referral's label ("R-0003") and what it corrects.
    Referred {
        id: u32,
        label: String,
        corrects: Option<String>,
    },
    /// Issue 13 (P6.1-b): a device's custody recorded on concern `id`, in
    /// one line.
    Custody {
        id: u32,
        words: String,
    },
    /// Issue 13: an entry recorded in a register.
    Registered(crate::domain::register::RegisterEntry),
    /// Issue 13: concern `id` restricted (P5-g) or a file attached to it, in one line.
    Concern {
        id: u32,
        words: String,
    },
    /// S-d: a concern disposed of, by reference (it no longer exists).
    Disposed {
        reference: String,
    },
    /// S-e: a person's record erased, by number.
    Erased {
        label: String,
    },
}

impl Done {
    /// The concern the write changed, if it changed one.
    pub fn case_id(&self) -> Option<u32> {
        match self {
            Done::Recorded(r) => Some(r.id),
            Done::Triaged { id }
            | Done::EntryAdded { id, .. }
            | Done::Moved { id, .. }
            | Done::ClosedWithoutDebrief { id }
            | Done::Corrected { id, .. }
            | Done::Referred { id, .. }
            | Done::Custody { id, .. }
            | Done::Concern { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// The footer's one line about it.
    pub fn message(&self) -> String {
        match self {
            Done::Recorded(r) => format!("Recorded {}.", r.reference),
            Done::Triaged { .. } => "Triage recorded.".into(),
            Done::EntryAdded { seq, .. } => format!("Added entry #{seq}."),
            Done::Moved { to, .. } => format!("Now {}.", to.label()),
            Done::ClosedWithoutDebrief { .. } => {
                "Closed without a debrief; the decision and its reason are recorded.".into()
            }
            Done::Corrected { seq, by, .. } => format!("Entry #{seq} corrected by #{by}; the original is kept."),
            Done::Exported { path } => {
                format!("Wrote {} (age-encrypted; open with age -d -i YOUR-KEY).", path.display())
            }
            Done::Debriefed(r) => {
                let closed =
                    if r.closed.is_empty() { String::new() } else { format!(" Closed {}.", r.closed.join(", ")) };
                format!("Recorded debrief {}.{closed}", r.debrief.reference)
            }
            Done::ActionAdded(a) => format!("Added action {}.", a.label()),
            Done::ActionChanged(a) => format!("{} is now {}.", a.label(), a.status().label()),
            Done::Reviewed(p) => format!("Review recorded; next due {}.", p.next_due().format("%d %b %Y")),
            Done::TriggerLogged => "Review trigger logged.".into(),
            Done::MemberAdded { name, role } => {
                format!("Added {name} as {role}; their key opens casebook now.")
            }
            Done::Authorised { name, authorised: true } => {
                format!("{name} may now record that a device's data was examined or erased (P6.1-g).")
            }
            Done::Authorised { name, authorised: false } => {
                format!("{name} may no longer record that a device's data was examined or erased (P6.1-g).")
            }
            Done::Custody { words, .. } | Done::Concern { words, .. } => words.clone(),
            Done::Registered(e) => {
                format!("Recorded {} in the {}: {}.", e.label(), e.kind.title().to_lowercase(), e.who)
            }
            Done::Erased { label } => format!(
                "Erased {label}'s record, its index entry and family links; the disposal record keeps the number, \
                 the date, you and the reason (S-e)."
            ),
            Done::Disposed { reference } => {
                format!("Disposed of {reference} and every record of it; the disposal record is kept (S-d).")
            }
            Done::Referred { label, corrects: None, .. } => format!("Recorded {label}."),
            Done::Referred { label, corrects: Some(old), .. } => {
                format!("Recorded {label}; it corrects {old} (both are kept).")
            }
            Done::Adopted { person, subjects, new } => format!(
                "{subjects} subject(s) now name {} {}{}.",
                person.label(),
                person.name,
                if *new { " (a new record)" } else { "" }
            ),
            Done::Merged { kept, other } => format!(
                "{} merged into {} {}: its concerns now name {}; the merged record is kept as history.",
                crate::domain::person::person_label(*other),
                kept.label(),
                kept.name,
                kept.label()
            ),
            Done::Membership { name, to, records } => match to {
                None => format!("Removed {name}; {records} records sealed again without their keys."),
                Some(role) => format!("{name} is now {role}; {records} records sealed again."),
            },
        }
    }
}

/// Why a write saved nothing; the form shows it and keeps what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Refused by a rule, a limit or the store.
    Failed(String),
    /// Someone changed the record since the form opened: who and when.
    Conflict(String),
    /// Subjects' names in a text leadership will read (P9-e).
    Names(Vec<String>),
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::ChangedSince(_) | StoreError::Conflict(_) | StoreError::Stale { .. } => {
                Refusal::Conflict(e.to_string())
            }
            other => Refusal::Failed(other.to_string()),
        }
    }
}

/// The oversight screens' records; each part loads or says why not.
pub struct OversightLoad {
    pub debriefs: Result<Vec<Debrief>, String>,
    pub actions: Result<Vec<Action>, String>,
    pub dashboard: Result<Dashboard, String>,
    /// Concern references awaiting a debrief and days waiting; `None` for
    /// a key that cannot open concerns.
    pub awaiting: Option<Result<Vec<(String, i64)>, String>>,
    /// The dashboard's line about the last good backup, and whether it warns.
    pub backup: Result<(String, bool), String>,
    /// Records that could not be read, skipped so the rest show.
    pub damaged: Vec<Damaged>,
}

impl OversightLoad {
    /// The first part that could not be read, if any.
    fn failure(&self) -> Option<String> {
        let awaiting = self.awaiting.as_ref().and_then(|a| a.as_ref().err());
        [self.debriefs.as_ref().err(), self.actions.as_ref().err(), self.dashboard.as_ref().err(), awaiting]
            .into_iter()
            .flatten()
            .next()
            .or(self.backup.as_ref().err())
            .cloned()
    }

    /// Puts what loaded into `data` (what did not keeps its last value)
    /// and returns the problems.
    pub fn merge_into(self, data: &mut OversightData) -> Vec<String> {
        let mut problems = Vec::new();
        match self.debriefs {
            Ok(d) => data.debriefs = d,
            Err(e) => problems.push(e),
        }
        match self.actions {
            Ok(a) => data.actions = a,
            Err(e) => problems.push(e),
        }
        match self.dashboard {
            Ok(d) => data.dashboard = Some(d),
            Err(e) => problems.push(e),
        }
        data.awaiting = match self.awaiting {
            None => Vec::new(),
            Some(Ok(a)) => a,
            Some(Err(e)) => {
                problems.push(e);
                Vec::new()
            }
        };
        match self.backup {
            Ok(line) => data.backup = Some(line),
            Err(e) => problems.push(e),
        }
        if let Some(first) = self.damaged.first() {
            problems.push(format!(
                "{} record(s) could not be read; the rest are shown. First: {first}",
                self.damaged.len()
            ));
        }
        problems
    }
}

/// The people screen's lists (issue 12).
#[derive(Debug, Clone, Default)]
pub struct PeopleLists {
    /// Everyone on record, merged records included (marked).
    pub people: Vec<crate::domain::PersonSummary>,
    /// None when not asked for.
    pub unlinked: Option<Vec<UnlinkedGroup>>,
    /// Records that could not be read, skipped so the rest show.
    pub damaged: Vec<Damaged>,
}

/// What a [`Load`] read.
#[derive(Default)]
pub struct Loaded {
    /// The store's change number, read before anything else, so a write
    /// that lands while this loads shows at the next refresh.
    pub change: Option<u64>,
    /// False when the load was asked only if the store moved, and it had
    /// not: nothing was read.
    pub moved: bool,
    pub board: Option<Result<Board, String>>,
    pub cases: Vec<(u32, Result<CaseFile, String>)>,
    /// The person on screen, as asked by [`Load::person`].
    pub person: Option<(PersonId, Result<PersonView, String>)>,
    /// The people screen's lists, as asked by [`Load::people`].
    pub people: Option<Result<PeopleLists, String>>,
    pub oversight: Option<OversightLoad>,
    /// Issue 13: every referral, the school's calendar and what could not
    /// be read, read with the board.
    pub referrals: Option<Result<ReferralsLoad, String>>,
    /// Issue 13 (P6.1-b): the custody register, read with the board.
    pub custody: Option<Result<crate::store::Listed<Vec<crate::domain::Custody>>, String>>,
    /// Issue 13 (P6.1-e): every search, read with the board.
    pub searches: Option<Result<crate::store::Listed<Vec<crate::domain::searches::DeviceSearch>>, String>>,
    /// Issue 13 (P5-g): whether each concern read is restricted, and to whom.
    pub restrictions: Vec<(u32, Result<Option<crate::domain::restricted::Restriction>, String>)>,
    /// Issue 13 (P5-a, P5-c, P5-e, P7-b): the staff and visitor registers
    /// this member may read, with the board or the oversight screens.
    pub registers: Option<Result<crate::store::Listed<Vec<crate::domain::register::RegisterEntry>>, String>>,
    /// S-d: the closed concerns past retention, read with the board.
    pub retention: Option<Result<crate::store::Listed<Vec<crate::store::disposals::PastRetention>>, String>>,
}

/// Every referral and the school's calendar (Case class), for deadlines.
pub struct ReferralsLoad {
    pub all: Vec<crate::domain::Referral>,
    pub calendar: crate::domain::Calendar,
    pub damaged: Vec<Damaged>,
}

impl Loaded {
    /// The first part that could not be read, if any: a reload says it
    /// rather than "reloaded". A store that could not even say its change
    /// number did not answer.
    pub fn failure(&self) -> Option<String> {
        let board = self.board.as_ref().and_then(|b| b.as_ref().err());
        let case = self.cases.iter().find_map(|(_, c)| c.as_ref().err());
        let referrals = self.referrals.as_ref().and_then(|r| r.as_ref().err());
        let person = self.person.as_ref().and_then(|(_, p)| p.as_ref().err());
        let person = person.or(self.people.as_ref().and_then(|p| p.as_ref().err()));
        let custody = self.custody.as_ref().and_then(|r| r.as_ref().err());
        let searches = self.searches.as_ref().and_then(|r| r.as_ref().err());
        let oversight = self.oversight.as_ref().and_then(OversightLoad::failure);
        board
            .or(case)
            .or(referrals)
            .or(person)
            .or(custody)
            .or(searches)
            .cloned()
            .or(oversight)
            .or_else(|| self.change.is_none().then(|| "the store did not answer".to_string()))
    }
}

// One message per command, moved once through a channel: boxing its
// larger variants would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Reply {
    Loaded(Loaded),
    Case(u32, Result<CaseFile, String>),
    SeenBy(u32, Result<Seen, String>),
    Pickable(Result<Vec<crate::domain::PersonSummary>, String>),
    Restriction(u32, Result<Option<crate::domain::restricted::Restriction>, String>),
    /// A write's outcome and, after a write that saved, what was read back.
    Written(Result<Done, Refusal>, Loaded),
}

/// Who has opened and changed a concern, named (S-c): the DSL's only.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub rows: Vec<(String, crate::store::audit::SeenBy)>,
    /// The log's chain is broken somewhere: `casebook audit verify` says where.
    pub broken: bool,
}

fn seen_by(session: &Session, id: u32) -> Result<Seen, String> {
    let trail = session.audit(Some(id)).map_err(|e| e.to_string())?;
    let rows = crate::store::audit::seen_by(&trail.entries)
        .into_iter()
        .map(|s| {
            let name = session
                .member(s.member)
                .map_or_else(|| format!("member #{} (no longer a member)", s.member), |m| m.name.clone());
            (name, s)
        })
        .collect();
    Ok(Seen { rows, broken: !trail.breaks.is_empty() })
}

/// What the app's poll finds.
// One message per command, moved once through a channel: boxing its
// larger variants would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Polled {
    Reply(u64, Reply),
    Nothing,
    /// The worker is gone (it panicked): nothing more can be read or saved.
    Stopped,
}

/// The app's handle on the worker thread.
pub struct Engine {
    commands: Option<Sender<(u64, Command)>>,
    replies: Receiver<(u64, Reply)>,
    next: u64,
    in_flight: usize,
    stopped: bool,
    closing: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Engine {
    /// Starts the worker on its own session (see [`Session::fork`]).
    pub fn start(mut session: Session) -> Engine {
        let (commands, inbox) = mpsc::channel::<(u64, Command)>();
        let (outbox, replies) = mpsc::channel();
        let closing = Arc::new(AtomicBool::new(false));
        let quitting = closing.clone();
        let thread = std::thread::Builder::new()
            .name("casebook-store".into())
            .spawn(move || {
                for (ticket, command) in inbox {
                    // Quitting: what was asked to be saved is saved; what
                    // was only to be shown is not read.
                    let closing = quitting.load(Ordering::Relaxed);
                    let reply = match command {
                        Command::Load(_)
                        | Command::Case(_)
                        | Command::SeenBy(_)
                        | Command::Pickable
                        | Command::Restriction(_)
                            if closing =>
                        {
                            continue;
                        }
                        Command::Restriction(id) => {
                            Reply::Restriction(id, session.restriction(id).map_err(|e| e.to_string()))
                        }
                        Command::Pickable => Reply::Pickable(session.pickable_people().map_err(|e| e.to_string())),
                        Command::Load(load) => Reply::Loaded(load_for(&mut session, &load, None)),
                        Command::Case(id) => Reply::Case(id, session.case(id).map_err(|e| e.to_string())),
                        Command::SeenBy(id) => Reply::SeenBy(id, seen_by(&session, id)),
                        Command::Write { write, now, check_names, then } => {
                            let outcome = save(&mut session, write, now, check_names);
                            let loaded = match &outcome {
                                Ok(done) if !closing => load_for(&mut session, &then, done.case_id()),
                                _ => Loaded::default(),
                            };
                            Reply::Written(outcome, loaded)
                        }
                    };
                    // The app is gone: keep going, so queued writes land.
                    let _ = outbox.send((ticket, reply));
                }
            })
            // No thread, no store: every command is answered that it
            // cannot be done, and the screen says so (never a panic).
            .ok();
        Engine { stopped: thread.is_none(), commands: Some(commands), replies, next: 0, in_flight: 0, closing, thread }
    }

    /// Sends a command; returns its ticket, which its reply carries.
    pub fn send(&mut self, command: Command) -> Result<u64, String> {
        let sent = match &self.commands {
            Some(tx) if !self.stopped => tx.send((self.next + 1, command)).is_ok(),
            _ => false,
        };
        if !sent {
            self.stopped = true;
            return Err(STOPPED.into());
        }
        self.next += 1;
        self.in_flight += 1;
        Ok(self.next)
    }

    /// The next reply, if one has come.
    pub fn poll(&mut self) -> Polled {
        match self.replies.try_recv() {
            Ok((ticket, reply)) => {
                self.in_flight = self.in_flight.saturating_sub(1);
                Polled::Reply(ticket, reply)
            }
            Err(TryRecvError::Empty) => Polled::Nothing,
            Err(TryRecvError::Disconnected) => {
                self.in_flight = 0;
                if std::mem::replace(&mut self.stopped, true) { Polled::Nothing } else { Polled::Stopped }
            }
        }
    }

    /// Whether commands are waiting for their replies.
    pub fn busy(&self) -> bool {
        self.in_flight > 0
    }
}

pub const STOPPED: &str =
    "casebook's store worker stopped unexpectedly; nothing more can be saved. Quit and start casebook again";

/// Quitting waits for the worker to finish what it was asked to save, so
/// an acknowledged save is on disk before the process ends (and the
/// store's files are closed before anything reopens them).
impl Drop for Engine {
    fn drop(&mut self) {
        self.closing.store(true, Ordering::Relaxed);
        self.commands = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads what `load` asks for, and the concern `written` if a write just
/// changed one.
fn load_for(session: &mut Session, load: &Load, written: Option<u32>) -> Loaded {
    let change = session.backend().changes();
    if let Some(since) = load.since {
        match change {
            Ok(now) if now != since => {}
            // Nothing moved, or the store cannot say: the app asks again later.
            other => return Loaded { change: other.ok(), ..Loaded::default() },
        }
    }
    let mut out = Loaded { change: change.ok(), moved: true, ..Loaded::default() };
    let cases = session.can_read(AccessClass::Case);
    if load.board && cases {
        out.board = Some(
            session
                .board()
                .map(|mut b| {
                    // Within each group, the latest review first (issue 8 item 8).
                    b.rows.sort_by(crate::domain::summary::board_order_on(load.now.date()));
                    b
                })
                .map_err(|e| e.to_string()),
        );
        out.referrals = Some(referrals(session));
        out.custody = Some(session.custody_register().map_err(|e| e.to_string()));
        out.searches = Some(session.all_searches().map_err(|e| e.to_string()));
        out.retention = Some(session.past_retention(load.now.date()).map_err(|e| e.to_string()));
    }
    if cases {
        let mut ids: Vec<u32> = written.into_iter().chain(load.case).collect();
        ids.dedup();
        out.restrictions = ids.iter().map(|&id| (id, session.restriction(id).map_err(|e| e.to_string()))).collect();
        out.cases = ids.into_iter().map(|id| (id, session.case(id).map_err(|e| e.to_string()))).collect();
    }
    if load.people && cases {
        out.people = Some(people_lists(session, load.unlinked).map_err(|e| e.to_string()));
    }
    if let Some(id) = load.person.filter(|_| cases) {
        out.person = Some((id, session.person_view_on(id, load.now.date()).map_err(|e| e.to_string())));
    }
    if load.oversight && session.can_read(AccessClass::Oversight) {
        out.oversight = Some(oversight(session, load.now));
    }
    if (load.board || load.oversight) && session.can_read(AccessClass::Oversight) {
        out.registers = Some(session.register_entries().map_err(|e| e.to_string()));
    }
    out
}

/// Every referral and the term dates (issue 13): small, read with the board.
fn referrals(session: &Session) -> Result<ReferralsLoad, String> {
    let listed = session.all_referrals().map_err(|e| e.to_string())?;
    let calendar = session.calendar().map_err(|e| e.to_string())?;
    Ok(ReferralsLoad { all: listed.items, calendar, damaged: listed.damaged })
}

/// Debriefs, actions and the dashboard (all Oversight class), and for the
/// DSL and deputies the concerns awaiting a debrief.
fn oversight(session: &mut Session, now: NaiveDateTime) -> OversightLoad {
    let text = |e: StoreError| e.to_string();
    // Issue 11: a damaged record is skipped and named; the rest show.
    let mut damaged: Vec<Damaged> = Vec::new();
    let debriefs = session.debriefs().map(|l| keep(&mut damaged, l)).map_err(text);
    let actions = session.actions().map(|l| keep(&mut damaged, l)).map_err(text);
    let dashboard = session.dashboard(now).map(|l| keep(&mut damaged, l)).map_err(text);
    let awaiting = session.can_read(AccessClass::Case).then(|| {
        session
            .awaiting_debrief()
            .map(|l| keep(&mut damaged, l).into_iter().map(|a| (a.reference.clone(), a.days_waiting(now))).collect())
            .map_err(text)
    });
    // Issue 11: when the records were last safely copied.
    let backup = session.last_backup().map_err(text).map(|stamp| {
        let now = now.and_local_timezone(chrono::Local).earliest().unwrap_or_else(chrono::Local::now);
        crate::store::backup::status_line(stamp.as_ref(), now)
    });
    // The same record can be behind several lists: name it once.
    let mut seen = std::collections::HashSet::new();
    damaged.retain(|d| seen.insert(d.to_string()));
    OversightLoad { debriefs, actions, dashboard, awaiting, backup, damaged }
}

/// Everyone on record and, if asked, the subjects not yet linked to anyone.
fn people_lists(session: &mut Session, unlinked: bool) -> Result<PeopleLists, StoreError> {
    let listed = session.people()?;
    let mut damaged = Vec::new();
    let people = keep(&mut damaged, listed);
    let unlinked = if unlinked { Some(session.unlinked_subjects()?) } else { None };
    Ok(PeopleLists { people, unlinked, damaged })
}

/// A listing's items, its damaged records set aside to be named.
fn keep<T>(damaged: &mut Vec<Damaged>, listed: Listed<T>) -> T {
    damaged.extend(listed.damaged);
    listed.items
}

/// The subjects' names in a text leadership will read (P9-e), for the
/// writes that have one.
fn names_in(session: &mut Session, write: &Write) -> Result<Vec<String>, StoreError> {
    match write {
        Write::Debrief(new) => session.debrief_name_warnings(new),
        Write::Action(new) => session.action_name_warnings(new.debrief, &new.description),
        Write::ActionStatus { debrief, note, .. } => session.action_name_warnings(*debrief, note),
        Write::Review(input) => session.name_warnings(&format!("{}\n{}", input.version, input.note), &[]),
        Write::Trigger { note, .. } => session.name_warnings(note, &[]),
        _ => Ok(Vec::new()),
    }
}

fn save(session: &mut Session, write: Write, now: NaiveDateTime, check_names: bool) -> Result<Done, Refusal> {
    if check_names {
        let names = names_in(session, &write)?;
        if !names.is_empty() {
            return Err(Refusal::Names(names));
        }
    }
    Ok(match write {
        Write::Concern(new) => Done::Recorded(session.record_concern(new, now)?),
        Write::ConcernNewPerson { mut new, kind, details } => {
            // Checked first, so a concern that would be refused makes no person.
            if let Some(e) = new.validate(session.catalogue(), now).into_iter().next() {
                return Err(Refusal::Failed(e.to_string()));
            }
            let person = session.add_person(kind, details, now)?;
            if let Some(first) = new.subjects.first_mut() {
                first.person = Some(person.id);
            }
            Done::Recorded(session.record_concern(new, now)?)
        }
        // Saved only if nobody triaged it since the form opened.
        Write::Triage { id, seen, input } => {
            session.triage_seen(id, seen, input, now)?;
            Done::Triaged { id }
        }
        Write::Entry { id, kind, at, text } => {
            Done::EntryAdded { id, seq: session.add_entry(id, kind, at, &text, now)? }
        }
        // Saved only if nobody moved it since the form opened.
        Write::Transition { id, seen, to, reason } => {
            match seen {
                Some(seen) => session.transition_seen(id, seen, to, &reason, now)?,
                None => session.transition(id, to, &reason, now)?,
            }
            Done::Moved { id, to }
        }
        Write::CloseWithoutDebrief { id, seen, reason } => {
            session.close_without_debrief_seen(id, seen, &reason, now)?;
            Done::ClosedWithoutDebrief { id }
        }
        Write::Correct { id, seq, text } => {
            Done::Corrected { id, seq, by: session.correct_entry(id, seq, &text, now)? }
        }
        Write::Export { id, path, extra } => {
            let sealed = session.export_case(id, &extra)?;
            crate::store::identity::write_private(&path, &sealed)?;
            Done::Exported { path }
        }
        Write::Debrief(new) => Done::Debriefed(session.record_debrief(new, now)?),
        Write::Action(new) => Done::ActionAdded(session.add_action(new, now)?),
        Write::ActionStatus { id, to, note, .. } => {
            Done::ActionChanged(session.change_action_status(id, to, &note, now)?)
        }
        Write::Review(input) => Done::Reviewed(session.record_policy_review(POLICY, input, now)?),
        Write::Trigger { kind, note } => {
            session.log_review_trigger(POLICY, kind, &note, None, now)?;
            Done::TriggerLogged
        }
        Write::Referral { id, new } => {
            let r = session.record_referral(id, new, now)?;
            Done::Referred { id, label: r.label(), corrects: r.supersedes.map(crate::domain::referral::referral_label) }
        }
        Write::Adopt { group, person } => {
            let new = person.is_none();
            let subjects = group.subjects.len();
            Done::Adopted { person: session.adopt_group(&group, person, now)?, subjects, new }
        }
        Write::Merge { keep, other } => Done::Merged { kept: session.merge_people(keep, other, now)?, other },
        Write::Confiscate { id, new } => {
            let c = session.confiscate(id, new, now)?;
            let device = session.catalogue().device_label(&c.device).to_string();
            let words = format!("Recorded {}: {} of {}, held in {}.", c.label(), device, c.owner, c.held_at);
            Done::Custody { id, words }
        }
        Write::CustodyEvent { custody, new } => {
            let c = session.custody_event(custody, new, now)?;
            let words = format!("{}: {}.", c.label(), c.whereabouts().words());
            Done::Custody { id: c.case_id, words }
        }
        Write::ErasePerson { id, reason } => {
            session.erase_person(id, &reason, now)?;
            Done::Erased { label: crate::domain::person::person_label(id) }
        }
        Write::Dispose { id, reason, early } => {
            let d = session.dispose_concern(id, &reason, early.as_deref(), now)?;
            Done::Disposed { reference: d.label() }
        }
        Write::Search { id, new } => {
            let (s, escalation) = session.record_search(id, new, now)?;
            let words = match escalation {
                crate::store::searches::Escalation::None => format!("Recorded {}.", s.label()),
                crate::store::searches::Escalation::MadeUrgent => {
                    format!(
                        "Recorded {}: a safeguarding risk, so {} is now URGENT (P6.1-f).",
                        s.label(),
                        s.case_reference
                    )
                }
                crate::store::searches::Escalation::Noted => {
                    format!(
                        "Recorded {}: a safeguarding risk; urgent already, noted in the chronology (P6.1-f).",
                        s.label()
                    )
                }
            };
            Done::Custody { id, words }
        }
        Write::Membership { id, to } => {
            let name = session.member(id).map(|m| m.name.clone()).unwrap_or_else(|| format!("member #{id}"));
            session.begin_change(id, to)?;
            let done = session.finish_rekey(&|_| ())?;
            Done::Membership { name, to, records: done.records }
        }
        Write::Authorise { id, authorised } => {
            let name = session.authorise_member(id, authorised)?;
            Done::Authorised { name, authorised }
        }
        Write::Register(new) => Done::Registered(session.record_register(new, now)?),
        Write::Restrict { id, reference, allow, exclude, reason } => {
            let r = session.restrict(id, &allow, &exclude, &reason, now)?;
            Done::Concern { id, words: super::restrict::done_words(&reference, &r, session.members()) }
        }
        Write::Attach { id, reference, path, note } => {
            let bytes = super::attachments::load(&path).map_err(Refusal::Failed)?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let a = session.attach(id, &name, bytes, &note, now)?;
            Done::Concern { id, words: format!("Attached {} to {reference} as file {}.", a.name, a.number) }
        }
        Write::AddMember { name, role, recipient } => {
            let member = session.add_member(&name, role, &recipient)?;
            Done::MemberAdded { name: member.name, role: member.role }
        }
    })
}
