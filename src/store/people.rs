//! People (issue 12, P1-a): person records, their sealed index for
//! find-as-you-type, the pupil roll reporters pick from, links from
//! concerns, merging, and a person's whole history.
//!
//! A person's record is case detail, sealed to the Case class like a
//! concern: the DSL and deputies open it; leadership and reporters hold no
//! key that does. The index (the few fields a search needs) is sealed to
//! the Case class key alone, like the board's. The roll (a child's name and
//! year group, nothing else) is sealed to the Directory class, so a
//! reporter's concern form can offer the right child without opening their
//! file. A person record, its index shard and the roll are written in one
//! checked batch: they never disagree on disk.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDateTime;

use super::codec::Record;
use super::trees::{PEOPLE, PEOPLE_INDEX, ROLL};
use super::{Batch, Damaged, Listed, Place, Session, StoreError, UPDATE_ATTEMPTS, be, crypto};
use crate::domain::person::{LinkKind, PersonDetails, PersonQuery, person_label};
use crate::domain::{
    AccessClass, CaseSummary, ChronologyEntry, Part, Person, PersonId, PersonSummary, Role, RollEntry, SubjectKind,
};

/// People per index shard: a write re-seals one shard of this many rows.
const PEOPLE_SHARD: u32 = 256;
const ROLL_KEY: &[u8] = b"roll";

fn shard_key(id: PersonId) -> Vec<u8> {
    [b"shard-".as_slice(), &(id / PEOPLE_SHARD).to_be_bytes()].concat()
}

fn person_place(id: PersonId) -> Place {
    Place::new(PEOPLE, be(id), 0)
}

impl Record for Person {
    const KIND: super::codec::RecordKind = super::codec::RecordKind::Person;
    const VERSION: u16 = 1;
}

impl Record for Vec<PersonSummary> {
    const KIND: super::codec::RecordKind = super::codec::RecordKind::PersonIndex;
    const VERSION: u16 = 1;
}

impl Record for Vec<RollEntry> {
    const KIND: super::codec::RecordKind = super::codec::RecordKind::PupilRoll;
    const VERSION: u16 = 1;
}

/// The decrypted people index, with the sealed bytes of each shard: a
/// reload decrypts only the shards someone wrote since.
#[derive(Default, Clone)]
pub(crate) struct PeopleCache {
    shards: BTreeMap<Vec<u8>, (Vec<u8>, Vec<PersonSummary>)>,
    /// The store's change number when the list was read, and the list:
    /// while nobody has written anything since, it is the answer as it is.
    seen: Option<(u64, Vec<PersonSummary>)>,
}

/// One row of the migration screen: a free-text subject on a concern
/// written before people were kept (or by a reporter who typed a name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlinked {
    pub case_id: u32,
    pub reference: String,
    pub index: usize,
    pub part: Part,
    pub kind: SubjectKind,
    pub name: String,
    pub detail: String,
}

/// Unlinked subjects that are probably one person (same name, accent- and
/// case-blind), with the people already on record who match that name.
#[derive(Debug, Clone)]
pub struct UnlinkedGroup {
    pub name: String,
    pub kind: SubjectKind,
    pub subjects: Vec<Unlinked>,
    pub suggestions: Vec<PersonSummary>,
}

/// A person's whole record for the person view (issue 12).
#[derive(Debug, Clone)]
pub struct PersonView {
    pub person: Person,
    /// Every concern naming them, newest first, with their part.
    pub concerns: Vec<(CaseSummary, Part)>,
    /// One chronology across those concerns, newest first, each entry with
    /// its concern's reference; the person record's own history (created,
    /// renamed, merged) is among it under "person".
    pub chronology: Vec<(String, ChronologyEntry)>,
    /// What is open now: reviews due and open lessons-learned actions that
    /// name their concerns, soonest first.
    pub open_items: Vec<String>,
    /// Family links, resolved.
    pub family: Vec<(LinkKind, PersonSummary)>,
    /// Concerns that could not be opened, named.
    pub damaged: Vec<Damaged>,
}

impl PersonView {
    /// "3 other concerns about this child (1 open)"-style counts: how many
    /// concerns are about them and how many of those are open.
    pub fn about_counts(&self) -> (usize, usize) {
        let about: Vec<_> = self.concerns.iter().filter(|(_, p)| p.is_about()).collect();
        (about.len(), about.iter().filter(|(r, _)| r.status.is_open()).count())
    }
}

/// What a typed name or id means among the people this member may see
/// (issue 12): a DSL or deputy matches against every person, anyone else
/// against the pupil roll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectMatch {
    One(PersonSummary),
    /// More than one fits equally: the caller asks, never guesses.
    Ambiguous(Vec<PersonSummary>),
    NoOne,
}

impl Session {
    /// The people this member may pick from: everyone for the DSL and
    /// deputies, the roll's children (name and year group) for the rest.
    pub fn pickable_people(&mut self) -> Result<Vec<PersonSummary>, StoreError> {
        if self.can_read(AccessClass::Case) && matches!(self.me().role, Role::Dsl | Role::Deputy) {
            return Ok(self.people()?.into_items());
        }
        Ok(self
            .roll()?
            .into_iter()
            .map(|r| PersonSummary {
                id: r.id,
                kind: SubjectKind::Child,
                name: r.name,
                other_names: Vec::new(),
                date_of_birth: None,
                detail: r.year_group,
                school_id: String::new(),
                merged_into: None,
            })
            .collect())
    }

    /// What `text` (a person id, school id or name) means for a subject of
    /// `kind`. Only an exact name counts: a prefix is a suggestion.
    pub fn match_subject(&mut self, kind: Option<SubjectKind>, text: &str) -> Result<SubjectMatch, StoreError> {
        let people = self.pickable_people()?;
        Ok(match crate::domain::person::match_person(&people, text, kind) {
            crate::domain::person::Matched::One(p) => SubjectMatch::One(p.clone()),
            crate::domain::person::Matched::Ambiguous(ps) => SubjectMatch::Ambiguous(ps.into_iter().cloned().collect()),
            crate::domain::person::Matched::None => SubjectMatch::NoOne,
        })
    }

    /// Checks every subject that names a person, before a concern is
    /// recorded: the person must be on record (for a reporter, on the
    /// roll), a merged record is followed to the person it became, and the
    /// subject takes the person's current name and detail. An unknown id is
    /// refused rather than written as a dangling link.
    pub(crate) fn check_subject_people(&mut self, subjects: &mut [crate::domain::Subject]) -> Result<(), StoreError> {
        if subjects.iter().all(|s| s.person.is_none()) {
            return Ok(());
        }
        let people = self.pickable_people()?;
        for s in subjects.iter_mut() {
            let Some(mut id) = s.person else { continue };
            for _ in 0..16 {
                match people.iter().find(|p| p.id == id).and_then(|p| p.merged_into) {
                    Some(into) => id = into,
                    None => break,
                }
            }
            let p = people.iter().find(|p| p.id == id).ok_or_else(|| {
                StoreError::Input(format!(
                    "{} is not a person on record{}; nothing was recorded",
                    person_label(id),
                    if self.can_read(AccessClass::Case) { "" } else { " (on the pupil roll)" }
                ))
            })?;
            s.person = Some(p.id);
            s.kind = p.kind;
            s.name = p.name.clone();
            if s.detail.trim().is_empty() {
                s.detail = p.detail.clone();
            }
        }
        Ok(())
    }

