//! What a library's `migrate` sees of the state an older library left behind.

use crate::{StateData, StateLayout};

/// The previous state, handed to `migrate` after a reload changed the state's
/// layout. Read it through [`OldState::view`] with the old struct declared
/// under another name with [`state!`](crate::state), or as raw bytes.
#[derive(Clone, Copy, Debug)]
pub struct OldState<'a> {
    bytes: &'a [u8],
    layout: StateLayout,
}

impl<'a> OldState<'a> {
    /// Wraps the old state's bytes and the layout they were written with.
    ///
    /// # Panics
    /// When `bytes` is not `layout.size` long.
    pub fn new(bytes: &'a [u8], layout: StateLayout) -> Self {
        assert_eq!(bytes.len() as u64, layout.size, "old state size");
        Self { bytes, layout }
    }

    /// The old state's layout (its fingerprint says which type it was).
    pub fn layout(&self) -> StateLayout {
        self.layout
    }

    /// The old state's raw bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The old state as a `T`, if it was one: same fingerprint, size and
    /// alignment, and every field holds a valid value of its type (the bytes
    /// may come from a file).
    pub fn view<T: StateData>(&self) -> Option<&'a T> {
        let aligned = (self.bytes.as_ptr() as usize).is_multiple_of(align_of::<T>());
        if self.layout != StateLayout::of::<T>() || !aligned {
            return None;
        }
        crate::reflect::check_state::<T>(self.bytes).ok()?;
        // SAFETY: the layout check proves the bytes are `size_of::<T>()` long
        // and the pointer is aligned for `T`. `check_state` proved every field
        // that has invalid bit patterns holds a valid value, which by
        // `StateData`'s contract makes the bytes a valid `T` (padding may hold
        // anything). `StateData` types hold no pointers, and the borrow keeps
        // the bytes alive and unchanged.
        Some(unsafe { &*self.bytes.as_ptr().cast::<T>() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::state! {
        struct V1 { ticks: u64, speed: f32 }
        struct V2 { ticks: u64, speed: f32, lives: u32 }
    }

    #[test]
    fn view_reads_the_old_type_and_refuses_others() {
        let old = V1 {
            ticks: 42,
            speed: 1.5,
        };
        let bytes = [old];
        // SAFETY: viewing a plain-data value's own bytes.
        let raw =
            unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<u8>(), size_of::<V1>()) };
        let state = OldState::new(raw, StateLayout::of::<V1>());
        assert_eq!(state.view::<V1>(), Some(&old));
        assert_eq!(state.view::<V2>(), None);
        assert_ne!(V1::FINGERPRINT, V2::FINGERPRINT);
    }

    crate::state! {
        struct Flags { on: bool, off: bool }
    }

    #[test]
    fn view_refuses_bytes_that_are_not_a_valid_value() {
        // `OldState::new` is safe: any bytes can be wrapped, so `view` must check.
        let bytes = [1u8, 2];
        let state = OldState::new(&bytes, StateLayout::of::<Flags>());
        assert_eq!(state.view::<Flags>(), None);
        let bytes = [1u8, 0];
        let state = OldState::new(&bytes, StateLayout::of::<Flags>());
        assert_eq!(
            state.view::<Flags>(),
            Some(&Flags {
                on: true,
                off: false
            })
        );
    }

    crate::state! {
        struct Crowd { flags: crate::List<Flags, 2> }
    }

    #[test]
    fn view_refuses_a_list_longer_than_its_capacity_or_with_an_invalid_free_slot() {
        #[repr(align(4))]
        struct Aligned([u8; 8]);
        // `len`, then two `Flags` slots of two bools each.
        let view = |bytes: [u8; 8]| {
            let bytes = Aligned(bytes);
            OldState::new(&bytes.0, StateLayout::of::<Crowd>())
                .view::<Crowd>()
                .map(|crowd| crowd.flags.len())
        };
        assert_eq!(view([1, 0, 0, 0, 1, 0, 0, 0]), Some(1));
        assert_eq!(view([3, 0, 0, 0, 1, 0, 0, 0]), None, "3 of 2");
        assert_eq!(view([1, 0, 0, 0, 1, 0, 0, 2]), None, "free slot holds 2");
    }
}
