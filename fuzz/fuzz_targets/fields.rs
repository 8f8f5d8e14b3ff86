//! The field-table parser: the first 8 bytes are the state's size, the rest
//! is the table a library would hand over.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((size, table)) = data.split_first_chunk::<8>() else {
        return;
    };
    let layout = hotloop_abi::StateLayout {
        size: u64::from_le_bytes(*size),
        align: 8,
        fingerprint: 0,
    };
    let _ = engine::fields::decode(table, layout);
});
