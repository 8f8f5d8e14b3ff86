//! The supervisor: the process the user starts. It runs the engine as a
//! child process, relays its stderr, and when game code ends or freezes that
//! process (a stack overflow, an abort, `process::exit`, a fault, a call that
//! never returns) it names the cause and starts a new engine process, which
//! carries on from the state as it was before the failing step.
//!
//! It never maps the state; it reads the control block's atomics only.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use super::child::OwnChild;
use super::crash::{self, CrashReport, Ending};
use super::dirs::SessionDirs;
use super::hang::{Activity, CallClock};
use super::relay::{LastWords, relay};
use super::{
    COLOR_ENV, CRASH_FILE, DISPLAY_LOST_ENV, FINISH_ENV, SESSION_ENV, SHADOWS_ENV, SPILL_ENV,
    SUPERVISOR_ENV,
};
use crate::files::atomic;
use crate::shared::control::{Call, CallInProgress, Control, Phase, SLOTS};

/// More crashes than this within [`CRASH_WINDOW`] end the session: a game
/// that crashes on every start would otherwise restart forever.
pub const MAX_CRASHES: usize = 5;
/// See [`MAX_CRASHES`].
pub const CRASH_WINDOW: Duration = Duration::from_secs(10);
/// How long an engine process gets to print its summary after SIGTERM
/// before it is killed and a fresh one prints it instead.
const STOP_GRACE: Duration = Duration::from_millis(400);
/// How often the supervisor looks at the engine process.
const POLL: Duration = Duration::from_millis(10);
/// How long a summary-only engine process may take.
const FINISH_LIMIT: Duration = Duration::from_secs(5);

/// How the supervisor runs the engine.
#[derive(Clone, Debug)]
pub struct SupervisorOptions {
    /// The engine process's arguments (the user's own command line).
    pub args: Vec<OsString>,
    /// A game call that runs longer than this is a hang; `None` turns it off.
    pub hang_timeout: Option<Duration>,
}

/// Runs engine processes until one finishes on purpose, or the session is
/// stopped (Ctrl-C, SIGTERM: `stop`), and returns the exit code.
///
/// # Errors
/// When the session cannot be set up or no engine process can be started.
pub fn run(options: &SupervisorOptions, stop: &AtomicBool) -> io::Result<u8> {
    let dirs = SessionDirs::create()?;
    let control = dirs.control();
    let mut budget = CrashBudget::default();
    loop {
        let mut engine = EngineProcess::spawn(options, &dirs, None)?;
        let outcome = engine.watch(control, options.hang_timeout, stop)?;
        let crashed_at = super::unix_nanos();
        let report = match outcome {
            Outcome::Exited(status) if control.phase() == Phase::Finished => {
                engine.relay_rest();
                return Ok(exit_code(status));
            }
            // Ctrl-C reaches the whole process group: not a crash.
            Outcome::Exited(_) if stop.load(Ordering::Relaxed) => {
                engine.relay_rest();
                return finish(options, &dirs, control, 0, None);
            }
            Outcome::Exited(status) => {
                // Xlib ends a process whose X connection broke. Not a crash
                // to restart: there is no window to come back to.
                if let Some(words) = engine.display_lost() {
                    let cause = format!(
                        "the display {} went away ({words})",
                        crate::display::display_name()
                    );
                    return finish(options, &dirs, control, exit_code(status), Some(&cause));
                }
                let report = crash_report(control, ending_of(status), engine.hint());
                if control.phase() == Phase::Starting && report.library.is_none() {
                    // No game call was running: not "the game crashed"
                    // (an engine that fails to start on its own, for lack
                    // of room say, says why and finishes on purpose).
                    eprintln!(
                        "hotloop: the engine process ended while starting ({})",
                        report.cause
                    );
                    return Ok(1);
                }
                report
            }
            Outcome::Hung(timeout, call) => {
                let step = failing_step(control, Some(call));
                crash::report(Ending::Hung(timeout), Some(call), step, None)
            }
            // It had printed its summary and was only slow to exit (a
            // window's graphics teardown): that was the session's end. A
            // process started to print it again would find the session
            // finished and print a fresh game's instead.
            Outcome::Stopped(_) if control.phase() == Phase::Finished => {
                engine.relay_rest();
                return Ok(0);
            }
            Outcome::Stopped(running) => {
                if let Some(running) = running {
                    write_crash(&dirs, &stopped_report(control, running))?;
                }
                return finish(options, &dirs, control, 0, None);
            }
        };
        log::error!("game code crashed the engine: {}", report.cause);
        if control.phase() == Phase::Starting {
            eprintln!(
                "hotloop: the game crashed while starting ({}); fix it and run again",
                report.cause
            );
            return Ok(1);
        }
        write_crash(&dirs, &report)?;
        control.set_crashed_at(crashed_at);
        control.clear_calls();
        if let Err(crashes) = budget.spend(Instant::now()) {
            eprintln!(
                "hotloop: game code crashed {crashes} times within {} s (last: {}); stopping the session instead of restarting again",
                CRASH_WINDOW.as_secs(),
                report.cause
            );
            return finish(options, &dirs, control, 1, None);
        }
        if stop.load(Ordering::Relaxed) {
            return finish(options, &dirs, control, 0, None);
        }
        log::warn!("restarting the engine on the state from before the step that failed");
    }
}

