//! The control block: a page of atomics that the engine process writes as it
//! runs and the supervisor reads to tell a crash or a hang from a clean exit.
//!
//! Per step the engine only stores a few integers here (which step began,
//! which was committed, which game call is running); everything larger lives
//! in the session record, written at reloads.

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};

/// Marks a control file written by this version of hotloop.
pub const MAGIC: u64 = 0x686f_746c_6f6f_7003;

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
    /// The destructors of a replaced library's thread-locals.
    Unload = 8,
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
            Self::Unload => "unload",
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
            8 => Self::Unload,
            _ => Self::None,
        }
    }
}

/// How many threads can report calls into game code at once: the frame
/// thread, the thread that prepares new builds (watcher or dev loop), and
/// room to spare. A thread past that runs its calls unreported.
pub const SLOTS: usize = 8;

/// One thread's calls into game code. A thread claims a slot of its own the
/// first time it calls game code and keeps it until it ends, so nested calls
/// (`greet` inside a load) restore what their own thread showed, and two
/// threads never overwrite each other's calls.
#[repr(C)]
#[derive(Default)]
struct CallSlot {
    /// The owning thread's id (`gettid`), 0 while the slot is free.
    thread: AtomicU32,
    call: AtomicU32,
    /// The call's place in the order of all calls (see
    /// [`CallInProgress::serial`]).
    serial: AtomicU64,
    /// The identity of the library whose code runs.
    library: AtomicU64,
}

/// What a slot shows: a call in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallInProgress {
    /// Which entry point.
    pub call: Call,
    /// Which call: calls are numbered in the order they were entered,
    /// over all threads, so a later call has a higher serial.
    pub serial: u64,
    /// The library's identity ([`crate::loader::library::GameLibrary::id`]).
    pub library: u64,
    /// The calling thread's id (`gettid`), to read what it is doing in
    /// `/proc/PID/task/TID`.
    pub thread: u32,
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
    /// How many calls were entered: numbers each call.
    entered: AtomicU64,
    slots: [CallSlot; SLOTS],
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

    /// The game call each thread is in (its innermost one), by slot.
    pub fn calls(&self) -> [Option<CallInProgress>; SLOTS] {
        self.slots.each_ref().map(|slot| {
            let call = Call::from_u32(slot.call.load(Ordering::Acquire));
            (call != Call::None).then(|| CallInProgress {
                call,
                serial: slot.serial.load(Ordering::Acquire),
                library: slot.library.load(Ordering::Acquire),
                thread: slot.thread.load(Ordering::Acquire),
            })
        })
    }

    /// Reports that the calling thread calls `call` into the library
    /// `library`, until the guard drops. Atomics only, after the thread's
    /// first call (which claims it a slot).
    pub fn enter(&'static self, call: Call, library: u64) -> CallGuard {
        let Some(slot) = Claim::slot_in(self) else {
            return CallGuard::unreported();
        };
        let previous = (
            slot.call.load(Ordering::Relaxed),
            slot.library.load(Ordering::Relaxed),
        );
        let serial = self.entered.fetch_add(1, Ordering::Relaxed) + 1;
        slot.serial.store(serial, Ordering::Relaxed);
        slot.library.store(library, Ordering::Relaxed);
        slot.call.store(call as u32, Ordering::Release);
        CallGuard {
            slot: Some((slot, previous)),
            _same_thread: PhantomData,
        }
    }

    /// A free slot, now owned by thread `thread`.
    fn claim(&self, thread: u32) -> Option<usize> {
        self.slots.iter().position(|slot| {
            slot.thread
                .compare_exchange(0, thread, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        })
    }

    /// Frees slot `index` if `thread` still owns it (`clear_calls` may have
    /// freed it already) and is in no call: its thread ended, or moved to
    /// another block. A thread also ends in a call when game code calls
    /// `process::exit` (which runs this thread's thread-local destructors):
    /// the call must stay visible then, for the supervisor to name it.
    fn release(&self, index: usize, thread: u32) {
        let slot = &self.slots[index];
        if slot.call.load(Ordering::Acquire) == Call::None as u32 {
            let _ = slot
                .thread
                .compare_exchange(thread, 0, Ordering::AcqRel, Ordering::Relaxed);
        }
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

    /// Forgets the calls a dead process left in progress, and frees their slots.
    pub fn clear_calls(&self) {
        for slot in &self.slots {
            slot.call.store(Call::None as u32, Ordering::Release);
            slot.thread.store(0, Ordering::Release);
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
/// restores what the thread's slot showed before (a `greet` runs inside a
/// load). Stays on the thread that entered the call.
#[must_use = "the call counts as running until the guard drops"]
pub struct CallGuard {
    /// The slot and the call and library it showed before.
    slot: Option<(&'static CallSlot, (u32, u64))>,
    /// Not `Send`: the slot is its thread's.
    _same_thread: PhantomData<*const ()>,
}

impl CallGuard {
    fn unreported() -> Self {
        Self {
            slot: None,
            _same_thread: PhantomData,
        }
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        if let Some((slot, (call, library))) = self.slot {
            slot.library.store(library, Ordering::Relaxed);
            slot.call.store(call, Ordering::Release);
        }
    }
}

/// The slot this thread claimed, and in which block; freed when the thread ends.
struct Claim(Cell<Option<(&'static Control, usize, u32)>>);

thread_local! {
    static CLAIM: Claim = const { Claim(Cell::new(None)) };
}

impl Claim {
    /// This thread's slot in `control`, claimed on first use. `None` when
    /// every slot is taken (or the thread is ending).
    fn slot_in(control: &'static Control) -> Option<&'static CallSlot> {
        CLAIM
            .try_with(|claim| {
                if let Some((block, index, thread)) = claim.0.get() {
                    // Still ours, unless `clear_calls` freed it.
                    if std::ptr::eq(block, control)
                        && control.slots[index].thread.load(Ordering::Relaxed) == thread
                    {
                        return Some(&control.slots[index]);
                    }
                    block.release(index, thread);
                    claim.0.set(None);
                }
                let thread = this_thread();
                let index = control.claim(thread)?;
                claim.0.set(Some((control, index, thread)));
                Some(&control.slots[index])
            })
            .ok()
            .flatten()
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Some((control, index, thread)) = self.0.get() {
            control.release(index, thread);
        }
    }
}

/// Reports that `call` into the library `library` starts now on this
/// thread (see [`Control::enter`]); nothing when unsupervised.
pub fn enter(call: Call, library: u64) -> CallGuard {
    match installed() {
        Some(control) => control.enter(call, library),
        None => CallGuard::unreported(),
    }
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

/// The calling thread's id as the kernel numbers it (what
/// `/proc/PID/task/` lists, which the hang watchdog reads); off Linux, a
/// number of this process's own that no two live threads share.
fn this_thread() -> u32 {
    #[cfg(target_os = "linux")]
    return u32::try_from(nix::unistd::gettid().as_raw()).unwrap_or(u32::MAX);
    #[cfg(not(target_os = "linux"))]
    {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        thread_local!(static ID: u32 = NEXT.fetch_add(1, Ordering::Relaxed));
        ID.with(|id| *id)
    }
}

#[cfg(test)]
mod tests;
