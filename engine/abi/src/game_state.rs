//! [`GameState`]: which phase a game is in (menu, playing, paused, …),
//! as plain data in the state, with the transitions [`game!`](crate::game)
//! applies between steps.

use crate::StateData;
use crate::fingerprint::{field_hash, finish_hash, start_hash};
use crate::reflect::{Field, FieldKind};

/// The phase a game is in, and the phase it asked to go to: a small state
/// machine kept in the state like any other field, so it survives reloads,
/// rolls back with a failed step, replays exactly and shows in the
/// inspector (as `current`, `next`, `pending` and `entered`).
///
/// `E` is any plain, comparable value: a `u8`, or an enum the state
/// declares. Name the field in [`game!`](crate::game) with `game_state:`,
/// and `game!` runs the systems given for each value:
///
/// - `on_exit: [Value => system, …]` and `on_enter: [Value => system, …]`
///   run when the game leaves or enters `Value`, in the order listed;
/// - `.run_if(in_state(Value))` runs a system of `systems` only while the
///   game is in `Value`.
///
/// # When a transition happens
///
/// [`set`](Self::set) only asks: the transition happens at the start of
/// the next `update`, before its systems run (as Bevy's `StateTransition`
/// schedule runs before `Update`): the exit systems of the old value run
/// (which still see it as current), the value changes, the enter systems
/// of the new value run, then the step's systems. The initial value is
/// entered at the start of the first `update` (its enter systems run
/// then). There is at most one transition per step: a `set` made by an
/// exit or enter system is applied at the start of the next step, and of
/// several `set`s in one step the last wins.
///
/// Everything happens inside one `update` call and depends on nothing but
/// the state and the step's input. So a step that panics rolls back with
/// its transition, a reload between two steps never sees half a
/// transition, and a recording replays every transition exactly.
///
/// `set` to the value the game is already in leaves it and enters it again
/// (exit systems, then enter systems: a way to restart a level), as Bevy's
/// `NextState::set` does; [`set_if_neq`](Self::set_if_neq) does nothing then.
///
/// ```
/// use hotloop_abi::{Frame, GameState, state};
///
/// const MENU: u8 = 0;
/// const PLAYING: u8 = 1;
///
/// state! {
///     pub struct State { pub phase: GameState<u8>, pub waves: u32, pub ticks: u64 }
/// }
///
/// fn init() -> State { State { phase: GameState::new(MENU), waves: 0, ticks: 0 } }
/// fn start(state: &mut State, frame: &Frame) {
///     if frame.number == 10 { state.phase.set(PLAYING); }
/// }
/// fn spawn_wave(state: &mut State, _: &Frame) { state.waves += 1; }
/// fn tick(state: &mut State, _: &Frame) { state.ticks += 1; }
///
/// hotloop_abi::game! {
///     state: State,
///     init: init,
///     game_state: phase,
///     on_enter: [PLAYING => spawn_wave],
///     systems: [start, tick.run_if(in_state(PLAYING))],
/// }
/// # fn main() {}
/// ```
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GameState<E: StateData + PartialEq> {
    /// The value the game is in.
    current: E,
    /// The value asked for by [`set`](Self::set), while `pending`; else
    /// `current` again.
    next: E,
    /// Whether a transition to `next` waits for the next step.
    pending: bool,
    /// Whether `current` was entered (its enter systems ran): false from
    /// [`new`](Self::new) until the first step.
    entered: bool,
}

impl<E: StateData + PartialEq> GameState<E> {
    /// A game that starts in `initial`, entered at the start of the first
    /// step.
    pub const fn new(initial: E) -> Self {
        Self {
            current: initial,
            next: initial,
            pending: false,
            entered: false,
        }
    }

    /// The value the game is in.
    pub const fn get(&self) -> E {
        self.current
    }

    /// Whether the game is in `value`.
    pub fn is(&self, value: E) -> bool {
        self.current == value
    }

