//! The staff and visitor registers (issue 13: P5-a, P5-c, P5-e, P7-b), one
//! sealed record per entry. The permission log, remote-learning approvals
//! and visitor arrangements are sealed to the Oversight class (the DSL,
//! deputies and leadership: the headteacher grants and reviews them); the
//! disclosure register (P5-c) to the DSL(s) alone, with X25519 stanzas and
//! the writer's attestation, no class stanza, in a tree of its own so no
//! one else is even served it. Entries are appended, bound to their place.

use chrono::NaiveDateTime;

use super::membership::Rekeyed;
use super::trees::{DISCLOSURES, REGISTERS};
use super::{Batch, Damaged, Listed, Place, Session, StoreError, be, corrupt, id_of, malformed_key};
use crate::domain::register::{NewRegisterEntry, RegisterEntry, RegisterKind};
use crate::domain::{AccessClass, Member, MemberId, Role};

fn tree_of(kind: RegisterKind) -> &'static str {
    if kind.dsl_only() { DISCLOSURES } else { REGISTERS }
}

pub(crate) fn register_place(tree: &str, id: u32) -> Place {
    Place::new(tree, be(id), 0)
}

/// Where the disclosure register notes the first number of its own
/// numbering, in its own tree (served to the DSL alone, so its presence
/// tells no one else a disclosure was recorded). Entries below it were
/// numbered with the other registers, before it had numbers of its own,
/// and keep them.
pub(crate) const DISCLOSURES_NUMBERED_FROM: &[u8] = b"disclosures-numbered-from";

/// The first disclosure number of the register's own numbering, once one
/// has been handed out (verify tells the older entries by it).
pub(crate) fn disclosures_numbered_from(backend: &dyn super::backend::Backend) -> Result<Option<u32>, StoreError> {
    Ok(backend
        .get(DISCLOSURES, DISCLOSURES_NUMBERED_FROM)?
        .and_then(|b| <[u8; 4]>::try_from(b.as_slice()).ok())
        .map(u32::from_be_bytes))
}

/// The DSLs among `members`, as (id, public key): the disclosure register's readers.
fn dsls(members: &[Member]) -> Vec<(MemberId, String)> {
    members.iter().filter(|m| m.role == Role::Dsl).map(|m| (m.id, m.recipient.clone())).collect()
}