    fn require_people(&self, action: &str) -> Result<(), StoreError> {
        self.require(AccessClass::Case, action)?;
        match self.me().role {
            Role::Dsl | Role::Deputy => Ok(()),
            role => Err(StoreError::Forbidden { role, action: action.to_string() }),
        }
    }

    /// Every person in the index (merged records included, marked), from
    /// the cache where the sealed shards have not moved. A shard that does
    /// not open is rebuilt from the records in it and named.
    pub fn people(&mut self) -> Result<Listed<Vec<PersonSummary>>, StoreError> {
        self.require_people("read people")?;
        let mut cache = self.people_cache.take().unwrap_or_default();
        let change = self.store.backend.changes()?;
        if let Some((_, all)) = cache.seen.as_ref().filter(|(seen, _)| *seen == change) {
            let listed = Listed::new(all.clone());
            self.people_cache = Some(cache);
            return Ok(listed);
        }
        let mut damaged = Vec::new();
        let stored = self.store.backend.scan(PEOPLE_INDEX)?;
        let keys: BTreeSet<Vec<u8>> = stored.iter().map(|(k, _)| k.clone()).collect();
        cache.shards.retain(|k, _| keys.contains(k));
        for (k, sealed) in stored {
            if cache.shards.get(&k).is_some_and(|(bytes, _)| *bytes == sealed) {
                continue;
            }
            match self.open_record::<Vec<PersonSummary>>(
                AccessClass::Case,
                &Place::new(PEOPLE_INDEX, k.clone(), 0),
                &sealed,
            ) {
                Ok(rows) => {
                    cache.shards.insert(k, (sealed, rows));
                }
                Err(e) => {
                    damaged.push(Damaged::from_error("a shard of the people index", &e));
                    cache.shards.remove(&k);
                }
            }
        }
        // Every id the person counter has handed out that no shard lists
        // (a shard lost or damaged, a restore or a salvage, which keep the
        // records and not this cache) is read from its record and put back
        // in the index, so nobody drops out of a search. Ids are handed out
        // in order, so this costs one lookup per gap, not a read of them all.
        let indexed: BTreeSet<PersonId> =
            cache.shards.values().flat_map(|(_, rows)| rows.iter().map(|r| r.id)).collect();
        let handed_out = match self.store.backend.get(super::trees::COUNTERS, b"person")? {
            Some(b) => <[u8; 4]>::try_from(b.as_slice()).map(u32::from_be_bytes).unwrap_or(0),
            None => 0,
        };
        let mut missing = Vec::new();
        for id in (1..=handed_out).filter(|id| !indexed.contains(id)) {
            let Some(sealed) = self.store.backend.get(PEOPLE, &be(id))? else { continue };
            match self.open_record::<Person>(AccessClass::Case, &person_place(id), &sealed) {
                Ok(p) if p.id == id => missing.push(p.summary_row()),
                Ok(p) => damaged.push(Damaged::new(person_label(id), format!("it holds the record of {}", p.label()))),
                Err(e) => damaged.push(Damaged::from_error(person_label(id), &e)),
            }
        }
        if !missing.is_empty() {
            // Best effort: a colleague's write to the same shard wins, and
            // the next search heals what is still missing.
            let _ = self.heal_people_index(&mut cache, &missing);
        }
        let mut all: Vec<PersonSummary> = cache.shards.values().flat_map(|(_, rows)| rows.iter().cloned()).collect();
        all.extend(missing);
        all.sort_by_key(|p| p.id);
        // A healed row is in its shard now as well as among the missing.
        all.dedup_by_key(|p| p.id);
        // Kept only when whole: a damaged shard is tried again next time.
        cache.seen = damaged.is_empty().then(|| (change, all.clone()));
        self.people_cache = Some(cache);
        let mut listed = Listed::new(all);
        listed.damaged = damaged;
        Ok(listed)
    }

    /// Puts rows the people index lacked back into their shards, and the
    /// roll's children with them (it is made from the same records).
    fn heal_people_index(&self, cache: &mut PeopleCache, missing: &[PersonSummary]) -> Result<(), StoreError> {
        let key = self.require(AccessClass::Case, "index people")?;
        let mut shards: BTreeMap<Vec<u8>, Vec<PersonSummary>> = BTreeMap::new();
        for p in missing {
            shards.entry(shard_key(p.id)).or_default().push(p.clone());
        }
        let mut batch = Batch::new();
        for (k, add) in shards {
            let old = self.store.backend.get(PEOPLE_INDEX, &k)?;
            let mut rows = cache.shards.get(&k).map(|(_, rows)| rows.clone()).unwrap_or_default();
            rows.retain(|r| !add.iter().any(|a| a.id == r.id));
            rows.extend(add);
            rows.sort_by_key(|r| r.id);
            let plain = super::codec::encode_at(&rows, &Place::new(PEOPLE_INDEX, k.clone(), 0), |_| None);
            let sealed = crypto::seal(&zeroize::Zeroizing::new(plain), &[], Some(key))?;
            batch = batch.check(PEOPLE_INDEX, k.clone(), old).put(PEOPLE_INDEX, k.clone(), sealed.clone());
            cache.shards.insert(k, (sealed, rows));
        }
        let children: Vec<RollEntry> = cache
            .shards
            .values()
            .flat_map(|(_, rows)| rows.iter())
            .filter(|p| on_roll(p.kind, &p.school_id, p.merged_into))
            .map(|p| RollEntry { id: p.id, name: p.name.clone(), year_group: p.detail.clone() })
            .collect();
        let old_roll = self.store.backend.get(ROLL, ROLL_KEY)?;
        let roll = self.seal(AccessClass::Directory, &Place::new(ROLL, ROLL_KEY.to_vec(), 0), &children)?;
        self.store.backend.apply(batch.check(ROLL, ROLL_KEY, old_roll).put(ROLL, ROLL_KEY, roll)).map(drop)
    }

    /// Find-as-you-type: the people a query fits, best first (issue 12).
    pub fn find_people(&mut self, query: &str, limit: usize) -> Result<Vec<PersonSummary>, StoreError> {
        let all = self.people()?;
        Ok(PersonQuery::new(query).search(&all, limit).into_iter().cloned().collect())
    }

    /// One person's record with its sealed bytes.
    fn load_person(&self, id: PersonId) -> Result<(Person, Vec<u8>), StoreError> {
        self.require_people("read people")?;
        let sealed = self
            .store
            .backend
            .get(PEOPLE, &be(id))?
            .ok_or_else(|| StoreError::Input(format!("no person {}", person_label(id))))?;
        let person =
            self.open_record::<Person>(AccessClass::Case, &person_place(id), &sealed).map_err(|e| match e {
                StoreError::Corrupt { detail, .. } => super::corrupt(person_label(id), detail),
                other => other,
            })?;
        if person.id != id {
            return Err(StoreError::Tampered(format!("{} holds the record of {}", person_label(id), person.label())));
        }
        Ok((person, sealed))
    }

