//! The dev loop: watch the game's sources, rebuild on save, and hand each
//! new library to the engine the moment the build ends.
//!
//! Knowing when the build ends is what makes this faster than watching the
//! library file: the library is loaded right after the compiler is done,
//! with no file-system event or settle time in between. A save during a
//! direct build stops it and builds the newer sources ([`cancel`]); a save
//! during a cargo build queues exactly one more build. Builds never
//! overlap. A save that
//! only touched the game crate's `src/` is compiled by running rustc
//! directly ([`direct`]); anything else goes through cargo ([`cargo`]).
//! One dev loop builds a game into a target directory at a time
//! ([`claim`]).

pub mod cancel;
pub mod cargo;
pub mod claim;
pub mod diagnostics;
pub mod direct;
pub mod fast_link;
pub mod saves;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Instant, SystemTime};

use notify::{Event, RecursiveMode, Watcher};

use self::cancel::Cancel;
use self::direct::{Invocation, Outcome};
use self::fast_link::FastLink;
use self::saves::{Saves, Step};
use crate::loader::library::GameLibrary;
use crate::loader::shadow::ShadowDir;
use crate::source::{ReloadSource, SourceEvent};

/// The workspace this engine was built from: the default sources of the dev
/// loop, the demo's assets, and what the tests and tools build.
pub fn home_workspace() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    workspace.canonicalize().unwrap_or(workspace)
}

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
    /// The `hotloop` executable, which cargo runs as its rustc wrapper to
    /// record the game crate's command for direct builds ([`direct`]).
    /// `None`: every build goes through cargo.
    pub rustc_wrapper: Option<PathBuf>,
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
            // Only the engine binary knows how to be a wrapper (not a test binary).
            rustc_wrapper: std::env::current_exe()
                .ok()
                .filter(|exe| exe.file_stem().is_some_and(|stem| stem == "hotloop")),
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
        let dir = cargo::package_dir(&config.workspace, package)?;
        config.watch[0] = dir;
        config.package = package.to_owned();
        Ok(config)
    }
}

pub use self::cargo::build;
pub use self::diagnostics::BuildError;

impl DevConfig {
    /// The game crate's name (the package name with `_` for `-`).
    pub fn crate_name(&self) -> String {
        self.package.replace('-', "_")
    }

    /// Cargo's target directory for this build.
    pub fn target_dir(&self) -> PathBuf {
        self.target_dir
            .clone()
            .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
            .unwrap_or_else(|| self.workspace.join("target"))
    }

    /// The cargo profile builds use: `debug` or `release`.
    pub fn profile(&self) -> &'static str {
        if self.release { "release" } else { "debug" }
    }

    /// Where cargo's rustc wrapper records the game crate's invocation.
    pub fn capture_file(&self) -> PathBuf {
        self.dev_file("json")
    }

    /// The lock file a running dev loop holds ([`claim`]).
    pub fn claim_file(&self) -> PathBuf {
        self.dev_file("lock")
    }

    fn dev_file(&self, extension: &str) -> PathBuf {
        self.target_dir().join("hotloop-dev").join(format!(
            "{}-{}.{extension}",
            self.crate_name(),
            self.profile()
        ))
    }

    /// The game crate's sources: a save that touched only these can be
    /// compiled directly.
    pub fn sources(&self) -> PathBuf {
        self.watch[0].join("src")
    }
}

enum Message {
    Changed(PathBuf, Step),
    /// Build if a source changed after this time (the engine process
    /// restarted after a crash: a save may have come while it died).
    CatchUp(SystemTime),
    /// The build running on its own thread ended.
    BuildEnded,
    Stop,
}

