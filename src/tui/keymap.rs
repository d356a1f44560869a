//! One list of key bindings. Input handling, the help overlay and the
//! footer all read this list, so what the screen says is what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Context {
    Board,
    Concern,
    Form,
    Actions,
    Debriefs,
    Dashboard,
    /// Issue 13: what needs doing today.
    Today,
    /// Issue 12: one person's whole record.
    Person,
    /// Issue 12: everyone on record, and subjects not yet linked (DSL, deputies).
    People,
    /// Issue 13 (P6.1-b): the device custody register.
    Custody,
    /// Issue 13: the staff and visitor registers.
    Registers,
    /// S-d: the closed concerns past retention (the DSL disposes of them).
    Retention,
}

impl Context {
    pub const ALL: [Context; 12] = [
        Context::Board,
        Context::Concern,
        Context::Form,
        Context::Actions,
        Context::Debriefs,
        Context::Dashboard,
        Context::Today,
        Context::Person,
        Context::People,
        Context::Custody,
        Context::Registers,
        Context::Retention,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Context::Board => "Triage board",
            Context::Concern => "Concern",
            Context::Form => "Form",
            Context::Actions => "Actions",
            Context::Debriefs => "Debriefs",
            Context::Dashboard => "Dashboard",
            Context::Today => "Today",
            Context::Person => "Person",
            Context::People => "People",
            Context::Custody => "Device custody",
            Context::Registers => "Registers",
            Context::Retention => "Past retention",
        }
    }
}

/// Everything a key can ask for. Names are what a user config file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Help,
    Quit,
    Refresh,
    NewConcern,
    Triage,
    FollowUp,
    Status,
    Search,
    Filter,
    Mine,
    Due,
    Unassigned,
    ClearFilters,
    Correct,
    Export,
    GoBoard,
    GoActions,
    GoDebriefs,
    GoDashboard,
    NewDebrief,
    NewAction,
    UpdateAction,
    RecordReview,
    LogTrigger,
    /// Issue 10 (P1-b): the DSL removes a member or changes a role.
    Members,
    /// Issue 13: record a referral or contact on the concern shown.
    Referral,
    /// Issue 13: the Today screen (DSL and deputies).
    GoToday,
    /// Issue 12: the person a concern is about, their whole record.
    OpenPerson,
    /// Issue 12: in the new-concern form, a new person record of the name typed.
    NewPerson,
    /// Issue 12: the people screen (DSL and deputies).
    GoPeople,
    /// Issue 12, people screen: everyone, or the subjects not yet linked.
    UnlinkedSubjects,
    /// Issue 12, unlinked subjects: a new person record for the group.
    AdoptNew,
    /// Issue 12, unlinked subjects: link the group to the person suggested.
    LinkSuggested,
    /// Issue 12: two records of one person made one (the DSL only).
    MergePeople,
    /// Issue 13 (P6.1-b): the device custody register.
    GoCustody,
    /// Issue 13 (P6.1-a): record a device confiscated on the concern shown.
    Confiscate,
    /// Issue 13 (P6.1-b, P6.1-d): move, return or hand over the device selected.
    CustodyEvent,
    /// Issue 13 (P6.1-e): record a search of a device on the concern shown.
    RecordSearch,
    /// Issue 13: the staff and visitor registers (P5-a, P5-c, P5-e, P7-b).
    GoRegisters,
    /// Issue 13: a new entry in the register shown (as `casebook register add`).
    NewRegisterEntry,
    /// Issue 13 (P5-f, P5-g): the DSL restricts who may read the concern shown.
    Restrict,
    /// Issue 13: attach a file to the concern shown (refused for P6.1-c).
    Attach,
    /// S-d: the closed concerns past retention.
    GoRetention,
    /// S-d: dispose of the concern selected (the DSL; the reference typed to confirm).
    Dispose,
    /// S-e: erase the person shown once retention has ended (the DSL; their
    /// number typed to confirm).
    ErasePerson,
    NextField,
    PrevField,
    Save,
    Cancel,
}

