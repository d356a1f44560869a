//! Files attached to a concern (issue 13): a scanned signed form, an
//! exported message log. Each is its own record, sealed to the Case class
//! like the concern (DSL and deputies, with its place bound, issue 10),
//! kept under the concern's id and the file's number on it, so a concern's
//! files are found by key without reading anyone else's. The chronology
//! says each was attached. P6.1-c: a category whose content must never be
//! copied (an indecent image of a child) refuses every attachment.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::codec::{Record, RecordKind};
use super::trees::ATTACHMENTS;
use super::{Batch, Session, StoreError, crypto, parse_recipient};
use crate::domain::{AccessClass, Author, Role, limits};

/// The largest file casebook keeps: every record is at most 2 MiB
/// (PRODUCT.md 7e) and a served write travels in one frame. A scanned form
/// at 150 dpi is well under it.
pub const ATTACHMENT_BYTES: usize = 1536 * 1024;

/// A file to attach, read from the member's disk (`attachment add`, the
/// TUI's attach form): a regular file only, and at most
/// [`ATTACHMENT_BYTES`] of it. A device (`/dev/zero`) or a named pipe is
/// refused before anything is read: one never ends, the other waits for a
/// writer and would hold the screen. The file is opened without waiting
/// (a pipe put in its place after it was looked at opens at once, and is
/// refused), and at most one byte past the limit is read, whatever size it
/// claims. Each problem is one line naming the file.
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;

    let shown = path.display();
    let not_a_file = |meta: &std::fs::Metadata| -> Option<String> {
        if meta.is_dir() {
            Some(format!("{shown} is a folder: give the path of one file in it"))
        } else if !meta.is_file() {
            Some(format!("{shown} is not a regular file (a device, a pipe or a socket); nothing was attached"))
        } else {
            None
        }
    };
    let cannot = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => format!("there is no file {shown}; check the path"),
        _ => format!("cannot read {shown}: {e}"),
    };
    if let Some(m) = not_a_file(&std::fs::metadata(path).map_err(cannot)?) {
        return Err(m);
    }
    let nonblocking = rustix::fs::OFlags::NONBLOCK.bits() as i32;
    let file = std::fs::OpenOptions::new().read(true).custom_flags(nonblocking).open(path).map_err(cannot)?;
    // What was opened, not what the path named a moment before.
    if let Some(m) = not_a_file(&file.metadata().map_err(cannot)?) {
        return Err(m);
    }
    let mut bytes = Vec::new();
    file.take(ATTACHMENT_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() > ATTACHMENT_BYTES {
        let size = std::fs::metadata(path).map(|m| m.len() as usize).unwrap_or(bytes.len()).max(bytes.len());
        return Err(format!(
            "{shown} is {}, over casebook's limit of {} for an attachment; nothing was attached",
            limits::size(size),
            limits::size(ATTACHMENT_BYTES)
        ));
    }
    Ok(bytes)
}

/// A file attached to a concern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub case_id: u32,
    /// Its number on the concern, from 1.
    pub number: u32,
    /// The file's own name, as it was attached (no folders).
    pub name: String,
    pub note: String,
    pub bytes: Vec<u8>,
    pub added_by: Author,
    pub added_at: NaiveDateTime,
}

impl Record for Attachment {
    const KIND: RecordKind = RecordKind::Attachment;
    const VERSION: u16 = 1;
}

/// A file's key: its concern's id and its number on it.
pub(crate) fn key(case_id: u32, number: u32) -> Vec<u8> {
    [case_id.to_be_bytes(), number.to_be_bytes()].concat()
}

/// The name a file is kept under: its last path part, without control
/// characters, within the name limit.
fn file_name(name: &str) -> Result<String, StoreError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if base.is_empty() || base == "." || base == ".." {
        return Err(StoreError::Input(format!("{name:?} names no file")));
    }
    if base.chars().any(char::is_control) {
        return Err(StoreError::Input("the file's name holds control characters; rename it first".into()));
    }
    if let Some(m) = limits::over_chars(base, limits::NAME_CHARS) {
        return Err(StoreError::Input(format!("the file's name: {m}")));
    }
    Ok(base.to_string())
}

