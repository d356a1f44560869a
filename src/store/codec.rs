//! The versioned envelope every record's plaintext is wrapped in.
//!
//! bincode 2's layout is positional: an appended field fails to decode and
//! two swapped fields of one type decode silently into each other. So each
//! plaintext is `Envelope { format, kind, body }`, the body is decoded by the
//! code for exactly that format version, and older versions are migrated
//! forward in `Record::from_version`. Each kind has its own format version
//! ([`Record::VERSION`], which every kind states): a change to one kind's
//! body moves that kind alone on. Golden-bytes tests in `tests/golden.rs`
//! pin every kind at every version.

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::domain::searches::DeviceSearch;
use crate::domain::{Action, CaseFile, CaseSummary, Custody, Debrief, Figures, Referral, TrackedPolicy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordKind {
    Case,
    CaseIndex,
    MemberName,
    School,
    // Appended for issue 5 (P9-c, P9-d, P8-a, P9-e): new kinds go at the
    // end, so the variant numbers in existing golden bytes stay valid.
    Debrief,
    Action,
    Policy,
    Figures,
    // Issue 12 (P1-a): a person, the sharded people index, and the pupil
    // roll reporters pick a child from. Appended, like the kinds above.
    Person,
    PersonIndex,
    PupilRoll,
    // Issue 13 (S-b): the school's term dates (Case class, in settings).
    // Appended after issue 12's, like the kinds above.
    TermDates,
    // Issue 13 (P5-g, P6-b, P9-b, P9-g, S-b): a referral or contact.
    Referral,
    // Issue 13 (P6.1-a, P6.1-b, P6.1-d, P6.1-h): a confiscated device and
    // its chain of custody. Appended after Referral.
    Custody,
    // Issue 13 (P6.1-e, P6.1-f, P6.1-g): a search of a device. Appended.
    DeviceSearch,
    // Issue 13: a file attached to a concern.
    Attachment,
    // Issue 13 (P5-f, P5-g): who may read a restricted allegation, sealed
    // to those members alone. Appended after Referral.
    Restriction,
    // Issue 13 (P5-a, P5-c, P5-e, P7-b): an entry of a staff or visitor
    // register. Appended after Restriction.
    RegisterEntry,
    // Issue 13 (P3-a, P2-a): the school's own catalogue file (Directory
    // class, in settings). Appended after RegisterEntry.
    CatalogueFile,
    // S-d, S-e: a disposal's record (DSL(s) alone). Appended after
    // CatalogueFile.
    Disposal,
}

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    format: u16,
    kind: RecordKind,
    body: Vec<u8>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodecError {
    #[error("the record is damaged ({0})")]
    Damaged(String),
    #[error("expected a {expected:?} record, found {found:?}")]
    WrongKind { expected: RecordKind, found: RecordKind },
    #[error("the record was written by a newer casebook (format {0}); upgrade casebook to read it")]
    TooNew(u16),
    #[error("format {0} of this record is not known")]
    UnknownVersion(u16),
    /// Issue 10: moved, copied or set back outside casebook.
    #[error("it was sealed as {belongs} but is kept as {found}: moved, copied or set back outside casebook")]
    Misplaced { belongs: String, found: String },
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

fn to_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own plain data types into a Vec cannot fail.
    bincode::serde::encode_to_vec(value, config()).expect("bincode encodes plain data")
}

/// Decoding never believes a length beyond this. A damaged or forged
/// length prefix (anyone who can write the store directory can put bytes
/// in it, PRODUCT.md 7b) must be an error, not an attempt to allocate
/// exabytes that aborts the process (issue 8). Far above any record: they
/// are capped at 2 MiB when written, and older ones were never near this.
const DECODE_LIMIT: usize = 256 * 1024 * 1024;

pub fn from_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (value, used) = bincode::serde::decode_from_slice(bytes, config().with_limit::<DECODE_LIMIT>())
        .map_err(|e| CodecError::Damaged(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError::Damaged(format!("{} trailing bytes", bytes.len() - used)));
    }
    Ok(value)
}

/// A type stored as a record. `from_version` is the migration path.
pub trait Record: Serialize + DeserializeOwned {
    const KIND: RecordKind;
    /// The format version this kind is written in today, its own: a kind
    /// whose body changes gets its next version and a migration in
    /// `from_version`; the others stay where they are. No default, so a new
    /// kind says which version it starts at.
    const VERSION: u16;

