//! Which types may live in the state, and the fingerprint of their layout.
//!
//! The fingerprint is computed at compile time from each field's name, type
//! fingerprint and offset, plus the struct's size and alignment. Any change to
//! the state's definition that matters to its bytes changes the fingerprint, so
//! the engine never reinterprets old bytes as a different type.

use crate::reflect::{Field, FieldKind};

/// Size, alignment and fingerprint of a state type, as the library reports it.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StateLayout {
    /// `size_of` the state type, in bytes.
    pub size: u64,
    /// `align_of` the state type, in bytes (a power of two).
    pub align: u64,
    /// Hash of the type's definition; see [`StateData::FINGERPRINT`].
    pub fingerprint: u64,
}

impl StateLayout {
    /// The layout of `S`.
    pub const fn of<S: StateData>() -> Self {
        Self {
            size: size_of::<S>() as u64,
            align: align_of::<S>() as u64,
            fingerprint: S::FINGERPRINT,
        }
    }
}

impl std::fmt::Display for StateLayout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} bytes, align {}, fingerprint {:016x}",
            self.size, self.align, self.fingerprint
        )
    }
}

/// Plain data that may live in the engine-owned state buffer.
///
/// `Copy` rules out heap ownership (`Vec`, `String`, `Box`), which would be
/// freed by the wrong allocator or outlive the library that made it. Structs
/// and fieldless enums get this trait from [`state!`](crate::state);
/// numbers, `bool`, `char`, arrays, glam's vectors and matrices and the
/// ABI's containers ([`List`](crate::List), [`Maybe`](crate::Maybe),
/// [`Pool`](crate::Pool), [`Events`](crate::Events),
/// [`GameState`](crate::GameState), …) have it here. There is no other way to get it without writing `unsafe`.
///
/// # Safety
///
/// The engine trusts an implementation with the bytes of the state: it copies
/// them across reloads, checks bytes from files against [`KIND`](Self::KIND)
/// and [`FIELDS`](Self::FIELDS) before game code sees them, and reinterprets a
/// previous state as `Self` when [`FINGERPRINT`](Self::FINGERPRINT) matches.
/// An implementation must therefore guarantee that:
///
/// - the type holds no pointer, reference or function pointer (after a
///   reload they would point into unloaded code or freed memory), nor
///   anything with interior mutability or a destructor;
/// - `FINGERPRINT` differs from that of every other type a state could have
///   held (it covers names, field types, offsets, size and alignment);
/// - all-zero bytes are a valid `Self` (numbers 0, `false`, `'\0'`, and so
///   on through every field and element): `init_in_place` gets the engine's
///   zeroed buffer as a `&mut Self`, and [`List`](crate::List) keeps its
///   free slots zeroed, which is how they stay valid without ever being
///   written as values;
/// - with `KIND` [`Opaque`](FieldKind::Opaque), every bit pattern of
///   `size_of::<Self>()` bytes is a valid `Self`;
/// - otherwise `KIND` and `FIELDS` describe the type exactly (offsets, sizes,
///   kinds, recursively), so that checking each described field is enough to
///   know the bytes form a valid `Self` (for a [`List`](FieldKind::List):
///   its `len` at most its capacity and every slot valid; see
///   [`check_state`](crate::reflect::check_state)).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot live in the hot-reloaded state",
    note = "state fields must be plain data: numbers, bool, char, arrays, glam vectors, the ABI's `List`, `Maybe` (for `Option`), `Pool`, `Handle`, `Events`, `GameState`, `Timer`, `Rng`, `Music`, or structs and enums declared with `hotloop_abi::state!`"
)]
pub unsafe trait StateData: Copy + 'static {
    /// Changes whenever the type's layout or field names change.
    const FINGERPRINT: u64;
    /// How the engine shows, checks and migrates a value of this type.
    const KIND: FieldKind = FieldKind::Opaque;
    /// The fields of a `state!` struct; the one element of an array.
    const FIELDS: &'static [Field] = &[];
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

const fn hash_bytes(mut hash: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(FNV_PRIME);
        i += 1;
    }
    hash
}

/// All-zero bytes as a `T`: the empty value of a container's free slot.
pub(crate) const fn zeroed<T: StateData>() -> T {
    // SAFETY: all-zero bytes are a valid value of every `StateData` type
    // (the trait's contract).
    unsafe { std::mem::zeroed() }
}

pub(crate) const fn hash_u64(hash: u64, value: u64) -> u64 {
    hash_bytes(hash, &value.to_le_bytes())
}