impl Action {
    pub fn describe(self, ctx: Context) -> &'static str {
        match (self, ctx) {
            (Action::Up, Context::Board) => "previous concern",
            (Action::Down, Context::Board) => "next concern",
            (Action::Up, Context::Actions | Context::Debriefs | Context::Today | Context::Custody) => "previous",
            (Action::Down, Context::Actions | Context::Debriefs | Context::Today | Context::Custody) => "next",
            (Action::Back, Context::Today | Context::Custody | Context::Retention) => "back to the board",
            (Action::Open, Context::People) => "open the person's whole record",
            (Action::Search, Context::People) => "find by name, other name, year group or id",
            (Action::Search, Context::Custody) => {
                "find a device by owner, device, concern or place (Enter keeps, Esc clears)"
            }
            (Action::NextField, Context::People) => "unlinked: the next person suggested",
            (Action::PrevField, Context::People) => "unlinked: the previous person suggested",
            (Action::Back, Context::People) => "back",
            (Action::Open, Context::Person) => "open the family member or concern selected",
            (Action::Back, Context::Person) => "back to where you came from",
            (Action::NextField, Context::Person) => "select the next family member or concern",
            (Action::PrevField, Context::Person) => "select the previous family member or concern",
            (Action::NewConcern, _) => "record a new concern",
            (Action::Filter, Context::Actions) => "filter by owner, status, kind, overdue",
            (Action::ClearFilters, Context::Actions) => "clear the filter",
            (Action::Up, _) => "scroll up",
            (Action::Down, _) => "scroll down",
            (Action::PageUp, _) => "page up",
            (Action::PageDown, _) => "page down",
            (Action::Top, _) => "first",
            (Action::Bottom, _) => "last",
            (Action::Open, _) => "open the concern",
            (Action::Back, _) => "back to the board",
            (Action::Help, _) => "help: every key here",
            (Action::Quit, _) => "quit",
            (Action::Refresh, _) => "reload from the store",
            (Action::Triage, _) => "triage: risk, pathway, assignee, reasoning",
            (Action::FollowUp, _) => "add a follow-up to the chronology",
            (Action::Status, _) => "change status (in progress, closed …)",
            (Action::Search, _) => "search all text (names, descriptions …)",
            (Action::Filter, _) => "filter by status, category, subject, assignee, review, risk",
            (Action::Mine, _) => "mine: open concerns assigned to me",
            (Action::Due, _) => "due: reviews due today or overdue, anyone's",
            (Action::Unassigned, _) => "unassigned: open concerns nobody holds yet",
            (Action::ClearFilters, _) => "clear search and filters",
            (Action::Correct, _) => "correct an entry (the original is kept)",
            (Action::Export, _) => "export the case file as an age file",
            (Action::GoBoard, _) => "screen 1: the triage board",
            (Action::GoActions, _) => "screen 2: lessons-learned actions",
            (Action::GoDebriefs, _) => "screen 3: debriefs",
            (Action::GoDashboard, _) => "screen 4: leadership dashboard",
            (Action::NewDebrief, _) => "record a debrief: what happened, lessons learnt",
            (Action::NewAction, _) => "new action from a lesson, with owner and due date",
            (Action::UpdateAction, _) => "update the action: in progress, done, dropped",
            (Action::RecordReview, _) => "record a review of the policy (yearly at least)",
            (Action::LogTrigger, _) => "note something that calls for a policy review",
            (Action::Members, _) => "members: add someone, remove someone who left, or change a role (DSL)",
            (Action::Referral, _) => "record a referral or contact (LADO, police, parents …)",
            (Action::GoToday, _) => "today: what needs doing now, overdue first",
            (Action::OpenPerson, _) => "the person it is about: their whole record",
            (Action::NewPerson, _) => "new concern: make a new person record of the name typed",
            (Action::GoPeople, _) => "people: everyone on record, subjects not yet linked (DSL, deputies)",
            (Action::UnlinkedSubjects, _) => "everyone on record / subjects not yet linked",
            (Action::AdoptNew, _) => "unlinked: make the name a new person record",
            (Action::LinkSuggested, _) => "unlinked: link its concerns to the person suggested",
            (Action::MergePeople, _) => "merge: mark one, then M on the one to keep (DSL)",
            (Action::GoCustody, _) => "devices: the custody register, held longest first",
            (Action::Confiscate, _) => "record a device confiscated (custody)",
            (Action::CustodyEvent, _) => "device moved, returned to a parent/carer, or to the police",
            (Action::RecordSearch, _) => "record a search of a device (who authorised, witnessed, found)",
            (Action::GoRegisters, _) => "registers: permissions, approvals, visitors",
            (Action::NewRegisterEntry, _) => "new entry in the register shown (DSL, deputies)",
            (Action::Restrict, _) => "restrict who may read it (the DSL)",
            (Action::Attach, _) => "attach a file (a scanned form, a message log)",
            (Action::GoRetention, _) => "retention: closed concerns past retention, to dispose of",
            (Action::Dispose, _) => "dispose of the concern and every record of it (DSL; type its reference)",
            (Action::ErasePerson, _) => {
                "erase this person's record once no concern names them (DSL; type their number)"
            }
            (Action::NextField, Context::Registers) => "next register",
            (Action::PrevField, Context::Registers) => "previous register",
            (Action::NextField, _) => "next field",
            (Action::PrevField, _) => "previous field",
            (Action::Save, _) => "save",
            (Action::Cancel, _) => "cancel (asks if anything was typed)",
        }
    }

    /// The policy clause behind an action (REQUIREMENTS.md), which the
    /// help shows after the plain words, in grey: teachers read the words,
    /// the DSL can trace the clause (issue 8 item 22).
    pub fn policy(self) -> Option<&'static str> {
        match self {
            Action::NewDebrief => Some("P9-c"),
            Action::NewAction | Action::UpdateAction => Some("P9-d"),
            Action::RecordReview | Action::LogTrigger => Some("P8-a"),
            Action::Members => Some("P1-b"),
            Action::Referral | Action::GoToday => Some("S-b"),
            Action::OpenPerson
            | Action::NewPerson
            | Action::GoPeople
            | Action::AdoptNew
            | Action::LinkSuggested
            | Action::MergePeople => Some("P1-a"),
            Action::GoRegisters => Some("P5-a"),
            Action::NewRegisterEntry => Some("P5-a, P5-c, P5-e, P7-b"),
            Action::Restrict => Some("P5-f, P5-g"),
            Action::Attach => Some("P6.1-c"),
            Action::GoRetention | Action::Dispose => Some("S-d"),
            Action::ErasePerson => Some("S-e"),
            Action::Correct => Some("S-c"),
            Action::GoCustody | Action::CustodyEvent => Some("P6.1-b"),
            Action::Confiscate => Some("P6.1-a"),
            Action::RecordSearch => Some("P6.1-e"),
            _ => None,
        }
    }

    /// The short word the footer uses.
    pub fn footer_word(self) -> &'static str {
        match self {
            Action::Up | Action::Down => "move",
            Action::Open => "open",
            Action::Back => "back",
            Action::Help => "help",
            Action::Quit => "quit",
            Action::Refresh => "reload",
            Action::PageUp | Action::PageDown => "page",
            Action::Top | Action::Bottom => "jump",
            Action::NewConcern => "new",
            Action::Triage => "triage",
            Action::FollowUp => "follow-up",
            Action::Status => "status",
            Action::Search => "search",
            Action::Filter => "filter",
            Action::Mine => "mine",
            Action::Due => "due",
            Action::Unassigned => "unassigned",
            Action::ClearFilters => "clear",
            Action::Correct => "correct",
            Action::Export => "export",
            Action::GoBoard => "board",
            Action::GoActions => "actions",
            Action::GoDebriefs => "debriefs",
            Action::GoDashboard => "dashboard",
            Action::NewDebrief => "debrief",
            Action::NewAction => "new",
            Action::UpdateAction => "update",
            Action::RecordReview => "review",
            Action::LogTrigger => "trigger",
            Action::Members => "members",
            Action::Referral => "referral",
            Action::GoToday => "today",
            Action::OpenPerson => "person",
            Action::NewPerson => "new person",
            Action::GoPeople => "people",
            Action::UnlinkedSubjects => "unlinked",
            Action::AdoptNew => "adopt",
            Action::LinkSuggested => "link",
            Action::MergePeople => "merge",
            Action::GoCustody => "devices",
            Action::Confiscate => "device",
            Action::CustodyEvent => "record",
            Action::RecordSearch => "search",
            Action::GoRegisters => "registers",
            Action::NewRegisterEntry => "new entry",
            Action::Restrict => "restrict",
            Action::Attach => "attach",
            Action::GoRetention => "retention",
            Action::Dispose => "dispose",
            Action::ErasePerson => "erase",
            Action::NextField => "next",
            Action::PrevField => "previous",
            Action::Save => "save",
            Action::Cancel => "cancel",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Self {
        Key { code, modifiers: KeyModifiers::NONE }
    }

    pub fn matches(&self, event: &KeyEvent) -> bool {
        // Shift is part of the character for letters ('G' vs 'g').
        let mods = event.modifiers - KeyModifiers::SHIFT;
        event.code == self.code && mods == self.modifiers - KeyModifiers::SHIFT
    }

    /// How the key is written on screen and in the config file.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.modifiers.contains(KeyModifiers::CONTROL) { format!("Ctrl-{base}") } else { base }
    }

    /// Parses "j", "Enter", "Ctrl-r", "PgDn", "F1" … as written by `label`.
    pub fn parse(text: &str) -> Option<Key> {
        let (modifiers, rest) = match text.strip_prefix("Ctrl-").or_else(|| text.strip_prefix("ctrl-")) {
            Some(r) => (KeyModifiers::CONTROL, r),
            None => (KeyModifiers::NONE, text),
        };
        let code = match rest {
            "Enter" | "enter" => KeyCode::Enter,
            "Esc" | "esc" => KeyCode::Esc,
            "Up" | "up" | "↑" => KeyCode::Up,
            "Down" | "down" | "↓" => KeyCode::Down,
            "Left" | "left" | "←" => KeyCode::Left,
            "Right" | "right" | "→" => KeyCode::Right,
            "PgUp" | "pageup" => KeyCode::PageUp,
            "PgDn" | "pagedown" => KeyCode::PageDown,
            "Home" | "home" => KeyCode::Home,
            "End" | "end" => KeyCode::End,
            "Tab" | "tab" => KeyCode::Tab,
            "Space" | "space" => KeyCode::Char(' '),
            f if f.len() >= 2 && f.starts_with('F') && f[1..].parse::<u8>().is_ok() => KeyCode::F(f[1..].parse().ok()?),
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next()?),
            _ => return None,
        };
        Some(Key { code, modifiers })
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub context: Context,
    pub key: Key,
    pub action: Action,
    /// Shown in the footer (the few keys that matter here).
    pub footer: bool,
}

