//! Per-system timings: how long each of the game's systems takes per step,
//! averaged over the last second for the overlay (F4) and over the run for
//! the headless summary (`--profile-systems`). Only while someone looks:
//! otherwise the engine calls the plain `update`, which times nothing.
//!
//! Nothing here allocates after [`SystemProfile::new`]: the frame loop
//! records into fixed arrays.

use serde::Serialize;

/// One system's average, for the summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SystemTiming {
    /// The system, as `game!` lists it.
    pub name: String,
    /// Mean time per step, in microseconds.
    pub mean_us: f64,
}

/// Timings of the running library's systems.
#[derive(Debug)]
pub struct SystemProfile {
    names: Vec<String>,
    /// The last step's times (ns), written by the library.
    step: Vec<u64>,
    /// Sums over the current window and over the whole run (ns).
    window: Vec<u64>,
    total: Vec<u64>,
    window_steps: u32,
    total_steps: u64,
    /// Steps per window: one second of updates.
    window_len: u32,
    /// The last complete window: (system, mean µs), slowest first.
    shown: Vec<(usize, f64)>,
}

impl SystemProfile {
    /// Timings for the systems `names`, averaged over `rate` steps (a second).
    pub fn new(names: &[String], rate: u32) -> Self {
        let n = names.len();
        Self {
            names: names.to_vec(),
            step: vec![0; n],
            window: vec![0; n],
            total: vec![0; n],
            window_steps: 0,
            total_steps: 0,
            window_len: rate.max(1),
            shown: Vec::with_capacity(n),
        }
    }

    /// Where the library writes one step's times.
    pub fn step_slots(&mut self) -> &mut [u64] {
        &mut self.step
    }

    /// Adds the step just timed; completes a window every second.
    pub fn record(&mut self) {
        for ((window, total), step) in self.window.iter_mut().zip(&mut self.total).zip(&self.step) {
            *window += step;
            *total += step;
        }
        self.total_steps += 1;
        self.window_steps += 1;
        if self.window_steps < self.window_len {
            return;
        }
        let steps = f64::from(self.window_steps);
        self.shown.clear();
        self.shown.extend(
            self.window
                .iter()
                .enumerate()
                .map(|(index, sum)| (index, *sum as f64 / steps / 1000.0)),
        );
        self.shown
            .sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        self.window.fill(0);
        self.window_steps = 0;
    }

    /// The last complete second: each system's mean µs per step, slowest first.
    pub fn last_second(&self) -> impl Iterator<Item = (&str, f64)> {
        self.shown
            .iter()
            .map(|(index, mean)| (self.names[*index].as_str(), *mean))
    }

    /// Each system's mean over every step timed, slowest first.
    pub fn summary(&self) -> Vec<SystemTiming> {
        let steps = self.total_steps.max(1) as f64;
        let mut timings: Vec<SystemTiming> = self
            .names
            .iter()
            .zip(&self.total)
            .map(|(name, total)| SystemTiming {
                name: name.clone(),
                mean_us: *total as f64 / steps / 1000.0,
            })
            .collect();
        timings.sort_by(|a, b| b.mean_us.total_cmp(&a.mean_us));
        timings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_of_steps_shows_the_slowest_system_first() {
        let names = ["move".to_owned(), "draw".to_owned(), "ai".to_owned()];
        let mut profile = SystemProfile::new(&names, 4);
        assert_eq!(
            profile.last_second().count(),
            0,
            "nothing before a full second"
        );
        for step in 0..4u64 {
            profile
                .step_slots()
                .copy_from_slice(&[1_000, 3_000 + step, 2_000]);
            profile.record();
        }
        let shown: Vec<(&str, f64)> = profile.last_second().collect();
        assert_eq!(shown[0], ("draw", 3.0015));
        assert_eq!(shown[1], ("ai", 2.0));
        assert_eq!(shown[2], ("move", 1.0));
        let summary = profile.summary();
        assert_eq!(summary[0].name, "draw");
        assert!((summary[0].mean_us - 3.0015).abs() < 1e-9);
    }
}
