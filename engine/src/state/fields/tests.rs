//! Tables that still decode after a few bytes were changed: whatever they
//! say, using them (checking, zeroing, migrating, listing, JSON) stays
//! inside the state's bytes and never panics.

use hotloop_abi::{List, Maybe, StateData, StateLayout, glam, state};
use proptest::prelude::*;

use super::{Browse, FieldTable, migrate, to_json};

state! {
    struct Cell { alive: bool, letter: char, hp: i16 }
    struct Squad { cells: List<Cell, 3>, pos: glam::Vec2 }
    #[repr(u8)]
    enum Phase { Title, Playing, Over = 9 }
    struct World {
        ticks: u32,
        phase: Phase,
        grid: [[Cell; 2]; 3],
        squads: List<Squad, 2>,
        spare: [Squad; 2],
        pick: Maybe<Cell>,
        history: [Maybe<Phase>; 2],
    }
}

fn table_of<S: StateData>() -> Vec<u8> {
    let mut table = Vec::new();
    hotloop_abi::reflect::table_of::<S>(&mut table);
    table
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]
    #[test]
    fn a_table_with_a_few_bytes_changed_never_reaches_outside_the_state(
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        fill in any::<u8>(),
    ) {
        let layout = StateLayout::of::<World>();
        let mut bytes = table_of::<World>();
        for (at, value) in changes {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        let Ok(table) = FieldTable::decode(bytes, layout) else {
            return Ok(());
        };
        let mut state = vec![fill; layout.size as usize];
        let _ = table.admit(&mut state);
        let rows = Browse::default().rows(table.fields(), Some(&state));
        prop_assert!(rows.len() < 10_000);
        let _ = to_json(table.fields(), &state);
        let mut other = vec![0u8; layout.size as usize];
        let _ = migrate(table.fields(), &state, table.fields(), &mut other);
        let good = FieldTable::decode(table_of::<World>(), layout).expect("the real table");
        let _ = migrate(good.fields(), &state, table.fields(), &mut other);
        let _ = migrate(table.fields(), &state, good.fields(), &mut other);
    }
}

state! {
    struct Before { hp: i16, alive: bool }
    struct Respelled { hp: ::core::primitive::i16, alive: bool = was(living) }
    struct Forged { hp: i16, flag: u8 }
}

#[test]
fn tables_agree_on_places_not_on_spelling() {
    // As if `Forged`'s fingerprint collided with `Before`'s: same size and
    // alignment, so only the tables can tell the two apart.
    let layout = StateLayout::of::<Before>();
    let table = |bytes| FieldTable::decode(bytes, layout).expect("decodes");
    let before = table(table_of::<Before>());
    assert!(before.same_places_as(&table(table_of::<Respelled>())));
    assert!(!before.same_places_as(&table(table_of::<Forged>())));
}

/// The fuzz target's seed for enums and `Maybe`s decodes: it starts the
/// fuzzer inside the new kinds rather than at random bytes.
#[test]
fn the_fuzz_seed_with_enums_and_maybes_is_a_valid_table() {
    let seed = include_bytes!("../../../../fuzz/seeds/fields/enum-and-maybe");
    let (size, table) = seed.split_at(8);
    let layout = hotloop_abi::StateLayout {
        size: u64::from_le_bytes(size.try_into().unwrap()),
        align: 8,
        fingerprint: 0,
    };
    let table = super::FieldTable::decode(table.to_vec(), layout).expect("a valid table");
    let kinds: Vec<_> = table.fields().iter().map(|field| field.kind).collect();
    use hotloop_abi::reflect::FieldKind::{Enum, Maybe};
    assert_eq!(kinds, [Enum, Maybe, Maybe]);
    let mut state = vec![0u8; 8];
    state[0] = 7;
    assert!(table.admit(&mut state).is_ok());
    state[0] = 2;
    assert!(table.admit(&mut state).is_err());
}
