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
/// Children on the demo school's roll: a one-form-entry primary.
pub const DEFAULT_ROLL: usize = 210;

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
const VISITOR_ORGS: &[&str] =
    &["photography contractor", "visiting speech therapist", "building contractor", "parent volunteer"];

/// How a kind of case is followed up: each reads true only for its own
/// kind of subject and category (issue 8: no "checked in with the child at
/// break" on an allegation against a member of staff).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Response {
    /// A child breaking the phones rule: sanction, parents, device returned.
    ChildBehaviour,
    /// Messages between children: both families, support for the child.
    ChildBullying,
    /// A child at risk: advice, social care, police where there is evidence.
    ChildProtection,
    /// A device in an examination (P6-b).
    Exam,
    /// A monitoring or filtering alert (P8-b).
    Monitoring,
    /// A member of staff's conduct (P5-f).
    Staff,
    /// An allegation against a member of staff (P5-g: the LADO).
    StaffAllegation,
    Visitor,
    ParentCarer,
}

impl Response {
    fn follow_ups(self) -> &'static [(EntryKind, &'static str)] {
        match self {
            Response::ChildBehaviour => &[
                (
                    EntryKind::PhoneCall,
                    "Called the parent/carer to explain what happened and what school has done. They were supportive.",
                ),
                (
                    EntryKind::Meeting,
                    "Met the child with the class teacher. The child said they understood the rule and why it matters.",
                ),
                (
                    EntryKind::FollowUp,
                    "Checked in with the child at break: settled, and the phone now goes to the office each morning.",
                ),
                (EntryKind::Note, "Device collected from the office by a parent at the end of the day; signed for."),
            ],
            Response::ChildBullying => &[
                (
                    EntryKind::ParentsInformed,
                    "Parents of both children informed by phone by the deputy DSL; letters to follow.",
                ),
                (EntryKind::Meeting, "Met the child with a trusted adult; agreed a safe place to go at lunchtime."),
                (EntryKind::FollowUp, "Checked in with the child at break: no further messages reported."),
                (
                    EntryKind::AdviceSought,
                    "Advice sought from the Education Safeguarding Service: manage under the anti-bullying policy and keep under review.",
                ),
            ],
            Response::ChildProtection => &[
                (
                    EntryKind::AdviceSought,
                    "Advice sought from the Education Safeguarding Service consult line: refer to children's social care today.",
                ),
                (
                    EntryKind::Referral,
                    "Referral made to children's social care by the DSL; reference noted on the paper file.",
                ),
                (
                    EntryKind::Meeting,
                    "Strategy discussion with social care and the police; school to keep the device sealed until collected.",
                ),
                (
                    EntryKind::Note,
                    "Device handed to the police in its sealed envelope; the officer signed the custody record.",
                ),
            ],
            Response::Exam => &[
                (EntryKind::Referral, "Referral made to the examining body with the invigilator's account."),
                (EntryKind::ParentsInformed, "Parents informed by the exams officer that the paper may be withdrawn."),
                (
                    EntryKind::Meeting,
                    "Met the child with the class teacher about the exam rules before the next paper.",
                ),
                (EntryKind::Note, "Device collected from the office by a parent after the last paper; signed for."),
            ],
            Response::Monitoring => &[
                (
                    EntryKind::Meeting,
                    "A trusted adult spoke with the child; the child said they had been curious after a video at home.",
                ),
                (
                    EntryKind::ParentsInformed,
                    "Parents informed by phone by the DSL and given the online-safety leaflet.",
                ),
                (
                    EntryKind::FollowUp,
                    "IT technician checked the filtering logs for the rest of the week: no further alerts.",
                ),
                (
                    EntryKind::AdviceSought,
                    "Advice sought from the Education Safeguarding Service: no referral needed; keep under review.",
                ),
            ],
            Response::Staff => &[
                (
                    EntryKind::Meeting,
                    "The headteacher met the member of staff with their line manager; the policy was gone through and a note kept.",
                ),
                (
                    EntryKind::AdviceSought,
                    "Advice sought from the LA's HR adviser: handle under the staff code of conduct.",
                ),
                (EntryKind::FollowUp, "Line manager confirms the member of staff now uses school equipment only."),
                (
                    EntryKind::Note,
                    "Letter of expectation given to the member of staff; a copy is on their personnel file.",
                ),
            ],
            Response::StaffAllegation => &[
                (
                    EntryKind::AdviceSought,
                    "LADO consulted within one working day; advised that the police be informed.",
                ),
                (EntryKind::Referral, "Referral made to the LADO on the LA's form; reference noted on the paper file."),
                (
                    EntryKind::Meeting,
                    "Allegations management meeting with the LADO, HR and the police; actions agreed.",
                ),
                (
                    EntryKind::Note,
                    "The member of staff is not working with children while the police enquiry continues.",
                ),
            ],
            Response::Visitor => &[
                (
                    EntryKind::PhoneCall,
                    "Called the visitor's organisation to explain the policy; they will brief their staff before visits.",
                ),
                (EntryKind::Note, "Reception now hands every visitor the phones leaflet at signing in."),
                (EntryKind::FollowUp, "The visitor confirmed the recording was deleted; no copies were shared."),
            ],
            Response::ParentCarer => &[
                (
                    EntryKind::Meeting,
                    "Met the parent with the headteacher to explain why other children's images cannot be posted.",
                ),
                (EntryKind::Note, "Letter sent to the parent setting out the school's photographs policy."),
                (EntryKind::FollowUp, "The post has been taken down; office checked the page again a week later."),
            ],
        }
    }

    /// A short debrief for concerns of this kind (P9-c): what happened,
    /// what worked, what did not, a lesson, the changes needed. Written to
    /// read true of one concern or several.
    fn debrief(self) -> Option<[&'static str; 5]> {
        match self {
            Response::ChildBullying => Some([
                "Unkind messages between pupils, sent outside school, carried on into the school day.",
                "The children told a trusted adult, and the families were contacted the same day.",
                "Pupils did not know how to report messages sent outside school hours.",
                "Remind pupils how to report messages sent outside school, and who to tell.",
                "None to the policy; PSHE to revisit online friendships this term.",
            ]),
            Response::ChildProtection => Some([
                "A child was at risk through a device; the concern went to children's social care and, where \
                 there was evidence, to the police.",
                "Staff did not look at the content and secured the device at once (P6.1-c, P6.1-d).",
                "A device waited in the office for a day before the police collected it.",
                "Agree with the police how quickly devices are collected.",
                "Section 6.1: add the police collection arrangement.",
            ]),
            Response::Staff => Some([
                "A member of staff used a personal device where the policy says school equipment only (P5-d).",
                "Colleagues raised it promptly and the headteacher acted the same day.",
                "Not all staff knew where the school cameras and tablets are kept.",
                "Tell all staff where school cameras and tablets are kept and how to book them.",
                "None to the policy; the staff handbook to say where the equipment is.",
            ]),
            Response::StaffAllegation => Some([
                "An allegation about a member of staff's device was referred to the LADO within one working \
                 day (P5-g).",
                "The colleague reported it at once, and nobody spoke to the member of staff before the LADO advised.",
                "The colleague was not sure who to tell while the headteacher was out.",
                "Name who takes allegations when the headteacher is away.",
                "Allegations section: name the deputy for allegations.",
            ]),
            _ => None,
        }
    }

    /// Said in the chronology when the DSL decides a debrief is not needed
    /// (P9-c); `None` where a debrief always follows.
    fn no_debrief_reason(self) -> Option<&'static str> {
        match self {
            Response::ChildBehaviour => Some(
                "A one-off breach of the phones rule, handled under the behaviour policy; nothing new for the school to learn.",
            ),
            Response::Exam => {
                Some("Handled under the examining body's rules; the exam-day briefing already covers it.")
            }
            Response::Visitor => {
                Some("The visitor's organisation has briefed its staff; the signing-in leaflet covers the rest.")
            }
            Response::ParentCarer => Some("Resolved with the parent; the photographs policy already covers it."),
            _ => None,
        }
    }
}

