//! The window title, which shows the library's generation.

use std::sync::Arc;
use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;

use winit::window::Window;

/// Sets the window title on its own thread. On X11 a title change waits for
/// a reply from the X server, which took milliseconds under load and showed
/// up as a slow frame right after each reload.
pub struct TitleUpdater {
    generations: Option<Sender<u64>>,
    thread: Option<JoinHandle<()>>,
}

impl TitleUpdater {
    /// Starts the thread that retitles `window`.
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn spawn(window: Arc<Window>) -> std::io::Result<Self> {
        let (generations, received) = mpsc::channel::<u64>();
        let thread = std::thread::Builder::new()
            .name("hotloop-title".into())
            .spawn(move || {
                for generation in received {
                    window.set_title(&format!("hotloop - generation {generation}"));
                }
            })?;
        Ok(Self {
            generations: Some(generations),
            thread: Some(thread),
        })
    }

    /// Shows `generation` in the title, soon.
    pub fn show(&self, generation: u64) {
        if let Some(generations) = &self.generations {
            let _ = generations.send(generation);
        }
    }
}

impl Drop for TitleUpdater {
    /// Joins the thread, so its handle on the window is gone before the window is.
    fn drop(&mut self) {
        drop(self.generations.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
