//! Writing a recording as it is made: the header first, then each step as
//! it runs, then the end (step count and checksum), so no step needs to be
//! kept once written.

use std::io::{self, Write};

use super::{END, FORMAT_VERSION, MAGIC, Step};
use crate::files::checksum::Checksum;
use crate::files::snapshot::{self, Snapshot};

/// Writes a recording to `W` a step at a time. Until [`finish`] writes its
/// end, what is written is an unfinished recording, which readers refuse.
///
/// [`finish`]: RecordingWriter::finish
#[derive(Debug)]
pub struct RecordingWriter<W: Write> {
    out: W,
    sum: Checksum,
    steps: u64,
    /// Bytes written before the first step.
    header_len: u64,
}

impl<W: Write> RecordingWriter<W> {
    /// Writes the header of a recording that starts from `start` at frame
    /// number `first_step`, at `rate` steps per second.
    ///
    /// # Errors
    /// When `out` fails.
    pub fn start(out: W, start: &Snapshot, first_step: u64, rate: u32) -> io::Result<Self> {
        let state = snapshot::encode(&start.state, start.table.as_ref());
        let mut writer = Self {
            out,
            sum: Checksum::default(),
            steps: 0,
            header_len: 0,
        };
        writer.put(MAGIC)?;
        writer.put(&FORMAT_VERSION.to_le_bytes())?;
        writer.put(&rate.to_le_bytes())?;
        writer.put(&first_step.to_le_bytes())?;
        writer.put(&(state.len() as u64).to_le_bytes())?;
        writer.put(&state)?;
        writer.header_len = (MAGIC.len() + 4 + 4 + 8 + 8 + state.len()) as u64;
        Ok(writer)
    }

    /// Appends the next step. Allocates nothing.
    ///
    /// # Errors
    /// When `out` fails.
    pub fn push(&mut self, step: &Step) -> io::Result<()> {
        self.put(&step.encode())?;
        self.steps += 1;
        Ok(())
    }

    /// Steps written so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Where the first step's record is in the file.
    pub fn header_len(&self) -> u64 {
        self.header_len
    }

    /// Writes the end (step count and checksum) and returns `out`, flushed.
    ///
    /// # Errors
    /// When `out` fails.
    pub fn finish(mut self) -> io::Result<W> {
        self.put(END)?;
        self.put(&self.steps.to_le_bytes())?;
        let sum = self.sum.value();
        self.out.write_all(&sum.to_le_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.sum.update(bytes);
        self.out.write_all(bytes)
    }
}
