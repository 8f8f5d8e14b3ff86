//! Naming a crash: from how the engine process ended, which game call was
//! running, and what it printed last, to one plain sentence.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::shared::control::{Call, CallInProgress};

/// How an engine process ended without finishing on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// It exited with this code (game code called `process::exit`).
    Exited(i32),
    /// A signal killed it.
    Signal(i32),
    /// A game call did not return within the hang timeout; it was killed.
    Hung(Duration),
}

/// What the supervisor tells the next engine process about the crash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrashReport {
    /// The cause, in one sentence.
    pub cause: String,
    /// The library whose code was running, never to be loaded again
    /// automatically; `None` when no game call was running.
    pub library: Option<u64>,
}

/// The cause when the display server went away (Xlib then exits the process).
pub const DISPLAY_LOST: &str = "the display went away";

/// Recognises the last words std (or Xlib) prints before the process ends.
pub fn hint_in(line: &str) -> Option<&'static str> {
    if line.contains("has overflowed its stack") {
        Some("stack overflow")
    } else if line.contains("memory allocation of") && line.contains("failed") {
        Some("allocation failure")
    } else if (line.contains("X connection to") && line.contains("broken"))
        || line.contains("XIO:  fatal IO error")
    {
        Some(DISPLAY_LOST)
    } else if line.contains("thread local panicked on drop") {
        Some("a thread-local's destructor panicked")
    } else if line.contains("panic in a function that cannot unwind")
        || line.contains("panicked while processing panic")
        || line.contains("thread caused non-unwinding panic")
    {
        Some("panic while panicking (abort)")
    } else {
        None
    }
}

/// The call a crash is blamed on, of those in progress when the engine
/// process ended (one per thread; the process does not say which thread
/// died).
///
/// A call inside a library being loaded (its initialisers, or `greet`) is
/// preferred, the latest entered first; else the latest entered call:
/// - a new build's initialisers and `greet` have never run before, while
///   the running build's `update` has passed every step so far;
/// - a wrong blame on the new build costs a save (the next build is taken),
///   and if the running build did crash, the restarted engine retries the
///   same step with it, with nothing loading, and blames it then. A wrong
///   blame on the running build would instead drop the known-good fallback
///   and load the crashing build again.
pub fn culprit(calls: &[Option<CallInProgress>]) -> Option<CallInProgress> {
    calls
        .iter()
        .flatten()
        .max_by_key(|c| (matches!(c.call, Call::Load | Call::Greet), c.serial))
        .copied()
}

/// The crash report for an engine process that ended as `ending`, with
/// `call` running at step `step`, having printed `hint` (see [`hint_in`]).
pub fn report(
    ending: Ending,
    call: Option<CallInProgress>,
    step: u64,
    hint: Option<&str>,
) -> CrashReport {
    let during = match call {
        Some(call) => format!("in {} at step {step}", call.call.name()),
        None => format!(
            "at step {step} while no game call was running (a thread that game code started?)"
        ),
    };
    let cause = match (ending, hint) {
        (Ending::Hung(timeout), _) => {
            let name = call.map_or(Call::None.name(), |c| c.call.name());
            format!(
                "{name} did not return within {} s at step {step} (infinite loop?)",
                trim_seconds(timeout)
            )
        }
        (Ending::Exited(code), Some(hint)) => {
            format!("{hint} at step {step} (the engine process exited with code {code})")
        }
        (Ending::Exited(code), _) if call.is_some() => {
            format!("game code called process::exit({code}) {during}")
        }
        (Ending::Exited(code), _) => format!("the engine process exited with code {code} {during}"),
        (Ending::Signal(_), Some(hint)) => format!("{hint} {during}"),
        (Ending::Signal(signal), None) => format!("{} {during}", signal_name(signal)),
    };
    CrashReport {
        cause,
        library: call.map(|c| c.library),
    }
}

fn trim_seconds(duration: Duration) -> String {
    let text = format!("{:.1}", duration.as_secs_f64());
    text.strip_suffix(".0").map_or(text.clone(), str::to_owned)
}

#[cfg(not(unix))]
fn signal_name(signal: i32) -> String {
    format!("killed by signal {signal}")
}

