//! The session record: what a restarted engine process needs besides the
//! state's bytes (counters, which libraries ran, which crashed), kept in
//! shared memory and rewritten at every reload, never per step.
//!
//! Two slots, written alternately: a process that dies in the middle of a
//! write leaves the other, complete one.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::shared::SharedBytes;
use crate::runtime::ReloadStats;
use crate::runtime::checksum;

/// Bytes per slot.
const SLOT: usize = 128 << 10;
/// Slot header: serial (8), length (8), checksum (8).
const HEADER: usize = 24;

/// A library that ran in this session, as a restarted engine finds it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryRecord {
    /// Its shadow copy (kept on disk while it is the current or fallback library).
    pub shadow: PathBuf,
    /// The build output it came from.
    pub source: PathBuf,
    /// Its generation.
    pub generation: u64,
    /// Its identity ([`crate::library::GameLibrary::id`]).
    pub id: u64,
}

/// Where the state's bytes are: the files of one state layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRecord {
    /// Names the files (`state-<serial>.now`, `.before`, `.fields`).
    pub serial: u64,
    /// Size of the state in bytes.
    pub size: u64,
    /// Alignment of the state.
    pub align: u64,
    /// Layout fingerprint.
    pub fingerprint: u64,
}

/// Everything a restarted engine process restores, besides the state bytes
/// and the step counters of the control block.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Record {
    /// Counters and the last error.
    pub stats: ReloadStats,
    /// The highest generation handed out.
    pub newest_generation: u64,
    /// The state's files.
    pub state: Option<StateRecord>,
    /// The library running now, if any.
    pub library: Option<LibraryRecord>,
    /// The library to go back to if the current one fails.
    pub fallback: Option<LibraryRecord>,
    /// Libraries that crashed: never loaded again automatically.
    pub crashed: Vec<u64>,
}

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
            SharedBytes::open(path, 2 * SLOT)?
        } else {
            SharedBytes::create(path, 2 * SLOT)?
        };
        let mut store = Self { bytes, serial: 0 };
        store.serial = store.newest().map_or(0, |(serial, _)| serial);
        Ok(store)
    }

    /// The newest complete record, if one was written.
    pub fn read(&self) -> Option<Record> {
        self.newest().map(|(_, record)| record)
    }

    /// Writes `record` into the older slot.
    ///
    /// # Errors
    /// When the record does not fit in a slot.
    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        let json = serde_json::to_vec(record).map_err(io::Error::other)?;
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
        slot[HEADER..HEADER + json.len()].copy_from_slice(&json);
        slot[8..16].copy_from_slice(&(json.len() as u64).to_le_bytes());
        slot[16..24].copy_from_slice(&checksum(&json).to_le_bytes());
        slot[..8].copy_from_slice(&serial.to_le_bytes());
        self.serial = serial;
        Ok(())
    }

    fn newest(&self) -> Option<(u64, Record)> {
        let bytes = self.bytes.bytes();
        [0, SLOT]
            .into_iter()
            .filter_map(|at| {
                let slot = &bytes[at..at + SLOT];
                let word = |i: usize| u64::from_le_bytes(slot[i..i + 8].try_into().expect("8"));
                let (serial, len, sum) = (word(0), word(8) as usize, word(16));
                let body = slot.get(HEADER..HEADER.checked_add(len)?)?;
                (serial != 0 && checksum(body) == sum)
                    .then(|| serde_json::from_slice(body).ok().map(|r| (serial, r)))
                    .flatten()
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
        let mut record = Record::default();
        for generation in 1..=3 {
            record.newest_generation = generation;
            store.write(&record).unwrap();
        }
        assert_eq!(store.read().unwrap().newest_generation, 3);
        // A write cut short (serial 4 written to its slot, the first, but the
        // body garbled) falls back to the other slot.
        let at = 0;
        store.bytes.bytes_mut()[at..at + 8].copy_from_slice(&4u64.to_le_bytes());
        store.bytes.bytes_mut()[at + HEADER] ^= 0xff;
        drop(store);
        let reopened = RecordStore::open(&path).unwrap();
        assert_eq!(reopened.read().unwrap().newest_generation, 3);
    }
}
