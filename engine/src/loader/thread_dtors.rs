//! Thread-local destructors of game libraries, held by the engine so that
//! they cannot keep an old build mapped for the rest of the session.
//!
//! glibc does not unmap a library while any thread holds one of its
//! thread-local destructors (`__cxa_thread_atexit_impl` counts them per
//! library), and the frame thread never ends: one `thread_local!` with a
//! destructor, or one panic (std registers a destructor for the thread's
//! info), would keep every build mapped for good (rust-lang/rust#59629).
//!
//! So this module defines `__cxa_thread_atexit_impl` itself. The linker
//! exports an executable's definition of a symbol that libc also defines
//! (that is what lets a program replace `malloc`), so the libraries the
//! engine loads later bind to this one, not to glibc's. A destructor that a tracked game library registers
//! on a thread that calls game code (marked by [`calls_game_code`]) is held
//! here instead, and runs on that thread when the build is unloaded
//! ([`run_here`]) or when the thread ends. Everything else goes on to
//! glibc's own function: the engine's and the system libraries'
//! destructors, and those of threads that game code starts. The engine also
//! defines `pthread_create`: a game library whose code a new thread starts
//! in is never unloaded, since that thread may run its code at any moment,
//! even before it registers anything glibc would count.

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

/// A thread-local destructor, as `__cxa_thread_atexit_impl` takes it.
type Dtor = unsafe extern "C" fn(*mut c_void);
/// glibc's `__cxa_thread_atexit_impl`.
type Register = unsafe extern "C" fn(Dtor, *mut c_void, *mut c_void) -> c_int;

/// A destructor held for a game library.
struct Held {
    /// The thread it belongs to (`gettid`).
    thread: i32,
    dtor: Dtor,
    object: *mut c_void,
    /// The library's load address.
    library: usize,
}

// SAFETY: `object` is only passed back to `dtor`, on the thread that
// registered it (`thread`); the registry merely stores it in between.
unsafe impl Send for Held {}

#[derive(Default)]
struct Registry {
    /// Load addresses of the game libraries whose destructors are held.
    libraries: Vec<usize>,
    /// In registration order.
    held: Vec<Held>,
    /// Load addresses of the tracked libraries that started a thread.
    started_threads: Vec<usize>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    libraries: Vec::new(),
    held: Vec::new(),
    started_threads: Vec::new(),
});

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

thread_local! {
    /// This thread calls game code. (`const`, no destructor: reading it never
    /// registers anything, not even while the thread ends.)
    static CALLS_GAME_CODE: Cell<bool> = const { Cell::new(false) };
    /// This thread's held destructors run when it ends.
    static RUNS_AT_EXIT: Cell<bool> = const { Cell::new(false) };
}

/// Marks the calling thread as one that calls game code: destructors that
/// game libraries register on it from now on are held. Cheap (one
/// thread-local store): called before every call into game code.
#[inline]
pub fn calls_game_code() {
    // `with`, not `set`: on a `const` key it is one store, where `set`
    // also handles a first initialisation that cannot happen here.
    CALLS_GAME_CODE.with(|calls| calls.set(true));
}

/// Holds the destructors that the game library loaded at `library` (its load
/// address) registers from now on, on threads that call game code.
pub fn track(library: usize) {
    let mut registry = registry();
    if !registry.libraries.contains(&library) {
        registry.libraries.push(library);
    }
}

/// Runs the destructors the library at `library` registered on this thread,
/// newest first, as the thread's end would. Call it once no more game code
/// of that library runs on this thread: its thread-locals here are gone.
pub fn run_here(library: usize) {
    let thread = this_thread();
    // A destructor may touch another thread-local and register anew: go on
    // until none is left.
    while let Some(held) = take_newest(|held| held.thread == thread && held.library == library) {
        // SAFETY: `dtor` and `object` are what the library registered on
        // this thread; the library is still mapped (it is tracked, and only
        // `untrack` lets it go), and it runs once: it is out of the registry.
        unsafe { (held.dtor)(held.object) };
    }
}

/// Why a library that is to be unloaded must stay mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InUse {
    /// A thread (`gettid`) still holds one of its destructors.
    Destructors {
        /// That thread.
        thread: i32,
    },
    /// It started a thread, which may still run its code (or be about to:
    /// a new thread runs the library's own start code before anything else).
    StartedThread,
}

/// Stops tracking the library at `library` so that it can be unloaded.
/// From now on its registrations go to glibc, which counts them itself.
///
/// # Errors
/// When its code may still run: another thread holds one of its
/// destructors, or it started a thread. It must stay mapped (and tracked).
pub fn untrack(library: usize) -> Result<(), InUse> {
    let mut registry = registry();
    if registry.started_threads.contains(&library) {
        return Err(InUse::StartedThread);
    }
    if let Some(held) = registry.held.iter().find(|held| held.library == library) {
        return Err(InUse::Destructors {
            thread: held.thread,
        });
    }
    registry.libraries.retain(|&tracked| tracked != library);
    Ok(())
}

fn take_newest(matches: impl Fn(&Held) -> bool) -> Option<Held> {
    let mut registry = registry();
    let at = registry.held.iter().rposition(matches)?;
    Some(registry.held.remove(at))
}

fn this_thread() -> i32 {
    nix::unistd::gettid().as_raw()
}

