//! Memory that outlives an engine process: the state and its per-step copy
//! as mapped files, and the control block of atomics that the supervisor
//! reads to tell a crash or a hang from a clean exit. Also which pages of
//! the state a step wrote ([`WrittenPages`]), so that the per-step copy
//! copies only those. Every such file has its bytes reserved when it is
//! created ([`room`]): a full `/dev/shm` is then an error, never a SIGBUS.
//! Below everything that uses it: the state buffer, the loader (which marks
//! each game call) and the session.

pub mod control;
#[allow(unsafe_code)] // Mapping files; each block argued in `mapping.rs`.
mod mapping;
pub mod room;
#[cfg(target_os = "linux")]
#[allow(unsafe_code)] // Asking the kernel which pages were written; argued in `written.rs`.
mod written;
#[cfg(not(target_os = "linux"))]
#[path = "written_elsewhere.rs"]
mod written;

pub use mapping::{ControlMap, SharedBytes};
pub use written::WrittenPages;
