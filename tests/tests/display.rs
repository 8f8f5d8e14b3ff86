//! The display a game declares in `game!` (`size`, `rate`, `title`): read
//! at every load, taken at the frame boundary by a reload that changes it,
//! refused by name when it is out of bounds.

use hotloop_abi::Input;
use hotloop_tests::{Variant, run, ticks, unwatched};

/// The demo declaring `keys` (lines for `game!`, before `render`).
fn declaring(name: &str, keys: &str) -> Variant {
    let variant = Variant::of_demo(name);
    variant.edit(
        "lib.rs",
        "    render: draw::render,\n",
        &format!("{keys}    render: draw::render,\n"),
    );
    variant
}

/// Every particle's position in the demo's state bytes.
fn particles(state: &[u8]) -> Vec<(f32, f32)> {
    use game_logic::{Particle, State};
    let at = |offset: usize| f32::from_le_bytes(state[offset..offset + 4].try_into().unwrap());
    (0..game_logic::PARTICLES)
        .map(|index| {
            let pos = std::mem::offset_of!(State, particles)
                + index * size_of::<Particle>()
                + std::mem::offset_of!(Particle, pos);
            (at(pos), at(pos + 4))
        })
        .collect()
}

#[test]
fn a_reload_that_changes_the_size_keeps_the_state_and_draws_at_the_new_size_next_step() {
    let wide = declaring("display-wide", "").build();
    let small = declaring(
        "display-small",
        "    size: (200, 150),\n    rate: 30,\n    title: \"Small\",\n",
    )
    .build();
    let mut engine = unwatched(&wide);
    assert_eq!(engine.display().size, (320, 240), "the default");
    assert_eq!(engine.display().rate, 60);
    assert_eq!(engine.display().title, "variant-display-wide");

    const K: u64 = 40;
    run(&mut engine, K);
    assert!(
        particles(engine.state_bytes())
            .iter()
            .any(|&(x, y)| x > 200.0 || y > 150.0),
        "at 320x240 some particle is outside 200x150"
    );
    let before = engine.state_bytes().to_vec();
    engine.reload_from(&small).expect("the smaller build loads");
    assert_eq!(engine.state_bytes(), before, "the reload keeps the state");
    assert_eq!(engine.display().size, (200, 150));
    assert_eq!(engine.display().rate, 30);
    assert_eq!(engine.display().title, "Small");

    engine.step(&Input::default());
    assert_eq!(ticks(engine.state_bytes()), K + 1, "no step lost");
    // Step K+1 ran with the new size in its Frame: the demo keeps every
    // particle inside the frame it is given.
    for (x, y) in particles(engine.state_bytes()) {
        assert!(x <= 200.0 && y <= 150.0, "particle at ({x}, {y})");
    }
    let mut pixels = vec![0; 200 * 150 * 4];
    engine.render(&mut pixels);
    assert_eq!(&pixels[..4], &[18, 22, 40, 255], "the demo's background");
    let summary = serde_json::to_value(engine.summary()).unwrap();
    assert_eq!(summary["size"], serde_json::json!([200, 150]), "{summary}");
    assert_eq!(summary["rate"], 30, "{summary}");
    assert_eq!(summary["title"], "Small", "{summary}");

    // Going back is a reload like any other.
    engine
        .reload_from(&wide)
        .expect("the wide build loads again");
    engine.step(&Input::default());
    assert_eq!(engine.display().size, (320, 240));
    let mut pixels = vec![0; 320 * 240 * 4];
    engine.render(&mut pixels);
    assert_eq!(ticks(engine.state_bytes()), K + 2);
}

#[test]
fn a_display_out_of_bounds_is_refused_by_name_and_the_old_build_runs_on() {
    let good = declaring("display-good", "").build();
    let bad = [
        ("display-zero-width", "    size: (0, 240),\n", "size 0x240"),
        ("display-too-fast", "    rate: 5000,\n", "rate 5000"),
        (
            "display-long-title",
            &format!("    title: \"{}\",\n", "t".repeat(300)),
            "title of 300 bytes",
        ),
    ];
    let mut engine = unwatched(&good);
    run(&mut engine, 3);
    for (name, keys, named) in bad {
        let library = declaring(name, keys).build();
        let error = engine
            .reload_from(&library)
            .expect_err("an unusable display is refused")
            .to_string();
        assert!(
            error.contains("declares a display the engine cannot show") && error.contains(named),
            "{error}"
        );
        engine.step(&Input::default());
        assert_eq!(engine.generation(), 1, "the old build runs on");
        assert_eq!(engine.display().size, (320, 240));
    }
    assert_eq!(ticks(engine.state_bytes()), 6);

    // At start-up there is nothing to run on: the engine says why.
    let library = declaring("display-zero-width", "    size: (0, 240),\n").library();
    let mut config = engine::EngineConfig::new(&library);
    config.watch = false;
    let error = engine::Engine::new(config)
        .expect_err("refused")
        .to_string();
    assert!(error.contains("size 0x240: width and height"), "{error}");
}

#[test]
fn render_sees_how_far_real_time_is_into_the_next_step() {
    let variant = Variant::of_demo("display-overstep");
    variant.edit(
        "draw.rs",
        "    canvas.clear(BACKGROUND);\n",
        "    canvas.clear([(frame.overstep * 200.0) as u8, 0, 0, 255]);\n    if frame.overstep >= 0.0 {\n        return;\n    }\n",
    );
    let mut engine = unwatched(&variant.build());
    run(&mut engine, 3);
    let mut pixels = vec![0; 320 * 240 * 4];
    let mut red_between = |overstep: f32| {
        engine.render_between(&mut pixels, overstep);
        pixels[0]
    };
    assert_eq!(red_between(0.25), 50);
    assert_eq!(red_between(1.0), 200);
    assert_eq!(red_between(7.0), 200, "never past the next step");
    assert_eq!(red_between(-1.0), 0);
    engine.render(&mut pixels);
    assert_eq!(pixels[0], 0, "`render` draws the last step itself");
}
