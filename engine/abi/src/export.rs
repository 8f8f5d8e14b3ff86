//! [`state!`]: the macro that declares a game's state types.

/// Declares state structs: plain data that survives reloads in the engine's buffer.
///
/// Each struct gets `#[repr(C)]` (a layout fixed by its definition),
/// `Clone + Copy + Debug + PartialEq`, a [`StateData`](crate::StateData)
/// fingerprint over its field names, field types and offsets, and a field
/// table ([`reflect`](crate::reflect)) the engine uses to migrate the state by
/// field name and to show it. Every field must itself be `StateData`.
///
/// A renamed field keeps its value across a reload when it says what it was
/// called: `pub pos: Vec2 = was(position)`.
///
/// ```
/// hotloop_abi::state! {
///     /// A ball.
///     pub struct Ball { pub pos: hotloop_abi::glam::Vec2, pub radius: f32 }
///
///     pub struct State { pub ticks: u64, pub balls: [Ball; 8] }
/// }
/// ```
#[macro_export]
macro_rules! state {
    ($(
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty $(= was($old:ident))? ),* $(,)?
        }
    )*) => {$(
        // Every path below is absolute (`::core::…`, `$crate::…`): macro
        // paths resolve where the macro is called, so a game's own
        // `size_of`, `Some` or `Clone` must never stand in for them.
        $(#[$meta])*
        #[repr(C)]
        #[derive(
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::fmt::Debug,
            ::core::cmp::PartialEq
        )]
        $vis struct $name {
            $( $(#[$field_meta])* $field_vis $field : $ty ),*
        }

        // SAFETY: `#[repr(C)]` fixes the layout; every field is `StateData`
        // (the impl does not compile otherwise), so the struct holds no
        // pointers, and all-zero bytes are a valid struct because they are a
        // valid value of each field (padding may hold anything); the
        // fingerprint hashes each field's name, fingerprint and offset with
        // the size and alignment; `FIELDS` lists every field with its own
        // kind and fields, so checking them checks the struct. Sizes,
        // alignments and names come from `::core` by absolute path, so no
        // item at the call site can change them.
        unsafe impl $crate::StateData for $name {
            const FINGERPRINT: ::core::primitive::u64 = {
                let hash = $crate::start_hash("struct");
                $(
                    let hash = $crate::field_hash(
                        hash,
                        ::core::stringify!($field),
                        <$ty as $crate::StateData>::FINGERPRINT,
                        ::core::mem::offset_of!($name, $field),
                    );
                )*
                $crate::finish_hash(
                    hash,
                    ::core::mem::size_of::<$name>(),
                    ::core::mem::align_of::<$name>(),
                )
            };
            const KIND: $crate::reflect::FieldKind = $crate::reflect::FieldKind::Struct;
            const FIELDS: &'static [$crate::reflect::Field] = &[$(
                $crate::reflect::Field {
                    name: ::core::stringify!($field),
                    old_name: $crate::__old_name!($($old)?),
                    type_name: ::core::stringify!($ty),
                    offset: ::core::mem::offset_of!($name, $field),
                    size: ::core::mem::size_of::<$ty>(),
                    align: ::core::mem::align_of::<$ty>(),
                    fingerprint: <$ty as $crate::StateData>::FINGERPRINT,
                    kind: <$ty as $crate::StateData>::KIND,
                    fields: <$ty as $crate::StateData>::FIELDS,
                }
            ),*];
        }
    )*};
}
