//! Where the shadow copies of the game library go: a directory where a file
//! the engine writes can be mapped as code. Hardened machines often mount
//! the temporary directory `noexec`, and then every `dlopen` of a copy there
//! fails. So the engine tries candidates in order and takes the first that
//! passes a probe: a small file mapped with `PROT_EXEC`, exactly what the
//! dynamic loader will do (a mount flag alone would miss SELinux or
//! fapolicyd rules).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A directory to try, with the words that name it in a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The directory under which the copies' directory is created.
    pub root: PathBuf,
    /// What it is ("the temporary directory", "$XDG_RUNTIME_DIR", …).
    pub what: &'static str,
}

/// The candidates, first choice first: the temporary directory (`TMPDIR`),
/// `$XDG_RUNTIME_DIR`, the user's cache directory, and the directory of the
/// running executable (which was just mapped as code, so it allows it).
pub fn candidates() -> Vec<Candidate> {
    let env_dir = |name| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|d| d.is_absolute())
    };
    let cache = env_dir("XDG_CACHE_HOME")
        .or_else(|| env_dir("HOME").map(|home| home.join(".cache")))
        .map(|cache| cache.join("hotloop"));
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    let mut list: Vec<Candidate> = Vec::new();
    for (root, what) in [
        (Some(std::env::temp_dir()), "the temporary directory"),
        (env_dir("XDG_RUNTIME_DIR"), "$XDG_RUNTIME_DIR"),
        (cache, "the user's cache directory"),
        (exe_dir, "the directory of the hotloop executable"),
    ] {
        if let Some(root) = root
            && list.iter().all(|c| c.root != root)
        {
            list.push(Candidate { root, what });
        }
    }
    list
}

/// Creates the directory `name` (new, private) under the first candidate
/// where copied libraries can run, and returns it. Says in a note which one
/// and why, when it is not the first choice.
///
/// # Errors
/// When no candidate allows it; the message says why for each.
pub fn create(name: &str) -> io::Result<PathBuf> {
    let chosen = create_first(name, &candidates(), probe)?;
    if chosen.passed_over.is_empty() {
        log::debug!("game libraries are copied to {}", chosen.path.display());
    } else {
        log::warn!(
            "game libraries are copied to {}: {}",
            chosen.path.display(),
            chosen.passed_over.join("; ")
        );
    }
    Ok(chosen.path)
}

/// The directory [`create_first`] made, and why each earlier candidate was
/// passed over.
#[derive(Debug)]
pub struct Chosen {
    /// The new directory.
    pub path: PathBuf,
    /// One sentence per candidate that failed, in order.
    pub passed_over: Vec<String>,
}

/// [`create`], with the candidates and the probe given (for tests).
///
/// # Errors
/// When no candidate passes.
pub fn create_first(
    name: &str,
    candidates: &[Candidate],
    probe: impl Fn(&Path) -> io::Result<()>,
) -> io::Result<Chosen> {
    let mut passed_over = Vec::new();
    for candidate in candidates {
        let path = candidate.root.join(name);
        let tried = private_dir(&candidate.root, &path).and_then(|()| {
            probe(&path).inspect_err(|_| {
                let _ = fs::remove_dir_all(&path);
            })
        });
        match tried {
            Ok(()) => return Ok(Chosen { path, passed_over }),
            Err(error) => passed_over.push(format!(
                "{} ({}) cannot hold runnable copies: {error}",
                candidate.what,
                candidate.root.display()
            )),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "no directory lets a copied game library be mapped as code: {}; set TMPDIR to a directory on a file system mounted with exec",
            passed_over.join("; ")
        ),
    ))
}

/// Creates `path` (which must not exist) with mode 0700, and `root` too if needed.
fn private_dir(root: &Path, path: &Path) -> io::Result<()> {
    private_builder().recursive(true).create(root)?;
    private_builder().create(path)
}

