//! `casebook salvage` (issue 11): every intact record carved out of a
//! damaged store's files, without asking sled to open them, and a fresh
//! store rebuilt from them.
//!
//! ## sled 0.34's files, as far as salvage needs them
//!
//! `db` is a log of fixed-size segments (512 KiB unless `conf` says
//! otherwise). A segment starts with a 20-byte header, then messages:
//!
//! ```text
//! u32 crc (LE)  u8 kind  varint len  varint segment number  varint page id  [len bytes]
//! ```
//!
//! sled's varint is 0–240 in one byte, 241–248 and 249 two- and three-byte
//! forms, 250–255 followed by 3–8 little-endian bytes. The crc is CRC-32
//! over the body, then the header after the crc, xor 0xFFFF_FFFF. A
//! message's place in time (its LSN) is its segment number times the
//! segment size plus its offset within the segment: the header carries it,
//! so no segment header or snapshot is needed to order what is found.
//! Kinds: 8 a whole tree node, 10 one change to a node, 9 and 11 the same
//! spilled to `blobs/<lsn>` (u32 crc, u8 kind, body) when over a quarter of
//! a segment, 2 padding to the end of the segment, 1 a cancelled write
//! (never applied); the rest (meta, counter, free, batch manifest) hold no
//! record. A node is `varint next, varint merging child, u8 merging, u8
//! prefix length, ivec lo, ivec hi, u8 0 (leaf) | 1 (index), varint n`,
//! then n keys and n values (ivec: varint length and bytes). Keys are
//! stored without the node's prefix `lo[..prefix length]`; a change
//! (`u8 0, ivec key, ivec value`; `u8 1, ivec key` deletes) is relative to
//! the prefix of the newest whole node of its page before it. The `snap.*`
//! files hold only the page table (where pages are), no record.
//!
//! sled never writes over a value: older versions stay in the log until
//! their segment is reused, so a record whose newest copy is damaged is
//! often found in an older one, and a segment's stale tail still holds
//! messages with their own (older) segment numbers.
//!
//! ## What is believed
//!
//! - Clear values (member records, references, revisions, counters, the
//!   refusal log) only from messages whose crc holds.
//! - Sealed values (age files) only when they open with the salvager's key
//!   (age authenticates the header and every chunk), and when what they
//!   hold names the record their key names. Inside a message whose crc
//!   fails, age files are found by their first line and the length sled
//!   wrote just before it, and believed on the same terms.
//! - Of several versions of a record, the newest: the one that holds the
//!   most (a concern's chronology, an action's history, a policy's reviews
//!   only grow), then the latest in the log.
//!
//! The sled files are hostile input here: every length read is checked
//! against what is left and capped; nothing in them can make salvage panic
//! or allocate more than the file holds.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::path::Path;

use age::x25519;

use super::backend::SledBackend;
use super::codec::{self, School, TermDates};
use super::crypto::{self, ClassKey};
use super::trees::*;
use super::{
    CaseMeta, Damaged, MemberRecord, STORE_FORMAT, Store, StoreError, be, codec_clear, id_of, parse_recipient,
};
use crate::domain::{AccessClass, Action, CaseFile, Debrief, Referral, TrackedPolicy};

const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
const DEFAULT_SEGMENT: usize = 512 * 1024;
const SEG_HEADER: usize = 20;
/// A record holds at most 2 MiB of plaintext (`limits::RECORD_BYTES`);
/// sealed, well under this. A longer length is damage.
const MAX_VALUE: usize = 4 * 1024 * 1024;
const MAX_KEY: usize = 4096;
/// No blob casebook makes comes near this (records are capped at 2 MiB).
const MAX_BLOB: u64 = 64 * 1024 * 1024;
/// Far above any school's store; a larger `db` is refused, not read.
const MAX_DB: u64 = 16 * 1024 * 1024 * 1024;

// sled's message kinds (pagecache::MessageKind).
const CANCELED: u8 = 1;
const CAP: u8 = 2;
const FREE: u8 = 4;
const INLINE_NODE: u8 = 8;
const BLOB_NODE: u8 = 9;
const INLINE_LINK: u8 = 10;
const BLOB_LINK: u8 = 11;

/// sled's varint (serialization.rs), bounded by the slice.
fn varint(buf: &[u8]) -> Option<(u64, usize)> {
    let first = *buf.first()?;
    Some(match first {
        0..=240 => (u64::from(first), 1),
        241..=248 => (240 + 256 * (u64::from(first) - 241) + u64::from(*buf.get(1)?), 2),
        249 => (2288 + 256 * u64::from(*buf.get(1)?) + u64::from(*buf.get(2)?), 3),
        other => {
            let n = usize::from(other) - 247;
            let mut le = [0u8; 8];
            le[..n].copy_from_slice(buf.get(1..=n)?);
            (u64::from_le_bytes(le), n + 1)
        }
    })
}

/// Reads sled's serialised values from a slice; every read is bounded.
struct Cur<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Cur<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Cur { buf, at: 0 }
    }

    fn u8(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u64> {
        let (v, n) = varint(self.buf.get(self.at..)?)?;
        self.at += n;
        Some(v)
    }

    fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        let end = self.at.checked_add(usize::try_from(n).ok()?)?;
        let s = self.buf.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    /// An ivec no longer than `cap`: where its bytes start, and the bytes.
    fn ivec(&mut self, cap: usize) -> Option<(usize, &'a [u8])> {
        let n = self.varint()?;
        if n > cap as u64 {
            return None;
        }
        let start = self.at;
        Some((start, self.take(n)?))
    }
}

struct Header {
    kind: u8,
    len: usize,
    segment: u64,
    pid: u64,
    size: usize,
}

fn header(buf: &[u8]) -> Option<Header> {
    let mut c = Cur::new(buf);
    c.take(4)?;
    let kind = c.u8()?;
    let len = usize::try_from(c.varint()?).ok()?;
    let segment = c.varint()?;
    let pid = c.varint()?;
    Some(Header { kind, len, segment, pid, size: c.at })
}

/// The message at `pos` if it is one whose crc holds, within its segment.
fn message_at(db: &[u8], pos: usize, seg_end: usize) -> Option<Header> {
    let kind = *db.get(pos + 4)?;
    if !(1..=11).contains(&kind) {
        return None;
    }
    let h = header(db.get(pos..seg_end)?)?;
    let body = pos + h.size;
    let end = body.checked_add(h.len)?;
    if end > seg_end {
        return None;
    }
    let stored = u32::from_le_bytes(db.get(pos..pos + 4)?.try_into().ok()?);
    let mut crc = crc32fast::Hasher::new();
    crc.update(&db[body..end]);
    crc.update(&db[pos + 4..body]);
    (crc.finalize() ^ 0xFFFF_FFFF == stored).then_some(h)
}

/// Where a value was found, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    /// A byte offset in `db`.
    Db(usize),
    /// A blob file, `blobs/<lsn>`.
    Blob(u64),
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Db(at) => write!(f, "db byte {at}"),
            Place::Blob(lsn) => write!(f, "blobs/{lsn}"),
        }
    }
}

/// One value found in the files.
struct Found {
    /// Its full key, where the message that holds it says.
    key: Option<Vec<u8>>,
    value: Vec<u8>,
    lsn: u64,
    place: Place,
    /// From a message whose crc held (not carved out of damaged bytes).
    intact: bool,
}

