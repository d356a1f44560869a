//! Restricted allegations in the store (issue 13: P5-f, P5-g).
//!
//! A concern the DSL restricts is sealed, with every referral of it, to
//! the members its [`Restriction`] admits (the DSL(s) and the members the
//! DSL names, never one it excludes) and the school's recovery key, with
//! X25519 stanzas alone: no Case class stanza, so the class key every
//! deputy holds opens none of it. The writer vouches for each record to
//! its readers (an attestation, as a reporter does for a new concern), so
//! a reader still knows a member wrote it.
//!
//! What every deputy can still see: that concern #N is restricted (the
//! clear key of its restriction, and a clear marker beside each of its
//! referrals), its reference, and the redacted row the shared board index
//! keeps for it (reference, when reported, status, urgency; no subject,
//! category, people or assignee). Members it admits see the real row: the
//! board opens each restricted concern again for them.
//!
//! Fails closed: a restricted record whose restriction was deleted outside
//! casebook opens for nobody as a normal concern (it carries no class
//! stanza, and it is not a reporter's first revision), and is named as
//! written outside casebook rather than sealed again to the class.

use std::collections::{BTreeMap, BTreeSet};

use age::x25519;
use chrono::NaiveDateTime;

use super::codec::{self, Record};
use super::crypto::{self, CryptoError};
use super::membership::Rekeyed;
use super::trees::{ATTACHMENTS, CASE_META, CASES, CUSTODY, INDEX, REFERRALS, RESTRICTED, SEARCHES};
use super::{
    Batch, Board, CaseMeta, Damaged, Listed, Place, Session, StoreError, Trust, be, case_place, codec_clear, corrupt,
    id_of, roster,
};
use crate::domain::restricted::{self as rules, Restriction};
use crate::domain::{AccessClass, CaseSummary, EntryKind, Member, MemberId, Role};

/// The clear marker of a restricted concern's referral.
const REFERRAL_MARKER: &[u8] = b"referral-";

/// The trees whose records of a restricted concern are sealed to its
/// readers, each with the prefix of its clear marker in the `restricted`
/// tree (`<prefix><the record's key>` → the concern's id). Referrals since
/// the restriction came in; custody, searches and files since they were
/// sealed like them (P5-g, P6.1-b).
pub(crate) const MARKED: [(&str, &[u8]); 4] =
    [(REFERRALS, REFERRAL_MARKER), (CUSTODY, b"custody-"), (SEARCHES, b"search-"), (ATTACHMENTS, b"attachment-")];

/// Where a concern's restriction is kept.
pub(crate) fn restriction_place(case_id: u32) -> Place {
    Place::new(RESTRICTED, be(case_id), 0)
}

/// The marker key of the record under `key` in `tree` (one of [`MARKED`]).
pub(crate) fn marker(tree: &str, key: &[u8]) -> Vec<u8> {
    let prefix = MARKED.iter().find(|(t, _)| *t == tree).map_or(&b"?-"[..], |(_, p)| p);
    [prefix, key].concat()
}

/// Whether a key of the `restricted` tree is a record's marker, which a
/// deputy writes beside a restricted concern's new record (the server lets
/// a deputy write these and nothing else there).
pub fn is_record_marker(key: &[u8]) -> bool {
    MARKED.iter().any(|(_, p)| key.starts_with(p))
}

