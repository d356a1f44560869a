//! Members who leave or change role (issue 10, P1-b: the DSL manages who
//! may read what). Before this a departed deputy's key opened every record
//! sealed to it, for good, and a mistaken second DSL could not be undone.
//!
//! Removing a member, or taking a class away from their role, rotates the
//! key of every class they held: new class keys are sealed to the members
//! who remain, the old ones are kept for a moment as *retired* keys (so
//! records not yet re-sealed still open and still prove who wrote them),
//! every record of those classes is sealed again to the new key and to the
//! members who remain, and then the retired keys are dropped. Each step is
//! one checked write; a DSL session that finds retired keys (the previous
//! one stopped half-way) finishes the job.
//!
//! What it cannot do: take back what the member already read or copied
//! while they were a member, or a copy of the store or of a backup taken
//! before they left (backups keep the keys of their day: see the README).

use std::collections::HashMap;
use std::sync::Arc;

use zeroize::Zeroizing;

use super::codec::{self, Record, School};
use super::crypto::{self, ClassKey};
use super::trees::*;
use super::{
    Batch, CaseMeta, MemberRecord, Place, Session, StoreError, Trust, be, codec_clear, corrupt, id_of, roster,
    school_place,
};
use crate::domain::{
    AccessClass, Action, CaseFile, CaseSummary, Debrief, Figures, MemberId, Referral, Role, TrackedPolicy,
};

/// What a membership change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rekeyed {
    /// The classes whose keys were replaced.
    pub classes: Vec<AccessClass>,
    /// Records sealed again to the new keys.
    pub records: usize,
    /// Records that did not open and were left as they were (`casebook
    /// verify` names them).
    pub left: usize,
}

/// Where the retired key of a class is kept while records move to the new one.
pub(crate) fn retired_name(class: AccessClass) -> String {
    format!("{}-retired", class.tag())
}

impl Session {
    /// Removes a member (DSL only): their key opens nothing written from
    /// now on, nor any record sealed again here, and `casebook serve` no
    /// longer lets them in.
    pub fn remove_member(&mut self, id: MemberId) -> Result<Rekeyed, StoreError> {
        self.begin_change(id, None)?;
        self.finish_rekey(&|_| ())
    }

    /// The first step of a removal (or of a role change, with `Some`):
    /// the new keys and the roster without the member, in one write. The
    /// records move to the new keys in [`Session::finish_rekey`], in this
    /// session or the next DSL session, wherever this one stops.
    pub fn begin_change(&mut self, id: MemberId, to: Option<Role>) -> Result<(), StoreError> {
        self.change_membership(id, to)
    }

    /// Gives a member another role (DSL only). A class the new role does
    /// not read is taken away as if they had left it.
    pub fn change_role(&mut self, id: MemberId, role: Role) -> Result<Rekeyed, StoreError> {
        self.begin_change(id, Some(role))?;
        self.finish_rekey(&|_| ())
    }

