//! The app's state and how keys change it. Drawing lives in `ui`, as a
//! function of this state, so tests drive the app on a TestBackend.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::engine::{Command, Done, Engine, Load, Loaded, Polled, Refusal, Reply, Write};
use super::form::{Form, Outcome};
use super::forms::{self, Assigned, Filter, FormKind};
use super::keymap::{Action, Context, KeyMap};
use super::oversight::{self, ListState, OversightData};
use super::theme::Theme;
use super::worker::{self, JobEvent};
use crate::domain::fold::fold;
use crate::domain::{AccessClass, ActionFilter, CaseFile, CaseSummary, PersonId, Role};
use crate::store::people::PersonView;
use crate::store::{Board, Session};

pub struct ConcernView {
    pub id: u32,
    pub case: CaseFile,
    pub scroll: u16,
    /// Who has opened and changed it (the DSL's view only; issue 10,
    /// S-c): `None` while the audit log is read, or for other roles.
    pub seen: Option<Result<super::engine::Seen, String>>,
    /// Opened from the Today screen (issue 13): back goes there.
    pub from_today: bool,
    /// Opened from the custody register (issue 13, P6.1-b): back goes there.
    pub from_custody: bool,
    /// Whether it is restricted, and to whom (issue 13, P5-g): `None`
    /// until the store has said.
    pub restriction: Option<Result<Option<crate::domain::restricted::Restriction>, String>>,
}

/// Issue 12 (P1-a): one person's whole record, from the store's
/// [`PersonView`] once it arrives.
pub struct PersonScreen {
    /// The person asked for (a merged record's view is the person it became).
    pub id: PersonId,
    pub view: Option<PersonView>,
    pub scroll: u16,
    /// Which of [`PersonScreen::targets`] Enter opens.
    pub selected: usize,
    /// The selection moved: the next draw scrolls it into view.
    pub follow: bool,
}

/// What Enter opens from a person's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonTarget {
    Person(PersonId),
    Concern(u32),
}

impl PersonScreen {
    pub fn new(id: PersonId) -> Self {
        PersonScreen { id, view: None, scroll: 0, selected: 0, follow: false }
    }

    /// Family first (siblings' concerns are one key away), then their
    /// concerns, in the order the screen lists them.
    pub fn targets(&self) -> Vec<PersonTarget> {
        let Some(v) = &self.view else { return Vec::new() };
        v.family
            .iter()
            .map(|(_, p)| PersonTarget::Person(p.id))
            .chain(v.concerns.iter().map(|(r, _)| PersonTarget::Concern(r.id)))
            .collect()
    }

    pub fn target(&self) -> Option<PersonTarget> {
        self.targets().get(self.selected).copied()
    }
}

/// Issue 12: the people screen's two lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeopleTab {
    #[default]
    Everyone,
    /// Free-text subjects of older concerns, grouped by name, to adopt as
    /// people or link to one on record.
    Unlinked,
}

/// Issue 12: everyone on record for the DSL and deputies: find, open,
/// merge; and the subjects not yet linked to anyone.
#[derive(Default)]
pub struct PeopleScreen {
    pub tab: PeopleTab,
    /// None until the engine has read them.
    pub lists: Option<super::engine::PeopleLists>,
    pub query: String,
    /// Typing into the search line.
    pub editing: bool,
    /// Indices into the people that show: live records fitting the search.
    pub shown: Vec<usize>,
    pub selected: usize,
    /// Which of the selected group's suggested people `l` links it to.
    pub suggestion: usize,
    /// A record marked to be merged into the next one chosen (the DSL).
    pub merge_from: Option<crate::domain::PersonSummary>,
}

impl PeopleScreen {
    /// Works out which people show, best fit first when searching, else by
    /// name; merged records live on in the record they became.
    pub fn refilter(&mut self) {
        let Some(lists) = &self.lists else { return };
        let all = &lists.people;
        self.shown = if self.query.trim().is_empty() {
            let mut shown: Vec<usize> = (0..all.len()).filter(|&i| all[i].merged_into.is_none()).collect();
            shown.sort_by_cached_key(|&i| (fold(&all[i].name), all[i].id));
            shown
        } else {
            let hits = crate::domain::person::PersonQuery::new(&self.query).search(all, usize::MAX);
            // The store lists people by id: a search matching thousands
            // ("year 5") finds each row's place without a scan.
            hits.into_iter()
                .filter_map(|h| {
                    all.binary_search_by_key(&h.id, |p| p.id).ok().or_else(|| all.iter().position(|p| p.id == h.id))
                })
                .collect()
        };
        self.selected = self.selected.min(self.len().saturating_sub(1));
    }

    pub fn groups(&self) -> &[crate::store::people::UnlinkedGroup] {
        self.lists.as_ref().and_then(|l| l.unlinked.as_deref()).unwrap_or_default()
    }

    /// Rows in the list shown.
    pub fn len(&self) -> usize {
        match self.tab {
            PeopleTab::Everyone => self.shown.len(),
            PeopleTab::Unlinked => self.groups().len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn selected_person(&self) -> Option<&crate::domain::PersonSummary> {
        let i = *self.shown.get(self.selected)?;
        self.lists.as_ref()?.people.get(i)
    }

    pub fn selected_group(&self) -> Option<&crate::store::people::UnlinkedGroup> {
        self.groups().get(self.selected)
    }
}

pub enum Screen {
    Board,
    Concern(Box<ConcernView>),
    Actions,
    Debriefs,
    Dashboard,
    /// Issue 13: what needs doing today (DSL and deputies).
    Today,
    Person(Box<PersonScreen>),
    People(Box<PeopleScreen>),
    /// Issue 13 (P6.1-b): the device custody register.
    Custody,
    /// Issue 13: the staff and visitor registers.
    Registers,
    /// S-d: the closed concerns past retention, to dispose of.
    Retention,
}

pub struct OpenForm {
    pub kind: FormKind,
    pub form: Form,
    /// The form has shown its one warning: names in a debrief (P9-e), or a
    /// status set by a typed letter; the next save goes ahead.
    pub warned: bool,
    /// The case the form acts on, for guidance beside it.
    pub case: Option<Box<CaseFile>>,
    /// Sent to the store and not yet answered: the form shows "saving…"
    /// and takes no keys, so nothing typed after the save is lost when it
    /// closes (issue 9).
    pub saving: bool,
    /// The new-concern form's people found as a name is typed (issue 12).
    pub picker: Option<forms::Picker>,
}

/// What the app asked the engine, by ticket, to know what its reply is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// What the screens show: at start, on `r`, on moving to a screen.
    Load,
    /// Others' writes moved the store's change number.
    Refresh,
    /// Everything on screen read again: on `r`, or after `casebook serve`
    /// came back. Its reply says whether it worked.
    Reload { reconnected: bool },
    /// A concern from the board: to open it, or to build a form on it.
    Case { id: u32, then: Action },
    /// Who has opened the concern on screen (the DSL's).
    SeenBy,
    /// The open form's save.
    Save,
    /// The people the new-concern form may pick from (issue 12).
    Pickable,
    /// Whether the concern on screen is restricted (issue 13, P5-g).
    Restriction,
}

/// A question that needs y/n before something is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    Quit,
    DiscardForm,
    /// Issue 12: two records made one (see [`App::merging`]).
    Merge,
}

impl Confirm {
    pub fn question(self) -> &'static str {
        match self {
            Confirm::Quit => "Quit casebook? What you typed in the open form will be lost.",
            Confirm::DiscardForm => "Discard what you typed in this form?",
            Confirm::Merge => "Merge these two records of one person?",
        }
    }
}

/// The idle lock: while set, nothing of any case is drawn (P9-e; shoulder
/// surfing in a staff room).
pub struct Lock {
    /// Whether the key needs a passphrase; read once when locking, never
    /// in the draw loop.
    pub passphrase: bool,
    pub input: String,
    pub error: Option<String>,
    /// A passphrase check running on another thread (scrypt takes ~1 s).
    pub checking: Option<Receiver<Result<(), String>>>,
}

/// How the TUI was started: the demo banner, the key to re-check at the
/// idle lock, and how long idle is.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub demo: bool,
    pub identity: Option<PathBuf>,
    pub idle: Option<Duration>,
    /// A fixed clock for tests and screenshots; `None` is the wall clock.
    pub clock: Option<NaiveDateTime>,
}

/// A list's find-as-you-type line (the custody register's `/`).
#[derive(Debug, Default, Clone)]
pub struct ListSearch {
    pub query: String,
    /// Typing into it.
    pub editing: bool,
}

impl ListSearch {
    /// A key typed into the line: Enter keeps the search, Esc clears it.
    /// Whether the key was the line's.
    fn key(&mut self, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Enter | KeyCode::Up | KeyCode::Down => self.editing = false,
            KeyCode::Esc => {
                self.editing = false;
                self.query.clear();
            }
            KeyCode::Backspace => {
                self.query.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => self.query.push(c),
            _ => return false,
        }
        true
    }
}

/// Full-text search over every decrypted case, built off the input loop.
#[derive(Default)]
pub struct Search {
    pub query: String,
    /// Typing into the search line.
    pub editing: bool,
    /// Folded text of each case (lower case, no diacritics), once the
    /// background job delivers it.
    pub text: Option<HashMap<u32, String>>,
    pub progress: Option<(usize, usize)>,
    pub job: Option<Receiver<JobEvent>>,
}

