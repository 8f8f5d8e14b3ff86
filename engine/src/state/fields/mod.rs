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
//! [`check_values`] before game code sees them, and the bytes no value lives
//! in are zeroed: padding ([`Padding`], also after every game call) and the
//! free slots of lists ([`FreeSlots`]), so that equal states have equal bytes.

mod browse;
mod decode;
mod free;
mod migrate;
mod padding;
mod path;
mod read_at;
#[cfg(test)]
mod tests;
mod values;

use hotloop_abi::StateLayout;
use hotloop_abi::reflect::{Described, FieldKind};

pub use browse::{Browse, Elements, Row};
pub use decode::decode;
pub use free::FreeSlots;
pub use hotloop_abi::reflect::{InvalidValue, check_values};
pub use migrate::{MigrationReport, migrate};
pub use padding::Padding;
pub use path::{PathError, locate, write};
pub use read_at::ReadAt;
pub use values::{Entry, Value, entries, nudge, read, show, to_json};

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
    /// Its fields: a struct's, an array's element, a list's `len` and `items`.
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

    /// An array or a list as a run of elements, or `None`.
    pub fn sequence(&self) -> Option<Sequence<'_>> {
        match (self.kind, self.fields.as_slice()) {
            (FieldKind::Array, _) => Some(Sequence {
                element: self.element()?,
                items: 0,
                capacity: self.element_count(),
                len_at: None,
            }),
            (FieldKind::List, [len, items]) => Some(Sequence {
                element: items.element()?,
                items: items.offset,
                capacity: items.element_count(),
                len_at: Some(len.offset),
            }),
            _ => None,
        }
    }
}

/// An array or a list, walked element by element: what each element is,
/// where they start, how many slots there are, and (for a list) where the
/// number of live ones is kept. Offsets are from the field's own start.
#[derive(Clone, Copy, Debug)]
pub struct Sequence<'a> {
    /// Every element's description (at offset 0 of its slot).
    pub element: &'a FieldInfo,
    /// Where the first element starts.
    pub items: u64,
    /// How many slots: an array's length, a list's capacity.
    pub capacity: u64,
    /// A list's `len` (a `u32`); `None` for an array, all of whose slots live.
    pub len_at: Option<u64>,
}

impl Sequence<'_> {
    /// The size of one slot.
    pub fn stride(&self) -> u64 {
        self.element.size
    }

    /// How many elements are live in the field at `at` of `state`: every
    /// slot of an array; a list's `len`, at most its capacity (0 when the
    /// bytes are not there).
    pub fn live(&self, state: &(impl ReadAt + ?Sized), at: u64) -> u64 {
        let Some(len_at) = self.len_at else {
            return self.capacity;
        };
        usize::try_from(at.saturating_add(len_at))
            .ok()
            .and_then(|start| state.u32_at(start))
            .map_or(0, u64::from)
            .min(self.capacity)
    }

    /// Where slot `index` starts, from the field's start.
    pub fn slot(&self, index: u64) -> u64 {
        self.items + index * self.stride()
    }
}

/// A state's field table as the engine keeps it: decoded and checked
/// against the state's layout, with the bytes it came in (saved beside the
/// state in snapshots and session files) and where its padding is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldTable {
    fields: Vec<FieldInfo>,
    bytes: Vec<u8>,
    /// The size of the state it was checked against.
    size: u64,
    padding: Padding,
    free: FreeSlots,
}

impl FieldTable {
    /// Decodes `bytes` and checks the table against `layout`.
    ///
    /// # Errors
    /// What is malformed, naming the field.
    pub fn decode(bytes: Vec<u8>, layout: StateLayout) -> Result<Self, String> {
        let fields = decode(&bytes, layout)?;
        let padding = Padding::of(&fields, layout.size);
        let free = FreeSlots::of(&fields);
        Ok(Self {
            fields,
            bytes,
            size: layout.size,
            padding,
            free,
        })
    }

    /// The size of the state the table was checked against.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Whether the state has padding bytes, which game code's writes leave
    /// uninitialised.
    pub fn has_padding(&self) -> bool {
        !self.padding.is_empty()
    }

    /// Whether any padding byte of the state lies in `range`.
    pub fn has_padding_in(&self, range: std::ops::Range<usize>) -> bool {
        self.padding.overlaps(range)
    }

    /// Calls `gap` with the byte range of every padding gap of the state.
    pub fn padding_gaps(&self, gap: impl FnMut(std::ops::Range<usize>)) {
        self.padding.gaps(gap);
    }

    /// The fields, top level first.
    pub fn fields(&self) -> &[FieldInfo] {
        &self.fields
    }

    /// The table, unless no library ever described the state (an empty
    /// table is saved as none).
    pub fn described(&self) -> Option<&Self> {
        (!self.bytes.is_empty()).then_some(self)
    }

    /// Whether `other` puts the same values at the same places: names,
    /// offsets, sizes, alignments, kinds and type fingerprints, through
    /// every nested field. How types are spelled and former names do not
    /// count. Layout fingerprints are 64-bit hashes that can be made to
    /// collide; two loaded tables that agree cannot be fooled that way.
    pub fn same_places_as(&self, other: &Self) -> bool {
        fn place(f: &FieldInfo) -> (&str, [u64; 4], FieldKind) {
            (&f.name, [f.offset, f.size, f.align, f.fingerprint], f.kind)
        }
        fn same(a: &[FieldInfo], b: &[FieldInfo]) -> bool {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(a, b)| place(a) == place(b) && same(&a.fields, &b.fields))
        }
        same(&self.fields, &other.fields)
    }

    /// The table in the library's wire format.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Sets the padding bytes of `state` to zero (nothing to do for most
    /// states). Game code's own writes need only this: a list zeroes the
    /// slots it frees itself.
    pub fn zero_padding(&self, state: &mut [u8]) {
        if !self.padding.is_empty() {
            self.padding.zero(state);
        }
    }

    /// Sets every byte no value lives in to zero: padding, and the slots of
    /// each list past its length. For bytes from outside game code, whose
    /// free slots may hold anything; checked with [`check_values`] first.
    pub fn zero_unused(&self, state: &mut [u8]) {
        self.free.zero(state);
        self.zero_padding(state);
    }

    /// Checks bytes that came from outside game code (a file, a migration,
    /// the inspector) before game code sees them, and zeroes the bytes no
    /// value lives in ([`FieldTable::zero_unused`]).
    ///
    /// # Errors
    /// The first field that does not hold a valid value (a list longer than
    /// its capacity, say); `state` is then left as it was.
    pub fn admit(&self, state: &mut [u8]) -> Result<(), InvalidValue> {
        check_values(&self.fields, state)?;
        self.zero_unused(state);
        Ok(())
    }
}
