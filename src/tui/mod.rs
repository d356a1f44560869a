//! The full-screen app. `run` owns the terminal; everything else is state
//! and drawing that tests drive on ratatui's TestBackend.

pub mod app;
pub mod attachments;
pub mod custody;
pub mod engine;
pub mod form;
pub mod forms;
pub mod hangup;
pub mod keymap;
pub mod oversight;
pub mod referrals;
pub mod registers;
pub mod restrict;
pub mod retention;
pub mod searches;
pub mod theme;
pub mod today;
pub mod ui;
pub mod worker;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event};
use crossterm::execute;

use crate::store::Session;
pub use app::{App, Options};

/// Opens the TUI on an unlocked session. `ratatui::init` installs a panic
/// hook that restores the terminal, and `restore` runs on every way out,
/// a SIGTERM, SIGHUP or SIGINT included.
pub fn run(session: Session, options: Options) -> Result<()> {
    // A bad keys.toml never stops casebook opening (issue 8 item 17).
    let (keys, key_warning) = keymap::KeyMap::load_user();
    let stop = Signals::register()?;
    // A dropped SSH connection ends the app even when crossterm cannot say so.
    let _hangup = hangup::Watchdog::start();
    let mut app = App::new(session, options, keys, theme::Theme::from_env());
    app.watch_store();
    if let Some(warning) = key_warning {
        // Beside, not instead of, anything the board had to say.
        let text = match app.message.take() {
            Some((other, _)) => format!("{warning} · {other}"),
            None => warning,
        };
        app.message = Some((text, true));
    }
    let mut terminal = ratatui::init();
    // Bracketed paste: a pasted paragraph arrives as one event, not as
    // keys that could trigger actions.
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    let result = event_loop(&mut terminal, &mut app, &stop);
    // Nothing of a case stays on the screen, whichever way we leave.
    let _ = terminal.clear();
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    result?;
    match stop.received() {
        Some(name) => Err(anyhow!(
            "stopped by {name}; the terminal was restored{}",
            if app.form.as_ref().is_some_and(|f| f.form.dirty) { "; the open form was not saved" } else { "" }
        )),
        None => Ok(()),
    }
}

/// SIGTERM, SIGHUP (the SSH connection dropped) and SIGINT end the app
/// through the same door as `q`, so the terminal is restored and the store
/// closed cleanly instead of leaving a raw terminal with children's names
/// on it (issue 8 item 13; PRODUCT.md principle 6). A second signal while
/// the first is handled ends the process at once.
struct Signals {
    flags: Vec<(&'static str, Arc<AtomicBool>)>,
    ids: Vec<signal_hook::SigId>,
}

impl Signals {
    fn register() -> Result<Self> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let mut signals = Signals { flags: Vec::new(), ids: Vec::new() };
        for (signal, name) in [(SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP"), (SIGINT, "SIGINT")] {
            let flag = Arc::new(AtomicBool::new(false));
            // Order matters: the conditional default sees the flag still
            // false on the first signal, and set on the second.
            signals.ids.push(signal_hook::flag::register_conditional_default(signal, Arc::clone(&flag))?);
            signals.ids.push(signal_hook::flag::register(signal, Arc::clone(&flag))?);
            signals.flags.push((name, flag));
        }
        Ok(signals)
    }

    fn received(&self) -> Option<&'static str> {
        self.flags.iter().find(|(_, f)| f.load(Ordering::Relaxed)).map(|(name, _)| *name)
    }
}

/// Out of the TUI (the demo then deletes its store), signals do what
/// they did before.
impl Drop for Signals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

fn event_loop(terminal: &mut ratatui::DefaultTerminal, app: &mut App, stop: &Signals) -> Result<()> {
    while !app.quit && stop.received().is_none() {
        app.poll_jobs();
        app.tick(Instant::now());
        terminal.draw(|f| ui::draw(f, app))?;
        // Poll briefly while background work reports progress; a signal is
        // noticed within the wait.
        let wait = if app.busy() { Duration::from_millis(50) } else { Duration::from_millis(250) };
        let ready = match event::poll(wait) {
            Ok(ready) => ready,
            // Interrupted by the signal we are about to act on.
            Err(_) if stop.received().is_some() => break,
            Err(e) => return Err(e.into()),
        };
        if ready {
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