/// The clear keys of the `restricted` tree: the restricted concerns, and
/// each marked record (tree, key) with its concern.
#[derive(Debug, Default, Clone)]
pub(crate) struct RestrictedKeys {
    pub cases: BTreeSet<u32>,
    pub records: BTreeMap<(&'static str, Vec<u8>), u32>,
}

impl RestrictedKeys {
    /// The concern a marked record belongs to.
    pub fn case_of(&self, tree: &str, key: &[u8]) -> Option<u32> {
        MARKED.iter().find(|(t, _)| *t == tree).and_then(|(t, _)| self.records.get(&(*t, key.to_vec())).copied())
    }
}

/// The restricted concerns' ids and the marked records, from the clear
/// keys of the `restricted` tree.
pub(crate) fn restricted_keys(backend: &dyn super::Backend) -> Result<RestrictedKeys, StoreError> {
    let mut out = RestrictedKeys::default();
    for (k, v) in backend.scan(RESTRICTED)? {
        if let Some((tree, rest)) = MARKED.iter().find_map(|(t, p)| k.strip_prefix(*p).map(|r| (*t, r))) {
            if let Ok(case) = id_of(&v) {
                out.records.insert((tree, rest.to_vec()), case);
            }
        } else if let Ok(id) = id_of(&k) {
            out.cases.insert(id);
        }
    }
    Ok(out)
}

/// Whether a write failed because a concern's restriction changed while
/// the record was sealed (see [`Session::put_for_case`]).
pub(crate) fn restriction_moved(e: &StoreError) -> bool {
    matches!(e, StoreError::Stale { tree, .. } if tree == RESTRICTED)
}

/// One record of a restricted concern sealed again: its stored bytes (the
/// write checks them) and the new ones.
struct Resealed {
    tree: &'static str,
    key: Vec<u8>,
    old: Vec<u8>,
    new: Vec<u8>,
}

/// How many bytes of records (checked and written) one batch carries when
/// a concern is sealed again: well inside a served frame (16 MiB), so
/// files are the only records that may go in batches of their own.
const BATCH_BYTES: usize = 8 * 1024 * 1024;

/// The refusal a member the restriction does not admit gets.
pub(crate) fn not_admitted() -> StoreError {
    StoreError::Restricted(
        "it is a restricted allegation (P5-g): only the DSL and the members the DSL named can read it".into(),
    )
}

/// Opens a restricted record with the member's own key (never a class
/// key) and checks that a member who reads concerns wrote it (issue 10).
pub(crate) fn open_restricted<T: Record>(
    sealed: &[u8],
    place: &Place,
    identity: &x25519::Identity,
    trust: &Trust,
) -> Result<T, StoreError> {
    Ok(open_restricted_by(sealed, place, identity, trust)?.0)
}

/// [`open_restricted`], and the member who vouched for the record.
pub(crate) fn open_restricted_by<T: Record>(
    sealed: &[u8],
    place: &Place,
    identity: &x25519::Identity,
    trust: &Trust,
) -> Result<(T, MemberId), StoreError> {
    let plain = match crypto::open(sealed, &[identity]) {
        Ok(plain) => plain,
        Err(CryptoError::NoMatchingKey) => return Err(not_admitted()),
        Err(other) => return Err(corrupt("a record", other)),
    };
    let opened: codec::Opened<T> = codec::decode_at(&plain, place).map_err(|e| corrupt("a record", e))?;
    let outside = |why: &str| corrupt("a restricted record", format!("{why}: it was written outside casebook"));
    if !opened.bound {
        return Err(outside("it is not sealed to its place"));
    }
    let Some(a) = &opened.attestation else {
        return Err(outside("no member's authentication is on it"));
    };
    // The author must be a member who reads concerns (a reporter never
    // writes a restricted record), as this session knows them.
    if let Some((_, role, _)) = trust.members.iter().find(|(id, _, _)| *id == a.author)
        && !role.reads(AccessClass::Case)
    {
        return Err(outside("its author cannot read concerns"));
    }
    match trust.recipient_of(a.author, identity) {
        Some(recipient) if roster::attested(a, identity, trust.me, &recipient, &trust.store_id, &opened.digest) => {
            Ok((opened.value, a.author))
        }
        _ => Err(outside("it claims a member wrote it, but that member's authentication does not check")),
    }
}

impl Session {
    /// The restricted concerns' ids.
    pub(crate) fn restricted_cases(&self) -> Result<BTreeSet<u32>, StoreError> {
        Ok(restricted_keys(self.store.backend.as_ref())?.cases)
    }

    /// Whether concern `case_id` is restricted (one clear lookup).
    pub fn is_restricted(&self, case_id: u32) -> Result<bool, StoreError> {
        Ok(self.store.backend.get(RESTRICTED, &be(case_id))?.is_some())
    }

