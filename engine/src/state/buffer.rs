//! The engine-owned state buffer: raw bytes with the game's size and alignment.
//!
//! It outlives every library. Game code sees it as its `State` type; the engine
//! only ever sees bytes, plus the layout that says which type they hold.
//!
//! Game code's typed writes leave the state's padding bytes uninitialised,
//! and reading those as bytes would be undefined behaviour. Rather than
//! zeroing the padding after every call into game code (a pass over the
//! state each step, whether anyone looks at the bytes or not), the buffer
//! remembers that game code wrote it and zeroes the padding the next time
//! its bytes are read. Copies taken in the meantime (the rollback copy
//! before each step) copy raw memory and carry that mark along.

use std::cell::{Cell, UnsafeCell};
use std::sync::Arc;

use hotloop_abi::StateLayout;

use crate::shared::SharedBytes;
use crate::state::fields::FieldTable;

/// Largest state the engine agrees to allocate.
pub const MAX_STATE_SIZE: u64 = 256 << 20;
/// Largest alignment the engine agrees to honour.
pub const MAX_STATE_ALIGN: u64 = 4096;

/// Zeroed, aligned bytes for one state value.
///
/// Not `Sync`: reading the bytes through `&self` may first zero the
/// padding (see the module's documentation).
pub struct StateBuffer {
    storage: UnsafeCell<Storage>,
    layout: StateLayout,
    /// The table of the last library that wrote these bytes: where their
    /// padding is.
    padding: Option<Arc<FieldTable>>,
    /// Whether game code may have written the bytes since their padding was
    /// last zeroed (so the padding may be uninitialised).
    unzeroed: Cell<bool>,
}

/// Where a state's bytes live.
enum Storage {
    /// On the heap. Alignment comes from over-allocating and starting at the
    /// first aligned byte; the vector never grows, so the start never moves.
    Heap { bytes: Vec<u8>, start: usize },
    /// In a shared-memory file that outlives the process (supervised
    /// sessions): page-aligned, so every accepted alignment holds.
    Shared(SharedBytes),
}

impl Storage {
    fn bytes(&self, size: usize) -> &[u8] {
        match self {
            Storage::Heap { bytes, start } => &bytes[*start..*start + size],
            Storage::Shared(shared) => shared.bytes(),
        }
    }

    fn bytes_mut(&mut self, size: usize) -> &mut [u8] {
        match self {
            Storage::Heap { bytes, start } => &mut bytes[*start..*start + size],
            Storage::Shared(shared) => shared.bytes_mut(),
        }
    }

    /// The first byte, for writes that must not read (or make a reference
    /// to) bytes that may be uninitialised; `size` bytes follow it.
    fn as_mut_ptr(&mut self, size: usize) -> *mut u8 {
        match self {
            Storage::Heap { bytes, start } => {
                assert!(*start + size <= bytes.len(), "state bytes out of bounds");
                bytes.as_mut_ptr().wrapping_add(*start)
            }
            Storage::Shared(shared) => shared.as_mut_ptr(),
        }
    }

    /// The first byte, for reads as the state's type or raw copies.
    fn as_ptr(&self) -> *const u8 {
        match self {
            Storage::Heap { bytes, start } => bytes.as_ptr().wrapping_add(*start),
            Storage::Shared(shared) => shared.as_ptr(),
        }
    }
}

