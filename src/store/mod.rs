//! The encrypted case store: sled on disk, age inside every value.
//!
//! sled holds only ciphertext plus the minimum needed to find records:
//! numeric ids, revisions, roles and members' public keys. Every name,
//! description and free-text field is inside an age file (PRODUCT.md
//! principle 1). One API, [`Session`], serves the CLI, the TUI and any
//! future server; it never imports ratatui.

pub mod attachments;
pub mod audit;
pub mod backend;
pub mod backup;
pub mod calendar;
pub mod catalogue;
pub mod client;
pub mod codec;
pub mod crypto;
pub mod custody;
pub mod disposals;
pub mod identity;
pub mod membership;
pub mod oversight;
pub mod people;
pub mod pins;
pub mod referrals;
pub mod registers;
pub mod restricted;
pub mod roster;
pub mod salvage;
pub mod searches;
pub mod verify;
pub mod wire;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::Path;
use std::sync::Arc;

use age::x25519;
use chrono::{Datelike, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::domain::restricted::redact as domain_redact;
use crate::domain::summary::board_order;
use crate::domain::{
    AccessClass, Author, CaseError, CaseFile, CaseSummary, Catalogue, Concern, EntryKind, FieldError, Member, MemberId,
    NewConcern, ReferenceQuery, Role, Status, Triage, limits,
};
pub use backend::{Backend, Batch, Location};
pub use codec::Place;
use codec::{CodecError, MemberName, Record, School};
use crypto::{ClassKey, CryptoError};
pub(crate) use trees::SHARD_PREFIX;

/// The named trees of a store. Keys are numeric ids (big-endian), a
/// reference, or a setting's name; values are ciphertext or clear metadata.
pub(crate) mod trees {
    pub const SETTINGS: &str = "settings";
    pub const MEMBERS: &str = "members";
    pub const CLASS_KEYS: &str = "class_keys";
    pub const CASES: &str = "cases";
    pub const CASE_META: &str = "case_meta";
    /// A concern's reference ("C-2026-0001") to its id: `show REF` finds one
    /// concern without reading the board. References are sequence numbers,
    /// no more telling than the counters beside them.
    pub const CASE_REFS: &str = "case_refs";
    pub const INDEX: &str = "index";
    pub const COUNTERS: &str = "counters";
    // Leadership's records (oversight.rs), sealed to the Oversight class.
    pub const DEBRIEFS: &str = "debriefs";
    pub const ACTIONS: &str = "actions";
    pub const POLICIES: &str = "policies";
    pub const FIGURES: &str = "figures";
    /// Connections `casebook serve` refused (clear: time, OS user, key).
    pub const REFUSALS: &str = "refusals";
    /// Who opened or changed which concern, and when (issue 10; clear
    /// numbers only, hash-chained: see `audit.rs`).
    pub const AUDIT: &str = "audit";
    /// People (issue 12): person records and their sealed index (Case
    /// class), and the pupil roll every member's concern form reads
    /// (Directory class: a child's name and year group only).
    pub const PEOPLE: &str = "people";
    pub const PEOPLE_INDEX: &str = "people_index";
    pub const ROLL: &str = "roll";
    /// Referrals and contacts (issue 13: P5-g, P6-b, P9-b, P9-g, S-b), by
    /// id, each naming its concern; sealed to the Case class.
    pub const REFERRALS: &str = "referrals";
    /// Files attached to a concern (issue 13), keyed by the concern's id
    /// and the file's number on it; sealed to the Case class.
    pub const ATTACHMENTS: &str = "attachments";
    /// Confiscated devices and their chains of custody (issue 13: P6.1-a,
    /// P6.1-b, P6.1-d, P6.1-h), by id, each naming its concern; sealed to
    /// the Case class.
    pub const CUSTODY: &str = "custody";
    /// Searches of devices (issue 13: P6.1-e, P6.1-f, P6.1-g), by id, each
    /// naming its concern; sealed to the Case class.
    pub const SEARCHES: &str = "searches";
    /// Restricted allegations (issue 13: P5-f, P5-g): a concern's
    /// restriction under its id, sealed to the members it names; and a
    /// clear marker `referral-<id>` for each referral of a restricted
    /// concern (so a member it excludes passes over it in silence).
    pub const RESTRICTED: &str = "restricted";
    /// Staff and visitor registers (issue 13: P5-a, P5-e, P7-b), sealed to
    /// the Oversight class (the headteacher grants and reads them).
    pub const REGISTERS: &str = "registers";
    /// The disclosure register (P5-c): the DSL(s) alone.
    pub const DISCLOSURES: &str = "disclosures";
    /// Disposals (S-d, S-e): what was disposed of, when, by whom, why and
    /// on what retention basis (no name, no detail), sealed to the DSL(s)
    /// and the recovery key like the audit, by number.
    pub const DISPOSALS: &str = "disposals";
    /// Keys of the sharded board index and its figures.
    pub const SHARD_PREFIX: &[u8] = b"shard-";

    /// Trees whose contents are case detail (even as ciphertext) or its
    /// index: only the DSL and deputies are served them.
    pub const CASE_TREES: [&str; 12] = [
        CASES,
        CASE_META,
        CASE_REFS,
        INDEX,
        PEOPLE,
        PEOPLE_INDEX,
        REFERRALS,
        CUSTODY,
        SEARCHES,
        ATTACHMENTS,
        RESTRICTED,
        DISPOSALS,
    ];

    /// Every tree a store has; a served client may name no other.
    pub const ALL: [&str; 25] = [
        SETTINGS,
        MEMBERS,
        CLASS_KEYS,
        CASES,
        CASE_META,
        CASE_REFS,
        INDEX,
        COUNTERS,
        DEBRIEFS,
        ACTIONS,
        POLICIES,
        FIGURES,
        REFUSALS,
        AUDIT,
        PEOPLE,
        PEOPLE_INDEX,
        ROLL,
        REFERRALS,
        CUSTODY,
        SEARCHES,
        ATTACHMENTS,
        RESTRICTED,
        REGISTERS,
        DISCLOSURES,
        DISPOSALS,
    ];
}
use trees::*;

/// The recovery key's public half, in the settings tree until the DSL's
/// first session puts it in the roster (issue 10).
pub(crate) const RECOVERY: &str = "recovery-key";

/// How often a case update is re-applied to a newer record before giving
/// up (only under a storm of writes to one case).
const UPDATE_ATTEMPTS: u32 = 32;

/// Before re-applying a change a colleague's write beat: a short random
/// pause, longer each time, so ten writers to one concern take turns
/// instead of colliding in step until one gives up (seen under load in CI
/// once audit entries made each served write a little slower).
fn back_off(attempt: u32) {
    use rand::Rng;
    let most = 1u64 << attempt.min(6);
    std::thread::sleep(std::time::Duration::from_millis(rand::thread_rng().gen_range(0..=most)));
}

/// Rows per board-index shard (see [`Session::board`]). Each write re-seals
/// its shard (about 25 KB at 128 rows), and sled keeps the old copy until it
/// cleans its log: small shards keep that write amplification low, while a
/// board of 100,000 concerns is still under a thousand shards to open.
const INDEX_SHARD_ROWS: u32 = 128;

fn shard_of(id: u32) -> u32 {
    id / INDEX_SHARD_ROWS
}

fn shard_key(shard: u32) -> Vec<u8> {
    [SHARD_PREFIX, &shard.to_be_bytes()].concat()
}

/// Every row of the index, in the board's order.
fn sorted_rows(index: &BTreeMap<u32, CaseSummary>) -> Vec<CaseSummary> {
    let mut rows: Vec<CaseSummary> = index.values().cloned().collect();
    rows.sort_by(board_order);
    rows
}

fn shard_rows(index: &BTreeMap<u32, CaseSummary>, shard: u32) -> Vec<CaseSummary> {
    let lo = shard.saturating_mul(INDEX_SHARD_ROWS);
    index.range(lo..lo.saturating_add(INDEX_SHARD_ROWS)).map(|(_, r)| r.clone()).collect()
}

/// Format of the store as a whole (which trees hold what), kept in its
/// settings and checked at open. Each record kind has its own version: the
/// sealed ones in [`codec`], the clear ones beside their structs.
const STORE_FORMAT: u16 = 1;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no casebook store at {0}: run `casebook init` first, or pass --store DIR")]
    NotFound(String),
    #[error("a casebook store already exists at {0}; nothing was changed")]
    AlreadyExists(String),
    #[error(
        "the store at {0} is in use by another casebook process; close that one first (only one process can hold a store)"
    )]
    InUse(String),
    #[error("{0}")]
    Identity(String),
    #[error("wrong passphrase for {0}; nothing was opened")]
    WrongPassphrase(String),
    #[error("this key ({0}) is not a member of this store; ask the DSL to add you with `casebook member add`")]
    NotMember(String),
    #[error("your role ({role}) cannot {action}")]
    Forbidden { role: Role, action: String },
    #[error("no concern {0} in this store")]
    NoSuchCase(String),
    #[error(
        "{what} could not be read: {detail}. Nothing was changed; keep a copy of the store and restore from backup if this persists"
    )]
    Corrupt { what: String, detail: String },
    #[error("{0}")]
    Case(#[from] CaseError),
    #[error("the concern is not complete: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Input(String),
    #[error("{0} changed while you were editing it; reload and try again (nothing was lost)")]
    Conflict(String),
    /// A batch's check failed: the record moved since it was read.
    #[error("a record in {tree} changed since it was read; reload and try again (nothing was lost)")]
    Stale { tree: String, key: Vec<u8> },
    #[error("{0}")]
    Served(String),
    /// Issue 13 (P5-g): a restricted allegation this member is not among
    /// the readers of.
    #[error("{0}")]
    Restricted(String),
    /// Issue 10: the store's files were changed by someone who is not a
    /// member (the roster, a class key, a record). Nothing is written.
    #[error(
        "{0}. casebook stopped before writing anything; someone may have changed the store's files: tell the DSL, keep a copy, and restore from a backup"
    )]
    Tampered(String),
    #[error("you are no longer a member of this store (the DSL removed your key {0}); ask the DSL if this is wrong")]
    Removed(String),
    /// Someone else changed what a form was based on; names who and when.
    #[error("{0}")]
    ChangedSince(String),
    #[error("the store's database failed: {0}")]
    Db(sled::Error),
    #[error("file error: {0}")]
    Io(std::io::Error),
    /// Issue 11: the disk is full or read-only. A write either happened
    /// whole before this or not at all (sled's log), so nothing is lost.
    #[error("{0}")]
    Storage(String),
    #[error("{0}")]
    Crypto(#[from] CryptoError),
}

/// A full or read-only disk, said as what it is and what to do (issue 11),
/// not as a damaged store.
pub(crate) fn storage_fault(e: &std::io::Error) -> Option<StoreError> {
    const ENOSPC: i32 = 28;
    const EROFS: i32 = 30;
    const EIO: i32 = 5;
    const EDQUOT: i32 = 122;
    use std::io::ErrorKind;
    // sled wraps some errors again: the kind survives where the number may not.
    let code = e.raw_os_error().or(match e.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => Some(ENOSPC),
        ErrorKind::ReadOnlyFilesystem => Some(EROFS),
        _ => None,
    });
    match code {
        Some(ENOSPC | EDQUOT) => Some(StoreError::Storage(
            "the disk holding the store is full (no space left on device): nothing more was saved, and what was \
             saved before is kept; free some space and try again"
                .into(),
        )),
        Some(EIO) => Some(StoreError::Storage(
            "the disk holding the store reported an input/output error (it may be failing): nothing more was \
             saved, and what was saved before is kept; run `casebook verify`, keep a copy and take a backup"
                .into(),
        )),
        Some(EROFS) => Some(StoreError::Storage(
            "the store is on a disk that is read-only now: nothing was saved; ask whoever looks after the server"
                .into(),
        )),
        _ => None,
    }
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match &e {
            sled::Error::Io(io) => storage_fault(io).unwrap_or(StoreError::Db(e)),
            _ => StoreError::Db(e),
        }
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        storage_fault(&e).unwrap_or(StoreError::Io(e))
    }
}

impl From<sled::transaction::TransactionError<StoreError>> for StoreError {
    fn from(e: sled::transaction::TransactionError<StoreError>) -> Self {
        match e {
            sled::transaction::TransactionError::Abort(inner) => inner,
            sled::transaction::TransactionError::Storage(s) => StoreError::from(s),
        }
    }
}

fn corrupt(what: impl Into<String>, detail: impl ToString) -> StoreError {
    StoreError::Corrupt { what: what.into(), detail: detail.to_string() }
}

