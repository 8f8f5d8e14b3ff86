//! Reading, showing and nudging single values of the state for the
//! inspector and `--dump-state`.

use hotloop_abi::reflect::FieldKind;

use super::FieldInfo;

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
}

impl Entry {
    /// Whether the inspector can change it.
    pub fn editable(&self) -> bool {
        int_range(self.kind).is_some()
            || matches!(self.kind, FieldKind::F32 | FieldKind::F64 | FieldKind::Bool)
    }
}

/// Flattens a table into inspector entries, depth first.
pub fn entries(fields: &[FieldInfo]) -> Vec<Entry> {
    let mut out = Vec::new();
    flatten(fields, 0, "", &mut out);
    out
}

fn flatten(fields: &[FieldInfo], base: u64, prefix: &str, out: &mut Vec<Entry>) {
    for field in fields {
        let path = format!("{prefix}{}", field.name);
        let offset = base + field.offset;
        match field.kind {
            FieldKind::Struct => flatten(&field.fields, offset, &format!("{path}."), out),
            FieldKind::Vec2 | FieldKind::Vec3 => {
                let axes: &[&str] = if field.kind == FieldKind::Vec2 {
                    &["x", "y"]
                } else {
                    &["x", "y", "z"]
                };
                for (index, axis) in axes.iter().enumerate() {
                    out.push(Entry {
                        path: format!("{path}.{axis}"),
                        offset: (offset + 4 * index as u64) as usize,
                        kind: FieldKind::F32,
                        size: 4,
                        type_name: "f32".into(),
                    });
                }
            }
            kind => out.push(Entry {
                path,
                offset: offset as usize,
                kind,
                size: field.size,
                type_name: field.type_name.clone(),
            }),
        }
    }
}

/// A scalar read from the state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// Integers of any width.
    Int(i128),
    /// Floating point.
    Float(f64),
    /// `bool` (any non-zero byte reads as true).
    Bool(bool),
    /// `char`.
    Char(char),
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
            Value::Blob(size) => write!(f, "<{size} bytes>"),
        }
    }
}

/// Reads `entry` from the state's bytes (`Blob` if out of range).
pub fn read(entry: &Entry, state: &[u8]) -> Value {
    let Some(bytes) = state.get(entry.offset..entry.offset + entry.size as usize) else {
        return Value::Blob(entry.size);
    };
    let array = |n: usize| -> [u8; 8] {
        let mut out = [0; 8];
        out[..n].copy_from_slice(&bytes[..n]);
        out
    };
    match entry.kind {
        FieldKind::U8 => Value::Int(bytes[0] as i128),
        FieldKind::I8 => Value::Int(bytes[0] as i8 as i128),
        FieldKind::U16 => Value::Int(u16::from_le_bytes([bytes[0], bytes[1]]) as i128),
        FieldKind::I16 => Value::Int(i16::from_le_bytes([bytes[0], bytes[1]]) as i128),
        FieldKind::U32 => {
            Value::Int(u32::from_le_bytes(array(4)[..4].try_into().expect("4")) as i128)
        }
        FieldKind::I32 => {
            Value::Int(i32::from_le_bytes(array(4)[..4].try_into().expect("4")) as i128)
        }
        FieldKind::U64 => Value::Int(u64::from_le_bytes(array(8)) as i128),
        FieldKind::I64 => Value::Int(i64::from_le_bytes(array(8)) as i128),
        FieldKind::F32 => {
            Value::Float(f32::from_le_bytes(array(4)[..4].try_into().expect("4")) as f64)
        }
        FieldKind::F64 => Value::Float(f64::from_le_bytes(array(8))),
        FieldKind::Bool => Value::Bool(bytes[0] != 0),
        FieldKind::Char => char::from_u32(u32::from_le_bytes(array(4)[..4].try_into().expect("4")))
            .map_or(Value::Blob(entry.size), Value::Char),
        FieldKind::Opaque
        | FieldKind::Struct
        | FieldKind::Array
        | FieldKind::List
        | FieldKind::Vec2
        | FieldKind::Vec3 => Value::Blob(entry.size),
    }
}

/// Changes an editable entry by `steps`: integers by 1 per step (clamped to
/// their range), floats by 1.0, a bool flips. Returns the new value.
pub fn nudge(entry: &Entry, state: &mut [u8], steps: i32) -> Option<Value> {
    let value = match (read(entry, state), entry.kind) {
        (Value::Int(n), kind) => {
            let (min, max) = int_range(kind)?;
            Value::Int((n + steps as i128).clamp(min, max))
        }
        (Value::Float(x), _) => Value::Float(x + steps as f64),
        (Value::Bool(b), _) => Value::Bool(if steps == 0 { b } else { !b }),
        (Value::Char(_) | Value::Blob(_), _) => return None,
    };
    let bytes = state.get_mut(entry.offset..entry.offset + entry.size as usize)?;
    match (value, entry.kind) {
        (Value::Int(n), _) => bytes.copy_from_slice(&(n as u64).to_le_bytes()[..bytes.len()]),
        (Value::Float(x), FieldKind::F32) => bytes.copy_from_slice(&(x as f32).to_le_bytes()),
        (Value::Float(x), _) => bytes.copy_from_slice(&x.to_le_bytes()),
        (Value::Bool(b), _) => bytes[0] = u8::from(b),
        (Value::Char(_) | Value::Blob(_), _) => return None,
    }
    Some(value)
}

fn int_range(kind: FieldKind) -> Option<(i128, i128)> {
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

/// The state as JSON: an object per struct, numbers and booleans as values,
/// vectors as arrays, anything else as `"<N bytes>"`.
pub fn to_json(fields: &[FieldInfo], state: &[u8]) -> serde_json::Value {
    json_of(fields, state, 0)
}

fn json_of(fields: &[FieldInfo], state: &[u8], base: u64) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    for field in fields {
        let offset = base + field.offset;
        let scalar = |kind, at: u64| {
            let entry = Entry {
                path: String::new(),
                offset: at as usize,
                kind,
                size: kind_size(kind, field.size),
                type_name: String::new(),
            };
            match read(&entry, state) {
                Value::Int(n) => serde_json::json!(n as i64),
                Value::Float(x) => serde_json::json!(x),
                Value::Bool(b) => serde_json::json!(b),
                Value::Char(c) => serde_json::json!(c.to_string()),
                Value::Blob(size) => serde_json::json!(format!("<{size} bytes>")),
            }
        };
        let value = match field.kind {
            FieldKind::Struct => json_of(&field.fields, state, offset),
            FieldKind::Vec2 => serde_json::json!([
                scalar(FieldKind::F32, offset),
                scalar(FieldKind::F32, offset + 4)
            ]),
            FieldKind::Vec3 => serde_json::json!([
                scalar(FieldKind::F32, offset),
                scalar(FieldKind::F32, offset + 4),
                scalar(FieldKind::F32, offset + 8)
            ]),
            kind => scalar(kind, offset),
        };
        object.insert(field.name.clone(), value);
    }
    serde_json::Value::Object(object)
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
}