/// Makes directories that only this user can enter (mode 0700; off Unix,
/// what the user's own folders allow).
pub fn private_builder() -> fs::DirBuilder {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    #[cfg(not(unix))]
    let _ = &mut builder;
    builder
}

/// Whether a file written in `dir` can be mapped executable, as `dlopen`
/// maps a library's code.
///
/// # Errors
/// When it cannot: the mapping's error, with a hint when the file system
/// is mounted `noexec`.
pub fn probe(dir: &Path) -> io::Result<()> {
    let path = dir.join(".exec-probe");
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    let _ = fs::remove_file(&path);
    file.set_len(4096)?;
    // SAFETY: `MmapOptions::map_exec` is unsafe because the mapped bytes
    // could change under a reader. This file was just created in a private
    // directory and is already unlinked, so nobody else can change it; and
    // the mapping is dropped unread: only whether the kernel grants it counts.
    let mapped = unsafe { memmap2::MmapOptions::new().len(4096).map_exec(&file) };
    mapped.map(drop).map_err(|error| {
        if mounted_noexec(&file) {
            io::Error::new(error.kind(), format!("{error} (mounted noexec)"))
        } else {
            error
        }
    })
}

/// Whether `file` is on a file system mounted `noexec`.
fn mounted_noexec(file: &fs::File) -> bool {
    #[cfg(target_os = "linux")]
    return nix::sys::statvfs::fstatvfs(file)
        .is_ok_and(|stat| stat.flags().contains(nix::sys::statvfs::FsFlags::ST_NOEXEC));
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(root: &Path, what: &'static str) -> Candidate {
        Candidate {
            root: root.to_path_buf(),
            what,
        }
    }

    #[test]
    fn a_normal_directory_passes_the_probe() {
        let dir = tempfile::tempdir().unwrap();
        probe(dir.path()).unwrap();
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "the probe leaves nothing behind"
        );
    }

    #[test]
    fn the_first_candidate_that_passes_is_taken_and_the_others_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let (bad, good, later) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        let list = [
            candidate(&bad, "the temporary directory"),
            candidate(&good, "$XDG_RUNTIME_DIR"),
            candidate(&later, "the user's cache directory"),
        ];
        let refuse_a = |path: &Path| {
            if path.starts_with(&bad) {
                Err(io::Error::from_raw_os_error(libc::EPERM))
            } else {
                probe(path)
            }
        };
        let chosen = create_first("copies", &list, refuse_a).unwrap();
        assert_eq!(chosen.path, good.join("copies"));
        assert!(chosen.path.is_dir() && !bad.join("copies").exists());
        assert!(!later.exists(), "later candidates are not touched");
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&chosen.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "private");
        assert_eq!(chosen.passed_over.len(), 1);
        assert!(
            chosen.passed_over[0].starts_with("the temporary directory (")
                && chosen.passed_over[0].contains("Operation not permitted"),
            "{:?}",
            chosen.passed_over
        );
        // The directory must be new: an existing one is passed over.
        let again = create_first("copies", &list[1..], probe).unwrap();
        assert_eq!(again.path, later.join("copies"));
    }

    #[test]
    fn with_no_candidate_left_the_error_says_why_for_each() {
        let dir = tempfile::tempdir().unwrap();
        let list = [
            candidate(&dir.path().join("a"), "the temporary directory"),
            candidate(&dir.path().join("b"), "$XDG_RUNTIME_DIR"),
        ];
        let error = create_first("copies", &list, |_| {
            Err(io::Error::from_raw_os_error(libc::EPERM))
        })
        .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("the temporary directory (") && text.contains("$XDG_RUNTIME_DIR ("),
            "{text}"
        );
        assert!(text.contains("TMPDIR"), "{text}");
    }

    #[test]
    fn candidates_start_with_the_temporary_directory_and_end_with_the_executable() {
        let list = candidates();
        assert_eq!(list[0].root, std::env::temp_dir());
        let exe = std::env::current_exe().unwrap();
        assert_eq!(list.last().unwrap().root, exe.parent().unwrap());
    }
}
