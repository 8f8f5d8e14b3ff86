//! The padding bytes of a state, worked out once per field table and zeroed
//! after every call that lets game code write the state.
//!
//! A typed write leaves padding bytes undefined, yet the engine copies,
//! checksums and saves the state as bytes. Zeroed padding makes those bytes
//! a function of the field values alone: the same run gives the same
//! `state_checksum` and the same snapshot bytes, every time.

use hotloop_abi::reflect::FieldKind;

use super::FieldInfo;

/// Where a state's padding is: gaps between fields, repeated for each
/// element of an array of padded structs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Padding {
    runs: Vec<Run>,
    /// For a state of at most [`DENSE_UP_TO`] bytes with padding in at least
    /// one 8-byte word of eight between its first and last padded words,
    /// which bytes are padding, as one mask per 8-byte word from the first
    /// padded word to the last (`0xff` per padding byte): zeroed by one pass
    /// of word-wide `and`s that the compiler vectorises, several times
    /// faster than walking `runs` for a state of a few kilobytes with an
    /// array of padded structs in it (the ports). Bigger states keep `runs`,
    /// which writes only bytes that are not zero yet, so that a step dirties
    /// no page it did not write.
    dense: Option<Masks>,
}

/// Padding masks for the words `first..first + words.len()` of a state.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Masks {
    first: usize,
    words: Vec<u64>,
}

/// The largest state whose padding is zeroed through word masks.
const DENSE_UP_TO: u64 = 64 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Run {
    /// `len` padding bytes at `offset`.
    Gap { offset: usize, len: usize },
    /// `inner` (offsets relative to each element) for `count` elements
    /// `stride` bytes apart, the first at `offset`.
    Repeat {
        offset: usize,
        stride: usize,
        count: usize,
        inner: Vec<Run>,
    },
}

impl Padding {
    /// The padding of a state of `size` bytes described by `fields` (a table
    /// already checked against that size).
    /// A table that describes no field at all (a hand-written library's)
    /// says nothing about padding, so nothing is zeroed then.
    pub fn of(fields: &[FieldInfo], size: u64) -> Self {
        if fields.is_empty() {
            return Self::default();
        }
        let runs = runs(fields, size);
        // Masks pay for every word of the state, `runs` for every gap: masks
        // when the state is small and at least one word in eight has padding.
        let dense = (size <= DENSE_UP_TO)
            .then(|| masks(&runs, size as usize))
            .and_then(|masks| {
                // Only the words from the first padded one to the last.
                let first = masks.iter().position(|mask| *mask != 0)?;
                let end = masks.iter().rposition(|mask| *mask != 0)? + 1;
                Some(Masks {
                    first,
                    words: masks[first..end].to_vec(),
                })
            })
            .filter(|masks| {
                let padded = masks.words.iter().filter(|mask| **mask != 0).count();
                padded * 8 >= masks.words.len()
            });
        Self { runs, dense }
    }

    /// Whether the state has no padding at all (then [`Padding::zero`] is free).
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Sets every padding byte of `state` to zero.
    pub fn zero(&self, state: &mut [u8]) {
        match &self.dense {
            Some(Masks {
                first,
                words: masks,
            }) => {
                let state = state.get_mut(first * 8..).unwrap_or_default();
                let last = masks.get(state.len() / 8).copied().unwrap_or(0);
                let mut words = state.chunks_exact_mut(8);
                for (word, mask) in words.by_ref().zip(masks) {
                    let value = u64::from_le_bytes((&*word).try_into().expect("8 bytes"));
                    word.copy_from_slice(&(value & !mask).to_le_bytes());
                }
                for (index, byte) in words.into_remainder().iter_mut().enumerate() {
                    if last & (0xff << (8 * index)) != 0 {
                        *byte = 0;
                    }
                }
            }
            None => zero_runs(&self.runs, state, 0),
        }
    }
}

