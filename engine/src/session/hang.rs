//! Hang detection: how long a game call has run, counting only the time
//! its thread could have made progress.
//!
//! Wall-clock time is wrong for this: Ctrl-Z (then `fg`) stops the engine
//! and the supervisor, a debugger stops the engine, and a full output pipe
//! (`hotloop | less`) blocks game code that prints. None of these is game
//! code's fault, and a hang blacklists the build. So at each poll the
//! supervisor reads what the call's thread is doing (`/proc/PID/task/TID`):
//! - stopped (`T`: job control, SIGSTOP) or stopped by a debugger (`t`):
//!   the time does not count;
//! - blocked in `write`/`writev` to fd 1 or 2: does not count;
//! - anything else (running, or waiting on a lock or a sleep: a deadlock is
//!   a hang too): counts.
//!
//! One poll adds at most [`MAX_STEP`]: when the supervisor itself was
//! stopped, its monotonic clock jumps by the whole stop when it resumes,
//! and the engine may have resumed first.
//!
//! Limits: output that is written through another descriptor (a `dup` of
//! 1 or 2), or a lock held by another thread that is blocked on output,
//! still counts; and a call that prints without end to a pipe nobody reads
//! is only caught once the output flows. Where `/proc/PID/task/TID/syscall`
//! is unreadable (a `ptrace` policy that forbids even the parent), blocked
//! output counts as well.

use std::time::{Duration, Instant};

/// The most one poll can add to a call's running time (the supervisor polls
/// every 10 ms; a busy machine may delay a poll a little).
pub const MAX_STEP: Duration = Duration::from_millis(50);

/// What a thread of the engine process is doing, as far as a hang goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    /// Running or waiting on anything other than output: the time counts.
    Counts,
    /// Stopped by job control or a debugger.
    Stopped,
    /// Blocked writing to stdout or stderr.
    WritingOutput,
}

impl Activity {
    /// What thread `thread` of process `pid` is doing now. `Counts` when it
    /// cannot be read (the thread or process is gone).
    pub fn of(pid: i32, thread: u32) -> Self {
        let task = format!("/proc/{pid}/task/{thread}");
        let stat = std::fs::read_to_string(format!("{task}/stat")).ok();
        let state = stat.as_deref().and_then(state);
        let syscall = matches!(state, Some('S' | 'D'))
            .then(|| std::fs::read_to_string(format!("{task}/syscall")).ok())
            .flatten();
        Self::from_proc(state, syscall.as_deref())
    }

    /// From the thread's state letter (`stat`) and its `syscall` file.
    fn from_proc(state: Option<char>, syscall: Option<&str>) -> Self {
        match state {
            Some('T' | 't') => Self::Stopped,
            _ if syscall.is_some_and(writing_output) => Self::WritingOutput,
            _ => Self::Counts,
        }
    }

    /// Whether a hang counts this time.
    pub fn counts(self) -> bool {
        self == Self::Counts
    }
}

/// The state letter of a `/proc/…/stat` line: the field after the command
/// name, which is in parentheses and may itself hold spaces and parentheses.
fn state(stat: &str) -> Option<char> {
    let (_, rest) = stat.rsplit_once(')')?;
    rest.trim_start().chars().next()
}

/// Whether a `/proc/…/syscall` line shows a thread blocked in `write` or
/// `writev` to fd 1 or 2 (the number in decimal, the arguments in hex).
fn writing_output(syscall: &str) -> bool {
    let mut fields = syscall.split_whitespace();
    let number = fields.next().and_then(|n| n.parse::<i64>().ok());
    let fd = fields
        .next()
        .and_then(|fd| u64::from_str_radix(fd.strip_prefix("0x")?, 16).ok());
    let writes = [libc::SYS_write, libc::SYS_writev].map(i64::from);
    number.is_some_and(|n| writes.contains(&n)) && matches!(fd, Some(1 | 2))
}

/// How long one call (one serial of a slot) has run, as a hang counts it.
#[derive(Clone, Copy, Debug)]
pub struct CallClock {
    serial: u64,
    last: Instant,
    counted: Duration,
}

impl CallClock {
    /// A call first seen at `now`.
    pub fn start(serial: u64, now: Instant) -> Self {
        Self {
            serial,
            last: now,
            counted: Duration::ZERO,
        }
    }

    /// Which call it times.
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// The time counted so far.
    pub fn counted(&self) -> Duration {
        self.counted
    }

    /// Moves to `now`, adding the time since the last poll (at most
    /// [`MAX_STEP`]) if `counts`; returns the time counted.
    pub fn tick(&mut self, now: Instant, counts: bool) -> Duration {
        let step = now.saturating_duration_since(self.last).min(MAX_STEP);
        self.last = now;
        if counts {
            self.counted += step;
        }
        self.counted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_is_read_after_the_command_name() {
        assert_eq!(state("42 (hotloop) R 1 42 42 0"), Some('R'));
        assert_eq!(state("42 (a ) T (b) T 1 42"), Some('T'));
        assert_eq!(state("42 (x) t 1"), Some('t'));
        assert_eq!(state("garbage"), None);
    }

    #[test]
    fn only_writes_to_stdout_or_stderr_are_output() {
        let write = libc::SYS_write;
        let writev = libc::SYS_writev;
        let read = libc::SYS_read;
        let rest = "0x55d0c0 0x10000 0x0 0x0 0x0 0x7ffd8 0x7f12";
        assert!(writing_output(&format!("{write} 0x1 {rest}")));
        assert!(writing_output(&format!("{writev} 0x2 {rest}")));
        assert!(!writing_output(&format!("{write} 0x5 {rest}")));
        assert!(!writing_output(&format!("{read} 0x1 {rest}")));
        assert!(!writing_output("running"));
        assert!(!writing_output("-1 0x7ffd8 0x7f12"));
    }

    #[test]
    fn stops_and_blocked_output_do_not_count() {
        let futex = format!("{} 0x7f00 0x80 0x2 0x0 0x0 0x0 0x1 0x2", libc::SYS_futex);
        let write = format!("{} 0x1 0x7f00 0x10000 0x0 0x0 0x0 0x1 0x2", libc::SYS_write);
        let cases = [
            (Some('R'), None, Activity::Counts),
            (Some('S'), Some(futex.as_str()), Activity::Counts),
            (Some('T'), None, Activity::Stopped),
            (Some('t'), Some(write.as_str()), Activity::Stopped),
            (Some('S'), Some(write.as_str()), Activity::WritingOutput),
            (None, None, Activity::Counts),
        ];
        for (state, syscall, activity) in cases {
            assert_eq!(
                Activity::from_proc(state, syscall),
                activity,
                "{state:?} {syscall:?}"
            );
        }
    }

    #[test]
    fn one_poll_adds_at_most_one_step() {
        let start = Instant::now();
        let mut clock = CallClock::start(3, start);
        let ms = Duration::from_millis;
        assert_eq!(clock.tick(start + ms(10), true), ms(10));
        assert_eq!(
            clock.tick(start + ms(20), false),
            ms(10),
            "a stop adds nothing"
        );
        assert_eq!(
            clock.tick(start + ms(20) + Duration::from_secs(60), true),
            ms(10) + MAX_STEP,
            "a supervisor stopped for a minute adds one step"
        );
        assert_eq!(clock.serial(), 3);
        assert_eq!(clock.counted(), ms(10) + MAX_STEP);
    }
}
