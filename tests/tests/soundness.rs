//! Safe game code cannot cause undefined behaviour, and bytes from outside
//! game code are checked before it sees them: a hand-written `StateData`
//! does not compile, invalid values in files or migrations are refused with
//! the field named, padding never makes two equal runs differ, and a library
//! whose field table lies is refused while the old one keeps running.

use std::fs;
use std::path::{Path, PathBuf};

use engine::{Engine, EngineConfig};
use hotloop_abi::reflect::{Field, FieldKind, encode};
use hotloop_tests::{
    EngineProcess, Variant, boundaries_until, demo_library, run, ticks, unwatched, variants_dir,
};

/// The demo with a padded struct holding a `bool` and a `char`: `flags`,
/// written by a system every step from a value that passed through a stack
/// dirtied with addresses (different in every run under ASLR).
fn flagged_library() -> PathBuf {
    static FLAGGED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FLAGGED
        .get_or_init(|| {
            let variant = Variant::of_demo("flagged");
            variant
                .edit(
                    "lib.rs",
                    "    /// Everything the game remembers.",
                    "    /// Padded: 3 bytes after `alive`, 7 after `mark`.\n    pub struct Flags {\n        pub alive: bool,\n        pub letter: char,\n        pub mark: u8,\n        pub count: u64,\n    }\n\n    /// Everything the game remembers.",
                )
                .edit(
                    "lib.rs",
                    "        pub ticks: u64,\n",
                    "        pub ticks: u64,\n        /// Written by `flag` every step.\n        pub flags: Flags,\n",
                )
                .edit(
                    "lib.rs",
                    "        ticks: 0,\n",
                    "        ticks: 0,\n        flags: Flags { alive: true, letter: 'h', mark: 0, count: 0 },\n",
                )
                .edit("lib.rs", "systems: [", "systems: [systems::flag, ");
            let systems = variant_source(&variant, "systems.rs");
            variant.write(
                "systems.rs",
                &format!(
                    "{systems}\n\n/// Fills the stack with this run's addresses, then writes a fresh `Flags`.\npub fn flag(state: &mut crate::State, _frame: &hotloop_abi::Frame) {{\n    std::hint::black_box(dirty_stack());\n    let count = state.flags.count + 1;\n    state.flags = std::hint::black_box(crate::Flags {{ alive: count % 2 == 0, letter: 'h', mark: 7, count }});\n}}\n\n#[inline(never)]\nfn dirty_stack() -> u64 {{\n    let mut words = [0u64; 64];\n    let base = words.as_ptr() as u64;\n    for (index, word) in words.iter_mut().enumerate() {{\n        *word = base.rotate_left(index as u32) ^ 0xA5A5_A5A5_A5A5_A5A5;\n    }}\n    std::hint::black_box(&words);\n    words[7]\n}}\n"
                ),
            );
            variant.build()
        })
        .clone()
}

fn variant_source(variant: &Variant, file: &str) -> String {
    fs::read_to_string(
        variants_dir()
            .join("src")
            .join(variant.name())
            .join("src")
            .join(file),
    )
    .expect("variant source")
}

/// Where `flags.alive` is in the flagged state, by its field table.
fn offset_of_path(engine: &Engine, path: &str) -> usize {
    engine::state::fields::locate(engine.state_fields(), path, engine.state_bytes())
        .unwrap_or_else(|error| panic!("{error}"))
        .offset
}

/// `data` with `value` written at `at` and the checksum made right again,
/// as a hand-edited file would be.
fn forged(mut data: Vec<u8>, at: usize, value: &[u8]) -> Vec<u8> {
    data[at..at + value.len()].copy_from_slice(value);
    let end = data.len() - 8;
    let sum = engine::files::checksum::checksum(&data[..end]);
    data[end..].copy_from_slice(&sum.to_le_bytes());
    data
}

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

