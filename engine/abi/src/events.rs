//! [`Events`]: messages from one system to later ones, kept in the state for
//! two steps, and the [`EventCursor`] that reads each of them once.

use std::fmt;

use crate::fingerprint::{finish_hash, hash_u64, start_hash};
use crate::reflect::{Field, FieldKind};
use crate::{List, StateData};

/// A queue of up to `N` events per step, double-buffered as in Bevy: an
/// event sent in one step can be read for the rest of that step and
/// throughout the next, then it is gone. A system that finds a collision
/// sends `Hit { .. }`; the systems for sound, score and sparks read it,
/// whether they run after the sender or before it (then they see it one
/// step later).
///
/// The owner of the queue calls [`update`](Events::update) once per step,
/// in the game's first system, before anything sends: it turns this step's
/// events into the previous step's and drops the older ones. Forget it and
/// the queue fills up, then [`dropped`](Events::dropped) (a field the
/// inspector shows) counts every event that did not fit.
///
/// [`read`](Events::read) yields both steps' events, so a system that reads
/// every step sees each event twice: in the step it was sent (if it runs
/// after the sender) and in the next. A system that must act once per event
/// keeps an [`EventCursor`] in the state and reads with
/// [`read_new`](Events::read_new).
///
/// ```
/// use hotloop_abi::{EventCursor, Events, state};
///
/// state! {
///     pub struct Hit { pub damage: u32 }
///     pub struct State { pub hits: Events<Hit, 16>, pub scored: EventCursor, pub score: u32 }
/// }
///
/// let mut state = State { hits: Events::new(), scored: EventCursor::new(), score: 0 };
/// for step in 0..3 {
///     state.hits.update(); // first system of the step
///     if step == 0 {
///         state.hits.send(Hit { damage: 5 }); // a collision system
///     }
///     for hit in state.hits.read_new(&mut state.scored) { // a score system
///         state.score += hit.damage;
///     }
/// }
/// assert_eq!(state.score, 5, "read once, though held for two steps");
/// assert_eq!(state.hits.read().count(), 0, "gone after two steps");
/// ```
///
/// Everything lives in place (two [`List`]s, no heap), so pending events
/// survive a reload, record and replay with the state, and show in the
/// inspector as `previous` and `current`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Events<T: StateData, const N: usize> {
    /// How many events were ever queued (not dropped): the number the next
    /// one gets, which cursors count against.
    sent: u64,
    /// How many events did not fit, ever.
    dropped: u64,
    /// Sent during the previous step.
    previous: List<T, N>,
    /// Sent during this step, so far.
    current: List<T, N>,
}

/// Where one reader is in an [`Events`] queue, kept in the state next to
/// it: how many of the queue's events it has read. With it,
/// [`Events::read_new`] yields each event once, whatever the order of the
/// systems. One cursor per reading system; a zero cursor (`new`,
/// `default`) has read nothing yet.
///
/// ```
/// use hotloop_abi::{EventCursor, Events};
///
/// let mut shots: Events<u32, 4> = Events::new();
/// let mut sound = EventCursor::new();
/// shots.send(1);
/// assert_eq!(shots.read_new(&mut sound).count(), 1);
/// assert_eq!(shots.read_new(&mut sound).count(), 0, "already read");
/// ```
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EventCursor {
    /// The queue's `sent` count when this reader last read.
    seen: u64,
}

impl EventCursor {
    /// A cursor that has read nothing: it reads every event still held.
    pub const fn new() -> Self {
        Self { seen: 0 }
    }
}

impl<T: StateData, const N: usize> Events<T, N> {
    /// An empty queue (also in a `const` or `static`).
    pub const fn new() -> Self {
        Self {
            sent: 0,
            dropped: 0,
            previous: List::new(),
            current: List::new(),
        }
    }

    /// How many events fit in one step: `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// How many events are held: the previous step's and this step's.
    pub fn len(&self) -> usize {
        self.previous.len() + self.current.len()
    }

    /// Whether no event is held.
    pub fn is_empty(&self) -> bool {
        self.previous.is_empty() && self.current.is_empty()
    }

    /// How many events were dropped, ever, because `N` had been sent in
    /// their step already.
    pub const fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Queues `event` for the rest of this step and the next. Returns
    /// false, and counts it in [`dropped`](Events::dropped), when `N`
    /// events were sent this step already.
    pub fn send(&mut self, event: T) -> bool {
        if self.current.push(event).is_err() {
            self.dropped = self.dropped.saturating_add(1);
            return false;
        }
        self.sent = self.sent.wrapping_add(1);
        true
    }

