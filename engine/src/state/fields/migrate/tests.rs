use std::mem::offset_of;

use hotloop_abi::{List, OldState, StateData, StateLayout, state};

use super::*;
use crate::state::StateBuffer;
use crate::state::fields::decode;
use crate::state::fields::decode::tests::{field, layout, table};

#[test]
fn migration_carries_matching_fields_and_reports_the_rest() {
    let old = decode(
        &table(&[
            field("ticks", 0, 8, FieldKind::U64, 1),
            field("gone", 8, 4, FieldKind::U32, 2),
            field("speed", 12, 4, FieldKind::F32, 3),
        ]),
        layout(16),
    )
    .unwrap();
    let new = decode(
        &table(&[
            field("speed", 0, 8, FieldKind::F64, 4),
            field("ticks", 8, 8, FieldKind::U64, 1),
            field("fresh", 16, 4, FieldKind::U32, 5),
        ]),
        layout(24),
    )
    .unwrap();
    let mut old_bytes = vec![0u8; 16];
    old_bytes[..8].copy_from_slice(&42u64.to_le_bytes());
    let mut new_bytes = vec![0u8; 24];
    let report = migrate(&old, &old_bytes, &new, &mut new_bytes);
    assert_eq!(u64::from_le_bytes(new_bytes[8..16].try_into().unwrap()), 42);
    assert_eq!(report.carried, ["ticks"]);
    assert_eq!(report.changed, ["speed"]);
    assert_eq!(report.added, ["fresh"]);
    assert_eq!(report.removed, ["gone"]);
    assert_eq!(
        report.to_string(),
        "carried over 1 field(s) by name; removed: gone; changed type: speed; new: fresh"
    );
}

/// The state before the edit.
mod v1 {
    use super::*;
    state! {
        pub struct Cell { pub alive: bool, pub hp: i32 }
        pub struct Squad { pub name: u32, pub members: [Cell; 3] }
        pub struct State {
            pub ticks: u64,
            pub cells: [Cell; 4],
            pub grid: [[Cell; 2]; 3],
            pub squads: [Squad; 2],
            pub short: [u16; 6],
            pub long: [Cell; 2],
            pub enemies: List<Cell, 5>,
            pub shrink: List<u32, 6>,
            pub retyped: [u8; 4],
        }
    }
}

/// The state after it: `age` added to `Cell` (the most common edit in a
/// real game), `short` shorter, `long` longer, `shrink` with a smaller
/// capacity, `retyped` with elements of another type.
mod v2 {
    use super::*;
    state! {
        pub struct Cell { pub alive: bool, pub age: u8, pub hp: i32 }
        pub struct Squad { pub name: u32, pub members: [Cell; 3] }
        pub struct State {
            pub ticks: u64,
            pub cells: [Cell; 4],
            pub grid: [[Cell; 2]; 3],
            pub squads: [Squad; 2],
            pub short: [u16; 4],
            pub long: [Cell; 4],
            pub enemies: List<Cell, 5>,
            pub shrink: List<u32, 3>,
            pub retyped: [u16; 4],
        }
    }
}

/// A zeroed buffer for an `S`.
fn buffer<S: StateData>() -> StateBuffer {
    StateBuffer::zeroed(StateLayout::of::<S>()).expect("layout")
}

fn put(buffer: &mut StateBuffer, at: usize, bytes: &[u8]) {
    buffer.bytes_mut()[at..at + bytes.len()].copy_from_slice(bytes);
}

/// An old `Cell` at `at`: alive, with `hp`.
fn old_cell(buffer: &mut StateBuffer, at: usize, hp: i32) {
    put(buffer, at + offset_of!(v1::Cell, alive), &[1]);
    put(buffer, at + offset_of!(v1::Cell, hp), &hp.to_le_bytes());
}

