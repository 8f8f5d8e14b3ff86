//! Stopping a build that a newer save made stale.
//!
//! A save during a build makes the build's result out of date before it
//! exists. Rather than let it finish (and show its errors, or load its
//! library for a moment) and then build again, the dev loop stops it and
//! builds the newer sources at once. A stopped build runs in a process
//! group of its own, so the linker rustc started stops with it: a linker
//! left running could otherwise write its stale library over the next
//! build's.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A build that another thread may stop. Clones share the build.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<Mutex<State>>);

#[derive(Debug, Default)]
struct State {
    cancelled: bool,
    /// The build's process group, while its first process has not been
    /// reaped (so that no other process can have taken its id).
    running: Option<u32>,
}

impl Cancel {
    /// Stops the build: at once if it runs, as it starts otherwise.
    pub fn cancel(&self) {
        let mut state = self.lock();
        state.cancelled = true;
        if let Some(group) = state.running.take() {
            stop_group(group);
        }
    }

    /// Whether [`Cancel::cancel`] was called: the build's outcome, whatever
    /// it says, is stale.
    pub fn is_cancelled(&self) -> bool {
        self.lock().cancelled
    }

    /// The build's process `pid` started, leading a process group of its
    /// own; stopped at once if the build was cancelled meanwhile.
    pub(super) fn started(&self, pid: u32) {
        let mut state = self.lock();
        if state.cancelled {
            stop_group(pid);
        } else {
            state.running = Some(pid);
        }
    }

    /// The build's process closed its output and is about to be reaped:
    /// from here its id may be reused, so it is never signalled again.
    pub(super) fn ended(&self) {
        self.lock().running = None;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(unix)]
fn stop_group(group: u32) {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    let Ok(group) = i32::try_from(group) else {
        return;
    };
    if let Err(error) = killpg(Pid::from_raw(group), Signal::SIGKILL) {
        log::debug!("could not stop the stale build: {error}");
    }
}

/// Elsewhere a stale build runs to its end, and its outcome is dropped.
#[cfg(not(unix))]
fn stop_group(_group: u32) {}
