//! A client of `casebook serve`: the same [`Backend`] the session uses for
//! an embedded store, over a Unix socket. The session above it keeps the
//! keys, encrypts, decrypts and applies the rules; this only moves bytes.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::backend::{Backend, Batch, Bytes, Location};
use super::wire::{self, PROTOCOL, Request, Response, WireError};
use super::{StoreError, crypto};

/// How often a waiting client asks the server whether anything changed:
/// well inside the one second in which others' work should appear.
const POLL: Duration = Duration::from_millis(200);

pub struct ServedBackend {
    socket: PathBuf,
    /// The connection; `None` after it was lost, until the next request
    /// connects again.
    stream: Mutex<Option<UnixStream>>,
    /// The member's key once proven, to prove it again on a new connection
    /// when `casebook serve` restarts (issue 9: an open TUI carries on).
    identity: Mutex<Option<age::x25519::Identity>>,
}

impl ServedBackend {
    pub fn connect(socket: &Path) -> Result<ServedBackend, StoreError> {
        let stream = UnixStream::connect(socket).map_err(|e| connect_error(socket, &e))?;
        Ok(ServedBackend { socket: socket.to_path_buf(), stream: Mutex::new(Some(stream)), identity: Mutex::new(None) })
    }

    /// A new connection, the member's key proven on it if one was before.
    fn reconnect(&self) -> Result<UnixStream, StoreError> {
        let mut stream = UnixStream::connect(&self.socket).map_err(|e| connect_error(&self.socket, &e))?;
        let identity = self.identity.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(identity) = identity {
            self.prove(&mut stream, &identity)?;
        }
        Ok(stream)
    }

    /// Hello, then the answer to the challenge only the member's key opens.
    fn prove(&self, stream: &mut UnixStream, identity: &age::x25519::Identity) -> Result<(), StoreError> {
        let recipient = identity.to_public().to_string();
        let challenge = match self.exchange(stream, &Request::Hello { protocol: PROTOCOL, recipient })? {
            Response::Challenge(c) => c,
            other => return Err(self.unexpected("hello", other)),
        };
        let nonce = crypto::open(&challenge, &[identity as &dyn age::Identity]).map_err(|_| {
            StoreError::Served(
                "casebook serve sent a challenge this key cannot open; is it the school's server?".into(),
            )
        })?;
        match self.exchange(stream, &Request::Prove { nonce: nonce.to_vec() })? {
            Response::Welcome { .. } => Ok(()),
            other => Err(self.unexpected("the proof", other)),
        }
    }

    /// One request and its answer on `stream`.
    fn exchange(&self, stream: &mut UnixStream, request: &Request) -> Result<Response, StoreError> {
        let sent = wire::send(&mut *stream, request).and_then(|()| wire::receive(&mut *stream));
        match sent.map_err(|e| self.lost(request, &e))? {
            Response::Stale { tree, key } => Err(StoreError::Stale { tree, key }),
            Response::Refused(why) => Err(StoreError::Served(format!("casebook serve refused: {why}"))),
            Response::Failed(why) => Err(StoreError::Served(format!("casebook serve: {why}"))),
            other => Ok(other),
        }
    }

    /// What a lost connection means for `request`, in words a member can
    /// act on. A write whose answer never came may have been saved or not:
    /// the member is told to look, never that nothing was written.
    fn lost(&self, request: &Request, e: &WireError) -> StoreError {
        let socket = self.socket.display();
        StoreError::Served(match request {
            Request::Apply(_) => format!(
                "lost the connection to casebook serve on {socket} during a save ({e}): the write may or may not \
                 have been saved; reload to check"
            ),
            _ => format!(
                "lost the connection to casebook serve on {socket} ({e}); nothing was saved, and casebook \
                 reconnects when it is back"
            ),
        })
    }

    fn call(&self, request: &Request) -> Result<Response, StoreError> {
        let mut slot = self.stream.lock().unwrap_or_else(|p| p.into_inner());
        // A read may go again on a new connection at once (the server was
        // restarted); a write never does: it may have been saved.
        let again = !matches!(request, Request::Apply(_) | Request::NextCounter(_));
        let mut lost = None;
        for _ in 0..2 {
            if slot.is_none() {
                match self.reconnect() {
                    Ok(stream) => *slot = Some(stream),
                    // Said as the loss it follows, if it follows one.
                    Err(e) => return Err(lost.unwrap_or(e)),
                }
            }
            let Some(stream) = slot.as_mut() else { continue };
            match self.exchange(stream, request) {
                Err(e) if is_lost(&e) => {
                    *slot = None;
                    if !again || lost.is_some() {
                        return Err(e);
                    }
                    lost = Some(e);
                }
                other => return other,
            }
        }
        Err(lost
            .unwrap_or_else(|| StoreError::Served(format!("cannot reach casebook serve on {}", self.socket.display()))))
    }

    fn unexpected(&self, what: &str, got: Response) -> StoreError {
        StoreError::Served(format!("casebook serve answered {what} with {:?}", std::mem::discriminant(&got)))
    }
}

