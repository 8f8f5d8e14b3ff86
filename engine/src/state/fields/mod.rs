//! The state's field table, as the engine sees it: decoded from the bytes a
//! library writes, checked against the state's layout before any use, then
//! used to carry a state over a layout change by field name, to show values
//! in the inspector and `--dump-state`, and to nudge them.
//!
//! Every offset and size is checked here, once, when a library is loaded: a
//! malformed or hostile table is refused and the library with it. All later
//! byte access goes through checked slice indexing as well.
//!
//! Bytes that did not come from the game's own `init`/`update` (a snapshot,
//! a recording, a migration, an inspector nudge) are checked with
//! [`check_values`] before game code sees them, and padding is zeroed
//! ([`Padding`]) so that equal states have equal bytes.

mod decode;
mod migrate;
mod padding;
mod path;
mod values;

use hotloop_abi::StateLayout;
use hotloop_abi::reflect::{Described, FieldKind};

pub use decode::decode;
pub use hotloop_abi::reflect::{InvalidValue, check_values};
pub use migrate::{MigrationReport, migrate};
pub use padding::Padding;
pub use path::{PathError, locate, write};
pub use values::{Entry, Value, entries, nudge, read, to_json};

/// One described field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    /// Its name.
    pub name: String,
    /// The name it had before, if it was renamed.
    pub old_name: Option<String>,
    /// Its type, as written.
    pub type_name: String,
    /// Byte offset in its struct.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
    /// Alignment in bytes.
    pub align: u64,
    /// Its type's fingerprint: equal fingerprints mean equal types.
    pub fingerprint: u64,
    /// How to show it.
    pub kind: FieldKind,
    /// Its fields, for a described struct.
    pub fields: Vec<FieldInfo>,
}

impl Described for FieldInfo {
    fn name(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> FieldKind {
        self.kind
    }
    fn offset(&self) -> u64 {
        self.offset
    }
    fn size(&self) -> u64 {
        self.size
    }
    fn fields(&self) -> &[Self] {
        &self.fields
    }
}

impl FieldInfo {
    /// An array's element (its one nested field), or `None`.
    pub fn element(&self) -> Option<&FieldInfo> {
        match (self.kind, self.fields.as_slice()) {
            (FieldKind::Array, [element]) => Some(element),
            _ => None,
        }
    }

    /// How many elements an array holds (0 for anything else).
    pub fn element_count(&self) -> u64 {
        self.element()
            .and_then(|element| self.size.checked_div(element.size))
            .unwrap_or(0)
    }
}

/// A state's field table as the engine keeps it: decoded and checked
/// against the state's layout, with the bytes it came in (saved beside the
/// state in snapshots and session files) and where its padding is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldTable {
    fields: Vec<FieldInfo>,
    bytes: Vec<u8>,
    padding: Padding,
}

impl FieldTable {
    /// Decodes `bytes` and checks the table against `layout`.
    ///
    /// # Errors
    /// What is malformed, naming the field.
    pub fn decode(bytes: Vec<u8>, layout: StateLayout) -> Result<Self, String> {
        let fields = decode(&bytes, layout)?;
        let padding = Padding::of(&fields, layout.size);
        Ok(Self {
            fields,
            bytes,
            padding,
        })
    }

    /// The fields, top level first.
    pub fn fields(&self) -> &[FieldInfo] {
        &self.fields
    }

    /// The table in the library's wire format.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Sets the padding bytes of `state` to zero (nothing to do for most states).
    pub fn zero_padding(&self, state: &mut [u8]) {
        if !self.padding.is_empty() {
            self.padding.zero(state);
        }
    }

    /// Checks bytes that came from outside game code (a file, a migration,
    /// the inspector) before game code sees them, and zeroes their padding.
    ///
    /// # Errors
    /// The first field that does not hold a valid value; `state` is then
    /// left as it was.
    pub fn admit(&self, state: &mut [u8]) -> Result<(), InvalidValue> {
        check_values(&self.fields, state)?;
        self.zero_padding(state);
        Ok(())
    }
}
