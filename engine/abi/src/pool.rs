//! [`Pool`] and [`Handle`]: entities that come and go, named by handles that
//! go stale when their entity is despawned.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use crate::StateData;
use crate::fingerprint::{finish_hash, hash_u64, start_hash};
use crate::reflect::{Field, FieldKind};

/// The generation of a slot spawned and despawned as often as a `u32`
/// counts (2³¹ − 1 times): it is never spawned again, so no old handle can
/// ever name a new entity in it.
const RETIRED: u32 = u32::MAX - 1;

/// Whether a slot of this generation holds an entity: live generations are odd.
const fn is_live(generation: u32) -> bool {
    generation % 2 == 1
}

/// Whether a slot of this generation can take a new entity.
const fn is_free(generation: u32) -> bool {
    generation.is_multiple_of(2) && generation != RETIRED
}

/// Names one entity of a [`Pool`]: its slot and the generation the slot had
/// when the entity was spawned. Once the entity is despawned the handle is
/// stale and the pool answers `None` for it, even after a new entity took
/// the slot.
///
/// A handle is plain data (two `u32`s), so the state can keep one: a
/// missile's target, a unit's leader, even a handle to the same type
/// (`struct Unit { leader: Handle<Unit> }`).
///
/// [`Handle::NONE`] (all zero bytes, also `Handle::default()`) names no
/// entity of any pool: live generations are odd. A handle of another pool
/// of the same type finds whatever that pool holds in its slot with its
/// generation, or nothing; it never causes a panic.
///
/// ```
/// use hotloop_abi::{Handle, Pool};
///
/// let mut ships: Pool<u32, 4> = Pool::new();
/// let ship = ships.spawn(7).unwrap();
/// assert_eq!(ships.get(ship), Some(&7));
/// assert_eq!(ships.get(Handle::NONE), None);
/// ```
#[repr(C)]
pub struct Handle<T> {
    index: u32,
    generation: u32,
    /// Zero-sized: a `Handle<Enemy>` is not a `Handle<Bullet>`.
    marker: PhantomData<T>,
}

impl<T> Handle<T> {
    /// The handle that names no entity (all zero bytes).
    pub const NONE: Self = Self::new(0, 0);

    const fn new(index: u32, generation: u32) -> Self {
        Self {
            index,
            generation,
            marker: PhantomData,
        }
    }

    /// The entity's slot in its pool (0 to `N - 1`): slots never move, so
    /// it suits drawing order or a debug label.
    pub const fn index(self) -> usize {
        self.index as usize
    }

    /// How many times the slot was spawned and despawned before this entity
    /// (odd for every handle `spawn` returns).
    pub const fn generation(self) -> u32 {
        self.generation
    }

    /// Whether this handle can name no entity at all ([`Handle::NONE`], or
    /// an even generation read from outside). A handle that is not none may
    /// still be stale: ask the pool.
    pub const fn is_none(self) -> bool {
        !is_live(self.generation)
    }
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Handle<T> {}

impl<T> Default for Handle<T> {
    fn default() -> Self {
        Self::NONE
    }
}

impl<T> PartialEq for Handle<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.index, self.generation) == (other.index, other.generation)
    }
}

impl<T> Eq for Handle<T> {}

impl<T> Hash for Handle<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.index, self.generation).hash(state);
    }
}

/// `Handle(3v5)`: slot 3, generation 5.
impl<T> fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Handle({}v{})", self.index, self.generation)
    }
}

// SAFETY: `#[repr(C)]` fixes the layout: `index` (u32, offset 0), then
// `generation` (u32, offset 4), then a zero-sized `PhantomData` that holds
// nothing: no pointer, no interior mutability, no destructor (`Copy`). Every
// bit pattern of the two `u32`s is a valid handle (the pool checks a handle
// before it uses it), so all-zero bytes are too, and `FIELDS` describes
// every byte with kind `U32`. The fingerprint starts from "handle", unlike
// any other type's, and covers the size, alignment and kind of `T`: not
// `T::FINGERPRINT`, which would make a type that holds a handle to itself
// (`struct Unit { leader: Handle<Unit> }`) a compile-time cycle. Handles of
// two types of the same size may share a fingerprint, which is sound: their
// bytes mean the same to the engine (any two `u32`s).
unsafe impl<T: StateData> StateData for Handle<T> {
    const FINGERPRINT: u64 = finish_hash(
        hash_u64(
            hash_u64(
                hash_u64(start_hash("handle"), size_of::<T>() as u64),
                align_of::<T>() as u64,
            ),
            T::KIND as u64,
        ),
        size_of::<Self>(),
        align_of::<Self>(),
    );
    const KIND: FieldKind = FieldKind::Struct;
    const FIELDS: &'static [Field] = &[
        Field {
            type_name: "u32",
            offset: std::mem::offset_of!(Self, index),
            ..Field::holding::<u32>("index")
        },
        Field {
            type_name: "u32",
            offset: std::mem::offset_of!(Self, generation),
            ..Field::holding::<u32>("generation")
        },
    ];
}