    fn change_membership(&mut self, id: MemberId, to: Option<Role>) -> Result<(), StoreError> {
        let action = if to.is_some() { "change members' roles" } else { "remove members" };
        if self.my_role != Role::Dsl {
            return Err(StoreError::Forbidden { role: self.my_role, action: action.into() });
        }
        let member = self
            .members
            .iter()
            .find(|m| m.id == id)
            .cloned()
            .ok_or_else(|| StoreError::Input(format!("no member #{id} in this store")))?;
        if id == self.me {
            return Err(StoreError::Input(
                "a DSL cannot remove themselves or change their own role: another DSL can; nothing was changed".into(),
            ));
        }
        if to == Some(member.role) {
            return Err(StoreError::Input(format!("{} is already {}; nothing was changed", member.name, member.role)));
        }
        let lost: Vec<AccessClass> =
            member.role.classes().iter().copied().filter(|c| to.is_none_or(|role| !role.reads(*c))).collect();
        let gained: Vec<AccessClass> = to
            .map(|role| role.classes().iter().copied().filter(|c| !member.role.reads(*c)).collect())
            .unwrap_or_default();

        // The members as they will be.
        let mut members = self.members.clone();
        match to {
            Some(role) => members.iter_mut().filter(|m| m.id == id).for_each(|m| m.role = role),
            None => members.retain(|m| m.id != id),
        }
        let fresh: Vec<ClassKey> = lost.iter().map(|c| ClassKey::generate(*c)).collect();
        // Issue 13 (P5-g): restricted allegations first, while every member
        // who vouched for one is still known: sealed to the readers among
        // the members as they will be, vouched for by this DSL.
        let mut restricted = Rekeyed { classes: Vec::new(), records: 0, left: 0 };
        self.reseal_restricted(&members, &mut restricted)?;
        self.reseal_disclosures(&members, &mut restricted)?;
        // S-d, S-e: the disposal records, to the DSLs as they will be.
        self.reseal_disposals(&members, &mut restricted)?;
        let old_members = std::mem::replace(&mut self.members, members);

        // Step 1: the new keys (and the retired ones) sealed to who remains,
        // the member record, and the roster, in one checked write.
        let result = (|| {
            let mut batch = Batch::new();
            for class in AccessClass::ALL {
                let Some(current) = self.class_key(class) else { continue };
                let key = fresh.iter().find(|k| k.class() == class).unwrap_or(current);
                if lost.contains(&class) || gained.contains(&class) {
                    batch = batch.put(
                        CLASS_KEYS,
                        class.tag(),
                        crypto::seal(key.expose(), &self.recipients_for(class)?, None)?,
                    );
                }
                if lost.contains(&class) {
                    batch = batch.put(
                        CLASS_KEYS,
                        retired_name(class),
                        crypto::seal(current.expose(), &self.recipients_for(class)?, None)?,
                    );
                }
            }
            let old_record = self.store.backend.get(MEMBERS, &be(id))?;
            batch = batch.check(MEMBERS, be(id), old_record.clone());
            batch = match (to, old_record) {
                (Some(role), Some(bytes)) => {
                    let record: MemberRecord =
                        codec::from_bytes(&bytes).map_err(|e| corrupt(format!("member #{id}"), e))?;
                    batch.put(MEMBERS, be(id), codec_clear(&MemberRecord { role, ..record }))
                }
                (Some(_), None) => return Err(corrupt(format!("member #{id}"), "its record is missing")),
                (None, _) => batch.delete(MEMBERS, be(id)),
            };
            let commitments: Vec<(String, [u8; 32])> = AccessClass::ALL
                .into_iter()
                .filter_map(|class| {
                    let key = fresh.iter().find(|k| k.class() == class).or_else(|| self.class_key(class))?;
                    Some((class.tag().to_string(), roster::commitment(key)))
                })
                .collect();
            let retiring: Vec<(String, [u8; 32])> = lost
                .iter()
                .filter_map(|c| self.class_key(*c).map(|k| (retired_name(*c), roster::commitment(k))))
                .collect();
            let members = self.members.clone();
            let (batch, roster) = self.next_roster(batch, |r| {
                r.members = members
                    .iter()
                    .map(|m| roster::Entry {
                        id: m.id,
                        role: m.role,
                        recipient: m.recipient.clone(),
                        authorised_to_erase: m.authorised_to_erase,
                    })
                    .collect();
                r.class_keys = commitments;
                r.retired = retiring;
            })?;
            self.store.backend.apply(batch)?;
            Ok(roster)
        })();
        let roster = match result {
            Ok(r) => r,
            Err(e) => {
                self.members = old_members;
                return Err(e);
            }
        };
        // From here the store holds the new keys: this session uses them,
        // and keeps the old ones as retired until every record has moved.
        let mut retired = Vec::new();
        for key in fresh {
            let class = key.class();
            if let Some(pos) = self.keys.iter().position(|k| k.class() == class) {
                retired.push(Arc::new(self.keys.remove(pos)));
            }
            self.keys.push(key);
        }
        self.roster = Some(roster);
        self.seal_audit_to_roster();
        self.trust = Trust::of(&self.store.backend, self.me, self.my_role, &self.members, self.roster.as_ref());
        self.trust.retired = retired;
        self.index = None;
        self.store.backend.note_access(self.me, super::audit::Access::Membership(id));
        Ok(())
    }

