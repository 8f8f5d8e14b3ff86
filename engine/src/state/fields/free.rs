//! The free slots of a state's lists (`hotloop_abi::List`) and the value of
//! each empty `hotloop_abi::Maybe`, worked out once per field table and
//! zeroed in bytes that come from outside game code.
//!
//! A list keeps the slots past its length all zero bytes itself, so game
//! code's writes never need this. A snapshot, a recording or a migration
//! may hold anything there: after their live elements are checked, zeroing
//! the rest makes every slot a valid value again, and makes the bytes (and
//! the checksum) depend on the live elements alone.

use super::FieldInfo;
use hotloop_abi::reflect::FieldKind;

/// Where a state's lists are, including those inside arrays, lists and
/// structs, as a tree walked with the live lengths of the bytes at hand.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FreeSlots {
    nodes: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    /// A list at `at`: slots `len..capacity` are zeroed, and `inner` (offsets
    /// from each slot) applies to each live element.
    List {
        at: u64,
        len_at: u64,
        items: u64,
        stride: u64,
        capacity: u64,
        inner: Vec<Node>,
    },
    /// A `Maybe` at `at`: its `value` (`size` bytes at `value_at`) is
    /// zeroed when its flag (the first byte) is not 1, else `inner` applies.
    Maybe {
        at: u64,
        value_at: u64,
        size: u64,
        inner: Vec<Node>,
    },
    /// An array at `at` of `count` elements `stride` apart that hold lists.
    Repeat {
        at: u64,
        stride: u64,
        count: u64,
        inner: Vec<Node>,
    },
}

impl FreeSlots {
    /// The lists of a state described by `fields` (a table already checked
    /// against the state's size).
    pub fn of(fields: &[FieldInfo]) -> Self {
        Self {
            nodes: nodes(fields, 0),
        }
    }

    /// Whether the state has no list (then [`FreeSlots::zero`] is free).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Zeroes the slots of every list past its length (a length beyond the
    /// capacity counts as full: checking refuses those first).
    pub fn zero(&self, state: &mut [u8]) {
        zero_nodes(&self.nodes, state, 0);
    }
}

/// The list nodes under `fields`, which start at `base`.
fn nodes(fields: &[FieldInfo], base: u64) -> Vec<Node> {
    let mut out = Vec::new();
    for field in fields {
        let at = base + field.offset;
        match (field.kind, field.sequence()) {
            (FieldKind::Struct, _) => out.extend(nodes(&field.fields, at)),
            (FieldKind::Maybe, _) => {
                if let [_, value] = field.fields.as_slice() {
                    out.push(Node::Maybe {
                        at,
                        value_at: value.offset,
                        size: value.size,
                        inner: nodes(std::slice::from_ref(value), 0),
                    });
                }
            }
            (FieldKind::Array, Some(array)) => {
                let inner = nodes(std::slice::from_ref(array.element), 0);
                if !inner.is_empty() && array.capacity > 0 {
                    out.push(Node::Repeat {
                        at,
                        stride: array.stride(),
                        count: array.capacity,
                        inner,
                    });
                }
            }
            (FieldKind::List, Some(list)) => out.push(Node::List {
                at,
                len_at: list.len_at.unwrap_or(0),
                items: list.items,
                stride: list.stride(),
                capacity: list.capacity,
                inner: nodes(std::slice::from_ref(list.element), 0),
            }),
            _ => {}
        }
    }
    out
}

fn zero_nodes(nodes: &[Node], state: &mut [u8], base: u64) {
    for node in nodes {
        match node {
            Node::List {
                at,
                len_at,
                items,
                stride,
                capacity,
                inner,
            } => {
                let at = base + at;
                let live = read_len(state, at + len_at).min(*capacity);
                let first = at + items;
                let free = (first + live * stride) as usize..(first + capacity * stride) as usize;
                super::padding::clear(state, free);
                for index in 0..live {
                    zero_nodes(inner, state, first + index * stride);
                }
            }
            Node::Maybe {
                at,
                value_at,
                size,
                inner,
            } => {
                let at = base + at;
                let value = at + value_at;
                if usize::try_from(at).ok().and_then(|at| state.get(at)) == Some(&1) {
                    zero_nodes(inner, state, value);
                } else {
                    super::padding::clear(state, value as usize..(value + size) as usize);
                }
            }
            Node::Repeat {
                at,
                stride,
                count,
                inner,
            } => {
                for index in 0..*count {
                    zero_nodes(inner, state, base + at + index * stride);
                }
            }
        }
    }
}