/// Up to `N` entities held in place (no heap), each named by a [`Handle`]
/// that goes stale when it is despawned: enemies a missile can target,
/// units that follow a leader. Like [`List`](crate::List) it lives in the
/// state and survives reloads; unlike a `List`, entities never move, so a
/// handle kept anywhere in the state keeps naming its entity, or nothing.
///
/// ```
/// use hotloop_abi::{Handle, Pool, state};
///
/// state! {
///     pub struct Enemy { pub hp: i32 }
///     pub struct State { pub enemies: Pool<Enemy, 64>, pub target: Handle<Enemy> }
/// }
///
/// let mut state = State { enemies: Pool::new(), target: Handle::NONE };
/// state.target = state.enemies.spawn(Enemy { hp: 3 }).expect("room");
/// if let Some(enemy) = state.enemies.get_mut(state.target) {
///     enemy.hp -= 3;
/// }
/// state.enemies.retain(|_, enemy| enemy.hp > 0);
/// assert_eq!(state.enemies.get(state.target), None, "a stale handle finds nothing");
/// let again = state.enemies.spawn(Enemy { hp: 5 }).expect("room");
/// assert_eq!(again.index(), state.target.index(), "the same slot, reused");
/// assert_eq!(state.enemies.get(state.target), None, "and still nothing");
/// ```
///
/// Each slot has a generation: odd while it holds an entity, even while
/// free. `spawn` takes the lowest free slot (deterministic, a scan of at
/// most `N`), `despawn` bumps the generation and zeroes the slot's item, so
/// the state's bytes, checksum and snapshots depend on live entities only.
/// A slot spawned 2³¹ − 1 times retires instead of wrapping its generation
/// (a handle from two billion spawns ago must not come back to life): the
/// pool then holds one entity fewer. Never replace a pool that handles
/// elsewhere in the state point into with `Pool::new()`: [`clear`](Pool::clear)
/// keeps the generations, so those handles go stale.
///
/// There is no stored length: [`len`](Pool::len) counts live slots, so any
/// bytes the engine accepts (generations are any `u32`s) are a consistent
/// pool, and a reload that changes `N` or `T` carries slots and generations
/// element by element: handles to slots that still exist keep working.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Pool<T: StateData, const N: usize> {
    /// Per slot: odd while it holds an entity, even while free.
    generations: [u32; N],
    /// Per slot: the entity, or zero bytes when free.
    items: [T; N],
}

impl<T: StateData, const N: usize> Pool<T, N> {
    /// Refuses (at compile time) a capacity a handle's `u32` index cannot count.
    const CAPACITY_FITS: () = assert!(N <= u32::MAX as usize, "a Pool holds at most u32::MAX");

    /// An empty pool (also in a `const` or `static`).
    pub const fn new() -> Self {
        let () = Self::CAPACITY_FITS;
        // Generation 0 marks a free, never-used slot.
        crate::zeroed()
    }

    /// How many entities the pool can hold: `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// How many entities it holds (counted: a scan of `N` generations).
    pub fn len(&self) -> usize {
        self.generations.iter().filter(|&&g| is_live(g)).count()
    }

    /// Whether it holds no entity.
    pub fn is_empty(&self) -> bool {
        !self.generations.iter().any(|&g| is_live(g))
    }

    /// Whether no slot is free (a [`spawn`](Pool::spawn) would fail).
    pub fn is_full(&self) -> bool {
        !self.generations.iter().any(|&g| is_free(g))
    }

    /// Puts `item` in the lowest free slot and returns its handle.
    ///
    /// # Errors
    /// `item` itself, when no slot is free.
    pub fn spawn(&mut self, item: T) -> Result<Handle<T>, T> {
        let () = Self::CAPACITY_FITS;
        let Some(index) = self.generations.iter().position(|&g| is_free(g)) else {
            return Err(item);
        };
        // Even and below `RETIRED`: the odd successor does not overflow.
        let generation = self.generations[index] + 1;
        self.generations[index] = generation;
        self.items[index] = item;
        Ok(Handle::new(index as u32, generation))
    }

    /// The slot `handle` names, if its entity is still there.
    fn slot(&self, handle: Handle<T>) -> Option<usize> {
        let index = handle.index();
        let current = *self.generations.get(index)?;
        (is_live(current) && current == handle.generation).then_some(index)
    }

    /// Whether `handle`'s entity is alive in this pool.
    pub fn contains(&self, handle: Handle<T>) -> bool {
        self.slot(handle).is_some()
    }

