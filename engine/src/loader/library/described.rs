//! What a library says about itself beyond its entry points: its state's
//! field table, its systems' names and its display, each read with a length
//! check first so that a hostile library cannot make the engine allocate much.

use std::sync::Arc;

use hotloop_abi::{DisplaySpec, MAX_RATE, MAX_SIDE, MAX_TITLE, StateLayout, symbols};
use serde::{Deserialize, Serialize};

use crate::state::fields::FieldTable;

/// How a game is shown: what its `display` entry point declared, checked,
/// or the engine's defaults for a library without one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GameDisplay {
    /// Framebuffer width and height in pixels, each 1 to [`MAX_SIDE`].
    pub size: (u32, u32),
    /// Fixed update steps per second, 1 to [`MAX_RATE`].
    pub rate: u32,
    /// The window title.
    pub title: String,
}

/// Checks what a library's `display` returned, reading its title (at most
/// [`MAX_TITLE`] bytes of UTF-8) with `read_title(pointer, len)`; the
/// reason names the value that is refused.
pub(super) fn check_display(
    spec: DisplaySpec,
    read_title: impl FnOnce(*const u8, usize) -> Vec<u8>,
) -> Result<GameDisplay, String> {
    let (width, height) = (spec.width, spec.height);
    if !(1..=MAX_SIDE).contains(&width) || !(1..=MAX_SIDE).contains(&height) {
        return Err(format!(
            "size {width}x{height}: width and height must each be 1 to {MAX_SIDE} pixels"
        ));
    }
    if !(1..=MAX_RATE).contains(&spec.rate) {
        return Err(format!(
            "rate {}: the update rate must be 1 to {MAX_RATE} steps per second",
            spec.rate
        ));
    }
    if spec.title_len > MAX_TITLE {
        return Err(format!(
            "title of {} bytes: at most {MAX_TITLE} bytes",
            spec.title_len
        ));
    }
    if spec.title.is_null() && spec.title_len > 0 {
        return Err("title: a null pointer".into());
    }
    let title = match spec.title_len {
        0 => Vec::new(),
        len => read_title(spec.title, len),
    };
    let title = String::from_utf8(title).map_err(|_| "title: not UTF-8".to_owned())?;
    Ok(GameDisplay {
        size: (width, height),
        rate: spec.rate,
        title,
    })
}

/// Largest field table accepted, in bytes.
const MAX_FIELD_TABLE: usize = 1 << 20;

/// Asks the library for its field table and checks it against `layout`.
pub(super) fn read_fields(
    state_fields: symbols::StateFieldsFn,
    layout: StateLayout,
) -> Result<Arc<FieldTable>, String> {
    // SAFETY: a null buffer with capacity 0 asks only for the length.
    let len = unsafe { state_fields(std::ptr::null_mut(), 0) };
    if len > MAX_FIELD_TABLE {
        return Err(format!(
            "{len} bytes is more than the {MAX_FIELD_TABLE} accepted"
        ));
    }
    let mut bytes = vec![0; len];
    // SAFETY: `bytes` is `len` writable bytes, exclusively ours for the call.
    let written = unsafe { state_fields(bytes.as_mut_ptr(), len) };
    if written != len {
        return Err(format!("it reported {len} bytes, then {written}"));
    }
    FieldTable::decode(bytes, layout).map(Arc::new)
}

