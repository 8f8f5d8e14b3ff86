//! Reading, showing and nudging single values of the state for the
//! inspector and `--dump-state`.

use hotloop_abi::reflect::FieldKind;

use super::{Browse, FieldInfo, ReadAt, Row};

/// A value the inspector shows: a scalar at a byte offset of the state, or a
/// blob of which only the size is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Dotted path, with `.x`/`.y`/`.z` for vector components.
    pub path: String,
    /// Byte offset in the state.
    pub offset: usize,
    /// A scalar kind, or `Opaque`.
    pub kind: FieldKind,
    /// Size in bytes.
    pub size: u64,
    /// The type as written.
    pub type_name: String,
    /// An enum's variants, in declaration order: name and discriminant.
    pub variants: Vec<(String, u64)>,
}

impl Entry {
    /// Whether the inspector can change it.
    pub fn editable(&self) -> bool {
        int_range(self.kind).is_some()
            || matches!(
                self.kind,
                FieldKind::F32
                    | FieldKind::F64
                    | FieldKind::Bool
                    | FieldKind::Enum
                    | FieldKind::Maybe
            )
    }

    /// The name of this enum's variant with discriminant `value`.
    fn variant_named(&self, value: u64) -> Option<&str> {
        self.variants
            .iter()
            .find(|(_, discriminant)| *discriminant == value)
            .map(|(name, _)| name.as_str())
    }

