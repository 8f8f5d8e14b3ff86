//! Where new libraries come from: the library watcher (any build tool) or the
//! dev loop (which runs cargo itself and knows when a build ends).

pub mod dev;
pub mod ship;
pub mod watcher;

use crate::error::ReloadError;
use crate::loader::library::GameLibrary;

/// A result of preparing a new build: a loaded library, or why it was refused.
pub type Prepared = Result<GameLibrary, ReloadError>;

/// Something that happened off the frame thread, for the next frame boundary.
#[derive(Debug)]
pub enum SourceEvent {
    /// A new library, loaded and checked and ready to swap in, or why it was refused.
    Prepared(Prepared),
    /// A build of the game code failed; the text is the compiler's first error.
    BuildFailed(String),
    /// A build of the game code started (the dev loop): with rustc run
    /// directly, or with cargo.
    Building {
        /// Whether rustc is run directly (not through cargo).
        direct: bool,
    },
    /// The build that started last was stopped: a newer save made it stale
    /// (the next build starts as soon as that save is whole).
    Stopped,
}

/// A producer of [`SourceEvent`]s, polled by the engine at each frame boundary.
pub trait ReloadSource: Send {
    /// The next event, if one is waiting. Must never block.
    fn poll(&mut self) -> Option<SourceEvent>;
}
