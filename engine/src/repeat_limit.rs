//! Keeps an error that repeats from flooding the log: the first occurrence
//! is logged in full, later ones are only counted, and the count is logged
//! as "… repeated N times" at most once per interval (a second).
//!
//! Why: once the display went away, wgpu reported the same validation error
//! 12,000 times a second, 2.7 GB of stderr in 20 minutes (issue #13).
//!
//! A repeat is recognised by a hash of the formatted message, computed
//! without building a string, so counting a repeat allocates nothing. Only
//! a message seen for the first time is copied (its first line, for the
//! "repeated" lines).

use std::fmt::{self, Display, Write as _};
use std::time::{Duration, Instant};

/// How often, at most, one message's repeats are reported.
pub const EVERY: Duration = Duration::from_secs(1);

/// Distinct messages tracked at once; a further one evicts the one seen
/// least recently (its unreported repeats are still reported).
const SLOTS: usize = 4;

/// A message not seen for this many intervals (and fully reported) is
/// logged in full again when it comes back.
const FORGET_AFTER: u32 = 60;

/// The longest first line a "repeated" line quotes.
const HEAD: usize = 80;

/// Counts repeats of the messages of one source (graphics, a watcher) and
/// says what to log. Dropping it reports the repeats not yet reported.
#[derive(Debug)]
pub struct RepeatLimit {
    level: log::Level,
    target: &'static str,
    every: Duration,
    slots: [Option<Slot>; SLOTS],
    /// Repeats of an evicted message, to report at the next chance.
    evicted: Option<(String, u64)>,
}

#[derive(Debug)]
struct Slot {
    hash: u64,
    /// The message's first line, shortened to [`HEAD`] characters.
    head: String,
    /// Repeats since it was last logged.
    unreported: u64,
    /// When it was last logged, in full or as a count.
    logged_at: Instant,
    /// When it last occurred (for eviction).
    seen_at: Instant,
}

/// What to log for one occurrence of a message (see [`RepeatLimit::check`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not seen lately: log it in full.
    New,
    /// A repeat, and the interval since it was last logged has passed: log
    /// that it was repeated this many times since (this one included).
    Repeated(u64),
    /// A repeat within the interval: log nothing; it is counted.
    Counted,
}

impl RepeatLimit {
    /// A limit that logs at `level` under `target` (pass `module_path!()`),
    /// reporting each message's repeats at most once per [`EVERY`].
    pub fn new(level: log::Level, target: &'static str) -> Self {
        Self::with_interval(level, target, EVERY)
    }

    /// As [`RepeatLimit::new`], with another interval.
    pub fn with_interval(level: log::Level, target: &'static str, every: Duration) -> Self {
        Self {
            level,
            target,
            every,
            slots: [const { None }; SLOTS],
            evicted: None,
        }
    }

    /// Records an occurrence of `message` at `now` and says what to log.
    pub fn check(&mut self, message: &dyn Display, now: Instant) -> Verdict {
        let hash = fingerprint(message);
        let forget = self.every * FORGET_AFTER;
        if let Some(slot) = self.slots.iter_mut().flatten().find(|s| {
            s.hash == hash
                && (s.unreported > 0 || now.saturating_duration_since(s.seen_at) < forget)
        }) {
            slot.seen_at = now;
            slot.unreported += 1;
            if now.saturating_duration_since(slot.logged_at) < self.every {
                return Verdict::Counted;
            }
            let repeats = std::mem::take(&mut slot.unreported);
            slot.logged_at = now;
            return Verdict::Repeated(repeats);
        }
        let free = match self
            .slots
            .iter()
            .position(|s| s.as_ref().is_none_or(|s| s.hash == hash))
        {
            Some(free) => free,
            None => {
                let oldest = (0..SLOTS)
                    .min_by_key(|&i| self.slots[i].as_ref().map(|s| s.seen_at))
                    .unwrap_or(0);
                if let Some(slot) = self.slots[oldest].take()
                    && slot.unreported > 0
                {
                    self.evicted = Some((slot.head, slot.unreported));
                }
                oldest
            }
        };
        self.slots[free] = Some(Slot {
            hash,
            head: head_of(message),
            unreported: 0,
            logged_at: now,
            seen_at: now,
        });
        Verdict::New
    }

    /// Takes one message whose repeats are due to be reported at `now` (its
    /// interval passed since it was last logged), as its first line and the
    /// count. Call until `None` to catch up on messages that stopped.
    pub fn take_due(&mut self, now: Instant) -> Option<(String, u64)> {
        if let Some(evicted) = self.evicted.take() {
            return Some(evicted);
        }
        let every = self.every;
        let slot =
            self.slots.iter_mut().flatten().find(|s| {
                s.unreported > 0 && now.saturating_duration_since(s.logged_at) >= every
            })?;
        slot.logged_at = now;
        Some((slot.head.clone(), std::mem::take(&mut slot.unreported)))
    }

    /// Logs `message` as [`RepeatLimit::check`] says, now.
    pub fn log(&mut self, message: &dyn Display) {
        let now = Instant::now();
        self.log_due(now);
        match self.check(message, now) {
            Verdict::New => log::log!(target: self.target, self.level, "{message}"),
            Verdict::Repeated(count) => self.log_repeats(&Head(message), count),
            Verdict::Counted => {}
        }
    }

