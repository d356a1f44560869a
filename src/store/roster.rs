//! The member list as the DSL gave it out, authenticated to every member
//! (issue 10, PRODUCT.md principle 7: someone who can write the store's
//! files but holds no member key).
//!
//! Before this, a session believed the clear member records and whatever
//! class keys the store held: a forged deputy was sealed to at once, a
//! flipped byte made a reporter a DSL, and replaced class keys re-sealed the
//! board to an outsider. Now the DSL writes a *roster*: every member's id,
//! role and public key, a commitment to each class key, the store's own
//! random identity and an epoch that grows with every change. The DSL
//! authenticates it to each member separately with a key only the two of
//! them can compute: X25519(DSL secret, member public) = X25519(member
//! secret, DSL public) (static-static Diffie–Hellman), through HKDF, as an
//! HMAC-SHA-256 tag. No signing key is needed beyond the age keys members
//! already hold. A member accepts a roster only from a DSL whose public key
//! their own client has pinned (see `pins.rs`), and a session seals to no key
//! the roster does not name.
//!
//! What it does not stop: someone who holds the DSL's secret key; a member's
//! very first session on a store someone has already tampered with (trust on
//! first use, as ssh); a member colluding with the attacker.

use age::secrecy::ExposeSecret;
use age::x25519;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::codec;
use super::crypto::ClassKey;
use crate::domain::{AccessClass, MemberId, Role};

/// Where the roster lives, in the settings tree.
pub const ROSTER: &str = "roster";

/// A store's identity: random, made when the roster is first written.
pub type StoreId = [u8; 16];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: MemberId,
    pub role: Role,
    pub recipient: String,
    pub authorised_to_erase: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub format: u16,
    pub store_id: StoreId,
    /// Grows by one with every change the DSL makes to the roster: a
    /// member's client refuses an epoch below the one it has seen.
    pub epoch: u64,
    pub members: Vec<Entry>,
    /// `(class tag, commitment)`: a session refuses a class key whose
    /// commitment is not here.
    pub class_keys: Vec<(String, [u8; 32])>,
    /// Every record is bound to its place (see `codec::Place`): from now
    /// on an unbound record was written outside casebook.
    pub records_bound: bool,
    /// `(class tag + "-retired", commitment)`: a class key being replaced
    /// after a member left (see `membership.rs`), still trusted for the
    /// records not yet sealed to its successor.
    pub retired: Vec<(String, [u8; 32])>,
    /// The school's recovery key (age recipient), if it has one: every
    /// record is sealed to it too, so the printed key in the school safe
    /// opens them with Debian's `age` alone.
    pub recovery: Option<String>,
}

/// The stored form: the roster's bytes, who authenticated them, and one
/// tag for each member.
#[derive(Debug, Serialize, Deserialize)]
pub struct Stored {
    pub body: Vec<u8>,
    signer: MemberId,
    tags: Vec<(MemberId, [u8; 32])>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RosterError {
    #[error("the member list is damaged ({0})")]
    Damaged(String),
    #[error("the member list does not name you: you are no longer a member of this store")]
    NotListed,
    #[error("the member list was not authenticated for you by a DSL of this store")]
    BadTag,
    #[error("a key in the member list is not a valid age public key ({0})")]
    BadKey(String),
}

impl Roster {
    pub const FORMAT: u16 = 1;

    pub fn new_id() -> StoreId {
        let mut id = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
        id
    }

    pub fn entry(&self, id: MemberId) -> Option<&Entry> {
        self.members.iter().find(|e| e.id == id)
    }

    pub fn by_recipient(&self, recipient: &str) -> Option<&Entry> {
        self.members.iter().find(|e| e.recipient == recipient)
    }

    /// The DSLs' public keys: the keys a member's client pins.
    pub fn dsls(&self) -> Vec<String> {
        self.members.iter().filter(|e| e.role == Role::Dsl).map(|e| e.recipient.clone()).collect()
    }

