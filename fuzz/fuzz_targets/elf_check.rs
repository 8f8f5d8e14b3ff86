//! The check a library file passes before `dlopen`, on its bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = engine::loader::file_check::check_library_bytes(data);
});
