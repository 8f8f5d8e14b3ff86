//! Safe game code cannot cause undefined behaviour, and bytes from outside
//! game code are checked before it sees them: a hand-written `StateData`
//! does not compile, invalid values in files or migrations are refused with
//! the field named, padding never makes two equal runs differ, and a library
//! whose field table lies is refused while the old one keeps running.

use std::fs;
use std::path::{Path, PathBuf};

use engine::{Engine, EngineConfig};
use hotloop_abi::reflect::{Field, FieldKind, encode};
use hotloop_tests::{
    EngineProcess, Variant, boundaries_until, demo_library, run, ticks, unwatched, variants_dir,
};

mod files;
mod tables;
mod unsafe_code;
mod values;

/// The demo with a padded struct holding a `bool` and a `char`: `flags`,
/// written by a system every step from a value that passed through a stack
/// dirtied with addresses (different in every run under ASLR).
fn flagged_library() -> PathBuf {
    static FLAGGED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FLAGGED
        .get_or_init(|| {
            let variant = Variant::of_demo("flagged");
            variant
                .edit(
                    "lib.rs",
                    "    /// Everything the game remembers.",
                    "    /// Padded: 3 bytes after `alive`, 7 after `mark`.\n    pub struct Flags {\n        pub alive: bool,\n        pub letter: char,\n        pub mark: u8,\n        pub count: u64,\n    }\n\n    /// Everything the game remembers.",
                )
                .edit(
                    "lib.rs",
                    "        pub ticks: u64,\n",
                    "        pub ticks: u64,\n        /// Written by `flag` every step.\n        pub flags: Flags,\n",
                )
                .edit(
                    "lib.rs",
                    "        ticks: 0,\n",
                    "        ticks: 0,\n        flags: Flags { alive: true, letter: 'h', mark: 0, count: 0 },\n",
                )
                .edit("lib.rs", "systems: [", "systems: [systems::flag, ");
            let systems = variant_source(&variant, "systems.rs");
            variant.write(
                "systems.rs",
                &format!(
                    "{systems}\n\n/// Fills the stack with this run's addresses, then writes a fresh `Flags`.\npub fn flag(state: &mut crate::State, _frame: &hotloop_abi::Frame) {{\n    std::hint::black_box(dirty_stack());\n    let count = state.flags.count + 1;\n    state.flags = std::hint::black_box(crate::Flags {{ alive: count % 2 == 0, letter: 'h', mark: 7, count }});\n}}\n\n#[inline(never)]\nfn dirty_stack() -> u64 {{\n    let mut words = [0u64; 64];\n    let base = words.as_ptr() as u64;\n    for (index, word) in words.iter_mut().enumerate() {{\n        *word = base.rotate_left(index as u32) ^ 0xA5A5_A5A5_A5A5_A5A5;\n    }}\n    std::hint::black_box(&words);\n    words[7]\n}}\n"
                ),
            );
            variant.build()
        })
        .clone()
}

fn variant_source(variant: &Variant, file: &str) -> String {
    fs::read_to_string(
        variants_dir()
            .join("src")
            .join(variant.name())
            .join("src")
            .join(file),
    )
    .expect("variant source")
}

/// Where `flags.alive` is in the flagged state, by its field table.
fn offset_of_path(engine: &Engine, path: &str) -> usize {
    engine::state::fields::locate(engine.state_fields(), path, engine.state_bytes())
        .unwrap_or_else(|error| panic!("{error}"))
        .offset
}

/// `data` with `value` written at `at` and the checksum made right again,
/// as a hand-edited file would be.
fn forged(mut data: Vec<u8>, at: usize, value: &[u8]) -> Vec<u8> {
    data[at..at + value.len()].copy_from_slice(value);
    let end = data.len() - 8;
    let sum = engine::files::checksum::checksum(&data[..end]);
    data[end..].copy_from_slice(&sum.to_le_bytes());
    data
}
