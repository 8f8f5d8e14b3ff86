//! Sound, checked through the capture (`--audio-capture`): what the mixer
//! made, in step time (800 stereo frames per step at 60 Hz), so a test can
//! say at which step each sound started. Each test's sounds are constant
//! levels or ramps, so an onset or a track's position is read off exactly.

use std::path::{Path, PathBuf};

use engine::{Engine, EngineConfig};
use hotloop_tests::{
    EngineProcess, Variant, boundaries_until, failing_system, install, run, variants_dir,
};

/// Stereo frames per step at the demo's 60 Hz.
const BLOCK: usize = 800;

/// A mono 48 kHz WAV of `samples` at `path`.
fn write_wav(path: &Path, samples: &[i16]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    // Written aside and renamed into place, as editors and tools do.
    let part = path.with_extension("part");
    let mut writer = hound::WavWriter::create(&part, spec).unwrap();
    for &sample in samples {
        writer.write_sample(sample).unwrap();
    }
    writer.finalize().unwrap();
    std::fs::rename(&part, path).unwrap();
}

/// A level of `level / 32768` for `frames` frames: a sound whose start is
/// a jump from silence.
fn level(level: i16, frames: usize) -> Vec<i16> {
    vec![level; frames]
}

/// The left channel of a capture.
fn left_channel(path: &Path) -> Vec<f32> {
    let reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 48_000, 32)
    );
    let samples: Vec<f32> = reader.into_samples::<f32>().map(Result::unwrap).collect();
    samples.iter().step_by(2).copied().collect()
}

/// The blocks (steps, from 0) whose first sample starts a sound: sound
/// there, silence just before.
fn onsets(left: &[f32]) -> Vec<usize> {
    (0..left.len() / BLOCK)
        .filter(|&block| {
            let at = block * BLOCK;
            left[at] != 0.0 && (at == 0 || left[at - 1] == 0.0)
        })
        .collect()
}

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = variants_dir().join("audio").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    dir
}

/// The demo, asking for `beep.wav` every tenth tick, and `extra` run after
/// the tick is counted.
fn beeping(name: &str, extra: &str) -> Variant {
    let variant = Variant::of_demo(name);
    variant.edit(
        "systems.rs",
        "pub fn count_ticks(state: &mut State, _frame: &Frame) {\n    state.ticks += 1;\n",
        &format!(
            "pub fn count_ticks(state: &mut State, frame: &Frame) {{\n    state.ticks += 1;\n    \
             if state.ticks % 10 == 0 {{ frame.audio.play(\"beep.wav\"); }}\n    {extra}\n"
        ),
    );
    variant
}

/// An engine on `library` with `dir/assets`, capturing to `dir/capture.wav`.
fn capturing(library: &Path, dir: &Path) -> Engine {
    let mut config = EngineConfig::new(library);
    config.watch = false;
    config.assets = Some(dir.join("assets"));
    config.snapshot_dir = dir.join("snapshots");
    config.recording_dir = dir.join("recordings");
    config.audio.capture = Some(dir.join("capture.wav"));
    Engine::new(config).expect("engine starts")
}

#[test]
fn each_sound_starts_at_its_step_and_a_rolled_back_step_plays_none() {
    let dir = scratch("onsets");
    write_wav(&dir.join("assets/beep.wav"), &level(16_384, 300));
    let beeps = beeping("audio-beeps", "").build();
    // The same, and at tick 35 it asks for a sound, then panics: the step is
    // rolled back and runs again on the build before, which asks for none.
    let failing = beeping(
        "audio-beeps-then-panic",
        "if state.ticks == 35 { frame.audio.play(\"beep.wav\"); panic!(\"after asking for a sound\"); }",
    )
    .build();
    let mut engine = capturing(&beeps, &dir);
    run(&mut engine, 20);
    engine.reload_from(&failing).unwrap();
    run(&mut engine, 40);
    assert!(
        engine
            .stats()
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("after asking for a sound")),
        "{:?}",
        engine.stats()
    );
    assert_eq!(engine.summary().sounds_played, 6);
    drop(engine);

    let left = left_channel(&dir.join("capture.wav"));
    assert_eq!(left.len(), 60 * BLOCK, "one block per step");
    // Tick n is step n (from 1), block n - 1.
    assert_eq!(onsets(&left), [9, 19, 29, 39, 49, 59]);
    assert_eq!(
        left[9 * BLOCK],
        0.5,
        "the file's level, at full volume, centred"
    );
    assert_eq!(left[9 * BLOCK + 299], 0.5);
    assert_eq!(left[9 * BLOCK + 300], 0.0, "played once, to its end");
    assert!(
        left[34 * BLOCK..35 * BLOCK].iter().all(|&s| s == 0.0),
        "the rolled-back step plays nothing"
    );
}

