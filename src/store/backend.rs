//! The record backend: the one seam between the session (keys, crypto,
//! domain rules) and where the bytes live (PRODUCT.md principle 8).
//!
//! It knows nothing of concerns or keys: named trees of opaque values, a
//! conditional batch write (compare-and-swap over several records at once),
//! counters and a change sequence. Two implementations: [`SledBackend`], sled
//! opened in this process (the laptop, and the server's own store), and
//! [`super::client::ServedBackend`], a client of `casebook serve`. Everything
//! the session sends through it is ciphertext or clear metadata, so a server
//! that implements it never holds a key.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::StoreError;

pub type Bytes = Vec<u8>;

/// How many entries one page of a scan holds: bounded, so a served scan is
/// many bounded messages rather than one huge one.
pub const SCAN_PAGE: usize = 512;

/// A condition a batch checks before it writes anything: the value under
/// `tree`/`key` is exactly `expected` (`None`: no such record yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub tree: String,
    pub key: Bytes,
    pub expected: Option<Bytes>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Write {
    Put { tree: String, key: Bytes, value: Bytes },
    Delete { tree: String, key: Bytes },
}

impl Write {
    pub fn tree(&self) -> &str {
        match self {
            Write::Put { tree, .. } | Write::Delete { tree, .. } => tree,
        }
    }

    pub fn key(&self) -> &[u8] {
        match self {
            Write::Put { key, .. } | Write::Delete { key, .. } => key,
        }
    }
}

/// Writes applied together or not at all, after every check held. Once
/// [`Backend::apply`] returns `Ok`, the batch is on disk (fsynced).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub checks: Vec<Check>,
    pub writes: Vec<Write>,
}

impl Batch {
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Requires the record to hold `expected` (None: to be absent).
    pub fn check(mut self, tree: &str, key: impl Into<Bytes>, expected: Option<impl Into<Bytes>>) -> Batch {
        self.checks.push(Check { tree: tree.to_string(), key: key.into(), expected: expected.map(Into::into) });
        self
    }

    pub fn put(mut self, tree: &str, key: impl Into<Bytes>, value: impl Into<Bytes>) -> Batch {
        self.writes.push(Write::Put { tree: tree.to_string(), key: key.into(), value: value.into() });
        self
    }

    pub fn delete(mut self, tree: &str, key: impl Into<Bytes>) -> Batch {
        self.writes.push(Write::Delete { tree: tree.to_string(), key: key.into() });
        self
    }

    /// Every tree the batch reads or writes, once each.
    pub fn trees(&self) -> Vec<&str> {
        let mut trees: Vec<&str> =
            self.checks.iter().map(|c| c.tree.as_str()).chain(self.writes.iter().map(Write::tree)).collect();
        trees.sort_unstable();
        trees.dedup();
        trees
    }
}

/// Where a session's records live, for `casebook paths` and messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// sled opened by this process.
    Embedded(PathBuf),
    /// A `casebook serve` on this Unix socket.
    Served(PathBuf),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Embedded(p) => write!(f, "the store at {} (opened directly)", p.display()),
            Location::Served(p) => write!(f, "casebook serve on {}", p.display()),
        }
    }
}

/// The record-level store. Implementations are shared between threads.
pub trait Backend: Send + Sync {
    fn location(&self) -> Location;

    fn get(&self, tree: &str, key: &[u8]) -> Result<Option<Bytes>, StoreError>;

    /// Up to `limit` entries of `tree` in key order, starting after `after`
    /// (from the start when `None`).
    fn scan_page(&self, tree: &str, after: Option<&[u8]>, limit: usize) -> Result<Vec<(Bytes, Bytes)>, StoreError>;

    /// Checks, then writes, atomically and durably. A failed check is
    /// [`StoreError::Stale`] naming the record, and nothing is written.
    /// Returns the change sequence number of this write.
    fn apply(&self, batch: Batch) -> Result<u64, StoreError>;

    /// Adds one to a named counter and returns the new value, durably: two
    /// writers never get the same number.
    fn next_counter(&self, name: &str) -> Result<u32, StoreError>;

    /// The change sequence: it moves on every write anyone makes.
    fn changes(&self) -> Result<u64, StoreError>;

