//! Text from records on its way to a terminal.
//!
//! Anything a member typed, above all a reporter, is hostile input for every
//! other member's terminal (PRODUCT.md principle 7d): an escape sequence in a
//! description could retitle the window, clear the screen, rewrite the
//! clipboard (OSC 52), and a carriage return or a bidirectional override
//! could make a line say something it does not. [`safe`] is the one function
//! every human-readable output goes through (`show`, `list`, exports, the
//! oversight commands, error messages): it shows such characters as visible
//! escapes instead. JSON output is left to serde, which escapes for JSON.
//!
//! No ratatui here: the CLI, the domain's case-file report and the TUI can
//! all use it.

use std::borrow::Cow;

use unicode_width::UnicodeWidthStr;

/// Whether `c` must never reach a terminal raw: C0 controls (ESC among
/// them) other than newline and tab, DEL, C1 controls, and the Unicode
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069; "Trojan Source").
pub fn is_unsafe(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        // `char::is_control` is Unicode's Cc: U+0000–U+001F, U+007F–U+009F.
        c if c.is_control() => true,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// `text` with every unsafe character shown as a visible escape (`\u{1b}`),
/// keeping newlines and tabs. A Windows line end ("\r\n") is a plain line end.
/// Borrows when there is nothing to change, which is nearly always.
pub fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`safe`], on one line: newlines and tabs become spaces (a table cell, a
/// one-line error message).
pub fn one_line(text: &str) -> String {
    safe(text).replace(['\n', '\t'], " ")
}

/// How many terminal columns `text` takes (CJK and most emoji take two).
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// A table cell: `text` made safe on one line, cut to at most `columns`
/// terminal columns (ending in "…" when cut) and padded with spaces to
/// exactly `columns`, so rows with wide characters still line up.
pub fn fit(text: &str, columns: usize) -> String {
    let line = one_line(text);
    let mut out = String::with_capacity(columns + 4);
    let mut used = 0;
    if width(&line) <= columns {
        out.push_str(&line);
        used = width(&line);
    } else if columns > 0 {
        for c in line.chars() {
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if used + w > columns - 1 {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', columns.saturating_sub(used)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_of_control_is_shown_as_an_escape() {
        let hostile = "a\u{1b}]0;pwned\u{7}\u{1b}[2J\rX\u{7f}\u{9b}31m\u{202e}evil\u{2066}b";
        let shown = safe(hostile);
        assert!(!shown.chars().any(is_unsafe), "{shown:?}");
        assert_eq!(shown, "a\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{d}X\\u{7f}\\u{9b}31m\\u{202e}evil\\u{2066}b");
    }

    #[test]
    fn ordinary_text_is_untouched() {
        let text = "Line one\n\tindented, Zoë, 山田, 👍, «quoted», Ünïcödé";
        assert!(matches!(safe(text), Cow::Borrowed(_)));
        assert_eq!(safe("two\r\nlines"), "two\nlines");
        assert_eq!(one_line("two\nlines\there"), "two lines here");
    }

    #[test]
    fn cells_are_padded_and_cut_by_display_width() {
        assert_eq!(fit("山田太郎", 10), "山田太郎  ");
        assert_eq!(width(&fit("山田太郎", 10)), 10);
        assert_eq!(fit("Zed", 5), "Zed  ");
        let cut = fit("山田太郎山田太郎", 7);
        assert_eq!(width(&cut), 7, "{cut:?}");
        assert!(cut.ends_with('…'), "{cut:?}");
        assert_eq!(fit("Pupil Quorra Vantablack", 10), "Pupil Quo…");
        assert_eq!(fit("a\u{1b}b", 10), "a\\u{1b}b  ");
    }
}