/// Creates a directory, and any missing parents, readable only by its
/// owner (sled's own files are 0644, so the directory is what keeps other
/// users out). Only directories created here get 0700: an existing one
/// keeps its permissions (issue 8: a shared 1777 directory lost its sticky
/// bit when a key was written into it).
pub fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let missing: Vec<&Path> = dir.ancestors().take_while(|d| !d.as_os_str().is_empty() && !d.exists()).collect();
    for d in missing.into_iter().rev() {
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        match builder.create(d) {
            Ok(()) => {
                // The umask may have taken bits away, never added any; set
                // 0700 exactly, on the directory just created.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    fs::set_permissions(d, fs::Permissions::from_mode(0o700))?;
                }
            }
            // Someone else made it a moment ago: theirs stands, as it is.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && d.is_dir() => {}
            Err(e) => return Err(e.into()),
        }
    }
    if !dir.is_dir() {
        return Err(StoreError::Input(format!("{} exists and is not a directory", dir.display())));
    }
    Ok(())
}

/// Clear, per-member metadata: what is needed to encrypt to a member and to
/// know what their key may open. The name is sealed (Directory class).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MemberRecord {
    format: u16,
    role: Role,
    recipient: String,
    authorised_to_erase: bool,
    sealed_name: Vec<u8>,
}

impl MemberRecord {
    /// This record's own format version.
    const FORMAT: u16 = 1;
}

/// Clear, per-case metadata: enough to tell a stale board index.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
struct CaseMeta {
    format: u16,
    revision: u64,
}

impl CaseMeta {
    /// This record's own format version.
    const FORMAT: u16 = 1;
}

/// Whether `bytes` are a new case's clear metadata (its first revision): the
/// server holds a reporter's connection to new concerns (P9-a).
pub(crate) fn is_new_case_meta(bytes: &[u8]) -> bool {
    codec::from_bytes::<CaseMeta>(bytes).is_ok_and(|m| m.format == CaseMeta::FORMAT && m.revision == 1)
}

#[cfg(test)]
pub(crate) fn new_case_meta() -> Vec<u8> {
    codec_clear(&CaseMeta { format: CaseMeta::FORMAT, revision: 1 })
}

fn be(id: u32) -> [u8; 4] {
    id.to_be_bytes()
}

fn id_of(key: &[u8]) -> Result<u32, StoreError> {
    key.try_into().map(u32::from_be_bytes).map_err(|_| corrupt("a record key", "wrong length"))
}

/// An open store, not yet unlocked by anyone's key.
pub struct Store {
    backend: Arc<dyn Backend>,
    catalogue: Catalogue,
    /// What this member's client has pinned about stores (issue 10).
    pins: pins::Pins,
}

impl Store {
    /// A store over any backend (sled here, or a served one).
    pub fn with_backend(backend: Arc<dyn Backend>) -> Store {
        Store { backend, catalogue: Catalogue::seed(), pins: pins::Pins::from_env() }
    }

    /// The same store, pinning in `pins` instead of the user's state
    /// directory (tests; several members on one account).
    pub fn with_pins(mut self, pins: pins::Pins) -> Store {
        self.pins = pins;
        self
    }

    fn open_db(path: &Path) -> Result<Store, StoreError> {
        Ok(Store::with_backend(Arc::new(backend::SledBackend::open(path)?)))
    }

    pub fn exists(path: &Path) -> bool {
        path.join("conf").exists() && path.join("db").exists()
    }

    /// Creates a store for a school with its first DSL. Only the DSL's
    /// public recipient is needed: their key never touches this code.
    pub fn create(path: &Path, school: &str, dsl_name: &str, dsl_recipient: &str) -> Result<Store, StoreError> {
        Self::create_with_recovery(path, school, dsl_name, dsl_recipient, None)
    }

