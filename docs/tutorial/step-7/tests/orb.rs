//! The orb keeps its place across an edit, and the edited code runs from
//! the very next step.

use hotloop_test::{Game, GameCrate, Key};

#[test]
fn the_orb_keeps_its_place_across_an_edit() {
    // An editable copy of this crate; each test names its own.
    let copy = GameCrate::copy(env!("CARGO_MANIFEST_DIR"), "orb").unwrap();
    let mut game = Game::load(copy.build().unwrap()).unwrap();

    // Hold Right from step 10 to step 40, then let go.
    game.press(Key::Right, 10).release(Key::Right, 40);
    game.run_to(60);
    let (x, ticks) = (game.float("player.pos.x"), game.int("ticks"));
    assert!(x > 160.0, "the orb went right: {x}");

    // The edit a developer makes, swapped in between step 60 and step 61.
    copy.edit("src/systems.rs", "state.ticks += 1;", "state.ticks += 2;");
    game.swap(copy.build().unwrap()).unwrap();
    assert_eq!(game.float("player.pos.x"), x, "the swap moved nothing");
    game.step();
    assert_eq!(game.int("ticks"), ticks + 2, "step 61 ran the new code");
}