    pub fn person(&self, id: PersonId) -> Result<Person, StoreError> {
        Ok(self.load_person(id)?.0)
    }

    /// The person a record became: itself, or the record it was merged into.
    pub fn current_person(&self, id: PersonId) -> Result<Person, StoreError> {
        let mut person = self.person(id)?;
        for _ in 0..16 {
            match person.merged_into {
                Some(into) => person = self.person(into)?,
                None => return Ok(person),
            }
        }
        Err(StoreError::Tampered(format!("{} is merged in a circle", person_label(id))))
    }

    /// The pupil roll: a child's name and year group, for every member's
    /// concern form (issue 12). Nothing else about them.
    pub fn roll(&self) -> Result<Vec<RollEntry>, StoreError> {
        self.require(AccessClass::Directory, "read the pupil roll")?;
        match self.store.backend.get(ROLL, ROLL_KEY)? {
            None => Ok(Vec::new()),
            Some(sealed) => self.open_record(AccessClass::Directory, &Place::new(ROLL, ROLL_KEY.to_vec(), 0), &sealed),
        }
    }

    /// Writes people records, their index shards and the roll in one
    /// checked batch. `written` are the new values with the sealed bytes
    /// they replace (None for a new record).
    fn write_people(&mut self, written: &[(Person, Option<Vec<u8>>)], label: &str) -> Result<(), StoreError> {
        let mut batch = Batch::new();
        let mut shards: BTreeMap<Vec<u8>, Vec<&Person>> = BTreeMap::new();
        for (person, old) in written {
            let sealed = self.seal(AccessClass::Case, &person_place(person.id), person)?;
            batch = batch.check(PEOPLE, be(person.id), old.clone()).put(PEOPLE, be(person.id), sealed);
            shards.entry(shard_key(person.id)).or_default().push(person);
        }
        let key = self.require(AccessClass::Case, "index people")?;
        for (k, changed) in shards {
            let old = self.store.backend.get(PEOPLE_INDEX, &k)?;
            let mut rows: Vec<PersonSummary> = match &old {
                Some(sealed) => self
                    .open_record(AccessClass::Case, &Place::new(PEOPLE_INDEX, k.clone(), 0), sealed)
                    .or_else(|_| self.rebuild_shard(&k))?,
                None => Vec::new(),
            };
            for p in changed {
                rows.retain(|r| r.id != p.id);
                rows.push(p.summary_row());
            }
            rows.sort_by_key(|r| r.id);
            let plain = super::codec::encode_at(&rows, &Place::new(PEOPLE_INDEX, k.clone(), 0), |_| None);
            let sealed = crypto::seal(&zeroize::Zeroizing::new(plain), &[], Some(key))?;
            batch = batch.check(PEOPLE_INDEX, k.clone(), old).put(PEOPLE_INDEX, k, sealed);
        }
        if written.iter().any(|(p, _)| p.kind == SubjectKind::Child) {
            let old = self.store.backend.get(ROLL, ROLL_KEY)?;
            let mut roll: BTreeMap<PersonId, RollEntry> = match &old {
                Some(sealed) => self
                    .open_record::<Vec<RollEntry>>(
                        AccessClass::Directory,
                        &Place::new(ROLL, ROLL_KEY.to_vec(), 0),
                        sealed,
                    )
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| (r.id, r))
                    .collect(),
                None => BTreeMap::new(),
            };
            for (p, _) in written {
                roll.remove(&p.id);
                if on_roll(p.kind, &p.school_id, p.merged_into) {
                    roll.insert(p.id, RollEntry { id: p.id, name: p.name.clone(), year_group: p.detail.clone() });
                }
            }
            let roll: Vec<RollEntry> = roll.into_values().collect();
            let sealed = self.seal(AccessClass::Directory, &Place::new(ROLL, ROLL_KEY.to_vec(), 0), &roll)?;
            batch = batch.check(ROLL, ROLL_KEY, old).put(ROLL, ROLL_KEY, sealed);
        }
        match self.store.backend.apply(batch) {
            Ok(_) => Ok(()),
            Err(StoreError::Stale { .. }) => Err(StoreError::Conflict(label.to_string())),
            Err(e) => Err(e),
        }
    }

    /// The rows of a people-index shard from its records, when the stored
    /// shard does not open (it is a cache of them).
    fn rebuild_shard(&self, key: &[u8]) -> Result<Vec<PersonSummary>, StoreError> {
        let shard =
            u32::from_be_bytes(key[6..].try_into().map_err(|_| StoreError::Input("a people shard key".into()))?);
        let mut rows = Vec::new();
        for id in shard * PEOPLE_SHARD..(shard + 1) * PEOPLE_SHARD {
            if let Ok((p, _)) = self.load_person(id) {
                rows.push(p.summary_row());
            }
        }
        Ok(rows)
    }

    /// Adds a person (DSL or deputy). A school id already on record is
    /// refused, naming whose it is: the same child twice is what people
    /// records are here to prevent.
    pub fn add_person(
        &mut self,
        kind: SubjectKind,
        details: PersonDetails,
        now: NaiveDateTime,
    ) -> Result<Person, StoreError> {
        self.require_people("add people")?;
        let errors = details.validate();
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        if !details.school_id.trim().is_empty() {
            let all = self.people()?;
            if let Some(p) = all
                .iter()
                .find(|p| p.merged_into.is_none() && p.school_id.eq_ignore_ascii_case(details.school_id.trim()))
            {
                return Err(StoreError::Input(format!(
                    "{} ({}) already has the school id {}; nothing was added",
                    p.label(),
                    p.name,
                    details.school_id.trim()
                )));
            }
        }
        let id = self.store.next_counter("person")?;
        let person = Person::new(id, kind, details, &self.author(), now);
        self.write_people(&[(person.clone(), None)], &person.label()).map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::Tampered(format!(
                "the store's numbering is behind its records: {} is already in use (a counter set back outside \
                 casebook?), so nobody was added",
                person.label()
            )),
            other => other,
        })?;
        self.store.backend.note_access(self.me, super::audit::Access::Person(id));
        Ok(person)
    }

    /// Loads, changes and saves people records together, retrying on a
    /// colleague's write in between (their change stands, ours is applied
    /// to it again).
    fn update_people<T>(
        &mut self,
        ids: &[PersonId],
        label: &str,
        mut change: impl FnMut(&mut [Person]) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.require_people("change people")?;
        let mut attempt = 0;
        loop {
            let mut loaded = Vec::new();
            for &id in ids {
                loaded.push(self.load_person(id)?);
            }
            let mut people: Vec<Person> = loaded.iter().map(|(p, _)| p.clone()).collect();
            let out = change(&mut people)?;
            let written: Vec<(Person, Option<Vec<u8>>)> =
                people.into_iter().zip(loaded.into_iter().map(|(_, s)| Some(s))).collect();
            match self.write_people(&written, label) {
                Err(StoreError::Conflict(_)) if attempt < UPDATE_ATTEMPTS => {
                    attempt += 1;
                    super::back_off(attempt);
                }
                Err(e) => return Err(e),
                Ok(()) => {
                    for &id in ids {
                        self.store.backend.note_access(self.me, super::audit::Access::Person(id));
                    }
                    return Ok(out);
                }
            }
        }
    }

    /// Changes a person's details; what changed goes into their history.
    pub fn update_person(
        &mut self,
        id: PersonId,
        details: PersonDetails,
        now: NaiveDateTime,
    ) -> Result<Person, StoreError> {
        let errors = details.validate();
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let me = self.author();
        self.update_people(&[id], &person_label(id), |people| {
            let p = &mut people[0];
            refuse_merged(p)?;
            // Each change says what it was before (S-c: a record's history
            // keeps the earlier value, found in review): the record is
            // sealed, so the earlier note is as safe here as the new one.
            let mut what: Vec<String> = Vec::new();
            let was = |v: &str| if v.is_empty() { "none".to_string() } else { format!("\u{201c}{v}\u{201d}") };
            if details.name.trim() != p.name {
                p.rename(&details.name, &me, now);
            }
            if let Some(kind) = details.kind.filter(|k| *k != p.kind) {
                what.push(format!("kind (was {})", p.kind.label()));
                p.kind = kind;
            }
            if details.date_of_birth != p.date_of_birth {
                what.push(format!("date of birth (was {})", p.date_of_birth.map_or("none".into(), |d| d.to_string())));
                p.date_of_birth = details.date_of_birth;
            }
            if details.detail.trim() != p.detail {
                let field = if p.kind == SubjectKind::Child { "year group" } else { "role" };
                what.push(format!("{field} (was {})", was(&p.detail)));
                p.detail = details.detail.trim().to_string();
            }
            if details.school_id.trim() != p.school_id {
                what.push(format!("school id (was {})", was(&p.school_id)));
                p.school_id = details.school_id.trim().to_string();
            }
            if details.note != p.note {
                what.push(format!("note (was {})", was(&p.note)));
                p.note = details.note.clone();
            }
            for other in &details.other_names {
                p.add_other_name(other);
            }
            if !what.is_empty() {
                p.history.push(crate::domain::person::PersonEvent {
                    at: now,
                    by: me.clone(),
                    change: crate::domain::person::Change::Updated { what: what.join(", ") },
                });
            }
            Ok(p.clone())
        })
    }

    /// A misspelt name corrected; the earlier spelling is kept (issue 12).
    pub fn rename_person(&mut self, id: PersonId, to: &str, now: NaiveDateTime) -> Result<Person, StoreError> {
        if to.trim().is_empty() {
            return Err(StoreError::Input("the new name is empty".into()));
        }
        if let Some(m) = crate::domain::limits::over_chars(to.trim(), crate::domain::limits::NAME_CHARS) {
            return Err(StoreError::Input(format!("the name: {m}")));
        }
        let me = self.author();
        self.update_people(&[id], &person_label(id), |people| {
            refuse_merged(&people[0])?;
            people[0].rename(to, &me, now);
            Ok(people[0].clone())
        })
    }

    /// Links two people (siblings, parent/carer of a child), on both records.
    pub fn link_people(
        &mut self,
        a: PersonId,
        kind: LinkKind,
        b: PersonId,
        relationship: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        if a == b {
            return Err(StoreError::Input("a person cannot be linked to themselves".into()));
        }
        let me = self.author();
        self.update_people(&[a, b], &person_label(a), |people| {
            refuse_merged(&people[0])?;
            refuse_merged(&people[1])?;
            let (x, y) = people.split_at_mut(1);
            if x[0].link(kind, b, relationship) {
                x[0].history.push(event(&me, now, crate::domain::person::Change::Linked { kind, person: b }));
            }
            if y[0].link(kind.reverse(), a, relationship) {
                y[0].history.push(event(
                    &me,
                    now,
                    crate::domain::person::Change::Linked { kind: kind.reverse(), person: a },
                ));
            }
            Ok(())
        })
    }

    /// Links subject `index` (from 0) of a concern to a person, with their
    /// part; the chronology records it (issue 12).
    pub fn link_subject(
        &mut self,
        case_id: u32,
        index: usize,
        person: PersonId,
        part: Part,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        self.require_people("link people to concerns")?;
        let p = self.current_person(person)?;
        self.update_case(case_id, |case, _, me| case.link_subject(index, p.id, part, &p.name, me, now))
    }

    /// Merges `other` into `keep` (the DSL only): `keep` takes its names,
    /// missing details and links; `other` is kept, marked merged; every
    /// concern naming `other` is re-pointed to `keep` with a chronology
    /// entry; family links pointing at `other` are moved. Both histories
    /// show the merge.
    pub fn merge_people(&mut self, keep: PersonId, other: PersonId, now: NaiveDateTime) -> Result<Person, StoreError> {
        if self.me().role != Role::Dsl {
            return Err(StoreError::Forbidden {
                role: self.me().role,
                action: "merge people (only the DSL can)".into(),
            });
        }
        if keep == other {
            return Err(StoreError::Input("that is the same record twice".into()));
        }
        let me = self.author();
        let kept = self.update_people(&[keep, other], &person_label(keep), |people| {
            refuse_merged(&people[0])?;
            refuse_merged(&people[1])?;
            if people[0].kind != people[1].kind {
                return Err(StoreError::Input(format!(
                    "{} is a {} and {} a {}: only two records of the same person are merged",
                    people[0].label(),
                    people[0].kind.label(),
                    people[1].label(),
                    people[1].kind.label()
                )));
            }
            let taken = people[1].clone();
            people[0].absorb(&taken, &me, now);
            people[0].links.retain(|l| l.person != other);
            people[1].merged_into = Some(keep);
            people[1].history.push(event(&me, now, crate::domain::person::Change::MergedInto { into: keep }));
            Ok(people[0].clone())
        })?;
        // Family on the other side points at the kept record now.
        for link in kept.links.clone() {
            let _ = self.update_people(&[link.person], &person_label(link.person), |people| {
                let p = &mut people[0];
                p.links.retain(|l| l.person != other);
                p.link(link.kind.reverse(), keep, &link.relationship);
                Ok(())
            });
        }
        let rows = self.board()?.rows;
        for row in rows.iter().filter(|r| r.people.iter().any(|(p, _)| *p == other)) {
            let case = self.case(row.id)?;
            for (i, s) in case.concern.subjects.iter().enumerate() {
                if s.person == Some(other) {
                    let part = s.part;
                    let name = kept.name.clone();
                    self.update_case(row.id, |case, _, me| case.link_subject(i, keep, part, &name, me, now))?;
                }
            }
        }
        Ok(kept)
    }

    /// A person's whole record: every concern naming them, one chronology
    /// across those concerns, what is open, and their family (issue 12).
    pub fn person_view(&mut self, id: PersonId) -> Result<PersonView, StoreError> {
        self.person_view_on(id, chrono::Local::now().date_naive())
    }

    /// [`Session::person_view`] as it stands on `today` (which reviews are
    /// due): the TUI passes its own clock, as the board does.
    pub fn person_view_on(&mut self, id: PersonId, today: chrono::NaiveDate) -> Result<PersonView, StoreError> {
        let person = self.current_person(id)?;
        // Records merged into this one name the same person.
        let all = self.people()?;
        let same: BTreeSet<PersonId> =
            all.iter().filter(|p| p.merged_into == Some(person.id)).map(|p| p.id).chain([person.id]).collect();
        let rows = self.rows_where(|r| r.people.iter().any(|(p, _)| same.contains(p)))?;
        let mut concerns: Vec<(CaseSummary, Part)> = rows
            .iter()
            .filter_map(|r| {
                r.people
                    .iter()
                    .filter(|(p, _)| same.contains(p))
                    .map(|(_, part)| *part)
                    .min()
                    .map(|part| (r.clone(), part))
            })
            .collect();
        concerns.sort_by(|a, b| b.0.reported_at.cmp(&a.0.reported_at).then(b.0.id.cmp(&a.0.id)));
        let mut chronology: Vec<(String, ChronologyEntry)> = Vec::new();
        let mut damaged = Vec::new();
        let ids: Vec<u32> = concerns.iter().map(|(r, _)| r.id).collect();
        for (row, loaded) in concerns.iter().zip(self.load_cases(&ids)) {
            match loaded {
                Ok((case, _)) => {
                    chronology.extend(case.chronology.into_iter().map(|e| (row.0.reference.clone(), e)));
                }
                Err(e) => damaged.push(Damaged::from_error(row.0.reference.clone(), &e)),
            }
        }
        for (n, ev) in person.history.iter().enumerate() {
            chronology.push((
                "person".to_string(),
                ChronologyEntry {
                    seq: n as u32 + 1,
                    kind: crate::domain::EntryKind::People,
                    at: ev.at,
                    recorded_at: ev.at,
                    author: ev.by.clone(),
                    text: ev.change.describe(),
                    supersedes: None,
                },
            ));
        }
        chronology.sort_by(|a, b| b.1.at.cmp(&a.1.at).then(b.1.recorded_at.cmp(&a.1.recorded_at)));
        let mut open: Vec<(chrono::NaiveDate, String)> = concerns
            .iter()
            .filter_map(|(r, _)| {
                r.review_lateness(today)
                    .map(|l| (r.next_review.unwrap_or(today), format!("{}: review {}", r.reference, l.words())))
            })
            .collect();
        if self.can_read(AccessClass::Oversight) {
            let debriefs = self.debriefs()?;
            let mine: HashMap<u32, Vec<String>> = debriefs
                .iter()
                .filter_map(|d| {
                    let refs: Vec<String> =
                        d.concerns.iter().filter(|c| ids.contains(&c.case_id)).map(|c| c.reference.clone()).collect();
                    (!refs.is_empty()).then_some((d.id, refs))
                })
                .collect();
            if !mine.is_empty() {
                for a in self.actions()?.iter() {
                    if let Some(refs) = mine.get(&a.debrief).filter(|_| a.status().is_live()) {
                        open.push((
                            a.due,
                            format!("{}: action {} due {} ({})", refs.join(", "), a.label(), a.due, a.owner.name),
                        ));
                    }
                }
            }
        }
        open.sort();
        let mut family = Vec::new();
        for l in &person.links {
            if let Some(p) = all.iter().find(|p| p.id == l.person) {
                family.push((l.kind, p.clone()));
            }
        }
        damaged.extend(all.damaged.iter().cloned());
        self.store.backend.note_access(self.me, super::audit::Access::Person(person.id));
        Ok(PersonView {
            person,
            concerns,
            chronology,
            open_items: open.into_iter().map(|(_, s)| s).collect(),
            family,
            damaged,
        })
    }

    /// Free-text subjects not yet linked to a person, grouped by name
    /// (accent- and case-blind), with the people on record of that name:
    /// the DSL's screen for turning older concerns into people (issue 12).
    pub fn unlinked_subjects(&mut self) -> Result<Vec<UnlinkedGroup>, StoreError> {
        self.require_people("match subjects to people")?;
        let people = self.people()?;
        let mut groups: BTreeMap<(String, SubjectKind), UnlinkedGroup> = BTreeMap::new();
        for (id, loaded) in self.all_cases()? {
            let Ok(case) = loaded else { continue };
            for (i, s) in case.concern.subjects.iter().enumerate() {
                if s.person.is_some() || s.name.trim().is_empty() {
                    continue;
                }
                let key = (crate::domain::person::name_key(&s.name), s.kind);
                let group = groups.entry(key).or_insert_with(|| UnlinkedGroup {
                    name: s.name.clone(),
                    kind: s.kind,
                    subjects: Vec::new(),
                    suggestions: match crate::domain::person::match_person(&people, &s.name, Some(s.kind)) {
                        crate::domain::person::Matched::One(p) => vec![p.clone()],
                        crate::domain::person::Matched::Ambiguous(ps) => ps.into_iter().cloned().collect(),
                        crate::domain::person::Matched::None => Vec::new(),
                    },
                });
                group.subjects.push(Unlinked {
                    case_id: id,
                    reference: case.concern.reference.clone(),
                    index: i,
                    part: s.part,
                    kind: s.kind,
                    name: s.name.clone(),
                    detail: s.detail.clone(),
                });
            }
        }
        let mut out: Vec<UnlinkedGroup> = groups.into_values().collect();
        out.sort_by(|a, b| b.subjects.len().cmp(&a.subjects.len()).then_with(|| a.name.cmp(&b.name)));
        Ok(out)
    }

    /// Links every subject of a group to one person: the one suggested, or
    /// a new record made from the subject's name and detail.
    pub fn adopt_group(
        &mut self,
        group: &UnlinkedGroup,
        person: Option<PersonId>,
        now: NaiveDateTime,
    ) -> Result<Person, StoreError> {
        let person = match person {
            Some(id) => self.current_person(id)?,
            None => {
                let first = group.subjects.first().ok_or_else(|| StoreError::Input("the group is empty".into()))?;
                self.add_person(
                    first.kind,
                    PersonDetails { name: first.name.clone(), detail: first.detail.clone(), ..Default::default() },
                    now,
                )?
            }
        };
        for s in &group.subjects {
            self.link_subject(s.case_id, s.index, person.id, s.part, now)?;
        }
        Ok(person)
    }
}