pub struct App {
    /// This member's unlocked session. The app reads only what it holds in
    /// memory (who I am, the members, the catalogue, which keys I hold);
    /// every store read and write goes through `engine` (issue 9).
    pub session: Session,
    /// The worker thread that owns a fork of the session and does the
    /// store's work, so that a key press never waits on it.
    pub engine: Engine,
    /// Commands sent and not yet answered.
    pending: Vec<(u64, Pending)>,
    pub options: Options,
    pub keys: KeyMap,
    pub theme: Theme,
    pub school: String,
    pub board: Board,
    /// Concerns about each person, from the board's rows: the "other
    /// concerns" marker (issue 12).
    pub about: crate::domain::summary::AboutCounts,
    /// The board has come from the store at least once.
    pub board_loaded: bool,
    /// Indices into `board.rows` that pass the filter, search and Mine view.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    pub filter: Filter,
    pub mine: bool,
    pub search: Search,
    pub screen: Screen,
    /// Where Esc goes back to from a person's view or a concern opened
    /// from one (issue 12); empty is the board.
    pub back: Vec<Screen>,
    pub form: Option<OpenForm>,
    /// The two records a merge asks about: (kept, merged into it).
    pub merging: Option<(crate::domain::PersonSummary, crate::domain::PersonSummary)>,
    pub help: bool,
    pub confirm: Option<Confirm>,
    pub lock: Option<Lock>,
    pub last_input: Instant,
    /// A one-line message for the footer, and whether it is an error.
    pub message: Option<(String, bool)>,
    pub quit: bool,
    /// Rows visible in the board's table at the last draw (for paging).
    pub page: usize,
    /// The first board row on screen: only visible rows are built each frame.
    pub board_offset: usize,
    /// Why this member sees no board (their role cannot read concerns).
    pub role_notice: Option<String>,
    /// Debriefs, actions and the dashboard (P9-c, P9-d, P8-a).
    pub oversight: OversightData,
    /// Set when a write may have changed what the oversight screens show;
    /// moving between them reloads only then, not on every key.
    pub oversight_stale: bool,
    pub actions_list: ListState,
    pub debriefs_list: ListState,
    pub action_filter: ActionFilter,
    /// Change numbers from the store watcher: others' writes (principle 8).
    pub changes: Option<Receiver<worker::Watch>>,
    /// The connection to `casebook serve` is lost and being tried again:
    /// the footer says so until it is back (issue 9).
    pub reconnecting: bool,
    /// The store's change number this app last showed.
    pub seen_change: u64,
    /// Issue 13: every referral, the term dates and each concern's deadlines.
    pub referrals: super::referrals::ReferralData,
    /// The Today screen's selection.
    pub today_list: ListState,
    /// Issue 13 (P6.1-b): every device in the custody register, held ones
    /// first (longest held first), and the register screen's selection.
    pub custody: Vec<crate::domain::Custody>,
    pub custody_list: ListState,
    /// Issue 13 (P6.1-b): the register's search (`/`): released and
    /// handed-over devices stay findable.
    pub custody_search: ListSearch,
    /// S-d: the closed concerns past retention, read with the board.
    pub retention: Vec<crate::store::disposals::PastRetention>,
    pub retention_list: ListState,
    /// Issue 13 (P6.1-e): every search of a device.
    pub searches: Vec<crate::domain::searches::DeviceSearch>,
    /// Issue 13: the staff and visitor registers, and the screen's place.
    pub registers: super::registers::RegisterData,
}

impl App {
    pub fn new(session: Session, options: Options, keys: KeyMap, theme: Theme) -> Self {
        // One record, read once before the first frame.
        let school = session.school().unwrap_or_else(|e| format!("(school name unreadable: {e})"));
        let engine = Engine::start(session.fork());
        let mut app = App {
            session,
            engine,
            pending: Vec::new(),
            options,
            keys,
            theme,
            school,
            board: Board::default(),
            about: Default::default(),
            board_loaded: false,
            visible: Vec::new(),
            selected: 0,
            filter: Filter::default(),
            mine: false,
            search: Search::default(),
            screen: Screen::Board,
            back: Vec::new(),
            form: None,
            merging: None,
            help: false,
            confirm: None,
            lock: None,
            last_input: Instant::now(),
            message: None,
            quit: false,
            page: 10,
            board_offset: 0,
            role_notice: None,
            oversight: OversightData::default(),
            oversight_stale: true,
            actions_list: ListState::default(),
            debriefs_list: ListState::default(),
            action_filter: ActionFilter::default(),
            changes: None,
            reconnecting: false,
            seen_change: 0,
            referrals: Default::default(),
            today_list: ListState::default(),
            custody: Vec::new(),
            custody_list: ListState::default(),
            custody_search: ListSearch::default(),
            retention: Vec::new(),
            retention_list: ListState::default(),
            searches: Vec::new(),
            registers: Default::default(),
        };
        let leadership = app.session.me().role == Role::Leadership;
        // The first load also brings the store's change number, from which
        // others' writes are followed.
        app.load(Load { board: app.session.can_read(AccessClass::Case), oversight: leadership, ..app.load_now() });
        if leadership {
            app.oversight_stale = false;
        }
        if !app.session.can_read(AccessClass::Case) {
            let role = app.session.me().role;
            app.role_notice = Some(format!(
                "You are signed in as {} ({role}). Your key cannot open concerns, so none are listed (P9-e). \
                 Press {} to record a new concern for the DSL; you will not be able to read it back.{}",
                app.session.me().name,
                app.keys.key_for(Context::Board, Action::NewConcern),
                if app.session.can_read(AccessClass::Oversight) {
                    format!(
                        " Debriefs, actions and the dashboard are on screens {}, {} and {}.",
                        app.keys.key_for(Context::Board, Action::GoActions),
                        app.keys.key_for(Context::Board, Action::GoDebriefs),
                        app.keys.key_for(Context::Board, Action::GoDashboard)
                    )
                } else {
                    String::new()
                }
            ));
        }
        // Leadership's own view: the dashboard (P9-d, P9-e).
        if leadership {
            app.screen = Screen::Dashboard;
        }
        // Issue 8: a key without a passphrase makes the idle lock cosmetic;
        // say so once, at start-up (the demo's keys are throwaway).
        if !app.options.demo
            && app.message.is_none()
            && let Some(path) = app.options.identity.clone()
            && let Some(notice) = crate::store::identity::check_key_file(&path).notice()
        {
            app.fail(notice);
        }
        // Issue 10: what the store's authentication has to say (a first
        // session on a store, the member list adopted) is said once.
        if !app.options.demo
            && app.message.is_none()
            && let Some(notice) = app.session.notices().first().cloned()
        {
            app.fail(notice);
        }
        app
    }

    /// Loads debriefs, actions and the dashboard (all Oversight class), on
    /// the engine: they show when its reply comes.
    pub fn load_oversight(&mut self) {
        if !self.session.can_read(AccessClass::Oversight) {
            return;
        }
        self.oversight_stale = false;
        self.load(Load { oversight: true, ..self.load_now() });
    }

    /// A load for now, asking for nothing yet.
    fn load_now(&self) -> Load {
        Load { now: self.now(), ..Load::default() }
    }

    /// Asks the engine for what the screens show.
    fn load(&mut self, load: Load) {
        self.send(Command::Load(load), Pending::Load);
    }

    /// Sends a command; a stopped engine is said in the footer.
    fn send(&mut self, command: Command, pending: Pending) -> Option<u64> {
        match self.engine.send(command) {
            Ok(ticket) => {
                self.pending.push((ticket, pending));
                Some(ticket)
            }
            Err(e) => {
                self.fail(e);
                None
            }
        }
    }

    /// Whether a load of this kind is waiting for its reply.
    fn awaiting(&self, what: Pending) -> bool {
        self.pending.iter().any(|(_, p)| *p == what)
    }

    /// The actions that pass the actions screen's filter, in its order.
    pub fn shown_actions(&self) -> Vec<&crate::domain::Action> {
        let today = self.now().date();
        self.oversight.actions.iter().filter(|a| self.action_filter.matches(a, today)).collect()
    }

    pub fn now(&self) -> NaiveDateTime {
        self.options.clock.unwrap_or_else(|| chrono::Local::now().naive_local())
    }

    pub fn context(&self) -> Context {
        match (&self.form, &self.screen) {
            (Some(_), _) => Context::Form,
            (None, Screen::Board) => Context::Board,
            (None, Screen::Concern(_)) => Context::Concern,
            (None, Screen::Actions) => Context::Actions,
            (None, Screen::Debriefs) => Context::Debriefs,
            (None, Screen::Dashboard) => Context::Dashboard,
            (None, Screen::Today) => Context::Today,
            (None, Screen::Person(_)) => Context::Person,
            (None, Screen::People(_)) => Context::People,
            (None, Screen::Custody) => Context::Custody,
            (None, Screen::Registers) => Context::Registers,
            (None, Screen::Retention) => Context::Retention,
        }
    }

    fn note(&mut self, text: impl Into<String>) {
        self.message = Some((text.into(), false));
    }

    fn fail(&mut self, text: impl Into<String>) {
        self.message = Some((text.into(), true));
    }

    // ---- board data -------------------------------------------------------

    /// Shows a board the engine loaded (sorted there for today).
    fn show_board(&mut self, board: Result<Board, String>) {
        self.board_loaded = true;
        // The selected concern, read before the rows change under it: a
        // colleague's new concern must not move the marker onto another
        // child's case, where the next key would act.
        let keep = self.selected_row().map(|r| r.id);
        match board {
            Ok(b) => {
                if let Some(p) = b.problems.first() {
                    self.fail(damaged_message(&b.problems, p));
                }
                self.about = crate::domain::summary::AboutCounts::of(&b.rows);
                self.board = b;
            }
            Err(e) => self.fail(e),
        }
        self.refilter(keep);
    }

    /// Shows what a load read: the board, the concerns it re-read (the
    /// one on screen, and the search text of each), the oversight screens.
    fn show_loaded(&mut self, loaded: Loaded) {
        if let Some(change) = loaded.change {
            self.seen_change = change;
        }
        let board_moved = loaded.board.is_some();
        if let Some(board) = loaded.board {
            self.show_board(board);
        }
        match loaded.registers {
            Some(Ok(r)) => {
                if let Some(first) = r.damaged.first() {
                    self.fail(damaged_message(&r.damaged, first));
                }
                self.registers.entries = r.into_items();
            }
            Some(Err(e)) => self.fail(e),
            None => {}
        }
        match loaded.referrals {
            Some(Ok(r)) => {
                if let Some(first) = r.damaged.first() {
                    self.fail(damaged_message(&r.damaged, first));
                }
                self.referrals.all = r.all;
                self.referrals.calendar = r.calendar;
            }
            Some(Err(e)) => self.fail(e),
            None => {}
        }
        match loaded.retention {
            Some(Ok(r)) => {
                if let Some(first) = r.damaged.first() {
                    self.fail(damaged_message(&r.damaged, first));
                }
                self.retention = r.into_items();
            }
            Some(Err(e)) => self.fail(e),
            None => {}
        }
        match loaded.custody {
            Some(Ok(c)) => {
                if let Some(first) = c.damaged.first() {
                    self.fail(damaged_message(&c.damaged, first));
                }
                self.custody = c.items;
            }
            Some(Err(e)) => self.fail(e),
            None => {}
        }
        match loaded.searches {
            Some(Ok(s)) => {
                if let Some(first) = s.damaged.first() {
                    self.fail(damaged_message(&s.damaged, first));
                }
                self.searches = s.items;
            }
            Some(Err(e)) => self.fail(e),
            None => {}
        }
        if board_moved {
            let today = self.now().date();
            self.referrals.recompute(&self.board.rows, self.session.catalogue(), today);
        }
        for (id, result) in loaded.restrictions {
            self.restriction_arrived(id, result);
        }
        for (id, result) in loaded.cases {
            let shown = matches!(&self.screen, Screen::Concern(view) if view.id == id);
            match result {
                Ok(case) => {
                    if let Some(text) = &mut self.search.text {
                        text.insert(id, fold(&case.searchable_text()));
                    }
                    if let Screen::Concern(view) = &mut self.screen
                        && view.id == id
                    {
                        view.case = case;
                    }
                }
                Err(e) if shown => self.fail(e),
                Err(_) => {}
            }
        }
        if let Some(result) = loaded.people {
            match result {
                Ok(lists) => {
                    if let Some(first) = lists.damaged.first() {
                        self.message = Some((damaged_message(&lists.damaged, first), true));
                    }
                    if let Screen::People(ps) = &mut self.screen {
                        // A list not asked for this time keeps its last value.
                        let unlinked = lists.unlinked.or_else(|| ps.lists.as_mut().and_then(|l| l.unlinked.take()));
                        ps.lists = Some(super::engine::PeopleLists { unlinked, ..lists });
                        ps.refilter();
                        ps.suggestion = 0;
                    }
                }
                Err(e) if matches!(self.screen, Screen::People(_)) => self.fail(e),
                Err(_) => {}
            }
        }
        if let Some((id, result)) = loaded.person {
            let shown = matches!(&self.screen, Screen::Person(p) if p.id == id);
            match result {
                Ok(view) => {
                    if let Screen::Person(p) = &mut self.screen
                        && p.id == id
                    {
                        if let Some(first) = view.damaged.first() {
                            let text = damaged_message(&view.damaged, first);
                            self.message = Some((text, true));
                        }
                        p.selected = p.selected.min((view.family.len() + view.concerns.len()).saturating_sub(1));
                        p.view = Some(view);
                    }
                }
                Err(e) if shown => self.fail(e),
                Err(_) => {}
            }
        }
        if let Some(oversight) = loaded.oversight {
            self.oversight_stale = false;
            if let Some(p) = oversight.merge_into(&mut self.oversight).into_iter().next() {
                self.fail(p);
            }
        }
    }

