//! `casebook serve`: one process owns the sled store and serves it over a
//! Unix socket, so the DSL, deputies and staff use one store at once over
//! SSH (PRODUCT.md principle 8; sled lets one process hold a store).
//!
//! The server never holds a key. It stores and serves ciphertext and clear
//! metadata; clients hold their keys, seal, open and apply the domain's
//! rules. Who may connect is set by the socket's owner, group and mode; each
//! connection then proves it holds a member's key by opening a challenge
//! sealed to that key, and its role sets what it may touch: a reporter can
//! only add new concerns, leadership can only move actions along, and only
//! the DSL writes members and class keys. The crypto stops a member reading
//! beyond their role; these rules stop them writing beyond it too.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::RngCore;

use crate::domain::{MemberId, Role};
use crate::store::backend::{Backend, Batch, SledBackend, Write};
use crate::store::backup::Stamp;
use crate::store::roster::{ROSTER, Roster};
use crate::store::trees::*;
use crate::store::wire::{self, BackupInfo, MAX_FRAME, PAGE_BYTES, PROTOCOL, Request, Response, WireError};
use crate::store::{Store, StoreError, crypto, is_new_case_meta, member_by_recipient, parse_recipient};

/// More connections than a school has staff at once is a fault somewhere:
/// refuse the extra ones rather than run out of threads.
const MAX_CONNECTIONS: usize = 256;

/// How often an open connection's membership is read again for its reads
/// (writes: every time). A member removed while connected reads nothing
/// more after this (issue 10).
const MEMBERSHIP_RECHECK: Duration = Duration::from_secs(1);

/// Connections one OS account may hold at once (a member's TUI holds one,
/// each CLI command another for a moment): one account cannot take every
/// slot from the rest of the staff.
pub const MAX_PER_ACCOUNT: usize = 32;

/// The largest value a written record may have: casebook's limit for one
/// record ([`crate::domain::limits::RECORD_BYTES`]) plus room for the age
/// envelope (a stanza for each recipient, the stream's tags). Larger is
/// refused before it reaches the disk (principle 7e).
pub const MAX_VALUE: usize = crate::domain::limits::RECORD_BYTES + 256 * 1024;

/// Refusals a connection gets at once; each one after these waits
/// [`REFUSAL_PAUSE`] first, so a client looping refused requests is slowed
/// to a trickle rather than filling the server's time.
const FREE_REFUSALS: u32 = 8;
const REFUSAL_PAUSE: Duration = Duration::from_millis(500);

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub store: PathBuf,
    pub socket: PathBuf,
    /// The socket file's mode: 0660 lets the owner and the casebook group in.
    pub mode: u32,
    /// Rolling nightly backups, if asked for (issue 11).
    pub backups: Option<Rolling>,
    /// The school's command run when an urgent concern is recorded (issue
    /// 13), e.g. a mail or chat hook; `None`: nobody is paged.
    pub notify: Option<String>,
}

/// Runs the school's notification command for an urgent concern (issue
/// 13). The server holds no key and the message holds nothing of the
/// concern: "an urgent concern was recorded at 10:42: open casebook".
/// At most one a minute: a client that asks again and again (or a storm of
/// urgent concerns) pages the DSL once, not once a request.
pub struct Notifier {
    command: Option<String>,
    last: Mutex<Option<Instant>>,
}

/// The least time between two notifications.
const NOTIFY_GAP: Duration = Duration::from_secs(60);

impl Notifier {
    pub fn new(command: Option<String>) -> Notifier {
        Notifier { command, last: Mutex::new(None) }
    }

    /// The words the command is given, for a concern recorded at `at`.
    pub fn message(at: chrono::NaiveDateTime) -> String {
        format!("an urgent concern was recorded at {}: open casebook", at.format("%H:%M"))
    }

    fn urgent(&self, uid: Option<u32>) {
        let Some(command) = &self.command else { return };
        {
            let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| t.elapsed() < NOTIFY_GAP) {
                return;
            }
            *last = Some(Instant::now());
        }
        let message = Notifier::message(chrono::Local::now().naive_local());
        // A script's path is run with the message as its argument ($1 in
        // it; found in review: `sh -c /path/hook.sh` gave it none).
        // Otherwise `sh -c COMMAND casebook-notify MESSAGE`: the message is
        // "$1" in the command line. Either way it is also
        // $CASEBOOK_MESSAGE, and never spliced into the command's text.
        let mut run = if std::path::Path::new(command).is_file() {
            std::process::Command::new(command)
        } else {
            let mut sh = std::process::Command::new("sh");
            sh.arg("-c").arg(command).arg("casebook-notify");
            sh
        };
        let spawned = run
            .arg(&message)
            .env("CASEBOOK_MESSAGE", &message)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn();
        let uid = uid.map_or("?".into(), |u| u.to_string());
        match spawned {
            Ok(mut child) => {
                eprintln!("casebook serve: an urgent concern was recorded (uid {uid}); notifying");
                // Reaped beside the server, so a slow hook never holds a write up.
                std::thread::spawn(move || match child.wait() {
                    Ok(status) if !status.success() => {
                        eprintln!("casebook serve: the notification command failed ({status})")
                    }
                    Err(e) => eprintln!("casebook serve: the notification command: {e}"),
                    Ok(_) => {}
                });
            }
            Err(e) => eprintln!("casebook serve: cannot run the notification command: {e}"),
        }
    }
}

/// `serve --backup-dir DIR --keep N --backup-at HH:MM`.
#[derive(Debug, Clone)]
pub struct Rolling {
    pub dir: PathBuf,
    pub keep: usize,
    /// Local time of day to take it.
    pub at: chrono::NaiveTime,
}

/// A connection's standing: nothing but Hello until it has proven a key.
enum Standing {
    Stranger,
    Challenged {
        nonce: [u8; 32],
        member: MemberId,
        recipient: String,
    },
    /// `issued`: the numbers NextCounter gave this connection and it has
    /// not used yet (a reporter may record a concern under those only).
    Member {
        recipient: String,
        role: Role,
        /// Their member number, for the audit log (issue 10).
        member: MemberId,
        /// When their membership was last read again (issue 10).
        checked: Instant,
        issued: Vec<(String, u32)>,
    },
}

/// How many unused numbers a connection may hold: a concern takes two.
const ISSUED: usize = 16;

/// Who is on the other end of the socket, from the kernel (for the log).
fn peer_uid(stream: &UnixStream) -> Option<u32> {
    rustix::net::sockopt::socket_peercred(stream).ok().map(|c| c.uid.as_raw())
}

