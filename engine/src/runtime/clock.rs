//! The fixed update step, decoupled from how often frames are displayed.
//!
//! Game code always advances by the same `dt`, so a run is deterministic for
//! a given input sequence no matter how fast the machine renders. 60 Hz is the
//! default: it matches common displays, and 16.7 ms per step leaves room for
//! debug builds of game code.

use std::time::Duration;

/// The default update rate, in steps per second.
pub const DEFAULT_RATE: u32 = hotloop_abi::DEFAULT_RATE;

/// How many steps one displayed frame may run at most. A frame that took far
/// too long (a breakpoint, a suspended laptop) drops the backlog instead of
/// running hundreds of catch-up steps (the "spiral of death").
pub const MAX_STEPS_PER_FRAME: u32 = 5;

/// Turns elapsed wall time into a whole number of fixed steps.
#[derive(Clone, Debug)]
pub struct FixedClock {
    step: Duration,
    accumulated: Duration,
}

impl FixedClock {
    /// A clock that runs `rate` steps per second.
    ///
    /// # Panics
    /// When `rate` is zero.
    pub fn new(rate: u32) -> Self {
        assert!(rate > 0, "update rate must be positive");
        Self {
            step: Duration::from_secs(1) / rate,
            accumulated: Duration::ZERO,
        }
    }

    /// The length of one step.
    pub fn step(&self) -> Duration {
        self.step
    }

    /// Adds `elapsed` wall time and returns how many steps are now due
    /// (at most [`MAX_STEPS_PER_FRAME`]; an older backlog is dropped).
    pub fn advance(&mut self, elapsed: Duration) -> u32 {
        self.accumulated += elapsed;
        let mut due = 0;
        while self.accumulated >= self.step {
            self.accumulated -= self.step;
            due += 1;
            if due == MAX_STEPS_PER_FRAME {
                self.accumulated = self.accumulated.min(self.step);
                break;
            }
        }
        due
    }

    /// How far into the next step we are, from 0 to 1 (for interpolation).
    pub fn alpha(&self) -> f32 {
        self.accumulated.as_secs_f32() / self.step.as_secs_f32()
    }
}

impl Default for FixedClock {
    fn default() -> Self {
        Self::new(DEFAULT_RATE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_accumulate_across_short_frames() {
        let mut clock = FixedClock::new(100);
        assert_eq!(clock.advance(Duration::from_millis(4)), 0);
        assert_eq!(clock.advance(Duration::from_millis(4)), 0);
        assert_eq!(clock.advance(Duration::from_millis(4)), 1);
        assert!((clock.alpha() - 0.2).abs() < 1e-3);
        assert_eq!(clock.advance(Duration::from_millis(20)), 2);
    }

    #[test]
    fn a_long_stall_is_capped_not_replayed() {
        let mut clock = FixedClock::new(60);
        assert_eq!(clock.advance(Duration::from_secs(10)), MAX_STEPS_PER_FRAME);
        assert!(clock.advance(Duration::ZERO) <= 1);
    }

    #[test]
    fn sixty_hertz_step_is_one_sixtieth() {
        assert_eq!(
            FixedClock::default().step(),
            Duration::from_nanos(16_666_666)
        );
    }
}
