//! Leadership's records: debriefs (P9-c), lessons-learned actions (P9-d),
//! tracked policies and their reviews (P8-a) and anonymised figures (P9-e).
//!
//! Every value in these trees is an age record sealed to the Oversight
//! class: the DSL, deputies and leadership. Concerns stay in the Case class
//! (DSL and deputies only), so a leadership key opens every record here and
//! not one concern: the boundary is the encryption, not a menu (P9-e).
//! sled holds only the numeric ids as keys.
//!
//! Writing is the DSL's and deputies' (they run debriefs and own the policy
//! review); an action's owner may also move their own action along, so
//! leadership can close the actions they own.

use chrono::{Datelike, NaiveDateTime};

use super::codec::Record;
use super::{Batch, Damaged, Listed, Place, Session, StoreError, be, corrupt, id_of, malformed_key, resolve_reference};
use crate::domain::action::{action_label, action_order};
use crate::domain::debrief::awaiting_since;
use crate::domain::names::names_mentioned;
use crate::domain::{
    AccessClass, Action, ActionId, ActionKind, ActionStatus, Author, AwaitingDebrief, ConcernLink, Dashboard, Debrief,
    DebriefId, FieldError, Figures, NewAction, NewDebrief, PolicyId, Review, ReviewTrigger, Role, Status,
    TrackedPolicy, TriggerKind,
};

use super::trees::{ACTIONS, DEBRIEFS, FIGURES, POLICIES};
/// The one figures record (the latest anonymised counts) is under this key.
const FIGURES_KEY: &str = "cases";
/// The catalogue's own policy is tracked under this id.
const SEED_POLICY: PolicyId = 1;

/// A debrief just recorded, and the concerns it moved from "awaiting
/// debrief" to closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedDebrief {
    pub debrief: Debrief,
    pub closed: Vec<String>,
}

/// What the policy review form supplies; the session adds who and when.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewInput {
    pub date: chrono::NaiveDate,
    /// The version after the review; empty keeps the current one.
    pub version: String,
    pub note: String,
    /// Policy-change actions this review completes (P8-a).
    pub close_actions: Vec<ActionId>,
}

fn incomplete(what: &str, errors: &[FieldError]) -> StoreError {
    StoreError::Input(format!(
        "the {what} is not complete: {}",
        errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
    ))
}

impl Session {
    /// P9-c: debriefs, actions and policy reviews are recorded by the DSL
    /// and deputies; leadership reads them.
    fn require_lead(&self, action: &str) -> Result<(), StoreError> {
        match self.me().role {
            Role::Dsl | Role::Deputy => Ok(()),
            role => Err(StoreError::Forbidden { role, action: action.to_string() }),
        }
    }

    fn open_oversight<T: Record>(&self, tree: &str, what: &str, id: u32, sealed: &[u8]) -> Result<T, StoreError> {
        self.open_record(AccessClass::Oversight, &Place::new(tree, be(id), 0), sealed).map_err(|e| match e {
            StoreError::Corrupt { detail, .. } => corrupt(format!("{what} #{id}"), detail),
            other => other,
        })
    }

    /// Every record of a tree that opens; each one that does not is named
    /// (by `name`, from its id) and skipped, never failing the list (issue 11).
    fn load_all<T: Record>(
        &self,
        tree: &str,
        what: &str,
        name: impl Fn(u32) -> String,
    ) -> Result<Listed<Vec<T>>, StoreError> {
        self.require(AccessClass::Oversight, &format!("read {what}s"))?;
        let mut out = Listed::new(Vec::new());
        for (k, v) in self.store.backend.scan(tree)? {
            let Ok(id) = id_of(&k) else {
                out.damaged.push(Damaged::new(malformed_key(what, &k), format!("it names no {what}")));
                continue;
            };
            match self.open_oversight(tree, what, id, &v) {
                Ok(record) => out.items.push(record),
                Err(e) => out.damaged.push(Damaged::from_error(name(id), &e)),
            }
        }
        Ok(out)
    }

