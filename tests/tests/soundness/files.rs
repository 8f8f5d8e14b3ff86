//! Bytes from files are checked before game code sees them: a snapshot or
//! a recording holding a value its type cannot hold is refused by name.

use super::*;

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
