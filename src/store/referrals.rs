//! Referrals and contacts (issue 13: P5-g, P6-b, P9-b, P9-g, S-b) in their
//! own tree, one sealed record per entry, keyed by id and naming its
//! concern. Sealed to the Case class like concerns (the DSL and deputies),
//! bound to its place (issue 10). Entries are appended; a correction is a
//! new entry that supersedes the one it corrects (S-a).
//!
//! A concern's referrals are found by opening every referral: a school
//! makes tens a term, not thousands, so one pass is cheap, and no clear
//! index says which concern has been referred where.

use chrono::NaiveDateTime;

use super::trees::REFERRALS;
use super::{Batch, Listed, Session, StoreError, be, corrupt};
use crate::domain::referral::{self, referral_label};
use crate::domain::{AccessClass, Deadline, NewReferral, Referral, Role};

impl Session {
    /// Records a referral or contact on concern `case_id` (DSL or deputy).
    /// A correction (`supersedes`) must name a current entry of the same
    /// concern; both are kept.
    pub fn record_referral(
        &mut self,
        case_id: u32,
        new: NewReferral,
        now: NaiveDateTime,
    ) -> Result<Referral, StoreError> {
        match self.my_role {
            Role::Dsl | Role::Deputy => {}
            role => return Err(StoreError::Forbidden { role, action: "record referrals".into() }),
        }
        self.require(AccessClass::Case, "record referrals")?;
        let errors = new.validate(now.date());
        if !errors.is_empty() {
            return Err(StoreError::Input(format!(
                "the referral is not complete: {}; nothing was saved",
                errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
            )));
        }
        let case = self.case(case_id)?;
        if let Some(old) = new.supersedes {
            let existing = self.referrals(case_id)?;
            let Some(found) = existing.iter().find(|r| r.id == old) else {
                return Err(StoreError::Input(format!(
                    "{} is not a referral of {}; see `casebook referral list {}`",
                    referral_label(old),
                    case.concern.reference,
                    case.concern.reference
                )));
            };
            if let Some(by) = existing.iter().find(|r| r.supersedes == Some(found.id)) {
                return Err(StoreError::Input(format!(
                    "{} was corrected already by {}: correct that one; nothing was saved",
                    found.label(),
                    by.label()
                )));
            }
        }
        let id = self.store.next_counter("referral")?;
        let by = if new.by.trim().is_empty() { self.me().name.clone() } else { new.by.trim().to_string() };
        let record = Referral {
            id,
            case_id,
            case_reference: case.concern.reference.clone(),
            kind: new.kind,
            date: new.date,
            by,
            reference: new.reference.trim().to_string(),
            agency: new.agency.trim().to_string(),
            contact: new.contact.trim().to_string(),
            outcome: new.outcome.trim().to_string(),
            informed: new.informed,
            why_not: new.why_not.trim().to_string(),
            follow_up: new.follow_up,
            supersedes: new.supersedes,
            recorded_by: self.author(),
            recorded_at: now,
        };
        // P5-g: a restricted concern's referral is sealed to its readers
        // alone, with a clear marker that it is one.
        let batch = self.put_for_case(
            Batch::new().check(REFERRALS, be(id), None::<Vec<u8>>),
            case_id,
            REFERRALS,
            &be(id),
            &record,
        )?;
        match self.store.backend.apply(batch) {
            Ok(_) => {}
            Err(e) if super::restricted::restriction_moved(&e) => {
                return Err(StoreError::Conflict(case.concern.reference.clone()));
            }
            // The counter only moves forward: an id in use means it was
            // set back outside casebook (issue 10).
            Err(StoreError::Stale { .. }) => {
                return Err(StoreError::Tampered(format!(
                    "the store's numbering is behind its records: {} is already in use, so the referral was not \
                     recorded",
                    referral_label(id)
                )));
            }
            Err(e) => return Err(e),
        }
        self.store.backend.note_access(self.me, super::audit::Access::ChangedConcern(case_id));
        // S-a, PRODUCT 7b: the concern's chronology says so; a closed
        // concern (an outcome recorded later) has no chronology to join.
        let text = format!("{}: {}: {}", record.label(), record.kind.label(), record.details());
        let at = record.date.and_hms_opt(12, 0, 0).unwrap_or(now).min(now);
        self.note_record(case_id, case.status, &record.label(), at, &text, now)?;
        Ok(record)
    }

