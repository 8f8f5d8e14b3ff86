use proptest::prelude::*;

use super::*;
use crate::testing::{assert_described, assert_no_allocation, from_noise};

/// The ticks (1-based) on which `timer` finished, over `ticks` ticks of `dt`.
fn finishes(timer: &mut Timer, dt: f32, ticks: u32) -> Vec<u32> {
    (1..=ticks)
        .filter(|_| timer.tick(dt).just_finished())
        .collect()
}

#[test]
fn a_timer_of_k_ticks_finishes_on_the_kth_at_any_rate() {
    for rate in [24u32, 30, 50, 60, 75, 120, 144, 165, 240, 1000] {
        let dt = 1.0 / rate as f32;
        for k in 1..=400 {
            let secs = k as f32 / rate as f32;
            let once = finishes(&mut Timer::once(secs), dt, k + 3);
            assert_eq!(once, [k], "once({k}/{rate}) at {rate} Hz");
            let every = finishes(&mut Timer::repeating(secs), dt, 5 * k);
            let expected: Vec<u32> = (1..=5).map(|n| n * k).collect();
            assert_eq!(every, expected, "repeating({k}/{rate}) at {rate} Hz");
        }
    }
}

#[test]
fn a_repeating_timer_reports_every_finish_a_long_tick_covered() {
    let mut timer = Timer::repeating(1.0);
    assert_eq!(timer.tick(2.5).times_finished_this_tick(), 2);
    assert!(timer.just_finished() && timer.finished());
    assert_eq!(timer.elapsed(), 0.5);
    assert_eq!(timer.tick(0.25).times_finished_this_tick(), 0);
    assert!(
        !timer.finished(),
        "a repeating timer is finished for one tick"
    );
    assert_eq!(timer.tick(0.25).times_finished_this_tick(), 1);
    assert_eq!(timer.elapsed(), 0.0);
}

#[test]
fn a_one_shot_timer_finishes_once_and_stays_finished() {
    let mut timer = Timer::once(0.5);
    assert!(!timer.tick(0.25).finished());
    assert_eq!(timer.fraction(), 0.5);
    assert_eq!(timer.remaining(), 0.25);
    assert_eq!(timer.tick(10.0).times_finished_this_tick(), 1, "not 20");
    assert!(timer.finished() && timer.just_finished());
    assert_eq!(
        (timer.elapsed(), timer.remaining(), timer.fraction()),
        (0.5, 0.0, 1.0)
    );
    assert!(!timer.tick(0.25).just_finished());
    assert!(timer.finished());
    timer.reset();
    assert!(!timer.finished() && !timer.just_finished());
    assert_eq!(timer.elapsed(), 0.0);
    assert!(timer.tick(0.5).just_finished());
}

#[test]
fn the_zero_timer_finishes_on_its_first_tick() {
    let mut timer = Timer::default();
    assert_eq!(timer, Timer::once(0.0));
    assert!(!timer.finished() && !timer.is_repeating());
    assert_eq!(
        (timer.duration(), timer.fraction(), timer.remaining()),
        (0.0, 0.0, 0.0)
    );
    assert!(timer.tick(0.0).just_finished());
    assert_eq!(timer.fraction(), 1.0);
    assert!(!timer.tick(1.0).just_finished() && timer.finished());
    let mut every = Timer::repeating(0.0);
    for _ in 0..3 {
        assert_eq!(every.tick(100.0).times_finished_this_tick(), 1);
    }
}

#[test]
fn a_paused_timer_does_not_advance() {
    let mut timer = Timer::repeating(1.0);
    timer.tick(1.0);
    timer.pause();
    assert!(timer.is_paused());
    assert!(!timer.tick(5.0).just_finished());
    assert!(!timer.finished());
    assert_eq!(timer.elapsed(), 0.0);
    timer.unpause();
    assert_eq!(timer.tick(1.0).times_finished_this_tick(), 1);
    let mut once = Timer::once(1.0);
    once.tick(1.0);
    once.pause();
    assert!(
        once.tick(1.0).finished(),
        "a finished one-shot timer stays so"
    );
}

