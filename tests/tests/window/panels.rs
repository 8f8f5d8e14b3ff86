//! The engine's panels over the game: the status line, the inspector (F2)
//! and the system timings (F4).

use super::*;

#[test]
fn the_status_line_lies_over_the_game_at_the_windows_resolution_and_leaves_it_visible() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    // The demo with its top 16 rows striped white and black (2 columns
    // each), in a 960x720 window (3x): the status line lies over the top.
    let variant = Variant::of_demo("window-stripes");
    variant.edit(
        "draw.rs",
        "    for point in 0..state.score.min(60) {",
        "    for x in (0..canvas.width() as i32).step_by(4) {\n        \
         canvas.fill_rect(Vec2::new(x as f32, 0.0), Vec2::new(x as f32 + 2.0, 16.0), [255; 4]);\n        \
         canvas.fill_rect(Vec2::new(x as f32 + 2.0, 0.0), Vec2::new(x as f32 + 4.0, 16.0), [0, 0, 0, 255]);\n    }\n    \
         for point in 0..state.score.min(60) {",
    );
    let (mut child, window) = game_window(&variant.build(), &[]);
    let band =
        |shot: &Screenshot, rows: std::ops::Range<usize>, matches: &dyn Fn([u8; 3]) -> bool| {
            let pixels = rows.len() * 960;
            let found = rows
                .flat_map(|y| (0..960).map(move |x| (y * shot.width + x) * 3))
                .filter(|&at| matches([shot.rgb[at], shot.rgb[at + 1], shot.rgb[at + 2]]))
                .count();
            found as f64 / pixels as f64
        };
    let stripe = |p: [u8; 3]| p == [255; 3] || p == [0; 3];
    // The game's white stripes through the status line's translucent panel:
    // grey, neither white nor black nor the status text.
    let seen_through = |p: [u8; 3]| p[0] == p[1] && p[1] == p[2] && (60..220).contains(&p[0]);
    let shot = wait_for_screen(
        window,
        &mut child,
        "the stripes under the status line",
        |shot| band(shot, 0..22, &seen_through) > 0.2,
    );
    // The status line is 12 overlay rows, 24 window rows at this size (two
    // per overlay pixel), not 12 framebuffer rows (36 window rows): below
    // it, the stripes are the game's own pixels, untouched.
    assert!(
        band(&shot, 25..47, &stripe) > 0.99,
        "rows 25 to 46 are the game's alone"
    );
    assert!(
        band(&shot, 0..22, &seen_through) > 0.2,
        "the game shows through the status line"
    );
    let _ = stop_with_summary(child);
}

#[test]
fn the_inspector_shows_the_state_and_edits_it() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    let (mut child, window) = demo_window(&["--dump-state"]);
    // The inspector's panel: dark green laid over the dark blue background
    // (the overlay layer, blended by the GPU), or its selected row.
    let panel = |p: [u8; 3]| near(p, [9, 34, 28]) || near(p, [40, 130, 80]);
    open_panel(window, &mut child, "F2", "the inspector", |shot| {
        shot.fraction(panel) > 0.1
    });
    // `]` three times selects player.pos.x; `=` ten times adds 10.
    let mut keys = vec!["bracketright"; 3];
    keys.extend(["equal"; 10]);
    type_keys(&keys);
    // Keys are handled in order: once F2 has closed the panel, every nudge
    // before it has been applied.
    type_keys(&["F2"]);
    let closed = poll_screen(
        window,
        &mut child,
        "the panel to close",
        Duration::from_secs(30),
        |shot| shot.fraction(panel) < 0.01,
    );
    assert!(closed.is_some(), "the inspector never closed after F2");

    let summary = stop_with_summary(child);
    assert_eq!(
        summary["state"]["player"]["pos"][0], 170.0,
        "nudged from 160: {}",
        summary["state"]
    );
    assert!(
        summary["game"]
            .as_str()
            .unwrap()
            .contains("player (170.0, 120.0)"),
        "{summary}"
    );
}

#[test]
fn f4_shows_how_long_each_system_takes() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    let (mut child, window) = demo_window(&[]);
    // The timings panel: dark blue laid over the game's background, at the
    // window's resolution (a 720-row window: 2x2 pixels per overlay pixel).
    let panel = |p: [u8; 3]| near(p, [12, 26, 52]);
    open_panel(window, &mut child, "F4", "the timings panel", |shot| {
        shot.fraction(panel) > 0.02
    });
    let summary = stop_with_summary(child);
    let systems = summary["systems"]
        .as_array()
        .expect("timings in the summary");
    let names: Vec<&str> = systems
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for system in [
        "count_ticks",
        "steer_player",
        "move_particles",
        "collect_particles",
    ] {
        assert!(
            names.iter().any(|name| name.ends_with(system)),
            "{system} in {names:?}"
        );
    }
}
