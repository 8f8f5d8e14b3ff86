//! The game's rules, frame by frame, through `hotloop-test`: the game runs
//! headless one fixed step at a time, input is scripted per step, and the
//! state is read and written by field path.

use std::path::PathBuf;
use std::sync::OnceLock;

use hotloop_test::{Game, GameCrate, Key};

/// The crate built once for every test here.
fn library() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let copy = GameCrate::copy(env!("CARGO_MANIFEST_DIR"), "rules").expect("copy");
            copy.build().unwrap_or_else(|error| panic!("{error}"))
        })
        .clone()
}

fn game() -> Game {
    Game::load(library()).expect("load the game")
}

/// Runs to `step` with no laser in the air, so that chance never ends the
/// game under a test about something else.
fn run_quietly(game: &mut Game, step: u64) {
    while game.steps() < step {
        game.set("lasers.len", 0).unwrap();
        game.step();
    }
}

/// Where invader `index` starts: its 16x16 cell from (24, 64), the sprite
/// centred in it (10x8 top row, 12x6 the next two, 14x10 the bottom two).
fn start(index: usize) -> (i128, i128) {
    let (row, col) = (index / 11, index % 11);
    let (dx, dy) = match row {
        0 => (3, 4),
        1 | 2 => (2, 5),
        _ => (1, 3),
    };
    (24 + col as i128 * 16 + dx, 64 + row as i128 * 16 + dy)
}

fn pos(game: &Game, index: usize) -> (i128, i128) {
    (
        game.int(&format!("invaders.cells[{index}].pos.x")),
        game.int(&format!("invaders.cells[{index}].pos.y")),
    )
}

/// The place of invader `index` in a sweep: bottom row first, left to right.
fn turn_of(index: usize) -> usize {
    (4 - index / 11) * 11 + index % 11
}

#[test]
fn the_fleet_steps_one_invader_per_frame_bottom_row_first() {
    let mut game = game();
    for index in 0..55 {
        assert_eq!(pos(&game, index), start(index), "invader {index} at start");
    }
    for step in [1, 2, 11, 12, 54, 55, 56, 110, 123, 300] {
        run_quietly(&mut game, step);
        for index in 0..55 {
            let moves = step as usize / 55 + usize::from(turn_of(index) < step as usize % 55);
            let (x, y) = start(index);
            assert_eq!(
                pos(&game, index),
                (x + 2 * moves as i128, y),
                "invader {index} after {step} steps"
            );
            let frame = game.int(&format!("invaders.cells[{index}].frame"));
            assert_eq!(frame, moves as i128 % 2, "it animates as it steps");
        }
    }
}

#[test]
fn the_fleet_turns_and_drops_8_px_at_the_right_edge() {
    let mut game = game();
    // 12 sweeps of 55 steps, 2 px each: the fleet's right edge is at 224.
    run_quietly(&mut game, 660);
    for index in 0..55 {
        let (x, y) = start(index);
        assert_eq!(pos(&game, index), (x + 24, y), "invader {index}");
    }
    assert!(!game.flag("invaders.leftward"));
    // The leader of the next sweep turns the fleet: back 2 px and down 8.
    run_quietly(&mut game, 661);
    let (x, y) = start(44);
    assert_eq!(pos(&game, 44), (x + 22, y + 8));
    assert_eq!(
        pos(&game, 45),
        (start(45).0 + 24, start(45).1),
        "not its turn yet"
    );
    assert!(game.flag("invaders.leftward") && game.flag("invaders.descend"));
    run_quietly(&mut game, 715);
    for index in 0..55 {
        let (x, y) = start(index);
        assert_eq!(pos(&game, index), (x + 22, y + 8), "invader {index}");
    }
    // The next sweep marches left without dropping again.
    run_quietly(&mut game, 716);
    assert_eq!(pos(&game, 44), (x + 20, y + 8));
    assert!(!game.flag("invaders.descend"));
    assert_eq!(game.variant("phase.current"), "Playing");
}

#[test]
fn a_fleet_without_its_right_columns_marches_further() {
    let mut game = game();
    for row in 0..5 {
        for col in [9, 10] {
            let path = format!("invaders.cells[{}].alive", row * 11 + col);
            game.set(&path, false).unwrap();
        }
    }
    // 45 invaders a sweep; the live columns' edge (9 columns wide) reaches
    // 224 after 28 sweeps, so the 29th sweep's leader turns.
    run_quietly(&mut game, 45 * 28);
    let (x, y) = start(44);
    assert_eq!(pos(&game, 44), (x + 56, y));
    run_quietly(&mut game, 45 * 28 + 1);
    assert_eq!(pos(&game, 44), (x + 54, y + 8));
}

