//! The one way hotloop talks to cargo (and to rustc): the dev loop, the
//! `hotloop` binary's default-library lookup and `tools` all go through here.
//!
//! A child's stdout and stderr are read at once, stderr on a thread of its
//! own: reading one pipe to its end before the other stalls the child as soon
//! as the other fills its pipe buffer (64 KiB on Linux), and a build that
//! prints many warnings gets there. Cargo's messages and `cargo metadata` are
//! read with the `cargo_metadata` crate's types, not by hand.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Instant;

use cargo_metadata::{Artifact, CrateType, Message, MetadataCommand};

use super::DevConfig;
use super::cancel::Cancel;
use super::diagnostics::{BuildError, Diagnostics};
use super::direct::{CAPTURE_CRATE_ENV, CAPTURE_FILE_ENV};

/// Cargo: the one that runs us (`$CARGO`, set by `cargo run` and for build
/// scripts and tests), else the first on `PATH`.
pub fn command() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// What happens to a child's stderr besides being kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stderr {
    /// Only kept, for the caller to read.
    Keep,
    /// Also copied to this process's stderr line by line as it comes
    /// (cargo's progress and rendered diagnostics, for a person watching).
    Echo,
}

/// A finished child: its exit status and everything it printed.
#[derive(Debug)]
pub struct Output {
    /// How it ended.
    pub status: ExitStatus,
    /// Its whole stdout.
    pub stdout: Vec<u8>,
    /// Its whole stderr.
    pub stderr: Vec<u8>,
}

impl Output {
    /// Cargo's JSON messages on stdout (`--message-format=json…`). A line
    /// that is no message comes as [`Message::TextLine`].
    pub fn messages(&self) -> impl Iterator<Item = Message> + '_ {
        Message::parse_stream(self.stdout.as_slice()).map_while(Result::ok)
    }

    /// Stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.stderr)
    }
}

/// Runs `command` to its end with no stdin, reading its stdout and stderr
/// at the same time.
///
/// # Errors
/// When the command cannot be started or waited for, or a pipe fails.
pub fn run(command: &mut Command, stderr: Stderr) -> io::Result<Output> {
    run_until(command, stderr, None)
}

/// As [`run`], in a process group of its own that `cancel` can stop (with
/// every process it started).
///
/// # Errors
/// As [`run`].
pub fn run_cancellable(
    command: &mut Command,
    stderr: Stderr,
    cancel: &Cancel,
) -> io::Result<Output> {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(command, 0);
    run_until(command, stderr, Some(cancel))
}

fn run_until(command: &mut Command, stderr: Stderr, cancel: Option<&Cancel>) -> io::Result<Output> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(cancel) = cancel {
        cancel.started(child.id());
    }
    let result = read_both(&mut child, stderr);
    if let Some(cancel) = cancel {
        cancel.ended();
    }
    // Waited for even when reading failed, so no zombie is left behind.
    let status = child.wait()?;
    let (stdout, stderr) = result?;
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

fn read_both(child: &mut Child, mode: Stderr) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let (Some(mut stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(io::Error::other("the child's pipes were not set up"));
    };
    let reader = std::thread::Builder::new()
        .name("hotloop-stderr".into())
        .spawn(move || read_stderr(stderr, mode));
    let reader = match reader {
        Ok(reader) => reader,
        Err(error) => {
            // Without a reader the child could block on stderr forever.
            let _ = child.kill();
            return Err(error);
        }
    };
    let mut out = Vec::new();
    let read = stdout.read_to_end(&mut out);
    let err = reader
        .join()
        .map_err(|_| io::Error::other("the stderr reader panicked"))??;
    read?;
    Ok((out, err))
}

fn read_stderr(pipe: impl Read, mode: Stderr) -> io::Result<Vec<u8>> {
    let mut pipe = BufReader::new(pipe);
    let mut all = Vec::new();
    loop {
        let start = all.len();
        if pipe.read_until(b'\n', &mut all)? == 0 {
            return Ok(all);
        }
        if mode == Stderr::Echo {
            let _ = io::stderr().write_all(&all[start..]);
        }
    }
}

