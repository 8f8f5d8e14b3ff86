//! The window title: the game's own, and the library's generation.

use std::sync::Arc;
use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;

use winit::window::Window;

/// Sets the window title on its own thread. On X11 a title change waits for
/// a reply from the X server, which took milliseconds under load and showed
/// up as a slow frame right after each reload.
pub struct TitleUpdater {
    titles: Option<Sender<String>>,
    thread: Option<JoinHandle<()>>,
}

impl TitleUpdater {
    /// Starts the thread that retitles `window`.
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn spawn(window: Arc<Window>) -> std::io::Result<Self> {
        let (titles, received) = mpsc::channel::<String>();
        let thread = std::thread::Builder::new()
            .name("hotloop-title".into())
            .spawn(move || {
                for title in received {
                    window.set_title(&title);
                }
            })?;
        Ok(Self {
            titles: Some(titles),
            thread: Some(thread),
        })
    }

    /// Shows `title`, soon.
    pub fn show(&self, title: String) {
        if let Some(titles) = &self.titles {
            let _ = titles.send(title);
        }
    }
}

impl Drop for TitleUpdater {
    /// Joins the thread, so its handle on the window is gone before the window is.
    fn drop(&mut self) {
        drop(self.titles.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the window's title bar says: the game's title, then the generation.
pub fn full_title(title: &str, generation: u64) -> String {
    format!("{title} - hotloop generation {generation}")
}