    /// Whether `next`, authenticated by `signer`, may follow a roster of
    /// this store at `epoch` whose DSLs are `dsls`: the same store, not
    /// older, from one of those DSLs.
    pub fn follows(
        &self,
        store_id: &StoreId,
        epoch: u64,
        mut dsls: impl Iterator<Item = String>,
        signer: &str,
    ) -> bool {
        self.store_id == *store_id && self.epoch >= epoch && dsls.any(|d| d == signer)
    }

    pub fn commitment_for(&self, class: AccessClass) -> Option<&[u8; 32]> {
        self.class_keys.iter().find(|(tag, _)| tag == class.tag()).map(|(_, c)| c)
    }

    /// The stored bytes, authenticated by `signer` (a DSL, whose secret key
    /// is `identity`) to every member of the roster, the signer included.
    pub fn authenticate(&self, signer: MemberId, identity: &x25519::Identity) -> Result<Vec<u8>, RosterError> {
        let body = super::codec_clear(self);
        let me = identity.to_public().to_string();
        let mut tags = Vec::with_capacity(self.members.len());
        for member in &self.members {
            let key = mac_key(identity, &member.recipient, &self.store_id, &me, &member.recipient)?;
            tags.push((member.id, tag(&key, &body)));
        }
        Ok(super::codec_clear(&Stored { body, signer, tags }))
    }

    /// Reads the stored roster and checks its tag for the member holding
    /// `identity`. Returns the roster and the public key of the DSL who
    /// authenticated it: the caller checks that key against its pins.
    pub fn open(bytes: &[u8], identity: &x25519::Identity) -> Result<(Roster, String), RosterError> {
        let stored: Stored = codec::from_bytes(bytes).map_err(|e| RosterError::Damaged(e.to_string()))?;
        let roster: Roster = codec::from_bytes(&stored.body).map_err(|e| RosterError::Damaged(e.to_string()))?;
        if roster.format != Self::FORMAT {
            return Err(RosterError::Damaged(format!("format {} is not known to this casebook", roster.format)));
        }
        let me = identity.to_public().to_string();
        let mine = roster.by_recipient(&me).ok_or(RosterError::NotListed)?;
        let signer =
            roster.entry(stored.signer).filter(|e| e.role == Role::Dsl).ok_or(RosterError::BadTag)?.recipient.clone();
        let (_, expected) = stored.tags.iter().find(|(id, _)| *id == mine.id).ok_or(RosterError::BadTag)?;
        let key = mac_key(identity, &signer, &roster.store_id, &signer, &me)?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_ref()).expect("HMAC takes any key length");
        mac.update(&stored.body);
        // Constant-time comparison.
        mac.verify_slice(expected).map_err(|_| RosterError::BadTag)?;
        Ok((roster, signer))
    }
}

impl Roster {
    /// Who audit entries are sealed to (S-c): the DSLs and the school's
    /// recovery key.
    pub fn audit_recipients(&self) -> Vec<x25519::Recipient> {
        self.dsls().iter().chain(self.recovery.iter()).filter_map(|r| r.parse().ok()).collect()
    }

    /// The stored roster's body, read without any key and so proven by
    /// nothing: what `casebook serve` (which holds no member key) and a
    /// refused unlock can see. Never trusted for sealing records.
    pub fn unverified(bytes: &[u8]) -> Option<Roster> {
        let stored: Stored = codec::from_bytes(bytes).ok()?;
        codec::from_bytes::<Roster>(&stored.body).ok().filter(|r| r.format == Self::FORMAT)
    }
}

