//! Slow work off the input loop: each job runs on its own thread and
//! reports over a channel; the app polls it every turn of the loop.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver};

use age::secrecy::SecretString;

use crate::store::{Backend, CaseReader, identity};

pub enum JobEvent {
    Progress(usize, usize),
    SearchIndex { text: HashMap<u32, String>, problems: Vec<String> },
}

/// Decrypts every case on all cores and hands back its text, folded
/// (lower case, diacritics removed) for accent-blind search.
pub fn build_search_index(reader: CaseReader) -> Receiver<JobEvent> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let ids = match reader.ids() {
            Ok(ids) => ids,
            Err(e) => {
                let _ = tx.send(JobEvent::SearchIndex { text: HashMap::new(), problems: vec![e.to_string()] });
                return;
            }
        };
        let progress_tx = std::sync::Mutex::new(tx.clone());
        let loaded = reader.load(&ids, &|done, total| {
            if let Ok(tx) = progress_tx.lock() {
                let _ = tx.send(JobEvent::Progress(done, total));
            }
        });
        let mut text = HashMap::with_capacity(ids.len());
        let mut problems = Vec::new();
        for (id, result) in ids.into_iter().zip(loaded) {
            match result {
                Ok((case, _)) => {
                    // Issue 8: folded, so "odegard" finds "Ødegård".
                    text.insert(id, crate::domain::fold::fold(&case.searchable_text()));
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        let _ = tx.send(JobEvent::SearchIndex { text, problems });
    });
    rx
}

/// Checks the passphrase typed at the idle lock against the member's
/// identity file (scrypt: about a second). A key without a passphrase, or
/// the demo's, unlocks with Enter: the lock still cleared the screen.
pub fn check_unlock(
    identity_file: Option<PathBuf>,
    entered: String,
    public_key: String,
) -> Receiver<Result<(), String>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result = match identity_file {
            None => Ok(()),
            Some(path) => {
                let mut given = Some(SecretString::from(entered));
                match identity::load(&path, &mut || given.take()) {
                    Ok(id) if id.to_public().to_string() == public_key => Ok(()),
                    Ok(_) => Err("that key is not the one this session was opened with".to_string()),
                    Err(crate::store::StoreError::WrongPassphrase(_)) => Err("wrong passphrase; try again".to_string()),
                    Err(e) => Err(e.to_string()),
                }
            }
        };
        let _ = tx.send(result);
    });
    rx
}

/// What the store watcher reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watch {
    /// The store's change number (sent again now and then while nothing
    /// moves, so the watcher learns when the app has gone).
    Moved(u64),
    /// The connection to `casebook serve` is gone; the watcher keeps trying.
    Lost(String),
    /// Connected again: what changed meanwhile is unknown, so read it all.
    Reconnected(u64),
}

/// The longest wait between two tries to reach a server that went away.
const RECONNECT_MAX: std::time::Duration = std::time::Duration::from_secs(4);

/// Watches the store for anyone's writes (PRODUCT.md principle 8): sends the
/// new change number whenever it moves, so an open board, concern or
/// dashboard shows a colleague's work within a second. When `casebook
/// serve` goes away (restarted, upgraded) it says so and tries again, less
/// often the longer it is gone, and says when it is back (issue 9). Ends
/// when the app drops the receiver.
pub fn watch_changes(backend: std::sync::Arc<dyn Backend>) -> Receiver<Watch> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let first_wait = std::time::Duration::from_millis(250);
        let mut wait = first_wait;
        let mut seen: Option<u64> = None;
        let mut lost = false;
        loop {
            let asked = match seen {
                Some(since) if !lost => backend.wait_change(since, std::time::Duration::from_millis(500)),
                _ => backend.changes(),
            };
            let report = match asked {
                Ok(now) if lost => {
                    lost = false;
                    wait = first_wait;
                    seen = Some(now);
                    Watch::Reconnected(now)
                }
                Ok(now) => {
                    seen = Some(now);
                    Watch::Moved(now)
                }
                Err(e) => {
                    lost = true;
                    Watch::Lost(crate::text::one_line(&e.to_string()))
                }
            };
            if tx.send(report).is_err() {
                return;
            }
            if lost {
                std::thread::sleep(wait);
                wait = (wait * 2).min(RECONNECT_MAX);
            }
        }
    });
    rx
}