/// What one cargo build reported, as far as hotloop needs it.
#[derive(Debug, Default)]
pub struct BuildReport {
    /// The cdylib of the crate asked for, if cargo made or reused it.
    pub library: Option<PathBuf>,
    /// The compiler's diagnostics.
    pub diagnostics: Diagnostics,
    /// Cargo's closing verdict (`build-finished`), when it got that far: a
    /// failure without it is cargo's own (bad manifest, missing package…).
    pub finished: Option<bool>,
}

impl BuildReport {
    /// Reads cargo's messages, looking for `crate_name`'s cdylib.
    pub fn read(messages: impl IntoIterator<Item = Message>, crate_name: &str) -> Self {
        let mut report = Self::default();
        for message in messages {
            match message {
                Message::CompilerArtifact(artifact) => {
                    if let Some(library) = cdylib(&artifact, crate_name) {
                        report.library = Some(library);
                    }
                }
                Message::CompilerMessage(message) => report.diagnostics.read(&message.message),
                Message::BuildFinished(finished) => report.finished = Some(finished.success),
                _ => {}
            }
        }
        report
    }
}

/// The dynamic library among `artifact`'s files, when it is `crate_name`'s cdylib.
fn cdylib(artifact: &Artifact, crate_name: &str) -> Option<PathBuf> {
    let target = &artifact.target;
    // Cargo names a target by its package name (`game-logic`); rustc's crate
    // name has `_` for `-`.
    if target.name.replace('-', "_") != crate_name
        || !target.crate_types.contains(&CrateType::CDyLib)
    {
        return None;
    }
    artifact
        .filenames
        .iter()
        .find(|file| file.as_str().ends_with(std::env::consts::DLL_SUFFIX))
        .map(|file| file.clone().into_std_path_buf())
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
    let mut command = command();
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
    let output = run(&mut command, Stderr::Keep)
        .map_err(|e| BuildError::other(format!("could not run cargo: {e}")))?;
    let report = BuildReport::read(output.messages(), &config.crate_name());
    match (output.status.success(), report.library) {
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
        (false, _) => Err(report.diagnostics.first_error.unwrap_or_else(|| {
            // No diagnostic: cargo itself failed (bad manifest, missing package…).
            let stderr = output.stderr_text();
            let line = stderr
                .lines()
                .find(|l| l.contains("error"))
                .unwrap_or("cargo failed");
            BuildError::other(line.trim().to_owned())
        })),
    }
}

