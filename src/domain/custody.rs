//! Device custody (policy §6.1): a device confiscated by staff (P6.1-a) is
//! held securely in the school office and released to parents/carers
//! (P6.1-b), or handed to the police with their reference when it may hold
//! illegal data or evidence of an offence (P6.1-d, P6.1-h).
//!
//! One record per device, naming its concern: the confiscation (the
//! device, its owner, who took it, when, why, where it is held) and then a
//! chain of events, each appended: moved, returned to a named parent/carer,
//! handed to the police. The chain is extended, never edited: a correction
//! is a new event that supersedes the one it corrects, and both are kept
//! (S-a, S-c). A concern cannot close while one of its devices is held
//! (P6.1-b; the store refuses it).

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::calendar::Calendar;
use super::concern::{Author, FieldError};
use super::limits::{self, NAME_CHARS, NOTE_BYTES};
use super::person::PersonId;

pub type CustodyId = u32;

/// Where a confiscated device is held unless the form says otherwise
/// (policy §6.1: "They will be held in the school office").
pub const DEFAULT_HELD_AT: &str = "the school office";

/// How many school days a device may be held before the Today screen
/// lists it (P6.1-b: devices are released to parents/carers; a device
/// still in the office after a school week needs someone to act).
pub const HELD_LIMIT_WORKING_DAYS: u32 = 5;

/// "DV-0003": how people name a device in custody.
pub fn custody_label(id: CustodyId) -> String {
    format!("DV-{id:04}")
}

/// "DV-0003", "dv-3" or "3" to an id.
pub fn parse_custody_label(text: &str) -> Option<CustodyId> {
    let t = text.trim();
    let digits = t.strip_prefix("DV-").or_else(|| t.strip_prefix("dv-")).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// What happened to a device after it was confiscated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustodyMove {
    /// Moved to another secure place (P6.1-b).
    Moved { to: String },
    /// Released to a named parent/carer (P6.1-b): who released it, who
    /// collected it, and whether they signed for it.
    Returned { released_by: String, collected_by: String, signature: bool },
    /// Handed to the police (P6.1-d, P6.1-h), with their reference.
    Police { reference: String, officer: String },
    /// The event it corrects was recorded in error; it no longer counts.
    /// A right one, if any, is recorded after it.
    Correction,
}

impl CustodyMove {
    /// What a command takes: `move`, `return`, `police`, `correction`.
    pub fn id(&self) -> &'static str {
        match self {
            CustodyMove::Moved { .. } => "moved",
            CustodyMove::Returned { .. } => "returned",
            CustodyMove::Police { .. } => "police",
            CustodyMove::Correction => "correction",
        }
    }

    /// One line: "moved to the head's office", "returned to Mrs Carer Ash
    /// (collected; released by Ms Office Oak; signed)".
    pub fn words(&self) -> String {
        match self {
            CustodyMove::Moved { to } => format!("moved to {to}"),
            CustodyMove::Returned { released_by, collected_by, signature } => format!(
                "returned to {collected_by} (released by {released_by}; {})",
                if *signature { "signature taken" } else { "no signature" }
            ),
            CustodyMove::Police { reference, officer } => {
                let who = if officer.is_empty() { String::new() } else { format!(", {officer}") };
                format!("handed to the police (ref {reference}{who})")
            }
            CustodyMove::Correction => "recorded in error".into(),
        }
    }
}

/// One event in a device's chain. Event 1 is the confiscation (the
/// record's own fields); later ones are numbered from 2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyEvent {
    pub seq: u32,
    /// When it happened (may be before it was written down).
    pub at: NaiveDateTime,
    pub change: CustodyMove,
    /// Why, or anything else worth keeping.
    pub note: String,
    /// The event this one corrects (S-a: both are kept).
    pub corrects: Option<u32>,
    pub recorded_by: Author,
    pub recorded_at: NaiveDateTime,
}