    /// Steps 2 and 3: every record of a class with a retired key sealed
    /// again to its new key, then the retired keys dropped. Also run by a
    /// DSL session that finds retired keys left by one that stopped.
    /// `progress` is told how many records have moved, now and then.
    pub fn finish_rekey(&mut self, progress: &dyn Fn(usize)) -> Result<Rekeyed, StoreError> {
        let classes: Vec<AccessClass> = self.trust.retired.iter().map(|k| k.class()).collect();
        let done = self.reseal_classes(&classes, progress)?;
        let mut batch = Batch::new();
        for class in &classes {
            batch = batch.delete(CLASS_KEYS, retired_name(*class));
        }
        let (batch, roster) = self.next_roster(batch, |r| r.retired.clear())?;
        self.store.backend.apply(batch)?;
        self.roster = Some(roster);
        self.seal_audit_to_roster();
        self.trust = Trust::of(&self.store.backend, self.me, self.my_role, &self.members, self.roster.as_ref());
        Ok(done)
    }

    /// Sets the school's recovery key (DSL only): every record is sealed
    /// again to include it, so that the key in the school safe opens them
    /// with Debian's `age` alone. Replaces an earlier one.
    pub fn set_recovery_key(&mut self, recipient: &str) -> Result<Rekeyed, StoreError> {
        if self.my_role != Role::Dsl {
            return Err(StoreError::Forbidden { role: self.my_role, action: "set the recovery key".into() });
        }
        let parsed = super::parse_recipient(recipient)?.to_string();
        let (batch, roster) = self.next_roster(Batch::new(), |r| r.recovery = Some(parsed))?;
        self.store.backend.apply(batch)?;
        self.roster = Some(roster);
        self.seal_audit_to_roster();
        self.reseal_classes(&AccessClass::ALL, &|_| ())
    }

    /// Every record of `classes` sealed again to the class's current key
    /// and current recipients (members of the class and the recovery key).
    pub(crate) fn reseal_classes(
        &self,
        classes: &[AccessClass],
        progress: &dyn Fn(usize),
    ) -> Result<Rekeyed, StoreError> {
        let mut done = Rekeyed { classes: classes.to_vec(), records: 0, left: 0 };
        for class in classes {
            match class {
                AccessClass::Case => {
                    // Issue 13 (P5-g): restricted records have no class
                    // stanza; they go to the members their restriction
                    // admits now (a removed member's stanza goes).
                    self.reseal_restricted(&self.members, &mut done)?;
                    // P5-c: the disclosure register, to the DSLs as they are.
                    self.reseal_disclosures(&self.members, &mut done)?;
                    self.reseal_disposals(&self.members, &mut done)?;
                    self.reseal_tree::<CaseFile>(CASES, *class, &mut done, progress)?;
                    self.reseal_tree::<Vec<CaseSummary>>(INDEX, *class, &mut done, progress)?;
                    // Issue 12: people are case detail too.
                    self.reseal_tree::<crate::domain::Person>(PEOPLE, *class, &mut done, progress)?;
                    self.reseal_tree::<Vec<crate::domain::PersonSummary>>(PEOPLE_INDEX, *class, &mut done, progress)?;
                    // Issue 13: referrals and the term dates are Case-class too.
                    self.reseal_tree::<Referral>(REFERRALS, *class, &mut done, progress)?;
                    self.reseal_tree::<super::attachments::Attachment>(ATTACHMENTS, *class, &mut done, progress)?;
                    // Issue 13 (P6.1-b): device custody too.
                    self.reseal_tree::<crate::domain::Custody>(CUSTODY, *class, &mut done, progress)?;
                    // Issue 13 (P6.1-e): device searches too.
                    self.reseal_tree::<crate::domain::searches::DeviceSearch>(SEARCHES, *class, &mut done, progress)?;
                    self.reseal_setting::<codec::TermDates>(
                        &super::calendar::term_dates_place(),
                        *class,
                        &mut done,
                        progress,
                    )?;
                }
                AccessClass::Oversight => {
                    self.reseal_tree::<Debrief>(DEBRIEFS, *class, &mut done, progress)?;
                    self.reseal_tree::<Action>(ACTIONS, *class, &mut done, progress)?;
                    self.reseal_tree::<TrackedPolicy>(POLICIES, *class, &mut done, progress)?;
                    self.reseal_tree::<Figures>(FIGURES, *class, &mut done, progress)?;
                    // Issue 13: the staff and visitor registers (P5-a, P5-e, P7-b).
                    self.reseal_tree::<crate::domain::register::RegisterEntry>(REGISTERS, *class, &mut done, progress)?;
                }
                AccessClass::Directory => {
                    self.reseal_directory(&mut done, progress)?;
                    self.reseal_tree::<Vec<crate::domain::RollEntry>>(ROLL, *class, &mut done, progress)?;
                    // Issue 13 (P3-a, P2-a): the school's catalogue.
                    self.reseal_setting::<codec::CatalogueFile>(
                        &super::catalogue::catalogue_place(),
                        *class,
                        &mut done,
                        progress,
                    )?;
                }
            }
        }
        Ok(done)
    }

