//! State snapshot files: the state's bytes with the layout they were written
//! for, so that nothing is lost when a reload cannot carry the state over.
//!
//! Format (little-endian): magic `HLSTATE\0`, format version (u32), reserved
//! (u32, zero), fingerprint, size and alignment (u64 each), the state's bytes,
//! then an FNV-1a checksum of everything before it (u64). Reading checks every
//! field before trusting any of them.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use hotloop_abi::StateLayout;

use crate::checksum::checksum;
use crate::state::{StateBuffer, check_layout};

const MAGIC: &[u8; 8] = b"HLSTATE\0";
/// Version of the snapshot file format.
pub const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 4 + 8 * 3;

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

/// Encodes a state as snapshot bytes.
pub fn encode(state: &StateBuffer) -> Vec<u8> {
    let layout = state.layout();
    let mut out = Vec::with_capacity(HEADER_LEN + state.bytes().len() + 8);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    for field in [layout.fingerprint, layout.size, layout.align] {
        out.extend_from_slice(&field.to_le_bytes());
    }
    out.extend_from_slice(state.bytes());
    out.extend_from_slice(&checksum(&out).to_le_bytes());
    out
}

/// Decodes snapshot bytes into a state buffer, or says what is wrong.
pub fn decode(data: &[u8]) -> Result<StateBuffer, String> {
    let header = data
        .get(..HEADER_LEN)
        .ok_or_else(|| format!("{} bytes is too short for a snapshot header", data.len()))?;
    if &header[..8] != MAGIC {
        return Err("not a hotloop state snapshot (bad magic)".into());
    }
    let u32_at = |at: usize| u32::from_le_bytes(header[at..at + 4].try_into().expect("4 bytes"));
    let u64_at = |at: usize| u64::from_le_bytes(header[at..at + 8].try_into().expect("8 bytes"));
    if u32_at(12) != 0 {
        return Err("reserved header field is not zero".into());
    }
    let version = u32_at(8);
    if version != FORMAT_VERSION {
        return Err(format!(
            "format version {version}, this engine reads version {FORMAT_VERSION}"
        ));
    }
    let layout = StateLayout {
        fingerprint: u64_at(16),
        size: u64_at(24),
        align: u64_at(32),
    };
    check_layout(layout).map_err(|reason| format!("bad layout ({layout}): {reason}"))?;
    let body = &data[HEADER_LEN..];
    let size = layout.size as usize;
    if body.len() != size + 8 {
        return Err(format!(
            "expected {} bytes of state and checksum, found {}",
            size + 8,
            body.len()
        ));
    }
    let (bytes, sum) = body.split_at(size);
    if u64::from_le_bytes(sum.try_into().expect("8 bytes")) != checksum(&data[..HEADER_LEN + size])
    {
        return Err("checksum mismatch (the file is damaged)".into());
    }
    let mut state = StateBuffer::zeroed(layout).map_err(str::to_owned)?;
    state.bytes_mut().copy_from_slice(bytes);
    Ok(state)
}

/// Writes `state` to a new file in `dir`, named after its fingerprint and the
/// time, and returns the path. Written to a temporary name and renamed, so a
/// snapshot file is either complete or absent.
///
/// # Errors
/// When the directory or file cannot be written.
pub fn save_in(dir: &Path, state: &StateBuffer) -> Result<PathBuf, SnapshotError> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SnapshotError::Io { path, source }
    };
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let path = dir.join(format!(
        "state-{:016x}-{stamp}.hlstate",
        state.layout().fingerprint
    ));
    let partial = path.with_extension("partial");
    fs::write(&partial, encode(state)).map_err(io_error(&partial))?;
    fs::rename(&partial, &path).map_err(io_error(&path))?;
    Ok(path)
}

/// Writes `state` to `path` (through a temporary file and a rename).
///
/// # Errors
/// When the file cannot be written.
pub fn save_as(path: &Path, state: &StateBuffer) -> Result<(), SnapshotError> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SnapshotError::Io { path, source }
    };
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io_error(dir))?;
    }
    let partial = path.with_extension("partial");
    fs::write(&partial, encode(state)).map_err(io_error(&partial))?;
    fs::rename(&partial, path).map_err(io_error(path))
}

/// Reads a snapshot file.
///
/// # Errors
/// When the file cannot be read or is not a valid snapshot.
pub fn load(path: &Path) -> Result<StateBuffer, SnapshotError> {
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

    fn sample() -> StateBuffer {
        let layout = StateLayout {
            size: 24,
            align: 8,
            fingerprint: 0xfeed,
        };
        let mut state = StateBuffer::zeroed(layout).unwrap();
        for (i, byte) in state.bytes_mut().iter_mut().enumerate() {
            *byte = i as u8 * 3;
        }
        state
    }

    #[test]
    fn round_trip_keeps_layout_and_bytes() {
        let state = sample();
        let back = decode(&encode(&state)).unwrap();
        assert_eq!(back.layout(), state.layout());
        assert_eq!(back.bytes(), state.bytes());
    }

    #[test]
    fn every_truncation_is_refused() {
        let data = encode(&sample());
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
        let data = encode(&sample());
        let damaged = |at: usize, value: u8| {
            let mut copy = data.clone();
            copy[at] = value;
            decode(&copy).unwrap_err()
        };
        assert!(damaged(0, b'X').contains("magic"));
        assert!(damaged(8, 9).contains("format version"));
        assert!(damaged(32, 3).contains("bad layout"));
        assert!(damaged(24, 200).contains("expected"));
        assert!(damaged(HEADER_LEN + 1, 0xff).contains("checksum"));
    }

    proptest::proptest! {
        /// Arbitrary bytes never panic the parser.
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = decode(&data);
        }

        /// Any single corrupted byte of a valid snapshot is refused.
        #[test]
        fn corruption_is_refused(at in 0usize..64, flip in 1u8..=255) {
            let mut data = encode(&sample());
            let at = at % data.len();
            data[at] ^= flip;
            proptest::prop_assert!(decode(&data).is_err());
        }
    }

    #[test]
    fn saved_file_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let state = sample();
        let path = save_in(dir.path(), &state).unwrap();
        assert!(
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .contains("000000000000feed")
        );
        assert_eq!(load(&path).unwrap().bytes(), state.bytes());
    }
}