    /// The variants of an enum field (empty for anything else).
    pub(super) fn variants_of(field: &FieldInfo) -> Vec<(String, u64)> {
        match field.kind {
            FieldKind::Enum => field
                .fields
                .iter()
                .map(|variant| (variant.name.clone(), variant.offset))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Every value of a table as the inspector lists it, depth first, with
/// each array at its first element and lists at their length only (which
/// of their elements are live depends on the state: see [`Browse::rows`]).
pub fn entries(fields: &[FieldInfo]) -> Vec<Entry> {
    Browse::default()
        .rows(fields, None::<&[u8]>)
        .into_iter()
        .filter_map(|row| match row {
            Row::Value(entry) => Some(entry),
            Row::Elements(_) => None,
        })
        .collect()
}

/// A scalar read from the state.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Integers of any width.
    Int(i128),
    /// Floating point.
    Float(f64),
    /// `bool` (any non-zero byte reads as true).
    Bool(bool),
    /// `char`.
    Char(char),
    /// An enum's variant, by name.
    Variant(String),
    /// Whether a [`Maybe`](hotloop_abi::Maybe) holds a value.
    Present(bool),
    /// Not shown: only its size.
    Blob(u64),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(x) => write!(f, "{x:.3}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Char(c) => write!(f, "{c:?}"),
            Value::Variant(name) => f.write_str(name),
            Value::Present(true) => f.write_str("Some"),
            Value::Present(false) => f.write_str("None"),
            Value::Blob(size) => write!(f, "<{size} bytes>"),
        }
    }
}

/// Reads `entry` from the state (`Blob` if its bytes are not there). Only
/// the value's own bytes are read: a `Maybe`'s flag, not its payload.
pub fn read(entry: &Entry, state: &(impl ReadAt + ?Sized)) -> Value {
    let len = match entry.kind {
        FieldKind::U8 | FieldKind::I8 | FieldKind::Bool | FieldKind::Maybe => 1,
        FieldKind::U16 | FieldKind::I16 => 2,
        FieldKind::U32 | FieldKind::I32 | FieldKind::F32 | FieldKind::Char => 4,
        FieldKind::U64 | FieldKind::I64 | FieldKind::F64 => 8,
        FieldKind::Enum => (entry.size as usize).min(8),
        FieldKind::Opaque
        | FieldKind::Struct
        | FieldKind::Array
        | FieldKind::List
        | FieldKind::Vec2
        | FieldKind::Vec3 => return Value::Blob(entry.size),
    };
    let mut bytes = [0; 8];
    if entry.size < len as u64 || !state.read_at(entry.offset, &mut bytes[..len]) {
        return Value::Blob(entry.size);
    }
    let [b0, b1, b2, b3, ..] = bytes;
    let word = u32::from_le_bytes([b0, b1, b2, b3]);
    match entry.kind {
        FieldKind::U8 => Value::Int(b0.into()),
        FieldKind::I8 => Value::Int((b0 as i8).into()),
        FieldKind::U16 => Value::Int(u16::from_le_bytes([b0, b1]).into()),
        FieldKind::I16 => Value::Int(i16::from_le_bytes([b0, b1]).into()),
        FieldKind::U32 => Value::Int(word.into()),
        FieldKind::I32 => Value::Int((word as i32).into()),
        FieldKind::U64 => Value::Int(u64::from_le_bytes(bytes).into()),
        FieldKind::I64 => Value::Int(i64::from_le_bytes(bytes).into()),
        FieldKind::F32 => Value::Float(f32::from_bits(word).into()),
        FieldKind::F64 => Value::Float(f64::from_le_bytes(bytes)),
        FieldKind::Bool => Value::Bool(b0 != 0),
        FieldKind::Char => char::from_u32(word).map_or(Value::Blob(entry.size), Value::Char),
        FieldKind::Enum => {
            let found = u64::from_le_bytes(bytes);
            entry
                .variant_named(found)
                .map_or(Value::Int(found.into()), |name| {
                    Value::Variant(name.to_owned())
                })
        }
        FieldKind::Maybe => Value::Present(b0 != 0),
        FieldKind::Opaque
        | FieldKind::Struct
        | FieldKind::Array
        | FieldKind::List
        | FieldKind::Vec2
        | FieldKind::Vec3 => Value::Blob(entry.size),
    }
}

/// Writes the value `entry` names in `state` to `out` as the inspector
/// shows it, allocating nothing (unlike [`read`] for an enum's variant).
pub fn show(entry: &Entry, state: &(impl ReadAt + ?Sized), out: &mut impl std::fmt::Write) {
    if entry.kind == FieldKind::Enum {
        let len = (entry.size as usize).min(8);
        let mut bytes = [0; 8];
        if state.read_at(entry.offset, &mut bytes[..len]) {
            let found = u64::from_le_bytes(bytes);
            let _ = match entry.variant_named(found) {
                Some(name) => out.write_str(name),
                None => write!(out, "{found}"),
            };
            return;
        }
    }
    let _ = write!(out, "{}", read(entry, state));
}

/// Changes an editable entry by `steps`: integers by 1 per step (clamped to
/// their range), floats by 1.0, a bool flips, an enum goes `steps`
/// variants on (in declaration order, round), a `Maybe` flips between
/// `None` and `Some` of all-zero bytes. Returns the new value.
pub fn nudge(entry: &Entry, state: &mut [u8], steps: i32) -> Option<Value> {
    let value = match (read(entry, state), entry.kind) {
        (Value::Int(n), kind) => {
            let (min, max) = int_range(kind)?;
            Value::Int((n + steps as i128).clamp(min, max))
        }
        (Value::Float(x), _) => Value::Float(x + steps as f64),
        (Value::Bool(b), _) => Value::Bool(if steps == 0 { b } else { !b }),
        (Value::Present(b), _) => Value::Present(if steps == 0 { b } else { !b }),
        (Value::Variant(name), _) => {
            let count = entry.variants.len() as i64;
            let at = entry.variants.iter().position(|(n, _)| *n == name)? as i64;
            let next = (at + i64::from(steps)).rem_euclid(count) as usize;
            Value::Variant(entry.variants[next].0.clone())
        }
        (Value::Char(_) | Value::Blob(_), _) => return None,
    };
    let bytes = state.get_mut(entry.offset..entry.offset + entry.size as usize)?;
    match (&value, entry.kind) {
        (Value::Int(n), _) => bytes.copy_from_slice(&(*n as u64).to_le_bytes()[..bytes.len()]),
        (Value::Float(x), FieldKind::F32) => bytes.copy_from_slice(&(*x as f32).to_le_bytes()),
        (Value::Float(x), _) => bytes.copy_from_slice(&x.to_le_bytes()),
        (Value::Bool(b), _) => bytes[0] = u8::from(*b),
        (Value::Present(b), _) => {
            // A `Maybe`'s flag is its first byte; its value (and padding)
            // the rest, zero when there is none and all-zero when new.
            bytes.fill(0);
            bytes[0] = u8::from(*b);
        }
        (Value::Variant(name), _) => {
            let (_, discriminant) = entry.variants.iter().find(|(n, _)| n == name)?;
            bytes.copy_from_slice(&discriminant.to_le_bytes()[..bytes.len()]);
        }
        (Value::Char(_) | Value::Blob(_), _) => return None,
    }
    Some(value)
}

pub(super) fn int_range(kind: FieldKind) -> Option<(i128, i128)> {
    Some(match kind {
        FieldKind::U8 => (0, u8::MAX as i128),
        FieldKind::U16 => (0, u16::MAX as i128),
        FieldKind::U32 => (0, u32::MAX as i128),
        FieldKind::U64 => (0, u64::MAX as i128),
        FieldKind::I8 => (i8::MIN as i128, i8::MAX as i128),
        FieldKind::I16 => (i16::MIN as i128, i16::MAX as i128),
        FieldKind::I32 => (i32::MIN as i128, i32::MAX as i128),
        FieldKind::I64 => (i64::MIN as i128, i64::MAX as i128),
        _ => return None,
    })
}

/// Most elements of one array or list written to JSON; the rest are
/// counted in a last string element ("<9744 more>").
const JSON_ELEMENTS: u64 = 256;
/// Most array elements written in all, so that arrays of arrays stay
/// bounded too (256 of 256 of 256 would be 16 million).
const JSON_BUDGET: u64 = 1 << 16;

/// The state as JSON: an object per struct, numbers and booleans as values,
/// vectors as arrays, arrays as arrays (lists: their live elements), at most
/// 256 of them and 65,536 array elements in all (then `"<N more>"`),
/// anything else as `"<N bytes>"`.
pub fn to_json(fields: &[FieldInfo], state: &[u8]) -> serde_json::Value {
    let mut budget = JSON_BUDGET;
    json_of_struct(fields, state, 0, &mut budget)
}

fn json_of_struct(
    fields: &[FieldInfo],
    state: &[u8],
    base: u64,
    budget: &mut u64,
) -> serde_json::Value {
    let object = fields
        .iter()
        .map(|field| {
            let value = json_of(field, state, base + field.offset, budget);
            (field.name.clone(), value)
        })
        .collect();
    serde_json::Value::Object(object)
}

/// The value of `field`, which starts at `offset` of the state, writing at
/// most `budget` more array elements.
fn json_of(field: &FieldInfo, state: &[u8], offset: u64, budget: &mut u64) -> serde_json::Value {
    let scalar = |kind, at: u64| {
        let entry = Entry {
            path: String::new(),
            offset: at as usize,
            kind,
            size: kind_size(kind, field.size),
            type_name: String::new(),
            variants: Entry::variants_of(field),
        };
        match read(&entry, state) {
            Value::Int(n) => serde_json::json!(n as i64),
            Value::Float(x) => serde_json::json!(x),
            Value::Bool(b) | Value::Present(b) => serde_json::json!(b),
            Value::Char(c) => serde_json::json!(c.to_string()),
            Value::Variant(name) => serde_json::json!(name),
            Value::Blob(size) => serde_json::json!(format!("<{size} bytes>")),
        }
    };
    match (field.kind, field.sequence(), field.fields.as_slice()) {
        (FieldKind::Struct, ..) => json_of_struct(&field.fields, state, offset, budget),
        (FieldKind::Maybe, _, [some, value]) => {
            match scalar(FieldKind::Bool, offset + some.offset) {
                serde_json::Value::Bool(true) => {
                    json_of(value, state, offset + value.offset, budget)
                }
                _ => serde_json::Value::Null,
            }
        }
        (FieldKind::Vec2 | FieldKind::Vec3, ..) => {
            let axes = if field.kind == FieldKind::Vec2 { 2 } else { 3 };
            (0..axes)
                .map(|axis| scalar(FieldKind::F32, offset + 4 * axis))
                .collect()
        }
        (FieldKind::Array | FieldKind::List, Some(sequence), _) => {
            let live = sequence.live(state, offset);
            let shown = live.min(JSON_ELEMENTS).min(*budget);
            *budget -= shown;
            let mut elements: Vec<_> = (0..shown)
                .map(|index| {
                    let at = offset + sequence.slot(index);
                    json_of(sequence.element, state, at, budget)
                })
                .collect();
            if live > shown {
                elements.push(serde_json::json!(format!("<{} more>", live - shown)));
            }
            serde_json::Value::Array(elements)
        }
        (kind, ..) => scalar(kind, offset),
    }
}

fn kind_size(kind: FieldKind, fallback: u64) -> u64 {
    kind.size().unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nudging_changes_scalars_within_their_range() {
        let entry = |kind, size| Entry {
            path: "v".into(),
            offset: 0,
            kind,
            size,
            type_name: String::new(),
            variants: Vec::new(),
        };
        let mut bytes = [255u8, 0, 0, 0];
        assert_eq!(
            nudge(&entry(FieldKind::U8, 1), &mut bytes, 1),
            Some(Value::Int(255)),
            "clamped"
        );
        assert_eq!(
            nudge(&entry(FieldKind::U8, 1), &mut bytes, -2),
            Some(Value::Int(253))
        );
        let mut float = 1.5f32.to_le_bytes();
        assert_eq!(
            nudge(&entry(FieldKind::F32, 4), &mut float, 2),
            Some(Value::Float(3.5))
        );
        let mut flag = [0u8];
        assert_eq!(
            nudge(&entry(FieldKind::Bool, 1), &mut flag, 1),
            Some(Value::Bool(true))
        );
        assert_eq!(nudge(&entry(FieldKind::Opaque, 8), &mut [0; 8], 1), None);
    }

    #[test]
    fn json_shows_arrays_and_live_list_elements_and_bounds_big_arrays() {
        use hotloop_abi::{List, StateLayout, glam, state};
        state! {
            struct Cell { alive: bool, hp: i16 }
            struct Board { pos: glam::Vec2, cells: [Cell; 2], many: [u8; 300], enemies: List<u16, 4> }
        }
        let mut table = Vec::new();
        hotloop_abi::reflect::table_of::<Board>(&mut table);
        let fields = super::super::decode(&table, StateLayout::of::<Board>()).unwrap();
        let mut state = vec![0u8; size_of::<Board>()];
        let cells = std::mem::offset_of!(Board, cells);
        state[cells + size_of::<Cell>()] = 1;
        let enemies = std::mem::offset_of!(Board, enemies);
        state[enemies] = 2;
        state[enemies + 4..enemies + 8].copy_from_slice(&[7, 0, 8, 0]);
        state[enemies + 8] = 99; // a free slot: never shown
        let json = to_json(&fields, &state);
        assert_eq!(
            json["cells"],
            serde_json::json!([{"alive": false, "hp": 0}, {"alive": true, "hp": 0}])
        );
        assert_eq!(json["enemies"], serde_json::json!([7, 8]));
        assert_eq!(json["pos"], serde_json::json!([0.0, 0.0]));
        let many = json["many"].as_array().unwrap();
        assert_eq!(many.len(), JSON_ELEMENTS as usize + 1);
        assert_eq!(many.last().unwrap(), "<44 more>");

        state! {
            struct Cube { cells: [[[u8; 256]; 256]; 4] }
        }
        let mut table = Vec::new();
        hotloop_abi::reflect::table_of::<Cube>(&mut table);
        let fields = super::super::decode(&table, StateLayout::of::<Cube>()).unwrap();
        let json = to_json(&fields, &vec![0u8; size_of::<Cube>()]);
        let planes = json["cells"].as_array().unwrap();
        let written: usize = planes
            .iter()
            .flat_map(|plane| plane.as_array().unwrap())
            .filter_map(|row| row.as_array())
            .map(|row| row.iter().filter(|v| v.is_number()).count())
            .sum();
        assert!(written < JSON_BUDGET as usize, "{written} values");
        assert_eq!(
            planes[3].as_array().unwrap()[0],
            "<256 more>",
            "out of budget"
        );
    }

    #[test]
    fn enums_read_and_step_by_variant_name_and_maybes_show_none_or_the_value() {
        use crate::state::fields::{Browse, Row, locate};
        use hotloop_abi::{Maybe, StateLayout, state};
        state! {
            #[repr(u8)]
            enum Phase { Title, Playing = 4, Over }
            struct Game { phase: Phase, target: Maybe<u16>, later: Maybe<Phase> }
        }
        let mut table = Vec::new();
        hotloop_abi::reflect::table_of::<Game>(&mut table);
        let fields = super::super::decode(&table, StateLayout::of::<Game>()).unwrap();
        let mut state = vec![0u8; size_of::<Game>()];
        let target = std::mem::offset_of!(Game, target);
        state[target] = 1;
        state[target + 2..target + 4].copy_from_slice(&300u16.to_le_bytes());
        let json = to_json(&fields, &state);
        assert_eq!(
            json,
            serde_json::json!({"phase": "Title", "target": 300, "later": null})
        );

        let phase = locate(&fields, "phase", &state).unwrap();
        assert_eq!(read(&phase, &state), Value::Variant("Title".into()));
        assert_eq!(
            nudge(&phase, &mut state, 1),
            Some(Value::Variant("Playing".into()))
        );
        assert_eq!(state[0], 4, "the variant's discriminant");
        assert_eq!(
            nudge(&phase, &mut state, 2),
            Some(Value::Variant("Title".into())),
            "round"
        );
        assert_eq!(phase.to_owned().variants.len(), 3);

        // The inspector: one row for a `Maybe`, its value's rows when it has one.
        let paths = |state: &[u8]| -> Vec<String> {
            Browse::default()
                .rows(&fields, Some(state))
                .into_iter()
                .filter_map(|row| match row {
                    Row::Value(entry) => Some(format!("{} = {}", entry.path, read(&entry, state))),
                    Row::Elements(_) => None,
                })
                .collect()
        };
        assert_eq!(
            paths(&state),
            [
                "phase = Title",
                "target = Some",
                "target.value = 300",
                "later = None"
            ]
        );
        let rows = Browse::default().rows(&fields, Some(&state));
        let Some(Row::Value(target)) = rows.get(1) else {
            panic!("a row for target");
        };
        assert_eq!(nudge(target, &mut state, 1), Some(Value::Present(false)));
        assert_eq!(
            paths(&state),
            ["phase = Title", "target = None", "later = None"]
        );
        assert!(state[target.offset..].iter().take(4).all(|b| *b == 0));
    }
}
