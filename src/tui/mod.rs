//! The full-screen app. `run` owns the terminal; everything else is state
//! and drawing that tests drive on ratatui's TestBackend.

pub mod app;
pub mod keymap;
pub mod theme;
pub mod ui;

use std::time::Duration;

use anyhow::{Result, anyhow};
use crossterm::event::{self, Event};

use crate::store::Session;
pub use app::App;

/// Opens the TUI on an unlocked session. `ratatui::init` installs a panic
/// hook that restores the terminal, and `restore` runs on every way out.
pub fn run(session: Session, demo: bool) -> Result<()> {
    let keys = keymap::KeyMap::load_user().map_err(|e| anyhow!("the key map file is not valid: {e}"))?;
    let mut app = App::new(session, demo, keys, theme::Theme::from_env());
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, &mut app);
    ratatui::restore();
    result
}

fn event_loop(terminal: &mut ratatui::DefaultTerminal, app: &mut App) -> Result<()> {
    while !app.quit {
        terminal.draw(|f| ui::draw(f, app))?;
        if event::poll(Duration::from_millis(250))? {
            match event::read()? {
                Event::Key(key) => app.handle_key(key),
                Event::Resize(_, _) => {}
                _ => {}
            }
        }
    }
    Ok(())
}
