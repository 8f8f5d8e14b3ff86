//! Where the framebuffer goes in a window of any size.

/// Where the framebuffer is drawn in the window, in window pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

/// Fits a `frame` (width, height) into a `window`: scaled by the largest
/// whole number that fits (crisp pixels), or, in a window smaller than the
/// frame, scaled down to fit; whole pixels, at least one; centred. `None`
/// when the window has no area (minimised): there is nothing to draw.
pub fn fit(frame: (u32, u32), window: (u32, u32)) -> Option<Viewport> {
    if window.0 == 0 || window.1 == 0 || frame.0 == 0 || frame.1 == 0 {
        return None;
    }
    let (fw, fh) = (f64::from(frame.0), f64::from(frame.1));
    let (ww, wh) = (f64::from(window.0), f64::from(window.1));
    let scale = (ww / fw).min(wh / fh);
    let scale = if scale >= 1.0 { scale.floor() } else { scale };
    let width = (fw * scale).round().clamp(1.0, ww);
    let height = (fh * scale).round().clamp(1.0, wh);
    Some(Viewport {
        x: ((ww - width) / 2.0).floor() as f32,
        y: ((wh - height) / 2.0).floor() as f32,
        width: width as f32,
        height: height as f32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: (u32, u32) = (320, 240);

    fn view(x: f32, y: f32, width: f32, height: f32) -> Option<Viewport> {
        Some(Viewport {
            x,
            y,
            width,
            height,
        })
    }

    #[test]
    fn larger_windows_scale_by_whole_numbers_centred() {
        assert_eq!(fit(FRAME, (960, 720)), view(0.0, 0.0, 960.0, 720.0));
        assert_eq!(fit(FRAME, (1000, 720)), view(20.0, 0.0, 960.0, 720.0));
        assert_eq!(fit(FRAME, (700, 500)), view(30.0, 10.0, 640.0, 480.0));
        assert_eq!(fit(FRAME, (320, 240)), view(0.0, 0.0, 320.0, 240.0));
    }

    #[test]
    fn smaller_windows_show_the_whole_picture_scaled_down() {
        assert_eq!(fit(FRAME, (200, 150)), view(0.0, 0.0, 200.0, 150.0));
        assert_eq!(fit(FRAME, (100, 100)), view(0.0, 12.0, 100.0, 75.0));
        assert_eq!(fit(FRAME, (319, 240)), view(0.0, 0.0, 319.0, 239.0));
        assert_eq!(fit(FRAME, (1, 1)), view(0.0, 0.0, 1.0, 1.0));
        assert_eq!(fit(FRAME, (1, 500)), view(0.0, 249.0, 1.0, 1.0));
    }

    #[test]
    fn a_window_without_area_shows_nothing() {
        assert_eq!(fit(FRAME, (0, 0)), None);
        assert_eq!(fit(FRAME, (640, 0)), None);
        assert_eq!(fit(FRAME, (0, 480)), None);
    }
}
