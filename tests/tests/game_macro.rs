//! `game!` as a game author meets it: keys in any order make the same
//! game, and an unknown, repeated or missing key is a compile error that
//! names it and lists the keys.

use hotloop_abi::Input;
use hotloop_tests::{Variant, demo_library, unwatched};

const KEYS: &str = "its keys are `state`, `init`, `init_in_place`, `systems`, `size`, `rate`, `title`, `render`, `describe`, `migrate`, `greet`, `persist`, `game_state`, `on_enter`, `on_exit`, `on_reload`";

#[test]
fn keys_in_another_order_make_the_same_game() {
    let shuffled = Variant::of_demo("shuffled-keys");
    shuffled.edit(
        "lib.rs",
        "hotloop_abi::game! {\n    state: State,\n    init: init,\n    systems: [\n        systems::count_ticks,\n        systems::steer_player,\n        systems::move_particles,\n        systems::collect_particles,\n    ],\n    render: draw::render,\n    describe: describe,\n    greet: greet,\n}",
        "hotloop_abi::game! {\n    greet: greet,\n    describe: describe,\n    render: draw::render,\n    systems: [\n        systems::count_ticks,\n        systems::steer_player,\n        systems::move_particles,\n        systems::collect_particles,\n    ],\n    init: init,\n    state: State\n}",
    );
    let mut demo = unwatched(&demo_library());
    let mut reordered = unwatched(&shuffled.build());
    let mut input = Input::default();
    input.down.insert(hotloop_abi::Key::Right);
    for _ in 0..60 {
        demo.step(&input);
        reordered.step(&input);
    }
    assert_eq!(reordered.state_bytes(), demo.state_bytes());
    assert_eq!(reordered.summary().game, demo.summary().game);
}

/// `game!` calls that must not compile, one per module, and the error each
/// must give (all in one build: each `compile_error!` is reported).
const REFUSED: &[(&str, &str, &str)] = &[
    (
        "unknown",
        "state: State, init: init, systems: [systems::count_ticks], speed: 3",
        "`game!` has no key `speed`; ",
    ),
    (
        "twice",
        "rate: 30, state: State, init: init, systems: [systems::count_ticks], rate: 60",
        "`game!` is given the key `rate` twice; ",
    ),
    (
        "no_state",
        "init: init, systems: [systems::count_ticks]",
        "`game!` needs the key `state`: the state type; ",
    ),
    (
        "no_init",
        "systems: [systems::count_ticks], state: State",
        "`game!` needs the key `init` (`fn() -> State`) or `init_in_place` (`fn(&mut State)`); ",
    ),
    (
        "no_systems",
        "state: State, init: init",
        "`game!` needs the key `systems`: `systems: [first, second]`; ",
    ),
];

#[test]
fn unknown_repeated_and_missing_keys_are_refused_by_name() {
    let variant = Variant::of_demo("refused-keys");
    let source =
        std::fs::read_to_string(hotloop_tests::variants_dir().join("src/refused-keys/src/lib.rs"))
            .unwrap();
    let mut refused = source;
    for (module, keys, _) in REFUSED {
        refused.push_str(&format!(
            "\nmod {module} {{\n    #[allow(unused_imports)]\n    use super::*;\n    hotloop_abi::game! {{ {keys} }}\n}}\n"
        ));
    }
    // And two that name what a key needs.
    refused.push_str(
        "\nmod both_inits {\n    use super::*;\n    hotloop_abi::game! { state: State, init: init, init_in_place: |_: &mut State| {}, systems: [systems::count_ticks] }\n}\n\nmod no_game_state {\n    use super::*;\n    hotloop_abi::game! { state: State, init: init, systems: [systems::count_ticks.run_if(in_state(1))] }\n}\n",
    );
    variant.write("lib.rs", &refused);
    let error = variant
        .try_build()
        .expect_err("the refused calls must not compile");
    for (module, _, message) in REFUSED {
        assert!(
            error.contains(&format!("error: {message}{KEYS}")),
            "`{module}` should fail with \"{message}…\":\n{error}"
        );
    }
    assert!(
        error.contains("error: `game!` takes one of the keys `init` and `init_in_place`, not both"),
        "{error}"
    );
    assert!(
        error.contains("error: `in_state(…)` needs the `game!` key `game_state`"),
        "{error}"
    );
    assert!(
        error.contains(&format!("due to {} previous errors", REFUSED.len() + 2)),
        "one error per refused call, no other:\n{error}"
    );
}
