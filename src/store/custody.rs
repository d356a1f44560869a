//! Device custody (issue 13: P6.1-a, P6.1-b, P6.1-d, P6.1-h) in its own
//! tree, one sealed record per confiscated device, keyed by id and naming
//! its concern. Sealed to the Case class like concerns (the DSL and
//! deputies), bound to its place (issue 10). A later event extends the
//! chain by compare-and-swap on the record read: the chain only grows, and
//! two people recording at once both land (the second is applied again to
//! the newer record).
//!
//! A concern's devices are found by opening every custody record: a school
//! confiscates tens a term, so one pass is cheap, and no clear index says
//! which concern has a device.

use chrono::NaiveDateTime;

use super::restricted::restriction_moved;
use super::trees::CUSTODY;
use super::{Batch, Damaged, Listed, Session, StoreError, be, corrupt, id_of, malformed_key};
use crate::domain::concern::custody_entry_prefix;
use crate::domain::custody::{self, DEFAULT_HELD_AT, custody_label};
use crate::domain::{AccessClass, Custody, CustodyId, NewCustody, NewCustodyEvent, Role};

/// Devices left out of a member's register as a restricted allegation's
/// they do not read: each id, with its concern where its marker names it.
type Hidden = Vec<(CustodyId, Option<u32>)>;

/// How many times an event is applied again to a record someone else
/// extended meanwhile.
const ATTEMPTS: usize = 5;

impl Session {
    fn require_case_member(&self, action: &str) -> Result<(), StoreError> {
        match self.my_role {
            Role::Dsl | Role::Deputy => {}
            role => return Err(StoreError::Forbidden { role, action: action.into() }),
        }
        self.require(AccessClass::Case, action)?;
        Ok(())
    }

    /// P6.1-a: records a device confiscated on concern `case_id` (DSL or
    /// deputy). The owner is a person on record (`owner_person`; their
    /// name is taken from it) or a typed name.
    pub fn confiscate(&mut self, case_id: u32, new: NewCustody, now: NaiveDateTime) -> Result<Custody, StoreError> {
        self.require_case_member("record device custody")?;
        let errors = new.validate(self.catalogue().device(&new.device).is_some(), now);
        if !errors.is_empty() {
            return Err(StoreError::Input(format!(
                "the confiscation is not complete: {}; nothing was saved",
                errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
            )));
        }
        let case = self.case(case_id)?;
        if !case.status.is_open() {
            return Err(StoreError::Input(format!(
                "{} is closed: reopen it before recording a device on it; nothing was saved",
                case.concern.reference
            )));
        }
        // P6.1-a: not dated before the concern happened (every caller).
        new.check_against(&case.concern).map_err(StoreError::Input)?;
        let owner = match new.owner_person {
            Some(p) => self.current_person(p)?.name,
            None => new.owner.trim().to_string(),
        };
        let owner_person = match new.owner_person {
            Some(p) => Some(self.current_person(p)?.id),
            None => None,
        };
        let id = self.store.next_counter("custody")?;
        let by = if new.confiscated_by.trim().is_empty() {
            self.me().name.clone()
        } else {
            new.confiscated_by.trim().to_string()
        };
        let held_at =
            if new.held_at.trim().is_empty() { DEFAULT_HELD_AT.to_string() } else { new.held_at.trim().into() };
        let record = Custody {
            id,
            case_id,
            case_reference: case.concern.reference.clone(),
            device: new.device,
            description: new.description.trim().to_string(),
            owner,
            owner_person,
            confiscated_by: by,
            confiscated_at: new.confiscated_at,
            reason: new.reason.trim().to_string(),
            held_at,
            events: Vec::new(),
            recorded_by: self.author(),
            recorded_at: now,
        };
        // P5-g: on a restricted concern, sealed to its readers alone.
        let batch = self.put_for_case(
            Batch::new().check(CUSTODY, be(id), None::<Vec<u8>>),
            case_id,
            CUSTODY,
            &be(id),
            &record,
        )?;
        match self.store.backend.apply(batch) {
            Ok(_) => {}
            Err(e) if restriction_moved(&e) => return Err(StoreError::Conflict(case.concern.reference.clone())),
            // The counter only moves forward: an id in use means it was
            // set back outside casebook (issue 10).
            Err(StoreError::Stale { .. }) => {
                return Err(StoreError::Tampered(format!(
                    "the store's numbering is behind its records: {} is already in use, so the device was not recorded",
                    custody_label(id)
                )));
            }
            Err(e) => return Err(e),
        }
        self.store.backend.note_access(self.me, super::audit::Access::ChangedConcern(case_id));
        let text = format!(
            "{}confiscated by {} ({}) and held in {}: {}",
            custody_entry_prefix(id, 1),
            record.confiscated_by,
            record.device_words(self.catalogue().device_label(&record.device)),
            record.held_at,
            record.reason
        );
        self.note_custody(&record, record.confiscated_at, &text, now)?;
        Ok(record)
    }