#[test]
fn a_snapshot_with_an_invalid_bool_is_refused_and_the_state_kept() {
    let mut engine = unwatched(&flagged_library());
    run(&mut engine, 5);
    let path = engine.save_snapshot().expect("quick save");
    let saved = fs::read(&path).unwrap();
    let alive = offset_of_path(&engine, "flags.alive");
    let state_at = saved.len() - 8 - engine.state_bytes().len();
    run(&mut engine, 5);
    let before = engine.state_bytes().to_vec();

    // A forged byte with a right checksum: the file's own table catches it.
    fs::write(&path, forged(saved.clone(), state_at + alive, &[2])).unwrap();
    let error = engine.load_snapshot(&path).unwrap_err().to_string();
    assert!(
        error.contains("field `flags.alive` holds 2, not a bool (0 or 1)"),
        "{error}"
    );
    assert_eq!(
        engine.state_bytes(),
        before,
        "the running state is untouched"
    );
    assert!(engine.current_error().unwrap().contains("flags.alive"));

    // The same with the table stripped (length 0): the running library's
    // table, the authority on its own type, catches it.
    let stripped = strip_table(&saved);
    let stripped_state_at = stripped.len() - 8 - before.len();
    fs::write(
        &path,
        forged(stripped.clone(), stripped_state_at + alive, &[2]),
    )
    .unwrap();
    let error = engine.load_snapshot(&path).unwrap_err().to_string();
    assert!(error.contains("field `flags.alive` holds 2"), "{error}");
    assert_eq!(engine.state_bytes(), before);

    // An invalid `char` likewise.
    let letter = offset_of_path(&engine, "flags.letter");
    fs::write(
        &path,
        forged(
            stripped,
            stripped_state_at + letter,
            &0xDFFFu32.to_le_bytes(),
        ),
    )
    .unwrap();
    let error = engine.load_snapshot(&path).unwrap_err().to_string();
    assert!(
        error.contains("field `flags.letter` holds 0xdfff, not a char"),
        "{error}"
    );

    // The file as saved loads, and play goes on from it.
    fs::write(&path, &saved).unwrap();
    engine
        .load_snapshot(&path)
        .expect("the saved snapshot loads");
    assert_eq!(ticks(engine.state_bytes()), 5);
}

/// The demo with a `List` in its state: `trail`, two of its four slots used.
fn listed_library() -> PathBuf {
    let variant = Variant::of_demo("listed");
    variant
        .edit(
            "lib.rs",
            "        pub ticks: u64,\n",
            "        pub ticks: u64,\n        /// Two of four slots used.\n        pub trail: hotloop_abi::List<u32, 4>,\n",
        )
        .edit(
            "lib.rs",
            "        ticks: 0,\n",
            "        ticks: 0,\n        trail: [7, 8].into_iter().collect(),\n",
        );
    variant.build()
}

#[test]
fn a_snapshot_whose_list_is_longer_than_its_capacity_is_refused_by_name() {
    let mut engine = unwatched(&listed_library());
    run(&mut engine, 5);
    let path = engine.save_snapshot().expect("quick save");
    let saved = fs::read(&path).unwrap();
    let before = engine.state_bytes().to_vec();
    let len = offset_of_path(&engine, "trail.len");
    let state_at = saved.len() - 8 - before.len();
    let refused = |engine: &mut Engine, data: Vec<u8>| {
        fs::write(&path, data).unwrap();
        let error = engine.load_snapshot(&path).unwrap_err().to_string();
        assert!(
            error.contains("field `trail.len` holds 5, more than the list's capacity of 4"),
            "{error}"
        );
        assert_eq!(
            engine.state_bytes(),
            before,
            "the running state is untouched"
        );
    };
    // Caught by the file's own table, then (table stripped) by the library's.
    refused(
        &mut engine,
        forged(saved.clone(), state_at + len, &5u32.to_le_bytes()),
    );
    let stripped = strip_table(&saved);
    let stripped_state_at = stripped.len() - 8 - before.len();
    refused(
        &mut engine,
        forged(
            stripped.clone(),
            stripped_state_at + len,
            &5u32.to_le_bytes(),
        ),
    );

    // Bytes in a free slot are no value of the list: they load as zeros,
    // so only the live elements reach game code, the checksum and the JSON.
    let free_slot = len + 4 + 2 * 4;
    for (data, at) in [(saved, state_at), (stripped, stripped_state_at)] {
        fs::write(&path, forged(data, at + free_slot, &[0xFF; 4])).unwrap();
        engine
            .load_snapshot(&path)
            .expect("a free slot holds no value");
        assert_eq!(engine.state_bytes(), before, "the free slot is zero again");
    }
    assert_eq!(engine.state_json()["trail"], serde_json::json!([7, 8]));
}

