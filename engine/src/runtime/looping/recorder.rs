//! Recording a loop to disk while it is played: the frame thread hands
//! steps to a writer thread in chunks from a fixed pool, so recording a step
//! neither allocates nor waits on the disk, and memory stays the same
//! however long the recording runs.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::thread::JoinHandle;

use hotloop_abi::Input;

use super::{Limits, wait_for};
use crate::files::recording::{self, RecordingWriter, Step};
use crate::files::snapshot::Snapshot;

/// A recording file, finished.
#[derive(Debug)]
pub(super) struct Written {
    /// Where it is.
    pub path: PathBuf,
    /// The handle that wrote it, open for reading it back.
    pub file: File,
    /// Where its first step is.
    pub records_at: u64,
    /// How many steps it holds.
    pub steps: u64,
}

/// Why a recording stopped before the loop key ended it.
#[derive(Debug)]
pub(super) enum Stop {
    /// The writer fell a pool's worth of chunks behind.
    Behind {
        /// Where what it wrote goes.
        path: PathBuf,
    },
    /// The file cannot be written, and the recording is too long to loop
    /// from memory.
    CannotSave(String),
}

/// The steps of a recording kept in memory while there are few enough:
/// a short loop plays from here.
pub(super) type InMemory = (Vec<Input>, Vec<u64>);

/// A recording being made.
pub(super) struct Recorder {
    limits: Limits,
    steps: u64,
    memory: Option<InMemory>,
    /// The chunk being filled, and the empty ones ready to take its place.
    chunk: Vec<Step>,
    spare: Vec<Vec<Step>>,
    writer: Option<Writer>,
    /// Why the file could not be written, once that is known.
    failed: Option<String>,
    path: PathBuf,
}

/// The frame thread's end of the writer thread.
struct Writer {
    chunks: SyncSender<Vec<Step>>,
    emptied: Receiver<Vec<Step>>,
    in_flight: usize,
    warned: bool,
    thread: JoinHandle<io::Result<Written>>,
    abandon: Arc<AtomicBool>,
}

impl Recorder {
    /// Starts a recording from `start` at frame number `first_step`, written
    /// to a new file in `dir` by a thread of its own.
    pub fn start(limits: Limits, start: Snapshot, first_step: u64, rate: u32, dir: &Path) -> Self {
        let path = recording::new_path(dir);
        let (chunks, to_write) = mpsc::sync_channel(limits.pool);
        let (give_back, emptied) = mpsc::sync_channel(limits.pool);
        let abandon = Arc::new(AtomicBool::new(false));
        let spawned = {
            let (path, abandon) = (path.clone(), abandon.clone());
            std::thread::Builder::new()
                .name("hotloop-recording".into())
                .spawn(move || {
                    write(
                        &path, start, first_step, rate, &to_write, &give_back, &abandon,
                    )
                })
        };
        let (writer, failed) = match spawned {
            Ok(thread) => {
                let writer = Writer {
                    chunks,
                    emptied,
                    in_flight: 0,
                    warned: false,
                    thread,
                    abandon,
                };
                (Some(writer), None)
            }
            Err(error) => (None, Some(format!("cannot start its writer: {error}"))),
        };
        Self {
            limits,
            steps: 0,
            memory: Some((Vec::with_capacity(limits.in_memory), Vec::with_capacity(16))),
            chunk: Vec::with_capacity(limits.chunk),
            spare: (1..limits.pool)
                .map(|_| Vec::with_capacity(limits.chunk))
                .collect(),
            writer,
            failed,
            path,
        }
    }