    /// Seals every record of `tree` again, to the class's current key and
    /// members. Only records that open as written by a member are moved (a
    /// forged one is never given the class stanza); a record someone
    /// changes meanwhile is theirs, already sealed to the new key.
    fn reseal_tree<T: Record>(
        &self,
        tree: &str,
        class: AccessClass,
        done: &mut Rekeyed,
        progress: &dyn Fn(usize),
    ) -> Result<(), StoreError> {
        let revisions: HashMap<Vec<u8>, u64> = if tree == CASES {
            self.store
                .backend
                .scan(CASE_META)?
                .into_iter()
                .filter_map(|(k, v)| codec::from_bytes::<CaseMeta>(&v).ok().map(|m| (k, m.revision)))
                .collect()
        } else {
            HashMap::new()
        };
        let recipients = if tree == INDEX || tree == PEOPLE_INDEX { Vec::new() } else { self.recipients_for(class)? };
        let mut rewrites = Vec::new();
        let restricted = super::restricted::restricted_keys(self.store.backend.as_ref())?;
        for (k, v) in self.store.backend.scan(tree)? {
            // Never given the class stanza (P5-g): see reseal_restricted.
            if Session::restricted_record(&restricted, tree, &k) {
                continue;
            }
            // A case without a readable revision record, or under a key
            // that names no case, is left for `verify` to name.
            let revision = if tree == CASES { revisions.get(&k).copied() } else { Some(0) };
            let Some(revision) = revision.filter(|_| tree != CASES || id_of(&k).is_ok()) else {
                done.left += 1;
                continue;
            };
            let place = Place::new(tree, k.clone(), revision);
            let Ok(value) = self.open_record::<T>(class, &place, &v) else {
                done.left += 1;
                continue;
            };
            let plain = Zeroizing::new(codec::encode_at(&value, &place, |_| None));
            let sealed = crypto::seal(&plain, &recipients, self.class_key(class))?;
            rewrites.push(Rewrite { tree, key: k, old: v, new: sealed });
        }
        self.apply_rewrites(rewrites, done, progress)
    }