impl Session {
    /// S-e: erases a person's record when retention ends (DSL only): when
    /// no concern names them (every one disposed of, or none ever did) and
    /// they are past retention (a child's 25th birthday) or not on the
    /// roll. Their record, index row and roll entry, and every family link
    /// to them, go in one checked write with a disposal record (sealed to
    /// the DSL(s)) and an audit entry; `casebook verify` then knows the
    /// number was erased, not deleted outside casebook.
    pub fn erase_person(
        &mut self,
        id: PersonId,
        reason: &str,
        now: NaiveDateTime,
    ) -> Result<crate::domain::retention::Disposal, StoreError> {
        use crate::domain::retention::{Disposal, Disposed, person_past_retention};
        if self.my_role != Role::Dsl {
            return Err(StoreError::Forbidden {
                role: self.my_role,
                action: "erase a person's record (only the DSL can)".into(),
            });
        }
        let reason = Session::disposal_reason(reason, "erasure")?;
        let (person, sealed) = self.load_person(id)?;
        let label = person.label();
        if let Some(into) = person.merged_into {
            return Err(StoreError::Input(format!(
                "{label} was merged into {}; erase that record, which holds this one's names. Nothing was erased",
                person_label(into)
            )));
        }
        let all = self.people()?;
        if let Some(m) = all.iter().find(|p| p.merged_into == Some(id)) {
            return Err(StoreError::Input(format!(
                "{} was merged into {label} and is kept as its history; nothing was erased",
                m.label()
            )));
        }
        // Every concern is opened (the board's rows may be behind): one that
        // names them, or that does not open, keeps the record.
        for (case_id, loaded) in self.all_cases()? {
            match loaded {
                Ok(case) if case.concern.subjects.iter().any(|s| s.person == Some(id)) => {
                    return Err(StoreError::Input(format!(
                        "{} names {label}: a person's record is erased only when every concern naming them has \
                         been disposed of (S-d, S-e). Nothing was erased",
                        case.concern.reference
                    )));
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(StoreError::Input(format!(
                        "concern #{case_id} does not open ({}), so whether it names {label} cannot be told; \
                         nothing was erased (see `casebook verify`)",
                        super::Damaged::from_error("", &e).detail
                    )));
                }
            }
        }
        // A register entry (P5-a, P5-c, P5-e, P7-b, P4-a, P8-c) that names
        // them keeps the record: the registers are kept on their own terms.
        if let Some(e) = self.register_entries()?.iter().find(|e| e.person == Some(id)) {
            return Err(StoreError::Input(format!(
                "register entry {} names {label}; the record stays while it does. Nothing was erased",
                e.label()
            )));
        }
        // A device in custody that names them as its owner keeps the record
        // (found in review: erased while their phone was held, P6.1-b).
        let devices = self.custody_register()?;
        if !devices.damaged.is_empty() {
            return Err(StoreError::Input(format!(
                "a device record does not open, so casebook cannot tell whether it names {label}; see `casebook \
                 verify`. Nothing was erased"
            )));
        }
        if let Some(c) = devices.iter().find(|c| c.owner_person == Some(id)) {
            return Err(StoreError::Input(format!(
                "{} ({}) names {label} as its owner; the record stays while it does. Nothing was erased",
                c.label(),
                c.case_reference
            )));
        }
        let today = now.date();
        let on_the_roll = on_roll(person.kind, &person.school_id, person.merged_into);
        if !person_past_retention(&person, today) && on_the_roll {
            let why = match person.retain_until() {
                Some(until) => format!("kept until {until}, their 25th birthday"),
                None => "no date of birth is recorded".into(),
            };
            return Err(StoreError::Input(format!(
                "{label} is on the pupil roll and not past retention ({why}); nothing was erased"
            )));
        }
        let basis = if person_past_retention(&person, today) {
            format!("past retention: kept until {}", person.retain_until().map_or_else(String::new, |d| d.to_string()))
        } else {
            "not on the pupil roll, and no concern names them".to_string()
        };

        let mut batch = Batch::new().check(PEOPLE, be(id), Some(sealed)).delete(PEOPLE, be(id));
        // Family links to them, on the other records, go too.
        let mut rewritten: Vec<Person> = Vec::new();
        for l in &person.links {
            let Ok((mut other, old)) = self.load_person(l.person) else { continue };
            other.links.retain(|x| x.person != id);
            other.history.push(event(
                &self.author(),
                now,
                crate::domain::person::Change::Updated {
                    what: format!("family link to {label} removed (erased, S-e)"),
                },
            ));
            let sealed = self.seal(AccessClass::Case, &person_place(other.id), &other)?;
            batch = batch.check(PEOPLE, be(other.id), Some(old)).put(PEOPLE, be(other.id), sealed);
            rewritten.push(other);
        }
        // Their index row out, the rewritten ones' rows up to date.
        let key = self.require(AccessClass::Case, "index people")?;
        let mut shards: BTreeSet<Vec<u8>> = rewritten.iter().map(|p| shard_key(p.id)).collect();
        shards.insert(shard_key(id));
        for k in shards {
            let old = self.store.backend.get(PEOPLE_INDEX, &k)?;
            let mut rows: Vec<PersonSummary> = match &old {
                Some(sealed) => self
                    .open_record(AccessClass::Case, &Place::new(PEOPLE_INDEX, k.clone(), 0), sealed)
                    .or_else(|_| self.rebuild_shard(&k))?,
                None => Vec::new(),
            };
            rows.retain(|r| r.id != id && !rewritten.iter().any(|p| p.id == r.id));
            rows.extend(rewritten.iter().filter(|p| shard_key(p.id) == k).map(Person::summary_row));
            rows.sort_by_key(|r| r.id);
            let plain = super::codec::encode_at(&rows, &Place::new(PEOPLE_INDEX, k.clone(), 0), |_| None);
            let sealed = crypto::seal(&zeroize::Zeroizing::new(plain), &[], Some(key))?;
            batch = batch.check(PEOPLE_INDEX, k.clone(), old).put(PEOPLE_INDEX, k, sealed);
        }
        // Off the roll.
        if let Some(old) = self.store.backend.get(ROLL, ROLL_KEY)? {
            let place = Place::new(ROLL, ROLL_KEY.to_vec(), 0);
            let roll: Vec<RollEntry> = self.open_record(AccessClass::Directory, &place, &old)?;
            if roll.iter().any(|r| r.id == id) {
                let roll: Vec<RollEntry> = roll.into_iter().filter(|r| r.id != id).collect();
                let sealed = self.seal(AccessClass::Directory, &place, &roll)?;
                batch = batch.check(ROLL, ROLL_KEY, Some(old)).put(ROLL, ROLL_KEY, sealed);
            }
        }
        let disposal = Disposal {
            what: Disposed::Person { person_id: id },
            disposed_at: now,
            by: self.author(),
            reason,
            basis,
            early: None,
            removed: Default::default(),
        };
        let (n, sealed) = self.seal_disposal(&disposal)?;
        let disposals = super::trees::DISPOSALS;
        batch = batch.check(disposals, be(n), None::<Vec<u8>>).put(disposals, be(n), sealed);
        match self.store.backend.apply(batch) {
            Ok(_) => {}
            Err(StoreError::Stale { .. }) => return Err(StoreError::Conflict(label)),
            Err(e) => return Err(e),
        }
        self.people_cache = None;
        self.store.backend.note_access(self.me, super::audit::Access::Erased(id));
        Ok(disposal)
    }
}

