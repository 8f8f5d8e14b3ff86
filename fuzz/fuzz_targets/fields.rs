//! The field-table parser: the first 8 bytes give the state's size (under
//! 64 KiB), the rest is the table a library would hand over. A table that
//! decodes is then used as the engine uses it: checking and canonicalising a
//! state's bytes (zeroed, then all ones), listing it for the inspector,
//! writing it as JSON and migrating it onto itself, which must never index
//! outside them.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((size, table)) = data.split_first_chunk::<8>() else {
        return;
    };
    let layout = hotloop_abi::StateLayout {
        size: u64::from_le_bytes(*size) % (1 << 16),
        align: 8,
        fingerprint: 0,
    };
    let Ok(table) = engine::state::fields::FieldTable::decode(table.to_vec(), layout) else {
        return;
    };
    use engine::state::fields::{Browse, migrate, to_json};
    for fill in [0x00, 0xff] {
        let mut state = vec![fill; layout.size as usize];
        let _ = table.admit(&mut state);
        let _ = Browse::default().rows(table.fields(), Some(&state));
        let _ = to_json(table.fields(), &state);
        let mut other = vec![!fill; layout.size as usize];
        let _ = migrate(table.fields(), &state, table.fields(), &mut other);
    }
});
