//! What needs the DSL and deputies today (issue 13): the Today screen and
//! `casebook today`. Urgent concerns not yet triaged come first (P6.1-c:
//! "refer urgently"), then everything else soonest first: new concerns
//! and open ones nobody holds, referral deadlines (S-b, P6-b) and reviews
//! due today or overdue, by how many working days.
//!
//! Devices held longer than the school's limit (P6.1-b:
//! [`held_devices`]) join it; approvals about to expire (P5-e) will when
//! their register exists: each is another [`TodayKind`] with its own due
//! date, sorted with the rest ([`sort_today`]).

use chrono::NaiveDate;
use serde::Serialize;

use super::calendar::Calendar;
use super::catalogue::Catalogue;
use super::concern::{Status, Urgency};
use super::custody::{Custody, CustodyId, custody_label};
use super::referral::{Deadline, DeadlineKind, Standing};
use super::register::RegisterEntry;
use super::summary::CaseSummary;

/// Why a concern is on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TodayKind {
    /// Urgent and not yet triaged (P6.1-c and the other urgent categories).
    UrgentUntriaged,
    /// New: reported, not yet triaged.
    New,
    /// Triaged and open, but nobody holds it.
    Unassigned,
    /// A deadline due today or overdue.
    Deadline(DeadlineKind),
    /// P6.1-b: a device held longer than the school's limit.
    DeviceHeld(CustodyId),
    /// P6.1-h: a device still in school on a concern about data that may
    /// be a specified offence: to the police as soon as practicable, due
    /// from the day it was confiscated.
    ToPolice(CustodyId),
    /// P5-e: a remote-learning approval expired or expiring within
    /// [`super::register::EXPIRY_NOTICE_DAYS`]; on no concern (its
    /// `reference` is the entry's label, its `case_id` 0).
    Approval,
    /// S-d: this many closed concerns past retention, one line for them
    /// all; on no concern (`reference` "retention", `case_id` 0).
    PastRetention(u32),
}

impl TodayKind {
    /// What to do, in a few words.
    pub fn words(self) -> String {
        match self {
            TodayKind::UrgentUntriaged => "URGENT: triage now".into(),
            TodayKind::New => "new: triage".into(),
            TodayKind::Unassigned => "assign someone".into(),
            TodayKind::Deadline(k) => k.words(),
            // The limit is HELD_LIMIT_WORKING_DAYS school days; "overdue"
            // counts from when it ran out.
            TodayKind::DeviceHeld(id) => format!("device {} held too long (P6.1-b)", custody_label(id)),
            TodayKind::ToPolice(id) => format!("device {} to the police (P6.1-h)", custody_label(id)),
            TodayKind::Approval => "review remote-learning approval".into(),
            TodayKind::PastRetention(n) => {
                format!("{n} record{} past retention (S-d)", if n == 1 { "" } else { "s" })
            }
        }
    }

    /// The same in at most 24 characters, for 80 columns.
    pub fn short_words(self) -> String {
        match self {
            TodayKind::Deadline(k) => k.short_words(),
            TodayKind::DeviceHeld(id) => format!("device {} held", custody_label(id)),
            TodayKind::ToPolice(id) => format!("{} to police", custody_label(id)),
            TodayKind::Approval => "review approval".into(),
            TodayKind::PastRetention(n) => format!("{n} past retention"),
            other => other.words(),
        }
    }
}

/// One thing to do today, on one concern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TodayItem {
    pub case_id: u32,
    pub reference: String,
    pub kind: TodayKind,
    /// When it was due: the deadline, or the day the concern was reported.
    pub due: NaiveDate,
    pub standing: Standing,
    pub category: String,
}

impl TodayItem {
    /// How it stands: "overdue 2 working days", "due today"; for a concern
    /// waiting to be triaged or assigned, how long it has waited.
    pub fn when_words(&self) -> String {
        match (self.kind, self.standing) {
            (TodayKind::Deadline(_) | TodayKind::DeviceHeld(_) | TodayKind::ToPolice(_) | TodayKind::Approval, s) => {
                s.words(self.due)
            }
            (TodayKind::PastRetention(_), _) => "due for disposal".into(),
            (_, Standing::Overdue(1)) => "waiting 1 working day".into(),
            (_, Standing::Overdue(n)) => format!("waiting {n} working days"),
            // Reported before a closure, seen during it: no working day
            // yet, but not today either.
            (_, Standing::PastDue) => format!("waiting since {}", self.due.format("%a %-d %b")),
            _ => "reported today".into(),
        }
    }

