//! Which pages of a buffer were written: only Linux's userfaultfd says so
//! ([`WrittenPages::watch`] always fails elsewhere), so the per-step copy
//! copies the whole state there, as it does on a Linux kernel without it.

use std::io;
use std::ops::Range;

/// Never made off Linux: no value of it exists.
#[derive(Debug)]
pub enum WrittenPages {}

impl WrittenPages {
    /// Fails: the kernel cannot say which pages were written.
    ///
    /// # Errors
    /// Always.
    pub fn watch(buffer: &[u8]) -> io::Result<Self> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "only Linux reports which of a buffer's pages were written ({} bytes here)",
                buffer.len()
            ),
        ))
    }

    /// Never called: there is no value to call it on.
    ///
    /// # Errors
    /// Never.
    pub fn protect(&mut self, _within: Range<usize>, _on: bool) -> io::Result<()> {
        match *self {}
    }

    /// Never called: there is no value to call it on.
    ///
    /// # Errors
    /// Never.
    pub fn take(
        &mut self,
        _within: Range<usize>,
        _written: impl FnMut(Range<usize>),
    ) -> io::Result<()> {
        match *self {}
    }
}
