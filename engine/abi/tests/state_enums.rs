//! Fieldless enums and `Maybe` in `state!`: their field table, and which
//! bytes the one checking rule accepts.

#![allow(missing_docs)]

use hotloop_abi::reflect::{FieldKind, check_state, check_values};
use hotloop_abi::{Maybe, StateData, state};
use proptest::prelude::*;

state! {
    /// Where a round is.
    #[repr(u8)]
    #[allow(dead_code)]
    pub enum Phase { Title, Playing, Over }

    #[repr(u16)]
    #[allow(dead_code)]
    pub enum Sparse { Zero = 0, Big = 700, Bigger = 4000 }

    pub struct State { pub phase: Phase, pub sparse: Sparse, pub next: Maybe<Phase> }
}

state! {
    #[repr(u8)]
    #[allow(dead_code)]
    pub enum Reordered { Playing, Title, Over }
}

fn offset_of_phase() -> usize {
    std::mem::offset_of!(State, phase)
}

#[test]
fn the_table_names_every_variant_with_its_discriminant() {
    let [phase, sparse, next] = <State as StateData>::FIELDS else {
        panic!("three fields");
    };
    assert_eq!((phase.kind, phase.size), (FieldKind::Enum, 1));
    let variants: Vec<_> = phase.fields.iter().map(|v| (v.name, v.offset)).collect();
    assert_eq!(variants, [("Title", 0), ("Playing", 1), ("Over", 2)]);
    assert_eq!((sparse.kind, sparse.size), (FieldKind::Enum, 2));
    assert_eq!(sparse.fields[2].offset, 4000);
    assert_eq!(next.kind, FieldKind::Maybe);
    assert_eq!(next.fields[1].kind, FieldKind::Enum);
}

#[test]
fn reordering_variants_changes_the_fingerprint() {
    assert_ne!(
        <Phase as StateData>::FINGERPRINT,
        <Reordered as StateData>::FINGERPRINT
    );
}

#[test]
fn a_byte_that_is_no_variant_is_refused_by_field_name() {
    let mut bytes = vec![0u8; size_of::<State>()];
    let fields = <State as StateData>::FIELDS;
    assert_eq!(check_values(fields, &bytes), Ok(()));
    bytes[offset_of_phase()] = 2;
    assert_eq!(check_values(fields, &bytes), Ok(()));
    bytes[offset_of_phase()] = 3;
    assert_eq!(
        check_values(fields, &bytes).unwrap_err().to_string(),
        "field `phase` holds 3, not one of its enum's variants"
    );
    bytes[offset_of_phase()] = 0;
    let sparse = std::mem::offset_of!(State, sparse);
    bytes[sparse..sparse + 2].copy_from_slice(&700u16.to_le_bytes());
    assert_eq!(check_state::<State>(&bytes), Ok(()));
    bytes[sparse..sparse + 2].copy_from_slice(&701u16.to_le_bytes());
    assert!(check_state::<State>(&bytes).is_err());
}

proptest! {
    /// Exactly the bytes of a valid `State` pass the check: decoding them
    /// field by field by hand agrees with the table-driven rule.
    #[test]
    fn the_check_accepts_exactly_the_valid_states(bytes in proptest::collection::vec(any::<u8>(), size_of::<State>())) {
        let phase_ok = bytes[offset_of_phase()] <= 2;
        let sparse = std::mem::offset_of!(State, sparse);
        let sparse_ok = matches!(u16::from_le_bytes([bytes[sparse], bytes[sparse + 1]]), 0 | 700 | 4000);
        let next = std::mem::offset_of!(State, next);
        let value = next + <Maybe<Phase> as StateData>::FIELDS[1].offset;
        let next_ok = bytes[next] <= 1 && bytes[value] <= 2;
        prop_assert_eq!(check_state::<State>(&bytes).is_ok(), phase_ok && sparse_ok && next_ok);
        let live_ok = bytes[next] == 0 || (bytes[next] == 1 && bytes[value] <= 2);
        prop_assert_eq!(
            check_values(<State as StateData>::FIELDS, &bytes).is_ok(),
            phase_ok && sparse_ok && live_ok
        );
    }
}