#[cfg(unix)]
fn signal_name(signal: i32) -> String {
    use nix::sys::signal::Signal;
    match Signal::try_from(signal) {
        Ok(Signal::SIGABRT) => "abort".into(),
        Ok(Signal::SIGSEGV) => "SIGSEGV (invalid memory access)".into(),
        Ok(Signal::SIGBUS) => "SIGBUS (bad memory access)".into(),
        Ok(Signal::SIGILL) => "SIGILL (illegal instruction)".into(),
        Ok(Signal::SIGFPE) => "SIGFPE (arithmetic fault)".into(),
        Ok(Signal::SIGKILL) => "killed (SIGKILL: out of memory?)".into(),
        Ok(other) => format!("killed by {other}"),
        Err(_) => format!("killed by signal {signal}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(call: Call) -> Option<CallInProgress> {
        Some(CallInProgress {
            call,
            serial: 1,
            library: 9,
            thread: 1,
        })
    }

    #[test]
    fn a_crash_is_blamed_on_the_loading_library_then_on_the_latest_call() {
        let call = |call, serial, library| {
            Some(CallInProgress {
                call,
                serial,
                library,
                thread: 1,
            })
        };
        let blamed = |calls: &[Option<CallInProgress>]| culprit(calls).map(|c| (c.call, c.library));
        assert_eq!(blamed(&[None, None]), None);
        assert_eq!(
            blamed(&[call(Call::Update, 5, 1), None]),
            Some((Call::Update, 1))
        );
        assert_eq!(
            blamed(&[call(Call::Update, 9, 1), call(Call::Load, 4, 2)]),
            Some((Call::Load, 2)),
            "the loading library, though the update began later"
        );
        assert_eq!(
            blamed(&[call(Call::Render, 3, 1), None, call(Call::Greet, 2, 2)]),
            Some((Call::Greet, 2))
        );
        assert_eq!(
            blamed(&[call(Call::Update, 3, 1), call(Call::Describe, 8, 1)]),
            Some((Call::Describe, 1)),
            "else the latest entered"
        );
    }

    #[test]
    fn causes_read_plainly() {
        let abort = nix::sys::signal::Signal::SIGABRT as i32;
        let segv = nix::sys::signal::Signal::SIGSEGV as i32;
        let cases = [
            (
                report(
                    Ending::Signal(abort),
                    running(Call::Update),
                    1234,
                    Some("stack overflow"),
                ),
                "stack overflow in update at step 1234",
            ),
            (
                report(
                    Ending::Hung(Duration::from_secs(2)),
                    running(Call::Update),
                    1234,
                    None,
                ),
                "update did not return within 2 s at step 1234 (infinite loop?)",
            ),
            (
                report(Ending::Exited(3), running(Call::Update), 7, None),
                "game code called process::exit(3) in update at step 7",
            ),
            (
                report(Ending::Signal(abort), running(Call::Render), 7, None),
                "abort in render at step 7",
            ),
            (
                report(Ending::Signal(segv), running(Call::Update), 7, None),
                "SIGSEGV (invalid memory access) in update at step 7",
            ),
        ];
        for (report, cause) in cases {
            assert_eq!(report.cause, cause);
            assert_eq!(report.library, Some(9));
        }
        let orphan = report(Ending::Signal(segv), None, 3, None);
        assert!(
            orphan.cause.contains("no game call was running"),
            "{}",
            orphan.cause
        );
        assert_eq!(orphan.library, None);
    }

    #[test]
    fn std_last_words_are_recognised() {
        assert_eq!(
            hint_in("thread 'main' has overflowed its stack"),
            Some("stack overflow")
        );
        assert_eq!(
            hint_in("memory allocation of 1152921504606846960 bytes failed"),
            Some("allocation failure")
        );
        assert_eq!(
            hint_in("X connection to :77 broken (explicit kill or server shutdown)."),
            Some("the display went away")
        );
        assert_eq!(
            hint_in(
                "XIO:  fatal IO error 11 (Resource temporarily unavailable) on X server \":151\""
            ),
            Some("the display went away")
        );
        assert_eq!(hint_in("[INFO] generation 2"), None);
    }
}