/// Whether an error is the connection going, not the server's answer.
fn is_lost(e: &StoreError) -> bool {
    matches!(e, StoreError::Served(m) if m.starts_with("lost the connection"))
}

/// Says why a socket could not be reached, in words a member can act on.
pub fn connect_error(socket: &Path, e: &std::io::Error) -> StoreError {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => StoreError::Served(format!(
            "permission denied on {}: your account must be in the casebook group to reach the school's server",
            socket.display()
        )),
        _ => StoreError::Served(format!("cannot reach casebook serve on {}: {e}", socket.display())),
    }
}

impl Backend for ServedBackend {
    fn location(&self) -> Location {
        Location::Served(self.socket.clone())
    }

    fn authenticate(&self, identity: &age::x25519::Identity) -> Result<(), StoreError> {
        let mut slot = self.stream.lock().unwrap_or_else(|p| p.into_inner());
        let stream = match slot.as_mut() {
            Some(stream) => stream,
            None => slot.insert(UnixStream::connect(&self.socket).map_err(|e| connect_error(&self.socket, &e))?),
        };
        let proven = self.prove(stream, identity);
        if proven.as_ref().is_err_and(is_lost) {
            *slot = None;
        }
        proven?;
        *self.identity.lock().unwrap_or_else(|p| p.into_inner()) = Some(identity.clone());
        Ok(())
    }

    fn get(&self, tree: &str, key: &[u8]) -> Result<Option<Bytes>, StoreError> {
        match self.call(&Request::Get { tree: tree.to_string(), key: key.to_vec() })? {
            Response::Value(v) => Ok(v),
            other => Err(self.unexpected("get", other)),
        }
    }

    fn scan_page(&self, tree: &str, after: Option<&[u8]>, limit: usize) -> Result<Vec<(Bytes, Bytes)>, StoreError> {
        let request = Request::Scan {
            tree: tree.to_string(),
            after: after.map(<[u8]>::to_vec),
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
        };
        match self.call(&request)? {
            Response::Entries(e) => Ok(e),
            other => Err(self.unexpected("scan", other)),
        }
    }

    fn apply(&self, batch: Batch) -> Result<u64, StoreError> {
        match self.call(&Request::Apply(batch))? {
            Response::Applied(seq) => Ok(seq),
            other => Err(self.unexpected("apply", other)),
        }
    }

    fn next_counter(&self, name: &str) -> Result<u32, StoreError> {
        match self.call(&Request::NextCounter(name.to_string()))? {
            Response::Counter(n) => Ok(n),
            other => Err(self.unexpected("next counter", other)),
        }
    }

    /// An older server does not know the request: the concern is
    /// recorded all the same, and nobody is paged.
    fn urgent_recorded(&self) {
        let _ = self.call(&Request::UrgentRecorded);
    }

    fn changes(&self) -> Result<u64, StoreError> {
        match self.call(&Request::Changes)? {
            Response::Changes(n) => Ok(n),
            other => Err(self.unexpected("changes", other)),
        }
    }

    /// The server takes the backup (consistently, see [`super::backup`]) and
    /// this fetches it in bounded chunks. Only the DSL or a deputy may ask,
    /// or the server's own account without a key.
    fn backup(&self, out: &mut std::fs::File) -> Result<super::backup::Summary, StoreError> {
        use std::io::Write;
        let info = match self.call(&Request::Backup)? {
            Response::BackupReady(info) => info,
            other => return Err(self.unexpected("backup", other)),
        };
        let mut offset = 0u64;
        loop {
            let chunk = match self.call(&Request::BackupChunk { offset })? {
                Response::Chunk(c) => c,
                other => return Err(self.unexpected("backup chunk", other)),
            };
            if chunk.is_empty() {
                break;
            }
            out.write_all(&chunk)?;
            offset += chunk.len() as u64;
        }
        out.flush()?;
        if offset != info.bytes {
            return Err(StoreError::Served(format!(
                "casebook serve sent {offset} bytes of a {}-byte backup; nothing was kept",
                info.bytes
            )));
        }
        Ok(super::backup::Summary {
            taken_at: chrono::Utc::now(),
            change: 0,
            entries: info.entries,
            bytes: info.bytes,
            trees: Vec::new(),
            writes_held: Duration::from_millis(info.writes_held_ms),
        })
    }

    fn changed_since(&self, since: u64) -> Result<Option<super::backend::Changed>, StoreError> {
        match self.call(&Request::ChangedSince(since))? {
            Response::Changed(c) => Ok(c),
            other => Err(self.unexpected("changed since", other)),
        }
    }

    fn wait_change(&self, since: u64, timeout: Duration) -> Result<u64, StoreError> {
        let deadline = Instant::now() + timeout;
        loop {
            let now = self.changes()?;
            if now != since || Instant::now() >= deadline {
                return Ok(now);
            }
            std::thread::sleep(POLL.min(deadline.saturating_duration_since(Instant::now())));
        }
    }
}
