//! The demo's own frame-exact reload tests, written with `hotloop-test` as
//! any game author would: scripted input, a swap at step K, the state read
//! and written by field path.

use hotloop_test::{Game, GameCrate, Key};

/// A copy of this crate, to edit and build.
fn copy(name: &str) -> GameCrate {
    GameCrate::copy(env!("CARGO_MANIFEST_DIR"), name).expect("copy the demo")
}

#[test]
fn holding_right_steers_the_orb_right() {
    let demo = copy("steer");
    let mut game = Game::load(demo.build().unwrap()).unwrap();
    let start = game.float("player.pos.x");
    game.press(Key::Right, 10).release(Key::Right, 40);
    game.run_to(10);
    assert_eq!(game.float("player.pos.x"), start, "nothing pressed yet");
    game.run_to(40);
    let moved = game.float("player.pos.x");
    assert!(moved > start + 10.0, "{start} -> {moved}");
    assert!(game.float("player.vel.x") > 0.0);
    game.run_to(120);
    assert!(
        game.float("player.vel.x") < 5.0,
        "drag slows it once released"
    );
}

#[test]
fn an_edited_system_runs_from_the_step_after_the_swap() {
    let demo = copy("edit-ticks");
    let mut game = Game::load(demo.build().unwrap()).unwrap();
    game.run_to(30);
    assert_eq!(game.int("ticks"), 30);

    demo.edit(
        "src/systems.rs",
        "state.ticks += 1;",
        "state.ticks += 1000;",
    );
    game.swap(demo.build().unwrap()).unwrap();
    assert_eq!(game.int("ticks"), 30, "a swap does not step");
    game.step();
    assert_eq!(game.int("ticks"), 1030, "step 31 runs the new code");
}

#[test]
fn fields_written_by_path_are_what_the_next_step_sees() {
    let demo = copy("set-fields");
    let mut game = Game::load(demo.build().unwrap()).unwrap();
    game.run_to(5);
    // Put particle 3 on the orb: the next step collects it.
    let (x, y) = (game.float("player.pos.x"), game.float("player.pos.y"));
    game.set("particles[3].pos.x", x as f32).unwrap();
    game.set("particles[3].pos.y", y as f32).unwrap();
    game.set("particles[3].vel.x", 0.0f32).unwrap();
    game.set("particles[3].vel.y", 0.0f32).unwrap();
    let score = game.int("score");
    game.step();
    assert_eq!(game.int("score"), score + 1);
    let error = game.set("score", -1).unwrap_err().to_string();
    assert_eq!(error, "`score` is U32; -1 does not fit");
    let error = game.get("particles[48].pos.x").unwrap_err().to_string();
    assert_eq!(
        error,
        "`particles` has 48 elements; index 48 is past the end"
    );
}

#[test]
fn a_build_that_does_not_compile_says_why() {
    let demo = copy("broken");
    demo.edit("src/systems.rs", "state.ticks += 1;", "state.ticks += ;");
    let error = demo.build().unwrap_err().to_string();
    assert!(error.contains("error: expected expression"), "{error}");
}
