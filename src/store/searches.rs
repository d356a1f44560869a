//! Device searches (issue 13: P6.1-e, P6.1-f, P6.1-g) in their own tree,
//! one sealed record per search, keyed by id and naming its concern;
//! sealed to the Case class and bound to its place, like referrals. Who may
//! record an examination or erasure of data is checked here, against the
//! member flag the DSL sets (`authorised_to_erase`, in the DSL's signed
//! member list); and the DSL's grant or withdrawal of it.

use chrono::NaiveDateTime;

use super::trees::SEARCHES;
use super::{Batch, Listed, Session, StoreError, be, corrupt};
use crate::domain::searches::{DeviceSearch, NewSearch, may_record, search_label};
use crate::domain::{AccessClass, EntryKind, MemberId, Role, Urgency};

/// What recording a search did to its concern (P6.1-f).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Escalation {
    /// No safeguarding risk was recorded.
    None,
    /// The concern was made urgent: a chronology entry (not a triage
    /// decision) by whoever recorded the search.
    MadeUrgent,
    /// The concern was urgent already: a note says what the search revealed.
    Noted,
}

impl Session {
    /// Records a search on concern `case_id` (DSL or deputy). P6.1-g: only
    /// a member the DSL has marked as authorised records that data was
    /// examined or erased. P6.1-f: a search that revealed a safeguarding
    /// risk makes the concern urgent, triaged or not (an escalation entry
    /// in its chronology, not a triage decision: see `CaseFile::escalate`),
    /// which puts it first on the board and pages the DSL.
    pub fn record_search(
        &mut self,
        case_id: u32,
        new: NewSearch,
        now: NaiveDateTime,
    ) -> Result<(DeviceSearch, Escalation), StoreError> {
        match self.my_role {
            Role::Dsl | Role::Deputy => {}
            role => return Err(StoreError::Forbidden { role, action: "record searches".into() }),
        }
        self.require(AccessClass::Case, "record searches")?;
        may_record(new.data, &self.me().name, self.me().authorised_to_erase).map_err(StoreError::Input)?;
        let errors = new.validate(now);
        if !errors.is_empty() {
            return Err(StoreError::Input(format!(
                "the search is not complete: {}; nothing was saved",
                errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
            )));
        }
        let case = self.case(case_id)?;
        if !case.status.is_open() {
            return Err(StoreError::Input(format!(
                "{} is closed: reopen it before recording a search on it; nothing was saved",
                case.concern.reference
            )));
        }
        if let Some(c) = new.custody {
            let device = self.custody(c)?;
            if device.case_id != case_id {
                return Err(StoreError::Input(format!(
                    "{} belongs to {}, not {}; nothing was saved",
                    device.label(),
                    device.case_reference,
                    case.concern.reference
                )));
            }
        }
        let id = self.store.next_counter("search")?;
        let searched_by =
            if new.searched_by.trim().is_empty() { self.me().name.clone() } else { new.searched_by.trim().into() };
        let record = DeviceSearch {
            id,
            case_id,
            case_reference: case.concern.reference.clone(),
            custody: new.custody,
            device: new.device.trim().to_string(),
            authorised_by: new.authorised_by.trim().to_string(),
            searched_by,
            witnessed_by: new.witnessed_by.trim().to_string(),
            at: new.at,
            grounds: new.grounds.trim().to_string(),
            looked_for: new.looked_for.trim().to_string(),
            found: new.found.trim().to_string(),
            data: new.data,
            data_reason: new.data_reason.trim().to_string(),
            safeguarding_risk: new.safeguarding_risk,
            recorded_by: self.author(),
            recorded_at: now,
        };
        // P5-g: on a restricted concern, sealed to its readers alone.
        let batch = self.put_for_case(
            Batch::new().check(SEARCHES, be(id), None::<Vec<u8>>),
            case_id,
            SEARCHES,
            &be(id),
            &record,
        )?;
        match self.store.backend.apply(batch) {
            Ok(_) => {}
            Err(e) if super::restricted::restriction_moved(&e) => {
                return Err(StoreError::Conflict(case.concern.reference.clone()));
            }
            Err(StoreError::Stale { .. }) => {
                return Err(StoreError::Tampered(format!(
                    "the store's numbering is behind its records: {} is already in use, so the search was not recorded",
                    search_label(id)
                )));
            }
            Err(e) => return Err(e),
        }
        self.store.backend.note_access(self.me, super::audit::Access::ChangedConcern(case_id));
        // S-a, PRODUCT 7b: the concern's chronology says so.
        let text = format!(
            "{}: {} searched by {}, witnessed by {}, authorised by {}; found: {}",
            record.label(),
            record.device,
            record.searched_by,
            record.witnessed_by,
            record.authorised_by,
            record.found
        );
        self.note_record(case_id, case.status, &record.label(), record.at.min(now), &text, now)?;
        if !record.safeguarding_risk {
            return Ok((record, Escalation::None));
        }
        // P6.1-f: the search is on disk first; the escalation follows, and
        // a failure says the search is kept.
        let label = record.label();
        let escalation = self
            .update_case(case_id, |case, catalogue, me| {
                let why = format!(
                    "{label} revealed a safeguarding risk (P6.1-f): urgent; the DSL is involved without delay."
                );
                if case.urgency(catalogue) == Urgency::Urgent {
                    case.add_entry(EntryKind::Note, now, &format!("{why} It was urgent already."), me, now)?;
                    return Ok(Escalation::Noted);
                }
                // Not a triage decision (S-c: nobody decided one): an
                // entry by whoever recorded the search, which makes the
                // concern urgent until the DSL next triages it.
                let text = if case.current_triage().is_none() { format!("{why} Triage it now.") } else { why };
                case.escalate(now, &text, me, now)?;
                Ok(Escalation::MadeUrgent)
            })
            .map_err(|e| {
                StoreError::Input(format!(
                    "{label} was recorded, but {} could not be marked urgent: {e}",
                    record.case_reference
                ))
            })?;
        if escalation == Escalation::MadeUrgent {
            // Issue 13: `serve --notify-command` pages the DSL, as for an
            // urgent concern recorded; the page carries nothing of it.
            self.store.backend.urgent_recorded();
        }
        Ok((record, escalation))
    }

