//! Backups (issue 11): one file holding every entry of every tree, taken
//! consistently while the store is in use, and a restore that rebuilds a
//! store from it.
//!
//! The file holds exactly what the store holds: sealed records (age files)
//! and clear metadata (numeric ids, references, revisions, roles, public
//! keys, counters). So it is as safe to copy off-site as the store itself,
//! and taking one needs no key: `casebook serve` (which holds none) takes
//! them too. A SHA-256 over the whole file detects any damage before a
//! restore writes anything.
//!
//! Layout (all integers big-endian):
//!
//! ```text
//! "casebook backup\n"              magic, 16 bytes
//! u16 format (1)  i64 taken at (Unix seconds, UTC)  u64 the store's change number
//! for each tree:  u8 1, u16 name length, name,
//!                 for each entry: u8 1, u32 key length, key, u32 value length, value
//!                 u8 0
//! u8 0                              end of trees
//! u64 number of entries
//! [32] SHA-256 of every byte before it
//! ```

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::backend::{Backend, Batch, SCAN_PAGE, SledBackend};
use super::trees::ALL;
use super::{Store, StoreError};

pub const MAGIC: &[u8; 16] = b"casebook backup\n";
const FORMAT: u16 = 1;
const CHECKSUM: usize = 32;
/// No key or value casebook writes comes near these; a length beyond them
/// is damage (and is refused before anything is allocated).
const MAX_KEY: usize = 64 * 1024;
const MAX_VALUE: usize = 256 * 1024 * 1024;

/// What a backup holds, from its header and trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub taken_at: chrono::DateTime<chrono::Utc>,
    pub change: u64,
    pub entries: u64,
    pub bytes: u64,
    /// Entries per tree, in the file's order.
    pub trees: Vec<(String, u64)>,
    /// How long others' writes waited while the backup was read (zero when
    /// not known, e.g. for a file read back).
    pub writes_held: Duration,
}