    /// A concern's restriction: `None` when it is not restricted, a
    /// refusal when this member is not among those it admits.
    pub fn restriction(&self, case_id: u32) -> Result<Option<Restriction>, StoreError> {
        let Some(sealed) = self.store.backend.get(RESTRICTED, &be(case_id))? else { return Ok(None) };
        let (r, author): (Restriction, MemberId) =
            open_restricted_by(&sealed, &restriction_place(case_id), &self.identity, &self.trust)
                .map_err(|e| super::relabel(e, &format!("the restriction of concern #{case_id}")))?;
        if r.case_id != case_id {
            return Err(corrupt(format!("the restriction of concern #{case_id}"), "it names another concern"));
        }
        // Only a DSL restricts (or widens) a concern: the member who vouched
        // for it, not the name it carries, must be one.
        let by_dsl = self.trust.members.iter().any(|(id, role, _)| *id == author && *role == Role::Dsl);
        if !by_dsl {
            return Err(corrupt(
                format!("the restriction of concern #{case_id}"),
                "it was set by a member who is not a DSL: written outside casebook",
            ));
        }
        Ok(Some(r))
    }

    /// Seals a record of concern `case_id` (the case itself or one of its
    /// referrals): to the Case class, or, when the concern is restricted,
    /// to the members its restriction admits alone.
    pub(crate) fn seal_for_case<T: Record>(
        &self,
        case_id: u32,
        place: &Place,
        value: &T,
    ) -> Result<Vec<u8>, StoreError> {
        // A reporter writes only new concerns, which no restriction names
        // yet (and is not served the restrictions).
        if !self.can_read(AccessClass::Case) {
            return self.seal(AccessClass::Case, place, value);
        }
        match self.restriction(case_id)? {
            None => self.seal(AccessClass::Case, place, value),
            Some(r) => self.seal_restricted(&r, place, value),
        }
    }

    /// Opens a record of a concern kept under `key` in `tree` (one of
    /// [`MARKED`]): with this member's own key when its clear marker says
    /// it is a restricted concern's (P5-g), else with the Case class key.
    pub(crate) fn open_for_case<T: Record>(&self, tree: &str, key: &[u8], sealed: &[u8]) -> Result<T, StoreError> {
        let place = Place::new(tree, key.to_vec(), 0);
        if self.store.backend.get(RESTRICTED, &marker(tree, key))?.is_some() {
            open_restricted(sealed, &place, &self.identity, &self.trust)
        } else {
            self.open_record(AccessClass::Case, &place, sealed)
        }
    }

    /// Every record of `tree` (referrals, searches) that opens with
    /// `open`; one that does not is named by `label` and skipped, and a
    /// restricted concern's this member does not read is left out (P5-g).
    pub(crate) fn open_each<T>(
        &self,
        tree: &str,
        noun: &str,
        open: impl Fn(&Self, u32, &[u8]) -> Result<T, StoreError>,
        label: fn(u32) -> String,
    ) -> Result<Listed<Vec<T>>, StoreError> {
        let mut out = Listed::new(Vec::new());
        for (k, v) in self.store.backend.scan(tree)? {
            let Ok(id) = id_of(&k) else {
                out.damaged.push(Damaged::new(super::malformed_key(noun, &k), format!("it names no {noun}")));
                continue;
            };
            match open(self, id, &v) {
                Ok(r) => out.items.push(r),
                Err(StoreError::Restricted(_)) => {}
                Err(e) => out.damaged.push(Damaged::from_error(label(id), &e)),
            }
        }
        Ok(out)
    }

    /// Concern `case_id`'s records of a kind (`all` lists every one, `of`
    /// names its concern), noted as a read of the concern. P5-g: a
    /// restricted concern's, to a member it does not admit, is refused as
    /// the concern is ("not yours to read"), never "none recorded".
    pub(crate) fn of_case<T>(
        &self,
        case_id: u32,
        all: impl Fn(&Self) -> Result<Listed<Vec<T>>, StoreError>,
        of: impl Fn(&T) -> u32,
    ) -> Result<Listed<Vec<T>>, StoreError> {
        if self.is_restricted(case_id)? {
            self.case(case_id)?;
        }
        let mut out = all(self)?;
        out.items.retain(|r| of(r) == case_id);
        self.store.backend.note_access(self.me, super::audit::Access::OpenedConcern(case_id));
        Ok(out)
    }