    /// Waits until the change sequence passes `since`, or `timeout`.
    fn wait_change(&self, since: u64, timeout: Duration) -> Result<u64, StoreError>;

    /// The records written since change `since`, with the change number
    /// they bring the reader to, when the backend still remembers every
    /// write since then; `None` when it does not (too long ago, a restarted
    /// server, or a backend that keeps no memory): the reader then reads
    /// everything again. An open board reloads only what moved (issue 9).
    fn changed_since(&self, _since: u64) -> Result<Option<Changed>, StoreError> {
        Ok(None)
    }

    /// Proves to the store that this process holds a member's key (a served
    /// store asks a challenge only that key can answer; an embedded one is
    /// the member's own files and needs nothing).
    fn authenticate(&self, _identity: &age::x25519::Identity) -> Result<(), StoreError> {
        Ok(())
    }

    /// Writes a backup of every tree to `out` (see [`super::backup`]), as
    /// one consistent state of the store: a write made meanwhile is wholly
    /// in it or wholly not. `out` is rewritten from the start if a read
    /// has to be taken again.
    fn backup(&self, out: &mut std::fs::File) -> Result<super::backup::Summary, StoreError>;

    /// Tells the school an urgent concern was just recorded (issue 13):
    /// `casebook serve` runs the school's notification command. Embedded,
    /// there is no one to tell. Never fails a write.
    fn urgent_recorded(&self) {}

    /// Notes in the audit log that `member` did `access` (issue 10). A
    /// served store's server notes what it serves itself, so its client
    /// notes nothing; sled opened directly notes it here. Never fails a
    /// read: an audit entry that cannot be written is logged.
    fn note_access(&self, _member: crate::domain::MemberId, _access: super::audit::Access) {}

    /// Seals the audit entries this backend writes to these keys from now
    /// on (S-c): the DSLs' and the recovery key from a roster the caller
    /// verified. A served store's client writes none, so does nothing.
    fn seal_audit_to(&self, _recipients: Vec<age::x25519::Recipient>) {}

    /// Every entry of a tree, page by page.
    fn scan(&self, tree: &str) -> Result<Vec<(Bytes, Bytes)>, StoreError> {
        let mut out: Vec<(Bytes, Bytes)> = Vec::new();
        loop {
            let after = out.last().map(|(k, _)| k.clone());
            // A page may stop short of the limit (a served page is also
            // bounded in bytes), so only an empty page ends the scan.
            let page = self.scan_page(tree, after.as_deref(), SCAN_PAGE)?;
            if page.is_empty() {
                return Ok(out);
            }
            out.extend(page);
        }
    }
}

/// What [`Backend::changed_since`] names: the change number now, and each
/// record written since, as (tree, key), once each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changed {
    pub now: u64,
    pub records: Vec<(String, Bytes)>,
}

/// How many writes the change feed remembers the records of (a school
/// writes a few times a minute; a reader further behind reloads all).
const FEED_WRITES: usize = 1024;

/// A write naming more records than this, or a longer key, is remembered
/// only as "something moved": a reader behind it reloads all.
const FEED_RECORDS: usize = 64;
const FEED_KEY_BYTES: usize = 64;

/// The change sequence and its waiters (one per process for an embedded
/// store; the server's for a served one), and which records each recent
/// write touched.
pub struct ChangeFeed {
    state: Mutex<FeedState>,
    moved: Condvar,
}

/// A feed starts from the clock (microseconds since 1970), not from 0: a
/// number a client kept from before a server restarted is then older than
/// anything the new server remembers, and never taken for one of its own
/// (a change number runs ahead of the clock only at more than a write a
/// microsecond).
impl Default for ChangeFeed {
    fn default() -> Self {
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX / 2));
        ChangeFeed { state: Mutex::new(FeedState { seq: start, recent: Default::default() }), moved: Condvar::new() }
    }
}

/// The records one write touched, as (tree, key).
type Records = Vec<(String, Bytes)>;

#[derive(Default)]
struct FeedState {
    seq: u64,
    /// The latest writes, oldest first: (change number, its records, or
    /// `None` when there were too many to keep).
    recent: std::collections::VecDeque<(u64, Option<Records>)>,
}