/// Why a backup could not be read; each says what to do in one line.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} is not a casebook backup (it does not start with casebook's backup header)")]
    NotABackup(String),
    #[error(
        "{0} is damaged: its checksum does not match its contents, so nothing was restored from it; use another backup"
    )]
    Damaged(String),
    #[error("{0} was written by a newer casebook (backup format {1}); upgrade casebook to restore it")]
    TooNew(String, u16),
    #[error("{0} is damaged ({1}); nothing was restored from it; use another backup")]
    Malformed(String, String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<BackupError> for StoreError {
    fn from(e: BackupError) -> Self {
        match e {
            BackupError::Io(io) => StoreError::from(io),
            other => StoreError::Input(other.to_string()),
        }
    }
}

/// A writer that hashes everything written through it and counts bytes.
struct Hashing<W: Write> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes every tree of `backend` to `out` in the backup format. The caller
/// makes it consistent (see [`SledBackend::backup`]: writes wait meanwhile).
pub fn write(backend: &dyn Backend, change: u64, out: &mut dyn Write) -> Result<Summary, StoreError> {
    let taken_at = chrono::Utc::now();
    let mut w = Hashing { inner: BufWriter::with_capacity(1 << 20, out), hash: Sha256::new(), bytes: 0 };
    w.write_all(MAGIC)?;
    w.write_all(&FORMAT.to_be_bytes())?;
    w.write_all(&taken_at.timestamp().to_be_bytes())?;
    w.write_all(&change.to_be_bytes())?;
    let mut entries = 0u64;
    let mut trees = Vec::new();
    for tree in ALL {
        w.write_all(&[1])?;
        w.write_all(&(tree.len() as u16).to_be_bytes())?;
        w.write_all(tree.as_bytes())?;
        let mut n = 0u64;
        let mut after: Option<Vec<u8>> = None;
        loop {
            let page = backend.scan_page(tree, after.as_deref(), SCAN_PAGE)?;
            let Some((last, _)) = page.last() else { break };
            after = Some(last.clone());
            for (k, v) in &page {
                w.write_all(&[1])?;
                w.write_all(&(k.len() as u32).to_be_bytes())?;
                w.write_all(k)?;
                w.write_all(&(v.len() as u32).to_be_bytes())?;
                w.write_all(v)?;
                n += 1;
            }
        }
        w.write_all(&[0])?;
        entries += n;
        trees.push((tree.to_string(), n));
    }
    w.write_all(&[0])?;
    w.write_all(&entries.to_be_bytes())?;
    let digest = w.hash.finalize_reset();
    w.inner.write_all(&digest)?;
    w.inner.flush()?;
    Ok(Summary { taken_at, change, entries, bytes: w.bytes + CHECKSUM as u64, trees, writes_held: Duration::ZERO })
}

/// Reads a backup file's entries, tree by tree, after checking its
/// checksum over the whole file (nothing is handed out from a damaged one).
pub struct Reader {
    name: String,
    input: BufReader<File>,
    /// Bytes left before the checksum.
    left: u64,
    taken_at: chrono::DateTime<chrono::Utc>,
    change: u64,
}

impl Reader {
    pub fn open(path: &Path) -> Result<Reader, BackupError> {
        let name = path.display().to_string();
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        let header = MAGIC.len() as u64 + 2 + 8 + 8;
        let mut magic = [0u8; 16];
        if len < header + 1 + 8 + CHECKSUM as u64 || file.read_exact(&mut magic).is_err() || &magic != MAGIC {
            return Err(BackupError::NotABackup(name));
        }
        // The whole file, hashed before anything in it is believed.
        file.seek(SeekFrom::Start(0))?;
        let body = len - CHECKSUM as u64;
        let mut hash = Sha256::new();
        let copied = std::io::copy(&mut (&mut file).take(body), &mut HashSink(&mut hash))?;
        let mut stored = [0u8; CHECKSUM];
        file.read_exact(&mut stored)?;
        if copied != body || hash.finalize().as_slice() != stored {
            return Err(BackupError::Damaged(name));
        }
        file.seek(SeekFrom::Start(MAGIC.len() as u64))?;
        let mut input = BufReader::with_capacity(1 << 20, file);
        let mut fixed = [0u8; 18];
        input.read_exact(&mut fixed)?;
        let format = u16::from_be_bytes([fixed[0], fixed[1]]);
        if format != FORMAT {
            return Err(if format > FORMAT {
                BackupError::TooNew(name, format)
            } else {
                BackupError::Malformed(name, format!("unknown format {format}"))
            });
        }
        let secs = i64::from_be_bytes(fixed[2..10].try_into().expect("8 bytes"));
        let change = u64::from_be_bytes(fixed[10..18].try_into().expect("8 bytes"));
        let taken_at = chrono::DateTime::from_timestamp(secs, 0)
            .ok_or_else(|| BackupError::Malformed(name.clone(), "the time it was taken is out of range".into()))?;
        Ok(Reader { name, input, left: body - header, taken_at, change })
    }

    fn malformed(&self, why: &str) -> BackupError {
        BackupError::Malformed(self.name.clone(), why.to_string())
    }

    fn take(&mut self, n: usize) -> Result<Vec<u8>, BackupError> {
        if n as u64 > self.left {
            return Err(self.malformed("it ends in the middle of a record"));
        }
        let mut buf = vec![0u8; n];
        self.input.read_exact(&mut buf)?;
        self.left -= n as u64;
        Ok(buf)
    }

    fn u8(&mut self) -> Result<u8, BackupError> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<usize, BackupError> {
        Ok(u32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes")) as usize)
    }

    /// Calls `entry(tree, key, value)` for every entry, in file order, and
    /// returns what the backup holds. Stops at the first malformed part.
    pub fn entries(
        mut self,
        mut entry: impl FnMut(&'static str, Vec<u8>, Vec<u8>) -> Result<(), StoreError>,
    ) -> Result<Summary, StoreError> {
        let bytes = self.left + (MAGIC.len() + 18 + CHECKSUM) as u64;
        let mut trees = Vec::new();
        let mut entries = 0u64;
        while self.u8()? == 1 {
            let len = u16::from_be_bytes(self.take(2)?.try_into().expect("2 bytes")) as usize;
            let name = self.take(len)?;
            let tree = ALL
                .into_iter()
                .find(|t| t.as_bytes() == name.as_slice())
                .ok_or_else(|| self.malformed("it names a tree casebook does not have"))?;
            let mut n = 0u64;
            loop {
                match self.u8()? {
                    0 => break,
                    1 => {}
                    _ => return Err(self.malformed("an entry marker is wrong").into()),
                }
                let klen = self.u32()?;
                if klen > MAX_KEY {
                    return Err(self.malformed("a key is longer than casebook ever writes").into());
                }
                let key = self.take(klen)?;
                let vlen = self.u32()?;
                if vlen > MAX_VALUE {
                    return Err(self.malformed("a value is longer than casebook ever writes").into());
                }
                let value = self.take(vlen)?;
                entry(tree, key, value)?;
                n += 1;
            }
            entries += n;
            trees.push((tree.to_string(), n));
        }
        let stated = u64::from_be_bytes(self.take(8)?.try_into().expect("8 bytes"));
        if stated != entries || self.left != 0 {
            return Err(self.malformed("its entry count does not match its entries").into());
        }
        Ok(Summary { taken_at: self.taken_at, change: self.change, entries, bytes, trees, writes_held: Duration::ZERO })
    }
}

struct HashSink<'a>(&'a mut Sha256);

impl Write for HashSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Checks a backup file end to end (checksum, then every entry's framing)
/// without restoring it.
pub fn check(path: &Path) -> Result<Summary, StoreError> {
    Reader::open(path)?.entries(|_, _, _| Ok(()))
}

/// Writes a backup to `path`, which must not exist yet: into a hidden
/// temporary file beside it, fsynced, read back and checked, then renamed
/// into place, so a failed backup never leaves a file that looks like one.
pub fn to_file(backend: &dyn Backend, path: &Path) -> Result<Summary, StoreError> {
    if path.exists() {
        return Err(StoreError::Input(format!(
            "{} already exists; casebook never writes over a backup. Choose a new name (e.g. with the date)",
            path.display()
        )));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(StoreError::Input(format!("{} is not a directory; nothing was written", dir.display())));
    }
    let mut temp = tempfile::Builder::new().prefix(".casebook-backup-").tempfile_in(&dir)?;
    let taken = backend.backup(temp.as_file_mut())?;
    temp.as_file().sync_all()?;
    // Read back what is on disk: a backup is only good once it checks.
    let mut summary = check(temp.path()).map_err(|e| {
        StoreError::Input(format!("the backup written to {} did not read back ({e}); nothing was kept", dir.display()))
    })?;
    summary.writes_held = taken.writes_held;
    temp.persist_noclobber(path).map_err(|e| {
        StoreError::Input(format!("could not name the backup {}: {}; nothing was kept", path.display(), e.error))
    })?;
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(summary)
}

/// Rebuilds a store at `into` from a backup file. Refuses to touch an
/// existing store or a directory with anything in it. The store is built
/// in a hidden directory beside `into` and renamed into place once every
/// entry is on disk, so an interrupted restore leaves no half store.
pub fn restore(path: &Path, into: &Path) -> Result<Summary, StoreError> {
    if Store::exists(into) {
        return Err(StoreError::AlreadyExists(into.display().to_string()));
    }
    if into.exists() && (!into.is_dir() || std::fs::read_dir(into)?.next().is_some()) {
        return Err(StoreError::Input(format!(
            "{} already exists and is not an empty directory; restore makes a new store and never writes over \
             anything. Choose a new directory; nothing was changed",
            into.display()
        )));
    }
    // Checked in full before anything is created.
    let reader = Reader::open(path)?;
    let building = building_beside(into, ".casebook-restore-")?;
    let backend = SledBackend::open(building.path())?;
    // Entries come tree by tree; each tree goes in in large batches.
    let mut pending: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut pending_tree = "";
    let mut pending_bytes = 0usize;
    let summary = reader.entries(|tree, key, value| {
        if tree != pending_tree || pending.len() >= 4096 || pending_bytes >= 16 * 1024 * 1024 {
            backend.load(pending_tree, std::mem::take(&mut pending))?;
            pending_tree = tree;
            pending_bytes = 0;
        }
        pending_bytes += key.len() + value.len();
        pending.push((key, value));
        Ok(())
    })?;
    backend.load(pending_tree, pending)?;
    backend.flush()?;
    drop(backend);
    move_into_place(building, into)?;
    Ok(summary)
}

/// A private (0700) directory beside `into` to build a new store in, so
/// that a store that fails half-way is never found at `into` (restore,
/// salvage).
pub(crate) fn building_beside(into: &Path, prefix: &str) -> Result<tempfile::TempDir, StoreError> {
    let parent = match into.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    super::create_private_dir(&parent)?;
    let building = tempfile::Builder::new().prefix(prefix).tempdir_in(&parent)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(building.path(), std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(building)
}

/// Renames a finished store to `into` (an empty directory there is
/// replaced); on failure the half-made one is removed.
pub(crate) fn move_into_place(building: tempfile::TempDir, into: &Path) -> Result<(), StoreError> {
    let built = building.keep();
    if into.exists() {
        // An empty directory: rename(2) replaces it.
        std::fs::remove_dir(into)?;
    }
    std::fs::rename(&built, into).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&built);
    })?;
    Ok(())
}

/// Runs `f` and says how long it took (for "writes waited N ms").
pub(crate) fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

// ---- the last good backup (shown on the dashboard) -------------------------

/// Where the last good backup is noted: the settings tree, in clear (a time
/// and two sizes say nothing about anyone).
pub const STAMP_KEY: &str = "last-backup";

/// How old the last good backup may be before the dashboard warns.
pub const WARN_AFTER: chrono::Duration = chrono::Duration::hours(48);

/// The last good backup: taken, written, read back and checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    /// When it was taken (Unix seconds, UTC).
    pub taken_at: i64,
    pub entries: u64,
    pub bytes: u64,
    /// What took it: "casebook backup", "casebook serve --backup-dir".
    pub by: String,
}

