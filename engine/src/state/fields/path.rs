//! Naming one value of the state by its path through the field table
//! (`player.pos.x`, `cells[3].alive`, `grid[1][2]`), to read it or to
//! write it: what tests written against a game's state use.

use hotloop_abi::reflect::FieldKind;

use super::{Entry, FieldInfo, Value};

/// Why a path names no value, or a value cannot be written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// No field of that name where the path says.
    #[error("no field `{name}` in `{within}`")]
    NoField {
        /// The missing name.
        name: String,
        /// The path up to it (`(state)` at the top).
        within: String,
    },
    /// An index past the end of an array, or past a list's length.
    #[error("`{path}` has {len} elements; index {index} is past the end")]
    OutOfRange {
        /// The array.
        path: String,
        /// Its length.
        len: u64,
        /// The index asked for.
        index: u64,
    },
    /// A path that does not parse, or indexes or enters what cannot be.
    #[error("`{path}`: {why}")]
    Malformed {
        /// The whole path.
        path: String,
        /// What is wrong with it.
        why: String,
    },
    /// The path names a struct, an array or an opaque value, not a number,
    /// a `bool` or a `char`.
    #[error("`{path}` is {kind:?}, not a single value")]
    NotAValue {
        /// The whole path.
        path: String,
        /// What it names.
        kind: FieldKind,
    },
    /// The value does not fit the field's type.
    #[error("`{path}` is {kind:?}; {value} does not fit")]
    DoesNotFit {
        /// The whole path.
        path: String,
        /// The field's kind.
        kind: FieldKind,
        /// The value given.
        value: String,
    },
}

macro_rules! value_from {
    ($($ty:ty => $variant:ident as $wide:ty),* $(,)?) => {$(
        impl From<$ty> for Value {
            fn from(value: $ty) -> Self {
                Value::$variant(<$wide>::from(value))
            }
        }
    )*};
}

value_from!(
    i8 => Int as i128, i16 => Int as i128, i32 => Int as i128, i64 => Int as i128,
    u8 => Int as i128, u16 => Int as i128, u32 => Int as i128, u64 => Int as i128,
    f32 => Float as f64, f64 => Float as f64, bool => Bool as bool, char => Char as char,
);

/// The value at `path` in `state`, as an [`Entry`] (its offset, kind and
/// size). An index into a list must be below its length (`enemies.len`).
///
/// # Errors
/// When the path names no single value.
pub fn locate(fields: &[FieldInfo], path: &str, state: &[u8]) -> Result<Entry, PathError> {
    let malformed = |why: &str| PathError::Malformed {
        path: path.to_owned(),
        why: why.to_owned(),
    };
    let mut scope = fields;
    let mut walked = String::new();
    let mut offset = 0u64;
    let mut current: Option<&FieldInfo> = None;
    for segment in path.split('.') {
        let (name, indices) = split_indices(segment).ok_or_else(|| malformed("bad index"))?;
        if let Some(field) = current {
            match field.kind {
                // A list's `len` is a field of its own: `enemies.len`.
                FieldKind::Struct | FieldKind::List | FieldKind::Maybe => scope = &field.fields,
                FieldKind::Vec2 | FieldKind::Vec3 if indices.is_empty() => {
                    let axis = ["x", "y", "z"]
                        .iter()
                        .take(if field.kind == FieldKind::Vec2 { 2 } else { 3 })
                        .position(|axis| *axis == name)
                        .ok_or_else(|| PathError::NoField {
                            name: name.to_owned(),
                            within: walked.clone(),
                        })?;
                    return Ok(Entry {
                        path: path.to_owned(),
                        offset: (offset + 4 * axis as u64) as usize,
                        kind: FieldKind::F32,
                        size: 4,
                        type_name: "f32".into(),
                        variants: Vec::new(),
                    });
                }
                _ => return Err(malformed(&format!("`{walked}` has no fields"))),
            }
        }
        let field = scope
            .iter()
            .find(|field| field.name == name)
            .ok_or_else(|| PathError::NoField {
                name: name.to_owned(),
                within: if walked.is_empty() {
                    "(state)".into()
                } else {
                    walked.clone()
                },
            })?;
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(name);
        offset += field.offset;
        let mut field = field;
        for index in indices {
            let sequence = field
                .sequence()
                .ok_or_else(|| malformed(&format!("`{walked}` is not an array or a list")))?;
            let len = sequence.live(state, offset);
            if index >= len {
                return Err(PathError::OutOfRange {
                    path: walked,
                    len,
                    index,
                });
            }
            offset += sequence.slot(index);
            walked.push_str(&format!("[{index}]"));
            field = sequence.element;
        }
        current = Some(field);
    }
    let field = current.ok_or_else(|| malformed("empty path"))?;
    let scalar = field.kind.size().is_some() || field.kind == FieldKind::Enum;
    if !scalar || matches!(field.kind, FieldKind::Vec2 | FieldKind::Vec3) {
        return Err(PathError::NotAValue {
            path: path.to_owned(),
            kind: field.kind,
        });
    }
    Ok(Entry {
        path: path.to_owned(),
        offset: offset as usize,
        kind: field.kind,
        size: field.size,
        type_name: field.type_name.clone(),
        variants: super::Entry::variants_of(field),
    })
}

/// `name[1][2]` as `("name", [1, 2])`; `None` when an index does not parse.
fn split_indices(segment: &str) -> Option<(&str, Vec<u64>)> {
    let (name, mut rest) = segment.split_at(segment.find('[').unwrap_or(segment.len()));
    let mut indices = Vec::new();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        indices.push(inner[..close].trim().parse().ok()?);
        rest = &inner[close + 1..];
    }
    Some((name, indices))
}

