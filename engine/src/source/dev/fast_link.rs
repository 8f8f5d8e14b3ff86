//! Direct builds link with the toolchain's own `rust-lld`, called as the
//! linker, instead of through the C compiler driver.
//!
//! rustc links a Linux library by running `cc`, which runs `collect2`,
//! which runs the toolchain's `ld.lld` wrapper, which runs `rust-lld`: four
//! processes, about 7 ms of every save on this project's machine, before
//! the linking itself (about 22 ms). What `cc` adds is only the C runtime's
//! start and end objects (`crti.o`, `crtbeginS.o`, `crtendS.o`, `crtn.o`)
//! and the directories to find the system libraries in; those are asked of
//! `cc` once per session (`-print-file-name`, `-print-search-dirs`) and
//! handed to rustc with `-C linker-flavor=ld.lld`.
//!
//! Only where that is all `cc` would do: a Linux GNU host, a recorded
//! command that names no linker, linker flavor or link arguments of its own
//! (a user's choice of linker is kept), and every file found. When rustc
//! fails to link this way, the build is run again as recorded and the
//! session keeps linking through `cc`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The C runtime's objects a shared library is linked with, in the order
/// `cc` puts them around the rest.
const RUNTIME_OBJECTS: [&str; 4] = ["crti.o", "crtbeginS.o", "crtendS.o", "crtn.o"];

/// The extra rustc arguments that link with `rust-lld` directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FastLink {
    args: Vec<String>,
}

impl FastLink {
    /// Finds `rust-lld` beside `rustc` and the C runtime's objects through
    /// `cc`; `None` where linking this way is not known to match `cc`.
    pub fn find(rustc: &Path) -> Option<Self> {
        if !cfg!(all(target_os = "linux", target_env = "gnu")) {
            return None;
        }
        let lld = rust_lld(rustc)?;
        let mut args = vec![
            "-C".to_owned(),
            format!("linker={}", lld.display()),
            "-C".to_owned(),
            "linker-flavor=ld.lld".to_owned(),
        ];
        let mut dirs: Vec<PathBuf> = Vec::new();
        for name in RUNTIME_OBJECTS {
            let object = cc_file(name)?;
            let dir = object.parent()?.to_path_buf();
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
            args.extend(["-C".to_owned(), format!("link-arg={}", object.display())]);
        }
        // `cc` passes these to the linker by default on Linux.
        for flag in ["--build-id", "--hash-style=gnu"] {
            args.extend(["-C".to_owned(), format!("link-arg={flag}")]);
        }
        // A library that lives until the next save need not have its equal
        // strings merged across sections: about 3.5 ms of the demo's 25 ms
        // link on this project's machine.
        args.extend(["-C".to_owned(), "link-arg=-O0".to_owned()]);
        // Where `-lgcc_s` (beside crtbeginS.o) and `-lc` (beside crti.o)
        // are, then the rest of `cc`'s library directories, in its order.
        for dir in cc_library_dirs() {
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        for dir in dirs {
            args.extend(["-L".to_owned(), format!("native={}", dir.display())]);
        }
        Some(Self { args })
    }

    /// Links with `lld` and nothing else: for tests of what happens when
    /// linking this way fails.
    #[doc(hidden)]
    pub fn with_linker(lld: &Path) -> Self {
        let args = ["-C".to_owned(), format!("linker={}", lld.display())];
        let flavor = ["-C".to_owned(), "linker-flavor=ld.lld".to_owned()];
        Self {
            args: args.into_iter().chain(flavor).collect(),
        }
    }

    /// Whether a recorded command may link this way: it chooses no linker,
    /// flavor or link arguments of its own, and builds for the host.
    pub fn fits(recorded: &[String]) -> bool {
        let chosen = ["linker", "link-arg", "link-args", "linker-flavor"];
        !recorded.iter().any(|arg| {
            let option = arg.strip_prefix("-C").unwrap_or(arg);
            arg == "--target"
                || arg.starts_with("--target=")
                || chosen.iter().any(|name| {
                    option
                        .strip_prefix(name)
                        .is_some_and(|rest| rest.starts_with('='))
                })
        })
    }

    /// The arguments to add to rustc's command line.
    pub fn args(&self) -> &[String] {
        &self.args
    }
}

/// The toolchain's `rust-lld`: `lib/rustlib/<host>/bin/rust-lld` in the
/// sysroot above `rustc`'s own `bin/`.
fn rust_lld(rustc: &Path) -> Option<PathBuf> {
    let sysroot = rustc.canonicalize().ok()?.parent()?.parent()?.to_path_buf();
    let mut found = std::fs::read_dir(sysroot.join("lib/rustlib"))
        .ok()?
        .flatten()
        .map(|entry| entry.path().join("bin/rust-lld"))
        .filter(|lld| lld.is_file());
    let lld = found.next()?;
    // Several hosts' tools: which one is this host's is not worth guessing.
    found.next().is_none().then_some(lld)
}

/// The directories `cc` has the linker search (`cc -print-search-dirs`),
/// those that exist, each once.
fn cc_library_dirs() -> Vec<PathBuf> {
    let Ok(output) = Command::new("cc").arg("-print-search-dirs").output() else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let mut dirs: Vec<PathBuf> = Vec::new();
    let listed = text
        .lines()
        .find_map(|line| line.strip_prefix("libraries: ="))
        .unwrap_or_default();
    for dir in listed
        .split(':')
        .filter_map(|dir| Path::new(dir).canonicalize().ok())
    {
        if dir.is_dir() && !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

/// `cc -print-file-name=NAME`, when that names a file (`cc` prints the bare
/// name back when it has none).
fn cc_file(name: &str) -> Option<PathBuf> {
    let output = Command::new("cc")
        .arg(format!("-print-file-name={name}"))
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
    (output.status.success() && path.is_absolute() && path.is_file())
        .then(|| path.canonicalize().unwrap_or(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn a_command_with_its_own_linker_or_target_keeps_it() {
        assert!(FastLink::fits(&args(&[
            "--crate-name",
            "g",
            "-C",
            "opt-level=0"
        ])));
        for own in [
            &["-C", "linker=clang"][..],
            &["-Clinker=clang"],
            &["-C", "link-arg=-fuse-ld=mold"],
            &["-C", "link-args=-Wl,-z,now"],
            &["-C", "linker-flavor=gcc"],
            &["--target", "aarch64-unknown-linux-gnu"],
            &["--target=wasm32-unknown-unknown"],
        ] {
            assert!(!FastLink::fits(&args(own)), "{own:?}");
        }
    }

    #[test]
    fn on_this_linux_host_rust_lld_and_the_c_runtime_are_found() {
        if !cfg!(all(target_os = "linux", target_env = "gnu")) {
            return;
        }
        let rustc = Command::new("rustc")
            .args(["--print", "sysroot"])
            .output()
            .expect("rustc runs");
        let sysroot = PathBuf::from(String::from_utf8(rustc.stdout).unwrap().trim());
        let fast = FastLink::find(&sysroot.join("bin/rustc"))
            .expect("rust-lld in the toolchain and the C runtime's objects through cc");
        let joined = fast.args().join(" ");
        assert!(joined.contains("linker-flavor=ld.lld"), "{joined}");
        for object in RUNTIME_OBJECTS {
            assert!(joined.contains(object), "{joined}");
        }
    }
}