    /// The same, with the school's recovery key (its public half): every
    /// record will also be sealed to it (issue 10).
    pub fn create_with_recovery(
        path: &Path,
        school: &str,
        dsl_name: &str,
        dsl_recipient: &str,
        recovery: Option<&str>,
    ) -> Result<Store, StoreError> {
        if let Some(r) = recovery {
            parse_recipient(r)?;
        }
        if Self::exists(path) {
            return Err(StoreError::AlreadyExists(path.display().to_string()));
        }
        if school.trim().is_empty() || dsl_name.trim().is_empty() {
            return Err(StoreError::Input("the school's name and the DSL's name are both needed".into()));
        }
        for (what, name) in [("the school's name", school), ("the DSL's name", dsl_name)] {
            if let Some(problem) = limits::over_chars(name.trim(), limits::NAME_CHARS) {
                return Err(StoreError::Input(format!("{what}: {problem}")));
            }
        }
        let recipient = parse_recipient(dsl_recipient)?;
        create_private_dir(path)?;
        let store = Self::open_db(path)?;
        let mut batch = Batch::new().put(SETTINGS, "format", STORE_FORMAT.to_be_bytes());
        if let Some(r) = recovery {
            batch = batch.put(SETTINGS, RECOVERY, r.as_bytes().to_vec());
        }
        let keys: Vec<ClassKey> = AccessClass::ALL.into_iter().map(ClassKey::generate).collect();
        for key in &keys {
            let sealed = crypto::seal(key.expose(), std::slice::from_ref(&recipient), None)?;
            batch = batch.put(CLASS_KEYS, key.class().tag(), sealed);
        }
        let directory = &keys[2];
        debug_assert_eq!(directory.class(), AccessClass::Directory);
        let school_sealed = crypto::seal(
            &codec::encode(&School { name: school.trim().to_string() }),
            std::slice::from_ref(&recipient),
            Some(directory),
        )?;
        batch = batch.put(SETTINGS, "school", school_sealed);
        let record = MemberRecord {
            format: MemberRecord::FORMAT,
            role: Role::Dsl,
            recipient: recipient.to_string(),
            authorised_to_erase: true,
            sealed_name: crypto::seal(
                &codec::encode(&MemberName(dsl_name.trim().to_string())),
                &[recipient],
                Some(directory),
            )?,
        };
        let id = store.backend.next_counter("member")?;
        store.backend.apply(batch.put(MEMBERS, be(id), codec_clear(&record)))?;
        Ok(store)
    }

    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if !Self::exists(path) {
            return Err(StoreError::NotFound(path.display().to_string()));
        }
        Self::checked(Self::open_db(path)?)
    }

    /// The sled files of an existing casebook store, for `casebook serve`.
    pub fn open_backend(path: &Path) -> Result<backend::SledBackend, StoreError> {
        if !Self::exists(path) {
            return Err(StoreError::NotFound(path.display().to_string()));
        }
        let backend = Arc::new(backend::SledBackend::open(path)?);
        Self::checked(Store::with_backend(backend.clone()))?;
        Arc::try_unwrap(backend).map_err(|_| corrupt("the store", "it is still in use by this process"))
    }

    /// A store served by `casebook serve` on `socket`.
    pub fn connect(socket: &Path) -> Result<Store, StoreError> {
        Self::checked(Store::with_backend(Arc::new(client::ServedBackend::connect(socket)?)))
    }

    fn checked(store: Store) -> Result<Store, StoreError> {
        match store.backend.get(SETTINGS, b"format")? {
            Some(v) if v.as_slice() == STORE_FORMAT.to_be_bytes() => Ok(store),
            Some(v) => Err(corrupt(
                "the store's format marker",
                format!("format {:?} is not known to this casebook", v.as_slice()),
            )),
            None => Err(corrupt("the store", "it has no format marker (not a casebook store?)")),
        }
    }

    pub fn location(&self) -> Location {
        self.backend.location()
    }

    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    fn next_counter(&self, name: &str) -> Result<u32, StoreError> {
        self.backend.next_counter(name)
    }

    /// The member records that decode, and the ones that do not (issue 11:
    /// one damaged member record is named, never a failed session).
    fn member_records(&self) -> Result<MemberRecords, StoreError> {
        member_records(self.backend.as_ref())
    }

    /// Unlocks the store with a member's key: checks the DSL's roster
    /// (issue 10), finds the member, unwraps the class keys their role may
    /// hold (one X25519 operation each) and checks each against the roster.
    pub fn unlock(self, identity: x25519::Identity) -> Result<Session, StoreError> {
        let backend = self.backend.clone();
        let mine = identity.to_public().to_string();
        let unlocked = self.unlock_checked(identity);
        // Issue 10 item 2 (S-c): a key turned away is an audit entry the DSL
        // reads, where this process writes them (a store opened directly;
        // `casebook serve` notes its own refusals). What can be seen here:
        // the key is no member's (member 0), or a member's key met a store
        // it refuses; the OS account is this process's.
        if let Err(e) = &unlocked
            && matches!(e, StoreError::NotMember(_) | StoreError::Removed(_) | StoreError::Tampered(_))
        {
            use std::os::unix::fs::MetadataExt;
            let member = member_by_recipient(backend.as_ref(), &mine).ok().flatten().map_or(0, |(id, _)| id);
            let uid = std::fs::metadata("/proc/self").ok().map(|m| m.uid());
            backend.note_access(member, audit::Access::FailedUnlock { uid });
        }
        unlocked
    }

    fn unlock_checked(self, identity: x25519::Identity) -> Result<Session, StoreError> {
        let mine = identity.to_public().to_string();
        self.backend.authenticate(&identity)?;
        let location = self.location();
        let pin = self.pins.load(&location, &mine)?;
        let (records, skipped) = self.member_records()?;
        let mut notices = Vec::new();
        let roster = match self.backend.get(SETTINGS, roster::ROSTER.as_bytes())? {
            Some(bytes) => Some(verified_roster(&bytes, &identity, pin.as_ref(), &records)?),
            None if pin.is_some() => {
                return Err(StoreError::Tampered(
                    "the store's authenticated member list is missing, though your client has seen it before".into(),
                ));
            }
            None => None,
        };
        let (my_id, my_role) = match &roster {
            Some(r) => {
                let e = r.by_recipient(&mine).expect("a verified roster names its reader");
                (e.id, e.role)
            }
            None => match records.iter().find(|(_, r)| r.recipient == mine) {
                Some((id, r)) => (*id, r.role),
                None if skipped.is_empty() => return Err(StoreError::NotMember(mine)),
                // It may be this member's own record that is damaged: say so
                // rather than "not a member".
                None => {
                    return Err(corrupt(
                        "the member list",
                        format!(
                            "this key ({mine}) is not among the members that can be read, and {}; if that is your \
                             record, the DSL can restore the store from a backup",
                            skipped
                                .iter()
                                .map(|d| format!("{} is damaged ({})", d.what, d.detail))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            },
        };
        let mut keys = Vec::new();
        for &class in my_role.classes() {
            // A key sealed to members by someone without the DSL's roster
            // behind it would re-seal the board to them.
            let commitment = roster.as_ref().map(|r| r.commitment_for(class).copied());
            keys.push(self.class_key_from_store(class, class.tag(), &identity, commitment)?);
        }
        // Keys being replaced after a member left (membership.rs).
        let mut retired = Vec::new();
        for (name, commitment) in roster.iter().flat_map(|r| r.retired.iter()) {
            if let Some(&class) = my_role.classes().iter().find(|c| membership::retired_name(**c) == *name) {
                retired.push(Arc::new(self.class_key_from_store(class, name, &identity, Some(Some(*commitment)))?));
            }
        }
        let backend = self.backend.clone();
        let mut session = Session {
            store: self,
            identity,
            keys,
            members: Vec::new(),
            me: my_id,
            my_role,
            index: None,
            people_cache: None,
            board_seen: None,
            member_damage: Vec::new(),
            members_skipped: skipped.len(),
            trust: Trust::of(&backend, my_id, my_role, &[], roster.as_ref()),
            roster,
            notices: Vec::new(),
        };
        // The members first: the DSL's first session seals every record to
        // them when it binds the store below.
        let (members, mut unreadable) = session.load_members(records.clone());
        session.members = members;
        session.trust = Trust::of(&session.store.backend, my_id, my_role, &session.members, session.roster.as_ref());
        unreadable.extend(skipped.iter().cloned());
        session.member_damage = unreadable;
        if session.roster.is_none() {
            if my_role == Role::Dsl && skipped.is_empty() {
                session.adopt_roster(&records)?;
                // A store just made, with its DSL alone, has nothing to
                // tell: an older store with members has.
                if records.len() > 1 {
                    notices.push(
                        "casebook now authenticates this store's member list and class keys: members' clients will \
                     notice if anyone but a DSL changes them"
                            .to_string(),
                    );
                }
            } else {
                notices.push(
                    "this store's member list is not authenticated yet: the DSL opening casebook once will do it; \
                     until then a member added by someone outside casebook cannot be told from a real one"
                        .to_string(),
                );
            }
        }
        session.trust = Trust::of(&session.store.backend, my_id, my_role, &session.members, session.roster.as_ref());
        if let Some(r) = &session.roster {
            // Said to the DSL too when the list names another DSL: a second
            // DSL someone slipped in would otherwise pass in silence.
            if pin.is_none() && (!r.dsls().contains(&mine) || r.dsls().len() > 1) {
                notices.push(format!(
                    "first session on this store from this account: its DSL's key ({}) is now remembered{}",
                    r.dsls().join(", "),
                    if session.store.pins.is_available() { "" } else { " (not: no home directory to keep it in)" }
                ));
            }
            let seen = pin.as_ref().map_or(0, |p| p.cases);
            // Only the roles that read concerns are served the counters.
            let counted = if my_role.reads(AccessClass::Case) {
                let cases = session.store.backend.get(COUNTERS, b"case")?;
                cases.as_deref().and_then(|b| <[u8; 4]>::try_from(b).ok()).map(u32::from_be_bytes).unwrap_or(0)
            } else {
                seen
            };
            // Issue 10: the case counter is the store's clock. Below what
            // this client has seen, the whole store was set back.
            if counted < seen {
                return Err(StoreError::Tampered(format!(
                    "the store numbers {counted} concerns, but your client has seen {seen}: it was rolled back \
                     (restored from an old backup without telling its members?)"
                )));
            }
            let pinned = pins::Pin {
                store: pins::Pin::store_id(&r.store_id),
                dsls: r.dsls(),
                epoch: r.epoch,
                cases: counted,
                audit: pin.as_ref().and_then(|p| p.audit.clone()),
            };
            if pin.as_ref() != Some(&pinned) {
                session.store.pins.save(&location, &mine, &pinned)?;
            }
        }
        session.trust.retired = retired;
        if my_role == Role::Dsl && !session.trust.retired.is_empty() {
            // A DSL session stopped half-way through re-sealing after a
            // member left: finish it, so the old keys stop opening anything.
            let done = session.finish_rekey(&|_| ())?;
            notices.push(format!(
                "finished sealing {} records to new keys after a member left or changed role",
                done.records
            ));
        }
        // Issue 13 (P3-a, P2-a): the school's own catalogue, if it set one.
        notices.extend(session.load_catalogue());
        session.notices = notices;
        session.seal_audit_to_roster();
        session.store.backend.note_access(my_id, audit::Access::Unlocked);
        Ok(session)
    }
}

/// Where a case's record is kept, at a revision.
fn case_place(id: u32, revision: u64) -> Place {
    Place::new(CASES, be(id), revision)
}

/// Where the school's name is kept.
fn school_place() -> Place {
    Place::new(SETTINGS, b"school".to_vec(), 0)
}

/// Names a record's damage as `what` (a corrupt record error says "a record").
fn relabel(e: StoreError, what: &str) -> StoreError {
    match e {
        StoreError::Corrupt { detail, .. } => corrupt(what, detail),
        other => other,
    }
}

/// Issue 10: what a member without the case key (a reporter) may write is
/// a new concern of their own, and nothing else: not a triage, not a
/// chronology entry, not another member's name as its recorder.
fn fresh_concern(case: &CaseFile, author: MemberId, revision: u64) -> Result<(), String> {
    let fresh = revision == 1
        && case.status == Status::New
        && case.triage.is_empty()
        && case.chronology.len() == 1
        && case.chronology[0].kind == EntryKind::Reported
        && case.chronology[0].author.member == author
        && case.concern.recorded_by.member == author;
    if fresh {
        Ok(())
    } else {
        Err("it was written by a member who cannot read concerns, yet holds more than their new concern (a triage, \
             later entries or another member as its recorder): written outside casebook"
            .to_string())
    }
}

/// What a session trusts when it opens a record (issue 10): who the
/// members are (from the DSL's roster), the store's identity, and whether
/// every record is bound to its place by now.
#[derive(Clone, Default)]
pub(crate) struct Trust {
    /// Where a newer roster is read when a record names a member this
    /// session has not heard of (added since it opened).
    backend: Option<Arc<dyn Backend>>,
    me: MemberId,
    role: Option<Role>,
    members: Vec<(MemberId, Role, String)>,
    store_id: roster::StoreId,
    /// Set once the DSL's first session after issue 10 has bound every
    /// record; from then on an unbound record was written outside casebook.
    bound: bool,
    /// The roster's epoch when this session read it.
    epoch: u64,
    /// Class keys being replaced (a member left): still trusted for the
    /// records not yet sealed to their successors.
    retired: Vec<Arc<ClassKey>>,
}

impl Trust {
    fn of(
        backend: &Arc<dyn Backend>,
        me: MemberId,
        role: Role,
        members: &[Member],
        roster: Option<&roster::Roster>,
    ) -> Trust {
        Trust {
            backend: Some(backend.clone()),
            me,
            role: Some(role),
            members: members.iter().map(|m| (m.id, m.role, m.recipient.clone())).collect(),
            store_id: roster.map(|r| r.store_id).unwrap_or_default(),
            bound: roster.is_some_and(|r| r.records_bound),
            epoch: roster.map_or(0, |r| r.epoch),
            retired: Vec::new(),
        }
    }

    /// Whether the DSL has changed the member list or the keys since this
    /// session read them (a record sealed to a new key then opens only
    /// through the member's own stanza: not an attack, an old session).
    fn roster_moved(&self) -> bool {
        let Some(backend) = &self.backend else { return false };
        let Ok(Some(bytes)) = backend.get(SETTINGS, roster::ROSTER.as_bytes()) else { return false };
        // Read without the key: the epoch is only used to choose the words.
        codec::from_bytes::<roster::Stored>(&bytes)
            .ok()
            .and_then(|s| codec::from_bytes::<roster::Roster>(&s.body).ok())
            .is_some_and(|r| r.epoch > self.epoch)
    }

    /// The public key of member `id`: from this session's member list, or
    /// from the store's current roster if it names them and is
    /// authenticated by a DSL this session trusts, for the same store.
    fn recipient_of(&self, id: MemberId, identity: &x25519::Identity) -> Option<String> {
        if let Some((_, _, r)) = self.members.iter().find(|(m, _, _)| *m == id) {
            return Some(r.clone());
        }
        let bytes = self.backend.as_ref()?.get(SETTINGS, roster::ROSTER.as_bytes()).ok()??;
        let (now, signer) = roster::Roster::open(&bytes, identity).ok()?;
        let dsls = self.members.iter().filter(|(_, role, _)| *role == Role::Dsl).map(|(_, _, r)| r.clone());
        now.follows(&self.store_id, self.epoch, dsls, &signer).then(|| now.entry(id).map(|e| e.recipient.clone()))?
    }
}

/// How a record proved who wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// Its class stanza: only a holder of the class key can make one.
    Class,
    /// A member without the class key vouched for it to this reader.
    Attested(MemberId),
    /// Written before issue 10; trusted until the DSL's session binds it.
    Legacy,
    /// Opened by a session that does not hold the class key, through its
    /// own member stanza: it cannot check who wrote it (no role reads a
    /// class it holds no key to; kept so every path is named).
    Member,
}

/// Opens a sealed record found at `place` and checks who could have
/// written it (issue 10): a holder of the class key expects the class
/// stanza, or a member's attestation; an unbound record only before the
/// DSL's migration.
fn open_sealed<T: Record>(
    sealed: &[u8],
    class: AccessClass,
    place: &Place,
    key: Option<&ClassKey>,
    identity: &x25519::Identity,
    trust: &Trust,
) -> Result<(T, Via), StoreError> {
    let role = trust.role.unwrap_or(Role::Reporter);
    let forbidden = || StoreError::Forbidden { role, action: format!("read {} records", class.tag()) };
    let mut class_keys: Vec<&dyn age::Identity> = Vec::new();
    if let Some(k) = key {
        class_keys.push(k);
        class_keys
            .extend(trust.retired.iter().filter(|r| r.class() == class).map(|r| r.as_ref() as &dyn age::Identity));
    }
    let by_class = match class_keys.is_empty() {
        false => match crypto::open(sealed, &class_keys) {
            Ok(plain) => Some(plain),
            Err(CryptoError::NoMatchingKey) => None,
            Err(other) => return Err(corrupt("a record", other)),
        },
        true => None,
    };
    let (plain, via_class) = match by_class {
        Some(plain) => (plain, true),
        None => match crypto::open(sealed, &[identity]) {
            Ok(plain) => (plain, false),
            // Holding the class key, this session should open every record
            // of the class: one that does not was not sealed in this store.
            Err(CryptoError::NoMatchingKey) if key.is_some() => {
                return Err(corrupt(
                    "a record",
                    "none of your keys opens it; it was not sealed for this store (copied from another one?)",
                ));
            }
            Err(CryptoError::NoMatchingKey) => return Err(forbidden()),
            Err(other) => return Err(corrupt("a record", other)),
        },
    };
    let opened: codec::Opened<T> = codec::decode_at(&plain, place).map_err(|e: CodecError| corrupt("a record", e))?;
    if !opened.bound && trust.bound {
        return Err(corrupt(
            "a record",
            "it is not sealed to its place, as every record has been since the DSL's first session after the \
             store was authenticated: it was written outside casebook",
        ));
    }
    if via_class || key.is_none() {
        return Ok((opened.value, if via_class { Via::Class } else { Via::Member }));
    }
    match &opened.attestation {
        // Only a concern is ever written by a member without its class key
        // (a reporter's new one): an index shard, figures, a debrief … that
        // opens only through a member's stanza was not written by a holder
        // of its class, whatever it carries (found in review, issue 10).
        Some(_) if T::KIND != codec::RecordKind::Case => Err(corrupt(
            "a record",
            "it was written by a member who does not hold its class key, which only a new concern may be: \
             written outside casebook",
        )),
        Some(a) => match trust.recipient_of(a.author, identity) {
            Some(recipient) if roster::attested(a, identity, trust.me, &recipient, &trust.store_id, &opened.digest) => {
                Ok((opened.value, Via::Attested(a.author)))
            }
            _ => Err(corrupt(
                "a record",
                "it claims to be written by a member, but that member's authentication does not check: it was \
                     written outside casebook",
            )),
        },
        None if !opened.bound => Ok((opened.value, Via::Legacy)),
        None if trust.roster_moved() => Err(StoreError::Input(
            "the DSL has changed the store's members or keys since you opened casebook: close it and open it again \
             (nothing was changed)"
                .into(),
        )),
        None => Err(corrupt(
            "a record",
            "it opens with your key but was written by no member of the store (no class key, no member's \
             authentication): it was written outside casebook",
        )),
    }
}

/// Checks the stored roster for the member holding `identity` against
/// what their client pinned (issue 10).
fn verified_roster(
    bytes: &[u8],
    identity: &x25519::Identity,
    pin: Option<&pins::Pin>,
    records: &[(MemberId, MemberRecord)],
) -> Result<roster::Roster, StoreError> {
    let mine = identity.to_public().to_string();
    let (roster, signer) = roster::Roster::open(bytes, identity).map_err(|e| match e {
        // Their client has seen this store, or their record is still
        // there: they were a member, and the DSL's roster no longer names them.
        roster::RosterError::NotListed if pin.is_some() || records.iter().any(|(_, r)| r.recipient == mine) => {
            StoreError::Removed(mine.clone())
        }
        roster::RosterError::NotListed => StoreError::NotMember(mine.clone()),
        other => StoreError::Tampered(format!("the store's member list is not the one the DSL gave out: {other}")),
    })?;
    if let Some(pin) = pin {
        if pin.store != pins::Pin::store_id(&roster.store_id) {
            return Err(StoreError::Tampered(
                "this is not the store your client knew at this place: its identity changed".into(),
            ));
        }
        if !pin.dsls.contains(&signer) {
            return Err(StoreError::Tampered(format!(
                "the member list was authenticated by a key ({signer}) your client does not know as a DSL of this store"
            )));
        }
        if roster.epoch < pin.epoch {
            return Err(StoreError::Tampered(format!(
                "the member list was set back to an older one (change {}; your client has seen change {})",
                roster.epoch, pin.epoch
            )));
        }
    }
    Ok(roster)
}

impl Store {
    /// Unwraps the class key stored under `name` with the member's key and,
    /// where the store has a roster (`Some`), checks it against the DSL's
    /// commitment (issue 10).
    fn class_key_from_store(
        &self,
        class: AccessClass,
        name: &str,
        identity: &x25519::Identity,
        commitment: Option<Option<[u8; 32]>>,
    ) -> Result<ClassKey, StoreError> {
        let what = if name == class.tag() {
            format!("the {name} class key")
        } else {
            format!("the retired {} class key", class.tag())
        };
        let sealed = self.backend.get(CLASS_KEYS, name.as_bytes())?.ok_or_else(|| corrupt(&what, "it is missing"))?;
        let plain = crypto::open(&sealed, &[identity])
            .map_err(|e| corrupt(&what, format!("{e} (was your membership changed?)")))?;
        let key = ClassKey::from_bytes(class, &plain).ok_or_else(|| corrupt(&what, "wrong length"))?;
        if let Some(expected) = commitment
            && expected != Some(roster::commitment(&key))
        {
            return Err(StoreError::Tampered(format!("{what} in the store is not the one the DSL gave out")));
        }
        Ok(key)
    }
}

/// The member whose public key is `recipient`, and their role, from the
/// clear member records (the server's view: it holds no key to read names).
pub fn member_by_recipient(backend: &dyn Backend, recipient: &str) -> Result<Option<(MemberId, Role)>, StoreError> {
    // A damaged member record is skipped: it keeps out no one but its own
    // member (issue 11).
    let (records, _) = member_records(backend)?;
    Ok(records.into_iter().find(|(_, r)| r.recipient == recipient).map(|(id, r)| (id, r.role)))
}

/// Member records that decode, and the ones that do not, named.
type MemberRecords = (Vec<(MemberId, MemberRecord)>, Vec<Damaged>);

/// The clear member records: those that decode, and the damaged ones named.
fn member_records(backend: &dyn Backend) -> Result<MemberRecords, StoreError> {
    let mut records = Vec::new();
    let mut damaged = Vec::new();
    for (k, v) in backend.scan(MEMBERS)? {
        let Ok(id) = id_of(&k) else {
            damaged.push(Damaged::new(malformed_key("member", &k), "it names no member"));
            continue;
        };
        match codec::from_bytes::<MemberRecord>(&v) {
            Ok(rec) => records.push((id, rec)),
            Err(e) => damaged.push(Damaged::new(format!("member #{id}"), format!("the record is damaged ({e})"))),
        }
    }
    Ok((records, damaged))
}

/// Names a record whose key is not a 4-byte id (a damaged key).
fn malformed_key(what: &str, key: &[u8]) -> String {
    format!(
        "a {what} record under a malformed key ({} bytes: {})",
        key.len(),
        crate::text::one_line(&String::from_utf8_lossy(key))
    )
}

/// The one row `typed` names among the board's `rows` (see [`Session::resolve`]).
pub(crate) fn resolve_reference(rows: &[CaseSummary], typed: &str) -> Result<(u32, String), StoreError> {
    let query = ReferenceQuery::parse(typed).ok_or_else(|| {
        StoreError::Input(format!(
            "{:?} is not a concern reference; write it as C-2026-0001 (or 2026-1, or just 1)",
            typed.trim()
        ))
    })?;
    let mut found: Vec<&CaseSummary> = rows.iter().filter(|r| query.matches(&r.reference)).collect();
    found.sort_by(|a, b| a.reference.cmp(&b.reference));
    match found.as_slice() {
        [] => Err(StoreError::NoSuchCase(query.describe())),
        [one] => Ok((one.id, one.reference.clone())),
        many => Err(StoreError::Input(format!(
            "{:?} could be {}; give the year too, e.g. {}",
            typed.trim(),
            many.iter().map(|r| r.reference.as_str()).collect::<Vec<_>>().join(" or "),
            many[0].reference
        ))),
    }
}

/// What the board says of a concern whose revision record is damaged.
const META_DAMAGED: &str = "its revision record (case_meta) is damaged; the concern is shown from its own record, but \
                            cannot be changed until the store is restored from a backup (see `casebook verify`)";

/// Each case id's reference, from the clear `case_refs` tree (an entry
/// that is not a 4-byte id is left out; `casebook verify` names it).
pub(crate) fn case_references(backend: &dyn Backend) -> Result<HashMap<u32, String>, StoreError> {
    Ok(backend
        .scan(CASE_REFS)?
        .into_iter()
        .filter_map(|(reference, id)| Some((id_of(&id).ok()?, String::from_utf8_lossy(&reference).into_owned())))
        .collect())
}

/// "concern C-2026-0003 (#3)", or "concern #3" when its reference is not known.
pub(crate) fn case_name(references: &HashMap<u32, String>, id: u32) -> String {
    match references.get(&id) {
        Some(r) => format!("concern {} (#{id})", crate::text::one_line(r)),
        None => format!("concern #{id}"),
    }
}

/// What a member whose name does not open is called (issue 11).
pub fn unreadable_member_name(id: MemberId) -> String {
    format!("member #{id} (name unreadable)")
}

pub(crate) fn codec_clear<T: Serialize>(value: &T) -> Vec<u8> {
    bincode::serde::encode_to_vec(value, bincode::config::standard()).expect("bincode encodes plain data")
}

pub fn parse_recipient(text: &str) -> Result<x25519::Recipient, StoreError> {
    text.trim().parse::<x25519::Recipient>().map_err(|_| {
        StoreError::Input(format!(
            "{:?} is not an age X25519 recipient (it should start with age1…; run `age-keygen -y KEYFILE` to print one)",
            text.trim()
        ))
    })
}

/// What the board shows, plus any record that could not be read: one bad
/// record never hides the rest.
#[derive(Debug, Default, Clone)]
pub struct Board {
    pub rows: Vec<CaseSummary>,
    pub problems: Vec<Damaged>,
}

/// A record that could not be read, named by what it is and its reference
/// or id ("concern C-2026-0003 (#3)", "action A-0004", "member #3"), with
/// why. Issue 11: one damaged record never takes out more than itself; every
/// listing skips it, names it, and shows the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged {
    pub what: String,
    pub detail: String,
}

impl Damaged {
    pub fn new(what: impl Into<String>, detail: impl Into<String>) -> Damaged {
        Damaged { what: what.into(), detail: detail.into() }
    }

    /// From the error that reading the record gave; a [`StoreError::Corrupt`]
    /// gives its detail alone (its own wording repeats the record's name).
    pub fn from_error(what: impl Into<String>, e: &StoreError) -> Damaged {
        let detail = match e {
            StoreError::Corrupt { detail, .. } => detail.clone(),
            other => other.to_string(),
        };
        Damaged::new(what, detail)
    }
}

impl std::fmt::Display for Damaged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.what, self.detail)
    }
}