    /// Adds a record of concern `case_id` to `batch`, kept under `key` in
    /// `tree` (one of [`MARKED`]): sealed by [`Session::seal_for_case`],
    /// with its clear marker when the concern is restricted (P5-g), and a
    /// check that the concern's restriction is still the one it was sealed
    /// for. A restriction set meanwhile makes the batch stale on the
    /// `restricted` tree (see [`restriction_moved`]): a record of a
    /// restricted concern is never left sealed to the Case class.
    pub(crate) fn put_for_case<T: Record>(
        &self,
        batch: Batch,
        case_id: u32,
        tree: &str,
        key: &[u8],
        value: &T,
    ) -> Result<Batch, StoreError> {
        let held = self.store.backend.get(RESTRICTED, &be(case_id))?;
        let sealed = self.seal_for_case(case_id, &Place::new(tree, key.to_vec(), 0), value)?;
        let restricted = held.is_some();
        let mut batch = batch.check(RESTRICTED, be(case_id), held).put(tree, key.to_vec(), sealed);
        if restricted {
            batch = batch.put(RESTRICTED, marker(tree, key), be(case_id).to_vec());
        }
        Ok(batch)
    }

    /// Seals `value` to the members `r` admits and the recovery key, with
    /// this member's attestation and no class stanza.
    fn seal_restricted<T: Record>(&self, r: &Restriction, place: &Place, value: &T) -> Result<Vec<u8>, StoreError> {
        self.seal_restricted_to(r, &self.members, place, value)
    }

    /// [`Session::seal_restricted`] to the readers among `members` (the
    /// members as they will be, during a change of membership).
    fn seal_restricted_to<T: Record>(
        &self,
        r: &Restriction,
        members: &[Member],
        place: &Place,
        value: &T,
    ) -> Result<Vec<u8>, StoreError> {
        let readers: Vec<(MemberId, String)> =
            r.readers(members).into_iter().map(|m| (m.id, m.recipient.clone())).collect();
        self.seal_to_readers(&readers, place, value)
    }

    /// Seals `value` to `readers` (id, public key) and the recovery key
    /// alone, with this member's attestation and no class stanza (also the
    /// disclosure register's sealing, P5-c).
    pub(crate) fn seal_to_readers<T: Record>(
        &self,
        readers: &[(MemberId, String)],
        place: &Place,
        value: &T,
    ) -> Result<Vec<u8>, StoreError> {
        if !readers.iter().any(|(id, _)| *id == self.me) {
            return Err(not_admitted());
        }
        let plain = zeroize::Zeroizing::new(codec::encode_at(value, place, |digest| {
            roster::attest(&self.identity, self.me, readers, &self.trust.store_id, digest)
        }));
        if plain.len() > crate::domain::limits::RECORD_BYTES {
            return Err(StoreError::Input(
                "the record is over casebook's limit for one record; nothing was saved".into(),
            ));
        }
        let recovery =
            self.roster.as_ref().and_then(|r| r.recovery.as_deref()).and_then(|r| super::parse_recipient(r).ok());
        let recipients: Vec<x25519::Recipient> =
            readers.iter().filter_map(|(_, r)| super::parse_recipient(r).ok()).chain(recovery).collect();
        Ok(crypto::seal(&plain, &recipients, None)?)
    }

