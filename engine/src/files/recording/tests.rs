use super::*;
use crate::codec::Writer;
use crate::files::checksum::checksum;
use crate::files::snapshot;
use crate::state::StateBuffer;
use hotloop_abi::{Key, StateLayout};
use proptest::prelude::*;

fn sample(steps: usize) -> Recording {
    let layout = StateLayout {
        size: 16,
        align: 8,
        fingerprint: 42,
    };
    let mut start = StateBuffer::zeroed(layout).unwrap();
    start.bytes_mut()[3] = 7;
    let inputs = (0..steps)
        .map(|i| {
            let mut input = Input {
                mouse_x: i as f32 * 1.5,
                mouse_y: -2.0,
                mouse_down: (i % 3) as u8,
                wheel: [0.0, i as f32 - 3.0],
                mouse_motion: [1.5, -0.25 * i as f32],
                typed: if i % 4 == 1 {
                    ['h' as u32, 'é' as u32, '!' as u32, 0]
                } else {
                    [0; 4]
                },
                ..Input::default()
            };
            if i % 2 == 0 {
                input.down.insert(Key::Left);
                input.pressed.insert(Key::F12);
            }
            if i % 3 == 0 {
                input.gamepads[i % 2] = hotloop_abi::Gamepad {
                    connected: true,
                    down: 1 << (i % 17),
                    pressed: 1,
                    left_stick: [0.25, -1.0],
                    triggers: [0.0, i as f32 / 100.0],
                    ..Default::default()
                };
            }
            input
        })
        .collect();
    Recording {
        start: Snapshot {
            state: start,
            table: None,
        },
        first_step: 100,
        rate: 60,
        inputs,
        reloaded: if steps > 7 { vec![0, 7] } else { Vec::new() },
    }
}

/// `recording` as versions 1 to 4 wrote it: no gamepads; before 4 no
/// wheel, motion or typed text; in versions 1 and 2 the step count in the
/// header and no end marker, and in version 1 no flags byte per step.
fn legacy(recording: &Recording, version: u32) -> Vec<u8> {
    let state = snapshot::encode(&recording.start.state, recording.start.table.as_ref());
    let mut out = MAGIC.to_vec();
    out.put_u32(version);
    out.put_u32(recording.rate);
    out.put_u64(recording.first_step);
    if version < COUNT_AT_END {
        out.put_u64(recording.inputs.len() as u64);
    }
    out.put_u64(state.len() as u64);
    out.extend_from_slice(&state);
    let step_len = match version {
        1 => INPUT_LEN,
        BEFORE_GAMEPADS => V4_LEN,
        _ => FLAGGED_LEN,
    };
    for index in 0..recording.inputs.len() {
        out.extend_from_slice(&recording.step(index).encode()[..step_len]);
    }
    if version >= COUNT_AT_END {
        out.extend_from_slice(END);
        out.put_u64(recording.inputs.len() as u64);
    }
    let sum = checksum(&out);
    out.put_u64(sum);
    out
}

/// `inputs` as a version before 4 keeps them: without wheel, motion or text.
fn without_new_fields(inputs: &[Input]) -> Vec<Input> {
    let old = |input: &Input| Input {
        wheel: [0.0; 2],
        mouse_motion: [0.0; 2],
        typed: [0; 4],
        ..without_gamepads(input)
    };
    inputs.iter().map(old).collect()
}

/// `input` as version 4 keeps it: without gamepads.
fn without_gamepads(input: &Input) -> Input {
    Input {
        gamepads: Default::default(),
        ..*input
    }
}

#[test]
fn version_4_still_reads_without_gamepads() {
    let recording = sample(20);
    let back = Recording::decode(&legacy(&recording, 4)).expect("version 4 reads");
    let expected: Vec<Input> = recording.inputs.iter().map(without_gamepads).collect();
    assert_ne!(expected, recording.inputs, "the sample uses gamepads");
    assert_eq!(back.inputs, expected);
    assert_eq!(back.reloaded, [0, 7]);
}

#[test]
fn a_gamepad_that_is_neither_connected_nor_not_is_refused() {
    let mut data = sample(3).encode();
    let pad = data.len() - 24 - STEP_LEN + V4_LEN;
    data[pad] = 2;
    let error = Recording::decode(&resummed(data)).unwrap_err();
    assert!(error.contains("step 2 has a damaged gamepad 0"), "{error}");
}

/// `data` with its checksum made right again.
fn resummed(mut data: Vec<u8>) -> Vec<u8> {
    let body = data.len() - 8;
    let sum = checksum(&data[..body]);
    data[body..].copy_from_slice(&sum.to_le_bytes());
    data
}

#[test]
fn round_trip_keeps_everything() {
    let recording = sample(50);
    let back = Recording::decode(&recording.encode()).unwrap();
    assert_eq!(back.start.state.bytes(), recording.start.state.bytes());
    assert_eq!(back.start.state.layout(), recording.start.state.layout());
    assert_eq!((back.first_step, back.rate), (100, 60));
    assert_eq!(back.inputs, recording.inputs);
    assert_eq!(back.reloaded, [0, 7]);
    assert!(back.reloaded_at(7) && !back.reloaded_at(6));
}

#[test]
fn versions_1_to_3_still_read() {
    let recording = sample(20);
    let old_inputs = without_new_fields(&recording.inputs);
    assert_ne!(
        old_inputs, recording.inputs,
        "the sample uses the new fields"
    );
    let back = Recording::decode(&legacy(&recording, 1)).expect("version 1 reads");
    assert_eq!(back.inputs, old_inputs);
    assert_eq!(back.start.state.bytes(), recording.start.state.bytes());
    assert!(back.reloaded.is_empty(), "version 1 has no reloads");
    for version in [2, 3] {
        let back = Recording::decode(&legacy(&recording, version))
            .unwrap_or_else(|error| panic!("version {version}: {error}"));
        assert_eq!(back.inputs, old_inputs, "version {version}");
        assert_eq!(back.reloaded, [0, 7], "version {version}");
    }
}

