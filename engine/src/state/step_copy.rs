//! The copy of the state taken before every step, which a step that panics
//! is rolled back to (and a crashed step, from shared memory).
//!
//! Copying a whole 64 MiB state before each step takes about 3 ms, yet a
//! step usually writes a few pages of it. So for states of [`TRACK_FROM`]
//! bytes and more the kernel reports which pages were written
//! ([`WrittenPages`]) and only those are copied: the copy stays equal to the
//! state as of the last save, and a save or a rollback copies just the
//! pages written since. Where the kernel cannot say, everything is copied,
//! as for small states, where that is cheaper than asking.
//!
//! Tracking costs each written page a fault per step (about 1 µs on the
//! heap, 5 µs in shared memory), so a step that writes more than
//! 1/[`DENSE`] of the pages makes whole copies cheaper. Then the copy rests
//! from tracking: whole copies for a while, and every so often a window of
//! 1/[`DENSE`] of the pages is watched for one step to see whether steps
//! write fewer now. A new copy starts with such a window too, so a game
//! that writes everything pays the faults of a window, never of it all;
//! one that goes from few pages to all of them pays them for one step.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use super::StateBuffer;
use crate::shared::WrittenPages;

/// The smallest state whose written pages are tracked. A whole copy takes
/// about 34 µs per MiB here; a tracked step costs about 20 µs to ask the
/// kernel (for 64 MiB) and a fault per written page, 5 µs each in shared
/// memory: below 4 MiB the whole copy is about as cheap.
pub const TRACK_FROM: u64 = 4 << 20;

/// A step that writes more than 1/`DENSE` of the pages is cheaper to
/// follow with whole copies (break-even for shared memory, measured).
const DENSE: usize = 32;
/// Saves between two looks at whether tracking pays again, at first; it
/// doubles after each look that says no, up to [`LONGEST_REST`].
const FIRST_REST: u32 = 60;
const LONGEST_REST: u32 = 3600;
const PAGE: usize = 4096;

/// How the per-step copy is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyMode {
    /// Copy only the pages written since the last save, when the state is
    /// large enough, the kernel can say which, and steps write few pages.
    Auto,
    /// Always copy the whole state (for comparisons).
    Whole,
}

/// What the tracker is doing.
#[derive(Clone, Debug)]
enum Watch {
    /// Every page is protected: a save copies the pages written.
    Armed,
    /// Whole copies; `left` saves until a window of pages is watched.
    Resting { left: u32 },
    /// Whole copies while the pages of `window` are watched for a step.
    Probing { window: Range<usize> },
}

/// The tracker and what it is doing.
#[derive(Debug)]
struct Tracking {
    written: WrittenPages,
    watch: Watch,
    /// Saves to rest the next time.
    rest: u32,
    /// Where the next window starts (they take turns over the state).
    next_window: usize,
}

/// The state as it was before the current step.
pub struct StepCopy {
    // Declared first: stops tracking before the buffers can be freed.
    tracking: Option<Tracking>,
    before: StateBuffer,
    /// The address of the state being tracked.
    tracked: usize,
}

impl std::fmt::Debug for StepCopy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StepCopy")
            .field("tracking", &self.tracking.as_ref().map(|t| &t.watch))
            .finish_non_exhaustive()
    }
}

impl StepCopy {
    /// Keeps `before` as the copy of `state`, copying all of it now.
    ///
    /// # Panics
    /// When the two buffers hold different layouts.
    pub fn new(mut before: StateBuffer, state: &StateBuffer, mode: CopyMode) -> Self {
        let mut tracking = (mode == CopyMode::Auto && state.layout().size >= TRACK_FROM)
            .then(|| track(state))
            .flatten()
            .map(|written| Tracking {
                written,
                watch: Watch::Armed,
                rest: FIRST_REST,
                next_window: 0,
            });
        // Start by watching a window: a game that writes every page never
        // pays a fault on each of them, even once.
        let len = state.layout().size as usize;
        if let Some(started) = &mut tracking
            && let Err(error) = started
                .written
                .protect(0..len, false)
                .and_then(|()| started.probe(len))
        {
            stop(&mut tracking, &error);
        }
        // After tracking starts: every write from here on is reported.
        before.copy_from(state);
        Self {
            tracking,
            before,
            tracked: state.as_ptr() as usize,
        }
    }

