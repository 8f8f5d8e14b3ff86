//! What a loop plays: its steps in memory (a short loop, a crash report's),
//! or read back from its recording file a chunk at a time by a thread of
//! its own (a long loop), so memory stays the same however long it is.

use std::fs::File;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};

use hotloop_abi::Input;

use super::{Limits, MAX_WAIT, wait_for};
use crate::files::recording::{STEP_LEN, Step, StepFile};

/// A loop's steps.
pub(super) enum Tape {
    /// Every step in memory; `reloaded` lists the steps (ascending) that
    /// ran first after a reload.
    Memory {
        inputs: Vec<Input>,
        reloaded: Vec<u64>,
    },
    /// Read back from the file.
    File(ReadAhead),
}

impl Tape {
    /// How many steps the loop has.
    pub fn len(&self) -> u64 {
        match self {
            Self::Memory { inputs, .. } => inputs.len() as u64,
            Self::File(file) => file.steps,
        }
    }

    /// Step `at` (below [`Tape::len`]). Allocates nothing; a long loop
    /// waits only when its reader is behind (after a restart, or a slow disk).
    ///
    /// # Errors
    /// When a long loop's file cannot be read back.
    pub fn step(&mut self, at: u64) -> Result<Step, String> {
        match self {
            Self::Memory { inputs, reloaded } => Ok(Step {
                input: inputs[at as usize],
                // Almost always empty: a search beats a flag per step.
                reloaded: reloaded.binary_search(&at).is_ok(),
            }),
            Self::File(file) => file.step(at),
        }
    }

    /// The loop starts over: a long one reads ahead from its start again.
    pub fn restart(&mut self) {
        if let Self::File(file) = self {
            file.next_request = file.chunk.min(file.steps);
        }
    }
}

/// A chunk of steps from `from` on.
struct Chunk {
    from: u64,
    steps: Vec<Step>,
}

/// A long loop's steps, read ahead of the frame thread in chunks. The first
/// chunk stays in memory, so each round, and each restart, begins without
/// waiting; a fixed number of chunks go round between the two threads.
pub(super) struct ReadAhead {
    steps: u64,
    chunk: u64,
    first: Vec<Step>,
    current: Option<Chunk>,
    requests: SyncSender<Chunk>,
    filled: Receiver<Result<Chunk, String>>,
    /// Where the next chunk asked for starts.
    next_request: u64,
}

impl ReadAhead {
    /// Starts reading `file` ahead, and waits for its first chunk.
    ///
    /// # Errors
    /// When the reader cannot start or the first chunk cannot be read.
    pub fn start(file: StepFile<File>, limits: Limits) -> Result<Self, String> {
        let (chunk, ahead) = (limits.chunk, limits.read_ahead);
        let (requests, to_read) = mpsc::sync_channel(ahead + 2);
        let (done, filled) = mpsc::sync_channel(ahead + 2);
        let steps = file.steps();
        std::thread::Builder::new()
            .name("hotloop-loop-reader".into())
            .spawn(move || read(file, chunk, &to_read, &done))
            .map_err(|e| format!("cannot start its reader: {e}"))?;
        let mut tape = Self {
            steps,
            chunk: chunk as u64,
            first: Vec::new(),
            current: None,
            requests,
            filled,
            next_request: 0,
        };
        let chunks = if steps > tape.chunk { ahead + 1 } else { 1 };
        for _ in 0..chunks {
            tape.request(Vec::with_capacity(chunk))?;
        }
        tape.first = tape.receive()?.steps;
        Ok(tape)
    }

    fn step(&mut self, at: u64) -> Result<Step, String> {
        if let Some(step) = self.first.get(at as usize) {
            return Ok(*step);
        }
        let wanted = at - at % self.chunk;
        loop {
            if let Some(current) = &self.current
                && current.from == wanted
            {
                return Ok(current.steps[(at - wanted) as usize]);
            }
            if let Some(done) = self.current.take() {
                self.request(done.steps)?;
            }
            let chunk = self.receive()?;
            if chunk.from == wanted {
                self.current = Some(chunk);
            } else {
                // Read for where the loop was before it restarted.
                self.request(chunk.steps)?;
            }
        }
    }

    /// Asks for the next chunk to be read into `steps`.
    fn request(&mut self, steps: Vec<Step>) -> Result<(), String> {
        let from = self.next_request;
        self.next_request += self.chunk;
        if self.next_request >= self.steps {
            // Round again; the first chunk is never read twice.
            self.next_request = self.chunk.min(self.steps);
        }
        self.requests
            .try_send(Chunk { from, steps })
            .map_err(|_| "its reader stopped".to_owned())
    }

    /// The next chunk read: waits for it ([`MAX_WAIT`] at most).
    fn receive(&mut self) -> Result<Chunk, String> {
        match wait_for(&self.filled) {
            Ok(chunk) => chunk,
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "reading it back fell behind by more than {} s",
                MAX_WAIT.as_secs()
            )),
            Err(RecvTimeoutError::Disconnected) => Err("its reader stopped".into()),
        }
    }
}

/// The reader thread: fills each chunk asked for, until the loop is dropped.
fn read(
    mut file: StepFile<File>,
    chunk: usize,
    requests: &Receiver<Chunk>,
    filled: &SyncSender<Result<Chunk, String>>,
) {
    let mut scratch = vec![0; chunk * STEP_LEN];
    for mut request in requests {
        let len = (file.steps() - request.from).min(chunk as u64) as usize;
        request.steps.resize(len, Step::default());
        let result = file
            .read(request.from, &mut request.steps, &mut scratch)
            .map(|()| request);
        if filled.send(result).is_err() {
            return;
        }
    }
}