#[test]
fn a_replay_plays_the_same_sounds_at_the_same_steps() {
    let dir = scratch("replay");
    write_wav(&dir.join("assets/beep.wav"), &level(8_192, 2_000));
    let beeps = beeping("audio-beeps-replay", "").build();
    let mut engine = capturing(&beeps, &dir);
    engine.toggle_loop();
    run(&mut engine, 95);
    engine.toggle_loop();
    let notice = engine.notice().unwrap_or_default().to_owned();
    let recording = notice
        .split_once("recording saved to ")
        .expect(&notice)
        .1
        .to_owned();
    drop(engine);
    let live = left_channel(&dir.join("capture.wav"));
    assert_eq!(onsets(&live).len(), 9);

    let replayed = dir.join("replayed.wav");
    let finished = EngineProcess::start([
        "--headless".as_ref(),
        "--no-watch".as_ref(),
        "--lib".as_ref(),
        beeps.as_os_str(),
        "--assets".as_ref(),
        dir.join("assets").as_os_str(),
        "--replay".as_ref(),
        recording.as_ref(),
        "--audio-capture".as_ref(),
        replayed.as_os_str(),
    ])
    .finish();
    assert!(finished.status.success(), "{}", finished.stderr);
    assert_eq!(finished.summary()["sounds_played"], 9);
    assert_eq!(left_channel(&replayed), live, "sample for sample");
}

#[test]
fn a_sound_file_replaced_on_disk_is_what_the_next_play_plays() {
    let dir = scratch("reload");
    write_wav(&dir.join("assets/beep.wav"), &level(16_384, 100));
    let beeps = beeping("audio-beeps-reload", "").build();
    let mut config = EngineConfig::new(&beeps);
    config.watch = false;
    config.watch_assets = true;
    config.assets = Some(dir.join("assets"));
    config.audio.capture = Some(dir.join("capture.wav"));
    let mut engine = Engine::new(config).unwrap();
    run(&mut engine, 12);
    write_wav(&dir.join("assets/beep.wav"), &level(-8_192, 100));
    boundaries_until(&mut engine, "the new beep.wav", |engine| {
        engine
            .assets()
            .sound("beep.wav")
            .is_some_and(|s| s.samples()[0] == -0.25)
    });
    run(&mut engine, 10);
    drop(engine);
    let left = left_channel(&dir.join("capture.wav"));
    assert_eq!(onsets(&left), [9, 19]);
    assert_eq!((left[9 * BLOCK], left[19 * BLOCK]), (0.5, -0.25));
}

/// The demo with a `Music` field playing `tone.wav` from its first step;
/// `extra` after it in `count_ticks`.
fn with_music(name: &str, extra: &str) -> Variant {
    let variant = Variant::of_demo(name);
    variant
        .edit("lib.rs", "        pub rng: Rng,\n", "        pub rng: Rng,\n        /// The music playing.\n        pub music: hotloop_abi::Music,\n")
        .edit("lib.rs", "        rng: Rng::new(0x2545_f491),\n", "        rng: Rng::new(0x2545_f491),\n        music: hotloop_abi::Music::SILENCE,\n")
        .edit(
            "systems.rs",
            "pub fn count_ticks(state: &mut State, _frame: &Frame) {\n    state.ticks += 1;\n",
            &format!(
                "pub fn count_ticks(state: &mut State, frame: &Frame) {{\n    state.ticks += 1;\n    \
                 state.music.play(\"tone.wav\", frame);\n    {extra}\n"
            ),
        );
    variant
}

/// A ramp of `TONE` frames: each sample says where in the track it is.
const TONE: usize = 4_801;

