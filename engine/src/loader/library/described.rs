//! What a library says about itself beyond its entry points: its state's
//! field table and its systems' names, each read with a length check first
//! so that a hostile library cannot make the engine allocate much.

use std::sync::Arc;

use hotloop_abi::{StateLayout, symbols};

use crate::state::fields::FieldTable;

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

    #[test]
    fn system_names_are_one_per_line_without_spaces_and_bounded() {
        assert_eq!(
            read_system_names(names),
            ["systems::moving", "spacedname", "\u{fffd}bad"]
        );
        assert!(read_system_names(huge).is_empty(), "too long: none");
    }
}
