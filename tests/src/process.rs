//! The engine as a process: started, read as it speaks, signalled, and
//! looked at from outside (its children, the files it maps).

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::engine_binary;

/// The processes whose parent is `pid`, from `/proc` (Linux).
pub fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .filter(|&child| parent_of(child) == Some(pid))
        .collect()
}

/// Whether process `pid` still runs: a zombie (dead but not yet reaped by
/// whoever adopted it) does not, once its last thread is gone too (the
/// leader can be a zombie while other threads still exit, holding the
/// process's files).
pub fn is_running(pid: u32) -> bool {
    let state = |stat: &str| {
        stat.rfind(')')
            .and_then(|end| stat[end + 1..].split_whitespace().next().map(str::to_owned))
    };
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|task| {
        fs::read_to_string(task.path().join("stat"))
            .is_ok_and(|stat| !matches!(state(&stat).as_deref(), Some("Z" | "X") | None))
    })
}

/// Whether process `child` is `ancestor` or was started by it, directly or not.
pub(crate) fn descends_from(child: u32, ancestor: u32) -> bool {
    let mut pid = child;
    for _ in 0..16 {
        if pid == ancestor {
            return true;
        }
        let Some(parent) = parent_of(pid) else {
            return false;
        };
        pid = parent;
    }
    false
}

/// The parent of process `pid`, from `/proc/<pid>/stat` (Linux).
pub fn parent_of(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: the fields after it follow the last ')'.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// Game libraries this process has mapped: distinct files under `shadow_dir`
/// in `/proc/self/maps` (Linux).
pub fn mapped_libraries(shadow_dir: &Path) -> usize {
    let prefix = format!("{}/", shadow_dir.display());
    files_mapped_by("self", |path| path.starts_with(&prefix))
}

/// How many distinct files that `matches` the process `pid` (a number, or
/// `self`) has mapped, from `/proc/PID/maps` (Linux; 0 when it is gone).
pub fn files_mapped_by(pid: &str, matches: impl Fn(&str) -> bool) -> usize {
    mapped_by(pid, |_| true, matches)
}

/// As [`files_mapped_by`], counting only files with code mapped (an
/// executable mapping): a library's file read for its symbols, say by a
/// backtrace, is mapped without it.
pub fn code_mapped_by(pid: &str, matches: impl Fn(&str) -> bool) -> usize {
    mapped_by(pid, |permissions| permissions.contains('x'), matches)
}

/// How many distinct files that `matches` the process `pid` has in
/// mappings whose permissions (`r-xp`…) pass `mapped_as`.
fn mapped_by(pid: &str, mapped_as: impl Fn(&str) -> bool, matches: impl Fn(&str) -> bool) -> usize {
    let maps = fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let mut paths: Vec<&str> = maps
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let permissions = fields.nth(1)?;
            fields.nth(3).filter(|_| mapped_as(permissions))
        })
        .filter(|path| matches(path))
        .collect();
    paths.sort_unstable();
    paths.dedup();
    paths.len()
}

/// A running `hotloop` process whose stderr is read as it comes, so a test
/// waits for what the engine says rather than for wall-clock time.
#[derive(Debug)]
pub struct EngineProcess {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    stderr: Vec<String>,
}

