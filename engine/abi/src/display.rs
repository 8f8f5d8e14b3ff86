//! What a game says about how it is shown: framebuffer size, fixed update
//! rate and window title (the `size`, `rate` and `title` keys of
//! [`game!`](crate::game)).

/// The framebuffer size of a game that declares none, in pixels.
pub const DEFAULT_SIZE: (u32, u32) = (320, 240);
/// The fixed update rate of a game that declares none, in steps per second.
pub const DEFAULT_RATE: u32 = 60;
/// The largest width or height the engine accepts, in pixels.
pub const MAX_SIDE: u32 = 4096;
/// The highest update rate the engine accepts, in steps per second.
pub const MAX_RATE: u32 = 1000;
/// The longest title the engine accepts, in bytes of UTF-8.
pub const MAX_TITLE: usize = 256;

/// A game's display, as its `display` entry point returns it. The engine
/// checks every value ([`MAX_SIDE`], [`MAX_RATE`], [`MAX_TITLE`], UTF-8)
/// before using any, and refuses a library that declares an unusable one.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct DisplaySpec {
    /// Framebuffer width in pixels (what [`Frame::width`](crate::Frame::width) says).
    pub width: u32,
    /// Framebuffer height in pixels.
    pub height: u32,
    /// Fixed update steps per second.
    pub rate: u32,
    /// Padding; always zero.
    pub reserved: u32,
    /// The window title's UTF-8 bytes: a `'static` string of the library,
    /// read by the engine while the library is loaded, never kept.
    pub title: *const u8,
    /// Length of `title` in bytes.
    pub title_len: usize,
}

impl DisplaySpec {
    /// A display of `width` x `height` pixels, `rate` steps per second, titled `title`.
    pub const fn new(width: u32, height: u32, rate: u32, title: &'static str) -> Self {
        Self {
            width,
            height,
            rate,
            reserved: 0,
            title: title.as_ptr(),
            title_len: title.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Part of the ABI: if this test fails, the `display` entry point changed.
    #[test]
    fn the_display_keeps_its_size() {
        assert_eq!(size_of::<DisplaySpec>(), 32);
        let spec = DisplaySpec::new(256, 224, 30, "Invaders");
        assert_eq!(
            (spec.width, spec.height, spec.rate, spec.title_len),
            (256, 224, 30, 8)
        );
    }
}
