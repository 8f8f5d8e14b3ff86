//! Helpers for the tests of state types: which bytes a field table
//! describes, values built from arbitrary bytes the way the engine accepts
//! them from a file, and a count of heap allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use crate::reflect::{Field, FieldKind};
use crate::{OldState, StateData, StateLayout};

thread_local! {
    /// Allocations made by this thread (no destructor: usable to the end).
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, counting allocations per thread.
struct Counting;

// SAFETY: every call is passed on to `System` unchanged, which upholds
// `GlobalAlloc`'s contract; counting touches a `Cell` only.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        // SAFETY: the caller's guarantees, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's guarantees, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Runs `body` and asserts it allocated nothing on the heap.
pub fn assert_no_allocation<R>(body: impl FnOnce() -> R) -> R {
    let before = ALLOCATIONS.with(Cell::get);
    let value = body();
    let made = ALLOCATIONS.with(Cell::get) - before;
    assert_eq!(made, 0, "{made} heap allocations");
    value
}

/// How many leaf fields of `S`'s table (through structs, every array
/// element, a list's `len` and every slot) cover each of its bytes.
pub fn coverage<S: StateData>() -> Vec<u8> {
    let mut counts = vec![0; size_of::<S>()];
    let whole = Field::holding::<S>("state");
    cover(std::slice::from_ref(&whole), 0, &mut counts);
    counts
}

fn cover(fields: &[Field], base: usize, counts: &mut [u8]) {
    for field in fields {
        let at = base + field.offset;
        match field.kind {
            FieldKind::Struct | FieldKind::List => cover(field.fields, at, counts),
            FieldKind::Array => {
                let element = &field.fields[0];
                for index in 0..field.size.checked_div(element.size).unwrap_or(0) {
                    cover(field.fields, at + index * element.size, counts);
                }
            }
            _ => counts[at..at + field.size].iter_mut().for_each(|c| *c += 1),
        }
    }
}

/// Asserts that `S`'s fields cover each of its bytes exactly once, except
/// the `padding` ones, which no field covers.
pub fn assert_described<S: StateData>(padding: &[usize]) {
    let counts = coverage::<S>();
    for (at, count) in counts.iter().enumerate() {
        let expected = u8::from(!padding.contains(&at));
        assert_eq!(
            *count,
            expected,
            "byte {at} of {} is covered {count} times",
            std::any::type_name::<S>()
        );
    }
}

/// A value of `S` made of `noise` (repeated), with what the engine would
/// refuse made valid first (bools to 0 or 1, chars to scalar values, list
/// lengths to at most the capacity), then taken through the engine's own
/// safe path for outside bytes: [`OldState::view`].
pub fn from_noise<S: StateData>(noise: &[u8]) -> S {
    assert!(align_of::<S>() <= 8);
    let mut words = vec![0u64; size_of::<S>().div_ceil(8)];
    // SAFETY: a `u64` buffer of at least `size_of::<S>()` bytes, viewed as
    // bytes: every byte pattern is a valid `u64`.
    let bytes =
        unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), size_of::<S>()) };
    for (byte, noise) in bytes.iter_mut().zip(noise.iter().cycle()) {
        *byte = *noise;
    }
    let whole = Field::holding::<S>("state");
    tame(std::slice::from_ref(&whole), 0, bytes);
    let old = OldState::new(bytes, StateLayout::of::<S>());
    *old.view::<S>()
        .expect("tamed bytes pass the engine's check")
}

fn tame(fields: &[Field], base: usize, bytes: &mut [u8]) {
    for field in fields {
        let at = base + field.offset;
        match field.kind {
            FieldKind::Bool => bytes[at] &= 1,
            FieldKind::Char => bytes[at + 1..at + 4].fill(0),
            FieldKind::Struct => tame(field.fields, at, bytes),
            FieldKind::Array => {
                let element = &field.fields[0];
                for index in 0..field.size.checked_div(element.size).unwrap_or(0) {
                    tame(field.fields, at + index * element.size, bytes);
                }
            }
            FieldKind::List => {
                let [_, items] = field.fields else {
                    panic!("a list has a len and items")
                };
                let capacity = items.size / items.fields[0].size.max(1);
                let word = &mut bytes[at..at + 4];
                let len = u32::from_le_bytes(word.try_into().unwrap()) as usize;
                word.copy_from_slice(&((len % (capacity + 1)) as u32).to_le_bytes());
                tame(&field.fields[1..], at, bytes);
            }
            _ => {}
        }
    }
}

#[test]
#[should_panic(expected = "1 heap allocations")]
fn the_allocation_count_sees_a_box() {
    assert_no_allocation(|| Box::new(1));
}