/// Where a device is now, worked out from its chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Whereabouts {
    /// Still in the school's custody, at this place, since this time.
    Held { at: String, since: NaiveDateTime },
    /// Back with a parent/carer.
    Returned { to: String, on: NaiveDateTime },
    /// With the police.
    Police { reference: String, on: NaiveDateTime },
}

impl Whereabouts {
    pub fn is_held(&self) -> bool {
        matches!(self, Whereabouts::Held { .. })
    }

    /// At most about 24 characters, for 80 columns: the place it is held,
    /// "returned 2026-11-24", "police CR/0042/26".
    pub fn short_words(&self) -> String {
        match self {
            Whereabouts::Held { at, .. } => at.clone(),
            Whereabouts::Returned { on, .. } => format!("returned {}", on.format("%Y-%m-%d")),
            Whereabouts::Police { reference, .. } => format!("police {reference}"),
        }
    }

    pub fn words(&self) -> String {
        match self {
            Whereabouts::Held { at, .. } => format!("held in {at}"),
            Whereabouts::Returned { to, on } => format!("returned to {to} on {}", on.format("%Y-%m-%d")),
            Whereabouts::Police { reference, on } => {
                format!("with the police (ref {reference}) since {}", on.format("%Y-%m-%d"))
            }
        }
    }
}

/// A confiscated device and its chain of custody.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Custody {
    pub id: CustodyId,
    /// The concern it belongs to: its store id and reference.
    pub case_id: u32,
    pub case_reference: String,
    /// The catalogue's device id (P1-c): "mobile-phone" …
    pub device: String,
    /// Make, colour, case: enough to hand back the right one.
    pub description: String,
    /// The owner's name, and their person record when they are on record.
    pub owner: String,
    pub owner_person: Option<PersonId>,
    /// P6.1-a: who confiscated it, when and why.
    pub confiscated_by: String,
    pub confiscated_at: NaiveDateTime,
    pub reason: String,
    /// P6.1-b: where it was put.
    pub held_at: String,
    /// Every later event, in the order recorded.
    pub events: Vec<CustodyEvent>,
    pub recorded_by: Author,
    pub recorded_at: NaiveDateTime,
}

/// What a confiscation form or command supplies; the store adds the id,
/// the concern, who recorded it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustody {
    pub device: String,
    pub description: String,
    pub owner: String,
    pub owner_person: Option<PersonId>,
    /// Empty: the member recording it.
    pub confiscated_by: String,
    pub confiscated_at: NaiveDateTime,
    pub reason: String,
    /// Empty: [`DEFAULT_HELD_AT`].
    pub held_at: String,
}

/// A later event, as a form or command supplies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustodyEvent {
    pub at: NaiveDateTime,
    pub change: CustodyMove,
    pub note: String,
    pub corrects: Option<u32>,
}

fn over(errors: &mut Vec<FieldError>, field: &'static str, problem: Option<String>) {
    if let Some(message) = problem {
        errors.push(FieldError { field, message });
    }
}

impl NewCustody {
    /// What is missing or wrong, by field. `catalogue_has`: whether the
    /// device id is in the school's catalogue.
    pub fn validate(&self, catalogue_has: bool, now: NaiveDateTime) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !catalogue_has {
            errors.push(FieldError {
                field: "device",
                message: format!("{:?} is not a device in the catalogue", self.device),
            });
        }
        if self.owner.trim().is_empty() && self.owner_person.is_none() {
            errors.push(FieldError {
                field: "owner",
                message: "name the device's owner (a person on record, or their name)".into(),
            });
        }
        if self.reason.trim().is_empty() {
            errors.push(FieldError {
                field: "reason",
                message: "say why it was confiscated (P6.1-a: believed used against the child protection or \
                          behaviour policy)"
                    .into(),
            });
        }
        if self.confiscated_at > now + chrono::Duration::minutes(5) {
            errors.push(FieldError { field: "when", message: "a confiscation cannot be dated in the future".into() });
        }
        for (field, text) in [
            ("description", &self.description),
            ("owner", &self.owner),
            ("by", &self.confiscated_by),
            ("held_at", &self.held_at),
        ] {
            over(&mut errors, field, limits::over_chars(text, NAME_CHARS));
        }
        over(&mut errors, "reason", limits::over_bytes(&self.reason, NOTE_BYTES));
        errors
    }
}

