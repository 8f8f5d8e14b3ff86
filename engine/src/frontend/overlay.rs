//! The engine's status overlay, drawn over the game's image: fps, frame time,
//! library generation, time since the last reload, and the last reload error
//! as a red banner that stays until the next good reload.

use std::time::{Duration, Instant};

use crate::frontend::text::{GLYPH, Target};
use crate::runtime::looping::LoopMode;

const TEXT: [u8; 3] = [235, 235, 235];
const PANEL: [u8; 4] = [0, 0, 0, 150];
const BANNER: [u8; 4] = [170, 20, 30, 225];
const NOTICE: [u8; 4] = [150, 105, 10, 225];
/// Most lines of an error message shown at once.
const MAX_ERROR_LINES: usize = 8;

/// What the overlay reports, gathered by the window each frame.
#[derive(Clone, Debug)]
pub struct Status<'a> {
    /// Displayed frames per second, averaged.
    pub fps: f32,
    /// Average time between displayed frames.
    pub frame_time: Duration,
    /// The library generation running now.
    pub generation: u64,
    /// When the running library was swapped in (`None`: never reloaded).
    pub last_reload: Option<Instant>,
    /// The error to show as a red banner, if any.
    pub error: Option<&'a str>,
    /// Something to know that is not an error, shown in amber when there is no error.
    pub notice: Option<&'a str>,
    /// Whether game logic is paused after a panic.
    pub paused: bool,
    /// Recording or looping input.
    pub looping: LoopMode,
    /// The dev loop is building the game code.
    pub building: bool,
}

/// Draws the overlay into an RGBA8 framebuffer.
#[derive(Debug)]
pub struct Overlay {
    /// Whether the status panel is shown (F1). The error banner always is.
    pub visible: bool,
    line: String,
}

impl Default for Overlay {
    fn default() -> Self {
        Self {
            visible: true,
            line: String::with_capacity(64),
        }
    }
}

impl Overlay {
    /// Draws `status` over `pixels` (`width` x `height`, RGBA8).
    pub fn draw(&mut self, status: &Status<'_>, pixels: &mut [u8], width: usize, height: usize) {
        let mut target = Target::new(pixels, width, height);
        if self.visible {
            use std::fmt::Write;
            self.line.clear();
            let since = status.last_reload.map(|at| at.elapsed().as_secs_f32());
            let _ = write!(
                self.line,
                "{:>3.0} fps {:>4.1} ms  gen {}",
                status.fps,
                status.frame_time.as_secs_f32() * 1000.0,
                status.generation
            );
            match since {
                _ if status.building => self.line.push_str("  building..."),
                Some(seconds) => {
                    let _ = write!(self.line, "  reload {seconds:.0}s ago");
                }
                None => self.line.push_str("  F1: hide"),
            }
            match status.looping {
                LoopMode::Off => {}
                LoopMode::Recording { steps } => {
                    let _ = write!(self.line, "  REC {steps}");
                }
                LoopMode::Playing { at, of } => {
                    let _ = write!(self.line, "  LOOP {at}/{of}");
                }
            }
            target.panel(0, 0, width, GLYPH + 4, PANEL);
            target.text(2, 2, &self.line, TEXT);
        }
        let (prefix, text, color) = match (status.error, status.notice) {
            (Some(error), _) if status.paused => (Some("GAME LOGIC PAUSED"), error, BANNER),
            // Error texts say what failed ("build failed: …", "… is not a loadable library: …").
            (Some(error), _) => (None, error, BANNER),
            (None, Some(notice)) => (Some("NOTE"), notice, NOTICE),
            (None, None) => return,
        };
        let columns = (width / GLYPH).max(1);
        let lines = wrap(prefix, text, columns).take(MAX_ERROR_LINES);
        let banner_height = lines.clone().count() * (GLYPH + 1) + 4;
        let top = height.saturating_sub(banner_height);
        target.panel(0, top, width, banner_height, color);
        for (index, line) in lines.enumerate() {
            target.text(2, top + 2 + index * (GLYPH + 1), line, TEXT);
        }
    }
}

/// The optional `header` line, then `text` split into lines of at most
/// `columns` characters.
fn wrap<'a>(
    header: Option<&'a str>,
    text: &'a str,
    columns: usize,
) -> impl Iterator<Item = &'a str> + Clone {
    let mut rest = text;
    let mut header = header;
    std::iter::from_fn(move || {
        if let Some(header) = header.take() {
            return Some(header);
        }
        if rest.is_empty() {
            return None;
        }
        let cut = rest
            .char_indices()
            .nth(columns)
            .map_or(rest.len(), |(at, _)| at);
        let (line, tail) = rest.split_at(cut);
        rest = tail;
        Some(line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(error: Option<&str>) -> Status<'_> {
        Status {
            fps: 60.0,
            frame_time: Duration::from_millis(16),
            generation: 3,
            last_reload: None,
            error,
            notice: None,
            paused: false,
            looping: LoopMode::Off,
            building: false,
        }
    }

    fn count(pixels: &[u8], color: [u8; 3]) -> usize {
        pixels.chunks_exact(4).filter(|p| p[..3] == color).count()
    }

    #[test]
    fn long_errors_wrap_to_the_width() {
        let lines: Vec<_> = wrap(Some("E"), "abcdefghij", 4).collect();
        assert_eq!(lines, ["E", "abcd", "efgh", "ij"]);
        assert_eq!(wrap(None, "abc", 2).collect::<Vec<_>>(), ["ab", "c"]);
    }

    #[test]
    fn an_error_draws_a_red_banner_at_the_bottom() {
        let (w, h) = (320, 240);
        let mut pixels = vec![0u8; w * h * 4];
        Overlay::default().draw(&status(Some("layout changed")), &mut pixels, w, h);
        let bottom = &pixels[(h - 2) * w * 4..];
        assert!(
            bottom.chunks_exact(4).all(|p| p[0] > 100 && p[1] < 30),
            "red banner"
        );
        assert!(count(&pixels, TEXT) > 50, "text is drawn");
    }

    #[test]
    fn hidden_panel_without_error_draws_nothing() {
        let (w, h) = (64, 32);
        let mut pixels = vec![7u8; w * h * 4];
        let mut overlay = Overlay {
            visible: false,
            ..Overlay::default()
        };
        overlay.draw(&status(None), &mut pixels, w, h);
        assert!(pixels.iter().all(|b| *b == 7));
    }
}
