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

/// The demo with a `level` field (1 from `init`) that its `on_reload`
/// systems add `by` to: a build's set-up on the running state.
fn level_variant(name: &str, by: u32) -> std::path::PathBuf {
    let variant = Variant::of_demo(name);
    variant
        .edit(
            "lib.rs",
            "        pub ticks: u64,\n",
            "        pub ticks: u64,\n        /// Set up by `on_reload`.\n        pub level: u32,\n",
        )
        .edit("lib.rs", "        ticks: 0,\n", "        ticks: 0,\n        level: 1,\n")
        .edit(
            "lib.rs",
            "    greet: greet,\n",
            &format!(
                "    greet: greet,\n    on_reload: [|state: &mut State, _: &hotloop_abi::Frame| state.level += {by}],\n"
            ),
        );
    variant.build()
}

fn level(engine: &Engine) -> u64 {
    engine.state_json()["level"].as_u64().expect("a level")
}

/// `on_reload` runs once, first in the step after a new build is swapped
/// in, on the running state (never for the first build of a session, nor
/// for the build the engine goes back to); the step is recorded as such,
/// so a replay runs it at the same step, and a loop that plays when new
/// code arrives runs it at the start of every round.
#[test]
fn on_reload_runs_once_after_a_new_build_and_replays_at_the_same_step() {
    let (tens, hundreds) = (
        level_variant("level-10", 10),
        level_variant("level-100", 100),
    );
    let mut engine = unwatched(&tens);
    run(&mut engine, 5);
    assert_eq!(
        level(&engine),
        1,
        "the first build of a session is no reload"
    );

    engine.toggle_loop(); // Record from here.
    run(&mut engine, 3);
    engine
        .reload_from(&hundreds)
        .expect("the new build is taken");
    assert_eq!(level(&engine), 1, "a swap runs no game code");
    let ticks_before = ticks(engine.state_bytes());
    engine.step(&Input::default());
    assert_eq!(
        level(&engine),
        101,
        "set up at the first step of the new build"
    );
    assert_eq!(
        ticks(engine.state_bytes()),
        ticks_before + 1,
        "the rest runs on"
    );
    run(&mut engine, 4);
    assert_eq!(level(&engine), 101, "once per reload");
    let live = engine.summary().state_checksum;

    // Recorded: 3 steps, the reload, 5 steps.
    engine.toggle_loop();
    let notice = engine.notice().unwrap_or_default().to_owned();
    let saved = notice
        .split_once("recording saved to ")
        .unwrap_or_else(|| panic!("no recording saved: {notice}"))
        .1
        .to_owned();
    let recording = engine::files::recording::Recording::load(saved.as_ref()).unwrap();
    assert_eq!(
        (recording.inputs.len(), &recording.reloaded[..]),
        (8, &[3][..])
    );

    // Looping: each round replays the recorded reload at its step; once
    // new code arrives, each round also starts as the first step after it.
    run(&mut engine, 8);
    assert_eq!(level(&engine), 101, "a round repeats the recorded reload");
    engine.reload_from(&tens).expect("back to the first build");
    for _ in 0..2 {
        run(&mut engine, 8);
        assert_eq!(
            level(&engine),
            21,
            "new code: +10 at the round's start and at step 3"
        );
    }

    // Replayed headless on the new build: the same state, byte for byte.
    let lib = hundreds.display().to_string();
    let replay = |file: &str| {
        let finished = hotloop_tests::EngineProcess::start([
            "--headless",
            "--no-watch",
            "--dump-state",
            "--lib",
            &lib,
            "--replay",
            file,
        ])
        .finish();
        assert!(finished.status.success(), "{}", finished.stderr);
        finished.summary()
    };
    let replayed = replay(&saved);
    assert_eq!(replayed["state_checksum"], live.as_str());
    assert_eq!(replayed["state"]["level"], 101);

    // Without the mark (as a version 1 file would be), no set-up runs.
    let mut unmarked = recording.clone();
    unmarked.reloaded.clear();
    let unmarked_file = hotloop_tests::variants_dir().join("unmarked.hlrec");
    std::fs::write(&unmarked_file, unmarked.encode()).unwrap();
    let replayed = replay(&unmarked_file.display().to_string());
    assert_eq!(replayed["state"]["level"], 1);
}
