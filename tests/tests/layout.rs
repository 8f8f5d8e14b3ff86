//! State layout changes: never reinterpreted; migrated by `migrate`, or field
//! by field by name (with the old state saved to a snapshot); refused (old
//! code on the intact state) whenever carrying the state over fails.

use engine::files::snapshot;
use engine::{Engine, EngineConfig};
use hotloop_tests::{Variant, demo_library, run, ticks};

/// The demo with a `lives` field after `score`, so the layout changes.
fn with_lives(name: &str) -> Variant {
    let variant = Variant::of_demo(name);
    variant
        .edit(
            "lib.rs",
            "pub score: u32,",
            "pub score: u32,\n        pub lives: u32,",
        )
        .edit("lib.rs", "score: 0,", "score: 0,\n        lives: 3,");
    variant
}

/// Offset of `lives` in the variant: right after `ticks` (u64) and `score` (u32).
const LIVES_AT: usize = 12;

fn engine(snapshots: &std::path::Path) -> Engine {
    let mut config = EngineConfig::new(demo_library());
    config.watch = false;
    config.snapshot_dir = snapshots.to_path_buf();
    Engine::new(config).expect("engine starts")
}

#[test]
fn without_migrate_fields_are_carried_by_name_and_the_old_state_is_saved() {
    let library = with_lives("lives-auto").build();
    let snapshots = tempfile::tempdir().unwrap();
    let mut engine = engine(snapshots.path());
    run(&mut engine, 40);
    let (old_bytes, old_layout, old_json) = (
        engine.state_bytes().to_vec(),
        engine.layout(),
        engine.state_json(),
    );

    engine
        .reload_from(&library)
        .expect("a layout change without migrate is accepted");
    let notice = engine.notice().expect("the developer is told").to_owned();
    assert!(
        notice.contains("carried over 5 field(s) by name; new: lives"),
        "{notice}"
    );
    assert!(notice.contains("old state saved to"), "{notice}");

    let saved: Vec<_> = std::fs::read_dir(snapshots.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(saved.len(), 1, "one snapshot: {saved:?}");
    assert!(
        notice.contains(&saved[0].display().to_string()),
        "the notice names the file"
    );
    let restored = snapshot::load(&saved[0]).expect("the snapshot reads back");
    assert_eq!(restored.state.layout(), old_layout);
    assert_eq!(restored.state.bytes(), old_bytes, "nothing lost");

    assert_ne!(engine.layout(), old_layout);
    let json = engine.state_json();
    for field in ["ticks", "score", "rng", "player", "particles"] {
        if field != "particles" {
            assert_eq!(json[field], old_json[field], "{field} carried over");
        }
    }
    assert_eq!(json["lives"], 3, "the new field has init's value");
    assert_eq!(engine.state_bytes()[LIVES_AT], 3);
    run(&mut engine, 1);
    assert_eq!(ticks(engine.state_bytes()), 41, "the game goes on");
}

/// Reloads `edited` into an engine that ran the demo for 40 steps; returns
/// the state before, after, and the notice.
fn reload_edited(
    name: &str,
    edits: &[(&str, &str, &str)],
) -> (serde_json::Value, serde_json::Value, String) {
    let variant = Variant::of_demo(name);
    for (file, from, to) in edits {
        variant.edit(file, from, to);
    }
    let library = variant.build();
    let snapshots = tempfile::tempdir().unwrap();
    let mut engine = engine(snapshots.path());
    run(&mut engine, 40);
    // A score told apart from `init`'s 0, whatever the particles did.
    engine
        .set_field("score", engine::state::fields::Value::Int(12))
        .expect("score");
    let before = engine.state_json();
    engine.reload_from(&library).expect("accepted");
    (
        before,
        engine.state_json(),
        engine.notice().unwrap().to_owned(),
    )
}

#[test]
fn a_removed_field_is_reported_and_the_rest_carried() {
    let snapshots = tempfile::tempdir().unwrap();
    let mut config = EngineConfig::new(with_lives("lives-then-none").build());
    config.watch = false;
    config.snapshot_dir = snapshots.path().to_path_buf();
    let mut engine = Engine::new(config).unwrap();
    run(&mut engine, 30);
    let before = engine.state_json();
    engine
        .reload_from(&demo_library())
        .expect("back to the demo");
    let notice = engine.notice().unwrap();
    assert!(
        notice.contains("carried over 5 field(s) by name; removed: lives"),
        "{notice}"
    );
    assert_eq!(engine.state_json()["ticks"], before["ticks"]);
    assert_eq!(engine.state_json()["player"], before["player"]);
}

#[test]
fn reordered_fields_keep_their_values() {
    let (before, after, notice) = reload_edited(
        "reordered",
        &[(
            "lib.rs",
            "        /// Particles the player has collected.\n        pub score: u32,\n        /// State of the deterministic random number generator.\n        pub rng: Rng,",
            "        /// State of the deterministic random number generator.\n        pub rng: Rng,\n        /// Particles the player has collected.\n        pub score: u32,",
        )],
    );
    assert!(
        notice.contains("carried over 5 field(s) by name"),
        "{notice}"
    );
    assert!(
        !notice.contains("changed type") && !notice.contains("removed"),
        "{notice}"
    );
    assert_eq!(after, before, "every value in its new place");
}

#[test]
fn a_field_whose_type_changed_gets_its_init_value_and_is_reported() {
    let (before, after, notice) = reload_edited(
        "score-u64",
        &[("lib.rs", "pub score: u32,", "pub score: u64,")],
    );
    assert!(notice.contains("changed type: score"), "{notice}");
    assert_eq!(before["score"], 12);
    assert_eq!(after["score"], 0, "init's value");
    assert_eq!(after["ticks"], before["ticks"]);
}

#[test]
fn a_renamed_field_with_its_old_name_declared_keeps_its_value() {
    let (before, after, notice) = reload_edited(
        "renamed",
        &[
            ("lib.rs", "pub score: u32,", "pub points: u32 = was(score),"),
            ("lib.rs", "score: 0,", "points: 0,"),
            (
                "lib.rs",
                "state.ticks, state.score,",
                "state.ticks, state.points,",
            ),
            ("systems.rs", "state.score += 1;", "state.points += 1;"),
            ("draw.rs", "state.score.min(60)", "state.points.min(60)"),
        ],
    );
    assert!(
        notice.contains("carried over 5 field(s) by name"),
        "{notice}"
    );
    assert!(!notice.contains("new: points"), "{notice}");
    assert_eq!(after["points"], before["score"]);
}

#[test]
fn a_field_added_to_the_particle_struct_keeps_every_particle() {
    let variant = Variant::of_demo("particle-age");
    variant
        .edit(
            "lib.rs",
            "        pub hue: f32,\n",
            "        pub hue: f32,\n        /// Steps lived.\n        pub age: u8,\n",
        )
        .edit(
            "lib.rs",
            "            hue: 0.0,\n",
            "            hue: 0.0,\n            age: 0,\n",
        )
        .edit(
            "systems.rs",
            "        hue: unit(),\n",
            "        hue: unit(),\n        age: 7,\n",
        );
    let library = variant.build();
    let snapshots = tempfile::tempdir().unwrap();
    let mut engine = engine(snapshots.path());
    run(&mut engine, 40);
    let before = engine.state_json();

    engine.reload_from(&library).expect("accepted");
    let notice = engine.notice().unwrap();
    assert!(
        notice.contains(
            "carried over 5 field(s) by name; particles: 48 elements carried, field `age` added"
        ),
        "{notice}"
    );
    let after = engine.state_json();
    let (old, new) = (
        before["particles"].as_array().unwrap(),
        after["particles"].as_array().unwrap(),
    );
    assert_eq!(new.len(), 48);
    for (index, (old, new)) in old.iter().zip(new).enumerate() {
        for field in ["pos", "vel", "radius", "hue"] {
            assert_eq!(new[field], old[field], "particle {index}: {field} carried");
        }
        assert_eq!(new["age"], 7, "particle {index}: `age` has init's value");
    }
    for field in ["ticks", "score", "rng", "player"] {
        assert_eq!(after[field], before[field], "{field} carried");
    }
    run(&mut engine, 1);
    assert_eq!(ticks(engine.state_bytes()), 41, "the game goes on");
}

#[test]
fn migrate_carries_the_state_over_a_layout_change() {
    let variant = with_lives("lives-migrate");
    variant
        .edit(
            "lib.rs",
            "/// The state a new game starts from.",
            "hotloop_abi::state! {
    /// The state before `lives` was added.
    pub struct StateV1 {
        pub ticks: u64,
        pub score: u32,
        pub rng: Rng,
        pub player: Player,
        pub particles: [Particle; PARTICLES],
    }
}

fn migrate(old: &hotloop_abi::OldState<'_>, new: &mut State) -> bool {
    let Some(old) = old.view::<StateV1>() else { return false };
    new.ticks = old.ticks;
    new.score = old.score;
    new.rng = old.rng;
    new.player = old.player;
    new.particles = old.particles;
    true
}

/// The state a new game starts from.",
        )
        .edit(
            "lib.rs",
            "    describe: describe,\n",
            "    describe: describe,\n    migrate: migrate,\n",
        );
    let library = variant.build();
    let snapshots = tempfile::tempdir().unwrap();
    let mut engine = engine(snapshots.path());
    run(&mut engine, 40);
    let old_game = engine.describe().unwrap();

    engine.reload_from(&library).expect("migrated");
    let notice = engine.notice().unwrap();
    assert!(
        notice.contains("`migrate` carried the state over"),
        "{notice}"
    );
    assert_eq!(
        std::fs::read_dir(snapshots.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "no snapshot needed"
    );
    assert_eq!(
        engine.describe().unwrap(),
        old_game,
        "same ticks, score and player"
    );
    assert_eq!(
        engine.state_bytes()[LIVES_AT],
        3,
        "the new field has init's value"
    );
    run(&mut engine, 1);
    assert_eq!(ticks(engine.state_bytes()), 41, "the game goes on");
}

#[test]
fn a_panicking_init_refuses_the_library_and_keeps_the_intact_state() {
    let variant = with_lives("lives-init-panics");
    variant.edit("lib.rs", "    let mut state = State {", "    panic!(\"init exploded on purpose\");\n    #[allow(unreachable_code)]\n    let mut state = State {");
    let library = variant.build();
    let snapshots = tempfile::tempdir().unwrap();
    let mut engine = engine(snapshots.path());
    run(&mut engine, 10);
    let before = engine.state_bytes().to_vec();

    let error = engine
        .reload_from(&library)
        .expect_err("refused")
        .to_string();
    assert!(error.contains("init panicked"), "{error}");
    assert!(error.contains("init exploded on purpose"), "{error}");
    assert_eq!(engine.state_bytes(), before);
    assert_eq!(engine.stats().failed_reloads, 1);
    run(&mut engine, 1);
    assert_eq!((engine.generation(), ticks(engine.state_bytes())), (1, 11));

    // The same library as the first one: the engine does not start, and says why.
    let mut config = EngineConfig::new(&library);
    config.watch = false;
    let error = Engine::new(config)
        .expect_err("cannot start on a panicking init")
        .to_string();
    assert!(
        error.contains("init panicked") && error.contains("init exploded on purpose"),
        "{error}"
    );
}

#[test]
fn when_the_old_state_cannot_be_saved_the_library_is_refused() {
    let library = with_lives("lives-unsaved").build();
    let blocker = tempfile::NamedTempFile::new().unwrap();
    // A file where the snapshot directory should be: saving must fail.
    let mut engine = engine(&blocker.path().join("snapshots"));
    run(&mut engine, 10);
    let before = engine.state_bytes().to_vec();
    let error = engine
        .reload_from(&library)
        .expect_err("refused")
        .to_string();
    assert!(error.contains("changed the state layout"), "{error}");
    assert!(error.contains("saving the old state failed"), "{error}");
    assert_eq!(
        engine.state_bytes(),
        before,
        "never reinterpreted, never lost"
    );
    run(&mut engine, 1);
    assert_eq!(
        ticks(engine.state_bytes()),
        11,
        "the old code keeps running"
    );
}
