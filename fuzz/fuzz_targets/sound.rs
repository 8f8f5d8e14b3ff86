//! The WAV and Ogg Vorbis decoders behind sound assets: whatever they
//! return is whole stereo frames of finite samples, or a reason.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(sound) = engine::assets::decode_sound(data) {
        assert_eq!(sound.samples().len(), sound.frames() * 2);
        assert!(sound.samples().iter().all(|s| s.is_finite()));
    }
});