/// The dev loop's thread, as a [`ReloadSource`] for the engine.
pub struct DevLoop {
    events: Receiver<SourceEvent>,
    control: Sender<Message>,
    // Keeps the source watches alive.
    _watcher: notify::RecommendedWatcher,
    /// Joined on drop: the thread holds the shadow directory, which is
    /// removed only when its last holder lets go.
    thread: Option<std::thread::JoinHandle<()>>,
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
            let Some(step) = Step::of(&event.kind) else {
                return;
            };
            for path in event.paths.into_iter().filter(|p| is_source(p, &workspace)) {
                let _ = changes.send(Message::Changed(path, step));
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
        let wake = control.clone();
        let thread = std::thread::Builder::new()
            .name("hotloop-dev".into())
            .spawn(move || rebuild_on_change(&config, &shadows, &messages, &wake, &events_tx))?;
        Ok(Self {
            events,
            control,
            _watcher: watcher,
            thread: Some(thread),
        })
    }
}

impl DevLoop {
    /// Builds if a watched source was saved after `since` (the time of the
    /// last build loaded). Building unchanged sources would only make the
    /// same code again under another file name.
    pub fn catch_up(&self, since: SystemTime) {
        let _ = self.control.send(Message::CatchUp(since));
    }
}

/// Whether a source under `config.watch` was modified after `since`.
fn saved_since(config: &DevConfig, since: SystemTime) -> bool {
    fn newer(dir: &Path, workspace: &Path, since: SystemTime) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return false;
        };
        entries.flatten().any(|entry| {
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => {
                    path.file_name().is_none_or(|name| name != "target")
                        && newer(&path, workspace, since)
                }
                Ok(_) => {
                    is_source(&path, workspace)
                        && entry
                            .metadata()
                            .and_then(|meta| meta.modified())
                            .is_ok_and(|modified| modified > since)
                }
                Err(_) => false,
            }
        })
    }
    config
        .watch
        .iter()
        .any(|dir| newer(dir, &config.workspace, since))
}

impl ReloadSource for DevLoop {
    fn poll(&mut self) -> Option<SourceEvent> {
        self.events.try_recv().ok()
    }
}

