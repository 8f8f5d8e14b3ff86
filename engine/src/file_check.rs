//! Checks a library file before the dynamic loader maps it.
//!
//! `dlopen` of a truncated ELF file does not fail cleanly: when the cut falls
//! inside a loadable segment, touching the missing pages raises SIGBUS and kills
//! the engine. So before loading, every loadable segment must lie inside the
//! file, and the file must be a shared object for this machine. Only the ELF
//! and program headers are read, not the whole file.

use std::fs::File;
use std::path::Path;

/// Why a file is not a loadable library, or `Ok` when it may be loaded.
pub fn check_library(path: &Path) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("cannot open it: {e}"))?;
    let len = file
        .metadata()
        .map_err(|e| format!("cannot stat it: {e}"))?
        .len();
    if len == 0 {
        return Err("the file is empty (a build still being written?)".into());
    }
    platform::check(file, len)
}

#[cfg(target_os = "linux")]
mod platform {
    use std::fs::File;

    use object::elf::{ET_DYN, FileHeader64, PT_INTERP, PT_LOAD};
    use object::read::elf::{FileHeader, ProgramHeader};
    use object::{Endianness, ReadCache};

    #[cfg(target_arch = "x86_64")]
    const MACHINE: u16 = object::elf::EM_X86_64;
    #[cfg(target_arch = "aarch64")]
    const MACHINE: u16 = object::elf::EM_AARCH64;
    #[cfg(target_arch = "riscv64")]
    const MACHINE: u16 = object::elf::EM_RISCV;

    pub fn check(file: File, len: u64) -> Result<(), String> {
        let data = ReadCache::new(file);
        let header = FileHeader64::<Endianness>::parse(&data)
            .map_err(|e| format!("not a 64-bit ELF file ({e})"))?;
        let endian = header.endian().map_err(|e| e.to_string())?;
        if endian != Endianness::default() {
            return Err("ELF file of the wrong byte order".into());
        }
        if header.e_type(endian) != ET_DYN {
            return Err("ELF file is not a shared library".into());
        }
        let machine = header.e_machine(endian);
        if machine != MACHINE {
            return Err(format!(
                "shared library for another CPU (ELF machine {machine}, expected {MACHINE})"
            ));
        }
        let segments = header
            .program_headers(endian, &data)
            .map_err(|e| format!("truncated or damaged program headers ({e})"))?;
        if segments.iter().any(|s| s.p_type(endian) == PT_INTERP) {
            return Err(
                "ELF file is a program (it has an interpreter), not a shared library".into(),
            );
        }
        let mut loadable = 0;
        for segment in segments.iter().filter(|s| s.p_type(endian) == PT_LOAD) {
            loadable += 1;
            let end = segment
                .p_offset(endian)
                .checked_add(segment.p_filesz(endian));
            match end {
                Some(end) if end <= len => {}
                _ => {
                    return Err(format!(
                        "truncated: a loadable segment ends at byte {}, but the file has {len} bytes",
                        end.map_or_else(|| "(overflow)".into(), |e| e.to_string())
                    ));
                }
            }
        }
        if loadable == 0 {
            return Err("shared library has no loadable segment".into());
        }
        Ok(())
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    /// Other platforms' loaders fail cleanly on short files; nothing more to check.
    pub fn check(_file: std::fs::File, _len: u64) -> Result<(), String> {
        Ok(())
    }
}

/// The identity of the build output at `path` (see [`GameLibrary::id`](crate::library::GameLibrary::id)),
/// or `None` when there is no file.
pub fn identity(path: &Path) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (
        meta.dev(),
        meta.ino(),
        meta.size(),
        meta.mtime(),
        meta.mtime_nsec(),
    )
        .hash(&mut hasher);
    Some(hasher.finish())
}
