//! A decoded image whose size is checked where it is made.
//!
//! Game code reads an image's pixels through a raw pointer and its width and
//! height (`hotloop_abi::Assets::image`), trusting that there are exactly
//! `width * height * 4` bytes. A shorter buffer would be an out-of-bounds
//! read in game code, so a [`LoadedImage`] cannot exist without that length.

/// Why pixels and a size do not make an image.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// `width * height * 4` does not fit in memory's address range.
    #[error("a {width}x{height} image is too large to address")]
    TooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The buffer is not `width * height * 4` bytes long.
    #[error("a {width}x{height} RGBA8 image is {expected} bytes, but {len} were given")]
    WrongLength {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// `width * height * 4`.
        expected: usize,
        /// The length given.
        len: usize,
    },
}

/// A decoded RGBA8 image: `pixels().len() == width() * height() * 4`, always.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedImage {
    pixels: Vec<u8>,
    width: u32,
    height: u32,
}

impl LoadedImage {
    /// RGBA8 `pixels`, row-major, as a `width` by `height` image.
    ///
    /// # Errors
    /// When `pixels` is not exactly `width * height * 4` bytes.
    pub fn new(pixels: Vec<u8>, width: u32, height: u32) -> Result<Self, ImageError> {
        let expected = (width as usize)
            .checked_mul(height as usize)
            .and_then(|n| n.checked_mul(4))
            .filter(|n| isize::try_from(*n).is_ok())
            .ok_or(ImageError::TooLarge { width, height })?;
        if pixels.len() != expected {
            return Err(ImageError::WrongLength {
                width,
                height,
                expected,
                len: pixels.len(),
            });
        }
        Ok(Self {
            pixels,
            width,
            height,
        })
    }

    /// RGBA8, row-major, `width * height * 4` bytes.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_pixel_buffer_is_refused() {
        let error = LoadedImage::new(vec![0; 4], 2, 2).unwrap_err();
        assert_eq!(
            error,
            ImageError::WrongLength {
                width: 2,
                height: 2,
                expected: 16,
                len: 4
            }
        );
        assert_eq!(
            error.to_string(),
            "a 2x2 RGBA8 image is 16 bytes, but 4 were given"
        );
        assert!(
            LoadedImage::new(vec![0; 17], 2, 2).is_err(),
            "nor a long one"
        );
        assert!(LoadedImage::new(Vec::new(), 1, 0).is_ok(), "empty is empty");
    }

    #[test]
    fn a_size_past_the_address_range_is_refused() {
        assert_eq!(
            LoadedImage::new(Vec::new(), u32::MAX, u32::MAX),
            Err(ImageError::TooLarge {
                width: u32::MAX,
                height: u32::MAX
            })
        );
    }

    #[test]
    fn a_right_sized_buffer_makes_an_image() {
        let image = LoadedImage::new((0..16).collect(), 2, 2).unwrap();
        assert_eq!((image.width(), image.height()), (2, 2));
        assert_eq!(image.pixels()[12..], [12, 13, 14, 15]);
    }
}
