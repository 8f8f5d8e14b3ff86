//! The recording parser: arbitrary bytes, and the same bytes with a correct
//! checksum appended (random bytes alone rarely get past the checksum).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = engine::files::recording::Recording::decode(data);
    let mut summed = data.to_vec();
    summed.extend_from_slice(&engine::files::checksum::checksum(data).to_le_bytes());
    let _ = engine::files::recording::Recording::decode(&summed);
});
