//! `state!` resolves every path it emits absolutely: a game's own items
//! named like `core`'s (`size_of`, `align_of`, `Some`, `None`, `stringify!`)
//! cannot change the field table that the engine's byte checks rely on.

#![forbid(unsafe_code)]
#![allow(non_upper_case_globals, non_snake_case, dead_code, unused_macros)]
#![allow(clippy::extra_unused_type_parameters)] // The shadows mimic `core`'s signatures.

/// Shadows of what `state!` uses, in scope where it is called.
mod shadowed {
    use hotloop_abi::reflect::FieldKind;
    use hotloop_abi::{OldState, StateData, StateLayout, state};

    const fn size_of<T>() -> usize {
        0
    }
    const fn align_of<T>() -> usize {
        1
    }
    const None: Option<&'static str> = Option::Some("forged");
    fn Some(_: &'static str) -> Option<&'static str> {
        Option::None
    }
    macro_rules! stringify {
        ($($anything:tt)*) => {
            "forged"
        };
    }

    state! {
        pub struct Flags { pub alive: [bool; 1], pub count: u32 = was(total) }
    }

    #[test]
    fn local_items_do_not_change_the_field_table() {
        let [alive, count] = Flags::FIELDS else {
            panic!("two fields")
        };
        assert_eq!((alive.name, alive.size, alive.align), ("alive", 1, 1));
        assert_eq!(alive.kind, FieldKind::Array);
        assert_eq!(alive.old_name, Option::None);
        assert_eq!((count.name, count.size, count.offset), ("count", 4, 4));
        assert_eq!(count.old_name, Option::Some("total"));
        assert_eq!(count.type_name, "u32");
        assert_eq!(StateLayout::of::<Flags>().size, 8);
    }

    #[test]
    fn a_bool_holding_two_is_refused_through_the_table() {
        let bytes = [2, 0, 0, 0, 0, 0, 0, 0];
        let old = OldState::new(&bytes, StateLayout::of::<Flags>());
        assert!(
            old.view::<Flags>().is_none(),
            "2 is not a bool: a table shortened by a local `size_of` would let it through"
        );
        let valid = [1, 0, 0, 0, 7, 0, 0, 0];
        let old = OldState::new(&valid, StateLayout::of::<Flags>());
        let flags = old.view::<Flags>().expect("valid bytes");
        assert!(flags.alive[0] && flags.count == 7);
    }
}
