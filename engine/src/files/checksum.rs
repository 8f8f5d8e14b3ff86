//! The one checksum of the engine's files and summaries.

/// FNV-1a over `bytes`: cheap, stable across runs, versions and platforms.
/// It finds damaged or cut-off files; it is no defence against edited ones.
pub fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ *byte as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
