//! Micro-benchmarks of the ABI boundary (`cargo bench -p engine`):
//! - the per-step copy that lets a panicking step be rolled back, for the
//!   demo's state and for a 1 MiB state; for a 64 MiB state, whole and only
//!   the pages written since the last copy (8, 512 or all 16,384 of them);
//! - calling the demo's `update` through the loaded release library versus
//!   calling the same systems linked statically, through the entry points
//!   `cargo ship` links in, and with each system timed (F4);
//! - a whole engine step, alone in its process and supervised (the state in
//!   shared memory, each call into game code reported for crash recovery).
//!
//! Builds the release demo library first (or set `HOTLOOP_BENCH_LIB` to
//! another library).

mod common;

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::loader::library::GameLibrary;
use engine::loader::shadow::ShadowDir;
use engine::session::Session;
use engine::state::{CopyMode, StateBuffer, StepCopy};
use engine::{Engine, EngineConfig};
use game_logic::systems;
use hotloop_abi::{Frame, Input, Message, StateLayout};

/// The release demo, or the library `HOTLOOP_BENCH_LIB` names.
fn release_library() -> PathBuf {
    std::env::var_os("HOTLOOP_BENCH_LIB")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::release_library("game-logic"))
}

/// The copy taken before a step of a 64 MiB state, after a step wrote
/// `pages` pages of it: whole, or only the pages written (where the kernel
/// can say which; otherwise that measures a whole copy too).
fn big_rollback_copy(c: &mut Criterion) {
    let mut group = c.benchmark_group("rollback copy per step, 64 MiB state");
    group.sample_size(20);
    let layout = StateLayout {
        size: 64 << 20,
        align: 8,
        fingerprint: 1,
    };
    let buffer = || StateBuffer::zeroed(layout).expect("layout");
    let mut state = buffer();
    let mut whole = buffer();
    group.bench_function("whole copy", |b| {
        b.iter(|| whole.copy_from(black_box(&state)))
    });
    let mut copy = StepCopy::new(buffer(), &state, CopyMode::Auto);
    println!("only written pages copied: {}", copy.is_tracked());
    let page_count = (64 << 20) / 4096;
    for pages in [8, 512, page_count] {
        let stride = page_count / pages * 4096;
        let mut tick = 0u8;
        group.bench_function(format!("written pages only, {pages} pages written"), |b| {
            b.iter(|| {
                tick = tick.wrapping_add(1);
                let bytes = state.bytes_mut();
                for page in 0..pages {
                    bytes[page * stride] = tick;
                }
                copy.save(black_box(&state));
            })
        });
    }
    group.finish();
}

fn rollback_copy(c: &mut Criterion) {
    let mut group = c.benchmark_group("rollback copy per step");
    let demo = size_of::<game_logic::State>() as u64;
    for (name, size) in [
        (format!("demo state ({demo} B)"), demo),
        ("1 MiB state".to_owned(), 1 << 20),
    ] {
        let layout = StateLayout {
            size,
            align: align_of::<game_logic::State>() as u64,
            fingerprint: 1,
        };
        let source = StateBuffer::zeroed(layout).expect("layout");
        let mut copy = StateBuffer::zeroed(layout).expect("layout");
        group.bench_function(name, |b| b.iter(|| copy.copy_from(black_box(&source))));
    }
    group.finish();
}

fn frame() -> Frame<'static> {
    Frame {
        dt: 1.0 / 60.0,
        width: 320,
        height: 240,
        ..Frame::default()
    }
}

/// The demo's systems, in the order its `game!` lists them.
#[inline(never)]
fn static_update(state: &mut game_logic::State, frame: &Frame) {
    systems::count_ticks(state, frame);
    systems::steer_player(state, frame);
    systems::move_particles(state, frame);
    systems::collect_particles(state, frame);
}

fn ticks_and_score(bytes: &[u8]) -> (u64, u32) {
    let ticks = std::mem::offset_of!(game_logic::State, ticks);
    let score = std::mem::offset_of!(game_logic::State, score);
    (
        u64::from_le_bytes(bytes[ticks..ticks + 8].try_into().unwrap()),
        u32::from_le_bytes(bytes[score..score + 4].try_into().unwrap()),
    )
}

fn call_overhead(c: &mut Criterion) {
    let shadows = ShadowDir::create().expect("shadow dir");
    let library = GameLibrary::load(&release_library(), &shadows).expect("load the release demo");
    let mut dynamic = StateBuffer::zeroed(library.layout()).expect("layout");
    library.init(&mut dynamic).expect("init");
    let mut statically = game_logic::init();
    // The demo as `cargo ship` links it: through `game!`'s entry points,
    // with nothing loaded.
    let linked = GameLibrary::linked(&game_logic::__HOTLOOP_GAME).expect("the linked demo");
    let mut in_executable = StateBuffer::zeroed(linked.layout()).expect("layout");
    linked.init(&mut in_executable).expect("init");
    let (frame, mut scratch) = (frame(), Message::new());

    // Every path must do the same work: same state after the same steps.
    for _ in 0..600 {
        library
            .update(&mut dynamic, &frame, &mut scratch)
            .expect("update");
        linked
            .update(&mut in_executable, &frame, &mut scratch)
            .expect("update");
        static_update(&mut statically, &frame);
    }
    assert_eq!(
        ticks_and_score(dynamic.bytes()),
        (statically.ticks, statically.score)
    );
    assert_eq!(
        ticks_and_score(in_executable.bytes()),
        ticks_and_score(dynamic.bytes())
    );

    let mut group = c.benchmark_group("demo update");
    group.bench_function("static call", |b| {
        b.iter(|| static_update(black_box(&mut statically), &frame))
    });
    group.bench_function("through the loaded library", |b| {
        b.iter(|| library.update(black_box(&mut dynamic), &frame, &mut scratch))
    });
    group.bench_function("linked into the executable (cargo ship)", |b| {
        b.iter(|| linked.update(black_box(&mut in_executable), &frame, &mut scratch))
    });
    // What F4 (per-system timings) adds while it is on; off, `update` runs.
    let mut nanos = vec![0u64; library.systems().len()];
    group.bench_function("through the loaded library, timing each system", |b| {
        b.iter(|| library.update_timed(black_box(&mut dynamic), &frame, &mut scratch, &mut nanos))
    });
    group.finish();
}

/// A whole engine step (frame boundary, rollback copy, `update`) of the
/// release demo, alone in its process and as a supervised engine process
/// (state in shared memory, calls reported to the control block).
fn engine_step(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = || {
        let mut config = EngineConfig::new(release_library());
        config.watch = false;
        config
    };
    let mut alone = Engine::new(config()).expect("engine");
    let session = Session::standalone(dir.path()).expect("session");
    let mut supervised = Engine::supervised(config(), session).expect("supervised engine");
    let input = Input::default();
    let mut group = c.benchmark_group("engine step (demo)");
    group.bench_function("alone", |b| b.iter(|| alone.step(black_box(&input))));
    group.bench_function("supervised", |b| {
        b.iter(|| supervised.step(black_box(&input)))
    });
    group.finish();
    assert_eq!(
        ticks_and_score(alone.state_bytes()).0,
        alone.steps(),
        "every step ran"
    );
    assert_eq!(
        ticks_and_score(supervised.state_bytes()).0,
        supervised.steps()
    );
}

criterion_group!(
    benches,
    rollback_copy,
    big_rollback_copy,
    call_overhead,
    engine_step
);
criterion_main!(benches);