impl EngineProcess {
    /// Starts the engine binary with `args` (stdout and stderr captured).
    pub fn start<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        Self::start_with(args, &[])
    }

    /// As [`EngineProcess::start`], with extra environment variables.
    pub fn start_with<I, S>(args: I, env: &[(&str, &str)]) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(engine_binary());
        command.args(args);
        Self::spawn(command, env)
    }

    /// Starts `command` (a shipped game's executable, say) with stdout and
    /// stderr captured, to be waited on like the engine.
    pub fn start_command(command: Command) -> Self {
        Self::spawn(command, &[])
    }

    /// As [`EngineProcess::start_with`], in a private mount namespace where
    /// the shell commands `setup` ran first (`mount -t tmpfs …`); the
    /// engine is exec'd, so its process id is the one started. Check
    /// [`mount_namespace_available`](crate::mount_namespace_available) first.
    pub fn start_in_mount_namespace<I, S>(setup: &str, args: I, env: &[(&str, &str)]) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new("unshare");
        command
            .args(["--mount", "--propagation", "private", "--", "sh", "-c"])
            .arg(format!("set -e\n{setup}\nexec \"$0\" \"$@\""))
            .arg(engine_binary())
            .args(args);
        Self::spawn(command, env)
    }

    fn spawn(mut command: Command, env: &[(&str, &str)]) -> Self {
        use std::io::BufRead;
        command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("run hotloop");
        let stderr = child.stderr.take().expect("piped stderr");
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Read as bytes: one line that is not UTF-8 must not end the reading.
            let mut reader = std::io::BufReader::new(stderr);
            let mut line = Vec::new();
            while reader
                .read_until(b'\n', &mut line)
                .is_ok_and(|read| read > 0)
            {
                let text = String::from_utf8_lossy(&line)
                    .trim_end_matches('\n')
                    .to_owned();
                line.clear();
                if send.send(text).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            lines,
            stderr: Vec::new(),
        }
    }

    /// The supervisor's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a stderr line containing `what` and returns it; panics with
    /// everything the engine said when it does not come within 60 s (a
    /// guard against hanging, not a timing check) or the engine exits first.
    pub fn wait_for(&mut self, what: &str) -> String {
        self.wait_until(what, |line| line.contains(what))
    }

    /// As [`EngineProcess::wait_for`], for the first line that `matches`
    /// (`what` describes it in the panic message).
    pub fn wait_until(&mut self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.stderr.push(line.clone());
                    if matches(&line) {
                        return line;
                    }
                }
                Err(error) => panic!(
                    "no line with {what:?} from the engine ({error}; exit: {:?}); it said:\n{}",
                    self.child.try_wait(),
                    self.stderr.join("\n")
                ),
            }
        }
    }

    /// Types `line` on the engine's standard input (a headless engine takes
    /// its keys from there: `F3`, `F5`, `F9`).
    pub fn type_line(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().expect("piped stdin");
        writeln!(stdin, "{line}").expect("write to the engine's stdin");
        stdin.flush().expect("flush the engine's stdin");
    }

    /// Bytes the engine has written to stderr so far (lines read).
    pub fn stderr_bytes(&mut self) -> usize {
        self.stderr.extend(self.lines.try_iter());
        self.stderr.iter().map(|line| line.len() + 1).sum()
    }

    /// Everything the engine has said on stderr so far.
    pub fn stderr(&mut self) -> String {
        self.stderr.extend(self.lines.try_iter());
        self.stderr.join("\n")
    }

    /// Sends SIGTERM and waits for the exit: the exit status, the JSON
    /// summary, all of stderr, and how long the exit took after the signal.
    pub fn terminate(self) -> Finished {
        self.signal("TERM")
    }

    /// As [`EngineProcess::terminate`], with SIGINT: what Ctrl-C in a
    /// terminal sends.
    pub fn interrupt(self) -> Finished {
        self.signal("INT")
    }

    fn signal(self, name: &str) -> Finished {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
        let signalled = std::time::Instant::now();
        let mut finished = self.finish();
        finished.after_signal = signalled.elapsed();
        finished
    }

    /// Waits for the engine to exit by itself, for up to `limit` (a guard
    /// against hanging: past it the engine is killed and the test fails with
    /// what it said). Returns how it ended and how long it took to exit,
    /// measured from the call to within 5 ms.
    pub fn finish_within(mut self, limit: std::time::Duration) -> (Finished, std::time::Duration) {
        let started = std::time::Instant::now();
        loop {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                let took = started.elapsed();
                return (self.finish(), took);
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "the engine did not exit within {limit:?}; it said:\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Waits for the engine to exit by itself.
    pub fn finish(mut self) -> Finished {
        use std::io::Read;
        drop(self.child.stdin.take());
        let mut stdout = String::new();
        self.child
            .stdout
            .take()
            .expect("piped stdout")
            .read_to_string(&mut stdout)
            .expect("read stdout");
        let status = self.child.wait().expect("wait for hotloop");
        self.stderr.extend(self.lines.iter());
        Finished {
            status,
            stdout,
            stderr: self.stderr.join("\n"),
            after_signal: std::time::Duration::ZERO,
        }
    }
}

impl Drop for EngineProcess {
    /// A test that fails half-way must not leave its engine running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// How an [`EngineProcess`] ended.
#[derive(Debug)]
pub struct Finished {
    /// Its exit status.
    pub status: std::process::ExitStatus,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
    /// From SIGTERM to exit ([`EngineProcess::terminate`]).
    pub after_signal: std::time::Duration,
}

impl Finished {
    /// The JSON summary (the last stdout line); panics with stderr if there is none.
    pub fn summary(&self) -> serde_json::Value {
        let last = self
            .stdout
            .lines()
            .last()
            .unwrap_or_else(|| panic!("no summary on stdout; stderr was:\n{}", self.stderr));
        serde_json::from_str(last).unwrap_or_else(|e| {
            panic!(
                "last line is not JSON ({e}): {last}\nstderr:\n{}",
                self.stderr
            )
        })
    }
}
