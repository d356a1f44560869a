//! What a member's own client remembers about a store, outside the store
//! (issue 10): its identity, its DSLs' public keys, the highest roster epoch
//! and the most concerns it has seen. Someone who can rewrite the whole
//! store directory can roll every record back together, or replace the
//! member list with one they authenticated themselves; only something kept
//! elsewhere notices. Like ssh's known_hosts: the first session trusts what
//! it finds, every later one checks against it.
//!
//! One small file per (store location, member key) in the user's state
//! directory (`$XDG_STATE_HOME/casebook/pins`, or `CASEBOOK_STATE_DIR`),
//! written whole through a rename so a crash leaves the old pin or the new.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::StoreError;
use super::backend::Location;
use super::roster::StoreId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// The store's identity, hex.
    pub store: String,
    /// The DSLs' public keys the member has verified.
    pub dsls: Vec<String>,
    /// The highest roster epoch seen.
    pub epoch: u64,
    /// The most concerns the member has seen numbered (the case counter).
    #[serde(default)]
    pub cases: u32,
    /// The last audit entry the DSL saw: its number and hash (hex).
    #[serde(default)]
    pub audit: Option<(u64, String)>,
}

impl Pin {
    pub fn store_id(id: &StoreId) -> String {
        Self::store_id_hex(id)
    }

    /// Bytes as lower-case hex.
    pub fn store_id_hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The pin directory. `None` (no home directory) pins nothing, and says so
/// in the session's notices.
#[derive(Debug, Clone)]
pub struct Pins {
    dir: Option<PathBuf>,
}

impl Pins {
    /// `CASEBOOK_STATE_DIR`, else the user's state directory.
    pub fn from_env() -> Pins {
        let dir = std::env::var_os("CASEBOOK_STATE_DIR")
            .map(PathBuf::from)
            .or_else(crate::paths::state)
            .map(|d| d.join("pins"));
        Pins { dir }
    }

    pub fn at(dir: &Path) -> Pins {
        Pins { dir: Some(dir.to_path_buf()) }
    }

    pub fn is_available(&self) -> bool {
        self.dir.is_some()
    }

    fn file(&self, location: &Location, member: &str) -> Option<PathBuf> {
        let place = match location {
            Location::Embedded(p) => format!("embedded\0{}", p.canonicalize().unwrap_or_else(|_| p.clone()).display()),
            Location::Served(p) => format!("served\0{}", p.display()),
        };
        let mut h = Sha256::new();
        h.update(place.as_bytes());
        h.update([0]);
        h.update(member.as_bytes());
        let name: String = h.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.dir.as_ref().map(|d| d.join(format!("{name}.json")))
    }

    /// The pin for this store and member, if their client has one. A pin
    /// file that does not parse is an error, not a first use: treating it
    /// as absent would let whoever damaged it start the trust over.
    pub fn load(&self, location: &Location, member: &str) -> Result<Option<Pin>, StoreError> {
        let Some(path) = self.file(location, member) else { return Ok(None) };
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                StoreError::Identity(format!(
                    "your client's record of this store ({}) is damaged ({e}); delete it to trust the store afresh",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Identity(format!("cannot read {}: {e}", path.display()))),
        }
    }

    /// Forgets the pin, so the next session trusts the store afresh (after
    /// the DSL restored an older backup on purpose). Whether there was one.
    pub fn forget(&self, location: &Location, member: &str) -> Result<bool, StoreError> {
        let Some(path) = self.file(location, member) else { return Ok(false) };
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub fn save(&self, location: &Location, member: &str, pin: &Pin) -> Result<(), StoreError> {
        let Some(path) = self.file(location, member) else { return Ok(()) };
        let dir = path.parent().expect("a pin file has a directory");
        super::create_private_dir(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        std::io::Write::write_all(&mut tmp, &serde_json::to_vec_pretty(pin).expect("a pin serialises"))?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| StoreError::from(e.error))?;
        Ok(())
    }
}
