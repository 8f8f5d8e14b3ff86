//! [`List`]: a varying number of things in the state, up to a fixed capacity.

use std::fmt;
use std::ops::{Deref, DerefMut, Index, IndexMut, Range};
use std::slice::SliceIndex;

use crate::StateData;
use crate::fingerprint::{finish_hash, hash_u64, start_hash};
use crate::reflect::{Field, FieldKind};

/// A list of at most `N` values of plain data, held in place: a length and
/// `[T; N]`, no heap. Entities that come and go (enemies, bullets, sparks)
/// live in one instead of a hand-rolled count and array.
///
/// It works like a `Vec` that cannot grow: [`push`](List::push) hands the
/// item back when the list is full, and everything a slice offers (sorting,
/// searching, `first`, `windows`, …) works on the live elements through
/// `Deref`. It is [`StateData`], so it lives in the engine's state buffer,
/// survives reloads, and is carried over element by element when `T` or `N`
/// changes (elements past a smaller capacity are dropped, and the migration
/// note says how many).
///
/// ```
/// use hotloop_abi::{List, state};
///
/// state! {
///     pub struct Enemy { pub hp: i32 }
///     pub struct State { pub enemies: List<Enemy, 40> }
/// }
///
/// let mut state = State { enemies: List::new() };
/// state.enemies.push(Enemy { hp: 3 }).expect("room for one");
/// state.enemies.push(Enemy { hp: 0 }).expect("and another");
/// state.enemies.retain(|enemy| enemy.hp > 0);
/// assert_eq!(state.enemies.len(), 1);
/// assert_eq!(state.enemies[0].hp, 3);
/// ```
///
/// The slots past the length are never read through a `List`, and they
/// are kept all zero bytes (a valid value of every `StateData` type):
/// everything that shortens the list zeroes the slots it frees. So the
/// state's bytes, its checksum and its snapshots depend on the live
/// elements alone. The capacity is at most `u32::MAX`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct List<T: StateData, const N: usize> {
    /// How many of `items` are the list's; the rest are zero bytes.
    len: u32,
    items: [T; N],
}

impl<T: StateData, const N: usize> List<T, N> {
    /// Refuses (at compile time) a capacity the `u32` length cannot count.
    const CAPACITY_FITS: () = assert!(N <= u32::MAX as usize, "a List holds at most u32::MAX");

    /// An empty list (also in a `const` or `static`).
    pub const fn new() -> Self {
        let () = Self::CAPACITY_FITS;
        // SAFETY: all-zero bytes are a valid `T` (`StateData`'s contract),
        // so a valid `[T; N]`, and a valid `u32` 0: the empty list, with
        // every slot zeroed as the type keeps them.
        unsafe { std::mem::zeroed() }
    }

    /// A list of `items`, when there are at most `N` of them.
    ///
    /// # Errors
    /// The first item that did not fit.
    pub fn try_from_iter(items: impl IntoIterator<Item = T>) -> Result<Self, T> {
        let mut list = Self::new();
        for item in items {
            list.push(item)?;
        }
        Ok(list)
    }

    /// How many items the list can hold: `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// How many items the list holds.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the list holds no item.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the list holds `N` items (a [`push`](List::push) would fail).
    pub const fn is_full(&self) -> bool {
        self.len() == N
    }

    /// The items, in order.
    pub fn as_slice(&self) -> &[T] {
        &self.items[..self.len()]
    }