/// Starts a fingerprint for a type known by `name` (FNV-1a).
pub const fn start_hash(name: &str) -> u64 {
    hash_bytes(FNV_OFFSET, name.as_bytes())
}

/// Adds one field (name, type fingerprint, byte offset) to a struct fingerprint.
pub const fn field_hash(hash: u64, name: &str, type_fingerprint: u64, offset: usize) -> u64 {
    let hash = hash_bytes(hash_u64(hash, name.len() as u64), name.as_bytes());
    hash_u64(hash_u64(hash, type_fingerprint), offset as u64)
}

/// Closes a struct fingerprint with the struct's size and alignment.
pub const fn finish_hash(hash: u64, size: usize, align: usize) -> u64 {
    hash_u64(hash_u64(hash, size as u64), align as u64)
}

macro_rules! plain_data {
    ($($ty:ty $(=> $kind:ident)?),* $(,)?) => {
        // SAFETY: primitive numbers and glam's vectors, matrices and
        // quaternions (plain `f32`/`f64`/integer fields, no pointers): every
        // bit pattern is valid, so `Opaque` is right for them. `bool` and
        // `char`, whose invalid bit patterns the engine must refuse, say so
        // with their own kinds; all-zero bytes are `false` and `'\0'`, and
        // zero for every other type listed. Fingerprints hash the type's
        // name, size and alignment, distinct for each type listed.
        $(unsafe impl StateData for $ty {
            const FINGERPRINT: u64 =
                finish_hash(start_hash(stringify!($ty)), size_of::<$ty>(), align_of::<$ty>());
            $(const KIND: FieldKind = FieldKind::$kind;)?
        })*
    };
}

plain_data!(
    u8 => U8, u16 => U16, u32 => U32, u64 => U64, u128, usize,
    i8 => I8, i16 => I16, i32 => I32, i64 => I64, i128, isize,
    f32 => F32, f64 => F64, bool => Bool, char => Char,
);
plain_data!(
    glam::Vec2 => Vec2,
    glam::Vec3 => Vec3,
);
plain_data!(
    glam::Vec3A,
    glam::Vec4,
    glam::IVec2,
    glam::IVec3,
    glam::IVec4,
    glam::UVec2,
    glam::UVec3,
    glam::UVec4,
    glam::DVec2,
    glam::DVec3,
    glam::Quat,
    glam::Mat2,
    glam::Mat3,
    glam::Mat4,
);

// SAFETY: an array holds nothing but its `N` elements, back to back with no
// padding between them (`size_of::<[T; N]>() == N * size_of::<T>()`), so it
// is valid exactly when each element is, which is what its one described
// element (offset 0, `T`'s own kind and fields) lets the engine check; and
// all-zero bytes are a valid array because they are a valid `T`. The
// fingerprint covers the element's fingerprint and the length.
unsafe impl<T: StateData, const N: usize> StateData for [T; N] {
    const FINGERPRINT: u64 = finish_hash(
        hash_u64(hash_u64(start_hash("array"), T::FINGERPRINT), N as u64),
        size_of::<Self>(),
        align_of::<Self>(),
    );
    const KIND: FieldKind = FieldKind::Array;
    const FIELDS: &'static [Field] = &[Field::holding::<T>("[]")];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_types_and_lengths_apart() {
        assert_ne!(u32::FINGERPRINT, i32::FINGERPRINT);
        assert_ne!(f32::FINGERPRINT, u32::FINGERPRINT);
        assert_ne!(<[u8; 4]>::FINGERPRINT, <[u8; 5]>::FINGERPRINT);
        assert_ne!(<[u8; 4]>::FINGERPRINT, u32::FINGERPRINT);
    }

    #[test]
    fn field_name_and_offset_both_count() {
        let base = start_hash("");
        let a = field_hash(base, "x", f32::FINGERPRINT, 0);
        assert_ne!(a, field_hash(base, "y", f32::FINGERPRINT, 0));
        assert_ne!(a, field_hash(base, "x", f32::FINGERPRINT, 4));
        assert_ne!(a, field_hash(base, "x", u32::FINGERPRINT, 0));
        // Length-prefixed names: ("ab", "c") must not collide with ("a", "bc").
        let ab_c = field_hash(field_hash(base, "ab", 1, 0), "c", 1, 0);
        let a_bc = field_hash(field_hash(base, "a", 1, 0), "bc", 1, 0);
        assert_ne!(ab_c, a_bc);
    }
}