#[test]
fn space_fires_one_bullet_that_destroys_the_invader_it_hits() {
    let mut game = game();
    // Under column 5, between shields 1 and 2.
    game.set("player.pos.x", 103).unwrap();
    game.tap(Key::Space, 1).tap(Key::Space, 4);
    run_quietly(&mut game, 1);
    assert_eq!(game.int("bullet.len"), 0, "nothing fired yet");
    run_quietly(&mut game, 2);
    assert_eq!(game.int("bullet.len"), 1);
    assert_eq!(game.int("bullet[0].pos.x"), 110, "from the cannon's middle");
    assert_eq!(game.int("bullet[0].pos.y"), 212, "4 px a step");
    run_quietly(&mut game, 5);
    assert_eq!(game.int("bullet.len"), 1, "one bullet at a time");
    assert_eq!(game.int("bullet[0].pos.y"), 200);
    while game.int("bullet.len") == 1 {
        assert!(game.steps() < 60, "the bullet hits something");
        let next = game.steps() + 1;
        run_quietly(&mut game, next);
    }
    assert!(
        !game.flag("invaders.cells[49].alive"),
        "the lowest of column 5"
    );
    let alive = (0..55)
        .filter(|index| game.flag(&format!("invaders.cells[{index}].alive")))
        .count();
    assert_eq!(alive, 54);
    assert_eq!(game.int("score"), 10);
    assert_eq!(game.variant("phase.current"), "Playing");
}

#[test]
fn a_bullet_that_misses_flies_off_the_top() {
    let mut game = game();
    // Left of the fleet and of every shield; the fleet marches away right.
    game.set("player.pos.x", 16).unwrap();
    game.tap(Key::Space, 0).tap(Key::Space, 70);
    run_quietly(&mut game, 1);
    assert_eq!(game.int("bullet[0].pos.x"), 23);
    run_quietly(&mut game, 60);
    assert_eq!(game.int("bullet.len"), 0, "gone at the top");
    assert_eq!(game.int("score"), 0);
    run_quietly(&mut game, 71);
    assert_eq!(game.int("bullet.len"), 1, "the cannon can fire again");
}

#[test]
fn a_laser_that_hits_the_cannon_ends_the_game_and_r_starts_again() {
    let mut game = game();
    game.set("player.pos.x", 104).unwrap();
    run_quietly(&mut game, 10);
    game.set("lasers.len", 1).unwrap();
    game.set("lasers[0].pos.x", 110).unwrap();
    game.set("lasers[0].pos.y", 200).unwrap();
    while game.variant("phase.current") == "Playing" {
        assert!(game.steps() < 20, "the laser reaches the cannon");
        game.step();
    }
    assert_eq!(game.variant("phase.current"), "Shot");
    let description = game.engine().describe().unwrap();
    assert!(description.contains("game over"), "{description}");
    // Everything stands still.
    let fleet: Vec<_> = (0..55).map(|index| pos(&game, index)).collect();
    let lasers = game.int("lasers.len");
    game.run_to(game.steps() + 60);
    assert_eq!((0..55).map(|i| pos(&game, i)).collect::<Vec<_>>(), fleet);
    assert_eq!(game.int("lasers.len"), lasers);
    // R: a new game.
    game.tap(Key::R, game.steps());
    game.step();
    assert_eq!(game.variant("phase.current"), "Playing");
    assert_eq!(game.int("player.pos.x"), 80);
    assert_eq!(game.int("lasers.len"), 0);
    assert!((0..55).all(|i| game.flag(&format!("invaders.cells[{i}].alive"))));
}

#[test]
fn a_laser_bites_into_a_shield_and_stops_there() {
    let mut game = game();
    let pixels = |game: &Game| -> u32 {
        (0..16)
            .map(|row| game.int(&format!("shields[2].rows[{row}]")) as u32)
            .map(u32::count_ones)
            .sum()
    };
    let whole = pixels(&game);
    run_quietly(&mut game, 1);
    // Above the middle of shield 2 (x 122..144, y 192..208).
    game.set("lasers.len", 1).unwrap();
    game.set("lasers[0].pos.x", 131).unwrap();
    game.set("lasers[0].pos.y", 180).unwrap();
    for _ in 0..10 {
        game.step();
    }
    assert!(pixels(&game) < whole, "a bite out of it");
    assert!(
        (0..game.int("lasers.len") as usize).all(|i| game.int(&format!("lasers[{i}].pos.y")) < 180),
        "the laser is gone (any other is a new one, higher up)"
    );
    assert_eq!(
        game.int("shields[1].rows[0]"),
        game.int("shields[0].rows[0]")
    );
}

