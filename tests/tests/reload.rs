//! Frame-exact reload tests: variants of the demo built from edited source and
//! swapped into a running engine.

use std::time::{Duration, Instant};

use engine::{Engine, EngineConfig};
use hotloop_abi::Input;
use hotloop_tests::{Variant, demo_library, run, ticks, unwatched};

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

/// The real path: cargo rebuilds the watched library while the engine steps in
/// real time; the new code must show up within a few frames of the build ending.
/// (The precise latency is a benchmark: `cargo run --release -p tools -- bench file-to-frame`.)
#[test]
fn rebuild_under_a_running_engine_is_picked_up_within_a_few_frames() {
    const FEW_FRAMES: u64 = 6;
    let live = Variant::of_demo("live");
    let library = live.build();
    let mut engine = Engine::new(EngineConfig::new(&library)).expect("engine starts");

    // The engine steps at 60 Hz on its own thread, as a game would.
    let (built_tx, built_rx) = std::sync::mpsc::channel::<()>();
    let stepper = std::thread::spawn(move || {
        let period = Duration::from_secs(1) / 60;
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut next = Instant::now();
        let mut step_when_built = None;
        loop {
            if built_rx.try_recv().is_ok() {
                step_when_built = Some(engine.steps());
            }
            let before = ticks(engine.state_bytes());
            engine.step(&Input::default());
            if ticks(engine.state_bytes()) - before == 1000 {
                // The reload may land before cargo has even exited: that is 0 frames.
                let frames_late = step_when_built.map_or(0, |built| engine.steps() - 1 - built);
                return (engine, frames_late);
            }
            assert!(
                Instant::now() < deadline,
                "the rebuilt library was never picked up"
            );
            next += period;
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    live.edit("systems.rs", "state.ticks += 1;", "state.ticks += 1000;");
    live.build();
    let _ = built_tx.send(());
    let (engine, frames_late) = stepper.join().expect("stepper thread");
    eprintln!("new code ran {frames_late} frame(s) after cargo finished");

    assert!(
        frames_late <= FEW_FRAMES,
        "new code ran {frames_late} frames after the build finished"
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
    assert!(
        ticks(engine.state_bytes()) > 1000 + 10,
        "the counter continued across the reload"
    );
    assert_eq!(engine.history().last().unwrap().source, library);
}
