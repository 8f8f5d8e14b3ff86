//! Per-frame work times, split into frames that took a reload and the rest,
//! recorded without allocating (the buffers are reserved up front).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How many frames are recorded; later frames are not (about 36 minutes at 60 Hz).
pub const CAPACITY: usize = 1 << 17;

/// Recorded frame times.
#[derive(Debug)]
pub struct FrameTimes {
    normal: Vec<f32>,
    reload: Vec<f32>,
}

/// Distribution of the recorded times, in milliseconds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FrameTimeSummary {
    /// Frames without a reload.
    pub frames: usize,
    /// Their median.
    pub median_ms: f32,
    /// Their 99th percentile.
    pub p99_ms: f32,
    /// Frames that took a reload.
    pub reload_frames: usize,
    /// The median of those.
    pub reload_median_ms: f32,
    /// The slowest of those.
    pub reload_max_ms: f32,
}

impl Default for FrameTimes {
    fn default() -> Self {
        Self {
            normal: Vec::with_capacity(CAPACITY),
            reload: Vec::with_capacity(1024),
        }
    }
}

impl FrameTimes {
    /// Records one frame's work time.
    pub fn record(&mut self, took: Duration, reloaded: bool) {
        let samples = if reloaded {
            &mut self.reload
        } else {
            &mut self.normal
        };
        if samples.len() < samples.capacity() {
            samples.push(took.as_secs_f32() * 1000.0);
        }
    }

    /// The distribution so far.
    pub fn summary(&self) -> FrameTimeSummary {
        let (normal, reload) = (sorted(&self.normal), sorted(&self.reload));
        FrameTimeSummary {
            frames: normal.len(),
            median_ms: quantile(&normal, 0.5).unwrap_or(0.0),
            p99_ms: quantile(&normal, 0.99).unwrap_or(0.0),
            reload_frames: reload.len(),
            reload_median_ms: quantile(&reload, 0.5).unwrap_or(0.0),
            reload_max_ms: reload.last().copied().unwrap_or(0.0),
        }
    }
}

fn sorted(samples: &[f32]) -> Vec<f32> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f32::total_cmp);
    sorted
}

/// The `q` quantile (0..1) of sorted samples, nearest rank; `None` when
/// there are none. (The benchmarks in `tools` report with it too.)
pub fn quantile<T: Copy>(sorted: &[T], q: f64) -> Option<T> {
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reload_frames_are_kept_apart() {
        let mut times = FrameTimes::default();
        for ms in 1..=100 {
            times.record(Duration::from_millis(ms), false);
        }
        times.record(Duration::from_millis(250), true);
        let summary = times.summary();
        assert_eq!((summary.frames, summary.reload_frames), (100, 1));
        assert_eq!((summary.median_ms, summary.p99_ms), (50.0, 99.0));
        assert_eq!(summary.reload_max_ms, 250.0);
    }

    #[test]
    fn recording_never_grows_the_buffers() {
        let mut times = FrameTimes::default();
        let capacity = times.normal.capacity();
        for _ in 0..capacity + 10 {
            times.record(Duration::from_micros(5), false);
        }
        assert_eq!(times.normal.len(), capacity);
        assert_eq!(times.normal.capacity(), capacity);
    }
}
