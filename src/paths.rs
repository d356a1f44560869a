//! Where casebook keeps a user's own files when no flag says otherwise:
//! the store and the key in the user's data directory, `keys.toml` in their
//! config directory (XDG on Linux). The CLI and the TUI both ask here, so
//! neither has to import the other for a path.

use std::path::PathBuf;

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "casebook")
}

/// The store's default directory; `None` without a home directory.
pub fn store() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().join("store"))
}

/// The default key file: the member's age identity.
pub fn identity() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().join("identity.age"))
}

/// The user's key map, if they write one (issue 8 item 17).
pub fn keys() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("keys.toml"))
}

/// Where the client keeps what it pins about stores (issue 10): the XDG
/// state directory, or the data directory where there is none.
pub fn state() -> Option<PathBuf> {
    project_dirs().map(|d| d.state_dir().unwrap_or_else(|| d.data_local_dir()).to_path_buf())
}
