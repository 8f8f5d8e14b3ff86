//! The engine's status overlay, drawn over the game's image: fps, frame time,
//! library generation, time since the last reload, and the last reload error
//! as a red banner that stays until the next good reload.

use std::time::{Duration, Instant};

use crate::frontend::text::{GLYPH, Target};
use crate::runtime::Engine;
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
    /// Something to know that is not an error, in amber: shown above the
    /// error banner (give only a note newer than the error, see
    /// [`Engine::fresh_notice`](crate::Engine::fresh_notice)).
    pub notice: Option<&'a str>,
    /// Whether game logic is paused after a panic.
    pub paused: bool,
    /// Recording or looping input.
    pub looping: LoopMode,
    /// The dev loop is building the game code.
    pub building: bool,
}

impl<'a> Status<'a> {
    /// What `engine` has to say, with the window's own measurements: the
    /// newest problem, and a note only when it is newer than that problem.
    pub fn of(
        engine: &'a Engine,
        frame_time: Duration,
        generation: u64,
        last_reload: Option<Instant>,
    ) -> Self {
        Self {
            fps: 1.0 / frame_time.as_secs_f32().max(1e-6),
            frame_time,
            generation,
            last_reload,
            error: engine.current_error(),
            notice: engine.fresh_notice(),
            looping: engine.loop_mode(),
            paused: engine.is_paused(),
            building: engine.is_building(),
        }
    }
}

/// Draws the overlay into an RGBA8 framebuffer: the status line at the top,
/// the newest problem as a red banner at the bottom, and a note (amber)
/// above it, or at the bottom when nothing is wrong.
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
    /// Draws `status` on `target` (the window's overlay layer).
    pub fn draw(&mut self, status: &Status<'_>, target: &mut Target<'_>) {
        let (width, height) = (target.width(), target.height());
        if self.visible {
            self.line.clear();
            status_line(status, &mut self.line);
            target.panel(0, 0, width, GLYPH + 4, PANEL);
            target.text(2, 2, &self.line, TEXT);
        }
        let columns = (width / GLYPH).max(1);
        let mut bottom = height;
        if let Some(error) = status.error {
            // Error texts say what failed ("build failed: …", "… is not a loadable library: …").
            let header = status.paused.then_some("GAME LOGIC PAUSED");
            bottom = banner(target, bottom, wrap(header, error, columns), BANNER);
        }
        if let Some(notice) = status.notice {
            banner(target, bottom, wrap(Some("NOTE"), notice, columns), NOTICE);
        }
    }
}

/// Draws `lines` as a banner whose bottom edge is at `bottom`; returns its top.
fn banner<'a>(
    target: &mut Target<'_>,
    bottom: usize,
    lines: impl Iterator<Item = &'a str> + Clone,
    color: [u8; 4],
) -> usize {
    let lines = lines.take(MAX_ERROR_LINES);
    let height = lines.clone().count() * (GLYPH + 1) + 4;
    let top = bottom.saturating_sub(height);
    target.panel(0, top, target.width(), height, color);
    for (index, line) in lines.enumerate() {
        target.text(2, top + 2 + index * (GLYPH + 1), line, TEXT);
    }
    top
}

/// The status line, most important first, since a narrow window cuts its
/// end: the loop's state, the generation, a build or the last reload, then
/// frame rate and time.
pub fn status_line(status: &Status<'_>, line: &mut String) {
    use std::fmt::Write;
    match status.looping {
        LoopMode::Off => {}
        LoopMode::Recording { steps } => {
            let _ = write!(line, "REC {steps}  ");
        }
        LoopMode::Playing { at, of } => {
            let _ = write!(line, "LOOP {at}/{of}  ");
        }
    }
    let _ = write!(line, "gen {}", status.generation);
    match status.last_reload {
        _ if status.building => line.push_str("  building..."),
        Some(at) => {
            let _ = write!(line, "  reload {:.0}s ago", at.elapsed().as_secs_f32());
        }
        None => {}
    }
    let _ = write!(
        line,
        "  {:.0} fps {:.1} ms",
        status.fps,
        status.frame_time.as_secs_f32() * 1000.0
    );
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
        Overlay::default().draw(
            &status(Some("layout changed")),
            &mut Target::new(&mut pixels, w, h),
        );
        let bottom = &pixels[(h - 2) * w * 4..];
        assert!(
            bottom.chunks_exact(4).all(|p| p[0] > 100 && p[1] < 30),
            "red banner"
        );
        assert!(count(&pixels, TEXT) > 50, "text is drawn");
    }

    #[test]
    fn the_loop_marker_and_generation_lead_the_status_line() {
        let mut line = String::new();
        let looping = Status {
            looping: LoopMode::Playing { at: 12, of: 180 },
            last_reload: Some(Instant::now()),
            frame_time: Duration::from_millis(23),
            fps: 43.0,
            ..status(None)
        };
        status_line(&looping, &mut line);
        assert!(
            line.starts_with("LOOP 12/180  gen 3  reload 0s ago"),
            "{line}"
        );
        assert!(
            line.chars().count() > 40,
            "the test means something: {line}"
        );
        line.clear();
        status_line(
            &Status {
                looping: LoopMode::Recording { steps: 7 },
                ..status(None)
            },
            &mut line,
        );
        assert!(line.starts_with("REC 7  gen 3"), "{line}");
    }

    #[test]
    fn a_note_newer_than_the_error_shows_above_its_banner() {
        let (w, h) = (320, 240);
        let mut pixels = vec![0u8; w * h * 4];
        let both = Status {
            notice: Some("state saved to .hotloop/snapshots/quicksave.hlstate"),
            ..status(Some("update panicked"))
        };
        Overlay::default().draw(&both, &mut Target::new(&mut pixels, w, h));
        let left = |y: usize| {
            [
                pixels[y * w * 4],
                pixels[y * w * 4 + 1],
                pixels[y * w * 4 + 2],
            ]
        };
        let red = (0..h)
            .filter(|&y| left(y)[0] > 100 && left(y)[1] < 30)
            .max();
        let amber = (0..h)
            .filter(|&y| left(y)[0] > 100 && left(y)[1] > 60)
            .max();
        let (red, amber) = (red.expect("a red banner"), amber.expect("an amber note"));
        assert!(
            red == h - 1 && amber < red,
            "red {red} at the bottom, amber {amber} above"
        );
    }

    #[test]
    fn hidden_panel_without_error_draws_nothing() {
        let (w, h) = (64, 32);
        let mut pixels = vec![7u8; w * h * 4];
        let mut overlay = Overlay {
            visible: false,
            ..Overlay::default()
        };
        overlay.draw(&status(None), &mut Target::new(&mut pixels, w, h));
        assert!(pixels.iter().all(|b| *b == 7));
    }
}