/// What a listing read, and the records it had to skip (issue 11). It reads
/// as the list itself (`listed.len()`, `for x in listed`); `damaged` says
/// what is missing from it and why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listed<T> {
    pub items: T,
    pub damaged: Vec<Damaged>,
}

impl<T> Listed<T> {
    pub fn new(items: T) -> Listed<T> {
        Listed { items, damaged: Vec::new() }
    }

    pub fn into_items(self) -> T {
        self.items
    }
}

impl<T> std::ops::Deref for Listed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.items
    }
}

impl<'a, T> IntoIterator for &'a Listed<T>
where
    &'a T: IntoIterator,
{
    type Item = <&'a T as IntoIterator>::Item;
    type IntoIter = <&'a T as IntoIterator>::IntoIter;
    fn into_iter(self) -> Self::IntoIter {
        (&self.items).into_iter()
    }
}

impl<T: IntoIterator> IntoIterator for Listed<T> {
    type Item = T::Item;
    type IntoIter = T::IntoIter;
    fn into_iter(self) -> T::IntoIter {
        self.items.into_iter()
    }
}

/// One case from a bulk load: its id and the case, or why it could not be read.
pub type LoadedCase = (u32, Result<CaseFile, StoreError>);

/// A store unlocked by one member. Everything the CLI and TUI do goes here.
pub struct Session {
    store: Store,
    identity: x25519::Identity,
    keys: Vec<ClassKey>,
    members: Vec<Member>,
    me: MemberId,
    /// The role of the unlocking member, known before the member list is
    /// decrypted (a refusal while loading it names the role).
    my_role: Role,
    /// The decrypted board index, once loaded.
    index: Option<BTreeMap<u32, CaseSummary>>,
    /// The store's change number up to which `index` is known to match
    /// every case's revision: a later board load reads only the records
    /// written since (issue 9). `None`: the next load checks them all.
    board_seen: Option<u64>,
    /// Member records that could not be read, or whose names could not
    /// (issue 11: named in the member list, never a failed session).
    member_damage: Vec<Damaged>,
    /// How many member records did not decode at all (role unknown).
    members_skipped: usize,
    /// The DSL's authenticated member list (issue 10); `None` only in a
    /// store no DSL has opened since casebook began keeping one.
    roster: Option<roster::Roster>,
    /// What the session wants its member told once (first use of a store,
    /// the member list adopted).
    notices: Vec<String>,
    /// What opening a record checks against (issue 10).
    trust: Trust,
    /// The decrypted people index, once loaded (issue 12).
    people_cache: Option<people::PeopleCache>,
}

/// A concern just recorded: its store id and its reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub id: u32,
    pub reference: String,
}

/// Where a concern stood in its lifecycle when a status form opened on it:
/// its status and how many times it had been moved (a concern moved away
/// and back is not the one the member saw either).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusSeen {
    pub status: Status,
    pub moves: usize,
}

impl StatusSeen {
    /// The kinds of chronology entry that record a move (a first triage
    /// moves a new concern too).
    const MOVES: [EntryKind; 3] = [EntryKind::StatusChange, EntryKind::ClosedWithoutDebrief, EntryKind::Triage];

    pub fn of(case: &CaseFile) -> StatusSeen {
        StatusSeen {
            status: case.status,
            moves: case.chronology.iter().filter(|e| Self::MOVES.contains(&e.kind)).count(),
        }
    }

    /// Refused, naming who moved the concern and when, if it moved since.
    fn still(self, case: &CaseFile) -> Result<(), StoreError> {
        if StatusSeen::of(case) == self {
            return Ok(());
        }
        let last = case.chronology.iter().rev().find(|e| Self::MOVES.contains(&e.kind));
        let by = last.map_or_else(String::new, |e| {
            format!(" by {} at {}", e.author.name, e.recorded_at.format("%H:%M on %-d %b"))
        });
        Err(StoreError::ChangedSince(format!(
            "{} was moved to {}{by} since you opened it; yours was not saved (it is still in the form). Press \
             Esc and reopen to read theirs first",
            case.concern.reference,
            case.status.label()
        )))
    }
}

/// What a triage form supplies; the session adds who and when.
#[derive(Debug, Clone)]
pub struct TriageInput {
    pub risk: crate::domain::Risk,
    pub urgency: crate::domain::Urgency,
    pub pathway: String,
    pub linked_policy: String,
    pub assignee: Option<MemberId>,
    pub next_review: Option<chrono::NaiveDate>,
    pub reasoning: String,
}

impl Session {
    /// Decrypts every member's name. A name that does not open (damaged,
    /// or copied in from another store) is named, never a panic (issue 8),
    /// and never a failed session (issue 11): the member shows as
    /// "member #3 (name unreadable)" and keeps their role, so records are
    /// still sealed to them.
    fn load_members(&self, records: Vec<(MemberId, MemberRecord)>) -> (Vec<Member>, Vec<Damaged>) {
        let mut damaged = Vec::new();
        let name_of = |id: MemberId, r: &MemberRecord, damaged: &mut Vec<Damaged>| match self.open_record::<MemberName>(
            AccessClass::Directory,
            &Place::new(MEMBERS, be(id), 0),
            &r.sealed_name,
        ) {
            Ok(name) => name.0,
            Err(e) => {
                damaged.push(Damaged::from_error(format!("member #{id}'s name"), &e));
                unreadable_member_name(id)
            }
        };
        let Some(roster) = &self.roster else {
            let members = records
                .into_iter()
                .map(|(id, r)| {
                    if parse_recipient(&r.recipient).is_err() {
                        damaged.push(Damaged::new(format!("member #{id}"), "its public key is damaged"));
                    }
                    let name = name_of(id, &r, &mut damaged);
                    Member {
                        id,
                        name,
                        role: r.role,
                        recipient: r.recipient,
                        authorised_to_erase: r.authorised_to_erase,
                    }
                })
                .collect();
            return (members, damaged);
        };
        // Issue 10: who is a member, their role and their key come from the
        // DSL's roster alone; a clear member record is only where the name
        // is kept. One that disagrees with the roster was not written by a
        // DSL: it is named and ignored, never sealed to.
        for (id, r) in &records {
            match roster.entry(*id) {
                None => damaged.push(Damaged::new(
                    format!("member #{id}"),
                    "it is not in the DSL's authenticated member list (added outside casebook?); ignored",
                )),
                Some(e) if e.recipient != r.recipient || e.role != r.role => damaged.push(Damaged::new(
                    format!("member #{id}"),
                    "its key or role differs from the DSL's authenticated member list (changed outside casebook?); \
                     the member list's stands",
                )),
                Some(_) => {}
            }
        }
        let members = roster
            .members
            .iter()
            .map(|e| {
                let name = match records.iter().find(|(id, r)| *id == e.id && r.recipient == e.recipient) {
                    Some((id, r)) => name_of(*id, r, &mut damaged),
                    None => {
                        damaged.push(Damaged::new(format!("member #{}", e.id), "its name record is missing"));
                        unreadable_member_name(e.id)
                    }
                };
                Member {
                    id: e.id,
                    name,
                    role: e.role,
                    recipient: e.recipient.clone(),
                    authorised_to_erase: e.authorised_to_erase,
                }
            })
            .collect();
        (members, damaged)
    }

