//! The inspector's rows: every value of the state, one element at a time
//! for arrays and lists, so that 10,000 particles are one row saying which
//! particle is shown and the rows of that particle, never 10,000 rows.

use std::collections::HashMap;

use hotloop_abi::reflect::FieldKind;

use super::{Entry, FieldInfo, ReadAt};

/// Which element of each array and list is shown, by the array's path with
/// `[]` for every element of an enclosing one (`particles`, `grid[]`): an
/// inner array keeps its chosen index while the outer one is stepped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Browse {
    chosen: HashMap<String, u64>,
}

/// One row of the inspector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// A value, shown, and changed with `-` `=` when editable.
    Value(Entry),
    /// An array or a list: which of its elements the rows after it show.
    Elements(Elements),
}

/// Which element of an array or a list is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elements {
    /// The array's path, with the indices of enclosing elements (`grid[2]`).
    pub path: String,
    /// What its choice is kept under (`grid[]`).
    pub key: String,
    /// The element shown.
    pub index: u64,
    /// How many elements there are (a list's live ones; never 0: an empty
    /// list has no such row).
    pub count: u64,
}

impl std::fmt::Display for Elements {
    /// `particles [3] of 48`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}] of {}", self.path, self.index, self.count)
    }
}

impl Browse {
    /// The rows for `fields`: each array and list shows its chosen element
    /// (the last one, when fewer are there now). Without `state`, lists show
    /// only their length, since which elements are live is unknown.
    pub fn rows<R: ReadAt + ?Sized>(&self, fields: &[FieldInfo], state: Option<&R>) -> Vec<Row> {
        let mut rows = Vec::new();
        for field in fields {
            self.push(
                field,
                field.offset,
                &field.name,
                &field.name,
                state,
                &mut rows,
            );
        }
        rows
    }

    /// Shows the element `steps` away from the one `elements` shows,
    /// staying within its elements.
    pub fn step(&mut self, elements: &Elements, steps: i64) {
        let last = elements.count.saturating_sub(1);
        let index = elements.index.saturating_add_signed(steps).min(last);
        self.chosen.insert(elements.key.clone(), index);
    }