    fn from_version(format: u16, body: &[u8]) -> Result<Self, CodecError> {
        match format {
            v if v == Self::VERSION => from_bytes(body),
            newer if newer > Self::VERSION => Err(CodecError::TooNew(newer)),
            older => Err(CodecError::UnknownVersion(older)),
        }
    }
}

/// Refuses a version newer than `current`, for kinds with migrations.
fn too_new_or_unknown<T>(format: u16, current: u16) -> Result<T, CodecError> {
    if format > current { Err(CodecError::TooNew(format)) } else { Err(CodecError::UnknownVersion(format)) }
}

/// A case file. Format 2 (issue 12) gives each subject a person record
/// and a part in the concern; format 1 subjects migrate as the subject of
/// the concern with no person yet, for the DSL to match.
impl Record for CaseFile {
    const KIND: RecordKind = RecordKind::Case;
    const VERSION: u16 = 2;

    fn from_version(format: u16, body: &[u8]) -> Result<Self, CodecError> {
        match format {
            2 => from_bytes(body),
            1 => Ok(from_bytes::<v1::CaseFile>(body)?.into()),
            other => too_new_or_unknown(other, Self::VERSION),
        }
    }
}

/// The board index. Format 2 (issue 8, P9-c) adds
/// `closed_without_debrief`; format 1 indexes migrate with it false, since
/// no concern could be closed that way before. Format 3 (issue 12) adds
/// the people each concern names; older rows name none until their
/// concern is next written. Format 4 (issue 13 review) adds the current
/// triage's pathway, which the LADO's and the examining body's deadlines
/// follow: an older row migrates with revision 0, which no concern has,
/// so the next board load reads its concern again rather than miss a
/// deadline (the index is a cache; nothing is lost).
impl Record for Vec<CaseSummary> {
    const KIND: RecordKind = RecordKind::CaseIndex;
    const VERSION: u16 = 4;

    fn from_version(format: u16, body: &[u8]) -> Result<Self, CodecError> {
        match format {
            4 => from_bytes(body),
            3 => Ok(from_bytes::<Vec<v3::CaseSummary>>(body)?.into_iter().map(Into::into).collect()),
            2 => Ok(from_bytes::<Vec<v2::CaseSummary>>(body)?.into_iter().map(Into::into).collect()),
            1 => Ok(from_bytes::<Vec<v1::CaseSummary>>(body)?.into_iter().map(Into::into).collect()),
            other => too_new_or_unknown(other, Self::VERSION),
        }
    }
}

/// P9-c: a debrief (Oversight class: DSL, deputies, leadership).
impl Record for Debrief {
    const KIND: RecordKind = RecordKind::Debrief;
    const VERSION: u16 = 1;
}

/// P9-d: a lessons-learned action and its status history (Oversight class).
impl Record for Action {
    const KIND: RecordKind = RecordKind::Action;
    const VERSION: u16 = 1;
}

/// P8-a: a tracked policy with its review triggers and reviews (Oversight class).
impl Record for TrackedPolicy {
    const KIND: RecordKind = RecordKind::Policy;
    const VERSION: u16 = 1;
}

/// Issue 13: a referral or contact on a concern (Case class).
impl Record for Referral {
    const KIND: RecordKind = RecordKind::Referral;
    const VERSION: u16 = 1;
}

/// Issue 13: a confiscated device and its chain of custody (Case class).
impl Record for Custody {
    const KIND: RecordKind = RecordKind::Custody;
    const VERSION: u16 = 1;
}

/// Issue 13: a search of a device (Case class).
impl Record for DeviceSearch {
    const KIND: RecordKind = RecordKind::DeviceSearch;
    const VERSION: u16 = 1;
}

/// Issue 13 (P5-g): the DSL's restriction of one concern to named members.
impl Record for crate::domain::restricted::Restriction {
    const KIND: RecordKind = RecordKind::Restriction;
    const VERSION: u16 = 1;
}

