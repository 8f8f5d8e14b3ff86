//! The frame loop allocates nothing in steady state: update steps, the frame
//! boundary and rendering, counted by a global allocator that tallies every
//! allocation made on the thread under test.

use hotloop_abi::{Input, Key};
use hotloop_test::{CountingAllocator, allocations_in};
use hotloop_tests::{Variant, demo_library, workspace};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn config() -> engine::EngineConfig {
    let mut config = engine::EngineConfig::new(demo_library());
    config.watch = true;
    config.assets = Some(workspace().join("assets"));
    config
}

fn assert_steady_state_allocates_nothing(mut engine: engine::Engine) {
    let mut pixels = vec![0u8; 320 * 240 * 4];
    let mut input = Input::default();
    input.down.insert(Key::Right);
    // Warm up: first calls set up thread-locals and lazily sized buffers.
    for _ in 0..120 {
        engine.step(&input);
        engine.render(&mut pixels);
    }
    let count = allocations_in(|| {
        for _ in 0..600 {
            engine.begin_frame();
            engine.update(&input);
            engine.update(&Input::default());
            engine.render(&mut pixels);
        }
    });
    assert_eq!(count, 0, "{count} allocations in 600 frames");
    // And the counter does count.
    assert_eq!(allocations_in(|| drop(std::hint::black_box(vec![1u8]))), 1);
    assert_eq!(engine.stats().failed_reloads, 0);
}

#[test]
fn steady_state_frames_allocate_nothing() {
    assert_steady_state_allocates_nothing(engine::Engine::new(config()).unwrap());
}

#[test]
fn frames_with_the_inspector_open_allocate_nothing() {
    // The panel (F2) drawn every frame, as the window draws it: its rows
    // are made once, then only the values are read, in place.
    use engine::frontend::inspector::Inspector;
    use engine::frontend::text::Target;
    let mut engine = engine::Engine::new(config()).unwrap();
    let mut inspector = Inspector::default();
    inspector.visible = true;
    let (width, height) = (320, 240);
    let mut pixels = vec![0u8; width * height * 4];
    let mut frame = |engine: &mut engine::Engine, input: &Input| {
        engine.begin_frame();
        engine.update(input);
        engine.render(&mut pixels);
        inspector.draw(engine, input, &mut Target::new(&mut pixels, width, height));
    };
    let mut input = Input::default();
    input.down.insert(Key::Right);
    for _ in 0..120 {
        frame(&mut engine, &input);
    }
    let count = allocations_in(|| {
        for _ in 0..600 {
            frame(&mut engine, &input);
        }
    });
    assert_eq!(
        count, 0,
        "{count} allocations in 600 frames with the inspector open"
    );
    // And the panel was drawn: the same frame without it differs.
    let with_panel = pixels.clone();
    engine.render(&mut pixels);
    assert_ne!(pixels, with_panel, "the inspector drew nothing");
}

#[test]
fn supervised_steady_state_frames_allocate_nothing() {
    // The state in shared memory and every game call reported, as in an
    // engine process that the supervisor watches.
    let dir = tempfile::tempdir().unwrap();
    let session = engine::session::Session::standalone(dir.path()).unwrap();
    let mut engine = engine::Engine::supervised(config(), session).unwrap();
    // And with every system timed (F4).
    engine.set_profiling(true);
    assert_steady_state_allocates_nothing(engine);
}

#[test]
fn a_shipped_games_frames_and_its_crash_journal_allocate_nothing() {
    // The player's engine: the demo linked in, whole per-step copies, and
    // every step's input written to the crash journal (a mapped file),
    // checkpointed every 5 s of play (4 times in the 1,200 steps counted).
    let data = tempfile::tempdir().unwrap();
    let mut config = engine::EngineConfig::new("game-logic");
    config.watch = false;
    config.watch_assets = false;
    config.step_copy = engine::state::CopyMode::Whole;
    config.crash_reports = Some(engine::runtime::CrashReports {
        dir: data.path().join("crashes"),
        game: "game-logic 0.1.0".into(),
    });
    let game = engine::Engine::linked(config, &game_logic::__HOTLOOP_GAME).unwrap();
    let journals = || {
        std::fs::read_dir(data.path().join("crashes"))
            .unwrap()
            .count()
    };
    assert_eq!(journals(), 1, "the journal is kept while the game runs");
    assert_steady_state_allocates_nothing(game);
    assert_eq!(journals(), 0, "a normal end removes it");
}