#[derive(Debug, Clone)]
pub struct KeyMap {
    bindings: Vec<Binding>,
}

/// A user's remap file (TOML): `[board] open = ["Enter", "l"]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    #[serde(default)]
    pub board: std::collections::HashMap<Action, Vec<String>>,
    #[serde(default)]
    pub concern: std::collections::HashMap<Action, Vec<String>>,
    #[serde(default)]
    pub form: std::collections::HashMap<Action, Vec<String>>,
    #[serde(default)]
    pub actions: std::collections::HashMap<Action, Vec<String>>,
    #[serde(default)]
    pub debriefs: std::collections::HashMap<Action, Vec<String>>,
    #[serde(default)]
    pub dashboard: std::collections::HashMap<Action, Vec<String>>,
    #[serde(default)]
    pub today: std::collections::HashMap<Action, Vec<String>>,
    #[serde(default)]
    pub person: std::collections::HashMap<Action, Vec<String>>,
    #[serde(default)]
    pub people: std::collections::HashMap<Action, Vec<String>>,
    #[serde(default)]
    pub custody: std::collections::HashMap<Action, Vec<String>>,
    #[serde(default)]
    pub registers: std::collections::HashMap<Action, Vec<String>>,
    #[serde(default)]
    pub retention: std::collections::HashMap<Action, Vec<String>>,
}