/// One message whose crc held.
struct Msg {
    lsn: u64,
    kind: u8,
    pid: u64,
    place: Place,
    body: Vec<u8>,
}

/// A node's prefix and its leaf entries (key without prefix, value).
struct Node<'a> {
    prefix: &'a [u8],
    entries: Vec<(&'a [u8], &'a [u8])>,
}

fn parse_node(body: &[u8]) -> Option<Node<'_>> {
    let mut c = Cur::new(body);
    c.varint()?;
    c.varint()?;
    c.u8()?;
    let prefix_len = usize::from(c.u8()?);
    let (_, lo) = c.ivec(MAX_KEY)?;
    c.ivec(MAX_KEY)?;
    let prefix = lo.get(..prefix_len)?;
    let leaf = c.u8()? == 0;
    let n = c.varint()?;
    // Each key takes at least a byte: a count beyond the body is damage.
    if n > body.len() as u64 {
        return None;
    }
    let mut entries = Vec::new();
    if leaf {
        let keys: Vec<&[u8]> = (0..n).map(|_| c.ivec(MAX_KEY).map(|k| k.1)).collect::<Option<_>>()?;
        for key in keys {
            entries.push((key, c.ivec(MAX_VALUE)?.1));
        }
    }
    Some(Node { prefix, entries })
}

/// A change to one key: `Some((key without prefix, value))` for a set.
fn parse_link(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut c = Cur::new(body);
    if c.u8()? != 0 {
        return None;
    }
    let (_, key) = c.ivec(MAX_KEY)?;
    let (_, value) = c.ivec(MAX_VALUE)?;
    Some((key, value))
}

/// What the files hold, read without sled.
struct Scan {
    segment: usize,
    db_len: usize,
    messages: Vec<Msg>,
    /// Byte ranges of `db` (not zero-filled) where no intact message is.
    unreadable: Vec<Range<usize>>,
    /// Age files carved out of unreadable bytes and damaged blobs.
    carved: Vec<Found>,
    blobs: usize,
    damaged_blobs: Vec<String>,
}

fn segment_size(dir: &Path) -> usize {
    let Ok(conf) = std::fs::read_to_string(dir.join("conf")) else { return DEFAULT_SEGMENT };
    conf.lines()
        .find_map(|l| l.strip_prefix("segment_size:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|s| s.is_power_of_two() && (4096..=1 << 30).contains(s))
        .unwrap_or(DEFAULT_SEGMENT)
}

/// Age files in `buf[range]` whose length sled wrote just before them.
fn carve_age(
    buf: &[u8],
    range: Range<usize>,
    mut lsn_at: impl FnMut(usize) -> u64,
    place: impl Fn(usize) -> Place,
) -> Vec<Found> {
    let mut out = Vec::new();
    let region = &buf[range.clone()];
    let mut from = 0;
    while let Some(i) = region.get(from..).and_then(|r| r.windows(AGE_MAGIC.len()).position(|w| w == AGE_MAGIC)) {
        let at = range.start + from + i;
        from += i + 1;
        for size in 1..=5usize {
            let Some(start) = at.checked_sub(size) else { break };
            let Some((len, used)) = varint(&buf[start..]) else { continue };
            let Ok(len) = usize::try_from(len) else { continue };
            if used != size || len < AGE_MAGIC.len() + 64 || len > MAX_VALUE {
                continue;
            }
            if let Some(value) = buf.get(at..at.saturating_add(len)) {
                out.push(Found { key: None, value: value.to_vec(), lsn: lsn_at(at), place: place(at), intact: false });
            }
        }
    }
    out
}

fn scan(dir: &Path) -> Result<Scan, StoreError> {
    let seg = segment_size(dir);
    let db_path = dir.join("db");
    let len = std::fs::metadata(&db_path)?.len();
    if len > MAX_DB {
        return Err(StoreError::Input(format!(
            "{} is {} bytes, far larger than any casebook store; nothing was salvaged",
            db_path.display(),
            len
        )));
    }
    let db = std::fs::read(&db_path)?;
    let mut messages = Vec::new();
    let mut unreadable = Vec::new();
    // (offset, segment number) of every intact message, in file order.
    let mut marks: Vec<(usize, u64)> = Vec::new();
    let mut seg_start = 0usize;
    while seg_start < db.len() {
        let seg_end = seg_start.saturating_add(seg).min(db.len());
        let mut pos = seg_start + SEG_HEADER;
        let mut bad_from: Option<usize> = None;
        while pos + 8 <= seg_end {
            let Some(h) = message_at(&db, pos, seg_end) else {
                bad_from.get_or_insert(pos);
                pos += 1;
                continue;
            };
            if let Some(from) = bad_from.take() {
                unreadable.push(from..pos);
            }
            let body = pos + h.size..pos + h.size + h.len;
            let lsn = h.segment.checked_mul(seg as u64).and_then(|b| b.checked_add((pos - seg_start) as u64));
            if h.kind == CAP {
                pos = seg_end;
                break;
            }
            if let Some(lsn) = lsn {
                marks.push((pos, h.segment));
                if h.kind != CANCELED {
                    messages.push(Msg {
                        lsn,
                        kind: h.kind,
                        pid: h.pid,
                        place: Place::Db(pos),
                        body: db[body.clone()].to_vec(),
                    });
                }
            }
            pos = body.end;
        }
        if let Some(from) = bad_from {
            unreadable.push(from..seg_end);
        } else if pos < seg_end {
            unreadable.push(pos..seg_end);
        }
        seg_start = seg_start.saturating_add(seg);
    }
    // Zero-filled space is unused, not damage.
    unreadable.retain(|r| db[r.clone()].iter().any(|b| *b != 0));

    // The LSN of a byte carved out of damaged space: from the nearest intact
    // message before it in its segment (its segment number), else after it.
    let lsn_at = |at: usize| -> u64 {
        let seg_start = at / seg * seg;
        let i = marks.partition_point(|(o, _)| *o <= at);
        let near = marks[..i]
            .last()
            .filter(|(o, _)| *o >= seg_start)
            .or_else(|| marks.get(i).filter(|(o, _)| *o < seg_start + seg));
        near.map_or(0, |(_, n)| n.saturating_mul(seg as u64).saturating_add((at - seg_start) as u64))
    };
    let mut carved = Vec::new();
    for r in &unreadable {
        carved.extend(carve_age(&db, r.clone(), lsn_at, Place::Db));
    }

    // Blobs: those an intact message points at, read as its body; the
    // others (or damaged ones) are carved like damaged space.
    let mut blobs = 0;
    let mut damaged_blobs = Vec::new();
    let mut blob_bodies: HashMap<u64, (u8, Vec<u8>)> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir(dir.join("blobs")) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(lsn) = name.parse::<u64>() else { continue };
            if entry.metadata().map_or(true, |m| !m.is_file() || m.len() > MAX_BLOB) {
                damaged_blobs.push(format!("blobs/{name} (not a file casebook's sled writes)"));
                continue;
            }
            let Ok(bytes) = std::fs::read(entry.path()) else {
                damaged_blobs.push(format!("blobs/{name} (unreadable)"));
                continue;
            };
            blobs += 1;
            let ok = bytes.len() >= 5 && {
                let mut crc = crc32fast::Hasher::new();
                crc.update(&bytes[4..]);
                crc.finalize().to_le_bytes() == bytes[..4]
            };
            if ok {
                blob_bodies.insert(lsn, (bytes[4], bytes[5..].to_vec()));
            } else {
                damaged_blobs.push(format!("blobs/{name} (its checksum does not match)"));
                carved.extend(carve_age(&bytes, 0..bytes.len(), |_| lsn, |_| Place::Blob(lsn)));
            }
        }
    }
    for m in &mut messages {
        if matches!(m.kind, BLOB_NODE | BLOB_LINK) {
            let id = m.body.get(..8).and_then(|b| b.try_into().ok()).map(i64::from_le_bytes);
            match id.and_then(|id| u64::try_from(id).ok()).and_then(|id| blob_bodies.remove(&id).map(|b| (id, b))) {
                Some((id, (kind, body))) if kind == m.kind => {
                    m.body = body;
                    m.place = Place::Blob(id);
                }
                _ => m.kind = 0,
            }
        }
    }
    // Blobs no intact message points at: a whole node still names its
    // keys in full; believed as intact (their crc held), at their own LSN.
    for (lsn, (kind, body)) in blob_bodies {
        if kind == BLOB_NODE {
            messages.push(Msg { lsn, kind: INLINE_NODE, pid: u64::MAX, place: Place::Blob(lsn), body });
        }
    }
    Ok(Scan { segment: seg, db_len: db.len(), messages, unreadable, carved, blobs, damaged_blobs })
}