/// The `u32` length at `at`; a length that is not there counts as full,
/// so that nothing is zeroed on the strength of it.
fn read_len(state: &[u8], at: u64) -> u64 {
    let word = usize::try_from(at)
        .ok()
        .and_then(|at| state.get(at..at.checked_add(4)?));
    word.map_or(u64::MAX, |word| {
        u32::from_le_bytes(word.try_into().expect("4 bytes")).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fields::{FieldTable, decode};
    use hotloop_abi::{List, StateData, StateLayout, state};

    state! {
        struct Cell { alive: bool, age: u8 }
        struct Squad { cells: List<Cell, 3> }
        struct World { ticks: u32, squads: [Squad; 2], nested: List<Squad, 2> }
    }

    fn table_of<S: StateData>() -> FieldTable {
        let mut table = Vec::new();
        hotloop_abi::reflect::table_of::<S>(&mut table);
        FieldTable::decode(table, StateLayout::of::<S>()).expect("table")
    }

    /// Writes `len` into the list at `at` and fills its items with `fill`.
    fn list_bytes(bytes: &mut [u8], at: usize, len: u32, fill: u8, items: usize) {
        bytes[at..at + 4].copy_from_slice(&len.to_le_bytes());
        bytes[at + 4..at + 4 + items].fill(fill);
    }

    #[test]
    fn free_slots_are_zeroed_in_lists_inside_arrays_and_lists_and_live_ones_kept() {
        use std::mem::offset_of;
        let table = table_of::<World>();
        let mut bytes = vec![0u8; size_of::<World>()];
        let squad = size_of::<Squad>();
        let cells = 3 * size_of::<Cell>();
        let squads = offset_of!(World, squads);
        list_bytes(&mut bytes, squads, 1, 1, cells);
        list_bytes(&mut bytes, squads + squad, 3, 1, cells);
        let nested = offset_of!(World, nested);
        let nested_items = nested + 4;
        list_bytes(&mut bytes, nested, 1, 0xEE, 2 * squad);
        // The live nested squad: a list of 2 cells.
        list_bytes(&mut bytes, nested_items, 2, 1, cells);

        table.admit(&mut bytes).expect("valid live elements");
        let slot = |at: usize| bytes[at..at + size_of::<Cell>()].to_vec();
        assert_eq!(slot(squads + 4), [1, 1], "a live cell is kept");
        assert_eq!(slot(squads + 4 + 2), [0, 0], "a free cell is zeroed");
        assert_eq!(slot(squads + squad + 4 + 4), [1, 1], "a full list is kept");
        assert_eq!(slot(nested_items + 4 + 2), [1, 1]);
        assert_eq!(slot(nested_items + 4 + 4), [0, 0], "inside a live element");
        assert!(
            bytes[nested_items + squad..nested_items + 2 * squad]
                .iter()
                .all(|&b| b == 0),
            "a free squad is zeroed whole"
        );
    }

    #[test]
    fn a_list_longer_than_its_capacity_is_refused_by_name_and_nothing_zeroed() {
        let table = table_of::<Squad>();
        let mut bytes = vec![1u8; size_of::<Squad>()];
        bytes[..4].copy_from_slice(&4u32.to_le_bytes());
        let before = bytes.clone();
        let error = table.admit(&mut bytes).unwrap_err();
        assert_eq!(
            error.to_string(),
            "field `cells.len` holds 4, more than the list's capacity of 3"
        );
        assert_eq!(bytes, before, "left as it was");
    }

    #[test]
    fn an_empty_maybe_has_its_value_zeroed_and_a_full_one_kept() {
        use hotloop_abi::Maybe;
        state! {
            struct Held { item: Maybe<Cell>, spare: Maybe<Squad> }
        }
        let table = table_of::<Held>();
        let mut bytes = vec![0u8; size_of::<Held>()];
        let item = std::mem::offset_of!(Held, item);
        let spare = std::mem::offset_of!(Held, spare);
        let value = <Maybe<Cell> as StateData>::FIELDS[1].offset;
        bytes[item] = 1;
        bytes[item + value..item + value + 2].copy_from_slice(&[1, 7]);
        let squad_at = spare + <Maybe<Squad> as StateData>::FIELDS[1].offset;
        bytes[spare] = 0;
        bytes[squad_at..squad_at + 4].copy_from_slice(&2u32.to_le_bytes());
        bytes[squad_at + 4] = 9; // not a bool: but not a value either
        table
            .admit(&mut bytes)
            .expect("an empty Maybe's bytes are not looked at");
        assert_eq!(&bytes[item + value..item + value + 2], &[1, 7], "kept");
        assert!(bytes[spare..].iter().all(|&b| b == 0), "zeroed");
    }

    #[test]
    fn states_without_lists_have_no_free_slots() {
        assert!(FreeSlots::of(decode_fields::<Cell>().as_slice()).is_empty());
        assert!(!FreeSlots::of(decode_fields::<World>().as_slice()).is_empty());
    }

    fn decode_fields<S: StateData>() -> Vec<super::FieldInfo> {
        let mut table = Vec::new();
        hotloop_abi::reflect::table_of::<S>(&mut table);
        decode(&table, StateLayout::of::<S>()).expect("table")
    }
}
