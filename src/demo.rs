//! The demo: a throwaway store full of fictional, realistic concerns that
//! cover every category of the policy catalogue, with keys that need no
//! passphrase. Every name here is invented; none is a real person.

use std::path::{Path, PathBuf};

use age::x25519;
use chrono::{Datelike, Duration, NaiveDateTime};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::domain::{EntryKind, NewConcern, Risk, Role, Source, Status, Subject, SubjectKind, Triage, Urgency};
use crate::store::{Session, Store, StoreError, identity};

pub const SCHOOL: &str = "Hollybrook Primary School";
pub const DEFAULT_CONCERNS: usize = 48;

const FIRST: &[&str] = &[
    "Amara",
    "Bram",
    "Cosima",
    "Dashiell",
    "Elowen",
    "Fenwick",
    "Greer",
    "Hollis",
    "Ivo",
    "Juniper",
    "Kestrel",
    "Linnea",
    "Marlowe",
    "Nico",
    "Orla",
    "Peregrine",
    "Quilla",
    "Rafferty",
    "Saffi",
    "Tamsin",
    "Ulric",
    "Verity",
    "Wren",
    "Xanthe",
    "Yannick",
    "Zinnia",
];
const LAST: &[&str] = &[
    "Ashgrove",
    "Brackenbury",
    "Coldharbour",
    "Dunmore",
    "Elderkin",
    "Fennimore",
    "Gladwell",
    "Hartshorn",
    "Inchbold",
    "Jessamy",
    "Kettleby",
    "Loxley-Vane",
    "Merriweather",
    "Nettlefold",
    "Oakhanger",
    "Pennycress",
    "Quarrendon",
    "Rookwood",
    "Sallowfield",
    "Thistlewood",
    "Underhay",
    "Vellacott",
    "Wimbourne",
    "Yarrowby",
];
const REPORTERS: &[&str] =
    &["class teacher", "teaching assistant", "lunchtime supervisor", "office manager", "invigilator", "IT technician"];
const STAFF_ROLES: &[&str] = &[
    "teaching assistant",
    "Year 4 teacher",
    "lunchtime supervisor",
    "supply teacher",
    "office manager",
    "sports coach",
];
const VISITOR_ORGS: &[&str] =
    &["photography contractor", "visiting speech therapist", "building contractor", "parent volunteer"];