impl Session {
    /// Records an entry (the DSL and deputies; a disclosure, the DSL only:
    /// P5-c). A named person (issue 12) gives the entry their name.
    pub fn record_register(&mut self, new: NewRegisterEntry, now: NaiveDateTime) -> Result<RegisterEntry, StoreError> {
        let allowed = match new.kind {
            RegisterKind::Disclosure => self.my_role == Role::Dsl,
            _ => matches!(self.my_role, Role::Dsl | Role::Deputy),
        };
        if !allowed {
            return Err(StoreError::Forbidden {
                role: self.my_role,
                action: format!("record in the {}", new.kind.title().to_lowercase()),
            });
        }
        let errors = new.validate();
        if !errors.is_empty() {
            return Err(StoreError::Input(format!(
                "the entry is not complete: {}; nothing was saved",
                errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
            )));
        }
        // P4-a: the yes/no answers kept as "yes" or "no", however typed.
        let mut new = new;
        if new.kind == RegisterKind::SchoolDevice {
            for answer in [&mut new.permitted, &mut new.risk_assessment, &mut new.granted_by] {
                let yes = crate::domain::register::yes_no(answer).unwrap_or(false);
                *answer = if yes { "yes" } else { "no" }.to_string();
            }
        }
        let who = match new.person {
            Some(p) => self.current_person(p)?.name,
            None => new.who.trim().to_string(),
        };
        // P5-c: the disclosure register is numbered on its own, so the other
        // registers' numbers show no gap where a disclosure was recorded.
        // Its next number is the one after its highest entry: a counter in
        // the counters tree would be served to deputies and leadership and
        // tell them how many there are. A colleague DSL recording at the
        // same moment takes it first, and this one tries the next.
        let own = new.kind.dsl_only();
        let mut attempts = 0;
        loop {
            let (id, first_own) =
                if own { self.next_disclosure_number()? } else { (self.store.next_counter("register")?, false) };
            let entry = RegisterEntry {
                id,
                kind: new.kind,
                who: who.clone(),
                person: new.person,
                organisation: new.organisation.trim().to_string(),
                date: new.date,
                until: new.until,
                reason: new.reason.trim().to_string(),
                permitted: new.permitted.trim().to_string(),
                risk_assessment: new.risk_assessment.trim().to_string(),
                granted_by: new.granted_by.trim().to_string(),
                recorded_by: self.author(),
                recorded_at: now,
            };
            let tree = tree_of(entry.kind);
            let place = register_place(tree, id);
            let sealed = if own {
                self.seal_to_readers(&dsls(&self.members), &place, &entry)?
            } else {
                self.seal(AccessClass::Oversight, &place, &entry)?
            };
            let mut batch = Batch::new().check(tree, be(id), None::<Vec<u8>>).put(tree, be(id), sealed);
            if first_own {
                batch = batch.check(DISCLOSURES, DISCLOSURES_NUMBERED_FROM, None::<Vec<u8>>).put(
                    DISCLOSURES,
                    DISCLOSURES_NUMBERED_FROM,
                    be(id),
                );
            }
            match self.store.backend.apply(batch) {
                Ok(_) => return Ok(entry),
                Err(StoreError::Stale { .. }) if own && attempts < 10 => attempts += 1,
                Err(StoreError::Stale { .. }) => {
                    return Err(StoreError::Tampered(format!(
                        "the store's numbering is behind its records: {} is already in use, so the entry was not \
                         recorded",
                        entry.label()
                    )));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The next disclosure number (one past the register's highest entry,
    /// so the entries numbered with the other registers before keep
    /// theirs), and whether it is the first of its own numbering.
    fn next_disclosure_number(&self) -> Result<(u32, bool), StoreError> {
        let first = disclosures_numbered_from(self.store.backend.as_ref())?.is_none();
        let mut highest = 0;
        for (k, _) in self.store.backend.scan(DISCLOSURES)? {
            if let Ok(id) = id_of(&k) {
                highest = highest.max(id);
            }
        }
        let id = highest.checked_add(1).ok_or_else(|| {
            StoreError::Tampered("the disclosure register holds an entry numbered past any casebook hands out".into())
        })?;
        Ok((id, first))
    }

    /// Every entry this member may read: the Oversight registers, and the
    /// disclosure register for a DSL. One that does not open is named.
    pub fn register_entries(&self) -> Result<Listed<Vec<RegisterEntry>>, StoreError> {
        self.require(AccessClass::Oversight, "read the staff and visitor registers")?;
        let mut out = Listed::new(Vec::new());
        let mut trees = vec![REGISTERS];
        if self.my_role == Role::Dsl {
            trees.push(DISCLOSURES);
        }
        for tree in trees {
            for (k, v) in self.store.backend.scan(tree)? {
                if tree == DISCLOSURES && k == DISCLOSURES_NUMBERED_FROM {
                    continue;
                }
                let Ok(id) = id_of(&k) else {
                    out.damaged.push(Damaged::new(malformed_key("register", &k), "it names no entry"));
                    continue;
                };
                match self.open_register(tree, id, &v) {
                    Ok(e) => out.items.push(e),
                    Err(e) => out.damaged.push(Damaged::from_error(format!("register entry #{id}"), &e)),
                }
            }
        }
        out.items.sort_by_key(|e| e.id);
        Ok(out)
    }

    /// One entry by its label ("PL-0003") or number.
    pub fn register_entry(&self, label: &str) -> Result<RegisterEntry, StoreError> {
        // P5-c: the disclosure register is numbered on its own, so DR-0001
        // and PL-0001 may both be: the label's letters tell them apart (the
        // number alone, when only one entry has it).
        let label_ = label.trim();
        let (prefix, number) = match label_.rsplit_once('-') {
            Some((p, n)) => (Some(p.to_ascii_uppercase()), n.parse::<u32>().ok()),
            None => (None, label_.parse::<u32>().ok()),
        };
        let entries = self.register_entries()?;
        let matching: Vec<&RegisterEntry> = entries
            .iter()
            .filter(|e| Some(e.id) == number)
            .filter(|e| prefix.as_ref().is_none_or(|p| e.label().rsplit_once('-').is_some_and(|(q, _)| q == p)))
            .collect();
        (matching.len() == 1).then(|| matching[0].clone()).ok_or_else(|| {
            StoreError::Input(format!(
                "no register entry {label:?} you can read; see `casebook register list`",
                label = crate::text::one_line(label)
            ))
        })
    }

    pub(crate) fn open_register(&self, tree: &str, id: u32, sealed: &[u8]) -> Result<RegisterEntry, StoreError> {
        let place = register_place(tree, id);
        let entry: RegisterEntry = if tree == DISCLOSURES {
            let (entry, author): (RegisterEntry, MemberId) =
                super::restricted::open_restricted_by(sealed, &place, &self.identity, &self.trust)?;
            if !self.trust.members.iter().any(|(m, role, _)| *m == author && *role == Role::Dsl) {
                return Err(corrupt(
                    format!("register entry #{id}"),
                    "a disclosure not written by a DSL: written outside casebook",
                ));
            }
            entry
        } else {
            self.open_record(AccessClass::Oversight, &place, sealed)?
        };
        if entry.id != id || tree_of(entry.kind) != tree {
            return Err(corrupt(format!("register entry #{id}"), format!("it holds {}", entry.label())));
        }
        Ok(entry)
    }

    /// The disclosure register sealed again to the DSLs among `members`
    /// (membership changes: a DSL who leaves is dropped), vouched for by
    /// this DSL.
    pub(crate) fn reseal_disclosures(&self, members: &[Member], done: &mut Rekeyed) -> Result<(), StoreError> {
        if self.my_role != Role::Dsl {
            return Ok(());
        }
        let readers = dsls(members);
        for (k, v) in self.store.backend.scan(DISCLOSURES)? {
            let Ok(id) = id_of(&k) else { continue };
            let Ok(entry) = self.open_register(DISCLOSURES, id, &v) else {
                done.left += 1;
                continue;
            };
            let sealed = self.seal_to_readers(&readers, &register_place(DISCLOSURES, id), &entry)?;
            match self.store.backend.apply(Batch::new().check(DISCLOSURES, k.clone(), Some(v)).put(
                DISCLOSURES,
                k,
                sealed,
            )) {
                Ok(_) => done.records += 1,
                Err(StoreError::Stale { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