impl NewCustody {
    /// P6.1-a: a device is confiscated in connection with its concern, so
    /// not before the day the concern happened (1900-01-01 is a slip; issue
    /// 13 review). A confiscation in the future is refused by
    /// [`NewCustody::validate`]. The store's caller checks it with the case.
    pub fn check_against(&self, concern: &super::concern::Concern) -> Result<(), String> {
        let happened = concern.occurred_at.date().min(concern.reported_at.date());
        if self.confiscated_at.date() < happened {
            return Err(format!(
                "the confiscation ({}) is dated before the concern happened ({}): check the date; nothing was saved",
                self.confiscated_at.format("%Y-%m-%d %H:%M"),
                happened
            ));
        }
        Ok(())
    }
}

impl Custody {
    pub fn label(&self) -> String {
        custody_label(self.id)
    }

    /// Whether a later event corrects event `seq`.
    pub fn is_corrected(&self, seq: u32) -> bool {
        self.events.iter().any(|e| e.corrects == Some(seq))
    }

    /// The events that count: not corrections, not corrected.
    pub fn standing_events(&self) -> impl Iterator<Item = &CustodyEvent> {
        self.events.iter().filter(|e| e.change != CustodyMove::Correction && !self.is_corrected(e.seq))
    }

    /// Where the device is now.
    pub fn whereabouts(&self) -> Whereabouts {
        let mut now = Whereabouts::Held { at: self.held_at.clone(), since: self.confiscated_at };
        for e in self.standing_events() {
            now = match &e.change {
                CustodyMove::Moved { to } => Whereabouts::Held { at: to.clone(), since: e.at },
                CustodyMove::Returned { collected_by, .. } => {
                    Whereabouts::Returned { to: collected_by.clone(), on: e.at }
                }
                CustodyMove::Police { reference, .. } => Whereabouts::Police { reference: reference.clone(), on: e.at },
                CustodyMove::Correction => now,
            };
        }
        now
    }

    pub fn is_held(&self) -> bool {
        self.whereabouts().is_held()
    }

    /// Whether the register's search finds it: `query` (accent- and
    /// case-blind) in its owner, description, device, concern, label, where
    /// it was put or where it is now. Released and handed-over devices stay
    /// findable (P6.1-b): "the phone Mrs Rook collected".
    pub fn mentions(&self, query: &str) -> bool {
        let query = super::fold::fold(query.trim());
        query.is_empty()
            || [
                &self.owner,
                &self.description,
                &self.device,
                &self.case_reference,
                &self.held_at,
                &self.label(),
                &self.whereabouts().words(),
            ]
            .iter()
            .any(|t| super::fold::fold(t).contains(&query))
    }

    /// The device as people say it: "Mobile phone (black, cracked case)".
    pub fn device_words(&self, device_label: &str) -> String {
        if self.description.is_empty() {
            device_label.to_string()
        } else {
            format!("{device_label} ({})", self.description)
        }
    }

    /// School days held by `today` (0 the day it was taken), while held.
    pub fn working_days_held(&self, calendar: &Calendar, today: NaiveDate) -> u32 {
        calendar.working_days_overdue(self.confiscated_at.date(), today)
    }

    /// The day it is held too long from (P6.1-b).
    pub fn due_back(&self, calendar: &Calendar) -> NaiveDate {
        calendar.add_working_days(self.confiscated_at.date(), HELD_LIMIT_WORKING_DAYS)
    }

