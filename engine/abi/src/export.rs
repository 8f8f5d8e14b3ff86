//! [`state!`]: the macro that declares a game's state types.

/// Declares state types (structs and fieldless enums): plain data that
/// survives reloads in the engine's buffer.
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
///
/// A fieldless enum needs `#[repr(u8)]` (or `u16`, `u32`) and a variant
/// that is 0 (the first, unless the variants are numbered): a fresh state
/// is all zero bytes. It gets `Clone + Copy + Debug + PartialEq + Eq +
/// Hash`. The engine refuses bytes from outside that are not a variant,
/// carries a value across a reload **by variant name** (reorder, add and
/// remove variants freely; a value whose variant is gone takes `init`'s,
/// with a note), and shows the variant's name in the inspector (where
/// `-`/`=` step through them) and `--dump-state`.
///
/// ```
/// hotloop_abi::state! {
///     #[repr(u8)]
///     pub enum Phase { Title, Playing, Over }
///
///     pub struct State { pub phase: Phase, pub lives: u8 }
/// }
/// # let state = State { phase: Phase::Title, lives: 3 };
/// # assert_eq!(state.phase, Phase::Title);
/// ```
#[macro_export]
macro_rules! state {
    () => {};
    (
        $(#[$($meta:tt)*])*
        $vis:vis struct $name:ident {
            $( $(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty $(= was($old:ident))? ),* $(,)?
        }
        $($rest:tt)*
    ) => {
        $crate::__state_struct! {
            $(#[$($meta)*])*
            $vis struct $name {
                $( $(#[$field_meta])* $field_vis $field : $ty $(= was($old))? ),*
            }
        }
        $crate::state! { $($rest)* }
    };
    (
        $(#[$($meta:tt)*])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident $(= $discriminant:expr)? ),* $(,)?
        }
        $($rest:tt)*
    ) => {
        $crate::__state_enum! {
            [$crate::__enum_repr!($(#[$($meta)*])*)]
            $(#[$($meta)*])*
            $vis enum $name {
                $( $(#[$variant_meta])* $variant $(= $discriminant)? ),*
            }
        }
        $crate::state! { $($rest)* }
    };
}

/// One struct of [`state!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __state_struct {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty $(= was($old:ident))? ),* $(,)?
        }
    ) => {
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
    };
}

/// One fieldless enum of [`state!`]: `$repr` is its `#[repr]` integer.
#[doc(hidden)]
#[macro_export]
macro_rules! __state_enum {
    (
        [$repr:ty]
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident $(= $discriminant:expr)? ),*
        }
    ) => {
        $(#[$meta])*
        #[derive(
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::fmt::Debug,
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
            ::core::hash::Hash
        )]
        $vis enum $name {
            $( $(#[$variant_meta])* $variant $(= $discriminant)? ),*
        }

        const _: () = ::core::assert!(
            false $(|| $name::$variant as $repr == 0)*,
            ::core::concat!(
                "state! enum `", ::core::stringify!($name),
                "` needs a variant that is 0 (the first, unless numbered): ",
                "all-zero bytes must be one of its values"
            )
        );

        // SAFETY: the enum is fieldless with a `#[repr]` of `u8`, `u16` or
        // `u32` (`__enum_repr!` accepts no other), so it holds no pointers
        // and has that integer's size; the assertion above makes all-zero
        // bytes a variant. The fingerprint hashes every variant's name and
        // discriminant with the size. `FIELDS` lists every variant's name
        // and discriminant, which is all a check needs: a value is valid
        // exactly when it equals one of them.
        unsafe impl $crate::StateData for $name {
            const FINGERPRINT: ::core::primitive::u64 = {
                let hash = $crate::start_hash("enum");
                $(
                    let hash = $crate::field_hash(
                        hash,
                        ::core::stringify!($variant),
                        0,
                        $name::$variant as $repr as ::core::primitive::usize,
                    );
                )*
                $crate::finish_hash(
                    hash,
                    ::core::mem::size_of::<$name>(),
                    ::core::mem::align_of::<$name>(),
                )
            };
            const KIND: $crate::reflect::FieldKind = $crate::reflect::FieldKind::Enum;
            const FIELDS: &'static [$crate::reflect::Field] = &[$(
                $crate::reflect::Field::variant(
                    ::core::stringify!($variant),
                    $name::$variant as $repr as ::core::primitive::u32,
                )
            ),*];
        }
    };
}

/// The integer of a [`state!`] enum's `#[repr]`, found among its attributes.
#[doc(hidden)]
#[macro_export]
macro_rules! __enum_repr {
    (#[repr(u8)] $($rest:tt)*) => { ::core::primitive::u8 };
    (#[repr(u16)] $($rest:tt)*) => { ::core::primitive::u16 };
    (#[repr(u32)] $($rest:tt)*) => { ::core::primitive::u32 };
    (#[$($other:tt)*] $($rest:tt)*) => { $crate::__enum_repr!($($rest)*) };
    () => {
        ::core::compile_error!(
            "a state! enum needs `#[repr(u8)]`, `#[repr(u16)]` or `#[repr(u32)]`: its size is part of the state's layout"
        )
    };
}