/// Every value the intact messages hold, with its full key where known.
fn values(messages: &mut [Msg]) -> Vec<Found> {
    messages.sort_by_key(|m| m.lsn);
    let mut prefixes: HashMap<u64, Vec<u8>> = HashMap::new();
    let mut out = Vec::new();
    for m in messages.iter() {
        match m.kind {
            INLINE_NODE | BLOB_NODE => {
                let Some(node) = parse_node(&m.body) else { continue };
                for (k, v) in &node.entries {
                    out.push(Found {
                        key: Some([node.prefix, k].concat()),
                        value: v.to_vec(),
                        lsn: m.lsn,
                        place: m.place,
                        intact: true,
                    });
                }
                if m.pid != u64::MAX {
                    prefixes.insert(m.pid, node.prefix.to_vec());
                }
            }
            INLINE_LINK | BLOB_LINK => {
                let Some((k, v)) = parse_link(&m.body) else { continue };
                out.push(Found {
                    key: prefixes.get(&m.pid).map(|p| [p.as_slice(), k].concat()),
                    value: v.to_vec(),
                    lsn: m.lsn,
                    place: m.place,
                    intact: true,
                });
            }
            FREE => {
                prefixes.remove(&m.pid);
            }
            _ => {}
        }
    }
    out
}

/// A sealed record, opened and named by what it holds.
struct Opened {
    tree: &'static str,
    /// The id it names itself by (debriefs, actions, policies).
    id: Option<u32>,
    /// Its reference ("C-2026-0001", "D-2026-0001", "A-0001", policy name).
    label: String,
    /// How much it holds: only grows from one revision to the next.
    version: u64,
    /// Whether it names its own place (issue 10): then `version` is its
    /// revision, and its revision record must say the same.
    bound: bool,
    /// The concern a referral, device, search or file belongs to (issue
    /// 13: a restricted concern's get their marker back).
    of_case: Option<u32>,
    /// A file's number on its concern (`id` is the concern's): files are
    /// kept under both.
    file: Option<u32>,
}

fn identify(plain: &[u8]) -> Option<Opened> {
    // Issue 10: a bound record names its revision; older ones are ranked
    // by how much they hold.
    if let Ok((c, place)) = codec::decode_any::<CaseFile>(plain) {
        let bound = place.is_some();
        let version = place.map_or(c.chronology.len() as u64, |p| p.revision);
        return Some(Opened {
            tree: CASES,
            id: None,
            label: c.concern.reference,
            version,
            bound,
            of_case: None,
            file: None,
        });
    }
    if let Ok((d, _)) = codec::decode_any::<Debrief>(plain) {
        return Some(Opened {
            tree: DEBRIEFS,
            id: Some(d.id),
            label: d.reference,
            version: 0,
            bound: false,
            of_case: None,
            file: None,
        });
    }
    if let Ok((a, _)) = codec::decode_any::<Action>(plain) {
        let version = a.history.len() as u64;
        return Some(Opened {
            tree: ACTIONS,
            id: Some(a.id),
            label: a.label(),
            version,
            bound: false,
            of_case: None,
            file: None,
        });
    }
    // Issue 12: a person names their own id; a later version holds more
    // history. Their index and the roll are caches of these records, made
    // again by the first DSL or deputy search in the new store.
    if let Ok((p, _)) = codec::decode_any::<crate::domain::Person>(plain) {
        let version = p.history.len() as u64;
        return Some(Opened {
            tree: PEOPLE,
            id: Some(p.id),
            label: p.label(),
            version,
            bound: false,
            of_case: None,
            file: None,
        });
    }
    // Issue 13: a referral names its own id; entries never change.
    if let Ok((r, _)) = codec::decode_any::<Referral>(plain) {
        return Some(Opened {
            tree: REFERRALS,
            id: Some(r.id),
            label: r.label(),
            version: 0,
            bound: false,
            of_case: Some(r.case_id),
            file: None,
        });
    }
    // Issue 13 (P6.1-b): a device in custody names its own id; a later
    // version holds a longer chain.
    if let Ok((c, _)) = codec::decode_any::<crate::domain::Custody>(plain) {
        let version = c.events.len() as u64;
        return Some(Opened {
            tree: CUSTODY,
            id: Some(c.id),
            label: c.label(),
            version,
            bound: false,
            of_case: Some(c.case_id),
            file: None,
        });
    }
    // Issue 13 (P6.1-e): a search names its own id; it never changes.
    if let Ok((s, _)) = codec::decode_any::<crate::domain::searches::DeviceSearch>(plain) {
        return Some(Opened {
            tree: SEARCHES,
            id: Some(s.id),
            label: s.label(),
            version: 0,
            bound: false,
            of_case: Some(s.case_id),
            file: None,
        });
    }
    // Issue 13: a file names its concern and its number on it.
    if let Ok((a, _)) = codec::decode_any::<super::attachments::Attachment>(plain) {
        return Some(Opened {
            tree: ATTACHMENTS,
            id: Some(a.case_id),
            label: format!("file {} of concern #{}", a.number, a.case_id),
            version: 0,
            bound: false,
            of_case: Some(a.case_id),
            file: Some(a.number),
        });
    }
    if let Ok((p, _)) = codec::decode_any::<TrackedPolicy>(plain) {
        let version = (p.reviews.len() + p.triggers.len()) as u64;
        return Some(Opened {
            tree: POLICIES,
            id: Some(p.id),
            label: format!("policy {}", p.name),
            version,
            bound: false,
            of_case: None,
            file: None,
        });
    }
    // Issue 13 (P5-a, P5-c, P5-e, P7-b): a register entry names its own id.
    if let Ok((e, _)) = codec::decode_any::<crate::domain::register::RegisterEntry>(plain) {
        return Some(Opened {
            tree: if e.kind.dsl_only() { DISCLOSURES } else { REGISTERS },
            id: Some(e.id),
            label: e.label(),
            version: 0,
            bound: false,
            of_case: None,
            file: None,
        });
    }
    // S-d, S-e: a disposal record; its number is its key (the record does
    // not hold it), so salvage keeps it under the number it was found at.
    if let Ok((d, place)) = codec::decode_any::<crate::domain::retention::Disposal>(plain) {
        return Some(Opened {
            tree: DISPOSALS,
            id: place.and_then(|p| id_of(&p.key).ok()),
            // What it disposed of, by number: what salvage leaves out.
            label: match &d.what {
                crate::domain::retention::Disposed::Concern { case_id, reference } => {
                    format!("the disposal of {reference} (#{case_id})")
                }
                crate::domain::retention::Disposed::Person { person_id } => {
                    format!("the disposal of {}", crate::domain::person::person_label(*person_id))
                }
            },
            version: 0,
            bound: false,
            of_case: None,
            file: None,
        });
    }
    // Issue 13 (P5-g): a restricted concern's restriction, kept under its
    // concern's id; without it the concern would open for nobody.
    if let Ok((r, _)) = codec::decode_any::<crate::domain::restricted::Restriction>(plain) {
        return Some(Opened {
            tree: RESTRICTED,
            id: Some(r.case_id),
            label: format!("the restriction of concern #{}", r.case_id),
            version: 0,
            bound: false,
            of_case: None,
            file: None,
        });
    }
    None
}