/// Per category: who it is about, where, which devices, a few fictional
/// but realistic descriptions, who reports it and how it is followed up,
/// keyed by catalogue id. Every detail fits the category and the subject.
struct Scenario {
    category: &'static str,
    subject: SubjectKind,
    /// For a child: the year groups it can happen in ("the Year 6 reading
    /// test" is a Year 6 child's). For staff: their roles.
    details: &'static [&'static str],
    locations: &'static [&'static str],
    devices: &'static [&'static str],
    descriptions: &'static [&'static str],
    action: &'static str,
    source: Source,
    reporters: &'static [&'static str],
    response: Response,
}

const ANY_YEAR: &[&str] = &["Year 1", "Year 2", "Year 3", "Year 4", "Year 5", "Year 6"];
const JUNIOR_YEARS: &[&str] = &["Year 3", "Year 4", "Year 5", "Year 6"];
const UPPER_YEARS: &[&str] = &["Year 5", "Year 6"];
const CLASSROOM_STAFF: &[&str] = &["Year 4 teacher", "Year 2 teacher", "teaching assistant", "supply teacher"];
const ANY_STAFF: &[&str] = &[
    "teaching assistant",
    "Year 4 teacher",
    "lunchtime supervisor",
    "supply teacher",
    "office manager",
    "sports coach",
];
const CLASS_REPORTERS: &[&str] = &["class teacher", "teaching assistant", "lunchtime supervisor"];

