//! State snapshot files: the state's bytes with the layout and field table
//! they were written for, so that nothing is lost when a reload cannot carry
//! the state over, and a snapshot of another layout can still be migrated.
//!
//! Format (little-endian): magic `HLSTATE\0`, format version (u32), reserved
//! (u32, zero), fingerprint, size and alignment (u64 each), the field table's
//! length (u64) and the table ([`hotloop_abi::reflect`] wire format), the
//! state's bytes, then an FNV-1a checksum of everything before it (u64).
//! A length of 0 means no table; version 1 files have neither.
//!
//! Reading checks every header field, the table against the layout, and the
//! state's values against the table (a `bool` of 2 is refused) before
//! trusting any of them. The checksum finds damage, not forgery: what makes a
//! file safe to load is that check, which the engine repeats with the running
//! library's own table before game code sees the state.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use hotloop_abi::StateLayout;

use crate::codec::{Reader, Writer};
use crate::files::atomic;
use crate::files::checksum::checksum;
use crate::state::fields::FieldTable;
use crate::state::{StateBuffer, check_layout};

const MAGIC: &[u8; 8] = b"HLSTATE\0";
/// Version of the snapshot file format.
pub const FORMAT_VERSION: u32 = 2;
/// Largest field table accepted, in bytes.
const MAX_TABLE: u64 = 1 << 20;
const HEADER_LEN: usize = 8 + 4 + 4 + 8 * 3;

/// A state read back from a file.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The state, its values checked against `table` (when there is one).
    pub state: StateBuffer,
    /// The field table it was saved with; `None` for a version 1 file.
    pub table: Option<FieldTable>,
}

/// Why a snapshot file could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The file system failed.
    #[error("snapshot {path}: {source}")]
    Io {
        /// The snapshot file.
        path: PathBuf,
        /// What the file system said.
        source: io::Error,
    },
    /// The file is not a valid snapshot.
    #[error("snapshot {path} is not valid: {reason}")]
    Invalid {
        /// The snapshot file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// Encodes a state and its field table as snapshot bytes.
pub fn encode(state: &StateBuffer, table: Option<&FieldTable>) -> Vec<u8> {
    let layout = state.layout();
    let table = table.map_or(&[][..], FieldTable::bytes);
    let mut out = Vec::with_capacity(HEADER_LEN + 8 + table.len() + state.bytes().len() + 8);
    out.extend_from_slice(MAGIC);
    out.put_u32(FORMAT_VERSION);
    out.put_u32(0);
    for field in [layout.fingerprint, layout.size, layout.align] {
        out.put_u64(field);
    }
    out.put_u64(table.len() as u64);
    out.extend_from_slice(table);
    out.extend_from_slice(state.bytes());
    out.put_u64(checksum(&out));
    out
}

/// Decodes snapshot bytes, or says what is wrong.
pub fn decode(data: &[u8]) -> Result<Snapshot, String> {
    if data.len() < HEADER_LEN {
        return Err(format!(
            "{} bytes is too short for a snapshot header",
            data.len()
        ));
    }
    let mut reader = Reader::new(data, "snapshot");
    if reader.take(MAGIC.len())? != MAGIC {
        return Err("not a hotloop state snapshot (bad magic)".into());
    }
    let version = reader.u32()?;
    if reader.u32()? != 0 {
        return Err("reserved header field is not zero".into());
    }
    if !(1..=FORMAT_VERSION).contains(&version) {
        return Err(format!(
            "format version {version}, this engine reads versions 1 to {FORMAT_VERSION}"
        ));
    }
    let layout = StateLayout {
        fingerprint: reader.u64()?,
        size: reader.u64()?,
        align: reader.u64()?,
    };
    check_layout(layout).map_err(|reason| format!("bad layout ({layout}): {reason}"))?;
    let table = if version >= 2 {
        let len = reader.u64()?;
        if len > MAX_TABLE {
            return Err(format!(
                "a field table of {len} bytes is more than the {MAX_TABLE} accepted"
            ));
        }
        Some(reader.take(len as usize)?).filter(|table| !table.is_empty())
    } else {
        None
    };
    let size = layout.size as usize;
    if reader.remaining() != size + 8 {
        return Err(format!(
            "expected {} bytes of state and checksum, found {}",
            size + 8,
            reader.remaining()
        ));
    }
    let bytes = reader.take(size)?;
    let summed = data.len() - 8;
    if reader.u64()? != checksum(&data[..summed]) {
        return Err("checksum mismatch (the file is damaged)".into());
    }
    let table = table
        .map(|table| FieldTable::decode(table.to_vec(), layout))
        .transpose()
        .map_err(|reason| format!("bad field table: {reason}"))?;
    let mut state = StateBuffer::zeroed(layout).map_err(str::to_owned)?;
    state.bytes_mut().copy_from_slice(bytes);
    if let Some(table) = &table {
        table
            .admit(state.bytes_mut())
            .map_err(|invalid| format!("the state is not valid: {invalid}"))?;
    }
    Ok(Snapshot { state, table })
}

/// Writes `state` to a new file in `dir`, named after its fingerprint and the
/// time, and returns the path. Written to a temporary name and renamed, so a
/// snapshot file is either complete or absent.
///
/// # Errors
/// When the directory or file cannot be written.
pub fn save_in(
    dir: &Path,
    state: &StateBuffer,
    table: Option<&FieldTable>,
) -> Result<PathBuf, SnapshotError> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let path = dir.join(format!(
        "state-{:016x}-{stamp}.hlstate",
        state.layout().fingerprint
    ));
    save_as(&path, state, table)?;
    Ok(path)
}