/// Runs until SIGTERM, SIGINT or SIGHUP, then stops accepting, lets each
/// connection finish the request it is on, flushes and removes the socket.
/// `ready` is called once the socket is listening.
pub fn serve(options: &ServeOptions, ready: impl FnOnce()) -> Result<(), StoreError> {
    // Check it is a casebook store before taking the socket.
    let backend = Arc::new(Store::open_backend(&options.store)?);
    // S-c: who the audit entries it writes are sealed to, pinned outside
    // the store on first use.
    if let Some(warning) = audit_keys_at_start(&backend) {
        eprintln!("casebook serve: {warning}");
    }
    // A backup directory that cannot be written is said now, not at 02:00.
    if let Some(rolling) = &options.backups {
        crate::store::create_private_dir(&rolling.dir)
            .and_then(|()| Ok(tempfile::tempfile_in(&rolling.dir)?))
            .map_err(|e| StoreError::Input(format!("cannot keep backups in {}: {e}", rolling.dir.display())))?;
    }
    let listener = bind(&options.socket, options.mode)?;
    // Which store this socket serves, beside it, for clients to check
    // (found in review: two stores in one folder share the default socket,
    // and a command for one silently wrote to the other).
    let _ =
        std::fs::write(served_store_file(&options.socket), store_name(&options.store).as_os_str().as_encoded_bytes());
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(signal, stop.clone())?;
    }
    // Accept blocks (a new connection is served at once); a signal sets
    // `stop`, and this watcher then wakes the accept so the loop can see
    // it: by shutting the listening socket down, which needs no path (the
    // socket file may have been removed, by a cleaner of /run or by hand,
    // and a connection through it then never arrives), and by a connection
    // of its own as well.
    let waker = {
        let (stop, socket, handle) = (stop.clone(), options.socket.clone(), listener.try_clone()?);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = rustix::net::shutdown(&handle, rustix::net::Shutdown::Both);
            let _ = UnixStream::connect(&socket);
        })
    };
    let nightly = options.backups.clone().map(|rolling| {
        let (backend, stop) = (backend.clone(), stop.clone());
        std::thread::spawn(move || nightly_backups(&backend, &rolling, &stop))
    });
    ready();
    let live = Arc::new(AtomicUsize::new(0));
    let notifier = Arc::new(Notifier::new(options.notify.clone()));
    // Open connections by OS account (see MAX_PER_ACCOUNT).
    let per_account: Arc<Mutex<HashMap<Option<u32>, usize>>> = Arc::new(Mutex::new(HashMap::new()));
    // Each open connection, so a drain can end their reads.
    let open: Arc<Mutex<HashMap<u64, UnixStream>>> = Arc::new(Mutex::new(HashMap::new()));
    let mut next_id = 0u64;
    let mut workers = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok(_) if stop.load(Ordering::Relaxed) => break,
            Ok((stream, _)) => {
                if live.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
                    let _ =
                        wire::send(&mut &stream, &Response::Refused("the server is at its connection limit".into()));
                    continue;
                }
                let uid = peer_uid(&stream);
                {
                    let mut counts = per_account.lock().unwrap_or_else(|p| p.into_inner());
                    let held = counts.entry(uid).or_insert(0);
                    if *held >= MAX_PER_ACCOUNT {
                        let _ = wire::send(
                            &mut &stream,
                            &Response::Refused(format!(
                                "your account already has {MAX_PER_ACCOUNT} connections open to casebook serve; \
                                 close some casebook windows and try again"
                            )),
                        );
                        continue;
                    }
                    *held += 1;
                }
                next_id += 1;
                let id = next_id;
                if let Ok(handle) = stream.try_clone() {
                    open.lock().unwrap_or_else(|p| p.into_inner()).insert(id, handle);
                }
                live.fetch_add(1, Ordering::Relaxed);
                let (backend, live, open, per_account, notifier) =
                    (backend.clone(), live.clone(), open.clone(), per_account.clone(), notifier.clone());
                workers.push(std::thread::spawn(move || {
                    if let Err(e) = connection(&backend, &stream, uid, &notifier) {
                        let uid = uid.map_or("?".into(), |u| u.to_string());
                        eprintln!("casebook serve: connection from uid {uid} ended: {e}");
                    }
                    // Hang up for sure: the drain's handle shares the socket.
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    open.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                    if let Some(held) = per_account.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&uid) {
                        *held = held.saturating_sub(1);
                    }
                    live.fetch_sub(1, Ordering::Relaxed);
                }));
                workers.retain(|w| !w.is_finished());
            }
            // The waker's shutdown ends a blocked accept with an error.
            Err(_) if stop.load(Ordering::Relaxed) => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // Out of file descriptors or memory for a moment, or a peer
            // gone before it was accepted: the server stays up for everyone
            // else, and tries again shortly (not in a tight loop).
            Err(e) => {
                eprintln!("casebook serve: accepting a connection failed: {e}; carrying on");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    // Drain: no new connections; each open one finishes the request it is
    // on (a request is applied whole or not at all) and then sees EOF.
    drop(listener);
    let _ = waker.join();
    for stream in open.lock().unwrap_or_else(|p| p.into_inner()).values() {
        let _ = stream.shutdown(std::net::Shutdown::Read);
    }
    for worker in workers {
        let _ = worker.join();
    }
    if let Some(nightly) = nightly {
        let _ = nightly.join();
    }
    backend.flush()?;
    let _ = std::fs::remove_file(&options.socket);
    let _ = std::fs::remove_file(served_store_file(&options.socket));
    Ok(())
}

/// Takes a rolling backup every day at `rolling.at` (and at once when the
/// newest in the directory is more than a day old: a server that was down
/// at that hour catches up), keeping the newest `rolling.keep`. Each is
/// read back and checked before it counts; a failure is logged to the
/// journal and the older backups are kept.
fn nightly_backups(backend: &SledBackend, rolling: &Rolling, stop: &AtomicBool) {
    let due_now = match crate::store::backup::rolling(&rolling.dir) {
        Ok(found) => found
            .last()
            .and_then(|p| p.metadata().ok()?.modified().ok())
            .is_none_or(|newest| newest.elapsed().unwrap_or_default() > Duration::from_secs(24 * 3600)),
        Err(_) => true,
    };
    let mut next = if due_now { chrono::Local::now() } else { next_time(rolling.at) };
    while !stop.load(Ordering::Relaxed) {
        if chrono::Local::now() < next {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        let started = std::time::Instant::now();
        match crate::store::backup::rolling_backup(backend, &rolling.dir, rolling.keep) {
            Ok((path, summary, problems)) if problems.is_empty() => eprintln!(
                "casebook serve: backup {}: {} records, {} bytes, in {:.1} s; keeping the newest {}",
                path.display(),
                summary.entries,
                summary.bytes,
                started.elapsed().as_secs_f64(),
                rolling.keep
            ),
            Ok((path, _, problems)) => eprintln!(
                "casebook serve: backup {} was taken but the store holds {} problem(s), so it is not counted as \
                 good and no older backup was deleted; first: {}. Run `casebook verify`",
                path.display(),
                problems.len(),
                problems[0]
            ),
            Err(e) => {
                eprintln!("casebook serve: backup FAILED into {}: {e}; older backups were kept", rolling.dir.display())
            }
        }
        next = next_time(rolling.at);
    }
}

/// The next time the clock reads `at`, today or tomorrow (a time a clock
/// change skips is taken a day later).
fn next_time(at: chrono::NaiveTime) -> chrono::DateTime<chrono::Local> {
    let now = chrono::Local::now();
    let mut day = now.date_naive();
    for _ in 0..3 {
        if let Some(t) = day.and_time(at).and_local_timezone(chrono::Local).earliest()
            && t > now
        {
            return t;
        }
        day = day.succ_opt().unwrap_or(day);
    }
    now + chrono::Duration::days(1)
}

/// Binds the socket, replacing a stale one a killed server left behind,
/// and refusing to take over one a live server still answers on.
fn bind(socket: &Path, mode: u32) -> Result<UnixListener, StoreError> {
    if socket.exists() {
        if UnixStream::connect(socket).is_ok() {
            return Err(StoreError::InUse(format!(
                "{} (another casebook serve is already listening there)",
                socket.display()
            )));
        }
        std::fs::remove_file(socket)?;
    }
    let listener = UnixListener::bind(socket)
        .map_err(|e| StoreError::Input(format!("cannot listen on {}: {e}", socket.display())))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(mode))?;
    Ok(listener)
}