fn tone() -> Vec<i16> {
    (0..TONE).map(|n| (n * 6) as i16).collect()
}

/// Where in the tone each block of `left` starts (its first sample's
/// position), `None` for a block that is not a stretch of the tone.
fn tone_positions(left: &[f32]) -> Vec<Option<usize>> {
    left.chunks(BLOCK)
        .map(|block| {
            let at = |s: f32| (s * 32_768.0).round() as usize / 6;
            let start = at(block[0]);
            let continuous = block
                .iter()
                .enumerate()
                .all(|(i, &s)| at(s) == (start + i) % TONE);
            continuous.then_some(start)
        })
        .collect()
}

#[test]
fn music_plays_on_through_a_reload_at_the_place_the_steps_say() {
    let dir = scratch("music");
    write_wav(&dir.join("assets/tone.wav"), &tone());
    let first = with_music("audio-music-a", "").build();
    let second = with_music("audio-music-b", "state.score += 0;").build();
    let mut engine = capturing(&first, &dir);
    run(&mut engine, 30);
    engine.reload_from(&second).unwrap();
    run(&mut engine, 30);
    drop(engine);
    let left = left_channel(&dir.join("capture.wav"));
    let positions = tone_positions(&left);
    // Started in the first step; block k starts k * 800 frames in, looping.
    let expected: Vec<_> = (0..60).map(|k| Some(k * BLOCK % TONE)).collect();
    assert_eq!(positions, expected);
}

#[test]
fn music_carries_on_at_its_place_after_a_crash_restarts_the_engine() {
    let dir = scratch("music-crash");
    write_wav(&dir.join("assets/tone.wav"), &tone());
    let first = with_music("audio-music-first", "").build();
    let crashing = with_music("audio-music-crash", "");
    crashing.edit(
        "lib.rs",
        "        systems::count_ticks,\n",
        "        systems::count_ticks,\n        fail_soon,\n",
    );
    crashing.edit(
        "lib.rs",
        "fn greet() -> &'static str {",
        &failing_system(30, "std::process::abort();"),
    );
    let crashing = crashing.build();
    let library = dir.join("libgame.so");
    install(&first, &library);
    let capture = dir.join("capture.wav");
    let mut engine = EngineProcess::start([
        "--headless".as_ref(),
        "--realtime".as_ref(),
        "--lib".as_ref(),
        library.as_os_str(),
        "--assets".as_ref(),
        dir.join("assets").as_os_str(),
        "--audio-capture".as_ref(),
        capture.as_os_str(),
    ]);
    engine.wait_for("for new builds");
    install(&crashing, &library);
    engine.wait_for("game code crashed the engine: abort in update at step");
    let resumed = engine.wait_for("running again at step");
    // A fixed build, as a developer would save next: the music goes on.
    install(
        &with_music("audio-music-fixed", "let _ = 1;").build(),
        &library,
    );
    engine.wait_for("generation 3 at step");
    let finished = engine.terminate();
    assert!(finished.status.success(), "{}", finished.stderr);
    let frames = finished.summary()["frames"].as_u64().unwrap() as usize;

    // The capture: the first process's blocks up to about the crash (the
    // last few it had queued may be lost with it), then the restarted
    // one's, appended, up to the last step.
    let positions = tone_positions(&left_channel(&capture));
    assert!(
        positions.iter().all(Option::is_some),
        "every block is a stretch of the tone: {positions:?}"
    );
    let positions: Vec<usize> = positions.into_iter().flatten().collect();
    assert_eq!(positions[0], 0, "started in the first step");
    let jumps: Vec<usize> = (1..positions.len())
        .filter(|&i| positions[i] != (positions[i - 1] + BLOCK) % TONE)
        .collect();
    assert!(
        jumps.len() <= 1,
        "one seam at most, at the restart: {jumps:?} ({resumed})"
    );
    // The last block is the last step's: where the steps say, not where a
    // track started again from its beginning would be.
    assert_eq!(
        positions.last(),
        Some(&((frames - 1) * BLOCK % TONE)),
        "{resumed}"
    );
    if let Some(&seam) = jumps.first() {
        assert_ne!(
            positions[seam], 0,
            "not restarted from the beginning ({resumed})"
        );
    }
}