/// Issue 13 (P5-a, P5-c, P5-e, P7-b): a register entry (Oversight class;
/// a disclosure, the DSL(s) alone).
impl Record for crate::domain::register::RegisterEntry {
    const KIND: RecordKind = RecordKind::RegisterEntry;
    const VERSION: u16 = 1;
}

/// P9-e: anonymised counts of concerns (Oversight class). Format 2
/// (issue 8, P9-c) adds the count closed without a debrief; format 1
/// migrates with none.
impl Record for Figures {
    const KIND: RecordKind = RecordKind::Figures;
    const VERSION: u16 = 2;

    fn from_version(format: u16, body: &[u8]) -> Result<Self, CodecError> {
        match format {
            2 => from_bytes(body),
            1 => Ok(from_bytes::<v1::Figures>(body)?.into()),
            other => too_new_or_unknown(other, Self::VERSION),
        }
    }
}

/// Bodies as format 1 wrote them, for the migrations above. Never change
/// these: the golden files of format 1 pin them.
mod v1 {
    use chrono::{NaiveDate, NaiveDateTime};
    use serde::Deserialize;

    use crate::domain::{Author, CategoryCount, ChronologyEntry, Risk, Source, Status, SubjectKind, Triage, Urgency};

    #[derive(Deserialize)]
    pub struct CaseSummary {
        id: u32,
        revision: u64,
        reference: String,
        reported_at: NaiveDateTime,
        category: String,
        subject: String,
        subject_kind: SubjectKind,
        risk: Option<Risk>,
        urgency: Urgency,
        status: Status,
        assignee: Option<String>,
        assignee_id: Option<u32>,
        next_review: Option<NaiveDate>,
        restricted_location: bool,
    }

    impl From<CaseSummary> for super::v2::CaseSummary {
        fn from(o: CaseSummary) -> Self {
            super::v2::CaseSummary {
                id: o.id,
                revision: o.revision,
                reference: o.reference,
                reported_at: o.reported_at,
                category: o.category,
                subject: o.subject,
                subject_kind: o.subject_kind,
                risk: o.risk,
                urgency: o.urgency,
                status: o.status,
                assignee: o.assignee,
                assignee_id: o.assignee_id,
                next_review: o.next_review,
                restricted_location: o.restricted_location,
                closed_without_debrief: false,
            }
        }
    }

    impl From<CaseSummary> for crate::domain::CaseSummary {
        fn from(o: CaseSummary) -> Self {
            super::v2::CaseSummary::from(o).into()
        }
    }

    /// A subject before issue 12: a name, no person record.
    #[derive(Deserialize)]
    pub struct Subject {
        kind: SubjectKind,
        name: String,
        detail: String,
    }

    #[derive(Deserialize)]
    pub struct Concern {
        reference: String,
        occurred_at: NaiveDateTime,
        reported_at: NaiveDateTime,
        reported_by: String,
        recorded_by: Author,
        subjects: Vec<Subject>,
        category: String,
        location: String,
        devices: Vec<String>,
        description: String,
        immediate_action: String,
        source: Source,
    }

    #[derive(Deserialize)]
    pub struct CaseFile {
        concern: Concern,
        triage: Vec<Triage>,
        chronology: Vec<ChronologyEntry>,
        status: Status,
    }

    impl From<CaseFile> for crate::domain::CaseFile {
        fn from(o: CaseFile) -> Self {
            let c = o.concern;
            crate::domain::CaseFile {
                concern: crate::domain::Concern {
                    reference: c.reference,
                    occurred_at: c.occurred_at,
                    reported_at: c.reported_at,
                    reported_by: c.reported_by,
                    recorded_by: c.recorded_by,
                    subjects: c
                        .subjects
                        .into_iter()
                        .map(|s| crate::domain::Subject::named(s.kind, s.name, s.detail))
                        .collect(),
                    category: c.category,
                    location: c.location,
                    devices: c.devices,
                    description: c.description,
                    immediate_action: c.immediate_action,
                    source: c.source,
                },
                triage: o.triage,
                chronology: o.chronology,
                status: o.status,
            }
        }
    }

    #[derive(Deserialize)]
    pub struct Figures {
        computed_at: NaiveDateTime,
        counts: Vec<CategoryCount>,
    }