/// One record salvage recovered.
#[derive(Debug, Clone)]
pub struct Recovered {
    pub tree: &'static str,
    pub id: u32,
    /// "C-2026-0001", "D-2026-0001", "A-0001", "policy …".
    pub label: String,
    /// The age file, byte for byte as found.
    pub sealed: Vec<u8>,
    pub place: Place,
    /// Found inside damaged bytes (its crc failed), confirmed by opening it.
    pub carved: bool,
    /// A concern's revision (its chronology's length) when it is older than
    /// the newest revision its clear revision record names.
    pub older: Option<(u64, u64)>,
}

/// What salvage found and did.
#[derive(Debug, Default)]
pub struct Report {
    pub db_bytes: usize,
    pub segment_size: usize,
    /// Intact messages read.
    pub messages: usize,
    pub blobs: usize,
    /// Byte ranges of `db` where no intact message was (damaged, or a
    /// reused segment's stale tail), with anything carved out of them.
    pub unreadable: Vec<Range<usize>>,
    pub damaged_blobs: Vec<String>,
    /// Records recovered per tree, in the order of `trees::ALL`.
    pub recovered: Vec<(&'static str, usize)>,
    pub records: Vec<Recovered>,
    /// Records that once existed (their id or reference is known) and were
    /// not recovered, named.
    pub lost: Vec<String>,
    /// Age files found that did not open or did not match their key.
    pub unopened: Vec<String>,
    /// Anything else the salvager should know (a class key made anew…).
    pub notes: Vec<String>,
    /// What `verify` says of the rebuilt store (empty: it passes).
    pub problems: Vec<Damaged>,
}

impl Report {
    /// Bytes of `db` that held no intact message.
    pub fn unreadable_bytes(&self) -> usize {
        self.unreadable.iter().map(|r| r.len()).sum()
    }

