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

/// Watches the store for anyone's writes (PRODUCT.md principle 8): sends the
/// new change number whenever it moves, so an open board, concern or
/// dashboard shows a colleague's work within a second. Ends when the app
/// drops the receiver.
pub fn watch_changes(backend: std::sync::Arc<dyn Backend>) -> Receiver<u64> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok(mut seen) = backend.changes() else { return };
        loop {
            match backend.wait_change(seen, std::time::Duration::from_millis(500)) {
                Ok(now) if now != seen => {
                    seen = now;
                    if tx.send(now).is_err() {
                        return;
                    }
                }
                // Nothing new: check the app still listens, then wait again.
                Ok(_) => {
                    if tx.send(seen).is_err() {
                        return;
                    }
                }
                // The connection is gone; the app's next request says so.
                Err(_) => return,
            }
        }
    });
    rx
}
