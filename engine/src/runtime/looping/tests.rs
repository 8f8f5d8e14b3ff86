use super::*;
use hotloop_abi::{Key, StateLayout};

fn input(key: Key) -> Input {
    let mut input = Input::default();
    input.down.insert(key);
    input
}

/// An input that says which step it was.
fn numbered(step: u64) -> Input {
    Input {
        mouse_x: step as f32,
        ..Input::default()
    }
}

fn start() -> StateBuffer {
    let layout = StateLayout {
        size: 8,
        align: 8,
        fingerprint: 7,
    };
    let mut state = StateBuffer::zeroed(layout).unwrap();
    state.bytes_mut()[0] = 42;
    state
}

/// Limits small enough that a loop of a few dozen steps plays from its
/// file, in chunks of 4, with a writer allowed 2 chunks behind.
fn small() -> Looper {
    Looper {
        limits: Limits {
            in_memory: 10,
            chunk: 4,
            pool: 3,
            read_ahead: 2,
        },
        ..Looper::default()
    }
}

#[test]
fn a_recording_loops_from_its_start_with_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let mut looper = Looper::default();
    assert_eq!(looper.mode(), LoopMode::Off);
    assert!(matches!(
        looper.next_step(&input(Key::Left), false),
        LoopStep::Live
    ));

    looper.record(&start(), None, 100, 60, dir.path());
    for key in [Key::Left, Key::Right, Key::Up] {
        // The second step is the first after a reload.
        let reloaded = key == Key::Right;
        assert!(matches!(
            looper.next_step(&input(key), reloaded),
            LoopStep::Live
        ));
    }
    assert_eq!(looper.mode(), LoopMode::Recording { steps: 3 });
    assert_eq!(looper.start_layout(), Some(start().layout()));
    let Played::Saved(path) = looper.play() else {
        panic!("three steps recorded and saved");
    };
    let recording = Recording::load(&path).unwrap();
    assert_eq!((recording.first_step, recording.rate), (100, 60));
    assert_eq!(recording.reloaded, [1]);

    // Twice round: the state and frame number are restored at each
    // start; then twice more after new code arrived, each round
    // starting as the first step after a reload.
    for round in 0..4 {
        if round == 2 {
            looper.next_step(&input(Key::Down), false);
            looper.restart_with_new_code();
        }
        for (at, key) in [Key::Left, Key::Right, Key::Up].into_iter().enumerate() {
            let LoopStep::Replay {
                input: played,
                reloaded,
                restart,
            } = looper.next_step(&input(Key::Down), true)
            else {
                panic!("looping replays");
            };
            assert_eq!(played, input(key), "live input is ignored");
            let new_code = round >= 2 && at == 0;
            assert_eq!(reloaded, at == 1 || new_code, "round {round}, step {at}");
            match restart {
                Some((state, step)) => {
                    assert_eq!(at, 0, "restored only at the loop's start");
                    assert_eq!((state.bytes()[0], step), (42, 100));
                }
                None => assert_ne!(at, 0),
            }
        }
    }
    looper.next_step(&input(Key::Down), false);
    looper.restart();
    assert_eq!(
        looper.mode(),
        LoopMode::Playing { at: 0, of: 3 },
        "new code starts the loop over"
    );
    looper.stop();
    assert_eq!(looper.mode(), LoopMode::Off);
    assert_eq!(looper.start_layout(), None);
}

#[test]
fn nothing_recorded_is_nothing_to_loop() {
    let dir = tempfile::tempdir().unwrap();
    let mut looper = Looper::default();
    looper.record(&start(), None, 0, 60, dir.path());
    assert_eq!(looper.play(), Played::Nothing);
    assert_eq!(looper.mode(), LoopMode::Off);
    assert_eq!(
        looper.play(),
        Played::Nothing,
        "play without recording does nothing"
    );
}

/// Plays `steps` steps of the loop; returns each one's number and
/// reload mark, and whether it restored the start.
fn play(looper: &mut Looper, steps: usize) -> Vec<(u64, bool, bool)> {
    (0..steps)
        .map(|_| match looper.next_step(&numbered(9999), false) {
            LoopStep::Replay {
                input,
                reloaded,
                restart,
            } => (input.mouse_x as u64, reloaded, restart.is_some()),
            LoopStep::Live => panic!("the loop stopped: {:?}", looper.take_notice()),
        })
        .collect()
}

#[test]
fn a_loop_too_long_for_memory_plays_from_its_file_exactly_every_round() {
    const STEPS: u64 = 50;
    let dir = tempfile::tempdir().unwrap();
    let mut looper = small();
    looper.record(&start(), None, 100, 60, dir.path());
    for step in 0..STEPS {
        looper.next_step(&numbered(step), step == 13 || step == 45);
    }
    assert!(matches!(looper.play(), Played::Saved(_)));
    assert!(
        matches!(
            looper.mode,
            Mode::Playing {
                tape: Tape::File(_),
                ..
            }
        ),
        "read back from the file"
    );
    let round: Vec<_> = (0..STEPS)
        .map(|step| (step, step == 13 || step == 45, step == 0))
        .collect();
    for _ in 0..3 {
        assert_eq!(play(&mut looper, STEPS as usize), round);
    }
    // New code or assets start the loop over wherever it is: in its
    // first chunk, in the middle, at its last step; still step for step.
    for stop_at in [2, 30, 49, 0, 17] {
        play(&mut looper, stop_at);
        looper.restart();
        assert_eq!(
            play(&mut looper, STEPS as usize),
            round,
            "restarted at {stop_at}"
        );
    }
    looper.restart_with_new_code();
    let mut with_new_code = round.clone();
    with_new_code[0].1 = true;
    assert_eq!(play(&mut looper, STEPS as usize), with_new_code);
}

#[test]
fn a_short_recording_that_cannot_be_saved_still_loops_from_memory() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let mut looper = small();
    looper.record(&start(), None, 0, 60, &blocker.join("recordings"));
    for step in 0..6 {
        looper.next_step(&numbered(step), false);
    }
    let Played::Unsaved(error) = looper.play() else {
        panic!("the directory cannot be made");
    };
    assert!(!error.is_empty());
    let played: Vec<_> = play(&mut looper, 12).iter().map(|p| p.0).collect();
    assert_eq!(played, [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
}
