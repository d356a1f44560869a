//! `casebook verify`: reads every record and names each problem (issue 11).
//!
//! Two layers. The structural checks need no key: every key is well formed,
//! every value that should be an age file has a header that parses, the
//! clear metadata decodes, every case has its revision record and every
//! revision record its case, every reference maps to a case, and no counter
//! is behind the ids already used (it would hand one out again). They run
//! over the record backend only, so the same code checks an embedded store,
//! a served one, a backup, or a store just restored. The full check then
//! opens every record the member's key may read and decodes it; what their
//! key cannot open is checked structurally only.
//!
//! Every problem is a [`Damaged`]: the record by its reference or id, and
//! what is wrong with it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::backend::{Backend, SCAN_PAGE};
use super::codec::{MemberName, School, TermDates};
use super::trees::*;
use super::{CaseMeta, Damaged, MemberRecord, Place, STORE_FORMAT, Session, StoreError, case_name, codec, id_of};
use crate::domain::{AccessClass, Action, CaseSummary, Debrief, EntryKind, Figures, Role, TrackedPolicy};

/// What a verification found.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Records looked at (every entry of every tree checked).
    pub records: usize,
    /// Of those, records opened with the member's keys and decoded.
    pub opened: usize,
    pub problems: Vec<Damaged>,
    /// Trees not checked at all, and why (a served store shows each role
    /// only the trees it may read).
    pub not_checked: Vec<String>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, what: impl Into<String>, detail: impl Into<String>) {
        self.problems.push(Damaged::new(what, detail));
    }
}

/// Whether `role` may read `tree` through `casebook serve` (the server holds
/// each role to this; an embedded store is the member's own files).
pub fn served_tree_readable(role: Role, tree: &str) -> bool {
    match role {
        // Who saw which concern is the DSL's to read (issue 10).
        Role::Dsl => true,
        // The disclosure register (P5-c) is the DSL's alone.
        Role::Deputy => tree != AUDIT && tree != DISCLOSURES,
        // Nor who opened which concern, nor who was turned away (found in
        // review: the audit entries are sealed to the DSL, but their number
        // and times are not leadership's to see).
        Role::Leadership => !CASE_TREES.contains(&tree) && tree != AUDIT && tree != REFUSALS && tree != DISCLOSURES,
        // The pupil roll (issue 12): a child's name and year group, to pick from.
        Role::Reporter => [SETTINGS, MEMBERS, CLASS_KEYS, ROLL].contains(&tree),
    }
}

/// Whether `bytes` begin with an age header that parses (no key needed).
/// The buffered reader parses it line by line: `Decryptor::new` on a slice
/// asks for a few bytes at a time and parses again each time (about 0.1 ms
/// a record, most of a quick verify).
fn age_header(bytes: &[u8]) -> Result<(), String> {
    age::Decryptor::new_buffered(bytes).map(|_| ()).map_err(|e| format!("it is not a readable age file ({e})"))
}

/// Every entry of a tree, page by page (a served store pages its answers).
fn each(backend: &dyn Backend, tree: &str, mut f: impl FnMut(&[u8], &[u8])) -> Result<usize, StoreError> {
    let mut after: Option<Vec<u8>> = None;
    let mut n = 0;
    loop {
        let page = backend.scan_page(tree, after.as_deref(), SCAN_PAGE)?;
        let Some((last, _)) = page.last() else { return Ok(n) };
        after = Some(last.clone());
        for (k, v) in &page {
            f(k, v);
            n += 1;
        }
    }
}

/// A reference as casebook writes them: C-2026-0001 (D- for debriefs).
fn well_formed_reference(text: &[u8], letter: u8) -> bool {
    let t = text;
    t.len() >= 11
        && t[0] == letter
        && t[1] == b'-'
        && t[2..6].iter().all(u8::is_ascii_digit)
        && t[6] == b'-'
        && t[7..].iter().all(u8::is_ascii_digit)
}

fn shard_name(key: &[u8]) -> Option<String> {
    let n = id_of(key.strip_prefix(SHARD_PREFIX)?).ok()?;
    let first = n.saturating_mul(super::INDEX_SHARD_ROWS);
    Some(format!("concerns #{first}–#{}", first.saturating_add(super::INDEX_SHARD_ROWS - 1)))
}

fn show_key(key: &[u8]) -> String {
    crate::text::one_line(&String::from_utf8_lossy(key))
}