impl Drop for DevLoop {
    fn drop(&mut self) {
        // The thread ends at its next message: a direct build in progress is
        // stopped, a cargo build finishes first.
        let _ = self.control.send(Message::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
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

/// What the messages since the last build changed.
#[derive(Default)]
struct Changes {
    /// Something outside the game crate's `src/` changed: build with cargo.
    need_cargo: bool,
    saves: Saves,
}

impl Changes {
    fn note(&mut self, message: &Message, sources: &Path) {
        match message {
            Message::Changed(path, step) => {
                self.need_cargo |= !path.starts_with(sources);
                self.saves.note(path, *step);
            }
            Message::CatchUp(_) => self.need_cargo = true,
            Message::BuildEnded | Message::Stop => {}
        }
    }
}

fn rebuild_on_change(
    config: &DevConfig,
    shadows: &ShadowDir,
    messages: &Receiver<Message>,
    wake: &Sender<Message>,
    events: &Sender<SourceEvent>,
) {
    let sources = config.sources();
    // How direct builds link, asked of `cc` now while no save waits for it
    // (`None`: not known yet, no command was recorded).
    let mut fast_link = Invocation::load(&config.capture_file())
        .map(|invocation| FastLink::find(&invocation.rustc));
    // The saves that came during the last build, which they stopped.
    let mut during: Option<(Changes, String)> = None;
    loop {
        let (mut changes, why) = match during.take() {
            Some(saved) => saved,
            None => {
                let first = match messages.recv() {
                    Ok(Message::Stop) | Err(_) => return,
                    Ok(Message::CatchUp(since)) if !saved_since(config, since) => {
                        log::info!(
                            "no source changed since the last build; waiting for the next save"
                        );
                        continue;
                    }
                    Ok(message) => message,
                };
                let mut changes = Changes::default();
                changes.note(&first, &sources);
                (changes, reason(config, &first))
            }
        };
        // The recorded command, read once per build: only this thread's
        // builds rewrite it, and none runs now.
        let recorded = config
            .rustc_wrapper
            .is_some()
            .then(|| Invocation::load(&config.capture_file()))
            .flatten();
        // Coalesce the burst of events one save makes (and any other saves),
        // and build the moment every file touched is whole.
        loop {
            let stoppable = recorded.is_some() && !changes.need_cargo;
            match messages.recv_timeout(changes.saves.quiet_time(stoppable)) {
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                Ok(message) => changes.note(&message, &sources),
                Err(RecvTimeoutError::Timeout) => break,
            }
        }
        let direct = recorded.filter(|_| !changes.need_cargo);
        let started = Instant::now();
        let cancel = Cancel::default();
        let mut stopped = false;
        // The build runs on a thread of its own while this one listens: a
        // save meanwhile stops a direct build (cargo's run to their end).
        let built = std::thread::scope(|scope| {
            let build = scope.spawn(|| {
                let built = compile(config, direct, &mut fast_link, &why, events, &cancel);
                let _ = wake.send(Message::BuildEnded);
                built
            });
            loop {
                match messages.recv() {
                    Ok(Message::BuildEnded) => break,
                    Ok(Message::Stop) | Err(_) => {
                        stopped = true;
                        cancel.cancel();
                    }
                    Ok(message) => {
                        let (changes, _) = during
                            .get_or_insert_with(|| (Changes::default(), reason(config, &message)));
                        changes.note(&message, &sources);
                        cancel.cancel();
                    }
                }
            }
            build.join().ok().flatten()
        });
        let Some(built) = built.filter(|_| !stopped) else {
            return;
        };
        let event = match built {
            Built::Library(library) => {
                // This thread is done with the build once it is prepared.
                let prepared = GameLibrary::load(&library, shadows)
                    .inspect(GameLibrary::end_thread_locals_here);
                log::info!(
                    "built in {:.2} s; swapping it in at the next frame",
                    started.elapsed().as_secs_f64()
                );
                SourceEvent::Prepared(prepared)
            }
            Built::Failed(error) => {
                eprintln!("{}", error.rendered.trim_end());
                let count = match error.errors {
                    1 => String::new(),
                    n => format!(" with {n} errors (above)"),
                };
                log::error!("build failed{count}; the game keeps running the last good build");
                SourceEvent::BuildFailed(error.short)
            }
            Built::Stale => {
                log::info!("a newer save came during the build: stopped it; building that instead");
                SourceEvent::Stopped
            }
        };
        if events.send(event).is_err() {
            return;
        }
    }
}

/// Why a build starts, for the log: the file whose change began it.
fn reason(config: &DevConfig, first: &Message) -> String {
    match first {
        Message::Changed(path, _) => {
            let name = path.strip_prefix(&config.workspace).unwrap_or(path);
            format!("{} changed", name.display())
        }
        _ => "the engine restarted".to_owned(),
    }
}

/// How a build ended.
enum Built {
    Library(PathBuf),
    Failed(BuildError),
    /// Stopped by a newer save.
    Stale,
}

/// Compiles the game: directly with the recorded rustc command when there
/// is one (`cancel` stops it), else (or when it no longer works) with
/// cargo. `None` when the engine is gone.
fn compile(
    config: &DevConfig,
    direct: Option<Invocation>,
    fast_link: &mut Option<Option<FastLink>>,
    why: &str,
    events: &Sender<SourceEvent>,
    cancel: &Cancel,
) -> Option<Built> {
    if let Some(invocation) = direct {
        log::info!("{why}: building {} (rustc)…", config.package);
        events.send(SourceEvent::Building { direct: true }).ok()?;
        let fast_link = fast_link.get_or_insert_with(|| FastLink::find(&invocation.rustc));
        match invocation.build(fast_link, cancel) {
            Outcome::Built(library) => return Some(Built::Library(library)),
            Outcome::Failed(error) => return Some(Built::Failed(error)),
            Outcome::Cancelled => return Some(Built::Stale),
            Outcome::Unusable(reason) => {
                log::warn!("the recorded rustc command failed ({reason}); building with cargo");
                let _ = std::fs::remove_file(config.capture_file());
            }
        }
    } else {
        log::info!("{why}: building {} (cargo)…", config.package);
    }
    events.send(SourceEvent::Building { direct: false }).ok()?;
    Some(match build(config) {
        Ok(library) => Built::Library(library),
        Err(error) => Built::Failed(error),
    })
}