    /// Steps recorded so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Records the next step. Allocates nothing, but on the rare step that
    /// follows a reload, and waits only when the writer is a whole pool of
    /// chunks behind ([`MAX_WAIT`](super::MAX_WAIT) at most).
    ///
    /// # Errors
    /// When the recording cannot go on.
    pub fn push(&mut self, step: Step) -> Result<(), Stop> {
        self.steps += 1;
        if let Some((inputs, reloaded)) = &mut self.memory {
            if inputs.len() < self.limits.in_memory {
                if step.reloaded {
                    reloaded.push(inputs.len() as u64);
                }
                inputs.push(step.input);
            } else {
                // Too long for memory: from here it lives only in its file.
                self.memory = None;
            }
        }
        if self.writer.is_some() {
            self.chunk.push(step);
            if self.chunk.len() >= self.limits.chunk {
                self.hand_over()?;
            }
        }
        match (&self.memory, &self.writer) {
            (None, None) => Err(Stop::CannotSave(self.failed.clone().unwrap_or_default())),
            _ => Ok(()),
        }
    }

    /// Gives the full chunk to the writer and takes an empty one.
    fn hand_over(&mut self) -> Result<(), Stop> {
        let Some(writer) = &mut self.writer else {
            return Ok(());
        };
        loop {
            match writer.emptied.try_recv() {
                Ok(chunk) => {
                    writer.in_flight -= 1;
                    self.spare.push(chunk);
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return self.writer_ended(),
            }
        }
        let empty = match self.spare.pop() {
            Some(empty) => empty,
            None => {
                if !writer.warned {
                    writer.warned = true;
                    log::warn!(
                        "the recording's writer is {} steps behind: the frame waits for the disk",
                        writer.in_flight * self.limits.chunk
                    );
                }
                match wait_for(&writer.emptied) {
                    Ok(empty) => {
                        writer.in_flight -= 1;
                        empty
                    }
                    Err(RecvTimeoutError::Timeout) => {
                        return Err(Stop::Behind {
                            path: self.path.clone(),
                        });
                    }
                    Err(RecvTimeoutError::Disconnected) => return self.writer_ended(),
                }
            }
        };
        let full = std::mem::replace(&mut self.chunk, empty);
        match writer.chunks.try_send(full) {
            Ok(()) => writer.in_flight += 1,
            Err(TrySendError::Disconnected(_)) => return self.writer_ended(),
            Err(TrySendError::Full(_)) => unreachable!("the channel holds the whole pool"),
        }
        Ok(())
    }

    /// The writer stopped on an error: the recording goes on in memory, if
    /// it still fits there.
    fn writer_ended(&mut self) -> Result<(), Stop> {
        if let Some(writer) = self.writer.take() {
            let error = writer.end(&self.path).err();
            self.failed = Some(error.unwrap_or_else(|| "its writer ended early".into()));
        }
        self.chunk.clear();
        Ok(())
    }

    /// Ends the recording: the writer writes what it has not yet, and the
    /// end. Waits for it (at most a pool's worth of chunks). Returns the
    /// finished file, or why there is none, and the steps when they fit in
    /// memory; `None` when nothing was recorded.
    pub fn finish(mut self) -> Option<(Result<Written, String>, Option<InMemory>)> {
        if self.steps == 0 {
            return None;
        }
        let written = match self.writer.take() {
            Some(writer) => {
                let last = std::mem::take(&mut self.chunk);
                if !last.is_empty() {
                    // Never full: the channel holds the whole pool. An error
                    // means the writer ended, and `join` says why.
                    let _ = writer.chunks.try_send(last);
                }
                writer.end(&self.path)
            }
            None => Err(self.failed.take().unwrap_or_default()),
        };
        Some((written, self.memory.take()))
    }

    /// Stops recording without waiting for the writer, which still
    /// finishes the file with the steps it was given.
    pub fn detach(mut self) {
        if let Some(writer) = self.writer.take() {
            let last = std::mem::take(&mut self.chunk);
            let _ = writer.chunks.try_send(last);
        }
    }
}

impl Writer {
    /// Hangs up and waits for the writer to finish: the file, or why there is none.
    fn end(self, path: &Path) -> Result<Written, String> {
        drop(self.chunks);
        match self.thread.join() {
            Ok(Ok(written)) => Ok(written),
            Ok(Err(error)) => Err(format!("writing {}: {error}", path.display())),
            Err(_) => Err(format!("the writer of {} panicked", path.display())),
        }
    }
}

impl Drop for Recorder {
    /// A recording dropped unfinished (the loop stopped another way, or the
    /// engine ended) is not kept, as before recordings were streamed.
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            writer.abandon.store(true, Ordering::Relaxed);
        }
    }
}