fn event(
    by: &crate::domain::Author,
    at: NaiveDateTime,
    change: crate::domain::person::Change,
) -> crate::domain::person::PersonEvent {
    crate::domain::person::PersonEvent { at, by: by.clone(), change }
}

/// Who is on the pupil roll every member's form reads: a pupil of this
/// school, i.e. a child with the school's id for them (from the MIS import,
/// or given by the DSL). A child named in a concern who is not a pupil here
/// (a baby brother, a child at another school) is not, and neither is
/// anything typed about them: the roll holds a name and year group only
/// (found in review, issue 12).
fn on_roll(kind: SubjectKind, school_id: &str, merged_into: Option<PersonId>) -> bool {
    kind == SubjectKind::Child && !school_id.trim().is_empty() && merged_into.is_none()
}

fn refuse_merged(p: &Person) -> Result<(), StoreError> {
    match p.merged_into {
        Some(into) => Err(StoreError::Input(format!(
            "{} was merged into {}; change that record instead",
            p.label(),
            person_label(into)
        ))),
        None => Ok(()),
    }
}

/// What an import did, or would do (`--dry-run`), person by person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// "P-0012 Zoë Ødegård (line 2)"
    pub added: Vec<String>,
    /// "P-0003 Milo Loxley-Vane (line 3): year group, date of birth"
    pub updated: Vec<String>,
    pub unchanged: usize,
    /// Parents/carers added from the contacts, and links made.
    pub contacts_added: usize,
    pub links_added: usize,
}

