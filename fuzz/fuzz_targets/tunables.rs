//! The tunables parser, on the file's bytes as the asset watcher reads them.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = engine::assets::parse_tunables(text);
    }
});
