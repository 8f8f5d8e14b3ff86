//! The crash journal reader: a shipped game reads whatever journal file it
//! finds in its data directory at the next start.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = engine::files::journal::read(data);
});
