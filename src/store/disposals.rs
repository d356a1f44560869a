//! Retention and audited disposal (S-d, S-e).
//!
//! `casebook retention` lists the closed concerns past retention with the
//! basis ([`crate::domain::retention`]); `casebook dispose` deletes one
//! concern and every record of it in one checked write: its case record
//! (the chronology is inside it), revision record, reference, board index
//! row, referrals, device custody, searches, attached files, restriction
//! and referral markers. The same write leaves a [`Disposal`]: reference,
//! when, by whom, why and on what basis, no name and no detail, sealed to
//! the DSL(s) and the recovery key with the DSL's attestation (like the
//! disclosure register, P5-c, and the audit, S-c), and an audit entry.
//!
//! Debriefs and their lessons-learned actions are kept (decided for S-d):
//! a debrief is leadership's record, written without names and holding a
//! concern by reference only (P9-e); its lessons and actions are the
//! school's learning, which outlives the case. In the same write, the
//! debrief's link to the concern is replaced by its reference alone (the
//! link's number set to 0), so it names what it learnt from and reaches
//! for nothing that is gone.
//!
//! `casebook verify` (the DSL's) checks the case, person, referral,
//! custody and search counters against the records: a number handed out
//! with no record and no authenticated disposal record is named as deleted
//! outside casebook (PRODUCT.md 7b); a disposed one is not. A concern's
//! disposal record lists the referral, device, search and file numbers it
//! deleted with it for this.

use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveDateTime};

use super::codec::Record;
use super::trees::{
    ATTACHMENTS, CASE_META, CASE_REFS, CASES, CUSTODY, DEBRIEFS, DISPOSALS, INDEX, REFERRALS, RESTRICTED, SEARCHES,
};
use super::{Batch, Damaged, Listed, Place, Session, StoreError, be, corrupt, id_of};
use crate::domain::retention::{self, Disposal, Disposed, Removed, Retention};
use crate::domain::{
    AccessClass, CaseFile, CaseSummary, Debrief, Member, MemberId, Part, PersonId, Role, Status, SubjectKind, limits,
};

impl Record for Disposal {
    const KIND: super::codec::RecordKind = super::codec::RecordKind::Disposal;
    const VERSION: u16 = 1;
}

pub(crate) fn disposal_place(id: u32) -> Place {
    Place::new(DISPOSALS, be(id), 0)
}

/// The DSLs among `members`, as (id, public key): a disposal's readers.
fn dsls(members: &[Member]) -> Vec<(MemberId, String)> {
    members.iter().filter(|m| m.role == Role::Dsl).map(|m| (m.id, m.recipient.clone())).collect()
}

/// The numbers the disposal records account for (deleted through
/// casebook), and the disposal records that did not open or check.
#[derive(Debug, Default)]
pub(crate) struct Accounted {
    /// Disposal records opened.
    pub records: usize,
    pub cases: BTreeSet<u32>,
    pub people: BTreeSet<u32>,
    pub referrals: BTreeSet<u32>,
    pub custody: BTreeSet<u32>,
    pub searches: BTreeSet<u32>,
    pub damaged: Vec<Damaged>,
}

/// A closed concern past retention, for `casebook retention` and Today.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PastRetention {
    pub case_id: u32,
    pub reference: String,
    pub retention: Retention,
}

impl Session {
    fn require_dsl(&self, action: &str) -> Result<(), StoreError> {
        if self.my_role != Role::Dsl {
            return Err(StoreError::Forbidden { role: self.my_role, action: format!("{action} (only the DSL can)") });
        }
        Ok(())
    }

    /// Each person's kind and date of birth, from the people index (no
    /// person record is opened).
    fn dates_of_birth(&mut self) -> Result<HashMap<PersonId, (SubjectKind, Option<NaiveDate>)>, StoreError> {
        Ok(self.people()?.iter().map(|p| (p.id, (p.kind, p.date_of_birth))).collect())
    }

    /// S-d: whether `case` is an allegation against staff (see
    /// [`retention::is_allegation`]).
    fn allegation(&self, case: &CaseFile) -> bool {
        retention::is_allegation(
            case.current_triage().map(|t| t.pathway.as_str()),
            self.catalogue().category(&case.concern.category),
        )
    }

    /// S-d: a concern's retention, from its subjects' dates of birth.
    pub fn retention_of(&mut self, case: &CaseFile) -> Result<Retention, StoreError> {
        let people = self.dates_of_birth()?;
        let allegation = self.allegation(case);
        Ok(retention::concern_retention_of(case, allegation, &|id| people.get(&id).and_then(|p| p.1)))
    }