    /// Names every id its counter handed out that is neither listed nor
    /// already named as damaged: a debrief or action deleted on disk (issue
    /// 10: "delete a debrief") is said on every list, never silently gone.
    /// Ids are handed out just before their record is written, so a gap is
    /// a deletion or a save that never finished; the message says both.
    fn name_missing(
        &self,
        damaged: &mut Vec<Damaged>,
        counter: &str,
        found: &[u32],
        name: impl Fn(u32) -> String,
    ) -> Result<(), StoreError> {
        let handed_out = match self.store.backend.get(super::trees::COUNTERS, counter.as_bytes())? {
            Some(b) => <[u8; 4]>::try_from(b.as_slice()).map(u32::from_be_bytes).unwrap_or(0),
            None => 0,
        };
        let named: Vec<String> = damaged.iter().map(|d| d.what.clone()).collect();
        for id in (1..=handed_out.min(1_000_000)).filter(|id| !found.contains(id)) {
            let what = name(id);
            if !named.contains(&what) {
                damaged.push(Damaged::new(
                    what,
                    "it is not in the store: deleted outside casebook, or its saving never finished; a backup \
                     from before it went may hold it",
                ));
            }
        }
        Ok(())
    }

    /// One record and its sealed bytes (for a compare-and-swap update).
    fn load_one<T: Record>(&self, tree: &str, what: &str, id: u32) -> Result<(T, Vec<u8>), StoreError> {
        self.require(AccessClass::Oversight, &format!("read {what}s"))?;
        let sealed =
            self.store.backend.get(tree, &be(id))?.ok_or_else(|| StoreError::Input(format!("no {what} #{id}")))?;
        Ok((self.open_oversight(tree, what, id, &sealed)?, sealed))
    }

    /// Writes a new record and fsyncs: once this returns it survives a crash.
    fn insert_new<T: Record>(&self, tree: &str, id: u32, value: &T, label: &str) -> Result<(), StoreError> {
        let sealed = self.seal(AccessClass::Oversight, &Place::new(tree, be(id), 0), value)?;
        self.apply_labelled(Batch::new().check(tree, be(id), None::<Vec<u8>>).put(tree, be(id), sealed), label)
    }

    /// Replaces a record only if nobody changed it since it was read.
    fn replace<T: Record>(&self, tree: &str, id: u32, old: &[u8], value: &T, label: &str) -> Result<(), StoreError> {
        let sealed = self.seal(AccessClass::Oversight, &Place::new(tree, be(id), 0), value)?;
        self.apply_labelled(Batch::new().check(tree, be(id), Some(old.to_vec())).put(tree, be(id), sealed), label)
    }

    /// Applies a batch; a record that moved since it was read is a conflict
    /// named by `label`, and nothing is written.
    fn apply_labelled(&self, batch: Batch, label: &str) -> Result<(), StoreError> {
        match self.store.backend.apply(batch) {
            Ok(_) => Ok(()),
            Err(StoreError::Stale { .. }) => Err(StoreError::Conflict(label.to_string())),
            Err(e) => Err(e),
        }
    }

    // ---- debriefs (P9-c) --------------------------------------------------