/// Per category: the location, devices, and a few fictional but realistic
/// descriptions and immediate actions, keyed by catalogue id.
struct Scenario {
    category: &'static str,
    subject: SubjectKind,
    locations: &'static [&'static str],
    devices: &'static [&'static str],
    descriptions: &'static [&'static str],
    action: &'static str,
    source: Source,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        category: "restricted-area",
        subject: SubjectKind::Child,
        locations: &["toilets", "cloakroom"],
        devices: &["mobile-phone"],
        descriptions: &[
            "{name} was seen holding a phone up over the cubicle wall in the boys' toilets at morning break. Another pupil said it was 'just a joke video'.",
            "During wet play {name} was using a phone in the cloakroom and appeared to be taking photographs of coats and bags; two other pupils were present.",
        ],
        action: "Phone taken to the office and locked in the cupboard; pupils separated; class teacher informed.",
        source: Source::StaffReport,
    },
    Scenario {
        category: "abusive-messages",
        subject: SubjectKind::Child,
        locations: &["off-site", "playground"],
        devices: &["mobile-phone", "tablet"],
        descriptions: &[
            "A parent showed the class teacher screenshots of messages sent to their child in a group chat over the weekend. The messages call the child names and tell them nobody wants them at the party. {name} is named as the sender.",
            "{name} told a lunchtime supervisor that an older pupil keeps sending voice notes saying they will 'get' them after school. The messages started last week.",
        ],
        action: "Screenshots described (not copied); child reassured and given a safe adult to go to; parents to be contacted.",
        source: Source::Complaint,
    },
    Scenario {
        category: "offensive-content",
        subject: SubjectKind::Child,
        locations: &["classroom", "playground"],
        devices: &["tablet", "mobile-phone"],
        descriptions: &[
            "{name} showed a group of Year 5 pupils a video with racist language on a tablet brought from home. Several children were upset.",
            "A pupil reported that {name} has a game on their phone showing graphic violence and has been showing it to younger children at the gate.",
        ],
        action: "Device held in the office; children who saw it spoken to; class teacher to monitor.",
        source: Source::StaffReport,
    },
    Scenario {
        category: "indecent-image",
        subject: SubjectKind::Child,
        locations: &["playground", "toilets", "off-site"],
        devices: &["mobile-phone"],
        descriptions: &[
            "A pupil told their teacher that an image of {name} without clothes is being passed around a messaging group. The teacher did not look at any device.",
            "{name} disclosed that someone they met in an online game asked them for pictures and they sent one. They are frightened it has been shared.",
        ],
        action: "Device confiscated without viewing, sealed in an envelope and locked in the office; referred to the DSL at once (P6.1-c).",
        source: Source::StaffReport,
    },
    Scenario {
        category: "illegal-data",
        subject: SubjectKind::Child,
        locations: &["office", "classroom"],
        devices: &["mobile-phone", "other"],
        descriptions: &[
            "While returning a confiscated phone, the office manager saw a notification suggesting {name}'s phone is being used to sell stolen items. Nothing was opened.",
        ],
        action: "Device retained in the office safe pending advice; not examined further.",
        source: Source::StaffReport,
    },
    Scenario {
        category: "search-risk",
        subject: SubjectKind::Child,
        locations: &["office"],
        devices: &["mobile-phone"],
        descriptions: &[
            "An authorised search of {name}'s phone (for suspected bullying messages) showed messages from an adult asking the child to keep their friendship secret.",
        ],
        action: "Search stopped; phone secured; DSL informed immediately; witness present throughout.",
        source: Source::StaffReport,
    },
    Scenario {
        category: "device-in-exam",
        subject: SubjectKind::Child,
        locations: &["exam-room"],
        devices: &["smart-watch", "mobile-phone"],
        descriptions: &[
            "During the Year 6 reading test, the invigilator noticed {name} wearing a smart watch that can receive messages. It lit up twice.",
            "A phone was found in {name}'s pencil case during the SATs maths paper. The child said they forgot to hand it in.",
        ],
        action: "Device removed and held by the invigilator; exams officer informed; child allowed to finish the paper.",
        source: Source::StaffReport,
    },
    Scenario {
        category: "child-device-on-site",
        subject: SubjectKind::Child,
        locations: &["classroom", "playground", "corridor"],
        devices: &["mobile-phone", "smart-watch", "games-console"],
        descriptions: &[
            "{name} kept their phone in their bag instead of handing it in and was texting during the lesson.",
            "{name} brought a handheld games console into school and was playing online with people outside school at lunchtime.",
        ],
        action: "Device handed to the office; parents to collect at the end of the day.",
        source: Source::StaffReport,
    },
    Scenario {
        category: "staff-device-teaching",
        subject: SubjectKind::Staff,
        locations: &["classroom"],
        devices: &["mobile-phone"],
        descriptions: &[
            "{name} was seen scrolling on a personal phone during a phonics group while pupils worked unsupervised. No permission had been given.",
        ],
        action: "Spoken to by the deputy head; reminded of the policy; to be followed up by the headteacher.",
        source: Source::Whistleblowing,
    },
    Scenario {
        category: "staff-contact-personal",
        subject: SubjectKind::Staff,
        locations: &["off-site"],
        devices: &["mobile-phone"],
        descriptions: &[
            "A parent mentioned that {name} had messaged them from a personal number about their child's reading book, and then about a weekend football club.",
        ],
        action: "Information recorded; no contact made with the staff member yet pending DSL advice.",
        source: Source::Complaint,
    },
    Scenario {
        category: "staff-images-personal",
        subject: SubjectKind::Staff,
        locations: &["playground", "classroom"],
        devices: &["mobile-phone", "tablet"],
        descriptions: &[
            "On sports day {name} was seen photographing pupils on a personal phone. When asked, they said the school camera had a flat battery.",
        ],
        action: "Staff member asked not to share the images; headteacher informed.",
        source: Source::StaffReport,
    },
    Scenario {
        category: "staff-illegal",
        subject: SubjectKind::Staff,
        locations: &["staff-room", "off-site"],
        devices: &["mobile-phone", "other"],
        descriptions: &[
            "A colleague reported seeing content on {name}'s personal phone in the staff room that they believe may be illegal. They did not look further.",
        ],
        action: "Headteacher informed at once; no one to speak to the staff member; LADO to be called.",
        source: Source::Whistleblowing,
    },
    Scenario {
        category: "visitor-device",
        subject: SubjectKind::Visitor,
        locations: &["corridor", "classroom"],
        devices: &["mobile-phone"],
        descriptions: &[
            "{name} was on a video call in the Year 1 corridor while children walked past, with the camera pointing towards the classroom door.",
            "{name} was seen filming a class assembly on a phone without agreement; they said it was 'for the newsletter'.",
        ],
        action: "Visitor challenged politely and asked to put the phone away; reception informed.",
        source: Source::StaffReport,
    },
    Scenario {
        category: "monitoring-alert",
        subject: SubjectKind::Child,
        locations: &["classroom"],
        devices: &["tablet"],
        descriptions: &[
            "The filtering system flagged repeated searches on a school tablet logged in as {name} for terms about self-harm during an independent research task.",
            "A monitoring alert showed {name}'s school account trying to reach a blocked chat site several times in one afternoon.",
        ],
        action: "Alert downloaded by the IT technician; child to be spoken to by a trusted adult.",
        source: Source::MonitoringAlert,
    },
    Scenario {
        category: "other",
        subject: SubjectKind::ParentCarer,
        locations: &["playground", "off-site"],
        devices: &["mobile-phone"],
        descriptions: &[
            "{name} posted a photograph of the school nativity including other children's faces on a public social media page and declined to take it down when asked.",
        ],
        action: "Parent asked again in writing; office to check the post daily.",
        source: Source::Complaint,
    },
];