    /// Writes the first roster of a store no DSL has opened since issue 10:
    /// the member list and class keys as they are now are taken as the
    /// DSL's (trust on first use, said in the session's notices).
    fn adopt_roster(&mut self, records: &[(MemberId, MemberRecord)]) -> Result<(), StoreError> {
        // A store whose records are already bound had a roster: it was
        // taken away outside casebook, perhaps to have this session sign a
        // member list someone else made (found in review). Only a store
        // from before issue 10, or one just made, is adopted.
        if let Some(sealed) = self.store.backend.get(SETTINGS, b"school")?
            && let Some(key) = self.class_key(AccessClass::Directory)
            && let Ok(plain) = crypto::open(&sealed, &[key, &self.identity])
            && codec::decode_at::<School>(&plain, &school_place()).is_ok_and(|o| o.bound)
        {
            return Err(StoreError::Tampered(
                "the store's authenticated member list is missing, though its records were sealed after it was made: \
                 it was removed outside casebook"
                    .into(),
            ));
        }
        let roster = roster::Roster {
            format: roster::Roster::FORMAT,
            store_id: roster::Roster::new_id(),
            epoch: 1,
            members: records
                .iter()
                .map(|(id, r)| roster::Entry {
                    id: *id,
                    role: r.role,
                    recipient: r.recipient.clone(),
                    authorised_to_erase: r.authorised_to_erase,
                })
                .collect(),
            class_keys: self.keys.iter().map(|k| (k.class().tag().to_string(), roster::commitment(k))).collect(),
            records_bound: true,
            retired: Vec::new(),
            recovery: self
                .store
                .backend
                .get(SETTINGS, RECOVERY.as_bytes())?
                .and_then(|v| String::from_utf8(v).ok())
                .filter(|r| parse_recipient(r).is_ok()),
        };
        // Every record is bound to its place first: only then may the
        // roster say so, after which an unbound record is refused.
        self.reseal_classes(&AccessClass::ALL, &|_| ())?;
        let bytes = roster.authenticate(self.me, &self.identity).map_err(|e| StoreError::Input(e.to_string()))?;
        let batch = Batch::new().check(SETTINGS, roster::ROSTER, None::<Vec<u8>>).put(SETTINGS, roster::ROSTER, bytes);
        match self.store.backend.apply(batch) {
            Ok(_) => {}
            // Another DSL session adopted it a moment ago: theirs stands.
            Err(StoreError::Stale { .. }) => {
                let bytes = self
                    .store
                    .backend
                    .get(SETTINGS, roster::ROSTER.as_bytes())?
                    .ok_or_else(|| corrupt("the member list", "it vanished while being written"))?;
                self.roster = Some(verified_roster(&bytes, &self.identity, None, records)?);
                self.seal_audit_to_roster();
                return Ok(());
            }
            Err(e) => return Err(e),
        }
        self.roster = Some(roster);
        self.seal_audit_to_roster();
        Ok(())
    }

    /// Seals this store's audit entries, where this process writes them (a
    /// store opened directly), to the DSLs and the recovery key of the
    /// roster this session verified (S-c).
    fn seal_audit_to_roster(&self) {
        if let Some(r) = &self.roster {
            self.store.backend.seal_audit_to(r.audit_recipients());
        }
    }

    /// The audit log (DSL only, issue 10): every entry, or those about one
    /// concern, with the chain checked, and checked against the last entry
    /// this DSL's client saw before.
    pub fn audit(&self, concern: Option<u32>) -> Result<audit::Trail, StoreError> {
        if self.my_role != Role::Dsl {
            return Err(StoreError::Forbidden { role: self.my_role, action: "read the audit log".into() });
        }
        let raw = self.store.backend.scan(AUDIT)?;
        let seen = raw.clone();
        let mut trail = audit::read(raw, Some(&self.identity));
        let location = self.location();
        let mine = self.public_key();
        if let Some(mut pin) = self.store.pins.load(&location, &mine)? {
            if let Some((seq, hash)) = &pin.audit {
                let same = seen
                    .iter()
                    .find(|(k, _)| k.as_slice() == seq.to_be_bytes())
                    .is_some_and(|(_, v)| pins::Pin::store_id_hex(&audit::hash(v)) == *hash);
                if !same {
                    trail.breaks.push(format!(
                        "the log up to entry {seq}, which your casebook read before, has been changed or cut"
                    ));
                }
            }
            if trail.breaks.is_empty()
                && let Some((seq, hash)) = trail.end
            {
                pin.audit = Some((seq, pins::Pin::store_id_hex(&hash)));
                self.store.pins.save(&location, &mine, &pin)?;
            }
        }
        if let Some(id) = concern {
            trail.entries.retain(|e| e.access.concern() == Some(id));
        }
        Ok(trail)
    }

    /// Reads the member list again (after the DSL changed it: this
    /// session's own change in another thread, or another DSL's). Only a
    /// roster authenticated by a DSL this session already trusts, for the
    /// same store and not older, is taken (issue 10).
    pub fn reload_members(&mut self) -> Result<(), StoreError> {
        let Some(current) = self.roster.clone() else { return Ok(()) };
        let (records, skipped) = self.store.member_records()?;
        let bytes = self
            .store
            .backend
            .get(SETTINGS, roster::ROSTER.as_bytes())?
            .ok_or_else(|| StoreError::Tampered("the store's authenticated member list is missing".into()))?;
        let (roster, signer) = roster::Roster::open(&bytes, &self.identity).map_err(|e| match e {
            roster::RosterError::NotListed => StoreError::Removed(self.public_key()),
            other => StoreError::Tampered(format!("the store's member list is not the one the DSL gave out: {other}")),
        })?;
        if !roster.follows(&current.store_id, current.epoch, current.dsls().into_iter(), &signer) {
            return Err(StoreError::Tampered("the member list changed in a way no DSL of this store made".into()));
        }
        self.roster = Some(roster);
        self.seal_audit_to_roster();
        let (members, mut unreadable) = self.load_members(records);
        self.members = members;
        unreadable.extend(skipped);
        self.member_damage = unreadable;
        let retired = std::mem::take(&mut self.trust.retired);
        self.trust = Trust::of(&self.store.backend, self.me, self.my_role, &self.members, self.roster.as_ref());
        self.trust.retired = retired;
        Ok(())
    }

    /// What the member should be told once about this session (issue 10).
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The authenticated roster's epoch, if the store has one.
    pub fn roster_epoch(&self) -> Option<u64> {
        self.roster.as_ref().map(|r| r.epoch)
    }

    /// Member records, or members' names, that could not be read.
    pub fn member_damage(&self) -> &[Damaged] {
        &self.member_damage
    }

    /// A second session of the same member over the same backend, for a
    /// worker thread that does the store's work while the screen stays
    /// responsive (issue 9). Nothing is read or decrypted again: the key,
    /// the class keys and the member list are copied. The board index is
    /// not: each session keeps its own cache of it.
    pub fn fork(&self) -> Session {
        Session {
            store: Store {
                backend: self.store.backend.clone(),
                catalogue: self.store.catalogue.clone(),
                pins: self.store.pins.clone(),
            },
            roster: self.roster.clone(),
            notices: self.notices.clone(),
            trust: self.trust.clone(),
            identity: self.identity.clone(),
            keys: self.keys.iter().map(ClassKey::duplicate).collect(),
            members: self.members.clone(),
            me: self.me,
            my_role: self.my_role,
            index: None,
            people_cache: None,
            board_seen: None,
            member_damage: self.member_damage.clone(),
            members_skipped: self.members_skipped,
        }
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.store.catalogue
    }

    pub fn location(&self) -> Location {
        self.store.location()
    }

    /// The record backend below this session (for change notifications).
    pub fn backend(&self) -> &Arc<dyn Backend> {
        self.store.backend()
    }

    pub fn me(&self) -> &Member {
        self.members.iter().find(|m| m.id == self.me).expect("the unlocking member is in the member list")
    }

    pub fn author(&self) -> Author {
        Author { member: self.me, name: self.me().name.clone() }
    }

    pub fn members(&self) -> &[Member] {
        &self.members
    }

    pub fn member(&self, id: MemberId) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    /// Whether this session's key opens `class` records.
    pub fn can_read(&self, class: AccessClass) -> bool {
        self.class_key(class).is_some()
    }

    /// The member's public recipient (the idle lock checks a re-entered
    /// key against it).
    pub fn public_key(&self) -> String {
        self.identity.to_public().to_string()
    }

    /// The last good backup noted in the store, for the dashboard (issue 11).
    pub fn last_backup(&self) -> Result<Option<backup::Stamp>, StoreError> {
        backup::last(self.store.backend.as_ref())
    }

    pub fn school(&self) -> Result<String, StoreError> {
        let sealed = self
            .store
            .backend
            .get(SETTINGS, b"school")?
            .ok_or_else(|| corrupt("the school's name", "it is missing"))?;
        Ok(self.open_record::<School>(AccessClass::Directory, &school_place(), &sealed)?.name)
    }

    fn class_key(&self, class: AccessClass) -> Option<&ClassKey> {
        self.keys.iter().find(|k| k.class() == class)
    }

    fn require(&self, class: AccessClass, action: &str) -> Result<&ClassKey, StoreError> {
        self.class_key(class).ok_or_else(|| StoreError::Forbidden { role: self.my_role, action: action.to_string() })
    }

    /// Every member of `class`. A member whose public key is damaged cannot
    /// be sealed to (nor unlock: their key no longer matches), so they are
    /// left out rather than stopping every write (issue 11; `casebook
    /// verify` names them).
    fn recipients_for(&self, class: AccessClass) -> Result<Vec<x25519::Recipient>, StoreError> {
        let recovery = self.roster.as_ref().and_then(|r| r.recovery.as_deref()).and_then(|r| parse_recipient(r).ok());
        Ok(self
            .members
            .iter()
            .filter(|m| m.role.reads(class))
            .filter_map(|m| parse_recipient(&m.recipient).ok())
            .chain(recovery)
            .collect())
    }

    /// Seals a record to every member of `class`, plus the class stanza if
    /// this session holds the class key, bound to its `place` (issue 10).
    /// A writer without the class key (a reporter's concern) vouches for it
    /// to each reader instead. A record larger than
    /// [`limits::RECORD_BYTES`] is refused (PRODUCT.md principle 7e): every
    /// later change re-writes the whole record.
    fn seal<T: Record>(&self, class: AccessClass, place: &Place, value: &T) -> Result<Vec<u8>, StoreError> {
        let class_key = self.class_key(class);
        let plain = zeroize::Zeroizing::new(codec::encode_at(value, place, |digest| {
            if class_key.is_some() {
                return None;
            }
            let readers: Vec<(MemberId, String)> =
                self.members.iter().filter(|m| m.role.reads(class)).map(|m| (m.id, m.recipient.clone())).collect();
            roster::attest(&self.identity, self.me, &readers, &self.trust.store_id, digest)
        }));
        if plain.len() > limits::RECORD_BYTES {
            return Err(StoreError::Input(format!(
                "the record would be {}, over casebook's limit of {} for one record; nothing was saved",
                limits::size(plain.len()),
                limits::size(limits::RECORD_BYTES)
            )));
        }
        Ok(crypto::seal(&plain, &self.recipients_for(class)?, class_key)?)
    }

    fn open_record<T: Record>(&self, class: AccessClass, place: &Place, sealed: &[u8]) -> Result<T, StoreError> {
        Ok(open_sealed::<T>(sealed, class, place, self.class_key(class), &self.identity, &self.trust)?.0)
    }

    // ---- members ----------------------------------------------------------

