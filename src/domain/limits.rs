//! How large each piece of text and each record may be (PRODUCT.md
//! principle 7e). Without limits one reporter's 50 MB description would be
//! re-encrypted and re-written with every later note on the case, and every
//! member's session would decrypt it. The limits are far above anything a
//! school writes: the README lists them.
//!
//! Free text is measured in bytes (what is stored); names in characters,
//! which bounds their bytes too (at most four a character).

/// A person's or the school's name, a subject's year group or role, who
/// reported a concern, an attendee who is not a member, a policy version.
pub const NAME_CHARS: usize = 200;
/// A concern's description and its immediate action.
pub const DESCRIPTION_BYTES: usize = 64 * 1024;
/// One chronology entry (a follow-up, a correction, a status change's
/// reason), a triage decision's reasoning.
pub const ENTRY_BYTES: usize = 16 * 1024;
/// Each free-text part of a debrief (what happened, what worked, what did
/// not, the changes needed), an action's status note, a policy review's or
/// a review trigger's note.
pub const NOTE_BYTES: usize = 16 * 1024;
/// One lesson learnt, one action's description.
pub const LESSON_BYTES: usize = 4 * 1024;
/// How many subjects or devices a concern, or lessons, attendees or linked
/// concerns a debrief, may list.
pub const LIST_ITEMS: usize = 50;
/// One whole record as stored, before encryption: a case file with its
/// chronology, a debrief, an action, a tracked policy. A case of ordinary
/// entries holds thousands; at the limit, start a linked concern.
pub const RECORD_BYTES: usize = 2 * 1024 * 1024;
/// One concern or debrief given as JSON on standard input.
pub const JSON_INPUT_BYTES: usize = 1024 * 1024;

/// "64 KiB", "2 MiB", "200 bytes"; an inexact size is rounded up, so a
/// text one byte over 64 KiB reads "64.1 KiB", never "64.0 KiB".
pub fn size(bytes: usize) -> String {
    let in_unit = |unit: usize, name: &str| {
        if bytes.is_multiple_of(unit) {
            format!("{} {name}", bytes / unit)
        } else {
            let tenths = (bytes * 10).div_ceil(unit);
            format!("{}.{} {name}", tenths / 10, tenths % 10)
        }
    };
    match bytes {
        b if b >= 1024 * 1024 => in_unit(1024 * 1024, "MiB"),
        b if b >= 1024 => in_unit(1024, "KiB"),
        b => format!("{b} bytes"),
    }
}

/// Why `text` is too long for a field of `limit` bytes, or `None`.
pub fn over_bytes(text: &str, limit: usize) -> Option<String> {
    (text.len() > limit).then(|| format!("{} is over the limit of {}; shorten it", size(text.len()), size(limit)))
}

/// Why a name is too long, or `None`.
pub fn over_chars(text: &str, limit: usize) -> Option<String> {
    let n = text.chars().count();
    (n > limit).then(|| format!("{n} characters is over the limit of {limit}; shorten it"))
}

/// Why a list has too many items, or `None`.
pub fn over_items(n: usize, what: &str) -> Option<String> {
    (n > LIST_ITEMS).then(|| format!("{n} {what} is over the limit of {LIST_ITEMS}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size(DESCRIPTION_BYTES), "64 KiB");
        assert_eq!(size(RECORD_BYTES), "2 MiB");
        assert_eq!(size(70 * 1024 + 300), "70.3 KiB");
        assert_eq!(size(200), "200 bytes");
        assert_eq!(size(RECORD_BYTES + 1), "2.1 MiB");
        assert_eq!(over_bytes(&"x".repeat(ENTRY_BYTES), ENTRY_BYTES), None);
        let msg = over_bytes(&"x".repeat(ENTRY_BYTES + 1), ENTRY_BYTES).unwrap();
        assert_eq!(msg, "16.1 KiB is over the limit of 16 KiB; shorten it");
        assert!(over_chars(&"é".repeat(NAME_CHARS), NAME_CHARS).is_none(), "characters, not bytes");
    }
}