/// Asks the library for its systems' names (at most 256, each at most 200
/// bytes, so a hostile library cannot make the engine allocate much).
pub(super) fn read_system_names(system_names: symbols::SystemNamesFn) -> Vec<String> {
    const MAX: usize = 64 << 10;
    // SAFETY: a null buffer with capacity 0 asks only for the length.
    let len = unsafe { system_names(std::ptr::null_mut(), 0) };
    if len > MAX {
        return Vec::new();
    }
    let mut bytes = vec![0; len];
    // SAFETY: `bytes` is `len` writable bytes, exclusively ours for the call.
    if unsafe { system_names(bytes.as_mut_ptr(), len) } != len {
        return Vec::new();
    }
    String::from_utf8_lossy(&bytes)
        .lines()
        .take(256)
        .map(|name| {
            name.chars()
                .filter(|c| !c.is_whitespace())
                .take(200)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Stand-ins for a library's exports, each lying in its own way.
    unsafe extern "C" fn huge(_out: *mut u8, _capacity: usize) -> usize {
        usize::MAX
    }

    static CALLS: AtomicUsize = AtomicUsize::new(0);

    /// Says 8 bytes, then writes 4.
    unsafe extern "C" fn changing(_out: *mut u8, _capacity: usize) -> usize {
        if CALLS.fetch_add(1, Ordering::Relaxed) == 0 {
            8
        } else {
            4
        }
    }

    /// An empty table (no fields), honestly.
    unsafe extern "C" fn empty(out: *mut u8, capacity: usize) -> usize {
        if capacity >= 4 {
            // SAFETY: the engine's contract: `capacity` writable bytes at `out`.
            unsafe { std::ptr::write_bytes(out, 0, 4) };
        }
        4
    }

    const NAMES: &[u8] = b"systems::moving\n  spaced  name \n\xffbad\n";

    unsafe extern "C" fn names(out: *mut u8, capacity: usize) -> usize {
        if capacity >= NAMES.len() {
            // SAFETY: the engine's contract: `capacity` writable bytes at `out`.
            unsafe { std::ptr::copy_nonoverlapping(NAMES.as_ptr(), out, NAMES.len()) };
        }
        NAMES.len()
    }

    fn layout() -> StateLayout {
        StateLayout {
            size: 16,
            align: 8,
            fingerprint: 1,
        }
    }

    #[test]
    fn a_table_is_asked_for_its_length_first_and_refused_when_it_lies() {
        let error = read_fields(huge, layout()).unwrap_err();
        assert!(error.contains("more than the 1048576 accepted"), "{error}");
        assert_eq!(
            read_fields(changing, layout()).unwrap_err(),
            "it reported 8 bytes, then 4"
        );
        assert!(read_fields(empty, layout()).unwrap().fields().is_empty());
    }

    fn spec(width: u32, height: u32, rate: u32, title: &'static [u8]) -> DisplaySpec {
        DisplaySpec {
            width,
            height,
            rate,
            reserved: 0,
            title: title.as_ptr(),
            title_len: title.len(),
        }
    }

    fn check(spec: DisplaySpec, title: &'static [u8]) -> Result<GameDisplay, String> {
        check_display(spec, |_, len| title[..len].to_vec())
    }

    #[test]
    fn a_display_is_refused_by_the_value_that_is_wrong() {
        let ok = |w, h, rate, title: &'static [u8]| check(spec(w, h, rate, title), title);
        assert_eq!(
            ok(256, 224, 30, b"Invaders").unwrap(),
            GameDisplay {
                size: (256, 224),
                rate: 30,
                title: "Invaders".into()
            }
        );
        assert!(ok(1, 4096, 1000, b"").is_ok());
        for (w, h) in [(0, 240), (320, 0), (4097, 240), (320, u32::MAX)] {
            let error = ok(w, h, 60, b"x").unwrap_err();
            assert!(error.starts_with(&format!("size {w}x{h}: ")), "{error}");
        }
        for rate in [0, 1001] {
            let error = ok(320, 240, rate, b"x").unwrap_err();
            assert!(error.starts_with(&format!("rate {rate}: ")), "{error}");
        }
        assert_eq!(
            ok(320, 240, 60, b"\xffbad").unwrap_err(),
            "title: not UTF-8"
        );
        let long: &'static [u8] = &[b'a'; 257];
        assert_eq!(
            ok(320, 240, 60, long).unwrap_err(),
            "title of 257 bytes: at most 256 bytes"
        );
        // A length the library lies about is refused before anything is read.
        let mut huge = spec(320, 240, 60, b"x");
        huge.title_len = usize::MAX;
        let read = |_: *const u8, _: usize| -> Vec<u8> { panic!("must not read") };
        assert!(
            check_display(huge, read)
                .unwrap_err()
                .starts_with("title of")
        );
        let mut null = spec(320, 240, 60, b"x");
        null.title = std::ptr::null();
        assert_eq!(
            check_display(null, read).unwrap_err(),
            "title: a null pointer"
        );
    }

    #[test]
    fn system_names_are_one_per_line_without_spaces_and_bounded() {
        assert_eq!(
            read_system_names(names),
            ["systems::moving", "spacedname", "\u{fffd}bad"]
        );
        assert!(read_system_names(huge).is_empty(), "too long: none");
    }
}
