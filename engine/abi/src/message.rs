//! Status codes and the fixed-size text buffer used to pass messages (panic
//! text, greetings, summaries) across the boundary without allocating on it.

use std::fmt;

/// Result of a call into game code.
///
/// A plain integer rather than a Rust enum: the engine must not trust a value
/// produced by foreign code to be a valid enum discriminant.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Status(pub u32);

impl Status {
    /// The call completed.
    pub const OK: Status = Status(0);
    /// Game code panicked; the panic message is in the call's [`Message`].
    pub const PANICKED: Status = Status(1);
    /// `migrate` cannot build the new state from this old layout.
    pub const DECLINED: Status = Status(2);
}

/// How many bytes of text a [`Message`] holds.
pub const MESSAGE_CAPACITY: usize = 500;

/// A UTF-8 text buffer owned by the engine and filled by the library.
///
/// Writing truncates at a character boundary instead of failing, so game code
/// can `write!` into it freely.
#[repr(C)]
#[derive(Clone)]
pub struct Message {
    len: u32,
    bytes: [u8; MESSAGE_CAPACITY],
}

impl Message {
    /// An empty message.
    pub const fn new() -> Self {
        Self {
            len: 0,
            bytes: [0; MESSAGE_CAPACITY],
        }
    }

    /// Empties the message.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Replaces the text with `text`, truncated to fit.
    pub fn set(&mut self, text: &str) {
        self.clear();
        self.push(text);
    }

    fn push(&mut self, text: &str) {
        let start = self.as_str().len();
        let room = MESSAGE_CAPACITY - start;
        let mut take = text.len().min(room);
        while !text.is_char_boundary(take) {
            take -= 1;
        }
        self.bytes[start..start + take].copy_from_slice(&text.as_bytes()[..take]);
        self.len = (start + take) as u32;
    }

    /// The text. Bytes written by a foreign library are validated, not
    /// trusted: an out-of-range length is clamped and invalid UTF-8 is cut off.
    pub fn as_str(&self) -> &str {
        let len = (self.len as usize).min(MESSAGE_CAPACITY);
        match std::str::from_utf8(&self.bytes[..len]) {
            Ok(text) => text,
            Err(error) => {
                let valid = &self.bytes[..error.valid_up_to()];
                std::str::from_utf8(valid).unwrap_or_default()
            }
        }
    }
}

impl Default for Message {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Write for Message {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.push(text);
        Ok(())
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    #[test]
    fn long_text_is_truncated_at_a_char_boundary() {
        let mut message = Message::new();
        let text = "é".repeat(MESSAGE_CAPACITY);
        message.set(&text);
        assert_eq!(message.as_str().len(), MESSAGE_CAPACITY);
        write!(message, "more").unwrap();
        assert_eq!(message.as_str(), &text[..MESSAGE_CAPACITY]);
    }

    #[test]
    fn hostile_length_and_bytes_are_not_trusted() {
        let mut message = Message::new();
        message.set("ok");
        message.len = u32::MAX;
        assert_eq!(message.as_str().len(), MESSAGE_CAPACITY);
        message.bytes[1] = 0xff;
        assert_eq!(message.as_str(), "o");
    }
}