    pub fn carved(&self) -> usize {
        self.records.iter().filter(|r| r.carved).count()
    }
}

/// How one version of a record ranks against another: what it holds, then
/// its place in the log, then whether its message was intact.
type Rank = (u64, u64, bool);

/// The records carved out of a damaged store, ready to be written into a
/// new one: every tree's entries (the index and figures are left to be
/// rebuilt from the records).
pub struct Carved {
    pub entries: BTreeMap<&'static str, BTreeMap<Vec<u8>, Vec<u8>>>,
    pub report: Report,
    class_keys: Vec<ClassKey>,
}

fn hash_of(bytes: &[u8]) -> (usize, u64) {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    (bytes.len(), h.finish())
}

fn well_formed_reference(text: &[u8]) -> bool {
    text.len() >= 11
        && text[0] == b'C'
        && text[1] == b'-'
        && text[2..6].iter().all(u8::is_ascii_digit)
        && text[6] == b'-'
        && text[7..].iter().all(u8::is_ascii_digit)
}

fn counter_name(key: &[u8]) -> bool {
    (1..=40).contains(&key.len())
        && key.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && key.iter().any(u8::is_ascii_lowercase)
}

/// Keeps the newest (by LSN) clear value under each key.
fn keep_newest<K: Ord, V>(map: &mut BTreeMap<K, (u64, V)>, key: K, lsn: u64, value: V) {
    match map.get(&key) {
        Some((old, _)) if *old >= lsn => {}
        _ => {
            map.insert(key, (lsn, value));
        }
    }
}

/// Carves every intact record out of the sled files in `dir`, opening the
/// sealed ones with `identity` (a member who reads every class: the DSL or
/// a deputy). Nothing in `dir` is written.
pub fn carve(dir: &Path, identity: &x25519::Identity) -> Result<Carved, StoreError> {
    let mut scan = scan(dir)?;
    let compressed = std::fs::read_to_string(dir.join("conf")).is_ok_and(|c| c.contains("use_compression: true"));
    let mut found = values(&mut scan.messages);
    found.append(&mut scan.carved);
    let mut report = Report {
        db_bytes: scan.db_len,
        segment_size: scan.segment,
        messages: scan.messages.len(),
        blobs: scan.blobs,
        unreadable: scan.unreadable,
        damaged_blobs: scan.damaged_blobs,
        ..Report::default()
    };

    if compressed {
        // casebook never turns sled's compression on.
        report.notes.push(
            "sled's `conf` says this store was written compressed, which casebook never does and salvage does not \
             read; only uncompressed records were looked for"
                .into(),
        );
    }

    // Clear values, believed only from intact messages.
    let mut members: BTreeMap<u32, (u64, Vec<u8>)> = BTreeMap::new();
    // Each concern's revisions found (clear), each with where it was first
    // seen in the log.
    let mut revisions: BTreeMap<u32, BTreeMap<u64, u64>> = BTreeMap::new();
    let mut references: BTreeMap<String, (u64, u32)> = BTreeMap::new();
    let mut counters: BTreeMap<String, (u64, u32)> = BTreeMap::new();
    let mut refusals: BTreeMap<Vec<u8>, (u64, Vec<u8>)> = BTreeMap::new();
    let mut audit: BTreeMap<Vec<u8>, (u64, Vec<u8>)> = BTreeMap::new();
    // Issue 10: the DSL's authenticated roster and the recovery key's
    // public half, carried over as they are (members verify the roster).
    let mut settings: BTreeMap<Vec<u8>, (u64, Vec<u8>)> = BTreeMap::new();
    // P5-c: where the disclosure register's own numbering starts (kept in
    // its tree, under a name).
    let mut numbered_from: BTreeMap<Vec<u8>, (u64, Vec<u8>)> = BTreeMap::new();
    let mut sealed: Vec<Found> = Vec::new();
    for f in found {
        if f.value.starts_with(AGE_MAGIC) {
            if !f.key.as_deref().is_some_and(|k| k.starts_with(SHARD_PREFIX)) {
                sealed.push(f);
            }
            continue;
        }
        let (Some(key), true) = (f.key.as_deref(), f.intact) else { continue };
        let v = &f.value;
        // Counters are named ("case", "member"…): the name comes first, as
        // "case" is four bytes like a record's id.
        if key == super::registers::DISCLOSURES_NUMBERED_FROM {
            keep_newest(&mut numbered_from, key.to_vec(), f.lsn, v.clone());
        } else if key == super::roster::ROSTER.as_bytes() || key == super::RECOVERY.as_bytes() {
            keep_newest(&mut settings, key.to_vec(), f.lsn, v.clone());
        } else if counter_name(key) && v.len() == 4 {
            let n = u32::from_be_bytes(v.as_slice().try_into().expect("4 bytes"));
            keep_newest(&mut counters, String::from_utf8_lossy(key).into_owned(), f.lsn, n);
        } else if key.len() == 4 {
            let id = u32::from_be_bytes(key.try_into().expect("4 bytes"));
            if let Ok(meta) = codec::from_bytes::<CaseMeta>(v)
                && meta.format == CaseMeta::FORMAT
                && meta.revision > 0
            {
                let seen = revisions.entry(id).or_default().entry(meta.revision).or_insert(f.lsn);
                *seen = (*seen).min(f.lsn);
            } else if let Ok(m) = codec::from_bytes::<MemberRecord>(v)
                && m.format == MemberRecord::FORMAT
                && parse_recipient(&m.recipient).is_ok()
                && m.sealed_name.starts_with(AGE_MAGIC)
            {
                keep_newest(&mut members, id, f.lsn, v.clone());
            }
        } else if well_formed_reference(key) && v.len() == 4 {
            let id = u32::from_be_bytes(v.as_slice().try_into().expect("4 bytes"));
            keep_newest(&mut references, String::from_utf8_lossy(key).into_owned(), f.lsn, id);
        } else if key.len() == 8 && super::audit::is_entry(key, v) {
            // Issue 10's audit log: numbered like the refusal log, but its
            // entries are bincode records naming their own number.
            keep_newest(&mut audit, key.to_vec(), f.lsn, v.clone());
        } else if key.len() == 8 && std::str::from_utf8(v).is_ok() {
            keep_newest(&mut refusals, key.to_vec(), f.lsn, v.clone());
        }
    }
    let reference_ids: HashMap<&str, u32> = references.iter().map(|(r, (_, id))| (r.as_str(), *id)).collect();

    // Newest first: the first of each that opens is the one kept.
    sealed.sort_by(|a, b| b.lsn.cmp(&a.lsn).then(b.intact.cmp(&a.intact)));

    // The class keys, opened with the salvager's own key.
    let mut class_keys: Vec<ClassKey> = Vec::new();
    for class in AccessClass::ALL {
        let key = class.tag().as_bytes();
        let opened = sealed.iter().filter(|f| f.key.as_deref() == Some(key)).find_map(|f| {
            let plain = crypto::open(&f.value, &[identity]).ok()?;
            ClassKey::from_bytes(class, &plain)
        });
        match opened {
            Some(k) => class_keys.push(k),
            None => report.notes.push(format!(
                "the {} class key was not recovered: a new one is made, and records of that class open through \
                 each member's own key",
                class.tag()
            )),
        }
    }
    let mut ids: Vec<&dyn age::Identity> = class_keys.iter().map(|k| k as &dyn age::Identity).collect();
    ids.push(identity);

    // The school's name.
    let school = sealed
        .iter()
        .filter(|f| f.key.as_deref() == Some(b"school".as_slice()))
        .find(|f| crypto::open(&f.value, &ids).ok().is_some_and(|p| codec::decode_any::<School>(&p).is_ok()));
    let school = school.map(|f| f.value.clone());
    if school.is_none() {
        report.lost.push("the school's name (settings): not found intact".into());
    }
    // Issue 13: the term dates, the newest copy that opens. A store that
    // never had any loses nothing (weekends only), so none is no loss.
    let term_dates = sealed
        .iter()
        .filter(|f| f.key.as_deref() == Some(super::calendar::TERM_DATES.as_bytes()))
        .find(|f| crypto::open(&f.value, &ids).ok().is_some_and(|p| codec::decode_any::<TermDates>(&p).is_ok()))
        .map(|f| f.value.clone());
    // Issue 13 (P3-a, P2-a): the school's catalogue, likewise (none: the seed).
    let catalogue = sealed
        .iter()
        .filter(|f| f.key.as_deref() == Some(super::catalogue::CATALOGUE.as_bytes()))
        .find(|f| {
            crypto::open(&f.value, &ids).ok().is_some_and(|p| codec::decode_any::<codec::CatalogueFile>(&p).is_ok())
        })
        .map(|f| f.value.clone());

    // Every other sealed value: opened once per distinct ciphertext.
    // None: it did not open; Some(None): it opened, but is no record kept
    // here (an index shard, figures: rebuilt from the records).
    let mut opened: HashMap<(usize, u64), Option<Option<Opened>>> = HashMap::new();
    let mut failed_at: BTreeMap<Place, usize> = BTreeMap::new();
    let mut opened_at: BTreeSet<Place> = BTreeSet::new();
    // (tree, id) -> (version, lsn, intact), index into `sealed`.
    let mut best: BTreeMap<(&'static str, u32), (Rank, usize)> = BTreeMap::new();
    // (concern, number) -> the same, for files.
    let mut files: BTreeMap<(u32, u32), (Rank, usize)> = BTreeMap::new();
    let mut mismatched = BTreeSet::new();
    let mut unplaced: BTreeMap<String, Place> = BTreeMap::new();
    for (i, f) in sealed.iter().enumerate() {
        let key_id = match f.key.as_deref() {
            // The school's name and the class keys are read above.
            Some(k)
                if k == b"school"
                    || k == super::calendar::TERM_DATES.as_bytes()
                    || k == super::catalogue::CATALOGUE.as_bytes()
                    || std::str::from_utf8(k).ok().and_then(AccessClass::from_tag).is_some() =>
            {
                continue;
            }
            Some(k) if k.len() == 4 => Some(id_of(k).expect("4 bytes")),
            // Carved, or a change whose node's prefix is not known: what
            // the record holds names it.
            _ => None,
        };
        let o = opened.entry(hash_of(&f.value)).or_insert_with(|| {
            let plain = crypto::open(&f.value, &ids).ok()?;
            Some(identify(&plain))
        });
        let Some(o) = o else {
            // A carved age file is tried at every length sled could have
            // written before it: one failing length is no loss.
            failed_at.entry(f.place).or_insert(f.value.len());
            continue;
        };
        opened_at.insert(f.place);
        let Some(o) = o else { continue };
        // Issue 13: a file is kept under its concern's id and its number.
        if let (Some(number), Some(case)) = (o.file, o.id) {
            let own = super::attachments::key(case, number);
            if f.key.as_deref().is_some_and(|k| k != own.as_slice()) {
                mismatched.insert(format!("{} at {}", o.label, f.place));
            } else {
                let rank = (o.version, f.lsn, f.intact);
                if files.get(&(case, number)).is_none_or(|(r, _)| *r < rank) {
                    files.insert((case, number), (rank, i));
                }
            }
            continue;
        }
        let id = match (o.tree, o.id, key_id) {
            (CASES, _, _) => match (reference_ids.get(o.label.as_str()), key_id) {
                (Some(r), Some(k)) if *r != k => None,
                (Some(r), _) => Some(*r),
                (None, k) => k,
            },
            (_, Some(own), Some(k)) if own != k => None,
            (_, own, _) => own,
        };
        let Some(id) = id else {
            if key_id.is_some() {
                mismatched.insert(format!("{} at {}", o.label, f.place));
            } else {
                unplaced.entry(o.label.clone()).or_insert(f.place);
            }
            continue;
        };
        let rank = (o.version, f.lsn, f.intact);
        match best.get(&(o.tree, id)) {
            Some((r, _)) if *r >= rank => {}
            _ => {
                best.insert((o.tree, id), (rank, i));
            }
        }
    }
    for (place, len) in failed_at {
        if !opened_at.contains(&place) {
            report.unopened.push(format!(
                "an age file at {place} (about {}) did not open: it is damaged",
                crate::domain::limits::size(len)
            ));
        }
    }
    for m in mismatched {
        report.unopened.push(format!("{m}: what it holds does not match the key it was stored under; left out"));
    }
    let placed: BTreeSet<&str> = best
        .values()
        .filter_map(|(_, i)| opened[&hash_of(&sealed[*i].value)].as_ref().and_then(Option::as_ref))
        .map(|o| o.label.as_str())
        .collect();
    for (label, place) in &unplaced {
        if !placed.contains(label.as_str()) {
            report.lost.push(format!(
                "{label}: opened at {place}, but its number in the store is lost with its reference entry; left out"
            ));
        }
    }

    // S-d, S-e: sled keeps old bytes until it reuses their space, so a
    // concern or person disposed of may still be found here. What a
    // disposal record found says was disposed of is not brought back, nor
    // are the records of that concern (`casebook verify`, run on the new
    // store, checks each disposal record is a DSL's).
    let mut gone_cases: BTreeSet<u32> = BTreeSet::new();
    let mut gone_people: BTreeSet<u32> = BTreeSet::new();
    for ((tree, _), (_, i)) in &best {
        let found = opened[&hash_of(&sealed[*i].value)].as_ref().and_then(Option::as_ref);
        let Some(what) = found.filter(|_| *tree == DISPOSALS).and_then(|o| o.label.strip_prefix("the disposal of "))
        else {
            continue;
        };
        match what.split_once(" (#") {
            Some((_, id)) => gone_cases.extend(id.trim_end_matches(')').parse::<u32>().ok()),
            None => gone_people.extend(crate::domain::person::parse_person_id(what)),
        }
    }
    let mut dropped: BTreeSet<(&'static str, u32)> = BTreeSet::new();
    best.retain(|(tree, id), (_, i)| {
        let found = opened[&hash_of(&sealed[*i].value)].as_ref().and_then(Option::as_ref);
        let gone = (matches!(*tree, CASES | RESTRICTED) && gone_cases.contains(id))
            || (*tree == PEOPLE && gone_people.contains(id))
            || found.and_then(|o| o.of_case).is_some_and(|c| gone_cases.contains(&c));
        if gone {
            dropped.insert((tree, *id));
        }
        !gone
    });
    // A disposed concern's files too (found in review: they came back).
    files.retain(|(case, _), _| !gone_cases.contains(case));
    if !gone_cases.is_empty() || !gone_people.is_empty() {
        report.notes.push(format!(
            "{} concern(s) and {} person record(s) were disposed of (S-d, S-e): their disposal records were found, \
             so they are not brought back",
            gone_cases.len(),
            gone_people.len()
        ));
    }

    // The entries of the new store.
    let mut entries: BTreeMap<&'static str, BTreeMap<Vec<u8>, Vec<u8>>> = BTreeMap::new();
    let mut put = |tree: &'static str, key: Vec<u8>, value: Vec<u8>| {
        entries.entry(tree).or_default().insert(key, value);
    };
    put(SETTINGS, b"format".to_vec(), STORE_FORMAT.to_be_bytes().to_vec());
    if let Some(s) = school {
        put(SETTINGS, b"school".to_vec(), s);
    }
    if let Some(t) = term_dates {
        put(SETTINGS, super::calendar::TERM_DATES.as_bytes().to_vec(), t);
    }
    if let Some(c) = catalogue {
        put(SETTINGS, super::catalogue::CATALOGUE.as_bytes().to_vec(), c);
    }
    for (id, (_, record)) in &members {
        put(MEMBERS, be(*id).to_vec(), record.clone());
    }
    let mut taken_refs: BTreeMap<String, u32> = BTreeMap::new();
    let mut highest: BTreeMap<String, u32> = BTreeMap::new();
    let mut note_highest = |name: String, n: u32| {
        let h = highest.entry(name).or_default();
        *h = (*h).max(n);
    };
    for ((tree, id), ((version, _, _), i)) in &best {
        let f = &sealed[*i];
        let found = opened[&hash_of(&f.value)].as_ref().and_then(Option::as_ref);
        let label = found.map(|o| o.label.clone()).unwrap_or_default();
        let bound = found.is_some_and(|o| o.bound);
        let mut older = None;
        match *tree {
            CASES => {
                if let Some(other) = taken_refs.insert(label.clone(), *id) {
                    report.unopened.push(format!("{label} is held by both concern #{other} and #{id}; #{id} left out"));
                    taken_refs.insert(label.clone(), other);
                    continue;
                }
                // casebook adds one chronology entry with every change to a
                // concern, so its chronology's length is its revision: a
                // newer revision in the clear revision records means a newer
                // record was written and is lost.
                let newest = revisions.get(id).and_then(|r| r.keys().last().copied());
                if let Some(newest) = newest
                    && newest > *version
                {
                    older = Some((*version, newest));
                }
                // A bound record opens only at the revision it names.
                let revision = if bound { *version } else { newest.unwrap_or(*version).max(*version).max(1) };
                put(CASES, be(*id).to_vec(), f.value.clone());
                put(CASE_META, be(*id).to_vec(), codec_clear(&CaseMeta { format: CaseMeta::FORMAT, revision }));
                put(CASE_REFS, label.as_bytes().to_vec(), be(*id).to_vec());
                note_highest("case".into(), *id);
                if let Some((year, seq)) = label.strip_prefix("C-").and_then(|r| r.split_once('-'))
                    && let Ok(seq) = seq.parse::<u32>()
                {
                    note_highest(format!("case-ref-{year}"), seq);
                }
            }
            DEBRIEFS => {
                put(DEBRIEFS, be(*id).to_vec(), f.value.clone());
                note_highest("debrief".into(), *id);
                if let Some((year, seq)) = label.strip_prefix("D-").and_then(|r| r.split_once('-'))
                    && let Ok(seq) = seq.parse::<u32>()
                {
                    note_highest(format!("debrief-ref-{year}"), seq);
                }
            }
            other => {
                put(other, be(*id).to_vec(), f.value.clone());
                if other == ACTIONS {
                    note_highest("action".into(), *id);
                }
                if other == REFERRALS {
                    note_highest("referral".into(), *id);
                }
                if other == CUSTODY {
                    note_highest("custody".into(), *id);
                }
                if other == SEARCHES {
                    note_highest("search".into(), *id);
                }
                if other == PEOPLE {
                    note_highest("person".into(), *id);
                }
                if other == REGISTERS || other == DISCLOSURES {
                    note_highest("register".into(), *id);
                }
                if other == DISPOSALS {
                    note_highest("disposal".into(), *id);
                }
            }
        }
        report.records.push(Recovered {
            tree,
            id: *id,
            label,
            sealed: f.value.clone(),
            place: f.place,
            carved: !f.intact,
            older,
        });
    }
    // Issue 13: each file under its concern's id and its number. casebook
    // lists a concern's files up to the first number missing, so a file
    // lost before others is named.
    for ((case, number), (_, i)) in &files {
        let f = &sealed[*i];
        let of = references.iter().find(|(_, (_, id))| id == case).map(|(r, _)| crate::text::one_line(r));
        let label = format!("file {number} of {}", of.unwrap_or_else(|| format!("concern #{case}")));
        put(ATTACHMENTS, super::attachments::key(*case, *number), f.value.clone());
        report.records.push(Recovered {
            tree: ATTACHMENTS,
            id: *case,
            label,
            sealed: f.value.clone(),
            place: f.place,
            carved: !f.intact,
            older: None,
        });
        for missing in (1..*number).filter(|n| !files.contains_key(&(*case, *n))) {
            report.lost.push(format!(
                "file {missing} of concern #{case}: no intact copy found (file {number} and any after it are kept, \
                 but listed only once a file {missing} is attached again)"
            ));
        }
    }
    // Issue 13 (P5-g): each referral, device, search and file of a
    // restricted concern gets its clear marker back.
    for ((tree, id), (_, i)) in &best {
        let found = opened[&hash_of(&sealed[*i].value)].as_ref().and_then(Option::as_ref);
        if matches!(*tree, REFERRALS | CUSTODY | SEARCHES)
            && let Some(case) = found.and_then(|o| o.of_case)
            && best.contains_key(&(RESTRICTED, case))
        {
            put(RESTRICTED, super::restricted::marker(tree, &be(*id)), be(case).to_vec());
        }
    }
    for (case, number) in files.keys() {
        if best.contains_key(&(RESTRICTED, *case)) {
            let key = super::attachments::key(*case, *number);
            put(RESTRICTED, super::restricted::marker(ATTACHMENTS, &key), be(*case).to_vec());
        }
    }
    if let Some(m) = members.keys().last() {
        note_highest("member".into(), *m);
    }
    // Counters never go back: the newest found, or past every id in use
    // or known to have been (a lost concern's number is not handed out again).
    for id in revisions.keys().chain(references.values().map(|(_, id)| id)) {
        note_highest("case".into(), *id);
    }
    for reference in references.keys() {
        if let Some((year, seq)) = reference.strip_prefix("C-").and_then(|r| r.split_once('-'))
            && let Ok(seq) = seq.parse::<u32>()
        {
            note_highest(format!("case-ref-{year}"), seq);
        }
    }
    let mut all_counters: BTreeMap<String, u32> = counters.iter().map(|(k, (_, n))| (k.clone(), *n)).collect();
    for (name, n) in highest {
        let c = all_counters.entry(name).or_default();
        *c = (*c).max(n);
    }
    for (name, n) in &all_counters {
        put(COUNTERS, name.as_bytes().to_vec(), n.to_be_bytes().to_vec());
    }
    for (k, (_, v)) in refusals {
        put(REFUSALS, k, v);
    }
    for (k, (_, v)) in audit {
        put(AUDIT, k, v);
    }
    for (k, (_, v)) in settings {
        put(SETTINGS, k, v);
    }
    for (k, (_, v)) in numbered_from {
        put(DISCLOSURES, k, v);
    }

    // What once existed and is not here.
    let names: HashMap<u32, &str> = references.iter().map(|(r, (_, id))| (*id, r.as_str())).collect();
    let got = |tree: &str, id: u32| best.contains_key(&(tree, id));
    let known_cases: BTreeSet<u32> = revisions
        .keys()
        .copied()
        .chain(names.keys().copied())
        .chain(1..=all_counters.get("case").copied().unwrap_or(0).min(10_000_000))
        .collect();
    for id in known_cases {
        if !got(CASES, id) && !gone_cases.contains(&id) {
            report.lost.push(match names.get(&id) {
                Some(r) => format!("concern {} (#{id}): no intact copy found", crate::text::one_line(r)),
                None => format!("concern #{id}: no intact copy found (or it was never completed)"),
            });
        }
    }
    for (tree, counter) in [
        (DEBRIEFS, "debrief"),
        (ACTIONS, "action"),
        (REFERRALS, "referral"),
        (PEOPLE, "person"),
        (CUSTODY, "custody"),
        (SEARCHES, "search"),
    ] {
        for id in 1..=counters.get(counter).map_or(0, |c| c.1).min(10_000_000) {
            let disposed = dropped.contains(&(tree, id)) || (tree == PEOPLE && gone_people.contains(&id));
            if !got(tree, id) && !disposed {
                let name = match tree {
                    ACTIONS => crate::domain::action::action_label(id),
                    REFERRALS => crate::domain::referral::referral_label(id),
                    PEOPLE => crate::domain::person::person_label(id),
                    CUSTODY => crate::domain::custody::custody_label(id),
                    SEARCHES => crate::domain::searches::search_label(id),
                    _ => format!("debrief #{id}"),
                };
                report.lost.push(format!("{name}: no intact copy found (or it was never completed)"));
            }
        }
    }
    for (counter, what) in [("case", "concerns"), ("debrief", "debriefs"), ("action", "actions"), ("member", "members")]
    {
        if !counters.contains_key(counter) {
            report.notes.push(format!(
                "the {counter} counter was not found intact, so {what} numbered after the last one recovered, if \
                 any, cannot be named here"
            ));
        }
    }
    for id in 1..=counters.get("member").map_or(0, |c| c.1).min(1_000_000) {
        if !members.contains_key(&id) {
            report.lost.push(format!("member #{id}: no intact member record found"));
        }
    }
    for tree in ALL {
        let n = match tree {
            SETTINGS | INDEX | FIGURES | CASE_META | CASE_REFS | PEOPLE_INDEX | ROLL => continue,
            CASES | DEBRIEFS | ACTIONS | POLICIES | REFERRALS | PEOPLE | CUSTODY | SEARCHES | RESTRICTED
            | REGISTERS | DISCLOSURES | ATTACHMENTS | DISPOSALS => {
                report.records.iter().filter(|r| r.tree == tree).count()
            }
            CLASS_KEYS => class_keys.len(),
            other => entries.get(other).map_or(0, BTreeMap::len),
        };
        report.recovered.push((tree, n));
    }
    Ok(Carved { entries, report, class_keys })
}

/// `casebook salvage DAMAGED_DIR --into NEW_DIR`: carves the damaged
/// store's records, builds a new store from them beside NEW_DIR and renames
/// it into place, rebuilds the board index and figures, and verifies it.
/// `dump`: also write each recovered record there as a `.age` file.
pub fn salvage(
    damaged: &Path,
    into: &Path,
    identity: &x25519::Identity,
    dump: Option<&Path>,
) -> Result<Report, StoreError> {
    check_paths(damaged, into, dump)?;
    let carved = carve(damaged, identity)?;
    let me = identity.to_public().to_string();
    let mine = carved
        .entries
        .get(MEMBERS)
        .into_iter()
        .flat_map(|m| m.values())
        .find_map(|v| codec::from_bytes::<MemberRecord>(v).ok().filter(|m| m.recipient == me));
    match mine {
        Some(m) if m.role.classes().len() == AccessClass::ALL.len() => {}
        Some(m) => {
            return Err(StoreError::Input(format!(
                "salvage needs the DSL's or a deputy's key (one that opens every record); this key is {}'s",
                m.role
            )));
        }
        None => {
            return Err(StoreError::Input(format!(
                "no member record for this key ({me}) was found in {}; run salvage with the DSL's key",
                damaged.display()
            )));
        }
    }
    let Carved { mut entries, mut report, class_keys } = carved;

    // Issue 10 (found in review): the class keys go only to the members the
    // DSL's authenticated roster names, checked with this key and against
    // what this member's casebook pinned for the damaged store. A member
    // record anyone could have written into the damaged files is not enough.
    let roster = match entries.get(SETTINGS).and_then(|s| s.get(super::roster::ROSTER.as_bytes())).cloned() {
        Some(bytes) => {
            let stopped = |why: String| {
                StoreError::Tampered(format!(
                    "the damaged store's member list {why}: salvage stopped before sealing any key"
                ))
            };
            let (roster, signer) =
                super::roster::Roster::open(&bytes, identity).map_err(|e| stopped(format!("does not verify ({e})")))?;
            let pins = super::pins::Pins::from_env();
            if let Some(pin) = pins.load(&super::Location::Embedded(damaged.to_path_buf()), &me)?
                && (pin.store != super::pins::Pin::store_id(&roster.store_id) || !pin.dsls.contains(&signer))
            {
                return Err(stopped("is not the one your casebook knew for this store".into()));
            }
            Some(roster)
        }
        None => {
            report.notes.push(
                "no authenticated member list was recovered: the class keys are sealed to every member record \
                 found; check `casebook member list` in the new store against who should be there"
                    .into(),
            );
            None
        }
    };
    if let Some(r) = &roster
        && let Some(members) = entries.get_mut(MEMBERS)
    {
        members.retain(|k, v| {
            let listed = codec::from_bytes::<MemberRecord>(v)
                .is_ok_and(|m| id_of(k).ok().and_then(|id| r.entry(id)).is_some_and(|e| e.recipient == m.recipient));
            if !listed {
                report.unopened.push(format!(
                    "a member record under {k:?} is not in the DSL's authenticated member list: left out, and no key \
                     is sealed to it"
                ));
            }
            listed
        });
    }

    // Class keys, sealed anew to every member whose role reads them (as
    // `member add` does): a lost later copy cannot lock anyone out.
    let recipients: Vec<(crate::domain::Role, x25519::Recipient)> = match &roster {
        Some(r) => r.members.iter().filter_map(|e| Some((e.role, parse_recipient(&e.recipient).ok()?))).collect(),
        None => entries
            .get(MEMBERS)
            .into_iter()
            .flat_map(|m| m.values())
            .filter_map(|v| codec::from_bytes::<MemberRecord>(v).ok())
            .filter_map(|m| Some((m.role, parse_recipient(&m.recipient).ok()?)))
            .collect(),
    };
    for class in AccessClass::ALL {
        let key = match class_keys.iter().find(|k| k.class() == class) {
            Some(k) => k.duplicate(),
            None => ClassKey::generate(class),
        };
        let to: Vec<x25519::Recipient> =
            recipients.iter().filter(|(r, _)| r.reads(class)).map(|(_, r)| r.clone()).collect();
        let sealed = crypto::seal(key.expose(), &to, None)?;
        entries.entry(CLASS_KEYS).or_default().insert(class.tag().as_bytes().to_vec(), sealed);
    }

    write_store(into, entries)?;
    let mut session = Store::open(into)?.unlock(identity.clone())?;
    // The board index and the figures are caches: rebuilt from the records.
    session.board()?;
    report.problems.extend(session.verify(false)?.problems);

    if let Some(dir) = dump {
        super::create_private_dir(dir)?;
        for r in &report.records {
            let name = match r.tree {
                CASES => format!("concern-{}.age", r.label),
                DEBRIEFS => format!("debrief-{}.age", r.label),
                ACTIONS => format!("action-{}.age", r.label),
                REFERRALS => format!("referral-{}.age", r.label),
                PEOPLE => format!("person-{}.age", r.label),
                CUSTODY => format!("custody-{}.age", r.label),
                SEARCHES => format!("search-{}.age", r.label),
                RESTRICTED => format!("restriction-{}.age", r.id),
                ATTACHMENTS => format!("{}.age", r.label),
                REGISTERS | DISCLOSURES => format!("register-{}.age", r.label),
                DISPOSALS => format!("disposal-{}.age", r.id),
                _ => format!("policy-{}.age", r.id),
            };
            let name: String = name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '.') { c } else { '_' })
                .collect();
            super::identity::write_private(&dir.join(name), &r.sealed)?;
        }
    }
    Ok(report)
}

