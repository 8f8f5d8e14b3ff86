//! The dev loop: watch the game's sources, rebuild with cargo on save, and
//! hand each new library to the engine the moment the build ends.
//!
//! Knowing when the build ends is what makes this faster than watching the
//! library file: the library is loaded right after cargo reports it, with no
//! file-system event or settle time in between. A save during a build queues
//! exactly one more build; builds never overlap.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::{Event, EventKind, RecursiveMode, Watcher};

use crate::library::GameLibrary;
use crate::shadow::ShadowDir;
use crate::source::{ReloadSource, SourceEvent};

/// Quiet time after a source change before building: editors save through a
/// temporary file and a rename, which arrive as several events in a row.
pub const SETTLE_SOURCES: Duration = Duration::from_millis(15);

/// What the dev loop builds and watches.
#[derive(Clone, Debug)]
pub struct DevConfig {
    /// The cargo workspace root.
    pub workspace: PathBuf,
    /// The package that builds the game library.
    pub package: String,
    /// Directories whose `.rs` and `.toml` files trigger a rebuild.
    pub watch: Vec<PathBuf>,
    /// Build with the release profile.
    pub release: bool,
    /// Cargo's target directory, when not the workspace's own.
    pub target_dir: Option<PathBuf>,
}

impl DevConfig {
    /// The hotloop workspace layout: build `game-logic`, watch it and the ABI crate.
    pub fn for_workspace(workspace: impl Into<PathBuf>, release: bool) -> Self {
        let workspace = workspace.into();
        Self {
            watch: vec![workspace.join("game-logic"), workspace.join("engine/abi")],
            package: "game-logic".into(),
            workspace,
            release,
            target_dir: None,
        }
    }
}

impl DevConfig {
    /// The dev loop for workspace member `package`: build it, watch its
    /// directory and the ABI crate. Asks `cargo metadata` where it lives.
    ///
    /// # Errors
    /// When cargo cannot describe the workspace, or it has no such package.
    pub fn for_package(
        workspace: impl Into<PathBuf>,
        package: &str,
        release: bool,
    ) -> Result<Self, String> {
        let mut config = Self::for_workspace(workspace, release);
        if package == config.package {
            return Ok(config);
        }
        let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args([
                "metadata",
                "--no-deps",
                "--format-version",
                "1",
                "--manifest-path",
            ])
            .arg(config.workspace.join("Cargo.toml"))
            .output()
            .map_err(|e| format!("could not run cargo metadata: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("cargo metadata said something unreadable: {e}"))?;
        let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
        let manifest = packages
            .iter()
            .find(|p| p["name"] == package)
            .and_then(|p| p["manifest_path"].as_str())
            .ok_or_else(|| {
                let names: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
                format!(
                    "the workspace has no package `{package}` (it has: {})",
                    names.join(", ")
                )
            })?;
        let dir = Path::new(manifest)
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        config.watch[0] = dir;
        config.package = package.to_owned();
        Ok(config)
    }
}

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

/// Runs one build and returns the library cargo produced.
///
/// # Errors
/// The compiler's first error (or why cargo could not run).
pub fn build(config: &DevConfig) -> Result<PathBuf, BuildError> {
    let started = Instant::now();
    let color = crate::session::stderr_is_terminal();
    let format = if color {
        "json-diagnostic-rendered-ansi"
    } else {
        "json"
    };
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .args(["build", "--lib", "-p", &config.package])
        .arg(format!("--message-format={format}"))
        .arg("--manifest-path")
        .arg(config.workspace.join("Cargo.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if config.release {
        command.arg("--release");
    }
    if let Some(target_dir) = &config.target_dir {
        command.arg("--target-dir").arg(target_dir);
    }
    let failure = |short: String| BuildError {
        rendered: short.clone(),
        short,
        errors: 1,
    };
    let mut child = command
        .spawn()
        .map_err(|e| failure(format!("could not run cargo: {e}")))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut report = BuildReport::default();
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        report.read(&line, &config.package);
    }
    let output = child
        .wait_with_output()
        .map_err(|e| failure(format!("cargo failed: {e}")))?;
    match (output.status.success(), report.library) {
        (true, Some(library)) => {
            log::debug!(
                "cargo built {} in {:.2?}",
                library.display(),
                started.elapsed()
            );
            Ok(library)
        }
        (true, None) => Err(failure(format!(
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
            failure(line.trim().to_owned())
        })),
    }
}

/// What cargo's JSON messages said.
#[derive(Default)]
struct BuildReport {
    library: Option<PathBuf>,
    first_error: Option<BuildError>,
}

impl BuildReport {
    fn read(&mut self, line: &str, package: &str) {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            return;
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") => {
                let crate_name = package.replace('-', "_");
                let is_cdylib = message["target"]["crate_types"]
                    .as_array()
                    .is_some_and(|types| types.iter().any(|t| t == "cdylib"));
                if message["target"]["name"] == crate_name.as_str() && is_cdylib {
                    self.library = message["filenames"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|f| f.as_str())
                        .find(|f| f.ends_with(std::env::consts::DLL_SUFFIX))
                        .map(PathBuf::from);
                }
            }
            Some("compiler-message") if message["message"]["level"] == "error" => {
                let diagnostic = &message["message"];
                let text = diagnostic["message"].as_str().unwrap_or("error");
                let code = diagnostic["code"]["code"]
                    .as_str()
                    .map(|c| format!("[{c}]"))
                    .unwrap_or_default();
                let at = diagnostic["spans"]
                    .as_array()
                    .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true))
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
            _ => {}
        }
    }
}

