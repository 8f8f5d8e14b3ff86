//! What the benches share: the release build of a game they measure.

use std::path::PathBuf;

/// Builds workspace package `package` with the release profile (always:
/// a stale library would measure old code) and returns its library.
pub fn release_library(package: &str) -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let status =
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "-p", package, "--release", "--manifest-path"])
            .arg(workspace.join("Cargo.toml"))
            .status()
            .expect("run cargo");
    let name = format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        package.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    );
    let path = workspace.join("target/release").join(name);
    assert!(
        status.success() && path.is_file(),
        "could not build {}",
        path.display()
    );
    path
}
