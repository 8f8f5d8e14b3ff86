//! `game!` with its keys in another order than the table's, a
//! `game_state` with `on_enter` / `on_exit` systems, run conditions and
//! `on_reload` systems, driven through the entry points it exports, as the
//! engine calls them.

#![allow(missing_docs)]

use hotloop_abi::reflect::{FieldKind, check_state};
use hotloop_abi::{Frame, GameState, Message, StateData, StateLayout, Status, state};

state! {
    /// An enum-like phase (until `state!` declares enums): a number with names.
    pub struct Phase { pub id: u8 }

    pub struct State {
        pub phase: GameState<Phase>,
        /// What ran, one letter per system, in order (the last 32).
        pub log: [u8; 32],
        pub len: u32,
        pub ticks: u64,
        pub level: u32,
    }
}

const MENU: Phase = Phase { id: 0 };
const PLAYING: Phase = Phase { id: 1 };
const OVER: Phase = Phase { id: 2 };

fn note(state: &mut State, letter: u8) {
    let at = state.len as usize % state.log.len();
    state.log[at] = letter;
    state.len += 1;
}

fn init() -> State {
    State {
        phase: GameState::new(MENU),
        log: [0; 32],
        len: 0,
        ticks: 0,
        level: 1,
    }
}

fn tick(state: &mut State, _: &Frame) {
    state.ticks += 1;
    note(state, b't');
}
fn play(state: &mut State, _: &Frame) {
    note(state, b'p');
}
fn in_menu(state: &mut State, frame: &Frame) {
    note(state, b'm');
    // The menu is left at step 2.
    if frame.number == 2 {
        state.phase.set(PLAYING);
    }
}
fn odd_ticks(state: &State) -> bool {
    state.ticks % 2 == 1
}
fn odd(state: &mut State, _: &Frame) {
    note(state, b'o');
}
fn enter_menu(state: &mut State, _: &Frame) {
    note(state, b'M');
}
fn enter_playing(state: &mut State, _: &Frame) {
    note(state, b'P');
    assert!(state.phase.is(PLAYING), "enter systems see the new value");
}
fn exit_menu(state: &mut State, _: &Frame) {
    assert!(state.phase.is(MENU), "exit systems see the old value");
    note(state, b'x');
}
fn build_level(state: &mut State, _: &Frame) {
    state.level = 7;
    note(state, b'R');
}

// Keys in an order of their own, closures and conditions mixed in.
hotloop_abi::game! {
    on_reload: [build_level],
    systems: [
        tick,
        in_menu.run_if(in_state(MENU)),
        play.run_if(in_state(PLAYING)),
        odd.run_if(odd_ticks),
        (|state: &mut State, _: &Frame| note(state, b'n')).run_if(not(in_state(PLAYING))),
        |state: &mut State, _: &Frame| note(state, b'c'),
    ],
    on_exit: [MENU => exit_menu],
    game_state: phase,
    title: "schedule",
    on_enter: [
        PLAYING => enter_playing,
        MENU => enter_menu,
        OVER => |state: &mut State, _: &Frame| note(state, b'O'),
    ],
    rate: 30,
    init: init,
    state: State,
}

/// The game's state, driven through its exports.
struct Game {
    state: Box<State>,
    number: u64,
}

impl Game {
    fn new() -> Self {
        let mut state = Box::new(init());
        let mut error = Message::new();
        // SAFETY: `state` is a valid, exclusive `State`, which `init`
        // overwrites (with a `State`: the layout is the library's own).
        let status =
            unsafe { (__HOTLOOP_GAME.init)(std::ptr::from_mut(&mut *state).cast(), &mut error) };
        assert_eq!(status, Status::OK, "{}", error.as_str());
        Self { state, number: 0 }
    }

    /// One update; returns the letters it logged.
    fn step(&mut self, reloaded: bool) -> String {
        let before = self.state.len as usize;
        let frame = Frame {
            number: self.number,
            reloaded,
            ..Frame::default()
        };
        self.number += 1;
        let mut error = Message::new();
        // SAFETY: a valid, exclusive `State` written by `init`, a valid
        // frame and message, all ours for the call.
        let status = unsafe {
            (__HOTLOOP_GAME.update)(
                std::ptr::from_mut(&mut *self.state).cast(),
                &frame,
                &mut error,
            )
        };
        assert_eq!(status, Status::OK, "{}", error.as_str());
        (before..self.state.len as usize)
            .map(|at| self.state.log[at % 32] as char)
            .collect()
    }
}

