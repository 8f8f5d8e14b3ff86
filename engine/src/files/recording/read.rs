//! Reading a recording back with bounded memory: a first pass checks the
//! whole file (every length, every step's flags, the checksum) before
//! anything in it is trusted; a second hands out its steps one at a time.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::{
    BEFORE_GAMEPADS, COUNT_AT_END, END, FLAGGED_LEN, FORMAT_VERSION, INPUT_LEN, MAGIC, STEP_LEN,
    Step, V4_LEN, invalid,
};
use crate::files::checksum::Checksum;
use crate::files::snapshot::{self, Snapshot};

/// What a recording starts from.
#[derive(Clone, Debug)]
pub struct Header {
    /// The state before the first recorded step, with its field table.
    pub start: Snapshot,
    /// The frame number of the first recorded step.
    pub first_step: u64,
    /// Update steps per second it was recorded at.
    pub rate: u32,
}

/// Bytes read from the file at a time: with the state, all a reader holds.
const BUFFER: usize = 64 * 1024;
/// The shortest file of any version: a header with an empty state, and an end.
const MIN_LEN: u64 = 8 + 4 + 4 + 8 + 8 + 8;

/// How a format version lays out what follows the header.
#[derive(Clone, Copy, Debug)]
struct Format {
    version: u32,
    step_len: usize,
    /// Bytes after the last step, the checksum included.
    end_len: u64,
}

impl Format {
    fn of(version: u32) -> Result<Self, String> {
        let (step_len, end_len) = match version {
            1 => (INPUT_LEN, 8),
            2 => (FLAGGED_LEN, 8),
            COUNT_AT_END => (FLAGGED_LEN, 24),
            BEFORE_GAMEPADS => (V4_LEN, 24),
            FORMAT_VERSION => (STEP_LEN, 24),
            _ => {
                return Err(format!(
                    "format version {version}, this engine reads versions 1 to {FORMAT_VERSION}"
                ));
            }
        };
        Ok(Self {
            version,
            step_len,
            end_len,
        })
    }
}

/// Reads a recording's steps in order, holding only its header and a
/// buffer however long it is.
#[derive(Debug)]
pub struct RecordingReader<R> {
    input: Summed<BufReader<R>>,
    header: Header,
    format: Format,
    steps: u64,
    next: u64,
    /// The file's checksum, as the first pass found it: the second pass
    /// must come to it too, or the file changed in between.
    expected: u64,
    end_checked: bool,
}

impl RecordingReader<File> {
    /// Opens and checks the recording at `path`.
    ///
    /// # Errors
    /// When the file cannot be read or is not a valid recording.
    pub fn open_file(path: &Path) -> Result<Self, String> {
        let file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::open(file).map_err(|e| invalid(path, &e))
    }
}

impl<R: Read + Seek> RecordingReader<R> {
    /// Checks the whole recording in `inner`, then stands before its first step.
    ///
    /// # Errors
    /// What is wrong with it.
    pub fn open(inner: R) -> Result<Self, String> {
        let mut input = Summed::new(BufReader::with_capacity(BUFFER, inner));
        let len = input.inner.seek(SeekFrom::End(0)).map_err(cannot_read)?;
        if len < MIN_LEN {
            return Err(format!("{len} bytes is too short for a recording"));
        }
        let end_steps = read_end(&mut input.inner, len)?;
        // The first pass: parse and check everything, summing every byte.
        input.seek(0)?;
        let parsed = parse(&mut input, len, end_steps);
        // Damage is reported as such, even where it made the parse fail.
        input.sum_to(len - 8)?;
        let mut stored = [0; 8];
        input
            .inner
            .seek(SeekFrom::Start(len - 8))
            .and_then(|_| input.inner.read_exact(&mut stored))
            .map_err(cannot_read)?;
        let expected = input.sum.value();
        if u64::from_le_bytes(stored) != expected {
            return Err("checksum mismatch (the file is damaged or cut off)".into());
        }
        let Parsed {
            header,
            format,
            steps,
            records_at,
            sum_at_records,
        } = parsed?;
        input.seek(records_at)?;
        input.sum = sum_at_records;
        Ok(Self {
            input,
            header,
            format,
            steps,
            next: 0,
            expected,
            end_checked: false,
        })
    }

    /// What the recording starts from.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// What the recording starts from, the reader done with.
    pub fn into_header(self) -> Header {
        self.header
    }

    /// How many steps it holds.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The next step, or `None` after the last.
    ///
    /// # Errors
    /// When the file cannot be read, or changed since it was checked.
    pub fn next_step(&mut self) -> Result<Option<Step>, String> {
        if self.next == self.steps {
            if !self.end_checked {
                self.end_checked = true;
                let end = self.input.at + self.format.end_len - 8;
                self.input.sum_to(end)?;
                if self.input.sum.value() != self.expected {
                    return Err("the file changed while it was read".into());
                }
            }
            return Ok(None);
        }
        let mut record = [0; STEP_LEN];
        let record = &mut record[..self.format.step_len];
        self.input.take(record)?;
        let index = self.next;
        self.next += 1;
        Step::decode(record, index).map(Some)
    }
}

/// Steps read back at any position from a recording file this engine is
/// writing or wrote (a long loop's read-ahead): no checks beyond each
/// step's flags, for it is the engine's own file, read through the handle
/// that wrote it.
#[derive(Debug)]
pub struct StepFile<R> {
    file: R,
    records_at: u64,
    steps: u64,
}

impl<R: Read + Seek> StepFile<R> {
    /// The `steps` steps of the current format that start at `records_at` in `file`.
    pub fn new(file: R, records_at: u64, steps: u64) -> Self {
        Self {
            file,
            records_at,
            steps,
        }
    }

