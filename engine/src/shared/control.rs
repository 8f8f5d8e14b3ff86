//! The control block: a page of atomics that the engine process writes as it
//! runs and the supervisor reads to tell a crash or a hang from a clean exit.
//!
//! Per step the engine only stores a few integers here (which step began,
//! which was committed, which game call is running); everything larger lives
//! in the session record, written at reloads.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};

/// Marks a control file written by this version of hotloop.
pub const MAGIC: u64 = 0x686f_746c_6f6f_7002;

/// Where the engine process is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Phase {
    /// No state exists yet: a crash now is a crash at start-up.
    Starting = 0,
    /// The state and record are in the session: a crash is survived.
    Running = 1,
    /// The engine ended on purpose (summary printed, or a start-up error):
    /// its exit code is the session's.
    Finished = 2,
}

/// A call into game code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Call {
    /// No game code running.
    None = 0,
    /// `init`.
    Init = 1,
    /// `update`.
    Update = 2,
    /// `render`.
    Render = 3,
    /// `migrate`.
    Migrate = 4,
    /// `describe`.
    Describe = 5,
    /// `greet`.
    Greet = 6,
    /// Loading a library (the dynamic loader runs its initialisers), up to
    /// and including `greet`.
    Load = 7,
}

impl Call {
    /// The entry point's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "no game call",
            Self::Init => "init",
            Self::Update => "update",
            Self::Render => "render",
            Self::Migrate => "migrate",
            Self::Describe => "describe",
            Self::Greet => "greet",
            Self::Load => "load",
        }
    }

    fn from_u32(value: u32) -> Self {
        match value {
            1 => Self::Init,
            2 => Self::Update,
            3 => Self::Render,
            4 => Self::Migrate,
            5 => Self::Describe,
            6 => Self::Greet,
            7 => Self::Load,
            _ => Self::None,
        }
    }

    /// Libraries are loaded and greeted where they are prepared, off the
    /// frame thread: a slot of their own, so the two threads never
    /// overwrite each other.
    fn slot(self) -> usize {
        usize::from(matches!(self, Self::Greet | Self::Load))
    }
}

/// One thread's call into game code.
#[repr(C)]
#[derive(Default)]
struct CallSlot {
    call: AtomicU32,
    /// Bumped at every call, so a hang is one call that lasts, not many.
    serial: AtomicU64,
    /// The identity of the library whose code runs.
    library: AtomicU64,
}

/// What a slot shows: a call in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallInProgress {
    /// Which entry point.
    pub call: Call,
    /// Which call (changes with every call).
    pub serial: u64,
    /// The library's identity ([`crate::loader::library::GameLibrary::id`]).
    pub library: u64,
}

/// The shared control block. Only atomics: both processes map it at once.
#[repr(C)]
#[derive(Default)]
pub struct Control {
    magic: AtomicU64,
    phase: AtomicU32,
    /// Steps whose update finished (the state's step count).
    committed: AtomicU64,
    /// The frame number game code sees next, as of the last commit.
    clock: AtomicU64,
    /// The step whose update began last; above `committed` while one runs.
    begun: AtomicU64,
    slots: [CallSlot; 2],
    /// Window position and inner size (x, y, width, height), once known.
    window: [AtomicI32; 4],
    window_known: AtomicU32,
    /// When the supervisor saw the last crash (Unix time, ns), for the
    /// restart time the next engine process reports.
    crashed_at: AtomicU64,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control")
            .field("phase", &self.phase())
            .field("steps", &self.steps())
            .field("calls", &self.calls())
            .finish_non_exhaustive()
    }
}

impl Control {
    /// Marks a fresh block as this version's.
    pub fn initialise(&self) {
        self.magic.store(MAGIC, Ordering::Release);
    }

    /// Whether the block was written by this version of hotloop.
    pub fn is_valid(&self) -> bool {
        self.magic.load(Ordering::Acquire) == MAGIC
    }

