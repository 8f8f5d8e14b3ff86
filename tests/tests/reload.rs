//! Frame-exact reload tests: variants of the demo built from edited source and
//! swapped into a running engine.

use engine::{Engine, EngineConfig};
use hotloop_abi::Input;
use hotloop_tests::{Variant, boundaries_until, demo_library, run, ticks, unwatched};

#[test]
fn swap_at_frame_k_runs_new_code_at_k_plus_1_on_the_intact_state() {
    let faster = Variant::of_demo("ticks-by-1000");
    faster.edit("systems.rs", "state.ticks += 1;", "state.ticks += 1000;");
    let faster = faster.build();
    let mut engine = unwatched(&demo_library());

    const K: u64 = 30;
    run(&mut engine, K);
    assert_eq!(ticks(engine.state_bytes()), K);
    let before = engine.state_bytes().to_vec();

    engine
        .reload_from(&faster)
        .expect("the edited variant is accepted");
    assert_eq!(
        engine.state_bytes(),
        before,
        "a reload must not touch the state"
    );
    assert_eq!(engine.generation(), 2);

    engine.step(&Input::default());
    assert_eq!(
        ticks(engine.state_bytes()),
        K + 1000,
        "step K+1 runs the new code on the old counter"
    );
    let record = engine.history().last().unwrap();
    assert_eq!((record.generation, record.first_step), (2, K));
    assert_eq!(engine.stats().reloads, 1);
    assert_eq!(engine.stats().failed_reloads, 0);
}

#[test]
fn library_built_for_another_abi_version_is_refused_naming_both() {
    let foreign = Variant::of_demo("abi-999");
    foreign.with_abi_version(999);
    let foreign = foreign.build();
    let mut engine = unwatched(&demo_library());
    run(&mut engine, 5);

    let error = engine
        .reload_from(&foreign)
        .expect_err("ABI 999 must be refused");
    let text = error.to_string();
    assert!(text.contains("ABI version 999"), "{text}");
    assert!(
        text.contains(&format!("ABI version {}", hotloop_abi::ABI_VERSION)),
        "{text}"
    );
    engine.step(&Input::default());
    assert_eq!((engine.generation(), ticks(engine.state_bytes())), (1, 6));
}

#[test]
fn greet_runs_after_every_load() {
    let polite = Variant::of_demo("greeting");
    polite.edit(
        "lib.rs",
        "\"Hello from game-logic!",
        "\"Hello again, from the edited game-logic!",
    );
    let polite = polite.build();
    let demo = demo_library();
    let mut engine = unwatched(&demo);
    for library in [&polite, &demo, &polite] {
        engine.step(&Input::default());
        engine.reload_from(library).expect("reload");
    }
    let greetings: Vec<&str> = engine
        .history()
        .iter()
        .map(|r| r.greeting.as_str())
        .collect();
    assert_eq!(greetings.len(), 4);
    assert!(
        greetings[0].starts_with("Hello from game-logic!"),
        "{greetings:?}"
    );
    assert!(greetings[1].starts_with("Hello again"), "{greetings:?}");
    assert!(
        greetings[2].starts_with("Hello from game-logic!"),
        "{greetings:?}"
    );
    assert!(greetings[3].starts_with("Hello again"), "{greetings:?}");
}

/// The real path: cargo rebuilds the watched library under a running engine;
/// the new build is swapped in at a frame boundary, between two steps, and the
/// next step runs the new code on the old counter. Driven by what the engine
/// reports, not by time (the latency is a benchmark:
/// `cargo run --release -p tools -- bench file-to-frame`).
#[test]
fn rebuild_under_a_running_engine_is_swapped_in_at_a_frame_boundary() {
    let live = Variant::of_demo("live");
    let library = live.build();
    let mut engine = Engine::new(EngineConfig::new(&library)).expect("engine starts");
    run(&mut engine, 10);

    live.edit("systems.rs", "state.ticks += 1;", "state.ticks += 1000;");
    live.build();
    boundaries_until(&mut engine, "the rebuilt library", |e| e.generation() == 2);
    assert_eq!(ticks(engine.state_bytes()), 10, "a swap does not step");
    engine.step(&Input::default());
    assert_eq!(
        ticks(engine.state_bytes()),
        1010,
        "the first step after the swap runs the new code on the old counter"
    );
    assert_eq!(
        engine.stats().reloads,
        1,
        "one build, one reload: {:?}",
        engine.history()
    );
    assert_eq!(
        engine.stats().failed_reloads,
        0,
        "{:?}",
        engine.stats().last_error
    );
    assert_eq!(engine.history().last().unwrap().first_step, 10);
}
