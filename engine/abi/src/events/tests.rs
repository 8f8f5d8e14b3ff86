use proptest::prelude::*;

use super::*;
use crate::testing::{assert_described, assert_no_allocation, from_noise};

crate::state! {
    /// Not padded, so a `Game`'s bytes can be viewed whole.
    struct Hit { on: bool, critical: bool, combo: u16, damage: u32 }
    struct Game { hits: Events<Hit, 3>, sound: EventCursor, score: EventCursor }
}

fn hit(damage: u32) -> Hit {
    Hit {
        on: true,
        critical: false,
        combo: 0,
        damage,
    }
}

fn damages<'a>(hits: impl Iterator<Item = &'a Hit>) -> Vec<u32> {
    hits.map(|hit| hit.damage).collect()
}

#[test]
fn an_event_is_read_in_its_step_and_the_next_then_gone() {
    let mut hits: Events<Hit, 3> = Events::new();
    assert!(hits.is_empty());
    hits.update();
    assert!(hits.send(hit(1)));
    assert!(hits.send(hit(2)));
    assert_eq!(damages(hits.read()), [1, 2], "later systems, same step");
    hits.update();
    hits.send(hit(3));
    assert_eq!(damages(hits.read()), [1, 2, 3], "next step: previous first");
    assert_eq!(hits.len(), 3);
    hits.update();
    assert_eq!(damages(hits.read()), [3]);
    hits.update();
    assert!(hits.is_empty());
}

#[test]
fn overflow_is_dropped_and_counted_per_step() {
    let mut hits: Events<Hit, 2> = Events::new();
    assert_eq!(hits.capacity(), 2);
    assert!(hits.send(hit(1)) && hits.send(hit(2)));
    assert!(!hits.send(hit(3)));
    assert!(!hits.send(hit(4)));
    assert_eq!(hits.dropped(), 2);
    assert_eq!(damages(hits.read()), [1, 2]);
    hits.update();
    assert!(hits.send(hit(5)), "room again: a new step");
    assert_eq!(damages(hits.read()), [1, 2, 5]);
    assert_eq!(hits.dropped(), 2, "the count stays, for the inspector");
}

#[test]
fn a_cursor_reads_each_event_once_before_or_after_the_sender() {
    let mut hits: Events<Hit, 3> = Events::new();
    let (mut before, mut after) = (EventCursor::new(), EventCursor::new());
    let (mut early, mut late) = (Vec::new(), Vec::new());
    for step in 0..4 {
        hits.update();
        early.extend(damages(hits.read_new(&mut before)));
        if step < 2 {
            hits.send(hit(step * 10));
            hits.send(hit(step * 10 + 1));
        }
        late.extend(damages(hits.read_new(&mut after)));
    }
    assert_eq!(late, [0, 1, 10, 11]);
    assert_eq!(early, [0, 1, 10, 11], "one step later, once each");
}

#[test]
fn a_cursor_that_skipped_a_step_reads_what_is_left_once() {
    let mut hits: Events<Hit, 3> = Events::new();
    let mut cursor = EventCursor::new();
    for damage in 0..3 {
        hits.update();
        hits.send(hit(damage));
    }
    assert_eq!(damages(hits.read_new(&mut cursor)), [1, 2], "0 is gone");
    assert_eq!(hits.read_new(&mut cursor).count(), 0);
    hits.update();
    assert_eq!(hits.read_new(&mut cursor).count(), 0, "2 was read");
}

#[test]
fn an_unknown_cursor_reads_everything_held() {
    let mut hits: Events<Hit, 3> = Events::new();
    let mut cursor = EventCursor::new();
    for damage in 0..5 {
        hits.send(hit(damage));
        hits.update();
    }
    let _ = hits.read_new(&mut cursor);
    hits = Events::new(); // replaced: its count starts over
    hits.send(hit(7));
    assert_eq!(damages(hits.read_new(&mut cursor)), [7]);
    // Clearing keeps cursors in step: nothing held is new.
    hits.send(hit(8));
    hits.clear();
    hits.send(hit(9));
    assert_eq!(damages(hits.read_new(&mut cursor)), [9]);
}

#[test]
fn no_method_allocates() {
    let mut hits: Events<Hit, 4> = assert_no_allocation(Events::new);
    let mut cursor = EventCursor::new();
    assert_no_allocation(|| {
        hits.update();
        for damage in 0..6 {
            hits.send(hit(damage));
        }
        hits.update();
        assert_eq!(hits.read().count(), 4);
        assert_eq!(hits.read_new(&mut cursor).count(), 4);
        assert_eq!((hits.len(), hits.dropped()), (4, 2));
        hits.clear();
        assert!(hits.is_empty());
    });
}

