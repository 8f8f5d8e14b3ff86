//! Reading a field table from the library's wire format, and checking it
//! against the state's layout before anything trusts it.

use hotloop_abi::StateLayout;
use hotloop_abi::reflect::FieldKind;

use super::FieldInfo;
use crate::codec::Reader;

/// Deepest nesting of structs accepted.
const MAX_DEPTH: usize = 16;
/// Most fields accepted in one table.
const MAX_FIELDS: usize = 10_000;

/// Decodes a field table and checks it against `layout`.
///
/// # Errors
/// What is malformed, naming the field.
pub fn decode(bytes: &[u8], layout: StateLayout) -> Result<Vec<FieldInfo>, String> {
    let mut reader = TableReader {
        bytes: Reader::new(bytes, "field table"),
        fields: 0,
    };
    let fields = reader.fields(0)?;
    let left = reader.bytes.remaining();
    if left != 0 {
        return Err(format!("{left} bytes after the field table"));
    }
    check(&fields, layout.size, "")?;
    Ok(fields)
}

/// Reads field records, counting them against [`MAX_FIELDS`].
struct TableReader<'a> {
    bytes: Reader<'a>,
    fields: usize,
}

impl TableReader<'_> {
    fn text(&mut self) -> Result<String, String> {
        let len = self.bytes.u16()?;
        let bytes = self.bytes.take(len.into())?;
        String::from_utf8(bytes.to_vec()).map_err(|_| "a field name is not UTF-8".to_owned())
    }

    fn fields(&mut self, depth: usize) -> Result<Vec<FieldInfo>, String> {
        if depth > MAX_DEPTH {
            return Err(format!("structs nested deeper than {MAX_DEPTH}"));
        }
        let count = self.bytes.u32()? as usize;
        if self.fields.saturating_add(count) > MAX_FIELDS {
            return Err(format!("more than {MAX_FIELDS} fields"));
        }
        self.fields += count;
        let mut fields = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            let (name, type_name, old_name) = (self.text()?, self.text()?, self.text()?);
            let b = &mut self.bytes;
            let (offset, size, align, fingerprint) = (b.u64()?, b.u64()?, b.u64()?, b.u64()?);
            let kind = b.u8()?;
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
            FieldKind::Array => check_array(field, &path)?,
            FieldKind::List => check_list(field, &path)?,
            FieldKind::Maybe => check_maybe(field, &path)?,
            FieldKind::Enum => check_enum(field, &path)?,
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

/// A list is described by its `len` (a `u32` at offset 0) and its `items`
/// (an array), which must fit in it like a struct's fields.
fn check_list(list: &FieldInfo, path: &str) -> Result<(), String> {
    let described = matches!(
        list.fields.as_slice(),
        [len, items] if len.name == "len"
            && len.kind == FieldKind::U32
            && len.offset == 0
            && items.kind == FieldKind::Array
    );
    if !described {
        return Err(format!(
            "list `{path}` is not described by a `len` (u32 at offset 0) and an array of items"
        ));
    }
    check(&list.fields, list.size, &format!("{path}."))
}

/// A `Maybe` is described by its `some` (a bool at offset 0) and its
/// `value`, which must fit in it like a struct's fields.
fn check_maybe(maybe: &FieldInfo, path: &str) -> Result<(), String> {
    let described = matches!(
        maybe.fields.as_slice(),
        [some, value] if some.name == "some"
            && some.kind == FieldKind::Bool
            && some.offset == 0
            && value.name == "value"
    );
    if !described {
        return Err(format!(
            "`{path}` is not described by a `some` (bool at offset 0) and a `value`"
        ));
    }
    check(&maybe.fields, maybe.size, &format!("{path}."))
}

/// An enum is an unsigned integer of 1, 2 or 4 bytes, described by its
/// variants: at least one, named, each once, with a discriminant that fits
/// in its size, one of them 0 (the value of all-zero bytes).
fn check_enum(field: &FieldInfo, path: &str) -> Result<(), String> {
    if !matches!(field.size, 1 | 2 | 4) {
        return Err(format!(
            "enum `{path}` is {} bytes long, not 1, 2 or 4",
            field.size
        ));
    }
    let largest = (1u64 << (8 * field.size)) - 1;
    let mut names = std::collections::HashSet::with_capacity(field.fields.len());
    let mut values = std::collections::HashSet::with_capacity(field.fields.len());
    for variant in &field.fields {
        let well_formed = !variant.name.is_empty()
            && variant.size == 0
            && variant.offset <= largest
            && variant.fields.is_empty()
            && names.insert(variant.name.as_str())
            && values.insert(variant.offset);
        if !well_formed {
            return Err(format!(
                "enum `{path}` has a malformed variant `{}` ({})",
                variant.name, variant.offset
            ));
        }
    }
    if !field.fields.iter().any(|variant| variant.offset == 0) {
        return Err(format!("enum `{path}` has no variant that is 0"));
    }
    Ok(())
}

/// An array is described by exactly one element at offset 0 that it holds a
/// whole number of times.
fn check_array(array: &FieldInfo, path: &str) -> Result<(), String> {
    let [element] = array.fields.as_slice() else {
        return Err(format!(
            "array `{path}` describes {} elements instead of one",
            array.fields.len()
        ));
    };
    let fits = match element.size {
        0 => array.size == 0,
        size => array.size.is_multiple_of(size),
    };
    if element.offset != 0 || !fits {
        return Err(format!(
            "array `{path}` ({} bytes) is not a whole number of its {}-byte elements",
            array.size, element.size
        ));
    }
    check(std::slice::from_ref(element), element.size, path)
}
#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::state::fields::entries;
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

    pub(in crate::state::fields) fn field(
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

    pub(in crate::state::fields) fn layout(size: u64) -> StateLayout {
        StateLayout {
            size,
            align: 8,
            fingerprint: 0,
        }
    }

    pub(in crate::state::fields) fn table(fields: &[Field]) -> Vec<u8> {
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
    fn arrays_are_described_by_one_element_and_checked() {
        hotloop_abi::state! {
            struct Cell { alive: bool, letter: char }
            struct Board { cells: [[Cell; 4]; 2] }
        }
        let mut bytes = Vec::new();
        hotloop_abi::reflect::table_of::<Board>(&mut bytes);
        let board = decode(&bytes, StateLayout::of::<Board>()).unwrap();
        let rows = &board[0];
        assert_eq!((rows.kind, rows.element_count()), (FieldKind::Array, 2));
        let row = rows.element().unwrap();
        assert_eq!((row.kind, row.element_count()), (FieldKind::Array, 4));
        let cell = row.element().unwrap();
        assert_eq!(cell.fields[1].kind, FieldKind::Char);

        let element = |size, offset| Field {
            offset,
            ..field("[]", 0, size, FieldKind::U32, 1)
        };
        let array = |size, elements: &'static [Field]| Field {
            fields: elements,
            ..field("list", 0, size, FieldKind::Array, 2)
        };
        let cases: [(Field, &str); 3] = [
            (
                array(12, &[]),
                "array `list` describes 0 elements instead of one",
            ),
            (
                array(10, Box::leak(Box::new([element(4, 0)]))),
                "not a whole number of its 4-byte elements",
            ),
            (
                array(12, Box::leak(Box::new([element(4, 4)]))),
                "not a whole number",
            ),
        ];
        for (field, expected) in cases {
            let error = decode(&table(&[field]), layout(16)).unwrap_err();
            assert!(error.contains(expected), "{error} should say {expected}");
        }
    }

    #[test]
    fn lists_are_described_by_their_length_and_items_and_checked() {
        hotloop_abi::state! {
            struct Cell { alive: bool }
            struct Board { cells: hotloop_abi::List<Cell, 5> }
        }
        let mut bytes = Vec::new();
        hotloop_abi::reflect::table_of::<Board>(&mut bytes);
        let board = decode(&bytes, StateLayout::of::<Board>()).unwrap();
        let list = board[0].sequence().expect("a list is a sequence");
        assert_eq!((list.capacity, list.items, list.len_at), (5, 4, Some(0)));
        assert_eq!(list.element.fields[0].kind, FieldKind::Bool);

        let len = field("len", 0, 4, FieldKind::U32, 1);
        let items = Field {
            fields: Box::leak(Box::new([field("[]", 0, 1, FieldKind::U8, 1)])),
            ..field("items", 4, 4, FieldKind::Array, 3)
        };
        let list = |fields: &'static [Field]| Field {
            fields,
            ..field("cells", 0, 8, FieldKind::List, 2)
        };
        let leak =
            |fields: Vec<Field>| -> &'static [Field] { Box::leak(fields.into_boxed_slice()) };
        let cases: [(Field, &str); 3] = [
            (
                list(leak(vec![items])),
                "list `cells` is not described by a `len`",
            ),
            (
                list(leak(vec![
                    Field { offset: 4, ..len },
                    Field { offset: 0, ..items },
                ])),
                "not described by a `len` (u32 at offset 0)",
            ),
            (
                list(leak(vec![len, Field { size: 8, ..items }])),
                "field `cells.items` (offset 4, 8 bytes) lies outside its 8-byte struct",
            ),
        ];
        for (field, expected) in cases {
            let error = decode(&table(&[field]), layout(16)).unwrap_err();
            assert!(error.contains(expected), "{error} should say {expected}");
        }
    }
}