/// How long a peer has to prove a member's key, from connecting: a peer
/// that connects and sends nothing, or a byte a minute, is hung up on
/// rather than holding one of the connection slots.
const HANDSHAKE: Duration = Duration::from_secs(5);

/// The largest frame a peer may send before it has proven a key (a hello
/// carries one public key; a proof, 32 bytes).
const HANDSHAKE_FRAME: usize = 4096;

/// Reads from the socket, giving up at `until` whatever the pace of the
/// bytes (`None`: waits as long as the peer likes, as a member's open TUI
/// does between requests).
struct Timed<'a> {
    stream: &'a UnixStream,
    until: Option<Instant>,
}

impl std::io::Read for Timed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(until) = self.until {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "no key was proven in time"));
            }
            self.stream.set_read_timeout(Some(left))?;
        }
        (&mut &*self.stream).read(buf)
    }
}

fn connection(
    backend: &SledBackend,
    stream: &UnixStream,
    uid: Option<u32>,
    notifier: &Notifier,
) -> Result<(), WireError> {
    let mut reader = BufReader::new(Timed { stream, until: Some(Instant::now() + HANDSHAKE) });
    let mut writer = BufWriter::new(stream);
    let mut standing = Standing::Stranger;
    // A backup this connection asked for, while it fetches it.
    let mut backup: Option<(std::fs::File, Stamp)> = None;
    // Refusals so far on this connection (see FREE_REFUSALS).
    let mut refused = 0u32;
    loop {
        let member = matches!(standing, Standing::Member { .. });
        let limit = if member { MAX_FRAME } else { HANDSHAKE_FRAME };
        let request: Request = match wire::receive_at_most(&mut reader, limit) {
            Ok(r) => r,
            Err(WireError::Closed) => return Ok(()),
            Err(e @ (WireError::Malformed(_) | WireError::TooLarge(..))) => {
                // Say why, then hang up: the stream is out of step.
                let _ = wire::send(&mut writer, &Response::Failed(e.to_string()));
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let response = match request {
            Request::Backup => take_backup(backend, &standing, uid, &mut backup),
            Request::BackupChunk { offset } => backup_chunk(backend, &mut backup, offset),
            // Any proven member may say so (a reporter records urgent
            // concerns too); nobody else can page the DSL.
            Request::UrgentRecorded => match standing {
                Standing::Member { .. } => {
                    notifier.urgent(uid);
                    backend.changes().map(Response::Applied).unwrap_or_else(|e| Response::Failed(e.to_string()))
                }
                _ => Response::Refused("prove a member's key first".into()),
            },
            other => answer(backend, &mut standing, other, uid),
        };
        if matches!(response, Response::Refused(_)) {
            refused += 1;
            if refused > FREE_REFUSALS {
                std::thread::sleep(REFUSAL_PAUSE);
            }
        }
        wire::send(&mut writer, &response)?;
        match standing {
            Standing::Member { .. } if !member => {
                // Proven: from now on the member's client may sit idle.
                reader.get_mut().until = None;
                stream.set_read_timeout(None)?;
            }
            // One refusal per connection before a key is proven: a peer
            // cannot loop hellos to fill the refusal log.
            Standing::Stranger | Standing::Challenged { .. } if matches!(response, Response::Refused(_)) => {
                return Ok(());
            }
            _ => {}
        }
    }
}

fn answer(backend: &SledBackend, standing: &mut Standing, request: Request, uid: Option<u32>) -> Response {
    match (&*standing, request) {
        (_, Request::Hello { protocol, recipient }) => {
            if protocol != PROTOCOL {
                return Response::Refused(format!(
                    "this server speaks protocol {PROTOCOL}, the client {protocol}: use the same casebook version"
                ));
            }
            match hello(backend, &recipient) {
                Ok((member, nonce, challenge)) => {
                    *standing = Standing::Challenged { nonce, member, recipient };
                    Response::Challenge(challenge)
                }
                Err(why) => {
                    refuse(backend, uid, &recipient, &why);
                    Response::Refused(why)
                }
            }
        }
        (Standing::Challenged { nonce, member, recipient }, Request::Prove { nonce: answer }) => {
            // Compare in constant time: how much matched must not leak.
            let same =
                answer.len() == nonce.len() && answer.iter().zip(nonce).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
            let (member, recipient) = (*member, recipient.clone());
            if !same {
                refuse(backend, uid, &recipient, "wrong answer to the key challenge");
                *standing = Standing::Stranger;
                return Response::Refused("that key did not answer the challenge".into());
            }
            match member_by_recipient(backend, &recipient) {
                Ok(Some((id, role))) if id == member => {
                    *standing =
                        Standing::Member { recipient, role, member, checked: Instant::now(), issued: Vec::new() };
                    backend.note_access(member, crate::store::audit::Access::Unlocked);
                    Response::Welcome { role, member }
                }
                _ => Response::Refused("not a member of this store".into()),
            }
        }
        (Standing::Member { recipient, role, .. }, request) => {
            // The role is read again for every request (the member records
            // are a handful): a member removed or moved to another role
            // while connected is held to what they are now, for reads as
            // for writes (issue 10).
            // Writes always; reads at most once a second (a busy session
            // reads many records a second, and a second is soon enough).
            // The change feed is only a number and is never checked.
            let write = matches!(request, Request::Apply(_) | Request::NextCounter(_));
            let due = match &*standing {
                Standing::Member { checked, .. } => checked.elapsed() >= MEMBERSHIP_RECHECK,
                _ => true,
            };
            let recipient = recipient.clone();
            let role = if write || (due && !matches!(request, Request::Changes)) {
                match member_by_recipient(backend, &recipient) {
                    Ok(Some((_, role))) => {
                        if let Standing::Member { checked, .. } = standing {
                            *checked = Instant::now();
                        }
                        role
                    }
                    Ok(None) => return Response::Refused("you are no longer a member of this store".into()),
                    Err(e) => return Response::Failed(e.to_string()),
                }
            } else {
                *role
            };
            match standing {
                Standing::Member { issued, member, .. } => served(backend, role, *member, &recipient, issued, request),
                _ => Response::Refused("prove a member's key first (hello)".into()),
            }
        }
        // The format marker is public: a client checks it is talking to a
        // casebook store before it offers a key.
        (_, Request::Get { tree, key }) if tree == SETTINGS && key == b"format" => {
            carry_out(backend, Request::Get { tree, key })
        }
        (_, _) => Response::Refused("prove a member's key first (hello)".into()),
    }
}

/// A proven member's request, within their role's rules.
fn served(
    backend: &SledBackend,
    role: Role,
    member: MemberId,
    recipient: &str,
    issued: &mut Vec<(String, u32)>,
    request: Request,
) -> Response {
    if let Err(why) = permits(role, &request) {
        return Response::Refused(why);
    }
    if let Request::Apply(batch) = &request
        && let Some(len) = batch.writes.iter().find_map(|w| match w {
            Write::Put { value, .. } if value.len() > MAX_VALUE => Some(value.len()),
            _ => None,
        })
    {
        return Response::Refused(format!(
            "a record of {} is over the server's limit of {} for one record; nothing was saved",
            crate::domain::limits::size(len),
            crate::domain::limits::size(MAX_VALUE)
        ));
    }
    // Issue 10 item 3: a member list older than the one the store holds is
    // refused (a removed member or DSL putting back a pre-removal list).
    let new_roster = written_roster(&request);
    if let Some(Some(sent)) = &new_roster
        && let Ok(Some(held)) = backend.get(SETTINGS, ROSTER.as_bytes())
        && let Some(held) = Roster::unverified(&held)
        && sent.epoch < held.epoch
    {
        return Response::Refused(format!(
            "that member list is older (epoch {}) than the one this store holds (epoch {}): refused, nothing was saved",
            sent.epoch, held.epoch
        ));
    }
    // Issue 10: the audit log is written here, where every read passes,
    // so a member's own casebook cannot leave an access out.
    for access in accesses(&request) {
        backend.note_access(member, access);
    }
    // A reporter records a concern only under the id and reference number
    // the server just gave this connection: never another case's, never one
    // still to be given to someone else (P9-a).
    let mut used = Vec::new();
    if role == Role::Reporter
        && let Request::Apply(batch) = &request
    {
        match new_concern_numbers(batch) {
            Ok(numbers) => {
                for n in numbers {
                    if !issued.contains(&n) {
                        return Response::Refused(format!("{} number {} was not given to this connection", n.0, n.1));
                    }
                    used.push(n);
                }
            }
            Err(why) => return Response::Refused(why),
        }
    }
    let counter = match &request {
        Request::NextCounter(name) => Some(name.clone()),
        _ => None,
    };
    let scans_cases = matches!(&request, Request::Scan { tree, .. } if tree == CASES);
    // Issue 13 (S-c, P5-g): a concern's referral, device, search or file
    // read is that concern opened, where the server can tell whose it is.
    let part_of = match &request {
        Request::Get { tree, .. } | Request::Scan { tree, .. } if CONCERN_PARTS.contains(&tree.as_str()) => Some((
            tree.clone(),
            match &request {
                Request::Get { key, .. } => Some(key.clone()),
                _ => None,
            },
        )),
        _ => None,
    };
    let mut response = carry_out(backend, request);
    if let Some((tree, key)) = part_of {
        let keys: Vec<&[u8]> = match (&response, &key) {
            (Response::Value(Some(_)), Some(key)) => vec![key.as_slice()],
            (Response::Entries(entries), None) => entries.iter().map(|(k, _)| k.as_slice()).collect(),
            _ => Vec::new(),
        };
        let mut cases: Vec<u32> = keys.into_iter().filter_map(|k| concern_of_part(backend, &tree, k)).collect();
        cases.sort_unstable();
        cases.dedup();
        for case in cases {
            backend.note_access(member, crate::store::audit::Access::OpenedConcern(case));
        }
    }
    // A page of concern records read in one go is each concern opened
    // (found in review: a client could read them all unaudited).
    if scans_cases && let Response::Entries(entries) = &response {
        for (key, _) in entries {
            if let Ok(id) = <[u8; 4]>::try_from(key.as_slice()) {
                backend.note_access(member, crate::store::audit::Access::OpenedConcern(u32::from_be_bytes(id)));
            }
        }
    }
    // A member learns which records moved only in trees their role may
    // read: leadership is not told which concerns were written (P9-e).
    if let Response::Changed(Some(changed)) = &mut response {
        changed.records.retain(|(tree, _)| crate::store::verify::served_tree_readable(role, tree));
    }
    if let (Response::Applied(_), Some(Some(roster))) = (&response, &new_roster) {
        audit_keys_after_roster_write(backend, role, recipient, roster);
    }
    match (&response, counter) {
        (Response::Counter(n), Some(name)) => {
            if issued.len() >= ISSUED {
                issued.remove(0);
            }
            issued.push((name, *n));
        }
        (Response::Applied(_), _) => issued.retain(|n| !used.contains(n)),
        _ => {}
    }
    response
}

fn hello(backend: &SledBackend, recipient: &str) -> Result<(MemberId, [u8; 32], Vec<u8>), String> {
    let parsed = parse_recipient(recipient).map_err(|e| e.to_string())?;
    let member = match member_by_recipient(backend, &parsed.to_string()) {
        Ok(Some((id, _))) => id,
        Ok(None) => return Err("this key is not a member of this store; ask the DSL to add you".into()),
        Err(e) => return Err(format!("the member list could not be read: {e}")),
    };
    let mut nonce = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let challenge = crypto::seal(&nonce, &[parsed], None).map_err(|e| e.to_string())?;
    Ok((member, nonce, challenge))
}

/// Takes a consistent backup into an unnamed temporary file for this
/// connection to fetch (issue 11). The DSL or a deputy may ask (a backup
/// holds case ciphertext, which no other role is served), and so may the
/// account that owns the store's files, without a key: it can read them anyway,
/// and a nightly job runs as it. The server still holds no key: a backup
/// is the ciphertext and clear metadata it already stores.
fn take_backup(
    backend: &SledBackend,
    standing: &Standing,
    uid: Option<u32>,
    pending: &mut Option<(std::fs::File, Stamp)>,
) -> Response {
    let own_account = {
        use std::os::unix::fs::MetadataExt;
        let (crate::store::Location::Embedded(store) | crate::store::Location::Served(store)) = backend.location();
        uid.is_some() && std::fs::metadata(store).map(|m| m.uid()).ok() == uid
    };
    // A connection that proved a key is held to that member's role.
    let allowed = match standing {
        Standing::Member { role, .. } => matches!(role, Role::Dsl | Role::Deputy),
        Standing::Stranger | Standing::Challenged { .. } => own_account,
    };
    if !allowed {
        return Response::Refused(
            "only the DSL or a deputy (or the account that owns the store) can take a backup: it holds every case record"
                .into(),
        );
    }
    let mut file = match tempfile::tempfile() {
        Ok(f) => f,
        Err(e) => return Response::Failed(format!("no room for a backup on the server: {e}")),
    };
    if let Standing::Member { member, .. } = standing {
        backend.note_access(*member, crate::store::audit::Access::TookBackup);
    }
    match backend.backup(&mut file) {
        Ok(summary) => {
            *pending = Some((file, Stamp::of(&summary, "casebook backup, through casebook serve")));
            Response::BackupReady(BackupInfo {
                bytes: summary.bytes,
                entries: summary.entries,
                writes_held_ms: u64::try_from(summary.writes_held.as_millis()).unwrap_or(u64::MAX),
            })
        }
        Err(e) => Response::Failed(format!("the backup failed: {e}")),
    }
}

/// The next bounded part of this connection's backup; an empty chunk ends
/// it, and the backup, sent whole, is noted for the dashboard.
fn backup_chunk(backend: &SledBackend, pending: &mut Option<(std::fs::File, Stamp)>, offset: u64) -> Response {
    use std::os::unix::fs::FileExt;
    let Some((file, _)) = pending.as_ref() else {
        return Response::Failed("no backup was taken on this connection; ask for one first".into());
    };
    let mut buf = vec![0u8; PAGE_BYTES];
    match file.read_at(&mut buf, offset) {
        Ok(0) => {
            if let Some((file, stamp)) = pending.take()
                && file.metadata().is_ok_and(|m| m.len() == offset)
                && let Err(e) = crate::store::backup::record(backend, &stamp)
            {
                eprintln!("casebook serve: could not note the backup for the dashboard: {e}");
            }
            Response::Chunk(Vec::new())
        }
        Ok(n) => {
            buf.truncate(n);
            Response::Chunk(buf)
        }
        Err(e) => Response::Failed(format!("reading the backup failed: {e}")),
    }
}

/// Keeps a refused connection for the audit log: when, which OS account,
/// which key. None of it is a secret (a public key, a uid).
fn refuse(backend: &SledBackend, uid: Option<u32>, recipient: &str, why: &str) {
    let when = chrono::Utc::now();
    let uid_number = uid;
    // The key is whatever the client sent: hostile text for the log's
    // reader (principle 7d), so it is made safe and cut short.
    let recipient: String = crate::text::one_line(recipient).chars().take(80).collect();
    // `why` may quote what the peer sent: a bounded line too (7e).
    let why: String = crate::text::one_line(why).chars().take(200).collect();
    let uid = uid.map_or("?".into(), |u| u.to_string());
    // The journal reads "uid 1004", not Rust's "Some(1004)".
    eprintln!("casebook serve: refused uid {uid} key {recipient}: {why}");
    let line = format!("{} uid={uid} key={recipient} {why}", when.to_rfc3339());
    let key = when.timestamp_nanos_opt().unwrap_or_default().to_be_bytes();
    // Unannounced: no open board reloads for a stranger knocking, however
    // often (issue 9 security review).
    let _ = backend.apply_unannounced(Batch::new().put(REFUSALS, key.to_vec(), line.into_bytes()));
    // Issue 10 item 2 (S-c): and an entry in the sealed audit log the DSL
    // reads: which member's key (0: no member's) and which OS account.
    let member = member_by_recipient(backend, &recipient).ok().flatten().map_or(0, |(id, _)| id);
    backend.note_access(member, crate::store::audit::Access::FailedUnlock { uid: uid_number });
}

/// The coarse rules the server enforces on top of the crypto.
pub fn permits(role: Role, request: &Request) -> Result<(), String> {
    let known = |tree: &str| {
        if ALL.contains(&tree) { Ok(()) } else { Err(format!("there is no {tree:?} in a casebook store")) }
    };
    match request {
        // Which records moved is filtered to what the role may read (see
        // `served`); the change number itself is no secret.
        Request::Hello { .. }
        | Request::Prove { .. }
        | Request::Changes
        | Request::ChangedSince(_)
        | Request::UrgentRecorded => Ok(()),
        // Answered by the connection itself (see take_backup).
        Request::Backup | Request::BackupChunk { .. } => match role {
            Role::Dsl | Role::Deputy => Ok(()),
            _ => Err(format!("a {role} cannot take a backup")),
        },
        Request::Get { tree, .. } | Request::Scan { tree, .. } => {
            known(tree)?;
            // One rule, shared with `casebook verify` (which says what a
            // role's connection cannot check).
            if crate::store::verify::served_tree_readable(role, tree) {
                Ok(())
            } else {
                Err(format!("a {role} cannot read {tree}"))
            }
        }
        Request::NextCounter(name) => {
            let ok = match role {
                Role::Dsl => true,
                Role::Deputy => name != "member",
                Role::Reporter => {
                    name == "case"
                        || name.strip_prefix("case-ref-").is_some_and(|y| y.len() <= 6 && y.parse::<i32>().is_ok())
                }
                Role::Leadership => false,
            };
            if ok { Ok(()) } else { Err(format!("a {role} cannot number a new {name}")) }
        }
        Request::Apply(batch) => {
            for tree in batch.trees() {
                known(tree)?;
            }
            // Counters move only by NextCounter (a counter set back or to
            // its maximum would hand out numbers in use), and only the
            // server writes its refusal log, for everyone's audit.
            if let Some(w) = batch.writes.iter().find(|w| [COUNTERS, REFUSALS, AUDIT].contains(&w.tree())) {
                return Err(format!("no one writes {} directly", w.tree()));
            }
            match role {
                Role::Dsl => Ok(()),
                Role::Deputy => match batch.writes.iter().find(|w| [MEMBERS, CLASS_KEYS, SETTINGS].contains(&w.tree()))
                {
                    Some(w) => Err(format!("only the DSL changes {}", w.tree())),
                    // Issue 13 (P5-g): a deputy adds the marker of a
                    // restricted concern's new referral, device, search or
                    // file, and nothing else there: a restriction is the
                    // DSL's alone to set or lift.
                    None if batch.writes.iter().any(|w| {
                        w.tree() == RESTRICTED
                            && !matches!(w, Write::Put { key, .. } if crate::store::restricted::is_record_marker(key))
                    }) =>
                    {
                        Err("only the DSL restricts a concern or lifts a restriction".into())
                    }
                    // S-d, S-e: casebook deletes a concern or a person only
                    // in the DSL's disposal, which leaves its record.
                    None if batch.writes.iter().any(|w| {
                        w.tree() == DISPOSALS
                            || matches!(w, Write::Delete { tree, .. }
                                if [CASES, CASE_META, CASE_REFS, PEOPLE].contains(&tree.as_str()))
                    }) =>
                    {
                        Err("only the DSL disposes of a concern or erases a person".into())
                    }
                    None => Ok(()),
                },
                Role::Leadership => {
                    // Moving their own action along (P9-d): a replace of an
                    // existing action record, nothing else; its checks name
                    // actions only, so a batch cannot ask whether a case
                    // record or reference exists.
                    let ok = !batch.writes.is_empty()
                        && batch.checks.iter().all(|c| c.tree == ACTIONS)
                        && batch.writes.iter().all(|w| {
                            matches!(w, Write::Put { tree, key, .. } if tree == ACTIONS
                            && batch.checks.iter().any(|c| c.tree == ACTIONS && &c.key == key && c.expected.is_some()))
                        });
                    if ok { Ok(()) } else { Err("leadership can only update actions".into()) }
                }
                Role::Reporter => new_concern_numbers(batch).map(|_| ()),
            }
        }
    }
}

/// A reporter's batch is exactly one new concern as `Session::write_case`
/// makes it: the sealed case, its first revision and its reference, each
/// checked absent, nothing else (no check on its own either: that would ask
/// whether a case exists). Returns the numbers it uses: the case id and the
/// reference's number in its year, as the counters name them.
pub fn new_concern_numbers(batch: &Batch) -> Result<[(String, u32); 2], String> {
    let refused = || "a reporter can only record new concerns".to_string();
    let [
        Write::Put { tree: t1, key: id, .. },
        Write::Put { tree: t2, key: meta_key, value: meta },
        Write::Put { tree: t3, key: reference, value: target },
    ] = batch.writes.as_slice()
    else {
        return Err(refused());
    };
    let absent =
        |tree: &str, key: &[u8]| batch.checks.iter().any(|c| c.tree == tree && c.key == key && c.expected.is_none());
    let shaped = t1 == CASES
        && t2 == CASE_META
        && t3 == CASE_REFS
        && id.len() == 4
        && meta_key == id
        && target == id
        && is_new_case_meta(meta)
        && batch.checks.len() == 2
        && absent(CASE_META, id)
        && absent(CASE_REFS, reference);
    if !shaped {
        return Err(refused());
    }
    let id = u32::from_be_bytes([id[0], id[1], id[2], id[3]]);
    let (year, number) = std::str::from_utf8(reference)
        .ok()
        .and_then(|r| {
            let (year, number) = r.strip_prefix("C-")?.split_once('-')?;
            let (year, number) = (year.parse::<i32>().ok()?, number.parse::<u32>().ok()?);
            (format!("C-{year}-{number:04}") == r).then_some((year, number))
        })
        .ok_or_else(refused)?;
    Ok([("case".to_string(), id), (format!("case-ref-{year}"), number)])
}

/// The member list a request writes, if it writes one: `Some(None)` when
/// it cannot be read (the epoch check then has nothing to compare).
fn written_roster(request: &Request) -> Option<Option<Roster>> {
    let Request::Apply(batch) = request else { return None };
    batch.writes.iter().find_map(|w| match w {
        Write::Put { tree, key, value } if tree == SETTINGS && key.as_slice() == ROSTER.as_bytes() => {
            Some(Roster::unverified(value))
        }
        _ => None,
    })
}

/// What the server remembers, outside the store, about who its audit
/// entries are sealed to (S-c): the store's identity, the DSLs' and the
/// recovery key, and the member list's epoch when it last took them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct AuditPin {
    store: String,
    keys: Vec<String>,
    epoch: u64,
}

/// Where the server keeps its [`AuditPin`] for this store: the state
/// directory of the account it runs as (`CASEBOOK_STATE_DIR` in tests),
/// outside the store's files.
fn audit_pin_path(backend: &SledBackend) -> Option<PathBuf> {
    use sha2::{Digest, Sha256};
    let (crate::store::Location::Embedded(store) | crate::store::Location::Served(store)) = backend.location();
    let dir = std::env::var_os("CASEBOOK_STATE_DIR").map(PathBuf::from).or_else(crate::paths::state)?;
    let place = store.canonicalize().unwrap_or(store);
    let name: String =
        Sha256::digest(place.display().to_string().as_bytes())[..16].iter().map(|b| format!("{b:02x}")).collect();
    Some(dir.join("served-audit").join(format!("{name}.json")))
}

fn load_audit_pin(path: &Path) -> Option<AuditPin> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn save_audit_pin(path: &Path, pin: &AuditPin) {
    let saved = (|| -> Result<(), StoreError> {
        let dir = path.parent().expect("a pin file has a directory");
        crate::store::create_private_dir(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        std::io::Write::write_all(&mut tmp, &serde_json::to_vec_pretty(pin).expect("a pin serialises"))?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| StoreError::from(e.error))?;
        Ok(())
    })();
    if let Err(e) = saved {
        eprintln!("casebook serve: could not remember the audit log's keys in {}: {e}", path.display());
    }
}

fn audit_pin_of(roster: &Roster) -> AuditPin {
    let mut keys: Vec<String> = roster.audit_recipients().iter().map(ToString::to_string).collect();
    keys.sort();
    AuditPin { store: crate::store::pins::Pin::store_id(&roster.store_id), keys, epoch: roster.epoch }
}

fn seal_audit_to(backend: &SledBackend, keys: &[String]) {
    backend.seal_audit_to(keys.iter().filter_map(|k| k.parse().ok()).collect());
}

/// S-c: the server holds no member key, so it cannot check the member
/// list's authentication; it seals audit entries to the DSLs and the
/// recovery key the list named when it first served the store, and takes
/// new ones only from a list a DSL it pinned writes through it (see
/// [`audit_keys_after_roster_write`]). A list rewritten on disk meanwhile
/// does not move the entries to other keys: said once, on stderr.
fn audit_keys_at_start(backend: &SledBackend) -> Option<String> {
    let roster = backend.get(SETTINGS, ROSTER.as_bytes()).ok().flatten().and_then(|b| Roster::unverified(&b));
    let Some(path) = audit_pin_path(backend) else {
        return Some("no state directory to remember the audit log's keys in: it follows the member list".into());
    };
    match (load_audit_pin(&path), roster) {
        (None, Some(roster)) => {
            let pin = audit_pin_of(&roster);
            seal_audit_to(backend, &pin.keys);
            save_audit_pin(&path, &pin);
            None
        }
        // A store before rosters: the clear member records' DSLs.
        (None, None) => None,
        (Some(pin), now) => {
            seal_audit_to(backend, &pin.keys);
            let now = now.map(|r| audit_pin_of(&r));
            match now {
                Some(now) if now.store == pin.store && now.keys == pin.keys => None,
                _ => Some(format!(
                    "the member list names other DSL or recovery keys than a DSL last gave through this server: \
                     audit entries stay sealed to the {} keys it remembers (a DSL changing the member list \
                     through this server moves them; or delete {} to take the list as it is)",
                    pin.keys.len(),
                    path.display()
                )),
            }
        }
    }
}

/// After a member list written through this server: a DSL the server has
/// pinned (or the first list it sees) moves the audit entries to the new
/// list's DSLs and recovery key. Anyone else's list does not.
fn audit_keys_after_roster_write(backend: &SledBackend, role: Role, writer: &str, roster: &Roster) {
    let Some(path) = audit_pin_path(backend) else {
        seal_audit_to(backend, &audit_pin_of(roster).keys);
        return;
    };
    let trusted = match load_audit_pin(&path) {
        None => true,
        Some(pin) => role == Role::Dsl && pin.keys.iter().any(|k| k == writer),
    };
    if trusted {
        let pin = audit_pin_of(roster);
        seal_audit_to(backend, &pin.keys);
        save_audit_pin(&path, &pin);
    } else {
        eprintln!(
            "casebook serve: a member list from a DSL key this server has not pinned: audit entries stay sealed to \
             the keys it remembers"
        );
    }
}

/// The trees that hold parts of a concern apart from its record.
const CONCERN_PARTS: [&str; 4] = [REFERRALS, CUSTODY, SEARCHES, ATTACHMENTS];

/// The concern a record of [`CONCERN_PARTS`] belongs to, where the clear
/// store says: a file's key begins with its concern's id; a restricted
/// concern's referral, device or search has its clear marker (P5-g). Any
/// other referral, device or search names its concern only inside its
/// sealed record, which the server cannot open: its read is not noted
/// against a concern (no clear index says which concern has one).
fn concern_of_part(backend: &SledBackend, tree: &str, key: &[u8]) -> Option<u32> {
    if tree == ATTACHMENTS {
        return key.get(..4).and_then(|k| <[u8; 4]>::try_from(k).ok()).map(u32::from_be_bytes);
    }
    let marker = crate::store::restricted::marker(tree, key);
    let case = backend.get(RESTRICTED, &marker).ok()??;
    <[u8; 4]>::try_from(case.as_slice()).ok().map(u32::from_be_bytes)
}

/// What a request tells the audit log: a concern's record read or
/// written, the board's first page read.
fn accesses(request: &Request) -> Vec<crate::store::audit::Access> {
    use crate::store::audit::Access;
    let id = |key: &[u8]| <[u8; 4]>::try_from(key).ok().map(u32::from_be_bytes);
    match request {
        Request::Get { tree, key } if tree == CASES => id(key).map(Access::OpenedConcern).into_iter().collect(),
        // A person's record read (issue 12).
        Request::Get { tree, key } if tree == PEOPLE => id(key).map(Access::Person).into_iter().collect(),
        // Any read of the board's index, a page or a shard, is reading the
        // board (noted once a quarter of an hour).
        Request::Scan { tree, .. } | Request::Get { tree, .. } if tree == INDEX => vec![Access::ReadBoard],
        Request::Apply(batch) => batch
            .writes
            .iter()
            .filter_map(|w| match w {
                Write::Put { tree, key, .. } if tree == CASES => id(key).map(Access::ChangedConcern),
                Write::Put { tree, key, .. } if tree == PEOPLE => id(key).map(Access::Person),
                // S-d, S-e: casebook deletes a concern or a person only to
                // dispose of them.
                Write::Delete { tree, key } if tree == CASES => id(key).map(Access::Disposed),
                Write::Delete { tree, key } if tree == PEOPLE => id(key).map(Access::Erased),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn carry_out(backend: &SledBackend, request: Request) -> Response {
    let failed = |e: StoreError| match e {
        StoreError::Stale { tree, key } => Response::Stale { tree, key },
        other => Response::Failed(other.to_string()),
    };
    match request {
        Request::Get { tree, key } => backend.get(&tree, &key).map(Response::Value).unwrap_or_else(failed),
        Request::Scan { tree, after, limit } => {
            let limit = (limit as usize).clamp(1, crate::store::backend::SCAN_PAGE);
            match backend.scan_page(&tree, after.as_deref(), limit) {
                Ok(mut entries) => {
                    // Bound the page in bytes too, keeping at least one entry.
                    let mut bytes = 0;
                    let keep = entries
                        .iter()
                        .position(|(k, v)| {
                            bytes += k.len() + v.len();
                            bytes > PAGE_BYTES
                        })
                        .map_or(entries.len(), |i| i.max(1));
                    entries.truncate(keep);
                    debug_assert!(bytes <= MAX_FRAME || keep == 1);
                    Response::Entries(entries)
                }
                Err(e) => failed(e),
            }
        }
        Request::Apply(batch) => backend.apply(batch).map(Response::Applied).unwrap_or_else(failed),
        Request::NextCounter(name) => backend.next_counter(&name).map(Response::Counter).unwrap_or_else(failed),
        Request::Changes => backend.changes().map(Response::Changes).unwrap_or_else(failed),
        Request::ChangedSince(since) => backend.changed_since(since).map(Response::Changed).unwrap_or_else(failed),
        Request::Hello { .. } | Request::Prove { .. } => Response::Failed("already a member".into()),
        Request::Backup | Request::BackupChunk { .. } => Response::Failed("a backup is asked for on its own".into()),
        Request::UrgentRecorded => Response::Failed("a notification is asked for on its own".into()),
    }
}

/// Whether a server answers on `socket` (for `casebook paths` and for
/// choosing between a served and an embedded store).
pub fn listening(socket: &Path) -> bool {
    UnixStream::connect(socket).is_ok()
}

/// Opens the store the way a member's casebook should: through the server
/// when one is listening on `socket`, directly otherwise.
/// The file beside `socket` naming the store it serves.
fn served_store_file(socket: &Path) -> std::path::PathBuf {
    let mut name = socket.as_os_str().to_owned();
    name.push(".store");
    std::path::PathBuf::from(name)
}

/// A store's path as the server and its clients both name it: resolved
/// when it can be, else made absolute.
fn store_name(store: &Path) -> std::path::PathBuf {
    std::fs::canonicalize(store).unwrap_or_else(|_| std::path::absolute(store).unwrap_or_else(|_| store.to_path_buf()))
}

/// Refuses a server that says it serves another store than `store`.
fn check_served_store(store: &Path, socket: &Path) -> Result<(), StoreError> {
    let Ok(served) = std::fs::read(served_store_file(socket)) else { return Ok(()) };
    let served = std::path::PathBuf::from(std::ffi::OsString::from_vec(served));
    let wanted = store_name(store);
    if served != wanted {
        return Err(StoreError::Served(format!(
            "the casebook serve on {} serves the store at {}, not {}: give this store's own --socket, or stop that \
             server to open this store directly",
            socket.display(),
            crate::text::one_line(&served.display().to_string()),
            crate::text::one_line(&wanted.display().to_string())
        )));
    }
    Ok(())
}

pub fn open_store(store: &Path, socket: &Path) -> Result<Store, StoreError> {
    match socket.try_exists() {
        Ok(true) if listening(socket) => check_served_store(store, socket)?,
        _ => {}
    }
    match socket.try_exists() {
        Ok(true) => match Store::connect(socket) {
            Ok(s) => return Ok(s),
            // A socket file no server answers on: a server that was
            // stopped or killed. Open the store directly instead.
            Err(_) if !listening(socket) => {}
            Err(e) => return Err(e),
        },
        Ok(false) => {}
        // The socket's directory is closed to this account: not in the
        // casebook group. Say so, rather than "no casebook store" (the
        // store is there, and private to the server's account too).
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(crate::store::client::connect_error(socket, &e));
        }
        Err(_) => {}
    }
    match Store::open(store) {
        Err(StoreError::NotFound(_)) if private(store) => Err(StoreError::Served(format!(
            "no casebook serve is listening on {}, and the store at {} is not yours to open \
             (permission denied): ask whoever looks after the school's server to start casebook serve",
            socket.display(),
            store.display()
        ))),
        other => other,
    }
}

/// Whether `store` (or what it holds) exists but this account may not look:
/// a school server's store, owned by the service account.
fn private(store: &Path) -> bool {
    let denied = |p: &Path| p.try_exists().is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied);
    denied(store) || denied(&store.join("conf"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_case_batch() -> Batch {
        Batch::new()
            .check(CASE_META, vec![0, 0, 0, 9], None::<Vec<u8>>)
            .check(CASE_REFS, b"C-2026-0009".to_vec(), None::<Vec<u8>>)
            .put(CASES, vec![0, 0, 0, 9], b"sealed".to_vec())
            .put(CASE_META, vec![0, 0, 0, 9], crate::store::new_case_meta())
            .put(CASE_REFS, b"C-2026-0009".to_vec(), vec![0, 0, 0, 9])
    }

    #[test]
    fn sd_only_the_dsl_deletes_a_concern_or_person_or_writes_a_disposal_record() {
        for batch in [
            Batch::new().delete(CASES, vec![0, 0, 0, 1]),
            Batch::new().delete(PEOPLE, vec![0, 0, 0, 1]),
            Batch::new().put(DISPOSALS, vec![0, 0, 0, 1], b"x".to_vec()),
        ] {
            assert!(permits(Role::Deputy, &Request::Apply(batch.clone())).is_err());
            assert!(permits(Role::Dsl, &Request::Apply(batch)).is_ok());
        }
        // A deputy still empties an index shard.
        assert!(permits(Role::Deputy, &Request::Apply(Batch::new().delete(INDEX, b"shard-x".to_vec()))).is_ok());
    }

    #[test]
    fn a_reporter_may_only_add_new_concerns() {
        assert!(permits(Role::Reporter, &Request::Apply(new_case_batch())).is_ok());
        let overwrite = Batch::new().check(CASE_META, vec![0, 0, 0, 1], Some(b"old".to_vec())).put(
            CASES,
            vec![0, 0, 0, 1],
            b"x".to_vec(),
        );
        assert!(permits(Role::Reporter, &Request::Apply(overwrite)).is_err());
        let blind = Batch::new().put(CASES, vec![0, 0, 0, 1], b"x".to_vec());
        assert!(permits(Role::Reporter, &Request::Apply(blind)).is_err());
        let member = Batch::new().put(MEMBERS, vec![0, 0, 0, 5], b"x".to_vec());
        assert!(permits(Role::Reporter, &Request::Apply(member)).is_err());
        let read = Request::Get { tree: CASES.into(), key: vec![0, 0, 0, 1] };
        assert!(permits(Role::Reporter, &read).is_err());
        assert!(permits(Role::Reporter, &Request::NextCounter("member".into())).is_err());
        assert!(permits(Role::Reporter, &Request::NextCounter("case".into())).is_ok());
    }

    #[test]
    fn p5g_a_deputy_cannot_set_or_lift_a_restriction() {
        let restrict = Batch::new().put(RESTRICTED, vec![0, 0, 0, 1], b"sealed".to_vec());
        assert!(permits(Role::Deputy, &Request::Apply(restrict.clone())).is_err());
        assert!(permits(Role::Dsl, &Request::Apply(restrict)).is_ok());
        let lift = Batch::new().delete(RESTRICTED, vec![0, 0, 0, 1]);
        assert!(permits(Role::Deputy, &Request::Apply(lift)).is_err());
        let marker = Batch::new().put(RESTRICTED, b"referral-\0\0\0\x02".to_vec(), vec![0, 0, 0, 1]);
        assert!(permits(Role::Deputy, &Request::Apply(marker)).is_ok());
        // The markers of a restricted concern's device, search and file too.
        for key in [&b"custody-\0\0\0\x02"[..], b"search-\0\0\0\x02", b"attachment-\0\0\0\x01\0\0\0\x01"] {
            let marker = Batch::new().put(RESTRICTED, key.to_vec(), vec![0, 0, 0, 1]);
            assert!(permits(Role::Deputy, &Request::Apply(marker)).is_ok());
        }
        let unknown = Batch::new().put(RESTRICTED, b"lifted-\0\0\0\x01".to_vec(), vec![0, 0, 0, 1]);
        assert!(permits(Role::Deputy, &Request::Apply(unknown)).is_err());
    }

    #[test]
    fn leadership_cannot_touch_case_records() {
        assert!(permits(Role::Leadership, &Request::Apply(new_case_batch())).is_err());
        let read = Request::Scan { tree: CASES.into(), after: None, limit: 10 };
        assert!(permits(Role::Leadership, &read).is_err());
        let move_action = Batch::new().check(ACTIONS, vec![0, 0, 0, 1], Some(b"old".to_vec())).put(
            ACTIONS,
            vec![0, 0, 0, 1],
            b"new".to_vec(),
        );
        assert!(permits(Role::Leadership, &Request::Apply(move_action)).is_ok());
        let debriefs = Request::Scan { tree: DEBRIEFS.into(), after: None, limit: 10 };
        assert!(permits(Role::Leadership, &debriefs).is_ok());
    }

    #[test]
    fn only_the_dsl_changes_members_and_no_one_names_a_strange_tree() {
        let member = Batch::new().put(MEMBERS, vec![0, 0, 0, 5], b"x".to_vec());
        assert!(permits(Role::Deputy, &Request::Apply(member.clone())).is_err());
        assert!(permits(Role::Dsl, &Request::Apply(member)).is_ok());
        assert!(permits(Role::Deputy, &Request::Apply(new_case_batch())).is_ok());
        let odd = Request::Get { tree: "__sled__default".into(), key: vec![] };
        assert!(permits(Role::Dsl, &odd).is_err());
    }
}
