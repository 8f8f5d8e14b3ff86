//! Unloading old libraries and deleting their files off the frame thread.
//!
//! `dlclose` of a debug build takes about half a millisecond (the loader
//! unmaps and runs finalisers), and deleting a file is blocking I/O; neither
//! belongs between two frames. The frame thread hands retired values to this
//! thread, which drops them.

use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;

type Retired = Box<dyn Send>;

/// A thread that drops what it is given.
pub struct Retirer {
    sender: Option<Sender<Retired>>,
    thread: Option<JoinHandle<()>>,
}

impl Retirer {
    /// Starts the thread.
    ///
    /// # Errors
    /// When the thread cannot be spawned.
    pub fn spawn() -> std::io::Result<Self> {
        let (sender, retired) = mpsc::channel::<Retired>();
        let thread = std::thread::Builder::new()
            .name("hotloop-retire".into())
            .spawn(move || retired.into_iter().for_each(drop))?;
        Ok(Self {
            sender: Some(sender),
            thread: Some(thread),
        })
    }

    /// Drops `value` on the retiring thread (or here, if that thread is gone).
    pub fn retire<T: Send + 'static>(&self, value: T) {
        if let Some(sender) = &self.sender
            && let Err(mpsc::SendError(value)) = sender.send(Box::new(value))
        {
            drop(value);
        }
    }
}

impl Drop for Retirer {
    /// Waits until everything retired is dropped: libraries are unloaded
    /// before the engine removes their directory.
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