#[test]
fn odd_dt_and_durations_are_defined() {
    for dt in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -1.0, -0.0] {
        let mut timer = Timer::once(1.0);
        timer.tick(0.5);
        assert!(!timer.tick(dt).just_finished(), "dt {dt}");
        assert_eq!(timer.elapsed(), 0.5, "dt {dt} counts as 0");
    }
    for secs in [f32::NAN, -1.0, f32::NEG_INFINITY] {
        let mut timer = Timer::repeating(secs);
        assert_eq!(timer.duration(), 0.0);
        assert_eq!(
            timer.tick(1.0).times_finished_this_tick(),
            1,
            "{secs} counts as 0"
        );
    }
    let mut endless = Timer::once(f32::INFINITY);
    assert!(!endless.tick(f32::MAX).finished());
    assert_eq!(
        (endless.fraction(), endless.remaining()),
        (0.0, f32::INFINITY)
    );
    let mut tiny = Timer::repeating(f32::MIN_POSITIVE);
    assert_eq!(tiny.tick(1.0).times_finished_this_tick(), u32::MAX);
    tiny.set_duration(2.0);
    assert_eq!(tiny.duration(), 2.0);
    assert!(tiny.elapsed() < 2.0);
}

#[test]
fn no_method_allocates() {
    assert_no_allocation(|| {
        let mut timer = Timer::repeating(0.5);
        timer.tick(1.2);
        let readings = timer.elapsed() + timer.remaining() + timer.fraction() + timer.duration();
        assert!(readings.is_finite() && timer.just_finished() && timer.finished());
        timer.pause();
        timer.unpause();
        timer.set_duration(1.0);
        timer.reset();
        assert_eq!(timer.times_finished_this_tick(), 0);
    });
}

#[test]
fn fields_describe_every_byte_but_the_padding() {
    assert_described::<Timer>(&[19, 20, 21, 22, 23]);
    let names: Vec<_> = Timer::FIELDS.iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "elapsed",
            "duration",
            "finished_this_tick",
            "repeating",
            "paused",
            "finished"
        ]
    );
    assert_ne!(Timer::FINGERPRINT, <[u64; 3]>::FINGERPRINT);
    let mut bytes = [0u8; 24];
    assert_eq!(crate::reflect::check_values(Timer::FIELDS, &bytes), Ok(()));
    bytes[17] = 2;
    assert_eq!(
        crate::reflect::check_values(Timer::FIELDS, &bytes)
            .unwrap_err()
            .to_string(),
        "field `paused` holds 2, not a bool (0 or 1)"
    );
}

crate::state! {
    struct Cooldowns { fire: Timer, waves: [Timer; 2] }
}

#[test]
fn timers_live_in_a_state() {
    let mut state = Cooldowns {
        fire: Timer::once(0.25),
        waves: [Timer::repeating(1.0); 2],
    };
    state.fire.tick(0.25);
    assert!(state.fire.finished());
    assert_described::<Cooldowns>(&[19, 20, 21, 22, 23, 43, 44, 45, 46, 47, 67, 68, 69, 70, 71]);
}

proptest! {
    /// A timer from any bytes the engine accepts, ticked by any `f32`s
    /// (NaN and infinities included): no panic, and every reading is a
    /// number in its range.
    #[test]
    fn any_accepted_bytes_and_any_dt_make_a_sane_timer(
        noise in prop::collection::vec(any::<u8>(), 1..32),
        dts in prop::collection::vec(any::<f32>(), 0..8),
    ) {
        let mut timer: Timer = from_noise(&noise);
        for dt in dts {
            let before = timer;
            let finished = timer.tick(dt).times_finished_this_tick();
            let fraction = timer.fraction();
            prop_assert!((0.0..=1.0).contains(&fraction), "{fraction}");
            prop_assert!(timer.remaining() >= 0.0);
            prop_assert!(timer.elapsed() >= 0.0);
            prop_assert!(timer.duration() >= 0.0);
            if before.is_paused() || (!before.is_repeating() && before.finished()) {
                prop_assert_eq!(finished, 0);
            }
            if !timer.is_repeating() {
                prop_assert!(finished <= 1);
            }
        }
        timer.reset();
        prop_assert!(!timer.finished());
    }
}