    /// The same in at most 9 characters, for 80 columns.
    pub fn short_when(&self) -> String {
        match (self.kind, self.standing) {
            (TodayKind::Deadline(_) | TodayKind::DeviceHeld(_) | TodayKind::ToPolice(_) | TodayKind::Approval, s) => {
                s.short_words(self.due)
            }
            (TodayKind::PastRetention(_), _) => "due".into(),
            (_, Standing::Overdue(n)) => format!("{n}wd"),
            (_, Standing::PastDue) => self.due.format("since %a").to_string(),
            _ => "today".into(),
        }
    }
}

/// Everything due today or overdue on the open concerns `rows`, given each
/// concern's deadlines (see [`super::referral::deadlines`]), and the
/// remote-learning approvals expired or expiring soon (P5-e).
pub fn today_list(
    rows: &[CaseSummary],
    deadlines: &[Deadline],
    approvals: &[RegisterEntry],
    calendar: &Calendar,
    today: NaiveDate,
) -> Vec<TodayItem> {
    // P5-g: a restricted allegation this member cannot read (its redacted
    // row) is passed over in silence: they may be its subject.
    let rows: Vec<&CaseSummary> = rows.iter().filter(|r| !super::restricted::is_redacted(r)).collect();
    let mut out = Vec::new();
    for r in rows.iter().filter(|r| r.status.is_open()) {
        let kind = match (r.status, r.urgency, r.assignee_id) {
            (Status::New, Urgency::Urgent, _) => Some(TodayKind::UrgentUntriaged),
            (Status::New, _, _) => Some(TodayKind::New),
            (_, _, None) => Some(TodayKind::Unassigned),
            _ => None,
        };
        if let Some(kind) = kind {
            let reported = r.reported_at.date();
            out.push(TodayItem {
                case_id: r.id,
                reference: r.reference.clone(),
                kind,
                due: reported,
                standing: Standing::of(reported, today, calendar),
                category: r.category.clone(),
            });
        }
    }
    // Each deadline's concern found by id, not by a pass over every row.
    let by_id: std::collections::HashMap<u32, &CaseSummary> = rows.iter().map(|r| (r.id, *r)).collect();
    for d in deadlines.iter().filter(|d| d.standing.is_due()) {
        let Some(r) = by_id.get(&d.case_id).filter(|r| r.status.is_open()) else { continue };
        out.push(TodayItem {
            case_id: d.case_id,
            reference: d.case_reference.clone(),
            kind: TodayKind::Deadline(d.kind),
            due: d.due,
            standing: d.standing,
            category: r.category.clone(),
        });
    }
    for e in approvals.iter().filter(|e| e.expiring(today) && !e.renewed_in(approvals)) {
        let Some(until) = e.until else { continue };
        out.push(TodayItem {
            case_id: 0,
            reference: e.label(),
            kind: TodayKind::Approval,
            due: until,
            standing: Standing::of(until, today, calendar),
            category: "remote-learning".into(),
        });
    }
    sort_today(&mut out);
    out
}

/// S-d: one line for the closed concerns past retention, if any.
pub fn past_retention(count: usize, today: NaiveDate) -> Option<TodayItem> {
    (count > 0).then(|| TodayItem {
        case_id: 0,
        reference: "retention".into(),
        kind: TodayKind::PastRetention(u32::try_from(count).unwrap_or(u32::MAX)),
        due: today,
        standing: Standing::DueToday,
        category: String::new(),
    })
}

/// Urgent untriaged concerns first, then soonest first.
pub fn sort_today(items: &mut [TodayItem]) {
    items.sort_by(|a, b| {
        let urgent = |i: &TodayItem| i.kind != TodayKind::UrgentUntriaged;
        (urgent(a), a.due, &a.reference).cmp(&(urgent(b), b.due, &b.reference))
    });
}

