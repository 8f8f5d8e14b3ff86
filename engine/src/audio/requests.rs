//! One step's sound requests: the [`Audio`] view game code plays through,
//! and the callback behind it. The only `unsafe` of the audio, kept here in
//! one small module.
//!
//! What makes it sound: the view borrows the [`StepRequests`], so the
//! requests (and the asset store they look sounds up in) outlive every call
//! through it; the callback only reads its arguments and never unwinds.

use std::cell::RefCell;
use std::ffi::c_void;

use hotloop_abi::{Audio, Play};

use crate::assets::{AssetStore, LoadedSound};

/// The most sounds one step may ask for; more are dropped and reported.
pub const MAX_REQUESTS: usize = 32;

/// A sound asked for by a step, looked up when it was asked for.
#[derive(Debug)]
pub struct Request {
    /// The sound as it was when asked for (a later reload of the file does
    /// not change a request already made).
    pub sound: LoadedSound,
    /// Volume and pan.
    pub play: Play,
}

/// The requests of one run of one step, in order. Made afresh for every
/// run, so a run that fails leaves nothing behind.
#[derive(Debug)]
pub struct StepRequests<'a> {
    assets: &'a AssetStore,
    queue: RefCell<Queue>,
}

#[derive(Debug)]
struct Queue {
    items: [Option<Request>; MAX_REQUESTS],
    len: usize,
    dropped: usize,
}

impl<'a> StepRequests<'a> {
    /// No requests yet; sounds are looked up in `assets`.
    pub fn new(assets: &'a AssetStore) -> Self {
        Self {
            assets,
            queue: RefCell::new(Queue {
                items: [const { None }; MAX_REQUESTS],
                len: 0,
                dropped: 0,
            }),
        }
    }

    /// The view game code gets in its [`Frame`](hotloop_abi::Frame).
    pub fn view(&self) -> Audio<'_> {
        // SAFETY: `queue_sound` only reads `self`, which the returned view
        // borrows for its whole life, and the name it is given for the
        // call; it never unwinds (no panicking operation in it).
        unsafe { Audio::new((self as *const Self).cast::<c_void>(), queue_sound) }
    }

    /// Takes the requests, in the order they were made, and how many were
    /// dropped for want of room.
    pub fn take(&self, mut each: impl FnMut(Request)) -> usize {
        let mut queue = self.queue.borrow_mut();
        let len = std::mem::take(&mut queue.len);
        for item in &mut queue.items[..len] {
            if let Some(request) = item.take() {
                each(request);
            }
        }
        std::mem::take(&mut queue.dropped)
    }

    fn push(&self, name: &str, play: Play) {
        let Some(sound) = self.assets.sound_or_note(name) else {
            return;
        };
        let Ok(mut queue) = self.queue.try_borrow_mut() else {
            return;
        };
        let len = queue.len;
        match queue.items.get_mut(len) {
            Some(slot) => {
                *slot = Some(Request {
                    sound: sound.clone(),
                    play,
                });
                queue.len += 1;
            }
            None => queue.dropped += 1,
        }
    }
}

/// `hotloop_abi::PlaySound` over a [`StepRequests`].
unsafe extern "C" fn queue_sound(context: *const c_void, name: *const u8, len: usize, play: Play) {
    if context.is_null() || name.is_null() {
        return;
    }
    // SAFETY: `Audio::play_with` passes the context of `StepRequests::view`,
    // still borrowed by the view, and a string valid for the call.
    let (requests, bytes) = unsafe {
        (
            &*context.cast::<StepRequests<'_>>(),
            std::slice::from_raw_parts(name, len),
        )
    };
    if let Ok(name) = std::str::from_utf8(bytes) {
        requests.push(name, play);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::AssetUpdate;

    fn store_with(names: &[&str]) -> AssetStore {
        let mut store = AssetStore::default();
        for name in names {
            let sound = LoadedSound::from_stereo(vec![0.5; 8]);
            store
                .apply(AssetUpdate::Sound((*name).into(), Ok(sound)))
                .unwrap();
        }
        store
    }

    #[test]
    fn requests_come_out_in_order_and_only_once() {
        let store = store_with(&["a.wav", "b.ogg"]);
        let requests = StepRequests::new(&store);
        let audio = requests.view();
        audio.play("b.ogg");
        audio.play_with("a.wav", Play::default().volume(0.5));
        audio.play("nope.wav");
        let mut seen = Vec::new();
        assert_eq!(requests.take(|r| seen.push(r.play.volume)), 0);
        assert_eq!(seen, [1.0, 0.5]);
        assert_eq!(requests.take(|_| panic!("taken twice")), 0);
        drop(requests);
        let mut store = store;
        assert_eq!(store.next_missing().as_deref(), Some("nope.wav"));
    }

    #[test]
    fn requests_past_the_limit_are_counted_not_kept() {
        let store = store_with(&["a.wav"]);
        let requests = StepRequests::new(&store);
        for _ in 0..MAX_REQUESTS + 3 {
            requests.view().play("a.wav");
        }
        let mut kept = 0;
        assert_eq!(requests.take(|_| kept += 1), 3);
        assert_eq!(kept, MAX_REQUESTS);
    }
}