/// `init`'s `Cell` at `at`: dead, aged 9, with `hp` -1.
fn init_cell(buffer: &mut StateBuffer, at: usize) {
    put(buffer, at + offset_of!(v2::Cell, age), &[9]);
    put(
        buffer,
        at + offset_of!(v2::Cell, hp),
        &(-1i32).to_le_bytes(),
    );
}

/// The old state, every value told apart.
fn old_state() -> StateBuffer {
    use v1::{Cell, Squad, State};
    let cell = size_of::<Cell>();
    let mut old = buffer::<State>();
    put(&mut old, offset_of!(State, ticks), &77u64.to_le_bytes());
    for index in 0..4 {
        old_cell(
            &mut old,
            offset_of!(State, cells) + index * cell,
            10 + index as i32,
        );
    }
    for index in 0..6 {
        old_cell(
            &mut old,
            offset_of!(State, grid) + index * cell,
            100 + index as i32,
        );
    }
    for squad in 0..2 {
        let at = offset_of!(State, squads) + squad * size_of::<Squad>();
        put(&mut old, at, &(squad as u32).to_le_bytes());
        for member in 0..3 {
            let hp = 1000 + 10 * squad as i32 + member as i32;
            old_cell(
                &mut old,
                at + offset_of!(Squad, members) + member * cell,
                hp,
            );
        }
    }
    for index in 0..6 {
        put(
            &mut old,
            offset_of!(State, short) + 2 * index,
            &(20 + index as u16).to_le_bytes(),
        );
    }
    for index in 0..2 {
        old_cell(
            &mut old,
            offset_of!(State, long) + index * cell,
            30 + index as i32,
        );
    }
    let enemies = offset_of!(State, enemies);
    put(&mut old, enemies, &3u32.to_le_bytes());
    for index in 0..3 {
        old_cell(&mut old, enemies + 4 + index * cell, 50 + index as i32);
    }
    let shrink = offset_of!(State, shrink);
    put(&mut old, shrink, &5u32.to_le_bytes());
    for index in 0..5 {
        put(
            &mut old,
            shrink + 4 + 4 * index,
            &(index as u32 + 1).to_le_bytes(),
        );
    }
    put(&mut old, offset_of!(State, retyped), &[1, 2, 3, 4]);
    old
}

/// What `init` of the new library wrote: every cell `init_cell`, one enemy,
/// `retyped` all 5, `short` all 7.
fn init_state() -> StateBuffer {
    use v2::{Cell, Squad, State};
    let cell = size_of::<Cell>();
    let mut new = buffer::<State>();
    let mut cells = |at: usize, count: usize| {
        for index in 0..count {
            init_cell(&mut new, at + index * cell);
        }
    };
    cells(offset_of!(State, cells), 4);
    cells(offset_of!(State, grid), 6);
    cells(offset_of!(State, long), 4);
    for squad in 0..2 {
        let at = offset_of!(State, squads) + squad * size_of::<Squad>();
        cells(at + offset_of!(Squad, members), 3);
    }
    put(&mut new, offset_of!(State, enemies), &1u32.to_le_bytes());
    init_cell(&mut new, offset_of!(State, enemies) + 4);
    put(&mut new, offset_of!(State, short), &[7; 8]);
    put(&mut new, offset_of!(State, retyped), &[5; 8]);
    new
}

fn fields_of<S: StateData>() -> Vec<FieldInfo> {
    let mut table = Vec::new();
    hotloop_abi::reflect::table_of::<S>(&mut table);
    decode(&table, StateLayout::of::<S>()).expect("table")
}

/// Migrates `old_state()` over `init_state()`: the new state, read as its
/// type (which checks every value), and the report.
fn migrated() -> (StateBuffer, MigrationReport) {
    let old = old_state();
    let mut new = init_state();
    let report = migrate(
        &fields_of::<v1::State>(),
        old.bytes(),
        &fields_of::<v2::State>(),
        new.bytes_mut(),
    );
    (new, report)
}

