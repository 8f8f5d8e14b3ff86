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
