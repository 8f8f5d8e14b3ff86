//! The one checksum of the engine's files and summaries.

/// FNV-1a over `bytes`: cheap, stable across runs, versions and platforms.
/// It finds damaged or cut-off files; it is no defence against edited ones.
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut sum = Checksum::default();
    sum.update(bytes);
    sum.value()
}

/// [`checksum`] of bytes that come in pieces (a file written or read as a
/// stream): the same value as over the pieces joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checksum(u64);

impl Default for Checksum {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Checksum {
    /// Adds the next piece.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0 = bytes.iter().fold(self.0, |hash, byte| {
            (hash ^ *byte as u64).wrapping_mul(0x0000_0100_0000_01b3)
        });
    }

    /// The checksum of everything added so far.
    pub fn value(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_sum_as_the_whole() {
        let bytes: Vec<u8> = (0..=255).collect();
        let mut sum = Checksum::default();
        for piece in bytes.chunks(7) {
            sum.update(piece);
        }
        assert_eq!(sum.value(), checksum(&bytes));
        assert_eq!(checksum(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(
            checksum(b"a"),
            0xaf63_dc4c_8601_ec8c,
            "FNV-1a's published value"
        );
    }
}