/// Writes `value` into the field `entry` names, if it fits its type
/// exactly (an integer in range, a finite or infinite float, a `bool`, a
/// valid `char`, an enum's variant by name).
///
/// # Errors
/// When the value does not fit.
pub fn write(entry: &Entry, state: &mut [u8], value: Value) -> Result<(), PathError> {
    let does_not_fit = || PathError::DoesNotFit {
        path: entry.path.clone(),
        kind: entry.kind,
        value: value.to_string(),
    };
    let bytes = state
        .get_mut(entry.offset..entry.offset + entry.size as usize)
        .ok_or_else(does_not_fit)?;
    match (entry.kind, value.clone()) {
        (FieldKind::F32, Value::Float(x)) => bytes.copy_from_slice(&(x as f32).to_le_bytes()),
        (FieldKind::F64, Value::Float(x)) => bytes.copy_from_slice(&x.to_le_bytes()),
        (FieldKind::Bool, Value::Bool(b)) => bytes[0] = u8::from(b),
        (FieldKind::Char, Value::Char(c)) => bytes.copy_from_slice(&u32::from(c).to_le_bytes()),
        (FieldKind::Enum, Value::Variant(name)) => {
            let (_, discriminant) = entry
                .variants
                .iter()
                .find(|(variant, _)| *variant == name)
                .ok_or_else(does_not_fit)?;
            bytes.copy_from_slice(&discriminant.to_le_bytes()[..bytes.len()]);
        }
        (kind, Value::Int(n)) => {
            let (min, max) = super::values::int_range(kind).ok_or_else(does_not_fit)?;
            if !(min..=max).contains(&n) {
                return Err(does_not_fit());
            }
            bytes.copy_from_slice(&(n as u64).to_le_bytes()[..bytes.len()]);
        }
        _ => return Err(does_not_fit()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fields::{decode, read};
    use hotloop_abi::{StateLayout, glam, state};

    state! {
        struct Cell { alive: bool, hp: i16 }
        struct Board {
            ticks: u64,
            pos: glam::Vec2,
            cells: [[Cell; 3]; 2],
            letter: char,
            enemies: hotloop_abi::List<Cell, 4>,
        }
    }

    fn board() -> (Vec<FieldInfo>, Vec<u8>) {
        let mut table = Vec::new();
        hotloop_abi::reflect::table_of::<Board>(&mut table);
        let fields = decode(&table, StateLayout::of::<Board>()).unwrap();
        (fields, vec![0; size_of::<Board>()])
    }

    #[test]
    fn paths_reach_nested_fields_array_elements_and_vector_axes() {
        let (fields, mut bytes) = board();
        let hp = locate(&fields, "cells[1][2].hp", &bytes).unwrap();
        let cell = std::mem::offset_of!(Board, cells) + (3 + 2) * size_of::<Cell>();
        assert_eq!(hp.offset, cell + std::mem::offset_of!(Cell, hp));
        write(&hp, &mut bytes, Value::Int(-7)).unwrap();
        assert_eq!(read(&hp, &bytes), Value::Int(-7));
        let y = locate(&fields, "pos.y", &bytes).unwrap();
        write(&y, &mut bytes, Value::Float(2.5)).unwrap();
        assert_eq!(read(&y, &bytes), Value::Float(2.5));
        let letter = locate(&fields, "letter", &bytes).unwrap();
        write(&letter, &mut bytes, Value::Char('é')).unwrap();
        assert_eq!(read(&letter, &bytes), Value::Char('é'));
    }

    #[test]
    fn a_lists_length_is_a_field_and_only_live_elements_have_paths() {
        let (fields, mut bytes) = board();
        let error = locate(&fields, "enemies[0].hp", &bytes).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`enemies` has 0 elements; index 0 is past the end"
        );
        let len = locate(&fields, "enemies.len", &bytes).unwrap();
        write(&len, &mut bytes, Value::Int(2)).unwrap();
        let hp = locate(&fields, "enemies[1].hp", &bytes).unwrap();
        write(&hp, &mut bytes, Value::Int(30)).unwrap();
        assert_eq!(read(&hp, &bytes), Value::Int(30));
        assert!(locate(&fields, "enemies[2].hp", &bytes).is_err());
    }

    #[test]
    fn wrong_paths_and_values_say_what_is_wrong() {
        let (fields, mut bytes) = board();
        let error = |path: &str| locate(&fields, path, &bytes).unwrap_err().to_string();
        assert_eq!(error("speed"), "no field `speed` in `(state)`");
        assert_eq!(
            error("cells[2][0].hp"),
            "`cells` has 2 elements; index 2 is past the end"
        );
        assert_eq!(
            error("cells[0][0].mana"),
            "no field `mana` in `cells[0][0]`"
        );
        assert_eq!(error("cells"), "`cells` is Array, not a single value");
        assert_eq!(error("pos.w"), "no field `w` in `pos`");
        assert!(error("cells[x]").contains("bad index"));
        assert!(error("ticks[0]").contains("is not an array"));
        let alive = locate(&fields, "cells[0][0].alive", &bytes).unwrap();
        assert!(
            write(&alive, &mut bytes, Value::Int(2)).is_err(),
            "a bool takes only a bool"
        );
        let hp = locate(&fields, "cells[0][0].hp", &bytes).unwrap();
        let too_big = write(&hp, &mut bytes, Value::Int(40_000)).unwrap_err();
        assert_eq!(
            too_big.to_string(),
            "`cells[0][0].hp` is I16; 40000 does not fit"
        );
    }
}
