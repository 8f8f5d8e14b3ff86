//! The PNG decoder behind image assets: whatever it returns is an image of
//! exactly `width * height * 4` bytes, or a reason.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(image) = engine::assets::decode_png(data) {
        let (width, height) = (image.width() as usize, image.height() as usize);
        assert_eq!(image.pixels().len(), width * height * 4);
    }
});
