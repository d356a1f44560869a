//! Reading the pupil and staff exports of a school's management
//! information system (MIS) for `casebook people import` (issue 12).
//!
//! MIS systems (SIMS, Arbor, Bromcom, Scholarpack…) export CSV with a
//! header row whose names differ a little between systems, so each field
//! is found by any of a few header names, compared case-, space- and
//! punctuation-blind. The README lists them. Pure: text in, rows or the
//! lines that are wrong out.

use chrono::NaiveDate;

use super::concern::SubjectKind;
use super::limits::{self, NAME_CHARS};

/// One person read from a row, with their contacts (parents/carers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MisRow {
    /// The file's line the row starts on (1 is the header).
    pub line: usize,
    pub kind: SubjectKind,
    /// The name the school uses (preferred forename and surname).
    pub name: String,
    /// The legal name, when it differs: kept as an other name.
    pub legal_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    /// "Year 5" for a pupil, the job title for staff.
    pub detail: String,
    /// UPN (else the MIS's own id) for a pupil, the staff id for staff.
    pub school_id: String,
    pub contacts: Vec<MisContact>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MisContact {
    /// The MIS's own id for the contact, where the export has one: the only
    /// proof that two pupils share a parent/carer.
    pub id: String,
    pub name: String,
    /// "Mother", "Foster carer"…
    pub relationship: String,
}

/// A row that could not be read, by line: nothing is imported while any
/// remains (unless the DSL asks to skip them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// What a file held: the rows read, rows repeated within the file, and
/// the rows that could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MisFile {
    pub rows: Vec<MisRow>,
    /// Lines that repeat an earlier row exactly (same identifier and
    /// details): skipped, and said.
    pub repeated: Vec<(usize, usize)>,
    pub bad: Vec<BadRow>,
}

/// Header names each field is found by (folded: lower case, letters and
/// digits only). The README's "Importing people" section lists these.
const UPN: &[&str] = &["upn", "uniquepupilnumber"];
const MIS_ID: &[&str] = &["misid", "pupilid", "admissionnumber", "adno", "admno", "id", "personid"];
const STAFF_ID: &[&str] = &["staffid", "staffcode", "employeenumber", "payrollnumber", "staffnumber"];
const LEGAL_FORENAME: &[&str] = &["legalforename", "forename", "firstname", "legalfirstname", "givenname"];
const LEGAL_SURNAME: &[&str] = &["legalsurname", "surname", "lastname", "legallastname", "familyname"];
const PREFERRED_FORENAME: &[&str] = &["preferredforename", "knownas", "preferredfirstname", "chosenforename"];
const PREFERRED_SURNAME: &[&str] = &["preferredsurname", "preferredlastname", "chosensurname"];
const FULL_NAME: &[&str] = &["name", "fullname", "pupilname", "staffname"];
const DOB: &[&str] = &["dateofbirth", "dob", "birthdate"];
const YEAR: &[&str] = &["year", "yeargroup", "ncyear", "yeartaughtin", "nationalcurriculumyear"];
const ROLE: &[&str] = &["role", "jobtitle", "post", "staffrole"];

fn key(header: &str) -> String {
    header.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// A pupil's year group as the school says it: "5" and "Y5" → "Year 5",
/// "R" → "Reception", "N"/"N1"/"N2" → "Nursery".
pub fn year_group(text: &str) -> String {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    let digits = upper.trim_start_matches("YEAR").trim_start_matches('Y').trim();
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return format!("Year {}", digits.trim_start_matches('0').parse::<u32>().unwrap_or(0));
    }
    match upper.as_str() {
        "R" | "REC" | "RECEPTION" => "Reception".into(),
        "N" | "N1" | "N2" | "NURSERY" => "Nursery".into(),
        _ => t.to_string(),
    }
}

/// "2016-02-29", "29/02/2016", "29-02-2016", "29.02.2016" (UK order).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
}

