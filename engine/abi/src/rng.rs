//! [`Rng`]: seeded, deterministic random numbers whose whole state is one
//! `u64` in the game's state.

use std::ops::{Range, RangeBounds};

use crate::StateData;
use crate::fingerprint::{finish_hash, start_hash};
use crate::reflect::{Field, FieldKind};

/// A random number generator ([fastrand](https://docs.rs/fastrand/2)'s wyrand) whose whole state is a
/// `u64` kept in the game's state. A run from the same seed and the same
/// input draws the same numbers, so recordings replay exactly, a rollback
/// after a crash rewinds the dice too, and a reload keeps the sequence
/// going. A generator in a `static` or `thread_local!` would start over at
/// every reload and differ on every replay.
///
/// ```
/// use hotloop_abi::{Rng, state};
///
/// state! {
///     pub struct State { pub rng: Rng, pub x: f32 }
/// }
///
/// let mut state = State { rng: Rng::new(7), x: 0.0 };
/// let roll = state.rng.u32(1..=6);
/// assert!((1..=6).contains(&roll));
/// state.x = state.rng.f32_range(-1.0..1.0);
/// let mut again = Rng::new(7);
/// assert_eq!(again.u32(1..=6), roll, "same seed, same numbers");
/// ```
///
/// Every method draws from the generator in place and allocates nothing.
/// The zero `Rng` (`Rng::default()`, seed 0) is as good a seed as any.
/// Integer ranges panic when empty (`u32(5..5)`), as in fastrand and `rand`;
/// nothing else panics. The numbers for a seed are fastrand's, pinned by
/// `Cargo.lock`: a fastrand upgrade may change them (a test says so).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rng {
    /// wyrand's state: the seed, advanced by every draw.
    state: u64,
}

impl Rng {
    /// A generator seeded with `seed` (also in a `const` or `static`).
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// Runs `draw` on a fastrand generator holding this state, and keeps
    /// the state it leaves.
    fn draw<R>(&mut self, draw: impl FnOnce(&mut fastrand::Rng) -> R) -> R {
        let mut rng = fastrand::Rng::with_seed(self.state);
        let value = draw(&mut rng);
        self.state = rng.get_seed();
        value
    }

    /// A `u32` in `range` (`0..10`, `1..=6`, `..`).
    ///
    /// # Panics
    /// When `range` is empty.
    pub fn u32(&mut self, range: impl RangeBounds<u32>) -> u32 {
        self.draw(|rng| rng.u32(range))
    }

    /// An `i32` in `range`.
    ///
    /// # Panics
    /// When `range` is empty.
    pub fn i32(&mut self, range: impl RangeBounds<i32>) -> i32 {
        self.draw(|rng| rng.i32(range))
    }

    /// A `u64` in `range`.
    ///
    /// # Panics
    /// When `range` is empty.
    pub fn u64(&mut self, range: impl RangeBounds<u64>) -> u64 {
        self.draw(|rng| rng.u64(range))
    }

    /// A `usize` in `range`: an index (`rng.usize(..list.len())`).
    ///
    /// # Panics
    /// When `range` is empty.
    pub fn usize(&mut self, range: impl RangeBounds<usize>) -> usize {
        self.draw(|rng| rng.usize(range))
    }

    /// An `f32` in `0.0..1.0`.
    pub fn f32(&mut self) -> f32 {
        self.draw(|rng| rng.f32())
    }

    /// An `f32` in `range` (`-1.0..1.0`). A range whose start is not below
    /// its end (empty, reversed, NaN) gives its start, after the same draw.
    pub fn f32_range(&mut self, range: Range<f32>) -> f32 {
        let Range { start, end } = range;
        let value = start + (end - start) * self.f32();
        // Rounding may reach `end`; an infinite span may give NaN.
        if start < end && (start..end).contains(&value) {
            value
        } else {
            start
        }
    }

    /// `true` or `false`, even odds.
    pub fn bool(&mut self) -> bool {
        self.draw(|rng| rng.bool())
    }

    /// `true` with probability `p` (0 or less, or NaN: never; 1 or more:
    /// always), drawing the same whatever `p`.
    pub fn chance(&mut self, p: f32) -> bool {
        self.f32() < p
    }

    /// One of `items`, or `None` (and no draw) when it is empty.
    pub fn choice<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        self.draw(|rng| rng.choice(items))
    }

    /// Puts `items` in a random order (Fisher–Yates, in place).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        self.draw(|rng| rng.shuffle(items));
    }

    /// A new generator seeded from this one (which advances): one per
    /// system or per entity, so that adding draws in one place does not
    /// change the numbers another place gets.
    pub fn fork(&mut self) -> Rng {
        Rng::new(self.draw(|rng| rng.fork()).get_seed())
    }
}

// SAFETY: `#[repr(C)]` with one `u64`: every bit pattern is a valid seed,
// zero included; no pointers, no interior mutability, no destructor.
// `FIELDS` describes it (kind `U64`). The fingerprint starts from "rng",
// unlike any other type's.
unsafe impl StateData for Rng {
    const FINGERPRINT: u64 = finish_hash(start_hash("rng"), size_of::<Self>(), align_of::<Self>());
    const KIND: FieldKind = FieldKind::Struct;
    const FIELDS: &'static [Field] = &[Field {
        type_name: "u64",
        ..Field::holding::<u64>("state")
    }];
}

#[cfg(test)]
mod tests;