    /// The engine process's phase.
    pub fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Acquire) {
            1 => Phase::Running,
            2 => Phase::Finished,
            _ => Phase::Starting,
        }
    }

    /// Sets the phase.
    pub fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u32, Ordering::Release);
    }

    /// `(committed, begun, clock)`: steps done, the step whose update began
    /// last, and the frame number after the last committed step.
    pub fn steps(&self) -> (u64, u64, u64) {
        (
            self.committed.load(Ordering::Acquire),
            self.begun.load(Ordering::Acquire),
            self.clock.load(Ordering::Acquire),
        )
    }

    /// The game call running in each slot (frame thread, preparing thread).
    pub fn calls(&self) -> [Option<CallInProgress>; 2] {
        self.slots.each_ref().map(|slot| {
            let call = Call::from_u32(slot.call.load(Ordering::Acquire));
            (call != Call::None).then(|| CallInProgress {
                call,
                serial: slot.serial.load(Ordering::Acquire),
                library: slot.library.load(Ordering::Acquire),
            })
        })
    }

    /// The window's last position and inner size, if it had one.
    pub fn window(&self) -> Option<[i32; 4]> {
        (self.window_known.load(Ordering::Acquire) == 1)
            .then(|| self.window.each_ref().map(|v| v.load(Ordering::Relaxed)))
    }

    /// Records when a crash was seen (Unix time in ns).
    pub fn set_crashed_at(&self, unix_nanos: u64) {
        self.crashed_at.store(unix_nanos, Ordering::Release);
    }

    /// When the last crash was seen, if any (Unix time in ns).
    pub fn crashed_at(&self) -> Option<u64> {
        Some(self.crashed_at.load(Ordering::Acquire)).filter(|&t| t != 0)
    }

    /// Forgets the calls a dead process left in progress.
    pub fn clear_calls(&self) {
        for slot in &self.slots {
            slot.call.store(Call::None as u32, Ordering::Release);
        }
    }
}

/// The control block of this engine process's session, when supervised.
static CONTROL: OnceLock<&'static Control> = OnceLock::new();

/// Makes `control` the block this process reports to.
pub fn install(control: &'static Control) {
    let _ = CONTROL.set(control);
}

/// The installed control block, if this process is supervised.
pub fn installed() -> Option<&'static Control> {
    CONTROL.get().copied()
}

/// Marks a call into game code as running until the guard drops, which
/// restores what the slot showed before (a `greet` runs inside a load).
#[must_use = "the call counts as running until the guard drops"]
pub struct CallGuard(Option<(&'static CallSlot, u32)>);

impl Drop for CallGuard {
    fn drop(&mut self) {
        if let Some((slot, previous)) = self.0 {
            slot.call.store(previous, Ordering::Release);
        }
    }
}

/// Reports that `call` into the library `library` starts now.
pub fn enter(call: Call, library: u64) -> CallGuard {
    let Some(control) = installed() else {
        return CallGuard(None);
    };
    let slot = &control.slots[call.slot()];
    let previous = slot.call.load(Ordering::Relaxed);
    slot.serial.fetch_add(1, Ordering::Relaxed);
    slot.library.store(library, Ordering::Relaxed);
    slot.call.store(call as u32, Ordering::Release);
    CallGuard(Some((slot, previous)))
}

/// Reports that the update of step `step` begins: the state's copy from
/// before it is complete, so a crash from here on restores that copy.
pub fn begin_step(step: u64) {
    if let Some(control) = installed() {
        control.begun.store(step, Ordering::Release);
    }
}

/// Reports that `steps` steps are done and the state holds their result.
pub fn commit(steps: u64, clock: u64) {
    if let Some(control) = installed() {
        control.clock.store(clock, Ordering::Relaxed);
        control.begun.store(steps, Ordering::Relaxed);
        control.committed.store(steps, Ordering::Release);
    }
}

/// Records the window's position and inner size, to reopen it there.
pub fn window_moved(position: Option<(i32, i32)>, size: Option<(u32, u32)>) {
    let Some(control) = installed() else { return };
    if let Some((x, y)) = position {
        control.window[0].store(x, Ordering::Relaxed);
        control.window[1].store(y, Ordering::Relaxed);
    }
    if let Some((width, height)) = size {
        let clamp = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        control.window[2].store(clamp(width), Ordering::Relaxed);
        control.window[3].store(clamp(height), Ordering::Relaxed);
    }
    control.window_known.store(1, Ordering::Release);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_visible_until_its_guard_drops() {
        let control: &'static Control = Box::leak(Box::default());
        install(control);
        assert_eq!(control.calls(), [None, None]);
        let guard = enter(Call::Update, 42);
        let [frame, preparing] = control.calls();
        assert_eq!(frame.map(|c| (c.call, c.library)), Some((Call::Update, 42)));
        assert_eq!(preparing, None);
        let load = enter(Call::Load, 7);
        let greet = enter(Call::Greet, 7);
        assert_eq!(control.calls()[1].map(|c| c.call), Some(Call::Greet));
        drop(greet);
        assert_eq!(control.calls()[1].map(|c| c.call), Some(Call::Load));
        drop(load);
        drop(guard);
        assert_eq!(control.calls(), [None, None]);
        begin_step(5);
        assert_eq!(control.steps(), (0, 5, 0));
        commit(5, 9);
        assert_eq!(control.steps(), (5, 5, 9));
    }
}
