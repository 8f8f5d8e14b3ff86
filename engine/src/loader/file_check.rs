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
    check_len(len)?;
    platform::check(&object::ReadCache::new(file), len)
}

/// [`check_library`] on a file's bytes already in memory (what the fuzz
/// target feeds it; the file path reads only the headers).
pub fn check_library_bytes(bytes: &[u8]) -> Result<(), String> {
    check_len(bytes.len() as u64)?;
    platform::check(bytes, bytes.len() as u64)
}

/// Which of `names` the library at `path` defines itself, in its dynamic
/// symbol table. `dlsym` on a library also searches the libraries it
/// depends on, so an entry point the file does not define would be another
/// library's function of the same name (a C library's `display`, say),
/// called with our signature.
pub fn defined_symbols(path: &Path, names: &[&'static str]) -> Result<Vec<&'static str>, String> {
    let file = File::open(path).map_err(|e| format!("cannot open it: {e}"))?;
    platform::defined(&object::ReadCache::new(file), names)
}

/// [`defined_symbols`] on a file's bytes already in memory (the fuzz target's way in).
pub fn defined_symbols_in_bytes(
    bytes: &[u8],
    names: &[&'static str],
) -> Result<Vec<&'static str>, String> {
    platform::defined(bytes, names)
}

fn check_len(len: u64) -> Result<(), String> {
    match len {
        0 => Err("the file is empty (a build still being written?)".into()),
        _ => Ok(()),
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use object::elf::{ET_DYN, FileHeader64, PT_INTERP, PT_LOAD, SHT_DYNSYM};
    use object::read::elf::{FileHeader, ProgramHeader, Sym};
    use object::{Endianness, ReadRef};

    #[cfg(target_arch = "x86_64")]
    pub(super) const MACHINE: u16 = object::elf::EM_X86_64;
    #[cfg(target_arch = "aarch64")]
    pub(super) const MACHINE: u16 = object::elf::EM_AARCH64;
    #[cfg(target_arch = "riscv64")]
    pub(super) const MACHINE: u16 = object::elf::EM_RISCV;

    /// Checks the ELF and program headers in `data`, a file of `len` bytes.
    pub fn check<'data>(data: impl ReadRef<'data>, len: u64) -> Result<(), String> {
        let header = FileHeader64::<Endianness>::parse(data)
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
            .program_headers(endian, data)
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

    /// Which of `names` the dynamic symbol table in `data` defines (not
    /// merely references).
    pub fn defined<'data>(
        data: impl ReadRef<'data>,
        names: &[&'static str],
    ) -> Result<Vec<&'static str>, String> {
        let header = FileHeader64::<Endianness>::parse(data)
            .map_err(|e| format!("not a 64-bit ELF file ({e})"))?;
        let endian = header.endian().map_err(|e| e.to_string())?;
        let sections = header
            .sections(endian, data)
            .map_err(|e| format!("damaged section headers ({e})"))?;
        let symbols = sections
            .symbols(endian, data, SHT_DYNSYM)
            .map_err(|e| format!("damaged dynamic symbol table ({e})"))?;
        let mut found = Vec::new();
        for symbol in symbols.iter().filter(|s| !s.is_undefined(endian)) {
            let Ok(name) = symbols.symbol_name(endian, symbol) else {
                continue;
            };
            if let Some(&ours) = names.iter().find(|ours| ours.as_bytes() == name) {
                found.push(ours);
            }
        }
        Ok(found)
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    /// Other platforms' loaders fail cleanly on short files; nothing more to check.
    pub fn check<T>(_data: T, _len: u64) -> Result<(), String> {
        Ok(())
    }

    /// Without ELF to read, every name counts as the library's own.
    pub fn defined<T>(_data: T, names: &[&'static str]) -> Result<Vec<&'static str>, String> {
        Ok(names.to_vec())
    }
}

/// The identity of the build output at `path` (see [`GameLibrary::id`](crate::loader::library::GameLibrary::id)),
/// or `None` when there is no file.
pub fn identity(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|meta| identity_of(&meta))
}

/// [`identity`] of a file already open or stat'ed.
pub fn identity_of(meta: &std::fs::Metadata) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec(),
        )
            .hash(&mut hasher);
    }
    #[cfg(not(unix))]
    (meta.len(), meta.modified().ok()).hash(&mut hasher);
    hasher.finish()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use object::elf::{ET_DYN, ET_EXEC, PT_INTERP, PT_LOAD};

    use super::*;

    /// A little-endian ELF64 file: the header, then one program header per
    /// `(type, offset, size in file)`, padded with zeros to `len` bytes.
    fn elf(kind: u16, segments: &[(u32, u64, u64)], len: usize) -> Vec<u8> {
        let mut bytes = b"\x7fELF\x02\x01\x01".to_vec();
        bytes.resize(16, 0);
        bytes.extend(kind.to_le_bytes());
        bytes.extend(platform::MACHINE.to_le_bytes());
        bytes.extend(1u32.to_le_bytes()); // e_version
        bytes.extend(0u64.to_le_bytes()); // e_entry
        bytes.extend(64u64.to_le_bytes()); // e_phoff: right after this header
        bytes.extend(0u64.to_le_bytes()); // e_shoff: no sections
        bytes.extend(0u32.to_le_bytes()); // e_flags
        for half in [64u16, 56, segments.len() as u16, 64, 0, 0] {
            bytes.extend(half.to_le_bytes()); // sizes and counts
        }
        for &(kind, offset, size) in segments {
            bytes.extend(kind.to_le_bytes());
            bytes.extend(0u32.to_le_bytes()); // p_flags
            for word in [offset, 0, 0, size, size, 0x1000] {
                bytes.extend(word.to_le_bytes());
            }
        }
        bytes.resize(len.max(bytes.len()), 0);
        bytes
    }

    #[test]
    fn a_shared_library_whose_segments_are_all_there_passes() {
        assert_eq!(
            check_library_bytes(&elf(ET_DYN, &[(PT_LOAD, 0, 4096)], 4096)),
            Ok(())
        );
    }

    #[test]
    fn a_segment_past_the_end_of_the_file_is_refused() {
        let error = check_library_bytes(&elf(ET_DYN, &[(PT_LOAD, 0, 4096)], 200)).unwrap_err();
        assert_eq!(
            error,
            "truncated: a loadable segment ends at byte 4096, but the file has 200 bytes"
        );
        let error = check_library_bytes(&elf(ET_DYN, &[(PT_LOAD, u64::MAX, 2)], 200)).unwrap_err();
        assert!(error.contains("(overflow)"), "{error}");
    }

    #[test]
    fn programs_and_other_files_are_not_libraries() {
        let interp = elf(ET_DYN, &[(PT_INTERP, 0, 8), (PT_LOAD, 0, 200)], 200);
        assert!(
            check_library_bytes(&interp)
                .unwrap_err()
                .contains("is a program")
        );
        let exec = elf(ET_EXEC, &[(PT_LOAD, 0, 200)], 200);
        assert!(
            check_library_bytes(&exec)
                .unwrap_err()
                .contains("not a shared library")
        );
        let none = elf(ET_DYN, &[], 200);
        assert!(
            check_library_bytes(&none)
                .unwrap_err()
                .contains("no loadable segment")
        );
        assert!(
            check_library_bytes(b"#!/bin/sh\n")
                .unwrap_err()
                .contains("not a 64-bit ELF")
        );
        assert!(check_library_bytes(&[]).unwrap_err().contains("empty"));
        // Program headers said to be there, but cut off.
        let cut = elf(ET_DYN, &[(PT_LOAD, 0, 100)], 0);
        assert!(
            check_library_bytes(&cut[..80])
                .unwrap_err()
                .contains("program headers")
        );
    }

    #[test]
    fn the_file_and_its_bytes_get_the_same_answer() {
        let dir = tempfile::tempdir().unwrap();
        for bytes in [
            elf(ET_DYN, &[(PT_LOAD, 0, 4096)], 4096),
            elf(ET_DYN, &[(PT_LOAD, 0, 4096)], 300),
            b"not elf".to_vec(),
        ] {
            let path = dir.path().join("lib.so");
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(check_library(&path), check_library_bytes(&bytes));
        }
    }
}