impl StateBuffer {
    /// Zeroed bytes for `layout`, or why that layout is refused. A state
    /// whose written pages are tracked ([`TRACK_FROM`](super::TRACK_FROM))
    /// gets whole pages of its own: pages shared with other allocations
    /// would be written by them too, and copied for nothing.
    pub fn zeroed(layout: StateLayout) -> Result<Self, &'static str> {
        check_layout(layout)?;
        let (mut size, mut align) = (layout.size as usize, layout.align as usize);
        if layout.size >= super::TRACK_FROM {
            const PAGE: usize = 4096;
            (size, align) = (size.next_multiple_of(PAGE), align.max(PAGE));
        }
        let bytes = vec![0u8; size + align - 1];
        let start = bytes.as_ptr().align_offset(align);
        Ok(Self::new(Storage::Heap { bytes, start }, layout))
    }

    /// The state in `bytes` (a mapping of exactly `layout.size` bytes).
    pub fn shared(bytes: SharedBytes, layout: StateLayout) -> Result<Self, &'static str> {
        check_layout(layout)?;
        if bytes.bytes().len() as u64 != layout.size {
            return Err("the shared state file has another size than the layout");
        }
        if !(bytes.bytes().as_ptr() as usize).is_multiple_of(layout.align as usize) {
            return Err("the shared state is not aligned for the layout");
        }
        Ok(Self::new(Storage::Shared(bytes), layout))
    }

    fn new(storage: Storage, layout: StateLayout) -> Self {
        Self {
            storage: UnsafeCell::new(storage),
            layout,
            padding: None,
            unzeroed: Cell::new(false),
        }
    }

    /// The layout these bytes are for.
    pub fn layout(&self) -> StateLayout {
        self.layout
    }

    /// The state's bytes, its padding zeroed first if game code wrote it.
    pub fn bytes(&self) -> &[u8] {
        self.zero_padding();
        // SAFETY: no `&mut Storage` exists: the only ones are made by
        // `&mut self` methods, whose borrows have ended, and in
        // `zero_padding`, which has returned and which nothing can re-enter
        // meanwhile (the buffer is not `Sync`).
        let storage = unsafe { &*self.storage.get() };
        storage.bytes(self.layout.size as usize)
    }

    /// Copies the state's bytes from `offset` into `out`, as they are:
    /// `false` (and `out` untouched) when they run past the state or hold
    /// padding that game code may have left uninitialised. Unlike
    /// [`StateBuffer::bytes`] it zeroes nothing, so a field read every step
    /// (the music) writes none of the state's pages, which would then be
    /// copied for rollback.
    pub fn copy_unpadded(&self, offset: usize, out: &mut [u8]) -> bool {
        let size = self.layout.size as usize;
        let Some(end) = offset.checked_add(out.len()).filter(|&end| end <= size) else {
            return false;
        };
        if self.unzeroed.get()
            && self
                .padding
                .as_ref()
                .is_some_and(|table| table.has_padding_in(offset..end))
        {
            return false;
        }
        // SAFETY: `offset..end` lies within the state's `size` bytes
        // (checked above), which are initialised but for padding that game
        // code wrote around, and there is none in this range: either the
        // padding is zeroed (not `unzeroed`) or the table of the library
        // that last wrote the state says so (a buffer is marked unzeroed
        // only together with that table, in `written_by`). The read goes
        // through the storage's raw pointer into `out`, which is not the
        // state: no reference to the state's bytes is made or kept.
        unsafe {
            std::ptr::copy_nonoverlapping(self.as_ptr().add(offset), out.as_mut_ptr(), out.len());
        }
        true
    }

    /// The state's bytes, mutably, its padding zeroed first if game code
    /// wrote it.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.zero_padding();
        let size = self.layout.size as usize;
        self.storage.get_mut().bytes_mut(size)
    }

    /// The first byte, for game code to write the state through (as the
    /// type `table` describes); the bytes are not read or zeroed here, and
    /// their padding is zeroed before they are next read as bytes.
    #[inline]
    pub(crate) fn written_by(&mut self, table: &Arc<FieldTable>) -> *mut u8 {
        if table.has_padding() {
            if !self
                .padding
                .as_ref()
                .is_some_and(|known| Arc::ptr_eq(known, table))
            {
                self.learn_padding(table);
            }
            self.unzeroed.set(true);
        }
        self.storage.get_mut().as_mut_ptr(self.layout.size as usize)
    }

    /// Takes `table`'s padding as the one to zero: once per library that
    /// writes this buffer, so out of `written_by`'s way.
    #[cold]
    fn learn_padding(&mut self, table: &Arc<FieldTable>) {
        assert_eq!(
            table.size(),
            self.layout.size,
            "a field table for another state size"
        );
        self.padding = Some(table.clone());
    }

    /// The first byte, for game code to read the state through (as its
    /// type): padding may be uninitialised, which a typed read allows.
    pub(crate) fn as_ptr(&self) -> *const u8 {
        // SAFETY: as in `bytes`: no `&mut Storage` exists now.
        unsafe { &*self.storage.get() }.as_ptr()
    }

    /// Copies `other`'s bytes into this buffer without allocating.
    ///
    /// # Panics
    /// When the two buffers hold different layouts.
    pub fn copy_from(&mut self, other: &StateBuffer) {
        self.copy_range_from(other, 0..self.layout.size as usize);
        self.unzeroed.set(other.unzeroed.get());
    }

    /// Copies `range` of `other`'s bytes into the same place of this
    /// buffer, as raw memory: padding that game code left uninitialised
    /// stays so, and is zeroed when these bytes are next read.
    ///
    /// # Panics
    /// When the two buffers hold different layouts, or `range` is not
    /// within them.
    pub fn copy_range_from(&mut self, other: &StateBuffer, range: std::ops::Range<usize>) {
        assert_eq!(
            self.layout, other.layout,
            "state copy between different layouts"
        );
        let size = self.layout.size as usize;
        assert!(
            range.start <= range.end && range.end <= size,
            "state copy out of bounds"
        );
        if other.unzeroed.get() {
            self.unzeroed.set(true);
            if self.padding.is_none() {
                self.padding = other.padding.clone();
            }
        }
        let to = self.storage.get_mut().as_mut_ptr(size);
        let from = other.as_ptr();
        // SAFETY: both buffers hold `size` bytes (the same layout) and
        // `range` lies within them (asserted); they are two buffers (`&mut
        // self` and `&other` cannot be the same), so the ranges do not
        // overlap. A raw copy reads no byte as a value, so padding that may
        // be uninitialised is copied as it is.
        unsafe {
            std::ptr::copy_nonoverlapping(from.add(range.start), to.add(range.start), range.len())
        };
    }

    /// Zeroes the padding if game code wrote the bytes since it was last
    /// zeroed, by writes alone: the padding may be uninitialised, so it is
    /// neither read nor referenced.
    fn zero_padding(&self) {
        if !self.unzeroed.get() {
            return;
        }
        let size = self.layout.size as usize;
        // SAFETY: the buffer is not `Sync` and this function calls nothing
        // that could reach it again, so no other reference to the storage is
        // in use: every `&[u8]` handed out by `bytes` borrowed the buffer
        // while it was zeroed, and it can only be marked unzeroed again
        // through `&mut self`, which ends those borrows.
        let base = unsafe { &mut *self.storage.get() }.as_mut_ptr(size);
        if let Some(table) = &self.padding {
            table.padding_gaps(|gap| {
                let gap = gap.start.min(size)..gap.end.min(size);
                // SAFETY: `gap` lies within the `size` bytes at `base`
                // (clipped above), which nothing else references now.
                unsafe { base.add(gap.start).write_bytes(0, gap.len()) };
            });
        }
        self.unzeroed.set(false);
    }
}