const SCENARIOS: &[Scenario] = &[
    Scenario {
        category: "restricted-area",
        subject: SubjectKind::Child,
        details: JUNIOR_YEARS,
        locations: &["toilets", "cloakroom"],
        devices: &["mobile-phone"],
        descriptions: &[
            "{name} was seen holding a phone up over the cubicle wall in the boys' toilets at morning break. Another pupil said it was 'just a joke video'.",
            "During wet play {name} was using a phone in the cloakroom and appeared to be taking photographs of coats and bags; two other pupils were present.",
        ],
        action: "Phone taken to the office and locked in the cupboard; pupils separated; class teacher informed.",
        source: Source::StaffReport,
        reporters: CLASS_REPORTERS,
        response: Response::ChildBehaviour,
    },
    Scenario {
        category: "abusive-messages",
        subject: SubjectKind::Child,
        details: UPPER_YEARS,
        locations: &["off-site", "playground"],
        devices: &["mobile-phone", "tablet"],
        descriptions: &[
            "A parent showed the class teacher screenshots of messages sent to their child in a group chat over the weekend. The messages call the child names and tell them nobody wants them at the party. {name} is named as the sender.",
            "{name} told a lunchtime supervisor that an older pupil keeps sending voice notes saying they will 'get' them after school. The messages started last week.",
        ],
        action: "Screenshots described (not copied); child reassured and given a safe adult to go to; parents to be contacted.",
        source: Source::Complaint,
        reporters: &["class teacher", "lunchtime supervisor"],
        response: Response::ChildBullying,
    },
    Scenario {
        category: "offensive-content",
        subject: SubjectKind::Child,
        details: JUNIOR_YEARS,
        locations: &["classroom", "playground"],
        devices: &["tablet", "mobile-phone"],
        descriptions: &[
            "{name} showed a group of classmates a video with racist language on a tablet brought from home. Several children were upset.",
            "A pupil reported that {name} has a game on their phone showing graphic violence and has been showing it to younger children at the gate.",
        ],
        action: "Device held in the office; children who saw it spoken to; class teacher to monitor.",
        source: Source::StaffReport,
        reporters: CLASS_REPORTERS,
        response: Response::ChildBehaviour,
    },
    Scenario {
        category: "indecent-image",
        subject: SubjectKind::Child,
        details: UPPER_YEARS,
        locations: &["playground", "toilets", "off-site"],
        devices: &["mobile-phone"],
        descriptions: &[
            "A pupil told their teacher that an image of {name} without clothes is being passed around a messaging group. The teacher did not look at any device.",
            "{name} disclosed that someone they met in an online game asked them for pictures and they sent one. They are frightened it has been shared.",
        ],
        action: "Device confiscated without viewing, sealed in an envelope and locked in the office; referred to the DSL at once (P6.1-c).",
        source: Source::StaffReport,
        reporters: &["class teacher", "teaching assistant"],
        response: Response::ChildProtection,
    },
    Scenario {
        category: "illegal-data",
        subject: SubjectKind::Child,
        details: UPPER_YEARS,
        locations: &["office", "classroom"],
        devices: &["mobile-phone", "other"],
        descriptions: &[
            "While returning a confiscated phone, the office manager saw a notification suggesting {name}'s phone is being used to sell stolen items. Nothing was opened.",
        ],
        action: "Device retained in the office safe pending advice; not examined further.",
        source: Source::StaffReport,
        reporters: &["office manager"],
        response: Response::ChildProtection,
    },
    Scenario {
        category: "search-risk",
        subject: SubjectKind::Child,
        details: UPPER_YEARS,
        locations: &["office"],
        devices: &["mobile-phone"],
        descriptions: &[
            "An authorised search of {name}'s phone (for suspected bullying messages) showed messages from an adult asking the child to keep their friendship secret.",
        ],
        action: "Search stopped; phone secured; DSL informed immediately; witness present throughout.",
        source: Source::StaffReport,
        reporters: &["deputy headteacher", "office manager"],
        response: Response::ChildProtection,
    },
    Scenario {
        category: "device-in-exam",
        subject: SubjectKind::Child,
        details: &["Year 6"],
        locations: &["exam-room"],
        devices: &["smart-watch", "mobile-phone"],
        descriptions: &[
            "During the Year 6 reading test, the invigilator noticed {name} wearing a smart watch that can receive messages. It lit up twice.",
            "A phone was found in {name}'s pencil case during the SATs maths paper. The child said they forgot to hand it in.",
        ],
        action: "Device removed and held by the invigilator; exams officer informed; child allowed to finish the paper.",
        source: Source::StaffReport,
        reporters: &["invigilator"],
        response: Response::Exam,
    },
    Scenario {
        category: "child-device-on-site",
        subject: SubjectKind::Child,
        details: ANY_YEAR,
        locations: &["classroom", "playground", "corridor"],
        devices: &["mobile-phone", "smart-watch", "games-console"],
        descriptions: &[
            "{name} kept their phone in their bag instead of handing it in and was texting during the lesson.",
            "{name} brought a handheld games console into school and was playing online with people outside school at lunchtime.",
        ],
        action: "Device handed to the office; parents to collect at the end of the day.",
        source: Source::StaffReport,
        reporters: CLASS_REPORTERS,
        response: Response::ChildBehaviour,
    },
    Scenario {
        category: "staff-device-teaching",
        subject: SubjectKind::Staff,
        details: CLASSROOM_STAFF,
        locations: &["classroom"],
        devices: &["mobile-phone"],
        descriptions: &[
            "{name} was seen scrolling on a personal phone during a phonics group while pupils worked unsupervised. No permission had been given.",
        ],
        action: "Spoken to by the deputy head; reminded of the policy; to be followed up by the headteacher.",
        source: Source::Whistleblowing,
        reporters: &["teaching assistant", "class teacher"],
        response: Response::Staff,
    },
    Scenario {
        category: "staff-contact-personal",
        subject: SubjectKind::Staff,
        details: &["Year 2 teacher", "teaching assistant", "sports coach"],
        locations: &["off-site"],
        devices: &["mobile-phone"],
        descriptions: &[
            "A parent mentioned that {name} had messaged them from a personal number about their child's reading book, and then about a weekend football club.",
        ],
        action: "Information recorded; no contact made with the staff member yet pending DSL advice.",
        source: Source::Complaint,
        reporters: &["office manager", "class teacher"],
        response: Response::Staff,
    },
    Scenario {
        category: "staff-images-personal",
        subject: SubjectKind::Staff,
        details: ANY_STAFF,
        locations: &["playground", "classroom"],
        devices: &["mobile-phone", "tablet"],
        descriptions: &[
            "On sports day {name} was seen photographing pupils on a personal phone. When asked, they said the school camera had a flat battery.",
        ],
        action: "Staff member asked not to share the images; headteacher informed.",
        source: Source::StaffReport,
        reporters: &["class teacher", "teaching assistant"],
        response: Response::Staff,
    },
    Scenario {
        category: "staff-illegal",
        subject: SubjectKind::Staff,
        details: ANY_STAFF,
        locations: &["staff-room", "off-site"],
        devices: &["mobile-phone", "other"],
        descriptions: &[
            "A colleague reported seeing content on {name}'s personal phone in the staff room that they believe may be illegal. They did not look further.",
        ],
        action: "Headteacher informed at once; no one to speak to the staff member; LADO to be called.",
        source: Source::Whistleblowing,
        reporters: &["class teacher", "teaching assistant", "office manager"],
        response: Response::StaffAllegation,
    },
    Scenario {
        category: "visitor-device",
        subject: SubjectKind::Visitor,
        details: VISITOR_ORGS,
        locations: &["corridor", "classroom"],
        devices: &["mobile-phone"],
        descriptions: &[
            "{name} was on a video call in the Year 1 corridor while children walked past, with the camera pointing towards the classroom door.",
            "{name} was seen filming a class assembly on a phone without agreement; they said it was 'for the newsletter'.",
        ],
        action: "Visitor challenged politely and asked to put the phone away; reception informed.",
        source: Source::StaffReport,
        reporters: &["class teacher", "office manager"],
        response: Response::Visitor,
    },
    Scenario {
        category: "monitoring-alert",
        subject: SubjectKind::Child,
        details: JUNIOR_YEARS,
        locations: &["classroom"],
        devices: &["tablet"],
        descriptions: &[
            "The filtering system flagged repeated searches on a school tablet logged in as {name} for terms about self-harm during an independent research task.",
            "A monitoring alert showed {name}'s school account trying to reach a blocked chat site several times in one afternoon.",
        ],
        action: "Alert downloaded by the IT technician; child to be spoken to by a trusted adult.",
        source: Source::MonitoringAlert,
        reporters: &["IT technician"],
        response: Response::Monitoring,
    },
    Scenario {
        category: "other",
        subject: SubjectKind::ParentCarer,
        details: &["parent of a Year 2 pupil", "carer of a Year 4 pupil", "parent of a Year 6 pupil"],
        locations: &["playground", "off-site"],
        devices: &["mobile-phone"],
        descriptions: &[
            "{name} posted a photograph of the school nativity including other children's faces on a public social media page and declined to take it down when asked.",
        ],
        action: "Parent asked again in writing; office to check the post daily.",
        source: Source::Complaint,
        reporters: &["office manager", "class teacher"],
        response: Response::ParentCarer,
    },
];