#[test]
fn typed_numbers_that_are_not_characters_are_passed_over() {
    let mut recording = sample(2);
    recording.inputs[1].typed = ['a' as u32, 0xD800, 0x11_0000, 'b' as u32];
    let back = Recording::decode(&recording.encode()).unwrap();
    assert_eq!(back.inputs[1].typed().collect::<String>(), "ab");
}

#[test]
fn unknown_step_flags_are_refused() {
    let mut data = sample(3).encode();
    let flags = data.len() - 24 - STEP_LEN + INPUT_LEN;
    data[flags] = 2;
    let error = Recording::decode(&resummed(data)).unwrap_err();
    assert!(error.contains("step 2 has unknown flags 0x02"), "{error}");
}

#[test]
fn every_truncation_is_refused() {
    let data = sample(3).encode();
    for len in 0..data.len() {
        assert!(
            Recording::decode(&data[..len]).is_err(),
            "accepted {len} bytes"
        );
    }
}

#[test]
fn a_recording_whose_writer_never_finished_is_refused_as_cut_off() {
    let recording = sample(300);
    let mut unfinished = Vec::new();
    let mut writer =
        RecordingWriter::start(&mut unfinished, &recording.start, recording.first_step, 60)
            .unwrap();
    for index in 0..recording.inputs.len() {
        writer.push(&recording.step(index)).unwrap();
    }
    // What the file holds when the engine stops before `finish` (the
    // writer is never used again): every whole step written, or a part of one.
    for cut in [unfinished.len(), unfinished.len() - 7, 200] {
        let error = Recording::decode(&unfinished[..cut]).unwrap_err();
        assert!(error.contains("it is cut off"), "{cut} bytes: {error}");
    }
}

#[test]
fn the_reader_streams_what_the_writer_streamed() {
    let recording = sample(5000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.hlrec");
    let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut writer = RecordingWriter::start(file, &recording.start, 100, 60).unwrap();
    for index in 0..recording.inputs.len() {
        writer.push(&recording.step(index)).unwrap();
    }
    assert_eq!(writer.steps(), 5000);
    let records_at = writer.header_len();
    writer.finish().unwrap();

    let mut reader = RecordingReader::open_file(&path).unwrap();
    assert_eq!((reader.steps(), reader.header().first_step), (5000, 100));
    for index in 0..5000 {
        assert_eq!(reader.next_step().unwrap(), Some(recording.step(index)));
    }
    assert_eq!(reader.next_step().unwrap(), None);
    assert_eq!(reader.next_step().unwrap(), None, "and stays at the end");

    // At any position, as a long loop reads it back.
    let mut steps = StepFile::new(std::fs::File::open(&path).unwrap(), records_at, 5000);
    let mut out = [Step::default(); 3];
    let mut scratch = [0; 3 * STEP_LEN];
    steps.read(4997, &mut out, &mut scratch).unwrap();
    assert_eq!(
        out.to_vec(),
        (4997..5000).map(|i| recording.step(i)).collect::<Vec<_>>()
    );
    steps.read(7, &mut out, &mut scratch).unwrap();
    assert!(out[0].reloaded && !out[1].reloaded);
    assert!(
        steps.read(4998, &mut out, &mut scratch).is_err(),
        "past the end"
    );
}

#[test]
fn a_file_changed_after_its_check_is_caught_by_the_end() {
    use std::io::{Seek, SeekFrom, Write};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("changed.hlrec");
    let data = sample(100).encode();
    std::fs::write(&path, &data).unwrap();
    let mut reader = RecordingReader::open_file(&path).unwrap();
    let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.seek(SeekFrom::Start(data.len() as u64 - 24 - 30))
        .unwrap();
    file.write_all(&[0xff]).unwrap();
    let error = loop {
        match reader.next_step() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("the change went unnoticed"),
            Err(error) => break error,
        }
    };
    assert!(error.contains("changed while it was read"), "{error}");
}

proptest! {
    /// Arbitrary bytes never panic the parser.
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Recording::decode(&data);
        let mut summed = data.clone();
        summed.extend_from_slice(&checksum(&data).to_le_bytes());
        let _ = Recording::decode(&summed);
    }

    /// Any corruption of a valid file is refused (the checksum catches it);
    /// it never panics.
    #[test]
    fn corrupted_files_are_refused(steps in 0usize..20, at in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let mut data = sample(steps).encode();
        let at = at.index(data.len());
        data[at] ^= flip;
        prop_assert!(Recording::decode(&data).is_err());
    }

    /// A valid file claiming absurd sizes is refused without allocating them.
    #[test]
    fn absurd_lengths_are_refused(steps in any::<u64>(), state_len in any::<u64>(), version in 2u32..=3) {
        let mut data = if version == 2 { legacy(&sample(1), 2) } else { sample(1).encode() };
        let real = (1u64, data.len() as u64 - 60 - if version == 2 { 48 } else { 56 });
        if version == 2 {
            data[24..32].copy_from_slice(&steps.to_le_bytes());
            data[32..40].copy_from_slice(&state_len.to_le_bytes());
        } else {
            let at = data.len() - 16;
            data[at..at + 8].copy_from_slice(&steps.to_le_bytes());
            data[24..32].copy_from_slice(&state_len.to_le_bytes());
        }
        if (steps, state_len) != real {
            prop_assert!(Recording::decode(&resummed(data)).is_err());
        }
    }
}