    /// The items, in order, to change in place.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        let len = self.len();
        &mut self.items[..len]
    }

    /// Iterates over the items.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.as_slice().iter()
    }

    /// Iterates over the items, to change them in place.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.as_mut_slice().iter_mut()
    }

    /// Adds `item` at the end.
    ///
    /// # Errors
    /// `item` itself, when the list is full.
    pub fn push(&mut self, item: T) -> Result<(), T> {
        if self.is_full() {
            return Err(item);
        }
        self.items[self.len()] = item;
        self.len += 1;
        Ok(())
    }

    /// Removes the last item and returns it, or `None` when empty.
    pub fn pop(&mut self) -> Option<T> {
        let last = self.len().checked_sub(1)?;
        let item = self.items[last];
        self.free(last..last + 1);
        Some(item)
    }

    /// Puts `item` at `index`, moving the items from there one place on.
    ///
    /// # Errors
    /// `item` itself, when the list is full.
    ///
    /// # Panics
    /// When `index > len()`.
    pub fn insert(&mut self, index: usize, item: T) -> Result<(), T> {
        let len = self.len();
        assert!(index <= len, "insert index {index} past the length {len}");
        if self.is_full() {
            return Err(item);
        }
        self.items.copy_within(index..len, index + 1);
        self.items[index] = item;
        self.len += 1;
        Ok(())
    }

    /// Removes the item at `index` and returns it, moving the items after it
    /// one place back (keeps the order; see [`swap_remove`](List::swap_remove)).
    ///
    /// # Panics
    /// When `index >= len()`.
    pub fn remove(&mut self, index: usize) -> T {
        let len = self.len();
        assert!(index < len, "remove index {index} past the length {len}");
        let item = self.items[index];
        self.items.copy_within(index + 1..len, index);
        self.free(len - 1..len);
        item
    }

    /// Removes the item at `index` and returns it, putting the last item in
    /// its place: constant time, but the order changes.
    ///
    /// # Panics
    /// When `index >= len()`.
    pub fn swap_remove(&mut self, index: usize) -> T {
        let len = self.len();
        assert!(
            index < len,
            "swap_remove index {index} past the length {len}"
        );
        let item = self.items[index];
        self.items[index] = self.items[len - 1];
        self.free(len - 1..len);
        item
    }

    /// Keeps only the items for which `keep` returns true, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.retain_mut(|item| keep(item));
    }

    /// As [`retain`](List::retain), with each item mutable: update and
    /// remove in one pass.
    pub fn retain_mut(&mut self, mut keep: impl FnMut(&mut T) -> bool) {
        let len = self.len();
        let mut kept = 0;
        for index in 0..len {
            if keep(&mut self.items[index]) {
                self.items[kept] = self.items[index];
                kept += 1;
            }
        }
        self.free(kept..len);
    }

    /// Keeps the first `len` items (all of them when there are fewer).
    pub fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.free(len..self.len());
        }
    }

    /// Removes every item.
    pub fn clear(&mut self) {
        self.free(0..self.len());
    }

    /// Ends the list at `slots.start` and zeroes `slots` (the tail of the
    /// live items), so that no freed slot keeps a value.
    fn free(&mut self, slots: Range<usize>) {
        debug_assert!(slots.end == self.len() && slots.start <= slots.end);
        let freed = &mut self.items[slots.clone()];
        // SAFETY: `freed` is an exclusive slice of valid `T`s, and writing
        // all-zero bytes over them (padding included) leaves valid `T`s
        // (`StateData`'s contract); `T: Copy` has no destructor to skip.
        unsafe { std::ptr::write_bytes(freed.as_mut_ptr(), 0, freed.len()) };
        self.len = slots.start as u32;
    }
}

impl<T: StateData, const N: usize> Default for List<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: StateData, const N: usize> Deref for List<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: StateData, const N: usize> DerefMut for List<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

impl<T: StateData, I: SliceIndex<[T]>, const N: usize> Index<I> for List<T, N> {
    type Output = I::Output;
    /// # Panics
    /// When `index` reaches past the length (not the capacity).
    fn index(&self, index: I) -> &I::Output {
        &self.as_slice()[index]
    }
}

impl<T: StateData, I: SliceIndex<[T]>, const N: usize> IndexMut<I> for List<T, N> {
    fn index_mut(&mut self, index: I) -> &mut I::Output {
        &mut self.as_mut_slice()[index]
    }
}

impl<'a, T: StateData, const N: usize> IntoIterator for &'a List<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T: StateData, const N: usize> IntoIterator for &'a mut List<T, N> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

/// Collects up to `N` items and drops the rest; see
/// [`List::try_from_iter`] to be told instead.
impl<T: StateData, const N: usize> FromIterator<T> for List<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut list = Self::new();
        for item in items.into_iter().take(N) {
            let _ = list.push(item);
        }
        list
    }
}

impl<T: StateData + fmt::Debug, const N: usize> fmt::Debug for List<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Lists are equal when their items are; free slots do not count.
impl<T: StateData + PartialEq, const N: usize> PartialEq for List<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: StateData + Eq, const N: usize> Eq for List<T, N> {}

// SAFETY: `#[repr(C)]` fixes the layout: `len` (a `u32` at offset 0), then
// `items` (`[T; N]`, `StateData`), so the list holds no pointers. All-zero
// bytes are the empty list with valid (zero) slots. `FIELDS` describes both
// fields; bytes are a valid `List` when every slot is a valid `T`, which
// `check_state` checks, and the list's own invariant (`len <= N`, read
// nowhere past `len`) is checked too. The engine's own check of outside
// bytes (`check_values`) looks at the live slots only and then zeroes the
// free ones, which makes them valid. The fingerprint starts from "list",
// unlike an array's, and covers the element's fingerprint and `N`.
unsafe impl<T: StateData, const N: usize> StateData for List<T, N> {
    const FINGERPRINT: u64 = finish_hash(
        hash_u64(hash_u64(start_hash("list"), T::FINGERPRINT), N as u64),
        size_of::<Self>(),
        align_of::<Self>(),
    );
    const KIND: FieldKind = FieldKind::List;
    const FIELDS: &'static [Field] = &[
        Field {
            type_name: "u32",
            ..Field::holding::<u32>("len")
        },
        Field {
            offset: std::mem::offset_of!(Self, items),
            ..Field::holding::<[T; N]>("items")
        },
    ];
}

#[cfg(test)]
mod tests;