/// The writer thread: writes `start` (and drops it), then every chunk it is given, then
/// the end once the frame thread hangs up, and moves the file into place
/// at `path` (it is written as `path.part`); removes it instead when it
/// is abandoned or fails.
fn write(
    path: &Path,
    start: Snapshot,
    first_step: u64,
    rate: u32,
    chunks: &Receiver<Vec<Step>>,
    give_back: &SyncSender<Vec<Step>>,
    abandon: &AtomicBool,
) -> io::Result<Written> {
    let part = path.with_extension(PART);
    let written = (|| {
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&part)?;
        // Held until the file is finished: it says a live writer has it.
        file.try_lock().map_err(io::Error::from)?;
        let lock = file;
        remove_unfinished(dir);
        let out = BufWriter::with_capacity(64 * 1024, lock.try_clone()?);
        let mut writer = RecordingWriter::start(out, &start, first_step, rate)?;
        // Written: the looper keeps its own copy.
        drop(start);
        for mut chunk in chunks {
            for step in &chunk {
                writer.push(step)?;
            }
            chunk.clear();
            // Never full: the channel holds the whole pool.
            let _ = give_back.try_send(chunk);
        }
        if abandon.load(Ordering::Relaxed) {
            return Err(io::Error::other("abandoned"));
        }
        let (records_at, steps) = (writer.header_len(), writer.steps());
        let file = writer.finish()?.into_inner().map_err(|e| e.into_error())?;
        fs::rename(&part, path)?;
        Ok(Written {
            path: path.to_owned(),
            file,
            records_at,
            steps,
        })
    })();
    if written.is_err() {
        let _ = fs::remove_file(&part);
    }
    written
}

/// How an unfinished recording's file name ends.
const PART: &str = "hlrec.part";

/// Removes the unfinished recordings in `dir` that no live writer holds
/// (each holds a lock on its file) and that are a minute old (one just made
/// may not be locked yet): what engine processes that crashed or were
/// killed while recording left behind. They cannot be replayed.
fn remove_unfinished(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for path in entries.flatten().map(|entry| entry.path()) {
        let unfinished = path.to_string_lossy().ends_with(PART);
        let old = || {
            fs::metadata(&path)
                .and_then(|m| m.modified())
                .is_ok_and(|at| at.elapsed().is_ok_and(|age| age.as_secs() >= 60))
        };
        let Some(file) = (unfinished && old())
            .then(|| File::open(&path).ok())
            .flatten()
        else {
            continue;
        };
        if file.try_lock().is_ok() && fs::remove_file(&path).is_ok() {
            log::info!(
                "removed {}, a recording left unfinished by an engine that stopped",
                path.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unfinished_recordings_no_writer_holds_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, age_secs: u64| {
            let path = dir.path().join(name);
            let file = File::create(&path).unwrap();
            let at = std::time::SystemTime::now() - std::time::Duration::from_secs(age_secs);
            file.set_modified(at).unwrap();
            (path, file)
        };
        let (crashed, _) = file("recording-1.hlrec.part", 120);
        let (held, held_file) = file("recording-2.hlrec.part", 120);
        held_file.try_lock().unwrap();
        let (just_made, _) = file("recording-3.hlrec.part", 0);
        let (finished, _) = file("recording-4.hlrec", 120);
        remove_unfinished(dir.path());
        assert!(!crashed.exists(), "left by a writer that stopped");
        assert!(held.exists(), "a live writer holds it");
        assert!(just_made.exists(), "it may not be locked yet");
        assert!(finished.exists(), "finished recordings stay");
    }
}