fn view(buffer: &StateBuffer) -> &v2::State {
    OldState::new(buffer.bytes(), buffer.layout())
        .view::<v2::State>()
        .expect("a valid new state")
}

fn cell(alive: bool, age: u8, hp: i32) -> v2::Cell {
    v2::Cell { alive, age, hp }
}

/// The part of the report about `path`.
fn said(report: &MigrationReport, path: &str) -> String {
    report
        .sequences
        .iter()
        .find(|sequence| sequence.path == path)
        .unwrap_or_else(|| panic!("nothing about {path} in {report}"))
        .to_string()
}

#[test]
fn a_field_added_to_the_element_struct_keeps_every_element() {
    let (new, report) = migrated();
    let state = view(&new);
    let expected: Vec<_> = (0..4).map(|index| cell(true, 9, 10 + index)).collect();
    assert_eq!(state.cells, *expected, "values carried, `age` from init");
    assert_eq!(state.ticks, 77);
    assert_eq!(
        said(&report, "cells"),
        "cells: 4 elements carried, field `age` added"
    );
    assert!(report.carried.contains(&"cells".to_owned()), "{report}");
    assert!(!report.changed.contains(&"cells".to_owned()), "{report}");
}

#[test]
fn arrays_of_arrays_carry_every_element_of_every_row() {
    let (new, report) = migrated();
    let grid = view(&new).grid;
    for (index, element) in grid.iter().flatten().enumerate() {
        assert_eq!(*element, cell(true, 9, 100 + index as i32));
    }
    assert_eq!(said(&report, "grid"), "grid: 3 elements carried");
    assert_eq!(
        said(&report, "grid[]"),
        "grid[]: 6 elements carried, field `age` added",
        "summed over the rows, said once"
    );
}

#[test]
fn arrays_nested_in_array_elements_are_carried_element_by_element() {
    let (new, report) = migrated();
    for (index, squad) in view(&new).squads.iter().enumerate() {
        assert_eq!(squad.name, index as u32);
        for (member, cell_now) in squad.members.iter().enumerate() {
            let hp = 1000 + 10 * index as i32 + member as i32;
            assert_eq!(*cell_now, cell(true, 9, hp));
        }
    }
    assert_eq!(said(&report, "squads"), "squads: 2 elements carried");
    assert_eq!(
        said(&report, "squads[].members"),
        "squads[].members: 6 elements carried, field `age` added"
    );
}

#[test]
fn a_shorter_array_keeps_the_common_prefix_and_says_what_was_dropped() {
    let (new, report) = migrated();
    assert_eq!(view(&new).short, [20, 21, 22, 23]);
    assert_eq!(
        said(&report, "short"),
        "short: 4 elements carried, 2 of 6 dropped (length 4)"
    );
}

#[test]
fn a_longer_array_keeps_init_values_past_the_old_elements() {
    let (new, report) = migrated();
    assert_eq!(
        view(&new).long,
        [
            cell(true, 9, 30),
            cell(true, 9, 31),
            cell(false, 9, -1),
            cell(false, 9, -1)
        ]
    );
    assert_eq!(
        said(&report, "long"),
        "long: 2 elements carried, 2 new from `init`, field `age` added"
    );
}

#[test]
fn a_list_carries_its_live_elements_with_a_changed_element_struct() {
    let (new, report) = migrated();
    let enemies = view(&new).enemies;
    assert_eq!(
        enemies.as_slice(),
        [cell(true, 0, 50), cell(true, 0, 51), cell(true, 0, 52)],
        "init's one enemy replaced; new fields of list elements start at zero"
    );
    let at = offset_of!(v2::State, enemies) + 4 + 3 * size_of::<v2::Cell>();
    let free = &new.bytes()[at..offset_of!(v2::State, enemies) + size_of::<List<v2::Cell, 5>>()];
    assert!(free.iter().all(|&b| b == 0), "free slots are zero");
    assert_eq!(
        said(&report, "enemies"),
        "enemies: 3 elements carried, field `age` added"
    );
}

