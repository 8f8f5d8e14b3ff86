//! A child process that only its owner reaps, so that its pid cannot be
//! given to another process while the owner may still signal it or read
//! its `/proc` entry.
//!
//! A thread waits for the child to end without reaping it (`waitid` with
//! `WNOWAIT`: it stays a zombie, its pid still taken) and says so; the
//! owner reaps it when it takes the exit status. Signals are sent only
//! through [`OwnChild`], which takes `&mut self` to reap, so no signal can
//! follow the reaping.

use std::io;
use std::process::{Child, ExitStatus};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::Pid;

/// A child process, reaped only when its exit status is taken.
#[derive(Debug)]
pub struct OwnChild {
    child: Child,
    pid: Pid,
    /// Says once that the child ended (it is then a zombie until reaped).
    says_ended: Receiver<()>,
    /// Whether it said so.
    ended: bool,
    /// Its exit status, once reaped.
    status: Option<ExitStatus>,
}

impl OwnChild {
    /// Takes `child` over and starts waiting for its end.
    ///
    /// # Errors
    /// When the waiting thread cannot be started.
    pub fn watch(child: Child) -> io::Result<Self> {
        let pid = Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
        let (says, says_ended) = mpsc::channel();
        std::thread::Builder::new()
            .name("hotloop-reaper".into())
            .spawn(move || {
                let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT;
                while waitid(Id::Pid(pid), flags) == Err(Errno::EINTR) {}
                let _ = says.send(());
            })?;
        Ok(Self {
            child,
            pid,
            says_ended,
            ended: false,
            status: None,
        })
    }

    /// Its process id, valid until [`OwnChild::exit_status`] returns a status.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Sends `signal` (nothing once it was reaped).
    pub fn signal(&self, signal: Signal) {
        if self.status.is_none() {
            let _ = kill(self.pid, signal);
        }
    }

    /// Whether it ended (within `wait`); it is not reaped.
    pub fn has_ended(&mut self, wait: Duration) -> bool {
        if !self.ended {
            self.ended = match self.says_ended.recv_timeout(wait) {
                // Disconnected: the waiting thread failed.
                Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
                Err(RecvTimeoutError::Timeout) => false,
            };
        }
        self.ended
    }

    /// Its exit status, if it ends within `wait`: reaps it.
    ///
    /// # Errors
    /// When it cannot be waited for.
    pub fn exit_status(&mut self, wait: Duration) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() && self.has_ended(wait) {
            self.status = Some(self.child.wait()?);
        }
        Ok(self.status)
    }

    /// Kills it and reaps it.
    ///
    /// # Errors
    /// When it cannot be waited for.
    pub fn kill(&mut self) -> io::Result<ExitStatus> {
        self.signal(Signal::SIGKILL);
        let status = self.child.wait()?;
        self.status = Some(status);
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn state_of(pid: Pid) -> Option<char> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        stat[stat.rfind(')')? + 1..].trim_start().chars().next()
    }

    #[test]
    fn an_ended_child_keeps_its_pid_until_its_status_is_taken() {
        let child = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
        let mut own = OwnChild::watch(child).unwrap();
        let pid = own.pid();
        assert!(own.has_ended(Duration::from_secs(60)), "sh exits");
        assert_eq!(state_of(pid), Some('Z'), "a zombie: the pid is still ours");
        own.signal(Signal::SIGKILL);
        let status = own.exit_status(Duration::ZERO).unwrap().unwrap();
        assert_eq!(status.code(), Some(3));
        assert_eq!(state_of(pid), None, "reaped");
        own.signal(Signal::SIGKILL);
        assert_eq!(own.exit_status(Duration::ZERO).unwrap(), Some(status));
    }

    #[test]
    fn a_running_child_is_killed_and_reaped() {
        let child = Command::new("sleep").arg("600").spawn().unwrap();
        let mut own = OwnChild::watch(child).unwrap();
        assert_eq!(own.exit_status(Duration::from_millis(10)).unwrap(), None);
        let status = own.kill().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(Signal::SIGKILL as i32));
        assert_eq!(state_of(own.pid()), None);
    }
}
