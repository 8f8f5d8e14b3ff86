//! The engine process's stderr, relayed through the supervisor's line by
//! line, and the last words in it that name how the process ended.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::Mutex;

use super::crash;

/// What an engine process said before it ended, for naming the cause.
#[derive(Debug, Default)]
pub struct LastWords {
    /// What std printed before an abort (see [`crash::hint_in`]).
    pub hint: Option<&'static str>,
    /// What Xlib printed before it ended the process, its display gone
    /// (held back: the session's end says it once, with the state's place).
    pub display_lost: Option<String>,
}

/// Copies the engine process's stderr to ours, line by line, noting the
/// last words std prints before an abort, and holding back Xlib's (when
/// `hold_back_xlib`: a summary-only process quotes them in its own line).
pub fn relay(stderr: impl Read, last_words: &Mutex<LastWords>, hold_back_xlib: bool) {
    let mut reader = BufReader::new(stderr);
    let mut line = Vec::new();
    let mut out = io::stderr();
    while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
        let text = String::from_utf8_lossy(&line);
        let mut words = last_words.lock().unwrap_or_else(|e| e.into_inner());
        match crash::hint_in(&text) {
            Some(crash::DISPLAY_LOST) if hold_back_xlib => {
                words.display_lost = Some(xlib_words(&text));
            }
            // The second line of Xlib's "fatal IO error" ("after 120 requests ...").
            None if words.display_lost.is_some() && text.contains(" requests (") => {}
            found => {
                words.hint = found.or(words.hint);
                let _ = out.write_all(&line);
            }
        }
        line.clear();
    }
}

/// Xlib's last line as a clause: one line, spaces squeezed, no final full stop.
fn xlib_words(line: &str) -> String {
    let words = line.split_whitespace().collect::<Vec<_>>().join(" ");
    words.trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(stderr: &str, hold_back_xlib: bool) -> LastWords {
        let words = Mutex::new(LastWords::default());
        relay(stderr.as_bytes(), &words, hold_back_xlib);
        words.into_inner().unwrap()
    }

    #[test]
    fn xlib_last_words_are_held_back_as_one_clause() {
        let broken =
            "[INFO] frame\nX connection to :93 broken (explicit kill or server shutdown).\r\n";
        let words = words_of(broken, true);
        assert_eq!(
            words.display_lost.as_deref(),
            Some("X connection to :93 broken (explicit kill or server shutdown)")
        );
        let fatal = "XIO:  fatal IO error 11 (Resource temporarily unavailable) on X server \":151\"\r\n      after 310 requests (310 known processed) with 0 events remaining.\r\n";
        let words = words_of(fatal, true);
        assert_eq!(
            words.display_lost.as_deref(),
            Some("XIO: fatal IO error 11 (Resource temporarily unavailable) on X server \":151\"")
        );
        assert_eq!(words.hint, None);
    }

    #[test]
    fn std_last_words_are_noted_and_relayed() {
        let words = words_of("thread 'main' has overflowed its stack\n", true);
        assert_eq!(words.hint, Some("stack overflow"));
        assert_eq!(words.display_lost, None);
        // A summary-only process quotes Xlib in its own line: relayed as is.
        let quoted = "hotloop: the display :93 went away (X connection to :93 broken)\n";
        assert_eq!(words_of(quoted, false).display_lost, None);
    }
}
