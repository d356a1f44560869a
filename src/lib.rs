//! casebook: the Designated Safeguarding Lead's casebook.
//!
//! `domain` holds the school's rules, `store` the encrypted records, and
//! `cli` and `tui` are two faces over the same [`store::Session`] API.

pub mod cli;
pub mod demo;
pub mod domain;
pub mod paths;
pub mod server;
pub mod store;
pub mod text;
pub mod tui;