#[test]
fn a_list_with_a_smaller_capacity_drops_its_last_elements_with_a_note() {
    let (new, report) = migrated();
    assert_eq!(view(&new).shrink.as_slice(), [1, 2, 3]);
    assert_eq!(
        said(&report, "shrink"),
        "shrink: 3 elements carried, 2 of 5 dropped (capacity 3)"
    );
}

#[test]
fn an_array_whose_elements_changed_type_keeps_init_values_and_is_reported() {
    let (new, report) = migrated();
    assert_eq!(view(&new).retyped, [0x0505; 4]);
    assert!(report.changed.contains(&"retyped".to_owned()), "{report}");
    assert!(report.sequences.iter().all(|s| s.path != "retyped"));
}

#[test]
fn the_whole_report_reads_as_one_short_note() {
    let (_, report) = migrated();
    assert_eq!(
        report.to_string(),
        "carried over 8 field(s) by name; changed type: retyped; \
         cells: 4 elements carried, field `age` added; \
         grid[]: 6 elements carried, field `age` added; \
         squads[].members: 6 elements carried, field `age` added; \
         short: 4 elements carried, 2 of 6 dropped (length 4); \
         long: 2 elements carried, 2 new from `init`, field `age` added; \
         enemies: 3 elements carried, field `age` added; \
         shrink: 3 elements carried, 2 of 5 dropped (capacity 3)"
    );
}

#[test]
fn ten_thousand_elements_are_one_line_of_report() {
    state! {
        struct Old { particles: [v1::Cell; 10_000] }
        struct New { particles: [v2::Cell; 10_000] }
    }
    let mut old = buffer::<Old>();
    for index in 0..10_000 {
        old_cell(&mut old, index * size_of::<v1::Cell>(), index as i32);
    }
    let mut new = buffer::<New>();
    let report = migrate(
        &fields_of::<Old>(),
        old.bytes(),
        &fields_of::<New>(),
        new.bytes_mut(),
    );
    assert_eq!(
        report.to_string(),
        "carried over 1 field(s) by name; particles: 10000 elements carried, field `age` added"
    );
    let state = OldState::new(new.bytes(), new.layout())
        .view::<New>()
        .expect("valid");
    assert!(
        state
            .particles
            .iter()
            .enumerate()
            .all(|(index, cell)| cell.hp == index as i32 && cell.alive)
    );
}

#[test]
fn an_array_that_becomes_a_list_and_back_is_carried_element_by_element() {
    state! {
        struct Fixed { items: [u32; 3] }
        struct Listed { items: List<u32, 2> }
        struct Longer { items: [u32; 4] }
    }
    let mut fixed = buffer::<Fixed>();
    put(&mut fixed, 0, &[1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
    let mut listed = buffer::<Listed>();
    let report = migrate(
        &fields_of::<Fixed>(),
        fixed.bytes(),
        &fields_of::<Listed>(),
        listed.bytes_mut(),
    );
    let view_listed = OldState::new(listed.bytes(), listed.layout());
    assert_eq!(
        view_listed.view::<Listed>().unwrap().items.as_slice(),
        [1, 2]
    );
    assert_eq!(
        said(&report, "items"),
        "items: 2 elements carried, 1 of 3 dropped (capacity 2)"
    );

    let mut longer = buffer::<Longer>();
    put(&mut longer, 0, &[9; 16]);
    let report = migrate(
        &fields_of::<Listed>(),
        listed.bytes(),
        &fields_of::<Longer>(),
        longer.bytes_mut(),
    );
    let view_longer = OldState::new(longer.bytes(), longer.layout());
    assert_eq!(
        view_longer.view::<Longer>().unwrap().items,
        [1, 2, 0x0909_0909, 0x0909_0909],
        "the list's live elements, then init's values"
    );
    assert_eq!(
        said(&report, "items"),
        "items: 2 elements carried, 2 new from `init`"
    );
}
