//! [`Maybe`]: an optional value in the state.

use std::fmt;

use crate::StateData;
use crate::fingerprint::{finish_hash, hash_u64, start_hash};
use crate::reflect::{Field, FieldKind};

/// An optional value of plain data, to keep in the state where a game would
/// write `Option<T>`: a target that may be gone, a held item, the
/// selected menu entry. Convert with `From`/`Into` both ways and work with
/// the `Option` you get back from [`get`](Maybe::get).
///
/// `Option<T>` itself cannot live in the state: Rust does not fix its
/// layout, so neither the engine nor a later build could read its bytes.
/// `Maybe<T>` is a `bool` and a `T` with a fixed layout. It migrates like
/// any field (the value is carried when both builds have a `Maybe` of
/// types that migrate), and the inspector and `--dump-state` show `None`
/// or the value.
///
/// ```
/// use hotloop_abi::{Maybe, glam::Vec2, state};
///
/// state! {
///     pub struct State { pub target: Maybe<Vec2> }
/// }
///
/// let mut state = State { target: Maybe::NONE };
/// assert_eq!(state.target.get(), None);
/// state.target = Some(Vec2::new(3.0, 4.0)).into();
/// if let Some(target) = state.target.get() {
///     assert_eq!(target.length(), 5.0);
/// }
/// assert_eq!(state.target.take(), Some(Vec2::new(3.0, 4.0)));
/// assert!(state.target.is_none());
/// ```
///
/// An empty `Maybe` keeps its value's bytes zero, so equal states have equal
/// bytes (and checksums).
#[repr(C)]
#[derive(Clone, Copy, PartialEq)]
pub struct Maybe<T: StateData> {
    some: bool,
    value: T,
}

impl<T: StateData> Maybe<T> {
    /// No value (also usable in a `const` or `static`).
    pub const NONE: Self = Self {
        some: false,
        value: crate::zeroed::<T>(),
    };

    /// Holds `value`.
    pub const fn some(value: T) -> Self {
        Self { some: true, value }
    }

    /// The value, if there is one.
    pub fn get(&self) -> Option<T> {
        self.some.then_some(self.value)
    }

    /// The value by reference, if there is one.
    pub fn as_ref(&self) -> Option<&T> {
        self.some.then_some(&self.value)
    }

    /// The value to change in place, if there is one.
    pub fn as_mut(&mut self) -> Option<&mut T> {
        self.some.then_some(&mut self.value)
    }

    /// Whether there is a value.
    pub const fn is_some(&self) -> bool {
        self.some
    }

    /// Whether there is no value.
    pub const fn is_none(&self) -> bool {
        !self.some
    }

    /// Puts `value` in, returning what was there.
    pub fn replace(&mut self, value: T) -> Option<T> {
        std::mem::replace(self, Self::some(value)).get()
    }

    /// Takes the value out, leaving none.
    pub fn take(&mut self) -> Option<T> {
        std::mem::replace(self, Self::NONE).get()
    }

    /// The value, or `value` put in first when there is none.
    pub fn get_or_insert(&mut self, value: T) -> &mut T {
        if !self.some {
            *self = Self::some(value);
        }
        &mut self.value
    }
}

impl<T: StateData> Default for Maybe<T> {
    fn default() -> Self {
        Self::NONE
    }
}

impl<T: StateData> From<Option<T>> for Maybe<T> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::NONE, Self::some)
    }
}

impl<T: StateData> From<Maybe<T>> for Option<T> {
    fn from(value: Maybe<T>) -> Self {
        value.get()
    }
}

impl<T: StateData + fmt::Debug> fmt::Debug for Maybe<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_ref().fmt(f)
    }
}

