//! A dropped SSH connection ends casebook (PRODUCT.md principles 6 and 8).
//!
//! When the terminal hangs up, crossterm 0.29's event reader spins on the
//! dead terminal for ever (each read returns nothing; crossterm-rs/crossterm
//! issue 793), so the event loop never comes back to see the SIGHUP flag,
//! and a casebook run as a shell's child gets no SIGHUP at all. Such a
//! process burns a core, keeps the board's decrypted rows in memory, keeps
//! its connection to `casebook serve`, and on a laptop store holds sled's
//! lock so that everyone else is told "in use" (issue 9's own complaint).
//!
//! This watchdog looks at the terminal itself: once it reports a hang-up it
//! gives the event loop a moment to leave by its own door, then ends the
//! process. Nothing acknowledged is lost (a write is acknowledged only once
//! it is on disk, and the server applies a request whole or not at all);
//! a form left unsaved is lost, as with any dropped connection.

use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long the event loop has to leave by itself after a hang-up.
const GRACE: Duration = Duration::from_secs(1);
/// How often the watchdog checks whether the app has already finished.
const TICK: Duration = Duration::from_millis(250);
/// The exit status of a process ended by SIGHUP (128 + 1).
pub const HUNG_UP: i32 = 129;

/// Ends the process when the terminal hangs up, until dropped.
pub struct Watchdog {
    done: Arc<AtomicBool>,
}

impl Watchdog {
    /// Watches the controlling terminal (`/dev/tty`). Without one there is
    /// nothing to watch, and nothing is started.
    pub fn start() -> Watchdog {
        let tty = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").ok().map(OwnedFd::from);
        Self::watch(tty, || std::process::exit(HUNG_UP))
    }

    /// Watches `tty`, calling `end` once it has hung up and the grace has
    /// passed without the watchdog being dropped.
    fn watch(tty: Option<OwnedFd>, end: impl FnOnce() + Send + 'static) -> Watchdog {
        let done = Arc::new(AtomicBool::new(false));
        if let Some(tty) = tty {
            let done = done.clone();
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    if hung_up(&tty, TICK) {
                        let deadline = std::time::Instant::now() + GRACE;
                        while std::time::Instant::now() < deadline {
                            if done.load(Ordering::Relaxed) {
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        end();
                        return;
                    }
                }
            });
        }
        Watchdog { done }
    }
}

impl Drop for Watchdog {
    /// Disarms it without waiting for its thread: quitting stays instant.
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

/// Waits up to `wait` for the terminal to report a hang-up (or an error:
/// either way nobody is there). Asks for no input events, so typing never
/// wakes it and nothing is read from under the app.
fn hung_up(tty: &OwnedFd, wait: Duration) -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let mut fds = [PollFd::new(tty, PollFlags::empty())];
    let timeout = Timespec::try_from(wait).ok();
    match poll(&mut fds, timeout.as_ref()) {
        Ok(0) => false,
        Ok(_) => fds[0].revents().intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL),
        // Interrupted by a signal: look again after a pause.
        Err(_) => {
            std::thread::sleep(wait);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A socket pair stands in for a terminal: closing one end is the
    /// other's hang-up, as closing a pty's master is its slave's.
    fn pair() -> (OwnedFd, OwnedFd) {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        (a.into(), b.into())
    }

    #[test]
    fn a_hang_up_ends_the_process_after_the_grace() {
        let (ours, theirs) = pair();
        let (tx, rx) = mpsc::channel();
        let _dog = Watchdog::watch(Some(ours), move || tx.send(()).unwrap());
        // Alive and typed at: nothing happens.
        std::thread::sleep(TICK * 2);
        assert!(rx.try_recv().is_err(), "a live terminal ended the process");
        drop(theirs);
        let ended = rx.recv_timeout(GRACE + TICK * 4);
        assert!(ended.is_ok(), "a hung-up terminal did not end the process");
    }

    #[test]
    fn an_app_that_finishes_in_the_grace_is_left_to_finish() {
        let (ours, theirs) = pair();
        let (tx, rx) = mpsc::channel();
        let dog = Watchdog::watch(Some(ours), move || tx.send(()).unwrap());
        drop(theirs);
        std::thread::sleep(TICK);
        drop(dog);
        assert!(rx.recv_timeout(GRACE * 2).is_err(), "ended an app that was leaving by itself");
    }
}