    /// Checks `new` against the chain and appends it, numbered after the
    /// last. The chain only grows: nothing before it changes.
    pub fn extend(&mut self, new: NewCustodyEvent, by: &Author, now: NaiveDateTime) -> Result<&CustodyEvent, String> {
        let label = self.label();
        if new.at > now + chrono::Duration::minutes(5) {
            return Err(format!("{label}: an event cannot be dated in the future; nothing was saved"));
        }
        if new.at < self.confiscated_at {
            return Err(format!(
                "{label}: {} is before it was confiscated ({}); nothing was saved",
                new.at.format("%Y-%m-%d %H:%M"),
                self.confiscated_at.format("%Y-%m-%d %H:%M")
            ));
        }
        let mut errors = Vec::new();
        over(&mut errors, "note", limits::over_bytes(&new.note, NOTE_BYTES));
        match &new.change {
            CustodyMove::Moved { to } => {
                if to.trim().is_empty() {
                    return Err(format!("{label}: say where it was moved to; nothing was saved"));
                }
                over(&mut errors, "to", limits::over_chars(to, NAME_CHARS));
            }
            CustodyMove::Returned { released_by, collected_by, .. } => {
                if collected_by.trim().is_empty() || released_by.trim().is_empty() {
                    return Err(format!(
                        "{label}: name the parent/carer who collected it and who released it (P6.1-b); nothing was \
                         saved"
                    ));
                }
                over(&mut errors, "collected_by", limits::over_chars(collected_by, NAME_CHARS));
                over(&mut errors, "released_by", limits::over_chars(released_by, NAME_CHARS));
            }
            CustodyMove::Police { reference, officer } => {
                if reference.trim().is_empty() {
                    return Err(format!("{label}: record the police reference (P6.1-d); nothing was saved"));
                }
                over(&mut errors, "reference", limits::over_chars(reference, NAME_CHARS));
                over(&mut errors, "officer", limits::over_chars(officer, NAME_CHARS));
            }
            CustodyMove::Correction => {
                if new.corrects.is_none() {
                    return Err(format!("{label}: a correction names the event it corrects; nothing was saved"));
                }
                if new.note.trim().is_empty() {
                    return Err(format!("{label}: say what was wrong with the event it corrects; nothing was saved"));
                }
            }
        }
        if let Some(e) = errors.first() {
            return Err(format!("{label}: {} {}; nothing was saved", e.field, e.message));
        }
        match new.corrects {
            Some(seq) => {
                let Some(old) = self.events.iter().find(|e| e.seq == seq) else {
                    return Err(if seq == 1 {
                        format!(
                            "{label}: the confiscation itself is not corrected; record what happened next instead; \
                             nothing was saved"
                        )
                    } else {
                        format!("{label} has no event {seq}; nothing was saved")
                    });
                };
                if old.change == CustodyMove::Correction {
                    return Err(format!("{label}: event {seq} is a correction; record the right event instead"));
                }
                if self.is_corrected(seq) {
                    return Err(format!("{label}: event {seq} was corrected already; nothing was saved"));
                }
                // Correcting an event other than the latest that counts
                // would rewrite the middle of the chain's meaning: only the
                // latest one is put right this way.
                if self.standing_events().last().map(|e| e.seq) != Some(seq) {
                    return Err(format!(
                        "{label}: only its latest event can be corrected (event {seq} is not); record what happened \
                         next instead; nothing was saved"
                    ));
                }
            }
            None => {
                if !self.is_held() {
                    return Err(format!(
                        "{label} is no longer held ({}); correct that event if it was recorded in error",
                        self.whereabouts().words()
                    ));
                }
            }
        }
        // A correction that replaces (not just voids) its event must leave
        // the device somewhere that follows from the chain before it.
        if new.corrects.is_some() && new.change != CustodyMove::Correction {
            let mut trial = self.clone();
            let seq = new.corrects.unwrap_or(0);
            trial.events.push(CustodyEvent {
                seq: u32::MAX,
                at: new.at,
                change: CustodyMove::Correction,
                note: String::new(),
                corrects: Some(seq),
                recorded_by: by.clone(),
                recorded_at: now,
            });
            if !trial.is_held() {
                return Err(format!("{label}: that would move a device that is no longer held; nothing was saved"));
            }
        }
        let seq = self.events.last().map_or(2, |e| e.seq + 1);
        self.events.push(CustodyEvent {
            seq,
            at: new.at,
            change: trim_move(new.change),
            note: new.note.trim().to_string(),
            corrects: new.corrects,
            recorded_by: by.clone(),
            recorded_at: now,
        });
        Ok(self.events.last().expect("just pushed"))
    }