/// A snapshot's bytes with its field table removed (length 0), checksum fixed.
fn strip_table(data: &[u8]) -> Vec<u8> {
    const HEADER: usize = 8 + 4 + 4 + 8 * 3;
    let len = u64::from_le_bytes(data[HEADER..HEADER + 8].try_into().unwrap()) as usize;
    let mut out = data[..HEADER].to_vec();
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&data[HEADER + 8 + len..]);
    let end = out.len() - 8;
    forged(
        out.clone(),
        end,
        &engine::files::checksum::checksum(&out[..end]).to_le_bytes(),
    )
}

#[test]
fn a_recording_with_an_invalid_bool_is_refused_before_the_replay_starts() {
    let library = flagged_library();
    let mut engine = unwatched(&library);
    run(&mut engine, 3);
    engine.toggle_loop();
    run(&mut engine, 20);
    engine.toggle_loop();
    let notice = engine.notice().unwrap_or_default();
    let saved = notice
        .split_once("recording saved to ")
        .unwrap_or_else(|| panic!("no recording saved: {notice}"))
        .1;
    let recording = fs::read(saved).unwrap();
    let good = variants_dir().join("good.hlrec");
    fs::write(&good, &recording).unwrap();

    // Forge `flags.alive` in the embedded state, with both checksums right
    // and the embedded table stripped, so only the engine's check is left.
    let alive = offset_of_path(&engine, "flags.alive");
    let mut parsed = engine::files::recording::Recording::decode(&recording).unwrap();
    parsed.start.table = None;
    let mut bytes = parsed.start.state.clone();
    bytes.bytes_mut()[alive] = 2;
    parsed.start.state = bytes;
    let bad = variants_dir().join("bad.hlrec");
    fs::write(&bad, parsed.encode()).unwrap();

    let lib = library.display().to_string();
    let replay = |file: &Path| {
        EngineProcess::start([
            "--headless",
            "--no-watch",
            "--lib",
            &lib,
            "--replay",
            &file.display().to_string(),
        ])
        .finish()
    };
    let refused = replay(&bad);
    assert!(!refused.status.success());
    assert!(
        refused.stderr.contains(
            "the recording holds an invalid state: field `flags.alive` holds 2, not a bool"
        ),
        "{}",
        refused.stderr
    );
    let replayed = replay(&good);
    assert!(replayed.status.success(), "{}", replayed.stderr);
    assert_eq!(replayed.summary()["frames"], 20);
}

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

/// A game library written by hand, with its own `unsafe` and no `game!`,
/// whose `state_fields` hands the engine `table`, claiming `claimed` bytes.
fn hostile_library(name: &str, table: &[u8], claimed: usize) -> PathBuf {
    let variant = Variant::of_demo(&format!("hostile-{name}"));
    variant.write(
        "lib.rs",
        &format!(
            r#"//! A hostile library: hand-written exports whose field table lies.
use hotloop_abi::{{Frame, Message, RawCanvas, StateLayout, Status}};

static TABLE: &[u8] = &{table:?};

#[unsafe(no_mangle)]
pub extern "C" fn abi_version() -> u32 {{
    hotloop_abi::ABI_VERSION
}}

#[unsafe(no_mangle)]
pub extern "C" fn state_layout() -> StateLayout {{
    StateLayout {{ size: 16, align: 8, fingerprint: 0x0bad_f00d }}
}}

/// # Safety
/// `out` holds `capacity` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn state_fields(out: *mut u8, capacity: usize) -> usize {{
    if !out.is_null() && TABLE.len() <= capacity {{
        unsafe {{ std::ptr::copy_nonoverlapping(TABLE.as_ptr(), out, TABLE.len()) }};
    }}
    {claimed}
}}

#[unsafe(no_mangle)]
pub extern "C" fn greet(_out: *mut Message) -> Status {{ Status::OK }}
#[unsafe(no_mangle)]
pub extern "C" fn init(_state: *mut u8, _error: *mut Message) -> Status {{ Status::OK }}
#[unsafe(no_mangle)]
pub extern "C" fn update(_state: *mut u8, _frame: *const Frame<'_>, _error: *mut Message) -> Status {{ Status::OK }}
#[unsafe(no_mangle)]
pub extern "C" fn render(_state: *const u8, _frame: *const Frame<'_>, _canvas: *mut RawCanvas, _error: *mut Message) -> Status {{ Status::OK }}
#[unsafe(no_mangle)]
pub extern "C" fn describe(_state: *const u8, _out: *mut Message) -> Status {{ Status::OK }}
"#
        ),
    );
    variant.build()
}