    impl From<Figures> for crate::domain::Figures {
        fn from(o: Figures) -> Self {
            crate::domain::Figures { computed_at: o.computed_at, counts: o.counts, closed_without_debrief: 0 }
        }
    }
}

/// Bodies as format 2 wrote them. Never change these either.
mod v2 {
    use chrono::{NaiveDate, NaiveDateTime};
    use serde::Deserialize;

    use crate::domain::{Risk, Status, SubjectKind, Urgency};

    #[derive(Deserialize)]
    pub struct CaseSummary {
        pub id: u32,
        pub revision: u64,
        pub reference: String,
        pub reported_at: NaiveDateTime,
        pub category: String,
        pub subject: String,
        pub subject_kind: SubjectKind,
        pub risk: Option<Risk>,
        pub urgency: Urgency,
        pub status: Status,
        pub assignee: Option<String>,
        pub assignee_id: Option<u32>,
        pub next_review: Option<NaiveDate>,
        pub restricted_location: bool,
        pub closed_without_debrief: bool,
    }

    impl From<CaseSummary> for crate::domain::CaseSummary {
        fn from(o: CaseSummary) -> Self {
            crate::domain::CaseSummary {
                id: o.id,
                revision: o.revision,
                reference: o.reference,
                reported_at: o.reported_at,
                category: o.category,
                subject: o.subject,
                subject_kind: o.subject_kind,
                risk: o.risk,
                urgency: o.urgency,
                status: o.status,
                assignee: o.assignee,
                assignee_id: o.assignee_id,
                next_review: o.next_review,
                restricted_location: o.restricted_location,
                closed_without_debrief: o.closed_without_debrief,
                people: Vec::new(),
                pathway: None,
            }
            .stale()
        }
    }
}

/// Bodies as format 3 wrote them (issue 12). Never change these either.
mod v3 {
    use chrono::{NaiveDate, NaiveDateTime};
    use serde::Deserialize;

    use crate::domain::{Part, PersonId, Risk, Status, SubjectKind, Urgency};

    #[derive(Deserialize)]
    pub struct CaseSummary {
        pub id: u32,
        pub revision: u64,
        pub reference: String,
        pub reported_at: NaiveDateTime,
        pub category: String,
        pub subject: String,
        pub subject_kind: SubjectKind,
        pub risk: Option<Risk>,
        pub urgency: Urgency,
        pub status: Status,
        pub assignee: Option<String>,
        pub assignee_id: Option<u32>,
        pub next_review: Option<NaiveDate>,
        pub restricted_location: bool,
        pub closed_without_debrief: bool,
        pub people: Vec<(PersonId, Part)>,
    }

    impl From<CaseSummary> for crate::domain::CaseSummary {
        fn from(o: CaseSummary) -> Self {
            crate::domain::CaseSummary {
                id: o.id,
                revision: o.revision,
                reference: o.reference,
                reported_at: o.reported_at,
                category: o.category,
                subject: o.subject,
                subject_kind: o.subject_kind,
                risk: o.risk,
                urgency: o.urgency,
                status: o.status,
                assignee: o.assignee,
                assignee_id: o.assignee_id,
                next_review: o.next_review,
                restricted_location: o.restricted_location,
                closed_without_debrief: o.closed_without_debrief,
                people: o.people,
                pathway: None,
            }
            .stale()
        }
    }
}

/// A member's display name (Directory class).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberName(pub String);
impl Record for MemberName {
    const KIND: RecordKind = RecordKind::MemberName;
    const VERSION: u16 = 1;
}

/// The school's name (Directory class).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    pub name: String,
}
impl Record for School {
    const KIND: RecordKind = RecordKind::School;
    const VERSION: u16 = 1;
}

/// The school's term-dates file as the DSL wrote it (Case class: the DSL
/// and deputies count deadlines with it; issue 13, S-b). Kept as text so
/// `casebook term-dates show` gives back the DSL's own file, comments and
/// all; it is parsed ([`crate::domain::Calendar::parse`]) when read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermDates {
    pub text: String,
}
impl Record for TermDates {
    const KIND: RecordKind = RecordKind::TermDates;
    const VERSION: u16 = 1;
}

/// The school's own catalogue (issue 13: P3-a, P2-a), kept as the DSL's
/// file and parsed when read, like the term dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueFile {
    pub text: String,
}
impl Record for CatalogueFile {
    const KIND: RecordKind = RecordKind::CatalogueFile;
    const VERSION: u16 = 1;
}