/// Who an audit entry is sealed to when no one has said (a refused unlock,
/// a server before its first roster): the store's roster as it stands, or,
/// in a store older than rosters, the clear member records' DSLs.
pub fn audit_recipients_unverified(backend: &dyn super::backend::Backend) -> Vec<x25519::Recipient> {
    if let Ok(Some(bytes)) = backend.get(super::trees::SETTINGS, ROSTER.as_bytes())
        && let Some(roster) = Roster::unverified(&bytes)
    {
        return roster.audit_recipients();
    }
    super::member_records(backend)
        .map(|(records, _)| {
            records.iter().filter(|(_, r)| r.role == Role::Dsl).filter_map(|(_, r)| r.recipient.parse().ok()).collect()
        })
        .unwrap_or_default()
}

/// A class key's commitment: it names the key without revealing it (the
/// key is 256 random bits; the hash is domain-separated).
pub fn commitment(key: &ClassKey) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"casebook class key commitment v1\0");
    h.update(key.class().tag().as_bytes());
    h.update([0]);
    h.update(key.expose());
    h.finalize().into()
}

/// The secret `identity` shares with `their` public key, bound to the store
/// and to who authenticates for whom.
fn mac_key(
    identity: &x25519::Identity,
    their: &str,
    store_id: &StoreId,
    signer: &str,
    member: &str,
) -> Result<Zeroizing<[u8; 32]>, RosterError> {
    let shared = shared_secret(identity, their)?;
    let hk = hkdf::Hkdf::<Sha256>::new(Some(store_id), shared.as_ref());
    let mut info = b"casebook roster v1\0".to_vec();
    info.extend_from_slice(signer.as_bytes());
    info.push(0);
    info.extend_from_slice(member.as_bytes());
    let mut out = Zeroizing::new([0u8; 32]);
    hk.expand(&info, out.as_mut()).expect("32 bytes is a valid HKDF length");
    Ok(out)
}

/// Vouches for a record's digest to each reader (`(id, public key)`): what
/// a writer without the record's class key adds (a reporter's concern).
pub fn attest(
    identity: &x25519::Identity,
    author: MemberId,
    readers: &[(MemberId, String)],
    store_id: &StoreId,
    digest: &[u8; 32],
) -> Option<codec::Attestation> {
    let me = identity.to_public().to_string();
    let tags = readers
        .iter()
        .filter_map(|(id, recipient)| {
            let key = attestation_key(identity, recipient, store_id, &me, recipient).ok()?;
            Some((*id, tag(&key, digest)))
        })
        .collect();
    Some(codec::Attestation { author, tags })
}

/// Whether `attestation` vouches for `digest` to the reader holding
/// `identity` (member `me`), from the author whose public key is `author`.
pub fn attested(
    attestation: &codec::Attestation,
    identity: &x25519::Identity,
    me: MemberId,
    author: &str,
    store_id: &StoreId,
    digest: &[u8; 32],
) -> bool {
    let Some((_, expected)) = attestation.tags.iter().find(|(id, _)| *id == me) else { return false };
    let mine = identity.to_public().to_string();
    let Ok(key) = attestation_key(identity, author, store_id, author, &mine) else { return false };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_ref()).expect("HMAC takes any key length");
    mac.update(digest);
    mac.verify_slice(expected).is_ok()
}

fn attestation_key(
    identity: &x25519::Identity,
    their: &str,
    store_id: &StoreId,
    author: &str,
    reader: &str,
) -> Result<Zeroizing<[u8; 32]>, RosterError> {
    let shared = shared_secret(identity, their)?;
    let hk = hkdf::Hkdf::<Sha256>::new(Some(store_id), shared.as_ref());
    let mut info = b"casebook attestation v1\0".to_vec();
    info.extend_from_slice(author.as_bytes());
    info.push(0);
    info.extend_from_slice(reader.as_bytes());
    let mut out = Zeroizing::new([0u8; 32]);
    hk.expand(&info, out.as_mut()).expect("32 bytes is a valid HKDF length");
    Ok(out)
}