    /// P5-f, P5-g: restricts concern `case_id` to the DSL(s) and the
    /// members in `allow`, never those in `exclude` nor a member named as a
    /// subject of it (self-exclusion). DSL only. The concern is sealed
    /// again at its next revision, with a chronology note, and its
    /// referrals with it, in one write. Run again, it replaces the
    /// restriction and seals everything again to the new set.
    pub fn restrict(
        &mut self,
        case_id: u32,
        allow: &[MemberId],
        exclude: &[MemberId],
        reason: &str,
        now: NaiveDateTime,
    ) -> Result<Restriction, StoreError> {
        if self.my_role != Role::Dsl {
            return Err(StoreError::Forbidden {
                role: self.my_role,
                action: "restrict a concern (only the DSL can)".into(),
            });
        }
        let meta = self.case_meta(case_id)?.ok_or_else(|| StoreError::NoSuchCase(format!("#{case_id}")))?;
        let mut case = self.case(case_id)?;
        let mut excluded: Vec<MemberId> = exclude.to_vec();
        for id in rules::members_named_in(&case, &self.members) {
            if !excluded.contains(&id) {
                excluded.push(id);
            }
        }
        for id in allow.iter().chain(exclude) {
            if self.member(*id).is_none() {
                return Err(StoreError::Input(format!("no member #{id} in this store; nothing was changed")));
            }
        }
        for id in allow {
            let m = self.member(*id).expect("checked above");
            if !m.role.reads(AccessClass::Case) {
                return Err(StoreError::Input(format!(
                    "{} ({}) cannot read concerns, so cannot be given this one; nothing was changed",
                    m.name, m.role
                )));
            }
            if excluded.contains(id) {
                return Err(StoreError::Input(format!(
                    "{} is excluded from {} (named as a subject of it, or in --exclude), so cannot be allowed; \
                     nothing was changed",
                    m.name, case.concern.reference
                )));
            }
        }
        if excluded.contains(&self.me) {
            return Err(StoreError::Input(
                "you would exclude yourself: another DSL must restrict a concern that names you; nothing was changed"
                    .into(),
            ));
        }
        let restriction = Restriction {
            case_id,
            allowed: allow.to_vec(),
            excluded,
            reason: reason.trim().to_string(),
            set_by: self.author(),
            set_at: now,
        };
        let readers = restriction.readers(&self.members);
        let names: Vec<String> = readers.iter().map(|m| m.name.clone()).collect();
        if case.status != crate::domain::Status::Closed {
            let note = format!(
                "Restricted (P5-g): readable only by {}{}",
                names.join(", "),
                if restriction.reason.is_empty() { String::new() } else { format!(". {}", restriction.reason) }
            );
            let author = self.author();
            case.add_entry(EntryKind::Note, now, &note, &author, now)?;
        }
        let revision = meta.revision + 1;
        let new_meta = CaseMeta { format: CaseMeta::FORMAT, revision };
        let batch = Batch::new()
            .check(CASE_META, be(case_id), Some(codec_clear(&meta)))
            .put(CASES, be(case_id), self.seal_restricted(&restriction, &case_place(case_id, revision), &case)?)
            .put(CASE_META, be(case_id), codec_clear(&new_meta))
            .put(
                RESTRICTED,
                be(case_id),
                self.seal_restricted(&restriction, &restriction_place(case_id), &restriction)?,
            );
        // P5-g: its referrals, devices in custody, searches and files go
        // with it, recorded before the restriction too (a phone confiscated
        // before the allegation was restricted is not left to every deputy).
        let mut left = 0;
        let records = self.case_records_resealed(case_id, &restriction, &self.members, &mut left)?;
        if left > 0 {
            return Err(StoreError::Input(format!(
                "{left} record(s) of {} (a referral, device, search or file) could not be read, so they could not be \
                 sealed to its readers; run `casebook verify`; nothing was changed",
                case.concern.reference
            )));
        }
        let batch = self.with_resealed(batch, records, case_id).map_err(|e| match e {
            StoreError::Stale { .. } => StoreError::Conflict(case.concern.reference.clone()),
            other => other,
        })?;
        self.store.backend.apply(batch).map_err(|e| match e {
            StoreError::Stale { .. } => StoreError::Conflict(case.concern.reference.clone()),
            other => other,
        })?;
        self.store.backend.note_access(self.me, super::audit::Access::ChangedConcern(case_id));
        // The shared index keeps only the redacted row from now on.
        let row = CaseSummary::of(case_id, revision, &case, self.catalogue());
        if self.index_case(row).is_err() {
            self.index = None;
        }
        Ok(restriction)
    }