/// Where a record is kept, sealed inside it (issue 10): a record copied to
/// another id or tree, or an older revision put back, no longer matches
/// where it is found. `revision` is 0 for kinds that have none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub tree: String,
    pub key: Vec<u8>,
    pub revision: u64,
}

impl Place {
    /// A case whose revision record is missing or damaged is still read
    /// (issue 11: damage stays local): its record is checked for its tree
    /// and id only.
    pub const ANY_REVISION: u64 = u64::MAX;

    fn matches(&self, found: &Place) -> bool {
        self.tree == found.tree
            && self.key == found.key
            && (self.revision == found.revision || found.revision == Place::ANY_REVISION)
    }

    pub fn new(tree: &str, key: impl Into<Vec<u8>>, revision: u64) -> Place {
        Place { tree: tree.to_string(), key: key.into(), revision }
    }

    fn describe(&self) -> String {
        let key = match <[u8; 4]>::try_from(self.key.as_slice()) {
            Ok(id) => format!("#{}", u32::from_be_bytes(id)),
            Err(_) => crate::text::one_line(&String::from_utf8_lossy(&self.key)),
        };
        if self.revision > 0 && self.revision != Place::ANY_REVISION {
            format!("{} {key} revision {}", self.tree, self.revision)
        } else {
            format!("{} {key}", self.tree)
        }
    }
}

/// How a writer who does not hold a record's class key (a reporter
/// recording a concern) vouches for it to each member who will read it:
/// one HMAC tag per reader under a key only the writer and that reader can
/// compute (see `roster::attest`). Without it anyone holding members'
/// public keys could write a record they open (issue 10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    pub author: u32,
    pub tags: Vec<(u32, [u8; 32])>,
}

/// Marks a bound envelope. bincode writes a u16 below 251 as one byte, so
/// no format number of the older envelope starts the same way.
const BOUND: u16 = 0xB0D1;

#[derive(Debug, Serialize, Deserialize)]
struct Bound {
    marker: u16,
    kind: RecordKind,
    place: Place,
    format: u16,
    body: Vec<u8>,
    attestation: Option<Attestation>,
}

/// A decoded record with what its envelope said about it.
#[derive(Debug)]
pub struct Opened<T> {
    pub value: T,
    /// `false` for a record written before issue 10 (no place inside).
    pub bound: bool,
    pub attestation: Option<Attestation>,
    /// What an attestation's tags are computed over.
    pub digest: [u8; 32],
}

/// What an attestation covers: the kind, the place, the format and the body.
fn digest(kind: RecordKind, place: &Place, format: u16, body: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"casebook record v1\0");
    h.update(to_bytes(&(kind, place, format)));
    h.update(body);
    h.finalize().into()
}

/// Encodes a record bound to its place; `attest` may vouch for it over its
/// digest (a writer without the class key).
pub fn encode_at<T: Record>(
    value: &T,
    place: &Place,
    attest: impl FnOnce(&[u8; 32]) -> Option<Attestation>,
) -> Vec<u8> {
    let body = to_bytes(value);
    let attestation = attest(&digest(T::KIND, place, T::VERSION, &body));
    to_bytes(&Bound { marker: BOUND, kind: T::KIND, place: place.clone(), format: T::VERSION, body, attestation })
}

/// Decodes a record found at `place`. A bound record found anywhere else is
/// an error naming where it belongs; an unbound (older) one is returned
/// with `bound: false` for the caller to judge.
pub fn decode_at<T: Record>(bytes: &[u8], place: &Place) -> Result<Opened<T>, CodecError> {
    let is_bound = bincode::serde::decode_from_slice::<u16, _>(bytes, config()).is_ok_and(|(m, _)| m == BOUND);
    if !is_bound {
        let envelope: Envelope = from_bytes(bytes)?;
        if envelope.kind != T::KIND {
            return Err(CodecError::WrongKind { expected: T::KIND, found: envelope.kind });
        }
        let digest = digest(envelope.kind, place, envelope.format, &envelope.body);
        let value = T::from_version(envelope.format, &envelope.body)?;
        return Ok(Opened { value, bound: false, attestation: None, digest });
    }
    let b: Bound = from_bytes(bytes)?;
    if b.kind != T::KIND {
        return Err(CodecError::WrongKind { expected: T::KIND, found: b.kind });
    }
    if !b.place.matches(place) {
        return Err(CodecError::Misplaced { belongs: b.place.describe(), found: place.describe() });
    }
    let digest = digest(b.kind, &b.place, b.format, &b.body);
    let value = T::from_version(b.format, &b.body)?;
    Ok(Opened { value, bound: true, attestation: b.attestation, digest })
}