    /// The chain as text, oldest first: the confiscation, then each event,
    /// corrections marked.
    pub fn chain_text(&self, device_label: &str) -> String {
        let mut out = format!(
            "{} {} of {}{}: {}\n",
            self.label(),
            self.device_words(device_label),
            self.owner,
            self.owner_person.map(|p| format!(" {}", super::person::person_label(p))).unwrap_or_default(),
            self.whereabouts().words()
        );
        out.push_str(&format!(
            "    1. {} confiscated by {} and held in {}: {}\n",
            self.confiscated_at.format("%Y-%m-%d %H:%M"),
            self.confiscated_by,
            self.held_at,
            self.reason
        ));
        for e in &self.events {
            let mark = match (self.events.iter().find(|o| o.corrects == Some(e.seq)), e.corrects) {
                (Some(by), _) => format!(" [corrected by event {}]", by.seq),
                (None, Some(of)) => format!(" [corrects event {of}]"),
                _ => String::new(),
            };
            let note = if e.note.is_empty() { String::new() } else { format!(": {}", e.note) };
            out.push_str(&format!(
                "    {}. {} {}{note}{mark} (recorded by {})\n",
                e.seq,
                e.at.format("%Y-%m-%d %H:%M"),
                e.change.words(),
                e.recorded_by.name
            ));
        }
        out
    }
}

fn trim_move(change: CustodyMove) -> CustodyMove {
    match change {
        CustodyMove::Moved { to } => CustodyMove::Moved { to: to.trim().to_string() },
        CustodyMove::Returned { released_by, collected_by, signature } => CustodyMove::Returned {
            released_by: released_by.trim().to_string(),
            collected_by: collected_by.trim().to_string(),
            signature,
        },
        CustodyMove::Police { reference, officer } => {
            CustodyMove::Police { reference: reference.trim().to_string(), officer: officer.trim().to_string() }
        }
        CustodyMove::Correction => CustodyMove::Correction,
    }
}

/// The register (P6.1-b): devices held now first, longest held first;
/// then the rest, most recently confiscated first.
pub fn register_order(all: &mut [Custody]) {
    all.sort_by(|a, b| {
        (!a.is_held(), a.is_held().then_some(a.confiscated_at), std::cmp::Reverse(a.confiscated_at), a.id).cmp(&(
            !b.is_held(),
            b.is_held().then_some(b.confiscated_at),
            std::cmp::Reverse(b.confiscated_at),
            b.id,
        ))
    });
}

/// The refusal to close a concern with a device still held (P6.1-b),
/// naming the device; `None` when none is held.
pub fn closure_refusal(reference: &str, devices: &[Custody], device_label: impl Fn(&str) -> String) -> Option<String> {
    let held: Vec<String> = devices
        .iter()
        .filter(|c| c.is_held())
        .map(|c| format!("{} {} of {} ({})", c.label(), device_label(&c.device), c.owner, c.whereabouts().words()))
        .collect();
    (!held.is_empty()).then(|| {
        format!(
            "{reference} cannot close while a device it holds is still in custody (P6.1-b): {}. Return it or hand it \
             to the police first",
            held.join("; ")
        )
    })
}

