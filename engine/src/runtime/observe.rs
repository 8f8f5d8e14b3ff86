//! What the engine shows its callers (window, headless runner, tests,
//! tools) between steps: read-only views of its state, counters, messages
//! and configuration.

use std::path::Path;
use std::sync::Arc;

use hotloop_abi::StateLayout;

use super::{Engine, EngineConfig, ReloadRecord, ReloadStats};
use crate::assets::AssetStore;
use crate::loader::library::GameDisplay;
use crate::loader::shadow::ShadowDir;
use crate::state::StateBuffer;
use crate::state::fields::FieldTable;

impl Engine {
    /// The assets game code sees.
    pub fn assets(&self) -> &AssetStore {
        &self.assets
    }

    /// The state's bytes.
    pub fn state_bytes(&self) -> &[u8] {
        self.state.bytes()
    }

    /// The running state, to read values in place without zeroing its
    /// padding (see [`StateBuffer::copy_unpadded`]).
    pub fn state_buffer(&self) -> &StateBuffer {
        &self.state
    }

    /// The running library's field table.
    pub fn field_table(&self) -> &Arc<FieldTable> {
        &self.table
    }

    /// The state's layout.
    pub fn layout(&self) -> StateLayout {
        self.state.layout()
    }

    /// Whether the copy taken before each step copies only the pages of
    /// the state written since the last one (see [`StepCopy`](crate::state::StepCopy)).
    pub fn copies_written_pages_only(&self) -> bool {
        self.before_step.is_tracked()
    }

    /// Steps run so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Counters of reloads and failures.
    pub fn stats(&self) -> &ReloadStats {
        &self.stats
    }

    /// The library generation running now.
    pub fn generation(&self) -> u64 {
        self.stats.generation
    }

    /// Every library swapped in, oldest first.
    pub fn history(&self) -> &[ReloadRecord] {
        &self.history
    }

    /// The last failure, until a good library is swapped in.
    pub fn current_error(&self) -> Option<&str> {
        self.messages.error()
    }

    /// Something the developer should know that is not a failure (the state
    /// was migrated, or saved to a snapshot), until the next reload.
    pub fn notice(&self) -> Option<&str> {
        self.messages.notice()
    }

    /// The note, if it is newer than the problem on screen (the window
    /// shows it above the red banner then).
    pub fn fresh_notice(&self) -> Option<&str> {
        self.messages.fresh_notice()
    }

    /// Whether game logic is paused after a panic.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Whether the dev loop is building the game code now.
    pub fn is_building(&self) -> bool {
        self.building.is_some()
    }

    /// How the running game is shown: the size of the framebuffer that
    /// [`Engine::render`] draws and [`Frame`](hotloop_abi::Frame) reports, the fixed update
    /// rate and the window title. A reload may change it, at the frame
    /// boundary; [`EngineConfig::size`] and [`EngineConfig::rate`] apply to
    /// a library that declares none.
    pub fn display(&self) -> &GameDisplay {
        &self.display
    }

    /// The configuration the engine was started with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The directory of shadow copies (removed when the engine is dropped).
    pub fn shadow_dir(&self) -> &Path {
        self.shadows.path()
    }

    /// The shadow directory, for a [`ReloadSource`](crate::source::ReloadSource) that loads libraries.
    pub fn shadows(&self) -> Arc<ShadowDir> {
        self.shadows.clone()
    }
}
