//! The state's field table, as the engine sees it: decoded from the bytes a
//! library writes, checked against the state's layout before any use, then
//! used to carry a state over a layout change by field name, to show values
//! in the inspector and `--dump-state`, and to nudge them.
//!
//! Every offset and size is checked here, once, when a library is loaded: a
//! malformed or hostile table is refused and the library with it. All later
//! byte access goes through checked slice indexing as well.

use hotloop_abi::StateLayout;
use hotloop_abi::reflect::FieldKind;

/// Deepest nesting of structs accepted.
const MAX_DEPTH: usize = 16;
/// Most fields accepted in one table.
const MAX_FIELDS: usize = 10_000;

/// One described field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    /// Its name.
    pub name: String,
    /// The name it had before, if it was renamed.
    pub old_name: Option<String>,
    /// Its type, as written.
    pub type_name: String,
    /// Byte offset in its struct.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
    /// Alignment in bytes.
    pub align: u64,
    /// Its type's fingerprint: equal fingerprints mean equal types.
    pub fingerprint: u64,
    /// How to show it.
    pub kind: FieldKind,
    /// Its fields, for a described struct.
    pub fields: Vec<FieldInfo>,
}

/// Decodes a field table and checks it against `layout`.
///
/// # Errors
/// What is malformed, naming the field.
pub fn decode(bytes: &[u8], layout: StateLayout) -> Result<Vec<FieldInfo>, String> {
    let mut reader = Reader {
        bytes,
        at: 0,
        fields: 0,
    };
    let fields = reader.fields(0)?;
    if reader.at != bytes.len() {
        return Err(format!(
            "{} bytes after the field table",
            bytes.len() - reader.at
        ));
    }
    check(&fields, layout.size, "")?;
    Ok(fields)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    fields: usize,
}

impl Reader<'_> {
    fn take(&mut self, len: usize) -> Result<&[u8], String> {
        let end = self
            .at
            .checked_add(len)
            .filter(|end| *end <= self.bytes.len())
            .ok_or("field table cut off")?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn text(&mut self) -> Result<String, String> {
        let len = u16::from_le_bytes(self.take(2)?.try_into().expect("2 bytes")) as usize;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| "a field name is not UTF-8".to_owned())
    }

    fn fields(&mut self, depth: usize) -> Result<Vec<FieldInfo>, String> {
        if depth > MAX_DEPTH {
            return Err(format!("structs nested deeper than {MAX_DEPTH}"));
        }
        let count = u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")) as usize;
        if self.fields.saturating_add(count) > MAX_FIELDS {
            return Err(format!("more than {MAX_FIELDS} fields"));
        }
        self.fields += count;
        let mut fields = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            let (name, type_name, old_name) = (self.text()?, self.text()?, self.text()?);
            let (offset, size, align, fingerprint) =
                (self.u64()?, self.u64()?, self.u64()?, self.u64()?);
            let kind = self.take(1)?[0];
            let kind = FieldKind::from_u8(kind)
                .ok_or_else(|| format!("field `{name}` has unknown kind {kind}"))?;
            let nested = self.fields(depth + 1)?;
            fields.push(FieldInfo {
                name,
                old_name: (!old_name.is_empty()).then_some(old_name),
                type_name,
                offset,
                size,
                align,
                fingerprint,
                kind,
                fields: nested,
            });
        }
        Ok(fields)
    }
}

