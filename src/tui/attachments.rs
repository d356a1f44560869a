//! Attaching a file to a concern in the TUI (issue 13), as
//! `casebook attachment add REF FILE --note …` does: a scanned signed form,
//! an exported message log. The path may start with `~`. The file is read
//! by the store's worker, never on the input thread: a regular file only,
//! at most the limit read (a named pipe would wait); the store refuses a category whose content must never be
//! copied (P6.1-c) and says why, in one line at the form.

use std::path::{Path, PathBuf};

use ratatui::text::{Line, Span};

use super::form::{Field, Form};
use super::theme::Theme;
use crate::domain::limits;
use crate::store::attachments::ATTACHMENT_BYTES;

pub fn attach_form(reference: &str) -> Form {
    Form::new(
        format!("Attach a file to {reference}"),
        vec![
            Field::line("path", "File", "", "its path, e.g. ~/Scans/signed-form.pdf"),
            Field::line("note", "What it is", "", "e.g. signed confiscation form (if you like)"),
        ],
    )
}

/// `~` and `~/…` as the member's home folder; anything else as typed.
pub fn expand_home(typed: &str, home: Option<&Path>) -> PathBuf {
    let typed = typed.trim();
    match (typed.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home.to_path_buf(),
        (Some(rest), Some(home)) if rest.starts_with('/') => home.join(rest.trim_start_matches('/')),
        _ => PathBuf::from(typed),
    }
}

/// The file and its note; a blank path is said at its field.
pub fn read_attach(form: &mut Form) -> Option<(PathBuf, String)> {
    form.clear_errors();
    let typed = form.required("path", "give the file's path");
    let home = std::env::var_os("HOME").map(PathBuf::from);
    (!form.has_errors()).then(|| (expand_home(&typed, home.as_deref()), form.text("note")))
}

/// The file's bytes: a regular file only, at most the limit read (a
/// named pipe would freeze the screen; a device never ends); each problem
/// in one line naming the file.
pub fn load(path: &Path) -> Result<Vec<u8>, String> {
    crate::store::attachments::read_file(path)
}

/// Beside the form.
pub fn form_guidance(t: &Theme) -> Vec<Line<'static>> {
    vec![
        Line::raw(format!(
            "The file is kept encrypted with the concern, read by the DSL and deputies; the chronology says it was \
             attached. Up to {}.",
            limits::size(ATTACHMENT_BYTES)
        )),
        Line::raw(""),
        Line::from(vec![
            Span::raw("Never attach an indecent image of a child: do not look at it, copy or forward it. "),
            Span::styled("(P6.1-c)", t.muted()),
        ]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tilde_is_the_home_folder() {
        let home = Path::new("/home/dsl");
        assert_eq!(expand_home("~/Scans/form.pdf", Some(home)), PathBuf::from("/home/dsl/Scans/form.pdf"));
        assert_eq!(expand_home(" ~ ", Some(home)), PathBuf::from("/home/dsl"));
        assert_eq!(expand_home("~other/form.pdf", Some(home)), PathBuf::from("~other/form.pdf"));
        assert_eq!(expand_home("~/form.pdf", None), PathBuf::from("~/form.pdf"));
        assert_eq!(expand_home("/tmp/form.pdf", Some(home)), PathBuf::from("/tmp/form.pdf"));
    }

    /// `load` on another thread, given a few seconds (before, a named
    /// pipe waited for a writer for ever: the attach form froze the TUI).
    fn load_soon(path: &Path) -> Result<Vec<u8>, String> {
        let path = path.to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(load(&path)));
        rx.recv_timeout(std::time::Duration::from_secs(10)).expect("load returns at once")
    }

    #[test]
    fn a_named_pipe_or_a_device_is_refused_at_once_in_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("scan.pdf");
        rustix::fs::mknodat(rustix::fs::CWD, &pipe, rustix::fs::FileType::Fifo, rustix::fs::Mode::RUSR, 0).unwrap();
        for path in [pipe.as_path(), Path::new("/dev/zero")] {
            let err = load_soon(path).unwrap_err();
            assert!(err.contains("is not a regular file") && !err.contains('\n'), "{err}");
        }
        assert!(load_soon(dir.path()).unwrap_err().contains("is a folder"));
        let form = dir.path().join("form.txt");
        std::fs::write(&form, b"Signed.").unwrap();
        assert_eq!(load_soon(&form).unwrap(), b"Signed.");
        let big = dir.path().join("big.pdf");
        std::fs::write(&big, vec![b'x'; ATTACHMENT_BYTES + 1]).unwrap();
        assert!(load_soon(&big).unwrap_err().contains("over casebook's limit"));
    }
}