    /// Issue 13: the concern's chronology says what happened to its device
    /// (S-a; PRODUCT 7b: `verify` checks the chain still holds each event
    /// the chronology names). The device is saved already: a concern that
    /// cannot take the entry says so without losing it.
    fn note_custody(
        &mut self,
        record: &Custody,
        at: NaiveDateTime,
        text: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        self.update_case(record.case_id, |case, _, me| case.note_custody(at, text, me, now)).map(|_| ()).map_err(|e| {
            StoreError::Input(format!(
                "{} was recorded, but the chronology of {} does not say so: {e}",
                record.label(),
                record.case_reference
            ))
        })
    }

    /// P6.1-b, P6.1-d: appends an event to device `id`'s chain (moved,
    /// returned to a parent/carer, handed to the police, or a correction).
    /// Nothing before it changes.
    pub fn custody_event(
        &mut self,
        id: CustodyId,
        new: NewCustodyEvent,
        now: NaiveDateTime,
    ) -> Result<Custody, StoreError> {
        self.require_case_member("record device custody")?;
        let mut new = new;
        if let crate::domain::CustodyMove::Returned { released_by, .. } = &mut new.change
            && released_by.trim().is_empty()
        {
            *released_by = self.me().name.clone();
        }
        for _ in 0..ATTEMPTS {
            let old = self
                .store
                .backend
                .get(CUSTODY, &be(id))?
                .ok_or_else(|| StoreError::Input(format!("no device {} in custody records", custody_label(id))))?;
            let mut record = self.open_custody(id, &old)?;
            let was_held = record.is_held();
            record.extend(new.clone(), &self.author(), now).map_err(StoreError::Input)?;
            // P6.1-b: a device held again (a return or handover corrected)
            // on a closed concern would be held where nothing lists it as
            // due: the concern is reopened first (found in review).
            if record.is_held() && !was_held {
                let case = self.case(record.case_id)?;
                if case.status == crate::domain::Status::Closed {
                    return Err(StoreError::Input(format!(
                        "{} is closed, and this would make {} held again (P6.1-b): reopen the concern first, then \
                         record it. Nothing was saved",
                        case.concern.reference,
                        custody_label(id)
                    )));
                }
            }
            let batch = self.put_for_case(
                Batch::new().check(CUSTODY, be(id), Some(old)),
                record.case_id,
                CUSTODY,
                &be(id),
                &record,
            )?;
            match self.store.backend.apply(batch) {
                Ok(_) => {
                    self.store.backend.note_access(self.me, super::audit::Access::ChangedConcern(record.case_id));
                    if let Some(e) = record.events.last() {
                        let text = format!(
                            "{}{}{}{}",
                            custody_entry_prefix(id, e.seq),
                            e.change.words(),
                            e.corrects.map(|n| format!(" (corrects event {n})")).unwrap_or_default(),
                            if e.note.is_empty() { String::new() } else { format!(": {}", e.note) }
                        );
                        // A device moved after its concern closed (never held
                        // again: refused above) has no chronology to join.
                        if self.case(record.case_id)?.status != crate::domain::Status::Closed {
                            self.note_custody(&record, e.at, &text, now)?;
                        }
                    }
                    return Ok(record);
                }
                Err(StoreError::Stale { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict(custody_label(id)))
    }

    /// One device's record.
    pub fn custody(&self, id: CustodyId) -> Result<Custody, StoreError> {
        self.require(AccessClass::Case, "read device custody")?;
        let sealed = self
            .store
            .backend
            .get(CUSTODY, &be(id))?
            .ok_or_else(|| StoreError::Input(format!("no device {} in custody records", custody_label(id))))?;
        let c = self.open_custody(id, &sealed)?;
        // S-c: a device's record read is its concern opened (on a store
        // opened directly; `casebook serve` notes what it serves).
        self.store.backend.note_access(self.me, super::audit::Access::OpenedConcern(c.case_id));
        Ok(c)
    }

    /// The register (P6.1-b): every device that opens, held ones first and
    /// longest held first, then the rest; one that does not open is named
    /// and skipped (issue 11). A device of a restricted allegation this
    /// member is not a reader of is left out, as its concern is (P5-g).
    pub fn custody_register(&self) -> Result<Listed<Vec<Custody>>, StoreError> {
        Ok(self.custody_all()?.0)
    }

    /// The register, and the devices left out of it as a restricted
    /// allegation's this member does not read (id, concern).
    fn custody_all(&self) -> Result<(Listed<Vec<Custody>>, Hidden), StoreError> {
        self.require(AccessClass::Case, "read device custody")?;
        let mut out = Listed::new(Vec::new());
        let mut hidden = Vec::new();
        let keys = super::restricted::restricted_keys(self.store.backend.as_ref())?;
        for (k, v) in self.store.backend.scan(CUSTODY)? {
            let Ok(id) = id_of(&k) else {
                out.damaged.push(Damaged::new(malformed_key("custody record", &k), "it names no device"));
                continue;
            };
            match self.open_custody(id, &v) {
                Ok(c) => out.items.push(c),
                Err(StoreError::Restricted(_)) => hidden.push((id, keys.case_of(CUSTODY, &k))),
                Err(e) => out.damaged.push(Damaged::from_error(custody_label(id), &e)),
            }
        }
        custody::register_order(&mut out.items);
        Ok((out, hidden))
    }

    /// One concern's devices, in register order.
    pub fn custody_of(&self, case_id: u32) -> Result<Listed<Vec<Custody>>, StoreError> {
        self.of_case(case_id, Self::custody_register, |c| c.case_id)
    }

    pub(crate) fn open_custody(&self, id: CustodyId, sealed: &[u8]) -> Result<Custody, StoreError> {
        let c: Custody =
            self.open_for_case(CUSTODY, &be(id), sealed).map_err(|e| super::relabel(e, &custody_label(id)))?;
        if c.id != id {
            return Err(corrupt(custody_label(id), format!("it holds {}", c.label())));
        }
        Ok(c)
    }

    /// P6.1-b: a concern cannot close while one of its devices is held.
    /// Called where a status becomes closed; the refusal names the device.
    pub(crate) fn refuse_close_while_held(&self, case_id: u32) -> Result<(), StoreError> {
        if self.class_key(AccessClass::Case).is_none() {
            return Ok(());
        }
        let (mut devices, hidden) = self.custody_all()?;
        devices.items.retain(|c| c.case_id == case_id);
        // P5-g: a device of this concern sealed to readers this member is
        // not among (a restriction changed as it was written) still holds
        // it open: never closed on what the closer cannot see.
        if let Some((id, _)) = hidden.iter().find(|(_, c)| *c == Some(case_id)) {
            return Err(StoreError::Input(format!(
                "{} of this concern is sealed to readers you are not among, so casebook cannot tell whether it is \
                 still held (P6.1-b); ask the DSL; nothing was changed",
                custody_label(*id)
            )));
        }
        // A custody record that does not open may be this concern's, held:
        // the concern does not close until it is put right (issue 11: it is
        // named; PRODUCT.md 7b: damaging it must not be a way to close).
        if !devices.damaged.is_empty() {
            let named: Vec<String> = devices.damaged.iter().map(ToString::to_string).collect();
            return Err(StoreError::Input(format!(
                "a device custody record could not be read ({}), so casebook cannot tell whether this concern still                  holds a device (P6.1-b); run `casebook verify` and restore it from a backup; nothing was changed",
                named.join("; ")
            )));
        }
        let reference = devices.items.first().map(|c| c.case_reference.clone()).unwrap_or_default();
        match custody::closure_refusal(&reference, &devices.items, |d| self.catalogue().device_label(d).to_string()) {
            Some(refusal) => Err(StoreError::Input(format!("{refusal}; nothing was changed"))),
            None => Ok(()),
        }
    }
}