    /// The copy.
    pub fn buffer(&self) -> &StateBuffer {
        &self.before
    }

    /// Whether the kernel reports the pages written, so that only those
    /// are copied (while steps write few of them).
    pub fn is_tracked(&self) -> bool {
        self.tracking.is_some()
    }

    /// Brings the copy up to date with `state` (before a step).
    pub fn save(&mut self, state: &StateBuffer) {
        let tracking = match &mut self.tracking {
            Some(tracking) if state.as_ptr() as usize == self.tracked => tracking,
            _ => return self.before.copy_from(state),
        };
        let len = state.layout().size as usize;
        let whole = 0..len;
        let before = &mut self.before;
        let outcome = match tracking.watch.clone() {
            Watch::Armed => {
                let mut pages = 0;
                let copied = tracking.written.take(whole.clone(), |range| {
                    pages += range.len().div_ceil(PAGE);
                    before.copy_range_from(state, range);
                });
                match copied {
                    Ok(()) if pages <= dense(len) => return,
                    Ok(()) => {
                        log::debug!(
                            "a step wrote {pages} pages of the state: whole copies for a while"
                        );
                        // This save is done; the next ones copy everything.
                        match tracking.rest_from_tracking(whole) {
                            Ok(()) => return,
                            Err(error) => Err(error),
                        }
                    }
                    Err(error) => Err(error),
                }
            }
            Watch::Resting { left: 1 } => tracking.probe(len),
            Watch::Resting { left } => {
                tracking.watch = Watch::Resting { left: left - 1 };
                Ok(())
            }
            Watch::Probing { window } => tracking.look(window, whole),
        };
        if let Err(error) = outcome {
            stop(&mut self.tracking, &error);
        }
        // Whole, and after any protection above: later writes are reported.
        self.before.copy_from(state);
    }

    /// Puts `state` back as it was at the last [`StepCopy::save`] (after a
    /// step failed).
    pub fn restore(&mut self, state: &mut StateBuffer) {
        let tracked = state.as_ptr() as usize == self.tracked;
        if let Some(tracking) = &mut self.tracking
            && tracked
            && matches!(tracking.watch, Watch::Armed)
        {
            let before = &self.before;
            let len = state.layout().size as usize;
            let copied = tracking
                .written
                .take(0..len, |range| state.copy_range_from(before, range));
            match copied {
                Ok(()) => return,
                Err(error) => stop(&mut self.tracking, &error),
            }
        }
        state.copy_from(&self.before);
    }
}

impl Tracking {
    /// Stops protecting `whole`: whole copies for `rest` saves.
    fn rest_from_tracking(&mut self, whole: Range<usize>) -> std::io::Result<()> {
        self.written.protect(whole, false)?;
        self.watch = Watch::Resting { left: self.rest };
        self.rest = (self.rest * 2).min(LONGEST_REST);
        Ok(())
    }

    /// Protects the next window of pages, to see how many the next step writes.
    fn probe(&mut self, len: usize) -> std::io::Result<()> {
        let size = (len / DENSE).max(64 * PAGE).min(len);
        let start = if self.next_window + size > len {
            0
        } else {
            self.next_window
        };
        let window = start..start + size;
        self.next_window = window.end;
        self.written.protect(window.clone(), true)?;
        self.watch = Watch::Probing { window };
        Ok(())
    }

    /// After a step with `window` watched: track everything again if the
    /// step wrote few of its pages, else rest longer.
    fn look(&mut self, window: Range<usize>, whole: Range<usize>) -> std::io::Result<()> {
        let mut pages = 0;
        self.written
            .take(window.clone(), |range| pages += range.len().div_ceil(PAGE))?;
        if pages <= dense(window.len()) {
            self.written.protect(whole, true)?;
            self.watch = Watch::Armed;
            self.rest = FIRST_REST;
            Ok(())
        } else {
            self.written.protect(window, false)?;
            self.watch = Watch::Resting { left: self.rest };
            self.rest = (self.rest * 2).min(LONGEST_REST);
            Ok(())
        }
    }
}

