//! Unloading old libraries and deleting their files off the frame thread.
//!
//! `dlclose` of a debug build takes up to half a millisecond (the loader
//! unmaps and runs finalisers), and deleting a file is blocking I/O; neither
//! belongs between two frames. The frame thread hands retired values to this
//! thread, which drops them. Loading waits until earlier retirements are done
//! ([`Retirer::wait_idle`]), so that no more than two game libraries are ever
//! mapped: the running one and the one being prepared.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

type Retired = Box<dyn Send>;

/// How often the retiring thread looks for work by itself. Retiring never
/// wakes it: on a machine with few cores, a woken thread can preempt the
/// frame thread right in the middle of a switch.
const POLL: Duration = Duration::from_millis(20);

#[derive(Default)]
struct Queue {
    /// Retired values not picked up yet.
    waiting: Vec<Retired>,
    /// Values picked up or waiting, not dropped yet.
    pending: usize,
    /// Someone waits for the queue to drain: work now.
    hurry: bool,
    stop: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A thread that drops what it is given.
pub struct Retirer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Retirer {
    /// Starts the thread.
    ///
    /// # Errors
    /// When the thread cannot be spawned.
    pub fn spawn() -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        shared.lock().waiting.reserve(16);
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("hotloop-retire".into())
            .spawn(move || drop_retired(&worker))?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// Drops `value` on the retiring thread, soon. Cheap: a short lock, no wake-up.
    pub fn retire<T: Send + 'static>(&self, value: T) {
        let mut queue = self.shared.lock();
        if queue.stop {
            drop(queue);
            drop(value);
            return;
        }
        queue.waiting.push(Box::new(value));
        queue.pending += 1;
    }

    /// Waits (up to `limit`) until everything retired so far is dropped.
    /// Returns whether it was.
    pub fn wait_idle(&self, limit: Duration) -> bool {
        let mut queue = self.shared.lock();
        if queue.pending == 0 {
            return true;
        }
        queue.hurry = true;
        self.shared.changed.notify_all();
        let (queue, _) = self
            .shared
            .changed
            .wait_timeout_while(queue, limit, |queue| queue.pending > 0)
            .unwrap_or_else(|e| e.into_inner());
        queue.pending == 0
    }

    /// Drops everything retired so far and stops the thread.
    pub fn finish(&mut self) {
        self.shared.lock().stop = true;
        self.shared.changed.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Retirer {
    fn drop(&mut self) {
        self.finish();
    }
}

fn drop_retired(shared: &Shared) {
    loop {
        let mut queue = shared.lock();
        if queue.waiting.is_empty() && !queue.stop && !queue.hurry {
            queue = shared
                .changed
                .wait_timeout(queue, POLL)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let batch = std::mem::take(&mut queue.waiting);
        let stop = queue.stop;
        queue.hurry = false;
        drop(queue);
        let dropped = batch.len();
        drop(batch);
        let mut queue = shared.lock();
        queue.pending -= dropped;
        if queue.waiting.capacity() == 0 {
            queue.waiting.reserve(16);
        }
        shared.changed.notify_all();
        if stop && queue.waiting.is_empty() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Slow(Arc<AtomicUsize>);

    impl Drop for Slow {
        fn drop(&mut self) {
            std::thread::sleep(Duration::from_millis(20));
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn wait_idle_returns_once_everything_is_dropped() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let retirer = Retirer::spawn().unwrap();
        for _ in 0..3 {
            retirer.retire(Slow(dropped.clone()));
        }
        assert!(retirer.wait_idle(Duration::from_secs(5)));
        assert_eq!(dropped.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn finishing_drops_what_is_left() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let mut retirer = Retirer::spawn().unwrap();
        retirer.retire(Slow(dropped.clone()));
        retirer.finish();
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
    }
}
