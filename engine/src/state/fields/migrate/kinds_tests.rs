//! Enums carried by variant name and `Maybe`s carried with their value.

use std::mem::offset_of;

use hotloop_abi::{List, Maybe, OldState, StateData, StateLayout, state};

use super::*;
use crate::state::StateBuffer;
use crate::state::fields::{FieldTable, decode};

mod v1 {
    use super::*;
    state! {
        #[repr(u8)]
        pub enum Phase { Title, Playing, Paused, Over }
        pub struct Cell { pub hp: i32 }
        pub struct State {
            pub phase: Phase,
            pub history: [Phase; 3],
            pub queue: List<Phase, 4>,
            pub next: Maybe<Phase>,
            pub pick: Maybe<Cell>,
            pub none: Maybe<Cell>,
            pub retyped: Maybe<u8>,
        }
    }
}

/// Variants reordered, one removed, one added, and the repr widened;
/// `Cell` gains a field.
mod v2 {
    use super::*;
    state! {
        #[repr(u16)]
        pub enum Phase { Playing, Over, Title, Shop = 300 }
        pub struct Cell { pub shield: u8, pub hp: i32 }
        pub struct State {
            pub phase: Phase,
            pub history: [Phase; 3],
            pub queue: List<Phase, 4>,
            pub next: Maybe<Phase>,
            pub pick: Maybe<Cell>,
            pub none: Maybe<Cell>,
            pub retyped: Maybe<f32>,
        }
    }
}

fn fields_of<S: StateData>() -> Vec<FieldInfo> {
    let mut table = Vec::new();
    hotloop_abi::reflect::table_of::<S>(&mut table);
    decode(&table, StateLayout::of::<S>()).expect("table")
}

fn put(buffer: &mut StateBuffer, at: usize, bytes: &[u8]) {
    buffer.bytes_mut()[at..at + bytes.len()].copy_from_slice(bytes);
}

fn maybe_value<T: StateData>() -> usize {
    <Maybe<T> as StateData>::FIELDS[1].offset
}

#[test]
fn enums_are_carried_by_variant_name_and_maybes_with_their_value() {
    use v1::{Phase, State};
    let mut old = StateBuffer::zeroed(StateLayout::of::<State>()).expect("layout");
    put(&mut old, offset_of!(State, phase), &[Phase::Paused as u8]);
    put(
        &mut old,
        offset_of!(State, history),
        &[Phase::Playing as u8, Phase::Over as u8, Phase::Title as u8],
    );
    let queue = offset_of!(State, queue);
    put(&mut old, queue, &2u32.to_le_bytes());
    put(
        &mut old,
        queue + 4,
        &[Phase::Over as u8, Phase::Paused as u8],
    );
    let next = offset_of!(State, next);
    put(&mut old, next, &[1]);
    put(
        &mut old,
        next + maybe_value::<Phase>(),
        &[Phase::Over as u8],
    );
    let pick = offset_of!(State, pick);
    put(&mut old, pick, &[1]);
    put(
        &mut old,
        pick + maybe_value::<v1::Cell>(),
        &7i32.to_le_bytes(),
    );
    let retyped = offset_of!(State, retyped);
    put(&mut old, retyped, &[1, 9]);
    OldState::new(old.bytes(), old.layout())
        .view::<State>()
        .expect("a valid old state");

    // `init` starts a round in `Title` with nothing queued.
    let layout = StateLayout::of::<v2::State>();
    let mut new = StateBuffer::zeroed(layout).expect("layout");
    put(
        &mut new,
        offset_of!(v2::State, phase),
        &(v2::Phase::Title as u16).to_le_bytes(),
    );
    let report = migrate(
        &fields_of::<State>(),
        old.bytes(),
        &fields_of::<v2::State>(),
        new.bytes_mut(),
    );
    let mut table = Vec::new();
    hotloop_abi::reflect::table_of::<v2::State>(&mut table);
    let table = FieldTable::decode(table, layout).expect("table");
    table.admit(new.bytes_mut()).expect("a valid new state");
    let state = *OldState::new(new.bytes(), layout)
        .view::<v2::State>()
        .expect("a valid new state");

    use v2::Phase::*;
    assert_eq!(state.phase, Title, "Paused is gone: init's value");
    assert_eq!(state.history, [Playing, Over, Title], "each by name");
    assert_eq!(
        state.queue.as_slice(),
        [Over, Playing],
        "a list has no init values: a gone variant is the one that is 0"
    );
    assert_eq!(state.next.get(), Some(Over));
    assert_eq!(
        state.pick.get().map(|cell| (cell.shield, cell.hp)),
        Some((0, 7))
    );
    assert_eq!(state.none.get().map(|cell| cell.hp), None);
    assert_eq!(
        state.retyped.get(),
        None,
        "a value of another type: init's None"
    );
    assert!(
        report.to_string().contains(
            "variant gone, `init`'s value kept: phase was `Paused`, queue[] was `Paused`"
        ),
        "{report}"
    );
}
