//! Everything the engine records can be scripted: keys, mouse buttons,
//! the pointer and gamepads, per step; and the state reads back as the game's own type.
//! The game is a small one linked into this test (`Game::linked`).
#![forbid(unsafe_code)]
#![allow(missing_docs)]

use hotloop_abi::{Frame, GamepadButton, Key, MouseButton, glam::Vec2, state};
use hotloop_test::Game;

state! {
    pub struct State {
        pub clicks: u32,
        pub held_steps: u32,
        pub last_click: Vec2,
        pub pointer: Vec2,
        pub jumps: u32,
        pub releases: u32,
        pub zoom: f32,
        pub moved: Vec2,
        pub name: [u32; 8],
        pub name_len: u32,
        pub pad_shots: u32,
        pub walked: Vec2,
        pub throttle: f32,
    }
}

fn init() -> State {
    State {
        clicks: 0,
        held_steps: 0,
        last_click: Vec2::ZERO,
        pointer: Vec2::ZERO,
        jumps: 0,
        releases: 0,
        zoom: 0.0,
        moved: Vec2::ZERO,
        name: [0; 8],
        name_len: 0,
        pad_shots: 0,
        walked: Vec2::ZERO,
        throttle: 0.0,
    }
}

fn read_input(state: &mut State, frame: &Frame) {
    let input = &frame.input;
    if input.gamepad(0).just_pressed(GamepadButton::South) {
        state.pad_shots += 1;
    }
    state.walked += input.arrows();
    state.throttle = input.gamepad(1).right_trigger();
    if input.mouse_just_pressed(MouseButton::Left) {
        state.clicks += 1;
        state.last_click = input.mouse();
    }
    if input.mouse_is_down(MouseButton::Right) {
        state.held_steps += 1;
    }
    state.pointer = input.mouse();
    if input.just_pressed(Key::Space) {
        state.jumps += 1;
    }
    if input.mouse_just_released(MouseButton::Left) {
        state.releases += 1;
    }
    state.zoom += input.wheel().y;
    state.moved += input.mouse_motion();
    for ch in input.typed() {
        if let Some(slot) = state.name.get_mut(state.name_len as usize) {
            *slot = ch as u32;
            state.name_len += 1;
        }
    }
}

/// The name typed so far.
fn name(state: &State) -> String {
    state.name[..state.name_len as usize]
        .iter()
        .filter_map(|&code| char::from_u32(code))
        .collect()
}

hotloop_abi::game! {
    state: State,
    init: init,
    systems: [read_input],
}

#[test]
fn clicks_held_buttons_the_pointer_and_keys_are_scripted_by_step() {
    let mut game = Game::linked(&__HOTLOOP_GAME).expect("the linked game");
    game.click(MouseButton::Left, 40.0, 60.0, 5)
        .press_button(MouseButton::Right, 10)
        .release_button(MouseButton::Right, 20)
        .move_mouse(7.0, 8.0, 30)
        .tap(Key::Space, 31)
        .click(MouseButton::Left, 1.0, 2.0, 40);
    game.run_to(5);
    assert_eq!(game.state::<State>().clicks, 0, "nothing before step 5");
    game.run_to(6);
    let state = game.state::<State>();
    assert_eq!((state.clicks, state.last_click), (1, Vec2::new(40.0, 60.0)));
    game.run_to(30);
    let state = *game.state::<State>();
    assert_eq!(state.held_steps, 10, "steps 10 to 19");
    assert_eq!(state.pointer, Vec2::new(40.0, 60.0), "the pointer stays");
    game.run_to(50);
    let state = game.state::<State>();
    assert_eq!(state.jumps, 1);
    assert_eq!((state.clicks, state.last_click), (2, Vec2::new(1.0, 2.0)));
    assert_eq!(state.pointer, Vec2::new(1.0, 2.0));
    assert_eq!(game.int("clicks"), 2, "and by path");
}

#[test]
fn reading_the_state_as_another_type_is_refused() {
    state! {
        pub struct Other { pub clicks: u32 }
    }
    let game = Game::linked(&__HOTLOOP_GAME).expect("the linked game");
    assert!(game.try_state::<Other>().is_none());
    assert!(game.try_state::<State>().is_some());
}

#[test]
fn the_wheel_motion_typed_text_and_releases_are_scripted_recorded_and_replayed() {
    let mut game = Game::linked(&__HOTLOOP_GAME).expect("the linked game");
    game.engine().toggle_loop();
    game.scroll([0.0, 1.5], 2)
        .scroll([0.0, -0.5], 2)
        .type_text("héllo\tworld", 3)
        .move_mouse(5.0, 5.0, 4)
        .move_mouse(9.0, 2.0, 6)
        .click(MouseButton::Left, 9.0, 2.0, 7);
    game.run_to(4);
    let state = *game.state::<State>();
    assert_eq!(state.zoom, 1.0, "two turns in one step add up");
    assert_eq!(name(&state), "héll", "four characters a step");
    game.run_to(12);
    let recorded = *game.state::<State>();
    assert_eq!(
        name(&recorded),
        "héllowor",
        "the tab is a key, not text; 8 kept"
    );
    assert_eq!(recorded.moved, Vec2::new(9.0, 2.0));
    assert_eq!(recorded.releases, 1);

    // Loop the 12 recorded steps: the recording restores the start and
    // plays the same input back, step for step.
    game.engine().toggle_loop();
    game.run_to(24);
    assert_eq!(
        *game.state::<State>(),
        recorded,
        "the replay ends where play did"
    );
}

#[test]
fn gamepads_are_scripted_drive_the_arrows_and_replay() {
    let mut game = Game::linked(&__HOTLOOP_GAME).expect("the linked game");
    game.engine().toggle_loop();
    game.connect_gamepad(0, true, 1)
        .connect_gamepad(1, true, 1)
        .press_gamepad(0, GamepadButton::South, 2)
        .release_gamepad(0, GamepadButton::South, 3)
        .press_gamepad(0, GamepadButton::South, 5)
        .move_stick(0, 0, [0.9, 0.2], 2)
        .move_stick(0, 0, [0.0, 0.0], 6)
        .pull_trigger(1, 1, 0.75, 4)
        .connect_gamepad(0, false, 8);
    game.run_to(10);
    let recorded = *game.state::<State>();
    assert_eq!(recorded.pad_shots, 2, "each press once");
    assert_eq!(
        recorded.walked,
        Vec2::new(4.0, 0.0),
        "the stick past half way, four steps"
    );
    assert_eq!(recorded.throttle, 0.75);

    game.engine().toggle_loop();
    game.run_to(20);
    assert_eq!(
        *game.state::<State>(),
        recorded,
        "the replay ends where play did"
    );
}