enum Message {
    Changed(PathBuf),
    /// Build without a change (the engine process restarted after a crash).
    BuildNow,
    Stop,
}

/// The dev loop's thread, as a [`ReloadSource`] for the engine.
pub struct DevLoop {
    events: Receiver<SourceEvent>,
    control: Sender<Message>,
    // Keeps the source watches alive.
    _watcher: notify::RecommendedWatcher,
}

impl DevLoop {
    /// Starts watching `config.watch` and rebuilding on every save.
    ///
    /// # Errors
    /// When a watched directory cannot be watched.
    pub fn spawn(config: DevConfig, shadows: Arc<ShadowDir>) -> notify::Result<Self> {
        let (control, messages) = mpsc::channel();
        let changes = control.clone();
        let workspace = config.workspace.clone();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
            let Ok(event) = event else { return };
            if matches!(event.kind, EventKind::Access(_)) {
                return;
            }
            for path in event.paths.into_iter().filter(|p| is_source(p, &workspace)) {
                let _ = changes.send(Message::Changed(path));
            }
        })?;
        for dir in &config.watch {
            watcher.watch(dir, RecursiveMode::Recursive)?;
        }
        log::info!(
            "dev loop: rebuilding `{}` whenever a file under {:?} is saved",
            config.package,
            config.watch
        );
        let (events_tx, events) = mpsc::channel();
        std::thread::Builder::new()
            .name("hotloop-dev".into())
            .spawn(move || rebuild_on_change(&config, &shadows, &messages, &events_tx))?;
        Ok(Self {
            events,
            control,
            _watcher: watcher,
        })
    }
}

impl DevLoop {
    /// Builds now, as if a source had been saved.
    pub fn build_now(&self) {
        let _ = self.control.send(Message::BuildNow);
    }
}

impl ReloadSource for DevLoop {
    fn poll(&mut self) -> Option<SourceEvent> {
        self.events.try_recv().ok()
    }
}

impl Drop for DevLoop {
    fn drop(&mut self) {
        // The thread ends at its next message; a build in progress finishes first.
        let _ = self.control.send(Message::Stop);
    }
}

/// A Rust source or manifest, not a build output (under a `target` directory
/// inside the workspace).
fn is_source(path: &Path, workspace: &Path) -> bool {
    let inside = path.strip_prefix(workspace).unwrap_or(path);
    let in_target = inside.components().any(|c| c.as_os_str() == "target");
    let extension = path.extension().and_then(|e| e.to_str());
    !in_target && matches!(extension, Some("rs" | "toml"))
}

fn rebuild_on_change(
    config: &DevConfig,
    shadows: &ShadowDir,
    messages: &Receiver<Message>,
    events: &Sender<SourceEvent>,
) {
    loop {
        let why = match messages.recv() {
            Ok(Message::Changed(path)) => {
                let name = path.strip_prefix(&config.workspace).unwrap_or(&path);
                format!("{} changed", name.display())
            }
            Ok(Message::BuildNow) => "the engine restarted".to_owned(),
            Ok(Message::Stop) | Err(_) => return,
        };
        // Coalesce the burst of events one save makes (and any other saves).
        loop {
            match messages.recv_timeout(SETTLE_SOURCES) {
                Ok(Message::Changed(_) | Message::BuildNow) => {}
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => break,
            }
        }
        log::info!("{why}: building {}…", config.package);
        if events.send(SourceEvent::Building).is_err() {
            return;
        }
        let started = Instant::now();
        let event = match build(config) {
            Ok(library) => {
                let prepared = GameLibrary::load(&library, shadows);
                log::info!(
                    "built in {:.2} s; swapping it in at the next frame",
                    started.elapsed().as_secs_f64()
                );
                SourceEvent::Prepared(prepared)
            }
            Err(error) => {
                eprintln!("{}", error.rendered.trim_end());
                let more = match error.errors {
                    1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                };
                log::error!("build failed{more}; the game keeps running the last good build");
                SourceEvent::BuildFailed(error.short)
            }
        };
        if events.send(event).is_err() {
            return;
        }
    }
}
