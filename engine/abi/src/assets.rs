//! Read-only access to the engine's assets (images, tunables) during a call.
//!
//! The engine loads and hot-reloads the files under `assets/`; game code looks
//! them up by name and never opens files itself. The views borrow the frame,
//! so they cannot be kept past the call that received them.

use std::ffi::c_void;
use std::marker::PhantomData;

/// An image as it crosses the boundary: RGBA8, row-major, `width * height * 4` bytes.
#[repr(C)]
#[derive(Debug)]
pub struct RawImage {
    /// First byte of the pixels, owned by the engine.
    pub pixels: *const u8,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// `image(context, name, name_len, out)`: fills `out` and returns true if the
/// engine has an image of that name.
pub type ImageLookup = unsafe extern "C" fn(*const c_void, *const u8, usize, *mut RawImage) -> bool;
/// `tunable(context, name, name_len, out)`: fills `out` and returns true if the
/// tunables file has a number of that name.
pub type TunableLookup = unsafe extern "C" fn(*const c_void, *const u8, usize, *mut f64) -> bool;

/// The engine's assets, valid for one call into game code.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Assets<'a> {
    context: *const c_void,
    image: Option<ImageLookup>,
    tunable: Option<TunableLookup>,
    _call: PhantomData<&'a ()>,
}

impl Default for Assets<'_> {
    /// No assets: every lookup finds nothing.
    fn default() -> Self {
        Self {
            context: std::ptr::null(),
            image: None,
            tunable: None,
            _call: PhantomData,
        }
    }
}

impl std::fmt::Debug for Assets<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assets")
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

impl<'a> Assets<'a> {
    /// Built by the engine around its asset store.
    ///
    /// # Safety
    /// For all of `'a`, `image` and `tunable` must be safe to call with
    /// `context` and any name, and the pixels they hand out must be
    /// `width * height * 4` readable bytes that stay valid and unchanged.
    pub unsafe fn new(context: *const c_void, image: ImageLookup, tunable: TunableLookup) -> Self {
        Self {
            context,
            image: Some(image),
            tunable: Some(tunable),
            _call: PhantomData,
        }
    }

    /// The image loaded from `assets/<name>` (e.g. `"sprite.png"`), if there is one.
    pub fn image(&self, name: &str) -> Option<Image<'a>> {
        let lookup = self.image?;
        let mut raw = RawImage {
            pixels: std::ptr::null(),
            width: 0,
            height: 0,
        };
        // SAFETY: `new`'s contract makes the call safe for `'a`; `name` is a
        // valid string for the call and `raw` a valid out-parameter.
        let found = unsafe { lookup(self.context, name.as_ptr(), name.len(), &mut raw) };
        if !found || raw.pixels.is_null() {
            return None;
        }
        // A size whose byte count overflows cannot be backed by real pixels.
        let len = (raw.width as usize)
            .checked_mul(raw.height as usize)?
            .checked_mul(4)?;
        // SAFETY: `new`'s contract: the engine's pixels stay valid and
        // unchanged for `'a`, and an image is `width * height * 4` bytes.
        let pixels = unsafe { std::slice::from_raw_parts(raw.pixels, len) };
        Some(Image {
            pixels,
            width: raw.width,
            height: raw.height,
        })
    }

    /// The number called `name` in `assets/tunables.toml` (nested tables
    /// join with dots: `player.speed`), if there is one.
    pub fn tunable(&self, name: &str) -> Option<f64> {
        let lookup = self.tunable?;
        let mut value = 0.0;
        // SAFETY: as in `image`.
        let found = unsafe { lookup(self.context, name.as_ptr(), name.len(), &mut value) };
        found.then_some(value)
    }

    /// The tunable `name` as an `f32`, or `default` when the file lacks it.
    pub fn tunable_or(&self, name: &str, default: f32) -> f32 {
        self.tunable(name).map_or(default, |value| value as f32)
    }
}

/// A read-only RGBA8 image.
#[derive(Clone, Copy, Debug)]
pub struct Image<'a> {
    pixels: &'a [u8],
    width: u32,
    height: u32,
}

impl<'a> Image<'a> {
    /// Wraps RGBA8 pixels.
    ///
    /// # Panics
    /// When `pixels.len()` is not `width * height * 4`.
    pub fn new(pixels: &'a [u8], width: u32, height: u32) -> Self {
        let len = (width as usize)
            .checked_mul(height as usize)
            .and_then(|n| n.checked_mul(4));
        assert_eq!(Some(pixels.len()), len, "image size");
        Self {
            pixels,
            width,
            height,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The size as a vector.
    pub fn size(&self) -> glam::Vec2 {
        glam::Vec2::new(self.width as f32, self.height as f32)
    }

    /// The RGBA8 bytes, row-major.
    pub fn pixels(&self) -> &'a [u8] {
        self.pixels
    }

    /// The pixel at (`x`, `y`).
    ///
    /// # Panics
    /// When the coordinates are outside the image.
    pub fn get(&self, x: u32, y: u32) -> [u8; 4] {
        assert!(x < self.width && y < self.height, "pixel outside the image");
        let at = (y as usize * self.width as usize + x as usize) * 4;
        self.pixels[at..at + 4].try_into().expect("4 bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lookup that claims an image whose byte count overflows `usize`.
    unsafe extern "C" fn huge(
        _: *const c_void,
        _: *const u8,
        _: usize,
        out: *mut RawImage,
    ) -> bool {
        static ONE_PIXEL: [u8; 4] = [0; 4];
        // SAFETY: `Assets::image` passes a valid, exclusive out-parameter.
        unsafe {
            *out = RawImage {
                pixels: ONE_PIXEL.as_ptr(),
                width: u32::MAX,
                height: u32::MAX,
            };
        }
        true
    }

    unsafe extern "C" fn no_tunable(_: *const c_void, _: *const u8, _: usize, _: *mut f64) -> bool {
        false
    }

    #[test]
    fn an_image_size_that_overflows_is_no_image() {
        // SAFETY: the lookups are safe to call with any arguments. `huge`
        // breaks the size promise on purpose: `image` must refuse a size
        // whose byte count overflows before it makes a slice, so no byte
        // past `ONE_PIXEL` is read.
        let assets = unsafe { Assets::new(std::ptr::null(), huge, no_tunable) };
        assert!(assets.image("huge.png").is_none());
    }

    #[test]
    #[should_panic(expected = "image size")]
    fn wrapping_pixels_of_the_wrong_size_panics() {
        let _ = Image::new(&[0; 4], 2, 2);
    }
}