impl Stamp {
    pub fn of(summary: &Summary, by: &str) -> Stamp {
        Stamp { taken_at: summary.taken_at.timestamp(), entries: summary.entries, bytes: summary.bytes, by: by.into() }
    }

    pub fn taken_at(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(self.taken_at, 0).unwrap_or_default()
    }
}

/// Notes a good backup in the store (its own write: it moves the change
/// number, so open dashboards show it).
pub fn record(backend: &dyn Backend, stamp: &Stamp) -> Result<(), StoreError> {
    backend.apply(Batch::new().put(super::trees::SETTINGS, STAMP_KEY, super::codec_clear(stamp)))?;
    Ok(())
}

/// The last good backup noted in the store, if any (a damaged note is none).
pub fn last(backend: &dyn Backend) -> Result<Option<Stamp>, StoreError> {
    Ok(backend.get(super::trees::SETTINGS, STAMP_KEY.as_bytes())?.and_then(|v| super::codec::from_bytes(&v).ok()))
}

/// The dashboard's line about backups, and whether it is a warning: none
/// ever, or none in the last 48 hours.
pub fn status_line(stamp: Option<&Stamp>, now: chrono::DateTime<chrono::Local>) -> (String, bool) {
    match stamp {
        None => ("NO BACKUP has been taken: run `casebook backup --out FILE` (see the README)".into(), true),
        Some(s) => {
            let at = s.taken_at().with_timezone(&chrono::Local);
            let when = at.format("%-d %b %Y at %H:%M");
            let size = crate::domain::limits::size(usize::try_from(s.bytes).unwrap_or(usize::MAX));
            if now.signed_duration_since(at) > WARN_AFTER {
                (format!("NO BACKUP in 48 hours: the last good one was {when} ({size})"), true)
            } else {
                (format!("Last good backup: {when} ({} records, {size})", s.entries), false)
            }
        }
    }
}

