use proptest::prelude::*;

use super::Rng; // not the prelude's `rand::Rng`
use super::*;
use crate::testing::{assert_described, assert_no_allocation};

fn first_u64s(mut rng: Rng, count: usize) -> Vec<u64> {
    (0..count).map(|_| rng.u64(..)).collect()
}

#[test]
fn the_same_seed_gives_the_same_numbers_and_others_differ() {
    assert_eq!(first_u64s(Rng::new(42), 16), first_u64s(Rng::new(42), 16));
    assert_ne!(first_u64s(Rng::new(42), 16), first_u64s(Rng::new(43), 16));
    let mut a = Rng::new(9);
    a.u32(..);
    let copy = a;
    assert_eq!(
        first_u64s(a, 8),
        first_u64s(copy, 8),
        "a copy goes on the same"
    );
}

#[test]
fn the_zero_rng_is_a_good_seed() {
    assert_eq!(Rng::default(), Rng::new(0));
    let numbers = first_u64s(Rng::default(), 64);
    let mut distinct = numbers.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 64, "{numbers:?}");
    let ones: u32 = numbers.iter().map(|n| n.count_ones()).sum();
    assert!(
        (1800..2300).contains(&ones),
        "about half the bits set: {ones}"
    );
}

/// The numbers of a seed are fastrand's: if this fails after a fastrand
/// upgrade, saved games go on with other numbers (replays recorded with
/// the same build are unaffected). Say so in the upgrade's commit.
#[test]
fn the_numbers_of_a_seed_are_pinned() {
    let mut rng = Rng::new(0);
    let got = [rng.u32(..), rng.u32(..), rng.u32(1..=6)];
    let mut fast = fastrand::Rng::with_seed(0);
    assert_eq!(got, [fast.u32(..), fast.u32(..), fast.u32(1..=6)]);
    assert_eq!(got, [2_371_481_814, 412_509_173, 4]);
}

#[test]
fn ranges_are_honoured() {
    let mut rng = Rng::new(1);
    let mut faces = [0u32; 6];
    for _ in 0..6000 {
        faces[rng.u32(1..=6) as usize - 1] += 1;
        assert!((-3..3).contains(&rng.i32(-3..3)));
        assert!(rng.usize(..4) < 4);
        assert_eq!(rng.u64(7..8), 7);
        assert!((0.0..1.0).contains(&rng.f32()));
        assert!((-2.0..-1.0).contains(&rng.f32_range(-2.0..-1.0)));
    }
    assert!(faces.iter().all(|&n| (850..1150).contains(&n)), "{faces:?}");
    assert_eq!(rng.f32_range(5.0..5.0), 5.0);
    assert_eq!(rng.f32_range(5.0..1.0), 5.0);
    assert!(rng.f32_range(f32::NAN..1.0).is_nan());
    assert_eq!(rng.f32_range(0.0..f32::NAN), 0.0);
    let wide = rng.f32_range(f32::MIN..f32::MAX);
    assert!(wide.is_finite());
    let odd = rng.f32_range(f32::NEG_INFINITY..0.0);
    assert!(odd == f32::NEG_INFINITY || (f32::MIN..0.0).contains(&odd));
}

#[test]
#[should_panic(expected = "empty range")]
fn an_empty_integer_range_panics() {
    Rng::new(0).u32(5..5);
}

#[test]
fn chance_bool_choice_and_shuffle() {
    let mut rng = Rng::new(2);
    let hits = (0..10_000).filter(|_| rng.chance(0.25)).count();
    assert!((2300..2700).contains(&hits), "{hits}");
    assert!((0..100).all(|_| !rng.chance(0.0) && rng.chance(1.0) && !rng.chance(f32::NAN)));
    let heads = (0..10_000).filter(|_| rng.bool()).count();
    assert!((4800..5200).contains(&heads), "{heads}");

    let before = rng;
    assert_eq!(rng.choice::<u8>(&[]), None);
    assert_eq!(rng, before, "nothing to choose: no draw");
    let items = [1, 2, 3];
    let mut seen = [false; 3];
    for _ in 0..100 {
        seen[*rng.choice(&items).unwrap() - 1] = true;
    }
    assert_eq!(seen, [true; 3]);

    let mut deck: Vec<u32> = (0..52).collect();
    rng.shuffle(&mut deck);
    assert_ne!(deck, (0..52).collect::<Vec<_>>());
    deck.sort_unstable();
    assert_eq!(deck, (0..52).collect::<Vec<_>>());
}

#[test]
fn no_method_allocates() {
    let mut deck = [0u32; 52];
    assert_no_allocation(|| {
        let mut rng = Rng::new(11);
        let sum = rng.u32(..9) as u64 + rng.i32(0..9) as u64 + rng.u64(..9) + rng.usize(..9) as u64;
        assert!(sum < 36);
        assert!(rng.f32() < 1.0 && rng.f32_range(0.0..1.0) < 1.0);
        let _ = (rng.bool(), rng.chance(0.5), rng.choice(&deck));
        rng.shuffle(&mut deck);
        rng.fork().u32(..);
    });
}

#[test]
fn fork_gives_another_stream_and_advances_the_parent() {
    let mut parent = Rng::new(5);
    let before = parent;
    let mut child = parent.fork();
    assert_ne!(parent, before);
    assert_ne!(first_u64s(child, 8), first_u64s(parent, 8));
    let mut again = before;
    assert_eq!(first_u64s(again.fork(), 8), first_u64s(child, 8));
    child.u32(..);
}

crate::state! {
    struct Dice { rng: Rng, rolls: [u32; 3] }
}

#[test]
fn fields_describe_every_byte_and_it_lives_in_a_state() {
    assert_described::<Rng>(&[]);
    let [state] = Rng::FIELDS else {
        panic!("one field")
    };
    assert_eq!((state.name, state.kind), ("state", FieldKind::U64));
    assert_ne!(Rng::FINGERPRINT, u64::FINGERPRINT);
    let mut dice = Dice {
        rng: Rng::new(3),
        rolls: [0; 3],
    };
    for roll in &mut dice.rolls {
        *roll = dice.rng.u32(1..=6);
    }
    assert!(dice.rolls.iter().all(|r| (1..=6).contains(r)));
    assert_described::<Dice>(&[20, 21, 22, 23]);
}

proptest! {
    /// Any state (any bytes the engine accepts: every `u64`) draws in range.
    #[test]
    fn any_state_draws_in_range(state in any::<u64>(), low in any::<i32>(), span in 1..1000i32) {
        let mut rng = Rng { state };
        let high = low.saturating_add(span);
        prop_assume!(low < high);
        prop_assert!((low..high).contains(&rng.i32(low..high)));
        prop_assert!((0.0..1.0).contains(&rng.f32()));
        let x = rng.f32_range(low as f32..high as f32);
        prop_assert!(x >= low as f32 && x <= high as f32);
        let mut items = [1, 2, 3, 4];
        rng.shuffle(&mut items);
        items.sort_unstable();
        prop_assert_eq!(items, [1, 2, 3, 4]);
    }
}
