//! `f32` functions that give the same bits on every platform, for game
//! logic whose recordings and crash reports must replay exactly wherever
//! the game runs.
//!
//! `f32::sin`, `powf` and the other transcendental functions of `std` call
//! the platform's C library, and those differ in the last bit: glibc's
//! `sinf` and Windows' do not agree on every input. A recording made under
//! `cargo dev` on Linux then drifts apart when the same game, built for
//! Windows, replays it. These are the `libm` crate's (a port of musl's),
//! compiled into the game: the same code, so the same bits, everywhere.
//! glam is built with its `libm` feature for the same reason
//! (`Vec2::from_angle`, rotations).
//!
//! `+`, `-`, `*`, `/`, `sqrt`, `abs`, `floor`, `min`, `clamp` and `mul_add`
//! are exact by IEEE 754 on every platform: keep `std`'s.
//!
//! ```
//! use hotloop_abi::math;
//! let drag = 0.2_f32;
//! let per_step = math::powf(drag, 1.0 / 60.0);
//! assert!(per_step > 0.97 && per_step < 0.98);
//! ```

macro_rules! portable {
    ($($(#[$doc:meta])* $name:ident($($arg:ident),+) => $libm:ident;)*) => {$(
        $(#[$doc])*
        #[inline]
        #[must_use]
        pub fn $name($($arg: f32),+) -> f32 {
            libm::$libm($($arg),+)
        }
    )*};
}

portable! {
    /// The sine of `x` (radians).
    sin(x) => sinf;
    /// The cosine of `x` (radians).
    cos(x) => cosf;
    /// The tangent of `x` (radians).
    tan(x) => tanf;
    /// The arcsine of `x`, in radians.
    asin(x) => asinf;
    /// The arccosine of `x`, in radians.
    acos(x) => acosf;
    /// The arctangent of `x`, in radians.
    atan(x) => atanf;
    /// The angle of the point (`x`, `y`), in radians from -π to π.
    atan2(y, x) => atan2f;
    /// e to the power `x`.
    exp(x) => expf;
    /// 2 to the power `x`.
    exp2(x) => exp2f;
    /// The natural logarithm of `x`.
    ln(x) => logf;
    /// The base-2 logarithm of `x`.
    log2(x) => log2f;
    /// The base-10 logarithm of `x`.
    log10(x) => log10f;
    /// `x` to the power `y`.
    powf(x, y) => powf;
    /// The cube root of `x`.
    cbrt(x) => cbrtf;
    /// The length of the hypotenuse of a right triangle with sides `x` and `y`.
    hypot(x, y) => hypotf;
    /// The hyperbolic sine of `x`.
    sinh(x) => sinhf;
    /// The hyperbolic cosine of `x`.
    cosh(x) => coshf;
    /// The hyperbolic tangent of `x`.
    tanh(x) => tanhf;
}

/// The sine and cosine of `x` (radians).
#[inline]
#[must_use]
pub fn sin_cos(x: f32) -> (f32, f32) {
    libm::sincosf(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn they_are_the_functions_they_are_named_after() {
        let close = |a: f32, b: f32| (a - b).abs() <= 1e-6 * b.abs().max(1.0);
        for x in [-3.0_f32, -0.5, 0.0, 0.25, 1.0, 2.5, 10.0] {
            assert!(close(sin(x), x.sin()) && close(cos(x), x.cos()) && close(tan(x), x.tan()));
            assert_eq!(sin_cos(x), (sin(x), cos(x)));
            assert!(
                close(atan(x), x.atan()) && close(sinh(x), x.sinh()) && close(tanh(x), x.tanh())
            );
            assert!(close(cosh(x), x.cosh()) && close(exp(x), x.exp()) && close(exp2(x), x.exp2()));
            assert!(close(cbrt(x), x.cbrt()) && close(atan2(x, 2.0), x.atan2(2.0)));
            assert!(close(hypot(x, 3.0), x.hypot(3.0)));
        }
        for x in [0.1_f32, 0.5, 1.0, 3.0, 100.0] {
            assert!(close(ln(x), x.ln()) && close(log2(x), x.log2()) && close(log10(x), x.log10()));
            assert!(close(powf(x, 0.75), x.powf(0.75)));
        }
        for x in [-1.0_f32, -0.3, 0.0, 0.7, 1.0] {
            assert!(close(asin(x), x.asin()) && close(acos(x), x.acos()));
        }
    }

    #[test]
    fn glam_uses_the_same_functions() {
        for angle in [0.1_f32, 1.0, 2.0, 4.0, 6.0] {
            let (sin, cos) = sin_cos(angle);
            assert_eq!(glam::Vec2::from_angle(angle), glam::Vec2::new(cos, sin));
        }
    }
}
