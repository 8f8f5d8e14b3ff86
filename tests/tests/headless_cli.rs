//! The `hotloop` binary in headless mode, as CI and scripts use it.

use std::process::Command;

use hotloop_tests::{EngineProcess, Variant, demo_library, engine_binary, summary_line};

#[test]
fn headless_run_prints_a_json_summary_as_its_last_line() {
    let output = Command::new(engine_binary())
        .args(["--headless", "--frames", "600", "--lib"])
        .arg(demo_library())
        .output()
        .expect("run hotloop");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = summary_line(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(summary["frames"], 600);
    assert_eq!(summary["reloads"], 0);
    assert_eq!(summary["failed_reloads"], 0);
    assert_eq!(summary["generation"], 1);
    assert!(summary["last_error"].is_null());
    assert!(
        summary["game"].as_str().unwrap().starts_with("ticks 600 "),
        "{summary}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Hello from game-logic!"),
        "greet is logged: {stderr}"
    );
}

#[test]
fn realtime_run_picks_up_a_rebuild_and_keeps_its_state() {
    let live = Variant::of_demo("cli-live");
    let library = live.build();
    let lib = library.display().to_string();
    let mut engine = EngineProcess::start(["--headless", "--realtime", "--lib", &lib]);
    engine.wait_for("Hello from game-logic!");
    live.edit("lib.rs", "\"ticks {} score {}", "\"ticks {} points {}");
    live.build();
    engine.wait_for("generation 2 at step");
    let finished = engine.terminate();
    assert!(finished.status.success(), "{}", finished.stderr);

    let summary = finished.summary();
    assert_eq!(summary["reloads"], 1, "{summary}");
    assert_eq!(summary["failed_reloads"], 0, "{summary}");
    let frames = summary["frames"].as_u64().unwrap();
    let game = summary["game"].as_str().unwrap();
    assert!(
        game.starts_with(&format!("ticks {frames} points ")),
        "new code describes the continued state, every step counted: {game}"
    );
}

#[test]
fn missing_library_is_a_clear_error_not_a_panic() {
    let output = Command::new(engine_binary())
        .args([
            "--headless",
            "--frames",
            "1",
            "--lib",
            "/nonexistent/libgame_logic.so",
        ])
        .output()
        .expect("run hotloop");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no game library at /nonexistent/libgame_logic.so"),
        "{stderr}"
    );
    assert!(stderr.contains("cargo build -p game-logic"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn profile_systems_puts_each_systems_mean_in_the_summary() {
    let output = Command::new(engine_binary())
        .args([
            "--headless",
            "--frames",
            "120",
            "--profile-systems",
            "--lib",
        ])
        .arg(demo_library())
        .output()
        .expect("run hotloop");
    assert!(output.status.success());
    let summary = summary_line(&String::from_utf8_lossy(&output.stdout));
    let systems = summary["systems"].as_array().expect("systems");
    let names: Vec<&str> = systems
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        4,
        "the demo's four systems, slowest first: {names:?}"
    );
    let means: Vec<f64> = systems
        .iter()
        .map(|s| s["mean_us"].as_f64().unwrap())
        .collect();
    assert!(means.windows(2).all(|w| w[0] >= w[1]), "{means:?}");
    assert!(means.iter().all(|m| *m > 0.0), "{means:?}");
    assert!(names.contains(&"systems::move_particles"), "{names:?}");
}

#[test]
fn a_game_that_declares_its_display_runs_headless_at_it() {
    let variant = Variant::of_demo("cli-display");
    variant
        .edit(
            "lib.rs",
            "    render: draw::render,\n",
            "    size: (256, 224),\n    rate: 30,\n    title: \"Declared Display\",\n    render: draw::render,\n",
        )
        // A system that notes the size its Frame says.
        .edit(
            "lib.rs",
            "        pub ticks: u64,\n",
            "        pub ticks: u64,\n        pub seen_width: u32,\n        pub seen_height: u32,\n",
        )
        .edit("lib.rs", "        ticks: 0,\n", "        ticks: 0,\n        seen_width: 0,\n        seen_height: 0,\n")
        .edit(
            "lib.rs",
            "        systems::collect_particles,\n",
            "        systems::collect_particles,\n        note_size,\n",
        )
        .edit(
            "lib.rs",
            "fn greet() -> &'static str {",
            "fn note_size(state: &mut State, frame: &hotloop_abi::Frame) {\n    state.seen_width = frame.width;\n    state.seen_height = frame.height;\n}\n\nfn greet() -> &'static str {",
        );
    let library = variant.build();
    let output = Command::new(engine_binary())
        .args([
            "--headless",
            "--frames",
            "120",
            "--no-watch",
            "--dump-state",
            "--lib",
        ])
        .arg(&library)
        .output()
        .expect("run hotloop");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let summary = summary_line(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(summary["size"], serde_json::json!([256, 224]), "{summary}");
    assert_eq!(summary["rate"], 30, "{summary}");
    assert_eq!(summary["title"], "Declared Display", "{summary}");
    assert_eq!(summary["frames"], 120, "{summary}");
    let state = &summary["state"];
    assert_eq!(
        (&state["seen_width"], &state["seen_height"]),
        (&serde_json::json!(256), &serde_json::json!(224)),
        "the game's Frame says the declared size: {summary}"
    );
}