/// P6.1-b: every device still held on `today` that has been held more than
/// [`super::custody::HELD_LIMIT_WORKING_DAYS`] school days, due from the day the limit
/// ran out. Add them to [`today_list`]'s and [`sort_today`] again.
pub fn held_devices(
    devices: &[Custody],
    rows: &[CaseSummary],
    calendar: &Calendar,
    today: NaiveDate,
) -> Vec<TodayItem> {
    let by_id: std::collections::HashMap<u32, &CaseSummary> = rows.iter().map(|r| (r.id, r)).collect();
    devices
        .iter()
        .filter(|c| c.is_held())
        .filter_map(|c| {
            let due = c.due_back(calendar);
            let standing = Standing::of(due, today, calendar);
            standing.is_due().then(|| TodayItem {
                case_id: c.case_id,
                reference: c.case_reference.clone(),
                kind: TodayKind::DeviceHeld(c.id),
                due,
                standing,
                category: by_id.get(&c.case_id).map(|r| r.category.clone()).unwrap_or_default(),
            })
        })
        .collect()
}

/// P6.1-h: "data or files … they suspect might constitute a specified
/// offence … will be delivered to the police as soon as is reasonably
/// practicable". Every device still held on a concern whose category is
/// about such data ([`super::catalogue::Category::suspects_offence`]) is due from the day it
/// was confiscated until the chain says it went to the police (or was
/// returned, which the custody record then answers for).
pub fn devices_for_police(
    devices: &[Custody],
    rows: &[CaseSummary],
    catalogue: &Catalogue,
    calendar: &Calendar,
    today: NaiveDate,
) -> Vec<TodayItem> {
    let by_id: std::collections::HashMap<u32, &CaseSummary> = rows.iter().map(|r| (r.id, r)).collect();
    devices
        .iter()
        .filter(|c| c.is_held())
        .filter_map(|c| {
            let row = by_id.get(&c.case_id).filter(|r| r.status.is_open())?;
            catalogue.category(&row.category).filter(|cat| cat.suspects_offence())?;
            // Due the day it was confiscated, or the next working day
            // when the school was shut (as the LADO's and the examining
            // body's are): Sunday's is due Monday, not overdue on Monday.
            let due = calendar.next_working_day(c.confiscated_at.date());
            Some(TodayItem {
                case_id: c.case_id,
                reference: c.case_reference.clone(),
                kind: TodayKind::ToPolice(c.id),
                due,
                standing: Standing::of(due, today, calendar),
                category: row.category.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::concern::{Risk, SubjectKind};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn row(id: u32, status: Status, urgency: Urgency, reported: NaiveDate, assignee: Option<u32>) -> CaseSummary {
        CaseSummary {
            id,
            revision: 1,
            reference: format!("C-2026-{id:04}"),
            reported_at: reported.and_hms_opt(9, 0, 0).unwrap(),
            category: "other".into(),
            subject: "Fictional Pupil".into(),
            subject_kind: SubjectKind::Child,
            risk: (status != Status::New).then_some(Risk::Low),
            urgency,
            status,
            assignee: assignee.map(|_| "Mr Deputy Dunn".into()),
            assignee_id: assignee,
            next_review: None,
            restricted_location: false,
            closed_without_debrief: false,
            people: Vec::new(),
            pathway: None,
        }
    }

    #[test]
    fn urgent_first_then_soonest_first_in_working_days() {
        let cal = Calendar::weekends_only();
        let today = day(30); // a Monday
        let rows = vec![
            row(1, Status::New, Urgency::Routine, day(26), None),
            row(2, Status::New, Urgency::Urgent, day(30), None),
            row(3, Status::Triaged, Urgency::Routine, day(20), None),
            row(4, Status::InProgress, Urgency::Routine, day(2), Some(2)),
            row(5, Status::Closed, Urgency::Routine, day(2), None),
        ];
        let deadline = |case_id, kind, due| Deadline {
            case_id,
            case_reference: format!("C-2026-{case_id:04}"),
            kind,
            due,
            standing: Standing::of(due, today, &cal),
            referral: None,
        };
        let deadlines = vec![
            deadline(4, DeadlineKind::Lado, day(27)),
            deadline(4, DeadlineKind::Review, day(30)),
            deadline(4, DeadlineKind::Review, day(30) + chrono::Duration::days(3)),
            deadline(5, DeadlineKind::Lado, day(3)),
        ];
        let list = today_list(&rows, &deadlines, &[], &cal, today);
        let got: Vec<(u32, TodayKind, String)> = list.iter().map(|i| (i.case_id, i.kind, i.when_words())).collect();
        assert_eq!(
            got,
            vec![
                (2, TodayKind::UrgentUntriaged, "reported today".to_string()),
                (3, TodayKind::Unassigned, "waiting 6 working days".to_string()),
                (1, TodayKind::New, "waiting 2 working days".to_string()),
                (4, TodayKind::Deadline(DeadlineKind::Lado), "overdue 1 working day".to_string()),
                (4, TodayKind::Deadline(DeadlineKind::Review), "due today".to_string()),
            ]
        );
    }

    /// P5-g: a restricted allegation this member cannot read (its redacted
    /// row) is not on their Today, nor are its deadlines.
    #[test]
    fn a_restricted_allegation_the_member_cannot_read_is_left_out() {
        let cal = Calendar::weekends_only();
        let today = day(30);
        let shown = row(1, Status::New, Urgency::Routine, day(30), None);
        let hidden = crate::domain::restricted::redact(&row(2, Status::New, Urgency::Urgent, day(30), None));
        let deadline = Deadline {
            case_id: 2,
            case_reference: "C-2026-0002".into(),
            kind: DeadlineKind::Lado,
            due: day(27),
            standing: Standing::of(day(27), today, &cal),
            referral: None,
        };
        let list = today_list(&[shown, hidden], &[deadline], &[], &cal, today);
        let got: Vec<u32> = list.iter().map(|i| i.case_id).collect();
        assert_eq!(got, vec![1]);
    }

    /// P6.1-b: a device held past the school's limit is on Today, from the
    /// day the limit runs out, in school days; a returned one is not.
    #[test]
    fn devices_held_past_the_limit_are_due() {
        use crate::domain::concern::Author;
        use crate::domain::custody::{CustodyMove, NewCustodyEvent};
        let cal = Calendar::weekends_only();
        let rows = vec![row(4, Status::InProgress, Urgency::Routine, day(16), Some(2))];
        let custody = |id, on: NaiveDate| Custody {
            id,
            case_id: 4,
            case_reference: "C-2026-0004".into(),
            device: "mobile-phone".into(),
            description: String::new(),
            owner: "Fictional Pupil".into(),
            owner_person: None,
            confiscated_by: "Mr Teacher Teak".into(),
            confiscated_at: on.and_hms_opt(9, 0, 0).unwrap(),
            reason: "Filming in class".into(),
            held_at: "the school office".into(),
            events: Vec::new(),
            recorded_by: Author { member: 1, name: "Ms Dee Ess-Ell".into() },
            recorded_at: on.and_hms_opt(9, 0, 0).unwrap(),
        };
        // Monday 16th: the limit runs out Monday 23rd; Tuesday 24th: the 20th's
        // runs out Friday 27th.
        let mut back = custody(3, day(16));
        back.extend(
            NewCustodyEvent {
                at: day(17).and_hms_opt(15, 0, 0).unwrap(),
                change: CustodyMove::Returned {
                    released_by: "Ms Office Oak".into(),
                    collected_by: "Mrs Carer Ash".into(),
                    signature: true,
                },
                note: String::new(),
                corrects: None,
            },
            &Author { member: 1, name: "Ms Dee Ess-Ell".into() },
            day(17).and_hms_opt(15, 0, 0).unwrap(),
        )
        .unwrap();
        let devices = vec![custody(1, day(16)), custody(2, day(20)), back];
        let items = held_devices(&devices, &rows, &cal, day(24));
        assert_eq!(items.len(), 1);
        assert_eq!((items[0].kind, items[0].due), (TodayKind::DeviceHeld(1), day(23)));
        assert_eq!(items[0].when_words(), "overdue 1 working day");
        assert_eq!(items[0].kind.words(), "device DV-0001 held too long (P6.1-b)");
        assert!(items[0].kind.short_words().chars().count() <= 24);
        assert_eq!(held_devices(&devices, &rows, &cal, day(27)).len(), 2);
        // The 20th's was due back Friday 27th: on Sunday it is past due,
        // not "due today".
        let sunday = held_devices(&devices, &rows, &cal, day(29));
        let second = sunday.iter().find(|i| i.kind == TodayKind::DeviceHeld(2)).unwrap();
        assert_eq!((second.when_words(), second.short_when()), ("due since Fri 27 Nov".into(), "Fri late".into()));
    }

    /// A concern reported on a Friday before a Monday-to-Wednesday closure
    /// has not waited a working day by Wednesday, but it was not reported
    /// "today" either.
    #[test]
    fn waiting_through_a_closure_says_since_when() {
        let cal = Calendar::parse("2026-11-30..2026-12-02 INSET days\n").unwrap();
        let rows = vec![row(1, Status::New, Urgency::Routine, day(27), None)];
        let on = |d: NaiveDate| today_list(&rows, &[], &[], &cal, d)[0].when_words();
        assert_eq!(on(day(27)), "reported today");
        assert_eq!(on(day(29)), "waiting since Fri 27 Nov");
        assert_eq!(on(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()), "waiting since Fri 27 Nov");
        assert_eq!(on(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()), "waiting 1 working day");
        let item = &today_list(&rows, &[], &[], &cal, day(29))[0];
        assert!(item.short_when().chars().count() <= 9, "{}", item.short_when());
    }

    /// P6.1-h: a phone held on an illegal-data or indecent-image concern
    /// is due to the police from the day it was taken, overdue in school
    /// days; one on a phone-in-an-exam concern is not, nor one already
    /// with the police, nor one on a closed concern.
    #[test]
    fn p61h_a_device_that_may_hold_an_offence_is_due_to_the_police_at_once() {
        use crate::domain::concern::Author;
        use crate::domain::custody::{CustodyMove, NewCustodyEvent};
        let cal = Calendar::weekends_only();
        let catalogue = Catalogue::seed();
        let with = |id, category: &str, status| {
            let mut r = row(id, status, Urgency::Urgent, day(16), Some(2));
            r.category = category.into();
            r
        };
        let rows = vec![
            with(1, "illegal-data", Status::InProgress),
            with(2, "indecent-image", Status::InProgress),
            with(3, "device-in-exam", Status::InProgress),
            with(4, "illegal-data", Status::InProgress),
            with(5, "illegal-data", Status::Closed),
        ];
        let by = Author { member: 1, name: "Ms Dee Ess-Ell".into() };
        let device = |id: u32, case_id: u32| Custody {
            id,
            case_id,
            case_reference: format!("C-2026-{case_id:04}"),
            device: "mobile-phone".into(),
            description: String::new(),
            owner: "Fictional Pupil".into(),
            owner_person: None,
            confiscated_by: "Mr Teacher Teak".into(),
            confiscated_at: day(18).and_hms_opt(10, 0, 0).unwrap(),
            reason: "Suspected illegal images".into(),
            held_at: "the school office".into(),
            events: Vec::new(),
            recorded_by: by.clone(),
            recorded_at: day(18).and_hms_opt(10, 0, 0).unwrap(),
        };
        let mut handed = device(4, 4);
        handed
            .extend(
                NewCustodyEvent {
                    at: day(19).and_hms_opt(11, 0, 0).unwrap(),
                    change: CustodyMove::Police { reference: "CR/0042/26".into(), officer: String::new() },
                    note: String::new(),
                    corrects: None,
                },
                &by,
                day(19).and_hms_opt(11, 0, 0).unwrap(),
            )
            .unwrap();
        let devices = vec![device(1, 1), device(2, 2), device(3, 3), handed, device(5, 5)];
        // Wednesday 18th to Monday 23rd: three school days.
        let items = devices_for_police(&devices, &rows, &catalogue, &cal, day(23));
        let got: Vec<(TodayKind, String)> = items.iter().map(|i| (i.kind, i.when_words())).collect();
        assert_eq!(
            got,
            vec![
                (TodayKind::ToPolice(1), "overdue 3 working days".to_string()),
                (TodayKind::ToPolice(2), "overdue 3 working days".to_string()),
            ]
        );
        assert_eq!(items[0].kind.words(), "device DV-0001 to the police (P6.1-h)");
        assert!(items[0].kind.short_words().chars().count() <= 24);
        let on_the_day = devices_for_police(&devices, &rows, &catalogue, &cal, day(18));
        assert_eq!(on_the_day[0].when_words(), "due today");
        // Taken on Sunday 22nd: due Monday, the next school day, so not
        // overdue on Monday (as the LADO's deadline moves).
        let mut sunday = device(1, 1);
        sunday.confiscated_at = day(22).and_hms_opt(15, 0, 0).unwrap();
        let monday = devices_for_police(&[sunday.clone()], &rows, &catalogue, &cal, day(23));
        assert_eq!((monday[0].due, monday[0].when_words()), (day(23), "due today".to_string()));
        let tuesday = devices_for_police(&[sunday], &rows, &catalogue, &cal, day(24));
        assert_eq!(tuesday[0].when_words(), "overdue 1 working day");
    }

    #[test]
    fn p5e_expired_and_soon_expiring_approvals_are_on_today() {
        use crate::domain::register::{RegisterEntry, RegisterKind};
        let cal = Calendar::weekends_only();
        let today = day(30);
        let approval = |id, until: NaiveDate| RegisterEntry {
            id,
            kind: RegisterKind::RemoteLearning,
            who: format!("Mr Fictional Tutor {id}"),
            person: None,
            organisation: String::new(),
            date: day(1),
            until: Some(until),
            reason: String::new(),
            permitted: String::new(),
            risk_assessment: String::new(),
            granted_by: String::new(),
            recorded_by: crate::domain::Author { member: 1, name: "DSL".into() },
            recorded_at: day(1).and_hms_opt(9, 0, 0).unwrap(),
        };
        let far = day(30) + chrono::Duration::days(30);
        let soon = day(30) + chrono::Duration::days(5);
        let list = today_list(&[], &[], &[approval(1, day(27)), approval(2, far), approval(3, soon)], &cal, today);
        let got: Vec<(String, TodayKind, String)> =
            list.iter().map(|i| (i.reference.clone(), i.kind, i.when_words())).collect();
        assert_eq!(
            got,
            vec![
                ("RL-0001".to_string(), TodayKind::Approval, "overdue 1 working day".to_string()),
                ("RL-0003".to_string(), TodayKind::Approval, "due Sat 5 Dec 2026".to_string()),
            ]
        );
        // A renewal for the same member of staff (their name, accent- and
        // case-blind) answers the review: the expired one no longer nags
        // (found in review), and the renewal is on Today when it is due.
        let mut renewal = approval(4, far);
        renewal.who = "mr fictional TUTOR 1".into();
        renewal.date = day(28);
        let list = today_list(&[], &[], &[approval(1, day(27)), renewal.clone()], &cal, today);
        assert!(list.is_empty(), "{list:?}");
        renewal.until = Some(soon);
        let list = today_list(&[], &[], &[approval(1, day(27)), renewal], &cal, today);
        let got: Vec<&str> = list.iter().map(|i| i.reference.as_str()).collect();
        assert_eq!(got, vec!["RL-0004"]);
        // At the end of the calendar nothing panics (`today --on=+262142-12-31`
        // once overflowed here); the count is a true one.
        let rows = vec![row(1, Status::New, Urgency::Routine, day(27), None)];
        let end = today_list(&rows, &[], &[approval(1, day(27))], &cal, NaiveDate::MAX);
        assert_eq!(end.len(), 2);
        assert_eq!(end[0].standing, Standing::Overdue(cal.working_days_overdue(day(27), NaiveDate::MAX)));
        assert!(cal.working_days_overdue(day(27), NaiveDate::MAX) > 60_000_000);
    }
}