impl ChangeFeed {
    fn lock(&self) -> std::sync::MutexGuard<'_, FeedState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A write whose records are not told (readers behind it reload all).
    pub fn bump(&self) -> u64 {
        self.record(None)
    }

    /// A write of these records.
    pub fn bump_with(&self, records: impl IntoIterator<Item = (String, Bytes)>) -> u64 {
        let mut kept = Vec::new();
        for (tree, key) in records {
            if kept.len() >= FEED_RECORDS || key.len() > FEED_KEY_BYTES {
                return self.record(None);
            }
            kept.push((tree, key));
        }
        self.record(Some(kept))
    }

    fn record(&self, records: Option<Records>) -> u64 {
        let mut state = self.lock();
        state.seq += 1;
        let seq = state.seq;
        if state.recent.len() >= FEED_WRITES {
            state.recent.pop_front();
        }
        state.recent.push_back((seq, records));
        self.moved.notify_all();
        seq
    }

    pub fn current(&self) -> u64 {
        self.lock().seq
    }

    /// Every record written after change `since`, if all are remembered.
    pub fn since(&self, since: u64) -> Option<Changed> {
        let state = self.lock();
        if since > state.seq {
            // A number from before a restart: nothing can be said of it.
            return None;
        }
        let mut records: Vec<(String, Bytes)> = Vec::new();
        let mut next = since + 1;
        for (seq, written) in state.recent.iter().filter(|(seq, _)| *seq > since) {
            if *seq != next {
                return None;
            }
            next += 1;
            for r in written.as_ref()? {
                if !records.contains(r) {
                    records.push(r.clone());
                }
            }
        }
        (next == state.seq + 1).then_some(Changed { now: state.seq, records })
    }

    pub fn wait(&self, since: u64, timeout: Duration) -> u64 {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        while state.seq <= since {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self.moved.wait_timeout(state, left).unwrap_or_else(|p| p.into_inner()).0;
        }
        state.seq
    }
}

/// How many times a backup reads the store without holding writes back
/// before it holds them (see [`SledBackend::backup`]).
const BACKUP_READS: usize = 3;

/// sled's page cache: a school's store is tens of MiB, not sled's 1 GiB default.
const CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// sled opened in this process.
pub struct SledBackend {
    path: PathBuf,
    db: sled::Db,
    trees: Mutex<HashMap<String, sled::Tree>>,
    feed: ChangeFeed,
    /// Writes hold it shared; a backup on a busy store holds it alone while
    /// it reads, so it sees one state of every tree (sled's iterators are
    /// per tree).
    gate: RwLock<()>,
    /// Writes begun and ended: a backup that saw no write begin while it
    /// read, and none under way when it began, read one state without
    /// holding anyone back.
    begun: AtomicU64,
    ended: AtomicU64,
    /// The audit log's end and its quiet periods (issue 10).
    audit: super::audit::Log,
}

/// Counts a write as ended however it ends (see [`SledBackend::begun`]).
struct Writing<'a> {
    ended: &'a AtomicU64,
    _gate: std::sync::RwLockReadGuard<'a, ()>,
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.ended.fetch_add(1, Ordering::SeqCst);
    }
}

impl SledBackend {
    /// Opens (or creates) the sled files. After a SIGKILL the file lock can
    /// linger for a moment: retry briefly before saying the store is in use.
    pub fn open(path: &Path) -> Result<SledBackend, StoreError> {
        let shown = path.display().to_string();
        let mut attempts = 0;
        let db = loop {
            match sled::Config::new().path(path).cache_capacity(CACHE_BYTES).open() {
                Ok(db) => break db,
                Err(sled::Error::Io(e))
                    if e.kind() == std::io::ErrorKind::WouldBlock || e.to_string().contains("lock") =>
                {
                    attempts += 1;
                    if attempts >= 15 {
                        return Err(StoreError::InUse(shown));
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(sled::Error::Io(e)) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    return Err(StoreError::Identity(format!("cannot open the store at {shown}: permission denied")));
                }
                // A full, read-only or failing disk says so (issue 11).
                Err(sled::Error::Io(e)) if super::storage_fault(&e).is_some() => {
                    return Err(super::storage_fault(&e).expect("just matched"));
                }
                Err(e) => return Err(super::corrupt(format!("the store at {shown}"), e)),
            }
        };
        Ok(SledBackend {
            path: path.to_path_buf(),
            db,
            trees: Mutex::new(HashMap::new()),
            feed: ChangeFeed::default(),
            gate: RwLock::new(()),
            begun: AtomicU64::new(0),
            ended: AtomicU64::new(0),
            audit: super::audit::Log::default(),
        })
    }

    fn tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        let mut trees = self.trees.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = trees.get(name) {
            return Ok(t.clone());
        }
        let t = self.db.open_tree(name)?;
        trees.insert(name.to_string(), t.clone());
        Ok(t)
    }

