//! The checks a library file passes before `dlopen`, on its bytes: its
//! segments, and which entry points its own symbol table defines.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = engine::loader::file_check::check_library_bytes(data);
    let _ = engine::loader::file_check::defined_symbols_in_bytes(
        data,
        &["abi_version", "update", "migrate", "display"],
    );
});