/// The custody section of a case file (`casebook show`).
pub fn custody_text(devices: &[Custody], device_label: impl Fn(&str) -> String) -> String {
    let mut out = String::from("\nDevices in custody (P6.1-b)\n");
    if devices.is_empty() {
        out.push_str("  none recorded\n");
    }
    for c in devices {
        for line in c.chain_text(&device_label(&c.device)).lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }

    fn dsl() -> Author {
        Author { member: 1, name: "Ms Dee Ess-Ell".into() }
    }

    fn phone(id: u32, case_id: u32, when: NaiveDateTime) -> Custody {
        Custody {
            id,
            case_id,
            case_reference: format!("C-2026-{case_id:04}"),
            device: "mobile-phone".into(),
            description: "black, cracked case".into(),
            owner: "Fictional Pupil".into(),
            owner_person: Some(12),
            confiscated_by: "Mr Invigilator Ivy".into(),
            confiscated_at: when,
            reason: "Found in an exam".into(),
            held_at: DEFAULT_HELD_AT.into(),
            events: Vec::new(),
            recorded_by: dsl(),
            recorded_at: when,
        }
    }

    fn ev(at: NaiveDateTime, change: CustodyMove) -> NewCustodyEvent {
        NewCustodyEvent { at, change, note: String::new(), corrects: None }
    }

    fn returned() -> CustodyMove {
        CustodyMove::Returned {
            released_by: "Ms Office Oak".into(),
            collected_by: "Mrs Carer Ash".into(),
            signature: true,
        }
    }

    /// P6.1-b: the chain is extended, never edited; a device that left the
    /// school is not moved again; a correction voids only the latest event
    /// and both are kept.
    #[test]
    fn the_chain_is_extended_never_edited() {
        let mut c = phone(1, 7, at(23, 10));
        assert_eq!(c.whereabouts(), Whereabouts::Held { at: "the school office".into(), since: at(23, 10) });
        c.extend(ev(at(23, 12), CustodyMove::Moved { to: "the head's safe".into() }), &dsl(), at(23, 12)).unwrap();
        assert_eq!(c.whereabouts().words(), "held in the head's safe");
        let before = c.events.clone();
        c.extend(ev(at(24, 15), returned()), &dsl(), at(24, 15)).unwrap();
        assert_eq!(c.events[..before.len()], before[..], "earlier events are unchanged");
        assert!(!c.is_held());
        assert_eq!(c.whereabouts().words(), "returned to Mrs Carer Ash on 2026-11-24");
        // Gone from the school: no further move, unless the return is corrected.
        let err = c.extend(ev(at(24, 16), CustodyMove::Moved { to: "the office".into() }), &dsl(), at(24, 16));
        assert!(err.unwrap_err().contains("no longer held"));
        // Only the latest event is corrected, and only once.
        let mut fix = ev(at(24, 16), CustodyMove::Correction);
        fix.corrects = Some(2);
        fix.note = "wrong phone".into();
        assert!(c.extend(fix.clone(), &dsl(), at(24, 16)).unwrap_err().contains("only its latest event"));
        fix.corrects = Some(3);
        c.extend(fix.clone(), &dsl(), at(24, 16)).unwrap();
        assert!(c.is_held(), "the return was recorded in error");
        assert_eq!(c.events.len(), 3, "both are kept");
        assert!(c.extend(fix, &dsl(), at(24, 17)).unwrap_err().contains("corrected already"));
        let text = c.chain_text("Mobile phone");
        assert!(text.contains("3. 2026-11-24 15:00 returned to Mrs Carer Ash (released by Ms Office Oak; signature taken) [corrected by event 4]"), "{text}");
        assert!(text.contains("4. 2026-11-24 16:00 recorded in error: wrong phone [corrects event 3]"), "{text}");
        // The confiscation is not corrected, nor an event before it dated.
        let mut first = ev(at(24, 17), CustodyMove::Correction);
        first.corrects = Some(1);
        first.note = "x".into();
        assert!(c.extend(first, &dsl(), at(24, 17)).unwrap_err().contains("confiscation itself"));
        assert!(c.extend(ev(at(22, 9), returned()), &dsl(), at(24, 17)).unwrap_err().contains("before it was"));
    }

    /// P6.1-d, P6.1-h: handed to the police with their reference.
    #[test]
    fn a_device_handed_to_the_police_needs_their_reference() {
        let mut c = phone(2, 7, at(23, 10));
        let none = CustodyMove::Police { reference: " ".into(), officer: String::new() };
        assert!(c.extend(ev(at(23, 11), none), &dsl(), at(23, 11)).unwrap_err().contains("police reference"));
        let police = CustodyMove::Police { reference: "CR/0042/26".into(), officer: "PC Fictional".into() };
        c.extend(ev(at(23, 11), police), &dsl(), at(23, 11)).unwrap();
        assert_eq!(c.whereabouts().words(), "with the police (ref CR/0042/26) since 2026-11-23");
    }

    /// P6.1-b: the refusal names the device held; returned ones do not block.
    #[test]
    fn a_concern_with_a_device_held_cannot_close() {
        let mut a = phone(1, 7, at(23, 10));
        let b = phone(2, 7, at(23, 11));
        let label = |id: &str| if id == "mobile-phone" { "Mobile phone".to_string() } else { id.to_string() };
        let refusal = closure_refusal("C-2026-0007", &[a.clone(), b.clone()], label).unwrap();
        assert!(refusal.starts_with("C-2026-0007 cannot close while a device it holds is still in custody (P6.1-b): DV-0001 Mobile phone of Fictional Pupil (held in the school office); DV-0002"), "{refusal}");
        a.extend(ev(at(24, 9), returned()), &dsl(), at(24, 9)).unwrap();
        let refusal = closure_refusal("C-2026-0007", &[a.clone(), b], label).unwrap();
        assert!(!refusal.contains("DV-0001"), "{refusal}");
        assert_eq!(closure_refusal("C-2026-0007", &[a], label), None);
    }

    #[test]
    fn the_register_lists_held_devices_longest_held_first() {
        let mut returned_one = phone(1, 7, at(2, 9));
        returned_one.extend(ev(at(3, 9), returned()), &dsl(), at(3, 9)).unwrap();
        let mut all = vec![returned_one, phone(2, 8, at(20, 9)), phone(3, 9, at(10, 9)), phone(4, 9, at(25, 9))];
        register_order(&mut all);
        assert_eq!(all.iter().map(|c| c.id).collect::<Vec<_>>(), vec![3, 2, 4, 1]);
        let cal = Calendar::weekends_only();
        // Confiscated Tuesday 10 November: five school days later is the 17th.
        assert_eq!(all[0].due_back(&cal), NaiveDate::from_ymd_opt(2026, 11, 17).unwrap());
        assert_eq!(all[0].working_days_held(&cal, NaiveDate::from_ymd_opt(2026, 11, 17).unwrap()), 5);
    }

    #[test]
    fn a_confiscation_names_the_device_owner_and_reason() {
        let new = NewCustody {
            device: "toaster".into(),
            description: String::new(),
            owner: " ".into(),
            owner_person: None,
            confiscated_by: String::new(),
            confiscated_at: at(30, 9),
            reason: String::new(),
            held_at: String::new(),
        };
        let fields: Vec<&str> = new.validate(false, at(23, 9)).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["device", "owner", "reason", "when"]);
        assert_eq!(parse_custody_label("DV-0003"), Some(3));
        assert_eq!(parse_custody_label("3"), Some(3));
        assert_eq!(parse_custody_label("DV-x"), None);
    }
}