#[test]
fn keys_in_any_order_give_the_same_game() {
    assert_eq!(__HOTLOOP_GAME.package, "hotloop-abi");
    // SAFETY: `display` and `state_layout` take nothing and only return values.
    let (display, layout) =
        unsafe { ((__HOTLOOP_GAME.display)(), (__HOTLOOP_GAME.state_layout)()) };
    assert_eq!((display.rate, display.title_len), (30, "schedule".len()));
    assert_eq!(layout, StateLayout::of::<State>());
    let mut names = [0u8; 256];
    // SAFETY: `names` holds 256 writable bytes.
    let len = unsafe { (__HOTLOOP_GAME.system_names)(names.as_mut_ptr(), names.len()) };
    let names = std::str::from_utf8(&names[..len]).unwrap();
    assert_eq!(
        names.lines().collect::<Vec<_>>()[..4],
        ["tick", "in_menu", "play", "odd"],
        "{names}"
    );
    assert_eq!(names.lines().count(), 6, "{names}");
}

#[test]
fn states_enter_exit_and_gate_systems_one_transition_per_step() {
    let mut game = Game::new();
    // Step 0: the initial value is entered first; then the systems.
    assert_eq!(game.step(false), "Mtmonc");
    assert_eq!(game.step(false), "tmnc");
    // Step 2 asks for PLAYING: nothing changes within the step.
    assert_eq!(game.step(false), "tmonc");
    assert_eq!(game.state.phase.next(), Some(PLAYING));
    // Step 3: exit MENU, enter PLAYING, then the systems of PLAYING.
    assert_eq!(game.step(false), "xPtpc");
    assert!(game.state.phase.is(PLAYING) && game.state.phase.next().is_none());
    assert_eq!(game.step(false), "tpoc");

    // `set` to the current value leaves it and enters it again.
    game.state.phase.set(PLAYING);
    assert_eq!(game.step(false), "Ptpc");
    // `set_if_neq` to it does nothing, and drops an earlier request.
    game.state.phase.set(OVER);
    game.state.phase.set_if_neq(PLAYING);
    assert_eq!(game.step(false), "tpoc");
    game.state.phase.set(OVER);
    assert_eq!(game.step(false), "Otnc");
    assert_eq!(game.state.phase.get(), OVER);
}

#[test]
fn on_reload_systems_run_first_in_a_step_the_frame_marks() {
    let mut game = Game::new();
    game.step(false);
    game.state.level = 3;
    assert_eq!(game.step(true), "Rtmnc", "set-up first, then the systems");
    assert_eq!(game.state.level, 7);
    game.state.level = 3;
    assert_eq!(game.step(false), "tmonc", "only in the marked step");
    assert_eq!(game.state.level, 3);
}

#[test]
fn a_game_state_is_plain_data_described_field_by_field() {
    type Described = GameState<Phase>;
    assert_eq!(Described::KIND, FieldKind::Struct);
    let names: Vec<_> = Described::FIELDS.iter().map(|field| field.name).collect();
    assert_eq!(names, ["current", "next", "pending", "entered"]);
    assert_eq!(Described::FIELDS[0].kind, FieldKind::Struct);
    assert_eq!(Described::FIELDS[2].kind, FieldKind::Bool);
    assert_ne!(Described::FINGERPRINT, GameState::<u8>::FINGERPRINT);
    assert_ne!(
        GameState::<u8>::FINGERPRINT,
        <[u8; 4]>::FINGERPRINT,
        "as big as four bytes, but not the same type"
    );

    // All zeroes: the zero value, not entered yet.
    let zero = [0u8; size_of::<GameState<u8>>()];
    assert!(check_state::<GameState<u8>>(&zero).is_ok());
    let mut pending_two = zero;
    pending_two[2] = 2; // `current`, `next`, then `pending`
    let error = check_state::<GameState<u8>>(&pending_two).unwrap_err();
    assert_eq!(error.path, "pending");
}
