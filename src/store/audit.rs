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
//! Sealed (S-c): since format 2 each entry is stored as a short clear header
//! (a marker, its number and the hash of the entry before it) followed by an
//! ordinary age file, sealed to the DSLs and the school's recovery key, that
//! holds the whole entry. Who opened which concern, and when, is then no
//! more readable at rest than the concern itself, yet the chain is checked
//! over the stored bytes without any key: `casebook audit verify` names an
//! entry changed, removed or put out of order. Format 1 entries (clear,
//! written before) still verify and list; the chain runs across both.
//! With Debian's age alone: `tail -c +49 ENTRY | age -d -i recovery.txt`.
//!
//! What it does not stop: someone who can write the store's files can
//! rewrite the whole chain after a point consistently; the DSL's client
//! pins the last entry it has seen, so history before that is checked.
//! Who the entries are sealed to comes from the member list: see the
//! README ("Someone who can write the store's files") for what rewriting
//! it can do to entries written afterwards.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use age::x25519;

use super::{StoreError, codec, crypto};
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
    /// Tried to open the store and was refused: a key that is no member's
    /// (`member` 0) or a member's key that did not answer the server's
    /// challenge. `uid` is the OS account, where the server could tell.
    FailedUnlock { uid: Option<u32> },
    /// Opened or changed a person's record (issue 12), by number.
    Person(u32),
    // Appended (bincode numbers variants by position).
    /// S-d: disposed of a concern past retention (or early, with a reason),
    /// by number; its disposal record says why.
    Disposed(u32),
    /// S-e: erased a person's record, by number.
    Erased(u32),
}

impl Access {
    /// The concern this access was to, if it was to one.
    pub fn concern(self) -> Option<u32> {
        match self {
            Access::OpenedConcern(c) | Access::ChangedConcern(c) | Access::Exported(c) | Access::Disposed(c) => Some(c),
            Access::ReadBoard
            | Access::Unlocked
            | Access::Membership(_)
            | Access::TookBackup
            | Access::FailedUnlock { .. }
            | Access::Person(_)
            | Access::Erased(_) => None,
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
    /// Written in the clear, before entries were sealed: read, never written.
    pub const CLEAR: u16 = 1;
    /// The entry inside a sealed one (see [`SEALED_MARKER`]).
    pub const SEALED: u16 = 2;
}

/// What a sealed entry's stored bytes begin with: clear entries begin with
/// their format number (bincode's byte 1), so the two never meet.
pub const SEALED_MARKER: &[u8; 8] = b"cbaudit2";
/// The clear header of a sealed entry: marker, number (big-endian), the
/// previous entry's hash. The age file follows.
pub const SEALED_HEADER: usize = 8 + 8 + 32;

/// One stored entry as it can be read without a key.
enum Stored<'a> {
    Clear(Entry),
    Sealed { seq: u64, prev: [u8; 32], age: &'a [u8] },
}

fn parse(bytes: &[u8]) -> Result<Stored<'_>, String> {
    if let Some(rest) = bytes.strip_prefix(SEALED_MARKER) {
        if bytes.len() <= SEALED_HEADER {
            return Err("it is cut short".into());
        }
        let seq = u64::from_be_bytes(rest[..8].try_into().expect("8 bytes"));
        let prev = rest[8..40].try_into().expect("32 bytes");
        return Ok(Stored::Sealed { seq, prev, age: &bytes[SEALED_HEADER..] });
    }
    let entry: Entry = codec::from_bytes(bytes).map_err(|e| e.to_string())?;
    if entry.format != Entry::CLEAR {
        return Err(format!("format {} is not known to this casebook", entry.format));
    }
    Ok(Stored::Clear(entry))
}

/// Whether `bytes` are an audit entry (either format) stored under `key`:
/// how salvage tells them from the refusal log's lines.
pub fn is_entry(key: &[u8], bytes: &[u8]) -> bool {
    match parse(bytes) {
        Ok(Stored::Clear(e)) => e.seq.to_be_bytes() == key,
        Ok(Stored::Sealed { seq, age, .. }) => seq.to_be_bytes() == key && age.starts_with(b"age-encryption.org/"),
        Err(_) => false,
    }
}

/// The stored bytes of `entry`, sealed to `recipients`.
pub fn seal(entry: &Entry, recipients: &[x25519::Recipient]) -> Result<Vec<u8>, StoreError> {
    if recipients.is_empty() {
        return Err(StoreError::Identity("no DSL key to seal the audit entry to".into()));
    }
    let age = crypto::seal(&super::codec_clear(entry), recipients, None)
        .map_err(|e| StoreError::Identity(format!("the audit entry could not be sealed: {e}")))?;
    let mut out = Vec::with_capacity(SEALED_HEADER + age.len());
    out.extend_from_slice(SEALED_MARKER);
    out.extend_from_slice(&entry.seq.to_be_bytes());
    out.extend_from_slice(&entry.prev);
    out.extend_from_slice(&age);
    Ok(out)
}

/// The hash the next entry names as its `prev`.
pub fn hash(bytes: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"casebook audit v1\0");
    h.update(bytes);
    h.finalize().into()
}