    /// Adds a member (DSL only) and re-wraps the class keys of their role
    /// so that they can read what their role may read, and nothing more.
    pub fn add_member(&mut self, name: &str, role: Role, recipient: &str) -> Result<Member, StoreError> {
        if !self.me().role.manages_members() {
            return Err(StoreError::Forbidden { role: self.me().role, action: "add members".into() });
        }
        if name.trim().is_empty() {
            return Err(StoreError::Input("the member needs a name".into()));
        }
        if let Some(problem) = limits::over_chars(name.trim(), limits::NAME_CHARS) {
            return Err(StoreError::Input(format!("the member's name: {problem}")));
        }
        if self.members_skipped > 0 && self.roster.is_none() {
            // Re-wrapping the class keys without a member whose record is
            // damaged would lock them out for good (issue 11).
            return Err(StoreError::Input(format!(
                "a member record is damaged ({}); adding a member now would lock its member out. Restore the \
                 store from a backup first (see `casebook verify`); nothing was changed",
                self.member_damage.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
            )));
        }
        let parsed = parse_recipient(recipient)?;
        if self.members.iter().any(|m| m.recipient == parsed.to_string()) {
            return Err(StoreError::Input(format!("{parsed} is already a member")));
        }
        let id = self.store.next_counter("member")?;
        let member = Member {
            id,
            name: name.trim().to_string(),
            role,
            recipient: parsed.to_string(),
            authorised_to_erase: false,
        };
        self.members.push(member.clone());
        let record = MemberRecord {
            format: MemberRecord::FORMAT,
            role,
            recipient: member.recipient.clone(),
            authorised_to_erase: false,
            sealed_name: self.seal(
                AccessClass::Directory,
                &Place::new(MEMBERS, be(id), 0),
                &MemberName(member.name.clone()),
            )?,
        };
        let mut batch_keys = Vec::new();
        for &class in role.classes() {
            let key = self.require(class, "share a class key")?;
            batch_keys.push((class, crypto::seal(key.expose(), &self.recipients_for(class)?, None)?));
        }
        let mut batch = Batch::new().check(MEMBERS, be(id), None::<Vec<u8>>).put(MEMBERS, be(id), codec_clear(&record));
        for (class, sealed) in batch_keys {
            batch = batch.put(CLASS_KEYS, class.tag(), sealed);
        }
        // Issue 10: the new member exists for the others only once the
        // DSL's roster names them, written in the same batch.
        let (batch, roster) = self.next_roster(batch, |r| {
            r.members.push(roster::Entry { id, role, recipient: member.recipient.clone(), authorised_to_erase: false })
        })?;
        if let Err(e) = self.store.backend.apply(batch) {
            self.members.retain(|m| m.id != id);
            return Err(e);
        }
        self.roster = Some(roster);
        self.seal_audit_to_roster();
        self.trust = Trust::of(&self.store.backend, self.me, self.my_role, &self.members, self.roster.as_ref());
        self.store.backend.note_access(self.me, audit::Access::Membership(id));
        // Issue 10: what their role may read opens with their own key and
        // Debian's `age` too, not only through the class key in casebook.
        self.reseal_classes(role.classes(), &|_| ())?;
        Ok(member)
    }

    /// The roster after `change`, one epoch on, authenticated by this DSL,
    /// added to `batch` with a check that no one else changed it since it
    /// was read.
    fn next_roster(
        &self,
        batch: Batch,
        change: impl FnOnce(&mut roster::Roster),
    ) -> Result<(Batch, roster::Roster), StoreError> {
        let mut roster = self.roster.clone().ok_or_else(|| {
            StoreError::Input("the store's member list is not authenticated yet; reopen casebook as the DSL".into())
        })?;
        let current = self.store.backend.get(SETTINGS, roster::ROSTER.as_bytes())?;
        let unchanged = current
            .as_deref()
            .is_some_and(|bytes| roster::Roster::open(bytes, &self.identity).is_ok_and(|(now, _)| now == roster));
        if !unchanged {
            return Err(StoreError::Conflict("the member list".into()));
        }
        change(&mut roster);
        roster.epoch += 1;
        let bytes = roster.authenticate(self.me, &self.identity).map_err(|e| StoreError::Input(e.to_string()))?;
        Ok((batch.check(SETTINGS, roster::ROSTER, current).put(SETTINGS, roster::ROSTER, bytes), roster))
    }

    // ---- concerns ---------------------------------------------------------

    /// Records a concern. Any member may; a reporter's record is sealed to
    /// the DSL and deputies only, so they cannot read it back (P9-a, P9-e).
    pub fn record_concern(&mut self, mut new: NewConcern, now: NaiveDateTime) -> Result<Recorded, StoreError> {
        self.check_subject_people(&mut new.subjects)?;
        let errors = new.validate(self.catalogue(), now);
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let mut concern = Concern {
            reference: format!("C-{}-0000", now.year()),
            occurred_at: new.occurred_at,
            reported_at: now,
            reported_by: if new.reported_by.trim().is_empty() {
                self.me().name.clone()
            } else {
                new.reported_by.trim().to_string()
            },
            recorded_by: self.author(),
            subjects: new.subjects,
            category: new.category,
            location: new.location,
            devices: new.devices,
            description: new.description,
            immediate_action: new.immediate_action,
            source: new.source,
        };
        // A concern too large to keep is refused before it takes a number:
        // a number handed out and never used reads to `casebook verify` as
        // a concern deleted outside casebook (S-d).
        let probe = codec::encode_at(&CaseFile::open(concern.clone()), &case_place(u32::MAX, 1), |_| None);
        if probe.len() > limits::RECORD_BYTES {
            return Err(StoreError::Input(format!(
                "the record would be {}, over casebook's limit of {} for one record; nothing was saved",
                limits::size(probe.len()),
                limits::size(limits::RECORD_BYTES)
            )));
        }
        let id = self.store.next_counter("case")?;
        let seq = self.store.next_counter(&format!("case-ref-{}", now.year()))?;
        let reference = format!("C-{}-{:04}", now.year(), seq);
        concern.reference = reference.clone();
        let case = CaseFile::open(concern);
        let urgent = case.urgency(self.catalogue()) == crate::domain::Urgency::Urgent;
        match self.write_case(id, None, &case) {
            Ok(_) => {
                // Issue 13: the school's notification, after the concern is
                // safely on disk; it carries nothing of the concern.
                if urgent {
                    self.store.backend.urgent_recorded();
                }
                Ok(Recorded { id, reference })
            }
            // A new concern's id and reference come from counters that only
            // move forward: one already in use means a counter was set back
            // outside casebook (issue 10). Never a second C-2026-0001.
            Err(StoreError::Conflict(_)) => Err(StoreError::Tampered(format!(
                "the store's numbering is behind its records: concern #{id} or {reference} is already in use (a \
                 counter set back outside casebook?), so the concern was not recorded"
            ))),
            Err(e) => Err(e),
        }
    }

    /// Writes a case record and its revision atomically, then fsyncs: once
    /// this returns, the write survives a crash. A new case also records its
    /// reference, so `show REF` finds it without the board.
    fn write_case(&mut self, id: u32, expected: Option<CaseMeta>, case: &CaseFile) -> Result<u64, StoreError> {
        let meta = CaseMeta { format: CaseMeta::FORMAT, revision: expected.map_or(1, |m| m.revision + 1) };
        // Issue 13 (P5-g): a restricted concern is sealed to its readers alone.
        let sealed = self.seal_for_case(id, &case_place(id, meta.revision), case)?;
        let mut batch = Batch::new()
            .check(CASE_META, be(id), expected.map(|m| codec_clear(&m)))
            .put(CASES, be(id), sealed)
            .put(CASE_META, be(id), codec_clear(&meta));
        if expected.is_none() {
            let reference = case.concern.reference.as_bytes();
            batch = batch.check(CASE_REFS, reference, None::<Vec<u8>>).put(CASE_REFS, reference, be(id));
        }
        self.store.backend.apply(batch).map_err(|e| match e {
            StoreError::Stale { .. } => StoreError::Conflict(case.concern.reference.clone()),
            other => other,
        })?;
        self.store.backend.note_access(self.me, audit::Access::ChangedConcern(id));
        // The record is durable now. The index is a cache: failing to save
        // it must not report this write as failed, or the member makes it
        // again (a second concern, a second follow-up). Dropping the cached
        // index makes the next board load find the shard stale and save it.
        if self.can_read(AccessClass::Case)
            && self.index_case(CaseSummary::of(id, meta.revision, case, self.catalogue())).is_err()
        {
            self.index = None;
        }
        Ok(meta.revision)
    }

    /// Whether a concern's revision record reads (issue 11): without it a
    /// concern still opens, but whether it is its latest revision cannot be
    /// checked (found in review, issue 10), and `show` says so.
    pub fn revision_known(&self, id: u32) -> bool {
        self.case_meta(id).is_ok_and(|m| m.is_some())
    }

    fn case_meta(&self, id: u32) -> Result<Option<CaseMeta>, StoreError> {
        match self.store.backend.get(CASE_META, &be(id))? {
            None => Ok(None),
            Some(v) => codec::from_bytes(&v).map(Some).map_err(|e| corrupt(format!("case {id}'s metadata"), e)),
        }
    }

    /// Loads one case by its store id.
    pub fn case(&self, id: u32) -> Result<CaseFile, StoreError> {
        self.require(AccessClass::Case, "read concerns")?;
        Ok(self
            .case_reader()?
            .load_one(id)
            .map_err(|e| match e {
                // Named by its reference where the clear map knows it (issue 11).
                StoreError::Corrupt { detail, .. } => {
                    let names = self.case_names().unwrap_or_default();
                    corrupt(case_name(&names, id), detail)
                }
                StoreError::Restricted(why) => {
                    let names = self.case_names().unwrap_or_default();
                    StoreError::Restricted(format!("{} is not yours to read: {why}", case_name(&names, id)))
                }
                other => other,
            })?
            .0)
    }

    /// Finds a case's store id by its reference (e.g. `C-2026-0001`, or a
    /// shorthand: see [`Session::resolve`]).
    pub fn find(&mut self, reference: &str) -> Result<u32, StoreError> {
        Ok(self.resolve(reference)?.0)
    }

    /// A case's store id and full reference from what someone typed:
    /// "C-2026-0001", "c-2026-1", "2026-0001", or "1" when only one year
    /// has a concern numbered 1 (issue 8). Unknown or ambiguous references
    /// say what was looked for. A reference with its year is one lookup;
    /// the board is read only for a bare number, or for a store written
    /// before references were kept.
    pub fn resolve(&mut self, reference: &str) -> Result<(u32, String), StoreError> {
        self.require(AccessClass::Case, "read concerns")?;
        if let Some(query) = crate::domain::ReferenceQuery::parse(reference).filter(|q| q.year.is_some()) {
            let full = query.describe();
            if let Some(id) = self.store.backend.get(CASE_REFS, full.as_bytes())? {
                return Ok((id_of(&id)?, full));
            }
        }
        let rows = self.board()?.rows;
        resolve_reference(&rows, reference)
    }

    /// Loads, changes and saves a case; `change` follows the domain's
    /// lifecycle rules, and a refusal leaves the store untouched.
    ///
    /// When someone else wrote the case in between (two people adding
    /// follow-ups at once), the change is applied again to their newer
    /// record and checked by the same rules: an append never conflicts, and
    /// nothing anyone wrote is lost.
    pub fn update_case<T>(
        &mut self,
        id: u32,
        change: impl FnMut(&mut CaseFile, &Catalogue, &Author) -> Result<T, CaseError>,
    ) -> Result<T, StoreError> {
        self.update_case_if(id, |_| Ok(()), change)
    }

    /// [`Session::update_case`], with `still` checked against every version
    /// of the case the change is applied to, the newer one of a retry too:
    /// a refusal such as "triaged by someone else since" cannot be slipped
    /// past by a write landing between the check and the save.
    fn update_case_if<T>(
        &mut self,
        id: u32,
        still: impl Fn(&CaseFile) -> Result<(), StoreError>,
        mut change: impl FnMut(&mut CaseFile, &Catalogue, &Author) -> Result<T, CaseError>,
    ) -> Result<T, StoreError> {
        let mut attempt = 0;
        loop {
            let meta = self.case_meta(id)?.ok_or_else(|| StoreError::NoSuchCase(format!("#{id}")))?;
            let mut case = self.case(id)?;
            still(&case)?;
            let out = change(&mut case, &self.store.catalogue, &self.author())?;
            match self.write_case(id, Some(meta), &case) {
                Err(StoreError::Conflict(_)) if attempt < UPDATE_ATTEMPTS => {
                    attempt += 1;
                    back_off(attempt);
                }
                Err(e) => return Err(e),
                Ok(_) => return Ok(out),
            }
        }
    }