    /// How many steps there are.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Reads steps `from..from + out.len()` into `out`, through `scratch`,
    /// which must hold `out.len() * STEP_LEN` bytes.
    ///
    /// # Errors
    /// When they are not all there, or the file cannot be read.
    pub fn read(&mut self, from: u64, out: &mut [Step], scratch: &mut [u8]) -> Result<(), String> {
        let end = from + out.len() as u64;
        if end > self.steps {
            return Err(format!("steps {from}..{end} of {} asked for", self.steps));
        }
        let bytes = &mut scratch[..out.len() * STEP_LEN];
        self.file
            .seek(SeekFrom::Start(self.records_at + from * STEP_LEN as u64))
            .and_then(|_| self.file.read_exact(bytes))
            .map_err(cannot_read)?;
        for ((slot, record), index) in out.iter_mut().zip(bytes.chunks(STEP_LEN)).zip(from..) {
            *slot = Step::decode(record, index)?;
        }
        Ok(())
    }
}

/// What the first pass found.
struct Parsed {
    header: Header,
    format: Format,
    steps: u64,
    records_at: u64,
    sum_at_records: Checksum,
}

/// The step count from the end of a file of version 3 on (`None` for
/// older versions, whose header holds it).
fn read_end<R: Read + Seek>(input: &mut R, len: u64) -> Result<Option<u64>, String> {
    let mut start = [0; 12];
    input.seek(SeekFrom::Start(0)).map_err(cannot_read)?;
    input.read_exact(&mut start).map_err(cannot_read)?;
    if &start[..8] != MAGIC {
        return Err("not a hotloop recording (bad magic)".into());
    }
    if u32::from_le_bytes(start[8..].try_into().expect("4 bytes")) < COUNT_AT_END {
        return Ok(None);
    }
    let mut end = [0; 16];
    input.seek(SeekFrom::Start(len - 24)).map_err(cannot_read)?;
    input.read_exact(&mut end).map_err(cannot_read)?;
    if &end[..8] != END {
        return Err(
            "it is cut off: its end is missing (the engine stopped while \
             recording it, or the file was not copied whole)"
                .into(),
        );
    }
    Ok(Some(u64::from_le_bytes(
        end[8..].try_into().expect("8 bytes"),
    )))
}

/// Parses a whole recording of `len` bytes from the start of `input`,
/// checking every length and step; `end_steps` is the count [`read_end`] found.
fn parse<R: Read + Seek>(
    input: &mut Summed<R>,
    len: u64,
    end_steps: Option<u64>,
) -> Result<Parsed, String> {
    input.take(&mut [0; 8])?;
    let format = Format::of(input.u32()?)?;
    let rate = input.u32()?;
    let first_step = input.u64()?;
    let header_steps = if format.version < COUNT_AT_END {
        Some(input.u64()?)
    } else {
        None
    };
    let state_len = input.u64()?;
    let body_end = len - format.end_len;
    let room = body_end
        .checked_sub(input.at)
        .ok_or("it is cut off in its header")?;
    if state_len > room {
        return Err(format!(
            "an embedded state of {state_len} bytes does not fit in the file"
        ));
    }
    let mut state = vec![0; state_len as usize];
    input.take(&mut state)?;
    let start = snapshot::decode(&state).map_err(|e| format!("embedded state: {e}"))?;
    let (records_at, sum_at_records) = (input.at, input.sum);
    let steps = header_steps.or(end_steps).unwrap_or(0);
    let found = body_end - records_at;
    if steps.checked_mul(format.step_len as u64) != Some(found) {
        return Err(format!(
            "{found} bytes of input is not the {steps} steps the file says"
        ));
    }
    let mut record = [0; STEP_LEN];
    for index in 0..steps {
        let record = &mut record[..format.step_len];
        input.take(record)?;
        Step::decode(record, index)?;
    }
    Ok(Parsed {
        header: Header {
            start,
            first_step,
            rate,
        },
        format,
        steps,
        records_at,
        sum_at_records,
    })
}

/// A reader that sums the bytes that pass through it, and counts them.
#[derive(Debug)]
struct Summed<R> {
    inner: R,
    sum: Checksum,
    at: u64,
}

impl<R: Read + Seek> Summed<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            sum: Checksum::default(),
            at: 0,
        }
    }

    /// Goes to `at`, summing afresh from there.
    fn seek(&mut self, at: u64) -> Result<(), String> {
        self.inner.seek(SeekFrom::Start(at)).map_err(cannot_read)?;
        self.at = at;
        self.sum = Checksum::default();
        Ok(())
    }

    fn take(&mut self, buf: &mut [u8]) -> Result<(), String> {
        self.inner.read_exact(buf).map_err(cannot_read)?;
        self.sum.update(buf);
        self.at += buf.len() as u64;
        Ok(())
    }

    fn u32(&mut self) -> Result<u32, String> {
        let mut bytes = [0; 4];
        self.take(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn u64(&mut self) -> Result<u64, String> {
        let mut bytes = [0; 8];
        self.take(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    /// Reads and sums the bytes up to `end`.
    fn sum_to(&mut self, end: u64) -> Result<(), String> {
        let mut buf = [0; 4096];
        while self.at < end {
            let len = (end - self.at).min(buf.len() as u64) as usize;
            self.take(&mut buf[..len])?;
        }
        Ok(())
    }
}

fn cannot_read(error: std::io::Error) -> String {
    if error.kind() == std::io::ErrorKind::UnexpectedEof {
        return "it ended early (it is cut off, or was cut while it was read)".into();
    }
    format!("cannot read it: {error}")
}