impl Default for KeyMap {
    fn default() -> Self {
        use Action::*;
        use Context::*;
        use KeyCode as K;
        let mut b = Vec::new();
        let mut add =
            |context, code, action, footer| b.push(Binding { context, key: Key::plain(code), action, footer });
        add(Dashboard, K::Char('?'), Help, true);
        for ctx in [Board, Concern, Actions, Debriefs, Today, Custody, Person, People, Registers, Retention] {
            add(ctx, K::Up, Up, false);
            add(ctx, K::Char('k'), Up, false);
            add(ctx, K::Down, Down, true);
            add(ctx, K::Char('j'), Down, false);
            add(ctx, K::PageUp, PageUp, false);
            add(ctx, K::PageDown, PageDown, false);
            add(ctx, K::Home, Top, false);
            add(ctx, K::Char('g'), Top, false);
            add(ctx, K::End, Bottom, false);
            add(ctx, K::Char('G'), Bottom, false);
            add(ctx, K::Char('?'), Help, true);
        }
        for ctx in [Board, Actions, Debriefs, Dashboard] {
            add(ctx, K::Char('1'), GoBoard, false);
            add(ctx, K::Char('2'), GoActions, false);
            add(ctx, K::Char('3'), GoDebriefs, false);
            add(ctx, K::Char('4'), GoDashboard, false);
            add(ctx, K::Char('r'), Refresh, false);
            add(ctx, K::Char('q'), Quit, true);
        }
        add(Board, K::Enter, Open, true);
        add(Board, K::Char('n'), NewConcern, true);
        add(Board, K::Char('t'), Triage, true);
        add(Board, K::Char('a'), FollowUp, true);
        add(Board, K::Char('s'), Status, false);
        add(Board, K::Char('/'), Search, true);
        add(Board, K::Char('f'), Filter, false);
        add(Board, K::Char('m'), Mine, false);
        add(Board, K::Char('d'), Due, false);
        add(Board, K::Char('u'), Unassigned, false);
        add(Board, K::Char('x'), ClearFilters, false);
        add(Board, K::Char('b'), NewDebrief, false);
        add(Board, K::Char('T'), GoToday, false);
        add(Today, K::Enter, Open, true);
        add(Today, K::Esc, Back, true);
        add(Today, K::Char('q'), Quit, false);
        add(Today, K::Char('r'), Refresh, false);
        add(Today, K::Char('1'), GoBoard, false);
        add(Board, K::Char('D'), GoCustody, false);
        add(Custody, K::Char('e'), CustodyEvent, true);
        add(Custody, K::Char('/'), Search, true);
        add(Custody, K::Enter, Open, true);
        add(Custody, K::Esc, Back, true);
        add(Custody, K::Char('q'), Quit, false);
        add(Custody, K::Char('r'), Refresh, false);
        add(Custody, K::Char('1'), GoBoard, false);
        add(Concern, K::Char('D'), Confiscate, false);
        add(Concern, K::Char('S'), RecordSearch, false);
        add(Concern, K::Char('X'), Restrict, false);
        add(Concern, K::Char('f'), Attach, false);
        add(Board, K::Char('R'), GoRegisters, false);
        add(Dashboard, K::Char('R'), GoRegisters, false);
        add(Registers, K::Char('n'), NewRegisterEntry, true);
        add(Registers, K::Tab, NextField, true);
        add(Registers, K::BackTab, PrevField, false);
        add(Registers, K::Esc, Back, true);
        add(Registers, K::Char('q'), Quit, false);
        add(Registers, K::Char('r'), Refresh, false);
        add(Registers, K::Char('1'), GoBoard, false);
        // S-d: the closed concerns past retention, from the board and Today.
        add(Board, K::Char('X'), GoRetention, false);
        add(Today, K::Char('X'), GoRetention, false);
        add(Retention, K::Char('d'), Dispose, true);
        add(Retention, K::Esc, Back, true);
        add(Retention, K::Char('q'), Quit, false);
        add(Retention, K::Char('r'), Refresh, false);
        add(Retention, K::Char('1'), GoBoard, false);
        add(Actions, K::Char('n'), NewAction, true);
        add(Actions, K::Char('u'), UpdateAction, true);
        add(Actions, K::Char('f'), Filter, true);
        add(Actions, K::Char('x'), ClearFilters, false);
        add(Debriefs, K::Char('n'), NewDebrief, true);
        add(Dashboard, K::Char('p'), RecordReview, true);
        add(Dashboard, K::Char('l'), LogTrigger, true);
        add(Dashboard, K::Char('M'), Members, false);
        add(Concern, K::Char('t'), Triage, true);
        add(Concern, K::Char('a'), FollowUp, true);
        add(Concern, K::Char('s'), Status, true);
        add(Concern, K::Char('c'), Correct, false);
        add(Concern, K::Char('e'), Export, false);
        add(Concern, K::Char('b'), NewDebrief, false);
        add(Concern, K::Char('R'), Referral, false);
        add(Concern, K::Esc, Back, true);
        add(Concern, K::Char('q'), Back, false);
        // Issue 12 (P1-a): a concern's person, and from them their family
        // and other concerns, one key each.
        add(Board, K::Char('p'), OpenPerson, false);
        add(Concern, K::Char('p'), OpenPerson, false);
        add(Person, K::Enter, Open, true);
        add(Person, K::Tab, NextField, true);
        add(Person, K::BackTab, PrevField, false);
        add(Person, K::Esc, Back, true);
        add(Person, K::Char('E'), ErasePerson, false);
        add(Person, K::Char('q'), Back, false);
        add(Board, K::Char('P'), GoPeople, false);
        add(Dashboard, K::Char('P'), GoPeople, false);
        add(People, K::Enter, Open, true);
        add(People, K::Char('/'), Search, true);
        add(People, K::Char('u'), UnlinkedSubjects, true);
        add(People, K::Char('a'), AdoptNew, true);
        add(People, K::Char('l'), LinkSuggested, true);
        add(People, K::Tab, NextField, false);
        add(People, K::BackTab, PrevField, false);
        add(People, K::Char('M'), MergePeople, false);
        add(People, K::Esc, Back, true);
        add(People, K::Char('q'), Back, false);
        add(Form, K::Tab, NextField, true);
        add(Form, K::BackTab, PrevField, false);
        add(Form, K::Esc, Cancel, true);
        add(Form, K::F(1), Help, true);
        add(Form, K::F(3), NewPerson, false);
        let ctrl_s = Key { code: K::Char('s'), modifiers: KeyModifiers::CONTROL };
        b.push(Binding { context: Form, key: ctrl_s, action: Save, footer: true });
        b.push(Binding { context: Form, key: Key::plain(K::F(2)), action: Save, footer: false });
        KeyMap { bindings: b }
    }
}