/// The one-line refusals that need no key (asked before any passphrase):
/// DAMAGED must be a store's directory; NEW and the dump directory must not
/// exist or be empty.
pub fn check_paths(damaged: &Path, into: &Path, dump: Option<&Path>) -> Result<(), StoreError> {
    if !damaged.is_dir() {
        return Err(StoreError::Input(format!(
            "{} is not a directory; give the damaged store's directory",
            damaged.display()
        )));
    }
    if !damaged.join("db").is_file() {
        return Err(StoreError::Input(format!(
            "{} holds no sled `db` file, so there is nothing to salvage; give the store's directory",
            damaged.display()
        )));
    }
    empty_or_absent(into, "the new store")?;
    if let Some(d) = dump {
        empty_or_absent(d, "the --dump directory")?;
    }
    Ok(())
}

fn empty_or_absent(dir: &Path, what: &str) -> Result<(), StoreError> {
    if dir.exists() && (!dir.is_dir() || std::fs::read_dir(dir)?.next().is_some()) {
        return Err(StoreError::Input(format!(
            "{} ({what}) already exists and is not an empty directory; salvage never writes over anything. \
             Choose a new directory; nothing was changed",
            dir.display()
        )));
    }
    Ok(())
}

/// Writes the entries into a new store built in a hidden directory beside
/// `into`, renamed into place once everything is on disk (as `restore`).
fn write_store(into: &Path, entries: BTreeMap<&'static str, BTreeMap<Vec<u8>, Vec<u8>>>) -> Result<(), StoreError> {
    let building = super::backup::building_beside(into, ".casebook-salvage-")?;
    let backend = SledBackend::open(building.path())?;
    for (tree, kv) in entries {
        backend.load(tree, kv.into_iter().collect())?;
    }
    backend.flush()?;
    drop(backend);
    super::backup::move_into_place(building, into)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sled_varints_read_as_sled_writes_them() {
        // The boundaries of each form (serialization.rs).
        assert_eq!(varint(&[240]), Some((240, 1)));
        assert_eq!(varint(&[241, 0]), Some((240, 2)));
        assert_eq!(varint(&[248, 255]), Some((2287, 2)));
        assert_eq!(varint(&[249, 0, 0]), Some((2288, 3)));
        assert_eq!(varint(&[250, 1, 2, 3]), Some((0x030201, 4)));
        assert_eq!(varint(&[255, 1, 0, 0, 0, 0, 0, 0, 0]), Some((1, 9)));
        // Cut short: none, never a panic.
        assert_eq!(varint(&[249, 0]), None);
        assert_eq!(varint(&[255, 1, 2]), None);
        assert_eq!(varint(&[]), None);
    }

    #[test]
    fn any_bytes_parse_without_panic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        for _ in 0..20_000 {
            let n = rng.gen_range(0..64);
            let bytes: Vec<u8> = (0..n).map(|_| rng.r#gen()).collect();
            let _ = parse_node(&bytes);
            let _ = parse_link(&bytes);
            let _ = header(&bytes);
            let _ = message_at(&bytes, 0, bytes.len());
            let mut with_magic = bytes.clone();
            with_magic.extend_from_slice(AGE_MAGIC);
            with_magic.extend_from_slice(&bytes);
            let _ = carve_age(&with_magic, 0..with_magic.len(), |_| 0, Place::Db);
        }
    }
}