    /// Records a debrief (DSL or deputy). Its concerns are linked by
    /// reference only; those awaiting a debrief move to closed, with a
    /// chronology entry naming the debrief. Validate with
    /// [`NewDebrief::validate`] and warn with [`Session::debrief_name_warnings`]
    /// first: this refuses an incomplete debrief but not one naming someone.
    pub fn record_debrief(&mut self, new: NewDebrief, now: NaiveDateTime) -> Result<RecordedDebrief, StoreError> {
        self.require_lead("record debriefs")?;
        self.require(AccessClass::Case, "record debriefs")?;
        let errors = new.validate(now.date());
        if !errors.is_empty() {
            return Err(incomplete("debrief", &errors));
        }
        let board = self.board()?;
        let mut links: Vec<(ConcernLink, Status)> = Vec::new();
        for typed in new.concerns.iter().filter(|r| !r.trim().is_empty()) {
            // The same shorthands as every other command (issue 8): "2026-1", "1".
            let (id, _) = resolve_reference(&board.rows, typed)?;
            let row = board.rows.iter().find(|r| r.id == id).ok_or_else(|| StoreError::NoSuchCase(typed.clone()))?;
            if !links.iter().any(|(l, _)| l.case_id == row.id) {
                links.push((ConcernLink { case_id: row.id, reference: row.reference.clone() }, row.status));
            }
        }
        let attendees = new
            .attendees
            .iter()
            .map(|&id| {
                self.member(id)
                    .map(|m| Author { member: m.id, name: m.name.clone() })
                    .ok_or_else(|| StoreError::Input(format!("no member #{id}; see `casebook member list`")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // P6.1-b: a debrief closes the concerns awaiting it; none may close
        // with a device still held, so the debrief waits too.
        for (link, status) in &links {
            if *status == Status::AwaitingDebrief {
                self.refuse_close_while_held(link.case_id)?;
            }
        }
        let id = self.store.next_counter("debrief")?;
        let seq = self.store.next_counter(&format!("debrief-ref-{}", new.held_on.year()))?;
        let reference = format!("D-{}-{:04}", new.held_on.year(), seq);
        let debrief = Debrief {
            id,
            reference: reference.clone(),
            concerns: links.iter().map(|(l, _)| l.clone()).collect(),
            held_on: new.held_on,
            attendees,
            other_attendees: new
                .other_attendees
                .iter()
                .map(|o| o.trim().to_string())
                .filter(|o| !o.is_empty())
                .collect(),
            summary: new.summary.trim().to_string(),
            what_worked: new.what_worked.trim().to_string(),
            what_did_not: new.what_did_not.trim().to_string(),
            lessons: new.numbered_lessons(),
            changes_needed: new.changes_needed.trim().to_string(),
            recorded_by: self.author(),
            recorded_at: now,
        };
        self.insert_new(DEBRIEFS, id, &debrief, &reference)?;
        // The debrief is on disk first: a failure below leaves a concern
        // awaiting debrief (visible, and closable by hand), never a closed
        // concern without its debrief.
        let mut closed = Vec::new();
        for (link, status) in &links {
            if *status != Status::AwaitingDebrief {
                continue;
            }
            self.update_case(link.case_id, |case, _, me| case.close_by_debrief(&reference, me, now)).map_err(|e| {
                StoreError::Input(format!("{reference} was recorded, but {} could not be closed: {e}", link.reference))
            })?;
            closed.push(link.reference.clone());
        }
        Ok(RecordedDebrief { debrief, closed })
    }

    /// Every debrief, most recently held first (DSL, deputies, leadership).
    /// A damaged one is named by its number (its reference is inside it).
    pub fn debriefs(&self) -> Result<Listed<Vec<Debrief>>, StoreError> {
        let mut all: Listed<Vec<Debrief>> = self.load_all(DEBRIEFS, "debrief", |id| format!("debrief #{id}"))?;
        let found: Vec<u32> = all.items.iter().map(|d| d.id).collect();
        self.name_missing(&mut all.damaged, "debrief", &found, |id| format!("debrief #{id}"))?;
        all.items.sort_by(|a, b| b.held_on.cmp(&a.held_on).then(b.id.cmp(&a.id)));
        Ok(all)
    }

    pub fn debrief(&self, id: DebriefId) -> Result<Debrief, StoreError> {
        Ok(self.load_one(DEBRIEFS, "debrief", id)?.0)
    }

    /// A debrief's id from its reference ("D-2026-0001") or its number.
    pub fn find_debrief(&self, reference: &str) -> Result<DebriefId, StoreError> {
        let wanted = reference.trim().to_ascii_uppercase();
        self.debriefs()?
            .into_iter()
            .find(|d| d.reference == wanted || wanted.trim_start_matches('#') == d.id.to_string())
            .map(|d| d.id)
            .ok_or_else(|| StoreError::Input(format!("no debrief {}; see `casebook debrief list`", reference.trim())))
    }

    /// Concerns still waiting for a debrief, longest waiting first (DSL and
    /// deputies: the references are case detail leadership does not need).
    /// A concern whose record no longer opens is still listed, waiting since
    /// it was reported, and named in `damaged` (issue 11).
    pub fn awaiting_debrief(&mut self) -> Result<Listed<Vec<AwaitingDebrief>>, StoreError> {
        self.require(AccessClass::Case, "see concerns awaiting debrief")?;
        let board = self.board()?;
        let mut out = Listed::new(Vec::new());
        out.damaged = board.problems;
        for row in board.rows.into_iter().filter(|r| r.status == Status::AwaitingDebrief) {
            let since = match self.case(row.id) {
                Ok(case) => awaiting_since(&case).unwrap_or(row.reported_at),
                Err(e) => {
                    out.damaged.push(Damaged::from_error(format!("concern {} (#{})", row.reference, row.id), &e));
                    row.reported_at
                }
            };
            out.items.push(AwaitingDebrief {
                case_id: row.id,
                reference: row.reference,
                category: row.category,
                since,
            });
        }
        out.items.sort_by(|a, b| a.since.cmp(&b.since).then(a.reference.cmp(&b.reference)));
        Ok(out)
    }

    /// P9-e: the subject names a debrief's text mentions, for the form's
    /// warning before leadership can read it. See [`Session::name_warnings`].
    pub fn debrief_name_warnings(&mut self, new: &NewDebrief) -> Result<Vec<String>, StoreError> {
        self.require_lead("record debriefs")?;
        self.require(AccessClass::Case, "record debriefs")?;
        self.name_warnings(&new.text(), &new.concerns)
    }

    /// P9-e: the subject names an action's text mentions (its description,
    /// or the evidence or reason of a status change): the concerns of the
    /// action's debrief are checked in full. See [`Session::name_warnings`].
    pub fn action_name_warnings(&mut self, debrief: DebriefId, text: &str) -> Result<Vec<String>, StoreError> {
        let concerns = match self.debrief(debrief) {
            Ok(d) => d.concerns.into_iter().map(|c| c.reference).collect(),
            Err(_) => Vec::new(),
        };
        self.name_warnings(text, &concerns)
    }

    /// P9-e: which subjects of concerns `text` names, before it is saved
    /// where leadership can read it (a debrief, an action, its evidence, a
    /// policy review or trigger note). Checks every subject of the
    /// `concerns` given by reference, and the board's subject of every other
    /// concern (the index holds each case's first subject, so no bulk
    /// decryption). Accent-blind, whole words; see [`names_mentioned`]. A
    /// member whose key cannot open concerns cannot be warned: empty.
    pub fn name_warnings(&mut self, text: &str, concerns: &[String]) -> Result<Vec<String>, StoreError> {
        if !self.can_read(AccessClass::Case) {
            return Ok(Vec::new());
        }
        let board = self.board()?;
        let mut names: Vec<String> = Vec::new();
        for reference in concerns {
            if let Ok((id, _)) = resolve_reference(&board.rows, reference) {
                names.extend(self.case(id)?.concern.subjects.into_iter().map(|s| s.name));
            }
        }
        for row in &board.rows {
            // The board shows "Name +2" for several subjects.
            let first = match row.subject.rsplit_once(" +") {
                Some((name, more)) if more.chars().all(|c| c.is_ascii_digit()) => name,
                _ => row.subject.as_str(),
            };
            names.push(first.to_string());
        }
        names.retain(|n| !n.trim().is_empty());
        names.sort();
        names.dedup();
        Ok(names_mentioned(text, &names))
    }

    // ---- actions (P9-d) ---------------------------------------------------

    /// Adds an action for a lesson of a debrief (DSL or deputy). Its owner
    /// must be able to read it (DSL, deputy or leadership). A policy-change
    /// action also logs a review trigger on the policy (P8-a).
    pub fn add_action(&mut self, new: NewAction, now: NaiveDateTime) -> Result<Action, StoreError> {
        self.require_lead("add actions")?;
        let debrief = self.debrief(new.debrief)?;
        let errors = new.validate(&debrief, now.date());
        if !errors.is_empty() {
            return Err(incomplete("action", &errors));
        }
        let owner = self
            .member(new.owner)
            .ok_or_else(|| StoreError::Input(format!("no member #{}; see `casebook member list`", new.owner)))?;
        if !owner.role.reads(AccessClass::Oversight) {
            return Err(StoreError::Input(format!(
                "{} ({}) cannot read actions, so cannot own one; give it to a DSL, deputy or leadership member",
                owner.name, owner.role
            )));
        }
        let owner = Author { member: owner.id, name: owner.name.clone() };
        let id = self.store.next_counter("action")?;
        let action = Action {
            id,
            debrief: debrief.id,
            debrief_reference: debrief.reference.clone(),
            lesson: new.lesson,
            description: new.description.trim().to_string(),
            kind: new.kind,
            owner,
            due: new.due,
            created_by: self.author(),
            created_at: now,
            history: Vec::new(),
        };
        self.insert_new(ACTIONS, id, &action, &action.label())?;
        if action.kind == ActionKind::PolicyChange {
            let note = format!("{} ({}): {}", action.label(), action.source_label(), action.description);
            self.log_review_trigger(SEED_POLICY, TriggerKind::ActionPolicyChange, &note, Some(id), now)?;
        }
        Ok(action)
    }

    /// Every action, still-to-do first and by due date (DSL, deputies,
    /// leadership). Filter with [`crate::domain::ActionFilter`].
    pub fn actions(&self) -> Result<Listed<Vec<Action>>, StoreError> {
        let mut all: Listed<Vec<Action>> = self.load_all(ACTIONS, "action", action_label)?;
        let found: Vec<u32> = all.items.iter().map(|a| a.id).collect();
        self.name_missing(&mut all.damaged, "action", &found, action_label)?;
        all.items.sort_by(action_order);
        Ok(all)
    }

    pub fn action(&self, id: ActionId) -> Result<Action, StoreError> {
        Ok(self.load_one(ACTIONS, "action", id)?.0)
    }

    /// Moves an action along its lifecycle; the change is appended to its
    /// history with who and when (P9-d). The DSL, deputies and the action's
    /// owner may do this.
    pub fn change_action_status(
        &mut self,
        id: ActionId,
        to: ActionStatus,
        note: &str,
        now: NaiveDateTime,
    ) -> Result<Action, StoreError> {
        let (mut action, old) = self.load_one::<Action>(ACTIONS, "action", id)?;
        let me = self.me();
        if !matches!(me.role, Role::Dsl | Role::Deputy) && action.owner.member != me.id {
            return Err(StoreError::Forbidden {
                role: me.role,
                action: format!("update {} (it is {}'s)", action.label(), action.owner.name),
            });
        }
        action.change_status(to, note, &self.author(), now)?;
        self.replace(ACTIONS, id, &old, &action, &action.label())?;
        Ok(action)
    }

    // ---- policy review (P8-a) ---------------------------------------------

    /// The tracked policies. On first use the catalogue's policy is added
    /// (the seed: written June 2024, so overdue since June 2025).
    pub fn policies(&self) -> Result<Listed<Vec<TrackedPolicy>>, StoreError> {
        self.require(AccessClass::Oversight, "read policy reviews")?;
        if self.store.backend.scan_page(POLICIES, None, 1)?.is_empty() {
            let seed = TrackedPolicy::from_catalogue(SEED_POLICY, &self.catalogue().policy);
            let sealed = self.seal(AccessClass::Oversight, &Place::new(POLICIES, be(SEED_POLICY), 0), &seed)?;
            // Another writer may have seeded it a moment ago: theirs stands.
            let batch =
                Batch::new().check(POLICIES, be(SEED_POLICY), None::<Vec<u8>>).put(POLICIES, be(SEED_POLICY), sealed);
            match self.store.backend.apply(batch) {
                Ok(_) | Err(StoreError::Stale { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.load_all(POLICIES, "policy", |id| format!("policy #{id}"))
    }

    pub fn policy(&self, id: PolicyId) -> Result<TrackedPolicy, StoreError> {
        Ok(self.load_policy(id)?.0)
    }

    fn load_policy(&self, id: PolicyId) -> Result<(TrackedPolicy, Vec<u8>), StoreError> {
        if id == SEED_POLICY {
            self.policies()?;
        }
        self.load_one(POLICIES, "policy", id)
    }

    /// Logs something that asks for a review before the calendar does
    /// (P8-a): a national or local update, a local concern, an
    /// infrastructure change, or a policy-change action.
    pub fn log_review_trigger(
        &mut self,
        policy: PolicyId,
        kind: TriggerKind,
        note: &str,
        action: Option<ActionId>,
        now: NaiveDateTime,
    ) -> Result<TrackedPolicy, StoreError> {
        self.require_lead("log review triggers")?;
        if let Some(a) = action {
            self.action(a)?;
        }
        let (mut p, old) = self.load_policy(policy)?;
        p.log_trigger(ReviewTrigger { kind, note: note.to_string(), action, by: self.author(), at: now })?;
        self.replace(POLICIES, policy, &old, &p, &p.name)?;
        Ok(p)
    }

    /// Records a review: the next due date runs from it, and the named
    /// policy-change actions are marked done with the review as their
    /// evidence, in the same transaction (P8-a, P9-d).
    pub fn record_policy_review(
        &mut self,
        policy: PolicyId,
        input: ReviewInput,
        now: NaiveDateTime,
    ) -> Result<TrackedPolicy, StoreError> {
        self.require_lead("record policy reviews")?;
        let (mut p, old_policy) = self.load_policy(policy)?;
        let mut closing: Vec<(Action, Vec<u8>)> = Vec::new();
        for &id in &input.close_actions {
            if closing.iter().any(|(a, _)| a.id == id) {
                continue;
            }
            let (action, old) = self.load_one::<Action>(ACTIONS, "action", id)?;
            if action.kind != ActionKind::PolicyChange {
                return Err(StoreError::Input(format!(
                    "{} is a {} action; a policy review closes only policy-change actions",
                    action.label(),
                    action.kind.label()
                )));
            }
            if !action.status().is_live() {
                return Err(StoreError::Input(format!("{} is already {}", action.label(), action.status().label())));
            }
            closing.push((action, old));
        }
        let me = self.author();
        p.record_review(Review {
            date: input.date,
            version: input.version,
            note: input.note,
            closed_actions: closing.iter().map(|(a, _)| a.id).collect(),
            by: me.clone(),
            recorded_at: now,
        })?;
        let review = p.reviews.last().expect("just recorded");
        let evidence = format!("Closed by the review of the {} on {}: {}", p.name, review.date, review.note);
        for (action, _) in &mut closing {
            action.change_status(ActionStatus::Done, &evidence, &me, now)?;
        }
        let sealed_policy = self.seal(AccessClass::Oversight, &Place::new(POLICIES, be(policy), 0), &p)?;
        let sealed_actions = closing
            .iter()
            .map(|(a, old)| {
                Ok((a.id, old.clone(), self.seal(AccessClass::Oversight, &Place::new(ACTIONS, be(a.id), 0), a)?))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut batch =
            Batch::new().check(POLICIES, be(policy), Some(old_policy)).put(POLICIES, be(policy), sealed_policy);
        for (id, old, sealed) in sealed_actions {
            batch = batch.check(ACTIONS, be(id), Some(old)).put(ACTIONS, be(id), sealed);
        }
        match self.store.backend.apply(batch) {
            Ok(_) => {}
            Err(StoreError::Stale { tree, key }) => {
                let what =
                    if tree == ACTIONS { id_of(&key).map(action_label).unwrap_or_default() } else { p.name.clone() };
                return Err(StoreError::Conflict(what));
            }
            Err(e) => return Err(e),
        }
        Ok(p)
    }

    // ---- figures and the dashboard (P9-e) ---------------------------------

    /// Anonymised counts of concerns by category and status. The DSL and
    /// deputies get them fresh from the board; leadership reads the counts
    /// written beside each shard of the board index whenever a case is
    /// written (no names, references or dates; `None` before the first
    /// concern; `computed_at` says how fresh they are).
    ///
    /// Issue 11: the counts of a damaged shard are left out and named; the
    /// rest are shown.
    pub fn figures(&mut self, now: NaiveDateTime) -> Result<Listed<Option<Figures>>, StoreError> {
        self.require(AccessClass::Oversight, "read figures")?;
        if self.can_read(AccessClass::Case) {
            let board = self.board()?;
            return Ok(Listed { items: Some(Figures::from_rows(&board.rows, now)), damaged: board.problems });
        }
        // One record per shard of the board index (see Session::board); a
        // store from before sharding has one record under FIGURES_KEY.
        let mut parts = Vec::new();
        let mut legacy = None;
        let mut damaged = Vec::new();
        for (key, sealed) in self.store.backend.scan(FIGURES)? {
            let shard = key.strip_prefix(super::SHARD_PREFIX).and_then(|n| id_of(n).ok());
            let figures: Figures =
                match self.open_record(AccessClass::Oversight, &Place::new(FIGURES, key.to_vec(), 0), &sealed) {
                    Ok(f) => f,
                    Err(e) => {
                        let what = match shard {
                            Some(n) => {
                                let first = n.saturating_mul(super::INDEX_SHARD_ROWS);
                                format!(
                                    "the figures of concerns #{first}–#{}",
                                    first.saturating_add(super::INDEX_SHARD_ROWS - 1)
                                )
                            }
                            None => "the figures".to_string(),
                        };
                        damaged.push(Damaged::from_error(what, &e));
                        continue;
                    }
                };
            if key.starts_with(super::SHARD_PREFIX) {
                parts.push(figures);
            } else if key == FIGURES_KEY.as_bytes() {
                legacy = Some(figures);
            }
        }
        Ok(Listed { items: if parts.is_empty() { legacy } else { Figures::merge(parts) }, damaged })
    }

    /// Everything the leadership dashboard shows: action counts and the
    /// overdue ones, debriefs this term, concerns as counts only, and the
    /// policy review status (P9-d, P9-e, P8-a).
    ///
    /// Issue 11: computed from every record that opens; the ones that do
    /// not are named in `damaged`.
    pub fn dashboard(&mut self, now: NaiveDateTime) -> Result<Listed<Dashboard>, StoreError> {
        let debriefs = self.debriefs()?;
        let actions = self.actions()?;
        let policies = self.policies()?;
        let figures = self.figures(now)?;
        let dashboard = Dashboard::compute(now.date(), &debriefs, &actions, &policies, figures.items);
        let damaged = [debriefs.damaged, actions.damaged, policies.damaged, figures.damaged].concat();
        Ok(Listed { items: dashboard, damaged })
    }
}