#[test]
fn debug_and_equality() {
    let mut a: Events<u32, 2> = Events::default();
    a.send(1);
    assert_eq!(
        format!("{a:?}"),
        "Events { previous: [], current: [1], sent: 1, dropped: 0 }"
    );
    let mut b = Events::new();
    assert_ne!(a, b);
    b.send(1);
    assert_eq!(a, b);
}

#[test]
fn fields_describe_every_byte_and_fingerprints_tell_types_apart() {
    assert_described::<Events<u32, 3>>(&[]);
    assert_described::<EventCursor>(&[]);
    let names: Vec<_> = Events::<Hit, 3>::FIELDS.iter().map(|f| f.name).collect();
    assert_eq!(names, ["sent", "dropped", "previous", "current"]);
    assert_eq!(Events::<Hit, 3>::FIELDS[2].kind, FieldKind::List);
    let events = Events::<u32, 3>::FINGERPRINT;
    assert_ne!(events, Events::<u32, 4>::FINGERPRINT);
    assert_ne!(events, Events::<i32, 3>::FINGERPRINT);
    assert_ne!(EventCursor::FINGERPRINT, u64::FINGERPRINT);
}

#[test]
fn a_state_with_events_passes_the_engines_check() {
    let mut game = Game {
        hits: Events::new(),
        sound: EventCursor::new(),
        score: EventCursor::new(),
    };
    game.hits.send(hit(1));
    game.hits.update();
    game.hits.send(hit(2));
    let _ = game.hits.read_new(&mut game.score);
    let game = [game];
    assert_described::<Game>(&[]);
    // SAFETY: viewing plain data's own bytes: `Game` has no padding, and
    // the lists' free slots are zero bytes from `new`.
    let bytes =
        unsafe { std::slice::from_raw_parts(game.as_ptr().cast::<u8>(), size_of::<Game>()) };
    assert_eq!(crate::reflect::check_values(Game::FIELDS, bytes), Ok(()));
    let mut bytes = bytes.to_vec();
    let current = std::mem::offset_of!(Game, hits) + std::mem::offset_of!(Events<Hit, 3>, current);
    bytes[current..current + 4].copy_from_slice(&4u32.to_le_bytes());
    assert_eq!(
        crate::reflect::check_values(Game::FIELDS, &bytes)
            .unwrap_err()
            .to_string(),
        "field `hits.current.len` holds 4, more than the list's capacity of 3"
    );
}

proptest! {
    /// Steps of sends, with one reader before the senders, one after, and
    /// one that reads only sometimes: the first two read every accepted
    /// event exactly once, in order; the third never twice.
    #[test]
    fn cursors_read_every_event_once(steps in prop::collection::vec((0..6u32, any::<bool>()), 0..40)) {
        let mut events: Events<u32, 4> = Events::new();
        let (mut before, mut after, mut sometimes) = Default::default();
        let (mut early, mut late, mut some) = (Vec::new(), Vec::new(), Vec::new());
        let (mut accepted, mut next) = (Vec::new(), 0);
        for (sends, reads) in steps.iter().copied().chain([(0, true)]) {
            events.update();
            early.extend(events.read_new(&mut before).copied());
            for _ in 0..sends {
                if events.send(next) {
                    accepted.push(next);
                }
                next += 1;
            }
            late.extend(events.read_new(&mut after).copied());
            if reads {
                some.extend(events.read_new(&mut sometimes).copied());
            }
        }
        prop_assert_eq!(&early, &accepted);
        prop_assert_eq!(&late, &accepted);
        prop_assert!(some.windows(2).all(|pair| pair[0] < pair[1]));
        prop_assert_eq!(events.dropped(), u64::from(next) - accepted.len() as u64);
    }

    /// A queue from any bytes the engine accepts: no method panics, and
    /// they agree with each other.
    #[test]
    fn any_accepted_bytes_make_a_consistent_queue(
        noise in prop::collection::vec(any::<u8>(), 1..64),
        seen in any::<u64>(),
    ) {
        let mut events: Events<Hit, 3> = from_noise(&noise);
        let held = events.read().count();
        prop_assert_eq!(events.len(), held);
        prop_assert_eq!(events.is_empty(), held == 0);
        let mut cursor = EventCursor { seen };
        prop_assert!(events.read_new(&mut cursor).count() <= held);
        prop_assert_eq!(events.read_new(&mut cursor).count(), 0);
        let dropped = events.dropped();
        let room = 3 - events.current.len();
        for damage in 0..4 {
            prop_assert_eq!(events.send(hit(damage)), (damage as usize) < room);
        }
        prop_assert_eq!(events.dropped(), dropped.saturating_add(4 - room as u64));
        prop_assert_eq!(events.read_new(&mut cursor).count(), room);
        events.update();
        prop_assert_eq!(events.len(), 3);
        events.clear();
        prop_assert!(events.is_empty());
    }
}