/// Counts crashes over the last [`CRASH_WINDOW`].
#[derive(Debug, Default)]
struct CrashBudget {
    crashes: VecDeque<Instant>,
}

impl CrashBudget {
    /// Records a crash at `now`: `Err(count)` when that makes more than
    /// [`MAX_CRASHES`] within the window.
    fn spend(&mut self, now: Instant) -> Result<(), usize> {
        self.crashes
            .retain(|at| now.saturating_duration_since(*at) < CRASH_WINDOW);
        self.crashes.push_back(now);
        if self.crashes.len() > MAX_CRASHES {
            Err(self.crashes.len())
        } else {
            Ok(())
        }
    }
}

/// How one engine process's run ended.
enum Outcome {
    /// It exited (on purpose, or crashed: the control block says which).
    Exited(ExitStatus),
    /// This game call outlasted the hang timeout; it was killed.
    Hung(Duration, CallInProgress),
    /// The session was stopped; it was killed after not finishing in time,
    /// with this game call still running.
    Stopped(Option<CallInProgress>),
}

/// One engine process, its stderr relayed through this one.
struct EngineProcess {
    /// Reaped only when its exit status is taken: signals and `/proc`
    /// reads until then reach this process, never one that reused its pid.
    process: OwnChild,
    last_words: Arc<Mutex<LastWords>>,
    relayed: Receiver<()>,
}

impl EngineProcess {
    /// Starts an engine process; `finish` for one that only prints the
    /// summary, with the cause when the display went away.
    fn spawn(
        options: &SupervisorOptions,
        dirs: &SessionDirs,
        finish: Option<Option<&str>>,
    ) -> io::Result<Self> {
        let exe = std::env::current_exe()?;
        let mut command = Command::new(exe);
        command
            .args(&options.args)
            .env(SESSION_ENV, &dirs.state)
            .env(SHADOWS_ENV, &dirs.shadows)
            .env(SUPERVISOR_ENV, std::process::id().to_string())
            // A headless engine reads its keys from there (`stdin_keys`);
            // each restarted process goes on where the last stopped.
            .stdin(Stdio::inherit())
            .stderr(Stdio::piped());
        if let Some(display_lost) = finish {
            command.env(FINISH_ENV, "1");
            if let Some(cause) = display_lost {
                command.env(DISPLAY_LOST_ENV, cause);
            }
        }
        if super::stderr_is_terminal() {
            command.env(COLOR_ENV, "1");
            if std::env::var_os("RUST_LOG_STYLE").is_none() {
                command.env("RUST_LOG_STYLE", "always");
            }
        }
        if let Some(spill) = &dirs.spill {
            command.env(SPILL_ENV, spill);
        }
        let mut child = command.spawn()?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let process = OwnChild::watch(child)?;
        let last_words = Arc::new(Mutex::new(LastWords::default()));
        let (done, relayed) = mpsc::channel();
        let found = last_words.clone();
        let hold_back_xlib = finish.is_none();
        std::thread::Builder::new()
            .name("hotloop-stderr".into())
            .spawn(move || {
                relay(stderr, &found, hold_back_xlib);
                let _ = done.send(());
            })?;
        Ok(Self {
            process,
            last_words,
            relayed,
        })
    }

    /// Its exit status, if it exits within `wait`; reaps it.
    fn exit_status(&mut self, wait: Duration) -> io::Result<Option<ExitStatus>> {
        self.process.exit_status(wait)
    }

    /// Waits until it exits, is stopped with the session (`stop`), or a
    /// game call hangs: runs longer than `hang_timeout`, counting only the
    /// time its thread could progress (see [`super::hang`]).
    fn watch(
        &mut self,
        control: &Control,
        hang_timeout: Option<Duration>,
        stop: &AtomicBool,
    ) -> io::Result<Outcome> {
        let mut stop_sent: Option<Instant> = None;
        let mut clocks: [Option<CallClock>; SLOTS] = [None; SLOTS];
        loop {
            if let Some(status) = self.exit_status(POLL)? {
                return Ok(Outcome::Exited(status));
            }
            let now = Instant::now();
            if stop.load(Ordering::Relaxed) && stop_sent.is_none() {
                self.process.signal(Signal::SIGTERM);
                stop_sent = Some(now);
            }
            let calls = control.calls();
            if let Some(sent) = stop_sent
                && now.duration_since(sent) > STOP_GRACE
            {
                self.kill()?;
                // The call that ran longest is the one that kept it from finishing.
                let longest = clocks
                    .iter()
                    .zip(calls)
                    .filter_map(|(clock, call)| Some((clock.as_ref()?.counted(), call?)))
                    .filter(|(counted, _)| !counted.is_zero())
                    .max_by_key(|(counted, _)| *counted)
                    .map(|(_, call)| call);
                return Ok(Outcome::Stopped(longest.or_else(|| crash::culprit(&calls))));
            }
            for (clock, call) in clocks.iter_mut().zip(calls) {
                let Some(call) = call else {
                    *clock = None;
                    continue;
                };
                let Some(clock) = clock.as_mut().filter(|c| c.serial() == call.serial) else {
                    *clock = Some(CallClock::start(call.serial, now));
                    continue;
                };
                let Some(limit) = hang_timeout else { continue };
                let activity = Activity::of(self.process.pid().as_raw(), call.thread);
                if clock.tick(now, activity.counts()) > limit {
                    self.kill()?;
                    return Ok(Outcome::Hung(limit, call));
                }
            }
        }
    }