/// What the structural pass learnt, for the full pass to build on.
#[derive(Default)]
struct Seen {
    cases: BTreeSet<u32>,
    metas: BTreeSet<u32>,
    /// id -> reference, from case_refs.
    references: HashMap<u32, String>,
    debriefs: BTreeSet<u32>,
    actions: BTreeSet<u32>,
    referrals: BTreeSet<u32>,
    custody: BTreeSet<u32>,
    searches: BTreeSet<u32>,
    people: BTreeSet<u32>,
    members: BTreeSet<u32>,
    /// Records already reported as not age files: the full pass does not
    /// report them again.
    bad_headers: BTreeSet<(&'static str, Vec<u8>)>,
}

/// The structural checks, over every tree `readable` allows.
pub fn structure(backend: &dyn Backend, readable: &dyn Fn(&str) -> bool) -> Result<Report, StoreError> {
    let mut report = Report::default();
    structure_into(backend, readable, &mut report)?;
    Ok(report)
}

fn structure_into(
    backend: &dyn Backend,
    readable: &dyn Fn(&str) -> bool,
    report: &mut Report,
) -> Result<Seen, StoreError> {
    let mut seen = Seen::default();
    for tree in ALL {
        if !readable(tree) {
            report.not_checked.push(tree.to_string());
        }
    }
    let r = report;

    if readable(SETTINGS) {
        let mut format_ok = false;
        let mut school = false;
        r.records += each(backend, SETTINGS, |k, v| match k {
            b"format" => {
                format_ok = v == STORE_FORMAT.to_be_bytes();
                if !format_ok {
                    r.problem("the store's format marker", format!("{v:?} is not a format this casebook knows"));
                }
            }
            b"school" => {
                school = true;
                if let Err(e) = age_header(v) {
                    r.problem("the school's name", e);
                    seen.bad_headers.insert((SETTINGS, k.to_vec()));
                }
            }
            // Issue 13: the term dates, when the DSL has set them.
            b"term-dates" => {
                if let Err(e) = age_header(v) {
                    r.problem("the term dates", e);
                    seen.bad_headers.insert((SETTINGS, k.to_vec()));
                }
            }
            _ => {}
        })?;
        if !school {
            r.problem("the school's name", "it is missing");
        }
        if !format_ok && backend.get(SETTINGS, b"format")?.is_none() {
            r.problem("the store's format marker", "it is missing");
        }
    }

    if readable(MEMBERS) {
        let mut dsl = false;
        r.records += each(backend, MEMBERS, |k, v| {
            let Ok(id) = id_of(k) else {
                r.problem(format!("a member record under a malformed key ({})", show_key(k)), "it names no member");
                return;
            };
            seen.members.insert(id);
            let what = format!("member #{id}");
            match codec::from_bytes::<MemberRecord>(v) {
                Err(e) => r.problem(what, format!("the record is damaged ({e})")),
                Ok(m) => {
                    dsl |= m.role == Role::Dsl;
                    if super::parse_recipient(&m.recipient).is_err() {
                        r.problem(what.clone(), "its public key is damaged");
                    }
                    if let Err(e) = age_header(&m.sealed_name) {
                        r.problem(format!("{what}'s name"), e);
                        seen.bad_headers.insert((MEMBERS, k.to_vec()));
                    }
                }
            }
        })?;
        if !dsl {
            r.problem("the member list", "no readable member is the DSL");
        }
    }

    if readable(CLASS_KEYS) {
        let mut found = BTreeSet::new();
        r.records += each(backend, CLASS_KEYS, |k, v| {
            let tag = show_key(k);
            if !AccessClass::ALL.iter().any(|c| c.tag().as_bytes() == k) {
                r.problem(format!("a class key under an unknown name ({tag})"), "casebook never writes one");
                return;
            }
            found.insert(tag.clone());
            if let Err(e) = age_header(v) {
                r.problem(format!("the {tag} class key"), e);
            }
        })?;
        for class in AccessClass::ALL {
            if !found.contains(class.tag()) {
                r.problem(format!("the {} class key", class.tag()), "it is missing");
            }
        }
    }

    if readable(CASE_REFS) {
        let mut by_id: HashMap<u32, Vec<String>> = HashMap::new();
        r.records += each(backend, CASE_REFS, |k, v| {
            let reference = show_key(k);
            if !well_formed_reference(k, b'C') {
                r.problem(format!("a reference entry under a malformed key ({reference})"), "it is not C-YYYY-NNNN");
            }
            match id_of(v) {
                Ok(id) => by_id.entry(id).or_default().push(reference),
                Err(_) => r.problem(format!("reference {reference}"), "it does not hold a concern's id"),
            }
        })?;
        for (id, refs) in by_id {
            if refs.len() > 1 {
                r.problem(format!("concern #{id}"), format!("several references name it: {}", refs.join(", ")));
            }
            seen.references.insert(id, refs[0].clone());
        }
    }

    let names = seen.references.clone();
    if readable(CASES) {
        r.records += each(backend, CASES, |k, v| {
            let Ok(id) = id_of(k) else {
                r.problem(format!("a case record under a malformed key ({})", show_key(k)), "it names no concern");
                return;
            };
            seen.cases.insert(id);
            if let Err(e) = age_header(v) {
                r.problem(case_name(&names, id), e);
                seen.bad_headers.insert((CASES, k.to_vec()));
            }
        })?;
    }
    if readable(CASE_META) {
        r.records += each(backend, CASE_META, |k, v| {
            let Ok(id) = id_of(k) else {
                r.problem(format!("a case_meta entry under a malformed key ({})", show_key(k)), "it names no concern");
                return;
            };
            seen.metas.insert(id);
            match codec::from_bytes::<CaseMeta>(v) {
                Err(e) => r.problem(case_name(&names, id), format!("its revision record (case_meta) is damaged ({e})")),
                Ok(m) if m.format != STORE_FORMAT || m.revision == 0 => r.problem(
                    case_name(&names, id),
                    format!("its revision record (case_meta) is not one casebook writes ({m:?})"),
                ),
                Ok(_) => {}
            }
        })?;
    }
    if readable(CASES) && readable(CASE_META) {
        for id in seen.cases.difference(&seen.metas) {
            r.problem(case_name(&names, *id), "it has no revision record (case_meta), so no board lists it");
        }
        for id in seen.metas.difference(&seen.cases) {
            r.problem(
                case_name(&names, *id),
                "its revision record (case_meta) has no case record: the concern is missing",
            );
        }
    }
    if readable(CASE_REFS) && readable(CASES) {
        for (id, reference) in &seen.references {
            if !seen.cases.contains(id) {
                r.problem(
                    format!("reference {reference}"),
                    format!("it maps to concern #{id}, which is not in the store"),
                );
            }
        }
    }

    for (tree, what) in [(INDEX, "index shard"), (FIGURES, "figures")] {
        if !readable(tree) {
            continue;
        }
        r.records += each(backend, tree, |k, v| {
            let name = match shard_name(k) {
                Some(n) => format!("the {what} of {n}"),
                None if tree == FIGURES && k == b"cases" => "the figures".to_string(),
                None => {
                    r.problem(
                        format!("an {tree} entry under a malformed key ({})", show_key(k)),
                        "casebook never writes one",
                    );
                    return;
                }
            };
            if let Err(e) = age_header(v) {
                r.problem(name, format!("{e}; it is a cache, rebuilt on the next board load, so no record is lost"));
                seen.bad_headers.insert((tree, k.to_vec()));
            }
        })?;
    }

    for (tree, what) in [
        (DEBRIEFS, "debrief"),
        (ACTIONS, "action"),
        (POLICIES, "policy"),
        (REFERRALS, "referral"),
        (PEOPLE, "person"),
        (CUSTODY, "custody"),
        (SEARCHES, "search"),
        (DISPOSALS, "disposal"),
    ] {
        if !readable(tree) {
            continue;
        }
        r.records += each(backend, tree, |k, v| {
            let Ok(id) = id_of(k) else {
                r.problem(
                    format!("a {what} record under a malformed key ({})", show_key(k)),
                    format!("it names no {what}"),
                );
                return;
            };
            match tree {
                DEBRIEFS => seen.debriefs.insert(id),
                ACTIONS => seen.actions.insert(id),
                REFERRALS => seen.referrals.insert(id),
                CUSTODY => seen.custody.insert(id),
                SEARCHES => seen.searches.insert(id),
                PEOPLE => seen.people.insert(id),
                _ => true,
            };
            if let Err(e) = age_header(v) {
                r.problem(oversight_name(tree, id), e);
                seen.bad_headers.insert((tree, k.to_vec()));
            }
        })?;
    }

    if readable(COUNTERS) {
        let mut counters: BTreeMap<String, u32> = BTreeMap::new();
        r.records += each(backend, COUNTERS, |k, v| {
            let name = show_key(k);
            match id_of(v) {
                Ok(n) => {
                    counters.insert(name, n);
                }
                Err(_) => r.problem(format!("the {name} counter"), "it is not a 4-byte number"),
            }
        })?;
        // A counter behind the ids already used would hand one out again.
        let used = [
            ("case", readable(CASE_META).then(|| seen.metas.iter().chain(&seen.cases).max().copied()).flatten()),
            ("member", readable(MEMBERS).then(|| seen.members.last().copied()).flatten()),
            ("debrief", readable(DEBRIEFS).then(|| seen.debriefs.last().copied()).flatten()),
            ("action", readable(ACTIONS).then(|| seen.actions.last().copied()).flatten()),
            ("referral", readable(REFERRALS).then(|| seen.referrals.last().copied()).flatten()),
            ("custody", readable(CUSTODY).then(|| seen.custody.last().copied()).flatten()),
            ("search", readable(SEARCHES).then(|| seen.searches.last().copied()).flatten()),
            ("person", readable(PEOPLE).then(|| seen.people.last().copied()).flatten()),
        ];
        for (name, highest) in used {
            if let Some(highest) = highest {
                let n = counters.get(name).copied().unwrap_or(0);
                if n < highest {
                    r.problem(
                        format!("the {name} counter"),
                        format!("it is at {n} but #{highest} exists; the next {name} would reuse a number"),
                    );
                }
            }
        }
        if readable(CASE_REFS) {
            let mut highest: BTreeMap<String, u32> = BTreeMap::new();
            for reference in seen.references.values() {
                if let Some((year, seq)) = reference.strip_prefix("C-").and_then(|r| r.split_once('-'))
                    && let Ok(seq) = seq.parse::<u32>()
                {
                    let h = highest.entry(year.to_string()).or_default();
                    *h = (*h).max(seq);
                }
            }
            for (year, seq) in highest {
                let name = format!("case-ref-{year}");
                let n = counters.get(&name).copied().unwrap_or(0);
                if n < seq {
                    r.problem(
                        format!("the {name} counter"),
                        format!("it is at {n} but C-{year}-{seq:04} exists; the next concern would reuse a reference"),
                    );
                }
            }
        }
    }

    if readable(REFUSALS) {
        r.records += each(backend, REFUSALS, |k, v| {
            if k.len() != 8 || std::str::from_utf8(v).is_err() {
                r.problem(format!("a refused-connection log entry ({} bytes)", k.len()), "it is damaged");
            }
        })?;
    }
    Ok(seen)
}

fn oversight_name(tree: &str, id: u32) -> String {
    match tree {
        DEBRIEFS => format!("debrief #{id}"),
        ACTIONS => crate::domain::action::action_label(id),
        REFERRALS => crate::domain::referral::referral_label(id),
        CUSTODY => crate::domain::custody::custody_label(id),
        SEARCHES => crate::domain::searches::search_label(id),
        PEOPLE => crate::domain::person::person_label(id),
        DISPOSALS => format!("disposal record #{id}"),
        _ => format!("policy #{id}"),
    }
}

impl Session {
    /// Checks the whole store (issue 11): structurally everything this
    /// member's connection may read, then (unless `quick`) opens and decodes
    /// every record their key may read. Never writes.
    pub fn verify(&self, quick: bool) -> Result<Report, StoreError> {
        let backend = self.store.backend.as_ref();
        let role = self.my_role;
        let served = matches!(backend.location(), super::Location::Served(_));
        let readable = |tree: &str| !served || served_tree_readable(role, tree);
        let mut report = Report::default();
        let seen = structure_into(backend, &readable, &mut report)?;
        if quick {
            return Ok(report);
        }
        let r = &mut report;

        let reported = |tree: &'static str, key: &[u8]| seen.bad_headers.contains(&(tree, key.to_vec()));
        if readable(SETTINGS)
            && !reported(SETTINGS, b"school")
            && let Some(sealed) = backend.get(SETTINGS, b"school")?
        {
            match self.open_record::<School>(
                AccessClass::Directory,
                &Place::new(SETTINGS, b"school".to_vec(), 0),
                &sealed,
            ) {
                Ok(_) => r.opened += 1,
                Err(e) => r.problems.push(Damaged::from_error("the school's name", &e)),
            }
        }
        if readable(SETTINGS)
            && self.can_read(AccessClass::Case)
            && !reported(SETTINGS, b"term-dates")
            && let Some(sealed) = backend.get(SETTINGS, b"term-dates")?
        {
            let place = super::calendar::term_dates_place();
            match self.open_record::<TermDates>(AccessClass::Case, &place, &sealed) {
                Ok(t) => match crate::domain::Calendar::parse(&t.text) {
                    Ok(_) => r.opened += 1,
                    Err(e) => r.problem("the term dates", e.to_string()),
                },
                Err(e) => r.problems.push(Damaged::from_error("the term dates", &e)),
            }
        }
        // Issue 13 (P3-a, P2-a): the school's catalogue opens and reads.
        if readable(SETTINGS) && !reported(SETTINGS, b"catalogue") && backend.get(SETTINGS, b"catalogue")?.is_some() {
            match self.catalogue_file() {
                Ok(Some(text)) => match super::catalogue::check(&text) {
                    Ok(()) => r.opened += 1,
                    Err(e) => r.problems.push(Damaged::from_error("the school's catalogue", &e)),
                },
                Ok(None) => {}
                Err(e) => r.problems.push(Damaged::from_error("the school's catalogue", &e)),
            }
        }
        if readable(MEMBERS) {
            each(backend, MEMBERS, |k, v| {
                let (Ok(id), Ok(m)) = (id_of(k), codec::from_bytes::<MemberRecord>(v)) else { return };
                if reported(MEMBERS, k) {
                    return;
                }
                match self.open_record::<MemberName>(
                    AccessClass::Directory,
                    &Place::new(MEMBERS, k.to_vec(), 0),
                    &m.sealed_name,
                ) {
                    Ok(_) => r.opened += 1,
                    Err(e) => r.problems.push(Damaged::from_error(format!("member #{id}'s name"), &e)),
                }
            })?;
        }

        // PRODUCT.md 7b: how many files each concern's chronology says
        // were attached (one entry each), for the file check below.
        let mut attached: BTreeMap<u32, u32> = BTreeMap::new();
        // Issue 13 (PRODUCT.md 7b): the device events each concern's
        // chronology names, (device, event) with the concern's id, for the
        // custody check below: a chain set back on disk holds fewer.
        let mut custody_named: Vec<(u32, u32, u32)> = Vec::new();
        // The referrals and searches each concern's chronology names.
        let mut records_named: Vec<(&'static str, u32, u32)> = Vec::new();
        if self.can_read(AccessClass::Case) && readable(CASES) {
            let reader = self.case_reader()?;
            let ids: Vec<u32> = seen.cases.iter().copied().filter(|id| !reported(CASES, &id.to_be_bytes())).collect();
            for (id, result) in ids.iter().zip(reader.load(&ids, &|_, _| ())) {
                match result {
                    Ok((case, _)) => {
                        r.opened += 1;
                        let files = case.chronology.iter().filter(|e| e.kind == EntryKind::Attachment).count();
                        attached.insert(*id, u32::try_from(files).unwrap_or(u32::MAX));
                        custody_named.extend(case.custody_events().into_iter().map(|(d, e)| (d, e, *id)));
                        records_named.extend(case.records_named().into_iter().map(|(p, n)| (p, n, *id)));
                        if let Some(reference) = seen.references.get(id)
                            && *reference != case.concern.reference
                        {
                            r.problem(
                                case_name(&seen.references, *id),
                                format!(
                                    "the record holds {}, not the reference that maps to it",
                                    case.concern.reference
                                ),
                            );
                        }
                    }
                    // P5-g: a restricted allegation this member is not a
                    // reader of: checked structurally only.
                    Err(StoreError::Restricted(_)) => {}
                    Err(e) => r.problems.push(Damaged::from_error(case_name(&seen.references, *id), &e)),
                }
            }
            each(backend, INDEX, |k, v| {
                let Some(name) = shard_name(k) else { return };
                if reported(INDEX, k) {
                    return;
                }
                match self.open_record::<Vec<CaseSummary>>(AccessClass::Case, &Place::new(INDEX, k.to_vec(), 0), v) {
                    Ok(rows) => {
                        r.opened += 1;
                        if let Some(row) = rows.iter().find(|row| !seen.cases.contains(&row.id)) {
                            r.problem(
                                format!("the index shard of {name}"),
                                format!("it lists {} (#{}), which is not in the store", row.reference, row.id),
                            );
                        }
                    }
                    Err(e) => r.problems.push(Damaged::from_error(
                        format!("the index shard of {name}"),
                        &StoreError::Input(format!(
                            "{}; it is a cache, rebuilt on the next board load, so no record is lost",
                            Damaged::from_error("", &e).detail
                        )),
                    )),
                }
            })?;
        }

        // Issue 13: every referral opens, names itself, and names a
        // concern that is in the store.
        // Issue 12: each person record opens, as the person it is kept as.
        if self.can_read(AccessClass::Case) && readable(PEOPLE) {
            each(backend, PEOPLE, |k, v| {
                let Ok(id) = id_of(k) else { return };
                if reported(PEOPLE, k) {
                    return;
                }
                match self.open_record::<crate::domain::Person>(
                    AccessClass::Case,
                    &Place::new(PEOPLE, k.to_vec(), 0),
                    v,
                ) {
                    Ok(p) if p.id == id => r.opened += 1,
                    Ok(p) => r.problem(oversight_name(PEOPLE, id), format!("it holds the record of {}", p.label())),
                    Err(e) => r.problems.push(Damaged::from_error(oversight_name(PEOPLE, id), &e)),
                }
            })?;
        }
        // P5-g: a restricted concern's referral, device, search or file
        // sealed to the Case class (written by a casebook from before they
        // were sealed to its readers) is readable by every deputy: named,
        // with the way to seal it again.
        let marks = if readable(RESTRICTED) {
            super::restricted::restricted_keys(backend)?
        } else {
            super::restricted::RestrictedKeys::default()
        };
        let open_to_all =
            |tree: &str, key: &[u8], case_id: u32| marks.cases.contains(&case_id) && marks.case_of(tree, key).is_none();
        let unsealed = |what: String, case_id: u32| {
            Damaged::new(
                what,
                format!(
                    "its concern ({}) is restricted, but it is sealed to every deputy: run `casebook restrict` on \
                     the concern again (the DSL) to seal it to its readers",
                    case_name(&seen.references, case_id)
                ),
            )
        };
        if self.can_read(AccessClass::Case) && readable(REFERRALS) {
            each(backend, REFERRALS, |k, v| {
                let Ok(id) = id_of(k) else { return };
                if reported(REFERRALS, k) {
                    return;
                }
                match self.open_referral(id, v) {
                    Ok(referral) => {
                        r.opened += 1;
                        if open_to_all(REFERRALS, k, referral.case_id) {
                            r.problems.push(unsealed(referral.label(), referral.case_id));
                        }
                        if readable(CASES) && !seen.cases.contains(&referral.case_id) {
                            r.problem(
                                referral.label(),
                                format!(
                                    "it belongs to {} (#{}), which is not in the store",
                                    referral.case_reference, referral.case_id
                                ),
                            );
                        }
                    }
                    Err(StoreError::Restricted(_)) => {}
                    Err(e) => r.problems.push(Damaged::from_error(oversight_name(REFERRALS, id), &e)),
                }
            })?;
        }
        // Issue 13 (P6.1-b): every custody record opens, names itself, and
        // names a concern that is in the store.
        if self.can_read(AccessClass::Case) && readable(CUSTODY) {
            each(backend, CUSTODY, |k, v| {
                let Ok(id) = id_of(k) else { return };
                if reported(CUSTODY, k) {
                    return;
                }
                match self.open_custody(id, v) {
                    Ok(c) => {
                        r.opened += 1;
                        if open_to_all(CUSTODY, k, c.case_id) {
                            r.problems.push(unsealed(c.label(), c.case_id));
                        }
                        // Every event its concern's chronology names is in
                        // the chain (event 1 is the confiscation itself).
                        let named = custody_named.iter().filter(|(d, _, case)| *d == id && *case == c.case_id);
                        if let Some((_, missing, _)) =
                            named.filter(|(_, e, _)| *e > 1 && !c.events.iter().any(|x| x.seq == *e)).max()
                        {
                            r.problem(
                                c.label(),
                                format!(
                                    "{}'s chronology names its event {missing}, which its chain of custody does not \
                                     hold: the record was set back outside casebook (a backup holds the rest)",
                                    c.case_reference
                                ),
                            );
                        }
                        if readable(CASES) && !seen.cases.contains(&c.case_id) {
                            r.problem(
                                c.label(),
                                format!(
                                    "it belongs to {} (#{}), which is not in the store",
                                    c.case_reference, c.case_id
                                ),
                            );
                        }
                    }
                    // P5-g: a restricted allegation's, not this member's.
                    Err(StoreError::Restricted(_)) => {}
                    Err(e) => r.problems.push(Damaged::from_error(oversight_name(CUSTODY, id), &e)),
                }
            })?;
        }
        // A device its concern's chronology names is in the store (the
        // highest-numbered deleted with its counter set back is not a gap).
        if readable(CUSTODY) {
            // Looked up again: a device recorded while verify ran is written
            // before its chronology entry, after the first pass (found in
            // review: a false alarm through `serve`).
            let mut gone: Vec<(u32, u32)> = custody_named
                .iter()
                .filter(|(d, _, _)| !seen.custody.contains(d))
                .filter(|(d, _, _)| backend.get(CUSTODY, &d.to_be_bytes()).ok().flatten().is_none())
                .map(|(d, _, case)| (*d, *case))
                .collect();
            gone.sort_unstable();
            gone.dedup();
            for (d, case) in gone {
                r.problem(
                    oversight_name(CUSTODY, d),
                    format!(
                        "{}'s chronology names it, but the store holds no such device: deleted outside casebook",
                        case_name(&seen.references, case)
                    ),
                );
            }
        }
        // A referral or search its concern's chronology names is in the
        // store (PRODUCT 7b: the highest-numbered one deleted with its
        // counter set back leaves no gap), looked up again as above.
        let mut missing: Vec<(&'static str, u32, u32)> = records_named
            .iter()
            .copied()
            .filter(|(prefix, n, _)| {
                let (tree, seen_ids) =
                    if *prefix == "R" { (REFERRALS, &seen.referrals) } else { (SEARCHES, &seen.searches) };
                readable(tree) && !seen_ids.contains(n) && backend.get(tree, &n.to_be_bytes()).ok().flatten().is_none()
            })
            .collect();
        missing.sort_unstable();
        missing.dedup();
        for (prefix, n, case) in missing {
            let tree = if prefix == "R" { REFERRALS } else { SEARCHES };
            r.problem(
                oversight_name(tree, n),
                format!(
                    "{}'s chronology names it, but the store holds no such record: deleted outside casebook",
                    case_name(&seen.references, case)
                ),
            );
        }
        // Issue 13 (P6.1-e): every search opens, names itself, and names a
        // concern that is in the store.
        if self.can_read(AccessClass::Case) && readable(SEARCHES) {
            each(backend, SEARCHES, |k, v| {
                let Ok(id) = id_of(k) else { return };
                if reported(SEARCHES, k) {
                    return;
                }
                match self.open_search(id, v) {
                    Ok(s) => {
                        r.opened += 1;
                        if open_to_all(SEARCHES, k, s.case_id) {
                            r.problems.push(unsealed(s.label(), s.case_id));
                        }
                        if readable(CASES) && !seen.cases.contains(&s.case_id) {
                            r.problem(
                                s.label(),
                                format!(
                                    "it belongs to {} (#{}), which is not in the store",
                                    s.case_reference, s.case_id
                                ),
                            );
                        }
                    }
                    // P5-g: a restricted allegation's, not this member's.
                    Err(StoreError::Restricted(_)) => {}
                    Err(e) => r.problems.push(Damaged::from_error(oversight_name(SEARCHES, id), &e)),
                }
            })?;
        }
        // Issue 13: every file opens as the file its key names (P5-g: a
        // restricted allegation's with the reader's own key).
        if self.can_read(AccessClass::Case) && readable(ATTACHMENTS) {
            each(backend, ATTACHMENTS, |k, v| {
                let (Ok(case_id), Ok(number)) = (id_of(&k[..k.len().min(4)]), id_of(k.get(4..).unwrap_or_default()))
                else {
                    r.problem(format!("a file under a malformed key ({})", show_key(k)), "it names no concern's file");
                    return;
                };
                match self.open_attachment(case_id, number, v) {
                    Ok(_) => {
                        r.opened += 1;
                        if open_to_all(ATTACHMENTS, k, case_id) {
                            r.problems.push(unsealed(
                                format!("file {number} of {}", case_name(&seen.references, case_id)),
                                case_id,
                            ));
                        }
                    }
                    Err(StoreError::Restricted(_)) => {}
                    Err(e) => r.problems.push(Damaged::from_error(
                        format!("file {number} of {}", case_name(&seen.references, case_id)),
                        &e,
                    )),
                }
            })?;
        }
        // Issue 13 (P5-a, P5-c, P5-e, P7-b): each register entry this member
        // may read opens as itself.
        for (tree, ok) in
            [(REGISTERS, self.can_read(AccessClass::Oversight)), (DISCLOSURES, self.me().role == Role::Dsl)]
        {
            if !ok || !readable(tree) {
                continue;
            }
            each(backend, tree, |k, v| {
                if tree == DISCLOSURES && k == super::registers::DISCLOSURES_NUMBERED_FROM {
                    return;
                }
                let Ok(id) = id_of(k) else {
                    r.problem(format!("a register entry under a malformed key ({})", show_key(k)), "it names no entry");
                    return;
                };
                match self.open_register(tree, id, v) {
                    Ok(_) => r.opened += 1,
                    Err(e) => r.problems.push(Damaged::from_error(format!("register entry #{id}"), &e)),
                }
            })?;
        }
        // Issue 13 (P5-g): each restriction this member is a reader of opens.
        if self.can_read(AccessClass::Case) && readable(RESTRICTED) {
            for id in self.restricted_cases()? {
                match self.restriction(id) {
                    Ok(_) => r.opened += 1,
                    Err(StoreError::Restricted(_)) => {}
                    Err(e) => r.problems.push(Damaged::from_error(case_name(&seen.references, id), &e)),
                }
            }
        }

        // S-d, S-e, PRODUCT.md 7b: the DSL's disposal records, each opened
        // and checked as a DSL's; then every number handed out (concerns,
        // people, referrals, devices, searches, register entries) is a
        // record, or was deleted by one of them. A number with neither was
        // deleted outside casebook (a deputy's key can re-seal the board
        // index without its row, so the index alone does not show it).
        let dsl = self.me().role == Role::Dsl;
        let mut disposed = super::disposals::Accounted::default();
        if dsl && readable(DISPOSALS) {
            disposed = self.disposed_numbers()?;
            r.opened += disposed.records;
            // One not even an age file was named by the structural pass.
            for d in std::mem::take(&mut disposed.damaged) {
                if !r.problems.iter().any(|p| p.what == d.what) {
                    r.problems.push(d);
                }
            }
        }
        if readable(COUNTERS) {
            self.missing_numbers(backend, &readable, &seen, &disposed, &attached, r)?;
        }

        if self.can_read(AccessClass::Oversight) {
            let mut debriefs = BTreeSet::new();
            let mut links: Vec<(String, u32, String)> = Vec::new();
            each(backend, DEBRIEFS, |k, v| {
                let Ok(id) = id_of(k) else { return };
                if reported(DEBRIEFS, k) {
                    return;
                }
                match self.open_record::<Debrief>(AccessClass::Oversight, &Place::new(DEBRIEFS, k.to_vec(), 0), v) {
                    Ok(d) => {
                        r.opened += 1;
                        debriefs.insert(id);
                        links.extend(d.concerns.iter().map(|c| (d.reference.clone(), c.case_id, c.reference.clone())));
                    }
                    Err(e) => r.problems.push(Damaged::from_error(oversight_name(DEBRIEFS, id), &e)),
                }
            })?;
            if readable(CASES) {
                for (debrief, id, reference) in links {
                    // S-d: a debrief outlives the concern it learnt from
                    // (its link then holds the reference alone, number 0).
                    if id != 0 && !seen.cases.contains(&id) && !disposed.cases.contains(&id) {
                        r.problem(
                            format!("debrief {debrief}"),
                            format!("it links {reference} (#{id}), which is not in the store"),
                        );
                    }
                }
            }
            each(backend, ACTIONS, |k, v| {
                let Ok(id) = id_of(k) else { return };
                if reported(ACTIONS, k) {
                    return;
                }
                match self.open_record::<Action>(AccessClass::Oversight, &Place::new(ACTIONS, k.to_vec(), 0), v) {
                    Ok(a) => {
                        r.opened += 1;
                        if !seen.debriefs.contains(&a.debrief) {
                            r.problem(
                                a.label(),
                                format!("it comes from {}, which is not in the store", a.debrief_reference),
                            );
                        }
                    }
                    Err(e) => r.problems.push(Damaged::from_error(oversight_name(ACTIONS, id), &e)),
                }
            })?;
            each(backend, POLICIES, |k, v| {
                let Ok(id) = id_of(k) else { return };
                if reported(POLICIES, k) {
                    return;
                }
                match self.open_record::<TrackedPolicy>(AccessClass::Oversight, &Place::new(POLICIES, k.to_vec(), 0), v)
                {
                    Ok(_) => r.opened += 1,
                    Err(e) => r.problems.push(Damaged::from_error(oversight_name(POLICIES, id), &e)),
                }
            })?;
            each(backend, FIGURES, |k, v| {
                if reported(FIGURES, k) {
                    return;
                }
                let name = shard_name(k).map_or_else(|| "the figures".to_string(), |n| format!("the figures of {n}"));
                match self.open_record::<Figures>(AccessClass::Oversight, &Place::new(FIGURES, k.to_vec(), 0), v) {
                    Ok(_) => r.opened += 1,
                    Err(e) => r.problems.push(Damaged::from_error(name, &e)),
                }
            })?;
        }
        Ok(report)
    }
}

impl Session {
    /// PRODUCT.md 7b: someone who can write the store's files but holds no
    /// key must not delete a record unnoticed. Names every number handed
    /// out (by its counter) that has neither a record nor a disposal
    /// record accounting for it, and every file a concern's chronology
    /// says was attached, or numbered below one kept, that is not in the
    /// store.
    ///
    /// Only numbers below the highest one accounted for are checked: the
    /// last few may be saves still under way (a backup taken while members
    /// write holds a counter a moment ahead of them). What each member
    /// checks: the DSL, every number (they read the disposal records, S-d,
    /// S-e). A deputy cannot open those, so a number a disposal may have
    /// removed (a concern, person, referral, device or search) is checked
    /// only when nothing was ever disposed of. Register entries are never
    /// disposed of: whoever reads both register trees checks them (a
    /// served deputy or leadership is not served the disclosure register,
    /// whose entries from before it was numbered on its own share the
    /// register's numbers). A concern still in the store had no file
    /// disposed of: whoever reads the files checks them.
    fn missing_numbers(
        &self,
        backend: &dyn Backend,
        readable: &dyn Fn(&str) -> bool,
        seen: &Seen,
        disposed: &super::disposals::Accounted,
        attached: &BTreeMap<u32, u32>,
        r: &mut Report,
    ) -> Result<(), StoreError> {
        let counter = |name: &str| -> Result<u32, StoreError> {
            Ok(backend
                .get(COUNTERS, name.as_bytes())?
                .and_then(|b| <[u8; 4]>::try_from(b.as_slice()).ok())
                .map_or(0, u32::from_be_bytes))
        };
        let keys = |tree: &str| -> Result<BTreeSet<u32>, StoreError> {
            let mut out = BTreeSet::new();
            each(backend, tree, |k, _| {
                if let Ok(id) = id_of(k) {
                    out.insert(id);
                }
            })?;
            Ok(out)
        };
        let gone = "its number was handed out, but neither it nor a disposal record is in the store: deleted \
                    outside casebook, or its saving never finished (interrupted); a backup from before may hold it";
        let below = |counter: u32, present: &BTreeSet<u32>, disposed: &BTreeSet<u32>| {
            let highest = present.last().into_iter().chain(disposed.last()).copied().max().unwrap_or(0);
            1..counter.min(highest).min(10_000_000)
        };
        let dsl = self.me().role == Role::Dsl;
        let none_disposed =
            readable(DISPOSALS) && backend.scan_page(DISPOSALS, None, 1)?.is_empty() && counter("disposal")? == 0;
        if dsl || none_disposed {
            let cases: BTreeSet<u32> = seen.cases.union(&seen.metas).copied().collect();
            let trees = [
                (readable(CASES) && readable(CASE_META), "case", CASES, &cases, &disposed.cases),
                (readable(PEOPLE), "person", PEOPLE, &seen.people, &disposed.people),
                (readable(REFERRALS), "referral", REFERRALS, &seen.referrals, &disposed.referrals),
                (readable(CUSTODY), "custody", CUSTODY, &seen.custody, &disposed.custody),
                (readable(SEARCHES), "search", SEARCHES, &seen.searches, &disposed.searches),
            ];
            for (ok, name, tree, present, excused) in trees {
                if !ok {
                    continue;
                }
                for id in below(counter(name)?, present, excused) {
                    if !present.contains(&id) && !excused.contains(&id) {
                        let what = if tree == CASES { format!("concern #{id}") } else { oversight_name(tree, id) };
                        r.problem(what, gone);
                    }
                }
            }
        }

        // P5-a, P5-c, P5-e, P7-b: register entries are never deleted. The
        // disclosure register's entries from before it was numbered on its
        // own (issue 13: its numbers told others it existed) hold register
        // numbers; those since, numbers of their own.
        if readable(REGISTERS) && readable(DISCLOSURES) {
            let none = BTreeSet::new();
            let registers = keys(REGISTERS)?;
            let disclosures = keys(DISCLOSURES)?;
            let own_from = super::registers::disclosures_numbered_from(backend)?;
            let shared: BTreeSet<u32> =
                disclosures.iter().copied().filter(|d| own_from.is_none_or(|from| *d < from)).collect();
            let accounted: BTreeSet<u32> = registers.union(&shared).copied().collect();
            for id in below(counter("register")?, &accounted, &none) {
                if !accounted.contains(&id) {
                    r.problem(format!("register entry #{id}"), gone);
                }
            }
            // Its own numbers run on from the first with no gap (each the
            // one after the highest entry).
            if dsl && let Some(from) = own_from {
                let own: BTreeSet<u32> = disclosures.iter().copied().filter(|d| *d >= from).collect();
                let highest = own.last().copied().unwrap_or(0).min(from.saturating_add(10_000_000));
                for id in from..highest {
                    if !own.contains(&id) {
                        r.problem(format!("disclosure register entry #{id}"), gone);
                    }
                }
            }
        }

        // A concern's files are numbered 1, 2, … and each attachment is a
        // chronology entry; only a disposal (the whole concern) deletes one.
        if readable(ATTACHMENTS) && readable(CASES) {
            let mut files: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
            each(backend, ATTACHMENTS, |k, _| {
                if let (Some(case), Some(number)) = (k.get(..4), k.get(4..))
                    && let (Ok(case), Ok(number)) = (id_of(case), id_of(number))
                {
                    files.entry(case).or_default().insert(number);
                }
            })?;
            let none = BTreeSet::new();
            for case_id in &seen.cases {
                let kept = files.get(case_id).unwrap_or(&none);
                let said = attached.get(case_id).copied().unwrap_or(0);
                let highest = kept.last().copied().unwrap_or(0).max(said).min(10_000);
                for number in 1..=highest {
                    if kept.contains(&number) {
                        continue;
                    }
                    let detail = if number <= said {
                        "its concern's chronology says it was attached, but it is not in the store: deleted \
                         outside casebook; a backup from before may hold it"
                    } else {
                        "a later file of its concern is in the store, but it is not: deleted outside casebook; a \
                         backup from before may hold it"
                    };
                    r.problem(format!("file {number} of {}", case_name(&seen.references, *case_id)), detail);
                }
            }
        }
        Ok(())
    }
}