    /// S-d: the closed concerns past retention on `today`, with the basis.
    /// The board's rows rule most out without opening a concern (a child
    /// not yet 25, a date of birth not recorded); the rest are opened and
    /// worked out in full.
    pub fn past_retention(&mut self, today: NaiveDate) -> Result<Listed<Vec<PastRetention>>, StoreError> {
        self.require(AccessClass::Case, "read concerns")?;
        let people = self.dates_of_birth()?;
        let catalogue = self.catalogue().clone();
        let rows = self.rows_where(|r| {
            let mut ruled = false;
            let can_be_past = r.status == Status::Closed
                && r.people.iter().all(|(p, part)| match people.get(p) {
                    Some((SubjectKind::Child, dob)) => {
                        ruled = true;
                        dob.is_some_and(|dob| dob + chrono::Months::new(25 * 12) < today)
                    }
                    // Kept at least until their 67th birthday and ten years
                    // after it closed (it closed after it was reported): most
                    // are ruled out here without opening them (measured: at
                    // 100,000 concerns Today took 14 s opening each one).
                    Some((SubjectKind::Staff, dob))
                        if *part == Part::Alleged
                            || (*part == Part::Subject
                                && retention::is_allegation(r.pathway.as_deref(), catalogue.category(&r.category))) =>
                    {
                        ruled = true;
                        let decade = r.reported_at.date() + chrono::Months::new(10 * 12);
                        dob.is_some_and(|dob| dob + chrono::Months::new(67 * 12) < today) && decade < today
                    }
                    _ => true,
                });
            can_be_past && ruled
        })?;
        let ids: Vec<u32> = rows.iter().map(|r| r.id).collect();
        let mut out = Listed::new(Vec::new());
        for (id, loaded) in ids.iter().zip(self.load_cases(&ids)) {
            match loaded {
                Ok((case, _)) => {
                    let allegation = self.allegation(&case);
                    let kept =
                        retention::concern_retention_of(&case, allegation, &|p| people.get(&p).and_then(|p| p.1));
                    if kept.past(today) {
                        out.items.push(PastRetention {
                            case_id: *id,
                            reference: case.concern.reference.clone(),
                            retention: kept,
                        });
                    }
                }
                Err(StoreError::Restricted(_)) => {}
                Err(e) => out.damaged.push(Damaged::from_error(format!("concern #{id}"), &e)),
            }
        }
        out.items.sort_by(|a, b| a.reference.cmp(&b.reference));
        Ok(out)
    }

    /// Every disposal record (the DSL's); one that does not open, or was
    /// not written by a DSL, is named.
    pub fn disposals(&self) -> Result<Listed<Vec<(u32, Disposal)>>, StoreError> {
        self.require_dsl("read the disposal records")?;
        let mut out = Listed::new(Vec::new());
        for (k, v) in self.store.backend.scan(DISPOSALS)? {
            let Ok(id) = id_of(&k) else {
                out.damaged.push(Damaged::new(super::malformed_key("disposal", &k), "it names no disposal"));
                continue;
            };
            match self.open_disposal(id, &v) {
                Ok(d) => out.items.push((id, d)),
                Err(e) => out.damaged.push(Damaged::from_error(format!("disposal record #{id}"), &e)),
            }
        }
        Ok(out)
    }

    /// One disposal record, checked: bound to its place and vouched for
    /// by a DSL (a record anyone else put there is written outside
    /// casebook, and proves nothing).
    pub(crate) fn open_disposal(&self, id: u32, sealed: &[u8]) -> Result<Disposal, StoreError> {
        let (d, author): (Disposal, MemberId) =
            super::restricted::open_restricted_by(sealed, &disposal_place(id), &self.identity, &self.trust)?;
        if !self.trust.members.iter().any(|(m, role, _)| *m == author && *role == Role::Dsl) {
            return Err(corrupt(
                format!("disposal record #{id}"),
                "it was not written by a DSL: written outside casebook",
            ));
        }
        Ok(d)
    }

    /// A new disposal record's number, place and sealed bytes.
    pub(crate) fn seal_disposal(&self, disposal: &Disposal) -> Result<(u32, Vec<u8>), StoreError> {
        let id = self.store.next_counter("disposal")?;
        let sealed = self.seal_to_readers(&dsls(&self.members), &disposal_place(id), disposal)?;
        Ok((id, sealed))
    }