    /// Records a triage decided on what the member saw when they opened the
    /// form (`seen`: how many triage decisions the case had then). If
    /// someone triaged it since, nothing is saved and the refusal names who
    /// and when, so the member can read theirs first.
    pub fn triage_seen(
        &mut self,
        id: u32,
        seen: usize,
        input: TriageInput,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        // Checked on the record the triage is saved onto, not once before:
        // a triage landing in between must be refused too, not stacked.
        self.triage_if(id, input, now, |case| match case.triage.last() {
            Some(last) if case.triage.len() != seen => Err(StoreError::ChangedSince(format!(
                "{} was triaged by {} at {} since you opened it; yours was not saved (it is still in the form). \
                 Press Esc and reopen to read theirs first",
                case.concern.reference,
                last.decided_by.name,
                last.decided_at.format("%H:%M on %-d %b")
            ))),
            _ => Ok(()),
        })
    }

    pub fn triage(&mut self, id: u32, input: TriageInput, now: NaiveDateTime) -> Result<(), StoreError> {
        self.triage_if(id, input, now, |_| Ok(()))
    }

    fn triage_if(
        &mut self,
        id: u32,
        input: TriageInput,
        now: NaiveDateTime,
        still: impl Fn(&CaseFile) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let assignee = match input.assignee {
            None => None,
            Some(mid) => {
                let m = self.member(mid).ok_or_else(|| StoreError::Input(format!("no member #{mid}")))?;
                if !m.role.reads(AccessClass::Case) {
                    return Err(StoreError::Input(format!(
                        "{} ({}) cannot read concerns, so cannot be assigned one",
                        m.name, m.role
                    )));
                }
                Some(Author { member: m.id, name: m.name.clone() })
            }
        };
        self.update_case_if(id, still, |case, catalogue, me| {
            case.record_triage(
                Triage {
                    risk: input.risk,
                    urgency: input.urgency,
                    pathway: input.pathway.clone(),
                    linked_policy: input.linked_policy.clone(),
                    assignee: assignee.clone(),
                    next_review: input.next_review,
                    reasoning: input.reasoning.clone(),
                    decided_by: me.clone(),
                    decided_at: now,
                },
                catalogue,
            )
        })
    }

    pub fn add_entry(
        &mut self,
        id: u32,
        kind: EntryKind,
        at: NaiveDateTime,
        text: &str,
        now: NaiveDateTime,
    ) -> Result<u32, StoreError> {
        self.update_case(id, |case, _, me| case.add_entry(kind, at, text, me, now))
    }

    pub fn correct_entry(&mut self, id: u32, seq: u32, text: &str, now: NaiveDateTime) -> Result<u32, StoreError> {
        self.update_case(id, |case, _, me| case.correct_entry(seq, text, me, now))
    }

    pub fn transition(&mut self, id: u32, to: Status, reason: &str, now: NaiveDateTime) -> Result<(), StoreError> {
        if to == Status::Closed {
            self.refuse_close_while_held(id)?; // P6.1-b
        }
        self.update_case(id, |case, catalogue, me| case.transition(to, reason, me, now, catalogue))
    }

    /// A status change decided on what the member saw when they opened the
    /// form ([`StatusSeen::of`] the case then). If someone moved the
    /// concern since, nothing is saved and the refusal names who and when,
    /// as for triage ([`Session::triage_seen`]).
    pub fn transition_seen(
        &mut self,
        id: u32,
        seen: StatusSeen,
        to: Status,
        reason: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        if to == Status::Closed {
            self.refuse_close_while_held(id)?; // P6.1-b
        }
        self.update_case_if(
            id,
            |case| seen.still(case),
            |case, catalogue, me| case.transition(to, reason, me, now, catalogue),
        )
    }

    /// P9-c: the DSL's recorded decision that an investigated concern needs
    /// no debrief, with the reason. Only the DSL may decide it: deputies
    /// record follow-ups, and a debrief is the rule.
    pub fn close_without_debrief(&mut self, id: u32, reason: &str, now: NaiveDateTime) -> Result<(), StoreError> {
        self.close_without_debrief_seen(id, None, reason, now)
    }

    /// [`Session::close_without_debrief`], refused as a stale status form is
    /// (see [`Session::transition_seen`]) when `seen` is given.
    pub fn close_without_debrief_seen(
        &mut self,
        id: u32,
        seen: Option<StatusSeen>,
        reason: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        if self.me().role != Role::Dsl {
            return Err(StoreError::Forbidden {
                role: self.me().role,
                action: "decide that a concern needs no debrief (only the DSL can)".into(),
            });
        }
        self.refuse_close_while_held(id)?; // P6.1-b
        self.update_case_if(
            id,
            |case| seen.map_or(Ok(()), |seen| seen.still(case)),
            |case, _, me| case.close_without_debrief(reason, me, now),
        )
    }

    // ---- the board --------------------------------------------------------

    /// Seals one shard of the board index, with its anonymised figures.
    /// The index is a cache, sealed to the class key alone: losing it costs
    /// one slower start, never a record. Sharding keeps a write's cost flat
    /// as the store grows: one follow-up re-seals the few hundred rows beside
    /// it, not the board. P9-e: leadership cannot open the index, so the
    /// shard's counts (and only its counts) go to an Oversight record too.
    fn save_index_shard(&self, shard: u32, rows: &[CaseSummary]) -> Result<(), StoreError> {
        self.store.backend.apply(self.index_shard_batch(Batch::new(), shard, rows)?)?;
        Ok(())
    }

    /// [`Session::save_index_shard`]'s writes, added to `batch` (a disposal
    /// takes a concern's row out in the same write as its records, S-d).
    fn index_shard_batch(&self, batch: Batch, shard: u32, rows: &[CaseSummary]) -> Result<Batch, StoreError> {
        let key = self.require(AccessClass::Case, "index concerns")?;
        let name = shard_key(shard);
        // Issue 13 (P5-g): every deputy opens the index, so a restricted
        // concern's row in it says only "restricted".
        let restricted = self.restricted_cases()?;
        let rows: Vec<CaseSummary> = rows.iter().cloned().map(|r| Session::shared_row(&restricted, r)).collect();
        let rows = rows.as_slice();
        Ok(if rows.is_empty() {
            batch.delete(INDEX, name.clone()).delete(FIGURES, name)
        } else {
            let plain = codec::encode_at(&rows.to_vec(), &Place::new(INDEX, name.clone(), 0), |_| None);
            let sealed = crypto::seal(&zeroize::Zeroizing::new(plain), &[], Some(key))?;
            let figures = crate::domain::Figures::from_rows(rows, chrono::Local::now().naive_local());
            let figures = self.seal(AccessClass::Oversight, &Place::new(FIGURES, name.clone(), 0), &figures)?;
            batch.put(INDEX, name.clone(), sealed).put(FIGURES, name, figures)
        })
    }

    /// The rows of one index shard as stored (empty when it is missing or
    /// does not open: the next board load rebuilds it from the records).
    fn stored_shard(&self, shard: u32) -> Result<Vec<CaseSummary>, StoreError> {
        Ok(match self.store.backend.get(INDEX, &shard_key(shard))? {
            Some(sealed) => self
                .open_record(AccessClass::Case, &Place::new(INDEX, shard_key(shard), 0), &sealed)
                .unwrap_or_default(),
            None => Vec::new(),
        })
    }

    /// Puts a case's new summary into its index shard, loaded or not.
    fn index_case(&mut self, summary: CaseSummary) -> Result<(), StoreError> {
        let summary = if self.is_restricted(summary.id)? { domain_redact(&summary) } else { summary };
        let shard = shard_of(summary.id);
        let rows: Vec<CaseSummary> = match self.index.as_mut() {
            Some(index) => {
                index.insert(summary.id, summary);
                shard_rows(index, shard)
            }
            None => {
                let mut rows = self.stored_shard(shard)?;
                rows.retain(|r| r.id != summary.id);
                rows.push(summary);
                rows.sort_by_key(|r| r.id);
                rows
            }
        };
        self.save_index_shard(shard, &rows)
    }

    /// The index's shards that open; a damaged or foreign shard is left out
    /// and its rows are rebuilt from the records.
    fn load_index(&self) -> Result<BTreeMap<u32, CaseSummary>, StoreError> {
        let mut index = BTreeMap::new();
        for (name, sealed) in self.store.backend.scan(INDEX)? {
            if !name.starts_with(SHARD_PREFIX) {
                continue;
            }
            let place = Place::new(INDEX, name.to_vec(), 0);
            if let Ok(rows) = self.open_record::<Vec<CaseSummary>>(AccessClass::Case, &place, &sealed) {
                index.extend(rows.into_iter().map(|r| (r.id, r)));
            }
        }
        Ok(index)
    }

    /// The triage board: a summary of every case, sorted for triage.
    ///
    /// Reads the encrypted index, then decrypts only the cases whose
    /// revision moved since (written by a reporter or another member, or
    /// before a crash). Cases a reporter wrote without the class stanza gain
    /// it here.
    fn board_index(&mut self) -> Result<Board, StoreError> {
        self.require(AccessClass::Case, "read concerns")?;
        self.store.backend.note_access(self.me, audit::Access::ReadBoard);
        if let Some(board) = self.board_since_seen()? {
            return Ok(board);
        }
        // Read before the records: a write landing during this load is
        // among those the next load reads.
        let seen = self.store.backend.changes().ok();
        self.board_seen = None;
        let mut index = match self.index.take() {
            Some(index) => index,
            None => self.load_index()?,
        };
        let mut revisions: HashMap<u32, (u64, Vec<u8>)> = HashMap::new();
        // Issue 11: a damaged revision record costs only its own concern,
        // which is still shown, read from its record each time.
        let mut problems: Vec<(Option<u32>, Damaged)> = Vec::new();
        let mut unknown_revision: Vec<u32> = Vec::new();
        for (k, v) in self.store.backend.scan(CASE_META)? {
            let Ok(id) = id_of(&k) else {
                problems.push((None, Damaged::new(malformed_key("case_meta", &k), "it names no concern")));
                continue;
            };
            match codec::from_bytes::<CaseMeta>(&v) {
                Ok(meta) => {
                    revisions.insert(id, (meta.revision, v));
                }
                Err(_) => {
                    unknown_revision.push(id);
                    problems.push((Some(id), Damaged::new("", META_DAMAGED)));
                }
            }
        }
        // Issue 10: the index is sealed to the case key, so what it lists is
        // what members wrote. A concern it lists that is gone from the
        // store, or whose revision went back, was deleted or set back
        // outside casebook (casebook deletes no concern and never lowers a
        // revision): named, never passed over in silence.
        for (id, row) in &index {
            match revisions.get(id) {
                None if !unknown_revision.contains(id) => problems.push((
                    Some(*id),
                    Damaged::new(
                        "",
                        format!(
                            "{} is on the board's index but its record is gone from the store: deleted outside \
                             casebook",
                            row.reference
                        ),
                    ),
                )),
                Some((revision, _)) if *revision < row.revision => problems.push((
                    Some(*id),
                    Damaged::new(
                        "",
                        format!(
                            "its record is at revision {revision} but the board's index saw revision {}: set back \
                             outside casebook",
                            row.revision
                        ),
                    ),
                )),
                _ => {}
            }
        }
        let mut dirty: std::collections::BTreeSet<u32> = std::collections::BTreeSet::new();
        index.retain(|id, row| {
            let keep = revisions.get(id).map(|r| r.0) == Some(row.revision);
            if !keep && !unknown_revision.contains(id) {
                dirty.insert(shard_of(*id));
            }
            keep
        });
        let stale: Vec<u32> = revisions
            .keys()
            .copied()
            .filter(|id| !index.contains_key(id))
            .chain(unknown_revision.iter().copied())
            .collect();
        let loaded = self.load_cases(&stale);
        let restricted = self.restricted_cases()?;
        for (id, result) in stale.iter().zip(loaded) {
            match result {
                Ok((case, sealed_has_class)) => {
                    let Some((rev, meta)) = revisions.get(id) else {
                        // Revision unknown: shown, never cached as current
                        // (and no shard is re-sealed for it on every load).
                        index.insert(
                            *id,
                            Session::shared_row(&restricted, CaseSummary::of(*id, 0, &case, self.catalogue())),
                        );
                        continue;
                    };
                    index.insert(
                        *id,
                        Session::shared_row(&restricted, CaseSummary::of(*id, *rev, &case, self.catalogue())),
                    );
                    dirty.insert(shard_of(*id));
                    if !sealed_has_class {
                        self.reseal_reported(*id, &case, meta.clone())?;
                    }
                }
                // P5-g: a restricted allegation this member may not read
                // is shown as the index's redacted row, not as damage.
                Err(StoreError::Restricted(_)) => {
                    index.insert(*id, self.excluded_row(*id)?);
                }
                Err(e) => problems.push((Some(*id), Damaged::from_error("", &e))),
            }
        }
        let problems = self.name_case_problems(problems)?;
        for &shard in &dirty {
            self.save_index_shard(shard, &shard_rows(&index, shard))?;
        }
        // A damaged record is read from its own record on every load, so
        // a board with problems is checked whole each time.
        self.board_seen = seen.filter(|_| problems.is_empty());
        let rows = sorted_rows(&index);
        self.index = Some(index);
        Ok(Board { rows, problems })
    }

