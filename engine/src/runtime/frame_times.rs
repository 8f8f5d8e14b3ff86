//! Per-frame work times, split into frames that took a reload and the rest,
//! counted in fixed-size histograms: a run of any length is covered, and
//! recording a frame allocates nothing (the histograms are made at start).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Recorded frame times.
#[derive(Debug, Default)]
pub struct FrameTimes {
    normal: Histogram,
    reload: Histogram,
}

/// Distribution of the recorded times, in milliseconds. Counts and the
/// slowest reload frame are exact; the median and 99th percentile are read
/// from a histogram, within [`RESOLUTION`] of the true value.
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

impl FrameTimes {
    /// Records one frame's work time.
    pub fn record(&mut self, took: Duration, reloaded: bool) {
        if reloaded {
            self.reload.record(took);
        } else {
            self.normal.record(took);
        }
    }

    /// The distribution so far.
    pub fn summary(&self) -> FrameTimeSummary {
        let (normal, reload) = (&self.normal, &self.reload);
        FrameTimeSummary {
            frames: usize::try_from(normal.count).unwrap_or(usize::MAX),
            median_ms: millis(normal.quantile(0.5)),
            p99_ms: millis(normal.quantile(0.99)),
            reload_frames: usize::try_from(reload.count).unwrap_or(usize::MAX),
            reload_median_ms: millis(reload.quantile(0.5)),
            reload_max_ms: millis(reload.max_ns),
        }
    }
}

fn millis(ns: u64) -> f32 {
    (ns as f64 / 1e6) as f32
}

/// Sub-buckets per power of two: 2^7, so a bucket is at most 1/128 of its
/// lower bound wide.
const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;
/// Times from 2^40 ns (about 18 minutes) on share the last bucket.
const TOP_BIT: u32 = 40;
const BUCKETS: usize = (TOP_BIT - SUB_BITS + 1) as usize * SUB as usize;

/// The largest relative error of a reported quantile: it is the middle of
/// its bucket, which is at most 1/128 of its lower bound wide (times under
/// 128 ns are exact, to the nanosecond).
pub const RESOLUTION: f64 = 1.0 / (2 * SUB) as f64;

/// A log-linear histogram of durations in nanoseconds (as in HdrHistogram):
/// below 128 ns one bucket per nanosecond, above that 128 buckets per power
/// of two. 34 KiB, whatever the number of frames.
#[derive(Debug)]
struct Histogram {
    counts: Box<[u64]>,
    count: u64,
    max_ns: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            count: 0,
            max_ns: 0,
        }
    }
}

/// The bucket of `ns`.
fn bucket(ns: u64) -> usize {
    let ns = ns.min((1 << TOP_BIT) - 1);
    if ns < SUB {
        return ns as usize;
    }
    let shift = 63 - ns.leading_zeros() - SUB_BITS;
    // `ns >> shift` is in SUB..2 * SUB.
    ((u64::from(shift) + 1) * SUB + (ns >> shift) - SUB) as usize
}

/// The middle of bucket `index`'s range.
fn middle(index: usize) -> u64 {
    let index = index as u64;
    if index < SUB {
        return index;
    }
    let shift = index / SUB - 1;
    let low = (SUB + index % SUB) << shift;
    low + (1 << shift) / 2
}

impl Histogram {
    fn record(&mut self, took: Duration) {
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.counts[bucket(ns)] += 1;
        self.count += 1;
        self.max_ns = self.max_ns.max(ns);
    }

    /// The `q` quantile (0..1), nearest rank, as the middle of its bucket
    /// (never above the largest time); 0 when nothing was recorded.
    fn quantile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = ((self.count as f64 * q).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return middle(index).min(self.max_ns);
            }
        }
        self.max_ns
    }
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

    fn close(reported: f32, exact_ms: f64) -> bool {
        (f64::from(reported) - exact_ms).abs() <= exact_ms * RESOLUTION + 1e-6
    }

    #[test]
    fn reload_frames_are_kept_apart() {
        let mut times = FrameTimes::default();
        for ms in 1..=100 {
            times.record(Duration::from_millis(ms), false);
        }
        times.record(Duration::from_millis(250), true);
        let summary = times.summary();
        assert_eq!((summary.frames, summary.reload_frames), (100, 1));
        assert!(close(summary.median_ms, 50.0), "{summary:?}");
        assert!(close(summary.p99_ms, 99.0), "{summary:?}");
        assert!(close(summary.reload_median_ms, 250.0), "{summary:?}");
        assert_eq!(summary.reload_max_ms, 250.0, "the maximum is exact");
    }

    #[test]
    fn every_bucket_holds_its_middle_within_the_resolution() {
        for ns in (0..100_000).chain((1..2000).map(|i| i * 7_919_993)) {
            let middle = middle(bucket(ns)) as f64;
            assert!(
                (middle - ns as f64).abs() <= ns as f64 * RESOLUTION,
                "{ns} ns reads as {middle}"
            );
            assert!(bucket(ns) < BUCKETS);
        }
        assert_eq!(bucket(u64::MAX), BUCKETS - 1, "the longest share the last");
        assert!(bucket(1 << 20) > bucket((1 << 20) - 1), "buckets ascend");
    }

    #[test]
    fn counting_goes_on_past_any_fixed_number_of_frames() {
        // 2^17 frames was the old buffers' end (36 minutes at 60 Hz).
        const FRAMES: u64 = (1 << 17) * 3 + 5;
        let mut times = FrameTimes::default();
        for frame in 0..FRAMES {
            // A ramp from 1 ms to 4 ms, so the quantiles are known exactly.
            let ns = 1_000_000 + frame * 3_000_000 / FRAMES;
            times.record(Duration::from_nanos(ns), frame % 1000 == 0);
        }
        let summary = times.summary();
        let reloads = FRAMES.div_ceil(1000);
        assert_eq!(summary.reload_frames as u64, reloads);
        assert_eq!(
            summary.frames as u64,
            FRAMES - reloads,
            "every frame counted"
        );
        assert!(close(summary.median_ms, 2.5), "{summary:?}");
        assert!(close(summary.p99_ms, 1.0 + 3.0 * 0.99), "{summary:?}");
        assert!(close(summary.reload_median_ms, 2.5), "{summary:?}");
    }

    #[test]
    fn nothing_recorded_reads_as_zero() {
        let summary = FrameTimes::default().summary();
        assert_eq!(
            (summary.frames, summary.median_ms, summary.reload_max_ms),
            (0, 0.0, 0.0)
        );
    }
}