/// Writes `state` to `path` (through a temporary file and a rename).
///
/// # Errors
/// When the file cannot be written.
pub fn save_as(
    path: &Path,
    state: &StateBuffer,
    table: Option<&FieldTable>,
) -> Result<(), SnapshotError> {
    atomic::write(path, &encode(state, table)).map_err(|source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a snapshot file.
///
/// # Errors
/// When the file cannot be read or is not a valid snapshot.
pub fn load(path: &Path) -> Result<Snapshot, SnapshotError> {
    let data = fs::read(path).map_err(|source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode(&data).map_err(|reason| SnapshotError::Invalid {
        path: path.to_path_buf(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotloop_abi::state;

    state! {
        struct Sample { ticks: u64, alive: bool, speed: f32, letter: char }
    }

    fn table() -> FieldTable {
        let mut bytes = Vec::new();
        hotloop_abi::reflect::table_of::<Sample>(&mut bytes);
        FieldTable::decode(bytes, StateLayout::of::<Sample>()).unwrap()
    }

    const ALIVE: usize = std::mem::offset_of!(Sample, alive);
    const LETTER: usize = std::mem::offset_of!(Sample, letter);

    fn sample() -> StateBuffer {
        let mut state = StateBuffer::zeroed(StateLayout::of::<Sample>()).unwrap();
        let bytes = state.bytes_mut();
        bytes[..8].copy_from_slice(&42u64.to_le_bytes());
        bytes[ALIVE] = 1;
        bytes[LETTER..LETTER + 4].copy_from_slice(&u32::from('h').to_le_bytes());
        state
    }

    fn encoded() -> Vec<u8> {
        encode(&sample(), Some(&table()))
    }

    /// `data` with `at` set to `value`, and the checksum made right again:
    /// what a hand-edited file looks like.
    fn forged(mut data: Vec<u8>, at: usize, value: &[u8]) -> Vec<u8> {
        data[at..at + value.len()].copy_from_slice(value);
        let end = data.len() - 8;
        let sum = checksum(&data[..end]);
        data[end..].copy_from_slice(&sum.to_le_bytes());
        data
    }

    fn state_at(data: &[u8]) -> usize {
        data.len() - 8 - size_of::<Sample>()
    }

    #[test]
    fn round_trip_keeps_layout_table_and_bytes() {
        let state = sample();
        let back = decode(&encoded()).unwrap();
        assert_eq!(back.state.layout(), state.layout());
        assert_eq!(back.state.bytes(), state.bytes());
        assert_eq!(back.table, Some(table()));
    }

    #[test]
    fn invalid_values_are_refused_even_with_a_right_checksum() {
        let data = encoded();
        let at = state_at(&data);
        let error = decode(&forged(data.clone(), at + ALIVE, &[2])).unwrap_err();
        assert_eq!(
            error,
            "the state is not valid: field `alive` holds 2, not a bool (0 or 1)"
        );
        let error = decode(&forged(data, at + LETTER, &0x11_0000u32.to_le_bytes())).unwrap_err();
        assert!(
            error.contains("field `letter` holds 0x110000, not a char"),
            "{error}"
        );
    }

    #[test]
    fn padding_is_zeroed_when_read() {
        let data = encoded();
        let at = state_at(&data) + ALIVE + 1; // padding after `alive`
        let back = decode(&forged(data, at, &[0xAA])).unwrap();
        assert_eq!(back.state.bytes(), sample().bytes());
    }

    #[test]
    fn every_truncation_is_refused() {
        let data = encoded();
        for len in 0..data.len() {
            assert!(
                decode(&data[..len]).is_err(),
                "accepted {len} of {} bytes",
                data.len()
            );
        }
    }

    #[test]
    fn damaged_fields_are_refused_with_a_reason() {
        let data = encoded();
        let damaged = |at: usize, value: u8| {
            let mut copy = data.clone();
            copy[at] = value;
            decode(&copy).unwrap_err()
        };
        assert!(damaged(0, b'X').contains("magic"));
        assert!(damaged(8, 9).contains("format version"));
        assert!(damaged(32, 3).contains("bad layout"));
        assert!(damaged(24, 200).contains("expected"));
        assert!(damaged(HEADER_LEN + 7, 0xff).contains("more than"));
        assert!(damaged(HEADER_LEN + 9, 0xff).contains("checksum"));
        let table_at = HEADER_LEN + 8 + 2 + 5; // into the first name
        let error = decode(&forged(data.clone(), table_at, &[0xff])).unwrap_err();
        assert!(error.contains("bad field table"), "{error}");
    }

    #[test]
    fn version_1_files_still_read_without_a_table() {
        let mut data = Vec::new();
        data.extend_from_slice(MAGIC);
        data.extend_from_slice(&1u32.to_le_bytes());
        data.extend_from_slice(&0u32.to_le_bytes());
        let layout = StateLayout::of::<Sample>();
        for field in [layout.fingerprint, layout.size, layout.align] {
            data.extend_from_slice(&field.to_le_bytes());
        }
        data.extend_from_slice(sample().bytes());
        data.extend_from_slice(&checksum(&data).to_le_bytes());
        let back = decode(&data).unwrap();
        assert_eq!(back.state.bytes(), sample().bytes());
        assert_eq!(back.table, None);
    }

    proptest::proptest! {
        /// Arbitrary bytes never panic the parser.
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = decode(&data);
        }

        /// Any single corrupted byte of a valid snapshot is refused.
        #[test]
        fn corruption_is_refused(at in 0usize..512, flip in 1u8..=255) {
            let mut data = encoded();
            let at = at % data.len();
            data[at] ^= flip;
            proptest::prop_assert!(decode(&data).is_err());
        }
    }

    #[test]
    fn saved_file_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let state = sample();
        let path = save_in(dir.path(), &state, Some(&table())).unwrap();
        let name = format!("{:016x}", StateLayout::of::<Sample>().fingerprint);
        assert!(path.file_name().unwrap().to_string_lossy().contains(&name));
        assert_eq!(load(&path).unwrap().state.bytes(), state.bytes());
    }
}