struct Columns {
    kind: SubjectKind,
    upn: Option<usize>,
    mis_id: Option<usize>,
    staff_id: Option<usize>,
    legal_forename: Option<usize>,
    legal_surname: Option<usize>,
    preferred_forename: Option<usize>,
    preferred_surname: Option<usize>,
    full_name: Option<usize>,
    dob: Option<usize>,
    year: Option<usize>,
    role: Option<usize>,
    /// (name column or (forename, surname) columns, relationship column,
    /// id column)
    contacts: Vec<(ContactName, Option<usize>, Option<usize>)>,
}

enum ContactName {
    Whole(usize),
    Parts(Option<usize>, Option<usize>),
}

impl Columns {
    fn find(headers: &[String], kind: Option<SubjectKind>) -> Result<Columns, String> {
        let keys: Vec<String> = headers.iter().map(|h| key(h)).collect();
        let col = |names: &[&str]| names.iter().find_map(|n| keys.iter().position(|k| k == n));
        let (upn, staff_id, year, role) = (col(UPN), col(STAFF_ID), col(YEAR), col(ROLE));
        let kind = match kind {
            Some(k) => k,
            None if upn.is_some() || year.is_some() => SubjectKind::Child,
            None if staff_id.is_some() || role.is_some() => SubjectKind::Staff,
            None => {
                return Err("the header names no UPN, year group, staff id or role, so casebook cannot tell a \
                            pupil export from a staff one; say which with --pupils or --staff"
                    .into());
            }
        };
        let mut contacts = Vec::new();
        for n in 1..=9 {
            let p = format!("contact{n}");
            let c = |suffix: &[&str]| suffix.iter().find_map(|s| keys.iter().position(|k| *k == format!("{p}{s}")));
            let name = c(&["name", "fullname"]).map(ContactName::Whole).or_else(|| {
                let (f, s) = (c(&["forename", "firstname"]), c(&["surname", "lastname"]));
                (f.is_some() || s.is_some()).then_some(ContactName::Parts(f, s))
            });
            if let Some(name) = name {
                contacts.push((
                    name,
                    c(&["relationship", "relation", "relationshiptopupil"]),
                    c(&["id", "misid", "personid", "contactid", "reference"]),
                ));
            }
        }
        let cols = Columns {
            kind,
            upn,
            mis_id: col(MIS_ID),
            staff_id,
            legal_forename: col(LEGAL_FORENAME),
            legal_surname: col(LEGAL_SURNAME),
            preferred_forename: col(PREFERRED_FORENAME),
            preferred_surname: col(PREFERRED_SURNAME),
            full_name: col(FULL_NAME),
            dob: col(DOB),
            year,
            role,
            contacts,
        };
        if cols.full_name.is_none() && cols.legal_surname.is_none() && cols.preferred_surname.is_none() {
            return Err("the header has no surname (or name) column; see the README's list of columns".into());
        }
        Ok(cols)
    }
}

