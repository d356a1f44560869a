//! Attaching a file to a concern in the TUI (issue 13), as
//! `casebook attachment add REF FILE --note …` does: a scanned signed form,
//! an exported message log. The path may start with `~`. The file is read
//! by the store's worker, never on the input thread, after its size is
//! checked; the store refuses a category whose content must never be
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

/// The file's bytes, its size checked before it is read; each problem in
/// one line naming the file.
pub fn load(path: &Path) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("there is no file {shown}; check the path"),
        _ => format!("cannot read {shown}: {e}"),
    })?;
    if meta.is_dir() {
        return Err(format!("{shown} is a folder: give the path of one file in it"));
    }
    if meta.len() > ATTACHMENT_BYTES as u64 {
        return Err(format!(
            "{shown} is {}, over casebook's limit of {} for an attachment; nothing was attached",
            limits::size(meta.len() as usize),
            limits::size(ATTACHMENT_BYTES)
        ));
    }
    std::fs::read(path).map_err(|e| format!("cannot read {shown}: {e}"))
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
}