/// Decodes a record found where its place is not known (salvage carving
/// it out of a damaged file): bound or not, and the place it names if bound.
pub fn decode_any<T: Record>(bytes: &[u8]) -> Result<(T, Option<Place>), CodecError> {
    if bincode::serde::decode_from_slice::<u16, _>(bytes, config()).is_ok_and(|(m, _)| m == BOUND) {
        let b: Bound = from_bytes(bytes)?;
        if b.kind != T::KIND {
            return Err(CodecError::WrongKind { expected: T::KIND, found: b.kind });
        }
        return Ok((T::from_version(b.format, &b.body)?, Some(b.place)));
    }
    Ok((decode(bytes)?, None))
}

/// A bound record's plaintext as casebook wrote it before issue 10 (no
/// place): for tests of the DSL's migration of an older store.
#[doc(hidden)]
pub fn unbind(bytes: &[u8]) -> Result<Vec<u8>, CodecError> {
    let b: Bound = from_bytes(bytes)?;
    Ok(to_bytes(&Envelope { format: b.format, kind: b.kind, body: b.body }))
}

pub fn encode<T: Record>(value: &T) -> Vec<u8> {
    to_bytes(&Envelope { format: T::VERSION, kind: T::KIND, body: to_bytes(value) })
}

pub fn decode<T: Record>(bytes: &[u8]) -> Result<T, CodecError> {
    let envelope: Envelope = from_bytes(bytes)?;
    if envelope.kind != T::KIND {
        return Err(CodecError::WrongKind { expected: T::KIND, found: envelope.kind });
    }
    T::from_version(envelope.format, &envelope.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_kind_check() {
        let bytes = encode(&School { name: "Fictional Primary".into() });
        assert_eq!(decode::<School>(&bytes).unwrap().name, "Fictional Primary");
        assert_eq!(
            decode::<MemberName>(&bytes).unwrap_err(),
            CodecError::WrongKind { expected: RecordKind::MemberName, found: RecordKind::School }
        );
    }

    #[test]
    fn newer_format_is_refused_with_advice() {
        let bytes = to_bytes(&Envelope { format: School::VERSION + 1, kind: RecordKind::School, body: vec![] });
        assert!(decode::<School>(&bytes).unwrap_err().to_string().contains("upgrade casebook"));
        let bytes = to_bytes(&Envelope { format: 3, kind: RecordKind::Figures, body: vec![] });
        assert_eq!(decode::<Figures>(&bytes).unwrap_err(), CodecError::TooNew(3));
        let bytes = to_bytes(&Envelope { format: 0, kind: RecordKind::CaseIndex, body: vec![] });
        assert_eq!(decode::<Vec<CaseSummary>>(&bytes).unwrap_err(), CodecError::UnknownVersion(0));
    }

    #[test]
    fn a_forged_length_is_damage_not_an_abort() {
        // Issue 8: a length prefix of 2^62 made bincode try to allocate it.
        let mut bytes = vec![1u8, 4, 0xfd];
        bytes.extend((u64::MAX >> 2).to_le_bytes());
        assert!(matches!(decode::<School>(&bytes), Err(CodecError::Damaged(_))));
        assert!(matches!(from_bytes::<Vec<String>>(&bytes[2..]), Err(CodecError::Damaged(_))));
    }

    #[test]
    fn truncated_and_padded_bytes_are_damaged() {
        let bytes = encode(&School { name: "Fictional Primary".into() });
        assert!(matches!(decode::<School>(&bytes[..bytes.len() - 3]), Err(CodecError::Damaged(_))));
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(matches!(decode::<School>(&padded), Err(CodecError::Damaged(_))));
    }
}
