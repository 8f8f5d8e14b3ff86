//! The engine's side of `hotloop_abi::Assets`: the view game code gets, and
//! the two lookup callbacks it calls through. The only `unsafe` of the
//! assets, kept here in one small module.
//!
//! What makes it sound: the view borrows the store, so the store (and every
//! image's pixels) outlives it and cannot change under it; and every
//! [`LoadedImage`](super::LoadedImage) holds exactly `width * height * 4`
//! bytes (checked where it is made), which is what the ABI side reads.

use std::ffi::c_void;

use hotloop_abi::{Assets, RawImage};

use super::AssetStore;

impl AssetStore {
    /// The view game code gets in its [`Frame`](hotloop_abi::Frame).
    pub fn view(&self) -> Assets<'_> {
        // SAFETY: the callbacks below only read `self`, which the returned
        // view borrows for its whole life, and never unwind. The pixels they
        // hand out belong to `self.images`, which cannot change while `self`
        // is borrowed, and are `width * height * 4` bytes (`LoadedImage::new`).
        unsafe {
            Assets::new(
                (self as *const Self).cast::<c_void>(),
                lookup_image,
                lookup_tunable,
            )
        }
    }
}

/// Recovers the store and the name from a lookup's arguments.
///
/// # Safety
/// `context` is the `AssetStore` a view was made from, still borrowed, and
/// `name` points to `len` readable bytes.
unsafe fn lookup_args<'a>(
    context: *const c_void,
    name: *const u8,
    len: usize,
) -> Option<(&'a AssetStore, &'a str)> {
    if context.is_null() || name.is_null() {
        return None;
    }
    // SAFETY: the caller's contract.
    let (store, bytes) = unsafe {
        (
            &*context.cast::<AssetStore>(),
            std::slice::from_raw_parts(name, len),
        )
    };
    Some((store, std::str::from_utf8(bytes).ok()?))
}

/// `hotloop_abi::ImageLookup` over an [`AssetStore`].
unsafe extern "C" fn lookup_image(
    context: *const c_void,
    name: *const u8,
    len: usize,
    out: *mut RawImage,
) -> bool {
    // SAFETY: `Assets::image` passes the context of `AssetStore::view` and a
    // valid string; the view's borrow keeps the store alive.
    let Some((store, name)) = (unsafe { lookup_args(context, name, len) }) else {
        return false;
    };
    let Some(image) = store.image(name) else {
        store.note_missing(name);
        return false;
    };
    // SAFETY: `out` is a valid, exclusive RawImage for the call.
    let Some(out) = (unsafe { out.as_mut() }) else {
        return false;
    };
    *out = RawImage {
        pixels: image.pixels().as_ptr(),
        width: image.width(),
        height: image.height(),
    };
    true
}

/// `hotloop_abi::TunableLookup` over an [`AssetStore`].
unsafe extern "C" fn lookup_tunable(
    context: *const c_void,
    name: *const u8,
    len: usize,
    out: *mut f64,
) -> bool {
    // SAFETY: as in `lookup_image`.
    let Some((store, name)) = (unsafe { lookup_args(context, name, len) }) else {
        return false;
    };
    let Some(value) = store.tunable(name) else {
        return false;
    };
    // SAFETY: `out` is a valid, exclusive f64 for the call.
    match unsafe { out.as_mut() } {
        Some(out) => {
            *out = value;
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{AssetUpdate, LoadedImage, parse_tunables};
    use super::*;

    #[test]
    fn lookups_through_the_abi_view() {
        let mut store = AssetStore::default();
        let dot = LoadedImage::new(vec![1, 2, 3, 4], 1, 1).unwrap();
        store
            .apply(AssetUpdate::Image("dot.png".into(), Ok(dot)))
            .unwrap();
        store
            .apply(AssetUpdate::Tunables(parse_tunables("g = 9.5")))
            .unwrap();
        let view = store.view();
        assert_eq!(view.image("dot.png").unwrap().get(0, 0), [1, 2, 3, 4]);
        assert_eq!(view.tunable("g"), Some(9.5));
        assert_eq!(view.tunable_or("h", 1.5), 1.5);
        assert!(view.image("nope.png").is_none());
        assert_eq!(store.next_missing().as_deref(), Some("nope.png"));
        assert_eq!(store.next_missing(), None, "reported once");
    }

    #[test]
    fn game_code_sees_every_pixel_of_an_image_and_no_more() {
        let mut store = AssetStore::default();
        let pixels: Vec<u8> = (0..3 * 5 * 4).map(|n| n as u8).collect();
        let image = LoadedImage::new(pixels.clone(), 3, 5).unwrap();
        store
            .apply(AssetUpdate::Image("strip.png".into(), Ok(image)))
            .unwrap();
        let view = store.view();
        let seen = view.image("strip.png").unwrap();
        assert_eq!(seen.pixels(), pixels.as_slice());
        assert_eq!(seen.get(2, 4), [56, 57, 58, 59]);
    }
}