    /// Writes a referral's or search's entry in its concern's chronology
    /// (issue 13). The record is saved already: a failure says so.
    /// `status`: the concern's, as the caller read it (not read again).
    pub(crate) fn note_record(
        &mut self,
        case_id: u32,
        status: crate::domain::Status,
        label: &str,
        at: chrono::NaiveDateTime,
        text: &str,
        now: chrono::NaiveDateTime,
    ) -> Result<(), StoreError> {
        if status == crate::domain::Status::Closed {
            return Ok(());
        }
        self.update_case(case_id, |case, _, me| case.note_record(at, text, me, now)).map(|_| ()).map_err(|e| {
            StoreError::Input(format!("{label} was recorded, but its concern's chronology does not say so: {e}"))
        })
    }

    /// Every referral that opens; one that does not is named and skipped
    /// (issue 11).
    pub fn all_referrals(&self) -> Result<Listed<Vec<Referral>>, StoreError> {
        self.require(AccessClass::Case, "read referrals")?;
        let mut out = self.open_each(REFERRALS, "referral", Self::open_referral, referral_label)?;
        out.items.sort_by_key(|r| (r.date, r.id));
        Ok(out)
    }

    /// One concern's referrals, every entry (corrected ones too), oldest first.
    pub fn referrals(&self, case_id: u32) -> Result<Listed<Vec<Referral>>, StoreError> {
        self.of_case(case_id, Self::all_referrals, |r| r.case_id)
    }

    pub(crate) fn open_referral(&self, id: u32, sealed: &[u8]) -> Result<Referral, StoreError> {
        let r: Referral =
            self.open_for_case(REFERRALS, &be(id), sealed).map_err(|e| super::relabel(e, &referral_label(id)))?;
        if r.id != id {
            return Err(corrupt(referral_label(id), format!("it holds {}", r.label())));
        }
        Ok(r)
    }

    /// A concern's open deadlines on `today` (S-b), counted in working days
    /// with the school's term dates.
    pub fn deadlines(&self, case_id: u32, today: chrono::NaiveDate) -> Result<Vec<Deadline>, StoreError> {
        let case = self.case(case_id)?;
        let row = crate::domain::CaseSummary::of(case_id, 0, &case, self.catalogue());
        let referrals = self.referrals(case_id)?;
        let calendar = self.calendar()?;
        Ok(referral::deadlines(&row, &referral::current(&referrals), self.catalogue(), &calendar, today))
    }
}

impl Session {
    /// What needs doing today (issue 13), for the DSL and deputies: new,
    /// unassigned and urgent untriaged concerns, and every deadline due
    /// today or overdue, in working days with the school's term dates.
    /// Damaged records are named beside the list (issue 11).
    pub fn today(
        &mut self,
        today: chrono::NaiveDate,
    ) -> Result<Listed<Vec<crate::domain::today::TodayItem>>, StoreError> {
        self.require(AccessClass::Case, "see what is due today")?;
        let board = self.board()?;
        let referrals = self.all_referrals()?;
        let calendar = self.calendar()?;
        let by_case = referral::by_case(&referral::current(&referrals));
        let deadlines: Vec<Deadline> = board
            .rows
            .iter()
            .flat_map(|row| {
                let mine = by_case.get(&row.id).map_or(&[][..], Vec::as_slice);
                referral::deadlines(row, mine, self.catalogue(), &calendar, today)
            })
            .collect();
        // P5-e: approvals expired or expiring soon join the list.
        let approvals = self.register_entries()?;
        let mut items = crate::domain::today::today_list(&board.rows, &deadlines, &approvals, &calendar, today);
        // P6.1-b: devices held longer than the school's limit.
        let devices = self.custody_register()?;
        items.extend(crate::domain::today::held_devices(&devices, &board.rows, &calendar, today));
        // P6.1-h: devices that may hold an offence go to the police at once.
        items.extend(crate::domain::today::devices_for_police(
            &devices,
            &board.rows,
            self.catalogue(),
            &calendar,
            today,
        ));
        // S-d: the closed concerns past retention, one line for them all.
        let past = self.past_retention(today)?;
        items.extend(crate::domain::today::past_retention(past.len(), today));
        crate::domain::today::sort_today(&mut items);
        let mut out = Listed::new(items);
        // Each list's damaged records are named (the registers' were lost
        // when the board's replaced them; found in review).
        out.damaged = board.problems;
        out.damaged.extend(approvals.damaged.iter().cloned());
        out.damaged.extend(referrals.damaged);
        out.damaged.extend(devices.damaged);
        out.damaged.extend(past.damaged);
        Ok(out)
    }
}
