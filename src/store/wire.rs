//! The messages between a client and `casebook serve` over a Unix socket.
//!
//! Each message is a frame: a 4-byte big-endian length, then the message in
//! bincode 2. Frames are bounded ([`MAX_FRAME`]) both ways, so a hostile or
//! broken peer cannot make the other side allocate without limit. Nothing
//! here is a key: requests carry ciphertext and clear metadata only.

use std::io::Read;

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::backend::{Batch, Bytes};
use crate::domain::Role;

/// The protocol spoken today; a server refuses any other with a message.
/// 2: [`Request::ChangedSince`] (an older server would hang up on it).
pub const PROTOCOL: u16 = 2;

/// The largest frame either side sends or accepts. A record is far smaller
/// (see the record cap); a scan page stops well below this.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// A scan page stops growing past this many bytes of values.
pub const PAGE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// First message: who the client says it is (a member's public key).
    Hello {
        protocol: u16,
        recipient: String,
    },
    /// The challenge's plaintext, proving the client holds that key.
    Prove {
        nonce: Bytes,
    },
    Get {
        tree: String,
        key: Bytes,
    },
    Scan {
        tree: String,
        after: Option<Bytes>,
        limit: u32,
    },
    Apply(Batch),
    NextCounter(String),
    Changes,
    /// Takes a consistent backup on the server (issue 11): a scan through
    /// the socket could see a case without its revision record. The server
    /// writes it to an unnamed temporary file and answers [`Response::BackupReady`].
    Backup,
    /// The next part of that backup, from `offset`; an empty chunk ends it.
    BackupChunk {
        offset: u64,
    },
    /// Which records were written since a change number (issue 9): an open
    /// board reloads only those. Answered with [`Response::Changed`].
    ChangedSince(u64),
    /// Issue 13: the client just recorded an urgent concern; the server
    /// runs the school's notification command, if it has one, with no name
    /// or detail (it holds none). Answered with [`Response::Applied`].
    UrgentRecorded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// An age file, encrypted to the claimed member's key, holding a nonce.
    Challenge(Bytes),
    Welcome {
        role: Role,
        member: u32,
    },
    Value(Option<Bytes>),
    Entries(Vec<(Bytes, Bytes)>),
    Applied(u64),
    Counter(u32),
    Changes(u64),
    /// A batch check failed: this record moved since it was read.
    Stale {
        tree: String,
        key: Bytes,
    },
    /// Not allowed: not a member, not proven, or not this role's to do.
    Refused(String),
    /// The request could not be carried out; nothing was written.
    Failed(String),
    /// A backup is ready to fetch with [`Request::BackupChunk`].
    BackupReady(BackupInfo),
    Chunk(Bytes),
    /// The records written since the number asked about, among those the
    /// member may read; `None`: read everything again.
    Changed(Option<super::backend::Changed>),
}

/// What the server says of a backup it has taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupInfo {
    pub bytes: u64,
    pub entries: u64,
    /// How long others' writes waited while it was read, in milliseconds.
    pub writes_held_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("the connection closed")]
    Closed,
    #[error("a message of {0} bytes is larger than the limit of {1}")]
    TooLarge(usize, usize),
    #[error("a malformed message: {0}")]
    Malformed(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn config() -> bincode::config::Configuration<
    bincode::config::BigEndian,
    bincode::config::Varint,
    bincode::config::Limit<MAX_FRAME>,
> {
    bincode::config::standard().with_big_endian().with_limit::<MAX_FRAME>()
}

pub fn send<T: Serialize>(out: &mut impl std::io::Write, message: &T) -> Result<(), WireError> {
    let body = bincode::serde::encode_to_vec(message, config()).map_err(|e| WireError::Malformed(e.to_string()))?;
    if body.len() > MAX_FRAME {
        return Err(WireError::TooLarge(body.len(), MAX_FRAME));
    }
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    out.write_all(&frame)?;
    out.flush()?;
    Ok(())
}

pub fn receive<T: DeserializeOwned>(input: &mut impl Read) -> Result<T, WireError> {
    receive_at_most(input, MAX_FRAME)
}

/// Receives one frame of at most `limit` bytes (at most [`MAX_FRAME`]): a
/// server holds a peer that has not proven a key to small frames, so a
/// stranger cannot make it hold megabytes (PRODUCT.md principle 7e).
pub fn receive_at_most<T: DeserializeOwned>(input: &mut impl Read, limit: usize) -> Result<T, WireError> {
    let limit = limit.min(MAX_FRAME);
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err(WireError::Closed),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > limit {
        return Err(WireError::TooLarge(len, limit));
    }
    let mut body = vec![0u8; len];
    input.read_exact(&mut body).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => WireError::Malformed("the message was cut short".into()),
        _ => e.into(),
    })?;
    let (value, used) =
        bincode::serde::decode_from_slice(&body, config()).map_err(|e| WireError::Malformed(e.to_string()))?;
    if used != body.len() {
        return Err(WireError::Malformed("trailing bytes after the message".into()));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_refuse_oversize_and_garbage() {
        let mut buf = Vec::new();
        let req = Request::Scan { tree: "cases".into(), after: Some(vec![0, 0, 0, 7]), limit: 10 };
        send(&mut buf, &req).unwrap();
        assert_eq!(receive::<Request>(&mut buf.as_slice()).unwrap(), req);

        let huge = ((MAX_FRAME + 1) as u32).to_be_bytes();
        assert!(matches!(receive::<Request>(&mut huge.as_slice()), Err(WireError::TooLarge(..))));

        let mut cut = buf.clone();
        cut.truncate(buf.len() - 2);
        assert!(matches!(receive::<Request>(&mut cut.as_slice()), Err(WireError::Malformed(_))));

        let mut garbage = 5u32.to_be_bytes().to_vec();
        garbage.extend_from_slice(&[0xff; 5]);
        assert!(matches!(receive::<Request>(&mut garbage.as_slice()), Err(WireError::Malformed(_))));

        assert!(matches!(receive::<Request>(&mut [].as_slice()), Err(WireError::Closed)));
    }
}