impl Clone for StateBuffer {
    /// A copy on the heap. (A derived clone would copy `start`, which is
    /// only right for the original allocation.)
    fn clone(&self) -> Self {
        let mut copy = Self::zeroed(self.layout).expect("layout was checked when first allocated");
        copy.copy_from(self);
        copy
    }
}

impl std::fmt::Debug for StateBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateBuffer")
            .field("layout", &self.layout)
            .finish_non_exhaustive()
    }
}

/// Why `layout` cannot be allocated, if it cannot.
pub fn check_layout(layout: StateLayout) -> Result<(), &'static str> {
    if !layout.align.is_power_of_two() {
        return Err("alignment is not a power of two");
    }
    if layout.align > MAX_STATE_ALIGN {
        return Err("alignment above 4096 bytes");
    }
    if layout.size > MAX_STATE_SIZE {
        return Err("state larger than 256 MiB");
    }
    if !layout.size.is_multiple_of(layout.align) {
        return Err("size is not a multiple of the alignment");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(size: u64, align: u64) -> StateLayout {
        StateLayout {
            size,
            align,
            fingerprint: 7,
        }
    }

    #[test]
    fn buffer_is_aligned_zeroed_and_sized() {
        for align in [1, 2, 8, 64, 4096] {
            let buffer = StateBuffer::zeroed(layout(align * 3, align)).unwrap();
            assert_eq!(buffer.bytes().len() as u64, align * 3);
            assert_eq!(buffer.bytes().as_ptr() as usize % align as usize, 0);
            assert!(buffer.bytes().iter().all(|b| *b == 0));
        }
    }

    #[test]
    fn clone_keeps_alignment_and_bytes() {
        let mut buffer = StateBuffer::zeroed(layout(128, 64)).unwrap();
        buffer.bytes_mut()[5] = 9;
        let copy = buffer.clone();
        assert_eq!(copy.bytes().as_ptr() as usize % 64, 0);
        assert_eq!(copy.bytes(), buffer.bytes());
    }

    #[test]
    fn a_tracked_state_has_whole_pages_of_its_own() {
        let size = crate::state::TRACK_FROM + 24;
        let mut buffer = StateBuffer::zeroed(layout(size, 8)).unwrap();
        assert_eq!(buffer.bytes().len() as u64, size);
        assert_eq!(buffer.bytes().as_ptr() as usize % 4096, 0);
        let Storage::Heap { bytes, start } = buffer.storage.get_mut() else {
            unreachable!("on the heap");
        };
        assert!(bytes.len() - *start >= (size as usize).next_multiple_of(4096));
    }

    hotloop_abi::state! {
        struct Padded { flag: u8, ticks: u64 }
    }

    fn padded_table() -> Arc<FieldTable> {
        let mut bytes = Vec::new();
        hotloop_abi::reflect::table_of::<Padded>(&mut bytes);
        Arc::new(FieldTable::decode(bytes, StateLayout::of::<Padded>()).expect("a table"))
    }

    /// What game code's typed write may leave in the padding: anything.
    fn write_as_game_code(buffer: &mut StateBuffer, table: &Arc<FieldTable>) {
        let _ = buffer.written_by(table);
        buffer.bytes_of_test().copy_from_slice(&[
            7, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 9, 0, 0, 0, 0, 0, 0, 0,
        ]);
    }

    impl StateBuffer {
        /// The storage, written without zeroing anything: a test's stand-in
        /// for game code writing through the pointer.
        fn bytes_of_test(&mut self) -> &mut [u8] {
            let size = self.layout.size as usize;
            self.storage.get_mut().bytes_mut(size)
        }
    }

    #[test]
    fn padding_written_by_game_code_is_zeroed_when_the_bytes_are_next_read() {
        let table = padded_table();
        let mut state = StateBuffer::zeroed(StateLayout::of::<Padded>()).unwrap();
        write_as_game_code(&mut state, &table);
        assert!(state.unzeroed.get(), "marked until read");
        let mut copy = StateBuffer::zeroed(state.layout()).unwrap();
        copy.copy_from(&state);
        assert!(copy.unzeroed.get(), "a raw copy carries the mark along");
        let expected = [7u8, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(state.bytes(), expected);
        assert!(!state.unzeroed.get());
        assert_eq!(copy.bytes_mut(), expected);
        // A range copy marks the whole copy.
        write_as_game_code(&mut state, &table);
        let mut part = StateBuffer::zeroed(state.layout()).unwrap();
        part.copy_range_from(&state, 0..8);
        assert_eq!(
            part.bytes(),
            [7u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn fields_without_padding_are_read_in_place_and_nothing_is_zeroed() {
        let table = padded_table();
        let mut state = StateBuffer::zeroed(StateLayout::of::<Padded>()).unwrap();
        write_as_game_code(&mut state, &table);
        let mut ticks = [0u8; 8];
        assert!(state.copy_unpadded(8, &mut ticks));
        assert_eq!(ticks, 9u64.to_ne_bytes());
        let mut flag = [0u8; 1];
        assert!(state.copy_unpadded(0, &mut flag));
        assert_eq!(flag, [7]);
        assert!(state.unzeroed.get(), "the padding is left alone");
        // Padding, or past the end: refused, `out` untouched.
        let mut untouched = [5u8; 2];
        assert!(!state.copy_unpadded(0, &mut untouched));
        assert!(!state.copy_unpadded(15, &mut untouched));
        assert!(!state.copy_unpadded(usize::MAX, &mut untouched));
        assert_eq!(untouched, [5, 5]);
        // Once zeroed, every byte is defined.
        let _ = state.bytes();
        assert!(state.copy_unpadded(0, &mut untouched));
        assert_eq!(untouched, [7, 0]);
    }

    #[test]
    fn a_state_without_padding_is_never_marked() {
        hotloop_abi::state! {
            struct Tight { a: u32, b: u32 }
        }
        let mut bytes = Vec::new();
        hotloop_abi::reflect::table_of::<Tight>(&mut bytes);
        let table = Arc::new(FieldTable::decode(bytes, StateLayout::of::<Tight>()).unwrap());
        let mut state = StateBuffer::zeroed(StateLayout::of::<Tight>()).unwrap();
        let _ = state.written_by(&table);
        assert!(!state.unzeroed.get());
    }

    #[test]
    #[should_panic(expected = "state copy out of bounds")]
    fn a_range_copy_past_the_end_panics() {
        let from = StateBuffer::zeroed(layout(16, 8)).unwrap();
        let mut to = StateBuffer::zeroed(layout(16, 8)).unwrap();
        to.copy_range_from(&from, 8..24);
    }

    #[test]
    fn absurd_layouts_are_refused() {
        assert!(StateBuffer::zeroed(layout(16, 3)).is_err());
        assert!(StateBuffer::zeroed(layout(8192, 8192)).is_err());
        assert!(StateBuffer::zeroed(layout(MAX_STATE_SIZE + 8, 8)).is_err());
        assert!(StateBuffer::zeroed(layout(12, 8)).is_err());
    }
}
