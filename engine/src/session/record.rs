//! Where the session record lives: what a restarted engine process needs
//! besides the state's bytes (the engine decides what: counters, which
//! libraries ran, which crashed), kept in shared memory and rewritten at
//! every reload, never per step.
//!
//! Two slots, written alternately: a process that dies in the middle of a
//! write leaves the other, complete one.

use std::io;
use std::path::Path;

use crate::files::checksum::checksum;
use crate::shared::SharedBytes;

/// Bytes per slot.
const SLOT: usize = 128 << 10;
/// The record file's size: two slots.
pub const FILE_LEN: usize = 2 * SLOT;
/// Slot header: serial (8), length (8), checksum (8).
const HEADER: usize = 24;

/// The record's two slots in shared memory.
#[derive(Debug)]
pub struct RecordStore {
    bytes: SharedBytes,
    serial: u64,
}

impl RecordStore {
    /// The record file at `path`, created empty if it does not exist.
    ///
    /// # Errors
    /// When it cannot be created or mapped.
    pub fn open(path: &Path) -> io::Result<Self> {
        let bytes = if path.exists() {
            SharedBytes::open(path, FILE_LEN)?
        } else {
            SharedBytes::create(path, FILE_LEN)?
        };
        let mut store = Self { bytes, serial: 0 };
        store.serial = store.newest().map_or(0, |(serial, _)| serial);
        Ok(store)
    }

    /// The newest complete record, if one was written.
    pub fn read(&self) -> Option<Vec<u8>> {
        self.newest().map(|(_, record)| record)
    }

    /// Writes `json` into the older slot.
    ///
    /// # Errors
    /// When the record does not fit in a slot.
    pub fn write(&mut self, json: &[u8]) -> io::Result<()> {
        if json.len() > SLOT - HEADER {
            return Err(io::Error::other(format!(
                "the session record is {} bytes, more than the {} a slot holds",
                json.len(),
                SLOT - HEADER
            )));
        }
        let serial = self.serial + 1;
        let at = (serial % 2) as usize * SLOT;
        let slot = &mut self.bytes.bytes_mut()[at..at + SLOT];
        // Body first, serial last: a slot with a stale serial is never read as new.
        slot[HEADER..HEADER + json.len()].copy_from_slice(json);
        slot[8..16].copy_from_slice(&(json.len() as u64).to_le_bytes());
        slot[16..24].copy_from_slice(&checksum(json).to_le_bytes());
        slot[..8].copy_from_slice(&serial.to_le_bytes());
        self.serial = serial;
        Ok(())
    }

    fn newest(&self) -> Option<(u64, Vec<u8>)> {
        let bytes = self.bytes.bytes();
        [0, SLOT]
            .into_iter()
            .filter_map(|at| {
                let slot = &bytes[at..at + SLOT];
                let word = |i: usize| u64::from_le_bytes(slot[i..i + 8].try_into().expect("8"));
                let (serial, len, sum) = (word(0), word(8) as usize, word(16));
                let body = slot.get(HEADER..HEADER.checked_add(len)?)?;
                (serial != 0 && checksum(body) == sum).then(|| (serial, body.to_vec()))
            })
            .max_by_key(|(serial, _)| *serial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_complete_record_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("record");
        let mut store = RecordStore::open(&path).unwrap();
        assert!(store.read().is_none());
        for generation in [b"one".as_slice(), b"two", b"three"] {
            store.write(generation).unwrap();
        }
        assert_eq!(store.read().unwrap(), b"three");
        // A write cut short (serial 4 written to its slot, the first, but the
        // body garbled) falls back to the other slot.
        let at = 0;
        store.bytes.bytes_mut()[at..at + 8].copy_from_slice(&4u64.to_le_bytes());
        store.bytes.bytes_mut()[at + HEADER] ^= 0xff;
        drop(store);
        let reopened = RecordStore::open(&path).unwrap();
        assert_eq!(reopened.read().unwrap(), b"three");
    }
}