impl KeyMap {
    /// Defaults patched by a user's file: each action named replaces all of
    /// that action's keys in that context.
    pub fn with_config(config: &KeyConfig) -> Result<Self, String> {
        let mut map = KeyMap::default();
        for (ctx, table) in [
            (Context::Board, &config.board),
            (Context::Concern, &config.concern),
            (Context::Form, &config.form),
            (Context::Actions, &config.actions),
            (Context::Debriefs, &config.debriefs),
            (Context::Dashboard, &config.dashboard),
            (Context::Today, &config.today),
            (Context::Person, &config.person),
            (Context::People, &config.people),
            (Context::Custody, &config.custody),
            (Context::Registers, &config.registers),
            (Context::Retention, &config.retention),
        ] {
            for (action, keys) in table {
                let footer = map.bindings.iter().any(|b| b.context == ctx && b.action == *action && b.footer);
                map.bindings.retain(|b| !(b.context == ctx && b.action == *action));
                for (i, k) in keys.iter().enumerate() {
                    let key = Key::parse(k).ok_or_else(|| format!("{k:?} is not a known key"))?;
                    if let Some(other) = map.bindings.iter().find(|b| b.context == ctx && b.key == key) {
                        return Err(format!("key {k:?} is already bound to {:?} in {}", other.action, ctx.title()));
                    }
                    map.bindings.push(Binding { context: ctx, key, action: *action, footer: footer && i == 0 });
                }
            }
        }
        Ok(map)
    }

