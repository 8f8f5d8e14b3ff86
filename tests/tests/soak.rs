//! Reload soak: many reloads in one process, every other one of a build
//! with thread-locals, must not leak memory, file descriptors, mappings or
//! shadow files. `soak_100` runs in the normal suite;
//! the 1,000-reload version is `cargo test -p hotloop-tests --test soak -- --ignored`.

use std::fs;

use engine::{Engine, EngineConfig};
use hotloop_abi::Input;
use hotloop_tests::{demo_library, mapped_libraries, thread_local_variant, ticks};

fn resident_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn open_fds() -> usize {
    fs::read_dir("/proc/self/fd").unwrap().count()
}

/// The demo counting 1000 per step (same layout, different code), with a
/// `thread_local!` and a static vector, as real code has: each of its
/// builds must still unload.
fn fast_library() -> std::path::PathBuf {
    static FAST: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    FAST.get_or_init(|| thread_local_variant("soak-fast-thread-locals", 1000).build())
        .clone()
}

fn soak(reloads: u64) {
    // Memory and descriptors are per process: never measure two soaks at once.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let libraries = [fast_library(), demo_library()];
    let mut config = EngineConfig::new(&libraries[1]);
    config.watch = false;
    let mut engine = Engine::new(config).unwrap();
    let shadow_dir = engine.shadow_dir().to_path_buf();

    let (mut rss_at_10, mut fds_at_10, mut most_mapped, mut expected_ticks) = (0, 0, 0, 0);
    for reload in 1..=reloads {
        let library = &libraries[(reload % 2) as usize];
        engine.reload_from(library).unwrap();
        most_mapped = most_mapped.max(mapped_libraries(&shadow_dir));
        for _ in 0..2 {
            engine.step(&Input::default());
            expected_ticks += if reload % 2 == 1 { 1000 } else { 1 };
        }
        if reload == 10 {
            (rss_at_10, fds_at_10) = (resident_kib(), open_fds());
        }
    }
    let (rss_end, fds_end) = (resident_kib(), open_fds());
    let growth_mib = rss_end.saturating_sub(rss_at_10) as f64 / 1024.0;
    let shadows_left = fs::read_dir(&shadow_dir).unwrap().count();
    eprintln!(
        "soak: {reloads} reloads; RSS {rss_at_10} KiB at reload 10 -> {rss_end} KiB (+{growth_mib:.2} MiB); \
         fds {fds_at_10} -> {fds_end}; at most {most_mapped} game libraries mapped; {shadows_left} shadow file(s) before exit (running, fallback, retiring)"
    );

    assert_eq!(engine.stats().reloads, reloads, "every reload counted");
    assert_eq!(engine.stats().failed_reloads, 0);
    assert_eq!(engine.generation(), reloads + 1);
    assert_eq!(
        ticks(engine.state_bytes()),
        expected_ticks,
        "the state carried through every reload"
    );
    assert!(
        growth_mib < 20.0,
        "resident memory grew {growth_mib:.2} MiB"
    );
    assert!(
        fds_end <= fds_at_10,
        "file descriptors grew from {fds_at_10} to {fds_end}"
    );
    assert!(
        most_mapped <= 2,
        "{most_mapped} game libraries mapped at once"
    );
    drop(engine);
    assert!(
        !shadow_dir.exists(),
        "the shadow directory is removed at exit"
    );
}

#[test]
fn soak_100() {
    soak(100);
}

#[test]
#[ignore = "long: 1,000 reloads; run with --ignored"]
fn soak_1000() {
    soak(1000);
}