const CONTEXT: &[&str] = &[
    "The class teacher notes there have been no previous concerns of this kind.",
    "This is the second time this term that something similar has been noticed.",
    "The child has recently moved to the school and is still settling in.",
    "Staff on duty at the time have been asked to write their accounts factually.",
    "The child's attendance has dipped over the last month.",
    "There is an open early help plan for the family.",
    "Friends of the child say the matter started outside school over half term.",
];

const FOLLOW_UPS: &[(EntryKind, &str)] = &[
    (
        EntryKind::PhoneCall,
        "Called parent/carer to explain what happened and what school has done. They were supportive.",
    ),
    (
        EntryKind::Meeting,
        "Met the child with the class teacher. Child said they understood the rules and why they matter.",
    ),
    (EntryKind::ParentsInformed, "Parents informed by phone by the deputy DSL; letter to follow."),
    (
        EntryKind::AdviceSought,
        "Advice sought from the Education Safeguarding Service: consult line advised a strategy discussion is not needed at this stage.",
    ),
    (EntryKind::FollowUp, "Checked in with the child at break: seems settled; no further messages reported."),
    (EntryKind::Referral, "Referral made to the examining body with the invigilator's account."),
    (EntryKind::Note, "Device collected from the office by a parent; signed for."),
];

fn person(rng: &mut StdRng) -> String {
    format!("{} {}", FIRST.choose(rng).expect("non-empty"), LAST.choose(rng).expect("non-empty"))
}

fn subject(kind: SubjectKind, rng: &mut StdRng) -> Subject {
    let detail = match kind {
        SubjectKind::Child => format!("Year {}", rng.gen_range(1..=6)),
        SubjectKind::Staff => STAFF_ROLES.choose(rng).expect("non-empty").to_string(),
        SubjectKind::ParentCarer => "parent of a Year 2 pupil".to_string(),
        SubjectKind::Visitor => VISITOR_ORGS.choose(rng).expect("non-empty").to_string(),
    };
    Subject { kind, name: person(rng), detail }
}