// SAFETY: `#[repr(C)]` fixes the layout: a `bool` then a `T`, neither of
// which holds pointers (`T: StateData`). All-zero bytes are `some: false`
// and an all-zero `T`, a valid value of each. The fingerprint hashes `T`'s
// with the size and alignment, under a name no other type uses. `FIELDS`
// describe both fields, so checking them checks the `Maybe` (an empty
// one's value bytes are zero or, in bytes from outside, checked as a `T`
// before the engine zeroes them: `check_state` checks them as well).
unsafe impl<T: StateData> StateData for Maybe<T> {
    const FINGERPRINT: u64 = finish_hash(
        hash_u64(start_hash("maybe"), T::FINGERPRINT),
        size_of::<Self>(),
        align_of::<Self>(),
    );
    const KIND: FieldKind = FieldKind::Maybe;
    const FIELDS: &'static [Field] = &[
        Field {
            type_name: "bool",
            ..Field::holding::<bool>("some")
        },
        Field {
            offset: std::mem::offset_of!(Self, value),
            ..Field::holding::<T>("value")
        },
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reflect::{check_state, check_values};

    crate::state! {
        struct Target { alive: bool, hp: u16 }
        struct State { target: Maybe<Target>, ticks: u32 }
    }

    fn bytes_of(state: &State) -> Vec<u8> {
        let mut bytes = vec![0u8; size_of::<State>()];
        let at = std::mem::offset_of!(State, target);
        bytes[at] = u8::from(state.target.is_some());
        if let Some(target) = state.target.get() {
            let value = at + std::mem::offset_of!(Maybe<Target>, value);
            bytes[value] = u8::from(target.alive);
            bytes[value + 2..value + 4].copy_from_slice(&target.hp.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn converts_to_and_from_option() {
        let mut target: Maybe<u32> = Some(3).into();
        assert_eq!(target.get(), Some(3));
        assert_eq!(target.replace(4), Some(3));
        *target.as_mut().unwrap() += 1;
        assert_eq!(Option::from(target), Some(5));
        assert_eq!(target.take(), Some(5));
        assert_eq!(target, Maybe::NONE);
        assert_eq!(*target.get_or_insert(9), 9);
        assert_eq!(format!("{:?}", Maybe::<u8>::NONE), "None");
        assert_eq!(format!("{:?}", Maybe::some(2u8)), "Some(2)");
    }

    #[test]
    fn an_empty_maybe_is_all_zero_bytes() {
        let fields = <State as StateData>::FIELDS;
        let none = bytes_of(&State {
            target: Maybe::NONE,
            ticks: 0,
        });
        assert!(none.iter().all(|byte| *byte == 0));
        assert_eq!(check_values(fields, &none), Ok(()));
    }

    #[test]
    fn the_flag_and_a_present_value_are_checked_an_absent_one_only_as_the_type() {
        let fields = <State as StateData>::FIELDS;
        let at = std::mem::offset_of!(State, target);
        let value = at + std::mem::offset_of!(Maybe<Target>, value);
        let mut bytes = bytes_of(&State {
            target: Maybe::some(Target { alive: true, hp: 7 }),
            ticks: 0,
        });
        assert_eq!(check_values(fields, &bytes), Ok(()));
        bytes[value] = 2;
        assert_eq!(
            check_values(fields, &bytes).unwrap_err().to_string(),
            "field `target.value.alive` holds 2, not a bool (0 or 1)"
        );
        bytes[at] = 0;
        assert_eq!(check_values(fields, &bytes), Ok(()), "not a value: zeroed");
        assert!(check_state::<State>(&bytes).is_err(), "but not a `State`");
        bytes[at] = 5;
        assert_eq!(
            check_values(fields, &bytes).unwrap_err().to_string(),
            "field `target.some` holds 5, not a bool (0 or 1)"
        );
    }

    #[test]
    fn different_values_have_different_fingerprints() {
        assert_ne!(
            <Maybe<u32> as StateData>::FINGERPRINT,
            <Maybe<i32> as StateData>::FINGERPRINT
        );
        assert_ne!(
            <Maybe<u32> as StateData>::FINGERPRINT,
            <crate::List<u32, 1> as StateData>::FINGERPRINT
        );
    }
}