    pub fn selected_row(&self) -> Option<&CaseSummary> {
        self.visible.get(self.selected).map(|&i| &self.board.rows[i])
    }

    /// Recomputes which rows show, keeping the selected case if it still does.
    pub fn apply_view(&mut self) {
        let keep = self.selected_row().map(|r| r.id);
        self.refilter(keep);
    }

    /// Recomputes which rows show, selecting the case `keep` if it shows.
    fn refilter(&mut self, keep: Option<u32>) {
        let me = self.session.me().id;
        let today = self.now().date();
        // Issue 8: accent-blind, as the index is ("zoe" finds "Zoë").
        let query = fold(self.search.query.trim());
        let catalogue = self.session.catalogue();
        self.visible = self
            .board
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| self.filter.matches(r, today))
            // Mine is what is assigned to me, nothing else (issue 8 item 9).
            .filter(|(_, r)| !self.mine || (r.status.is_open() && r.assignee_id == Some(me)))
            .filter(|(_, r)| {
                if query.is_empty() {
                    return true;
                }
                let quick = fold(&format!(
                    "{} {} {} {}",
                    r.reference,
                    r.subject,
                    catalogue.category_label(&r.category),
                    r.assignee.as_deref().unwrap_or("")
                ));
                quick.contains(&query)
                    || self.search.text.as_ref().and_then(|t| t.get(&r.id)).is_some_and(|t| t.contains(&query))
            })
            .map(|(i, _)| i)
            .collect();
        self.selected = keep
            .and_then(|id| self.visible.iter().position(|&i| self.board.rows[i].id == id))
            .unwrap_or(0)
            .min(self.visible.len().saturating_sub(1));
    }

    /// Starts decrypting every case for search, unless done or under way.
    fn start_search_index(&mut self) {
        if self.search.text.is_some() || self.search.job.is_some() {
            return;
        }
        match self.session.case_reader() {
            Ok(reader) => self.search.job = Some(worker::build_search_index(reader)),
            Err(e) => self.fail(e.to_string()),
        }
    }

    /// Reads again everything on screen; the reply says whether it worked
    /// (never "reloaded" before it has, nor when it did not).
    fn reload(&mut self, reconnected: bool) {
        let case = match &self.screen {
            Screen::Concern(view) => Some(view.id),
            _ => None,
        };
        let oversight = self.session.can_read(AccessClass::Oversight);
        if oversight {
            self.oversight_stale = false;
        }
        let (people, unlinked) = self.people_shown();
        let load = Load {
            board: self.session.can_read(AccessClass::Case),
            case,
            person: self.person_shown(),
            people,
            unlinked,
            oversight,
            ..self.load_now()
        };
        if self.send(Command::Load(load), Pending::Reload { reconnected }).is_some() {
            self.note(if reconnected { "Reconnected to casebook serve; reloading…" } else { "Reloading…" });
        }
    }

    /// A reload's reply: shown, then said to have worked or what failed.
    fn show_reloaded(&mut self, loaded: Loaded, reconnected: bool) {
        let failed = loaded.failure();
        self.show_loaded(loaded);
        let back = if reconnected { "Reconnected to casebook serve; " } else { "" };
        match failed {
            Some(e) => self.fail(format!("{back}reload failed: {e}")),
            // Damaged records were named by `show_loaded`: that stands.
            None if self.message.as_ref().is_some_and(|(_, error)| *error) => {}
            None => self.note(format!("{back}{}", if reconnected { "reloaded." } else { "Reloaded from the store." })),
        }
    }

    /// Starts watching the store for colleagues' writes (the event loop
    /// does; tests call [`App::refresh_from_store`] themselves).
    pub fn watch_store(&mut self) {
        self.changes = Some(worker::watch_changes(self.session.backend().clone()));
    }

    /// Shows what others wrote since this app last looked: the board (the
    /// selection stays on its case), the open concern, and the oversight
    /// screens. An open form and what is typed in it are left alone. The
    /// engine reads the store's change number first and loads only if it
    /// moved; one refresh at a time.
    pub fn refresh_from_store(&mut self) {
        self.refresh(Some(self.seen_change));
    }

    /// [`App::refresh_from_store`]; `since: None` reads whatever the change
    /// number says (after a reconnection, whose numbers start afresh).
    fn refresh(&mut self, since: Option<u64>) {
        if self.awaiting(Pending::Refresh) {
            return;
        }
        let case = match &self.screen {
            Screen::Concern(view) => Some(view.id),
            _ => None,
        };
        let load = Load {
            since,
            board: self.session.can_read(AccessClass::Case),
            case,
            person: self.person_shown(),
            people: self.people_shown().0,
            unlinked: self.people_shown().1,
            oversight: matches!(self.screen, Screen::Actions | Screen::Debriefs | Screen::Dashboard),
            ..self.load_now()
        };
        self.send(Command::Load(load), Pending::Refresh);
    }

    /// Others' writes have arrived.
    fn show_refreshed(&mut self, loaded: Loaded) {
        if loaded.moved {
            if self.session.can_read(AccessClass::Case) && self.search.text.is_some() {
                // New text to search: rebuild in the background.
                self.search.text = None;
                if !self.search.query.trim().is_empty() {
                    self.start_search_index();
                }
            }
            if loaded.oversight.is_none() {
                self.oversight_stale = true;
            }
        }
        self.show_loaded(loaded);
    }

    /// Collects what background jobs have finished. Called every loop turn.
    pub fn poll_jobs(&mut self) {
        // While locked, others' writes wait in the channel: nothing of a
        // case is loaded for a locked screen.
        if let Some(rx) = self.changes.as_ref().filter(|_| self.lock.is_none()) {
            let (mut moved, mut back, mut lost) = (false, false, false);
            loop {
                match rx.try_recv() {
                    Ok(worker::Watch::Moved(seq)) => moved |= seq != self.seen_change,
                    Ok(worker::Watch::Lost(_)) => lost = true,
                    Ok(worker::Watch::Reconnected(_)) => {
                        (back, lost) = (true, false);
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.changes = None;
                        break;
                    }
                }
            }
            if lost && !self.reconnecting {
                self.reconnecting = true;
                self.fail(RECONNECTING);
            }
            if back {
                self.reconnecting = false;
                // What others wrote meanwhile is unknown: read it all.
                self.reload(true);
            } else if moved && !self.engine.busy() {
                // While the engine works, the next report asks again.
                self.refresh_from_store();
            }
        }
        // A key press clears the footer; the outage is said until it ends.
        if self.reconnecting && self.message.is_none() {
            self.fail(RECONNECTING);
        }
        self.poll_engine();
        if let Some(rx) = &self.search.job {
            loop {
                match rx.try_recv() {
                    Ok(JobEvent::Progress(done, total)) => self.search.progress = Some((done, total)),
                    Ok(JobEvent::SearchIndex { text, problems }) => {
                        self.search.text = Some(text);
                        self.search.progress = None;
                        self.search.job = None;
                        if let Some(p) = problems.first() {
                            self.fail(format!("search skipped {} unreadable record(s): {p}", problems.len()));
                        }
                        self.apply_view();
                        break;
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.search.job = None;
                        break;
                    }
                }
            }
        }
        if let Some(lock) = &mut self.lock
            && let Some(rx) = &lock.checking
        {
            match rx.try_recv() {
                Ok(Ok(())) => {
                    self.lock = None;
                    self.last_input = Instant::now();
                }
                Ok(Err(e)) => {
                    lock.error = Some(e);
                    lock.checking = None;
                    lock.input.clear();
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => lock.checking = None,
            }
        }
    }

    /// Waits for background work to finish: the engine's commands, the
    /// search index and the unlock check (tests, like csvlens's hook).
    pub fn wait_idle(&mut self) {
        while self.busy() {
            std::thread::sleep(Duration::from_millis(2));
            self.poll_jobs();
        }
    }

    /// Whether slow work is running (the loop polls faster and shows progress).
    pub fn busy(&self) -> bool {
        self.engine.busy() || self.search.job.is_some() || self.lock.as_ref().is_some_and(|l| l.checking.is_some())
    }

    /// Collects the engine's replies and shows each.
    fn poll_engine(&mut self) {
        loop {
            let (ticket, reply) = match self.engine.poll() {
                Polled::Reply(ticket, reply) => (ticket, reply),
                Polled::Nothing => return,
                Polled::Stopped => {
                    self.pending.clear();
                    if let Some(open) = &mut self.form
                        && open.saving
                    {
                        open.saving = false;
                        open.form.error = Some(super::engine::STOPPED.into());
                    }
                    return self.fail(super::engine::STOPPED);
                }
            };
            let Some(at) = self.pending.iter().position(|(t, _)| *t == ticket) else { continue };
            let (_, pending) = self.pending.remove(at);
            match (pending, reply) {
                (Pending::Refresh, Reply::Loaded(loaded)) => self.show_refreshed(loaded),
                (Pending::Reload { reconnected }, Reply::Loaded(loaded)) => self.show_reloaded(loaded, reconnected),
                (_, Reply::Loaded(loaded)) => self.show_loaded(loaded),
                (Pending::Case { id, then }, Reply::Case(_, result)) => self.case_arrived(id, then, result),
                (_, Reply::Case(..)) => {}
                (_, Reply::SeenBy(id, seen)) => {
                    if let Screen::Concern(view) = &mut self.screen
                        && view.id == id
                    {
                        view.seen = Some(seen);
                    }
                }
                (_, Reply::Pickable(result)) => self.pickable_arrived(result),
                (_, Reply::Restriction(id, result)) => self.restriction_arrived(id, result),
                (_, Reply::Written(outcome, loaded)) => self.saved(outcome, loaded),
            }
        }
    }

    // ---- idle lock --------------------------------------------------------

    /// Locks if the idle time has passed. Called every loop turn.
    pub fn tick(&mut self, now: Instant) {
        if let Some(idle) = self.options.idle
            && self.lock.is_none()
            && now.duration_since(self.last_input) >= idle
        {
            self.lock_now();
        }
    }

    pub fn lock_now(&mut self) {
        self.help = false;
        let passphrase = self
            .options
            .identity
            .as_ref()
            .is_some_and(|p| std::fs::read(p).map(|b| crate::store::identity::is_encrypted(&b)).unwrap_or(false));
        self.lock = Some(Lock { passphrase, input: String::new(), error: None, checking: None });
    }

    fn lock_key(&mut self, key: KeyEvent) {
        let Some(lock) = &mut self.lock else { return };
        // Anyone at the keyboard can quit from the lock, so one idle
        // session does not hold the store from every colleague (issue 8
        // item 14). The lock screen says typing in an open form is lost;
        // nothing of the case is shown. `q` quits only when no passphrase
        // is being typed, where it would be a letter of it.
        let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl_c || (key.code == KeyCode::Char('q') && !lock.passphrase) {
            self.quit = true;
            return;
        }
        if lock.checking.is_some() {
            return;
        }
        match key.code {
            KeyCode::Enter => {
                let entered = std::mem::take(&mut lock.input);
                lock.checking =
                    Some(worker::check_unlock(self.options.identity.clone(), entered, self.session.public_key()));
            }
            KeyCode::Backspace => {
                lock.input.pop();
            }
            KeyCode::Esc => lock.input.clear(),
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => lock.input.push(c),
            _ => {}
        }
    }

    // ---- input ------------------------------------------------------------

    pub fn handle_paste(&mut self, text: &str) {
        self.last_input = Instant::now();
        if self.lock.is_some() {
            return;
        }
        if let Some(open) = &mut self.form {
            if !open.saving {
                open.form.paste(text);
                // Issue 13 (P5-g): the readers named were of the form before.
                if matches!(open.kind, FormKind::Restrict { .. }) {
                    open.warned = false;
                    open.form.error = None;
                }
                // Issue 12: a pasted name finds people as a typed one does.
                if let Some(picker) = &mut open.picker
                    && open.form.focused_key() == picker.field
                {
                    picker.search(&open.form.text(picker.field));
                }
            }
        } else if self.search.editing {
            self.search.query.push_str(&text.replace(['\n', '\r'], " "));
            self.apply_view();
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) {
        // Only presses: some terminals also report releases and repeats.
        if key.kind != KeyEventKind::Press {
            return;
        }
        self.last_input = Instant::now();
        if self.lock.is_some() {
            return self.lock_key(key);
        }
        if let Some(question) = self.confirm {
            match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    self.confirm = None;
                    match question {
                        Confirm::Quit => self.quit = true,
                        Confirm::DiscardForm => {
                            self.form = None;
                            self.note("Discarded.");
                        }
                        Confirm::Merge => self.merge_confirmed(),
                    }
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    self.confirm = None;
                    self.merging = None;
                }
                _ => {}
            }
            return;
        }
        if self.help {
            self.help = false;
            return;
        }
        // Ctrl-C anywhere: quit, asking first if a form holds typing.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return self.request_quit();
        }
        // A form being saved takes no keys: not a second save, and no
        // typing that would be lost when it closes (issue 9).
        if self.form.as_ref().is_some_and(|f| f.saving) {
            return;
        }
        if self.search.editing {
            return self.search_key(key);
        }
        if let Screen::People(ps) = &mut self.screen
            && ps.editing
        {
            return people_search_key(ps, key);
        }
        if matches!(self.screen, Screen::Custody) && self.custody_search.editing && self.form.is_none() {
            if self.custody_search.key(key) {
                self.custody_list = ListState::default();
            }
            return;
        }
        if self.picker_key(&key) {
            return;
        }
        let ctx = self.context();
        // Enter on a form's last field saves, unless it is long text.
        if key.code == KeyCode::Enter
            && let Some(open) = &self.form
            && open.form.focus + 1 == open.form.fields.len()
            && !matches!(open.form.fields[open.form.focus].input, super::form::Input::Text(_))
        {
            return self.act(Action::Save);
        }
        match self.keys.action(ctx, &key) {
            Some(action) => self.act(action),
            None => {
                if let Some(open) = &mut self.form
                    && open.form.input(key) == Outcome::Changed
                {
                    open.form.error = None;
                    // Issue 13 (P5-g): the readers named were of the old ticks.
                    if matches!(open.kind, FormKind::Restrict { .. }) {
                        open.warned = false;
                    }
                    // Issue 12: the name typed finds people, in memory.
                    if let Some(picker) = &mut open.picker
                        && open.form.focused_key() == picker.field
                    {
                        picker.search(&open.form.text(picker.field));
                    }
                }
            }
        }
    }

    fn search_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Enter => self.search.editing = false,
            KeyCode::Esc => {
                self.search.editing = false;
                self.search.query.clear();
            }
            KeyCode::Backspace => {
                self.search.query.pop();
            }
            KeyCode::Up | KeyCode::Down => {
                self.search.editing = false;
                return self.handle_key(key);
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => self.search.query.push(c),
            _ => return,
        }
        self.apply_view();
    }

    fn request_quit(&mut self) {
        if self.form.as_ref().is_some_and(|f| f.form.dirty) {
            self.confirm = Some(Confirm::Quit);
        } else {
            self.quit = true;
        }
    }

    fn act(&mut self, action: Action) {
        self.message = None;
        if self.role_notice.is_some() && self.context() == Context::Board && !self.offers(action) {
            return;
        }
        match action {
            Action::Help => self.help = true,
            Action::Quit => self.request_quit(),
            Action::Refresh => {
                self.search.text = None;
                self.reload(false);
            }
            Action::GoBoard => {
                self.back.clear();
                self.screen = Screen::Board;
            }
            Action::GoActions | Action::GoDebriefs | Action::GoDashboard => {
                if !self.session.can_read(AccessClass::Oversight) {
                    return self.fail("Your key cannot open debriefs or actions (P9-e).");
                }
                if self.oversight_stale {
                    self.load_oversight();
                }
                self.back.clear();
                self.screen = match action {
                    Action::GoActions => Screen::Actions,
                    Action::GoDebriefs => Screen::Debriefs,
                    _ => Screen::Dashboard,
                };
            }
            Action::GoToday => {
                if !self.session.can_read(AccessClass::Case) {
                    return self.fail("Your key cannot open concerns, so there is no Today list (P9-e).");
                }
                self.today_list = ListState::default();
                self.screen = Screen::Today;
            }
            Action::GoRegisters => {
                if !self.session.can_read(AccessClass::Oversight) {
                    return self.fail("Your key cannot open the staff and visitor registers.");
                }
                self.registers.selected = 0;
                self.screen = Screen::Registers;
            }
            // Issue 13: an entry in the register shown, as `casebook register add`.
            Action::NewRegisterEntry if !self.offers(Action::NewRegisterEntry) => {
                self.fail("Only the DSL and deputies record entries in the registers.")
            }
            Action::NewRegisterEntry => {
                let kind = self.registers.kind(self.session.me().role);
                let form = super::registers::entry_form(kind, self.now().date());
                self.open(FormKind::RegisterEntry { kind }, form);
            }
            Action::NextField | Action::PrevField
                if matches!(self.screen, Screen::Registers) && self.form.is_none() =>
            {
                let role = self.session.me().role;
                self.registers.next(role, action == Action::PrevField);
            }
            Action::GoRetention if !self.offers(Action::GoRetention) => {
                self.fail("Only the DSL and deputies see records past retention (S-d).")
            }
            Action::GoRetention => {
                self.retention_list = ListState::default();
                self.go_to(Screen::Retention);
            }
            Action::Dispose if !self.offers(Action::Dispose) => self.fail("Only the DSL disposes of a concern (S-d)."),
            Action::ErasePerson if !self.offers(Action::ErasePerson) => {
                self.fail("Only the DSL erases a person's record (S-e).")
            }
            Action::ErasePerson => {
                let Screen::Person(p) = &self.screen else { return };
                let Some(view) = &p.view else { return };
                let person = &view.person;
                let form = super::retention::erase_form(&person.label(), &person.name);
                self.open(FormKind::ErasePerson { id: person.id }, form);
            }
            Action::Dispose => {
                let Some(p) = self.retention.get(self.retention_list.selected) else { return };
                let form = super::retention::dispose_form(p);
                self.open(FormKind::Dispose { id: p.case_id }, form);
            }
            Action::Open if matches!(self.screen, Screen::Today) => {
                let items = super::today::items(self);
                // S-d: the records past retention open their screen.
                if let Some(item) = items.get(self.today_list.selected)
                    && matches!(item.kind, crate::domain::today::TodayKind::PastRetention(_))
                {
                    self.retention_list = ListState::default();
                    self.go_to(Screen::Retention);
                    return;
                }
                // P5-e: an approval to review opens its register.
                if let Some(item) = items.get(self.today_list.selected)
                    && item.kind == crate::domain::today::TodayKind::Approval
                {
                    let role = self.session.me().role;
                    self.registers.show(role, crate::domain::register::RegisterKind::RemoteLearning);
                    self.screen = Screen::Registers;
                    return;
                }
                let Some(id) = items.get(self.today_list.selected).map(|i| i.case_id) else { return };
                self.pending.retain(|(_, p)| !matches!(p, Pending::Case { .. }));
                self.send(Command::Case(id), Pending::Case { id, then: Action::Open });
            }
            // Issue 13 (P6.1-b): the custody register.
            Action::GoCustody => {
                if !self.session.can_read(AccessClass::Case) {
                    return self.fail("Your key cannot open concerns, so there is no custody register (P9-e).");
                }
                self.custody_list = ListState::default();
                self.screen = Screen::Custody;
            }
            Action::Open if matches!(self.screen, Screen::Custody) => {
                let Some(id) = super::custody::selected(self).map(|c| c.case_id) else { return };
                self.pending.retain(|(_, p)| !matches!(p, Pending::Case { .. }));
                self.send(Command::Case(id), Pending::Case { id, then: Action::Open });
            }
            Action::CustodyEvent => {
                let Some(c) = super::custody::selected(self).cloned() else { return };
                let form = super::custody::event_form(&c, self.session.catalogue(), self.now());
                self.open(FormKind::CustodyEvent { custody: c.id }, form);
            }
            Action::NewDebrief => self.open_debrief_form(),
            Action::NewAction => {
                let today = self.now().date();
                match oversight::action_form(&self.oversight.debriefs, self.session.members(), today) {
                    Some(form) => self.open(FormKind::Action, form),
                    None => self.fail("Record a debrief first: actions come from its lessons."),
                }
            }
            Action::UpdateAction => {
                let Some(action) = self.shown_actions().get(self.actions_list.selected).map(|a| (*a).clone()) else {
                    return;
                };
                self.open(FormKind::ActionStatus { id: action.id }, oversight::action_status_form(&action));
            }
            Action::RecordReview => {
                let version =
                    self.oversight.dashboard.as_ref().and_then(|d| d.policies.first()).map(|p| p.version.clone());
                self.open(FormKind::Review, oversight::review_form(self.now().date(), &version.unwrap_or_default()));
            }
            Action::LogTrigger => self.open(FormKind::Trigger, oversight::trigger_form()),
            Action::Members if !self.offers(Action::Members) => {
                self.fail("Only the DSL removes members or changes their roles (P1-b).")
            }
            Action::Members => {
                self.open(FormKind::Membership, forms::membership(self.session.members(), self.session.me().id))
            }
            Action::Open if matches!(self.screen, Screen::People(_)) => {
                let id = match &self.screen {
                    Screen::People(ps) if ps.tab == PeopleTab::Everyone => ps.selected_person().map(|p| p.id),
                    _ => None,
                };
                if let Some(id) = id {
                    self.open_person(id);
                }
            }
            Action::Back if matches!(&self.screen, Screen::People(ps) if ps.merge_from.is_some()) => {
                if let Screen::People(ps) = &mut self.screen {
                    ps.merge_from = None;
                }
                self.note("Unmarked.");
            }
            Action::Open if matches!(self.screen, Screen::Person(_)) => self.open_person_target(),
            Action::Open => self.open_selected(),
            Action::Back => self.go_back(),
            Action::OpenPerson if !self.offers(Action::OpenPerson) => {
                self.fail("Only the DSL and deputies read a person's record (P1-a).")
            }
            Action::OpenPerson => match &self.screen {
                Screen::Concern(view) => {
                    let case = view.case.clone();
                    self.open_person_of(&case);
                }
                Screen::Board => self.request_selected(Action::OpenPerson),
                _ => {}
            },
            Action::NewPerson => self.new_person_for_concern(),
            Action::GoPeople if !self.offers(Action::GoPeople) => {
                self.fail("Only the DSL and deputies read people's records (P1-a).")
            }
            Action::GoPeople => self.open_people(),
            Action::UnlinkedSubjects => self.toggle_unlinked(),
            Action::AdoptNew => self.adopt(false),
            Action::LinkSuggested => self.adopt(true),
            Action::MergePeople => self.merge_key(),
            Action::Search if matches!(self.screen, Screen::Custody) => self.custody_search.editing = true,
            Action::Search if matches!(self.screen, Screen::People(_)) => {
                if let Screen::People(ps) = &mut self.screen {
                    ps.tab = PeopleTab::Everyone;
                    ps.editing = true;
                }
            }
            Action::NextField | Action::PrevField if matches!(self.screen, Screen::People(_)) => {
                if let Screen::People(ps) = &mut self.screen {
                    let n = ps.selected_group().map_or(0, |g| g.suggestions.len());
                    if n > 0 {
                        let step = if action == Action::NextField { 1 } else { n - 1 };
                        ps.suggestion = (ps.suggestion + step) % n;
                    }
                }
            }
            Action::NextField if self.form.is_none() => self.select_person_target(1),
            Action::PrevField if self.form.is_none() => self.select_person_target(-1),
            Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
                self.motion(action)
            }
            Action::NewConcern => {
                let form = forms::new_concern(self.session.catalogue(), self.now());
                self.open(FormKind::NewConcern, form);
                // Issue 12: who can be picked, read once for the whole form.
                let can_create = self.offers(Action::OpenPerson);
                if let Some(open) = &mut self.form {
                    open.picker = Some(forms::Picker::new(can_create));
                }
                self.pending.retain(|(_, p)| *p != Pending::Pickable);
                self.send(Command::Pickable, Pending::Pickable);
            }
            Action::Triage
            | Action::FollowUp
            | Action::Status
            | Action::Correct
            | Action::Export
            | Action::Referral
            | Action::Confiscate
            | Action::RecordSearch
            | Action::Attach => self.open_case_form(action),
            // Issue 13 (P5-f, P5-g): from the concern view, the DSL only.
            Action::Restrict if !self.offers(Action::Restrict) => self.fail("Only the DSL can restrict a concern."),
            Action::Restrict => self.open_restrict_form(),
            Action::Search => {
                if self.session.can_read(AccessClass::Case) {
                    self.search.editing = true;
                    self.start_search_index();
                }
            }
            Action::Filter if matches!(self.screen, Screen::Actions) => {
                let form = oversight::action_filter_form(&self.action_filter, self.session.members());
                self.open(FormKind::ActionFilter, form);
            }
            Action::ClearFilters if matches!(self.screen, Screen::Actions) => {
                self.action_filter = ActionFilter::default();
                self.note("Showing every action.");
            }
            Action::Filter => {
                let form = forms::filter(&self.filter, self.session.catalogue(), self.session.members());
                self.open(FormKind::Filter, form);
            }
            Action::Mine => {
                self.mine = !self.mine;
                self.apply_view();
                self.note(if self.mine { "Mine: open concerns assigned to me." } else { "Showing every concern." });
            }
            Action::Due => {
                self.filter.due = !self.filter.due;
                self.apply_view();
                self.note(if self.filter.due {
                    "Due: reviews due today or overdue, anyone's."
                } else {
                    "Reviews not yet due are shown too."
                });
            }
            Action::Unassigned => {
                self.filter.assignee = match self.filter.assignee {
                    Some(Assigned::Nobody) => None,
                    _ => Some(Assigned::Nobody),
                };
                self.apply_view();
                self.note(if self.filter.assignee.is_some() {
                    "Unassigned: open concerns nobody holds yet."
                } else {
                    "Assigned concerns are shown too."
                });
            }
            Action::ClearFilters => {
                self.filter = Filter::default();
                self.mine = false;
                self.search.query.clear();
                self.apply_view();
                self.note("Filters and search cleared.");
            }
            Action::NextField => self.with_form(Form::next),
            Action::PrevField => self.with_form(Form::prev),
            Action::Save => self.save_form(),
            Action::Cancel => {
                if self.form.as_ref().is_some_and(|f| f.form.dirty) {
                    self.confirm = Some(Confirm::DiscardForm);
                } else {
                    self.form = None;
                }
            }
        }
    }

    fn open(&mut self, kind: FormKind, form: Form) {
        self.form = Some(OpenForm { kind, form, case: None, warned: false, saving: false, picker: None });
    }

    /// A debrief for the concern shown, or the one selected on the board;
    /// from the debriefs screen, the first concern awaiting one. An action
    /// taken from a concern acts on that concern (issue 8 item 2).
    fn open_debrief_form(&mut self) {
        if !self.session.can_read(AccessClass::Case) {
            return self.fail("Only the DSL and deputies record debriefs.");
        }
        let concerns = match &self.screen {
            Screen::Concern(view) => view.case.concern.reference.clone(),
            Screen::Board => self.selected_row().map(|r| r.reference.clone()).unwrap_or_default(),
            _ => self.oversight.awaiting.first().map(|(r, _)| r.clone()).unwrap_or_default(),
        };
        let form = oversight::debrief_form(&concerns, self.session.members(), self.now().date());
        self.open(FormKind::Debrief, form);
    }

    /// Whether this member's role can use `action` on the current screen:
    /// the footer offers only these, and the board acts on no other.
    pub fn offers(&self, action: Action) -> bool {
        // A reporter or leader has no board: only recording, moving to
        // their own screens, help and quit.
        if self.role_notice.is_some() && self.context() == Context::Board {
            return matches!(
                action,
                Action::NewConcern
                    | Action::Help
                    | Action::Quit
                    | Action::GoActions
                    | Action::GoDebriefs
                    | Action::GoDashboard
            );
        }
        // Leadership reviews; the DSL and deputies write debriefs, actions
        // and policy reviews.
        // Only the DSL manages members (P1-b, issue 10).
        if action == Action::Members {
            return self.session.me().role.manages_members();
        }
        // Issue 13: only the DSL restricts a concern (P5-f, P5-g); the DSL
        // and deputies record in the registers (the disclosure register,
        // shown to the DSL alone, is the DSL's: P5-c).
        if action == Action::Restrict {
            return self.session.me().role == Role::Dsl;
        }
        if action == Action::NewRegisterEntry {
            return matches!(self.session.me().role, Role::Dsl | Role::Deputy);
        }
        // S-d: the DSL and deputies see what is past retention; the DSL
        // alone disposes of it.
        if action == Action::GoRetention {
            return self.session.can_read(AccessClass::Case);
        }
        if action == Action::Dispose || action == Action::ErasePerson {
            return self.session.me().role == Role::Dsl;
        }
        // People are read by the DSL and deputies only (issue 12, P1-a).
        if matches!(action, Action::OpenPerson | Action::GoPeople) {
            return self.session.can_read(AccessClass::Case)
                && matches!(self.session.me().role, Role::Dsl | Role::Deputy);
        }
        let writes_oversight =
            matches!(action, Action::NewDebrief | Action::NewAction | Action::RecordReview | Action::LogTrigger);
        self.session.can_read(AccessClass::Case) || !writes_oversight
    }

    fn with_form(&mut self, f: impl FnOnce(&mut Form)) {
        if let Some(open) = &mut self.form {
            f(&mut open.form);
        }
    }

    fn motion(&mut self, action: Action) {
        let page = self.page.max(1);
        match &mut self.screen {
            Screen::Board => {
                let last = self.visible.len().saturating_sub(1);
                self.selected = match action {
                    Action::Up => self.selected.saturating_sub(1),
                    Action::Down => (self.selected + 1).min(last),
                    Action::PageUp => self.selected.saturating_sub(page),
                    Action::PageDown => (self.selected + page).min(last),
                    Action::Top => 0,
                    _ => last,
                };
            }
            Screen::Actions => {
                let len = self.shown_actions().len();
                self.actions_list.step(len, list_delta(action, page));
            }
            Screen::Debriefs => self.debriefs_list.step(self.oversight.debriefs.len(), list_delta(action, page)),
            Screen::Dashboard => {}
            Screen::Today => {
                let len = super::today::items(self).len();
                self.today_list.step(len, list_delta(action, page));
            }
            Screen::Person(p) => p.scroll = scrolled(p.scroll, action, page as u16),
            Screen::People(ps) => {
                let len = ps.len();
                let delta = list_delta(action, page);
                ps.selected = (ps.selected as isize + delta).clamp(0, len.saturating_sub(1) as isize) as usize;
                ps.suggestion = 0;
            }
            Screen::Custody => {
                let len = super::custody::register(self).len();
                self.custody_list.step(len, list_delta(action, page))
            }
            Screen::Retention => self.retention_list.step(self.retention.len(), list_delta(action, page)),
            Screen::Registers => {
                let role = self.session.me().role;
                let kind = self.registers.kind(role);
                let len = crate::domain::register::in_register(&self.registers.entries, kind).len();
                let mut list = ListState { selected: self.registers.selected };
                list.step(len, list_delta(action, page));
                self.registers.selected = list.selected;
            }
            Screen::Concern(view) => {
                let step = page as u16;
                view.scroll = match action {
                    Action::Up => view.scroll.saturating_sub(1),
                    Action::Down => view.scroll.saturating_add(1),
                    Action::PageUp => view.scroll.saturating_sub(step),
                    Action::PageDown => view.scroll.saturating_add(step),
                    Action::Top => 0,
                    _ => u16::MAX,
                };
            }
        }
    }

    /// Asks the engine for the board's selected concern, to open it or to
    /// build a form on it when it arrives (see [`App::case_arrived`]).
    fn request_selected(&mut self, then: Action) {
        let Some(id) = self.selected_row().map(|r| r.id) else { return };
        // A newer request replaces an older one still on its way.
        self.pending.retain(|(_, p)| !matches!(p, Pending::Case { .. }));
        self.send(Command::Case(id), Pending::Case { id, then });
    }

    /// A concern asked for from the board has arrived. It is shown only if
    /// the member is still where they asked for it: on the board, with no
    /// form open and not typing a search.
    fn case_arrived(&mut self, id: u32, then: Action, result: Result<CaseFile, String>) {
        let from_today = matches!(self.screen, Screen::Today);
        // From a person's view, a concern of theirs (issue 12).
        let from_person = matches!(self.screen, Screen::Person(_)) && then == Action::Open;
        let from_custody = matches!(self.screen, Screen::Custody);
        if !(matches!(self.screen, Screen::Board) || from_today || from_person || from_custody)
            || self.form.is_some()
            || self.search.editing
        {
            return;
        }
        match result {
            Err(e) => self.fail(e),
            Ok(case) if then == Action::Open => {
                self.go_to(Screen::Concern(Box::new(ConcernView {
                    id,
                    case,
                    scroll: 0,
                    seen: None,
                    from_today,
                    from_custody,
                    restriction: None,
                })));
                // Issue 13 (P5-g): whether it is restricted, and to whom.
                self.send(Command::Restriction(id), Pending::Restriction);
                // The DSL sees who has opened and changed it (S-c): read
                // after the concern shows, so it never holds the concern up.
                if self.session.me().role == Role::Dsl {
                    self.send(Command::SeenBy(id), Pending::SeenBy);
                }
            }
            Ok(case) if then == Action::OpenPerson => self.open_person_of(&case),
            Ok(case) => self.open_case_form_on(then, id, case),
        }
    }

    /// Shows `screen`, remembering the one left for Esc; from the board
    /// there is nothing to remember (Esc comes back to it).
    fn go_to(&mut self, screen: Screen) {
        let left = std::mem::replace(&mut self.screen, screen);
        if matches!(left, Screen::Board) {
            self.back.clear();
        } else {
            self.back.push(left);
        }
    }

    /// Back to the screen a person's view (or a concern opened from one)
    /// was opened from, read again; the board when there is none.
    fn go_back(&mut self) {
        self.screen = self.back.pop().unwrap_or(Screen::Board);
        let case = match &self.screen {
            Screen::Concern(view) => Some(view.id),
            _ => None,
        };
        let person = self.person_shown();
        if case.is_some() || person.is_some() {
            self.load(Load { case, person, ..self.load_now() });
        }
    }

    /// Whether the people screen is shown, and its unlinked subjects.
    fn people_shown(&self) -> (bool, bool) {
        match &self.screen {
            Screen::People(ps) => (true, ps.tab == PeopleTab::Unlinked),
            _ => (false, false),
        }
    }

    /// Issue 12: the people screen, its lists read by the engine.
    fn open_people(&mut self) {
        if let Screen::People(_) = self.screen {
            return;
        }
        self.go_to(Screen::People(Box::default()));
        self.load(Load { people: true, ..self.load_now() });
    }

    /// `u`: everyone on record, or the subjects not yet linked (read when
    /// first asked for: it opens every concern).
    fn toggle_unlinked(&mut self) {
        let Screen::People(ps) = &mut self.screen else { return };
        ps.selected = 0;
        ps.suggestion = 0;
        ps.tab = match ps.tab {
            PeopleTab::Everyone => PeopleTab::Unlinked,
            PeopleTab::Unlinked => PeopleTab::Everyone,
        };
        if ps.tab == PeopleTab::Unlinked {
            self.load(Load { people: true, unlinked: true, ..self.load_now() });
        }
    }

    /// A write from the people screen (adopt, link, merge), then its lists
    /// and the board read again.
    fn people_write(&mut self, write: Write) {
        let (people, unlinked) = self.people_shown();
        let then = Load { board: true, people, unlinked, ..self.load_now() };
        let command = Command::Write { write, now: self.now(), check_names: false, then };
        self.send(command, Pending::Save);
    }

    /// `a` and `l` on the unlinked subjects: the selected group becomes a
    /// new person, or names the person suggested.
    fn adopt(&mut self, link: bool) {
        let Screen::People(ps) = &self.screen else { return };
        if ps.tab != PeopleTab::Unlinked {
            return self.fail("Press u for the subjects not yet linked to anyone, then a or l on one of them.");
        }
        let Some(group) = ps.selected_group().cloned() else { return };
        let person = if link {
            match group.suggestions.get(ps.suggestion) {
                Some(p) => Some(p.id),
                None => {
                    return self.fail(format!("No one on record is called {}: a makes them a new person.", group.name));
                }
            }
        } else {
            None
        };
        self.people_write(Write::Adopt { group, person });
    }

    /// `M`: the first press marks a record, the second (on the record to
    /// keep) asks, naming both (the DSL only).
    fn merge_key(&mut self) {
        if self.session.me().role != Role::Dsl {
            return self.fail("Only the DSL merges two records of one person (P1-a).");
        }
        let Screen::People(ps) = &mut self.screen else { return };
        if ps.tab != PeopleTab::Everyone {
            return self.fail("Merging is on the list of everyone on record: press u.");
        }
        let Some(chosen) = ps.selected_person().cloned() else { return };
        match ps.merge_from.take() {
            None => {
                let text = format!(
                    "{} {} marked to merge: select the record to keep and press M again (Esc unmarks).",
                    chosen.label(),
                    chosen.name
                );
                ps.merge_from = Some(chosen);
                self.note(text);
            }
            Some(from) if from.id == chosen.id => self.note("Unmarked."),
            Some(from) => {
                self.merging = Some((chosen, from));
                self.confirm = Some(Confirm::Merge);
            }
        }
    }

    fn merge_confirmed(&mut self) {
        if let Some((keep, other)) = self.merging.take() {
            self.people_write(Write::Merge { keep: keep.id, other: other.id });
        }
    }

    /// The person whose view is on screen.
    fn person_shown(&self) -> Option<PersonId> {
        match &self.screen {
            Screen::Person(p) => Some(p.id),
            _ => None,
        }
    }

    /// Issue 12 (P1-a): the person's whole record, read by the engine.
    pub fn open_person(&mut self, id: PersonId) {
        self.go_to(Screen::Person(Box::new(PersonScreen::new(id))));
        self.load(Load { person: Some(id), ..self.load_now() });
    }

    /// The person a concern names: the one linked, or a choice between
    /// several (the first about them offered first).
    fn open_person_of(&mut self, case: &CaseFile) {
        let mut linked: Vec<&crate::domain::Subject> =
            case.concern.subjects.iter().filter(|s| s.person.is_some()).collect();
        linked.sort_by_key(|s| !s.part.is_about());
        match linked.as_slice() {
            [] => self.fail(
                "No one on this concern is linked to a person record yet: the DSL links them on the people screen.",
            ),
            [one] => self.open_person(one.person.unwrap_or_default()),
            several => {
                let form = forms::pick_person(&case.concern.reference, several);
                self.open(FormKind::PickPerson, form);
            }
        }
    }

    /// Whether the concern on screen is restricted (issue 13, P5-g).
    fn restriction_arrived(&mut self, id: u32, result: Result<Option<crate::domain::restricted::Restriction>, String>) {
        if let Screen::Concern(view) = &mut self.screen
            && view.id == id
        {
            view.restriction = Some(result);
        }
    }

    /// The people the new-concern form may pick from have arrived. If they
    /// cannot be read, the form works as before: a name typed is kept as
    /// typed, for the DSL to match later.
    fn pickable_arrived(&mut self, result: Result<Vec<crate::domain::PersonSummary>, String>) {
        if let Some(open) = &mut self.form
            && let Some(picker) = &mut open.picker
        {
            picker.loaded(result.unwrap_or_default());
        }
    }

    /// F3 in the new-concern form: the concern will name a new person
    /// record made from the name, kind and detail typed (DSL and deputies).
    fn new_person_for_concern(&mut self) {
        let Some(picker) = self.form.as_mut().and_then(|o| o.picker.as_mut()) else { return };
        if !picker.can_create {
            return self
                .fail("Only the DSL and deputies make person records; pick a pupil from the list, or type the name.");
        }
        if picker.query().trim().is_empty() {
            return self.fail("Type the person's name first.");
        }
        picker.picked = None;
        picker.create = true;
    }

    /// Keys for the people listed under the new-concern form's name field
    /// while it shows: ↑ ↓ move, Enter picks. Returns whether it took the key.
    fn picker_key(&mut self, key: &KeyEvent) -> bool {
        let Some(open) = &mut self.form else { return false };
        let Some(picker) = open.picker.as_mut().filter(|p| p.showing()) else { return false };
        if open.form.focused_key() != picker.field {
            return false;
        }
        match key.code {
            KeyCode::Up => picker.step(false),
            KeyCode::Down => picker.step(true),
            KeyCode::Enter => {
                if let Some(person) = picker.choose() {
                    match picker.field {
                        "name" => forms::fill_from_person(&mut open.form, &person),
                        // P6.1-a: the owner picked is named as on record.
                        field => {
                            open.form.set_text(field, &person.name);
                            open.form.dirty = true;
                        }
                    }
                }
                open.form.next();
            }
            _ => return false,
        }
        true
    }

    /// Enter on a person's view: the family member or concern selected.
    fn open_person_target(&mut self) {
        let Screen::Person(p) = &self.screen else { return };
        match p.target() {
            Some(PersonTarget::Person(id)) => self.open_person(id),
            Some(PersonTarget::Concern(id)) => {
                self.pending.retain(|(_, p)| !matches!(p, Pending::Case { .. }));
                self.send(Command::Case(id), Pending::Case { id, then: Action::Open });
            }
            None => {}
        }
    }

    /// Tab and Shift-Tab on a person's view move between what Enter opens.
    fn select_person_target(&mut self, step: isize) {
        if let Screen::Person(p) = &mut self.screen {
            let n = p.targets().len();
            if n > 0 {
                p.selected = (p.selected as isize + step).rem_euclid(n as isize) as usize;
                p.follow = true;
            }
        }
    }

    fn open_selected(&mut self) {
        self.request_selected(Action::Open);
    }

    /// A form on the concern shown (already in memory), or on the board's
    /// selection (once the engine has read it).
    fn open_case_form(&mut self, action: Action) {
        match &self.screen {
            Screen::Concern(view) => {
                let (id, case) = (view.id, view.case.clone());
                self.open_case_form_on(action, id, case);
            }
            Screen::Board => self.request_selected(action),
            Screen::Actions
            | Screen::Debriefs
            | Screen::Dashboard
            | Screen::Today
            | Screen::Custody
            | Screen::Registers
            | Screen::Retention
            | Screen::Person(_)
            | Screen::People(_) => {}
        }
    }

    fn open_case_form_on(&mut self, action: Action, id: u32, case: CaseFile) {
        let now = self.now();
        let (kind, form) = match action {
            Action::Triage => {
                (FormKind::Triage { id }, forms::triage(&case, self.session.catalogue(), self.session.members(), now))
            }
            Action::FollowUp => (FormKind::FollowUp { id }, forms::follow_up(&case.concern.reference, now)),
            Action::Correct => match forms::correct(&case) {
                Some(form) => (FormKind::Correct { id }, form),
                None => {
                    return self.fail("Nothing to correct: casebook's own entries are corrected by a new decision.");
                }
            },
            Action::Export => {
                let dir = std::env::current_dir().unwrap_or_default();
                (FormKind::Export { id }, forms::export(&case.concern.reference, &dir))
            }
            Action::Referral => {
                let entries: Vec<crate::domain::Referral> = self.referrals.of_case(id).cloned().collect();
                // The triage's pathway, else the category's.
                let pathway = case.current_triage().map(|t| t.pathway.clone()).unwrap_or_else(|| {
                    self.session
                        .catalogue()
                        .category(&case.concern.category)
                        .map(|c| c.default_pathway.clone())
                        .unwrap_or_default()
                });
                let kind = super::referrals::likely_kind(&pathway);
                let form = super::referrals::referral_form(&case.concern.reference, kind, &entries, now.date());
                (FormKind::Referral { id }, form)
            }
            Action::Confiscate => {
                if !case.status.is_open() {
                    return self.fail(format!(
                        "{} is closed: reopen it before recording a device on it.",
                        case.concern.reference
                    ));
                }
                let form = super::custody::confiscate_form(&case.concern.reference, self.session.catalogue(), now);
                (FormKind::Confiscate { id }, form)
            }
            Action::RecordSearch => {
                if !case.status.is_open() {
                    return self.fail(format!(
                        "{} is closed: reopen it before recording a search on it.",
                        case.concern.reference
                    ));
                }
                let devices: Vec<&crate::domain::Custody> = self.custody.iter().filter(|c| c.case_id == id).collect();
                let form =
                    super::searches::search_form(&case.concern.reference, &devices, self.session.catalogue(), now);
                (FormKind::DeviceSearch { id }, form)
            }
            Action::Attach => (FormKind::Attach { id }, super::attachments::attach_form(&case.concern.reference)),
            _ => (FormKind::Status { id }, forms::status(&case, self.session.catalogue(), self.session.me().role)),
        };
        // Issue 13 (P6.1-a): the device's owner is found as their name is
        // typed, as a concern's subject is (issue 12).
        let picker = matches!(kind, FormKind::Confiscate { .. }).then(|| forms::Picker::on("owner"));
        let pick = picker.is_some();
        self.form = Some(OpenForm { kind, form, case: Some(Box::new(case)), warned: false, saving: false, picker });
        if pick {
            self.pending.retain(|(_, p)| *p != Pending::Pickable);
            self.send(Command::Pickable, Pending::Pickable);
        }
    }

    /// Issue 13 (P5-f, P5-g): the restrict form on the concern shown,
    /// ticked as its restriction stands.
    fn open_restrict_form(&mut self) {
        let Screen::Concern(view) = &self.screen else { return };
        let current = match &view.restriction {
            Some(Ok(r)) => r.clone(),
            Some(Err(e)) => return self.fail(format!("Its restriction could not be read: {e}")),
            None => return self.fail("Still reading whether it is restricted; try again in a moment."),
        };
        let case = view.case.clone();
        let form =
            super::restrict::restrict_form(&case, self.session.members(), self.session.me().id, current.as_ref());
        self.form = Some(OpenForm {
            kind: FormKind::Restrict { id: view.id },
            form,
            case: Some(Box::new(case)),
            warned: false,
            saving: false,
            picker: None,
        });
    }

    /// Saves the open form: its fields are read here (a problem shows at
    /// its field at once), and the write goes to the engine. Until it
    /// answers, the form stays open showing "saving…"; on any problem it
    /// stays open with everything typed and the reason shown (issue 9).
    fn save_form(&mut self) {
        let Some(mut open) = self.form.take() else { return };
        if open.saving {
            self.form = Some(open);
            return;
        }
        let now = self.now();
        // A status moved by a letter typed into its pick list (perhaps
        // meant for the note) is asked about once before it is saved
        // (issue 8 item 12).
        if !open.warned
            && matches!(open.kind, FormKind::Status { .. } | FormKind::ActionStatus { .. })
            && open.form.field("to").typed
        {
            open.warned = true;
            open.form.error = Some(format!(
                "\"Move to\" was set by a typed letter to \"{}\". Check it is what you meant, then press {} again to save.",
                open.form.choice("to"),
                self.keys.key_for(Context::Form, Action::Save)
            ));
            open.form.focus = open.form.fields.iter().position(|f| f.key == "to").unwrap_or(0);
            self.form = Some(open);
            return;
        }
        // Issue 10: removing a member, or taking a class from their role,
        // re-keys the store: said once, and the next save goes ahead.
        if !open.warned && open.kind == FormKind::Membership && open.form.choice("member") == forms::NEW_MEMBER {
            // Checked first: a name or key to put right is said at its field
            // before anything is asked.
            let Some(forms::MemberChange::Add { name, role, .. }) = forms::read_membership(&mut open.form) else {
                self.form = Some(open);
                return;
            };
            open.warned = true;
            open.form.error = Some(format!(
                "{name} joins as {role}: what their role may read is sealed again so their key opens it; this takes \
                 a while on a large store. Press {} again to go ahead.",
                self.keys.key_for(Context::Form, Action::Save)
            ));
            self.form = Some(open);
            return;
        }
        if !open.warned && open.kind == FormKind::Membership {
            open.warned = true;
            let who = open.form.choice_label("member");
            // P6.1-g: an authority changes no key; a role or a removal does.
            let rekeys = !matches!(forms::read_membership(&mut open.form), Some(forms::MemberChange::Authorise { .. }));
            open.form.error = Some(format!(
                "{who}: {}.{} Press {} again to go ahead.",
                open.form.choice_label("change"),
                if rekeys {
                    " What they could read is sealed again to new keys without them; this takes a while on a large \
                     store."
                } else {
                    ""
                },
                self.keys.key_for(Context::Form, Action::Save)
            ));
            self.form = Some(open);
            return;
        }
        // Issue 13 (P5-g): who will be able to read it is said once, and
        // the next save seals it (a change to the form asks again).
        if let FormKind::Restrict { .. } = open.kind
            && !open.warned
            && let Some(case) = open.case.as_deref()
        {
            let members = self.session.members();
            if let Some((allow, exclude, _)) = super::restrict::read_restrict(&mut open.form, case, members) {
                let r = super::restrict::proposed(case, members, &allow, &exclude);
                open.warned = true;
                let save = self.keys.key_for(Context::Form, Action::Save);
                open.form.error = Some(super::restrict::confirm_words(&case.concern.reference, &r, members, &save));
            }
            self.form = Some(open);
            return;
        }
        let write = match open.kind {
            FormKind::NewConcern => {
                forms::read_new_concern(&mut open.form, self.session.catalogue(), now).map(|mut new| {
                    // Issue 12: the subject is the person picked, or a new
                    // record made from what was typed.
                    let picker = open.picker.as_ref();
                    match (picker.and_then(|p| p.picked.as_ref()), picker.is_some_and(|p| p.create)) {
                        (Some(person), _) => {
                            new.subjects[0].person = Some(person.id);
                            Write::Concern(new)
                        }
                        (None, true) => {
                            let first = &new.subjects[0];
                            let (kind, details) = (
                                first.kind,
                                crate::domain::person::PersonDetails {
                                    name: first.name.clone(),
                                    detail: first.detail.clone(),
                                    ..Default::default()
                                },
                            );
                            Write::ConcernNewPerson { new, kind, details }
                        }
                        (None, false) => Write::Concern(new),
                    }
                })
            }
            FormKind::Triage { id } => forms::read_triage(&mut open.form, now.date()).map(|input| {
                // Saved only if nobody triaged it since the form opened.
                let seen = open.case.as_ref().map_or(0, |c| c.triage.len());
                Write::Triage { id, seen, input }
            }),
            FormKind::FollowUp { id } => {
                forms::read_follow_up(&mut open.form, now).map(|(kind, at, text)| Write::Entry { id, kind, at, text })
            }
            FormKind::Status { id } => forms::read_status(&mut open.form).map(|(choice, reason)| {
                // Saved only if nobody moved it since the form opened.
                let seen = open.case.as_deref().map(crate::store::StatusSeen::of);
                match choice {
                    forms::StatusChoice::To(to) => Write::Transition { id, seen, to, reason },
                    forms::StatusChoice::CloseWithoutDebrief => Write::CloseWithoutDebrief { id, seen, reason },
                }
            }),
            FormKind::Correct { id } => {
                forms::read_correct(&mut open.form).map(|(seq, text)| Write::Correct { id, seq, text })
            }
            FormKind::Export { id } => {
                let path = std::path::PathBuf::from(open.form.text("path").trim());
                let extra: Vec<String> = Some(open.form.text("recipient").trim().to_string())
                    .filter(|r| !r.is_empty())
                    .into_iter()
                    .collect();
                Some(Write::Export { id, path, extra })
            }
            FormKind::Debrief => oversight::read_debrief(&mut open.form, now.date()).map(Write::Debrief),
            FormKind::Action => oversight::read_action(&mut open.form, now.date()).map(Write::Action),
            FormKind::ActionStatus { id } => oversight::read_action_status(&mut open.form).map(|(to, note)| {
                let debrief = self.oversight.actions.iter().find(|a| a.id == id).map_or(0, |a| a.debrief);
                Write::ActionStatus { id, debrief, to, note }
            }),
            FormKind::Review => oversight::read_review(&mut open.form).map(Write::Review),
            FormKind::Trigger => {
                oversight::read_trigger(&mut open.form).map(|(kind, note)| Write::Trigger { kind, note })
            }
            FormKind::Membership => forms::read_membership(&mut open.form).map(|change| match change {
                forms::MemberChange::Add { name, role, recipient } => Write::AddMember { name, role, recipient },
                forms::MemberChange::Change { id, to } => Write::Membership { id, to },
                forms::MemberChange::Authorise { id, authorised } => Write::Authorise { id, authorised },
            }),
            FormKind::Referral { id } => {
                super::referrals::read_referral(&mut open.form, now.date()).map(|new| Write::Referral { id, new })
            }
            // Nothing to save: the chosen person's record opens.
            FormKind::PickPerson => {
                if let Some(id) = forms::read_pick_person(&open.form) {
                    self.open_person(id);
                }
                return;
            }
            FormKind::Confiscate { id } => {
                let picked = open.picker.as_ref().and_then(|p| p.picked.as_ref()).map(|p| p.id);
                super::custody::read_confiscate(&mut open.form, self.session.catalogue(), now, picked)
                    .map(|new| Write::Confiscate { id, new })
            }
            FormKind::CustodyEvent { custody } => {
                super::custody::read_event(&mut open.form, now).map(|new| Write::CustodyEvent { custody, new })
            }
            FormKind::DeviceSearch { id } => {
                let devices: Vec<&crate::domain::Custody> = self.custody.iter().filter(|c| c.case_id == id).collect();
                super::searches::read_search(&mut open.form, self.session.me(), &devices, self.session.catalogue(), now)
                    .map(|new| Write::Search { id, new })
            }
            FormKind::RegisterEntry { kind } => {
                super::registers::read_entry(&mut open.form, kind, now.date()).map(Write::Register)
            }
            FormKind::Restrict { id } => match open.case.as_deref() {
                Some(case) => super::restrict::read_restrict(&mut open.form, case, self.session.members()).map(
                    |(allow, exclude, reason)| Write::Restrict {
                        id,
                        reference: case.concern.reference.clone(),
                        allow,
                        exclude,
                        reason,
                    },
                ),
                None => None,
            },
            FormKind::Attach { id } => super::attachments::read_attach(&mut open.form).map(|(path, note)| {
                let reference = open.case.as_ref().map(|c| c.concern.reference.clone()).unwrap_or_default();
                Write::Attach { id, reference, path, note }
            }),
            FormKind::Dispose { id } => {
                let reference =
                    self.retention.iter().find(|p| p.case_id == id).map(|p| p.reference.clone()).unwrap_or_default();
                super::retention::read_dispose(&mut open.form, &reference).map(|(reason, early)| Write::Dispose {
                    id,
                    reason,
                    early,
                })
            }
            FormKind::ErasePerson { id } => {
                let label = crate::domain::person::person_label(id);
                super::retention::read_erase(&mut open.form, &label).map(|reason| Write::ErasePerson { id, reason })
            }
            // The filters are the app's own: nothing to save.
            FormKind::ActionFilter => {
                self.action_filter = oversight::read_action_filter(&open.form);
                self.actions_list.selected = 0;
                return self.note("Filter applied.");
            }
            FormKind::Filter => {
                self.filter = forms::read_filter(&open.form, self.session.catalogue());
                self.apply_view();
                let what = self.filter.describe(self.session.catalogue(), self.session.members());
                return self.note(if what.is_empty() {
                    "Showing every concern.".to_string()
                } else {
                    format!("Filter: {what}.")
                });
            }
        };
        // A problem at a field: shown there, nothing sent.
        let Some(write) = write else {
            self.form = Some(open);
            return;
        };
        let cases = self.session.can_read(AccessClass::Case);
        let then = match open.kind {
            // The written concern comes back with the board.
            FormKind::NewConcern
            | FormKind::Triage { .. }
            | FormKind::FollowUp { .. }
            | FormKind::Status { .. }
            | FormKind::Correct { .. }
            | FormKind::Referral { .. }
            | FormKind::Confiscate { .. }
            | FormKind::CustodyEvent { .. }
            | FormKind::DeviceSearch { .. }
            | FormKind::Restrict { .. }
            | FormKind::Attach { .. }
            | FormKind::Dispose { .. } => Load { board: cases, ..self.load_now() },
            FormKind::Export { .. } => self.load_now(),
            // A debrief closes concerns, the one on screen too.
            _ => Load {
                board: cases,
                case: match &self.screen {
                    Screen::Concern(view) => Some(view.id),
                    _ => None,
                },
                oversight: true,
                ..self.load_now()
            },
        };
        let command = Command::Write { write, now, check_names: !open.warned, then };
        match self.engine.send(command) {
            Ok(ticket) => {
                self.pending.push((ticket, Pending::Save));
                open.saving = true;
            }
            Err(e) => open.form.error = Some(e),
        }
        self.form = Some(open);
    }

    /// The engine has answered the open form's save.
    fn saved(&mut self, outcome: Result<Done, Refusal>, loaded: Loaded) {
        let open = self.form.take().filter(|open| open.saving);
        let Some(mut open) = open else {
            // No form waits for it (it cannot close while saving): say it.
            match outcome {
                Ok(done) => {
                    self.show_loaded(loaded);
                    self.note(done.message());
                }
                Err(Refusal::Names(_)) => {}
                Err(Refusal::Failed(e) | Refusal::Conflict(e)) => self.fail(e),
            }
            return;
        };
        open.saving = false;
        match outcome {
            Ok(done) => {
                // The worker's session made the change; this one's member
                // list (assignees, names) is read again (issue 10).
                if matches!(done, Done::Membership { .. } | Done::MemberAdded { .. } | Done::Authorised { .. })
                    && let Err(e) = self.session.reload_members()
                {
                    self.fail(e.to_string());
                }
                if let Some(id) = done.case_id() {
                    // Figures and the concerns awaiting a debrief may have moved.
                    self.oversight_stale = true;
                    self.show_loaded(loaded);
                    if let Some(pos) = self.visible.iter().position(|&i| self.board.rows[i].id == id) {
                        self.selected = pos;
                    }
                } else {
                    self.show_loaded(loaded);
                }
                // S-e: the erased person's record is gone: back to the
                // people screen, read again, rather than a view of no one.
                if matches!(done, Done::Erased { .. }) {
                    self.back.clear();
                    self.screen = Screen::Board;
                    self.open_people();
                }
                // Issue 13: the entry just recorded is the one selected.
                if let Done::Registered(e) = &done {
                    let shown = crate::domain::register::in_register(&self.registers.entries, e.kind);
                    self.registers.selected = shown.iter().position(|x| x.id == e.id).unwrap_or(0);
                }
                self.note(done.message());
            }
            // P9-e (issue 8): a text leadership will read that names a
            // subject of a concern is warned about once; the next save goes
            // ahead.
            Err(Refusal::Names(names)) => {
                let what = match open.kind {
                    FormKind::Debrief => "debrief",
                    FormKind::Action => "action",
                    FormKind::Review => "review",
                    _ => "note",
                };
                open.warned = true;
                open.form.error = Some(format!(
                    "These names appear in the text: {}. Leadership will read this {what} (P9-e): remove them, or press {} again to save anyway.",
                    names.join(", "),
                    self.keys.key_for(Context::Form, Action::Save)
                ));
                self.form = Some(open);
            }
            // A refusal, or someone's write since the form opened (named):
            // at the form, with everything typed.
            Err(Refusal::Failed(e) | Refusal::Conflict(e)) => {
                open.form.error = Some(e);
                self.form = Some(open);
            }
        }
    }
}

