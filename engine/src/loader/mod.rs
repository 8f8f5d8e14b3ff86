//! Getting a game library into the process safely, and out again: the ELF
//! check before `dlopen`, where shadow copies can run, private shadow
//! copies, the loaded library and its entry points, the thread-local
//! destructors game code registers (held so that old builds can unload),
//! and the thread that unloads old libraries off the frame thread.

#[allow(unsafe_code)] // One probe mapping, argued in `code_dir.rs`.
pub mod code_dir;
pub mod file_check;
#[allow(unsafe_code)] // The loader and the ABI boundary.
pub mod library;
pub mod retire;
pub mod shadow;
#[cfg(all(target_os = "linux", feature = "hot-reload"))]
#[allow(unsafe_code)] // glibc's thread-local destructor registration, interposed.
pub mod thread_dtors;
#[cfg(not(all(target_os = "linux", feature = "hot-reload")))]
#[path = "thread_dtors_elsewhere.rs"]
pub mod thread_dtors;
