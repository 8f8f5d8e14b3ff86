//! Looking into the running game: its own summary line, the state's fields
//! (the inspector, `--dump-state`), and per-system timings (F4).

use super::Engine;
use crate::loader::library::GameLibrary;
use crate::runtime::profile::SystemProfile;
use crate::state::fields::{self, Entry, FieldInfo, InvalidValue, PathError, Value};

impl Engine {
    /// The game's one-line summary of its state, if `describe` succeeds.
    pub fn describe(&self) -> Option<String> {
        self.library
            .as_ref()?
            .describe(&self.state)
            .ok()
            .filter(|text| !text.is_empty())
    }

    /// The running library's field table, as the inspector walks it.
    pub fn state_fields(&self) -> &[FieldInfo] {
        self.table.fields()
    }

    /// Changes the value `entry` names by `steps` (see [`fields::nudge`]);
    /// call it between frames. The new value is checked against the field
    /// table before game code can see it (so any entry is safe to pass:
    /// one past a list's length is zeroed again, a length past the
    /// capacity is refused).
    pub fn nudge_entry(&mut self, entry: &Entry, steps: i32) -> Option<Value> {
        match self.write_checked(entry, |bytes| fields::nudge(entry, bytes, steps)) {
            Ok(value) => {
                let value = value?;
                log::info!("{} = {value}", entry.path);
                Some(value)
            }
            Err(invalid) => {
                log::error!("nudge refused: {invalid}");
                None
            }
        }
    }

    /// The value at `path` (`player.pos.x`, `cells[3].alive`), read
    /// through the field table.
    ///
    /// # Errors
    /// When the path names no single value.
    pub fn field(&self, path: &str) -> Result<Value, PathError> {
        let entry = fields::locate(self.table.fields(), path, self.state.bytes())?;
        Ok(fields::read(&entry, self.state.bytes()))
    }

    /// Writes `value` at `path`; call it between steps. The value must fit
    /// the field's type, and the state is checked as a whole afterwards (a
    /// list's `len` within its capacity; slots it frees are zeroed), so it
    /// stays valid for game code; a refused write changes nothing.
    ///
    /// # Errors
    /// When the path names no single value or the value does not fit.
    pub fn set_field(&mut self, path: &str, value: Value) -> Result<(), PathError> {
        let entry = fields::locate(self.table.fields(), path, self.state.bytes())?;
        self.write_checked(&entry, |bytes| fields::write(&entry, bytes, value.clone()))
            .map_err(|invalid| PathError::DoesNotFit {
                path: path.to_owned(),
                kind: entry.kind,
                value: format!("{value} ({invalid})"),
            })?
    }

    /// Runs `write` on the state's bytes (it changes at most the scalar
    /// `entry` names), then checks the state as a whole; a state refused
    /// gets `entry`'s bytes back as they were, so game code never sees it.
    fn write_checked<T>(
        &mut self,
        entry: &Entry,
        write: impl FnOnce(&mut [u8]) -> T,
    ) -> Result<T, InvalidValue> {
        let span = entry.offset..entry.offset + (entry.size as usize).min(16);
        let mut was = [0u8; 16];
        let was = &mut was[..span.len()];
        if let Some(bytes) = self.state.bytes().get(span.clone()) {
            was.copy_from_slice(bytes);
        }
        let written = write(self.state.bytes_mut());
        if let Err(invalid) = self.table.admit(self.state.bytes_mut()) {
            if let Some(bytes) = self.state.bytes_mut().get_mut(span) {
                bytes.copy_from_slice(was);
            }
            return Err(invalid);
        }
        Ok(written)
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

    /// The per-system timings, to show them (F4), if they are being taken.
    pub fn system_timings(&self) -> Option<&SystemProfile> {
        self.profile.as_ref()
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