    /// The board, with each restricted concern this member may read shown
    /// as itself rather than the shared index's redacted row.
    pub fn board(&mut self) -> Result<Board, StoreError> {
        let mut board = self.board_index()?;
        if !board.rows.iter().any(rules::is_redacted) {
            return Ok(board);
        }
        let reader = self.case_reader()?;
        for row in board.rows.iter_mut().filter(|r| rules::is_redacted(r)) {
            if let Ok((case, _)) = reader.load_one(row.id) {
                *row = CaseSummary::of(row.id, row.revision, &case, self.catalogue());
            }
        }
        board.rows.sort_by(crate::domain::summary::board_order);
        Ok(board)
    }

    /// The row the shared index keeps for concern `id`: redacted when the
    /// concern is restricted (`restricted`: the restricted ids).
    pub(crate) fn shared_row(restricted: &BTreeSet<u32>, row: CaseSummary) -> CaseSummary {
        if restricted.contains(&row.id) { rules::redact(&row) } else { row }
    }

    /// The row a member the restriction excludes is shown: the redacted
    /// one the index keeps, else the reference alone.
    pub(crate) fn excluded_row(&self, id: u32) -> Result<CaseSummary, StoreError> {
        let stored = self.stored_shard(super::shard_of(id))?;
        if let Some(row) = stored.into_iter().find(|r| r.id == id) {
            return Ok(rules::redact(&row));
        }
        let names = self.case_names()?;
        Ok(rules::placeholder(id, &super::case_name(&names, id), NaiveDateTime::default()))
    }