/// The directory of workspace member `package` (where its `Cargo.toml` is),
/// as `cargo metadata` describes the workspace at `workspace`.
///
/// # Errors
/// When cargo cannot describe the workspace, or it has no such package.
pub fn package_dir(workspace: &Path, package: &str) -> Result<PathBuf, String> {
    use cargo_metadata::Error;
    let metadata = MetadataCommand::new()
        .manifest_path(workspace.join("Cargo.toml"))
        .no_deps()
        .exec()
        .map_err(|error| match error {
            Error::Io(e) => format!("could not run cargo metadata: {e}"),
            Error::CargoMetadata { stderr } => format!("cargo metadata failed: {}", stderr.trim()),
            other => format!("cargo metadata said something unreadable: {other}"),
        })?;
    let found = metadata
        .packages
        .iter()
        .find(|p| p.name.as_str() == package);
    let Some(found) = found else {
        let names: Vec<&str> = metadata.packages.iter().map(|p| p.name.as_str()).collect();
        return Err(format!(
            "the workspace has no package `{package}` (it has: {})",
            names.join(", ")
        ));
    };
    Ok(found.manifest_path.parent().map_or_else(
        || PathBuf::from("."),
        |dir| dir.to_path_buf().into_std_path_buf(),
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    /// Runs `script` under `sh -c`; a deadlocked run fails after a minute
    /// instead of hanging the test suite.
    fn sh(script: &str) -> Output {
        let (done, result) = mpsc::channel();
        let script = script.to_owned();
        std::thread::spawn(move || {
            let output = run(Command::new("sh").args(["-c", &script]), Stderr::Keep);
            let _ = done.send(output);
        });
        result
            .recv_timeout(Duration::from_secs(60))
            .expect("the child and its reader deadlocked")
            .expect("sh runs")
    }

    #[test]
    fn a_child_filling_its_stderr_pipe_before_stdout_does_not_deadlock() {
        // 1 MiB of stderr, 16 pipe buffers' worth, before a single stdout byte.
        let output = sh(
            r#"head -c 1048576 /dev/zero >&2; echo '{"reason":"build-finished","success":true}'"#,
        );
        assert!(output.status.success());
        assert_eq!(output.stderr.len(), 1024 * 1024);
        let messages: Vec<Message> = output.messages().collect();
        assert!(
            matches!(&messages[..], [Message::BuildFinished(f)] if f.success),
            "{messages:?}"
        );
    }

    #[test]
    fn a_child_filling_stdout_while_stderr_waits_does_not_deadlock() {
        let output = sh("head -c 300000 /dev/zero | tr '\\0' o; echo late >&2; exit 3");
        assert_eq!(output.status.code(), Some(3));
        assert_eq!(output.stdout.len(), 300_000);
        assert_eq!(output.stderr_text(), "late\n");
    }

    /// One line of `cargo build --message-format=json` for a cdylib + rlib crate.
    fn artifact_line(name: &str, crate_types: &str) -> String {
        format!(
            r#"{{"reason":"compiler-artifact","package_id":"path+file:///w/{name}#0.1.0","manifest_path":"/w/{name}/Cargo.toml","target":{{"kind":[{crate_types}],"crate_types":[{crate_types}],"name":"{name}","src_path":"/w/{name}/src/lib.rs","edition":"2024","doc":true,"doctest":false,"test":true}},"profile":{{"opt_level":"0","debuginfo":0,"debug_assertions":true,"overflow_checks":true,"test":false}},"features":[],"filenames":["/w/target/debug/lib{under}{suffix}","/w/target/debug/lib{under}.rlib"],"executable":null,"fresh":false}}"#,
            under = name.replace('-', "_"),
            suffix = std::env::consts::DLL_SUFFIX,
        )
    }

    #[test]
    fn cargo_messages_give_the_library_the_errors_and_the_verdict() {
        let error = r#"{"reason":"compiler-message","package_id":"path+file:///w/game-logic#0.1.0","manifest_path":"/w/game-logic/Cargo.toml","target":{"kind":["cdylib","rlib"],"crate_types":["cdylib","rlib"],"name":"game-logic","src_path":"/w/game-logic/src/lib.rs","edition":"2024","doc":true,"doctest":false,"test":true},"message":{"$message_type":"diagnostic","message":"expected expression, found `;`","code":null,"level":"error","spans":[{"file_name":"src/systems.rs","byte_start":10,"byte_end":11,"line_start":7,"line_end":7,"column_start":30,"column_end":31,"is_primary":true,"text":[],"label":"expected expression","suggested_replacement":null,"suggestion_applicability":null,"expansion":null}],"children":[],"rendered":"error: expected expression, found `;`\n"}}"#;
        let stdout = [
            artifact_line("glam", r#""lib""#),
            artifact_line("game-logic", r#""cdylib","rlib""#),
            "   Compiling something that is not JSON".to_owned(),
            error.to_owned(),
            r#"{"reason":"build-finished","success":false}"#.to_owned(),
        ]
        .join("\n");
        let messages = Message::parse_stream(stdout.as_bytes()).map_while(Result::ok);
        let report = BuildReport::read(messages, "game_logic");
        let expected = format!(
            "/w/target/debug/libgame_logic{}",
            std::env::consts::DLL_SUFFIX
        );
        assert_eq!(report.library, Some(PathBuf::from(expected)));
        assert_eq!(report.finished, Some(false));
        let first = report.diagnostics.first_error.expect("the compile error");
        assert_eq!(
            first.short,
            "error: expected expression, found `;` at src/systems.rs:7:30"
        );
    }

    #[test]
    fn another_crates_library_or_an_rlib_is_not_the_game() {
        let stdout = [
            artifact_line("other", r#""cdylib""#),
            artifact_line("game-logic", r#""rlib""#),
        ]
        .join("\n");
        let messages = Message::parse_stream(stdout.as_bytes()).map_while(Result::ok);
        let report = BuildReport::read(messages, "game_logic");
        assert_eq!(report.library, None);
        assert_eq!(report.finished, None, "no build-finished message");
    }
}