impl Session {
    /// Attaches a file to concern `case_id` (DSL or deputy). Refused for a
    /// category that forbids attachments (P6.1-c), with the reason, and
    /// over [`ATTACHMENT_BYTES`]; nothing is kept then. The file is on disk
    /// before the chronology says so.
    pub fn attach(
        &mut self,
        case_id: u32,
        name: &str,
        bytes: Vec<u8>,
        note: &str,
        now: NaiveDateTime,
    ) -> Result<Attachment, StoreError> {
        self.require(AccessClass::Case, "attach files to concerns")?;
        if !matches!(self.me().role, Role::Dsl | Role::Deputy) {
            return Err(StoreError::Forbidden { role: self.me().role, action: "attach files to concerns".into() });
        }
        let case = self.case(case_id)?;
        let reference = case.concern.reference.clone();
        // Refused before anything is written (found in review: the file was
        // kept and only its chronology entry refused).
        if case.status == crate::domain::Status::Closed {
            return Err(StoreError::Input(format!(
                "{reference} is closed: reopen it before attaching a file to it; nothing was attached"
            )));
        }
        if let Some(cat) = self.catalogue().category(&case.concern.category).filter(|c| c.forbids_attachments) {
            return Err(StoreError::Input(format!(
                "{reference} is a concern of \u{201c}{}\u{201d}: casebook never keeps a copy of such content \
                 ({}: do not look at it, copy or forward it; the device goes to the DSL or the police). Nothing was \
                 attached",
                cat.label, cat.clause
            )));
        }
        let name = file_name(name)?;
        if bytes.len() > ATTACHMENT_BYTES {
            return Err(StoreError::Input(format!(
                "{name} is {}, over casebook's limit of {} for an attachment; nothing was attached",
                limits::size(bytes.len()),
                limits::size(ATTACHMENT_BYTES)
            )));
        }
        if let Some(m) = limits::over_bytes(note.trim(), limits::NOTE_BYTES) {
            return Err(StoreError::Input(format!("the note: {m}")));
        }
        // The next free number on this concern; a colleague attaching at
        // the same moment takes it first, and this one tries the next.
        let mut number = self.attachment_count(case_id)? + 1;
        let size = bytes.len();
        let attachment = loop {
            let attachment = Attachment {
                case_id,
                number,
                name: name.clone(),
                note: note.trim().to_string(),
                bytes: bytes.clone(),
                added_by: self.author(),
                added_at: now,
            };
            // P5-g: on a restricted concern, sealed to its readers alone.
            let batch = self.put_for_case(
                Batch::new().check(ATTACHMENTS, key(case_id, number), None::<Vec<u8>>),
                case_id,
                ATTACHMENTS,
                &key(case_id, number),
                &attachment,
            )?;
            match self.store.backend.apply(batch) {
                Ok(_) => break attachment,
                Err(e) if super::restricted::restriction_moved(&e) => return Err(StoreError::Conflict(reference)),
                Err(StoreError::Stale { .. }) if number < 10_000 => number += 1,
                Err(e) => return Err(e),
            }
        };
        let text = format!(
            "Attached {} ({}) as file {number}{}",
            attachment.name,
            limits::size(size),
            if attachment.note.is_empty() { String::new() } else { format!(": {}", attachment.note) }
        );
        self.update_case(case_id, |case, _, me| case.note_attachment(&text, me, now)).map_err(|e| {
            StoreError::Input(format!(
                "file {number} was attached to {reference}, but its chronology entry was not written: {e}"
            ))
        })?;
        Ok(attachment)
    }

    /// How many files concern `case_id` has (numbers are handed out in
    /// order, so the first free one ends them).
    fn attachment_count(&self, case_id: u32) -> Result<u32, StoreError> {
        let mut n = 0;
        while self.store.backend.get(ATTACHMENTS, &key(case_id, n + 1))?.is_some() {
            n += 1;
        }
        Ok(n)
    }

    /// A concern's files, in the order they were attached (DSL, deputies).
    pub fn attachments(&self, case_id: u32) -> Result<Vec<Attachment>, StoreError> {
        self.require(AccessClass::Case, "read attachments")?;
        let mut out = Vec::new();
        for number in 1..=self.attachment_count(case_id)? {
            out.push(self.attachment(case_id, number)?);
        }
        Ok(out)
    }

    /// One file; a record kept under another's key (moved on disk) is
    /// refused, never shown as this one.
    pub fn attachment(&self, case_id: u32, number: u32) -> Result<Attachment, StoreError> {
        self.require(AccessClass::Case, "read attachments")?;
        let sealed = self
            .store
            .backend
            .get(ATTACHMENTS, &key(case_id, number))?
            .ok_or_else(|| StoreError::Input(format!("the concern has no file {number}")))?;
        let a = self.open_attachment(case_id, number, &sealed)?;
        self.store.backend.note_access(self.me, super::audit::Access::Exported(case_id));
        Ok(a)
    }

    /// A file's stored bytes opened: with this member's own key when it is
    /// a restricted concern's (P5-g), and refused when it holds another.
    pub(crate) fn open_attachment(&self, case_id: u32, number: u32, sealed: &[u8]) -> Result<Attachment, StoreError> {
        let what = format!("file {number} of concern #{case_id}");
        let a: Attachment =
            self.open_for_case(ATTACHMENTS, &key(case_id, number), sealed).map_err(|e| super::relabel(e, &what))?;
        if (a.case_id, a.number) != (case_id, number) {
            return Err(super::corrupt(what, format!("it holds file {} of concern #{}", a.number, a.case_id)));
        }
        Ok(a)
    }

    /// A file as an ordinary age file, encrypted to the caller and to any
    /// extra recipients: never written out in clear (`age -d` opens it).
    pub fn export_attachment(&self, case_id: u32, number: u32, extra: &[String]) -> Result<Vec<u8>, StoreError> {
        let a = self.attachment(case_id, number)?;
        let mut recipients = vec![self.identity.to_public()];
        for r in extra {
            recipients.push(parse_recipient(r)?);
        }
        Ok(crypto::seal(&zeroize::Zeroizing::new(a.bytes), &recipients, None)?)
    }
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn a_files_name_keeps_no_folders_and_no_control_characters() {
        assert_eq!(file_name("/home/dsl/Scans/signed form.pdf").unwrap(), "signed form.pdf");
        assert_eq!(file_name("C:\\Users\\dsl\\log.txt").unwrap(), "log.txt");
        assert!(file_name("../").is_err());
        assert!(file_name("a\u{1b}[2Jb.pdf").is_err());
    }
}