#[test]
fn the_first_frame_shows_the_fleet_the_shields_and_the_cannon() {
    let mut game = game();
    let mut pixels = vec![0u8; 224 * 256 * 4];
    game.engine().render(&mut pixels);
    let at = |x: usize, y: usize| -> [u8; 4] {
        let i = (y * 224 + x) * 4;
        pixels[i..i + 4].try_into().unwrap()
    };
    assert_eq!(
        at(28, 68),
        [255, 255, 255, 255],
        "a white invader, top left"
    );
    assert_eq!(at(36, 192), [40, 210, 60, 255], "the first shield");
    assert_eq!(at(87, 216), [90, 190, 255, 255], "the cannon's barrel");
    assert_eq!(at(0, 240), [0, 0, 0, 255], "space");
}

#[test]
fn six_hundred_steps_without_input_run_cleanly() {
    let mut game = game();
    game.run_to(600);
    assert_eq!(game.steps(), 600);
    assert_eq!(game.int("ticks"), 600);
    assert_eq!(game.engine().stats().last_error, None);
    assert!(game.engine().describe().is_some());
}

#[test]
fn six_hundred_steps_of_scripted_play_run_cleanly() {
    let mut game = game();
    // A fixed pseudo-random script: moves, shots, a pause, a restart.
    let mut seed = 12345u32;
    let mut next = move || {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        seed >> 16
    };
    let mut step = 0;
    while step < 600 {
        let key = match next() % 10 {
            0..=3 => Key::Left,
            4..=7 => Key::Right,
            8 => Key::Space,
            _ => [Key::P, Key::R, Key::Space][next() as usize % 3],
        };
        let held = 1 + u64::from(next() % 40);
        game.press(key, step).release(key, step + held);
        if next() % 3 == 0 {
            game.tap(Key::Space, step + held / 2);
        }
        step += 1 + u64::from(next() % 20);
    }
    let mut pixels = vec![0u8; 224 * 256 * 4];
    for at in (0..600).step_by(50) {
        game.run_to(at + 50);
        game.engine().render(&mut pixels);
    }
    assert_eq!(game.steps(), 600);
    assert_eq!(game.int("ticks"), 600);
    assert_eq!(game.engine().stats().last_error, None);
    assert!(game.engine().describe().is_some());
}

#[test]
fn p_pauses_and_resumes_and_a_lost_game_keeps_the_best_score() {
    use invaders::state::Phase;
    let mut game = game();
    game.tap(Key::P, 5).tap(Key::P, 65);
    run_quietly(&mut game, 6);
    assert_eq!(
        game.variant("phase.current"),
        "Playing",
        "P asked in step 5"
    );
    assert_eq!(game.variant("phase.next"), "Paused");
    run_quietly(&mut game, 7);
    // Entered at the start of step 6.
    assert_eq!(game.state::<invaders::State>().phase.get(), Phase::Paused);
    let frozen: Vec<_> = (0..55).map(|index| pos(&game, index)).collect();
    run_quietly(&mut game, 60);
    assert_eq!((0..55).map(|i| pos(&game, i)).collect::<Vec<_>>(), frozen);
    run_quietly(&mut game, 67);
    assert_eq!(game.variant("phase.current"), "Playing");
    assert_ne!((0..55).map(|i| pos(&game, i)).collect::<Vec<_>>(), frozen);

    // Lose with 30 points: entering the end records them as the best.
    game.set("score", 30).unwrap();
    game.set("player.pos.x", 104).unwrap();
    game.set("lasers.len", 1).unwrap();
    game.set("lasers[0].pos.x", 110).unwrap();
    game.set("lasers[0].pos.y", 200).unwrap();
    while game.variant("phase.current") == "Playing" {
        assert!(game.steps() < 100, "the laser reaches the cannon");
        game.step();
    }
    let state = game.state::<invaders::State>();
    assert_eq!((state.phase.get(), state.best), (Phase::Shot, 30));
    game.tap(Key::R, game.steps());
    game.step();
    let state = game.state::<invaders::State>();
    assert_eq!((state.score, state.best), (0, 30), "R keeps the best");
}
