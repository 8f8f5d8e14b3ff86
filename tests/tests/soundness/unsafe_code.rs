//! What game code cannot write without `unsafe`, it cannot get past the
//! compiler: a hand-written `StateData`, unsafe operations in `game!`'s
//! keys; and the engine takes no entry point from a library the game links.

use super::*;

#[test]
fn a_hand_written_state_data_impl_does_not_compile_in_safe_game_code() {
    let plain = Variant::of_demo("handwritten-state-data");
    let source = variant_source(&plain, "lib.rs");
    let name = "\n#[derive(Clone, Copy)]\npub struct Name {\n    pub text: &'static str,\n}\n";
    plain.write(
        "lib.rs",
        &format!(
            "{source}{name}impl hotloop_abi::StateData for Name {{\n    const FINGERPRINT: u64 = 1;\n}}\n"
        ),
    );
    let error = plain
        .try_build()
        .expect_err("a safe impl of StateData must not compile");
    assert!(
        error.contains("the trait `StateData` requires an `unsafe impl` declaration"),
        "{error}"
    );

    let marked = Variant::of_demo("unsafe-state-data");
    marked.write(
        "lib.rs",
        &format!(
            "{source}{name}unsafe impl hotloop_abi::StateData for Name {{\n    const FINGERPRINT: u64 = 1;\n}}\n"
        ),
    );
    let error = marked
        .try_build()
        .expect_err("`unsafe impl` must not compile under forbid(unsafe_code)");
    assert!(
        error.contains("implementation of an `unsafe` trait")
            && error.contains("forbid(unsafe_code)"),
        "{error}"
    );
}

/// Each key of `game!` that takes an expression, given a closure that does
/// something only `unsafe` allows: (name, edit of the demo's `game!`).
const UNSAFE_IN_KEYS: &[(&str, &str, &str)] = &[
    (
        "init",
        "    init: init,\n",
        "    init: || State { ticks: *(8usize as *const u64), ..init() },\n",
    ),
    (
        "init-in-place",
        "    init: init,\n",
        "    init_in_place: |state: &mut State| state.ticks = *(8usize as *const u64),\n",
    ),
    (
        "systems",
        "        systems::count_ticks,\n",
        "        |state: &mut State, _: &hotloop_abi::Frame| state.ticks = *(8usize as *const u64),\n",
    ),
    (
        "size",
        "    render: draw::render,\n",
        "    size: (*(8usize as *const u32), 240),\n    render: draw::render,\n",
    ),
    (
        "title",
        "    render: draw::render,\n",
        "    title: *(8usize as *const &str),\n    render: draw::render,\n",
    ),
    (
        "render",
        "    render: draw::render,\n",
        "    render: |state: &State, frame: &hotloop_abi::Frame, canvas: &mut hotloop_abi::Canvas<'_>| {\n        let _ = *(8usize as *const u8);\n        draw::render(state, frame, canvas)\n    },\n",
    ),
    (
        "describe",
        "    describe: describe,\n",
        "    describe: |state: &State, out: &mut Message| {\n        let _: u64 = std::mem::transmute(1.0f64);\n        describe(state, out)\n    },\n",
    ),
    (
        "migrate",
        "    describe: describe,\n",
        "    describe: describe,\n    migrate: |_: &hotloop_abi::OldState<'_>, state: &mut State| {\n        state.ticks = *(8usize as *const u64);\n        true\n    },\n",
    ),
    (
        "greet",
        "    greet: greet,\n",
        "    greet: || {\n        let _ = *(8usize as *const u8);\n        greet()\n    },\n",
    ),
];

/// The keys of game states, run conditions and set-up after a reload, as
/// [`UNSAFE_IN_KEYS`]: edits of the demo's `game!` after [`phased`].
const UNSAFE_IN_SCHEDULE_KEYS: &[(&str, &str, &str)] = &[
    (
        "run-if",
        "        systems::count_ticks,\n",
        "        systems::count_ticks.run_if(|_: &State| *(8usize as *const bool)),\n",
    ),
    (
        "in-state",
        "        systems::count_ticks,\n",
        "        systems::count_ticks.run_if(in_state(*(8usize as *const u8))),\n",
    ),
    (
        "on-enter",
        "    greet: greet,\n",
        "    greet: greet,\n    on_enter: [0 => |state: &mut State, _: &hotloop_abi::Frame| state.ticks = *(8usize as *const u64)],\n",
    ),
    (
        "on-exit",
        "    greet: greet,\n",
        "    greet: greet,\n    on_exit: [*(8usize as *const u8) => systems::count_ticks],\n",
    ),
    (
        "on-reload",
        "    greet: greet,\n",
        "    greet: greet,\n    on_reload: [|state: &mut State, _: &hotloop_abi::Frame| state.ticks = *(8usize as *const u64)],\n",
    ),
];

/// `variant` with a `GameState<u8>` field `phase` named by `game_state`.
fn phased(variant: &Variant) -> &Variant {
    variant
        .edit(
            "lib.rs",
            "        pub ticks: u64,\n",
            "        pub ticks: u64,\n        /// The game state.\n        pub phase: hotloop_abi::GameState<u8>,\n",
        )
        .edit(
            "lib.rs",
            "        ticks: 0,\n",
            "        ticks: 0,\n        phase: hotloop_abi::GameState::new(0),\n",
        )
        .edit("lib.rs", "    init: init,\n", "    init: init,\n    game_state: phase,\n")
}