/// People written per batch: one fsync per batch, and a served batch fits
/// in one frame.
const IMPORT_BATCH: usize = 200;

impl Session {
    /// Imports an MIS export's rows (issue 12): a row is matched to a
    /// person by their school id (UPN or staff id), else by name and date
    /// of birth; matched people are updated (a changed name is corrected
    /// with the earlier one kept), the rest added; contacts become
    /// parents/carers linked to the child. Run again each term: an
    /// unchanged row changes nothing. The caller refuses a file with
    /// unreadable rows before this is called (nothing half-imported).
    pub fn import_people(
        &mut self,
        rows: &[crate::domain::mis::MisRow],
        source: &str,
        now: NaiveDateTime,
        dry_run: bool,
    ) -> Result<ImportReport, StoreError> {
        use crate::domain::fold::fold;
        use crate::domain::person::{Change, PersonEvent};
        self.require_people("import people")?;
        let me = self.author();
        let mut report = ImportReport::default();
        let all = self.people()?.into_items();
        let live: Vec<&PersonSummary> = all.iter().filter(|p| p.merged_into.is_none()).collect();
        // By kind and id: a staff code that happens to equal a pupil's
        // admission number is another person (found in review).
        let by_id: HashMap<(SubjectKind, String), PersonId> = live
            .iter()
            .filter(|p| !p.school_id.is_empty())
            .map(|p| ((p.kind, p.school_id.to_lowercase()), p.id))
            .collect();
        // Changed or new records, by id; new ones get ids when written.
        let mut changed: BTreeMap<PersonId, (Person, Option<Vec<u8>>)> = BTreeMap::new();
        let mut new: Vec<Person> = Vec::new();
        let mut added: Vec<(usize, String)> = Vec::new();
        let mut dirty: BTreeSet<PersonId> = BTreeSet::new();
        // (a parent/carer, their child, the relationship)
        let mut pending_links: Vec<(Ref, Ref, String)> = Vec::new();
        let imported = |by: &crate::domain::Author| PersonEvent {
            at: now,
            by: by.clone(),
            change: Change::Imported { source: source.to_string() },
        };
        for row in rows {
            let found = by_id
                .get(&(row.kind, row.school_id.to_lowercase()))
                .copied()
                .filter(|_| !row.school_id.is_empty())
                .or_else(|| {
                    // By name and date of birth, for someone on record without an id.
                    live.iter()
                        .find(|p| {
                            p.kind == row.kind
                                && p.school_id.is_empty()
                                && row.date_of_birth.is_some()
                                && p.date_of_birth == row.date_of_birth
                                && (fold(&p.name) == fold(&row.name)
                                    || p.other_names.iter().any(|n| fold(n) == fold(&row.name)))
                        })
                        .map(|p| p.id)
                });
            let child = match found {
                Some(id) => {
                    let (p, _) = match changed.entry(id) {
                        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::btree_map::Entry::Vacant(e) => {
                            let (p, sealed) = self.load_person(id)?;
                            e.insert((p, Some(sealed)))
                        }
                    };
                    let before = p.clone();
                    let mut what = Vec::new();
                    if p.name != row.name {
                        p.rename(&row.name, &me, now);
                    }
                    if let Some(legal) = &row.legal_name {
                        p.add_other_name(legal);
                    }
                    if row.date_of_birth.is_some() && row.date_of_birth != p.date_of_birth {
                        p.date_of_birth = row.date_of_birth;
                        what.push("date of birth");
                    }
                    if !row.detail.is_empty() && row.detail != p.detail {
                        p.detail = row.detail.clone();
                        what.push(if p.kind == SubjectKind::Child { "year group" } else { "role" });
                    }
                    if !row.school_id.is_empty() && row.school_id != p.school_id {
                        p.school_id = row.school_id.clone();
                        what.push("school id");
                    }
                    if !what.is_empty() {
                        p.history.push(PersonEvent {
                            at: now,
                            by: me.clone(),
                            change: Change::Updated { what: format!("{} (from {source})", what.join(", ")) },
                        });
                    }
                    if *p == before {
                        report.unchanged += 1;
                    } else {
                        dirty.insert(id);
                        let mut said = what.join(", ");
                        if p.name != before.name {
                            said = [format!("name (was {})", before.name), said]
                                .into_iter()
                                .filter(|s| !s.is_empty())
                                .collect::<Vec<_>>()
                                .join(", ");
                        } else if p.other_names != before.other_names && said.is_empty() {
                            said = "legal name".into();
                        }
                        report.updated.push(format!("{} {} (line {}): {said}", p.label(), p.name, row.line));
                    }
                    Ref::Old(id)
                }
                None => {
                    let mut p = Person::new(
                        0,
                        row.kind,
                        PersonDetails {
                            name: row.name.clone(),
                            other_names: row.legal_name.iter().cloned().collect(),
                            date_of_birth: row.date_of_birth,
                            detail: row.detail.clone(),
                            school_id: row.school_id.clone(),
                            ..Default::default()
                        },
                        &me,
                        now,
                    );
                    // "imported from …" says how it was created.
                    p.history = vec![imported(&me)];
                    new.push(p);
                    added.push((new.len() - 1, format!("{} (line {})", row.name, row.line)));
                    Ref::New(new.len() - 1)
                }
            };
            // Contacts: a parent/carer already linked to the child by that
            // name is the same person; so is one of that name met earlier
            // in the file, or on record, who is the parent/carer of a child
            // of the same surname (siblings share their contacts in an MIS
            // export). Anyone else is added. Children who share a
            // parent/carer are linked as siblings below.
            for contact in &row.contacts {
                let key = fold(&contact.name);
                if let Ref::Old(id) = child {
                    let linked = changed[&id]
                        .0
                        .links
                        .iter()
                        .filter(|l| l.kind == LinkKind::ChildOf)
                        .any(|l| all.iter().any(|p| p.id == l.person && fold(&p.name) == key));
                    if linked {
                        continue;
                    }
                }
                // One parent/carer for two children only on the MIS's own
                // contact id: two "Mrs Khan, Mother" of two families are two
                // people, and a name is no proof of a family (found in
                // review). Without an id, each child's contact is their own.
                let cid = contact.id.trim().to_lowercase();
                let mut parent = None;
                if !cid.is_empty() {
                    parent = new
                        .iter()
                        .position(|p| p.kind == SubjectKind::ParentCarer && p.school_id.to_lowercase() == cid)
                        .map(Ref::New);
                    if parent.is_none()
                        && let Some(found) = all.iter().find(|p| {
                            p.kind == SubjectKind::ParentCarer
                                && p.merged_into.is_none()
                                && p.school_id.to_lowercase() == cid
                        })
                    {
                        let (record, sealed) = self.load_person(found.id)?;
                        changed.entry(found.id).or_insert((record, Some(sealed)));
                        parent = Some(Ref::Old(found.id));
                    }
                }
                let parent = match parent {
                    Some(p) => p,
                    None => {
                        let mut record = Person::new(
                            0,
                            SubjectKind::ParentCarer,
                            PersonDetails {
                                name: contact.name.clone(),
                                detail: contact.relationship.clone(),
                                school_id: contact.id.trim().to_string(),
                                ..Default::default()
                            },
                            &me,
                            now,
                        );
                        record.history = vec![imported(&me)];
                        new.push(record);
                        report.contacts_added += 1;
                        Ref::New(new.len() - 1)
                    }
                };
                if !pending_links.iter().any(|(p, c, _)| *p == parent && *c == child) {
                    pending_links.push((parent, child, contact.relationship.clone()));
                    report.links_added += 1;
                }
            }
        }
        if dry_run {
            report.added = added.into_iter().map(|(_, said)| said).collect();
            return Ok(report);
        }
        // Ids for the new people, then the links between them.
        for p in new.iter_mut() {
            p.id = self.store.next_counter("person")?;
        }
        let ids: Vec<PersonId> = new.iter().map(|p| p.id).collect();
        let id_of_ref = |r: Ref| match r {
            Ref::New(i) => ids[i],
            Ref::Old(id) => id,
        };
        let mut family: BTreeMap<PersonId, BTreeSet<PersonId>> = BTreeMap::new();
        for (parent, child, relationship) in &pending_links {
            let (parent_id, child_id) = (id_of_ref(*parent), id_of_ref(*child));
            link_ref(&mut new, &mut changed, &mut dirty, *parent, LinkKind::ParentCarerOf, child_id, relationship);
            link_ref(&mut new, &mut changed, &mut dirty, *child, LinkKind::ChildOf, parent_id, relationship);
            let children = family.entry(parent_id).or_default();
            children.insert(child_id);
            if let Ref::Old(id) = parent {
                let known = changed[id].0.links.iter().filter(|l| l.kind == LinkKind::ParentCarerOf).map(|l| l.person);
                children.extend(known.collect::<Vec<_>>());
            }
        }
        // Children of one parent/carer are siblings, on both records.
        let refs: HashMap<PersonId, Ref> = pending_links.iter().map(|(_, c, _)| (id_of_ref(*c), *c)).collect();
        for children in family.values() {
            for &a in children {
                for &b in children.iter().filter(|&&b| b != a) {
                    let r = match refs.get(&a) {
                        Some(r) => *r,
                        None if changed.contains_key(&a) => Ref::Old(a),
                        None => match self.load_person(a) {
                            Ok((p, sealed)) => {
                                changed.insert(a, (p, Some(sealed)));
                                Ref::Old(a)
                            }
                            Err(_) => continue,
                        },
                    };
                    if link_ref(&mut new, &mut changed, &mut dirty, r, LinkKind::Sibling, b, "") {
                        report.links_added += 1;
                    }
                }
            }
        }
        report.added = added.into_iter().map(|(i, said)| format!("{} {said}", new[i].label())).collect();
        let mut writes: Vec<(Person, Option<Vec<u8>>)> =
            changed.into_iter().filter(|(id, _)| dirty.contains(id)).map(|(_, w)| w).collect();
        writes.extend(new.into_iter().map(|p| (p, None)));
        // An interrupted import leaves whole batches: running it again
        // finds those people by their ids and adds only the rest.
        for chunk in writes.chunks(IMPORT_BATCH) {
            self.write_people(chunk, "people being imported")?;
        }
        Ok(report)
    }
}