    /// Loads `keys.toml` from the config directory if there is one. A
    /// file that cannot be used never stops casebook opening, in an
    /// emergency least of all: the default keys are used and the second
    /// value is a one-line warning naming the file and the problem
    /// (issue 8 item 17).
    pub fn load_user() -> (Self, Option<String>) {
        match crate::paths::keys() {
            None => (KeyMap::default(), None),
            Some(path) => Self::load_or_default(&path),
        }
    }

    /// The key map in `path`, or the defaults and why the file was not used.
    pub fn load_or_default(path: &std::path::Path) -> (Self, Option<String>) {
        let text = match std::fs::read(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (KeyMap::default(), None),
            Err(e) => Err(e.to_string()),
            Ok(bytes) => String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string()),
        };
        let loaded = text.and_then(|text| {
            let config: KeyConfig = toml::from_str(&text).map_err(|e| {
                // The line, and the parser's message without its list of
                // every name it expected: the footer has one line.
                let line = e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
                let message = e.message();
                let message = message.split(", expected").next().unwrap_or(message);
                format!("line {line}: {message}")
            })?;
            Self::with_config(&config)
        });
        match loaded {
            Ok(map) => (map, None),
            Err(problem) => {
                let problem = problem.split_whitespace().collect::<Vec<_>>().join(" ");
                let name = path.file_name().map_or("the key map".into(), |n| n.to_string_lossy().into_owned());
                (KeyMap::default(), Some(format!("{name} not used ({problem}); default keys in use")))
            }
        }
    }

    /// The first key bound to an action, as the screen should name it.
    pub fn key_for(&self, context: Context, action: Action) -> String {
        self.bindings.iter().find(|b| b.context == context && b.action == action).map_or("?".into(), |b| b.key.label())
    }

    pub fn action(&self, context: Context, event: &KeyEvent) -> Option<Action> {
        self.bindings.iter().find(|b| b.context == context && b.key.matches(event)).map(|b| b.action)
    }

    /// Every action in a context with all its keys, in binding order: the
    /// help overlay. Each row: keys, what they do, the policy clause if any.
    pub fn help(&self, context: Context) -> Vec<(String, &'static str, Option<&'static str>)> {
        let mut rows: Vec<(Action, Vec<String>)> = Vec::new();
        for b in self.bindings.iter().filter(|b| b.context == context) {
            match rows.iter_mut().find(|(a, _)| *a == b.action) {
                Some((_, keys)) => keys.push(b.key.label()),
                None => rows.push((b.action, vec![b.key.label()])),
            }
        }
        // Paired actions share a row, so the whole list fits on 80×24.
        let up_down =
            if matches!(context, Context::Concern | Context::Person) { "scroll up / down" } else { "previous / next" };
        let groups: [(&[Action], &str); 5] = [
            (&[Action::Up, Action::Down], up_down),
            (&[Action::OpenPerson, Action::GoPeople], "the person it is about / everyone on record (P1-a)"),
            (&[Action::PageUp, Action::PageDown], "page up / down"),
            (&[Action::Top, Action::Bottom], "first / last"),
            (
                &[Action::GoBoard, Action::GoActions, Action::GoDebriefs, Action::GoDashboard],
                "screens: board, actions, debriefs, dashboard",
            ),
        ];
        let mut out = Vec::new();
        let mut done: Vec<Action> = Vec::new();
        for (action, keys) in &rows {
            if done.contains(action) {
                continue;
            }
            let group = groups
                .iter()
                .find(|(members, _)| members.contains(action))
                .filter(|(members, _)| members.iter().all(|m| rows.iter().any(|(a, _)| a == m)));
            match group {
                Some((members, what)) => {
                    let keys: Vec<String> = members
                        .iter()
                        .map(|m| rows.iter().find(|(a, _)| a == m).map(|(_, k)| k.join(" ")).unwrap_or_default())
                        .collect();
                    out.push((keys.join(" / "), *what, None));
                    done.extend_from_slice(members);
                }
                None => out.push((keys.join(" "), action.describe(context), action.policy())),
            }
        }
        out
    }

    /// The few keys that matter here: the footer line.
    pub fn footer(&self, context: Context) -> Vec<(String, &'static str)> {
        self.footer_actions(context).into_iter().map(|(key, action)| (key, action.footer_word())).collect()
    }

    /// The footer's keys with their actions, for screens that leave out
    /// what the member's role cannot do.
    pub fn footer_actions(&self, context: Context) -> Vec<(String, Action)> {
        self.bindings.iter().filter(|b| b.context == context && b.footer).map(|b| (b.key.label(), b.action)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn defaults_are_conventional() {
        let m = KeyMap::default();
        assert_eq!(m.action(Context::Board, &press(KeyCode::Char('j'))), Some(Action::Down));
        assert_eq!(m.action(Context::Board, &press(KeyCode::Enter)), Some(Action::Open));
        assert_eq!(m.action(Context::Concern, &press(KeyCode::Esc)), Some(Action::Back));
        assert_eq!(
            m.action(Context::Board, &KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
    }

    #[test]
    fn remap_changes_keys_help_and_footer_together() {
        let config: KeyConfig = toml::from_str("[board]\nquit = [\"F10\"]\n").unwrap();
        let m = KeyMap::with_config(&config).unwrap();
        assert_eq!(m.action(Context::Board, &press(KeyCode::F(10))), Some(Action::Quit));
        assert_eq!(m.action(Context::Board, &press(KeyCode::Char('q'))), None);
        assert!(m.help(Context::Board).contains(&("F10".to_string(), "quit", None)));
        assert!(m.help(Context::Board).contains(&("↑ k / ↓ j".to_string(), "previous / next", None)));
        assert!(m.footer(Context::Board).contains(&("F10".to_string(), "quit")));
        let clash: KeyConfig = toml::from_str("[board]\nquit = [\"x\"]\n").unwrap();
        assert!(KeyMap::with_config(&clash).unwrap_err().contains("already bound to ClearFilters"));
    }

    #[test]
    fn bad_remap_is_a_clear_error() {
        let config: KeyConfig = toml::from_str("[board]\nquit = [\"Hyper-q\"]\n").unwrap();
        assert!(KeyMap::with_config(&config).unwrap_err().contains("Hyper-q"));
        assert!(toml::from_str::<KeyConfig>("[board]\nfly = [\"f\"]\n").is_err());
    }

    #[test]
    fn a_bad_key_file_falls_back_to_the_defaults_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        assert!(KeyMap::load_or_default(&path).1.is_none(), "no file: defaults, no warning");
        for (text, problem) in [
            ("[board]\nfly = [\"f\"]\n", "line 2: unknown variant `fly`)"),
            ("[board\nquit = 1", "keys.toml not used (line 1"),
            ("[board]\nquit = [\"Hyper-q\"]\n", "Hyper-q"),
            ("[board]\nquit = [\"x\"]\n", "already bound"),
        ] {
            std::fs::write(&path, text).unwrap();
            let (map, warning) = KeyMap::load_or_default(&path);
            let warning = warning.expect("a warning");
            assert!(warning.contains(problem) && warning.contains("default keys in use"), "{warning}");
            assert!(!warning.contains('\n'), "one line: {warning}");
            assert_eq!(map.action(Context::Board, &press(KeyCode::Char('q'))), Some(Action::Quit));
        }
        std::fs::write(&path, "[board]\nquit = [\"F10\"]\n").unwrap();
        let (map, warning) = KeyMap::load_or_default(&path);
        assert!(warning.is_none());
        assert_eq!(map.action(Context::Board, &press(KeyCode::F(10))), Some(Action::Quit));
    }

    #[test]
    fn labels_parse_back() {
        for k in ["j", "Enter", "Esc", "Ctrl-r", "PgDn", "F1", "Space", "Tab"] {
            assert_eq!(
                Key::parse(k).unwrap().label(),
                if k == "Ctrl-r" { "Ctrl-r".to_string() } else { Key::parse(k).unwrap().label() }
            );
        }
    }
}
