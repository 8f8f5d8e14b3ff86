//! The one little-endian byte reader and writer behind the engine's binary
//! formats: snapshots, recordings and the field table a library hands over.
//! Reading never panics and never trusts a length: running past the end is
//! an error that names what was being read.

/// Reads numbers and byte runs from the front of a slice.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    what: &'static str,
}

/// The bytes ended before what was being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} cut off at byte {at}")]
pub struct CutOff {
    /// What was being read ("field table", "recording").
    pub what: &'static str,
    /// Where it ended.
    pub at: usize,
}

impl From<CutOff> for String {
    fn from(cut: CutOff) -> Self {
        cut.to_string()
    }
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`, which hold a `what` (for errors).
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Self { bytes, at: 0, what }
    }

    /// The next `len` bytes.
    ///
    /// # Errors
    /// When fewer are left.
    pub fn take(&mut self, len: usize) -> Result<&'a [u8], CutOff> {
        let end = self
            .at
            .checked_add(len)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(CutOff {
                what: self.what,
                at: self.at,
            })?;
        let bytes = &self.bytes[self.at..end];
        self.at = end;
        Ok(bytes)
    }

    /// The next `N` bytes as an array.
    ///
    /// # Errors
    /// When fewer are left.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], CutOff> {
        Ok(self.take(N)?.try_into().expect("take returns N bytes"))
    }

    /// The next byte.
    ///
    /// # Errors
    /// When none is left.
    pub fn u8(&mut self) -> Result<u8, CutOff> {
        Ok(self.array::<1>()?[0])
    }

    /// The next `u16`.
    ///
    /// # Errors
    /// When fewer than 2 bytes are left.
    pub fn u16(&mut self) -> Result<u16, CutOff> {
        self.array().map(u16::from_le_bytes)
    }

    /// The next `u32`.
    ///
    /// # Errors
    /// When fewer than 4 bytes are left.
    pub fn u32(&mut self) -> Result<u32, CutOff> {
        self.array().map(u32::from_le_bytes)
    }

    /// The next `u64`.
    ///
    /// # Errors
    /// When fewer than 8 bytes are left.
    pub fn u64(&mut self) -> Result<u64, CutOff> {
        self.array().map(u64::from_le_bytes)
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }
}

/// Appends little-endian numbers to a byte vector.
pub trait Writer {
    /// Appends a `u32`.
    fn put_u32(&mut self, value: u32);
    /// Appends a `u64`.
    fn put_u64(&mut self, value: u64);
}

impl Writer for Vec<u8> {
    fn put_u32(&mut self, value: u32) {
        self.extend_from_slice(&value.to_le_bytes());
    }

    fn put_u64(&mut self, value: u64) {
        self.extend_from_slice(&value.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_as_written_and_the_end_is_an_error() {
        let mut bytes = Vec::new();
        bytes.put_u32(0xdead_beef);
        bytes.put_u64(42);
        bytes.push(7);
        let mut reader = Reader::new(&bytes, "sample");
        assert_eq!(reader.u32(), Ok(0xdead_beef));
        assert_eq!(reader.u64(), Ok(42));
        assert_eq!(reader.remaining(), 1);
        assert_eq!(
            reader.u16().unwrap_err().to_string(),
            "sample cut off at byte 12"
        );
        assert_eq!(reader.u8(), Ok(7), "a failed read takes nothing");
        assert!(reader.take(usize::MAX).is_err(), "no overflow");
    }
}