#[test]
fn unsafe_operations_in_game_keys_do_not_compile_in_safe_game_code() {
    let plain = UNSAFE_IN_KEYS.iter().map(|case| (case, false));
    let scheduled = UNSAFE_IN_SCHEDULE_KEYS.iter().map(|case| (case, true));
    for ((key, from, to), phase) in plain.chain(scheduled) {
        let variant = Variant::of_demo(&format!("unsafe-in-{key}"));
        if phase {
            phased(&variant);
        }
        variant.edit("lib.rs", from, to);
        let error = variant
            .try_build()
            .expect_err(&format!("an unsafe operation in `{key}:` must not compile"));
        assert!(
            error.contains("error[E0133]") && error.contains("is unsafe and requires unsafe"),
            "`{key}:` should fail for the unsafe operation itself:\n{error}"
        );
    }

    // Spelled out, `unsafe` meets the crate's `forbid(unsafe_code)`.
    let spelled = Variant::of_demo("unsafe-block-in-init");
    spelled.edit(
        "lib.rs",
        "    init: init,\n",
        "    init: || State { ticks: unsafe { *(8usize as *const u64) }, ..init() },\n",
    );
    let error = spelled
        .try_build()
        .expect_err("an unsafe block must not compile");
    assert!(error.contains("usage of an `unsafe` block"), "{error}");

    // Safe closures still do, for every key.
    let closures = Variant::of_demo("closures-in-every-key");
    closures
        .edit("lib.rs", "    init: init,\n", "    init: || init(),\n")
        .edit("lib.rs", "        systems::count_ticks,\n", "        |state: &mut State, _: &hotloop_abi::Frame| state.ticks += 1,\n")
        .edit("lib.rs", "    render: draw::render,\n", "    size: (320, 240),\n    rate: 60,\n    title: \"closures\",\n    render: |state: &State, frame: &hotloop_abi::Frame, canvas: &mut hotloop_abi::Canvas<'_>| draw::render(state, frame, canvas),\n")
        .edit("lib.rs", "    describe: describe,\n", "    describe: |state: &State, out: &mut Message| describe(state, out),\n    migrate: |_: &hotloop_abi::OldState<'_>, _: &mut State| false,\n")
        .edit("lib.rs", "    greet: greet,\n", "    greet: || greet(),\n");
    let library = closures.build();
    let mut engine = unwatched(&library);
    run(&mut engine, 3);
    assert_eq!(ticks(engine.state_bytes()), 3, "the closure system counts");

    // And in the keys of game states, conditions and reloads.
    let scheduled = Variant::of_demo("closures-in-schedule-keys");
    phased(&scheduled)
        .edit(
            "lib.rs",
            "        systems::count_ticks,\n",
            "        (|state: &mut State, _: &hotloop_abi::Frame| state.ticks += 1).run_if(|state: &State| state.phase.is(1)),\n        systems::count_ticks.run_if(not(in_state(1))),\n",
        )
        .edit(
            "lib.rs",
            "    greet: greet,\n",
            "    greet: greet,\n    on_enter: [0 => |state: &mut State, _: &hotloop_abi::Frame| state.phase.set(1)],\n    on_exit: [0 => |state: &mut State, _: &hotloop_abi::Frame| state.ticks += 100],\n    on_reload: [|state: &mut State, _: &hotloop_abi::Frame| state.ticks += 1000],\n",
        );
    let mut engine = unwatched(&scheduled.build());
    run(&mut engine, 3);
    assert_eq!(
        ticks(engine.state_bytes()),
        103,
        "step 0 enters 0 and asks for 1, step 1 leaves 0: one tick each step, 100 on exit"
    );
}

#[test]
fn an_optional_entry_point_is_never_taken_from_a_library_the_game_links() {
    // A C library exporting a `migrate` of another signature, which the game
    // links dynamically: `dlsym` on the game would find it there.
    let foreign = variants_dir().join("foreign-migrate");
    fs::create_dir_all(&foreign).unwrap();
    fs::write(
        foreign.join("foreign.c"),
        "int migrate(void) { return 7; }\n",
    )
    .unwrap();
    let compiled = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(foreign.join("libforeign.so"))
        .arg(foreign.join("foreign.c"))
        .status()
        .expect("run cc");
    assert!(compiled.success(), "cc failed");
    let variant = Variant::of_demo("links-foreign-migrate");
    let dir = variants_dir().join("src").join(variant.name());
    fs::write(
        dir.join("build.rs"),
        format!(
            "fn main() {{\n    println!(\"cargo:rustc-link-arg=-L{0}\");\n    println!(\"cargo:rustc-link-arg=-Wl,--push-state,--no-as-needed,-lforeign,--pop-state,-rpath,{0}\");\n}}\n",
            foreign.display()
        ),
    )
    .unwrap();
    let library = variant.build();
    let needed = std::process::Command::new("readelf")
        .arg("-d")
        .arg(&library)
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    assert!(
        needed.contains("libforeign.so"),
        "the game links the C library:\n{needed}"
    );

    let shadows = engine::loader::shadow::ShadowDir::create().unwrap();
    let loaded = engine::loader::library::GameLibrary::load(&library, &shadows).unwrap();
    assert!(
        !loaded.can_migrate(),
        "the C library's `migrate` must not count as the game's"
    );
    let mut engine = unwatched(&library);
    run(&mut engine, 2);
    assert_eq!(ticks(engine.state_bytes()), 2, "the game itself runs");
}