/// Checks that `fields` fit in a struct of `size` bytes without overlapping,
/// aligned, with sizes that match their kinds; recursively.
fn check(fields: &[FieldInfo], size: u64, prefix: &str) -> Result<(), String> {
    let mut spans: Vec<(u64, u64, &str)> = Vec::with_capacity(fields.len());
    for field in fields {
        let path = format!("{prefix}{}", field.name);
        if field.name.is_empty() {
            return Err(format!("a field of `{prefix}` has no name"));
        }
        if fields.iter().filter(|f| f.name == field.name).count() > 1 {
            return Err(format!("field `{path}` appears twice"));
        }
        if !field.align.is_power_of_two() || field.offset % field.align != 0 {
            return Err(format!(
                "field `{path}` is misaligned (offset {}, align {})",
                field.offset, field.align
            ));
        }
        let end = field
            .offset
            .checked_add(field.size)
            .filter(|end| *end <= size);
        let Some(end) = end else {
            return Err(format!(
                "field `{path}` (offset {}, {} bytes) lies outside its {size}-byte struct",
                field.offset, field.size
            ));
        };
        if let Some(expected) = field.kind.size()
            && expected != field.size
        {
            return Err(format!(
                "field `{path}` is {:?} but {} bytes long",
                field.kind, field.size
            ));
        }
        match field.kind {
            FieldKind::Struct => check(&field.fields, field.size, &format!("{path}."))?,
            _ if !field.fields.is_empty() => {
                return Err(format!("field `{path}` is not a struct but has fields"));
            }
            _ => {}
        }
        spans.push((field.offset, end, &field.name));
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        if pair[1].0 < pair[0].1 {
            return Err(format!(
                "fields `{}` and `{}` overlap",
                pair[0].2, pair[1].2
            ));
        }
    }
    Ok(())
}

/// What an automatic migration did, by field path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Fields whose values were carried over.
    pub carried: Vec<String>,
    /// Old fields with no counterpart in the new state.
    pub removed: Vec<String>,
    /// Fields whose type changed (the new state has `init`'s value).
    pub changed: Vec<String>,
    /// New fields (they have `init`'s value).
    pub added: Vec<String>,
}

impl std::fmt::Display for MigrationReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "carried over {} field(s) by name", self.carried.len())?;
        for (label, list) in [
            ("removed", &self.removed),
            ("changed type", &self.changed),
            ("new", &self.added),
        ] {
            if !list.is_empty() {
                write!(f, "; {label}: {}", list.join(", "))?;
            }
        }
        Ok(())
    }
}

/// Copies every field of `old` whose name (or declared former name) and type
/// match a field of `new`, recursively through described structs. Both tables
/// were checked against their states' sizes when their libraries loaded.
pub fn migrate(
    old_fields: &[FieldInfo],
    old: &[u8],
    new_fields: &[FieldInfo],
    new: &mut [u8],
) -> MigrationReport {
    let mut report = MigrationReport::default();
    carry(old_fields, old, 0, new_fields, new, 0, "", &mut report);
    report
}