/// Who has opened, changed or exported one concern (S-c): per member, how
/// often and when last, in the order they first appear. What the DSL's
/// concern view lists, in the CLI's `show` and in the TUI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenBy {
    pub member: MemberId,
    pub opened: usize,
    pub changed: usize,
    pub exported: usize,
    pub last: NaiveDateTime,
}

impl SeenBy {
    /// "opened 2×, changed 1×".
    pub fn did(&self) -> String {
        [("opened", self.opened), ("changed", self.changed), ("exported", self.exported)]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, n)| format!("{what} {n}×"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The entries about one concern, by member (see [`SeenBy`]).
pub fn seen_by(entries: &[Entry]) -> Vec<SeenBy> {
    let mut by: Vec<SeenBy> = Vec::new();
    for e in entries {
        let i = match by.iter().position(|s| s.member == e.member) {
            Some(i) => i,
            None => {
                by.push(SeenBy { member: e.member, opened: 0, changed: 0, exported: 0, last: e.at });
                by.len() - 1
            }
        };
        let s = &mut by[i];
        match e.access {
            Access::OpenedConcern(_) => s.opened += 1,
            Access::ChangedConcern(_) => s.changed += 1,
            _ => s.exported += 1,
        }
        s.last = s.last.max(e.at);
    }
    by
}

/// Appends entries to one store's audit tree: the chain's end, and when
/// each access was last noted.
#[derive(Default)]
pub struct Log {
    state: Mutex<LogState>,
    /// Who entries are sealed to, once told (a DSL's verified roster, or
    /// the keys `casebook serve` pinned); until then the caller's fallback.
    recipients: Mutex<Option<Vec<x25519::Recipient>>>,
}

#[derive(Default)]
struct LogState {
    /// The last entry's sequence number and hash, once read.
    end: Option<(u64, [u8; 32])>,
    recent: HashMap<(MemberId, Access), Instant>,
}

impl Log {
    /// From now on, seals entries to these keys (the DSLs' and the
    /// recovery key).
    pub fn seal_to(&self, recipients: Vec<x25519::Recipient>) {
        *self.recipients.lock().unwrap_or_else(|e| e.into_inner()) = Some(recipients);
    }

    /// Notes `access` by `member` in `tree` (sled's audit tree), unless the
    /// same was noted within the quiet period, sealed to the keys given to
    /// [`Log::seal_to`], else to `fallback()`'s. Whether it was written.
    /// Not fsynced on its own: sled flushes within half a second, and the
    /// next write's fsync takes it.
    pub fn note(
        &self,
        tree: &sled::Tree,
        member: MemberId,
        access: Access,
        fallback: impl FnOnce() -> Vec<x25519::Recipient>,
    ) -> Result<bool, StoreError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if state.recent.get(&(member, access)).is_some_and(|t| now.duration_since(*t) < QUIET) {
            return Ok(false);
        }
        let (seq, prev) = match state.end {
            Some(end) => end,
            None => match tree.last()? {
                Some((k, v)) => (<[u8; 8]>::try_from(k.as_ref()).map(u64::from_be_bytes).unwrap_or(0), hash(&v)),
                None => (0, [0; 32]),
            },
        };
        let entry =
            Entry { format: Entry::SEALED, seq: seq + 1, at: chrono::Local::now().naive_local(), member, access, prev };
        let told = self.recipients.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let bytes = seal(&entry, &told.unwrap_or_else(fallback))?;
        tree.insert(entry.seq.to_be_bytes(), bytes.as_slice())?;
        state.end = Some((entry.seq, hash(&bytes)));
        if state.recent.len() > 10_000 {
            state.recent.retain(|_, t| now.duration_since(*t) < QUIET);
        }
        state.recent.insert((member, access), now);
        Ok(true)
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
    /// Sealed entries this reader's key does not open (written before they
    /// were a DSL, or sealed to the keys the member list named then). They
    /// still count in the chain.
    pub unopened: Vec<u64>,
}

/// Reads every entry and checks each names the one before it: over the
/// stored bytes and clear headers alone, so no key is needed for the check.
/// With `identity`, the sealed entries it opens are listed too (a sealed
/// entry whose inside disagrees with its header is a break).
pub fn read(raw: Vec<(Vec<u8>, Vec<u8>)>, identity: Option<&x25519::Identity>) -> Trail {
    let mut trail = Trail::default();
    let mut before: Option<(u64, [u8; 32])> = None;
    for (k, v) in raw {
        let Ok(seq) = <[u8; 8]>::try_from(k.as_slice()).map(u64::from_be_bytes) else {
            trail.breaks.push("an entry under a malformed key".into());
            continue;
        };
        let (named, prev, entry) = match parse(&v) {
            Ok(Stored::Clear(e)) => (e.seq, e.prev, Some(e)),
            Ok(Stored::Sealed { seq: named, prev, age }) => {
                let opened = identity.map(|i| crypto::open(age, &[i]));
                let entry = match opened {
                    None => None,
                    Some(Err(crypto::CryptoError::NoMatchingKey)) => {
                        trail.unopened.push(seq);
                        None
                    }
                    Some(Err(e)) => {
                        trail.breaks.push(format!("entry {seq} cannot be opened ({e})"));
                        None
                    }
                    Some(Ok(plain)) => match codec::from_bytes::<Entry>(&plain) {
                        Ok(e) if e.format == Entry::SEALED && e.seq == named && e.prev == prev => Some(e),
                        Ok(_) => {
                            trail
                                .breaks
                                .push(format!("entry {seq}: what is sealed inside is not what its header says"));
                            None
                        }
                        Err(e) => {
                            trail.breaks.push(format!("entry {seq} is damaged inside ({e})"));
                            None
                        }
                    },
                };
                (named, prev, entry)
            }
            Err(e) => {
                trail.breaks.push(format!("entry {seq} is damaged ({e})"));
                before = Some((seq, hash(&v)));
                continue;
            }
        };
        match before {
            Some((n, h)) if named != n + 1 || prev != h || named != seq => {
                trail.breaks.push(format!("entries {n} to {seq}: the chain breaks (an entry changed or removed)"))
            }
            None if named != 1 => trail.breaks.push(format!("the log starts at entry {seq}, not 1")),
            None if prev != [0; 32] => trail.breaks.push("entry 1 names an entry before it".into()),
            _ => {}
        }
        before = Some((seq, hash(&v)));
        trail.entries.extend(entry);
    }
    trail.end = before;
    trail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(tree: &sled::Tree) -> Vec<(Vec<u8>, Vec<u8>)> {
        tree.iter().map(|r| r.unwrap()).map(|(k, v)| (k.to_vec(), v.to_vec())).collect()
    }

    #[test]
    fn the_chain_shows_an_entry_changed_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let tree = db.open_tree(AUDIT).unwrap();
        let log = Log::default();
        let dsl = x25519::Identity::generate();
        log.seal_to(vec![dsl.to_public()]);
        for id in 1..=5 {
            log.note(&tree, 2, Access::OpenedConcern(id), Vec::new).unwrap();
        }
        log.note(&tree, 2, Access::OpenedConcern(1), Vec::new).unwrap(); // quiet: not noted again
        let trail = read(raw(&tree), Some(&dsl));
        assert_eq!(trail.entries.len(), 5);
        assert_eq!(trail.entries[2].access, Access::OpenedConcern(3));
        assert!(trail.breaks.is_empty(), "{:?}", trail.breaks);
        // Without a key the chain is checked all the same; nothing is listed.
        let keyless = read(raw(&tree), None);
        assert!(keyless.breaks.is_empty() && keyless.entries.is_empty(), "{keyless:?}");
        // Another key opens none, and says so.
        assert_eq!(read(raw(&tree), Some(&x25519::Identity::generate())).unopened, [1, 2, 3, 4, 5]);

        // One entry resealed on disk with another concern in it: its bytes
        // changed, so the next entry's link breaks (found without a key).
        let mut third = read(raw(&tree), Some(&dsl)).entries[2].clone();
        third.access = Access::OpenedConcern(99);
        tree.insert(3u64.to_be_bytes(), seal(&third, &[dsl.to_public()]).unwrap()).unwrap();
        assert_eq!(read(raw(&tree), None).breaks, ["entries 3 to 4: the chain breaks (an entry changed or removed)"]);

        // Two entries swapped.
        let (two, four) =
            (tree.get(2u64.to_be_bytes()).unwrap().unwrap(), tree.get(4u64.to_be_bytes()).unwrap().unwrap());
        tree.insert(2u64.to_be_bytes(), four.clone()).unwrap();
        tree.insert(4u64.to_be_bytes(), two.clone()).unwrap();
        assert!(read(raw(&tree), None).breaks.iter().any(|b| b.starts_with("entries 1 to 2")));
        tree.insert(2u64.to_be_bytes(), two).unwrap();
        tree.insert(4u64.to_be_bytes(), four).unwrap();

        // One entry taken out.
        tree.remove(3u64.to_be_bytes()).unwrap();
        assert_eq!(read(raw(&tree), None).breaks, ["entries 2 to 4: the chain breaks (an entry changed or removed)"]);
    }

    /// Format 1 (clear) entries, as stores hold them from before entries
    /// were sealed: golden bytes, still read, and a sealed entry written
    /// after them chains on from the last.
    #[test]
    fn clear_entries_written_before_still_verify_list_and_chain_on() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_opt(9, 30, 0).unwrap();
        let first =
            Entry { format: Entry::CLEAR, seq: 1, at, member: 2, access: Access::OpenedConcern(7), prev: [0; 32] };
        // Pinned: the bytes format 1 was written as (issue 10's first log).
        let golden = "010113323032362d31312d30325430393a33303a3030020007\
                      0000000000000000000000000000000000000000000000000000000000000000";
        let bytes: Vec<u8> =
            (0..golden.len()).step_by(2).map(|i| u8::from_str_radix(&golden[i..i + 2], 16).unwrap()).collect();
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let tree = db.open_tree(AUDIT).unwrap();
        tree.insert(1u64.to_be_bytes(), bytes.as_slice()).unwrap();
        let dsl = x25519::Identity::generate();
        let log = Log::default();
        log.seal_to(vec![dsl.to_public()]);
        log.note(&tree, 1, Access::ReadBoard, Vec::new).unwrap();
        assert!(tree.get(2u64.to_be_bytes()).unwrap().unwrap().starts_with(SEALED_MARKER));
        let trail = read(raw(&tree), Some(&dsl));
        assert!(trail.breaks.is_empty(), "{:?}", trail.breaks);
        assert_eq!(trail.entries.len(), 2);
        assert_eq!(trail.entries[0], first);
        assert_eq!((trail.entries[1].seq, trail.entries[1].access), (2, Access::ReadBoard));
        assert!(is_entry(&1u64.to_be_bytes(), &bytes));
        assert!(is_entry(&2u64.to_be_bytes(), &tree.get(2u64.to_be_bytes()).unwrap().unwrap()));
        assert!(!is_entry(&3u64.to_be_bytes(), b"2026-11-02T09:30:00Z uid=1004 key=age1x wrong answer"));
    }

    #[test]
    fn an_entry_with_nobody_to_seal_to_is_not_written_in_the_clear() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let tree = db.open_tree(AUDIT).unwrap();
        assert!(Log::default().note(&tree, 1, Access::Unlocked, Vec::new).is_err());
        assert!(tree.is_empty());
    }
}