    /// Marks a write under way until the guard is dropped.
    fn writing(&self) -> Writing<'_> {
        let gate = self.gate.read().unwrap_or_else(|p| p.into_inner());
        self.begun.fetch_add(1, Ordering::SeqCst);
        Writing { ended: &self.ended, _gate: gate }
    }

    /// Puts many entries into one tree without the transaction and fsync a
    /// batch costs: for `restore`, which builds a store nobody else has
    /// open yet and flushes once at the end.
    pub(crate) fn load(&self, tree: &str, entries: Vec<(Bytes, Bytes)>) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        for (k, v) in entries {
            batch.insert(k, v);
        }
        self.tree(tree)?.apply_batch(batch)?;
        Ok(())
    }

    /// Checks, then writes, atomically and durably, without moving the
    /// change sequence: for what no open screen shows (the server's
    /// refusal log), so a peer refused again and again makes no board
    /// reload.
    pub(crate) fn apply_unannounced(&self, batch: Batch) -> Result<(), StoreError> {
        self.write_batch(batch).map(|_| ())
    }

    /// Whether there was anything to write.
    fn write_batch(&self, batch: Batch) -> Result<bool, StoreError> {
        use sled::Transactional;
        use sled::transaction::{ConflictableTransactionError, abort};
        if batch.writes.is_empty() && batch.checks.is_empty() {
            return Ok(false);
        }
        let _writing = self.writing();
        let names = batch.trees();
        let trees = names.iter().map(|n| self.tree(n)).collect::<Result<Vec<_>, _>>()?;
        let slot = |name: &str| names.iter().position(|n| *n == name).expect("every tree of the batch was opened");
        trees.as_slice().transaction(|txs| {
            for c in &batch.checks {
                let now = txs[slot(&c.tree)].get(&c.key)?;
                if now.as_deref() != c.expected.as_deref() {
                    return abort(StoreError::Stale { tree: c.tree.clone(), key: c.key.clone() });
                }
            }
            for w in &batch.writes {
                match w {
                    Write::Put { tree, key, value } => {
                        txs[slot(tree)].insert(key.as_slice(), value.as_slice())?;
                    }
                    Write::Delete { tree, key } => {
                        txs[slot(tree)].remove(key.as_slice())?;
                    }
                }
            }
            Ok::<_, ConflictableTransactionError<StoreError>>(())
        })?;
        self.db.flush()?;
        Ok(true)
    }

    /// Flushes everything to disk (the server's drain on SIGTERM).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }
}

impl Backend for SledBackend {
    fn location(&self) -> Location {
        Location::Embedded(self.path.clone())
    }

    fn get(&self, tree: &str, key: &[u8]) -> Result<Option<Bytes>, StoreError> {
        Ok(self.tree(tree)?.get(key)?.map(|v| v.to_vec()))
    }