    /// Starts a new step: this step's events become the previous step's,
    /// and the previous step's are dropped. Call it once per step, in the
    /// game's first system.
    pub fn update(&mut self) {
        self.previous = self.current;
        self.current.clear();
    }

    /// Every event held, in the order sent: the previous step's, then this
    /// step's so far. Called in two steps, it yields an event twice; see
    /// [`read_new`](Events::read_new).
    pub fn read(&self) -> impl Iterator<Item = &T> {
        self.previous.iter().chain(self.current.iter())
    }

    /// The events held that `cursor` has not read yet, in the order sent,
    /// and marks them read (all of them, at this call, even those the
    /// iterator is not advanced to). A reader that calls it at least once
    /// per step sees every event exactly once. A cursor that fell behind
    /// (its reader skipped a step) reads every event still held, once; one
    /// the queue does not know (new, from another queue, or the queue was
    /// replaced) reads every event held.
    pub fn read_new<'a>(
        &'a self,
        cursor: &mut EventCursor,
    ) -> impl Iterator<Item = &'a T> + use<'a, T, N> {
        let held = self.len() as u64;
        let unseen = self.sent.wrapping_sub(cursor.seen);
        cursor.seen = self.sent;
        // More unseen than held: it missed some, and reads all that is left.
        self.read().skip(held.saturating_sub(unseen) as usize)
    }

    /// Drops every event held. Cursors stay valid: nothing held is new to them.
    pub fn clear(&mut self) {
        self.previous.clear();
        self.current.clear();
    }
}

impl<T: StateData, const N: usize> Default for Events<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: StateData + fmt::Debug, const N: usize> fmt::Debug for Events<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events")
            .field("previous", &self.previous)
            .field("current", &self.current)
            .field("sent", &self.sent)
            .field("dropped", &self.dropped)
            .finish()
    }
}

/// Queues are equal when their events and counts are.
impl<T: StateData + PartialEq, const N: usize> PartialEq for Events<T, N> {
    fn eq(&self, other: &Self) -> bool {
        (self.sent, self.dropped) == (other.sent, other.dropped)
            && self.previous == other.previous
            && self.current == other.current
    }
}

// SAFETY: `#[repr(C)]` fixes the layout: `sent` and `dropped` (u64, any
// bits valid) then two `List<T, N>` (`StateData`, with their own kind and
// fields), so the queue holds no pointers, no interior mutability and no
// destructor, and all-zero bytes are the empty queue. `FIELDS` describes all
// four fields, so checking them (each list's `len` against its capacity and
// its slots included) checks every byte that is not padding; the queue has
// no invariant of its own: any counts work (cursor arithmetic wraps and is
// clamped to the events held). The fingerprint starts from "events" and
// covers `T::FINGERPRINT` and `N`.
unsafe impl<T: StateData, const N: usize> StateData for Events<T, N> {
    const FINGERPRINT: u64 = finish_hash(
        hash_u64(hash_u64(start_hash("events"), T::FINGERPRINT), N as u64),
        size_of::<Self>(),
        align_of::<Self>(),
    );
    const KIND: FieldKind = FieldKind::Struct;
    const FIELDS: &'static [Field] = &[
        Field {
            type_name: "u64",
            offset: std::mem::offset_of!(Self, sent),
            ..Field::holding::<u64>("sent")
        },
        Field {
            type_name: "u64",
            offset: std::mem::offset_of!(Self, dropped),
            ..Field::holding::<u64>("dropped")
        },
        Field {
            offset: std::mem::offset_of!(Self, previous),
            ..Field::holding::<List<T, N>>("previous")
        },
        Field {
            offset: std::mem::offset_of!(Self, current),
            ..Field::holding::<List<T, N>>("current")
        },
    ];
}

// SAFETY: `#[repr(C)]` with one `u64` (any bits valid, zero included), no
// pointers; `FIELDS` describes it; the fingerprint starts from
// "event cursor", unlike any other type's.
unsafe impl StateData for EventCursor {
    const FINGERPRINT: u64 = finish_hash(
        start_hash("event cursor"),
        size_of::<Self>(),
        align_of::<Self>(),
    );
    const KIND: FieldKind = FieldKind::Struct;
    const FIELDS: &'static [Field] = &[Field {
        type_name: "u64",
        ..Field::holding::<u64>("seen")
    }];
}

#[cfg(test)]
mod tests;
