//! Values across a layout change and across runs: a `u8` that becomes a
//! `bool` is not carried over, and padding never makes two runs differ.

use super::*;

#[test]
fn a_u8_that_becomes_a_bool_is_not_carried_over() {
    let before = Variant::of_demo("mark-u8");
    before
        .edit(
            "lib.rs",
            "        pub ticks: u64,\n",
            "        pub ticks: u64,\n        pub mark: u8,\n",
        )
        .edit(
            "lib.rs",
            "        ticks: 0,\n",
            "        ticks: 0,\n        mark: 2,\n",
        );
    let after = Variant::of_demo("mark-bool");
    after
        .edit(
            "lib.rs",
            "        pub ticks: u64,\n",
            "        pub ticks: u64,\n        pub mark: bool,\n",
        )
        .edit(
            "lib.rs",
            "        ticks: 0,\n",
            "        ticks: 0,\n        mark: true,\n",
        );
    let (before, after) = (before.build(), after.build());

    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("libgame.so");
    fs::copy(&before, &library).unwrap();
    let mut config = EngineConfig::new(&library);
    config.snapshot_dir = dir.path().join("snapshots");
    let mut engine = Engine::new(config).expect("engine starts");
    run(&mut engine, 10);
    hotloop_tests::install(&after, &library);
    boundaries_until(&mut engine, "the bool build", |e| e.generation() == 2);
    let report = engine.notice().unwrap_or_default().to_owned();
    assert!(report.contains("changed type: mark"), "{report}");
    let mark = offset_of_path(&engine, "mark");
    assert_eq!(
        engine.state_bytes()[mark],
        1,
        "`init`'s true, never the old 2"
    );
    assert_eq!(ticks(engine.state_bytes()), 10, "the rest carried over");
}

#[test]
fn a_padded_state_gives_the_same_checksum_run_after_run() {
    let lib = flagged_library().display().to_string();
    let checksum = || {
        let finished =
            EngineProcess::start(["--headless", "--no-watch", "--frames", "120", "--lib", &lib])
                .finish();
        assert!(finished.status.success(), "{}", finished.stderr);
        finished.summary()["state_checksum"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let first = checksum();
    for _ in 0..3 {
        assert_eq!(checksum(), first, "padding bytes leaked into the checksum");
    }
}