    /// Asks to go to `next` at the start of the next step, replacing any
    /// earlier request. `next` may be the current value: the game then
    /// leaves it and enters it again.
    pub fn set(&mut self, next: E) {
        self.next = next;
        self.pending = true;
    }

    /// As [`set`](Self::set), unless `next` is the current value (compared
    /// now): then any earlier request of this step is dropped and the game
    /// stays where it is, with no exit or enter systems run.
    pub fn set_if_neq(&mut self, next: E) {
        if next == self.current {
            self.next = self.current;
            self.pending = false;
        } else {
            self.set(next);
        }
    }

    /// The value asked for and not yet gone to, if any.
    pub fn next(&self) -> Option<E> {
        self.pending.then_some(self.next)
    }

    /// Whether the next step has nothing to do: the current value entered
    /// and no request waiting.
    pub(crate) fn settled(&self) -> bool {
        self.entered && !self.pending
    }

    /// What the next step's transition is: `(Some(from), to)` to leave
    /// `from` for `to`, `(None, to)` to enter the initial value; `None`
    /// when settled. Marks the transition taken: a request made from here
    /// on waits for the step after.
    pub(crate) fn begin_transition(&mut self) -> Option<(Option<E>, E)> {
        if !self.entered {
            self.entered = true;
            return Some((None, self.current));
        }
        if !self.pending {
            return None;
        }
        self.pending = false;
        let to = self.next;
        // Until a new request, `next` reads as `current` (set by `switch`).
        Some((Some(self.current), to))
    }

    /// Makes `to` the current value, keeping a request made since
    /// [`begin_transition`](Self::begin_transition).
    pub(crate) fn switch(&mut self, to: E) {
        self.current = to;
        if !self.pending {
            self.next = to;
        }
    }
}

// SAFETY: `#[repr(C)]` fixes the layout: two `E`s and two `bool`s. `E` is
// `StateData`, so it holds no pointer, reference, function pointer, interior
// mutability or destructor, and neither do the `bool`s. All-zero bytes are
// a valid value: a zero `E` (valid by `E`'s contract) and two `false`s
// (padding may hold anything). The fingerprint starts from "game_state",
// which no other `StateData` type starts from (`state!` structs start from
// "struct", arrays "array", lists "list", primitives their own names), and
// covers each field's name, fingerprint and offset, the size and the
// alignment, as a `state!` struct's does. `KIND` is `Struct` and `FIELDS`
// lists all four fields with their own kinds and fields (`E`'s description
// for `current` and `next`, `Bool` for the flags), so checking the
// described fields checks every byte that is not padding: the value is
// valid exactly when both `E`s are and both flags are 0 or 1.
unsafe impl<E: StateData + PartialEq> StateData for GameState<E> {
    const FINGERPRINT: u64 = {
        let hash = start_hash("game_state");
        let hash = field_hash(
            hash,
            "current",
            E::FINGERPRINT,
            std::mem::offset_of!(Self, current),
        );
        let hash = field_hash(
            hash,
            "next",
            E::FINGERPRINT,
            std::mem::offset_of!(Self, next),
        );
        let hash = field_hash(
            hash,
            "pending",
            bool::FINGERPRINT,
            std::mem::offset_of!(Self, pending),
        );
        let hash = field_hash(
            hash,
            "entered",
            bool::FINGERPRINT,
            std::mem::offset_of!(Self, entered),
        );
        finish_hash(hash, size_of::<Self>(), align_of::<Self>())
    };
    const KIND: FieldKind = FieldKind::Struct;
    const FIELDS: &'static [Field] = &[
        Field {
            offset: std::mem::offset_of!(Self, current),
            ..Field::holding::<E>("current")
        },
        Field {
            offset: std::mem::offset_of!(Self, next),
            ..Field::holding::<E>("next")
        },
        Field {
            type_name: "bool",
            offset: std::mem::offset_of!(Self, pending),
            ..Field::holding::<bool>("pending")
        },
        Field {
            type_name: "bool",
            offset: std::mem::offset_of!(Self, entered),
            ..Field::holding::<bool>("entered")
        },
    ];
}
