//! The engine-owned state buffer: raw bytes with the game's size and alignment.
//!
//! It outlives every library. Game code sees it as its `State` type; the engine
//! only ever sees bytes, plus the layout that says which type they hold.

use hotloop_abi::StateLayout;

use crate::shared::SharedBytes;

/// Largest state the engine agrees to allocate.
pub const MAX_STATE_SIZE: u64 = 256 << 20;
/// Largest alignment the engine agrees to honour.
pub const MAX_STATE_ALIGN: u64 = 4096;

/// Zeroed, aligned bytes for one state value.
pub struct StateBuffer {
    storage: Storage,
    layout: StateLayout,
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
        Ok(Self {
            storage: Storage::Heap { bytes, start },
            layout,
        })
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
        Ok(Self {
            storage: Storage::Shared(bytes),
            layout,
        })
    }

    /// The layout these bytes are for.
    pub fn layout(&self) -> StateLayout {
        self.layout
    }

    /// The state's bytes.
    pub fn bytes(&self) -> &[u8] {
        match &self.storage {
            Storage::Heap { bytes, start } => &bytes[*start..*start + self.layout.size as usize],
            Storage::Shared(shared) => shared.bytes(),
        }
    }

    /// The state's bytes, mutably.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        let size = self.layout.size as usize;
        match &mut self.storage {
            Storage::Heap { bytes, start } => &mut bytes[*start..*start + size],
            Storage::Shared(shared) => shared.bytes_mut(),
        }
    }

    /// Copies `other`'s bytes into this buffer without allocating.
    ///
    /// # Panics
    /// When the two buffers hold different layouts.
    pub fn copy_from(&mut self, other: &StateBuffer) {
        assert_eq!(
            self.layout, other.layout,
            "state copy between different layouts"
        );
        self.bytes_mut().copy_from_slice(other.bytes());
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
        let buffer = StateBuffer::zeroed(layout(size, 8)).unwrap();
        assert_eq!(buffer.bytes().len() as u64, size);
        assert_eq!(buffer.bytes().as_ptr() as usize % 4096, 0);
        let Storage::Heap { bytes, start } = &buffer.storage else {
            unreachable!("on the heap");
        };
        assert!(bytes.len() - start >= (size as usize).next_multiple_of(4096));
    }

    #[test]
    fn absurd_layouts_are_refused() {
        assert!(StateBuffer::zeroed(layout(16, 3)).is_err());
        assert!(StateBuffer::zeroed(layout(8192, 8192)).is_err());
        assert!(StateBuffer::zeroed(layout(MAX_STATE_SIZE + 8, 8)).is_err());
        assert!(StateBuffer::zeroed(layout(12, 8)).is_err());
    }
}