/// A sentence or two of context, by who the concern is about.
fn context(kind: SubjectKind) -> &'static [&'static str] {
    match kind {
        SubjectKind::Child => &[
            "The class teacher notes there have been no previous concerns of this kind.",
            "This is the second time this term that something similar has been noticed.",
            "The child has recently moved to the school and is still settling in.",
            "Staff on duty at the time have been asked to write their accounts factually.",
            "The child's attendance has dipped over the last month.",
            "There is an open early help plan for the family.",
            "Friends of the child say the matter started outside school over half term.",
        ],
        SubjectKind::Staff => &[
            "There have been no previous concerns about this member of staff.",
            "The colleague who reported it has been reminded to keep it confidential.",
            "Staff on duty at the time have been asked to write their accounts factually.",
            "The member of staff has worked at the school for several years.",
        ],
        SubjectKind::Visitor => &[
            "The visit had been booked through the office and the visitor signed in as usual.",
            "Staff on duty at the time have been asked to write their accounts factually.",
        ],
        SubjectKind::ParentCarer => &[
            "The office has a copy of the photographs letter sent home at the start of the year.",
            "Other parents have raised the post with the class teacher.",
        ],
    }
}

fn person(rng: &mut StdRng) -> String {
    format!("{} {}", FIRST.choose(rng).expect("non-empty"), LAST.choose(rng).expect("non-empty"))
}