    /// The board from the cached index and the records written since it
    /// was last checked (issue 9): a colleague's follow-up costs one
    /// revision read and one decryption, not a pass over every concern.
    /// `None` when the backend cannot say what was written, or a record
    /// on the way is damaged: the caller loads the board whole.
    fn board_since_seen(&mut self) -> Result<Option<Board>, StoreError> {
        let (Some(since), Some(mut index)) = (self.board_seen, self.index.take()) else {
            return Ok(None);
        };
        let moved = self.reindex_changed(since, &mut index);
        let board = match moved {
            Ok(true) => Some(Board { rows: sorted_rows(&index), problems: Vec::new() }),
            Ok(false) => {
                self.board_seen = None;
                None
            }
            Err(e) => {
                self.board_seen = None;
                self.index = Some(index);
                return Err(e);
            }
        };
        self.index = Some(index);
        Ok(board)
    }

    /// The board's rows that `keep` keeps, unsorted and without the copy
    /// of every row a board makes: a person's view at 100,000 concerns
    /// (issue 12). Brought up to date as the board is.
    pub(crate) fn rows_where(&mut self, keep: impl Fn(&CaseSummary) -> bool) -> Result<Vec<CaseSummary>, StoreError> {
        self.require(AccessClass::Case, "read concerns")?;
        let fresh = match (self.board_seen, self.index.take()) {
            (Some(since), Some(mut index)) => {
                let moved = self.reindex_changed(since, &mut index);
                self.index = Some(index);
                match moved {
                    Ok(up_to_date) => up_to_date,
                    Err(e) => {
                        self.board_seen = None;
                        return Err(e);
                    }
                }
            }
            (_, index) => {
                self.index = index;
                false
            }
        };
        if !fresh {
            self.board_seen = None;
            self.board()?;
        }
        Ok(self.index.as_ref().map(|i| i.values().filter(|r| keep(r)).cloned().collect()).unwrap_or_default())
    }

    /// Brings `index` up to date with the cases written since change
    /// `since`; false when that cannot be done record by record.
    fn reindex_changed(&mut self, since: u64, index: &mut BTreeMap<u32, CaseSummary>) -> Result<bool, StoreError> {
        let Some(changed) = self.store.backend.changed_since(since)? else {
            return Ok(false);
        };
        let ids: std::collections::BTreeSet<u32> = changed
            .records
            .iter()
            .filter(|(tree, _)| tree == CASE_META || tree == CASES)
            .filter_map(|(_, key)| id_of(key).ok())
            .collect();
        let mut dirty = std::collections::BTreeSet::new();
        let restricted = self.restricted_cases()?;
        for id in ids {
            let Some(meta) = self.store.backend.get(CASE_META, &be(id))? else {
                if index.remove(&id).is_some() {
                    dirty.insert(shard_of(id));
                }
                continue;
            };
            let Ok(revision) = codec::from_bytes::<CaseMeta>(&meta).map(|m| m.revision) else {
                return Ok(false);
            };
            if index.get(&id).map(|r| r.revision) == Some(revision) {
                continue;
            }
            let (case, sealed_has_class) = match self.load_cases(&[id]).pop() {
                Some(Ok(loaded)) => loaded,
                // P5-g: not this member's to read; the index's redacted row.
                Some(Err(StoreError::Restricted(_))) => {
                    index.insert(id, self.excluded_row(id)?);
                    continue;
                }
                _ => return Ok(false),
            };
            index.insert(id, Session::shared_row(&restricted, CaseSummary::of(id, revision, &case, self.catalogue())));
            dirty.insert(shard_of(id));
            if !sealed_has_class {
                self.reseal_reported(id, &case, meta)?;
            }
        }
        // A shard its writer sealed again since needs nothing from this
        // reader (a reporter's concern, which its writer cannot index, does).
        let resealed: std::collections::BTreeSet<u32> = changed
            .records
            .iter()
            .filter(|(tree, _)| tree == INDEX)
            .filter_map(|(_, key)| key.strip_prefix(SHARD_PREFIX).and_then(|k| id_of(k).ok()))
            .collect();
        for &shard in dirty.difference(&resealed) {
            self.save_index_shard(shard, &shard_rows(index, shard))?;
        }
        self.board_seen = Some(changed.now);
        Ok(true)
    }

    /// A reporter's record, re-sealed with the class stanza so later opens
    /// are cheap. Same revision, same text; if it moved meanwhile, the
    /// newer record stands.
    fn reseal_reported(&self, id: u32, case: &CaseFile, meta: Vec<u8>) -> Result<(), StoreError> {
        // Same revision as its record names (issue 10): the one in `meta`.
        let revision =
            codec::from_bytes::<CaseMeta>(&meta).map_err(|e| corrupt(format!("case {id}'s metadata"), e))?.revision;
        let sealed = self.seal(AccessClass::Case, &case_place(id, revision), case)?;
        let batch = Batch::new().check(CASE_META, be(id), Some(meta)).put(CASES, be(id), sealed);
        match self.store.backend.apply(batch) {
            Ok(_) | Err(StoreError::Stale { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Names each damaged case by its reference where `case_refs` knows it
    /// (read only when something is damaged).
    fn name_case_problems(&self, problems: Vec<(Option<u32>, Damaged)>) -> Result<Vec<Damaged>, StoreError> {
        if problems.is_empty() {
            return Ok(Vec::new());
        }
        let names = self.case_names()?;
        Ok(problems
            .into_iter()
            .map(|(id, mut d)| {
                if let Some(id) = id {
                    d.what = case_name(&names, id);
                }
                d
            })
            .collect())
    }

    /// Each case's reference, from the clear `case_refs` tree.
    pub(crate) fn case_names(&self) -> Result<HashMap<u32, String>, StoreError> {
        case_references(self.store.backend.as_ref())
    }

    /// Decrypts many cases on all cores (index rebuild).
    /// Each result says whether the record already had its class stanza.
    fn load_cases(&self, ids: &[u32]) -> Vec<Result<(CaseFile, bool), StoreError>> {
        match self.case_reader() {
            Ok(reader) => reader.load(ids, &|_, _| ()),
            Err(e) => ids.iter().map(|_| Err(StoreError::Input(e.to_string()))).collect(),
        }
    }

    /// A handle that decrypts cases on another thread (search and other
    /// slow work stays off the TUI's input loop).
    pub fn case_reader(&self) -> Result<CaseReader, StoreError> {
        self.require(AccessClass::Case, "read concerns")?;
        let key = self.class_key(AccessClass::Case).map(ClassKey::duplicate);
        Ok(CaseReader {
            restricted: Arc::new(self.restricted_cases()?),
            backend: self.store.backend.clone(),
            key: key.map(std::sync::Arc::new),
            identity: self.identity.clone(),
            trust: std::sync::Arc::new(self.trust.clone()),
        })
    }

    /// Every case, decrypted (for search across all text).
    pub fn all_cases(&self) -> Result<Vec<LoadedCase>, StoreError> {
        let reader = self.case_reader()?;
        let ids = reader.ids()?;
        let loaded = reader.load(&ids, &|_, _| ());
        // P5-g: a restricted allegation this member may not read is left
        // out in silence (it is not damage).
        Ok(ids
            .into_iter()
            .zip(loaded.into_iter().map(|r| r.map(|(c, _)| c)))
            .filter(|(_, r)| !matches!(r, Err(StoreError::Restricted(_))))
            .collect())
    }

    // ---- export -----------------------------------------------------------

    /// An ordinary age file holding the readable case file, encrypted to
    /// the caller and to any extra recipients (e.g. for a transfer, S-b).
    pub fn export_case(&self, id: u32, extra: &[String]) -> Result<Vec<u8>, StoreError> {
        let case = self.case(id)?;
        self.store.backend.note_access(self.me, audit::Access::Exported(id));
        let text = zeroize::Zeroizing::new(crate::domain::report::case_file_text(&case, self.catalogue()));
        let mut recipients = vec![self.identity.to_public()];
        for r in extra {
            recipients.push(parse_recipient(r)?);
        }
        Ok(crypto::seal(text.as_bytes(), &recipients, None)?)
    }
}

/// Decrypts case records without the rest of the session: `Send` and cheap
/// to clone, for background work.
#[derive(Clone)]
pub struct CaseReader {
    /// Restricted concerns (issue 13, P5-g): opened with the member's own
    /// key alone, never the class key.
    restricted: Arc<std::collections::BTreeSet<u32>>,
    backend: Arc<dyn Backend>,
    key: Option<std::sync::Arc<ClassKey>>,
    identity: x25519::Identity,
    trust: std::sync::Arc<Trust>,
}

impl CaseReader {
    /// Every case's id (a malformed key is skipped, not a failed search:
    /// issue 11; `casebook verify` names it).
    pub fn ids(&self) -> Result<Vec<u32>, StoreError> {
        Ok(self.backend.scan(CASE_META)?.into_iter().filter_map(|(k, _)| id_of(&k).ok()).collect())
    }

    /// One case, and whether its record already carries the class stanza.
    /// The record is bound to its revision (issue 10): read with its
    /// revision, and read again if a write moved it in between.
    pub fn load_one(&self, id: u32) -> Result<(CaseFile, bool), StoreError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let revision = self.revision(id)?;
            let sealed = self.backend.get(CASES, &be(id))?.ok_or_else(|| StoreError::NoSuchCase(format!("#{id}")))?;
            if self.restricted.contains(&id) {
                match restricted::open_restricted::<CaseFile>(
                    &sealed,
                    &case_place(id, revision),
                    &self.identity,
                    &self.trust,
                ) {
                    Ok(case) => {
                        self.backend.note_access(self.trust.me, audit::Access::OpenedConcern(id));
                        // Never re-sealed to the class by a board load.
                        return Ok((case, true));
                    }
                    Err(_) if attempts < UPDATE_ATTEMPTS && self.revision(id)? != revision => continue,
                    Err(e) => return Err(relabel(e, &format!("case #{id}"))),
                }
            }
            let opened = open_sealed::<CaseFile>(
                &sealed,
                AccessClass::Case,
                &case_place(id, revision),
                self.key.as_deref(),
                &self.identity,
                &self.trust,
            );
            match opened {
                Ok((case, via)) => {
                    if let Via::Attested(author) = via {
                        fresh_concern(&case, author, revision).map_err(|why| corrupt(format!("case #{id}"), why))?;
                    }
                    self.backend.note_access(self.trust.me, audit::Access::OpenedConcern(id));
                    return Ok((case, via == Via::Class));
                }
                // A write landed between reading the revision and the
                // record: read both again.
                Err(_) if attempts < UPDATE_ATTEMPTS && self.revision(id)? != revision => continue,
                Err(e) => return Err(relabel(e, &format!("case #{id}"))),
            }
        }
    }

    /// A case's revision from its clear metadata; any revision when that is
    /// missing or damaged (named on its own; the record is still read).
    fn revision(&self, id: u32) -> Result<u64, StoreError> {
        Ok(match self.backend.get(CASE_META, &be(id))? {
            Some(v) => codec::from_bytes::<CaseMeta>(&v).map_or(Place::ANY_REVISION, |m| m.revision),
            None => Place::ANY_REVISION,
        })
    }

    /// Many cases on all cores, in the order of `ids`. `progress(done,
    /// total)` is called now and then from the worker threads.
    pub fn load(
        &self,
        ids: &[u32],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Vec<Result<(CaseFile, bool), StoreError>> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        if ids.len() < 64 || threads == 1 {
            return ids.iter().map(|id| self.load_one(*id)).collect();
        }
        let done = std::sync::atomic::AtomicUsize::new(0);
        let chunk = ids.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = ids
                .chunks(chunk)
                .map(|part| {
                    let done = &done;
                    s.spawn(move || {
                        part.iter()
                            .map(|id| {
                                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                                if n.is_multiple_of(256) {
                                    progress(n, ids.len());
                                }
                                self.load_one(*id)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().expect("decrypt worker does not panic")).collect()
        })
    }
}
