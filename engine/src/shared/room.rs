//! Room for the files behind shared memory. tmpfs (`/dev/shm`) gives a file
//! its pages on first touch, and a touch that finds the file system full
//! raises SIGBUS wherever it happens: in the engine, in game code, even in
//! the supervisor. So each such file has its bytes reserved when it is
//! created (`posix_fallocate`): a full file system then fails the creation
//! with ENOSPC, which the caller can say in words or avoid by going
//! elsewhere.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates the file at `path` holding `len` zero bytes whose pages are
/// reserved; `fresh` refuses an existing file, otherwise it is truncated.
/// Nothing is left at `path` when it fails.
///
/// # Errors
/// When the file cannot be created, or the file system has no room for
/// `len` bytes (`StorageFull`, the message naming the path and size).
pub fn create_reserved(path: &Path, len: u64, fresh: bool) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(!fresh)
        .create_new(fresh)
        .truncate(!fresh)
        .open(path)?;
    match reserve(&file, len) {
        Ok(()) => Ok(file),
        Err(error) => {
            drop(file);
            let _ = std::fs::remove_file(path);
            Err(io::Error::new(
                error.kind(),
                format!(
                    "could not reserve {} for {}: {error}",
                    size_text(len),
                    path.display()
                ),
            ))
        }
    }
}

/// Gives `file` `len` bytes (at least one) whose blocks are allocated.
#[cfg(target_os = "linux")]
fn reserve(file: &File, len: u64) -> io::Result<()> {
    let len = i64::try_from(len.max(1)).map_err(|_| nix::errno::Errno::EFBIG)?;
    Ok(nix::fcntl::posix_fallocate(file, 0, len)?)
}

/// Gives `file` `len` bytes (at least one): on Windows a file's length is
/// its allocation (a file is not sparse unless asked); elsewhere the file
/// may be sparse, and a full disk shows when its pages are first written.
#[cfg(not(target_os = "linux"))]
fn reserve(file: &File, len: u64) -> io::Result<()> {
    file.set_len(len.max(1))
}

/// Bytes that an unprivileged process can still allocate on the file
/// system holding `dir`.
///
/// # Errors
/// When `dir` cannot be examined.
#[cfg(not(unix))]
pub fn free_bytes(dir: &Path) -> io::Result<u64> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        format!("cannot tell the free space under {}", dir.display()),
    ))
}

/// Bytes that an unprivileged process can still allocate on the file
/// system holding `dir`.
///
/// # Errors
/// When `dir` cannot be examined.
#[cfg(unix)]
pub fn free_bytes(dir: &Path) -> io::Result<u64> {
    let stat = nix::sys::statvfs::statvfs(dir).map_err(|errno| {
        io::Error::new(
            io::Error::from(errno).kind(),
            format!("could not examine {}: {errno}", dir.display()),
        )
    })?;
    // Both are narrower than u64 on some 32-bit targets.
    #[allow(clippy::useless_conversion)]
    let (blocks, block_size) = (
        u64::from(stat.blocks_available()),
        u64::from(stat.fragment_size()),
    );
    Ok(blocks.saturating_mul(block_size))
}

/// What one file of `len` bytes takes on a file system of 4 KiB pages.
pub fn pages_for(len: u64) -> u64 {
    len.max(1).next_multiple_of(4096)
}

/// `bytes` in words: "640 KiB", "16.0 MiB", "1.50 GiB".
pub fn size_text(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let value = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if value < KIB * KIB {
        format!("{:.0} KiB", value / KIB)
    } else if value < KIB * KIB * KIB {
        format!("{:.1} MiB", value / (KIB * KIB))
    } else {
        format!("{:.2} GiB", value / (KIB * KIB * KIB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reserved_file_is_zeroed_and_allocated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        let file = create_reserved(&path, 1 << 20, true).unwrap();
        let meta = file.metadata().unwrap();
        assert_eq!(meta.len(), 1 << 20);
        use std::os::unix::fs::MetadataExt;
        assert!(meta.blocks() * 512 >= 1 << 20, "the blocks are allocated");
        assert!(
            create_reserved(&path, 1, true).is_err(),
            "`fresh` refuses an existing file"
        );
    }

    #[test]
    fn no_room_is_an_error_naming_path_and_size_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("too-big");
        // More than any test machine's disk: the reservation itself fails.
        let error = create_reserved(&path, 1 << 60, true).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("too-big") && text.contains("GiB"), "{text}");
        assert!(!path.exists(), "the file is removed again");
    }

    #[test]
    fn free_bytes_and_sizes_read_plainly() {
        let dir = tempfile::tempdir().unwrap();
        assert!(free_bytes(dir.path()).unwrap() > 0);
        assert!(free_bytes(&dir.path().join("missing")).is_err());
        assert_eq!(size_text(640 << 10), "640 KiB");
        assert_eq!(size_text(24), "24 bytes");
        assert_eq!(size_text(16 << 20), "16.0 MiB");
        assert_eq!(size_text(3 << 29), "1.50 GiB");
        assert_eq!(pages_for(0), 4096);
        assert_eq!(pages_for(4097), 8192);
    }
}