fn field(name: &'static str, offset: usize, size: usize, kind: FieldKind) -> Field {
    Field {
        name,
        old_name: None,
        type_name: "t",
        offset,
        size,
        align: 1,
        fingerprint: 1,
        kind,
        fields: &[],
    }
}

fn table(fields: &[Field]) -> Vec<u8> {
    let mut out = Vec::new();
    encode(fields, &mut out);
    out
}

#[test]
fn libraries_whose_field_table_lies_are_refused_and_the_old_one_runs_on() {
    let non_utf8 = {
        let mut bytes = 1u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&[0xff, 0xfe]);
        bytes
    };
    let whole = table(&[field("a", 0, 4, FieldKind::U32)]);
    let ten_million = 10_000_000u32.to_le_bytes().to_vec();
    let cases: Vec<(&str, Vec<u8>, usize, &str)> = vec![
        (
            "past-the-state",
            table(&[field("far", 64, 8, FieldKind::U64)]),
            0,
            "field `far` (offset 64, 8 bytes) lies outside its 16-byte struct",
        ),
        (
            "overlapping",
            table(&[
                field("a", 0, 4, FieldKind::U32),
                field("b", 2, 4, FieldKind::U32),
            ]),
            0,
            "fields `a` and `b` overlap",
        ),
        ("ten-million", ten_million, 0, "more than 10000 fields"),
        (
            "larger-than-the-buffer",
            whole.clone(),
            1 << 30,
            "more than the 1048576 accepted",
        ),
        ("non-utf8", non_utf8, 0, "a field name is not UTF-8"),
        (
            "bigger-than-the-layout",
            table(&[field("state", 0, 32, FieldKind::Opaque)]),
            0,
            "field `state` (offset 0, 32 bytes) lies outside its 16-byte struct",
        ),
        (
            "lying-array",
            table(&[Field {
                fields: Box::leak(Box::new([field("[]", 0, 3, FieldKind::Opaque)])),
                ..field("cells", 0, 16, FieldKind::Array)
            }]),
            0,
            "array `cells` (16 bytes) is not a whole number of its 3-byte elements",
        ),
        (
            "trailing-bytes",
            whole.clone(),
            whole.len() + 4,
            "4 bytes after the field table",
        ),
    ];
    let libraries: Vec<_> = cases
        .iter()
        .map(|(name, table, claimed, _)| {
            let claimed = if *claimed == 0 { table.len() } else { *claimed };
            hostile_library(name, table, claimed)
        })
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("libgame.so");
    fs::copy(demo_library(), &library).unwrap();
    let mut engine = Engine::new(EngineConfig::new(&library)).expect("engine starts");
    run(&mut engine, 3);
    for (failures, ((name, _, _, reason), hostile)) in (1..).zip(cases.iter().zip(&libraries)) {
        let before = ticks(engine.state_bytes());
        hotloop_tests::install(hostile, &library);
        boundaries_until(&mut engine, name, |e| e.stats().failed_reloads == failures);
        let error = engine.current_error().unwrap_or_default().to_owned();
        assert!(
            error.contains("describes its state with a malformed field table")
                && error.contains(reason),
            "{name}: {error}"
        );
        run(&mut engine, 1);
        assert_eq!(
            ticks(engine.state_bytes()),
            before + 1,
            "{name}: the demo runs on"
        );
        assert_eq!(engine.generation(), 1, "{name}");
    }
}