/// The demo's members and where their keys were written.
pub struct DemoKeys {
    pub dir: PathBuf,
    pub dsl: PathBuf,
}

/// Creates a demo store at `store` with members for every role; keys go
/// to `store/demo-keys/` (fictional people, no passphrase).
pub fn create(store: &Path) -> Result<(Session, DemoKeys), StoreError> {
    let keys_dir = store.join("demo-keys");
    let dsl = x25519::Identity::generate();
    let db = Store::create(store, SCHOOL, "Ms Aria Pennant", &dsl.to_public().to_string())?;
    crate::store::create_private_dir(&keys_dir)?;
    identity::write(&keys_dir.join("dsl.txt"), &dsl, None)?;
    let mut session = db.unlock(dsl)?;
    for (file, name, role) in [
        ("deputy.txt", "Mr Tobias Fairweather", Role::Deputy),
        ("deputy2.txt", "Mrs Nadia Quillfeather", Role::Deputy),
        ("leadership.txt", "Dr Helena Marchbank", Role::Leadership),
        ("reporter.txt", "Miss Poppy Larkspur", Role::Reporter),
    ] {
        let key = x25519::Identity::generate();
        identity::write(&keys_dir.join(file), &key, None)?;
        session.add_member(name, role, &key.to_public().to_string())?;
    }
    let dsl_path = keys_dir.join("dsl.txt");
    Ok((session, DemoKeys { dir: keys_dir, dsl: dsl_path }))
}

