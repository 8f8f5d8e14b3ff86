//! Which bytes are a valid value of a described type: the one rule both
//! sides use, the engine for bytes from outside game code and
//! [`OldState::view`](crate::OldState::view) before it reinterprets bytes.

use super::{Described, Field, FieldKind, whole};

/// A byte pattern that is not a value of its field's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidValue {
    /// Where: `player.alive`, `cells[3].open`, `enemies.len`.
    pub path: String,
    /// The field's kind ([`FieldKind::List`] for a list's length).
    pub kind: FieldKind,
    /// What the bytes hold, as a number (`u32::MAX` when they lie outside the state).
    pub found: u32,
    /// The largest value allowed, where there is one: a list's capacity.
    pub limit: u64,
}

impl std::fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            FieldKind::Bool => write!(
                f,
                "field `{}` holds {}, not a bool (0 or 1)",
                self.path, self.found
            ),
            FieldKind::Char => write!(
                f,
                "field `{}` holds {:#x}, not a char",
                self.path, self.found
            ),
            FieldKind::List => write!(
                f,
                "field `{}` holds {}, more than the list's capacity of {}",
                self.path, self.found, self.limit
            ),
            FieldKind::Enum => write!(
                f,
                "field `{}` holds {}, not one of its enum's variants",
                self.path, self.found
            ),
            _ => write!(f, "field `{}` lies outside the state", self.path),
        }
    }
}

impl std::error::Error for InvalidValue {}

/// Checks that `bytes` hold a valid value for every described field: each
/// `bool` is 0 or 1, each `char` a Unicode scalar value, each enum one of
/// its variants, each list's `len` at most its capacity, recursively
/// through structs, every array element, every live list element and every
/// `Maybe` holding a value. Other kinds accept any bits
/// ([`StateData`](crate::StateData)'s contract); padding, the slots of a
/// list past its length and the value of an empty `Maybe` are not looked
/// at (the engine zeroes them).
///
/// # Errors
/// The first invalid field, with its path.
pub fn check_values<F: Described>(fields: &[F], bytes: &[u8]) -> Result<(), InvalidValue> {
    check_at(fields, bytes, 0, Slots::Live).map_err(|at| at.resolve(fields))
}

/// Checks `bytes` (`size_of::<S>()` of them) against `S`'s own description,
/// as [`check_values`] does, and every slot of every list and the value of
/// every empty `Maybe` as well: after this, the bytes are a valid `S`
/// whatever those unused bytes held.
///
/// # Errors
/// The first invalid field.
pub fn check_state<S: crate::StateData>(bytes: &[u8]) -> Result<(), InvalidValue> {
    let fields: &[Field] = if S::KIND == FieldKind::Struct {
        S::FIELDS
    } else {
        &[whole::<S>()]
    };
    check_at(fields, bytes, 0, Slots::All).map_err(|at| at.resolve(fields))
}

/// Which slots of a list a check looks at.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slots {
    /// The first `len` of a list, a `Maybe`'s value only when it has one:
    /// the values (the rest are zeroed afterwards).
    Live,
    /// All `N` of a list, every `Maybe`'s value: the bytes are about to be
    /// taken as the type itself.
    All,
}

/// Where the first invalid value is: its absolute offset, found while
/// checking without building paths (the path is only worked out on failure).
struct Invalid {
    at: u64,
    kind: FieldKind,
    found: u32,
    limit: u64,
}

impl Invalid {
    fn outside(at: u64) -> Self {
        Self {
            at,
            kind: FieldKind::Opaque,
            found: u32::MAX,
            limit: 0,
        }
    }

    fn resolve<F: Described>(self, fields: &[F]) -> InvalidValue {
        let mut path = String::new();
        locate(fields, 0, self.at, &mut path);
        InvalidValue {
            path,
            kind: self.kind,
            found: self.found,
            limit: self.limit,
        }
    }
}

/// Whether any field under `field` can hold an invalid bit pattern.
fn needs_check<F: Described>(field: &F) -> bool {
    match field.kind() {
        FieldKind::Bool | FieldKind::Char | FieldKind::List | FieldKind::Enum => true,
        FieldKind::Maybe | FieldKind::Struct | FieldKind::Array => {
            field.fields().iter().any(needs_check)
        }
        _ => false,
    }
}

/// The 4 bytes at `at`, if they are inside `bytes`.
fn word_at(bytes: &[u8], at: u64) -> Option<u32> {
    let at = usize::try_from(at).ok()?;
    let word = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(word.try_into().ok()?))
}

/// The unsigned little-endian integer of `size` (1, 2 or 4) bytes at `at`.
fn unsigned_at(bytes: &[u8], at: u64, size: u64) -> Option<u64> {
    let at = usize::try_from(at).ok()?;
    let size = usize::try_from(size)
        .ok()
        .filter(|size| matches!(size, 1 | 2 | 4))?;
    let mut word = [0u8; 8];
    word[..size].copy_from_slice(bytes.get(at..at.checked_add(size)?)?);
    Some(u64::from_le_bytes(word))
}

