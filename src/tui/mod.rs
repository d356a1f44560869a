//! The full-screen app. `run` owns the terminal; everything else is state
//! and drawing that tests drive on ratatui's TestBackend.

pub mod app;
pub mod form;
pub mod forms;
pub mod keymap;
pub mod oversight;
pub mod theme;
pub mod ui;
pub mod worker;

use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event};
use crossterm::execute;

use crate::store::Session;
pub use app::{App, Options};

/// Opens the TUI on an unlocked session. `ratatui::init` installs a panic
/// hook that restores the terminal, and `restore` runs on every way out.
pub fn run(session: Session, options: Options) -> Result<()> {
    let keys = keymap::KeyMap::load_user().map_err(|e| anyhow!("the key map file is not valid: {e}"))?;
    let mut app = App::new(session, options, keys, theme::Theme::from_env());
    app.watch_store();
    let mut terminal = ratatui::init();
    // Bracketed paste: a pasted paragraph arrives as one event, not as
    // keys that could trigger actions.
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    let result = event_loop(&mut terminal, &mut app);
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    result
}

fn event_loop(terminal: &mut ratatui::DefaultTerminal, app: &mut App) -> Result<()> {
    while !app.quit {
        app.poll_jobs();
        app.tick(Instant::now());
        terminal.draw(|f| ui::draw(f, app))?;
        // Poll briefly while background work reports progress; otherwise
        // often enough that a colleague's write shows within a second.
        let wait = if app.busy() { Duration::from_millis(50) } else { Duration::from_millis(250) };
        if event::poll(wait)? {
            match event::read()? {
                Event::Key(key) => app.handle_key(key),
                Event::Paste(text) => app.handle_paste(&text),
                // The next draw re-lays out for the new size.
                Event::Resize(_, _) => {}
                _ => {}
            }
        }
    }
    Ok(())
}