/// Fills the store with `count` fictional concerns reported over the months
/// before `now`, in every category and every status.
pub fn populate(session: &mut Session, count: usize, now: NaiveDateTime, seed: u64) -> Result<(), StoreError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let deputies: Vec<_> =
        session.members().iter().filter(|m| matches!(m.role, Role::Dsl | Role::Deputy)).map(|m| m.id).collect();
    let span_minutes = (count as i64 * 37 * 60).clamp(60 * 24 * 30, 60 * 24 * 365 * 2);
    // Reported during the school day (08:00–17:00), newest within the hour.
    let mut reported: Vec<NaiveDateTime> = (0..count)
        .map(|_| {
            let mut day = (now - Duration::minutes(rng.gen_range(60..span_minutes))).date();
            // Concerns come in on school days.
            while day.weekday().number_from_monday() > 5 {
                day = day.pred_opt().expect("a day before");
            }
            day.and_hms_opt(8, 0, 0).expect("08:00 exists") + Duration::minutes(rng.gen_range(0..540))
        })
        .map(|t| if t >= now { now - Duration::minutes(30) } else { t })
        .collect();
    reported.sort_unstable();
    for (i, reported_at) in reported.into_iter().enumerate() {
        let scenario = &SCENARIOS[i % SCENARIOS.len()];
        let occurred_at = reported_at - Duration::minutes(rng.gen_range(5..180));
        let subj = subject(scenario.subject, &mut rng);
        let mut subjects = vec![subj.clone()];
        if rng.gen_bool(0.2) {
            subjects.push(subject(SubjectKind::Child, &mut rng));
        }
        let mut description = scenario.descriptions.choose(&mut rng).expect("non-empty").replace("{name}", &subj.name);
        let extra = rng.gen_range(1..=3);
        for sentence in CONTEXT.choose_multiple(&mut rng, extra) {
            description.push(' ');
            description.push_str(sentence);
        }
        let new = NewConcern {
            occurred_at,
            reported_by: format!("{}, {}", person(&mut rng), REPORTERS.choose(&mut rng).expect("non-empty")),
            subjects,
            category: scenario.category.to_string(),
            location: scenario.locations.choose(&mut rng).expect("non-empty").to_string(),
            devices: scenario
                .devices
                .iter()
                .take(rng.gen_range(1..=scenario.devices.len()))
                .map(|d| d.to_string())
                .collect(),
            description,
            immediate_action: scenario.action.to_string(),
            source: scenario.source,
        };
        let id = session.record_concern(new, reported_at)?.id;
        // Older concerns have moved further along the lifecycle.
        let age_days = (now - reported_at).num_days();
        // The newest few are still waiting for triage, as on a real morning.
        let newest = i + 4 > count;
        let stage = match age_days {
            _ if newest => 0,
            0..=1 => rng.gen_range(0..=1),
            2..=14 => rng.gen_range(1..=3),
            _ => rng.gen_range(2..=4),
        };
        if stage == 0 {
            continue;
        }
        let assignee = *deputies.choose(&mut rng).expect("the demo has a DSL");
        let assignee = session.member(assignee).map(|m| crate::domain::Author { member: m.id, name: m.name.clone() });
        let risk = *Risk::ALL.choose(&mut rng).expect("non-empty");
        let mut t = reported_at + Duration::minutes(rng.gen_range(10..240));
        let mut follow_ups: Vec<_> = FOLLOW_UPS.choose_multiple(&mut rng, 3).copied().collect();
        follow_ups.truncate(rng.gen_range(1..=3));
        session.update_case(id, |case, catalogue, me| {
            let cat = catalogue.category(&case.concern.category).expect("demo uses catalogue ids");
            let nfa = stage == 4 && rng_free_nfa(age_days);
            case.record_triage(
                Triage {
                    risk,
                    urgency: if risk == Risk::High { Urgency::Urgent } else { Urgency::Routine },
                    pathway: if nfa { "no-further-action".into() } else { cat.default_pathway.clone() },
                    linked_policy: cat.default_policy.clone(),
                    assignee,
                    next_review: Some((t + Duration::days(7)).date()),
                    reasoning: format!(
                        "Handled under the {} in line with {}. {}",
                        catalogue.policy_label(&cat.default_policy),
                        cat.clause,
                        if nfa {
                            "No further action: the facts are established and the response is complete."
                        } else {
                            "Risk to be reviewed in a week."
                        }
                    ),
                    decided_by: me.clone(),
                    decided_at: t,
                },
                catalogue,
            )?;
            if nfa {
                return case.transition(
                    Status::Closed,
                    "No further action; reasoning recorded at triage.",
                    me,
                    t + Duration::minutes(5),
                    catalogue,
                );
            }
            if stage >= 2 {
                t += Duration::hours(2);
                case.transition(Status::InProgress, "Investigation started.", me, t, catalogue)?;
                for (kind, text) in &follow_ups {
                    t += Duration::hours(20);
                    if t >= now {
                        break;
                    }
                    case.add_entry(*kind, t, text, me, t)?;
                }
            }
            if stage >= 3 && t + Duration::days(1) < now {
                t += Duration::days(1);
                case.transition(
                    Status::AwaitingDebrief,
                    "Investigation complete; debrief to be arranged.",
                    me,
                    t,
                    catalogue,
                )?;
            }
            if stage >= 4 && t + Duration::days(2) < now {
                t += Duration::days(2);
                case.close_without_debrief("A one-off, handled under the behaviour policy; nothing to learn.", me, t)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

fn rng_free_nfa(age_days: i64) -> bool {
    age_days % 5 == 0
}

/// Fictional debriefs, lessons-learned actions in every state and a policy
/// review trigger, for the leadership screens (issue 5: P9-c, P9-d, P8-a).
/// Debriefs link only concerns that are already closed, so the board is
/// unchanged; dates run back from `now`, so the same `now` gives the same
/// store. Does nothing if no concern is closed yet.
pub fn populate_oversight(session: &mut Session, now: NaiveDateTime) -> Result<(), StoreError> {
    use crate::domain::{ActionKind, ActionStatus, NewAction, NewDebrief, TriggerKind};
    let closed: Vec<String> =
        session.board()?.rows.iter().filter(|r| r.status == Status::Closed).map(|r| r.reference.clone()).collect();
    if closed.is_empty() {
        return Ok(());
    }
    let first = |role: Role| session.members().iter().find(|m| m.role == role).map(|m| m.id);
    let dsl = first(Role::Dsl).expect("the demo has a DSL");
    let deputy = first(Role::Deputy).unwrap_or(dsl);
    let lead = first(Role::Leadership).unwrap_or(dsl);
    let day = |days: i64| (now - Duration::days(days)).date();
    let at = |days: i64| now - Duration::days(days);

    let older = session
        .record_debrief(
            NewDebrief {
                concerns: closed.iter().take(2).cloned().collect(),
                held_on: day(40),
                attendees: vec![dsl, deputy, lead],
                other_attendees: vec!["Ms Rowena Ashdown, Education Safeguarding Service".into()],
                summary: "Two pupils used phones in the toilets at lunchtime; one recorded another. \
                          Phones were confiscated and parents informed the same day."
                    .into(),
                what_worked: "Staff challenged the pupils at once and the office held the phones securely.".into(),
                what_did_not: "Nobody was stationed near the toilets at lunch, and the sign by the \
                               cloakroom had fallen down."
                    .into(),
                lessons: vec![
                    "The toilets need an adult presence at lunch.".into(),
                    "Staff were unsure whether they could look at the phone (they may not: P6.1-c).".into(),
                    "Restricted-area signs need checking each half term.".into(),
                ],
                changes_needed: "Name the lunchtime rota in section 3 of the policy.".into(),
            },
            at(40),
        )?
        .debrief;
    let newer = session
        .record_debrief(
            NewDebrief {
                concerns: vec![closed.get(2).or(closed.last()).cloned().expect("checked not empty")],
                held_on: day(12),
                attendees: vec![dsl, lead],
                other_attendees: Vec::new(),
                summary: "A filtering alert showed a pupil reaching a gaming site on a school tablet.".into(),
                what_worked: "The monitoring alert reached the DSL within the hour (P8-b).".into(),
                what_did_not: "The tablet's filtering profile was out of date.".into(),
                lessons: vec![
                    "Tablet filtering profiles must update with the rest of the network.".into(),
                    "Year 6 online-safety lessons should cover what filtering is for.".into(),
                ],
                changes_needed: "Curriculum: add filtering to the Year 6 online-safety unit.".into(),
            },
            at(12),
        )?
        .debrief;

    let mut action = |debrief: u32, lesson, kind, owner, due: i64, description: &str, created: i64| {
        session.add_action(
            NewAction { debrief, lesson, description: description.into(), kind, owner, due: day(due) },
            at(created),
        )
    };
    action(older.id, 1, ActionKind::PolicyChange, dsl, 10, "Add the lunchtime rota to section 3.", 40)?;
    let training =
        action(older.id, 2, ActionKind::StaffTraining, lead, -20, "Staff briefing on searching and P6.1-c.", 40)?;
    let signs = action(older.id, 3, ActionKind::Signage, deputy, 30, "Replace and check restricted-area signs.", 40)?;
    let tablets =
        action(newer.id, 1, ActionKind::Technical, lead, -5, "Move tablets onto the central filtering profile.", 12)?;
    action(newer.id, 2, ActionKind::CurriculumChange, deputy, -40, "Add filtering to the Year 6 unit.", 12)?;
    let poster = action(newer.id, 2, ActionKind::Other, deputy, -10, "Filtering poster for the ICT suite.", 12)?;
    session.change_action_status(training.id, ActionStatus::InProgress, "Booked for the next INSET day.", at(20))?;
    session.change_action_status(
        signs.id,
        ActionStatus::Done,
        "New signs on both toilet doors and the cloakroom; checked by the site manager.",
        at(31),
    )?;
    session.change_action_status(tablets.id, ActionStatus::InProgress, "Supplier contacted.", at(8))?;
    session.change_action_status(
        poster.id,
        ActionStatus::Dropped,
        "The Year 6 unit covers it; a poster adds nothing.",
        at(6),
    )?;
    session.log_review_trigger(
        1,
        TriggerKind::InfrastructureChange,
        "Tablets are moving to the central filtering profile.",
        None,
        at(12),
    )?;
    Ok(())
}