    /// Every search that opens; one that does not is named and skipped.
    pub fn all_searches(&self) -> Result<Listed<Vec<DeviceSearch>>, StoreError> {
        self.require(AccessClass::Case, "read searches")?;
        let mut out = self.open_each(SEARCHES, "search", Self::open_search, search_label)?;
        out.items.sort_by_key(|s| (s.at, s.id));
        Ok(out)
    }

    /// One concern's searches, oldest first.
    pub fn searches(&self, case_id: u32) -> Result<Listed<Vec<DeviceSearch>>, StoreError> {
        self.of_case(case_id, Self::all_searches, |s| s.case_id)
    }

    pub(crate) fn open_search(&self, id: u32, sealed: &[u8]) -> Result<DeviceSearch, StoreError> {
        let s: DeviceSearch =
            self.open_for_case(SEARCHES, &be(id), sealed).map_err(|e| super::relabel(e, &search_label(id)))?;
        if s.id != id {
            return Err(corrupt(search_label(id), format!("it holds {}", s.label())));
        }
        Ok(s)
    }

    /// P6.1-g: the DSL marks a member as authorised to examine or erase
    /// data (the headteacher and named staff), or withdraws it. Kept in the
    /// DSL's signed member list, so no one else can grant it.
    pub fn authorise_member(&mut self, id: MemberId, authorised: bool) -> Result<String, StoreError> {
        if self.my_role != Role::Dsl {
            return Err(StoreError::Forbidden {
                role: self.my_role,
                action: "authorise members to examine or erase data (only the DSL can)".into(),
            });
        }
        let Some(member) = self.members.iter().find(|m| m.id == id).cloned() else {
            return Err(StoreError::Input(format!("no member #{id}; see `casebook member list`")));
        };
        // Only a member who records searches can use the authority (found
        // in review: a reporter was accepted). Withdrawing it is always
        // allowed.
        if authorised && !member.role.reads(AccessClass::Case) {
            return Err(StoreError::Input(format!(
                "{} is {}: their key opens no concern, so they cannot record a search. Authorise the DSL or the \
                 deputy who searches devices (the search record names who authorised it, e.g. the headteacher); \
                 nothing was changed",
                member.name,
                member.role.label()
            )));
        }
        if member.authorised_to_erase == authorised {
            return Ok(member.name);
        }
        let (batch, roster) = self.next_roster(Batch::new(), |r| {
            for e in r.members.iter_mut().filter(|e| e.id == id) {
                e.authorised_to_erase = authorised;
            }
        })?;
        self.store.backend.apply(batch)?;
        self.roster = Some(roster);
        for m in self.members.iter_mut().filter(|m| m.id == id) {
            m.authorised_to_erase = authorised;
        }
        self.trust = super::Trust::of(&self.store.backend, self.me, self.my_role, &self.members, self.roster.as_ref());
        self.store.backend.note_access(self.me, super::audit::Access::Membership(id));
        Ok(member.name)
    }
}