    fn scan_page(&self, tree: &str, after: Option<&[u8]>, limit: usize) -> Result<Vec<(Bytes, Bytes)>, StoreError> {
        let t = self.tree(tree)?;
        let iter = match after {
            None => t.iter(),
            Some(k) => t.range::<&[u8], _>((std::ops::Bound::Excluded(k), std::ops::Bound::Unbounded)),
        };
        iter.take(limit).map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(StoreError::from)).collect()
    }

    fn apply(&self, batch: Batch) -> Result<u64, StoreError> {
        let records: Vec<(String, Bytes)> =
            batch.writes.iter().map(|w| (w.tree().to_string(), w.key().to_vec())).collect();
        if !self.write_batch(batch)? {
            return Ok(self.feed.current());
        }
        Ok(self.feed.bump_with(records))
    }

    fn next_counter(&self, name: &str) -> Result<u32, StoreError> {
        // A damaged counter is left as it is and reported: starting again
        // from 1 would hand out ids already in use and overwrite records.
        let damaged = || super::corrupt(format!("the {name} counter"), "it is not a 4-byte number");
        let _writing = self.writing();
        let v = self.tree("counters")?.update_and_fetch(name, |old| match old {
            None => Some(1u32.to_be_bytes().to_vec()),
            Some(b) => match <[u8; 4]>::try_from(b).map(u32::from_be_bytes) {
                Ok(n) => Some(n.saturating_add(1).to_be_bytes().to_vec()),
                Err(_) => Some(b.to_vec()),
            },
        })?;
        self.db.flush()?;
        self.feed.bump_with([("counters".to_string(), name.as_bytes().to_vec())]);
        v.as_deref().ok_or_else(damaged).and_then(|b| super::id_of(b).map_err(|_| damaged()))
    }

    fn changes(&self) -> Result<u64, StoreError> {
        Ok(self.feed.current())
    }

    fn wait_change(&self, since: u64, timeout: Duration) -> Result<u64, StoreError> {
        Ok(self.feed.wait(since, timeout))
    }

    fn changed_since(&self, since: u64) -> Result<Option<Changed>, StoreError> {
        Ok(self.feed.since(since))
    }

    /// One state of the store (issue 11): a case and its revision record,
    /// written in one batch, are both in the backup or both not. First it
    /// reads without holding anyone back, and keeps the read if no write
    /// began meanwhile (a school writes a few times a minute); on a store
    /// that kept changing it reads once more holding writes back, which
    /// then wait for that read (a fraction of a second) and are never
    /// refused.
    fn note_access(&self, member: crate::domain::MemberId, access: super::audit::Access) {
        let noted = self
            .tree(super::audit::AUDIT)
            .and_then(|t| self.audit.note(&t, member, access, || super::roster::audit_recipients_unverified(self)));
        // A refused unlock is kept at once, like the refusal log's line: a
        // server killed a moment later must not lose it (issue 10 item 2).
        let noted = noted.and_then(|written| match access {
            super::audit::Access::FailedUnlock { .. } if written => self.db.flush().map(drop).map_err(StoreError::from),
            _ => Ok(()),
        });
        if let Err(e) = noted {
            warn_unaudited(&e);
        }
    }

    fn seal_audit_to(&self, recipients: Vec<age::x25519::Recipient>) {
        self.audit.seal_to(recipients);
    }

    fn backup(&self, out: &mut std::fs::File) -> Result<super::backup::Summary, StoreError> {
        use std::io::Seek;
        for _ in 0..BACKUP_READS {
            let begun = self.begun.load(Ordering::SeqCst);
            if self.ended.load(Ordering::SeqCst) == begun {
                out.set_len(0)?;
                out.rewind()?;
                let summary = super::backup::write(self, self.feed.current(), out)?;
                if self.begun.load(Ordering::SeqCst) == begun {
                    return Ok(summary);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _alone = self.gate.write().unwrap_or_else(|p| p.into_inner());
        out.set_len(0)?;
        out.rewind()?;
        let (summary, held) = super::backup::timed(|| super::backup::write(self, self.feed.current(), out));
        let mut summary = summary?;
        summary.writes_held = held;
        Ok(summary)
    }
}

/// An audit entry that could not be written is said on stderr (the
/// server's log; a member's own terminal for a store opened directly),
/// never a failed read.
fn warn_unaudited(e: &StoreError) {
    eprintln!("casebook: the audit log could not be written: {}", crate::text::one_line(&e.to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend() -> (tempfile::TempDir, SledBackend) {
        let dir = tempfile::tempdir().unwrap();
        let b = SledBackend::open(&dir.path().join("db")).unwrap();
        (dir, b)
    }

    #[test]
    fn batch_checks_then_writes_all_or_nothing() {
        let (_d, b) = backend();
        b.apply(Batch::new().check("a", b"k".to_vec(), None::<Bytes>).put("a", b"k".to_vec(), b"1".to_vec())).unwrap();
        // A stale expectation writes nothing, not even to another tree.
        let err = b
            .apply(Batch::new().check("a", b"k".to_vec(), None::<Bytes>).put("a", b"k".to_vec(), b"2".to_vec()).put(
                "b",
                b"x".to_vec(),
                b"y".to_vec(),
            ))
            .unwrap_err();
        assert!(matches!(err, StoreError::Stale { ref tree, .. } if tree == "a"), "{err:?}");
        assert_eq!(b.get("a", b"k").unwrap(), Some(b"1".to_vec()));
        assert_eq!(b.get("b", b"x").unwrap(), None);
        b.apply(Batch::new().check("a", b"k".to_vec(), Some(b"1".to_vec())).delete("a", b"k".to_vec())).unwrap();
        assert_eq!(b.get("a", b"k").unwrap(), None);
    }

    #[test]
    fn scan_pages_through_a_large_tree() {
        let (_d, b) = backend();
        let mut batch = Batch::new();
        for i in 0u32..1300 {
            batch = batch.put("t", i.to_be_bytes().to_vec(), vec![1u8; 3]);
        }
        b.apply(batch).unwrap();
        let all = b.scan("t").unwrap();
        assert_eq!(all.len(), 1300);
        assert!(all.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn the_feed_names_what_moved_until_it_cannot() {
        let (_d, b) = backend();
        let start = b.changes().unwrap();
        b.apply(Batch::new().put("a", b"k".to_vec(), b"1".to_vec()).put("b", b"x".to_vec(), b"2".to_vec())).unwrap();
        b.apply(Batch::new().put("a", b"k".to_vec(), b"3".to_vec())).unwrap();
        let changed = b.changed_since(start).unwrap().expect("both writes remembered");
        assert_eq!(changed.now, b.changes().unwrap());
        assert_eq!(changed.records, vec![("a".into(), b"k".to_vec()), ("b".into(), b"x".to_vec())]);
        assert_eq!(b.changed_since(changed.now).unwrap(), Some(Changed { now: changed.now, records: Vec::new() }));
        // A counter moves the feed, naming itself.
        b.next_counter("case").unwrap();
        let counted = b.changed_since(changed.now).unwrap().unwrap();
        assert_eq!(counted.records, vec![("counters".into(), b"case".to_vec())]);
        // A number this feed never gave (kept from before a restart) says
        // nothing; nor does one older than the feed remembers.
        assert_eq!(b.changed_since(b.changes().unwrap() + 5).unwrap(), None);
        assert_eq!(b.changed_since(start - 1).unwrap(), None);
        let before = b.changes().unwrap();
        for i in 0..FEED_WRITES as u32 + 1 {
            b.feed.bump_with([("t".to_string(), i.to_be_bytes().to_vec())]);
        }
        assert_eq!(b.changed_since(before).unwrap(), None, "further back than the feed remembers");
        // A write too large to name makes a reader behind it read all.
        let behind = b.changes().unwrap();
        b.feed.bump();
        assert_eq!(b.changed_since(behind).unwrap(), None);
        // A write the server keeps to itself moves nothing.
        let quiet = b.changes().unwrap();
        b.apply_unannounced(Batch::new().put("refusals", b"r".to_vec(), b"x".to_vec())).unwrap();
        assert_eq!(b.changes().unwrap(), quiet);
    }

    #[test]
    fn a_new_feed_starts_after_any_number_an_old_one_gave() {
        let (_d, b) = backend();
        b.apply(Batch::new().put("a", b"k".to_vec(), b"1".to_vec())).unwrap();
        let old = b.changes().unwrap();
        std::thread::sleep(Duration::from_millis(2));
        let restarted = ChangeFeed::default();
        restarted.bump_with([("a".to_string(), b"k".to_vec())]);
        assert!(restarted.current() > old);
        assert_eq!(restarted.since(old), None);
    }

    #[test]
    fn counters_and_changes_move() {
        let (_d, b) = backend();
        let before = b.changes().unwrap();
        assert_eq!(b.next_counter("case").unwrap(), 1);
        assert_eq!(b.next_counter("case").unwrap(), 2);
        assert!(b.changes().unwrap() > before);
        let now = b.changes().unwrap();
        assert_eq!(b.wait_change(now, Duration::from_millis(10)).unwrap(), now);
    }
}
