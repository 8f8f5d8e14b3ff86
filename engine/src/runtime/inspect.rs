//! Looking into the running game: its own summary line, the state's fields
//! (the inspector, `--dump-state`), and per-system timings (F4).

use super::Engine;
use crate::loader::library::GameLibrary;
use crate::runtime::profile::SystemProfile;
use crate::state::fields::{self, Entry, Value};

impl Engine {
    /// The game's one-line summary of its state, if `describe` succeeds.
    pub fn describe(&self) -> Option<String> {
        self.library
            .as_ref()?
            .describe(&self.state)
            .ok()
            .filter(|text| !text.is_empty())
    }

    /// The state's fields as the inspector lists them, with the running
    /// library's field table.
    pub fn state_entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Changes the `index`th entry of [`Engine::state_entries`] by `steps`
    /// (see [`fields::nudge`]); call it between frames. The new value is
    /// checked against the field table before game code can see it.
    pub fn nudge(&mut self, index: usize, steps: i32) -> Option<Value> {
        let entry = self.entries.get(index)?;
        let span = entry.offset..entry.offset + entry.size as usize;
        let mut was = [0u8; 16];
        let was = &mut was[..span.len().min(16)];
        was.copy_from_slice(self.state.bytes().get(span.start..span.start + was.len())?);
        let value = fields::nudge(entry, self.state.bytes_mut(), steps)?;
        if let Err(invalid) = self.table.admit(self.state.bytes_mut()) {
            log::error!("nudge refused: {invalid}");
            self.state.bytes_mut()[span.start..span.start + was.len()].copy_from_slice(was);
            return None;
        }
        log::info!("{} = {value}", entry.path);
        Some(value)
    }

    /// The state's fields and values as JSON.
    pub fn state_json(&self) -> serde_json::Value {
        fields::to_json(self.table.fields(), self.state.bytes())
    }

    /// Starts or stops timing each system (see [`Engine::profile`]).
    pub fn set_profiling(&mut self, on: bool) {
        self.profile = on.then(|| self.new_profile());
    }

    /// Per-system timings, while they are on.
    pub fn profile(&mut self) -> Option<&mut SystemProfile> {
        self.profile.as_mut()
    }

    pub(super) fn new_profile(&self) -> SystemProfile {
        let systems = self.library.as_ref().map_or(&[][..], GameLibrary::systems);
        SystemProfile::new(systems, self.display.rate)
    }

    /// A new library may have other systems: time those from now on.
    pub(super) fn restart_profile(&mut self) {
        if self.profile.is_some() {
            self.profile = Some(self.new_profile());
        }
    }
}