/// The footer while `casebook serve` cannot be reached (issue 9).
pub const RECONNECTING: &str =
    "Lost the connection to casebook serve — reconnecting… (a save now fails; what you type is kept)";

/// Typing into the people screen's search line: it finds as you type;
/// Enter keeps the search, Esc clears it.
fn people_search_key(ps: &mut PeopleScreen, key: KeyEvent) {
    match key.code {
        KeyCode::Enter => ps.editing = false,
        KeyCode::Esc => {
            ps.editing = false;
            ps.query.clear();
        }
        KeyCode::Backspace => {
            ps.query.pop();
        }
        KeyCode::Up | KeyCode::Down => ps.editing = false,
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => ps.query.push(c),
        _ => return,
    }
    ps.selected = 0;
    ps.refilter();
}

/// A scroll position moved by a motion key.
fn scrolled(scroll: u16, action: Action, step: u16) -> u16 {
    match action {
        Action::Up => scroll.saturating_sub(1),
        Action::Down => scroll.saturating_add(1),
        Action::PageUp => scroll.saturating_sub(step),
        Action::PageDown => scroll.saturating_add(step),
        Action::Top => 0,
        _ => u16::MAX,
    }
}

/// How far a motion key moves in a list.
fn list_delta(action: Action, page: usize) -> isize {
    match action {
        Action::Up => -1,
        Action::Down => 1,
        Action::PageUp => -(page as isize),
        Action::PageDown => page as isize,
        Action::Top => isize::MIN / 2,
        _ => isize::MAX / 2,
    }
}

/// The status line for records a screen had to skip (issue 11): how many,
/// and the first by name; the rest of the screen is shown.
fn damaged_message(all: &[crate::store::Damaged], first: &crate::store::Damaged) -> String {
    format!("{} record(s) could not be read; the rest are shown. First: {first}", all.len())
}