fn subject(scenario: &Scenario, rng: &mut StdRng) -> Subject {
    let detail = scenario.details.choose(rng).expect("non-empty").to_string();
    Subject::named(scenario.subject, person(rng), detail)
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
    // The school's recovery key (issue 10), beside the members' keys.
    let recovery = x25519::Identity::generate();
    let db = Store::create_with_recovery(
        store,
        SCHOOL,
        "Ms Aria Pennant",
        &dsl.to_public().to_string(),
        Some(&recovery.to_public().to_string()),
    )?;
    crate::store::create_private_dir(&keys_dir)?;
    identity::write(&keys_dir.join("dsl.txt"), &dsl, None)?;
    identity::write(&keys_dir.join("recovery.txt"), &recovery, None)?;
    // A throwaway store pins in itself, not in the user's state directory.
    let mut session = db.with_pins(crate::store::pins::Pins::at(&store.join("demo-pins"))).unlock(dsl)?;
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
    // Counts open, triaged concerns, to spread their review dates.
    let mut reviews = 0usize;
    for (i, reported_at) in reported.into_iter().enumerate() {
        let scenario = &SCENARIOS[i % SCENARIOS.len()];
        let occurred_at = reported_at - Duration::minutes(rng.gen_range(5..180));
        let subj = subject(scenario, &mut rng);
        let mut subjects = vec![subj.clone()];
        // Sometimes two children together, from the same year group.
        if scenario.subject == SubjectKind::Child && rng.gen_bool(0.2) {
            subjects.push(Subject::named(SubjectKind::Child, person(&mut rng), subj.detail.clone()));
        }
        let mut description = scenario.descriptions.choose(&mut rng).expect("non-empty").replace("{name}", &subj.name);
        let extra = rng.gen_range(1..=2);
        for sentence in context(scenario.subject).choose_multiple(&mut rng, extra) {
            description.push(' ');
            description.push_str(sentence);
        }
        let new = NewConcern {
            occurred_at,
            reported_by: format!("{}, {}", person(&mut rng), scenario.reporters.choose(&mut rng).expect("non-empty")),
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
        // `populate_oversight` debriefs investigations of these two kinds.
        let debriefed = matches!(scenario.category, "restricted-area" | "monitoring-alert");
        // Older straightforward ones are closed: by the DSL's decision that
        // no debrief is needed, or as no further action.
        let straightforward = scenario.response.no_debrief_reason().is_some() && !debriefed;
        let stage = match age_days {
            _ if newest => 0,
            0..=1 => rng.gen_range(0..=1),
            2..=14 => rng.gen_range(1..=3),
            _ if debriefed => rng.gen_range(3..=4),
            _ if straightforward => 4,
            _ => rng.gen_range(2..=4),
        };
        if stage == 0 {
            continue;
        }
        let assignee = *deputies.choose(&mut rng).expect("the demo has a DSL");
        let assignee = session.member(assignee).map(|m| crate::domain::Author { member: m.id, name: m.name.clone() });
        let risk = *Risk::ALL.choose(&mut rng).expect("non-empty");
        let mut t = reported_at + Duration::minutes(rng.gen_range(10..240));
        // Follow-ups of this kind of case, in their natural order.
        // The first is the essential step for the kind of case (the exam
        // body told, the LADO consulted …); one or two more may follow.
        let all = scenario.response.follow_ups();
        let mut picked: Vec<usize> = (1..all.len()).collect::<Vec<_>>().choose_multiple(&mut rng, 2).copied().collect();
        picked.truncate(rng.gen_range(0..=2));
        picked.push(0);
        picked.sort_unstable();
        let follow_ups: Vec<(EntryKind, &str)> = picked.into_iter().map(|k| all[k]).collect();
        let nfa = stage == 4 && !debriefed && rng_free_nfa(age_days);
        let review_slot = reviews;
        let mut counted = false;
        session.update_case(id, |case, catalogue, me| {
            let cat = catalogue.category(&case.concern.category).expect("demo uses catalogue ids");
            let triage = Triage {
                risk,
                urgency: if risk == Risk::High { Urgency::Urgent } else { Urgency::Routine },
                pathway: if nfa { "no-further-action".into() } else { cat.default_pathway.clone() },
                linked_policy: cat.default_policy.clone(),
                assignee: assignee.clone(),
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
            };
            case.record_triage(triage.clone(), catalogue)?;
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
                    if t + Duration::hours(20) >= now {
                        break;
                    }
                    t += Duration::hours(20);
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
            // P9-c: where the DSL judges a debrief adds nothing, the
            // decision is recorded with its reason; the rest wait for one.
            if stage >= 4
                && !debriefed
                && t + Duration::days(2) < now
                && let Some(reason) = scenario.response.no_debrief_reason()
            {
                t += Duration::days(2);
                case.close_without_debrief(reason, me, t)?;
            }
            if case.status.is_open() {
                counted = review(case, &triage, catalogue, review_slot, now)?;
            }
            Ok(())
        })?;
        if counted {
            reviews += 1;
        }
    }
    Ok(())
}

fn rng_free_nfa(age_days: i64) -> bool {
    age_days % 5 == 0
}

/// Issue 8: on a first look the board shows a few reviews due today, a few
/// overdue and most ahead, as a school that keeps its reviews would. An
/// open concern whose first review date has passed gets a later review
/// decision (a re-triage, as the DSL records it) setting the next one;
/// `slot` counts these, to spread them. Returns whether it was one.
fn review(
    case: &mut crate::domain::CaseFile,
    first: &Triage,
    catalogue: &crate::domain::Catalogue,
    slot: usize,
    now: NaiveDateTime,
) -> Result<bool, crate::domain::CaseError> {
    let today = now.date();
    if first.next_review.is_some_and(|d| d >= today) {
        return Ok(false);
    }
    let target = match slot % 10 {
        0 => today,
        5 => today - Duration::days(1 + (slot % 4) as i64),
        _ => today + Duration::days(2 + (slot * 5 % 19) as i64),
    };
    // Decided a week before it falls due, after the case's latest entry.
    let last = case.last_activity();
    let decided = (target - Duration::days(7)).and_hms_opt(9, 30, 0).expect("09:30 exists");
    let decided = decided.max(last + Duration::minutes(30)).min(now - Duration::minutes(10));
    if decided <= last || decided.date() >= target {
        return Ok(true);
    }
    let reasoning = match case.status {
        Status::AwaitingDebrief => "Reviewed: the investigation is complete and the debrief is being arranged.",
        _ => "Reviewed with the assignee: actions are on track and the risk is unchanged.",
    };
    case.record_triage(
        Triage { next_review: Some(target), reasoning: reasoning.into(), decided_at: decided, ..first.clone() },
        catalogue,
    )?;
    Ok(true)
}

/// Fictional debriefs, lessons-learned actions in every state and a policy
/// review trigger, for the leadership screens (issue 5: P9-c, P9-d, P8-a).
/// Each debrief links concerns of the kind its text describes that await a
/// debrief (issue 8: the text reads true of them), and closes them, as a
/// recorded debrief does; it is held a few days after they were ready.
/// Dates run back from `now`, so the same `now` gives the same store. Does
/// nothing if no such concern awaits a debrief.
pub fn populate_oversight(session: &mut Session, now: NaiveDateTime) -> Result<(), StoreError> {
    use crate::domain::{ActionKind, ActionStatus, AwaitingDebrief, NewAction, NewDebrief, TriggerKind};
    let awaiting = session.awaiting_debrief()?;
    let pick = |category: &str, n: usize| -> Vec<AwaitingDebrief> {
        awaiting.iter().filter(|a| a.category == category).take(n).cloned().collect()
    };
    let toilets = pick("restricted-area", 2);
    let alerts = pick("monitoring-alert", 1);
    if toilets.is_empty() || alerts.is_empty() {
        return Ok(());
    }
    let first = |role: Role| session.members().iter().find(|m| m.role == role).map(|m| m.id);
    let dsl = first(Role::Dsl).expect("the demo has a DSL");
    let deputy = first(Role::Deputy).unwrap_or(dsl);
    let lead = first(Role::Leadership).unwrap_or(dsl);
    let today = now.date();
    // Held three days after the last of its concerns was ready, by today.
    let held = |linked: &[AwaitingDebrief]| {
        let ready = linked.iter().map(|a| a.since).max().expect("not empty");
        (ready + Duration::days(3)).date().min(today)
    };
    // A moment `days` after `after`, never in the future.
    let later = |after: NaiveDateTime, days: i64| {
        (after + Duration::days(days)).min(now - Duration::minutes(30)).max(after + Duration::minutes(1))
    };
    let references = |linked: &[AwaitingDebrief]| linked.iter().map(|a| a.reference.clone()).collect::<Vec<_>>();

    let older_held = held(&toilets);
    let older_at = older_held.and_hms_opt(16, 0, 0).expect("16:00 exists").min(now);
    let older = session
        .record_debrief(
            NewDebrief {
                concerns: references(&toilets),
                held_on: older_held,
                attendees: vec![dsl, deputy, lead],
                other_attendees: vec!["Ms Rowena Ashdown, Education Safeguarding Service".into()],
                summary: if toilets.len() > 1 {
                    "Pupils used phones in restricted areas (the toilets and the cloakroom) at break and wet play. \
                     Phones were confiscated and parents informed the same day."
                } else {
                    "A pupil used a phone in a restricted area at break. \
                     The phone was confiscated and parents informed the same day."
                }
                .into(),
                what_worked: "Staff challenged the pupils at once and the office held the phones securely.".into(),
                what_did_not: "Nobody was stationed near the toilets or the cloakroom at break, and the sign by \
                               the cloakroom had fallen down."
                    .into(),
                lessons: vec![
                    "The toilets and cloakroom need an adult presence at break and wet play.".into(),
                    "Staff were unsure whether they could look through a confiscated phone (only authorised \
                     staff may search: P6.1-e, P6.1-g)."
                        .into(),
                    "Restricted-area signs need checking each half term.".into(),
                ],
                changes_needed: "Name the break-time rota in section 3 of the policy.".into(),
            },
            older_at,
        )?
        .debrief;
    let newer_held = held(&alerts).max(older_held + Duration::days(7)).min(today);
    let newer_at = newer_held.and_hms_opt(16, 0, 0).expect("16:00 exists").min(now);
    let newer = session
        .record_debrief(
            NewDebrief {
                concerns: references(&alerts),
                held_on: newer_held,
                attendees: vec![dsl, lead],
                other_attendees: Vec::new(),
                summary: "A filtering alert showed a pupil's school account reaching blocked content on a \
                          school tablet during a lesson."
                    .into(),
                what_worked: "The monitoring alert reached the DSL within the hour (P8-b).".into(),
                what_did_not: "The tablet's filtering profile was out of date.".into(),
                lessons: vec![
                    "Tablet filtering profiles must update with the rest of the network.".into(),
                    "Year 6 online-safety lessons should cover what filtering is for.".into(),
                ],
                changes_needed: "Curriculum: add filtering to the Year 6 online-safety unit.".into(),
            },
            newer_at,
        )?
        .debrief;

    // The other investigations that have waited a while are debriefed
    // too, a few of a kind together, with text that fits their kind.
    let waited = now - Duration::days(10);
    for response in [Response::ChildBullying, Response::ChildProtection, Response::Staff, Response::StaffAllegation] {
        let Some([summary, worked, did_not, lesson, changes]) = response.debrief() else { continue };
        let of_kind: Vec<AwaitingDebrief> = awaiting
            .iter()
            .filter(|a| a.since <= waited)
            .filter(|a| SCENARIOS.iter().any(|sc| sc.category == a.category && sc.response == response))
            .cloned()
            .collect();
        for linked in of_kind.chunks(3) {
            let held_on = held(linked);
            session.record_debrief(
                NewDebrief {
                    concerns: references(linked),
                    held_on,
                    attendees: vec![dsl, deputy, lead],
                    other_attendees: Vec::new(),
                    summary: summary.into(),
                    what_worked: worked.into(),
                    what_did_not: did_not.into(),
                    lessons: vec![lesson.into()],
                    changes_needed: changes.into(),
                },
                held_on.and_hms_opt(16, 0, 0).expect("16:00 exists").min(now),
            )?;
        }
    }

    // Due dates from today (some already late), never before the debrief.
    let mut action = |debrief: &crate::domain::Debrief, lesson, kind, owner, due_in: i64, description: &str| {
        let due = (today + Duration::days(due_in)).max(debrief.held_on + Duration::days(7));
        session.add_action(
            NewAction { debrief: debrief.id, lesson, description: description.into(), kind, owner, due },
            later(debrief.recorded_at, 0),
        )
    };
    action(&older, 1, ActionKind::PolicyChange, dsl, -10, "Add the break-time rota to section 3.")?;
    let training = action(
        &older,
        2,
        ActionKind::StaffTraining,
        lead,
        20,
        "Staff briefing on searching and confiscation (P6.1-e).",
    )?;
    let signs = action(&older, 3, ActionKind::Signage, deputy, -30, "Replace and check restricted-area signs.")?;
    let tablets =
        action(&newer, 1, ActionKind::Technical, lead, 5, "Move tablets onto the central filtering profile.")?;
    action(&newer, 2, ActionKind::CurriculumChange, deputy, 40, "Add filtering to the Year 6 unit.")?;
    let poster = action(&newer, 2, ActionKind::Other, deputy, 10, "Filtering poster for the ICT suite.")?;
    session.change_action_status(
        training.id,
        ActionStatus::InProgress,
        "Booked for the next INSET day.",
        later(training.created_at, 3),
    )?;
    session.change_action_status(
        signs.id,
        ActionStatus::Done,
        "New signs on both toilet doors and the cloakroom; checked by the site manager.",
        later(signs.created_at, 5),
    )?;
    session.change_action_status(
        tablets.id,
        ActionStatus::InProgress,
        "Supplier contacted.",
        later(tablets.created_at, 2),
    )?;
    session.change_action_status(
        poster.id,
        ActionStatus::Dropped,
        "The Year 6 unit covers it; a poster adds nothing.",
        later(poster.created_at, 4),
    )?;
    session.log_review_trigger(
        1,
        TriggerKind::InfrastructureChange,
        "Tablets are moving to the central filtering profile.",
        None,
        later(newer.recorded_at, 0),
    )?;
    Ok(())
}

/// The demo school's people (issue 12): every child and member of staff
/// its concerns name becomes a person, imported as an MIS export would be
/// (a UPN, a date of birth that fits the year group, a parent/carer), and
/// the concerns are linked to them, so the person view and the "other
/// concerns about this child" marker have something to show. The roll is
/// topped up with pupils no concern names, to `roll` children in all.
/// Visitors and parents stay typed names, for the DSL's "unlinked" screen.
pub fn populate_people(session: &mut Session, roll: usize, now: NaiveDateTime, seed: u64) -> Result<(), StoreError> {
    use crate::domain::mis::{MisContact, MisRow};
    let mut rng = StdRng::seed_from_u64(seed);
    let groups = session.unlinked_subjects()?;
    let year_of = |detail: &str| -> Option<u32> {
        detail.split_whitespace().last().and_then(|w| w.parse().ok()).or(detail.starts_with("Reception").then_some(0))
    };
    let mut rows: Vec<MisRow> = Vec::new();
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    let pupil = |name: String, detail: String, rng: &mut StdRng, rows: &mut Vec<MisRow>| {
        let n = rows.len() + 1;
        // Year N is 4 to 5 at the start of Year N+1's September… near enough
        // for fictional data: born in the school year that fits the group.
        let year = year_of(&detail).unwrap_or(3) as i32;
        let born = chrono::NaiveDate::from_ymd_opt(now.year() - 5 - year, rng.gen_range(1..=12), rng.gen_range(1..=28));
        let surname = name.split_whitespace().last().unwrap_or_default().to_string();
        rows.push(MisRow {
            line: n + 1,
            kind: SubjectKind::Child,
            name,
            legal_name: None,
            date_of_birth: born,
            detail,
            school_id: format!("Z{:012}", 800_000_000_000u64 + n as u64),
            contacts: vec![MisContact {
                id: String::new(),
                name: format!("{} {surname}", FIRST.choose(rng).expect("non-empty")),
                relationship: ["Mother", "Father", "Carer", "Grandparent"].choose(rng).expect("non-empty").to_string(),
            }],
        });
    };
    for g in groups.iter().filter(|g| g.kind == SubjectKind::Child) {
        if taken.insert(crate::domain::person::name_key(&g.name)) {
            let detail = g.subjects[0].detail.clone();
            pupil(g.name.clone(), detail, &mut rng, &mut rows);
        }
    }
    // Pupils no concern names, with double-barrelled surnames once the
    // plain ones run out.
    let mut tries = 0;
    while rows.len() < roll && tries < roll * 4 {
        tries += 1;
        let first = FIRST.choose(&mut rng).expect("non-empty");
        let (a, b) = (LAST.choose(&mut rng).expect("non-empty"), LAST.choose(&mut rng).expect("non-empty"));
        let name = if rows.len() < 400 { format!("{first} {a}") } else { format!("{first} {a}-{b}") };
        if taken.insert(crate::domain::person::name_key(&name)) {
            let detail = format!("Year {}", rng.gen_range(1..=6));
            pupil(name, detail, &mut rng, &mut rows);
        }
    }
    session.import_people(&rows, "the demo school's MIS export", now, false)?;
    for g in groups.iter().filter(|g| g.kind == SubjectKind::Staff) {
        session.adopt_group(g, None, now)?;
    }
    let mut linked = Vec::new();
    for g in session.unlinked_subjects()?.iter().filter(|g| g.kind == SubjectKind::Child) {
        if let Some(p) = g.suggestions.first() {
            session.adopt_group(g, Some(p.id), now)?;
            linked.push(p.id);
        }
    }
    // A few children come up again, as some do in any school: their later
    // concerns make the person view's one chronology and the board's
    // "other concerns" marker worth seeing.
    for (n, id) in linked.iter().take(3).enumerate() {
        for k in 0..=n.min(1) {
            let mut subject = Subject::named(SubjectKind::Child, "", "");
            subject.person = Some(*id);
            let at = now - Duration::days(3 + 9 * k as i64 + n as i64) - Duration::hours(2);
            let new = NewConcern {
                occurred_at: at - Duration::minutes(40),
                reported_by: format!("{}, class teacher", person(&mut rng)),
                subjects: vec![subject],
                category: "abusive-messages".into(),
                location: "classroom".into(),
                devices: vec!["mobile-phone".into()],
                description: "Upsetting messages about the child were shown to staff by a friend.".into(),
                immediate_action: "Screenshots kept; the child was spoken to kindly and is with their teacher.".into(),
                source: Source::StaffReport,
            };
            session.record_concern(new, at)?;
        }
    }
    Ok(())
}

/// Issue 13 (P6.1-a, P6.1-b, P6.1-d, P6.1-e): devices confiscated on some
/// of the demo's open concerns about a child's device: held in the office
/// (the oldest past the school's limit, so Today lists it), moved to the
/// head's safe, returned to a parent who signed for it, handed to the
/// police; and a search of one, witnessed, nothing erased.
pub fn populate_custody(session: &mut Session, now: NaiveDateTime) -> Result<(), StoreError> {
    use crate::domain::searches::{DataAction, NewSearch};
    use crate::domain::{CustodyMove, NewCustody, NewCustodyEvent};
    const DEVICE_CATEGORIES: [&str; 6] = [
        "device-in-exam",
        "abusive-messages",
        "illegal-data",
        "child-device-on-site",
        "offensive-content",
        "restricted-area",
    ];
    let board = session.board()?;
    let mut rows: Vec<_> = board
        .rows
        .iter()
        .filter(|r| r.status.is_open() && r.subject_kind == SubjectKind::Child)
        .filter(|r| DEVICE_CATEGORIES.contains(&r.category.as_str()))
        .cloned()
        .collect();
    rows.sort_by_key(|r| r.reported_at);
    let name_of = |role: Role| session.members().iter().find(|m| m.role == role).map(|m| m.name.clone());
    let head = name_of(Role::Leadership).unwrap_or_else(|| "the headteacher".into());
    let witness = name_of(Role::Deputy).unwrap_or_else(|| "a member of staff".into());
    let latest = now - Duration::minutes(30);
    let at = |t: NaiveDateTime| t.min(latest);
    // The oldest is held past the limit (and searched), the next returned,
    // the next moved to the safe, the rest held; illegal data goes to the police.
    let mut kept = 0;
    for (i, row) in rows.iter().take(5).enumerate() {
        let taken = at(row.reported_at + Duration::minutes(5));
        let owner = row.subject.split(" +").next().unwrap_or(&row.subject).to_string();
        let new = NewCustody {
            device: if i == 3 { "smart-watch" } else { "mobile-phone" }.into(),
            description: ["black, cracked screen", "blue case", "red case with stickers", "white strap", "grey"][i]
                .into(),
            owner: owner.clone(),
            owner_person: None,
            confiscated_by: String::new(),
            confiscated_at: taken,
            reason: format!(
                "Believed used against the behaviour policy: {}.",
                session.catalogue().category_short(&row.category)
            ),
            held_at: String::new(),
        };
        let c = session.confiscate(row.id, new, taken)?;
        let event = |change, hours: i64| NewCustodyEvent {
            at: at(taken + Duration::hours(hours)),
            change,
            note: String::new(),
            corrects: None,
        };
        let surname = owner.rsplit(' ').next().unwrap_or(&owner).to_string();
        let police = row.category == "illegal-data";
        let n = kept;
        if !police {
            kept += 1;
        }
        let change = if police {
            Some(CustodyMove::Police {
                reference: format!("CR/{:04}/26", 40 + i),
                officer: "PC Fictional Ashdown".into(),
            })
        } else {
            match n {
                1 => Some(CustodyMove::Returned {
                    released_by: String::new(),
                    collected_by: format!("Mrs {surname} (parent)"),
                    signature: true,
                }),
                2 => Some(CustodyMove::Moved { to: "the head's safe".into() }),
                _ => None,
            }
        };
        if let Some(change) = change {
            session.custody_event(c.id, event(change, 3), now)?;
        }
        if !police && n == 0 {
            let search = NewSearch {
                custody: Some(c.id),
                device: c.device_words(session.catalogue().device_label(&c.device)),
                authorised_by: head.clone(),
                searched_by: String::new(),
                witnessed_by: witness.clone(),
                at: at(taken + Duration::hours(1)),
                grounds: "Reported to hold material shared against the behaviour policy.".into(),
                looked_for: "The messages or images reported.".into(),
                found: "Messages as reported; kept as evidence, not copied.".into(),
                data: DataAction::None,
                data_reason: String::new(),
                safeguarding_risk: false,
            };
            session.record_search(row.id, search, now)?;
        }
    }
    Ok(())
}

/// Issue 13: the staff and visitor registers (P5-a, P5-c, P5-e, P7-b) and
/// the optional school-device register and awareness log (P4-a, P8-c),
/// with fictional entries: one approval due for review within the fortnight
/// so Today shows it. Recorded by the demo's DSL (the disclosure register
/// is the DSL's alone).
pub fn populate_registers(session: &mut Session, now: NaiveDateTime) -> Result<(), StoreError> {
    use crate::domain::register::{NewRegisterEntry, RegisterKind};
    let today = now.date();
    let days = |n: i64| today + chrono::Duration::days(n);
    let head = "Mrs Odile Brackenbury (headteacher)";
    let entry = |kind, date, who: &str, reason: &str, permitted: &str, risk: &str, granted: &str| {
        let mut e = NewRegisterEntry::new(kind, date);
        e.who = who.into();
        e.reason = reason.into();
        e.permitted = permitted.into();
        e.risk_assessment = risk.into();
        e.granted_by = granted.into();
        e
    };
    let mut entries = vec![
        entry(
            RegisterKind::Permission,
            days(-12),
            "Mr Fenwick Aldous",
            "Invacuation drill: phoned the office from the locked classroom",
            "His own phone, for that call only",
            "",
            head,
        ),
        entry(
            RegisterKind::Permission,
            days(-40),
            "Ms Juniper Tallis",
            "A pupil's medical emergency on the field",
            "A call to 999 and the office",
            "",
            head,
        ),
        entry(
            RegisterKind::Disclosure,
            days(-70),
            "Mr Fenwick Aldous",
            "Godparent of a pupil in Year 3",
            "No 1:1 tutoring of the pupil; contact with the family through the class teacher",
            "",
            "",
        ),
        entry(
            RegisterKind::Awareness,
            days(-85),
            "All staff",
            "Annual child-protection training (P8-c)",
            "Online safety and the mobile phone policy; 41 of 43 staff attended",
            "Sign-in sheet in the office",
            "Ms Aria Pennant (DSL)",
        ),
        entry(
            RegisterKind::Awareness,
            days(-20),
            "Year 5 and 6 parents",
            "Bulletin: phones in school bags",
            "Phones handed in at the office on arrival",
            "Newsletter, week 8",
            "Ms Aria Pennant (DSL)",
        ),
    ];
    let mut remote = entry(
        RegisterKind::RemoteLearning,
        days(-170),
        "Ms Linnea Carraway",
        "Online catch-up group for Year 6, Tuesdays after school",
        "Her own laptop, with the school's platform only, camera on, a second adult present",
        "RA-2026-07 (in the office)",
        head,
    );
    remote.until = Some(days(9));
    entries.push(remote);
    let mut visitor = entry(
        RegisterKind::VisitorDevice,
        days(-30),
        "Dr Saffi Okonkwo-Reyes",
        "Speech and language therapy sessions",
        "Her laptop in the therapy room only; no photographs of pupils",
        "RA-2026-11",
        head,
    );
    visitor.organisation = "Northvale Children's Therapy Service".into();
    visitor.until = Some(days(120));
    entries.push(visitor);
    let mut ipad = entry(
        RegisterKind::SchoolDevice,
        days(-200),
        "Ms Juniper Tallis",
        "Class iPad 3 (Year 2)",
        "yes",
        "yes",
        "yes",
    );
    ipad.until = None;
    entries.push(ipad);
    for e in entries {
        session.record_register(e, now)?;
    }
    Ok(())
}

/// S-d: one concern about a former pupil, closed long ago and past
/// retention (she turned 25 in 2021), so the demo's retention screen has
/// something to dispose of and a DSL can try it on fictional data.
pub fn populate_retention(session: &mut Session) -> Result<(), StoreError> {
    use crate::domain::person::PersonDetails;
    use crate::store::TriageInput;
    use chrono::NaiveDate;
    let at = |y, m, d, h| NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, 0, 0)).expect("a date");
    let then = at(2011, 3, 14, 10);
    let details = PersonDetails {
        name: "Pupil Fictional Ashgrove".into(),
        date_of_birth: NaiveDate::from_ymd_opt(1996, 4, 2),
        detail: "left in 2011".into(),
        ..Default::default()
    };
    let person = session.add_person(SubjectKind::Child, details, then)?;
    let mut subject = Subject::named(SubjectKind::Child, "Pupil Fictional Ashgrove", "Year 9");
    subject.person = Some(person.id);
    let new = NewConcern {
        occurred_at: then - chrono::Duration::hours(2),
        reported_by: String::new(),
        subjects: vec![subject],
        category: "abusive-messages".into(),
        location: "classroom".into(),
        devices: vec!["mobile-phone".into()],
        description: "Unkind messages about a classmate in a group chat (fictional, long ago).".into(),
        immediate_action: "Spoke with both pupils; parents informed.".into(),
        source: Source::StaffReport,
    };
    let id = session.record_concern(new, then)?.id;
    let input = TriageInput {
        risk: Risk::Low,
        urgency: Urgency::Routine,
        pathway: "no-further-action".into(),
        linked_policy: "anti-bullying".into(),
        assignee: None,
        next_review: None,
        reasoning: "Resolved with both pupils and their parents under the anti-bullying policy.".into(),
    };
    session.triage(id, input, then)?;
    if session.case(id)?.status != Status::Closed {
        session.transition(id, Status::Closed, "Resolved; no further action.", at(2011, 3, 21, 15))?;
    }
    Ok(())
}
