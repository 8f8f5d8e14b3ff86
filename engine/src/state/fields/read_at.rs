//! Where values are read from: a state's bytes, or a running state read in
//! place. The inspector reads the running state every frame through
//! [`StateBuffer::copy_unpadded`](crate::state::StateBuffer::copy_unpadded),
//! which zeroes nothing: zeroing the padding would write the state's pages
//! on every frame, and the copy taken before each step would copy them.

/// A state's bytes, read a few at a time.
pub trait ReadAt {
    /// Copies the `out.len()` bytes at `offset` into `out`: `false`, and
    /// `out` untouched, when they are not all there to read.
    fn read_at(&self, offset: usize, out: &mut [u8]) -> bool;

    /// The little-endian `u32` at `offset`, if it is there.
    fn u32_at(&self, offset: usize) -> Option<u32> {
        let mut word = [0; 4];
        self.read_at(offset, &mut word)
            .then(|| u32::from_le_bytes(word))
    }

    /// The byte at `offset`, if it is there.
    fn u8_at(&self, offset: usize) -> Option<u8> {
        let mut byte = [0];
        self.read_at(offset, &mut byte).then_some(byte[0])
    }
}

impl ReadAt for [u8] {
    fn read_at(&self, offset: usize, out: &mut [u8]) -> bool {
        let Some(bytes) = offset
            .checked_add(out.len())
            .and_then(|end| self.get(offset..end))
        else {
            return false;
        };
        out.copy_from_slice(bytes);
        true
    }
}

impl ReadAt for Vec<u8> {
    fn read_at(&self, offset: usize, out: &mut [u8]) -> bool {
        self.as_slice().read_at(offset, out)
    }
}

impl ReadAt for crate::state::StateBuffer {
    fn read_at(&self, offset: usize, out: &mut [u8]) -> bool {
        self.copy_unpadded(offset, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_within_the_slice_only() {
        let bytes: &[u8] = &[1, 2, 3, 4, 5];
        assert_eq!(bytes.u32_at(1), Some(u32::from_le_bytes([2, 3, 4, 5])));
        assert_eq!(bytes.u32_at(2), None);
        assert_eq!(bytes.u8_at(4), Some(5));
        assert_eq!(bytes.u8_at(5), None);
        assert_eq!(bytes.u8_at(usize::MAX), None);
    }
}