    /// Why a disposal is recorded: required, within the note limit.
    pub(crate) fn disposal_reason(reason: &str, what: &str) -> Result<String, StoreError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Input(format!(
                "give the reason for the {what} (--reason); it is kept in the disposal record. Nothing was deleted"
            )));
        }
        if let Some(m) = limits::over_bytes(reason, limits::NOTE_BYTES) {
            return Err(StoreError::Input(format!("the reason: {m}; nothing was deleted")));
        }
        Ok(reason.to_string())
    }

    /// S-d: disposes of a closed concern past retention (DSL only), or of
    /// one not yet past it with `early`, the DSL's reason, recorded. Every
    /// record of the concern goes in one checked write with its disposal
    /// record; a colleague's write in between refuses it (nothing deleted).
    pub fn dispose_concern(
        &mut self,
        case_id: u32,
        reason: &str,
        early: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<Disposal, StoreError> {
        self.require_dsl("dispose of a concern")?;
        let reason = Self::disposal_reason(reason, "disposal")?;
        let meta_bytes = self
            .store
            .backend
            .get(CASE_META, &be(case_id))?
            .ok_or_else(|| StoreError::NoSuchCase(format!("#{case_id}")))?;
        let case = self.case(case_id)?;
        let reference = case.concern.reference.clone();
        if case.status.is_open() {
            return Err(StoreError::Input(format!(
                "{reference} is {}: only a closed concern is disposed of (S-d). Nothing was deleted",
                case.status.label()
            )));
        }
        let kept = self.retention_of(&case)?;
        let today = now.date();
        let early = match (kept.past(today), early.map(str::trim)) {
            (true, _) => None,
            (false, Some(why)) if !why.is_empty() => {
                if let Some(m) = limits::over_bytes(why, limits::NOTE_BYTES) {
                    return Err(StoreError::Input(format!("the early reason: {m}; nothing was deleted")));
                }
                Some(why.to_string())
            }
            (false, _) => {
                return Err(StoreError::Input(format!(
                    "{reference} is not past retention ({}). To dispose of it before then, give --early with the \
                     reason, which is recorded. Nothing was deleted",
                    kept.basis()
                )));
            }
        };

        // Every record of the concern, each checked unchanged in the write.
        let mut batch = Batch::new()
            .check(CASE_META, be(case_id), Some(meta_bytes))
            .delete(CASES, be(case_id))
            .delete(CASE_META, be(case_id));
        if let Some(v) = self.store.backend.get(CASE_REFS, reference.as_bytes())? {
            batch = batch.check(CASE_REFS, reference.as_bytes(), Some(v)).delete(CASE_REFS, reference.as_bytes());
        }
        // PRODUCT.md 7b: the numbers deleted go in the disposal record, so
        // verify excuses them and names any other missing.
        let mut removed = Removed::default();
        // A record marked as another restricted concern's is not this
        // one's, and may not open for this DSL (P5-g): left unopened.
        let marks = super::restricted::restricted_keys(self.store.backend.as_ref())?;
        for tree in [REFERRALS, CUSTODY, SEARCHES] {
            for (k, v) in self.store.backend.scan(tree)? {
                if marks.case_of(tree, &k).is_some_and(|c| c != case_id) {
                    continue;
                }
                let id = id_of(&k)?;
                // A record that does not open cannot be told apart: never
                // leave one of this concern's behind unknowingly.
                let of = match tree {
                    REFERRALS => self.open_referral(id, &v).map(|r| r.case_id),
                    CUSTODY => self.open_custody(id, &v).map(|c| c.case_id),
                    _ => self.open_search(id, &v).map(|s| s.case_id),
                }
                .map_err(|e| {
                    StoreError::Input(format!(
                        "{}; it may belong to {reference}, so nothing was deleted (see `casebook verify`)",
                        Damaged::from_error(format!("a record in {tree}"), &e)
                    ))
                })?;
                if of == case_id {
                    batch = batch.check(tree, k.clone(), Some(v)).delete(tree, k);
                    match tree {
                        REFERRALS => removed.referrals.push(id),
                        CUSTODY => removed.custody.push(id),
                        _ => removed.searches.push(id),
                    }
                }
            }
        }
        for (k, v) in self.store.backend.scan(ATTACHMENTS)? {
            if k.starts_with(&be(case_id)) {
                if let Ok(number) = id_of(&k[4..]) {
                    removed.files.push(number);
                }
                batch = batch.check(ATTACHMENTS, k.clone(), Some(v)).delete(ATTACHMENTS, k);
            }
        }
        for (k, v) in self.store.backend.scan(RESTRICTED)? {
            let restriction = k == be(case_id);
            // Its referrals', devices', searches' and files' markers too.
            let marker = super::restricted::is_record_marker(&k) && v == be(case_id);
            if restriction || marker {
                batch = batch.check(RESTRICTED, k.clone(), Some(v)).delete(RESTRICTED, k);
            }
        }
        // Debriefs keep the concern by reference alone: the link's number
        // goes (0 links nothing), so nothing reaches for the disposed
        // records and no check names them missing.
        for (k, v) in self.store.backend.scan(DEBRIEFS)? {
            let place = Place::new(DEBRIEFS, k.clone(), 0);
            let Ok(mut debrief) = self.open_record::<Debrief>(AccessClass::Oversight, &place, &v) else { continue };
            if !debrief.concerns.iter().any(|c| c.case_id == case_id) {
                continue;
            }
            debrief.concerns.iter_mut().filter(|c| c.case_id == case_id).for_each(|c| c.case_id = 0);
            let sealed = self.seal(AccessClass::Oversight, &place, &debrief)?;
            batch = batch.check(DEBRIEFS, k.clone(), Some(v)).put(DEBRIEFS, k, sealed);
        }
        // The board's index row goes in the same write (and its figures).
        let shard = super::shard_of(case_id);
        let old_shard = self.store.backend.get(INDEX, &super::shard_key(shard))?;
        let mut rows: Vec<CaseSummary> = self.stored_shard(shard)?;
        rows.retain(|r| r.id != case_id);
        batch = batch.check(INDEX, super::shard_key(shard), old_shard);
        batch = self.index_shard_batch(batch, shard, &rows)?;

        let disposal = Disposal {
            what: Disposed::Concern { case_id, reference: reference.clone() },
            disposed_at: now,
            by: self.author(),
            reason,
            basis: kept.basis(),
            early,
            removed,
        };
        let (id, sealed) = self.seal_disposal(&disposal)?;
        batch = batch.check(DISPOSALS, be(id), None::<Vec<u8>>).put(DISPOSALS, be(id), sealed);
        self.store.backend.apply(batch).map_err(|e| match e {
            StoreError::Stale { .. } => StoreError::Conflict(reference.clone()),
            other => other,
        })?;
        self.store.backend.note_access(self.me, super::audit::Access::Disposed(case_id));
        if let Some(index) = self.index.as_mut() {
            index.remove(&case_id);
        }
        self.board_seen = None;
        Ok(disposal)
    }

    /// The numbers the authenticated disposal records account for (the
    /// DSL's verify): concerns, people, and a concern's referrals, devices
    /// and searches deleted with it (PRODUCT.md 7b).
    pub(crate) fn disposed_numbers(&self) -> Result<Accounted, StoreError> {
        let listed = self.disposals()?;
        let mut out = Accounted { records: listed.len(), damaged: listed.damaged.clone(), ..Default::default() };
        for (_, d) in listed.iter() {
            match d.what {
                Disposed::Concern { case_id, .. } => out.cases.insert(case_id),
                Disposed::Person { person_id } => out.people.insert(person_id),
            };
            out.referrals.extend(&d.removed.referrals);
            out.custody.extend(&d.removed.custody);
            out.searches.extend(&d.removed.searches);
        }
        Ok(out)
    }

    /// The disposal records sealed again to the DSLs among `members`
    /// (membership changes), vouched for by this DSL.
    pub(crate) fn reseal_disposals(
        &self,
        members: &[Member],
        done: &mut super::membership::Rekeyed,
    ) -> Result<(), StoreError> {
        if self.my_role != Role::Dsl {
            return Ok(());
        }
        let readers = dsls(members);
        for (k, v) in self.store.backend.scan(DISPOSALS)? {
            let Ok(id) = id_of(&k) else { continue };
            let Ok(d) = self.open_disposal(id, &v) else {
                done.left += 1;
                continue;
            };
            let sealed = self.seal_to_readers(&readers, &disposal_place(id), &d)?;
            match self.store.backend.apply(Batch::new().check(DISPOSALS, k.clone(), Some(v)).put(DISPOSALS, k, sealed))
            {
                Ok(_) => done.records += 1,
                Err(StoreError::Stale { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