// ---- a backup read into memory --------------------------------------------

/// A backup's entries held in memory, as a read-only [`Backend`]: `verify`
/// (structural, or a member's full check through a [`Store`] over it)
/// checks a backup without restoring it.
pub struct MemoryBackend {
    name: PathBuf,
    trees: std::collections::HashMap<&'static str, std::collections::BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl MemoryBackend {
    /// Reads a whole backup file (checked first, see [`Reader`]).
    pub fn load(path: &Path) -> Result<(MemoryBackend, Summary), StoreError> {
        let mut trees: std::collections::HashMap<&'static str, std::collections::BTreeMap<Vec<u8>, Vec<u8>>> =
            Default::default();
        let summary = Reader::open(path)?.entries(|tree, k, v| {
            trees.entry(tree).or_default().insert(k, v);
            Ok(())
        })?;
        Ok((MemoryBackend { name: path.to_path_buf(), trees }, summary))
    }

    fn read_only(&self) -> StoreError {
        StoreError::Input(format!("{} is a backup, read only; restore it to work in it", self.name.display()))
    }
}

impl Backend for MemoryBackend {
    fn location(&self) -> super::Location {
        super::Location::Embedded(self.name.clone())
    }

    fn get(&self, tree: &str, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.trees.get(tree).and_then(|t| t.get(key)).cloned())
    }

    fn scan_page(&self, tree: &str, after: Option<&[u8]>, limit: usize) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        use std::ops::Bound;
        let Some(t) = self.trees.get(tree) else { return Ok(Vec::new()) };
        let from = after.map_or(Bound::Unbounded, |k| Bound::Excluded(k.to_vec()));
        Ok(t.range((from, Bound::Unbounded)).take(limit).map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    fn apply(&self, _batch: Batch) -> Result<u64, StoreError> {
        Err(self.read_only())
    }

    fn next_counter(&self, _name: &str) -> Result<u32, StoreError> {
        Err(self.read_only())
    }

    fn changes(&self) -> Result<u64, StoreError> {
        Ok(0)
    }

    fn wait_change(&self, _since: u64, timeout: Duration) -> Result<u64, StoreError> {
        std::thread::sleep(timeout);
        Ok(0)
    }

    fn backup(&self, _out: &mut File) -> Result<Summary, StoreError> {
        Err(self.read_only())
    }
}