fn check_at<F: Described>(
    fields: &[F],
    bytes: &[u8],
    base: u64,
    slots: Slots,
) -> Result<(), Invalid> {
    for field in fields.iter().filter(|field| needs_check(*field)) {
        let at = base.saturating_add(field.offset());
        match field.kind() {
            FieldKind::Bool => {
                let byte = *usize::try_from(at)
                    .ok()
                    .and_then(|at| bytes.get(at))
                    .ok_or_else(|| Invalid::outside(at))?;
                if byte > 1 {
                    return Err(Invalid {
                        at,
                        kind: FieldKind::Bool,
                        found: byte.into(),
                        limit: 1,
                    });
                }
            }
            FieldKind::Char => {
                let value = word_at(bytes, at).ok_or_else(|| Invalid::outside(at))?;
                if char::from_u32(value).is_none() {
                    return Err(Invalid {
                        at,
                        kind: FieldKind::Char,
                        found: value,
                        limit: char::MAX.into(),
                    });
                }
            }
            FieldKind::Struct => check_at(field.fields(), bytes, at, slots)?,
            FieldKind::Enum => {
                let found =
                    unsigned_at(bytes, at, field.size()).ok_or_else(|| Invalid::outside(at))?;
                if !field
                    .fields()
                    .iter()
                    .any(|variant| variant.offset() == found)
                {
                    return Err(Invalid {
                        at,
                        kind: FieldKind::Enum,
                        found: u32::try_from(found).unwrap_or(u32::MAX),
                        limit: 0,
                    });
                }
            }
            FieldKind::Maybe => {
                let [some, value] = field.fields() else {
                    return Err(Invalid::outside(at));
                };
                check_at(std::slice::from_ref(some), bytes, at, slots)?;
                let has_value = usize::try_from(at.saturating_add(some.offset()))
                    .ok()
                    .and_then(|some| bytes.get(some))
                    == Some(&1);
                if has_value || slots == Slots::All {
                    check_at(std::slice::from_ref(value), bytes, at, slots)?;
                }
            }
            FieldKind::Array => {
                let [element] = field.fields() else {
                    return Err(Invalid::outside(at));
                };
                let count = field.size().checked_div(element.size()).unwrap_or(0);
                check_elements(element, bytes, at, count, slots)?;
            }
            FieldKind::List => {
                let [len, items] = field.fields() else {
                    return Err(Invalid::outside(at));
                };
                let [element] = items.fields() else {
                    return Err(Invalid::outside(at));
                };
                let len_at = at.saturating_add(len.offset());
                let live = word_at(bytes, len_at).ok_or_else(|| Invalid::outside(len_at))?;
                let capacity = items.size().checked_div(element.size()).unwrap_or(0);
                if u64::from(live) > capacity {
                    return Err(Invalid {
                        at: len_at,
                        kind: FieldKind::List,
                        found: live,
                        limit: capacity,
                    });
                }
                let count = match slots {
                    Slots::Live => live.into(),
                    Slots::All => capacity,
                };
                let items_at = at.saturating_add(items.offset());
                check_elements(element, bytes, items_at, count, slots)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks the first `count` elements of an array that starts at `at`.
fn check_elements<F: Described>(
    element: &F,
    bytes: &[u8],
    at: u64,
    count: u64,
    slots: Slots,
) -> Result<(), Invalid> {
    if !needs_check(element) {
        return Ok(());
    }
    let stride = element.size();
    for index in 0..count {
        let start = index
            .checked_mul(stride)
            .and_then(|offset| at.checked_add(offset))
            .ok_or_else(|| Invalid::outside(at))?;
        check_at(std::slice::from_ref(element), bytes, start, slots)?;
    }
    Ok(())
}

/// Appends the path of the field at absolute offset `at` to `path`.
fn locate<F: Described>(fields: &[F], base: u64, at: u64, path: &mut String) {
    let Some(field) = fields.iter().find(|field| {
        let start = base.saturating_add(field.offset());
        (start..start.saturating_add(field.size().max(1))).contains(&at)
    }) else {
        return;
    };
    path.push_str(field.name());
    locate_within(field, base.saturating_add(field.offset()), at, path);
}

/// Appends the rest of the path inside `field` (starting at `start`):
/// `[index]` for an array or list element, `.len` for a list's length,
/// `.name` for a struct's field.
fn locate_within<F: Described>(field: &F, start: u64, at: u64, path: &mut String) {
    match (field.kind(), field.fields()) {
        (FieldKind::Array, [element]) if element.size() > 0 => {
            let index = (at - start) / element.size();
            path.push_str(&format!("[{index}]"));
            locate_within(element, start + index * element.size(), at, path);
        }
        (FieldKind::List, [_, items]) => {
            let items_at = start.saturating_add(items.offset());
            if at < items_at {
                path.push_str(".len");
            } else {
                locate_within(items, items_at, at, path);
            }
        }
        (FieldKind::Struct | FieldKind::Maybe, nested) if !nested.is_empty() => {
            path.push('.');
            locate(nested, start, at, path);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::state! {
        struct Cell { alive: bool, letter: char, weight: f32 }
        struct Grid { ticks: u64, cells: [[Cell; 3]; 2] }
    }

    /// A valid `Grid` as bytes, written field by field (padding stays zero).
    fn grid_bytes() -> Vec<u8> {
        use std::mem::offset_of;
        let mut bytes = vec![0u8; size_of::<Grid>()];
        for index in 0..6 {
            let cell = offset_of!(Grid, cells) + index * size_of::<Cell>();
            bytes[cell + offset_of!(Cell, alive)] = 1;
            let letter = cell + offset_of!(Cell, letter);
            bytes[letter..letter + 4].copy_from_slice(&u32::from('a').to_le_bytes());
        }
        bytes
    }

    #[test]
    fn invalid_bools_and_chars_are_found_by_path() {
        let mut bytes = grid_bytes();
        assert_eq!(
            check_values(<Grid as crate::StateData>::FIELDS, &bytes),
            Ok(())
        );

        let cells = std::mem::offset_of!(Grid, cells);
        let second_row_third = cells + (3 + 2) * size_of::<Cell>();
        bytes[second_row_third + std::mem::offset_of!(Cell, alive)] = 2;
        let error = check_values(<Grid as crate::StateData>::FIELDS, &bytes).unwrap_err();
        assert_eq!(
            error.to_string(),
            "field `cells[1][2].alive` holds 2, not a bool (0 or 1)"
        );

        bytes[second_row_third + std::mem::offset_of!(Cell, alive)] = 0;
        let letter = cells + std::mem::offset_of!(Cell, letter);
        bytes[letter..letter + 4].copy_from_slice(&0xD800u32.to_le_bytes());
        let error = check_values(<Grid as crate::StateData>::FIELDS, &bytes).unwrap_err();
        assert_eq!(
            error.to_string(),
            "field `cells[0][0].letter` holds 0xd800, not a char"
        );
    }

    #[test]
    fn a_table_that_points_outside_the_bytes_is_refused() {
        let error = check_values(<Grid as crate::StateData>::FIELDS, &[0u8; 4]).unwrap_err();
        assert!(error.to_string().contains("outside the state"), "{error}");
    }

    crate::state! {
        struct Flag { on: bool }
        struct Squad { ticks: u32, members: crate::List<Flag, 4> }
    }

    /// `Squad`'s bytes with `len` live members, each `on`, and `tail`
    /// written into the first free slot.
    fn squad_bytes(len: u32, tail: u8) -> Vec<u8> {
        let members = std::mem::offset_of!(Squad, members);
        let items = members + 4;
        let mut bytes = vec![0u8; size_of::<Squad>()];
        bytes[members..members + 4].copy_from_slice(&len.to_le_bytes());
        for index in 0..len.min(4) as usize {
            bytes[items + index] = 1;
        }
        if let Some(free) = bytes.get_mut(items + len as usize).filter(|_| len < 4) {
            *free = tail;
        }
        bytes
    }

    #[test]
    fn a_list_is_checked_up_to_its_length_and_its_length_against_its_capacity() {
        let fields = <Squad as crate::StateData>::FIELDS;
        assert_eq!(check_values(fields, &squad_bytes(2, 0)), Ok(()));
        let mut bytes = squad_bytes(2, 0);
        bytes[std::mem::offset_of!(Squad, members) + 4 + 1] = 3;
        assert_eq!(
            check_values(fields, &bytes).unwrap_err().to_string(),
            "field `members[1].on` holds 3, not a bool (0 or 1)"
        );
        assert_eq!(
            check_values(fields, &squad_bytes(5, 0))
                .unwrap_err()
                .to_string(),
            "field `members.len` holds 5, more than the list's capacity of 4"
        );
        // A free slot is not a value of the list: the engine zeroes it.
        assert_eq!(check_values(fields, &squad_bytes(2, 9)), Ok(()));
        // But bytes taken as the type itself must be valid in every slot.
        assert_eq!(
            check_state::<Squad>(&squad_bytes(2, 9))
                .unwrap_err()
                .to_string(),
            "field `members[2].on` holds 9, not a bool (0 or 1)"
        );
        assert_eq!(check_state::<Squad>(&squad_bytes(2, 0)), Ok(()));
        assert!(check_state::<Squad>(&squad_bytes(5, 0)).is_err());
    }
}