/// The padding runs of a struct of `size` bytes with `fields`.
fn runs(fields: &[FieldInfo], size: u64) -> Vec<Run> {
    let mut sorted: Vec<&FieldInfo> = fields.iter().collect();
    sorted.sort_by_key(|field| field.offset);
    let mut out = Vec::new();
    let mut covered = 0u64;
    for field in sorted {
        push_gap(&mut out, covered, field.offset);
        covered = covered.max(field.offset + field.size);
        let inner = match field.kind {
            FieldKind::Struct | FieldKind::List | FieldKind::Maybe => {
                runs(&field.fields, field.size)
            }
            FieldKind::Array => match field.element() {
                Some(element) if field.element_count() > 0 => {
                    let inner = runs(std::slice::from_ref(element), element.size);
                    if inner.is_empty() {
                        Vec::new()
                    } else {
                        vec![Run::Repeat {
                            offset: 0,
                            stride: element.size as usize,
                            count: field.element_count() as usize,
                            inner,
                        }]
                    }
                }
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        out.extend(
            inner
                .into_iter()
                .map(|run| run.shifted(field.offset as usize)),
        );
    }
    push_gap(&mut out, covered, size);
    out
}

fn push_gap(out: &mut Vec<Run>, from: u64, to: u64) {
    if to > from {
        out.push(Run::Gap {
            offset: from as usize,
            len: (to - from) as usize,
        });
    }
}

impl Run {
    fn shifted(self, by: usize) -> Self {
        match self {
            Run::Gap { offset, len } => Run::Gap {
                offset: offset + by,
                len,
            },
            Run::Repeat {
                offset,
                stride,
                count,
                inner,
            } => Run::Repeat {
                offset: offset + by,
                stride,
                count,
                inner,
            },
        }
    }
}

/// Zeroes `range` of `state` (clipped to it), writing only when a byte is
/// not zero yet: a write marks its page as changed for the per-step copy
/// of a big state.
pub(super) fn clear(state: &mut [u8], range: std::ops::Range<usize>) {
    if let Some(bytes) = state.get_mut(range)
        && bytes.iter().any(|&byte| byte != 0)
    {
        bytes.fill(0);
    }
}

/// One mask per 8-byte word of a state of `size` bytes (the last word
/// may be partial): `0xff` in each byte `runs` cover.
fn masks(runs: &[Run], size: usize) -> Vec<u64> {
    let mut masks = vec![0; size.div_ceil(8)];
    for_each_gap(runs, 0, &mut |start, len| {
        for at in start..start + len {
            if let Some(mask) = masks.get_mut(at / 8) {
                *mask |= 0xff << (8 * (at % 8));
            }
        }
    });
    masks
}

fn zero_runs(runs: &[Run], state: &mut [u8], base: usize) {
    for_each_gap(runs, base, &mut |start, len| {
        clear(state, start..start + len)
    });
}

/// Calls `gap(start, len)` for every gap `runs` describe, from `base`,
/// repeats unrolled.
fn for_each_gap(runs: &[Run], base: usize, gap: &mut impl FnMut(usize, usize)) {
    for run in runs {
        match run {
            Run::Gap { offset, len } => gap(base + offset, *len),
            Run::Repeat {
                offset,
                stride,
                count,
                inner,
            } => {
                for index in 0..*count {
                    for_each_gap(inner, base + offset + index * stride, gap);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fields::decode;
    use hotloop_abi::{StateData, StateLayout, state};

    state! {
        struct Cell { alive: bool, age: u32 }
        struct Padded { flag: u8, ticks: u64, cells: [Cell; 3], last: u16 }
        struct Tight { a: u32, b: u32 }
    }

    fn padding_of<S: StateData>() -> (Padding, usize) {
        let mut table = Vec::new();
        hotloop_abi::reflect::table_of::<S>(&mut table);
        let layout = StateLayout::of::<S>();
        let fields = decode(&table, layout).expect("table");
        (Padding::of(&fields, layout.size), size_of::<S>())
    }

    #[test]
    fn zeroes_exactly_the_bytes_no_field_covers() {
        let (padding, size) = padding_of::<Padded>();
        let mut bytes = vec![0xAAu8; size];
        padding.zero(&mut bytes);
        let zeroed: Vec<usize> = (0..size).filter(|&at| bytes[at] == 0).collect();
        use std::mem::offset_of;
        let mut expected: Vec<usize> = (1..8).collect(); // after `flag`
        for cell in 0..3 {
            let start = offset_of!(Padded, cells) + cell * size_of::<Cell>();
            expected.extend(start + 1..start + 4); // after `alive`
        }
        expected.extend(offset_of!(Padded, last) + 2..size); // the tail
        assert_eq!(zeroed, expected);
    }

    state! {
        struct Wide { x: u64 }
        struct Listed { items: hotloop_abi::List<Wide, 2> }
    }

    #[test]
    fn a_list_is_padded_between_its_length_and_its_items() {
        let (padding, size) = padding_of::<Listed>();
        let mut bytes = vec![0xAAu8; size];
        padding.zero(&mut bytes);
        let zeroed: Vec<usize> = (0..size).filter(|&at| bytes[at] == 0).collect();
        assert_eq!(zeroed, [4, 5, 6, 7]);
    }

    #[test]
    fn a_state_without_padding_has_nothing_to_zero() {
        assert!(padding_of::<Tight>().0.is_empty());
        assert!(padding_of::<[u32; 5]>().0.is_empty());
    }

    state! {
        struct Sparse { flag: u8, wide: u64, plain: [u64; 64], last: u8 }
        struct Leading { flag: u8, wide: u64, plain: [u64; 64] }
        struct Tiny { a: u16, b: u8 }
    }

    #[test]
    fn dense_and_sparse_padding_zero_the_same_bytes() {
        for (padding, size) in [
            padding_of::<Padded>(),
            padding_of::<Sparse>(),
            padding_of::<Leading>(),
            padding_of::<Tiny>(),
        ] {
            let mut bytes: Vec<u8> = (0..size).map(|at| at as u8 | 1).collect();
            let mut by_runs = bytes.clone();
            padding.zero(&mut bytes);
            zero_runs(&padding.runs, &mut by_runs, 0);
            assert_eq!(bytes, by_runs);
        }
        assert!(
            padding_of::<Padded>().0.dense.is_some(),
            "mostly padded words"
        );
        assert!(
            padding_of::<Sparse>().0.dense.is_none(),
            "two padded words of 67, the first and the last"
        );
        assert_eq!(
            padding_of::<Leading>()
                .0
                .dense
                .map(|masks| masks.words.len()),
            Some(1),
            "the first word alone: nothing after it is padding"
        );
        let (tiny, _) = padding_of::<Tiny>();
        let mut bytes = [7u8; 4];
        tiny.zero(&mut bytes);
        assert_eq!(bytes, [7, 7, 7, 0], "a state shorter than a word");
    }
}