    /// Membership changes (issue 10): each restricted concern, its
    /// referrals and its restriction sealed again to the readers among
    /// `members` (a removed member's stanza goes), and vouched for by this
    /// DSL. Run before the member list changes too: a record a leaving
    /// member vouched for could not be checked once they are gone. A
    /// restriction that excludes this DSL is left for another DSL (counted
    /// in `left`).
    pub(crate) fn reseal_restricted(&self, members: &[Member], done: &mut Rekeyed) -> Result<(), StoreError> {
        let cases = restricted_keys(self.store.backend.as_ref())?.cases;
        for case_id in cases {
            let Ok(Some(r)) = self.restriction(case_id) else {
                done.left += 1;
                continue;
            };
            let mut batch = Batch::new();
            let mut n = 0;
            if let (Some(meta), Some(old)) = (self.case_meta(case_id)?, self.store.backend.get(CASES, &be(case_id))?)
                && let Ok((case, _)) = self.case_reader()?.load_one(case_id)
            {
                let sealed = self.seal_restricted_to(&r, members, &case_place(case_id, meta.revision), &case)?;
                batch = batch.check(CASES, be(case_id), Some(old)).put(CASES, be(case_id), sealed);
                n += 1;
            }
            let records = self.case_records_resealed(case_id, &r, members, &mut done.left)?;
            n += records.len();
            batch = match self.with_resealed(batch, records, case_id) {
                Ok(batch) => batch,
                // Someone wrote one meanwhile: theirs is sealed to the members now.
                Err(StoreError::Stale { .. }) => continue,
                Err(e) => return Err(e),
            };
            let old = self.store.backend.get(RESTRICTED, &be(case_id))?;
            batch = batch.check(RESTRICTED, be(case_id), old).put(
                RESTRICTED,
                be(case_id),
                self.seal_restricted_to(&r, members, &restriction_place(case_id), &r)?,
            );
            match self.store.backend.apply(batch) {
                Ok(_) => done.records += n + 1,
                // Someone wrote it meanwhile: theirs is sealed to the members now.
                Err(StoreError::Stale { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Whether a key in `tree` belongs to a restricted record (left alone by
    /// a class re-seal: it has no class stanza to move).
    pub(crate) fn restricted_record(keys: &RestrictedKeys, tree: &str, key: &[u8]) -> bool {
        match (tree, id_of(key)) {
            (CASES, Ok(id)) => keys.cases.contains(&id),
            (INDEX, _) => false,
            _ => keys.case_of(tree, key).is_some(),
        }
    }

    /// Each referral, device in custody, search and file of concern
    /// `case_id` that opens for this member, with its stored bytes, sealed
    /// again to the readers `r` admits among `members` (P5-g). One marked
    /// as this concern's that does not open is counted in `left`; one that
    /// opens for no one is no one's to seal again.
    fn case_records_resealed(
        &self,
        case_id: u32,
        r: &Restriction,
        members: &[Member],
        left: &mut usize,
    ) -> Result<Vec<Resealed>, StoreError> {
        let keys = restricted_keys(self.store.backend.as_ref())?;
        let mut out = Vec::new();
        let mut add = |tree: &'static str, key: Vec<u8>, old: Vec<u8>, new: Vec<u8>| {
            out.push(Resealed { tree, key, old, new });
        };
        let place = |tree: &str, key: &[u8]| Place::new(tree, key.to_vec(), 0);
        let mut failed = |tree: &str, key: &[u8]| {
            if keys.case_of(tree, key) == Some(case_id) {
                *left += 1;
            }
        };
        for (k, v) in self.store.backend.scan(REFERRALS)? {
            let Ok(id) = id_of(&k) else { continue };
            match self.open_referral(id, &v) {
                Ok(x) if x.case_id == case_id => {
                    let new = self.seal_restricted_to(r, members, &place(REFERRALS, &k), &x)?;
                    add(REFERRALS, k, v, new);
                }
                Ok(_) => {}
                Err(_) => failed(REFERRALS, &k),
            }
        }
        for (k, v) in self.store.backend.scan(CUSTODY)? {
            let Ok(id) = id_of(&k) else { continue };
            match self.open_custody(id, &v) {
                Ok(x) if x.case_id == case_id => {
                    let new = self.seal_restricted_to(r, members, &place(CUSTODY, &k), &x)?;
                    add(CUSTODY, k, v, new);
                }
                Ok(_) => {}
                Err(_) => failed(CUSTODY, &k),
            }
        }
        for (k, v) in self.store.backend.scan(SEARCHES)? {
            let Ok(id) = id_of(&k) else { continue };
            match self.open_search(id, &v) {
                Ok(x) if x.case_id == case_id => {
                    let new = self.seal_restricted_to(r, members, &place(SEARCHES, &k), &x)?;
                    add(SEARCHES, k, v, new);
                }
                Ok(_) => {}
                Err(_) => failed(SEARCHES, &k),
            }
        }
        // Files are kept under their concern's id and number: only this
        // concern's are read.
        let mut number = 1;
        while let Some(v) = self.store.backend.get(ATTACHMENTS, &super::attachments::key(case_id, number))? {
            let k = super::attachments::key(case_id, number);
            match self.open_attachment(case_id, number, &v) {
                Ok(x) => {
                    let new = self.seal_restricted_to(r, members, &place(ATTACHMENTS, &k), &x)?;
                    add(ATTACHMENTS, k, v, new);
                }
                Err(_) => failed(ATTACHMENTS, &k),
            }
            number += 1;
        }
        Ok(out)
    }

    /// `batch` with `records` of concern `case_id` written in it, each
    /// checked unchanged and marked restricted. Files that would take the
    /// batch past [`BATCH_BYTES`] are written first, each in a checked
    /// batch of its own: sealed to the readers before the rest, so an
    /// interruption leaves them closed to the members the restriction
    /// excludes, never open to them.
    fn with_resealed(&self, batch: Batch, records: Vec<Resealed>, case_id: u32) -> Result<Batch, StoreError> {
        let size = |b: &Batch| -> usize {
            b.checks.iter().map(|c| c.expected.as_ref().map_or(0, Vec::len)).sum::<usize>()
                + b.writes
                    .iter()
                    .map(|w| match w {
                        super::backend::Write::Put { value, .. } => value.len(),
                        _ => 0,
                    })
                    .sum::<usize>()
        };
        let mut batch = batch;
        let mut used = size(&batch);
        for rec in records {
            let bytes = rec.old.len() + rec.new.len();
            let one = |b: Batch| {
                b.check(rec.tree, rec.key.clone(), Some(rec.old.clone()))
                    .put(rec.tree, rec.key.clone(), rec.new.clone())
                    .put(RESTRICTED, marker(rec.tree, &rec.key), be(case_id).to_vec())
            };
            if rec.tree == ATTACHMENTS && used + bytes > BATCH_BYTES {
                self.store.backend.apply(one(Batch::new()))?;
            } else {
                used += bytes;
                batch = one(batch);
            }
        }
        Ok(batch)
    }
}