#[allow(clippy::too_many_arguments)] // Two (table, bytes, base) triples and the output.
fn carry(
    old_fields: &[FieldInfo],
    old: &[u8],
    old_base: u64,
    new_fields: &[FieldInfo],
    new: &mut [u8],
    new_base: u64,
    prefix: &str,
    report: &mut MigrationReport,
) {
    let mut used = vec![false; old_fields.len()];
    for field in new_fields {
        let path = format!("{prefix}{}", field.name);
        let found = old_fields
            .iter()
            .position(|old| old.name == field.name)
            .or_else(|| {
                let former = field.old_name.as_deref()?;
                old_fields.iter().position(|old| old.name == former)
            });
        let Some(index) = found else {
            report.added.push(path);
            continue;
        };
        used[index] = true;
        let source = &old_fields[index];
        let (from, to) = (old_base + source.offset, new_base + field.offset);
        if source.fingerprint == field.fingerprint && source.size == field.size {
            let (from, to, len) = (from as usize, to as usize, field.size as usize);
            if let (Some(bytes), Some(target)) =
                (old.get(from..from + len), new.get_mut(to..to + len))
            {
                target.copy_from_slice(bytes);
                report.carried.push(path);
                continue;
            }
        }
        if source.kind == FieldKind::Struct && field.kind == FieldKind::Struct {
            carry(
                &source.fields,
                old,
                from,
                &field.fields,
                new,
                to,
                &format!("{path}."),
                report,
            );
        } else {
            report.changed.push(path);
        }
    }
    for (field, used) in old_fields.iter().zip(used) {
        if !used {
            report.removed.push(format!("{prefix}{}", field.name));
        }
    }
}

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
        !matches!(
            self.kind,
            FieldKind::Opaque | FieldKind::Struct | FieldKind::Vec2 | FieldKind::Vec3
        )
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
    /// Not shown: only its size.
    Blob(u64),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(x) => write!(f, "{x:.3}"),
            Value::Bool(b) => write!(f, "{b}"),
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
        FieldKind::Opaque | FieldKind::Struct | FieldKind::Vec2 | FieldKind::Vec3 => {
            Value::Blob(entry.size)
        }
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
        (Value::Blob(_), _) => return None,
    };
    let bytes = state.get_mut(entry.offset..entry.offset + entry.size as usize)?;
    match (value, entry.kind) {
        (Value::Int(n), _) => bytes.copy_from_slice(&(n as u64).to_le_bytes()[..bytes.len()]),
        (Value::Float(x), FieldKind::F32) => bytes.copy_from_slice(&(x as f32).to_le_bytes()),
        (Value::Float(x), _) => bytes.copy_from_slice(&x.to_le_bytes()),
        (Value::Bool(b), _) => bytes[0] = b as u8,
        (Value::Blob(_), _) => return None,
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
    use hotloop_abi::reflect::{Field, encode};

    const INNER: &[Field] = &[
        Field {
            name: "x",
            old_name: None,
            type_name: "f32",
            offset: 0,
            size: 4,
            align: 4,
            fingerprint: 10,
            kind: FieldKind::F32,
            fields: &[],
        },
        Field {
            name: "flag",
            old_name: None,
            type_name: "bool",
            offset: 4,
            size: 1,
            align: 1,
            fingerprint: 11,
            kind: FieldKind::Bool,
            fields: &[],
        },
    ];

    fn field(
        name: &'static str,
        offset: usize,
        size: usize,
        kind: FieldKind,
        fingerprint: u64,
    ) -> Field {
        Field {
            name,
            old_name: None,
            type_name: "t",
            offset,
            size,
            align: 1,
            fingerprint,
            kind,
            fields: if kind == FieldKind::Struct {
                INNER
            } else {
                &[]
            },
        }
    }

    fn layout(size: u64) -> StateLayout {
        StateLayout {
            size,
            align: 8,
            fingerprint: 0,
        }
    }

    fn table(fields: &[Field]) -> Vec<u8> {
        let mut bytes = Vec::new();
        encode(fields, &mut bytes);
        bytes
    }

    #[test]
    fn a_good_table_decodes_with_nested_structs() {
        let fields = [
            field("score", 0, 4, FieldKind::U32, 1),
            field("inner", 8, 8, FieldKind::Struct, 2),
        ];
        let decoded = decode(&table(&fields), layout(16)).unwrap();
        assert_eq!(decoded[1].fields[1].name, "flag");
        let paths: Vec<_> = entries(&decoded)
            .into_iter()
            .map(|e| (e.path, e.offset))
            .collect();
        assert_eq!(
            paths,
            [
                ("score".into(), 0),
                ("inner.x".into(), 8),
                ("inner.flag".into(), 12)
            ]
        );
    }

    #[test]
    fn malformed_tables_are_refused_with_the_field_named() {
        let cases: [(&[Field], &str); 5] = [
            (
                &[field("far", 12, 8, FieldKind::U64, 1)],
                "`far` (offset 12, 8 bytes) lies outside",
            ),
            (
                &[
                    field("a", 0, 4, FieldKind::U32, 1),
                    field("b", 2, 4, FieldKind::U32, 1),
                ],
                "`a` and `b` overlap",
            ),
            (
                &[field("huge", 0, usize::MAX, FieldKind::Opaque, 1)],
                "`huge`",
            ),
            (
                &[field("odd", 0, 3, FieldKind::U32, 1)],
                "`odd` is U32 but 3 bytes long",
            ),
            (
                &[
                    field("twice", 0, 1, FieldKind::U8, 1),
                    field("twice", 1, 1, FieldKind::U8, 1),
                ],
                "appears twice",
            ),
        ];
        for (fields, expected) in cases {
            let error = decode(&table(fields), layout(16)).unwrap_err();
            assert!(
                error.contains(expected),
                "{error} should mention {expected}"
            );
        }
        let mut cut = table(&[field("a", 0, 4, FieldKind::U32, 1)]);
        cut.pop();
        assert!(decode(&cut, layout(16)).unwrap_err().contains("cut off"));
        let mut bad_kind = table(&[field("a", 0, 4, FieldKind::U32, 1)]);
        let kind_at = bad_kind.len() - 5;
        bad_kind[kind_at] = 99;
        assert!(
            decode(&bad_kind, layout(16))
                .unwrap_err()
                .contains("unknown kind 99")
        );
    }

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