    /// The rows of `field`, found at `offset` of the state.
    fn push<R: ReadAt + ?Sized>(
        &self,
        field: &FieldInfo,
        offset: u64,
        path: &str,
        key: &str,
        state: Option<&R>,
        rows: &mut Vec<Row>,
    ) {
        match field.kind {
            FieldKind::Struct => {
                for inner in &field.fields {
                    let (path, key) = (
                        format!("{path}.{}", inner.name),
                        format!("{key}.{}", inner.name),
                    );
                    self.push(inner, offset + inner.offset, &path, &key, state, rows);
                }
            }
            FieldKind::Vec2 | FieldKind::Vec3 => {
                let axes = if field.kind == FieldKind::Vec2 { 2 } else { 3 };
                for (index, axis) in ["x", "y", "z"].into_iter().take(axes).enumerate() {
                    rows.push(Row::Value(Entry {
                        path: format!("{path}.{axis}"),
                        offset: (offset + 4 * index as u64) as usize,
                        kind: FieldKind::F32,
                        size: 4,
                        type_name: "f32".into(),
                        variants: Vec::new(),
                    }));
                }
            }
            FieldKind::Array | FieldKind::List => {
                let Some(sequence) = field.sequence() else {
                    return;
                };
                if let Some(len_at) = sequence.len_at {
                    rows.push(Row::Value(Entry {
                        path: format!("{path}.len"),
                        offset: (offset + len_at) as usize,
                        kind: FieldKind::U32,
                        size: 4,
                        type_name: "u32".into(),
                        variants: Vec::new(),
                    }));
                }
                let count = match (state, sequence.len_at) {
                    (Some(state), _) => sequence.live(state, offset),
                    (None, Some(_)) => 0,
                    (None, None) => sequence.capacity,
                };
                if count == 0 {
                    return;
                }
                let chosen = self.chosen.get(key).copied().unwrap_or(0);
                let index = chosen.min(count - 1);
                rows.push(Row::Elements(Elements {
                    path: path.to_owned(),
                    key: key.to_owned(),
                    index,
                    count,
                }));
                let at = offset + sequence.slot(index);
                let (path, key) = (format!("{path}[{index}]"), format!("{key}[]"));
                self.push(sequence.element, at, &path, &key, state, rows);
            }
            FieldKind::Maybe => {
                // One row saying `None` or `Some` (`-`/`=` flip it), then,
                // when there is a value, its rows.
                rows.push(Row::Value(Entry {
                    path: path.to_owned(),
                    offset: offset as usize,
                    kind: FieldKind::Maybe,
                    size: field.size,
                    type_name: field.type_name.clone(),
                    variants: Vec::new(),
                }));
                let present = state.and_then(|state| state.u8_at(offset as usize)) == Some(1);
                if let (true, [_, value]) = (present, field.fields.as_slice()) {
                    let (path, key) = (format!("{path}.value"), format!("{key}.value"));
                    self.push(value, offset + value.offset, &path, &key, state, rows);
                }
            }
            kind => rows.push(Row::Value(Entry {
                path: path.to_owned(),
                offset: offset as usize,
                kind,
                size: field.size,
                type_name: field.type_name.clone(),
                variants: Entry::variants_of(field),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fields::decode;
    use hotloop_abi::{List, StateData, StateLayout, glam, state};

    state! {
        struct Cell { alive: bool, hp: i16 }
        struct Board {
            ticks: u32,
            pos: glam::Vec2,
            grid: [[Cell; 3]; 10_000],
            enemies: List<Cell, 4>,
        }
    }

    fn fields_of<S: StateData>() -> Vec<FieldInfo> {
        let mut table = Vec::new();
        hotloop_abi::reflect::table_of::<S>(&mut table);
        decode(&table, StateLayout::of::<S>()).expect("table")
    }

    /// Each row as the inspector writes it, offsets aside.
    fn texts(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|row| match row {
                Row::Value(entry) => entry.path.clone(),
                Row::Elements(elements) => elements.to_string(),
            })
            .collect()
    }

    fn elements(rows: &[Row], path: &str) -> Elements {
        rows.iter()
            .find_map(|row| match row {
                Row::Elements(elements) if elements.path == path => Some(elements.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no row for {path}"))
    }

    #[test]
    fn an_array_shows_one_element_at_a_time_and_a_list_its_live_ones() {
        let fields = fields_of::<Board>();
        let mut state = vec![0u8; size_of::<Board>()];
        let enemies = std::mem::offset_of!(Board, enemies);
        state[enemies..enemies + 4].copy_from_slice(&2u32.to_le_bytes());
        let mut browse = Browse::default();
        let rows = browse.rows(&fields, Some(&state));
        assert_eq!(
            texts(&rows),
            [
                "ticks",
                "pos.x",
                "pos.y",
                "grid [0] of 10000",
                "grid[0] [0] of 3",
                "grid[0][0].alive",
                "grid[0][0].hp",
                "enemies.len",
                "enemies [0] of 2",
                "enemies[0].alive",
                "enemies[0].hp",
            ]
        );

        browse.step(&elements(&rows, "grid"), 9_998);
        browse.step(&elements(&rows, "grid[0]"), 2);
        browse.step(&elements(&rows, "enemies"), 10);
        let rows = browse.rows(&fields, Some(&state));
        let texts = texts(&rows);
        assert!(texts.contains(&"grid [9998] of 10000".into()), "{texts:?}");
        assert!(texts.contains(&"grid[9998][2].hp".into()), "{texts:?}");
        assert!(
            texts.contains(&"enemies[1].hp".into()),
            "stops at the last live one: {texts:?}"
        );
        let Some(Row::Value(hp)) = rows
            .iter()
            .find(|row| matches!(row, Row::Value(e) if e.path == "grid[9998][2].hp"))
        else {
            unreachable!()
        };
        let cell = std::mem::offset_of!(Board, grid) + (9998 * 3 + 2) * size_of::<Cell>();
        assert_eq!(hp.offset, cell + std::mem::offset_of!(Cell, hp));

        browse.step(&elements(&rows, "grid"), -20_000);
        let rows = browse.rows(&fields, Some(&state));
        assert_eq!(elements(&rows, "grid").index, 0, "and at the first");
        assert_eq!(
            elements(&rows, "grid[0]").index,
            2,
            "the inner choice is kept"
        );
    }

    #[test]
    fn an_empty_list_shows_only_its_length_and_a_shorter_one_its_last() {
        let fields = fields_of::<Board>();
        let mut state = vec![0u8; size_of::<Board>()];
        let rows = Browse::default().rows(&fields, Some(&state));
        assert!(texts(&rows).ends_with(&["enemies.len".to_owned()]));

        let enemies = std::mem::offset_of!(Board, enemies);
        state[enemies..enemies + 4].copy_from_slice(&4u32.to_le_bytes());
        let mut browse = Browse::default();
        let rows = browse.rows(&fields, Some(&state));
        browse.step(&elements(&rows, "enemies"), 3);
        state[enemies..enemies + 4].copy_from_slice(&2u32.to_le_bytes());
        let rows = browse.rows(&fields, Some(&state));
        assert_eq!(elements(&rows, "enemies").to_string(), "enemies [1] of 2");

        let without_state = texts(&Browse::default().rows(&fields, None::<&[u8]>));
        assert!(
            without_state.ends_with(&["enemies.len".to_owned()]),
            "{without_state:?}"
        );
    }
}
