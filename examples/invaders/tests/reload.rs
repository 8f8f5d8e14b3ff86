//! A live edit of the running game, as a developer would make it: a field
//! added to the invader struct, swapped in between two steps.

use hotloop_test::{Game, GameCrate, Key};

/// What the fleet looks like: each invader's position, frame and life.
fn fleet(game: &Game) -> Vec<(i128, i128, i128, bool)> {
    (0..55)
        .map(|index| {
            let field = |name: &str| format!("invaders.cells[{index}].{name}");
            (
                game.int(&field("pos.x")),
                game.int(&field("pos.y")),
                game.int(&field("frame")),
                game.flag(&field("alive")),
            )
        })
        .collect()
}

#[test]
fn adding_a_field_to_the_invader_keeps_every_invader() {
    let copy = GameCrate::copy(env!("CARGO_MANIFEST_DIR"), "add-age").expect("copy");
    let mut game = Game::load(copy.build().unwrap()).unwrap();
    // Some play first: shots fired, a few invaders gone, the fleet mid-sweep.
    game.press(Key::Right, 5).release(Key::Right, 40);
    for step in [10, 80, 150] {
        game.tap(Key::Space, step);
    }
    for index in [3, 17, 40] {
        game.set(&format!("invaders.cells[{index}].alive"), false)
            .unwrap();
    }
    const K: u64 = 200;
    while game.steps() < K {
        game.set("lasers.len", 0).unwrap();
        game.step();
    }
    assert_eq!(game.variant("phase.current"), "Playing");
    let before = fleet(&game);
    let (score, stepper) = (game.int("score"), game.int("invaders.stepper"));
    assert!(before.iter().filter(|invader| !invader.3).count() >= 3);

    copy.edit(
        "src/state.rs",
        "pub struct Invader {",
        "pub struct Invader {\n        /// Steps taken (added live).\n        pub age: u8,",
    );
    copy.edit("src/fleet.rs", "frame: 0,", "frame: 0,\n        age: 0,");
    copy.edit(
        "src/fleet.rs",
        "invader.frame ^= 1;",
        "invader.frame ^= 1;\n    invader.age = invader.age.wrapping_add(1);",
    );
    let layout = game.engine().layout();
    game.swap(copy.build().unwrap()).unwrap();
    assert_ne!(game.engine().layout(), layout, "the state's layout changed");
    assert_eq!(game.steps(), K, "a swap does not step");

    assert_eq!(fleet(&game), before, "every invader kept, dead ones too");
    assert_eq!(game.int("score"), score);
    assert_eq!(game.int("invaders.stepper"), stepper);
    assert!((0..55).all(|i| game.int(&format!("invaders.cells[{i}].age")) == 0));

    // Step K+1 runs the new code: the next invader steps and ages.
    game.step();
    let after = fleet(&game);
    let moved: Vec<usize> = (0..55).filter(|&i| after[i] != before[i]).collect();
    assert_eq!(moved.len(), 1, "one invader per step: {moved:?}");
    let index = moved[0];
    assert_eq!((after[index].0 - before[index].0).abs(), 2);
    assert_eq!(game.int(&format!("invaders.cells[{index}].age")), 1);
    assert_eq!(game.engine().stats().last_error, None);
}

#[test]
fn reordering_and_adding_phase_variants_live_keeps_the_phase_by_name() {
    let copy = GameCrate::copy(env!("CARGO_MANIFEST_DIR"), "phase-order").expect("copy");
    let mut game = Game::load(copy.build().unwrap()).unwrap();
    game.tap(Key::P, 20);
    while game.steps() < 30 {
        game.set("lasers.len", 0).unwrap();
        game.step();
    }
    assert_eq!(game.variant("phase.current"), "Paused");
    let (paused_at, score) = (fleet(&game), game.int("score"));

    // Paused moves in front of Playing: its number changes, its name not.
    copy.edit(
        "src/state.rs",
        "        /// The fleet marches, the cannon moves and fires.
        Playing,
        /// P froze everything; P again goes on.
        Paused,",
        "        /// P froze everything; P again goes on.
        Paused,
        /// The fleet marches, the cannon moves and fires.
        Playing,",
    );
    game.swap(copy.build().unwrap()).unwrap();
    assert_eq!(game.engine().generation(), 2);
    assert_eq!(game.variant("phase.current"), "Paused");
    assert_eq!(game.engine().current_error(), None);
    // And a new variant, first of all.
    copy.edit(
        "src/state.rs",
        "        /// P froze everything; P again goes on.
        Paused,",
        "        /// Before the first game (new).
        Attract,
        /// P froze everything; P again goes on.
        Paused,",
    );
    copy.edit(
        "src/draw.rs",
        "Phase::Playing => {}",
        "Phase::Playing | Phase::Attract => {}",
    );
    copy.edit(
        "src/lib.rs",
        "Phase::Playing => \"playing (one life)\",",
        "Phase::Playing => \"playing (one life)\",\n        Phase::Attract => \"attract\",",
    );
    game.swap(copy.build().unwrap()).unwrap();
    assert_eq!(game.engine().generation(), 3);
    assert_eq!(game.variant("phase.current"), "Paused");
    game.run_to(40);
    assert_eq!(fleet(&game), paused_at, "still paused");

    // P again: the game goes on where it was, on the newest build.
    game.tap(Key::P, 40);
    while game.steps() < 60 {
        game.set("lasers.len", 0).unwrap();
        game.step();
    }
    assert_eq!(game.variant("phase.current"), "Playing");
    assert_ne!(fleet(&game), paused_at, "the fleet marches again");
    assert_eq!(game.int("score"), score);
    assert_eq!(game.engine().current_error(), None);
}