/// The most pages of `len` bytes a step may write for tracking to pay.
fn dense(len: usize) -> usize {
    len.div_ceil(PAGE) / DENSE
}

/// Stops tracking after `error`: whole copies from now on.
fn stop(tracking: &mut Option<Tracking>, error: &std::io::Error) {
    log::warn!(
        "could not ask which pages of the state were written ({error}); copying the whole state before each step from now on"
    );
    *tracking = None;
}

/// Tracks writes to `state`, or says once why the whole state is copied.
fn track(state: &StateBuffer) -> Option<WrittenPages> {
    static SAID: AtomicBool = AtomicBool::new(false);
    match WrittenPages::watch(state.bytes()) {
        Ok(written) => {
            log::debug!(
                "the state's written pages are tracked: only they are copied before each step"
            );
            Some(written)
        }
        Err(error) => {
            if !SAID.swap(true, Ordering::Relaxed) {
                log::info!(
                    "the kernel cannot report which pages a step writes ({error}): the whole {} MiB state is copied before each step",
                    state.layout().size >> 20
                );
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use hotloop_abi::StateLayout;

    use super::*;

    fn buffer(size: u64) -> StateBuffer {
        StateBuffer::zeroed(StateLayout {
            size,
            align: 8,
            fingerprint: 3,
        })
        .unwrap()
    }

    /// Writes `value` at one byte of every `every`-th page.
    fn write_pages(state: &mut StateBuffer, every: usize, value: u8) {
        let bytes = state.bytes_mut();
        for page in (0..bytes.len() / PAGE).step_by(every) {
            bytes[page * PAGE + page % PAGE] = value;
        }
    }

    #[test]
    fn saves_and_rollbacks_are_exact_through_sparse_and_dense_stretches() {
        let size = 4 << 20;
        let mut state = buffer(size);
        let mut copy = StepCopy::new(buffer(size), &state, CopyMode::Auto);
        let tracked = copy.is_tracked();
        let mut seen = Vec::new();
        let mut note = |copy: &StepCopy| {
            if let Some(tracking) = &copy.tracking {
                let name = format!("{:?}", tracking.watch);
                let name = name.split([' ', '{']).next().unwrap_or_default().to_owned();
                if seen.last() != Some(&name) {
                    seen.push(name);
                }
            }
        };
        note(&copy);
        for step in 0..600u32 {
            // A write between steps (an inspector nudge, a snapshot load).
            if step % 5 == 0 {
                state.bytes_mut()[(step as usize * 7919) % size as usize] = step as u8;
            }
            copy.save(&state);
            assert!(copy.buffer().bytes() == state.bytes(), "step {step}: saved");
            let expected = state.bytes().to_vec();
            // Steps 100..180 write every page, the others every 64th.
            let dense = (100..180).contains(&step);
            write_pages(&mut state, if dense { 1 } else { 64 }, step as u8 ^ 0x5a);
            if step % 9 == 0 {
                copy.restore(&mut state);
                assert!(state.bytes() == expected, "step {step}: rolled back");
            }
            note(&copy);
        }
        if tracked {
            assert_eq!(
                seen,
                [
                    "Probing", "Armed", "Resting", "Probing", "Resting", "Probing", "Armed"
                ],
                "tracking rests while steps write every page, and comes back"
            );
        } else {
            eprintln!("SKIPPED the tracking part: the kernel cannot say which pages were written");
        }
    }

    #[test]
    fn small_states_and_whole_mode_copy_everything() {
        let state = buffer(TRACK_FROM - 8);
        assert!(!StepCopy::new(buffer(TRACK_FROM - 8), &state, CopyMode::Auto).is_tracked());
        let state = buffer(TRACK_FROM);
        assert!(!StepCopy::new(buffer(TRACK_FROM), &state, CopyMode::Whole).is_tracked());
    }
}
