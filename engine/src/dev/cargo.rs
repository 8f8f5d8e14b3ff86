//! Building the game with cargo, and reading what the compiler said: the
//! same diagnostics whether they come from cargo's JSON messages or straight
//! from rustc ([`super::direct`]).

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use super::DevConfig;
use super::direct::{CAPTURE_CRATE_ENV, CAPTURE_FILE_ENV};

/// A failed build: the compiler's first error, in short and in full.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{short}")]
pub struct BuildError {
    /// One line for the overlay: the message and where it points.
    pub short: String,
    /// The compiler's rendered diagnostic, for the terminal.
    pub rendered: String,
    /// How many errors the build reported.
    pub errors: usize,
}

impl BuildError {
    /// A failure that is not a compiler diagnostic.
    pub(super) fn other(short: String) -> Self {
        Self {
            rendered: short.clone(),
            short,
            errors: 1,
        }
    }
}

/// Runs one cargo build and returns the library it produced. The game
/// crate's rustc command line is recorded on the way, for direct builds.
///
/// # Errors
/// The compiler's first error (or why cargo could not run).
pub fn build(config: &DevConfig) -> Result<PathBuf, BuildError> {
    let started = Instant::now();
    let format = if crate::session::stderr_is_terminal() {
        "json-diagnostic-rendered-ansi"
    } else {
        "json"
    };
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .args(["build", "--lib", "-p", &config.package])
        .arg(format!("--message-format={format}"))
        .arg("--manifest-path")
        .arg(config.workspace.join("Cargo.toml"));
    if config.release {
        command.arg("--release");
    }
    if let Some(target_dir) = &config.target_dir {
        command.arg("--target-dir").arg(target_dir);
    }
    // The engine executable, as cargo's wrapper around rustc for workspace
    // crates, records the game crate's compiler invocation (see `direct`).
    if let Some(wrapper) = &config.rustc_wrapper {
        command
            .env("RUSTC_WORKSPACE_WRAPPER", wrapper)
            .env(CAPTURE_FILE_ENV, config.capture_file())
            .env(CAPTURE_CRATE_ENV, config.crate_name());
    }
    // Both pipes are read at once (a full stderr pipe must never stall cargo).
    let output = command
        .output()
        .map_err(|e| BuildError::other(format!("could not run cargo: {e}")))?;
    let mut report = Diagnostics::default();
    let mut library = None;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") => {
                let is_cdylib = message["target"]["crate_types"]
                    .as_array()
                    .is_some_and(|types| types.iter().any(|t| t == "cdylib"));
                if message["target"]["name"] == config.crate_name().as_str() && is_cdylib {
                    library = message["filenames"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|f| f.as_str())
                        .find(|f| f.ends_with(std::env::consts::DLL_SUFFIX))
                        .map(PathBuf::from);
                }
            }
            Some("compiler-message") => report.read(&message["message"]),
            _ => {}
        }
    }
    match (output.status.success(), library) {
        (true, Some(library)) => {
            log::debug!(
                "cargo built {} in {:.2?}",
                library.display(),
                started.elapsed()
            );
            Ok(library)
        }
        (true, None) => Err(BuildError::other(format!(
            "cargo built no library for package `{}`",
            config.package
        ))),
        (false, _) => Err(report.first_error.unwrap_or_else(|| {
            // No diagnostic: cargo itself failed (bad manifest, missing package…).
            let stderr = String::from_utf8_lossy(&output.stderr);
            let line = stderr
                .lines()
                .find(|l| l.contains("error"))
                .unwrap_or("cargo failed");
            BuildError::other(line.trim().to_owned())
        })),
    }
}

/// The compiler's diagnostics of one build, as far as the dev loop needs them.
#[derive(Debug, Default)]
pub(super) struct Diagnostics {
    /// The first error, and how many there were.
    pub first_error: Option<BuildError>,
    /// The error codes seen (`E0463`, …).
    pub codes: Vec<String>,
    /// For each error, the file its primary span points into, if any.
    pub files: Vec<Option<String>>,
}

impl Diagnostics {
    /// Reads one rustc diagnostic (cargo's `message`, or rustc's own JSON line).
    pub fn read(&mut self, diagnostic: &serde_json::Value) {
        let text = diagnostic["message"].as_str().unwrap_or("error");
        // rustc's closing "aborting due to N previous errors" is no error of its own.
        if diagnostic["level"] != "error" || text.starts_with("aborting due to") {
            return;
        }
        let code = diagnostic["code"]["code"].as_str();
        if let Some(code) = code {
            self.codes.push(code.to_owned());
        }
        let code = code.map(|c| format!("[{c}]")).unwrap_or_default();
        let primary = diagnostic["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true));
        self.files.push(
            primary
                .and_then(|s| s["file_name"].as_str())
                .map(str::to_owned),
        );
        let at = primary
            .map(|s| {
                format!(
                    " at {}:{}:{}",
                    s["file_name"].as_str().unwrap_or("?"),
                    s["line_start"],
                    s["column_start"]
                )
            })
            .unwrap_or_default();
        match &mut self.first_error {
            Some(first) => first.errors += 1,
            None => {
                self.first_error = Some(BuildError {
                    short: format!("error{code}: {text}{at}"),
                    rendered: diagnostic["rendered"].as_str().unwrap_or(text).to_owned(),
                    errors: 1,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_error_is_kept_with_its_place_and_count() {
        let mut report = Diagnostics::default();
        let error = |message: &str, line: u32| {
            serde_json::json!({
                "level": "error",
                "message": message,
                "code": {"code": "E0425"},
                "rendered": format!("error[E0425]: {message}\n --> src/lib.rs:{line}:5"),
                "spans": [{"is_primary": true, "file_name": "src/lib.rs", "line_start": line, "column_start": 5}],
            })
        };
        report.read(&serde_json::json!({"level": "warning", "message": "unused"}));
        report.read(&serde_json::json!({"level": "error", "message": "aborting due to 2 previous errors", "spans": []}));
        report.read(&error("cannot find value `x` in this scope", 3));
        report.read(&error("cannot find value `y` in this scope", 9));
        let first = report.first_error.unwrap();
        assert_eq!(
            first.short,
            "error[E0425]: cannot find value `x` in this scope at src/lib.rs:3:5"
        );
        assert_eq!(first.errors, 2);
        assert_eq!(report.codes, ["E0425", "E0425"]);
        assert_eq!(
            report.files,
            [Some("src/lib.rs".into()), Some("src/lib.rs".into())]
        );
    }
}