    /// `handle`'s entity, or `None` once it was despawned.
    pub fn get(&self, handle: Handle<T>) -> Option<&T> {
        self.slot(handle).map(|index| &self.items[index])
    }

    /// `handle`'s entity to change in place, or `None` once it was despawned.
    pub fn get_mut(&mut self, handle: Handle<T>) -> Option<&mut T> {
        self.slot(handle).map(|index| &mut self.items[index])
    }

    /// Removes `handle`'s entity and returns it; `None` (and nothing
    /// happens) when it was already despawned. Every handle to it goes stale.
    pub fn despawn(&mut self, handle: Handle<T>) -> Option<T> {
        let index = self.slot(handle)?;
        let item = self.items[index];
        self.free(index);
        Some(item)
    }

    /// Makes the live slot `index` free: a new generation and zero bytes.
    fn free(&mut self, index: usize) {
        let generation = &mut self.generations[index];
        *generation = generation.saturating_add(1).min(RETIRED);
        // Its padding is the engine's to zero after the step, as for any write.
        self.items[index] = crate::zeroed();
    }

    /// The live entities with their handles, in slot order (which despawning
    /// does not change).
    pub fn iter(&self) -> impl Iterator<Item = (Handle<T>, &T)> {
        self.generations
            .iter()
            .zip(&self.items)
            .enumerate()
            .filter(|(_, (g, _))| is_live(**g))
            .map(|(index, (&g, item))| (Handle::new(index as u32, g), item))
    }

    /// As [`iter`](Pool::iter), each entity mutable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (Handle<T>, &mut T)> {
        self.generations
            .iter()
            .zip(&mut self.items)
            .enumerate()
            .filter(|(_, (g, _))| is_live(**g))
            .map(|(index, (&g, item))| (Handle::new(index as u32, g), item))
    }

    /// The handles of the live entities, in slot order. To despawn while
    /// looking at them, use [`retain`](Pool::retain), or collect handles
    /// first and despawn afterwards: other entities never move, and
    /// despawning a handle twice does nothing.
    pub fn handles(&self) -> impl Iterator<Item = Handle<T>> {
        self.iter().map(|(handle, _)| handle)
    }

    /// Keeps the entities for which `keep` returns true and despawns the
    /// others, in slot order; each entity is mutable, to update and remove
    /// in one pass.
    pub fn retain(&mut self, mut keep: impl FnMut(Handle<T>, &mut T) -> bool) {
        for index in 0..N {
            let generation = self.generations[index];
            if is_live(generation)
                && !keep(
                    Handle::new(index as u32, generation),
                    &mut self.items[index],
                )
            {
                self.free(index);
            }
        }
    }

    /// Despawns every entity; every handle goes stale.
    pub fn clear(&mut self) {
        self.retain(|_, _| false);
    }
}

impl<T: StateData, const N: usize> Default for Pool<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

/// `{Handle(0v1): …, Handle(2v3): …}`: the live entities.
impl<T: StateData + fmt::Debug, const N: usize> fmt::Debug for Pool<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Pools are equal when their generations and live entities are: the same
/// handles name the same values.
impl<T: StateData + PartialEq, const N: usize> PartialEq for Pool<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.generations == other.generations
            && self.iter().zip(other.iter()).all(|(a, b)| a.1 == b.1)
    }
}

// SAFETY: `#[repr(C)]` fixes the layout: `generations` (`[u32; N]`) then
// `items` (`[T; N]`, `StateData`), so the pool holds no pointers, no
// interior mutability and no destructor. All-zero bytes are the empty pool
// (generation 0: free) with valid items. `FIELDS` describes both arrays
// (kind `Array`, `T`'s own kind and fields for the items), so checking them
// checks every byte that is not padding: the pool has no invariant beyond
// valid fields, because it stores no length and checks every generation and
// index it reads (any `u32`s make a consistent pool). The fingerprint starts
// from "pool", unlike an array's or a list's, and covers `T::FINGERPRINT`
// and `N`.
unsafe impl<T: StateData, const N: usize> StateData for Pool<T, N> {
    const FINGERPRINT: u64 = finish_hash(
        hash_u64(hash_u64(start_hash("pool"), T::FINGERPRINT), N as u64),
        size_of::<Self>(),
        align_of::<Self>(),
    );
    const KIND: FieldKind = FieldKind::Struct;
    const FIELDS: &'static [Field] = &[
        Field {
            offset: std::mem::offset_of!(Self, generations),
            ..Field::holding::<[u32; N]>("generations")
        },
        Field {
            offset: std::mem::offset_of!(Self, items),
            ..Field::holding::<[T; N]>("items")
        },
    ];
}

#[cfg(test)]
mod tests;