/// Adds a link to a person being imported (new, or on record and loaded);
/// whether it was new.
fn link_ref(
    new: &mut [Person],
    changed: &mut BTreeMap<PersonId, (Person, Option<Vec<u8>>)>,
    dirty: &mut BTreeSet<PersonId>,
    who: Ref,
    kind: LinkKind,
    other: PersonId,
    relationship: &str,
) -> bool {
    match who {
        Ref::New(i) => new[i].link(kind, other, relationship),
        Ref::Old(id) => {
            let linked = changed.get_mut(&id).is_some_and(|(p, _)| p.link(kind, other, relationship));
            if linked {
                dirty.insert(id);
            }
            linked
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ref {
    Old(PersonId),
    New(usize),
}

impl Session {
    /// A child's (or anyone's) whole file as one ordinary age file (S-b: a
    /// child-protection file goes with the child to their next school; S-e:
    /// a subject access request): who they are, their family, and every
    /// concern naming them in full, encrypted to the caller and to the
    /// receiving school's key. Never written in clear.
    pub fn export_person(&mut self, id: PersonId, extra: &[String]) -> Result<Vec<u8>, StoreError> {
        use std::fmt::Write;
        let view = self.person_view(id)?;
        let p = &view.person;
        let mut text = String::new();
        let _ = writeln!(text, "Child-protection file: {} {}", p.label(), p.summary());
        if !p.other_names.is_empty() {
            let _ = writeln!(text, "Also known as: {}", p.other_names.join("; "));
        }
        if let Some(dob) = p.date_of_birth {
            let kept = p.retain_until().map(|d| format!("; kept until {d} (25th birthday)")).unwrap_or_default();
            let _ = writeln!(text, "Born: {dob}{kept}");
        }
        if !p.school_id.is_empty() {
            let _ = writeln!(text, "School id: {}", p.school_id);
        }
        for (kind, other) in &view.family {
            let _ = writeln!(text, "{}: {} {}", kind.label(), other.label(), other.summary());
        }
        if !p.note.is_empty() {
            let _ = writeln!(text, "Note: {}", p.note);
        }
        let _ = writeln!(text, "\nHistory of this record:");
        for e in &p.history {
            let _ = writeln!(text, "  {} {}: {}", e.at.format("%Y-%m-%d %H:%M"), e.by.name, e.change.describe());
        }
        let _ = writeln!(text, "\n{} concern(s) naming them, newest first.", view.concerns.len());
        for (row, part) in &view.concerns {
            let _ = writeln!(text, "\n======== {} ({}) ========", row.reference, part.label());
            // A concern they only witnessed is another child's file: named,
            // never copied to the next school (found in review).
            if !part.is_about() {
                let _ = writeln!(
                    text,
                    "They are named in it as {}; it is about someone else, so its file is not included.",
                    part.label()
                );
                continue;
            }
            let case = self.case(row.id)?;
            text.push_str(&crate::domain::report::case_file_text(&case, self.catalogue()));
            self.store.backend.note_access(self.me, super::audit::Access::Exported(row.id));
        }
        for d in &view.damaged {
            let _ = writeln!(text, "\nNot included, could not be read: {d}");
        }
        // Read in another school's terminal: nothing anyone typed acts on it.
        let text = zeroize::Zeroizing::new(crate::text::safe(&text).into_owned());
        let mut recipients = vec![self.identity.to_public()];
        for r in extra {
            recipients.push(super::parse_recipient(r)?);
        }
        Ok(crypto::seal(text.as_bytes(), &recipients, None)?)
    }
}
