//! The X display under a test: whether there is one, the engine's window
//! on it, and screenshots of that window.

use std::process::Command;

use crate::process::descends_from;

/// Whether a window test can run here. Without a display it is skipped with a
/// visible note, unless `HOTLOOP_REQUIRE_DISPLAY` is set (CI sets it), in which
/// case it fails.
pub fn display_available() -> bool {
    let display = std::env::var("DISPLAY").unwrap_or_default();
    let reason = if display.is_empty() {
        "DISPLAY is not set".to_owned()
    } else {
        match Command::new("xwininfo").arg("-root").output() {
            Ok(out) if out.status.success() => return true,
            Ok(out) => format!(
                "cannot open display {display}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(error) => format!("cannot run xwininfo ({error}); install x11-utils"),
        }
    };
    if std::env::var_os("HOTLOOP_REQUIRE_DISPLAY").is_some() {
        panic!(
            "window tests are required here (HOTLOOP_REQUIRE_DISPLAY) but {reason}; run them under `xvfb-run -a`"
        );
    }
    eprintln!(
        "SKIPPED window test: {reason} (run under `xvfb-run -a`, or set HOTLOOP_REQUIRE_DISPLAY to make this a failure)"
    );
    false
}

/// A window on the X display, found by the PID of the process that owns it.
#[derive(Clone, Copy, Debug)]
pub struct XWindow {
    /// The X window id.
    pub id: u64,
}

impl XWindow {
    /// Waits up to `timeout` for a top-level window of process `pid` or of a
    /// process it started (the supervised engine process).
    pub fn of_process(pid: u32, timeout: std::time::Duration) -> Option<Self> {
        // The title is the game's, then " - hotloop generation N".
        Self::of_process_where(pid, timeout, |line| {
            line.contains("\"hotloop") || line.contains(" - hotloop generation ")
        })
    }

    /// As [`XWindow::of_process`], for a window titled exactly `title` (a
    /// shipped game's).
    pub fn of_process_titled(pid: u32, title: &str, timeout: std::time::Duration) -> Option<Self> {
        let quoted = format!("\"{title}\"");
        Self::of_process_where(pid, timeout, |line| line.contains(&quoted))
    }

    /// A window of `pid` (or a descendant) whose `xwininfo -tree` line
    /// satisfies `named`.
    fn of_process_where(
        pid: u32,
        timeout: std::time::Duration,
        named: impl Fn(&str) -> bool,
    ) -> Option<Self> {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            let tree = Command::new("xwininfo")
                .args(["-root", "-tree"])
                .output()
                .ok()?;
            for line in String::from_utf8_lossy(&tree.stdout).lines() {
                let Some(id) = line
                    .split_whitespace()
                    .next()
                    .and_then(|w| w.strip_prefix("0x"))
                else {
                    continue;
                };
                let Ok(id) = u64::from_str_radix(id, 16) else {
                    continue;
                };
                let window = Self { id };
                if named(line) && window.pid().is_some_and(|owner| descends_from(owner, pid)) {
                    return Some(window);
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        None
    }

    fn pid(&self) -> Option<u32> {
        let out = Command::new("xprop")
            .args(["-id", &self.id.to_string(), "_NET_WM_PID"])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .split('=')
            .nth(1)?
            .trim()
            .parse()
            .ok()
    }

    /// The window's title.
    pub fn title(&self) -> String {
        let out = Command::new("xprop")
            .args(["-id", &self.id.to_string(), "WM_NAME"])
            .output()
            .expect("run xprop");
        let text = String::from_utf8_lossy(&out.stdout);
        text.split('"').nth(1).unwrap_or_default().to_owned()
    }

    /// Where the window is and its size: `(x, y, width, height)`.
    pub fn geometry(&self) -> (i64, i64, i64, i64) {
        let field = self.info();
        (
            field("Absolute upper-left X:"),
            field("Absolute upper-left Y:"),
            field("Width:"),
            field("Height:"),
        )
    }

    /// `xwininfo`'s numbers about the window, by label.
    fn info(&self) -> impl Fn(&str) -> i64 {
        let out = Command::new("xwininfo")
            .args(["-id", &self.id.to_string()])
            .output()
            .expect("run xwininfo");
        let info = String::from_utf8_lossy(&out.stdout).into_owned();
        move |name: &str| -> i64 {
            info.lines()
                .find_map(|l| l.trim().strip_prefix(name))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("xwininfo has no {name}: {info}"))
        }
    }

    /// What the X server displays in the window, as RGB pixels.
    pub fn screenshot(&self) -> Screenshot {
        let field = self.info();
        let size = |name: &str| usize::try_from(field(name)).expect("a size");
        let (width, height) = (size("Width:"), size("Height:"));
        let out = Command::new("import")
            .args(["-window", &self.id.to_string(), "-depth", "8", "rgb:-"])
            .output()
            .expect("run import (imagemagick)");
        assert!(
            out.status.success(),
            "import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout.len(), width * height * 3, "screenshot size");
        Screenshot {
            rgb: out.stdout,
            width,
            height,
        }
    }
}

/// RGB pixels read back from the X server.
#[derive(Debug)]
pub struct Screenshot {
    /// Row-major RGB bytes.
    pub rgb: Vec<u8>,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
}

impl Screenshot {
    /// The fraction of pixels (0..1) in the top `rows` rows for which `matches` holds.
    pub fn fraction_in_top(&self, rows: usize, matches: impl Fn([u8; 3]) -> bool) -> f64 {
        let rows = rows.min(self.height);
        let hits = self.rgb[..rows * self.width * 3]
            .chunks_exact(3)
            .filter(|p| matches([p[0], p[1], p[2]]))
            .count();
        hits as f64 / (rows * self.width).max(1) as f64
    }

    /// The fraction of pixels (0..1) for which `matches` holds.
    pub fn fraction(&self, matches: impl Fn([u8; 3]) -> bool) -> f64 {
        let hits = self
            .rgb
            .chunks_exact(3)
            .filter(|p| matches([p[0], p[1], p[2]]))
            .count();
        hits as f64 / (self.width * self.height) as f64
    }
}