    /// Kills it and waits until it is reaped.
    fn kill(&mut self) -> io::Result<()> {
        self.process.kill().map(drop)
    }

    /// What std printed before the process aborted, once its stderr is relayed.
    fn hint(&self) -> Option<&'static str> {
        self.relay_rest();
        self.last_words
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .hint
    }

    /// What Xlib said as it ended the process because its display went
    /// away, once its stderr is relayed.
    fn display_lost(&self) -> Option<String> {
        self.relay_rest();
        self.last_words
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .display_lost
            .clone()
    }

    /// Waits until what the dead process wrote to stderr is relayed (its
    /// last words: an error message, a panic). A build it started may hold
    /// the pipe open, so only briefly.
    fn relay_rest(&self) {
        let _ = self.relayed.recv_timeout(Duration::from_millis(300));
    }
}

fn crash_report(control: &Control, ending: Ending, hint: Option<&str>) -> CrashReport {
    let call = crash::culprit(&control.calls());
    crash::report(ending, call, failing_step(control, call), hint)
}

fn stopped_report(control: &Control, running: CallInProgress) -> CrashReport {
    let step = failing_step(control, Some(running));
    CrashReport {
        cause: format!(
            "{} was still running at step {step} when the session was stopped (infinite loop?)",
            running.call.name()
        ),
        library: Some(running.library),
    }
}

/// The step a failure happened in: the one whose update began, during an
/// update; otherwise the last one committed.
fn failing_step(control: &Control, call: Option<CallInProgress>) -> u64 {
    let (committed, begun, _) = control.steps();
    match call {
        Some(CallInProgress {
            call: Call::Update, ..
        }) => begun,
        _ => committed,
    }
}

fn ending_of(status: ExitStatus) -> Ending {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => Ending::Exited(code),
        (None, Some(signal)) => Ending::Signal(signal),
        (None, None) => Ending::Exited(-1),
    }
}

fn exit_code(status: ExitStatus) -> u8 {
    status
        .code()
        .map_or(1, |code| u8::try_from(code).unwrap_or(1))
}

fn write_crash(dirs: &SessionDirs, report: &CrashReport) -> io::Result<()> {
    let text = serde_json::to_vec(report).map_err(io::Error::other)?;
    atomic::write(&dirs.state.join(CRASH_FILE), &text)
}

/// Starts an engine process that restores the session and prints its
/// summary, and returns `code` once it did. When the display went away
/// (`display_lost`, the cause) that process also saves the state aside and
/// says so, in one line.
fn finish(
    options: &SupervisorOptions,
    dirs: &SessionDirs,
    control: &Control,
    code: u8,
    display_lost: Option<&str>,
) -> io::Result<u8> {
    if control.phase() == Phase::Starting {
        match display_lost {
            Some(cause) => eprintln!("hotloop: {cause} before the game had started"),
            None => eprintln!("hotloop: stopped before the game had started"),
        }
        return Ok(1);
    }
    control.clear_calls();
    let mut engine = EngineProcess::spawn(options, dirs, Some(display_lost))?;
    if let Some(status) = engine.exit_status(FINISH_LIMIT)? {
        engine.relay_rest();
        // After a lost display, that process exits 1 on purpose.
        return Ok(if status.success() || display_lost.is_some() {
            code
        } else {
            1
        });
    }
    engine.kill()?;
    eprintln!("hotloop: could not print the session's summary (the engine did not finish in time)");
    Ok(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_are_limited_to_five_crashes_in_ten_seconds() {
        let mut budget = CrashBudget::default();
        let start = Instant::now();
        for crash in 0..MAX_CRASHES {
            assert_eq!(
                budget.spend(start + Duration::from_millis(crash as u64)),
                Ok(())
            );
        }
        assert_eq!(
            budget.spend(start + Duration::from_secs(1)),
            Err(MAX_CRASHES + 1),
            "a sixth crash within the window ends the session"
        );
        let mut spaced = CrashBudget::default();
        for crash in 0..20 {
            assert_eq!(
                spaced.spend(start + CRASH_WINDOW / 4 * crash),
                Ok(()),
                "crashes spread out are survived forever"
            );
        }
    }
}
