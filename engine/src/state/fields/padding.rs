//! The padding bytes of a state, worked out once per field table.
//!
//! A typed write leaves padding bytes undefined, yet the engine copies,
//! checksums and saves the state as bytes. Zeroed padding makes those bytes
//! a function of the field values alone: the same run gives the same
//! `state_checksum` and the same snapshot bytes, every time. The state
//! buffer zeroes it before its bytes are read after game code wrote them
//! ([`StateBuffer`](crate::state::StateBuffer)); bytes from outside are
//! zeroed here ([`Padding::zero`]).

use hotloop_abi::reflect::FieldKind;

use super::FieldInfo;

/// Where a state's padding is: gaps between fields, repeated for each
/// element of an array of padded structs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Padding {
    runs: Vec<Run>,
}

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
        Self {
            runs: runs(fields, size),
        }
    }

    /// Whether the state has no padding at all.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Sets every padding byte of `state` (initialised bytes: from a file,
    /// say) to zero, writing only bytes that are not zero yet: a write
    /// marks its page as changed for the per-step copy of a big state.
    pub fn zero(&self, state: &mut [u8]) {
        self.gaps(|gap| clear(state, gap));
    }

    /// Whether any padding byte lies in `range`: without a pass over the
    /// padding, so cheap enough for every step.
    pub fn overlaps(&self, range: std::ops::Range<usize>) -> bool {
        !range.is_empty() && overlaps(&self.runs, 0, &range)
    }

    /// Calls `gap` with the byte range of every gap between fields, in
    /// order.
    pub fn gaps(&self, mut gap: impl FnMut(std::ops::Range<usize>)) {
        for_each_gap(&self.runs, 0, &mut |start, len| gap(start..start + len));
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

/// Whether a gap of `runs` (offsets from `base`) lies in `range` (not
/// empty). Runs are in offset order and apart, so those that end before
/// `range` are skipped by a binary search, and only the array elements
/// `range` touches are looked into.
fn overlaps(runs: &[Run], base: usize, range: &std::ops::Range<usize>) -> bool {
    let first = runs.partition_point(|run| base + run.end() <= range.start);
    for run in &runs[first..] {
        match run {
            Run::Gap { offset, .. } => return base + offset < range.end,
            Run::Repeat {
                offset,
                stride,
                count,
                inner,
            } => {
                let start = base + offset;
                if start >= range.end {
                    return false;
                }
                if *stride == 0 || *count == 0 {
                    continue;
                }
                let touched = range.start.saturating_sub(start) / stride
                    ..=((range.end - 1 - start) / stride).min(count - 1);
                if touched
                    .into_iter()
                    .any(|index| overlaps(inner, start + index * stride, range))
                {
                    return true;
                }
            }
        }
    }
    false
}

impl Run {
    /// Where the run's last byte ends, from its base.
    fn end(&self) -> usize {
        match self {
            Run::Gap { offset, len } => offset + len,
            Run::Repeat {
                offset,
                stride,
                count,
                ..
            } => offset + stride * count,
        }
    }

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
    fn overlaps_says_whether_a_range_holds_padding_for_every_range() {
        let (padding, size) = padding_of::<Padded>();
        let mut is_gap = vec![false; size];
        padding.gaps(|gap| is_gap[gap].fill(true));
        assert!(is_gap.iter().any(|&gap| gap) && !is_gap.iter().all(|&gap| gap));
        for start in 0..=size {
            for end in start..=size {
                assert_eq!(
                    padding.overlaps(start..end),
                    is_gap[start..end].iter().any(|&gap| gap),
                    "{start}..{end}"
                );
            }
        }
        let (tight, size) = padding_of::<Tight>();
        assert!(!tight.overlaps(0..size));
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
}
