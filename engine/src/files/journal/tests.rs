use super::*;
use hotloop_abi::{Input, Key, state};
use proptest::prelude::*;

state! {
    struct Sample { ticks: u64, alive: bool, speed: f32 }
}

const ALIVE: usize = std::mem::offset_of!(Sample, alive);

fn table() -> FieldTable {
    let mut bytes = Vec::new();
    hotloop_abi::reflect::table_of::<Sample>(&mut bytes);
    FieldTable::decode(bytes, StateLayout::of::<Sample>()).unwrap()
}

fn state(ticks: u64) -> StateBuffer {
    let mut state = StateBuffer::zeroed(StateLayout::of::<Sample>()).unwrap();
    state.bytes_mut()[..8].copy_from_slice(&ticks.to_le_bytes());
    state.bytes_mut()[ALIVE] = 1;
    state
}

fn step(n: u64) -> Step {
    let mut input = Input {
        mouse_x: n as f32,
        ..Input::default()
    };
    if n.is_multiple_of(2) {
        input.down.insert(Key::Left);
    }
    Step {
        input,
        reloaded: n == 3,
    }
}

/// A journal of 10 steps per checkpoint at `path`, after `steps` steps
/// from frame 0, checkpointed when full as the crash log does.
fn played(path: Option<&Path>, steps: u64) -> Journal {
    let mut journal = Journal::create(path, "sample 1.0", (&state(0), Some(&table())), 0, 60, 10);
    for n in 0..steps {
        if journal.is_full() {
            journal.checkpoint(&state(n), n);
        }
        journal.push(&step(n));
        if n + 1 < steps {
            journal.stepped();
        }
    }
    journal
}

#[test]
fn it_holds_the_current_checkpoint_and_the_steps_since() {
    let journal = played(None, 23);
    let contents = journal.contents().unwrap();
    assert_eq!(contents.game, "sample 1.0");
    assert!(contents.open && contents.stepping);
    let recording = &contents.recording;
    assert_eq!(recording.first_step, 20);
    assert_eq!(recording.rate, 60);
    assert_eq!(recording.start.state.bytes(), state(20).bytes());
    assert!(recording.start.table.is_some());
    let expected: Vec<Input> = (20..23).map(|n| step(n).input).collect();
    assert_eq!(recording.inputs, expected);
    assert!(recording.reloaded.is_empty());
    let early = played(None, 5).contents().unwrap().recording;
    assert_eq!(early.reloaded, vec![3], "the reload flag is kept");
}

#[test]
fn a_file_outlives_the_journal_that_was_not_closed_and_is_read_once_unlocked() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_path(dir.path());
    let mut journal = played(Some(&path), 14);
    assert_eq!(journal.path(), Some(path.as_path()));
    assert_eq!(found_in(dir.path()), vec![path.clone()]);
    assert!(
        load_left(&path).unwrap().is_none(),
        "a running game's journal is left alone"
    );
    journal.stepped();
    // Dropped without `close`: what a process that dies leaves.
    drop(journal);
    let contents = load_left(&path).unwrap().expect("unlocked now");
    assert!(contents.open && !contents.stepping);
    assert_eq!(contents.recording.first_step, 10);
    assert_eq!(contents.recording.inputs.len(), 4);

    let closed = played(Some(&new_path(dir.path())), 3);
    let closed_path = closed.path().unwrap().to_owned();
    closed.close();
    assert!(!closed_path.exists(), "a normal end removes it");
}

#[test]
fn a_journal_too_big_for_a_file_stays_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let layout = StateLayout {
        size: 40 << 20,
        align: 8,
        fingerprint: 7,
    };
    let state = StateBuffer::zeroed(layout).unwrap();
    let path = new_path(dir.path());
    let mut journal = Journal::create(Some(&path), "big", (&state, None), 0, 60, 10);
    assert_eq!(journal.path(), None);
    assert!(!path.exists());
    journal.push(&step(0));
    assert_eq!(journal.contents().unwrap().recording.inputs.len(), 1);
}

#[test]
fn a_checkpoint_not_yet_current_is_never_read() {
    let mut journal = played(None, 12);
    let before = journal.contents().unwrap().recording;
    // Whatever the other checkpoint's state holds (a copy cut short by
    // the process dying), the current one is read.
    let places = journal.places();
    let other = places.states + (1 - journal.current) * journal.state_len;
    journal.bytes_mut()[other..other + 8].fill(0xff);
    let after = journal.contents().unwrap().recording;
    assert_eq!(after.start.state.bytes(), before.start.state.bytes());
    assert_eq!(after.inputs, before.inputs);
}

#[test]
fn damaged_journals_are_refused_with_the_reason() {
    let good = || played(None, 4).bytes().to_vec();
    let with = |at: usize, value: &[u8]| {
        let mut bytes = good();
        bytes[at..at + value.len()].copy_from_slice(value);
        read(&bytes).map(drop).unwrap_err()
    };
    assert!(with(0, b"HLRECXXX").contains("bad magic"));
    assert!(with(8, &9u32.to_le_bytes()).contains("version 9"));
    assert!(with(CURRENT, &2u32.to_le_bytes()).contains("not 0 or 1"));
    assert!(with(NAME_LEN, &999u32.to_le_bytes()).contains("longer than"));
    // The current checkpoint (1: the first one `create` takes) holds 11.
    assert!(with(CHECKPOINTS + 16 + 8, &11u64.to_le_bytes()).contains("11 steps"));
    assert!(with(CAPACITY, &u64::MAX.to_le_bytes()).contains("length"));
    let state_at = HEADER_LEN + table().bytes().len();
    let refused = with(state_at + 16 + ALIVE, &[2]);
    assert!(refused.contains("alive"), "{refused}");
    let mut cut = good();
    cut.pop();
    assert!(read(&cut).map(drop).unwrap_err().contains("length"));
}

#[test]
fn the_fuzzers_seed_is_a_journal() {
    let seed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/journal/two-steps.hljournal");
    let contents = read(&fs::read(seed).unwrap()).unwrap();
    assert_eq!(
        (contents.game.as_str(), contents.recording.inputs.len()),
        ("seed", 2)
    );
}

proptest! {
    #[test]
    fn no_bytes_make_reading_panic(at in 0usize..2048, value in any::<u8>(), cut in 0usize..4096) {
        let mut bytes = played(None, 4).bytes().to_vec();
        let at = at % bytes.len();
        bytes[at] = value;
        bytes.truncate(bytes.len().saturating_sub(cut % 64));
        let _ = read(&bytes);
    }
}
