//! Who looked at which concern, and when (issue 10): schools and inspectors
//! ask who has seen a child's file.
//!
//! Each access is one clear entry in the `audit` tree: a sequence number,
//! the time, the member's number, what they did (opened, changed or
//! recorded a concern; read the board), and the SHA-256 of the entry
//! before it, so that an entry edited or taken out of the middle breaks the
//! chain and `casebook audit` says where. It is written where every read
//! passes: by `casebook serve` for everything it serves (a member's own
//! casebook cannot leave it out), and by the member's casebook on a store
//! opened directly (on a laptop, the member owns the files anyway).
//!
//! Entries hold numbers only (member and concern numbers, times): no name,
//! no text. The same access by the same member is noted once per quarter of
//! an hour, so a board that reloads on every change does not flood it.
//!
//! What it does not stop: someone who can write the store's files can
//! rewrite the whole chain after a point consistently; the DSL's client
//! pins the last entry it has seen, so history before that is checked.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{StoreError, codec};
use crate::domain::MemberId;

pub use super::trees::AUDIT;

/// How long the same access by the same member is noted once.
const QUIET: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Access {
    /// Read a concern's record (decrypted it, or was served it).
    OpenedConcern(u32),
    /// Wrote a concern's record (a new one, a triage, an entry…).
    ChangedConcern(u32),
    /// Read the board (every concern's summary).
    ReadBoard,
    /// Opened the store with their key.
    Unlocked,
    /// Exported a concern's file (S-b).
    Exported(u32),
    /// Added, removed or changed the role of a member (by number).
    Membership(MemberId),
    /// Took a backup of the whole store (every record, as ciphertext).
    TookBackup,
    /// Opened or changed a person's record (issue 12), by number.
    Person(u32),
}

impl Access {
    /// The concern this access was to, if it was to one.
    pub fn concern(self) -> Option<u32> {
        match self {
            Access::OpenedConcern(c) | Access::ChangedConcern(c) | Access::Exported(c) => Some(c),
            Access::ReadBoard | Access::Unlocked | Access::Membership(_) | Access::TookBackup | Access::Person(_) => {
                None
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub format: u16,
    pub seq: u64,
    pub at: NaiveDateTime,
    pub member: MemberId,
    pub access: Access,
    /// SHA-256 of the previous entry's bytes; zeros for the first.
    pub prev: [u8; 32],
}

impl Entry {
    pub const FORMAT: u16 = 1;
}

/// The hash the next entry names as its `prev`.
pub fn hash(bytes: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"casebook audit v1\0");
    h.update(bytes);
    h.finalize().into()
}

/// Appends entries to one store's audit tree: the chain's end, and when
/// each access was last noted.
#[derive(Default)]
pub struct Log {
    state: Mutex<LogState>,
}

#[derive(Default)]
struct LogState {
    /// The last entry's sequence number and hash, once read.
    end: Option<(u64, [u8; 32])>,
    recent: HashMap<(MemberId, Access), Instant>,
}

impl Log {
    /// Notes `access` by `member` in `tree` (sled's audit tree), unless the
    /// same was noted within the quiet period. Not fsynced on its own: sled
    /// flushes within half a second, and the next write's fsync takes it.
    pub fn note(&self, tree: &sled::Tree, member: MemberId, access: Access) -> Result<(), StoreError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if state.recent.get(&(member, access)).is_some_and(|t| now.duration_since(*t) < QUIET) {
            return Ok(());
        }
        let (seq, prev) = match state.end {
            Some(end) => end,
            None => match tree.last()? {
                Some((k, v)) => (<[u8; 8]>::try_from(k.as_ref()).map(u64::from_be_bytes).unwrap_or(0), hash(&v)),
                None => (0, [0; 32]),
            },
        };
        let entry =
            Entry { format: Entry::FORMAT, seq: seq + 1, at: chrono::Local::now().naive_local(), member, access, prev };
        let bytes = super::codec_clear(&entry);
        tree.insert(entry.seq.to_be_bytes(), bytes.as_slice())?;
        state.end = Some((entry.seq, hash(&bytes)));
        if state.recent.len() > 10_000 {
            state.recent.retain(|_, t| now.duration_since(*t) < QUIET);
        }
        state.recent.insert((member, access), now);
        Ok(())
    }
}

/// The log read back and its chain checked.
#[derive(Debug, Default)]
pub struct Trail {
    pub entries: Vec<Entry>,
    /// Where the chain breaks: an entry changed, removed or out of order.
    pub breaks: Vec<String>,
    /// The last entry's sequence number and hash (for the DSL's pin).
    pub end: Option<(u64, [u8; 32])>,
}

/// Reads every entry and checks each names the one before it.
pub fn read(raw: Vec<(Vec<u8>, Vec<u8>)>) -> Trail {
    let mut trail = Trail::default();
    let mut before: Option<(u64, [u8; 32])> = None;
    for (k, v) in raw {
        let Ok(seq) = <[u8; 8]>::try_from(k.as_slice()).map(u64::from_be_bytes) else {
            trail.breaks.push("an entry under a malformed key".into());
            continue;
        };
        let entry: Entry = match codec::from_bytes(&v) {
            Ok(e) => e,
            Err(e) => {
                trail.breaks.push(format!("entry {seq} is damaged ({e})"));
                before = Some((seq, hash(&v)));
                continue;
            }
        };
        match before {
            Some((n, h)) if entry.seq != n + 1 || entry.prev != h || entry.seq != seq => {
                trail.breaks.push(format!("entries {n} to {seq}: the chain breaks (an entry changed or removed)"))
            }
            None if entry.seq != 1 => trail.breaks.push(format!("the log starts at entry {seq}, not 1")),
            None if entry.prev != [0; 32] => trail.breaks.push("entry 1 names an entry before it".into()),
            _ => {}
        }
        before = Some((seq, hash(&v)));
        trail.entries.push(entry);
    }
    trail.end = before;
    trail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_shows_an_entry_changed_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let tree = db.open_tree(AUDIT).unwrap();
        let log = Log::default();
        for id in 1..=5 {
            log.note(&tree, 2, Access::OpenedConcern(id)).unwrap();
        }
        log.note(&tree, 2, Access::OpenedConcern(1)).unwrap(); // quiet: not noted again
        let raw = || tree.iter().map(|r| r.unwrap()).map(|(k, v)| (k.to_vec(), v.to_vec())).collect::<Vec<_>>();
        let trail = read(raw());
        assert_eq!(trail.entries.len(), 5);
        assert!(trail.breaks.is_empty(), "{:?}", trail.breaks);

        // One entry's concern changed on disk.
        let mut third: Entry = codec::from_bytes(&tree.get(3u64.to_be_bytes()).unwrap().unwrap()).unwrap();
        third.access = Access::OpenedConcern(99);
        tree.insert(3u64.to_be_bytes(), super::super::codec_clear(&third)).unwrap();
        assert_eq!(read(raw()).breaks, ["entries 3 to 4: the chain breaks (an entry changed or removed)"]);

        // One entry taken out.
        tree.remove(3u64.to_be_bytes()).unwrap();
        assert_eq!(read(raw()).breaks, ["entries 2 to 4: the chain breaks (an entry changed or removed)"]);
    }
}
