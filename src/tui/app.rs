//! The app's state and how keys change it. Drawing lives in `ui`, as a
//! function of this state, so tests can drive the app on a TestBackend.

use chrono::NaiveDateTime;
use crossterm::event::{KeyEvent, KeyEventKind};

use super::keymap::{Action, Context, KeyMap};
use super::theme::Theme;
use crate::domain::CaseFile;
use crate::store::{Board, Session};

pub struct ConcernView {
    pub id: u32,
    pub case: CaseFile,
    pub scroll: u16,
}

pub enum Screen {
    Board,
    Concern(Box<ConcernView>),
}

pub struct App {
    pub session: Session,
    pub demo: bool,
    pub keys: KeyMap,
    pub theme: Theme,
    /// A fixed clock for tests and screenshots; `None` is the wall clock.
    pub clock: Option<NaiveDateTime>,
    pub school: String,
    pub board: Board,
    pub selected: usize,
    pub screen: Screen,
    pub help: bool,
    /// A one-line message for the footer, and whether it is an error.
    pub message: Option<(String, bool)>,
    pub quit: bool,
    /// Rows visible in the board's table at the last draw (for paging).
    pub page: usize,
    /// The first board row on screen: only visible rows are built each frame.
    pub board_offset: usize,
}

impl App {
    pub fn new(mut session: Session, demo: bool, keys: KeyMap, theme: Theme) -> Self {
        let school = session.school().unwrap_or_else(|e| format!("(school name unreadable: {e})"));
        let (board, message) = match session.board() {
            Ok(b) => {
                let msg = (!b.problems.is_empty())
                    .then(|| (format!("{} record(s) could not be read: {}", b.problems.len(), b.problems[0]), true));
                (b, msg)
            }
            Err(e) => (Board::default(), Some((e.to_string(), true))),
        };
        App {
            session,
            demo,
            keys,
            theme,
            clock: None,
            school,
            board,
            selected: 0,
            screen: Screen::Board,
            help: false,
            message,
            quit: false,
            page: 10,
            board_offset: 0,
        }
    }

    pub fn now(&self) -> NaiveDateTime {
        self.clock.unwrap_or_else(|| chrono::Local::now().naive_local())
    }

    pub fn context(&self) -> Context {
        match self.screen {
            Screen::Board => Context::Board,
            Screen::Concern(_) => Context::Concern,
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) {
        // Only presses: some terminals also report releases and repeats.
        if key.kind != KeyEventKind::Press {
            return;
        }
        if self.help {
            self.help = false;
            return;
        }
        let ctx = self.context();
        let Some(action) = self.keys.action(ctx, &key) else {
            return;
        };
        self.message = None;
        match action {
            Action::Help => self.help = true,
            Action::Quit => self.quit = true,
            Action::Refresh => self.reload(),
            Action::Open => self.open_selected(),
            Action::Back => self.screen = Screen::Board,
            Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
                self.motion(action)
            }
        }
    }

    fn motion(&mut self, action: Action) {
        let page = self.page.max(1);
        match &mut self.screen {
            Screen::Board => {
                let last = self.board.rows.len().saturating_sub(1);
                self.selected = match action {
                    Action::Up => self.selected.saturating_sub(1),
                    Action::Down => (self.selected + 1).min(last),
                    Action::PageUp => self.selected.saturating_sub(page),
                    Action::PageDown => (self.selected + page).min(last),
                    Action::Top => 0,
                    _ => last,
                };
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

    fn open_selected(&mut self) {
        let Some(row) = self.board.rows.get(self.selected) else {
            return;
        };
        match self.session.case(row.id) {
            Ok(case) => self.screen = Screen::Concern(Box::new(ConcernView { id: row.id, case, scroll: 0 })),
            Err(e) => self.message = Some((e.to_string(), true)),
        }
    }

    pub fn reload(&mut self) {
        match self.session.board() {
            Ok(b) => {
                self.board = b;
                self.selected = self.selected.min(self.board.rows.len().saturating_sub(1));
                self.message = Some((format!("Reloaded {} concerns.", self.board.rows.len()), false));
            }
            Err(e) => self.message = Some((e.to_string(), true)),
        }
    }
}