// ---- rolling backups (`casebook serve --backup-dir`) ----------------------

/// The name of a rolling backup taken at `at`: sorts by time.
pub fn rolling_name(at: chrono::DateTime<chrono::Local>) -> String {
    format!("casebook-{}.cbk", at.format("%Y-%m-%dT%H%M%S"))
}

fn is_rolling(name: &str) -> bool {
    name.len() == "casebook-2026-03-10T020000.cbk".len()
        && name.starts_with("casebook-")
        && name.ends_with(".cbk")
        && name[9..26].bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            _ => b.is_ascii_digit(),
        })
}

/// The rolling backups in `dir`, oldest first (only files casebook named).
pub fn rolling(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_str().is_some_and(is_rolling) && e.path().is_file())
        .map(|e| e.path())
        .collect();
    found.sort();
    Ok(found)
}

/// Deletes all but the newest `keep` rolling backups (never anything else
/// in the directory); returns what it deleted.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, StoreError> {
    let all = rolling(dir)?;
    let excess = all.len().saturating_sub(keep.max(1));
    let mut gone = Vec::new();
    for old in all.into_iter().take(excess) {
        std::fs::remove_file(&old)?;
        gone.push(old);
    }
    Ok(gone)
}

/// One rolling backup: taken into `dir`, read back, its structure checked;
/// only a good one is noted on the dashboard and lets older ones go.
/// Returns the file, what it holds, and any problem the store holds.
pub fn rolling_backup(
    backend: &dyn Backend,
    dir: &Path,
    keep: usize,
) -> Result<(PathBuf, Summary, Vec<super::Damaged>), StoreError> {
    super::create_private_dir(dir)?;
    let path = dir.join(rolling_name(chrono::Local::now()));
    let summary = to_file(backend, &path)?;
    let (copy, _) = MemoryBackend::load(&path)?;
    let problems = super::verify::structure(&copy, &|_| true)?.problems;
    drop(copy);
    if problems.is_empty() {
        // Older ones go first, so that once the dashboard says so, the
        // directory already holds what it will hold.
        let pruned = prune(dir, keep);
        record(backend, &Stamp::of(&summary, "casebook serve --backup-dir"))?;
        pruned?;
    }
    Ok((path, summary, problems))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::trees::{CASE_META, CASES, COUNTERS};

    fn backend() -> (tempfile::TempDir, SledBackend) {
        let dir = tempfile::tempdir().unwrap();
        let b = SledBackend::open(&dir.path().join("db")).unwrap();
        (dir, b)
    }

    fn read_all(path: &Path) -> Vec<(&'static str, Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        Reader::open(path)
            .unwrap()
            .entries(|t, k, v| {
                out.push((t, k, v));
                Ok(())
            })
            .unwrap();
        out
    }

    #[test]
    fn a_backup_round_trips_and_any_flipped_byte_is_refused() {
        let (dir, b) = backend();
        b.apply(Batch::new().put(CASES, vec![0, 0, 0, 1], b"sealed".to_vec()).put(
            COUNTERS,
            b"case".to_vec(),
            vec![0, 0, 0, 1],
        ))
        .unwrap();
        let path = dir.path().join("b.cbk");
        let summary = to_file(&b, &path).unwrap();
        assert_eq!(summary.entries, 2);
        assert_eq!(summary.writes_held, Duration::ZERO, "a quiet store is read without holding writes back");
        let all = read_all(&path);
        assert!(all.contains(&(CASES, vec![0, 0, 0, 1], b"sealed".to_vec())), "{all:?}");
        let good = std::fs::read(&path).unwrap();
        for at in 0..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0x80;
            std::fs::write(&path, &bad).unwrap();
            let err = Reader::open(&path).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("is damaged") || err.contains("not a casebook backup"), "byte {at}: {err:?}");
        }
        std::fs::write(&path, &good[..good.len() - 1]).unwrap();
        assert!(matches!(Reader::open(&path), Err(BackupError::Damaged(_))));
    }

    /// Writes keep coming while backups are taken: each backup holds a
    /// case and its revision record from the same write, never one
    /// without the other (a scan through the trees one by one would not).
    #[test]
    fn a_backup_sees_one_state_of_every_tree() {
        let (dir, b) = backend();
        let b = std::sync::Arc::new(b);
        // Many other cases, so that reading the cases tree takes a while.
        let mut filler = Batch::new();
        for i in 1u32..6000 {
            filler = filler.put(CASES, i.to_be_bytes().to_vec(), vec![7u8; 64]);
        }
        b.apply(filler).unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let (b, stop) = (b.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    let v = n.to_be_bytes().to_vec();
                    b.apply(Batch::new().put(CASES, vec![0, 0, 0, 0], v.clone()).put(CASE_META, vec![0, 0, 0, 0], v))
                        .unwrap();
                }
                n
            })
        };
        for i in 0..15 {
            let path = dir.path().join(format!("{i}.cbk"));
            to_file(b.as_ref(), &path).unwrap();
            let all = read_all(&path);
            let get = |tree| all.iter().find(|(t, k, _)| *t == tree && k == &[0, 0, 0, 0]).map(|e| e.2.clone());
            assert_eq!(get(CASES), get(CASE_META), "backup {i} holds half a write");
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(writer.join().unwrap() > 15, "the writer kept writing meanwhile");
    }
}