/// The load address of the object that contains `address`, if any.
pub fn load_address_of(address: usize) -> Option<usize> {
    // SAFETY: `Dl_info` is plain data, valid all zeroes.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: `dladdr` only compares `address` with the loaded objects'
    // ranges (it never reads through it) and fills `info`, a valid,
    // exclusive `Dl_info`.
    let found = unsafe { libc::dladdr(address as *const c_void, &mut info) };
    (found != 0 && !info.dli_fbase.is_null()).then_some(info.dli_fbase as usize)
}

/// glibc's `__cxa_thread_atexit_impl`, found once.
fn glibc_register() -> Option<Register> {
    static FOUND: AtomicUsize = AtomicUsize::new(0);
    let mut address = FOUND.load(Ordering::Acquire);
    if address == 0 {
        // SAFETY: `dlsym` with `RTLD_NEXT` and a NUL-terminated name only
        // looks the name up in the objects loaded after this one.
        address =
            unsafe { libc::dlsym(libc::RTLD_NEXT, c"__cxa_thread_atexit_impl".as_ptr()) } as usize;
        FOUND.store(address, Ordering::Release);
    }
    // SAFETY: a non-null `__cxa_thread_atexit_impl` found in libc is that
    // function, whose C signature `Register` spells.
    (address != 0).then(|| unsafe { std::mem::transmute::<usize, Register>(address) })
}

/// Something in this executable, never unloaded: glibc counts the
/// thread-end runner against it.
static ANCHOR: u8 = 0;

/// Runs this thread's remaining held destructors as it ends.
unsafe extern "C" fn run_at_exit(_: *mut c_void) {
    let thread = this_thread();
    while let Some(held) = take_newest(|held| held.thread == thread) {
        // SAFETY: as in `run_here`: a held destructor of a library that is
        // still mapped (`untrack` refuses while this thread holds one).
        unsafe { (held.dtor)(held.object) };
    }
}

/// Takes a registration: held when a tracked game library makes it on a
/// thread that calls game code, else glibc's.
///
/// # Safety
/// As glibc's: `dtor` must be safe to call once with `object` as this
/// thread ends, and `dso_symbol` must be an address inside the object that
/// registers it (std and libstdc++ pass `&__dso_handle`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __cxa_thread_atexit_impl(
    dtor: Dtor,
    object: *mut c_void,
    dso_symbol: *mut c_void,
) -> c_int {
    let Some(glibc) = glibc_register() else {
        // Nowhere to register: the destructor never runs, the value leaks.
        return -1;
    };
    if CALLS_GAME_CODE.get()
        && let Some(library) = load_address_of(dso_symbol as usize)
    {
        let thread = this_thread();
        let mut registry = registry();
        if registry.libraries.contains(&library) {
            registry.held.push(Held {
                thread,
                dtor,
                object,
                library,
            });
            drop(registry);
            if !RUNS_AT_EXIT.replace(true) {
                let anchor = std::ptr::addr_of!(ANCHOR).cast_mut().cast();
                // SAFETY: `run_at_exit` ignores its argument, and `anchor`
                // is in this executable, which stays mapped to the end.
                unsafe { glibc(run_at_exit, std::ptr::null_mut(), anchor) };
            }
            return 0;
        }
    }
    // SAFETY: the caller's guarantees are glibc's.
    unsafe { glibc(dtor, object, dso_symbol) }
}

/// glibc's `pthread_create`.
#[cfg(not(fuzzing))]
type Create = unsafe extern "C" fn(
    *mut libc::pthread_t,
    *const libc::pthread_attr_t,
    extern "C" fn(*mut c_void) -> *mut c_void,
    *mut c_void,
) -> c_int;

/// Starts a thread with glibc's `pthread_create`, first noting a tracked
/// game library whose code the thread starts in: that library is never
/// unloaded ([`untrack`] refuses), since the thread may run its code at
/// any time, even before it registers anything glibc would count.
///
/// Not in fuzz builds (`--cfg fuzzing`, set by cargo-fuzz): they load no
/// game library, and AddressSanitizer's own `pthread_create` must stay the
/// one threads start through, or its thread registry misses them and its
/// `pthread_detach` aborts.
///
/// # Safety
/// As glibc's `pthread_create`.
#[cfg(not(fuzzing))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pthread_create(
    thread: *mut libc::pthread_t,
    attributes: *const libc::pthread_attr_t,
    start: extern "C" fn(*mut c_void) -> *mut c_void,
    argument: *mut c_void,
) -> c_int {
    static FOUND: AtomicUsize = AtomicUsize::new(0);
    let mut address = FOUND.load(Ordering::Acquire);
    if address == 0 {
        // SAFETY: as in `glibc_register`.
        address = unsafe { libc::dlsym(libc::RTLD_NEXT, c"pthread_create".as_ptr()) } as usize;
        FOUND.store(address, Ordering::Release);
    }
    if address == 0 {
        return libc::EAGAIN;
    }
    if let Some(library) = load_address_of(start as usize) {
        let mut registry = registry();
        if registry.libraries.contains(&library) && !registry.started_threads.contains(&library) {
            registry.started_threads.push(library);
        }
    }
    // SAFETY: a non-null `pthread_create` found in libc is that function,
    // whose C signature `Create` spells.
    let glibc = unsafe { std::mem::transmute::<usize, Create>(address) };
    // SAFETY: the caller's guarantees are glibc's.
    unsafe { glibc(thread, attributes, start, argument) }
}
