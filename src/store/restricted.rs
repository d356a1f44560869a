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
use super::trees::{CASE_META, CASES, INDEX, REFERRALS, RESTRICTED};
use super::{
    Batch, Board, CaseMeta, Place, Session, StoreError, Trust, be, case_place, codec_clear, corrupt, id_of, roster,
};
use crate::domain::restricted::{self as rules, Restriction};
use crate::domain::{AccessClass, CaseSummary, EntryKind, Member, MemberId, Role};

/// The clear marker of a restricted concern's referral.
const REFERRAL_MARKER: &[u8] = b"referral-";

/// Where a concern's restriction is kept.
pub(crate) fn restriction_place(case_id: u32) -> Place {
    Place::new(RESTRICTED, be(case_id), 0)
}

/// The marker key of referral `id` of a restricted concern.
pub(crate) fn referral_marker(id: u32) -> Vec<u8> {
    [REFERRAL_MARKER, &be(id)].concat()
}

/// The restricted concerns' ids and the restricted referrals' ids (with
/// their concern), from the clear keys of the `restricted` tree.
pub(crate) fn restricted_keys(backend: &dyn super::Backend) -> Result<(BTreeSet<u32>, BTreeMap<u32, u32>), StoreError> {
    let mut cases = BTreeSet::new();
    let mut referrals = BTreeMap::new();
    for (k, v) in backend.scan(RESTRICTED)? {
        if let Some(rest) = k.strip_prefix(REFERRAL_MARKER) {
            if let (Ok(id), Ok(case)) = (id_of(rest), id_of(&v)) {
                referrals.insert(id, case);
            }
        } else if let Ok(id) = id_of(&k) {
            cases.insert(id);
        }
    }
    Ok((cases, referrals))
}

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
        Ok(restricted_keys(self.store.backend.as_ref())?.0)
    }

    /// Whether concern `case_id` is restricted (one clear lookup).
    /// Device custody, searches and files are sealed to the Case class,
    /// which every deputy holds: on a restricted allegation they would be
    /// read by the deputies it excludes (P5-g). Until they are sealed to
    /// its readers, they are refused there, saying where to record instead.
    pub(crate) fn refuse_if_restricted(&self, case_id: u32, what: &str) -> Result<(), StoreError> {
        if self.is_restricted(case_id)? {
            return Err(StoreError::Input(format!(
                "this concern is a restricted allegation (P5-g): {what} would be readable by every deputy, so \
                 casebook does not keep them on it yet; record it in the concern's chronology (a note), which only \
                 its readers open. Nothing was saved"
            )));
        }
        Ok(())
    }

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
        let mut batch = Batch::new()
            .check(CASE_META, be(case_id), Some(codec_clear(&meta)))
            .put(CASES, be(case_id), self.seal_restricted(&restriction, &case_place(case_id, revision), &case)?)
            .put(CASE_META, be(case_id), codec_clear(&new_meta))
            .put(
                RESTRICTED,
                be(case_id),
                self.seal_restricted(&restriction, &restriction_place(case_id), &restriction)?,
            );
        let referrals = self.referrals(case_id)?;
        for referral in referrals.iter() {
            let place = super::referrals::referral_place(referral.id);
            let old = self.store.backend.get(REFERRALS, &be(referral.id))?;
            batch = batch
                .check(REFERRALS, be(referral.id), old)
                .put(REFERRALS, be(referral.id), self.seal_restricted(&restriction, &place, referral)?)
                .put(RESTRICTED, referral_marker(referral.id), be(case_id).to_vec());
        }
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
        let (cases, referrals) = restricted_keys(self.store.backend.as_ref())?;
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
            for (&id, _) in referrals.iter().filter(|(_, c)| **c == case_id) {
                let Some(old) = self.store.backend.get(REFERRALS, &be(id))? else { continue };
                let Ok(referral) = self.open_referral(id, &old) else {
                    done.left += 1;
                    continue;
                };
                let place = super::referrals::referral_place(id);
                batch = batch.check(REFERRALS, be(id), Some(old)).put(
                    REFERRALS,
                    be(id),
                    self.seal_restricted_to(&r, members, &place, &referral)?,
                );
                n += 1;
            }
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
    pub(crate) fn restricted_record(keys: &(BTreeSet<u32>, BTreeMap<u32, u32>), tree: &str, key: &[u8]) -> bool {
        match (tree, id_of(key)) {
            (CASES, Ok(id)) => keys.0.contains(&id),
            (REFERRALS, Ok(id)) => keys.1.contains_key(&id),
            (INDEX, _) => false,
            _ => false,
        }
    }
}