    /// Logs the repeats due at `now` of messages that stopped coming. Cheap
    /// when there are none: call it once a frame, say.
    pub fn log_due(&mut self, now: Instant) {
        while let Some((head, count)) = self.take_due(now) {
            self.log_repeats(&head, count);
        }
    }

    fn log_repeats(&self, head: &dyn Display, count: u64) {
        if count == 1 {
            log::log!(target: self.target, self.level, "{head} … repeated once");
        } else {
            log::log!(target: self.target, self.level, "{head} … repeated {count} times");
        }
    }
}

impl Drop for RepeatLimit {
    /// Reports the repeats not reported yet, so none go unsaid.
    fn drop(&mut self) {
        let far = Instant::now() + self.every;
        self.log_due(far);
    }
}

/// The first line of a message, shortened to [`HEAD`] characters, written
/// without building the whole message.
struct Head<'a>(&'a dyn Display);

impl Display for Head<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = HeadWriter {
            out: f,
            left: HEAD,
            done: false,
        };
        // The writer stops early on purpose; that is not an error here.
        let _ = write!(out, "{}", self.0);
        Ok(())
    }
}

struct HeadWriter<'a, 'b> {
    out: &'a mut fmt::Formatter<'b>,
    left: usize,
    done: bool,
}

impl fmt::Write for HeadWriter<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        if self.done {
            return Err(fmt::Error);
        }
        for c in text.chars() {
            if c == '\n' || self.left == 0 {
                self.done = true;
                return Err(fmt::Error);
            }
            self.out.write_char(c)?;
            self.left -= 1;
        }
        Ok(())
    }
}

fn head_of(message: &dyn Display) -> String {
    Head(message).to_string().trim_end().to_owned()
}

/// FNV-1a over the formatted message, fed piece by piece (no allocation).
fn fingerprint(message: &dyn Display) -> u64 {
    struct Fnv(u64);
    impl fmt::Write for Fnv {
        fn write_str(&mut self, text: &str) -> fmt::Result {
            for byte in text.bytes() {
                self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
            Ok(())
        }
    }
    let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
    let _ = write!(hash, "{message}");
    hash.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit() -> RepeatLimit {
        RepeatLimit::new(log::Level::Error, module_path!())
    }

    #[test]
    fn a_message_is_logged_once_then_counted_once_a_second() {
        let mut limit = limit();
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let error = "Surface does not support the adapter's queue family";
        assert_eq!(limit.check(&error, at(0)), Verdict::New);
        // 12,000 a second, as measured: one line in the first second...
        let said = (1..12_000)
            .map(|i| limit.check(&error, at(i / 12)))
            .filter(|v| *v != Verdict::Counted)
            .count();
        assert_eq!(said, 0, "nothing more within the first second");
        // ...then one line a second, counting everything since.
        assert_eq!(limit.check(&error, at(1000)), Verdict::Repeated(12_000));
        assert_eq!(limit.check(&error, at(1500)), Verdict::Counted);
        assert_eq!(limit.check(&error, at(2001)), Verdict::Repeated(2));
    }

    #[test]
    fn repeats_of_a_message_that_stopped_are_reported_when_due() {
        let mut limit = limit();
        let start = Instant::now();
        assert_eq!(limit.check(&"lost", start), Verdict::New);
        assert_eq!(limit.check(&"lost", start), Verdict::Counted);
        assert_eq!(limit.check(&"lost", start), Verdict::Counted);
        assert_eq!(limit.take_due(start + Duration::from_millis(999)), None);
        assert_eq!(
            limit.take_due(start + Duration::from_secs(1)),
            Some(("lost".to_owned(), 2))
        );
        assert_eq!(limit.take_due(start + Duration::from_secs(5)), None);
    }

    #[test]
    fn different_messages_are_told_apart() {
        let mut limit = limit();
        let now = Instant::now();
        for name in ["a.png", "b.png", "c.png"] {
            let message = format!("cannot read {name}");
            assert_eq!(limit.check(&message, now), Verdict::New);
        }
        assert_eq!(limit.check(&"cannot read b.png", now), Verdict::Counted);
        assert_eq!(limit.check(&"cannot read d.png", now), Verdict::New);
    }

    #[test]
    fn an_evicted_message_still_has_its_repeats_reported() {
        let mut limit = limit();
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        limit.check(&"first", at(0));
        limit.check(&"first", at(1));
        for (i, other) in ["b", "c", "d", "e"].iter().enumerate() {
            limit.check(other, at(2 + i as u64));
        }
        assert_eq!(limit.take_due(at(10)), Some(("first".to_owned(), 1)));
        assert_eq!(limit.check(&"first", at(11)), Verdict::New);
    }

    #[test]
    fn a_message_back_after_a_long_quiet_is_logged_in_full() {
        let mut limit = limit();
        let start = Instant::now();
        assert_eq!(limit.check(&"gone", start), Verdict::New);
        assert_eq!(
            limit.check(&"gone", start + EVERY * FORGET_AFTER),
            Verdict::New
        );
    }

    #[test]
    fn the_repeated_line_quotes_the_first_line_shortened() {
        let long = format!("Validation Error\n\nCaused by:\n  {}", "x".repeat(200));
        assert_eq!(head_of(&long), "Validation Error");
        let wide = "y".repeat(200);
        assert_eq!(head_of(&wide).chars().count(), HEAD);
    }
}