fn tag(key: &[u8; 32], body: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// Static-static X25519 between an age identity and an age recipient.
pub fn shared_secret(identity: &x25519::Identity, their: &str) -> Result<Zeroizing<[u8; 32]>, RosterError> {
    let secret = identity.to_string();
    let (_, bytes) = bech32::decode(secret.expose_secret()).map_err(|_| RosterError::BadKey("your key".into()))?;
    let bytes = Zeroizing::new(bytes);
    let secret: [u8; 32] = bytes.as_slice().try_into().map_err(|_| RosterError::BadKey("your key".into()))?;
    let secret = x25519_dalek::StaticSecret::from(secret);
    let public = public_bytes(their)?;
    let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(public));
    // A low-order point gives a predictable secret: refuse it.
    if !shared.was_contributory() {
        return Err(RosterError::BadKey(crate::text::one_line(their)));
    }
    Ok(Zeroizing::new(shared.to_bytes()))
}

fn public_bytes(recipient: &str) -> Result<[u8; 32], RosterError> {
    let bad = || RosterError::BadKey(crate::text::one_line(recipient));
    let (hrp, bytes) = bech32::decode(recipient).map_err(|_| bad())?;
    if hrp.as_str() != "age" {
        return Err(bad());
    }
    bytes.as_slice().try_into().map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster(members: &[(MemberId, Role, &x25519::Identity)]) -> Roster {
        Roster {
            format: Roster::FORMAT,
            store_id: Roster::new_id(),
            epoch: 1,
            members: members
                .iter()
                .map(|(id, role, k)| Entry {
                    id: *id,
                    role: *role,
                    recipient: k.to_public().to_string(),
                    authorised_to_erase: false,
                })
                .collect(),
            class_keys: vec![("case".into(), [7; 32])],
            records_bound: true,
            retired: vec![],
            recovery: None,
        }
    }

    #[test]
    fn every_member_verifies_the_dsls_roster_and_nobody_else_can_make_one() {
        let dsl = x25519::Identity::generate();
        let deputy = x25519::Identity::generate();
        let outsider = x25519::Identity::generate();
        let r = roster(&[(1, Role::Dsl, &dsl), (2, Role::Deputy, &deputy)]);
        let stored = r.authenticate(1, &dsl).unwrap();
        for k in [&dsl, &deputy] {
            let (back, signer) = Roster::open(&stored, k).unwrap();
            assert_eq!(back, r);
            assert_eq!(signer, dsl.to_public().to_string());
        }
        assert_eq!(Roster::open(&stored, &outsider).unwrap_err(), RosterError::NotListed);

        // An outsider who names themselves DSL authenticates only to their
        // own key: the caller's pin of the real DSL refuses that signer.
        let forged = roster(&[(1, Role::Dsl, &outsider), (2, Role::Deputy, &deputy)]);
        let (_, signer) = Roster::open(&forged.authenticate(1, &outsider).unwrap(), &deputy).unwrap();
        assert_ne!(signer, dsl.to_public().to_string());

        // Flipping any byte of the stored roster is found by a member (a
        // flip in another member's tag is found by that member).
        for i in 0..stored.len() {
            let mut bad = stored.clone();
            bad[i] ^= 0x01;
            let verified =
                [&dsl, &deputy].map(|k| Roster::open(&bad, k).is_ok_and(|(back, s)| back == r && s == signer_of(&dsl)));
            assert!(verified.contains(&false), "byte {i} flipped and still verified by both");
        }
    }

    fn signer_of(k: &x25519::Identity) -> String {
        k.to_public().to_string()
    }

    #[test]
    fn a_signer_who_is_not_a_dsl_is_refused() {
        let dsl = x25519::Identity::generate();
        let deputy = x25519::Identity::generate();
        let r = roster(&[(1, Role::Dsl, &dsl), (2, Role::Deputy, &deputy)]);
        let stored = r.authenticate(2, &deputy).unwrap();
        assert_eq!(Roster::open(&stored, &dsl).unwrap_err(), RosterError::BadTag);
    }
}