    /// Writes re-sealed records in checked batches (one fsync per batch,
    /// not per record). A batch in which someone changed a record meanwhile
    /// is written one by one, and theirs stands.
    fn apply_rewrites(
        &self,
        rewrites: Vec<Rewrite<'_>>,
        done: &mut Rekeyed,
        progress: &dyn Fn(usize),
    ) -> Result<(), StoreError> {
        let one = |r: &Rewrite<'_>| {
            Batch::new().check(r.tree, r.key.clone(), Some(r.old.clone())).put(r.tree, r.key.clone(), r.new.clone())
        };
        // Batches of at most REWRITE_BATCH records and REWRITE_BYTES (old
        // and new values): a served batch travels in one frame.
        let mut chunks: Vec<&[Rewrite<'_>]> = Vec::new();
        let (mut start, mut bytes) = (0, 0);
        for (i, r) in rewrites.iter().enumerate() {
            let size = r.old.len() + r.new.len();
            if i > start && (i - start == REWRITE_BATCH || bytes + size > REWRITE_BYTES) {
                chunks.push(&rewrites[start..i]);
                (start, bytes) = (i, 0);
            }
            bytes += size;
        }
        if start < rewrites.len() {
            chunks.push(&rewrites[start..]);
        }
        for chunk in chunks {
            let batch = chunk.iter().fold(Batch::new(), |b, r| {
                b.check(r.tree, r.key.clone(), Some(r.old.clone())).put(r.tree, r.key.clone(), r.new.clone())
            });
            match self.store.backend.apply(batch) {
                Ok(_) => done.records += chunk.len(),
                Err(StoreError::Stale { .. }) => {
                    for r in chunk {
                        match self.store.backend.apply(one(r)) {
                            Ok(_) => done.records += 1,
                            Err(StoreError::Stale { .. }) => {}
                            Err(e) => return Err(e),
                        }
                    }
                }
                Err(e) => return Err(e),
            }
            progress(done.records);
        }
        Ok(())
    }

    /// One sealed setting (`place` in the settings tree), sealed again to
    /// its class's current key and members; absent, nothing to do.
    fn reseal_setting<T: Record>(
        &self,
        place: &Place,
        class: AccessClass,
        done: &mut Rekeyed,
        progress: &dyn Fn(usize),
    ) -> Result<(), StoreError> {
        let Some(v) = self.store.backend.get(SETTINGS, &place.key)? else { return Ok(()) };
        let Ok(value) = self.open_record::<T>(class, place, &v) else {
            done.left += 1;
            return Ok(());
        };
        let plain = Zeroizing::new(codec::encode_at(&value, place, |_| None));
        let sealed = crypto::seal(&plain, &self.recipients_for(class)?, self.class_key(class))?;
        self.apply_rewrites(
            vec![Rewrite { tree: SETTINGS, key: place.key.clone(), old: v, new: sealed }],
            done,
            progress,
        )
    }

    /// The school's name and every member's name, sealed again.
    fn reseal_directory(&self, done: &mut Rekeyed, progress: &dyn Fn(usize)) -> Result<(), StoreError> {
        let class = AccessClass::Directory;
        let recipients = self.recipients_for(class)?;
        let seal = |plain: Vec<u8>| crypto::seal(&Zeroizing::new(plain), &recipients, self.class_key(class));
        let mut rewrites = Vec::new();
        if let Some(v) = self.store.backend.get(SETTINGS, b"school")? {
            match self.open_record::<School>(class, &school_place(), &v) {
                Ok(school) => {
                    let sealed = seal(codec::encode_at(&school, &school_place(), |_| None))?;
                    rewrites.push(Rewrite { tree: SETTINGS, key: b"school".to_vec(), old: v, new: sealed });
                }
                Err(_) => done.left += 1,
            }
        }
        for (k, v) in self.store.backend.scan(MEMBERS)? {
            let Ok(record) = codec::from_bytes::<MemberRecord>(&v) else {
                done.left += 1;
                continue;
            };
            let place = Place::new(MEMBERS, k.clone(), 0);
            let Ok(name) = self.open_record::<codec::MemberName>(class, &place, &record.sealed_name) else {
                done.left += 1;
                continue;
            };
            let sealed_name = seal(codec::encode_at(&name, &place, |_| None))?;
            let rewritten = codec_clear(&MemberRecord { sealed_name, ..record });
            rewrites.push(Rewrite { tree: MEMBERS, key: k, old: v, new: rewritten });
        }
        self.apply_rewrites(rewrites, done, progress)
    }
}

/// One record sealed again: where, what was read, what replaces it.
struct Rewrite<'a> {
    tree: &'a str,
    key: Vec<u8>,
    old: Vec<u8>,
    new: Vec<u8>,
}

/// Re-sealed records per checked write.
const REWRITE_BATCH: usize = 128;
/// Bytes per checked write, well inside `casebook serve`'s frame limit.
const REWRITE_BYTES: usize = 4 * 1024 * 1024;