fn joined(a: &str, b: &str) -> String {
    [a.trim(), b.trim()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ")
}

/// Reads an MIS export. `kind` overrides what the header suggests.
pub fn read(text: &str, kind: Option<SubjectKind>) -> Result<MisFile, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("line 1: the header cannot be read ({e})"))?
        .iter()
        .map(str::to_string)
        .collect();
    let cols = Columns::find(&headers, kind).map_err(|e| format!("line 1: {e}"))?;
    let mut file = MisFile::default();
    let mut seen: std::collections::HashMap<String, (MisRow, usize)> = std::collections::HashMap::new();
    let mut lines = LineCounter::default();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.at(text, p.byte()));
                file.bad.push(BadRow { line, reason: format!("cannot be read as CSV ({e})") });
                continue;
            }
        };
        // Empty rows (spreadsheets write thousands) cost nothing.
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let line = record.position().map_or(0, |p| lines.at(text, p.byte()));
        if record.len() != headers.len() {
            file.bad.push(BadRow {
                line,
                reason: format!("has {} fields where the header has {}", record.len(), headers.len()),
            });
            continue;
        }
        let get = |c: Option<usize>| c.and_then(|i| record.get(i)).unwrap_or("").trim().to_string();
        match row(&cols, line, &get) {
            Ok(r) => {
                // The same id twice: an exact repeat is skipped and said;
                // different details under one id are for a person to sort.
                let id_key = if r.school_id.is_empty() {
                    format!("name:{}", super::person::name_key(&r.name))
                } else {
                    r.school_id.to_lowercase()
                };
                match seen.get(&id_key) {
                    Some((earlier, first_line)) if MisRow { line: earlier.line, ..r.clone() } == *earlier => {
                        file.repeated.push((line, *first_line))
                    }
                    Some((_, first_line)) if !r.school_id.is_empty() => file.bad.push(BadRow {
                        line,
                        reason: format!("has the same id {} as line {first_line} with other details", r.school_id),
                    }),
                    Some(_) => file.rows.push(r),
                    None => {
                        seen.insert(id_key, (r.clone(), line));
                        file.rows.push(r);
                    }
                }
            }
            Err(reason) => file.bad.push(BadRow { line, reason }),
        }
    }
    Ok(file)
}

/// The file's line at a byte offset, counted from 1, counting on from the
/// last offset asked about (counting from the start each time made a file
/// of 200,000 rows take minutes; found in review). csv's own line count is
/// one short after a CRLF header, which Windows MIS exports have.
#[derive(Default)]
struct LineCounter {
    /// Bytes counted so far, and the newlines among them.
    counted: usize,
    newlines: usize,
}

impl LineCounter {
    fn at(&mut self, text: &str, byte: u64) -> usize {
        // The offset csv gives after a CRLF is that of the '\n': count it in.
        let end = (byte as usize + 1).min(text.len());
        if end < self.counted {
            *self = LineCounter::default();
        }
        self.newlines += text.as_bytes()[self.counted..end].iter().filter(|&&b| b == b'\n').count();
        self.counted = end;
        self.newlines + 1
    }
}