#[test]
fn steady_state_frames_of_a_state_whose_written_pages_are_tracked_allocate_nothing() {
    // The demo with 4 MiB more state: large enough that only the pages a
    // step writes are copied before it (where the kernel can say which).
    let variant = Variant::of_demo("no-alloc-tracked");
    variant
        .edit(
            "lib.rs",
            "        pub ticks: u64,\n",
            "        pub ticks: u64,\n        pub scratch: [u8; 4 << 20],\n",
        )
        .edit(
            "lib.rs",
            "        ticks: 0,\n",
            "        ticks: 0,\n        scratch: [0; 4 << 20],\n",
        );
    let mut config = config();
    config.library = variant.build();
    // `init` builds the demo's state by value: room for it on the stack.
    let tested = std::thread::Builder::new()
        .stack_size(32 << 20)
        .spawn(move || {
            for supervised in [false, true] {
                let dir = tempfile::tempdir().unwrap();
                let engine = if supervised {
                    let session = engine::session::Session::standalone(dir.path()).unwrap();
                    engine::Engine::supervised(config.clone(), session).unwrap()
                } else {
                    engine::Engine::new(config.clone()).unwrap()
                };
                eprintln!(
                    "supervised {supervised}: only written pages copied: {}",
                    engine.copies_written_pages_only()
                );
                assert_steady_state_allocates_nothing(engine);
            }
        })
        .unwrap()
        .join();
    if let Err(panic) = tested {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn sound_effects_music_and_the_capture_allocate_nothing_per_step() {
    // A sound every fifth step, music declared in the state, and the mix
    // written to a capture file.
    let variant = Variant::of_demo("no-alloc-sound");
    variant
        .edit(
            "lib.rs",
            "        pub ticks: u64,\n",
            "        pub ticks: u64,\n        pub music: hotloop_abi::Music,\n",
        )
        .edit(
            "lib.rs",
            "        ticks: 0,\n",
            "        ticks: 0,\n        music: hotloop_abi::Music::SILENCE,\n",
        )
        .edit(
            "systems.rs",
            "pub fn count_ticks(state: &mut State, _frame: &Frame) {\n    state.ticks += 1;\n",
            "pub fn count_ticks(state: &mut State, frame: &Frame) {\n    state.ticks += 1;\n    \
             state.music.play(\"sounds/music.ogg\", frame);\n    \
             if state.ticks % 5 == 0 { frame.audio.play(\"sounds/collect.wav\"); }\n",
        );
    let dir = tempfile::tempdir().unwrap();
    let mut config = config();
    config.library = variant.build();
    config.audio.capture = Some(dir.path().join("capture.wav"));
    let engine = engine::Engine::new(config).unwrap();
    assert_steady_state_allocates_nothing(engine);
}

#[test]
fn recording_and_looping_for_hours_allocate_nothing_per_step() {
    // More steps than a loop keeps in memory (2^14): the recording goes to
    // its file only, and the loop is read back from there.
    const STEPS: u64 = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config();
    config.recording_dir = dir.path().join("recordings");
    let mut engine = engine::Engine::new(config).unwrap();
    let moving = |step: u64| {
        let mut input = Input::default();
        input
            .down
            .insert([Key::Left, Key::Right][(step / 500 % 2) as usize]);
        input
    };
    for step in 0..120 {
        engine.step(&moving(step));
    }
    engine.toggle_loop(); // Starts the writer: allocates, once.
    let count = allocations_in(|| {
        for step in 0..STEPS {
            engine.step(&moving(step));
            // Frame times count a run of any length in fixed room.
            engine.record_frame_time(std::time::Duration::from_micros(step % 3000), false);
        }
    });
    assert_eq!(count, 0, "{count} allocations recording {STEPS} steps");
    engine.toggle_loop(); // Finishes the file, starts reading it back.
    let notice = engine.notice().unwrap_or_default().to_owned();
    assert!(
        notice.starts_with("looping; recording saved to"),
        "{notice}"
    );
    let count = allocations_in(|| {
        for _ in 0..STEPS * 2 + 500 {
            engine.step(&Input::default());
        }
    });
    assert_eq!(count, 0, "{count} allocations looping {STEPS} steps twice");
    assert_eq!(
        engine.loop_mode(),
        engine::runtime::looping::LoopMode::Playing {
            at: 500,
            of: STEPS as usize
        }
    );
}

#[test]
fn a_repeating_error_is_counted_without_allocating() {
    use engine::repeat_limit::{RepeatLimit, Verdict};
    use std::time::{Duration, Instant};
    let mut limit = RepeatLimit::new(log::Level::Error, "no_alloc");
    let start = Instant::now();
    let error = std::io::Error::other("Surface does not support the adapter's queue family");
    assert_eq!(limit.check(&error, start), Verdict::New);
    let count = allocations_in(|| {
        for i in 0..10_000u64 {
            let now = start + Duration::from_micros(i * 50);
            assert_eq!(limit.check(&error, now), Verdict::Counted);
            assert_eq!(limit.take_due(now), None);
        }
    });
    assert_eq!(count, 0, "{count} allocations counting 10,000 repeats");
}
