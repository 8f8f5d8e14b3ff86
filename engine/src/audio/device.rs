//! The audio device: a cpal output stream on a thread of its own, fed
//! through a lock-free ring buffer. The frame thread only copies a step's
//! block into the ring ([`Device::push`]): it never waits for the device,
//! and opening the device (which can take a while, or fail) happens off it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use rtrb::{Consumer, Producer, RingBuffer};

use crate::assets::MIX_RATE;
use crate::repeat_limit::RepeatLimit;

/// Samples (stereo: two per frame) the ring holds: two seconds.
const RING: usize = 4 * MIX_RATE as usize;
/// Queued samples the device waits for before it starts (and again after
/// running dry): two steps of the game, at least two at 60 Hz, so a frame
/// that runs two steps and one that runs none play on without a gap. Past
/// four times that, the oldest are dropped down to it: the game ran ahead
/// of the device (a long frame's catch-up).
fn prime(step: usize) -> usize {
    (2 * step).clamp(2 * 2 * MIX_RATE as usize / 60, RING / 4)
}

const OPENING: u8 = 0;
const PLAYING: u8 = 1;
const SILENT: u8 = 2;

/// The audio device, or the attempt to open it.
pub struct Device {
    ring: Producer<f32>,
    /// Samples in the last step's block, for the device to prime by.
    step: Arc<AtomicUsize>,
    status: Arc<AtomicU8>,
    /// The last callback's latency: queued samples plus the device's own
    /// buffer, in nanoseconds.
    latency: Arc<AtomicU64>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Device {
    /// Starts opening the default output device, on its own thread.
    pub fn open() -> Self {
        let (ring, queued) = RingBuffer::new(RING);
        let status = Arc::new(AtomicU8::new(OPENING));
        let latency = Arc::new(AtomicU64::new(0));
        let (stop, stopped) = mpsc::channel();
        let step = Arc::new(AtomicUsize::new(0));
        let feed = Feed {
            queued,
            primed: false,
            step: step.clone(),
            latency: latency.clone(),
        };
        let playing = status.clone();
        let thread = std::thread::Builder::new()
            .name("hotloop-audio".into())
            .spawn(move || play(feed, &playing, &stopped))
            .inspect_err(|error| {
                log::warn!("no audio: cannot start its thread ({error}); running silent")
            })
            .ok();
        if thread.is_none() {
            status.store(SILENT, Ordering::Relaxed);
        }
        Self {
            ring,
            step,
            status,
            latency,
            stop: Some(stop),
            thread,
        }
    }

    /// Whether the device could not be opened (the game runs silent).
    pub fn is_silent(&self) -> bool {
        self.status.load(Ordering::Relaxed) == SILENT
    }

    /// The device's latency as last measured: what is queued plus its own
    /// buffer; `None` before it plays.
    pub fn latency(&self) -> Option<Duration> {
        let nanos = self.latency.load(Ordering::Relaxed);
        (nanos > 0).then(|| Duration::from_nanos(nanos))
    }

    /// Queues a step's block. What does not fit (the device stalled) is
    /// dropped: the game never waits for the device.
    pub fn push(&mut self, block: &[f32]) {
        if self.status.load(Ordering::Relaxed) != PLAYING {
            return;
        }
        self.step.store(block.len(), Ordering::Relaxed);
        let room = self.ring.slots() & !1;
        let len = block.len().min(room);
        if let Ok(mut chunk) = self.ring.write_chunk(len) {
            let (first, second) = chunk.as_mut_slices();
            first.copy_from_slice(&block[..first.len()]);
            second.copy_from_slice(&block[first.len()..len]);
            chunk.commit_all();
        }
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Opens the device and keeps its stream alive until the [`Device`] goes.
fn play(feed: Feed, status: &AtomicU8, stopped: &mpsc::Receiver<()>) {
    // alsa-lib writes why it cannot open a device to stderr, eight lines on
    // a machine without a sound card; on this thread they go to the log.
    #[cfg(target_os = "linux")]
    let alsa_said = alsa::Output::local_error_handler().ok();
    let errors = Arc::new(AtomicU64::new(0));
    let stream = match start_stream(feed, errors.clone()) {
        Ok((stream, name)) => {
            log::info!("playing sound on {name}");
            stream
        }
        Err(reason) => {
            #[cfg(target_os = "linux")]
            if let Some(said) = alsa_said {
                log::debug!("alsa-lib: {}", said.borrow());
            }
            log::warn!("no audio device ({reason}); running silent");
            status.store(SILENT, Ordering::Relaxed);
            return;
        }
    };
    status.store(PLAYING, Ordering::Relaxed);
    // Until the `Device` goes, or the device fails on and on: PulseAudio's
    // ALSA plugin was seen failing every buffer (220 times a second) for a
    // whole run. Then the stream is let go: silent, but no core spinning.
    let mut seen = 0;
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(Duration::from_secs(1)) {
        let now = errors.load(Ordering::Relaxed);
        if now - seen > FAILING_PER_SECOND {
            log::warn!(
                "the audio device keeps failing ({} errors in a second); running silent",
                now - seen
            );
            status.store(SILENT, Ordering::Relaxed);
            break;
        }
        seen = now;
    }
    drop(stream);
}

/// Device errors in one second past which the device is given up.
const FAILING_PER_SECOND: u64 = 50;

/// The default output device playing stereo `f32` at [`MIX_RATE`] from
/// `feed`, and its name; every error the stream reports adds one to `count`.
fn start_stream(mut feed: Feed, count: Arc<AtomicU64>) -> Result<(cpal::Stream, String), String> {
    let host = cpal::default_host();
    let device = host
        .default_output_device()
        .ok_or("the system has no output device")?;
    let name = device
        .description()
        .map_or_else(|_| "the default output device".into(), |d| d.to_string());
    let config = cpal::StreamConfig {
        channels: 2,
        sample_rate: MIX_RATE,
        buffer_size: cpal::BufferSize::Default,
    };
    // A device in trouble can report the same error on every buffer.
    let mut errors = RepeatLimit::new(log::Level::Warn, module_path!());
    let stream = device
        .build_output_stream(
            config,
            move |out: &mut [f32], info: &cpal::OutputCallbackInfo| feed.fill(out, info),
            move |error| {
                count.fetch_add(1, Ordering::Relaxed);
                errors.log(&format_args!("audio device: {error}"));
            },
            None,
        )
        .map_err(|e| format!("{name} refuses 48 kHz stereo: {e}"))?;
    stream
        .play()
        .map_err(|e| format!("{name} does not start: {e}"))?;
    Ok((stream, name))
}

/// The device's side of the ring, called by the device for every buffer.
struct Feed {
    queued: Consumer<f32>,
    /// Enough is queued to play without running dry at once.
    primed: bool,
    /// Samples per step, as the game last pushed them.
    step: Arc<AtomicUsize>,
    latency: Arc<AtomicU64>,
}

impl Feed {
    /// Fills the device's buffer `out` from the ring; silence where the ring
    /// has nothing (before the first steps, while the game is paused).
    fn fill(&mut self, out: &mut [f32], info: &cpal::OutputCallbackInfo) {
        let prime = prime(self.step.load(Ordering::Relaxed));
        let mut queued = self.queued.slots() & !1;
        if queued > 4 * prime
            && let Ok(chunk) = self.queued.read_chunk(queued - prime)
        {
            chunk.commit_all();
            queued = prime;
        }
        self.primed |= queued >= prime;
        let len = if self.primed {
            out.len().min(queued)
        } else {
            0
        };
        if let Ok(chunk) = self.queued.read_chunk(len) {
            let (first, second) = chunk.as_slices();
            out[..first.len()].copy_from_slice(first);
            out[first.len()..len].copy_from_slice(second);
            chunk.commit_all();
        }
        out[len..].fill(0.0);
        if len < out.len() {
            self.primed = false;
        }
        let stamp = info.timestamp();
        let device = stamp.playback.duration_since(stamp.callback);
        let ring = Duration::from_secs_f64(queued as f64 / 2.0 / f64::from(MIX_RATE));
        let nanos = (device + ring).as_nanos().clamp(1, u128::from(u64::MAX)) as u64;
        self.latency.store(nanos, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ring and the device's side of it; `step` samples per step.
    fn feed(step: usize) -> (Producer<f32>, Feed) {
        let (ring, queued) = RingBuffer::new(RING);
        let feed = Feed {
            queued,
            primed: false,
            step: Arc::new(AtomicUsize::new(step)),
            latency: Arc::new(AtomicU64::new(0)),
        };
        (ring, feed)
    }

    fn push(ring: &mut Producer<f32>, samples: usize, value: f32) {
        for _ in 0..samples {
            ring.push(value).unwrap();
        }
    }

    /// One device buffer of `len` samples.
    fn play(feed: &mut Feed, len: usize) -> Vec<f32> {
        let now = cpal::StreamInstant::new(1, 0);
        let info = cpal::OutputCallbackInfo::new(cpal::OutputStreamTimestamp {
            callback: now,
            playback: cpal::StreamInstant::new(1, 5_000_000),
        });
        let mut out = vec![9.0; len];
        feed.fill(&mut out, &info);
        out
    }

    #[test]
    fn the_device_waits_for_two_steps_then_plays_them_in_order() {
        let (mut ring, mut feed) = feed(1600);
        push(&mut ring, 1600, 0.5);
        assert_eq!(
            play(&mut feed, 512),
            vec![0.0; 512],
            "one step: silence, waiting"
        );
        push(&mut ring, 1600, 0.25);
        let out = play(&mut feed, 2048);
        assert!(out[..1600].iter().all(|&s| s == 0.5) && out[1600..].iter().all(|&s| s == 0.25));
        // 33 ms queued plus the device's 5 ms.
        let latency = Duration::from_nanos(feed.latency.load(Ordering::Relaxed));
        assert_eq!(latency.as_micros(), 38_333);
    }

    #[test]
    fn running_dry_plays_silence_and_waits_for_two_steps_again() {
        let (mut ring, mut feed) = feed(1600);
        push(&mut ring, 3200, 0.5);
        let out = play(&mut feed, 4000);
        assert!(out[..3200].iter().all(|&s| s == 0.5) && out[3200..].iter().all(|&s| s == 0.0));
        push(&mut ring, 1600, 0.5);
        assert_eq!(play(&mut feed, 100), vec![0.0; 100], "primes again");
    }

    #[test]
    fn a_slow_game_primes_by_its_own_steps() {
        // 30 Hz: 3200 samples a step; two 60 Hz steps would be one of its.
        let (mut ring, mut feed) = feed(3200);
        push(&mut ring, 3200, 0.5);
        assert_eq!(play(&mut feed, 100), vec![0.0; 100]);
        push(&mut ring, 3200, 0.5);
        assert!(play(&mut feed, 100).iter().all(|&s| s == 0.5));
    }

    #[test]
    fn far_too_much_queued_drops_the_oldest() {
        let (mut ring, mut feed) = feed(1600);
        push(&mut ring, 4 * 3200, 0.25);
        push(&mut ring, 3200, 0.5);
        // 16,000 queued, over 4 x 3,200: only the newest 3,200 are kept.
        assert!(play(&mut feed, 3200).iter().all(|&s| s == 0.5));
    }
}