/// A field the import keeps must be one line of text: a line break inside
/// one is an unclosed quote swallowing the rows after it, and a control
/// character acts on the terminal that shows it (found in review).
fn one_line(field: &str, value: &str) -> Result<(), String> {
    if value.contains(['\n', '\r']) {
        return Err(format!(
            "the {field} runs over a line break (an unclosed quote?), so the rows after it may be inside it"
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("the {field} holds control characters"));
    }
    match limits::over_chars(value, NAME_CHARS) {
        Some(m) => Err(format!("the {field}: {m}")),
        None => Ok(()),
    }
}

fn row(cols: &Columns, line: usize, get: &dyn Fn(Option<usize>) -> String) -> Result<MisRow, String> {
    let legal = joined(&get(cols.legal_forename), &get(cols.legal_surname));
    let forename =
        Some(get(cols.preferred_forename)).filter(|s| !s.is_empty()).unwrap_or_else(|| get(cols.legal_forename));
    let surname =
        Some(get(cols.preferred_surname)).filter(|s| !s.is_empty()).unwrap_or_else(|| get(cols.legal_surname));
    let mut name = joined(&forename, &surname);
    if name.is_empty() {
        name = get(cols.full_name);
    }
    if name.is_empty() {
        return Err("has no name".into());
    }
    if let Some(m) = limits::over_chars(&name, NAME_CHARS) {
        return Err(format!("the name: {m}"));
    }
    one_line("name", &name)
        .map_err(|e| if e.contains("control") { "the name holds control characters".into() } else { e })?;
    let dob_text = get(cols.dob);
    let date_of_birth =
        if dob_text.is_empty() {
            None
        } else {
            Some(parse_date(&dob_text).ok_or_else(|| {
                format!("the date of birth {dob_text:?} is not a date (use 2016-09-01 or 01/09/2016)")
            })?)
        };
    let (detail, school_id) = match cols.kind {
        SubjectKind::Child => (
            year_group(&get(cols.year)),
            Some(get(cols.upn)).filter(|s| !s.is_empty()).unwrap_or_else(|| get(cols.mis_id)),
        ),
        _ => (get(cols.role), Some(get(cols.staff_id)).filter(|s| !s.is_empty()).unwrap_or_else(|| get(cols.mis_id))),
    };
    if cols.kind == SubjectKind::Child && cols.upn.is_some() && !school_id.is_empty() && !valid_upn(&school_id) {
        return Err(format!(
            "the UPN {school_id:?} is not 13 characters (a letter, then 12 digits or 11 and a letter)"
        ));
    }
    for (field, text) in [("year group/role", &detail), ("id", &school_id), ("legal name", &legal)] {
        one_line(field, text)?;
    }
    let mut contacts = Vec::new();
    for (n, rel, cid) in &cols.contacts {
        let name = match n {
            ContactName::Whole(i) => get(Some(*i)),
            ContactName::Parts(f, s) => joined(&get(*f), &get(*s)),
        };
        if name.is_empty() {
            continue;
        }
        let relationship = get(*rel);
        let id = get(*cid);
        one_line("contact's name", &name)?;
        one_line("contact's relationship", &relationship)?;
        one_line("contact's id", &id)?;
        contacts.push(MisContact { id, name, relationship });
    }
    Ok(MisRow {
        line,
        kind: cols.kind,
        legal_name: Some(legal).filter(|l| !l.is_empty() && super::fold::fold(l) != super::fold::fold(&name)),
        name,
        date_of_birth,
        detail,
        school_id,
        contacts,
    })
}

/// The DfE's unique pupil number: 13 characters, a check letter then 12
/// digits, or 11 digits and a letter for a temporary UPN.
fn valid_upn(upn: &str) -> bool {
    let b = upn.as_bytes();
    b.len() == 13
        && b[0].is_ascii_alphabetic()
        && b[1..12].iter().all(u8::is_ascii_digit)
        && (b[12].is_ascii_digit() || b[12].is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUPILS: &str = "\u{feff}UPN,Legal Forename,Legal Surname,Preferred Forename,Preferred Surname,Date of Birth,Year,Contact 1 Name,Contact 1 Relationship\n\
        A123456789012,Zoë,Ødegård,Zoë,Ødegård,01/09/2016,5,Hal Ødegård,Father\n\
        B123456789013,Millicent,Loxley-Vane,Milo,Loxley-Vane,2018-03-02,Y3,,\n\
        A123456789012,Zoë,Ødegård,Zoë,Ødegård,01/09/2016,5,Hal Ødegård,Father\n\
        C12345,Bad,Upn,,,2017-01-01,4,,\n\
        D123456789014,Noor,Pell,,,31/02/2017,R,,\n\
        E123456789015,Ivy,Pell,,,2019-05-05,N1\n\
        ,,,,,,,,\n\
        F123456789016,Tam,Quill,,,2015-10-10,6,,\n";

    #[test]
    fn a_pupil_export_reads_with_its_good_repeated_and_malformed_rows() {
        let f = read(PUPILS, None).unwrap();
        let names: Vec<&str> = f.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, vec!["Zoë Ødegård", "Milo Loxley-Vane", "Tam Quill"]);
        assert_eq!(f.rows[0].kind, SubjectKind::Child);
        assert_eq!(f.rows[0].detail, "Year 5");
        assert_eq!(f.rows[0].date_of_birth, NaiveDate::from_ymd_opt(2016, 9, 1));
        assert_eq!(
            f.rows[0].contacts,
            vec![MisContact { id: String::new(), name: "Hal Ødegård".into(), relationship: "Father".into() }]
        );
        assert_eq!(f.rows[1].legal_name.as_deref(), Some("Millicent Loxley-Vane"), "legal name kept when it differs");
        assert_eq!(f.rows[0].legal_name, None);
        assert_eq!(f.repeated, vec![(4, 2)]);
        let bad: Vec<String> = f.bad.iter().map(ToString::to_string).collect();
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert!(bad[0].starts_with("line 5: the UPN \"C12345\""), "{bad:?}");
        assert!(bad[1].starts_with("line 6: the date of birth \"31/02/2017\""), "{bad:?}");
        assert!(bad[2].starts_with("line 7: has 7 fields where the header has 9"), "{bad:?}");
    }

    #[test]
    fn lines_are_counted_the_same_with_windows_line_ends() {
        let crlf = PUPILS.replace('\n', "\r\n");
        let f = read(&crlf, None).unwrap();
        assert_eq!(f.rows[0].line, 2);
        assert_eq!(f.bad[0].line, 5);
        assert_eq!(f.repeated, vec![(4, 2)]);
    }

    #[test]
    fn a_staff_export_is_told_from_its_header() {
        let f = read("Staff Code,Title,Forename,Surname,Job Title\nTWR,Ms,Ada,Wren,Class teacher\n", None).unwrap();
        assert_eq!(f.rows[0].kind, SubjectKind::Staff);
        assert_eq!(f.rows[0].school_id, "TWR");
        assert_eq!(f.rows[0].detail, "Class teacher");
        assert_eq!(f.rows[0].name, "Ada Wren");
    }

    #[test]
    fn a_header_without_names_or_kind_says_so() {
        let e = read("Colour,Size\nred,4\n", None).unwrap_err();
        assert!(e.starts_with("line 1:"), "{e}");
        let e = read("UPN,Shoe\nA123456789012,4\n", None).unwrap_err();
        assert!(e.contains("no surname"), "{e}");
        let f = read("Name,Shoe\nAda Wren,4\n", Some(SubjectKind::Visitor)).unwrap();
        assert_eq!(f.rows[0].kind, SubjectKind::Visitor);
    }

    #[test]
    fn year_groups_and_dates_read_as_schools_write_them() {
        assert_eq!(year_group("5"), "Year 5");
        assert_eq!(year_group("Y05"), "Year 5");
        assert_eq!(year_group("Year 11"), "Year 11");
        assert_eq!(year_group("R"), "Reception");
        assert_eq!(year_group("N2"), "Nursery");
        assert_eq!(year_group("6B"), "6B");
        assert_eq!(parse_date("29/02/2016"), NaiveDate::from_ymd_opt(2016, 2, 29));
        assert_eq!(parse_date("2016-02-30"), None);
        assert!(valid_upn("A123456789012") && valid_upn("A12345678901B") && !valid_upn("123456789012A"));
    }

    #[test]
    fn an_unclosed_quote_is_named_not_swallowing_the_rows_after_it() {
        let text = "UPN,Forename,Surname,Year,Contact 1 Name,Contact 1 Relationship\n\
            A123456789012,Ada,Wren,5,Jo Hart,\"Mother\n\
            A123456789013,Bo,Wren,4,,\n\
            A123456789014,Cy,Wren,3,,\n";
        let f = read(text, None).unwrap();
        assert!(f.rows.is_empty(), "{:?}", f.rows);
        assert!(f.bad[0].reason.contains("unclosed quote"), "{:?}", f.bad);
        assert_eq!(f.bad[0].line, 2);
    }

    #[test]
    fn many_empty_rows_are_read_in_one_pass() {
        let mut text = String::from("UPN,Forename,Surname,Year\n");
        text.push_str(&",,,\n".repeat(200_000));
        text.push_str("A123456789012,Ada,Wren,5\n");
        let f = read(&text, None).unwrap();
        assert_eq!(f.rows[0].line, 200_002);
    }

    #[test]
    fn control_characters_in_a_name_are_refused() {
        let f = read("UPN,Forename,Surname,Year\nA123456789012,Ada\u{1b}[2J,Wren,5\n", None).unwrap();
        assert!(f.rows.is_empty());
        assert!(f.bad[0].reason.contains("control characters"));
    }
}
