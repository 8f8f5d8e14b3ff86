//! `update` of a game with a game state and run conditions (`invaders`:
//! four systems behind `in_state(Phase::Playing)`, enter systems, events,
//! the ABI's `Rng`), through the loaded release library versus the same
//! systems and the same transition code called statically, and as `cargo
//! ship` links it (`cargo bench -p engine --bench run_conditions`).
//!
//! Builds the release invaders library first.

mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::loader::library::GameLibrary;
use engine::loader::shadow::ShadowDir;
use engine::state::StateBuffer;
use hotloop_abi::__private::{settled, transition};
use hotloop_abi::{Frame, Message, OldState};
use invaders::state::Phase;
use invaders::{State, combat, fleet};

/// A system of invaders.
type System = fn(&mut State, &Frame);

/// `invaders`' `on_enter` table, as its `game!` lists it.
const ENTER: &[(Phase, System)] = &[
    (Phase::Shot, invaders::game_over),
    (Phase::Landed, invaders::game_over),
    (Phase::Won, invaders::game_over),
];

/// What `invaders`' `update` runs, written out: the transition (the same
/// function `game!` calls), then each system behind its condition.
fn static_update(state: &mut State, frame: &Frame) {
    if !settled(&state.phase) {
        transition(
            state,
            frame,
            |state: &mut State| &mut state.phase,
            ENTER,
            &[],
        );
    }
    invaders::count_ticks(state, frame);
    combat::controls(state, frame);
    if state.phase.is(Phase::Playing) {
        fleet::step_fleet(state, frame);
    }
    if state.phase.is(Phase::Playing) {
        combat::move_player(state, frame);
    }
    if state.phase.is(Phase::Playing) {
        combat::move_bullet(state, frame);
    }
    if state.phase.is(Phase::Playing) {
        combat::move_lasers(state, frame);
    }
    combat::score_hits(state, frame);
}

fn frame() -> Frame<'static> {
    Frame {
        dt: 1.0 / 60.0,
        width: 224,
        height: 256,
        ..Frame::default()
    }
}

fn view(buffer: &StateBuffer) -> State {
    *OldState::new(buffer.bytes(), buffer.layout())
        .view::<State>()
        .expect("an invaders state")
}

fn run_conditions(c: &mut Criterion) {
    let shadows = ShadowDir::create().expect("shadow dir");
    let library =
        GameLibrary::load(&common::release_library("invaders"), &shadows).expect("load invaders");
    let linked = GameLibrary::linked(&invaders::__HOTLOOP_GAME).expect("linked invaders");
    let mut dynamic = StateBuffer::zeroed(library.layout()).expect("layout");
    let mut in_executable = StateBuffer::zeroed(linked.layout()).expect("layout");
    library.init(&mut dynamic).expect("init");
    linked.init(&mut in_executable).expect("init");
    let mut statically = invaders::init();
    let (frame, mut scratch) = (frame(), Message::new());

    // Every path does the same work: the same state after the same steps,
    // through the end of a game (the lasers win in the end).
    for _ in 0..3000 {
        library
            .update(&mut dynamic, &frame, &mut scratch)
            .expect("update");
        linked
            .update(&mut in_executable, &frame, &mut scratch)
            .expect("update");
        static_update(&mut statically, &frame);
    }
    assert_eq!(view(&dynamic), statically);
    assert_eq!(view(&in_executable), statically);

    // Games in play: every path starts a fresh game every 600 steps (a
    // game lasts longer), so the systems behind `in_state(Playing)` run.
    const GAME: u32 = 600;
    let mut group = c.benchmark_group("invaders update (run conditions)");
    let mut step = 0;
    group.bench_function("static call", |b| {
        b.iter(|| {
            step = (step + 1) % GAME;
            if step == 0 {
                statically = invaders::init();
            }
            static_update(black_box(&mut statically), &frame)
        })
    });
    group.bench_function("through the loaded library", |b| {
        b.iter(|| {
            step = (step + 1) % GAME;
            if step == 0 {
                library.init(&mut dynamic).expect("init");
            }
            library.update(black_box(&mut dynamic), &frame, &mut scratch)
        })
    });
    group.bench_function("linked into the executable (cargo ship)", |b| {
        b.iter(|| {
            step = (step + 1) % GAME;
            if step == 0 {
                linked.init(&mut in_executable).expect("init");
            }
            linked.update(black_box(&mut in_executable), &frame, &mut scratch)
        })
    });
    group.finish();
}

criterion_group!(benches, run_conditions);
criterion_main!(benches);
